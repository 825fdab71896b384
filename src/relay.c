/*
 * The stream relay.  Each direction moves bytes from a source to a sink in
 * the cheapest way the pair of descriptors allows:
 *
 *  - SPLICE:   one side is a pipe; splice(2) moves pages straight across.
 *  - VIAPIPE:  neither is a pipe (socket to file, /dev/null or socket);
 *              splice into a private pipe and from it to the sink.
 *  - SENDFILE: a regular file to the socket.
 *  - COPY:     read(2)/write(2) through a heap buffer: terminals, -C, and
 *              any pair the kernel refuses to splice (EINVAL).
 *
 * A direction that cannot make progress stops polling its source until its
 * sink drains, so a slow reader applies back-pressure instead of growing a
 * buffer.  The termination rules are the contract's, numbered there:
 * stdin EOF half-closes (2), the peer's EOF keeps stdin flowing (3) unless
 * stdin is a terminal or --recv-only (4), -q/-i bound the waits (5), and a
 * reset before the peer's EOF is an error (6).
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "relay.h"
#include "sock.h"

#define COPY_BUFSZ	(256 * 1024)
#define PIPE_BUFSZ	(1024 * 1024)
#define SPLICE_CHUNK	(1024 * 1024)
#define BURST		16	/* moves per wakeup before polling again */
#define LINGER_MS	200	/* --send-only: quiet that ends the drain */

enum dir_mode {
	MODE_SPLICE,
	MODE_VIAPIPE,
	MODE_SENDFILE,
	MODE_COPY
};

struct dir {
	const char	*src_name;
	const char	*dst_name;
	int		 src;
	int		 dst;		/* -1: discard (--send-only) */
	int		 src_is_net;
	int		 src_nonblock;	/* safe to read again without poll */
	int		 err;		/* errno of the failed move */
	enum dir_mode	 mode;
	int		 pipe[2];	/* MODE_VIAPIPE */
	size_t		 pipecap;
	char		*buf;		/* MODE_COPY */
	size_t		 bufsz;
	size_t		 off;
	size_t		 pending;	/* bytes in pipe[] or buf */
	int		 crlf;
	int		 last_cr;	/* -C: the last byte read was CR */
	int		 eof;		/* the source has ended */
	int		 done;		/* eof and everything delivered */
	int		 wait_dst;	/* SPLICE/SENDFILE: sink is full */
	uint64_t	 moved;		/* bytes taken from the source */
};

/* Why a move stopped. */
enum move {
	MV_PROGRESS,
	MV_AGAIN,
	MV_EOF,
	MV_SRC_ERR,
	MV_DST_ERR
};

static int
is_fifo(int fd)
{
	struct stat	st;

	return (fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode));
}

