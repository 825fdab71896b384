/*
 * serve-http's access log: one line per response, in the combined log
 * format with --access-log, or a short line on stderr with -v.  Request
 * fields come from the network and are escaped before they are written.
 */
/* strvisx(3) is the same in both; pick one to silence libbsd's warning. */
#include "config.h"

#define LIBBSD_OPENBSD_VIS

#include <sys/types.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vis.h>

#include "buf.h"
#include "http.h"
#include "httpd-int.h"
#include "log.h"

/* Untrusted text for the log: quotes, backslashes and controls escaped. */
static int
httpd_log_field(struct buf *b, const struct http_str *v)
{
	char	*tmp;

	if (v->len == 0)
		return (buf_addc(b, '-'));
	if ((tmp = malloc(v->len * 4 + 1)) == NULL)
		return (-1);
	strvisx(tmp, v->p, v->len, VIS_CSTYLE | VIS_OCTAL | VIS_DQ |
	    VIS_TAB | VIS_NL);
	if (buf_add(b, tmp, strlen(tmp)) == -1) {
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

void
httpd_log_request(struct conn *c, const struct http_request *r, int status,
    off_t bytes)
{
	struct server	*s = c->srv;
	struct buf	 b = { 0 };
	struct http_str	 none = { "", 0 };
	struct tm	 tm;
	char		 when[64];
	time_t		 t;

	if (s->logfd < 0) {
		/* Without --access-log, -v gives one short line per request. */
		if (log_verbosity < 1)
			return;
		if (buf_printf(&b, "%s \"", c->peer) == -1 ||
		    httpd_log_field(&b, r != NULL ? &r->line : &none) == -1 ||
		    buf_printf(&b, "\" %d %lld", status,
		    (long long)bytes) == -1 || buf_addc(&b, '\0') == -1) {
			buf_free(&b);
			return;
		}
		log_verbose(1, "%s", b.p);
		buf_free(&b);
		return;
	}
	t = time(NULL);
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
	if (buf_printf(&b, "%s - - [%s] \"", c->peer, when) == -1 ||
	    httpd_log_field(&b, r != NULL ? &r->line : &none) == -1 ||
	    buf_printf(&b, "\" %d ", status) == -1 ||
	    (bytes > 0 ? buf_printf(&b, "%lld", (long long)bytes) :
	    buf_addc(&b, '-')) == -1 ||
	    buf_add(&b, " \"", 2) == -1 ||
	    httpd_log_field(&b, r != NULL ? &r->referer : &none) == -1 ||
	    buf_add(&b, "\" \"", 3) == -1 ||
	    httpd_log_field(&b, r != NULL ? &r->user_agent : &none) == -1 ||
	    buf_add(&b, "\"\n", 2) == -1) {
		buf_free(&b);
		return;
	}
	(void)write(s->logfd, b.p, b.len);
	buf_free(&b);
}

/*
 * A response that is finished on a later loop turn (a listing) logs the
 * request when done, from a copy: the request's bytes are gone by then.
 */
void
httpd_log_later(struct conn *c, const struct http_request *r)
{
	size_t	n = r->line.len + r->referer.len + r->user_agent.len;
	char	*p;

	free(c->logcopy);
	memset(&c->logreq, 0, sizeof(c->logreq));
	if ((c->logcopy = p = malloc(n + 1)) == NULL)
		return;
	memcpy(p, r->line.p, r->line.len);
	c->logreq.line.p = p;
	c->logreq.line.len = r->line.len;
	p += r->line.len;
	if (r->referer.len > 0)
		memcpy(p, r->referer.p, r->referer.len);
	c->logreq.referer.p = p;
	c->logreq.referer.len = r->referer.len;
	p += r->referer.len;
	if (r->user_agent.len > 0)
		memcpy(p, r->user_agent.p, r->user_agent.len);
	c->logreq.user_agent.p = p;
	c->logreq.user_agent.len = r->user_agent.len;
}

void
httpd_log_finish(struct conn *c, int status, off_t bytes)
{
	httpd_log_request(c, c->logcopy != NULL ? &c->logreq : NULL, status,
	    bytes);
	free(c->logcopy);
	c->logcopy = NULL;
}
