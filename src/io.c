/*
 * Whole writes: partial writes and EINTR are retried, and a non-blocking
 * descriptor is waited on rather than spun on.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include "io.h"

/* Returns 0, or -1 with errno set (EPIPE for a closed reader). */
int
io_write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	struct pollfd	 pfd;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN) {
				pfd.fd = fd;
				pfd.events = POLLOUT;
				(void)poll(&pfd, 1, -1);
				continue;
			}
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}