static int
is_regular(int fd)
{
	struct stat	st;

	return (fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
}

static int
dir_alloc_buf(struct dir *d, size_t min)
{
	size_t	sz = min > COPY_BUFSZ ? min : COPY_BUFSZ;

	if (d->buf != NULL && d->bufsz >= sz)
		return (0);
	free(d->buf);
	if ((d->buf = malloc(sz)) == NULL)
		return (-1);
	d->bufsz = sz;
	return (0);
}

/*
 * Falls back to plain copying when the kernel refuses to splice a pair,
 * keeping whatever already sits in the private pipe.
 */
static int
dir_to_copy(struct dir *d)
{
	ssize_t	n;
	size_t	have = 0;

	if (dir_alloc_buf(d, d->pending) == -1)
		return (-1);
	if (d->mode == MODE_VIAPIPE) {
		while (have < d->pending) {
			n = read(d->pipe[0], d->buf + have, d->pending - have);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				return (-1);
			have += (size_t)n;
		}
		close(d->pipe[0]);
		close(d->pipe[1]);
		d->pipe[0] = d->pipe[1] = -1;
	}
	d->off = 0;
	d->mode = MODE_COPY;
	d->wait_dst = 0;
	d->src_nonblock = d->src_is_net ||
	    (fcntl(d->src, F_GETFL) & O_NONBLOCK) != 0;
	return (0);
}

static int
dir_setup(struct dir *d)
{
	int	sz;

	d->pipe[0] = d->pipe[1] = -1;
	if (d->dst == -1 || d->crlf || isatty(d->src) ||
	    (d->dst >= 0 && isatty(d->dst)))
		d->mode = MODE_COPY;
	else if (is_fifo(d->src) || is_fifo(d->dst))
		d->mode = MODE_SPLICE;
	else if (is_regular(d->src) && !d->src_is_net)
		d->mode = MODE_SENDFILE;
	else if (pipe2(d->pipe, O_CLOEXEC | O_NONBLOCK) == 0) {
		d->mode = MODE_VIAPIPE;
		sz = fcntl(d->pipe[0], F_SETPIPE_SZ, PIPE_BUFSZ);
		if (sz == -1)
			sz = fcntl(d->pipe[0], F_GETPIPE_SZ);
		d->pipecap = sz > 0 ? (size_t)sz : 65536;
	} else
		d->mode = MODE_COPY;
	/* Larger stdio pipes mean fewer wakeups on both ends. */
	if (is_fifo(d->src))
		(void)fcntl(d->src, F_SETPIPE_SZ, PIPE_BUFSZ);
	if (d->dst >= 0 && is_fifo(d->dst))
		(void)fcntl(d->dst, F_SETPIPE_SZ, PIPE_BUFSZ);
	d->src_nonblock = d->src_is_net || d->mode == MODE_SPLICE ||
	    (fcntl(d->src, F_GETFL) & O_NONBLOCK) != 0;
	if (d->mode == MODE_COPY)
		return (dir_alloc_buf(d, 0));
	return (0);
}

static void
dir_cleanup(struct dir *d)
{
	if (d->pipe[0] != -1)
		close(d->pipe[0]);
	if (d->pipe[1] != -1)
		close(d->pipe[1]);
	free(d->buf);
	d->buf = NULL;
}

/* Source has data but sink is full?  Used after an ambiguous EAGAIN. */
static int
src_has_data(int fd)
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
crlf_expand(char *p, size_t len, int *last_cr)
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

static enum move
copy_fill(struct dir *d)
{
	size_t	room, want;
	ssize_t	n;
	char	*at;

	if (d->off > 0) {
		if (d->pending > 0)
			memmove(d->buf, d->buf + d->off, d->pending);
		d->off = 0;
	}
	at = d->buf + d->pending;
	room = d->bufsz - d->pending;
	want = d->crlf ? room / 2 : room;
	if (want == 0)
		return (MV_AGAIN);
	n = read(d->src, at, want);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? MV_AGAIN :
		    MV_SRC_ERR);
	if (n == 0)
		return (MV_EOF);
	d->moved += (uint64_t)n;
	if (d->dst == -1)
		return (MV_PROGRESS);		/* --send-only: discard */
	d->pending += d->crlf ? crlf_expand(at, (size_t)n, &d->last_cr) :
	    (size_t)n;
	return (MV_PROGRESS);
}

static enum move
copy_drain(struct dir *d, uint64_t *out)
{
	ssize_t	n;

	n = write(d->dst, d->buf + d->off, d->pending);
	if (n == -1)
		return (errno == EAGAIN || errno == EINTR ? MV_AGAIN :
		    MV_DST_ERR);
	d->off += (size_t)n;
	d->pending -= (size_t)n;
	*out += (uint64_t)n;
	return (MV_PROGRESS);
}

/*
 * splice(2) and sendfile(2) fail for either end with one errno: EPIPE is
 * the sink's; anything else belongs to the network side.
 */
static enum move
move_error(const struct dir *d)
{
	if (errno == EPIPE)
		return (MV_DST_ERR);
	return (d->src_is_net ? MV_SRC_ERR : MV_DST_ERR);
}


