/*
 * Access control for servers: --allow/--deny SPECs (IPv4 or IPv6 addresses
 * and CIDR prefixes, no names) parsed into two lists, and a check of a
 * peer's address against them.  Deny wins; once any allow is given, only
 * allowed peers pass.  IPv4 is kept as IPv4-mapped IPv6, so an IPv4 rule
 * matches a client that a dual-stack listener sees as ::ffff:a.b.c.d.
 */
#ifndef ACL_H
#define ACL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "log.h"

enum acl_kind {
	ACL_ALLOW,
	ACL_DENY
};

/* Rules of one prefix length: a run of the sorted rule array. */
struct acl_group {
	uint64_t	 mask_hi;
	uint64_t	 mask_lo;
	size_t		 first;
	size_t		 n;
};

/* One prefix: the address (host bits cleared) as two big-endian halves. */
struct acl_rule {
	uint64_t	 hi;
	uint64_t	 lo;
	unsigned int	 plen;		/* 0-128 */
};

struct acl_list {
	struct acl_rule	*rules;		/* sorted by plen, then address */
	size_t		 n;
	size_t		 cap;
	struct acl_group *groups;	/* one per distinct plen */
	size_t		 ngroups;
	size_t		 gcap;
};

/* Zero-initialised means "no rules": every peer passes. */
struct acl {
	struct acl_list	 allow;
	struct acl_list	 deny;
	int		 allow_given;	/* even an empty --allowfile counts */
};

int	    acl_add_spec(struct acl *, enum acl_kind, const char *,
	    struct sk_err *);
int	    acl_add_text(struct acl *, enum acl_kind, const char *, size_t,
	    const char *, struct sk_err *);
const char *acl_check(const struct acl *, const struct sockaddr *,
	    socklen_t);
void	    acl_free(struct acl *);

#endif /* ACL_H */
