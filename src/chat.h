/*
 * The chat room (server) and the chat client, driven by cmd-chat.c.
 */
#ifndef CHAT_H
#define CHAT_H

/* A client whose unsent output passes this is cut off. */
#define CHAT_QUEUE_MAX	(1024 * 1024)

struct chat_room_conf {
	int		 lfd;		/* listening, non-blocking */
	long long	 max_conns;
};

struct chat_client_conf {
	int		 fd;		/* connected */
	const char	*nick;		/* -n, or NULL */
};

int	chat_room_run(const struct chat_room_conf *);
int	chat_client_run(const struct chat_client_conf *);

#endif /* CHAT_H */
