/*
 * Name lookups for sockctl proxy without blocking its loop: each runs
 * getaddrinfo(3) in a detached thread of its own, which writes the
 * finished lookup's address into a pipe; the loop reads it back and
 * calls the owner.  A thread per lookup keeps a slow name from holding
 * up the others, as a single resolver thread would.  A connection that
 * stops waiting clears owner; the late result is freed when it arrives.
 * Such a lookup still has its thread, so the threads are counted until
 * their results are read, and no more than max (-m) run at once: clients
 * that send slow names and leave cannot pile threads up.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loop.h"
#include "proxy-int.h"
#include "sock.h"

struct lookup_job {
	struct lookup	*l;
	int		 fd;
};

static void *
lookup_thread(void *arg)
{
	struct lookup_job	*j = arg;
	struct addrinfo		 hints;
	struct lookup		*l = j->l;
	ssize_t			 w;
	int			 fd = j->fd;

	free(j);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = l->family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	l->rv = getaddrinfo(l->host, l->serv, &hints, &l->res);
	/* A pointer is far below PIPE_BUF: the write is whole or fails. */
	while ((w = write(fd, &l, sizeof(l))) == -1 && errno == EINTR)
		continue;
	return (NULL);
}

static void
resolver_read(struct loop_fd *lf, uint32_t ev)
{
	struct resolver	*r = lf->arg;
	struct lookup	*l;
	ssize_t		 n;
	int		 i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		n = read(lf->fd, &l, sizeof(l));
		if (n != (ssize_t)sizeof(l))
			return;
		r->inflight--;
		if (l->owner == NULL)
			lookup_free(l);
		else
			l->done(l->owner, l);
	}
}

int
resolver_init(struct resolver *r, struct loop *loop, struct sk_err *err)
{
	if (pipe2(r->fd, O_CLOEXEC) == -1) {
		err_set(err, "pipe: %s", strerror(errno));
		return (-1);
	}
	r->lf.fd = r->fd[0];
	r->lf.cb = resolver_read;
	r->lf.arg = r;
	if (sock_set_nonblock(r->fd[0], 1) == -1 ||
	    loop_add(loop, &r->lf, EPOLLIN) == -1) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

/*
 * Starts looking host up; done(owner, l) is called from the loop with
 * the result, and then owns l.  NULL (errno set) if no thread could be
 * started, or EAGAIN when max lookups are running.
 */
struct lookup *
resolver_start(struct resolver *r, const char *host, int port, int family,
    void (*done)(void *, struct lookup *), void *owner)
{
	struct lookup		*l;
	struct lookup_job	*j;
	pthread_attr_t		 attr;
	pthread_t		 t;
	int			 e;

	if (r->inflight >= r->max) {
		errno = EAGAIN;
		return (NULL);
	}
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	if ((j = malloc(sizeof(*j))) == NULL) {
		free(l);
		return (NULL);
	}
	strlcpy(l->host, host, sizeof(l->host));
	snprintf(l->serv, sizeof(l->serv), "%d", port);
	l->family = family;
	l->done = done;
	l->owner = owner;
	j->l = l;
	j->fd = r->fd[1];
	if ((e = pthread_attr_init(&attr)) == 0) {
		(void)pthread_attr_setdetachstate(&attr,
		    PTHREAD_CREATE_DETACHED);
		e = pthread_create(&t, &attr, lookup_thread, j);
		(void)pthread_attr_destroy(&attr);
	}
	if (e != 0) {
		free(j);
		free(l);
		errno = e;
		return (NULL);
	}
	r->inflight++;
	return (l);
}

/* The owner stops waiting: the result is freed when it comes. */
void
resolver_cancel(struct lookup *l)
{
	l->owner = NULL;
}

void
lookup_free(struct lookup *l)
{
	if (l->res != NULL)
		freeaddrinfo(l->res);
	free(l);
}
