/*
 * Opens a path beneath the served directory with openat2(2)
 * RESOLVE_BENEATH: the kernel refuses "..", absolute paths and symlinks
 * that would leave it, with no race between a check and the open.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpd-path.h"

/*
 * RESOLVE_BENEATH also refuses absolute symlinks, even ones that land
 * inside DIR; those (and kernels without openat2) get a realpath check.
 */
static int
httpd_inside_root(const struct httpd_root *root, const char *rel)
{
	char	*full, *real;
	size_t	 n;
	int	 ok;

	n = strlen(root->real);
	if (asprintf(&full, "%s/%s", root->real, rel) == -1)
		return (0);
	real = realpath(full, NULL);
	free(full);
	if (real == NULL)
		return (0);
	ok = strncmp(real, root->real, n) == 0 &&
	    (real[n] == '/' || real[n] == '\0' || n == 1);
	free(real);
	return (ok);
}

/*
 * Opens rel, relative to DIR, with flags (O_CLOEXEC is added); returns
 * the descriptor, or -1 with errno set (ENOENT for a path that leaves
 * DIR).
 */
int
httpd_root_open(const struct httpd_root *root, const char *rel, int flags)
{
	struct open_how	how;
	int		fd;

	flags |= O_CLOEXEC;
	if (root->follow)
		return (openat(root->fd, rel, flags));
	memset(&how, 0, sizeof(how));
	how.flags = (unsigned long long)flags;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, root->fd, rel, &how, sizeof(how));
	if (fd == -1 && (errno == EXDEV || errno == ENOSYS)) {
		if (!httpd_inside_root(root, rel)) {
			errno = ENOENT;
			return (-1);
		}
		fd = openat(root->fd, rel, flags);
	}
	return (fd);
}
