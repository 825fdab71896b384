/*
 * The SOCKS endpoint and what every proxy file shares: host names and
 * ports as the proxies carry them, struct socks_addr to and from
 * sockaddrs, SOCKS5's ATYP/address/port encoding (requests, replies and
 * UDP ASSOCIATE datagrams), the reply codes' texts, and a comparison in
 * constant time for credentials.  Pure functions: no I/O.  The protocol
 * state machines are in socks-client.c, socks-server.c and socks-http.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "compat.h"
#include "socks-int.h"
#include "socks.h"

/*
 * Characters of a host name as the proxies carry it: DNS names (with '_'
 * for the names people use anyway) and IP literals.  Nothing that could
 * end a header line or confuse a log.
 */
int
socks_valid_name(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > SOCKS_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr(".-_:", s[i]) == NULL))
			return (0);
	return (1);
}

int
socks_get16(const unsigned char *p)
{
	return (p[0] << 8 | p[1]);
}

/* Strictly decimal 1-65535, no sign, no leading space. */
int
socks_parse_port(const char *s, size_t len)
{
	int	n = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	return (n >= 1 && n <= 65535 ? n : -1);
}

/* ---- endpoints ---- */

/* IP literals become addresses; anything else must look like a name. */
int
socks_addr_set(struct socks_addr *a, const char *host, int port)
{
	size_t	len;

	len = strlen(host);
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, host, a->ip) == 1) {
		a->type = SOCKS_ADDR_IPV4;
		return (0);
	}
	if (inet_pton(AF_INET6, host, a->ip) == 1) {
		a->type = SOCKS_ADDR_IPV6;
		return (0);
	}
	if (!socks_valid_name(host, len))
		return (-1);
	a->type = SOCKS_ADDR_NAME;
	memcpy(a->name, host, len + 1);
	return (0);
}

int
socks_addr_from_sa(struct socks_addr *a, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->type = SOCKS_ADDR_IPV4;
		memcpy(a->ip, &sin->sin_addr, 4);
		a->port = ntohs(sin->sin_port);
		return (0);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->port = ntohs(sin6->sin6_port);
		/*
		 * An IPv4 peer of a dual-stack socket: named as IPv4, which
		 * is what that peer can send to.
		 */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			a->type = SOCKS_ADDR_IPV4;
			memcpy(a->ip, &sin6->sin6_addr.s6_addr[12], 4);
			return (0);
		}
		a->type = SOCKS_ADDR_IPV6;
		memcpy(a->ip, &sin6->sin6_addr, 16);
		return (0);
	default:
		return (-1);
	}
}

/* Names have no sockaddr: -1, resolve them first. */
int
socks_addr_to_sa(const struct socks_addr *a, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(ss, 0, sizeof(*ss));
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
		sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sin->sin_port = htons((uint16_t)a->port);
		*len = sizeof(*sin);
		return (0);
	case SOCKS_ADDR_IPV6:
		sin6 = (struct sockaddr_in6 *)(void *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sin6->sin6_port = htons((uint16_t)a->port);
		*len = sizeof(*sin6);
		return (0);
	default:
		return (-1);
	}
}

/* The host part for messages and logs: "192.0.2.1", "::1", a name. */
const char *
socks_addr_host(const struct socks_addr *a, char *out, size_t len)
{
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
		if (inet_ntop(AF_INET, a->ip, out, (socklen_t)len) == NULL)
			strlcpy(out, "?", len);
		break;
	case SOCKS_ADDR_IPV6:
		if (inet_ntop(AF_INET6, a->ip, out, (socklen_t)len) == NULL)
			strlcpy(out, "?", len);
		break;
	default:
		strlcpy(out, a->name, len);
		break;
	}
	return (out);
}

/* ATYP, address and port as SOCKS5 puts them in requests and replies. */
int
socks_add_s5addr(struct buf *b, const struct socks_addr *a)
{
	unsigned char	hdr[2], port[2];
	size_t		n;

	port[0] = (unsigned char)(a->port >> 8);
	port[1] = (unsigned char)a->port;
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
	case SOCKS_ADDR_IPV6:
		if (buf_addc(b, a->type) == -1 || buf_add(b, a->ip,
		    a->type == SOCKS_ADDR_IPV4 ? 4 : 16) == -1)
			return (-1);
		break;
	default:
		n = strlen(a->name);
		hdr[0] = SOCKS_ADDR_NAME;
		hdr[1] = (unsigned char)n;
		if (buf_add(b, hdr, 2) == -1 || buf_add(b, a->name, n) == -1)
			return (-1);
		break;
	}
	return (buf_add(b, port, 2));
}

/*
 * Parses ATYP, address and port at p: SOCKS_MORE, SOCKS_DONE with *n set,
 * or the SOCKS5 reply code that refuses it.  `strict` refuses names that
 * could not be resolved anyway; a proxy's BND name is only made printable.
 */
