/*
 * chatload: the load client of bench/chat.sh.  One process, one epoll
 * loop, every socket non-blocking.
 *
 *	chatload [-n CLIENTS] [-r LINES_PER_S] [-d SECONDS] [-s STALLED]
 *	    [-b LINE_BYTES] [-w DRAIN_S] HOST PORT
 *
 * Connects CLIENTS readers (default 100) to the room, then STALLED
 * clients (default 1) that never read (their receive buffer is made as
 * small as the kernel allows).  Once every join notice has gone round,
 * each reader sends LINES_PER_S lines a second (default 10) for SECONDS
 * (default 10), the clients taking turns so that the lines are spread
 * evenly over time: one line every 1/(CLIENTS * LINES_PER_S) s.
 *
 * Each line carries who sent it, its number and the CLOCK_MONOTONIC time
 * at which it was written, padded with 'x' to LINE_BYTES bytes of text:
 *
 *	m SENDER SEQ SEND_NS xxxxxxxx...
 *
 * and arrives at every other client as "<nick> m SENDER SEQ SEND_NS ...".
 * Each reader takes the time as soon as read(2) returns and records the
 * difference: the delivery latency, from the sender's write to the
 * reader's read, through the room.  A bitmap per reader counts every line
 * once, so lost, duplicated and garbled deliveries are all seen.  After
 * the last line is sent, the readers go on reading until every expected
 * line has arrived or DRAIN_S seconds (default 5) pass.
 *
 * The report is one "key=value" per line on stdout, for bench/chat.sh.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define INBUF	(256 * 1024)

struct client {
	int		 fd;
	int		 idx;
	int		 stalled;
	char		*in;		/* received, not yet a whole line */
	size_t		 inlen;
	char		*out;		/* written only in part (rare) */
	size_t		 outlen, outoff;
	int		 welcomed;
	unsigned char	*seen;		/* bitmap: [sender][seq] */
};

static struct client	*clients;
static int		 nclients = 100, nstalled = 1, rate = 10, seconds = 10;
static int		 line_bytes = 200, drain_s = 5;
static int		 nlines;	/* per sender */
static int		 epfd;

static uint64_t	*lat;			/* ns, one per delivery */
static uint64_t	 nlat, delivered, dups, garbled, self_echo, other_lines;
static uint64_t	 slow_notices;
static uint64_t	 t_first_send, t_last_send, t_last_delivery;
static uint64_t	 slow_notice_ns;
static char	 slow_notice_text[256];
static uint64_t	 send_late_max, send_late_over_5ms, sent, send_eagain;

static void
die(const char *fmt, const char *arg)
{
	fprintf(stderr, "chatload: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(2);
}

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static int
open_client(const struct addrinfo *ai, int stalled)
{
	int	fd, one = 1, small = 1;

	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die("socket: %s", strerror(errno));
	/* Never reads: the smallest receive buffer, set before connect. */
	if (stalled)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1)
		die("connect: %s", strerror(errno));
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1)
		die("fcntl: %s", strerror(errno));
	return (fd);
}

static void
set_events(struct client *c, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e) == -1)
		die("epoll_ctl: %s", strerror(errno));
}

static void
flush_out(struct client *c)
{
	ssize_t	n;

	while (c->outoff < c->outlen) {
		n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			die("write: %s", strerror(errno));
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff == c->outlen) {
		c->outoff = c->outlen = 0;
		set_events(c, EPOLLIN);
	} else
		set_events(c, EPOLLIN | EPOLLOUT);
}

/* Writes line number seq of client c, timestamped now. */
static void
send_one(struct client *c, int seq, uint64_t due)
{
	char		 line[65536];
	uint64_t	 t;
	ssize_t		 n;
	int		 len;

	t = now_ns();
	len = snprintf(line, sizeof(line), "m %d %d %llu ", c->idx, seq,
	    (unsigned long long)t);
	while (len < line_bytes)
		line[len++] = 'x';
	line[len++] = '\n';
	if (t > due) {
		if (t - due > send_late_max)
			send_late_max = t - due;
		if (t - due > 5000000)
			send_late_over_5ms++;
	}
	if (t_first_send == 0)
		t_first_send = t;
	t_last_send = t;
	sent++;
	n = 0;
	if (c->outlen == 0) {
		n = write(c->fd, line, (size_t)len);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				die("write: %s", strerror(errno));
			n = 0;
		}
		if (n == len)
			return;
	}
	send_eagain++;
	if ((c->out = realloc(c->out, c->outlen + (size_t)(len - n))) == NULL)
		die("%s", "out of memory");
	memcpy(c->out + c->outlen, line + n, (size_t)(len - n));
	c->outlen += (size_t)(len - n);
	set_events(c, EPOLLIN | EPOLLOUT);
}

