/*
 * The command table and dispatch: lookup by exact name or unique prefix,
 * "did you mean" for a typo, `help`, and the generic run of a command
 * (defaults, parse, --help, exec) so command files hold only their logic.
 * Also the checks of positional arguments that several commands share, and
 * the hints for other tools' habits (nc -u, nc -l -p PORT, HOST:PORT), kept
 * here in one place rather than in each command.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "cmd.h"
#include "log.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_listen_entry,
	&cmd_connect_entry,
	&cmd_udp_send_entry,
	&cmd_udp_recv_entry,
	&cmd_serve_http_entry,
	&cmd_chat_entry,
	&cmd_forward_entry,
	&cmd_proxy_entry,
	NULL
};

static const struct opt no_options[] = { OPT_END_ };

#define HINT_UDP	"for UDP use sockctl udp-send or sockctl udp-recv"

/* Options of nc, ncat and socat that sockctl spells differently. */
static const struct opt_hint listen_hints[] = {
	{ 'l', "listen", "sockctl listen needs no -l" },
	{ 'p', NULL, "the port is positional: sockctl listen [ADDRESS] PORT" },
	{ 'u', "udp", HINT_UDP },
	{ 0, NULL, NULL }
};
static const struct opt_hint connect_hints[] = {
	{ 'l', "listen", "to wait for a client, use sockctl listen" },
	{ 'u', "udp", HINT_UDP },
	{ 0, NULL, NULL }
};
static const struct opt_hint udp_send_hints[] = {
	{ 'u', "udp", "sockctl udp-send always sends UDP" },
	{ 0, NULL, NULL }
};
static const struct opt_hint udp_recv_hints[] = {
	{ 'l', "listen", "sockctl udp-recv needs no -l" },
	{ 'p', NULL,
	    "the port is positional: sockctl udp-recv [ADDRESS] PORT" },
	{ 'u', "udp", "sockctl udp-recv always receives UDP" },
	{ 0, NULL, NULL }
};

static const struct {
	const char		*cmd;
	const struct opt_hint	*hints;
} cmd_hints[] = {
	{ "listen", listen_hints },
	{ "connect", connect_hints },
	{ "udp-send", udp_send_hints },
	{ "udp-recv", udp_recv_hints },
	{ NULL, NULL }
};

static const struct opt_hint *
hints_of(const char *name)
{
	size_t	i;

	for (i = 0; cmd_hints[i].cmd != NULL; i++)
		if (strcmp(cmd_hints[i].cmd, name) == 0)
			return (cmd_hints[i].hints);
	return (NULL);
}

void
cmd_print_top_help(FILE *fp)
{
	const struct cmd_entry *const *c;

	fputs("Usage: sockctl [-h|--help] [-V|--version] COMMAND [OPTIONS] "
	    "[ARGS]\n"
	    "       sockctl help [COMMAND]\n"
	    "\n"
	    "A netcat-style tool for TCP, UDP, Unix sockets and HTTP.\n"
	    "\n"
	    "Commands:\n", fp);
	for (c = cmd_table; *c != NULL; c++)
		fprintf(fp, "  %-13s%s\n", (*c)->name, (*c)->summary);
	fputs("\n"
	    "Options:\n"
	    "  -h, --help     show this help and exit\n"
	    "  -V, --version  print the version and exit\n"
	    "\n"
	    "Run 'sockctl COMMAND --help' for a command's options.\n", fp);
}

static void
cmd_print_help(FILE *fp, const struct cmd_entry *c)
{
	const char	*p, *nl;
	int		 first = 1;

	for (p = c->usage; *p != '\0'; p = nl + (*nl != '\0')) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		fprintf(fp, "%s sockctl %s %.*s\n", first ? "Usage:" : "      ",
		    c->name, (int)(nl - p), p);
		first = 0;
	}
	fprintf(fp, "\n%s\n\n", c->description);
	opt_print_help(fp, c->options != NULL ? c->options : no_options);
}