static enum move
splice_move(struct dir *d, uint64_t *out)
{
	ssize_t	n;

	n = splice(d->src, NULL, d->dst, NULL, SPLICE_CHUNK,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		d->wait_dst = 0;
		d->moved += (uint64_t)n;
		*out += (uint64_t)n;
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	if (errno == EINTR)
		return (MV_AGAIN);
	if (errno == EAGAIN) {
		d->wait_dst = src_has_data(d->src);
		return (MV_AGAIN);
	}
	return (move_error(d));
}

static enum move
sendfile_move(struct dir *d, uint64_t *out)
{
	ssize_t	n;

	n = sendfile(d->dst, d->src, NULL, SPLICE_CHUNK);
	if (n > 0) {
		d->moved += (uint64_t)n;
		*out += (uint64_t)n;
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	if (errno == EAGAIN) {
		d->wait_dst = 1;
		return (MV_AGAIN);
	}
	if (errno == EINTR)
		return (MV_AGAIN);
	return (move_error(d));
}

static enum move
viapipe_fill(struct dir *d)
{
	ssize_t	n;

	n = splice(d->src, NULL, d->pipe[1], NULL, d->pipecap - d->pending,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		d->moved += (uint64_t)n;
		d->pending += (size_t)n;
		return (MV_PROGRESS);
	}
	if (n == 0)
		return (MV_EOF);
	return (errno == EAGAIN || errno == EINTR ? MV_AGAIN : MV_SRC_ERR);
}

static enum move
viapipe_drain(struct dir *d, uint64_t *out)
{
	ssize_t	n;

	n = splice(d->pipe[0], NULL, d->dst, NULL, d->pending,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n > 0) {
		d->pending -= (size_t)n;
		*out += (uint64_t)n;
		return (MV_PROGRESS);
	}
	return (n == -1 && (errno == EAGAIN || errno == EINTR) ? MV_AGAIN :
	    MV_DST_ERR);
}

/* Whether the direction wants to read its source / write its sink now. */
static int
want_src(const struct dir *d)
{
	if (d->eof || d->done)
		return (0);
	switch (d->mode) {
	case MODE_SPLICE:
		return (!d->wait_dst);
	case MODE_VIAPIPE:
		return (d->pending < d->pipecap);
	case MODE_SENDFILE:
		return (0);
	case MODE_COPY:
		return ((d->crlf ? (d->bufsz - d->pending) / 2 :
		    d->bufsz - d->pending) > 0);
	}
	return (0);
}

static int
want_dst(const struct dir *d)
{
	if (d->done)
		return (0);
	switch (d->mode) {
	case MODE_SPLICE:
		return (d->wait_dst);
	case MODE_SENDFILE:
		return (!d->eof);
	default:
		return (d->pending > 0);
	}
}

/*
 * -vv: one line per chunk that crosses the socket, counted where it
 * crosses it: each read from the peer, each write to it.
 */
static void
log_chunk(const struct dir *d, uint64_t in, uint64_t out)
{
	if (log_verbosity < 2)
		return;
	if (d->src_is_net && in > 0)
		log_verbose(2, "received %llu bytes", (unsigned long long)in);
	else if (!d->src_is_net && out > 0)
		log_verbose(2, "sent %llu bytes", (unsigned long long)out);
}

struct relay {
	const struct relay_conf *conf;
	struct dir	 up;		/* stdin -> net */
	struct dir	 down;		/* net -> stdout */
	int		 net;
	int		 out;		/* stdout */
	int		 out_closed;
	int		 stdin_tty;
	int		 shut;		/* SHUT_WR done */
	int		 up_broken;	/* the peer stopped reading */
	int		 reset_early;	/* ...and had not sent its EOF */
	long long	 last_io;
	long long	 stdin_done_at;
	struct relay_stats *st;
	struct sk_err	*err;
};

/*
 * One step of a direction: read from the source and/or write to the sink,
 * as readiness allows, a bounded number of times.  Returns -1 on a fatal
 * error (message set), 0 otherwise.
 */
static int
dir_step(struct relay *r, struct dir *d, int src_ready, int dst_ready,
    uint64_t *out)
{
	enum move	mv = MV_AGAIN;
	uint64_t	in0, out0;
	int		i, again = 0;

	for (i = 0; i < BURST; i++) {
		if (d->done)
			break;
		in0 = d->moved;
		out0 = *out;
		switch (d->mode) {
		case MODE_SPLICE:
			if (!(src_ready || dst_ready || again))
				return (0);
			mv = splice_move(d, out);
			break;
		case MODE_SENDFILE:
			mv = sendfile_move(d, out);
			break;
		case MODE_VIAPIPE:
			mv = MV_AGAIN;
			if (want_src(d) && (src_ready || again))
				mv = viapipe_fill(d);
			if (mv == MV_EOF || mv == MV_SRC_ERR)
				break;
			if (d->pending > 0) {
				enum move m2 = viapipe_drain(d, out);
				if (m2 == MV_DST_ERR)
					mv = m2;
				else if (m2 == MV_PROGRESS)
					mv = MV_PROGRESS;
			}
			break;
		case MODE_COPY:
			mv = MV_AGAIN;
			if (want_src(d) && (src_ready || again))
				mv = copy_fill(d);
			if (mv == MV_EOF || mv == MV_SRC_ERR)
				break;
			if (d->pending > 0) {
				enum move m2 = copy_drain(d, out);
				if (m2 == MV_DST_ERR)
					mv = m2;
				else if (m2 == MV_PROGRESS)
					mv = MV_PROGRESS;
			}
			break;
		}
		log_chunk(d, d->moved - in0, *out - out0);
		if (mv == MV_SRC_ERR || mv == MV_DST_ERR) {
			d->err = errno;
			if (errno == EINVAL && d->mode != MODE_COPY &&
			    (d->mode != MODE_SPLICE || d->moved == 0)) {
				if (dir_to_copy(d) == -1) {
					err_set(r->err, "out of memory");
					return (-1);
				}
				continue;
			}
			return (mv == MV_SRC_ERR ? -2 : -3);
		}
		if (mv == MV_EOF) {
			d->eof = 1;
			if (d->mode == MODE_SENDFILE || d->mode == MODE_SPLICE)
				d->pending = 0;
			if (d->pending == 0)
				break;
			continue;
		}
		if (mv != MV_PROGRESS)
			break;
		r->last_io = clock_ms();
		/* A blocking stdin may only be read once per poll. */
		again = d->src_nonblock;
		src_ready = 0;
	}
	if (d->eof && d->pending == 0)
		d->done = 1;
	return (0);
}

static void
shut_wr(struct relay *r)
{
	if (r->shut || r->conf->no_shutdown)
		return;
	r->shut = 1;
	(void)shutdown(r->net, SHUT_WR);
}

/*
 * Puts /dev/null in stdout's place rather than leaving the descriptor
 * free: closing is the point (the reader sees EOF), but a later socket
 * must not become fd 1.
 */
static void
close_out(struct relay *r)
{
	int	fd;

	r->out_closed = 1;
	if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) == -1) {
		(void)close(r->out);
		return;
	}
	if (dup2(fd, r->out) == -1)
		(void)close(r->out);
	(void)close(fd);
}

