/*
 * Unit tests of src/socks.h: proxy URLs, the client handshakes (SOCKS5
 * with and without RFC 1929, SOCKS4, SOCKS4a, HTTP CONNECT) and the server
 * side (the same plus absolute-form HTTP), byte for byte against RFC
 * 1928/1929 and the SOCKS4/4a documents, every refusal text, malformed
 * and hostile input, SOCKS5 UDP headers and the constant-time compare.
 * Every exchange runs twice: the peer's bytes handed in whole, then one
 * byte at a time as a slow network would deliver them, with the caller
 * keeping what was not consumed; both must give the same messages and
 * consume exactly the same bytes.  Inputs are heap copies of exactly
 * their length, so a read past the end shows up under AddressSanitizer.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "buf.h"
#include "fmt.h"
#include "log.h"
#include "socks.h"

/* Where the URL parsers put their reason. */
static struct sk_err e;

/* The reason a parser gave, or NULL when it succeeded. */
static const char *
reason(int rv)
{
	return (rv == -1 ? e.msg : NULL);
}
#include "tap.h"

/* A string literal and its length, NUL bytes included. */
#define S(s)		(s), sizeof(s) - 1

static const char *const modes[] = { "whole", "byte by byte" };

static void *
dup_exact(const void *p, size_t len)
{
	void	*q;

	if ((q = malloc(len > 0 ? len : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	if (len > 0)
		memcpy(q, p, len);
	return (q);
}

static void
hexdiag(const char *what, const void *p, size_t len)
{
	const unsigned char	*u = p;
	char			 line[3 * 64 + 8];
	size_t			 i, o = 0;

	for (i = 0; i < len && i < 64; i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x ",
		    u[i]);
	if (len > 64)
		snprintf(line + o, sizeof(line) - o, "...");
	diag("%8s: %s(%zu bytes)", what, line, len);
}

static int
is_bytes(const void *got, size_t glen, const void *want, size_t wlen,
    const char *what, const char *mode)
{
	int	pass;

	pass = glen == wlen && (wlen == 0 || memcmp(got, want, wlen) == 0);

	ok(pass, "%s (%s)", what, mode);
	if (!pass) {
		hexdiag("got", got, glen);
		hexdiag("want", want, wlen);
	}
	return (pass);
}

/*
 * Hands `in` to the parser as a caller would: whole, or growing one byte
 * at a time, dropping what each call consumed.  Stops at the first
 * answer other than SOCKS_MORE; *consumed totals what was used.
 */
typedef int (*feed_fn)(void *, const void *, size_t, size_t *, struct buf *);

static int
client_fn(void *st, const void *p, size_t len, size_t *used, struct buf *out)
{
	return (socks_client_input(st, p, len, used, out));
}

static int
server_fn(void *st, const void *p, size_t len, size_t *used, struct buf *out)
{
	return (socks_server_input(st, p, len, used, out));
}

static int
feed(feed_fn fn, void *st, const void *in, size_t len, int bytewise,
    size_t *consumed, struct buf *out)
{
	char	*copy;
	size_t	 start = 0, end, used;
	int	 r = SOCKS_MORE;

	*consumed = 0;
	for (end = bytewise ? (len > 0 ? 1 : 0) : len; ; end++) {
		copy = dup_exact((const char *)in + start, end - start);
		r = fn(st, copy, end - start, &used, out);
		free(copy);
		if (used > end - start) {
			ok(0, "used %zu of %zu bytes", used, end - start);
			return (SOCKS_ERROR);
		}
		start += used;
		if (r != SOCKS_MORE || end >= len)
			break;
	}
	*consumed = start;
	return (r);
}

/* ---- proxy URLs ---- */

static void
test_urls(void)
{
	static const struct {
		const char	*url;
		int		 override;	/* -1: none */
		const char	*err;
		enum proxy_type	 type;
		const char	*host;
		int		 port;
		const char	*user;
	} t[] = {
		{ "proxy.example", -1, NULL, PROXY_SOCKS5H, "proxy.example",
		    1080, NULL },
		{ "socks5h://p:9050", -1, NULL, PROXY_SOCKS5H, "p", 9050,
		    NULL },
		{ "socks5://bob@p:1", -1, NULL, PROXY_SOCKS5, "p", 1, "bob" },
		{ "SOCKS4A://p", -1, NULL, PROXY_SOCKS4A, "p", 1080, NULL },
		{ "socks4://10.0.0.1", -1, NULL, PROXY_SOCKS4, "10.0.0.1",
		    1080, NULL },
		{ "http://p", -1, NULL, PROXY_HTTP, "p", 3128, NULL },
		{ "http://al.ice@p:8080/", -1, NULL, PROXY_HTTP, "p", 8080,
		    "al.ice" },
		{ "[::1]:1081", -1, NULL, PROXY_SOCKS5H, "::1", 1081, NULL },
		{ "socks5://u@[2001:db8::1]", -1, NULL, PROXY_SOCKS5,
		    "2001:db8::1", 1080, "u" },
		{ "[fe80::1%eth0]:1", -1, NULL, PROXY_SOCKS5H, "fe80::1%eth0",
		    1, NULL },
		{ "[fe80::1%]", -1, "bad character in the host name", 0, NULL,
		    0, NULL },
		{ "fe80::1%eth0", -1, "an IPv6 address goes in brackets", 0,
		    NULL, 0, NULL },
		{ "p%eth0", -1, "bad character in the host name", 0, NULL, 0,
		    NULL },
		{ "p", PROXY_HTTP, NULL, PROXY_HTTP, "p", 3128, NULL },
		{ "http://p", PROXY_SOCKS5H, NULL, PROXY_SOCKS5H, "p", 1080,
		    NULL },
		{ "socks5://p:8", PROXY_SOCKS4, NULL, PROXY_SOCKS4, "p", 8,
		    NULL },
		{ "ftp://p", -1, "unknown scheme (socks5h, socks5, socks4a, "
		    "socks4, http)", 0, NULL, 0, NULL },
		{ "u:pw@p", -1, "the password goes in SOCKCTL_PROXY_PASSWORD, "
		    "not in the URL", 0, NULL, 0, NULL },
		{ "@p", -1, "empty user name", 0, NULL, 0, NULL },
		{ "", -1, "empty host", 0, NULL, 0, NULL },
		{ "socks5://", -1, "empty host", 0, NULL, 0, NULL },
		{ "u@", -1, "empty host", 0, NULL, 0, NULL },
		{ "p:0", -1, "bad port (1-65535)", 0, NULL, 0, NULL },
		{ "p:65536", -1, "bad port (1-65535)", 0, NULL, 0, NULL },
		{ "p:", -1, "bad port (1-65535)", 0, NULL, 0, NULL },
		{ "p:+80", -1, "bad port (1-65535)", 0, NULL, 0, NULL },
		{ "p:http", -1, "bad port (1-65535)", 0, NULL, 0, NULL },
		{ "::1", -1, "an IPv6 address goes in brackets", 0, NULL, 0,
		    NULL },
		{ "[::1", -1, "unbalanced brackets", 0, NULL, 0, NULL },
		{ "[::1]x", -1, "junk after the bracketed address", 0, NULL, 0,
		    NULL },
		{ "[1.2.3.4]", -1, "brackets hold an IPv6 address", 0, NULL,
		    0, NULL },
		{ "p/x", -1, "a path has no place in a proxy URL", 0, NULL, 0,
		    NULL },
		{ "a b", -1, "bad character in the host name", 0, NULL, 0,
		    NULL },
		{ "u v@p", -1, "user name contains white space or control "
		    "characters", 0, NULL, 0, NULL },
	};
	struct proxy_url	 u;
	enum proxy_type		 o;
	const char		*err;
	char			 longhost[300];
	size_t			 i;

	for (i = 0; i < nitems(t); i++) {
		o = (enum proxy_type)t[i].override;
		err = reason(proxy_parse_url(t[i].url, t[i].override == -1 ?
		    NULL : &o, &u, &e));
		is_str(err, t[i].err, "url '%s': verdict", t[i].url);
		if (t[i].err != NULL || err != NULL)
			continue;
		is_int(u.type, t[i].type, "url '%s': type", t[i].url);
		is_str(u.host, t[i].host, "url '%s': host", t[i].url);
		is_int(u.port, t[i].port, "url '%s': port", t[i].url);
		is_str(u.has_user ? u.user : NULL, t[i].user, "url '%s': user",
		    t[i].url);
	}
	memset(longhost, 'a', sizeof(longhost));
	longhost[256] = '\0';
	is_str(reason(proxy_parse_url(longhost, NULL, &u, &e)),
	    "host name too long (255 bytes at most)", "256-byte host");
	longhost[255] = '\0';
	is_str(reason(proxy_parse_url(longhost, NULL, &u, &e)), NULL,
	    "255-byte host");

	is_str(reason(proxy_parse_type("5", &o, &e)), NULL, "-X 5");
	is_int(o, PROXY_SOCKS5H, "-X 5 carries names (as nc's)");
	is_str(reason(proxy_parse_type("4", &o, &e)), NULL, "-X 4");
	is_int(o, PROXY_SOCKS4, "-X 4 is SOCKS4");
	is_str(reason(proxy_parse_type("connect", &o, &e)), NULL,
	    "-X connect");
	is_int(o, PROXY_HTTP, "-X connect is HTTP");
	is_str(reason(proxy_parse_type("socks5", &o, &e)),
	    "unknown proxy type (5, 4, connect)", "-X socks5 refused");
	is_str(proxy_type_name(PROXY_SOCKS4A), "socks4a", "type name");
	ok(proxy_resolves_here(PROXY_SOCKS5) &&
	    proxy_resolves_here(PROXY_SOCKS4) &&
	    !proxy_resolves_here(PROXY_SOCKS5H) &&
	    !proxy_resolves_here(PROXY_SOCKS4A) &&
	    !proxy_resolves_here(PROXY_HTTP), "who resolves names");
}

static void
test_addrs(void)
{
	struct socks_addr	a;
	struct sockaddr_storage	ss;
	socklen_t		sl;
	char			host[300];

	ok(socks_addr_set(&a, "192.0.2.1", 80) == 0 &&
	    a.type == SOCKS_ADDR_IPV4 && memcmp(a.ip, "\xc0\x00\x02\x01", 4)
	    == 0 && a.port == 80, "IPv4 literal");
	ok(socks_addr_set(&a, "::1", 22) == 0 && a.type == SOCKS_ADDR_IPV6 &&
	    a.ip[15] == 1, "IPv6 literal");
	ok(socks_addr_set(&a, "example.com", 443) == 0 &&
	    a.type == SOCKS_ADDR_NAME && strcmp(a.name, "example.com") == 0,
	    "name");
	ok(socks_addr_set(&a, "bad name", 1) == -1, "space refused");
	ok(socks_addr_set(&a, "a\r\nX: y", 1) == -1, "CR LF refused");
	ok(socks_addr_set(&a, "", 1) == -1, "empty refused");
	memset(host, 'a', 256);
	host[256] = '\0';
	ok(socks_addr_set(&a, host, 1) == -1, "256-byte name refused");
	host[255] = '\0';
	ok(socks_addr_set(&a, host, 1) == 0, "255-byte name taken");

	socks_addr_set(&a, "2001:db8::7", 8080);
	ok(socks_addr_to_sa(&a, &ss, &sl) == 0 && ss.ss_family == AF_INET6 &&
	    sl == sizeof(struct sockaddr_in6), "to sockaddr_in6");
	memset(&a, 0, sizeof(a));
	ok(socks_addr_from_sa(&a, (struct sockaddr *)&ss) == 0 &&
	    a.port == 8080, "from sockaddr_in6");
	is_str(socks_addr_host(&a, host, sizeof(host)), "2001:db8::7",
	    "IPv6 host text");
	/* A dual-stack socket's IPv4 peer is named as IPv4. */
	socks_addr_set(&a, "::ffff:192.0.2.9", 53);
	ok(socks_addr_to_sa(&a, &ss, &sl) == 0 &&
	    socks_addr_from_sa(&a, (struct sockaddr *)&ss) == 0 &&
	    a.type == SOCKS_ADDR_IPV4 && a.port == 53,
	    "IPv4-mapped sockaddr_in6 as IPv4");
	is_str(socks_addr_host(&a, host, sizeof(host)), "192.0.2.9",
	    "IPv4-mapped host text");
	socks_addr_set(&a, "example.com", 1);
	ok(socks_addr_to_sa(&a, &ss, &sl) == -1, "a name has no sockaddr");
	is_str(socks_addr_host(&a, host, sizeof(host)), "example.com",
	    "name host text");
}

/* ---- the client ---- */

struct step {
	const char	*send;		/* what we must have sent */
	size_t		 slen;
	const char	*recv;		/* what the proxy answers */
	size_t		 rlen;
	int		 result;
	size_t		 used;
};

/* Runs a conversation; the last step's result ends it. */
static void
client_script(const char *name, const struct proxy_url *u, const char *host,
    int port, const char *pass, const struct step *st, size_t nst,
    const char *err)
{
	struct socks_client	c;
	struct socks_addr	a;
	struct buf		out = { NULL, 0, 0 };
	size_t			i, used;
	int			mode, r;
	char			what[160];

	for (mode = 0; mode < 2; mode++) {
		socks_addr_set(&a, host, port);
		out.len = 0;
		r = socks_client_start(&c, u, &a, pass, &out);
		for (i = 0; i < nst && r == SOCKS_MORE; i++) {
			snprintf(what, sizeof(what), "%s: message %zu", name,
			    i + 1);
			is_bytes(out.p, out.len, st[i].send, st[i].slen, what,
			    modes[mode]);
			out.len = 0;
			r = feed(client_fn, &c, st[i].recv, st[i].rlen, mode,
			    &used, &out);
			snprintf(what, sizeof(what), "%s: reply %zu", name,
			    i + 1);
			ok(r == st[i].result && used == st[i].used,
			    "%s gives %d using %zu (%s)", what, st[i].result,
			    st[i].used, modes[mode]);
			if (r != st[i].result || used != st[i].used)
				diag("got %d using %zu", r, used);
		}
		if (err != NULL)
			is_str(r == SOCKS_ERROR ? c.err.msg : "(no error)", err,
			    "%s: error text (%s)", name, modes[mode]);
		else
			ok(i == nst && r == SOCKS_DONE && out.len == 0,
			    "%s: done, nothing more to send (%s)", name,
			    modes[mode]);
		socks_client_clear(&c);
	}
	buf_free(&out);
}

#define STEPS(a)	(a), nitems(a)

static void
test_client_socks5(void)
{
	struct proxy_url	u;
	const struct step	noauth[] = {
		{ S("\x05\x01\x00"), S("\x05\x00"), SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x03\x0b" "example.com" "\x00\x50"),
		    S("\x05\x00\x00\x01\x7f\x00\x00\x01\x1f\x90" "DATA"),
		    SOCKS_DONE, 10 },
	};
	const struct step	auth[] = {
		{ S("\x05\x02\x00\x02"), S("\x05\x02"), SOCKS_MORE, 2 },
		{ S("\x01\x04" "user" "\x06" "secret"), S("\x01\x00"),
		    SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x01\xc0\x00\x02\x01\x01\xbb"),
		    S("\x05\x00\x00\x04" "0123456789abcdef" "\x04\x00"),
		    SOCKS_DONE, 22 },
	};
	const struct step	auth_skipped[] = {
		{ S("\x05\x02\x00\x02"), S("\x05\x00"), SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x04" "\x20\x01\x0d\xb8" "\0\0\0\0\0\0\0\0"
		    "\0\0\0\x01" "\x00\x16"),
		    S("\x05\x00\x00\x03\x03" "abc" "\x00\x50" "\x05"),
		    SOCKS_DONE, 10 },
	};
	const struct step	empty_pass[] = {
		{ S("\x05\x02\x00\x02"), S("\x05\x02"), SOCKS_MORE, 2 },
		{ S("\x01\x01" "u" "\x00"), S("\x05\x00"), SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x03\x01" "h" "\x00\x50"),
		    S("\x05\x00\x00\x01\0\0\0\0\0\0"), SOCKS_DONE, 10 },
	};
	const struct step	refused[] = {
		{ S("\x05\x01\x00"), S("\x05\xff"), SOCKS_ERROR, 0 },
	};
	const struct step	refused_up[] = {
		{ S("\x05\x02\x00\x02"), S("\x05\xff"), SOCKS_ERROR, 0 },
	};
	const struct step	notoffered[] = {
		{ S("\x05\x01\x00"), S("\x05\x02"), SOCKS_ERROR, 0 },
	};
	const struct step	badauth[] = {
		{ S("\x05\x02\x00\x02"), S("\x05\x02"), SOCKS_MORE, 2 },
		{ S("\x01\x04" "user" "\x02" "pw"), S("\x01\x01"),
		    SOCKS_ERROR, 0 },
	};
	const struct step	http_answer[] = {
		{ S("\x05\x01\x00"), S("HTTP/1.1 400 Bad Request\r\n"),
		    SOCKS_ERROR, 0 },
	};
	const struct step	badatyp[] = {
		{ S("\x05\x01\x00"), S("\x05\x00"), SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x03\x01" "h" "\x00\x50"),
		    S("\x05\x00\x00\x09\x00\x00"), SOCKS_ERROR, 0 },
	};
	struct step		code[] = {
		{ S("\x05\x01\x00"), S("\x05\x00"), SOCKS_MORE, 2 },
		{ S("\x05\x01\x00\x03\x01" "h" "\x00\x50"), NULL, 10,
		    SOCKS_ERROR, 0 },
	};
	static const char *const texts[] = {
		NULL,
		"SOCKS5 reply 1 (general SOCKS server failure)",
		"SOCKS5 reply 2 (connection not allowed by ruleset)",
		"SOCKS5 reply 3 (network unreachable)",
		"SOCKS5 reply 4 (host unreachable)",
		"SOCKS5 reply 5 (connection refused)",
		"SOCKS5 reply 6 (TTL expired)",
		"SOCKS5 reply 7 (command not supported)",
		"SOCKS5 reply 8 (address type not supported)",
		"SOCKS5 reply 9 (unassigned)",
	};
	char			reply[10], name[40];
	size_t			i;

	(void)proxy_parse_url("p", NULL, &u, &e);
	client_script("socks5h name", &u, "example.com", 80, NULL,
	    STEPS(noauth), NULL);
	client_script("socks5h no auth offered", &u, "h", 80, NULL,
	    STEPS(refused), "SOCKS5 proxy requires authentication "
	    "(USER@ in the proxy URL)");
	client_script("socks5h unoffered method", &u, "h", 80, NULL,
	    STEPS(notoffered), "SOCKS5 proxy chose authentication method 2, "
	    "which was not offered");
	client_script("socks5h to an HTTP proxy", &u, "h", 80, NULL,
	    STEPS(http_answer), "not a SOCKS5 reply (version 72)");
	client_script("socks5h unknown BND type", &u, "h", 80, NULL,
	    STEPS(badatyp), "SOCKS5 reply with unknown address type 9");
	for (i = 1; i < nitems(texts); i++) {
		memcpy(reply, "\x05\x00\x00\x01\0\0\0\0\0\0", 10);
		reply[1] = (char)i;
		code[1].recv = reply;
		snprintf(name, sizeof(name), "socks5 reply %zu", i);
		client_script(name, &u, "h", 80, NULL, STEPS(code), texts[i]);
	}
	/* Refused as soon as REP is known: no wait for the address. */
	reply[1] = 5;
	code[1].rlen = 2;
	client_script("socks5 reply 5, cut short", &u, "h", 80, NULL,
	    STEPS(code), texts[5]);

	(void)proxy_parse_url("socks5://user@p", NULL, &u, &e);
	client_script("socks5 auth IPv4", &u, "192.0.2.1", 443, "secret",
	    STEPS(auth), NULL);
	client_script("socks5 auth not needed, IPv6", &u, "2001:db8::1", 22,
	    "secret", STEPS(auth_skipped), NULL);
	client_script("socks5 auth refused", &u, "h", 80, "pw",
	    STEPS(badauth), "SOCKS5 authentication failed (status 1)");
	client_script("socks5 all refused", &u, "h", 80, "pw",
	    STEPS(refused_up), "SOCKS5 proxy accepts none of the offered "
	    "authentication methods");
	(void)proxy_parse_url("socks5h://u@p", NULL, &u, &e);
	client_script("socks5 empty password", &u, "h", 80, NULL,
	    STEPS(empty_pass), NULL);
}

static void
test_client_socks4_http(void)
{
	struct proxy_url	u;
	const struct step	s4[] = {
		{ S("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"),
		    S("\x00\x5a\x00\x00\x00\x00\x00\x00" "x"), SOCKS_DONE, 8 },
	};
	const struct step	s4user[] = {
		{ S("\x04\x01\x1f\x90\x7f\x00\x00\x01" "bob\x00"),
		    S("\x04\x5a\x00\x00\x00\x00\x00\x00"), SOCKS_DONE, 8 },
	};
	const struct step	s4a[] = {
		{ S("\x04\x01\x01\xbb\x00\x00\x00\x01" "\x00"
		    "example.com\x00"),
		    S("\x00\x5a\x01\xbb\x7f\x00\x00\x01"), SOCKS_DONE, 8 },
	};
	struct step		s4bad[] = {
		{ S("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"),
		    S("\x00\x5b\x00\x00\x00\x00\x00\x00"), SOCKS_ERROR, 0 },
	};
	const struct step	s4ver[] = {
		{ S("\x04\x01\x00\x50\xc0\x00\x02\x01" "\x00"),
		    S("\x05\x00"), SOCKS_ERROR, 0 },
	};
	const struct step	http[] = {
		{ S("CONNECT example.com:443 HTTP/1.1\r\n"
		    "Host: example.com:443\r\n\r\n"),
		    S("HTTP/1.1 200 Connection established\r\n"
		    "Proxy-Agent: x\r\n\r\nSSH-2.0"), SOCKS_DONE, 55 },
	};
	const struct step	http6[] = {
		{ S("CONNECT [::1]:22 HTTP/1.1\r\nHost: [::1]:22\r\n"
		    "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n"),
		    S("HTTP/1.0 200 OK\n\n"), SOCKS_DONE, 17 },
	};
	const struct step	http407[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    S("HTTP/1.1 407 Proxy Authentication Required\r\n"
		    "Proxy-Authenticate: Basic\r\n"), SOCKS_ERROR, 0 },
	};
	const struct step	http403[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    S("HTTP/1.0 403 Forbidden\r\n"), SOCKS_ERROR, 0 },
	};
	const struct step	httpesc[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    S("HTTP/1.1 502 Bad\x1b[31m\r\n"), SOCKS_ERROR, 0 },
	};
	const struct step	httpssh[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    S("SSH-2.0-OpenSSH_9.6\r\n"), SOCKS_ERROR, 0 },
	};
	const struct step	httpbin[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    S("\x05\xff"), SOCKS_ERROR, 0 },
	};
	struct step		httplong[] = {
		{ S("CONNECT h:80 HTTP/1.1\r\nHost: h:80\r\n\r\n"),
		    NULL, 0, SOCKS_ERROR, 0 },
	};
	struct socks_client	c;
	struct socks_addr	a;
	struct buf		out = { NULL, 0, 0 };
	char			*big, pass[300];
	struct buf		cred = { NULL, 0, 0 }, want = { NULL, 0, 0 };
	size_t			i;
	static const char	*const s4texts[] = {
		"SOCKS4 reply 91 (request rejected or failed)",
		"SOCKS4 reply 92 (request rejected because SOCKS server "
		"cannot connect to identd on the client)",
		"SOCKS4 reply 93 (request rejected because the client "
		"program and identd report different user-ids)",
	};
	char			s4reply[8], name[40];

	(void)proxy_parse_url("socks4://p", NULL, &u, &e);
	client_script("socks4", &u, "192.0.2.1", 80, NULL, STEPS(s4), NULL);
	for (i = 0; i < nitems(s4texts); i++) {
		memcpy(s4reply, "\x00\x5b\x00\x00\x00\x00\x00\x00", 8);
		s4reply[1] = (char)(91 + i);
		s4bad[0].recv = s4reply;
		snprintf(name, sizeof(name), "socks4 reply %zu", 91 + i);
		client_script(name, &u, "192.0.2.1", 80, NULL, STEPS(s4bad),
		    s4texts[i]);
	}
	client_script("socks4 bad version", &u, "192.0.2.1", 80, NULL,
	    STEPS(s4ver), "not a SOCKS4 reply (version 5)");
	(void)proxy_parse_url("socks4://bob@p", NULL, &u, &e);
	client_script("socks4 user id", &u, "127.0.0.1", 8080, "ignored",
	    STEPS(s4user), NULL);
	(void)proxy_parse_url("socks4a://p", NULL, &u, &e);
	client_script("socks4a", &u, "example.com", 443, NULL, STEPS(s4a),
	    NULL);
	/* An address goes as plain SOCKS4 even over socks4a. */
	client_script("socks4a with an address", &u, "192.0.2.1", 80, NULL,
	    STEPS(s4), NULL);

	(void)proxy_parse_url("http://p", NULL, &u, &e);
	client_script("http CONNECT", &u, "example.com", 443, NULL,
	    STEPS(http), NULL);
	client_script("http 407", &u, "h", 80, NULL, STEPS(http407),
	    "HTTP/1.1 407 Proxy Authentication Required");
	client_script("http 403", &u, "h", 80, NULL, STEPS(http403),
	    "HTTP/1.0 403 Forbidden");
	client_script("http escape in status", &u, "h", 80, NULL,
	    STEPS(httpesc), "HTTP/1.1 502 Bad?[31m");
	client_script("http not HTTP", &u, "h", 80, NULL, STEPS(httpssh),
	    "not an HTTP proxy reply: S");
	client_script("http binary", &u, "h", 80, NULL, STEPS(httpbin),
	    "not an HTTP proxy reply: ?");
	big = malloc(SOCKS_HTTP_HEAD_MAX + 100);
	memcpy(big, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 17; i < SOCKS_HTTP_HEAD_MAX + 100; i++)
		big[i] = i % 40 == 0 ? '\n' : 'x';
	httplong[0].recv = big;
	httplong[0].rlen = SOCKS_HTTP_HEAD_MAX + 100;
	client_script("http endless head", &u, "h", 80, NULL,
	    STEPS(httplong), "HTTP proxy reply head too long");
	free(big);
	(void)proxy_parse_url("http://alice@p", NULL, &u, &e);
	client_script("http IPv6 with credentials", &u, "::1", 22, "secret",
	    STEPS(http6), NULL);

	/* Refused before anything is sent. */
	(void)proxy_parse_url("socks4://p", NULL, &u, &e);
	socks_addr_set(&a, "::1", 80);
	ok(socks_client_start(&c, &u, &a, NULL, &out) == SOCKS_ERROR &&
	    strcmp(c.err.msg, "SOCKS4 cannot reach an IPv6 address") == 0 &&
	    out.len == 0, "socks4 to IPv6 refused");
	socks_addr_set(&a, "example.com", 80);
	ok(socks_client_start(&c, &u, &a, NULL, &out) == SOCKS_ERROR &&
	    strcmp(c.err.msg, "SOCKS4 carries no host names (socks4a does)") ==
	    0, "socks4 to a name refused");
	(void)proxy_parse_url("socks5://u@p", NULL, &u, &e);
	memset(pass, 'p', 256);
	pass[256] = '\0';
	ok(socks_client_start(&c, &u, &a, pass, &out) == SOCKS_ERROR &&
	    strcmp(c.err.msg, "SOCKCTL_PROXY_PASSWORD is too long (255 bytes at "
	    "most)") == 0, "256-byte password refused");
	pass[255] = '\0';
	ok(socks_client_start(&c, &u, &a, pass, &out) == SOCKS_MORE,
	    "255-byte password taken");
	socks_client_clear(&c);
	/* Basic has no such limit: a long token goes whole. */
	(void)proxy_parse_url("http://u@p", NULL, &u, &e);
	memset(pass, 'p', sizeof(pass) - 1);
	pass[sizeof(pass) - 1] = '\0';
	out.len = 0;
	ok(socks_client_start(&c, &u, &a, pass, &out) == SOCKS_MORE,
	    "http: a %zu-byte password taken", strlen(pass));
	cred.len = 0;
	want.len = 0;
	(void)buf_adds(&cred, "u:");
	(void)buf_adds(&cred, pass);
	(void)buf_adds(&want, "Proxy-Authorization: Basic ");
	(void)fmt_base64(&want, (const unsigned char *)cred.p, cred.len);
	(void)buf_adds(&want, "\r\n\r\n");
	ok(out.len > want.len && memcmp(out.p + out.len - want.len, want.p,
	    want.len) == 0, "http: the long password in Basic, whole");
	socks_client_clear(&c);
	buf_free(&cred);
	buf_free(&want);
	buf_free(&out);
}

