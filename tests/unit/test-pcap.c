/*
 * Unit tests of src/pcap.h: the Internet checksum against RFC 1071's
 * example and a textbook IPv4 header; whole packets byte for byte against
 * goldens computed by an independent implementation (a Python script of
 * struct.pack and its own checksum: IPv4 SYN with options, IPv4 data,
 * UDP over IPv4 and IPv6); every packet's checksums re-verified by summing
 * pseudo-header, header and payload to zero; sequence and acknowledgement
 * numbers and flags across a conversation with a half-close each way and
 * one ended by a reset; a 200 KiB chunk split at the IP limits; UDP caps;
 * address handling (IPv4-mapped, mixed or Unix families refused).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "pcap.h"
#include "tap.h"

#define F_FIN	0x01
#define F_SYN	0x02
#define F_RST	0x04
#define F_PSH	0x08
#define F_ACK	0x10

static const struct timeval tv0 = { 1795000000, 123456 };

static uint16_t
get16(const unsigned char *p)
{
	return ((uint16_t)(p[0] << 8 | p[1]));
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

/* The IP packet of a record, header and payload joined. */
static unsigned char *
packet(const struct pcap_rec *r, size_t *len)
{
	unsigned char	*p;

	*len = r->hdrlen - PCAP_RECHDR_LEN + r->datalen;
	if ((p = malloc(*len + 1)) == NULL)
		abort();
	memcpy(p, r->hdr + PCAP_RECHDR_LEN, r->hdrlen - PCAP_RECHDR_LEN);
	if (r->datalen > 0)
		memcpy(p + r->hdrlen - PCAP_RECHDR_LEN, r->data, r->datalen);
	return (p);
}

/*
 * Checks a record on its own: pcap lengths, IP length fields, and that
 * the IPv4 header and the TCP/UDP checksums verify (sum to 0xffff, so
 * pcap_cksum gives 0).  Returns the offset of the upper-layer header in
 * the packet, or 0 on failure.
 */
static size_t
verify(const struct pcap_rec *r)
{
	unsigned char	*p, *ph;
	size_t		 len, iphl, l4len;
	uint32_t	 incl, orig;
	int		 proto, good = 1;

	p = packet(r, &len);
	memcpy(&incl, r->hdr + 8, 4);
	memcpy(&orig, r->hdr + 12, 4);
	if (incl != len || orig != len)
		good = 0;
	if (p[0] >> 4 == 4) {
		iphl = 20;
		if (get16(p + 2) != len || pcap_cksum(p, 20) != 0 ||
		    p[8] != 64)
			good = 0;
		proto = p[9];
		l4len = len - 20;
		if ((ph = malloc(12 + l4len)) == NULL)
			abort();
		memcpy(ph, p + 12, 8);
		ph[8] = 0;
		ph[9] = (unsigned char)proto;
		ph[10] = (unsigned char)(l4len >> 8);
		ph[11] = l4len & 0xff;
		memcpy(ph + 12, p + 20, l4len);
		if (pcap_cksum(ph, 12 + l4len) != 0)
			good = 0;
	} else {
		iphl = 40;
		if (get16(p + 4) != len - 40 || p[7] != 64)
			good = 0;
		proto = p[6];
		l4len = len - 40;
		if ((ph = malloc(40 + l4len)) == NULL)
			abort();
		memcpy(ph, p + 8, 32);
		ph[32] = 0;
		ph[33] = 0;
		ph[34] = (unsigned char)(l4len >> 8);
		ph[35] = l4len & 0xff;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = (unsigned char)proto;
		memcpy(ph + 40, p + 40, l4len);
		if (pcap_cksum(ph, 40 + l4len) != 0)
			good = 0;
	}
	if (proto == IPPROTO_UDP && (get16(p + iphl + 4) != l4len ||
	    get16(p + iphl + 6) == 0))
		good = 0;
	free(ph);
	free(p);
	return (good ? PCAP_RECHDR_LEN + iphl : 0);
}

struct seg {
	uint32_t	 seq;
	uint32_t	 ack;
	int		 flags;
	size_t		 len;
	uint16_t	 sport;
};

static struct seg
tcp_of(const struct pcap_rec *r)
{
	struct seg		 s;
	const unsigned char	*t;
	size_t			 off;

	memset(&s, 0, sizeof(s));
	if ((off = verify(r)) == 0) {
		s.flags = -1;
		return (s);
	}
	t = r->hdr + off;
	s.sport = get16(t);
	s.seq = get32(t + 4);
	s.ack = get32(t + 8);
	s.flags = t[13];
	s.len = r->datalen;
	return (s);
}

