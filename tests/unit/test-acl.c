/*
 * Unit tests of src/acl.h: SPEC parsing (good SPECs with the prefix length
 * they become, bad ones with the exact message sockctl prints), matching
 * of IPv4, IPv6 and IPv4-mapped peers at every kind of boundary (/0, /32,
 * /64, /127, /128), deny winning over allow, allow-only and deny-only
 * lists, Unix and unnamed peers, and the text of allow/deny files with
 * comments, blank lines, several SPECs a line and CRLF line ends.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"
#include "compat.h"
#include "tap.h"

#define E_ADDR	"not an IPv4 or IPv6 address"
#define E_NAME	"a host name, not an IPv4 or IPv6 address"
#define E_NAN	"prefix length is not a number"
#define E_BIG4	"prefix length too large (0-32)"
#define E_BIG6	"prefix length too large (0-128)"
#define E_ZERO	"prefix length has a leading zero"

#define A16	"aaaaaaaaaaaaaaaa"
#define D16	"1111111111111111"
#define A64	A16 A16 A16 A16
#define D64	D16 D16 D16 D16

struct spec_case {
	const char	*in;
	unsigned int	 plen;		/* in the IPv6 space */
	const char	*err;		/* the whole message */
};

static const struct spec_case spec_cases[] = {
	{ "10.0.0.0/8",		104,	NULL },
	{ "192.0.2.7",		128,	NULL },
	{ "1.2.3.4/32",		128,	NULL },
	{ "0.0.0.0/0",		96,	NULL },
	{ "1.2.3.4/0",		96,	NULL },
	{ "10.1.2.3/8",		104,	NULL },	/* host bits ignored */
	{ "::1",		128,	NULL },
	{ "::1/128",		128,	NULL },
	{ "::/0",		0,	NULL },
	{ "fe80::/10",		10,	NULL },
	{ "2001:DB8::1/64",	64,	NULL },
	{ "::ffff:192.0.2.0/120", 120,	NULL },
	{ "::ffff:1.2.3.4",	128,	NULL },
	{ "10.0.0.0/33",	0, "invalid address '10.0.0.0/33': " E_BIG4 },
	{ "10.0.0.0/1000",	0, "invalid address '10.0.0.0/1000': " E_BIG4 },
	{ "10.0.0.0/99999999999999999999", 0,
	    "invalid address '10.0.0.0/99999999999999999999': " E_BIG4 },
	{ "::/129",		0, "invalid address '::/129': " E_BIG6 },
	{ "::ffff:1.2.3.4/129",	0,
	    "invalid address '::ffff:1.2.3.4/129': " E_BIG6 },
	{ "example.com",	0, "invalid address 'example.com': " E_NAME },
	{ "localhost",		0, "invalid address 'localhost': " E_NAME },
	{ "face",		0, "invalid address 'face': " E_NAME },
	{ "1.2.3.4/",		0,
	    "invalid address '1.2.3.4/': missing prefix length" },
	{ "1.2.3.4/ 8",		0, "invalid address '1.2.3.4/ 8': " E_NAN },
	{ "1.2.3.4/8 ",		0, "invalid address '1.2.3.4/8 ': " E_NAN },
	{ "1.2.3.4/+8",		0, "invalid address '1.2.3.4/+8': " E_NAN },
	{ "1.2.3.4/-1",		0, "invalid address '1.2.3.4/-1': " E_NAN },
	{ "1.2.3.4/0x8",	0, "invalid address '1.2.3.4/0x8': " E_NAN },
	{ "1.2.3.4/8/8",	0, "invalid address '1.2.3.4/8/8': " E_NAN },
	{ "1.2.3.4/255.0.0.0",	0,
	    "invalid address '1.2.3.4/255.0.0.0': " E_NAN },
	{ "1.2.3.4/08",		0, "invalid address '1.2.3.4/08': " E_ZERO },
	{ "::/00",		0, "invalid address '::/00': " E_ZERO },
	{ "fe80::1%eth0",	0,
	    "invalid address 'fe80::1%eth0': zone ids are not allowed" },
	{ "fe80::%1/64",	0,
	    "invalid address 'fe80::%1/64': zone ids are not allowed" },
	{ "[::1]",		0,
	    "invalid address '[::1]': brackets are not allowed" },
	{ "",			0, "invalid address '': empty" },
	{ "/8",			0,
	    "invalid address '/8': missing address before '/'" },
	{ "1.2.3",		0, "invalid address '1.2.3': " E_ADDR },
	{ "10/8",		0, "invalid address '10/8': " E_ADDR },
	{ "256.1.1.1",		0, "invalid address '256.1.1.1': " E_ADDR },
	{ "01.2.3.4",		0, "invalid address '01.2.3.4': " E_ADDR },
	{ "1.2.3.4.5",		0, "invalid address '1.2.3.4.5': " E_ADDR },
	{ "1.2.3.4:80",		0, "invalid address '1.2.3.4:80': " E_ADDR },
	{ "1::2::3",		0, "invalid address '1::2::3': " E_ADDR },
	{ " 1.2.3.4",		0, "invalid address ' 1.2.3.4': " E_ADDR },
	{ "1.2.3.4 ",		0, "invalid address '1.2.3.4 ': " E_ADDR },
	{ "1.2.3.4\n",		0, "invalid address '1.2.3.4\\n': " E_ADDR },
	{ "1.2.3.4\t",		0, "invalid address '1.2.3.4\\t': " E_ADDR },
	{ "*",			0, "invalid address '*': " E_ADDR },
	{ A64 "x",		0, "invalid address '" A64 "...': " E_NAME },
	{ D64,			0, "invalid address '" D64 "': " E_ADDR },
};

