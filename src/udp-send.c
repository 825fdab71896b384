/*
 * The udp-send engine.  Datagrams keep their boundaries: MESSAGE arguments
 * make one datagram, stdin is cut into records (fmt_split_records) and no
 * record larger than UDP allows is ever sent, or cut.  Records go out in
 * batches, one sendmmsg per batch, and with -r the replies are printed
 * until -w passes without one.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "addr.h"
#include "fmt.h"
#include "log.h"
#include "sock.h"
#include "trace.h"
#include "trace-opt.h"
#include "udp.h"

#define STDIN_BLOCK	(1024 * 1024)
#define PKT_PIPESZ	(1024 * 1024)	/* 256 packets: default pipe-max-size */
/*
 * The send buffer a Unix sender asks for (the kernel doubles it): a Unix
 * datagram may be as large as the buffer, less the kernel's 32 bytes.
 * Larger buffers would promise datagrams the kernel cannot allocate.
 */
#define UNIX_SNDBUF	(1024 * 1024)
#define UNIX_SNDBUF_SLACK 32

struct udp_sender {
	int		 fd;
	struct sockaddr_storage to;	/* for sendto when not connected */
	socklen_t	 tolen;
	size_t		 limit;
	int		 is_unix;	/* -U: the limit is the socket's */
	char		 dest[NI_MAXHOST + 16];	/* "127.0.0.1 port 9" */
	long long	 interval;
	int		 sent_any;	/* --interval: sleep before the next */
	int		 refused;	/* the destination refused; said once */
	struct mmsghdr	 msgs[UDP_BATCH];
	struct iovec	 iov[UDP_BATCH];
	unsigned int	 n;
	unsigned long long ndgrams;
	unsigned long long nbytes;
	struct tracer	*tracer;
	struct trace_conn *tc;		/* traced: to and from peer */
	struct sockaddr_storage peer;
	socklen_t	 peerlen;
};

/* Datagram i of the batch has left: every sent datagram passes here. */
static void
udp_sender_sent(struct udp_sender *s, unsigned int i)
{
	s->ndgrams++;
	s->nbytes += s->iov[i].iov_len;
	trace_dgram(s->tc, TRACE_OUT, s->iov[i].iov_base, s->iov[i].iov_len,
	    (struct sockaddr *)&s->peer, s->peerlen, NULL);
}

/* The line for a datagram of len bytes that does not fit. */
static void
udp_size_error(const struct udp_sender *s, size_t len, struct sk_err *err)
{
	err_set(err, "datagram of %zu bytes is larger than the %s limit of "
	    "%zu bytes for %s; %s", len, s->is_unix ? "socket's" : "UDP",
	    s->limit, s->is_unix ? s->dest :
	    s->limit == UDP_MAX4 ? "IPv4" : "IPv6",
	    s->ndgrams > 0 ? "it and the rest were not sent" :
	    "nothing sent");
}

/* Sends the queued batch; -1 on an error that ends the command. */
static int
udp_sender_flush(struct udp_sender *s, struct sk_err *err)
{
	unsigned int	 done = 0;
	int		 r, retried = 0;

	while (done < s->n) {
		r = sendmmsg(s->fd, s->msgs + done, s->n - done, 0);
		if (r > 0) {
			for (; r > 0; r--, done++)
				udp_sender_sent(s, done);
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
			retried = 1;
			continue;
		}
		if (errno == EMSGSIZE) {
			/* The socket's limit was lower than it said. */
			udp_size_error(s, s->iov[done].iov_len, err);
			return (-1);
		}
		if (retried) {
			/* The error stands for this datagram too: skip it. */
			done++;
			retried = 0;
			continue;
		}
		err_set(err, "send to %s: %s", s->dest, strerror(errno));
		return (-1);
	}
	s->n = 0;
	/* With --interval the trace keeps up with the datagrams. */
	if (s->tc != NULL && s->interval >= 0)
		trace_flush(s->tracer);
	return (0);
}

