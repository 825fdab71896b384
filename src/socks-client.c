/*
 * The client side of a proxy handshake: SOCKS5 (RFC 1928, RFC 1929
 * username/password), SOCKS4 and SOCKS4a, and HTTP CONNECT, as a state
 * machine over buffers.  socks_client_start() writes the first message;
 * socks_client_input() looks at the unconsumed input from the start of
 * the message it expects, so the caller may hand it the same growing
 * buffer again after each read: a reply split anywhere gives the same
 * verdict as one read whole.
 */
#include "config.h"

#include <netinet/in.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "fmt.h"
#include "log.h"
#include "socks-int.h"
#include "socks.h"

enum {
	C_START,
	C5_METHOD,
	C5_AUTH,
	C5_REPLY,
	C4_REPLY,
	CH_REPLY,
	C_DONE,
	C_ERROR
};


static int
cerr(struct socks_client *c, const char *fmt, ...)
    __attribute__((__format__(printf, 2, 3)));

static int
cerr(struct socks_client *c, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_setv(&c->err, fmt, ap);
	va_end(ap);
	c->state = C_ERROR;
	return (SOCKS_ERROR);
}

static int
client_s5_request(struct socks_client *c, struct buf *out)
{
	static const unsigned char hdr[] = { 5, 1, 0 };

	if (buf_add(out, hdr, sizeof(hdr)) == -1 ||
	    socks_add_s5addr(out, &c->target) == -1)
		return (cerr(c, "out of memory"));
	c->state = C5_REPLY;
	return (SOCKS_MORE);
}

static int
client_s5_auth(struct socks_client *c, struct buf *out)
{
	size_t	ulen, plen;

	ulen = strlen(c->user);
	plen = strlen(c->pass);
	if (buf_addc(out, 1) == -1 || buf_addc(out, (int)ulen) == -1 ||
	    buf_add(out, c->user, ulen) == -1 ||
	    buf_addc(out, (int)plen) == -1 ||
	    buf_add(out, c->pass, plen) == -1)
		return (cerr(c, "out of memory"));
	c->state = C5_AUTH;
	return (SOCKS_MORE);
}

static int
client_s4_request(struct socks_client *c, struct buf *out)
{
	unsigned char	m[8];

	m[0] = 4;
	m[1] = 1;
	m[2] = (unsigned char)(c->target.port >> 8);
	m[3] = (unsigned char)c->target.port;
	if (c->target.type == SOCKS_ADDR_IPV4)
		memcpy(m + 4, c->target.ip, 4);
	else {
		/* SOCKS4a: 0.0.0.x, x != 0, then the name after the user. */
		m[4] = m[5] = m[6] = 0;
		m[7] = 1;
	}
	if (buf_add(out, m, sizeof(m)) == -1 ||
	    buf_add(out, c->user, strlen(c->user) + 1) == -1)
		return (cerr(c, "out of memory"));
	if (c->target.type != SOCKS_ADDR_IPV4 && buf_add(out, c->target.name,
	    strlen(c->target.name) + 1) == -1)
		return (cerr(c, "out of memory"));
	c->state = C4_REPLY;
	return (SOCKS_MORE);
}

/* password: NULL for none; Basic has no length limit (tokens are long). */
static int
client_http_request(struct socks_client *c, const char *password,
    struct buf *out)
{
	struct buf	cred = { NULL, 0, 0 };
	char		host[SOCKS_NAME_MAX + 3], tmp[INET6_ADDRSTRLEN];
	int		r = -1;

