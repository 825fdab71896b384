/*
 * The STARTTLS preambles (see starttls.h): each protocol is a greeting,
 * a capability question and an upgrade command, read and written one
 * line at a time so that nothing past the server's last plain-text line
 * is taken from the socket (the TLS handshake follows it).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "starttls.h"
#include "trace.h"

const char *const starttls_protos[] = { "smtp", "imap", "pop3", "ftp",
    NULL };

#define ST_LINE_MAX	4096	/* longest server line taken */

struct st {
	int		 fd;
	long long	 deadline;
	const char	*proto;
	char		 line[ST_LINE_MAX + 1];
	struct sk_err	*err;
	struct trace_conn *tc;		/* traced: each line */
};

/* Waits for EV on the socket until the deadline; 0 or -1 with the message. */
static int
st_wait(struct st *s, short ev)
{
	struct pollfd	pfd;
	int		r;

	/* What was said so far is in the trace before the wait. */
	trace_conn_flush(s->tc);
	pfd.fd = s->fd;
	pfd.events = ev;
	do
		r = poll(&pfd, 1, clock_poll_timeout(s->deadline));
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		err_set(s->err, "poll: %s", strerror(errno));
		return (-1);
	}
	if (r == 0) {
		err_set(s->err, "%s STARTTLS: %s", s->proto,
		    strerror(ETIMEDOUT));
		return (-1);
	}
	return (0);
}

/*
 * One line from the server into s->line, without its CR LF.  Read a byte
 * at a time: the preamble is a few short lines, and a byte read past the
 * last one would be the start of the handshake.
 */
static int
st_read_line(struct st *s)
{
	size_t	len = 0;
	ssize_t	n;
	char	c;

	for (;;) {
		n = recv(s->fd, &c, 1, MSG_DONTWAIT);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (st_wait(s, POLLIN) == -1)
				return (-1);
			continue;
		}
		if (n == -1) {
			err_set(s->err, "%s STARTTLS: %s", s->proto,
			    strerror(errno));
			return (-1);
		}
		if (n == 0) {
			trace_chunk(s->tc, TRACE_IN, s->line, len, NULL);
			trace_fin(s->tc, TRACE_IN, NULL);
			err_set(s->err, "%s server closed the connection "
			    "before STARTTLS", s->proto);
			return (-1);
		}
		if (c == '\n') {
			/* There is room for it: the line is not cut yet. */
			s->line[len] = c;
			trace_chunk(s->tc, TRACE_IN, s->line, len + 1, NULL);
			break;
		}
		if (len == ST_LINE_MAX) {
			trace_chunk(s->tc, TRACE_IN, s->line, len, NULL);
			err_set(s->err, "%s STARTTLS: server line longer "
			    "than %d bytes", s->proto, ST_LINE_MAX);
			return (-1);
		}
		s->line[len++] = c;
	}
	if (len > 0 && s->line[len - 1] == '\r')
		len--;
	s->line[len] = '\0';
	log_verbose(1, "< %s", s->line);
	return (0);
}

static int
st_send(struct st *s, const char *cmd)
{
	char	buf[128];
	size_t	len, off = 0;
	ssize_t	n;

	log_verbose(1, "> %s", cmd);
	len = (size_t)snprintf(buf, sizeof(buf), "%s\r\n", cmd);
	while (off < len) {
		n = send(s->fd, buf + off, len - off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			if (st_wait(s, POLLOUT) == -1)
				return (-1);
			continue;
		}
		if (n == -1) {
			err_set(s->err, "%s STARTTLS: %s", s->proto,
			    strerror(errno));
			return (-1);
		}
		off += (size_t)n;
	}
	trace_chunk(s->tc, TRACE_OUT, buf, len, NULL);
	return (0);
}

/*
 * An SMTP or FTP reply: lines "NNN-text" up to "NNN text".  0 when its
 * code starts with DIGIT; 1 when it does not (the last line stays in
 * s->line); -1 on error.  *HAS is set when a line's text is WORD.
 */
static int
st_reply(struct st *s, char digit, const char *word, int *has)
{
	for (;;) {
		if (st_read_line(s) == -1)
			return (-1);
		if (strlen(s->line) < 3 ||
		    !isdigit((unsigned char)s->line[0])) {
			err_set(s->err, "%s STARTTLS: unexpected reply '%s'",
			    s->proto, s->line);
			return (-1);
		}
		if (word != NULL && strlen(s->line) > 4 &&
		    strncasecmp(s->line + 4, word, strlen(word)) == 0 &&
		    (s->line[4 + strlen(word)] == '\0' ||
		    s->line[4 + strlen(word)] == ' '))
			*has = 1;
		if (s->line[3] != '-')
			return (s->line[0] == digit ? 0 : 1);
	}
}

