/*
 * TLS I/O on an established connection (see tls.h for the results): reads
 * with OpenSSL's read-ahead, and writes through a buffer of our own so
 * that many records leave in one write(2).
 *
 * Why the write buffer: OpenSSL hands each 16 KiB record to its BIO on
 * its own, and a socket BIO makes each one a write(2), a TCP push and,
 * on the receiving side, a wakeup.  Our BIO appends the records instead,
 * and tls_write sends up to TLS_WBATCH of them in one write(2), which
 * the kernel moves as a few large segments.  Bytes are reported taken
 * only when their records are all on the socket: until then the caller
 * keeps them (and polls for POLLOUT) as for a plain short write, so no
 * caller has to know that encrypted bytes may wait here.  Handshake
 * messages and alerts go through the same buffer; OpenSSL flushes its
 * BIO after each flight, and that flush writes it out.  The buffer is
 * freed whenever it is empty, so an idle connection holds none.
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"
#include "tls-int.h"

#define TLS_WBATCH	(256 * 1024)	/* plaintext encrypted per write(2) */
#define TLS_WBUF_MAX	(4 * 1024 * 1024) /* then the BIO says "retry" */
#define TLS_RECORD	16384		/* plaintext per record */
#define TLS_RECORD_OVERHEAD 64		/* header, nonce, tag: 29 at most */

static BIO_METHOD	*wbuf_method;

/*
 * Writes out what the buffer holds: 0 when it is empty, 1 when the
 * socket is full, -1 with errno.
 */
static int
wbuf_flush(struct tls_wbuf *w)
{
	ssize_t	n;

	while (w->off < w->len) {
		n = write(w->fd, w->p + w->off, w->len - w->off);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return (1);
			return (-1);
		}
		w->off += (size_t)n;
	}
	free(w->p);
	w->p = NULL;
	w->len = w->off = w->cap = 0;
	return (0);
}

/*
 * Room for NEED more bytes, grown once to what a batch needs rather
 * than doubled record by record (each doubling would copy).  0 or -1.
 */
static int
wbuf_reserve(struct tls_wbuf *w, size_t need)
{
	size_t	 cap;
	char	*p;

	if (w->off > 0 && w->off == w->len)
		w->off = w->len = 0;
	if (w->len + need <= w->cap)
		return (0);
	if (w->off > 0) {
		memmove(w->p, w->p + w->off, w->len - w->off);
		w->len -= w->off;
		w->off = 0;
		if (w->len + need <= w->cap)
			return (0);
	}
	cap = w->len + need;
	if (cap < 2 * w->cap)
		cap = 2 * w->cap;
	if ((p = realloc(w->p, cap)) == NULL)
		return (-1);
	w->p = p;
	w->cap = cap;
	return (0);
}

static int
wbuf_write(BIO *b, const char *data, size_t len, size_t *written)
{
	struct tls_wbuf	*w;

	w = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	if (w->len - w->off + len > TLS_WBUF_MAX) {
		/* Only a peer that never reads gets here: wait for it. */
		if (wbuf_flush(w) == -1)
			return (0);
		if (w->len - w->off + len > TLS_WBUF_MAX) {
			BIO_set_retry_write(b);
			return (0);
		}
	}
	if (wbuf_reserve(w, len) == -1)
		return (0);
	memcpy(w->p + w->len, data, len);
	w->len += len;
	*written = len;
	return (1);
}

static long
wbuf_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	struct tls_wbuf	*w;

	w = BIO_get_data(b);
	(void)num;
	(void)ptr;
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		BIO_clear_retry_flags(b);
		switch (wbuf_flush(w)) {
		case 0:
			return (1);
		case 1:
			BIO_set_retry_write(b);
			return (0);
		default:
			return (-1);
		}
	case BIO_CTRL_WPENDING:
		return ((long)(w->len - w->off));
	case BIO_CTRL_DUP:
		return (1);
	default:
		return (0);
	}
}

static int
wbuf_create(BIO *b)
{
	BIO_set_init(b, 1);
	return (1);
}