static int
relay_loop(struct relay *r)
{
	const struct relay_conf *c = r->conf;
	struct pollfd	 pfd[3];
	long long	 now, deadline, t;
	int		 n, rv, in_i, net_i, out_i, timeout, e;

	for (;;) {
		if (r->up.done && r->stdin_done_at < 0) {
			r->stdin_done_at = clock_ms();
			shut_wr(r);
		}
		/*
		 * Rule 3: the peer's EOF, and all it sent is written out.
		 * stdout ends here, so that a pipeline reading it ends with
		 * the peer even while stdin is still being sent.
		 */
		if (r->down.done && c->close_out && !r->out_closed)
			close_out(r);
		/* Rules 3 and 4: when the session is over. */
		if (r->down.done) {
			if (r->reset_early) {
				err_set(r->err, "%s: %s", c->peer,
				    strerror(ECONNRESET));
				return (RELAY_ERROR);
			}
			if (r->up.done)
				return (RELAY_DONE);
			if (r->stdin_tty || c->recv_only)
				return (RELAY_PEER_EOF);
		}
		/*
		 * --send-only ends once stdin is sent, but first drains what
		 * the peer sends (until its EOF or a short quiet): closing
		 * with unread data would make the kernel reset the
		 * connection and destroy what we sent.
		 */
		if (c->send_only && r->up.done &&
		    clock_ms() >= r->last_io + LINGER_MS)
			return (RELAY_DONE);
		if (r->up.done && c->quit_ms == 0 && !c->recv_only)
			return (RELAY_QUIT);

		n = 0;
		in_i = net_i = out_i = -1;
		if (want_src(&r->up)) {
			pfd[n].fd = r->up.src;
			pfd[n].events = POLLIN;
			in_i = n++;
		}
		pfd[n].fd = r->net;
		pfd[n].events = 0;
		if (want_src(&r->down))
			pfd[n].events |= POLLIN;
		if (want_dst(&r->up))
			pfd[n].events |= POLLOUT;
		net_i = n++;
		if (want_dst(&r->down) && r->down.dst >= 0) {
			pfd[n].fd = r->down.dst;
			pfd[n].events = POLLOUT;
			out_i = n++;
		}

		now = clock_ms();
		deadline = -1;
		if (c->idle_ms >= 0)
			deadline = r->last_io + c->idle_ms;
		if (c->quit_ms > 0 && r->stdin_done_at >= 0 && !c->recv_only) {
			t = r->stdin_done_at + c->quit_ms;
			if (deadline < 0 || t < deadline)
				deadline = t;
		}
		if (c->send_only && r->up.done) {
			t = r->last_io + LINGER_MS;
			if (deadline < 0 || t < deadline)
				deadline = t;
		}
		timeout = -1;
		if (deadline >= 0) {
			t = deadline - now;
			timeout = t < 0 ? 0 : t > INT_MAX ? INT_MAX : (int)t;
		}
		rv = poll(pfd, (nfds_t)n, timeout);
		if (rv == -1) {
			if (errno == EINTR)
				continue;
			err_set(r->err, "poll: %s", strerror(errno));
			return (RELAY_ERROR);
		}
		if (rv == 0) {
			now = clock_ms();
			if (c->quit_ms > 0 && r->stdin_done_at >= 0 &&
			    !c->recv_only &&
			    now >= r->stdin_done_at + c->quit_ms)
				return (RELAY_QUIT);
			if (c->idle_ms >= 0 && now >= r->last_io + c->idle_ms)
				return (RELAY_IDLE);
			continue;
		}

		/*
		 * A peer that has closed and then reset leaves POLLERR set
		 * for good; with its EOF already read that is rule 3's
		 * normal end, and polling on would spin.
		 */
		if (r->down.done && !r->up.done &&
		    (pfd[net_i].revents & (POLLERR | POLLHUP)) &&
		    !(pfd[net_i].events & POLLOUT))
			return (RELAY_DONE);

		/*
		 * The peer's side first: a FIN that came with this poll is
		 * then seen before a write fails, so rule 3 and rule 6 tell
		 * a closed peer from a reset one.
		 */
		/* net -> stdout */
		if (!r->down.done) {
			e = dir_step(r, &r->down, pfd[net_i].revents &
			    (POLLIN | POLLERR | POLLHUP),
			    out_i >= 0 && pfd[out_i].revents, &r->st->received);
			if (e == -1)
				return (RELAY_ERROR);
			if (e == -2) {
				err_set(r->err, "%s: %s", c->peer,
				    strerror(r->down.err));
				return (RELAY_ERROR);
			}
			if (e == -3) {
				if (r->down.err == EPIPE)
					return (RELAY_STDOUT_CLOSED);
				err_set(r->err, "write to stdout: %s",
				    strerror(r->down.err));
				return (RELAY_ERROR);
			}
		}
		/* stdin -> net */
		if (!r->up.done) {
			e = dir_step(r, &r->up, in_i >= 0 && pfd[in_i].revents,
			    pfd[net_i].revents & (POLLOUT | POLLERR | POLLHUP),
			    &r->st->sent);
			if (e == -1)
				return (RELAY_ERROR);
			if (e == -2) {
				err_set(r->err, "read from stdin: %s",
				    strerror(r->up.err));
				return (RELAY_ERROR);
			}
			if (e == -3) {
				/* Rule 3: the peer may simply be gone. */
				if (r->up.err != EPIPE &&
				    r->up.err != ECONNRESET) {
					err_set(r->err, "%s: %s", c->peer,
					    strerror(r->up.err));
					return (RELAY_ERROR);
				}
				r->up_broken = r->up.err;
				r->up.done = 1;
				r->up.pending = 0;
				/* Rule 6, once what the peer sent is out. */
				if (!r->down.eof)
					r->reset_early = 1;
				if (!r->down.eof && !r->down.done)
					r->shut = 1;
			}
		}
	}
}

