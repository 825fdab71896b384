/*
 * The tracing options every command that moves bytes shares (--trace,
 * --hexdump, --pcap): one struct that each options struct embeds, the
 * table block that fills it, and the few calls a command makes so that
 * it writes no tracing code of its own: the check and the open (once),
 * a connection's or a datagram socket's handle (trace.h) named by the
 * socket, and the xfer tap that feeds a traced direction (xfer.h).
 */
#ifndef TRACE_OPT_H
#define TRACE_OPT_H

#include <sys/types.h>

#include "log.h"
#include "opt.h"
#include "trace.h"
#include "xfer.h"

struct trace_opts {
	const char	*text;		/* --trace FILE|- */
	const char	*hex;		/* --hexdump FILE|- */
	const char	*pcap;		/* --pcap FILE */
};

#define OPT__TRACE(st, f) \
	OPT_STR_(0, "trace", st, f.text, "FILE", OPTK_FILE, NULL, \
	    "log what moves, escaped, to FILE (-: stderr)"), \
	OPT_STR_(0, "hexdump", st, f.hex, "FILE", OPTK_FILE, NULL, \
	    "log what moves as hex dumps to FILE (-: stderr)"), \
	OPT_STR_(0, "pcap", st, f.pcap, "FILE", OPTK_FILE, NULL, \
	    "write what moves to FILE as pcap, for Wireshark")

/* Whether any of the three is given. */
int	traceopt_any(const struct trace_opts *);
/* The first of the three given, as "--trace", or NULL. */
const char *traceopt_first(const struct trace_opts *);
/* A usage error (--pcap -, one file for pcap and text): -1, or 0. */
int	traceopt_check(const struct trace_opts *, struct sk_err *);
/*
 * Opens the files (a runtime error: -1 with "trace FILE: ..."); *tr is
 * NULL when no option is given, and then nothing is traced.  A write
 * error later is said once with log_err and stops that file only.
 */
int	traceopt_open(const struct trace_opts *, struct tracer **,
	    struct sk_err *);

/*
 * A connection's handle from its socket's two names (NULL without a
 * tracer): id is TRACE_NOID or the connection's number, opener
 * TRACE_OUT when we connected, TRACE_IN when we accepted.
 */
struct trace_conn *traceopt_tcp(struct tracer *, long, int, int);
/* A datagram socket's handle; many: one socket hears many peers. */
struct trace_conn *traceopt_udp(struct tracer *, long, int, int);

/*
 * The tap of one direction of a traced connection: side is the side of
 * the xfer on the traced socket (XFER_TAP_READ when the socket is its
 * source), dir the trace direction of those bytes.  traceopt_tap_conf
 * points conf's tap at it (the bytes wanted: xfer copies); next, if set,
 * is called too (a -vv tap that counts).
 */
struct trace_tap {
	struct trace_conn *tc;
	enum xfer_tap_side side;
	int		 dir;
	xfer_tap_fn	*next;
	void		*next_arg;
};

void	traceopt_tap(void *, enum xfer_tap_side, const void *, size_t);
void	traceopt_tap_conf(struct trace_tap *, struct trace_conn *,
	    enum xfer_tap_side, int, struct xfer_conf *);

#endif /* TRACE_OPT_H */