static void
test_spec(void)
{
	const struct spec_case *t;
	struct acl	 a;
	struct sk_err	 e;
	int		 rc, kind;

	for (t = spec_cases; t < spec_cases + nitems(spec_cases); t++) {
		for (kind = ACL_ALLOW; kind <= ACL_DENY; kind++) {
			memset(&a, 0, sizeof(a));
			strlcpy(e.msg, "untouched", sizeof(e.msg));
			rc = acl_add_spec(&a, kind, t->in, &e);
			is_int(rc, t->err == NULL ? 0 : -1, "%s '%s': %s",
			    kind == ACL_ALLOW ? "allow" : "deny", t->in,
			    t->err == NULL ? "accepted" : "refused");
			if (t->err != NULL) {
				is_str(e.msg, t->err, "message for '%s'",
				    t->in);
				ok(a.allow.n == 0 && a.deny.n == 0 &&
				    !a.allow_given,
				    "'%s' added nothing", t->in);
			} else if (kind == ACL_ALLOW) {
				ok(a.allow.n == 1 && a.deny.n == 0 &&
				    a.allow.rules[0].plen == t->plen &&
				    a.allow_given,
				    "'%s' is one allow of length %u", t->in,
				    t->plen);
			} else {
				ok(a.deny.n == 1 && a.allow.n == 0 &&
				    a.deny.rules[0].plen == t->plen &&
				    !a.allow_given,
				    "'%s' is one deny of length %u", t->in,
				    t->plen);
			}
			acl_free(&a);
		}
	}
}

/* A peer address as accept(2) or recvfrom(2) gives it. */
static socklen_t
mkpeer(const char *s, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(s, ':') == NULL) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(40112);
		if (inet_pton(AF_INET, s, &sin->sin_addr) != 1)
			abort();
		return (sizeof(*sin));
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(40112);
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) != 1)
		abort();
	return (sizeof(*sin6));
}

#define NOT	"not allowed"
#define DENIED	"denied"

struct match_case {
	const char	*allow[5];
	const char	*deny[5];
	const char	*peer;
	const char	*want;
};

