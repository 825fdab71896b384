/*
 * sockctl proxy's absolute-form HTTP requests: the head rewritten for
 * the origin (socks-http.c) and the request body go up, the origin's
 * response comes back with its head made fit for the client
 * (socks-keepalive.c), and both bodies are framed as they go, so that
 * when the response ends the client's connection can take its next
 * request.  Each request has its own connection to its origin, closed
 * after the response.  Bytes are copied through two bounded buffers:
 * reading stops while one is full, which is the back-pressure.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "loop.h"
#include "proxy-int.h"
#include "socks.h"

struct phttp {
	struct buf	 rin;		/* from the origin, not yet used */
	struct socks_body req;
	struct socks_body resp;
	int		 req_done;
	int		 head_done;
	int		 resp_done;
	int		 teof;		/* the origin has closed */
	int		 head_req;	/* HEAD: no body comes back */
	int		 keep;		/* the client may send another */
	int		 framing;	/* the response's, SOCKS_BODY_* */
};

static const char bad_gateway[] = "HTTP/1.1 502 Bad Gateway\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n";

void
proxy_http_free(struct pconn *c)
{
	if (c->http == NULL)
		return;
	buf_free(&c->http->rin);
	free(c->http);
	c->http = NULL;
}

/* The origin failed us: a 502 if the client has had nothing yet. */
static void
http_fail(struct pconn *c, const char *why)
{
	if (c->received == 0 && c->out.len == 0 && c->http->head_done == 0) {
		c->out.len = 0;
		if (buf_adds(&c->out, bad_gateway) == -1) {
			pconn_close(c, "out of memory");
			return;
		}
		pconn_refuse(c, why);
		return;
	}
	pconn_close(c, why);
}

