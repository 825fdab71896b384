/*
 * Unit tests of src/tracefmt.h: the header line (UTC time with
 * microseconds, direction, connection id, length), the --trace escaping
 * byte for byte on known text and binary, its line layout (a break after
 * each "\n", none inside an escape, at most TRACEFMT_WIDTH columns), the
 * round trip through tracefmt_unescape on all 256 byte values and on
 * pseudo-random buffers, the decoder's refusals, and the --hexdump lines
 * against goldens and against `hexdump -C` run on the same bytes at the
 * same offsets (when hexdump is installed).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/time.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "tap.h"
#include "tracefmt.h"

static int	round_trip(const unsigned char *, size_t);

/* The buffer as a C string (an empty one as ""). */
static const char *
str(struct buf *b)
{
	if (buf_reserve(b, 1) == -1)
		abort();
	b->p[b->len] = '\0';
	return (b->p);
}

static void
test_header(void)
{
	struct buf	b = { 0 };
	struct timeval	tv;

	tv.tv_sec = 0;
	tv.tv_usec = 0;
	tracefmt_time(&b, &tv);
	is_str(str(&b), "1970-01-01T00:00:00.000000Z", "time: the epoch");
	b.len = 0;
	tv.tv_sec = 951782400;
	tv.tv_usec = 999999;
	tracefmt_time(&b, &tv);
	is_str(str(&b), "2000-02-29T00:00:00.999999Z", "time: leap day");
	b.len = 0;
	tv.tv_sec = 1795000000;
	tv.tv_usec = 123456;
	is_int(tracefmt_header(&b, &tv, TRACEFMT_OUT, TRACEFMT_NOCONN, 18),
	    0, "header: returns 0");
	is_str(str(&b), "2026-11-18T11:06:40.123456Z > 18 bytes\n",
	    "header: to the peer");
	b.len = 0;
	tv.tv_usec = 5;
	tracefmt_header(&b, &tv, TRACEFMT_IN, 3, 0);
	is_str(str(&b), "2026-11-18T11:06:40.000005Z #3 < 0 bytes\n",
	    "header: from the peer, connection 3, empty");
	b.len = 0;
	tracefmt_header(&b, &tv, TRACEFMT_OUT, 0, 1);
	is_str(str(&b), "2026-11-18T11:06:40.000005Z #0 > 1 bytes\n",
	    "header: connection 0");
	buf_free(&b);
}

struct text_case {
	const char	*in;
	size_t		 len;
	const char	*out;
};

#define A25	"aaaaaaaaaaaaaaaaaaaaaaaaa"
#define A75	A25 A25 A25

static const struct text_case text_cases[] = {
	{ "", 0, "" },
	{ "hi", 2, "hi\n" },
	{ "GET / HTTP/1.0\r\nHost: x\r\n\r\n", 27,
	  "GET / HTTP/1.0\\r\\n\nHost: x\\r\\n\n\\r\\n\n" },
	{ "a\\b\tc", 5, "a\\\\b\\tc\n" },
	{ "\0\x01\x1f\x7f\x80\xff ~", 8, "\\x00\\x01\\x1f\\x7f\\x80\\xff ~\n" },
	{ "\n\n", 2, "\\n\n\\n\n" },
	{ "x\\n", 3, "x\\\\n\n" },
	{ A75 "a", 76, A75 "a\n" },
	{ A75 "aa", 77, A75 "a\na\n" },
	{ A75 "\x00", 76, A75 "\n\\x00\n" },
	{ A75 "\n", 76, A75 "\\n\n" },
	{ A75 "\r\n", 77, A75 "\\r\\n\n" },
	{ A75 "\r\r", 77, A75 "\n\\r\\r\n" },
	{ A75 "a\r\n\n", 79, A75 "a\\r\\n\n\\n\n" },
	{ A25 A25 "aaaaaaaaaaaaaaaaaaaaaaaa\r\n", 76, A25 A25
	  "aaaaaaaaaaaaaaaaaaaaaaaa\\r\\n\n" },
	{ A25 A25 "aaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 78, A25 A25
	  "aaaaaaaaaaaaaaaaaaaaaaaaaa\\r\\n\n" },
	{ "\r", 1, "\\r\n" },
	{ "\n\r", 2, "\\n\n\\r\n" },
};