/* ---- the server ---- */

struct srv_case {
	const char	*name;
	int		 auth_required;
	const char	*in;
	size_t		 inlen;
	int		 result;
	size_t		 used;
	const char	*out;		/* what the client gets */
	size_t		 outlen;
	const char	*why;		/* on SOCKS_ERROR */
};

static void
run_srv(const struct srv_case *t, size_t n)
{
	struct socks_server	s;
	struct buf		out = { NULL, 0, 0 };
	size_t			i, used;
	int			mode, r;

	for (i = 0; i < n; i++) {
		for (mode = 0; mode < 2; mode++) {
			socks_server_init(&s, t[i].auth_required);
			out.len = 0;
			r = feed(server_fn, &s, t[i].in, t[i].inlen, mode,
			    &used, &out);
			ok(r == t[i].result && used == t[i].used,
			    "%s: gives %d using %zu (%s)", t[i].name,
			    t[i].result, t[i].used, modes[mode]);
			if (r != t[i].result || used != t[i].used)
				diag("got %d using %zu", r, used);
			is_bytes(out.p, out.len, t[i].out, t[i].outlen,
			    t[i].name, modes[mode]);
			if (t[i].result == SOCKS_ERROR)
				is_str(s.err.msg, t[i].why, "%s: why (%s)",
				    t[i].name, modes[mode]);
			socks_server_free(&s);
		}
	}
	buf_free(&out);
}

