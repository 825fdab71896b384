/*
 * sockctl udp-send and udp-recv.  Datagrams keep their boundaries: the
 * sender turns stdin into records (--lines, --whole, --chunk) and never
 * sends one larger than UDP allows; the receiver takes datagrams from every
 * peer, up to the UDP maximum, and never cuts one silently.  Both move
 * datagrams in batches (sendmmsg/recvmmsg) and write output in large blocks.
 */
#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "buf.h"
#include "clock.h"
#include "cmd.h"
#include "fmt.h"
#include "io.h"
#include "log.h"
#include "sock.h"

#define UDP_MAX4	65507	/* 65535 - 8 (UDP) - 20 (IPv4) */
#define UDP_MAX6	65527	/* 65535 - 8 (UDP); the IPv6 header is apart */
#define DGRAM_BUFSZ	65536
#define BATCH		64
#define STDIN_BLOCK	(1024 * 1024)
#define OUT_FLUSH	(256 * 1024)
#define RCVBUF		(4 * 1024 * 1024)

/* ---- udp-send ---- */

struct udp_send_opts {
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	int		 lines;
	int		 whole;
	long long	 chunk;
	long long	 count;
	long long	 interval;
	int		 broadcast;
	long long	 ttl;
	int		 wait_reply;
	long long	 timeout;
	const char	*source;
	int		 source_port;
};

static const struct opt udp_send_options[] = {
	OPT__FAMILY(struct udp_send_opts, ipv4, ipv6),
	OPT_FLAG_(0, "lines", struct udp_send_opts, lines,
	    "each stdin line is a datagram (default)"),
	OPT_FLAG_(0, "whole", struct udp_send_opts, whole,
	    "all of stdin is one datagram"),
	OPT_INT_(0, "chunk", struct udp_send_opts, chunk, "N", 1, UDP_MAX6,
	    NULL, "split stdin into datagrams of N bytes"),
	OPT_INT_('c', "count", struct udp_send_opts, count, "N", 1,
	    1000000000, "1", "send the message N times"),
	OPT_DUR_(0, "interval", struct udp_send_opts, interval, NULL,
	    "wait DUR between datagrams"),
	OPT_FLAG_(0, "broadcast", struct udp_send_opts, broadcast,
	    "allow sending to a broadcast address"),
	OPT_INT_(0, "ttl", struct udp_send_opts, ttl, "N", 0, 255, NULL,
	    "unicast TTL and multicast hop limit"),
	OPT_FLAG_('r', "wait-reply", struct udp_send_opts, wait_reply,
	    "print replies until -w passes with none"),
	OPT__TIMEOUT(struct udp_send_opts, timeout, "2s",
	    "with -r, wait DUR for each reply"),
	OPT__SOURCE(struct udp_send_opts, source,
	    "send from local address ADDR"),
	OPT__SOURCE_PORT(struct udp_send_opts, source_port,
	    "send from local port PORT"),
	OPT__VERBOSE(struct udp_send_opts, verbose,
	    "report progress on stderr (repeatable)"),
	OPT_END_
};

struct sender {
	int		 fd;
	struct sockaddr_storage to;	/* for sendto when not connected */
	socklen_t	 tolen;
	size_t		 limit;
	const char	*dest;		/* "127.0.0.1 port 9", for errors */
	long long	 interval;
	int		 sent_any;	/* for --interval: sleep before the next */
	int		 refused;	/* ECONNREFUSED already reported */
	int		 failed;
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	unsigned int	 n;
	unsigned long long ndgrams;
	unsigned long long nbytes;
};

