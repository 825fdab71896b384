/*
 * sockctl proxy's engine: what cmd-proxy.c hands it (the listening
 * socket, the limits, the credentials and the destination filter) and
 * the one call that runs it.
 */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>

#include "forward.h"
#include "log.h"

struct acl;

/* One USER:PASSWORD line of --auth-file. */
struct proxy_user {
	char		*user;
	size_t		 ulen;
	char		*pass;
	size_t		 plen;
};

struct proxy_server_conf {
	struct fwd_conf	 fc;		/* lfd, sigfd, -m, -i, -w, --allow */
	long long	 handshake_ms;	/* a client's handshake, at most */
	int		 family;	/* -4/-6 for destinations */
	const struct acl *acl_to;	/* destinations to refuse */
	const struct proxy_user *users;	/* NULL: no credentials asked */
	size_t		 nusers;
};

/* Runs until a signal on fc.sigfd (0), or fails (-1, err set). */
int	proxy_run(const struct proxy_server_conf *, struct sk_err *);

#endif /* PROXY_H */
