/*
 * What the parts of serve-http's engine share: the connection and
 * server structures, and the calls between the connection state machine
 * (httpd.c), the responses (httpd-respond.c) and the access log
 * (httpd-log.c).  Not for use outside the engine.
 */
#ifndef HTTPD_INT_H
#define HTTPD_INT_H

#include <sys/types.h>
#include <sys/queue.h>

#include <netinet/in.h>
#include <net/if.h>

#include <time.h>

#include "buf.h"
#include "http.h"
#include "httpd-path.h"
#include "httpd.h"
#include "loop.h"
#include "sock.h"

enum conn_state {
	C_READ,
	C_LIST,		/* building a listing, a step per loop turn */
	C_WRITE,
	C_LINGER
};

struct server;

struct conn {
	struct loop_fd	 lfd;
	struct loop_timer timer;
	struct server	*srv;
	enum conn_state	 state;
	struct buf	 in;
	long long	 discard;	/* request body bytes still to drop */
	struct buf	 out;
	size_t		 out_off;
	struct listing	*list;
	struct buf	 listbody;
	int		 list_head;	/* HEAD: the length, not the body */
	char		*logcopy;	/* the request's logged fields ... */
	struct http_request logreq;	/* ... and pointers into them */
	int		 file;
	off_t		 file_off;
	off_t		 file_left;
	int		 keep_alive;
	int		 minor;		/* HTTP/1.x of the request */
	int		 broken;	/* out of memory: close after it */
	struct tls	*tls;		/* HTTPS; NULL: plain */
	int		 handshaking;	/* TLS handshake not done yet */
	uint32_t	 want;		/* TLS asked for this event, or 0 */
	char		 peer[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	TAILQ_ENTRY(conn) entry;
};

TAILQ_HEAD(conn_list, conn);

struct server {
	const struct httpd_config *cf;
	struct loop	*loop;
	struct loop_fd	 listener;
	struct sock_acceptor acceptor;
	int		 paused;	/* listener unpolled: no descriptors */
	struct loop_timer pause_timer;	/* ... for at most PAUSE_MS */
	struct loop_fd	 sig;
	struct loop_timer drain_timer;
	struct httpd_root root;
	int		 logfd;
	struct buf	 extra;		/* -H and --cors lines */
	struct conn_list conns;
	long long	 nconns;
	long long	 maxconns;	/* -m, within the limit of open files */
	int		 draining;
	time_t		 date_t;
	char		 date[40];
	char		*ctype;		/* httpd_content_type's last answer */
};

/* httpd-respond.c: each leaves c in C_WRITE or C_LIST, or c->broken. */
void	httpd_handle_request(struct conn *, const struct http_request *);
void	httpd_respond_simple(struct conn *, const struct http_request *, int,
	    const char *);
int	httpd_build_simple(struct conn *, const struct http_request *, int,
	    const char *);
void	httpd_list_step(struct conn *);

/*
 * httpd-tls.c: how a TLS step ended.  FAIL: close the connection (the
 * handshake's failure is logged already).
 */
enum httpd_tls {
	HTTPD_TLS_DONE,		/* handshake done, or response written */
	HTTPD_TLS_WAIT,		/* wait for c->want */
	HTTPD_TLS_FAIL
};

enum httpd_tls	httpd_tls_handshake(struct conn *);
enum httpd_tls	httpd_tls_write(struct conn *);

/* httpd-log.c */
void	httpd_log_request(struct conn *, const struct http_request *, int,
	    off_t);
void	httpd_log_later(struct conn *, const struct http_request *);
void	httpd_log_finish(struct conn *, int, off_t);

#endif /* HTTPD_INT_H */