/* Exact name first, then a unique prefix; NULL with *ambiguous set. */
static const struct cmd_entry *
cmd_find(const char *name, int *ambiguous)
{
	const struct cmd_entry *const *c, *found = NULL;
	size_t	 len = strlen(name);

	*ambiguous = 0;
	for (c = cmd_table; *c != NULL; c++)
		if (strcmp((*c)->name, name) == 0)
			return (*c);
	if (len == 0)
		return (NULL);
	for (c = cmd_table; *c != NULL; c++) {
		if (strncmp((*c)->name, name, len) != 0)
			continue;
		if (found != NULL) {
			*ambiguous = 1;
			return (NULL);
		}
		found = *c;
	}
	return (found);
}

static int
cmd_unknown(const char *name)
{
	const struct cmd_entry *const *c;
	const char	*best = NULL;
	size_t		 d, bestd = 3;
	int		 first = 1;

	for (c = cmd_table; *c != NULL; c++) {
		d = opt_distance(name, (*c)->name);
		if (d < bestd) {
			bestd = d;
			best = (*c)->name;
		}
	}
	log_setcmd(NULL);
	if (best != NULL) {
		log_err("unknown command '%s' (did you mean '%s'?)", name,
		    best);
		return (EXIT_USAGE);
	}
	fprintf(stderr, "sockctl: unknown command '%s' (commands:", name);
	for (c = cmd_table; *c != NULL; c++, first = 0)
		fprintf(stderr, "%s%s", first ? " " : ", ", (*c)->name);
	fputs(")\n", stderr);
	return (EXIT_USAGE);
}

static int
cmd_ambiguous(const char *name)
{
	const struct cmd_entry *const *c;
	int	 first = 1;

	fprintf(stderr, "sockctl: ambiguous command '%s' (could be", name);
	for (c = cmd_table; *c != NULL; c++) {
		if (strncmp((*c)->name, name, strlen(name)) != 0)
			continue;
		fprintf(stderr, "%s'%s'", first ? " " : ", ", (*c)->name);
		first = 0;
	}
	fputs(")\n", stderr);
	return (EXIT_USAGE);
}

static const struct cmd_entry *
cmd_lookup(const char *name, int *status)
{
	const struct cmd_entry *c;
	int	 ambiguous;

	if ((c = cmd_find(name, &ambiguous)) != NULL)
		return (c);
	*status = ambiguous ? cmd_ambiguous(name) : cmd_unknown(name);
	return (NULL);
}

static int
cmd_run(const struct cmd_entry *c, int argc, char **argv)
{
	struct sk_err	 err;
	char		**pos = NULL;
	void		*opts;
	int		 npos, status;
	const struct opt *tab = c->options != NULL ? c->options : no_options;

	log_setcmd(c->name);
	if ((opts = calloc(1, c->optsize > 0 ? c->optsize : 1)) == NULL) {
		log_err("out of memory");
		return (EXIT_RUNTIME);
	}
	if (opt_set_defaults(tab, opts, &err) == -1) {
		log_err("%s", err.msg);
		free(opts);
		return (EXIT_RUNTIME);
	}
	if (c->init != NULL)
		c->init(opts);
	switch (opt_parse_hints(tab, hints_of(c->name), opts, argc, argv, &pos,
	    &npos, &err)) {
	case OPT_HELP:
		cmd_print_help(stdout, c);
		status = fflush(stdout) == 0 ? 0 : EXIT_RUNTIME;
		break;
	case OPT_ERROR:
		status = log_usage("%s", err.msg);
		break;
	default:
		status = c->exec(opts, npos, pos);
		break;
	}
	opt_free(tab, opts);
	free(opts);
	free(pos);
	return (status);
}

/*
 * A hidden helper for the completion scripts and the docs tests, so that
 * neither keeps a copy of the tables:
 *   __complete                  the commands, one a line
 *   __complete CMD              CMD's option words, one a line
 *   __complete --table          "NAME<TAB>SUMMARY" per command
 *   __complete --table CMD      CMD's table (see opt_print_table)
 */
