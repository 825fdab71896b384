/*
 * sockctl udp-send and udp-recv: datagrams.  Not built yet; the entries
 * reserve the names so the command table is complete.
 */
#include "cmd.h"

const struct cmd_entry cmd_udp_send_entry = {
	.name = "udp-send",
	.summary = "send UDP datagrams",
	.usage = "[OPTIONS] HOST PORT [MESSAGE...]",
	.description = "Send datagrams: the MESSAGE arguments, or stdin line "
	    "by line.",
	.exec = cmd_not_implemented
};

const struct cmd_entry cmd_udp_recv_entry = {
	.name = "udp-recv",
	.summary = "receive and print UDP datagrams",
	.usage = "[OPTIONS] [ADDRESS] PORT",
	.description = "Bind a UDP port and print each datagram it receives.",
	.exec = cmd_not_implemented
};
