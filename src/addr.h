/*
 * Pure parsers for what users type as addresses: hosts, ports, port lists,
 * Unix socket paths and durations.  Each returns NULL on success or a short
 * reason ("too large (0-65535)") that the caller puts after the value.
 */
#ifndef ADDR_H
#define ADDR_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <stddef.h>

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

const char *addr_parse_port(const char *, int *);
const char *addr_parse_port_list(const char *, struct port_list *);
void	    addr_free_port_list(struct port_list *);
const char *addr_parse_host(const char *, char *, size_t);
const char *addr_parse_endpoint(const char *, char *, size_t, int *,
	    size_t *);
const char *addr_parse_unix(const char *, struct sockaddr_un *, socklen_t *);
const char *addr_parse_duration(const char *, long long *);

#endif /* ADDR_H */
