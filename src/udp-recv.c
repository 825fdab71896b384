/*
 * The udp-recv engine.  It takes datagrams from every peer, up to the UDP
 * maximum, in batches (recvmmsg), never cuts one silently, formats each
 * one (fmt_dgram) into an output buffer written in large blocks, and
 * answers: --echo sends each datagram back, --reply sends stdin lines to
 * the most recent sender.  Without -c it serves until SIGINT or SIGTERM.
 * With -U the socket is a Unix datagram socket, whose file it creates
 * and removes again.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "fmt.h"
#include "io.h"
#include "log.h"
#include "sock.h"
#include "trace.h"
#include "trace-opt.h"
#include "udp.h"

#define OUT_FLUSH	(256 * 1024)
#define RCVBUF		(4 * 1024 * 1024)
#define REPLY_BLOCK	65536
/* -U: the most buffer memory for a batch of the largest datagrams. */
#define UNIX_ARENA	(32 * 1024 * 1024)
/* Room for IP_PKTINFO or IPV6_PKTINFO, and IP_TTL or IPV6_HOPLIMIT. */
#define CTLSZ		256

struct udp_receiver {
	const struct udp_recv_conf *c;
	int		 fd;
	int		 sigfd;		/* SIGINT/SIGTERM without -c, or -1 */
	int		 detail;	/* -vv: a detail line per datagram */
	int		 localport;
	int		 closed;	/* stdout is gone */
	int		 is_unix;	/* -U */
	int		 created;	/* -U: removes its file at the end */
	int		 told_unnamed;	/* -v said unnamed ones get no answer */
	size_t		 slot;		/* buffer per datagram */
	unsigned int	 nbatch;	/* datagrams per recvmmsg */
	unsigned long long batches;
	struct buf	 out;
	struct sockaddr_storage last;	/* --reply goes here */
	socklen_t	 lastlen;
	long long	 received;
	char		*bufs;
	struct fmt_records replies;	/* --reply: lines of stdin */
	struct trace_conn *tc;		/* traced: every peer a flow */
	unsigned int	 nsend;		/* --echo: queued in echo */
	struct mmsghdr	 echo[UDP_BATCH];
	struct mmsghdr	 msgs[UDP_BATCH];
	struct iovec	 iov[UDP_BATCH];
	struct sockaddr_storage from[UDP_BATCH];
	union {
		char		 buf[CTLSZ];
		struct cmsghdr	 align;
	}		 ctl[UDP_BATCH];
};

/*
 * Writes out what b holds.  A closed stdout (EPIPE) is no error: *closed
 * is set, and the caller stops as if it were done.
 */
int
udp_flush_out(struct buf *b, int *closed, struct sk_err *err)
{
	if (b->len == 0)
		return (0);
	if (io_write_all(STDOUT_FILENO, b->p, b->len) == -1) {
		if (errno == EPIPE) {
			*closed = 1;
			return (0);
		}
		err_set(err, "write to stdout: %s", strerror(errno));
		return (-1);
	}
	b->len = 0;
	return (0);
}

/*
 * -vv: ask for each datagram's destination address and interface and its
 * TTL or hop limit.  Best effort: without them the detail line says less.
 * The IPv4 options also cover the IPv4 datagrams of a dual-stack socket.
 */
static void
udp_recv_detail_on(struct udp_receiver *r)
{
	struct sock_name n;
	int		 on = 1;

	r->detail = 1;
	if (r->is_unix)
		return;
	if (sock_local_name(r->fd, &n) == 0)
		r->localport = n.port;
	(void)setsockopt(r->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on));
	(void)setsockopt(r->fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on));
	(void)setsockopt(r->fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on));
	(void)setsockopt(r->fd, IPPROTO_IP, IP_RECVTTL, &on, sizeof(on));
}

