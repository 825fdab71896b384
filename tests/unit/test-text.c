/*
 * Unit tests of the chat room's pure text handling in src/text.h:
 * text_cut (where a long line is cut without splitting a UTF-8 sequence),
 * text_clean (C0 and C1 control characters dropped, invalid UTF-8
 * replaced by U+FFFD), the terminal client's column widths (text_tail,
 * text_display) and text_valid_nick (the /nick rules).  Every function
 * is driven by a table of byte strings with explicit lengths, so NUL
 * bytes and invalid sequences can be written down.
 */
#include "config.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compat.h"
#include "tap.h"
#include "text.h"

/* A string literal and its length without the terminating NUL. */
#define B(s)	s, sizeof(s) - 1

#define FFFD	"\xef\xbf\xbd"

/* Bytes as C escapes, for test names and diagnostics. */
static const char *
shown(const char *p, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t	 i, n = 0;

	for (i = 0; i < len && n + 5 < outlen; i++) {
		if (s[i] < 0x20 || s[i] >= 0x7f || s[i] == '\\')
			n += (size_t)snprintf(out + n, outlen - n, "\\x%02x",
			    s[i]);
		else
			out[n++] = (char)s[i];
	}
	if (i < len && n + 4 < outlen)
		n += (size_t)snprintf(out + n, outlen - n, "...");
	out[n] = '\0';
	return (out);
}

struct cut_case {
	const char	*what;
	const char	*in;
	size_t		 len;
	size_t		 max;
	size_t		 want;
};

static const struct cut_case cut_cases[] = {
	/* Lines that fit are left alone. */
	{ "empty, max 0",		B(""),			0, 0 },
	{ "empty, max 10",		B(""),			10, 0 },
	{ "len == max",			B("abc"),		3, 3 },
	{ "len < max",			B("abc"),		10, 3 },
	{ "UTF-8 that fits",		B("caf\xc3\xa9"),	5, 5 },
	{ "trailing lead byte fits",	B("ab\xe2"),		3, 3 },

	/* ASCII is cut exactly at max. */
	{ "ASCII",			B("hello world"),	5, 5 },
	{ "ASCII, max 1",		B("hello"),		1, 1 },
	{ "ASCII, max 0",		B("hello"),		0, 0 },
	{ "ASCII, one over",		B("abcdef"),		5, 5 },

	/* 2-byte sequence (U+00E9): a cut inside it backs off. */
	{ "2-byte, cut inside",		B("ab\xc3\xa9" "c"),	3, 2 },
	{ "2-byte, cut before",		B("ab\xc3\xa9" "c"),	2, 2 },
	{ "2-byte, cut after",		B("ab\xc3\xa9" "c"),	4, 4 },
	{ "2-byte only, max 1",		B("\xc3\xa9"),		1, 0 },

	/* 3-byte sequence (U+2615). */
	{ "3-byte, cut after byte 1",	B("a\xe2\x98\x95" "b"),	2, 1 },
	{ "3-byte, cut after byte 2",	B("a\xe2\x98\x95" "b"),	3, 1 },
	{ "3-byte, cut before",		B("a\xe2\x98\x95" "b"),	1, 1 },
	{ "3-byte, cut after",		B("a\xe2\x98\x95" "b"),	4, 4 },

	/* 4-byte sequence (U+1F600). */
	{ "4-byte, cut after byte 1",	B("a\xf0\x9f\x98\x80" "b"), 2, 1 },
	{ "4-byte, cut after byte 2",	B("a\xf0\x9f\x98\x80" "b"), 3, 1 },
	{ "4-byte, cut after byte 3",	B("a\xf0\x9f\x98\x80" "b"), 4, 1 },
	{ "4-byte, cut after",		B("a\xf0\x9f\x98\x80" "b"), 5, 5 },
	{ "two 4-byte, cut in second",
	    B("\xf0\x9f\x98\x80\xf0\x9f\x98\x80"),		6, 4 },

	/* Not UTF-8: nothing to back off to, so the cut stays at max. */
	{ "continuation bytes only",	B("\x80\x80\x80\x80\x80\x80"), 4, 4 },
	{ "continuation bytes, max 2",	B("\xa9\xa9\xa9\xa9"),	2, 2 },
	{ "0xff bytes",			B("\xff\xff\xff\xff"),	2, 2 },
	{ "Latin-1 text",		B("caf\xe9 cr\xe8me"),	4, 4 },
	{ "Latin-1 text, cut at e-acute", B("caf\xe9 cr\xe8me"), 3, 3 },
};

