/*
 * Address, port and duration parsing.  Nothing here touches the network;
 * the one lookup is getservbyname(3) for service names, which reads a local
 * file.  Each parser returns 0, or -1 with a short reason in the caller's
 * struct sk_err ("too large (0-65535)") for the caller to put after the
 * value it quotes.  Unit tests in tests/unit/test-addr.c drive every
 * branch.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "log.h"

#define ADDR_E_DUR	"expected a number with an optional unit (ms, s, m, h)"

/* Says why in err; returns -1 for the caller to return. */
static int
addr_fail(struct sk_err *err, const char *why)
{
	err_set(err, "%s", why);
	return (-1);
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

int
addr_parse_port(const char *s, int *port, struct sk_err *err)
{
	const char	*errstr;
	struct servent	*se;
	long long	 n;
	const char	*p;

	if (*s == '\0')
		return (addr_fail(err, "empty"));
	if (all_digits(s) || (s[0] == '-' && all_digits(s + 1))) {
		n = strtonum(s, 0, ADDR_PORT_MAX, &errstr);
		if (errstr != NULL) {
			if (strcmp(errstr, "too large") == 0)
				return (addr_fail(err, "too large (0-65535)"));
			if (strcmp(errstr, "too small") == 0)
				return (addr_fail(err, "too small (0-65535)"));
			return (addr_fail(err, "not a number (0-65535)"));
		}
		*port = (int)n;
		return (0);
	}
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return (addr_fail(err,
			    "not a number or a service name"));
	if ((se = getservbyname(s, NULL)) == NULL)
		return (addr_fail(err, "unknown service name"));
	*port = ntohs((uint16_t)se->s_port);
	return (0);
}

/* "22,80,8000-8010": each item a port or an inclusive range. */
int
addr_parse_port_list(const char *s, struct port_list *pl,
    struct sk_err *err)
{
	struct port_range *r;
	char		*copy, *item, *dash, *next;
	int		 lo, hi, rv = -1;

	memset(pl, 0, sizeof(*pl));
	if (*s == '\0')
		return (addr_fail(err, "empty"));
	if ((copy = strdup(s)) == NULL)
		return (addr_fail(err, "out of memory"));
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if (*item == '\0') {
			addr_fail(err, "empty item");
			goto out;
		}
		dash = strchr(item, '-');
		if (dash != NULL && dash != item && all_digits(dash + 1)) {
			*dash = '\0';
			if (!all_digits(item))
				*dash = '-';
		}
		if (dash != NULL && *dash == '\0') {
			if (addr_parse_port(item, &lo, err) == -1 ||
			    addr_parse_port(dash + 1, &hi, err) == -1)
				goto out;
			if (lo > hi) {
				addr_fail(err,
				    "range start is after its end");
				goto out;
			}
		} else {
			if (addr_parse_port(item, &lo, err) == -1)
				goto out;
			hi = lo;
		}
		r = reallocarray(pl->ranges, pl->nranges + 1, sizeof(*r));
		if (r == NULL) {
			addr_fail(err, "out of memory");
			goto out;
		}
		pl->ranges = r;
		pl->ranges[pl->nranges].lo = lo;
		pl->ranges[pl->nranges].hi = hi;
		pl->nranges++;
		pl->nports += (size_t)(hi - lo + 1);
		if (pl->nports > ADDR_PORT_MAX + 1) {
			addr_fail(err, "more than 65536 ports");
			goto out;
		}
	}
	rv = 0;
out:
	free(copy);
	if (rv == -1)
		addr_free_port_list(pl);
	return (rv);
}

void
addr_free_port_list(struct port_list *pl)
{
	free(pl->ranges);
	memset(pl, 0, sizeof(*pl));
}

/*
 * Strips the brackets of "[::1]" and "[fe80::1%eth0]"; names and bare
 * literals pass through for getaddrinfo(3) to judge.
 */
int
addr_parse_host(const char *s, char *out, size_t outlen,
    struct sk_err *err)
{
	size_t	len = strlen(s);
	const char *p;

	if (len == 0)
		return (addr_fail(err, "empty host"));
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return (addr_fail(err, "unbalanced brackets"));
		if (memchr(s + 1, ':', len - 2) == NULL)
			return (addr_fail(err,
			    "brackets hold an IPv6 address"));
		if (len - 2 >= outlen)
			return (addr_fail(err, "too long"));
		memcpy(out, s + 1, len - 2);
		out[len - 2] = '\0';
		if (strpbrk(out, "[]") != NULL)
			return (addr_fail(err, "unbalanced brackets"));
	} else {
		if (strpbrk(s, "[]") != NULL)
			return (addr_fail(err, "unbalanced brackets"));
		if (len >= outlen)
			return (addr_fail(err, "too long"));
		memcpy(out, s, len + 1);
	}
	for (p = out; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return (addr_fail(err,
			    "contains white space or control characters"));
	return (0);
}

