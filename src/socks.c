/*
 * SOCKS5 (RFC 1928, RFC 1929 username/password), SOCKS4 and SOCKS4a, and
 * HTTP CONNECT and absolute-form forwarding, as pure functions over
 * buffers.  Each parser looks at the unconsumed input from the start of
 * the message it expects, so the caller may hand it the same growing
 * buffer again after each read: a message split anywhere gives the same
 * verdict as one read whole.  A message never needs more than
 * SOCKS_INPUT_MAX bytes before the parser decides, so a hostile peer
 * cannot make the caller buffer more.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "buf.h"
#include "fmt.h"
#include "http.h"
#include "log.h"
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

enum {
	S_FIRST,
	S5_GREETING,
	S5_AUTH,
	S5_AUTH_WAIT,
	S5_REQUEST,
	S4_REQUEST,
	SH_REQUEST,
	SH_AUTH_WAIT,
	S_REQ_WAIT,
	S_DONE,
	S_ERROR
};

#define S5_METHOD_NONE		0x00
#define S5_METHOD_USERPASS	0x02
#define S5_METHOD_REFUSED	0xff

#define S4_GRANTED		90
#define S4_REJECTED		91

/*
 * Characters of a host name as the proxies carry it: DNS names (with '_'
 * for the names people use anyway) and IP literals.  Nothing that could
 * end a header line or confuse a log.
 */
static int
valid_name(const char *s, size_t len)
{
	size_t	i;

	if (len == 0 || len > SOCKS_NAME_MAX)
		return (0);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    (s[i] == '\0' || strchr(".-_:", s[i]) == NULL))
			return (0);
	return (1);
}

static int
get16(const unsigned char *p)
{
	return (p[0] << 8 | p[1]);
}

/* Strictly decimal 1-65535, no sign, no leading space. */
static int
parse_port(const char *s, size_t len)
{
	int	n = 0;
	size_t	i;

	if (len == 0 || len > 5)
		return (-1);
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		n = n * 10 + (s[i] - '0');
	}
	return (n >= 1 && n <= 65535 ? n : -1);
}

/* ---- proxy URLs ---- */

static const struct {
	const char	*name;
	enum proxy_type	 type;
} schemes[] = {
	{ "socks5h", PROXY_SOCKS5H },
	{ "socks5", PROXY_SOCKS5 },
	{ "socks4a", PROXY_SOCKS4A },
	{ "socks4", PROXY_SOCKS4 },
	{ "http", PROXY_HTTP }
};

const char *
proxy_type_name(enum proxy_type t)
{
	size_t	i;

	for (i = 0; i < nitems(schemes); i++)
		if (schemes[i].type == t)
			return (schemes[i].name);
	return ("unknown");
}

/* socks5 and socks4 carry addresses: the name is resolved here. */
int
proxy_resolves_here(enum proxy_type t)
{
	return (t == PROXY_SOCKS5 || t == PROXY_SOCKS4);
}

/* Says why in err; returns -1 for the caller to return. */
static int
proxy_fail(struct sk_err *err, const char *why)
{
	err_set(err, "%s", why);
	return (-1);
}

/* -X as nc spells it: 5 carries names as nc's SOCKS5 does. */
int
proxy_parse_type(const char *s, enum proxy_type *t, struct sk_err *err)
{
	if (strcmp(s, "5") == 0)
		*t = PROXY_SOCKS5H;
	else if (strcmp(s, "4") == 0)
		*t = PROXY_SOCKS4;
	else if (strcasecmp(s, "connect") == 0)
		*t = PROXY_HTTP;
	else
		return (proxy_fail(err, "unknown proxy type (5, 4, connect)"));
	return (0);
}

/* [SCHEME://][USER@]HOST[:PORT][/]; the password never comes from here. */
int
proxy_parse_url(const char *url, const enum proxy_type *override,
    struct proxy_url *u, struct sk_err *err)
{
	const char	*p, *sep, *at, *end, *h, *he, *colon;
	size_t		 i, n;

	memset(u, 0, sizeof(*u));
	u->type = PROXY_SOCKS5H;
	p = url;
	if ((sep = strstr(p, "://")) != NULL) {
		n = (size_t)(sep - p);
		for (i = 0; i < nitems(schemes); i++)
			if (strlen(schemes[i].name) == n &&
			    strncasecmp(p, schemes[i].name, n) == 0)
				break;
		if (i == nitems(schemes))
			return (proxy_fail(err,
			    "unknown scheme (socks5h, socks5, socks4a, "
			    "socks4, http)"));
		u->type = schemes[i].type;
		p = sep + 3;
	}
	if (override != NULL)
		u->type = *override;
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	if (memchr(p, '/', (size_t)(end - p)) != NULL)
		return (proxy_fail(err, "a path has no place in a proxy URL"));
	if ((at = memrchr(p, '@', (size_t)(end - p))) != NULL) {
		n = (size_t)(at - p);
		if (n == 0)
			return (proxy_fail(err, "empty user name"));
		if (memchr(p, ':', n) != NULL)
			return (proxy_fail(err,
			    "the password goes in SOCKCTL_PROXY_PASSWORD, "
			    "not in the URL"));
		if (n > SOCKS_NAME_MAX)
			return (proxy_fail(err,
			    "user name too long (255 bytes at most)"));
		for (i = 0; i < n; i++)
			if (iscntrl((unsigned char)p[i]) ||
			    isspace((unsigned char)p[i]))
				return (proxy_fail(err,
				    "user name contains white space or "
				    "control characters"));
		memcpy(u->user, p, n);
		u->user[n] = '\0';
		u->has_user = 1;
		p = at + 1;
	}
	h = p;
	if (*h == '[') {
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return (proxy_fail(err, "unbalanced brackets"));
		colon = he + 1 < end ? he + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return (proxy_fail(err,
			    "junk after the bracketed address"));
		h++;
		if (memchr(h, ':', (size_t)(he - h)) == NULL)
			return (proxy_fail(err,
			    "brackets hold an IPv6 address"));
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		he = colon != NULL ? colon : end;
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL)
			return (proxy_fail(err,
			    "an IPv6 address goes in brackets"));
	}
	n = (size_t)(he - h);
	if (n == 0)
		return (proxy_fail(err, "empty host"));
	if (n > SOCKS_NAME_MAX)
		return (proxy_fail(err,
		    "host name too long (255 bytes at most)"));
	if (!valid_name(h, n) || memchr(h, '[', n) != NULL)
		return (proxy_fail(err, "bad character in the host name"));
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	if (colon != NULL) {
		if ((u->port = parse_port(colon + 1,
		    (size_t)(end - colon - 1))) == -1)
			return (proxy_fail(err, "bad port (1-65535)"));
	} else
		u->port = u->type == PROXY_HTTP ? 3128 : 1080;
	return (0);
}

/* ---- endpoints ---- */

/* IP literals become addresses; anything else must look like a name. */
int
socks_addr_set(struct socks_addr *a, const char *host, int port)
{
	size_t	len;

	len = strlen(host);
	memset(a, 0, sizeof(*a));
	a->port = port;
	if (inet_pton(AF_INET, host, a->ip) == 1) {
		a->type = SOCKS_ADDR_IPV4;
		return (0);
	}
	if (inet_pton(AF_INET6, host, a->ip) == 1) {
		a->type = SOCKS_ADDR_IPV6;
		return (0);
	}
	if (!valid_name(host, len))
		return (-1);
	a->type = SOCKS_ADDR_NAME;
	memcpy(a->name, host, len + 1);
	return (0);
}

