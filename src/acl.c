/*
 * Access-control lists: parsing of --allow/--deny SPECs and of the text of
 * --allowfile/--denyfile (the caller reads the file), and the check of a
 * peer's address.  Every prefix is kept in the IPv6 space (IPv4 as
 * ::ffff:a.b.c.d/96+N) as two 64-bit halves with its host bits cleared.
 * Each list is sorted by prefix length, then address, and grouped by
 * length, so a check is one binary search per distinct length: no
 * allocation and no string work, so a flood of refused peers costs the
 * server next to nothing.  Unit tests: tests/unit/test-acl.c; fuzzing:
 * tests/fuzz/fuzz-acl.c.
 */
/* strvisx(3) is the same in both; pick one to silence libbsd's warning. */
#include "config.h"

#define LIBBSD_OPENBSD_VIS

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include "acl.h"
#include "log.h"

#define ACL_REFUSED_DENIED	"denied"
#define ACL_REFUSED_NOT_ALLOWED	"not allowed"

/* The longest SPEC address shown in full in a message. */
#define ACL_SHOW_MAX		64

/* Longer than any address inet_pton(3) takes, with room for the NUL. */
#define ACL_ADDR_MAX		64

static int
is_digit(char c)
{
	return (c >= '0' && c <= '9');
}

