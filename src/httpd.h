/*
 * serve-http's engine: a static file server on the shared event loop.
 * The command checks its options, fills a struct httpd_config and calls
 * httpd_run once; the engine reports failure, the command picks the exit
 * status.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <stddef.h>

#include "log.h"

struct acl;
struct tls_ctx;

struct httpd_config {
	const char	*dir;		/* the served directory */
	const char	*host;		/* numeric address to listen on */
	int		 port;
	const char	*port_file;	/* NULL: none */
	int		 no_listing;
	const char	*index;		/* a file name, no '/' */
	int		 hidden;
	int		 follow_symlinks;
	const char	*access_log;	/* NULL: none; "-": stdout */
	char * const	*headers;	/* valid "NAME: VALUE" lines */
	size_t		 nheaders;
	int		 cors;
	const char	*charset;	/* an HTTP token, or NULL */
	long long	 max_conns;
	long long	 idle;		/* milliseconds */
	const struct acl *acl;		/* clients to refuse, or NULL */
	struct tls_ctx	*tls;		/* HTTPS; NULL: plain HTTP */
};

int	httpd_run(const struct httpd_config *, struct sk_err *);

#endif /* HTTPD_H */
