/*
 * The text of --trace and --hexdump, pure (output into a struct buf, no
 * I/O), so that trace.c only decides what to write and when.  Both logs
 * are a sequence of chunks, each a header line
 *
 *	2026-11-27T09:34:22.123456Z > 18 bytes
 *	2026-11-27T09:34:22.123456Z #3 < 5 bytes	(with a connection id)
 *
 * (UTC, microseconds; ">" is to the peer, "<" from it) followed, in
 * --trace, by the bytes escaped (tracefmt_text) and, in --hexdump, by
 * `hexdump -C` lines whose offsets run on per direction (tracefmt_hex).
 *
 * --trace escaping: bytes 0x20-0x7e stand for themselves except the
 * backslash, which is "\\"; CR, LF and TAB are "\r", "\n" and "\t"; every
 * other byte is "\xNN" (lower-case hex).  Every newline in the body is
 * layout, never data: a line ends after each "\n" escape, before any
 * other character or escape that would take it past TRACEFMT_WIDTH
 * columns (so a line has at most that many, plus a final "\n" or
 * "\r\n"), and at the end of the chunk; no escape is ever cut.  So
 * removing the newlines and undoing the escapes gives back exactly the
 * bytes (tracefmt_unescape), and the header's length says where a
 * chunk's body ends.
 */
#ifndef TRACEFMT_H
#define TRACEFMT_H

#include <sys/time.h>

#include <stddef.h>

#include "buf.h"

#define TRACEFMT_WIDTH	76
#define TRACEFMT_OUT	0	/* ">": local -> peer (as PCAP_OUT) */
#define TRACEFMT_IN	1	/* "<": peer -> local */
#define TRACEFMT_NOCONN	(-1L)	/* no connection id in the header */

int	tracefmt_time(struct buf *, const struct timeval *);
int	tracefmt_header(struct buf *, const struct timeval *, int, long,
	    size_t);
int	tracefmt_text(struct buf *, const void *, size_t);
int	tracefmt_hex(struct buf *, unsigned long long, const void *, size_t);
int	tracefmt_unescape(struct buf *, const char *, size_t);

#endif /* TRACEFMT_H */
