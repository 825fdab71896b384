/*
 * The proxy a user names with -x and -X: [SCHEME://][USER@]HOST[:PORT]
 * parsed into a struct proxy_url, nc's -X spellings, and the scheme
 * names.  The password never comes from the URL (it would show in ps),
 * only from SOCKCTL_PROXY_PASSWORD.
 */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "log.h"
#include "socks-int.h"
#include "socks.h"

static const struct {
	const char	*name;
	enum proxy_type	 type;
} schemes[] = {
	{ "socks5h", PROXY_SOCKS5H },
	{ "socks5", PROXY_SOCKS5 },
	{ "socks4a", PROXY_SOCKS4A },
	{ "socks4", PROXY_SOCKS4 },
	{ "http", PROXY_HTTP }
};

const char *
proxy_type_name(enum proxy_type t)
{
	size_t	i;

	for (i = 0; i < nitems(schemes); i++)
		if (schemes[i].type == t)
			return (schemes[i].name);
	return ("unknown");
}

/* socks5 and socks4 carry addresses: the name is resolved here. */
int
proxy_resolves_here(enum proxy_type t)
{
	return (t == PROXY_SOCKS5 || t == PROXY_SOCKS4);
}

/* Says why in err; returns -1 for the caller to return. */
static int
proxy_fail(struct sk_err *err, const char *why)
{
	err_set(err, "%s", why);
	return (-1);
}

/* -X as nc spells it: 5 carries names as nc's SOCKS5 does. */
int
proxy_parse_type(const char *s, enum proxy_type *t, struct sk_err *err)
{
	if (strcmp(s, "5") == 0)
		*t = PROXY_SOCKS5H;
	else if (strcmp(s, "4") == 0)
		*t = PROXY_SOCKS4;
	else if (strcasecmp(s, "connect") == 0)
		*t = PROXY_HTTP;
	else
		return (proxy_fail(err, "unknown proxy type (5, 4, connect)"));
	return (0);
}

/* [SCHEME://][USER@]HOST[:PORT][/]; the password never comes from here. */
int
proxy_parse_url(const char *url, const enum proxy_type *override,
    struct proxy_url *u, struct sk_err *err)
{
	const char	*p, *sep, *at, *end, *h, *he, *colon, *zone = NULL;
	size_t		 i, n;

	memset(u, 0, sizeof(*u));
	u->type = PROXY_SOCKS5H;
	p = url;
	if ((sep = strstr(p, "://")) != NULL) {
		n = (size_t)(sep - p);
		for (i = 0; i < nitems(schemes); i++)
			if (strlen(schemes[i].name) == n &&
			    strncasecmp(p, schemes[i].name, n) == 0)
				break;
		if (i == nitems(schemes))
			return (proxy_fail(err,
			    "unknown scheme (socks5h, socks5, socks4a, "
			    "socks4, http)"));
		u->type = schemes[i].type;
		p = sep + 3;
	}
	if (override != NULL)
		u->type = *override;
	end = p + strlen(p);
	if (end > p && end[-1] == '/')
		end--;
	if (memchr(p, '/', (size_t)(end - p)) != NULL)
		return (proxy_fail(err, "a path has no place in a proxy URL"));
	if ((at = memrchr(p, '@', (size_t)(end - p))) != NULL) {
		n = (size_t)(at - p);
		if (n == 0)
			return (proxy_fail(err, "empty user name"));
		if (memchr(p, ':', n) != NULL)
			return (proxy_fail(err,
			    "the password goes in SOCKCTL_PROXY_PASSWORD, "
			    "not in the URL"));
		if (n > SOCKS_NAME_MAX)
			return (proxy_fail(err,
			    "user name too long (255 bytes at most)"));
		for (i = 0; i < n; i++)
			if (iscntrl((unsigned char)p[i]) ||
			    isspace((unsigned char)p[i]))
				return (proxy_fail(err,
				    "user name contains white space or "
				    "control characters"));
		memcpy(u->user, p, n);
		u->user[n] = '\0';
		u->has_user = 1;
		p = at + 1;
	}
	h = p;
	if (*h == '[') {
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return (proxy_fail(err, "unbalanced brackets"));
		colon = he + 1 < end ? he + 1 : NULL;
		if (colon != NULL && *colon != ':')
			return (proxy_fail(err,
			    "junk after the bracketed address"));
		h++;
		if (memchr(h, ':', (size_t)(he - h)) == NULL)
			return (proxy_fail(err,
			    "brackets hold an IPv6 address"));
		/* A link-local address's zone: [fe80::1%eth0]. */
		zone = memchr(h, '%', (size_t)(he - h));
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		he = colon != NULL ? colon : end;
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL)
			return (proxy_fail(err,
			    "an IPv6 address goes in brackets"));
	}
	n = (size_t)(he - h);
	if (n == 0)
		return (proxy_fail(err, "empty host"));
	if (n > SOCKS_NAME_MAX)
		return (proxy_fail(err,
		    "host name too long (255 bytes at most)"));
	if (!socks_valid_name(h, zone != NULL ? (size_t)(zone - h) : n) ||
	    (zone != NULL && !socks_valid_name(zone + 1,
	    (size_t)(he - zone - 1))) || memchr(h, '[', n) != NULL)
		return (proxy_fail(err, "bad character in the host name"));
	memcpy(u->host, h, n);
	u->host[n] = '\0';
	if (colon != NULL) {
		if ((u->port = socks_parse_port(colon + 1,
		    (size_t)(end - colon - 1))) == -1)
			return (proxy_fail(err, "bad port (1-65535)"));
	} else
		u->port = u->type == PROXY_HTTP ? 3128 : 1080;
	return (0);
}

