/*
 * Pure formatting of received data for people and programs: UTF-8
 * validation, JSON string escaping, base64, a hexdump -C style dump, the
 * per-datagram detail line of udp-recv -vv, each datagram in udp-recv's
 * formats, and the splitting of a byte stream into datagram records.
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
	int			 port;	/* the local port; -1: none (Unix) */
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

/* udp-recv's output formats (-f). */
enum fmt_dgram_format {
	FMT_DGRAM_LINE,		/* the bytes and a newline */
	FMT_DGRAM_RAW,		/* the bytes alone */
	FMT_DGRAM_HEX,		/* a "from" line and a hexdump */
	FMT_DGRAM_JSON		/* one JSON object a line */
};

/* One received datagram: who sent it and what it holds. */
struct fmt_dgram {
	const char		*from;	/* numeric address, Unix path or
					   @name; NULL: an unnamed Unix
					   sender */
	int			 port;	/* -1: none (Unix) */
	const unsigned char	*data;
	size_t			 len;
};

int	fmt_dgram(struct buf *, enum fmt_dgram_format, const struct fmt_dgram *);

/*
 * How a byte stream becomes datagrams: each line without its newline,
 * pieces of chunk bytes (the last may be shorter), or all of it as one.
 */
enum fmt_split_mode {
	FMT_SPLIT_LINES,
	FMT_SPLIT_CHUNK,
	FMT_SPLIT_WHOLE
};

struct fmt_splitter {
	enum fmt_split_mode	 mode;
	size_t			 chunk;	/* FMT_SPLIT_CHUNK: at least 1 */
};

/* A record: bytes p[off .. off + len) of the data that was split. */
struct fmt_record {
	size_t	off;
	size_t	len;
};

/* The records of one call; the array is reused by the next call. */
struct fmt_records {
	struct fmt_record	*v;
	size_t			 n;
	size_t			 cap;
	size_t			 used;	/* bytes consumed, separators included */
};

int	fmt_split_records(const struct fmt_splitter *, const char *, size_t,
	    int, struct fmt_records *);
size_t	fmt_count_records(const struct fmt_splitter *, const char *, size_t,
	    size_t, size_t);
void	fmt_records_free(struct fmt_records *);

#endif /* FMT_H */
