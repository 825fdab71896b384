/*
 * The extension table.  Text types carry no charset: the files are the
 * user's, and we do not know their encoding.  Lookup is case-insensitive
 * and by binary search, so keep the table sorted.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "compat.h"
#include "mime.h"

static const struct {
	const char	*ext;
	const char	*type;
} mime_table[] = {
	{ "avif",	"image/avif" },
	{ "bmp",	"image/bmp" },
	{ "css",	"text/css" },
	{ "csv",	"text/csv" },
	{ "gif",	"image/gif" },
	{ "gz",		"application/gzip" },
	{ "htm",	"text/html" },
	{ "html",	"text/html" },
	{ "ico",	"image/vnd.microsoft.icon" },
	{ "jpeg",	"image/jpeg" },
	{ "jpg",	"image/jpeg" },
	{ "js",		"text/javascript" },
	{ "json",	"application/json" },
	{ "md",		"text/markdown" },
	{ "mjs",	"text/javascript" },
	{ "mp3",	"audio/mpeg" },
	{ "mp4",	"video/mp4" },
	{ "oga",	"audio/ogg" },
	{ "ogg",	"audio/ogg" },
	{ "ogv",	"video/ogg" },
	{ "otf",	"font/otf" },
	{ "pdf",	"application/pdf" },
	{ "png",	"image/png" },
	{ "svg",	"image/svg+xml" },
	{ "tar",	"application/x-tar" },
	{ "ttf",	"font/ttf" },
	{ "txt",	"text/plain" },
	{ "wasm",	"application/wasm" },
	{ "wav",	"audio/wav" },
	{ "webm",	"video/webm" },
	{ "webp",	"image/webp" },
	{ "woff",	"font/woff" },
	{ "woff2",	"font/woff2" },
	{ "xml",	"application/xml" },
	{ "zip",	"application/zip" },
};

static int
cmp(const void *key, const void *elem)
{
	return (strcasecmp(key, *(const char *const *)elem));
}

const char *
mime_type(const char *name)
{
	const char	*dot = strrchr(name, '.');
	const void	*hit;

	if (dot == NULL || dot[1] == '\0' || strchr(dot, '/') != NULL)
		return ("application/octet-stream");
	hit = bsearch(dot + 1, mime_table, nitems(mime_table),
	    sizeof(mime_table[0]), cmp);
	return (hit != NULL ? ((const char *const *)hit)[1] :
	    "application/octet-stream");
}
