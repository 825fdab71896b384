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
#include "trace-opt.h"
#include "trace.h"
#include "xfer.h"

#define FWD_PIPES_IDLE	64	/* idle pipes kept for the next burst */
#define FWD_HDR_MAX	232	/* the longest PROXY header (v1: 107) */
#define LINGER_MS	5000	/* a reset waits this long for delivery */
#define LINGER_POLL_MS	10

struct fwd;

struct pair {
	struct fwd	*f;
	struct loop_fd	 cfd;		/* the client */
	struct loop_fd	 tfd;		/* the connection to the target */
	int		 creg;		/* cfd is in the loop */
	int		 treg;
	struct loop_timer timer;	/* connect timeout, then -i */
	size_t		 dest;		/* the address being tried */
	int		 connecting;
	struct xfer	 up;		/* client to target */
	struct xfer	 down;		/* target to client */
	int		 up_shut;
	int		 down_shut;
	int		 gone;		/* a sink is gone: reset at the end */
	char		 why[128];	/* and why */
	long long	 linger_end;	/* resetting: when to stop waiting */
	struct sock_name client;
	long long	 start;
	long		 id;		/* the client's number, from 1 */
	struct trace_conn *tc;		/* the client's side, traced */
	struct trace_tap up_tap;
	struct trace_tap down_tap;
	fwd_end_fn	*end;		/* adopted: reports the end instead */
	void		*end_arg;
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
	long		 nextid;
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

