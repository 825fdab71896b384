/*
 * A growable byte buffer for output that is built up and written in large
 * blocks (udp-recv's formatted datagrams, HTTP headers, listings).
 */
#ifndef BUF_H
#define BUF_H

#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

int	buf_reserve(struct buf *, size_t);
int	buf_add(struct buf *, const void *, size_t);
int	buf_addc(struct buf *, int);
int	buf_adds(struct buf *, const char *);
int	buf_printf(struct buf *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	buf_free(struct buf *);

#endif /* BUF_H */
