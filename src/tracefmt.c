/*
 * The text formats of --trace and --hexdump and the inverse of the trace
 * escaping; see tracefmt.h for the layout.  Pure: no I/O.  The escaping
 * is the one proof a reader needs that the log is the conversation, so it
 * is lossless by construction: every byte has exactly one spelling and
 * newlines in the log are never data.
 */
#include "config.h"

#include <sys/time.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "fmt.h"
#include "tracefmt.h"

/* ISO 8601 in UTC with microseconds: 2026-11-27T09:34:22.123456Z */
int
tracefmt_time(struct buf *b, const struct timeval *tv)
{
	struct tm	tm;
	time_t		t = tv->tv_sec;

	if (gmtime_r(&t, &tm) == NULL)
		return (-1);
	return (buf_printf(b, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (long)tv->tv_usec));
}

/* The line heading a chunk of len bytes; conn < 0 for no id. */
int
tracefmt_header(struct buf *b, const struct timeval *tv, int dir, long conn,
    size_t len)
{
	if (tracefmt_time(b, tv) == -1)
		return (-1);
	if (conn >= 0 && buf_printf(b, " #%ld", conn) == -1)
		return (-1);
	return (buf_printf(b, " %c %zu bytes\n",
	    dir == TRACEFMT_OUT ? '>' : '<', len));
}

/* The escaped body of a chunk: lines ending in a newline, none if n = 0. */
int
tracefmt_text(struct buf *b, const void *p, size_t n)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*s = p;
	/* The width, then a "\r\n" unit that is never moved, then '\n'. */
	char			 line[TRACEFMT_WIDTH + 4 + 1], u[4];
	size_t			 i, len = 0, ulen;
	int			 brk;

	for (i = 0; i < n; i++) {
		brk = 0;
		u[0] = '\\';
		ulen = 2;
		switch (s[i]) {
		case '\\':
			u[1] = '\\';
			break;
		case '\r':
			u[1] = 'r';
			/* CR LF is one unit: a line never ends between. */
			if (i + 1 < n && s[i + 1] == '\n') {
				memcpy(u + 2, "\\n", 2);
				ulen = 4;
				brk = 1;
				i++;
			}
			break;
		case '\n':
			u[1] = 'n';
			brk = 1;
			break;
		case '\t':
			u[1] = 't';
			break;
		default:
			if (s[i] >= 0x20 && s[i] < 0x7f) {
				u[0] = (char)s[i];
				ulen = 1;
			} else {
				u[1] = 'x';
				u[2] = hex[s[i] >> 4];
				u[3] = hex[s[i] & 15];
				ulen = 4;
			}
		}
		if (len + ulen > TRACEFMT_WIDTH && !brk) {
			line[len++] = '\n';
			if (buf_add(b, line, len) == -1)
				return (-1);
			len = 0;
		}
		memcpy(line + len, u, ulen);
		len += ulen;
		if (brk) {
			line[len++] = '\n';
			if (buf_add(b, line, len) == -1)
				return (-1);
			len = 0;
		}
	}
	if (len > 0) {
		line[len++] = '\n';
		if (buf_add(b, line, len) == -1)
			return (-1);
	}
	return (0);
}

/*
 * The --hexdump body of a chunk found at offset off of its direction:
 * the lines of `hexdump -C -v -s off` over that direction's bytes.
 */
int
tracefmt_hex(struct buf *b, unsigned long long off, const void *p, size_t n)
{
	return (fmt_hexdump_at(b, off, p, n));
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * The bytes of an escaped body (newlines ignored) appended to b.  Returns
 * -1 on what tracefmt_text never writes (an unknown or cut escape, a raw
 * control or non-ASCII byte) or when memory runs out; b may then hold
 * part of the bytes.
 */
int
tracefmt_unescape(struct buf *b, const char *s, size_t n)
{
	size_t	i;
	int	c, hi, lo;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\n')
			continue;
		if (c < 0x20 || c >= 0x7f)
			return (-1);
		if (c == '\\') {
			if (++i == n)
				return (-1);
			switch (s[i]) {
			case '\\':
				break;
			case 'r':
				c = '\r';
				break;
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'x':
				if (n - i < 3 || (hi = hexval(s[i + 1])) ==
				    -1 || (lo = hexval(s[i + 2])) == -1)
					return (-1);
				c = hi << 4 | lo;
				i += 2;
				break;
			default:
				return (-1);
			}
		}
		if (buf_addc(b, c) == -1)
			return (-1);
	}
	return (0);
}