int
socks_addr_from_sa(struct socks_addr *a, const struct sockaddr *sa)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		a->type = SOCKS_ADDR_IPV4;
		memcpy(a->ip, &sin->sin_addr, 4);
		a->port = ntohs(sin->sin_port);
		return (0);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		a->type = SOCKS_ADDR_IPV6;
		memcpy(a->ip, &sin6->sin6_addr, 16);
		a->port = ntohs(sin6->sin6_port);
		return (0);
	default:
		return (-1);
	}
}

/* Names have no sockaddr: -1, resolve them first. */
int
socks_addr_to_sa(const struct socks_addr *a, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;

	memset(ss, 0, sizeof(*ss));
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
		sin = (struct sockaddr_in *)(void *)ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->ip, 4);
		sin->sin_port = htons((uint16_t)a->port);
		*len = sizeof(*sin);
		return (0);
	case SOCKS_ADDR_IPV6:
		sin6 = (struct sockaddr_in6 *)(void *)ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->ip, 16);
		sin6->sin6_port = htons((uint16_t)a->port);
		*len = sizeof(*sin6);
		return (0);
	default:
		return (-1);
	}
}

/* The host part for messages and logs: "192.0.2.1", "::1", a name. */
const char *
socks_addr_host(const struct socks_addr *a, char *out, size_t len)
{
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
		if (inet_ntop(AF_INET, a->ip, out, (socklen_t)len) == NULL)
			strlcpy(out, "?", len);
		break;
	case SOCKS_ADDR_IPV6:
		if (inet_ntop(AF_INET6, a->ip, out, (socklen_t)len) == NULL)
			strlcpy(out, "?", len);
		break;
	default:
		strlcpy(out, a->name, len);
		break;
	}
	return (out);
}

/* ATYP, address and port as SOCKS5 puts them in requests and replies. */
static int
add_s5addr(struct buf *b, const struct socks_addr *a)
{
	unsigned char	hdr[2], port[2];
	size_t		n;

	port[0] = (unsigned char)(a->port >> 8);
	port[1] = (unsigned char)a->port;
	switch (a->type) {
	case SOCKS_ADDR_IPV4:
	case SOCKS_ADDR_IPV6:
		if (buf_addc(b, a->type) == -1 || buf_add(b, a->ip,
		    a->type == SOCKS_ADDR_IPV4 ? 4 : 16) == -1)
			return (-1);
		break;
	default:
		n = strlen(a->name);
		hdr[0] = SOCKS_ADDR_NAME;
		hdr[1] = (unsigned char)n;
		if (buf_add(b, hdr, 2) == -1 || buf_add(b, a->name, n) == -1)
			return (-1);
		break;
	}
	return (buf_add(b, port, 2));
}

/*
 * Parses ATYP, address and port at p: SOCKS_MORE, SOCKS_DONE with *n set,
 * or the SOCKS5 reply code that refuses it.  `strict` refuses names that
 * could not be resolved anyway; a proxy's BND name is only made printable.
 */
static int
parse_s5addr(const unsigned char *p, size_t len, struct socks_addr *a,
    size_t *n, int strict)
{
	size_t	alen, i;

	memset(a, 0, sizeof(*a));
	if (len < 1)
		return (SOCKS_MORE);
	switch (p[0]) {
	case SOCKS_ADDR_IPV4:
	case SOCKS_ADDR_IPV6:
		alen = p[0] == SOCKS_ADDR_IPV4 ? 4 : 16;
		if (len < 1 + alen + 2)
			return (SOCKS_MORE);
		a->type = p[0];
		memcpy(a->ip, p + 1, alen);
		a->port = get16(p + 1 + alen);
		*n = 1 + alen + 2;
		return (SOCKS_DONE);
	case SOCKS_ADDR_NAME:
		if (len < 2)
			return (SOCKS_MORE);
		alen = p[1];
		if (len < 2 + alen + 2)
			return (SOCKS_MORE);
		*n = 2 + alen + 2;
		if (strict && !valid_name((const char *)p + 2, alen))
			return (-SOCKS_REP_HOST_UNREACH);
		a->type = SOCKS_ADDR_NAME;
		memcpy(a->name, p + 2, alen);
		a->name[alen] = '\0';
		for (i = 0; i < alen; i++)
			if (!isgraph((unsigned char)a->name[i]))
				a->name[i] = '?';
		a->port = get16(p + 2 + alen);
		return (SOCKS_DONE);
	default:
		return (-SOCKS_REP_ADDRESS_TYPE);
	}
}

/* ---- the client ---- */

static const char *const s5_texts[] = {
	"succeeded",
	"general SOCKS server failure",
	"connection not allowed by ruleset",
	"network unreachable",
	"host unreachable",
	"connection refused",
	"TTL expired",
	"command not supported",
	"address type not supported"
};

const char *
socks5_reply_text(int code)
{
	if (code >= 0 && (size_t)code < nitems(s5_texts))
		return (s5_texts[code]);
	return ("unassigned");
}

const char *
socks4_reply_text(int code)
{
	switch (code) {
	case 90:
		return ("request granted");
	case 91:
		return ("request rejected or failed");
	case 92:
		return ("request rejected because SOCKS server cannot "
		    "connect to identd on the client");
	case 93:
		return ("request rejected because the client program and "
		    "identd report different user-ids");
	default:
		return ("unassigned");
	}
}

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
	    add_s5addr(out, &c->target) == -1)
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

static int
client_http_request(struct socks_client *c, struct buf *out)
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
		    buf_adds(&cred, c->pass) == -1 ||
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
		if (password != NULL && strlcpy(c->pass, password,
		    sizeof(c->pass)) >= sizeof(c->pass))
			return (cerr(c, "SOCKCTL_PROXY_PASSWORD is too long "
			    "(255 bytes at most)"));
	}
	if (target->port < 1 || target->port > 65535)
		return (cerr(c, "bad target port %d", target->port));
	if (target->type == SOCKS_ADDR_NAME &&
	    !valid_name(target->name, strlen(target->name)))
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
		return (client_http_request(c, out));
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
 * Feeds what the proxy sent (all of it not yet consumed).  *used is what
 * the handshake took; anything after it on SOCKS_DONE is the target's.
 * Messages to send are appended to out, also on SOCKS_MORE.
 */
