/*
 * The server's HTTP half: a client's request to the proxy (CONNECT, or
 * an absolute-form URL to forward), its Proxy-Authorization Basic
 * credentials, the target, and the head rewritten for the origin; HTTP
 * refusals; and the header helpers socks-keepalive.c shares.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "compat.h"
#include "http.h"
#include "log.h"
#include "socks-int.h"
#include "socks.h"

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
int
socks_http_refuse(struct socks_server *s, int st, const char *why,
    struct buf *out)
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

int
socks_lit_ieq(const char *p, size_t len, const char *lit)
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
		if ((port = socks_parse_port(colon + 1,
		    (size_t)(end - colon - 1))) == -1)
			return (-1);
	} else if ((port = defport) == 0)
		return (-1);
	if (!socks_valid_name(h, (size_t)(he - h)))
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
int
socks_hop_by_hop(const char *n, size_t len)
{
	static const char *const names[] = {
		"connection", "keep-alive", "proxy-connection",
		"proxy-authorization", "proxy-authenticate", "te", "trailer",
		"upgrade", "host"
	};
	size_t	i;

	for (i = 0; i < nitems(names); i++)
		if (socks_lit_ieq(n, len, names[i]))
			return (1);
	return (0);
}

/* The next line at p before end: its length without CR LF, or -1. */
int
socks_next_line(const char *p, const char *end, size_t *llen, const char **next)
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
int
socks_connection_lists(const char *p, const char *end, const char *name,
    size_t nlen)
{
	const char	*next;
	size_t		 llen;

	for (; socks_next_line(p, end, &llen, &next) == 0; p = next)
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
		drop = socks_hop_by_hop(p, nlen);
		if (!drop && !socks_lit_ieq(p, nlen, "content-length") &&
		    !socks_lit_ieq(p, nlen, "transfer-encoding"))
			drop = socks_connection_lists(hdrs, end, p, nlen);
		if (!drop && (buf_add(&s->head, p, llen) == -1 ||
		    buf_adds(&s->head, "\r\n") == -1))
			return (-1);
	}
	return (buf_adds(&s->head, "Connection: close\r\n\r\n"));
}

int
socks_http_request(struct socks_server *s, const char *p, size_t len, size_t *n,
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
		return (len >= SOCKS_HTTP_HEAD_MAX ? socks_http_refuse(s, 431,
		    "request head too long", out) : SOCKS_MORE);
	if (st != HTTP_PARSE_OK)
		return (socks_http_refuse(s, st, st == 414 ?
		    "request line too long" : st == 431 ?
		    "request head too long" : st == 505 ?
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
				return (socks_http_refuse(s, 400,
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
	if (socks_lit_ieq(r.method_str.p, r.method_str.len, "CONNECT")) {
		if (r.content_length > 0 || r.chunked)
			return (socks_http_refuse(s, 400, "CONNECT with a body",
			    out));
		if (parse_authority(s, t, r.target.len, 0) == -1)
			return (socks_http_refuse(s, 400, "bad CONNECT target",
			    out));
		s->cmd = SOCKS_CMD_CONNECT;
	} else {
		if (r.target.len < 7 || strncasecmp(t, "http://", 7) != 0)
			return (socks_http_refuse(s, 400, *t == '/' ?
			    "not a proxy request" : "not an http:// URL",
			    out));
		a = t + 7;
		for (ae = a; ae < te && *ae != '/' && *ae != '?' &&
		    *ae != '#'; ae++)
			;
		if (parse_authority(s, a, (size_t)(ae - a), 80) == -1)
			return (socks_http_refuse(s, 400, "bad URL host", out));
		auth = a;
		alen = (size_t)(ae - a);
		if ((path = memchr(ae, '#', (size_t)(te - ae))) != NULL)
			te = path;
		if (http_rewrite(s, p, &r, ae, (size_t)(te - ae), auth,
		    alen) == -1)
			return (socks_server_fail(s, "out of memory"));
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
