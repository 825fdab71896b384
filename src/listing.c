/*
 * Directory listings, built in memory from one readdir(3) pass, a step
 * at a time so that the event loop serves other clients in between:
 * names are HTML-escaped in text and percent-encoded in links, so no file
 * name can inject markup or a different link target.  Directories come
 * first, then files, each group sorted by name byte by byte: the order of
 * ls(1) in the C.UTF-8 locale (code point order, for UTF-8 names).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <libutil.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "httpd-path.h"
#include "listing.h"

struct entry {
	char	*name;
	int	 isdir;
	off_t	 size;
	time_t	 mtime;
};

int
listing_html_escape(struct buf *b, const char *p, size_t len)
{
	size_t	i;
	int	r;

	for (i = 0; i < len; i++) {
		switch (p[i]) {
		case '&':
			r = buf_add(b, "&amp;", 5);
			break;
		case '<':
			r = buf_add(b, "&lt;", 4);
			break;
		case '>':
			r = buf_add(b, "&gt;", 4);
			break;
		case '"':
			r = buf_add(b, "&quot;", 6);
			break;
		case '\'':
			r = buf_add(b, "&#39;", 5);
			break;
		default:
			r = buf_addc(b, p[i]);
			break;
		}
		if (r == -1)
			return (-1);
	}
	return (0);
}

/* RFC 3986 unreserved characters pass; everything else is %XX. */
int
listing_url_encode(struct buf *b, const char *p, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char	 ch;
	size_t		 i;

	for (i = 0; i < len; i++) {
		ch = (unsigned char)p[i];
		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
		    ch == '_' || ch == '~' || (keep_slash && ch == '/')) {
			if (buf_addc(b, ch) == -1)
				return (-1);
		} else if (buf_addc(b, '%') == -1 ||
		    buf_addc(b, hex[ch >> 4]) == -1 ||
		    buf_addc(b, hex[ch & 15]) == -1)
			return (-1);
	}
	return (0);
}

static int
listing_entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->isdir != y->isdir)
		return (y->isdir - x->isdir);
	return (strcmp(x->name, y->name));
}

/*
 * A link is listed only if it may be served (see httpd_root_open), and
 * with what it points to: a link out of the tree must not reveal even
 * the size and date of its target.
 */
static int
listing_stat_entry(int dirfd, const struct httpd_root *root,
    const char *dirpath, const char *name, struct stat *st)
{
	char	*rel;
	int	 fd, r;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (!S_ISLNK(st->st_mode))
		return (0);
	if (root->follow)
		return (fstatat(dirfd, name, st, 0));
	if (asprintf(&rel, "%s%s", dirpath + 1, name) == -1)
		return (-1);
	fd = httpd_root_open(root, rel, O_PATH);
	free(rel);
	if (fd == -1)
		return (-1);
	r = fstat(fd, st);
	close(fd);
	return (r);
}

/* Entries stat'ed, or rows written, per listing_step. */
#define STEP_ENTRIES	256
/* Entries moved by the merge sort per listing_step. */
#define STEP_MOVES	8192

enum listing_phase {
	L_READ,
	L_SORT,
	L_EMIT,
	L_DONE
};

/*
 * A bottom-up merge sort that can stop after any number of moves: one
 * qsort(3) of 100,000 names takes ~80 ms, too long for one loop turn.
 * Runs of STEP_ENTRIES are sorted first, then merged pairwise, width
 * doubling each pass, src and dst swapping.
 */
struct msort {
	struct entry	*src, *dst;
	size_t		 width;		/* 0: runs still to sort */
	size_t		 lo, mid, hi, i, j, k;
};

struct listing {
	enum listing_phase phase;
	DIR		*dir;
	int		 dirfd;		/* the DIR's, for fstatat */
	const struct httpd_root *root;
	char		*path;
	int		 hidden;
	struct entry	*e;
	size_t		 n, cap, next;
	struct msort	 ms;
};

void
listing_free(struct listing *l)
{
	if (l == NULL)
		return;
	if (l->dir != NULL)
		closedir(l->dir);
	/* During the sort, the names are in ms.src, and e is one of two. */
	if (l->phase == L_SORT) {
		free(l->ms.src == l->e ? l->ms.dst : l->ms.src);
		l->e = l->ms.src;
	}
	if (l->e != NULL) {
		for (; l->next < l->n; l->next++)
			free(l->e[l->next].name);
		free(l->e);
	}
	free(l->path);
	free(l);
}