int
socks_client_input(struct socks_client *c, const void *in, size_t len,
    size_t *used, struct buf *out)
{
	const unsigned char	*p = in;
	size_t			 off = 0, n = 0;
	int			 m, r;

	*used = 0;
	for (;;) {
		switch (c->state) {
		case C5_METHOD:
			if (len - off < 2)
				return (SOCKS_MORE);
			if (p[off] != 5)
				return (cerr(c, "not a SOCKS5 reply "
				    "(version %d)", p[off]));
			m = p[off + 1];
			if (m == S5_METHOD_REFUSED)
				return (cerr(c, c->has_user ?
				    "SOCKS5 proxy accepts none of the offered "
				    "authentication methods" :
				    "SOCKS5 proxy requires authentication "
				    "(USER@ in the proxy URL)"));
			if (m > 7 || !(c->offered & (1 << m)))
				return (cerr(c, "SOCKS5 proxy chose "
				    "authentication method %d, which was not "
				    "offered", m));
			off += 2;
			*used = off;
			r = m == S5_METHOD_USERPASS ? client_s5_auth(c, out) :
			    client_s5_request(c, out);
			if (r != SOCKS_MORE)
				return (r);
			break;
		case C5_AUTH:
			if (len - off < 2)
				return (SOCKS_MORE);
			/* RFC 1929 says 1; some servers answer 5. */
			if (p[off] != 1 && p[off] != 5)
				return (cerr(c, "not a SOCKS5 authentication "
				    "reply (version %d)", p[off]));
			if (p[off + 1] != 0)
				return (cerr(c, "SOCKS5 authentication failed "
				    "(status %d)", p[off + 1]));
			off += 2;
			*used = off;
			explicit_bzero(c->pass, sizeof(c->pass));
			if ((r = client_s5_request(c, out)) != SOCKS_MORE)
				return (r);
			break;
		case C5_REPLY:
			if (len - off < 2)
				return (SOCKS_MORE);
			if (p[off] != 5)
				return (cerr(c, "not a SOCKS5 reply "
				    "(version %d)", p[off]));
			if (p[off + 1] != 0)
				return (cerr(c, "SOCKS5 reply %d (%s)",
				    p[off + 1], socks5_reply_text(p[off + 1])));
			if (len - off < 4)
				return (SOCKS_MORE);
			r = parse_s5addr(p + off + 3, len - off - 3, &c->bound,
			    &n, 0);
			if (r == SOCKS_MORE)
				return (SOCKS_MORE);
			if (r != SOCKS_DONE)
				return (cerr(c, "SOCKS5 reply with unknown "
				    "address type %d", p[off + 3]));
			off += 3 + n;
			*used = off;
			c->state = C_DONE;
			return (SOCKS_DONE);
		case C4_REPLY:
			if (len - off < 2)
				return (SOCKS_MORE);
			/* The version is 0; some servers answer 4. */
			if (p[off] != 0 && p[off] != 4)
				return (cerr(c, "not a SOCKS4 reply "
				    "(version %d)", p[off]));
			if (p[off + 1] != S4_GRANTED)
				return (cerr(c, "SOCKS4 reply %d (%s)",
				    p[off + 1], socks4_reply_text(p[off + 1])));
			if (len - off < 8)
				return (SOCKS_MORE);
			c->bound.type = SOCKS_ADDR_IPV4;
			c->bound.port = get16(p + off + 2);
			memcpy(c->bound.ip, p + off + 4, 4);
			off += 8;
			*used = off;
			c->state = C_DONE;
			return (SOCKS_DONE);
		case CH_REPLY:
			r = client_http_reply(c, (const char *)p + off,
			    len - off, &n);
			if (r == SOCKS_DONE) {
				off += n;
				*used = off;
				c->state = C_DONE;
			}
			return (r);
		case C_DONE:
			return (SOCKS_DONE);
		default:
			if (c->err.msg[0] == '\0')
				err_set(&c->err, "handshake not started");
			return (SOCKS_ERROR);
		}
	}
}

void
socks_client_clear(struct socks_client *c)
{
	explicit_bzero(c, sizeof(*c));
}

/* ---- the server ---- */

void
socks_server_init(struct socks_server *s, int auth_required)
{
	memset(s, 0, sizeof(*s));
	s->auth_required = auth_required;
	s->state = S_FIRST;
	s->content_length = -1;
}

void
socks_server_free(struct socks_server *s)
{
	buf_free(&s->head);
	explicit_bzero(s->pass, sizeof(s->pass));
}

/* After a forwarded HTTP request: the next one on the same connection. */
void
socks_server_next(struct socks_server *s)
{
	struct buf	head = s->head;
	int		auth = s->auth_required;

	head.len = 0;
	socks_server_init(s, auth);
	s->head = head;
	s->proto = SOCKS_PROTO_HTTP;
	s->state = SH_REQUEST;
}

const char *
socks_proto_name(enum socks_proto p)
{
	switch (p) {
	case SOCKS_PROTO_SOCKS5:
		return ("socks5");
	case SOCKS_PROTO_SOCKS4:
		return ("socks4");
	case SOCKS_PROTO_SOCKS4A:
		return ("socks4a");
	case SOCKS_PROTO_HTTP:
		return ("http");
	default:
		return ("unknown");
	}
}

/* What a failed connect() or name lookup becomes in a reply. */
int
socks_reply_from_errno(int e)
{
	switch (e) {
	case 0:
		return (SOCKS_REP_OK);
	case ECONNREFUSED:
		return (SOCKS_REP_REFUSED);
	case ENETUNREACH:
	case ENETDOWN:
		return (SOCKS_REP_NET_UNREACH);
	case EHOSTUNREACH:
	case EHOSTDOWN:
		return (SOCKS_REP_HOST_UNREACH);
	case ETIMEDOUT:
		return (SOCKS_REP_TIMEOUT);
	case EACCES:
	case EPERM:
		return (SOCKS_REP_NOT_ALLOWED);
	case EAFNOSUPPORT:
		return (SOCKS_REP_ADDRESS_TYPE);
	default:
		return (SOCKS_REP_FAILURE);
	}
}

static const char *
status_text(int st)
{
	switch (st) {
	case 407:
		return ("Proxy Authentication Required");
	case 501:
		return ("Not Implemented");
	case 502:
		return ("Bad Gateway");
	case 504:
		return ("Gateway Timeout");
	default:
		return (http_reason(st));
	}
}

/* An HTTP refusal: no body (a HEAD may have asked), then close. */
static int
http_refuse(struct socks_server *s, int st, const char *why, struct buf *out)
{
	err_set(&s->err, "%s", why);
	s->state = S_ERROR;
	if (buf_printf(out, "HTTP/1.1 %d %s\r\n", st, status_text(st)) == -1 ||
	    (st == 407 && buf_adds(out,
	    "Proxy-Authenticate: Basic realm=\"sockctl\"\r\n") == -1) ||
	    buf_adds(out, "Content-Length: 0\r\nConnection: close\r\n\r\n") ==
	    -1)
		err_set(&s->err, "out of memory");
	return (SOCKS_ERROR);
}

static int
s5_refuse(struct socks_server *s, int rep, const char *why, struct buf *out)
{
	static const unsigned char m[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0, 0 };

	err_set(&s->err, "%s", why);
	s->state = S_ERROR;
	if (buf_add(out, m, sizeof(m)) == -1)
		err_set(&s->err, "out of memory");
	else
		out->p[out->len - sizeof(m) + 1] = (char)rep;
	return (SOCKS_ERROR);
}

static int
s4_refuse(struct socks_server *s, const char *why, struct buf *out)
{
	static const unsigned char m[] = { 0, S4_REJECTED, 0, 0, 0, 0, 0, 0 };

	err_set(&s->err, "%s", why);
	s->state = S_ERROR;
	if (buf_add(out, m, sizeof(m)) == -1)
		err_set(&s->err, "out of memory");
	return (SOCKS_ERROR);
}

