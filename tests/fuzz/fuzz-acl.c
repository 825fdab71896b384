/*
 * libFuzzer harness for src/acl.c.  The input is the text of an allow
 * file, then '!', then the text of a deny file.  Both go through
 * acl_add_text; every blank-separated word also goes through acl_add_spec
 * alone.  Checked: a refused text leaves its list as it was and gives one
 * line naming the file; an accepted list is sorted, without duplicates,
 * without host bits, grouped by length; each rule printed back as a SPEC
 * parses to itself; and acl_check agrees with a naive byte-by-byte check
 * for the rules' own addresses, their neighbours and addresses taken from
 * the input, given as IPv6 and, when mapped, as IPv4.  A violation aborts,
 * which libFuzzer reports as a crash.
 *
 * Built by `./configure --enable-fuzz && make tests/fuzz/fuzz-acl`; run
 * with e.g.
 *   tests/fuzz/fuzz-acl -max_len=4096 -max_total_time=600 CORPUS_COPY
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz-acl: %s:%d: invariant failed: %s\n", \
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
rule_bytes(const struct acl_rule *r, unsigned char b[16])
{
	int	i;

	for (i = 0; i < 8; i++) {
		b[i] = (unsigned char)(r->hi >> (56 - 8 * i));
		b[8 + i] = (unsigned char)(r->lo >> (56 - 8 * i));
	}
}

/* Does a's prefix of plen bits equal b's?  Byte by byte, the plain way. */
static int
prefix_eq(const unsigned char a[16], const unsigned char b[16],
    unsigned int plen)
{
	unsigned char	m;

	if (memcmp(a, b, plen / 8) != 0)
		return (0);
	if (plen % 8 == 0)
		return (1);
	m = (unsigned char)(0xff << (8 - plen % 8));
	return ((a[plen / 8] & m) == (b[plen / 8] & m));
}

static int
naive_match(const struct acl_list *l, const unsigned char p[16])
{
	unsigned char	b[16];
	size_t		i;

	for (i = 0; i < l->n; i++) {
		rule_bytes(&l->rules[i], b);
		if (prefix_eq(b, p, l->rules[i].plen))
			return (1);
	}
	return (0);
}

static void
check_peer(const struct acl *a, const unsigned char p[16])
{
	struct sockaddr_in6	 sin6;
	struct sockaddr_in	 sin;
	const char		*want, *got;

	if (naive_match(&a->deny, p))
		want = "denied";
	else if (a->allow_given && !naive_match(&a->allow, p))
		want = "not allowed";
	else
		want = NULL;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, p, 16);
	got = acl_check(a, (struct sockaddr *)&sin6, sizeof(sin6));
	CHECK(got == want || (got != NULL && want != NULL &&
	    strcmp(got, want) == 0));
	if (memcmp(p, mapped_prefix, sizeof(mapped_prefix)) != 0)
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(&sin.sin_addr, p + 12, 4);
	got = acl_check(a, (struct sockaddr *)&sin, sizeof(sin));
	CHECK(got == want || (got != NULL && want != NULL &&
	    strcmp(got, want) == 0));
}

/* Sorted, unique, no host bits, groups covering the rules in order. */
static void
check_list(const struct acl_list *l)
{
	const struct acl_rule	*r, *q;
	unsigned char		 b[16], z[16];
	size_t			 i, g, covered = 0;

	CHECK(l->n <= l->cap || l->n == 0);
	for (i = 0; i < l->n; i++) {
		r = &l->rules[i];
		CHECK(r->plen <= 128);
		rule_bytes(r, b);
		memset(z, 0, sizeof(z));
		memcpy(z, b, r->plen / 8);
		if (r->plen % 8 != 0)
			z[r->plen / 8] = b[r->plen / 8] &
			    (unsigned char)(0xff << (8 - r->plen % 8));
		CHECK(memcmp(b, z, sizeof(b)) == 0);
		if (i == 0)
			continue;
		q = &l->rules[i - 1];
		CHECK(q->plen < r->plen || (q->plen == r->plen &&
		    (q->hi < r->hi || (q->hi == r->hi && q->lo < r->lo))));
	}
	CHECK(l->ngroups <= 129);
	for (g = 0; g < l->ngroups; g++) {
		CHECK(l->groups[g].first == covered);
		CHECK(l->groups[g].n > 0);
		for (i = 0; i < l->groups[g].n; i++)
			CHECK(l->rules[covered + i].plen ==
			    l->rules[l->groups[g].first].plen);
		covered += l->groups[g].n;
	}
	CHECK(covered == l->n);
}

