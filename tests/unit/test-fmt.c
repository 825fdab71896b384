/*
 * Unit tests of the pure formatters in src/fmt.h, which udp-recv uses for
 * its json and hex formats: strict UTF-8 validation (RFC 3629), JSON
 * string escaping (RFC 8259), base64 (RFC 4648) and the hexdump -C layout.
 * Each is driven by a table of inputs and the exact bytes they must give.
 * The hexdump goldens are the output of `hexdump -C` (util-linux) on the
 * same bytes, without its final offset line.  Then the detail line of
 * udp-recv -vv, with and without each optional part, each datagram in
 * udp-recv's four formats, and where udp-send's records begin and end:
 * splitting a stream into lines, chunks or one whole, with and without
 * EOF, and counting the records a batch already holds.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "fmt.h"
#include "tap.h"

/* A string literal and its length, NUL bytes included. */
#define S(s)	(const unsigned char *)(s), sizeof(s) - 1

/*
 * The buffer as a C string, for is_str(): a NUL is appended (and not
 * counted in len).  NULL if the bytes themselves hold a NUL, which none
 * of these formatters may produce.
 */
static const char *
buf_str(struct buf *b)
{
	if (buf_reserve(b, 1) == -1)
		return (NULL);
	b->p[b->len] = '\0';
	if (strlen(b->p) != b->len)
		return (NULL);
	return (b->p);
}

struct utf8_case {
	const char		*what;
	const unsigned char	*in;
	size_t			 len;
	int			 valid;
};

static const struct utf8_case utf8_cases[] = {
	{ "empty",			S(""),			1 },
	{ "ASCII",			S("hello, world"),	1 },
	{ "NUL",			S("\0"),		1 },
	{ "NUL inside text",		S("a\0b"),		1 },
	{ "DEL",			S("\x7f"),		1 },
	{ "ASCII controls",		S("\x01\t\n\r\x1b\x1f"), 1 },

	/* Two bytes: U+0080 to U+07FF. */
	{ "U+0080",			S("\xc2\x80"),		1 },
	{ "U+00E9 in text",		S("caf\xc3\xa9"),	1 },
	{ "U+07FF",			S("\xdf\xbf"),		1 },

	/* Three bytes: U+0800 to U+FFFF, less the surrogates. */
	{ "U+0800",			S("\xe0\xa0\x80"),	1 },
	{ "U+2615 hot beverage",	S("\xe2\x98\x95"),	1 },
	{ "U+D7FF below surrogates",	S("\xed\x9f\xbf"),	1 },
	{ "U+E000 above surrogates",	S("\xee\x80\x80"),	1 },
	{ "U+FFFD",			S("\xef\xbf\xbd"),	1 },
	{ "U+FFFF",			S("\xef\xbf\xbf"),	1 },
	{ "cafe and coffee",	S("caf\xc3\xa9 \xe2\x98\x95"),	1 },

	/* Four bytes: U+10000 to U+10FFFF. */
	{ "U+10000",			S("\xf0\x90\x80\x80"),	1 },
	{ "U+1F600",			S("\xf0\x9f\x98\x80"),	1 },
	{ "U+10FFFF",			S("\xf4\x8f\xbf\xbf"),	1 },
	{ "every length in a row",
	    S("a\xc3\xa9\xe2\x98\x95\xf0\x9f\x98\x80z"),	1 },

	/* Overlong forms. */
	{ "overlong NUL C0 80",		S("\xc0\x80"),		0 },
	{ "overlong C1 BF",		S("\xc1\xbf"),		0 },
	{ "overlong NUL E0 80 80",	S("\xe0\x80\x80"),	0 },
	{ "overlong U+07FF E0 9F BF",	S("\xe0\x9f\xbf"),	0 },
	{ "overlong NUL F0 80 80 80",	S("\xf0\x80\x80\x80"),	0 },
	{ "overlong U+FFFF F0 8F BF BF", S("\xf0\x8f\xbf\xbf"),	0 },

	/* UTF-16 surrogates. */
	{ "surrogate U+D800",		S("\xed\xa0\x80"),	0 },
	{ "surrogate U+DBFF",		S("\xed\xaf\xbf"),	0 },
	{ "surrogate U+DC00",		S("\xed\xb0\x80"),	0 },
	{ "surrogate U+DFFF",		S("\xed\xbf\xbf"),	0 },
	{ "surrogate pair (CESU-8)",
	    S("\xed\xa0\xbd\xed\xb8\x80"),			0 },

	/* Above U+10FFFF. */
	{ "U+110000 F4 90 80 80",	S("\xf4\x90\x80\x80"),	0 },
	{ "U+1FFFFF F7 BF BF BF",	S("\xf7\xbf\xbf\xbf"),	0 },

	/* Truncated sequences. */
	{ "2-byte lead alone",		S("\xc3"),		0 },
	{ "2-byte lead at end",		S("caf\xc3"),		0 },
	{ "3-byte lead, 1 of 2",	S("\xe2\x98"),		0 },
	{ "4-byte lead, 2 of 3",	S("\xf0\x9f\x98"),	0 },
	{ "3-byte lead then ASCII",	S("\xe2\x98" "a"),	0 },
	{ "2-byte lead then space",	S("\xc3 "),		0 },
	{ "2-byte lead then lead",	S("\xc3\xc3\xa9"),	0 },
	{ "4-byte lead then NUL",	S("\xf0\x9f\x98\0"),	0 },

	/* Continuation bytes with no lead. */
	{ "lone 80",			S("\x80"),		0 },
	{ "lone BF",			S("\xbf"),		0 },
	{ "lone continuation in text",	S("a\x80" "b"),		0 },
	{ "one continuation too many",	S("\xc3\xa9\xa9"),	0 },

	/* Bytes that never appear in UTF-8. */
	{ "F5 80 80 80",		S("\xf5\x80\x80\x80"),	0 },
	{ "F8 (5-byte form)",		S("\xf8\x88\x80\x80\x80"), 0 },
	{ "FC (6-byte form)",	S("\xfc\x84\x80\x80\x80\x80"),	0 },
	{ "FE",				S("\xfe"),		0 },
	{ "FF",				S("\xff"),		0 },
	{ "valid text then FF",		S("caf\xc3\xa9\xff"),	0 },
};

