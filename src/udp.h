/*
 * The datagram engines behind udp-send and udp-recv: the sender turns
 * MESSAGE arguments or stdin into records and sends them in batches
 * (udp-send.c), the receiver prints every datagram whole, echoes or
 * replies (udp-recv.c).  The commands parse and check options, fill a
 * conf and map the result to an exit status.
 *
 * Unix datagram sockets (-U) share every path: unix_path in a conf
 * selects them, and only opening the socket (udp_send_open,
 * udp_recv_open), the sender's size limit (the socket's send buffer, not
 * the IP version) and how a sender is named differ.  A Unix sender is
 * named by its path, "@name", or nothing (an unnamed sender such as
 * logger, which cannot be answered); it has no port (-1).
 *
 * Room for the next features, so that they extend these paths instead of
 * copying them:
 * - Tracing (--trace, --hexdump, --pcap; trace.h): every datagram passes
 *   one place in each direction, udp_sender_sent() after sendmmsg and
 *   udp_recv_one() after recvmmsg, and there it is traced; -r's replies
 *   are traced as they are read, and udp_recv_echo() and
 *   udp_reply_lines(), the two places the receiver sends, trace what
 *   they sent.
 */
#ifndef UDP_H
#define UDP_H

#include <stddef.h>

#include "buf.h"
#include "fmt.h"
#include "log.h"
#include "sock.h"

struct tracer;

#define UDP_MAX4	65507	/* 65535 - 8 (UDP) - 20 (IPv4) */
#define UDP_MAX6	65527	/* 65535 - 8 (UDP); the IPv6 header is apart */
#define UDP_BUFSZ	65536	/* a receive buffer: any datagram whole */
#define UDP_BATCH	64	/* datagrams per sendmmsg or recvmmsg */

/*
 * How a run ended.  UDP_OK: everything was done (for the receiver also
 * -c reached, stdout closed, or SIGINT/SIGTERM).  UDP_REFUSED: the
 * sender ran to the end, but the destination refused datagrams, which was
 * said on stderr as it happened.  UDP_ERROR: the run stopped; err holds
 * the line to print.
 */
enum udp_result {
	UDP_OK,
	UDP_REFUSED,
	UDP_ERROR
};

struct udp_send_conf {
	const char		*unix_path;	/* -U, or NULL: UDP */
	const char		*host;
	int			 port;
	int			 family;	/* AF_UNSPEC, INET, INET6 */
	const char		*source;	/* -s, or NULL */
	int			 source_port;	/* -p, or -1 */
	int			 broadcast;
	int			 ttl;		/* -1: the system's */
	struct fmt_splitter	 split;		/* how stdin is cut */
	long long		 count;		/* -c: times to send */
	long long		 interval;	/* ms between datagrams; -1 */
	int			 wait_reply;	/* -r */
	long long		 timeout;	/* -r: ms to wait for each */
	char *const		*msgv;		/* MESSAGE arguments, or */
	int			 msgc;		/* 0: send stdin */
	struct tracer		*tracer;	/* --trace etc., or NULL */
};

struct udp_recv_conf {
	const char		*unix_path;	/* -U, or NULL: UDP */
	const char		*host;		/* NULL: every interface */
	int			 port;
	int			 family;
	enum fmt_dgram_format	 format;
	long long		 count;		/* -c; 0: until stopped */
	long long		 timeout;	/* -w in ms; -1: none */
	int			 echo;
	int			 reply;
	const struct sock_group	*groups;	/* -j */
	size_t			 ngroups;
	const char		*port_file;
	const struct acl	*acl;		/* senders refused */
	struct tracer		*tracer;	/* --trace etc., or NULL */
};

enum udp_result	udp_send_run(const struct udp_send_conf *, struct sk_err *);
enum udp_result	udp_recv_run(const struct udp_recv_conf *, struct sk_err *);

/* Both directions write what they received to stdout (udp-recv.c). */
int	udp_flush_out(struct buf *, int *, struct sk_err *);

#endif /* UDP_H */
