/*
 * bench/udpflood.c -- the peers of bench/udp.sh, compiled by it with cc.
 *
 *   udpflood PORT COUNT [SIZE [MAXSECS [WATCHFILE]]]
 *	Send COUNT datagrams of SIZE (64) bytes to 127.0.0.1:PORT as fast as
 *	possible, with sendmmsg(2) in batches of 64, from one connected
 *	socket; stop early after MAXSECS (30).  Prints
 *	"sent N datagrams of SIZE bytes in T s: R dgram/s".
 *	With WATCHFILE (the receiver's output), then watch its size every
 *	millisecond until it has not changed for 300 ms, and add
 *	"; WATCHFILE: B bytes at T2 s", T2 being when it last grew, counted
 *	from the first send like T.  (A shell loop cannot poll this finely:
 *	each stat(1) is a process.)
 *
 *   udpflood --sink PORTFILE [IDLE_MS [MAXSECS]]
 *	Bind 127.0.0.1:0, write the port to PORTFILE (temp file + rename),
 *	and count the datagrams that arrive with recvmmsg(2), 64 at a time.
 *	Ends IDLE_MS (1000) after the last datagram, once one has arrived, or
 *	after MAXSECS (60), or on SIGTERM/SIGINT.  Prints "received N
 *	datagrams, B bytes, first to last in T s".
 *
 *   udpflood --feed COUNT SIZE CMD [ARG...]
 *	Run CMD with its stdin on a packet-mode pipe (pipe2 O_DIRECT), and
 *	write COUNT records of SIZE bytes into it, one write(2) each.  In a
 *	packet-mode pipe every read(2) returns exactly one write, however far
 *	ahead the writer is, so CMD reads one record per read, as it would
 *	from a program that writes records one at a time.  Closes the pipe,
 *	waits for CMD, and prints "fed N records of SIZE bytes in T s", T
 *	from the first write to CMD's exit.  Exits with CMD's status.
 *
 *   udpflood --readsend PORT
 *	The minimal sender that udp-send is measured against on a packet
 *	stream: a socket connected to 127.0.0.1:PORT, then read(2) from stdin
 *	into a 64 KiB buffer and send(2) what each read returned as one
 *	datagram, until EOF.  Two system calls per record, nothing else.
 *	Exits 0 at EOF, 1 on an error (ECONNREFUSED is not one: it reports an
 *	earlier datagram, as for udp-send).
 *
 * Loopback only; nothing here outlives its caller.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64
#define MAXSIZE	65536

static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static long long
num(const char *s, long long lo, long long hi, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "udpflood: bad %s '%s' (%lld-%lld)\n", what, s,
		    lo, hi);
		exit(2);
	}
	return (v);
}

static void
loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int
flood(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov;
	static char	 payload[MAXSIZE];
	long long	 count, sent = 0, refused = 0;
	double		 t0, t1, maxsecs;
	int		 fd, port, size, i, n, want;

	if (argc < 3 || argc > 6) {
		fprintf(stderr, "usage: udpflood PORT COUNT [SIZE [MAXSECS "
		    "[WATCHFILE]]]\n");
		return (2);
	}
	port = (int)num(argv[1], 1, 65535, "port");
	count = num(argv[2], 1, 1000000000000LL, "count");
	size = argc > 3 ? (int)num(argv[3], 0, 65507, "size") : 64;
	maxsecs = argc > 4 ? (double)num(argv[4], 1, 86400, "seconds") : 30;

	memset(payload, 'x', sizeof(payload));
	loopback(&sin, port);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("udpflood: socket");
		return (1);
	}
	iov.iov_base = payload;
	iov.iov_len = (size_t)size;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	t0 = now();
	while (sent < count && !stop) {
		want = count - sent < BATCH ? (int)(count - sent) : BATCH;
		n = sendmmsg(fd, msgs, (unsigned int)want, 0);
		if (n > 0) {
			sent += n;
		} else if (errno == ECONNREFUSED) {
			/* Nobody there (yet): an ICMP error, not a send. */
			refused++;
		} else if (errno != EINTR && errno != EAGAIN &&
		    errno != ENOBUFS) {
			perror("udpflood: sendmmsg");
			return (1);
		}
		/* Check the clock every 4096 datagrams or so. */
		if ((sent & 4095) < BATCH && now() - t0 > maxsecs)
			break;
	}
	t1 = now();
	printf("sent %lld datagrams of %d bytes in %.3f s: %.0f dgram/s",
	    sent, size, t1 - t0, sent / (t1 - t0));
	if (argc > 5) {
		struct timespec	 ms = { 0, 1000000 };
		struct stat	 st;
		long long	 size_seen = -1, cur;
		double		 grew = t1, t;

		for (;;) {
			cur = stat(argv[5], &st) == 0 ? (long long)st.st_size : 0;
			t = now();
			if (cur != size_seen) {
				size_seen = cur;
				grew = t;
			}
			if (t - grew > 0.3 || t - t0 > 2 * maxsecs || stop)
				break;
			nanosleep(&ms, NULL);
		}
		printf("; %s: %lld bytes at %.3f s", argv[5], size_seen,
		    grew - t0);
	}
	printf("\n");
	if (refused > 0)
		fprintf(stderr, "udpflood: %lld sends refused\n", refused);
	return (0);
}