/* Queues one datagram; the batch goes out when full or per --interval. */
static int
udp_sender_add(struct udp_sender *s, const char *p, size_t len,
    struct sk_err *err)
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
	if (s->n == UDP_BATCH || s->interval >= 0)
		return (udp_sender_flush(s, err));
	return (0);
}

/* A datagram of len bytes must fit whole: -1 with the message if not. */
static int
udp_check_size(const struct udp_sender *s, size_t len, struct sk_err *err)
{
	if (len <= s->limit)
		return (0);
	udp_size_error(s, len, err);
	return (-1);
}

/*
 * The largest datagram for the destination: IPv6 carries its header
 * apart from the 65535 bytes, IPv4 (a v4-mapped address included) not.
 */
static size_t
udp_send_limit(const struct sockaddr_storage *to)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)to;

	if (to->ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return (UDP_MAX6);
	return (UDP_MAX4);
}

/*
 * Counts the stdin bytes not read yet, up to the next newline or to EOF,
 * to name the size of a record too large to send.
 */
static size_t
udp_stdin_rest(int to_newline)
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
		if (to_newline &&
		    (nl = memchr(sink, '\n', (size_t)n)) != NULL)
			return (total + (size_t)(nl - sink));
		total += (size_t)n;
	}
	return (total);
}

/*
 * After a blocking read, takes what else stdin already holds, without
 * waiting and without setting O_NONBLOCK on a file description that other
 * processes share (RWF_NOWAIT), until a batch of records is complete.  A
 * packet stream (a packet-mode pipe, a datagram or seqpacket socket)
 * returns one record per read, so this is what lets its records go out a
 * batch per sendmmsg instead of one per read.  Each read still has a whole
 * block of room, so a packet is never cut.  Clears *nowait for an fd that
 * cannot do it (a terminal); sets *eof at EOF.  -1 on a read error.
 */
static int
udp_read_ready(struct buf *in, const struct fmt_splitter *sp, int *nowait,
    int *eof)
{
	struct iovec	 iov;
	size_t		 ready;
	ssize_t		 n;
	int		 reads;

	ready = fmt_count_records(sp, in->p, in->len, 0, UDP_BATCH);
	for (reads = 1; ready < UDP_BATCH && reads < UDP_BATCH && *nowait;
	    reads++) {
		if (buf_reserve(in, STDIN_BLOCK) == -1) {
			errno = ENOMEM;
			return (-1);
		}
		iov.iov_base = in->p + in->len;
		iov.iov_len = in->cap - in->len;
		n = preadv2(STDIN_FILENO, &iov, 1, -1, RWF_NOWAIT);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			if (errno == EOPNOTSUPP || errno == EINVAL ||
			    errno == ESPIPE || errno == ENOSYS) {
				*nowait = 0;
				break;
			}
			return (-1);
		}
		if (n == 0) {
			*eof = 1;
			break;
		}
		in->len += (size_t)n;
		ready += fmt_count_records(sp, in->p, in->len,
		    in->len - (size_t)n, UDP_BATCH);
	}
	return (0);
}

/*
 * Sends the complete records of in (all of it at EOF), -c times each,
 * and keeps the incomplete rest.  Every record is checked before any is
 * sent, so a record too large stops the run before its block goes out.
 */
static int
udp_send_block(struct udp_sender *s, const struct udp_send_conf *c,
    struct buf *in, int eof, struct fmt_records *recs, struct sk_err *err)
{
	size_t		 i, rest;
	long long	 rep;

