/*
 * Unit tests of the pure parsers in src/addr.h: ports and service names,
 * port lists and ranges, hosts with IPv6 brackets and scope ids, Unix and
 * abstract socket paths, durations.  Each parser is driven by a table of
 * inputs and what they must give: a value, or the exact reason text that
 * sockctl prints after the offending value.  Service names come from the
 * local /etc/services; nothing touches the network.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netdb.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "compat.h"
#include "log.h"
#include "tap.h"

#define E_DUR	"expected a number with an optional unit (ms, s, m, h)"
#define SUN_OFF	offsetof(struct sockaddr_un, sun_path)

/* Where the parsers put their reason. */
static struct sk_err e;

/* The reason a parser gave, or NULL when it succeeded. */
static const char *
reason(int rv)
{
	return (rv == -1 ? e.msg : NULL);
}

struct port_case {
	const char	*in;
	int		 port;
	const char	*err;
};

static const struct port_case port_cases[] = {
	{ "0",		0,	NULL },
	{ "1",		1,	NULL },
	{ "80",		80,	NULL },
	{ "00080",	80,	NULL },
	{ "65535",	65535,	NULL },
	{ "65536",	0,	"too large (0-65535)" },
	{ "70000",	0,	"too large (0-65535)" },
	{ "99999999999999999999", 0, "too large (0-65535)" },
	{ "-1",		0,	"too small (0-65535)" },
	{ "",		0,	"empty" },
	{ "http",	80,	NULL },
	{ "www",	80,	NULL },		/* an alias */
	{ "ssh",	22,	NULL },
	{ "http-alt",	8080,	NULL },		/* a name with a dash */
	{ "nosuchsvc",	0,	"unknown service name" },
	{ "8x",		0,	"unknown service name" },
	{ "+80",	0,	"not a number or a service name" },
	{ " 80",	0,	"not a number or a service name" },
	{ "80 ",	0,	"not a number or a service name" },
	{ "8.0",	0,	"not a number or a service name" },
	{ "http/tcp",	0,	"not a number or a service name" },
};

static void
test_port(void)
{
	const struct port_case *t;
	const char	*why;
	int		 port;

	for (t = port_cases; t < port_cases + nitems(port_cases); t++) {
		port = -42;
		why = reason(addr_parse_port(t->in, &port, &e));
		is_str(why, t->err, "port '%s': %s", t->in,
		    t->err != NULL ? t->err : "accepted");
		if (t->err == NULL)
			is_int(port, t->port, "port '%s' is %d", t->in,
			    t->port);
	}
}

struct list_case {
	const char	*in;
	const char	*err;
	size_t		 nranges;
	size_t		 nports;
	struct port_range ranges[4];
};

static const struct list_case list_cases[] = {
	{ "22,80,8000-8010", NULL, 3, 13,
	    { { 22, 22 }, { 80, 80 }, { 8000, 8010 } } },
	{ "80", NULL, 1, 1, { { 80, 80 } } },
	{ "5-5", NULL, 1, 1, { { 5, 5 } } },
	{ "0-65535", NULL, 1, 65536, { { 0, 65535 } } },
	{ "1-65535,0", NULL, 2, 65536, { { 1, 65535 }, { 0, 0 } } },
	{ "80,80", NULL, 2, 2, { { 80, 80 }, { 80, 80 } } },
	{ "http,ssh", NULL, 2, 2, { { 80, 80 }, { 22, 22 } } },
	{ "http-alt", NULL, 1, 1, { { 8080, 8080 } } },
	{ "http-alt,9000-9001", NULL, 2, 3, { { 8080, 8080 }, { 9000, 9001 } } },
	{ "10-5", "range start is after its end", 0, 0, { { 0, 0 } } },
	{ "1,,2", "empty item", 0, 0, { { 0, 0 } } },
	{ "1,", "empty item", 0, 0, { { 0, 0 } } },
	{ ",1", "empty item", 0, 0, { { 0, 0 } } },
	{ "", "empty", 0, 0, { { 0, 0 } } },
	{ "0-65535,1", "more than 65536 ports", 0, 0, { { 0, 0 } } },
	{ "0-65535,0-65535", "more than 65536 ports", 0, 0, { { 0, 0 } } },
	{ "1-70000", "too large (0-65535)", 0, 0, { { 0, 0 } } },
	{ "70000-70001", "too large (0-65535)", 0, 0, { { 0, 0 } } },
	{ "22,65536", "too large (0-65535)", 0, 0, { { 0, 0 } } },
	{ "-5", "too small (0-65535)", 0, 0, { { 0, 0 } } },
	{ "nosuchsvc", "unknown service name", 0, 0, { { 0, 0 } } },
	{ "x-5", "unknown service name", 0, 0, { { 0, 0 } } },
	{ "5-", "unknown service name", 0, 0, { { 0, 0 } } },
	{ "22 80", "not a number or a service name", 0, 0, { { 0, 0 } } },
};

