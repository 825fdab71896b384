/*
 * The TLS calls for a sockctl built --without-tls: tlsopt_check refuses
 * every TLS option first, so none of these is reached with a connection;
 * they exist so that the callers need no #ifdef.
 */
#include "config.h"

#include <sys/types.h>

#include <stddef.h>

#include "log.h"
#include "tls.h"

struct tls_ctx *
tls_ctx_new(const struct tls_config *cf, struct sk_err *e)
{
	(void)cf;
	err_set(e, "TLS is not built in");
	return (NULL);
}

const char *
tls_ctx_selfsigned_pin(const struct tls_ctx *c)
{
	(void)c;
	return (NULL);
}

void
tls_ctx_free(struct tls_ctx *c)
{
	(void)c;
}

struct tls *
tls_new(struct tls_ctx *c, int fd, const char *host, struct sk_err *e)
{
	(void)c;
	(void)fd;
	(void)host;
	err_set(e, "TLS is not built in");
	return (NULL);
}

void
tls_free(struct tls *t)
{
	(void)t;
}

int
tls_handshake(struct tls *t, struct sk_err *e)
{
	(void)t;
	err_set(e, "TLS is not built in");
	return (TLS_ERROR);
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len, struct sk_err *e)
{
	(void)t;
	(void)buf;
	(void)len;
	err_set(e, "TLS is not built in");
	return (TLS_ERROR);
}

int
tls_pending(struct tls *t)
{
	(void)t;
	return (0);
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len, struct sk_err *e)
{
	(void)t;
	(void)buf;
	(void)len;
	err_set(e, "TLS is not built in");
	return (TLS_ERROR);
}

int
tls_close_notify(struct tls *t, struct sk_err *e)
{
	(void)t;
	err_set(e, "TLS is not built in");
	return (TLS_ERROR);
}

void
tls_report(struct tls *t, char *out, size_t len)
{
	(void)t;
	if (len > 0)
		out[0] = '\0';
}

const char *
tls_alpn_selected(struct tls *t)
{
	(void)t;
	return (NULL);
}

const char *
tls_servername(struct tls *t)
{
	(void)t;
	return (NULL);
}
