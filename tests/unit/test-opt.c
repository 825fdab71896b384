/*
 * Unit tests of the option parser in src/opt.c, over a table of every value
 * type declared here: long options with "=value" or a separate value,
 * bundled short flags with attached or separate values, options among the
 * positionals, "--", --help and -h, unique prefixes of long options and
 * the error for an ambiguous one, hints for other tools' options, and the
 * exact one-line messages for every kind of bad option or value.  Also opt_distance, which picks the
 * "did you mean" suggestions, and the help and completion-word output.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compat.h"
#include "log.h"
#include "opt.h"
#include "tap.h"

#define E_DUR	"expected a number with an optional unit (ms, s, m, h)"

struct topts {
	int		 ipv4;
	int		 keep;
	int		 verbose;
	long long	 max;
	long long	 backlog;
	long long	 digit;
	long long	 timeout;
	int		 port;
	const char	*exec;
	const char	*host;
	struct opt_list	 headers;
	const char	*format;
};

/* Where opt_parse puts its message. */
static struct sk_err e;

static const char *const formats[] = { "line", "raw", "hex", "json", NULL };

static const struct opt table[] = {
	OPT_FLAG_('4', NULL, struct topts, ipv4, "use IPv4 only"),
	OPT_FLAG_('k', "keep-open", struct topts, keep, "keep open"),
	OPT_COUNT_('v', "verbose", struct topts, verbose, "more output"),
	OPT_INT_('m', "max-conns", struct topts, max, "N", 1, 100, NULL,
	    "at most N"),
	OPT_INT_(0, "backlog", struct topts, backlog, "N", 1, 65535, NULL,
	    "queue length"),
	OPT_INT_('n', NULL, struct topts, digit, "D", 0, 9, NULL, "one digit"),
	OPT_DUR_('w', "timeout", struct topts, timeout, NULL,
	    "give up after DUR"),
	OPT_PORT_('p', "source-port", struct topts, port, NULL, "from PORT"),
	OPT_STR_('e', "exec", struct topts, exec, "CMD", OPTK_COMMAND, NULL,
	    "run CMD"),
	OPT_LIST_('H', "header", struct topts, headers, "LINE", OPTK_TEXT,
	    "add LINE"),
	OPT_CHOICE_('f', "format", struct topts, format, "line|raw|hex|json",
	    formats, NULL, "output format"),
	OPT_END_
};

/* A table that takes -h for itself, as a "--host" option would. */
static const struct opt htable[] = {
	OPT_STR_('h', "host", struct topts, host, "HOST", OPTK_TEXT, NULL,
	    "the host"),
	OPT_FLAG_('k', "keep-open", struct topts, keep, "keep open"),
	OPT_END_
};

/* One opt_parse call and everything it gave back. */
struct run {
	const struct opt *tab;
	struct topts	 o;
	enum opt_result	 res;
	char		**pos;
	int		 npos;
	char		 err[256];
	char		*argv[32];
	int		 argc;
	char		 buf[1024];
};

/* Parses the NULL-terminated words after "cmd" with tab. */
static struct run *
run(const struct opt *tab, ...)
{
	struct run	*r;
	va_list		 ap;
	const char	*w;
	size_t		 used = 0, len;

	if ((r = calloc(1, sizeof(*r))) == NULL) {
		perror("calloc");
		exit(1);
	}
	r->tab = tab;
	r->o.port = -1;
	r->o.timeout = -1;
	r->argv[r->argc++] = strcpy(r->buf, "cmd");
	used = 4;
	va_start(ap, tab);
	while ((w = va_arg(ap, const char *)) != NULL) {
		len = strlen(w) + 1;
		if (used + len > sizeof(r->buf) ||
		    r->argc + 1 >= (int)nitems(r->argv)) {
			fputs("run: too many words\n", stderr);
			exit(1);
		}
		r->argv[r->argc++] = memcpy(r->buf + used, w, len);
		used += len;
	}
	va_end(ap);
	r->argv[r->argc] = NULL;
	strlcpy(e.msg, "(no message)", sizeof(e.msg));
	r->res = opt_parse(tab, &r->o, r->argc, r->argv, &r->pos, &r->npos,
	    &e);
	strlcpy(r->err, e.msg, sizeof(r->err));
	return (r);
}

static void
run_free(struct run *r)
{
	opt_free(r->tab, &r->o);
	free(r->pos);
	free(r);
}

/* The positionals, joined by '|', for one comparison. */
static const char *
joined(const struct run *r, char *buf, size_t len)
{
	int	i;

	buf[0] = '\0';
	for (i = 0; i < r->npos; i++) {
		if (i > 0)
			strlcat(buf, "|", len);
		strlcat(buf, r->pos[i], len);
	}
	return (buf);
}

static void
is_ok(const struct run *r, const char *what)
{
	is_int(r->res, OPT_OK, "%s: parsed", what);
	if (r->res != OPT_OK)
		diag("  message: %s", r->err);
}

static void
is_error(const struct run *r, const char *want, const char *what)
{
	is_int(r->res, OPT_ERROR, "%s: OPT_ERROR", what);
	is_str(r->err, want, "%s: message", what);
}

