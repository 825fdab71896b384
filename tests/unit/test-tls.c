/*
 * Unit tests of src/tls.c: the pure pin, ALPN and version parsers by
 * table, then real handshakes between a client and a server in this
 * process over a non-blocking socketpair, driven by poll() on the
 * TLS_WANT_* results exactly as the relay and the epoll engines drive
 * them.  The certificates (a CA, a server leaf with DNS and IP SANs, a
 * client certificate, and a stranger's CA) are made here at start with
 * the OpenSSL API into a temporary directory, so the test needs no files
 * and no network.  If the openssl command is installed, a last case
 * talks to "openssl s_server" over loopback.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "compat.h"
#include "log.h"
#include "tls.h"
#include "tap.h"

#define POLL_MS		10000
#define BIG		(8 * 1024 * 1024)

static char	dir[64];
static char	ca_pem[128], leaf_pem[128], leaf_key[128];
static char	client_pem[128], other_ca_pem[128];
static unsigned long ca_hash;	/* the CA's file name in a CA directory */

/* Test fixtures: certificates made with the OpenSSL API. */

static void
fatal(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(1);
}

static void
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 v3;
	X509_EXTENSION	*ext;

	X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1)
		fatal("X509 extension");
	X509_EXTENSION_free(ext);
}

static void
write_pem(const char *path, X509 *x, EVP_PKEY *key)
{
	FILE	*f;

	if ((f = fopen(path, "w")) == NULL)
		fatal(path);
	if ((x != NULL && PEM_write_X509(f, x) != 1) ||
	    (key != NULL && PEM_write_PrivateKey(f, key, NULL, NULL, 0,
	    NULL, NULL) != 1))
		fatal(path);
	if (fclose(f) != 0)
		fatal(path);
}

/* A certificate for CN, signed by ISSUER (NULL: by itself, as a CA). */
static X509 *
make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey,
    const char *san, int client)
{
	X509	*x;

	if ((x = X509_new()) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    ASN1_INTEGER_set(X509_get_serialNumber(x),
	    (long)(arc4random() & 0x7fffffff)) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400) == NULL ||
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, X509_get_subject_name(
	    issuer != NULL ? issuer : x)) != 1 ||
	    X509_set_pubkey(x, key) != 1)
		fatal("X509");
	if (issuer == NULL) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
	} else {
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_ext_key_usage,
		    client ? "clientAuth" : "serverAuth");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid");
		if (san != NULL)
			add_ext(x, issuer, NID_subject_alt_name, san);
	}
	if (X509_sign(x, issuer != NULL ? ikey : key, EVP_sha256()) == 0)
		fatal("X509_sign");
	return (x);
}

static void
make_fixtures(void)
{
	EVP_PKEY	*cakey, *leafkey, *clientkey, *otherkey;
	X509		*ca, *leaf, *client, *other;

	(void)strlcpy(dir, "/tmp/test-tls.XXXXXX", sizeof(dir));
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", dir);
	snprintf(leaf_pem, sizeof(leaf_pem), "%s/leaf.pem", dir);
	snprintf(leaf_key, sizeof(leaf_key), "%s/leaf.key", dir);
	snprintf(client_pem, sizeof(client_pem), "%s/client.pem", dir);
	snprintf(other_ca_pem, sizeof(other_ca_pem), "%s/other.pem", dir);

	if ((cakey = EVP_EC_gen("P-256")) == NULL ||
	    (leafkey = EVP_EC_gen("P-256")) == NULL ||
	    (clientkey = EVP_EC_gen("P-256")) == NULL ||
	    (otherkey = EVP_EC_gen("P-256")) == NULL)
		fatal("EVP_EC_gen");
	ca = make_cert("Test CA", cakey, NULL, NULL, NULL, 0);
	other = make_cert("Other CA", otherkey, NULL, NULL, NULL, 0);
	leaf = make_cert("localhost", leafkey, ca, cakey,
	    "DNS:localhost,DNS:*.example.test,IP:127.0.0.1,IP:::1", 0);
	client = make_cert("client", clientkey, ca, cakey, NULL, 1);
	write_pem(ca_pem, ca, NULL);
	write_pem(other_ca_pem, other, NULL);
	write_pem(leaf_pem, leaf, NULL);
	write_pem(leaf_key, NULL, leafkey);
	/* The client's key goes in its certificate file. */
	write_pem(client_pem, client, clientkey);
	ca_hash = X509_subject_name_hash(ca);
	X509_free(ca);
	X509_free(other);
	X509_free(leaf);
	X509_free(client);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(leafkey);
	EVP_PKEY_free(clientkey);
	EVP_PKEY_free(otherkey);
}

static void
remove_fixtures(void)
{
	const char	*files[] = { ca_pem, leaf_pem, leaf_key, client_pem,
			    other_ca_pem };
	size_t		 i;

	for (i = 0; i < nitems(files); i++)
		(void)unlink(files[i]);
	(void)rmdir(dir);
}

/* Pure parsers. */

#define PIN_HEX "00112233445566778899aabbccddeeff" \
		"0123456789abcdef0123456789ABCDEF"
#define PIN_COLONS "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:" \
		"01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef"
#define E_PIN "a pin is SHA256: and 64 hex digits, optionally with " \
		"colons between bytes"

struct pin_case {
	const char	*in;
	int		 ok;
};

static const struct pin_case pin_cases[] = {
	{ "SHA256:" PIN_HEX,		1 },
	{ "sha256:" PIN_HEX,		1 },
	{ "Sha256:" PIN_HEX,		1 },
	{ PIN_HEX,			1 },
	{ "SHA256:" PIN_COLONS,		1 },
	{ PIN_COLONS,			1 },
	{ "",				0 },
	{ "SHA256:",			0 },
	{ "SHA256:" PIN_HEX "0",	0 },
	{ "SHA256:" PIN_HEX "00",	0 },
	{ "SHA256:" PIN_HEX ":",	0 },
	{ "SHA256:0" PIN_HEX,		0 },
	{ "SHA256:" PIN_COLONS ":",	0 },
	{ "SHA256::" PIN_COLONS,	0 },
	{ "SHA1:" PIN_HEX,		0 },
	{ "SHA256: " PIN_HEX,		0 },
	{ "SHA256:" PIN_HEX " ",	0 },
	/* Colons are all or nothing, and only between bytes. */
	{ "SHA256:00:112233445566778899aabbccddeeff"
	  "0123456789abcdef0123456789abcdef", 0 },
	{ "SHA256:0:0112233445566778899aabbccddeeff"
	  "0123456789abcdef0123456789abcdef", 0 },
	{ "SHA256:00::11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
	  "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd", 0 },
	{ "SHA256:g0112233445566778899aabbccddeeff"
	  "0123456789abcdef0123456789abcdef", 0 },
	{ "SHA256:0x112233445566778899aabbccddeeff"
	  "0123456789abcdef0123456789abcdef", 0 },
};