static int
serr(struct socks_server *s, const char *why)
{
	err_set(&s->err, "%s", why);
	s->state = S_ERROR;
	return (SOCKS_ERROR);
}

/* The method to select: the client's wish only where no auth is needed. */
static int
s5_greeting(struct socks_server *s, const unsigned char *p, size_t len,
    size_t *n, struct buf *out)
{
	size_t	i, nm;
	int	none = 0, up = 0, m;

	if (len < 2)
		return (SOCKS_MORE);
	nm = p[1];
	if (len < 2 + nm)
		return (SOCKS_MORE);
	for (i = 0; i < nm; i++) {
		if (p[2 + i] == S5_METHOD_NONE)
			none = 1;
		else if (p[2 + i] == S5_METHOD_USERPASS)
			up = 1;
	}
	if (s->auth_required)
		m = up ? S5_METHOD_USERPASS : S5_METHOD_REFUSED;
	else
		m = none ? S5_METHOD_NONE : up ? S5_METHOD_USERPASS :
		    S5_METHOD_REFUSED;
	if (buf_addc(out, 5) == -1 || buf_addc(out, m) == -1)
		return (serr(s, "out of memory"));
	*n = 2 + nm;
	if (m == S5_METHOD_REFUSED)
		return (serr(s, s->auth_required ? "no username/password "
		    "method offered" : "no acceptable authentication method"));
	s->state = m == S5_METHOD_USERPASS ? S5_AUTH : S5_REQUEST;
	return (SOCKS_DONE);
}

static int
s5_auth(struct socks_server *s, const unsigned char *p, size_t len,
    size_t *n, struct buf *out)
{
	static const unsigned char okm[] = { 1, 0 }, bad[] = { 1, 1 };
	size_t	ulen, plen;

	if (len < 2)
		return (SOCKS_MORE);
	if (p[0] != 1) {
		if (buf_add(out, bad, sizeof(bad)) == -1)
			return (serr(s, "out of memory"));
		return (serr(s, "bad authentication version"));
	}
	ulen = p[1];
	if (len < 2 + ulen + 1)
		return (SOCKS_MORE);
	plen = p[2 + ulen];
	if (len < 3 + ulen + plen)
		return (SOCKS_MORE);
	*n = 3 + ulen + plen;
	memcpy(s->user, p + 2, ulen);
	s->user[ulen] = '\0';
	memcpy(s->pass, p + 3 + ulen, plen);
	s->pass[plen] = '\0';
	/* A NUL would cut the comparison short: such credentials fail. */
	if (memchr(s->user, '\0', ulen) != NULL ||
	    memchr(s->pass, '\0', plen) != NULL) {
		explicit_bzero(s->pass, sizeof(s->pass));
		if (buf_add(out, bad, sizeof(bad)) == -1)
			return (serr(s, "out of memory"));
		return (serr(s, "authentication failed"));
	}
	s->has_creds = 1;
	if (!s->auth_required) {
		/* Chosen only because nothing else was offered: any will do. */
		explicit_bzero(s->pass, sizeof(s->pass));
		if (buf_add(out, okm, sizeof(okm)) == -1)
			return (serr(s, "out of memory"));
		s->state = S5_REQUEST;
		return (SOCKS_DONE);
	}
	s->state = S5_AUTH_WAIT;
	return (SOCKS_AUTH);
}

static int
s5_request(struct socks_server *s, const unsigned char *p, size_t len,
    size_t *n, struct buf *out)
{
	size_t	an = 0;
	int	r;

	if (len < 4)
		return (SOCKS_MORE);
	if (p[0] != 5)
		return (s5_refuse(s, SOCKS_REP_FAILURE, "bad request version",
		    out));
	/* The whole request first: closing on unread bytes resets. */
	r = parse_s5addr(p + 3, len - 3, &s->dst, &an, 1);
	if (r == SOCKS_MORE)
		return (SOCKS_MORE);
	if (r == -SOCKS_REP_ADDRESS_TYPE)
		return (s5_refuse(s, SOCKS_REP_ADDRESS_TYPE,
		    "unknown address type", out));
	*n = 3 + an;
	if (p[1] != SOCKS_CMD_CONNECT && p[1] != SOCKS_CMD_UDP)
		return (s5_refuse(s, SOCKS_REP_COMMAND, p[1] == 2 ?
		    "BIND not supported" : "unknown command", out));
	if (r != SOCKS_DONE)
		return (s5_refuse(s, SOCKS_REP_HOST_UNREACH, "bad host name",
		    out));
	if (p[1] == SOCKS_CMD_CONNECT && s->dst.port == 0)
		return (s5_refuse(s, SOCKS_REP_FAILURE, "port 0", out));
	s->cmd = p[1];
	s->state = S_REQ_WAIT;
	return (SOCKS_REQUEST);
}

static int
s4_request(struct socks_server *s, const unsigned char *p, size_t len,
    size_t *n, struct buf *out)
{
	const unsigned char	*u, *h;
	size_t			 ulen, hlen, lim;
	int			 is4a;

	if (len < 8)
		return (SOCKS_MORE);
	lim = len - 8 < SOCKS_NAME_MAX + 1 ? len - 8 : SOCKS_NAME_MAX + 1;
	if ((u = memchr(p + 8, '\0', lim)) == NULL)
		return (lim > SOCKS_NAME_MAX ? s4_refuse(s,
		    "user id too long", out) : SOCKS_MORE);
	ulen = (size_t)(u - (p + 8));
	*n = 8 + ulen + 1;
	is4a = p[4] == 0 && p[5] == 0 && p[6] == 0 && p[7] != 0;
	memset(&s->dst, 0, sizeof(s->dst));
	s->dst.port = get16(p + 2);
	if (is4a) {
		h = u + 1;
		lim = len - *n < SOCKS_NAME_MAX + 1 ? len - *n :
		    SOCKS_NAME_MAX + 1;
		if ((u = memchr(h, '\0', lim)) == NULL)
			return (lim > SOCKS_NAME_MAX ? s4_refuse(s,
			    "host name too long", out) : SOCKS_MORE);
		hlen = (size_t)(u - h);
		*n += hlen + 1;
		if (!valid_name((const char *)h, hlen))
			return (s4_refuse(s, "bad host name", out));
		s->dst.type = SOCKS_ADDR_NAME;
		memcpy(s->dst.name, h, hlen);
		s->dst.name[hlen] = '\0';
		s->proto = SOCKS_PROTO_SOCKS4A;
	} else {
		s->dst.type = SOCKS_ADDR_IPV4;
		memcpy(s->dst.ip, p + 4, 4);
	}
	memcpy(s->user, p + 8, ulen);
	s->user[ulen] = '\0';
	if (p[1] != SOCKS_CMD_CONNECT)
		return (s4_refuse(s, p[1] == 2 ? "BIND not supported" :
		    "unknown command", out));
	if (s->auth_required)
		return (s4_refuse(s, "SOCKS4 carries no password", out));
	if (s->dst.port == 0)
		return (s4_refuse(s, "port 0", out));
	s->cmd = SOCKS_CMD_CONNECT;
	s->state = S_REQ_WAIT;
	return (SOCKS_REQUEST);
}

/* ---- HTTP requests to the proxy ---- */