static const struct match_case match_cases[] = {
	/* No rules: everyone. */
	{ { NULL }, { NULL }, "192.0.2.7", NULL },
	{ { NULL }, { NULL }, "::1", NULL },
	{ { NULL }, { NULL }, "::ffff:192.0.2.7", NULL },
	/* An IPv4 prefix, for IPv4, mapped and IPv6 peers. */
	{ { "10.0.0.0/8" }, { NULL }, "10.1.2.3", NULL },
	{ { "10.0.0.0/8" }, { NULL }, "10.0.0.0", NULL },
	{ { "10.0.0.0/8" }, { NULL }, "10.255.255.255", NULL },
	{ { "10.0.0.0/8" }, { NULL }, "9.255.255.255", NOT },
	{ { "10.0.0.0/8" }, { NULL }, "11.0.0.0", NOT },
	{ { "10.0.0.0/8" }, { NULL }, "::ffff:10.1.2.3", NULL },
	{ { "10.0.0.0/8" }, { NULL }, "::ffff:11.0.0.1", NOT },
	{ { "10.0.0.0/8" }, { NULL }, "::10.1.2.3", NOT },	/* compat */
	{ { "10.0.0.0/8" }, { NULL }, "::1", NOT },
	{ { "10.1.2.3/8" }, { NULL }, "10.200.0.1", NULL },
	/* /32 and /0 in IPv4. */
	{ { "192.0.2.7/32" }, { NULL }, "192.0.2.7", NULL },
	{ { "192.0.2.7/32" }, { NULL }, "192.0.2.6", NOT },
	{ { "192.0.2.7/32" }, { NULL }, "192.0.2.8", NOT },
	{ { "192.0.2.7/32" }, { NULL }, "::ffff:192.0.2.7", NULL },
	{ { "192.0.2.7" }, { NULL }, "::ffff:c000:207", NULL },
	{ { "0.0.0.0/0" }, { NULL }, "255.255.255.255", NULL },
	{ { "0.0.0.0/0" }, { NULL }, "0.0.0.0", NULL },
	{ { "0.0.0.0/0" }, { NULL }, "::ffff:1.2.3.4", NULL },
	{ { "0.0.0.0/0" }, { NULL }, "::1", NOT },
	{ { "0.0.0.0/0" }, { NULL }, "::ffff:0:0:1", NOT },
	/* IPv6: /128, /0, /10, /63, /64, /65, /127. */
	{ { "::1" }, { NULL }, "::1", NULL },
	{ { "::1" }, { NULL }, "::2", NOT },
	{ { "::1" }, { NULL }, "127.0.0.1", NOT },
	{ { "::1" }, { NULL }, "0.0.0.1", NOT },
	{ { "::1/128" }, { NULL }, "::1", NULL },
	{ { "::/0" }, { NULL }, "::1", NULL },
	{ { "::/0" }, { NULL }, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	    NULL },
	{ { "::/0" }, { NULL }, "192.0.2.7", NULL },	/* all of IPv6 */
	{ { "fe80::/10" }, { NULL }, "fe80::1", NULL },
	{ { "fe80::/10" }, { NULL }, "febf:ffff::1", NULL },
	{ { "fe80::/10" }, { NULL }, "fec0::", NOT },
	{ { "fe80::/10" }, { NULL }, "fe7f:ffff::", NOT },
	{ { "2001:db8::/63" }, { NULL }, "2001:db8:0:1:ffff::", NULL },
	{ { "2001:db8::/63" }, { NULL }, "2001:db8:0:2::", NOT },
	{ { "2001:db8::/64" }, { NULL },
	    "2001:db8::ffff:ffff:ffff:ffff", NULL },
	{ { "2001:db8::/64" }, { NULL }, "2001:db8:0:1::", NOT },
	{ { "2001:db8::/65" }, { NULL },
	    "2001:db8::7fff:ffff:ffff:ffff", NULL },
	{ { "2001:db8::/65" }, { NULL }, "2001:db8::8000:0:0:0", NOT },
	{ { "2001:db8::/127" }, { NULL }, "2001:db8::1", NULL },
	{ { "2001:db8::/127" }, { NULL }, "2001:db8::2", NOT },
	/* An IPv6 SPEC of mapped addresses matches IPv4 peers. */
	{ { "::ffff:192.0.2.0/120" }, { NULL }, "192.0.2.77", NULL },
	{ { "::ffff:192.0.2.0/120" }, { NULL }, "192.0.3.1", NOT },
	/* Several allows of several lengths. */
	{ { "10.0.0.0/8", "192.168.1.0/24", "::1", "172.16.0.0/12" },
	    { NULL }, "172.31.255.255", NULL },
	{ { "10.0.0.0/8", "192.168.1.0/24", "::1", "172.16.0.0/12" },
	    { NULL }, "172.32.0.0", NOT },
	{ { "10.0.0.0/8", "192.168.1.0/24", "::1", "172.16.0.0/12" },
	    { NULL }, "192.168.1.200", NULL },
	{ { "10.0.0.0/8", "192.168.1.0/24", "::1", "172.16.0.0/12" },
	    { NULL }, "192.168.2.1", NOT },
	{ { "10.0.0.0/8", "192.168.1.0/24", "::1", "172.16.0.0/12" },
	    { NULL }, "::1", NULL },
	/* Deny only: everyone else passes. */
	{ { NULL }, { "10.0.0.0/8" }, "10.1.1.1", DENIED },
	{ { NULL }, { "10.0.0.0/8" }, "::ffff:10.0.0.1", DENIED },
	{ { NULL }, { "10.0.0.0/8" }, "11.1.1.1", NULL },
	{ { NULL }, { "10.0.0.0/8" }, "::1", NULL },
	{ { NULL }, { "::/0" }, "127.0.0.1", DENIED },
	{ { NULL }, { "0.0.0.0/0" }, "::1", NULL },
	/* Deny wins, whichever is the narrower. */
	{ { "10.0.0.0/8" }, { "10.0.0.7" }, "10.0.0.7", DENIED },
	{ { "10.0.0.0/8" }, { "10.0.0.7" }, "10.0.0.8", NULL },
	{ { "10.0.0.0/8" }, { "10.0.0.7" }, "11.0.0.1", NOT },
	{ { "10.0.0.7" }, { "10.0.0.0/8" }, "10.0.0.7", DENIED },
	{ { "127.0.0.1" }, { "::/0" }, "127.0.0.1", DENIED },
	{ { "::1", "127.0.0.1" }, { "::ffff:127.0.0.1" }, "127.0.0.1",
	    DENIED },
	{ { "::1", "127.0.0.1" }, { "::ffff:127.0.0.1" }, "::1", NULL },
	/* Duplicates are harmless. */
	{ { "10.0.0.1", "10.0.0.1", "10.0.0.1/32" }, { NULL }, "10.0.0.1",
	    NULL },
	{ { "10.0.0.1", "10.0.0.1", "10.0.0.1/32" }, { NULL }, "10.0.0.2",
	    NOT },
};

