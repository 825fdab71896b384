/*
 * The stdio session shared by listen and connect: stdin to the socket and
 * the socket to stdout (two xfers), with the rules for half-closing and
 * ending a session, idle and quit timeouts, and byte counts.  relay_run
 * returns 0 or -1 with the message; the command picks the exit status.
 */
#ifndef RELAY_H
#define RELAY_H

#include <stdint.h>

#include "log.h"

struct tls;
struct trace_conn;
struct tracer;

struct relay_conf {
	int		 send_only;
	int		 recv_only;
	int		 crlf;
	int		 no_shutdown;
	int		 close_out;	/* close stdout at peer EOF */
	long long	 quit_ms;	/* -q; -1: wait for the peer */
	long long	 idle_ms;	/* -i; -1: none */
	const char	*peer;		/* "127.0.0.1 port 80", for errors */
	struct tls	*tls;		/* the connection's TLS, or NULL */
	struct tracer	*tracer;	/* --trace etc., or NULL */
	long		 trace_id;	/* TRACE_NOID, or the client's number */
	int		 trace_opener;	/* TRACE_OUT: we connected */
	/*
	 * The socket's trace handle when it was opened before the relay
	 * (a proxy's handshake, a STARTTLS preamble traced on it): the
	 * relay goes on with it and closes it.  NULL: the relay opens one.
	 */
	struct trace_conn *trace_conn;
};

enum relay_end {
	RELAY_DONE,		/* both directions finished */
	RELAY_PEER_EOF,		/* peer closed and we stop there */
	RELAY_STDOUT_CLOSED,
	RELAY_IDLE,
	RELAY_QUIT,
	RELAY_ERROR
};

struct relay_stats {
	uint64_t	 sent;
	uint64_t	 received;
	double		 seconds;
	enum relay_end	 end;
};

int	relay_run(const struct relay_conf *, int, int, int,
	    struct relay_stats *, struct sk_err *);
void	relay_report(const struct relay_stats *);

#endif /* RELAY_H */
