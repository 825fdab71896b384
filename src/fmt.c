/*
 * Formatting helpers with no I/O, unit-tested in tests/unit/test-fmt.c.
 * UTF-8 is validated strictly (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF) so that what we call text really is text.
 * Splitting a byte stream into datagram records lives here too, so that
 * where one datagram ends is decided by code a table can test.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"

int
fmt_utf8_valid(const unsigned char *s, size_t len)
{
	size_t		i = 0, n, k;
	uint32_t	cp;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf) {
			n = 1;
			cp = s[i] & 0x1f;
		} else if (s[i] >= 0xe0 && s[i] <= 0xef) {
			n = 2;
			cp = s[i] & 0x0f;
		} else if (s[i] >= 0xf0 && s[i] <= 0xf4) {
			n = 3;
			cp = s[i] & 0x07;
		} else
			return (0);
		if (len - i - 1 < n)
			return (0);
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += n + 1;
	}
	return (1);
}

/* A JSON string (RFC 8259) with quotes, for input already valid UTF-8. */
int
fmt_json_string(struct buf *b, const unsigned char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t	i, start;
	char	esc[6];

	if (buf_reserve(b, len + 2) == -1 || buf_addc(b, '"') == -1)
		return (-1);
	for (i = start = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
			continue;
		if (buf_add(b, s + start, i - start) == -1)
			return (-1);
		start = i + 1;
		esc[0] = '\\';
		switch (s[i]) {
		case '"':
		case '\\':
			esc[1] = (char)s[i];
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[s[i] >> 4];
			esc[5] = hex[s[i] & 0xf];
			if (buf_add(b, esc, 6) == -1)
				return (-1);
			continue;
		}
		if (buf_add(b, esc, 2) == -1)
			return (-1);
	}
	if (buf_add(b, s + start, len - start) == -1)
		return (-1);
	return (buf_addc(b, '"'));
}

int
fmt_base64(struct buf *b, const unsigned char *s, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t		i;
	uint32_t	v;
	char		*o;

	if (len == 0)
		return (0);
	if (buf_reserve(b, (len + 2) / 3 * 4) == -1)
		return (-1);
	o = b->p + b->len;
	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = tab[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)s[i] << 16;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		*o++ = tab[v >> 18];
		*o++ = tab[(v >> 12) & 63];
		*o++ = tab[(v >> 6) & 63];
		*o++ = '=';
	}
	b->len = (size_t)(o - b->p);
	return (0);
}

/* The layout of `hexdump -C`, without its trailing offset line. */
int
fmt_hexdump(struct buf *b, const unsigned char *s, size_t len)
{
	return (fmt_hexdump_at(b, 0, s, len));
}

/*
 * The lines `hexdump -C -s OFF` prints for len bytes found at offset off
 * of a stream (the first line is not aligned to 16), without squeezing
 * repeated lines into "*" (as with -v) and without the final offset line.
 */
int
fmt_hexdump_at(struct buf *b, unsigned long long off, const unsigned char *s,
    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char	line[128], *o;
	size_t	at, i;
	int	n, c;

	for (at = 0; at < len; at += 16, off += 16) {
		n = snprintf(line, sizeof(line), "%08llx  ", off);
		if (n < 0 || (size_t)n >= sizeof(line) - 80)
			return (-1);
		o = line + n;
		for (i = 0; i < 16; i++) {
			if (i == 8)
				*o++ = ' ';
			if (at + i < len) {
				*o++ = hex[s[at + i] >> 4];
				*o++ = hex[s[at + i] & 15];
			} else {
				*o++ = ' ';
				*o++ = ' ';
			}
			*o++ = ' ';
		}
		*o++ = ' ';
		*o++ = '|';
		for (i = 0; i < 16 && at + i < len; i++) {
			c = s[at + i];
			*o++ = c >= 0x20 && c < 0x7f ? (char)c : '.';
		}
		*o++ = '|';
		*o++ = '\n';
		if (buf_add(b, line, (size_t)(o - line)) == -1)
			return (-1);
	}
	return (0);
}

/*
 * "  to 127.0.0.1 port 9 on lo, ttl 64, datagram 7, batch 3 (2 of 5)",
 * then ", truncated" and ", control truncated" when they apply, and a
 * newline.  The indent ties it to the -v line before it; a part that is
 * not known is left out ("to ?" for the address).
 */
int
fmt_dgram_info(struct buf *b, const struct fmt_dgram_info *d)
{
	if (buf_printf(b, "  to %s", d->to != NULL ? d->to : "?") == -1 ||
	    (d->port >= 0 && buf_printf(b, " port %d", d->port) == -1))
		return (-1);
	if (d->ifname != NULL && buf_printf(b, " on %s", d->ifname) == -1)
		return (-1);
	if (d->ttl >= 0 && buf_printf(b, ", ttl %d", d->ttl) == -1)
		return (-1);
	if (buf_printf(b, ", datagram %llu, batch %llu (%u of %u)", d->seq,
	    d->batch, d->index, d->nbatch) == -1)
		return (-1);
	if (d->truncated && buf_adds(b, ", truncated") == -1)
		return (-1);
	if (d->ctruncated && buf_adds(b, ", control truncated") == -1)
		return (-1);
	return (buf_addc(b, '\n'));
}

