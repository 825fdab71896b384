/*
 * TLS for sockctl: contexts, certificates, verification, the handshake
 * and the report.  With tls-io.c (the I/O of an established connection)
 * the only files that include OpenSSL.  Its design (the libtls shape,
 * the safe defaults, end of stream, throughput) is told in tls.h; what
 * needs no OpenSSL (pins, ALPN lists, versions, target names) is in
 * tls-conf.c.
 */
/* OpenBSD's strnvis(3) argument order; also silences libbsd's warning. */
#include "config.h"

#define LIBBSD_OPENBSD_VIS

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <vis.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "tls.h"
#include "tls-int.h"

#define TLS_READ_BUFFER		(64 * 1024)
#define TLS_SELFSIGNED_DAYS	365
#define TLS_CIPHERS_12		"ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL"

/*
 * OpenSSL's reason for what just failed, after FMT (NULL: the reason
 * alone).  A system error (a missing file) is deeper in the queue than
 * the library's "system lib", so it wins.  Returns -1.
 */
int
tls_err_openssl(struct sk_err *e, const char *fmt, ...)
{
	unsigned long	 l, last = 0, sys = 0;
	const char	*reason;
	char		 buf[256], what[512];
	va_list		 ap;

	while ((l = ERR_get_error()) != 0) {
		if (ERR_GET_LIB(l) == ERR_LIB_SYS && sys == 0)
			sys = l;
		last = l;
	}
	if (sys != 0)
		reason = strerror(ERR_GET_REASON(sys));
	else if (last == 0)
		reason = "unknown error";
	else if ((reason = ERR_reason_error_string(last)) == NULL) {
		ERR_error_string_n(last, buf, sizeof(buf));
		reason = buf;
	}
	if (fmt == NULL) {
		err_set(e, "%s", reason);
		return (-1);
	}
	va_start(ap, fmt);
	(void)vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	err_set(e, "%s: %s", what, reason);
	return (-1);
}

static int
proto_version(enum tls_version v)
{
	return (v == TLS_VERSION_1_3 ? TLS1_3_VERSION : TLS1_2_VERSION);
}

static int
cert_pin(X509 *x, unsigned char pin[TLS_PIN_LEN])
{
	unsigned int	len = 0;

	if (X509_digest(x, EVP_sha256(), pin, &len) != 1 ||
	    len != TLS_PIN_LEN)
		return (-1);
	return (0);
}

/*
 * Replaces OpenSSL's chain verification when pinning: the leaf's SHA-256
 * must match, nothing else counts (an expired or self-signed certificate
 * is what pinning is for).
 */
static int
verify_pin(X509_STORE_CTX *xs, void *arg)
{
	struct tls_ctx	*c = arg;
	struct tls	*t;
	SSL		*ssl;
	X509		*leaf;

	ssl = X509_STORE_CTX_get_ex_data(xs,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (t = SSL_get_app_data(ssl)) == NULL)
		return (0);
	if ((leaf = X509_STORE_CTX_get0_cert(xs)) == NULL ||
	    cert_pin(leaf, t->peer_pin) == -1) {
		X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
		return (0);
	}
	if (CRYPTO_memcmp(t->peer_pin, c->pin, TLS_PIN_LEN) != 0) {
		t->pin_mismatch = 1;
		X509_STORE_CTX_set_error(xs, X509_V_ERR_CERT_REJECTED);
		return (0);
	}
	X509_STORE_CTX_set_error(xs, X509_V_OK);
	return (1);
}

