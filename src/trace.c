/*
 * Writing --trace, --hexdump and --pcap: the files, their buffers and the
 * per-connection and per-UDP-peer state that the pure formatters (tracefmt.c)
 * and packet builders (pcap.c) need; see trace.h for what the caller sees.
 * The rule that shapes it: tracing may slow a session down but never ends
 * it, never loses its data, and never holds more than a bounded amount of
 * memory, so every failure here stops one trace file and nothing else.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "pcap.h"
#include "trace.h"
#include "tracefmt.h"

/* Records gathered into one writev(): a header and a payload each. */
#define TRACE_BATCH	16

/* Loopback ports standing in for Unix sockets in pcap: 40000+k, 50000+k. */
#define TRACE_SUBST_PORT	40000
#define TRACE_SUBST_SPAN	10000

struct trace_sink {
	const char	*name;		/* as given; "-" is stderr */
	int		 fd;
	int		 own;		/* we opened fd: we close it */
	int		 dead;		/* a write failed: stopped */
	struct buf	 b;
};

/* A TCP connection, or one peer of a UDP socket (a key and LRU). */
struct trace_flow {
	struct pcap_flow	 pf;
	long			 id;
	unsigned long long	 off[2];	/* per direction */
	struct sockaddr_storage	 key;		/* normalized peer */
	socklen_t		 keylen;
	TAILQ_ENTRY(trace_flow)	 lru;		/* most recent first */
	LIST_ENTRY(trace_flow)	 hash;
};

TAILQ_HEAD(trace_lru, trace_flow);
LIST_HEAD(trace_bucket, trace_flow);

/*
 * udp: a socket whose peers are flows in lru and buckets[TRACE_FLOWS_MAX]
 * (numbered from nextid when many is set); else tcp is the one flow.
 */
struct trace_conn {
	struct tracer		*tr;
	LIST_ENTRY(trace_conn)	 entry;
	int			 udp;
	int			 many;
	long			 id;
	long			 nextid;
	struct sockaddr_storage	 local;
	socklen_t		 llen;
	struct trace_flow	 tcp;
	struct trace_lru	 lru;
	struct trace_bucket	*buckets;
	size_t			 nflows;
};

/* text, hex and pcap point into sink[] (text and hex may share one). */
struct tracer {
	struct trace_sink	 sink[3];
	struct trace_sink	*text, *hex, *pcap;
	trace_errfn		*errfn;
	void			*arg;
	unsigned long		 nsubst;	/* loopback pairs used */
	int			 forked;	/* files shared with siblings */
	struct buf		 line;		/* event line scratch */
	LIST_HEAD(, trace_conn)	 conns;
};

/* Reports the failure of one file, once, and stops writing it. */
static void
trace_fail(struct tracer *tr, struct trace_sink *s, int error)
{
	struct sk_err	e;

	if (s->dead)
		return;
	s->dead = 1;
	buf_free(&s->b);
	err_set(&e, "trace %s: %s", s->name, strerror(error));
	if (tr->errfn != NULL)
		tr->errfn(tr->arg, &e);
	else
		log_err("%s", e.msg);
}

/*
 * Around a write in a forked handler (listen -k -e): its siblings write
 * the same files, and a pipe (a FIFO, stderr) takes a write of more than
 * PIPE_BUF bytes in pieces that theirs would cut into.  A POSIX lock is
 * per process, so it holds between processes sharing one open file, and
 * it works on pipes.  Where it cannot be had, the write goes on without.
 */
static void
trace_lock(struct tracer *tr, struct trace_sink *s, int type)
{
	struct flock	fl;

	if (!tr->forked)
		return;
	memset(&fl, 0, sizeof(fl));
	fl.l_type = (short)type;
	fl.l_whence = SEEK_SET;
	while (fcntl(s->fd, F_SETLKW, &fl) == -1 && errno == EINTR)
		;
}

