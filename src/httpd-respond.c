/*
 * serve-http's responses: mapping a request to a file, a redirect, a
 * listing or an error page, and writing the status line and headers into
 * the connection's output buffer.  Bodies of files are left to the
 * connection state machine (httpd.c), which sends them with sendfile.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "http.h"
#include "httpd-int.h"
#include "httpd-path.h"
#include "listing.h"
#include "loop.h"
#include "mime.h"

#define SMALL_BODY	(16 * 1024)	/* sent in the header write */
/* A FIFO or device must not block the loop, nor become a terminal. */
#define HTTPD_OPEN_FLAGS	(O_RDONLY | O_NOCTTY | O_NONBLOCK)

static const char *
httpd_now_date(struct server *s)
{
	time_t	t;

	t = time(NULL);
	if (t != s->date_t) {
		s->date_t = t;
		http_format_date(t, s->date, sizeof(s->date));
	}
	return (s->date);
}

/* Status line and the headers every response carries. */
static int
httpd_head_start(struct conn *c, int status, const char *ctype, off_t length)
{
	struct server	*s = c->srv;
	struct buf	*b = &c->out;

	if (buf_printf(b, "HTTP/1.1 %d %s\r\nServer: sockctl/%s\r\n"
	    "Date: %s\r\n", status, http_reason(status), PACKAGE_VERSION,
	    httpd_now_date(s)) == -1)
		return (-1);
	if (ctype != NULL &&
	    buf_printf(b, "Content-Type: %s\r\n", ctype) == -1)
		return (-1);
	/* A 204 has no body and must not say how long it is. */
	if (status != 204 &&
	    buf_printf(b, "Content-Length: %lld\r\n", (long long)length) == -1)
		return (-1);
	if (!c->keep_alive && buf_add(b, "Connection: close\r\n", 19) == -1)
		return (-1);
	/* HTTP/1.0 clients assume close unless told otherwise. */
	if (c->keep_alive && c->minor == 0 &&
	    buf_adds(b, "Connection: keep-alive\r\n") == -1)
		return (-1);
	return (buf_add(b, s->extra.p, s->extra.len));
}

/*
 * The table's type, exactly; --charset appends a parameter to text types
 * only, for clients that would otherwise guess the encoding.
 */
static const char *
httpd_content_type(struct server *s, const char *name)
{
	const char	*type;

	type = mime_type(name);
	if (s->cf->charset == NULL || !mime_is_text(type))
		return (type);
	free(s->ctype);
	if (asprintf(&s->ctype, "%s; charset=%s", type, s->cf->charset) == -1) {
		s->ctype = NULL;
		return (type);
	}
	return (s->ctype);
}

/* The driver in httpd_conn_cb writes at once; EPOLLOUT only if that blocks. */
static void
httpd_start_write(struct conn *c)
{
	c->state = C_WRITE;
	c->out_off = 0;
	loop_timer_set(c->srv->loop, &c->timer, c->srv->cf->idle);
}

/* A small HTML page for an error or a redirect, into c->out. */
int
httpd_build_simple(struct conn *c, const struct http_request *r, int status,
    const char *extra)
{
	char	body[256];
	int	n;

	n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<html><head>"
	    "<title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
	    status, http_reason(status), status, http_reason(status));
	c->out.len = 0;
	if (httpd_head_start(c, status, "text/html; charset=utf-8", n) == -1 ||
	    (extra != NULL && buf_add(&c->out, extra, strlen(extra)) == -1) ||
	    buf_add(&c->out, "\r\n", 2) == -1 ||
	    ((r == NULL || r->method != HTTP_HEAD) &&
	    buf_add(&c->out, body, (size_t)n) == -1)) {
		c->broken = 1;
		return (-1);
	}
	return (r != NULL && r->method == HTTP_HEAD ? 0 : n);
}

void
httpd_respond_simple(struct conn *c, const struct http_request *r, int status,
    const char *extra)
{
	int	n;

	if ((n = httpd_build_simple(c, r, status, extra)) == -1)
		return;
	httpd_log_request(c, r, status, n);
	httpd_start_write(c);
}

/* Out of descriptors is the server's trouble, and passes: 503. */
static int
httpd_open_status(int e)
{
	if (e == EACCES)
		return (403);
	if (e == EMFILE || e == ENFILE || e == ENOMEM)
		return (503);
	return (404);
}