static void
sin_of(struct sockaddr_storage *ss, const char *a, int port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(a, ':') == NULL) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		inet_pton(AF_INET, a, &sin->sin_addr);
	} else {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, a, &sin6->sin6_addr);
	}
}

static int
flow(struct pcap_flow *f, int proto, const char *a, int pa, const char *b,
    int pb)
{
	struct sockaddr_storage	l, p;

	sin_of(&l, a, pa);
	sin_of(&p, b, pb);
	return (pcap_flow_init(f, proto, (struct sockaddr *)&l,
	    (struct sockaddr *)&p));
}

static int
same_packet(const struct pcap_rec *r, const char *want, size_t wlen)
{
	unsigned char	*p;
	size_t		 len;
	int		 same;

	p = packet(r, &len);
	same = len == wlen && memcmp(p, want, len) == 0;
	if (!same) {
		diag("got %zu bytes, want %zu", len, wlen);
	}
	free(p);
	return (same);
}

static void
test_cksum(void)
{
	static const unsigned char rfc1071[] = {
	    0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	/* The header in Wikipedia's "IPv4 header checksum" example. */
	unsigned char	ip[] = {
	    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	    0x00, 0x00, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	static const unsigned char odd[] = { 0x12, 0x34, 0x56 };

	is_int(pcap_cksum(rfc1071, sizeof(rfc1071)), 0x220d,
	    "cksum: RFC 1071 example (sum ddf2)");
	is_int(pcap_cksum(ip, sizeof(ip)), 0xb861, "cksum: IPv4 header");
	ip[10] = 0xb8;
	ip[11] = 0x61;
	is_int(pcap_cksum(ip, sizeof(ip)), 0, "cksum: verifies to 0");
	is_int(pcap_cksum(odd, 3), (uint16_t)~(0x1234 + 0x5600),
	    "cksum: an odd byte is padded with zero");
	is_int(pcap_cksum(NULL, 0), 0xffff, "cksum: nothing");
}

static void
test_file_header(void)
{
	unsigned char	h[PCAP_FILEHDR_LEN];
	uint32_t	v32;
	uint16_t	v16;

	pcap_file_header(h);
	memcpy(&v32, h, 4);
	is_int(v32, 0xa1b2c3d4, "file: microsecond magic, host order");
	memcpy(&v16, h + 4, 2);
	is_int(v16, 2, "file: version major 2");
	memcpy(&v16, h + 6, 2);
	is_int(v16, 4, "file: version minor 4");
	memcpy(&v32, h + 8, 4);
	is_int(v32, 0, "file: thiszone");
	memcpy(&v32, h + 12, 4);
	is_int(v32, 0, "file: sigfigs");
	memcpy(&v32, h + 16, 4);
	is_int(v32, 262144, "file: snaplen");
	memcpy(&v32, h + 20, 4);
	is_int(v32, 101, "file: LINKTYPE_RAW");
}

static void
test_golden(void)
{
	struct pcap_flow f;
	struct pcap_rec	 r[3], d;
	uint32_t	 v32;

	ok(flow(&f, IPPROTO_TCP, "192.0.2.1", 8080, "198.51.100.7", 40123)
	    == 0, "golden: tcp flow");
	is_int(pcap_tcp_open(&f, PCAP_OUT, &tv0, r), 3, "golden: open, 3");
	ok(same_packet(&r[0],
	    "\x45\x00\x00\x30\x00\x01\x40\x00\x40\x06\x4e\x8b\xc0\x00\x02"
	    "\x01\xc6\x33\x64\x07\x1f\x90\x9c\xbb\x10\x00\xa0\x00\x00\x00"
	    "\x00\x00\x70\x02\xff\xff\x31\x65\x00\x00\x02\x04\xff\xd7\x01"
	    "\x03\x03\x0e", 48), "golden: IPv4 SYN with MSS and WS");
	memcpy(&v32, r[0].hdr, 4);
	is_int(v32, tv0.tv_sec, "golden: record seconds");
	memcpy(&v32, r[0].hdr + 4, 4);
	is_int(v32, tv0.tv_usec, "golden: record microseconds");
	is_int(pcap_tcp_data(&f, PCAP_OUT, "hello\n", 6, &tv0, &d), 1,
	    "golden: data, 1 record");
	ok(d.data != NULL && memcmp(d.data, "hello\n", 6) == 0 &&
	    d.datalen == 6, "golden: payload by reference");
	ok(same_packet(&d,
	    "\x45\x00\x00\x2e\x00\x03\x40\x00\x40\x06\x4e\x8b\xc0\x00\x02"
	    "\x01\xc6\x33\x64\x07\x1f\x90\x9c\xbb\x10\x00\xa0\x01\x20\x00"
	    "\xb0\x01\x50\x18\xff\xff\x43\x5f\x00\x00\x68\x65\x6c\x6c\x6f"
	    "\x0a", 46), "golden: IPv4 PSH|ACK with data, IP id 3");

	ok(flow(&f, IPPROTO_UDP, "192.0.2.1", 8080, "198.51.100.7", 40123)
	    == 0, "golden: udp flow");
	is_int(pcap_udp(&f, PCAP_OUT, "ping", 4, &tv0, &d), 1,
	    "golden: udp, 1 record");
	ok(same_packet(&d,
	    "\x45\x00\x00\x20\x00\x01\x40\x00\x40\x11\x4e\x90\xc0\x00\x02"
	    "\x01\xc6\x33\x64\x07\x1f\x90\x9c\xbb\x00\x0c\x78\x7d\x70\x69"
	    "\x6e\x67", 32), "golden: UDP over IPv4");

	ok(flow(&f, IPPROTO_UDP, "2001:db8::1", 8080, "2001:db8:ffff::7",
	    40123) == 0, "golden: udp6 flow");
	pcap_udp(&f, PCAP_IN, "hi", 2, &tv0, &d);
	ok(same_packet(&d,
	    "\x60\x00\x00\x00\x00\x0a\x11\x40\x20\x01\x0d\xb8\xff\xff\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x07\x20\x01\x0d\xb8\x00\x00"
	    "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x9c\xbb\x1f\x90\x00"
	    "\x0a\x7f\xab\x68\x69", 50),
	    "golden: UDP over IPv6, from the peer");
}

#define SEG(r, s, a, fl, n, what) do {					\
	struct seg _s;							\
									\
	_s = tcp_of(r);							\
	if (!ok(_s.seq == (uint32_t)(s) && _s.ack == (uint32_t)(a) &&	\
	    _s.flags == (fl) && _s.len == (n), "%s", what))		\
		diag("seq %x ack %x flags %x len %zu", _s.seq, _s.ack,	\
		    _s.flags, _s.len);					\
} while (0)

/*
 * A conversation with the peer opening (listen), data both ways, the
 * local side's half-close, more from the peer, then its FIN; the ISNs
 * set near 2^32 so that the numbers wrap.
 */
static void
test_sequence(const char *a, const char *b)
{
	struct pcap_flow f;
	struct pcap_rec	 r[3];
	uint32_t	 o, i;
	char		 buf[100];

	memset(buf, 'x', sizeof(buf));
	flow(&f, IPPROTO_TCP, a, 1, b, 2);
	o = f.isn[PCAP_OUT] = 0xfffffff0U;
	i = f.isn[PCAP_IN] = 0x7fffffffU;
	is_int(pcap_tcp_open(&f, PCAP_IN, &tv0, r), 3, "seq %s: open", a);
	SEG(&r[0], i, 0, F_SYN, 0, "seq: SYN from the peer");
	is_int(tcp_of(&r[0]).sport, 2, "seq: SYN from the peer's port");
	SEG(&r[1], o, i + 1, F_SYN | F_ACK, 0, "seq: SYN-ACK");
	SEG(&r[2], i + 1, o + 1, F_ACK, 0, "seq: ACK");
	o++;
	i++;
	is_int(pcap_tcp_ack(&f, PCAP_IN, &tv0, r), 0,
	    "seq: nothing to acknowledge");

	pcap_tcp_data(&f, PCAP_OUT, buf, 100, &tv0, r);
	SEG(&r[0], o, i, F_PSH | F_ACK, 100, "seq: 100 out");
	o += 100;
	pcap_tcp_data(&f, PCAP_IN, buf, 50, &tv0, r);
	SEG(&r[0], i, o, F_PSH | F_ACK, 50, "seq: 50 in acks the 100");
	i += 50;
	pcap_tcp_data(&f, PCAP_IN, buf, 7, &tv0, r);
	SEG(&r[0], i, o, F_PSH | F_ACK, 7, "seq: 7 more in");
	i += 7;
	is_int(pcap_tcp_ack(&f, PCAP_OUT, &tv0, r), 1, "seq: pure ACK");
	SEG(&r[0], o, i, F_ACK, 0, "seq: pure ACK of 57");
	is_int(pcap_tcp_ack(&f, PCAP_OUT, &tv0, r), 0, "seq: acked once");
	pcap_tcp_data(&f, PCAP_OUT, buf, 10, &tv0, r);
	SEG(&r[0], o, i, F_PSH | F_ACK, 10, "seq: 10 out across 2^32");
	o += 10;
	is_int(pcap_tcp_fin(&f, PCAP_OUT, &tv0, r), 1, "seq: half-close");
	SEG(&r[0], o, i, F_FIN | F_ACK, 0, "seq: FIN out");
	o++;
	is_int(pcap_tcp_data(&f, PCAP_OUT, buf, 1, &tv0, r), 0,
	    "seq: no data after FIN");
	is_int(pcap_tcp_fin(&f, PCAP_OUT, &tv0, r), 0, "seq: one FIN");
	pcap_tcp_data(&f, PCAP_IN, buf, 5, &tv0, r);
	SEG(&r[0], i, o, F_PSH | F_ACK, 5, "seq: 5 in acks the FIN");
	i += 5;
	is_int(pcap_tcp_fin(&f, PCAP_IN, &tv0, r), 2, "seq: last FIN, 2");
	SEG(&r[0], i, o, F_FIN | F_ACK, 0, "seq: FIN in");
	i++;
	SEG(&r[1], o, i, F_ACK, 0, "seq: last ACK");
	is_int(pcap_tcp_ack(&f, PCAP_OUT, &tv0, r), 0, "seq: all acked");
	is_int(pcap_tcp_rst(&f, PCAP_OUT, &tv0, r), 1,
	    "seq: RST after FINs still possible");
}

static void
test_reset(void)
{
	struct pcap_flow f;
	struct pcap_rec	 r[3];
	uint32_t	 o, i;

	flow(&f, IPPROTO_TCP, "::1", 1, "::1", 2);
	pcap_tcp_open(&f, PCAP_OUT, &tv0, r);
	o = f.isn[PCAP_OUT] + 1;
	i = f.isn[PCAP_IN] + 1;
	pcap_tcp_data(&f, PCAP_OUT, "abc", 3, &tv0, r);
	o += 3;
	is_int(pcap_tcp_rst(&f, PCAP_IN, &tv0, r), 1, "rst: a record");
	SEG(&r[0], i, o, F_RST | F_ACK, 0, "rst: RST|ACK from the peer");
	is_int(pcap_tcp_rst(&f, PCAP_IN, &tv0, r), 0, "rst: only once");
	is_int(pcap_tcp_data(&f, PCAP_OUT, "abc", 3, &tv0, r), 0,
	    "rst: no data after it");
	is_int(pcap_tcp_fin(&f, PCAP_OUT, &tv0, r), 0, "rst: no FIN");
	is_int(pcap_tcp_ack(&f, PCAP_OUT, &tv0, r), 0, "rst: no ACK");
}

/* A 200 KiB chunk in IP-sized segments, PSH on the last only. */
static void
test_split(const char *a, size_t max)
{
	struct pcap_flow f;
	struct pcap_rec	 r[3];
	unsigned char	*big;
	const unsigned char *p;
	size_t		 n = 200 * 1024, k, nseg = 0, i;
	struct seg	 s;
	uint32_t	 seq;
	int		 fine = 1;

	if ((big = malloc(n)) == NULL)
		abort();
	for (i = 0; i < n; i++)
		big[i] = (unsigned char)(i * 7 + (i >> 8));
	flow(&f, IPPROTO_TCP, a, 1000, a, 2000);
	pcap_tcp_open(&f, PCAP_OUT, &tv0, r);
	seq = f.isn[PCAP_OUT] + 1;
	for (p = big, k = n; k > 0 && pcap_tcp_data(&f, PCAP_OUT, p, k,
	    &tv0, r) == 1; nseg++) {
		s = tcp_of(r);
		if (r[0].data != p || s.seq != seq || s.flags !=
		    (r[0].datalen == k ? F_PSH | F_ACK : F_ACK) ||
		    r[0].datalen != (k < max ? k : max)) {
			diag("segment %zu: seq %x len %zu flags %x", nseg,
			    s.seq, r[0].datalen, s.flags);
			fine = 0;
		}
		if (max == PCAP_TCP_MAX4 &&
		    get16(r[0].hdr + PCAP_RECHDR_LEN + 4) != 3 + nseg)
			fine = 0;
		seq += (uint32_t)r[0].datalen;
		p += r[0].datalen;
		k -= r[0].datalen;
	}
	ok(fine, "split %s: segments of %zu, consecutive, checksums verify",
	    a, max);
	is_int(nseg, (n + max - 1) / max, "split %s: %zu segments", a,
	    (n + max - 1) / max);
	is_int(k, 0, "split %s: all consumed", a);
	free(big);
}

static void
test_udp(const char *a, size_t max)
{
	struct pcap_flow f;
	struct pcap_rec	 r;
	unsigned char	*big;
	size_t		 off;

	if ((big = calloc(1, 70000)) == NULL)
		abort();
	big[0] = 1;
	big[max - 1] = 0xff;
	flow(&f, IPPROTO_UDP, a, 53, a, 5353);
	is_int(pcap_udp(&f, PCAP_OUT, big, 70000, &tv0, &r), 1,
	    "udp %s: a record", a);
	is_int(r.datalen, max, "udp %s: cut to %zu", a, max);
	off = verify(&r);
	ok(off != 0, "udp %s: lengths and checksum verify", a);
	is_int(get16(r.hdr + off + 4), max + 8, "udp %s: UDP length", a);
	is_int(pcap_udp(&f, PCAP_OUT, big, max, &tv0, &r), 1,
	    "udp %s: the largest", a);
	is_int(r.datalen, max, "udp %s: the largest whole", a);
	ok(verify(&r) != 0, "udp %s: the largest verifies", a);
	is_int(pcap_udp(&f, PCAP_IN, NULL, 0, &tv0, &r), 1,
	    "udp %s: an empty datagram is a record", a);
	off = verify(&r);
	ok(off != 0 && r.datalen == 0 && get16(r.hdr + off + 4) == 8 &&
	    get16(r.hdr + off) == 5353, "udp %s: empty, from the peer", a);
	free(big);
}

static void
test_init(void)
{
	struct pcap_flow	 f;
	struct sockaddr_storage	 l, p;
	struct sockaddr_un	 sun;

	ok(flow(&f, IPPROTO_TCP, "::ffff:192.0.2.1", 1, "::ffff:10.0.0.1",
	    2) == 0 && f.family == AF_INET &&
	    memcmp(f.addr[PCAP_OUT], "\xc0\x00\x02\x01", 4) == 0 &&
	    memcmp(f.addr[PCAP_IN], "\x0a\x00\x00\x01", 4) == 0,
	    "init: IPv4-mapped is IPv4");
	ok(flow(&f, IPPROTO_TCP, "::ffff:192.0.2.1", 1, "10.0.0.1", 2) == 0 &&
	    f.family == AF_INET, "init: mapped and plain IPv4");
	ok(f.port[PCAP_OUT] == 1 && f.port[PCAP_IN] == 2, "init: ports");
	is_int(flow(&f, IPPROTO_TCP, "::1", 1, "127.0.0.1", 2), -1,
	    "init: IPv6 and IPv4 refused");
	is_int(flow(&f, IPPROTO_ICMP, "::1", 1, "::1", 2), -1,
	    "init: only TCP and UDP");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	sin_of(&p, "127.0.0.1", 1);
	memcpy(&l, &sun, sizeof(sun));
	is_int(pcap_flow_init(&f, IPPROTO_TCP, (struct sockaddr *)&l,
	    (struct sockaddr *)&p), -1, "init: a Unix address refused");
	is_int(pcap_flow_init(&f, IPPROTO_TCP, NULL,
	    (struct sockaddr *)&p), -1, "init: NULL refused");
}

int
main(void)
{
	test_cksum();
	test_file_header();
	test_golden();
	test_sequence("192.0.2.1", "198.51.100.2");
	test_sequence("2001:db8::1", "fe80::2");
	test_reset();
	test_split("127.0.0.1", PCAP_TCP_MAX4);
	test_split("::1", PCAP_TCP_MAX6);
	test_udp("127.0.0.1", PCAP_UDP_MAX4);
	test_udp("::1", PCAP_UDP_MAX6);
	test_init();
	return (done_testing());
}
