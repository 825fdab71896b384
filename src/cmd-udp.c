/*
 * sockctl udp-send and udp-recv: their options, the checks between them,
 * and one call each into the datagram engines (udp-send.c, udp-recv.c),
 * whose result picks the exit status.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "acl-opt.h"
#include "cmd.h"
#include "fmt.h"
#include "log.h"
#include "opt.h"
#include "sock.h"
#include "trace-opt.h"
#include "trace.h"
#include "udp.h"

/* ---- udp-send ---- */

struct udp_send_opts {
	int		 unix_path;
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	int		 lines;
	int		 whole;
	long long	 chunk;
	long long	 count;
	long long	 interval;
	int		 broadcast;
	long long	 ttl;
	int		 wait_reply;
	long long	 timeout;
	const char	*source;
	int		 source_port;
	struct trace_opts trace;
};

static const struct opt udp_send_options[] = {
	OPT__FAMILY(struct udp_send_opts, ipv4, ipv6),
	OPT__UNIX(struct udp_send_opts, unix_path),
	OPT_FLAG_(0, "lines", struct udp_send_opts, lines,
	    "each stdin line is a datagram (default)"),
	OPT_FLAG_(0, "whole", struct udp_send_opts, whole,
	    "all of stdin is one datagram"),
	OPT_INT_(0, "chunk", struct udp_send_opts, chunk, "N", 1, UDP_MAX6,
	    NULL, "split stdin into datagrams of N bytes"),
	OPT_INT_('c', "count", struct udp_send_opts, count, "N", 1,
	    1000000000, "1", "send the message N times"),
	OPT_DUR_(0, "interval", struct udp_send_opts, interval, NULL,
	    "wait DUR between datagrams"),
	OPT_FLAG_(0, "broadcast", struct udp_send_opts, broadcast,
	    "allow sending to a broadcast address"),
	OPT_INT_(0, "ttl", struct udp_send_opts, ttl, "N", 0, 255, NULL,
	    "unicast TTL and multicast hop limit"),
	OPT_FLAG_('r', "wait-reply", struct udp_send_opts, wait_reply,
	    "print replies until -w passes with none"),
	OPT__TIMEOUT(struct udp_send_opts, timeout, "2s",
	    "with -r, wait DUR for each reply"),
	OPT__SOURCE(struct udp_send_opts, source,
	    "send from local address ADDR"),
	OPT__SOURCE_PORT(struct udp_send_opts, source_port,
	    "send from local port PORT"),
	OPT__VERBOSE(struct udp_send_opts, verbose,
	    "report progress on stderr (repeatable)"),
	OPT__TRACE(struct udp_send_opts, trace),
	OPT_END_
};

/*
 * Opens the trace files, after every usage check and before the socket:
 * 0, or the exit status of a file that cannot be opened.
 */
static int
udp_traced(const struct trace_opts *t, struct tracer **tr,
    struct sk_err *err)
{
	if (traceopt_open(t, tr, err) == -1) {
		log_err("%s", err->msg);
		return (EXIT_RUNTIME);
	}
	return (0);
}

/* A run's result as an exit status; an error's line is said here. */
static int
udp_exit_status(enum udp_result res, const struct sk_err *err)
{
	switch (res) {
	case UDP_OK:
		return (0);
	case UDP_REFUSED:
		return (EXIT_RUNTIME);
	case UDP_ERROR:
	default:
		log_err("%s", err->msg);
		return (EXIT_RUNTIME);
	}
}

/*
 * -U PATH [MESSAGE...]: the PATH must fit a socket address, and options
 * that only mean something for IP are usage errors.  -1 once said.
 */
static int
udp_send_check_unix(const struct udp_send_opts *o, int argc, char **argv)
{
	struct sk_err	 err;

	if (o->ipv4 || o->ipv6)
		return (log_usage("-%c cannot be used with -U",
		    o->ipv4 ? '4' : '6'), -1);
	if (o->source != NULL || o->source_port >= 0)
		return (log_usage("-s and -p cannot be used with -U"), -1);
	if (o->broadcast)
		return (log_usage("--broadcast cannot be used with -U"), -1);
	if (o->ttl >= 0)
		return (log_usage("--ttl cannot be used with -U"), -1);
	if (cmd_parse_unix(argc > 1 ? 1 : argc, argv, &err) == -1)
		return (log_usage("%s", err.msg), -1);
	return (0);
}