static void
httpd_redirect_slash(struct conn *c, const struct http_request *r,
    const char *path)
{
	struct buf	loc = { 0 };

	/* Built from the normalised path: one leading '/', no CR or LF. */
	if (buf_add(&loc, "Location: ", 10) == -1 ||
	    listing_url_encode(&loc, path, strlen(path), 1) == -1 ||
	    buf_add(&loc, "/\r\n", 4) == -1) {
		buf_free(&loc);
		c->broken = 1;
		return;
	}
	httpd_respond_simple(c, r, 301, loc.p);
	buf_free(&loc);
}

/*
 * A listing is built a step per loop turn (C_LIST), so a directory of
 * 100,000 entries does not stall the other clients; the socket's
 * EPOLLOUT, ready at once, brings the next turn.  The response starts
 * when the page is whole, for its Content-Length.
 */
static void
httpd_respond_listing(struct conn *c, const struct http_request *r, int dirfd,
    const char *path)
{
	if ((c->list = listing_start(dirfd, &c->srv->root, path,
	    c->srv->cf->hidden)) == NULL) {
		httpd_respond_simple(c, r, 500, NULL);
		return;
	}
	/* The request is gone by the time the page is done: log it now. */
	c->list_head = r->method == HTTP_HEAD;
	c->state = C_LIST;
	loop_timer_set(c->srv->loop, &c->timer, c->srv->cf->idle);
	httpd_log_later(c, r);
}

/* One step of a listing; on the last, the response. */
void
httpd_list_step(struct conn *c)
{
	struct buf		*body = &c->listbody;
	enum listing_status	 r;

	if ((r = listing_step(c->list, body)) == LISTING_MORE)
		return;
	listing_free(c->list);
	c->list = NULL;
	c->out.len = 0;
	if (r == LISTING_ERROR) {
		buf_free(body);
		if (httpd_build_simple(c, NULL, 500, NULL) == -1)
			return;
		httpd_log_finish(c, 500, 0);
		httpd_start_write(c);
		return;
	}
	if (httpd_head_start(c, 200, "text/html; charset=utf-8",
	    (off_t)body->len) == -1 || buf_add(&c->out, "\r\n", 2) == -1 ||
	    (!c->list_head && buf_add(&c->out, body->p, body->len) == -1)) {
		buf_free(body);
		c->broken = 1;
		return;
	}
	httpd_log_finish(c, 200, c->list_head ? 0 : (off_t)body->len);
	buf_free(body);
	httpd_start_write(c);
}

static void
httpd_respond_file(struct conn *c, const struct http_request *r, int fd,
    const struct stat *st, const char *name)
{
	struct http_range range;
	char		 etag[64], lm[40], extra[160];
	off_t		 first = 0, len = st->st_size;
	enum http_range_kind rk = HTTP_RANGE_NONE;
	int		 status = 200;
	ssize_t		 n;

	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
	    (unsigned long long)st->st_size,
	    (unsigned long long)st->st_mtime);
	http_format_date(st->st_mtime, lm, sizeof(lm));
	if (http_not_modified(r, st->st_mtime, etag)) {
		c->out.len = 0;
		snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: "
		    "%s\r\n\r\n", etag, lm);
		/* A 304's length is that of the representation it is for. */
		if (httpd_head_start(c, 304, NULL, st->st_size) == -1 ||
		    buf_add(&c->out, extra, strlen(extra)) == -1) {
			close(fd);
			c->broken = 1;
			return;
		}
		close(fd);
		httpd_log_request(c, r, 304, 0);
		httpd_start_write(c);
		return;
	}
	if (r->range.len > 0 && http_if_range_ok(r, st->st_mtime, etag))
		rk = http_parse_range(r->range.p, r->range.len, st->st_size,
		    &range);
	if (rk == HTTP_RANGE_UNSAT) {
		close(fd);
		snprintf(extra, sizeof(extra),
		    "Content-Range: bytes */%lld\r\n", (long long)st->st_size);
		httpd_respond_simple(c, r, 416, extra);
		return;
	}
	if (rk == HTTP_RANGE_OK) {
		status = 206;
		first = range.first;
		len = range.last - range.first + 1;
	}
	c->out.len = 0;
	if (httpd_head_start(c, status, httpd_content_type(c->srv, name),
	    len) == -1 ||
	    buf_printf(&c->out, "ETag: %s\r\nLast-Modified: %s\r\n"
	    "Accept-Ranges: bytes\r\n", etag, lm) == -1 ||
	    (status == 206 && buf_printf(&c->out, "Content-Range: bytes "
	    "%lld-%lld/%lld\r\n", (long long)first,
	    (long long)(first + len - 1), (long long)st->st_size) == -1) ||
	    buf_add(&c->out, "\r\n", 2) == -1) {
		close(fd);
		c->broken = 1;
		return;
	}
	httpd_log_request(c, r, status, r->method == HTTP_HEAD ? 0 : len);
	if (r->method == HTTP_HEAD || len == 0) {
		close(fd);
		httpd_start_write(c);
		return;
	}
	/* A small body rides in the header write: one segment, no stall. */
	if (len <= SMALL_BODY && buf_reserve(&c->out, (size_t)len) == 0) {
		n = pread(fd, c->out.p + c->out.len, (size_t)len, first);
		if (n == len) {
			c->out.len += (size_t)n;
			close(fd);
			httpd_start_write(c);
			return;
		}
	}
	c->file = fd;
	c->file_off = first;
	c->file_left = len;
	httpd_start_write(c);
}

