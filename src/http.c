/*
 * HTTP/1.1 request parsing and the decisions that follow from a request,
 * as pure functions over buffers.  The parser is strict where leniency has
 * been exploited elsewhere (request smuggling through Content-Length and
 * Transfer-Encoding, header injection through obs-fold or bare control
 * characters) and answers with the status the caller should send.
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "http.h"

/* RFC 9110 tchar. */
static int
is_tchar(int c)
{
	if (isalnum(c))
		return (1);
	return (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* A non-empty RFC 9110 token. */
int
http_is_token(const char *p, size_t len)
{
	size_t	i;

	if (len == 0)
		return (0);
	for (i = 0; i < len; i++)
		if (!is_tchar((unsigned char)p[i]))
			return (0);
	return (1);
}

static int
str_ieq(const struct http_str *s, const char *lit)
{
	size_t	n;

	n = strlen(lit);
	return (s->len == n && strncasecmp(s->p, lit, n) == 0);
}

/* Finds the end of the line at p: returns its length without CR LF. */
static const char *
line_end(const char *p, const char *end, size_t *len, const char **next)
{
	const char	*nl;

	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl == NULL)
		return (NULL);
	*next = nl + 1;
	if (nl > p && nl[-1] == '\r')
		nl--;
	*len = (size_t)(nl - p);
	return (p);
}

static int
parse_request_line(const char *p, size_t len, struct http_request *r)
{
	const char	*end = p + len, *q;

	r->line.p = p;
	r->line.len = len;
	for (q = p; q < end && is_tchar((unsigned char)*q); q++)
		;
	if (q == p || q >= end || *q != ' ')
		return (400);
	r->method_str.p = p;
	r->method_str.len = (size_t)(q - p);
	if (r->method_str.len == 3 && memcmp(p, "GET", 3) == 0)
		r->method = HTTP_GET;
	else if (r->method_str.len == 4 && memcmp(p, "HEAD", 4) == 0)
		r->method = HTTP_HEAD;
	else
		r->method = HTTP_OTHER;
	p = q + 1;
	for (q = p; q < end && *q != ' '; q++)
		if ((unsigned char)*q <= 0x20 || *q == 0x7f)
			return (400);
	if (q == p || q >= end)
		return (400);
	r->target.p = p;
	r->target.len = (size_t)(q - p);
	p = q + 1;
	if (end - p != 8 || memcmp(p, "HTTP/", 5) != 0 ||
	    !isdigit((unsigned char)p[5]) || p[6] != '.' ||
	    !isdigit((unsigned char)p[7]))
		return (400);
	if (p[5] != '1')
		return (505);
	r->minor = p[7] - '0';
	return (0);
}

static int
parse_content_length(const struct http_str *v, long long *out)
{
	long long	n = 0;
	size_t		i;

	if (v->len == 0)
		return (-1);
	for (i = 0; i < v->len; i++) {
		if (!isdigit((unsigned char)v->p[i]))
			return (-1);
		if (n > (INT64_MAX - 9) / 10)
			return (-1);
		n = n * 10 + (v->p[i] - '0');
	}
	*out = n;
	return (0);
}

/* Comma-separated tokens of Connection. */
static void
parse_connection(const struct http_str *v, int *close_, int *keep)
{
	const char	*p = v->p, *end = v->p + v->len, *q;
	struct http_str	 t;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (q = p; q < end && *q != ','; q++)
			;
		t.p = p;
		t.len = (size_t)(q - p);
		while (t.len > 0 && (t.p[t.len - 1] == ' ' ||
		    t.p[t.len - 1] == '\t'))
			t.len--;
		if (str_ieq(&t, "close"))
			*close_ = 1;
		else if (str_ieq(&t, "keep-alive"))
			*keep = 1;
		p = q;
	}
}

