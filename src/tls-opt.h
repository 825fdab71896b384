/*
 * The --tls options every command that speaks TLS shares: one struct that
 * each command's options struct embeds, the table blocks that fill it, and
 * the two calls a command makes: tlsopt_check() with the other usage
 * checks, and tlsopt_ctx() once the command knows it will run.  Built with
 * --without-tls, the blocks stay in the tables (help and completion show
 * them) and tlsopt_check() refuses each of them as a usage error.
 */
#ifndef TLS_OPT_H
#define TLS_OPT_H

#include "log.h"
#include "opt.h"
#include "tls.h"

struct tls_opts {
	int		 tls;		/* --tls */
	const char	*cert;		/* --tls-cert */
	const char	*key;		/* --tls-key */
	const char	*ca;		/* --tls-ca (clients) */
	const char	*name;		/* --tls-name (clients) */
	const char	*pin;		/* --tls-pin (clients) */
	int		 insecure;	/* --insecure (clients) */
	const char	*client_ca;	/* --tls-client-ca (servers) */
	const char	*alpn;		/* --tls-alpn */
	const char	*min;		/* --tls-min: "1.2", "1.3" or NULL */
};

extern const char *const tlsopt_versions[];

/* --tls itself; H says what it does in this command. */
#define OPT__TLS(st, f, h) \
	OPT_FLAG_(0, "tls", st, f.tls, h)
/* A certificate to present: servers, and clients asked for one. */
#define OPT__TLS_CERT(st, f) \
	OPT_STR_(0, "tls-cert", st, f.cert, "FILE", OPTK_FILE, NULL, \
	    "PEM certificate chain to present"), \
	OPT_STR_(0, "tls-key", st, f.key, "FILE", OPTK_FILE, NULL, \
	    "PEM key of --tls-cert (default: in that file)")
/* How a client checks the server. */
#define OPT__TLS_CLIENT(st, f) \
	OPT_STR_(0, "tls-ca", st, f.ca, "FILE|DIR", OPTK_FILE, NULL, \
	    "trust anchors (default: the system store)"), \
	OPT_STR_(0, "tls-name", st, f.name, "NAME", OPTK_HOST, NULL, \
	    "name to verify and send as SNI (default: HOST)"), \
	OPT_STR_(0, "tls-pin", st, f.pin, "SHA256:HEX", OPTK_SPEC, NULL, \
	    "accept only the certificate with this SHA-256"), \
	OPT_FLAG_(0, "insecure", st, f.insecure, \
	    "do not verify the server's certificate")
/* What a server asks of its clients. */
#define OPT__TLS_SERVER(st, f) \
	OPT_STR_(0, "tls-client-ca", st, f.client_ca, "FILE", OPTK_FILE, \
	    NULL, "require client certificates signed by FILE")
/* Both sides. */
#define OPT__TLS_COMMON(st, f) \
	OPT_STR_(0, "tls-alpn", st, f.alpn, "LIST", OPTK_SPEC, NULL, \
	    "ALPN protocols to offer or accept, comma-separated"), \
	OPT_CHOICE_(0, "tls-min", st, f.min, "VERSION", tlsopt_versions, \
	    NULL, "lowest TLS version, 1.2 or 1.3 (1.2 when not given)")

/*
 * Which roles a command can play: it may have both (chat: the room is a
 * server, joining is a client), and the options of a role it does not
 * play this time are refused.
 */
#define TLSOPT_CLIENT	0x1
#define TLSOPT_SERVER	0x2

/*
 * The usage checks: 0, or -1 with the message (a usage error, exit 2).
 * ROLE is the side this run plays, TLSOPT_CLIENT or TLSOPT_SERVER.
 */
int	 tlsopt_check(const struct tls_opts *, int, struct sk_err *);

/*
 * The context for a checked tls_opts (only when o->tls is set): NULL with
 * the message on failure (a runtime error, exit 1).  A server given no
 * certificate makes an ephemeral one and prints its pin on stderr, as
 * "tls: self-signed certificate SHA256:...".
 */
struct tls_ctx	*tlsopt_ctx(const struct tls_opts *, int, struct sk_err *);

#endif /* TLS_OPT_H */
