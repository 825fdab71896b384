/*
 * The proxy client options that connect, the chat client and forward
 * share (-x, -X): one struct that each options struct embeds, the table
 * block that fills it, and proxyopt_load(), which checks them and gives
 * the struct proxy_conf a dialer takes (proxy-dial.h, or forward's own
 * non-blocking one).
 */
#ifndef PROXY_OPT_H
#define PROXY_OPT_H

#include "log.h"
#include "opt.h"
#include "socks.h"

struct proxy_opts {
	const char	*url;		/* -x */
	const char	*type;		/* -X */
};

/* What the options say, once loaded. */
struct proxy_conf {
	struct proxy_url url;
	const char	*password;	/* from the environment, or NULL */
};

/* The environment variable the proxy password comes from. */
#define PROXYOPT_PASSWORD_ENV	"SOCKCTL_PROXY_PASSWORD"

extern const char *const proxyopt_types[];

/* H says what -x does in this command. */
#define OPT__PROXY(st, f, h) \
	OPT_STR_('x', "proxy", st, f.url, "URL", OPTK_SPEC, NULL, h), \
	OPT_CHOICE_('X', "proxy-type", st, f.type, "TYPE", proxyopt_types, \
	    NULL, "proxy protocol 5, 4 or connect (overrides SCHEME)")

/*
 * 1 with *pc filled when -x was given, 0 when not; -1 with a usage
 * error's message (-X without -x, a bad URL).
 */
int	proxyopt_load(const struct proxy_opts *, struct proxy_conf *,
	    struct sk_err *);

#endif /* PROXY_OPT_H */
