/*
 * The proxy client options shared by connect, the chat client and
 * forward: their checks, and the struct proxy_conf they describe (see
 * proxy-opt.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proxy-opt.h"
#include "socks.h"

/* nc's -X spellings; proxy_parse_type() reads them. */
const char *const proxyopt_types[] = { "5", "4", "connect", NULL };

int
proxyopt_load(const struct proxy_opts *o, struct proxy_conf *pc,
    struct sk_err *err)
{
	enum proxy_type	 t;
	struct sk_err	 why;

	memset(pc, 0, sizeof(*pc));
	if (o->url == NULL) {
		if (o->type != NULL) {
			err_set(err, "-X needs a proxy (-x URL)");
			return (-1);
		}
		return (0);
	}
	if (o->type != NULL && proxy_parse_type(o->type, &t, &why) == -1) {
		err_set(err, "proxy type '%s': %s", o->type, why.msg);
		return (-1);
	}
	if (proxy_parse_url(o->url, o->type != NULL ? &t : NULL, &pc->url,
	    &why) == -1) {
		err_set(err, "proxy '%s': %s", o->url, why.msg);
		return (-1);
	}
	/* Only from the environment: a command line shows in ps. */
	pc->password = getenv(PROXYOPT_PASSWORD_ENV);
	return (1);
}
