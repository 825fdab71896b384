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
#include "stream.h"
#include "trace-opt.h"
#include "trace.h"

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
	sigset_t	 mask, hup;
	int		 created = 0, status = EXIT_RUNTIME;

	log_set_verbosity(o->verbose);
	if (forward_check(o, argc, argv, &lep, &tep, &err) == -1 ||
	    aclopt_load(&o->acl, &acl, &err) == -1)
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
	if (forward_resolve(&tep, o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 :
	    AF_UNSPEC, o->udp ? SOCK_DGRAM : SOCK_STREAM, &fc.dest,
	    &fc.ndest, &err) == -1) {
		log_err("%s", err.msg);
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
