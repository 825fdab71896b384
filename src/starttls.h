/*
 * connect --starttls: the plain-text preamble of SMTP, IMAP, POP3 and FTP
 * up to the point where the server expects the TLS handshake.
 */
#ifndef STARTTLS_H
#define STARTTLS_H

#include "log.h"

struct trace_conn;

extern const char *const starttls_protos[];

/*
 * Speaks PROTO (one of starttls_protos) on the connected socket FD until
 * DEADLINE (clock_ms(); -1: none): greeting, capability check, upgrade
 * command.  Each line is shown with -v, and traced on TC (NULL: not
 * traced).  0, or -1 with one line, such as "smtp server does not offer
 * STARTTLS".
 */
int	starttls_run(const char *, int, long long, struct trace_conn *,
	    struct sk_err *);

#endif /* STARTTLS_H */
