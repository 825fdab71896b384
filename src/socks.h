/*
 * Proxy protocols as pure state machines over buffers, for both sides:
 * the client that connect uses to reach a target through a SOCKS5,
 * SOCKS4/4a or HTTP CONNECT proxy, and the server side of `sockctl proxy`
 * (the same three protocols on one port, told apart by the first byte).
 * No I/O: the caller reads into its own buffer, hands the unconsumed
 * bytes in, writes out what the functions append to a struct buf, and
 * is told how many input bytes a message took, so that whatever follows
 * the handshake (early data, a request body) stays with the caller.
 */
#ifndef SOCKS_H
#define SOCKS_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>

#include "buf.h"
#include "log.h"

#define SOCKS_NAME_MAX		255	/* a host, user or password */
#define SOCKS_HTTP_HEAD_MAX	16384	/* HTTP request or reply head */
#define SOCKS_HTTP_STATUS_MAX	200	/* status line quoted */
/* No unfinished handshake message is longer: buffer this much, no more. */
#define SOCKS_INPUT_MAX		(SOCKS_HTTP_HEAD_MAX + 8)
#define SOCKS5_UDP_HDR_MAX	(4 + 1 + SOCKS_NAME_MAX + 2)

/* Results of the parsers and of the server's steps. */
#define SOCKS_ERROR		(-1)	/* err/why set: flush, close */
#define SOCKS_MORE		0	/* flush out, read more */
#define SOCKS_DONE		1	/* handshake over */
#define SOCKS_AUTH		2	/* server: check user and pass */
#define SOCKS_REQUEST		3	/* server: act on cmd and dst */

enum proxy_type {
	PROXY_SOCKS5H,		/* the proxy resolves names */
	PROXY_SOCKS5,		/* names resolved here */
	PROXY_SOCKS4A,
	PROXY_SOCKS4,		/* names resolved here, IPv4 only */
	PROXY_HTTP		/* CONNECT */
};

struct proxy_url {
	enum proxy_type	 type;
	char		 host[SOCKS_NAME_MAX + 1];	/* no brackets */
	int		 port;
	int		 has_user;
	char		 user[SOCKS_NAME_MAX + 1];
};

/* Each returns 0, or -1 with a reason for "proxy 'URL': REASON" in err. */
int	    proxy_parse_type(const char *, enum proxy_type *, struct sk_err *);
int	    proxy_parse_url(const char *, const enum proxy_type *,
	    struct proxy_url *, struct sk_err *);
const char *proxy_type_name(enum proxy_type);
int	    proxy_resolves_here(enum proxy_type);

/* An endpoint as SOCKS carries it (ATYP values). */
#define SOCKS_ADDR_IPV4		1
#define SOCKS_ADDR_NAME		3
#define SOCKS_ADDR_IPV6		4

struct socks_addr {
	int		 type;
	unsigned char	 ip[16];	/* network order; IPv4: 4 */
	char		 name[SOCKS_NAME_MAX + 1];
	int		 port;
};

int	socks_addr_set(struct socks_addr *, const char *, int);
int	socks_addr_from_sa(struct socks_addr *, const struct sockaddr *);
int	socks_addr_to_sa(const struct socks_addr *,
	    struct sockaddr_storage *, socklen_t *);
const char *socks_addr_host(const struct socks_addr *, char *, size_t);

/* The client side: one handshake with one proxy. */
struct socks_client {
	enum proxy_type	 type;
	int		 state;
	int		 offered;	/* SOCKS5 methods offered, bit n */
	int		 has_user;
	char		 user[SOCKS_NAME_MAX + 1];
	char		 pass[SOCKS_NAME_MAX + 1];
	struct socks_addr target;
	struct socks_addr bound;	/* BND of a SOCKS reply */
	/*
	 * The proxy's answer to the request when it refused it: the SOCKS5
	 * or SOCKS4 reply code or the HTTP status; 0 otherwise.  A refusal
	 * of the target, not of us (except HTTP 407), so a port scan goes on.
	 */
	int		 reply;
	struct sk_err	 err;		/* why SOCKS_ERROR */
};

