/*
 * Keep-alive through the proxy for absolute-form requests: where a
 * request or response body ends (Content-Length, or chunked framing held
 * to RFC 9112), streamed without keeping it, and the origin's response
 * head checked, its framing learnt and rewritten for the client.  Pure
 * functions over buffers, like the rest of socks*.c.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "socks-int.h"
#include "socks.h"

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
body_hexval(int c)
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

/* One byte of the trailer section: 0, or -1 when it is broken. */
static int
body_trailer_step(struct socks_body *b, int c)
{
	if (++b->trailers > SOCKS_TRAILERS_MAX)
		return (-1);
	if (b->state == B_TRAILER_LF && c != '\n')
		return (-1);
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
		return (-1);
	else
		b->line++;
	return (0);
}

/*
 * One byte of chunked framing outside chunk data, in b's state: 0, or
 * -1 when the framing is broken.
 */
static int
body_step(struct socks_body *b, int c)
{
	int	h;

	switch (b->state) {
	case B_SIZE:
		if ((h = body_hexval(c)) != -1) {
			/* 16 hex digits at most: no overflow. */
			if (b->remaining >> 60 != 0)
				return (-1);
			b->remaining = b->remaining << 4 |
			    (unsigned long long)h;
			b->line++;
		} else if (b->line == 0)
			return (-1);
		else if (c == ';' || c == ' ' || c == '\t')
			b->state = B_EXT;
		else if (c == '\r')
			b->state = B_SIZE_LF;
		else if (c == '\n')
			chunk_start(b);
		else
			return (-1);
		return (0);
	case B_EXT:
		if (c == '\r')
			b->state = B_SIZE_LF;
		else if (c == '\n')
			chunk_start(b);
		else if ((c < 0x20 && c != '\t') || c == 0x7f ||
		    ++b->line > SOCKS_CHUNK_LINE_MAX)
			return (-1);
		return (0);
	case B_SIZE_LF:
		if (c != '\n')
			return (-1);
		chunk_start(b);
		return (0);
	case B_DATA_CR:
		if (c == '\r')
			b->state = B_DATA_LF;
		else if (c == '\n') {
			b->line = 0;
			b->state = B_SIZE;
		} else
			return (-1);
		return (0);
	case B_DATA_LF:
		if (c != '\n')
			return (-1);
		b->line = 0;
		b->state = B_SIZE;
		return (0);
	case B_TRAILER:
	case B_TRAILER_LF:
		return (body_trailer_step(b, c));
	default:
		return (-1);
	}
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
		if (body_step(b, p[i++]) == -1) {
			b->state = B_ERROR;
			*used = i - 1;
			return (SOCKS_ERROR);
		}
	}
	*used = len;
	return (SOCKS_MORE);
}

static int
tchar(int c)
{
	return (isalnum(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) !=
	    NULL));
}

/* What the first pass over a response's fields learns of its framing. */
struct resp_framing {
	long long	 cl;		/* Content-Length, -1: none */
	int		 te;		/* Transfer-Encoding is there */
	int		 te_chunked;	/* and ends in chunked */
};

/* The status line, llen bytes at buf: its code, or -1 if malformed. */
static int
resp_status(const char *buf, size_t llen)
{
	size_t	i;

	if (llen < 12 || memcmp(buf, "HTTP/1.", 7) != 0 ||
	    !isdigit((unsigned char)buf[7]) || buf[8] != ' ' ||
	    !isdigit((unsigned char)buf[9]) ||
	    !isdigit((unsigned char)buf[10]) ||
	    !isdigit((unsigned char)buf[11]) || (llen > 12 && buf[12] != ' '))
		return (-1);
	for (i = 12; i < llen; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\t') ||
		    buf[i] == 0x7f)
			return (-1);
	return ((buf[9] - '0') * 100 + (buf[10] - '0') * 10 +
	    (buf[11] - '0'));
}