static int
lit_ieq(const char *p, size_t len, const char *lit)
{
	return (strlen(lit) == len && strncasecmp(p, lit, len) == 0);
}

/* Is the header name among the comma-separated tokens of v? */
static int
token_listed(const char *v, size_t vlen, const char *name, size_t nlen)
{
	const char	*end = v + vlen, *q, *t;
	size_t		 tl;

	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		for (q = v; q < end && *q != ','; q++)
			;
		t = v;
		tl = (size_t)(q - v);
		while (tl > 0 && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
			tl--;
		if (tl == nlen && strncasecmp(t, name, nlen) == 0)
			return (1);
		v = q;
	}
	return (0);
}

static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

/* Strict RFC 4648 with padding; -1 on anything else or overflow. */
static ssize_t
b64decode(const char *s, size_t len, unsigned char *out, size_t outlen)
{
	size_t		i, o = 0, pad = 0;
	uint32_t	v;
	int		d[4], k;

	if (len % 4 != 0)
		return (-1);
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2) {
				d[k] = 0;
				pad++;
				continue;
			}
			if (pad > 0 || (d[k] = b64val((unsigned char)s[i + k]))
			    == -1)
				return (-1);
		}
		v = (uint32_t)d[0] << 18 | (uint32_t)d[1] << 12 |
		    (uint32_t)d[2] << 6 | (uint32_t)d[3];
		if (o + 3 - (i + 4 == len ? pad : 0) > outlen)
			return (-1);
		out[o++] = (unsigned char)(v >> 16);
		if (pad < 2)
			out[o++] = (unsigned char)(v >> 8);
		if (pad < 1)
			out[o++] = (unsigned char)v;
	}
	return ((ssize_t)o);
}

/* "Basic BASE64(user:pass)": fills user and pass, or leaves has_creds 0. */
static void
http_basic(struct socks_server *s, const char *v, size_t vlen)
{
	unsigned char	dec[2 * SOCKS_NAME_MAX + 1];
	unsigned char	*colon;
	ssize_t		n;
	size_t		ulen, plen;

	if (vlen < 6 || strncasecmp(v, "Basic ", 6) != 0)
		return;
	v += 6;
	vlen -= 6;
	while (vlen > 0 && *v == ' ') {
		v++;
		vlen--;
	}
	if ((n = b64decode(v, vlen, dec, sizeof(dec))) == -1)
		return;
	if ((colon = memchr(dec, ':', (size_t)n)) == NULL ||
	    memchr(dec, '\0', (size_t)n) != NULL)
		goto out;
	ulen = (size_t)(colon - dec);
	plen = (size_t)n - ulen - 1;
	if (ulen > SOCKS_NAME_MAX || plen > SOCKS_NAME_MAX)
		goto out;
	memcpy(s->user, dec, ulen);
	s->user[ulen] = '\0';
	memcpy(s->pass, colon + 1, plen);
	s->pass[plen] = '\0';
	s->has_creds = 1;
out:
	explicit_bzero(dec, sizeof(dec));
}

/* "host:port" with the port required, "[v6]:port"; fills s->dst. */
static int
parse_authority(struct socks_server *s, const char *p, size_t len,
    int defport)
{
	const char	*end = p + len, *h, *he, *colon;
	char		 host[SOCKS_NAME_MAX + 1];
	int		 port;

	if (len == 0 || memchr(p, '@', len) != NULL)
		return (-1);
	if (*p == '[') {
		h = p + 1;
		if ((he = memchr(h, ']', len - 1)) == NULL)
			return (-1);
		colon = he + 1 < end ? he + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return (-1);
		if (memchr(h, ':', (size_t)(he - h)) == NULL)
			return (-1);
	} else {
		h = p;
		colon = memchr(p, ':', len);
		he = colon != NULL ? colon : end;
	}
	if (colon != NULL) {
		if ((port = parse_port(colon + 1,
		    (size_t)(end - colon - 1))) == -1)
			return (-1);
	} else if ((port = defport) == 0)
		return (-1);
	if (!valid_name(h, (size_t)(he - h)))
		return (-1);
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	if (*p == '[') {
		if (inet_pton(AF_INET6, host, s->dst.ip) != 1)
			return (-1);
		s->dst.type = SOCKS_ADDR_IPV6;
		s->dst.port = port;
		return (0);
	}
	return (socks_addr_set(&s->dst, host, port));
}

/* Headers a proxy consumes or that describe only the hop to it. */
static int
hop_by_hop(const char *n, size_t len)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection",
		"proxy-authorization", "proxy-authenticate", "te", "trailer",
		"upgrade", "host"
	};
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		if (lit_ieq(n, len, names[i]))
			return (1);
	return (0);
}

static int
tchar(int c)
{
	return (isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL));
}

/* The next line at p before end: its length without CR LF, or -1. */
static int
next_line(const char *p, const char *end, size_t *llen, const char **next)
{
	const char	*nl;

	if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
		return (-1);
	*next = nl + 1;
	if (nl > p && nl[-1] == '\r')
		nl--;
	*llen = (size_t)(nl - p);
	return (0);
}

/* Is the field named by any Connection header in [p, end)? */
static int
connection_lists(const char *p, const char *end, const char *name,
    size_t nlen)
{
	const char	*next;
	size_t		 llen;

	for (; next_line(p, end, &llen, &next) == 0; p = next)
		if (llen > 11 && strncasecmp(p, "connection:", 11) == 0 &&
		    token_listed(p + 11, llen - 11, name, nlen))
			return (1);
	return (0);
}

/*
 * The request for the origin: origin-form target, Host from the URL, the
 * client's headers less the hop-by-hop ones and the ones its Connection
 * names, and "Connection: close" (one request per upstream connection,
 * as tinyproxy does: the end of the response is then never in doubt).
 * Content-Length and Transfer-Encoding stay whatever Connection says:
 * the body is forwarded byte for byte, still framed as they describe
 * (http.c has refused both together and any coding but final chunked).
 */
static int
http_rewrite(struct socks_server *s, const char *buf,
    const struct http_request *r, const char *path, size_t plen,
    const char *auth, size_t alen)
{
	const char	*p, *end, *nl, *colon, *hdrs;
	size_t		 llen, nlen;
	int		 drop;

	s->head.len = 0;
	if (buf_add(&s->head, r->method_str.p, r->method_str.len) == -1 ||
	    buf_addc(&s->head, ' ') == -1)
		return (-1);
	if (plen == 0 || *path != '/')
		if (buf_addc(&s->head, '/') == -1)
			return (-1);
	if (buf_add(&s->head, path, plen) == -1 ||
	    buf_printf(&s->head, " HTTP/1.%d\r\nHost: ", r->minor) == -1 ||
	    buf_add(&s->head, auth, alen) == -1 ||
	    buf_adds(&s->head, "\r\n") == -1)
		return (-1);
	end = buf + r->head_len;
	p = r->line.p + r->line.len;
	hdrs = p = memchr(p, '\n', (size_t)(end - p)) + 1;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		llen = (size_t)(nl - p);
		if (llen > 0 && p[llen - 1] == '\r')
			llen--;
		if (llen == 0)
			break;
		colon = memchr(p, ':', llen);
		nlen = (size_t)(colon - p);
		drop = hop_by_hop(p, nlen);
		if (!drop && !lit_ieq(p, nlen, "content-length") &&
		    !lit_ieq(p, nlen, "transfer-encoding"))
			drop = connection_lists(hdrs, end, p, nlen);
		if (!drop && (buf_add(&s->head, p, llen) == -1 ||
		    buf_adds(&s->head, "\r\n") == -1))
			return (-1);
	}
	return (buf_adds(&s->head, "Connection: close\r\n\r\n"));
}