static void
test_pin_parse(void)
{
	static const unsigned char	want[TLS_PIN_LEN] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
	};
	unsigned char			pin[TLS_PIN_LEN];
	char				s[TLS_PIN_STRLEN];
	struct sk_err			e;
	size_t				i;
	int				r;

	for (i = 0; i < nitems(pin_cases); i++) {
		memset(pin, 0, sizeof(pin));
		e.msg[0] = '\0';
		r = tls_pin_parse(pin_cases[i].in, pin, &e);
		if (pin_cases[i].ok) {
			is_int(r, 0, "pin '%s' parses", pin_cases[i].in);
			ok(memcmp(pin, want, sizeof(want)) == 0,
			    "pin '%s' has the right bytes", pin_cases[i].in);
		} else {
			is_int(r, -1, "pin '%s' is refused",
			    pin_cases[i].in);
			is_str(e.msg, E_PIN, "pin '%s' says why",
			    pin_cases[i].in);
		}
	}
	tls_pin_format(want, s);
	is_str(s, "SHA256:00112233445566778899aabbccddeeff"
	    "0123456789abcdef0123456789abcdef",
	    "pins are formatted SHA256: and lower-case hex");
	ok(tls_pin_parse(s, pin, &e) == 0 && memcmp(pin, want, 32) == 0,
	    "a formatted pin parses back");
}

static void
test_alpn_version(void)
{
	char			long_proto[300];
	struct sk_err		e;
	enum tls_version	v;

	is_int(tls_alpn_check("h2,http/1.1", &e), 0, "ALPN 'h2,http/1.1'");
	is_int(tls_alpn_check("x", &e), 0, "ALPN 'x'");
	is_int(tls_alpn_check("", &e), -1, "ALPN '' is refused");
	is_str(e.msg, "ALPN protocols are 1 to 255 bytes, separated by "
	    "commas: ", "ALPN '' says why");
	is_int(tls_alpn_check("h2,,x", &e), -1, "ALPN 'h2,,x' is refused");
	is_int(tls_alpn_check("h2,", &e), -1, "ALPN 'h2,' is refused");
	is_int(tls_alpn_check(",h2", &e), -1, "ALPN ',h2' is refused");
	memset(long_proto, 'a', 255);
	long_proto[255] = '\0';
	is_int(tls_alpn_check(long_proto, &e), 0, "ALPN of 255 bytes");
	long_proto[255] = 'a';
	long_proto[256] = '\0';
	is_int(tls_alpn_check(long_proto, &e), -1,
	    "ALPN of 256 bytes is refused");

	ok(tls_version_parse("1.2", &v, &e) == 0 && v == TLS_VERSION_1_2,
	    "version 1.2");
	ok(tls_version_parse("1.3", &v, &e) == 0 && v == TLS_VERSION_1_3,
	    "version 1.3");
	is_int(tls_version_parse("1.1", &v, &e), -1, "version 1.1 refused");
	is_str(e.msg, "TLS version is 1.2 or 1.3: 1.1",
	    "version 1.1 says why");
}

/* Two ends of a socketpair, each driven by poll on the WANT results. */

struct end {
	struct tls_ctx	*ctx;
	struct tls	*tls;
	int		 fd;
	struct sk_err	 err;
	int		 hs;		/* handshake result */
	/* For pump(): what to send, what came, how reading ended. */
	const unsigned char *out;
	size_t		 outlen, outoff;
	int		 close_after;	/* send close_notify after out */
	int		 shut_after;	/* shutdown(SHUT_WR) after out, no
					   close_notify: a truncation */
	int		 closed;
	unsigned char	*in;
	size_t		 incap, inlen;
	int		 eof;
	ssize_t		 end;		/* how reading ended */
	int		 failed;
	short		 events;
};

struct pair {
	struct end	 c, s;
	int		 s_borrowed;	/* the server context is not ours */
};

static int
nonblock(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, fl | O_NONBLOCK) == -1)
		return (-1);
	return (0);
}

/*
 * Contexts and connections; 0, or -1 with the error in the end's err.
 * SCTX, when not NULL, is a server context to share instead of SCF's.
 */
static int
pair_open_ctx(struct pair *p, const struct tls_config *ccf,
    struct tls_ctx *sctx, const struct tls_config *scf, const char *host)
{
	int	sv[2];

	memset(p, 0, sizeof(*p));
	p->c.fd = p->s.fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    nonblock(sv[0]) == -1 || nonblock(sv[1]) == -1)
		fatal("socketpair");
	p->c.fd = sv[0];
	p->s.fd = sv[1];
	if (sctx != NULL) {
		p->s.ctx = sctx;
		p->s_borrowed = 1;
	} else if ((p->s.ctx = tls_ctx_new(scf, &p->s.err)) == NULL)
		return (-1);
	if ((p->c.ctx = tls_ctx_new(ccf, &p->c.err)) == NULL)
		return (-1);
	if ((p->s.tls = tls_new(p->s.ctx, p->s.fd, NULL, &p->s.err)) == NULL)
		return (-1);
	if ((p->c.tls = tls_new(p->c.ctx, p->c.fd, host, &p->c.err)) == NULL)
		return (-1);
	return (0);
}

static int
pair_open(struct pair *p, const struct tls_config *ccf,
    const struct tls_config *scf, const char *host)
{
	return (pair_open_ctx(p, ccf, NULL, scf, host));
}

static void
pair_close(struct pair *p)
{
	tls_free(p->c.tls);
	tls_free(p->s.tls);
	tls_ctx_free(p->c.ctx);
	if (!p->s_borrowed)
		tls_ctx_free(p->s.ctx);
	if (p->c.fd != -1)
		close(p->c.fd);
	if (p->s.fd != -1)
		close(p->s.fd);
	free(p->c.in);
	free(p->s.in);
}

