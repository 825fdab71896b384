/*
 * Reaching a target through a SOCKS or HTTP CONNECT proxy, blocking: what
 * connect (and its -z scans) and the chat client call in place of
 * sock_connect() when -x is given.
 */
#ifndef PROXY_DIAL_H
#define PROXY_DIAL_H

#include "log.h"
#include "proxy-opt.h"
#include "sock.h"
#include "trace.h"

/* What became of the hop to the proxy. */
struct proxy_hop {
	struct sock_name proxy;		/* its address, once connected */
	/*
	 * The proxy refused the target (a SOCKS reply code or an HTTP
	 * status other than 407): the port is closed, not the proxy wrong.
	 */
	int		 refused;
	/*
	 * Traced (a tracer given): the tunnel's trace handle, its
	 * handshake recorded, for the relay to go on with; else NULL.
	 */
	struct trace_conn *tc;
};

/*
 * Connects to the proxy of pc and has it open a tunnel to target->host
 * and target->port; the rest of target (family, -s, -p, quiet) applies
 * to the hop to the proxy and to names resolved here.  target->timeout_ms
 * bounds the connect and the handshake together.  Returns the tunnel,
 * blocking, holding exactly the bytes that came after the proxy's
 * reply; or -1 with one line in err naming the proxy and its answer.
 * With a tracer (--trace, --hexdump, --pcap), what the handshake moves is
 * traced as the start of the connection to the proxy, refused or not.
 */
int	proxy_dial(const struct proxy_conf *,
	    const struct sock_connect_args *, struct tracer *,
	    struct proxy_hop *, struct sk_err *);

#endif /* PROXY_DIAL_H */
