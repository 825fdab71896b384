/*
 * libFuzzer harness for src/http.c: arbitrary bytes into the request
 * parser, and (for a complete request) its target, Range, If-None-Match,
 * If-Modified-Since and If-Range into the functions serve-http feeds
 * them to (the conditional-request answers among them); the
 * raw input also goes straight to the path, Range and date functions.
 * Every result is checked against the invariants serve-http relies on;
 * a violation aborts, which libFuzzer reports as a crash.
 *
 * Built by `./configure --enable-fuzz && make tests/fuzz/fuzz-http`;
 * run with e.g.
 *   tests/fuzz/fuzz-http -max_len=65536 -max_total_time=600 CORPUS_COPY
 */
#include "config.h"

#include <sys/types.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz-http: %s:%d: invariant failed: %s\n", \
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

#define OUTMAX	(HTTP_LINE_MAX + 2)

/* A field of the request lies inside the head it was parsed from. */
static void
check_str(const struct http_str *s, const char *buf, size_t head_len)
{
	if (s->p == NULL) {
		CHECK(s->len == 0);
		return;
	}
	CHECK(s->p >= buf);
	CHECK(s->len <= head_len);
	CHECK((size_t)(s->p - buf) <= head_len - s->len);
}

/* Checks one normalised path; `again` also checks that it is a fixpoint. */
static void
check_path(const char *t, size_t len, size_t outlen, int again)
{
	static char	out[OUTMAX], out2[OUTMAX];
	int		isdir = -1, isdir2 = -1, st, st2;
	size_t		o;

	CHECK(outlen <= sizeof(out));
	memset(out, 'X', sizeof(out));
	st = http_normalize_path(t, len, out, outlen, &isdir);
	CHECK(st == 0 || st == 400 || st == 404 || st == 414);
	CHECK(strcmp(http_reason(st == 0 ? 200 : st), "Unknown") != 0);
	if (st != 0)
		return;
	/* NUL-terminated inside the buffer: no NUL inside the path. */
	CHECK(memchr(out, '\0', outlen) != NULL);
	o = strlen(out);
	CHECK(o >= 1 && o < outlen);
	CHECK(out[0] == '/');
	CHECK(strstr(out, "//") == NULL);
	CHECK(strstr(out, "/./") == NULL);
	CHECK(strstr(out, "/../") == NULL);
	CHECK(!(o >= 2 && strcmp(out + o - 2, "/.") == 0));
	CHECK(!(o >= 3 && strcmp(out + o - 3, "/..") == 0));
	CHECK(isdir == 0 || isdir == 1);
	/* A directory is exactly a path with a trailing slash. */
	CHECK(isdir == (out[o - 1] == '/'));
	if (!again)
		return;
	/*
	 * Normalising again gives the same path, except that escapes in
	 * the output are decoded a second time: only check inputs whose
	 * output has no '%', '?' or '#'.
	 */
	if (strpbrk(out, "%?#") != NULL)
		return;
	st2 = http_normalize_path(out, o, out2, sizeof(out2), &isdir2);
	CHECK(st2 == 0);
	CHECK(strcmp(out, out2) == 0);
	CHECK(isdir == isdir2);
}

static void
check_range(const char *v, size_t len)
{
	static const off_t sizes[] = {
		0, 1, 2, 10, 100, 1048576, (off_t)INT32_MAX + 7,
		INT64_MAX - 1, INT64_MAX
	};
	struct http_range	r;
	size_t			i;
	int			st;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		r.first = r.last = -42;
		st = http_parse_range(v, len, sizes[i], &r);
		CHECK(st == HTTP_RANGE_NONE || st == HTTP_RANGE_OK ||
		    st == HTTP_RANGE_UNSAT);
		if (st == HTTP_RANGE_OK) {
			CHECK(0 <= r.first);
			CHECK(r.first <= r.last);
			CHECK(r.last < sizes[i]);
		}
		/* An empty file has no satisfiable range. */
		if (sizes[i] == 0)
			CHECK(st != HTTP_RANGE_OK);
	}
}

static void
check_date(const char *v, size_t len)
{
	char	fmt[64];
	time_t	t = 0, t2 = 0;
	size_t	n;

	if (http_parse_date(v, len, &t) != 0)
		return;
	CHECK(t != (time_t)-1);
	/* A date that parses prints as IMF-fixdate and parses back. */
	if (t < 0 || t > (time_t)253402300799LL)	/* 9999-12-31 */
		return;
	n = http_format_date(t, fmt, sizeof(fmt));
	CHECK(n == 29);
	CHECK(http_parse_date(fmt, n, &t2) == 0);
	CHECK(t2 == t);
}

/* The 304 and If-Range answers are yes or no, and no If-Range is yes. */
static void
check_conditional(const struct http_request *r)
{
	static const time_t mtimes[] = { 0, 784111777, (time_t)-1 };
	size_t	i;
	int	m;

	for (i = 0; i < sizeof(mtimes) / sizeof(mtimes[0]); i++) {
		m = http_not_modified(r, mtimes[i], "\"1a2b-3c4d\"");
		CHECK(m == 0 || m == 1);
		m = http_if_range_ok(r, mtimes[i], "\"1a2b-3c4d\"");
		CHECK(m == 0 || m == 1);
		if (r->if_range.len == 0)
			CHECK(m == 1);
	}
}

