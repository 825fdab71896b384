/*
 * Socket helpers.  Connecting tries every address getaddrinfo(3) returns,
 * each with its own timeout, the way netcat's remote_connect() does;
 * listening without an address prefers one IPv6 socket that also accepts
 * IPv4, falling back to 0.0.0.0 on hosts without IPv6.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "acl.h"
#include "addr.h"
#include "clock.h"
#include "log.h"
#include "sock.h"

int
sock_set_nonblock(int fd, int on)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return (-1);
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return (fcntl(fd, F_SETFL, fl));
}

/* IPv4-mapped IPv6 peers of a dual-stack socket are shown as IPv4. */
void
sock_name_of(const struct sockaddr *sa, socklen_t len, struct sock_name *n)
{
	const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	struct sockaddr_in sin;
	char	serv[NI_MAXSERV];
	size_t	plen;

	n->port = -1;
	if (sa->sa_family == AF_UNIX) {
		plen = len > offsetof(struct sockaddr_un, sun_path) ?
		    len - offsetof(struct sockaddr_un, sun_path) : 0;
		if (plen == 0)
			strlcpy(n->host, "(unnamed)", sizeof(n->host));
		else if (sun->sun_path[0] == '\0')
			snprintf(n->host, sizeof(n->host), "@%.*s",
			    (int)plen - 1, sun->sun_path + 1);
		else
			strlcpy(n->host, sun->sun_path, sizeof(n->host));
		return;
	}
	if (sa->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = s6->sin6_port;
		memcpy(&sin.sin_addr, &s6->sin6_addr.s6_addr[12], 4);
		sa = (struct sockaddr *)&sin;
		len = sizeof(sin);
	}
	if (getnameinfo(sa, len, n->host, sizeof(n->host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		strlcpy(n->host, "?", sizeof(n->host));
		return;
	}
	n->port = (int)strtonum(serv, 0, 65535, NULL);
}

int
sock_local_name(int fd, struct sock_name *n)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	sock_name_of((struct sockaddr *)&ss, len, n);
	return (0);
}

int
sock_peer_name(int fd, struct sock_name *n)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	sock_name_of((struct sockaddr *)&ss, len, n);
	return (0);
}

void
sock_report_listening(int fd)
{
	struct sock_name	n;

	if (log_verbosity < 1 || sock_local_name(fd, &n) == -1)
		return;
	if (n.port < 0)
		log_verbose(1, "listening on %s", n.host);
	else
		log_verbose(1, "listening on %s port %d", n.host, n.port);
}

/*
 * Waits for a non-blocking connect; returns 0, or -1 with errno set (the
 * connect's own error, or ETIMEDOUT).
 */
static int
sock_connect_wait(int fd, long long timeout_ms)
{
	struct pollfd	pfd;
	long long	deadline = -1;
	socklen_t	len;
	int		r, soerr;

	if (timeout_ms >= 0)
		deadline = clock_ms() + timeout_ms;
	for (;;) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		r = poll(&pfd, 1, clock_poll_timeout(deadline));
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		if (r == 0) {
			if (deadline >= 0 && clock_ms() >= deadline) {
				errno = ETIMEDOUT;
				return (-1);
			}
			continue;
		}
		len = sizeof(soerr);
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			return (-1);
		if (soerr != 0) {
			errno = soerr;
			return (-1);
		}
		return (0);
	}
}

static int
bind_source(int fd, const struct addrinfo *target, const char *src,
    int srcport, struct sk_err *err)
{
	struct addrinfo	 hints, *res, *ai;
	char		 port[16];
	int		 e, one = 1, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = target->ai_family;
	hints.ai_socktype = target->ai_socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", srcport < 0 ? 0 : srcport);
	if ((e = getaddrinfo(src, port, &hints, &res)) != 0) {
		err_set(err, "source address %s: %s", src ? src : "*",
		    gai_strerror(e));
		return (-1);
	}
	if (srcport > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			freeaddrinfo(res);
			return (0);
		}
		saved = errno;
	}
	freeaddrinfo(res);
	if (srcport >= 0)
		err_set(err, "bind to %s port %d: %s", src ? src : "*",
		    srcport, strerror(saved));
	else
		err_set(err, "bind to %s: %s", src, strerror(saved));
	return (-1);
}

