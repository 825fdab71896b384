/*
 * Declarative option tables.  A command lists its options once, as an array
 * of struct opt pointing into its own options struct; each entry carries
 * its value kind and its default, and the same table drives parsing, the
 * defaults (opt_set_defaults), the --help text, shell completion (through
 * the hidden `sockctl __complete`) and the test that checks the man page.
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"

enum opt_type {
	OPT_FLAG,	/* int, set to 1 */
	OPT_COUNT,	/* int, incremented each time */
	OPT_INT,	/* long long within [min, max] */
	OPT_DUR,	/* long long milliseconds */
	OPT_PORT,	/* int, number or service name */
	OPT_STR,	/* const char * */
	OPT_LIST,	/* struct opt_list, repeatable */
	OPT_CHOICE	/* const char *, one of choices */
};

/*
 * What an option's value is, for shells and readers: the numeric types and
 * choices have theirs by type (opt_kind()); a string or list names its own.
 */
enum opt_kind {
	OPTK_NONE,	/* takes no value */
	OPTK_TEXT,	/* free text: nothing to complete */
	OPTK_FILE,
	OPTK_DIR,
	OPTK_HOST,	/* a host name or address literal */
	OPTK_PORT,
	OPTK_DURATION,
	OPTK_CHOICE,
	OPTK_NUMBER,	/* within [o_min, o_max] */
	OPTK_COMMAND,	/* a shell command line */
	OPTK_SPEC	/* a structured value (ADDRESS/PREFIX, URL, ...) */
};

/*
 * Options that cannot be given together share an exclusive group: the
 * parser refuses the second one with "A and B cannot be used together".
 */
#define OPT_GROUP_FAMILY	1	/* -4, -6 */

struct opt {
	int		 o_short;
	const char	*o_long;
	enum opt_type	 o_type;
	size_t		 o_off;
	const char	*o_arg;
	const char	*o_help;
	long long	 o_min;
	long long	 o_max;
	const char *const *o_choices;
	enum opt_kind	 o_kind;	/* OPT_STR and OPT_LIST only */
	/*
	 * The default, as a user would type it, run through the same value
	 * parser by opt_set_defaults() and shown by --help.  Without one,
	 * a number, duration or port that is not given holds a value no
	 * user can give: -1, or 0 for a range that starts above 0.
	 */
	const char	*o_default;
	int		 o_group;	/* exclusive group, 0: none */
};

struct opt_list {
	char	**v;
	size_t	  n;
};

#define OPT_FLAG_(s, l, st, f, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_FLAG, \
	  .o_off = offsetof(st, f), .o_help = (h) }
#define OPT_COUNT_(s, l, st, f, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_COUNT, \
	  .o_off = offsetof(st, f), .o_help = (h) }
#define OPT_INT_(s, l, st, f, a, lo, hi, def, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_INT, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_min = (lo), .o_max = (hi), .o_default = (def) }
#define OPT_DUR_(s, l, st, f, def, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_DUR, \
	  .o_off = offsetof(st, f), .o_arg = "DUR", .o_help = (h), \
	  .o_default = (def) }
#define OPT_PORT_(s, l, st, f, def, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_PORT, \
	  .o_off = offsetof(st, f), .o_arg = "PORT", .o_help = (h), \
	  .o_default = (def) }
#define OPT_STR_(s, l, st, f, a, k, def, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_STR, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_kind = (k), .o_default = (def) }
#define OPT_LIST_(s, l, st, f, a, k, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_LIST, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_kind = (k) }
#define OPT_CHOICE_(s, l, st, f, a, ch, def, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_CHOICE, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_choices = (ch), .o_default = (def) }
#define OPT_END_ { .o_long = NULL, .o_short = 0 }

/*
 * Options several commands share, declared once (as git's OPT__VERBOSE):
 * the name, short letter, type, kind and range are fixed here; a command
 * gives its field and, where the meaning differs, its help.  A shared
 * block of several entries (as TLS or --allow/--deny will be) is one macro
 * expanding to those entries, comma-separated, with any fields it needs
 * grouped in one struct of its own that each options struct embeds.
 */
#define OPT__FAMILY(st, f4, f6) \
	{ .o_short = '4', .o_type = OPT_FLAG, .o_off = offsetof(st, f4), \
	  .o_help = "use IPv4 only", .o_group = OPT_GROUP_FAMILY }, \
	{ .o_short = '6', .o_type = OPT_FLAG, .o_off = offsetof(st, f6), \
	  .o_help = "use IPv6 only", .o_group = OPT_GROUP_FAMILY }
#define OPT__VERBOSE(st, f, h) \
	OPT_COUNT_('v', "verbose", st, f, h)
#define OPT__TIMEOUT(st, f, def, h) \
	OPT_DUR_('w', "timeout", st, f, def, h)
#define OPT__IDLE(st, f, def, h) \
	OPT_DUR_('i', "idle-timeout", st, f, def, h)
#define OPT__QUIT(st, f) \
	OPT_DUR_('q', "quit-after", st, f, NULL, \
	    "after stdin EOF, wait at most DUR for the peer")
#define OPT__UNIX(st, f) \
	OPT_FLAG_('U', "unix", st, f, \
	    "use a Unix socket PATH (@NAME: abstract)")
#define OPT__PORT_FILE(st, f, h) \
	OPT_STR_(0, "port-file", st, f, "FILE", OPTK_FILE, NULL, h)
#define OPT__MAX_CONNS(st, f, hi, def, h) \
	OPT_INT_('m', "max-conns", st, f, "N", 1, hi, def, h)
#define OPT__BACKLOG(st, f, h) \
	OPT_INT_(0, "backlog", st, f, "N", 1, 65535, "128", h)
#define OPT__SOURCE(st, f, h) \
	OPT_STR_('s', "source", st, f, "ADDR", OPTK_HOST, NULL, h)
#define OPT__SOURCE_PORT(st, f, h) \
	OPT_PORT_('p', "source-port", st, f, NULL, h)

/*
 * A hint for an option the table does not have, by short letter or long
 * name: what a user of another tool may have meant ("for UDP use ...").
 * A list ends with h_text NULL.
 */
struct opt_hint {
	int		 h_short;
	const char	*h_long;
	const char	*h_text;
};

enum opt_result {
	OPT_OK,
	OPT_HELP,
	OPT_ERROR
};

/*
 * Parses argv (argv[0] is the command name) into dst.  Positional
 * arguments are gathered, in order, into *pos (NULL-terminated, freed by
 * the caller).  On OPT_ERROR, err holds the one-line message.
 */
enum opt_result opt_parse(const struct opt *, void *, int, char **,
	    char ***, int *, struct sk_err *);
/* The same, with hints appended to the message for an unknown option. */
enum opt_result opt_parse_hints(const struct opt *, const struct opt_hint *,
	    void *, int, char **, char ***, int *, struct sk_err *);
/* Each entry's default (or its "not given" value) into dst. */
int	opt_set_defaults(const struct opt *, void *, struct sk_err *);
enum opt_kind opt_kind(const struct opt *);
const char *opt_kind_name(enum opt_kind);
void	opt_print_help(FILE *, const struct opt *);
void	opt_print_words(FILE *, const struct opt *);
void	opt_print_table(FILE *, const struct opt *);
void	opt_free(const struct opt *, void *);
size_t	opt_distance(const char *, const char *);

#endif /* OPT_H */