static short
want_events(ssize_t r)
{
	if (r == TLS_WANT_POLLIN)
		return (POLLIN);
	if (r == TLS_WANT_POLLOUT)
		return (POLLOUT);
	return (0);
}

static int
is_want(ssize_t r)
{
	return (r == TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT);
}

/*
 * Both handshakes to their end.  A side that fails shuts its socket so
 * the other one hears of it rather than waiting.  0 when both succeed.
 */
static int
handshake(struct pair *p)
{
	struct pollfd	pfd[2];
	struct end	*ends[2] = { &p->c, &p->s };
	int		i, n;

	p->c.hs = p->s.hs = TLS_WANT_POLLOUT;
	for (;;) {
		for (i = 0; i < 2; i++) {
			if (!is_want(ends[i]->hs))
				continue;
			ends[i]->hs = tls_handshake(ends[i]->tls,
			    &ends[i]->err);
			if (ends[i]->hs == TLS_ERROR)
				(void)shutdown(ends[i]->fd, SHUT_RDWR);
		}
		n = 0;
		for (i = 0; i < 2; i++) {
			pfd[i].fd = is_want(ends[i]->hs) ? ends[i]->fd : -1;
			pfd[i].events = want_events(ends[i]->hs);
			n += pfd[i].fd != -1;
		}
		if (n == 0)
			break;
		if (poll(pfd, 2, POLL_MS) <= 0) {
			diag("handshake stuck");
			return (-1);
		}
	}
	return (p->c.hs == 0 && p->s.hs == 0 ? 0 : -1);
}

static void
end_step(struct end *d)
{
	ssize_t	r;
	int	ret;

	d->events = 0;
	while (!d->failed && d->outoff < d->outlen) {
		r = tls_write(d->tls, d->out + d->outoff,
		    d->outlen - d->outoff, &d->err);
		if (r > 0) {
			d->outoff += (size_t)r;
			continue;
		}
		if (is_want(r))
			d->events |= want_events(r);
		else
			d->failed = 1;
		break;
	}
	if (!d->failed && d->outoff == d->outlen && !d->closed) {
		if (d->close_after) {
			ret = tls_close_notify(d->tls, &d->err);
			if (ret == 0)
				d->closed = 1;
			else if (is_want(ret))
				d->events |= want_events(ret);
			else
				d->failed = 1;
		} else if (d->shut_after) {
			if (shutdown(d->fd, SHUT_WR) == -1)
				d->failed = 1;
			d->closed = 1;
		}
	}
	/* Read until told to wait: that drains what was read ahead. */
	while (!d->failed && !d->eof) {
		if (d->inlen == d->incap) {
			diag("more bytes than expected");
			d->failed = 1;
			break;
		}
		r = tls_read(d->tls, d->in + d->inlen, d->incap - d->inlen,
		    &d->err);
		if (r > 0) {
			d->inlen += (size_t)r;
			continue;
		}
		if (is_want(r)) {
			d->events |= want_events(r);
			break;
		}
		d->eof = 1;
		d->end = r;
	}
}

static int
end_done(const struct end *d)
{
	return (d->failed || (d->eof && d->outoff == d->outlen &&
	    (d->closed || (!d->close_after && !d->shut_after))));
}

/*
 * Both ends send their OUT, then close as told, and read until their
 * peer's end, all at once.  0 unless something got stuck.
 */
static int
pump(struct pair *p)
{
	struct pollfd	pfd[2];

	for (;;) {
		end_step(&p->c);
		end_step(&p->s);
		if (end_done(&p->c) && end_done(&p->s))
			return (0);
		pfd[0].fd = end_done(&p->c) ? -1 : p->c.fd;
		pfd[0].events = p->c.events;
		pfd[1].fd = end_done(&p->s) ? -1 : p->s.fd;
		pfd[1].events = p->s.events;
		if ((pfd[0].fd == -1 || pfd[0].events == 0) &&
		    (pfd[1].fd == -1 || pfd[1].events == 0)) {
			diag("nothing to wait for");
			return (-1);
		}
		if (poll(pfd, 2, POLL_MS) <= 0) {
			diag("pump stuck");
			return (-1);
		}
	}
}

static void
expect(struct end *d, size_t n)
{
	free(d->in);
	d->incap = n + 1;
	if ((d->in = malloc(d->incap)) == NULL)
		fatal("malloc");
	d->inlen = 0;
}

static void
config(struct tls_config *cf, enum tls_role role)
{
	memset(cf, 0, sizeof(*cf));
	cf->role = role;
}

static const char *
report(struct end *d)
{
	static char	line[2][512];
	static int	n;

	n = !n;
	tls_report(d->tls, line[n], sizeof(line[n]));
	return (line[n]);
}

enum op {
	OP_HANDSHAKE,
	OP_READ,
	OP_WRITE,
	OP_CLOSE
};

/* One call to its end, polling on what it asks for. */
static ssize_t
sync_op(struct end *d, enum op op, void *buf, size_t len)
{
	struct pollfd	pfd;
	ssize_t		r;

	for (;;) {
		if (op == OP_HANDSHAKE)
			r = tls_handshake(d->tls, &d->err);
		else if (op == OP_READ)
			r = tls_read(d->tls, buf, len, &d->err);
		else if (op == OP_WRITE)
			r = tls_write(d->tls, buf, len, &d->err);
		else
			r = tls_close_notify(d->tls, &d->err);
		if (!is_want(r))
			return (r);
		pfd.fd = d->fd;
		pfd.events = want_events(r);
		if (poll(&pfd, 1, POLL_MS) <= 0) {
			diag("stuck");
			return (r);
		}
	}
}

/* The ends of a stream, and read-ahead, with MAX as the highest version. */
/* Handshakes. */