static void
test_cut(void)
{
	const struct cut_case *t;
	char	 big[TEXT_LINE_MAX + 8];
	size_t	 got;

	for (t = cut_cases; t < cut_cases + nitems(cut_cases); t++) {
		got = text_cut(t->in, t->len, t->max);
		is_int(got, t->want, "text_cut: %s (len %zu, max %zu) -> %zu",
		    t->what, t->len, t->max, t->want);
	}

	/* The room's own limit: a 3-byte sequence straddling 4096. */
	memset(big, 'a', sizeof(big));
	memcpy(big + TEXT_LINE_MAX - 1, "\xe2\x98\x95", 3);
	is_int(text_cut(big, sizeof(big), TEXT_LINE_MAX), TEXT_LINE_MAX - 1,
	    "text_cut: U+2615 at 4095..4097 cut back to 4095");
	memcpy(big + TEXT_LINE_MAX - 2, "\xe2\x98\x95", 3);
	is_int(text_cut(big, sizeof(big), TEXT_LINE_MAX), TEXT_LINE_MAX - 2,
	    "text_cut: U+2615 at 4094..4096 cut back to 4094");
	memset(big, 'a', sizeof(big));
	memcpy(big + TEXT_LINE_MAX - 3, "\xe2\x98\x95", 3);
	is_int(text_cut(big, sizeof(big), TEXT_LINE_MAX), TEXT_LINE_MAX,
	    "text_cut: U+2615 ending at 4096 is kept whole");
	memset(big, 'a', sizeof(big));
	is_int(text_cut(big, sizeof(big), TEXT_LINE_MAX), TEXT_LINE_MAX,
	    "text_cut: %zu ASCII bytes cut at %d", sizeof(big),
	    TEXT_LINE_MAX);
	is_int(text_cut(big, TEXT_LINE_MAX, TEXT_LINE_MAX), TEXT_LINE_MAX,
	    "text_cut: exactly %d bytes unchanged", TEXT_LINE_MAX);
}

struct clean_case {
	const char	*what;
	const char	*in;
	size_t		 len;
	const char	*want;
	size_t		 wantlen;
};