static void
test_utf8(void)
{
	const struct utf8_case *t;
	unsigned char	 c;
	int		 i, bad;

	for (t = utf8_cases; t < utf8_cases + nitems(utf8_cases); t++)
		is_int(fmt_utf8_valid(t->in, t->len) != 0, t->valid,
		    "utf8: %s is %s", t->what, t->valid ? "valid" : "invalid");

	/* Every single byte: ASCII alone is a whole character. */
	for (i = 0, bad = 0; i < 256; i++) {
		c = (unsigned char)i;
		if ((fmt_utf8_valid(&c, 1) != 0) != (i < 0x80)) {
			diag("byte %02x alone judged wrongly", i);
			bad++;
		}
	}
	is_int(bad, 0, "utf8: of the single bytes only 00-7f are valid");

	/* The length is respected: a character cut by len is invalid. */
	is_int(fmt_utf8_valid(S("\xc3\xa9")) != 0, 1, "utf8: C3 A9 valid");
	is_int(fmt_utf8_valid((const unsigned char *)"\xc3\xa9", 1) != 0, 0,
	    "utf8: C3 A9 with len 1 is invalid");
	is_int(fmt_utf8_valid((const unsigned char *)"\xf0\x9f\x98\x80",
	    3) != 0, 0, "utf8: F0 9F 98 80 with len 3 is invalid");
	is_int(fmt_utf8_valid((const unsigned char *)"ab\xff", 2) != 0, 1,
	    "utf8: bytes past len are not looked at");
	is_int(fmt_utf8_valid(NULL, 0) != 0, 1, "utf8: NULL with len 0");
}

struct json_case {
	const char		*what;
	const unsigned char	*in;
	size_t			 len;
	const char		*out;
};