static void
test_selfsigned_pin(void)
{
	struct tls_config	 ccf, scf;
	struct tls_ctx		*sctx;
	struct sk_err		 e;
	struct pair		 p;
	const char		*pin;
	char			 upper[200], wrong[TLS_PIN_STRLEN];
	size_t			 i, j;

	config(&scf, TLS_SERVER);
	config(&ccf, TLS_CLIENT);
	if ((sctx = tls_ctx_new(&scf, &e)) == NULL)
		fatal(e.msg);
	pin = tls_ctx_selfsigned_pin(sctx);
	ok(pin != NULL && strlen(pin) == 71 &&
	    strncmp(pin, "SHA256:", 7) == 0 &&
	    strspn(pin + 7, "0123456789abcdef") == 64,
	    "a server without a certificate has a self-signed one and its "
	    "pin (%s)", pin != NULL ? pin : "NULL");
	if (pin == NULL)
		fatal("no pin");

	/* Without the pin, the system store does not trust it. */
	if (pair_open_ctx(&p, &ccf, sctx, NULL, "localhost") == -1)
		fatal(p.c.err.msg);
	ok(handshake(&p) == -1, "the self-signed certificate is not "
	    "trusted by default");
	is_int(p.c.hs, TLS_ERROR, "the client fails");
	is_str(p.c.err.msg, "certificate verify failed: self-signed "
	    "certificate", "with OpenSSL's reason");
	ok(p.s.hs == TLS_ERROR, "the server fails too (%s)", p.s.err.msg);
	pair_close(&p);

	/* The right pin, in openssl's colons and capitals. */
	(void)strlcpy(upper, "SHA256:", sizeof(upper));
	for (i = 7, j = 7; pin[i] != '\0' && j + 4 < sizeof(upper); i += 2) {
		if (i > 7)
			upper[j++] = ':';
		upper[j++] = (char)(pin[i] >= 'a' ? pin[i] - 32 : pin[i]);
		upper[j++] = (char)(pin[i + 1] >= 'a' ? pin[i + 1] - 32 :
		    pin[i + 1]);
	}
	upper[j] = '\0';
	ccf.pin = upper;
	if (pair_open_ctx(&p, &ccf, sctx, NULL, "localhost") == -1)
		fatal(p.c.err.msg);
	is_int(handshake(&p), 0, "the pin is accepted (%s)", p.c.err.msg);
	is_str(report(&p.c), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "peer CN=sockctl, pinned", "the client reports it pinned");
	is_str(report(&p.s), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "no peer certificate", "the server reports no client "
	    "certificate");
	pair_close(&p);

	/* A pinned client needs no name. */
	if (pair_open_ctx(&p, &ccf, sctx, NULL, NULL) == -1)
		fatal(p.c.err.msg);
	is_int(handshake(&p), 0, "a pinned client needs no name");
	is_str(tls_servername(p.s.tls), NULL, "and sends no SNI");
	pair_close(&p);

	/* A wrong pin. */
	(void)strlcpy(wrong, pin, sizeof(wrong));
	wrong[70] = wrong[70] == '0' ? '1' : '0';
	ccf.pin = wrong;
	if (pair_open_ctx(&p, &ccf, sctx, NULL, "localhost") == -1)
		fatal(p.c.err.msg);
	ok(handshake(&p) == -1 && p.c.hs == TLS_ERROR,
	    "a wrong pin is refused");
	snprintf(upper, sizeof(upper), "certificate verify failed: "
	    "certificate does not match the pin (its pin is %s)", pin);
	is_str(p.c.err.msg, upper, "the message gives the real pin");
	pair_close(&p);

	/* A bad pin in the config. */
	ccf.pin = "SHA256:00";
	is_int(pair_open_ctx(&p, &ccf, sctx, NULL, "localhost"), -1,
	    "a malformed pin is refused");
	is_str(p.c.err.msg, E_PIN, "saying what a pin is");
	pair_close(&p);

	/* --insecure takes it, and says so. */
	ccf.pin = NULL;
	ccf.insecure = 1;
	if (pair_open_ctx(&p, &ccf, sctx, NULL, "localhost") == -1)
		fatal(p.c.err.msg);
	is_int(handshake(&p), 0, "--insecure accepts anything");
	is_str(report(&p.c), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "peer CN=sockctl, not verified", "and reports it not verified");
	pair_close(&p);

	/* Verification needs a name. */
	ccf.insecure = 0;
	is_int(pair_open_ctx(&p, &ccf, sctx, NULL, NULL), -1,
	    "a verifying client needs a name");
	is_str(p.c.err.msg, "no name to verify the certificate against",
	    "saying so");
	pair_close(&p);
	tls_ctx_free(sctx);
}

/* A server with the test CA's leaf, a client trusting that CA. */
static int
ca_pair(struct pair *p, const char *host, struct tls_config *ccf,
    struct tls_config *scf)
{
	struct tls_config	c, s;

	if (ccf == NULL) {
		config(&c, TLS_CLIENT);
		c.ca = ca_pem;
		ccf = &c;
	}
	if (scf == NULL) {
		config(&s, TLS_SERVER);
		s.cert_file = leaf_pem;
		s.key_file = leaf_key;
		scf = &s;
	}
	if (pair_open(p, ccf, scf, host) == -1) {
		diag("setup: %s / %s", p->c.err.msg, p->s.err.msg);
		return (-1);
	}
	return (handshake(p));
}

struct name_case {
	const char	*host;
	const char	*err;		/* NULL: verified */
	const char	*sni;		/* what the server sees */
};

static const struct name_case name_cases[] = {
	{ "localhost",		NULL,	"localhost" },
	{ "localhost.",		NULL,	"localhost" },
	{ "LocalHost",		NULL,	"LocalHost" },
	{ "www.example.test",	NULL,	"www.example.test" },
	{ "127.0.0.1",		NULL,	NULL },
	{ "::1",		NULL,	NULL },
	{ "[::1]",		NULL,	NULL },
	{ "::1%lo",		NULL,	NULL },
	{ "example.com",	"certificate verify failed: hostname mismatch",
				"example.com" },
	{ "a.b.example.test",	"certificate verify failed: hostname mismatch",
				"a.b.example.test" },
	{ "10.9.8.7",		"certificate verify failed: IP address "
				"mismatch", NULL },
	{ "::2",		"certificate verify failed: IP address "
				"mismatch", NULL },
};

