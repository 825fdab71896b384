/*
 * serve-http over TLS: a connection's handshake, and writing a response
 * through TLS, the file read into the output buffer a chunk at a time
 * (the kernel cannot encrypt what sendfile would send).  httpd.c drives
 * both from its state machine and closes the connection when told.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <unistd.h>

#include "buf.h"
#include "connio.h"
#include "httpd-int.h"
#include "log.h"
#include "loop.h"

#define TLS_FILE_CHUNK	(64 * 1024)	/* four records per read */

enum httpd_tls
httpd_tls_handshake(struct conn *c)
{
	struct sk_err	err;
	char		line[512];

	switch (connio_handshake(c->tls, &c->want, &err)) {
	case CONNIO_OK:
		c->handshaking = 0;
		connio_report(c->tls, line, sizeof(line));
		log_verbose(2, "%s: %s", c->peer, line);
		return (HTTPD_TLS_DONE);
	case CONNIO_AGAIN:
		return (HTTPD_TLS_WAIT);
	default:
		log_verbose(1, "TLS handshake with %s failed: %s", c->peer,
		    err.msg);
		return (HTTPD_TLS_FAIL);
	}
}

enum httpd_tls
httpd_tls_write(struct conn *c)
{
	struct server	*s = c->srv;
	struct sk_err	 err;
	enum connio	 r;
	size_t		 n, want;
	ssize_t		 got;

	for (;;) {
		if (c->out_off == c->out.len) {
			if (c->file_left == 0)
				return (HTTPD_TLS_DONE);
			want = c->file_left > TLS_FILE_CHUNK ?
			    TLS_FILE_CHUNK : (size_t)c->file_left;
			c->out.len = c->out_off = 0;
			if (buf_reserve(&c->out, want) == -1)
				return (HTTPD_TLS_FAIL);
			got = pread(c->file, c->out.p, want, c->file_off);
			if (got == -1 && errno == EINTR)
				continue;
			/* An error, or the file shrank under us. */
			if (got <= 0)
				return (HTTPD_TLS_FAIL);
			c->out.len = (size_t)got;
			c->file_off += got;
			c->file_left -= got;
		}
		r = connio_write(c->tls, c->lfd.fd, c->out.p + c->out_off,
		    c->out.len - c->out_off, &n, &c->want, &err);
		if (r == CONNIO_AGAIN)
			return (HTTPD_TLS_WAIT);
		if (r != CONNIO_OK)
			return (HTTPD_TLS_FAIL);
		c->out_off += n;
		loop_timer_set(s->loop, &c->timer, s->cf->idle);
	}
}
