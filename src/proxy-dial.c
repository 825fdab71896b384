/*
 * The blocking dial through a proxy (see proxy-dial.h): the TCP connect to
 * the proxy, then the SOCKS or HTTP CONNECT handshake that socks-client.c
 * builds and parses, all within -w.
 *
 * The proxy's replies are looked at with MSG_PEEK and only the bytes the
 * handshake took are read off the socket.  Whatever the target sent after
 * the proxy's last reply (a server's greeting that came in the same
 * segment as "200 Connection established") stays in the socket, where
 * the relay, the STARTTLS preamble, the TLS handshake or an --exec
 * command find it as if there had been no proxy.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "compat.h"
#include "fmt.h"
#include "log.h"
#include "proxy-dial.h"
#include "sock.h"
#include "socks.h"
#include "trace-opt.h"
#include "trace.h"

/*
 * The target as the proxy is to be given it: an address resolved here
 * for socks5 and socks4, else the name (or address literal) as typed.
 */
static int
proxy_target(const struct proxy_conf *pc, const struct sock_connect_args *t,
    struct socks_addr *dst, struct sk_err *err)
{
	struct addrinfo	 hints, *res;
	int		 e;

	if (!proxy_resolves_here(pc->url.type)) {
		if (socks_addr_set(dst, t->host, t->port) == -1) {
			err_set(err, "%s: a name a proxy cannot be given",
			    t->host);
			return (-1);
		}
		return (0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = t->family;
	if (pc->url.type == PROXY_SOCKS4) {
		if (t->family == AF_INET6) {
			err_set(err, "SOCKS4 reaches IPv4 addresses only, "
			    "not with -6");
			return (-1);
		}
		hints.ai_family = AF_INET;
	}
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(t->host, NULL, &hints, &res)) != 0) {
		/* An IPv6 address, or a name that has only those. */
		if (pc->url.type == PROXY_SOCKS4 && (e == EAI_FAMILY ||
		    e == EAI_ADDRFAMILY || strchr(t->host, ':') != NULL))
			err_set(err, "%s: SOCKS4 reaches IPv4 addresses only",
			    t->host);
		else
			err_set(err, "%s: %s", t->host, e == EAI_SYSTEM ?
			    strerror(errno) : gai_strerror(e));
		return (-1);
	}
	e = socks_addr_from_sa(dst, res->ai_addr);
	freeaddrinfo(res);
	if (e == -1) {
		err_set(err, "%s: no IPv4 or IPv6 address", t->host);
		return (-1);
	}
	dst->port = t->port;
	return (0);
}

/* Waits until fd is ready for events; 0, or -1 with errno (ETIMEDOUT). */
static int
proxy_wait(int fd, short events, long long deadline)
{
	struct pollfd	pfd;
	int		r;

	pfd.fd = fd;
	pfd.events = events;
	while ((r = poll(&pfd, 1, clock_poll_timeout(deadline))) == -1)
		if (errno != EINTR)
			return (-1);
	if (r == 0) {
		errno = ETIMEDOUT;
		return (-1);
	}
	return (0);
}

/*
 * A traced handshake: the trace shows what moved but for the password,
 * which a trace file (created 0644) must not hold: it and the Basic
 * token carrying it are asterisks there, as many as they have bytes.
 */
struct proxy_tr {
	struct trace_conn *tc;
	struct buf	 secret[2];
};

static void
proxy_tr_init(struct proxy_tr *t, struct trace_conn *tc,
    const struct proxy_conf *pc)
{
	struct buf	cred = { NULL, 0, 0 };

	memset(t, 0, sizeof(*t));
	t->tc = tc;
	if (tc == NULL || !pc->url.has_user || pc->password == NULL ||
	    *pc->password == '\0')
		return;
	/* Out of memory: the handshake goes untraced, the password too. */
	if (buf_adds(&t->secret[0], pc->password) == -1 ||
	    buf_adds(&cred, pc->url.user) == -1 || buf_addc(&cred, ':') == -1 ||
	    buf_adds(&cred, pc->password) == -1 ||
	    fmt_base64(&t->secret[1], (const unsigned char *)cred.p,
	    cred.len) == -1)
		t->tc = NULL;
	if (cred.p != NULL)
		explicit_bzero(cred.p, cred.cap);
	buf_free(&cred);
}

