/*
 * Pure formatting of received data for people and programs: UTF-8
 * validation, JSON string escaping, base64, and a hexdump -C style dump.
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

#endif /* FMT_H */
