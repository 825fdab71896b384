/*
 * The PROXY protocol header (haproxy's proxy-protocol.txt) that forward
 * sends to the target before any data: version 1 is one text line,
 * version 2 a binary block.  A client that is not TCP over IPv4 or IPv6
 * (a Unix socket) is sent as "UNKNOWN" (v1) or LOCAL/UNSPEC (v2), which
 * tells the target to use the connection's own addresses.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "forward.h"

static const unsigned char proxy_v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54,
	0x0a
};

/* An IPv4-mapped IPv6 address becomes the IPv4 address it maps. */
static void
proxy_unmap(struct sockaddr_storage *ss)
{
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in	 sin;

	if (ss->ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = s6->sin6_port;
	memcpy(&sin.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
	memcpy(ss, &sin, sizeof(sin));
}

static int
proxy_v1(const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, char *buf, size_t len)
{
	const struct sockaddr_in  *s4 = (const void *)src;
	const struct sockaddr_in  *d4 = (const void *)dst;
	const struct sockaddr_in6 *s6 = (const void *)src;
	const struct sockaddr_in6 *d6 = (const void *)dst;
	char	 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	int	 n;

	if (src->ss_family == AF_INET && dst->ss_family == AF_INET)
		n = snprintf(buf, len, "PROXY TCP4 %s %s %u %u\r\n",
		    inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a)),
		    inet_ntop(AF_INET, &d4->sin_addr, b, sizeof(b)),
		    ntohs(s4->sin_port), ntohs(d4->sin_port));
	else if (src->ss_family == AF_INET6 && dst->ss_family == AF_INET6)
		n = snprintf(buf, len, "PROXY TCP6 %s %s %u %u\r\n",
		    inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a)),
		    inet_ntop(AF_INET6, &d6->sin6_addr, b, sizeof(b)),
		    ntohs(s6->sin6_port), ntohs(d6->sin6_port));
	else
		n = snprintf(buf, len, "PROXY UNKNOWN\r\n");
	return (n < 0 || (size_t)n >= len ? -1 : n);
}

static int
proxy_v2(const struct sockaddr_storage *src,
    const struct sockaddr_storage *dst, char *buf, size_t len)
{
	const struct sockaddr_in  *s4 = (const void *)src;
	const struct sockaddr_in  *d4 = (const void *)dst;
	const struct sockaddr_in6 *s6 = (const void *)src;
	const struct sockaddr_in6 *d6 = (const void *)dst;
	unsigned char	*p = (unsigned char *)buf;
	size_t		 alen;

	if (len < 16 + 36)
		return (-1);
	memcpy(p, proxy_v2_sig, sizeof(proxy_v2_sig));
	if (src->ss_family == AF_INET && dst->ss_family == AF_INET) {
		p[12] = 0x21;		/* version 2, PROXY */
		p[13] = 0x11;		/* AF_INET, STREAM */
		alen = 12;
		memcpy(p + 16, &s4->sin_addr, 4);
		memcpy(p + 20, &d4->sin_addr, 4);
		memcpy(p + 24, &s4->sin_port, 2);
		memcpy(p + 26, &d4->sin_port, 2);
	} else if (src->ss_family == AF_INET6 && dst->ss_family == AF_INET6) {
		p[12] = 0x21;
		p[13] = 0x21;		/* AF_INET6, STREAM */
		alen = 36;
		memcpy(p + 16, &s6->sin6_addr, 16);
		memcpy(p + 32, &d6->sin6_addr, 16);
		memcpy(p + 48, &s6->sin6_port, 2);
		memcpy(p + 50, &d6->sin6_port, 2);
	} else {
		p[12] = 0x20;		/* version 2, LOCAL */
		p[13] = 0x00;		/* UNSPEC */
		alen = 0;
	}
	p[14] = (unsigned char)(alen >> 8);
	p[15] = (unsigned char)alen;
	return ((int)(16 + alen));
}

int
forward_proxy_header(int fd, int version, char *buf, size_t len)
{
	struct sockaddr_storage	 src, dst;
	socklen_t		 sl = sizeof(src), dl = sizeof(dst);

	if (getpeername(fd, (struct sockaddr *)&src, &sl) == -1 ||
	    getsockname(fd, (struct sockaddr *)&dst, &dl) == -1)
		return (-1);
	proxy_unmap(&src);
	proxy_unmap(&dst);
	return (version == 1 ? proxy_v1(&src, &dst, buf, len) :
	    proxy_v2(&src, &dst, buf, len));
}
