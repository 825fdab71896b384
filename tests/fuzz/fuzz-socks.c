/*
 * libFuzzer harness for src/socks*.c: arbitrary bytes as what a client
 * sends to `sockctl proxy` (the server side, with and without required
 * credentials, answering every request with a code taken from the input,
 * then scanning request bodies for the next request), as what an origin
 * answers a forwarded request (response heads and bodies, keep-alive),
 * and as what a proxy answers our client (each proxy type); also straight
 * into the SOCKS5 UDP header parser and the proxy URL parser.  Each
 * conversation runs twice, the input handed in whole and then in pieces
 * whose sizes come from the input, and both runs must agree on every
 * result, every byte written and every byte consumed.  Other invariants:
 * nothing consumed beyond what was given, a verdict by SOCKS_INPUT_MAX
 * bytes, printable one-line errors, and a rewritten request that is a
 * clean HTTP head.  A violation aborts, which libFuzzer reports.
 *
 * Built by `./configure --enable-fuzz && make tests/fuzz/fuzz-socks`;
 * run with e.g.
 *   tests/fuzz/fuzz-socks -max_len=20000 -max_total_time=600 CORPUS_COPY
 */
#include "config.h"

#include <sys/types.h>

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "log.h"
#include "socks.h"

#define CHECK(c) do {							\
	if (!(c)) {							\
		fprintf(stderr, "fuzz-socks: %s:%d: invariant failed: %s\n", \
		    __FILE__, __LINE__, #c);				\
		abort();						\
	}								\
} while (0)

struct run {
	int		 results[64];
	size_t		 nresults;
	size_t		 consumed;
	struct buf	 out;
};

static void
record(struct run *r, int result)
{
	if (r->nresults < sizeof(r->results) / sizeof(r->results[0]))
		r->results[r->nresults++] = result;
}

static void
check_text(const char *s)
{
	CHECK(s != NULL && *s != '\0');
	for (; *s != '\0'; s++)
		CHECK(isprint((unsigned char)*s));
}

static void
check_addr(const struct socks_addr *a)
{
	size_t	i, n;

	CHECK(a->type == SOCKS_ADDR_IPV4 || a->type == SOCKS_ADDR_IPV6 ||
	    a->type == SOCKS_ADDR_NAME);
	CHECK(a->port >= 0 && a->port <= 65535);
	if (a->type == SOCKS_ADDR_NAME) {
		n = strnlen(a->name, sizeof(a->name));
		CHECK(n < sizeof(a->name));
		for (i = 0; i < n; i++)
			CHECK(isalnum((unsigned char)a->name[i]) ||
			    strchr(".-_:", a->name[i]) != NULL);
	}
}

/* The request for the origin: a clean head, Connection: close last. */
static void
check_head(const struct buf *h)
{
	size_t	i;

	CHECK(h->len > 21);
	CHECK(memcmp(h->p + h->len - 21, "Connection: close\r\n\r\n", 21)
	    == 0);
	for (i = 0; i < h->len; i++) {
		CHECK(h->p[i] != '\0');
		if (h->p[i] == '\n')
			CHECK(i > 0 && h->p[i - 1] == '\r');
		if (h->p[i] == '\r')
			CHECK(i + 1 < h->len && h->p[i + 1] == '\n');
	}
	CHECK(h->len <= SOCKS_HTTP_HEAD_MAX + 512);
}

/*
 * One server conversation.  `piece` 0 hands everything in at once;
 * otherwise pieces of 1..piece bytes, the sizes cycling through seed.
 */
