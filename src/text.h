/*
 * Pure text handling for the chat room: making a received line safe to
 * show on other people's terminals, the nickname rules, and the column
 * widths the terminal client draws its input line with.
 */
#ifndef TEXT_H
#define TEXT_H

#include <stddef.h>

#include "buf.h"

#define TEXT_LINE_MAX	4096
#define TEXT_NICK_MAX	32

size_t	text_cut(const char *, size_t, size_t);
int	text_clean(struct buf *, const char *, size_t);
int	text_is_c1(const unsigned char *, size_t);
int	text_char_width(const char *, size_t, size_t *);
size_t	text_tail(const char *, size_t, size_t, size_t *);
int	text_display(struct buf *, const char *, size_t);
int	text_valid_nick(const char *, size_t);

#endif /* TEXT_H */