/* Reads the destination, interface and TTL of a datagram's cmsgs. */
static void
udp_recv_cmsgs(struct msghdr *h, struct fmt_dgram_info *d, char *addr,
    size_t addrsz, unsigned int *ifindex)
{
	struct in_pktinfo pi4;
	struct in6_pktinfo pi6;
	struct cmsghdr	*c;
	int		 v;

	for (c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			memcpy(&pi4, CMSG_DATA(c), sizeof(pi4));
			if (inet_ntop(AF_INET, &pi4.ipi_addr, addr,
			    (socklen_t)addrsz) != NULL)
				d->to = addr;
			*ifindex = (unsigned int)pi4.ipi_ifindex;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			/* Shown as IPv4, as the sender of such a datagram. */
			if (IN6_IS_ADDR_V4MAPPED(&pi6.ipi6_addr) ?
			    inet_ntop(AF_INET, &pi6.ipi6_addr.s6_addr[12],
			    addr, (socklen_t)addrsz) != NULL :
			    inet_ntop(AF_INET6, &pi6.ipi6_addr, addr,
			    (socklen_t)addrsz) != NULL)
				d->to = addr;
			*ifindex = pi6.ipi6_ifindex;
		} else if ((c->cmsg_level == IPPROTO_IP &&
		    c->cmsg_type == IP_TTL) || (c->cmsg_level ==
		    IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			d->ttl = v;
		}
	}
}

/* Logs the -vv line of datagram i of a batch of got. */
static void
udp_recv_detail(struct udp_receiver *r, unsigned int i, int got)
{
	struct msghdr	*h = &r->msgs[i].msg_hdr;
	struct fmt_dgram_info d;
	struct buf	 b = { 0 };
	char		 addr[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];
	unsigned int	 ifindex = 0;

	memset(&d, 0, sizeof(d));
	d.port = r->localport;
	d.ttl = -1;
	if (r->is_unix) {
		d.to = r->c->unix_path;
		d.port = -1;
	}
	udp_recv_cmsgs(h, &d, addr, sizeof(addr), &ifindex);
	if (ifindex != 0 && if_indextoname(ifindex, ifn) != NULL)
		d.ifname = ifn;
	d.seq = (unsigned long long)r->received + i + 1;
	d.batch = r->batches;
	d.index = i + 1;
	d.nbatch = (unsigned int)got;
	d.truncated = (h->msg_flags & MSG_TRUNC) != 0;
	d.ctruncated = (h->msg_flags & MSG_CTRUNC) != 0;
	/* Without memory for the line, the datagram still goes out. */
	if (fmt_dgram_info(&b, &d) == 0 && b.len > 0)
		log_verbose(2, "%.*s", (int)b.len - 1, b.p);
	buf_free(&b);
}

/* Whether datagram i came from a sender that can be answered. */
static int
udp_recv_named(const struct udp_receiver *r, unsigned int i)
{
	return (!r->is_unix || r->msgs[i].msg_hdr.msg_namelen >
	    offsetof(struct sockaddr_un, sun_path));
}

/*
 * Traces a datagram received (h its header) or sent; an unnamed Unix
 * sender is traced as one with an empty name.
 */
static void
udp_recv_trace(struct udp_receiver *r, int dir, const void *p, size_t len,
    const struct msghdr *h, int named)
{
	sa_family_t	unnamed = AF_UNIX;

	if (r->tc == NULL)
		return;
	if (named)
		trace_dgram(r->tc, dir, p, len, h->msg_name, h->msg_namelen,
		    NULL);
	else
		trace_dgram(r->tc, dir, p, len, (struct sockaddr *)&unnamed,
		    sizeof(unnamed), NULL);
}

/*
 * Datagram i of a batch of got has arrived: every received datagram
 * passes here.  It is reported, formatted and, with --echo, queued to go
 * back.
 */
