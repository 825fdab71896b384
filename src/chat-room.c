/*
 * The chat room: one process, one epoll loop, every client non-blocking
 * with its own input line buffer and its own bounded output queue.  Input
 * is framed per line (never per read), so a line sent in pieces arrives as
 * one message; a line starting with '/' is a command (chat-cmds.c).
 *
 * Flow control, as IRC servers pair send queues with flood control: a
 * client that reads never loses a line, however fast another sends, and
 * one that does not read holds nobody up for more than STALL_MS.
 *  - While a client that is reading is more than QUEUE_HIGH behind, the
 *    room is congested: it reads nobody's input (back-pressure on every
 *    sender, through TCP) until each such client is within QUEUE_LOW.
 *  - A client that took nothing for STALL_MS while output waited for it
 *    is not reading: it holds nobody back, its queue grows, and past
 *    CHAT_QUEUE_MAX it is cut off as too slow.
 * So a reading client's queue stays near QUEUE_HIGH, any other's below
 * CHAT_QUEUE_MAX, and the room's memory is bounded by the client count.
 *
 * A TLS room joins a client once its handshake is done (chat-tls.c);
 * then its bytes go through connio, which may hold input the socket no
 * longer shows, so reading goes on until it says to wait.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "chat-room.h"
#include "chat.h"
#include "connio.h"
#include "log.h"
#include "loop.h"
#include "sock.h"
#include "text.h"

#define READ_CHUNK	65536
#define SNDBUF		(64 * 1024)
#define DRAIN_MS	5000	/* a half-closed client's queue, at most */

static void	client_input(struct client *);
static void	client_read(struct client *);
static void	room_vsay(struct room *, struct client *, struct client *,
		    const char *, va_list)
		    __attribute__((__format__(printf, 4, 0)));
static void	settle(struct room *);

/* The events c waits for: input unless it is on hold or done. */
static void
client_events(struct client *c)
{
	uint32_t	ev = 0;

	if (c->detached)
		return;
	if (!c->eof && !c->in_eof && !c->paused)
		ev |= EPOLLIN;
	if (room_pending(c) > 0)
		ev |= EPOLLOUT;
	/* TLS may need the socket writable to read, or the reverse. */
	if (c->tls != NULL && c->tls_want != 0 && !c->eof &&
	    !c->in_eof && !c->paused)
		ev |= c->tls_want;
	(void)loop_mod(c->room->loop, &c->lfd, ev);
}

static void
flush_client(struct client *c)
{
	struct sk_err	err;
	enum connio	r;
	uint32_t	want;
	size_t		n;

	while (room_pending(c) > 0) {
		r = connio_write(c->tls, c->lfd.fd, c->out.p + c->out_off,
		    room_pending(c), &n, &want, &err);
		if (r == CONNIO_AGAIN)
			break;
		if (r != CONNIO_OK) {
			room_close_client(c, NULL);
			return;
		}
		c->out_off += n;
		c->progress = loop_now();
	}
	/* The kernel is full: note its queue, to see it shrink. */
	if (room_pending(c) > 0)
		room_probe_progress(c, c->progress);
	if (room_pending(c) == 0) {
		c->out.len = c->out_off = 0;
		if (c->eof) {
			room_close_client(c, NULL);
			return;
		}
	}
	else if (c->out_off > CHAT_QUEUE_MAX / 2) {
		memmove(c->out.p, c->out.p + c->out_off, room_pending(c));
		c->out.len -= c->out_off;
		c->out_off = 0;
	}
	client_events(c);
}

static void
flush_dirty(struct room *r)
{
	struct client	*c;

	while ((c = TAILQ_FIRST(&r->dirty)) != NULL) {
		TAILQ_REMOVE(&r->dirty, c, dirty_entry);
		c->dirty = 0;
		if (!c->dead)
			flush_client(c);
	}
}

