/*
 * sockctl serve-http: a static file server on the shared epoll loop.  Each
 * connection holds a small struct; its input buffer exists only while a
 * request is being read, so thousands of idle keep-alive connections cost
 * little.  Files are opened beneath the served directory with
 * openat2(RESOLVE_BENEATH), so no spelling of a path and no symlink can
 * leave it unless --follow-symlinks says so; bodies go out with sendfile,
 * and a small body leaves in the same write as its headers.
 */
/* strvisx(3) is the same in both; pick one to silence libbsd's warning. */
#define LIBBSD_OPENBSD_VIS

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/openat2.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <libutil.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "addr.h"
#include "buf.h"
#include "cmd.h"
#include "http.h"
#include "listing.h"
#include "log.h"
#include "loop.h"
#include "mime.h"
#include "sock.h"

#define IN_MAX		(HTTP_LINE_MAX + HTTP_HEAD_MAX + 4096)
#define READ_CHUNK	16384
#define SMALL_BODY	(16 * 1024)	/* sent in the header write */
#define SENDFILE_CHUNK	(1024 * 1024)
#define DRAIN_MS	1000

struct serve_opts {
	int		 port;
	const char	*bind;
	const char	*port_file;
	int		 no_listing;
	const char	*index;
	int		 hidden;
	int		 follow_symlinks;
	const char	*access_log;
	struct opt_list	 headers;
	int		 cors;
	long long	 max_conns;
	long long	 idle;
	int		 verbose;
};

static const struct opt serve_options[] = {
	OPT_PORT_('p', "port", struct serve_opts, port, "8000",
	    "listen on PORT"),
	OPT_STR_('b', "bind", struct serve_opts, bind, "ADDRESS", OPTK_HOST,
	    "127.0.0.1", "listen on ADDRESS"),
	OPT__PORT_FILE(struct serve_opts, port_file,
	    "write the bound port to FILE once listening"),
	OPT_FLAG_(0, "no-listing", struct serve_opts, no_listing,
	    "answer 403 for directories without an index"),
	OPT_STR_(0, "index", struct serve_opts, index, "NAME", OPTK_TEXT,
	    "index.html", "index file name"),
	OPT_FLAG_(0, "hidden", struct serve_opts, hidden,
	    "serve dotfiles (by default they are 404)"),
	OPT_FLAG_(0, "follow-symlinks", struct serve_opts, follow_symlinks,
	    "follow symlinks that lead outside DIR"),
	OPT_STR_(0, "access-log", struct serve_opts, access_log, "FILE",
	    OPTK_FILE, NULL, "log requests to FILE (- for stdout)"),
	OPT_LIST_('H', "header", struct serve_opts, headers, "'NAME: VALUE'",
	    OPTK_TEXT, "add a header to every response (repeatable)"),
	OPT_FLAG_(0, "cors", struct serve_opts, cors,
	    "add Access-Control-Allow-Origin: *"),
	OPT__MAX_CONNS(struct serve_opts, max_conns, 1000000, "1024",
	    "at most N connections"),
	OPT__IDLE(struct serve_opts, idle, "15s",
	    "keep-alive and request timeout"),
	OPT__VERBOSE(struct serve_opts, verbose,
	    "report progress on stderr (repeatable)"),
	OPT_END_
};

enum conn_state {
	C_READ,
	C_WRITE,
	C_LINGER
};

struct server;

struct conn {
	struct loop_fd	 lfd;
	struct loop_timer timer;
	struct server	*srv;
	enum conn_state	 state;
	struct buf	 in;
	long long	 discard;	/* request body bytes still to drop */
	struct buf	 out;
	size_t		 out_off;
	int		 file;
	off_t		 file_off;
	off_t		 file_left;
	int		 keep_alive;
	int		 minor;		/* HTTP/1.x of the request */
	int		 broken;	/* out of memory: close after this step */
	char		 peer[INET6_ADDRSTRLEN + IF_NAMESIZE + 1];
	TAILQ_ENTRY(conn) entry;
};