static int
is_alpha(char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/* Separators in a file: what a line holds between SPECs. */
static int
is_blank(char c)
{
	return (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f');
}

static void
mask_of(unsigned int plen, uint64_t *hi, uint64_t *lo)
{
	if (plen == 0)
		*hi = 0;
	else if (plen >= 64)
		*hi = UINT64_MAX;
	else
		*hi = UINT64_MAX << (64 - plen);
	if (plen <= 64)
		*lo = 0;
	else if (plen >= 128)
		*lo = UINT64_MAX;
	else
		*lo = UINT64_MAX << (128 - plen);
}

static void
halves_of(const unsigned char b[16], uint64_t *hi, uint64_t *lo)
{
	int	i;

	*hi = *lo = 0;
	for (i = 0; i < 8; i++) {
		*hi = *hi << 8 | b[i];
		*lo = *lo << 8 | b[i + 8];
	}
}

/*
 * The prefix length after the '/', as strict digits: "/" alone, signs,
 * spaces and leading zeros ("/08" reads as octal to some tools) are
 * refused rather than guessed at.
 */
static const char *
parse_plen(const char *s, size_t len, unsigned int max, unsigned int *plen)
{
	size_t		i;
	unsigned int	n = 0;

	if (len == 0)
		return ("missing prefix length");
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return ("prefix length is not a number");
	if (len > 1 && s[0] == '0')
		return ("prefix length has a leading zero");
	if (len > 3)
		return (max == 32 ? "prefix length too large (0-32)" :
		    "prefix length too large (0-128)");
	for (i = 0; i < len; i++)
		n = n * 10 + (unsigned int)(s[i] - '0');
	if (n > max)
		return (max == 32 ? "prefix length too large (0-32)" :
		    "prefix length too large (0-128)");
	*plen = n;
	return (NULL);
}

/* One SPEC of len bytes (not NUL-terminated) into r; NULL or the reason. */
static const char *
parse_spec(const char *s, size_t len, struct acl_rule *r)
{
	char		 buf[ACL_ADDR_MAX];
	unsigned char	 b[16];
	struct in_addr	 a4;
	const char	*slash, *why;
	size_t		 alen, i;
	unsigned int	 plen;
	uint64_t	 mhi, mlo;
	int		 v6, name = 0;

	if (len == 0)
		return ("empty");
	if (memchr(s, '\0', len) != NULL)
		return ("not an IPv4 or IPv6 address");
	slash = memchr(s, '/', len);
	alen = slash != NULL ? (size_t)(slash - s) : len;
	if (alen == 0)
		return ("missing address before '/'");
	if (memchr(s, '%', alen) != NULL)
		return ("zone ids are not allowed");
	if (s[0] == '[')
		return ("brackets are not allowed");
	v6 = memchr(s, ':', alen) != NULL;
	if (!v6)
		for (i = 0; i < alen; i++)
			if (is_alpha(s[i]))
				name = 1;
	if (name)
		return ("a host name, not an IPv4 or IPv6 address");
	if (alen >= sizeof(buf))
		return ("not an IPv4 or IPv6 address");
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(b, 0, sizeof(b));
	if (v6) {
		if (inet_pton(AF_INET6, buf, b) != 1)
			return ("not an IPv4 or IPv6 address");
	} else {
		if (inet_pton(AF_INET, buf, &a4) != 1)
			return ("not an IPv4 or IPv6 address");
		b[10] = b[11] = 0xff;
		memcpy(b + 12, &a4, 4);
	}
	plen = v6 ? 128 : 32;
	if (slash != NULL && (why = parse_plen(slash + 1, len - alen - 1,
	    v6 ? 128 : 32, &plen)) != NULL)
		return (why);
	if (!v6)
		plen += 96;
	/* Host bits past the prefix are ignored: 10.1.2.3/8 is 10/8. */
	halves_of(b, &r->hi, &r->lo);
	mask_of(plen, &mhi, &mlo);
	r->hi &= mhi;
	r->lo &= mlo;
	r->plen = plen;
	return (NULL);
}

/* The SPEC as it goes between quotes in a message: one line, bounded. */
static void
show_spec(const char *s, size_t len, char *out)
{
	size_t	n = len > ACL_SHOW_MAX ? ACL_SHOW_MAX : len;

	strvisx(out, s, n, VIS_CSTYLE | VIS_OCTAL | VIS_TAB | VIS_NL);
	if (n < len)
		strlcat(out, "...", ACL_SHOW_MAX * 4 + 4);
}

static int
rule_cmp(const void *va, const void *vb)
{
	const struct acl_rule	*a = va, *b = vb;

	if (a->plen != b->plen)
		return (a->plen < b->plen ? -1 : 1);
	if (a->hi != b->hi)
		return (a->hi < b->hi ? -1 : 1);
	if (a->lo != b->lo)
		return (a->lo < b->lo ? -1 : 1);
	return (0);
}

static int
list_append(struct acl_list *l, const struct acl_rule *r)
{
	struct acl_rule	*v;
	size_t		 cap;

	if (l->n == l->cap) {
		cap = l->cap == 0 ? 8 : l->cap * 2;
		if ((v = reallocarray(l->rules, cap, sizeof(*v))) == NULL)
			return (-1);
		l->rules = v;
		l->cap = cap;
	}
	l->rules[l->n++] = *r;
	return (0);
}

/*
 * Sorts, drops duplicates and rebuilds the per-length groups.  The only
 * allocation comes first, so on failure the rules are as they were and
 * the caller can drop what it appended.
 */
static int
list_settle(struct acl_list *l)
{
	struct acl_group	*g;
	size_t			 i, j, need;

	need = l->n < 129 ? l->n : 129;	/* lengths 0-128 */
	if (need > l->gcap) {
		if ((g = reallocarray(l->groups, need, sizeof(*g))) == NULL)
			return (-1);
		l->groups = g;
		l->gcap = need;
	}
	if (l->n > 1)
		qsort(l->rules, l->n, sizeof(*l->rules), rule_cmp);
	for (i = j = 0; i < l->n; i++)
		if (j == 0 || rule_cmp(&l->rules[j - 1], &l->rules[i]) != 0)
			l->rules[j++] = l->rules[i];
	l->n = j;
	l->ngroups = 0;
	for (i = 0; i < l->n; i++) {
		if (i == 0 || l->rules[i].plen != l->rules[i - 1].plen) {
			g = &l->groups[l->ngroups++];
			mask_of(l->rules[i].plen, &g->mask_hi, &g->mask_lo);
			g->first = i;
			g->n = 0;
		}
		l->groups[l->ngroups - 1].n++;
	}
	return (0);
}

static int
list_match(const struct acl_list *l, uint64_t hi, uint64_t lo)
{
	const struct acl_group	*g;
	const struct acl_rule	*r;
	uint64_t		 khi, klo;
	size_t			 lo_i, hi_i, mid;

	for (g = l->groups; g < l->groups + l->ngroups; g++) {
		khi = hi & g->mask_hi;
		klo = lo & g->mask_lo;
		lo_i = g->first;
		hi_i = g->first + g->n;
		while (lo_i < hi_i) {
			mid = lo_i + (hi_i - lo_i) / 2;
			r = &l->rules[mid];
			if (r->hi == khi && r->lo == klo)
				return (1);
			if (r->hi < khi || (r->hi == khi && r->lo < klo))
				lo_i = mid + 1;
			else
				hi_i = mid;
		}
	}
	return (0);
}

/*
 * Adds one SPEC from the command line.  On error, e holds
 * "invalid address 'SPEC': reason" and nothing was added.
 */
int
acl_add_spec(struct acl *a, enum acl_kind kind, const char *spec,
    struct sk_err *e)
{
	char		 shown[ACL_SHOW_MAX * 4 + 4];
	struct acl_list	*l = kind == ACL_DENY ? &a->deny : &a->allow;
	struct acl_rule	 r;
	const char	*why;
	size_t		 len, had = l->n;

	len = strlen(spec);
	if ((why = parse_spec(spec, len, &r)) != NULL) {
		show_spec(spec, len, shown);
		err_set(e, "invalid address '%s': %s", shown, why);
		return (-1);
	}
	if (list_append(l, &r) == -1 || list_settle(l) == -1) {
		err_set(e, "out of memory");
		l->n = had;
		return (-1);
	}
	if (kind == ACL_ALLOW)
		a->allow_given = 1;
	return (0);
}

/*
 * Adds every SPEC in the text of FILE (len bytes, NULs included): SPECs
 * separated by blanks and newlines, '#' to the end of the line a comment,
 * CRLF line ends accepted.  An allow file with no SPEC still turns the
 * allow list on, so an emptied list lets nobody in rather than everyone.
 * On error, e names the SPEC, FILE and line, and nothing was added.
 */
int
acl_add_text(struct acl *a, enum acl_kind kind, const char *text,
    size_t len, const char *file, struct sk_err *e)
{
	char		 shown[ACL_SHOW_MAX * 4 + 4];
	struct acl_list	*l = kind == ACL_DENY ? &a->deny : &a->allow;
	struct acl_rule	 r;
	const char	*why;
	size_t		 i, start, had = l->n, line = 1;

	i = 0;
	while (i < len) {
		if (text[i] == '\n') {
			line++;
			i++;
		} else if (is_blank(text[i]))
			i++;
		else if (text[i] == '#') {
			while (i < len && text[i] != '\n')
				i++;
		} else {
			start = i;
			while (i < len && text[i] != '\n' &&
			    !is_blank(text[i]) && text[i] != '#')
				i++;
			if ((why = parse_spec(text + start, i - start,
			    &r)) != NULL) {
				show_spec(text + start, i - start, shown);
				err_set(e, "invalid address '%s' in %s line "
				    "%zu: %s", shown, file, line, why);
				l->n = had;
				return (-1);
			}
			if (list_append(l, &r) == -1) {
				err_set(e, "out of memory");
				l->n = had;
				return (-1);
			}
		}
	}
	if (list_settle(l) == -1) {
		err_set(e, "out of memory");
		l->n = had;
		return (-1);
	}
	if (kind == ACL_ALLOW)
		a->allow_given = 1;
	return (0);
}

/*
 * NULL if the peer may in, else why not: "denied" (a deny matched) or
 * "not allowed" (allows were given and none matched).  Unix peers, named
 * or not (an unnamed sender's address has length 0), always pass: file
 * permissions guard them.  A family that is neither IP nor Unix is
 * refused once any rule is given.
 */
const char *
acl_check(const struct acl *a, const struct sockaddr *sa, socklen_t salen)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	sa_family_t		 family;
	uint64_t		 hi, lo;

	if (!a->allow_given && a->deny.n == 0)
		return (NULL);
	if (salen < (socklen_t)(offsetof(struct sockaddr, sa_family) +
	    sizeof(family)))
		return (NULL);
	memcpy(&family, (const char *)sa + offsetof(struct sockaddr,
	    sa_family), sizeof(family));
	switch (family) {
	case AF_UNIX:
		return (NULL);
	case AF_INET:
		if (salen < (socklen_t)sizeof(sin))
			return (ACL_REFUSED_NOT_ALLOWED);
		memcpy(&sin, sa, sizeof(sin));
		hi = 0;
		lo = (uint64_t)0xffff << 32 | ntohl(sin.sin_addr.s_addr);
		break;
	case AF_INET6:
		if (salen < (socklen_t)sizeof(sin6))
			return (ACL_REFUSED_NOT_ALLOWED);
		memcpy(&sin6, sa, sizeof(sin6));
		halves_of(sin6.sin6_addr.s6_addr, &hi, &lo);
		break;
	default:
		return (ACL_REFUSED_NOT_ALLOWED);
	}
	if (list_match(&a->deny, hi, lo))
		return (ACL_REFUSED_DENIED);
	if (a->allow_given && !list_match(&a->allow, hi, lo))
		return (ACL_REFUSED_NOT_ALLOWED);
	return (NULL);
}

void
acl_free(struct acl *a)
{
	free(a->allow.rules);
	free(a->allow.groups);
	free(a->deny.rules);
	free(a->deny.groups);
	memset(a, 0, sizeof(*a));
}
