/*
 * The chat client.  On pipes it is a plain line pipe for scripts: stdin
 * lines go to the room, what arrives goes to stdout.  On a terminal it
 * edits the input line itself (non-canonical mode), so that a line that
 * arrives while someone is typing is printed above the prompt and the
 * partial input is drawn again below it, instead of being garbled.
 *
 * The input row never wraps: a line wider than the terminal scrolls
 * horizontally, as in readline's horizontal-scroll-mode (its tail is
 * shown after a '<'), so every redraw is "carriage return, the row, clear
 * to the end of the line" and leaves no stale row behind.  A line that is
 * sent is printed whole (the terminal wraps it) and stays on screen.  On
 * SIGWINCH the row is drawn again for the new width; a terminal that
 * reflowed the old row over several rows (tmux, VTE, kitty do) has those
 * rows cleared first.
 *
 * Joining a TLS room, the socket is non-blocking and TLS says what to
 * wait for; what TLS already read from the socket is shown before
 * polling again (poll would not wake for it).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "buf.h"
#include "chat.h"
#include "connio.h"
#include "io.h"
#include "log.h"
#include "text.h"
#include "tls.h"

#define PROMPT	"> "
#define PROMPT_COLS	2
#define NET_LINE_MAX	65536	/* shown in pieces past this */
#define SEND_ERR_MS	2000	/* after a failed send, the room's last words */

/* Terminal state restored on every exit path, signals included. */
static struct termios	saved_tio;
static volatile sig_atomic_t tio_saved;

/*
 * SIGWINCH is blocked except inside ppoll(), so a resize is never missed
 * between the check of the flag and the wait.
 */
static volatile sig_atomic_t winch;
static sigset_t		poll_mask;

static void
on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

/* The terminal's width, or 80 if it does not say. */
static size_t
tty_cols(void)
{
	struct winsize	ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == -1 || ws.ws_col == 0)
		return (80);
	return (ws.ws_col);
}

static void
tty_restore(void)
{
	if (tio_saved)
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
}

static void
tty_on_signal(int sig)
{
	tty_restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
tty_setup(void)
{
	struct termios	 t;
	struct sigaction sa;
	sigset_t	 block;

	if (tcgetattr(STDIN_FILENO, &saved_tio) == -1)
		return (-1);
	t = saved_tio;
	t.c_lflag &= ~(ICANON | ECHO);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == -1)
		return (-1);
	tio_saved = 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tty_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_winch;
	sigaction(SIGWINCH, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &block, &poll_mask) == -1)
		return (-1);
	sigdelset(&poll_mask, SIGWINCH);
	return (0);
}

struct client {
	int		 fd;
	int		 tty;
	int		 stdin_done;	/* EOF or /quit: leaving */
	int		 quit_sent;
	struct buf	 in;		/* stdin bytes not yet a whole line */
	struct buf	 net;		/* received, not yet a whole line */
	struct buf	 screen;
	size_t		 cols;		/* the terminal's width */
	size_t		 drawn;		/* columns the input row takes */
	int		 esc;		/* inside a terminal escape sequence */
	int		 got_any;	/* the room has said something */
	int		 full;		/* ...and it was "* room is full" */
	int		 send_err;	/* errno of a failed send, or 0 */
	struct tls	*tls;		/* a TLS room; NULL: plain */
	short		 tls_events;	/* what TLS waits for to read */
};

/* Waits for what TLS asked; -1 if poll fails. */
static int
join_tls_wait(struct client *c, ssize_t want)
{
	struct pollfd	pfd;

	pfd.fd = c->fd;
	pfd.events = want == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
	if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
		return (-1);
	return (0);
}

/* All of P to the room; -1 with errno set. */
static int
join_write(struct client *c, const char *p, size_t len)
{
	struct sk_err	err;
	ssize_t		n;

	if (c->tls == NULL)
		return (io_write_all(c->fd, p, len));
	while (len > 0) {
		n = tls_write(c->tls, p, len, &err);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
		} else if (n != TLS_WANT_POLLIN && n != TLS_WANT_POLLOUT) {
			errno = EPIPE;
			return (-1);
		} else if (join_tls_wait(c, n) == -1)
			return (-1);
	}
	return (0);
}

/* Leaving: our end of stream (TLS: close_notify first). */
static void
join_shutdown(struct client *c)
{
	struct sk_err	err;
	int		r;

	while (c->tls != NULL && ((r = tls_close_notify(c->tls, &err)) ==
	    TLS_WANT_POLLIN || r == TLS_WANT_POLLOUT))
		if (join_tls_wait(c, r) == -1)
			break;
	(void)shutdown(c->fd, SHUT_WR);
}

