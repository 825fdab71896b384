/*
 * Option parsing from the tables in opt.h: long options with "=value" or a
 * separate value, bundled short flags with attached or separate values,
 * options anywhere among the positionals, "--" to stop.  Values are checked
 * by type as they are parsed, so a bad one is reported by its option name.
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
	const struct opt *o;
	const char	*arg, *eq, *val, *near;
	char		 name[64];
	int		 i, dashdash = 0;
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
			if (len == 4 && strncmp(arg, "help", 4) == 0 &&
			    find_long(tab, arg, len) == NULL) {
				if (eq != NULL) {
					seterr(err, errlen, "option '--help' "
					    "takes no value");
					return (OPT_ERROR);
				}
				return (OPT_HELP);
			}
			if ((o = find_long(tab, arg, len)) == NULL) {
				near = nearest_long(tab, arg, len);
				if (near != NULL)
					seterr(err, errlen, "unknown option "
					    "'--%.*s' (did you mean '--%s'?)",
					    (int)len, arg, near);
				else
					seterr(err, errlen, "unknown option "
					    "'--%.*s'", (int)len, arg);
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
				seterr(err, errlen, "unknown option '-%c'",
				    arg[j]);
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
	int	 n;

	fputs("Options:\n", fp);
	for (; tab->o_long != NULL || tab->o_short != 0; tab++) {
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
