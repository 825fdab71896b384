/*
 * sockctl proxy: a SOCKS5, SOCKS4/4a and HTTP proxy on one port.  This
 * file holds the options, their checks, --auth-file, the listening
 * socket and its warning; proxy.c and its siblings are the engine.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "acl-opt.h"
#include "acl.h"
#include "addr.h"
#include "cmd.h"
#include "log.h"
#include "proxy.h"
#include "sock.h"
#include "socks.h"
#include "stream.h"
#include "trace-opt.h"
#include "trace.h"

#define PROXY_PORT		1080
#define AUTH_FILE_MAX		(1024 * 1024)
#define HANDSHAKE_MS		30000	/* without -i */

struct proxy_opts {
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	long long	 max_conns;
	long long	 backlog;
	long long	 timeout;
	long long	 idle;
	const char	*port_file;
	const char	*auth_file;
	struct opt_list	 allow_to;
	struct opt_list	 deny_to;
	struct acl_opts	 acl;
	struct trace_opts trace;
};

static const struct opt proxy_options[] = {
	OPT__FAMILY(struct proxy_opts, ipv4, ipv6),
	OPT__ACL(struct proxy_opts, acl),
	OPT_LIST_(0, "allow-to", struct proxy_opts, allow_to, "SPEC",
	    OPTK_SPEC, "let clients reach only destinations in SPEC"),
	OPT_LIST_(0, "deny-to", struct proxy_opts, deny_to, "SPEC", OPTK_SPEC,
	    "refuse destinations in SPEC (wins over --allow-to)"),
	OPT_STR_(0, "auth-file", struct proxy_opts, auth_file, "FILE",
	    OPTK_FILE, NULL, "require a USER:PASSWORD of FILE"),
	OPT__MAX_CONNS(struct proxy_opts, max_conns, 1000000, "1024",
	    "at most N clients at once"),
	OPT__BACKLOG(struct proxy_opts, backlog,
	    "pending-client queue length"),
	OPT__TIMEOUT(struct proxy_opts, timeout, "10s",
	    "give up reaching a destination after DUR"),
	OPT__IDLE(struct proxy_opts, idle, NULL,
	    "close a connection idle for DUR (a handshake: 30s)"),
	OPT__PORT_FILE(struct proxy_opts, port_file,
	    "write the bound port to FILE"),
	OPT__VERBOSE(struct proxy_opts, verbose,
	    "say when ready, and one line per connection at its end"),
	OPT__TRACE(struct proxy_opts, trace),
	OPT_END_
};

/* The whole file, NUL-terminated; -1 with errno (EFBIG: too large). */
static int
read_small_file(const char *path, char **out, size_t *outlen)
{
	char	*p = NULL, *q;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	for (;;) {
		if (len + 4096 + 1 > cap) {
			if (cap >= AUTH_FILE_MAX) {
				free(p);
				close(fd);
				errno = EFBIG;
				return (-1);
			}
			cap = cap == 0 ? 8192 : cap * 2;
			if ((q = realloc(p, cap)) == NULL) {
				free(p);
				close(fd);
				return (-1);
			}
			p = q;
		}
		n = read(fd, p + len, cap - len - 1);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (n == -1) {
		free(p);
		close(fd);
		return (-1);
	}
	close(fd);
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return (0);
}

/*
 * --auth-file: "USER:PASSWORD" lines (the password may hold colons),
 * blank lines and "#" comments.  Usage errors name the file and line.
 */
static int
load_auth(const char *path, char **textp, size_t *textlen,
    struct proxy_user **users, size_t *n, struct sk_err *err)
{
	struct proxy_user *u = NULL, *nu;
	char		*text, *line, *next, *colon, *e;
	size_t		 len, cnt = 0;
	int		 lineno = 0;

	if (read_small_file(path, &text, &len) == -1) {
		if (errno == EFBIG)
			err_set(err, "--auth-file %s: larger than 1 MiB", path);
		else
			err_set(err, "--auth-file %s: %s", path,
			    strerror(errno));
		return (-1);
	}
	if (memchr(text, '\0', len) != NULL) {
		err_set(err, "--auth-file %s: a NUL byte", path);
		goto fail;
	}
	for (line = text; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		e = line + strlen(line);
		if (e > line && e[-1] == '\r')
			*--e = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if ((colon = strchr(line, ':')) == NULL || colon == line ||
		    colon - line > SOCKS_NAME_MAX ||
		    strlen(colon + 1) > SOCKS_NAME_MAX) {
			err_set(err, "--auth-file %s line %d: not "
			    "USER:PASSWORD (each 1-255 bytes, USER not empty)",
			    path, lineno);
			goto fail;
		}
		*colon = '\0';
		if ((nu = reallocarray(u, cnt + 1, sizeof(*u))) == NULL) {
			err_set(err, "out of memory");
			goto fail;
		}
		u = nu;
		u[cnt].user = line;
		u[cnt].ulen = strlen(line);
		u[cnt].pass = colon + 1;
		u[cnt].plen = strlen(colon + 1);
		cnt++;
	}
	if (cnt == 0) {
		err_set(err, "--auth-file %s: no USER:PASSWORD line", path);
		goto fail;
	}
	*textp = text;
	*textlen = len;
	*users = u;
	*n = cnt;
	return (0);
fail:
	explicit_bzero(text, len);
	free(text);
	free(u);
	return (-1);
}

/* --allow-to and --deny-to: the same SPECs as --allow and --deny. */
static int
load_dest_acl(const struct proxy_opts *o, struct acl *a, struct sk_err *err)
{
	struct sk_err	 why;
	size_t		 i;

	memset(a, 0, sizeof(*a));
	for (i = 0; i < o->allow_to.n; i++)
		if (acl_add_spec(a, ACL_ALLOW, o->allow_to.v[i], &why) == -1) {
			err_set(err, "--allow-to: %s", why.msg);
			goto fail;
		}
	for (i = 0; i < o->deny_to.n; i++)
		if (acl_add_spec(a, ACL_DENY, o->deny_to.v[i], &why) == -1) {
			err_set(err, "--deny-to: %s", why.msg);
			goto fail;
		}
	return (0);
fail:
	acl_free(a);
	return (-1);
}

static int
is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in	*sin = (const void *)ss;
	const struct sockaddr_in6	*s6 = (const void *)ss;
	const unsigned char		*b = s6->sin6_addr.s6_addr;

	if (ss->ss_family == AF_INET)
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	if (ss->ss_family != AF_INET6)
		return (0);
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return (1);
	return (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127);
}

