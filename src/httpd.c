/*
 * serve-http's server loop and connection state machine.  Each
 * connection holds a small struct; its input buffer exists only while a
 * request is being read, so thousands of idle keep-alive connections
 * cost little.  Bodies go out with sendfile, and a small body leaves in
 * the same write as its headers (see httpd-respond.c).
 *
 * With --tls every connection starts with its TLS handshake, driven by
 * the loop like the rest (a client that never finishes it only waits out
 * the idle timeout), and bodies are read from the file into the output
 * buffer and written through TLS, a chunk at a time.  TLS may ask for
 * the other event than the state needs (c->want), and may hold input
 * the socket no longer shows, so reading goes on until it says to wait.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "connio.h"
#include "http.h"
#include "httpd-int.h"
#include "httpd.h"
#include "listing.h"
#include "log.h"
#include "loop.h"
#include "sock.h"

#define IN_MAX		(HTTP_LINE_MAX + HTTP_HEAD_MAX + 4096)
#define READ_CHUNK	16384
#define SENDFILE_CHUNK	(1024 * 1024)
#define DRAIN_MS	1000
#define PAUSE_MS	100	/* listener unpolled without a spare fd */

static void
httpd_resume_listener(struct server *s)
{
	if (!s->paused || s->draining)
		return;
	if (loop_mod(s->loop, &s->listener, EPOLLIN) == 0) {
		s->paused = 0;
		loop_timer_cancel(s->loop, &s->pause_timer);
	}
}

static void
httpd_pause_timeout(struct loop_timer *t)
{
	httpd_resume_listener(t->arg);
}

static void
httpd_conn_close(struct conn *c)
{
	struct server	*s = c->srv;

	loop_del(s->loop, &c->lfd);
	loop_timer_cancel(s->loop, &c->timer);
	connio_close(c->tls);
	close(c->lfd.fd);
	if (c->file != -1)
		close(c->file);
	listing_free(c->list);
	buf_free(&c->listbody);
	free(c->logcopy);
	buf_free(&c->in);
	buf_free(&c->out);
	TAILQ_REMOVE(&s->conns, c, entry);
	free(c);
	s->nconns--;
	if (s->paused)
		httpd_resume_listener(s);
	if (s->draining && s->nconns == 0)
		loop_stop(s->loop);
}

/* Waiting for a request: one deadline for the whole head (no dripping). */
static int
httpd_await_request(struct conn *c)
{
	struct server	*s = c->srv;

	c->state = C_READ;
	/* Idle connections hold no buffers: they are a struct each. */
	if (c->in.len == 0)
		buf_free(&c->in);
	buf_free(&c->out);
	c->out_off = 0;
	if (s->draining && c->in.len == 0) {
		httpd_conn_close(c);
		return (-1);
	}
	loop_timer_set(s->loop, &c->timer, s->cf->idle);
	return (0);
}

static void
httpd_drop_input(struct conn *c, size_t n)
{
	memmove(c->in.p, c->in.p + n, c->in.len - n);
	c->in.len -= n;
}

static void
httpd_drop_body(struct conn *c)
{
	size_t	n;

	if (c->discard <= 0)
		return;
	n = c->in.len < (size_t)c->discard ? c->in.len : (size_t)c->discard;
	httpd_drop_input(c, n);
	c->discard -= (long long)n;
}

/*
 * Parses what has arrived and starts the response to one request.
 * Returns -1 if the connection was closed.
 */
static int
httpd_conn_process(struct conn *c)
{
	struct http_request r;
	int		 st;

	httpd_drop_body(c);
	if (c->discard > 0 || c->in.len == 0)
		return (0);
	st = http_parse_request(c->in.p, c->in.len, &r);
	if (st == HTTP_PARSE_MORE) {
		if (c->in.len >= IN_MAX) {
			c->keep_alive = 0;
			httpd_respond_simple(c, NULL, 431, NULL);
		}
	} else if (st != HTTP_PARSE_OK) {
		c->keep_alive = 0;
		c->minor = 1;
		httpd_respond_simple(c, NULL, st, NULL);
	} else {
		c->keep_alive = r.keep_alive && !c->srv->draining;
		c->minor = r.minor;
		/* A chunked body is not parsed: answer, then close. */
		if (r.chunked)
			c->keep_alive = 0;
		httpd_handle_request(c, &r);
		/* r points into c->in: drop the head (and body) only now. */
		httpd_drop_input(c, r.head_len);
		if (r.content_length > 0)
			c->discard = r.content_length;
		httpd_drop_body(c);
	}
	if (c->broken) {
		httpd_conn_close(c);
		return (-1);
	}
	return (0);
}

