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
#include "log.h"
#include "proxy-dial.h"
#include "sock.h"
#include "socks.h"

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

/* Sends all of out, emptying it; 0, or -1 with errno. */
static int
proxy_send(int fd, struct buf *out, long long deadline)
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
	/* The messages hold credentials: no copy stays behind. */
	explicit_bzero(out->p, out->len);
	out->len = 0;
	return (0);
}

/* Reads (consumes) n bytes that a peek has shown are there. */
static int
proxy_consume(int fd, unsigned char *p, size_t n)
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
    long long deadline, struct sk_err *err)
{
	unsigned char	in[SOCKS_INPUT_MAX];
	size_t		have = 0, used;
	ssize_t		n;
	int		r = SOCKS_MORE;

	for (;;) {
		if (proxy_send(fd, out, deadline) == -1)
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
			if (proxy_wait(fd, POLLIN, deadline) == -1)
				goto syserr;
			continue;
		}
		if (n == -1)
			goto syserr;
		if (n == 0) {
			err_set(err, "closed the connection %s",
			    have > 0 ? "in the middle of its reply" :
			    "without a reply");
			return (-1);
		}
		r = socks_client_input(c, in, have + (size_t)n, &used, out);
		if (r == SOCKS_ERROR) {
			err_set(err, "%s", c->err.msg);
			return (-1);
		}
		if (r == SOCKS_DONE) {
			/* The reply's own bytes; the rest is the target's. */
			if (used < have) {
				err_set(err, "reply shorter than was read");
				return (-1);
			}
			if (proxy_consume(fd, in + have, used - have) == -1)
				goto syserr;
			continue;
		}
		/* An incomplete reply: all of it is the handshake's. */
		if (proxy_consume(fd, in + have, (size_t)n) == -1)
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
    struct proxy_hop *hop, struct sk_err *err)
{
	struct sock_connect_args ca;
	struct socks_client c;
	struct socks_addr dst;
	struct buf	 out = { NULL, 0, 0 };
	struct sk_err	 why;
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
	else if (proxy_handshake(fd, &c, &out, deadline, &why) == 0) {
		/* Blocking again, as sock_connect() leaves a socket. */
		if (sock_set_nonblock(fd, 0) == -1)
			err_set(&why, "fcntl: %s", strerror(errno));
		else
			ok = 1;
	}
	if (out.p != NULL)
		explicit_bzero(out.p, out.cap);
	buf_free(&out);
	hop->refused = c.reply != 0 && c.reply != 407;
	if (!ok) {
		socks_client_clear(&c);
		err_set(err, "proxy %s port %d: %s", hop->proxy.host,
		    hop->proxy.port, why.msg);
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
