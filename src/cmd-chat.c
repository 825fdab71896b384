/*
 * sockctl chat: `chat -l` runs a room, `chat HOST PORT` joins one.  The
 * room speaks plain lines, so nc or `sockctl connect` can join as well.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>

#include "acl-opt.h"
#include "chat.h"
#include "clock.h"
#include "cmd.h"
#include "log.h"
#include "proxy-dial.h"
#include "proxy-opt.h"
#include "sock.h"
#include "text.h"
#include "tls-opt.h"
#include "tls.h"

struct chat_opts {
	int		 ipv4;
	int		 ipv6;
	int		 verbose;
	int		 listen;
	const char	*nick;
	long long	 max_conns;
	struct acl_opts	 acl;
	long long	 backlog;
	long long	 timeout;
	const char	*port_file;
	struct tls_opts	 tls;
	struct proxy_opts proxy;
};

static const struct opt chat_options[] = {
	OPT__FAMILY(struct chat_opts, ipv4, ipv6),
	OPT_FLAG_('l', "listen", struct chat_opts, listen,
	    "run a chat room instead of joining one"),
	OPT_STR_('n', "nick", struct chat_opts, nick, "NAME", OPTK_TEXT, NULL,
	    "client: take the name NAME on joining"),
	OPT__MAX_CONNS(struct chat_opts, max_conns, 100000, "256",
	    "room: at most N clients"),
	OPT__ACL(struct chat_opts, acl),
	OPT__BACKLOG(struct chat_opts, backlog,
	    "room: pending-client queue length"),
	OPT__TIMEOUT(struct chat_opts, timeout, NULL,
	    "client: give up connecting after DUR"),
	OPT__PROXY(struct chat_opts, proxy,
	    "client: join through the proxy at URL"),
	OPT__PORT_FILE(struct chat_opts, port_file,
	    "room: write the bound port to FILE"),
	OPT__VERBOSE(struct chat_opts, verbose,
	    "room: log joins and leaves on stderr"),
	OPT__TLS(struct chat_opts, tls, "run (-l) or join a TLS room"),
	OPT__TLS_CERT(struct chat_opts, tls),
	OPT__TLS_CLIENT(struct chat_opts, tls),
	OPT__TLS_SERVER(struct chat_opts, tls),
	OPT__TLS_COMMON(struct chat_opts, tls),
	OPT_END_
};

/*
 * Joining a TLS room: the handshake on the connected socket, within the
 * -w time when given, verified unless the options say otherwise; -v
 * prints the session.  The socket stays non-blocking for the client.
 * NULL with the reason.
 */
static struct tls *
chat_tls_join(struct tls_ctx *ctx, int fd, const char *host, int port,
    long long timeout_ms, struct sk_err *err)
{
	struct pollfd	 pfd;
	struct sk_err	 why;
	struct tls	*t;
	long long	 deadline, left;
	int		 r, wait;
	char		 line[512];

	if (sock_set_nonblock(fd, 1) == -1) {
		err_set(err, "fcntl: %s", strerror(errno));
		return (NULL);
	}
	if ((t = tls_new(ctx, fd, host, err)) == NULL)
		return (NULL);
	deadline = timeout_ms >= 0 ? clock_ms() + timeout_ms : -1;
	while ((r = tls_handshake(t, &why)) != 0) {
		if (r != TLS_WANT_POLLIN && r != TLS_WANT_POLLOUT)
			goto fail;
		wait = -1;
		if (deadline >= 0) {
			if ((left = deadline - clock_ms()) <= 0) {
				err_set(&why, "timed out");
				goto fail;
			}
			wait = left > 60000 ? 60000 : (int)left;
		}
		pfd.fd = fd;
		pfd.events = r == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		if (poll(&pfd, 1, wait) == -1 && errno != EINTR) {
			err_set(&why, "poll: %s", strerror(errno));
			goto fail;
		}
	}
	tls_report(t, line, sizeof(line));
	log_verbose(1, "%s", line);
	return (t);
fail:
	err_set(err, "TLS handshake with %s port %d: %s", host, port,
	    why.msg);
	tls_free(t);
	return (NULL);
}

