/*
 * Option parsing from the tables in opt.h: long options with "=value" or a
 * separate value, bundled short flags with attached or separate values,
 * options anywhere among the positionals, "--" to stop.  A long option may
 * be abbreviated to a unique prefix of its name, as commands may.  Values
 * are checked by type as they are parsed, so a bad one is reported by its
 * option name.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "compat.h"
#include "opt.h"

#define HELP_COLUMN	28

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((__format__(printf, 3, 4)));

static void
seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

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

static int
set_value(const struct opt *o, void *dst, const char *val, char *err,
    size_t errlen)
{
	char		 name[64];
	char		*base = (char *)dst + o->o_off;
	const char	*why;
	long long	 n;
	struct opt_list	*l;
	char		**v;
	size_t		 i;

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
			seterr(err, errlen, "invalid value '%s' for %s: %s "
			    "(%lld-%lld)", val, name,
			    strcmp(why, "invalid") == 0 ? "not a number" : why,
			    o->o_min, o->o_max);
			return (-1);
		}
		*(long long *)base = n;
		return (0);
	case OPT_DUR:
		if ((why = addr_parse_duration(val, &n)) != NULL) {
			seterr(err, errlen, "invalid duration '%s' for %s: %s",
			    val, name, why);
			return (-1);
		}
		*(long long *)base = n;
		return (0);
	case OPT_PORT:
		if ((why = addr_parse_port(val, (int *)base)) != NULL) {
			seterr(err, errlen, "invalid port '%s' for %s: %s",
			    val, name, why);
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
			seterr(err, errlen, "out of memory");
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
		n = snprintf(err, errlen, "invalid value '%s' for %s: expected "
		    "one of", val, name);
		for (i = 0; o->o_choices[i] != NULL && n >= 0 &&
		    (size_t)n < errlen; i++)
			n += snprintf(err + n, errlen - (size_t)n, "%s%s",
			    i == 0 ? " " : ", ", o->o_choices[i]);
		return (-1);
	}
	return (-1);
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
    char *err, size_t errlen)
{
	const struct opt *o;
	int		 n;
	const char	*sep = " ";

	n = snprintf(err, errlen, "ambiguous option '--%.*s' (could be",
	    (int)len, name);
	if (has_implicit_help(tab) && strncmp("help", name, len) == 0 &&
	    n >= 0 && (size_t)n < errlen) {
		n += snprintf(err + n, errlen - (size_t)n, "%s'--help'", sep);
		sep = ", ";
	}
	for (o = tab; o->o_long != NULL || o->o_short != 0; o++) {
		if (o->o_long == NULL || strncmp(o->o_long, name, len) != 0)
			continue;
		if (n < 0 || (size_t)n >= errlen)
			return;
		n += snprintf(err + n, errlen - (size_t)n, "%s'--%s'", sep,
		    o->o_long);
		sep = ", ";
	}
	if (n >= 0 && (size_t)n < errlen)
		snprintf(err + n, errlen - (size_t)n, ")");
}

/*
 * An unknown option: the caller's hint for it when there is one (other
 * tools' habits, such as nc's -u), else the nearest long name.
 */
