/*
 * sockctl proxy's engine: one epoll loop accepting clients, each taken
 * through its handshake (SOCKS5, SOCKS4/4a or HTTP, told apart by the
 * first byte, parsed by the pure socks*.c layer), its credentials, the
 * destination's lookup (proxy-resolve.c), the filter on the addresses
 * found and a non-blocking connect.  A tunnel (SOCKS or HTTP CONNECT)
 * is then handed to forward.c's pair code on the same loop, so it is
 * moved by the same mover with the same half-close and reset rules as
 * forward's pairs; absolute-form HTTP requests go to proxy-http.c and
 * UDP associations to proxy-udp.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl.h"
#include "forward.h"
#include "log.h"
#include "loop.h"
#include "proxy-int.h"
#include "sock.h"
#include "socks.h"
#include "trace-opt.h"
#include "trace.h"

#define CLOSING_MS	2000	/* a refusal waits this long for the EOF */

static void	pconn_io(struct loop_fd *, uint32_t);
static void	pconn_handshake(struct pconn *);
static void	pconn_connect(struct pconn *);
static void	pconn_flush(struct pconn *);

/* The listener is polled only below -m: others wait in the backlog. */
static void
proxy_poll_listener(struct proxy *px)
{
	int	want = px->nconns < px->c->fc.max_conns;

	if (want != px->lpolled &&
	    loop_mod(px->loop, &px->lfd, want ? EPOLLIN : 0) == 0)
		px->lpolled = want;
}

/* The end of a connection; why NULL for a clean one. */
void
pconn_close(struct pconn *c, const char *why)
{
	struct proxy	*px = c->px;

	if (c->state != PS_PAIRED && !(c->served && c->in.len == 0 &&
	    c->method[0] == '\0'))
		pconn_log(c, why);
	loop_timer_cancel(px->loop, &c->timer);
	if (c->lookup != NULL)
		resolver_cancel(c->lookup);
	proxy_http_free(c);
	proxy_udp_free(c);
	if (c->tc != NULL) {
		if (!c->shut)
			trace_fin(c->tc, TRACE_OUT, NULL);
		trace_conn_close(c->tc);
	}
	if (c->creg)
		loop_del(px->loop, &c->cfd);
	if (c->treg)
		loop_del(px->loop, &c->tfd);
	if (c->cfd.fd != -1)
		close(c->cfd.fd);
	if (c->tfd.fd != -1)
		close(c->tfd.fd);
	socks_server_free(&c->s);
	buf_free(&c->in);
	buf_free(&c->out);
	buf_free(&c->tout);
	free(c->addrs);
	free(c->alens);
	LIST_REMOVE(c, entry);
	free(c);
	px->nconns--;
	proxy_poll_listener(px);
}

/*
 * A refusal (or a failed handshake): what s put in out goes to the
 * client, then its write side is shut and what it still sends is read
 * and dropped for a while, so that the close does not reset the reply
 * away.
 */
void
pconn_refuse(struct pconn *c, const char *why)
{
	c->refused = 1;
	if (why != c->why)
		strlcpy(c->why, why, sizeof(c->why));
	if (c->tfd.fd != -1) {
		if (c->treg)
			loop_del(c->px->loop, &c->tfd);
		c->treg = 0;
		close(c->tfd.fd);
		c->tfd.fd = -1;
	}
	c->state = PS_CLOSING;
	c->in.len = 0;
	pconn_touch(c, CLOSING_MS);
	/* Not at once: the callers still hold c.  Writable comes soon. */
	pconn_watch(c, &c->cfd, &c->creg, EPOLLOUT);
}

static void
pconn_closing(struct pconn *c)
{
	char	drop[4096];
	ssize_t	n;

	if (c->out.len > 0 &&
	    pconn_write(c->cfd.fd, &c->out, NULL, c->tc) == -1) {
		pconn_close(c, c->why);
		return;
	}
	if (c->out.len > 0) {
		pconn_watch(c, &c->cfd, &c->creg, EPOLLOUT);
		return;
	}
	if (!c->shut) {
		(void)shutdown(c->cfd.fd, SHUT_WR);
		trace_fin(c->tc, TRACE_OUT, NULL);
		c->shut = 1;
	}
	/* Read and dropped, but read: the trace shows it. */
	while ((n = read(c->cfd.fd, drop, sizeof(drop))) > 0)
		trace_chunk(c->tc, TRACE_IN, drop, (size_t)n, NULL);
	if (n == 0)
		trace_fin(c->tc, TRACE_IN, NULL);
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		pconn_close(c, c->why);
		return;
	}
	pconn_watch(c, &c->cfd, &c->creg, EPOLLIN);
}

