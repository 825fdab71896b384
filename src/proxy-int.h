/*
 * What the proxy*.c files share: one client connection (struct pconn)
 * through its states, the engine that holds them, and the name lookups
 * that run beside the loop.
 */
#ifndef PROXY_INT_H
#define PROXY_INT_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netdb.h>
#include <stdint.h>

#include "buf.h"
#include "loop.h"
#include "proxy.h"
#include "socks.h"

#define PROXY_BUF_MAX	65536	/* per direction, HTTP forwarding */

/*
 * A name lookup: getaddrinfo(3) blocks, so it runs in a thread of its
 * own, which hands the finished lookup back through a pipe the loop
 * watches.  owner NULL: the connection gave up waiting (the result is
 * then freed when it comes).
 */
struct lookup {
	char		 host[SOCKS_NAME_MAX + 1];
	char		 serv[8];
	int		 family;
	int		 rv;		/* getaddrinfo's */
	struct addrinfo	*res;
	void		*owner;
	void		(*done)(void *, struct lookup *);
};

struct resolver {
	int		 fd[2];
	struct loop_fd	 lf;
	long long	 inflight;	/* threads started, results not read */
	long long	 max;		/* at most this many (-m) */
};

int	resolver_init(struct resolver *, struct loop *, struct sk_err *);
struct lookup *resolver_start(struct resolver *, const char *, int, int,
	    void (*)(void *, struct lookup *), void *);
void	resolver_cancel(struct lookup *);
void	lookup_free(struct lookup *);

enum pstate {
	PS_HANDSHAKE,	/* reading the client's messages */
	PS_RESOLVE,	/* a lookup in flight */
	PS_CONNECT,	/* connecting to the destination */
	PS_FLUSH,	/* the reply and early data out, before the pair */
	PS_PAIRED,	/* forward.c moves the pair */
	PS_HTTP,	/* a forwarded request and its response */
	PS_UDP,		/* a UDP association */
	PS_CLOSING	/* a refusal out, then the close */
};

struct proxy;
struct phttp;
struct pudp;
struct trace_conn;

struct pconn {
	struct proxy	*px;
	struct loop_fd	 cfd;		/* the client */
	struct loop_fd	 tfd;		/* the destination, or -1 */
	int		 creg;		/* cfd is in the loop */
	int		 treg;
	struct loop_timer timer;
	enum pstate	 state;
	int		 ceof;		/* the client has sent its EOF */
	int		 shut;		/* closing: our EOF is sent */
	struct socks_server s;
	struct buf	 in;		/* from the client, not yet used */
	struct buf	 out;		/* to the client */
	struct buf	 tout;		/* to the destination */
	struct lookup	*lookup;
	struct sockaddr_storage *addrs;	/* the destination's, allowed */
	socklen_t	*alens;
	size_t		 naddrs;
	size_t		 denied;	/* addresses --deny-to/--allow-to refuse */
	size_t		 cur;
	struct phttp	*http;
	struct pudp	*udp;
	long		 id;		/* the client's number, from 1 */
	struct trace_conn *tc;		/* --trace etc.: the client's side */
	/* For the -v line. */
	char		 client[NI_MAXHOST + 16];
	char		 method[48];
	char		 dest[SOCKS_NAME_MAX + 16];
	char		 why[200];
	int		 refused;
	int		 served;	/* a request was forwarded before */
	uint64_t	 sent;		/* client to destination */
	uint64_t	 received;
	long long	 start;
	LIST_ENTRY(pconn) entry;
};

struct proxy {
	const struct proxy_server_conf *c;
	struct loop	*loop;
	struct loop_fd	 lfd;
	struct loop_fd	 sig;
	int		 lpolled;
	struct sock_acceptor *acceptor;
	struct fwd	*fwd;
	struct resolver	 res;
	long long	 nconns;
	long		 nextid;
	LIST_HEAD(, pconn) conns;
};

/* proxy.c */
void	pconn_close(struct pconn *, const char *);
void	pconn_refuse(struct pconn *, const char *);
void	pconn_next_request(struct pconn *);

/* proxy-io.c */
void	pconn_watch(struct pconn *, struct loop_fd *, int *, uint32_t);
void	pconn_touch(struct pconn *, long long);
void	pconn_log(struct pconn *, const char *);
/*
 * The client's reads and writes are traced through tc (NULL for the
 * destination's, or when not tracing).
 */
int	pconn_read(int, struct buf *, size_t, int *, struct trace_conn *);
int	pconn_write(int, struct buf *, uint64_t *, struct trace_conn *);
int	proxy_dest_allowed(const struct proxy *, const struct sockaddr *,
	    socklen_t);

/* proxy-http.c: an absolute-form request forwarded, keep-alive kept. */
void	proxy_http_start(struct pconn *);
void	proxy_http_io(struct pconn *);
void	proxy_http_free(struct pconn *);

/* proxy-udp.c: a SOCKS5 UDP association. */
void	proxy_udp_start(struct pconn *);
void	proxy_udp_ctl(struct pconn *);
void	proxy_udp_free(struct pconn *);

#endif /* PROXY_INT_H */