static int
udp_send_exec(void *p, int argc, char **argv)
{
	struct udp_send_opts *o = p;
	struct udp_send_conf c;
	struct sk_err	 err;
	char		 host[NI_MAXHOST];
	int		 modes, nargs = 2, rv;

	log_set_verbosity(o->verbose);
	if (traceopt_check(&o->trace, &err) == -1)
		return (log_usage("%s", err.msg));
	modes = o->lines + o->whole + (o->chunk > 0);
	if (modes > 1)
		return (log_usage("--lines, --whole and --chunk cannot be "
		    "used together"));
	memset(&c, 0, sizeof(c));
	if (o->unix_path) {
		if (udp_send_check_unix(o, argc, argv) == -1)
			return (EXIT_USAGE);
		c.unix_path = argv[0];
		nargs = 1;
	} else if (cmd_parse_target(argc, argv, 1, host, sizeof(host),
	    &c.port, &err) == -1)
		return (log_usage("%s", err.msg));
	if (argc > nargs && modes > 0)
		return (log_usage("--lines, --whole and --chunk read stdin; "
		    "they cannot be used with MESSAGE arguments"));
	c.host = host;
	c.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	c.source = o->source;
	c.source_port = o->source_port;
	c.broadcast = o->broadcast;
	c.ttl = (int)o->ttl;
	if (o->whole)
		c.split.mode = FMT_SPLIT_WHOLE;
	else if (o->chunk > 0) {
		c.split.mode = FMT_SPLIT_CHUNK;
		c.split.chunk = (size_t)o->chunk;
	} else
		c.split.mode = FMT_SPLIT_LINES;
	c.count = o->count;
	c.interval = o->interval;
	c.wait_reply = o->wait_reply;
	c.timeout = o->timeout;
	c.msgv = argv + nargs;
	c.msgc = argc > nargs ? argc - nargs : 0;
	if ((rv = udp_traced(&o->trace, &c.tracer, &err)) != 0)
		return (rv);
	rv = udp_exit_status(udp_send_run(&c, &err), &err);
	trace_close(c.tracer);
	return (rv);
}

/* ---- udp-recv ---- */

static const char *const udp_formats[] = { "line", "raw", "hex", "json", NULL };

struct udp_recv_opts {
	int		 unix_path;
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	const char	*format;
	long long	 count;
	long long	 timeout;
	int		 echo;
	int		 reply;
	struct opt_list	 join;
	struct acl_opts	 acl;
	const char	*port_file;
	struct trace_opts trace;
};

static const struct opt udp_recv_options[] = {
	OPT__FAMILY(struct udp_recv_opts, ipv4, ipv6),
	OPT__UNIX(struct udp_recv_opts, unix_path),
	OPT_CHOICE_('f', "format", struct udp_recv_opts, format,
	    "line|raw|hex|json", udp_formats, "line",
	    "how to print each datagram"),
	OPT_INT_('c', "count", struct udp_recv_opts, count, "N", 1,
	    LLONG_MAX, NULL, "exit 0 after N datagrams"),
	OPT__TIMEOUT(struct udp_recv_opts, timeout, NULL,
	    "exit 1 if DUR passes with no datagram"),
	OPT_FLAG_(0, "echo", struct udp_recv_opts, echo,
	    "send every datagram back to its sender"),
	OPT_FLAG_(0, "reply", struct udp_recv_opts, reply,
	    "send stdin lines to the most recent sender"),
	OPT_LIST_('j', "join", struct udp_recv_opts, join, "GROUP",
	    OPTK_SPEC, "join multicast GROUP (GROUP%IFNAME: on IFNAME)"),
	OPT__ACL(struct udp_recv_opts, acl),
	OPT__PORT_FILE(struct udp_recv_opts, port_file,
	    "write the bound port to FILE once bound"),
	OPT__VERBOSE(struct udp_recv_opts, verbose,
	    "report each datagram on stderr (repeatable)"),
	OPT__TRACE(struct udp_recv_opts, trace),
	OPT_END_
};

static enum fmt_dgram_format
udp_format_of(const char *name)
{
	if (strcmp(name, "raw") == 0)
		return (FMT_DGRAM_RAW);
	if (strcmp(name, "hex") == 0)
		return (FMT_DGRAM_HEX);
	if (strcmp(name, "json") == 0)
		return (FMT_DGRAM_JSON);
	return (FMT_DGRAM_LINE);
}

/*
 * Parses the -j groups into *groupsp.  A group's family must agree with
 * -4 or -6; with IPv4 groups only, the socket is IPv4, where they are
 * joined.  Returns 0 and sets *family, or an exit status.
 */