/* The credentials the client gave, against every --auth-file line. */
static int
proxy_auth_ok(const struct proxy *px, const struct socks_server *s)
{
	const struct proxy_user *u;
	size_t		 i, ul, pl;
	int		 ok = 0;

	if (!s->has_creds)
		return (0);
	ul = strlen(s->user);
	pl = strlen(s->pass);
	/* Every line, all the way: the time says nothing of which. */
	for (i = 0; i < px->c->nusers; i++) {
		u = &px->c->users[i];
		ok |= socks_ct_equal(s->user, ul, u->user, u->ulen) &
		    socks_ct_equal(s->pass, pl, u->pass, u->plen);
	}
	return (ok);
}

/*
 * A connection or datagram to the unspecified address (0.0.0.0, ::,
 * ::ffff:0.0.0.0) reaches the local host, so it must also pass as the
 * loopback address of its family: --deny-to 127.0.0.0/8 covers 0.0.0.0.
 */
int
proxy_dest_allowed(const struct proxy *px, const struct sockaddr *sa,
    socklen_t len)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	const struct sockaddr_in6 *s6;

	if (px->c->acl_to == NULL)
		return (1);
	if (acl_check(px->c->acl_to, sa, len) != NULL)
		return (0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sa->sa_family == AF_INET) {
		if (((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr.s_addr != htonl(INADDR_ANY))
			return (1);
		return (acl_check(px->c->acl_to, (struct sockaddr *)&sin,
		    sizeof(sin)) == NULL);
	}
	if (sa->sa_family != AF_INET6)
		return (1);
	s6 = (const struct sockaddr_in6 *)(const void *)sa;
	if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) &&
	    memcmp(&s6->sin6_addr.s6_addr[12], "\0\0\0\0", 4) == 0)
		return (acl_check(px->c->acl_to, (struct sockaddr *)&sin,
		    sizeof(sin)) == NULL);
	if (!IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
		return (1);
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	return (acl_check(px->c->acl_to, (struct sockaddr *)&sin6,
	    sizeof(sin6)) == NULL);
}

/*
 * The answer to the request; an error code (or a reply that cannot be
 * built) refuses the client with why, and c is then closing.
 */
static void
pconn_reply(struct pconn *c, int rep, const char *why)
{
	struct sockaddr_storage	 ss;
	struct socks_addr	 bound, *bp = NULL;
	socklen_t		 len = sizeof(ss);

	if (rep == SOCKS_REP_OK && c->tfd.fd != -1 &&
	    getsockname(c->tfd.fd, (struct sockaddr *)&ss, &len) == 0 &&
	    socks_addr_from_sa(&bound, (struct sockaddr *)&ss) == 0)
		bp = &bound;
	if (socks_server_reply(&c->s, rep, bp, &c->out) != SOCKS_DONE) {
		pconn_refuse(c, why != NULL ? why : c->s.err.msg);
		return;
	}
}

/*
 * Keeps an address found, or counts it as denied by --allow-to or
 * --deny-to (which refuses the whole name).
 */
static int
pconn_add_addr(struct pconn *c, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage	*a;
	socklen_t		*l;

	if (!proxy_dest_allowed(c->px, sa, len)) {
		c->denied++;
		return (0);
	}
	if ((a = reallocarray(c->addrs, c->naddrs + 1, sizeof(*a))) == NULL)
		return (-1);
	c->addrs = a;
	if ((l = reallocarray(c->alens, c->naddrs + 1, sizeof(*l))) == NULL)
		return (-1);
	c->alens = l;
	memset(&a[c->naddrs], 0, sizeof(*a));
	memcpy(&a[c->naddrs], sa, len);
	l[c->naddrs] = len;
	c->naddrs++;
	return (0);
}

/*
 * The addresses are known.  A name with any address --allow-to or
 * --deny-to refuses is refused whole, not tried on its other addresses:
 * what a name may reach does not depend on which address answers.
 */