/* Servers: the first of our protocols the client offers, or no deal. */
static int
alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	struct tls_ctx	*c = arg;
	unsigned char	*sel;

	(void)ssl;
	if (SSL_select_next_proto(&sel, outlen, c->alpn,
	    (unsigned int)c->alpnlen, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return (SSL_TLSEXT_ERR_ALERT_FATAL);
	*out = sel;
	return (SSL_TLSEXT_ERR_OK);
}

/* The ephemeral certificate of a server given none. */
static int
make_selfsigned(struct tls_ctx *c, struct sk_err *e)
{
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	X509_EXTENSION	*ext = NULL;
	BIGNUM		*serial = NULL;
	unsigned char	 pin[TLS_PIN_LEN];
	int		 rv = -1;

	if ((key = EVP_EC_gen("P-256")) == NULL ||
	    (x = X509_new()) == NULL || (serial = BN_new()) == NULL)
		goto fail;
	if (X509_set_version(x, X509_VERSION_3) != 1 ||
	    BN_rand(serial, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL)
		goto fail;
	/* An hour back for clients whose clock is a little behind. */
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)TLS_SELFSIGNED_DAYS * 86400) == NULL)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"sockctl", -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		goto fail;
	if ((ext = X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints,
	    "critical,CA:FALSE")) == NULL || X509_add_ext(x, ext, -1) != 1)
		goto fail;
	if (X509_sign(x, key, EVP_sha256()) == 0 || cert_pin(x, pin) == -1)
		goto fail;
	if (SSL_CTX_use_certificate(c->ssl_ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(c->ssl_ctx, key) != 1)
		goto fail;
	tls_pin_format(pin, c->selfsigned_pin);
	rv = 0;
 fail:
	if (rv == -1)
		tls_err_openssl(e, "cannot make a self-signed certificate");
	X509_EXTENSION_free(ext);
	BN_free(serial);
	X509_free(x);
	EVP_PKEY_free(key);
	return (rv);
}

static int
load_cert(struct tls_ctx *c, const char *cert, const char *key,
    struct sk_err *e)
{
	ERR_clear_error();
	if (SSL_CTX_use_certificate_chain_file(c->ssl_ctx, cert) != 1)
		return (tls_err_openssl(e, "cannot load certificate %s",
		    cert));
	if (key == NULL)
		key = cert;
	if (SSL_CTX_use_PrivateKey_file(c->ssl_ctx, key,
	    SSL_FILETYPE_PEM) != 1)
		return (tls_err_openssl(e, "cannot load key %s", key));
	if (SSL_CTX_check_private_key(c->ssl_ctx) != 1)
		return (tls_err_openssl(e,
		    "key %s does not match certificate %s", key, cert));
	return (0);
}

static int
load_ca(struct tls_ctx *c, const char *ca, struct sk_err *e)
{
	struct stat	 st;
	int		 ok;

	ERR_clear_error();
	if (stat(ca, &st) == -1) {
		err_set(e, "cannot load CA %s: %s", ca, strerror(errno));
		return (-1);
	}
	if (S_ISDIR(st.st_mode))
		ok = SSL_CTX_load_verify_locations(c->ssl_ctx, NULL, ca);
	else
		ok = SSL_CTX_load_verify_locations(c->ssl_ctx, ca, NULL);
	if (ok != 1)
		return (tls_err_openssl(e, "cannot load CA %s", ca));
	return (0);
}

/* The defaults every context shares, client or server. */
static int
ctx_defaults(struct tls_ctx *c, const struct tls_config *cf,
    struct sk_err *e)
{
	SSL_CTX	*ctx = c->ssl_ctx;

	if (SSL_CTX_set_min_proto_version(ctx,
	    proto_version(cf->min_version)) != 1 ||
	    (cf->max_version != TLS_VERSION_DEFAULT &&
	    SSL_CTX_set_max_proto_version(ctx,
	    proto_version(cf->max_version)) != 1))
		return (tls_err_openssl(e, "cannot set the TLS version"));
	if (SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1)
		return (tls_err_openssl(e, "cannot set the TLS 1.2 ciphers"));
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_read_ahead(ctx, 1);
	SSL_CTX_set_default_read_buffer_len(ctx, TLS_READ_BUFFER);
	return (0);
}

