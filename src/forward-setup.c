/*
 * forward: each side of a new pair made ready for the relay on the loop,
 * never blocking the other pairs.  The client's side: the TLS handshake
 * (--tls), bounded to FWD_HS_MS.  The target's: the connect, trying each
 * address, then the proxy's handshake (-x), the PROXY header and the TLS
 * handshake (--tls-to), all within -w of the connect (without -w, the
 * handshakes within FWD_HS_MS of it).  A side that fails
 * closes that pair only, with the -v line saying why in connect's words;
 * once both are ready, the relay starts (forward.c).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "forward-int.h"
#include "forward.h"
#include "log.h"
#include "loop.h"
#include "sock.h"
#include "tls.h"
#include "trace.h"
#include "xfer.h"

#define FWD_HDR_MAX	232	/* the longest PROXY header (v1: 107) */

/* What a side that is not ready yet failed at, as the -v line says it. */
void
pair_setup_fail(struct pair *p, int client, const char *what)
{
	char	 msg[2048], name[NI_MAXHOST + 16];

	if (client)
		snprintf(msg, sizeof(msg), "TLS handshake with %s: %s",
		    p->client.host, what);
	else if (p->tstage == TS_CONNECT)
		snprintf(msg, sizeof(msg), "connect%s: %s",
		    p->f->c->px != NULL ? " to proxy" : "", what);
	else if (p->tstage == TS_PROXY) {
		forward_dest_name(&p->f->c->dest[p->dest], name,
		    sizeof(name));
		snprintf(msg, sizeof(msg), "proxy %s: %s", name, what);
	} else
		snprintf(msg, sizeof(msg), "TLS handshake with %s: %s",
		    p->f->c->target, what);
	pair_close(p, 0, msg);
}

/* The timer of a pair setting up: the nearer of its sides' deadlines. */
void
pair_setup_timer(struct pair *p)
{
	long long	when = 0;

	if (!p->cready && p->c_deadline != 0)
		when = p->c_deadline;
	if (!p->tready && p->t_deadline != 0 &&
	    (when == 0 || p->t_deadline < when))
		when = p->t_deadline;
	if (when == 0)
		loop_timer_cancel(p->f->loop, &p->timer);
	else
		loop_timer_set(p->f->loop, &p->timer, when - loop_now());
}


