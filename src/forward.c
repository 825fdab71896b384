/*
 * The TCP (and Unix stream) forwarder: one process, one epoll loop, each
 * accepted client paired with its own non-blocking connection to the
 * target, each direction of a pair moved by an xfer (xfer.c) that borrows
 * a pipe from one shared pool only while bytes are in flight.  A pair
 * passes a half-close on with shutdown(SHUT_WR), ends when both directions
 * are done, and passes a reset on as a reset.  Setting up each side of a
 * new pair (connect, TLS and proxy handshakes) is forward-setup.c's.
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
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

#define FWD_PIPES_IDLE	64	/* idle pipes kept for the next burst */
#define LINGER_MS	5000	/* a reset waits this long for delivery */
#define LINGER_POLL_MS	10

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
void
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

void
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

/*
 * The -v line of a pair's end.  A pair still setting up says only why
 * ("connect: ...", "TLS handshake with ...").
 */
static void
pair_log(struct pair *p, const char *why)
{
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
}

/*
 * The end of a pair: why is NULL for a pair whose directions both ended,
 * else the reason, and reset says to pass a reset on (SO_LINGER 0 makes
 * close(2) send RST) rather than close quietly.
 */
void
pair_close(struct pair *p, int reset, const char *why)
{
	struct fwd	*f = p->f;
	struct linger	 lg = { 1, 0 };
	struct sk_err	 err;

	if (p->end != NULL)
		p->end(p->end_arg, p->up.nwritten, p->down.nwritten, why);
	else
		pair_log(p, why);
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
	/*
	 * A quiet end we make (-i, a signal, a failed target) ends each TLS
	 * side we have not ended yet with close_notify, as listen does:
	 * without it, the peer would report a possible truncation.  Best
	 * effort: a socket with no room drops it.
	 */
	if (!reset) {
		if (p->ctls != NULL && p->cready && !p->down_shut)
			(void)tls_close_notify(p->ctls, &err);
		if (p->ttls != NULL && p->tstage == TS_READY && !p->up_shut)
			(void)tls_close_notify(p->ttls, &err);
	}
	pair_trace_close(p, reset);
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

void
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
	pair_trace_step(p, x, st);
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
void
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
	/* Written before the loop waits (one write per wake-up). */
	if (p->tc != NULL)
		trace_flush(p->f->c->tracer);
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
		p->id = ++f->nextid;
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

/*
 * A pair engine without a listener, on another engine's loop (sockctl
 * proxy): it moves pairs handed to it by forward_adopt with the rules
 * above.  c gives -i (idle_ms) and the tracer; its lfd, dest and proxy
 * are unused.
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
forward_adopt(struct fwd *f, int cfd, int tfd, int reg,
    struct trace_conn *tc, fwd_end_fn *end, void *arg)
{
	struct pair	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		trace_conn_close(tc);
		close(cfd);
		close(tfd);
		return (-1);
	}
	p->f = f;
	p->cfd.fd = cfd;
	p->cfd.arg = p;
	p->tfd.fd = tfd;
	p->tfd.arg = p;
	p->timer.cb = pair_timer;
	p->timer.arg = p;
	p->kick.cb = pair_kick;
	p->kick.arg = p;
	p->start = loop_now();
	p->id = ++f->nextid;
	p->cready = p->tready = 1;
	p->tstage = TS_READY;
	p->end = end;
	p->end_arg = arg;
	p->tc = tc;
	/* Registered, with events 0: pair_watch's first call changes them. */
	p->creg = (reg & FWD_ADOPT_CREG) != 0;
	p->treg = (reg & FWD_ADOPT_TREG) != 0;
	xfer_init_off(&p->up);
	xfer_init_off(&p->down);
	LIST_INSERT_HEAD(&f->pairs, p, entry);
	f->npairs++;
	pair_ready(p);
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