struct tls_ctx *
tls_ctx_new(const struct tls_config *cf, struct sk_err *e)
{
	STACK_OF(X509_NAME)	*names;
	struct tls_ctx		*c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		err_set(e, "%s", strerror(errno));
		return (NULL);
	}
	c->role = cf->role;
	ERR_clear_error();
	if ((c->ssl_ctx = SSL_CTX_new(TLS_method())) == NULL) {
		tls_err_openssl(e, "cannot make a TLS context");
		goto fail;
	}
	if (ctx_defaults(c, cf, e) == -1)
		goto fail;
	if (cf->alpn != NULL) {
		if (tls_alpn_wire(cf->alpn, NULL, &c->alpnlen, e) == -1)
			goto fail;
		if ((c->alpn = malloc(c->alpnlen)) == NULL) {
			err_set(e, "%s", strerror(errno));
			goto fail;
		}
		(void)tls_alpn_wire(cf->alpn, c->alpn, &c->alpnlen, e);
		if (cf->role == TLS_CLIENT) {
			/* This one returns 0 on success. */
			if (SSL_CTX_set_alpn_protos(c->ssl_ctx, c->alpn,
			    (unsigned int)c->alpnlen) != 0) {
				tls_err_openssl(e, "cannot set ALPN");
				goto fail;
			}
		} else
			SSL_CTX_set_alpn_select_cb(c->ssl_ctx, alpn_select, c);
	}
	if (cf->key_file != NULL && cf->cert_file == NULL) {
		err_set(e, "a key needs its certificate");
		goto fail;
	}
	if (cf->cert_file != NULL &&
	    load_cert(c, cf->cert_file, cf->key_file, e) == -1)
		goto fail;
	if (cf->role == TLS_SERVER) {
		if (cf->cert_file == NULL && make_selfsigned(c, e) == -1)
			goto fail;
		SSL_CTX_set_session_cache_mode(c->ssl_ctx,
		    SSL_SESS_CACHE_OFF);
		SSL_CTX_set_options(c->ssl_ctx, SSL_OP_NO_TICKET);
		if (SSL_CTX_set_num_tickets(c->ssl_ctx, 0) != 1) {
			tls_err_openssl(e, "cannot turn session tickets off");
			goto fail;
		}
		if (cf->client_ca != NULL) {
			if (load_ca(c, cf->client_ca, e) == -1)
				goto fail;
			/* The names go in the CertificateRequest. */
			if ((names = SSL_load_client_CA_file(cf->client_ca))
			    != NULL)
				SSL_CTX_set_client_CA_list(c->ssl_ctx, names);
			ERR_clear_error();
			SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER |
			    SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
			c->client_ca = 1;
		} else
			SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
		return (c);
	}
	if (cf->name != NULL && (c->name = strdup(cf->name)) == NULL) {
		err_set(e, "%s", strerror(errno));
		goto fail;
	}
	if (cf->pin != NULL) {
		if (tls_pin_parse(cf->pin, c->pin, e) == -1)
			goto fail;
		c->pinned = 1;
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
		SSL_CTX_set_cert_verify_callback(c->ssl_ctx, verify_pin, c);
	} else if (cf->insecure) {
		c->insecure = 1;
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_NONE, NULL);
	} else {
		if (cf->ca != NULL) {
			if (load_ca(c, cf->ca, e) == -1)
				goto fail;
		} else if (SSL_CTX_set_default_verify_paths(c->ssl_ctx)
		    != 1) {
			tls_err_openssl(e,
			    "cannot load the system trust store");
			goto fail;
		}
		SSL_CTX_set_verify(c->ssl_ctx, SSL_VERIFY_PEER, NULL);
	}
	return (c);
 fail:
	tls_ctx_free(c);
	return (NULL);
}

const char *
tls_ctx_selfsigned_pin(const struct tls_ctx *c)
{
	return (c->selfsigned_pin[0] != '\0' ? c->selfsigned_pin : NULL);
}

