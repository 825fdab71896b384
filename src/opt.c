/*
 * Option parsing from the tables in opt.h: long options with "=value" or a
 * separate value, bundled short flags with attached or separate values,
 * options anywhere among the positionals, "--" to stop.  A long option may
 * be abbreviated to a unique prefix of its name, as commands may.  Values
 * are checked by type as they are parsed, so a bad one is reported by its
 * option name; defaults go through the same checks.  Also the --help text
 * and the machine-readable dump of a table for completion and the docs.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "compat.h"
#include "log.h"
#include "opt.h"

#define HELP_COLUMN	28
#define OPT_GROUPS	8	/* exclusive groups are 1 .. OPT_GROUPS - 1 */

/* One opt_parse call: where it is in argv and what it has seen. */
struct opt_state {
	const struct opt	*tab;
	const struct opt_hint	*hints;
	void			*dst;
	int			 argc;
	char			**argv;
	int			 i;		/* the word being parsed */
	const struct opt	*seen[OPT_GROUPS];
	const struct opt	*clash[2];	/* the first two of a group */
	struct sk_err		*err;
};

static int
takes_value(const struct opt *o)
{
	return (o->o_type != OPT_FLAG && o->o_type != OPT_COUNT);
}

/* How an option is named in messages: its long name when it has one. */
static void
opt_name(const struct opt *o, char *buf, size_t len)
{
	if (o->o_long != NULL)
		snprintf(buf, len, "--%s", o->o_long);
	else
		snprintf(buf, len, "-%c", o->o_short);
}

static const struct opt *
find_long(const struct opt *tab, const char *name, size_t len)
{
	for (; tab->o_long != NULL || tab->o_short != 0; tab++)
		if (tab->o_long != NULL && strlen(tab->o_long) == len &&
		    strncmp(tab->o_long, name, len) == 0)
			return (tab);
	return (NULL);
}

static const struct opt *
find_short(const struct opt *tab, int c)
{
	for (; tab->o_long != NULL || tab->o_short != 0; tab++)
		if (tab->o_short == c)
			return (tab);
	return (NULL);
}

/* "invalid value 'x' for --format: expected one of line, raw, hex, json" */
static void
bad_choice(const struct opt *o, const char *name, const char *val,
    struct sk_err *err)
{
	size_t	 i, len = sizeof(err->msg);
	int	 n;

	n = snprintf(err->msg, len, "invalid value '%s' for %s: expected "
	    "one of", val, name);
	for (i = 0; o->o_choices[i] != NULL && n >= 0 && (size_t)n < len; i++)
		n += snprintf(err->msg + n, len - (size_t)n, "%s%s",
		    i == 0 ? " " : ", ", o->o_choices[i]);
}

static int
set_value(const struct opt *o, void *dst, const char *val, struct sk_err *err)
{
	char		 name[64];
	char		*base = (char *)dst + o->o_off;
	const char	*why;
	long long	 n;
	struct opt_list	*l;
	char		**v;
	size_t		 i;
	struct sk_err	 e;

	opt_name(o, name, sizeof(name));
	switch (o->o_type) {
	case OPT_FLAG:
		*(int *)base = 1;
		return (0);
	case OPT_COUNT:
		(*(int *)base)++;
		return (0);
	case OPT_INT:
		n = strtonum(val, o->o_min, o->o_max, &why);
		if (why != NULL) {
			err_set(err, "invalid value '%s' for %s: %s "
			    "(%lld-%lld)", val, name,
			    strcmp(why, "invalid") == 0 ? "not a number" : why,
			    o->o_min, o->o_max);
			return (-1);
		}
		*(long long *)base = n;
		return (0);
	case OPT_DUR:
		if (addr_parse_duration(val, &n, &e) == -1) {
			err_set(err, "invalid duration '%s' for %s: %s",
			    val, name, e.msg);
			return (-1);
		}
		*(long long *)base = n;
		return (0);
	case OPT_PORT:
		if (addr_parse_port(val, (int *)base, &e) == -1) {
			err_set(err, "invalid port '%s' for %s: %s",
			    val, name, e.msg);
			return (-1);
		}
		return (0);
	case OPT_STR:
		*(const char **)base = val;
		return (0);
	case OPT_LIST:
		l = (struct opt_list *)base;
		v = reallocarray(l->v, l->n + 2, sizeof(*l->v));
		if (v == NULL) {
			err_set(err, "out of memory");
			return (-1);
		}
		l->v = v;
		l->v[l->n++] = (char *)val;
		l->v[l->n] = NULL;
		return (0);
	case OPT_CHOICE:
		for (i = 0; o->o_choices[i] != NULL; i++)
			if (strcmp(o->o_choices[i], val) == 0) {
				*(const char **)base = o->o_choices[i];
				return (0);
			}
		bad_choice(o, name, val, err);
		return (-1);
	}
	return (-1);
}

