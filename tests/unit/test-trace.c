/*
 * Unit tests of src/trace.h, driving the API with synthetic conversations
 * into temporary files: the exact --trace text and --hexdump bytes of a
 * small conversation over two connections (one over a Unix socket), the
 * round trip of a long pseudo-random conversation through both text logs
 * (decoded back to the bytes moved, offsets running per direction), the
 * buffering (nothing written until a threshold or a close), UDP flows
 * for several peers with LRU eviction, appending to an earlier capture,
 * and write errors (a trace file on /dev/full is reported once, stops,
 * and changes nothing else).
 *
 * With arguments it is the driver of tests/trace.bats, which checks the
 * pcap files with tshark:
 *
 *	test-trace write tcp|unix|udp 4|6 SIZE FILE.pcap OUT IN
 *
 * tcp and unix: SIZE pseudo-random bytes each way in interleaved chunks
 * of 1 byte to 200 KiB, the local FIN when it has sent all and the peer
 * at most half, the peer's rest and FIN; OUT and IN get the bytes of each
 * direction.  unix passes Unix addresses (written as loopback).  udp:
 * datagrams of 0 to SIZE bytes between one local socket and three peers;
 * OUT gets "SRCPORT<TAB>DSTPORT<TAB>HEX" per datagram, as tshark prints
 * udp.srcport, udp.dstport and udp.payload.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "compat.h"
#include "pcap.h"
#include "tap.h"
#include "trace.h"
#include "tracefmt.h"

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;
static char	tmpdir[] = "/tmp/test-trace.XXXXXX";

/* xorshift64: reproducible bytes without a dependency. */
static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 16));
}

/* Random bytes, with CR LF, NUL and backslashes common. */
static void
fill(unsigned char *p, size_t n)
{
	static const unsigned char	 special[] = "\r\n\\\t";
	size_t				 i;

	for (i = 0; i < n; i++)
		p[i] = next_rand() % 4 == 0 ? special[next_rand() % 5] :
		    (unsigned char)next_rand();
}

static void
in4(struct sockaddr_in *sin, const char *host, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
		abort();
}

static void
in6(struct sockaddr_in6 *s6, const char *host, int port)
{
	memset(s6, 0, sizeof(*s6));
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
		abort();
}

static socklen_t
un(struct sockaddr_un *sun, const char *path)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	strlcpy(sun->sun_path, path, sizeof(sun->sun_path));
	return ((socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(path) + 1));
}

static const struct timeval *
at(long usec)
{
	static struct timeval	tv;

	tv.tv_sec = 1795000000;
	tv.tv_usec = usec;
	return (&tv);
}

static char *
tpath(const char *name)
{
	static char	path[4][256];
	static int	k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return (path[k]);
}

/* A whole file as a NUL-terminated string (len in *lenp). */
static char *
slurp(const char *path, size_t *lenp)
{
	struct buf	 b = { 0 };
	FILE		*fp;
	char		 tmp[65536];
	size_t		 n;

	if ((fp = fopen(path, "rb")) == NULL)
		err(1, "%s", path);
	while ((n = fread(tmp, 1, sizeof(tmp), fp)) > 0)
		if (buf_add(&b, tmp, n) == -1)
			abort();
	fclose(fp);
	if (buf_addc(&b, '\0') == -1)
		abort();
	if (lenp != NULL)
		*lenp = b.len - 1;
	return (b.p);
}

static off_t
fsize(const char *path)
{
	struct stat	st;

	return (stat(path, &st) == -1 ? -1 : st.st_size);
}

struct errs {
	int	n;
	char	msg[512];
};

static void
on_err(void *arg, const struct sk_err *e)
{
	struct errs	*x = arg;

	x->n++;
	strlcpy(x->msg, e->msg, sizeof(x->msg));
}

#define T0	"2026-11-18T11:06:40.0000"

static const char small_text[] =
    T0 "01Z #1 open 192.0.2.1 port 47123 > 198.51.100.7 port 40123\n"
    T0 "02Z #2 open /tmp/s.sock > (unnamed)\n"
    T0 "03Z #1 < 18 bytes\n"
    "GET / HTTP/1.0\\r\\n\n"
    "\\r\\n\n"
    T0 "04Z #2 > 6 bytes\n"
    "a\\tb\\\\\\x00\\x80\n"
    T0 "05Z #1 > 17 bytes\n"
    "HTTP/1.0 200 OK\\r\\n\n"
    T0 "06Z #1 < 1 bytes\n"
    "x\n"
    T0 "07Z #1 > EOF\n"
    T0 "08Z #1 < EOF\n"
    T0 "09Z #2 < reset\n";