/* Sends the queued batch; -1 on an error that ends the command. */
static int
sender_flush(struct sender *s)
{
	unsigned int	 done = 0;
	int		 r, retried = 0;

	while (done < s->n) {
		r = sendmmsg(s->fd, s->msgs + done, s->n - done, 0);
		if (r > 0) {
			for (; r > 0; r--, done++) {
				s->ndgrams++;
				s->nbytes += s->iov[done].iov_len;
			}
			retried = 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		/*
		 * An ICMP error for an earlier datagram surfaces on this
		 * send; it is said once and this datagram is tried again.
		 */
		if ((errno == ECONNREFUSED || errno == EHOSTUNREACH ||
		    errno == ENETUNREACH) && !retried) {
			if (!s->refused)
				log_err("send to %s: %s", s->dest,
				    strerror(errno));
			s->refused = 1;
			s->failed = 1;
			retried = 1;
			continue;
		}
		if (retried) {
			/* The error stands for this datagram too: skip it. */
			done++;
			retried = 0;
			continue;
		}
		log_err("send to %s: %s", s->dest, strerror(errno));
		return (-1);
	}
	s->n = 0;
	return (0);
}

static int
sender_add(struct sender *s, const char *p, size_t len)
{
	struct mmsghdr	*m;

	if (s->interval >= 0) {
		if (s->sent_any)
			clock_sleep_ms(s->interval);
		s->sent_any = 1;
	}
	m = &s->msgs[s->n];
	memset(m, 0, sizeof(*m));
	s->iov[s->n].iov_base = (void *)p;
	s->iov[s->n].iov_len = len;
	m->msg_hdr.msg_iov = &s->iov[s->n];
	m->msg_hdr.msg_iovlen = 1;
	if (s->tolen > 0) {
		m->msg_hdr.msg_name = &s->to;
		m->msg_hdr.msg_namelen = s->tolen;
	}
	s->n++;
	if (s->n == BATCH || s->interval >= 0)
		return (sender_flush(s));
	return (0);
}

static int
too_large(const struct sender *s, size_t len)
{
	if (len <= s->limit)
		return (0);
	log_err("datagram of %zu bytes is larger than the UDP limit of %zu "
	    "bytes for %s; %s", len, s->limit,
	    s->limit == UDP_MAX4 ? "IPv4" : "IPv6",
	    s->ndgrams > 0 ? "it and the rest were not sent" :
	    "nothing sent");
	return (1);
}

struct record {
	size_t	off;
	size_t	len;
};

/*
 * Splits data into records: lines without their newline, chunks of N
 * bytes, or the whole.  With at_eof unset, a trailing partial record is
 * left for the next call.  Returns the bytes consumed.
 */
static size_t
split_records(const char *p, size_t len, long long chunk, int whole,
    int at_eof, struct record **out, size_t *nout)
{
	struct record	*r = NULL, *nr;
	size_t		 n = 0, cap = 0, off = 0, end;
	const char	*nl;

	while (off < len || (whole && at_eof && n == 0)) {
		if (whole) {
			if (!at_eof)
				break;
			end = len;
		} else if (chunk > 0) {
			if (len - off < (size_t)chunk && !at_eof)
				break;
			end = len - off < (size_t)chunk ? len :
			    off + (size_t)chunk;
		} else {
			nl = memchr(p + off, '\n', len - off);
			if (nl == NULL && !at_eof)
				break;
			end = nl != NULL ? (size_t)(nl - p) : len;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nr = reallocarray(r, cap, sizeof(*r))) == NULL) {
				free(r);
				*out = NULL;
				*nout = (size_t)-1;
				return (0);
			}
			r = nr;
		}
		r[n].off = off;
		r[n].len = end - off;
		n++;
		off = end;
		if (!whole && chunk <= 0 && off < len)
			off++;		/* the newline */
		if (whole)
			break;
	}
	*out = r;
	*nout = n;
	return (off);
}