/*
 * The table is the one place a default is written: each goes through the
 * parser a user's value goes through, so a default cannot be out of range.
 */
int
opt_set_defaults(const struct opt *tab, void *dst, struct sk_err *err)
{
	char	*base;

	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		base = (char *)dst + tab->o_off;
		if (tab->o_default != NULL) {
			if (set_value(tab, dst, tab->o_default, err) == -1)
				return (-1);
			continue;
		}
		switch (tab->o_type) {
		case OPT_INT:
			*(long long *)base = tab->o_min > 0 ? 0 : -1;
			break;
		case OPT_DUR:
			*(long long *)base = -1;
			break;
		case OPT_PORT:
			*(int *)base = -1;
			break;
		default:
			break;
		}
	}
	return (0);
}

enum opt_kind
opt_kind(const struct opt *o)
{
	switch (o->o_type) {
	case OPT_FLAG:
	case OPT_COUNT:
		return (OPTK_NONE);
	case OPT_INT:
		return (OPTK_NUMBER);
	case OPT_DUR:
		return (OPTK_DURATION);
	case OPT_PORT:
		return (OPTK_PORT);
	case OPT_CHOICE:
		return (OPTK_CHOICE);
	default:
		return (o->o_kind == OPTK_NONE ? OPTK_TEXT : o->o_kind);
	}
}

const char *
opt_kind_name(enum opt_kind k)
{
	static const char *const names[] = {
		"none", "text", "file", "directory", "host", "port",
		"duration", "choice", "number", "command", "spec"
	};

	if ((size_t)k >= sizeof(names) / sizeof(names[0]))
		return ("text");
	return (names[k]);
}

/* Levenshtein distance, for "did you mean" on long options and commands. */
size_t
opt_distance(const char *a, const char *b)
{
	size_t	 la = strlen(a), lb = strlen(b), i, j, *row, prev, tmp, best;

	if ((row = calloc(lb + 1, sizeof(*row))) == NULL)
		return ((size_t)-1);
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			best = prev + (a[i - 1] != b[j - 1]);
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			prev = tmp;
		}
	}
	best = row[lb];
	free(row);
	return (best);
}

static const char *
nearest_long(const struct opt *tab, const char *name, size_t len)
{
	char		 buf[128];
	const char	*best = NULL;
	size_t		 d, bestd = 3;

	if (len >= sizeof(buf))
		return (NULL);
	memcpy(buf, name, len);
	buf[len] = '\0';
	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		if (tab->o_long == NULL)
			continue;
		d = opt_distance(buf, tab->o_long);
		if (d < bestd) {
			bestd = d;
			best = tab->o_long;
		}
	}
	return (best);
}

/* The implicit --help, unless the table has a "help" of its own. */
static int
has_implicit_help(const struct opt *tab)
{
	return (find_long(tab, "help", 4) == NULL);
}

/*
 * A long option spelled as a unique prefix of one name is that option, as
 * commands are; *help is set when the name is (a prefix of) the implicit
 * --help.  Returns NULL with *nmatch set to 0 (unknown) or more than 1
 * (ambiguous).
 */