/* Sends the PROXY header on a fresh connection: its buffer is empty. */
static const char *
pair_send_header(struct pair *p)
{
	char	 hdr[FWD_HDR_MAX];
	int	 n;
	ssize_t	 w;

	if ((n = forward_proxy_header(p->cfd.fd, p->f->c->proxy, hdr,
	    sizeof(hdr))) == -1)
		return ("PROXY header: cannot name the client");
	while ((w = send(p->tfd.fd, hdr, (size_t)n, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		continue;
	if (w == -1)
		return (strerror(errno));
	if (w != n)
		return ("PROXY header: short write");
	return (NULL);
}

/*
 * Both sides are set up: the relay starts.  Whatever either side sent
 * early waits in its socket (or inside TLS) for the first step.
 */
void
pair_ready(struct pair *p)
{
	struct fwd	*f = p->f;
	struct xfer_conf xc;
	struct sk_err	 err;

	p->connecting = 0;
	loop_timer_cancel(f->loop, &p->timer);
	p->cfd.cb = p->tfd.cb = pair_io;
	memset(&xc, 0, sizeof(xc));
	xc.flags = XFER_SRC_SOCK | XFER_SOCKETS;
	xc.pipes = &f->pipes;
	xc.src = p->cfd.fd;
	xc.dst = p->tfd.fd;
	xc.src_tls = p->ctls;
	xc.dst_tls = p->ttls;
	/* Traced: the client's side, "<" what it sent, ">" what it got. */
	if (p->tc == NULL)
		p->tc = traceopt_tcp(f->c->tracer, p->id, TRACE_IN,
		    p->cfd.fd);
	traceopt_tap_conf(&p->up_tap, p->tc, XFER_TAP_READ, TRACE_IN, &xc);
	if (xfer_init(&p->up, &xc, &err) == -1) {
		pair_close(p, 1, err.msg);
		return;
	}
	xc.src = p->tfd.fd;
	xc.dst = p->cfd.fd;
	xc.src_tls = p->ttls;
	xc.dst_tls = p->ctls;
	xc.tap = NULL;
	xc.tap_arg = NULL;
	xc.tap_data = 0;
	traceopt_tap_conf(&p->down_tap, p->tc, XFER_TAP_WRITE, TRACE_OUT,
	    &xc);
	if (xfer_init(&p->down, &xc, &err) == -1) {
		pair_close(p, 1, err.msg);
		return;
	}
	pair_touch(p);
	/*
	 * Most clients speak first, and have by now: their bytes go at
	 * once rather than after another turn of the loop (a read that
	 * finds nothing costs one EAGAIN).
	 */
	if (p->ctls == NULL) {
		pair_io(&p->cfd, EPOLLIN);
		return;
	}
	pair_update(p);
	if (xfer_ready(&p->up) || xfer_ready(&p->down))
		loop_timer_set(f->loop, &p->kick, 0);
}

/* -vv: the TLS session of one side, once its handshake is over. */
static void
pair_tls_report(struct pair *p, struct tls *t, const char *side)
{
	char	line[512];

	if (log_verbosity < 2)
		return;
	tls_report(t, line, sizeof(line));
	log_verbose(2, "%s: %s %s", p->client.host, side, line);
}

/*
 * --tls: the client's handshake, a step at a time on the loop; -1 when
 * it failed and the pair is gone.
 */
static int
pair_client_hs_step(struct pair *p)
{
	struct sk_err	 err;
	int		 r;

	r = tls_handshake(p->ctls, &err);
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		pair_watch(p, &p->cfd, &p->creg, r == TLS_WANT_POLLIN ?
		    EPOLLIN : EPOLLOUT);
		return (0);
	}
	if (r != 0) {
		pair_setup_fail(p, 1, err.msg);
		return (-1);
	}
	pair_tls_report(p, p->ctls, "client");
	p->cready = 1;
	/* Nothing to wait for on the client until the relay starts. */
	pair_watch(p, &p->cfd, &p->creg, 0);
	if (p->tready)
		pair_ready(p);
	else
		pair_setup_timer(p);
	return (0);
}

static void
pair_client_hs(struct loop_fd *lf, uint32_t ev)
{
	(void)ev;
	(void)pair_client_hs_step(lf->arg);
}

/* -1 when the pair is gone. */
int
pair_client_start(struct pair *p)
{
	struct sk_err	 err;

	if (p->f->c->tls_server == NULL) {
		p->cready = 1;
		return (0);
	}
	if ((p->ctls = tls_new(p->f->c->tls_server, p->cfd.fd, NULL,
	    &err)) == NULL) {
		pair_setup_fail(p, 1, err.msg);
		return (-1);
	}
	p->cfd.cb = pair_client_hs;
	p->c_deadline = loop_now() + FWD_HS_MS;
	/* The ClientHello is often in already: try before polling. */
	return (pair_client_hs_step(p));
}

static void	pair_target_next(struct pair *);

/* -x: one step of the proxy handshake. */
static void
pair_px_io(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	struct sk_err	 err;
	uint32_t	 want = 0;

	(void)ev;
	switch (forward_px_step(p->px, p->tfd.fd, &want, &err)) {
	case FWD_PX_AGAIN:
		pair_watch(p, &p->tfd, &p->treg, want);
		return;
	case FWD_PX_DONE:
		forward_px_free(p->px);
		p->px = NULL;
		p->tstage = TS_TLS;
		pair_target_next(p);
		return;
	default:
		pair_setup_fail(p, 0, err.msg);
		return;
	}
}

/* --tls-to: one step of the handshake with the target. */
static void
pair_target_hs(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	struct sk_err	 err;
	int		 r;

	(void)ev;
	r = tls_handshake(p->ttls, &err);
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		pair_watch(p, &p->tfd, &p->treg, r == TLS_WANT_POLLIN ?
		    EPOLLIN : EPOLLOUT);
		return;
	}
	if (r != 0) {
		pair_setup_fail(p, 0, err.msg);
		return;
	}
	pair_tls_report(p, p->ttls, "target");
	p->tstage = TS_READY;
	pair_target_next(p);
}

/*
 * The connection to the target (or the proxy) is up: the proxy's
 * handshake, the PROXY header, the TLS handshake, each when asked for,
 * in that order, then the relay once the client side is ready too.
 */
static void
pair_target_next(struct pair *p)
{
	const struct fwd_conf *c = p->f->c;
	struct sk_err	 err;
	const char	*why;

	if (p->tstage == TS_CONNECT) {
		/*
		 * Without -w, the handshakes after the connect (-x,
		 * --tls-to) get the client handshake's bound: a target
		 * that accepts and never answers cannot hold a client.
		 */
		if (p->t_deadline == 0 && (c->px != NULL ||
		    c->tls_client != NULL)) {
			p->t_deadline = loop_now() + FWD_HS_MS;
			pair_setup_timer(p);
		}
		p->tstage = TS_PROXY;
		if (c->px != NULL) {
			if ((p->px = forward_px_new(c, &err)) == NULL) {
				pair_setup_fail(p, 0, err.msg);
				return;
			}
			p->tfd.cb = pair_px_io;
			pair_px_io(&p->tfd, 0);
			return;
		}
		p->tstage = TS_TLS;
	}
	if (p->tstage == TS_TLS) {
		/* Before TLS and after the proxy: the header is plain. */
		if (c->proxy != 0 && (why = pair_send_header(p)) != NULL) {
			pair_setup_fail(p, 0, why);
			return;
		}
		if (c->tls_client != NULL) {
			if ((p->ttls = tls_new(c->tls_client, p->tfd.fd,
			    c->tls_host, &err)) == NULL) {
				pair_setup_fail(p, 0, err.msg);
				return;
			}
			p->tfd.cb = pair_target_hs;
			pair_target_hs(&p->tfd, 0);
			return;
		}
		p->tstage = TS_READY;
	}
	p->tready = 1;
	if (p->cready)
		pair_ready(p);
	else {
		pair_watch(p, &p->tfd, &p->treg, 0);
		pair_setup_timer(p);
	}
}

/* The target's socket became writable: the connect ended, one way or other. */
static void
pair_connect_done(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	socklen_t	 len = sizeof(int);
	int		 e = 0;

	/* Only a failed connect raises EPOLLERR or EPOLLHUP. */
	if ((ev & (EPOLLERR | EPOLLHUP)) &&
	    getsockopt(lf->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e == 0) {
		pair_target_next(p);
		return;
	}
	loop_del(p->f->loop, lf);
	p->treg = 0;
	close(lf->fd);
	lf->fd = -1;
	if (++p->dest < p->f->c->ndest) {
		pair_connect(p);
		return;
	}
	p->dest--;
	pair_setup_fail(p, 0, strerror(e));
}

/*
 * No Nagle on a forwarder's sockets: a small write it passes on must not
 * wait for the peer's delayed ACK of the one before (40 ms a time), which
 * the endpoints' own choice of TCP_NODELAY cannot undo from outside.
 */
void
pair_nodelay(int fd)
{
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
}

/* Tries p->dest and the addresses after it. */
void
pair_connect(struct pair *p)
{
	const struct fwd_conf *c = p->f->c;
	const struct fwd_dest *d;
	int		 fd, e = ENOENT;

	for (; p->dest < c->ndest; p->dest++) {
		d = &c->dest[p->dest];
		fd = socket(d->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, 0);
		if (fd == -1) {
			e = errno;
			break;
		}
		p->tfd.fd = fd;
		if (d->ss.ss_family != AF_UNIX)
			pair_nodelay(fd);
		/* -w bounds this address's connect and what follows it. */
		p->t_deadline = c->connect_ms >= 0 ?
		    loop_now() + c->connect_ms : 0;
		if (connect(fd, (const struct sockaddr *)&d->ss,
		    d->len) == 0) {
			pair_setup_timer(p);
			pair_target_next(p);
			return;
		}
		e = errno;
		if (e == EINPROGRESS) {
			p->tfd.cb = pair_connect_done;
			if (loop_add(p->f->loop, &p->tfd, EPOLLOUT) == -1) {
				e = errno;
				break;
			}
			p->treg = 1;
			pair_setup_timer(p);
			return;
		}
		close(fd);
		p->tfd.fd = -1;
	}
	if (p->dest >= c->ndest)
		p->dest = c->ndest - 1;
	if (p->tfd.fd != -1) {
		close(p->tfd.fd);
		p->tfd.fd = -1;
	}
	pair_setup_fail(p, 0, strerror(e));
}

