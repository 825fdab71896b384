/*
 * The stdio session of listen and connect: two xfers (stdin to the socket,
 * the socket to stdout) and the policy on top of them, which is when to
 * half-close, when the session is over, what -q, -i, --send-only and
 * --recv-only change, and which failure is an error.  Moving the bytes is
 * xfer.c's job; the rules below are enforced here and nowhere else.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "relay.h"
#include "sock.h"
#include "tls.h"
#include "trace-opt.h"
#include "trace.h"
#include "xfer.h"

#define LINGER_MS	200	/* --send-only: quiet that ends the drain */

/*
 * The poll(2) set has fixed slots; a slot not wanted this round has fd -1,
 * which poll skips.  The socket has one slot for both directions, so that
 * its POLLERR/POLLHUP is seen once and given to both.
 */
enum relay_slot {
	POLL_STDIN,
	POLL_NET,
	POLL_STDOUT,
	POLL_NSLOTS
};

struct relay {
	const struct relay_conf *conf;
	struct xfer	 up;		/* stdin -> net */
	struct xfer	 down;		/* net -> stdout */
	int		 net;
	int		 out;		/* stdout */
	int		 out_closed;
	int		 stdin_tty;
	int		 shut;		/* SHUT_WR done, or not to be done */
	int		 reset_early;	/* peer stopped reading before EOF */
	long long	 last_io;
	long long	 stdin_done_at;
	struct sk_err	*err;
	struct trace_conn *tc;		/* traced: --trace, --hexdump, --pcap */
	struct trace_tap up_tap;
	struct trace_tap down_tap;
};

/*
 * -vv: one line per chunk that crosses the socket, counted where it
 * crosses it: each read from the peer, each write to it.
 */
struct relay_tap {
	enum xfer_tap_side side;	/* the side of the xfer on the net */
	const char	*verb;
};

static const struct relay_tap relay_tap_down = { XFER_TAP_READ, "received" };
static const struct relay_tap relay_tap_up = { XFER_TAP_WRITE, "sent" };

static void
relay_tap(void *arg, enum xfer_tap_side side, const void *p, size_t n)
{
	const struct relay_tap *t = arg;

	(void)p;
	if (side == t->side)
		log_verbose(2, "%s %zu bytes", t->verb, n);
}

/*
 * stdin is at EOF and sent: half-close, so the peer sees our EOF and may
 * answer, and keep relaying what it sends.  --no-shutdown skips it (for
 * peers that take a half-close for a hang-up).
 */
static void
relay_shut_wr(struct relay *r)
{
	if (r->shut || r->conf->no_shutdown)
		return;
	r->shut = 1;
	if (xfer_shutdown(&r->up) == 0)
		trace_fin(r->tc, TRACE_OUT, NULL);
}

/*
 * Puts /dev/null in stdout's place rather than leaving the descriptor
 * free: closing is the point (the reader sees EOF), but a later socket
 * must not become fd 1.
 */
static void
relay_close_out(struct relay *r)
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

/*
 * The end-of-session rules, checked before every poll.  TCP cannot tell a
 * peer that only half-closed (and still reads) from one that is gone, so
 * they favour never losing data; the options say when to stop early.
 *
 *  - stdin's EOF, once all of it is sent, half-closes the connection and
 *    the peer's data keeps flowing to stdout.
 *  - The peer's EOF, once all it sent is written out, closes stdout when
 *    the command says so (connect, listen without -k), so a pipeline
 *    reading stdout ends with the peer even while stdin is still sent.
 *  - The session ends when both directions are done: stdin at EOF and
 *    sent, the peer at EOF and written out.  A peer that stopped reading
 *    (EPIPE, ECONNRESET) after its EOF counts as done; one that stopped
 *    before its EOF is a reset, reported once its data is out.
 *  - The peer's EOF alone ends it when stdin is a terminal (a person
 *    typing is not an upload) or with --recv-only (stdin is not read).
 *  - --send-only ends once stdin is sent, after a short quiet: what the
 *    peer sends meanwhile is read and dropped, because closing with
 *    unread data makes the kernel reset the connection and can destroy
 *    what we sent before the peer read it.
 *  - -q 0 ends the session at stdin's EOF (the half-close is still sent).
 *
 * Returns the end, or -1 to go on.
 */