static const struct opt *
resolve_long(const struct opt *tab, const char *name, size_t len, int *help,
    int *nmatch)
{
	const struct opt *o, *found = NULL;

	*help = 0;
	*nmatch = 0;
	if ((found = find_long(tab, name, len)) != NULL) {
		*nmatch = 1;
		return (found);
	}
	if (has_implicit_help(tab) && len <= 4 && len > 0 &&
	    strncmp("help", name, len) == 0) {
		*help = 1;
		(*nmatch)++;
	}
	for (o = tab; o->o_long != NULL || o->o_short != 0; o++)
		if (o->o_long != NULL && len > 0 &&
		    strncmp(o->o_long, name, len) == 0) {
			found = o;
			(*nmatch)++;
		}
	if (*nmatch != 1) {
		*help = 0;
		return (NULL);
	}
	return (found);
}

/* "ambiguous option '--re' (could be '--retry', '--retry-delay')" */
static void
ambiguous_long(const struct opt *tab, const char *name, size_t len,
    struct sk_err *err)
{
	const struct opt *o;
	int		 n;
	const char	*sep = " ";
	char		*msg = err->msg;
	size_t		 size = sizeof(err->msg);

	n = snprintf(msg, size, "ambiguous option '--%.*s' (could be",
	    (int)len, name);
	if (has_implicit_help(tab) && strncmp("help", name, len) == 0 &&
	    n >= 0 && (size_t)n < size) {
		n += snprintf(msg + n, size - (size_t)n, "%s'--help'", sep);
		sep = ", ";
	}
	for (o = tab; o->o_long != NULL || o->o_short != 0; o++) {
		if (o->o_long == NULL || strncmp(o->o_long, name, len) != 0)
			continue;
		if (n < 0 || (size_t)n >= size)
			return;
		n += snprintf(msg + n, size - (size_t)n, "%s'--%s'", sep,
		    o->o_long);
		sep = ", ";
	}
	if (n >= 0 && (size_t)n < size)
		snprintf(msg + n, size - (size_t)n, ")");
}

/*
 * An unknown option: the caller's hint for it when there is one (other
 * tools' habits, such as nc's -u), else the nearest long name.
 */
static void
unknown_option(const struct opt *tab, const struct opt_hint *hints,
    int c, const char *name, size_t len, struct sk_err *err)
{
	const char	*near;

	for (; hints != NULL && hints->h_text != NULL; hints++) {
		if (name == NULL && hints->h_short != 0 &&
		    hints->h_short == c) {
			err_set(err, "unknown option '-%c' (%s)", c,
			    hints->h_text);
			return;
		}
		if (name != NULL && hints->h_long != NULL &&
		    strlen(hints->h_long) == len &&
		    strncmp(hints->h_long, name, len) == 0) {
			err_set(err, "unknown option '--%.*s' (%s)",
			    (int)len, name, hints->h_text);
			return;
		}
	}
	if (name == NULL)
		err_set(err, "unknown option '-%c'", c);
	else if ((near = nearest_long(tab, name, len)) != NULL)
		err_set(err, "unknown option '--%.*s' (did you mean "
		    "'--%s'?)", (int)len, name, near);
	else
		err_set(err, "unknown option '--%.*s'", (int)len, name);
}

static int
add_pos(char ***pos, int *npos, char *arg)
{
	char	**v;

	v = reallocarray(*pos, (size_t)*npos + 2, sizeof(**pos));
	if (v == NULL)
		return (-1);
	*pos = v;
	v[(*npos)++] = arg;
	v[*npos] = NULL;
	return (0);
}

/* Sets o's value and notes it in its exclusive group. */
static int
take(struct opt_state *st, const struct opt *o, const char *val)
{
	int	g = o->o_group;

	if (set_value(o, st->dst, val, st->err) == -1)
		return (-1);
	if (g <= 0 || g >= OPT_GROUPS)
		return (0);
	if (st->seen[g] == NULL)
		st->seen[g] = o;
	else if (st->seen[g] != o && st->clash[0] == NULL) {
		st->clash[0] = st->seen[g] < o ? st->seen[g] : o;
		st->clash[1] = st->seen[g] < o ? o : st->seen[g];
	}
	return (0);
}

