/*
 * UDP socket options: multicast groups (parsing "ADDR%IFNAME" and
 * joining), the TTL or hop limit, and the interface IPv4 multicast
 * leaves by.  Declared in sock.h with the other socket helpers.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <string.h>

#include "log.h"
#include "sock.h"

/*
 * Parses a multicast group, "ADDR" or "ADDR%IFNAME".  The message says
 * only what is wrong ("not a multicast address"): the caller names the
 * option.
 */
int
sock_group_parse(const char *s, struct sock_group *g, struct sk_err *err)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
	char			*pct;

	memset(g, 0, sizeof(*g));
	g->name = s;
	sin = (struct sockaddr_in *)&g->addr;
	sin6 = (struct sockaddr_in6 *)&g->addr;
	if (strlcpy(addr, s, sizeof(addr)) >= sizeof(addr)) {
		err_set(err, "too long");
		return (-1);
	}
	if ((pct = strchr(addr, '%')) != NULL) {
		*pct++ = '\0';
		if ((g->ifindex = if_nametoindex(pct)) == 0) {
			err_set(err, "no such interface");
			return (-1);
		}
	}
	if (inet_pton(AF_INET, addr, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1)
		sin6->sin6_family = AF_INET6;
	else {
		err_set(err, "not an IP address");
		return (-1);
	}
	if (!sock_is_multicast((struct sockaddr *)&g->addr)) {
		err_set(err, "not a multicast address");
		return (-1);
	}
	return (0);
}

/* Joins on the interface the group names, or where the kernel routes it. */
int
sock_join_group(int fd, const struct sock_group *g, struct sk_err *err)
{
	struct ip_mreqn		 mr4;
	struct ipv6_mreq	 mr6;
	int			 r;

	if (g->addr.ss_family == AF_INET) {
		memset(&mr4, 0, sizeof(mr4));
		mr4.imr_multiaddr =
		    ((const struct sockaddr_in *)&g->addr)->sin_addr;
		mr4.imr_ifindex = (int)g->ifindex;
		r = setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr4,
		    sizeof(mr4));
	} else {
		memset(&mr6, 0, sizeof(mr6));
		mr6.ipv6mr_multiaddr =
		    ((const struct sockaddr_in6 *)&g->addr)->sin6_addr;
		mr6.ipv6mr_interface = g->ifindex;
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr6,
		    sizeof(mr6));
	}
	if (r == -1)
		err_set(err, "join %s: %s", g->name, strerror(errno));
	return (r);
}

int
sock_is_multicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (IN_MULTICAST(ntohl(
		    ((const struct sockaddr_in *)sa)->sin_addr.s_addr)));
	if (sa->sa_family == AF_INET6)
		return (IN6_IS_ADDR_MULTICAST(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr));
	return (0);
}

/*
 * Sets both the unicast TTL and the multicast hop limit of a socket of
 * the given family to ttl.  IPv4 has no unicast TTL 0, where multicast
 * TTL 0 means "this host only": 0 sets the multicast one alone.
 */
int
sock_set_ttl(int fd, int family, int ttl, struct sk_err *err)
{
	int	r = 0;

	if (family == AF_INET)
		r = (ttl > 0 && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl,
		    sizeof(ttl)) == -1) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		    sizeof(ttl)) == -1 ? -1 : 0;
	else if (family == AF_INET6)
		r = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ? -1 : 0;
	if (r == -1)
		err_set(err, "setsockopt: %s", strerror(errno));
	return (r);
}

/*
 * IPv4 multicast leaves by the interface of the source address src (-s),
 * when that is an IPv4 address; anything else leaves the kernel's choice.
 */
int
sock_set_mcast_if(int fd, const char *src, struct sk_err *err)
{
	struct in_addr	ifaddr;

	if (src == NULL || inet_pton(AF_INET, src, &ifaddr) != 1)
		return (0);
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr,
	    sizeof(ifaddr)) == -1) {
		err_set(err, "setsockopt: %s", strerror(errno));
		return (-1);
	}
	return (0);
}