static int
relay_check_end(struct relay *r)
{
	const struct relay_conf *c = r->conf;

	if (r->up.done && r->stdin_done_at < 0) {
		r->stdin_done_at = clock_ms();
		relay_shut_wr(r);
	}
	if (r->down.done && c->close_out && !r->out_closed)
		relay_close_out(r);
	if (r->down.done) {
		/* Over TLS, the peer's EOF must be its close_notify. */
		if (r->down.truncated) {
			err_set(r->err, "%s", r->down.tls_err.msg);
			return (RELAY_ERROR);
		}
		if (r->reset_early) {
			err_set(r->err, "%s: %s", c->peer,
			    strerror(ECONNRESET));
			return (RELAY_ERROR);
		}
		if (r->up.done && !r->up.notify)
			return (RELAY_DONE);
		if (r->stdin_tty || c->recv_only)
			return (RELAY_PEER_EOF);
	}
	if (c->send_only && r->up.done &&
	    clock_ms() >= r->last_io + LINGER_MS)
		return (RELAY_DONE);
	if (r->up.done && !r->up.notify && c->quit_ms == 0 &&
	    !c->recv_only)
		return (RELAY_QUIT);
	return (-1);
}

/* The earlier of two deadlines, where -1 is none. */
static long long
relay_earliest(long long a, long long b)
{
	if (a < 0)
		return (b);
	return (b < 0 || a < b ? a : b);
}

/*
 * The waits that end a session without an event: -i bounds silence both
 * ways, -q the wait for the peer after stdin's EOF (not with --recv-only,
 * where stdin is never read), and --send-only's drain its quiet.
 */
static long long
relay_deadline(const struct relay *r)
{
	const struct relay_conf *c = r->conf;
	long long	 d = -1;

	if (c->idle_ms >= 0)
		d = r->last_io + c->idle_ms;
	if (c->quit_ms > 0 && r->stdin_done_at >= 0 && !c->recv_only)
		d = relay_earliest(d, r->stdin_done_at + c->quit_ms);
	if (c->send_only && r->up.done)
		d = relay_earliest(d, r->last_io + LINGER_MS);
	return (d);
}

/* poll timed out: -q or -i ends the session (exit 0), or poll again. */
static int
relay_timed_out(const struct relay *r)
{
	const struct relay_conf *c = r->conf;
	long long	 now;

	now = clock_ms();
	if (c->quit_ms > 0 && r->stdin_done_at >= 0 && !c->recv_only &&
	    now >= r->stdin_done_at + c->quit_ms)
		return (RELAY_QUIT);
	if (c->idle_ms >= 0 && now >= r->last_io + c->idle_ms)
		return (RELAY_IDLE);
	return (-1);
}

static void
relay_fill_pollset(const struct relay *r, struct pollfd *pfd)
{
	short	in_ev, net_up, net_down, out_ev;

	xfer_events(&r->up, &in_ev, &net_up);
	xfer_events(&r->down, &net_down, &out_ev);
	pfd[POLL_STDIN].fd = in_ev != 0 ? r->up.c.src : -1;
	pfd[POLL_STDIN].events = in_ev;
	/* Always polled, even for nothing: POLLERR and POLLHUP come anyway. */
	pfd[POLL_NET].fd = r->net;
	pfd[POLL_NET].events = net_up | net_down;
	pfd[POLL_STDOUT].fd = out_ev != 0 ? r->down.c.dst : -1;
	pfd[POLL_STDOUT].events = out_ev;
	pfd[POLL_STDIN].revents = pfd[POLL_NET].revents =
	    pfd[POLL_STDOUT].revents = 0;
}

/* One step of either direction; any byte moved restarts the -i clock. */
static enum xfer_status
relay_step(struct relay *r, struct xfer *x, short src_rev, short dst_rev)
{
	enum xfer_status st;
	uint64_t	 in0, out0;

	in0 = x->nread;
	out0 = x->nwritten;
	st = xfer_step(x, src_rev, dst_rev);
	if (x->nread != in0 || x->nwritten != out0)
		r->last_io = clock_ms();
	if (st == XFER_NOMEM)
		err_set(r->err, "out of memory");
	return (st);
}