static int
udp_recv_one(struct udp_receiver *r, unsigned int i, int got,
    struct sk_err *err)
{
	struct msghdr	*h = &r->msgs[i].msg_hdr;
	struct mmsghdr	*e;
	struct sock_name n;
	struct fmt_dgram d;
	size_t		 len = r->msgs[i].msg_len;
	int		 named;
	char		 port[24];

	named = udp_recv_named(r, i);
	udp_recv_trace(r, TRACE_IN, r->iov[i].iov_base, len, h, named);
	/* An unnamed sender's address is not even filled in. */
	if (named)
		sock_name_of((struct sockaddr *)&r->from[i], h->msg_namelen,
		    &n);
	else {
		(void)strlcpy(n.host, "(unnamed)", sizeof(n.host));
		n.port = -1;
	}
	/* A Unix sender has no port: "from /run/app.sock, 5 bytes". */
	port[0] = '\0';
	if (n.port >= 0)
		(void)snprintf(port, sizeof(port), " port %d", n.port);
	if (h->msg_flags & MSG_TRUNC)
		log_err("datagram from %s%s was larger than %zu bytes "
		    "and was cut", n.host, port, r->slot);
	log_verbose(1, "from %s%s, %zu bytes", n.host, port, len);
	if (r->detail)
		udp_recv_detail(r, i, got);
	if (!named && (r->c->echo || r->c->reply) && !r->told_unnamed) {
		log_verbose(1, "unnamed senders cannot be answered; "
		    "their datagrams get no %s", r->c->echo ? "echo" :
		    "reply");
		r->told_unnamed = 1;
	}
	d.from = named || !r->is_unix ? n.host : NULL;
	d.port = n.port;
	d.data = r->iov[i].iov_base;
	d.len = len;
	if (fmt_dgram(&r->out, r->c->format, &d) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	if (r->c->echo && named) {
		e = &r->echo[r->nsend++];
		*e = r->msgs[i];
		r->iov[i].iov_len = len;
		e->msg_hdr.msg_flags = 0;
		/* -vv's TTL and address are not for sending. */
		e->msg_hdr.msg_control = NULL;
		e->msg_hdr.msg_controllen = 0;
	}
	return (0);
}

/* --echo: sends the queued datagrams back; a failure is only noted. */
static void
udp_recv_echo(struct udp_receiver *r)
{
	unsigned int	 i;
	int		 s;

	for (i = 0; i < r->nsend; ) {
		/* A Unix sender that does not read would block us. */
		s = sendmmsg(r->fd, r->echo + i, r->nsend - i,
		    r->is_unix ? MSG_DONTWAIT : 0);
		if (s == -1 && errno == EINTR)
			continue;
		if (s <= 0) {
			log_verbose(1, "echo: %s", strerror(errno));
			i++;
			continue;
		}
		for (; s > 0; s--, i++)
			udp_recv_trace(r, TRACE_OUT,
			    r->echo[i].msg_hdr.msg_iov->iov_base,
			    r->echo[i].msg_hdr.msg_iov->iov_len,
			    &r->echo[i].msg_hdr, 1);
	}
	r->nsend = 0;
}

/*
 * Drops the datagrams of a batch of got whose senders the acl refuses,
 * before anything else sees them (they are not printed, echoed, counted
 * by -c nor made the --reply target), and moves the others down to fill
 * the gaps.  Returns how many are left.
 */
static int
udp_recv_admit(struct udp_receiver *r, int got)
{
	struct msghdr	*h;
	int		 i, kept;

	if (r->c->acl == NULL)
		return (got);
	for (i = kept = 0; i < got; i++) {
		h = &r->msgs[i].msg_hdr;
		if (sock_refused(r->c->acl, (struct sockaddr *)&r->from[i],
		    h->msg_namelen))
			continue;
		if (kept != i) {
			r->msgs[kept] = r->msgs[i];
			r->from[kept] = r->from[i];
			r->iov[kept] = r->iov[i];
			h = &r->msgs[kept].msg_hdr;
			h->msg_name = &r->from[kept];
			h->msg_iov = &r->iov[kept];
		}
		kept++;
	}
	return (kept);
}

/* Points the first n headers at their buffers before recvmmsg. */
static void
udp_recv_arm(struct udp_receiver *r, unsigned int n)
{
	struct msghdr	*h;
	unsigned int	 i;

	for (i = 0; i < n; i++) {
		h = &r->msgs[i].msg_hdr;
		h->msg_name = &r->from[i];
		h->msg_namelen = sizeof(r->from[i]);
		h->msg_iov = &r->iov[i];
		h->msg_iovlen = 1;
		h->msg_control = r->detail ? r->ctl[i].buf : NULL;
		h->msg_controllen = r->detail ? sizeof(r->ctl[i].buf) : 0;
		h->msg_flags = 0;
		r->iov[i].iov_base = r->bufs + (size_t)i * r->slot;
		r->iov[i].iov_len = r->slot;
	}
}

/*
 * Drains what the socket holds, a batch at a time, until it is empty, -c
 * is reached or stdout is closed.  -1 on error.
 */
static int
udp_recv_batch(struct udp_receiver *r, struct sk_err *err)
{
	unsigned int	 i;
	int		 got, limit, named, full;

	for (;;) {
		limit = (int)r->nbatch;
		if (r->c->count > 0 && r->c->count - r->received < limit)
			limit = (int)(r->c->count - r->received);
		udp_recv_arm(r, (unsigned int)limit);
		got = recvmmsg(r->fd, r->msgs, (unsigned int)limit,
		    MSG_DONTWAIT, NULL);
		if (got == -1) {
			if (errno == EAGAIN || errno == EINTR)
				return (0);
			/* An ICMP error from an --echo or --reply send. */
			if (errno == ECONNREFUSED || errno == EHOSTUNREACH)
				continue;
			err_set(err, "recvmmsg: %s", strerror(errno));
			return (-1);
		}
		full = got == limit;
		got = udp_recv_admit(r, got);
		if (got > 0)
			r->batches++;
		for (i = 0; i < (unsigned int)got; i++)
			if (udp_recv_one(r, i, got, err) == -1)
				return (-1);
		/* --reply answers the most recent sender it can. */
		for (named = got - 1; named >= 0 &&
		    !udp_recv_named(r, (unsigned int)named); named--)
			continue;
		if (named >= 0) {
			memcpy(&r->last, &r->from[named], sizeof(r->last));
			r->lastlen = r->msgs[named].msg_hdr.msg_namelen;
		}
		udp_recv_echo(r);
		r->received += got;
		if (r->out.len >= OUT_FLUSH &&
		    udp_flush_out(&r->out, &r->closed, err) == -1)
			return (-1);
		if (r->closed ||
		    (r->c->count > 0 && r->received >= r->c->count) ||
		    !full)
			return (0);
	}
}

/* --reply: each complete stdin line goes to the most recent sender. */
static int
udp_reply_lines(struct udp_receiver *r, struct buf *in, int *eof,
    struct sk_err *err)
{
	static const struct fmt_splitter lines = { FMT_SPLIT_LINES, 0 };
	const struct fmt_record *l;
	ssize_t		 n;
	size_t		 i;