/* Transfer-Encoding: chunked must be the final coding. */
static int
parse_transfer_encoding(const struct http_str *v)
{
	const char	*p = v->p + v->len;
	struct http_str	 last;

	while (p > v->p && p[-1] != ',')
		p--;
	last.p = p;
	last.len = (size_t)(v->p + v->len - p);
	while (last.len > 0 && (*last.p == ' ' || *last.p == '\t')) {
		last.p++;
		last.len--;
	}
	return (str_ieq(&last, "chunked") ? 0 : -1);
}

/* RFC 3986 unreserved and sub-delims: what a reg-name may hold. */
static int
is_host_char(int c)
{
	if (isalnum(c))
		return (1);
	return (c != '\0' && strchr("-._~!$&'()*+,;=", c) != NULL);
}

/*
 * Host: uri-host [ ":" port ] (RFC 9112, 3.2).  The value may be empty;
 * anything else that is not a valid authority is a bad request.
 */
int
http_valid_host(const char *p, size_t len)
{
	const char	*end = p + len;

	if (len > 0 && *p == '[') {
		for (p++; p < end && *p != ']'; p++)
			if (!is_host_char((unsigned char)*p) && *p != ':')
				return (0);
		if (p == end)
			return (0);
		p++;
	} else {
		for (; p < end && *p != ':'; p++) {
			if (*p == '%') {
				if (end - p < 3 ||
				    !isxdigit((unsigned char)p[1]) ||
				    !isxdigit((unsigned char)p[2]))
					return (0);
				p += 2;
			} else if (!is_host_char((unsigned char)*p))
				return (0);
		}
	}
	if (p == end)
		return (1);
	if (*p++ != ':')
		return (0);
	for (; p < end; p++)
		if (!isdigit((unsigned char)*p))
			return (0);
	return (1);
}

/*
 * One header line into its name (a token) and its value (without the
 * surrounding blanks); -1 for a line a server must refuse.
 */
static int
http_split_field(const char *p, size_t llen, struct http_str *name,
    struct http_str *value)
{
	const char	*colon, *v;
	size_t		 vlen;

	if (*p == ' ' || *p == '\t')
		return (-1);		/* obs-fold */
	colon = memchr(p, ':', llen);
	if (colon == NULL || colon == p)
		return (-1);
	name->p = p;
	name->len = (size_t)(colon - p);
	for (v = p; v < colon; v++)
		if (!is_tchar((unsigned char)*v))
			return (-1);	/* includes space before ':' */
	v = colon + 1;
	vlen = llen - name->len - 1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	value->p = v;
	value->len = vlen;
	for (; vlen > 0; vlen--, v++)
		if (((unsigned char)*v < 0x20 && *v != '\t') || *v == 0x7f)
			return (-1);
	return (0);
}

