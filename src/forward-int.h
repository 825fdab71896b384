/*
 * What forward.c (the relay of each pair) and forward-setup.c (making
 * each side of a new pair ready) share: the engine's state, a pair's
 * state, and the calls each makes into the other.
 */
#ifndef FORWARD_INT_H
#define FORWARD_INT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stdint.h>

#include "forward.h"
#include "loop.h"
#include "sock.h"
#include "trace-opt.h"
#include "xfer.h"

#define FWD_HS_MS	10000	/* a client's TLS handshake, at most */

struct fwd_px;
struct tls;
struct trace_conn;

/* The target side's way to being ready, in order. */
enum {
	TS_CONNECT,
	TS_PROXY,	/* -x */
	TS_TLS,		/* --tls-to */
	TS_READY
};

struct fwd;

struct pair {
	struct fwd	*f;
	struct loop_fd	 cfd;		/* the client */
	struct loop_fd	 tfd;		/* the connection to the target */
	int		 creg;		/* cfd is in the loop */
	int		 treg;
	struct loop_timer timer;	/* connect timeout, then -i */
	size_t		 dest;		/* the address being tried */
	int		 connecting;	/* setting up: not relaying yet */
	int		 cready;	/* the client side is set up */
	int		 tready;	/* the target side is */
	int		 tstage;	/* TS_*: where the target side is */
	long long	 c_deadline;	/* the client's handshake; 0: none */
	long long	 t_deadline;	/* -w for the target side; 0: none */
	struct tls	*ctls;		/* --tls: the client's session */
	struct tls	*ttls;		/* --tls-to: the target's */
	struct fwd_px	*px;		/* -x: the proxy handshake */
	const char	*trunc;		/* a TLS side ended without notify */
	struct loop_timer kick;		/* TLS holds what poll cannot see */
	struct xfer	 up;		/* client to target */
	struct xfer	 down;		/* target to client */
	int		 up_shut;
	int		 down_shut;
	int		 gone;		/* a sink is gone: reset at the end */
	char		 why[128];	/* and why */
	long long	 linger_end;	/* resetting: when to stop waiting */
	struct sock_name client;
	long long	 start;
	long		 id;		/* the client's number, from 1 */
	struct trace_conn *tc;		/* the client's side, traced */
	struct trace_tap up_tap;
	struct trace_tap down_tap;
	fwd_end_fn	*end;		/* adopted: reports the end instead */
	void		*end_arg;
	LIST_ENTRY(pair) entry;
};

struct fwd {
	const struct fwd_conf *c;
	struct loop	*loop;
	struct loop_fd	 lfd;
	struct loop_fd	 sig;
	int		 lpolled;
	struct sock_acceptor acceptor;
	struct xfer_pipes pipes;
	long long	 npairs;
	int		 ctcp;		/* clients come over TCP */
	long		 nextid;
	LIST_HEAD(, pair) pairs;
};

/* forward.c */
void	pair_watch(struct pair *, struct loop_fd *, int *, uint32_t);
void	pair_update(struct pair *);
void	pair_touch(struct pair *);
void	pair_io(struct loop_fd *, uint32_t);
void	pair_close(struct pair *, int, const char *);

/* forward-setup.c */
void	pair_setup_fail(struct pair *, int, const char *);
void	pair_setup_timer(struct pair *);
/* -1 when the client's side failed and the pair is gone. */
int	pair_client_start(struct pair *);
void	pair_connect(struct pair *);
/* Both sides set up: the relay starts. */
void	pair_ready(struct pair *);
/* TCP_NODELAY on a TCP socket of a pair. */
void	pair_nodelay(int);

#endif /* FORWARD_INT_H */