static void
unknown_option(const struct opt *tab, const struct opt_hint *hints,
    int c, const char *name, size_t len, char *err, size_t errlen)
{
	const char	*near;

	for (; hints != NULL && hints->h_text != NULL; hints++) {
		if (name == NULL && hints->h_short != 0 &&
		    hints->h_short == c) {
			seterr(err, errlen, "unknown option '-%c' (%s)", c,
			    hints->h_text);
			return;
		}
		if (name != NULL && hints->h_long != NULL &&
		    strlen(hints->h_long) == len &&
		    strncmp(hints->h_long, name, len) == 0) {
			seterr(err, errlen, "unknown option '--%.*s' (%s)",
			    (int)len, name, hints->h_text);
			return;
		}
	}
	if (name == NULL)
		seterr(err, errlen, "unknown option '-%c'", c);
	else if ((near = nearest_long(tab, name, len)) != NULL)
		seterr(err, errlen, "unknown option '--%.*s' (did you mean "
		    "'--%s'?)", (int)len, name, near);
	else
		seterr(err, errlen, "unknown option '--%.*s'", (int)len, name);
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

enum opt_result
opt_parse(const struct opt *tab, void *dst, int argc, char **argv,
    char ***pos, int *npos, char *err, size_t errlen)
{
	return (opt_parse_hints(tab, NULL, dst, argc, argv, pos, npos, err,
	    errlen));
}

enum opt_result
opt_parse_hints(const struct opt *tab, const struct opt_hint *hints,
    void *dst, int argc, char **argv, char ***pos, int *npos, char *err,
    size_t errlen)
{
	const struct opt *o;
	const char	*arg, *eq, *val;
	char		 name[64];
	int		 i, dashdash = 0, help, nmatch;
	size_t		 len, j;

	*pos = NULL;
	*npos = 0;
	if (add_pos(pos, npos, argv[0]) == -1)
		goto nomem;
	(*npos)--;
	(*pos)[0] = NULL;
	for (i = 1; i < argc; i++) {
		arg = argv[i];
		if (dashdash || arg[0] != '-' || arg[1] == '\0') {
			if (add_pos(pos, npos, argv[i]) == -1)
				goto nomem;
			continue;
		}
		if (strcmp(arg, "--") == 0) {
			dashdash = 1;
			continue;
		}
		if (arg[1] == '-') {
			arg += 2;
			eq = strchr(arg, '=');
			len = eq != NULL ? (size_t)(eq - arg) : strlen(arg);
			o = resolve_long(tab, arg, len, &help, &nmatch);
			if (help) {
				if (eq != NULL) {
					seterr(err, errlen, "option '--help' "
					    "takes no value");
					return (OPT_ERROR);
				}
				return (OPT_HELP);
			}
			if (o == NULL) {
				if (nmatch > 1)
					ambiguous_long(tab, arg, len, err,
					    errlen);
				else
					unknown_option(tab, hints, 0, arg, len,
					    err, errlen);
				return (OPT_ERROR);
			}
			opt_name(o, name, sizeof(name));
			if (!takes_value(o)) {
				if (eq != NULL) {
					seterr(err, errlen, "option '%s' takes "
					    "no value", name);
					return (OPT_ERROR);
				}
				val = NULL;
			} else if (eq != NULL)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				seterr(err, errlen, "option '%s' requires a "
				    "value", name);
				return (OPT_ERROR);
			}
			if (set_value(o, dst, val, err, errlen) == -1)
				return (OPT_ERROR);
			continue;
		}
		/* A bundle of short options: -kv, -w5, -w 5. */
		for (j = 1; arg[j] != '\0'; j++) {
			if (arg[j] == 'h' && find_short(tab, 'h') == NULL)
				return (OPT_HELP);
			if ((o = find_short(tab, (unsigned char)arg[j])) ==
			    NULL) {
				unknown_option(tab, hints,
				    (unsigned char)arg[j], NULL, 0, err,
				    errlen);
				return (OPT_ERROR);
			}
			if (!takes_value(o)) {
				if (set_value(o, dst, NULL, err, errlen) == -1)
					return (OPT_ERROR);
				continue;
			}
			if (arg[j + 1] != '\0')
				val = arg + j + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else {
				seterr(err, errlen, "option '-%c' requires a "
				    "value", arg[j]);
				return (OPT_ERROR);
			}
			if (set_value(o, dst, val, err, errlen) == -1)
				return (OPT_ERROR);
			break;
		}
	}
	return (OPT_OK);

nomem:
	seterr(err, errlen, "out of memory");
	return (OPT_ERROR);
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
		if (tab->o_short != 0 && tab->o_long != NULL)
			n = snprintf(left, sizeof(left), "  -%c, --%s",
			    tab->o_short, tab->o_long);
		else if (tab->o_short != 0)
			n = snprintf(left, sizeof(left), "  -%c",
			    tab->o_short);
		else
			n = snprintf(left, sizeof(left), "      --%s",
			    tab->o_long);
		if (tab->o_arg != NULL && n > 0 && (size_t)n < sizeof(left))
			n += snprintf(left + n, sizeof(left) - (size_t)n,
			    " %s", tab->o_arg);
		if (n < 0)
			continue;
		if (n >= HELP_COLUMN - 1)
			fprintf(fp, "%s\n%*s%s\n", left, HELP_COLUMN, "",
			    tab->o_help);
		else
			fprintf(fp, "%-*s%s\n", HELP_COLUMN, left,
			    tab->o_help);
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