static void
test_ca_names(void)
{
	const struct name_case	*nc;
	struct pair		 p;
	const char		*sni;
	size_t			 i;
	int			 r;

	for (i = 0; i < nitems(name_cases); i++) {
		nc = &name_cases[i];
		r = ca_pair(&p, nc->host, NULL, NULL);
		if (nc->err == NULL) {
			is_int(r, 0, "%s: verified against the CA (%s)",
			    nc->host, p.c.err.msg);
			is_str(report(&p.c), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
			    "peer CN=localhost, verified",
			    "%s: reported verified", nc->host);
		} else {
			is_int(r, -1, "%s: refused", nc->host);
			is_str(p.c.err.msg, nc->err, "%s: the reason",
			    nc->host);
		}
		sni = p.s.tls != NULL ? tls_servername(p.s.tls) : NULL;
		is_str(sni, nc->sni, "%s: SNI %s", nc->host,
		    nc->sni != NULL ? nc->sni : "not sent");
		pair_close(&p);
	}
}

static void
test_trust(void)
{
	struct tls_config	ccf, scf;
	struct pair		p;

	/* The system store does not know the test CA. */
	config(&ccf, TLS_CLIENT);
	is_int(ca_pair(&p, "localhost", &ccf, NULL), -1,
	    "the system store does not trust the test CA");
	is_str(p.c.err.msg, "certificate verify failed: unable to get "
	    "local issuer certificate", "with OpenSSL's reason");
	pair_close(&p);

	ccf.ca = other_ca_pem;
	is_int(ca_pair(&p, "localhost", &ccf, NULL), -1,
	    "another CA does not vouch for it");
	is_str(p.c.err.msg, "certificate verify failed: unable to get "
	    "local issuer certificate", "with OpenSSL's reason");
	pair_close(&p);

	/* --tls-name replaces the host. */
	ccf.ca = ca_pem;
	ccf.name = "www.example.test";
	is_int(ca_pair(&p, "10.1.1.1", &ccf, NULL), 0,
	    "the config's name is verified instead of the host (%s)",
	    p.c.err.msg);
	is_str(tls_servername(p.s.tls), "www.example.test",
	    "and sent as SNI");
	pair_close(&p);

	ccf.name = NULL;
	config(&scf, TLS_SERVER);
	ccf.ca = "/nonexistent/ca.pem";
	is_int(pair_open(&p, &ccf, &scf, "x"), -1,
	    "a missing CA file is refused");
	is_str(p.c.err.msg, "cannot load CA /nonexistent/ca.pem: No such "
	    "file or directory", "naming the file and why");
	pair_close(&p);

	/* A CA given as a directory, hashed as c_rehash would. */
	ccf.ca = dir;
	{
		char	link[200];

		snprintf(link, sizeof(link), "%s/%08lx.0", dir, ca_hash);
		if (symlink(ca_pem, link) == -1)
			fatal("symlink");
		is_int(ca_pair(&p, "localhost", &ccf, NULL), 0,
		    "a CA directory works (%s)", p.c.err.msg);
		pair_close(&p);
		(void)unlink(link);
	}

	config(&scf, TLS_SERVER);
	scf.cert_file = "/nonexistent/cert.pem";
	config(&ccf, TLS_CLIENT);
	is_int(pair_open(&p, &ccf, &scf, "x"), -1,
	    "a missing certificate is refused");
	is_str(p.s.err.msg, "cannot load certificate /nonexistent/cert.pem: "
	    "No such file or directory", "naming the file and why");
	pair_close(&p);

	scf.cert_file = leaf_pem;
	scf.key_file = client_pem;
	is_int(pair_open(&p, &ccf, &scf, "x"), -1,
	    "a key that does not match is refused");
	ok(strncmp(p.s.err.msg, "cannot load key ", 16) == 0 &&
	    strstr(p.s.err.msg, "/client.pem: key values mismatch") != NULL,
	    "saying so (%s)", p.s.err.msg);
	pair_close(&p);

	scf.cert_file = NULL;
	is_int(pair_open(&p, &ccf, &scf, "x"), -1,
	    "a key without a certificate is refused");
	is_str(p.s.err.msg, "a key needs its certificate", "saying so");
	pair_close(&p);

	/* The key may be in the certificate file. */
	config(&scf, TLS_SERVER);
	scf.cert_file = client_pem;
	config(&ccf, TLS_CLIENT);
	ccf.insecure = 1;
	is_int(ca_pair(&p, "x", &ccf, &scf), 0,
	    "a key in the certificate file");
	pair_close(&p);
}

/* A peer that is not TLS, or goes away. */
static void
test_not_tls(void)
{
	static const char	 http[] = "HTTP/1.0 400 Bad Request\r\n\r\n";
	struct tls_config	 ccf, scf;
	struct end		*c;
	struct pair		 p;
	char			 buf[64];

	config(&scf, TLS_SERVER);
	config(&ccf, TLS_CLIENT);
	ccf.insecure = 1;

	if (pair_open(&p, &ccf, &scf, "localhost") == -1)
		fatal(p.c.err.msg);
	c = &p.c;
	if (write(p.s.fd, http, sizeof(http) - 1) != sizeof(http) - 1)
		fatal("write");
	is_int(sync_op(c, OP_WRITE, "x", 1), TLS_ERROR,
	    "a plain-text server fails the handshake");
	is_str(c->err.msg, "wrong version number", "saying so");
	c->err.msg[0] = '\0';
	is_int(tls_read(c->tls, buf, sizeof(buf), &c->err), TLS_ERROR,
	    "and a read after it fails the same way");
	is_str(c->err.msg, "wrong version number", "saying so again");
	pair_close(&p);

	if (pair_open(&p, &ccf, &scf, "localhost") == -1)
		fatal(p.c.err.msg);
	c = &p.c;
	if (shutdown(p.s.fd, SHUT_WR) == -1)
		fatal("shutdown");
	is_int(sync_op(c, OP_WRITE, "x", 1), TLS_ERROR,
	    "a server that closes at once fails the handshake");
	is_str(c->err.msg, "peer closed the connection during the handshake",
	    "saying so");
	pair_close(&p);

	/* A client that writes nothing but closes. */
	if (pair_open(&p, &ccf, &scf, "localhost") == -1)
		fatal(p.c.err.msg);
	if (shutdown(p.c.fd, SHUT_WR) == -1)
		fatal("shutdown");
	is_int(sync_op(&p.s, OP_HANDSHAKE, NULL, 0), TLS_ERROR,
	    "a client that closes at once fails the server's handshake");
	is_str(p.s.err.msg, "peer closed the connection during the handshake",
	    "saying so");
	pair_close(&p);
}

