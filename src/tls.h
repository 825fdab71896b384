/*
 * TLS over a non-blocking socket, the way OpenBSD's libtls shapes it: a
 * context holds the configuration (one per command), a connection wraps
 * one descriptor, and every I/O call returns at once with a count, an end
 * of stream, or TLS_WANT_POLLIN / TLS_WANT_POLLOUT telling the caller what
 * to wait for before calling again.  src/tls.c and src/tls-io.c are the
 * only files that see OpenSSL; the rest of sockctl uses only this header.
 *
 * The safe defaults live in one place, ctx_defaults() in tls.c:
 * - TLS 1.2 at least; for 1.2 only ECDHE key exchange with AEAD ciphers;
 *   no renegotiation, no compression.
 * - Clients verify by default: the system trust store (or --tls-ca), and
 *   the host name through X509_VERIFY_PARAM_set1_host, no partial
 *   wildcards.  An IP literal is checked against the certificate's IP
 *   SANs (set1_ip_asc) and is never sent as SNI (RFC 6066 forbids it;
 *   ncat and socat send it).  A pin replaces the chain check with a
 *   comparison of the SHA-256 of the leaf certificate (DER); --insecure
 *   turns verification off and the report says "not verified".
 * - Servers without a certificate make an ephemeral self-signed P-256 one
 *   and hand its pin to the command, which prints it, so a client can pin
 *   it.  Servers ask for client certificates only with --tls-client-ca,
 *   and then require them.  They issue no session tickets: nothing here
 *   resumes, and TLS 1.3 tickets sent after the handshake to a client
 *   that closes without reading them turn its close into a reset.
 *
 * End of stream: the peer's close_notify is a clean EOF (tls_read returns
 * 0); a TCP EOF without it is TLS_TRUNCATED, so the relay can report
 * possible truncation.  tls_close_notify sends ours and reading goes on
 * (TLS 1.3 half-close; OpenSSL allows the same with 1.2).
 *
 * Throughput: records are 16 KiB (the maximum); the socket is read ahead
 * into a 64 KiB buffer, so one read() brings several records and
 * tls_read hands them all out before touching the socket again, which
 * is also why callers must ask tls_pending() before polling (the
 * deadlock ncat shipped for years).  Writes go through a buffer of our
 * own (tls-io.c): tls_write encrypts up to 256 KiB into it and sends it
 * with one write(2) instead of one per record (16 times fewer syscalls
 * and TCP pushes, and larger segments for the receiver: about 15% less
 * CPU for the sender in bench/tls.sh).  It reports bytes taken only
 * once their records are on the socket, so callers keep the rest and
 * poll for POLLOUT as for a short write; call again with the same bytes
 * at the front.  Buffers are released while empty, so an idle
 * connection of the epoll engines holds none.  A larger read-ahead
 * buffer (256 KiB) saved syscalls but no CPU, so it stays at 64 KiB.
 *
 * OpenSSL's error queue is cleared before each call that may fail, as
 * SSL_get_error requires, and errors come back as one line in an sk_err.
 */
#ifndef TLS_H
#define TLS_H

#include <sys/types.h>

#include <stddef.h>

#include "log.h"

/*
 * Results of tls_handshake, tls_read, tls_write and tls_close_notify
 * besides a count.  TLS_WANT_* may come from any of them: a read may need
 * to write (and the reverse), so poll for what is asked.
 */
#define TLS_ERROR	-1	/* the message is in the sk_err */
#define TLS_WANT_POLLIN	-2	/* poll for POLLIN, call again */
#define TLS_WANT_POLLOUT -3	/* poll for POLLOUT, call again */
#define TLS_TRUNCATED	-4	/* TCP EOF without close_notify */

/* A pin is the SHA-256 of a certificate (DER); as text "SHA256:hex". */
#define TLS_PIN_LEN	32
#define TLS_PIN_STRLEN	(7 + 2 * TLS_PIN_LEN + 1)

enum tls_role {
	TLS_CLIENT,
	TLS_SERVER
};

/* Default: at least 1.2, at most the highest OpenSSL has. */
enum tls_version {
	TLS_VERSION_DEFAULT = 0,
	TLS_VERSION_1_2 = 12,
	TLS_VERSION_1_3 = 13
};

/*
 * What the --tls-* options say; zero is the default for every field.
 * The strings need to live only until tls_ctx_new returns.
 *   cert_file	PEM chain.  Servers given none make an ephemeral
 *		self-signed P-256 certificate (tls_ctx_selfsigned_pin).
 *		Clients present it when the server asks.
 *   key_file	PEM key; NULL: it is in cert_file.
 *   ca		Clients: CA file or directory; NULL: the system store.
 *   name	Clients: the name to verify and send as SNI instead of
 *		the host given to tls_new (--tls-name).
 *   pin	Clients: "SHA256:HEX"; the leaf must match, and neither
 *		the chain nor the name is checked.  Wins over insecure.
 *   insecure	Clients: no verification at all.
 *   client_ca	Servers: require client certificates and verify them
 *		against this file; without it none is asked for.
 *   alpn	Comma-separated protocols to offer (clients) or accept
 *		(servers, in their order of preference; a client offering
 *		none of them is refused with no_application_protocol).
 *   min_version, max_version  max_version is no option; tests use it.
 */
