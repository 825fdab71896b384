/*
 * A small epoll event loop shared by the servers that hold many clients
 * (chat, serve-http): descriptor readiness callbacks and one-shot timers.
 */
#ifndef LOOP_H
#define LOOP_H

#include <sys/queue.h>

#include <stdint.h>

struct loop;

struct loop_fd {
	int		 fd;
	uint32_t	 events;	/* EPOLLIN, EPOLLOUT, ... */
	void		(*cb)(struct loop_fd *, uint32_t);
	void		*arg;
};

struct loop_timer {
	long long	 when;		/* loop_now() milliseconds */
	void		(*cb)(struct loop_timer *);
	void		*arg;
	int		 armed;
	TAILQ_ENTRY(loop_timer) entry;
};

struct loop *loop_new(void);
void	loop_free(struct loop *);
int	loop_add(struct loop *, struct loop_fd *, uint32_t);
int	loop_mod(struct loop *, struct loop_fd *, uint32_t);
void	loop_del(struct loop *, struct loop_fd *);
/* For a descriptor about to be closed (and not dup'ed): no epoll_ctl. */
void	loop_forget(struct loop *, struct loop_fd *);
void	loop_timer_set(struct loop *, struct loop_timer *, long long);
void	loop_timer_cancel(struct loop *, struct loop_timer *);
int	loop_run(struct loop *);
void	loop_stop(struct loop *);
long long loop_now(void);

#endif /* LOOP_H */