int	socks_client_start(struct socks_client *, const struct proxy_url *,
	    const struct socks_addr *, const char *, struct buf *);
int	socks_client_input(struct socks_client *, const void *, size_t,
	    size_t *, struct buf *);
void	socks_client_clear(struct socks_client *);
const char *socks5_reply_text(int);
const char *socks4_reply_text(int);

/* The server side: one client of `sockctl proxy`. */
enum socks_proto {
	SOCKS_PROTO_NONE,
	SOCKS_PROTO_SOCKS5,
	SOCKS_PROTO_SOCKS4,
	SOCKS_PROTO_SOCKS4A,
	SOCKS_PROTO_HTTP
};

#define SOCKS_CMD_CONNECT	1	/* SOCKS CONNECT, HTTP CONNECT */
#define SOCKS_CMD_UDP		3	/* SOCKS5 UDP ASSOCIATE */
#define SOCKS_CMD_FORWARD	100	/* HTTP request in absolute form */

/* Reply codes: RFC 1928's, mapped for SOCKS4 and HTTP. */
#define SOCKS_REP_OK		0
#define SOCKS_REP_FAILURE	1
#define SOCKS_REP_NOT_ALLOWED	2
#define SOCKS_REP_NET_UNREACH	3
#define SOCKS_REP_HOST_UNREACH	4
#define SOCKS_REP_REFUSED	5
#define SOCKS_REP_TIMEOUT	6	/* "TTL expired"; HTTP 504 */
#define SOCKS_REP_COMMAND	7
#define SOCKS_REP_ADDRESS_TYPE	8

struct socks_server {
	int		 auth_required;
	enum socks_proto proto;
	int		 state;
	int		 cmd;
	struct socks_addr dst;
	int		 has_creds;
	char		 user[SOCKS_NAME_MAX + 1];
	char		 pass[SOCKS_NAME_MAX + 1];
	/* HTTP only. */
	struct buf	 head;		/* FORWARD: for the origin */
	long long	 content_length;	/* -1: none */
	int		 chunked;
	int		 keep_alive;	/* the client's wish */
	struct sk_err	 err;		/* why SOCKS_ERROR, for the -v line */
};

void	socks_server_init(struct socks_server *, int);
int	socks_server_input(struct socks_server *, const void *, size_t,
	    size_t *, struct buf *);
int	socks_server_auth(struct socks_server *, int, struct buf *);
int	socks_server_reply(struct socks_server *, int,
	    const struct socks_addr *, struct buf *);
void	socks_server_next(struct socks_server *);
void	socks_server_free(struct socks_server *);
int	socks_reply_from_errno(int);
const char *socks_proto_name(enum socks_proto);

/*
 * Keep-alive through the proxy for absolute-form requests: where a
 * request or response body ends, and the origin's response head made
 * fit for the client.
 */
#define SOCKS_BODY_NONE		0
#define SOCKS_BODY_LENGTH	1
#define SOCKS_BODY_CHUNKED	2
#define SOCKS_BODY_CLOSE	3	/* until the origin closes */

#define SOCKS_CHUNK_LINE_MAX	4096	/* chunk extensions */
#define SOCKS_TRAILERS_MAX	8192

struct socks_body {
	int		 state;
	unsigned long long remaining;
	size_t		 line;
	size_t		 trailers;
};

struct socks_http_response {
	int		 status;
	int		 framing;	/* SOCKS_BODY_* */
	long long	 content_length;
	int		 keep_alive;	/* the client may send more */
	size_t		 head_len;
};

void	socks_body_init(struct socks_body *, int, long long);
int	socks_body_scan(struct socks_body *, const void *, size_t, size_t *);
int	socks_http_response(const char *, size_t, int, int,
	    struct socks_http_response *, struct buf *);

/* SOCKS5 UDP ASSOCIATE datagrams. */
int	socks5_udp_parse(const void *, size_t, struct socks_addr *,
	    size_t *);
size_t	socks5_udp_build(unsigned char *, const struct socks_addr *);

int	socks_ct_equal(const void *, size_t, const void *, size_t);

#endif /* SOCKS_H */