static void
is_pos(const struct run *r, const char *want, int n, const char *what)
{
	char	buf[256];

	is_int(r->npos, n, "%s: %d positionals", what, n);
	is_str(joined(r, buf, sizeof(buf)), want, "%s: positionals '%s'",
	    what, want);
	ok(r->pos != NULL && r->pos[r->npos] == NULL,
	    "%s: positionals end with NULL", what);
}

static void
test_long(void)
{
	struct run	*r;

	r = run(table, "--keep-open", "--verbose", "--max-conns", "7",
	    "--timeout", "1.5", "--source-port", "http", "--exec", "cat",
	    "--format", "hex", "--backlog", "65535", NULL);
	is_ok(r, "long options with separate values");
	is_int(r->o.keep, 1, "--keep-open sets the flag");
	is_int(r->o.verbose, 1, "--verbose counts 1");
	is_int(r->o.max, 7, "--max-conns 7");
	is_int(r->o.timeout, 1500, "--timeout 1.5 is 1500 ms");
	is_int(r->o.port, 80, "--source-port http is 80");
	is_str(r->o.exec, "cat", "--exec cat");
	is_str(r->o.format, "hex", "--format hex");
	ok(r->o.format == formats[2], "--format points at the table's string");
	is_int(r->o.backlog, 65535, "--backlog 65535 (the maximum)");
	is_pos(r, "", 0, "long options with separate values");
	run_free(r);

	r = run(table, "--max-conns=1", "--timeout=250ms", "--source-port=0",
	    "--exec=a=b", "--format=json", NULL);
	is_ok(r, "long options with =value");
	is_int(r->o.max, 1, "--max-conns=1 (the minimum)");
	is_int(r->o.timeout, 250, "--timeout=250ms");
	is_int(r->o.port, 0, "--source-port=0");
	is_str(r->o.exec, "a=b", "--exec=a=b splits at the first '='");
	is_str(r->o.format, "json", "--format=json");
	run_free(r);

	r = run(table, "--exec=", "--timeout", "1", "--timeout", "2m", NULL);
	is_ok(r, "empty =value and a repeated option");
	is_str(r->o.exec, "", "--exec= gives an empty string");
	is_int(r->o.timeout, 120000, "the last --timeout wins");
	run_free(r);

	r = run(table, "--exec", "-x", "--exec", "--", NULL);
	is_ok(r, "a separate value may start with '-'");
	is_str(r->o.exec, "--", "--exec takes the next word whatever it is");
	is_pos(r, "", 0, "a value that looks like an option");
	run_free(r);
}

static void
test_short(void)
{
	struct run	*r;

	r = run(table, "-kv", NULL);
	is_ok(r, "-kv");
	is_int(r->o.keep, 1, "-kv sets -k");
	is_int(r->o.verbose, 1, "-kv counts -v once");
	run_free(r);

	r = run(table, "-vvv", NULL);
	is_ok(r, "-vvv");
	is_int(r->o.verbose, 3, "-vvv counts 3");
	run_free(r);

	r = run(table, "-v", "--verbose", "-vv", NULL);
	is_ok(r, "-v --verbose -vv");
	is_int(r->o.verbose, 4, "-v --verbose -vv counts 4");
	run_free(r);

	r = run(table, "-w5", NULL);
	is_ok(r, "-w5");
	is_int(r->o.timeout, 5000, "-w5 attached value");
	run_free(r);

	r = run(table, "-w", "5", NULL);
	is_ok(r, "-w 5");
	is_int(r->o.timeout, 5000, "-w 5 separate value");
	is_pos(r, "", 0, "-w 5");
	run_free(r);

	r = run(table, "-k4vw250ms", NULL);
	is_ok(r, "-k4vw250ms");
	ok(r->o.keep == 1 && r->o.ipv4 == 1 && r->o.verbose == 1,
	    "-k4vw250ms sets the flags before the value");
	is_int(r->o.timeout, 250, "-k4vw250ms ends with -w's value");
	run_free(r);

	r = run(table, "-kw", "3s", NULL);
	is_ok(r, "-kw 3s");
	is_int(r->o.timeout, 3000, "-kw takes the next word as -w's value");
	run_free(r);

	r = run(table, "-wk", NULL);
	is_error(r, "invalid duration 'k' for --timeout: " E_DUR,
	    "-wk: 'k' is -w's value");
	run_free(r);

	r = run(table, "-ecat -n", "-p", "ssh", "-fraw", "-n9", NULL);
	is_ok(r, "short string, port, choice, int");
	is_str(r->o.exec, "cat -n", "-e's attached value keeps spaces");
	is_int(r->o.port, 22, "-p ssh is 22");
	is_str(r->o.format, "raw", "-fraw");
	is_int(r->o.digit, 9, "-n9");
	run_free(r);
}