/* path is the directory's URL path, "/" or "/a/b/", relative to root. */
struct listing *
listing_start(int dirfd, const struct httpd_root *root, const char *path,
    int hidden)
{
	struct listing	*l;
	int		 fd;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return (NULL);
	l->root = root;
	l->hidden = hidden;
	if ((l->path = strdup(path)) == NULL) {
		free(l);
		return (NULL);
	}
	if ((fd = dup(dirfd)) == -1) {
		listing_free(l);
		return (NULL);
	}
	if ((l->dir = fdopendir(fd)) == NULL) {
		close(fd);
		listing_free(l);
		return (NULL);
	}
	l->dirfd = fd;
	rewinddir(l->dir);
	return (l);
}

/* Up to STEP_ENTRIES names read and stat'ed; LISTING_DONE at the end. */
static enum listing_status
listing_read_some(struct listing *l)
{
	struct entry	*ne;
	struct dirent	*d;
	struct stat	 st;
	size_t		 k;

	for (k = 0; k < STEP_ENTRIES; k++) {
		if ((d = readdir(l->dir)) == NULL)
			return (LISTING_DONE);
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (!l->hidden && d->d_name[0] == '.')
			continue;
		if (listing_stat_entry(l->dirfd, l->root, l->path, d->d_name,
		    &st) == -1)
			continue;
		if (l->n == l->cap) {
			if ((ne = reallocarray(l->e, l->cap ? l->cap * 2 : 64,
			    sizeof(*l->e))) == NULL)
				return (LISTING_ERROR);
			l->e = ne;
			l->cap = l->cap ? l->cap * 2 : 64;
		}
		if ((l->e[l->n].name = strdup(d->d_name)) == NULL)
			return (LISTING_ERROR);
		l->e[l->n].isdir = S_ISDIR(st.st_mode);
		l->e[l->n].size = st.st_size;
		l->e[l->n].mtime = st.st_mtime;
		l->n++;
	}
	return (LISTING_MORE);
}

static void
listing_merge_next(struct msort *m, size_t n)
{
	m->lo = m->hi;
	m->mid = m->lo + m->width < n ? m->lo + m->width : n;
	m->hi = m->mid + m->width < n ? m->mid + m->width : n;
	m->i = m->lo;
	m->j = m->mid;
	m->k = m->lo;
}

/* Up to STEP_MOVES of the sort; LISTING_DONE when e is sorted. */
static enum listing_status
listing_sort_some(struct listing *l)
{
	struct msort	*m = &l->ms;
	struct entry	*t;
	size_t		 moves = 0, n = l->n;

	if (m->width == 0) {
		/* Runs of STEP_ENTRIES, qsort'ed in place, several a step. */
		while (m->lo < n && moves < STEP_MOVES) {
			m->hi = n - m->lo > STEP_ENTRIES ?
			    m->lo + STEP_ENTRIES : n;
			qsort(m->src + m->lo, m->hi - m->lo, sizeof(*m->src),
			    listing_entry_cmp);
			moves += (m->hi - m->lo) * 8;
			m->lo = m->hi;
		}
		if (m->lo < n)
			return (LISTING_MORE);
		m->width = STEP_ENTRIES;
		m->hi = 0;
		listing_merge_next(m, n);
	}
	while (m->width < n) {
		while (m->k < m->hi) {
			if (moves++ >= STEP_MOVES)
				return (LISTING_MORE);
			if (m->j >= m->hi || (m->i < m->mid &&
			    listing_entry_cmp(&m->src[m->i],
			    &m->src[m->j]) <= 0))
				m->dst[m->k++] = m->src[m->i++];
			else
				m->dst[m->k++] = m->src[m->j++];
		}
		if (m->hi < n) {
			listing_merge_next(m, n);
			continue;
		}
		/* A pass is done: what was written is the source now. */
		t = m->src;
		m->src = m->dst;
		m->dst = t;
		m->width *= 2;
		m->hi = 0;
		listing_merge_next(m, n);
	}
	free(m->dst);
	l->e = m->src;
	return (LISTING_DONE);
}