/* The -v line when ready, and the warning for an open proxy. */
static void
proxy_report(int lfd, int auth)
{
	struct sockaddr_storage	 ss;
	struct sock_name	 n;
	socklen_t		 len = sizeof(ss);

	if (getsockname(lfd, (struct sockaddr *)&ss, &len) == -1)
		return;
	sock_name_of((struct sockaddr *)&ss, len, &n);
	if (!auth && !is_loopback(&ss))
		log_err("warning: %s port %d is not a loopback address and "
		    "there is no --auth-file: anyone who can reach it can use "
		    "the proxy", n.host, n.port);
	log_verbose(1, "proxying on %s port %d", n.host, n.port);
}

static int
proxy_check(const struct proxy_opts *o, int argc, char **argv, char *host,
    size_t hostlen, struct sock_listen_args *la, struct sk_err *err)
{
	const char	*h;

	memset(la, 0, sizeof(*la));
	la->port = PROXY_PORT;
	la->host = o->ipv6 ? "::1" : "127.0.0.1";
	if (argc > 0) {
		if (cmd_parse_bind(argc, argv, host, hostlen, &h, &la->port,
		    err) == -1)
			return (-1);
		if (h != NULL)
			la->host = h;
	}
	la->family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	la->socktype = SOCK_STREAM;
	la->backlog = (int)o->backlog;
	return (traceopt_check(&o->trace, err));
}

static int
proxy_exec(void *p, int argc, char **argv)
{
	struct proxy_opts *o = p;
	struct proxy_server_conf pc;
	struct sock_listen_args la;
	struct proxy_user *users = NULL;
	struct acl	 acl, acl_to;
	struct sk_err	 err;
	sigset_t	 mask;
	char		 host[NI_MAXHOST], *authtext = NULL;
	size_t		 nusers = 0, authlen = 0;
	int		 status = EXIT_RUNTIME;

	log_set_verbosity(o->verbose);
	if (proxy_check(o, argc, argv, host, sizeof(host), &la, &err) == -1)
		return (log_usage("%s", err.msg));
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	if (load_dest_acl(o, &acl_to, &err) == -1) {
		acl_free(&acl);
		return (log_usage("%s", err.msg));
	}
	if (o->auth_file != NULL && load_auth(o->auth_file, &authtext,
	    &authlen, &users, &nusers, &err) == -1) {
		acl_free(&acl);
		acl_free(&acl_to);
		return (log_usage("%s", err.msg));
	}
	memset(&pc, 0, sizeof(pc));
	pc.fc.lfd = pc.fc.sigfd = -1;
	pc.fc.max_conns = o->max_conns;
	pc.fc.connect_ms = o->timeout;
	pc.fc.idle_ms = o->idle;
	pc.fc.acl = &acl;
	pc.handshake_ms = o->idle >= 0 ? o->idle : HANDSHAKE_MS;
	pc.family = la.family;
	pc.acl_to = o->allow_to.n + o->deny_to.n > 0 ? &acl_to : NULL;
	pc.users = users;
	pc.nusers = nusers;
	if (traceopt_open(&o->trace, &pc.fc.tracer, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	/* Blocked before any thread exists, so that all inherit it. */
	stream_catch_signals(1, NULL);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1) {
		log_err("sigprocmask: %s", strerror(errno));
		goto out;
	}
	if ((pc.fc.lfd = sock_listen(&la, &err)) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	if ((pc.fc.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) ==
	    -1) {
		log_err("signalfd: %s", strerror(errno));
		goto out;
	}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, pc.fc.lfd, &err) == -1) {
		log_err("%s", err.msg);
		goto out;
	}
	proxy_report(pc.fc.lfd, users != NULL);
	if (proxy_run(&pc, &err) == -1)
		log_err("%s", err.msg);
	else
		status = 0;
out:
	if (pc.fc.sigfd != -1)
		close(pc.fc.sigfd);
	if (pc.fc.lfd != -1)
		close(pc.fc.lfd);
	if (authtext != NULL) {
		explicit_bzero(authtext, authlen);
		free(authtext);
	}
	free(users);
	acl_free(&acl);
	acl_free(&acl_to);
	trace_close(pc.fc.tracer);
	return (status);
}

const struct cmd_entry cmd_proxy_entry = {
	.name = "proxy",
	.summary = "serve SOCKS5, SOCKS4/4a and HTTP proxy clients on one port",
	.usage = "[OPTIONS] [[ADDRESS] PORT]",
	.description = "Serve SOCKS5 (CONNECT, UDP ASSOCIATE), SOCKS4/4a "
	    "CONNECT, HTTP CONNECT and\nabsolute-form HTTP requests on one "
	    "port, told apart by the first byte.\nDefault ADDRESS 127.0.0.1, "
	    "default PORT 1080.",
	.options = proxy_options,
	.optsize = sizeof(struct proxy_opts),
	.init = NULL,
	.exec = proxy_exec
};
