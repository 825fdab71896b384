/*
 * sockctl forward: accept clients on LISTEN and relay each, both ways, to
 * its own new connection to TARGET (or, with --udp, a session per client
 * address).  This file holds the options, their checks, the listening
 * socket and TARGET's addresses; forward.c and forward-udp.c the relay.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl-opt.h"
#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "forward.h"
#include "log.h"
#include "sock.h"
#include "proxy-opt.h"
#include "socks.h"
#include "stream.h"
#include "trace-opt.h"
#include "trace.h"
#include "tls-opt.h"
#include "tls.h"

struct forward_opts {
	int		 ipv4;
	int		 ipv6;
	int		 udp;
	int		 verbose;
	long long	 max_conns;
	long long	 backlog;
	long long	 timeout;
	long long	 idle;
	const char	*port_file;
	const char	*proxy;
	struct acl_opts	 acl;
	struct trace_opts trace;
	struct tls_opts	 tls;		/* --tls, and the --tls-* options */
	int		 tls_to;
	struct proxy_opts px;		/* -x, -X */
};

static const char *const forward_proxy_choices[] = { "v1", "v2", NULL };

static const struct opt forward_options[] = {
	OPT__FAMILY(struct forward_opts, ipv4, ipv6),
	OPT__ACL(struct forward_opts, acl),
	OPT_FLAG_('u', "udp", struct forward_opts, udp,
	    "forward UDP: a session per client address"),
	OPT__MAX_CONNS(struct forward_opts, max_conns, 1000000, "1024",
	    "at most N connections (UDP: sessions) at once"),
	OPT__BACKLOG(struct forward_opts, backlog,
	    "pending-client queue length"),
	OPT__TIMEOUT(struct forward_opts, timeout, NULL,
	    "give up connecting to TARGET after DUR"),
	OPT__IDLE(struct forward_opts, idle, NULL,
	    "close a connection idle for DUR (UDP: a session, default 60s)"),
	OPT__PORT_FILE(struct forward_opts, port_file,
	    "write the bound port to FILE"),
	OPT_CHOICE_(0, "proxy-protocol", struct forward_opts, proxy, "VER",
	    forward_proxy_choices, NULL,
	    "send a PROXY protocol header (v1 or v2) to TARGET"),
	OPT__VERBOSE(struct forward_opts, verbose,
	    "say when ready, and one line per connection at its end"),
	OPT__TRACE(struct forward_opts, trace),
	OPT__TLS(struct forward_opts, tls,
	    "speak TLS with clients (terminate it here)"),
	OPT_FLAG_(0, "tls-to", struct forward_opts, tls_to,
	    "speak TLS to TARGET"),
	OPT__TLS_CERT(struct forward_opts, tls),
	OPT__TLS_SERVER(struct forward_opts, tls),
	OPT__TLS_CLIENT(struct forward_opts, tls),
	OPT__TLS_COMMON(struct forward_opts, tls),
	OPT__PROXY(struct forward_opts, px,
	    "reach TARGET through a proxy: [SCHEME://][USER@]HOST[:PORT]"),
	OPT_END_
};

/* TARGET's addresses, resolved once: every client tries them in order. */
static int
forward_resolve(const struct addr_ep *ep, int family, int socktype,
    struct fwd_dest **out, size_t *n, struct sk_err *err)
{
	struct addrinfo	 hints, *res, *ai;
	struct sockaddr_un sun;
	struct fwd_dest	*d;
	socklen_t	 len;
	char		 serv[16];
	size_t		 i;
	int		 rv;