static const char small_hex[] =
    T0 "01Z #1 open 192.0.2.1 port 47123 > 198.51.100.7 port 40123\n"
    T0 "02Z #2 open /tmp/s.sock > (unnamed)\n"
    T0 "03Z #1 < 18 bytes\n"
    "00000000  47 45 54 20 2f 20 48 54  54 50 2f 31 2e 30 0d 0a  "
    "|GET / HTTP/1.0..|\n"
    "00000010  0d 0a                                             |..|\n"
    T0 "04Z #2 > 6 bytes\n"
    "00000000  61 09 62 5c 00 80                                 "
    "|a.b\\..|\n"
    T0 "05Z #1 > 17 bytes\n"
    "00000000  48 54 54 50 2f 31 2e 30  20 32 30 30 20 4f 4b 0d  "
    "|HTTP/1.0 200 OK.|\n"
    "00000010  0a                                                |.|\n"
    T0 "06Z #1 < 1 bytes\n"
    "00000012  78                                                |x|\n"
    T0 "07Z #1 > EOF\n"
    T0 "08Z #1 < EOF\n"
    T0 "09Z #2 < reset\n";

/* The small conversation of two connections into tr; 0 if opened. */
static int
small_conv(struct tracer *tr)
{
	struct sockaddr_in	 l, p;
	struct sockaddr_un	 ul, up;
	struct trace_conn	*c1, *c2;
	socklen_t		 ulen;

	in4(&l, "192.0.2.1", 47123);
	in4(&p, "198.51.100.7", 40123);
	ulen = un(&ul, "/tmp/s.sock");
	memset(&up, 0, sizeof(up));
	up.sun_family = AF_UNIX;
	c1 = trace_tcp_open(tr, 1, TRACE_IN, (struct sockaddr *)&l,
	    sizeof(l), (struct sockaddr *)&p, sizeof(p), at(1));
	c2 = trace_tcp_open(tr, 2, TRACE_IN, (struct sockaddr *)&ul, ulen,
	    (struct sockaddr *)&up, sizeof(sa_family_t), at(2));
	trace_chunk(c1, TRACE_IN, "GET / HTTP/1.0\r\n\r\n", 18, at(3));
	trace_chunk(c2, TRACE_OUT, "a\tb\\\0\x80", 6, at(4));
	trace_chunk(c1, TRACE_OUT, "HTTP/1.0 200 OK\r\n", 17, at(5));
	trace_chunk(c1, TRACE_IN, "x", 1, at(6));
	trace_fin(c1, TRACE_OUT, at(7));
	trace_fin(c1, TRACE_OUT, at(7));	/* a second FIN: nothing */
	trace_fin(c1, TRACE_IN, at(8));
	trace_rst(c2, TRACE_IN, at(9));
	trace_conn_close(c1);
	trace_conn_close(c2);
	return (c1 != NULL && c2 != NULL ? 0 : -1);
}

static void
test_small(void)
{
	struct tracer	*tr;
	struct sk_err	 e;
	struct errs	 x = { 0 };
	char		*s;
	size_t		 len;

	tr = trace_open(tpath("s.txt"), tpath("s.hex"), tpath("s.pcap"),
	    on_err, &x, &e);
	ok(tr != NULL, "small: trace_open");
	if (tr == NULL)
		return;
	is_int(small_conv(tr), 0, "small: two connections open");
	trace_close(tr);
	is_int(x.n, 0, "small: no error");
	s = slurp(tpath("s.txt"), &len);
	is_str(s, small_text, "small: --trace text, byte for byte");
	free(s);
	s = slurp(tpath("s.hex"), &len);
	is_str(s, small_hex, "small: --hexdump text, byte for byte");
	free(s);

	/* --trace and --hexdump in one file: interleaved chunk by chunk. */
	tr = trace_open(tpath("both.txt"), tpath("both.txt"), NULL, on_err,
	    &x, &e);
	ok(tr != NULL, "small: one file for both text logs");
	if (tr == NULL)
		return;
	small_conv(tr);
	trace_close(tr);
	s = slurp(tpath("both.txt"), &len);
	ok(strncmp(s, T0 "01Z #1 open 192.0.2.1 port 47123 > 198.51.100.7 "
	    "port 40123\n" T0 "01Z #1 open", 90) == 0 &&
	    strstr(s, "\\r\\n\n" T0 "03Z #1 < 18 bytes\n00000000  47 45 ") !=
	    NULL, "small: both logs in one file keep the chunk order");
	free(s);
}

