/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the REST server only: the layout of struct api and the functions its files share.
 * Nothing outside control/api*.c includes this. Each file calls only files listed below it:
 *
 *   api.c          start (socket, tokens, TLS files, route table), poll, reload, stop
 *   api_serve.c    the request cycle: libmicrohttpd's access and completion callbacks,
 *                  refusals (404, 405, 401, 403, 413, 500), bounded bodies, sending
 *   api_route.c    the route table: checks, lookup by path and method, Allow, GET /healthz
 *   api_reply.c    what a handler answers (api_reply_*, api_response_*)
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
};

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

/*
 * api_route.c: does path match rt's pattern? Sets *id to the start of the "{id}" segment
 * inside path (not cut: it may be followed by more segments), or NULL.
 */
bool api_route_path_matches(const struct api_route *rt, const char *path, const char **id);

/*
 * api_route.c: path (a copy the caller owns, matching rt) with its "{id}" and "{n}"
 * segments cut (NUL after each); *id and *n point at them inside path, or are NULL.
 */
void api_route_params(const struct api_route *rt, char *path, const char **id,
		      const char **n);

/* api_route.c: the Allow value for path: the methods of its routes, HEAD after GET. */
void api_route_allow(const struct api_route *routes, unsigned int n, const char *path,
		     char *buf, size_t len);

/* api_serve.c: MHD_AccessHandlerCallback (cls is the struct api). */
enum MHD_Result api_serve_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version,
				 const char *upload_data, size_t *upload_data_size,
				 void **con_cls);

/* api_serve.c: MHD_OPTION_NOTIFY_COMPLETED: frees the request's state. */
void api_serve_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe);

#endif