static void
take_line(struct client *c, char *p, size_t len, uint64_t t)
{
	char		*q, *end;
	unsigned long	 sender, seq;
	unsigned long long sent_ns;
	size_t		 bit;

	p[len] = '\0';
	if (len >= 2 && p[0] == '*' && p[1] == ' ') {
		if (strncmp(p, "* welcome", 9) == 0)
			c->welcomed = 1;
		else if (len > 16 && strcmp(p + len - 16, " left (too slow)")
		    == 0) {
			if (slow_notices++ == 0) {
				slow_notice_ns = t;
				snprintf(slow_notice_text,
				    sizeof(slow_notice_text), "%s", p);
			}
		}
		return;
	}
	if (p[0] != '<' || (q = strstr(p, "> m ")) == NULL) {
		other_lines++;
		return;
	}
	q += 4;
	sender = strtoul(q, &end, 10);
	if (*end != ' ')
		goto bad;
	seq = strtoul(end + 1, &end, 10);
	if (*end != ' ')
		goto bad;
	sent_ns = strtoull(end + 1, &end, 10);
	/* The text, from its "m", must be exactly as long as it was sent. */
	if (*end != ' ' || sender >= (unsigned long)nclients ||
	    seq >= (unsigned long)nlines || sent_ns > t ||
	    (size_t)(p + len - (q - 2)) != (size_t)line_bytes)
		goto bad;
	if ((int)sender == c->idx) {
		self_echo++;
		return;
	}
	bit = sender * (size_t)nlines + seq;
	if (c->seen[bit / 8] & (1u << (bit % 8))) {
		dups++;
		return;
	}
	c->seen[bit / 8] |= (unsigned char)(1u << (bit % 8));
	delivered++;
	lat[nlat++] = t - sent_ns;
	t_last_delivery = t;
	return;
bad:
	garbled++;
}

static void
read_client(struct client *c)
{
	char		*p, *nl;
	size_t		 left;
	ssize_t		 n;
	uint64_t	 t;

	for (;;) {
		if (c->inlen >= INBUF - 1)
			die("%s", "a line longer than the input buffer");
		n = read(c->fd, c->in + c->inlen, INBUF - 1 - c->inlen);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return;
			die("read: %s", strerror(errno));
		}
		if (n == 0) {
			fprintf(stderr, "chatload: client %d: the room closed "
			    "the connection\n", c->idx);
			exit(1);
		}
		t = now_ns();
		c->inlen += (size_t)n;
		p = c->in;
		left = c->inlen;
		while ((nl = memchr(p, '\n', left)) != NULL) {
			take_line(c, p, (size_t)(nl - p), t);
			left -= (size_t)(nl - p) + 1;
			p = nl + 1;
		}
		memmove(c->in, p, left);
		c->inlen = left;
	}
}

/* Runs the loop until `until` (ns), sending what falls due. */
static void
run(uint64_t until, int sending, uint64_t t0, uint64_t step, uint64_t *next,
    uint64_t expected)
{
	struct epoll_event	 ev[256];
	struct client		*c;
	uint64_t		 t, due, total;
	int			 i, n, timeout;

	total = (uint64_t)nclients * (uint64_t)nlines;
	for (;;) {
		t = now_ns();
		if (sending) {
			while (*next < total &&
			    (due = t0 + *next * step) <= t) {
				send_one(&clients[*next % (uint64_t)nclients],
				    (int)(*next / (uint64_t)nclients), due);
				(*next)++;
				t = now_ns();
			}
			if (*next >= total)
				return;
		}
		if (!sending && expected > 0 && delivered >= expected)
			return;
		if (t >= until)
			return;
		due = sending ? t0 + *next * step : until;
		if (due > until)
			due = until;
		/* Round up: wake no earlier than due. */
		timeout = due > t ? (int)((due - t + 999999) / 1000000) : 0;
		n = epoll_wait(epfd, ev, 256, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait: %s", strerror(errno));
		}
		for (i = 0; i < n; i++) {
			c = ev[i].data.ptr;
			if (ev[i].events & EPOLLOUT)
				flush_out(c);
			if (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				read_client(c);
		}
	}
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x < y ? -1 : x > y);
}

static double
pct(double p)
{
	size_t	i;

	if (nlat == 0)
		return (0);
	i = (size_t)(p / 100.0 * (double)(nlat - 1) + 0.5);
	return ((double)lat[i] / 1000.0);
}

static int
num(const char *s, int min, int max)
{
	char	*end;
	long	 v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < min || v > max)
		die("bad number '%s'", s);
	return ((int)v);
}