#define N255 \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

/*
 * c->reply tells a refused request (the target's fault: a scan goes on)
 * from every other failure (the proxy's or ours: a scan stops).
 */
static int
client_reply_of(const char *url, const char *msg1, size_t len1,
    const char *msg2, size_t len2)
{
	struct proxy_url	u;
	struct socks_client	c;
	struct socks_addr	a;
	struct buf		out = { NULL, 0, 0 };
	size_t			used;
	int			r, reply;

	(void)proxy_parse_url(url, NULL, &u, &e);
	socks_addr_set(&a, "h", 80);
	r = socks_client_start(&c, &u, &a, "pw", &out);
	if (r == SOCKS_MORE)
		r = socks_client_input(&c, msg1, len1, &used, &out);
	if (r == SOCKS_MORE && msg2 != NULL)
		r = socks_client_input(&c, msg2, len2, &used, &out);
	reply = r == SOCKS_ERROR ? c.reply : -1;
	socks_client_clear(&c);
	buf_free(&out);
	return (reply);
}

static void
test_client_reply(void)
{
	is_int(client_reply_of("p", S("\x05\x00"),
	    S("\x05\x05\x00\x01\0\0\0\0\0\0")), 5, "socks5 refusal: reply 5");
	is_int(client_reply_of("p", S("\x05\x00"), S("\x05\x02")), 2,
	    "socks5 refusal cut short: reply 2");
	is_int(client_reply_of("p", S("\x05\xff"), NULL, 0), 0,
	    "socks5 method refused: no reply code");
	is_int(client_reply_of("u@p", S("\x05\x02"), S("\x01\x01")), 0,
	    "socks5 bad credentials: no reply code");
	is_int(client_reply_of("p", S("\x05\x00"),
	    S("\x05\x00\x00\x09\x00\x00")), 0,
	    "socks5 bad address type: no reply code");
	is_int(client_reply_of("socks4a://p",
	    S("\x00\x5b\x00\x00\x00\x00\x00\x00"), NULL, 0), 91,
	    "socks4 refusal: reply 91");
	is_int(client_reply_of("http://p",
	    S("HTTP/1.1 407 Proxy Authentication Required\r\n"), NULL, 0),
	    407, "http refusal: the status");
	is_int(client_reply_of("http://p", S("HTTP/1.1 4x7 No\r\n"), NULL, 0),
	    0, "not an HTTP reply: no status");
}

