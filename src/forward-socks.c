/*
 * forward -x: one pair's handshake with a SOCKS5, SOCKS4/4a or HTTP
 * CONNECT proxy, driven by the epoll engine a step at a time on top of
 * the pure client in socks-client.c.  The proxy's replies are read with
 * MSG_PEEK and only the bytes the handshake takes are consumed, so data
 * the target sends right behind the last reply stays in the socket and
 * reaches the client through the ordinary relay.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "forward.h"
#include "log.h"
#include "socks.h"

struct fwd_px {
	struct socks_client sc;
	struct buf	 out;		/* to the proxy */
	size_t		 off;		/* of out, sent */
	char		*in;		/* taken, not yet used by the client */
	size_t		 inlen;
};

struct fwd_px *
forward_px_new(const struct fwd_conf *c, struct sk_err *err)
{
	struct fwd_px	*x;

	if ((x = calloc(1, sizeof(*x))) == NULL ||
	    (x->in = malloc(SOCKS_INPUT_MAX)) == NULL) {
		free(x);
		err_set(err, "out of memory");
		return (NULL);
	}
	if (socks_client_start(&x->sc, c->px, c->px_target, c->px_pass,
	    &x->out) == SOCKS_ERROR) {
		*err = x->sc.err;
		forward_px_free(x);
		return (NULL);
	}
	return (x);
}

void
forward_px_free(struct fwd_px *x)
{
	if (x == NULL)
		return;
	socks_client_clear(&x->sc);
	if (x->out.p != NULL)
		explicit_bzero(x->out.p, x->out.cap);
	buf_free(&x->out);
	free(x->in);
	free(x);
}

/* Sends what is due; 1 when some is left (wait for EPOLLOUT). */
static int
px_flush(struct fwd_px *x, int fd, struct sk_err *err)
{
	ssize_t	n;

	while (x->off < x->out.len) {
		n = send(fd, x->out.p + x->off, x->out.len - x->off,
		    MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			return (1);
		if (n == -1) {
			err_set(err, "%s", strerror(errno));
			return (-1);
		}
		x->off += (size_t)n;
	}
	explicit_bzero(x->out.p, x->out.len);
	x->out.len = x->off = 0;
	return (0);
}

/* Takes exactly n bytes that a peek has shown are there. */
static int
px_consume(int fd, char *scratch, size_t n, struct sk_err *err)
{
	ssize_t	r;

	while (n > 0) {
		r = recv(fd, scratch, n, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			err_set(err, "%s", r == 0 ? "closed the connection" :
			    strerror(errno));
			return (-1);
		}
		n -= (size_t)r;
	}
	return (0);
}

/*
 * One step of the handshake.  What the proxy sent is peeked behind the
 * input not used yet; when the handshake ends, the bytes it took are
 * consumed and the rest stays in the socket; when it needs more, all
 * that was peeked is part of it (a proxy sends nothing of the target's
 * before its last reply), so it is consumed into the input buffer.
 */
int
forward_px_step(struct fwd_px *x, int fd, uint32_t *want, struct sk_err *err)
{
	ssize_t	n;
	size_t	used;
	int	r;

	if ((r = px_flush(x, fd, err)) != 0) {
		*want = EPOLLOUT;
		return (r == -1 ? FWD_PX_ERROR : FWD_PX_AGAIN);
	}
	for (;;) {
		n = recv(fd, x->in + x->inlen, SOCKS_INPUT_MAX - x->inlen,
		    MSG_PEEK);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN) {
			*want = EPOLLIN;
			return (FWD_PX_AGAIN);
		}
		if (n == -1) {
			err_set(err, "%s", strerror(errno));
			return (FWD_PX_ERROR);
		}
		if (n == 0) {
			err_set(err, "closed the connection during the "
			    "handshake");
			return (FWD_PX_ERROR);
		}
		used = 0;
		r = socks_client_input(&x->sc, x->in, x->inlen + (size_t)n,
		    &used, &x->out);
		if (r == SOCKS_ERROR) {
			*err = x->sc.err;
			return (FWD_PX_ERROR);
		}
		if (r == SOCKS_DONE) {
			if (used < x->inlen) {
				err_set(err, "handshake ended inside what it "
				    "had taken");
				return (FWD_PX_ERROR);
			}
			if (px_consume(fd, x->in + x->inlen, used - x->inlen,
			    err) == -1)
				return (FWD_PX_ERROR);
			/* A reply may still need sending (never in practice). */
			if ((r = px_flush(x, fd, err)) != 0) {
				*want = EPOLLOUT;
				return (r == -1 ? FWD_PX_ERROR :
				    FWD_PX_AGAIN);
			}
			return (FWD_PX_DONE);
		}
		if (px_consume(fd, x->in + x->inlen, (size_t)n, err) == -1)
			return (FWD_PX_ERROR);
		x->inlen += (size_t)n;
		if (used > 0) {
			memmove(x->in, x->in + used, x->inlen - used);
			x->inlen -= used;
		}
		if (x->inlen >= SOCKS_INPUT_MAX) {
			err_set(err, "reply too long");
			return (FWD_PX_ERROR);
		}
		if ((r = px_flush(x, fd, err)) != 0) {
			*want = EPOLLOUT;
			return (r == -1 ? FWD_PX_ERROR : FWD_PX_AGAIN);
		}
	}
}