/*
 * Decodes the text log s into the bytes of each connection and direction
 * (got[conn][dir], conns 1 and 2), checking every header and, in a
 * hexdump, that the offsets run on per direction.  Returns 0 if it all
 * parsed.
 */
static int
decode(const char *s, int hex, struct buf got[3][2])
{
	const char		*eol, *q;
	char			 line[128], dirc;
	long			 id;
	unsigned long		 n, off;
	size_t			 start;
	unsigned int		 v;
	int			 used, dir;

	/* sscanf() takes the length of its string: give it one line. */
#define LINE(from, to)	snprintf(line, sizeof(line), "%.*s", \
	(int)((to) - (from)), (from))
	while (*s != '\0') {
		if ((eol = strchr(s, '\n')) == NULL)
			return (-1);
		/* 2026-11-27T09:34:22.123456Z */
		if (eol - s < 27 || s[10] != 'T' || s[26] != 'Z')
			return (-1);
		LINE(s + 27, eol);
		if (sscanf(line, " #%ld %c %lu bytes%n", &id, &dirc, &n,
		    &used) != 3 || line[used] != '\0') {
			s = eol + 1;	/* an event line */
			continue;
		}
		if (id < 1 || id > 2 || (dirc != '>' && dirc != '<'))
			return (-1);
		dir = dirc == '>' ? TRACE_OUT : TRACE_IN;
		start = got[id][dir].len;
		s = eol + 1;
		while (got[id][dir].len - start < n) {
			if ((eol = strchr(s, '\n')) == NULL)
				return (-1);
			if (!hex && tracefmt_unescape(&got[id][dir], s,
			    (size_t)(eol - s)) == -1)
				return (-1);
			if (hex) {
				LINE(s, eol);
				if (sscanf(line, "%8lx", &off) != 1 ||
				    off != got[id][dir].len)
					return (-1);
				for (q = line + 10; *q != '\0' && *q != '|';
				    q += 3) {
					if (q[0] == ' ' && q[1] == ' ')
						break;
					if (*q == ' ' && *++q == '|')
						break;
					if (sscanf(q, "%2x", &v) != 1 ||
					    buf_addc(&got[id][dir], v) == -1)
						return (-1);
				}
			}
			s = eol + 1;
		}
		if (got[id][dir].len - start != n)
			return (-1);
	}
#undef LINE
	return (0);
}

static void
test_round_trip(void)
{
	struct sockaddr_in6	 l, p;
	struct tracer		*tr;
	struct trace_conn	*c[3];
	struct sk_err		 e;
	struct buf		 sent[3][2], got[2][3][2];
	unsigned char		 chunk[3000];
	char			*s;
	size_t			 n;
	int			 i, id, dir, h, same;

	memset(sent, 0, sizeof(sent));
	memset(got, 0, sizeof(got));
	tr = trace_open(tpath("r.txt"), tpath("r.hex"), NULL, NULL, NULL, &e);
	ok(tr != NULL, "round trip: trace_open");
	if (tr == NULL)
		return;
	in6(&l, "2001:db8::1", 47123);
	in6(&p, "2001:db8:ffff::7", 40123);
	for (id = 1; id <= 2; id++)
		c[id] = trace_tcp_open(tr, id, TRACE_OUT,
		    (struct sockaddr *)&l, sizeof(l), (struct sockaddr *)&p,
		    sizeof(p), NULL);
	for (i = 0; i < 2000; i++) {
		id = 1 + next_rand() % 2;
		dir = next_rand() % 2;
		n = next_rand() % 5 == 0 ? next_rand() % 8 :
		    next_rand() % sizeof(chunk);
		fill(chunk, n);
		trace_chunk(c[id], dir, chunk, n, NULL);
		if (buf_add(&sent[id][dir], chunk, n) == -1)
			abort();
	}
	trace_close(tr);
	for (h = 0; h < 2; h++) {
		s = slurp(tpath(h ? "r.hex" : "r.txt"), NULL);
		is_int(decode(s, h, got[h]), 0, "round trip: the %s parses",
		    h ? "--hexdump" : "--trace");
		free(s);
		same = 1;
		for (id = 1; id <= 2; id++)
			for (dir = 0; dir < 2; dir++)
				if (got[h][id][dir].len != sent[id][dir].len ||
				    memcmp(got[h][id][dir].p, sent[id][dir].p,
				    sent[id][dir].len) != 0)
					same = 0;
		ok(same, "round trip: %s decodes to the bytes moved, per "
		    "connection and direction", h ? "--hexdump" : "--trace");
	}
	for (id = 1; id <= 2; id++)
		for (dir = 0; dir < 2; dir++) {
			buf_free(&sent[id][dir]);
			buf_free(&got[0][id][dir]);
			buf_free(&got[1][id][dir]);
		}
}