static void
test_server_table(void)
{
	static const char	refuse5[] = "\x05\x00\x00\x01\0\0\0\0\0\0";
	const struct srv_case	t[] = {
		{ "socks5 greeting alone", 0, S("\x05\x01\x00"), SOCKS_MORE,
		    3, S("\x05\x00"), NULL },
		{ "socks5 connect name, pipelined", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\x0b" "example.com"
		    "\x00\x50" "GET"), SOCKS_REQUEST, 21, S("\x05\x00"),
		    NULL },
		{ "socks5 connect 255-byte name", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\xff" N255 "\x00\x50"),
		    SOCKS_REQUEST, 265, S("\x05\x00"), NULL },
		{ "socks5 udp associate", 0,
		    S("\x05\x01\x00" "\x05\x03\x00\x01\0\0\0\0\0\0"),
		    SOCKS_REQUEST, 13, S("\x05\x00"), NULL },
		{ "socks5 no methods", 0, S("\x05\x00"), SOCKS_ERROR, 2,
		    S("\x05\xff"), "no acceptable authentication method" },
		{ "socks5 GSSAPI only", 0, S("\x05\x01\x01"), SOCKS_ERROR, 3,
		    S("\x05\xff"), "no acceptable authentication method" },
		{ "socks5 auth required, none offered", 1, S("\x05\x01\x00"),
		    SOCKS_ERROR, 3, S("\x05\xff"),
		    "no username/password method offered" },
		{ "socks5 auth required", 1,
		    S("\x05\x02\x00\x02" "\x01\x04" "user" "\x04" "pass"),
		    SOCKS_AUTH, 15, S("\x05\x02"), NULL },
		{ "socks5 auth offered, not required", 0,
		    S("\x05\x01\x02" "\x01\x01" "u" "\x00"
		    "\x05\x01\x00\x01\x7f\0\0\x01\x00\x16"),
		    SOCKS_REQUEST, 17, S("\x05\x02" "\x01\x00"), NULL },
		{ "socks5 auth with a NUL", 1,
		    S("\x05\x01\x02" "\x01\x02" "u\0" "\x01" "p"),
		    SOCKS_ERROR, 9, S("\x05\x02" "\x01\x01"),
		    "authentication failed" },
		{ "socks5 auth bad version", 1,
		    S("\x05\x01\x02" "\x05\x01" "u" "\x01" "p"),
		    SOCKS_ERROR, 3, S("\x05\x02" "\x01\x01"),
		    "bad authentication version" },
		{ "socks5 BIND", 0,
		    S("\x05\x01\x00" "\x05\x02\x00\x01\x7f\0\0\x01\x00\x16"),
		    SOCKS_ERROR, 13, "\x05\x00" "\x05\x07\x00\x01\0\0\0\0\0\0",
		    12, "BIND not supported" },
		{ "socks5 command 9", 0,
		    S("\x05\x01\x00" "\x05\x09\x00\x01\x7f\0\0\x01\x00\x16"),
		    SOCKS_ERROR, 13, "\x05\x00" "\x05\x07\x00\x01\0\0\0\0\0\0",
		    12, "unknown command" },
		{ "socks5 ATYP 9", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x09\x7f\0\0\x01\x00\x16"),
		    SOCKS_ERROR, 3, "\x05\x00" "\x05\x08\x00\x01\0\0\0\0\0\0",
		    12, "unknown address type" },
		{ "socks5 empty name", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\x00\x00\x50"),
		    SOCKS_ERROR, 10, "\x05\x00" "\x05\x04\x00\x01\0\0\0\0\0\0",
		    12, "bad host name" },
		{ "socks5 name with CR LF", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\x03" "a\r\n" "\x00\x50"),
		    SOCKS_ERROR, 13, "\x05\x00" "\x05\x04\x00\x01\0\0\0\0\0\0",
		    12, "bad host name" },
		{ "socks5 name with a NUL", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\x03" "a\0b" "\x00\x50"),
		    SOCKS_ERROR, 13, "\x05\x00" "\x05\x04\x00\x01\0\0\0\0\0\0",
		    12, "bad host name" },
		{ "socks5 port 0", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x01\x7f\0\0\x01\x00\x00"),
		    SOCKS_ERROR, 13, "\x05\x00" "\x05\x01\x00\x01\0\0\0\0\0\0",
		    12, "port 0" },
		{ "socks5 request version 4", 0,
		    S("\x05\x01\x00" "\x04\x01\x00\x01\x7f\0\0\x01\x00\x16"),
		    SOCKS_ERROR, 3, "\x05\x00" "\x05\x01\x00\x01\0\0\0\0\0\0",
		    12, "bad request version" },
		{ "socks5 truncated request", 0,
		    S("\x05\x01\x00" "\x05\x01\x00\x03\x0b" "exam"),
		    SOCKS_MORE, 3, S("\x05\x00"), NULL },
		{ "socks4 connect", 0,
		    S("\x04\x01\x00\x50\x7f\x00\x00\x01" "bob\x00" "GET"),
		    SOCKS_REQUEST, 12, NULL, 0, NULL },
		{ "socks4a connect", 0,
		    S("\x04\x01\x00\x50\x00\x00\x00\x07" "\x00" "example.com"
		    "\x00"), SOCKS_REQUEST, 21, NULL, 0, NULL },
		{ "socks4a 255-byte name", 0,
		    S("\x04\x01\x00\x50\x00\x00\x00\x07" "\x00" N255 "\x00"),
		    SOCKS_REQUEST, 265, NULL, 0, NULL },
		{ "socks4a 256-byte name", 0,
		    S("\x04\x01\x00\x50\x00\x00\x00\x07" "\x00" N255 "a\x00"),
		    SOCKS_ERROR, 9, S("\x00\x5b\0\0\0\0\0\0"),
		    "host name too long" },
		{ "socks4a empty name", 0,
		    S("\x04\x01\x00\x50\x00\x00\x00\x07" "\x00\x00"),
		    SOCKS_ERROR, 10, S("\x00\x5b\0\0\0\0\0\0"),
		    "bad host name" },
		{ "socks4 256-byte user id", 0,
		    S("\x04\x01\x00\x50\x7f\x00\x00\x01" N255 "a\x00"),
		    SOCKS_ERROR, 0, S("\x00\x5b\0\0\0\0\0\0"),
		    "user id too long" },
		{ "socks4 BIND", 0,
		    S("\x04\x02\x00\x50\x7f\x00\x00\x01" "\x00"),
		    SOCKS_ERROR, 9, S("\x00\x5b\0\0\0\0\0\0"),
		    "BIND not supported" },
		{ "socks4 with auth required", 1,
		    S("\x04\x01\x00\x50\x7f\x00\x00\x01" "user\x00"),
		    SOCKS_ERROR, 13, S("\x00\x5b\0\0\0\0\0\0"),
		    "SOCKS4 carries no password" },
		{ "socks4 port 0", 0,
		    S("\x04\x01\x00\x00\x7f\x00\x00\x01" "\x00"),
		    SOCKS_ERROR, 9, S("\x00\x5b\0\0\0\0\0\0"), "port 0" },
		{ "TLS to the proxy", 0, S("\x16\x03\x01"), SOCKS_ERROR, 0,
		    NULL, 0, "unknown protocol" },
		{ "empty", 0, S(""), SOCKS_MORE, 0, NULL, 0, NULL },
		{ "http CONNECT", 0,
		    S("CONNECT example.com:443 HTTP/1.1\r\n"
		    "Host: example.com:443\r\n\r\n\x16\x03"),
		    SOCKS_REQUEST, 59, NULL, 0, NULL },
		{ "http CONNECT no port", 0,
		    S("CONNECT example.com HTTP/1.1\r\nHost: x\r\n\r\n"),
		    SOCKS_ERROR, 41, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "bad CONNECT target" },
		{ "http CONNECT with body", 0,
		    S("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n"
		    "Content-Length: 3\r\n\r\nabc"), SOCKS_ERROR, 54,
		    S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "CONNECT with a body" },
		{ "http origin form", 0,
		    S("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), SOCKS_ERROR, 27,
		    S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "not a proxy request" },
		{ "http https URL", 0,
		    S("GET https://h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
		    SOCKS_ERROR, 36, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "not an http:// URL" },
		{ "http userinfo", 0,
		    S("GET http://u@h/ HTTP/1.1\r\nHost: h\r\n\r\n"),
		    SOCKS_ERROR, 37, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "bad URL host" },
		{ "http CL and TE", 0,
		    S("POST http://h/ HTTP/1.1\r\nHost: h\r\n"
		    "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
		    SOCKS_ERROR, 0, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "malformed request" },
		{ "http obs-fold", 0,
		    S("GET http://h/ HTTP/1.1\r\nHost: h\r\n X: y\r\n\r\n"),
		    SOCKS_ERROR, 0, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "malformed request" },
		{ "http two Proxy-Authorization", 0,
		    S("GET http://h/ HTTP/1.1\r\nHost: h\r\n"
		    "Proxy-Authorization: Basic YTpi\r\n"
		    "Proxy-Authorization: Basic YTpj\r\n\r\n"),
		    SOCKS_ERROR, 101, S("HTTP/1.1 400 Bad Request\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "two Proxy-Authorization headers" },
		{ "http version 2", 0,
		    S("GET http://h/ HTTP/2.0\r\n\r\n"),
		    SOCKS_ERROR, 0, S("HTTP/1.1 505 HTTP Version Not "
		    "Supported\r\nContent-Length: 0\r\nConnection: close\r\n"
		    "\r\n"), "HTTP version not supported" },
		{ "http truncated", 0,
		    S("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n"),
		    SOCKS_MORE, 0, NULL, 0, NULL },
	};

	(void)refuse5;
	run_srv(t, nitems(t));
}

static void
test_server_http_limits(void)
{
	struct socks_server	s;
	struct buf		out = { NULL, 0, 0 };
	char			*big;
	size_t			len, i, used;
	int			r;

	len = SOCKS_HTTP_HEAD_MAX + 64;
	big = malloc(len);
	memcpy(big, "GET http://h/ HTTP/1.1\r\nHost: h\r\n", 33);
	for (i = 33; i < len; i++)
		big[i] = i % 1000 == 0 ? '\n' : i % 1000 == 1 ? 'X' :
		    i % 1000 == 2 ? ':' : 'x';
	big[33] = 'Y';
	big[34] = ':';
	socks_server_init(&s, 0);
	r = socks_server_input(&s, big, len, &used, &out);
	ok(r == SOCKS_ERROR && strcmp(s.err.msg, "request head too long") == 0 &&
	    out.len > 12 && memcmp(out.p, "HTTP/1.1 431 ", 13) == 0,
	    "endless head: 431");
	socks_server_free(&s);
	/* The verdict comes by SOCKS_INPUT_MAX bytes, however they arrive. */
	socks_server_init(&s, 0);
	out.len = 0;
	for (i = 1; i <= len; i++) {
		r = socks_server_input(&s, big, i, &used, &out);
		if (r != SOCKS_MORE)
			break;
	}
	ok(r == SOCKS_ERROR && i <= SOCKS_INPUT_MAX,
	    "endless head refused after %zu bytes", i);
	socks_server_free(&s);
	free(big);
	buf_free(&out);
}

static void
test_server_steps(void)
{
	struct socks_server	s;
	struct socks_addr	b;
	struct buf		out = { NULL, 0, 0 };
	size_t			used;
	int			r, mode;
	char			host[64];

	for (mode = 0; mode < 2; mode++) {
		/* SOCKS5 with RFC 1929, then CONNECT to an IPv6 address. */
		socks_server_init(&s, 1);
		r = feed(server_fn, &s, S("\x05\x02\x00\x02" "\x01\x04"
		    "user\x06" "secret"), mode, &used, &out);
		ok(r == SOCKS_AUTH && s.has_creds &&
		    strcmp(s.user, "user") == 0 &&
		    strcmp(s.pass, "secret") == 0, "socks5 credentials (%s)",
		    modes[mode]);
		out.len = 0;
		r = socks_server_auth(&s, 1, &out);
		ok(r == SOCKS_MORE && s.pass[0] == '\0', "auth ok: more (%s)",
		    modes[mode]);
		is_bytes(out.p, out.len, S("\x01\x00"), "auth ok reply",
		    modes[mode]);
		out.len = 0;
		r = feed(server_fn, &s, S("\x05\x01\x00\x04" "\x20\x01\x0d\xb8"
		    "\0\0\0\0\0\0\0\0\0\0\0\x05" "\x01\xbb"), mode, &used,
		    &out);
		ok(r == SOCKS_REQUEST && used == 22 && out.len == 0 &&
		    s.cmd == SOCKS_CMD_CONNECT &&
		    s.dst.type == SOCKS_ADDR_IPV6 && s.dst.port == 443 &&
		    strcmp(socks_addr_host(&s.dst, host, sizeof(host)),
		    "2001:db8::5") == 0, "socks5 IPv6 request (%s)",
		    modes[mode]);
		socks_addr_set(&b, "::1", 40000);
		r = socks_server_reply(&s, SOCKS_REP_OK, &b, &out);
		ok(r == SOCKS_DONE, "reply ok: done (%s)", modes[mode]);
		is_bytes(out.p, out.len, S("\x05\x00\x00\x04"
		    "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x01" "\x9c\x40"),
		    "socks5 success reply, IPv6 BND", modes[mode]);
		socks_server_free(&s);

		/* Refused credentials. */
		socks_server_init(&s, 1);
		out.len = 0;
		r = feed(server_fn, &s, S("\x05\x01\x02" "\x01\x01" "u\x01"
		    "p"), mode, &used, &out);
		out.len = 0;
		r = socks_server_auth(&s, 0, &out);
		ok(r == SOCKS_ERROR && strcmp(s.err.msg, "authentication failed")
		    == 0, "auth refused (%s)", modes[mode]);
		is_bytes(out.p, out.len, S("\x01\x01"), "auth refused reply",
		    modes[mode]);
		socks_server_free(&s);

		/* A request refused with each code. */
		socks_server_init(&s, 0);
		out.len = 0;
		feed(server_fn, &s, S("\x05\x01\x00" "\x05\x01\x00\x03\x01"
		    "h\x00\x50"), mode, &used, &out);
		out.len = 0;
		r = socks_server_reply(&s, SOCKS_REP_REFUSED, NULL, &out);
		ok(r == SOCKS_ERROR && strcmp(s.err.msg, "connection refused") ==
		    0, "socks5 refused (%s)", modes[mode]);
		is_bytes(out.p, out.len, S("\x05\x05\x00\x01\0\0\0\0\0\0"),
		    "socks5 reply 5", modes[mode]);
		out.len = 0;
		ok(socks_server_reply(&s, 0, NULL, &out) == SOCKS_ERROR &&
		    out.len == 0, "no second reply (%s)", modes[mode]);
		socks_server_free(&s);

		/* SOCKS4a granted with a bound address. */
		socks_server_init(&s, 0);
		out.len = 0;
		r = feed(server_fn, &s, S("\x04\x01\x01\xbb\x00\x00\x00\x01"
		    "alice\x00" "example.com\x00"), mode, &used, &out);
		ok(r == SOCKS_REQUEST && s.proto == SOCKS_PROTO_SOCKS4A &&
		    s.dst.type == SOCKS_ADDR_NAME &&
		    strcmp(s.dst.name, "example.com") == 0 &&
		    s.dst.port == 443 && strcmp(s.user, "alice") == 0,
		    "socks4a fields (%s)", modes[mode]);
		socks_addr_set(&b, "127.0.0.1", 4000);
		r = socks_server_reply(&s, SOCKS_REP_OK, &b, &out);
		is_bytes(out.p, out.len, S("\x00\x5a\x0f\xa0\x7f\x00\x00\x01"),
		    "socks4 granted", modes[mode]);
		socks_server_free(&s);

		socks_server_init(&s, 0);
		out.len = 0;
		feed(server_fn, &s, S("\x04\x01\x00\x50\x7f\x00\x00\x01\x00"),
		    mode, &used, &out);
		ok(s.proto == SOCKS_PROTO_SOCKS4 && s.dst.type ==
		    SOCKS_ADDR_IPV4 && memcmp(s.dst.ip, "\x7f\0\0\x01", 4) ==
		    0, "socks4 fields (%s)", modes[mode]);
		r = socks_server_reply(&s, SOCKS_REP_HOST_UNREACH, &b, &out);
		ok(r == SOCKS_ERROR && strcmp(s.err.msg, "host unreachable") == 0,
		    "socks4 refused (%s)", modes[mode]);
		is_bytes(out.p, out.len, S("\x00\x5b\0\0\0\0\0\0"),
		    "socks4 rejected", modes[mode]);
		socks_server_free(&s);
	}
	buf_free(&out);
}

static void
test_server_http(void)
{
	static const struct {
		int		 rep;
		const char	*out;
	} codes[] = {
		{ SOCKS_REP_FAILURE, "HTTP/1.1 502 Bad Gateway\r\n" },
		{ SOCKS_REP_NOT_ALLOWED, "HTTP/1.1 403 Forbidden\r\n" },
		{ SOCKS_REP_HOST_UNREACH, "HTTP/1.1 502 Bad Gateway\r\n" },
		{ SOCKS_REP_REFUSED, "HTTP/1.1 502 Bad Gateway\r\n" },
		{ SOCKS_REP_TIMEOUT, "HTTP/1.1 504 Gateway Timeout\r\n" },
	};
	static const char	get[] =
	    "GET http://example.com:8080/a/b?c=d#frag HTTP/1.1\r\n"
	    "Host: example.com:8080\r\n"
	    "User-Agent: t\r\n"
	    "Proxy-Connection: keep-alive\r\n"
	    "Connection: keep-alive, X-Secret\r\n"
	    "X-Secret: 1\r\n"
	    "Keep-Alive: 300\r\n"
	    "TE: trailers\r\n"
	    "Upgrade: h2c\r\n"
	    "Trailer: X\r\n"
	    "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0\r\n"
	    "Accept: */*\r\n"
	    "\r\n";
	static const char	post[] =
	    "POST http://[::1]/up HTTP/1.1\r\n"
	    "Host: wrong\r\n"
	    "Connection: Content-Length, Transfer-Encoding, Host\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "\r\n"
	    "3\r\nabc\r\n0\r\n\r\n";
	struct socks_server	s;
	struct buf		out = { NULL, 0, 0 };
	size_t			used, i;
	int			r, mode;
	char			*in;

	for (mode = 0; mode < 2; mode++) {
		socks_server_init(&s, 1);
		out.len = 0;
		r = feed(server_fn, &s, S(get), mode, &used, &out);
		ok(r == SOCKS_AUTH && used == sizeof(get) - 1 && out.len == 0,
		    "absolute form: auth first (%s)", modes[mode]);
		ok(s.has_creds && strcmp(s.user, "alice") == 0 &&
		    strcmp(s.pass, "secret") == 0, "Basic credentials (%s)",
		    modes[mode]);
		r = socks_server_auth(&s, 1, &out);
		ok(r == SOCKS_REQUEST && s.cmd == SOCKS_CMD_FORWARD &&
		    s.dst.type == SOCKS_ADDR_NAME && s.dst.port == 8080 &&
		    strcmp(s.dst.name, "example.com") == 0 && s.keep_alive &&
		    s.content_length == -1 && !s.chunked,
		    "absolute form fields (%s)", modes[mode]);
		is_bytes(s.head.p, s.head.len, S("GET /a/b?c=d HTTP/1.1\r\n"
		    "Host: example.com:8080\r\n"
		    "User-Agent: t\r\n"
		    "Accept: */*\r\n"
		    "Connection: close\r\n\r\n"),
		    "origin-form request, hop-by-hop removed", modes[mode]);
		r = socks_server_reply(&s, SOCKS_REP_OK, NULL, &out);
		ok(r == SOCKS_DONE && out.len == 0,
		    "forward: nothing for the client (%s)", modes[mode]);

		/* Keep-alive: the next request on the same connection. */
		socks_server_next(&s);
		r = feed(server_fn, &s, S(post), mode, &used, &out);
		ok(r == SOCKS_AUTH && !s.has_creds && used == sizeof(post) - 1
		    - 13, "second request, no credentials (%s)", modes[mode]);
		r = socks_server_auth(&s, 0, &out);
		ok(r == SOCKS_ERROR &&
		    strcmp(s.err.msg, "authentication required") == 0,
		    "407 (%s)", modes[mode]);
		is_bytes(out.p, out.len,
		    S("HTTP/1.1 407 Proxy Authentication Required\r\n"
		    "Proxy-Authenticate: Basic realm=\"sockctl\"\r\n"
		    "Content-Length: 0\r\nConnection: close\r\n\r\n"),
		    "407 reply", modes[mode]);
		socks_server_free(&s);

		socks_server_init(&s, 0);
		out.len = 0;
		r = feed(server_fn, &s, S(post), mode, &used, &out);
		ok(r == SOCKS_REQUEST && s.dst.type == SOCKS_ADDR_IPV6 &&
		    s.dst.port == 80 && s.chunked && s.content_length == -1,
		    "chunked POST to [::1] (%s)", modes[mode]);
		is_bytes(s.head.p, s.head.len, S("POST /up HTTP/1.1\r\n"
		    "Host: [::1]\r\n"
		    "Transfer-Encoding: chunked\r\n"
		    "Connection: close\r\n\r\n"),
		    "body framing survives Connection", modes[mode]);
		socks_server_free(&s);

		socks_server_init(&s, 0);
		out.len = 0;
		r = feed(server_fn, &s, S("GET http://h?q HTTP/1.0\r\n"
		    "Content-Length: 2\r\n\r\nhi"), mode, &used, &out);
		ok(r == SOCKS_REQUEST && used == 46 && !s.keep_alive &&
		    s.content_length == 2 && s.dst.port == 80,
		    "HTTP/1.0 with a body (%s)", modes[mode]);
		is_bytes(s.head.p, s.head.len, S("GET /?q HTTP/1.0\r\n"
		    "Host: h\r\nContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n"), "query without path",
		    modes[mode]);
		socks_server_free(&s);
	}

	/* CONNECT: 200 or the mapped refusal. */
	for (i = 0; i <= nitems(codes); i++) {
		socks_server_init(&s, 0);
		out.len = 0;
		in = dup_exact(S("CONNECT [::1]:22 HTTP/1.1\r\n"
		    "Host: x\r\n\r\n"));
		r = socks_server_input(&s, in, 38, &used, &out);
		free(in);
		ok(r == SOCKS_REQUEST && s.dst.type == SOCKS_ADDR_IPV6 &&
		    s.dst.port == 22, "CONNECT [::1]:22");
		if (i == nitems(codes)) {
			r = socks_server_reply(&s, SOCKS_REP_OK, NULL, &out);
			ok(r == SOCKS_DONE, "CONNECT done");
			is_bytes(out.p, out.len, S("HTTP/1.1 200 Connection "
			    "established\r\n\r\n"), "CONNECT 200", "whole");
		} else {
			r = socks_server_reply(&s, codes[i].rep, NULL, &out);
			ok(r == SOCKS_ERROR && out.len > strlen(codes[i].out) &&
			    memcmp(out.p, codes[i].out, strlen(codes[i].out))
			    == 0, "rep %d is %.12s", codes[i].rep,
			    codes[i].out + 9);
		}
		socks_server_free(&s);
	}

	/* Bad Basic credentials are no credentials. */
	socks_server_init(&s, 1);
	out.len = 0;
	in = dup_exact(S("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n"
	    "Proxy-Authorization: Basic YWxpY2U6c2VjcmV0=\r\n\r\n"));
	r = socks_server_input(&s, in, 85, &used, &out);
	free(in);
	ok(r == SOCKS_AUTH && !s.has_creds, "bad base64: no credentials");
	socks_server_free(&s);
	socks_server_init(&s, 1);
	in = dup_exact(S("CONNECT h:1 HTTP/1.1\r\nHost: h:1\r\n"
	    "Proxy-Authorization: basic OnNlY3JldA==\r\n\r\n"));
	r = socks_server_input(&s, in, 80, &used, &out);
	free(in);
	ok(r == SOCKS_AUTH && s.has_creds && s.user[0] == '\0' &&
	    strcmp(s.pass, "secret") == 0, "empty user, lower-case scheme");
	socks_server_free(&s);
	buf_free(&out);
}

/* ---- keep-alive: bodies and response heads ---- */

static void
test_body(void)
{
	static const struct {
		const char	*name;
		int		 framing;
		long long	 length;
		const char	*in;
		size_t		 len;
		int		 result;
		size_t		 used;
	} t[] = {
		{ "length", SOCKS_BODY_LENGTH, 5, S("helloGET"), SOCKS_DONE,
		    5 },
		{ "length, short", SOCKS_BODY_LENGTH, 9, S("hello"),
		    SOCKS_MORE, 5 },
		{ "length 0", SOCKS_BODY_LENGTH, 0, S("GET"), SOCKS_DONE, 0 },
		{ "none", SOCKS_BODY_NONE, 0, S("GET"), SOCKS_DONE, 0 },
		{ "until close", SOCKS_BODY_CLOSE, 0, S("abc"), SOCKS_MORE,
		    3 },
		{ "chunked", SOCKS_BODY_CHUNKED, 0,
		    S("3\r\nabc\r\n0\r\n\r\nNEXT"), SOCKS_DONE, 13 },
		{ "chunked, hex, extension, trailer", SOCKS_BODY_CHUNKED, 0,
		    S("A;x=\"y\"\r\n0123456789\r\n0\r\nT: 1\r\n\r\nN"),
		    SOCKS_DONE, 32 },
		{ "chunked, bare LF", SOCKS_BODY_CHUNKED, 0,
		    S("3\nabc\n0\n\nN"), SOCKS_DONE, 9 },
		{ "chunked, space before CR", SOCKS_BODY_CHUNKED, 0,
		    S("3 \r\nabc\r\n0\r\n\r\n"), SOCKS_DONE, 14 },
		{ "chunked, unfinished", SOCKS_BODY_CHUNKED, 0,
		    S("3\r\nabc\r\n0\r\nT: 1\r\n"), SOCKS_MORE, 17 },
		{ "chunked, not hex", SOCKS_BODY_CHUNKED, 0, S("x\r\n"),
		    SOCKS_ERROR, 0 },
		{ "chunked, empty size", SOCKS_BODY_CHUNKED, 0, S("\r\n"),
		    SOCKS_ERROR, 0 },
		{ "chunked, data too long", SOCKS_BODY_CHUNKED, 0,
		    S("3\r\nabcd\r\n"), SOCKS_ERROR, 6 },
		{ "chunked, bare CR", SOCKS_BODY_CHUNKED, 0,
		    S("3\rX"), SOCKS_ERROR, 2 },
		{ "chunked, 17 hex digits", SOCKS_BODY_CHUNKED, 0,
		    S("10000000000000000\r\n"), SOCKS_ERROR, 16 },
		{ "chunked, 16 hex digits", SOCKS_BODY_CHUNKED, 0,
		    S("ffffffffffffffff\r\nab"), SOCKS_MORE, 20 },
		{ "chunked, trailer folded", SOCKS_BODY_CHUNKED, 0,
		    S("0\r\nT: 1\r\n x\r\n\r\n"), SOCKS_ERROR, 9 },
		{ "chunked, NUL in extension", SOCKS_BODY_CHUNKED, 0,
		    S("1;\0\r\n"), SOCKS_ERROR, 2 },
	};
	struct socks_body	b;
	size_t			i, j, used, total;
	int			r, mode;
	char			*in, *big;

	for (i = 0; i < nitems(t); i++) {
		for (mode = 0; mode < 2; mode++) {
			socks_body_init(&b, t[i].framing, t[i].length);
			total = 0;
			r = SOCKS_MORE;
			if (mode == 0) {
				in = dup_exact(t[i].in, t[i].len);
				r = socks_body_scan(&b, in, t[i].len, &total);
				free(in);
			} else {
				/* Streamed: each byte on its own. */
				for (j = 0; j < t[i].len; j++) {
					in = dup_exact(t[i].in + j, 1);
					r = socks_body_scan(&b, in, 1, &used);
					free(in);
					total += used;
					if (r != SOCKS_MORE)
						break;
				}
			}
			ok(r == t[i].result && total == t[i].used,
			    "body %s: %d using %zu (%s)", t[i].name,
			    t[i].result, t[i].used, modes[mode]);
			if (r != t[i].result || total != t[i].used)
				diag("got %d using %zu", r, total);
		}
	}

	/* Extensions and trailers are bounded. */
	big = malloc(SOCKS_TRAILERS_MAX + 64);
	memset(big, 'x', SOCKS_TRAILERS_MAX + 64);
	memcpy(big, "1;", 2);
	socks_body_init(&b, SOCKS_BODY_CHUNKED, 0);
	r = socks_body_scan(&b, big, SOCKS_CHUNK_LINE_MAX + 8, &used);
	ok(r == SOCKS_ERROR, "chunk extension over %d bytes",
	    SOCKS_CHUNK_LINE_MAX);
	memcpy(big, "0\r\nT: ", 6);
	socks_body_init(&b, SOCKS_BODY_CHUNKED, 0);
	r = socks_body_scan(&b, big, SOCKS_TRAILERS_MAX + 64, &used);
	ok(r == SOCKS_ERROR, "trailers over %d bytes", SOCKS_TRAILERS_MAX);
	free(big);
}

static void
test_response(void)
{
	static const struct {
		const char	*name;
		int		 head_req;
		int		 ka;
		const char	*in;
		size_t		 len;
		int		 result;
		int		 framing;
		long long	 cl;
		int		 keep;
		size_t		 head_len;
		const char	*out;
	} t[] = {
		{ "length, keep-alive", 0, 1,
		    S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		    "Connection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
		    "Keep-Alive: timeout=5\r\nServer: s\r\n\r\nhello"),
		    SOCKS_DONE, SOCKS_BODY_LENGTH, 5, 1, 113,
		    "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: s\r\n"
		    "Connection: keep-alive\r\n\r\n" },
		{ "length, client closes", 0, 0,
		    S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_LENGTH, 0, 0, 38,
		    "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
		    "Connection: close\r\n\r\n" },
		{ "chunked beats length", 0, 1,
		    S("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n"
		    "Transfer-Encoding: chunked\r\n"
		    "Connection: Transfer-Encoding\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_CHUNKED, -1, 1, 97,
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
		    "Connection: keep-alive\r\n\r\n" },
		{ "gzip only: until close", 0, 1,
		    S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_CLOSE, -1, 0, 44,
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		    "Connection: close\r\n\r\n" },
		{ "no length: until close", 0, 1,
		    S("HTTP/1.0 200 OK\nServer: s\n\n"),
		    SOCKS_DONE, SOCKS_BODY_CLOSE, -1, 0, 27,
		    "HTTP/1.0 200 OK\r\nServer: s\r\n"
		    "Connection: close\r\n\r\n" },
		{ "HEAD", 1, 1,
		    S("HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_NONE, -1, 1, 39,
		    "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n"
		    "Connection: keep-alive\r\n\r\n" },
		{ "304", 0, 1, S("HTTP/1.1 304 Not Modified\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_NONE, -1, 1, 29,
		    "HTTP/1.1 304 Not Modified\r\n"
		    "Connection: keep-alive\r\n\r\n" },
		{ "204 no reason", 0, 1, S("HTTP/1.1 204\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_NONE, -1, 1, 16,
		    "HTTP/1.1 204\r\nConnection: keep-alive\r\n\r\n" },
		{ "100 Continue", 0, 1,
		    S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"),
		    SOCKS_DONE, SOCKS_BODY_NONE, -1, 1, 25,
		    "HTTP/1.1 100 Continue\r\n\r\n" },
		{ "101", 0, 1, S("HTTP/1.1 101 Switching\r\n\r\n"),
		    SOCKS_ERROR, 0, -1, 0, 0, "" },
		{ "two lengths", 0, 1, S("HTTP/1.1 200 OK\r\n"
		    "Content-Length: 1\r\nContent-Length: 2\r\n\r\n"),
		    SOCKS_ERROR, 0, -1, 0, 0, "" },
		{ "same length twice", 0, 1, S("HTTP/1.1 200 OK\r\n"
		    "Content-Length: 1\r\nContent-Length: 1\r\n\r\n"),
		    SOCKS_DONE, SOCKS_BODY_LENGTH, 1, 1, 57,
		    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
		    "Content-Length: 1\r\nConnection: keep-alive\r\n\r\n" },
		{ "bad length", 0, 1, S("HTTP/1.1 200 OK\r\n"
		    "Content-Length: -1\r\n\r\n"), SOCKS_ERROR, 0, -1, 0, 0,
		    "" },
		{ "obs-fold", 0, 1, S("HTTP/1.1 200 OK\r\nA: b\r\n c\r\n\r\n"),
		    SOCKS_ERROR, 0, -1, 0, 0, "" },
		{ "CR in a value", 0, 1,
		    S("HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\n"),
		    SOCKS_ERROR, 0, -1, 0, 0, "" },
		{ "HTTP/2", 0, 1, S("HTTP/2 200 OK\r\n\r\n"),
		    SOCKS_ERROR, 0, -1, 0, 0, "" },
		{ "unfinished", 0, 1, S("HTTP/1.1 200 OK\r\nA: b\r\n"),
		    SOCKS_MORE, 0, -1, 0, 0, "" },
	};
	struct socks_http_response	 r;
	struct buf			 out = { NULL, 0, 0 };
	size_t				 i, j;
	char				*in;
	int				 res, allmore;

	for (i = 0; i < nitems(t); i++) {
		out.len = 0;
		in = dup_exact(t[i].in, t[i].len);
		res = socks_http_response(in, t[i].len, t[i].head_req,
		    t[i].ka, &r, &out);
		ok(res == t[i].result, "response %s: result", t[i].name);
		if (res == SOCKS_DONE) {
			ok(r.framing == t[i].framing && r.content_length ==
			    t[i].cl && r.keep_alive == t[i].keep &&
			    r.head_len == t[i].head_len,
			    "response %s: framing", t[i].name);
			if (r.framing != t[i].framing || r.content_length !=
			    t[i].cl || r.keep_alive != t[i].keep ||
			    r.head_len != t[i].head_len)
				diag("framing %d cl %lld keep %d head %zu",
				    r.framing, r.content_length, r.keep_alive,
				    r.head_len);
			is_bytes(out.p, out.len, t[i].out, strlen(t[i].out),
			    t[i].name, "whole");
			/* Each strict prefix of the head: more, no output. */
			allmore = 1;
			for (j = 0; j < r.head_len; j++) {
				out.len = 0;
				if (socks_http_response(in, j, t[i].head_req,
				    t[i].ka, &r, &out) != SOCKS_MORE ||
				    out.len != 0)
					allmore = 0;
			}
			ok(allmore, "response %s: prefixes want more",
			    t[i].name);
		} else
			ok(out.len == 0, "response %s: nothing out", t[i].name);
		free(in);
	}
	in = malloc(SOCKS_HTTP_HEAD_MAX);
	memset(in, 'x', SOCKS_HTTP_HEAD_MAX);
	memcpy(in, "HTTP/1.1 200 OK\r\n", 17);
	out.len = 0;
	ok(socks_http_response(in, SOCKS_HTTP_HEAD_MAX, 0, 1, &r, &out) ==
	    SOCKS_ERROR, "endless response head");
	free(in);
	buf_free(&out);
}

/* ---- UDP, compare, errno ---- */

static void
test_udp(void)
{
	static const struct {
		const char	*in;
		size_t		 len;
		int		 result;
		size_t		 hdr;
	} t[] = {
		{ S("\0\0\0\x01\x7f\0\0\x01\x00\x35" "data"), 0, 10 },
		{ S("\0\0\0\x03\x03" "abc\x00\x35"), 0, 10 },
		{ S("\0\0\0\x04" "0123456789abcdef" "\x00\x35"), 0, 22 },
		{ S("\0\0\x01\x01\x7f\0\0\x01\x00\x35" "frag"), -1, 0 },
		{ S("\0\x01\0\x01\x7f\0\0\x01\x00\x35"), -1, 0 },
		{ S("\0\0\0\x01\x7f\0\0\x01\x00"), -1, 0 },
		{ S("\0\0\0\x01\x7f\0\0\x01\x00\x00"), -1, 0 },
		{ S("\0\0\0\x03\x00\x00\x35"), -1, 0 },
		{ S("\0\0\0\x03\x05" "a b"), -1, 0 },
		{ S("\0\0\0\x07"), -1, 0 },
		{ S(""), -1, 0 },
	};
	struct socks_addr	a;
	unsigned char		hdr[SOCKS5_UDP_HDR_MAX];
	size_t			i, n;
	char			*in;

	for (i = 0; i < nitems(t); i++) {
		in = dup_exact(t[i].in, t[i].len);
		n = 0;
		ok(socks5_udp_parse(in, t[i].len, &a, &n) == t[i].result &&
		    n == t[i].hdr, "udp header %zu", i);
		if (t[i].result == 0)
			is_bytes(hdr, socks5_udp_build(hdr, &a), t[i].in,
			    t[i].hdr, "udp header built back", "whole");
		free(in);
	}
	memset(&a, 0, sizeof(a));
	a.type = SOCKS_ADDR_NAME;
	memset(a.name, 'a', SOCKS_NAME_MAX);
	a.port = 1;
	ok(socks5_udp_build(hdr, &a) == SOCKS5_UDP_HDR_MAX,
	    "longest header fits SOCKS5_UDP_HDR_MAX");
}

static void
test_misc(void)
{
	ok(socks_ct_equal("secret", 6, "secret", 6), "ct equal");
	ok(!socks_ct_equal("secret", 6, "secreT", 6), "ct last byte");
	ok(!socks_ct_equal("secret", 6, "secret2", 7), "ct longer");
	ok(!socks_ct_equal("secret2", 7, "secret", 6), "ct shorter");
	ok(!socks_ct_equal("", 0, "x", 1), "ct empty vs one");
	ok(!socks_ct_equal("x", 1, "", 0), "ct one vs empty");
	ok(socks_ct_equal("", 0, "", 0), "ct both empty");
	is_int(socks_reply_from_errno(ECONNREFUSED), SOCKS_REP_REFUSED,
	    "ECONNREFUSED");
	is_int(socks_reply_from_errno(ENETUNREACH), SOCKS_REP_NET_UNREACH,
	    "ENETUNREACH");
	is_int(socks_reply_from_errno(EHOSTUNREACH), SOCKS_REP_HOST_UNREACH,
	    "EHOSTUNREACH");
	is_int(socks_reply_from_errno(ETIMEDOUT), SOCKS_REP_TIMEOUT,
	    "ETIMEDOUT");
	is_int(socks_reply_from_errno(EIO), SOCKS_REP_FAILURE, "EIO");
	is_str(socks_proto_name(SOCKS_PROTO_SOCKS4A), "socks4a",
	    "proto name");
	is_str(socks5_reply_text(255), "unassigned", "reply 255");
	is_str(socks4_reply_text(90), "request granted", "socks4 90");
}

int
main(void)
{
	test_urls();
	test_addrs();
	test_client_socks5();
	test_client_socks4_http();
	test_client_reply();
	test_server_table();
	test_server_http_limits();
	test_server_steps();
	test_server_http();
	test_body();
	test_response();
	test_udp();
	test_misc();
	return (done_testing());
}