struct tls_config {
	enum tls_role		 role;
	const char		*cert_file;
	const char		*key_file;
	const char		*ca;
	const char		*name;
	const char		*pin;
	int			 insecure;
	const char		*client_ca;
	const char		*alpn;
	enum tls_version	 min_version;
	enum tls_version	 max_version;
};

struct tls_ctx;		/* a configured context, shared by connections */
struct tls;		/* one connection */

/* Contexts.  The context must outlive every connection made from it. */
struct tls_ctx	*tls_ctx_new(const struct tls_config *, struct sk_err *);
const char	*tls_ctx_selfsigned_pin(const struct tls_ctx *);
void		 tls_ctx_free(struct tls_ctx *);

/*
 * Connections on a connected, non-blocking socket the caller keeps owning
 * (tls_free does not close it).  HOST is the client's target, verified
 * unless the config says otherwise: a name is checked against the
 * certificate and sent as SNI; an IP literal (brackets and a %zone
 * allowed) is checked against the IP SANs and never sent.  Servers pass
 * NULL.
 */
struct tls	*tls_new(struct tls_ctx *, int, const char *,
		    struct sk_err *);
void		 tls_free(struct tls *);

/*
 * 0 once the handshake is done, TLS_WANT_*, or TLS_ERROR with one line
 * such as "certificate verify failed: hostname mismatch".  tls_read and
 * tls_write run it themselves when it was not called.
 */
int		 tls_handshake(struct tls *, struct sk_err *);

/*
 * Up to LEN (> 0) bytes, > 0; 0 when the peer sent close_notify (its clean end
 * of file: keep writing if you like); TLS_TRUNCATED when the TCP stream
 * ended without it (the sk_err then says "peer closed without TLS
 * close_notify (possible truncation)"); TLS_WANT_*; TLS_ERROR.  An end
 * or error met after some bytes is kept for the next call.
 */
ssize_t		 tls_read(struct tls *, void *, size_t, struct sk_err *);

/*
 * Nonzero when tls_read has something without reading the socket: OpenSSL
 * reads ahead, so poll() may never wake for bytes already taken from the
 * kernel.  Call tls_read until this is 0 or it says TLS_WANT_*.  Part of
 * a record that only the socket can complete does not count (a caller
 * polling with a zero timeout would spin on it).
 */
int		 tls_pending(struct tls *);

/*
 * Encrypts and sends from BUF, in records of 16 KiB; returns how many
 * bytes were taken (> 0, possibly fewer than LEN; 0 only for a LEN of
 * 0), TLS_WANT_* when none could be, or TLS_ERROR.  Bytes count as taken
 * once they are on the socket.  After TLS_WANT_* or a short count, call
 * again with the bytes not taken at the front of the buffer (the buffer
 * may move and grow): they may be encrypted already.
 */
ssize_t		 tls_write(struct tls *, const void *, size_t,
		    struct sk_err *);

/*
 * Sends close_notify once everything written was taken: 0 when it is
 * out, TLS_WANT_POLLOUT to call again, or TLS_ERROR.  Reading goes on
 * until the peer's own close_notify; writing is over.  The caller may
 * then shutdown(fd, SHUT_WR).
 */
int		 tls_close_notify(struct tls *, struct sk_err *);

/*
 * After the handshake: one line for -v, as
 * "TLS 1.3, TLS_AES_256_GCM_SHA384, peer CN=NAME, verified, ALPN h2"
 * (or "pinned", "not verified"; "no peer certificate" when there is
 * none), the ALPN protocol chosen (NULL when none) and, for servers, the
 * SNI name the client sent (NULL when none).
 */
void		 tls_report(struct tls *, char *, size_t);
const char	*tls_alpn_selected(struct tls *);
const char	*tls_servername(struct tls *);

/* Pure helpers for option checks; both 0 or -1 with a message. */
int		 tls_pin_parse(const char *, unsigned char[TLS_PIN_LEN],
		    struct sk_err *);
void		 tls_pin_format(const unsigned char[TLS_PIN_LEN],
		    char[TLS_PIN_STRLEN]);
int		 tls_alpn_check(const char *, struct sk_err *);
/*
 * HOST as a name to verify: brackets and a trailing dot dropped; 1 when
 * it is an IP literal (which is never sent as SNI), else 0.
 */
int		 tls_target_name(const char *, char *, size_t);
/* "h2,http/1.1" to "\2h2\10http/1.1"; OUT may be NULL to only check. */
int		 tls_alpn_wire(const char *, unsigned char *, size_t *,
		    struct sk_err *);
int		 tls_version_parse(const char *, enum tls_version *,
		    struct sk_err *);

#endif /* TLS_H */