int
main(int argc, char **argv)
{
	struct addrinfo	 hints, *ai;
	struct rusage	 ru;
	struct epoll_event e;
	uint64_t	 t0, step, next = 0, expected, t_end;
	int		 ch, i, welcomed, err;

	while ((ch = getopt(argc, argv, "n:r:d:s:b:w:")) != -1) {
		switch (ch) {
		case 'n': nclients = num(optarg, 2, 10000); break;
		case 'r': rate = num(optarg, 1, 100000); break;
		case 'd': seconds = num(optarg, 1, 3600); break;
		case 's': nstalled = num(optarg, 0, 1000); break;
		case 'b': line_bytes = num(optarg, 40, 4000); break;
		case 'w': drain_s = num(optarg, 0, 3600); break;
		default:
			fprintf(stderr, "usage: chatload [-n clients] "
			    "[-r lines/s] [-d seconds] [-s stalled] "
			    "[-b line-bytes] [-w drain-s] host port\n");
			return (2);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		die("%s", "usage: chatload [options] host port");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((err = getaddrinfo(argv[0], argv[1], &hints, &ai)) != 0)
		die("getaddrinfo: %s", gai_strerror(err));
	nlines = rate * seconds;
	expected = (uint64_t)nclients * (uint64_t)nlines *
	    (uint64_t)(nclients - 1);
	if ((lat = malloc(expected * sizeof(*lat))) == NULL ||
	    (clients = calloc((size_t)(nclients + nstalled),
	    sizeof(*clients))) == NULL)
		die("%s", "out of memory");
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1: %s", strerror(errno));

	/* The readers, then the clients that never read. */
	for (i = 0; i < nclients + nstalled; i++) {
		struct client *c = &clients[i];

		c->idx = i;
		c->stalled = i >= nclients;
		c->fd = open_client(ai, c->stalled);
		if (c->stalled)
			continue;
		if ((c->in = malloc(INBUF)) == NULL ||
		    (c->seen = calloc((size_t)nclients * (size_t)nlines / 8 +
		    1, 1)) == NULL)
			die("%s", "out of memory");
		e.events = EPOLLIN;
		e.data.ptr = c;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &e) == -1)
			die("epoll_ctl: %s", strerror(errno));
	}
	freeaddrinfo(ai);

	/* Let the welcome lines and the join notices go round. */
	run(now_ns() + 1000000000u, 0, 0, 0, &next, 0);
	for (welcomed = 0, i = 0; i < nclients; i++)
		welcomed += clients[i].welcomed;
	if (welcomed != nclients) {
		fprintf(stderr, "chatload: only %d of %d clients were "
		    "welcomed by the room\n", welcomed, nclients);
		return (1);
	}
	printf("ready=%.3f\n", (double)now_ns() / 1e9);
	fflush(stdout);

	step = 1000000000u / ((uint64_t)nclients * (uint64_t)rate);
	t0 = now_ns() + 10000000u;
	run((uint64_t)-1, 1, t0, step, &next, 0);
	t_end = t_last_send + (uint64_t)drain_s * 1000000000u;
	run(t_end, 0, 0, 0, &next, expected);

	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	getrusage(RUSAGE_SELF, &ru);
	printf("clients=%d\nstalled=%d\nrate=%d\nseconds=%d\nline_bytes=%d\n",
	    nclients, nstalled, rate, seconds, line_bytes);
	printf("sent=%llu\n", (unsigned long long)sent);
	printf("expected=%llu\n", (unsigned long long)expected);
	printf("delivered=%llu\n", (unsigned long long)delivered);
	printf("missing=%llu\n", (unsigned long long)(expected - delivered));
	printf("duplicates=%llu\n", (unsigned long long)dups);
	printf("garbled=%llu\n", (unsigned long long)garbled);
	printf("echoed_to_sender=%llu\n", (unsigned long long)self_echo);
	printf("other_lines=%llu\n", (unsigned long long)other_lines);
	printf("send_s=%.3f\n", (double)(t_last_send - t_first_send) / 1e9);
	printf("deliver_s=%.3f\n", t_last_delivery > t_first_send ?
	    (double)(t_last_delivery - t_first_send) / 1e9 : 0.0);
	printf("deliveries_per_s=%.0f\n", t_last_delivery > t_first_send ?
	    (double)delivered / ((double)(t_last_delivery - t_first_send) /
	    1e9) : 0.0);
	printf("lat_p50_ms=%.3f\nlat_p90_ms=%.3f\nlat_p99_ms=%.3f\n"
	    "lat_p999_ms=%.3f\nlat_max_ms=%.3f\n", pct(50) / 1000,
	    pct(90) / 1000, pct(99) / 1000, pct(99.9) / 1000,
	    pct(100) / 1000);
	printf("send_late_max_ms=%.3f\n", (double)send_late_max / 1e6);
	printf("send_late_over_5ms=%llu\n",
	    (unsigned long long)send_late_over_5ms);
	printf("send_partial=%llu\n", (unsigned long long)send_eagain);
	printf("slow_notices=%llu\n", (unsigned long long)slow_notices);
	if (slow_notices > 0) {
		printf("slow_notice=%s\n", slow_notice_text);
		printf("slow_notice_at_s=%.3f\n",
		    (double)((int64_t)(slow_notice_ns - t0)) / 1e9);
	}
	printf("load_cpu_s=%.3f\n", (double)ru.ru_utime.tv_sec +
	    (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	    (double)ru.ru_stime.tv_usec / 1e6);
	return (0);
}