	if (fmt_split_records(&c->split, in->p, in->len, eof, recs) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	for (i = 0; i < recs->n; i++)
		if (udp_check_size(s, recs->v[i].len, err) == -1)
			return (-1);
	if (!eof && recs->n == 0 && in->len > s->limit) {
		/* A record that cannot fit: measure it to its end. */
		rest = c->split.mode == FMT_SPLIT_CHUNK ? 0 :
		    udp_stdin_rest(1);
		return (udp_check_size(s, in->len + rest, err));
	}
	for (rep = 0; rep < c->count; rep++)
		for (i = 0; i < recs->n; i++)
			if (udp_sender_add(s, in->p + recs->v[i].off,
			    recs->v[i].len, err) == -1)
				return (-1);
	if (udp_sender_flush(s, err) == -1)
		return (-1);
	memmove(in->p, in->p + recs->used, in->len - recs->used);
	in->len -= recs->used;
	return (0);
}

/*
 * A pipe holds 16 writes by default, however small they are: a
 * packet-mode writer would stop after 16 records while a batch is being
 * sent.  Room for a few batches lets it write on meanwhile.  The read end
 * cannot tell whether the writer uses packet mode, so any smaller pipe
 * grows (never shrinks).  Best effort: pipe-max-size and
 * pipe-user-pages-soft may say no.
 */
static void
udp_grow_stdin_pipe(void)
{
	int	psz;

	if ((psz = fcntl(STDIN_FILENO, F_GETPIPE_SZ)) != -1 &&
	    psz < PKT_PIPESZ)
		(void)fcntl(STDIN_FILENO, F_SETPIPE_SZ, PKT_PIPESZ);
}

/* Streams stdin a block at a time; --whole and -c N need all of it. */
static int
udp_send_stdin(struct udp_sender *s, const struct udp_send_conf *c,
    struct sk_err *err)
{
	struct buf		 in = { 0 };
	struct fmt_records	 recs = { 0 };
	ssize_t			 n;
	int			 eof = 0, rv = -1, nowait = 1, all;

	all = c->split.mode == FMT_SPLIT_WHOLE || c->count > 1;
	udp_grow_stdin_pipe();
	while (!eof) {
		if (buf_reserve(&in, STDIN_BLOCK) == -1) {
			err_set(err, "out of memory");
			goto out;
		}
		n = read(STDIN_FILENO, in.p + in.len, in.cap - in.len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0)
			eof = 1;
		else if (n > 0)
			in.len += (size_t)n;
		if (n == -1 || (n > 0 && !all &&
		    udp_read_ready(&in, &c->split, &nowait, &eof) == -1)) {
			err_set(err, "read from stdin: %s", strerror(errno));
			goto out;
		}
		if (all && !eof) {
			/* Too large already: count the rest for its size. */
			if (c->split.mode == FMT_SPLIT_WHOLE &&
			    in.len > s->limit) {
				(void)udp_check_size(s, in.len +
				    udp_stdin_rest(0), err);
				goto out;
			}
			continue;
		}
		if (udp_send_block(s, c, &in, eof, &recs, err) == -1)
			goto out;
	}
	rv = 0;
out:
	buf_free(&in);
	fmt_records_free(&recs);
	return (rv);
}

/* The MESSAGE arguments, joined by spaces, are one datagram. */
static int
udp_send_args(struct udp_sender *s, const struct udp_send_conf *c,
    struct sk_err *err)
{
	struct buf	 msg = { 0 };
	long long	 i;
	int		 rv = -1;

	for (i = 0; i < c->msgc; i++)
		if ((i > 0 && buf_addc(&msg, ' ') == -1) ||
		    buf_adds(&msg, c->msgv[i]) == -1) {
			err_set(err, "out of memory");
			goto out;
		}
	if (udp_check_size(s, msg.len, err) == -1)
		goto out;
	for (i = 0; i < c->count; i++)
		if (udp_sender_add(s, msg.p != NULL ? msg.p : "", msg.len,
		    err) == -1)
			goto out;
	rv = udp_sender_flush(s, err);
out:
	buf_free(&msg);
	return (rv);
}

/* Prints replies, each on a line, until timeout_ms passes with none. */
static int
udp_wait_replies(int fd, size_t bufsz, long long timeout_ms,
    struct tracer *tracer, struct trace_conn *tc, struct sk_err *err)
{
	struct buf	 out = { 0 };
	struct sockaddr_storage from;
	struct pollfd	 pfd;
	socklen_t	 fromlen;
	char		*dg;
	ssize_t		 n;
	int		 got = 0, r, closed = 0, rv = -1;

