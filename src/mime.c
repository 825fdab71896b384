/*
 * The extension table.  Types are exactly as listed, without parameters:
 * scripts compare them byte for byte, and the files are the user's, of
 * an encoding we do not know (--charset adds one on request).  Lookup is
 * case-insensitive and by binary search, so keep the table sorted; the
 * same entries are listed in mime-list.txt, which the unit test checks
 * the table against.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "mime.h"

static const struct mime_entry mime_table[] = {
	{ "3gp",	"video/3gpp" },
	{ "3gpp",	"video/3gpp" },
	{ "7z",		"application/x-7z-compressed" },
	{ "aac",	"audio/aac" },
	{ "ac",		"text/plain" },
	{ "ai",		"application/postscript" },
	{ "am",		"text/plain" },
	{ "apng",	"image/apng" },
	{ "asf",	"video/x-ms-asf" },
	{ "asm",	"text/plain" },
	{ "asx",	"video/x-ms-asf" },
	{ "atom",	"application/atom+xml" },
	{ "avi",	"video/x-msvideo" },
	{ "avif",	"image/avif" },
	{ "avifs",	"image/avif" },
	{ "awk",	"text/plain" },
	{ "bash",	"text/plain" },
	{ "bat",	"text/plain" },
	{ "bin",	"application/octet-stream" },
	{ "bmp",	"image/bmp" },
	{ "bz2",	"application/x-bzip2" },
	{ "c",		"text/plain" },
	{ "cc",		"text/plain" },
	{ "cco",	"application/x-cocoa" },
	{ "cfg",	"text/plain" },
	{ "cjs",	"text/javascript" },
	{ "clj",	"text/plain" },
	{ "cljs",	"text/plain" },
	{ "cmake",	"text/plain" },
	{ "conf",	"text/plain" },
	{ "cpp",	"text/plain" },
	{ "crt",	"application/x-x509-ca-cert" },
	{ "cs",		"text/plain" },
	{ "css",	"text/css" },
	{ "csv",	"text/csv" },
	{ "cxx",	"text/plain" },
	{ "dart",	"text/plain" },
	{ "deb",	"application/octet-stream" },
	{ "der",	"application/x-x509-ca-cert" },
	{ "diff",	"text/plain" },
	{ "dll",	"application/octet-stream" },
	{ "dmg",	"application/octet-stream" },
	{ "doc",	"application/msword" },
	{ "docx",
	    "application/vnd.openxmlformats-officedocument."
	    "wordprocessingml.document" },
	{ "dtd",	"application/xml-dtd" },
	{ "ear",	"application/java-archive" },
	{ "el",		"text/plain" },
	{ "eot",	"application/vnd.ms-fontobject" },
	{ "eps",	"application/postscript" },
	{ "epub",	"application/epub+zip" },
	{ "erl",	"text/plain" },
	{ "ex",		"text/plain" },
	{ "exe",	"application/octet-stream" },
	{ "exs",	"text/plain" },
	{ "fish",	"text/plain" },
	{ "flac",	"audio/flac" },
	{ "flv",	"video/x-flv" },
	{ "geojson",	"application/geo+json" },
	{ "gif",	"image/gif" },
	{ "go",		"text/plain" },
	{ "gradle",	"text/plain" },
	{ "groovy",	"text/plain" },
	{ "gz",		"application/gzip" },
	{ "h",		"text/plain" },
	{ "heic",	"image/heic" },
	{ "heif",	"image/heif" },
	{ "hh",		"text/plain" },
	{ "hpp",	"text/plain" },
	{ "hqx",	"application/mac-binhex40" },
	{ "hrl",	"text/plain" },
	{ "hs",		"text/plain" },
	{ "htc",	"text/x-component" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "hxx",	"text/plain" },
	{ "ico",	"image/vnd.microsoft.icon" },
	{ "ics",	"text/calendar" },
	{ "img",	"application/octet-stream" },
	{ "ini",	"text/plain" },
	{ "iso",	"application/octet-stream" },
	{ "jad",	"text/vnd.sun.j2me.app-descriptor" },
	{ "jar",	"application/java-archive" },
	{ "jardiff",	"application/x-java-archive-diff" },
	{ "java",	"text/plain" },
	{ "jl",		"text/plain" },
	{ "jng",	"image/x-jng" },
	{ "jnlp",	"application/x-java-jnlp-file" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "jsonld",	"application/ld+json" },
	{ "jsx",	"text/javascript" },
	{ "jxl",	"image/jxl" },
	{ "kar",	"audio/midi" },
	{ "kml",	"application/vnd.google-earth.kml+xml" },
	{ "kmz",	"application/vnd.google-earth.kmz" },
	{ "ksh",	"text/plain" },
	{ "kt",		"text/plain" },
	{ "kts",	"text/plain" },
	{ "lisp",	"text/plain" },
	{ "log",	"text/plain" },
	{ "lua",	"text/plain" },
	{ "m3u8",	"application/vnd.apple.mpegurl" },
	{ "m4",		"text/plain" },
	{ "m4a",	"audio/mp4" },
	{ "m4v",	"video/x-m4v" },
	{ "map",	"application/json" },
	{ "markdown",	"text/markdown" },
	{ "md",		"text/markdown" },
	{ "mid",	"audio/midi" },
	{ "midi",	"audio/midi" },
	{ "mjs",	"text/javascript" },
	{ "mk",		"text/plain" },
	{ "mka",	"audio/x-matroska" },
	{ "mkv",	"video/x-matroska" },
	{ "ml",		"text/plain" },
	{ "mli",	"text/plain" },
	{ "mml",	"text/mathml" },
	{ "mng",	"video/x-mng" },
	{ "mov",	"video/quicktime" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "mpd",	"application/dash+xml" },
	{ "mpeg",	"video/mpeg" },
	{ "mpg",	"video/mpeg" },
	{ "msi",	"application/octet-stream" },
	{ "msm",	"application/octet-stream" },
	{ "msp",	"application/octet-stream" },
	{ "ndjson",	"application/x-ndjson" },
	{ "nim",	"text/plain" },
	{ "odg",	"application/vnd.oasis.opendocument.graphics" },
	{ "odp",	"application/vnd.oasis.opendocument.presentation" },
	{ "ods",	"application/vnd.oasis.opendocument.spreadsheet" },
	{ "odt",	"application/vnd.oasis.opendocument.text" },
	{ "oga",	"audio/ogg" },
	{ "ogg",	"audio/ogg" },
	{ "ogv",	"video/ogg" },
	{ "opus",	"audio/ogg" },
	{ "otf",	"font/otf" },
	{ "patch",	"text/plain" },
	{ "pdb",	"application/x-pilot" },
	{ "pdf",	"application/pdf" },
	{ "pem",	"application/x-x509-ca-cert" },
	{ "php",	"text/plain" },
	{ "pl",		"text/plain" },
	{ "pm",		"text/plain" },
	{ "png",	"image/png" },
	{ "ppt",	"application/vnd.ms-powerpoint" },
	{ "pptx",
	    "application/vnd.openxmlformats-officedocument."
	    "presentationml.presentation" },
	{ "prc",	"application/x-pilot" },
	{ "properties",	"text/plain" },
	{ "ps",		"application/postscript" },
	{ "ps1",	"text/plain" },
	{ "py",		"text/plain" },
	{ "pyi",	"text/plain" },
	{ "ra",		"audio/x-realaudio" },
	{ "rar",	"application/x-rar-compressed" },
	{ "rb",		"text/plain" },
	{ "rpm",	"application/x-redhat-package-manager" },
	{ "rs",		"text/plain" },
	{ "rss",	"application/rss+xml" },
	{ "rst",	"text/plain" },
	{ "rtf",	"application/rtf" },
	{ "run",	"application/x-makeself" },
	{ "s",		"text/plain" },
	{ "scala",	"text/plain" },
	{ "scm",	"text/plain" },
	{ "sea",	"application/x-sea" },
	{ "sed",	"text/plain" },
	{ "sh",		"text/plain" },
	{ "shtml",	"text/html" },
	{ "sit",	"application/x-stuffit" },
	{ "sql",	"text/plain" },
	{ "srt",	"text/plain" },
	{ "svg",	"image/svg+xml" },
	{ "svgz",	"image/svg+xml" },
	{ "swf",	"application/x-shockwave-flash" },
	{ "swift",	"text/plain" },
	{ "tar",	"application/x-tar" },
	{ "tcl",	"text/plain" },
	{ "tex",	"text/plain" },
	{ "text",	"text/plain" },
	{ "tgz",	"application/gzip" },
	{ "tif",	"image/tiff" },
	{ "tiff",	"image/tiff" },
	{ "tk",		"text/plain" },
	{ "toml",	"application/toml" },
	{ "ts",		"video/mp2t" },
	{ "tsv",	"text/tab-separated-values" },
	{ "ttf",	"font/ttf" },
	{ "txt",	"text/plain" },
	{ "vim",	"text/plain" },
	{ "vtt",	"text/vtt" },
	{ "war",	"application/java-archive" },
	{ "wasm",	"application/wasm" },
	{ "wav",	"audio/wav" },
	{ "wbmp",	"image/vnd.wap.wbmp" },
	{ "weba",	"audio/webm" },
	{ "webm",	"video/webm" },
	{ "webmanifest", "application/manifest+json" },
	{ "webp",	"image/webp" },
	{ "wml",	"text/vnd.wap.wml" },
	{ "wmlc",	"application/vnd.wap.wmlc" },
	{ "wmv",	"video/x-ms-wmv" },
	{ "woff",	"font/woff" },
	{ "woff2",	"font/woff2" },
	{ "xhtml",	"application/xhtml+xml" },
	{ "xls",	"application/vnd.ms-excel" },
	{ "xlsx",
	    "application/vnd.openxmlformats-officedocument."
	    "spreadsheetml.sheet" },
	{ "xml",	"application/xml" },
	{ "xpi",	"application/x-xpinstall" },
	{ "xsd",	"application/xml" },
	{ "xsl",	"application/xml" },
	{ "xspf",	"application/xspf+xml" },
	{ "xz",		"application/x-xz" },
	{ "yaml",	"application/yaml" },
	{ "yml",	"application/yaml" },
	{ "zig",	"text/plain" },
	{ "zip",	"application/zip" },
	{ "zsh",	"text/plain" },
	{ "zst",	"application/zstd" },
};

static int
mime_cmp(const void *key, const void *elem)
{
	return (strcasecmp(key, ((const struct mime_entry *)elem)->ext));
}

const char *
mime_type(const char *name)
{
	const char		*dot;
	const struct mime_entry	*hit;

	dot = strrchr(name, '.');
	if (dot == NULL || dot[1] == '\0' || strchr(dot, '/') != NULL)
		return ("application/octet-stream");
	hit = bsearch(dot + 1, mime_table, nitems(mime_table),
	    sizeof(mime_table[0]), mime_cmp);
	return (hit != NULL ? hit->type : "application/octet-stream");
}

/* For --charset: text types, JavaScript and JSON (also +json types). */
int
mime_is_text(const char *type)
{
	size_t	n;

	n = strlen(type);
	return (strncmp(type, "text/", 5) == 0 ||
	    strcmp(type, "application/javascript") == 0 ||
	    strcmp(type, "application/json") == 0 ||
	    (n > 5 && strcmp(type + n - 5, "+json") == 0));
}

/* The table itself, for the unit test. */
const struct mime_entry *
mime_entries(size_t *n)
{
	*n = nitems(mime_table);
	return (mime_table);
}