int
sock_connect(const struct sock_connect_args *a, struct sock_name *peer,
    struct sk_err *err)
{
	struct addrinfo	 hints, *res, *ai;
	struct sock_name n;
	char		 port[16];
	int		 fd = -1, e;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = a->family;
	hints.ai_socktype = a->socktype;
	hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%d", a->port);
	if ((e = getaddrinfo(a->host, port, &hints, &res)) != 0) {
		/* AI_ADDRCONFIG hides ::1 on hosts with only loopback v6. */
		hints.ai_flags &= ~AI_ADDRCONFIG;
		if ((e = getaddrinfo(a->host, port, &hints, &res)) != 0) {
			err_set(err, "%s: %s", a->host, e == EAI_SYSTEM ?
			    strerror(errno) : gai_strerror(e));
			return (-1);
		}
	}
	err_set(err, "connect to %s port %d: no usable address", a->host,
	    a->port);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		sock_name_of(ai->ai_addr, ai->ai_addrlen, &n);
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			err_set(err, "socket: %s", strerror(errno));
			continue;
		}
		if (a->broadcast && setsockopt(fd, SOL_SOCKET, SO_BROADCAST,
		    &(int){ 1 }, sizeof(int)) == -1) {
			e = errno;
			goto failed;
		}
		if ((a->src != NULL || a->srcport >= 0) &&
		    bind_source(fd, ai, a->src, a->srcport, err) == -1) {
			close(fd);
			fd = -1;
			continue;
		}
		if (sock_set_nonblock(fd, 1) == -1) {
			e = errno;
			goto failed;
		}
		e = 0;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
			if ((errno == EINPROGRESS || errno == EINTR) &&
			    sock_connect_wait(fd, a->timeout_ms) == 0)
				e = 0;
			else
				e = errno;
		}
		if (e == 0 && sock_set_nonblock(fd, 0) == 0) {
			if (peer != NULL)
				*peer = n;
			freeaddrinfo(res);
			return (fd);
		}
		if (e == 0)
			e = errno;
failed:
		err_set(err, "connect to %s port %d: %s", n.host, n.port,
		    strerror(e));
		if (!a->quiet && ai->ai_next != NULL)
			log_verbose(1, "connect to %s port %d: %s", n.host,
			    n.port, strerror(e));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return (-1);
}

int
sock_connect_unix(const char *path, int socktype, struct sk_err *err)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	struct sk_err		why;
	int			fd;

	if (addr_parse_unix(path, &sun, &len, &why) == -1) {
		err_set(err, "invalid socket path '%s': %s", path, why.msg);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, socktype | SOCK_CLOEXEC, 0)) == -1) {
		err_set(err, "socket: %s", strerror(errno));
		return (-1);
	}
	while (connect(fd, (struct sockaddr *)&sun, len) == -1) {
		if (errno == EINTR)
			continue;
		err_set(err, "connect to %s: %s", path, strerror(errno));
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * Stream listeners get SO_REUSEADDR so a restart does not wait out
 * TIME_WAIT.  On a datagram socket it would let a second receiver share
 * (and steal from) a port in use, so it is set only when asked: several
 * receivers of one multicast group need it.
 */
static int
listen_on(const struct sockaddr *sa, socklen_t salen, int socktype,
    int backlog, int v6only, int reuse, int *saved)
{
	int	fd, one = 1;

	if ((fd = socket(sa->sa_family, socktype | SOCK_CLOEXEC, 0)) == -1) {
		*saved = errno;
		return (-1);
	}
	if ((socktype == SOCK_STREAM || reuse) &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1)
		goto fail;
	if (sa->sa_family == AF_INET6 && v6only >= 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
	    sizeof(v6only)) == -1)
		goto fail;
	if (bind(fd, sa, salen) == -1)
		goto fail;
	if (socktype == SOCK_STREAM && listen(fd, backlog) == -1)
		goto fail;
	return (fd);
fail:
	*saved = errno;
	close(fd);
	return (-1);
}