static void
pconn_resolved(struct pconn *c, int found)
{
	if (c->naddrs == 0 || c->denied > 0) {
		if (found) {
			pconn_reply(c, SOCKS_REP_NOT_ALLOWED,
			    "destination not allowed");
		} else {
			pconn_reply(c, SOCKS_REP_ADDRESS_TYPE,
			    "no address of the family asked for");
		}
		return;
	}
	c->cur = 0;
	c->state = PS_CONNECT;
	pconn_touch(c, c->px->c->fc.connect_ms);
	pconn_connect(c);
}

static void
pconn_lookup_done(void *arg, struct lookup *l)
{
	struct pconn	*c = arg;
	struct addrinfo	*ai;
	char		 why[128];
	int		 found = 0;

	c->lookup = NULL;
	if (l->rv != 0) {
		/* The name is on the -v line already. */
		snprintf(why, sizeof(why), "name lookup: %s",
		    gai_strerror(l->rv));
		lookup_free(l);
		pconn_reply(c, SOCKS_REP_HOST_UNREACH, why);
		return;
	}
	for (ai = l->res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		found = 1;
		if (pconn_add_addr(c, ai->ai_addr, ai->ai_addrlen) == -1) {
			lookup_free(l);
			pconn_reply(c, SOCKS_REP_FAILURE, "out of memory");
			return;
		}
	}
	lookup_free(l);
	pconn_resolved(c, found);
}

/* "socks5 CONNECT", "http GET": the method for the -v line. */
static void
pconn_describe(struct pconn *c)
{
	char		 host[SOCKS_NAME_MAX + 1];
	const char	*sp;
	int		 n;

	if (c->s.cmd == SOCKS_CMD_FORWARD) {
		sp = memchr(c->s.head.p, ' ', c->s.head.len);
		n = sp == NULL ? 0 : (int)(sp - c->s.head.p);
		if (n > 16)
			n = 16;
		snprintf(c->method, sizeof(c->method), "http %.*s", n,
		    c->s.head.p);
	} else
		snprintf(c->method, sizeof(c->method), "%s %s",
		    socks_proto_name(c->s.proto),
		    c->s.cmd == SOCKS_CMD_UDP ? "UDP ASSOCIATE" : "CONNECT");
	socks_addr_host(&c->s.dst, host, sizeof(host));
	snprintf(c->dest, sizeof(c->dest), "%s%s%s port %d",
	    c->s.dst.type == SOCKS_ADDR_IPV6 ? "[" : "", host,
	    c->s.dst.type == SOCKS_ADDR_IPV6 ? "]" : "", c->s.dst.port);
}

/* A request to act on: a UDP association, or a destination to reach. */
static void
pconn_request(struct pconn *c)
{
	struct sockaddr_storage	 ss;
	struct socks_addr	 lit;
	socklen_t		 len;
	int			 fam = c->px->c->family;

	pconn_describe(c);
	if (c->s.cmd == SOCKS_CMD_UDP) {
		proxy_udp_start(c);
		return;
	}
	c->state = PS_RESOLVE;
	c->naddrs = 0;
	c->denied = 0;
	/* A literal in a name field needs no lookup. */
	lit = c->s.dst;
	if (lit.type == SOCKS_ADDR_NAME &&
	    socks_addr_set(&lit, c->s.dst.name, c->s.dst.port) == -1)
		lit.type = SOCKS_ADDR_NAME;
	if (lit.type != SOCKS_ADDR_NAME) {
		if (socks_addr_to_sa(&lit, &ss, &len) == -1 ||
		    (fam != AF_UNSPEC && ss.ss_family != fam)) {
			pconn_resolved(c, 0);
			return;
		}
		if (pconn_add_addr(c, (struct sockaddr *)&ss, len) == -1) {
			pconn_reply(c, SOCKS_REP_FAILURE, "out of memory");
			return;
		}
		pconn_resolved(c, 1);
		return;
	}
	pconn_touch(c, c->px->c->fc.connect_ms);
	c->lookup = resolver_start(&c->px->res, lit.name, lit.port, fam,
	    pconn_lookup_done, c);
	if (c->lookup == NULL) {
		snprintf(c->why, sizeof(c->why), "name lookup: %s",
		    strerror(errno));
		pconn_reply(c, SOCKS_REP_FAILURE, c->why);
	}
}

/*
 * Connected: a tunnel gets its reply, and whatever the client sent after
 * its request goes to the destination, before the pair is handed on.
 */