static int
http_request(struct socks_server *s, const char *p, size_t len, size_t *n,
    struct buf *out)
{
	struct http_request	 r;
	const char		*t, *te, *a, *ae, *path, *v, *e, *nl, *q;
	const char		*auth = NULL;
	size_t			 alen = 0, vl;
	int			 st, nauth = 0;

	st = http_parse_request(p, len > SOCKS_HTTP_HEAD_MAX ?
	    SOCKS_HTTP_HEAD_MAX : len, &r);
	if (st == HTTP_PARSE_MORE)
		return (len >= SOCKS_HTTP_HEAD_MAX ? http_refuse(s, 431,
		    "request head too long", out) : SOCKS_MORE);
	if (st != HTTP_PARSE_OK)
		return (http_refuse(s, st, st == 414 ? "request line too long" :
		    st == 431 ? "request head too long" : st == 505 ?
		    "HTTP version not supported" : "malformed request", out));
	*n = r.head_len;
	s->keep_alive = r.keep_alive;
	s->content_length = r.content_length;
	s->chunked = r.chunked;
	/* Proxy-Authorization: one at most. */
	e = p + r.head_len;
	for (q = r.line.p + r.line.len; q < e; q = nl + 1) {
		if ((nl = memchr(q, '\n', (size_t)(e - q))) == NULL)
			break;
		if ((size_t)(nl - q) > 20 &&
		    strncasecmp(q, "proxy-authorization:", 20) == 0) {
			if (++nauth > 1)
				return (http_refuse(s, 400,
				    "two Proxy-Authorization headers", out));
			v = q + 20;
			vl = (size_t)(nl - v);
			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			while (vl > 0 && (v[vl - 1] == '\r' ||
			    v[vl - 1] == ' ' || v[vl - 1] == '\t'))
				vl--;
			http_basic(s, v, vl);
		}
	}
	t = r.target.p;
	te = t + r.target.len;
	if (lit_ieq(r.method_str.p, r.method_str.len, "CONNECT")) {
		if (r.content_length > 0 || r.chunked)
			return (http_refuse(s, 400, "CONNECT with a body",
			    out));
		if (parse_authority(s, t, r.target.len, 0) == -1)
			return (http_refuse(s, 400, "bad CONNECT target",
			    out));
		s->cmd = SOCKS_CMD_CONNECT;
	} else {
		if (r.target.len < 7 || strncasecmp(t, "http://", 7) != 0)
			return (http_refuse(s, 400, *t == '/' ?
			    "not a proxy request" : "not an http:// URL",
			    out));
		a = t + 7;
		for (ae = a; ae < te && *ae != '/' && *ae != '?' &&
		    *ae != '#'; ae++)
			;
		if (parse_authority(s, a, (size_t)(ae - a), 80) == -1)
			return (http_refuse(s, 400, "bad URL host", out));
		auth = a;
		alen = (size_t)(ae - a);
		if ((path = memchr(ae, '#', (size_t)(te - ae))) != NULL)
			te = path;
		if (http_rewrite(s, p, &r, ae, (size_t)(te - ae), auth,
		    alen) == -1)
			return (serr(s, "out of memory"));
		s->cmd = SOCKS_CMD_FORWARD;
	}
	if (s->auth_required) {
		s->state = SH_AUTH_WAIT;
		return (SOCKS_AUTH);
	}
	explicit_bzero(s->pass, sizeof(s->pass));
	s->state = S_REQ_WAIT;
	return (SOCKS_REQUEST);
}

/*
 * Feeds what the client sent (all of it not yet consumed).  Returns
 * SOCKS_MORE (flush out, read more, call again), SOCKS_AUTH (answer with
 * socks_server_auth()), SOCKS_REQUEST (act on cmd and dst, answer with
 * socks_server_reply()), or SOCKS_ERROR (flush out, then close; why says
 * what was refused).  *used is what the handshake took: bytes after it
 * belong to what follows (early data, a request body).
 */
int
socks_server_input(struct socks_server *s, const void *in, size_t len,
    size_t *used, struct buf *out)
{
	const unsigned char	*p = in;
	size_t			 off = 0, n;
	int			 r;

	*used = 0;
	for (;;) {
		n = 0;
		switch (s->state) {
		case S_FIRST:
			if (len == 0)
				return (SOCKS_MORE);
			if (p[0] == 5) {
				s->proto = SOCKS_PROTO_SOCKS5;
				s->state = S5_GREETING;
			} else if (p[0] == 4) {
				s->proto = SOCKS_PROTO_SOCKS4;
				s->state = S4_REQUEST;
			} else if (isalpha(p[0])) {
				s->proto = SOCKS_PROTO_HTTP;
				s->state = SH_REQUEST;
			} else
				return (serr(s, "unknown protocol"));
			continue;
		case S5_GREETING:
			r = s5_greeting(s, p + off, len - off, &n, out);
			break;
		case S5_AUTH:
			r = s5_auth(s, p + off, len - off, &n, out);
			break;
		case S5_REQUEST:
			r = s5_request(s, p + off, len - off, &n, out);
			break;
		case S4_REQUEST:
			r = s4_request(s, p + off, len - off, &n, out);
			break;
		case SH_REQUEST:
			r = http_request(s, (const char *)p + off, len - off,
			    &n, out);
			break;
		case S5_AUTH_WAIT:
		case SH_AUTH_WAIT:
			return (SOCKS_AUTH);
		case S_REQ_WAIT:
			return (SOCKS_REQUEST);
		case S_DONE:
			return (SOCKS_DONE);
		default:
			if (s->err.msg[0] == '\0')
				err_set(&s->err, "handshake failed");
			return (SOCKS_ERROR);
		}
		if (r == SOCKS_MORE)
			return (SOCKS_MORE);
		off += n;
		*used = off;
		if (r != SOCKS_DONE)
			return (r);
	}
}

/* The verdict on the credentials of SOCKS_AUTH. */
int
socks_server_auth(struct socks_server *s, int ok, struct buf *out)
{
	static const unsigned char okm[] = { 1, 0 }, bad[] = { 1, 1 };

	explicit_bzero(s->pass, sizeof(s->pass));
	switch (s->state) {
	case S5_AUTH_WAIT:
		if (buf_add(out, ok ? okm : bad, 2) == -1)
			return (serr(s, "out of memory"));
		if (!ok)
			return (serr(s, "authentication failed"));
		s->state = S5_REQUEST;
		return (SOCKS_MORE);
	case SH_AUTH_WAIT:
		if (!ok)
			return (http_refuse(s, 407, s->has_creds ?
			    "authentication failed" :
			    "authentication required", out));
		s->state = S_REQ_WAIT;
		return (SOCKS_REQUEST);
	default:
		return (serr(s, "no authentication pending"));
	}
}