TAILQ_HEAD(conn_list, conn);

struct server {
	struct serve_opts *o;
	struct loop	*loop;
	struct loop_fd	 listener;
	struct loop_fd	 sig;
	struct loop_timer drain_timer;
	int		 root;
	char		*rootreal;	/* realpath of DIR */
	int		 logfd;
	struct buf	 extra;		/* -H and --cors lines */
	struct conn_list conns;
	long long	 nconns;
	int		 draining;
	time_t		 date_t;
	char		 date[40];
};

static void	conn_close(struct conn *);

static const char *
now_date(struct server *s)
{
	time_t	t = time(NULL);

	if (t != s->date_t) {
		s->date_t = t;
		http_format_date(t, s->date, sizeof(s->date));
	}
	return (s->date);
}

/* Untrusted text for the log: quotes, backslashes and controls escaped. */
static int
log_field(struct buf *b, const struct http_str *v)
{
	char	*tmp;

	if (v->len == 0)
		return (buf_addc(b, '-'));
	if ((tmp = malloc(v->len * 4 + 1)) == NULL)
		return (-1);
	strvisx(tmp, v->p, v->len, VIS_CSTYLE | VIS_OCTAL | VIS_DQ |
	    VIS_TAB | VIS_NL);
	if (buf_add(b, tmp, strlen(tmp)) == -1) {
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

static void
access_log(struct conn *c, const struct http_request *r, int status,
    off_t bytes)
{
	struct server	*s = c->srv;
	struct buf	 b = { 0 };
	struct http_str	 none = { "", 0 };
	struct tm	 tm;
	char		 when[64];
	time_t		 t;

	if (s->logfd < 0)
		return;
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
	if (buf_printf(&b, "%s - - [%s] \"", c->peer, when) == -1 ||
	    log_field(&b, r != NULL ? &r->line : &none) == -1 ||
	    buf_printf(&b, "\" %d ", status) == -1 ||
	    (bytes > 0 ? buf_printf(&b, "%lld", (long long)bytes) :
	    buf_addc(&b, '-')) == -1 ||
	    buf_add(&b, " \"", 2) == -1 ||
	    log_field(&b, r != NULL ? &r->referer : &none) == -1 ||
	    buf_add(&b, "\" \"", 3) == -1 ||
	    log_field(&b, r != NULL ? &r->user_agent : &none) == -1 ||
	    buf_add(&b, "\"\n", 2) == -1) {
		buf_free(&b);
		return;
	}
	(void)write(s->logfd, b.p, b.len);
	buf_free(&b);
}

/* Status line and the headers every response carries. */
static int
head_start(struct conn *c, int status, const char *ctype, off_t length)
{
	struct server	*s = c->srv;
	struct buf	*b = &c->out;

	if (buf_printf(b, "HTTP/1.1 %d %s\r\nServer: sockctl/%s\r\n"
	    "Date: %s\r\n", status, http_reason(status), PACKAGE_VERSION,
	    now_date(s)) == -1)
		return (-1);
	if (ctype != NULL &&
	    buf_printf(b, "Content-Type: %s\r\n", ctype) == -1)
		return (-1);
	if (buf_printf(b, "Content-Length: %lld\r\n", (long long)length) == -1)
		return (-1);
	if (!c->keep_alive && buf_add(b, "Connection: close\r\n", 19) == -1)
		return (-1);
	/* HTTP/1.0 clients assume close unless told otherwise. */
	if (c->keep_alive && c->minor == 0 &&
	    buf_adds(b, "Connection: keep-alive\r\n") == -1)
		return (-1);
	return (buf_add(b, s->extra.p, s->extra.len));
}

/* The driver in conn_cb writes at once; EPOLLOUT only if that blocks. */
static void
start_write(struct conn *c)
{
	c->state = C_WRITE;
	c->out_off = 0;
	loop_timer_set(c->srv->loop, &c->timer, c->srv->o->idle);
}

/* A small HTML page for an error or a redirect. */
static void
respond_simple(struct conn *c, const struct http_request *r, int status,
    const char *extra)
{
	char	body[256];
	int	n;

	n = snprintf(body, sizeof(body), "<!DOCTYPE html>\n<html><head>"
	    "<title>%d %s</title></head><body><h1>%d %s</h1></body></html>\n",
	    status, http_reason(status), status, http_reason(status));
	c->out.len = 0;
	if (head_start(c, status, "text/html; charset=utf-8", n) == -1 ||
	    (extra != NULL && buf_add(&c->out, extra, strlen(extra)) == -1) ||
	    buf_add(&c->out, "\r\n", 2) == -1 ||
	    ((r == NULL || r->method != HTTP_HEAD) &&
	    buf_add(&c->out, body, (size_t)n) == -1)) {
		c->broken = 1;
		return;
	}
	access_log(c, r, status, r != NULL && r->method == HTTP_HEAD ? 0 : n);
	start_write(c);
}

/*
 * RESOLVE_BENEATH also refuses absolute symlinks, even ones that land
 * inside DIR; those (and kernels without openat2) get a realpath check.
 */
static int
inside_root(struct server *s, const char *rel)
{
	char	*full, *real;
	size_t	 n = strlen(s->rootreal);
	int	 ok;

	if (asprintf(&full, "%s/%s", s->rootreal, rel) == -1)
		return (0);
	real = realpath(full, NULL);
	free(full);
	if (real == NULL)
		return (0);
	ok = strncmp(real, s->rootreal, n) == 0 &&
	    (real[n] == '/' || real[n] == '\0' || n == 1);
	free(real);
	return (ok);
}

/* Opens a path relative to DIR, never leaving it without --follow. */
static int
open_in_root(struct server *s, const char *rel)
{
	struct open_how	how;
	int		fd, flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;

	if (s->o->follow_symlinks)
		return (openat(s->root, rel, flags));
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, s->root, rel, &how, sizeof(how));
	if (fd == -1 && (errno == EXDEV || errno == ENOSYS)) {
		if (!inside_root(s, rel)) {
			errno = ENOENT;
			return (-1);
		}
		fd = openat(s->root, rel, flags);
	}
	return (fd);
}

static void
redirect_slash(struct conn *c, const struct http_request *r,
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
	respond_simple(c, r, 301, loc.p);
	buf_free(&loc);
}

static void
respond_listing(struct conn *c, const struct http_request *r, int dirfd,
    const char *path)
{
	struct buf	 body = { 0 };

	if (listing_build(&body, dirfd, c->srv->root, path,
	    c->srv->o->hidden, c->srv->o->follow_symlinks) == -1) {
		buf_free(&body);
		respond_simple(c, r, 500, NULL);
		return;
	}
	c->out.len = 0;
	if (head_start(c, 200, "text/html; charset=utf-8",
	    (off_t)body.len) == -1 || buf_add(&c->out, "\r\n", 2) == -1 ||
	    (r->method != HTTP_HEAD &&
	    buf_add(&c->out, body.p, body.len) == -1)) {
		buf_free(&body);
		c->broken = 1;
		return;
	}
	access_log(c, r, 200, r->method == HTTP_HEAD ? 0 : (off_t)body.len);
	buf_free(&body);
	start_write(c);
}

/* Has the representation changed since what the client holds? */
static int
not_modified(const struct http_request *r, const struct stat *st,
    const char *etag)
{
	time_t	t;

	if (r->if_none_match.len > 0)
		return (http_etag_match(r->if_none_match.p,
		    r->if_none_match.len, etag));
	if (r->if_modified_since.len > 0 &&
	    http_parse_date(r->if_modified_since.p, r->if_modified_since.len,
	    &t) == 0)
		return (st->st_mtime <= t);
	return (0);
}

/* If-Range: a strong entity tag or the exact Last-Modified date. */
static int
if_range_ok(const struct http_request *r, const struct stat *st,
    const char *etag)
{
	time_t	t;

	if (r->if_range.len == 0)
		return (1);
	if (r->if_range.p[0] == '"')
		return (r->if_range.len == strlen(etag) &&
		    memcmp(r->if_range.p, etag, r->if_range.len) == 0);
	return (http_parse_date(r->if_range.p, r->if_range.len, &t) == 0 &&
	    t == st->st_mtime);
}

static void
respond_file(struct conn *c, const struct http_request *r, int fd,
    const struct stat *st, const char *name)
{
	struct http_range range;
	char		 etag[64], lm[40], extra[160];
	off_t		 first = 0, len = st->st_size;
	int		 status = 200, rk = HTTP_RANGE_NONE;
	ssize_t		 n;

	snprintf(etag, sizeof(etag), "\"%llx-%llx\"",
	    (unsigned long long)st->st_size,
	    (unsigned long long)st->st_mtime);
	http_format_date(st->st_mtime, lm, sizeof(lm));
	if (not_modified(r, st, etag)) {
		c->out.len = 0;
		snprintf(extra, sizeof(extra), "ETag: %s\r\nLast-Modified: "
		    "%s\r\n\r\n", etag, lm);
		/* A 304's length is that of the representation it stands for. */
		if (head_start(c, 304, NULL, st->st_size) == -1 ||
		    buf_add(&c->out, extra, strlen(extra)) == -1) {
			close(fd);
			c->broken = 1;
			return;
		}
		close(fd);
		access_log(c, r, 304, 0);
		start_write(c);
		return;
	}
	if (r->range.len > 0 && if_range_ok(r, st, etag))
		rk = http_parse_range(r->range.p, r->range.len, st->st_size,
		    &range);
	if (rk == HTTP_RANGE_UNSAT) {
		close(fd);
		snprintf(extra, sizeof(extra), "Content-Range: bytes */%lld\r\n",
		    (long long)st->st_size);
		respond_simple(c, r, 416, extra);
		return;
	}
	if (rk == HTTP_RANGE_OK) {
		status = 206;
		first = range.first;
		len = range.last - range.first + 1;
	}
	c->out.len = 0;
	if (head_start(c, status, mime_type(name), len) == -1 ||
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
	access_log(c, r, status, r->method == HTTP_HEAD ? 0 : len);
	if (r->method == HTTP_HEAD || len == 0) {
		close(fd);
		start_write(c);
		return;
	}
	/* A small body rides in the header write: one segment, no stall. */
	if (len <= SMALL_BODY && buf_reserve(&c->out, (size_t)len) == 0) {
		n = pread(fd, c->out.p + c->out.len, (size_t)len, first);
		if (n == len) {
			c->out.len += (size_t)n;
			close(fd);
			start_write(c);
			return;
		}
	}
	c->file = fd;
	c->file_off = first;
	c->file_left = len;
	start_write(c);
}

static void
handle_request(struct conn *c, const struct http_request *r)
{
	struct server	*s = c->srv;
	struct stat	 st;
	char		 path[HTTP_LINE_MAX + 2];
	char		*irel;
	const char	*rel, *p;
	int		 isdir, st_code, fd, ifd;

	if (r->method == HTTP_OTHER) {
		respond_simple(c, r, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	st_code = http_normalize_path(r->target.p, r->target.len, path,
	    sizeof(path), &isdir);
	if (st_code != 0) {
		if (st_code != 404)
			c->keep_alive = 0;
		respond_simple(c, r, st_code, NULL);
		return;
	}
	if (!s->o->hidden)
		for (p = path; (p = strchr(p, '/')) != NULL; p++)
			if (p[1] == '.') {
				respond_simple(c, r, 404, NULL);
				return;
			}
	rel = path[1] == '\0' ? "." : path + 1;
	if ((fd = open_in_root(s, rel)) == -1) {
		respond_simple(c, r, errno == EACCES ? 403 : 404, NULL);
		return;
	}
	if (fstat(fd, &st) == -1) {
		close(fd);
		respond_simple(c, r, 500, NULL);
		return;
	}
	if (S_ISDIR(st.st_mode)) {
		if (!isdir) {
			close(fd);
			redirect_slash(c, r, path);
			return;
		}
		/* The index may be a link to elsewhere in DIR: open from root. */
		if (asprintf(&irel, "%s%s", path + 1, s->o->index) == -1) {
			close(fd);
			c->broken = 1;
			return;
		}
		ifd = open_in_root(s, irel);
		free(irel);
		if (ifd != -1 && fstat(ifd, &st) == 0 && S_ISREG(st.st_mode)) {
			close(fd);
			respond_file(c, r, ifd, &st, s->o->index);
			return;
		}
		if (ifd != -1)
			close(ifd);
		if (s->o->no_listing)
			respond_simple(c, r, 403, NULL);
		else
			respond_listing(c, r, fd, path);
		close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode) || isdir) {
		close(fd);
		respond_simple(c, r, 404, NULL);
		return;
	}
	respond_file(c, r, fd, &st, rel);
}

static void
conn_close(struct conn *c)
{
	struct server	*s = c->srv;

	loop_del(s->loop, &c->lfd);
	loop_timer_cancel(s->loop, &c->timer);
	close(c->lfd.fd);
	if (c->file != -1)
		close(c->file);
	buf_free(&c->in);
	buf_free(&c->out);
	TAILQ_REMOVE(&s->conns, c, entry);
	free(c);
	s->nconns--;
	if (s->draining && s->nconns == 0)
		loop_stop(s->loop);
}

/* Waiting for a request: one deadline for the whole head (no dripping). */
static int
await_request(struct conn *c)
{
	struct server	*s = c->srv;

	c->state = C_READ;
	/* Idle connections hold no buffers: they are a struct each. */
	if (c->in.len == 0)
		buf_free(&c->in);
	buf_free(&c->out);
	c->out_off = 0;
	if (s->draining && c->in.len == 0) {
		conn_close(c);
		return (-1);
	}
	loop_timer_set(s->loop, &c->timer, s->o->idle);
	return (0);
}

static void
drop_input(struct conn *c, size_t n)
{
	memmove(c->in.p, c->in.p + n, c->in.len - n);
	c->in.len -= n;
}

static void
drop_body(struct conn *c)
{
	size_t	n;

	if (c->discard <= 0)
		return;
	n = c->in.len < (size_t)c->discard ? c->in.len : (size_t)c->discard;
	drop_input(c, n);
	c->discard -= (long long)n;
}

/*
 * Parses what has arrived and starts the response to one request.
 * Returns -1 if the connection was closed.
 */
static int
conn_process(struct conn *c)
{
	struct http_request r;
	int		 st;

	drop_body(c);
	if (c->discard > 0 || c->in.len == 0)
		return (0);
	st = http_parse_request(c->in.p, c->in.len, &r);
	if (st == HTTP_PARSE_MORE) {
		if (c->in.len >= IN_MAX) {
			c->keep_alive = 0;
			respond_simple(c, NULL, 431, NULL);
		}
	} else if (st != HTTP_PARSE_OK) {
		c->keep_alive = 0;
		c->minor = 1;
		respond_simple(c, NULL, st, NULL);
	} else {
		c->keep_alive = r.keep_alive && !c->srv->draining;
		c->minor = r.minor;
		/* A chunked body is not parsed: answer, then close. */
		if (r.chunked)
			c->keep_alive = 0;
		handle_request(c, &r);
		/* r points into c->in: drop the head (and body) only now. */
		drop_input(c, r.head_len);
		if (r.content_length > 0)
			c->discard = r.content_length;
		drop_body(c);
	}
	if (c->broken) {
		conn_close(c);
		return (-1);
	}
	return (0);
}

/* Reads and processes; returns -1 if the connection was closed. */
static int
conn_read(struct conn *c)
{
	ssize_t	n;
	size_t	want;

	while (c->state == C_READ) {
		want = READ_CHUNK;
		if (c->discard == 0 && c->in.len + want > IN_MAX)
			want = IN_MAX - c->in.len;
		if (want == 0)
			return (conn_process(c));
		if (buf_reserve(&c->in, want) == -1) {
			conn_close(c);
			return (-1);
		}
		n = read(c->lfd.fd, c->in.p + c->in.len, want);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				if (c->in.len == 0)
					buf_free(&c->in);
				return (0);
			}
			conn_close(c);
			return (-1);
		}
		if (n == 0) {
			conn_close(c);
			return (-1);
		}
		c->in.len += (size_t)n;
		if (conn_process(c) == -1)
			return (-1);
		if ((size_t)n < want)
			break;
	}
	return (0);
}

/*
 * Writes the response.  Returns -1 if the connection was closed, 0 when
 * the socket is full or the response is done (state tells which).
 */
static int
conn_write(struct conn *c)
{
	struct server	*s = c->srv;
	ssize_t		 n;

	while (c->out_off < c->out.len) {
		n = write(c->lfd.fd, c->out.p + c->out_off,
		    c->out.len - c->out_off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return (0);
			conn_close(c);
			return (-1);
		}
		c->out_off += (size_t)n;
		loop_timer_set(s->loop, &c->timer, s->o->idle);
	}
	while (c->file_left > 0) {
		n = sendfile(c->lfd.fd, c->file, &c->file_off,
		    c->file_left > SENDFILE_CHUNK ? SENDFILE_CHUNK :
		    (size_t)c->file_left);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return (0);
			conn_close(c);
			return (-1);
		}
		if (n == 0) {		/* the file shrank under us */
			conn_close(c);
			return (-1);
		}
		c->file_left -= n;
		loop_timer_set(s->loop, &c->timer, s->o->idle);
	}
	if (c->file != -1) {
		close(c->file);
		c->file = -1;
	}
	if (c->keep_alive)
		return (await_request(c));
	/*
	 * Closing with unread request bytes would send a reset that can
	 * destroy the response in flight: half-close, drain, then close.
	 */
	if (shutdown(c->lfd.fd, SHUT_WR) == -1) {
		conn_close(c);
		return (-1);
	}
	c->state = C_LINGER;
	buf_free(&c->in);
	loop_timer_set(s->loop, &c->timer, DRAIN_MS);
	return (0);
}