static void
add_all(struct acl *a, enum acl_kind kind, const char *const *v)
{
	struct sk_err	e;
	size_t		i;

	for (i = 0; i < 5 && v[i] != NULL; i++)
		if (acl_add_spec(a, kind, v[i], &e) != 0)
			diag("unexpected: %s", e.msg);
}

static void
describe(const char *const *v, char *out, size_t len)
{
	size_t	i;

	out[0] = '\0';
	for (i = 0; i < 5 && v[i] != NULL; i++) {
		if (i > 0)
			strlcat(out, ",", len);
		strlcat(out, v[i], len);
	}
	if (i == 0)
		strlcpy(out, "-", len);
}

static void
test_match(void)
{
	const struct match_case *t;
	struct sockaddr_storage	 ss;
	struct acl		 a;
	char			 al[128], dl[128];
	socklen_t		 len;

	for (t = match_cases; t < match_cases + nitems(match_cases); t++) {
		memset(&a, 0, sizeof(a));
		add_all(&a, ACL_ALLOW, t->allow);
		add_all(&a, ACL_DENY, t->deny);
		len = mkpeer(t->peer, &ss);
		describe(t->allow, al, sizeof(al));
		describe(t->deny, dl, sizeof(dl));
		is_str(acl_check(&a, (struct sockaddr *)&ss, len), t->want,
		    "allow %s deny %s: %s is %s", al, dl, t->peer,
		    t->want == NULL ? "allowed" : t->want);
		acl_free(&a);
	}
}

