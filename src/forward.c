/*
 * The TCP (and Unix stream) forwarder: one process, one epoll loop, each
 * accepted client paired with its own non-blocking connection to the
 * target, each direction of a pair moved by an xfer (xfer.c) that borrows
 * a pipe from one shared pool only while bytes are in flight.  A pair
 * passes a half-close on with shutdown(SHUT_WR), ends when both directions
 * are done, and passes a reset on as a reset.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <linux/sockios.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "log.h"
#include "loop.h"
#include "sock.h"
#include "tls.h"
#include "xfer.h"

#define FWD_PIPES_IDLE	64	/* idle pipes kept for the next burst */
#define FWD_HDR_MAX	232	/* the longest PROXY header (v1: 107) */
#define LINGER_MS	5000	/* a reset waits this long for delivery */
#define LINGER_POLL_MS	10
#define FWD_HS_MS	10000	/* a client's TLS handshake, at most */

/* The target side's way to being ready, in order. */
enum {
	TS_CONNECT,
	TS_PROXY,	/* -x */
	TS_TLS,		/* --tls-to */
	TS_READY
};

struct fwd;

struct pair {
	struct fwd	*f;
	struct loop_fd	 cfd;		/* the client */
	struct loop_fd	 tfd;		/* the connection to the target */
	int		 creg;		/* cfd is in the loop */
	int		 treg;
	struct loop_timer timer;	/* connect timeout, then -i */
	size_t		 dest;		/* the address being tried */
	int		 connecting;	/* setting up: not relaying yet */
	int		 cready;	/* the client side is set up */
	int		 tready;	/* the target side is */
	int		 tstage;	/* TS_*: where the target side is */
	long long	 c_deadline;	/* the client's handshake; 0: none */
	long long	 t_deadline;	/* -w for the target side; 0: none */
	struct tls	*ctls;		/* --tls: the client's session */
	struct tls	*ttls;		/* --tls-to: the target's */
	struct fwd_px	*px;		/* -x: the proxy handshake */
	const char	*trunc;		/* a TLS side ended without notify */
	struct loop_timer kick;		/* TLS holds what poll cannot see */
	struct xfer	 up;		/* client to target */
	struct xfer	 down;		/* target to client */
	int		 up_shut;
	int		 down_shut;
	int		 gone;		/* a sink is gone: reset at the end */
	char		 why[128];	/* and why */
	long long	 linger_end;	/* resetting: when to stop waiting */
	struct sock_name client;
	long long	 start;
	LIST_ENTRY(pair) entry;
};

struct fwd {
	const struct fwd_conf *c;
	struct loop	*loop;
	struct loop_fd	 lfd;
	struct loop_fd	 sig;
	int		 lpolled;
	struct sock_acceptor acceptor;
	struct xfer_pipes pipes;
	long long	 npairs;
	int		 ctcp;		/* clients come over TCP */
	LIST_HEAD(, pair) pairs;
};

static void	pair_io(struct loop_fd *, uint32_t);

void
forward_dest_name(const struct fwd_dest *d, char *buf, size_t len)
{
	struct sock_name n;

	sock_name_of((const struct sockaddr *)&d->ss, d->len, &n);
	if (n.port < 0)
		snprintf(buf, len, "%s", n.host);
	else
		snprintf(buf, len, "%s port %d", n.host, n.port);
}

/* The listener is polled only below -m: others wait in the backlog. */
static void
fwd_poll_listener(struct fwd *f)
{
	int	want = f->npairs < f->c->max_conns;

	if (want != f->lpolled &&
	    loop_mod(f->loop, &f->lfd, want ? EPOLLIN : 0) == 0)
		f->lpolled = want;
}

/* A descriptor with nothing to wait for leaves the loop (no HUP storms). */
static void
pair_watch(struct pair *p, struct loop_fd *lf, int *reg, uint32_t ev)
{
	if (ev == 0) {
		if (*reg)
			loop_del(p->f->loop, lf);
		*reg = 0;
		return;
	}
	if (!*reg) {
		if (loop_add(p->f->loop, lf, ev) == 0)
			*reg = 1;
		return;
	}
	(void)loop_mod(p->f->loop, lf, ev);
}

static void
pair_update(struct pair *p)
{
	short	us, ud, ds, dd;

	xfer_events(&p->up, &us, &ud);
	xfer_events(&p->down, &ds, &dd);
	pair_watch(p, &p->cfd, &p->creg, (uint32_t)(us | dd));
	pair_watch(p, &p->tfd, &p->treg, (uint32_t)(ud | ds));
}

