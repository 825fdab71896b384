/*
 * A tiny TAP producer for the C unit tests.  ok(), is_int() and is_str()
 * print "ok N - what" or "not ok N - what" with the values on "#" lines
 * after a failure; todo_start()/todo_end() mark known bugs, which TAP
 * reports but does not count as failures; done_testing() prints the plan
 * "1..N" and returns the exit status (1 if anything failed).  Header only:
 * each test program includes it once.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int		 tap_count __attribute__((__unused__));
static int		 tap_failed __attribute__((__unused__));
static const char	*tap_todo __attribute__((__unused__));

static void
tap_vresult(int, const char *, int, const char *, va_list)
	__attribute__((__format__(printf, 4, 0), __unused__));
static int
tap_ok(int, const char *, int, const char *, ...)
	__attribute__((__format__(printf, 4, 5), __unused__));
static int
tap_is_int(long long, long long, const char *, int, const char *, ...)
	__attribute__((__format__(printf, 5, 6), __unused__));
static int
tap_is_str(const char *, const char *, const char *, int, const char *, ...)
	__attribute__((__format__(printf, 5, 6), __unused__));
static void
tap_diag(const char *, ...)
	__attribute__((__format__(printf, 1, 2), __unused__));
static void
todo_start(const char *) __attribute__((__unused__));
static void
todo_end(void) __attribute__((__unused__));
static int
done_testing(void) __attribute__((__unused__));

#define ok(cond, ...) \
	tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define is_int(got, want, ...) \
	tap_is_int((long long)(got), (long long)(want), __FILE__, __LINE__, \
	    __VA_ARGS__)
#define is_str(got, want, ...) \
	tap_is_str((got), (want), __FILE__, __LINE__, __VA_ARGS__)
#define diag(...)	tap_diag(__VA_ARGS__)

/* Diagnostics go to stdout as TAP comments, in order with the results. */
static void
tap_diag(const char *fmt, ...)
{
	va_list	ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
}

static void
tap_vresult(int pass, const char *file, int line, const char *fmt,
    va_list ap)
{
	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	vprintf(fmt, ap);
	if (tap_todo != NULL)
		printf(" # TODO %s", tap_todo);
	fputc('\n', stdout);
	if (!pass) {
		tap_diag("  failed at %s line %d", file, line);
		if (tap_todo == NULL)
			tap_failed++;
	}
}

static int
tap_ok(int pass, const char *file, int line, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	return (pass);
}

static int
tap_is_int(long long got, long long want, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	pass = got == want;

	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		tap_diag("     got: %lld", got);
		tap_diag("    want: %lld", want);
	}
	return (pass);
}

/* Two NULLs are equal; NULL and a string are not. */
static int
tap_is_str(const char *got, const char *want, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	int	pass;

	if (got == NULL || want == NULL)
		pass = got == want;
	else
		pass = strcmp(got, want) == 0;
	va_start(ap, fmt);
	tap_vresult(pass, file, line, fmt, ap);
	va_end(ap);
	if (!pass) {
		if (got != NULL)
			tap_diag("     got: '%s'", got);
		else
			tap_diag("     got: NULL");
		if (want != NULL)
			tap_diag("    want: '%s'", want);
		else
			tap_diag("    want: NULL");
	}
	return (pass);
}

/* Until todo_end(), failures are reported as "# TODO why" and forgiven. */
static void
todo_start(const char *why)
{
	tap_todo = why;
}

static void
todo_end(void)
{
	tap_todo = NULL;
}

static int
done_testing(void)
{
	printf("1..%d\n", tap_count);
	if (tap_failed > 0)
		tap_diag("failed %d of %d tests", tap_failed, tap_count);
	return (tap_failed > 0 ? 1 : 0);
}

#endif /* TAP_H */