/*
 * --cors: a preflight (or any OPTIONS) is allowed what the server does;
 * the headers the client wants to send are echoed, as a static server
 * ignores them anyway.  Access-Control-Allow-Origin comes from extra.
 */
static void
httpd_respond_preflight(struct conn *c, const struct http_request *r)
{
	c->out.len = 0;
	if (httpd_head_start(c, 204, NULL, 0) == -1 ||
	    buf_adds(&c->out, "Allow: GET, HEAD, OPTIONS\r\n"
	    "Access-Control-Allow-Methods: GET, HEAD, OPTIONS\r\n") == -1 ||
	    (r->acr_headers.len > 0 &&
	    (buf_adds(&c->out, "Access-Control-Allow-Headers: ") == -1 ||
	    buf_add(&c->out, r->acr_headers.p, r->acr_headers.len) == -1 ||
	    buf_add(&c->out, "\r\n", 2) == -1)) ||
	    buf_add(&c->out, "\r\n", 2) == -1) {
		c->broken = 1;
		return;
	}
	httpd_log_request(c, r, 204, 0);
	httpd_start_write(c);
}

void
httpd_handle_request(struct conn *c, const struct http_request *r)
{
	struct server	*s = c->srv;
	struct stat	 st;
	char		 path[HTTP_LINE_MAX + 2];
	char		*irel;
	const char	*rel, *p;
	int		 isdir, st_code, fd, ifd;

	if (r->method == HTTP_OTHER) {
		if (s->cf->cors && r->method_str.len == 7 &&
		    memcmp(r->method_str.p, "OPTIONS", 7) == 0) {
			httpd_respond_preflight(c, r);
			return;
		}
		httpd_respond_simple(c, r, 405, s->cf->cors ?
		    "Allow: GET, HEAD, OPTIONS\r\n" : "Allow: GET, HEAD\r\n");
		return;
	}
	st_code = http_normalize_path(r->target.p, r->target.len, path,
	    sizeof(path), &isdir);
	if (st_code != 0) {
		if (st_code != 404)
			c->keep_alive = 0;
		httpd_respond_simple(c, r, st_code, NULL);
		return;
	}
	if (!s->cf->hidden)
		for (p = path; (p = strchr(p, '/')) != NULL; p++)
			if (p[1] == '.') {
				httpd_respond_simple(c, r, 404, NULL);
				return;
			}
	rel = path[1] == '\0' ? "." : path + 1;
	if ((fd = httpd_root_open(&s->root, rel, HTTPD_OPEN_FLAGS)) == -1) {
		httpd_respond_simple(c, r, httpd_open_status(errno), NULL);
		return;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		httpd_respond_simple(c, r, 500, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!isdir) {
			close(fd);
			httpd_redirect_slash(c, r, path);
			return;
		}
		/* The index may link elsewhere in DIR: open it from root. */
		if (asprintf(&irel, "%s%s", path + 1, s->cf->index) == -1) {
			close(fd);
			c->broken = 1;
			return;
		}
		ifd = httpd_root_open(&s->root, irel, HTTPD_OPEN_FLAGS);
		free(irel);
		if (ifd != -1 && fstat(ifd, &st) == 0 && S_ISREG(st.st_mode)) {
			close(fd);
			httpd_respond_file(c, r, ifd, &st, s->cf->index);
			return;
		}
		if (ifd != -1)
			close(ifd);
		if (s->cf->no_listing)
			httpd_respond_simple(c, r, 403, NULL);
		else
			httpd_respond_listing(c, r, fd, path);
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode) || isdir) {
		close(fd);
		httpd_respond_simple(c, r, 404, NULL);
		return;
	}
	httpd_respond_file(c, r, fd, &st, rel);
}