static void
server_run(const uint8_t *data, size_t size, int auth, int codes,
    const uint8_t *seed, size_t nseed, size_t piece, struct run *run)
{
	struct socks_server	 s;
	struct socks_body	 body;
	uint8_t			*copy;
	size_t			 start = 0, end = 0, used, k = 0, avail;
	int			 r, forwards = 0;

	socks_server_init(&s, auth);
	for (;;) {
		if (piece == 0)
			end = size;
		else if (end < size) {
			end += nseed > 0 ? 1 + seed[k++ % nseed] % piece : 1;
			if (end > size)
				end = size;
		}
		avail = end - start;
		if ((copy = malloc(avail > 0 ? avail : 1)) == NULL)
			abort();
		memcpy(copy, data + start, avail);
		r = socks_server_input(&s, copy, avail, &used, &run->out);
		free(copy);
		CHECK(used <= avail);
		start += used;
		CHECK(r == SOCKS_MORE || r == SOCKS_AUTH ||
		    r == SOCKS_REQUEST || r == SOCKS_ERROR);
		if (r == SOCKS_MORE) {
			/* A bounded wait: a verdict by SOCKS_INPUT_MAX. */
			CHECK(avail < SOCKS_INPUT_MAX);
			if (end >= size)
				break;
			continue;
		}
		record(run, r);
		if (r == SOCKS_ERROR) {
			check_text(s.err.msg);
			break;
		}
		if (r == SOCKS_AUTH) {
			CHECK(auth);
			CHECK(strlen(s.user) <= SOCKS_NAME_MAX);
			r = socks_server_auth(&s, s.has_creds &&
			    socks_ct_equal(s.user, strlen(s.user), "user", 4) &&
			    socks_ct_equal(s.pass, strlen(s.pass), "pass", 4),
			    &run->out);
			record(run, r);
			CHECK(r == SOCKS_MORE || r == SOCKS_REQUEST ||
			    r == SOCKS_ERROR);
			if (r == SOCKS_ERROR) {
				check_text(s.err.msg);
				break;
			}
			if (r == SOCKS_MORE)
				continue;
		}
		/* SOCKS_REQUEST */
		check_addr(&s.dst);
		CHECK(s.cmd == SOCKS_CMD_CONNECT || s.cmd == SOCKS_CMD_UDP ||
		    s.cmd == SOCKS_CMD_FORWARD);
		CHECK(s.proto != SOCKS_PROTO_NONE);
		if (s.cmd == SOCKS_CMD_FORWARD) {
			CHECK(s.proto == SOCKS_PROTO_HTTP);
			check_head(&s.head);
			CHECK(!(s.chunked && s.content_length >= 0));
		}
		r = socks_server_reply(&s, (codes >> (forwards % 4 * 2)) & 3 ?
		    0 : codes % 9, &s.dst, &run->out);
		record(run, r);
		CHECK(r == SOCKS_DONE || r == SOCKS_ERROR);
		if (r == SOCKS_ERROR) {
			check_text(s.err.msg);
			break;
		}
		/* Keep-alive: a forwarded request may be followed by more. */
		if (s.cmd != SOCKS_CMD_FORWARD || ++forwards > 8)
			break;
		socks_body_init(&body, s.chunked ? SOCKS_BODY_CHUNKED :
		    SOCKS_BODY_LENGTH, s.content_length);
		r = socks_body_scan(&body, data + start, size - start, &used);
		CHECK(used <= size - start);
		record(run, r);
		start += used;
		if (r != SOCKS_DONE)
			break;
		if (end < start)
			end = start;
		socks_server_next(&s);
	}
	run->consumed = start;
	CHECK(run->out.len <= 64 * 1024);
	socks_server_free(&s);
}

static void
client_run(const uint8_t *data, size_t size, const struct proxy_url *u,
    const struct socks_addr *target, const uint8_t *seed, size_t nseed,
    size_t piece, struct run *run)
{
	struct socks_client	 c;
	uint8_t			*copy;
	size_t			 start = 0, end = 0, used, k = 0, avail;
	int			 r;

	r = socks_client_start(&c, u, target, "pass", &run->out);
	CHECK(r == SOCKS_MORE);
	for (;;) {
		if (piece == 0)
			end = size;
		else if (end < size) {
			end += nseed > 0 ? 1 + seed[k++ % nseed] % piece : 1;
			if (end > size)
				end = size;
		}
		avail = end - start;
		if ((copy = malloc(avail > 0 ? avail : 1)) == NULL)
			abort();
		memcpy(copy, data + start, avail);
		r = socks_client_input(&c, copy, avail, &used, &run->out);
		free(copy);
		CHECK(used <= avail);
		start += used;
		CHECK(r == SOCKS_MORE || r == SOCKS_DONE || r == SOCKS_ERROR);
		if (r == SOCKS_MORE) {
			CHECK(avail < SOCKS_INPUT_MAX);
			if (end >= size)
				break;
			continue;
		}
		record(run, r);
		if (r == SOCKS_ERROR) {
			check_text(c.err.msg);
			/* The same text whatever the split: keep it. */
			if (buf_adds(&run->out, c.err.msg) == -1)
				abort();
		}
		break;
	}
	run->consumed = start;
	socks_client_clear(&c);
}