static void
test_client_certs(void)
{
	struct tls_config	ccf, scf;
	struct pair		p;
	struct pollfd		pfd;
	char			buf[64];
	ssize_t			r;

	config(&scf, TLS_SERVER);
	scf.cert_file = leaf_pem;
	scf.key_file = leaf_key;
	scf.client_ca = ca_pem;
	config(&ccf, TLS_CLIENT);
	ccf.ca = ca_pem;

	ccf.cert_file = client_pem;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), 0,
	    "a client certificate from the client CA is accepted (%s / %s)",
	    p.c.err.msg, p.s.err.msg);
	is_str(report(&p.s), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "peer CN=client, verified", "the server reports it verified");
	pair_close(&p);

	/* Without one: TLS 1.3 clients learn of it on their first read. */
	ccf.cert_file = NULL;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), -1,
	    "a client without a certificate is refused");
	is_str(p.s.err.msg, "peer did not return a certificate",
	    "the server says why");
	if (p.c.hs == 0) {
		r = tls_read(p.c.tls, buf, sizeof(buf), &p.c.err);
		while (is_want(r)) {
			pfd.fd = p.c.fd;
			pfd.events = want_events(r);
			if (poll(&pfd, 1, POLL_MS) <= 0)
				break;
			r = tls_read(p.c.tls, buf, sizeof(buf), &p.c.err);
		}
		is_int(r, TLS_ERROR, "the client's read fails");
	} else
		is_int(p.c.hs, TLS_ERROR, "the client's handshake fails");
	is_str(p.c.err.msg, "TLS error: tlsv13 alert certificate required",
	    "with the alert");
	pair_close(&p);

	/* From a CA the server does not trust. */
	scf.client_ca = other_ca_pem;
	ccf.cert_file = client_pem;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), -1,
	    "a client certificate from another CA is refused");
	is_str(p.s.err.msg, "certificate verify failed: self-signed "
	    "certificate in certificate chain", "the server says why");
	pair_close(&p);

	/* Servers ask for none unless told: a plain client gets in. */
	scf.client_ca = NULL;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), 0,
	    "without a client CA no certificate is asked for");
	is_str(report(&p.s), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "no peer certificate", "and none is sent");
	pair_close(&p);
}