static void
test_positionals(void)
{
	struct run	*r;

	r = run(table, "host", "-k", "80", "--timeout", "2", "-v", NULL);
	is_ok(r, "options after positionals");
	is_pos(r, "host|80", 2, "options after positionals");
	ok(r->o.keep == 1 && r->o.verbose == 1 && r->o.timeout == 2000,
	    "options after positionals are all parsed");
	run_free(r);

	r = run(table, "a", "--", "-k", "--timeout", "-", "--", NULL);
	is_ok(r, "'--' ends options");
	is_pos(r, "a|-k|--timeout|-|--", 5, "'--' ends options");
	ok(r->o.keep == 0 && r->o.timeout == -1,
	    "nothing after '--' is an option");
	run_free(r);

	r = run(table, "-", "-k", NULL);
	is_ok(r, "'-' alone");
	is_pos(r, "-", 1, "'-' alone is a positional");
	is_int(r->o.keep, 1, "an option after '-' is still parsed");
	run_free(r);

	r = run(table, NULL);
	is_ok(r, "no arguments");
	is_pos(r, "", 0, "no arguments");
	run_free(r);

	r = run(table, "--", "--help", NULL);
	is_ok(r, "'--' then --help");
	is_pos(r, "--help", 1, "--help after '--' is a positional");
	run_free(r);
}

static void
test_help(void)
{
	struct run	*r;

	r = run(table, "--help", NULL);
	is_int(r->res, OPT_HELP, "--help gives OPT_HELP");
	run_free(r);

	r = run(table, "-h", NULL);
	is_int(r->res, OPT_HELP, "-h gives OPT_HELP");
	run_free(r);

	r = run(table, "-kh", NULL);
	is_int(r->res, OPT_HELP, "-kh gives OPT_HELP");
	run_free(r);

	r = run(table, "host", "80", "--help", NULL);
	is_int(r->res, OPT_HELP, "--help after positionals gives OPT_HELP");
	run_free(r);

	r = run(table, "--help", "--no-such-option", NULL);
	is_int(r->res, OPT_HELP, "--help before a bad option wins");
	run_free(r);

	r = run(table, "--help=1", NULL);
	is_error(r, "option '--help' takes no value", "--help=1");
	run_free(r);

	r = run(htable, "-h", "example.com", "-k", NULL);
	is_ok(r, "a table with its own -h");
	is_str(r->o.host, "example.com", "-h is the table's option there");
	is_int(r->o.keep, 1, "-k after the table's -h");
	run_free(r);

	r = run(htable, "--help", NULL);
	is_int(r->res, OPT_HELP, "--help still gives OPT_HELP there");
	run_free(r);
}

static void
test_lists(void)
{
	struct run	*r;

	r = run(table, "-H", "a: 1", "--header", "b: 2", "-Hc: 3",
	    "--header=d: 4", NULL);
	is_ok(r, "--header four times");
	is_int(r->o.headers.n, 4, "a list accumulates every occurrence");
	if (r->o.headers.n == 4) {
		is_str(r->o.headers.v[0], "a: 1", "list item 1");
		is_str(r->o.headers.v[1], "b: 2", "list item 2");
		is_str(r->o.headers.v[2], "c: 3", "list item 3");
		is_str(r->o.headers.v[3], "d: 4", "list item 4");
		ok(r->o.headers.v[4] == NULL, "the list ends with NULL");
	}
	opt_free(table, &r->o);
	ok(r->o.headers.v == NULL && r->o.headers.n == 0,
	    "opt_free empties the list");
	run_free(r);

	r = run(table, "--header", "only", NULL);
	is_int(r->o.headers.n, 1, "one list item");
	ok(r->o.headers.v != NULL && r->o.headers.v[1] == NULL,
	    "one list item ends with NULL");
	run_free(r);

	r = run(table, NULL);
	ok(r->o.headers.v == NULL && r->o.headers.n == 0,
	    "an unused list stays empty");
	run_free(r);
}

struct err_case {
	const char	*args[4];
	const char	*err;
};

