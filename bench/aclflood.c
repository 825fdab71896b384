/*
 * aclflood -- the refused-client flood of bench/acl.sh, not built by the
 * build system.
 *
 *   aclflood SRC HOST PORT N
 *
 * N times, one after another: a TCP socket bound to SRC connects to
 * HOST:PORT and waits for the server to close it (EOF or a reset), with a
 * 5 s bound on each step.  A refused client gets nothing but the close
 * (or, from a port nobody listens on, the kernel's reset: the control
 * run); a connection that receives a byte, times out or fails otherwise
 * counts as an error.  Prints one line "N refused in T s: R/s (E errors)" and
 * exits 0 when every connect was refused, 1 otherwise.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
resolve(const char *host, const char *port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct addrinfo	 hints, *res;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0)
		return (-1);
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return (0);
}

/* One refused client: 0 when the server closed it unanswered. */
static int
knock(const struct sockaddr_storage *src, socklen_t srclen,
    const struct sockaddr_storage *dst, socklen_t dstlen)
{
	struct timeval	tv = { 5, 0 };
	char		b;
	ssize_t		n;
	int		fd, rv = -1;

	if ((fd = socket(dst->ss_family, SOCK_STREAM, 0)) == -1)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (bind(fd, (const struct sockaddr *)src, srclen) == -1)
		;
	else if (connect(fd, (const struct sockaddr *)dst, dstlen) == -1)
		rv = errno == ECONNREFUSED ? 0 : -1;
	else {
		do
			n = read(fd, &b, 1);
		while (n == -1 && errno == EINTR);
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			rv = 0;
	}
	close(fd);
	return (rv);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	src, dst;
	socklen_t		srclen, dstlen;
	unsigned long		i, n, err = 0;
	double			t0, dt;

	if (argc != 5) {
		fprintf(stderr, "usage: aclflood SRC HOST PORT N\n");
		return (2);
	}
	n = strtoul(argv[4], NULL, 10);
	if (resolve(argv[1], "0", &src, &srclen) == -1 ||
	    resolve(argv[2], argv[3], &dst, &dstlen) == -1) {
		fprintf(stderr, "aclflood: bad address\n");
		return (2);
	}
	t0 = now();
	for (i = 0; i < n; i++)
		if (knock(&src, srclen, &dst, dstlen) == -1)
			err++;
	dt = now() - t0;
	printf("%lu refused in %.2f s: %.0f/s (%lu errors)\n", n - err, dt,
	    dt > 0 ? (double)n / dt : 0.0, err);
	return (err == 0 ? 0 : 1);
}