/* A head for the client: CR LF lines, no hop-by-hop field left. */
static void
check_response_head(const char *p, size_t len, int interim)
{
	static const char *const hop[] = {
		"\nkeep-alive:", "\nproxy-connection:", "\nte:",
		"\ntrailer:", "\nupgrade:", "\nproxy-authenticate:"
	};
	size_t	i, j, n;

	CHECK(len >= 4 && memcmp(p + len - 4, "\r\n\r\n", 4) == 0);
	for (i = 0; i < len; i++) {
		CHECK(p[i] != '\0');
		if (p[i] == '\n')
			CHECK(i > 0 && p[i - 1] == '\r');
		if (p[i] == '\r')
			CHECK(i + 1 < len && p[i + 1] == '\n');
		for (j = 0; p[i] == '\n' && j < sizeof(hop) / sizeof(hop[0]);
		    j++) {
			n = strlen(hop[j]);
			CHECK(len - i < n ||
			    strncasecmp(p + i, hop[j], n) != 0);
		}
	}
	if (!interim)
		CHECK((len >= 28 && memcmp(p + len - 28,
		    "\r\nConnection: keep-alive\r\n\r\n", 28) == 0) ||
		    (len >= 23 && memcmp(p + len - 23,
		    "\r\nConnection: close\r\n\r\n", 23) == 0));
}

/* The origin's responses on one connection, then their bodies. */
static void
response_run(const uint8_t *data, size_t size, int head_req, int ka,
    const uint8_t *seed, size_t nseed, size_t piece, struct run *run)
{
	struct socks_http_response	 r;
	struct socks_body		 body;
	char				*copy;
	size_t				 start = 0, end = 0, k = 0, avail;
	size_t				 used, before;
	int				 res, n = 0;

	for (;;) {
		if (piece == 0)
			end = size;
		else if (end < size) {
			end += nseed > 0 ? 1 + seed[k++ % nseed] % piece : 1;
			if (end > size)
				end = size;
		}
		avail = end - start;
		if ((copy = malloc(avail > 0 ? avail : 1)) == NULL)
			abort();
		memcpy(copy, data + start, avail);
		before = run->out.len;
		res = socks_http_response(copy, avail, head_req, ka, &r,
		    &run->out);
		if (res == SOCKS_MORE) {
			CHECK(run->out.len == before);
			CHECK(avail < SOCKS_HTTP_HEAD_MAX);
			free(copy);
			if (end >= size)
				break;
			continue;
		}
		record(run, res);
		if (res == SOCKS_ERROR) {
			CHECK(run->out.len == before);
			free(copy);
			break;
		}
		CHECK(r.head_len > 0 && r.head_len <= avail);
		CHECK(r.status >= 100 && r.status <= 999 && r.status != 101);
		check_response_head(run->out.p + before, run->out.len - before,
		    r.status < 200);
		CHECK(r.framing != SOCKS_BODY_CLOSE || !r.keep_alive);
		CHECK(ka || !r.keep_alive);
		record(run, r.framing);
		free(copy);
		start += r.head_len;
		if (r.status < 200)
			continue;
		socks_body_init(&body, r.framing, r.content_length);
		res = socks_body_scan(&body, data + start, size - start, &used);
		CHECK(used <= size - start);
		CHECK(res != SOCKS_MORE || used == size - start);
		record(run, res);
		start += used;
		if (res != SOCKS_DONE || !r.keep_alive || ++n > 8)
			break;
		if (end < start)
			end = start;
	}
	run->consumed = start;
}

