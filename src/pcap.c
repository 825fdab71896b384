/*
 * Synthetic TCP and UDP packets in pcap records, for --pcap (see pcap.h).
 * The packets are what the two endpoints would have put on a wire with an
 * MTU of 64 KiB: a handshake with window scaling, so that Wireshark's
 * analysis never sees a full window; data segments as large as IP allows;
 * every segment after the SYN acknowledging all the other side has sent.
 * The pcap headers are in host byte order (readers take either, by the
 * magic number); the packets are in network byte order.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>

#include <stdint.h>
#include <string.h>

#include "pcap.h"

#define TCP_FIN		0x01
#define TCP_SYN		0x02
#define TCP_RST		0x04
#define TCP_PSH		0x08
#define TCP_ACK		0x10

#define TTL		64
#define WSCALE		14	/* the largest: a window of 1 GiB */

/*
 * Initial sequence numbers: fixed, so that output is reproducible; they
 * differ per side so that a reader mixing them up shows it.
 */
#define ISN_OUT		0x1000a000U
#define ISN_IN		0x2000b000U

static void
put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

/* The sum of big-endian 16-bit words (a last odd byte padded with 0). */
static uint64_t
sum16(uint64_t sum, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i + 8 <= n; i += 8)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]) +
		    (uint32_t)(p[i + 2] << 8 | p[i + 3]) +
		    (uint32_t)(p[i + 4] << 8 | p[i + 5]) +
		    (uint32_t)(p[i + 6] << 8 | p[i + 7]);
	for (; i + 2 <= n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < n)
		sum += (uint32_t)p[i] << 8;
	return (sum);
}

static uint16_t
fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (~sum & 0xffff);
}

/* The Internet checksum (RFC 1071) of a buffer, in host byte order. */
uint16_t
pcap_cksum(const void *p, size_t n)
{
	return (fold(sum16(0, p, n)));
}

void
pcap_file_header(unsigned char out[PCAP_FILEHDR_LEN])
{
	uint32_t	v32;
	uint16_t	v16;

	v32 = 0xa1b2c3d4;		/* microsecond timestamps */
	memcpy(out, &v32, 4);
	v16 = 2;			/* version 2.4 */
	memcpy(out + 4, &v16, 2);
	v16 = 4;
	memcpy(out + 6, &v16, 2);
	memset(out + 8, 0, 8);		/* thiszone, sigfigs */
	v32 = PCAP_SNAPLEN;
	memcpy(out + 16, &v32, 4);
	v32 = PCAP_LINKTYPE_RAW;
	memcpy(out + 20, &v32, 4);
}

/*
 * Takes an address as the packets will carry it: an IPv4-mapped IPv6
 * address is IPv4 on the wire.  Returns the family, or -1.
 */
static int
take_addr(const struct sockaddr *sa, unsigned char addr[16], uint16_t *port)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	static const unsigned char	 mapped[12] = {
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (sa == NULL)
		return (-1);
	memset(addr, 0, 16);
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		memcpy(addr, &sin->sin_addr, 4);
		*port = ntohs(sin->sin_port);
		return (AF_INET);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		*port = ntohs(sin6->sin6_port);
		if (memcmp(&sin6->sin6_addr, mapped, 12) == 0) {
			memcpy(addr, (const unsigned char *)&sin6->sin6_addr +
			    12, 4);
			return (AF_INET);
		}
		memcpy(addr, &sin6->sin6_addr, 16);
		return (AF_INET6);
	default:
		return (-1);
	}
}

/*
 * Starts a flow between two IPv4 or IPv6 endpoints (the caller passes
 * loopback addresses for Unix sockets); proto is IPPROTO_TCP or
 * IPPROTO_UDP.  Returns -1 for another family or a mix of IPv4 and IPv6.
 */
int
pcap_flow_init(struct pcap_flow *f, int proto, const struct sockaddr *local,
    const struct sockaddr *peer)
{
	int	fa, fb;

	memset(f, 0, sizeof(*f));
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return (-1);
	fa = take_addr(local, f->addr[PCAP_OUT], &f->port[PCAP_OUT]);
	fb = take_addr(peer, f->addr[PCAP_IN], &f->port[PCAP_IN]);
	if (fa == -1 || fa != fb)
		return (-1);
	f->family = fa;
	f->proto = proto;
	f->isn[PCAP_OUT] = ISN_OUT;
	f->isn[PCAP_IN] = ISN_IN;
	f->seq[PCAP_OUT] = ISN_OUT;
	f->seq[PCAP_IN] = ISN_IN;
	f->ipid[PCAP_OUT] = 1;
	f->ipid[PCAP_IN] = 1;
	return (0);
}

