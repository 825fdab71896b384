/*
 * The I/O half of --trace, --hexdump and --pcap: a tracer owns the (up to
 * three) trace files, and a handle per connection or datagram socket
 * carries what each record needs (connection id, addresses, offsets per
 * direction, TCP sequence state).  The text comes from tracefmt.c and the
 * packets from pcap.c; this file decides what to write and when.
 *
 * Files: opened O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC, created 0644, never
 * truncated.  "-" for --trace or --hexdump is stderr (not for --pcap).
 * The pcap global header is written when the file is empty (or not a
 * regular file); a non-empty file must already start with our header, so
 * several runs append to one capture.
 *
 * Text lines besides the chunks of tracefmt.h (no body follows them):
 *
 *	TIME[ #ID] open LOCAL > PEER	a connection or UDP flow starts
 *	TIME[ #ID] > EOF		a half-close (FIN) by that side
 *	TIME[ #ID] < reset		a reset (RST) sent by that side
 *
 * where an address is "192.0.2.1 port 80", "::1 port 80", a Unix path,
 * "@abstract" or "(unnamed)".  pcap has no room for a Unix path: such a
 * connection is written with loopback addresses (127.0.0.1, ports from
 * 40000 and 50000 up, one pair per connection), and only the "open" line
 * of --trace/--hexdump names the paths.
 *
 * Batching: text goes through a buffer per file written at
 * TRACE_BUFMAX bytes, at each trace_conn_close() and at
 * trace_flush()/trace_close(); pcap records of up to TRACE_COPYMAX
 * payload bytes are copied into that buffer, larger ones are written with
 * writev() straight from the caller's bytes, several records per call.
 * So a bulk transfer costs a write per 64 KiB or so, and memory stays at
 * one buffer per file plus one chunk's text.
 *
 * Writes block.  For a regular file that is a disk write; for a pipe or
 * a terminal (stderr) a reader that stops reading stalls the session
 * until it reads again (the same back-pressure as a slow peer), rather
 * than dropping trace records or buffering without bound.  A write
 * error (EPIPE, ENOSPC, EIO...) is reported once through the error
 * callback as "trace FILE: <strerror>" and stops writing that file; the
 * other files, and the session, go on.  No call here ever fails for the
 * caller: every function returns nothing (or a handle that may be NULL,
 * which every function accepts as "not traced").  A time argument may be
 * NULL for "now".
 *
 * How the stream mover (xfer.c) calls it.  The command opens the tracer
 * once (trace_open) when any of the three options is given, and nothing
 * else changes when none is.  Per connection, once both addresses are
 * known:
 *
 *	tc = trace_tcp_open(tr, id, opener, local, llen, peer, plen, &now);
 *
 * id is the connection number of forward/proxy or TRACE_NOID for the one
 * session of connect/listen; opener is TRACE_OUT when we connected,
 * TRACE_IN when we accepted; addresses from getsockname()/getpeername()
 * (Unix ones too).  Then, for a traced connection (tc != NULL), xfer uses
 * its copying path instead of splice/sendfile (the bytes must pass
 * through user space to be seen), and after each successful write of n
 * bytes to the socket or from it:
 *
 *	trace_chunk(tc, TRACE_OUT, p, n, &now);	written to the peer
 *	trace_chunk(tc, TRACE_IN, p, n, &now);	read from the peer
 *
 * with the time of the move (so a chunk read but not yet written is
 * traced when it was read: call at read for TRACE_IN, at write for
 * TRACE_OUT, each byte exactly once).  At the shutdown(SHUT_WR) sent to
 * the peer: trace_fin(tc, TRACE_OUT); at the peer's EOF: trace_fin(tc,
 * TRACE_IN); at ECONNRESET/EPIPE from the peer: trace_rst(tc, TRACE_IN)
 * (and trace_rst(tc, TRACE_OUT) if we abort with SO_LINGER 0).  When the
 * connection ends: trace_conn_close(tc).  At exit: trace_close(tr).
 *
 * How the datagram paths call it (udp-send, udp-recv, -U too): one handle
 * per socket, trace_udp_open(tr, id, local, llen, many) with many = 1
 * where one socket hears many peers (udp-recv), and for each datagram
 * sent or received:
 *
 *	trace_dgram(tc, TRACE_IN, p, n, from, fromlen, &now);
 *	trace_dgram(tc, TRACE_OUT, p, n, to, tolen, &now);
 *
 * Each peer address is a flow of its own (numbered #1, #2... in the text
 * when many is set), at most TRACE_FLOWS_MAX at a time: the least
 * recently used is forgotten when a new peer comes, and gets a new number
 * if it comes back.  All unnamed Unix senders are one flow.
 */
#ifndef TRACE_H
#define TRACE_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <stddef.h>

#include "log.h"

#define TRACE_OUT	0	/* ">": local -> peer */
#define TRACE_IN	1	/* "<": peer -> local */
#define TRACE_NOID	(-1L)	/* one session: no "#ID" in the text */

#define TRACE_BUFMAX	65536	/* a buffer is written at this size */
#define TRACE_COPYMAX	4096	/* larger pcap payloads: not copied */
#define TRACE_FLOWS_MAX	1024	/* UDP peers remembered per socket */

struct tracer;
struct trace_conn;

/*
 * Called once per failing file with "trace FILE: <strerror>" (the caller
 * prints it with log_err, which adds "sockctl CMD: "); a NULL callback
 * means log_err itself.  Running out of memory stops a file the same way.
 */
typedef void	trace_errfn(void *, const struct sk_err *);

struct tracer	*trace_open(const char *, const char *, const char *,
	    trace_errfn *, void *, struct sk_err *);
void		 trace_flush(struct tracer *);
void		 trace_close(struct tracer *);
/*
 * A process forked to trace connection id (listen -k -e) takes the id's
 * loopback pair for a Unix connection, not the first (its parent's
 * count would give every handler the same pair), and from then on locks
 * each file around each write, so that what its siblings write to the
 * same pipe does not cut into its records.
 */
void		 trace_fork(struct tracer *, long);

struct trace_conn *trace_tcp_open(struct tracer *, long, int,
	    const struct sockaddr *, socklen_t, const struct sockaddr *,
	    socklen_t, const struct timeval *);
void		 trace_chunk(struct trace_conn *, int, const void *,
	    size_t, const struct timeval *);
void		 trace_fin(struct trace_conn *, int,
	    const struct timeval *);
void		 trace_rst(struct trace_conn *, int,
	    const struct timeval *);

struct trace_conn *trace_udp_open(struct tracer *, long,
	    const struct sockaddr *, socklen_t, int);
void		 trace_dgram(struct trace_conn *, int, const void *, size_t,
	    const struct sockaddr *, socklen_t, const struct timeval *);

void		 trace_conn_close(struct trace_conn *);
/* trace_flush() of the connection's tracer: before a blocking wait. */
void		 trace_conn_flush(struct trace_conn *);

#endif /* TRACE_H */
