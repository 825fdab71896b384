/*
 * sockctl proxy's SOCKS5 UDP ASSOCIATE: a UDP socket per association,
 * bound to the address the client reached the proxy on.  Datagrams
 * from the client (its TCP peer address; the port it named, or the
 * first one it sends from) carry RFC 1928's header: it is taken off,
 * the destination checked as a CONNECT's would be, and the payload
 * sent on.  Datagrams from a destination the client has sent to come
 * back to the client with a header naming their source; any others are
 * dropped.  The association lives as long as its TCP connection (and
 * -i, when given, without datagrams).  Destinations of the other
 * address family are reached from a second socket of that family,
 * opened when first needed.  Fragments are dropped, as are datagrams to
 * a name while another name is being looked up.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "proxy-int.h"
#include "socks.h"
#include "trace.h"

#define UDP_PEERS	16	/* destinations replies are taken from */
#define UDP_BATCH	64	/* datagrams per readiness event */
#define UDP_MAX		65535

struct udp_peer {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

struct pudp {
	struct loop_fd	 ufd;
	int		 ureg;
	struct loop_fd	 ofd;		/* the other family's, or -1 */
	int		 oreg;
	struct sockaddr_storage client;	/* where the client sends from */
	socklen_t	 clen;
	int		 have_port;	/* the client's port is known */
	struct udp_peer	 peers[UDP_PEERS];
	size_t		 npeers;
	size_t		 next;
	/* The last name looked up, and one datagram waiting for a lookup. */
	char		 name[SOCKS_NAME_MAX + 1];
	int		 nport;
	struct udp_peer	 naddr;
	unsigned char	*held;
	size_t		 heldlen;
	struct trace_conn *tc;		/* --trace etc.: the client's side */
};

/*
 * Datagrams are read SOCKS5_UDP_HDR_MAX bytes in, so that a reply's
 * header goes in front of its payload in place: one buffer to send, and
 * to trace.
 */
static unsigned char	dgram[SOCKS5_UDP_HDR_MAX + UDP_MAX];

void
proxy_udp_free(struct pconn *c)
{
	struct pudp	*u = c->udp;

	if (u == NULL)
		return;
	if (u->ureg)
		loop_del(c->px->loop, &u->ufd);
	if (u->ufd.fd != -1)
		close(u->ufd.fd);
	if (u->oreg)
		loop_del(c->px->loop, &u->ofd);
	if (u->ofd.fd != -1)
		close(u->ofd.fd);
	trace_conn_close(u->tc);
	free(u->held);
	free(u);
	c->udp = NULL;
}

/* Same address (and port, if port is set); IPv4-mapped as IPv4. */
static int
sa_same(const struct sockaddr_storage *a, const struct sockaddr_storage *b,
    int port)
{
	struct socks_addr	x, y;

	if (socks_addr_from_sa(&x, (const struct sockaddr *)a) == -1 ||
	    socks_addr_from_sa(&y, (const struct sockaddr *)b) == -1)
		return (0);
	if (x.type != y.type ||
	    memcmp(x.ip, y.ip, x.type == SOCKS_ADDR_IPV4 ? 4 : 16) != 0)
		return (0);
	return (!port || x.port == y.port);
}

static void	udp_io(struct loop_fd *, uint32_t);

/*
 * The socket to send to family from: the relay socket, or for the
 * other family one of its own (bound by the kernel on the first send),
 * whose replies udp_io takes like the relay socket's; -1 on failure.
 */
static int
udp_sock(struct pconn *c, int family)
{
	struct pudp	*u = c->udp;

	if (family == u->client.ss_family)
		return (u->ufd.fd);
	if (u->ofd.fd != -1)
		return (u->ofd.fd);
	if ((u->ofd.fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	u->ofd.cb = udp_io;
	u->ofd.arg = c;
	if (loop_add(c->px->loop, &u->ofd, EPOLLIN) == -1) {
		close(u->ofd.fd);
		u->ofd.fd = -1;
		return (-1);
	}
	u->oreg = 1;
	return (u->ofd.fd);
}

/* Sends a client's payload to sa, remembering sa for its replies. */
static void
udp_send(struct pconn *c, const struct sockaddr_storage *ss, socklen_t len,
    const unsigned char *p, size_t n)
{
	struct pudp	*u = c->udp;
	size_t		 i;
	int		 fd;

	if ((c->px->c->family != AF_UNSPEC &&
	    ss->ss_family != c->px->c->family) ||
	    !proxy_dest_allowed(c->px, (const struct sockaddr *)ss, len) ||
	    (fd = udp_sock(c, ss->ss_family)) == -1)
		return;
	if (sendto(fd, p, n, 0, (const struct sockaddr *)ss, len) == -1)
		return;
	c->sent += n;
	for (i = 0; i < u->npeers; i++)
		if (sa_same(&u->peers[i].ss, ss, 1))
			return;
	i = u->npeers < UDP_PEERS ? u->npeers++ : u->next++ % UDP_PEERS;
	u->peers[i].ss = *ss;
	u->peers[i].len = len;
}

/*
 * The address a datagram to a name goes to: its first, as a CONNECT's
 * would; NULL (the datagram is dropped) when the lookup failed or when
 * --allow-to/--deny-to refuses any of its addresses, as for a CONNECT.
 */
static struct addrinfo *
udp_first_addr(struct pconn *c, struct lookup *l)
{
	struct addrinfo	*ai, *first = NULL;

	if (l->rv != 0)
		return (NULL);
	for (ai = l->res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!proxy_dest_allowed(c->px, ai->ai_addr, ai->ai_addrlen))
			return (NULL);
		if (first == NULL)
			first = ai;
	}
	return (first);
}

static void
udp_lookup_done(void *arg, struct lookup *l)
{
	struct pconn	*c = arg;
	struct pudp	*u = c->udp;
	struct addrinfo	*ai;

	c->lookup = NULL;
	if ((ai = udp_first_addr(c, l)) != NULL) {
		strlcpy(u->name, l->host, sizeof(u->name));
		u->nport = (int)strtol(l->serv, NULL, 10);
		memset(&u->naddr, 0, sizeof(u->naddr));
		memcpy(&u->naddr.ss, ai->ai_addr, ai->ai_addrlen);
		u->naddr.len = ai->ai_addrlen;
		if (u->held != NULL)
			udp_send(c, &u->naddr.ss, u->naddr.len, u->held,
			    u->heldlen);
	}
	free(u->held);
	u->held = NULL;
	lookup_free(l);
}

/* A datagram from the client: the header off, the payload on. */
static void
udp_from_client(struct pconn *c, const unsigned char *p, size_t n)
{
	struct pudp		*u = c->udp;
	struct socks_addr	 dst, lit;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	size_t			 hl;

	if (socks5_udp_parse(p, n, &dst, &hl) == -1)
		return;
	lit = dst;
	if (dst.type == SOCKS_ADDR_NAME &&
	    socks_addr_set(&lit, dst.name, dst.port) == -1)
		return;
	if (lit.type != SOCKS_ADDR_NAME) {
		if (socks_addr_to_sa(&lit, &ss, &len) == 0)
			udp_send(c, &ss, len, p + hl, n - hl);
		return;
	}
	if (strcmp(u->name, lit.name) == 0 && u->nport == lit.port) {
		udp_send(c, &u->naddr.ss, u->naddr.len, p + hl, n - hl);
		return;
	}
	if (c->lookup != NULL)
		return;
	if ((u->held = malloc(n - hl + 1)) == NULL)
		return;
	memcpy(u->held, p + hl, n - hl);
	u->heldlen = n - hl;
	c->lookup = resolver_start(&c->px->res, lit.name, lit.port,
	    c->px->c->family, udp_lookup_done, c);
	if (c->lookup == NULL) {
		free(u->held);
		u->held = NULL;
	}
}

/*
 * A datagram from a destination: back to the client, headed.  The
 * header goes in the SOCKS5_UDP_HDR_MAX bytes in front of p.
 */
static void
udp_to_client(struct pconn *c, const struct sockaddr_storage *from,
    unsigned char *p, size_t n)
{
	struct pudp		*u = c->udp;
	struct socks_addr	 src;
	unsigned char		 hdr[SOCKS5_UDP_HDR_MAX];
	size_t			 i, hl;

	if (!u->have_port)
		return;
	for (i = 0; i < u->npeers; i++)
		if (sa_same(&u->peers[i].ss, from, 1))
			break;
	if (i == u->npeers ||
	    socks_addr_from_sa(&src, (const struct sockaddr *)from) == -1)
		return;
	hl = socks5_udp_build(hdr, &src);
	memcpy(p - hl, hdr, hl);
	if (sendto(u->ufd.fd, p - hl, hl + n, 0,
	    (struct sockaddr *)&u->client, u->clen) == -1)
		return;
	c->received += n;
	trace_dgram(u->tc, TRACE_OUT, p - hl, hl + n,
	    (struct sockaddr *)&u->client, u->clen, NULL);
}

static void
udp_io(struct loop_fd *lf, uint32_t ev)
{
	struct pconn		*c = lf->arg;
	struct pudp		*u = c->udp;
	struct sockaddr_storage	 from;
	socklen_t		 flen;
	unsigned char		*p = dgram + SOCKS5_UDP_HDR_MAX;
	ssize_t			 n;
	int			 i, moved = 0;

	(void)ev;
	for (i = 0; i < UDP_BATCH; i++) {
		flen = sizeof(from);
		n = recvfrom(lf->fd, p, UDP_MAX, 0,
		    (struct sockaddr *)&from, &flen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		moved = 1;
		if (lf == &u->ufd && sa_same(&from, &u->client,
		    u->have_port)) {
			if (!u->have_port) {
				memcpy(&u->client, &from, flen);
				u->clen = flen;
				u->have_port = 1;
			}
			trace_dgram(u->tc, TRACE_IN, p, (size_t)n,
			    (struct sockaddr *)&from, flen, NULL);
			udp_from_client(c, p, (size_t)n);
		} else
			udp_to_client(c, &from, p, (size_t)n);
	}
	if (moved)
		pconn_touch(c, c->px->c->fc.idle_ms);
	trace_flush(c->px->c->fc.tracer);
}

/* The TCP connection: the association ends with it. */
void
proxy_udp_ctl(struct pconn *c)
{
	char	drop[512];
	ssize_t	n;

	if (c->out.len > 0 &&
	    pconn_write(c->cfd.fd, &c->out, NULL, c->tc) == -1) {
		pconn_close(c, strerror(errno));
		return;
	}
	while ((n = read(c->cfd.fd, drop, sizeof(drop))) > 0)
		trace_chunk(c->tc, TRACE_IN, drop, (size_t)n, NULL);
	if (n == 0) {
		trace_fin(c->tc, TRACE_IN, NULL);
		pconn_close(c, NULL);
		return;
	}
	if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
		pconn_close(c, strerror(errno));
		return;
	}
	pconn_watch(c, &c->cfd, &c->creg, c->out.len > 0 ? EPOLLOUT :
	    EPOLLIN);
}

/* The relay socket, beside the address the client came in on. */
void
proxy_udp_start(struct pconn *c)
{
	struct pudp		*u;
	struct sockaddr_storage	 ss;
	struct socks_addr	 bound;
	socklen_t		 len = sizeof(ss);
	char			 why[128];

	if ((u = calloc(1, sizeof(*u))) == NULL) {
		pconn_close(c, "out of memory");
		return;
	}
	c->udp = u;
	u->ufd.fd = -1;
	u->ofd.fd = -1;
	u->clen = sizeof(u->client);
	if (getpeername(c->cfd.fd, (struct sockaddr *)&u->client,
	    &u->clen) == -1 ||
	    getsockname(c->cfd.fd, (struct sockaddr *)&ss, &len) == -1)
		goto fail;
	/* The port the client named, if any, is the only one let in. */
	if (c->s.dst.port != 0) {
		if (u->client.ss_family == AF_INET)
			((struct sockaddr_in *)(void *)&u->client)->sin_port =
			    htons((uint16_t)c->s.dst.port);
		else
			((struct sockaddr_in6 *)(void *)&u->client)->
			    sin6_port = htons((uint16_t)c->s.dst.port);
		u->have_port = 1;
	}
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&ss)->sin_port = 0;
	else
		((struct sockaddr_in6 *)(void *)&ss)->sin6_port = 0;
	if ((u->ufd.fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    bind(u->ufd.fd, (struct sockaddr *)&ss, len) == -1)
		goto fail;
	len = sizeof(ss);
	if (getsockname(u->ufd.fd, (struct sockaddr *)&ss, &len) == -1 ||
	    socks_addr_from_sa(&bound, (struct sockaddr *)&ss) == -1)
		goto fail;
	u->tc = trace_udp_open(c->px->c->fc.tracer, c->id,
	    (struct sockaddr *)&ss, len, 0);
	u->ufd.cb = udp_io;
	u->ufd.arg = c;
	if (loop_add(c->px->loop, &u->ufd, EPOLLIN) == -1)
		goto fail;
	u->ureg = 1;
	if (socks_server_reply(&c->s, SOCKS_REP_OK, &bound, &c->out) !=
	    SOCKS_DONE) {
		pconn_refuse(c, c->s.err.msg);
		return;
	}
	c->state = PS_UDP;
	pconn_touch(c, c->px->c->fc.idle_ms);
	proxy_udp_ctl(c);
	return;
fail:
	snprintf(why, sizeof(why), "UDP relay: %s", strerror(errno));
	proxy_udp_free(c);
	(void)socks_server_reply(&c->s, SOCKS_REP_FAILURE, NULL, &c->out);
	pconn_refuse(c, why);
}