static const struct err_case err_cases[] = {
	/* Unknown options, with a suggestion when one is near. */
	{ { "--vrebose" },
	    "unknown option '--vrebose' (did you mean '--verbose'?)" },
	{ { "--vrebose=3" },
	    "unknown option '--vrebose' (did you mean '--verbose'?)" },
	{ { "--verbos=3" }, "option '--verbose' takes no value" },
	{ { "--keep-opn" },
	    "unknown option '--keep-opn' (did you mean '--keep-open'?)" },
	{ { "--time-out", "5" },
	    "unknown option '--time-out' (did you mean '--timeout'?)" },
	{ { "--zzzzzz" }, "unknown option '--zzzzzz'" },
	{ { "--keepopen" },
	    "unknown option '--keepopen' (did you mean '--keep-open'?)" },
	{ { "--keep-open-x" },
	    "unknown option '--keep-open-x' (did you mean '--keep-open'?)" },
	{ { "--=1" }, "unknown option '--'" },
	/* A prefix of more than one name. */
	{ { "--he" }, "ambiguous option '--he' (could be '--help', '--header')" },
	{ { "--h=1" }, "ambiguous option '--h' (could be '--help', '--header')" },
	{ { "--tim" }, "option '--timeout' requires a value" },
	{ { "--hel=1" }, "option '--help' takes no value" },
	{ { "-x" }, "unknown option '-x'" },
	{ { "-kx" }, "unknown option '-x'" },
	{ { "-6" }, "unknown option '-6'" },
	/* Missing values. */
	{ { "--timeout" }, "option '--timeout' requires a value" },
	{ { "-w" }, "option '-w' requires a value" },
	{ { "-kw" }, "option '-w' requires a value" },
	{ { "host", "--exec" }, "option '--exec' requires a value" },
	{ { "-n" }, "option '-n' requires a value" },
	/* Values given to options that take none. */
	{ { "--verbose=1" }, "option '--verbose' takes no value" },
	{ { "--keep-open=" }, "option '--keep-open' takes no value" },
	/* Integers within their range. */
	{ { "--max-conns", "0" },
	    "invalid value '0' for --max-conns: too small (1-100)" },
	{ { "--max-conns=101" },
	    "invalid value '101' for --max-conns: too large (1-100)" },
	{ { "-m", "99999999999999999999" },
	    "invalid value '99999999999999999999' for --max-conns: "
	    "too large (1-100)" },
	{ { "-m-1" }, "invalid value '-1' for --max-conns: too small (1-100)" },
	{ { "-n", "10" }, "invalid value '10' for -n: too large (0-9)" },
	{ { "--backlog", "0" },
	    "invalid value '0' for --backlog: too small (1-65535)" },
	/* Durations, ports, choices. */
	{ { "--timeout", "abc" },
	    "invalid duration 'abc' for --timeout: " E_DUR },
	{ { "-w5x" }, "invalid duration '5x' for --timeout: " E_DUR },
	{ { "--timeout=" }, "invalid duration '' for --timeout: " E_DUR },
	{ { "-w", "-1" }, "invalid duration '-1' for --timeout: " E_DUR },
	{ { "--timeout", "99999999999h" },
	    "invalid duration '99999999999h' for --timeout: too large" },
	{ { "--source-port", "70000" },
	    "invalid port '70000' for --source-port: too large (0-65535)" },
	{ { "-p", "-1" },
	    "invalid port '-1' for --source-port: too small (0-65535)" },
	{ { "-pnosuchsvc" },
	    "invalid port 'nosuchsvc' for --source-port: "
	    "unknown service name" },
	{ { "--source-port=" },
	    "invalid port '' for --source-port: empty" },
	{ { "--format", "xml" },
	    "invalid value 'xml' for --format: expected one of "
	    "line, raw, hex, json" },
	{ { "-fHEX" },
	    "invalid value 'HEX' for --format: expected one of "
	    "line, raw, hex, json" },
};

static void
test_errors(void)
{
	const struct err_case *t;
	struct run	*r;
	char		 what[128];
	size_t		 i;

	for (t = err_cases; t < err_cases + nitems(err_cases); t++) {
		what[0] = '\0';
		for (i = 0; i < nitems(t->args) && t->args[i] != NULL; i++) {
			if (i > 0)
				strlcat(what, " ", sizeof(what));
			strlcat(what, t->args[i], sizeof(what));
		}
		r = run(table, t->args[0], t->args[1], t->args[2], t->args[3],
		    NULL);
		is_error(r, t->err, what);
		run_free(r);
	}
}

/* A table where prefixes collide, as connect's --retry and --recv-only. */
struct popts {
	long long	 retry;
	long long	 delay;
	int		 recv;
	const char	*pfile;
};

static const struct opt ptable[] = {
	OPT_INT_(0, "retry", struct popts, retry, "N", 0, 9, NULL,
	    "retry N times"),
	OPT_DUR_(0, "retry-delay", struct popts, delay, NULL, "between tries"),
	OPT_FLAG_(0, "recv-only", struct popts, recv, "only receive"),
	OPT_STR_(0, "port-file", struct popts, pfile, "FILE", OPTK_FILE, NULL,
	    "write the port"),
	OPT_END_
};

/* One parse of ptable, with or without hints; returns the result. */
static enum opt_result
prun(const struct opt_hint *hints, struct popts *o, char *err, size_t len,
    int argc, char **argv)
{
	enum opt_result	 r;
	char		**pos = NULL;
	int		 npos;

	memset(o, 0, sizeof(*o));
	strlcpy(e.msg, "(no message)", sizeof(e.msg));
	r = opt_parse_hints(ptable, hints, o, argc, argv, &pos, &npos, &e);
	/* As a caller with a smaller buffer would copy it. */
	strlcpy(err, e.msg, len);
	free(pos);
	return (r);
}

/*
 * A long option may be shortened to a unique prefix, as commands may; an
 * exact name wins over a longer one it is a prefix of; a prefix of several
 * names is an error that lists them.
 */
