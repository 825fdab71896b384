/*
 * The per-direction mover (see xfer.h for the API and the kinds): it moves
 * bytes from one descriptor to another by splice, a pipe, sendfile or a
 * copy, and stops reading while its sink is full instead of buffering, so
 * that a slow reader applies back-pressure to the writer.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tls.h"
#include "xfer.h"

#define COPY_BUFSZ	(256 * 1024)
#define PIPE_BUFSZ	(1024 * 1024)
#define SPLICE_CHUNK	(1024 * 1024)
#define BURST		16	/* moves per step before polling again */

/* The revents that mean "try": an error or hang-up is found by trying. */
#define READY_IN	(POLLIN | POLLERR | POLLHUP | POLLNVAL)
#define READY_OUT	(POLLOUT | POLLERR | POLLHUP | POLLNVAL)

/* How much the copy buffer can take from one read (CRLF may double it). */
static size_t
xfer_copy_room(const struct xfer *x)
{
	size_t	room = x->bufsz - x->pending;

	return ((x->c.flags & XFER_CRLF) ? room / 2 : room);
}

/* Why one move stopped, inside a step. */
enum xfer_move {
	MV_PROGRESS,
	MV_AGAIN,
	MV_EOF,
	MV_SRC_ERR,
	MV_DST_ERR
};

static int
xfer_is_fifo(int fd)
{
	struct stat	st;

	return (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode));
}

