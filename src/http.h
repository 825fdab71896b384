/*
 * Pure HTTP/1.1 request handling for serve-http: parsing a request head,
 * decoding and normalising the path, Range and conditional-request logic,
 * and HTTP dates.  No I/O; unit-tested and fuzzed.
 */
#ifndef HTTP_H
#define HTTP_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

#define HTTP_LINE_MAX		8192	/* request line: beyond is 414 */
#define HTTP_HEAD_MAX		32768	/* all headers: beyond is 431 */
#define HTTP_HEADERS_MAX	100

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER
};

struct http_str {
	const char	*p;
	size_t		 len;
};

struct http_request {
	enum http_method method;
	struct http_str	 method_str;
	struct http_str	 target;
	struct http_str	 line;		/* the request line, for the log */
	int		 minor;		/* HTTP/1.x */
	int		 keep_alive;
	long long	 content_length;	/* -1: none */
	int		 chunked;
	struct http_str	 host;
	struct http_str	 range;
	struct http_str	 if_range;
	struct http_str	 if_none_match;
	struct http_str	 if_modified_since;
	struct http_str	 referer;
	struct http_str	 user_agent;
	struct http_str	 acr_headers;	/* Access-Control-Request-Headers */
	size_t		 head_len;	/* bytes up to and with CR LF CR LF */
};

/* http_parse_request: complete, incomplete, or an error status. */
#define HTTP_PARSE_OK		0
#define HTTP_PARSE_MORE		(-1)

int	http_parse_request(const char *, size_t, struct http_request *);
int	http_valid_host(const char *, size_t);
int	http_is_token(const char *, size_t);
int	http_normalize_path(const char *, size_t, char *, size_t, int *);

struct http_range {
	off_t	first;
	off_t	last;
};

/* What a Range header asks for. */
enum http_range_kind {
	HTTP_RANGE_NONE,	/* serve the whole: 200 */
	HTTP_RANGE_OK,		/* one satisfiable range: 206 */
	HTTP_RANGE_UNSAT	/* 416 */
};

enum http_range_kind http_parse_range(const char *, size_t, off_t,
	    struct http_range *);
int	http_etag_match(const char *, size_t, const char *);
int	http_not_modified(const struct http_request *, time_t, const char *);
int	http_if_range_ok(const struct http_request *, time_t, const char *);
int	http_parse_date(const char *, size_t, time_t *);
size_t	http_format_date(time_t, char *, size_t);
const char *http_reason(int);

#endif /* HTTP_H */