static void
test_text(void)
{
	const struct text_case	*t;
	struct buf		 b = { 0 };

	for (t = text_cases; t < text_cases + nitems(text_cases); t++) {
		b.len = 0;
		is_int(tracefmt_text(&b, t->in, t->len), 0,
		    "text: %zu bytes returns 0", t->len);
		is_str(str(&b), t->out, "text: '%s'", t->out);
		ok(round_trip((const unsigned char *)t->in, t->len),
		    "text: %zu bytes round trip", t->len);
	}
	buf_free(&b);
}

/* The 256 byte values in order, as an independent encoder spells them. */
static const char all_golden[] =
	"\\x00\\x01\\x02\\x03\\x04\\x05\\x06\\x07\\x08\\t\\n\n"
	"\\x0b\\x0c\\r\\x0e\\x0f\\x10\\x11\\x12\\x13\\x1"
	    "4\\x15\\x16\\x17\\x18\\x19\\x1a\\x1b\\x1c\\x1d\n"
	"\\x1e\\x1f !\"#$%&'()*+,-./0123456789:;<="
	    ">?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`ab\n"
	"cdefghijklmnopqrstuvwxyz{|}~\\x7f\\x80\\x81\\"
	    "x82\\x83\\x84\\x85\\x86\\x87\\x88\\x89\\x8a\n"
	"\\x8b\\x8c\\x8d\\x8e\\x8f\\x90\\x91\\x92\\x93\\x"
	    "94\\x95\\x96\\x97\\x98\\x99\\x9a\\x9b\\x9c\\x9d\n"
	"\\x9e\\x9f\\xa0\\xa1\\xa2\\xa3\\xa4\\xa5\\xa6\\x"
	    "a7\\xa8\\xa9\\xaa\\xab\\xac\\xad\\xae\\xaf\\xb0\n"
	"\\xb1\\xb2\\xb3\\xb4\\xb5\\xb6\\xb7\\xb8\\xb9\\x"
	    "ba\\xbb\\xbc\\xbd\\xbe\\xbf\\xc0\\xc1\\xc2\\xc3\n"
	"\\xc4\\xc5\\xc6\\xc7\\xc8\\xc9\\xca\\xcb\\xcc\\x"
	    "cd\\xce\\xcf\\xd0\\xd1\\xd2\\xd3\\xd4\\xd5\\xd6\n"
	"\\xd7\\xd8\\xd9\\xda\\xdb\\xdc\\xdd\\xde\\xdf\\x"
	    "e0\\xe1\\xe2\\xe3\\xe4\\xe5\\xe6\\xe7\\xe8\\xe9\n"
	"\\xea\\xeb\\xec\\xed\\xee\\xef\\xf0\\xf1\\xf2\\x"
	    "f3\\xf4\\xf5\\xf6\\xf7\\xf8\\xf9\\xfa\\xfb\\xfc\n"
	"\\xfd\\xfe\\xff\n";

