/*
 * What the two OpenSSL files share: tls.c (contexts, certificates,
 * verification, the handshake, the report) and tls-io.c (the socket
 * I/O of an established connection and the write buffer behind it).
 * Nothing else includes this header.
 */
#ifndef TLS_INT_H
#define TLS_INT_H

#include <openssl/bio.h>
#include <openssl/ssl.h>

#include "log.h"
#include "tls.h"

struct tls_ctx {
	SSL_CTX		*ssl_ctx;
	enum tls_role	 role;
	int		 insecure;
	int		 pinned;
	unsigned char	 pin[TLS_PIN_LEN];
	int		 client_ca;
	char		*name;
	unsigned char	*alpn;		/* length-prefixed, as on the wire */
	size_t		 alpnlen;
	char		 selfsigned_pin[TLS_PIN_STRLEN];
};

/*
 * The write buffer (tls-io.c): records OpenSSL writes are appended here
 * and go out in large write(2)s.  wplain counts the bytes of the
 * caller's that are encrypted in it but not yet reported as taken: they
 * are reported once their records are all on the socket.
 */
struct tls_wbuf {
	int		 fd;
	char		*p;
	size_t		 len;		/* bytes in p */
	size_t		 off;		/* of which already written */
	size_t		 cap;
	size_t		 wplain;
};

struct tls {
	struct tls_ctx	*ctx;
	SSL		*ssl;
	struct tls_wbuf	 wb;
	int		 handshake_done;
	int		 handshake_failed;	/* then hs_err says why */
	struct sk_err	 hs_err;
	int		 close_sent;
	int		 pin_mismatch;
	unsigned char	 peer_pin[TLS_PIN_LEN];
	int		 read_blocked;	/* the last read waited for the socket */
	int		 read_end_set;	/* reading met an end or error: */
	ssize_t		 read_end;	/* 0, TLS_TRUNCATED, TLS_ERROR */
	struct sk_err	 read_err;
	char		*alpn_selected;
};

/* OpenSSL's reason after FMT (NULL: the reason alone); returns -1. */
int	tls_err_openssl(struct sk_err *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));

/*
 * The BIOs of a connection on FD: the socket for reading, the write
 * buffer for writing; 0 or -1 with the message set.
 */
int	tls_io_setup(struct tls *, int, struct sk_err *);
void	tls_io_free(struct tls *);

/*
 * What a failed SSL_* call means, as a tls.h result; SAVED is errno
 * right after the call, WHAT heads the message (NULL: none).
 */
ssize_t	tls_io_result(struct tls *, int, int, const char *,
	    struct sk_err *);

/*
 * Writes out the write buffer: 0 when it is empty, TLS_WANT_POLLOUT
 * when the socket is full, or TLS_ERROR.
 */
int	tls_io_flush(struct tls *, struct sk_err *);

#endif /* TLS_INT_H */