	if (f->lfd.fd == -1)
		return;
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

/*
 * Tracing a pair traces the client's connection: "<" what the client sent,
 * ">" what it was sent.  Its end: a reset we pass on, or the FIN of the
 * close (when the pair did not shut the client's side already).
 */
static void
pair_trace_close(struct pair *p, int reset)
{
	if (p->tc == NULL)
		return;
	if (reset)
		trace_rst(p->tc, TRACE_OUT, NULL);
	else
		trace_fin(p->tc, TRACE_OUT, NULL);
	trace_conn_close(p->tc);
	p->tc = NULL;
}

/*
 * After a step of x: the client's EOF, a reset by the client, our
 * half-close of its side (which the step's XFER_DONE is about to send).
 */
static void
pair_trace_step(struct pair *p, struct xfer *x, enum xfer_status st)
{
	if (p->tc == NULL)
		return;
	if (x == &p->up && st == XFER_SRC_ERR && x->err == ECONNRESET)
		trace_rst(p->tc, TRACE_IN, NULL);
	else if (x == &p->up && x->eof)
		trace_fin(p->tc, TRACE_IN, NULL);
	else if (x == &p->down && st == XFER_DST_ERR &&
	    (x->err == EPIPE || x->err == ECONNRESET))
		trace_rst(p->tc, TRACE_IN, NULL);
	else if (x == &p->down && st == XFER_DONE)
		trace_fin(p->tc, TRACE_OUT, NULL);
}

/* The -v line of a pair's end. */
static void
pair_log(struct pair *p, const char *why)
{
	char		 tname[NI_MAXHOST + 16];

	forward_dest_name(&p->f->c->dest[p->dest], tname, sizeof(tname));
	if (p->connecting)
		log_verbose(1, "%s -> %s: connect: %s", p->client.host, tname,
		    why);
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
}

/*
 * The end of a pair: why is NULL for a pair whose directions both ended,
 * else the reason, and reset says to pass a reset on (SO_LINGER 0 makes
 * close(2) send RST) rather than close quietly.
 */
static void
pair_close(struct pair *p, int reset, const char *why)
{
	struct fwd	*f = p->f;
	struct linger	 lg = { 1, 0 };

	if (p->end != NULL)
		p->end(p->end_arg, p->up.nwritten, p->down.nwritten, why);
	else
		pair_log(p, why);
	loop_timer_cancel(f->loop, &p->timer);
	if (p->creg)
		loop_del(f->loop, &p->cfd);
	if (p->treg)
		loop_del(f->loop, &p->tfd);
	if (reset) {
		(void)setsockopt(p->cfd.fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg));
		if (p->tfd.fd != -1)
			(void)setsockopt(p->tfd.fd, SOL_SOCKET, SO_LINGER,
			    &lg, sizeof(lg));
	}
	pair_trace_close(p, reset);
	xfer_free(&p->up);
	xfer_free(&p->down);
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

static void
pair_timer(struct loop_timer *t)
{
	struct pair	*p = t->arg;

	if (p->linger_end != 0)
		pair_reset_later(p);
	else
		pair_close(p, 0, p->connecting ? "timed out" :
		    "idle timeout");
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

	if (x->done)
		return (0);
	r0 = x->nread;
	w0 = x->nwritten;
	st = xfer_step(x, src_rev, dst_rev);
	if (x->nread != r0 || x->nwritten != w0)
		*moved = 1;
	pair_trace_step(p, x, st);
	switch (st) {
	case XFER_AGAIN:
		return (0);
	case XFER_DONE:
		/* Everything read is delivered: pass the EOF on. */
		if (!*shut && xfer_shutdown(x) == -1 && errno != ENOTCONN) {
			snprintf(msg, len, "%s: %s", names[1],
			    strerror(errno));
			return (-1);
		}
		*shut = 1;
		return (0);
	case XFER_NOMEM:
		snprintf(msg, len, "out of memory");
		return (-1);
	case XFER_SRC_ERR:
		snprintf(msg, len, "%s: %s", names[0], strerror(x->err));
		return (-1);
	default:
		snprintf(msg, len, "%s: %s", names[1], strerror(x->err));
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

static void
pair_io(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	char		 msg[128];
	short		 cr, tr;
	int		 moved = 0;

	cr = lf == &p->cfd ? (short)ev : 0;
	tr = lf == &p->tfd ? (short)ev : 0;
	if (pair_step(p, &p->up, &p->down, &p->up_shut, cr & ~POLLOUT,
	    tr & ~POLLIN, pair_up_names, msg, sizeof(msg), &moved) == -1 ||
	    pair_step(p, &p->down, &p->up, &p->down_shut, tr & ~POLLOUT,
	    cr & ~POLLIN, pair_down_names, msg, sizeof(msg), &moved) == -1) {
		pair_close(p, 1, p->gone ? p->why : msg);
		return;
	}
	if (p->up.done && p->down.done) {
		if (p->gone)
			pair_reset_later(p);
		else
			pair_close(p, 0, NULL);
		return;
	}
	if (moved)
		pair_touch(p);
	pair_update(p);
	/* Written before the loop waits (one write per wake-up). */
	if (p->tc != NULL)
		trace_flush(p->f->c->tracer);
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

static void
pair_connected(struct pair *p)
{
	struct fwd	*f = p->f;
	struct xfer_conf xc;
	struct sk_err	 err;
	const char	*why;

	p->connecting = 0;
	loop_timer_cancel(f->loop, &p->timer);
	if (f->c->proxy != 0 && (why = pair_send_header(p)) != NULL) {
		pair_close(p, 1, why);
		return;
	}
	memset(&xc, 0, sizeof(xc));
	xc.flags = XFER_SRC_SOCK;
	xc.pipes = &f->pipes;
	xc.src = p->cfd.fd;
	xc.dst = p->tfd.fd;
	p->tc = traceopt_tcp(f->c->tracer, p->id, TRACE_IN, p->cfd.fd);
	traceopt_tap_conf(&p->up_tap, p->tc, XFER_TAP_READ, TRACE_IN, &xc);
	if (xfer_init(&p->up, &xc, &err) == -1) {
		pair_close(p, 1, err.msg);
		return;
	}
	memset(&xc, 0, sizeof(xc));
	xc.flags = XFER_SRC_SOCK;
	xc.pipes = &f->pipes;
	xc.src = p->tfd.fd;
	xc.dst = p->cfd.fd;
	traceopt_tap_conf(&p->down_tap, p->tc, XFER_TAP_WRITE, TRACE_OUT,
	    &xc);
	if (xfer_init(&p->down, &xc, &err) == -1) {
		pair_close(p, 1, err.msg);
		return;
	}
	pair_touch(p);
	pair_update(p);
}

static void	pair_connect(struct pair *);

/* The target's socket became writable: the connect ended, one way or other. */
static void
pair_connect_done(struct loop_fd *lf, uint32_t ev)
{
	struct pair	*p = lf->arg;
	socklen_t	 len = sizeof(int);
	int		 e = 0;

	(void)ev;
	if (getsockopt(lf->fd, SOL_SOCKET, SO_ERROR, &e, &len) == -1)
		e = errno;
	if (e == 0) {
		loop_del(p->f->loop, lf);
		p->treg = 0;
		lf->cb = pair_io;
		pair_connected(p);
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
	pair_close(p, 0, strerror(e));
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
		if (connect(fd, (const struct sockaddr *)&d->ss,
		    d->len) == 0) {
			p->tfd.cb = pair_io;
			pair_connected(p);
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
			if (c->connect_ms >= 0)
				loop_timer_set(p->f->loop, &p->timer,
				    c->connect_ms);
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
	pair_close(p, 0, strerror(e));
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
		p->f = f;
		p->cfd.fd = fd;
		p->cfd.cb = pair_io;
		p->cfd.arg = p;
		p->tfd.fd = -1;
		p->tfd.arg = p;
		p->timer.cb = pair_timer;
		p->timer.arg = p;
		p->connecting = 1;
		p->start = loop_now();
		p->id = ++f->nextid;
		xfer_init_off(&p->up);
		xfer_init_off(&p->down);
		if (sock_peer_name(fd, &p->client) == -1)
			snprintf(p->client.host, sizeof(p->client.host),
			    "(unknown)");
		if (p->client.port >= 0)
			snprintf(p->client.host + strlen(p->client.host),
			    sizeof(p->client.host) - strlen(p->client.host),
			    " port %d", p->client.port);
		LIST_INSERT_HEAD(&f->pairs, p, entry);
		f->npairs++;
		fwd_poll_listener(f);
		pair_connect(p);
	}
}

/*
 * A pair engine without a listener, on another engine's loop (sockctl
 * proxy): it moves pairs handed to it by forward_adopt with the rules
 * above.  c gives -i (idle_ms); its lfd, dest and proxy are unused.
 */
struct fwd *
forward_host_new(struct loop *l, const struct fwd_conf *c)
{
	struct fwd	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	f->c = c;
	f->loop = l;
	f->lfd.fd = -1;
	f->sig.fd = -1;
	LIST_INIT(&f->pairs);
	xfer_pipes_init(&f->pipes, FWD_PIPES_IDLE);
	return (f);
}

/* Ends every pair (each end reported as "stopped") and frees f. */
void
forward_host_free(struct fwd *f)
{
	struct pair	*p;

	if (f == NULL)
		return;
	while ((p = LIST_FIRST(&f->pairs)) != NULL)
		pair_close(p, 0, "stopped");
	xfer_pipes_free(&f->pipes);
	free(f);
}

/*
 * Takes a client and a target already connected (non-blocking, nothing
 * pending for either: the caller has flushed its handshake) and moves
 * them as a pair; end(arg, sent, received, why) is called once when the
 * pair ends, why NULL for a clean end.  Both descriptors are f's from
 * here on, even on failure (-1: out of memory, both closed, no call).
 */
int
forward_adopt(struct fwd *f, int cfd, int tfd, fwd_end_fn *end, void *arg)
{
	struct pair	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		close(cfd);
		close(tfd);
		return (-1);
	}
	p->f = f;
	p->cfd.fd = cfd;
	p->cfd.cb = pair_io;
	p->cfd.arg = p;
	p->tfd.fd = tfd;
	p->tfd.cb = pair_io;
	p->tfd.arg = p;
	p->timer.cb = pair_timer;
	p->timer.arg = p;
	p->start = loop_now();
	p->end = end;
	p->end_arg = arg;
	xfer_init_off(&p->up);
	xfer_init_off(&p->down);
	LIST_INSERT_HEAD(&f->pairs, p, entry);
	f->npairs++;
	pair_connected(p);
	return (0);
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
	int		 rv = 0;

	memset(&f, 0, sizeof(f));
	f.c = c;
	LIST_INIT(&f.pairs);
	if ((f.loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	sock_acceptor_init(&f.acceptor);
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