static enum listing_status
listing_emit_head(struct listing *l, struct buf *b)
{
	size_t	plen;
	int	r = 0;

	plen = strlen(l->path);
	r |= buf_adds(b, "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, "
	    "initial-scale=1\">\n<title>Index of ");
	r |= listing_html_escape(b, l->path, plen);
	r |= buf_adds(b, "</title>\n<style>\n"
	    "body { font-family: sans-serif; margin: 1em; }\n"
	    "table { border-collapse: collapse; }\n"
	    "th, td { padding: 0.1em 1em 0.1em 0; text-align: left; }\n"
	    "th.s, td.s { text-align: right; }\n"
	    "td.m { font-family: monospace; white-space: nowrap; }\n"
	    "</style>\n</head>\n<body>\n<h1>Index of ");
	r |= listing_html_escape(b, l->path, plen);
	r |= buf_adds(b, "</h1>\n<table>\n<tr><th>Name</th><th class=\"s\">"
	    "Size</th><th>Modified</th></tr>\n");
	if (strcmp(l->path, "/") != 0)
		r |= buf_adds(b, "<tr><td><a href=\"../\">../</a></td>"
		    "<td class=\"s\">-</td><td></td></tr>\n");
	return (r == 0 ? LISTING_MORE : LISTING_ERROR);
}

/* Up to STEP_ENTRIES rows; LISTING_DONE after the last. */
static enum listing_status
listing_emit_some(struct listing *l, struct buf *b)
{
	struct entry	*e;
	struct tm	 tm;
	char		 when[32], size[16];
	size_t		 k;
	int		 r = 0;

	for (k = 0; k < STEP_ENTRIES && l->next < l->n && r == 0; k++) {
		e = &l->e[l->next++];
		gmtime_r(&e->mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		if (e->isdir)
			strlcpy(size, "-", sizeof(size));
		else if (humanize_number(size, 5, (int64_t)e->size, "",
		    HN_AUTOSCALE, HN_B | HN_DECIMAL | HN_NOSPACE) == -1)
			strlcpy(size, "?", sizeof(size));
		r |= buf_adds(b, "<tr><td><a href=\"");
		r |= listing_url_encode(b, e->name, strlen(e->name), 0);
		if (e->isdir)
			r |= buf_addc(b, '/');
		r |= buf_add(b, "\">", 2);
		r |= listing_html_escape(b, e->name, strlen(e->name));
		if (e->isdir)
			r |= buf_addc(b, '/');
		r |= buf_printf(b, "</a></td><td class=\"s\">%s</td>"
		    "<td class=\"m\">%s</td></tr>\n", size, when);
		/* Freed as written: 100,000 frees at the end would stall. */
		free(e->name);
		e->name = NULL;
	}
	if (r != 0)
		return (LISTING_ERROR);
	if (l->next < l->n)
		return (LISTING_MORE);
	if (buf_adds(b, "</table>\n</body>\n</html>\n") == -1)
		return (LISTING_ERROR);
	return (LISTING_DONE);
}

/*
 * One bounded piece of the work, so a huge directory does not hold up
 * the other clients of the event loop.  The sort is one step (about
 * 20 ms for 100,000 names).
 */
enum listing_status
listing_step(struct listing *l, struct buf *b)
{
	enum listing_status r;

	switch (l->phase) {
	case L_READ:
		if ((r = listing_read_some(l)) != LISTING_DONE)
			return (r);
		closedir(l->dir);
		l->dir = NULL;
		if (l->n > 1) {
			l->ms.src = l->e;
			if ((l->ms.dst = reallocarray(NULL, l->n,
			    sizeof(*l->e))) == NULL)
				return (LISTING_ERROR);
			l->phase = L_SORT;
			return (LISTING_MORE);
		}
		l->phase = L_EMIT;
		return (listing_emit_head(l, b));
	case L_SORT:
		if ((r = listing_sort_some(l)) != LISTING_DONE)
			return (r);
		l->phase = L_EMIT;
		return (listing_emit_head(l, b));
	case L_EMIT:
		if ((r = listing_emit_some(l, b)) == LISTING_DONE)
			l->phase = L_DONE;
		return (r);
	case L_DONE:
		break;
	}
	return (LISTING_DONE);
}
