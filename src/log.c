/*
 * Error, usage and verbose output.  Every line sockctl writes to stderr comes
 * through here so the "sockctl COMMAND:" prefix and the usage hint stay
 * uniform across commands.
 */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

int		 log_verbosity;
static const char *log_cmd;

void
log_setcmd(const char *cmd)
{
	log_cmd = cmd;
}

const char *
log_getcmd(void)
{
	return (log_cmd);
}

static void
log_prefix(void)
{
	if (log_cmd != NULL)
		fprintf(stderr, "sockctl %s: ", log_cmd);
	else
		fputs("sockctl: ", stderr);
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;

	log_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Prints the error and the hint; returns the usage exit status. */
int
log_usage(const char *fmt, ...)
{
	va_list	ap;

	log_prefix();
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (log_cmd != NULL)
		fprintf(stderr, "Try 'sockctl %s --help'.\n", log_cmd);
	else
		fputs("Try 'sockctl --help'.\n", stderr);
	return (EXIT_USAGE);
}

void
log_verbose(int level, const char *fmt, ...)
{
	va_list	ap;

	if (log_verbosity < level)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
err_setv(struct sk_err *e, const char *fmt, va_list ap)
{
	if (e != NULL)
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
}

void
err_set(struct sk_err *e, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	err_setv(e, fmt, ap);
	va_end(ap);
}

/*
 * The one place verbosity is set: each command calls this with its -v
 * count right after parsing; everything else only reads log_verbosity.
 */
void
log_set_verbosity(int count)
{
	log_verbosity = count;
}
