/*
 * Unit tests of the per-direction mover, src/xfer.c, over socketpairs:
 * the kind chosen for a pair, bytes and counts end to end, a pooled pipe
 * given back once empty, back-pressure from a sink nobody reads, the CRLF
 * transform, a discarding sink, taps, and the half-close at the end.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "log.h"
#include "tap.h"
#include "xfer.h"

struct pair {
	int	a;		/* the test's end */
	int	b;		/* the xfer's end */
};

static void
mkpair(struct pair *p)
{
	int	sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == -1) {
		perror("socketpair");
		exit(1);
	}
	p->a = sv[0];
	p->b = sv[1];
}

/* Steps x until its events are quiet and nothing moves for 100 ms. */
static enum xfer_status
pump(struct xfer *x)
{
	struct pollfd	 pfd[2];
	enum xfer_status st = XFER_AGAIN;
	int		 i;

	for (i = 0; i < 1000; i++) {
		xfer_events(x, &pfd[0].events, &pfd[1].events);
		pfd[0].fd = pfd[0].events ? x->c.src : -1;
		pfd[1].fd = pfd[1].events ? x->c.dst : -1;
		pfd[0].revents = pfd[1].revents = 0;
		if (poll(pfd, 2, 100) <= 0)
			break;
		st = xfer_step(x, pfd[0].revents, pfd[1].revents);
		if (st != XFER_AGAIN)
			break;
	}
	return (st);
}

/* Reads what is waiting on fd into buf; returns the count. */
static size_t
slurp(int fd, char *buf, size_t len)
{
	size_t	have = 0;
	ssize_t	n;

	while (have < len && (n = read(fd, buf + have, len - have)) > 0)
		have += (size_t)n;
	return (have);
}

struct counts {
	size_t	rd;
	size_t	wr;
	int	had_data;
};

static void
count_tap(void *arg, enum xfer_tap_side side, const void *p, size_t n)
{
	struct counts	*c = arg;

	if (side == XFER_TAP_READ)
		c->rd += n;
	else
		c->wr += n;
	if (p != NULL)
		c->had_data = 1;
}

static void
test_pooled_pipe(void)
{
	struct xfer_pipes pool;
	struct xfer_conf xc;
	struct xfer	 x;
	struct pair	 in, out;
	struct sk_err	 err;
	static char	 data[200000], got[sizeof(data) + 1];
	size_t		 i, n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);
	mkpair(&in);
	mkpair(&out);
	xfer_pipes_init(&pool, 4);
	memset(&xc, 0, sizeof(xc));
	xc.src = in.b;
	xc.dst = out.b;
	xc.flags = XFER_SRC_SOCK;
	xc.pipes = &pool;
	is_int(xfer_init(&x, &xc, &err), 0, "socket to socket: init");
	is_int(x.kind, XFER_VIAPIPE, "socket to socket: via a pipe");
	ok(x.pipe.fd[0] == -1, "pooled: no pipe held before data");
	n = (size_t)write(in.a, data, 100000);
	is_int(pump(&x), XFER_AGAIN, "pooled: a step moves and waits");
	is_int(slurp(out.a, got, sizeof(got)), n, "pooled: every byte out");
	ok(memcmp(got, data, n) == 0, "pooled: the same bytes");
	ok(x.pipe.fd[0] == -1 && pool.n == 1,
	    "pooled: the empty pipe is given back to the pool");
	is_int(x.nread, n, "pooled: nread");
	is_int(x.nwritten, n, "pooled: nwritten");
	(void)shutdown(in.a, SHUT_WR);
	is_int(pump(&x), XFER_DONE, "pooled: source EOF, all sent: done");
	ok(x.eof && x.done, "pooled: eof and done");
	is_int(xfer_shutdown(&x), 0, "half-close the sink");
	is_int(read(out.a, got, 1), 0, "the sink's reader sees EOF");
	xfer_free(&x);
	is_int(pool.n, 1, "free: the pool still holds one idle pipe");
	xfer_pipes_free(&pool);
	close(in.a), close(in.b), close(out.a), close(out.b);
}

/*
 * A sink nobody reads: the xfer stops polling its source.  Written in
 * small chunks, the pipe fills its slots (one a chunk) long before its
 * byte capacity, and must count as full all the same.
 */
