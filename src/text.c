/*
 * Line cleaning for the chat room, unit-tested in tests/unit/test-text.c.
 * Terminal control characters are dropped, C0 and C1 alike (so nobody can
 * move another user's cursor or clear their screen: U+009B is CSI to a
 * terminal that takes 8-bit controls), and bytes that are not UTF-8 are
 * replaced by U+FFFD so every relayed line is valid text.  Also the
 * column widths the terminal client needs to draw its input line.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "text.h"

/* Length of the valid UTF-8 sequence at s, or 0. */
static size_t
utf8_seqlen(const unsigned char *s, size_t len)
{
	size_t	n;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return (0);
	if (n > len || !fmt_utf8_valid(s, n))
		return (0);
	return (n);
}

/* Whether the UTF-8 sequence at s of n bytes is a C1 control. */
int
text_is_c1(const unsigned char *s, size_t n)
{
	return (n == 2 && s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f);
}

/*
 * Where to cut a line of len bytes to at most max bytes without splitting
 * a UTF-8 sequence.
 */
size_t
text_cut(const char *p, size_t len, size_t max)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t	cut, back;

	if (len <= max)
		return (len);
	cut = max;
	/* Step back over continuation bytes to a sequence start. */
	for (back = 0; back < 3 && cut > 0 && (s[cut] & 0xc0) == 0x80; back++)
		cut--;
	if ((s[cut] & 0xc0) == 0x80)
		return (max);		/* not UTF-8 anyway */
	return (cut);
}

int
text_clean(struct buf *out, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t	i = 0, n;

	if (buf_reserve(out, len) == -1)
		return (-1);
	while (i < len) {
		if (s[i] < 0x20 || s[i] == 0x7f) {
			if (s[i] == '\t' && buf_addc(out, '\t') == -1)
				return (-1);
			i++;
			continue;
		}
		if ((n = utf8_seqlen(s + i, len - i)) == 0) {
			if (buf_add(out, "\xef\xbf\xbd", 3) == -1)
				return (-1);
			i++;
			continue;
		}
		if (text_is_c1(s + i, n)) {
			i += n;
			continue;
		}
		if (buf_add(out, s + i, n) == -1)
			return (-1);
		i += n;
	}
	return (0);
}

int
text_valid_nick(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > TEXT_NICK_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '_'))
			return (0);
	return (1);
}

/* The code point of the n-byte valid UTF-8 sequence at s. */
static uint32_t
utf8_decode(const unsigned char *s, size_t n)
{
	uint32_t	cp;
	size_t		i;

	if (n == 1)
		return (s[0]);
	cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++)
		cp = (cp << 6) | (s[i] & 0x3f);
	return (cp);
}

struct range {
	uint32_t	lo, hi;
};

/* Combining marks and zero-width characters most often met. */
static const struct range zero_width[] = {
	{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
	{ 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0e31, 0x0e31 },
	{ 0x0e34, 0x0e3a }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff },
	{ 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f }
};

/* East Asian wide and fullwidth characters, and emoji. */
static const struct range double_width[] = {
	{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
	{ 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
	{ 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
	{ 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
	{ 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd }
};

static int
in_ranges(uint32_t cp, const struct range *r, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (cp >= r[i].lo && cp <= r[i].hi)
			return (1);
	return (0);
}

/*
 * The width on a terminal of the character at p (len > 0 bytes), its
 * length in bytes in *n: 0 for a control character (never drawn) or a
 * combining mark, 2 for a wide East Asian character or an emoji, 1
 * otherwise, also for a tab (drawn as a space) and for a byte that is not
 * UTF-8 (drawn as '?').  A small table, not the locale's wcwidth(3), so
 * the result does not depend on the environment.
 */
int
text_char_width(const char *p, size_t len, size_t *n)
{
	const unsigned char *s = (const unsigned char *)p;
	uint32_t	cp;

	if ((*n = utf8_seqlen(s, len)) == 0) {
		*n = 1;
		return (1);
	}
	cp = utf8_decode(s, *n);
	if (cp == '\t')
		return (1);
	if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
		return (0);
	if (in_ranges(cp, zero_width, sizeof(zero_width) /
	    sizeof(zero_width[0])))
		return (0);
	if (in_ranges(cp, double_width, sizeof(double_width) /
	    sizeof(double_width[0])))
		return (2);
	return (1);
}

/*
 * Where the longest tail of p that fits in cols columns starts; its
 * width in *width.  A character is never split.
 */
size_t
text_tail(const char *p, size_t len, size_t cols, size_t *width)
{
	size_t	i, n, total = 0, start = 0;

	for (i = 0; i < len; i += n)
		total += (size_t)text_char_width(p + i, len - i, &n);
	while (total > cols && start < len) {
		total -= (size_t)text_char_width(p + start, len - start, &n);
		start += n;
	}
	*width = total;
	return (start);
}

/*
 * Appends p as it is drawn on a terminal: control characters dropped, C0
 * and C1 alike, a tab as a space, a byte that is not UTF-8 as '?'.
 */
int
text_display(struct buf *out, const char *p, size_t len)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t	i, n;
	int	w, r;

	for (i = 0; i < len; i += n) {
		w = text_char_width(p + i, len - i, &n);
		if (s[i] == '\t')
			r = buf_addc(out, ' ');
		else if (n == 1 && s[i] >= 0x80)
			r = buf_addc(out, '?');
		else if (w == 0 && (s[i] < 0x80 || text_is_c1(s + i, n)))
			r = 0;		/* a control character */
		else
			r = buf_add(out, p + i, n);
		if (r == -1)
			return (-1);
	}
	return (0);
}
