/*
 * sockctl: a netcat-style tool.  main() only sets up process-wide state and
 * hands over to the command table in cmd.c.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include "cmd.h"

int
main(int argc, char **argv)
{
	/* Writes to a closed peer or stdout must fail with EPIPE, not kill. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR) {
		perror("sockctl: signal");
		return (1);
	}
	return (cmd_main(argc, argv));
}
