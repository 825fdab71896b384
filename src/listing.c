/*
 * Directory listings, built in memory from one readdir(3) pass: names are
 * HTML-escaped in text and percent-encoded in links, so no file name can
 * inject markup or a different link target.  Directories come first, then
 * files, each group sorted by name.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

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
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->isdir != y->isdir)
		return (y->isdir - x->isdir);
	return (strcmp(x->name, y->name));
}

static void
free_entries(struct entry *e, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

/*
 * Without --follow-symlinks a link is listed only if it resolves inside
 * the root, and with what it points to: a link out of the tree must not
 * reveal even the size and date of its target.
 */
static int
stat_entry(int dirfd, int root, const char *dirpath, const char *name,
    int follow, struct stat *st)
{
	struct open_how	 how;
	char		*rel;
	int		 fd, r;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) == -1)
		return (-1);
	if (!S_ISLNK(st->st_mode))
		return (0);
	if (follow)
		return (fstatat(dirfd, name, st, 0));
	if (asprintf(&rel, "%s%s", dirpath + 1, name) == -1)
		return (-1);
	memset(&how, 0, sizeof(how));
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, root, rel, &how, sizeof(how));
	free(rel);
	if (fd == -1)
		return (-1);
	r = fstat(fd, st);
	close(fd);
	return (r);
}

static int
read_entries(int dirfd, int root, const char *dirpath, int hidden,
    int follow, struct entry **out, size_t *nout)
{
	struct entry	*e = NULL, *ne;
	struct dirent	*d;
	struct stat	 st;
	size_t		 n = 0, cap = 0;
	DIR		*dir;
	int		 fd;

	if ((fd = dup(dirfd)) == -1)
		return (-1);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return (-1);
	}
	rewinddir(dir);
	while ((d = readdir(dir)) != NULL) {
		if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
			continue;
		if (!hidden && d->d_name[0] == '.')
			continue;
		if (stat_entry(dirfd, root, dirpath, d->d_name, follow,
		    &st) == -1)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((ne = reallocarray(e, cap, sizeof(*e))) == NULL)
				goto fail;
			e = ne;
		}
		if ((e[n].name = strdup(d->d_name)) == NULL)
			goto fail;
		e[n].isdir = S_ISDIR(st.st_mode);
		e[n].size = st.st_size;
		e[n].mtime = st.st_mtime;
		n++;
	}
	closedir(dir);
	if (n > 1)
		qsort(e, n, sizeof(*e), entry_cmp);
	*out = e;
	*nout = n;
	return (0);
fail:
	closedir(dir);
	free_entries(e, n);
	return (-1);
}

/* path is the directory's URL path, "/" or "/a/b/", relative to root. */
int
listing_build(struct buf *b, int dirfd, int root, const char *path,
    int hidden, int follow)
{
	struct entry	*e;
	struct tm	 tm;
	size_t		 n, i, plen = strlen(path);
	char		 when[32], size[16];
	int		 r = 0;

	if (read_entries(dirfd, root, path, hidden, follow, &e, &n) == -1)
		return (-1);
	r |= buf_adds(b, "<!DOCTYPE html>\n<html>\n<head>\n"
	    "<meta charset=\"utf-8\">\n<title>Index of ");
	r |= listing_html_escape(b, path, plen);
	r |= buf_adds(b, "</title>\n</head>\n<body>\n<h1>Index of ");
	r |= listing_html_escape(b, path, plen);
	r |= buf_printf(b, "</h1>\n<table>\n<tr><th>Name</th><th>Size</th>"
	    "<th>Modified</th></tr>\n");
	if (strcmp(path, "/") != 0)
		r |= buf_printf(b, "<tr><td><a href=\"../\">../</a></td>"
		    "<td>-</td><td></td></tr>\n");
	for (i = 0; i < n && r == 0; i++) {
		gmtime_r(&e[i].mtime, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
		if (e[i].isdir)
			strlcpy(size, "-", sizeof(size));
		else if (humanize_number(size, 5, (int64_t)e[i].size, "",
		    HN_AUTOSCALE, HN_B | HN_DECIMAL | HN_NOSPACE) == -1)
			strlcpy(size, "?", sizeof(size));
		r |= buf_adds(b, "<tr><td><a href=\"");
		r |= listing_url_encode(b, e[i].name, strlen(e[i].name), 0);
		if (e[i].isdir)
			r |= buf_addc(b, '/');
		r |= buf_add(b, "\">", 2);
		r |= listing_html_escape(b, e[i].name, strlen(e[i].name));
		if (e[i].isdir)
			r |= buf_addc(b, '/');
		r |= buf_printf(b, "</a></td><td>%s</td><td>%s</td></tr>\n",
		    size, when);
	}
	r |= buf_adds(b, "</table>\n</body>\n</html>\n");
	free_entries(e, n);
	return (r == 0 ? 0 : -1);
}