/* The peer's EOF (its FIN) or reset, for a traced connection. */
static void
relay_trace_down(struct relay *r, enum xfer_status st)
{
	if (r->tc == NULL)
		return;
	if (st == XFER_SRC_ERR && r->down.err == ECONNRESET)
		trace_rst(r->tc, TRACE_IN, NULL);
	else if (r->down.eof && !r->down.truncated)
		trace_fin(r->tc, TRACE_IN, NULL);
}

/*
 * The peer to stdout.  A failure reading the socket is an error; stdout
 * closed by its reader (EPIPE) ends the session quietly.
 */
static int
relay_step_down(struct relay *r, const struct pollfd *pfd)
{
	enum xfer_status st;

	/* A TLS read may wait for POLLOUT: it gets all the socket's events. */
	st = relay_step(r, &r->down, pfd[POLL_NET].revents &
	    (r->conf->tls != NULL ? ~0 : ~POLLOUT), pfd[POLL_STDOUT].revents);
	relay_trace_down(r, st);
	if (st == XFER_SRC_ERR && r->conf->tls != NULL &&
	    r->down.err == EPROTO)
		err_set(r->err, "%s: %s", r->conf->peer, r->down.tls_err.msg);
	else if (st == XFER_SRC_ERR)
		err_set(r->err, "%s: %s", r->conf->peer,
		    strerror(r->down.err));
	else if (st == XFER_DST_ERR && r->down.err == EPIPE)
		return (RELAY_STDOUT_CLOSED);
	else if (st == XFER_DST_ERR)
		err_set(r->err, "write to stdout: %s",
		    strerror(r->down.err));
	return (st == XFER_AGAIN || st == XFER_DONE ? -1 : RELAY_ERROR);
}

/*
 * stdin to the peer.  A peer that stopped reading (EPIPE, ECONNRESET) may
 * simply be gone after sending all it had: stdin's direction is over, and
 * whether that is an error is decided once the peer's data is out (a
 * reset before its EOF is).  Any other write failure is an error now.
 */
static int
relay_step_up(struct relay *r, const struct pollfd *pfd)
{
	enum xfer_status st;

	st = relay_step(r, &r->up, pfd[POLL_STDIN].revents,
	    pfd[POLL_NET].revents & (r->conf->tls != NULL ? ~0 : ~POLLIN));
	if (st == XFER_SRC_ERR)
		err_set(r->err, "read from stdin: %s", strerror(r->up.err));
	else if (st == XFER_DST_ERR && r->conf->tls != NULL &&
	    r->up.err == EPROTO)
		err_set(r->err, "%s: %s", r->conf->peer, r->up.tls_err.msg);
	else if (st == XFER_DST_ERR && r->up.err != EPIPE &&
	    r->up.err != ECONNRESET)
		err_set(r->err, "%s: %s", r->conf->peer,
		    strerror(r->up.err));
	else if (st == XFER_DST_ERR) {
		trace_rst(r->tc, TRACE_IN, NULL);
		xfer_abandon(&r->up);
		if (!r->down.eof)
			r->reset_early = 1;
		/* No half-close on a connection the peer has dropped. */
		if (!r->down.eof && !r->down.done)
			r->shut = 1;
		return (-1);
	}
	return (st == XFER_AGAIN || st == XFER_DONE ? -1 : RELAY_ERROR);
}