void
tls_ctx_free(struct tls_ctx *c)
{
	if (c == NULL)
		return;
	SSL_CTX_free(c->ssl_ctx);
	free(c->name);
	free(c->alpn);
	free(c);
}

static int
client_setup(struct tls *t, const char *host, struct sk_err *e)
{
	X509_VERIFY_PARAM	*param;
	char			 name[256];
	int			 ip;

	if (t->ctx->name != NULL)
		host = t->ctx->name;
	if (host == NULL || *host == '\0') {
		if (t->ctx->pinned || t->ctx->insecure)
			return (0);
		err_set(e, "no name to verify the certificate against");
		return (-1);
	}
	if (strlen(host) >= sizeof(name)) {
		err_set(e, "name too long to verify: %s", host);
		return (-1);
	}
	ip = tls_target_name(host, name, sizeof(name));
	if (!t->ctx->pinned && !t->ctx->insecure) {
		param = SSL_get0_param(t->ssl);
		X509_VERIFY_PARAM_set_hostflags(param,
		    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(param, name) :
		    X509_VERIFY_PARAM_set1_host(param, name, 0)) != 1)
			return (tls_err_openssl(e,
			    "cannot set the name to verify"));
	}
	if (!ip && SSL_set_tlsext_host_name(t->ssl, name) != 1)
		return (tls_err_openssl(e, "cannot set the server name"));
	return (0);
}

struct tls *
tls_new(struct tls_ctx *c, int fd, const char *host, struct sk_err *e)
{
	struct tls	*t;

	if ((t = calloc(1, sizeof(*t))) == NULL) {
		err_set(e, "%s", strerror(errno));
		return (NULL);
	}
	t->ctx = c;
	ERR_clear_error();
	if ((t->ssl = SSL_new(c->ssl_ctx)) == NULL) {
		tls_err_openssl(e, "cannot start TLS");
		goto fail;
	}
	if (tls_io_setup(t, fd, e) == -1)
		goto fail;
	SSL_set_app_data(t->ssl, t);
	if (c->role == TLS_CLIENT) {
		if (client_setup(t, host, e) == -1)
			goto fail;
		SSL_set_connect_state(t->ssl);
	} else
		SSL_set_accept_state(t->ssl);
	return (t);
 fail:
	tls_free(t);
	return (NULL);
}

void
tls_free(struct tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);
	tls_io_free(t);
	free(t->alpn_selected);
	free(t);
}

static void
handshake_error(struct tls *t, int ret, int saved, struct sk_err *e)
{
	char	pin[TLS_PIN_STRLEN];
	long	vr;

	if (t->pin_mismatch) {
		tls_pin_format(t->peer_pin, pin);
		err_set(e, "certificate verify failed: certificate does not "
		    "match the pin (its pin is %s)", pin);
		ERR_clear_error();
		return;
	}
	vr = SSL_get_verify_result(t->ssl);
	if (vr != X509_V_OK && SSL_get_error(t->ssl, ret) == SSL_ERROR_SSL) {
		err_set(e, "certificate verify failed: %s",
		    X509_verify_cert_error_string(vr));
		ERR_clear_error();
		return;
	}
	switch (tls_io_result(t, ret, saved, NULL, e)) {
	case 0:
	case TLS_TRUNCATED:
		err_set(e, "peer closed the connection during the handshake");
		break;
	default:
		break;
	}
}

