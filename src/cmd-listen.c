/*
 * sockctl listen: wait for a TCP or Unix stream client and relay stdio with
 * it, or hand each client to an --exec command, several at a time.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl-opt.h"
#include "acl.h"
#include "child.h"
#include "clock.h"
#include "cmd.h"
#include "log.h"
#include "relay.h"
#include "sock.h"
#include "stream-tls.h"
#include "stream.h"
#include "tls-opt.h"
#include "tls.h"
#include "trace-opt.h"
#include "trace.h"

struct listen_opts {
	struct stream_opts s;
	int		 keep_open;
	long long	 max_conns;
	long long	 backlog;
	struct acl_opts	 acl;
	const char	*port_file;
	struct tls_ctx	*ctx;		/* --tls */
};

static const struct opt listen_options[] = {
	OPT__FAMILY(struct listen_opts, s.ipv4, s.ipv6),
	OPT_FLAG_('k', "keep-open", struct listen_opts, keep_open,
	    "after a client leaves, accept the next"),
	OPT_STR_('e', "exec", struct listen_opts, s.exec, "CMD", OPTK_COMMAND,
	    NULL, "run sh -c CMD per client on the socket"),
	OPT__MAX_CONNS(struct listen_opts, max_conns, 100000, "64",
	    "at most N --exec clients at once"),
	OPT__BACKLOG(struct listen_opts, backlog,
	    "pending-client queue length"),
	OPT__ACL(struct listen_opts, acl),
	OPT__STREAM_IO(struct listen_opts, s, "client"),
	OPT__UNIX(struct listen_opts, s.unix_path),
	OPT__TIMEOUT(struct listen_opts, s.timeout, NULL,
	    "exit 1 if no client connects within DUR"),
	OPT__IDLE(struct listen_opts, s.idle, NULL,
	    "close after DUR with no data either way"),
	OPT__QUIT(struct listen_opts, s.quit),
	OPT__PORT_FILE(struct listen_opts, port_file,
	    "write the bound port to FILE once listening"),
	OPT__VERBOSE(struct listen_opts, s.verbose,
	    "report progress on stderr (repeatable)"),
	OPT__TRACE(struct listen_opts, s.trace),
	OPT__TLS(struct listen_opts, s.tls, "speak TLS to each client"),
	OPT__TLS_CERT(struct listen_opts, s.tls),
	OPT__TLS_SERVER(struct listen_opts, s.tls),
	OPT__TLS_COMMON(struct listen_opts, s.tls),
	OPT_END_
};

/* What listen_accept saw. */
enum listen_event {
	LISTEN_CLIENT,		/* *fd is a new client */
	LISTEN_SIGNAL,		/* sigfd is readable: a child or a stop */
	LISTEN_ERROR		/* poll or accept failed, or -w ran out */
};

/*
 * Waits for a client (when accepting), or for a signal when sigfd is open,
 * at most timeout_ms (-1: forever).  A client acl refuses is closed at
 * once, unread, and the wait goes on within the same timeout.
 */
static enum listen_event
listen_accept(int lfd, int sigfd, int accepting, long long timeout_ms,
    const struct acl *acl, int *fd, struct sk_err *err)
{
	struct sockaddr_storage ss;
	struct pollfd	pfd[2];
	long long	deadline = -1;
	socklen_t	sslen;
	char		dur[STREAM_MS_LEN];
	int		n, rv;

	if (timeout_ms >= 0)
		deadline = clock_ms() + timeout_ms;
	for (;;) {
		n = 0;
		if (accepting) {
			pfd[n].fd = lfd;
			pfd[n++].events = POLLIN;
		}
		if (sigfd >= 0) {
			pfd[n].fd = sigfd;
			pfd[n++].events = POLLIN;
		}
		rv = poll(pfd, (nfds_t)n, clock_poll_timeout(deadline));
		if (rv == -1) {
			if (errno == EINTR)
				continue;
			err_set(err, "poll: %s", strerror(errno));
			return (LISTEN_ERROR);
		}
		if (rv == 0) {
			err_set(err, "no connection within %s",
			    stream_format_ms(timeout_ms, dur, sizeof(dur)));
			return (LISTEN_ERROR);
		}
		if (sigfd >= 0 && pfd[n - 1].revents != 0)
			return (LISTEN_SIGNAL);
		sslen = sizeof(ss);
		*fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_CLOEXEC);
		if (*fd != -1 && sock_refused(acl, (struct sockaddr *)&ss,
		    sslen)) {
			close(*fd);
			continue;
		}
		if (*fd != -1)
			return (LISTEN_CLIENT);
		switch (errno) {
		case EINTR:
		case EAGAIN:
		case ECONNABORTED:
		case EPROTO:
			continue;
		default:
			err_set(err, "accept: %s", strerror(errno));
			return (LISTEN_ERROR);
		}
	}
}

