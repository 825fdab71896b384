/*
 * forward --udp: a session per client address, each with its own socket
 * connected to the target, so that a reply goes back to the client whose
 * datagram caused it and to no other.  Datagrams keep their boundaries; a
 * session ends after the idle timeout, and -m caps how many there are
 * (a datagram from a new client beyond it is dropped).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "forward.h"
#include "log.h"
#include "loop.h"
#include "sock.h"
#include "trace-opt.h"
#include "trace.h"

#define UDP_DGRAM_MAX	65536	/* the largest UDP payload fits */
#define UDP_BURST	64	/* datagrams per wake-up, for fairness */

struct ufwd;

struct usess {
	struct ufwd	*u;
	struct loop_fd	 fd;
	struct sockaddr_storage peer;
	socklen_t	 plen;
	struct loop_timer timer;
	uint64_t	 sent;		/* client to target */
	uint64_t	 received;
	long long	 start;
	struct trace_conn *tc;		/* traced: the client's datagrams */
	TAILQ_ENTRY(usess) entry;
};

struct ufwd {
	const struct fwd_conf *c;
	struct loop	*loop;
	struct loop_fd	 lfd;
	struct loop_fd	 sig;
	char		*buf;
	long long	 nsess;
	long		 nextid;	/* sessions are numbered from 1 */
	int		 told_full;
	TAILQ_HEAD(, usess) sessions;
};

static void
usess_close(struct usess *s, const char *why)
{
	struct ufwd	*u = s->u;
	struct sock_name n;
	char		 tname[NI_MAXHOST + 16];

	if (log_verbosity >= 1) {
		sock_name_of((struct sockaddr *)&s->peer, s->plen, &n);
		forward_dest_name(&u->c->dest[0], tname, sizeof(tname));
		log_verbose(1, "%s port %d -> %s: sent %llu bytes, received "
		    "%llu bytes in %.2f s%s%s", n.host, n.port, tname,
		    (unsigned long long)s->sent,
		    (unsigned long long)s->received,
		    (double)(loop_now() - s->start) / 1000,
		    why != NULL ? ": " : "", why != NULL ? why : "");
	}
	loop_timer_cancel(u->loop, &s->timer);
	loop_del(u->loop, &s->fd);
	trace_conn_close(s->tc);
	close(s->fd.fd);
	TAILQ_REMOVE(&u->sessions, s, entry);
	free(s);
	u->nsess--;
}

static void
usess_timer(struct loop_timer *t)
{
	usess_close(t->arg, NULL);
}

/* Replies from the target, to the one client of this session. */
static void
usess_io(struct loop_fd *lf, uint32_t ev)
{
	struct usess	*s = lf->arg;
	struct ufwd	*u = s->u;
	ssize_t		 n;
	int		 i;

	(void)ev;
	for (i = 0; i < UDP_BURST; i++) {
		n = recv(lf->fd, u->buf, UDP_DGRAM_MAX, MSG_DONTWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			/* An ICMP error from the target: nothing to pass on. */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_verbose(2, "recv from target: %s",
				    strerror(errno));
			break;
		}
		if (sendto(u->lfd.fd, u->buf, (size_t)n, MSG_DONTWAIT,
		    (struct sockaddr *)&s->peer, s->plen) == -1)
			log_verbose(2, "send to client: %s", strerror(errno));
		else {
			s->received += (uint64_t)n;
			trace_dgram(s->tc, TRACE_OUT, u->buf, (size_t)n,
			    (struct sockaddr *)&s->peer, s->plen, NULL);
		}
	}
	loop_timer_set(u->loop, &s->timer, u->c->idle_ms);
	trace_flush(u->c->tracer);
}

static struct usess *
usess_find(struct ufwd *u, const struct sockaddr_storage *ss, socklen_t len)
{
	struct usess	*s;

	TAILQ_FOREACH(s, &u->sessions, entry)
		if (s->plen == len && memcmp(&s->peer, ss, len) == 0)
			return (s);
	return (NULL);
}

