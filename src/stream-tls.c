/*
 * TLS for listen and connect on top of tls.h: the handshake within -w,
 * the -v line that describes the session, and --exec over TLS (see
 * stream-tls.h).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "clock.h"
#include "log.h"
#include "relay.h"
#include "sock.h"
#include "stream-tls.h"
#include "tls.h"

struct tls *
stream_tls_start(struct tls_ctx *ctx, int fd, const char *host,
    const char *peer, long long deadline, struct sk_err *err)
{
	struct pollfd	 pfd;
	struct sk_err	 why;
	struct tls	*t;
	char		 line[512];
	int		 r;

	if (sock_set_nonblock(fd, 1) == -1) {
		err_set(err, "fcntl: %s", strerror(errno));
		return (NULL);
	}
	if ((t = tls_new(ctx, fd, host, &why)) == NULL) {
		err_set(err, "TLS handshake with %s: %s", peer, why.msg);
		return (NULL);
	}
	while ((r = tls_handshake(t, &why)) != 0) {
		if (r == TLS_ERROR) {
			err_set(err, "TLS handshake with %s: %s", peer,
			    why.msg);
			tls_free(t);
			return (NULL);
		}
		pfd.fd = fd;
		pfd.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		r = poll(&pfd, 1, clock_poll_timeout(deadline));
		if (r == -1 && errno != EINTR) {
			err_set(err, "poll: %s", strerror(errno));
			tls_free(t);
			return (NULL);
		}
		if (r == 0) {
			err_set(err, "TLS handshake with %s: %s", peer,
			    strerror(ETIMEDOUT));
			tls_free(t);
			return (NULL);
		}
	}
	if (log_verbosity >= 1) {
		tls_report(t, line, sizeof(line));
		log_verbose(1, "%s", line);
	}
	return (t);
}

/*
 * Both ends of a pipe, close-on-exec, or -1 with the message.  Our end,
 * fd[ours], does not block: the relay writing a large chunk to the
 * command's stdin must not wait there while the command waits for it to
 * read its stdout (a deadlock past 64 KiB with `cat`).  The command's
 * end is another open file and blocks, as the command expects.
 */
static int
stream_tls_pipe(int fd[2], int ours, struct sk_err *err)
{
	if (pipe2(fd, O_CLOEXEC) == -1) {
		err_set(err, "pipe: %s", strerror(errno));
		return (-1);
	}
	if (sock_set_nonblock(fd[ours], 1) == -1) {
		err_set(err, "fcntl: %s", strerror(errno));
		(void)close(fd[0]);
		(void)close(fd[1]);
		return (-1);
	}
	return (0);
}

int
stream_tls_exec(const char *cmd, int fd, struct tls *t,
    const struct relay_conf *base, struct sk_err *err)
{
	struct relay_conf rc;
	struct relay_stats st;
	struct sk_err	 rerr;
	int		 in[2], out[2], status, sig, rv;
	pid_t		 pid;

	if (stream_tls_pipe(in, 1, err) == -1)
		return (-1);
	if (stream_tls_pipe(out, 0, err) == -1) {
		(void)close(in[0]);
		(void)close(in[1]);
		return (-1);
	}
	pid = child_spawn_io(cmd, fd, in[0], out[1], err);
	(void)close(in[0]);
	(void)close(out[1]);
	if (pid == -1) {
		(void)close(in[1]);
		(void)close(out[0]);
		return (-1);
	}
	rc = *base;
	rc.tls = t;
	rc.close_out = 1;	/* the peer's end is the command's stdin EOF */
	rc.crlf = 0;
	rc.send_only = rc.recv_only = 0;
	rv = relay_run(&rc, fd, out[0], in[1], &st, &rerr);
	(void)close(out[0]);
	(void)close(in[1]);
	status = child_wait(pid, &sig);
	log_verbose(2, "command exited %d", status);
	if (rv == -1) {
		*err = rerr;
		return (-1);
	}
	return (status);
}