/* Reads and processes; returns -1 if the connection was closed. */
static int
httpd_conn_read(struct conn *c)
{
	struct sk_err	err;
	enum connio	r;
	size_t		want, n;

	while (c->state == C_READ) {
		want = READ_CHUNK;
		if (c->discard == 0 && c->in.len + want > IN_MAX)
			want = IN_MAX - c->in.len;
		if (want == 0)
			return (httpd_conn_process(c));
		if (buf_reserve(&c->in, want) == -1) {
			httpd_conn_close(c);
			return (-1);
		}
		r = connio_read(c->tls, c->lfd.fd, c->in.p + c->in.len, want,
		    &n, &c->want, &err);
		if (r == CONNIO_AGAIN) {
			if (c->in.len == 0)
				buf_free(&c->in);
			return (0);
		}
		if (r != CONNIO_OK) {
			httpd_conn_close(c);
			return (-1);
		}
		c->in.len += n;
		if (httpd_conn_process(c) == -1)
			return (-1);
		/* TLS may hold more than the socket says: read on. */
		if (n < want && !connio_pending(c->tls))
			break;
	}
	return (0);
}

static int	httpd_conn_written(struct conn *);

/*
 * Writes the response.  Returns -1 if the connection was closed, 0 when
 * the socket is full or the response is done (state tells which).
 */
static int
httpd_conn_write(struct conn *c)
{
	struct server	*s = c->srv;
	ssize_t		 n;
	int		 head;

	if (c->tls != NULL) {
		switch (httpd_tls_write(c)) {
		case HTTPD_TLS_WAIT:
			return (0);
		case HTTPD_TLS_DONE:
			return (httpd_conn_written(c));
		case HTTPD_TLS_FAIL:
			break;
		}
		httpd_conn_close(c);
		return (-1);
	}
	while (c->out_off < c->out.len || c->file_left > 0) {
		head = c->out_off < c->out.len;
		if (head)
			n = write(c->lfd.fd, c->out.p + c->out_off,
			    c->out.len - c->out_off);
		else
			n = sendfile(c->lfd.fd, c->file, &c->file_off,
			    c->file_left > SENDFILE_CHUNK ? SENDFILE_CHUNK :
			    (size_t)c->file_left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return (0);
			httpd_conn_close(c);
			return (-1);
		}
		if (head)
			c->out_off += (size_t)n;
		else if (n == 0) {	/* the file shrank under us */
			httpd_conn_close(c);
			return (-1);
		} else
			c->file_left -= n;
		loop_timer_set(s->loop, &c->timer, s->cf->idle);
	}
	return (httpd_conn_written(c));
}

/* The response is out: the next request, or the end of the connection. */
static int
httpd_conn_written(struct conn *c)
{
	struct server	*s = c->srv;
	struct sk_err	 err;

	if (c->file != -1) {
		close(c->file);
		c->file = -1;
	}
	if (c->keep_alive)
		return (httpd_await_request(c));
	if (c->tls != NULL) {
		/* Our close_notify first: the client sees a clean end. */
		switch (connio_close_notify(c->tls, &c->want, &err)) {
		case CONNIO_OK:
			break;
		case CONNIO_AGAIN:
			return (0);
		default:
			httpd_conn_close(c);
			return (-1);
		}
	}
	/*
	 * Closing with unread request bytes would send a reset that can
	 * destroy the response in flight: half-close, drain, then close.
	 */
	if (shutdown(c->lfd.fd, SHUT_WR) == -1) {
		httpd_conn_close(c);
		return (-1);
	}
	c->state = C_LINGER;
	buf_free(&c->in);
	loop_timer_set(s->loop, &c->timer, DRAIN_MS);
	return (0);
}