static void
check_etag(const char *v, size_t len)
{
	static const char *const tags[] = {
		"\"1a2b-3c4d\"", "W/\"1a2b-3c4d\"", "\"\"", "*", ""
	};
	size_t	i;
	int	m;

	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		m = http_etag_match(v, len, tags[i]);
		CHECK(m == 0 || m == 1);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request	 r, r2;
	const char		*buf;
	char			*copy;
	size_t			 cut;
	int			 st, st2;

	/* An exact-size heap copy: ASan sees any read past the end. */
	if ((copy = malloc(size == 0 ? 1 : size)) == NULL)
		return (0);
	if (size > 0)
		memcpy(copy, data, size);
	buf = copy;

	st = http_parse_request(buf, size, &r);
	CHECK(st == HTTP_PARSE_OK || st == HTTP_PARSE_MORE || st == 400 ||
	    st == 414 || st == 431 || st == 505);
	if (st > 0)
		CHECK(strcmp(http_reason(st), "Unknown") != 0);
	if (st == HTTP_PARSE_OK) {
		CHECK(r.head_len > 0);
		CHECK(r.head_len <= size);
		CHECK(buf[r.head_len - 1] == '\n');
		CHECK(r.method == HTTP_GET || r.method == HTTP_HEAD ||
		    r.method == HTTP_OTHER);
		CHECK(r.method_str.len > 0);
		CHECK(r.target.len > 0 && r.target.len <= HTTP_LINE_MAX);
		CHECK(r.line.len <= HTTP_LINE_MAX);
		CHECK(r.minor >= 0 && r.minor <= 9);
		CHECK(r.keep_alive == 0 || r.keep_alive == 1);
		CHECK(r.content_length >= -1);
		CHECK(!(r.content_length >= 0 && r.chunked));
		CHECK(r.minor == 0 || r.host.p != NULL);
		/* Host is an authority; HTTP/1.0 has no Transfer-Encoding. */
		CHECK(http_valid_host(r.host.p == NULL ? "" : r.host.p,
		    r.host.len));
		CHECK(!(r.minor == 0 && r.chunked));
		check_str(&r.method_str, buf, r.head_len);
		check_str(&r.target, buf, r.head_len);
		check_str(&r.line, buf, r.head_len);
		check_str(&r.host, buf, r.head_len);
		check_str(&r.range, buf, r.head_len);
		check_str(&r.if_range, buf, r.head_len);
		check_str(&r.if_none_match, buf, r.head_len);
		check_str(&r.if_modified_since, buf, r.head_len);
		check_str(&r.referer, buf, r.head_len);
		check_str(&r.user_agent, buf, r.head_len);
		check_str(&r.acr_headers, buf, r.head_len);
		/* No byte the access log or a header could be split by. */
		CHECK(memchr(r.target.p, '\r', r.target.len) == NULL);
		CHECK(memchr(r.target.p, '\n', r.target.len) == NULL);
		CHECK(memchr(r.host.p == NULL ? "" : r.host.p, '\n',
		    r.host.len) == NULL);

		/* The head alone parses the same: what follows is body. */
		st2 = http_parse_request(buf, r.head_len, &r2);
		CHECK(st2 == HTTP_PARSE_OK);
		CHECK(r2.head_len == r.head_len);
		CHECK(r2.method == r.method && r2.minor == r.minor);
		CHECK(r2.keep_alive == r.keep_alive);
		CHECK(r2.content_length == r.content_length);
		/* A strict prefix of a complete head is never an error. */
		cut = size > 0 ? (size_t)data[0] * 257 % r.head_len : 0;
		st2 = http_parse_request(buf, cut, &r2);
		CHECK(st2 == HTTP_PARSE_MORE);
		/* ... in particular one cut between the CR and the LF. */
		cut = (size_t)(r.line.p - buf) + r.line.len + 1;
		if (cut < r.head_len && buf[cut - 1] == '\r') {
			st2 = http_parse_request(buf, cut, &r2);
			CHECK(st2 == HTTP_PARSE_MORE);
		}

		check_path(r.target.p, r.target.len, OUTMAX, 1);
		check_path(r.target.p, r.target.len, 64, 0);
		if (r.range.p != NULL)
			check_range(r.range.p, r.range.len);
		if (r.if_range.p != NULL)
			check_date(r.if_range.p, r.if_range.len);
		if (r.if_none_match.p != NULL)
			check_etag(r.if_none_match.p, r.if_none_match.len);
		if (r.if_modified_since.p != NULL)
			check_date(r.if_modified_since.p,
			    r.if_modified_since.len);
		check_conditional(&r);
	}

	/* The raw input, straight to each function. */
	check_path(buf, size, OUTMAX, 1);
	check_path(buf, size, 2, 0);
	check_range(buf, size);
	check_etag(buf, size);
	check_date(buf, size);

	free(copy);
	return (0);
}