static int
conn_linger(struct conn *c)
{
	char	sink[4096];
	ssize_t	n;

	while ((n = read(c->lfd.fd, sink, sizeof(sink))) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return (-1);
	}
	return (0);
}

/*
 * Drives a connection as far as it can go without blocking: read and
 * parse, write, and on keep-alive go on to the next pipelined request.
 */
static void
conn_cb(struct loop_fd *f, uint32_t ev)
{
	struct conn	*c = f->arg;
	enum conn_state	 before;
	size_t		 had;

	(void)ev;
	for (;;) {
		before = c->state;
		had = c->in.len;
		switch (c->state) {
		case C_READ:
			if (conn_read(c) == -1)
				return;
			break;
		case C_WRITE:
			if (conn_write(c) == -1)
				return;
			/* Pipelined requests already buffered go next. */
			if (c->state == C_READ && c->in.len > 0 &&
			    conn_process(c) == -1)
				return;
			break;
		case C_LINGER:
			if (conn_linger(c) == -1)
				return;
			break;
		}
		if (c->state == before && c->in.len == had)
			break;
	}
	(void)loop_mod(c->srv->loop, &c->lfd,
	    c->state == C_WRITE ? EPOLLOUT : EPOLLIN);
}

static void
conn_timeout(struct loop_timer *t)
{
	conn_close(t->arg);
}