static int
httpd_conn_linger(struct conn *c)
{
	char	sink[4096];
	ssize_t	n;

	while ((n = read(c->lfd.fd, sink, sizeof(sink))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		httpd_conn_close(c);
		return (-1);
	}
	return (0);
}

/*
 * Drives a connection as far as it can go without blocking: read and
 * parse, write, and on keep-alive go on to the next pipelined request.
 */
static void
httpd_conn_cb(struct loop_fd *f, uint32_t ev)
{
	struct conn	*c = f->arg;
	enum conn_state	 before;
	size_t		 had;

	(void)ev;
	if (c->handshaking) {
		c->want = 0;
		if (httpd_tls_handshake(c) == HTTPD_TLS_FAIL) {
			httpd_conn_close(c);
			return;
		}
		if (c->handshaking) {
			(void)loop_mod(c->srv->loop, &c->lfd, c->want);
			return;
		}
	}
	for (;;) {
		before = c->state;
		had = c->in.len;
		c->want = 0;
		switch (c->state) {
		case C_READ:
			if (httpd_conn_read(c) == -1)
				return;
			break;
		case C_LIST:
			httpd_list_step(c);
			if (c->broken) {
				httpd_conn_close(c);
				return;
			}
			break;
		case C_WRITE:
			if (httpd_conn_write(c) == -1)
				return;
			/* Pipelined requests already buffered go next. */
			if (c->state == C_READ && c->in.len > 0 &&
			    httpd_conn_process(c) == -1)
				return;
			break;
		case C_LINGER:
			if (httpd_conn_linger(c) == -1)
				return;
			break;
		}
		if (c->state == before && c->in.len == had)
			break;
	}
	if (c->want == 0)
		c->want = c->state == C_WRITE || c->state == C_LIST ?
		    EPOLLOUT : EPOLLIN;
	(void)loop_mod(c->srv->loop, &c->lfd, c->want);
}

static void
httpd_conn_timeout(struct loop_timer *t)
{
	httpd_conn_close(t->arg);
}

/*
 * Over -m: the same 503 page as every other error, written once without
 * waiting (a fresh socket's buffer holds it), then the connection closes.
 */
static void
httpd_refuse_busy(struct server *s, int fd)
{
	struct conn	c;

	memset(&c, 0, sizeof(c));
	c.srv = s;
	c.file = -1;
	c.minor = 1;
	strlcpy(c.peer, "-", sizeof(c.peer));
	if (httpd_build_simple(&c, NULL, 503, NULL) != -1)
		(void)write(fd, c.out.p, c.out.len);
	buf_free(&c.out);
	(void)shutdown(fd, SHUT_WR);
	close(fd);
}

static void
httpd_listener_cb(struct loop_fd *f, uint32_t ev)
{
	struct server	*s = f->arg;
	struct sock_name n;
	struct sk_err	 err;
	struct conn	*c;
	int		 fd, i;

	(void)ev;
	for (i = 0; i < 128; i++) {
		/* Out of descriptors it turns connections away: see sock.c. */
		fd = sock_accept(f->fd, &s->acceptor);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EMFILE || errno == ENFILE) {
				/*
				 * No spare either: wait for a connection to
				 * close, or a while (the file table may be full
				 * system-wide, with none of ours open).
				 */
				if (loop_mod(s->loop, f, 0) == 0) {
					s->paused = 1;
					loop_timer_set(s->loop, &s->pause_timer,
					    PAUSE_MS);
				}
			} else if (errno != EAGAIN)
				log_verbose(1, "accept: %s", strerror(errno));
			return;
		}
		/* No 503 before a handshake: a TLS client is just closed. */
		if (s->nconns >= s->maxconns && s->cf->tls != NULL) {
			close(fd);
			continue;
		}
		if (s->nconns >= s->maxconns) {
			httpd_refuse_busy(s, fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->file = -1;
		c->lfd.fd = fd;
		c->lfd.cb = httpd_conn_cb;
		c->lfd.arg = c;
		c->timer.cb = httpd_conn_timeout;
		c->timer.arg = c;
		if (sock_peer_name(fd, &n) == 0)
			strlcpy(c->peer, n.host, sizeof(c->peer));
		else
			strlcpy(c->peer, "-", sizeof(c->peer));
		if (s->cf->tls != NULL) {
			if ((c->tls = connio_tls_new(s->cf->tls, fd,
			    &err)) == NULL) {
				log_verbose(1, "%s", err.msg);
				close(fd);
				free(c);
				continue;
			}
			c->handshaking = 1;
		}
		if (loop_add(s->loop, &c->lfd, EPOLLIN) == -1) {
			connio_close(c->tls);
			close(fd);
			free(c);
			continue;
		}
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		s->nconns++;
		c->state = C_READ;
		loop_timer_set(s->loop, &c->timer, s->cf->idle);
		log_verbose(2, "connection from %s", c->peer);
	}
}

static void
httpd_drain_timeout(struct loop_timer *t)
{
	loop_stop(((struct server *)t->arg)->loop);
}

/* SIGINT/SIGTERM: stop accepting, let responses finish, at most 1 s. */
static void
httpd_signal_cb(struct loop_fd *f, uint32_t ev)
{
	struct server	*s = f->arg;
	struct signalfd_siginfo si;
	struct conn	*c, *next;

	(void)ev;
	while (read(f->fd, &si, sizeof(si)) > 0)
		;
	if (s->draining)
		return;
	s->draining = 1;
	loop_del(s->loop, &s->listener);
	close(s->listener.fd);
	s->listener.fd = -1;
	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != C_WRITE && c->state != C_LIST)
			httpd_conn_close(c);
	}
	if (s->nconns == 0) {
		loop_stop(s->loop);
		return;
	}
	s->drain_timer.cb = httpd_drain_timeout;
	s->drain_timer.arg = s;
	loop_timer_set(s->loop, &s->drain_timer, DRAIN_MS);
}

