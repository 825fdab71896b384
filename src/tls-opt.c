/*
 * The --tls options shared by every command that speaks TLS: their usage
 * checks, and the TLS context they describe (see tls-opt.h).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "tls-opt.h"
#include "tls.h"

const char *const tlsopt_versions[] = { "1.2", "1.3", NULL };

/* The first option of each kind that was given, by its name. */
static const char *
tlsopt_first(const struct tls_opts *o, int client, int server)
{
	if (o->cert != NULL)
		return ("--tls-cert");
	if (o->key != NULL)
		return ("--tls-key");
	if (o->alpn != NULL)
		return ("--tls-alpn");
	if (o->min != NULL)
		return ("--tls-min");
	if (client) {
		if (o->ca != NULL)
			return ("--tls-ca");
		if (o->name != NULL)
			return ("--tls-name");
		if (o->pin != NULL)
			return ("--tls-pin");
		if (o->insecure)
			return ("--insecure");
	}
	if (server && o->client_ca != NULL)
		return ("--tls-client-ca");
	return (NULL);
}

int
tlsopt_check(const struct tls_opts *o, int role, struct sk_err *err)
{
	unsigned char	 pin[TLS_PIN_LEN];
	struct sk_err	 why;
	const char	*name;

#ifndef HAVE_TLS
	name = o->tls ? "--tls" : tlsopt_first(o, 1, 1);
	if (name != NULL) {
		err_set(err, "option '%s' needs TLS, which this sockctl was "
		    "built without", name);
		return (-1);
	}
	return (0);
#endif
	if (!o->tls) {
		if ((name = tlsopt_first(o, 1, 1)) == NULL)
			return (0);
		err_set(err, "option '%s' needs --tls", name);
		return (-1);
	}
	if (role == TLSOPT_SERVER &&
	    (name = tlsopt_first(&(struct tls_opts){ .ca = o->ca,
	    .name = o->name, .pin = o->pin, .insecure = o->insecure },
	    1, 0)) != NULL) {
		err_set(err, "option '%s' is for TLS clients", name);
		return (-1);
	}
	if (role == TLSOPT_CLIENT && o->client_ca != NULL) {
		err_set(err, "option '--tls-client-ca' is for TLS servers");
		return (-1);
	}
	if (o->key != NULL && o->cert == NULL) {
		err_set(err, "option '--tls-key' needs --tls-cert");
		return (-1);
	}
	if (o->pin != NULL && o->insecure) {
		err_set(err, "--tls-pin and --insecure cannot be used "
		    "together");
		return (-1);
	}
	if (o->pin != NULL && tls_pin_parse(o->pin, pin, &why) == -1) {
		err_set(err, "invalid pin '%s': %s", o->pin, why.msg);
		return (-1);
	}
	if (o->alpn != NULL && tls_alpn_check(o->alpn, &why) == -1) {
		err_set(err, "invalid value '%s' for --tls-alpn: %s", o->alpn,
		    why.msg);
		return (-1);
	}
	return (0);
}

struct tls_ctx *
tlsopt_ctx(const struct tls_opts *o, int role, struct sk_err *err)
{
#ifdef HAVE_TLS
	struct tls_config	 cf;
	struct tls_ctx		*ctx;
	const char		*pin;

	memset(&cf, 0, sizeof(cf));
	cf.role = role == TLSOPT_SERVER ? TLS_SERVER : TLS_CLIENT;
	cf.cert_file = o->cert;
	cf.key_file = o->key;
	cf.alpn = o->alpn;
	if (o->min != NULL &&
	    tls_version_parse(o->min, &cf.min_version, err) == -1)
		return (NULL);
	if (role == TLSOPT_SERVER)
		cf.client_ca = o->client_ca;
	else {
		cf.ca = o->ca;
		cf.name = o->name;
		cf.pin = o->pin;
		cf.insecure = o->insecure;
	}
	if ((ctx = tls_ctx_new(&cf, err)) == NULL)
		return (NULL);
	/* Always said, not only with -v: it is what a client pins. */
	if ((pin = tls_ctx_selfsigned_pin(ctx)) != NULL) {
		fprintf(stderr, "tls: self-signed certificate %s\n", pin);
		fflush(stderr);
	}
	return (ctx);
#else
	(void)o;
	(void)role;
	err_set(err, "TLS is not built in");
	return (NULL);
#endif
}