static void
test_prefix(void)
{
	struct run	*r;
	struct popts	 o;
	char		 err[256];
	char		*a1[] = { "cmd", "--retry", "3", NULL };
	char		*a2[] = { "cmd", "--retry-", "1.5", "--rec", NULL };
	char		*a3[] = { "cmd", "--re", NULL };
	char		*a4[] = { "cmd", "--r=1", NULL };
	char		*a5[] = { "cmd", "--p=f", "--retry-d=2", NULL };
	char		*a6[] = { "cmd", "--h", NULL };

	r = run(table, "--keep", "--verb", "--time", "5", "--max=3",
	    "--form", "hex", "--so=22", "--ex", "cat", "--back=9", NULL);
	is_ok(r, "unique prefixes of long options");
	is_int(r->o.keep, 1, "--keep is --keep-open");
	is_int(r->o.verbose, 1, "--verb is --verbose");
	is_int(r->o.timeout, 5000, "--time 5 is --timeout 5");
	is_int(r->o.max, 3, "--max=3 is --max-conns=3");
	is_str(r->o.format, "hex", "--form hex is --format hex");
	is_int(r->o.port, 22, "--so=22 is --source-port=22");
	is_str(r->o.exec, "cat", "--ex cat is --exec cat");
	is_int(r->o.backlog, 9, "--back=9 is --backlog=9");
	is_pos(r, "", 0, "unique prefixes of long options");
	run_free(r);

	r = run(table, "--max", "0", NULL);
	is_error(r, "invalid value '0' for --max-conns: too small (1-100)",
	    "a bad value is reported under the option's full name");
	run_free(r);

	r = run(table, "--hel", NULL);
	is_int(r->res, OPT_HELP, "--hel is --help");
	run_free(r);

	r = run(table, "--hea", "x: y", NULL);
	is_ok(r, "--hea is --header");
	is_int(r->o.headers.n, 1, "--hea adds a header");
	run_free(r);

	r = run(htable, "--ho", "example.com", NULL);
	is_ok(r, "--ho is --host where the table has -h, --host");
	is_str(r->o.host, "example.com", "--ho example.com");
	run_free(r);

	r = run(htable, "--h", NULL);
	is_error(r, "ambiguous option '--h' (could be '--help', '--host')",
	    "--h is --help or --host");
	run_free(r);

	is_int(prun(NULL, &o, err, sizeof(err), 3, a1), OPT_OK,
	    "--retry: an exact name");
	is_int(o.retry, 3, "--retry is not taken for --retry-delay");
	is_int(prun(NULL, &o, err, sizeof(err), 4, a2), OPT_OK,
	    "--retry- and --rec: unique prefixes");
	ok(o.delay == 1500 && o.recv == 1,
	    "--retry- is --retry-delay, --rec is --recv-only");
	is_int(prun(NULL, &o, err, sizeof(err), 2, a3), OPT_ERROR,
	    "--re: ambiguous");
	is_str(err, "ambiguous option '--re' (could be '--retry', "
	    "'--retry-delay', '--recv-only')", "--re: every candidate named");
	is_int(prun(NULL, &o, err, sizeof(err), 2, a4), OPT_ERROR,
	    "--r=1: ambiguous");
	is_str(err, "ambiguous option '--r' (could be '--retry', "
	    "'--retry-delay', '--recv-only')", "--r=1: named without '=1'");
	is_int(prun(NULL, &o, err, sizeof(err), 3, a5), OPT_OK,
	    "--p=f and --retry-d=2");
	ok(o.pfile != NULL && strcmp(o.pfile, "f") == 0 && o.delay == 2000,
	    "--p=f is --port-file=f, --retry-d=2 is --retry-delay=2");
	is_int(prun(NULL, &o, err, sizeof(err), 2, a6), OPT_HELP,
	    "--h is --help where no other name starts with h");

	/* A message cut short by a small buffer still ends with a NUL. */
	is_int(prun(NULL, &o, err, 20, 2, a3), OPT_ERROR,
	    "--re into a 20-byte message");
	is_str(err, "ambiguous option '-", "the message is cut at 19 bytes");
}