static void
buf_drop(struct buf *b, size_t n)
{
	if (n == 0)
		return;
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

/* Request body bytes from c->in to the origin, as far as they go. */
static int
http_up(struct pconn *c)
{
	struct phttp	*h = c->http;
	size_t		 n, used;
	int		 r;

	if (h->req_done)
		return (0);
	n = c->in.len;
	if (n > PROXY_BUF_MAX - c->tout.len)
		n = PROXY_BUF_MAX - c->tout.len;
	r = socks_body_scan(&h->req, c->in.p, n, &used);
	if (r == SOCKS_ERROR)
		return (-1);
	if (buf_add(&c->tout, c->in.p, used) == -1)
		return (-1);
	buf_drop(&c->in, used);
	if (r == SOCKS_DONE)
		h->req_done = 1;
	return (0);
}

/* The origin's bytes in h->rin: the head, then the body, to c->out. */
static int
http_down(struct pconn *c, const char **why)
{
	struct phttp	*h = c->http;
	struct socks_http_response hr;
	size_t		 used;
	int		 r;

	while (!h->head_done) {
		/* Nothing yet: rin may not even be allocated. */
		r = h->rin.len == 0 ? SOCKS_MORE : socks_http_response(h->rin.p,
		    h->rin.len, h->head_req, c->s.keep_alive, &hr, &c->out);
		if (r == SOCKS_MORE) {
			if (!h->teof)
				return (0);
			*why = "origin closed before its response";
			return (-1);
		}
		if (r == SOCKS_ERROR) {
			*why = "bad response head from the origin";
			return (-1);
		}
		buf_drop(&h->rin, hr.head_len);
		if (hr.status < 200)
			continue;
		h->head_done = 1;
		h->keep = hr.keep_alive;
		h->framing = hr.framing;
		socks_body_init(&h->resp, hr.framing, hr.content_length);
	}
	if (h->resp_done)
		return (0);
	r = socks_body_scan(&h->resp, h->rin.p, h->rin.len, &used);
	if (r == SOCKS_ERROR) {
		*why = "bad chunked body from the origin";
		return (-1);
	}
	if (buf_add(&c->out, h->rin.p, used) == -1) {
		*why = "out of memory";
		return (-1);
	}
	/* Anything after the end of the response is not the client's. */
	if (r == SOCKS_DONE) {
		h->resp_done = 1;
		h->rin.len = 0;
	} else
		buf_drop(&h->rin, used);
	if (!h->resp_done && h->teof) {
		if (h->framing != SOCKS_BODY_CLOSE) {
			*why = "origin closed in the middle of its response";
			return (-1);
		}
		h->resp_done = 1;
	}
	return (0);
}

/* The response is out: the next request, or the end. */
static void
http_finish(struct pconn *c)
{
	struct phttp	*h = c->http;

	if (!h->keep || !h->req_done) {
		pconn_close(c, NULL);
		return;
	}
	pconn_log(c, NULL);
	pconn_watch(c, &c->tfd, &c->treg, 0);
	close(c->tfd.fd);
	c->tfd.fd = -1;
	c->tout.len = 0;
	proxy_http_free(c);
	pconn_next_request(c);
}

void
proxy_http_io(struct pconn *c)
{
	struct phttp	*h = c->http;
	const char	*why = NULL;
	int		 r, progress;
	uint64_t	 s0, r0;

	s0 = c->sent;
	r0 = c->received;
	/* Until nothing moves: bytes read are in buffers no event recalls. */
	do {
		progress = 0;
		if (http_up(c) == -1) {
			/* The client's framing is broken: nothing more fits. */
			pconn_close(c, "bad request body");
			return;
		}
		if (c->tout.len > 0 &&
		    pconn_write(c->tfd.fd, &c->tout, &c->sent, NULL) == -1) {
			/* The origin stopped reading: its answer says why. */
			c->tout.len = 0;
			h->req_done = 1;
			h->keep = 0;
			c->in.len = 0;
		}
		if (!h->req_done && !c->ceof) {
			if ((r = pconn_read(c->cfd.fd, &c->in, PROXY_BUF_MAX,
			    &c->ceof, c->tc)) == -1) {
				pconn_close(c, strerror(errno));
				return;
			}
			progress |= r;
			if (c->ceof && !h->req_done) {
				pconn_close(c, "client closed during the "
				    "request");
				return;
			}
		}
		if (!h->teof && h->rin.len < PROXY_BUF_MAX &&
		    c->out.len < PROXY_BUF_MAX) {
			if ((r = pconn_read(c->tfd.fd, &h->rin, PROXY_BUF_MAX,
			    &h->teof, NULL)) == -1) {
				http_fail(c, strerror(errno));
				return;
			}
			progress |= r | h->teof;
		}
		if (http_down(c, &why) == -1) {
			http_fail(c, why);
			return;
		}
		if (c->out.len > 0 &&
		    pconn_write(c->cfd.fd, &c->out, &c->received,
		    c->tc) == -1) {
			pconn_close(c, strerror(errno));
			return;
		}
		if (h->resp_done && c->out.len == 0) {
			http_finish(c);
			return;
		}
	} while (progress);
	if (c->sent != s0 || c->received != r0)
		pconn_touch(c, c->px->c->fc.idle_ms);
	pconn_watch(c, &c->cfd, &c->creg,
	    (!h->req_done && !c->ceof && c->in.len < PROXY_BUF_MAX ?
	    EPOLLIN : 0) | (c->out.len > 0 ? EPOLLOUT : 0));
	pconn_watch(c, &c->tfd, &c->treg,
	    (!h->teof && h->rin.len < PROXY_BUF_MAX &&
	    c->out.len < PROXY_BUF_MAX ? EPOLLIN : 0) |
	    (c->tout.len > 0 ? EPOLLOUT : 0));
}

/* Connected to the origin: the rewritten head goes first. */
void
proxy_http_start(struct pconn *c)
{
	struct phttp	*h;

	if ((h = calloc(1, sizeof(*h))) == NULL) {
		pconn_close(c, "out of memory");
		return;
	}
	c->http = h;
	h->head_req = c->s.head.len >= 5 &&
	    memcmp(c->s.head.p, "HEAD ", 5) == 0;
	socks_body_init(&h->req, c->s.chunked ? SOCKS_BODY_CHUNKED :
	    c->s.content_length > 0 ? SOCKS_BODY_LENGTH : SOCKS_BODY_NONE,
	    c->s.content_length);
	c->tout.len = 0;
	if (buf_add(&c->tout, c->s.head.p, c->s.head.len) == -1) {
		pconn_close(c, "out of memory");
		return;
	}
	c->sent = 0;
	c->state = PS_HTTP;
	c->tfd.cb = c->cfd.cb;
	pconn_touch(c, c->px->c->fc.idle_ms);
	proxy_http_io(c);
}