/* Encodes n bytes, checks the layout, decodes, compares. */
static int
round_trip(const unsigned char *p, size_t n)
{
	struct buf	 e = { 0 }, d = { 0 };
	size_t		 i, col = 0, ulen;
	int		 good = 1, lastn = 0;

	if (tracefmt_text(&e, p, n) == -1)
		return (0);
	/* Unit by unit: printable, short lines, "\n" ending its line. */
	for (i = 0; i < e.len; i++) {
		if (e.p[i] == '\n') {
			/* No empty lines; long ones end in a "\n". */
			if (col == 0 || (col > TRACEFMT_WIDTH && !lastn) ||
			    col > TRACEFMT_WIDTH + 4)
				good = 0;
			col = 0;
			continue;
		}
		if (e.p[i] < 0x20 || e.p[i] >= 0x7f)
			good = 0;
		ulen = 1;
		if (e.p[i] == '\\' && i + 1 < e.len)
			ulen = e.p[i + 1] == 'x' ? 4 : 2;
		col += ulen;
		lastn = ulen == 2 && e.p[i + 1] == 'n';
		if (i + ulen > e.len || memchr(e.p + i, '\n', ulen) != NULL)
			good = 0;
		if (ulen == 2 && e.p[i + 1] == 'n' &&
		    (i + 2 >= e.len || e.p[i + 2] != '\n'))
			good = 0;
		i += ulen - 1;
	}
	if (n > 0 && (e.len == 0 || e.p[e.len - 1] != '\n'))
		good = 0;
	if (tracefmt_unescape(&d, e.p, e.len) == -1 || d.len != n ||
	    (n > 0 && memcmp(d.p, p, n) != 0))
		good = 0;
	buf_free(&e);
	buf_free(&d);
	return (good);
}

static void
test_round_trip(void)
{
	unsigned char	 all[256], *big;
	struct buf	 e = { 0 };
	size_t		 i, n, fails = 0, len, k;
	uint64_t	 x = 88172645463325252ULL;

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	ok(round_trip(all, 256), "round trip: the 256 byte values");
	tracefmt_text(&e, all, 256);
	is_str(str(&e), all_golden, "text: the 256 byte values, golden");
	buf_free(&e);
	for (i = 0; i < 256; i++)
		if (!round_trip(all + i, 1))
			fails++;
	is_int(fails, 0, "round trip: each byte value alone");
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)(255 - i);
	ok(round_trip(all, 256), "round trip: descending");

	if ((big = malloc(70000)) == NULL)
		abort();
	for (n = 0, fails = 0; n < 200; n++) {
		len = n * 350;
		for (k = 0; k < len; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* Half the buffers mostly text, as protocols are. */
			big[k] = n % 2 ? (unsigned char)x :
			    "GET /\r\n\\\t\0x"[x % 12];
		}
		if (!round_trip(big, len))
			fails++;
	}
	is_int(fails, 0, "round trip: 200 pseudo-random buffers");
	free(big);
}

static void
test_unescape(void)
{
	static const char *const bad[] = {
		"\\", "\\q", "\\x", "\\x4", "\\xzz", "\\x4A", "\\N",
		"a\x01", "a\x80", "\t", "\r",
		"\\\nx41", "\\x\n41", "\\x4\n1",
	};
	struct buf	b = { 0 };
	size_t		i;

	for (i = 0; i < nitems(bad); i++) {
		b.len = 0;
		is_int(tracefmt_unescape(&b, bad[i], strlen(bad[i])), -1,
		    "unescape: refuses bad case %zu", i);
	}
	b.len = 0;
	is_int(tracefmt_unescape(&b, "\na\n\\x41\n\\\\\n", 11), 0,
	    "unescape: newlines between escapes are ignored");
	is_str(str(&b), "aA\\", "unescape: newlines ignored, value");
	b.len = 0;
	is_int(tracefmt_unescape(&b, "", 0), 0, "unescape: nothing");
	is_int(b.len, 0, "unescape: nothing is nothing");
	buf_free(&b);
}

/* `hexdump -C -s 5 -n 20` of "ab\0cdefghijklmnopqrstuvwxyz0123456789". */
static const char hex_golden[] =
    "00000005  65 66 67 68 69 6a 6b 6c  6d 6e 6f 70 71 72 73 74  "
    "|efghijklmnopqrst|\n"
    "00000015  75 76 77 78                                       "
    "|uvwx|\n";