	socks_addr_host(&c->target, tmp, sizeof(tmp));
	if (c->target.type == SOCKS_ADDR_IPV6)
		snprintf(host, sizeof(host), "[%s]", tmp);
	else
		strlcpy(host, c->target.type == SOCKS_ADDR_NAME ?
		    c->target.name : tmp, sizeof(host));
	if (buf_printf(out, "CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n",
	    host, c->target.port, host, c->target.port) == -1)
		goto done;
	if (c->has_user) {
		if (buf_adds(&cred, c->user) == -1 ||
		    buf_addc(&cred, ':') == -1 ||
		    buf_adds(&cred, password != NULL ? password : "") == -1 ||
		    buf_adds(out, "Proxy-Authorization: Basic ") == -1 ||
		    fmt_base64(out, (const unsigned char *)cred.p,
		    cred.len) == -1 || buf_adds(out, "\r\n") == -1)
			goto done;
	}
	if (buf_adds(out, "\r\n") == -1)
		goto done;
	r = 0;
done:
	if (cred.p != NULL)
		explicit_bzero(cred.p, cred.cap);
	buf_free(&cred);
	if (r == -1)
		return (cerr(c, "out of memory"));
	c->state = CH_REPLY;
	return (SOCKS_MORE);
}

/*
 * Writes the first message for target through proxy u into out.  The
 * target is an address for socks5 and socks4 (resolve it first, see
 * proxy_resolves_here()), an address or a name otherwise.  password is
 * SOCKCTL_PROXY_PASSWORD or NULL; it is used only when u has a user.
 */
int
socks_client_start(struct socks_client *c, const struct proxy_url *u,
    const struct socks_addr *target, const char *password, struct buf *out)
{
	static const unsigned char g1[] = { 5, 1, S5_METHOD_NONE };
	static const unsigned char g2[] = {
		5, 2, S5_METHOD_NONE, S5_METHOD_USERPASS
	};

	memset(c, 0, sizeof(*c));
	c->type = u->type;
	c->target = *target;
	c->state = C_START;
	if (u->has_user) {
		c->has_user = 1;
		strlcpy(c->user, u->user, sizeof(c->user));
		/* RFC 1929 carries 255 bytes; HTTP takes it as it is. */
		if ((c->type == PROXY_SOCKS5H || c->type == PROXY_SOCKS5) &&
		    password != NULL && strlcpy(c->pass, password,
		    sizeof(c->pass)) >= sizeof(c->pass))
			return (cerr(c, "SOCKCTL_PROXY_PASSWORD is too long "
			    "(255 bytes at most)"));
	}
	if (target->port < 1 || target->port > 65535)
		return (cerr(c, "bad target port %d", target->port));
	if (target->type == SOCKS_ADDR_NAME &&
	    !socks_valid_name(target->name, strlen(target->name)))
		return (cerr(c, "bad target host name"));
	switch (c->type) {
	case PROXY_SOCKS5H:
	case PROXY_SOCKS5:
		if (c->has_user) {
			c->offered = 1 << S5_METHOD_NONE |
			    1 << S5_METHOD_USERPASS;
			if (buf_add(out, g2, sizeof(g2)) == -1)
				return (cerr(c, "out of memory"));
		} else {
			c->offered = 1 << S5_METHOD_NONE;
			if (buf_add(out, g1, sizeof(g1)) == -1)
				return (cerr(c, "out of memory"));
		}
		c->state = C5_METHOD;
		return (SOCKS_MORE);
	case PROXY_SOCKS4:
	case PROXY_SOCKS4A:
		if (target->type == SOCKS_ADDR_IPV6)
			return (cerr(c, "SOCKS4 cannot reach an IPv6 "
			    "address"));
		if (target->type == SOCKS_ADDR_NAME &&
		    c->type == PROXY_SOCKS4)
			return (cerr(c, "SOCKS4 carries no host names "
			    "(socks4a does)"));
		return (client_s4_request(c, out));
	case PROXY_HTTP:
		return (client_http_request(c, password, out));
	}
	return (cerr(c, "unknown proxy type"));
}

/* The proxy's reply line, printable, for the error message. */
static void
quote_line(char *out, size_t outlen, const char *p, size_t len)
{
	size_t	i, o = 0;

	if (len > SOCKS_HTTP_STATUS_MAX)
		len = SOCKS_HTTP_STATUS_MAX;
	for (i = 0; i < len && o + 1 < outlen; i++)
		out[o++] = isprint((unsigned char)p[i]) ? p[i] : '?';
	out[o] = '\0';
}

