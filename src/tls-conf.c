/*
 * The pure half of the TLS options: pins, ALPN lists and protocol versions
 * as the --tls-* options spell them.  No OpenSSL here, so the parsers are
 * unit-tested in every build and src/tls.c stays the only file that
 * includes it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "tls.h"

int
tls_pin_parse(const char *s, unsigned char pin[TLS_PIN_LEN],
    struct sk_err *e)
{
	size_t	n;
	int	hi, lo, colons;

	if (strncasecmp(s, "SHA256:", 7) == 0)
		s += 7;
	colons = strchr(s, ':') != NULL;
	for (n = 0; n < TLS_PIN_LEN; n++) {
		if (n > 0 && colons && *s++ != ':')
			goto bad;
		if (!isxdigit((unsigned char)s[0]) ||
		    !isxdigit((unsigned char)s[1]))
			goto bad;
		hi = isdigit((unsigned char)s[0]) ? s[0] - '0' :
		    tolower((unsigned char)s[0]) - 'a' + 10;
		lo = isdigit((unsigned char)s[1]) ? s[1] - '0' :
		    tolower((unsigned char)s[1]) - 'a' + 10;
		pin[n] = (unsigned char)(hi << 4 | lo);
		s += 2;
	}
	if (*s == '\0')
		return (0);
 bad:
	err_set(e, "a pin is SHA256: and 64 hex digits, "
	    "optionally with colons between bytes");
	return (-1);
}

void
tls_pin_format(const unsigned char pin[TLS_PIN_LEN], char s[TLS_PIN_STRLEN])
{
	static const char	hex[] = "0123456789abcdef";
	size_t			n;

	memcpy(s, "SHA256:", 7);
	for (n = 0; n < TLS_PIN_LEN; n++) {
		s[7 + 2 * n] = hex[pin[n] >> 4];
		s[7 + 2 * n + 1] = hex[pin[n] & 0xf];
	}
	s[TLS_PIN_STRLEN - 1] = '\0';
}

int
tls_alpn_wire(const char *list, unsigned char *out, size_t *outlen,
    struct sk_err *e)
{
	const char	*p, *end;
	size_t		 len, n = 0;

	for (p = list;; p = end + 1) {
		if ((end = strchr(p, ',')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0 || len > 255) {
			err_set(e, "ALPN protocols are 1 to 255 bytes, "
			    "separated by commas: %s", list);
			return (-1);
		}
		if (out != NULL) {
			out[n] = (unsigned char)len;
			memcpy(out + n + 1, p, len);
		}
		n += 1 + len;
		if (*end == '\0')
			break;
	}
	if (outlen != NULL)
		*outlen = n;
	return (0);
}

int
tls_alpn_check(const char *list, struct sk_err *e)
{
	return (tls_alpn_wire(list, NULL, NULL, e));
}

int
tls_version_parse(const char *s, enum tls_version *v, struct sk_err *e)
{
	if (strcmp(s, "1.2") == 0)
		*v = TLS_VERSION_1_2;
	else if (strcmp(s, "1.3") == 0)
		*v = TLS_VERSION_1_3;
	else {
		err_set(e, "TLS version is 1.2 or 1.3: %s", s);
		return (-1);
	}
	return (0);
}

/*
 * The name to verify and to send: brackets and a trailing dot go, and an
 * IPv6 zone goes for the IP check.  Returns 1 for an IP literal.
 */
int
tls_target_name(const char *host, char *out, size_t outlen)
{
	unsigned char	 addr[sizeof(struct in6_addr)];
	size_t		 len;
	char		*pct;

	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		host++;
		len -= 2;
	}
	if (len >= outlen)
		len = outlen - 1;
	memcpy(out, host, len);
	out[len] = '\0';
	if (len > 1 && out[len - 1] == '.')
		out[len - 1] = '\0';
	if (inet_pton(AF_INET, out, addr) == 1)
		return (1);
	if ((pct = strchr(out, '%')) != NULL)
		*pct = '\0';
	if (inet_pton(AF_INET6, out, addr) == 1)
		return (1);
	if (pct != NULL)
		*pct = '%';
	return (0);
}