/* Queues one line (a newline is added) for a client. */
void
room_send_line(struct client *c, const char *p, size_t len)
{
	struct room	*r = c->room;

	if (c->dead || c->eof)
		return;
	if (room_pending(c) + len + 1 > CHAT_QUEUE_MAX) {
		room_close_client(c, "too slow");
		return;
	}
	/* Its time to take this starts now. */
	if (room_pending(c) == 0)
		c->progress = loop_now();
	if (buf_add(&c->out, p, len) == -1 || buf_addc(&c->out, '\n') == -1) {
		room_close_client(c, "out of memory");
		return;
	}
	if (!r->congested && room_pending(c) > QUEUE_HIGH &&
	    room_holds(c, QUEUE_HIGH, loop_now()))
		r->congested = 1;
	if (!c->dirty) {
		c->dirty = 1;
		TAILQ_INSERT_TAIL(&c->room->dirty, c, dirty_entry);
	}
}

/* To everyone but `except` (which may be NULL). */
static void
broadcast(struct room *r, struct client *except, const char *p, size_t len)
{
	struct client	*c;

	TAILQ_FOREACH(c, &r->clients, entry)
		if (c != except && !c->dead)
			room_send_line(c, p, len);
}

/*
 * Formats one line, cut to fit, and queues it for `to`, or for everyone
 * but `except` when `to` is NULL.
 */