static void
test_buffering(void)
{
	struct sockaddr_in	 l, p;
	struct tracer		*tr;
	struct trace_conn	*c;
	struct sk_err		 e;
	unsigned char		 chunk[100];
	off_t			 sz;
	int			 i;

	tr = trace_open(tpath("b.txt"), NULL, tpath("b.pcap"), NULL, NULL,
	    &e);
	ok(tr != NULL, "buffering: trace_open");
	if (tr == NULL)
		return;
	in4(&l, "192.0.2.1", 47123);
	in4(&p, "198.51.100.7", 40123);
	c = trace_tcp_open(tr, TRACE_NOID, TRACE_OUT, (struct sockaddr *)&l,
	    sizeof(l), (struct sockaddr *)&p, sizeof(p), at(0));
	memset(chunk, 'a', sizeof(chunk));
	for (i = 0; i < 100; i++)
		trace_chunk(c, i % 2, chunk, sizeof(chunk), at(i));
	ok(fsize(tpath("b.txt")) == 0 && fsize(tpath("b.pcap")) == 0,
	    "buffering: 100 small chunks are not written yet");
	for (i = 0; i < 1000; i++)
		trace_chunk(c, i % 2, chunk, sizeof(chunk), at(i));
	sz = fsize(tpath("b.txt"));
	trace_conn_close(c);
	ok(sz >= TRACE_BUFMAX && sz < fsize(tpath("b.txt")),
	    "buffering: written once TRACE_BUFMAX is reached (%lld), the "
	    "rest at the close (%lld)", (long long)sz,
	    (long long)fsize(tpath("b.txt")));
	/* SYN and SYN-ACK carry 8 bytes of options. */
	is_int(fsize(tpath("b.pcap")), PCAP_FILEHDR_LEN + 2 * 64 + 56 +
	    1100 * (56 + 100) + 1100 * 56, "buffering: the pcap has the "
	    "handshake and each chunk with its ACK");
	trace_close(tr);
}

/* A datagram from or to 198.51.100.N port P, checked in the pcap size. */
static size_t
dgram(struct trace_conn *c, int dir, int n, int port, const char *p,
    long usec)
{
	struct sockaddr_in	peer;
	char			host[32];

	snprintf(host, sizeof(host), "198.51.100.%d", n);
	in4(&peer, host, port);
	trace_dgram(c, dir, p, strlen(p), (struct sockaddr *)&peer,
	    sizeof(peer), at(usec));
	return (PCAP_RECHDR_LEN + 28 + strlen(p));
}