static void
test_close(enum tls_version max, const char *v)
{
	struct tls_config	ccf, scf;
	struct pair		p;
	struct pollfd		pfd;
	char			buf[64 * 1024];
	char			*big;
	size_t			got;
	ssize_t			r;

	config(&scf, TLS_SERVER);
	scf.cert_file = leaf_pem;
	scf.key_file = leaf_key;
	config(&ccf, TLS_CLIENT);
	ccf.ca = ca_pem;
	ccf.max_version = max;
	diag("the ends of a stream over %s", v);

	/* close_notify is a clean end, and the other way goes on. */
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	ok(strncmp(report(&p.c), v, strlen(v)) == 0, "the session is %s",
	    v);
	is_int(sync_op(&p.c, OP_CLOSE, NULL, 0), 0,
	    "the client sends close_notify");
	is_int(sync_op(&p.s, OP_READ, buf, sizeof(buf)), 0,
	    "the server reads it as a clean end of file");
	is_int(tls_read(p.s.tls, buf, sizeof(buf), &p.s.err), 0,
	    "and again on the next read");
	is_int(sync_op(&p.s, OP_WRITE, "after yours\n", 12),
	    12, "the server still writes after the client's close_notify");
	is_int(sync_op(&p.s, OP_CLOSE, NULL, 0), 0,
	    "then sends its own");
	r = sync_op(&p.c, OP_READ, buf, sizeof(buf));
	ok(r == 12 && memcmp(buf, "after yours\n", 12) == 0,
	    "the client reads on after its own close_notify");
	is_int(sync_op(&p.c, OP_READ, buf, sizeof(buf)), 0,
	    "then the server's close_notify");
	is_int(tls_write(p.c.tls, "x", 1, &p.c.err), TLS_ERROR,
	    "the client cannot write after its close_notify");
	pair_close(&p);

	/* A TCP end without close_notify is a possible truncation. */
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	is_int(sync_op(&p.s, OP_WRITE, "partial", 7), 7,
	    "the server writes");
	if (shutdown(p.s.fd, SHUT_WR) == -1)
		fatal("shutdown");
	r = sync_op(&p.c, OP_READ, buf, sizeof(buf));
	ok(r == 7 && memcmp(buf, "partial", 7) == 0,
	    "the client gets the bytes before the end");
	is_int(sync_op(&p.c, OP_READ, buf, sizeof(buf)),
	    TLS_TRUNCATED, "then TLS_TRUNCATED");
	is_str(p.c.err.msg, "peer closed without TLS close_notify "
	    "(possible truncation)", "with the contract's words");
	is_int(tls_read(p.c.tls, buf, sizeof(buf), &p.c.err), TLS_TRUNCATED,
	    "and again on the next read");
	is_int(sync_op(&p.c, OP_WRITE, "more", 4), 4,
	    "the client may still write");
	pair_close(&p);

	/* An end in the middle of a record is one too. */
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	if (write(p.s.fd, "\x17\x03\x03\x00\x40" "abc", 8) != 8 ||
	    shutdown(p.s.fd, SHUT_WR) == -1)
		fatal("write");
	is_int(sync_op(&p.c, OP_READ, buf, sizeof(buf)),
	    TLS_TRUNCATED, "an end inside a record is TLS_TRUNCATED");
	pair_close(&p);

	/* Garbage is an error, not an end. */
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	if (write(p.s.fd, "\x17\x03\x03\x00\x08" "abcdefgh", 13) != 13)
		fatal("write");
	is_int(sync_op(&p.c, OP_READ, buf, sizeof(buf)),
	    TLS_ERROR, "a forged record is TLS_ERROR");
	ok(strncmp(p.c.err.msg, "TLS error: ", 11) == 0,
	    "with OpenSSL's reason (%s)", p.c.err.msg);
	pair_close(&p);

	/*
	 * Bytes read ahead are invisible to poll(): tls_pending() says
	 * they are there.
	 */
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	if ((big = malloc(32 * 1024)) == NULL)
		fatal("malloc");
	arc4random_buf(big, 32 * 1024);
	is_int(sync_op(&p.s, OP_WRITE, big, 32 * 1024),
	    32 * 1024, "the server writes 32 KiB in one call");
	is_int(sync_op(&p.c, OP_READ, buf, 100), 100,
	    "the client reads 100 bytes");
	ok(tls_pending(p.c.tls), "tls_pending says more is there");
	pfd.fd = p.c.fd;
	pfd.events = POLLIN;
	is_int(poll(&pfd, 1, 0), 0, "though poll() sees nothing "
	    "(it was read ahead)");
	got = 100;
	while (tls_pending(p.c.tls) && got < 32 * 1024) {
		r = tls_read(p.c.tls, buf + got, sizeof(buf) - got, &p.c.err);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	ok(got == 32 * 1024 && memcmp(buf, big, got) == 0,
	    "reading while tls_pending gets it all without polling (%zu)",
	    got);
	ok(!tls_pending(p.c.tls), "then nothing is pending");
	is_int(tls_read(p.c.tls, buf, sizeof(buf), &p.c.err),
	    TLS_WANT_POLLIN, "and tls_read wants POLLIN");
	free(big);
	pair_close(&p);
}

static void
test_bulk(enum tls_version max, const char *want_report)
{
	struct tls_config	 ccf, scf;
	struct pair		 p;
	unsigned char		*a, *b;

	config(&scf, TLS_SERVER);
	scf.cert_file = leaf_pem;
	scf.key_file = leaf_key;
	config(&ccf, TLS_CLIENT);
	ccf.ca = ca_pem;
	ccf.max_version = max;
	if (ca_pair(&p, "localhost", &ccf, &scf) == -1)
		fatal("handshake");
	is_str(report(&p.c), want_report, "%s", want_report);
	if ((a = malloc(BIG)) == NULL || (b = malloc(BIG)) == NULL)
		fatal("malloc");
	arc4random_buf(a, BIG);
	arc4random_buf(b, BIG);
	p.c.out = a;
	p.c.outlen = BIG;
	p.c.close_after = 1;
	expect(&p.c, BIG);
	p.s.out = b;
	p.s.outlen = BIG;
	p.s.close_after = 1;
	expect(&p.s, BIG);
	is_int(pump(&p), 0, "8 MiB both ways at once (%s / %s)",
	    p.c.err.msg, p.s.err.msg);
	ok(p.s.inlen == BIG && memcmp(p.s.in, a, BIG) == 0,
	    "the server got the client's 8 MiB byte for byte");
	ok(p.c.inlen == BIG && memcmp(p.c.in, b, BIG) == 0,
	    "the client got the server's 8 MiB byte for byte");
	ok(p.c.end == 0 && p.s.end == 0, "both ended on close_notify");
	free(a);
	free(b);
	pair_close(&p);
}

/*
 * tls_write counts bytes as taken only once their records are on the
 * socket (tls-io.c batches records in a buffer of its own): the reader
 * gets every byte reported without the writer doing anything more, and
 * the rest comes when the writer is called again with the bytes not
 * taken at the front.
 */
static void
test_write_taken(void)
{
	struct pair	 p;
	unsigned char	*a, *got;
	size_t		 taken = 0, have = 0, len = 4 * 1024 * 1024;
	ssize_t		 r, w;
	int		 turns = 0;

	if (ca_pair(&p, "localhost", NULL, NULL) == -1)
		fatal("handshake");
	if ((a = malloc(len)) == NULL || (got = malloc(len)) == NULL)
		fatal("malloc");
	arc4random_buf(a, len);
	/* In pieces of a few records, as the epoll engines write. */
	while ((w = tls_write(p.c.tls, a + taken, 40000, &p.c.err)) > 0)
		taken += (size_t)w;
	is_int(w, TLS_WANT_POLLOUT,
	    "a writer nobody reads comes to TLS_WANT_POLLOUT");
	ok(taken > 0 && taken < len, "after taking part (%zu bytes)", taken);
	while ((r = tls_read(p.s.tls, got + have, len - have,
	    &p.s.err)) > 0)
		have += (size_t)r;
	ok(have >= taken && memcmp(got, a, taken) == 0,
	    "the reader gets every byte reported taken (%zu of %zu) "
	    "without the writer", have, taken);
	while (have < len && turns++ < 100000) {
		w = tls_write(p.c.tls, a + taken, len - taken, &p.c.err);
		if (w > 0)
			taken += (size_t)w;
		else if (!is_want(w) && taken < len)
			break;
		r = tls_read(p.s.tls, got + have, len - have, &p.s.err);
		if (r > 0)
			have += (size_t)r;
		else if (!is_want(r))
			break;
	}
	ok(taken == len && have == len && memcmp(got, a, len) == 0,
	    "then all 4 MiB arrive byte for byte (%zu taken, %zu read)",
	    taken, have);
	free(a);
	free(got);
	pair_close(&p);
}

static void
test_versions(void)
{
	struct tls_config	ccf, scf;
	struct pair		p;

	config(&scf, TLS_SERVER);
	scf.cert_file = leaf_pem;
	scf.key_file = leaf_key;
	config(&ccf, TLS_CLIENT);
	ccf.ca = ca_pem;

	ccf.max_version = TLS_VERSION_1_2;
	scf.min_version = TLS_VERSION_1_3;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), -1,
	    "a server with --tls-min 1.3 refuses a TLS 1.2 client");
	ok(strstr(p.s.err.msg, "protocol") != NULL, "the server says why "
	    "(%s)", p.s.err.msg);
	ok(strstr(p.c.err.msg, "protocol version") != NULL,
	    "the client hears why (%s)", p.c.err.msg);
	pair_close(&p);

	ccf.max_version = TLS_VERSION_DEFAULT;
	ccf.min_version = TLS_VERSION_1_3;
	scf.min_version = TLS_VERSION_DEFAULT;
	scf.max_version = TLS_VERSION_1_2;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), -1,
	    "a client with --tls-min 1.3 refuses a TLS 1.2 server");
	ok(p.c.err.msg[0] != '\0', "saying why (%s)", p.c.err.msg);
	pair_close(&p);

	scf.max_version = TLS_VERSION_DEFAULT;
	scf.min_version = TLS_VERSION_1_3;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), 0,
	    "both at --tls-min 1.3 agree");
	pair_close(&p);

	scf.min_version = TLS_VERSION_DEFAULT;
	ccf.min_version = TLS_VERSION_DEFAULT;
	ccf.max_version = TLS_VERSION_1_2;
	is_int(ca_pair(&p, "localhost", &ccf, &scf), 0,
	    "TLS 1.2 is accepted by default");
	pair_close(&p);
}