int
sock_listen(const struct sock_listen_args *a, struct sk_err *err)
{
	struct addrinfo		 hints, *res, *ai;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct sock_name	 n;
	char			 port[16];
	int			 fd = -1, e, saved = 0;

	if (a->host == NULL) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		sin6.sin6_port = htons((uint16_t)a->port);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		sin.sin_port = htons((uint16_t)a->port);
		if (a->family != AF_INET) {
			fd = listen_on((struct sockaddr *)&sin6, sizeof(sin6),
			    a->socktype, a->backlog,
			    a->family == AF_INET6, a->udp_reuse, &saved);
			if (fd != -1 || a->family == AF_INET6 ||
			    (saved != EAFNOSUPPORT && saved != EADDRNOTAVAIL))
				goto done_any;
		}
		fd = listen_on((struct sockaddr *)&sin, sizeof(sin),
		    a->socktype, a->backlog, -1, a->udp_reuse, &saved);
done_any:
		if (fd == -1)
			err_set(err, "bind to * port %d: %s", a->port,
			    strerror(saved));
		return (fd);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = a->family;
	hints.ai_socktype = a->socktype;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%d", a->port);
	if ((e = getaddrinfo(a->host, port, &hints, &res)) != 0) {
		err_set(err, "%s: %s", a->host, e == EAI_SYSTEM ?
		    strerror(errno) : gai_strerror(e));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = listen_on(ai->ai_addr, ai->ai_addrlen, a->socktype,
		    a->backlog, -1, a->udp_reuse, &saved);
		if (fd != -1)
			break;
		sock_name_of(ai->ai_addr, ai->ai_addrlen, &n);
		err_set(err, "bind to %s port %d: %s", n.host, a->port,
		    strerror(saved));
	}
	freeaddrinfo(res);
	return (fd);
}

static const char *file_kind(mode_t);

/* TCP_LISTEN, as unix_diag reports it. */
#define UNIX_LISTEN_STATE	10

enum unix_owner {
	UNIX_ORPHAN,		/* no socket listens on the file */
	UNIX_LISTENED,		/* a live listener holds it */
	UNIX_UNKNOWN		/* the kernel could not be asked */
};

/*
 * Is a listening socket bound to this file?  Asked of the kernel through
 * sock_diag, because connecting to find out would be accepted by a live
 * listener as a client.
 */
static enum unix_owner
unix_path_owner(const struct stat *st)
{
	struct {
		struct nlmsghdr		nlh;
		struct unix_diag_req	req;
	} q;
	struct nlmsghdr		*h;
	struct unix_diag_msg	*m;
	struct rtattr		*a;
	struct unix_diag_vfs	 vfs;
	char			 buf[16384];
	ssize_t			 n;
	enum unix_owner		 found = UNIX_UNKNOWN;
	int			 fd, alen;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC,
	    NETLINK_SOCK_DIAG)) == -1)
		return (UNIX_UNKNOWN);
	memset(&q, 0, sizeof(q));
	q.nlh.nlmsg_len = sizeof(q);
	q.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	q.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	q.req.sdiag_family = AF_UNIX;
	q.req.udiag_states = 1U << UNIX_LISTEN_STATE;
	q.req.udiag_show = UDIAG_SHOW_VFS;
	if (send(fd, &q, sizeof(q), 0) != (ssize_t)sizeof(q))
		goto out;
	found = UNIX_ORPHAN;
	while (found == UNIX_ORPHAN &&
	    (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n);
		    h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				found = UNIX_UNKNOWN;
				goto out;
			}
			m = NLMSG_DATA(h);
			alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
			for (a = (struct rtattr *)(m + 1); RTA_OK(a, alen);
			    a = RTA_NEXT(a, alen)) {
				if (a->rta_type != UNIX_DIAG_VFS ||
				    RTA_PAYLOAD(a) < sizeof(vfs))
					continue;
				memcpy(&vfs, RTA_DATA(a), sizeof(vfs));
				/* The kernel's dev_t: major << 20 | minor. */
				if (vfs.udiag_vfs_ino == (uint32_t)st->st_ino &&
				    vfs.udiag_vfs_dev >> 20 ==
				    major(st->st_dev) &&
				    (vfs.udiag_vfs_dev & 0xfffff) ==
				    minor(st->st_dev))
					found = UNIX_LISTENED;
			}
		}
	}
	if (n == -1)
		found = UNIX_UNKNOWN;
out:
	close(fd);
	return (found);
}

/*
 * Is a datagram socket still bound to this file?  A datagram socket does
 * not listen, so sock_diag has no listener to find; a connect() tells
 * instead, and a live receiver does not notice it (connecting a datagram
 * socket sends nothing).  Only ECONNREFUSED, nothing bound there, makes
 * the file stale: any other answer (a stream socket's EPROTOTYPE, a
 * receiver connected elsewhere, no permission) leaves it alone.
 */
static enum unix_owner
unix_dgram_owner(const struct sockaddr_un *sun, socklen_t len)
{
	int	fd, rv;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (UNIX_UNKNOWN);
	while ((rv = connect(fd, (const struct sockaddr *)sun, len)) == -1 &&
	    errno == EINTR)
		continue;
	close(fd);
	if (rv == -1 && errno == ECONNREFUSED)
		return (UNIX_ORPHAN);
	return (rv == 0 ? UNIX_LISTENED : UNIX_UNKNOWN);
}