/* The -H lines (checked by the command) and --cors, sent with each reply. */
static int
httpd_build_extra(struct server *s, struct sk_err *err)
{
	const struct httpd_config *cf = s->cf;
	size_t		 i;

	for (i = 0; i < cf->nheaders; i++)
		if (buf_printf(&s->extra, "%s\r\n", cf->headers[i]) == -1)
			goto nomem;
	if (cf->cors && buf_adds(&s->extra,
	    "Access-Control-Allow-Origin: *\r\n") == -1)
		goto nomem;
	return (0);
nomem:
	err_set(err, "%s", strerror(errno));
	return (-1);
}

/*
 * Raises the limit of open files to the hard limit, and keeps -m below
 * it with room for the files being sent and listed: a connection the
 * server could not serve is better answered 503 than accepted.
 */
#define FD_HEADROOM	16

static long long
httpd_raise_fd_limit(long long maxconns)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (maxconns);
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (long long)rl.rlim_cur - 2 * FD_HEADROOM < maxconns) {
		maxconns = (long long)rl.rlim_cur - 2 * FD_HEADROOM;
		if (maxconns < 1)
			maxconns = 1;
		log_verbose(1, "at most %lld connections: the limit of open "
		    "files is %lld", maxconns, (long long)rl.rlim_cur);
	}
	return (maxconns);
}

/*
 * "Serving DIR at URL".  A wildcard address is no URL to open: name the
 * loopback address of the same family, and the wildcard after it.
 */
static void
httpd_print_serving(const char *dir, const struct sock_name *n, int tls)
{
	const char	*host = n->host, *v6, *sc;

	v6 = strchr(host, ':');
	sc = tls ? "https" : "http";
	if (strcmp(host, "0.0.0.0") == 0)
		fprintf(stderr, "Serving %s at %s://127.0.0.1:%d/ "
		    "(listening on 0.0.0.0, every IPv4 address)\n", dir, sc,
		    n->port);
	else if (strcmp(host, "::") == 0)
		fprintf(stderr, "Serving %s at %s://[::1]:%d/ "
		    "(listening on ::, every address)\n", dir, sc, n->port);
	else
		fprintf(stderr, v6 != NULL ? "Serving %s at %s://[%s]:%d/\n" :
		    "Serving %s at %s://%s:%d/\n", dir, sc, host, n->port);
}

/*
 * Everything the server holds before it listens: the served directory,
 * the access log, the extra headers, the limit of open files.
 */