int
http_parse_request(const char *buf, size_t len, struct http_request *r)
{
	const char	*p = buf, *end = buf + len, *next;
	struct http_str	 name, value;
	size_t		 llen;
	int		 st, nheaders = 0, nhost = 0, ncl = 0, nte = 0;
	int		 close_ = 0, keep = 0;

	memset(r, 0, sizeof(*r));
	r->content_length = -1;
	/* Empty lines before a request are allowed (RFC 9112, 2.2). */
	while (p < end && (*p == '\r' || *p == '\n')) {
		if (p - buf > 8)
			return (400);
		p++;
	}
	if (line_end(p, end, &llen, &next) == NULL) {
		/* The same verdict however TCP splits it: LF may follow CR. */
		llen = (size_t)(end - p);
		if (llen > 0 && end[-1] == '\r')
			llen--;
		return (llen > HTTP_LINE_MAX ? 414 : HTTP_PARSE_MORE);
	}
	if (llen > HTTP_LINE_MAX)
		return (414);
	if ((st = parse_request_line(p, llen, r)) != 0)
		return (st);
	p = next;
	for (;;) {
		if (line_end(p, end, &llen, &next) == NULL) {
			if ((size_t)(end - (r->line.p + r->line.len)) >
			    HTTP_HEAD_MAX)
				return (431);
			return (HTTP_PARSE_MORE);
		}
		if ((size_t)(next - (r->line.p + r->line.len)) >
		    HTTP_HEAD_MAX)
			return (431);
		if (llen == 0)
			break;
		if (++nheaders > HTTP_HEADERS_MAX)
			return (431);
		if (http_split_field(p, llen, &name, &value) == -1)
			return (400);
		if (str_ieq(&name, "host")) {
			nhost++;
			r->host = value;
		} else if (str_ieq(&name, "content-length")) {
			if (++ncl > 1 || parse_content_length(&value,
			    &r->content_length) == -1)
				return (400);
		} else if (str_ieq(&name, "transfer-encoding")) {
			nte++;
			if (parse_transfer_encoding(&value) == -1)
				return (400);
			r->chunked = 1;
		} else if (str_ieq(&name, "connection"))
			parse_connection(&value, &close_, &keep);
		else if (str_ieq(&name, "range"))
			r->range = value;
		else if (str_ieq(&name, "if-range"))
			r->if_range = value;
		else if (str_ieq(&name, "if-none-match"))
			r->if_none_match = value;
		else if (str_ieq(&name, "if-modified-since"))
			r->if_modified_since = value;
		else if (str_ieq(&name, "referer"))
			r->referer = value;
		else if (str_ieq(&name, "user-agent"))
			r->user_agent = value;
		else if (str_ieq(&name, "access-control-request-headers"))
			r->acr_headers = value;
		p = next;
	}
	/*
	 * Framing is decided here, before anybody looks at the method: a
	 * request whose length is ambiguous is 400 whatever it asks for.
	 * HTTP/1.0 has no Transfer-Encoding (RFC 9112, 6.1): a 1.0 request
	 * that carries one may be an attempt at smuggling.
	 */
	if (ncl > 0 && nte > 0)
		return (400);
	if (nte > 0 && r->minor == 0)
		return (400);
	if (nhost > 1 || (r->minor >= 1 && nhost == 0))
		return (400);
	if (nhost == 1 && !http_valid_host(r->host.p, r->host.len))
		return (400);
	r->keep_alive = r->minor >= 1 ? !close_ : keep && !close_;
	r->head_len = (size_t)(next - buf);
	return (HTTP_PARSE_OK);
}

static int
http_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	return (-1);
}

/*
 * The path part of a target (*t, *len): absolute-form loses its scheme
 * and authority, and the query and fragment go.  -1 if it is no path.
 */
static int
http_target_path(const char **t, size_t *len)
{
	const char	*auth, *end;
	size_t		 i;

	if ((*len > 7 && strncasecmp(*t, "http://", 7) == 0) ||
	    (*len > 8 && strncasecmp(*t, "https://", 8) == 0)) {
		auth = (const char *)memchr(*t, ':', *len) + 3;
		end = memchr(auth, '/', *len - (size_t)(auth - *t));
		if (end == NULL) {
			*t = "/";
			*len = 1;
		} else {
			*len -= (size_t)(end - *t);
			*t = end;
		}
	}
	if (*len == 0 || (*t)[0] != '/')
		return (-1);
	for (i = 0; i < *len; i++)
		if ((*t)[i] == '?' || (*t)[i] == '#') {
			*len = i;
			break;
		}
	return (0);
}

/*
 * Decodes and normalises a request target into "/a/b" (with a trailing
 * slash when the target names a directory).  Returns 0, or the status to
 * answer: 400 for bad escapes or NUL, 404 for a path that climbs out of
 * the root, 414 if it does not fit.  *isdir is set for a trailing slash.
 */