/* TARGET in the -v lines: the address tried, or as given (-x). */
static void
pair_tname(const struct pair *p, char *buf, size_t len)
{
	if (p->f->c->px != NULL)
		strlcpy(buf, p->f->c->target, len);
	else
		forward_dest_name(&p->f->c->dest[p->dest], buf, len);
}

/*
 * The end of a pair: why is NULL for a pair whose directions both ended,
 * else the reason, and reset says to pass a reset on (SO_LINGER 0 makes
 * close(2) send RST) rather than close quietly.  A pair still setting up
 * says only why ("connect: ...", "TLS handshake with ...").
 */
static void
pair_close(struct pair *p, int reset, const char *why)
{
	struct fwd	*f = p->f;
	struct linger	 lg = { 1, 0 };
	char		 tname[NI_MAXHOST + 16];

	pair_tname(p, tname, sizeof(tname));
	if (p->connecting)
		log_verbose(1, "%s -> %s: %s", p->client.host, tname, why);
	else if (why == NULL)
		log_verbose(1, "%s -> %s: sent %llu bytes, received %llu "
		    "bytes in %.2f s", p->client.host, tname,
		    (unsigned long long)p->up.nwritten,
		    (unsigned long long)p->down.nwritten,
		    (double)(loop_now() - p->start) / 1000);
	else
		log_verbose(1, "%s -> %s: sent %llu bytes, received %llu "
		    "bytes in %.2f s: %s", p->client.host, tname,
		    (unsigned long long)p->up.nwritten,
		    (unsigned long long)p->down.nwritten,
		    (double)(loop_now() - p->start) / 1000, why);
	loop_timer_cancel(f->loop, &p->timer);
	loop_timer_cancel(f->loop, &p->kick);
	/* Both are closed below, which takes them out of the epoll set. */
	if (p->creg)
		loop_forget(f->loop, &p->cfd);
	if (p->treg)
		loop_forget(f->loop, &p->tfd);
	if (reset) {
		(void)setsockopt(p->cfd.fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		if (p->tfd.fd != -1)
			(void)setsockopt(p->tfd.fd, SOL_SOCKET, SO_LINGER,
			    &lg, sizeof(lg));
	}
	xfer_free(&p->up);
	xfer_free(&p->down);
	forward_px_free(p->px);
	tls_free(p->ctls);
	tls_free(p->ttls);
	close(p->cfd.fd);
	if (p->tfd.fd != -1)
		close(p->tfd.fd);
	LIST_REMOVE(p, entry);
	free(p);
	f->npairs--;
	fwd_poll_listener(f);
}

/* Bytes a socket has not yet had acknowledged by its peer. */
static int
pair_unacked(int fd)
{
	int	n = 0;

	return (ioctl(fd, SIOCOUTQ, &n) == 0 && n > 0);
}

/*
 * A reset discards what the socket has not delivered yet: a pair that
 * passes one on after delivering the other direction's bytes waits (no
 * longer than LINGER_MS) until the peer has acknowledged them all.
 */
static void
pair_reset_later(struct pair *p)
{
	if (p->linger_end == 0) {
		p->linger_end = loop_now() + LINGER_MS;
		if (p->creg)
			loop_del(p->f->loop, &p->cfd);
		if (p->treg)
			loop_del(p->f->loop, &p->tfd);
		p->creg = p->treg = 0;
	}
	if (loop_now() < p->linger_end && (pair_unacked(p->cfd.fd) ||
	    pair_unacked(p->tfd.fd))) {
		loop_timer_set(p->f->loop, &p->timer, LINGER_POLL_MS);
		return;
	}
	pair_close(p, 1, p->why);
}

/* What a side that is not ready yet failed at, as the -v line says it. */
static void
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
static void
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

static void
pair_timer(struct loop_timer *t)
{
	struct pair	*p = t->arg;
	long long	 now = loop_now();

	if (p->linger_end != 0)
		pair_reset_later(p);
	else if (!p->connecting)
		pair_close(p, 0, "idle timeout");
	else if (!p->tready && p->t_deadline != 0 && now >= p->t_deadline)
		pair_setup_fail(p, 0, p->tstage == TS_CONNECT ||
		    p->tstage == TS_PROXY ? "timed out" : strerror(ETIMEDOUT));
	else if (!p->cready && p->c_deadline != 0 && now >= p->c_deadline)
		pair_setup_fail(p, 1, strerror(ETIMEDOUT));
	else
		pair_setup_timer(p);
}

static void
pair_touch(struct pair *p)
{
	if (p->f->c->idle_ms >= 0)
		loop_timer_set(p->f->loop, &p->timer, p->f->c->idle_ms);
}

/*
 * One direction's step.  Returns 0, or -1 with the reason that ends the
 * pair in msg, naming the side that failed (src or dst).  A sink that
 * is gone (EPIPE, ECONNRESET) may have said all it had first: its own
 * bytes, on the other direction, are delivered before the reset is
 * passed on.
 */
static int
pair_step(struct pair *p, struct xfer *x, struct xfer *other, int *shut,
    short src_rev, short dst_rev, const char *const names[2], char *msg,
    size_t len, int *moved)
{
	enum xfer_status st;
	uint64_t	 r0, w0;

	/* A TLS sink's close_notify may wait for room after the end. */
	if (x->done && !x->notify)
		return (0);
	r0 = x->nread;
	w0 = x->nwritten;
	st = xfer_step(x, src_rev, dst_rev);
	if (x->nread != r0 || x->nwritten != w0)
		*moved = 1;
	switch (st) {
	case XFER_AGAIN:
		return (0);
	case XFER_DONE:
		if (*shut)
			return (0);
		/*
		 * The pair ends with this step and close(2) sends the FIN:
		 * the other direction read its source (this sink) to its
		 * end, so nothing unread turns the close into a reset.
		 */
		if (other->done && !other->notify && !x->truncated &&
		    x->c.dst_tls == NULL && !p->gone) {
			*shut = 1;
			return (0);
		}
		/*
		 * Everything read is delivered: pass the EOF on.  A TLS
		 * source that ended without close_notify is passed on
		 * as a bare TCP EOF, which a TLS reader takes as the
		 * same possible truncation.
		 */
		if (x->truncated) {
			p->trunc = names[0];
			if (shutdown(x->c.dst, SHUT_WR) == -1 &&
			    errno != ENOTCONN) {
				snprintf(msg, len, "%s: %s", names[1],
				    strerror(errno));
				return (-1);
			}
		} else if (xfer_shutdown(x) == -1 && errno != ENOTCONN) {
			snprintf(msg, len, "%s: %s", names[1],
			    x->c.dst_tls != NULL && errno == EPROTO ?
			    x->tls_err.msg : strerror(errno));
			return (-1);
		}
		*shut = 1;
		return (0);
	case XFER_NOMEM:
		snprintf(msg, len, "out of memory");
		return (-1);
	case XFER_SRC_ERR:
		snprintf(msg, len, "%s: %s", names[0], x->err == EPROTO &&
		    x->c.src_tls != NULL ? x->tls_err.msg : strerror(x->err));
		return (-1);
	default:
		snprintf(msg, len, "%s: %s", names[1], x->err == EPROTO &&
		    x->c.dst_tls != NULL ? x->tls_err.msg : strerror(x->err));
		if ((x->err != EPIPE && x->err != ECONNRESET) || other->done)
			return (-1);
		xfer_abandon(x);
		if (!p->gone)
			strlcpy(p->why, msg, sizeof(p->why));
		p->gone = 1;
		return (0);
	}
}

static const char *const pair_up_names[2] = { "client", "target" };
static const char *const pair_down_names[2] = { "target", "client" };

/* The end line's note when a TLS side ended without close_notify. */
static const char *
pair_trunc_note(const struct pair *p)
{
	if (p->trunc == NULL)
		return (NULL);
	return (strcmp(p->trunc, "client") == 0 ?
	    "client closed without TLS close_notify (possible truncation)" :
	    "target closed without TLS close_notify (possible truncation)");
}

/*
 * The events of each descriptor go to both directions whole: over TLS a
 * read may wait for POLLOUT and a write for POLLIN (xfer_step takes only
 * what each side waits for).
 */
static void
pair_io(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	char		 msg[640];
	short		 cr, tr;
	int		 moved = 0;

	cr = lf == &p->cfd ? (short)ev : 0;
	tr = lf == &p->tfd ? (short)ev : 0;
	if (pair_step(p, &p->up, &p->down, &p->up_shut, cr, tr,
	    pair_up_names, msg, sizeof(msg), &moved) == -1 ||
	    pair_step(p, &p->down, &p->up, &p->down_shut, tr, cr,
	    pair_down_names, msg, sizeof(msg), &moved) == -1) {
		pair_close(p, 1, p->gone ? p->why : msg);
		return;
	}
	if (p->up.done && p->down.done && !p->up.notify && !p->down.notify) {
		if (p->gone)
			pair_reset_later(p);
		else
			pair_close(p, 0, pair_trunc_note(p));
		return;
	}
	if (moved)
		pair_touch(p);
	pair_update(p);
	/* Decrypted bytes wait inside TLS: step again without waiting. */
	if (xfer_ready(&p->up) || xfer_ready(&p->down))
		loop_timer_set(p->f->loop, &p->kick, 0);
}

static void
pair_kick(struct loop_timer *t)
{
	struct pair	*p = t->arg;

	pair_io(&p->cfd, 0);
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
static void
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
	if (xfer_init(&p->up, &xc, &err) == -1) {
		pair_close(p, 1, err.msg);
		return;
	}
	xc.src = p->tfd.fd;
	xc.dst = p->cfd.fd;
	xc.src_tls = p->ttls;
	xc.dst_tls = p->ctls;
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
static int
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

static void	pair_connect(struct pair *);

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
static void
pair_nodelay(int fd)
{
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
}

/* Tries p->dest and the addresses after it. */
static void
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

/*
 * A new client.  The place for access control is right after accept(2),
 * before anything else is done for the client.
 */
static void
fwd_accept(struct loop_fd *lf, uint32_t ev)
{
	struct fwd	*f = lf->arg;
	struct pair	*p;
	int		 fd, i;

	(void)ev;
	for (i = 0; i < 64 && f->npairs < f->c->max_conns; i++) {
		if ((fd = sock_accept(lf->fd, &f->acceptor)) == -1) {
			/* A client --allow/--deny refused, or one lost. */
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_verbose(1, "accept: %s", strerror(errno));
			return;
		}
		if ((p = calloc(1, sizeof(*p))) == NULL) {
			log_verbose(1, "accept: out of memory");
			close(fd);
			return;
		}
		if (f->ctcp)
			pair_nodelay(fd);
		p->f = f;
		p->cfd.fd = fd;
		p->cfd.cb = pair_io;
		p->cfd.arg = p;
		p->tfd.fd = -1;
		p->tfd.arg = p;
		p->timer.cb = pair_timer;
		p->timer.arg = p;
		p->kick.cb = pair_kick;
		p->kick.arg = p;
		p->connecting = 1;
		p->start = loop_now();
		xfer_init_off(&p->up);
		xfer_init_off(&p->down);
		/* The name is for -v lines only: no syscall without -v. */
		if (log_verbosity < 1)
			p->client.port = -1;
		else if (sock_peer_name(fd, &p->client) == -1)
			snprintf(p->client.host, sizeof(p->client.host),
			    "(unknown)");
		if (p->client.port >= 0)
			snprintf(p->client.host + strlen(p->client.host),
			    sizeof(p->client.host) - strlen(p->client.host),
			    " port %d", p->client.port);
		LIST_INSERT_HEAD(&f->pairs, p, entry);
		f->npairs++;
		fwd_poll_listener(f);
		if (pair_client_start(p) == 0)
			pair_connect(p);
	}
}

static void
fwd_signal(struct loop_fd *lf, uint32_t ev)
{
	struct signalfd_siginfo	 si;

	(void)ev;
	while (read(lf->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		loop_stop(lf->arg);
}

/*
 * Puts the listening socket (with cb and arg) and the signalfd (which
 * stops the loop) into l; 0, or -1 with the message set.
 */
int
forward_watch(struct loop *l, const struct fwd_conf *c, struct loop_fd *lfd,
    void (*cb)(struct loop_fd *, uint32_t), void *arg, struct loop_fd *sig,
    struct sk_err *err)
{
	lfd->fd = c->lfd;
	lfd->cb = cb;
	lfd->arg = arg;
	sig->fd = c->sigfd;
	sig->cb = fwd_signal;
	sig->arg = l;
	if (sock_set_nonblock(c->lfd, 1) == -1 ||
	    loop_add(l, lfd, EPOLLIN) == -1 ||
	    loop_add(l, sig, EPOLLIN) == -1) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

int
forward_run(const struct fwd_conf *c, struct sk_err *err)
{
	struct fwd	 f;
	struct pair	*p;
	struct sock_name lname;
	int		 rv = 0;

	memset(&f, 0, sizeof(f));
	f.c = c;
	LIST_INIT(&f.pairs);
	if ((f.loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	sock_acceptor_init(&f.acceptor);
	f.ctcp = sock_local_name(c->lfd, &lname) == 0 && lname.port >= 0;
	/* Refused clients are closed in sock_accept, before anything else. */
	f.acceptor.acl = c->acl;
	xfer_pipes_init(&f.pipes, FWD_PIPES_IDLE);
	if (forward_watch(f.loop, c, &f.lfd, fwd_accept, &f, &f.sig,
	    err) == -1) {
		rv = -1;
		goto out;
	}
	f.lpolled = 1;
	if (loop_run(f.loop) == -1) {
		err_set(err, "epoll_wait: %s", strerror(errno));
		rv = -1;
	}
out:
	while ((p = LIST_FIRST(&f.pairs)) != NULL)
		pair_close(p, 0, "stopped");
	xfer_pipes_free(&f.pipes);
	sock_acceptor_free(&f.acceptor);
	loop_free(f.loop);
	return (rv);
}
