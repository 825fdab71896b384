/*
 * Error, usage and verbose output.  Every line sockctl writes to stderr comes
 * through here so the "sockctl COMMAND:" prefix and the usage hint stay
 * uniform across commands.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * Appends src to the line being built, with every control character shown
 * as a C escape (\n, \r, \t, \xNN): an error is one line whatever the
 * value it quotes holds (a -H value with CR LF, a path with a newline),
 * and no escape sequence reaches the terminal.
 */
static char *
log_escape(char *out, const char *src)
{
	unsigned char	c;

	for (; (c = (unsigned char)*src) != '\0'; src++) {
		if (c >= 0x20 && c != 0x7f) {
			*out++ = (char)c;
			continue;
		}
		*out++ = '\\';
		switch (c) {
		case '\n':
			*out++ = 'n';
			break;
		case '\r':
			*out++ = 'r';
			break;
		case '\t':
			*out++ = 't';
			break;
		default:
			out += sprintf(out, "x%02x", c);
			break;
		}
	}
	return (out);
}

/*
 * Writes "sockctl CMD: MESSAGE\n" (and the usage hint) with one call, so
 * lines from concurrent processes sharing stderr never interleave.
 */
static void
log_line(int, const char *, va_list)
	__attribute__((__format__(printf, 2, 0)));

static void
log_line(int usage, const char *fmt, va_list ap)
{
	char		*msg = NULL, *line, *p;
	const char	*cmd = log_cmd != NULL ? log_cmd : "";
	va_list		 ap2;
	size_t		 len;

	va_copy(ap2, ap);
	if (vasprintf(&msg, fmt, ap) == -1) {
		/* No memory for the copy: the raw message is still said. */
		fprintf(stderr, "sockctl%s%s: ", *cmd != '\0' ? " " : "", cmd);
		vfprintf(stderr, fmt, ap2);
		fputc('\n', stderr);
		va_end(ap2);
		return;
	}
	va_end(ap2);
	/* Prefix and hint name the command twice; each escape is 4 bytes. */
	len = 2 * strlen(cmd) + 4 * strlen(msg) + 64;
	if ((line = malloc(len)) == NULL) {
		fprintf(stderr, "sockctl%s%s: %s\n", *cmd != '\0' ? " " : "",
		    cmd, msg);
		free(msg);
		return;
	}
	p = line + sprintf(line, "sockctl%s%s: ", *cmd != '\0' ? " " : "",
	    cmd);
	p = log_escape(p, msg);
	*p++ = '\n';
	if (usage)
		p += sprintf(p, "Try 'sockctl%s%s --help'.\n",
		    *cmd != '\0' ? " " : "", cmd);
	*p = '\0';
	fputs(line, stderr);
	free(line);
	free(msg);
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_line(0, fmt, ap);
	va_end(ap);
}

/* Prints the error and the hint; returns the usage exit status. */
int
log_usage(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_line(1, fmt, ap);
	va_end(ap);
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