/* Hints for options of other tools, only where the table has none. */
static void
test_hints(void)
{
	static const struct opt_hint hints[] = {
		{ 'u', "udp", "for UDP use udp-send" },
		{ 'l', NULL, "no -l needed" },
		{ 0, "retry", "never shown: the table has --retry" },
		{ 0, NULL, NULL }
	};
	struct popts	 o;
	char		 err[256];
	char		*a1[] = { "cmd", "-u", NULL };
	char		*a2[] = { "cmd", "--udp", NULL };
	char		*a3[] = { "cmd", "--udp=1", NULL };
	char		*a4[] = { "cmd", "-l", NULL };
	char		*a5[] = { "cmd", "--l", NULL };
	char		*a6[] = { "cmd", "--retry", "1", "-x", NULL };
	char		*a7[] = { "cmd", "--ud", NULL };

	is_int(prun(hints, &o, err, sizeof(err), 2, a1), OPT_ERROR, "-u");
	is_str(err, "unknown option '-u' (for UDP use udp-send)",
	    "-u: the hint follows");
	is_int(prun(hints, &o, err, sizeof(err), 2, a2), OPT_ERROR, "--udp");
	is_str(err, "unknown option '--udp' (for UDP use udp-send)",
	    "--udp: the same hint by its long name");
	is_int(prun(hints, &o, err, sizeof(err), 2, a3), OPT_ERROR,
	    "--udp=1");
	is_str(err, "unknown option '--udp' (for UDP use udp-send)",
	    "--udp=1: the hint, the name without its value");
	is_int(prun(hints, &o, err, sizeof(err), 2, a4), OPT_ERROR, "-l");
	is_str(err, "unknown option '-l' (no -l needed)",
	    "-l: a short-only hint");
	is_int(prun(hints, &o, err, sizeof(err), 2, a5), OPT_ERROR, "--l");
	is_str(err, "unknown option '--l'",
	    "--l: a short-only hint is not used for a long option");
	is_int(prun(hints, &o, err, sizeof(err), 4, a6), OPT_ERROR,
	    "--retry 1 -x");
	is_int(o.retry, 1, "--retry parsed though a hint names it");
	is_str(err, "unknown option '-x'", "-x: no hint for it");
	is_int(prun(hints, &o, err, sizeof(err), 2, a7), OPT_ERROR, "--ud");
	is_str(err, "unknown option '--ud'",
	    "--ud: a hint needs the whole name");
	is_int(prun(NULL, &o, err, sizeof(err), 2, a1), OPT_ERROR,
	    "-u without hints");
	is_str(err, "unknown option '-u'", "-u without hints: no hint");
}

/* A name too long to compare gets no suggestion, and no overflow. */
static void
test_long_name(void)
{
	struct run	*r;
	char		 arg[160], want[200];

	memset(arg, 'a', sizeof(arg));
	arg[0] = arg[1] = '-';
	arg[sizeof(arg) - 1] = '\0';
	snprintf(want, sizeof(want), "unknown option '%s'", arg);
	r = run(table, arg, NULL);
	is_error(r, want, "a 157-letter unknown option");
	run_free(r);
}

/*
 * "not a number" must not depend on what errno held before the call:
 * strtonum(3) from libbsd does not set errno, so opt.c may not read it.
 */
static void
test_int_messages(void)
{
	struct run	*r;

	errno = 0;
	r = run(table, "--max-conns", "abc", NULL);
	is_error(r, "invalid value 'abc' for --max-conns: not a number "
	    "(1-100)", "--max-conns abc (errno 0 before)");
	run_free(r);

	errno = 0;
	r = run(table, "--backlog=", NULL);
	is_error(r, "invalid value '' for --backlog: not a number (1-65535)",
	    "--backlog= (errno 0 before)");
	run_free(r);

	errno = 0;
	r = run(table, "-m", "5x", NULL);
	is_error(r, "invalid value '5x' for --max-conns: not a number "
	    "(1-100)", "-m 5x (errno 0 before)");
	run_free(r);

	errno = EINVAL;
	r = run(table, "--max-conns", "101", NULL);
	is_error(r, "invalid value '101' for --max-conns: too large (1-100)",
	    "--max-conns 101 (errno EINVAL before)");
	run_free(r);
}

struct dist_case {
	const char	*a;
	const char	*b;
	size_t		 d;
};

static const struct dist_case dist_cases[] = {
	{ "",		"",		0 },
	{ "abc",	"",		3 },
	{ "",		"abc",		3 },
	{ "listen",	"listen",	0 },
	{ "lisen",	"listen",	1 },
	{ "listne",	"listen",	2 },	/* no transpositions */
	{ "conect",	"connect",	1 },
	{ "connectt",	"connect",	1 },
	{ "kitten",	"sitting",	3 },
	{ "flaw",	"lawn",		2 },
	{ "udp",	"udp-send",	5 },
	{ "udp-sned",	"udp-send",	2 },
	{ "verbos",	"verbose",	1 },
	{ "timeout",	"time-out",	1 },
	{ "a",		"b",		1 },
	{ "ab",		"ba",		2 },
	{ "chat",	"serve-http",	8 },
};

static void
test_distance(void)
{
	const struct dist_case *t;

	for (t = dist_cases; t < dist_cases + nitems(dist_cases); t++) {
		is_int(opt_distance(t->a, t->b), t->d,
		    "opt_distance('%s', '%s') is %zu", t->a, t->b, t->d);
		is_int(opt_distance(t->b, t->a), t->d,
		    "opt_distance('%s', '%s') is %zu", t->b, t->a, t->d);
	}
}

/* Reads what fn wrote to a memory stream into a string (caller frees). */
static char *
capture(void (*fn)(FILE *, const struct opt *), const struct opt *tab)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL) {
		perror("open_memstream");
		exit(1);
	}
	fn(fp, tab);
	fclose(fp);
	return (buf);
}