static int
xfer_is_regular(int fd)
{
	struct stat	st;

	return (fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
}

void
xfer_pipes_init(struct xfer_pipes *p, size_t max)
{
	memset(p, 0, sizeof(*p));
	p->max = max;
}

void
xfer_pipes_free(struct xfer_pipes *p)
{
	size_t	i;

	for (i = 0; i < p->n; i++) {
		(void)close(p->idle[i].fd[0]);
		(void)close(p->idle[i].fd[1]);
	}
	free(p->idle);
	p->idle = NULL;
	p->n = 0;
}

/* A pipe for XFER_VIAPIPE, from the pool or new; -1 when none can be had. */
static int
xfer_pipe_get(struct xfer *x)
{
	struct xfer_pipes *pool = x->c.pipes;
	int		 sz;

	if (x->pipe.fd[0] != -1)
		return (0);
	if (pool != NULL && pool->n > 0) {
		x->pipe = pool->idle[--pool->n];
		return (0);
	}
	if (pipe2(x->pipe.fd, O_CLOEXEC | O_NONBLOCK) == -1) {
		x->pipe.fd[0] = x->pipe.fd[1] = -1;
		return (-1);
	}
	sz = fcntl(x->pipe.fd[0], F_SETPIPE_SZ, PIPE_BUFSZ);
	if (sz == -1)
		sz = fcntl(x->pipe.fd[0], F_GETPIPE_SZ);
	x->pipe.cap = sz > 0 ? (size_t)sz : 65536;
	return (0);
}

/*
 * Gives an empty pipe back to the pool (closing it when the pool is full).
 * Without a pool the pipe stays until xfer_free.
 */
static void
xfer_pipe_put(struct xfer *x)
{
	struct xfer_pipes *pool = x->c.pipes;
	struct xfer_pipe *v;
	size_t		 cap;

	if (x->pipe.fd[0] == -1 || x->pending > 0 || pool == NULL)
		return;
	if (pool->n == pool->max) {
		(void)close(x->pipe.fd[0]);
		(void)close(x->pipe.fd[1]);
	} else {
		/* Grown one at a time: bounded by max, set by the owner. */
		cap = pool->n + 1;
		if ((v = reallocarray(pool->idle, cap, sizeof(*v))) == NULL) {
			(void)close(x->pipe.fd[0]);
			(void)close(x->pipe.fd[1]);
		} else {
			pool->idle = v;
			pool->idle[pool->n++] = x->pipe;
		}
	}
	x->pipe.fd[0] = x->pipe.fd[1] = -1;
}

static int
xfer_alloc_buf(struct xfer *x, size_t min)
{
	size_t	sz;

	sz = min > COPY_BUFSZ ? min : COPY_BUFSZ;
	if (x->buf != NULL && x->bufsz >= sz)
		return (0);
	free(x->buf);
	if ((x->buf = malloc(sz)) == NULL)
		return (-1);
	x->bufsz = sz;
	return (0);
}

/*
 * Falls back to plain copying when the kernel refuses to splice a pair
 * (or no pipe can be had), keeping whatever already sits in the pipe.
 */
static int
xfer_to_copy(struct xfer *x)
{
	ssize_t	n;
	size_t	have = 0;

	if (xfer_alloc_buf(x, x->pending) == -1)
		return (-1);
	if (x->kind == XFER_VIAPIPE && x->pipe.fd[0] != -1) {
		while (have < x->pending) {
			n = read(x->pipe.fd[0], x->buf + have,
			    x->pending - have);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (-1);
			have += (size_t)n;
		}
		(void)close(x->pipe.fd[0]);
		(void)close(x->pipe.fd[1]);
		x->pipe.fd[0] = x->pipe.fd[1] = -1;
	}
	x->off = 0;
	x->kind = XFER_COPY;
	x->wait_dst = 0;
	x->src_nonblock = (x->c.flags & XFER_SRC_SOCK) ||
	    (fcntl(x->c.src, F_GETFL) & O_NONBLOCK) != 0;
	return (0);
}

/*
 * XFER_SOCKETS: two sockets need no questions to the kernel (a forwarder
 * sets up a pair per short connection, and these were ten syscalls of
 * it).  1 when the flag is not set; else 0, or -1 for no memory.
 */
static int
xfer_init_sockets(struct xfer *x, const struct xfer_conf *c,
    struct sk_err *err)
{
	if (!(c->flags & XFER_SOCKETS))
		return (1);
	x->src_want = POLLIN;
	x->dst_want = POLLOUT;
	x->src_nonblock = 1;
	if (c->src_tls != NULL || c->dst_tls != NULL ||
	    (c->tap != NULL && c->tap_data)) {
		x->kind = XFER_COPY;
		if (xfer_alloc_buf(x, 0) == -1) {
			err_set(err, "out of memory");
			return (-1);
		}
		return (0);
	}
	x->kind = XFER_VIAPIPE;
	if (c->pipes == NULL && xfer_pipe_get(x) == -1 &&
	    xfer_to_copy(x) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	return (0);
}

/*
 * Picks the kind of mover.  Larger stdio pipes mean fewer wakeups on both
 * ends, so a pipe on either side is grown as far as the system allows.
 */
int
xfer_init(struct xfer *x, const struct xfer_conf *c, struct sk_err *err)
{
	int	src_fifo, dst_fifo, r;

	memset(x, 0, sizeof(*x));
	x->c = *c;
	x->pipe.fd[0] = x->pipe.fd[1] = -1;
	x->pipe.cap = PIPE_BUFSZ;
	if ((r = xfer_init_sockets(x, c, err)) != 1)
		return (r);
	src_fifo = xfer_is_fifo(c->src);
	dst_fifo = c->dst >= 0 && xfer_is_fifo(c->dst);
	x->src_want = POLLIN;
	x->dst_want = POLLOUT;
	if (c->dst == -1 || (c->flags & XFER_CRLF) ||
	    c->src_tls != NULL || c->dst_tls != NULL ||
	    (c->tap != NULL && c->tap_data) || isatty(c->src) ||
	    (c->dst >= 0 && isatty(c->dst)))
		x->kind = XFER_COPY;
	else if (src_fifo || dst_fifo)
		x->kind = XFER_SPLICE;
	else if (xfer_is_regular(c->src) && !(c->flags & XFER_SRC_SOCK))
		x->kind = XFER_SENDFILE;
	else if (c->pipes != NULL || xfer_pipe_get(x) == 0)
		x->kind = XFER_VIAPIPE;
	else
		x->kind = XFER_COPY;
	if (src_fifo)
		(void)fcntl(c->src, F_SETPIPE_SZ, PIPE_BUFSZ);
	if (dst_fifo)
		(void)fcntl(c->dst, F_SETPIPE_SZ, PIPE_BUFSZ);
	x->src_nonblock = (c->flags & XFER_SRC_SOCK) ||
	    x->kind == XFER_SPLICE ||
	    (fcntl(c->src, F_GETFL) & O_NONBLOCK) != 0;
	if (x->kind == XFER_COPY && xfer_alloc_buf(x, 0) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	return (0);
}

void
xfer_init_off(struct xfer *x)
{
	memset(x, 0, sizeof(*x));
	x->c.src = x->c.dst = -1;
	x->pipe.fd[0] = x->pipe.fd[1] = -1;
	xfer_abandon(x);
}

void
xfer_free(struct xfer *x)
{
	if (x->pending == 0)
		xfer_pipe_put(x);
	if (x->pipe.fd[0] != -1) {
		(void)close(x->pipe.fd[0]);
		(void)close(x->pipe.fd[1]);
		x->pipe.fd[0] = x->pipe.fd[1] = -1;
	}
	free(x->buf);
	x->buf = NULL;
}

void
xfer_abandon(struct xfer *x)
{
	x->eof = x->done = 1;
	x->pending = 0;
	x->notify = 0;
}

/*
 * close_notify, then the TCP half-close; 0 when both are out, 1 when the
 * socket cannot take close_notify yet (x->notify stays set), -1 on error.
 */
static int
xfer_notify(struct xfer *x)
{
	int	r;

	r = tls_close_notify(x->c.dst_tls, &x->tls_err);
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		x->notify = 1;
		x->dst_want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		return (1);
	}
	x->notify = 0;
	if (r != 0) {
		errno = EPROTO;
		return (-1);
	}
	return (shutdown(x->c.dst, SHUT_WR));
}

/* The reader sees EOF; a TLS reader sees close_notify first. */
int
xfer_shutdown(struct xfer *x)
{
	if (x->c.dst < 0)
		return (0);
	if (x->c.dst_tls != NULL)
		return (xfer_notify(x) == -1 ? -1 : 0);
	return (shutdown(x->c.dst, SHUT_WR));
}

int
xfer_ready(const struct xfer *x)
{
	if (x->c.src_tls != NULL && x->kind == XFER_COPY && !x->eof &&
	    xfer_copy_room(x) > 0 && tls_pending(x->c.src_tls))
		return (1);
	return (0);
}

static void
xfer_tap(struct xfer *x, enum xfer_tap_side side, const void *p, size_t n)
{
	if (x->c.tap != NULL && n > 0)
		x->c.tap(x->c.tap_arg, side, x->c.tap_data ? p : NULL, n);
}

/* Source has data but sink is full?  Used after an ambiguous EAGAIN. */
static int
xfer_src_has_data(int fd)
{
	int	n = 0;

	return (ioctl(fd, FIONREAD, &n) == 0 && n > 0);
}

/*
 * Expands LF to CRLF in place; the buffer has room for the growth.  An LF
 * that already follows a CR, in this chunk or at the end of the last one,
 * is left alone, as nc -C and ncat -C do.
 */
static size_t
xfer_crlf_expand(char *p, size_t len, int *last_cr)
{
	size_t	nl = 0, i, j;
	int	prev_cr = *last_cr;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (p[i] == '\n' && !(i > 0 ? p[i - 1] == '\r' : prev_cr))
			nl++;
	*last_cr = p[len - 1] == '\r';
	if (nl == 0)
		return (len);
	/* Backwards, so that p[i - 1] is still unmoved when it is read. */
	for (i = len, j = len + nl; i > 0; ) {
		p[--j] = p[--i];
		if (p[i] == '\n' && !(i > 0 ? p[i - 1] == '\r' : prev_cr))
			p[--j] = '\r';
	}
	return (len + nl);
}

/*
 * A TLS result as read(2)/write(2) would give it: WANT_* is EAGAIN with
 * the events to poll for remembered in *want (DEF when it is over), an
 * error is EPROTO with the message in x->tls_err.
 */
static ssize_t
xfer_tls_result(struct xfer *x, ssize_t r, short *want, short def)
{
	if (r >= 0) {
		*want = def;
		return (r);
	}
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		*want = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		errno = EAGAIN;
		return (-1);
	}
	if (r == TLS_TRUNCATED) {
		/* An end of stream the owner reports once all is out. */
		x->truncated = 1;
		return (0);
	}
	/* A peer gone (EPIPE, ECONNRESET) stays what it is over TCP. */
	if (errno != EPIPE && errno != ECONNRESET)
		errno = EPROTO;
	return (-1);
}

/* The copy path's one read: read(2), or tls_read for a TLS source. */
static ssize_t
xfer_src_read(struct xfer *x, void *p, size_t len)
{
	if (x->c.src_tls != NULL)
		return (xfer_tls_result(x, tls_read(x->c.src_tls, p, len,
		    &x->tls_err), &x->src_want, POLLIN));
	return (read(x->c.src, p, len));
}

/* The copy path's one write: write(2), or tls_write for a TLS sink. */
static ssize_t
xfer_dst_write(struct xfer *x, const void *p, size_t len)
{
	if (x->c.dst_tls != NULL)
		return (xfer_tls_result(x, tls_write(x->c.dst_tls, p, len,
		    &x->tls_err), &x->dst_want, POLLOUT));
	return (write(x->c.dst, p, len));
}

static enum xfer_move
xfer_copy_fill(struct xfer *x)
{
	size_t	want;
	ssize_t	n;
	char	*at;

	if (x->off > 0) {
		if (x->pending > 0)
			memmove(x->buf, x->buf + x->off, x->pending);
		x->off = 0;
	}
	at = x->buf + x->pending;
	if ((want = xfer_copy_room(x)) == 0)
		return (MV_AGAIN);
	n = xfer_src_read(x, at, want);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? MV_AGAIN :
		    MV_SRC_ERR);
	if (n == 0)
		return (MV_EOF);
	x->drained = (x->c.flags & XFER_SOCKETS) && x->c.src_tls == NULL &&
	    (size_t)n < want;
	x->nread += (uint64_t)n;
	xfer_tap(x, XFER_TAP_READ, at, (size_t)n);
	if (x->c.dst == -1)
		return (MV_PROGRESS);		/* discarded */
	x->pending += (x->c.flags & XFER_CRLF) ?
	    xfer_crlf_expand(at, (size_t)n, &x->last_cr) : (size_t)n;
	return (MV_PROGRESS);
}

