/*
 * The HTML directory listing of serve-http, built a bounded step at a
 * time.
 */
#ifndef LISTING_H
#define LISTING_H

#include "buf.h"

struct httpd_root;
struct listing;

/* What a listing_step did. */
enum listing_status {
	LISTING_ERROR = -1,	/* out of memory: the listing is lost */
	LISTING_MORE,		/* more steps are due */
	LISTING_DONE		/* the page is complete */
};

struct listing *listing_start(int, const struct httpd_root *, const char *,
	    int);
enum listing_status listing_step(struct listing *, struct buf *);
void	listing_free(struct listing *);
int	listing_html_escape(struct buf *, const char *, size_t);
int	listing_url_encode(struct buf *, const char *, size_t, int);

#endif /* LISTING_H */
