/*
 * sockctl: a netcat-style tool.  main() only sets up process-wide state and
 * hands over to the command table in cmd.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cmd.h"

/*
 * A standard descriptor closed at start would be taken by the first
 * socket we open: payload meant for stdout, or log lines meant for stderr,
 * would then go into the connection.  /dev/null holds the place instead.
 */
static int
fill_std_fds(void)
{
	int	fd;

	for (fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor is this one. */
		if (open("/dev/null", fd == STDIN_FILENO ? O_RDONLY :
		    O_WRONLY) != fd)
			return (-1);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	if (fill_std_fds() == -1) {
		perror("sockctl: /dev/null");
		return (1);
	}
	/* Writes to a closed peer or stdout must fail with EPIPE, not kill. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("sockctl: signal");
		return (1);
	}
	/*
	 * An ignored SIGCHLD inherited from the parent would make the
	 * kernel reap --exec children on its own, so that waiting for them
	 * (and freeing a -m slot) never happens.
	 */
	if (signal(SIGCHLD, SIG_DFL) == SIG_ERR) {
		perror("sockctl: signal");
		return (1);
	}
	return (cmd_main(argc, argv));
}