/* Counts stdin bytes up to the next newline, for an error message. */
static size_t
rest_of_line(void)
{
	char	 sink[65536], *nl;
	size_t	 total = 0;
	ssize_t	 n;

	while ((n = read(STDIN_FILENO, sink, sizeof(sink))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if ((nl = memchr(sink, '\n', (size_t)n)) != NULL)
			return (total + (size_t)(nl - sink));
		total += (size_t)n;
	}
	return (total);
}

/* Streams stdin: each block's records are checked before any is sent. */
static int
send_stdin(struct sender *s, const struct udp_send_opts *o, int repeat)
{
	struct buf	 in = { 0 };
	struct record	*recs;
	size_t		 nrecs, used, i;
	long long	 rep;
	ssize_t		 n;
	int		 eof = 0, rv = -1;

	while (!eof) {
		if (buf_reserve(&in, STDIN_BLOCK) == -1) {
			log_err("out of memory");
			goto out;
		}
		n = read(STDIN_FILENO, in.p + in.len, in.cap - in.len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_err("read from stdin: %s", strerror(errno));
			goto out;
		}
		if (n == 0)
			eof = 1;
		in.len += (size_t)n;
		/* --whole and -c N need all of stdin before sending. */
		if ((o->whole || repeat) && !eof) {
			if (o->whole && in.len > s->limit) {
				/* Count the rest to name the size. */
				size_t total = in.len;
				char sink[65536];

				while ((n = read(STDIN_FILENO, sink,
				    sizeof(sink))) != 0) {
					if (n == -1 && errno == EINTR)
						continue;
					if (n == -1)
						break;
					total += (size_t)n;
				}
				(void)too_large(s, total);
				goto out;
			}
			continue;
		}
		used = split_records(in.p, in.len, o->chunk, o->whole, eof,
		    &recs, &nrecs);
		if (nrecs == (size_t)-1) {
			log_err("out of memory");
			goto out;
		}
		for (i = 0; i < nrecs; i++)
			if (too_large(s, recs[i].len)) {
				free(recs);
				goto out;
			}
		if (!eof && nrecs == 0 && in.len > s->limit) {
			/* A record that cannot fit: measure it to its end. */
			(void)too_large(s, in.len + (o->chunk > 0 ? 0 :
			    rest_of_line()));
			free(recs);
			goto out;
		}
		for (rep = 0; rep < (repeat ? o->count : 1); rep++)
			for (i = 0; i < nrecs; i++)
				if (sender_add(s, in.p + recs[i].off,
				    recs[i].len) == -1) {
					free(recs);
					goto out;
				}
		free(recs);
		if (sender_flush(s) == -1)
			goto out;
		memmove(in.p, in.p + used, in.len - used);
		in.len -= used;
	}
	rv = 0;
out:
	buf_free(&in);
	return (rv);
}

static int
wait_replies(int fd, long long timeout_ms)
{
	struct buf	 out = { 0 };
	struct pollfd	 pfd;
	char		*dg;
	ssize_t		 n;
	int		 got = 0, r;

	if ((dg = malloc(DGRAM_BUFSZ)) == NULL) {
		log_err("out of memory");
		return (EXIT_RUNTIME);
	}
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, timeout_ms > INT_MAX ? INT_MAX :
		    (int)timeout_ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		while ((n = recv(fd, dg, DGRAM_BUFSZ, MSG_DONTWAIT |
		    MSG_TRUNC)) >= 0) {
			if (n > DGRAM_BUFSZ)
				log_err("reply of %zd bytes cut to %d", n,
				    DGRAM_BUFSZ);
			got++;
			if (buf_add(&out, dg, n > DGRAM_BUFSZ ? DGRAM_BUFSZ :
			    (size_t)n) == -1 || buf_addc(&out, '\n') == -1) {
				log_err("out of memory");
				goto fail;
			}
		}
		if (errno == ECONNREFUSED) {
			log_err("no reply: %s", strerror(errno));
			goto fail;
		}
		if (io_write_all(STDOUT_FILENO, out.p, out.len) == -1) {
			if (errno == EPIPE)
				break;
			log_err("write to stdout: %s", strerror(errno));
			goto fail;
		}
		out.len = 0;
	}
	buf_free(&out);
	free(dg);
	log_verbose(1, "received %d %s", got, got == 1 ? "reply" : "replies");
	if (got == 0) {
		log_err("no reply within %lld ms", timeout_ms);
		return (EXIT_RUNTIME);
	}
	return (0);
fail:
	buf_free(&out);
	free(dg);
	return (EXIT_RUNTIME);
}

static int
is_multicast(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (IN_MULTICAST(ntohl(
		    ((const struct sockaddr_in *)sa)->sin_addr.s_addr)));
	if (sa->sa_family == AF_INET6)
		return (IN6_IS_ADDR_MULTICAST(
		    &((const struct sockaddr_in6 *)sa)->sin6_addr));
	return (0);
}

/* TTL, and for multicast the outgoing interface named by -s. */
static int
set_send_options(int fd, int family, const struct udp_send_opts *o,
    int mcast)
{
	struct in_addr	ifaddr;
	int		ttl = (int)o->ttl;

	if (o->ttl >= 0) {
		/* IPv4 has no unicast TTL 0; for multicast it means "host". */
		if (family == AF_INET &&
		    ((ttl > 0 && setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl,
		    sizeof(ttl)) == -1) ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
		    sizeof(ttl)) == -1))
			return (-1);
		if (family == AF_INET6 &&
		    (setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1 ||
		    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
		    sizeof(ttl)) == -1))
			return (-1);
	}
	if (mcast && family == AF_INET && o->source != NULL &&
	    inet_pton(AF_INET, o->source, &ifaddr) == 1 &&
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr,
	    sizeof(ifaddr)) == -1)
		return (-1);
	return (0);
}

