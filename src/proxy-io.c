/*
 * What sockctl proxy's files do with a client connection's descriptors:
 * watching them on the loop, its timer, bounded reads into and writes
 * out of its buffers, and the -v line at its end.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "proxy-int.h"
#include "socks.h"
#include "trace.h"

/* A descriptor with nothing to wait for leaves the loop. */
void
pconn_watch(struct pconn *c, struct loop_fd *lf, int *reg, uint32_t ev)
{
	if (lf->fd == -1)
		return;
	if (ev == 0) {
		if (*reg)
			loop_del(c->px->loop, lf);
		*reg = 0;
		return;
	}
	if (!*reg) {
		if (loop_add(c->px->loop, lf, ev) == 0)
			*reg = 1;
		return;
	}
	(void)loop_mod(c->px->loop, lf, ev);
}

void
pconn_touch(struct pconn *c, long long ms)
{
	if (ms >= 0)
		loop_timer_set(c->px->loop, &c->timer, ms);
	else
		loop_timer_cancel(c->px->loop, &c->timer);
}

/*
 * The -v line of a connection (or of one forwarded HTTP request):
 * client, method, destination, bytes each way, duration, and why it
 * ended if not cleanly.
 */
void
pconn_log(struct pconn *c, const char *why)
{
	char	what[sizeof(c->method) + sizeof(c->dest) + 2];

	if (log_verbosity < 1)
		return;
	if (c->method[0] == '\0')
		snprintf(what, sizeof(what), "%s",
		    socks_proto_name(c->s.proto));
	else
		snprintf(what, sizeof(what), "%s %s", c->method, c->dest);
	log_verbose(1, "%s: %s: sent %llu bytes, received %llu bytes in "
	    "%.2f s%s%s%s", c->client, what, (unsigned long long)c->sent,
	    (unsigned long long)c->received,
	    (double)(loop_now() - c->start) / 1000, why != NULL ? ": " : "",
	    c->refused ? "refused: " : "", why != NULL ? why : "");
}

/*
 * Reads what fd has, up to max bytes in b: 1 read something, 0 nothing
 * now, -1 with errno; *eof set at the end of the stream.
 */
int
pconn_read(int fd, struct buf *b, size_t max, int *eof,
    struct trace_conn *tc)
{
	ssize_t	n;
	size_t	room;

	if (b->len >= max)
		return (0);
	room = max - b->len;
	if (room > 16384)
		room = 16384;
	if (buf_reserve(b, room) == -1) {
		errno = ENOMEM;
		return (-1);
	}
	while ((n = read(fd, b->p + b->len, room)) == -1 && errno == EINTR)
		continue;
	if (n == -1)
		return (errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1);
	if (n == 0) {
		*eof = 1;
		trace_fin(tc, TRACE_IN, NULL);
		return (0);
	}
	trace_chunk(tc, TRACE_IN, b->p + b->len, (size_t)n, NULL);
	b->len += (size_t)n;
	return (1);
}

/* Writes what b holds, keeping the rest; 0 or -1 with errno. */
int
pconn_write(int fd, struct buf *b, uint64_t *count,
    struct trace_conn *tc)
{
	ssize_t	n;
	size_t	off = 0;

	while (off < b->len) {
		n = send(fd, b->p + off, b->len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return (-1);
		}
		trace_chunk(tc, TRACE_OUT, b->p + off, (size_t)n, NULL);
		off += (size_t)n;
	}
	if (count != NULL)
		*count += off;
	if (off > 0) {
		memmove(b->p, b->p + off, b->len - off);
		b->len -= off;
	}
	return (0);
}
