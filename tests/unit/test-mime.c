/*
 * Unit tests of serve-http's extension table (src/mime.c) against the
 * list kept beside it, src/mime-list.txt: every line of the list gives
 * exactly its type, in any letter case; every entry of the table is on
 * the list; the table is sorted (binary search depends on it); no type
 * has a parameter; every extension nginx's mime.types knows is there, as
 * are modern ones it lacks; and which types --charset touches.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "mime.h"
#include "tap.h"

#define LIST_MAX	1024

struct row {
	char	ext[64];
	char	type[128];
	int	nginx;
};

static struct row	rows[LIST_MAX];
static size_t		nrows;

static void
read_list(void)
{
	const char	*dir;
	char		 path[4096], line[512], flag[16];
	FILE		*f;
	int		 n;

	dir = getenv("SOCKCTL_SRCDIR");
	snprintf(path, sizeof(path), "%s/src/mime-list.txt",
	    dir != NULL ? dir : ".");
	if ((f = fopen(path, "r")) == NULL) {
		printf("Bail out! %s: cannot open\n", path);
		exit(1);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (nrows == LIST_MAX) {
			printf("Bail out! %s: too many lines\n", path);
			exit(1);
		}
		flag[0] = '\0';
		n = sscanf(line, "%63s %127s %15s", rows[nrows].ext,
		    rows[nrows].type, flag);
		if (n < 2) {
			printf("Bail out! %s: bad line %s", path, line);
			exit(1);
		}
		rows[nrows].nginx = strcmp(flag, "nginx") == 0;
		nrows++;
	}
	fclose(f);
}

static const char *
list_type(const char *ext)
{
	size_t	i;

	for (i = 0; i < nrows; i++)
		if (strcmp(rows[i].ext, ext) == 0)
			return (rows[i].type);
	return (NULL);
}

/* Every line of the list, in lower, upper and mixed case. */
static void
test_list_to_table(void)
{
	char	name[128];
	size_t	i, j, bad = 0;

	for (i = 0; i < nrows; i++) {
		snprintf(name, sizeof(name), "f.%.63s", rows[i].ext);
		if (strcmp(mime_type(name), rows[i].type) != 0 && bad++ < 10)
			diag("    .%s is %s, the list says %s", rows[i].ext,
			    mime_type(name), rows[i].type);
		for (j = 2; name[j] != '\0'; j++)
			name[j] = (char)toupper((unsigned char)name[j]);
		if (strcmp(mime_type(name), rows[i].type) != 0 && bad++ < 10)
			diag("    %s is %s", name, mime_type(name));
		name[2] = (char)tolower((unsigned char)name[2]);
		if (strcmp(mime_type(name), rows[i].type) != 0 && bad++ < 10)
			diag("    %s is %s", name, mime_type(name));
	}
	ok(bad == 0, "all %zu listed extensions have their listed type", nrows);
}

static void
test_table_to_list(void)
{
	const struct mime_entry *t;
	const char	*want;
	size_t		 n, i, bad = 0, unsorted = 0, params = 0;

	t = mime_entries(&n);
	is_int(n, nrows, "the table has as many entries as the list");
	for (i = 0; i < n; i++) {
		want = list_type(t[i].ext);
		if ((want == NULL || strcmp(want, t[i].type) != 0) &&
		    bad++ < 10)
			diag("    table .%s %s is not on the list", t[i].ext,
			    t[i].type);
		if (i > 0 && strcasecmp(t[i - 1].ext, t[i].ext) >= 0 &&
		    unsorted++ < 10)
			diag("    .%s after .%s", t[i].ext, t[i - 1].ext);
		if (strpbrk(t[i].type, "; \t\"") != NULL && params++ < 10)
			diag("    .%s: '%s' has a parameter", t[i].ext,
			    t[i].type);
		if (strchr(t[i].ext, '.') != NULL || t[i].ext[0] == '\0')
			params++;
	}
	ok(bad == 0, "every table entry is on the list with its type");
	ok(unsorted == 0, "the table is sorted without duplicates");
	ok(params == 0, "no type carries a parameter");
}