static void
refuse_busy(int fd)
{
	static const char msg[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 20\r\n"
	    "Connection: close\r\n\r\nserver is too busy\r\n";

	(void)write(fd, msg, sizeof(msg) - 1);
	(void)shutdown(fd, SHUT_WR);
	close(fd);
}

static void
listener_cb(struct loop_fd *f, uint32_t ev)
{
	struct server	*s = f->arg;
	struct sock_name n;
	struct conn	*c;
	int		 fd, i;

	(void)ev;
	for (i = 0; i < 128; i++) {
		fd = accept4(f->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN)
				log_verbose(1, "accept: %s", strerror(errno));
			return;
		}
		if (s->nconns >= s->o->max_conns) {
			refuse_busy(fd);
			continue;
		}
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
		    sizeof(int));
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			continue;
		}
		c->srv = s;
		c->file = -1;
		c->lfd.fd = fd;
		c->lfd.cb = conn_cb;
		c->lfd.arg = c;
		c->timer.cb = conn_timeout;
		c->timer.arg = c;
		if (sock_peer_name(fd, &n) == 0)
			strlcpy(c->peer, n.host, sizeof(c->peer));
		else
			strlcpy(c->peer, "-", sizeof(c->peer));
		if (loop_add(s->loop, &c->lfd, EPOLLIN) == -1) {
			close(fd);
			free(c);
			continue;
		}
		TAILQ_INSERT_TAIL(&s->conns, c, entry);
		s->nconns++;
		c->state = C_READ;
		loop_timer_set(s->loop, &c->timer, s->o->idle);
		log_verbose(2, "connection from %s", c->peer);
	}
}

