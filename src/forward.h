/*
 * sockctl forward's engine: clients accepted on one listening socket, each
 * relayed both ways to its own new connection to the target (forward.c),
 * or, for UDP, a session per client address (forward-udp.c).
 */
#ifndef FORWARD_H
#define FORWARD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdint.h>

#include "log.h"
#include "loop.h"

struct acl;
struct proxy_url;
struct socks_addr;
struct tls_ctx;
struct tracer;

/* One address TARGET resolved to (with -x: the proxy). */
struct fwd_dest {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
};

struct fwd_conf {
	int		 lfd;		/* listening (or bound UDP) socket */
	struct fwd_dest	*dest;		/* TARGET's addresses, in order */
	size_t		 ndest;
	long long	 max_conns;
	long long	 idle_ms;	/* -1: none */
	long long	 connect_ms;	/* -1: none */
	int		 proxy;		/* 0, or PROXY protocol version 1/2 */
	int		 sigfd;		/* signalfd: stop on SIGINT/SIGTERM */
	const struct acl *acl;		/* clients to refuse */
	struct tls_ctx	*tls_server;	/* --tls: TLS from clients */
	struct tls_ctx	*tls_client;	/* --tls-to: TLS to the target */
	const char	*tls_host;	/* the name to verify; NULL: unix */
	const char	*target;	/* "HOST port N" or the path */
	const struct proxy_url *px;	/* -x: dest is this proxy */
	const struct socks_addr *px_target;	/* TARGET for the proxy */
	const char	*px_pass;	/* SOCKCTL_PROXY_PASSWORD or NULL */
	struct tracer	*tracer;	/* --trace etc.: each client, or NULL */
};

/* Both run until a signal on sigfd (0), or fail (-1, err set). */
int	forward_run(const struct fwd_conf *, struct sk_err *);
int	forward_udp_run(const struct fwd_conf *, struct sk_err *);
/* The PROXY header for a client on fd into buf; its length, or -1. */
int	forward_proxy_header(int, int, char *, size_t);
/* Watches the listener and the signalfd, shared by both engines. */
int	forward_watch(struct loop *, const struct fwd_conf *, struct loop_fd *,
	    void (*)(struct loop_fd *, uint32_t), void *, struct loop_fd *,
	    struct sk_err *);
/*
 * Pairs adopted from another engine on its loop (sockctl proxy): the
 * pair code above without a listener.  end(arg, sent, received, why)
 * reports a pair's end instead of the -v line; why NULL: a clean end.
 * A trace handle given to forward_adopt is the pair's from then on (the
 * client's connection, traced since its handshake); NULL: a new one.
 * FWD_ADOPT_* flags say which descriptor is in the loop already, under
 * another watcher whose fetched events the caller has forgotten: the
 * pair's first update then changes watcher and events in one call.
 */
struct fwd;
typedef void fwd_end_fn(void *, uint64_t, uint64_t, const char *);

struct fwd *forward_host_new(struct loop *, const struct fwd_conf *);
void	forward_host_free(struct fwd *);
struct trace_conn;
#define FWD_ADOPT_CREG	0x1	/* the client is in the loop already */
#define FWD_ADOPT_TREG	0x2	/* and the target */
int	forward_adopt(struct fwd *, int, int, int, struct trace_conn *,
	    fwd_end_fn *, void *);
/* "10.0.0.2 port 80" or the socket path. */
void	forward_dest_name(const struct fwd_dest *, char *, size_t);

/*
 * -x: the handshake with the proxy on a connected non-blocking socket
 * (forward-socks.c).  A step reads what the proxy sent and writes what
 * is due; it never reads past the proxy's last reply, so whatever the
 * target sends after it stays in the socket for the relay.
 */
#define FWD_PX_DONE	0
#define FWD_PX_AGAIN	1	/* wait for *want (EPOLLIN/EPOLLOUT) */
#define FWD_PX_ERROR	(-1)	/* err says why */

struct fwd_px;

struct fwd_px	*forward_px_new(const struct fwd_conf *, struct sk_err *);
int		 forward_px_step(struct fwd_px *, int, uint32_t *,
		    struct sk_err *);
void		 forward_px_free(struct fwd_px *);

#endif /* FORWARD_H */