static void
room_vsay(struct room *r, struct client *to, struct client *except,
    const char *fmt, va_list ap)
{
	char	line[TEXT_LINE_MAX + 256];
	int	n;

	if ((n = vsnprintf(line, sizeof(line), fmt, ap)) < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (to != NULL)
		room_send_line(to, line, (size_t)n);
	else
		broadcast(r, except, line, (size_t)n);
}

void
room_sendf(struct client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	room_vsay(c->room, c, NULL, fmt, ap);
	va_end(ap);
}

/* To everyone but `except`, or to everyone when it is NULL. */
void
room_broadcastf(struct room *r, struct client *except, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	room_vsay(r, NULL, except, fmt, ap);
	va_end(ap);
}

/* The client called nick, if one is (and has not left). */
struct client *
room_find_nick(struct room *r, const char *nick, size_t len)
{
	struct client	*c;

	TAILQ_FOREACH(c, &r->clients, entry)
		if (!c->dead && !c->gone && strlen(c->nick) == len &&
		    strncmp(c->nick, nick, len) == 0)
			return (c);
	return (NULL);
}

/*
 * Closing only marks the client: it stays in the list, skipped by every
 * loop, until settle() announces its leaving and frees it.  So a client
 * may be cut off in the middle of a broadcast without disturbing it.
 */
void
room_close_client(struct client *c, const char *why)
{
	struct room	*r = c->room;

	if (c->dead)
		return;
	c->dead = 1;
	c->why = why;
	if (c->paused) {
		TAILQ_REMOVE(&r->paused, c, pause_entry);
		c->paused = 0;
	}
	loop_del(r->loop, &c->lfd);
	loop_timer_cancel(r->loop, &c->drain);
	connio_close(c->tls);
	c->tls = NULL;
	close(c->lfd.fd);
	if (!c->gone)
		r->nclients--;
	r->ndead++;
}

static void
client_drain_timeout(struct loop_timer *t)
{
	struct client	*c = t->arg;
	struct room	*r = c->room;

	room_close_client(c, NULL);
	settle(r);
}

/*
 * A client that sent EOF has left the room: it is announced now, its name
 * and slot are free, and it gets a bounded time to take what is queued.
 */
static void
client_leaving(struct client *c)
{
	struct room	*r = c->room;

	c->eof = 1;
	c->gone = 1;
	r->nclients--;
	room_broadcastf(r, c, "* %s left", c->nick);
	log_verbose(1, "%s left", c->nick);
	c->drain.cb = client_drain_timeout;
	c->drain.arg = c;
	loop_timer_set(r->loop, &c->drain, DRAIN_MS);
	if (!c->dirty) {
		c->dirty = 1;
		TAILQ_INSERT_TAIL(&r->dirty, c, dirty_entry);
	}
}

static void
client_free(struct room *r, struct client *c)
{
	TAILQ_REMOVE(&r->clients, c, entry);
	if (c->dirty)
		TAILQ_REMOVE(&r->dirty, c, dirty_entry);
	buf_free(&c->in);
	buf_free(&c->out);
	free(c);
}

/* Input stays on hold until the room is no longer congested. */
static void
client_pause(struct client *c)
{
	if (c->paused || c->dead)
		return;
	c->paused = 1;
	TAILQ_INSERT_TAIL(&c->room->paused, c, pause_entry);
	client_events(c);
}

static void
client_resume(struct client *c)
{
	struct room	*r = c->room;

	TAILQ_REMOVE(&r->paused, c, pause_entry);
	c->paused = 0;
	client_input(c);
	/* What TLS already took from the socket wakes no epoll. */
	if (!c->dead && !c->paused && connio_pending(c->tls))
		client_read(c);
	if (c->dead || c->paused)
		return;
	if (c->detached) {
		c->detached = 0;
		c->lfd.events = 0;
		if (loop_add(r->loop, &c->lfd, 0) == -1) {
			room_close_client(c, NULL);
			return;
		}
	}
	client_events(c);
}

/*
 * Announces and frees the dead, flushes, and lets held input in once the
 * room is no longer congested; repeats while any of these adds work.
 * Held input is finite (nothing is read here), so this ends.
 */
static void
settle(struct room *r)
{
	struct client	*c, *next;

	for (;;) {
		for (c = TAILQ_FIRST(&r->clients); c != NULL; c = next) {
			next = TAILQ_NEXT(c, entry);
			if (!c->dead)
				continue;
			r->ndead--;
			if (c->gone)
				;	/* announced when it half-closed */
			else if (c->why != NULL) {
				room_broadcastf(r, c, "* %s left (%s)", c->nick,
				    c->why);
				log_verbose(1, "%s left (%s)", c->nick,
				    c->why);
			} else {
				room_broadcastf(r, c, "* %s left", c->nick);
				log_verbose(1, "%s left", c->nick);
			}
			client_free(r, c);
		}
		flush_dirty(r);
		if (r->ndead > 0)
			continue;
		if (r->congested)
			room_congestion_update(r);
		if (r->congested || TAILQ_EMPTY(&r->paused))
			break;
		/* Oldest first; one that congests the room again waits last. */
		while (!r->congested && (c = TAILQ_FIRST(&r->paused)) != NULL)
			client_resume(c);
	}
}

static void
settle_cb(struct loop_timer *t)
{
	settle(t->arg);
}

/*
 * Settling (and so flushing) once after each batch of events, rather than
 * after each event, turns k lines from k clients into one write per
 * reader instead of k.
 */
static void
settle_later(struct room *r)
{
	if (!r->settle_timer.armed)
		loop_timer_set(r->loop, &r->settle_timer, 0);
}

static void
handle_line(struct client *c, const char *p, size_t len)
{
	if (len == 0)
		return;
	if (p[0] == '/')
		room_command(c, p, len);
	else
		room_broadcastf(c->room, c, "<%s> %.*s", c->nick, (int)len, p);
}

/* Cleans one raw line and acts on it. */
static void
take_line(struct client *c, const char *p, size_t len)
{
	struct buf	*b = &c->room->scratch;
	size_t		 cut;

	if (len > 0 && p[len - 1] == '\r')
		len--;
	b->len = 0;
	if (text_clean(b, p, len) == -1) {
		room_close_client(c, "out of memory");
		return;
	}
	/* Cut what is relayed: U+FFFD makes a cleaned line longer. */
	cut = text_cut(b->p, b->len, TEXT_LINE_MAX);
	handle_line(c, b->p != NULL ? b->p : "", cut);
}

/*
 * Frames buffered input into lines; keeps an incomplete tail.  Stops
 * before a line while the room is congested: returns -1 then.
 */
static int
process_input(struct client *c)
{
	char	*p = c->in.p, *nl;
	size_t	 left = c->in.len;
	int	 held = 0;

	while (!c->dead && left > 0) {
		if (c->room->congested) {
			held = 1;
			break;
		}
		nl = memchr(p, '\n', left);
		if (nl == NULL) {
			if (c->discarding) {
				left = 0;
				break;
			}
			if (left > TEXT_LINE_MAX) {
				/* Cut here; drop the rest up to the newline. */
				take_line(c, p, left);
				c->discarding = 1;
				left = 0;
				break;
			}
			if (c->in_eof) {
				take_line(c, p, left);
				left = 0;
			}
			break;
		}
		if (c->discarding)
			c->discarding = 0;
		else
			take_line(c, p, (size_t)(nl - p));
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if (c->dead)
		return (0);
	memmove(c->in.p, p, left);
	c->in.len = left;
	return (held ? -1 : 0);
}

/*
 * Acts on buffered input, or puts it on hold while the room is congested;
 * after the last line before EOF, the client leaves.
 */
static void
client_input(struct client *c)
{
	if (process_input(c) == -1) {
		client_pause(c);
		return;
	}
	if (!c->dead && c->in_eof && !c->eof)
		client_leaving(c);
}

/* Reads until EAGAIN, or until the room is congested. */
static void
client_read(struct client *c)
{
	struct sk_err	err;
	enum connio	r;
	size_t		n;

	c->tls_want = 0;
	for (;;) {
		if (c->room->congested) {
			client_pause(c);
			return;
		}
		if (buf_reserve(&c->in, READ_CHUNK) == -1) {
			room_close_client(c, "out of memory");
			return;
		}
		r = connio_read(c->tls, c->lfd.fd, c->in.p + c->in.len,
		    READ_CHUNK, &n, &c->tls_want, &err);
		if (r == CONNIO_AGAIN)
			return;
		if (r == CONNIO_ERROR) {
			room_close_client(c, NULL);
			return;
		}
		if (r == CONNIO_EOF) {
			/* A half-close still gets what is queued for it. */
			c->in_eof = 1;
			client_input(c);
			return;
		}
		c->in.len += n;
		client_input(c);
		if (c->dead || c->paused ||
		    (n < READ_CHUNK && !connio_pending(c->tls)))
			return;
	}
}

static void
client_cb(struct loop_fd *f, uint32_t ev)
{
	struct client	*c = f->arg;
	struct room	*r = c->room;

	/*
	 * epoll reports a hang-up or an error even without EPOLLIN: a client
	 * on hold leaves the loop until it is resumed, rather than spin.
	 */
	if (c->paused && (ev & (EPOLLERR | EPOLLHUP))) {
		loop_del(r->loop, &c->lfd);
		c->detached = 1;
		settle_later(r);
		return;
	}
	/* (EPOLLIN may come from a batch fetched before the pause.) */
	if (!c->paused && ((ev & (EPOLLIN | EPOLLERR | EPOLLHUP)) ||
	    (c->tls_want == EPOLLOUT && (ev & EPOLLOUT))))
		client_read(c);
	if (!c->dead && (ev & EPOLLOUT))
		flush_client(c);
	settle_later(r);
}

static void
assign_nick(struct room *r, struct client *c)
{
	int	n;

	/* userN counts up and is never reused, nor taken from a /nick. */
	do {
		n = snprintf(c->nick, sizeof(c->nick), "user%lu",
		    ++r->next_user);
	} while (room_find_nick(r, c->nick, (size_t)n) != NULL);
}

/*
 * A new client, plain or with its TLS handshake done (TLS_LINE then
 * describes the session for the -v join line).
 */
void
room_join(struct room *r, int fd, struct tls *tls, const char *tls_line)
{
	struct client	*c;
	struct sock_name n;
	struct sk_err	 err;
	size_t		 sent;
	uint32_t	 want;

	if (r->nclients >= r->max_conns) {
		(void)connio_write(tls, fd, "* room is full\n", 15, &sent,
		    &want, &err);
		connio_close(tls);
		close(fd);
		log_verbose(1, "refused a client: room is full");
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		connio_close(tls);
		close(fd);
		return;
	}
	/*
	 * A small kernel send buffer keeps what a client has not read in
	 * our queue, where the 1 MiB limit can see it; auto-tuning would
	 * otherwise hide megabytes in the kernel.
	 */
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &(int){ SNDBUF },
	    sizeof(int));
	/* Chat lines are small and latency is the point: no Nagle. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
	c->room = r;
	c->tls = tls;
	c->lfd.fd = fd;
	c->lfd.cb = client_cb;
	c->lfd.arg = c;
	if (loop_add(r->loop, &c->lfd, EPOLLIN) == -1) {
		connio_close(tls);
		close(fd);
		free(c);
		return;
	}
	if (sock_peer_name(fd, &n) == 0)
		snprintf(c->addr, sizeof(c->addr), "%s port %d", n.host,
		    n.port);
	assign_nick(r, c);
	TAILQ_INSERT_TAIL(&r->clients, c, entry);
	r->nclients++;
	room_sendf(c, "* welcome to the room, %s; /help lists the commands",
	    c->nick);
	room_broadcastf(r, c, "* %s joined", c->nick);
	if (tls != NULL)
		log_verbose(1, "%s joined from %s (%s)", c->nick, c->addr,
		    tls_line);
	else
		log_verbose(1, "%s joined from %s", c->nick, c->addr);
	/* Joined from a handshake, no listener event will flush this. */
	settle_later(r);
}

static void
room_listener_cb(struct loop_fd *f, uint32_t ev)
{
	struct room	*r = f->arg;
	int		 fd, i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		/* Out of descriptors it turns connections away: see sock.c. */
		fd = sock_accept(f->fd, &r->acceptor);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EMFILE &&
			    errno != ENFILE) {
				err_set(&r->err, "accept: %s",
				    strerror(errno));
				r->failed = 1;
				loop_stop(r->loop);
			}
			break;
		}
		if (r->tls != NULL)
			room_handshake_start(r, fd);
		else
			room_join(r, fd, NULL, NULL);
	}
	settle_later(r);
}

