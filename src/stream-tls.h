/*
 * TLS for the stream commands (listen, connect): the handshake on a new
 * connection within a deadline, its -v line, and --exec over TLS, where
 * the command talks plain text through pipes and a relay does the TLS.
 */
#ifndef STREAM_TLS_H
#define STREAM_TLS_H

#include "log.h"
#include "relay.h"

struct tls;
struct tls_ctx;

/*
 * Wraps the connected socket FD (made non-blocking) and runs the
 * handshake until DEADLINE (clock_ms(); -1: none).  HOST is the client's
 * target to verify (NULL for servers); PEER names the other side in the
 * error, as "127.0.0.1 port 443".  With -v, one line describes the
 * session.  NULL with "TLS handshake with PEER: ..." on failure.
 */
struct tls	*stream_tls_start(struct tls_ctx *, int, const char *,
		    const char *, long long, struct sk_err *);

/*
 * --exec over TLS: runs CMD with pipes as its stdin and stdout (and FD
 * described in its environment) and relays them with the TLS connection
 * by the stdio rules: the command's end of output sends close_notify, the
 * peer's closes the command's input, and the session ends when both are
 * done (or the command stops reading).  Returns the command's exit
 * status, or -1 with the message.
 */
int		 stream_tls_exec(const char *, int, struct tls *,
		    const struct relay_conf *, struct sk_err *);

#endif /* STREAM_TLS_H */