static void
test_backpressure(size_t size)
{
	struct xfer_conf xc;
	struct xfer	 x;
	struct pair	 in, out;
	struct sk_err	 err;
	static char	 chunk[65536];
	short		 sev = POLLIN, dev = 0;
	int		 i;

	mkpair(&in);
	mkpair(&out);
	memset(&xc, 0, sizeof(xc));
	xc.src = in.b;
	xc.dst = out.b;
	xc.flags = XFER_SRC_SOCK;
	if (xfer_init(&x, &xc, &err) == -1)
		exit(1);
	ok(x.pipe.fd[0] != -1, "private pipe: held from init");
	for (i = 0; i < 2000 && sev != 0; i++) {
		while (write(in.a, chunk, size) > 0)
			;
		(void)xfer_step(&x, POLLIN, POLLOUT);
		xfer_events(&x, &sev, &dev);
	}
	ok(!x.eof && !x.done, "back-pressure: the source has not ended");
	is_int(sev, 0, "back-pressure, %zu-byte writes: the source is no "
	    "longer polled", size);
	is_int(dev, POLLOUT, "back-pressure: the sink is waited for");
	if (size == sizeof(chunk))
		is_int(x.pending, x.pipe.cap,
		    "back-pressure: the pipe is full");
	is_int(x.nread - x.nwritten, x.pending, "counts: pending between");
	xfer_free(&x);
	close(in.a), close(in.b), close(out.a), close(out.b);
}

static void
test_crlf_tap_discard(void)
{
	struct xfer_conf xc;
	struct xfer	 x;
	struct pair	 in, out;
	struct counts	 c;
	struct sk_err	 err;
	char		 got[64];
	size_t		 n;

	mkpair(&in);
	mkpair(&out);
	memset(&xc, 0, sizeof(xc));
	memset(&c, 0, sizeof(c));
	xc.src = in.b;
	xc.dst = out.b;
	xc.flags = XFER_SRC_SOCK | XFER_CRLF;
	xc.tap = count_tap;
	xc.tap_arg = &c;
	if (xfer_init(&x, &xc, &err) == -1)
		exit(1);
	is_int(x.kind, XFER_COPY, "CRLF: copied");
	(void)write(in.a, "a\nb\r\nc\n", 7);
	(void)shutdown(in.a, SHUT_WR);
	is_int(pump(&x), XFER_DONE, "CRLF: done at EOF");
	n = slurp(out.a, got, sizeof(got) - 1);
	got[n] = '\0';
	is_str(got, "a\r\nb\r\nc\r\n", "CRLF: lone LFs expanded");
	ok(c.rd == 7 && c.wr == 9 && !c.had_data,
	    "tap: 7 read, 9 written, no data asked for (%zu, %zu)", c.rd,
	    c.wr);
	xfer_free(&x);
	close(in.a), close(in.b), close(out.a), close(out.b);

	/* A tap that wants the bytes turns splicing into copying. */
	mkpair(&in);
	mkpair(&out);
	memset(&c, 0, sizeof(c));
	xc.src = in.b;
	xc.dst = out.b;
	xc.flags = XFER_SRC_SOCK;
	xc.tap_data = 1;
	if (xfer_init(&x, &xc, &err) == -1)
		exit(1);
	is_int(x.kind, XFER_COPY, "data tap: copied, not spliced");
	(void)write(in.a, "xyz", 3);
	(void)pump(&x);
	ok(c.had_data && c.rd == 3 && c.wr == 3, "data tap: sees the bytes");
	xfer_free(&x);

	/* Discard: read and counted, never written. */
	xc.dst = -1;
	xc.tap = NULL;
	if (xfer_init(&x, &xc, &err) == -1)
		exit(1);
	(void)write(in.a, "dropped", 7);
	(void)shutdown(in.a, SHUT_WR);
	is_int(pump(&x), XFER_DONE, "discard: done at EOF");
	ok(x.nread == 7 && x.nwritten == 0, "discard: 7 read, 0 written");
	xfer_free(&x);
	close(in.a), close(in.b), close(out.a), close(out.b);
}

/* The sink's reader is gone: a write error with EPIPE. */
static void
test_dst_gone(void)
{
	struct xfer_conf xc;
	struct xfer	 x;
	struct pair	 in, out;
	struct sk_err	 err;

	mkpair(&in);
	mkpair(&out);
	memset(&xc, 0, sizeof(xc));
	xc.src = in.b;
	xc.dst = out.b;
	xc.flags = XFER_SRC_SOCK | XFER_CRLF;
	if (xfer_init(&x, &xc, &err) == -1)
		exit(1);
	close(out.a);
	(void)write(in.a, "x", 1);
	is_int(pump(&x), XFER_DST_ERR, "reader gone: a sink error");
	is_int(x.err, EPIPE, "reader gone: EPIPE");
	xfer_abandon(&x);
	ok(x.done, "abandoned: done");
	xfer_free(&x);
	close(in.a), close(in.b), close(out.b);
}

int
main(void)
{
	/* A write to a closed socket must fail, not kill the test. */
	(void)signal(SIGPIPE, SIG_IGN);
	test_pooled_pipe();
	test_backpressure(65536);
	test_backpressure(100);
	test_crlf_tap_discard();
	test_dst_gone();
	return (done_testing());
}