static void
report_client(int fd)
{
	struct sock_name	n;

	if (log_verbosity < 1 || sock_peer_name(fd, &n) == -1)
		return;
	if (n.port < 0)
		log_verbose(1, "connection on %s", n.host);
	else
		log_verbose(1, "connection from %s port %d", n.host, n.port);
}

/* The running --exec handlers, to signal them when we are stopped. */
struct kids {
	pid_t		*v;
	size_t		 n;
	size_t		 cap;
};

static int
kids_add(struct kids *k, pid_t pid)
{
	pid_t	*v;
	size_t	 cap;

	if (k->n == k->cap) {
		cap = k->cap == 0 ? 64 : k->cap * 2;
		if ((v = reallocarray(k->v, cap, sizeof(*v))) == NULL)
			return (-1);
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = pid;
	return (0);
}

static void
kids_del(struct kids *k, pid_t pid)
{
	size_t	i;

	for (i = 0; i < k->n; i++)
		if (k->v[i] == pid) {
			k->v[i] = k->v[--k->n];
			return;
		}
}

static void
kids_kill(const struct kids *k, int sig)
{
	size_t	i;

	for (i = 0; i < k->n; i++)
		(void)kill(k->v[i], sig);
}

/*
 * Drains the signalfd and reaps every handler that exited.  Returns the
 * SIGINT or SIGTERM that arrived, or 0.
 */
static int
take_signals(int sigfd, struct kids *k)
{
	struct signalfd_siginfo	si;
	int			status, sig = 0;
	pid_t			pid;

	while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
			sig = (int)si.ssi_signo;
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		kids_del(k, pid);
		if (WIFEXITED(status))
			log_verbose(2, "handler %ld exited %d", (long)pid,
			    WEXITSTATUS(status));
		else if (WIFSIGNALED(status))
			log_verbose(2, "handler %ld killed by signal %d",
			    (long)pid, WTERMSIG(status));
	}
	return (sig);
}

/*
 * The TLS handshake with a new client, within -w and -i (the shorter),
 * when given: -w bounds the wait for a client, and one that connects but
 * never speaks is still no client.  NULL with the message.
 */
static struct tls *
listen_tls_start(const struct listen_opts *o, int fd, struct sk_err *err)
{
	char		peer[NI_MAXHOST + 16];
	long long	bound = -1;

	if (o->s.timeout >= 0)
		bound = o->s.timeout;
	if (o->s.idle >= 0 && (bound < 0 || o->s.idle < bound))
		bound = o->s.idle;
	stream_peer(fd, peer, sizeof(peer));
	return (stream_tls_start(o->ctx, fd, NULL, peer, bound >= 0 ?
	    clock_ms() + bound : -1, err));
}

/*
 * --exec over TLS (or traced): a process of our own per client does the
 * handshake and relays between the command's pipes and the connection, so
 * clients stay as independent as their handlers are without TLS.  A stop
 * signal ends it at once (the command then sees its stdin end).  id
 * names the client in the trace.
 */
static pid_t
listen_tls_handler(const struct listen_opts *o, int lfd, int sigfd, int fd,
    long id, struct sk_err *err)
{
	struct relay_conf rc;
	struct tls	*t;
	sigset_t	 set;
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == -1) {
		err_set(err, "fork: %s", strerror(errno));
		return (-1);
	}
	if (pid > 0)
		return (pid);
	(void)close(lfd);
	(void)close(sigfd);
	(void)signal(SIGINT, SIG_DFL);
	(void)signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	t = NULL;
	if (o->ctx != NULL && (t = listen_tls_start(o, fd, err)) == NULL) {
		log_err("%s", err->msg);
		_exit(EXIT_RUNTIME);
	}
	stream_relay_conf(&o->s, &rc);
	rc.trace_opener = TRACE_IN;
	rc.trace_id = id;
	trace_fork(o->s.tracer, id);
	status = stream_tls_exec(o->s.exec, fd, t, &rc, err);
	if (status == -1)
		log_err("%s", err->msg);
	tls_free(t);
	trace_close(o->s.tracer);
	_exit(status == -1 ? EXIT_RUNTIME : 0);
}