	if (ep->kind == ADDR_EP_UNIX) {
		if ((d = calloc(1, sizeof(*d))) == NULL) {
			err_set(err, "out of memory");
			return (-1);
		}
		(void)addr_parse_unix(ep->path, &sun, &len, err);
		memcpy(&d->ss, &sun, len);
		d->len = len;
		*out = d;
		*n = 1;
		return (0);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = socktype;
	snprintf(serv, sizeof(serv), "%d", ep->port);
	if ((rv = getaddrinfo(ep->host, serv, &hints, &res)) != 0) {
		err_set(err, "%s: %s", ep->host, gai_strerror(rv));
		return (-1);
	}
	for (i = 0, ai = res; ai != NULL; ai = ai->ai_next)
		i++;
	if ((d = calloc(i, sizeof(*d))) == NULL) {
		freeaddrinfo(res);
		err_set(err, "out of memory");
		return (-1);
	}
	for (i = 0, ai = res; ai != NULL; ai = ai->ai_next, i++) {
		memcpy(&d[i].ss, ai->ai_addr, ai->ai_addrlen);
		d[i].len = ai->ai_addrlen;
	}
	freeaddrinfo(res);
	*out = d;
	*n = i;
	return (0);
}

/* The listening socket; *created names a socket file to remove at exit. */
static int
forward_listen(const struct forward_opts *o, const struct addr_ep *ep,
    int *created, struct sk_err *err)
{
	struct sock_listen_args la;

	*created = 0;
	if (ep->kind == ADDR_EP_UNIX)
		return (sock_listen_unix(ep->path, SOCK_STREAM,
		    (int)o->backlog, created, err));
	memset(&la, 0, sizeof(la));
	la.host = ep->host[0] != '\0' ? ep->host :
	    o->ipv6 ? "::1" : "127.0.0.1";
	la.port = ep->port;
	la.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	la.socktype = o->udp ? SOCK_DGRAM : SOCK_STREAM;
	la.backlog = (int)o->backlog;
	return (sock_listen(&la, err));
}

static void
forward_report(int lfd, const char *target)
{
	struct sock_name n;

	if (log_verbosity < 1 || sock_local_name(lfd, &n) == -1)
		return;
	if (n.port < 0)
		log_verbose(1, "forwarding %s to %s", n.host, target);
	else
		log_verbose(1, "forwarding %s port %d to %s", n.host, n.port,
		    target);
}

/*
 * --tls is the listening side (a server), --tls-to the target's (a
 * client).  The options of each role apply to its side; with both,
 * --tls-cert and --tls-key are the server's, and --tls-alpn and
 * --tls-min apply to both sides.  0, or -1 with the usage error.
 */
static int
forward_check_tls(const struct forward_opts *o, const struct addr_ep *tep,
    struct tls_opts *srv, struct tls_opts *cli, struct sk_err *err)
{
	const struct tls_opts *t = &o->tls;
	const char	*name = NULL;

	memset(srv, 0, sizeof(*srv));
	memset(cli, 0, sizeof(*cli));
#ifndef HAVE_TLS
	if (o->tls_to) {
		err_set(err, "option '--tls-to' needs TLS, which this sockctl "
		    "was built without");
		return (-1);
	}
	return (tlsopt_check(t, TLSOPT_SERVER, err));
#endif
	if (!o->tls_to)
		name = t->ca != NULL ? "--tls-ca" : t->name != NULL ?
		    "--tls-name" : t->pin != NULL ? "--tls-pin" :
		    t->insecure ? "--insecure" : NULL;
	if (name != NULL) {
		err_set(err, "option '%s' needs --tls-to", name);
		return (-1);
	}
	if (!t->tls && t->client_ca != NULL) {
		err_set(err, "option '--tls-client-ca' needs --tls");
		return (-1);
	}
	if (!t->tls && !o->tls_to) {
		name = t->cert != NULL ? "--tls-cert" : t->key != NULL ?
		    "--tls-key" : t->alpn != NULL ? "--tls-alpn" :
		    t->min != NULL ? "--tls-min" : NULL;
		if (name != NULL) {
			err_set(err, "option '%s' needs --tls or --tls-to",
			    name);
			return (-1);
		}
		return (0);
	}
	if (o->udp) {
		err_set(err, "%s and --udp cannot be used together",
		    t->tls ? "--tls" : "--tls-to");
		return (-1);
	}
	if (t->tls) {
		srv->tls = 1;
		srv->cert = t->cert;
		srv->key = t->key;
		srv->client_ca = t->client_ca;
		srv->alpn = t->alpn;
		srv->min = t->min;
		if (tlsopt_check(srv, TLSOPT_SERVER, err) == -1)
			return (-1);
	}
	/*
	 * A unix: TARGET has no host name to verify: every client would
	 * fail its handshake, so say it once, now.
	 */
	if (o->tls_to && tep->kind == ADDR_EP_UNIX && t->name == NULL &&
	    t->pin == NULL && !t->insecure) {
		err_set(err, "--tls-to to a unix: TARGET needs --tls-name, "
		    "--tls-pin or --insecure");
		return (-1);
	}
	if (o->tls_to) {
		*cli = *t;
		cli->client_ca = NULL;
		cli->tls = 1;
		if (t->tls)
			cli->cert = cli->key = NULL;
		if (tlsopt_check(cli, TLSOPT_CLIENT, err) == -1)
			return (-1);
	}
	return (0);
}

/* -x and -X: the proxy's URL, and TARGET as the proxy will get it. */
static int
forward_check_px(const struct forward_opts *o, const struct addr_ep *tep,
    struct proxy_conf *pc, struct sk_err *err)
{
	int	r;