/* The server said no: one line with its answer. */
static int
st_refused(struct st *s, const char *what)
{
	err_set(s->err, "%s server %s: %s", s->proto, what, s->line);
	return (-1);
}

static int
st_smtp(struct st *s)
{
	int	has = 0, r;

	if ((r = st_reply(s, '2', NULL, NULL)) != 0)
		return (r == 1 ? st_refused(s, "refused the session") : -1);
	if (st_send(s, "EHLO sockctl") == -1)
		return (-1);
	if ((r = st_reply(s, '2', "STARTTLS", &has)) != 0)
		return (r == 1 ? st_refused(s, "refused EHLO") : -1);
	if (!has) {
		err_set(s->err, "smtp server does not offer STARTTLS");
		return (-1);
	}
	if (st_send(s, "STARTTLS") == -1)
		return (-1);
	if ((r = st_reply(s, '2', NULL, NULL)) != 0)
		return (r == 1 ? st_refused(s, "refused STARTTLS") : -1);
	return (0);
}

static int
st_ftp(struct st *s)
{
	int	r;

	if ((r = st_reply(s, '2', NULL, NULL)) != 0)
		return (r == 1 ? st_refused(s, "refused the session") : -1);
	if (st_send(s, "AUTH TLS") == -1)
		return (-1);
	if ((r = st_reply(s, '2', NULL, NULL)) != 0) {
		if (r == 1)
			err_set(s->err, "ftp server does not offer AUTH TLS: "
			    "%s", s->line);
		return (-1);
	}
	return (0);
}

/* Whether the space-separated LIST has WORD (case-insensitive). */
static int
st_has_word(const char *list, const char *word)
{
	size_t	n = strlen(word);

	while (*list != '\0') {
		while (*list == ' ')
			list++;
		if (strncasecmp(list, word, n) == 0 &&
		    (list[n] == ' ' || list[n] == '\0'))
			return (1);
		while (*list != ' ' && *list != '\0')
			list++;
	}
	return (0);
}

/* The server's first line, which must start with OK. */
static int
st_greeting(struct st *s, const char *ok)
{
	if (st_read_line(s) == -1)
		return (-1);
	if (strncasecmp(s->line, ok, strlen(ok)) != 0)
		return (st_refused(s, "refused the session"));
	return (0);
}

static int
st_imap(struct st *s)
{
	int	has = 0;

	if (st_greeting(s, "* OK") == -1)
		return (-1);
	if (st_send(s, "a1 CAPABILITY") == -1)
		return (-1);
	for (;;) {
		if (st_read_line(s) == -1)
			return (-1);
		if (strncasecmp(s->line, "* CAPABILITY ", 13) == 0 &&
		    st_has_word(s->line + 13, "STARTTLS"))
			has = 1;
		if (strncmp(s->line, "a1 ", 3) == 0)
			break;
	}
	if (strncasecmp(s->line, "a1 OK", 5) != 0)
		return (st_refused(s, "refused CAPABILITY"));
	if (!has) {
		err_set(s->err, "imap server does not offer STARTTLS");
		return (-1);
	}
	if (st_send(s, "a2 STARTTLS") == -1)
		return (-1);
	do
		if (st_read_line(s) == -1)
			return (-1);
	while (strncmp(s->line, "a2 ", 3) != 0);
	if (strncasecmp(s->line, "a2 OK", 5) != 0)
		return (st_refused(s, "refused STARTTLS"));
	return (0);
}

static int
st_pop3(struct st *s)
{
	int	has = 0;

	if (st_greeting(s, "+OK") == -1)
		return (-1);
	if (st_send(s, "CAPA") == -1 || st_read_line(s) == -1)
		return (-1);
	if (strncmp(s->line, "+OK", 3) == 0) {
		for (;;) {
			if (st_read_line(s) == -1)
				return (-1);
			if (strcmp(s->line, ".") == 0)
				break;
			if (strcasecmp(s->line, "STLS") == 0)
				has = 1;
		}
	}
	if (!has) {
		err_set(s->err, "pop3 server does not offer STLS");
		return (-1);
	}
	if (st_send(s, "STLS") == -1 || st_read_line(s) == -1)
		return (-1);
	if (strncmp(s->line, "+OK", 3) != 0)
		return (st_refused(s, "refused STLS"));
	return (0);
}

int
starttls_run(const char *proto, int fd, long long deadline,
    struct trace_conn *tc, struct sk_err *err)
{
	struct st	s;

	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.deadline = deadline;
	s.proto = proto;
	s.err = err;
	s.tc = tc;
	if (strcmp(proto, "smtp") == 0)
		return (st_smtp(&s));
	if (strcmp(proto, "imap") == 0)
		return (st_imap(&s));
	if (strcmp(proto, "pop3") == 0)
		return (st_pop3(&s));
	return (st_ftp(&s));
}