static void
drain_timeout(struct loop_timer *t)
{
	loop_stop(((struct server *)t->arg)->loop);
}

/* SIGINT/SIGTERM: stop accepting, let responses finish, at most 1 s. */
static void
signal_cb(struct loop_fd *f, uint32_t ev)
{
	struct server	*s = f->arg;
	struct signalfd_siginfo si;
	struct conn	*c, *next;

	(void)ev;
	while (read(f->fd, &si, sizeof(si)) > 0)
		;
	if (s->draining)
		return;
	s->draining = 1;
	loop_del(s->loop, &s->listener);
	close(s->listener.fd);
	s->listener.fd = -1;
	for (c = TAILQ_FIRST(&s->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != C_WRITE)
			conn_close(c);
	}
	if (s->nconns == 0) {
		loop_stop(s->loop);
		return;
	}
	s->drain_timer.cb = drain_timeout;
	s->drain_timer.arg = s;
	loop_timer_set(s->loop, &s->drain_timer, DRAIN_MS);
}

static int
build_extra_headers(struct server *s)
{
	const char	*h, *colon;
	size_t		 i, j;

	for (i = 0; i < s->o->headers.n; i++) {
		h = s->o->headers.v[i];
		colon = strchr(h, ':');
		if (colon == NULL || colon == h)
			return (log_usage("invalid header '%s': expected "
			    "'NAME: VALUE'", h));
		for (j = 0; h + j < colon; j++)
			if (!(h[j] > 0x20 && h[j] < 0x7f))
				return (log_usage("invalid header '%s': bad "
				    "character in the name", h));
		for (j = 0; h[j] != '\0'; j++)
			if ((unsigned char)h[j] < 0x20 && h[j] != '\t')
				return (log_usage("invalid header '%s': "
				    "control character", h));
		if (buf_printf(&s->extra, "%s\r\n", h) == -1)
			return (-1);
	}
	if (s->o->cors && buf_add(&s->extra,
	    "Access-Control-Allow-Origin: *\r\n", 32) == -1)
		return (-1);
	return (0);
}

