/*
 * Unit tests of the pure HTTP functions in src/http.h: request-head
 * parsing (methods, versions, keep-alive, the limits and every hostile
 * head that must be refused with its status), path decoding and
 * normalisation, Range, If-None-Match entity tags, conditional requests
 * (304 and If-Range), tokens, HTTP dates and reason phrases.  Each
 * function is driven by a table of inputs and what they must give.
 * Every input is copied into a heap buffer of exactly its length, so a
 * read past the end shows up under AddressSanitizer.
 */
#include "config.h"

#include <sys/types.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compat.h"
#include "http.h"
#include "tap.h"

/* A string literal and its length, NUL bytes included. */
#define S(s)		(s), sizeof(s) - 1

#define HOST		"Host: x\r\n"

/* 1994-11-06 08:49:37 UTC, the example date of RFC 9110. */
#define RFC_TIME	784111777

/* A heap copy of exactly len bytes: no terminating NUL to lean on. */
static char *
dup_exact(const char *p, size_t len)
{
	char	*q;

	if ((q = malloc(len > 0 ? len : 1)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(q, p, len);
	return (q);
}

/* Control and non-ASCII bytes would break a TAP line: show them as \ooo. */
static const char *
printable(const char *s, size_t len, char *buf, size_t buflen)
{
	size_t	n = 0, i;

	for (i = 0; i < len && n + 8 < buflen; i++) {
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
			n += (size_t)snprintf(buf + n, buflen - n, "\\%03o",
			    (unsigned char)s[i]);
		else
			buf[n++] = s[i];
	}
	if (i < len && n + 4 < buflen) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
	return (buf);
}

/* Compares a parsed field with what it must hold (NULL: absent). */
static void
is_field(const struct http_str *got, const char *want, const char *what,
    const char *name)
{
	char	shown[128];

	if (want == NULL) {
		ok(got->len == 0, "%s: no %s", what, name);
		return;
	}
	ok(got->len == strlen(want) && memcmp(got->p, want, got->len) == 0,
	    "%s: %s is '%s'", what, name, want);
	if (got->len != strlen(want) || memcmp(got->p, want, got->len) != 0)
		diag("     got: '%s'", printable(got->p, got->len, shown,
		    sizeof(shown)));
}

struct req_case {
	const char	*what;
	const char	*in;
	size_t		 len;
	int		 status;	/* HTTP_PARSE_OK, _MORE, or a status */
	int		 method;
	int		 minor;
	int		 keep_alive;
	long long	 content_length;
	int		 chunked;
	size_t		 head_len;	/* 0: all of the input */
	const char	*target;
	const char	*host;
};

#define OK_(what, in, m, minor, keep, cl, ch, target, host) \
	{ what, S(in), HTTP_PARSE_OK, m, minor, keep, cl, ch, 0, target, host }
#define BAD(what, in, status) \
	{ what, S(in), status, 0, 0, 0, 0, 0, 0, NULL, NULL }

static const struct req_case req_cases[] = {
	/* Methods and versions. */
	OK_("GET 1.1", "GET / HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", "x"),
	OK_("HEAD 1.1", "HEAD /a/b?c HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_HEAD, 1, 1, -1, 0, "/a/b?c", "x"),
	OK_("POST is another method", "POST /f HTTP/1.1\r\n" HOST
	    "Content-Length: 3\r\n\r\n",
	    HTTP_OTHER, 1, 1, 3, 0, "/f", "x"),
	OK_("TRACE is another method", "TRACE / HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_OTHER, 1, 1, -1, 0, "/", "x"),
	OK_("DELETE is another method", "DELETE / HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_OTHER, 1, 1, -1, 0, "/", "x"),
	OK_("methods are case-sensitive: 'get'",
	    "get / HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_OTHER, 1, 1, -1, 0, "/", "x"),
	OK_("an extension method of tchars", "M-SEARCH * HTTP/1.1\r\n" HOST
	    "\r\n", HTTP_OTHER, 1, 1, -1, 0, "*", "x"),
	OK_("GET 1.0 without Host", "GET /x HTTP/1.0\r\n\r\n",
	    HTTP_GET, 0, 0, -1, 0, "/x", NULL),
	OK_("GET 1.0 with Host", "GET /x HTTP/1.0\r\n" HOST "\r\n",
	    HTTP_GET, 0, 0, -1, 0, "/x", "x"),
	OK_("absolute-form target", "GET http://h/p HTTP/1.1\r\nHost: h\r\n"
	    "\r\n", HTTP_GET, 1, 1, -1, 0, "http://h/p", "h"),

	/* Keep-alive defaults and Connection tokens. */
	OK_("1.1 Connection: close", "GET / HTTP/1.1\r\n" HOST
	    "Connection: close\r\n\r\n", HTTP_GET, 1, 0, -1, 0, "/", "x"),
	OK_("1.1 Connection: CLOSE", "GET / HTTP/1.1\r\n" HOST
	    "connection: CLOSE\r\n\r\n", HTTP_GET, 1, 0, -1, 0, "/", "x"),
	OK_("1.1 Connection: keep-alive, close", "GET / HTTP/1.1\r\n" HOST
	    "Connection: keep-alive, close\r\n\r\n",
	    HTTP_GET, 1, 0, -1, 0, "/", "x"),
	OK_("1.1 Connection: Upgrade keeps alive", "GET / HTTP/1.1\r\n" HOST
	    "Connection: Upgrade\r\n\r\n", HTTP_GET, 1, 1, -1, 0, "/", "x"),
	OK_("1.1 Connection: closed is not close", "GET / HTTP/1.1\r\n" HOST
	    "Connection: closed\r\n\r\n", HTTP_GET, 1, 1, -1, 0, "/", "x"),
	OK_("1.1 close in a second Connection header", "GET / HTTP/1.1\r\n"
	    HOST "Connection: te\r\nConnection: close\r\n\r\n",
	    HTTP_GET, 1, 0, -1, 0, "/", "x"),
	OK_("1.0 Connection: keep-alive", "GET / HTTP/1.0\r\n"
	    "Connection: keep-alive\r\n\r\n", HTTP_GET, 0, 1, -1, 0, "/", NULL),
	OK_("1.0 Connection: Keep-Alive", "GET / HTTP/1.0\r\n"
	    "Connection: Keep-Alive\r\n\r\n", HTTP_GET, 0, 1, -1, 0, "/", NULL),
	OK_("1.0 Connection: te,  keep-alive ", "GET / HTTP/1.0\r\n"
	    "Connection: te,  keep-alive \r\n\r\n",
	    HTTP_GET, 0, 1, -1, 0, "/", NULL),
	OK_("1.0 Connection: keep-alive, close", "GET / HTTP/1.0\r\n"
	    "Connection: keep-alive, close\r\n\r\n",
	    HTTP_GET, 0, 0, -1, 0, "/", NULL),
	OK_("1.0 Connection: keep-alivex", "GET / HTTP/1.0\r\n"
	    "Connection: keep-alivex\r\n\r\n",
	    HTTP_GET, 0, 0, -1, 0, "/", NULL),

	/* Line endings and framing. */
	OK_("bare LF line ends", "GET /lf HTTP/1.1\nHost: x\n\n",
	    HTTP_GET, 1, 1, -1, 0, "/lf", "x"),
	OK_("mixed CRLF and LF", "GET /lf HTTP/1.1\r\nHost: x\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/lf", "x"),
	OK_("leading empty lines", "\r\n\r\nGET /e HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/e", "x"),
	OK_("a leading bare LF", "\nGET /e HTTP/1.1\r\n" HOST "\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/e", "x"),
	OK_("Content-Length: 0", "GET / HTTP/1.1\r\n" HOST
	    "Content-Length: 0\r\n\r\n", HTTP_GET, 1, 1, 0, 0, "/", "x"),
	OK_("Content-Length with leading zeros", "GET / HTTP/1.1\r\n" HOST
	    "Content-Length:   0012  \r\n\r\n",
	    HTTP_GET, 1, 1, 12, 0, "/", "x"),
	OK_("Transfer-Encoding: chunked", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunked\r\n\r\n",
	    HTTP_OTHER, 1, 1, -1, 1, "/", "x"),
	OK_("Transfer-Encoding: gzip, Chunked", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: gzip, Chunked\r\n\r\n",
	    HTTP_OTHER, 1, 1, -1, 1, "/", "x"),
	OK_("header names are case-insensitive", "GET / HTTP/1.1\r\n"
	    "hOsT: y\r\n\r\n", HTTP_GET, 1, 1, -1, 0, "/", "y"),
	OK_("an empty Host is a Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", ""),
	OK_("tab and obs-text in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\tb caf\xc3\xa9\r\n\r\n", HTTP_GET, 1, 1, -1, 0, "/", "x"),
	OK_("value white space trimmed", "GET / HTTP/1.1\r\nHost: \t x \t\r\n"
	    "\r\n", HTTP_GET, 1, 1, -1, 0, "/", "x"),

	/* Incomplete. */
	BAD("empty input", "", HTTP_PARSE_MORE),
	BAD("only empty lines", "\r\n\r\n", HTTP_PARSE_MORE),
	BAD("no blank line yet", "GET / HTTP/1.1\r\n" HOST, HTTP_PARSE_MORE),
	BAD("half a blank line", "GET / HTTP/1.1\r\n" HOST "\r",
	    HTTP_PARSE_MORE),

	/* Versions. */
	BAD("HTTP/2.0", "GET / HTTP/2.0\r\n" HOST "\r\n", 505),
	BAD("HTTP/3.0", "GET / HTTP/3.0\r\n" HOST "\r\n", 505),
	BAD("HTTP/0.9 with a version", "GET / HTTP/0.9\r\n\r\n", 505),
	BAD("lowercase http/1.1", "GET / http/1.1\r\n" HOST "\r\n", 400),
	BAD("HTTP/1.10", "GET / HTTP/1.10\r\n" HOST "\r\n", 400),
	BAD("HTTP/11.1", "GET / HTTP/11.1\r\n" HOST "\r\n", 400),
	BAD("HTTP/1", "GET / HTTP/1\r\n" HOST "\r\n", 400),
	BAD("HTTP/1.x", "GET / HTTP/1.x\r\n" HOST "\r\n", 400),

	/* Malformed request lines. */
	BAD("no version (HTTP/0.9 form)", "GET /\r\n\r\n", 400),
	BAD("method only", "GET\r\n\r\n", 400),
	BAD("a request line of one word", "x\r\n\r\n", 400),
	BAD("two spaces after the method", "GET  / HTTP/1.1\r\n" HOST "\r\n",
	    400),
	BAD("two spaces before the version", "GET /  HTTP/1.1\r\n" HOST
	    "\r\n", 400),
	BAD("a space after the version", "GET / HTTP/1.1 \r\n" HOST "\r\n",
	    400),
	BAD("a leading space", " GET / HTTP/1.1\r\n" HOST "\r\n", 400),
	BAD("a tab as separator", "GET\t/ HTTP/1.1\r\n" HOST "\r\n", 400),
	BAD("a control character in the target",
	    "GET /a\001b HTTP/1.1\r\n" HOST "\r\n", 400),
	BAD("DEL in the target", "GET /a\177b HTTP/1.1\r\n" HOST "\r\n", 400),
	BAD("a NUL in the target", "GET /a\0b HTTP/1.1\r\n" HOST "\r\n", 400),
	BAD("a bare CR in the request line", "GET /\r HTTP/1.1\r\n" HOST
	    "\r\n", 400),
	BAD("a method with a non-tchar", "G@T / HTTP/1.1\r\n" HOST "\r\n",
	    400),
	BAD("a flood of leading empty lines",
	    "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
	    "GET / HTTP/1.1\r\n" HOST "\r\n", 400),

	/* Host. */
	BAD("1.1 without Host", "GET / HTTP/1.1\r\n\r\n", 400),
	BAD("1.1 with only other headers", "GET / HTTP/1.1\r\nX-Host: x\r\n"
	    "\r\n", 400),
	BAD("duplicate Host", "GET / HTTP/1.1\r\n" HOST HOST "\r\n", 400),
	BAD("duplicate Host, different values and case", "GET / HTTP/1.1\r\n"
	    "Host: a\r\nHOST: b\r\n\r\n", 400),
	BAD("duplicate Host in 1.0", "GET / HTTP/1.0\r\n" HOST HOST "\r\n",
	    400),

	/* Content-Length and Transfer-Encoding. */
	BAD("duplicate Content-Length, equal", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 5\r\nContent-Length: 5\r\n\r\n", 400),
	BAD("duplicate Content-Length, different", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
	BAD("Content-Length: 5, 5", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 5, 5\r\n\r\n", 400),
	BAD("Content-Length: +5", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: +5\r\n\r\n", 400),
	BAD("Content-Length: 5 5", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 5 5\r\n\r\n", 400),
	BAD("Content-Length: -1", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: -1\r\n\r\n", 400),
	BAD("Content-Length: 0x10", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 0x10\r\n\r\n", 400),
	BAD("Content-Length empty", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length:\r\n\r\n", 400),
	BAD("Content-Length huge", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 99999999999999999999\r\n\r\n", 400),
	BAD("Content-Length with Transfer-Encoding", "POST / HTTP/1.1\r\n"
	    HOST "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400),
	BAD("Transfer-Encoding with Content-Length", "POST / HTTP/1.1\r\n"
	    HOST "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n",
	    400),
	BAD("Transfer-Encoding: gzip", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: gzip\r\n\r\n", 400),
	BAD("Transfer-Encoding: chunked, gzip", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
	BAD("Transfer-Encoding: chunkedx", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunkedx\r\n\r\n", 400),
	BAD("Transfer-Encoding empty", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding:\r\n\r\n", 400),

	/* Header syntax. */
	BAD("obs-fold with a space", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\r\n b\r\n\r\n", 400),
	BAD("obs-fold with a tab", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\r\n\tb\r\n\r\n", 400),
	BAD("a space before the first header", "GET / HTTP/1.1\r\n"
	    " Host: x\r\n\r\n", 400),
	BAD("a space before the colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n",
	    400),
	BAD("a tab before the colon", "GET / HTTP/1.1\r\n" HOST
	    "X-A\t: b\r\n\r\n", 400),
	BAD("a NUL in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\0b\r\n\r\n", 400),
	BAD("a control character in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\001b\r\n\r\n", 400),
	BAD("ESC in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: \033[31mred\r\n\r\n", 400),
	BAD("DEL in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\177b\r\n\r\n", 400),
	BAD("a bare CR in a value", "GET / HTTP/1.1\r\n" HOST
	    "X-A: a\rSet-Cookie: b\r\n\r\n", 400),
	BAD("a NUL in a Host value", "GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n",
	    400),
	BAD("an empty header name", "GET / HTTP/1.1\r\n" HOST ": b\r\n\r\n",
	    400),
	BAD("a header without a colon", "GET / HTTP/1.1\r\n" HOST
	    "X-A b\r\n\r\n", 400),
	BAD("a NUL in a header name", "GET / HTTP/1.1\r\n" HOST
	    "X\0A: b\r\n\r\n", 400),
	BAD("a non-tchar in a header name", "GET / HTTP/1.1\r\n" HOST
	    "X(A): b\r\n\r\n", 400),

	/* Host is uri-host [":" port] (RFC 9112, 3.2). */
	BAD("Host: bad host", "GET / HTTP/1.1\r\nHost: bad host\r\n\r\n",
	    400),
	BAD("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400),
	BAD("Host with userinfo", "GET / HTTP/1.1\r\nHost: u@h\r\n\r\n",
	    400),
	BAD("Host with a letter in the port",
	    "GET / HTTP/1.1\r\nHost: h:8o\r\n\r\n", 400),
	BAD("Host with two colons", "GET / HTTP/1.1\r\nHost: h:1:2\r\n\r\n",
	    400),
	BAD("Host with an unclosed bracket",
	    "GET / HTTP/1.1\r\nHost: [::1\r\n\r\n", 400),
	BAD("Host with junk after the bracket",
	    "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n", 400),
	BAD("Host with a bad escape", "GET / HTTP/1.1\r\nHost: a%zzb\r\n\r\n",
	    400),
	BAD("Host with a tab inside", "GET / HTTP/1.1\r\nHost: a\tb\r\n\r\n",
	    400),
	BAD("Host with a quote", "GET / HTTP/1.1\r\nHost: a\"b\r\n\r\n", 400),
	BAD("1.0 Host: bad host", "GET / HTTP/1.0\r\nHost: bad host\r\n\r\n",
	    400),
	OK_("Host with a port", "GET / HTTP/1.1\r\nHost: a.b-c_d~:8080\r\n"
	    "\r\n", HTTP_GET, 1, 1, -1, 0, "/", "a.b-c_d~:8080"),
	OK_("Host with an empty port", "GET / HTTP/1.1\r\nHost: h:\r\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", "h:"),
	OK_("Host IPv6 literal", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", "[::1]:80"),
	OK_("Host IPv4 and sub-delims", "GET / HTTP/1.1\r\n"
	    "Host: 127.0.0.1\r\n\r\n", HTTP_GET, 1, 1, -1, 0, "/",
	    "127.0.0.1"),
	OK_("Host pct-encoded", "GET / HTTP/1.1\r\nHost: a%41b\r\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", "a%41b"),
	OK_("Host empty", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
	    HTTP_GET, 1, 1, -1, 0, "/", NULL),

	/* Transfer-Encoding does not exist in HTTP/1.0 (RFC 9112, 6.1). */
	BAD("1.0 with Transfer-Encoding: chunked", "GET / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400),
	BAD("1.0 POST with Transfer-Encoding", "POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", 400),
	OK_("1.1 with Transfer-Encoding: chunked", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunked\r\n\r\n",
	    HTTP_OTHER, 1, 1, -1, 1, "/", "x"),

	/* Framing comes before the method: a bad POST is 400, not 405. */
	BAD("POST with two Content-Lengths", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: 1\r\nContent-Length: 2\r\n\r\n", 400),
	BAD("POST with a bad Content-Length", "POST / HTTP/1.1\r\n" HOST
	    "Content-Length: -1\r\n\r\n", 400),
	BAD("POST with Content-Length and chunked", "POST / HTTP/1.1\r\n"
	    HOST "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	    400),
	BAD("POST with an unknown final coding", "POST / HTTP/1.1\r\n" HOST
	    "Transfer-Encoding: chunked, gzip\r\n\r\n", 400),
	BAD("POST with a bad Host", "POST / HTTP/1.1\r\nHost: a b\r\n"
	    "Content-Length: 0\r\n\r\n", 400),
	BAD("OPTIONS with a bad Host", "OPTIONS / HTTP/1.1\r\nHost: a b\r\n"
	    "\r\n", 400),
};

/* Every prefix of a complete head is incomplete, never an error. */
static void
check_prefixes(const struct req_case *t, size_t head_len)
{
	struct http_request r;
	char	*buf;
	size_t	 k, bad = 0;
	int	 st, first = 0;

	for (k = 0; k < head_len; k++) {
		buf = dup_exact(t->in, k);
		st = http_parse_request(buf, k, &r);
		free(buf);
		if (st != HTTP_PARSE_MORE && bad++ == 0)
			first = st;
	}
	ok(bad == 0, "%s: all %zu shorter prefixes need more", t->what,
	    head_len);
	if (bad != 0)
		diag("    %zu prefixes did not (first gave %d)", bad, first);
}

static void
test_request_table(void)
{
	const struct req_case *t;
	struct http_request r;
	char	*buf;
	size_t	 head_len;
	int	 st;

	for (t = req_cases; t < req_cases + nitems(req_cases); t++) {
		buf = dup_exact(t->in, t->len);
		st = http_parse_request(buf, t->len, &r);
		is_int(st, t->status, "%s: %d", t->what, t->status);
		if (t->status != HTTP_PARSE_OK || st != HTTP_PARSE_OK) {
			free(buf);
			continue;
		}
		head_len = t->head_len != 0 ? t->head_len : t->len;
		is_int(r.method, t->method, "%s: method", t->what);
		is_int(r.minor, t->minor, "%s: HTTP/1.%d", t->what, t->minor);
		is_int(r.keep_alive, t->keep_alive, "%s: keep-alive %d",
		    t->what, t->keep_alive);
		is_int(r.content_length, t->content_length,
		    "%s: Content-Length %lld", t->what, t->content_length);
		is_int(r.chunked, t->chunked, "%s: chunked %d", t->what,
		    t->chunked);
		is_int(r.head_len, head_len, "%s: head is %zu bytes", t->what,
		    head_len);
		is_field(&r.target, t->target, t->what, "target");
		is_field(&r.host, t->host, t->what, "Host");
		free(buf);
		check_prefixes(t, head_len);
	}
}

/* Fields, the request line, and a head followed by more bytes. */
static void
test_request_fields(void)
{
	static const char head[] =
	    "GET /f?q HTTP/1.1\r\n"
	    "Host: example.org:8000\r\n"
	    "Range:   bytes=0-1  \r\n"
	    "If-Range: \"3-4\"\r\n"
	    "If-None-Match: W/\"a\", \"b\"\r\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
	    "Referer: http://r/\r\n"
	    "User-Agent: t \"q\"\r\n"
	    "X-Other: y\r\n"
	    "\r\n";
	static const char bare[] = "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char two[] =
	    "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
	    "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	static const char body[] =
	    "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello";
	struct http_request r;
	const char	*what = "fields";
	char		*buf;
	size_t		 len;

	len = sizeof(head) - 1;
	buf = dup_exact(head, len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK, "%s: parsed",
	    what);
	is_field(&r.method_str, "GET", what, "method");
	is_field(&r.line, "GET /f?q HTTP/1.1", what, "request line");
	is_field(&r.target, "/f?q", what, "target");
	is_field(&r.host, "example.org:8000", what, "Host");
	is_field(&r.range, "bytes=0-1", what, "Range");
	is_field(&r.if_range, "\"3-4\"", what, "If-Range");
	is_field(&r.if_none_match, "W/\"a\", \"b\"", what, "If-None-Match");
	is_field(&r.if_modified_since, "Sun, 06 Nov 1994 08:49:37 GMT", what,
	    "If-Modified-Since");
	is_field(&r.referer, "http://r/", what, "Referer");
	is_field(&r.user_agent, "t \"q\"", what, "User-Agent");
	is_int(r.head_len, len, "%s: head length", what);
	free(buf);

	what = "no optional fields";
	len = sizeof(bare) - 1;
	buf = dup_exact(bare, len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK, "%s: parsed",
	    what);
	is_field(&r.method_str, "HEAD", what, "method");
	is_field(&r.range, NULL, what, "Range");
	is_field(&r.if_range, NULL, what, "If-Range");
	is_field(&r.if_none_match, NULL, what, "If-None-Match");
	is_field(&r.if_modified_since, NULL, what, "If-Modified-Since");
	is_field(&r.referer, NULL, what, "Referer");
	is_field(&r.user_agent, NULL, what, "User-Agent");
	free(buf);

	what = "two pipelined requests";
	len = sizeof(two) - 1;
	buf = dup_exact(two, len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK, "%s: first",
	    what);
	is_field(&r.target, "/a", what, "first target");
	is_int(r.head_len, len / 2, "%s: first head ends at the blank line",
	    what);
	is_int(http_parse_request(buf + r.head_len, len - r.head_len, &r),
	    HTTP_PARSE_OK, "%s: second", what);
	is_field(&r.target, "/b", what, "second target");
	is_int(r.head_len, len / 2, "%s: second head length", what);
	free(buf);

	what = "a head and its body";
	len = sizeof(body) - 1;
	buf = dup_exact(body, len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK, "%s: parsed",
	    what);
	is_int(r.head_len, len - 5, "%s: the body is not in the head", what);
	is_int(r.content_length, 5, "%s: Content-Length 5", what);
	free(buf);
}

/* A request line of n bytes: "GET /aaa...a HTTP/1.1". */
static char *
long_line(size_t n, int complete, size_t *lenp)
{
	static const char tail[] = " HTTP/1.1\r\nHost: x\r\n\r\n";
	char	*buf;
	size_t	 len, i;

	len = n + (complete ? sizeof(tail) - 1 - 9 : 0);
	if ((buf = malloc(len)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, "GET /", 5);
	for (i = 5; i < n - 9; i++)
		buf[i] = 'a';
	memcpy(buf + n - 9, tail, complete ? sizeof(tail) - 1 : 9);
	*lenp = len;
	return (buf);
}

/* A request line, then headers as the caller builds them. */
static char *
head_with(size_t nheaders, size_t vlen, int complete, size_t *lenp)
{
	static const char line[] = "GET / HTTP/1.1\r\nHost: x\r\n";
	char	*buf, *p;
	size_t	 len, i;

	len = sizeof(line) - 1 + nheaders * (vlen + 7) + (complete ? 2 : 0);
	if ((buf = malloc(len)) == NULL) {
		perror("malloc");
		exit(2);
	}
	memcpy(buf, line, sizeof(line) - 1);
	p = buf + sizeof(line) - 1;
	for (i = 0; i < nheaders; i++) {
		memcpy(p, "X-A: ", 5);
		memset(p + 5, 'v', vlen);
		memcpy(p + 5 + vlen, "\r\n", 2);
		p += vlen + 7;
	}
	if (complete)
		memcpy(p, "\r\n", 2);
	*lenp = len;
	return (buf);
}

static void
test_request_limits(void)
{
	struct http_request r;
	char	*buf;
	size_t	 len;

	/* 414: the request line, CR LF not counted, over 8192 bytes. */
	buf = long_line(HTTP_LINE_MAX, 1, &len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK,
	    "a request line of exactly 8192 bytes is accepted");
	is_int(r.target.len, HTTP_LINE_MAX - 13, "... with all of its target");
	free(buf);
	buf = long_line(HTTP_LINE_MAX + 1, 1, &len);
	is_int(http_parse_request(buf, len, &r), 414,
	    "a request line of 8193 bytes: 414");
	free(buf);
	buf = long_line(HTTP_LINE_MAX * 2, 1, &len);
	is_int(http_parse_request(buf, len, &r), 414,
	    "a request line of 16 KiB: 414");
	free(buf);
	buf = long_line(HTTP_LINE_MAX, 0, &len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_MORE,
	    "8192 bytes of a request line, no line end yet: more");
	free(buf);
	buf = long_line(HTTP_LINE_MAX + 1, 0, &len);
	is_int(http_parse_request(buf, len, &r), 414,
	    "8193 bytes of a request line, no line end yet: 414 already");
	free(buf);
	buf = long_line(HTTP_LINE_MAX * 4, 0, &len);
	is_int(http_parse_request(buf, len, &r), 414,
	    "32 KiB of a request line, no line end yet: 414");
	free(buf);

	/* 431: more than 100 header lines (Host is the first). */
	buf = head_with(HTTP_HEADERS_MAX - 1, 1, 1, &len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK,
	    "100 header lines are accepted");
	free(buf);
	buf = head_with(HTTP_HEADERS_MAX, 1, 1, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "101 header lines: 431");
	free(buf);
	buf = head_with(1000, 1, 1, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "1000 header lines: 431");
	free(buf);
	buf = head_with(1000, 1, 0, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "1000 header lines, head not finished: 431 already");
	free(buf);

	/* 431: more than 32 KiB of headers. */
	buf = head_with(3, 10000, 1, &len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_OK,
	    "30 KiB of headers are accepted");
	free(buf);
	buf = head_with(4, 10000, 1, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "40 KiB of headers: 431");
	free(buf);
	buf = head_with(1, 40000, 1, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "one 40 KiB header: 431");
	free(buf);
	buf = head_with(1, 40000, 0, &len);
	len -= 2;		/* the line is not finished either */
	is_int(http_parse_request(buf, len, &r), 431,
	    "40 KiB of one unfinished header: 431 already");
	free(buf);
	buf = head_with(4, 10000, 0, &len);
	is_int(http_parse_request(buf, len, &r), 431,
	    "40 KiB of headers, head not finished: 431 already");
	free(buf);
	buf = head_with(3, 10000, 0, &len);
	is_int(http_parse_request(buf, len, &r), HTTP_PARSE_MORE,
	    "30 KiB of headers, head not finished: more");
	free(buf);
}

struct path_case {
	const char	*in;
	size_t		 len;
	int		 status;
	const char	*out;
	int		 isdir;
};

static const struct path_case path_cases[] = {
	{ S("/"),		0,	"/",		1 },
	{ S("/a"),		0,	"/a",		0 },
	{ S("/a/b"),		0,	"/a/b",		0 },
	{ S("/a/b/"),		0,	"/a/b/",	1 },
	{ S("/a/../b"),		0,	"/b",		0 },
	{ S("/a/./b"),		0,	"/a/b",		0 },
	{ S("//a//b"),		0,	"/a/b",		0 },
	{ S("///"),		0,	"/",		1 },
	{ S("/a/.."),		0,	"/",		1 },
	{ S("/a/b/.."),		0,	"/a/",		1 },
	{ S("/a/."),		0,	"/a/",		1 },
	{ S("/./"),		0,	"/",		1 },
	{ S("/."),		0,	"/",		1 },
	{ S("/a/b/../../c"),	0,	"/c",		0 },
	{ S("/..."),		0,	"/...",		0 },
	{ S("/.a/..b/c.."),	0,	"/.a/..b/c..",	0 },
	{ S("/%41%62c"),	0,	"/Abc",		0 },
	{ S("/%c3%A9"),		0,	"/\xc3\xa9",	0 },
	{ S("/a%20b"),		0,	"/a b",		0 },
	{ S("/a%2fb"),		0,	"/a/b",		0 },
	{ S("/a%2Fb/"),		0,	"/a/b/",	1 },
	{ S("/%2e/x"),		0,	"/x",		0 },
	{ S("/a/%2e%2e/b"),	0,	"/b",		0 },
	{ S("/a%3fb"),		0,	"/a?b",		0 },
	{ S("/a%23b"),		0,	"/a#b",		0 },
	{ S("/a%25b"),		0,	"/a%b",		0 },
	{ S("/a?b=c"),		0,	"/a",		0 },
	{ S("/a?b=/../../x"),	0,	"/a",		0 },
	{ S("/a/?x"),		0,	"/a/",		1 },
	{ S("/?x"),		0,	"/",		1 },
	{ S("/a#frag"),		0,	"/a",		0 },
	{ S("/a?%zz"),		0,	"/a",		0 },
	{ S("http://h/p"),	0,	"/p",		0 },
	{ S("HTTP://h/p/"),	0,	"/p/",		1 },
	{ S("http://h"),	0,	"/",		1 },
	{ S("https://h:8000/x/../y?z"), 0, "/y",		0 },

	/* Climbing out of the root: 404 in every spelling. */
	{ S("/.."),		404,	NULL,		0 },
	{ S("/../"),		404,	NULL,		0 },
	{ S("/../x"),		404,	NULL,		0 },
	{ S("/a/../../x"),	404,	NULL,		0 },
	{ S("/a/b/../../.."),	404,	NULL,		0 },
	{ S("/%2e%2e/x"),	404,	NULL,		0 },
	{ S("/%2E%2e%2fetc"),	404,	NULL,		0 },
	{ S("/.%2e/x"),		404,	NULL,		0 },
	{ S("/a/%2f../.."),	404,	NULL,		0 },
	{ S("/a%2f..%2f..%2fetc"), 404,	NULL,		0 },
	{ S("/..%2f"),		404,	NULL,		0 },
	{ S("http://h/../x"),	404,	NULL,		0 },

	/* NUL and bad escapes. */
	{ S("/x%00y"),		400,	NULL,		0 },
	{ S("/hello.txt%00.html"), 400,	NULL,		0 },
	{ S("/%00"),		400,	NULL,		0 },
	{ S("/%zz"),		400,	NULL,		0 },
	{ S("/%4"),		400,	NULL,		0 },
	{ S("/%4g"),		400,	NULL,		0 },
	{ S("/%g4"),		400,	NULL,		0 },
	{ S("/%"),		400,	NULL,		0 },
	{ S("/a%"),		400,	NULL,		0 },
	{ S("/a%2"),		400,	NULL,		0 },
	{ S("/%%41"),		400,	NULL,		0 },

	/* Not an origin-form path. */
	{ S("*"),		400,	NULL,		0 },
	{ S(""),		400,	NULL,		0 },
	{ S("a/b"),		400,	NULL,		0 },
	{ S("?x"),		400,	NULL,		0 },
};

static void
test_path_table(void)
{
	const struct path_case *t;
	char	 out[HTTP_LINE_MAX + 2], shown[128], *buf;
	int	 st, isdir;

	for (t = path_cases; t < path_cases + nitems(path_cases); t++) {
		printable(t->in, t->len, shown, sizeof(shown));
		buf = dup_exact(t->in, t->len);
		isdir = -1;
		st = http_normalize_path(buf, t->len, out, sizeof(out),
		    &isdir);
		free(buf);
		is_int(st, t->status, "path '%s': %d", shown, t->status);
		if (t->status != 0 || st != 0)
			continue;
		is_str(out, t->out, "path '%s' is '%s'", shown, t->out);
		is_int(isdir, t->isdir, "path '%s': isdir %d", shown,
		    t->isdir);
	}
}

static void
test_path_limits(void)
{
	char	 out[HTTP_LINE_MAX + 2], small[8], *buf;
	size_t	 i, n;
	int	 isdir;

	/* The output buffer bounds the result. */
	is_int(http_normalize_path(S("/abc"), small, sizeof(small), &isdir), 0,
	    "path '/abc' fits 8 bytes");
	is_str(small, "/abc", "... and is copied");
	is_int(http_normalize_path(S("/abcdefghij"), small, sizeof(small),
	    &isdir), 414, "path '/abcdefghij' does not fit 8 bytes: 414");
	is_int(http_normalize_path(S("/"), small, 1, &isdir), 414,
	    "path '/' does not fit 1 byte: 414");

	/* A target over the line limit, and the deepest one that fits. */
	n = HTTP_LINE_MAX + 1;
	buf = malloc(n);
	if (buf == NULL)
		return;
	memset(buf, 'a', n);
	buf[0] = '/';
	is_int(http_normalize_path(buf, n, out, sizeof(out), &isdir), 414,
	    "a path of 8193 bytes: 414");
	n = HTTP_LINE_MAX;
	for (i = 0; i < n; i++)
		buf[i] = i % 2 == 0 ? '/' : 'a';
	is_int(http_normalize_path(buf, n, out, sizeof(out), &isdir), 0,
	    "a path of 4096 one-letter segments");
	ok(strlen(out) == n && memcmp(out, buf, n) == 0,
	    "... normalised to itself");
	for (i = 0; i + 3 <= n; i += 3)
		memcpy(buf + i, "/..", 3);
	is_int(http_normalize_path(buf, i, out, sizeof(out), &isdir), 404,
	    "a path of 2730 '..' segments: 404");
	free(buf);

	/*
	 * cli.md: a path outside DIR is 404 "also when written ... with NUL
	 * bytes"; the escape is checked before the NUL.
	 */
	is_int(http_normalize_path(S("/..%00"), out, sizeof(out), &isdir),
	    404, "path '/..%%00' climbs out: 404");
	is_int(http_normalize_path(S("/a/../..%00/x"), out, sizeof(out),
	    &isdir), 404, "path '/a/../..%%00/x' climbs out: 404");
	is_int(http_normalize_path(S("/a/..%00"), out, sizeof(out), &isdir),
	    400, "path '/a/..%%00' stays inside: its NUL is 400");

	/*
	 * An encoded slash splits segments like a real one, so a final %2f
	 * is a trailing slash: serve-http answers /file.txt%2f with 404.
	 */
	isdir = -1;
	is_int(http_normalize_path(S("/a%2f"), out, sizeof(out), &isdir), 0,
	    "path '/a%%2f' accepted");
	is_str(out, "/a/", "path '/a%%2f' is '/a/'");
	is_int(isdir, 1, "path '/a%%2f': isdir 1");
	isdir = -1;
	is_int(http_normalize_path(S("/a/b%2F"), out, sizeof(out), &isdir), 0,
	    "path '/a/b%%2F' accepted");
	is_str(out, "/a/b/", "path '/a/b%%2F' is '/a/b/'");
	is_int(isdir, 1, "path '/a/b%%2F': isdir 1");
}

struct range_case {
	const char	*in;
	off_t		 size;
	int		 kind;
	off_t		 first;
	off_t		 last;
};

static const struct range_case range_cases[] = {
	{ "bytes=0-4",		12,	HTTP_RANGE_OK,		0,	4 },
	{ "bytes=5-",		12,	HTTP_RANGE_OK,		5,	11 },
	{ "bytes=-3",		12,	HTTP_RANGE_OK,		9,	11 },
	{ "bytes=-20",		12,	HTTP_RANGE_OK,		0,	11 },
	{ "bytes=-12",		12,	HTTP_RANGE_OK,		0,	11 },
	{ "bytes=0-0",		12,	HTTP_RANGE_OK,		0,	0 },
	{ "bytes=0-",		12,	HTTP_RANGE_OK,		0,	11 },
	{ "bytes=0-11",		12,	HTTP_RANGE_OK,		0,	11 },
	{ "bytes=11-11",	12,	HTTP_RANGE_OK,		11,	11 },
	{ "bytes=11-",		12,	HTTP_RANGE_OK,		11,	11 },
	{ "bytes=3-100",	12,	HTTP_RANGE_OK,		3,	11 },
	{ "bytes=3-3",		12,	HTTP_RANGE_OK,		3,	3 },
	{ "BYTES=0-1",		12,	HTTP_RANGE_OK,		0,	1 },
	{ "Bytes=2-3",		12,	HTTP_RANGE_OK,		2,	3 },
	{ "bytes= 0-4",		12,	HTTP_RANGE_OK,		0,	4 },
	{ "bytes=0-4 ",		12,	HTTP_RANGE_OK,		0,	4 },
	{ "bytes=007-008",	12,	HTTP_RANGE_OK,		7,	8 },
	{ "bytes=12-",		12,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=12-12",	12,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=100-200",	12,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=-0",		12,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=4-2",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0-4,6-8",	12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0-11,0-11",	12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0-4,",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=99999999999999999999-", 12, HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=1-99999999999999999999", 12, HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=-99999999999999999999", 12, HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=18446744073709551615-", 12, HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=18446744073709551617-18446744073709551618", 12,
	    HTTP_RANGE_NONE, 0, 0 },
	{ "items=0-1",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes 0-1",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "",			12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=-",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=--1",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=1",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=a-b",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=1-2-3",	12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=+1-2",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=1-+2",		12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0 - 4",	12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0x1-2",	12,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0-4;x",	12,	HTTP_RANGE_NONE,	0,	0 },

	/* An empty file: no byte can be selected. */
	{ "bytes=0-",		0,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=0-0",		0,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=-1",		0,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=-0",		0,	HTTP_RANGE_UNSAT,	0,	0 },
	{ "bytes=4-2",		0,	HTTP_RANGE_NONE,	0,	0 },
	{ "bytes=0-1,2-3",	0,	HTTP_RANGE_NONE,	0,	0 },
	{ "items=0-1",		0,	HTTP_RANGE_NONE,	0,	0 },

	/* One byte. */
	{ "bytes=0-0",		1,	HTTP_RANGE_OK,		0,	0 },
	{ "bytes=-5",		1,	HTTP_RANGE_OK,		0,	0 },
	{ "bytes=0-",		1,	HTTP_RANGE_OK,		0,	0 },
	{ "bytes=1-",		1,	HTTP_RANGE_UNSAT,	0,	0 },

	/* A file past 4 GiB: 64-bit offsets. */
	{ "bytes=4294967296-", 4294967306LL, HTTP_RANGE_OK,
	    4294967296LL, 4294967305LL },
	{ "bytes=-10", 4294967306LL, HTTP_RANGE_OK,
	    4294967296LL, 4294967305LL },
};

static void
test_range(void)
{
	const struct range_case *t;
	struct http_range r;
	char	*buf;
	size_t	 len;
	int	 kind;

	for (t = range_cases; t < range_cases + nitems(range_cases); t++) {
		len = strlen(t->in);
		buf = dup_exact(t->in, len);
		r.first = r.last = -42;
		kind = http_parse_range(buf, len, t->size, &r);
		free(buf);
		is_int(kind, t->kind, "range '%s' of %lld bytes: %s", t->in,
		    (long long)t->size, t->kind == HTTP_RANGE_OK ? "206" :
		    t->kind == HTTP_RANGE_UNSAT ? "416" : "whole file");
		if (t->kind != HTTP_RANGE_OK || kind != HTTP_RANGE_OK)
			continue;
		ok(r.first == t->first && r.last == t->last,
		    "range '%s' of %lld bytes is %lld-%lld", t->in,
		    (long long)t->size, (long long)t->first,
		    (long long)t->last);
		if (r.first != t->first || r.last != t->last)
			diag("     got: %lld-%lld", (long long)r.first,
			    (long long)r.last);
		ok(r.first >= 0 && r.first <= r.last && r.last < t->size,
		    "range '%s' of %lld bytes lies inside the file", t->in,
		    (long long)t->size);
	}
}

struct etag_case {
	const char	*in;
	const char	*etag;
	int		 match;
};

static const struct etag_case etag_cases[] = {
	{ "\"c-5f\"",			"\"c-5f\"",	1 },
	{ "W/\"c-5f\"",			"\"c-5f\"",	1 },
	{ "\"c-5f\"",			"W/\"c-5f\"",	1 },
	{ "W/\"c-5f\"",			"W/\"c-5f\"",	1 },
	{ "\"x\", \"c-5f\"",		"\"c-5f\"",	1 },
	{ "\"x\",\"c-5f\"",		"\"c-5f\"",	1 },
	{ "\"x\" ,\tW/\"c-5f\"",	"\"c-5f\"",	1 },
	{ ",, \"c-5f\",,",		"\"c-5f\"",	1 },
	{ "\"a,b\", \"c-5f\"",		"\"c-5f\"",	1 },
	{ "*",				"\"c-5f\"",	1 },
	{ " *",				"\"c-5f\"",	1 },
	{ "\"x\"",			"\"c-5f\"",	0 },
	{ "\"x\", \"y\"",		"\"c-5f\"",	0 },
	{ "\"C-5F\"",			"\"c-5f\"",	0 },
	{ "\"c-5\"",			"\"c-5f\"",	0 },
	{ "\"c-5f0\"",			"\"c-5f\"",	0 },
	{ "\"\"",			"\"c-5f\"",	0 },
	{ "",				"\"c-5f\"",	0 },
	{ " ",				"\"c-5f\"",	0 },
	{ "c-5f",			"\"c-5f\"",	0 },
	{ "\"c-5f",			"\"c-5f\"",	0 },
	{ "w/\"c-5f\"",			"\"c-5f\"",	0 },
	{ "W/",				"\"c-5f\"",	0 },
	{ "W",				"\"c-5f\"",	0 },
	{ "\"",				"\"c-5f\"",	0 },
	{ "\"x\" junk \"c-5f\"",	"\"c-5f\"",	0 },
};

static void
test_etag(void)
{
	const struct etag_case *t;
	char	*buf;
	size_t	 len;

	for (t = etag_cases; t < etag_cases + nitems(etag_cases); t++) {
		len = strlen(t->in);
		buf = dup_exact(t->in, len);
		is_int(http_etag_match(buf, len, t->etag), t->match,
		    "If-None-Match '%s' %s %s", t->in,
		    t->match ? "matches" : "does not match", t->etag);
		free(buf);
	}
}

#define ETAG	"\"c-2ebc4fa1\""
#define RFC_DATE	"Sun, 06 Nov 1994 08:49:37 GMT"

/* A header's value, or absent (NULL), as a heap copy of its bytes. */
static void
set_field(struct http_str *f, const char *v)
{
	f->p = v != NULL ? dup_exact(v, strlen(v)) : NULL;
	f->len = v != NULL ? strlen(v) : 0;
}

struct cond_case {
	const char	*inm;		/* If-None-Match */
	const char	*ims;		/* If-Modified-Since */
	time_t		 mtime;
	int		 not_modified;
};

static const struct cond_case cond_cases[] = {
	{ NULL,			NULL,			RFC_TIME,	0 },
	{ ETAG,			NULL,			RFC_TIME,	1 },
	{ "W/" ETAG,		NULL,			RFC_TIME,	1 },
	{ "\"x\", " ETAG,	NULL,			RFC_TIME,	1 },
	{ "*",			NULL,			RFC_TIME,	1 },
	{ "\"x\"",		NULL,			RFC_TIME,	0 },
	/* If-None-Match decides alone: If-Modified-Since is ignored. */
	{ "\"x\"",		RFC_DATE,		RFC_TIME,	0 },
	{ ETAG,			"Thu, 01 Jan 1970 00:00:00 GMT", RFC_TIME, 1 },
	{ NULL,			RFC_DATE,		RFC_TIME,	1 },
	{ NULL,			RFC_DATE,		RFC_TIME - 1,	1 },
	{ NULL,			RFC_DATE,		RFC_TIME + 1,	0 },
	{ NULL,			"Sunday, 06-Nov-94 08:49:37 GMT", RFC_TIME, 1 },
	{ NULL,			"Sun Nov  6 08:49:37 1994", RFC_TIME,	1 },
	{ NULL,			"yesterday",		RFC_TIME,	0 },
	{ NULL,			RFC_DATE " junk",	RFC_TIME,	0 },
};

static void
test_not_modified(void)
{
	const struct cond_case *t;
	struct http_request r;

	for (t = cond_cases; t < cond_cases + nitems(cond_cases); t++) {
		memset(&r, 0, sizeof(r));
		set_field(&r.if_none_match, t->inm);
		set_field(&r.if_modified_since, t->ims);
		is_int(http_not_modified(&r, t->mtime, ETAG), t->not_modified,
		    "If-None-Match '%s', If-Modified-Since '%s', mtime %+lld: "
		    "%s", t->inm != NULL ? t->inm : "-",
		    t->ims != NULL ? t->ims : "-",
		    (long long)(t->mtime - RFC_TIME),
		    t->not_modified ? "304" : "not 304");
		free((char *)r.if_none_match.p);
		free((char *)r.if_modified_since.p);
	}
}

struct if_range_case {
	const char	*in;
	time_t		 mtime;
	int		 ok;
};

static const struct if_range_case if_range_cases[] = {
	{ NULL,			RFC_TIME,	1 },
	{ ETAG,			RFC_TIME,	1 },
	/* A weak tag never validates a range. */
	{ "W/" ETAG,		RFC_TIME,	0 },
	{ "\"x\"",		RFC_TIME,	0 },
	{ ETAG "x",		RFC_TIME,	0 },
	{ "\"c-2ebc4fa\"",	RFC_TIME,	0 },
	{ "\"",			RFC_TIME,	0 },
	/* A date must be the Last-Modified exactly. */
	{ RFC_DATE,		RFC_TIME,	1 },
	{ RFC_DATE,		RFC_TIME + 1,	0 },
	{ RFC_DATE,		RFC_TIME - 1,	0 },
	{ "Sun Nov  6 08:49:37 1994", RFC_TIME,	1 },
	{ "yesterday",		RFC_TIME,	0 },
};

static void
test_if_range(void)
{
	const struct if_range_case *t;
	struct http_request r;

	for (t = if_range_cases; t < if_range_cases + nitems(if_range_cases);
	    t++) {
		memset(&r, 0, sizeof(r));
		set_field(&r.if_range, t->in);
		is_int(http_if_range_ok(&r, t->mtime, ETAG), t->ok,
		    "If-Range '%s', mtime %+lld: %s",
		    t->in != NULL ? t->in : "-",
		    (long long)(t->mtime - RFC_TIME),
		    t->ok ? "the range" : "the whole file");
		free((char *)r.if_range.p);
	}
}

struct token_case {
	const char	*in;
	int		 ok;
};

static const struct token_case token_cases[] = {
	{ "utf-8",		1 },
	{ "ISO-8859-1",		1 },
	{ "!#$%&'*+-.^_`|~09azAZ", 1 },
	{ "",			0 },
	{ "utf 8",		0 },
	{ "utf-8;x",		0 },
	{ "a/b",		0 },
	{ "\"utf-8\"",		0 },
	{ "utf-8\r\n",		0 },
	{ "\xc3\xa9",		0 },
};

static void
test_token(void)
{
	const struct token_case *t;
	char	*buf;
	size_t	 len;

	for (t = token_cases; t < token_cases + nitems(token_cases); t++) {
		len = strlen(t->in);
		buf = dup_exact(t->in, len);
		is_int(http_is_token(buf, len), t->ok, "'%s' is %sa token",
		    t->ok ? t->in : "(refused)", t->ok ? "" : "not ");
		free(buf);
	}
}

struct date_case {
	const char	*in;
	int		 ok;
	time_t		 t;
};

static const struct date_case date_cases[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT",	1,	RFC_TIME },
	{ "Sunday, 06-Nov-94 08:49:37 GMT",	1,	RFC_TIME },
	{ "Sun Nov  6 08:49:37 1994",		1,	RFC_TIME },
	{ "Thu, 01 Jan 1970 00:00:00 GMT",	1,	0 },
	{ "Tue, 29 Feb 2000 23:59:59 GMT",	1,	951868799 },
	{ "Tuesday, 29-Feb-00 23:59:59 GMT",	1,	951868799 },
	{ "Tue Feb 29 23:59:59 2000",		1,	951868799 },
	{ "Sat, 01 Jan 2000 00:00:00 GMT",	1,	946684800 },
	{ "Fri, 31 Dec 2038 12:00:00 GMT",	1,	2177409600LL },
	{ "",					0,	0 },
	{ "yesterday",				0,	0 },
	{ "0",					0,	0 },
	{ "784111777",				0,	0 },
	{ "Sun, 06 Nov 1994 08:49:37",		0,	0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMTx",	0,	0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT junk",	0,	0 },
	{ "Sun, 06 Nov 1994",			0,	0 },
	{ "Sun, 06 Foo 1994 08:49:37 GMT",	0,	0 },
	{ "Sun, 32 Nov 1994 08:49:37 GMT",	0,	0 },
	{ "Sun, 06 Nov 1994 25:49:37 GMT",	0,	0 },
	{ "Sun, 06 Nov 1994 08:61:37 GMT",	0,	0 },
	{ "Xyz, 06 Nov 1994 08:49:37 GMT",	0,	0 },
	{ "1994-11-06T08:49:37Z",		0,	0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT Sun, 06 Nov 1994 08:49:37 GMT "
	    "Sun, 06 Nov 1994 08:49:37 GMT",	0,	0 },
};

static void
test_date(void)
{
	const struct date_case *t;
	char	 out[64], *buf;
	size_t	 len, n;
	time_t	 when;
	int	 st;
	static const time_t rounds[] = {
		0, RFC_TIME, 951868799, 1700000000, 2147483647,
		2147483648LL, 4102444800LL
	};
	static const char *const formatted[] = {
		"Thu, 01 Jan 1970 00:00:00 GMT",
		"Sun, 06 Nov 1994 08:49:37 GMT",
		"Tue, 29 Feb 2000 23:59:59 GMT",
		"Tue, 14 Nov 2023 22:13:20 GMT",
		"Tue, 19 Jan 2038 03:14:07 GMT",
		"Tue, 19 Jan 2038 03:14:08 GMT",
		"Fri, 01 Jan 2100 00:00:00 GMT",
	};

	/* Local time must not leak into GMT dates. */
	setenv("TZ", "America/New_York", 1);
	tzset();

	for (t = date_cases; t < date_cases + nitems(date_cases); t++) {
		len = strlen(t->in);
		buf = dup_exact(t->in, len);
		when = -42;
		st = http_parse_date(buf, len, &when);
		free(buf);
		is_int(st, t->ok ? 0 : -1, "date '%s': %s", t->in,
		    t->ok ? "parsed" : "rejected");
		if (t->ok && st == 0)
			is_int(when, t->t, "date '%s' is %lld", t->in,
			    (long long)t->t);
	}

	for (n = 0; n < nitems(rounds); n++) {
		memset(out, 'z', sizeof(out));
		len = http_format_date(rounds[n], out, sizeof(out));
		is_int(len, 29, "format %lld: 29 bytes", (long long)rounds[n]);
		is_str(out, formatted[n], "format %lld is '%s'",
		    (long long)rounds[n], formatted[n]);
		when = -42;
		is_int(http_parse_date(out, len, &when), 0,
		    "format %lld parses back", (long long)rounds[n]);
		is_int(when, rounds[n], "format %lld round trip",
		    (long long)rounds[n]);
	}
	is_int(http_format_date(RFC_TIME, out, 29), 0,
	    "format into 29 bytes (no room for the NUL): 0");
	is_int(http_format_date(RFC_TIME, out, 30), 29,
	    "format into 30 bytes: 29");
}

static void
test_reason(void)
{
	static const struct {
		int		 status;
		const char	*reason;
	} reasons[] = {
		{ 200, "OK" },
		{ 204, "No Content" },
		{ 206, "Partial Content" },
		{ 301, "Moved Permanently" },
		{ 304, "Not Modified" },
		{ 400, "Bad Request" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 405, "Method Not Allowed" },
		{ 408, "Request Timeout" },
		{ 414, "URI Too Long" },
		{ 416, "Range Not Satisfiable" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" },
		{ 503, "Service Unavailable" },
		{ 505, "HTTP Version Not Supported" },
		{ 299, "Unknown" },
		{ 0, "Unknown" },
	};
	size_t	n;

	for (n = 0; n < nitems(reasons); n++)
		is_str(http_reason(reasons[n].status), reasons[n].reason,
		    "reason %d is '%s'", reasons[n].status, reasons[n].reason);
}

int
main(void)
{
	test_request_table();
	test_request_fields();
	test_request_limits();
	test_path_table();
	test_path_limits();
	test_range();
	test_etag();
	test_not_modified();
	test_if_range();
	test_token();
	test_date();
	test_reason();
	return (done_testing());
}