/*
 * With --send-only the peer's data is read and dropped rather than left
 * unread: closing a socket with unread data makes the kernel send a reset,
 * which can destroy what we sent before the peer reads it.
 */
int
relay_run(const struct relay_conf *c, int net, int in, int out,
    struct relay_stats *st, struct sk_err *err)
{
	struct relay	 r;
	struct timespec	 t0, t1;
	int		 end;

	memset(&r, 0, sizeof(r));
	memset(st, 0, sizeof(*st));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	r.conf = c;
	r.net = net;
	r.out = out;
	r.st = st;
	r.err = err;
	r.stdin_done_at = -1;
	r.last_io = clock_ms();
	r.stdin_tty = isatty(in);

	r.up.src = in;
	r.up.dst = net;
	r.up.crlf = c->crlf;
	r.down.src = net;
	r.down.src_is_net = 1;
	r.down.dst = c->send_only ? -1 : out;
	if (sock_set_nonblock(net, 1) == -1) {
		err_set(err, "fcntl: %s", strerror(errno));
		return (-1);
	}
	if (c->recv_only) {
		/*
		 * stdin is never read, so it never ends: no half-close
		 * (rule 2), which would also stop senders such as nc -l.
		 */
		r.up.eof = r.up.done = 1;
		r.shut = 1;
		r.up.pipe[0] = r.up.pipe[1] = -1;
	} else if (dir_setup(&r.up) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	if (dir_setup(&r.down) == -1) {
		dir_cleanup(&r.up);
		err_set(err, "out of memory");
		return (-1);
	}
	end = relay_loop(&r);
	st->end = (enum relay_end)end;
	st->received = r.down.moved;
	dir_cleanup(&r.up);
	dir_cleanup(&r.down);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	st->seconds = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	return (end == RELAY_ERROR ? -1 : 0);
}

void
relay_report(const struct relay_stats *st)
{
	switch (st->end) {
	case RELAY_IDLE:
		log_verbose(1, "idle timeout");
		break;
	case RELAY_QUIT:
		log_verbose(1, "quit timeout after stdin EOF");
		break;
	case RELAY_STDOUT_CLOSED:
		log_verbose(1, "stdout closed");
		break;
	default:
		break;
	}
	log_verbose(1, "sent %llu bytes, received %llu bytes in %.3f s",
	    (unsigned long long)st->sent, (unsigned long long)st->received,
	    st->seconds);
}
