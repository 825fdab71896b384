/*
 * The access-control options shared by every server: reading the
 * --allowfile and --denyfile files and building the struct acl that the
 * accept and receive paths check (see acl-opt.h).
 */
#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl-opt.h"
#include "acl.h"
#include "log.h"

/* The first read's size; the buffer doubles from there up to the cap. */
#define ACLOPT_READ_FIRST	4096

const char *
aclopt_first(const struct acl_opts *o)
{
	if (o->allow.n > 0)
		return ("--allow");
	if (o->deny.n > 0)
		return ("--deny");
	if (o->allowfile.n > 0)
		return ("--allowfile");
	if (o->denyfile.n > 0)
		return ("--denyfile");
	return (NULL);
}

/*
 * Reads all of fd into *textp (not NUL-terminated: acl_add_text takes a
 * length, and a NUL in the file is an invalid SPEC there).  -1 with errno
 * set, EFBIG past the cap.
 */
static int
aclopt_read_all(int fd, char **textp, size_t *lenp)
{
	char	*text = NULL, *p;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 e;

	for (;;) {
		if (len == cap) {
			/* One byte past the cap tells a file that is over. */
			if (cap > ACLOPT_FILE_MAX) {
				free(text);
				errno = EFBIG;
				return (-1);
			}
			cap = cap == 0 ? ACLOPT_READ_FIRST : cap * 2;
			if (cap > ACLOPT_FILE_MAX)
				cap = ACLOPT_FILE_MAX + 1;
			if ((p = realloc(text, cap)) == NULL) {
				free(text);
				errno = ENOMEM;
				return (-1);
			}
			text = p;
		}
		n = read(fd, text + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			e = errno;
			free(text);
			errno = e;
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	*textp = text;
	*lenp = len;
	return (0);
}

/* Adds every SPEC of each file named by one of the file options. */
static int
aclopt_load_files(struct acl *a, enum acl_kind kind,
    const struct opt_list *files, const char *opt, struct sk_err *err)
{
	char	*text;
	size_t	 i, len;
	int	 fd, rv;

	for (i = 0; i < files->n; i++) {
		fd = open(files->v[i], O_RDONLY | O_CLOEXEC);
		if (fd == -1 || aclopt_read_all(fd, &text, &len) == -1) {
			if (errno == EFBIG)
				err_set(err, "%s %s: larger than %d MiB", opt,
				    files->v[i], ACLOPT_FILE_MAX >> 20);
			else
				err_set(err, "%s %s: %s", opt, files->v[i],
				    strerror(errno));
			if (fd != -1)
				close(fd);
			return (-1);
		}
		close(fd);
		rv = acl_add_text(a, kind, text, len, files->v[i], err);
		free(text);
		if (rv == -1)
			return (-1);
	}
	return (0);
}

int
aclopt_load(const struct acl_opts *o, struct acl *a, struct sk_err *err)
{
	size_t	i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < o->allow.n; i++)
		if (acl_add_spec(a, ACL_ALLOW, o->allow.v[i], err) == -1)
			goto fail;
	for (i = 0; i < o->deny.n; i++)
		if (acl_add_spec(a, ACL_DENY, o->deny.v[i], err) == -1)
			goto fail;
	if (aclopt_load_files(a, ACL_ALLOW, &o->allowfile, "--allowfile",
	    err) == -1 ||
	    aclopt_load_files(a, ACL_DENY, &o->denyfile, "--denyfile",
	    err) == -1)
		goto fail;
	return (0);
fail:
	acl_free(a);
	return (-1);
}