static const struct clean_case clean_cases[] = {
	{ "empty",			B(""),		B("") },
	{ "plain ASCII",		B("hello, world"), B("hello, world") },
	{ "tab kept",			B("a\tb\t"),	B("a\tb\t") },
	{ "NUL dropped",		B("a\0b"),	B("ab") },
	{ "C0 controls dropped",	B("\x01" "a\x02\x07\x08" "b\x1f"),
	    B("ab") },
	{ "LF and VT and FF dropped",	B("a\n\x0b\x0c" "b"), B("ab") },
	{ "DEL dropped",		B("a\x7f" "b\x7f"), B("ab") },
	{ "only controls",		B("\x01\x1b\x7f\r"), B("") },
	{ "lone CR removed",		B("a\rb"),	B("ab") },
	{ "trailing CR removed",	B("line\r"),	B("line") },
	{ "ESC sequence loses only ESC", B("\x1b[31mred\x1b[0m"),
	    B("[31mred[0m") },
	{ "clear screen loses only ESC", B("\x1b[2J\x1b[H"), B("[2J[H") },
	{ "OSC title loses ESC and BEL", B("\x1b]0;pwned\x07!"),
	    B("]0;pwned!") },
	{ "space and tilde kept",	B(" ~"),	B(" ~") },

	/* C1 controls (U+0080-U+009F) are dropped like C0 ones. */
	{ "U+0080, lowest C1",		B("a\xc2\x80" "b"), B("ab") },
	{ "U+0085 NEL",			B("a\xc2\x85" "b"), B("ab") },
	{ "U+009B CSI sequence",	B("\xc2\x9b" "2J\xc2\x9b" "31mred"),
	    B("2J31mred") },
	{ "U+009D OSC title",		B("\xc2\x9d" "0;pwned\xc2\x9c!"),
	    B("0;pwned!") },
	{ "U+009F, highest C1",		B("\xc2\x9f"),	B("") },
	{ "U+00A0 after C1 kept",	B("\xc2\x9f\xc2\xa0"), B("\xc2\xa0") },
	{ "U+00C2 then ASCII kept",	B("\xc3\x82" "x"), B("\xc3\x82" "x") },
	{ "raw 0x9b byte is U+FFFD",	B("a\x9b" "b"),	B("a" FFFD "b") },
	{ "C1 lead alone is U+FFFD",	B("\xc2" "x"),	B(FFFD "x") },

	/* Valid UTF-8 passes unchanged. */
	{ "2-byte",			B("caf\xc3\xa9"), B("caf\xc3\xa9") },
	{ "3-byte",			B("\xe2\x98\x95"), B("\xe2\x98\x95") },
	{ "CJK",			B("\xe6\x97\xa5\xe6\x9c\xac"),
	    B("\xe6\x97\xa5\xe6\x9c\xac") },
	{ "4-byte emoji",		B("\xf0\x9f\x98\x80"),
	    B("\xf0\x9f\x98\x80") },
	{ "mixed text",
	    B("caf\xc3\xa9 \xe2\x98\x95 \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x98\x80"),
	    B("caf\xc3\xa9 \xe2\x98\x95 \xe6\x97\xa5\xe6\x9c\xac "
	    "\xf0\x9f\x98\x80") },
	{ "U+00A0, lowest kept 2-byte",	B("\xc2\xa0"),	B("\xc2\xa0") },
	{ "U+07FF, highest 2-byte",	B("\xdf\xbf"),	B("\xdf\xbf") },
	{ "U+0800, lowest 3-byte",	B("\xe0\xa0\x80"), B("\xe0\xa0\x80") },
	{ "U+D7FF, below surrogates",	B("\xed\x9f\xbf"), B("\xed\x9f\xbf") },
	{ "U+E000, above surrogates",	B("\xee\x80\x80"), B("\xee\x80\x80") },
	{ "U+FFFD itself",		B(FFFD),	B(FFFD) },
	{ "U+10000, lowest 4-byte",	B("\xf0\x90\x80\x80"),
	    B("\xf0\x90\x80\x80") },
	{ "U+10FFFF, highest",		B("\xf4\x8f\xbf\xbf"),
	    B("\xf4\x8f\xbf\xbf") },

	/* Each byte that is not part of a valid sequence becomes U+FFFD. */
	{ "0xff",			B("\xff"),	B(FFFD) },
	{ "0xfe 0xff between ASCII",	B("a\xfe\xff" "b"),
	    B("a" FFFD FFFD "b") },
	{ "Latin-1 e-acute",		B("caf\xe9"),	B("caf" FFFD) },
	{ "lone continuation",		B("\x80"),	B(FFFD) },
	{ "three continuations",	B("\x80\xbf\x80"),
	    B(FFFD FFFD FFFD) },
	{ "overlong 2-byte slash",	B("\xc0\xaf"),	B(FFFD FFFD) },
	{ "overlong 2-byte NUL",	B("\xc0\x80"),	B(FFFD FFFD) },
	{ "overlong 2-byte 0xc1",	B("\xc1\xbf"),	B(FFFD FFFD) },
	{ "overlong 3-byte slash",	B("\xe0\x80\xaf"),
	    B(FFFD FFFD FFFD) },
	{ "overlong 4-byte slash",	B("\xf0\x80\x80\xaf"),
	    B(FFFD FFFD FFFD FFFD) },
	{ "surrogate U+D800",		B("\xed\xa0\x80"),
	    B(FFFD FFFD FFFD) },
	{ "surrogate U+DFFF",		B("\xed\xbf\xbf"),
	    B(FFFD FFFD FFFD) },
	{ "above U+10FFFF",		B("\xf4\x90\x80\x80"),
	    B(FFFD FFFD FFFD FFFD) },
	{ "lead byte 0xf5",		B("\xf5\x80\x80\x80"),
	    B(FFFD FFFD FFFD FFFD) },
	{ "truncated 2-byte at end",	B("a\xc3"),	B("a" FFFD) },
	{ "truncated 3-byte at end",	B("a\xe2\x98"),	B("a" FFFD FFFD) },
	{ "truncated 4-byte at end",	B("a\xf0\x9f\x98"),
	    B("a" FFFD FFFD FFFD) },
	{ "truncated 3-byte before ASCII", B("\xe2\x98" "x"),
	    B(FFFD FFFD "x") },
	{ "truncated 2-byte before valid", B("\xc3\xc3\xa9"),
	    B(FFFD "\xc3\xa9") },
	{ "invalid byte then control",	B("\xff\x1b[m"), B(FFFD "[m") },
	{ "control inside a sequence",	B("\xe2\x01\x98\x95"),
	    B(FFFD FFFD FFFD) },
};

