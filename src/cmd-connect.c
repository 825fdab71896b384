/*
 * sockctl connect: connect to a TCP or Unix stream server and relay stdio
 * with it, hand the connection to an --exec command, or scan ports (-z).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "child.h"
#include "clock.h"
#include "cmd.h"
#include "log.h"
#include "proxy-dial.h"
#include "proxy-opt.h"
#include "relay.h"
#include "sock.h"
#include "starttls.h"
#include "stream-tls.h"
#include "stream.h"
#include "tls-opt.h"
#include "tls.h"
#include "trace-opt.h"
#include "trace.h"

struct connect_opts {
	struct stream_opts s;
	int		 scan;
	long long	 retry;
	long long	 retry_delay;
	const char	*source;
	int		 source_port;
	const char	*starttls;
	struct proxy_opts proxy;
	/* Not options: what -x and -X say, once checked. */
	int		 proxied;
	struct proxy_conf pxconf;
};

static const struct opt connect_options[] = {
	OPT__FAMILY(struct connect_opts, s.ipv4, s.ipv6),
	OPT_FLAG_('z', "scan", struct connect_opts, scan,
	    "report which of PORTS are open; send nothing"),
	OPT_INT_(0, "retry", struct connect_opts, retry, "N", 0, 1000000,
	    "0", "try N more times if the connect fails"),
	OPT_DUR_(0, "retry-delay", struct connect_opts, retry_delay, "1s",
	    "wait DUR between attempts"),
	OPT_STR_('e', "exec", struct connect_opts, s.exec, "CMD", OPTK_COMMAND,
	    NULL, "run sh -c CMD with the socket as stdin/stdout"),
	OPT__STREAM_IO(struct connect_opts, s, "server"),
	OPT__UNIX(struct connect_opts, s.unix_path),
	OPT__SOURCE(struct connect_opts, source,
	    "connect from local address ADDR"),
	OPT__SOURCE_PORT(struct connect_opts, source_port,
	    "connect from local port PORT"),
	OPT__PROXY(struct connect_opts, proxy,
	    "connect through proxy [SCHEME://][USER@]HOST[:PORT]"),
	OPT__TIMEOUT(struct connect_opts, s.timeout, NULL,
	    "give up on each address after DUR"),
	OPT__IDLE(struct connect_opts, s.idle, NULL,
	    "close after DUR with no data either way"),
	OPT__QUIT(struct connect_opts, s.quit),
	OPT__VERBOSE(struct connect_opts, s.verbose,
	    "report progress on stderr (repeatable)"),
	OPT__TRACE(struct connect_opts, s.trace),
	OPT__TLS(struct connect_opts, s.tls, "speak TLS to the server"),
	OPT__TLS_CLIENT(struct connect_opts, s.tls),
	OPT__TLS_CERT(struct connect_opts, s.tls),
	OPT__TLS_COMMON(struct connect_opts, s.tls),
	OPT_CHOICE_(0, "starttls", struct connect_opts, starttls, "PROTO",
	    starttls_protos, NULL,
	    "upgrade PROTO (smtp, imap, pop3, ftp) to TLS"),
	OPT_END_
};

/* What -4/-6, -s, -p and -w say about connecting to host. */
static void
connect_args(const struct connect_opts *o, const char *host,
    struct sock_connect_args *ca)
{
	memset(ca, 0, sizeof(*ca));
	ca->host = host;
	ca->family = stream_family(&o->s);
	ca->socktype = SOCK_STREAM;
	ca->src = o->source;
	ca->srcport = o->source_port;
	ca->timeout_ms = o->s.timeout;
}

/* What one pass of -z over the port list found. */
enum scan_result {
	SCAN_NONE_OPEN,
	SCAN_OPEN,		/* at least one port answered */
	SCAN_STDOUT_FAILED,	/* writing the report failed; see errno */
	SCAN_PROXY_FAILED	/* the proxy failed, not a port; reported */
};

static enum scan_result
connect_scan_once(struct sock_connect_args *ca, const struct port_list *pl,
    const char *hostarg, const struct proxy_conf *px)
{
	struct proxy_hop hop;
	struct sk_err	 err;
	enum scan_result res = SCAN_NONE_OPEN;
	size_t		 i;
	int		 port, fd;

	for (i = 0; i < pl->nranges; i++) {
		for (port = pl->ranges[i].lo; port <= pl->ranges[i].hi;
		    port++) {
			ca->port = port;
			fd = px != NULL ? proxy_dial(px, ca, NULL, &hop, &err) :
			    sock_connect(ca, NULL, &err);
			/* Through a proxy, only its refusal says "closed". */
			if (fd == -1 && px != NULL && !hop.refused) {
				log_err("%s", err.msg);
				return (SCAN_PROXY_FAILED);
			}
			if (fd == -1) {
				log_verbose(1, "%s", err.msg);
				continue;
			}
			close(fd);
			res = SCAN_OPEN;
			printf("%s %d open\n", hostarg, port);
			if (fflush(stdout) == EOF)
				return (SCAN_STDOUT_FAILED);
		}
	}
	return (res);
}