static int
udp_send_exec(void *p, int argc, char **argv)
{
	struct udp_send_opts *o = p;
	struct sock_connect_args ca;
	struct sock_name peer;
	struct sender	*s = NULL;
	struct buf	 msg = { 0 };
	struct sk_err	 err;
	char		 host[NI_MAXHOST], dest[NI_MAXHOST + 16];
	long long	 i;
	int		 fd = -1, status = EXIT_RUNTIME, mcast, modes;

	log_verbosity = o->verbose;
	modes = o->lines + o->whole + (o->chunk > 0);
	if (modes > 1)
		return (log_usage("--lines, --whole and --chunk cannot be "
		    "used together"));
	memset(&ca, 0, sizeof(ca));
	if (cmd_parse_target(argc, argv, 1, host, sizeof(host), &ca.port,
	    &err) == -1)
		return (log_usage("%s", err.msg));
	status = EXIT_RUNTIME;
	if (argc > 2 && modes > 0)
		return (log_usage("--lines, --whole and --chunk read stdin; "
		    "they cannot be used with MESSAGE arguments"));
	ca.host = host;
	ca.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	ca.socktype = SOCK_DGRAM;
	ca.src = o->source;
	ca.srcport = o->source_port;
	ca.timeout_ms = -1;
	ca.broadcast = o->broadcast;
	if ((fd = sock_connect(&ca, &peer, &err)) == -1) {
		log_err("%s", err.msg);
		return (EXIT_RUNTIME);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		log_err("out of memory");
		goto out;
	}
	s->fd = fd;
	s->interval = o->interval;
	snprintf(dest, sizeof(dest), "%s port %d", peer.host, peer.port);
	s->dest = dest;
	s->tolen = sizeof(s->to);
	if (getpeername(fd, (struct sockaddr *)&s->to, &s->tolen) == -1) {
		log_err("getpeername: %s", strerror(errno));
		goto out;
	}
	s->limit = s->to.ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&((struct sockaddr_in6 *)&s->to)->sin6_addr)
	    ? UDP_MAX6 : UDP_MAX4;
	mcast = is_multicast((struct sockaddr *)&s->to);
	if (set_send_options(fd, s->to.ss_family, o, mcast) == -1) {
		log_err("setsockopt: %s", strerror(errno));
		goto out;
	}
	/*
	 * Replies to a broadcast or multicast come from other addresses,
	 * which a connected socket would drop: dissolve the association
	 * and name the destination on each send.
	 */
	if (o->broadcast || mcast) {
		struct sockaddr sa = { .sa_family = AF_UNSPEC };

		if (connect(fd, &sa, sizeof(sa)) == -1) {
			log_err("connect: %s", strerror(errno));
			goto out;
		}
	} else
		s->tolen = 0;
	log_verbose(2, "sending to %s", dest);

	if (argc > 2) {
		for (i = 2; i < argc; i++)
			if ((i > 2 && buf_addc(&msg, ' ') == -1) ||
			    buf_add(&msg, argv[i], strlen(argv[i])) == -1) {
				log_err("out of memory");
				goto out;
			}
		if (too_large(s, msg.len))
			goto out;
		for (i = 0; i < o->count; i++)
			if (sender_add(s, msg.p != NULL ? msg.p : "",
			    msg.len) == -1)
				goto out;
		if (sender_flush(s) == -1)
			goto out;
	} else if (send_stdin(s, o, o->count > 1) == -1)
		goto out;
	/*
	 * A refusal for the last batch may already be queued on the socket;
	 * say so rather than exit 0 for datagrams nobody received.
	 */
	if (!s->refused) {
		int		soerr = 0;
		socklen_t	sl = sizeof(soerr);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
		    soerr != 0) {
			log_err("send to %s: %s", dest, strerror(soerr));
			s->failed = s->refused = 1;
		}
	}
	log_verbose(1, "sent %llu %s, %llu bytes to %s", s->ndgrams,
	    s->ndgrams == 1 ? "datagram" : "datagrams", s->nbytes, dest);
	status = s->failed ? EXIT_RUNTIME : 0;
	/* A refused destination will not reply: do not wait for it. */
	if (o->wait_reply && !s->refused) {
		int r = wait_replies(fd, o->timeout);

		if (r != 0)
			status = r;
	}