static void
raise_fd_limit(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int
serve_exec(void *p, int argc, char **argv)
{
	struct serve_opts *o = p;
	struct server	 s;
	struct sock_listen_args la;
	struct sock_name n;
	struct sk_err	 err;
	struct conn	*c;
	sigset_t	 mask;
	const char	*dir;
	char		 host[NI_MAXHOST];
	int		 status = EXIT_RUNTIME, lfd = -1, r;

	log_verbosity = o->verbose;
	if (argc > 1)
		return (log_usage("extra argument '%s'", argv[1]));
	dir = argc == 1 ? argv[0] : ".";
	if (cmd_check_dir(dir, &err) == -1)
		return (log_usage("%s", err.msg));
	if (strchr(o->index, '/') != NULL || o->index[0] == '\0')
		return (log_usage("invalid index name '%s'", o->index));
	if (addr_parse_host(o->bind, host, sizeof(host), &err) == -1)
		return (log_usage("invalid address '%s': %s", o->bind,
		    err.msg));
	memset(&s, 0, sizeof(s));
	s.o = o;
	s.root = s.logfd = -1;
	TAILQ_INIT(&s.conns);
	if ((r = build_extra_headers(&s)) != 0) {
		buf_free(&s.extra);
		return (r == -1 ? EXIT_RUNTIME : r);
	}
	if ((s.root = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (s.rootreal = realpath(dir, NULL)) == NULL) {
		log_err("%s: %s", dir, strerror(errno));
		goto out;
	}
	if (o->access_log != NULL) {
		if (strcmp(o->access_log, "-") == 0)
			s.logfd = STDOUT_FILENO;
		else if ((s.logfd = open(o->access_log, O_WRONLY | O_APPEND |
		    O_CREAT | O_CLOEXEC, 0644)) == -1) {
			log_err("%s: %s", o->access_log, strerror(errno));
			goto out;
		}
	}
	raise_fd_limit();
	/*
	 * Listings and responses allocate and free the same sizes over and
	 * over; keep that memory rather than return it to the kernel each
	 * time (measured: a third of the CPU of a 1000-entry listing).
	 */
	(void)mallopt(M_MMAP_THRESHOLD, 4 * 1024 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 8 * 1024 * 1024);
	/* Blocked before the port file exists, so a quick TERM is graceful. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		log_err("sigprocmask: %s", strerror(errno));
		goto out;
	}
	memset(&la, 0, sizeof(la));
	la.host = host;
	la.port = o->port;
	la.socktype = SOCK_STREAM;
	la.backlog = 1024;
	if ((lfd = sock_listen(&la, &err)) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, lfd, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	if (sock_local_name(lfd, &n) == 0)
		fprintf(stderr, strchr(n.host, ':') != NULL ?
		    "Serving %s at http://[%s]:%d/\n" :
		    "Serving %s at http://%s:%d/\n", dir, n.host, n.port);
	if ((s.loop = loop_new()) == NULL) {
		log_err("epoll: %s", strerror(errno));
		goto out;
	}
	if ((s.sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	s.sig.cb = signal_cb;
	s.sig.arg = &s;
	s.listener.fd = lfd;
	s.listener.cb = listener_cb;
	s.listener.arg = &s;
	if (sock_set_nonblock(lfd, 1) == -1 ||
	    loop_add(s.loop, &s.sig, EPOLLIN) == -1 ||
	    loop_add(s.loop, &s.listener, EPOLLIN) == -1) {
		log_err("epoll: %s", strerror(errno));
		goto out;
	}
	lfd = -1;		/* owned by the listener now */
	if (loop_run(s.loop) == -1)
		log_err("epoll_wait: %s", strerror(errno));
	else
		status = 0;
out:
	while ((c = TAILQ_FIRST(&s.conns)) != NULL)
		conn_close(c);
	if (s.listener.fd > 0)
		close(s.listener.fd);
	if (lfd != -1)
		close(lfd);
	if (s.sig.fd > 0)
		close(s.sig.fd);
	if (s.root != -1)
		close(s.root);
	free(s.rootreal);
	if (s.logfd > STDOUT_FILENO)
		close(s.logfd);
	buf_free(&s.extra);
	loop_free(s.loop);
	return (status);
}

const struct cmd_entry cmd_serve_http_entry = {
	.name = "serve-http",
	.summary = "serve a directory over HTTP/1.1",
	.usage = "[OPTIONS] [DIR]",
	.description = "Serve DIR (default: the current directory) over "
	    "HTTP/1.1, on 127.0.0.1:8000\nunless told otherwise.",
	.options = serve_options,
	.optsize = sizeof(struct serve_opts),
	.init = NULL,
	.exec = serve_exec
};