static int
connect_scan(struct connect_opts *o, const char *hostarg, const char *ports)
{
	struct sock_connect_args ca;
	struct port_list pl;
	struct sk_err	 why;
	enum scan_result res;
	char		 host[NI_MAXHOST], dur[STREAM_MS_LEN];
	long long	 attempt;

	if (addr_parse_host(hostarg, host, sizeof(host), &why) == -1)
		return (log_usage("invalid host '%s': %s", hostarg, why.msg));
	if (addr_parse_port_list(ports, &pl, &why) == -1)
		return (log_usage("invalid port list '%s': %s", ports,
		    why.msg));
	connect_args(o, host, &ca);
	ca.quiet = 1;
	/* With --retry, scan again until a port answers: wait-for-port. */
	for (attempt = 0; ; attempt++) {
		if ((res = connect_scan_once(&ca, &pl, hostarg,
		    o->proxied ? &o->pxconf : NULL)) !=
		    SCAN_NONE_OPEN || attempt >= o->retry)
			break;
		log_verbose(1, "no port open; retrying in %s",
		    stream_format_ms(o->retry_delay, dur, sizeof(dur)));
		clock_sleep_ms(o->retry_delay);
	}
	addr_free_port_list(&pl);
	/* A reader that has gone (head -1) has what it wanted. */
	if (res == SCAN_STDOUT_FAILED)
		return (errno == EPIPE ? 0 : EXIT_RUNTIME);
	return (res == SCAN_OPEN ? 0 : EXIT_RUNTIME);
}

/*
 * Connects to host and port (parsed by the caller), or to the Unix socket
 * path, with --retry; returns the socket, or -1 with the message set.
 * Traced, *tc is the socket's trace handle, a proxy's handshake in it.
 */
static int
connect_open(const struct connect_opts *o, const char *host, int port,
    const char *path, struct trace_conn **tc, struct sk_err *err)
{
	struct sock_connect_args ca;
	struct sock_name n;
	struct proxy_hop hop;
	char		 dur[STREAM_MS_LEN];
	long long	 attempt;
	int		 fd;

	connect_args(o, host, &ca);
	ca.port = port;
	for (attempt = 0; ; attempt++) {
		if (path != NULL)
			fd = sock_connect_unix(path, SOCK_STREAM, err);
		else if (o->proxied)
			fd = proxy_dial(&o->pxconf, &ca, o->s.tracer, &hop,
			    err);
		else
			fd = sock_connect(&ca, &n, err);
		if (fd != -1)
			break;
		if (attempt >= o->retry)
			return (-1);
		log_verbose(1, "%s; retrying in %s", err->msg,
		    stream_format_ms(o->retry_delay, dur, sizeof(dur)));
		clock_sleep_ms(o->retry_delay);
	}
	if (path != NULL)
		log_verbose(1, "connected to %s", path);
	else if (!o->proxied)	/* proxy_dial says it with the proxy */
		log_verbose(1, "connected to %s port %d", n.host, n.port);
	*tc = o->proxied ? hop.tc : traceopt_tcp(o->s.tracer, TRACE_NOID,
	    TRACE_OUT, fd);
	return (fd);
}

/*
 * The TLS layer on the connected FD: the STARTTLS preamble if asked, then
 * the handshake, both within the -w deadline.  NULL with the message.
 */
static struct tls *
connect_tls(const struct connect_opts *o, struct tls_ctx *ctx, int fd,
    struct trace_conn *tc, char **argv, long long deadline,
    struct sk_err *err)
{
	char	peer[NI_MAXHOST + 16];

	if (o->starttls != NULL &&
	    starttls_run(o->starttls, fd, deadline, tc, err) == -1)
		return (NULL);
	if (o->s.unix_path)
		strlcpy(peer, argv[0], sizeof(peer));
	else
		snprintf(peer, sizeof(peer), "%s port %s", argv[0], argv[1]);
	return (stream_tls_start(ctx, fd, o->s.unix_path ? NULL : argv[0],
	    peer, deadline, err));
}