static int
cmd_complete(int argc, char **argv)
{
	const struct cmd_entry *const *c;
	const struct cmd_entry *e;
	int	 ambiguous, table = 0;

	if (argc >= 2 && strcmp(argv[1], "--table") == 0) {
		table = 1;
		argc--;
		argv++;
	}
	if (argc < 2) {
		for (c = cmd_table; *c != NULL; c++)
			if (table)
				printf("%s\t%s\n", (*c)->name, (*c)->summary);
			else
				printf("%s\n", (*c)->name);
		return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
	}
	if ((e = cmd_find(argv[1], &ambiguous)) == NULL)
		return (EXIT_USAGE);
	if (table)
		opt_print_table(stdout, e->options != NULL ? e->options :
		    no_options);
	else
		opt_print_words(stdout, e->options != NULL ? e->options :
		    no_options);
	return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
}

/* --help and --version, or a prefix of one (no other option starts so). */
static int
top_option(const char *arg, const char *name)
{
	size_t	len;

	if (strncmp(arg, "--", 2) != 0)
		return (0);
	arg += 2;
	len = strlen(arg);
	return (len > 0 && strncmp(name, arg, len) == 0 &&
	    strchr(arg, '=') == NULL);
}

int
cmd_main(int argc, char **argv)
{
	const struct cmd_entry *c;
	int	 status = EXIT_USAGE;

	if (argc < 2) {
		log_setcmd(NULL);
		return (log_usage("missing command"));
	}
	if (strcmp(argv[1], "-h") == 0 || top_option(argv[1], "help")) {
		cmd_print_top_help(stdout);
		return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
	}
	if (strcmp(argv[1], "-V") == 0 || top_option(argv[1], "version")) {
		printf("sockctl %s\n", PACKAGE_VERSION);
		return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
	}
	if (strcmp(argv[1], "__complete") == 0)
		return (cmd_complete(argc - 1, argv + 1));
	if (argv[1][0] == '-' && argv[1][1] != '\0')
		return (log_usage("unknown option '%s'", argv[1]));
	if (strcmp(argv[1], "help") == 0) {
		if (argc == 2) {
			cmd_print_top_help(stdout);
			return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
		}
		if (argc > 3)
			return (log_usage("help takes at most one command"));
		if (strcmp(argv[2], "help") == 0 ||
		    strcmp(argv[2], "--help") == 0 ||
		    strcmp(argv[2], "-h") == 0) {
			cmd_print_top_help(stdout);
			return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
		}
		if ((c = cmd_lookup(argv[2], &status)) == NULL)
			return (status);
		cmd_print_help(stdout, c);
		return (fflush(stdout) == 0 ? 0 : EXIT_RUNTIME);
	}
	if ((c = cmd_lookup(argv[1], &status)) == NULL)
		return (status);
	return (cmd_run(c, argc - 1, argv + 1));
}

/*
 * "HOST:PORT" in one argument, as nc -l, ncat and socat users write it:
 * " (did you mean 'HOST PORT'?)" to append to the message, or "".
 */
static const char *
endpoint_hint(const char *arg, char *buf, size_t len)
{
	char		 host[NI_MAXHOST];
	size_t		 n;
	int		 port;
	struct sk_err	 err;

	if (addr_parse_endpoint(arg, host, sizeof(host), &port, &n,
	    &err) == -1)
		return ("");
	snprintf(buf, len, " (did you mean '%.*s %s'?)", (int)n, arg,
	    arg + n + 1);
	return (buf);
}

/* "missing WHAT", with a hint when the one argument is HOST:PORT. */
static void
cmd_missing_msg(const char *what, int argc, char **argv,
    struct sk_err *err)
{
	char	 hint[NI_MAXHOST + 64];