static enum xfer_move
xfer_copy_drain(struct xfer *x)
{
	ssize_t	n;

	n = xfer_dst_write(x, x->buf + x->off, x->pending);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? MV_AGAIN :
		    MV_DST_ERR);
	xfer_tap(x, XFER_TAP_WRITE, x->buf + x->off, (size_t)n);
	x->off += (size_t)n;
	x->pending -= (size_t)n;
	x->nwritten += (uint64_t)n;
	return (MV_PROGRESS);
}

/*
 * splice(2) and sendfile(2) fail for either end with one errno: EPIPE is
 * the sink's; anything else belongs to the network side.
 */
static enum xfer_move
xfer_move_error(const struct xfer *x)
{
	if (errno == EPIPE)
		return (MV_DST_ERR);
	return ((x->c.flags & XFER_SRC_SOCK) ? MV_SRC_ERR : MV_DST_ERR);
}

/* Bytes that went straight across: taken and delivered at once. */
static void
xfer_moved(struct xfer *x, size_t n)
{
	x->nread += n;
	x->nwritten += n;
	xfer_tap(x, XFER_TAP_READ, NULL, n);
	xfer_tap(x, XFER_TAP_WRITE, NULL, n);
}

static enum xfer_move
xfer_splice_move(struct xfer *x)
{
	ssize_t	n;

	n = splice(x->c.src, NULL, x->c.dst, NULL, SPLICE_CHUNK,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		x->wait_dst = 0;
		xfer_moved(x, (size_t)n);
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	if (errno == EINTR)
		return (MV_AGAIN);
	if (errno == EAGAIN) {
		x->wait_dst = xfer_src_has_data(x->c.src);
		return (MV_AGAIN);
	}
	return (xfer_move_error(x));
}

static enum xfer_move
xfer_sendfile_move(struct xfer *x)
{
	ssize_t	n;

	n = sendfile(x->c.dst, x->c.src, NULL, SPLICE_CHUNK);
	if (n > 0) {
		xfer_moved(x, (size_t)n);
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	if (errno == EAGAIN) {
		x->wait_dst = 1;
		return (MV_AGAIN);
	}
	if (errno == EINTR)
		return (MV_AGAIN);
	return (xfer_move_error(x));
}

static enum xfer_move
xfer_viapipe_fill(struct xfer *x)
{
	ssize_t	n;

	if (xfer_pipe_get(x) == -1) {
		/* No descriptor for a pipe: copy rather than spin. */
		errno = EINVAL;
		return (MV_SRC_ERR);
	}
	n = splice(x->c.src, NULL, x->pipe.fd[1], NULL,
	    x->pipe.cap - x->pending, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		x->drained = (x->c.flags & XFER_SOCKETS) &&
		    (size_t)n < x->pipe.cap - x->pending;
		x->nread += (uint64_t)n;
		x->pending += (size_t)n;
		xfer_tap(x, XFER_TAP_READ, NULL, (size_t)n);
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	if (errno == EINTR)
		return (MV_AGAIN);
	if (errno != EAGAIN)
		return (MV_SRC_ERR);
	/*
	 * A pipe can be full short of its byte capacity (its slots hold
	 * partial pages): if the source has data, stop polling it until the
	 * drain makes room, or poll would wake at once, over and over.
	 */
	if (x->pending > 0)
		x->wait_dst = xfer_src_has_data(x->c.src);
	return (MV_AGAIN);
}

static enum xfer_move
xfer_viapipe_drain(struct xfer *x)
{
	ssize_t	n;

	n = splice(x->pipe.fd[0], NULL, x->c.dst, NULL, x->pending,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		x->wait_dst = 0;
		x->pending -= (size_t)n;
		x->nwritten += (uint64_t)n;
		xfer_tap(x, XFER_TAP_WRITE, NULL, (size_t)n);
		xfer_pipe_put(x);
		return (MV_PROGRESS);
	}
	return (n == -1 && (errno == EAGAIN || errno == EINTR) ? MV_AGAIN :
	    MV_DST_ERR);
}

/* Whether the direction wants to read its source / write its sink now. */
static int
xfer_want_src(const struct xfer *x)
{
	if (x->eof || x->done)
		return (0);
	switch (x->kind) {
	case XFER_SPLICE:
		return (!x->wait_dst);
	case XFER_VIAPIPE:
		return (x->pending < x->pipe.cap && !x->wait_dst);
	case XFER_SENDFILE:
		return (0);
	case XFER_COPY:
		return (xfer_copy_room(x) > 0);
	}
	return (0);
}

static int
xfer_want_dst(const struct xfer *x)
{
	if (x->done || x->c.dst < 0)
		return (0);
	switch (x->kind) {
	case XFER_SPLICE:
		return (x->wait_dst);
	case XFER_SENDFILE:
		return (!x->eof);
	default:
		return (x->pending > 0);
	}
}

/* The poll(2) events to wait for on the source and on the sink. */
void
xfer_events(const struct xfer *x, short *src_ev, short *dst_ev)
{
	*src_ev = xfer_want_src(x) ? x->src_want : 0;
	*dst_ev = xfer_want_dst(x) || x->notify ? x->dst_want : 0;
}

/*
 * A buffered kind (pipe or copy): fill from the source when it may be
 * read, then drain to the sink whatever is pending.  A fill that ends or
 * fails wins over the drain; a drain that fails wins over a fill that
 * made no progress.
 */
static enum xfer_move
xfer_buffered_move(struct xfer *x, int may_read)
{
	enum xfer_move	mv = MV_AGAIN, m2;

	if (xfer_want_src(x) && may_read)
		mv = x->kind == XFER_VIAPIPE ? xfer_viapipe_fill(x) :
		    xfer_copy_fill(x);
	if (mv == MV_EOF || mv == MV_SRC_ERR || x->pending == 0) {
		/* A pooled pipe taken for a fill that found nothing. */
		if (x->kind == XFER_VIAPIPE)
			xfer_pipe_put(x);
		return (mv);
	}
	m2 = x->kind == XFER_VIAPIPE ? xfer_viapipe_drain(x) :
	    xfer_copy_drain(x);
	if (m2 == MV_DST_ERR || m2 == MV_PROGRESS)
		mv = m2;
	return (mv);
}

/*
 * One step: read from the source and/or write to the sink as readiness
 * allows, up to BURST moves.  A source known not to block is read again
 * right away; a blocking one (a terminal) only once per poll.
 */
enum xfer_status
xfer_step(struct xfer *x, short src_revents, short dst_revents)
{
	enum xfer_move	mv;
	int		i, src_ready, dst_ready, again = 0;

	if (x->notify) {
		/* Done, but close_notify waits for room in the socket. */
		if (dst_revents != 0 && xfer_notify(x) == -1) {
			x->err = errno;
			return (XFER_DST_ERR);
		}
		return (XFER_DONE);
	}
	/* TLS: a read may wait for POLLOUT, a write for POLLIN. */
	src_ready = (src_revents & (READY_IN | x->src_want)) != 0 ||
	    xfer_ready(x);
	dst_ready = (dst_revents & (READY_OUT | x->dst_want)) != 0;
	for (i = 0; i < BURST && !x->done; i++) {
		switch (x->kind) {
		case XFER_SPLICE:
			if (!(src_ready || dst_ready || again))
				return (XFER_AGAIN);
			mv = xfer_splice_move(x);
			break;
		case XFER_SENDFILE:
			mv = xfer_sendfile_move(x);
			break;
		default:
			mv = xfer_buffered_move(x, src_ready || again);
			break;
		}
		if (mv == MV_SRC_ERR || mv == MV_DST_ERR) {
			x->err = errno;
			/* EINVAL: this pair cannot be spliced; copy it. */
			if (errno == EINVAL && x->kind != XFER_COPY &&
			    (x->kind != XFER_SPLICE || x->nread == 0)) {
				if (xfer_to_copy(x) == -1)
					return (XFER_NOMEM);
				continue;
			}
			return (mv == MV_SRC_ERR ? XFER_SRC_ERR :
			    XFER_DST_ERR);
		}
		if (mv == MV_EOF) {
			x->eof = 1;
			if (x->kind == XFER_SENDFILE || x->kind == XFER_SPLICE)
				x->pending = 0;
			if (x->pending == 0)
				break;
			continue;
		}
		if (mv != MV_PROGRESS)
			break;
		/* A short read from a socket left nothing behind. */
		again = x->src_nonblock && !x->drained;
		x->drained = 0;
		src_ready = 0;
	}
	if (x->eof && x->pending == 0)
		x->done = 1;
	return (x->done ? XFER_DONE : XFER_AGAIN);
}