/* Reads from the room: as read(2), but a TLS error is in ERR. */
static ssize_t
join_read(struct client *c, char *p, size_t len, struct sk_err *err)
{
	ssize_t	n;

	c->tls_events = POLLIN;
	if (c->tls == NULL)
		return (read(c->fd, p, len));
	n = tls_read(c->tls, p, len, err);
	if (n == TLS_WANT_POLLIN || n == TLS_WANT_POLLOUT) {
		c->tls_events = n == TLS_WANT_POLLIN ? POLLIN : POLLOUT;
		errno = EINTR;	/* nothing yet: poll again */
		return (-1);
	}
	/* The room dropping TCP without close_notify is its end too. */
	if (n == TLS_TRUNCATED)
		return (0);
	if (n == TLS_ERROR) {
		errno = EPROTO;
		return (-1);
	}
	return (n);
}

/*
 * Sends one line; notices a typed /quit.  A failed send ends the input
 * but is not reported yet: the room may have said why it closed (a full
 * room does), and that is read and shown first.
 */
static void
client_send_line(struct client *c, const char *p, size_t len)
{
	if (c->send_err != 0)
		return;
	/* The room takes "/quit" with any text after it as well. */
	if (len >= 5 && memcmp(p, "/quit", 5) == 0 &&
	    (len == 5 || p[5] == ' '))
		c->quit_sent = 1;
	if (join_write(c, p, len) == -1 ||
	    join_write(c, "\n", 1) == -1) {
		c->send_err = errno;
		c->stdin_done = 1;
	}
}

/*
 * Appends the input row, from its first column: the prompt and as much of
 * the input's tail as fits, after a '<' if the head is out of view.  The
 * last column stays free, so the cursor never waits there to wrap.
 */
static int
input_row(struct client *c, struct buf *s)
{
	size_t	avail, start, width;

	avail = c->cols > PROMPT_COLS + 2 ? c->cols - PROMPT_COLS - 1 : 1;
	if (buf_add(s, PROMPT, PROMPT_COLS) == -1)
		return (-1);
	c->drawn = PROMPT_COLS;
	start = text_tail(c->in.p, c->in.len, avail, &width);
	if (start > 0) {
		start = text_tail(c->in.p, c->in.len, avail - 1, &width);
		if (buf_addc(s, '<') == -1)
			return (-1);
		c->drawn++;
	}
	c->drawn += width;
	return (text_display(s, c->in.p + start, c->in.len - start));
}

static void
redraw(struct client *c)
{
	struct buf	*s = &c->screen;

	s->len = 0;
	if (buf_addc(s, '\r') == -1 || input_row(c, s) == -1 ||
	    buf_add(s, "\033[K", 3) == -1)
		return;
	(void)io_write_all(STDOUT_FILENO, s->p, s->len);
}

/*
 * After a resize.  A terminal that reflows (tmux, VTE, kitty) has spread
 * an input row wider than the new width over several rows, the cursor on
 * the last: go up to the first, clear to the end of the screen, draw.
 */
static void
tty_resize(struct client *c)
{
	struct buf	*s = &c->screen;
	size_t		 cols, up;

	winch = 0;
	cols = tty_cols();
	up = c->drawn > 0 ? (c->drawn - 1) / cols : 0;
	s->len = 0;
	if (up > 0 && buf_printf(s, "\033[%zuA", up) == -1)
		return;
	c->cols = cols;
	if (buf_add(s, "\r\033[J", 4) == -1 || input_row(c, s) == -1)
		return;
	(void)io_write_all(STDOUT_FILENO, s->p, s->len);
}

/* Enter: the whole line stays on screen, wrapped by the terminal. */
static void
tty_sent(struct client *c)
{
	struct buf	*s = &c->screen;

	s->len = 0;
	if (buf_add(s, "\r\033[K" PROMPT, 4 + PROMPT_COLS) == -1 ||
	    text_display(s, c->in.p, c->in.len) == -1 ||
	    buf_add(s, "\r\n", 2) == -1)
		return;
	(void)io_write_all(STDOUT_FILENO, s->p, s->len);
	c->drawn = 0;
}