/* Writes all of iov (which it consumes), retrying after EINTR. */
static void
trace_writev(struct tracer *tr, struct trace_sink *s, struct iovec *iov,
    int iovcnt)
{
	ssize_t	n;

	trace_lock(tr, s, F_WRLCK);
	while (iovcnt > 0 && !s->dead) {
		if (iov->iov_len == 0) {
			iov++;
			iovcnt--;
			continue;
		}
		if ((n = writev(s->fd, iov, iovcnt)) == -1) {
			if (errno != EINTR)
				trace_fail(tr, s, errno);
			continue;
		}
		while (n > 0 && (size_t)n >= iov->iov_len) {
			n -= iov->iov_len;
			iov++;
			iovcnt--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + n;
			iov->iov_len -= n;
		}
	}
	trace_lock(tr, s, F_UNLCK);
}

static void
trace_sink_flush(struct tracer *tr, struct trace_sink *s)
{
	struct iovec	iov;

	if (s == NULL || s->dead || s->b.len == 0)
		return;
	iov.iov_base = s->b.p;
	iov.iov_len = s->b.len;
	trace_writev(tr, s, &iov, 1);
	s->b.len = 0;
}

/* After text was added to s->b: write it once it is big enough. */
static void
trace_sink_check(struct tracer *tr, struct trace_sink *s, int rc)
{
	if (rc == -1)
		trace_fail(tr, s, ENOMEM);
	else if (s->b.len >= TRACE_BUFMAX)
		trace_sink_flush(tr, s);
}

static int
trace_live(const struct trace_sink *s)
{
	return (s != NULL && !s->dead);
}

static void
trace_now(const struct timeval *tv, struct timeval *out)
{
	if (tv != NULL)
		*out = *tv;
	else if (gettimeofday(out, NULL) == -1)
		memset(out, 0, sizeof(*out));
}

/*
 * pcap records, at most TRACE_BATCH, whose payloads are the caller's and
 * valid only now: small ones are copied into the buffer, and any large
 * one sends the buffer and all of them in one writev().
 */
static void
trace_pcap_put(struct tracer *tr, const struct pcap_rec *r, size_t n)
{
	struct trace_sink	*s = tr->pcap;
	struct iovec		 iov[1 + 2 * TRACE_BATCH];
	size_t			 i;
	int			 k = 0, big = 0, rc = 0;

	if (!trace_live(s))
		return;
	for (i = 0; i < n; i++)
		if (r[i].datalen > TRACE_COPYMAX)
			big = 1;
	if (!big) {
		for (i = 0; i < n && rc == 0; i++) {
			rc = buf_add(&s->b, r[i].hdr, r[i].hdrlen);
			if (rc == 0 && r[i].datalen > 0)
				rc = buf_add(&s->b, r[i].data, r[i].datalen);
		}
		trace_sink_check(tr, s, rc);
		return;
	}
	iov[k].iov_base = s->b.p;
	iov[k++].iov_len = s->b.len;
	for (i = 0; i < n; i++) {
		iov[k].iov_base = (void *)(uintptr_t)r[i].hdr;
		iov[k++].iov_len = r[i].hdrlen;
		iov[k].iov_base = (void *)(uintptr_t)r[i].data;
		iov[k++].iov_len = r[i].datalen;
	}
	trace_writev(tr, s, iov, k);
	s->b.len = 0;
}

/*
 * The start of an event line or chunk header: time and, if any, the id.
 * Left in tr->line.
 */
static int
trace_prefix(struct tracer *tr, const struct timeval *tv, long id)
{
	tr->line.len = 0;
	if (tracefmt_time(&tr->line, tv) == -1)
		return (-1);
	if (id >= 0 && buf_printf(&tr->line, " #%ld", id) == -1)
		return (-1);
	return (0);
}

/* Adds tr->line to the text file(s). */
static void
trace_line_out(struct tracer *tr)
{
	if (trace_live(tr->text))
		trace_sink_check(tr, tr->text,
		    buf_add(&tr->text->b, tr->line.p, tr->line.len));
	if (tr->hex != tr->text && trace_live(tr->hex))
		trace_sink_check(tr, tr->hex,
		    buf_add(&tr->hex->b, tr->line.p, tr->line.len));
}