int
tls_io_setup(struct tls *t, int fd, struct sk_err *e)
{
	BIO	*rbio = NULL, *wbio = NULL;

	if (wbuf_method == NULL) {
		if ((wbuf_method = BIO_meth_new(BIO_get_new_index() |
		    BIO_TYPE_SOURCE_SINK, "sockctl write buffer")) == NULL ||
		    BIO_meth_set_write_ex(wbuf_method, wbuf_write) != 1 ||
		    BIO_meth_set_ctrl(wbuf_method, wbuf_ctrl) != 1 ||
		    BIO_meth_set_create(wbuf_method, wbuf_create) != 1) {
			BIO_meth_free(wbuf_method);
			wbuf_method = NULL;
			return (tls_err_openssl(e, "cannot start TLS"));
		}
	}
	t->wb.fd = fd;
	if ((rbio = BIO_new_socket(fd, BIO_NOCLOSE)) == NULL ||
	    (wbio = BIO_new(wbuf_method)) == NULL) {
		BIO_free(rbio);
		return (tls_err_openssl(e, "cannot start TLS"));
	}
	BIO_set_data(wbio, &t->wb);
	SSL_set_bio(t->ssl, rbio, wbio);
	return (0);
}

void
tls_io_free(struct tls *t)
{
	free(t->wb.p);
	t->wb.p = NULL;
}

int
tls_io_flush(struct tls *t, struct sk_err *e)
{
	switch (wbuf_flush(&t->wb)) {
	case 0:
		return (0);
	case 1:
		return (TLS_WANT_POLLOUT);
	default:
		err_set(e, "%s", strerror(errno));
		return (TLS_ERROR);
	}
}

static int
unexpected_eof(unsigned long l)
{
	return (ERR_GET_LIB(l) == ERR_LIB_SSL &&
	    ERR_GET_REASON(l) == SSL_R_UNEXPECTED_EOF_WHILE_READING);
}

/*
 * With SSL_OP_IGNORE_UNEXPECTED_EOF a TCP end without close_notify looks
 * like close_notify, but the socket BIO remembers having read the end of
 * file; after a real close_notify OpenSSL reads no further, so it has
 * not.  Keeping the connection usable (rather than the fatal error
 * OpenSSL makes of it otherwise) lets the other direction go on, as over
 * TCP.
 */
ssize_t
tls_io_result(struct tls *t, int ret, int saved, const char *what,
    struct sk_err *e)
{
	unsigned long	l;

	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return (TLS_WANT_POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return (TLS_WANT_POLLOUT);
	case SSL_ERROR_ZERO_RETURN:
		if (BIO_eof(SSL_get_rbio(t->ssl)))
			goto truncated;
		return (0);
	case SSL_ERROR_SYSCALL:
		l = ERR_peek_error();
		if (l == 0 && saved != 0) {
			err_set(e, "%s", strerror(saved));
			return (TLS_ERROR);
		}
		if (l == 0 || unexpected_eof(l))
			goto truncated;
		break;
	case SSL_ERROR_SSL:
		if (unexpected_eof(ERR_peek_error()))
			goto truncated;
		break;
	default:
		break;
	}
	if (what != NULL)
		(void)tls_err_openssl(e, "%s", what);
	else
		(void)tls_err_openssl(e, NULL);
	return (TLS_ERROR);
 truncated:
	ERR_clear_error();
	err_set(e, "peer closed without TLS close_notify "
	    "(possible truncation)");
	return (TLS_TRUNCATED);
}

ssize_t
tls_read(struct tls *t, void *buf, size_t len, struct sk_err *e)
{
	size_t	n, got = 0;
	ssize_t	r;
	int	ret, saved;

	if (t->read_end_set) {
		if (e != NULL && t->read_end != 0)
			*e = t->read_err;
		return (t->read_end);
	}
	if (!t->handshake_done && (ret = tls_handshake(t, e)) != 0)
		return (ret);
	if (len == 0) {
		/* 0 would read as the peer's close_notify. */
		err_set(e, "TLS read of 0 bytes");
		return (TLS_ERROR);
	}
	t->read_blocked = 0;
	while (got < len) {
		ERR_clear_error();
		errno = 0;
		ret = SSL_read_ex(t->ssl, (char *)buf + got, len - got, &n);
		saved = errno;
		if (ret == 1) {
			got += n;
			/* Records already read ahead cost no syscall. */
			if (SSL_has_pending(t->ssl))
				continue;
			break;
		}
		r = tls_io_result(t, ret, saved, "TLS error", &t->read_err);
		if (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT) {
			/* What is read ahead is part of a record at most. */
			t->read_blocked = 1;
			if (got > 0)
				break;
			return (r);
		}
		/* An end or an error: kept, after any bytes already got. */
		t->read_end = r;
		t->read_end_set = 1;
		if (got > 0)
			break;
		if (e != NULL)
			*e = t->read_err;
		return (r);
	}
	return ((ssize_t)got);
}

