/*
 * echod -- the backend of bench/forward.sh, not built by the build system.
 *
 *   echod PORTFILE [discard]
 *
 * One thread, one epoll loop on 127.0.0.1 port 0 (the port is written to
 * PORTFILE): every connection's bytes are echoed back (or, with discard,
 * read and dropped); a connection closes at the client's EOF.  Echoing
 * writes what one read returned, blocking briefly if the client is slow
 * to read, which the bench's clients never are.  It exists so that the
 * backend is never what the forwarders are waiting for.
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in	sin;
	struct epoll_event	ev, evs[256];
	socklen_t		len = sizeof(sin);
	static char		buf[1 << 16];
	ssize_t			n, w, off;
	int			lfd, ep, fd, i, nev, discard, one = 1;
	FILE			*f;

	if (argc < 2)
		return (2);
	discard = argc > 2 && strcmp(argv[2], "discard") == 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lfd, 4096) == -1 ||
	    getsockname(lfd, (struct sockaddr *)&sin, &len) == -1 ||
	    (ep = epoll_create1(0)) == -1) {
		perror("echod");
		return (1);
	}
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	(void)epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
	if ((f = fopen(argv[1], "w")) == NULL)
		return (1);
	fprintf(f, "%d\n", ntohs(sin.sin_port));
	fclose(f);
	for (;;) {
		if ((nev = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			return (1);
		}
		for (i = 0; i < nev; i++) {
			fd = evs[i].data.fd;
			if (fd == lfd) {
				while ((fd = accept4(lfd, NULL, NULL,
				    SOCK_NONBLOCK)) != -1) {
					ev.events = EPOLLIN;
					ev.data.fd = fd;
					(void)epoll_ctl(ep, EPOLL_CTL_ADD, fd,
					    &ev);
				}
				continue;
			}
			n = read(fd, buf, sizeof(buf));
			if (n == -1 && errno == EAGAIN)
				continue;
			if (n <= 0) {
				close(fd);
				continue;
			}
			for (off = 0; !discard && off < n; off += w) {
				w = write(fd, buf + off, (size_t)(n - off));
				if (w == -1 && errno == EAGAIN) {
					w = 0;
					usleep(100);
				} else if (w == -1)
					break;
			}
		}
	}
}