	if (buf_reserve(in, REPLY_BLOCK) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	n = read(STDIN_FILENO, in->p + in->len, in->cap - in->len);
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return (0);
	if (n == -1) {
		err_set(err, "read from stdin: %s", strerror(errno));
		return (-1);
	}
	if (n == 0)
		*eof = 1;
	in->len += (size_t)n;
	if (fmt_split_records(&lines, in->p, in->len, *eof,
	    &r->replies) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	for (i = 0; i < r->replies.n; i++) {
		l = &r->replies.v[i];
		if (r->lastlen == 0)
			log_err("no sender to reply to yet; line dropped");
		else if (sendto(r->fd, in->p + l->off, l->len,
		    r->is_unix ? MSG_DONTWAIT : 0,
		    (struct sockaddr *)&r->last, r->lastlen) == -1)
			log_err("reply: %s", strerror(errno));
		else
			trace_dgram(r->tc, TRACE_OUT, in->p + l->off, l->len,
			    (struct sockaddr *)&r->last, r->lastlen, NULL);
	}
	memmove(in->p, in->p + r->replies.used, in->len - r->replies.used);
	in->len -= r->replies.used;
	if (in->len > UDP_MAX6) {
		log_err("reply line longer than %d bytes dropped", UDP_MAX6);
		in->len = 0;
	}
	return (0);
}

/*
 * Without -c udp-recv serves until it is stopped: SIGINT and SIGTERM
 * write out what was received and end the run as a success.  They are
 * blocked before the port file (or -U's socket file) exists, and read
 * from a signalfd; with -U always, so that the file is removed.
 */
static int
udp_recv_signals(struct udp_receiver *r, struct sk_err *err)
{
	sigset_t	mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (r->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		err_set(err, "signalfd: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

/* A deep queue rides out bursts while stdout is slow. */
static void
udp_recv_rcvbuf(int fd)
{
	int	sz = RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz,
	    sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/*
 * -U: creates the socket file (replacing a stale socket file, never
 * anything else; SIGINT and SIGTERM are already blocked, so the file
 * cannot be left behind between its creation and r->created) and sizes
 * the buffers: any datagram the socket's receive buffer can hold arrives
 * whole, and a batch holds fewer of them when they are that large.
 */
static int
udp_recv_open_unix(struct udp_receiver *r, const char *path,
    struct sk_err *err)
{
	socklen_t	 sl;
	int		 sz;

	if ((r->fd = sock_listen_unix(path, SOCK_DGRAM, 0, &r->created,
	    err)) == -1)
		return (-1);
	r->is_unix = 1;
	udp_recv_rcvbuf(r->fd);
	sl = sizeof(sz);
	if (getsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &sz, &sl) == -1) {
		err_set(err, "getsockopt: %s", strerror(errno));
		return (-1);
	}
	if ((size_t)sz > r->slot)
		r->slot = (size_t)sz;
	r->nbatch = UNIX_ARENA / r->slot;
	if (r->nbatch > UDP_BATCH)
		r->nbatch = UDP_BATCH;
	if (r->nbatch == 0)
		r->nbatch = 1;
	return (0);
}

/*
 * Binds, joins the -j groups and writes the port file.  IPv4 groups are
 * joined on an IPv4 socket, so with only those the socket is IPv4.
 */
static int
udp_recv_open(struct udp_receiver *r, const struct udp_recv_conf *c,
    struct sk_err *err)
{
	struct sock_listen_args la;
	size_t		 i;
	int		 fam4 = 0, fam6 = 0;

	/* A socket file must go at the end, so -U always takes them. */
	if ((c->count == 0 || c->unix_path != NULL) &&
	    udp_recv_signals(r, err) == -1)
		return (-1);
	r->slot = UDP_BUFSZ;
	r->nbatch = UDP_BATCH;
	if (c->unix_path != NULL) {
		if (udp_recv_open_unix(r, c->unix_path, err) == -1)
			return (-1);
	} else {
		for (i = 0; i < c->ngroups; i++) {
			fam4 |= c->groups[i].addr.ss_family == AF_INET;
			fam6 |= c->groups[i].addr.ss_family == AF_INET6;
		}
		memset(&la, 0, sizeof(la));
		la.host = c->host;
		la.port = c->port;
		la.family = c->family == AF_UNSPEC && fam4 && !fam6 ?
		    AF_INET : c->family;
		la.socktype = SOCK_DGRAM;
		la.udp_reuse = c->ngroups > 0;
		if ((r->fd = sock_listen(&la, err)) == -1)
			return (-1);
		udp_recv_rcvbuf(r->fd);
	}
	if (log_verbosity >= 2)
		udp_recv_detail_on(r);
	for (i = 0; i < c->ngroups; i++)
		if (sock_join_group(r->fd, &c->groups[i], err) == -1)
			return (-1);
	if (c->port_file != NULL &&
	    sock_write_port_file(c->port_file, r->fd, err) == -1)
		return (-1);
	sock_report_listening(r->fd);
	if ((r->bufs = malloc((size_t)r->nbatch * r->slot)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	return (0);
}

/* The poll loop: datagrams, --reply's stdin, signals and -w. */
static enum udp_result
udp_recv_loop(struct udp_receiver *r, struct buf *in, struct sk_err *err)
{
	struct pollfd	 pfd[3];
	long long	 deadline, timeout = r->c->timeout, before;
	int		 nfd, rv, stdin_eof, in_i, sig_i;
	const int	 sock_i = 0;

	stdin_eof = !r->c->reply;
	deadline = timeout >= 0 ? clock_ms() + timeout : -1;
	for (;;) {
		nfd = 0;
		in_i = sig_i = -1;
		pfd[nfd].fd = r->fd;
		pfd[nfd++].events = POLLIN;
		if (!stdin_eof) {
			pfd[nfd].fd = STDIN_FILENO;
			pfd[nfd].events = POLLIN;
			in_i = nfd++;
		}
		if (r->sigfd != -1) {
			pfd[nfd].fd = r->sigfd;
			pfd[nfd].events = POLLIN;
			sig_i = nfd++;
		}
		/* The trace is written before a wait, not left behind it. */
		trace_flush(r->c->tracer);
		rv = poll(pfd, (nfds_t)nfd, clock_poll_timeout(deadline));
		if (rv == -1 && errno == EINTR)
			continue;
		if (rv == -1) {
			err_set(err, "poll: %s", strerror(errno));
			return (UDP_ERROR);
		}
		if (rv == 0) {
			err_set(err, "no datagram within %lld ms", timeout);
			return (UDP_ERROR);
		}
		if (sig_i != -1 && pfd[sig_i].revents != 0)
			return (udp_flush_out(&r->out, &r->closed, err) == -1 ?
			    UDP_ERROR : UDP_OK);
		if (in_i != -1 && pfd[in_i].revents != 0 &&
		    udp_reply_lines(r, in, &stdin_eof, err) == -1)
			return (UDP_ERROR);
		if (pfd[sock_i].revents == 0)
			continue;
		before = r->received;
		if (udp_recv_batch(r, err) == -1)
			return (UDP_ERROR);
		/* Datagrams the acl refused do not count as arrivals. */
		if (timeout >= 0 && r->received > before)
			deadline = clock_ms() + timeout;
		if (udp_flush_out(&r->out, &r->closed, err) == -1)
			return (UDP_ERROR);
		if (r->closed ||
		    (r->c->count > 0 && r->received >= r->c->count))
			return (UDP_OK);
	}
}

enum udp_result
udp_recv_run(const struct udp_recv_conf *c, struct sk_err *err)
{
	struct udp_receiver *r;
	struct buf	 in = { 0 };
	enum udp_result	 res = UDP_ERROR;

	/* Large: a batch of headers and control buffers. */
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		err_set(err, "out of memory");
		return (UDP_ERROR);
	}
	r->c = c;
	r->fd = r->sigfd = -1;
	if (udp_recv_open(r, c, err) == 0) {
		r->tc = traceopt_udp(c->tracer, TRACE_NOID, r->fd, 1);
		res = udp_recv_loop(r, &in, err);
	}
	trace_conn_close(r->tc);
	buf_free(&r->out);
	buf_free(&in);
	fmt_records_free(&r->replies);
	free(r->bufs);
	if (r->fd != -1)
		close(r->fd);
	if (r->created)
		(void)unlink(c->unix_path);
	if (r->sigfd != -1)
		close(r->sigfd);
	free(r);
	return (res);
}
