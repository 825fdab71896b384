/*
 * Pure formatting of received data for people and programs: UTF-8
 * validation, JSON string escaping, base64, a hexdump -C style dump, and
 * the per-datagram detail line of udp-recv -vv.
 */
#ifndef FMT_H
#define FMT_H

#include <stddef.h>

#include "buf.h"

int	fmt_utf8_valid(const unsigned char *, size_t);
int	fmt_json_string(struct buf *, const unsigned char *, size_t);
int	fmt_base64(struct buf *, const unsigned char *, size_t);
int	fmt_hexdump(struct buf *, const unsigned char *, size_t);
int	fmt_hexdump_at(struct buf *, unsigned long long,
	    const unsigned char *, size_t);

/* What udp-recv -vv tells about one datagram besides sender and size. */
struct fmt_dgram_info {
	const char		*to;	/* destination address; NULL: unknown */
	int			 port;	/* the local port */
	const char		*ifname; /* interface it came in on, or NULL */
	int			 ttl;	/* TTL or hop limit; -1: unknown */
	unsigned long long	 seq;	/* 1 for the first datagram */
	unsigned long long	 batch;	/* which recvmmsg call, from 1 */
	unsigned int		 index;	/* its place in the batch, from 1 */
	unsigned int		 nbatch; /* datagrams in the batch */
	int			 truncated; /* MSG_TRUNC: cut to the buffer */
	int			 ctruncated; /* MSG_CTRUNC: detail lost */
};

int	fmt_dgram_info(struct buf *, const struct fmt_dgram_info *);

#endif /* FMT_H */
