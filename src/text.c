/*
 * Line cleaning for the chat room, unit-tested in tests/unit/test-text.c.
 * Terminal control characters are dropped, C0 and C1 alike (so nobody can
 * move another user's cursor or clear their screen: U+009B is CSI to a
 * terminal that takes 8-bit controls), and bytes that are not UTF-8 are
 * replaced by U+FFFD so every relayed line is valid text.
 */
#include <stddef.h>
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