/*
 * SIGINT/SIGTERM: a room serves until it is stopped, so it stops cleanly
 * and exits 0 (EXIT STATUS in the man page).
 */
static void
stop_cb(struct loop_fd *f, uint32_t ev)
{
	(void)ev;
	loop_stop(f->arg);
}

enum chat_room_end
chat_room_run(const struct chat_room_conf *conf, struct sk_err *err)
{
	struct room	 r;
	struct client	*c;
	struct loop_fd	 sig;
	sigset_t	 mask;
	enum chat_room_end end = CHAT_ROOM_STOPPED;

	memset(&r, 0, sizeof(r));
	TAILQ_INIT(&r.clients);
	TAILQ_INIT(&r.dirty);
	TAILQ_INIT(&r.paused);
	TAILQ_INIT(&r.handshakes);
	r.max_conns = conf->max_conns;
	r.tls = conf->tls;
	sock_acceptor_init(&r.acceptor);
	/* A refused client is closed by the accept, before any welcome. */
	r.acceptor.acl = conf->acl;
	if ((r.loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		sock_acceptor_free(&r.acceptor);
		return (CHAT_ROOM_FAILED);
	}
	r.settle_timer.cb = settle_cb;
	r.settle_timer.arg = &r;
	r.stall_timer.cb = settle_cb;
	r.stall_timer.arg = &r;
	r.listener.fd = conf->lfd;
	r.listener.cb = room_listener_cb;
	r.listener.arg = &r;
	if (sock_set_nonblock(conf->lfd, 1) == -1 ||
	    loop_add(r.loop, &r.listener, EPOLLIN) == -1) {
		err_set(err, "epoll: %s", strerror(errno));
		loop_free(r.loop);
		sock_acceptor_free(&r.acceptor);
		return (CHAT_ROOM_FAILED);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sig.cb = stop_cb;
	sig.arg = r.loop;
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1 ||
	    loop_add(r.loop, &sig, EPOLLIN) == -1) {
		err_set(err, "signalfd: %s", strerror(errno));
		loop_free(r.loop);
		sock_acceptor_free(&r.acceptor);
		return (CHAT_ROOM_FAILED);
	}
	if (loop_run(r.loop) == -1) {
		err_set(err, "epoll_wait: %s", strerror(errno));
		end = CHAT_ROOM_FAILED;
	} else if (r.failed) {
		*err = r.err;
		end = CHAT_ROOM_FAILED;
	}
	room_handshakes_free(&r);
	while ((c = TAILQ_FIRST(&r.clients)) != NULL) {
		if (!c->dead) {
			connio_close(c->tls);
			close(c->lfd.fd);
		}
		client_free(&r, c);
	}
	buf_free(&r.scratch);
	buf_free(&r.who);
	loop_free(r.loop);
	close(sig.fd);
	sock_acceptor_free(&r.acceptor);
	return (end);
}