/* Scope ids, Unix peers, unnamed senders, odd families and lengths. */
static void
test_peer_kinds(void)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_un	*sun = (struct sockaddr_un *)&ss;
	struct acl		 a;
	struct sk_err		 e;
	socklen_t		 len;

	memset(&a, 0, sizeof(a));
	len = mkpeer("fe80::1", &ss);
	sin6->sin6_scope_id = 2;
	ok(acl_check(&a, (struct sockaddr *)&ss, len) == NULL,
	    "no rules: a link-local peer passes");
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = 12345;
	ok(acl_check(&a, (struct sockaddr *)&ss, sizeof(ss)) == NULL,
	    "no rules: any family passes");

	acl_add_spec(&a, ACL_ALLOW, "fe80::/10", &e);
	len = mkpeer("fe80::1", &ss);
	sin6->sin6_scope_id = 2;
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NULL,
	    "a scope id does not change the match");

	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, "/tmp/s", sizeof(sun->sun_path));
	is_str(acl_check(&a, (struct sockaddr *)&ss, sizeof(*sun)), NULL,
	    "a named Unix peer passes an allow list");
	is_str(acl_check(&a, (struct sockaddr *)&ss, sizeof(sa_family_t)),
	    NULL, "a Unix peer with only its family passes");
	is_str(acl_check(&a, (struct sockaddr *)&ss, 0), NULL,
	    "an unnamed Unix sender (length 0) passes");

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = 12345;
	is_str(acl_check(&a, (struct sockaddr *)&ss, sizeof(ss)), NOT,
	    "an unknown family is not allowed once rules exist");
	len = mkpeer("fe80::1", &ss);
	is_str(acl_check(&a, (struct sockaddr *)&ss, len - 1), NOT,
	    "a truncated IPv6 address is not allowed");
	len = mkpeer("10.0.0.1", &ss);
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NOT,
	    "an IPv4 peer misses an IPv6 allow");
	is_str(acl_check(&a, (struct sockaddr *)&ss, len - 1), NOT,
	    "a truncated IPv4 address is not allowed");
	acl_free(&a);

	acl_add_spec(&a, ACL_DENY, "::/0", &e);
	memset(&ss, 0, sizeof(ss));
	sun->sun_family = AF_UNIX;
	is_str(acl_check(&a, (struct sockaddr *)&ss, sizeof(*sun)), NULL,
	    "a Unix peer passes a deny of everything");
	len = mkpeer("10.0.0.1", &ss);
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), DENIED,
	    "deny ::/0 denies IPv4 too");
	acl_free(&a);
	ok(a.allow.n == 0 && a.deny.n == 0 && !a.allow_given &&
	    acl_check(&a, (struct sockaddr *)&ss, len) == NULL,
	    "acl_free leaves an empty list that lets everyone in");
}

/*
 * Many rules of many lengths, added in a scrambled order: each group's
 * binary search must find every member and no neighbour.
 */