static int
httpd_open(struct server *s, struct sk_err *err)
{
	const struct httpd_config *cf = s->cf;

	if (httpd_build_extra(s, err) == -1)
		return (-1);
	if ((s->root.fd = open(cf->dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1 ||
	    (s->root.real = realpath(cf->dir, NULL)) == NULL) {
		err_set(err, "%s: %s", cf->dir, strerror(errno));
		return (-1);
	}
	s->root.follow = cf->follow_symlinks;
	if (cf->access_log != NULL) {
		if (strcmp(cf->access_log, "-") == 0)
			s->logfd = STDOUT_FILENO;
		else if ((s->logfd = open(cf->access_log, O_WRONLY |
		    O_APPEND | O_CREAT | O_CLOEXEC, 0644)) == -1) {
			err_set(err, "%s: %s", cf->access_log,
			    strerror(errno));
			return (-1);
		}
	}
	s->maxconns = httpd_raise_fd_limit(cf->max_conns);
	sock_acceptor_init(&s->acceptor);
	/* A refused client is closed by the accept, before the 503. */
	s->acceptor.acl = cf->acl;
	/*
	 * Listings and responses allocate and free the same sizes over and
	 * over; keep that memory rather than return it to the kernel each
	 * time (measured: a third of the CPU of a 1000-entry listing).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	return (0);
}

/*
 * Listens, writes the port file and says where it serves.  SIGINT and
 * SIGTERM are blocked before the port file exists, so a quick TERM is
 * graceful; they are read from a signalfd (see httpd_signal_cb).
 */
static int
httpd_listen(struct server *s, sigset_t *mask, struct sk_err *err)
{
	const struct httpd_config *cf = s->cf;
	struct sock_listen_args la;
	struct sock_name n;

	sigemptyset(mask);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, mask, NULL) == -1) {
		err_set(err, "sigprocmask: %s", strerror(errno));
		return (-1);
	}
	memset(&la, 0, sizeof(la));
	la.host = cf->host;
	la.port = cf->port;
	la.socktype = SOCK_STREAM;
	la.backlog = 1024;
	if ((s->listener.fd = sock_listen(&la, err)) == -1)
		return (-1);
	if (cf->port_file != NULL &&
	    sock_write_port_file(cf->port_file, s->listener.fd, err) == -1)
		return (-1);
	if (sock_local_name(s->listener.fd, &n) == 0)
		httpd_print_serving(cf->dir, &n, cf->tls != NULL);
	return (0);
}

/* The loop, with the signalfd and the listener on it. */
static int
httpd_loop_setup(struct server *s, const sigset_t *mask, struct sk_err *err)
{
	if ((s->loop = loop_new()) == NULL) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	if ((s->sig.fd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		err_set(err, "signalfd: %s", strerror(errno));
		return (-1);
	}
	s->sig.cb = httpd_signal_cb;
	s->sig.arg = s;
	s->listener.cb = httpd_listener_cb;
	s->listener.arg = s;
	s->pause_timer.cb = httpd_pause_timeout;
	s->pause_timer.arg = s;
	if (sock_set_nonblock(s->listener.fd, 1) == -1 ||
	    loop_add(s->loop, &s->sig, EPOLLIN) == -1 ||
	    loop_add(s->loop, &s->listener, EPOLLIN) == -1) {
		err_set(err, "epoll: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

static void
httpd_server_free(struct server *s)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&s->conns)) != NULL)
		httpd_conn_close(c);
	if (s->listener.fd != -1)
		close(s->listener.fd);
	if (s->sig.fd != -1)
		close(s->sig.fd);
	if (s->root.fd != -1)
		close(s->root.fd);
	free(s->root.real);
	if (s->logfd > STDOUT_FILENO)
		close(s->logfd);
	buf_free(&s->extra);
	free(s->ctype);
	sock_acceptor_free(&s->acceptor);
	loop_free(s->loop);
}

int
httpd_run(const struct httpd_config *cf, struct sk_err *err)
{
	struct server	s;
	sigset_t	mask;
	int		rv = -1;

	memset(&s, 0, sizeof(s));
	s.cf = cf;
	s.root.fd = s.logfd = s.listener.fd = s.sig.fd = -1;
	TAILQ_INIT(&s.conns);
	s.acceptor.reserve = -1;
	if (httpd_open(&s, err) == -1 ||
	    httpd_listen(&s, &mask, err) == -1 ||
	    httpd_loop_setup(&s, &mask, err) == -1)
		goto out;
	if (loop_run(s.loop) == -1)
		err_set(err, "epoll_wait: %s", strerror(errno));
	else
		rv = 0;
out:
	httpd_server_free(&s);
	return (rv);
}