/* The lines hexdump prints for n bytes at off of FILE, less the last. */
static char *
hexdump(const char *file, const char *flags, size_t off, size_t n)
{
	struct buf	 b = { 0 };
	char		 cmd[512], tmp[4096];
	FILE		*fp;
	size_t		 k;
	char		*end;

	snprintf(cmd, sizeof(cmd), "hexdump %s -s %zu -n %zu '%s'", flags,
	    off, n, file);
	if ((fp = popen(cmd, "r")) == NULL)
		return (NULL);
	while ((k = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		buf_add(&b, tmp, k);
	if (pclose(fp) != 0) {
		buf_free(&b);
		return (NULL);
	}
	str(&b);
	/* Drop the final offset line. */
	if (b.len >= 2 && (end = memrchr(b.p, '\n', b.len - 1)) != NULL)
		end[1] = '\0';
	else if (b.len > 0)
		b.p[0] = '\0';
	return (b.p);
}

static void
test_hex(void)
{
	static const size_t sizes[] = { 1, 15, 16, 17, 100, 107, 0 };
	static const char hsrc[] = "ab\0cdefghijklmnopqrstuvwxyz0123456789";
	char		 file[] = "/tmp/test-tracefmt.XXXXXX";
	unsigned char	 data[1024];
	struct buf	 b = { 0 };
	char		*want;
	size_t		 i, off, fails = 0, n;
	int		 fd;

	tracefmt_hex(&b, 5, hsrc + 5, 20);
	is_str(str(&b), hex_golden, "hex: golden at offset 5");
	b.len = 0;
	tracefmt_hex(&b, 0x123456789aULL, "A", 1);
	/* hexdump -C -s 0x123456789a of a sparse file ending in "A". */
	is_str(str(&b), "123456789a  41                                  "
	    "              |A|\n", "hex: offsets past 32 bits");
	b.len = 0;
	is_int(tracefmt_hex(&b, 7, "", 0), 0, "hex: nothing returns 0");
	is_int(b.len, 0, "hex: nothing prints nothing");

	/* 256 values, then 512 bytes of zeros (hexdump would squeeze). */
	for (i = 0; i < 256; i++)
		data[i] = (unsigned char)i;
	memset(data + 256, 0, 512);
	for (i = 768; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 31);
	if (access("/usr/bin/hexdump", X_OK) != 0 &&
	    access("/bin/hexdump", X_OK) != 0) {
		ok(1, "hex: # SKIP hexdump not installed");
		ok(1, "hex: # SKIP hexdump not installed");
		buf_free(&b);
		return;
	}
	if ((fd = mkstemp(file)) == -1 ||
	    write(fd, data, sizeof(data)) != (ssize_t)sizeof(data) ||
	    close(fd) == -1)
		abort();
	/* Chunks of every size in turn, offsets running on. */
	for (off = 0, i = 0; off < 256; off += n, i++) {
		n = sizes[i % (nitems(sizes) - 1)];
		if (n > 256 - off)
			n = 256 - off;
		b.len = 0;
		tracefmt_hex(&b, off, data + off, n);
		want = hexdump(file, "-C", off, n);
		if (want == NULL || strcmp(str(&b), want) != 0) {
			diag("offset %zu, %zu bytes", off, n);
			fails++;
		}
		free(want);
	}
	is_int(fails, 0, "hex: as hexdump -C, chunk by chunk, %zu chunks",
	    i);
	b.len = 0;
	tracefmt_hex(&b, 200, data + 200, sizeof(data) - 200);
	want = hexdump(file, "-C -v", 200, sizeof(data) - 200);
	ok(want != NULL && strcmp(str(&b), want) == 0,
	    "hex: repeated lines not squeezed, as hexdump -C -v");
	free(want);
	unlink(file);
	buf_free(&b);
}

int
main(void)
{
	test_header();
	test_text();
	test_round_trip();
	test_unescape();
	test_hex();
	return (done_testing());
}