/* Terminal mode: one key at a time. */
static int
tty_key(struct client *c, unsigned char k)
{
	size_t	n;

	if (c->esc) {
		/* Skip CSI sequences such as the arrow keys. */
		if (c->esc == 1 && k == '[')
			c->esc = 2;
		else if (c->esc == 1 || (k >= 0x40 && k <= 0x7e))
			c->esc = 0;
		return (0);
	}
	switch (k) {
	case '\r':
	case '\n':
		/* What you sent stays on screen; the room does not echo it. */
		tty_sent(c);
		if (c->in.len > 0)
			client_send_line(c, c->in.p, c->in.len);
		if (c->quit_sent || c->send_err != 0) {
			c->stdin_done = 1;
			c->in.len = 0;
			return (0);
		}
		c->in.len = 0;
		break;
	case 0x7f:
	case '\b':
		while (c->in.len > 0 &&
		    ((unsigned char)c->in.p[--c->in.len] & 0xc0) == 0x80)
			;
		break;
	case 0x15:		/* ^U */
		c->in.len = 0;
		break;
	case 0x17:		/* ^W */
		n = c->in.len;
		while (n > 0 && c->in.p[n - 1] == ' ')
			n--;
		while (n > 0 && c->in.p[n - 1] != ' ')
			n--;
		c->in.len = n;
		break;
	case 0x04:		/* ^D */
		if (c->in.len == 0)
			c->stdin_done = 1;
		break;
	case 0x1b:
		c->esc = 1;
		break;
	default:
		if (k < 0x20 && k != '\t')
			break;
		if (c->in.len >= 4096)
			break;
		if (buf_addc(&c->in, k) == -1)
			return (-1);
		break;
	}
	if (!c->stdin_done)
		redraw(c);
	return (0);
}

