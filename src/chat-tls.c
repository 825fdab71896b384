/*
 * A TLS chat room's new connections: each does its handshake on the
 * room's loop, so a slow or silent client holds nobody up, and gets
 * HS_TIMEOUT_MS for it.  A failed handshake closes that connection only
 * (with a -v line); a finished one joins the room (room_join).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chat-room.h"
#include "connio.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

#define HS_TIMEOUT_MS	10000

static void
hs_free(struct handshake *h, int close_fd)
{
	struct room	*r = h->room;

	loop_del(r->loop, &h->lfd);
	loop_timer_cancel(r->loop, &h->timer);
	TAILQ_REMOVE(&r->handshakes, h, entry);
	r->nhandshakes--;
	if (close_fd) {
		connio_close(h->tls);
		close(h->lfd.fd);
	}
	free(h);
}

static void
hs_timeout(struct loop_timer *t)
{
	struct handshake *h = t->arg;

	log_verbose(1, "TLS handshake with %s failed: timed out", h->addr);
	hs_free(h, 1);
}

static void
hs_cb(struct loop_fd *f, uint32_t ev)
{
	struct handshake *h = f->arg;
	struct room	*r = h->room;
	struct sk_err	 err;
	struct tls	*tls;
	uint32_t	 want = 0;
	char		 line[512];
	int		 fd;

	(void)ev;
	switch (connio_handshake(h->tls, &want, &err)) {
	case CONNIO_OK:
		connio_report(h->tls, line, sizeof(line));
		fd = h->lfd.fd;
		tls = h->tls;
		hs_free(h, 0);
		room_join(r, fd, tls, line);
		break;
	case CONNIO_AGAIN:
		(void)loop_mod(r->loop, &h->lfd, want);
		break;
	default:
		log_verbose(1, "TLS handshake with %s failed: %s", h->addr,
		    err.msg);
		hs_free(h, 1);
		break;
	}
}

void
room_handshake_start(struct room *r, int fd)
{
	struct handshake *h;
	struct sock_name n;
	struct sk_err	 err;

	/* As many handshakes as the room has seats, no more. */
	if (r->nhandshakes >= r->max_conns ||
	    (h = calloc(1, sizeof(*h))) == NULL) {
		close(fd);
		return;
	}
	if ((h->tls = connio_tls_new(r->tls, fd, &err)) == NULL) {
		log_verbose(1, "%s", err.msg);
		free(h);
		close(fd);
		return;
	}
	h->room = r;
	h->lfd.fd = fd;
	h->lfd.cb = hs_cb;
	h->lfd.arg = h;
	h->timer.cb = hs_timeout;
	h->timer.arg = h;
	if (sock_peer_name(fd, &n) == 0)
		snprintf(h->addr, sizeof(h->addr), "%s port %d", n.host,
		    n.port);
	if (loop_add(r->loop, &h->lfd, EPOLLIN) == -1) {
		connio_close(h->tls);
		free(h);
		close(fd);
		return;
	}
	TAILQ_INSERT_TAIL(&r->handshakes, h, entry);
	r->nhandshakes++;
	loop_timer_set(r->loop, &h->timer, HS_TIMEOUT_MS);
}

void
room_handshakes_free(struct room *r)
{
	struct handshake *h;

	while ((h = TAILQ_FIRST(&r->handshakes)) != NULL)
		hs_free(h, 1);
}