static void
test_port_list(void)
{
	const struct list_case *t;
	struct port_list pl;
	const char	*why;
	size_t		 i;
	int		 same;

	for (t = list_cases; t < list_cases + nitems(list_cases); t++) {
		memset(&pl, 0xa5, sizeof(pl));
		why = reason(addr_parse_port_list(t->in, &pl, &e));
		is_str(why, t->err, "port list '%s': %s", t->in,
		    t->err != NULL ? t->err : "accepted");
		if (t->err != NULL) {
			ok(pl.ranges == NULL && pl.nranges == 0 &&
			    pl.nports == 0,
			    "port list '%s' is left empty on error", t->in);
			continue;
		}
		is_int(pl.nranges, t->nranges, "port list '%s' has %zu ranges",
		    t->in, t->nranges);
		is_int(pl.nports, t->nports, "port list '%s' has %zu ports",
		    t->in, t->nports);
		same = pl.nranges == t->nranges;
		for (i = 0; same && i < pl.nranges; i++)
			if (pl.ranges[i].lo != t->ranges[i].lo ||
			    pl.ranges[i].hi != t->ranges[i].hi)
				same = 0;
		ok(same, "port list '%s' ranges in order", t->in);
		addr_free_port_list(&pl);
		ok(pl.ranges == NULL && pl.nranges == 0 && pl.nports == 0,
		    "addr_free_port_list empties '%s'", t->in);
	}
}

struct host_case {
	const char	*in;
	const char	*out;
	const char	*err;
};

static const struct host_case host_cases[] = {
	{ "localhost",		"localhost",		NULL },
	{ "example.com",	"example.com",		NULL },
	{ "a-b_c.example",	"a-b_c.example",	NULL },
	{ "127.0.0.1",		"127.0.0.1",		NULL },
	{ "0.0.0.0",		"0.0.0.0",		NULL },
	{ "::",			"::",			NULL },
	{ "::1",		"::1",			NULL },
	{ "2001:db8::1",	"2001:db8::1",		NULL },
	{ "fe80::1%eth0",	"fe80::1%eth0",		NULL },
	{ "[::1]",		"::1",			NULL },
	{ "[::]",		"::",			NULL },
	{ "[2001:db8::1]",	"2001:db8::1",		NULL },
	{ "[fe80::1%eth0]",	"fe80::1%eth0",		NULL },
	{ "[::ffff:1.2.3.4]",	"::ffff:1.2.3.4",	NULL },
	{ "",		NULL,	"empty host" },
	{ "[::1",	NULL,	"unbalanced brackets" },
	{ "::1]",	NULL,	"unbalanced brackets" },
	{ "[",		NULL,	"unbalanced brackets" },
	{ "[]",		NULL,	"unbalanced brackets" },
	{ "[[::1]]",	NULL,	"unbalanced brackets" },
	{ "[::1]]",	NULL,	"unbalanced brackets" },
	{ "[::1]:80",	NULL,	"unbalanced brackets" },
	{ "a[b]c",	NULL,	"unbalanced brackets" },
	{ "[1.2.3.4]",	NULL,	"brackets hold an IPv6 address" },
	{ "[localhost]", NULL,	"brackets hold an IPv6 address" },
	{ "local host",	NULL,	"contains white space or control characters" },
	{ " localhost",	NULL,	"contains white space or control characters" },
	{ "localhost ",	NULL,	"contains white space or control characters" },
	{ "local\thost", NULL,	"contains white space or control characters" },
	{ "local\nhost", NULL,	"contains white space or control characters" },
	{ "local\001host", NULL, "contains white space or control characters" },
	{ "local\177host", NULL, "contains white space or control characters" },
};