static void
test_clean(void)
{
	const struct clean_case *t;
	struct buf	 b;
	char		 in[TEXT_LINE_MAX], s1[256], s2[256];
	size_t		 i;
	int		 same;

	for (t = clean_cases; t < clean_cases + nitems(clean_cases); t++) {
		memset(&b, 0, sizeof(b));
		is_int(text_clean(&b, t->in, t->len), 0,
		    "text_clean: %s succeeds", t->what);
		same = b.len == t->wantlen &&
		    (t->wantlen == 0 || memcmp(b.p, t->want, t->wantlen) == 0);
		ok(same, "text_clean: %s: '%s'", t->what,
		    shown(t->in, t->len, s1, sizeof(s1)));
		if (!same) {
			diag("     got: '%s'", shown(b.p != NULL ? b.p : "",
			    b.len, s1, sizeof(s1)));
			diag("    want: '%s'", shown(t->want, t->wantlen, s2,
			    sizeof(s2)));
		}
		buf_free(&b);
	}

	/* A whole line of invalid bytes triples in size. */
	memset(in, 0xff, sizeof(in));
	memset(&b, 0, sizeof(b));
	is_int(text_clean(&b, in, sizeof(in)), 0,
	    "text_clean: %zu invalid bytes succeed", sizeof(in));
	is_int(b.len, 3 * sizeof(in), "text_clean: %zu invalid bytes give "
	    "%zu bytes", sizeof(in), 3 * sizeof(in));
	same = b.len == 3 * sizeof(in);
	for (i = 0; same && i < b.len; i += 3)
		if (memcmp(b.p + i, FFFD, 3) != 0)
			same = 0;
	ok(same, "text_clean: every one of them is U+FFFD");
	buf_free(&b);
}

struct nick_case {
	const char	*in;
	size_t		 len;
	int		 valid;
};

static const struct nick_case nick_cases[] = {
	{ B("a"),		1 },
	{ B("Z"),		1 },
	{ B("7"),		1 },
	{ B("-"),		1 },
	{ B("_"),		1 },
	{ B("alice"),		1 },
	{ B("user-1_X"),	1 },
	{ B("user12"),		1 },
	{ B("abcdefghijklmnopqrstuvwxyz012345"), 1 },	/* 32 */
	{ B("ABCDEFGHIJKLMNOPQRSTUVWXYZ-_6789"), 1 },	/* 32 */
	{ B("abcdefghijklmnopqrstuvwxyz0123456"), 0 },	/* 33 */
	{ B(""),		0 },
	{ B(" "),		0 },
	{ B("a b"),		0 },
	{ B("alice "),		0 },
	{ B(" alice"),		0 },
	{ B("a\tb"),		0 },
	{ B("a.b"),		0 },
	{ B("a/b"),		0 },
	{ B("a@b"),		0 },
	{ B("<alice>"),		0 },
	{ B("*"),		0 },
	{ B("a\0b"),		0 },
	{ B("a\x1b"),		0 },
	{ B("a\x7f"),		0 },
	{ B("caf\xc3\xa9"),	0 },
	{ B("\xe6\x97\xa5\xe6\x9c\xac"), 0 },
	{ B("\xf0\x9f\x98\x80"), 0 },
	{ B("\xff"),		0 },
};

static void
test_nick(void)
{
	const struct nick_case *t;
	char	 s[256], big[TEXT_NICK_MAX + 2];

	for (t = nick_cases; t < nick_cases + nitems(nick_cases); t++)
		is_int(text_valid_nick(t->in, t->len), t->valid,
		    "text_valid_nick: '%s' (%zu bytes) %s",
		    shown(t->in, t->len, s, sizeof(s)), t->len,
		    t->valid ? "accepted" : "refused");

	/* Only len bytes count, not what follows them. */
	is_int(text_valid_nick("bob and more", 3), 1,
	    "text_valid_nick: looks at the first len bytes only");
	memset(big, 'x', sizeof(big));
	is_int(text_valid_nick(big, TEXT_NICK_MAX), 1,
	    "text_valid_nick: %d bytes accepted", TEXT_NICK_MAX);
	is_int(text_valid_nick(big, TEXT_NICK_MAX + 1), 0,
	    "text_valid_nick: %d bytes refused", TEXT_NICK_MAX + 1);
	is_int(text_valid_nick(big, sizeof(big)), 0,
	    "text_valid_nick: %zu bytes refused", sizeof(big));
}