out:
	buf_free(&msg);
	free(s);
	if (fd != -1)
		close(fd);
	return (status);
}

/* ---- udp-recv ---- */

static const char *const udp_formats[] = { "line", "raw", "hex", "json", NULL };

struct udp_recv_opts {
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	const char	*format;
	long long	 count;
	long long	 timeout;
	int		 echo;
	int		 reply;
	struct opt_list	 join;
	const char	*port_file;
};

static const struct opt udp_recv_options[] = {
	OPT__FAMILY(struct udp_recv_opts, ipv4, ipv6),
	OPT_CHOICE_('f', "format", struct udp_recv_opts, format,
	    "line|raw|hex|json", udp_formats, "line",
	    "how to print each datagram"),
	OPT_INT_('c', "count", struct udp_recv_opts, count, "N", 1,
	    LLONG_MAX, NULL, "exit 0 after N datagrams"),
	OPT__TIMEOUT(struct udp_recv_opts, timeout, NULL,
	    "exit 1 if DUR passes with no datagram"),
	OPT_FLAG_(0, "echo", struct udp_recv_opts, echo,
	    "send every datagram back to its sender"),
	OPT_FLAG_(0, "reply", struct udp_recv_opts, reply,
	    "send stdin lines to the most recent sender"),
	OPT_LIST_('j', "join", struct udp_recv_opts, join, "GROUP",
	    OPTK_SPEC, "join multicast GROUP (GROUP%IFNAME: on IFNAME)"),
	OPT__PORT_FILE(struct udp_recv_opts, port_file,
	    "write the bound port to FILE once bound"),
	OPT__VERBOSE(struct udp_recv_opts, verbose,
	    "report each datagram on stderr (repeatable)"),
	OPT_END_
};

struct group {
	int		 family;
	struct in_addr	 a4;
	struct in6_addr	 a6;
	unsigned int	 ifindex;
};

/* "239.1.2.3", "ff02::1", either with "%IFNAME". */
static const char *
parse_group(const char *s, struct group *g)
{
	char	 addr[INET6_ADDRSTRLEN + IF_NAMESIZE + 2], *pct;

	memset(g, 0, sizeof(*g));
	if (strlcpy(addr, s, sizeof(addr)) >= sizeof(addr))
		return ("too long");
	if ((pct = strchr(addr, '%')) != NULL) {
		*pct++ = '\0';
		if ((g->ifindex = if_nametoindex(pct)) == 0)
			return ("no such interface");
	}
	if (inet_pton(AF_INET, addr, &g->a4) == 1) {
		g->family = AF_INET;
		if (!IN_MULTICAST(ntohl(g->a4.s_addr)))
			return ("not a multicast address");
	} else if (inet_pton(AF_INET6, addr, &g->a6) == 1) {
		g->family = AF_INET6;
		if (!IN6_IS_ADDR_MULTICAST(&g->a6))
			return ("not a multicast address");
	} else
		return ("not an IP address");
	return (NULL);
}

static int
join_group(int fd, int sockfamily, const struct group *g)
{
	struct ip_mreqn	mr4;
	struct ipv6_mreq mr6;

	if (g->family == AF_INET) {
		memset(&mr4, 0, sizeof(mr4));
		mr4.imr_multiaddr = g->a4;
		mr4.imr_ifindex = (int)g->ifindex;
		(void)sockfamily;
		return (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr4,
		    sizeof(mr4)));
	}
	memset(&mr6, 0, sizeof(mr6));
	mr6.ipv6mr_multiaddr = g->a6;
	mr6.ipv6mr_interface = g->ifindex;
	return (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr6,
	    sizeof(mr6)));
}

struct receiver {
	const struct udp_recv_opts *o;
	int		 fd;
	struct buf	 out;
	struct sockaddr_storage last;	/* --reply goes here */
	socklen_t	 lastlen;
	long long	 received;
	char		*bufs;
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	struct sockaddr_storage from[BATCH];
};