/* Control characters would break a TAP line: show them as \ooo. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	size_t	n = 0;

	for (; *s != '\0' && n + 5 < len; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			n += (size_t)snprintf(buf + n, len - n, "\\%03o",
			    (unsigned char)*s);
		else
			buf[n++] = *s;
	}
	buf[n] = '\0';
	return (buf);
}

static void
test_host(void)
{
	const struct host_case *t;
	const char	*why;
	char		 out[NI_MAXHOST], shown[64];

	for (t = host_cases; t < host_cases + nitems(host_cases); t++) {
		strlcpy(out, "untouched", sizeof(out));
		why = reason(addr_parse_host(t->in, out, sizeof(out), &e));
		printable(t->in, shown, sizeof(shown));
		is_str(why, t->err, "host '%s': %s", shown,
		    t->err != NULL ? t->err : "accepted");
		if (t->err == NULL)
			is_str(out, t->out, "host '%s' gives '%s'", shown,
			    t->out);
	}

	/* The output buffer bounds the result, NUL included. */
	is_str(reason(addr_parse_host("localhost", out, 10, &e)), NULL,
	    "host: 9 bytes fit a 10-byte buffer");
	is_str(out, "localhost", "host: ... and are copied");
	is_str(reason(addr_parse_host("localhost", out, 9, &e)), "too long",
	    "host: 9 bytes do not fit a 9-byte buffer");
	is_str(reason(addr_parse_host("[::1]", out, 4, &e)), NULL,
	    "host: '[::1]' fits a 4-byte buffer without its brackets");
	is_str(out, "::1", "host: ... and is copied without them");
	is_str(reason(addr_parse_host("[::1]", out, 3, &e)), "too long",
	    "host: '[::1]' does not fit a 3-byte buffer");

	/* Inside brackets, white space is no more an address than outside. */
	strlcpy(out, "untouched", sizeof(out));
	is_str(reason(addr_parse_host("[:: 1]", out, sizeof(out), &e)),
	    "contains white space or control characters",
	    "host '[:: 1]' refused like ':: 1'");
}

struct endpoint_case {
	const char	*in;
	const char	*host;	/* as parsed, brackets stripped */
	int		 port;
	size_t		 written;	/* HOST's length as written */
	const char	*err;
};

static const struct endpoint_case endpoint_cases[] = {
	{ "example.com:80",	"example.com",	80,	11,	NULL },
	{ "127.0.0.1:8000",	"127.0.0.1",	8000,	9,	NULL },
	{ "localhost:http",	"localhost",	80,	9,	NULL },
	{ "[::1]:443",		"::1",		443,	5,	NULL },
	{ "[fe80::1%eth0]:22",	"fe80::1%eth0",	22,	14,	NULL },
	{ "host:0",		"host",		0,	4,	NULL },
	{ "example.com",	NULL, 0, 0,	"expected HOST:PORT" },
	{ "::1",		NULL, 0, 0,
	    "expected HOST:PORT (an IPv6 address needs brackets)" },
	{ "fe80::1:80",		NULL, 0, 0,
	    "expected HOST:PORT (an IPv6 address needs brackets)" },
	{ "[::1]",		NULL, 0, 0,	"expected [ADDRESS]:PORT" },
	{ "[::1]80",		NULL, 0, 0,	"expected [ADDRESS]:PORT" },
	{ ":80",		NULL, 0, 0,	"empty host" },
	{ "host:",		NULL, 0, 0,	"empty" },
	{ "host:70000",		NULL, 0, 0,	"too large (0-65535)" },
	{ "host:8x",		NULL, 0, 0,	"unknown service name" },
	{ "[1.2.3.4]:80",	NULL, 0, 0,
	    "brackets hold an IPv6 address" },
	{ "my host:80",		NULL, 0, 0,
	    "contains white space or control characters" },
};

