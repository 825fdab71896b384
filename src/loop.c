/*
 * The event loop.  Timers sit in one list sorted by deadline; servers arm
 * them with the same delay over and over (idle timeouts), so insertion
 * from the tail is O(1) in practice.  Callbacks may add, modify or delete
 * any watcher, including their own, and may stop the loop.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/queue.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

#define MAX_EVENTS	256

TAILQ_HEAD(timer_list, loop_timer);

struct loop {
	int			 epfd;
	int			 stop;
	struct timer_list	 timers;
	struct epoll_event	 ev[MAX_EVENTS];
	int			 nev;
	int			 cur;
};

long long
loop_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

struct loop *
loop_new(void)
{
	struct loop	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		free(l);
		return (NULL);
	}
	TAILQ_INIT(&l->timers);
	return (l);
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	close(l->epfd);
	free(l);
}

int
loop_add(struct loop *l, struct loop_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	f->events = events;
	return (epoll_ctl(l->epfd, EPOLL_CTL_ADD, f->fd, &ev));
}

int
loop_mod(struct loop *l, struct loop_fd *f, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = f };

	if (f->events == events)
		return (0);
	f->events = events;
	return (epoll_ctl(l->epfd, EPOLL_CTL_MOD, f->fd, &ev));
}

/*
 * Also forgets events already fetched for this watcher, so a callback
 * that frees another client's watcher is safe.
 */
void
loop_del(struct loop *l, struct loop_fd *f)
{
	int	i;

	(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, f->fd, NULL);
	for (i = l->cur; i < l->nev; i++)
		if (l->ev[i].data.ptr == f)
			l->ev[i].data.ptr = NULL;
}

/*
 * close(2) takes a descriptor out of the epoll set when nothing else
 * refers to its file: a watcher about to be closed only needs the events
 * already fetched for it forgotten, as loop_del does, without the
 * syscall (a forwarder closes two descriptors per connection).
 */
void
loop_forget(struct loop *l, struct loop_fd *f)
{
	int	i;

	for (i = l->cur; i < l->nev; i++)
		if (l->ev[i].data.ptr == f)
			l->ev[i].data.ptr = NULL;
}

void
loop_timer_set(struct loop *l, struct loop_timer *t, long long delay_ms)
{
	struct loop_timer *p;

	loop_timer_cancel(l, t);
	t->when = loop_now() + delay_ms;
	t->armed = 1;
	TAILQ_FOREACH_REVERSE(p, &l->timers, timer_list, entry)
		if (p->when <= t->when)
			break;
	if (p == NULL)
		TAILQ_INSERT_HEAD(&l->timers, t, entry);
	else
		TAILQ_INSERT_AFTER(&l->timers, p, t, entry);
}

void
loop_timer_cancel(struct loop *l, struct loop_timer *t)
{
	if (!t->armed)
		return;
	TAILQ_REMOVE(&l->timers, t, entry);
	t->armed = 0;
}

void
loop_stop(struct loop *l)
{
	l->stop = 1;
}

static int
next_timeout(struct loop *l)
{
	struct loop_timer *t;
	long long	 left;

	if ((t = TAILQ_FIRST(&l->timers)) == NULL)
		return (-1);
	left = t->when - loop_now();
	return (left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left);
}

static void
run_timers(struct loop *l)
{
	struct loop_timer *t;
	long long	 now = loop_now();

	while (!l->stop && (t = TAILQ_FIRST(&l->timers)) != NULL &&
	    t->when <= now) {
		loop_timer_cancel(l, t);
		t->cb(t);
	}
}

/* Returns 0 when stopped, -1 if epoll_wait fails. */
int
loop_run(struct loop *l)
{
	struct loop_fd	*f;

	l->stop = 0;
	while (!l->stop) {
		l->nev = epoll_wait(l->epfd, l->ev, MAX_EVENTS,
		    next_timeout(l));
		if (l->nev == -1) {
			l->nev = 0;
			if (errno == EINTR)
				continue;
			return (-1);
		}
		for (l->cur = 0; l->cur < l->nev && !l->stop; l->cur++) {
			if ((f = l->ev[l->cur].data.ptr) == NULL)
				continue;
			f->cb(f, l->ev[l->cur].events);
		}
		l->nev = l->cur = 0;
		run_timers(l);
	}
	return (0);
}