static void
test_required(void)
{
	/* nginx 1.22 conf/mime.types, every extension. */
	static const char *const nginx[] = {
		"3gp", "3gpp", "7z", "ai", "asf", "asx", "atom", "avi",
		"avif", "bin", "bmp", "cco", "crt", "css", "deb", "der",
		"dll", "dmg", "doc", "docx", "ear", "eot", "eps", "exe",
		"flv", "gif", "hqx", "htc", "htm", "html", "ico", "img",
		"iso", "jad", "jar", "jardiff", "jng", "jnlp", "jpeg", "jpg",
		"js", "json", "kar", "kml", "kmz", "m3u8", "m4a", "m4v",
		"mid", "midi", "mml", "mng", "mov", "mp3", "mp4", "mpeg",
		"mpg", "msi", "msm", "msp", "odg", "odp", "ods", "odt", "ogg",
		"pdb", "pdf", "pem", "pl", "pm", "png", "ppt", "pptx", "prc",
		"ps", "ra", "rar", "rpm", "rss", "rtf", "run", "sea", "shtml",
		"sit", "svg", "svgz", "swf", "tcl", "tif", "tiff", "tk", "ts",
		"txt", "war", "wasm", "wbmp", "webm", "webp", "wml", "wmlc",
		"wmv", "woff", "woff2", "xhtml", "xls", "xlsx", "xml", "xpi",
		"xspf", "zip",
	};
	/* Issue 8's modern types, exactly. */
	static const struct mime_entry modern[] = {
		{ "mjs", "text/javascript" },
		{ "wasm", "application/wasm" },
		{ "webp", "image/webp" },
		{ "avif", "image/avif" },
		{ "woff2", "font/woff2" },
		{ "webmanifest", "application/manifest+json" },
		{ "vtt", "text/vtt" },
		{ "mkv", "video/x-matroska" },
		{ "mov", "video/quicktime" },
		{ "flac", "audio/flac" },
		{ "m4a", "audio/mp4" },
		{ "opus", "audio/ogg" },
		{ "ics", "text/calendar" },
		{ "md", "text/markdown" },
		{ "yaml", "application/yaml" },
		{ "yml", "application/yaml" },
		{ "toml", "application/toml" },
		{ "c", "text/plain" },
		{ "h", "text/plain" },
		{ "py", "text/plain" },
		{ "sh", "text/plain" },
		{ "log", "text/plain" },
		{ "js", "text/javascript" },
		{ "html", "text/html" },
	};
	char	name[64];
	size_t	i, missing = 0, nginx_rows = 0;

	for (i = 0; i < nitems(nginx); i++) {
		snprintf(name, sizeof(name), "x.%s", nginx[i]);
		/* Listed, and the table gives what the list says. */
		if ((list_type(nginx[i]) == NULL || strcmp(mime_type(name),
		    list_type(nginx[i])) != 0) && missing++ < 10)
			diag("    nginx's .%s is missing", nginx[i]);
	}
	ok(missing == 0, "all %zu extensions of nginx's mime.types are there",
	    nitems(nginx));
	for (i = 0; i < nrows; i++)
		nginx_rows += rows[i].nginx;
	is_int(nginx_rows, nitems(nginx), "the list marks nginx's extensions");
	for (i = 0; i < nitems(modern); i++) {
		snprintf(name, sizeof(name), "dir.d/file.%s", modern[i].ext);
		is_str(mime_type(name), modern[i].type, ".%s is %s",
		    modern[i].ext, modern[i].type);
	}
}

static void
test_names(void)
{
	is_str(mime_type("README"), "application/octet-stream", "no dot");
	is_str(mime_type("f."), "application/octet-stream", "a final dot");
	is_str(mime_type("a.d/README"), "application/octet-stream",
	    "a dot in a directory only");
	is_str(mime_type("x.tar.gz"), "application/gzip", "the last dot");
	is_str(mime_type("x.unknown"), "application/octet-stream", "unknown");
	is_str(mime_type(".html"), "text/html", "a dotfile's extension");
}

static void
test_is_text(void)
{
	static const struct {
		const char	*type;
		int		 text;
	} t[] = {
		{ "text/plain", 1 },
		{ "text/html", 1 },
		{ "text/javascript", 1 },
		{ "application/javascript", 1 },
		{ "application/json", 1 },
		{ "application/manifest+json", 1 },
		{ "application/ld+json", 1 },
		{ "application/xml", 0 },
		{ "application/yaml", 0 },
		{ "image/svg+xml", 0 },
		{ "application/octet-stream", 0 },
		{ "image/png", 0 },
		{ "application/jsonx", 0 },
	};
	size_t	i;

	for (i = 0; i < nitems(t); i++)
		is_int(mime_is_text(t[i].type), t[i].text, "%s is%s text",
		    t[i].type, t[i].text ? "" : " not");
}

int
main(void)
{
	read_list();
	test_list_to_table();
	test_table_to_list();
	test_required();
	test_names();
	test_is_text();
	return (done_testing());
}
