/*
 * The command table: each command file exports one struct cmd_entry that
 * names the command, its usage, its option table and its options struct.
 */
#ifndef CMD_H
#define CMD_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "opt.h"

struct cmd_entry {
	const char	*name;
	const char	*summary;	/* one line for the top-level help */
	const char	*usage;		/* lines after "sockctl NAME ", '\n' apart */
	const char	*description;
	const struct opt *options;
	size_t		 optsize;	/* size of the options struct */
	/* State that is no option's, after the table's defaults; or NULL. */
	void		(*init)(void *);
	int		(*exec)(void *, int, char **);	/* exit status */
};

extern const struct cmd_entry cmd_listen_entry;
extern const struct cmd_entry cmd_connect_entry;
extern const struct cmd_entry cmd_udp_send_entry;
extern const struct cmd_entry cmd_udp_recv_entry;
extern const struct cmd_entry cmd_serve_http_entry;
extern const struct cmd_entry cmd_chat_entry;
extern const struct cmd_entry cmd_forward_entry;
extern const struct cmd_entry cmd_proxy_entry;

int	cmd_main(int, char **);
void	cmd_print_top_help(FILE *);
int	cmd_missing(const char *, int, char **);
/* These return 0, or -1 with the usage error in the struct sk_err. */
int	cmd_parse_bind(int, char **, char *, size_t, const char **, int *,
	    struct sk_err *);
int	cmd_parse_target(int, char **, int, char *, size_t, int *,
	    struct sk_err *);
int	cmd_parse_unix(int, char **, struct sk_err *);
int	cmd_check_dir(const char *, struct sk_err *);

#endif /* CMD_H */