/* Reads stdin and sends what is whole; -1 if stdin fails. */
static int
read_stdin(struct client *c)
{
	char	 chunk[65536], *p, *nl;
	ssize_t	 n, i;
	size_t	 left;

	n = read(STDIN_FILENO, chunk, sizeof(chunk));
	if (n == -1)
		return (errno == EINTR || errno == EAGAIN ? 0 : -1);
	if (n == 0) {
		if (!c->tty && c->in.len > 0)
			client_send_line(c, c->in.p, c->in.len);
		c->in.len = 0;
		c->stdin_done = 1;
		return (0);
	}
	if (c->tty) {
		for (i = 0; i < n && !c->stdin_done; i++)
			if (tty_key(c, (unsigned char)chunk[i]) == -1)
				return (-1);
		return (0);
	}
	if (buf_add(&c->in, chunk, (size_t)n) == -1)
		return (-1);
	p = c->in.p;
	left = c->in.len;
	while (!c->stdin_done && !c->quit_sent &&
	    (nl = memchr(p, '\n', left)) != NULL) {
		client_send_line(c, p, (size_t)(nl - p));
		left -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	if (c->stdin_done || c->quit_sent) {
		c->stdin_done = 1;
		left = 0;
	}
	memmove(c->in.p, p, left);
	c->in.len = left;
	return (0);
}

/*
 * Prints what the room sent.  On a terminal, whole lines are printed
 * above the prompt as text_display() draws them (control characters
 * removed); on a pipe, bytes pass through as they are.
 */
static int
show(struct client *c, const char *p, size_t len)
{
	struct buf	*s = &c->screen;
	char		*nl;
	size_t		 n, left;

	if (!c->got_any) {
		c->got_any = 1;
		c->full = len >= 15 && memcmp(p, "* room is full\n", 15) == 0;
	}
	if (!c->tty)
		return (io_write_all(STDOUT_FILENO, p, len));
	if (buf_add(&c->net, p, len) == -1)
		return (-1);
	s->len = 0;
	if (buf_add(s, "\r\033[K", 4) == -1)
		return (-1);
	p = c->net.p;
	left = c->net.len;
	for (;;) {
		/* A room that never ends its line does not fill memory. */
		if ((nl = memchr(p, '\n', left)) == NULL &&
		    left <= NET_LINE_MAX)
			break;
		n = nl != NULL ? (size_t)(nl - p) : left;
		if (text_display(s, p, n) == -1 || buf_add(s, "\r\n", 2) == -1)
			return (-1);
		if (nl != NULL)
			n++;
		left -= n;
		p += n;
	}
	memmove(c->net.p, p, left);
	c->net.len = left;
	if (input_row(c, s) == -1 || buf_add(s, "\033[K", 3) == -1)
		return (-1);
	return (io_write_all(STDOUT_FILENO, s->p, s->len));
}

/* What one turn of the client's loop came to. */
enum client_step {
	CLIENT_MORE,		/* go on */
	CLIENT_DONE,		/* left, or stdout closed under it */
	CLIENT_FAILED		/* err says why */
};

/* Reads what the room sent and shows it, or ends at its EOF. */
static enum client_step
client_from_room(struct client *c, struct sk_err *err)
{
	struct sk_err	tlserr;
	char		chunk[65536];
	ssize_t		n;

	n = join_read(c, chunk, sizeof(chunk), &tlserr);
	if (n == -1 && errno == EINTR)
		return (CLIENT_MORE);
	if (n > 0) {
		if (show(c, chunk, (size_t)n) == 0)
			return (CLIENT_MORE);
		if (errno == EPIPE)
			return (CLIENT_DONE);
		err_set(err, "write to stdout: %s", strerror(errno));
		return (CLIENT_FAILED);
	}
	if (c->tty)
		(void)io_write_all(STDOUT_FILENO, "\r\033[K", 4);
	if (c->full) {
		err_set(err, "the room is full");
		return (CLIENT_FAILED);
	}
	if (n == 0 && c->stdin_done && c->send_err == 0)
		return (CLIENT_DONE);
	err_set(err, "the room closed the connection%s%s",
	    n == -1 ? ": " : "", n == -1 ? (errno == EPROTO ? tlserr.msg :
	    strerror(errno)) : "");
	return (CLIENT_FAILED);
}

/* Waits for the room or stdin, and acts on what is ready. */
static enum client_step
client_turn(struct client *c, struct sk_err *err)
{
	struct pollfd	 pfd[2];
	struct timespec	 bound;
	int		 nfd;

	if (c->tty && winch)
		tty_resize(c);
	if (c->tls != NULL && connio_pending(c->tls))
		return (client_from_room(c, err));
	bound.tv_sec = SEND_ERR_MS / 1000;
	bound.tv_nsec = (SEND_ERR_MS % 1000) * 1000000L;
	nfd = 0;
	pfd[nfd].fd = c->fd;
	pfd[nfd++].events = c->tls_events;
	if (!c->stdin_done) {
		pfd[nfd].fd = STDIN_FILENO;
		pfd[nfd++].events = POLLIN;
	}
	/*
	 * After a failed send the connection is dead and the room's last
	 * words are already here; the bound is for safety.
	 */
	if ((nfd = ppoll(pfd, (nfds_t)nfd, c->send_err != 0 ? &bound : NULL,
	    c->tty ? &poll_mask : NULL)) == -1) {
		if (errno == EINTR)
			return (CLIENT_MORE);
		err_set(err, "poll: %s", strerror(errno));
		return (CLIENT_FAILED);
	}
	if (nfd == 0) {
		err_set(err, "send: %s", strerror(c->send_err));
		return (CLIENT_FAILED);
	}
	if (!c->stdin_done && pfd[1].revents != 0) {
		if (read_stdin(c) == -1) {
			err_set(err, "read from stdin: %s", strerror(errno));
			return (CLIENT_FAILED);
		}
		/* Leaving: the room sees our EOF and closes. */
		if (c->stdin_done)
			join_shutdown(c);
	}
	if (pfd[0].revents == 0)
		return (CLIENT_MORE);
	return (client_from_room(c, err));
}

int
chat_client_run(const struct chat_client_conf *conf, struct sk_err *err)
{
	struct client	 c;
	struct buf	 nick;
	enum client_step step = CLIENT_FAILED;

	memset(&c, 0, sizeof(c));
	memset(&nick, 0, sizeof(nick));
	c.fd = conf->fd;
	c.tls = conf->tls;
	c.tls_events = POLLIN;
	c.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	if (c.tty && tty_setup() == -1)
		c.tty = 0;
	c.cols = c.tty ? tty_cols() : 80;
	if (conf->nick != NULL) {
		if (buf_printf(&nick, "/nick %s", conf->nick) == -1) {
			err_set(err, "%s", strerror(errno));
			goto out;
		}
		client_send_line(&c, nick.p, nick.len);
	}
	if (c.tty)
		redraw(&c);
	while ((step = client_turn(&c, err)) == CLIENT_MORE)
		;
out:
	tty_restore();
	buf_free(&nick);
	buf_free(&c.in);
	buf_free(&c.net);
	buf_free(&c.screen);
	return (step == CLIENT_DONE ? 0 : -1);
}
