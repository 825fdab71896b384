/*
 * Shared pieces of the two stream commands, so listen and connect check
 * their common options the same way and report a session identically.
 */
#include "config.h"

#include <sys/socket.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "relay.h"
#include "sock.h"
#include "stream.h"
#include "trace-opt.h"
#include "trace.h"

/* Returns 0, or -1 with the usage error for the command to print. */
int
stream_check_opts(const struct stream_opts *o, struct sk_err *err)
{
	if (o->unix_path && (o->ipv4 || o->ipv6))
		err_set(err, "-U cannot be used with -4 or -6");
	/* The command's output goes straight to the socket. */
	else if (o->crlf && o->exec != NULL)
		err_set(err, "-C cannot be used with --exec");
	else if (o->send_only && o->recv_only)
		err_set(err, "--send-only and --recv-only cannot be used "
		    "together");
	else
		return (traceopt_check(&o->trace, err));
	return (-1);
}

int
stream_family(const struct stream_opts *o)
{
	if (o->unix_path)
		return (AF_UNIX);
	return (o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC);
}

void
stream_relay_conf(const struct stream_opts *o, struct relay_conf *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->send_only = o->send_only;
	rc->recv_only = o->recv_only;
	rc->crlf = o->crlf;
	rc->no_shutdown = o->no_shutdown;
	rc->quit_ms = o->quit;
	rc->idle_ms = o->idle;
	rc->tracer = o->tracer;
	rc->trace_id = TRACE_NOID;
}

/* "127.0.0.1 port 80" (or a Unix path) for messages about FD's peer. */
void
stream_peer(int fd, char *peer, size_t len)
{
	struct sock_name	n;

	if (sock_peer_name(fd, &n) == -1)
		strlcpy(peer, "connection", len);
	else if (n.port < 0)
		snprintf(peer, len, "%s", n.host);
	else
		snprintf(peer, len, "%s port %d", n.host, n.port);
}

/*
 * One session on stdio, reported with -v; returns 0, or -1 with the error
 * for the command to print after the report.
 */
int
stream_relay(const struct relay_conf *base, int fd, struct relay_stats *st,
    struct sk_err *err)
{
	struct relay_conf	rc;
	char			peer[NI_MAXHOST + 16];
	int			rv;

	rc = *base;
	stream_peer(fd, peer, sizeof(peer));
	rc.peer = peer;
	rv = relay_run(&rc, fd, STDIN_FILENO, STDOUT_FILENO, st, err);
	relay_report(st);
	return (rv);
}

/*
 * "2 s", "1.5 s", "250 ms", for messages about a duration option, into
 * the caller's buffer (STREAM_MS_LEN), which is returned.
 */
const char *
stream_format_ms(long long ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%lld s", ms / 1000);
	else if (ms < 1000)
		snprintf(buf, len, "%lld ms", ms);
	else
		snprintf(buf, len, "%g s", (double)ms / 1000);
	return (buf);
}

/*
 * SIGINT and SIGTERM, by the rule in the man page's EXIT STATUS: a command
 * that serves until it is stopped (listen -k) exits 0; one stopped before
 * its job is done ends by the signal, so the shell reports 128+N.  Either
 * way a Unix socket file we created is removed first (and on SIGHUP).
 */
static const char *volatile	sig_path;
static volatile sig_atomic_t	sig_serving;

static void
on_signal(int sig)
{
	if (sig_path != NULL)
		(void)unlink(sig_path);
	if (sig_serving && sig != SIGHUP)
		_exit(0);
	/* Blocked while we run: delivered, by default, as we return. */
	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
}

static void
catch_one(int sig)
{
	struct sigaction sa, old;

	/* A signal the parent ignores (a background job's SIGINT) stays so. */
	if (sigaction(sig, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	(void)sigaction(sig, &sa, NULL);
}

/* serving: SIGINT/SIGTERM exit 0; path: a socket file to remove, or NULL. */
void
stream_catch_signals(int serving, const char *path)
{
	sig_serving = serving;
	sig_path = path;
	catch_one(SIGINT);
	catch_one(SIGTERM);
	catch_one(SIGHUP);
}

/* Sets the socket file that a signal removes, once it exists. */
void
stream_unlink_at_exit(const char *path)
{
	sig_path = path;
}

/*
 * Ends the process by sig once the caller has cleaned up (a signal taken
 * through a signalfd, so blocked): the parent sees what a shell reports as
 * 128+N, not an exit status.
 */
void
stream_die_by(int sig)
{
	sigset_t	set;

	(void)signal(sig, SIG_DFL);
	(void)raise(sig);
	sigemptyset(&set);
	sigaddset(&set, sig);
	(void)sigprocmask(SIG_UNBLOCK, &set, NULL);
	_exit(128 + sig);
}