int
tls_handshake(struct tls *t, struct sk_err *e)
{
	const unsigned char	*p;
	unsigned int		 len;
	int			 ret, saved;

	if (t->handshake_done)
		return (0);
	if (t->handshake_failed) {
		if (e != NULL)
			*e = t->hs_err;
		return (TLS_ERROR);
	}
	ERR_clear_error();
	errno = 0;
	ret = SSL_do_handshake(t->ssl);
	saved = errno;
	if (ret == 1) {
		t->handshake_done = 1;
		SSL_get0_alpn_selected(t->ssl, &p, &len);
		if (len > 0 && (t->alpn_selected = strndup((const char *)p,
		    len)) == NULL) {
			err_set(e, "%s", strerror(errno));
			return (TLS_ERROR);
		}
		return (0);
	}
	switch (SSL_get_error(t->ssl, ret)) {
	case SSL_ERROR_WANT_READ:
		return (TLS_WANT_POLLIN);
	case SSL_ERROR_WANT_WRITE:
		return (TLS_WANT_POLLOUT);
	default:
		break;
	}
	/* A failed handshake stays failed, whoever calls next. */
	handshake_error(t, ret, saved, &t->hs_err);
	t->handshake_failed = 1;
	if (e != NULL)
		*e = t->hs_err;
	return (TLS_ERROR);
}

const char *
tls_alpn_selected(struct tls *t)
{
	return (t->alpn_selected);
}

const char *
tls_servername(struct tls *t)
{
	return (SSL_get_servername(t->ssl, TLSEXT_NAMETYPE_host_name));
}

/* "CN=NAME", escaped for a terminal, or the whole subject without a CN. */
static void
peer_subject(X509 *x, char *out, size_t outlen)
{
	X509_NAME		*name;
	X509_NAME_ENTRY		*ent;
	unsigned char		*utf8 = NULL;
	char			*line = NULL;
	const char		*s;
	int			 i, len;

	name = X509_get_subject_name(x);
	i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
	if (i >= 0 && (ent = X509_NAME_get_entry(name, i)) != NULL &&
	    (len = ASN1_STRING_to_UTF8(&utf8,
	    X509_NAME_ENTRY_get_data(ent))) >= 0) {
		(void)strlcpy(out, "CN=", outlen);
		if (outlen > 3)
			(void)strnvis(out + 3, (const char *)utf8, outlen - 3,
			    VIS_OCTAL | VIS_CSTYLE | VIS_TAB | VIS_NL);
		OPENSSL_free(utf8);
		return;
	}
	line = X509_NAME_oneline(name, NULL, 0);
	s = line != NULL ? line : "(unknown)";
	(void)strnvis(out, s, outlen, VIS_OCTAL | VIS_CSTYLE | VIS_TAB |
	    VIS_NL);
	OPENSSL_free(line);
}

void
tls_report(struct tls *t, char *out, size_t outlen)
{
	const SSL_CIPHER	*cipher;
	const char		*version, *cname, *status;
	X509			*peer;
	char			 subject[256], vbuf[16];

	/* "TLSv1.3" as the report writes it, "TLS 1.3". */
	version = SSL_get_version(t->ssl);
	if (strncmp(version, "TLSv", 4) == 0) {
		(void)snprintf(vbuf, sizeof(vbuf), "TLS %s", version + 4);
		version = vbuf;
	}
	cname = "(none)";
	if ((cipher = SSL_get_current_cipher(t->ssl)) != NULL &&
	    (cname = SSL_CIPHER_standard_name(cipher)) == NULL)
		cname = SSL_CIPHER_get_name(cipher);
	peer = SSL_get0_peer_certificate(t->ssl);
	if (t->ctx->role == TLS_CLIENT) {
		if (t->ctx->pinned)
			status = "pinned";
		else if (t->ctx->insecure)
			status = "not verified";
		else
			status = "verified";
	} else
		status = t->ctx->client_ca ? "verified" : "not verified";
	if (peer != NULL)
		peer_subject(peer, subject, sizeof(subject));
	snprintf(out, outlen, "%s, %s, %s%s%s%s%s%s", version, cname,
	    peer != NULL ? "peer " : "no peer certificate",
	    peer != NULL ? subject : "",
	    peer != NULL ? ", " : "",
	    peer != NULL ? status : "",
	    t->alpn_selected != NULL ? ", ALPN " : "",
	    t->alpn_selected != NULL ? t->alpn_selected : "");
}