static void
same(const struct run *a, const struct run *b)
{
	CHECK(a->nresults == b->nresults);
	CHECK(memcmp(a->results, b->results,
	    a->nresults * sizeof(a->results[0])) == 0);
	CHECK(a->consumed == b->consumed);
	CHECK(a->out.len == b->out.len);
	CHECK(a->out.len == 0 || memcmp(a->out.p, b->out.p, a->out.len) == 0);
}

static void
free_run(struct run *r)
{
	buf_free(&r->out);
	memset(r, 0, sizeof(*r));
}

static void
udp(const uint8_t *data, size_t size)
{
	struct socks_addr	 a;
	unsigned char		 hdr[SOCKS5_UDP_HDR_MAX];
	uint8_t			*copy;
	size_t			 n = 0, m;

	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	if (socks5_udp_parse(copy, size, &a, &n) == 0) {
		CHECK(n >= 8 && n <= size && n <= SOCKS5_UDP_HDR_MAX);
		check_addr(&a);
		m = socks5_udp_build(hdr, &a);
		CHECK(m == n && memcmp(hdr, copy, n) == 0);
	}
	free(copy);
}

static void
url(const uint8_t *data, size_t size)
{
	struct proxy_url	 u;
	struct socks_addr	 a;
	struct sk_err		 e;
	enum proxy_type		 t = PROXY_HTTP;
	char			*s;

	if (size > 600)
		size = 600;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	if (proxy_parse_url(s, size > 0 && data[0] & 1 ? &t : NULL,
	    &u, &e) == 0) {
		CHECK(u.port >= 1 && u.port <= 65535);
		CHECK(u.host[0] != '\0');
		CHECK(!u.has_user || u.user[0] != '\0');
		CHECK(strchr(u.user, ':') == NULL);
	} else
		CHECK(u.type <= PROXY_HTTP);
	if (socks_addr_set(&a, s, 80) == 0)
		check_addr(&a);
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const targets[] = {
		"example.com", "192.0.2.1", "2001:db8::1"
	};
	struct run		 whole = { { 0 }, 0, 0, { NULL, 0, 0 } };
	struct run		 split = { { 0 }, 0, 0, { NULL, 0, 0 } };
	struct proxy_url	 u;
	struct socks_addr	 target;
	struct sk_err		 e;
	const uint8_t		*seed;
	size_t			 nseed, piece;
	uint8_t			 ctl;
	int			 kind;

	url(data, size);
	udp(data, size);
	if (size < 2)
		return (0);
	/* Byte 0 says what to run; the tail seeds the split sizes. */
	ctl = data[0];
	data++;
	size--;
	nseed = size < 8 ? size : 8;
	seed = data + size - nseed;
	piece = 1 + (ctl >> 5);

	server_run(data, size, ctl & 1, ctl >> 1, NULL, 0, 0, &whole);
	server_run(data, size, ctl & 1, ctl >> 1, seed, nseed, piece, &split);
	same(&whole, &split);
	free_run(&whole);
	free_run(&split);
	server_run(data, size, ctl & 1, ctl >> 1, NULL, 0, 1, &split);
	server_run(data, size, ctl & 1, ctl >> 1, NULL, 0, 0, &whole);
	same(&whole, &split);
	free_run(&whole);
	free_run(&split);

	response_run(data, size, ctl & 1, ctl & 2, NULL, 0, 0, &whole);
	response_run(data, size, ctl & 1, ctl & 2, seed, nseed, piece,
	    &split);
	same(&whole, &split);
	free_run(&whole);
	free_run(&split);

	kind = (ctl >> 1) % 5;
	proxy_parse_url(kind == 0 ? "socks5h://user@p" : kind == 1 ?
	    "socks5://p" : kind == 2 ? "socks4a://bob@p" : kind == 3 ?
	    "socks4://p" : "http://user@p", NULL, &u, &e);
	socks_addr_set(&target, targets[kind == 3 ? 1 : (ctl >> 4) % (kind ==
	    2 ? 2 : 3)], 443);
	client_run(data, size, &u, &target, NULL, 0, 0, &whole);
	client_run(data, size, &u, &target, seed, nseed, piece, &split);
	same(&whole, &split);
	free_run(&whole);
	free_run(&split);
	return (0);
}