static void
pconn_connected(struct pconn *c)
{
	loop_timer_cancel(c->px->loop, &c->timer);
	pconn_reply(c, SOCKS_REP_OK, NULL);
	if (c->state == PS_CLOSING)
		return;
	if (c->s.cmd == SOCKS_CMD_FORWARD) {
		proxy_http_start(c);
		return;
	}
	if (buf_add(&c->tout, c->in.p, c->in.len) == -1) {
		pconn_close(c, "out of memory");
		return;
	}
	c->in.len = 0;
	c->state = PS_FLUSH;
	pconn_touch(c, c->px->c->handshake_ms);
	pconn_flush(c);
}

static void
pconn_connect_fail(struct pconn *c, int e)
{
	snprintf(c->why, sizeof(c->why), "connect: %s", strerror(e));
	pconn_reply(c, socks_reply_from_errno(e), c->why);
}

static void
pconn_connect_done(struct loop_fd *lf, uint32_t ev)
{
	struct pconn	*c = lf->arg;
	socklen_t	 len = sizeof(int);
	int		 e = 0;

	/* Writable without an error or a hangup: connected, nothing to ask. */
	if ((ev & (EPOLLERR | EPOLLHUP)) != 0 &&
	    getsockopt(lf->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if ((ev & (EPOLLERR | EPOLLHUP)) != 0 && e == 0)
		e = ECONNREFUSED;
	lf->cb = pconn_io;
	if (e == 0) {
		/* Still in the loop: what comes next changes its events. */
		pconn_connected(c);
		return;
	}
	loop_forget(c->px->loop, lf);
	c->treg = 0;
	close(lf->fd);
	lf->fd = -1;
	if (++c->cur < c->naddrs) {
		pconn_touch(c, c->px->c->fc.connect_ms);
		pconn_connect(c);
		return;
	}
	pconn_connect_fail(c, e);
}

/* Tries c->cur and the addresses after it. */
static void
pconn_connect(struct pconn *c)
{
	int	fd, e = ENOENT;

	for (; c->cur < c->naddrs; c->cur++) {
		fd = socket(c->addrs[c->cur].ss_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd == -1) {
			e = errno;
			continue;
		}
		c->tfd.fd = fd;
		c->tfd.cb = pconn_connect_done;
		if (connect(fd, (struct sockaddr *)&c->addrs[c->cur],
		    c->alens[c->cur]) == 0) {
			c->tfd.cb = pconn_io;
			pconn_connected(c);
			return;
		}
		if ((e = errno) == EINPROGRESS) {
			if (loop_add(c->px->loop, &c->tfd, EPOLLOUT) == 0) {
				c->treg = 1;
				return;
			}
			e = errno;
		}
		close(fd);
		c->tfd.fd = -1;
	}
	pconn_connect_fail(c, e);
}

/* A pair forward.c moved has ended. */
static void
pconn_pair_end(void *arg, uint64_t sent, uint64_t received, const char *why)
{
	struct pconn	*c = arg;

	c->sent += sent;
	c->received += received;
	/* forward.c closes both descriptors. */
	c->cfd.fd = c->tfd.fd = -1;
	c->creg = c->treg = 0;
	pconn_log(c, why);
	pconn_close(c, why);
}

/*
 * The reply is out and the early data with the destination: the pair
 * goes to forward.c.  This is the one place a tunnel's pair is set up.
 */
static void
pconn_pair(struct pconn *c)
{
	struct trace_conn *tc = c->tc;
	int		 cfd = c->cfd.fd, tfd = c->tfd.fd, reg;

	loop_timer_cancel(c->px->loop, &c->timer);
	/*
	 * The pair takes the descriptors over in the loop as they are (its
	 * first wait changes their watcher and events in one call each);
	 * what was fetched for ours is forgotten.
	 */
	reg = (c->creg ? FWD_ADOPT_CREG : 0) | (c->treg ? FWD_ADOPT_TREG : 0);
	loop_forget(c->px->loop, &c->cfd);
	loop_forget(c->px->loop, &c->tfd);
	c->creg = c->treg = 0;
	c->state = PS_PAIRED;
	c->tc = NULL;
	/* The client's trace goes on in the pair: one connection. */
	if (forward_adopt(c->px->fwd, cfd, tfd, reg, tc, pconn_pair_end,
	    c) == -1) {
		c->cfd.fd = c->tfd.fd = -1;
		c->state = PS_HANDSHAKE;
		pconn_close(c, "out of memory");
	}
}

static void
pconn_flush(struct pconn *c)
{
	if (pconn_write(c->cfd.fd, &c->out, NULL, c->tc) == -1) {
		snprintf(c->why, sizeof(c->why), "client: %s",
		    strerror(errno));
		pconn_close(c, c->why);
		return;
	}
	if (pconn_write(c->tfd.fd, &c->tout, &c->sent, NULL) == -1) {
		snprintf(c->why, sizeof(c->why), "destination: %s",
		    strerror(errno));
		pconn_close(c, c->why);
		return;
	}
	if (c->out.len == 0 && c->tout.len == 0) {
		pconn_pair(c);
		return;
	}
	pconn_watch(c, &c->cfd, &c->creg, c->out.len > 0 ? EPOLLOUT : 0);
	pconn_watch(c, &c->tfd, &c->treg, c->tout.len > 0 ? EPOLLOUT : 0);
}

/* Feeds the parser what the client sent; acts on what it decides. */
static void
pconn_handshake(struct pconn *c)
{
	size_t	used;
	int	r;

	for (;;) {
		used = 0;
		r = socks_server_input(&c->s, c->in.p, c->in.len, &used,
		    &c->out);
		if (used > 0) {
			memmove(c->in.p, c->in.p + used, c->in.len - used);
			c->in.len -= used;
		}
		if (r != SOCKS_AUTH)
			break;
		r = socks_server_auth(&c->s, proxy_auth_ok(c->px, &c->s),
		    &c->out);
		if (r == SOCKS_REQUEST)
			break;
		if (r == SOCKS_ERROR) {
			if (c->s.cmd != 0)
				pconn_describe(c);
			break;
		}
	}
	switch (r) {
	case SOCKS_REQUEST:
		pconn_request(c);
		return;
	case SOCKS_ERROR:
		pconn_refuse(c, c->s.err.msg);
		return;
	default:
		break;
	}
	if (c->out.len > 0 &&
	    pconn_write(c->cfd.fd, &c->out, NULL, c->tc) == -1) {
		pconn_close(c, strerror(errno));
		return;
	}
	/* The parser decides within SOCKS_INPUT_MAX: never wait when full. */
	if (c->in.len >= SOCKS_INPUT_MAX) {
		pconn_refuse(c, "handshake too long");
		return;
	}
	if (c->ceof) {
		pconn_close(c, c->in.len > 0 || c->s.proto != SOCKS_PROTO_NONE ?
		    "client closed during the handshake" : NULL);
		return;
	}
	pconn_watch(c, &c->cfd, &c->creg, c->out.len > 0 ? EPOLLOUT :
	    EPOLLIN);
}

/* After a forwarded request, the next on the same connection. */
void
pconn_next_request(struct pconn *c)
{
	socks_server_next(&c->s);
	/* Its end between requests is no request of its own: no -v line. */
	c->served = 1;
	c->method[0] = c->dest[0] = c->why[0] = '\0';
	c->sent = c->received = 0;
	c->start = loop_now();
	c->state = PS_HANDSHAKE;
	free(c->addrs);
	free(c->alens);
	c->addrs = NULL;
	c->alens = NULL;
	c->naddrs = 0;
	pconn_touch(c, c->px->c->handshake_ms);
	pconn_handshake(c);
}

static void
pconn_io(struct loop_fd *lf, uint32_t ev)
{
	struct pconn	*c = lf->arg;
	struct tracer	*tr = c->px->c->fc.tracer;

	(void)ev;
	switch (c->state) {
	case PS_HANDSHAKE:
		if (pconn_read(c->cfd.fd, &c->in, SOCKS_INPUT_MAX, &c->ceof,
		    c->tc) == -1)
			pconn_close(c, strerror(errno));
		else
			pconn_handshake(c);
		break;
	case PS_CLOSING:
		pconn_closing(c);
		break;
	case PS_FLUSH:
		pconn_flush(c);
		break;
	case PS_HTTP:
		proxy_http_io(c);
		break;
	case PS_UDP:
		proxy_udp_ctl(c);
		break;
	default:
		/* Resolving or connecting: the client waits its turn. */
		pconn_watch(c, &c->cfd, &c->creg, 0);
		break;
	}
	/* Written before the loop waits (c may be gone by now). */
	trace_flush(tr);
}

static void
pconn_timer(struct loop_timer *t)
{
	struct pconn	*c = t->arg;

	switch (c->state) {
	case PS_HANDSHAKE:
		pconn_close(c, c->in.len > 0 || c->s.proto != SOCKS_PROTO_NONE ?
		    "handshake timed out" : "idle timeout");
		return;
	case PS_RESOLVE:
	case PS_CONNECT:
		snprintf(c->why, sizeof(c->why), "%s timed out",
		    c->state == PS_RESOLVE ? "name lookup" : "connect");
		if (c->lookup != NULL) {
			resolver_cancel(c->lookup);
			c->lookup = NULL;
		}
		pconn_reply(c, SOCKS_REP_TIMEOUT, c->why);
		return;
	case PS_CLOSING:
		pconn_close(c, c->why);
		return;
	default:
		pconn_close(c, "idle timeout");
		return;
	}
}

static void
proxy_accept(struct loop_fd *lf, uint32_t ev)
{
	struct proxy	*px = lf->arg;
	struct pconn	*c;
	struct sock_name n;
	int		 fd, i;

	(void)ev;
	for (i = 0; i < 64 && px->nconns < px->c->fc.max_conns; i++) {
		if ((fd = sock_accept(lf->fd, px->acceptor)) == -1) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_verbose(1, "accept: %s", strerror(errno));
			return;
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			log_verbose(1, "accept: out of memory");
			close(fd);
			return;
		}
		c->px = px;
		c->cfd.fd = fd;
		c->cfd.cb = pconn_io;
		c->cfd.arg = c;
		c->tfd.fd = -1;
		c->tfd.cb = pconn_io;
		c->tfd.arg = c;
		c->timer.cb = pconn_timer;
		c->timer.arg = c;
		c->start = loop_now();
		c->id = ++px->nextid;
		c->tc = traceopt_tcp(px->c->fc.tracer, c->id, TRACE_IN, fd);
		socks_server_init(&c->s, px->c->users != NULL);
		/* The name is for the -v line only: no syscall without. */
		if (log_verbosity < 1)
			c->client[0] = '\0';
		else if (sock_peer_name(fd, &n) == -1)
			strlcpy(c->client, "(unknown)", sizeof(c->client));
		else
			snprintf(c->client, sizeof(c->client), "%s port %d",
			    n.host, n.port);
		LIST_INSERT_HEAD(&px->conns, c, entry);
		px->nconns++;
		proxy_poll_listener(px);
		pconn_touch(c, px->c->handshake_ms);
		pconn_watch(c, &c->cfd, &c->creg, EPOLLIN);
	}
}

int
proxy_run(const struct proxy_server_conf *pc, struct sk_err *err)
{
	struct proxy		 px;
	struct sock_acceptor	 acceptor;
	struct pconn		*c, *next;
	int			 rv = -1;

	memset(&px, 0, sizeof(px));
	px.c = pc;
	LIST_INIT(&px.conns);
	px.res.fd[0] = px.res.fd[1] = -1;
	px.res.max = pc->fc.max_conns;
	if ((px.loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	sock_acceptor_init(&acceptor);
	acceptor.acl = pc->fc.acl;
	px.acceptor = &acceptor;
	if ((px.fwd = forward_host_new(px.loop, &pc->fc)) == NULL) {
		err_set(err, "out of memory");
		goto out;
	}
	if (resolver_init(&px.res, px.loop, err) == -1 ||
	    forward_watch(px.loop, &pc->fc, &px.lfd, proxy_accept, &px,
	    &px.sig, err) == -1)
		goto out;
	px.lpolled = 1;
	if (loop_run(px.loop) == -1)
		err_set(err, "epoll_wait: %s", strerror(errno));
	else
		rv = 0;
out:
	for (c = LIST_FIRST(&px.conns); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		if (c->state != PS_PAIRED)
			pconn_close(c, "stopped");
	}
	/* Pairs end through pconn_pair_end, which closes their pconn. */
	forward_host_free(px.fwd);
	while ((c = LIST_FIRST(&px.conns)) != NULL)
		pconn_close(c, "stopped");
	sock_acceptor_free(&acceptor);
	/*
	 * The lookup pipe stays open: a lookup thread still running writes
	 * to it when it finishes, and the process ends soon.
	 */
	loop_free(px.loop);
	return (rv);
}