	if ((r = proxyopt_load(&o->px, pc, err)) <= 0)
		return (r);
	if (o->udp) {
		err_set(err, "--proxy and --udp cannot be used together");
		return (-1);
	}
	if (tep->kind == ADDR_EP_UNIX) {
		err_set(err, "a proxy reaches HOST:PORT, not a unix: socket");
		return (-1);
	}
	return (0);
}

/*
 * The proxy's addresses as the destinations, and TARGET for it: as given
 * for socks5h, socks4a and http, resolved here for socks5 and socks4.
 */
static int
forward_resolve_px(const struct forward_opts *o, const struct proxy_url *u,
    const struct addr_ep *tep, struct fwd_conf *fc, struct socks_addr *pt,
    struct sk_err *err)
{
	struct addr_ep	 pep;
	struct fwd_dest	*d;
	size_t		 n, i;
	int		 family;

	family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	if (!proxy_resolves_here(u->type)) {
		if (socks_addr_set(pt, tep->host, tep->port) == -1) {
			err_set(err, "%s: not a host name a proxy can take",
			    tep->host);
			return (-1);
		}
	} else {
		if (forward_resolve(tep, u->type == PROXY_SOCKS4 ? AF_INET :
		    family, SOCK_STREAM, &d, &n, err) == -1)
			return (-1);
		for (i = 0; i < n && d[i].ss.ss_family != AF_INET &&
		    d[i].ss.ss_family != AF_INET6; i++)
			continue;
		if (i == n || socks_addr_from_sa(pt,
		    (struct sockaddr *)&d[i].ss) == -1) {
			free(d);
			err_set(err, "%s: no address for the proxy to reach",
			    tep->host);
			return (-1);
		}
		free(d);
	}
	memset(&pep, 0, sizeof(pep));
	pep.kind = ADDR_EP_INET;
	strlcpy(pep.host, u->host, sizeof(pep.host));
	pep.port = u->port;
	return (forward_resolve(&pep, family, SOCK_STREAM, &fc->dest,
	    &fc->ndest, err));
}

/* What fwd_conf points to about TARGET, kept for the run. */
struct forward_target {
	struct proxy_conf pc;
	struct socks_addr pxt;
	char		 name[ADDR_HOST_MAX + 16];
};

/*
 * TARGET in fc: its name for messages, its addresses (or the proxy's),
 * the TLS contexts.  0, or -1 with the runtime error.
 */
static int
forward_targets(const struct forward_opts *o, const struct addr_ep *tep,
    const struct tls_opts *srv, const struct tls_opts *cli,
    struct forward_target *ft, struct fwd_conf *fc, struct sk_err *err)
{
	if (tep->kind == ADDR_EP_UNIX)
		strlcpy(ft->name, tep->path, sizeof(ft->name));
	else
		snprintf(ft->name, sizeof(ft->name), "%s port %d", tep->host,
		    tep->port);
	fc->target = ft->name;
	fc->tls_host = tep->kind == ADDR_EP_UNIX ? NULL : tep->host;
	if (o->px.url != NULL) {
		fc->px = &ft->pc.url;
		fc->px_target = &ft->pxt;
		fc->px_pass = ft->pc.password;
		if (forward_resolve_px(o, &ft->pc.url, tep, fc, &ft->pxt,
		    err) == -1)
			return (-1);
	} else if (forward_resolve(tep, o->ipv4 ? AF_INET : o->ipv6 ?
	    AF_INET6 : AF_UNSPEC, o->udp ? SOCK_DGRAM : SOCK_STREAM,
	    &fc->dest, &fc->ndest, err) == -1)
		return (-1);
	if (srv->tls && (fc->tls_server = tlsopt_ctx(srv, TLSOPT_SERVER,
	    err)) == NULL)
		return (-1);
	if (cli->tls && (fc->tls_client = tlsopt_ctx(cli, TLSOPT_CLIENT,
	    err)) == NULL)
		return (-1);
	return (0);
}

static int
forward_check(const struct forward_opts *o, int argc, char **argv,
    struct addr_ep *lep, struct addr_ep *tep, struct sk_err *err)
{
	struct sk_err	 why;

