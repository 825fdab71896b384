/*
 * connloop -- a client loop for bench/exec.sh, not built by the build system.
 *
 *   connloop HOST PORT SECONDS [CONCURRENCY]
 *
 * CONCURRENCY threads (default 1) each repeat, until SECONDS have passed:
 * connect, send 6 bytes, read the 6-byte echo and check it, close.  Prints
 * one line "N connections in T s: R conn/s (E errors)" to stdout.  Exit 0
 * when every cycle succeeded, 1 otherwise.  Every socket call is bounded by
 * a 5 s timeout, so a server that stops answering cannot hang the bench.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG	"hello\n"
#define MSGLEN	6
#define MAXERR	10

static struct sockaddr_storage	addr;
static socklen_t		addrlen;
static double			t_end;

struct worker {
	pthread_t	tid;
	unsigned long	ok;
	unsigned long	err;
	char		why[128];
};

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* One cycle; 0 on success, -1 with w->why set. */
static int
cycle(struct worker *w)
{
	struct timeval	tv = { 5, 0 };
	char		buf[MSGLEN];
	size_t		got = 0;
	ssize_t		n;
	int		fd, one = 1;

	if ((fd = socket(addr.ss_family, SOCK_STREAM, 0)) == -1) {
		snprintf(w->why, sizeof(w->why), "socket: %s", strerror(errno));
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, addrlen) == -1) {
		snprintf(w->why, sizeof(w->why), "connect: %s",
		    strerror(errno));
		goto fail;
	}
	if (send(fd, MSG, MSGLEN, MSG_NOSIGNAL) != MSGLEN) {
		snprintf(w->why, sizeof(w->why), "send: %s", strerror(errno));
		goto fail;
	}
	while (got < MSGLEN) {
		n = recv(fd, buf + got, MSGLEN - got, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(w->why, sizeof(w->why), "recv: %s",
			    n == 0 ? "EOF before the echo" : strerror(errno));
			goto fail;
		}
		got += (size_t)n;
	}
	if (memcmp(buf, MSG, MSGLEN) != 0) {
		snprintf(w->why, sizeof(w->why), "echo differs");
		goto fail;
	}
	close(fd);
	return (0);
fail:
	close(fd);
	return (-1);
}

static void *
run(void *p)
{
	struct worker	*w = p;

	while (now() < t_end && w->err < MAXERR) {
		if (cycle(w) == 0)
			w->ok++;
		else
			w->err++;
	}
	return (NULL);
}

int
main(int argc, char **argv)
{
	struct addrinfo	 hints, *res;
	struct worker	*ws;
	unsigned long	 ok = 0, err = 0;
	double		 secs, t0, t1;
	int		 conc = 1, i, e;

	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: connloop HOST PORT SECONDS "
		    "[CONCURRENCY]\n");
		return (2);
	}
	secs = strtod(argv[3], NULL);
	if (argc == 5)
		conc = atoi(argv[4]);
	if (secs <= 0 || conc < 1 || conc > 256) {
		fprintf(stderr, "connloop: bad SECONDS or CONCURRENCY\n");
		return (2);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((e = getaddrinfo(argv[1], argv[2], &hints, &res)) != 0) {
		fprintf(stderr, "connloop: %s: %s\n", argv[1],
		    gai_strerror(e));
		return (2);
	}
	memcpy(&addr, res->ai_addr, res->ai_addrlen);
	addrlen = res->ai_addrlen;
	freeaddrinfo(res);

	if ((ws = calloc((size_t)conc, sizeof(*ws))) == NULL)
		return (2);
	t0 = now();
	t_end = t0 + secs;
	for (i = 0; i < conc; i++)
		if (pthread_create(&ws[i].tid, NULL, run, &ws[i]) != 0) {
			fprintf(stderr, "connloop: pthread_create failed\n");
			return (2);
		}
	for (i = 0; i < conc; i++) {
		pthread_join(ws[i].tid, NULL);
		ok += ws[i].ok;
		err += ws[i].err;
		if (ws[i].err > 0)
			fprintf(stderr, "connloop: %s\n", ws[i].why);
	}
	t1 = now();
	printf("%lu connections in %.3f s: %.1f conn/s (%lu errors)\n",
	    ok, t1 - t0, (double)ok / (t1 - t0), err);
	return (err == 0 ? 0 : 1);
}