/* Why a datagram socket's path is not replaced, once bind said in use. */
static void
unix_dgram_refuse(const char *path, int saved, struct sk_err *err)
{
	struct stat	st;

	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode))
		err_set(err, "bind to %s: is %s, not a socket (not replaced)",
		    path, S_ISREG(st.st_mode) ? "a regular file" :
		    file_kind(st.st_mode));
	else
		err_set(err, "bind to %s: %s", path, strerror(saved));
}

/*
 * A path left behind by a listener (or datagram receiver) that died is
 * replaced; a path some process still listens on, or that is not a
 * socket, is not.
 */
int
sock_listen_unix(const char *path, int socktype, int backlog, int *created,
    struct sk_err *err)
{
	struct sockaddr_un	sun;
	struct stat		st;
	socklen_t		len;
	struct sk_err		why;
	int			fd, saved = 0, tries;

	*created = 0;
	if (addr_parse_unix(path, &sun, &len, &why) == -1) {
		err_set(err, "invalid socket path '%s': %s", path, why.msg);
		return (-1);
	}
	for (tries = 0; tries < 2; tries++) {
		fd = listen_on((struct sockaddr *)&sun, len, socktype, backlog,
		    -1, 0, &saved);
		if (fd != -1) {
			*created = path[0] != '@';
			return (fd);
		}
		if (saved != EADDRINUSE || path[0] == '@' ||
		    lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode) ||
		    (socktype == SOCK_DGRAM ? unix_dgram_owner(&sun, len) :
		    unix_path_owner(&st)) != UNIX_ORPHAN || unlink(path) == -1)
			break;
	}
	if (socktype == SOCK_DGRAM && saved == EADDRINUSE)
		unix_dgram_refuse(path, saved, err);
	else
		err_set(err, "bind to %s: %s", path, strerror(saved));
	return (-1);
}

/* What is at a path, for the message that refuses to replace it. */
static const char *
file_kind(mode_t mode)
{
	if (S_ISFIFO(mode))
		return ("a FIFO");
	if (S_ISCHR(mode))
		return ("a character device");
	if (S_ISBLK(mode))
		return ("a block device");
	if (S_ISLNK(mode))
		return ("a symbolic link");
	if (S_ISDIR(mode))
		return ("a directory");
	if (S_ISSOCK(mode))
		return ("a socket");
	return ("not a regular file");
}

/*
 * Whether the port file may be put at file: 1 over a regular file, 0 where
 * nothing is, -1 (err set) for anything else, which is never replaced: as
 * root, "--port-file /dev/null" must not delete /dev/null, and a FIFO or a
 * symlink someone put there is theirs.
 */
static int
port_file_target(const char *file, struct sk_err *err)
{
	struct stat	st;

	if (lstat(file, &st) == -1) {
		if (errno == ENOENT)
			return (0);
		err_set(err, "port file %s: %s", file, strerror(errno));
		return (-1);
	}
	if (S_ISREG(st.st_mode))
		return (1);
	err_set(err, "port file %s: is %s, not a regular file", file,
	    file_kind(st.st_mode));
	return (-1);
}

/*
 * Renames tmp to file, over a regular file or where nothing is.  Where
 * nothing was, RENAME_NOREPLACE keeps a file made meanwhile (by anyone)
 * from being replaced; a file system without it gets link(2), which never
 * replaces either.  Returns 0, or -1 with errno or err set.
 */
static int
port_file_rename(const char *tmp, const char *file, struct sk_err *err)
{
	int	tries, r;

	for (tries = 0; tries < 8; tries++) {
		if ((r = port_file_target(file, err)) == -1)
			return (-1);
		if (r == 1)
			return (rename(tmp, file));
		if (renameat2(AT_FDCWD, tmp, AT_FDCWD, file,
		    RENAME_NOREPLACE) == 0)
			return (0);
		if (errno == EINVAL || errno == ENOSYS) {
			if (link(tmp, file) == 0)
				return (unlink(tmp));
		}
		if (errno != EEXIST)
			return (-1);
		/* Something appeared at file: look at it again. */
	}
	errno = EEXIST;
	return (-1);
}

/*
 * Written to a temporary file in the same directory (mkstemp(3) opens it
 * O_EXCL) and renamed, so readers never see half of it.
 */
