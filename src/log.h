/*
 * The one place that formats what sockctl says on stderr: errors prefixed
 * with the command name, usage errors with their "Try" hint, and -v lines.
 */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "compat.h"

#define EXIT_RUNTIME	1
#define EXIT_USAGE	2

/* A message carried up from a helper until the command decides. */
struct sk_err {
	char	msg[512];
};

extern int	log_verbosity;

void	log_setcmd(const char *);
void	log_set_verbosity(int);
const char *log_getcmd(void);
void	log_err(const char *, ...) __attribute__((__format__(printf, 1, 2)));
int	log_usage(const char *, ...) __attribute__((__format__(printf, 1, 2)));
void	log_verbose(int, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	err_set(struct sk_err *, const char *, ...)
	    __attribute__((__format__(printf, 2, 3)));
void	err_setv(struct sk_err *, const char *, va_list)
	    __attribute__((__format__(printf, 2, 0)));

#endif /* LOG_H */
