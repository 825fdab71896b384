/*
 * Inside the chat room: its clients and the calls its slash commands
 * (chat-cmds.c) make into the room (chat-room.c).  Only those two files
 * include this; cmd-chat.c sees the room through chat.h.
 */
#ifndef CHAT_ROOM_H
#define CHAT_ROOM_H

#include <sys/types.h>
#include <sys/queue.h>

#include <netdb.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "log.h"
#include "loop.h"
#include "sock.h"
#include "text.h"

struct room;
struct tls;
struct tls_ctx;

struct client {
	struct loop_fd	 lfd;
	struct room	*room;
	char		 nick[TEXT_NICK_MAX + 1];
	char		 addr[NI_MAXHOST + 16];
	struct buf	 in;
	int		 discarding;	/* dropping the rest of a long line */
	int		 in_eof;	/* read EOF; lines may be left */
	int		 paused;	/* on room->paused: input on hold */
	int		 detached;	/* paused, out of the loop (HUP) */
	struct buf	 out;
	size_t		 out_off;
	long long	 progress;	/* when it last took output */
	int		 outq;		/* kernel send queue when last seen */
	int		 dirty;		/* queued on room->dirty */
	int		 dead;		/* closed; settle() announces, frees */
	int		 eof;		/* sent EOF: close once flushed */
	int		 gone;		/* its leaving was announced already */
	struct loop_timer drain;	/* bounds the wait for the queue */
	struct tls	*tls;		/* a TLS room's; NULL: plain */
	uint32_t	 tls_want;	/* the event TLS asked for to read */
	const char	*why;		/* for the "left" notice */
	TAILQ_ENTRY(client) entry;
	TAILQ_ENTRY(client) dirty_entry;
	TAILQ_ENTRY(client) pause_entry;
};

TAILQ_HEAD(client_list, client);

/* A TLS room's new connection, before its handshake is done. */
struct handshake {
	struct loop_fd	 lfd;
	struct loop_timer timer;	/* bounds the handshake */
	struct room	*room;
	struct tls	*tls;
	char		 addr[NI_MAXHOST + 16];
	TAILQ_ENTRY(handshake) entry;
};

TAILQ_HEAD(handshake_list, handshake);

struct room {
	struct loop	*loop;
	struct loop_fd	 listener;
	struct sock_acceptor acceptor;	/* no busy loop out of descriptors */
	struct client_list clients;
	struct client_list dirty;	/* have output to flush */
	struct client_list paused;	/* input on hold, oldest first */
	int		 congested;	/* a reader is far behind: hold input */
	struct loop_timer stall_timer;	/* when such a reader stalls */
	long long	 ndead;		/* closed, still in clients */
	long long	 nclients;
	long long	 max_conns;
	unsigned long	 next_user;
	struct buf	 scratch;	/* the cleaned line being handled */
	struct buf	 who;		/* the /who reply */
	struct loop_timer settle_timer;
	struct tls_ctx	*tls;		/* a TLS room; NULL: plain */
	struct handshake_list handshakes;
	long long	 nhandshakes;
	int		 failed;	/* accepting failed beyond repair: */
	struct sk_err	 err;	/* why */
};

#define QUEUE_HIGH	(512 * 1024)	/* a reader this far behind... */
#define QUEUE_LOW	(256 * 1024)	/* ...holds input until this close */
#define STALL_MS	1000	/* a reader that took nothing for this long */

/* What is queued for c and not yet written. */
static inline size_t
room_pending(const struct client *c)
{
	return (c->out.len - c->out_off);
}

/* chat-flow.c */
int	room_holds(const struct client *, size_t, long long);
void	room_probe_progress(struct client *, long long);
void	room_congestion_update(struct room *);

/* chat-room.c */
void	room_send_line(struct client *, const char *, size_t);
void	room_sendf(struct client *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	room_broadcastf(struct room *, struct client *, const char *, ...)
	    __attribute__((__format__(printf, 3, 4)));
struct client *room_find_nick(struct room *, const char *, size_t);
void	room_close_client(struct client *, const char *);
void	room_join(struct room *, int, struct tls *, const char *);

/* chat-tls.c */
void	room_handshake_start(struct room *, int);
void	room_handshakes_free(struct room *);

/* chat-cmds.c */
void	room_command(struct client *, const char *, size_t);

#endif /* CHAT_ROOM_H */