	if ((dg = malloc(bufsz)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	while (!closed) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		r = poll(&pfd, 1, timeout_ms > INT_MAX ? INT_MAX :
		    (int)timeout_ms);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		while ((fromlen = sizeof(from)), (n = recvfrom(fd, dg, bufsz,
		    MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
		    &fromlen)) >= 0) {
			if ((size_t)n > bufsz)
				log_err("reply of %zd bytes cut to %zu", n,
				    bufsz);
			got++;
			trace_dgram(tc, TRACE_IN, dg, (size_t)n > bufsz ?
			    bufsz : (size_t)n, (struct sockaddr *)&from,
			    fromlen, NULL);
			if (buf_add(&out, dg, (size_t)n > bufsz ? bufsz :
			    (size_t)n) == -1 || buf_addc(&out, '\n') == -1) {
				err_set(err, "out of memory");
				goto out;
			}
		}
		if (errno == ECONNREFUSED) {
			err_set(err, "no reply: %s", strerror(errno));
			goto out;
		}
		trace_flush(tracer);
		if (udp_flush_out(&out, &closed, err) == -1)
			goto out;
	}
	log_verbose(1, "received %d %s", got, got == 1 ? "reply" : "replies");
	if (got == 0)
		err_set(err, "no reply within %lld ms", timeout_ms);
	else
		rv = 0;
out:
	buf_free(&out);
	free(dg);
	return (rv);
}

/*
 * Connects the socket (so that ICMP errors are reported) and sets TTL
 * and the multicast interface.  Replies to a broadcast or multicast come
 * from other addresses, which a connected socket would drop: there the
 * association is dissolved again and each send names the destination.
 */
static int
udp_send_open(struct udp_sender *s, const struct udp_send_conf *c,
    struct sk_err *err)
{
	struct sock_connect_args ca;
	struct sock_name peer;
	struct sockaddr	 unspec;
	int		 mcast;

	memset(&ca, 0, sizeof(ca));
	ca.host = c->host;
	ca.port = c->port;
	ca.family = c->family;
	ca.socktype = SOCK_DGRAM;
	ca.src = c->source;
	ca.srcport = c->source_port;
	ca.timeout_ms = -1;
	ca.broadcast = c->broadcast;
	if ((s->fd = sock_connect(&ca, &peer, err)) == -1)
		return (-1);
	(void)snprintf(s->dest, sizeof(s->dest), "%s port %d", peer.host,
	    peer.port);
	s->tolen = sizeof(s->to);
	if (getpeername(s->fd, (struct sockaddr *)&s->to, &s->tolen) == -1) {
		err_set(err, "getpeername: %s", strerror(errno));
		return (-1);
	}
	s->limit = udp_send_limit(&s->to);
	mcast = sock_is_multicast((struct sockaddr *)&s->to);
	if (c->ttl >= 0 &&
	    sock_set_ttl(s->fd, s->to.ss_family, c->ttl, err) == -1)
		return (-1);
	if (mcast && s->to.ss_family == AF_INET &&
	    sock_set_mcast_if(s->fd, c->source, err) == -1)
		return (-1);
	if (c->broadcast || mcast) {
		memset(&unspec, 0, sizeof(unspec));
		unspec.sa_family = AF_UNSPEC;
		if (connect(s->fd, &unspec, sizeof(unspec)) == -1) {
			err_set(err, "connect: %s", strerror(errno));
			return (-1);
		}
	} else
		s->tolen = 0;
	log_verbose(2, "sending to %s", s->dest);
	return (0);
}

/*
 * -U: sends from an autobound abstract address (binding just the family
 * makes the kernel pick a unique "@" name), so replies can come back
 * without a file to create or remove.  The send buffer is raised, which
 * raises the socket's datagram limit; connect() makes a missing receiver
 * an error now, not at the first send.
 */
static int
udp_send_open_unix(struct udp_sender *s, const char *path,
    struct sk_err *err)
{
	struct sockaddr_un sun;
	sa_family_t	 fam = AF_UNIX;
	socklen_t	 len, sl;
	struct sk_err	 why;
	int		 sz, rv;

