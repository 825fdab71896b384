/*
 * Reads and writes on a connection of an epoll engine (serve-http, the
 * chat room), plain or TLS alike: one call that never blocks and says
 * which event to wait for when it cannot go on.  With TLS a read may
 * need the socket writable (and the reverse), so the engine waits for
 * what it is told, not for what it asked.
 */
#ifndef CONNIO_H
#define CONNIO_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "log.h"

struct tls;
struct tls_ctx;

/* What one call came to. */
enum connio {
	CONNIO_OK,	/* *n bytes moved (> 0), or the handshake is done */
	CONNIO_AGAIN,	/* nothing now: wait for *want (EPOLLIN/EPOLLOUT) */
	CONNIO_EOF,	/* the peer's end of stream (read only) */
	CONNIO_ERROR	/* err says why */
};

/* T is NULL for plain TCP. */
enum connio	connio_read(struct tls *, int, void *, size_t, size_t *,
		    uint32_t *, struct sk_err *);
enum connio	connio_write(struct tls *, int, const void *, size_t,
		    size_t *, uint32_t *, struct sk_err *);
enum connio	connio_handshake(struct tls *, uint32_t *, struct sk_err *);
/* Sends our close_notify once all is written (tls_close_notify). */
enum connio	connio_close_notify(struct tls *, uint32_t *, struct sk_err *);
/* Nonzero when a read would return data without the socket's help. */
int		connio_pending(struct tls *);
/* A server's connection on FD, NULL with the reason. */
struct tls	*connio_tls_new(struct tls_ctx *, int, struct sk_err *);
/* The session line of -v (tls_report). */
void		connio_report(struct tls *, char *, size_t);
/* Best effort, never waits: our close_notify, then the TLS state goes. */
void		connio_close(struct tls *);

#endif /* CONNIO_H */