static int
sink(int argc, char **argv)
{
	struct sockaddr_in sin;
	socklen_t	 slen = sizeof(sin);
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	struct pollfd	 pfd;
	static char	 bufs[BATCH][MAXSIZE];
	char		 tmp[4096];
	long long	 n = 0, bytes = 0;
	double		 t0, first = 0, last = 0, maxsecs;
	int		 fd, idle, i, got, sz = 16 << 20;
	FILE		*f;

	if (argc < 2 || argc > 4) {
		fprintf(stderr, "usage: udpflood --sink PORTFILE [IDLE_MS "
		    "[MAXSECS]]\n");
		return (2);
	}
	idle = argc > 2 ? (int)num(argv[2], 1, 3600000, "idle ms") : 1000;
	maxsecs = argc > 3 ? (double)num(argv[3], 1, 86400, "seconds") : 60;
	loopback(&sin, 0);
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		perror("udpflood: sink socket");
		return (1);
	}
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	snprintf(tmp, sizeof(tmp), "%s.tmp", argv[1]);
	if ((f = fopen(tmp, "w")) == NULL ||
	    fprintf(f, "%d\n", ntohs(sin.sin_port)) < 0 || fclose(f) != 0 ||
	    rename(tmp, argv[1]) == -1) {
		perror("udpflood: port file");
		return (1);
	}
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = bufs[i];
		iov[i].iov_len = MAXSIZE;
	}
	t0 = now();
	while (!stop) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, n > 0 ? idle : 100) == 0) {
			if (n > 0 || now() - t0 > maxsecs)
				break;
			continue;
		}
		for (;;) {
			memset(msgs, 0, sizeof(msgs));
			for (i = 0; i < BATCH; i++) {
				msgs[i].msg_hdr.msg_iov = &iov[i];
				msgs[i].msg_hdr.msg_iovlen = 1;
			}
			got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
			if (got <= 0)
				break;
			if (n == 0)
				first = now();
			n += got;
			for (i = 0; i < got; i++)
				bytes += msgs[i].msg_len;
			if (got < BATCH)
				break;
		}
		last = now();
		if (last - t0 > maxsecs)
			break;
	}
	printf("received %lld datagrams, %lld bytes, first to last in %.3f s\n",
	    n, bytes, n > 0 ? last - first : 0.0);
	return (0);
}

static int
feed(int argc, char **argv)
{
	static char	 rec[MAXSIZE];
	long long	 count, i;
	double		 t0, t1;
	pid_t		 pid;
	ssize_t		 w;
	int		 p[2], size, st;

	if (argc < 4) {
		fprintf(stderr, "usage: udpflood --feed COUNT SIZE CMD "
		    "[ARG...]\n");
		return (2);
	}
	count = num(argv[1], 0, 1000000000000LL, "count");
	size = (int)num(argv[2], 1, 4096, "size");	/* <= PIPE_BUF */
	if (pipe2(p, O_DIRECT) == -1) {
		perror("udpflood: pipe2 O_DIRECT");
		return (1);
	}
	if ((pid = fork()) == -1) {
		perror("udpflood: fork");
		return (1);
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		if (dup2(p[0], STDIN_FILENO) == -1)
			_exit(127);
		close(p[0]);
		close(p[1]);
		execvp(argv[3], argv + 3);
		perror(argv[3]);
		_exit(127);
	}
	close(p[0]);
	memset(rec, 'x', sizeof(rec));
	t0 = now();
	for (i = 0; i < count && !stop; i++) {
		w = write(p[1], rec, (size_t)size);
		if (w == -1 && errno == EINTR) {
			i--;
			continue;
		}
		if (w != size) {
			fprintf(stderr, "udpflood: write to %s: %s\n", argv[3],
			    w == -1 ? strerror(errno) : "short write");
			break;
		}
	}
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR) {
			perror("udpflood: waitpid");
			return (1);
		}
	t1 = now();
	printf("fed %lld records of %d bytes in %.3f s\n", i, size, t1 - t0);
	if (WIFEXITED(st))
		return (WEXITSTATUS(st));
	return (128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0));
}

static int
readsend(int argc, char **argv)
{
	struct sockaddr_in sin;
	static char	 buf[MAXSIZE];
	ssize_t		 n;
	int		 fd;

	if (argc != 2) {
		fprintf(stderr, "usage: udpflood --readsend PORT\n");
		return (2);
	}
	loopback(&sin, (int)num(argv[1], 1, 65535, "port"));
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("udpflood: socket");
		return (1);
	}
	while ((n = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("udpflood: read");
			return (1);
		}
		if (send(fd, buf, (size_t)n, 0) == -1 &&
		    errno != ECONNREFUSED) {
			perror("udpflood: send");
			return (1);
		}
	}
	return (0);
}

int
main(int argc, char **argv)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && strcmp(argv[1], "--sink") == 0)
		return (sink(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "--feed") == 0)
		return (feed(argc - 1, argv + 1));
	if (argc > 1 && strcmp(argv[1], "--readsend") == 0)
		return (readsend(argc - 1, argv + 1));
	return (flood(argc, argv));
}
