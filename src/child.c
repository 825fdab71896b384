/*
 * posix_spawn(3) rather than fork(2): glibc implements it with a
 * CLONE_VM|CLONE_VFORK child, so the cost of starting a handler does not
 * grow with the parent, which is what lets `listen -k -e` answer thousands
 * of connections a second.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sock.h"
#include "child.h"

extern char **environ;

#define NVARS	4

static void
free_env(char **env)
{
	size_t	n;

	for (n = 0; env[n] != NULL; n++)
		;
	/* The last NVARS entries are ours. */
	while (n > 0 && strncmp(env[n - 1], "SOCKCTL_", 8) == 0) {
		free(env[n - 1]);
		n--;
	}
	free(env);
}

static char **
build_env(int sock)
{
	struct sock_name local, peer;
	char		**env, **e;
	size_t		 n = 0, i = 0;
	int		 ok = 1;

	if (sock_local_name(sock, &local) == -1)
		local.host[0] = '\0', local.port = -1;
	if (sock_peer_name(sock, &peer) == -1)
		peer.host[0] = '\0', peer.port = -1;
	for (e = environ; *e != NULL; e++)
		n++;
	if ((env = calloc(n + NVARS + 1, sizeof(*env))) == NULL)
		return (NULL);
	for (e = environ; *e != NULL; e++)
		if (strncmp(*e, "SOCKCTL_", 8) != 0)
			env[i++] = *e;
	/* Owned strings sit at the end so they can be freed. */
	ok &= asprintf(&env[i++], "SOCKCTL_PEER_ADDR=%s", peer.host) != -1;
	ok &= (peer.port >= 0 ?
	    asprintf(&env[i++], "SOCKCTL_PEER_PORT=%d", peer.port) :
	    asprintf(&env[i++], "SOCKCTL_PEER_PORT=")) != -1;
	ok &= asprintf(&env[i++], "SOCKCTL_LOCAL_ADDR=%s", local.host) != -1;
	ok &= (local.port >= 0 ?
	    asprintf(&env[i++], "SOCKCTL_LOCAL_PORT=%d", local.port) :
	    asprintf(&env[i++], "SOCKCTL_LOCAL_PORT=")) != -1;
	env[i] = NULL;
	if (!ok) {
		free_env(env);
		return (NULL);
	}
	return (env);
}

pid_t
child_spawn(const char *cmd, int sock, struct sk_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t	 attr;
	sigset_t		 def, none;
	char			*argv[4];
	char			**env;
	pid_t			 pid = -1;
	int			 e;

	if ((env = build_env(sock)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	argv[0] = "sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	/* The child gets default signal handling and an empty mask. */
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGINT);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGCHLD);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF |
	    POSIX_SPAWN_SETSIGMASK);
	posix_spawn_file_actions_adddup2(&fa, sock, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, sock, STDOUT_FILENO);
	e = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free_env(env);
	if (e != 0) {
		err_set(err, "exec /bin/sh: %s", strerror(e));
		return (-1);
	}
	return (pid);
}

/* Waits for one child; returns its exit status, 128+N for a signal. */
int
child_wait(pid_t pid)
{
	int	status;

	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (-1);
}