static int
client_http_reply(struct socks_client *c, const char *p, size_t len,
    size_t *n)
{
	const char	*nl, *q = p, *end;
	char		 line[SOCKS_HTTP_STATUS_MAX + 1];
	size_t		 llen, lim = len;

	if (lim > SOCKS_HTTP_HEAD_MAX)
		lim = SOCKS_HTTP_HEAD_MAX;
	end = p + lim;
	/*
	 * Not even the start of a status line: say so at once, quoting up
	 * to the first wrong byte, which any split of the input gives alike.
	 */
	for (llen = 0; llen < lim && llen < 5; llen++)
		if (p[llen] != "HTTP/"[llen]) {
			llen++;
			goto malformed;
		}
	if ((nl = memchr(p, '\n', lim)) == NULL) {
		if (len >= SOCKS_HTTP_HEAD_MAX)
			return (cerr(c, "HTTP proxy reply head too long"));
		return (SOCKS_MORE);
	}
	llen = (size_t)(nl - p);
	if (llen > 0 && p[llen - 1] == '\r')
		llen--;
	if (llen < 12 || memcmp(p, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)p[7]) || p[8] != ' ' ||
	    !isdigit((unsigned char)p[9]) || !isdigit((unsigned char)p[10]) ||
	    !isdigit((unsigned char)p[11]) ||
	    (llen > 12 && p[12] != ' '))
		goto malformed;
	if (p[9] != '2') {
		c->reply = (p[9] - '0') * 100 + (p[10] - '0') * 10 +
		    (p[11] - '0');
		quote_line(line, sizeof(line), p, llen);
		return (cerr(c, "%s", line));
	}
	/* A tunnel: the head ends at the first empty line. */
	for (q = nl + 1; q < end; q = nl + 1) {
		if ((nl = memchr(q, '\n', (size_t)(end - q))) == NULL)
			break;
		if (nl == q || (nl == q + 1 && *q == '\r')) {
			*n = (size_t)(nl + 1 - p);
			return (SOCKS_DONE);
		}
	}
	if (len >= SOCKS_HTTP_HEAD_MAX)
		return (cerr(c, "HTTP proxy reply head too long"));
	return (SOCKS_MORE);
malformed:
	quote_line(line, sizeof(line), p, llen);
	return (cerr(c, "not an HTTP proxy reply: %s", line));
}

/*
 * The steps of socks_client_input(), one a reply, as socks_feed() runs
 * them: SOCKS_NEXT when the state moved on to the next reply, SOCKS_DONE
 * when the handshake is over.
 */
static int
client_s5_method(struct socks_client *c, const unsigned char *p,
    size_t len, size_t *n, struct buf *out)
{
	int	m, r;

	if (len < 2)
		return (SOCKS_MORE);
	if (p[0] != 5)
		return (cerr(c, "not a SOCKS5 reply (version %d)", p[0]));
	m = p[1];
	if (m == S5_METHOD_REFUSED)
		return (cerr(c, c->has_user ?
		    "SOCKS5 proxy accepts none of the offered "
		    "authentication methods" :
		    "SOCKS5 proxy requires authentication "
		    "(USER@ in the proxy URL)"));
	if (m > 7 || !(c->offered & (1 << m)))
		return (cerr(c, "SOCKS5 proxy chose authentication method "
		    "%d, which was not offered", m));
	*n = 2;
	r = m == S5_METHOD_USERPASS ? client_s5_auth(c, out) :
	    client_s5_request(c, out);
	return (r == SOCKS_MORE ? SOCKS_NEXT : r);
}