static void
test_many(void)
{
	struct sockaddr_storage	 ss;
	struct acl		 a;
	struct sk_err		 e;
	char			 spec[64], peer[64];
	socklen_t		 len;
	int			 i, x, bad_in = 0, bad_out = 0, bad_add = 0;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < 256; i++) {
		x = (i * 97) % 256;		/* a permutation of 0-255 */
		if (x % 2 == 0) {
			snprintf(spec, sizeof(spec), "10.%d.0.0/16", x);
		} else if (x % 4 == 1) {
			snprintf(spec, sizeof(spec), "10.%d.7.0/24", x);
		} else {
			snprintf(spec, sizeof(spec), "2001:db8:%x::/48", x);
		}
		if (acl_add_spec(&a, ACL_ALLOW, spec, &e) != 0)
			bad_add++;
	}
	is_int(bad_add, 0, "256 SPECs added");
	is_int(a.allow.n, 256, "256 distinct rules kept");
	is_int(a.allow.ngroups, 3, "in three groups of lengths");
	for (x = 0; x < 256; x++) {
		if (x % 2 == 0)
			snprintf(peer, sizeof(peer), "10.%d.200.1", x);
		else if (x % 4 == 1)
			snprintf(peer, sizeof(peer), "10.%d.7.255", x);
		else
			snprintf(peer, sizeof(peer), "2001:db8:%x:ffff::1", x);
		len = mkpeer(peer, &ss);
		if (acl_check(&a, (struct sockaddr *)&ss, len) != NULL) {
			diag("%s refused", peer);
			bad_in++;
		}
		if (x % 2 == 0)
			continue;
		if (x % 4 == 1)
			snprintf(peer, sizeof(peer), "10.%d.8.0", x);
		else
			snprintf(peer, sizeof(peer), "2001:db8:%x::1", x + 1);
		len = mkpeer(peer, &ss);
		if (acl_check(&a, (struct sockaddr *)&ss, len) == NULL) {
			diag("%s allowed", peer);
			bad_out++;
		}
	}
	is_int(bad_in, 0, "every member of 256 rules is allowed");
	is_int(bad_out, 0, "no neighbour of them is");
	acl_free(&a);
}

struct text_case {
	const char	*text;
	size_t		 len;		/* 0: strlen */
	const char	*err;		/* NULL: accepted */
	size_t		 nrules;
	const char	*in[4];		/* peers that must pass */
	const char	*out[4];	/* peers that must not */
};

static const struct text_case text_cases[] = {
	{ "# clients of the lab\n\n10.0.0.0/8 192.168.0.0/16\t::1 # ok\r\n"
	    "  \r\n172.16.0.0/12#no space before\n\t\t\n# end", 0, NULL, 4,
	    { "10.9.9.9", "192.168.255.1", "::1", "172.16.0.1" },
	    { "11.0.0.1", "::2", "172.15.0.1", "192.169.0.0" } },
	{ "10.0.0.1", 0, NULL, 1, { "10.0.0.1" }, { "10.0.0.2" } },
	{ "10.0.0.1\r\n10.0.0.2\r\n", 0, NULL, 2,
	    { "10.0.0.1", "10.0.0.2" }, { "10.0.0.3" } },
	{ "10.0.0.1\r10.0.0.2", 0, NULL, 2,
	    { "10.0.0.1", "10.0.0.2" }, { "10.0.0.3" } },
	{ "10.0.0.1 10.0.0.1 10.0.0.1/32", 0, NULL, 1,
	    { "10.0.0.1" }, { "10.0.0.2" } },
	{ "\xef\xbb\xbf" "10.0.0.1\n", 0,
	    "invalid address '\\357\\273\\27710.0.0.1' in acl.txt line 1: "
	    E_ADDR, 0, { NULL }, { NULL } },
	{ "10.0.0.0/8\n# c\nexample.com\n", 0,
	    "invalid address 'example.com' in acl.txt line 3: " E_NAME, 0,
	    { NULL }, { NULL } },
	{ "10.0.0.0/8 1.2.3.4/ 8\n", 0,
	    "invalid address '1.2.3.4/' in acl.txt line 1: "
	    "missing prefix length", 0, { NULL }, { NULL } },
	{ "\n\r\n\n10.0.0.0/33\r\n", 0,
	    "invalid address '10.0.0.0/33' in acl.txt line 4: " E_BIG4, 0,
	    { NULL }, { NULL } },
	{ "::1\nfe80::1%eth0 # zone\n", 0,
	    "invalid address 'fe80::1%eth0' in acl.txt line 2: "
	    "zone ids are not allowed", 0, { NULL }, { NULL } },
	{ "10.0.0.1\0x\n", 11,
	    "invalid address '10.0.0.1\\0x' in acl.txt line 1: " E_ADDR, 0,
	    { NULL }, { NULL } },
	{ "1.1.1.1\n" A64 A64 "\n", 0,
	    "invalid address '" A64 "...' in acl.txt line 2: " E_NAME, 0,
	    { NULL }, { NULL } },
};