/* "--name", "--name=value" or "--name value" at argv[st->i]. */
static enum opt_result
parse_long_opt(struct opt_state *st, const char *arg)
{
	const struct opt *o;
	const char	*eq, *val;
	char		 name[64];
	size_t		 len;
	int		 help, nmatch;

	eq = strchr(arg, '=');
	len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
	o = resolve_long(st->tab, arg, len, &help, &nmatch);
	if (help) {
		if (eq != NULL) {
			err_set(st->err, "option '--help' takes no value");
			return (OPT_ERROR);
		}
		return (OPT_HELP);
	}
	if (o == NULL) {
		if (nmatch > 1)
			ambiguous_long(st->tab, arg, len, st->err);
		else
			unknown_option(st->tab, st->hints, 0, arg, len,
			    st->err);
		return (OPT_ERROR);
	}
	opt_name(o, name, sizeof(name));
	if (!takes_value(o)) {
		if (eq != NULL) {
			err_set(st->err, "option '%s' takes no value", name);
			return (OPT_ERROR);
		}
		val = NULL;
	} else if (eq != NULL)
		val = eq + 1;
	else if (st->i + 1 < st->argc)
		val = st->argv[++st->i];
	else {
		err_set(st->err, "option '%s' requires a value", name);
		return (OPT_ERROR);
	}
	return (take(st, o, val) == -1 ? OPT_ERROR : OPT_OK);
}

/* A bundle of short options at argv[st->i]: -kv, -w5, -w 5. */
static enum opt_result
parse_short_opts(struct opt_state *st, const char *arg)
{
	const struct opt *o;
	const char	*val;
	size_t		 j;

	for (j = 1; arg[j] != '\0'; j++) {
		if (arg[j] == 'h' && find_short(st->tab, 'h') == NULL)
			return (OPT_HELP);
		if ((o = find_short(st->tab, (unsigned char)arg[j])) == NULL) {
			unknown_option(st->tab, st->hints,
			    (unsigned char)arg[j], NULL, 0, st->err);
			return (OPT_ERROR);
		}
		if (!takes_value(o)) {
			if (take(st, o, NULL) == -1)
				return (OPT_ERROR);
			continue;
		}
		if (arg[j + 1] != '\0')
			val = arg + j + 1;
		else if (st->i + 1 < st->argc)
			val = st->argv[++st->i];
		else {
			err_set(st->err, "option '-%c' requires a value",
			    arg[j]);
			return (OPT_ERROR);
		}
		return (take(st, o, val) == -1 ? OPT_ERROR : OPT_OK);
	}
	return (OPT_OK);
}

enum opt_result
opt_parse(const struct opt *tab, void *dst, int argc, char **argv,
    char ***pos, int *npos, struct sk_err *err)
{
	return (opt_parse_hints(tab, NULL, dst, argc, argv, pos, npos, err));
}

enum opt_result
opt_parse_hints(const struct opt *tab, const struct opt_hint *hints,
    void *dst, int argc, char **argv, char ***pos, int *npos,
    struct sk_err *err)
{
	struct opt_state st;
	enum opt_result	 res;
	char		*arg, a[64], b[64];
	int		 dashdash = 0;