static void
test_output(void)
{
	static const struct opt empty[] = { OPT_END_ };
	static const struct opt small[] = {
		OPT_FLAG_('k', "keep-open", struct topts, keep, "keep open"),
		OPT_DUR_('w', "timeout", struct topts, timeout, NULL,
		    "give up after DUR"),
		OPT_STR_(0, "port-file", struct topts, exec, "FILE",
		    OPTK_FILE, NULL, "write the port to FILE"),
		OPT_END_
	};
	static const struct opt nodur[] = {
		OPT_FLAG_('k', "keep-open", struct topts, keep, "keep open"),
		OPT_END_
	};
	char	*s;

	s = capture(opt_print_help, small);
	is_str(s,
	    "Options:\n"
	    "  -k, --keep-open           keep open\n"
	    "  -w, --timeout DUR         give up after DUR\n"
	    "      --port-file FILE      write the port to FILE\n"
	    "  -h, --help                show this help and exit\n"
	    "\n"
	    "DUR is a number of seconds with an optional unit: 2, 1.5, "
	    "250ms, 3s, 2m, 1h.\n",
	    "opt_print_help: aligned at column 28, --help last, then DUR "
	    "explained once");
	free(s);

	s = capture(opt_print_help, nodur);
	is_str(s,
	    "Options:\n"
	    "  -k, --keep-open           keep open\n"
	    "  -h, --help                show this help and exit\n",
	    "opt_print_help: no DUR option, no word about DUR");
	free(s);

	s = capture(opt_print_help, ptable);
	is_str(strstr(s, "\n  -h, --help"),
	    "\n  -h, --help                show this help and exit\n"
	    "\n"
	    "DUR is a number of seconds with an optional unit: 2, 1.5, "
	    "250ms, 3s, 2m, 1h.\n",
	    "opt_print_help: DUR explained once, last, for a long-only DUR");
	free(s);

	s = capture(opt_print_help, empty);
	is_str(s,
	    "Options:\n"
	    "  -h, --help                show this help and exit\n",
	    "opt_print_help: an empty table still lists --help");
	free(s);

	s = capture(opt_print_help, table);
	ok(strstr(s, "\n  -4                        use IPv4 only\n") != NULL,
	    "opt_print_help: a short-only flag");
	ok(strstr(s, "\n      --backlog N           queue length\n") != NULL,
	    "opt_print_help: a long-only option is indented past '-x, '");
	ok(strstr(s, "\n  -f, --format line|raw|hex|json\n"
	    "                            output format\n") != NULL,
	    "opt_print_help: a long left column wraps to column 28");
	free(s);

	s = capture(opt_print_words, table);
	is_str(s,
	    "-4\n-k\n--keep-open\n-v\n--verbose\n-m\n--max-conns\n"
	    "--backlog\n-n\n-w\n--timeout\n-p\n--source-port\n-e\n--exec\n"
	    "-H\n--header\n-f\n--format\n-h\n--help\n",
	    "opt_print_words: every name in table order, then -h --help");
	free(s);
}


struct dopts {
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	long long	 max;
	long long	 retry;
	long long	 chunk;
	long long	 wait;
	long long	 idle;
	int		 port;
	int		 srcport;
	const char	*bind;
	const char	*format;
	const char	*pfile;
};

static const struct opt dtable[] = {
	OPT__FAMILY(struct dopts, ipv4, ipv6),
	OPT__MAX_CONNS(struct dopts, max, 100, "64", "at most N"),
	OPT_INT_(0, "retry", struct dopts, retry, "N", 0, 9, NULL, "retry"),
	OPT_INT_(0, "chunk", struct dopts, chunk, "N", 1, 9, NULL, "chunk"),
	OPT__TIMEOUT(struct dopts, wait, "2s", "wait DUR"),
	OPT__IDLE(struct dopts, idle, NULL, "idle DUR"),
	OPT_PORT_('p', "port", struct dopts, port, "http", "listen on PORT"),
	OPT__SOURCE_PORT(struct dopts, srcport, "from PORT"),
	OPT_STR_('b', "bind", struct dopts, bind, "ADDRESS", OPTK_HOST,
	    "127.0.0.1", "listen on ADDRESS"),
	OPT_CHOICE_('f', "format", struct dopts, format, "line|raw|hex|json",
	    formats, "hex", "output format"),
	OPT__PORT_FILE(struct dopts, pfile, "write the port to FILE"),
	OPT__VERBOSE(struct dopts, verbose, "more"),
	OPT_END_
};

/*
 * The table is the only place a default is written: opt_set_defaults
 * runs each through the value parser, and what is not given holds a
 * value no user can give.
 */
static void
test_defaults(void)
{
	static const struct opt bad[] = {
		OPT_INT_(0, "max", struct dopts, max, "N", 1, 9, "10", "max"),
		OPT_END_
	};
	struct dopts	 d;

	memset(&d, 0, sizeof(d));
	d.ipv4 = d.verbose = 7;
	d.pfile = "kept";
	is_int(opt_set_defaults(dtable, &d, &e), 0, "defaults: accepted");
	is_int(d.max, 64, "defaults: a number");
	is_int(d.wait, 2000, "defaults: a duration, parsed (2s)");
	is_int(d.port, 80, "defaults: a port, by service name");
	is_str(d.bind, "127.0.0.1", "defaults: a string");
	ok(d.format == formats[2], "defaults: a choice points at its entry");
	is_int(d.retry, -1, "defaults: a number from 0 not given is -1");
	is_int(d.chunk, 0, "defaults: a number from 1 not given is 0");
	is_int(d.idle, -1, "defaults: a duration not given is -1");
	is_int(d.srcport, -1, "defaults: a port not given is -1");
	ok(d.ipv4 == 7 && d.verbose == 7 && d.pfile != NULL &&
	    strcmp(d.pfile, "kept") == 0,
	    "defaults: flags, counts and strings untouched");
	is_int(opt_set_defaults(bad, &d, &e), -1, "defaults: out of range");
	is_str(e.msg, "invalid value '10' for --max: too large (1-9)",
	    "defaults: said as for a user's value");
}