static int
udp_parse_groups(const struct udp_recv_opts *o, struct sock_group **groupsp,
    int *family)
{
	struct sock_group *g;
	struct sk_err	 err;
	size_t		 i;
	int		 fam4 = 0, fam6 = 0;

	*groupsp = NULL;
	*family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	if (o->join.n == 0)
		return (0);
	if ((g = calloc(o->join.n, sizeof(*g))) == NULL) {
		log_err("out of memory");
		return (EXIT_RUNTIME);
	}
	for (i = 0; i < o->join.n; i++) {
		if (sock_group_parse(o->join.v[i], &g[i], &err) == -1) {
			free(g);
			return (log_usage("invalid group '%s': %s",
			    o->join.v[i], err.msg));
		}
		fam4 |= g[i].addr.ss_family == AF_INET;
		fam6 |= g[i].addr.ss_family == AF_INET6;
	}
	if ((fam4 && o->ipv6) || (fam6 && o->ipv4)) {
		free(g);
		return (log_usage("-j group family conflicts with -%c",
		    o->ipv4 ? '4' : '6'));
	}
	if (*family == AF_UNSPEC && fam4 && !fam6)
		*family = AF_INET;
	*groupsp = g;
	return (0);
}

static int
udp_recv_exec(void *p, int argc, char **argv)
{
	struct udp_recv_opts *o = p;
	struct udp_recv_conf c;
	struct sock_group *groups;
	struct acl	 acl;
	struct sk_err	 err;
	enum udp_result	 res;
	char		 host[NI_MAXHOST];
	int		 rv;

	log_set_verbosity(o->verbose);
	if (traceopt_check(&o->trace, &err) == -1)
		return (log_usage("%s", err.msg));
	if (o->echo && o->reply)
		return (log_usage("--echo and --reply cannot be used "
		    "together"));
	memset(&c, 0, sizeof(c));
	if (o->unix_path) {
		if (o->ipv4 || o->ipv6)
			return (log_usage("-%c cannot be used with -U",
			    o->ipv4 ? '4' : '6'));
		if (o->join.n > 0)
			return (log_usage("-j cannot be used with -U"));
		if (o->port_file != NULL)
			return (log_usage("--port-file cannot be used with -U "
			    "(the socket's path is known)"));
		if (cmd_parse_unix(argc, argv, &err) == -1)
			return (log_usage("%s", err.msg));
		c.unix_path = argv[0];
	} else if (cmd_parse_bind(argc, argv, host, sizeof(host), &c.host,
	    &c.port, &err) == -1)
		return (log_usage("%s", err.msg));
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	if ((rv = udp_parse_groups(o, &groups, &c.family)) != 0) {
		acl_free(&acl);
		return (rv);
	}
	c.format = udp_format_of(o->format);
	c.count = o->count;
	c.timeout = o->timeout;
	c.echo = o->echo;
	c.reply = o->reply;
	c.groups = groups;
	c.ngroups = o->join.n;
	c.port_file = o->port_file;
	c.acl = &acl;
	if ((rv = udp_traced(&o->trace, &c.tracer, &err)) != 0) {
		free(groups);
		acl_free(&acl);
		return (rv);
	}
	res = udp_recv_run(&c, &err);
	free(groups);
	acl_free(&acl);
	rv = udp_exit_status(res, &err);
	trace_close(c.tracer);
	return (rv);
}


const struct cmd_entry cmd_udp_send_entry = {
	.name = "udp-send",
	.summary = "send UDP datagrams",
	.usage = "[OPTIONS] HOST PORT [MESSAGE...]\n"
	    "[OPTIONS] -U PATH [MESSAGE...]",
	.description = "Send one datagram made of the MESSAGE arguments, or "
	    "send stdin: one datagram\nper line (--lines), all of it "
	    "(--whole), or N-byte pieces (--chunk N).",
	.options = udp_send_options,
	.optsize = sizeof(struct udp_send_opts),
	.init = NULL,
	.exec = udp_send_exec
};

const struct cmd_entry cmd_udp_recv_entry = {
	.name = "udp-recv",
	.summary = "receive and print UDP datagrams",
	.usage = "[OPTIONS] [ADDRESS] PORT\n[OPTIONS] -U PATH",
	.description = "Bind a UDP port (default: every interface) and print "
	    "each datagram it\nreceives, from every sender, whole.",
	.options = udp_recv_options,
	.optsize = sizeof(struct udp_recv_opts),
	.init = NULL,
	.exec = udp_recv_exec
};