/*
 * Writes the pcap record header and the IP header for an upper-layer
 * packet of l4len bytes sent by side `from', and the start of the
 * pseudo-header sum.  Returns the offset of the upper-layer header.
 */
static size_t
put_ip(struct pcap_flow *f, int from, const struct timeval *tv,
    struct pcap_rec *r, size_t l4len, uint64_t *psum)
{
	unsigned char	*p = r->hdr + PCAP_RECHDR_LEN;
	const unsigned char *src = f->addr[from], *dst = f->addr[!from];
	uint32_t	 v32;
	size_t		 iplen, iphl;

	iphl = f->family == AF_INET ? 20 : 40;
	iplen = iphl + l4len;
	v32 = (uint32_t)tv->tv_sec;
	memcpy(r->hdr, &v32, 4);
	v32 = (uint32_t)tv->tv_usec;
	memcpy(r->hdr + 4, &v32, 4);
	v32 = (uint32_t)iplen;
	memcpy(r->hdr + 8, &v32, 4);
	memcpy(r->hdr + 12, &v32, 4);

	if (f->family == AF_INET) {
		p[0] = 0x45;
		p[1] = 0;
		put16(p + 2, (uint16_t)iplen);
		put16(p + 4, f->ipid[from]++);
		put16(p + 6, 0x4000);		/* DF, as Linux sends */
		p[8] = TTL;
		p[9] = (unsigned char)f->proto;
		put16(p + 10, 0);
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		put16(p + 10, pcap_cksum(p, 20));
		*psum = sum16(0, p + 12, 8) + (unsigned)f->proto + l4len;
	} else {
		put32(p, 0x60000000);
		put16(p + 4, (uint16_t)l4len);
		p[6] = (unsigned char)f->proto;
		p[7] = TTL;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		*psum = sum16(0, p + 8, 32) + (unsigned)f->proto + l4len;
	}
	return (PCAP_RECHDR_LEN + iphl);
}

/* One TCP segment from side `from' carrying n bytes of p. */
static void
tcp_segment(struct pcap_flow *f, int from, int flags, const void *p,
    size_t n, const struct timeval *tv, struct pcap_rec *r)
{
	unsigned char	*t;
	uint64_t	 sum;
	size_t		 off, thl;

	thl = flags & TCP_SYN ? 28 : 20;
	off = put_ip(f, from, tv, r, thl + n, &sum);
	t = r->hdr + off;
	put16(t, f->port[from]);
	put16(t + 2, f->port[!from]);
	put32(t + 4, f->seq[from]);
	if (flags & TCP_ACK) {
		f->ack[from] = f->seq[!from];
		put32(t + 8, f->ack[from]);
	} else
		put32(t + 8, 0);
	t[12] = (unsigned char)(thl / 4) << 4;
	t[13] = (unsigned char)flags;
	put16(t + 14, 0xffff);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (flags & TCP_SYN) {
		t[20] = 2;			/* MSS */
		t[21] = 4;
		put16(t + 22, f->family == AF_INET ? PCAP_TCP_MAX4 :
		    PCAP_TCP_MAX6);
		t[24] = 1;			/* NOP */
		t[25] = 3;			/* window scale */
		t[26] = 3;
		t[27] = WSCALE;
	}
	sum = sum16(sum, t, thl);
	sum = sum16(sum, p, n);
	put16(t + 16, fold(sum));
	r->hdrlen = off + thl;
	r->data = p;
	r->datalen = n;
	f->seq[from] += (uint32_t)n;
	if (flags & (TCP_SYN | TCP_FIN))
		f->seq[from]++;
}

/*
 * The three-way handshake, the side `client' (PCAP_OUT for connect,
 * PCAP_IN for listen) opening.  Fills three records.
 */