/*
 * --exec: one handler per client, up to --max-conns at once; without -k,
 * one client and its handler.  SIGINT/SIGTERM (blocked, read from sigfd)
 * stop accepting and send SIGTERM to every handler, a second one SIGKILL;
 * once they are all gone the signal is returned in *stopped.
 */
static int
listen_serve_exec(struct listen_opts *o, const struct acl *acl, int *lfd,
    int sigfd, int *stopped)
{
	struct kids	 k = { NULL, 0, 0 };
	struct sk_err	 err;
	enum listen_event ev;
	long		 served = 0;
	int		 fd, sig, status = 0;
	pid_t		pid;

	for (;;) {
		if ((*stopped || (served && !o->keep_open)) && k.n == 0)
			break;
		ev = listen_accept(*lfd, sigfd, *lfd >= 0 &&
		    k.n < (size_t)o->max_conns,
		    k.n == 0 ? o->s.timeout : -1, acl, &fd, &err);
		if (ev == LISTEN_SIGNAL) {
			if ((sig = take_signals(sigfd, &k)) == 0)
				continue;
			kids_kill(&k, *stopped ? SIGKILL : SIGTERM);
			*stopped = sig;
			if (*lfd >= 0) {
				close(*lfd);
				*lfd = -1;
			}
			continue;
		}
		if (ev == LISTEN_ERROR) {
			log_err("%s", err.msg);
			status = EXIT_RUNTIME;
			break;
		}
		report_client(fd);
		if (o->ctx != NULL || o->s.tracer != NULL)
			pid = listen_tls_handler(o, *lfd, sigfd, fd,
			    o->keep_open ? served + 1 : TRACE_NOID, &err);
		else
			pid = child_spawn(o->s.exec, fd, &err);
		close(fd);
		if (pid == -1) {
			log_err("%s", err.msg);
			status = EXIT_RUNTIME;
			break;
		}
		if (kids_add(&k, pid) == -1) {
			log_err("out of memory");
			(void)kill(pid, SIGTERM);
			status = EXIT_RUNTIME;
			break;
		}
		served++;
		/* Without -k a second client is refused, not left waiting. */
		if (!o->keep_open) {
			close(*lfd);
			*lfd = -1;
		}
	}
	free(k.v);
	return (status);
}

static int
listen_serve_stdio(struct listen_opts *o, const struct acl *acl, int *lfd)
{
	struct relay_conf rc;
	struct relay_stats st;
	struct sk_err	err;
	struct tls	*t = NULL;
	int		fd, status = 0;

	stream_relay_conf(&o->s, &rc);
	/* Without -k stdout is the one client's: it ends with it. */
	rc.close_out = !o->keep_open;
	/* With -k the trace numbers the clients. */
	rc.trace_opener = TRACE_IN;
	rc.trace_id = o->keep_open ? 0 : TRACE_NOID;
	for (;;) {
		if (listen_accept(*lfd, -1, 1, o->s.timeout, acl, &fd,
		    &err) != LISTEN_CLIENT) {
			log_err("%s", err.msg);
			return (EXIT_RUNTIME);
		}
		/* Without -k a second client is refused, not left waiting. */
		if (!o->keep_open) {
			close(*lfd);
			*lfd = -1;
		}
		report_client(fd);
		status = 0;
		if (o->ctx != NULL && (t = listen_tls_start(o, fd, &err)) ==
		    NULL) {
			/* One client's failed handshake; -k serves the next. */
			log_err("%s", err.msg);
			close(fd);
			status = EXIT_RUNTIME;
			if (!o->keep_open)
				break;
			continue;
		}
		rc.tls = t;
		if (o->keep_open)
			rc.trace_id++;
		if (stream_relay(&rc, fd, &st, &err) == -1) {
			log_err("%s", err.msg);
			status = EXIT_RUNTIME;
		}
		tls_free(t);
		t = NULL;
		close(fd);
		if (!o->keep_open || st.end == RELAY_STDOUT_CLOSED)
			break;
	}
	return (status);
}

/*
 * The listening socket.  A signal between creating a socket file and
 * naming it for removal would leave the file behind: they are held
 * across both.
 */