/* Options of one exclusive group refuse each other, once, after parsing. */
static void
test_groups(void)
{
	char	*a1[] = { "cmd", "-4", "-6", NULL };
	char	*a2[] = { "cmd", "-6", "-v", "-4", NULL };
	char	*a3[] = { "cmd", "-4", "-4", "-6", "--bogus", NULL };
	char	*a4[] = { "cmd", "-46", NULL };
	char	*a5[] = { "cmd", "-4", "-4", NULL };
	char	**pos;
	int	 npos;
	struct dopts d;

	memset(&d, 0, sizeof(d));
	is_int(opt_parse(dtable, &d, 3, a1, &pos, &npos, &e), OPT_ERROR,
	    "groups: -4 -6");
	is_str(e.msg, "-4 and -6 cannot be used together",
	    "groups: the message names both");
	free(pos);
	is_int(opt_parse(dtable, &d, 4, a2, &pos, &npos, &e), OPT_ERROR,
	    "groups: -6 ... -4");
	is_str(e.msg, "-4 and -6 cannot be used together",
	    "groups: named in table order");
	free(pos);
	is_int(opt_parse(dtable, &d, 5, a3, &pos, &npos, &e), OPT_ERROR,
	    "groups: and an unknown option");
	is_str(e.msg, "unknown option '--bogus'",
	    "groups: checked after the whole line parses");
	free(pos);
	is_int(opt_parse(dtable, &d, 2, a4, &pos, &npos, &e), OPT_ERROR,
	    "groups: bundled -46");
	free(pos);
	is_int(opt_parse(dtable, &d, 3, a5, &pos, &npos, &e), OPT_OK,
	    "groups: the same option twice is no clash");
	free(pos);
}

/* --help shows each default; the table dump is one line per option. */
static void
test_table_output(void)
{
	char	*s;

	s = capture(opt_print_help, dtable);
	ok(strstr(s, "\n  -m, --max-conns N         at most N (default 64)\n")
	    != NULL, "opt_print_help: the default after the help");
	ok(strstr(s, "\n  -f, --format line|raw|hex|json\n"
	    "                            output format (default hex)\n") !=
	    NULL, "opt_print_help: the default after a wrapped line");
	ok(strstr(s, "idle DUR\n") != NULL,
	    "opt_print_help: no default, nothing added");
	free(s);

	s = capture(opt_print_table, dtable);
	is_str(s,
	    "-4\t-\tnone\t-\t-\t-\t1\tonce\tuse IPv4 only\n"
	    "-6\t-\tnone\t-\t-\t-\t1\tonce\tuse IPv6 only\n"
	    "-m\t--max-conns\tnumber\tN\t64\t1-100\t-\tonce\tat most N\n"
	    "-\t--retry\tnumber\tN\t-\t0-9\t-\tonce\tretry\n"
	    "-\t--chunk\tnumber\tN\t-\t1-9\t-\tonce\tchunk\n"
	    "-w\t--timeout\tduration\tDUR\t2s\t-\t-\tonce\twait DUR\n"
	    "-i\t--idle-timeout\tduration\tDUR\t-\t-\t-\tonce\tidle DUR\n"
	    "-p\t--port\tport\tPORT\thttp\t-\t-\tonce\tlisten on PORT\n"
	    "-p\t--source-port\tport\tPORT\t-\t-\t-\tonce\tfrom PORT\n"
	    "-b\t--bind\thost\tADDRESS\t127.0.0.1\t-\t-\tonce\t"
	    "listen on ADDRESS\n"
	    "-f\t--format\tchoice\tline|raw|hex|json\thex\tline,raw,hex,json"
	    "\t-\tonce\toutput format\n"
	    "-\t--port-file\tfile\tFILE\t-\t-\t-\tonce\t"
	    "write the port to FILE\n"
	    "-v\t--verbose\tnone\t-\t-\t-\t-\trepeat\tmore\n"
	    "-h\t--help\tnone\t-\t-\t-\t-\tonce\tshow this help and exit\n",
	    "opt_print_table: short, long, kind, ARG, default, range, group, "
	    "repeat, help");
	free(s);
}

int
main(void)
{
	test_long();
	test_short();
	test_positionals();
	test_help();
	test_lists();
	test_errors();
	test_prefix();
	test_hints();
	test_long_name();
	test_int_messages();
	test_distance();
	test_output();
	test_defaults();
	test_groups();
	test_table_output();
	return (done_testing());
}