static void
test_udp(void)
{
	struct sockaddr_in6	 l;
	struct tracer		*tr;
	struct trace_conn	*c;
	struct sk_err		 e;
	char			*s, *last;
	size_t			 size = PCAP_FILEHDR_LEN;
	int			 i;

	tr = trace_open(tpath("u.txt"), NULL, tpath("u.pcap"), NULL, NULL,
	    &e);
	ok(tr != NULL, "udp: trace_open");
	if (tr == NULL)
		return;
	/* A dual-stack wildcard socket hearing IPv4 peers. */
	in6(&l, "::", 47123);
	c = trace_udp_open(tr, TRACE_NOID, (struct sockaddr *)&l, sizeof(l),
	    1);
	size += dgram(c, TRACE_IN, 1, 40001, "one", 1);
	size += dgram(c, TRACE_IN, 2, 40002, "two", 2);
	size += dgram(c, TRACE_OUT, 1, 40001, "1", 3);
	size += dgram(c, TRACE_IN, 3, 40003, "", 4);
	size += dgram(c, TRACE_OUT, 2, 40002, "2\n", 5);
	trace_flush(tr);
	s = slurp(tpath("u.txt"), NULL);
	is_str(s,
	    T0 "01Z #1 open :: port 47123 > 198.51.100.1 port 40001\n"
	    T0 "01Z #1 < 3 bytes\none\n"
	    T0 "02Z #2 open :: port 47123 > 198.51.100.2 port 40002\n"
	    T0 "02Z #2 < 3 bytes\ntwo\n"
	    T0 "03Z #1 > 1 bytes\n1\n"
	    T0 "04Z #3 open :: port 47123 > 198.51.100.3 port 40003\n"
	    T0 "04Z #3 < 0 bytes\n"
	    T0 "05Z #2 > 2 bytes\n2\\n\n",
	    "udp: one flow per peer, numbered in the text");
	free(s);
	/* Fill the table; peer 2 is used again, so peer 1 is the oldest. */
	for (i = 0; i < TRACE_FLOWS_MAX - 3; i++)
		size += dgram(c, TRACE_IN, 4, 41000 + i, "z", 6);
	size += dgram(c, TRACE_IN, 2, 40002, "again", 7);
	size += dgram(c, TRACE_IN, 5, 40005, "new", 8);
	size += dgram(c, TRACE_IN, 1, 40001, "back", 9);
	trace_conn_close(c);
	s = slurp(tpath("u.txt"), NULL);
	ok(strstr(s, T0 "07Z #2 < 5 bytes\nagain\n" T0 "08Z #1025 open :: "
	    "port 47123 > 198.51.100.5 port 40005\n") != NULL,
	    "udp: a remembered peer keeps its number");
	last = strstr(s, T0 "08Z #1025 < 3 bytes\nnew\n");
	is_str(last == NULL ? "" : last,
	    T0 "08Z #1025 < 3 bytes\nnew\n"
	    T0 "09Z #1026 open :: port 47123 > 198.51.100.1 port 40001\n"
	    T0 "09Z #1026 < 4 bytes\nback\n",
	    "udp: the least recent peer was forgotten, and comes back as a "
	    "new flow");
	free(s);
	is_int(fsize(tpath("u.pcap")), size, "udp: the pcap has a record "
	    "per datagram");
	trace_close(tr);
}

static void
test_errors(void)
{
	struct tracer	*tr;
	struct sk_err	 e;
	struct errs	 x = { 0 };
	char		*a, *b;
	size_t		 alen, blen;
	int		 i;

	if (access("/dev/full", W_OK) == -1) {
		ok(1, "# SKIP no /dev/full");
		return;
	}
	tr = trace_open("/dev/full", tpath("h1.hex"), tpath("e1.pcap"),
	    on_err, &x, &e);
	ok(tr != NULL, "errors: /dev/full opens");
	if (tr == NULL)
		return;
	for (i = 0; i < 40; i++)	/* more than TRACE_BUFMAX of text */
		small_conv(tr);
	is_int(x.n, 1, "errors: the failing file is reported once");
	is_str(x.msg, "trace /dev/full: No space left on device",
	    "errors: the message");
	trace_close(tr);
	is_int(x.n, 1, "errors: still once after the close");

	/* The other files are what they are without the failing one. */
	tr = trace_open(NULL, tpath("h2.hex"), tpath("e2.pcap"), on_err, &x,
	    &e);
	for (i = 0; i < 40; i++)
		small_conv(tr);
	trace_close(tr);
	a = slurp(tpath("e1.pcap"), &alen);
	b = slurp(tpath("e2.pcap"), &blen);
	ok(alen == blen && alen > 0 && memcmp(a, b, alen) == 0,
	    "errors: the pcap is complete beside a failing --trace");
	free(a);
	free(b);
	a = slurp(tpath("h1.hex"), &alen);
	b = slurp(tpath("h2.hex"), &blen);
	ok(alen == blen && alen > 0 && memcmp(a, b, alen) == 0,
	    "errors: the hexdump is complete beside a failing --trace");
	free(a);
	free(b);

	x.n = 0;
	tr = trace_open(NULL, NULL, "/dev/full", on_err, &x, &e);
	small_conv(tr);
	trace_close(tr);
	is_int(x.n, 1, "errors: a failing pcap file is reported once");
	is_str(x.msg, "trace /dev/full: No space left on device",
	    "errors: its message");
}