/* An event line "TIME[ #ID] WHAT\n"; WHAT has no newline. */
static void
trace_event(struct tracer *tr, const struct timeval *tv, long id,
    const char *what)
{
	if (!trace_live(tr->text) && !trace_live(tr->hex))
		return;
	if (trace_prefix(tr, tv, id) == -1 ||
	    buf_printf(&tr->line, " %s\n", what) == -1)
		return;
	trace_line_out(tr);
}

/* An address for the "open" line; Unix names escaped as in --trace. */
static int
trace_addr(struct buf *b, const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_un	*sun = (const struct sockaddr_un *)sa;
	char				 host[INET6_ADDRSTRLEN];
	size_t				 plen, i;
	unsigned char			 c;

	if (sa->sa_family == AF_INET && len >= sizeof(*sin) &&
	    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host)) != NULL)
		return (buf_printf(b, "%s port %u", host,
		    ntohs(sin->sin_port)));
	if (sa->sa_family == AF_INET6 && len >= sizeof(*s6) &&
	    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host)) != NULL)
		return (buf_printf(b, "%s port %u", host,
		    ntohs(s6->sin6_port)));
	if (sa->sa_family != AF_UNIX)
		return (buf_adds(b, "?"));
	plen = len > offsetof(struct sockaddr_un, sun_path) ?
	    len - offsetof(struct sockaddr_un, sun_path) : 0;
	if (plen == 0)
		return (buf_adds(b, "(unnamed)"));
	/* An abstract name is all of its bytes; a path ends at its NUL. */
	if (sun->sun_path[0] == '\0') {
		if (buf_addc(b, '@') == -1)
			return (-1);
		i = 1;
	} else {
		i = 0;
		plen = strnlen(sun->sun_path, plen);
	}
	for (; i < plen; i++) {
		c = (unsigned char)sun->sun_path[i];
		if (c > 0x20 && c < 0x7f && c != '\\') {
			if (buf_addc(b, c) == -1)
				return (-1);
		} else if (buf_printf(b, "\\x%02x", c) == -1)
			return (-1);
	}
	return (0);
}

/* "TIME[ #ID] open LOCAL > PEER" */
static void
trace_open_line(struct tracer *tr, const struct timeval *tv, long id,
    const struct sockaddr *local, socklen_t llen, const struct sockaddr *peer,
    socklen_t plen)
{
	if (!trace_live(tr->text) && !trace_live(tr->hex))
		return;
	if (trace_prefix(tr, tv, id) == -1 ||
	    buf_adds(&tr->line, " open ") == -1 ||
	    trace_addr(&tr->line, local, llen) == -1 ||
	    buf_adds(&tr->line, " > ") == -1 ||
	    trace_addr(&tr->line, peer, plen) == -1 ||
	    buf_addc(&tr->line, '\n') == -1)
		return;
	trace_line_out(tr);
}

/*
 * One address as a key and for pcap: only family, address and port (or
 * the Unix name), IPv4-mapped IPv6 as IPv4, the rest zero.
 */