/*
 * The verdict on SOCKS_REQUEST: rep is SOCKS_REP_*, bound the address
 * the proxy connected from (or the UDP relay's), NULL for 0.0.0.0:0.
 * SOCKS_DONE on success (an absolute-form request then has nothing
 * for the client: send s->head to the origin), else SOCKS_ERROR.
 */
int
socks_server_reply(struct socks_server *s, int rep,
    const struct socks_addr *bound, struct buf *out)
{
	static const struct socks_addr none = { SOCKS_ADDR_IPV4, { 0 }, "", 0 };
	unsigned char	m[8];
	int		st;

	if (s->state != S_REQ_WAIT)
		return (serr(s, "no request pending"));
	if (bound == NULL)
		bound = &none;
	if (rep < 0 || rep > 255)
		rep = SOCKS_REP_FAILURE;
	switch (s->proto) {
	case SOCKS_PROTO_SOCKS5:
		if (rep != SOCKS_REP_OK)
			return (s5_refuse(s, rep, socks5_reply_text(rep), out));
		if (buf_addc(out, 5) == -1 || buf_addc(out, 0) == -1 ||
		    buf_addc(out, 0) == -1 || add_s5addr(out, bound) == -1)
			return (serr(s, "out of memory"));
		break;
	case SOCKS_PROTO_SOCKS4:
	case SOCKS_PROTO_SOCKS4A:
		if (rep != SOCKS_REP_OK)
			return (s4_refuse(s, socks5_reply_text(rep), out));
		memset(m, 0, sizeof(m));
		m[1] = S4_GRANTED;
		if (bound->type == SOCKS_ADDR_IPV4) {
			m[2] = (unsigned char)(bound->port >> 8);
			m[3] = (unsigned char)bound->port;
			memcpy(m + 4, bound->ip, 4);
		}
		if (buf_add(out, m, sizeof(m)) == -1)
			return (serr(s, "out of memory"));
		break;
	case SOCKS_PROTO_HTTP:
		if (rep != SOCKS_REP_OK) {
			st = rep == SOCKS_REP_NOT_ALLOWED ? 403 :
			    rep == SOCKS_REP_TIMEOUT ? 504 :
			    rep == SOCKS_REP_COMMAND ? 501 : 502;
			return (http_refuse(s, st, socks5_reply_text(rep),
			    out));
		}
		if (s->cmd == SOCKS_CMD_CONNECT && buf_adds(out,
		    "HTTP/1.1 200 Connection established\r\n\r\n") == -1)
			return (serr(s, "out of memory"));
		break;
	default:
		return (serr(s, "no request pending"));
	}
	s->state = S_DONE;
	return (SOCKS_DONE);
}

/* ---- keep-alive: bodies and responses ---- */

enum {
	B_DONE,
	B_LENGTH,
	B_CLOSE,
	B_SIZE,
	B_EXT,
	B_SIZE_LF,
	B_DATA,
	B_DATA_CR,
	B_DATA_LF,
	B_TRAILER,
	B_TRAILER_LF,
	B_ERROR
};