static void
test_endpoint(void)
{
	const struct endpoint_case *t;
	char		 host[64];
	const char	*why;
	size_t		 written;
	int		 port;

	for (t = endpoint_cases; t < endpoint_cases + nitems(endpoint_cases);
	    t++) {
		port = -1;
		written = 0;
		host[0] = '\0';
		why = reason(addr_parse_endpoint(t->in, host, sizeof(host),
		    &port, &written, &e));
		is_str(why, t->err, "endpoint '%s': %s", t->in,
		    t->err != NULL ? t->err : "accepted");
		if (t->err != NULL)
			continue;
		is_str(host, t->host, "endpoint '%s': host '%s'", t->in,
		    t->host);
		is_int(port, t->port, "endpoint '%s': port %d", t->in,
		    t->port);
		is_int(written, t->written, "endpoint '%s': HOST is %zu bytes",
		    t->in, t->written);
	}
	is_str(reason(addr_parse_endpoint("example.com:80", host, 5, &port,
	    &written, &e)), "too long",
	    "endpoint: a host too long for the buffer");
}

struct ep_case {
	const char	*in;
	int		 flags;
	enum addr_ep_kind kind;
	const char	*host;	/* ADDR_EP_INET */
	int		 port;
	const char	*path;	/* ADDR_EP_UNIX */
	const char	*err;
};

#define L	ADDR_EP_LISTEN
#define EI	ADDR_EP_INET
#define EU	ADDR_EP_UNIX
static const struct ep_case ep_cases[] = {
	{ "8080",		L, EI, "",		8080,	NULL, NULL },
	{ "http",		L, EI, "",		80,	NULL, NULL },
	{ "0.0.0.0:8080",	L, EI, "0.0.0.0",	8080,	NULL, NULL },
	{ "[::1]:8080",		L, EI, "::1",		8080,	NULL, NULL },
	{ "[::]:0",		L, EI, "::",		0,	NULL, NULL },
	{ "10.0.0.2:80",	0, EI, "10.0.0.2",	80,	NULL, NULL },
	{ "db.internal:5432",	0, EI, "db.internal",	5432,	NULL, NULL },
	{ "[fe80::1%eth0]:22",	0, EI, "fe80::1%eth0",	22,	NULL, NULL },
	{ "unix:/var/run/docker.sock", 0, EU, "", -1,
	    "/var/run/docker.sock", NULL },
	{ "unix:/tmp/pg.sock",	L, EU, "", -1,	"/tmp/pg.sock", NULL },
	{ "unix:@name",		L, EU, "",		-1,	"@name", NULL },
	{ "unix:rel:colon",	0, EU, "",		-1, "rel:colon", NULL },
	{ "8080",		0, EI, NULL, 0, NULL,
	    "expected HOST:PORT or unix:PATH" },
	{ "db.internal",	0, EI, NULL, 0, NULL,
	    "expected HOST:PORT or unix:PATH" },
	{ "db.internal",	L, EI, NULL, 0, NULL,
	    "not a number or a service name" },
	{ "70000",		L, EI, NULL, 0, NULL, "too large (0-65535)" },
	{ "",			L, EI, NULL, 0, NULL, "empty" },
	{ "::1",		L, EI, NULL, 0, NULL,
	    "expected HOST:PORT (an IPv6 address needs brackets)" },
	{ "[::1]",		0, EI, NULL, 0, NULL,
	    "expected [ADDRESS]:PORT" },
	{ ":80",		0, EI, NULL, 0, NULL, "empty host" },
	{ "host:",		0, EI, NULL, 0, NULL, "empty" },
	{ "unix:",		0, EU, NULL, 0, NULL, "empty path" },
	{ "unix:@",		L, EU, NULL, 0, NULL, "empty abstract name" },
};
#undef L
#undef EI
#undef EU

