/*
 * Non-blocking reads and writes for the epoll engines, plain or through
 * TLS (see connio.h).  Built without TLS, a connection is never TLS
 * (tls-stub.c stands in for the calls).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/epoll.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "connio.h"
#include "log.h"
#include "tls.h"

static enum connio
connio_tls(ssize_t r, size_t *n, uint32_t *want)
{
	if (r > 0) {
		*n = (size_t)r;
		return (CONNIO_OK);
	}
	if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
		*want = r == TLS_WANT_POLLIN ? EPOLLIN : EPOLLOUT;
		return (CONNIO_AGAIN);
	}
	/* A client that drops TCP without close_notify has just left. */
	return (r == 0 || r == TLS_TRUNCATED ? CONNIO_EOF : CONNIO_ERROR);
}

enum connio
connio_read(struct tls *t, int fd, void *buf, size_t len, size_t *n,
    uint32_t *want, struct sk_err *err)
{
	ssize_t	r;

	if (t != NULL)
		return (connio_tls(tls_read(t, buf, len, err), n, want));
	do
		r = read(fd, buf, len);
	while (r == -1 && errno == EINTR);
	if (r > 0) {
		*n = (size_t)r;
		return (CONNIO_OK);
	}
	if (r == 0)
		return (CONNIO_EOF);
	if (errno == EAGAIN) {
		*want = EPOLLIN;
		return (CONNIO_AGAIN);
	}
	err_set(err, "read: %s", strerror(errno));
	return (CONNIO_ERROR);
}

enum connio
connio_write(struct tls *t, int fd, const void *buf, size_t len, size_t *n,
    uint32_t *want, struct sk_err *err)
{
	ssize_t	r;

	if (t != NULL)
		return (connio_tls(tls_write(t, buf, len, err), n, want));
	do
		r = write(fd, buf, len);
	while (r == -1 && errno == EINTR);
	if (r >= 0) {
		*n = (size_t)r;
		return (CONNIO_OK);
	}
	if (errno == EAGAIN) {
		*want = EPOLLOUT;
		return (CONNIO_AGAIN);
	}
	err_set(err, "write: %s", strerror(errno));
	return (CONNIO_ERROR);
}

enum connio
connio_handshake(struct tls *t, uint32_t *want, struct sk_err *err)
{
	size_t	n;
	int	r;

	if (t == NULL)
		return (CONNIO_OK);
	if ((r = tls_handshake(t, err)) == 0)
		return (CONNIO_OK);
	return (connio_tls(r, &n, want));
}

enum connio
connio_close_notify(struct tls *t, uint32_t *want, struct sk_err *err)
{
	size_t	n;
	int	r;

	if ((r = tls_close_notify(t, err)) == 0)
		return (CONNIO_OK);
	return (connio_tls(r, &n, want));
}

int
connio_pending(struct tls *t)
{
	return (t != NULL && tls_pending(t));
}

void
connio_close(struct tls *t)
{
	struct sk_err	err;

	if (t == NULL)
		return;
	(void)tls_close_notify(t, &err);
	tls_free(t);
}

struct tls *
connio_tls_new(struct tls_ctx *ctx, int fd, struct sk_err *err)
{
	return (tls_new(ctx, fd, NULL, err));
}

void
connio_report(struct tls *t, char *out, size_t outlen)
{
	tls_report(t, out, outlen);
}
