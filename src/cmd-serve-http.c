/*
 * sockctl serve-http: a static HTTP/1.1 file server.  Not built yet; the
 * entry reserves the name so the command table is complete.
 */
#include "cmd.h"

const struct cmd_entry cmd_serve_http_entry = {
	.name = "serve-http",
	.summary = "serve a directory over HTTP/1.1",
	.usage = "[OPTIONS] [DIR]",
	.description = "Serve DIR (default: the current directory) over "
	    "HTTP/1.1.",
	.exec = cmd_not_implemented
};
