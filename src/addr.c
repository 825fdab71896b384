/*
 * Address, port and duration parsing.  Nothing here touches the network;
 * the one lookup is getservbyname(3) for service names, which reads a local
 * file.  Unit tests in tests/unit/test-addr.c drive every branch.
 */
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

const char *
addr_parse_port(const char *s, int *port)
{
	const char	*errstr;
	struct servent	*se;
	long long	 n;
	const char	*p;

	if (*s == '\0')
		return ("empty");
	if (all_digits(s) || (s[0] == '-' && all_digits(s + 1))) {
		n = strtonum(s, 0, ADDR_PORT_MAX, &errstr);
		if (errstr != NULL) {
			if (strcmp(errstr, "too large") == 0)
				return ("too large (0-65535)");
			if (strcmp(errstr, "too small") == 0)
				return ("too small (0-65535)");
			return ("not a number (0-65535)");
		}
		*port = (int)n;
		return (NULL);
	}
	for (p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return ("not a number or a service name");
	if ((se = getservbyname(s, NULL)) == NULL)
		return ("unknown service name");
	*port = ntohs((uint16_t)se->s_port);
	return (NULL);
}

/* "22,80,8000-8010": each item a port or an inclusive range. */
const char *
addr_parse_port_list(const char *s, struct port_list *pl)
{
	struct port_range *r;
	char		*copy, *item, *dash, *next;
	const char	*why = NULL;
	int		 lo, hi;

	memset(pl, 0, sizeof(*pl));
	if (*s == '\0')
		return ("empty");
	if ((copy = strdup(s)) == NULL)
		return ("out of memory");
	for (item = copy; item != NULL; item = next) {
		if ((next = strchr(item, ',')) != NULL)
			*next++ = '\0';
		if (*item == '\0') {
			why = "empty item";
			break;
		}
		dash = strchr(item, '-');
		if (dash != NULL && dash != item && all_digits(dash + 1)) {
			*dash = '\0';
			if (!all_digits(item))
				*dash = '-';
		}
		if (dash != NULL && *dash == '\0') {
			if ((why = addr_parse_port(item, &lo)) != NULL ||
			    (why = addr_parse_port(dash + 1, &hi)) != NULL)
				break;
			if (lo > hi) {
				why = "range start is after its end";
				break;
			}
		} else {
			if ((why = addr_parse_port(item, &lo)) != NULL)
				break;
			hi = lo;
		}
		r = reallocarray(pl->ranges, pl->nranges + 1, sizeof(*r));
		if (r == NULL) {
			why = "out of memory";
			break;
		}
		pl->ranges = r;
		pl->ranges[pl->nranges].lo = lo;
		pl->ranges[pl->nranges].hi = hi;
		pl->nranges++;
		pl->nports += (size_t)(hi - lo + 1);
		if (pl->nports > ADDR_PORT_MAX + 1) {
			why = "more than 65536 ports";
			break;
		}
	}
	free(copy);
	if (why != NULL)
		addr_free_port_list(pl);
	return (why);
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
const char *
addr_parse_host(const char *s, char *out, size_t outlen)
{
	size_t	len = strlen(s);
	const char *p;

	if (len == 0)
		return ("empty host");
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return ("unbalanced brackets");
		if (memchr(s + 1, ':', len - 2) == NULL)
			return ("brackets hold an IPv6 address");
		if (len - 2 >= outlen)
			return ("too long");
		memcpy(out, s + 1, len - 2);
		out[len - 2] = '\0';
		if (strpbrk(out, "[]") != NULL)
			return ("unbalanced brackets");
	} else {
		if (strpbrk(s, "[]") != NULL)
			return ("unbalanced brackets");
		if (len >= outlen)
			return ("too long");
		memcpy(out, s, len + 1);
	}
	for (p = out; *p != '\0'; p++)
		if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
			return ("contains white space or control characters");
	return (NULL);
}

/*
 * "HOST:PORT" or "[IPV6]:PORT", as other tools take an address in one
 * argument.  A bare IPv6 literal has more than one colon and is not split.
 * On success *hostlen is the length of HOST as written (brackets kept), so
 * a caller can quote both halves back to the user.
 */
const char *
addr_parse_endpoint(const char *s, char *host, size_t hostlen, int *port,
    size_t *written)
{
	const char	*colon, *why;
	char		*h;
	size_t		 n;

	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			return ("expected [ADDRESS]:PORT");
		colon++;
	} else {
		if ((colon = strchr(s, ':')) == NULL)
			return ("expected HOST:PORT");
		if (strchr(colon + 1, ':') != NULL)
			return ("expected HOST:PORT (an IPv6 address needs "
			    "brackets)");
	}
	n = (size_t)(colon - s);
	if (n == 0)
		return ("empty host");
	if ((h = strndup(s, n)) == NULL)
		return ("out of memory");
	why = addr_parse_host(h, host, hostlen);
	free(h);
	if (why != NULL)
		return (why);
	if ((why = addr_parse_port(colon + 1, port)) != NULL)
		return (why);
	*written = n;
	return (NULL);
}

/* A leading '@' names the Linux abstract namespace (no file, no NUL end). */
const char *
addr_parse_unix(const char *s, struct sockaddr_un *sun, socklen_t *len)
{
	size_t	n = strlen(s);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (n == 0)
		return ("empty path");
	if (s[0] == '@') {
		if (n == 1)
			return ("empty abstract name");
		if (n > sizeof(sun->sun_path))
			return ("too long (at most 107 bytes after '@')");
		sun->sun_path[0] = '\0';
		memcpy(sun->sun_path + 1, s + 1, n - 1);
		*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
		return (NULL);
	}
	if (n >= sizeof(sun->sun_path))
		return ("too long (at most 107 bytes)");
	memcpy(sun->sun_path, s, n + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	return (NULL);
}

/*
 * "2", "1.5", "250ms", "3s", "2m", "1h" -> milliseconds.  Fractions below a
 * millisecond round up so that a positive duration never becomes zero.
 */
const char *
addr_parse_duration(const char *s, long long *ms)
{
	const char	*p = s, *unit;
	long long	 whole = 0, mult, frac = 0, fracdiv = 1, total;
	int		 ndigits = 0, rest = 0;

	while (isdigit((unsigned char)*p)) {
		if (whole > ADDR_DURATION_MAX)
			return ("too large");
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
		return ("expected a number with an optional unit "
		    "(ms, s, m, h)");
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
		return ("expected a number with an optional unit "
		    "(ms, s, m, h)");
	if (whole > ADDR_DURATION_MAX / mult)
		return ("too large");
	total = whole * mult + (frac * mult + fracdiv - 1) / fracdiv;
	if (total == 0 && rest)
		total = 1;
	if (total > ADDR_DURATION_MAX)
		return ("too large");
	*ms = total;
	return (NULL);
}