static void
test_open(void)
{
	struct tracer	*tr;
	struct sk_err	 e;
	struct stat	 st;
	FILE		*fp;
	off_t		 one;

	tr = trace_open(NULL, NULL, tpath("a.pcap"), NULL, NULL, &e);
	small_conv(tr);
	trace_close(tr);
	one = fsize(tpath("a.pcap"));
	tr = trace_open(NULL, NULL, tpath("a.pcap"), NULL, NULL, &e);
	small_conv(tr);
	trace_close(tr);
	is_int(fsize(tpath("a.pcap")), 2 * one - PCAP_FILEHDR_LEN,
	    "open: a second run appends records, not a second header");
	if ((fp = fopen(tpath("text"), "w")) == NULL)
		err(1, "text");
	fputs("not a capture\n", fp);
	fclose(fp);
	tr = trace_open(NULL, NULL, tpath("text"), NULL, NULL, &e);
	ok(tr == NULL, "open: a pcap is not appended to another file");
	if (tr == NULL)
		ok(strstr(e.msg, "/text: not a pcap file of raw IP packets "
		    "(LINKTYPE_RAW) to append to") != NULL, "open: says so: %s",
		    e.msg);
	tr = trace_open(NULL, NULL, "-", NULL, NULL, &e);
	ok(tr == NULL, "open: no pcap on stderr");
	tr = trace_open(tpath("no/such/dir"), NULL, NULL, NULL, NULL, &e);
	ok(tr == NULL && strstr(e.msg, "/no/such/dir: No such file or "
	    "directory") != NULL, "open: the reason why not");
	tr = trace_open(tpath("new.txt"), NULL, NULL, NULL, NULL, &e);
	trace_close(tr);
	ok(fsize(tpath("new.txt")) == 0, "open: an empty trace is an empty "
	    "file");
	ok(stat(tpath("new.txt"), &st) == 0 && (st.st_mode & 0777) == 0644,
	    "open: created 0644");
}

static void
hexline(FILE *fp, int sport, int dport, const unsigned char *p, size_t n)
{
	size_t	i;

	fprintf(fp, "%d\t%d\t", sport, dport);
	for (i = 0; i < n; i++)
		fprintf(fp, "%02x", p[i]);
	fputc('\n', fp);
}

/* udp: 60 datagrams between the local socket and three peers. */
static void
write_udp(struct tracer *tr, int fam, size_t size, FILE *out)
{
	struct sockaddr_storage	 l, p;
	struct trace_conn	*c;
	unsigned char		*buf;
	char			 host[64];
	size_t			 n;
	int			 i, dir, peer;

	if ((buf = malloc(size + 1)) == NULL)
		err(1, NULL);
	if (fam == 4)
		in4((struct sockaddr_in *)&l, "192.0.2.1", 47123);
	else
		in6((struct sockaddr_in6 *)&l, "2001:db8::1", 47123);
	c = trace_udp_open(tr, TRACE_NOID, (struct sockaddr *)&l,
	    sizeof(l), 1);
	for (i = 0; i < 60; i++) {
		dir = i % 2;
		peer = next_rand() % 3;
		if (fam == 4) {
			snprintf(host, sizeof(host), "198.51.100.%d", peer);
			in4((struct sockaddr_in *)&p, host, 40123 + peer);
		} else {
			snprintf(host, sizeof(host), "2001:db8:ffff::%d",
			    peer);
			in6((struct sockaddr_in6 *)&p, host, 40123 + peer);
		}
		n = i < 2 ? 0 : next_rand() % (size + 1);
		fill(buf, n);
		trace_dgram(c, dir, buf, n, (struct sockaddr *)&p, sizeof(p),
		    at(i));
		if (dir == TRACE_OUT)
			hexline(out, 47123, 40123 + peer, buf, n);
		else
			hexline(out, 40123 + peer, 47123, buf, n);
	}
	trace_conn_close(c);
	free(buf);
}