size_t
pcap_tcp_open(struct pcap_flow *f, int client, const struct timeval *tv,
    struct pcap_rec r[3])
{
	f->seq[PCAP_OUT] = f->isn[PCAP_OUT];
	f->seq[PCAP_IN] = f->isn[PCAP_IN];
	tcp_segment(f, client, TCP_SYN, NULL, 0, tv, &r[0]);
	tcp_segment(f, !client, TCP_SYN | TCP_ACK, NULL, 0, tv, &r[1]);
	tcp_segment(f, client, TCP_ACK, NULL, 0, tv, &r[2]);
	return (3);
}

/*
 * One data segment from side dir with as much of the n bytes at p as fits
 * (rec->datalen says how many); the last segment of a chunk has PSH.
 * Fills nothing (returns 0) for n == 0 or once dir has sent FIN or the
 * flow was reset.
 */
size_t
pcap_tcp_data(struct pcap_flow *f, int dir, const void *p, size_t n,
    const struct timeval *tv, struct pcap_rec *r)
{
	size_t	max;

	if (n == 0 || f->fin[dir] || f->reset)
		return (0);
	max = f->family == AF_INET ? PCAP_TCP_MAX4 : PCAP_TCP_MAX6;
	if (n > max)
		tcp_segment(f, dir, TCP_ACK, p, max, tv, r);
	else
		tcp_segment(f, dir, TCP_ACK | TCP_PSH, p, n, tv, r);
	return (1);
}

/*
 * A pure ACK from side dir, if the other side sent anything dir has not
 * acknowledged yet (a writer may call it after each chunk, as the
 * receiver's kernel would); otherwise fills nothing.
 */
size_t
pcap_tcp_ack(struct pcap_flow *f, int dir, const struct timeval *tv,
    struct pcap_rec *r)
{
	if (f->reset || f->ack[dir] == f->seq[!dir])
		return (0);
	tcp_segment(f, dir, TCP_ACK, NULL, 0, tv, r);
	return (1);
}

/*
 * FIN from side dir: its half-close.  When the other side has sent its
 * FIN already, the other side's last ACK follows (two records).  Fills
 * nothing if dir has sent FIN already or the flow was reset.
 */
size_t
pcap_tcp_fin(struct pcap_flow *f, int dir, const struct timeval *tv,
    struct pcap_rec r[2])
{
	if (f->fin[dir] || f->reset)
		return (0);
	tcp_segment(f, dir, TCP_FIN | TCP_ACK, NULL, 0, tv, &r[0]);
	f->fin[dir] = 1;
	if (!f->fin[!dir])
		return (1);
	tcp_segment(f, !dir, TCP_ACK, NULL, 0, tv, &r[1]);
	return (2);
}

/*
 * RST from side dir (the side whose read or write saw ECONNRESET is the
 * other one).  It ends the flow: later calls fill nothing.
 */
size_t
pcap_tcp_rst(struct pcap_flow *f, int dir, const struct timeval *tv,
    struct pcap_rec *r)
{
	if (f->reset)
		return (0);
	tcp_segment(f, dir, TCP_RST | TCP_ACK, NULL, 0, tv, r);
	f->reset = 1;
	return (1);
}

/*
 * One UDP datagram from side dir: n bytes of p, cut to PCAP_UDP_MAX4 or
 * PCAP_UDP_MAX6 (rec->datalen says how many).  Always fills one record;
 * an empty datagram is a datagram.
 */
size_t
pcap_udp(struct pcap_flow *f, int dir, const void *p, size_t n,
    const struct timeval *tv, struct pcap_rec *r)
{
	unsigned char	*u;
	uint64_t	 sum;
	size_t		 off, max;
	uint16_t	 ck;

	max = f->family == AF_INET ? PCAP_UDP_MAX4 : PCAP_UDP_MAX6;
	if (n > max)
		n = max;
	off = put_ip(f, dir, tv, r, 8 + n, &sum);
	u = r->hdr + off;
	put16(u, f->port[dir]);
	put16(u + 2, f->port[!dir]);
	put16(u + 4, (uint16_t)(8 + n));
	put16(u + 6, 0);
	sum = sum16(sum, u, 8);
	sum = sum16(sum, p, n);
	/* 0 means "no checksum" (and is not allowed over IPv6). */
	ck = fold(sum);
	put16(u + 6, ck == 0 ? 0xffff : ck);
	r->hdrlen = off + 8;
	r->data = p;
	r->datalen = n;
	return (1);
}