/*
 * "HOST:PORT" or "[IPV6]:PORT", as other tools take an address in one
 * argument.  A bare IPv6 literal has more than one colon and is not split.
 * On success *hostlen is the length of HOST as written (brackets kept), so
 * a caller can quote both halves back to the user.
 */
int
addr_parse_endpoint(const char *s, char *host, size_t hostlen, int *port,
    size_t *written, struct sk_err *err)
{
	const char	*colon;
	char		*h;
	size_t		 n;
	int		 rv;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return (addr_fail(err, "expected [ADDRESS]:PORT"));
		colon++;
	} else {
		if ((colon = strchr(s, ':')) == NULL)
			return (addr_fail(err, "expected HOST:PORT"));
		if (strchr(colon + 1, ':') != NULL)
			return (addr_fail(err, "expected HOST:PORT (an IPv6 "
			    "address needs brackets)"));
	}
	n = (size_t)(colon - s);
	if (n == 0)
		return (addr_fail(err, "empty host"));
	if ((h = strndup(s, n)) == NULL)
		return (addr_fail(err, "out of memory"));
	rv = addr_parse_host(h, host, hostlen, err);
	free(h);
	if (rv == -1 || addr_parse_port(colon + 1, port, err) == -1)
		return (-1);
	*written = n;
	return (0);
}

/* A leading '@' names the Linux abstract namespace (no file, no NUL end). */
int
addr_parse_unix(const char *s, struct sockaddr_un *sun, socklen_t *len,
    struct sk_err *err)
{
	size_t	n = strlen(s);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0)
		return (addr_fail(err, "empty path"));
	if (s[0] == '@') {
		if (n == 1)
			return (addr_fail(err, "empty abstract name"));
		if (n > sizeof(sun->sun_path))
			return (addr_fail(err,
			    "too long (at most 107 bytes after '@')"));
		sun->sun_path[0] = '\0';
		memcpy(sun->sun_path + 1, s + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return (0);
	}
	if (n >= sizeof(sun->sun_path))
		return (addr_fail(err, "too long (at most 107 bytes)"));
	memcpy(sun->sun_path, s, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return (0);
}

/*
 * "2", "1.5", "250ms", "3s", "2m", "1h" -> milliseconds.  Fractions below a
 * millisecond round up so that a positive duration never becomes zero.
 */
int
addr_parse_duration(const char *s, long long *ms, struct sk_err *err)
{
	const char	*p = s, *unit;
	long long	 whole = 0, mult, frac = 0, fracdiv = 1, total;
	int		 ndigits = 0, rest = 0;

	while (isdigit((unsigned char)*p)) {
		if (whole > ADDR_DURATION_MAX)
			return (addr_fail(err, "too large"));
		whole = whole * 10 + (*p++ - '0');
		ndigits++;
	}
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p)) {
			if (fracdiv < 1000000000LL) {
				frac = frac * 10 + (*p - '0');
				fracdiv *= 10;
			} else if (*p != '0')
				rest = 1;	/* beyond 1 ns: still not zero */
			p++;
			ndigits++;
		}
	}
	if (ndigits == 0)
		return (addr_fail(err, ADDR_E_DUR));
	unit = p;
	if (*unit == '\0' || strcmp(unit, "s") == 0)
		mult = 1000;
	else if (strcmp(unit, "ms") == 0)
		mult = 1;
	else if (strcmp(unit, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(unit, "h") == 0)
		mult = 3600 * 1000;
	else
		return (addr_fail(err, ADDR_E_DUR));
	if (whole > ADDR_DURATION_MAX / mult)
		return (addr_fail(err, "too large"));
	total = whole * mult + (frac * mult + fracdiv - 1) / fracdiv;
	if (total == 0 && rest)
		total = 1;
	if (total > ADDR_DURATION_MAX)
		return (addr_fail(err, "too large"));
	*ms = total;
	return (0);
}

/*
 * A forward endpoint.  "unix:" comes first so that a path holding a colon
 * is still a path; a bare port is a listening address on the default
 * interface, which the caller picks.
 */
int
addr_parse_ep(const char *s, int flags, struct addr_ep *ep,
    struct sk_err *err)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	size_t			n;

	memset(ep, 0, sizeof(*ep));
	if (strncmp(s, "unix:", 5) == 0) {
		ep->kind = ADDR_EP_UNIX;
		ep->path = s + 5;
		ep->port = -1;
		return (addr_parse_unix(ep->path, &sun, &len, err));
	}
	ep->kind = ADDR_EP_INET;
	if (strchr(s, ':') == NULL && s[0] != '[') {
		if (!(flags & ADDR_EP_LISTEN))
			return (addr_fail(err, "expected HOST:PORT or "
			    "unix:PATH"));
		return (addr_parse_port(s, &ep->port, err));
	}
	return (addr_parse_endpoint(s, ep->host, sizeof(ep->host),
	    &ep->port, &n, err));
}