/* Each rule printed as a SPEC reads back as the same rule. */
static void
check_roundtrip(const struct acl_list *l)
{
	struct acl	 a;
	struct sk_err	 e;
	unsigned char	 b[16];
	char		 addr[INET6_ADDRSTRLEN], spec[INET6_ADDRSTRLEN + 8];
	size_t		 i;

	for (i = 0; i < l->n && i < 64; i++) {
		rule_bytes(&l->rules[i], b);
		if (memcmp(b, mapped_prefix, 12) == 0 &&
		    l->rules[i].plen >= 96) {
			CHECK(inet_ntop(AF_INET, b + 12, addr,
			    sizeof(addr)) != NULL);
			snprintf(spec, sizeof(spec), "%s/%u", addr,
			    l->rules[i].plen - 96);
		} else {
			CHECK(inet_ntop(AF_INET6, b, addr,
			    sizeof(addr)) != NULL);
			snprintf(spec, sizeof(spec), "%s/%u", addr,
			    l->rules[i].plen);
		}
		memset(&a, 0, sizeof(a));
		CHECK(acl_add_spec(&a, ACL_DENY, spec, &e) == 0);
		CHECK(a.deny.n == 1);
		CHECK(a.deny.rules[0].hi == l->rules[i].hi);
		CHECK(a.deny.rules[0].lo == l->rules[i].lo);
		CHECK(a.deny.rules[0].plen == l->rules[i].plen);
		acl_free(&a);
	}
}

/* A refused text: one line, naming the file, and the list untouched. */
static void
add_text(struct acl *a, enum acl_kind kind, const char *t, size_t len)
{
	struct sk_err	e;
	size_t		n, given;
	int		rc;

	n = kind == ACL_DENY ? a->deny.n : a->allow.n;
	given = (size_t)a->allow_given;
	e.msg[0] = '\0';
	rc = acl_add_text(a, kind, t, len, "f.acl", &e);
	CHECK(rc == 0 || rc == -1);
	if (rc == 0) {
		if (kind == ACL_ALLOW)
			CHECK(a->allow_given);
		return;
	}
	CHECK(strncmp(e.msg, "invalid address '", 17) == 0);
	CHECK(strstr(e.msg, "' in f.acl line ") != NULL);
	CHECK(strchr(e.msg, '\n') == NULL);
	CHECK(strchr(e.msg, '\r') == NULL);
	CHECK((kind == ACL_DENY ? a->deny.n : a->allow.n) == n);
	CHECK((size_t)a->allow_given == given);
}

/*
 * Every word alone through acl_add_spec: accepted, as the same rule,
 * exactly when the text of that word alone is.
 */
static void
check_words(const char *t, size_t len)
{
	struct acl	 a, b;
	struct sk_err	 e;
	char		*w;
	size_t		 i, j;
	int		 r1, r2;

	for (i = 0; i < len; i = j + 1) {
		for (j = i; j < len && !strchr(" \t\r\n\v\f#", t[j]); j++)
			;
		if (j == i || memchr(t + i, '\0', j - i) != NULL)
			continue;
		if ((w = strndup(t + i, j - i)) == NULL)
			return;
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		r1 = acl_add_spec(&a, ACL_ALLOW, w, &e);
		r2 = acl_add_text(&b, ACL_ALLOW, w, j - i, "w", &e);
		CHECK(r1 == r2);
		if (r1 == 0) {
			CHECK(a.allow.n == 1 && b.allow.n == 1);
			CHECK(a.allow.rules[0].hi == b.allow.rules[0].hi);
			CHECK(a.allow.rules[0].lo == b.allow.rules[0].lo);
			CHECK(a.allow.rules[0].plen == b.allow.rules[0].plen);
		}
		acl_free(&a);
		acl_free(&b);
		free(w);
	}
}

static void
check_rule_peers(const struct acl *a, const struct acl_list *l)
{
	unsigned char	b[16], c[16];
	size_t		i;
	int		k;

	for (i = 0; i < l->n && i < 64; i++) {
		rule_bytes(&l->rules[i], b);
		check_peer(a, b);
		/* The last address of the prefix, and the one after it. */
		memcpy(c, b, 16);
		for (k = (int)l->rules[i].plen; k < 128; k++)
			c[k / 8] |= (unsigned char)(0x80 >> (k % 8));
		check_peer(a, c);
		for (k = 15; k >= 0 && ++c[k] == 0; k--)
			;
		check_peer(a, c);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct acl		 a;
	const char		*bang;
	char			*copy;
	unsigned char		 p[16];
	size_t			 alen, i, k;

	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((copy = malloc(size == 0 ? 1 : size)) == NULL)
		return (0);
	if (size > 0)
		memcpy(copy, data, size);
	bang = size > 0 ? memchr(copy, '!', size) : NULL;
	alen = bang != NULL ? (size_t)(bang - copy) : size;

	memset(&a, 0, sizeof(a));
	add_text(&a, ACL_ALLOW, copy, alen);
	if (bang != NULL)
		add_text(&a, ACL_DENY, bang + 1, size - alen - 1);
	check_list(&a.allow);
	check_list(&a.deny);
	check_roundtrip(&a.allow);
	check_roundtrip(&a.deny);
	check_words(copy, size);

	check_rule_peers(&a, &a.allow);
	check_rule_peers(&a, &a.deny);
	/* Addresses from the input itself, IPv6 and mapped. */
	for (k = 0; k < 8 && size > 0; k++) {
		for (i = 0; i < 16; i++)
			p[i] = (unsigned char)data[(k * 16 + i) % size];
		check_peer(&a, p);
		memcpy(p, mapped_prefix, sizeof(mapped_prefix));
		check_peer(&a, p);
	}
	memset(p, 0, sizeof(p));
	check_peer(&a, p);
	acl_free(&a);
	free(copy);
	return (0);
}