/* A message sent whole: into the trace, the secrets blanked. */
static void
proxy_tr_sent(struct proxy_tr *t, struct buf *out)
{
	char	*p, *end, *q;
	size_t	 i;

	if (t->tc == NULL)
		return;
	for (i = 0; i < nitems(t->secret); i++) {
		if (t->secret[i].len == 0)
			continue;
		p = out->p;
		end = out->p + out->len;
		while ((q = memmem(p, (size_t)(end - p), t->secret[i].p,
		    t->secret[i].len)) != NULL) {
			memset(q, '*', t->secret[i].len);
			p = q + t->secret[i].len;
		}
	}
	trace_chunk(t->tc, TRACE_OUT, out->p, out->len, NULL);
}

static void
proxy_tr_free(struct proxy_tr *t)
{
	size_t	i;

	for (i = 0; i < nitems(t->secret); i++) {
		if (t->secret[i].p != NULL)
			explicit_bzero(t->secret[i].p, t->secret[i].cap);
		buf_free(&t->secret[i]);
	}
}

/* Sends all of out, emptying it; 0, or -1 with errno. */
static int
proxy_send(int fd, struct buf *out, long long deadline,
    struct proxy_tr *t)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < out->len) {
		n = send(fd, out->p + off, out->len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return (-1);
			if (proxy_wait(fd, POLLOUT, deadline) == -1)
				return (-1);
			continue;
		}
		off += (size_t)n;
	}
	if (out->len > 0)
		proxy_tr_sent(t, out);
	/* The messages hold credentials: no copy stays behind. */
	explicit_bzero(out->p, out->len);
	out->len = 0;
	return (0);
}

