/*
 * The access-control options every server shares (--allow, --deny,
 * --allowfile, --denyfile): one struct that each server's options struct
 * embeds, the table block that fills it, and aclopt_load(), which turns
 * them into the struct acl (acl.h) the server checks each client against.
 */
#ifndef ACL_OPT_H
#define ACL_OPT_H

#include "acl.h"
#include "log.h"
#include "opt.h"

struct acl_opts {
	struct opt_list	 allow;		/* --allow SPEC */
	struct opt_list	 deny;		/* --deny SPEC */
	struct opt_list	 allowfile;	/* --allowfile FILE */
	struct opt_list	 denyfile;	/* --denyfile FILE */
};

/* An allow or deny file larger than this is refused, not read. */
#define ACLOPT_FILE_MAX	(16 * 1024 * 1024)

#define OPT__ACL(st, f) \
	OPT_LIST_(0, "allow", st, f.allow, "SPEC", OPTK_SPEC, \
	    "let in only clients in SPEC (ADDRESS[/LEN])"), \
	OPT_LIST_(0, "deny", st, f.deny, "SPEC", OPTK_SPEC, \
	    "refuse clients in SPEC (wins over --allow)"), \
	OPT_LIST_(0, "allowfile", st, f.allowfile, "FILE", OPTK_FILE, \
	    "--allow each SPEC in FILE (# comments)"), \
	OPT_LIST_(0, "denyfile", st, f.denyfile, "FILE", OPTK_FILE, \
	    "--deny each SPEC in FILE (# comments)")

/* The first of the four options given, as "--allow", or NULL. */
const char *aclopt_first(const struct acl_opts *);

/*
 * Builds *a (zeroed here) from the options, reading each file whole.  A
 * bad SPEC or an unreadable file is a usage error: -1 with the message
 * naming it, and *a freed.
 */
int	aclopt_load(const struct acl_opts *, struct acl *, struct sk_err *);

#endif /* ACL_OPT_H */
