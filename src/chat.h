/*
 * The chat room (server) and the chat client, driven by cmd-chat.c: it
 * opens the socket, runs one of them, and picks the exit status from
 * what they return.
 */
#ifndef CHAT_H
#define CHAT_H

#include "log.h"

struct acl;

/* A client whose unsent output passes this is cut off. */
#define CHAT_QUEUE_MAX	(1024 * 1024)

struct tls;
struct tls_ctx;

struct chat_room_conf {
	int		 lfd;		/* listening, non-blocking */
	long long	 max_conns;
	const struct acl *acl;		/* clients to refuse, or NULL */
	struct tls_ctx	*tls;		/* a TLS room; NULL: plain */
};

struct chat_client_conf {
	int		 fd;		/* connected */
	const char	*nick;		/* -n, or NULL */
	struct tls	*tls;		/* handshake done; NULL: plain */
};

/*
 * How a room ends.  A room serves until SIGINT or SIGTERM stops it, so
 * CHAT_ROOM_STOPPED is its success.  CHAT_ROOM_FAILED: the loop failed,
 * or accepting a client failed in a way that retrying cannot mend, and
 * err says why.
 */
enum chat_room_end {
	CHAT_ROOM_STOPPED,
	CHAT_ROOM_FAILED
};

enum chat_room_end chat_room_run(const struct chat_room_conf *,
	    struct sk_err *);

/*
 * 0 once the client left (EOF or /quit on stdin, and the room closed the
 * connection after it), or when stdout was closed under it; -1 with err
 * set when it could not go on, the room closing first included.
 */
int	chat_client_run(const struct chat_client_conf *, struct sk_err *);

#endif /* CHAT_H */