static int
format_dgram(struct receiver *r, const struct sock_name *n,
    const unsigned char *d, size_t len)
{
	struct buf	*b = &r->out;
	const char	*f = r->o->format;

	switch (f[0]) {
	case 'r':
		return (buf_add(b, d, len));
	case 'h':
		if (buf_printf(b, "from %s port %d, %zu bytes\n", n->host,
		    n->port, len) == -1)
			return (-1);
		return (fmt_hexdump(b, d, len));
	case 'j':
		if (buf_add(b, "{\"from\":", 8) == -1 ||
		    fmt_json_string(b, (const unsigned char *)n->host,
		    strlen(n->host)) == -1 ||
		    buf_printf(b, ",\"port\":%d,\"size\":%zu,", n->port,
		    len) == -1)
			return (-1);
		if (fmt_utf8_valid(d, len)) {
			if (buf_add(b, "\"data\":", 7) == -1 ||
			    fmt_json_string(b, d, len) == -1)
				return (-1);
		} else if (buf_add(b, "\"base64\":\"", 10) == -1 ||
		    fmt_base64(b, d, len) == -1 || buf_addc(b, '"') == -1)
			return (-1);
		return (buf_add(b, "}\n", 2));
	default:
		if (buf_add(b, d, len) == -1)
			return (-1);
		return (buf_addc(b, '\n'));
	}
}

/* Returns 1 when stdout has closed, -1 on error, 0 otherwise. */
static int
flush_out(struct receiver *r)
{
	if (r->out.len == 0)
		return (0);
	if (io_write_all(STDOUT_FILENO, r->out.p, r->out.len) == -1) {
		if (errno == EPIPE)
			return (1);
		log_err("write to stdout: %s", strerror(errno));
		return (-1);
	}
	r->out.len = 0;
	return (0);
}

/*
 * Drains what the socket holds, a batch at a time.  Returns 1 when -c is
 * reached, -1 on error, 0 when the socket is empty.
 */
