/*
 * What listen and connect share on top of the relay: the stream options
 * both have, their checks, and one relay session with its -v report.
 */
#ifndef STREAM_H
#define STREAM_H

#include <stddef.h>

#include "log.h"
#include "relay.h"
#include "tls-opt.h"
#include "trace-opt.h"

struct stream_opts {
	int		 ipv4;
	int		 ipv6;
	int		 unix_path;
	int		 verbose;
	int		 send_only;
	int		 recv_only;
	int		 crlf;
	int		 no_shutdown;
	long long	 timeout;	/* -w, ms; -1 unset */
	long long	 idle;		/* -i */
	long long	 quit;		/* -q */
	const char	*exec;
	struct tls_opts	 tls;
	struct trace_opts trace;
	struct tracer	*tracer;	/* opened from trace, or NULL */
};

/*
 * How stdin and the socket are relayed: the options listen and connect
 * share.  PEER names the other side in the help ("server", "client").
 */
#define OPT__STREAM_IO(st, f, peer) \
	OPT_FLAG_(0, "send-only", st, f.send_only, \
	    "only send stdin; discard what the " peer " sends"), \
	OPT_FLAG_(0, "recv-only", st, f.recv_only, \
	    "do not read stdin; end at the " peer "'s EOF"), \
	OPT_FLAG_('C', "crlf", st, f.crlf, \
	    "send LF from stdin as CRLF"), \
	OPT_FLAG_(0, "no-shutdown", st, f.no_shutdown, \
	    "do not half-close the connection at stdin EOF")

/* "1.5 s": room for any duration stream_format_ms writes. */
#define STREAM_MS_LEN	32

int	stream_check_opts(const struct stream_opts *, struct sk_err *);
int	stream_family(const struct stream_opts *);
void	stream_relay_conf(const struct stream_opts *, struct relay_conf *);
int	stream_relay(const struct relay_conf *, int, struct relay_stats *,
	    struct sk_err *);
void	stream_peer(int, char *, size_t);
const char *stream_format_ms(long long, char *, size_t);
void	stream_catch_signals(int, const char *);
void	stream_unlink_at_exit(const char *);
void	stream_die_by(int) __attribute__((__noreturn__));

#endif /* STREAM_H */