	memset(&st, 0, sizeof(st));
	st.tab = tab;
	st.hints = hints;
	st.dst = dst;
	st.argc = argc;
	st.argv = argv;
	st.err = err;
	*pos = NULL;
	*npos = 0;
	if (add_pos(pos, npos, argv[0]) == -1)
		goto nomem;
	(*npos)--;
	(*pos)[0] = NULL;
	for (st.i = 1; st.i < argc; st.i++) {
		arg = argv[st.i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			if (add_pos(pos, npos, arg) == -1)
				goto nomem;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (arg[1] == '-')
			res = parse_long_opt(&st, arg + 2);
		else
			res = parse_short_opts(&st, arg);
		if (res != OPT_OK)
			return (res);
	}
	if (st.clash[0] != NULL) {
		opt_name(st.clash[0], a, sizeof(a));
		opt_name(st.clash[1], b, sizeof(b));
		err_set(err, "%s and %s cannot be used together", a, b);
		return (OPT_ERROR);
	}
	return (OPT_OK);

nomem:
	err_set(err, "out of memory");
	return (OPT_ERROR);
}

/* The left column of a --help line: "  -k, --keep-open", then " ARG". */
static int
help_left(const struct opt *o, char *left, size_t size)
{
	int	n;

	if (o->o_short != 0 && o->o_long != NULL)
		n = snprintf(left, size, "  -%c, --%s", o->o_short,
		    o->o_long);
	else if (o->o_short != 0)
		n = snprintf(left, size, "  -%c", o->o_short);
	else
		n = snprintf(left, size, "      --%s", o->o_long);
	if (o->o_arg != NULL && n > 0 && (size_t)n < size)
		n += snprintf(left + n, size - (size_t)n, " %s", o->o_arg);
	return (n);
}

void
opt_print_help(FILE *fp, const struct opt *tab)
{
	char	 left[128];
	int	 n, has_dur = 0;

	fputs("Options:\n", fp);
	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		if (tab->o_type == OPT_DUR)
			has_dur = 1;
		if ((n = help_left(tab, left, sizeof(left))) < 0)
			continue;
		if (n >= HELP_COLUMN - 1)
			fprintf(fp, "%s\n%*s%s", left, HELP_COLUMN, "",
			    tab->o_help);
		else
			fprintf(fp, "%-*s%s", HELP_COLUMN, left, tab->o_help);
		if (tab->o_default != NULL)
			fprintf(fp, " (default %s)", tab->o_default);
		fputc('\n', fp);
	}
	fprintf(fp, "%-*s%s\n", HELP_COLUMN, "  -h, --help",
	    "show this help and exit");
	/* Said once, for every DUR above, rather than in each line. */
	if (has_dur)
		fputs("\nDUR is a number of seconds with an optional unit: "
		    "2, 1.5, 250ms, 3s, 2m, 1h.\n", fp);
}

/* One word per line, for shells and for the test that checks the docs. */
void
opt_print_words(FILE *fp, const struct opt *tab)
{
	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		if (tab->o_short != 0)
			fprintf(fp, "-%c\n", tab->o_short);
		if (tab->o_long != NULL)
			fprintf(fp, "--%s\n", tab->o_long);
	}
	fputs("-h\n--help\n", fp);
}

/*
 * One line per option, tab-separated, "-" for an empty field: short,
 * long, value kind, ARG, default, range (min-max, or the choices
 * comma-separated), exclusive group, "repeat" if the option may be given
 * again (or "once"), help.  Read by the completion scripts and the test
 * that checks the man page, so that neither keeps a copy of the table.
 */
void
opt_print_table(FILE *fp, const struct opt *tab)
{
	size_t	i;

	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		if (tab->o_short != 0)
			fprintf(fp, "-%c\t", tab->o_short);
		else
			fputs("-\t", fp);
		fprintf(fp, "%s%s\t%s\t%s\t%s\t", tab->o_long != NULL ?
		    "--" : "-", tab->o_long != NULL ? tab->o_long : "",
		    opt_kind_name(opt_kind(tab)),
		    tab->o_arg != NULL ? tab->o_arg : "-",
		    tab->o_default != NULL ? tab->o_default : "-");
		if (tab->o_type == OPT_INT)
			fprintf(fp, "%lld-%lld", tab->o_min, tab->o_max);
		else if (tab->o_type == OPT_CHOICE)
			for (i = 0; tab->o_choices[i] != NULL; i++)
				fprintf(fp, "%s%s", i == 0 ? "" : ",",
				    tab->o_choices[i]);
		else
			fputc('-', fp);
		if (tab->o_group != 0)
			fprintf(fp, "\t%d", tab->o_group);
		else
			fputs("\t-", fp);
		fprintf(fp, "\t%s\t%s\n", tab->o_type == OPT_COUNT ||
		    tab->o_type == OPT_LIST ? "repeat" : "once", tab->o_help);
	}
	fprintf(fp, "-h\t--help\tnone\t-\t-\t-\t-\tonce\t%s\n",
	    "show this help and exit");
}

void
opt_free(const struct opt *tab, void *dst)
{
	struct opt_list	*l;

	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
		if (tab->o_type != OPT_LIST)
			continue;
		l = (struct opt_list *)((char *)dst + tab->o_off);
		free(l->v);
		l->v = NULL;
		l->n = 0;
	}
}