	if (addr_parse_unix(path, &sun, &len, &why) == -1) {
		err_set(err, "invalid socket path '%s': %s", path, why.msg);
		return (-1);
	}
	s->is_unix = 1;
	(void)strlcpy(s->dest, path, sizeof(s->dest));
	if ((s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		err_set(err, "socket: %s", strerror(errno));
		return (-1);
	}
	if (bind(s->fd, (struct sockaddr *)&fam, sizeof(fam)) == -1) {
		err_set(err, "bind (autobind): %s", strerror(errno));
		return (-1);
	}
	sz = UNIX_SNDBUF;
	if (setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz,
	    sizeof(sz)) == -1)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz));
	sl = sizeof(sz);
	if (getsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &sz, &sl) == -1) {
		err_set(err, "getsockopt: %s", strerror(errno));
		return (-1);
	}
	s->limit = sz > UNIX_SNDBUF_SLACK ? (size_t)sz - UNIX_SNDBUF_SLACK :
	    0;
	while ((rv = connect(s->fd, (struct sockaddr *)&sun, len)) == -1 &&
	    errno == EINTR)
		continue;
	if (rv == -1) {
		err_set(err, "connect to %s: %s", path, strerror(errno));
		return (-1);
	}
	log_verbose(2, "sending to %s, datagrams up to %zu bytes", path,
	    s->limit);
	return (0);
}

/*
 * The trace of the socket: its peer is the destination (the one a
 * disconnected socket names in each send, else the connected one).
 */
static void
udp_send_trace(struct udp_sender *s, struct tracer *tr)
{
	s->tracer = tr;
	if (tr == NULL)
		return;
	s->peerlen = sizeof(s->peer);
	if (s->tolen > 0) {
		memcpy(&s->peer, &s->to, sizeof(s->peer));
		s->peerlen = s->tolen;
	} else if (getpeername(s->fd, (struct sockaddr *)&s->peer,
	    &s->peerlen) == -1)
		s->peerlen = 0;
	s->tc = traceopt_udp(tr, TRACE_NOID, s->fd, 0);
}

/*
 * A refusal for the last batch may already be queued on the socket;
 * it is said rather than exit 0 for datagrams nobody received.
 */
static void
udp_send_check_refused(struct udp_sender *s)
{
	socklen_t	sl;
	int		soerr = 0;

	if (s->refused)
		return;
	sl = sizeof(soerr);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 &&
	    soerr != 0) {
		log_err("send to %s: %s", s->dest, strerror(soerr));
		s->refused = 1;
	}
}

enum udp_result
udp_send_run(const struct udp_send_conf *c, struct sk_err *err)
{
	struct udp_sender	*s;
	enum udp_result		 res = UDP_ERROR;
	int			 rv;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		err_set(err, "out of memory");
		return (UDP_ERROR);
	}
	s->fd = -1;
	s->interval = c->interval;
	if ((c->unix_path != NULL ? udp_send_open_unix(s, c->unix_path,
	    err) : udp_send_open(s, c, err)) == -1)
		goto out;
	udp_send_trace(s, c->tracer);
	if (c->msgc > 0)
		rv = udp_send_args(s, c, err);
	else
		rv = udp_send_stdin(s, c, err);
	if (rv == -1)
		goto out;
	udp_send_check_refused(s);
	log_verbose(1, "sent %llu %s, %llu bytes to %s", s->ndgrams,
	    s->ndgrams == 1 ? "datagram" : "datagrams", s->nbytes, s->dest);
	res = s->refused ? UDP_REFUSED : UDP_OK;
	/* A refused destination will not reply: do not wait for it. */
	if (c->wait_reply && !s->refused &&
	    udp_wait_replies(s->fd, s->limit > UDP_BUFSZ ? s->limit :
	    UDP_BUFSZ, c->timeout, s->tracer, s->tc, err) == -1)
		res = UDP_ERROR;
out:
	trace_conn_close(s->tc);
	if (s->fd != -1)
		close(s->fd);
	free(s);
	return (res);
}