/*
 * SSL_has_pending counts a record read ahead in part, which only the
 * socket can complete: after a read that had to wait for the socket,
 * only decrypted bytes count, or a caller polling with a zero timeout
 * while this says yes would spin until the rest of the record came
 * (forever, for a peer that sends half a record and stops).
 */
int
tls_pending(struct tls *t)
{
	if (t->read_end_set || SSL_pending(t->ssl) > 0)
		return (1);
	return (!t->read_blocked && SSL_has_pending(t->ssl));
}

/*
 * Encrypts up to LEN bytes into the (empty) write buffer; the count, or
 * a tls.h result when none could be.
 */
static ssize_t
encrypt_batch(struct tls *t, const char *buf, size_t len, struct sk_err *e)
{
	size_t	n, put = 0;
	ssize_t	r;
	int	ret, saved;

	/* Partial-write mode returns after each record: loop for more. */
	while (put < len) {
		ERR_clear_error();
		errno = 0;
		ret = SSL_write_ex(t->ssl, buf + put, len - put, &n);
		saved = errno;
		if (ret == 1) {
			put += n;
			continue;
		}
		if (put > 0) {
			ERR_clear_error();
			break;
		}
		r = tls_io_result(t, ret, saved, "TLS error", e);
		if (r == 0 || r == TLS_TRUNCATED) {
			err_set(e, "%s", strerror(EPIPE));
			r = TLS_ERROR;
		}
		return (r);
	}
	return ((ssize_t)put);
}

ssize_t
tls_write(struct tls *t, const void *buf, size_t len, struct sk_err *e)
{
	size_t	put = 0;
	ssize_t	n;
	int	ret;

	if (!t->handshake_done && (ret = tls_handshake(t, e)) != 0)
		return (ret);
	if (len == 0)
		return (0);
	if (len < t->wb.wplain) {
		err_set(e, "TLS write retried with fewer bytes");
		return (TLS_ERROR);
	}
	/* Bytes of an earlier call count once their records are out. */
	if (t->wb.wplain > 0) {
		if ((ret = tls_io_flush(t, e)) != 0)
			return (ret);
		put = t->wb.wplain;
		t->wb.wplain = 0;
	}
	while (put < len) {
		if ((ret = tls_io_flush(t, e)) != 0)
			break;
		n = len - put > TLS_WBATCH ? TLS_WBATCH : (ssize_t)(len - put);
		if (wbuf_reserve(&t->wb, (size_t)n + ((size_t)n /
		    TLS_RECORD + 1) * TLS_RECORD_OVERHEAD) == -1) {
			err_set(e, "%s", strerror(errno));
			ret = TLS_ERROR;
			break;
		}
		n = encrypt_batch(t, (const char *)buf + put, (size_t)n, e);
		if (n < 0) {
			ret = (int)n;
			break;
		}
		if ((ret = tls_io_flush(t, e)) != 0) {
			t->wb.wplain = (size_t)n;
			break;
		}
		put += (size_t)n;
	}
	/* An error after some bytes comes back with the next call. */
	if (put > 0)
		return ((ssize_t)put);
	return (ret);
}

int
tls_close_notify(struct tls *t, struct sk_err *e)
{
	ssize_t	r;
	int	ret, saved;

	if (t->close_sent)
		return (tls_io_flush(t, e));
	/* Whatever was written goes before it. */
	if ((ret = tls_io_flush(t, e)) != 0)
		return (ret);
	ERR_clear_error();
	errno = 0;
	ret = SSL_shutdown(t->ssl);
	saved = errno;
	/*
	 * 0: ours is out, the peer's is yet to come; 1: both.  Never call
	 * it again after that: a second call would wait for (and eat up
	 * to) the peer's close_notify instead of leaving it to tls_read.
	 * OpenSSL takes the alert as sent once it is in the write buffer,
	 * which may still have to go out.
	 */
	if (ret >= 0) {
		t->close_sent = 1;
		return (tls_io_flush(t, e));
	}
	r = tls_io_result(t, ret, saved, "TLS error", e);
	if (r == 0 || r == TLS_TRUNCATED) {
		err_set(e, "%s", strerror(EPIPE));
		r = TLS_ERROR;
	}
	return ((int)r);
}
