/*
 * The server side of `sockctl proxy` for one client: SOCKS5, SOCKS4/4a
 * and HTTP told apart by the first byte, SOCKS5 greetings and
 * username/password, SOCKS requests, and the verdicts on credentials
 * and requests in each protocol's reply.  HTTP requests are parsed in
 * socks-http.c.  A message never needs more than SOCKS_INPUT_MAX bytes
 * before the parser decides, so a hostile client cannot make the
 * caller buffer more.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "buf.h"
#include "log.h"
#include "socks-int.h"
#include "socks.h"

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

int
socks_server_fail(struct socks_server *s, const char *why)
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
		return (socks_server_fail(s, "out of memory"));
	*n = 2 + nm;
	if (m == S5_METHOD_REFUSED)
		return (socks_server_fail(s, s->auth_required ?
		    "no username/password method offered" :
		    "no acceptable authentication method"));
	s->state = m == S5_METHOD_USERPASS ? S5_AUTH : S5_REQUEST;
	return (SOCKS_NEXT);
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
			return (socks_server_fail(s, "out of memory"));
		return (socks_server_fail(s, "bad authentication version"));
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
			return (socks_server_fail(s, "out of memory"));
		return (socks_server_fail(s, "authentication failed"));
	}
	s->has_creds = 1;
	if (!s->auth_required) {
		/* Chosen only because nothing else was offered: any will do. */
		explicit_bzero(s->pass, sizeof(s->pass));
		if (buf_add(out, okm, sizeof(okm)) == -1)
			return (socks_server_fail(s, "out of memory"));
		s->state = S5_REQUEST;
		return (SOCKS_NEXT);
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
	r = socks_parse_s5addr(p + 3, len - 3, &s->dst, &an, 1);
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
	s->dst.port = socks_get16(p + 2);
	if (is4a) {
		h = u + 1;
		lim = len - *n < SOCKS_NAME_MAX + 1 ? len - *n :
		    SOCKS_NAME_MAX + 1;
		if ((u = memchr(h, '\0', lim)) == NULL)
			return (lim > SOCKS_NAME_MAX ? s4_refuse(s,
			    "host name too long", out) : SOCKS_MORE);
		hlen = (size_t)(u - h);
		*n += hlen + 1;
		if (!socks_valid_name((const char *)h, hlen))
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

/*
 * The step for the message s->state waits for; a socks_step_fn.  The
 * first byte tells the protocol apart (SOCKS_NEXT, nothing taken).
 */
static int
server_step(void *arg, const unsigned char *p, size_t len, size_t *n,
    struct buf *out)
{
	struct socks_server	*s = arg;

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
			return (socks_server_fail(s, "unknown protocol"));
		return (SOCKS_NEXT);
	case S5_GREETING:
		return (s5_greeting(s, p, len, n, out));
	case S5_AUTH:
		return (s5_auth(s, p, len, n, out));
	case S5_REQUEST:
		return (s5_request(s, p, len, n, out));
	case S4_REQUEST:
		return (s4_request(s, p, len, n, out));
	case SH_REQUEST:
		return (socks_http_request(s, (const char *)p, len, n, out));
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
	return (socks_feed(server_step, s, in, len, used, out));
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
			return (socks_server_fail(s, "out of memory"));
		if (!ok)
			return (socks_server_fail(s, "authentication failed"));
		s->state = S5_REQUEST;
		return (SOCKS_MORE);
	case SH_AUTH_WAIT:
		if (!ok)
			return (socks_http_refuse(s, 407, s->has_creds ?
			    "authentication failed" :
			    "authentication required", out));
		s->state = S_REQ_WAIT;
		return (SOCKS_REQUEST);
	default:
		return (socks_server_fail(s, "no authentication pending"));
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
		return (socks_server_fail(s, "no request pending"));
	if (bound == NULL)
		bound = &none;
	if (rep < 0 || rep > 255)
		rep = SOCKS_REP_FAILURE;
	switch (s->proto) {
	case SOCKS_PROTO_SOCKS5:
		if (rep != SOCKS_REP_OK)
			return (s5_refuse(s, rep, socks5_reply_text(rep), out));
		if (buf_addc(out, 5) == -1 || buf_addc(out, 0) == -1 ||
		    buf_addc(out, 0) == -1 ||
		    socks_add_s5addr(out, bound) == -1)
			return (socks_server_fail(s, "out of memory"));
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
			return (socks_server_fail(s, "out of memory"));
		break;
	case SOCKS_PROTO_HTTP:
		if (rep != SOCKS_REP_OK) {
			st = rep == SOCKS_REP_NOT_ALLOWED ? 403 :
			    rep == SOCKS_REP_TIMEOUT ? 504 :
			    rep == SOCKS_REP_COMMAND ? 501 : 502;
			return (socks_http_refuse(s, st, socks5_reply_text(rep),
			    out));
		}
		if (s->cmd == SOCKS_CMD_CONNECT && buf_adds(out,
		    "HTTP/1.1 200 Connection established\r\n\r\n") == -1)
			return (socks_server_fail(s, "out of memory"));
		break;
	default:
		return (socks_server_fail(s, "no request pending"));
	}
	s->state = S_DONE;
	return (SOCKS_DONE);
}