/*
 * One datagram as udp-recv prints it.  "line" adds a newline and "raw"
 * nothing, so raw output is the payloads back to back; "hex" and "json"
 * name the sender, and JSON carries the payload as a string when it is
 * UTF-8 text and as base64 otherwise, so any bytes survive.
 */
int
fmt_dgram(struct buf *b, enum fmt_dgram_format f, const struct fmt_dgram *d)
{
	switch (f) {
	case FMT_DGRAM_RAW:
		return (buf_add(b, d->data, d->len));
	case FMT_DGRAM_HEX:
		if (buf_printf(b, "from %s", d->from != NULL ? d->from :
		    "(unnamed)") == -1 || (d->port >= 0 &&
		    buf_printf(b, " port %d", d->port) == -1) ||
		    buf_printf(b, ", %zu bytes\n", d->len) == -1)
			return (-1);
		return (fmt_hexdump(b, d->data, d->len));
	case FMT_DGRAM_JSON:
		/* The keys stay the same; what a sender lacks is null. */
		if (buf_adds(b, "{\"from\":") == -1 ||
		    (d->from != NULL ? fmt_json_string(b,
		    (const unsigned char *)d->from, strlen(d->from)) :
		    buf_adds(b, "null")) == -1 ||
		    (d->port >= 0 ? buf_printf(b, ",\"port\":%d", d->port) :
		    buf_adds(b, ",\"port\":null")) == -1 ||
		    buf_printf(b, ",\"size\":%zu,", d->len) == -1)
			return (-1);
		if (fmt_utf8_valid(d->data, d->len)) {
			if (buf_adds(b, "\"data\":") == -1 ||
			    fmt_json_string(b, d->data, d->len) == -1)
				return (-1);
		} else if (buf_adds(b, "\"base64\":\"") == -1 ||
		    fmt_base64(b, d->data, d->len) == -1 ||
		    buf_addc(b, '"') == -1)
			return (-1);
		return (buf_adds(b, "}\n"));
	case FMT_DGRAM_LINE:
	default:
		if (buf_add(b, d->data, d->len) == -1)
			return (-1);
		return (buf_addc(b, '\n'));
	}
}

/*
 * Splits p[0..len) into records, replacing what r held.  A record is
 * only taken when it is complete: a line needs its newline and a chunk
 * its size, and --whole needs the end of the input, unless at_eof says
 * no more bytes will come, when the rest is the last record.  An empty
 * rest at EOF is no record, except that the whole of an empty input is
 * one (empty) datagram.  r->used is the bytes consumed; the caller keeps
 * the others for the next call.  -1 when memory runs out.
 */
int
fmt_split_records(const struct fmt_splitter *sp, const char *p, size_t len,
    int at_eof, struct fmt_records *r)
{
	struct fmt_record	*nv;
	const char		*nl;
	size_t			 off = 0, end, next;
	int			 whole = sp->mode == FMT_SPLIT_WHOLE;

	r->n = 0;
	while (off < len || (whole && at_eof && r->n == 0)) {
		if (whole) {
			if (!at_eof)
				break;
			end = next = len;
		} else if (sp->mode == FMT_SPLIT_CHUNK) {
			if (len - off < sp->chunk && !at_eof)
				break;
			end = next = len - off < sp->chunk ? len :
			    off + sp->chunk;
		} else {
			nl = memchr(p + off, '\n', len - off);
			if (nl == NULL && !at_eof)
				break;
			end = nl != NULL ? (size_t)(nl - p) : len;
			next = nl != NULL ? end + 1 : len;
		}
		if (r->n == r->cap) {
			nv = reallocarray(r->v, r->cap ? r->cap * 2 : 64,
			    sizeof(*r->v));
			if (nv == NULL)
				return (-1);
			r->v = nv;
			r->cap = r->cap ? r->cap * 2 : 64;
		}
		r->v[r->n].off = off;
		r->v[r->n].len = end - off;
		r->n++;
		off = next;
		if (whole)
			break;
	}
	r->used = off;
	return (0);
}

/*
 * The complete records in p[0..len) that start at or after byte from
 * (where the caller's last count stopped: an offset it had counted up
 * to), counting lines no further than max.  The whole input is never
 * complete before EOF, so --whole counts none.
 */
size_t
fmt_count_records(const struct fmt_splitter *sp, const char *p, size_t len,
    size_t from, size_t max)
{
	const char	*nl;
	size_t		 n = 0, off;

	if (sp->mode == FMT_SPLIT_WHOLE)
		return (0);
	if (sp->mode == FMT_SPLIT_CHUNK)
		return (len / sp->chunk - from / sp->chunk);
	for (off = from; n < max && off < len &&
	    (nl = memchr(p + off, '\n', len - off)) != NULL;
	    off = (size_t)(nl - p) + 1)
		n++;
	return (n);
}

void
fmt_records_free(struct fmt_records *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = r->used = 0;
}
