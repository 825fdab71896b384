/*
 * bench/proxyload.c -- load for bench/proxy.sh: small fetches or one bulk
 * transfer through a proxy on 127.0.0.1.
 *
 *   proxyload fetch socks5|http PROXY ORIGIN PATH DURATION CONC
 *	CONC threads for DURATION seconds, each in a loop: connect to the
 *	proxy, SOCKS5 CONNECT to 127.0.0.1:ORIGIN then "GET PATH" (or an
 *	absolute-form HTTP GET), read the response to EOF, close.  Prints
 *	"N requests in T s: R req/s, E errors".
 *   proxyload bulk socks5|connect PROXY DEST MIB
 *	one tunnel to 127.0.0.1:DEST (a discard server), MIB MiB of zeros
 *	through it, then shutdown and wait for EOF.  Prints "R MiB/s".
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int		 http_mode;
static int		 proxy_port, origin_port;
static const char	*path;
static double		 stop_at;
static atomic_long	 nreq, nerr;

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static int
dial(int port)
{
	struct sockaddr_in	sin;
	int			fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return (-1);
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return (fd);
}

static int
readn(int fd, unsigned char *p, size_t n)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = read(fd, p, n)) <= 0)
			return (-1);
		p += r;
		n -= (size_t)r;
	}
	return (0);
}

/* A SOCKS5 tunnel to 127.0.0.1:port on fd, no authentication. */
static int
socks5(int fd, int port)
{
	unsigned char	req[10] = { 5, 1, 0, 1, 127, 0, 0, 1, 0, 0 };
	unsigned char	r[10];

	req[8] = (unsigned char)(port >> 8);
	req[9] = (unsigned char)port;
	/* Greeting and request in one write, as curl does not but may. */
	if (write(fd, "\5\1\0", 3) != 3 || readn(fd, r, 2) == -1 ||
	    r[1] != 0 || write(fd, req, sizeof(req)) != sizeof(req) ||
	    readn(fd, r, 10) == -1 || r[1] != 0)
		return (-1);
	return (0);
}

/* An HTTP CONNECT tunnel: reads the reply head to its end. */
static int
http_connect(int fd, int port)
{
	char	buf[512];
	size_t	len = 0;
	ssize_t	r;
	int	n;

	n = snprintf(buf, sizeof(buf), "CONNECT 127.0.0.1:%d HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\n\r\n", port, port);
	if (write(fd, buf, (size_t)n) != n)
		return (-1);
	while (len < sizeof(buf) - 1) {
		if ((r = read(fd, buf + len, 1)) <= 0)
			return (-1);
		len++;
		buf[len] = '\0';
		if (len >= 4 && memcmp(buf + len - 4, "\r\n\r\n", 4) == 0)
			return (strncmp(buf, "HTTP/1.", 7) == 0 &&
			    strncmp(buf + 8, " 200", 4) == 0 ? 0 : -1);
	}
	return (-1);
}

static int
fetch_one(void)
{
	char	req[512], buf[16384];
	ssize_t	r;
	size_t	got = 0;
	int	fd, n;

	if ((fd = dial(proxy_port)) == -1)
		return (-1);
	if (http_mode)
		n = snprintf(req, sizeof(req), "GET http://127.0.0.1:%d%s "
		    "HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n"
		    "\r\n", origin_port, path, origin_port);
	else {
		if (socks5(fd, origin_port) == -1) {
			close(fd);
			return (-1);
		}
		n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\n"
		    "Host: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path,
		    origin_port);
	}
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return (-1);
	}
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		got += (size_t)r;
	close(fd);
	return (r == 0 && got > 12 && memcmp(buf, "HTTP/1.", 7) == 0 ? 0 :
	    got > 0 ? 0 : -1);
}

static void *
worker(void *arg)
{
	(void)arg;
	while (now() < stop_at) {
		if (fetch_one() == 0)
			atomic_fetch_add(&nreq, 1);
		else
			atomic_fetch_add(&nerr, 1);
	}
	return (NULL);
}

static int
bulk(int connect_mode, int dest, long mib)
{
	static char	buf[1 << 20];
	double		t0, t1;
	ssize_t		w;
	size_t		off;
	long		i;
	int		fd;

	if ((fd = dial(proxy_port)) == -1 ||
	    (connect_mode ? http_connect(fd, dest) : socks5(fd, dest)) == -1) {
		fprintf(stderr, "proxyload: tunnel failed\n");
		return (1);
	}
	t0 = now();
	for (i = 0; i < mib; i++)
		for (off = 0; off < sizeof(buf); off += (size_t)w)
			if ((w = write(fd, buf + off, sizeof(buf) - off)) <= 0) {
				perror("proxyload: write");
				return (1);
			}
	shutdown(fd, SHUT_WR);
	while (read(fd, buf, sizeof(buf)) > 0)
		continue;
	t1 = now();
	printf("%.0f MiB/s\n", mib / (t1 - t0));
	return (0);
}

int
main(int argc, char **argv)
{
	pthread_t	*t;
	double		 t0, dur;
	int		 i, conc;

	if (argc == 6 && strcmp(argv[1], "bulk") == 0) {
		proxy_port = atoi(argv[3]);
		return (bulk(strcmp(argv[2], "connect") == 0, atoi(argv[4]),
		    atol(argv[5])));
	}
	if (argc != 8 || strcmp(argv[1], "fetch") != 0) {
		fprintf(stderr, "usage: proxyload fetch socks5|http PROXY "
		    "ORIGIN PATH DURATION CONC\n"
		    "       proxyload bulk socks5|connect PROXY DEST MIB\n");
		return (2);
	}
	http_mode = strcmp(argv[2], "http") == 0;
	proxy_port = atoi(argv[3]);
	origin_port = atoi(argv[4]);
	path = argv[5];
	dur = atof(argv[6]);
	conc = atoi(argv[7]);
	if ((t = calloc((size_t)conc, sizeof(*t))) == NULL)
		return (1);
	t0 = now();
	stop_at = t0 + dur;
	for (i = 0; i < conc; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (i = 0; i < conc; i++)
		pthread_join(t[i], NULL);
	printf("%ld requests in %.2f s: %.0f req/s, %ld errors\n",
	    (long)nreq, now() - t0, nreq / (now() - t0), (long)nerr);
	return (0);
}
