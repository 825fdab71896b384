/*
 * Pure parsers for what users type as addresses: hosts, ports, port lists,
 * Unix socket paths and durations.  Each returns 0, or -1 with a short
 * reason in err ("too large (0-65535)") that the caller puts after the
 * value it quotes.
 */
#ifndef ADDR_H
#define ADDR_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

#include "log.h"

#define ADDR_PORT_MAX		65535
#define ADDR_DURATION_MAX	(365LL * 24 * 3600 * 1000)	/* ms */

struct port_range {
	int	lo;
	int	hi;
};

struct port_list {
	struct port_range *ranges;
	size_t		 nranges;
	size_t		 nports;
};

int	addr_parse_port(const char *, int *, struct sk_err *);
int	addr_parse_port_list(const char *, struct port_list *,
	    struct sk_err *);
void	addr_free_port_list(struct port_list *);
int	addr_parse_host(const char *, char *, size_t, struct sk_err *);
int	addr_parse_endpoint(const char *, char *, size_t, int *, size_t *,
	    struct sk_err *);
int	addr_parse_unix(const char *, struct sockaddr_un *, socklen_t *,
	    struct sk_err *);
int	addr_parse_duration(const char *, long long *, struct sk_err *);

/*
 * A forward endpoint: "PORT" (listening side only), "ADDRESS:PORT",
 * "[IPv6]:PORT", "HOST:PORT", "unix:PATH" or "unix:@NAME".
 */
#define ADDR_HOST_MAX	1025	/* NI_MAXHOST */

enum addr_ep_kind {
	ADDR_EP_INET,
	ADDR_EP_UNIX
};

struct addr_ep {
	enum addr_ep_kind kind;
	char		 host[ADDR_HOST_MAX];	/* "": none given */
	int		 port;			/* ADDR_EP_INET */
	const char	*path;		/* ADDR_EP_UNIX: into the input */
};

#define ADDR_EP_LISTEN	0x01	/* a bare PORT is allowed */

int	addr_parse_ep(const char *, int, struct addr_ep *, struct sk_err *);

#endif /* ADDR_H */