static void
test_text(void)
{
	const struct text_case *t;
	struct sockaddr_storage	 ss;
	struct acl		 a;
	struct sk_err		 e;
	socklen_t		 len;
	size_t			 i, n;
	int			 rc;

	for (t = text_cases, n = 0; t < text_cases + nitems(text_cases);
	    t++, n++) {
		memset(&a, 0, sizeof(a));
		strlcpy(e.msg, "untouched", sizeof(e.msg));
		rc = acl_add_text(&a, ACL_ALLOW, t->text,
		    t->len != 0 ? t->len : strlen(t->text), "acl.txt", &e);
		is_int(rc, t->err == NULL ? 0 : -1, "text %zu: %s", n,
		    t->err == NULL ? "accepted" : "refused");
		if (t->err != NULL) {
			is_str(e.msg, t->err, "text %zu: message", n);
			ok(a.allow.n == 0 && !a.allow_given,
			    "text %zu: nothing added", n);
			acl_free(&a);
			continue;
		}
		is_int(a.allow.n, t->nrules, "text %zu: %zu rules", n,
		    t->nrules);
		for (i = 0; i < nitems(t->in) && t->in[i] != NULL; i++) {
			len = mkpeer(t->in[i], &ss);
			is_str(acl_check(&a, (struct sockaddr *)&ss, len),
			    NULL, "text %zu: %s allowed", n, t->in[i]);
		}
		for (i = 0; i < nitems(t->out) && t->out[i] != NULL; i++) {
			len = mkpeer(t->out[i], &ss);
			is_str(acl_check(&a, (struct sockaddr *)&ss, len),
			    NOT, "text %zu: %s not allowed", n, t->out[i]);
		}
		acl_free(&a);
	}
}

/* Empty files, deny files, and what an error leaves behind. */
static void
test_text_lists(void)
{
	static const char	 good[] = "10.0.0.0/8\n";
	static const char	 bad[] = "192.168.0.0/16\n172.16.0.0/12\nx\n";
	struct sockaddr_storage	 ss;
	struct acl		 a;
	struct sk_err		 e;
	socklen_t		 len;

	memset(&a, 0, sizeof(a));
	len = mkpeer("10.0.0.1", &ss);
	is_int(acl_add_text(&a, ACL_DENY, "", 0, "deny.txt", &e), 0,
	    "an empty deny file is fine");
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NULL,
	    "and denies nobody");
	is_int(acl_add_text(&a, ACL_ALLOW, "# nobody yet\n\n", 14,
	    "allow.txt", &e), 0, "an allow file of comments is fine");
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NOT,
	    "and lets nobody in");
	is_int(acl_add_text(&a, ACL_ALLOW, good, sizeof(good) - 1,
	    "allow.txt", &e), 0, "a second allow file adds to the list");
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NULL,
	    "which now lets 10.0.0.1 in");
	is_int(acl_add_text(&a, ACL_ALLOW, bad, sizeof(bad) - 1, "bad.txt",
	    &e), -1, "a file with a bad line is refused");
	is_str(e.msg, "invalid address 'x' in bad.txt line 3: " E_NAME,
	    "naming the SPEC, file and line");
	is_int(a.allow.n, 1, "and none of its good lines was added");
	len = mkpeer("192.168.0.1", &ss);
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NOT,
	    "so 192.168.0.1 is still not allowed");
	len = mkpeer("10.0.0.1", &ss);
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), NULL,
	    "and 10.0.0.1 still is");
	is_int(acl_add_text(&a, ACL_DENY, "10.0.0.1 # one bad host\n", 24,
	    "deny.txt", &e), 0, "a deny file");
	is_str(acl_check(&a, (struct sockaddr *)&ss, len), DENIED,
	    "wins over the allow file");
	acl_free(&a);
}

int
main(void)
{
	test_spec();
	test_match();
	test_peer_kinds();
	test_many();
	test_text();
	test_text_lists();
	return (done_testing());
}