static struct usess *
usess_new(struct ufwd *u, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct fwd_dest *d = &u->c->dest[0];
	struct usess	*s;
	int		 fd;

	if (u->nsess >= u->c->max_conns) {
		if (!u->told_full)
			log_verbose(1, "%lld sessions: dropping datagrams "
			    "from new clients", u->nsess);
		u->told_full = 1;
		return (NULL);
	}
	u->told_full = 0;
	if ((fd = socket(d->ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		log_verbose(1, "socket: %s", strerror(errno));
		return (NULL);
	}
	if (connect(fd, (const struct sockaddr *)&d->ss, d->len) == -1 ||
	    (s = calloc(1, sizeof(*s))) == NULL) {
		log_verbose(1, "connect: %s", strerror(errno));
		close(fd);
		return (NULL);
	}
	s->u = u;
	s->fd.fd = fd;
	s->fd.cb = usess_io;
	s->fd.arg = s;
	memcpy(&s->peer, ss, len);
	s->plen = len;
	s->timer.cb = usess_timer;
	s->timer.arg = s;
	s->start = loop_now();
	s->tc = traceopt_udp(u->c->tracer, ++u->nextid, u->lfd.fd, 0);
	if (loop_add(u->loop, &s->fd, EPOLLIN) == -1) {
		log_verbose(1, "epoll: %s", strerror(errno));
		trace_conn_close(s->tc);
		close(fd);
		free(s);
		return (NULL);
	}
	TAILQ_INSERT_HEAD(&u->sessions, s, entry);
	u->nsess++;
	return (s);
}

/* Datagrams from clients: each to its sender's session. */
static void
ufwd_input(struct loop_fd *lf, uint32_t ev)
{
	struct ufwd		*u = lf->arg;
	struct usess		*s;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	ssize_t			 n;
	int			 i;

	(void)ev;
	for (i = 0; i < UDP_BURST; i++) {
		memset(&ss, 0, sizeof(ss));
		len = sizeof(ss);
		n = recvfrom(lf->fd, u->buf, UDP_DGRAM_MAX, MSG_DONTWAIT,
		    (struct sockaddr *)&ss, &len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* A refused sender's datagram is dropped before anything. */
		if (sock_refused(u->c->acl, (struct sockaddr *)&ss, len))
			continue;
		if ((s = usess_find(u, &ss, len)) == NULL &&
		    (s = usess_new(u, &ss, len)) == NULL)
			continue;
		trace_dgram(s->tc, TRACE_IN, u->buf, (size_t)n,
		    (struct sockaddr *)&ss, len, NULL);
		if (send(s->fd.fd, u->buf, (size_t)n, MSG_DONTWAIT) == -1)
			log_verbose(2, "send to target: %s", strerror(errno));
		else
			s->sent += (uint64_t)n;
		loop_timer_set(u->loop, &s->timer, u->c->idle_ms);
	}
	trace_flush(u->c->tracer);
}

int
forward_udp_run(const struct fwd_conf *c, struct sk_err *err)
{
	struct ufwd	 u;
	struct usess	*s;
	int		 rv = 0;

	memset(&u, 0, sizeof(u));
	u.c = c;
	TAILQ_INIT(&u.sessions);
	if ((u.buf = malloc(UDP_DGRAM_MAX)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	if ((u.loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		free(u.buf);
		return (-1);
	}
	if (forward_watch(u.loop, c, &u.lfd, ufwd_input, &u, &u.sig,
	    err) == -1)
		rv = -1;
	else if (loop_run(u.loop) == -1) {
		err_set(err, "epoll_wait: %s", strerror(errno));
		rv = -1;
	}
	while ((s = TAILQ_FIRST(&u.sessions)) != NULL)
		usess_close(s, "stopped");
	loop_free(u.loop);
	free(u.buf);
	return (rv);
}