struct tail_case {
	const char	*what;
	const char	*in;
	size_t		 len;
	size_t		 cols;
	size_t		 start;
	size_t		 width;
};

static const struct tail_case tail_cases[] = {
	{ "empty",			B(""),		5, 0, 0 },
	{ "fits",			B("abc"),	5, 0, 3 },
	{ "fits exactly",		B("abcde"),	5, 0, 5 },
	{ "ASCII tail",			B("abcdefg"),	5, 2, 5 },
	{ "0 columns",			B("abc"),	0, 3, 0 },
	{ "2-byte is 1 column",		B("caf\xc3\xa9s"), 3, 2, 3 },
	{ "wide CJK is 2 columns",	B("a\xe6\x97\xa5\xe6\x9c\xac"),
	    4, 1, 4 },
	{ "a wide one is not split",	B("a\xe6\x97\xa5\xe6\x9c\xac"),
	    3, 4, 2 },
	{ "emoji is 2 columns",		B("ab\xf0\x9f\x98\x80"), 3, 1, 3 },
	{ "combining mark is 0",	B("e\xcc\x81tc"), 3, 0, 3 },
	{ "tab is 1 column",		B("a\tb"),	2, 1, 2 },
	{ "controls are 0",		B("a\x1b\x01" "bc"), 3, 0, 3 },
	{ "C1 is 0",			B("a\xc2\x9b" "bc"), 3, 0, 3 },
	{ "invalid byte is 1",		B("a\xff" "bc"), 3, 1, 3 },
};

static void
test_tail(void)
{
	const struct tail_case *t;
	size_t	 start, width;
	char	 s1[256];

	for (t = tail_cases; t < tail_cases + nitems(tail_cases); t++) {
		width = 999;
		start = text_tail(t->in, t->len, t->cols, &width);
		ok(start == t->start && width == t->width,
		    "text_tail: %s: '%s' in %zu columns", t->what,
		    shown(t->in, t->len, s1, sizeof(s1)), t->cols);
		if (start != t->start || width != t->width)
			diag("     got start %zu width %zu, want %zu %zu",
			    start, width, t->start, t->width);
	}
}

static const struct clean_case display_cases[] = {
	{ "plain",			B("hello"),	B("hello") },
	{ "tab as a space",		B("a\tb"),	B("a b") },
	{ "C0 and DEL dropped",		B("a\x1b[2J\x07\x7f" "b"), B("a[2Jb") },
	{ "C1 dropped",			B("a\xc2\x9b" "2Jb"), B("a2Jb") },
	{ "invalid byte as ?",		B("caf\xe9!"),	B("caf?!") },
	{ "UTF-8 kept",			B("caf\xc3\xa9 \xe6\x97\xa5"),
	    B("caf\xc3\xa9 \xe6\x97\xa5") },
	{ "combining mark kept",	B("e\xcc\x81"),	B("e\xcc\x81") },
};

static void
test_display(void)
{
	const struct clean_case *t;
	struct buf	 b;
	char		 s1[256], s2[256];
	int		 same;

	for (t = display_cases; t < display_cases + nitems(display_cases);
	    t++) {
		memset(&b, 0, sizeof(b));
		is_int(text_display(&b, t->in, t->len), 0,
		    "text_display: %s succeeds", t->what);
		same = b.len == t->wantlen &&
		    (t->wantlen == 0 || memcmp(b.p, t->want, t->wantlen) == 0);
		ok(same, "text_display: %s: '%s'", t->what,
		    shown(t->in, t->len, s1, sizeof(s1)));
		if (!same)
			diag("     got: '%s'", shown(b.p != NULL ? b.p : "",
			    b.len, s2, sizeof(s2)));
		buf_free(&b);
	}
}

int
main(void)
{
	test_cut();
	test_clean();
	test_nick();
	test_tail();
	test_display();
	return (done_testing());
}