static int
chat_serve(struct chat_opts *o, int argc, char **argv)
{
	struct sock_listen_args la;
	struct chat_room_conf rc;
	struct acl	 acl;
	struct sk_err	 err;
	char		 host[NI_MAXHOST];
	int		 lfd, status;

	memset(&la, 0, sizeof(la));
	if (cmd_parse_bind(argc, argv, host, sizeof(host), &la.host,
	    &la.port, &err) == -1)
		return (log_usage("%s", err.msg));
	if (aclopt_load(&o->acl, &acl, &err) == -1)
		return (log_usage("%s", err.msg));
	la.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	la.socktype = SOCK_STREAM;
	la.backlog = (int)o->backlog;
	rc.tls = NULL;
	if (o->tls.tls &&
	    (rc.tls = tlsopt_ctx(&o->tls, TLSOPT_SERVER, &err)) == NULL) {
		log_err("%s", err.msg);
		acl_free(&acl);
		return (EXIT_RUNTIME);
	}
	if ((lfd = sock_listen(&la, &err)) == -1) {
		log_err("%s", err.msg);
		acl_free(&acl);
		tls_ctx_free(rc.tls);
		return (EXIT_RUNTIME);
	}
	if (o->port_file != NULL &&
	    sock_write_port_file(o->port_file, lfd, &err) == -1) {
		log_err("%s", err.msg);
		close(lfd);
		acl_free(&acl);
		tls_ctx_free(rc.tls);
		return (EXIT_RUNTIME);
	}
	sock_report_listening(lfd);
	rc.lfd = lfd;
	rc.max_conns = o->max_conns;
	rc.acl = &acl;
	status = 0;
	switch (chat_room_run(&rc, &err)) {
	case CHAT_ROOM_STOPPED:
		break;
	case CHAT_ROOM_FAILED:
		log_err("%s", err.msg);
		status = EXIT_RUNTIME;
		break;
	}
	close(lfd);
	acl_free(&acl);
	tls_ctx_free(rc.tls);
	return (status);
}

static int
chat_join(struct chat_opts *o, int argc, char **argv)
{
	struct sock_connect_args ca;
	struct chat_client_conf cc;
	struct proxy_conf px;
	struct proxy_hop hop;
	struct sock_name n;
	struct sk_err	 err;
	struct tls_ctx	*ctx;
	char		 host[NI_MAXHOST];
	int		 fd, status, proxied;

	memset(&ca, 0, sizeof(ca));
	if (cmd_parse_target(argc, argv, 0, host, sizeof(host), &ca.port,
	    &err) == -1)
		return (log_usage("%s", err.msg));
	if (o->nick != NULL && !text_valid_nick(o->nick, strlen(o->nick)))
		return (log_usage("invalid nick '%s': use 1 to %d letters, "
		    "digits, - or _", o->nick, TEXT_NICK_MAX));
	if ((proxied = proxyopt_load(&o->proxy, &px, &err)) == -1)
		return (log_usage("%s", err.msg));
	ca.host = host;
	ca.family = o->ipv4 ? AF_INET : o->ipv6 ? AF_INET6 : AF_UNSPEC;
	ca.socktype = SOCK_STREAM;
	ca.srcport = -1;
	ca.timeout_ms = o->timeout;
	fd = proxied ? proxy_dial(&px, &ca, NULL, &hop, &err) :
	    sock_connect(&ca, &n, &err);
	if (fd == -1) {
		log_err("%s", err.msg);
		return (EXIT_RUNTIME);
	}
	if (!proxied)	/* proxy_dial says it with the proxy */
		log_verbose(1, "connected to %s port %d", n.host, n.port);
	cc.fd = fd;
	cc.nick = o->nick;
	cc.tls = NULL;
	ctx = NULL;
	if (o->tls.tls) {
		if ((ctx = tlsopt_ctx(&o->tls, TLSOPT_CLIENT, &err)) == NULL ||
		    (cc.tls = chat_tls_join(ctx, fd, host, ca.port,
		    o->timeout, &err)) == NULL) {
			log_err("%s", err.msg);
			tls_ctx_free(ctx);
			close(fd);
			return (EXIT_RUNTIME);
		}
	}
	status = 0;
	if (chat_client_run(&cc, &err) == -1) {
		log_err("%s", err.msg);
		status = EXIT_RUNTIME;
	}
	tls_free(cc.tls);
	tls_ctx_free(ctx);
	close(fd);
	return (status);
}

static int
chat_exec(void *p, int argc, char **argv)
{
	struct chat_opts *o = p;
	const char	*acl_name;
	struct sk_err	 err;

	log_set_verbosity(o->verbose);
	if (o->listen && o->nick != NULL)
		return (log_usage("-n is for joining a room, not with -l"));
	if (!o->listen && (acl_name = aclopt_first(&o->acl)) != NULL)
		return (log_usage("%s is for a room, with -l", acl_name));
	if (o->listen && (o->proxy.url != NULL || o->proxy.type != NULL))
		return (log_usage("%s is for joining a room, not with -l",
		    o->proxy.url != NULL ? "-x" : "-X"));
	if (tlsopt_check(&o->tls, o->listen ? TLSOPT_SERVER : TLSOPT_CLIENT,
	    &err) == -1)
		return (log_usage("%s", err.msg));
	return (o->listen ? chat_serve(o, argc, argv) :
	    chat_join(o, argc, argv));
}

const struct cmd_entry cmd_chat_entry = {
	.name = "chat",
	.summary = "run a chat room, or join one",
	.usage = "-l [OPTIONS] [ADDRESS] PORT\n[OPTIONS] HOST PORT",
	.description = "Run a chat room (-l) that speaks plain lines of UTF-8 "
	    "text over TCP, or join\none. sockctl connect and nc can join "
	    "too.",
	.options = chat_options,
	.optsize = sizeof(struct chat_opts),
	.init = NULL,
	.exec = chat_exec
};