/* Returns how the session ended (RELAY_ERROR with the message set). */
static int
relay_loop(struct relay *r)
{
	struct pollfd	 pfd[POLL_NSLOTS];
	int		 rv, end, ready;

	for (;;) {
		if ((end = relay_check_end(r)) != -1)
			return (end);
		relay_fill_pollset(r, pfd);
		/* Bytes TLS already decrypted: poll would not wake for them. */
		ready = xfer_ready(&r->down);
		/* The trace is written before a wait, not left behind it. */
		if (r->tc != NULL && !ready)
			trace_flush(r->conf->tracer);
		rv = poll(pfd, POLL_NSLOTS, ready ? 0 :
		    clock_poll_timeout(relay_deadline(r)));
		if (rv == -1) {
			if (errno == EINTR)
				continue;
			err_set(r->err, "poll: %s", strerror(errno));
			return (RELAY_ERROR);
		}
		if (rv == 0 && !ready) {
			if ((end = relay_timed_out(r)) != -1)
				return (end);
			continue;
		}
		/*
		 * A peer that has closed and then reset leaves POLLERR set
		 * for good; with its EOF already read that is the normal
		 * end of a peer that stopped reading, and polling on would
		 * spin.
		 */
		if (r->down.done && !r->up.done &&
		    (pfd[POLL_NET].revents & (POLLERR | POLLHUP)) &&
		    !(pfd[POLL_NET].events & POLLOUT))
			return (RELAY_DONE);
		/*
		 * The peer's side first: a FIN that came with this poll is
		 * then seen before a write fails, which tells a peer that
		 * closed (a normal end) from one that reset (an error).
		 */
		if (!r->down.done && (end = relay_step_down(r, pfd)) != -1)
			return (end);
		if ((!r->up.done || r->up.notify) &&
		    (end = relay_step_up(r, pfd)) != -1)
			return (end);
	}
}

static int
relay_setup(struct relay *r, int in, int out)
{
	const struct relay_conf *c = r->conf;
	struct xfer_conf xc;

	xfer_init_off(&r->up);
	xfer_init_off(&r->down);
	if (sock_set_nonblock(r->net, 1) == -1) {
		err_set(r->err, "fcntl: %s", strerror(errno));
		return (-1);
	}
	memset(&xc, 0, sizeof(xc));
	if (log_verbosity >= 2)
		xc.tap = relay_tap;
	xc.tap_arg = (void *)&relay_tap_up;
	xc.src = in;
	xc.dst = r->net;
	xc.dst_tls = c->tls;
	xc.flags = c->crlf ? XFER_CRLF : 0;
	/* Traced: what is written to the peer is what it gets (CRLF too). */
	traceopt_tap_conf(&r->up_tap, r->tc, XFER_TAP_WRITE, TRACE_OUT, &xc);
	/*
	 * --recv-only: stdin is never read, so it never ends: no half-close
	 * either, which would also stop senders such as nc -l.
	 */
	if (c->recv_only)
		r->shut = 1;
	else if (xfer_init(&r->up, &xc, r->err) == -1)
		return (-1);
	/* --send-only: the peer's data is read and dropped, not left. */
	xc.tap = log_verbosity >= 2 ? relay_tap : NULL;
	xc.tap_arg = (void *)&relay_tap_down;
	xc.tap_data = 0;
	xc.src = r->net;
	xc.dst = c->send_only ? -1 : out;
	xc.flags = XFER_SRC_SOCK;
	xc.dst_tls = NULL;
	xc.src_tls = c->tls;
	traceopt_tap_conf(&r->down_tap, r->tc, XFER_TAP_READ, TRACE_IN, &xc);
	return (xfer_init(&r->down, &xc, r->err));
}

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
	r.err = err;
	r.stdin_done_at = -1;
	r.last_io = clock_ms();
	r.stdin_tty = isatty(in);
	r.tc = c->trace_conn != NULL ? c->trace_conn :
	    traceopt_tcp(c->tracer, c->trace_id, c->trace_opener, net);
	if (relay_setup(&r, in, out) == -1) {
		xfer_free(&r.up);
		xfer_free(&r.down);
		trace_conn_close(r.tc);
		return (-1);
	}
	end = relay_loop(&r);
	/* The close that follows sends our FIN, if we have not yet. */
	if (end != RELAY_ERROR)
		trace_fin(r.tc, TRACE_OUT, NULL);
	trace_conn_close(r.tc);
	/*
	 * A session that ends before stdin did (--recv-only, -q, -i, the
	 * peer's end with a terminal) still ends TLS cleanly, or the peer
	 * would have to take it for a truncation.  Best effort: the
	 * connection is closed next either way.
	 */
	if (c->tls != NULL && end != RELAY_ERROR)
		(void)tls_close_notify(c->tls, &r.up.tls_err);
	st->end = (enum relay_end)end;
	st->sent = r.up.nwritten;
	st->received = r.down.nread;
	xfer_free(&r.up);
	xfer_free(&r.down);
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