/* tcp and unix: as tests/unit/pcap-write does, through trace.h. */
static void
write_tcp(struct tracer *tr, int fam, int unix_, size_t size, FILE *copy[2])
{
	struct sockaddr_storage	 l, p;
	struct trace_conn	*c;
	unsigned char		*buf[2];
	socklen_t		 llen = sizeof(l), plen = sizeof(p);
	size_t			 sent[2] = { 0, 0 }, n;
	long			 t = 0;
	int			 dir;

	if (unix_) {
		llen = un((struct sockaddr_un *)&l, "/tmp/listen.sock");
		memset(&p, 0, sizeof(p));
		p.ss_family = AF_UNIX;
		plen = sizeof(sa_family_t);
	} else if (fam == 4) {
		in4((struct sockaddr_in *)&l, "192.0.2.1", 47123);
		in4((struct sockaddr_in *)&p, "198.51.100.7", 40123);
	} else {
		in6((struct sockaddr_in6 *)&l, "2001:db8::1", 47123);
		in6((struct sockaddr_in6 *)&p, "2001:db8:ffff::7", 40123);
	}
	for (dir = 0; dir < 2; dir++) {
		if ((buf[dir] = malloc(size + 1)) == NULL)
			err(1, NULL);
		fill(buf[dir], size);
	}
	c = trace_tcp_open(tr, TRACE_NOID, TRACE_IN, (struct sockaddr *)&l,
	    llen, (struct sockaddr *)&p, plen, at(t++));
	while (sent[0] < size || sent[1] < size) {
		/* The peer keeps half its bytes for after our FIN. */
		dir = next_rand() % 2;
		if (sent[dir] == size || (dir == TRACE_IN &&
		    sent[TRACE_OUT] < size && sent[TRACE_IN] >= size / 2))
			dir = !dir;
		n = next_rand() % 3 == 0 ? 1 + next_rand() % 200 :
		    1 + next_rand() % (200 * 1024);
		if (n > size - sent[dir])
			n = size - sent[dir];
		trace_chunk(c, dir, buf[dir] + sent[dir], n,
		    at(t++ % 1000000));
		if (fwrite(buf[dir] + sent[dir], 1, n, copy[dir]) != n)
			err(1, "write");
		sent[dir] += n;
		if (dir == TRACE_OUT && sent[dir] == size)
			trace_fin(c, TRACE_OUT, at(t++ % 1000000));
	}
	trace_fin(c, TRACE_IN, at(t % 1000000));
	trace_conn_close(c);
	free(buf[0]);
	free(buf[1]);
}

static int
write_main(int argc, char **argv)
{
	struct tracer	*tr;
	struct sk_err	 e;
	FILE		*copy[2];
	size_t		 size;
	int		 fam;

	if (argc != 8)
		errx(2, "usage: test-trace write tcp|unix|udp 4|6 SIZE FILE "
		    "OUT IN");
	fam = atoi(argv[3]);
	size = strtoul(argv[4], NULL, 10);
	if ((tr = trace_open(NULL, NULL, argv[5], NULL, NULL, &e)) == NULL)
		errx(1, "%s", e.msg);
	if ((copy[0] = fopen(argv[6], "wb")) == NULL ||
	    (copy[1] = fopen(argv[7], "wb")) == NULL)
		err(1, "fopen");
	if (strcmp(argv[2], "udp") == 0)
		write_udp(tr, fam, size, copy[0]);
	else
		write_tcp(tr, fam, strcmp(argv[2], "unix") == 0, size, copy);
	trace_close(tr);
	if (fclose(copy[0]) == EOF || fclose(copy[1]) == EOF)
		err(1, "close");
	return (0);
}

static int
rm_rf(void)
{
	char	cmd[sizeof(tmpdir) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return (system(cmd));
}

int
main(int argc, char **argv)
{
	int	rc;

	if (argc > 1 && strcmp(argv[1], "write") == 0)
		return (write_main(argc, argv));
	umask(022);
	if (mkdtemp(tmpdir) == NULL)
		err(1, "mkdtemp");
	test_small();
	test_round_trip();
	test_buffering();
	test_udp();
	test_errors();
	test_open();
	rc = done_testing();
	if (rm_rf() != 0)
		warnx("could not remove %s", tmpdir);
	return (rc);
}