int
sock_write_port_file(const char *file, int fd, struct sk_err *err)
{
	struct sock_name	n;
	struct sk_err		why;
	char			*tmp = NULL, buf[16];
	const char		*p;
	ssize_t			 w;
	int			 tfd, len, saved;

	if (sock_local_name(fd, &n) == -1) {
		err_set(err, "getsockname: %s", strerror(errno));
		return (-1);
	}
	if (port_file_target(file, err) == -1)
		return (-1);
	if (asprintf(&tmp, "%s.XXXXXX", file) == -1) {
		err_set(err, "out of memory");
		return (-1);
	}
	if ((tfd = mkstemp(tmp)) == -1) {
		err_set(err, "port file %s: %s", file, strerror(errno));
		free(tmp);
		return (-1);
	}
	len = snprintf(buf, sizeof(buf), "%d\n", n.port);
	for (p = buf; len > 0; ) {
		if ((w = write(tfd, p, (size_t)len)) == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(tfd);
			goto fail;
		}
		p += w;
		len -= (int)w;
	}
	if (fchmod(tfd, 0644) == -1) {
		saved = errno;
		close(tfd);
		goto fail;
	}
	if (close(tfd) == -1) {
		saved = errno;
		goto fail;
	}
	why.msg[0] = '\0';
	if (port_file_rename(tmp, file, &why) == -1) {
		saved = errno;
		if (why.msg[0] != '\0') {
			/* Not a regular file: said as it is. */
			err_set(err, "%s", why.msg);
			unlink(tmp);
			free(tmp);
			return (-1);
		}
		goto fail;
	}
	free(tmp);
	return (0);
fail:
	err_set(err, "port file %s: %s", file, strerror(saved));
	unlink(tmp);
	free(tmp);
	return (-1);
}

void
sock_acceptor_init(struct sock_acceptor *a)
{
	a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	a->told = 0;
	a->acl = NULL;
}

/*
 * Whether acl (NULL: none) refuses the client or sender at sa: 1, after
 * the -v line "refused ADDRESS port N (denied)", or 0.  Without -v there
 * is no allocation and no string work, so a flood of refused peers costs
 * next to nothing.
 */
int
sock_refused(const struct acl *acl, const struct sockaddr *sa,
    socklen_t len)
{
	struct sock_name	 n;
	const char		*why;

	if (acl == NULL || (why = acl_check(acl, sa, len)) == NULL)
		return (0);
	if (log_verbosity >= 1) {
		sock_name_of(sa, len, &n);
		log_verbose(1, "refused %s port %d (%s)", n.host, n.port, why);
	}
	return (1);
}

void
sock_acceptor_free(struct sock_acceptor *a)
{
	if (a->reserve != -1)
		close(a->reserve);
	a->reserve = -1;
}

/*
 * accept4 on a non-blocking listener, giving a non-blocking, close-on-exec
 * socket.  Out of descriptors (EMFILE, ENFILE), the pending connection
 * would stay in the backlog and the listener would stay ready: a poll
 * loop would spin at 100% CPU.  Instead the spare descriptor makes room
 * to accept that connection and close it (the client sees its connection
 * closed, not a hang), the open connections keep being served, and -v
 * says so once per episode.  That case returns -1 with ECONNABORTED, as
 * for a connection the peer aborted: the caller goes on to the next.
 * Without a spare (another process took the slot back), EMFILE or ENFILE
 * is returned and the caller must stop polling the listener for a while.
 * A client the acceptor's acl refuses is closed at once, before anything
 * else is done with it, and counts as aborted too (-1, ECONNABORTED).
 */
int
sock_accept(int lfd, struct sock_acceptor *a)
{
	struct sockaddr_storage	ss;
	socklen_t		sslen = sizeof(ss);
	int			fd, e;

	fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd != -1) {
		a->told = 0;
		if (sock_refused(a->acl, (struct sockaddr *)&ss, sslen)) {
			close(fd);
			errno = ECONNABORTED;
			return (-1);
		}
		return (fd);
	}
	if (errno != EMFILE && errno != ENFILE)
		return (-1);
	e = errno;
	if (!a->told) {
		log_verbose(1, "accept: %s: closing new connections until a "
		    "descriptor is free", strerror(e));
		a->told = 1;
	}
	if (a->reserve == -1 &&
	    (a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
		errno = e;
		return (-1);
	}
	close(a->reserve);
	a->reserve = -1;
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd != -1)
		close(fd);
	else
		e = errno;
	a->reserve = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd == -1 && e != EMFILE && e != ENFILE) {
		errno = e;
		return (-1);
	}
	errno = fd == -1 ? e : ECONNABORTED;
	return (-1);
}
