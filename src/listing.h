/*
 * The HTML directory listing of serve-http.
 */
#ifndef LISTING_H
#define LISTING_H

#include "buf.h"

struct listing;

struct listing *listing_start(int, int, const char *, int, int);
int	listing_step(struct listing *, struct buf *);
void	listing_free(struct listing *);
int	listing_build(struct buf *, int, int, const char *, int, int);
int	listing_html_escape(struct buf *, const char *, size_t);
int	listing_url_encode(struct buf *, const char *, size_t, int);

#endif /* LISTING_H */