/* One field line of llen > 0 bytes: 0, noting framing in f, or -1. */
static int
resp_field(const char *p, size_t llen, struct resp_framing *f)
{
	const char	*colon, *v;
	size_t		 nlen, vlen, i;
	long long	 n;

	if (*p == ' ' || *p == '\t' ||
	    (colon = memchr(p, ':', llen)) == NULL || colon == p)
		return (-1);
	for (v = p; v < colon; v++)
		if (!tchar((unsigned char)*v))
			return (-1);
	nlen = (size_t)(colon - p);
	for (v = colon + 1; v < p + llen; v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return (-1);
	v = colon + 1;
	vlen = llen - nlen - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (socks_lit_ieq(p, nlen, "content-length")) {
		if (vlen == 0 || vlen > 18)
			return (-1);
		for (n = 0, i = 0; i < vlen; i++) {
			if (!isdigit((unsigned char)v[i]))
				return (-1);
			n = n * 10 + (v[i] - '0');
		}
		/* Repeats must agree (RFC 9110, 8.6). */
		if (f->cl != -1 && f->cl != n)
			return (-1);
		f->cl = n;
	} else if (socks_lit_ieq(p, nlen, "transfer-encoding")) {
		f->te = 1;
		for (i = vlen; i > 0 && v[i - 1] != ','; i--)
			;
		while (i < vlen && (v[i] == ' ' || v[i] == '\t'))
			i++;
		f->te_chunked = socks_lit_ieq(v + i, vlen - i, "chunked");
	}
	return (0);
}

/*
 * First pass: checks every field from p on and learns the framing.
 * SOCKS_DONE with *head_end just after the empty line, SOCKS_MORE, or
 * SOCKS_ERROR.
 */
static int
resp_fields(const char *p, const char *end, size_t len,
    struct resp_framing *f, const char **head_end)
{
	const char	*next;
	size_t		 llen;
	int		 nheaders = 0;

	for (;;) {
		if (socks_next_line(p, end, &llen, &next) == -1)
			return (len >= SOCKS_HTTP_HEAD_MAX ? SOCKS_ERROR :
			    SOCKS_MORE);
		if (llen == 0)
			break;
		if (++nheaders > HTTP_HEADERS_MAX ||
		    resp_field(p, llen, f) == -1)
			return (SOCKS_ERROR);
		p = next;
	}
	*head_end = next;
	return (SOCKS_DONE);
}

/*
 * Second pass: the status line (slen bytes at buf) and the fields from
 * hdrs to end for the client, lines ended by CR LF; 0, or -1 when out of
 * memory.
 */
static int
resp_head(const char *buf, size_t slen, const char *hdrs, const char *end,
    const struct resp_framing *f, int keep_alive, int interim,
    struct buf *out)
{
	const char	*p, *next, *colon;
	size_t		 llen, nlen;

	if (buf_add(out, buf, slen) == -1 || buf_adds(out, "\r\n") == -1)
		return (-1);
	for (p = hdrs; socks_next_line(p, end, &llen, &next) == 0 && llen > 0;
	    p = next) {
		colon = memchr(p, ':', llen);
		nlen = (size_t)(colon - p);
		if (socks_hop_by_hop(p, nlen) &&
		    !socks_lit_ieq(p, nlen, "host"))
			continue;
		/* Transfer-Encoding wins; Content-Length beside it goes. */
		if (socks_lit_ieq(p, nlen, "content-length")) {
			if (f->te)
				continue;
		} else if (!socks_lit_ieq(p, nlen, "transfer-encoding") &&
		    socks_connection_lists(hdrs, end, p, nlen))
			continue;
		if (buf_add(out, p, llen) == -1 || buf_adds(out, "\r\n") == -1)
			return (-1);
	}
	if (!interim && buf_adds(out, keep_alive ?
	    "Connection: keep-alive\r\n" : "Connection: close\r\n") == -1)
		return (-1);
	return (buf_adds(out, "\r\n"));
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
	struct resp_framing	 f;
	const char		*end, *hdrs, *head_end;
	size_t			 slen, start = out->len;
	int			 interim, st;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	end = buf + (len > SOCKS_HTTP_HEAD_MAX ? SOCKS_HTTP_HEAD_MAX : len);
	if (socks_next_line(buf, end, &slen, &hdrs) == -1)
		return (len >= SOCKS_HTTP_HEAD_MAX ? SOCKS_ERROR : SOCKS_MORE);
	if ((st = resp_status(buf, slen)) == -1)
		return (SOCKS_ERROR);
	r->status = st;
	/* Upgrade was not passed on: a switch is the origin's error. */
	if (r->status < 100 || r->status == 101)
		return (SOCKS_ERROR);
	interim = r->status < 200;
	f.cl = -1;
	f.te = 0;
	f.te_chunked = 0;
	if ((st = resp_fields(hdrs, end, len, &f, &head_end)) != SOCKS_DONE)
		return (st);
	r->head_len = (size_t)(head_end - buf);
	if (head_req || interim || r->status == 204 || r->status == 304)
		r->framing = SOCKS_BODY_NONE;
	else if (f.te)
		r->framing = f.te_chunked ? SOCKS_BODY_CHUNKED :
		    SOCKS_BODY_CLOSE;
	else if (f.cl >= 0) {
		r->framing = SOCKS_BODY_LENGTH;
		r->content_length = f.cl;
	} else
		r->framing = SOCKS_BODY_CLOSE;
	r->keep_alive = client_keep_alive && r->framing != SOCKS_BODY_CLOSE;
	if (resp_head(buf, slen, hdrs, buf + r->head_len, &f, r->keep_alive,
	    interim, out) == -1) {
		out->len = start;
		return (SOCKS_ERROR);
	}
	return (SOCKS_DONE);
}
