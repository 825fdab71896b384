/*
 * The chat room's slash commands: one table of { name, usage, help,
 * handler } that drives both the dispatch of a line starting with '/'
 * and the /help reply, so a command cannot be missing from /help nor
 * /help name one that does not exist.
 */
#include "config.h"

#include <sys/queue.h>

#include <string.h>

#include "buf.h"
#include "chat-room.h"
#include "log.h"
#include "text.h"

/*
 * What a handler made of its arguments: ROOM_CMD_DONE when it acted on
 * them (a refusal it explained to the sender included), ROOM_CMD_USAGE
 * when they do not fit its usage, which the sender is then shown.
 */
enum room_cmd_result {
	ROOM_CMD_DONE,
	ROOM_CMD_USAGE
};

/* arg is what follows the command's name, without the spaces around it. */
typedef enum room_cmd_result room_cmd_fn(struct client *, const char *,
    size_t);

struct room_cmd {
	const char	*name;		/* "/nick" */
	const char	*usage;		/* "/nick NAME", in /help and usage */
	const char	*help;
	room_cmd_fn	*handler;
};

static room_cmd_fn	room_cmd_nick, room_cmd_who, room_cmd_me,
			room_cmd_msg, room_cmd_quit, room_cmd_help;

/* In the order /help lists them. */
static const struct room_cmd room_cmds[] = {
	{ "/nick", "/nick NAME", "change your name (letters, digits, - and _)",
	    room_cmd_nick },
	{ "/who", "/who", "list who is here", room_cmd_who },
	{ "/me", "/me TEXT", "say TEXT as an action", room_cmd_me },
	{ "/msg", "/msg NICK TEXT", "send TEXT to NICK only", room_cmd_msg },
	{ "/quit", "/quit", "leave the room", room_cmd_quit },
	{ "/help", "/help", "show this help", room_cmd_help }
};

#define NCMDS	(sizeof(room_cmds) / sizeof(room_cmds[0]))

/* Splits "WORD REST": returns WORD's length, *rest after the spaces. */
static size_t
room_cmd_split(const char *p, size_t len, const char **rest, size_t *restlen)
{
	size_t	n = 0;

	while (n < len && p[n] != ' ')
		n++;
	*rest = p + n;
	*restlen = len - n;
	while (*restlen > 0 && **rest == ' ') {
		(*rest)++;
		(*restlen)--;
	}
	return (n);
}

static enum room_cmd_result
room_cmd_nick(struct client *c, const char *arg, size_t len)
{
	struct room	*r = c->room;
	struct client	*other;

	if (len == 0)
		return (ROOM_CMD_USAGE);
	if (!text_valid_nick(arg, len)) {
		room_sendf(c, "* invalid nick: use 1 to %d letters, digits, "
		    "- or _", TEXT_NICK_MAX);
		return (ROOM_CMD_DONE);
	}
	if ((other = room_find_nick(r, arg, len)) != NULL) {
		if (other != c)
			room_sendf(c, "* nick %.*s is taken", (int)len, arg);
		return (ROOM_CMD_DONE);
	}
	room_broadcastf(r, NULL, "* %s is now known as %.*s", c->nick,
	    (int)len, arg);
	log_verbose(1, "%s is now known as %.*s", c->nick, (int)len, arg);
	memcpy(c->nick, arg, len);
	c->nick[len] = '\0';
	return (ROOM_CMD_DONE);
}

static enum room_cmd_result
room_cmd_who(struct client *c, const char *arg, size_t len)
{
	struct room	*r = c->room;
	struct buf	*b = &r->who;
	struct client	*o;
	int		 first = 1;

	(void)arg;
	(void)len;
	b->len = 0;
	if (buf_add(b, "* users:", 8) == -1)
		return (ROOM_CMD_DONE);
	TAILQ_FOREACH(o, &r->clients, entry) {
		if (o->dead || o->gone)
			continue;
		if (buf_printf(b, "%s%s", first ? " " : ", ", o->nick) == -1)
			return (ROOM_CMD_DONE);
		first = 0;
	}
	room_send_line(c, b->p, b->len);
	return (ROOM_CMD_DONE);
}

static enum room_cmd_result
room_cmd_me(struct client *c, const char *arg, size_t len)
{
	if (len == 0)
		return (ROOM_CMD_USAGE);
	room_broadcastf(c->room, NULL, "* %s %.*s", c->nick, (int)len, arg);
	return (ROOM_CMD_DONE);
}

static enum room_cmd_result
room_cmd_msg(struct client *c, const char *arg, size_t len)
{
	struct client	*to;
	const char	*text;
	size_t		 nicklen, textlen;

	nicklen = room_cmd_split(arg, len, &text, &textlen);
	if (nicklen == 0 || textlen == 0)
		return (ROOM_CMD_USAGE);
	if ((to = room_find_nick(c->room, arg, nicklen)) == NULL)
		room_sendf(c, "* no such user: %.*s", (int)nicklen, arg);
	else
		room_sendf(to, "*%s* %.*s", c->nick, (int)textlen, text);
	return (ROOM_CMD_DONE);
}

static enum room_cmd_result
room_cmd_quit(struct client *c, const char *arg, size_t len)
{
	(void)arg;
	(void)len;
	room_close_client(c, NULL);
	return (ROOM_CMD_DONE);
}

/*
 * The descriptions start in one column, two spaces at least after a
 * usage: "*   /who         list who is here".
 */
static enum room_cmd_result
room_cmd_help(struct client *c, const char *arg, size_t len)
{
	size_t	i;

	(void)arg;
	(void)len;
	room_sendf(c, "* commands:");
	for (i = 0; i < NCMDS; i++)
		room_sendf(c, "*   %-11s  %s", room_cmds[i].usage,
		    room_cmds[i].help);
	return (ROOM_CMD_DONE);
}

/* Acts on one cleaned line that starts with '/'. */
void
room_command(struct client *c, const char *p, size_t len)
{
	const struct room_cmd *cmd;
	const char	*arg;
	size_t		 namelen, arglen, i;

	namelen = room_cmd_split(p, len, &arg, &arglen);
	/* Trailing spaces are not part of an argument. */
	while (arglen > 0 && arg[arglen - 1] == ' ')
		arglen--;
	for (i = 0; i < NCMDS; i++) {
		cmd = &room_cmds[i];
		if (strlen(cmd->name) != namelen ||
		    memcmp(cmd->name, p, namelen) != 0)
			continue;
		if (cmd->handler(c, arg, arglen) == ROOM_CMD_USAGE)
			room_sendf(c, "* usage: %s", cmd->usage);
		return;
	}
	room_sendf(c, "* unknown command %.*s; try /help", (int)namelen, p);
}
