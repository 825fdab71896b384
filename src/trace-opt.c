/*
 * The tracing options shared by every command that moves bytes: checking
 * and opening the files, naming a connection or a datagram socket for
 * trace.c, and the xfer tap of a traced direction (see trace-opt.h).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include "log.h"
#include "trace-opt.h"
#include "trace.h"
#include "xfer.h"

int
traceopt_any(const struct trace_opts *o)
{
	return (o->text != NULL || o->hex != NULL || o->pcap != NULL);
}

const char *
traceopt_first(const struct trace_opts *o)
{
	if (o->text != NULL)
		return ("--trace");
	if (o->hex != NULL)
		return ("--hexdump");
	if (o->pcap != NULL)
		return ("--pcap");
	return (NULL);
}

int
traceopt_check(const struct trace_opts *o, struct sk_err *err)
{
	if (o->pcap != NULL && strcmp(o->pcap, "-") == 0)
		err_set(err, "--pcap needs a file: a capture cannot go to "
		    "stderr");
	else if (o->pcap != NULL && ((o->text != NULL &&
	    strcmp(o->pcap, o->text) == 0) || (o->hex != NULL &&
	    strcmp(o->pcap, o->hex) == 0)))
		err_set(err, "--pcap cannot write to the file of %s",
		    o->text != NULL && strcmp(o->pcap, o->text) == 0 ?
		    "--trace" : "--hexdump");
	else
		return (0);
	return (-1);
}

int
traceopt_open(const struct trace_opts *o, struct tracer **tr,
    struct sk_err *err)
{
	*tr = NULL;
	if (!traceopt_any(o))
		return (0);
	if ((*tr = trace_open(o->text, o->hex, o->pcap, NULL, NULL,
	    err)) == NULL)
		return (-1);
	/*
	 * A new capture's header now: a process forked later (an --exec
	 * handler) must not inherit it unwritten and write it again.
	 */
	trace_flush(*tr);
	return (0);
}

struct trace_conn *
traceopt_tcp(struct tracer *tr, long id, int opener, int fd)
{
	struct sockaddr_storage	 l, p;
	socklen_t		 llen, plen;

	if (tr == NULL)
		return (NULL);
	memset(&l, 0, sizeof(l));
	memset(&p, 0, sizeof(p));
	llen = plen = sizeof(l);
	/* A name that cannot be had is traced as "?" (and loopback). */
	if (getsockname(fd, (struct sockaddr *)&l, &llen) == -1)
		llen = 0;
	if (getpeername(fd, (struct sockaddr *)&p, &plen) == -1)
		plen = 0;
	return (trace_tcp_open(tr, id, opener, (struct sockaddr *)&l, llen,
	    (struct sockaddr *)&p, plen, NULL));
}

struct trace_conn *
traceopt_udp(struct tracer *tr, long id, int fd, int many)
{
	struct sockaddr_storage	 l;
	socklen_t		 llen;

	if (tr == NULL)
		return (NULL);
	memset(&l, 0, sizeof(l));
	llen = sizeof(l);
	if (getsockname(fd, (struct sockaddr *)&l, &llen) == -1)
		llen = 0;
	return (trace_udp_open(tr, id, (struct sockaddr *)&l, llen, many));
}

void
traceopt_tap(void *arg, enum xfer_tap_side side, const void *p, size_t n)
{
	struct trace_tap	*t = arg;

	if (side == t->side)
		trace_chunk(t->tc, t->dir, p, n, NULL);
	if (t->next != NULL)
		t->next(t->next_arg, side, p, n);
}

void
traceopt_tap_conf(struct trace_tap *t, struct trace_conn *tc,
    enum xfer_tap_side side, int dir, struct xfer_conf *xc)
{
	if (tc == NULL)
		return;
	t->tc = tc;
	t->side = side;
	t->dir = dir;
	t->next = xc->tap;
	t->next_arg = xc->tap_arg;
	xc->tap = traceopt_tap;
	xc->tap_arg = t;
	xc->tap_data = 1;
}
