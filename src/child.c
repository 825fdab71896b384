/*
 * posix_spawn(3) rather than fork(2): glibc implements it with a
 * CLONE_VM|CLONE_VFORK child, so the cost of starting a handler does not
 * grow with the parent, which is what lets `listen -k -e` answer thousands
 * of connections a second.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "sock.h"

extern char **environ;

#define NVARS	4

static void
child_free_env(char **env)
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
child_build_env(int sock)
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
		child_free_env(env);
		return (NULL);
	}
	return (env);
}

#define MAX_WORDS	32

/*
 * A command of plain words ("cat", "tr a-z A-Z") means the same run
 * directly as through sh -c, minus one process start per connection, which
 * dominates `listen -k -e` (dash does not exec its last command).  Anything
 * the shell would interpret, or a builtin, goes through /bin/sh.
 */
static int
child_split_simple(const char *cmd, char *copy, size_t len, char **argv)
{
	static const char *const shell_words[] = {
		"!", "case", "cd", "command", "do", "done", "elif", "else",
		"esac", "eval", "exec", "exit", "export", "fi", "for",
		"function", "if", "in", "read", "set", "shift", "source",
		"then", "trap", "ulimit", "umask", "unset", "until", "wait",
		"while", "{", "}", ".", ":", "alias", "break", "continue",
		"readonly", "return", "times", "type", "hash", "getopts",
		"local", "jobs", "fg", "bg", "kill", NULL
	};
	const char	*p;
	size_t		 i;
	int		 n = 0;

	if (strlcpy(copy, cmd, len) >= len)
		return (-1);
	for (p = cmd; *p != '\0'; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_/.,:+@%^- \t", *p) == NULL)
			return (-1);
	for (p = strtok(copy, " \t"); p != NULL; p = strtok(NULL, " \t")) {
		if (n == MAX_WORDS - 1)
			return (-1);
		argv[n++] = (char *)p;
	}
	if (n == 0 || strchr(argv[0], '=') != NULL)
		return (-1);
	for (i = 0; shell_words[i] != NULL; i++)
		if (strcmp(argv[0], shell_words[i]) == 0)
			return (-1);
	argv[n] = NULL;
	return (n);
}

pid_t
child_spawn(const char *cmd, int sock, struct sk_err *err)
{
	return (child_spawn_io(cmd, sock, sock, sock, err));
}

/* IN and OUT become the child's stdin and stdout; SOCK fills its env. */
pid_t
child_spawn_io(const char *cmd, int sock, int in, int out,
    struct sk_err *err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t	 attr;
	sigset_t		 def, none;
	char			*argv[MAX_WORDS], *copy;
	char			**env;
	size_t			 len;
	pid_t			 pid = -1;
	int			 e;

	if ((env = child_build_env(sock)) == NULL) {
		err_set(err, "out of memory");
		return (-1);
	}
	len = strlen(cmd) + 1;
	if ((copy = malloc(len)) == NULL) {
		child_free_env(env);
		err_set(err, "out of memory");
		return (-1);
	}
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
	posix_spawn_file_actions_adddup2(&fa, in, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, out, STDOUT_FILENO);
	/* Through the shell after all if the direct spawn fails at all. */
	e = -1;
	if (child_split_simple(cmd, copy, len, argv) > 0)
		e = posix_spawnp(&pid, argv[0], &fa, &attr, argv, env);
	if (e != 0) {
		argv[0] = "sh";
		argv[1] = "-c";
		argv[2] = (char *)cmd;
		argv[3] = NULL;
		e = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	}
	free(copy);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	child_free_env(env);
	if (e != 0) {
		err_set(err, "exec /bin/sh: %s", strerror(e));
		return (-1);
	}
	return (pid);
}

/*
 * Waits for one child; returns its exit status, 128+N for a signal.  The
 * caller has blocked SIGCHLD, SIGINT and SIGTERM since before the spawn:
 * a SIGINT or SIGTERM meanwhile is passed on to the child as SIGTERM (a
 * second one as SIGKILL) and stored in *sig, so that the caller can end by
 * it once the child is gone.
 */
int
child_wait(pid_t pid, int *sig)
{
	sigset_t	set;
	siginfo_t	si;
	pid_t		r;
	int		status;

	*sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	for (;;) {
		/* Before sleeping: the SIGCHLD may be long gone. */
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			break;
		if (r == -1 && errno != EINTR)
			return (-1);
		if (sigwaitinfo(&set, &si) == -1)
			continue;
		if (si.si_signo == SIGINT || si.si_signo == SIGTERM) {
			(void)kill(pid, *sig != 0 ? SIGKILL : SIGTERM);
			*sig = si.si_signo;
		}
	}
	if (WIFEXITED(status))
		return (WEXITSTATUS(status));
	if (WIFSIGNALED(status))
		return (128 + WTERMSIG(status));
	return (-1);
}
