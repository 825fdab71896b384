/*
 * sockctl chat: a line-based chat room and its client.  Not built yet; the
 * entry reserves the name so the command table is complete.
 */
#include "cmd.h"

const struct cmd_entry cmd_chat_entry = {
	.name = "chat",
	.summary = "run a chat room, or join one",
	.usage = "-l [OPTIONS] [ADDRESS] PORT\n[OPTIONS] HOST PORT",
	.description = "Run a chat room (-l) that speaks plain lines of UTF-8 "
	    "text, or join one.",
	.exec = cmd_not_implemented
};
