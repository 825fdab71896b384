/*
 * Synthetic packets for --pcap: the pcap file header (LINKTYPE_RAW, so each
 * record is a bare IPv4 or IPv6 packet) and, per flow, the records of a TCP
 * conversation (three-way handshake, data, pure ACKs, FIN, RST) or of UDP
 * datagrams, with the real addresses and ports, consistent sequence and
 * acknowledgement numbers, and correct IP, TCP and UDP checksums.  Pure: no
 * I/O and no allocation.
 *
 * Each call fills struct pcap_rec: hdr holds the pcap record header and the
 * IP and TCP/UDP headers, and data points into the caller's payload (it is
 * never copied), so a writer can hand { hdr, hdrlen } and { data, datalen }
 * to writev().  A chunk of any size is fed by calling pcap_tcp_data() until
 * it is consumed:
 *
 *	while (n > 0 && pcap_tcp_data(f, dir, p, n, &tv, &rec) == 1) {
 *		write rec.hdr (rec.hdrlen) and rec.data (rec.datalen);
 *		p += rec.datalen;
 *		n -= rec.datalen;
 *	}
 *
 * Every function returns the number of records it filled.  Records of one
 * call and of successive calls must be written in that order.
 */
#ifndef PCAP_H
#define PCAP_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>

#define PCAP_FILEHDR_LEN	24
#define PCAP_RECHDR_LEN		16
#define PCAP_LINKTYPE_RAW	101
#define PCAP_SNAPLEN		262144
/* The longest headers of a record: pcap, IPv6, TCP with SYN options. */
#define PCAP_HDR_MAX		(PCAP_RECHDR_LEN + 40 + 28)

/*
 * The largest payloads: an IP packet's length field has 16 bits (IPv4
 * counts its own header, IPv6 does not), and we write no jumbograms (RFC
 * 2675), so a longer UDP datagram (possible over Unix sockets only) is cut
 * to these sizes and pcap_udp() says how much it carried.
 */
#define PCAP_TCP_MAX4		(65535 - 20 - 20)	/* 65495 */
#define PCAP_TCP_MAX6		(65535 - 20)		/* 65515 */
#define PCAP_UDP_MAX4		(65535 - 20 - 8)	/* 65507 */
#define PCAP_UDP_MAX6		(65535 - 8)		/* 65527 */

/* Directions, named by who sends: ">" in --trace is PCAP_OUT. */
#define PCAP_OUT	0	/* local -> peer */
#define PCAP_IN		1	/* peer -> local */

struct pcap_rec {
	unsigned char		 hdr[PCAP_HDR_MAX];
	size_t			 hdrlen;
	const unsigned char	*data;		/* the caller's; NULL if none */
	size_t			 datalen;
};

/*
 * One conversation.  Index [PCAP_OUT] is the local side, [PCAP_IN] the
 * peer: the sender of that direction.  pcap_flow_init() fills it; isn[]
 * may then be changed (before pcap_tcp_open()) to pick other initial
 * sequence numbers.  The rest is private.
 */
struct pcap_flow {
	int		 family;		/* AF_INET or AF_INET6 */
	int		 proto;			/* IPPROTO_TCP or _UDP */
	unsigned char	 addr[2][16];		/* 4 bytes used for IPv4 */
	uint16_t	 port[2];
	uint32_t	 isn[2];
	uint32_t	 seq[2];		/* next to send */
	uint32_t	 ack[2];		/* last acknowledged */
	uint16_t	 ipid[2];		/* next IPv4 identification */
	int		 fin[2];		/* that side sent FIN */
	int		 reset;
};

void	 pcap_file_header(unsigned char [PCAP_FILEHDR_LEN]);
int	 pcap_flow_init(struct pcap_flow *, int, const struct sockaddr *,
	    const struct sockaddr *);
size_t	 pcap_tcp_open(struct pcap_flow *, int, const struct timeval *,
	    struct pcap_rec [3]);
size_t	 pcap_tcp_data(struct pcap_flow *, int, const void *, size_t,
	    const struct timeval *, struct pcap_rec *);
size_t	 pcap_tcp_ack(struct pcap_flow *, int, const struct timeval *,
	    struct pcap_rec *);
size_t	 pcap_tcp_fin(struct pcap_flow *, int, const struct timeval *,
	    struct pcap_rec [2]);
size_t	 pcap_tcp_rst(struct pcap_flow *, int, const struct timeval *,
	    struct pcap_rec *);
size_t	 pcap_udp(struct pcap_flow *, int, const void *, size_t,
	    const struct timeval *, struct pcap_rec *);
uint16_t pcap_cksum(const void *, size_t);

#endif /* PCAP_H */
