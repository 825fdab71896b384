/*
 * Path confinement for serve-http: opening a path relative to the served
 * directory so that no spelling of the path and no symlink leads out of
 * it, unless --follow-symlinks says so.  Shared by the responses and the
 * directory listing, so that what is listed is what is served.
 */
#ifndef HTTPD_PATH_H
#define HTTPD_PATH_H

struct httpd_root {
	int	 fd;		/* DIR, open O_DIRECTORY */
	char	*real;		/* realpath of DIR */
	int	 follow;	/* --follow-symlinks */
};

int	httpd_root_open(const struct httpd_root *, const char *, int);

#endif /* HTTPD_PATH_H */