static int
client_s5_auth_reply(struct socks_client *c, const unsigned char *p,
    size_t len, size_t *n, struct buf *out)
{
	int	r;

	if (len < 2)
		return (SOCKS_MORE);
	/* RFC 1929 says 1; some servers answer 5. */
	if (p[0] != 1 && p[0] != 5)
		return (cerr(c, "not a SOCKS5 authentication reply "
		    "(version %d)", p[0]));
	if (p[1] != 0)
		return (cerr(c, "SOCKS5 authentication failed (status %d)",
		    p[1]));
	*n = 2;
	explicit_bzero(c->pass, sizeof(c->pass));
	r = client_s5_request(c, out);
	return (r == SOCKS_MORE ? SOCKS_NEXT : r);
}

static int
client_s5_reply(struct socks_client *c, const unsigned char *p,
    size_t len, size_t *n)
{
	size_t	an = 0;
	int	r;

	if (len < 2)
		return (SOCKS_MORE);
	if (p[0] != 5)
		return (cerr(c, "not a SOCKS5 reply (version %d)", p[0]));
	if (p[1] != 0) {
		c->reply = p[1];
		return (cerr(c, "SOCKS5 reply %d (%s)", p[1],
		    socks5_reply_text(p[1])));
	}
	if (len < 4)
		return (SOCKS_MORE);
	r = socks_parse_s5addr(p + 3, len - 3, &c->bound, &an, 0);
	if (r == SOCKS_MORE)
		return (SOCKS_MORE);
	if (r != SOCKS_DONE)
		return (cerr(c, "SOCKS5 reply with unknown address type %d",
		    p[3]));
	*n = 3 + an;
	c->state = C_DONE;
	return (SOCKS_DONE);
}

static int
client_s4_reply(struct socks_client *c, const unsigned char *p,
    size_t len, size_t *n)
{
	if (len < 2)
		return (SOCKS_MORE);
	/* The version is 0; some servers answer 4. */
	if (p[0] != 0 && p[0] != 4)
		return (cerr(c, "not a SOCKS4 reply (version %d)", p[0]));
	if (p[1] != S4_GRANTED) {
		c->reply = p[1];
		return (cerr(c, "SOCKS4 reply %d (%s)", p[1],
		    socks4_reply_text(p[1])));
	}
	if (len < 8)
		return (SOCKS_MORE);
	c->bound.type = SOCKS_ADDR_IPV4;
	c->bound.port = socks_get16(p + 2);
	memcpy(c->bound.ip, p + 4, 4);
	*n = 8;
	c->state = C_DONE;
	return (SOCKS_DONE);
}

/* The step for the reply c->state waits for; a socks_step_fn. */
static int
client_step(void *arg, const unsigned char *p, size_t len, size_t *n,
    struct buf *out)
{
	struct socks_client	*c = arg;
	int			 r;

	switch (c->state) {
	case C5_METHOD:
		return (client_s5_method(c, p, len, n, out));
	case C5_AUTH:
		return (client_s5_auth_reply(c, p, len, n, out));
	case C5_REPLY:
		return (client_s5_reply(c, p, len, n));
	case C4_REPLY:
		return (client_s4_reply(c, p, len, n));
	case CH_REPLY:
		r = client_http_reply(c, (const char *)p, len, n);
		if (r == SOCKS_DONE)
			c->state = C_DONE;
		return (r);
	case C_DONE:
		return (SOCKS_DONE);
	default:
		if (c->err.msg[0] == '\0')
			err_set(&c->err, "handshake not started");
		return (SOCKS_ERROR);
	}
}

/*
 * Feeds what the proxy sent (all of it not yet consumed).  *used is what
 * the handshake took; anything after it on SOCKS_DONE is the target's.
 * Messages to send are appended to out, also on SOCKS_MORE.
 */
int
socks_client_input(struct socks_client *c, const void *in, size_t len,
    size_t *used, struct buf *out)
{
	return (socks_feed(client_step, c, in, len, used, out));
}

void
socks_client_clear(struct socks_client *c)
{
	explicit_bzero(c, sizeof(*c));
}