static void
trace_norm(const struct sockaddr *sa, socklen_t len,
    struct sockaddr_storage *ss, socklen_t *sslen)
{
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in		*o4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6		*o6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	*sslen = 0;
	if (sa == NULL || len < sizeof(sa_family_t))
		return;
	if (sa->sa_family == AF_INET && len >= sizeof(*o4)) {
		memcpy(o4, sa, sizeof(*o4));
		memset(o4->sin_zero, 0, sizeof(o4->sin_zero));
		*sslen = sizeof(*o4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(*o6) &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		o4->sin_family = AF_INET;
		o4->sin_port = s6->sin6_port;
		memcpy(&o4->sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		*sslen = sizeof(*o4);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(*o6)) {
		o6->sin6_family = AF_INET6;
		o6->sin6_port = s6->sin6_port;
		o6->sin6_addr = s6->sin6_addr;
		o6->sin6_scope_id = s6->sin6_scope_id;
		*sslen = sizeof(*o6);
	} else if (sa->sa_family == AF_UNIX) {
		*sslen = len < sizeof(struct sockaddr_un) ? len :
		    sizeof(struct sockaddr_un);
		memcpy(ss, sa, *sslen);
	}
}

static void
trace_loopback(struct sockaddr_in *sin, unsigned port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin->sin_port = htons(port);
}

/*
 * The pcap flow of a connection or UDP peer: the real addresses when both
 * are IP of one family (a wildcard local address takes the peer's family),
 * else a loopback pair of its own.
 */
static void
trace_flow_init(struct tracer *tr, struct trace_flow *f, int proto,
    const struct sockaddr_storage *local, const struct sockaddr_storage *peer)
{
	struct sockaddr_storage	 l = *local;
	struct sockaddr_in	*l4 = (struct sockaddr_in *)&l, sub[2];
	struct sockaddr_in6	*l6 = (struct sockaddr_in6 *)&l;
	unsigned		 k;
	in_port_t		 port;

	if (l.ss_family == AF_INET6 && peer->ss_family == AF_INET &&
	    IN6_IS_ADDR_UNSPECIFIED(&l6->sin6_addr)) {
		port = l6->sin6_port;
		memset(&l, 0, sizeof(l));
		l4->sin_family = AF_INET;
		l4->sin_port = port;
	}
	if (pcap_flow_init(&f->pf, proto, (struct sockaddr *)&l,
	    (const struct sockaddr *)peer) == 0)
		return;
	k = tr->nsubst++ % TRACE_SUBST_SPAN;
	trace_loopback(&sub[0], TRACE_SUBST_PORT + k);
	trace_loopback(&sub[1], TRACE_SUBST_PORT + TRACE_SUBST_SPAN + k);
	(void)pcap_flow_init(&f->pf, proto, (struct sockaddr *)&sub[0],
	    (struct sockaddr *)&sub[1]);
}

/* A chunk's header and body in --trace and --hexdump. */
static void
trace_text_chunk(struct tracer *tr, struct trace_flow *f, int dir,
    const void *p, size_t n, const struct timeval *tv)
{
	struct trace_sink	*s;
	int			 rc;

	if (trace_live(tr->text)) {
		s = tr->text;
		rc = tracefmt_header(&s->b, tv, dir, f->id, n);
		if (rc == 0)
			rc = tracefmt_text(&s->b, p, n);
		trace_sink_check(tr, s, rc);
	}
	if (trace_live(tr->hex)) {
		s = tr->hex;
		rc = tracefmt_header(&s->b, tv, dir, f->id, n);
		if (rc == 0)
			rc = tracefmt_hex(&s->b, f->off[dir], p, n);
		trace_sink_check(tr, s, rc);
	}
}

/* Opens one file; pcap files get or must have the global header. */
static int
trace_sink_open(struct trace_sink *s, const char *name, int pcap,
    struct sk_err *err)
{
	unsigned char	fh[PCAP_FILEHDR_LEN], old[PCAP_FILEHDR_LEN];
	struct stat	st;
	ssize_t		n;
	int		rfd;

	memset(s, 0, sizeof(*s));
	s->name = name;
	if (strcmp(name, "-") == 0 && !pcap) {
		s->fd = STDERR_FILENO;
		return (0);
	}
	if (strcmp(name, "-") == 0) {
		err_set(err, "trace -: a pcap file cannot go to stderr");
		return (-1);
	}
	if ((s->fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0644)) == -1) {
		err_set(err, "trace %s: %s", name, strerror(errno));
		return (-1);
	}
	s->own = 1;
	if (!pcap)
		return (0);
	pcap_file_header(fh);
	if (fstat(s->fd, &st) == -1) {
		err_set(err, "trace %s: %s", name, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return (buf_add(&s->b, fh, sizeof(fh)) == -1 ? -1 : 0);
	/* Appending to an earlier capture: it must be one like ours. */
	if ((rfd = open(name, O_RDONLY | O_CLOEXEC)) == -1) {
		err_set(err, "trace %s: %s", name, strerror(errno));
		return (-1);
	}
	n = pread(rfd, old, sizeof(old), 0);
	(void)close(rfd);
	if (n != (ssize_t)sizeof(old) || memcmp(old, fh, sizeof(fh)) != 0) {
		err_set(err, "trace %s: not a pcap file of raw IP packets "
		    "(LINKTYPE_RAW) to append to", name);
		return (-1);
	}
	return (0);
}

/*
 * Whether two open sinks are one file under two names ("x" and "./x", a
 * link, /dev/stderr and "-"): the names alone cannot tell.
 */
static int
trace_same_file(const struct trace_sink *a, const struct trace_sink *b)
{
	struct stat	sa, sb;

	if (fstat(a->fd, &sa) == -1 || fstat(b->fd, &sb) == -1)
		return (0);
	return (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

struct tracer *
trace_open(const char *text, const char *hex, const char *pcap,
    trace_errfn *errfn, void *arg, struct sk_err *err)
{
	struct tracer	*tr;
	int		 i;

	if ((tr = calloc(1, sizeof(*tr))) == NULL) {
		err_set(err, "trace: %s", strerror(errno));
		return (NULL);
	}
	for (i = 0; i < 3; i++)
		tr->sink[i].fd = -1;
	tr->errfn = errfn;
	tr->arg = arg;
	LIST_INIT(&tr->conns);
	if (pcap != NULL && ((text != NULL && strcmp(pcap, text) == 0) ||
	    (hex != NULL && strcmp(pcap, hex) == 0))) {
		err_set(err, "trace %s: one file for pcap and text", pcap);
		goto fail;
	}
	if (text != NULL) {
		if (trace_sink_open(&tr->sink[0], text, 0, err) == -1)
			goto fail;
		tr->text = &tr->sink[0];
	}
	/* Both text logs in one file (or both on stderr): one buffer. */
	if (hex != NULL && text != NULL && strcmp(hex, text) == 0)
		tr->hex = tr->text;
	else if (hex != NULL) {
		if (trace_sink_open(&tr->sink[1], hex, 0, err) == -1)
			goto fail;
		tr->hex = &tr->sink[1];
		/* One file by two names: one buffer, or chunks would part. */
		if (tr->text != NULL && trace_same_file(tr->text, tr->hex)) {
			if (tr->sink[1].own)
				(void)close(tr->sink[1].fd);
			tr->sink[1].own = 0;
			tr->sink[1].fd = -1;
			tr->hex = tr->text;
		}
	}
	if (pcap != NULL) {
		if (trace_sink_open(&tr->sink[2], pcap, 1, err) == -1)
			goto fail;
		tr->pcap = &tr->sink[2];
		/* Text in a capture would make it unreadable. */
		if ((tr->text != NULL && trace_same_file(tr->pcap,
		    tr->text)) || (tr->hex != NULL &&
		    trace_same_file(tr->pcap, tr->hex))) {
			err_set(err, "trace %s: --pcap cannot write to the "
			    "file of %s", pcap, tr->text != NULL &&
			    trace_same_file(tr->pcap, tr->text) ? "--trace" :
			    "--hexdump");
			goto fail;
		}
	}
	return (tr);
fail:
	for (i = 0; i < 3; i++) {
		if (tr->sink[i].own)
			(void)close(tr->sink[i].fd);
		buf_free(&tr->sink[i].b);
	}
	free(tr);
	return (NULL);
}

void
trace_flush(struct tracer *tr)
{
	int	i;

	if (tr == NULL)
		return;
	for (i = 0; i < 3; i++)
		trace_sink_flush(tr, &tr->sink[i]);
}

void
trace_fork(struct tracer *tr, long id)
{
	if (tr == NULL)
		return;
	tr->forked = 1;
	if (id >= 0)
		tr->nsubst = (unsigned long)id;
}

void
trace_close(struct tracer *tr)
{
	int	i;

	if (tr == NULL)
		return;
	while (!LIST_EMPTY(&tr->conns))
		trace_conn_close(LIST_FIRST(&tr->conns));
	trace_flush(tr);
	for (i = 0; i < 3; i++) {
		if (tr->sink[i].own && close(tr->sink[i].fd) == -1 &&
		    errno != EINTR)
			trace_fail(tr, &tr->sink[i], errno);
		buf_free(&tr->sink[i].b);
	}
	buf_free(&tr->line);
	free(tr);
}

static struct trace_conn *
trace_conn_new(struct tracer *tr, long id, const struct sockaddr *local,
    socklen_t llen)
{
	struct trace_conn	*tc;

	if ((tc = calloc(1, sizeof(*tc))) == NULL) {
		if (trace_live(tr->text))
			trace_fail(tr, tr->text, ENOMEM);
		if (trace_live(tr->hex))
			trace_fail(tr, tr->hex, ENOMEM);
		if (trace_live(tr->pcap))
			trace_fail(tr, tr->pcap, ENOMEM);
		return (NULL);
	}
	tc->tr = tr;
	tc->id = id;
	trace_norm(local, llen, &tc->local, &tc->llen);
	TAILQ_INIT(&tc->lru);
	LIST_INSERT_HEAD(&tr->conns, tc, entry);
	return (tc);
}

struct trace_conn *
trace_tcp_open(struct tracer *tr, long id, int opener,
    const struct sockaddr *local, socklen_t llen,
    const struct sockaddr *peer, socklen_t plen, const struct timeval *tv)
{
	struct trace_conn	*tc;
	struct sockaddr_storage	 p;
	struct pcap_rec		 r[3];
	struct timeval		 now;
	socklen_t		 pn;

	if (tr == NULL || (tc = trace_conn_new(tr, id, local, llen)) == NULL)
		return (NULL);
	trace_now(tv, &now);
	trace_norm(peer, plen, &p, &pn);
	tc->tcp.id = id;
	trace_flow_init(tr, &tc->tcp, IPPROTO_TCP, &tc->local, &p);
	/* Normalized: an IPv4 peer of an IPv6 socket as -v names it. */
	trace_open_line(tr, &now, id, (struct sockaddr *)&tc->local, tc->llen,
	    (struct sockaddr *)&p, pn);
	if (trace_live(tr->pcap))
		trace_pcap_put(tr, r, pcap_tcp_open(&tc->tcp.pf,
		    opener == TRACE_IN ? PCAP_IN : PCAP_OUT, &now, r));
	return (tc);
}

void
trace_chunk(struct trace_conn *tc, int dir, const void *p, size_t n,
    const struct timeval *tv)
{
	struct tracer		*tr;
	struct pcap_rec		 r[TRACE_BATCH];
	struct timeval		 now;
	const unsigned char	*q = p;
	size_t			 left = n, k;

	if (tc == NULL || tc->udp)
		return;
	tr = tc->tr;
	trace_now(tv, &now);
	trace_text_chunk(tr, &tc->tcp, dir, p, n, &now);
	tc->tcp.off[dir] += n;
	if (!trace_live(tr->pcap) || n == 0)
		return;
	while (left > 0) {
		for (k = 0; k < TRACE_BATCH && left > 0 &&
		    pcap_tcp_data(&tc->tcp.pf, dir, q, left, &now, &r[k]) == 1;
		    k++) {
			q += r[k].datalen;
			left -= r[k].datalen;
		}
		if (k == 0)		/* after a reset: nothing */
			break;
		trace_pcap_put(tr, r, k);
	}
	/* The receiver acknowledges at once, as its kernel would. */
	trace_pcap_put(tr, r, pcap_tcp_ack(&tc->tcp.pf, !dir, &now, r));
}

void
trace_fin(struct trace_conn *tc, int dir, const struct timeval *tv)
{
	struct pcap_rec	r[2];
	struct timeval	now;

	if (tc == NULL || tc->udp || tc->tcp.pf.fin[dir] || tc->tcp.pf.reset)
		return;
	trace_now(tv, &now);
	trace_event(tc->tr, &now, tc->id, dir == TRACE_OUT ? "> EOF" :
	    "< EOF");
	/* The FIN is sent once its sender's kernel saw the close. */
	trace_pcap_put(tc->tr, r, pcap_tcp_fin(&tc->tcp.pf, dir, &now, r));
}

void
trace_rst(struct trace_conn *tc, int dir, const struct timeval *tv)
{
	struct pcap_rec	r;
	struct timeval	now;

	if (tc == NULL || tc->udp || tc->tcp.pf.reset)
		return;
	trace_now(tv, &now);
	trace_event(tc->tr, &now, tc->id, dir == TRACE_OUT ? "> reset" :
	    "< reset");
	trace_pcap_put(tc->tr, &r, pcap_tcp_rst(&tc->tcp.pf, dir, &now, &r));
}

struct trace_conn *
trace_udp_open(struct tracer *tr, long id, const struct sockaddr *local,
    socklen_t llen, int many)
{
	struct trace_conn	*tc;
	size_t			 i;

	if (tr == NULL || (tc = trace_conn_new(tr, id, local, llen)) == NULL)
		return (NULL);
	tc->udp = 1;
	tc->many = many;
	tc->nextid = 1;
	if ((tc->buckets = reallocarray(NULL, TRACE_FLOWS_MAX,
	    sizeof(*tc->buckets))) == NULL) {
		trace_conn_close(tc);
		return (NULL);
	}
	for (i = 0; i < TRACE_FLOWS_MAX; i++)
		LIST_INIT(&tc->buckets[i]);
	return (tc);
}

/* FNV-1a of a normalized address. */
static size_t
trace_hash(const struct sockaddr_storage *ss, socklen_t len)
{
	const unsigned char	*p = (const unsigned char *)ss;
	uint32_t		 h = 2166136261u;
	socklen_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 16777619u;
	return (h % TRACE_FLOWS_MAX);
}

static void
trace_flow_drop(struct trace_conn *tc, struct trace_flow *f)
{
	TAILQ_REMOVE(&tc->lru, f, lru);
	LIST_REMOVE(f, hash);
	tc->nflows--;
	free(f);
}

/*
 * The flow of one UDP peer: found (and made most recent) or made, the
 * least recently used one making room.  NULL only without memory.
 */
static struct trace_flow *
trace_udp_flow(struct trace_conn *tc, const struct sockaddr *peer,
    socklen_t plen, const struct timeval *tv)
{
	struct sockaddr_storage	 key;
	struct trace_flow	*f;
	socklen_t		 klen;
	size_t			 h;

	trace_norm(peer, plen, &key, &klen);
	h = trace_hash(&key, klen);
	LIST_FOREACH(f, &tc->buckets[h], hash)
		if (f->keylen == klen && memcmp(&f->key, &key, klen) == 0) {
			TAILQ_REMOVE(&tc->lru, f, lru);
			TAILQ_INSERT_HEAD(&tc->lru, f, lru);
			return (f);
		}
	if (tc->nflows == TRACE_FLOWS_MAX)
		trace_flow_drop(tc, TAILQ_LAST(&tc->lru, trace_lru));
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	f->key = key;
	f->keylen = klen;
	f->id = tc->many ? tc->nextid++ : tc->id;
	trace_flow_init(tc->tr, f, IPPROTO_UDP, &tc->local, &key);
	LIST_INSERT_HEAD(&tc->buckets[h], f, hash);
	TAILQ_INSERT_HEAD(&tc->lru, f, lru);
	tc->nflows++;
	trace_open_line(tc->tr, tv, f->id, (struct sockaddr *)&tc->local,
	    tc->llen, (struct sockaddr *)&key, klen);
	return (f);
}

void
trace_dgram(struct trace_conn *tc, int dir, const void *p, size_t n,
    const struct sockaddr *peer, socklen_t plen, const struct timeval *tv)
{
	struct trace_flow	*f;
	struct pcap_rec		 r;
	struct timeval		 now;

	if (tc == NULL || !tc->udp)
		return;
	trace_now(tv, &now);
	if ((f = trace_udp_flow(tc, peer, plen, &now)) == NULL)
		return;
	trace_text_chunk(tc->tr, f, dir, p, n, &now);
	f->off[dir] += n;
	if (trace_live(tc->tr->pcap))
		trace_pcap_put(tc->tr, &r, pcap_udp(&f->pf, dir, p, n, &now,
		    &r));
}

void
trace_conn_flush(struct trace_conn *tc)
{
	if (tc != NULL)
		trace_flush(tc->tr);
}

void
trace_conn_close(struct trace_conn *tc)
{
	if (tc == NULL)
		return;
	while (!TAILQ_EMPTY(&tc->lru))
		trace_flow_drop(tc, TAILQ_FIRST(&tc->lru));
	free(tc->buckets);
	LIST_REMOVE(tc, entry);
	trace_flush(tc->tr);
	free(tc);
}
