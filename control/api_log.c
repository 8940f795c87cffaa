/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log lines of the REST server: its own (api_log, to the api_conf log callback) and
 * libmicrohttpd's (malformed requests, socket errors, TLS setup), which go the same way at
 * API_LOG_INFO. Neither bodies nor tokens ever reach here; the request strings in
 * api_serve.c's lines are made printable and cut there. The api_poll thread only.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "api_priv.h"

void
api_log(const struct api *a, enum api_log_level level, const char *fmt, ...)
{
	char msg[API_LOG_MAX];
	va_list ap;

	if (a->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	a->log(a->log_arg, level, msg);
}

/* libmicrohttpd's own messages (malformed requests, socket errors, TLS setup). */
void
api_log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct api *a = cls;
	char msg[API_LOG_MAX];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	/* While starting, the first message is the cause; the ones after are consequences. */
	if (a->mhd == NULL && a->mhd_error[0] == '\0')
		snprintf(a->mhd_error, sizeof(a->mhd_error), "%s", msg);
	api_log(a, API_LOG_INFO, "libmicrohttpd: %s", msg);
}