int
http_normalize_path(const char *t, size_t len, char *out, size_t outlen,
    int *isdir)
{
	size_t		 o = 0, seg, i, slen, depth = 0, nulat;
	size_t		 starts[HTTP_LINE_MAX / 2 + 1];
	int		 escape = 0, nul = 0, hi, lo, last_dotdir = 0;
	int		 trail = 0;
	char		 c;

	*isdir = 0;
	if (len > HTTP_LINE_MAX)
		return (414);
	if (http_target_path(&t, &len) == -1)
		return (400);
	if (outlen < 2)
		return (414);
	out[o++] = '/';
	i = 0;
	while (i < len) {
		/* One segment, decoded into out at o. */
		while (i < len && t[i] == '/')
			i++;
		if (i >= len)
			break;
		seg = o;
		nulat = (size_t)-1;
		trail = 0;
		while (i < len && t[i] != '/') {
			c = t[i];
			if (c == '%') {
				if (i + 2 >= len)
					return (400);
				hi = http_hexval((unsigned char)t[i + 1]);
				lo = http_hexval((unsigned char)t[i + 2]);
				if (hi < 0 || lo < 0)
					return (400);
				c = (char)(hi << 4 | lo);
				i += 3;
			} else
				i++;
			if (c == '\0') {
				nul = 1;
				if (nulat == (size_t)-1)
					nulat = o - seg;
			}
			if (o + 2 >= outlen)
				return (414);
			/* An encoded slash splits segments like a real one. */
			if (c == '/') {
				trail = 1;
				if (o > seg)
					break;
				continue;
			}
			trail = 0;
			out[o++] = c;
		}
		slen = o - seg;
		last_dotdir = 0;
		if (i < len && t[i] == '/')
			trail = 1;
		if (slen == 0)
			continue;
		/* "..%00": what a C string would see must not climb out. */
		if (nulat == 2 && out[seg] == '.' && out[seg + 1] == '.' &&
		    depth == 0)
			escape = 1;
		if (slen == 1 && out[seg] == '.') {
			o = seg;
			last_dotdir = 1;
			continue;
		}
		if (slen == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			o = seg;
			last_dotdir = 1;
			if (depth == 0) {
				escape = 1;
				continue;
			}
			o = starts[--depth];
			continue;
		}
		starts[depth++] = seg;
		out[o++] = '/';
	}
	if (escape)
		return (404);
	if (nul)
		return (400);
	if (o > 1 && (trail || t[len - 1] == '/' || last_dotdir))
		*isdir = 1;
	else if (o > 1)
		o--;			/* the '/' after the last segment */
	if (o == 1)
		*isdir = 1;
	out[o] = '\0';
	return (0);
}

/* A decimal number; -1 on overflow or a non-digit. */
static int
parse_off(const char *p, const char *end, off_t *out)
{
	off_t	n = 0;

	if (p == end)
		return (-1);
	for (; p < end; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
		if (n > (INT64_MAX - 9) / 10)
			return (-1);
		n = n * 10 + (*p - '0');
	}
	*out = n;
	return (0);
}

/*
 * "bytes=a-b", "bytes=a-", "bytes=-n".  Several ranges, overflowing
 * numbers and syntax errors are all answered with the whole file: a
 * server may ignore Range, and doing so can never multiply a reply.
 */
enum http_range_kind
http_parse_range(const char *v, size_t len, off_t size, struct http_range *r)
{
	const char	*end = v + len, *dash, *comma;
	off_t		 a, b;

	if (len < 6 || strncasecmp(v, "bytes=", 6) != 0)
		return (HTTP_RANGE_NONE);
	v += 6;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	comma = memchr(v, ',', (size_t)(end - v));
	if (comma != NULL)
		return (HTTP_RANGE_NONE);
	if ((dash = memchr(v, '-', (size_t)(end - v))) == NULL)
		return (HTTP_RANGE_NONE);
	if (dash == v) {
		if (parse_off(dash + 1, end, &b) == -1)
			return (HTTP_RANGE_NONE);
		if (b == 0 || size == 0)
			return (HTTP_RANGE_UNSAT);
		r->first = b >= size ? 0 : size - b;
		r->last = size - 1;
		return (HTTP_RANGE_OK);
	}
	if (parse_off(v, dash, &a) == -1)
		return (HTTP_RANGE_NONE);
	if (dash + 1 == end)
		b = -1;
	else if (parse_off(dash + 1, end, &b) == -1 || b < a)
		return (HTTP_RANGE_NONE);
	if (a >= size)
		return (HTTP_RANGE_UNSAT);
	r->first = a;
	r->last = b < 0 || b >= size ? size - 1 : b;
	return (HTTP_RANGE_OK);
}