int
socks_parse_s5addr(const unsigned char *p, size_t len, struct socks_addr *a,
    size_t *n, int strict)
{
	size_t	alen, i;

	memset(a, 0, sizeof(*a));
	if (len < 1)
		return (SOCKS_MORE);
	switch (p[0]) {
	case SOCKS_ADDR_IPV4:
	case SOCKS_ADDR_IPV6:
		alen = p[0] == SOCKS_ADDR_IPV4 ? 4 : 16;
		if (len < 1 + alen + 2)
			return (SOCKS_MORE);
		a->type = p[0];
		memcpy(a->ip, p + 1, alen);
		a->port = socks_get16(p + 1 + alen);
		*n = 1 + alen + 2;
		return (SOCKS_DONE);
	case SOCKS_ADDR_NAME:
		if (len < 2)
			return (SOCKS_MORE);
		alen = p[1];
		if (len < 2 + alen + 2)
			return (SOCKS_MORE);
		*n = 2 + alen + 2;
		if (strict && !socks_valid_name((const char *)p + 2, alen))
			return (-SOCKS_REP_HOST_UNREACH);
		a->type = SOCKS_ADDR_NAME;
		memcpy(a->name, p + 2, alen);
		a->name[alen] = '\0';
		for (i = 0; i < alen; i++)
			if (!isgraph((unsigned char)a->name[i]))
				a->name[i] = '?';
		a->port = socks_get16(p + 2 + alen);
		return (SOCKS_DONE);
	default:
		return (-SOCKS_REP_ADDRESS_TYPE);
	}
}

/*
 * Runs the steps of a handshake over the unconsumed input until one
 * needs more or has a result; *used is what the steps took.
 */
int
socks_feed(socks_step_fn *step, void *arg, const void *in, size_t len,
    size_t *used, struct buf *out)
{
	const unsigned char	*p = in;
	size_t			 off = 0, n;
	int			 r;

	*used = 0;
	for (;;) {
		n = 0;
		r = step(arg, p + off, len - off, &n, out);
		if (r == SOCKS_MORE)
			return (SOCKS_MORE);
		off += n;
		*used = off;
		if (r != SOCKS_NEXT)
			return (r);
	}
}

/* ---- reply codes ---- */

static const char *const s5_texts[] = {
	"succeeded",
	"general SOCKS server failure",
	"connection not allowed by ruleset",
	"network unreachable",
	"host unreachable",
	"connection refused",
	"TTL expired",
	"command not supported",
	"address type not supported"
};

const char *
socks5_reply_text(int code)
{
	if (code >= 0 && (size_t)code < nitems(s5_texts))
		return (s5_texts[code]);
	return ("unassigned");
}

const char *
socks4_reply_text(int code)
{
	switch (code) {
	case 90:
		return ("request granted");
	case 91:
		return ("request rejected or failed");
	case 92:
		return ("request rejected because SOCKS server cannot "
		    "connect to identd on the client");
	case 93:
		return ("request rejected because the client program and "
		    "identd report different user-ids");
	default:
		return ("unassigned");
	}
}

/* ---- SOCKS5 UDP ---- */

/*
 * RSV RSV FRAG ATYP DST.ADDR DST.PORT DATA: 0 with *hdrlen the header's
 * length, or -1 to drop (fragments, which nobody sends, included).
 */
int
socks5_udp_parse(const void *in, size_t len, struct socks_addr *a,
    size_t *hdrlen)
{
	const unsigned char	*p = in;
	size_t			 n;

	if (len < 4 || p[0] != 0 || p[1] != 0 || p[2] != 0)
		return (-1);
	if (socks_parse_s5addr(p + 3, len - 3, a, &n, 1) != SOCKS_DONE)
		return (-1);
	if (a->port == 0)
		return (-1);
	*hdrlen = 3 + n;
	return (0);
}

/* The header for a datagram from a; out holds SOCKS5_UDP_HDR_MAX. */
size_t
socks5_udp_build(unsigned char *out, const struct socks_addr *a)
{
	size_t	n = 0, alen;

	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = (unsigned char)a->type;
	if (a->type == SOCKS_ADDR_NAME) {
		alen = strlen(a->name);
		out[n++] = (unsigned char)alen;
		memcpy(out + n, a->name, alen);
	} else {
		alen = a->type == SOCKS_ADDR_IPV4 ? 4 : 16;
		memcpy(out + n, a->ip, alen);
	}
	n += alen;
	out[n++] = (unsigned char)(a->port >> 8);
	out[n++] = (unsigned char)a->port;
	return (n);
}

/*
 * Equal in time that depends on the lengths only, not on where the
 * first difference is: for USER:PASSWORD checks.
 */
int
socks_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char	*pa = a, *pb = b;
	volatile unsigned char	 d = 0;
	size_t			 i;

	d |= alen != blen;
	for (i = 0; i < alen; i++)
		d |= pa[i] ^ (blen > 0 ? pb[i % blen] : 0);
	return (d == 0);
}