	if (argc == 1 && (strcmp(what, "PORT") == 0 ||
	    strcmp(what, "PORTS") == 0))
		err_set(err, "missing %s%s", what,
		    endpoint_hint(argv[0], hint, sizeof(hint)));
	else
		err_set(err, "missing %s", what);
}

int
cmd_missing(const char *what, int argc, char **argv)
{
	struct sk_err	 err;

	cmd_missing_msg(what, argc, argv, &err);
	return (log_usage("%s", err.msg));
}

/*
 * "[ADDRESS] PORT", as the server commands take it.  *host is NULL when no
 * address was given.  Returns 0, or -1 with the usage error in err.
 */
int
cmd_parse_bind(int argc, char **argv, char *buf, size_t buflen,
    const char **host, int *port, struct sk_err *err)
{
	char		 hint[NI_MAXHOST + 64];
	struct sk_err	 why;

	*host = NULL;
	if (argc == 0) {
		err_set(err, "missing PORT");
		return (-1);
	}
	if (argc > 2) {
		err_set(err, "extra argument '%s'", argv[2]);
		return (-1);
	}
	if (addr_parse_port(argv[argc - 1], port, &why) == -1) {
		err_set(err, "invalid port '%s': %s%s", argv[argc - 1],
		    why.msg, argc == 1 ? endpoint_hint(argv[0], hint,
		    sizeof(hint)) : "");
		return (-1);
	}
	if (argc == 2) {
		if (addr_parse_host(argv[0], buf, buflen, &why) == -1) {
			err_set(err, "invalid address '%s': %s", argv[0],
			    why.msg);
			return (-1);
		}
		*host = buf;
	}
	return (0);
}

/* "HOST PORT" (and nothing after, unless extra is set). */
int
cmd_parse_target(int argc, char **argv, int extra, char *buf, size_t buflen,
    int *port, struct sk_err *err)
{
	char		 hint[NI_MAXHOST + 64];
	struct sk_err	 why;

	if (argc < 2) {
		cmd_missing_msg(argc == 0 ? "HOST" : "PORT", argc, argv, err);
		return (-1);
	}
	if (argc > 2 && !extra) {
		err_set(err, "extra argument '%s'", argv[2]);
		return (-1);
	}
	if (addr_parse_host(argv[0], buf, buflen, &why) == -1) {
		err_set(err, "invalid host '%s': %s", argv[0], why.msg);
		return (-1);
	}
	if (addr_parse_port(argv[1], port, &why) == -1) {
		err_set(err, "invalid port '%s': %s%s", argv[1], why.msg,
		    endpoint_hint(argv[0], hint, sizeof(hint)));
		return (-1);
	}
	return (0);
}

/*
 * The PATH of -U: exactly one, and one that fits a sockaddr_un, or a usage
 * error (not a failed bind or connect later) in err.
 */
int
cmd_parse_unix(int argc, char **argv, struct sk_err *err)
{
	struct sockaddr_un sun;
	socklen_t	 len;
	struct sk_err	 why;

	if (argc == 0) {
		err_set(err, "missing PATH");
		return (-1);
	}
	if (argc > 1) {
		err_set(err, "extra argument '%s'", argv[1]);
		return (-1);
	}
	if (addr_parse_unix(argv[0], &sun, &len, &why) == -1) {
		err_set(err, "invalid socket path '%s': %s", argv[0],
		    why.msg);
		return (-1);
	}
	return (0);
}

/*
 * serve-http's DIR.  A number that names no directory was meant as a port,
 * as in "python3 -m http.server 8000": a usage error in err that says -p.
 * Anything else the command reports as usual, later.
 */
int
cmd_check_dir(const char *dir, struct sk_err *err)
{
	struct stat	 st;
	int		 port;

	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
		return (0);
	if (dir[0] < '0' || dir[0] > '9' ||
	    addr_parse_port(dir, &port, err) == -1)
		return (0);
	err_set(err, "'%s' is not a directory (did you mean '-p %s'?)", dir,
	    dir);
	return (-1);
}
