/*
 * A test driver for src/pcap.c, used by tests/pcap.bats: writes a synthetic
 * conversation into a pcap file, and the bytes each side sent into two
 * files, so that tshark (the real reader) can be checked against them.
 *
 *	pcap-write tcp|rst|udp 4|6 SIZE FILE.pcap OUT IN
 *
 * tcp: a handshake (the peer opening, as for listen), then SIZE
 * pseudo-random bytes each way in interleaved chunks of 1 byte to 200 KiB
 * (each followed by the receiver's ACK), the local side's FIN once it has
 * sent all and the peer at most half, the peer's remaining bytes, the
 * peer's FIN.  rst: the same without FINs, ended by
 * the peer's RST.  udp: datagrams of 0 to SIZE bytes (at most 20) each
 * way; OUT and IN then get one line per datagram, its bytes in hex, for
 * comparison with tshark's udp.payload.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pcap.h"

static uint64_t	rng = 0x9e3779b97f4a7c15ULL;

/* xorshift64: reproducible bytes without a dependency. */
static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 16));
}

static void
fill(unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)next_rand();
}

static void
put(FILE *fp, const struct pcap_rec *r, size_t nrec)
{
	size_t	i;

	for (i = 0; i < nrec; i++)
		if (fwrite(r[i].hdr, 1, r[i].hdrlen, fp) != r[i].hdrlen ||
		    (r[i].datalen > 0 && fwrite(r[i].data, 1, r[i].datalen,
		    fp) != r[i].datalen))
			err(1, "write");
}

static void
tick(struct timeval *tv)
{
	if (++tv->tv_usec == 1000000) {
		tv->tv_usec = 0;
		tv->tv_sec++;
	}
}

/* One chunk of n bytes from side dir, split by pcap.c, then its ACK. */
static void
chunk(FILE *fp, struct pcap_flow *f, int dir, const unsigned char *p,
    size_t n, struct timeval *tv, FILE *copy)
{
	struct pcap_rec	r;

	tick(tv);
	if (fwrite(p, 1, n, copy) != n)
		err(1, "write");
	while (n > 0 && pcap_tcp_data(f, dir, p, n, tv, &r) == 1) {
		put(fp, &r, 1);
		p += r.datalen;
		n -= r.datalen;
	}
	if (n != 0)
		errx(1, "pcap_tcp_data left %zu bytes", n);
	if (pcap_tcp_ack(f, !dir, tv, &r) == 1)
		put(fp, &r, 1);
}

static void
hexline(FILE *fp, const unsigned char *p, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		fprintf(fp, "%02x", p[i]);
	fputc('\n', fp);
}

static void
addrs(int fam, struct sockaddr_storage *l, struct sockaddr_storage *p)
{
	struct sockaddr_in	*a, *b;
	struct sockaddr_in6	*a6, *b6;

	memset(l, 0, sizeof(*l));
	memset(p, 0, sizeof(*p));
	if (fam == 4) {
		a = (struct sockaddr_in *)l;
		b = (struct sockaddr_in *)p;
		a->sin_family = b->sin_family = AF_INET;
		inet_pton(AF_INET, "192.0.2.1", &a->sin_addr);
		inet_pton(AF_INET, "198.51.100.7", &b->sin_addr);
		a->sin_port = htons(47123);
		b->sin_port = htons(40123);
	} else {
		a6 = (struct sockaddr_in6 *)l;
		b6 = (struct sockaddr_in6 *)p;
		a6->sin6_family = b6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, "2001:db8::1", &a6->sin6_addr);
		inet_pton(AF_INET6, "2001:db8:ffff::7", &b6->sin6_addr);
		a6->sin6_port = htons(47123);
		b6->sin6_port = htons(40123);
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage	 l, p;
	struct pcap_flow	 f;
	struct pcap_rec		 r[3];
	struct timeval		 tv = { 1795000000, 0 };
	unsigned char		 fh[PCAP_FILEHDR_LEN], *buf[2];
	const char		*mode;
	FILE			*fp, *copy[2];
	size_t			 size, sent[2], n, k;
	int			 fam, dir, i;

	/* Run as a unit test by `make check`: nothing to do alone. */
	if (argc == 1) {
		puts("1..0 # SKIP a driver for tests/pcap.bats");
		return (0);
	}
	if (argc != 7)
		errx(2, "usage: pcap-write tcp|rst|udp 4|6 SIZE FILE OUT IN");
	mode = argv[1];
	fam = atoi(argv[2]);
	size = strtoul(argv[3], NULL, 10);
	addrs(fam, &l, &p);
	if (pcap_flow_init(&f, strcmp(mode, "udp") == 0 ? IPPROTO_UDP :
	    IPPROTO_TCP, (struct sockaddr *)&l, (struct sockaddr *)&p) == -1)
		errx(1, "pcap_flow_init");
	if ((fp = fopen(argv[4], "wb")) == NULL ||
	    (copy[0] = fopen(argv[5], "wb")) == NULL ||
	    (copy[1] = fopen(argv[6], "wb")) == NULL)
		err(1, "fopen");
	pcap_file_header(fh);
	if (fwrite(fh, 1, sizeof(fh), fp) != sizeof(fh))
		err(1, "write");
	for (dir = 0; dir < 2; dir++)
		if ((buf[dir] = malloc(size + 1)) == NULL)
			err(1, NULL);

	if (strcmp(mode, "udp") == 0) {
		for (i = 0; i < 40; i++) {
			dir = i % 2;
			n = i < 2 ? 0 : next_rand() % (size + 1);
			fill(buf[dir], n);
			tick(&tv);
			pcap_udp(&f, dir, buf[dir], n, &tv, r);
			put(fp, r, 1);
			hexline(copy[dir], buf[dir], r[0].datalen);
		}
		goto done;
	}

	put(fp, r, pcap_tcp_open(&f, PCAP_IN, &tv, r));
	for (dir = 0; dir < 2; dir++)
		fill(buf[dir], size);
	sent[0] = sent[1] = 0;
	while (sent[0] < size || sent[1] < size) {
		/* The peer keeps half its bytes for after our FIN. */
		dir = next_rand() % 2;
		if (sent[dir] == size || (dir == PCAP_IN &&
		    sent[PCAP_OUT] < size && sent[PCAP_IN] >= size / 2))
			dir = !dir;
		n = next_rand() % 3 == 0 ? 1 + next_rand() % 200 :
		    1 + next_rand() % (200 * 1024);
		if (n > size - sent[dir])
			n = size - sent[dir];
		chunk(fp, &f, dir, buf[dir] + sent[dir], n, &tv, copy[dir]);
		sent[dir] += n;
		if (strcmp(mode, "tcp") == 0 && dir == PCAP_OUT &&
		    sent[dir] == size) {
			tick(&tv);
			put(fp, r, pcap_tcp_fin(&f, PCAP_OUT, &tv, r));
		}
	}
	tick(&tv);
	if (strcmp(mode, "tcp") == 0)
		k = pcap_tcp_fin(&f, PCAP_IN, &tv, r);
	else
		k = pcap_tcp_rst(&f, PCAP_IN, &tv, r);
	put(fp, r, k);
done:
	if (fclose(fp) == EOF || fclose(copy[0]) == EOF ||
	    fclose(copy[1]) == EOF)
		err(1, "close");
	free(buf[0]);
	free(buf[1]);
	return (0);
}