/*
 * If-None-Match: "*" or a list of entity tags, compared weakly (a W/
 * prefix on either side does not matter).
 */
int
http_etag_match(const char *v, size_t len, const char *etag)
{
	const char	*end = v + len, *q;
	size_t		 elen;

	elen = strlen(etag);
	if (elen >= 2 && etag[0] == 'W' && etag[1] == '/') {
		etag += 2;
		elen -= 2;
	}
	while (v < end) {
		while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
			v++;
		if (v == end)
			break;
		if (*v == '*')
			return (1);
		if (end - v >= 2 && v[0] == 'W' && v[1] == '/')
			v += 2;
		if (v == end || *v != '"')
			return (0);
		q = memchr(v + 1, '"', (size_t)(end - v - 1));
		if (q == NULL)
			return (0);
		if ((size_t)(q - v + 1) == elen && memcmp(v, etag, elen) == 0)
			return (1);
		v = q + 1;
	}
	return (0);
}

/*
 * Whether the client's copy is current, so a 304 answers: If-None-Match
 * when present (then If-Modified-Since is ignored), else a valid
 * If-Modified-Since no older than the file's mtime.
 */
int
http_not_modified(const struct http_request *r, time_t mtime,
    const char *etag)
{
	time_t	t;

	if (r->if_none_match.len > 0)
		return (http_etag_match(r->if_none_match.p,
		    r->if_none_match.len, etag));
	if (r->if_modified_since.len > 0 &&
	    http_parse_date(r->if_modified_since.p, r->if_modified_since.len,
	    &t) == 0)
		return (mtime <= t);
	return (0);
}

/*
 * Whether a Range may be honoured: without If-Range always; with it only
 * for the same strong entity tag or the exact Last-Modified date.
 */
int
http_if_range_ok(const struct http_request *r, time_t mtime,
    const char *etag)
{
	time_t	t;

	if (r->if_range.len == 0)
		return (1);
	if (r->if_range.p[0] == '"')
		return (r->if_range.len == strlen(etag) &&
		    memcmp(r->if_range.p, etag, r->if_range.len) == 0);
	return (http_parse_date(r->if_range.p, r->if_range.len, &t) == 0 &&
	    t == mtime);
}

/* IMF-fixdate, RFC 850 and asctime forms (RFC 9110, 5.6.7). */
int
http_parse_date(const char *v, size_t len, time_t *out)
{
	static const char *const forms[] = {
		"%a, %d %b %Y %H:%M:%S GMT",
		"%A, %d-%b-%y %H:%M:%S GMT",
		"%a %b %e %H:%M:%S %Y",
		NULL
	};
	struct tm	 tm;
	char		 buf[64];
	const char	*end;
	size_t		 i;

	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, v, len);
	buf[len] = '\0';
	for (i = 0; forms[i] != NULL; i++) {
		memset(&tm, 0, sizeof(tm));
		end = strptime(buf, forms[i], &tm);
		if (end != NULL && *end == '\0') {
			*out = timegm(&tm);
			return (*out == (time_t)-1 ? -1 : 0);
		}
	}
	return (-1);
}

size_t
http_format_date(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL)
		return (0);
	return (strftime(buf, len, "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

const char *
http_reason(int status)
{
	switch (status) {
	case 200: return ("OK");
	case 204: return ("No Content");
	case 206: return ("Partial Content");
	case 301: return ("Moved Permanently");
	case 304: return ("Not Modified");
	case 400: return ("Bad Request");
	case 403: return ("Forbidden");
	case 404: return ("Not Found");
	case 405: return ("Method Not Allowed");
	case 408: return ("Request Timeout");
	case 414: return ("URI Too Long");
	case 416: return ("Range Not Satisfiable");
	case 431: return ("Request Header Fields Too Large");
	case 500: return ("Internal Server Error");
	case 503: return ("Service Unavailable");
	case 505: return ("HTTP Version Not Supported");
	default: return ("Unknown");
	}
}
