/*
 * Declarative option tables.  A command lists its options once, as an array
 * of struct opt pointing into its own options struct; the same table drives
 * parsing, the --help text and the completion word lists.
 */
#ifndef OPT_H
#define OPT_H

#include <stddef.h>
#include <stdio.h>

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

/* What a shell should complete after the option. */
enum opt_complete {
	OPTC_NONE,
	OPTC_FILE,
	OPTC_DIR,
	OPTC_CMD
};

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
	enum opt_complete o_complete;
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
#define OPT_INT_(s, l, st, f, a, lo, hi, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_INT, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_min = (lo), .o_max = (hi) }
#define OPT_DUR_(s, l, st, f, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_DUR, \
	  .o_off = offsetof(st, f), .o_arg = "DUR", .o_help = (h) }
#define OPT_PORT_(s, l, st, f, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_PORT, \
	  .o_off = offsetof(st, f), .o_arg = "PORT", .o_help = (h) }
#define OPT_STR_(s, l, st, f, a, c, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_STR, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_complete = (c) }
#define OPT_LIST_(s, l, st, f, a, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_LIST, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h) }
#define OPT_CHOICE_(s, l, st, f, a, ch, h) \
	{ .o_short = (s), .o_long = (l), .o_type = OPT_CHOICE, \
	  .o_off = offsetof(st, f), .o_arg = (a), .o_help = (h), \
	  .o_choices = (ch) }
#define OPT_END_ { .o_long = NULL, .o_short = 0 }

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
	    char ***, int *, char *, size_t);
/* The same, with hints appended to the message for an unknown option. */
enum opt_result opt_parse_hints(const struct opt *, const struct opt_hint *,
	    void *, int, char **, char ***, int *, char *, size_t);
void	opt_print_help(FILE *, const struct opt *);
void	opt_print_words(FILE *, const struct opt *);
void	opt_free(const struct opt *, void *);
size_t	opt_distance(const char *, const char *);

#endif /* OPT_H */
