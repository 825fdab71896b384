/*
 * sockctl serve-http: the command.  Its options, the checks that make a
 * bad command line a usage error, and one call into the engine
 * (httpd.c), which serves the directory until SIGINT or SIGTERM.
 */
#include "config.h"

#include <sys/types.h>

#include <netdb.h>
#include <string.h>

#include "acl-opt.h"
#include "addr.h"
#include "cmd.h"
#include "http.h"
#include "httpd.h"
#include "log.h"
#include "opt.h"
#include "tls-opt.h"
#include "tls.h"

struct serve_opts {
	int		 port;
	const char	*bind;
	const char	*port_file;
	int		 no_listing;
	const char	*index;
	int		 hidden;
	int		 follow_symlinks;
	const char	*access_log;
	struct opt_list	 headers;
	int		 cors;
	const char	*charset;
	long long	 max_conns;
	struct acl_opts	 acl;
	long long	 idle;
	int		 verbose;
	struct tls_opts	 tls;
};

static const struct opt serve_options[] = {
	OPT_PORT_('p', "port", struct serve_opts, port, "8000",
	    "listen on PORT"),
	OPT_STR_('b', "bind", struct serve_opts, bind, "ADDRESS", OPTK_HOST,
	    "127.0.0.1", "listen on ADDRESS"),
	OPT__PORT_FILE(struct serve_opts, port_file,
	    "write the bound port to FILE once listening"),
	OPT_FLAG_(0, "no-listing", struct serve_opts, no_listing,
	    "answer 403 for directories without an index"),
	OPT_STR_(0, "index", struct serve_opts, index, "NAME", OPTK_TEXT,
	    "index.html", "index file name"),
	OPT_FLAG_(0, "hidden", struct serve_opts, hidden,
	    "serve dotfiles (by default they are 404)"),
	OPT_FLAG_(0, "follow-symlinks", struct serve_opts, follow_symlinks,
	    "follow symlinks that lead outside DIR"),
	OPT_STR_(0, "access-log", struct serve_opts, access_log, "FILE",
	    OPTK_FILE, NULL, "log requests to FILE (- for stdout)"),
	OPT_LIST_('H', "header", struct serve_opts, headers, "'NAME: VALUE'",
	    OPTK_TEXT, "add a header to every response (repeatable)"),
	OPT_FLAG_(0, "cors", struct serve_opts, cors,
	    "add Access-Control-Allow-Origin: *, answer OPTIONS"),
	OPT_STR_(0, "charset", struct serve_opts, charset, "CHARSET",
	    OPTK_TEXT, NULL, "append '; charset=CHARSET' to text types"),
	OPT__MAX_CONNS(struct serve_opts, max_conns, 1000000, "1024",
	    "at most N connections"),
	OPT__ACL(struct serve_opts, acl),
	OPT__IDLE(struct serve_opts, idle, "15s",
	    "keep-alive and request timeout"),
	OPT__VERBOSE(struct serve_opts, verbose,
	    "report progress on stderr (repeatable)"),
	OPT__TLS(struct serve_opts, tls, "serve HTTPS"),
	OPT__TLS_CERT(struct serve_opts, tls),
	OPT__TLS_SERVER(struct serve_opts, tls),
	OPT__TLS_COMMON(struct serve_opts, tls),
	OPT_END_
};

/*
 * A -H line is sent as given after every response's own headers: it
 * must look like a header, and must not end the head or start another.
 */
static int
serve_check_header(const char *h, struct sk_err *err)
{
	const char	*colon;
	size_t		 j;

	colon = strchr(h, ':');
	if (colon == NULL || colon == h) {
		err_set(err, "invalid header '%s': expected 'NAME: VALUE'", h);
		return (-1);
	}
	for (j = 0; h + j < colon; j++)
		if (!(h[j] > 0x20 && h[j] < 0x7f)) {
			err_set(err, "invalid header '%s': bad character in "
			    "the name", h);
			return (-1);
		}
	for (j = 0; h[j] != '\0'; j++)
		if ((unsigned char)h[j] < 0x20 && h[j] != '\t') {
			err_set(err, "invalid header '%s': control character",
			    h);
			return (-1);
		}
	return (0);
}

static int
serve_http_exec(void *p, int argc, char **argv)
{
	struct serve_opts *o = p;
	struct httpd_config cf;
	struct acl	 acl;
	struct sk_err	 err;
	char		 host[NI_MAXHOST];
	size_t		 i;
	int		 status;

	log_set_verbosity(o->verbose);
	if (argc > 1)
		return (log_usage("extra argument '%s'", argv[1]));
	memset(&cf, 0, sizeof(cf));
	cf.dir = argc == 1 ? argv[0] : ".";
	if (cmd_check_dir(cf.dir, &err) == -1)
		return (log_usage("%s", err.msg));
	if (strchr(o->index, '/') != NULL || o->index[0] == '\0')
		return (log_usage("invalid index name '%s'", o->index));
	/* A token needs no quoting as a parameter value. */
	if (o->charset != NULL &&
	    !http_is_token(o->charset, strlen(o->charset)))
		return (log_usage("invalid charset '%s': expected a name such "
		    "as utf-8", o->charset));
	if (addr_parse_host(o->bind, host, sizeof(host), &err) == -1)
		return (log_usage("invalid address '%s': %s", o->bind,
		    err.msg));
	for (i = 0; i < o->headers.n; i++)
		if (serve_check_header(o->headers.v[i], &err) == -1)
			return (log_usage("%s", err.msg));
	if (tlsopt_check(&o->tls, TLSOPT_SERVER, &err) == -1)
		return (log_usage("%s", err.msg));
	cf.host = host;
	cf.port = o->port;
	cf.port_file = o->port_file;
	cf.no_listing = o->no_listing;
	cf.index = o->index;
	cf.hidden = o->hidden;
	cf.follow_symlinks = o->follow_symlinks;
	cf.access_log = o->access_log;
	cf.headers = o->headers.v;
	cf.nheaders = o->headers.n;
	cf.cors = o->cors;
	cf.charset = o->charset;
	cf.max_conns = o->max_conns;
	cf.idle = o->idle;
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	cf.acl = &acl;
	if (o->tls.tls &&
	    (cf.tls = tlsopt_ctx(&o->tls, TLSOPT_SERVER, &err)) == NULL) {
		acl_free(&acl);
		log_err("%s", err.msg);
		return (EXIT_RUNTIME);
	}
	status = 0;
	if (httpd_run(&cf, &err) == -1) {
		log_err("%s", err.msg);
		status = EXIT_RUNTIME;
	}
	tls_ctx_free(cf.tls);
	acl_free(&acl);
	return (status);
}

const struct cmd_entry cmd_serve_http_entry = {
	.name = "serve-http",
	.summary = "serve a directory over HTTP/1.1",
	.usage = "[OPTIONS] [DIR]",
	.description = "Serve DIR (default: the current directory) over "
	    "HTTP/1.1, on 127.0.0.1:8000\nunless told otherwise.",
	.options = serve_options,
	.optsize = sizeof(struct serve_opts),
	.init = NULL,
	.exec = serve_http_exec
};