/* framing is SOCKS_BODY_*, length the Content-Length for LENGTH. */
void
socks_body_init(struct socks_body *b, int framing, long long length)
{
	memset(b, 0, sizeof(*b));
	switch (framing) {
	case SOCKS_BODY_LENGTH:
		b->state = length > 0 ? B_LENGTH : B_DONE;
		b->remaining = length > 0 ? (unsigned long long)length : 0;
		break;
	case SOCKS_BODY_CHUNKED:
		b->state = B_SIZE;
		break;
	case SOCKS_BODY_CLOSE:
		b->state = B_CLOSE;
		break;
	default:
		b->state = B_DONE;
		break;
	}
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* After a size line: data, or the trailers of the last chunk. */
static void
chunk_start(struct socks_body *b)
{
	b->line = 0;
	b->state = b->remaining > 0 ? B_DATA : B_TRAILER;
}

/*
 * Streams through a body, keeping nothing: SOCKS_MORE when all of the
 * input is body and more is to come, SOCKS_DONE when the body ends after
 * *used bytes (what follows is the next message), SOCKS_ERROR on broken
 * chunked framing (*used is where).  Chunked framing is held to RFC 9112
 * (size lines and trailers bounded; LF or CR LF ends a line).
 */
int
socks_body_scan(struct socks_body *b, const void *in, size_t len,
    size_t *used)
{
	const unsigned char	*p = in;
	size_t			 i = 0, n;
	int			 c, h;

	*used = 0;
	while (i < len || b->state == B_DONE) {
		switch (b->state) {
		case B_DONE:
			*used = i;
			return (SOCKS_DONE);
		case B_CLOSE:
			*used = len;
			return (SOCKS_MORE);
		case B_LENGTH:
		case B_DATA:
			n = len - i;
			if ((unsigned long long)n > b->remaining)
				n = (size_t)b->remaining;
			b->remaining -= n;
			i += n;
			if (b->remaining == 0)
				b->state = b->state == B_LENGTH ? B_DONE :
				    B_DATA_CR;
			continue;
		default:
			break;
		}
		c = p[i++];
		switch (b->state) {
		case B_SIZE:
			if ((h = hexval(c)) != -1) {
				/* 16 hex digits at most: no overflow. */
				if (b->remaining >> 60 != 0)
					goto bad;
				b->remaining = b->remaining << 4 |
				    (unsigned long long)h;
				b->line++;
			} else if (b->line == 0)
				goto bad;
			else if (c == ';' || c == ' ' || c == '\t')
				b->state = B_EXT;
			else if (c == '\r')
				b->state = B_SIZE_LF;
			else if (c == '\n')
				chunk_start(b);
			else
				goto bad;
			break;
		case B_EXT:
			if (c == '\r')
				b->state = B_SIZE_LF;
			else if (c == '\n')
				chunk_start(b);
			else if ((c < 0x20 && c != '\t') || c == 0x7f ||
			    ++b->line > SOCKS_CHUNK_LINE_MAX)
				goto bad;
			break;
		case B_SIZE_LF:
			if (c != '\n')
				goto bad;
			chunk_start(b);
			break;
		case B_DATA_CR:
			if (c == '\r')
				b->state = B_DATA_LF;
			else if (c == '\n') {
				b->line = 0;
				b->state = B_SIZE;
			} else
				goto bad;
			break;
		case B_DATA_LF:
			if (c != '\n')
				goto bad;
			b->line = 0;
			b->state = B_SIZE;
			break;
		case B_TRAILER:
		case B_TRAILER_LF:
			if (++b->trailers > SOCKS_TRAILERS_MAX)
				goto bad;
			if (b->state == B_TRAILER_LF && c != '\n')
				goto bad;
			if (c == '\n') {
				if (b->line == 0)
					b->state = B_DONE;
				else {
					b->line = 0;
					b->state = B_TRAILER;
				}
			} else if (c == '\r')
				b->state = B_TRAILER_LF;
			else if ((c < 0x20 && c != '\t') || c == 0x7f ||
			    (b->line == 0 && (c == ' ' || c == '\t')))
				goto bad;
			else
				b->line++;
			break;
		default:
			goto bad;
		}
	}
	*used = len;
	return (SOCKS_MORE);
bad:
	b->state = B_ERROR;
	*used = i > 0 ? i - 1 : 0;
	return (SOCKS_ERROR);
}

/*
 * The head of the origin's response to a forwarded request: how its
 * body is framed, and into out the head for the client, less hop-by-hop
 * fields, with "Connection: keep-alive" when the client asked for it
 * and the end of the body will be known, "close" otherwise.  head_req:
 * the request was HEAD (no body whatever the fields say).  Interim 1xx
 * heads go out as they are, and the next head follows: call again.
 */
int
socks_http_response(const char *buf, size_t len, int head_req,
    int client_keep_alive, struct socks_http_response *r, struct buf *out)
{
	const char	*p, *end, *next, *hdrs, *colon, *v;
	size_t		 llen, nlen, vlen, slen, i, start = out->len;
	long long	 cl = -1, n;
	int		 nheaders = 0, te = 0, te_chunked = 0, interim;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	end = buf + (len > SOCKS_HTTP_HEAD_MAX ? SOCKS_HTTP_HEAD_MAX : len);
	if (next_line(buf, end, &llen, &next) == -1)
		return (len >= SOCKS_HTTP_HEAD_MAX ? SOCKS_ERROR : SOCKS_MORE);
	if (llen < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) || (llen > 12 && buf[12] != ' '))
		return (SOCKS_ERROR);
	for (i = 12; i < llen; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f)
			return (SOCKS_ERROR);
	r->status = (buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
	    (buf[11] - '0');
	/* Upgrade was not passed on: a switch is the origin's error. */
	if (r->status < 100 || r->status == 101)
		return (SOCKS_ERROR);
	interim = r->status < 200;
	slen = llen;
	hdrs = p = next;
	/* First pass: check every field and learn the framing. */
	for (;;) {
		if (next_line(p, end, &llen, &next) == -1)
			return (len >= SOCKS_HTTP_HEAD_MAX ? SOCKS_ERROR :
			    SOCKS_MORE);
		if (llen == 0)
			break;
		if (++nheaders > HTTP_HEADERS_MAX || *p == ' ' || *p == '\t' ||
		    (colon = memchr(p, ':', llen)) == NULL || colon == p)
			return (SOCKS_ERROR);
		for (v = p; v < colon; v++)
			if (!tchar((unsigned char)*v))
				return (SOCKS_ERROR);
		nlen = (size_t)(colon - p);
		for (v = colon + 1; v < p + llen; v++)
			if (((unsigned char)*v < 0x20 && *v != '\t') ||
			    *v == 0x7f)
				return (SOCKS_ERROR);
		v = colon + 1;
		vlen = llen - nlen - 1;
		while (vlen > 0 && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
		while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
			vlen--;
		if (lit_ieq(p, nlen, "content-length")) {
			if (vlen == 0 || vlen > 18)
				return (SOCKS_ERROR);
			for (n = 0, i = 0; i < vlen; i++) {
				if (!isdigit((unsigned char)v[i]))
					return (SOCKS_ERROR);
				n = n * 10 + (v[i] - '0');
			}
			/* Repeats must agree (RFC 9110, 8.6). */
			if (cl != -1 && cl != n)
				return (SOCKS_ERROR);
			cl = n;
		} else if (lit_ieq(p, nlen, "transfer-encoding")) {
			te = 1;
			for (i = vlen; i > 0 && v[i - 1] != ','; i--)
				;
			while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
				i++;
			te_chunked = lit_ieq(v + i, vlen - i, "chunked");
		}
		p = next;
	}
	r->head_len = (size_t)(next - buf);
	if (head_req || interim || r->status == 204 || r->status == 304)
		r->framing = SOCKS_BODY_NONE;
	else if (te)
		r->framing = te_chunked ? SOCKS_BODY_CHUNKED :
		    SOCKS_BODY_CLOSE;
	else if (cl >= 0) {
		r->framing = SOCKS_BODY_LENGTH;
		r->content_length = cl;
	} else
		r->framing = SOCKS_BODY_CLOSE;
	r->keep_alive = client_keep_alive && r->framing != SOCKS_BODY_CLOSE;

	/* Second pass: the head for the client, lines ended by CR LF. */
	if (buf_add(out, buf, slen) == -1 || buf_adds(out, "\r\n") == -1)
		goto nomem;
	end = buf + r->head_len;
	for (p = hdrs; next_line(p, end, &llen, &next) == 0 && llen > 0;
	    p = next) {
		colon = memchr(p, ':', llen);
		nlen = (size_t)(colon - p);
		if (hop_by_hop(p, nlen) && !lit_ieq(p, nlen, "host"))
			continue;
		/* Transfer-Encoding wins; Content-Length beside it goes. */
		if (lit_ieq(p, nlen, "content-length")) {
			if (te)
				continue;
		} else if (!lit_ieq(p, nlen, "transfer-encoding") &&
		    connection_lists(hdrs, end, p, nlen))
			continue;
		if (buf_add(out, p, llen) == -1 || buf_adds(out, "\r\n") == -1)
			goto nomem;
	}
	if (!interim && buf_adds(out, r->keep_alive ?
	    "Connection: keep-alive\r\n" : "Connection: close\r\n") == -1)
		goto nomem;
	if (buf_adds(out, "\r\n") == -1)
		goto nomem;
	return (SOCKS_DONE);
nomem:
	out->len = start;
	return (SOCKS_ERROR);
}

/* ---- SOCKS5 UDP ---- */

/*
 * RSV RSV FRAG ATYP DST.ADDR DST.PORT DATA: 0 with *hdrlen the header's
 * length, or -1 to drop (fragments, which nobody sends, included).
 */
int
socks5_udp_parse(const void *in, size_t len, struct socks_addr *a,
    size_t *hdrlen)
{
	const unsigned char	*p = in;
	size_t			 n;

	if (len < 4 || p[0] != 0 || p[1] != 0 || p[2] != 0)
		return (-1);
	if (parse_s5addr(p + 3, len - 3, a, &n, 1) != SOCKS_DONE)
		return (-1);
	if (a->port == 0)
		return (-1);
	*hdrlen = 3 + n;
	return (0);
}

/* The header for a datagram from a; out holds SOCKS5_UDP_HDR_MAX. */
size_t
socks5_udp_build(unsigned char *out, const struct socks_addr *a)
{
	size_t	n = 0, alen;

	out[n++] = 0;
	out[n++] = 0;
	out[n++] = 0;
	out[n++] = (unsigned char)a->type;
	if (a->type == SOCKS_ADDR_NAME) {
		alen = strlen(a->name);
		out[n++] = (unsigned char)alen;
		memcpy(out + n, a->name, alen);
	} else {
		alen = a->type == SOCKS_ADDR_IPV4 ? 4 : 16;
		memcpy(out + n, a->ip, alen);
	}
	n += alen;
	out[n++] = (unsigned char)(a->port >> 8);
	out[n++] = (unsigned char)a->port;
	return (n);
}

/*
 * Equal in time that depends on the lengths only, not on where the
 * first difference is: for USER:PASSWORD checks.
 */
int
socks_ct_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	const unsigned char	*pa = a, *pb = b;
	volatile unsigned char	 d = 0;
	size_t			 i;

	d |= alen != blen;
	for (i = 0; i < alen; i++)
		d |= pa[i] ^ (blen > 0 ? pb[i % blen] : 0);
	return (d == 0);
}