	if (argc < 1) {
		err_set(err, "missing LISTEN and TARGET");
		return (-1);
	}
	if (argc < 2) {
		err_set(err, "missing TARGET");
		return (-1);
	}
	if (argc > 2) {
		err_set(err, "extra argument '%s'", argv[2]);
		return (-1);
	}
	if (addr_parse_ep(argv[0], ADDR_EP_LISTEN, lep, &why) == -1) {
		err_set(err, "invalid LISTEN '%s': %s", argv[0], why.msg);
		return (-1);
	}
	if (addr_parse_ep(argv[1], 0, tep, &why) == -1) {
		err_set(err, "invalid TARGET '%s': %s", argv[1], why.msg);
		return (-1);
	}
	if (o->udp && (lep->kind == ADDR_EP_UNIX ||
	    tep->kind == ADDR_EP_UNIX)) {
		err_set(err, "--udp forwards UDP ports, not unix: sockets");
		return (-1);
	}
	if (o->udp && o->proxy != NULL) {
		err_set(err, "--proxy-protocol and --udp cannot be used "
		    "together");
		return (-1);
	}
	if (o->port_file != NULL && lep->kind == ADDR_EP_UNIX) {
		err_set(err, "--port-file needs a port to listen on, not a "
		    "unix: socket");
		return (-1);
	}
	return (traceopt_check(&o->trace, err));
}

static int
forward_exec(void *p, int argc, char **argv)
{
	struct forward_opts *o = p;
	struct addr_ep	 lep, tep;
	struct fwd_conf	 fc;
	struct acl	 acl;
	struct sk_err	 err;
	struct tls_opts	 srv, cli;
	struct forward_target ft;
	sigset_t	 mask, hup;
	int		 created = 0, status = EXIT_RUNTIME;

	log_set_verbosity(o->verbose);
	if (forward_check(o, argc, argv, &lep, &tep, &err) == -1 ||
	    forward_check_tls(o, &tep, &srv, &cli, &err) == -1 ||
	    forward_check_px(o, &tep, &ft.pc, &err) == -1)
		return (log_usage("%s", err.msg));
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	memset(&fc, 0, sizeof(fc));
	fc.lfd = fc.sigfd = -1;
	fc.max_conns = o->max_conns;
	fc.connect_ms = o->timeout;
	fc.idle_ms = o->idle >= 0 ? o->idle : o->udp ? 60000 : -1;
	fc.proxy = o->proxy == NULL ? 0 : o->proxy[1] - '0';
	fc.acl = &acl;
	if (traceopt_open(&o->trace, &fc.tracer, &err) == -1) {
		log_err("%s", err.msg);
		acl_free(&acl);
		return (EXIT_RUNTIME);
	}
	if (forward_targets(o, &tep, &srv, &cli, &ft, &fc, &err) == -1) {
		log_err("%s", err.msg);
		tls_ctx_free(fc.tls_server);
		free(fc.dest);
		acl_free(&acl);
		trace_close(fc.tracer);
		return (EXIT_RUNTIME);
	}
	/*
	 * SIGINT and SIGTERM are taken through a signalfd from here on, so
	 * none can come between creating a socket file and removing it;
	 * SIGHUP removes it on its way out.
	 */
	stream_catch_signals(1, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		log_err("sigprocmask: %s", strerror(errno));
		goto out;
	}
	fc.lfd = forward_listen(o, &lep, &created, &err);
	if (fc.lfd != -1 && created)
		stream_unlink_at_exit(lep.path);
	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	(void)sigprocmask(SIG_UNBLOCK, &hup, NULL);
	sigdelset(&mask, SIGHUP);
	if (fc.lfd == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	if ((fc.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, fc.lfd, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	forward_report(fc.lfd, argv[1]);
	if ((o->udp ? forward_udp_run(&fc, &err) :
	    forward_run(&fc, &err)) == -1)
		log_err("%s", err.msg);
	else
		status = 0;
out:
	if (fc.sigfd != -1)
		close(fc.sigfd);
	if (fc.lfd != -1)
		close(fc.lfd);
	if (created)
		(void)unlink(lep.path);
	free(fc.dest);
	tls_ctx_free(fc.tls_server);
	tls_ctx_free(fc.tls_client);
	explicit_bzero(&ft.pc, sizeof(ft.pc));
	acl_free(&acl);
	trace_close(fc.tracer);
	return (status);
}

const struct cmd_entry cmd_forward_entry = {
	.name = "forward",
	.summary = "relay clients of LISTEN, each to its own connection to "
	    "TARGET",
	.usage = "[OPTIONS] LISTEN TARGET",
	.description = "Accept clients on LISTEN and relay each, both ways, to "
	    "its own new connection\nto TARGET. LISTEN is PORT, ADDRESS:PORT, "
	    "[IPv6]:PORT (default address\n127.0.0.1) or unix:PATH; TARGET is "
	    "HOST:PORT or unix:PATH (unix:@NAME:\nabstract).",
	.options = forward_options,
	.optsize = sizeof(struct forward_opts),
	.init = NULL,
	.exec = forward_exec
};