static const struct json_case json_cases[] = {
	{ "empty",		S(""),		"\"\"" },
	{ "plain",		S("abc"),	"\"abc\"" },
	{ "quote",		S("\""),	"\"\\\"\"" },
	{ "backslash",		S("\\"),	"\"\\\\\"" },
	{ "quotes around",	S("\"hi\""),	"\"\\\"hi\\\"\"" },
	{ "backslash n is two characters", S("a\\nb"), "\"a\\\\nb\"" },
	{ "slash unescaped",	S("a/b"),	"\"a/b\"" },
	{ "backspace",		S("\b"),	"\"\\b\"" },
	{ "form feed",		S("\f"),	"\"\\f\"" },
	{ "newline",		S("\n"),	"\"\\n\"" },
	{ "carriage return",	S("\r"),	"\"\\r\"" },
	{ "tab",		S("\t"),	"\"\\t\"" },
	{ "short escapes in text", S("a\tb\r\nc"), "\"a\\tb\\r\\nc\"" },
	{ "NUL",		S("\0"),	"\"\\u0000\"" },
	{ "NUL inside text",	S("a\0b"),	"\"a\\u0000b\"" },
	{ "01",			S("\x01"),	"\"\\u0001\"" },
	{ "vertical tab",	S("\v"),	"\"\\u000b\"" },
	{ "escape, lowercase hex", S("\x1b[0m"), "\"\\u001b[0m\"" },
	{ "1a lowercase",	S("\x1a"),	"\"\\u001a\"" },
	{ "1f",			S("\x1f"),	"\"\\u001f\"" },
	{ "space",		S(" "),		"\" \"" },
	{ "DEL unescaped",	S("\x7f"),	"\"\x7f\"" },
	{ "tilde and DEL",	S("~\x7f~"),	"\"~\x7f~\"" },
	{ "UTF-8 passes",	S("caf\xc3\xa9 \xe2\x98\x95"),
	    "\"caf\xc3\xa9 \xe2\x98\x95\"" },
	{ "4-byte UTF-8 passes", S("\xf0\x9f\x98\x80"),
	    "\"\xf0\x9f\x98\x80\"" },
	{ "U+2028 passes",	S("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"" },
	{ "everything at once",	S("\"caf\xc3\xa9\"\\\n\x01\x7f"),
	    "\"\\\"caf\xc3\xa9\\\"\\\\\\n\\u0001\x7f\"" },
};

static void
test_json(void)
{
	static const char *const shortesc[32] = {
		['\b'] = "\\b", ['\f'] = "\\f", ['\n'] = "\\n",
		['\r'] = "\\r", ['\t'] = "\\t",
	};
	const struct json_case *t;
	struct buf	 b = { 0 };
	char		 want[16];
	unsigned char	 c;
	int		 i, bad;

	for (t = json_cases; t < json_cases + nitems(json_cases); t++) {
		b.len = 0;
		is_int(fmt_json_string(&b, t->in, t->len), 0,
		    "json: %s returns 0", t->what);
		is_str(buf_str(&b), t->out, "json: %s", t->what);
	}

	/* Every control character, and every other ASCII byte. */
	for (i = 0, bad = 0; i < 0x80; i++) {
		c = (unsigned char)i;
		if (i < 0x20 && shortesc[i] != NULL)
			snprintf(want, sizeof(want), "\"%s\"", shortesc[i]);
		else if (i < 0x20)
			snprintf(want, sizeof(want), "\"\\u%04x\"", i);
		else if (i == '"' || i == '\\')
			snprintf(want, sizeof(want), "\"\\%c\"", i);
		else
			snprintf(want, sizeof(want), "\"%c\"", i);
		b.len = 0;
		if (fmt_json_string(&b, &c, 1) != 0 ||
		    buf_str(&b) == NULL || strcmp(b.p, want) != 0) {
			diag("byte %02x: got '%s', want '%s'", i,
			    b.p != NULL ? b.p : "(nothing)", want);
			bad++;
		}
	}
	is_int(bad, 0, "json: each ASCII byte alone escaped as RFC 8259 says");

	/* Output is appended to what the buffer holds. */
	b.len = 0;
	buf_add(&b, "{\"data\":", 8);
	fmt_json_string(&b, S("x\ny"));
	is_str(buf_str(&b), "{\"data\":\"x\\ny\"", "json: appends");
	buf_free(&b);
}

struct b64_case {
	const char		*what;
	const unsigned char	*in;
	size_t			 len;
	const char		*out;
};

static const struct b64_case b64_cases[] = {
	/* RFC 4648, section 10. */
	{ "\"\"",		S(""),		"" },
	{ "\"f\"",		S("f"),		"Zg==" },
	{ "\"fo\"",		S("fo"),	"Zm8=" },
	{ "\"foo\"",		S("foo"),	"Zm9v" },
	{ "\"foob\"",		S("foob"),	"Zm9vYg==" },
	{ "\"fooba\"",		S("fooba"),	"Zm9vYmE=" },
	{ "\"foobar\"",		S("foobar"),	"Zm9vYmFy" },
	/* RFC 4648, section 9. */
	{ "14 fb 9c 03 d9 7e",	S("\x14\xfb\x9c\x03\xd9\x7e"), "FPucA9l+" },
	{ "14 fb 9c 03 d9",	S("\x14\xfb\x9c\x03\xd9"), "FPucA9k=" },
	{ "14 fb 9c 03",	S("\x14\xfb\x9c\x03"),	"FPucAw==" },
	/* Binary. */
	{ "00",			S("\0"),	"AA==" },
	{ "00 00",		S("\0\0"),	"AAA=" },
	{ "00 00 00",		S("\0\0\0"),	"AAAA" },
	{ "ff",			S("\xff"),	"/w==" },
	{ "ff ff ff",		S("\xff\xff\xff"), "////" },
	{ "fb ff (+ and /)",	S("\xfb\xff"),	"+/8=" },
	{ "not UTF-8",		S("caf\xe9\x00\x80"), "Y2Fm6QCA" },
};

static const char b64_all_bytes[] =
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEy"
    "MzQ1Njc4OTo7PD0+P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2Rl"
    "ZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeY"
    "mZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8vb6/wMHCw8TFxsfIycrL"
    "zM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7/P3+"
    "/w==";

/*
 * An empty input into a buffer that has never held anything (p is NULL)
 * adds nothing.  Run in a child: undefined behaviour there (NULL + 0,
 * which UBSan reports and -fno-sanitize-recover makes fatal) fails this
 * test alone instead of ending the program.
 */
static int
base64_empty_child(void)
{
	struct buf	 b = { 0 };
	pid_t		 pid;
	int		 st;

	fflush(stdout);
	if ((pid = fork()) == -1)
		return (0);
	if (pid == 0) {
		if (fmt_base64(&b, S("")) != 0 || b.len != 0)
			_exit(1);
		buf_free(&b);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) == -1)
		return (0);
	return (WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
test_base64(void)
{
	const struct b64_case *t;
	struct buf	 b = { 0 };
	unsigned char	 all[256];
	int		 i;

	/* The empty case on a buffer never used is base64_empty_child(). */
	if (buf_reserve(&b, 64) == -1) {
		diag("out of memory");
		exit(1);
	}
	for (t = b64_cases; t < b64_cases + nitems(b64_cases); t++) {
		b.len = 0;
		is_int(fmt_base64(&b, t->in, t->len), 0,
		    "base64: %s returns 0", t->what);
		is_str(buf_str(&b), t->out, "base64: %s is '%s'", t->what,
		    t->out);
	}

	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	b.len = 0;
	is_int(fmt_base64(&b, all, sizeof(all)), 0,
	    "base64: bytes 00-ff returns 0");
	is_str(buf_str(&b), b64_all_bytes, "base64: bytes 00-ff");

	/* Appends to what the buffer holds. */
	b.len = 0;
	buf_add(&b, "x:", 2);
	fmt_base64(&b, S("foo"));
	is_str(buf_str(&b), "x:Zm9v", "base64: appends");
	buf_free(&b);

	ok(base64_empty_child(), "base64: empty input into an empty buffer "
	    "adds nothing, cleanly under UBSan");
}

/*
 * The source of the hexdump cases: printable ASCII, controls, space, tilde,
 * DEL, 80 and ff, so that the character column shows what is replaced.
 */
static const unsigned char hex_src[] =
    "Hi there!\0\x01\x1f \x7e\x7f\x80\xff" "ABCDEFG~\n\r\txyz012\"\\";

struct hex_case {
	size_t		 len;
	const char	*out;
};

/* `head -c LEN | hexdump -C`, the final offset line removed. */
static const struct hex_case hex_cases[] = {
	{ 0, "" },
	{ 1,
"00000000  48                                                |H|\n" },
	{ 15,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f     |Hi there!... ~.|\n" },
	{ 16,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f 80  |Hi there!... ~..|\n" },
	{ 17,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f 80  |Hi there!... ~..|\n"
"00000010  ff                                                |.|\n" },
	{ 31,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f 80  |Hi there!... ~..|\n"
"00000010  ff 41 42 43 44 45 46 47  7e 0a 0d 09 78 79 7a     |.ABCDEFG~...xyz|\n" },
	{ 33,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f 80  |Hi there!... ~..|\n"
"00000010  ff 41 42 43 44 45 46 47  7e 0a 0d 09 78 79 7a 30  |.ABCDEFG~...xyz0|\n"
"00000020  31                                                |1|\n" },
	{ 36,
"00000000  48 69 20 74 68 65 72 65  21 00 01 1f 20 7e 7f 80  |Hi there!... ~..|\n"
"00000010  ff 41 42 43 44 45 46 47  7e 0a 0d 09 78 79 7a 30  |.ABCDEFG~...xyz0|\n"
"00000020  31 32 22 5c                                       |12\"\\|\n" },
};

static void
test_hexdump(void)
{
	const struct hex_case *t;
	struct buf	 b = { 0 };
	unsigned char	*big;
	size_t		 i;
	const char	*s;

	is_int(sizeof(hex_src) - 1, 36, "hexdump: the source is 36 bytes");
	for (t = hex_cases; t < hex_cases + nitems(hex_cases); t++) {
		b.len = 0;
		is_int(fmt_hexdump(&b, hex_src, t->len), 0,
		    "hexdump: %zu bytes returns 0", t->len);
		is_str(buf_str(&b), t->out, "hexdump: %zu bytes", t->len);
	}

	/*
	 * A dump of 65536 bytes: 4096 lines of 79 bytes, the last with
	 * offset 0000fff0 (eight digits, like hexdump -C).
	 */
	if ((big = malloc(65536)) == NULL) {
		diag("out of memory");
		exit(1);
	}
	for (i = 0; i < 65536; i++)
		big[i] = (unsigned char)(i * 7 + i / 256);
	b.len = 0;
	is_int(fmt_hexdump(&b, big, 65536), 0, "hexdump: 64 KiB returns 0");
	is_int(b.len, 4096 * 79, "hexdump: 64 KiB is 4096 lines of 79 bytes");
	s = buf_str(&b);
	ok(s != NULL && strncmp(s + 4095 * 79, "0000fff0  ", 10) == 0,
	    "hexdump: the last line of 64 KiB starts '0000fff0  '");
	free(big);

	/* Appends to what the buffer holds. */
	b.len = 0;
	buf_add(&b, "head\n", 5);
	fmt_hexdump(&b, hex_src, 1);
	is_str(buf_str(&b), "head\n" "00000000  48" "                  "
	    "                              |H|\n", "hexdump: appends");
	buf_free(&b);
}

static void
test_dgram_info(void)
{
	struct fmt_dgram_info d;
	struct buf	 b = { 0 };

	memset(&d, 0, sizeof(d));
	d.to = "127.0.0.1";
	d.port = 9999;
	d.ifname = "lo";
	d.ttl = 64;
	d.seq = 7;
	d.batch = 3;
	d.index = 2;
	d.nbatch = 5;
	is_int(fmt_dgram_info(&b, &d), 0, "dgram info: returns 0");
	is_str(buf_str(&b), "  to 127.0.0.1 port 9999 on lo, ttl 64, "
	    "datagram 7, batch 3 (2 of 5)\n", "dgram info: every part");

	b.len = 0;
	d.to = "ff02::1";
	d.ttl = 0;
	d.truncated = 1;
	d.ctruncated = 1;
	fmt_dgram_info(&b, &d);
	is_str(buf_str(&b), "  to ff02::1 port 9999 on lo, ttl 0, datagram 7, "
	    "batch 3 (2 of 5), truncated, control truncated\n",
	    "dgram info: TTL 0 and both truncation flags");

	b.len = 0;
	d.to = NULL;
	d.ifname = NULL;
	d.ttl = -1;
	d.truncated = d.ctruncated = 0;
	d.seq = 18446744073709551615ULL;
	d.batch = 1;
	d.index = d.nbatch = 1;
	fmt_dgram_info(&b, &d);
	is_str(buf_str(&b), "  to ? port 9999, datagram 18446744073709551615, "
	    "batch 1 (1 of 1)\n", "dgram info: unknown parts left out");

	/* Appends to what the buffer holds. */
	b.len = 0;
	buf_add(&b, "x", 1);
	fmt_dgram_info(&b, &d);
	ok(b.len > 1 && b.p[0] == 'x' && b.p[1] == ' ',
	    "dgram info: appends");
	buf_free(&b);
}

struct dgram_case {
	const char		*what;
	enum fmt_dgram_format	 f;
	const char		*from;
	int			 port;
	const unsigned char	*data;
	size_t			 len;
	const char		*out;
};

static const struct dgram_case dgram_cases[] = {
	{ "line", FMT_DGRAM_LINE, "127.0.0.1", 9, S("hi"), "hi\n" },
	{ "line, empty", FMT_DGRAM_LINE, "127.0.0.1", 9, S(""), "\n" },
	{ "line keeps a newline", FMT_DGRAM_LINE, "::1", 9, S("a\n"),
	    "a\n\n" },
	{ "raw", FMT_DGRAM_RAW, "127.0.0.1", 9, S("hi"), "hi" },
	{ "raw, empty", FMT_DGRAM_RAW, "127.0.0.1", 9, S(""), "" },
	{ "hex", FMT_DGRAM_HEX, "127.0.0.1", 5353, S("H"),
	    "from 127.0.0.1 port 5353, 1 bytes\n"
	    "00000000  48                                                "
	    "|H|\n" },
	{ "hex, empty", FMT_DGRAM_HEX, "::1", 1, S(""),
	    "from ::1 port 1, 0 bytes\n" },
	{ "json text", FMT_DGRAM_JSON, "127.0.0.1", 9, S("caf\xc3\xa9"),
	    "{\"from\":\"127.0.0.1\",\"port\":9,\"size\":5,"
	    "\"data\":\"caf\xc3\xa9\"}\n" },
	{ "json escapes", FMT_DGRAM_JSON, "fe80::1%lo", 65535, S("\"\\\n"),
	    "{\"from\":\"fe80::1%lo\",\"port\":65535,\"size\":3,"
	    "\"data\":\"\\\"\\\\\\n\"}\n" },
	{ "json binary is base64", FMT_DGRAM_JSON, "::1", 9, S("\xff\0"),
	    "{\"from\":\"::1\",\"port\":9,\"size\":2,\"base64\":\"/wA=\"}\n" },
	{ "json, empty", FMT_DGRAM_JSON, "::1", 9, S(""),
	    "{\"from\":\"::1\",\"port\":9,\"size\":0,\"data\":\"\"}\n" },
};

static void
test_dgram(void)
{
	const struct dgram_case *t;
	struct fmt_dgram d;
	struct buf	 b = { 0 };

	if (buf_reserve(&b, 64) == -1) {
		diag("out of memory");
		exit(1);
	}
	for (t = dgram_cases; t < dgram_cases + nitems(dgram_cases); t++) {
		b.len = 0;
		d.from = t->from;
		d.port = t->port;
		d.data = t->data;
		d.len = t->len;
		is_int(fmt_dgram(&b, t->f, &d), 0, "dgram: %s returns 0",
		    t->what);
		is_str(buf_str(&b), t->out, "dgram: %s", t->what);
	}
	/* Appends, so that a batch's datagrams go out in one write. */
	b.len = 0;
	d.from = "::1";
	d.port = 9;
	d.data = (const unsigned char *)"a";
	d.len = 1;
	fmt_dgram(&b, FMT_DGRAM_LINE, &d);
	fmt_dgram(&b, FMT_DGRAM_RAW, &d);
	fmt_dgram(&b, FMT_DGRAM_LINE, &d);
	is_str(buf_str(&b), "a\naa\n", "dgram: appends");
	buf_free(&b);
}

/*
 * A split: the input, whether it is all there is (EOF), the records
 * each written as [bytes], and the bytes consumed.
 */
struct split_case {
	const char		*what;
	enum fmt_split_mode	 mode;
	size_t			 chunk;
	const char		*in;
	size_t			 len;
	int			 eof;
	const char		*recs;
	size_t			 recslen;
	size_t			 used;
};

#define L	FMT_SPLIT_LINES, 0
#define C(n)	FMT_SPLIT_CHUNK, (n)
#define W	FMT_SPLIT_WHOLE, 0
#define T(s)	(s), sizeof(s) - 1

static const struct split_case split_cases[] = {
	{ "lines: two", L, T("a\nb\n"), 0, T("[a][b]"), 4 },
	{ "lines: a partial line waits", L, T("a\nb"), 0, T("[a]"), 2 },
	{ "lines: a partial line at EOF", L, T("a\nb"), 1, T("[a][b]"), 3 },
	{ "lines: no newline yet", L, T("abc"), 0, T(""), 0 },
	{ "lines: no newline, EOF", L, T("abc"), 1, T("[abc]"), 3 },
	{ "lines: empty lines are datagrams", L, T("\n\n"), 0, T("[][]"), 2 },
	{ "lines: no empty record after the last", L, T("a\n"), 1,
	    T("[a]"), 2 },
	{ "lines: empty input, EOF", L, T(""), 1, T(""), 0 },
	{ "lines: empty input", L, T(""), 0, T(""), 0 },
	{ "lines: CR is data", L, T("a\r\n"), 1, T("[a\r]"), 3 },
	{ "lines: NUL is data", L, T("a\0b\n"), 0, T("[a\0b]"), 4 },
	{ "chunk 3: the rest waits", C(3), T("abcdefg"), 0,
	    T("[abc][def]"), 6 },
	{ "chunk 3: a short last one at EOF", C(3), T("abcdefg"), 1,
	    T("[abc][def][g]"), 7 },
	{ "chunk 3: exact", C(3), T("abcdef"), 1, T("[abc][def]"), 6 },
	{ "chunk 3: too short yet", C(3), T("ab"), 0, T(""), 0 },
	{ "chunk 3: empty input, EOF", C(3), T(""), 1, T(""), 0 },
	{ "chunk 1: newlines are data", C(1), T("a\nb"), 0,
	    T("[a][\n][b]"), 3 },
	{ "chunk larger than the input", C(65527), T("xyz"), 1, T("[xyz]"), 3 },
	{ "whole: waits for EOF", W, T("a\nb"), 0, T(""), 0 },
	{ "whole: all of it at EOF", W, T("a\nb\n"), 1, T("[a\nb\n]"), 4 },
	{ "whole: empty input is one empty datagram", W, T(""), 1, T("[]"), 0 },
};

/* The records of r as [bytes][bytes]..., for comparing with a case. */
static const char *
split_str(struct buf *b, const char *in, const struct fmt_records *r)
{
	size_t	i;

	b->len = 0;
	for (i = 0; i < r->n; i++)
		if (buf_addc(b, '[') == -1 ||
		    buf_add(b, in + r->v[i].off, r->v[i].len) == -1 ||
		    buf_addc(b, ']') == -1)
			return (NULL);
	if (buf_addc(b, '\0') == -1)
		return (NULL);
	b->len--;
	return (b->p);
}

static void
test_split(void)
{
	const struct split_case *t;
	struct fmt_splitter sp;
	struct fmt_records r = { 0 };
	struct buf	 b = { 0 };
	const char	*got;
	char		 big[200];
	size_t		 i;

	for (t = split_cases; t < split_cases + nitems(split_cases); t++) {
		sp.mode = t->mode;
		sp.chunk = t->chunk;
		is_int(fmt_split_records(&sp, t->in, t->len, t->eof, &r), 0,
		    "split: %s returns 0", t->what);
		got = split_str(&b, t->in, &r);
		/* The records may hold a NUL: compare the bytes. */
		ok(got != NULL && b.len == t->recslen &&
		    memcmp(got, t->recs, t->recslen) == 0,
		    "split: %s gives %s", t->what, t->recs);
		is_int(r.used, t->used, "split: %s consumes %zu", t->what,
		    t->used);
	}

	/* More records than the first allocation holds; reused after. */
	memset(big, '\n', sizeof(big));
	sp.mode = FMT_SPLIT_LINES;
	fmt_split_records(&sp, big, sizeof(big), 0, &r);
	is_int(r.n, sizeof(big), "split: 200 empty lines are 200 records");
	ok(r.v[199].off == 199 && r.v[199].len == 0 && r.used == 200,
	    "split: the last of 200 is at 199");
	fmt_split_records(&sp, "x", 1, 0, &r);
	is_int(r.n, 0, "split: a reused array starts empty");
	for (i = 0; i < 2; i++)
		fmt_records_free(&r);
	ok(r.v == NULL && r.n == 0, "split: free twice is harmless");
	buf_free(&b);
}

struct count_case {
	const char		*what;
	enum fmt_split_mode	 mode;
	size_t			 chunk;
	const char		*in;
	size_t			 len;
	size_t			 from;
	size_t			 max;
	size_t			 n;
};

static const struct count_case count_cases[] = {
	{ "lines: complete ones only", L, T("a\nb\nc"), 0, 64, 2 },
	{ "lines: from an offset", L, T("a\nb\nc\n"), 2, 64, 2 },
	{ "lines: no further than max", L, T("a\nb\nc\n"), 0, 2, 2 },
	{ "lines: max 0", L, T("a\n"), 0, 0, 0 },
	{ "lines: none", L, T("abc"), 0, 64, 0 },
	{ "lines: from the end", L, T("a\n"), 2, 64, 0 },
	{ "lines: empty", L, T(""), 0, 64, 0 },
	{ "chunk 2: complete ones", C(2), T("abcde"), 0, 64, 2 },
	{ "chunk 2: new since byte 3", C(2), T("abcde"), 3, 64, 1 },
	{ "chunk 2: none new", C(2), T("abcde"), 4, 64, 0 },
	{ "whole: none before EOF", W, T("a\nb\n"), 0, 64, 0 },
};

#undef L
#undef C
#undef W
#undef T

static void
test_count(void)
{
	const struct count_case *t;
	struct fmt_splitter sp;

	for (t = count_cases; t < count_cases + nitems(count_cases); t++) {
		sp.mode = t->mode;
		sp.chunk = t->chunk;
		is_int(fmt_count_records(&sp, t->in, t->len, t->from, t->max),
		    t->n, "count: %s is %zu", t->what, t->n);
	}
}

int
main(void)
{
	test_utf8();
	test_json();
	test_base64();
	test_hexdump();
	test_dgram_info();
	test_dgram();
	test_split();
	test_count();
	return (done_testing());
}
