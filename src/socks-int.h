/*
 * What the socks*.c files share and nothing else sees: the server's
 * states (socks-server.c runs them, socks-http.c ends its HTTP steps in
 * them), the SOCKS method and reply codes both sides speak, and the
 * helpers for names, ports and SOCKS5 addresses.
 */
#ifndef SOCKS_INT_H
#define SOCKS_INT_H

#include <stddef.h>

#include "buf.h"
#include "socks.h"

/*
 * A step of a handshake: looks at p, the unconsumed input, for the
 * message its state waits for.  Returns SOCKS_MORE (nothing taken),
 * SOCKS_NEXT (the state moved on: run the next step), or a result for
 * the caller (SOCKS_DONE, SOCKS_AUTH, SOCKS_REQUEST, SOCKS_ERROR); *n is
 * what the message took, left 0 where nothing was.
 */
#define SOCKS_NEXT		4

typedef int socks_step_fn(void *, const unsigned char *, size_t, size_t *,
    struct buf *);

int	socks_feed(socks_step_fn *, void *, const void *, size_t, size_t *,
	    struct buf *);

/* The states of struct socks_server. */
enum {
	S_FIRST,
	S5_GREETING,
	S5_AUTH,
	S5_AUTH_WAIT,
	S5_REQUEST,
	S4_REQUEST,
	SH_REQUEST,
	SH_AUTH_WAIT,
	S_REQ_WAIT,
	S_DONE,
	S_ERROR
};

#define S5_METHOD_NONE		0x00
#define S5_METHOD_USERPASS	0x02
#define S5_METHOD_REFUSED	0xff

#define S4_GRANTED		90
#define S4_REJECTED		91

int	socks_valid_name(const char *, size_t);
int	socks_get16(const unsigned char *);
int	socks_parse_port(const char *, size_t);
int	socks_add_s5addr(struct buf *, const struct socks_addr *);
int	socks_parse_s5addr(const unsigned char *, size_t,
	    struct socks_addr *, size_t *, int);

/* The server's steps shared by its SOCKS and HTTP halves. */
int	socks_server_fail(struct socks_server *, const char *);
int	socks_http_refuse(struct socks_server *, int, const char *,
	    struct buf *);
int	socks_http_request(struct socks_server *, const char *, size_t,
	    size_t *, struct buf *);

/* HTTP heads, for the requests (socks-http.c) and responses. */
int	socks_lit_ieq(const char *, size_t, const char *);
int	socks_hop_by_hop(const char *, size_t);
int	socks_next_line(const char *, const char *, size_t *, const char **);
int	socks_connection_lists(const char *, const char *, const char *,
	    size_t);

#endif /* SOCKS_INT_H */