/* Reads (consumes) n bytes that a peek has shown are there. */
static int
proxy_consume(int fd, unsigned char *p, size_t n, struct trace_conn *tc)
{
	ssize_t	r;

	while (n > 0) {
		if ((r = recv(fd, p, n, 0)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (r == 0) {
			errno = ECONNRESET;
			return (-1);
		}
		trace_chunk(tc, TRACE_IN, p, (size_t)r, NULL);
		p += r;
		n -= (size_t)r;
	}
	return (0);
}

/*
 * The handshake on the connected socket fd (non-blocking).  The buffer
 * holds the bytes read off the socket that the handshake has not taken:
 * only ever the start of a reply still incomplete, since a whole one is
 * taken at once.  0, or -1 with the reason in err (no prefix).
 */
static int
proxy_handshake(int fd, struct socks_client *c, struct buf *out,
    long long deadline, struct proxy_tr *t, struct sk_err *err)
{
	unsigned char	in[SOCKS_INPUT_MAX];
	size_t		have = 0, used;
	ssize_t		n;
	int		r = SOCKS_MORE;

	for (;;) {
		if (proxy_send(fd, out, deadline, t) == -1)
			goto syserr;
		if (r == SOCKS_DONE)
			return (0);
		if (have == sizeof(in)) {
			err_set(err, "reply too long");
			return (-1);
		}
		n = recv(fd, in + have, sizeof(in) - have, MSG_PEEK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* The trace is written before a wait. */
			trace_conn_flush(t->tc);
			if (proxy_wait(fd, POLLIN, deadline) == -1)
				goto syserr;
			continue;
		}
		if (n == -1)
			goto syserr;
		if (n == 0) {
			trace_fin(t->tc, TRACE_IN, NULL);
			err_set(err, "closed the connection %s",
			    have > 0 ? "in the middle of its reply" :
			    "without a reply");
			return (-1);
		}
		r = socks_client_input(c, in, have + (size_t)n, &used, out);
		if (r == SOCKS_ERROR) {
			err_set(err, "%s", c->err.msg);
			/* Taken, so the trace has the answer refused. */
			(void)proxy_consume(fd, in + have, (size_t)n, t->tc);
			return (-1);
		}
		if (r == SOCKS_DONE) {
			/* The reply's own bytes; the rest is the target's. */
			if (used < have) {
				err_set(err, "reply shorter than was read");
				return (-1);
			}
			if (proxy_consume(fd, in + have, used - have,
			    t->tc) == -1)
				goto syserr;
			continue;
		}
		/* An incomplete reply: all of it is the handshake's. */
		if (proxy_consume(fd, in + have, (size_t)n, t->tc) == -1)
			goto syserr;
		have += (size_t)n - used;
		memmove(in, in + used, have);
	}
syserr:
	err_set(err, "%s", strerror(errno));
	return (-1);
}

int
proxy_dial(const struct proxy_conf *pc, const struct sock_connect_args *target,
    struct tracer *tr, struct proxy_hop *hop, struct sk_err *err)
{
	struct sock_connect_args ca;
	struct socks_client c;
	struct socks_addr dst;
	struct buf	 out = { NULL, 0, 0 };
	struct sk_err	 why;
	struct proxy_tr	 t;
	char		 to[SOCKS_NAME_MAX + 1], bound[SOCKS_NAME_MAX + 1];
	long long	 deadline;
	int		 fd, ok;

	memset(hop, 0, sizeof(*hop));
	hop->proxy.port = -1;
	deadline = target->timeout_ms >= 0 ? clock_ms() + target->timeout_ms :
	    -1;
	if (proxy_target(pc, target, &dst, err) == -1)
		return (-1);
	ca = *target;
	ca.host = pc->url.host;
	ca.port = pc->url.port;
	if ((fd = sock_connect(&ca, &hop->proxy, &why)) == -1) {
		err_set(err, "proxy: %s", why.msg);
		return (-1);
	}
	hop->tc = traceopt_tcp(tr, TRACE_NOID, TRACE_OUT, fd);
	proxy_tr_init(&t, hop->tc, pc);
	if (!target->quiet)
		log_verbose(1, "connected to proxy %s port %d (%s)",
		    hop->proxy.host, hop->proxy.port,
		    proxy_type_name(pc->url.type));
	ok = 0;
	if (socks_client_start(&c, &pc->url, &dst, pc->password, &out) ==
	    SOCKS_ERROR)
		err_set(&why, "%s", c.err.msg);
	else if (sock_set_nonblock(fd, 1) == -1)
		err_set(&why, "fcntl: %s", strerror(errno));
	else if (proxy_handshake(fd, &c, &out, deadline, &t, &why) == 0) {
		/* Blocking again, as sock_connect() leaves a socket. */
		if (sock_set_nonblock(fd, 0) == -1)
			err_set(&why, "fcntl: %s", strerror(errno));
		else
			ok = 1;
	}
	if (out.p != NULL)
		explicit_bzero(out.p, out.cap);
	buf_free(&out);
	proxy_tr_free(&t);
	hop->refused = c.reply != 0 && c.reply != 407;
	if (!ok) {
		socks_client_clear(&c);
		err_set(err, "proxy %s port %d: %s", hop->proxy.host,
		    hop->proxy.port, why.msg);
		trace_fin(hop->tc, TRACE_OUT, NULL);
		trace_conn_close(hop->tc);
		hop->tc = NULL;
		close(fd);
		return (-1);
	}
	if (!target->quiet) {
		socks_addr_host(&dst, to, sizeof(to));
		log_verbose(1, "connected to %s port %d through proxy %s "
		    "port %d", to, dst.port, hop->proxy.host,
		    hop->proxy.port);
		if (pc->url.type != PROXY_HTTP)
			log_verbose(2, "proxy %s port %d bound %s port %d",
			    hop->proxy.host, hop->proxy.port,
			    socks_addr_host(&c.bound, bound, sizeof(bound)),
			    c.bound.port);
	}
	socks_client_clear(&c);
	return (fd);
}
