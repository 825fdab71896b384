/*
 * Running `--exec` commands: /bin/sh -c CMD with a socket as its stdin and
 * stdout and the SOCKCTL_* variables describing the connection.
 */
#ifndef CHILD_H
#define CHILD_H

#include <sys/types.h>

#include "log.h"

pid_t	child_spawn(const char *, int, struct sk_err *);
pid_t	child_spawn_io(const char *, int, int, int, struct sk_err *);
int	child_wait(pid_t, int *);

#endif /* CHILD_H */