static void
test_ep(void)
{
	const struct ep_case *t;
	struct addr_ep	 ep;
	char		 longpath[200];
	const char	*why;

	for (t = ep_cases; t < ep_cases + nitems(ep_cases); t++) {
		why = reason(addr_parse_ep(t->in, t->flags, &ep, &e));
		is_str(why, t->err, "ep '%s'%s: %s", t->in,
		    t->flags ? " (listen)" : "",
		    t->err != NULL ? t->err : "accepted");
		if (t->err != NULL)
			continue;
		is_int(ep.kind, t->kind, "ep '%s': kind %d", t->in, t->kind);
		is_int(ep.port, t->port, "ep '%s': port %d", t->in, t->port);
		if (t->kind == ADDR_EP_INET)
			is_str(ep.host, t->host, "ep '%s': host '%s'", t->in,
			    t->host);
		else
			is_str(ep.path, t->path, "ep '%s': path '%s'", t->in,
			    t->path);
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(longpath, "unix:/", 6);
	is_str(reason(addr_parse_ep(longpath, 0, &ep, &e)),
	    "too long (at most 107 bytes)", "ep: a Unix path too long");
}

static void
test_unix(void)
{
	struct sockaddr_un sun;
	socklen_t	 len;
	char		 path[sizeof(sun.sun_path) + 8];
	const char	*why;

	len = 0;
	why = reason(addr_parse_unix("/tmp/sockctl.sock", &sun, &len, &e));
	is_str(why, NULL, "unix '/tmp/sockctl.sock' accepted");
	is_int(sun.sun_family, AF_UNIX, "unix: family AF_UNIX");
	is_str(sun.sun_path, "/tmp/sockctl.sock", "unix: path copied");
	is_int(len, SUN_OFF + strlen("/tmp/sockctl.sock") + 1,
	    "unix: length counts the path and its NUL");

	why = reason(addr_parse_unix("sock", &sun, &len, &e));
	is_str(why, NULL, "unix: relative path 'sock' accepted");
	is_int(len, SUN_OFF + 5, "unix: 'sock' length");

	/* 107 bytes and the NUL fill sun_path; 108 do not fit. */
	memset(path, 'a', sizeof(path));
	path[0] = '/';
	path[107] = '\0';
	why = reason(addr_parse_unix(path, &sun, &len, &e));
	is_str(why, NULL, "unix: a 107-byte path is accepted");
	is_int(len, SUN_OFF + 108, "unix: 107-byte path length");
	ok(memcmp(sun.sun_path, path, 108) == 0,
	    "unix: 107-byte path copied with its NUL");
	path[107] = 'a';
	path[108] = '\0';
	is_str(reason(addr_parse_unix(path, &sun, &len, &e)),
	    "too long (at most 107 bytes)", "unix: a 108-byte path is refused");

	why = reason(addr_parse_unix("@name", &sun, &len, &e));
	is_str(why, NULL, "unix: abstract '@name' accepted");
	is_int(sun.sun_family, AF_UNIX, "unix: abstract family AF_UNIX");
	is_int(sun.sun_path[0], 0, "unix: abstract sun_path[0] is NUL");
	ok(memcmp(sun.sun_path + 1, "name", 4) == 0,
	    "unix: abstract name follows the NUL");
	is_int(len, SUN_OFF + 5,
	    "unix: abstract length is the NUL and the name, no trailing NUL");

	/* An abstract name may use all of sun_path: '@' and 107 bytes. */
	memset(path, 'b', sizeof(path));
	path[0] = '@';
	path[108] = '\0';
	why = reason(addr_parse_unix(path, &sun, &len, &e));
	is_str(why, NULL, "unix: '@' and 107 bytes accepted");
	is_int(len, sizeof(struct sockaddr_un),
	    "unix: '@' and 107 bytes fill sockaddr_un");
	ok(sun.sun_path[0] == '\0' && sun.sun_path[107] == 'b',
	    "unix: long abstract name copied to the end");
	path[108] = 'b';
	path[109] = '\0';
	is_str(reason(addr_parse_unix(path, &sun, &len, &e)),
	    "too long (at most 107 bytes after '@')",
	    "unix: '@' and 108 bytes refused");

	is_str(reason(addr_parse_unix("@", &sun, &len, &e)),
	    "empty abstract name", "unix: '@' alone refused");
	is_str(reason(addr_parse_unix("", &sun, &len, &e)), "empty path",
	    "unix: empty path refused");
}

struct dur_case {
	const char	*in;
	long long	 ms;
	const char	*err;
};

static const struct dur_case dur_cases[] = {
	{ "2",		2000,		NULL },
	{ "1.5",	1500,		NULL },
	{ "250ms",	250,		NULL },
	{ "3s",		3000,		NULL },
	{ "2m",		120000,		NULL },
	{ "1h",		3600000,	NULL },
	{ "0",		0,		NULL },
	{ "0s",		0,		NULL },
	{ "0ms",	0,		NULL },
	{ "0.0",	0,		NULL },
	{ ".5",		500,		NULL },
	{ "1.",		1000,		NULL },
	{ "0.25m",	15000,		NULL },
	{ "0.5h",	1800000,	NULL },
	{ "007",	7000,		NULL },
	{ "0.0001",	1,		NULL },	/* rounds up, never to 0 */
	{ "0.000001",	1,		NULL },
	{ "0.000000001", 1,		NULL },
	{ "0.0011",	2,		NULL },
	{ "1.5ms",	2,		NULL },
	{ "0.5ms",	1,		NULL },
	{ "8760h",	ADDR_DURATION_MAX, NULL },	/* a year */
	{ "31536000s",	ADDR_DURATION_MAX, NULL },
	{ "8761h",	0,	"too large" },
	{ "8760.5h",	0,	"too large" },
	{ "31536000001ms", 0,	"too large" },
	{ "99999999999h", 0,	"too large" },
	{ "99999999999999999999999999", 0, "too large" },
	{ "",		0,	E_DUR },
	{ "x",		0,	E_DUR },
	{ "5x",		0,	E_DUR },
	{ "-1",		0,	E_DUR },
	{ "+1",		0,	E_DUR },
	{ "1.5.5",	0,	E_DUR },
	{ "1e3",	0,	E_DUR },
	{ ".",		0,	E_DUR },
	{ "ms",		0,	E_DUR },
	{ "s",		0,	E_DUR },
	{ " 1",		0,	E_DUR },
	{ "1 ",		0,	E_DUR },
	{ "1 s",	0,	E_DUR },
	{ "1S",		0,	E_DUR },
	{ "1sec",	0,	E_DUR },
	{ "1d",		0,	E_DUR },
	{ "1ms5",	0,	E_DUR },
	{ "0x10",	0,	E_DUR },
	{ "1,5",	0,	E_DUR },
};

static void
test_duration(void)
{
	const struct dur_case *t;
	const char	*why;
	long long	 ms;

	for (t = dur_cases; t < dur_cases + nitems(dur_cases); t++) {
		ms = -42;
		why = reason(addr_parse_duration(t->in, &ms, &e));
		is_str(why, t->err, "duration '%s': %s", t->in,
		    t->err != NULL ? t->err : "accepted");
		if (t->err == NULL)
			is_int(ms, t->ms, "duration '%s' is %lld ms", t->in,
			    t->ms);
	}

	/* Digits past the ninth decimal are dropped before rounding up. */
	ms = -42;
	is_str(reason(addr_parse_duration("0.0000000001", &ms, &e)), NULL,
	    "duration '0.0000000001' accepted");
	is_int(ms, 1, "duration '0.0000000001' rounds up to 1 ms");
}

int
main(void)
{
	test_port();
	test_port_list();
	test_host();
	test_endpoint();
	test_ep();
	test_unix();
	test_duration();
	return (done_testing());
}