struct alpn_case {
	const char	*client, *server;
	int		 ok;
	const char	*selected;
};

static const struct alpn_case alpn_cases[] = {
	{ "h2,http/1.1",	"http/1.1,h2",	1,	"http/1.1" },
	{ "h2,http/1.1",	"h2",		1,	"h2" },
	{ "x",			"x",		1,	"x" },
	{ NULL,			"h2",		1,	NULL },
	{ "h2",			NULL,		1,	NULL },
	{ "h2",			"http/1.1",	0,	NULL },
};

static void
test_alpn(void)
{
	const struct alpn_case	*ac;
	struct tls_config	 ccf, scf;
	struct pair		 p;
	char			 want[200];
	size_t			 i;
	int			 r;

	for (i = 0; i < nitems(alpn_cases); i++) {
		ac = &alpn_cases[i];
		config(&scf, TLS_SERVER);
		scf.cert_file = leaf_pem;
		scf.key_file = leaf_key;
		scf.alpn = ac->server;
		config(&ccf, TLS_CLIENT);
		ccf.ca = ca_pem;
		ccf.alpn = ac->client;
		r = ca_pair(&p, "localhost", &ccf, &scf);
		if (!ac->ok) {
			is_int(r, -1, "ALPN %s to %s: refused", ac->client,
			    ac->server);
			is_str(p.s.err.msg, "no application protocol",
			    "ALPN %s to %s: the server says why", ac->client,
			    ac->server);
			is_str(p.c.err.msg, "tlsv1 alert no application "
			    "protocol", "ALPN %s to %s: the client hears why",
			    ac->client, ac->server);
			pair_close(&p);
			continue;
		}
		is_int(r, 0, "ALPN %s to %s: handshake", ac->client,
		    ac->server);
		is_str(tls_alpn_selected(p.c.tls), ac->selected,
		    "ALPN %s to %s: the client has %s", ac->client,
		    ac->server, ac->selected);
		is_str(tls_alpn_selected(p.s.tls), ac->selected,
		    "ALPN %s to %s: the server has %s", ac->client,
		    ac->server, ac->selected);
		snprintf(want, sizeof(want), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
		    "peer CN=localhost, verified%s%s",
		    ac->selected != NULL ? ", ALPN " : "",
		    ac->selected != NULL ? ac->selected : "");
		is_str(report(&p.c), want, "ALPN %s to %s: reported",
		    ac->client, ac->server);
		pair_close(&p);
	}
}

/*
 * Against "openssl s_server -rev" (each line comes back reversed) on a
 * loopback port of the kernel's choosing, verifying its IP SAN.
 */
static void
test_s_server(void)
{
	struct tls_config	 ccf;
	struct sockaddr_in	 sin;
	struct end		 d;
	struct pollfd		 pfd;
	pid_t			 pid;
	char			 line[256], buf[256];
	const char		*p;
	size_t			 got;
	ssize_t			 r;
	int			 out[2], port = 0, status, null;

	if (pipe(out) == -1 || (pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) == -1 ||
		    dup2(null, 0) == -1 || dup2(out[1], 1) == -1 ||
		    dup2(null, 2) == -1)
			_exit(127);
		close(out[0]);
		execlp("openssl", "openssl", "s_server", "-accept",
		    "127.0.0.1:0", "-naccept", "1", "-cert", leaf_pem,
		    "-key", leaf_key, "-rev", (char *)NULL);
		_exit(127);
	}
	close(out[1]);
	/* "Using default temp DH parameters", then "ACCEPT ADDR:PORT". */
	got = 0;
	while (got < sizeof(line) - 1) {
		pfd.fd = out[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, POLL_MS) <= 0 ||
		    (r = read(out[0], line + got, sizeof(line) - 1 - got)) <= 0)
			break;
		got += (size_t)r;
		line[got] = '\0';
		if ((p = strstr(line, "ACCEPT ")) != NULL &&
		    strchr(p, '\n') != NULL) {
			p = strchr(p, ':');
			port = p != NULL ? atoi(p + 1) : 0;
			break;
		}
	}
	if (port <= 0) {
		diag("no openssl s_server here: skipped");
		goto done;
	}

	memset(&d, 0, sizeof(d));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((d.fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(d.fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    nonblock(d.fd) == -1)
		fatal("connect");
	config(&ccf, TLS_CLIENT);
	ccf.ca = ca_pem;
	if ((d.ctx = tls_ctx_new(&ccf, &d.err)) == NULL ||
	    (d.tls = tls_new(d.ctx, d.fd, "127.0.0.1", &d.err)) == NULL)
		fatal(d.err.msg);
	d.hs = (int)sync_op(&d, OP_WRITE, "hello\n", 6);
	is_int(d.hs, 6, "s_server: verified by IP SAN, a line written (%s)",
	    d.err.msg);
	is_str(report(&d), "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "peer CN=localhost, verified", "s_server: the report");
	got = 0;
	while (got < 6) {
		r = sync_op(&d, OP_READ, buf + got, sizeof(buf) - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	ok(got == 6 && memcmp(buf, "olleh\n", 6) == 0,
	    "s_server: the line comes back reversed");
	is_int(sync_op(&d, OP_CLOSE, NULL, 0), 0,
	    "s_server: close_notify sent");
	tls_free(d.tls);
	tls_ctx_free(d.ctx);
	close(d.fd);
 done:
	(void)kill(pid, SIGTERM);
	(void)waitpid(pid, &status, 0);
	close(out[0]);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	make_fixtures();
	test_pin_parse();
	test_alpn_version();
	test_selfsigned_pin();
	test_ca_names();
	test_trust();
	test_client_certs();
	test_not_tls();
	test_close(TLS_VERSION_DEFAULT, "TLS 1.3");
	test_close(TLS_VERSION_1_2, "TLS 1.2");
	test_bulk(TLS_VERSION_DEFAULT, "TLS 1.3, TLS_AES_256_GCM_SHA384, "
	    "peer CN=localhost, verified");
	test_bulk(TLS_VERSION_1_2, "TLS 1.2, "
	    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, peer CN=localhost, "
	    "verified");
	test_write_taken();
	test_versions();
	test_alpn();
	test_s_server();
	remove_fixtures();
	return (done_testing());
}