/* Blocks what child_wait takes; the child gets an empty mask. */
static int
connect_block_signals(struct sk_err *err)
{
	sigset_t	mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		err_set(err, "sigprocmask: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

/* A usage error in the TLS options, or 0. */
static int
connect_check_tls(struct connect_opts *o)
{
	struct sk_err	err;

#ifndef HAVE_TLS
	if (o->starttls != NULL)
		return (log_usage("option '--starttls' needs TLS, which this "
		    "sockctl was built without"));
#endif
	if (o->starttls != NULL)
		o->s.tls.tls = 1;
	if (tlsopt_check(&o->s.tls, TLSOPT_CLIENT, &err) == -1)
		return (log_usage("%s", err.msg));
	if (o->scan && o->s.tls.tls)
		return (log_usage("-z cannot be used with --tls"));
	return (0);
}

static int
connect_exec(void *p, int argc, char **argv)
{
	struct connect_opts *o = p;
	struct relay_conf rc;
	struct relay_stats st;
	struct sk_err	 err;
	struct tls_ctx	*ctx = NULL;
	struct trace_conn *tc = NULL;
	struct tls	*t = NULL;
	char		 host[NI_MAXHOST];
	int		 fd, port = -1, status, sig, need;
	long long	 deadline;
	pid_t		 pid;

	log_set_verbosity(o->s.verbose);
	if (stream_check_opts(&o->s, &err) == -1)
		return (log_usage("%s", err.msg));
	need = o->s.unix_path ? 1 : 2;
	if (o->scan && (o->s.unix_path || o->s.exec != NULL))
		return (log_usage("-z cannot be used with %s",
		    o->s.unix_path ? "-U" : "--exec"));
	if (o->s.unix_path && (o->source != NULL || o->source_port >= 0))
		return (log_usage("-s and -p cannot be used with -U"));
	if (argc < need)
		return (cmd_missing(argc == 0 ?
		    (o->s.unix_path ? "PATH" : "HOST") :
		    (o->scan ? "PORTS" : "PORT"), argc, argv));
	if (argc > need)
		return (log_usage("extra argument '%s'", argv[need]));
	if (o->s.unix_path && cmd_parse_unix(argc, argv, &err) == -1)
		return (log_usage("%s", err.msg));
	if ((status = connect_check_tls(o)) != 0)
		return (status);
	if (o->scan && traceopt_any(&o->s.trace))
		return (log_usage("-z cannot be used with %s",
		    traceopt_first(&o->s.trace)));
	if ((o->proxied = proxyopt_load(&o->proxy, &o->pxconf, &err)) == -1)
		return (log_usage("%s", err.msg));
	if (o->proxied && o->s.unix_path)
		return (log_usage("-x cannot be used with -U"));
	if (o->scan)
		return (connect_scan(o, argv[0], argv[1]));

	if (!o->s.unix_path && cmd_parse_target(argc, argv, 0, host,
	    sizeof(host), &port, &err) == -1)
		return (log_usage("%s", err.msg));
	if ((o->s.tls.tls &&
	    (ctx = tlsopt_ctx(&o->s.tls, TLSOPT_CLIENT, &err)) == NULL) ||
	    traceopt_open(&o->s.trace, &o->s.tracer, &err) == -1) {
		log_err("%s", err.msg);
		tls_ctx_free(ctx);
		return (EXIT_RUNTIME);
	}
	/* -w bounds the connect and the TLS handshake together. */
	deadline = o->s.timeout >= 0 ? clock_ms() + o->s.timeout : -1;
	if ((fd = connect_open(o, host, port, o->s.unix_path ? argv[0] :
	    NULL, &tc, &err)) == -1 || (ctx != NULL &&
	    (t = connect_tls(o, ctx, fd, tc, argv, deadline, &err)) == NULL)) {
		log_err("%s", err.msg);
		if (fd != -1)
			close(fd);
		tls_ctx_free(ctx);
		trace_close(o->s.tracer);
		return (EXIT_RUNTIME);
	}
	/* Traced, the command's bytes pass through us, as over TLS. */
	if (o->s.exec != NULL && t == NULL && o->s.tracer == NULL) {
		if (connect_block_signals(&err) == -1) {
			log_err("%s", err.msg);
			close(fd);
			return (EXIT_RUNTIME);
		}
		pid = child_spawn(o->s.exec, fd, &err);
		close(fd);
		if (pid == -1) {
			log_err("%s", err.msg);
			return (EXIT_RUNTIME);
		}
		status = child_wait(pid, &sig);
		log_verbose(2, "command exited %d", status);
		/* Interrupted: the command is gone, now we go the same way. */
		if (sig != 0)
			stream_die_by(sig);
		return (0);
	}
	stream_relay_conf(&o->s, &rc);
	rc.close_out = 1;
	rc.tls = t;
	rc.trace_conn = tc;
	/* --exec over TLS or traced: the command's pipes in stdio's place. */
	if (o->s.exec != NULL)
		status = connect_block_signals(&err) == -1 ? -1 :
		    stream_tls_exec(o->s.exec, fd, t, &rc, &err);
	else
		status = stream_relay(&rc, fd, &st, &err);
	if (status == -1)
		log_err("%s", err.msg);
	status = status == -1 ? EXIT_RUNTIME : 0;
	tls_free(t);
	tls_ctx_free(ctx);
	close(fd);
	trace_close(o->s.tracer);
	return (status);
}

const struct cmd_entry cmd_connect_entry = {
	.name = "connect",
	.summary = "connect to a TCP or Unix stream server and relay stdio",
	.usage = "[OPTIONS] HOST PORT\n[OPTIONS] -U PATH\n-z [OPTIONS] HOST "
	    "PORTS",
	.description = "Connect to a TCP (or Unix stream) server and relay "
	    "stdin to it and what it\nsends to stdout, byte for byte. With -z, "
	    "report which ports are open.",
	.options = connect_options,
	.optsize = sizeof(struct connect_opts),
	.init = NULL,
	.exec = connect_exec
};
