/*
 * Socket helpers shared by every command: resolving and connecting with a
 * timeout over every address, listening (dual-stack where possible), Unix
 * sockets, numeric address formatting and the --port-file.
 */
#ifndef SOCK_H
#define SOCK_H

#include <sys/types.h>
#include <sys/socket.h>

#include <netdb.h>

#include "log.h"

struct acl;

struct sock_connect_args {
	const char	*host;
	int		 port;
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	int		 socktype;
	const char	*src;		/* -s, or NULL */
	int		 srcport;	/* -p, or -1 */
	long long	 timeout_ms;	/* per address; -1 waits forever */
	int		 quiet;		/* no -v line per failed address */
	int		 broadcast;	/* SO_BROADCAST before connecting */
};

struct sock_listen_args {
	const char	*host;		/* NULL: every interface */
	int		 port;
	int		 family;
	int		 socktype;
	int		 backlog;
	int		 udp_reuse;	/* SO_REUSEADDR on a datagram socket */
};

/*
 * A listener's spare descriptor: when accept fails for want of
 * descriptors, the spare is closed to accept the pending connection and
 * close it at once, so the listener is not ready forever (a busy loop).
 */
struct sock_acceptor {
	int	reserve;	/* /dev/null, or -1 */
	int	told;		/* the -v line was printed this episode */
	const struct acl *acl;	/* clients to refuse, or NULL (init) */
};

/* A numeric address: "127.0.0.1" and 80, or a Unix path and -1. */
struct sock_name {
	char	host[NI_MAXHOST];
	int	port;
};

int	sock_connect(const struct sock_connect_args *, struct sock_name *,
	    struct sk_err *);
int	sock_connect_unix(const char *, int, struct sk_err *);
int	sock_listen(const struct sock_listen_args *, struct sk_err *);
int	sock_listen_unix(const char *, int, int, int *, struct sk_err *);
void	sock_name_of(const struct sockaddr *, socklen_t, struct sock_name *);
int	sock_local_name(int, struct sock_name *);
int	sock_peer_name(int, struct sock_name *);
int	sock_write_port_file(const char *, int, struct sk_err *);
int	sock_set_nonblock(int, int);
void	sock_report_listening(int);
void	sock_acceptor_init(struct sock_acceptor *);
void	sock_acceptor_free(struct sock_acceptor *);
int	sock_accept(int, struct sock_acceptor *);
int	sock_refused(const struct acl *, const struct sockaddr *, socklen_t);

/*
 * Multicast: a group to join ("239.1.2.3", "ff02::1", either with
 * "%IFNAME"), and the sending side's TTL or hop limit and interface.
 */
struct sock_group {
	const char		*name;	/* as given, for messages */
	struct sockaddr_storage	 addr;	/* the group; port 0 */
	unsigned int		 ifindex; /* 0: the kernel's choice */
};

int	sock_group_parse(const char *, struct sock_group *, struct sk_err *);
int	sock_join_group(int, const struct sock_group *, struct sk_err *);
int	sock_is_multicast(const struct sockaddr *);
int	sock_set_ttl(int, int, int, struct sk_err *);
int	sock_set_mcast_if(int, const char *, struct sk_err *);

#endif /* SOCK_H */
