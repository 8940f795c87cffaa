/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the REST server only: the layout of struct api and the functions its files share.
 * Nothing outside control/api*.c includes this. Each file calls only files listed below it:
 *
 *   api.c          start (socket, tokens, TLS files, route table), poll, reload, stop
 *   api_serve.c    the request cycle: libmicrohttpd's access and completion callbacks,
 *                  refusals (400, 404, 405, 401, 403, 413, 500), bounded bodies, sending
 *   api_route.c    the route table: checks, lookup by path and method, Allow, GET /healthz
 *   api_reply.c    what a handler answers (api_reply_*, api_response_*)
 *   api_check.c    what is refused before routing: ambiguous framing, malformed header
 *                  fields, repeated query parameters; tokens and quoting for the others
 *   api_request.c  what a handler reads (api_request_*)
 *   api_log.c      log lines: the server's own and libmicrohttpd's
 *   api_auth.c     bearer tokens, api_errf (api_auth.h)
 *
 * Single-threaded like the server: the api_poll thread only.
 */
#ifndef TOLLGATE_API_PRIV_H
#define TOLLGATE_API_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "api.h"

#define API_LOG_MAX		512
#define API_SHOWN_MAX		128	/* characters of a request string quoted back */

struct api {
	struct MHD_Daemon *mhd;
	int port;
	unsigned int n_routes;
	struct api_route *routes;
	void *cookie;
	struct api_tokens *tokens;
	char *token_file;
	size_t max_body;
	char *tls_cert;		/* PEM text, kept for libmicrohttpd's lifetime */
	char *tls_key;
	size_t tls_key_len;
	api_log_fn log;
	void *log_arg;
	char mhd_error[API_LOG_MAX];	/* libmicrohttpd's first message while starting */
	struct api_counters counters;
};

enum api_check_result {
	API_CHECK_OK,
	API_CHECK_FRAMING,	/* the body's length is in doubt: 400, connection closed */
	API_CHECK_HEADER,	/* a malformed header field: 400, connection closed */
	API_CHECK_TARGET,	/* a NUL in the request target: 400, connection closed */
};

/*
 * api_check.c: the header fields of conn, checked as api_check.c's opening comment lists
 * (method and version as the access handler got them: they point into the head
 * libmicrohttpd parsed in place). API_CHECK_OK, or the kind of problem with detail (len
 * bytes) saying what was wrong, for a person; never quoting a field's value.
 */
enum api_check_result api_check_headers(struct MHD_Connection *conn, const char *method,
					const char *version, char *detail, size_t len);

/*
 * api_check.c: the request target, given the raw target's length as a C string and whether
 * it holds "%00" (both taken by the URI log callback before libmicrohttpd decoded it) and
 * the access handler's url and version: API_CHECK_OK, or API_CHECK_TARGET with detail when
 * a NUL byte, raw or %00, would cut the path or a parameter short.
 */
enum api_check_result api_check_target(const char *url, const char *version, size_t raw_len,
				       bool pct_nul, char *detail, size_t len);

/*
 * api_check.c: 0, or -EINVAL when a query parameter is given twice or has a NUL byte in
 * its name or value (detail says which; param gets its name, made printable), or -ENOMEM.
 */
/*
 * Offset of the first byte of NUL-terminated s that is not well-formed UTF-8 (no overlong
 * forms such as %c0%ae for '.', no surrogates, nothing past U+10FFFF), or -1 when all is.
 */
long api_check_utf8(const uint8_t *s);

int api_check_query(struct MHD_Connection *conn, char *detail, size_t len, char *param,
		    size_t param_len);

/* api_check.c: are s[0..len) one RFC 9110 token (a header field name)? */
bool api_check_token(const char *s, size_t len);

/*
 * api_check.c: s[0..len) quoted back in a problem or a log line: printable ASCII, '?' for
 * any other byte (a decoded %0A must not start a forged log line, and a problem detail must
 * be UTF-8), cut after API_SHOWN_MAX characters with "...". buf holds API_SHOWN_MAX + 4.
 */
const char *api_check_shown(const char *s, size_t len, char *buf);

/* api_log.c: one line to a->log (none without one), cut at API_LOG_MAX - 1 characters. */
void api_log(const struct api *a, enum api_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* api_log.c: MHD_OPTION_EXTERNAL_LOGGER (cls is the struct api). */
void api_log_mhd(void *cls, const char *fmt, va_list ap);

/*
 * api_route.c: routes[0..n) checked as api_start documents (err names the field), 0 or
 * -EINVAL.
 */
int api_route_check(const struct api_route *routes, unsigned int n, char *err, size_t errlen);

/*
 * api_route.c: a malloc'd copy of routes[0..n) followed by the built-in routes, their count
 * in *n_total; NULL when out of memory.
 */
struct api_route *api_route_table(const struct api_route *routes, unsigned int n,
				  unsigned int *n_total);

/*
 * api_route.c: the first route of routes[0..n) for path and method (HEAD finds GET), or
 * NULL; *path_known tells whether some route has the path.
 */
const struct api_route *api_route_find(const struct api_route *routes, unsigned int n,
				       const char *path, const char *method, bool *path_known);

/* api_route.c: does path match rt's pattern? Sets *id to the "{id}" segment (inside path,
 * *id_len bytes: not NUL-terminated when the route goes on after it), or NULL. */
bool api_route_path_matches(const struct api_route *rt, const char *path, const char **id,
			    size_t *id_len);

/* api_route.c: the Allow value for path: the methods of its routes, HEAD after GET. */
void api_route_allow(const struct api_route *routes, unsigned int n, const char *path,
		     char *buf, size_t len);

/* api_serve.c: MHD_AccessHandlerCallback (cls is the struct api). */
enum MHD_Result api_serve_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version,
				 const char *upload_data, size_t *upload_data_size,
				 void **con_cls);

/*
 * api_serve.c: MHD_OPTION_URI_LOG_CALLBACK (cls is the struct api): the request's state,
 * with what the raw target looked like before decoding; NULL when out of memory.
 */
void *api_serve_uri(void *cls, const char *uri, struct MHD_Connection *conn);

/* api_serve.c: MHD_OPTION_NOTIFY_COMPLETED: frees the request's state. */
void api_serve_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe);

#endif