static int
receive_batch(struct receiver *r)
{
	struct sock_name n;
	struct mmsghdr	 echo[BATCH];
	unsigned int	 i, nsend;
	size_t		 len;
	int		 got, limit;

	for (;;) {
		limit = BATCH;
		if (r->o->count > 0 && r->o->count - r->received < limit)
			limit = (int)(r->o->count - r->received);
		for (i = 0; i < (unsigned int)limit; i++) {
			r->msgs[i].msg_hdr.msg_name = &r->from[i];
			r->msgs[i].msg_hdr.msg_namelen = sizeof(r->from[i]);
			r->msgs[i].msg_hdr.msg_iov = &r->iov[i];
			r->msgs[i].msg_hdr.msg_iovlen = 1;
			r->msgs[i].msg_hdr.msg_control = NULL;
			r->msgs[i].msg_hdr.msg_controllen = 0;
			r->msgs[i].msg_hdr.msg_flags = 0;
			r->iov[i].iov_base = r->bufs + (size_t)i * DGRAM_BUFSZ;
			r->iov[i].iov_len = DGRAM_BUFSZ;
		}
		got = recvmmsg(r->fd, r->msgs, (unsigned int)limit,
		    MSG_DONTWAIT, NULL);
		if (got == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return (0);
			/* An ICMP error from an --echo or --reply send. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH)
				continue;
			log_err("recvmmsg: %s", strerror(errno));
			return (-1);
		}
		nsend = 0;
		for (i = 0; i < (unsigned int)got; i++) {
			len = r->msgs[i].msg_len;
			sock_name_of((struct sockaddr *)&r->from[i],
			    r->msgs[i].msg_hdr.msg_namelen, &n);
			if (r->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				log_err("datagram from %s port %d was larger "
				    "than %d bytes and was cut", n.host,
				    n.port, DGRAM_BUFSZ);
			log_verbose(1, "from %s port %d, %zu bytes", n.host,
			    n.port, len);
			if (format_dgram(r, &n, r->iov[i].iov_base, len) ==
			    -1) {
				log_err("out of memory");
				return (-1);
			}
			if (r->o->echo) {
				echo[nsend] = r->msgs[i];
				r->iov[i].iov_len = len;
				echo[nsend].msg_hdr.msg_flags = 0;
				nsend++;
			}
		}
		if (got > 0) {
			memcpy(&r->last, &r->from[got - 1], sizeof(r->last));
			r->lastlen = r->msgs[got - 1].msg_hdr.msg_namelen;
		}
		for (i = 0; i < nsend; ) {
			int s = sendmmsg(r->fd, echo + i, nsend - i, 0);

			if (s == -1 && errno == EINTR)
				continue;
			if (s <= 0) {
				log_verbose(1, "echo: %s", strerror(errno));
				i++;
				continue;
			}
			i += (unsigned int)s;
		}
		r->received += got;
		if (r->out.len >= OUT_FLUSH) {
			int f = flush_out(r);

			if (f != 0)
				return (f);
		}
		if (r->o->count > 0 && r->received >= r->o->count)
			return (1);
		if (got < limit)
			return (0);
	}
}

/* --reply: each complete stdin line goes to the most recent sender. */
static int
reply_lines(struct receiver *r, struct buf *in, int *eof)
{
	ssize_t	 n;
	char	*nl, *p;
	size_t	 len;

	if (buf_reserve(in, 65536) == -1) {
		log_err("out of memory");
		return (-1);
	}
	n = read(STDIN_FILENO, in->p + in->len, in->cap - in->len);
	if (n == -1)
		return (errno == EINTR || errno == EAGAIN ? 0 : -1);
	if (n == 0)
		*eof = 1;
	in->len += (size_t)n;
	p = in->p;
	for (;;) {
		nl = memchr(p, '\n', in->len - (size_t)(p - in->p));
		if (nl == NULL) {
			if (!*eof || p == in->p + in->len)
				break;
			nl = in->p + in->len;	/* last line, no newline */
		}
		len = (size_t)(nl - p);
		if (r->lastlen == 0)
			log_err("no sender to reply to yet; line dropped");
		else if (sendto(r->fd, p, len, 0, (struct sockaddr *)&r->last,
		    r->lastlen) == -1)
			log_err("reply: %s", strerror(errno));
		p = nl < in->p + in->len ? nl + 1 : nl;
		if (p >= in->p + in->len)
			break;
	}
	len = in->len - (size_t)(p - in->p);
	memmove(in->p, p, len);
	in->len = len;
	if (in->len > UDP_MAX6) {
		log_err("reply line longer than %d bytes dropped", UDP_MAX6);
		in->len = 0;
	}
	return (0);
}

static int
udp_recv_exec(void *p, int argc, char **argv)
{
	struct udp_recv_opts *o = p;
	struct sock_listen_args la;
	struct receiver	 r;
	struct group	*groups = NULL;
	struct pollfd	 pfd[3];
	struct buf	 in = { 0 };
	struct sk_err	 err;
	const char	*why;
	char		 host[NI_MAXHOST];
	long long	 deadline;
	size_t		 i;
	int		 fd = -1, status = EXIT_RUNTIME, rv, nfd, stdin_eof, sz;
	int		 fam4 = 0, fam6 = 0, sigfd = -1, in_i, sig_i;
	sigset_t	 mask;

	log_verbosity = o->verbose;
	if (o->echo && o->reply)
		return (log_usage("--echo and --reply cannot be used "
		    "together"));
	memset(&la, 0, sizeof(la));
	if (cmd_parse_bind(argc, argv, host, sizeof(host), &la.host,
	    &la.port, &err) == -1)
		return (log_usage("%s", err.msg));
	if (o->join.n > 0 &&
	    (groups = calloc(o->join.n, sizeof(*groups))) == NULL) {
		log_err("out of memory");
		return (EXIT_RUNTIME);
	}
	for (i = 0; i < o->join.n; i++) {
		if ((why = parse_group(o->join.v[i], &groups[i])) != NULL) {
			free(groups);
			return (log_usage("invalid group '%s': %s",
			    o->join.v[i], why));
		}
		fam4 |= groups[i].family == AF_INET;
		fam6 |= groups[i].family == AF_INET6;
	}
	if ((fam4 && o->ipv6) || (fam6 && o->ipv4)) {
		free(groups);
		return (log_usage("-j group family conflicts with -%c",
		    o->ipv4 ? '4' : '6'));
	}
	la.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	/* IPv4 groups are joined on an IPv4 socket. */
	if (la.family == AF_UNSPEC && fam4 && !fam6)
		la.family = AF_INET;
	la.socktype = SOCK_DGRAM;
	la.udp_reuse = o->join.n > 0;

	memset(&r, 0, sizeof(r));
	r.o = o;
	/*
	 * Without -c udp-recv serves until it is stopped: SIGINT/SIGTERM
	 * write out what was received and exit 0 (EXIT STATUS in the man
	 * page).  Blocked before the port file exists.
	 */
	if (o->count == 0) {
		sigemptyset(&mask);
		sigaddset(&mask, SIGINT);
		sigaddset(&mask, SIGTERM);
		if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
		    (sigfd = signalfd(-1, &mask, SFD_NONBLOCK |
		    SFD_CLOEXEC)) == -1) {
			log_err("signalfd: %s", strerror(errno));
			goto out;
		}
	}
	if ((fd = sock_listen(&la, &err)) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	r.fd = fd;
	/* A deep queue rides out bursts while stdout is slow. */
	sz = RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	for (i = 0; i < o->join.n; i++)
		if (join_group(fd, la.family, &groups[i]) == -1) {
			log_err("join %s: %s", o->join.v[i], strerror(errno));
			goto out;
		}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, fd, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	sock_report_listening(fd);
	if ((r.bufs = malloc((size_t)BATCH * DGRAM_BUFSZ)) == NULL) {
		log_err("out of memory");
		goto out;
	}
	stdin_eof = !o->reply;
	deadline = o->timeout >= 0 ? clock_ms() + o->timeout : -1;
	for (;;) {
		nfd = 0;
		in_i = sig_i = -1;
		pfd[nfd].fd = fd;
		pfd[nfd++].events = POLLIN;
		if (!stdin_eof) {
			pfd[nfd].fd = STDIN_FILENO;
			pfd[nfd].events = POLLIN;
			in_i = nfd++;
		}
		if (sigfd != -1) {
			pfd[nfd].fd = sigfd;
			pfd[nfd].events = POLLIN;
			sig_i = nfd++;
		}
		rv = poll(pfd, (nfds_t)nfd, clock_poll_timeout(deadline));
		if (rv == -1) {
			if (errno == EINTR)
				continue;
			log_err("poll: %s", strerror(errno));
			goto out;
		}
		if (rv == 0) {
			log_err("no datagram within %lld ms", o->timeout);
			goto out;
		}
		if (sig_i != -1 && pfd[sig_i].revents != 0) {
			if (flush_out(&r) != -1)
				status = 0;
			goto out;
		}
		if (in_i != -1 && pfd[in_i].revents != 0 &&
		    reply_lines(&r, &in, &stdin_eof) == -1) {
			log_err("read from stdin: %s", strerror(errno));
			goto out;
		}
		if (pfd[0].revents == 0)
			continue;
		rv = receive_batch(&r);
		if (rv == -1)
			goto out;
		if (o->timeout >= 0)
			deadline = clock_ms() + o->timeout;
		switch (flush_out(&r)) {
		case -1:
			goto out;
		case 1:
			status = 0;
			goto out;
		}
		if (rv == 1) {
			status = 0;
			goto out;
		}
	}
out:
	buf_free(&r.out);
	buf_free(&in);
	free(r.bufs);
	free(groups);
	if (fd != -1)
		close(fd);
	if (sigfd != -1)
		close(sigfd);
	return (status);
}

const struct cmd_entry cmd_udp_send_entry = {
	.name = "udp-send",
	.summary = "send UDP datagrams",
	.usage = "[OPTIONS] HOST PORT [MESSAGE...]",
	.description = "Send one datagram made of the MESSAGE arguments, or "
	    "send stdin: one datagram\nper line (--lines), all of it "
	    "(--whole), or N-byte pieces (--chunk N).",
	.options = udp_send_options,
	.optsize = sizeof(struct udp_send_opts),
	.init = NULL,
	.exec = udp_send_exec
};

const struct cmd_entry cmd_udp_recv_entry = {
	.name = "udp-recv",
	.summary = "receive and print UDP datagrams",
	.usage = "[OPTIONS] [ADDRESS] PORT",
	.description = "Bind a UDP port (default: every interface) and print "
	    "each datagram it\nreceives, from every sender, whole.",
	.options = udp_recv_options,
	.optsize = sizeof(struct udp_recv_opts),
	.init = NULL,
	.exec = udp_recv_exec
};