static int
listen_open(const struct listen_opts *o, const struct sock_listen_args *la,
    const char *path, int *created, struct sk_err *err)
{
	sigset_t	 hold, saved;
	int		 lfd;

	sigemptyset(&hold);
	sigaddset(&hold, SIGHUP);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &hold, &saved);
	if (o->s.unix_path)
		lfd = sock_listen_unix(path, SOCK_STREAM, la->backlog,
		    created, err);
	else
		lfd = sock_listen(la, err);
	if (lfd != -1 && *created)
		stream_unlink_at_exit(path);
	(void)sigprocmask(SIG_SETMASK, &saved, NULL);
	return (lfd);
}

static int
listen_exec(void *p, int argc, char **argv)
{
	struct listen_opts *o = p;
	struct sock_listen_args la;
	struct acl	 acl;
	struct sk_err	 err;
	sigset_t	 mask;
	char		 host[NI_MAXHOST];
	int		 lfd, created = 0, status, sigfd = -1, stopped = 0;

	log_set_verbosity(o->s.verbose);
	if (stream_check_opts(&o->s, &err) == -1)
		return (log_usage("%s", err.msg));
	memset(&la, 0, sizeof(la));
	la.family = stream_family(&o->s);
	la.socktype = SOCK_STREAM;
	la.backlog = (int)o->backlog;
	if (o->s.unix_path) {
		if (cmd_parse_unix(argc, argv, &err) == -1)
			return (log_usage("%s", err.msg));
	} else if (cmd_parse_bind(argc, argv, host, sizeof(host), &la.host,
	    &la.port, &err) == -1)
		return (log_usage("%s", err.msg));
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	if (tlsopt_check(&o->s.tls, TLSOPT_SERVER, &err) == -1)
		return (log_usage("%s", err.msg));
	/* Before listening: the pin line comes before the port file. */
	if ((o->s.tls.tls &&
	    (o->ctx = tlsopt_ctx(&o->s.tls, TLSOPT_SERVER, &err)) == NULL) ||
	    traceopt_open(&o->s.trace, &o->s.tracer, &err) == -1) {
		log_err("%s", err.msg);
		acl_free(&acl);
		tls_ctx_free(o->ctx);
		return (EXIT_RUNTIME);
	}
	/*
	 * SIGINT/SIGTERM: see stream_catch_signals.  With --exec they are
	 * read from a signalfd, blocked before the port file exists so that
	 * a quick one still stops the children; the handlers get an empty
	 * mask.
	 */
	stream_catch_signals(o->keep_open, NULL);
	if (o->s.exec != NULL) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGCHLD);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
		    (sigfd = signalfd(-1, &mask, SFD_NONBLOCK |
		    SFD_CLOEXEC)) == -1) {
			log_err("signalfd: %s", strerror(errno));
			acl_free(&acl);
			trace_close(o->s.tracer);
			return (EXIT_RUNTIME);
		}
	}
	lfd = listen_open(o, &la, argv[0], &created, &err);
	if (lfd == -1) {
		log_err("%s", err.msg);
		status = EXIT_RUNTIME;
		goto out;
	}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, lfd, &err) == -1) {
		log_err("%s", err.msg);
		status = EXIT_RUNTIME;
		goto out;
	}
	sock_report_listening(lfd);
	if (o->s.exec != NULL)
		status = listen_serve_exec(o, &acl, &lfd, sigfd,
		    &stopped);
	else
		status = listen_serve_stdio(o, &acl, &lfd);
out:
	if (lfd != -1)
		close(lfd);
	if (sigfd != -1)
		close(sigfd);
	if (created)
		(void)unlink(argv[0]);
	acl_free(&acl);
	tls_ctx_free(o->ctx);
	trace_close(o->s.tracer);
	/* Stopped before its one client was served: see EXIT STATUS. */
	if (stopped != 0 && !o->keep_open)
		stream_die_by(stopped);
	return (status);
}

const struct cmd_entry cmd_listen_entry = {
	.name = "listen",
	.summary = "wait for a TCP or Unix stream client and relay stdio",
	.usage = "[OPTIONS] [ADDRESS] PORT\n[OPTIONS] -U PATH",
	.description = "Wait for a TCP (or Unix stream) client and relay stdin "
	    "to it and what it\nsends to stdout, byte for byte.",
	.options = listen_options,
	.optsize = sizeof(struct listen_opts),
	.init = NULL,
	.exec = listen_exec
};
