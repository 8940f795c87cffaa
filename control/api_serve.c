/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The request cycle of the REST server: libmicrohttpd's access handler and its completion
 * callback. libmicrohttpd calls api_serve_access several times per request:
 *
 *   1st call (headers read)  framing and header fields (api_check.c), route, method, token,
 *                            query and Content-Length are checked here, so a refused
 *                            request is answered without reading its body;
 *   Nth call (body chunk)    appended to a buffer of at most max_body bytes;
 *   last call (size 0)       the handler runs and its api_response becomes the reply.
 *
 * Every answer, the handler's or a refusal (an RFC 9457 problem), leaves through api_send,
 * which adds the headers of every response and logs one line. The api_poll thread only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "api_priv.h"

#define API_DISCARD_MAX		(16 * 1024 * 1024)	/* bytes dropped before closing */

/* Per request (libmicrohttpd's con_cls, made by api_serve_uri). */
struct api_call {
	bool begun;		/* the first access call is past */
	size_t uri_len;		/* the raw target as a C string (cut at a NUL) */
	bool uri_pct_nul;	/* the raw target holds "%00" */
	const struct api_route *route;
	enum api_role role;
	bool refused;		/* refusal holds the answer (400, 404, 405, 401, 403, 413) */
	bool replied;		/* answered at the first call: the body is skipped */
	bool close;		/* Connection: close (framing in doubt) */
	struct api_response refusal;
	bool too_large;
	size_t discarded;	/* bytes dropped after too_large */
	char *body;
	size_t len;
	size_t cap;
	char peer[INET6_ADDRSTRLEN + 8];
};

/* A request string (method, path) quoted back: see api_check_shown. */
static const char *
api_shown(const char *s, char *buf)
{
	return api_check_shown(s, strlen(s), buf);
}

static void
api_peer(struct MHD_Connection *conn, char *buf, size_t len)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char host[INET6_ADDRSTRLEN];

	snprintf(buf, len, "?");
	if (ci == NULL || ci->client_addr == NULL)
		return;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ci->client_addr;

		if (inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host)) != NULL)
			snprintf(buf, len, "%s:%u", host, ntohs(s4->sin_port));
	} else if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ci->client_addr;

		if (inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host)) != NULL)
			snprintf(buf, len, "[%s]:%u", host, ntohs(s6->sin6_port));
	}
}

/* Hands r to libmicrohttpd (the body goes with it) and logs one line. */
static enum MHD_Result
api_send(struct api *a, struct MHD_Connection *conn, struct api_call *c, const char *method,
	 const char *path, struct api_response *r)
{
	struct MHD_Response *mr;
	enum MHD_Result ret;
	char shown[API_SHOWN_MAX + 4], shown_m[API_SHOWN_MAX + 4];
	unsigned int i;
	bool ok = true, read;

	if (r->len > 0) {
		mr = MHD_create_response_from_buffer_with_free_callback(r->len, r->body, free);
		if (mr != NULL)
			r->body = NULL;
	} else {
		mr = MHD_create_response_from_buffer_with_free_callback(0, (void *)"", NULL);
	}
	if (mr == NULL) {
		api_response_release(r);
		return MHD_NO;
	}
	if (r->content_type[0] != '\0')
		ok &= MHD_add_response_header(mr, MHD_HTTP_HEADER_CONTENT_TYPE,
					      r->content_type) == MHD_YES;
	ok &= MHD_add_response_header(mr, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES;
	ok &= MHD_add_response_header(mr, "X-Content-Type-Options", "nosniff") == MHD_YES;
	if (c->close)
		ok &= MHD_add_response_header(mr, MHD_HTTP_HEADER_CONNECTION, "close") == MHD_YES;
	for (i = 0; i < r->n_headers; i++)
		ok &= MHD_add_response_header(mr, r->headers[i].name, r->headers[i].value) ==
		      MHD_YES;
	ret = ok ? MHD_queue_response(conn, r->status, mr) : MHD_NO;
	MHD_destroy_response(mr);
	if (!ok)
		api_log(a, API_LOG_ERR, "%s %s: libmicrohttpd refused a response header",
			api_shown(method, shown_m), api_shown(path, shown));

	read = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
	       strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
	api_log(a, read && r->status != 401 && r->status != 403 && !c->close ? API_LOG_DEBUG :
		API_LOG_INFO, "%s %s %u role=%s peer=%s%s%s", api_shown(method, shown_m),
		api_shown(path, shown), r->status, api_role_name(c->role), c->peer,
		c->close ? " connection closed" : "", ret == MHD_YES ? "" : " (not sent)");
	api_response_release(r);
	return ret;
}

/* Puts a problem the server chose in c->refusal; varargs "Name", "value", ..., NULL. */
static int
api_refusal(struct api_call *c, unsigned int status, const char *detail, ...)
{
	const char *name;
	va_list ap;
	int rc;

	rc = api_reply_problem(&c->refusal, status, NULL, detail, NULL);
	va_start(ap, detail);
	while (rc == 0 && (name = va_arg(ap, const char *)) != NULL)
		rc = api_reply_header(&c->refusal, name, va_arg(ap, const char *));
	va_end(ap);
	return rc;
}

static bool
api_has_body(struct MHD_Connection *conn)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	return (cl != NULL && strcmp(cl, "0") != 0) ||
	       MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_TRANSFER_ENCODING) != NULL;
}

/*
 * Answers with c->refusal at the first call. A request without a body gets it at the last
 * call, which keeps the connection open; one with a body gets it now, before the body is
 * read (libmicrohttpd then closes the connection rather than read the body).
 */
static enum MHD_Result
api_refuse(struct api *a, struct MHD_Connection *conn, struct api_call *c, const char *method,
	   const char *path, int rc)
{
	if (rc < 0)
		return MHD_NO;
	c->refused = true;
	if (!api_has_body(conn))
		return MHD_YES;
	c->replied = true;
	return api_send(a, conn, c, method, path, &c->refusal);
}

/*
 * A request whose framing or header fields are in doubt: 400 with Connection: close at
 * once, whether it has a body or not. libmicrohttpd then reads nothing more from the
 * connection and closes it once the answer is sent, so whatever followed the head (a body,
 * or a request hidden in one) is never parsed.
 */
static enum MHD_Result
api_refuse_close(struct api *a, struct MHD_Connection *conn, struct api_call *c,
		 const char *method, const char *path, const char *detail)
{
	if (api_refusal(c, 400, detail, NULL) < 0)
		return MHD_NO;
	c->refused = c->replied = c->close = true;
	return api_send(a, conn, c, method, path, &c->refusal);
}

/* The first call: everything that can be refused before the body is read. */
static enum MHD_Result
api_begin(struct api *a, struct MHD_Connection *conn, struct api_call *c, const char *path,
	  const char *method, const char *version)
{
	const struct api_route *rt;
	char detail[512], allow[256], shown[API_SHOWN_MAX + 4], shown_m[API_SHOWN_MAX + 4];
	char param[API_SHOWN_MAX + 4];
	enum api_check_result check;
	const char *auth, *clen;
	bool path_known;
	int rc;

	api_peer(conn, c->peer, sizeof(c->peer));
	check = api_check_target(path, version, c->uri_len, c->uri_pct_nul, detail,
				 sizeof(detail));
	if (check == API_CHECK_OK)
		check = api_check_headers(conn, method, version, detail, sizeof(detail));
	if (check != API_CHECK_OK) {
		if (check == API_CHECK_FRAMING)
			a->counters.bad_framing++;
		else if (check == API_CHECK_HEADER)
			a->counters.bad_header++;
		else
			a->counters.bad_target++;
		return api_refuse_close(a, conn, c, method, path, detail);
	}
	rt = api_route_find(a->routes, a->n_routes, path, method, &path_known);
	if (rt == NULL) {
		if (!path_known) {
			snprintf(detail, sizeof(detail), "no resource at \"%s\"",
				 api_shown(path, shown));
			return api_refuse(a, conn, c, method, path,
					  api_refusal(c, 404, detail, NULL));
		}
		api_route_allow(a->routes, a->n_routes, path, allow, sizeof(allow));
		/*
		 * Cut at sizeof(detail) if need be (a path with dozens of methods); Allow has the
		 * whole list. gcc sees allow's 255 characters possible now that it is filled in
		 * another file.
		 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-truncation"
		snprintf(detail, sizeof(detail), "\"%s\" does not accept %s: expected one of %s",
			 api_shown(path, shown), api_shown(method, shown_m), allow);
#pragma GCC diagnostic pop
		return api_refuse(a, conn, c, method, path,
				  api_refusal(c, 405, detail, "Allow", allow, NULL));
	}

	/* A NUL that would cut it short was refused by api_check_headers. */
	auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_AUTHORIZATION);
	c->role = api_tokens_check(a->tokens, auth);
	if (rt->role > API_ROLE_NONE && c->role == API_ROLE_NONE) {
		if (auth == NULL)
			rc = api_refusal(c, 401, "this resource needs a token: expected an "
					 "Authorization: Bearer TOKEN header",
					 "WWW-Authenticate", "Bearer realm=\"tollgate\"", NULL);
		else
			rc = api_refusal(c, 401, "the Authorization header holds no valid token: "
					 "expected Bearer TOKEN with a token of the token file",
					 "WWW-Authenticate",
					 "Bearer realm=\"tollgate\", error=\"invalid_token\"",
					 NULL);
		return api_refuse(a, conn, c, method, path, rc);
	}
	if (c->role < rt->role) {
		snprintf(detail, sizeof(detail), "%s %s needs an %s token: this one is %s", method,
			 rt->path, api_role_name(rt->role), api_role_name(c->role));
		return api_refuse(a, conn, c, method, path,
				  api_refusal(c, 403, detail, "WWW-Authenticate",
					      "Bearer realm=\"tollgate\", "
					      "error=\"insufficient_scope\"",
					      NULL));
	}

	rc = api_check_query(conn, detail, sizeof(detail), param, sizeof(param));
	if (rc == -ENOMEM)
		return MHD_NO;
	if (rc < 0) {
		a->counters.duplicate_query++;
		rc = api_reply_problem(&c->refusal, 400, "Invalid query", detail, param);
		return api_refuse(a, conn, c, method, path, rc);
	}

	clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL) {
		char *end;
		unsigned long long n;

		errno = 0;
		n = strtoull(clen, &end, 10);
		/* libmicrohttpd has refused a malformed Content-Length already. */
		if (errno == 0 && *end == '\0' && n > a->max_body) {
			snprintf(detail, sizeof(detail),
				 "request body of %llu bytes: expected at most %zu", n,
				 a->max_body);
			return api_refuse(a, conn, c, method, path,
					  api_refusal(c, 413, detail, NULL));
		}
	}
	c->route = rt;
	return MHD_YES;
}

static int
api_append(struct api *a, struct api_call *c, const char *data, size_t len)
{
	size_t cap;
	char *p;

	if (c->too_large || len > a->max_body - c->len) {
		c->too_large = true;
		c->discarded += len;
		free(c->body);
		c->body = NULL;
		c->len = c->cap = 0;
		return -EFBIG;
	}
	if (c->len + len + 1 > c->cap) {
		cap = c->cap == 0 ? 4096 : c->cap;
		while (cap < c->len + len + 1)
			cap *= 2;
		if (cap > a->max_body + 1)
			cap = a->max_body + 1;
		p = realloc(c->body, cap);
		if (p == NULL)
			return -ENOMEM;
		c->body = p;
		c->cap = cap;
	}
	memcpy(c->body + c->len, data, len);
	c->len += len;
	c->body[c->len] = '\0';
	return 0;
}

/* The last call: run the handler. */
static enum MHD_Result
api_finish(struct api *a, struct MHD_Connection *conn, struct api_call *c, const char *path,
	   const char *method)
{
	struct api_request req = {
		.method = method,
		.path = path,
		.body = c->len > 0 ? c->body : NULL,
		.body_len = c->len,
		.role = c->role,
		.peer = c->peer,
		.conn = conn,
		.server = a,
	};
	struct api_response r;
	char detail[256], *id_copy = NULL;
	const char *id;
	size_t id_len;
	int rc;

	if (c->refused)
		return api_send(a, conn, c, method, path, &c->refusal);
	if (c->too_large) {
		snprintf(detail, sizeof(detail), "request body longer than %zu bytes", a->max_body);
		if (api_refusal(c, 413, detail, NULL) < 0)
			return MHD_NO;
		return api_send(a, conn, c, method, path, &c->refusal);
	}
	api_route_path_matches(c->route, path, &id, &id_len);
	if (id != NULL) {
		/* the handler gets the segment alone, also when the route goes on after it */
		id_copy = strndup(id, id_len);
		if (id_copy == NULL)
			return MHD_NO;
		req.id = id_copy;
	}
	/* An id is compared, looked up and echoed as text: one that is not UTF-8 (an overlong
	 * "../", a stray byte) names nothing and is refused before any handler sees it. */
	if (req.id != NULL && api_check_utf8((const uint8_t *)req.id) >= 0) {
		free(id_copy);
		a->counters.bad_target++;
		if (api_refusal(c, 400, "the id is not valid UTF-8 after percent-decoding "
				"(overlong forms, surrogates and stray bytes are refused)", NULL) < 0)
			return MHD_NO;
		return api_send(a, conn, c, method, path, &c->refusal);
	}
	api_response_init(&r);
	rc = c->route->fn(a->cookie, &req, &r);
	free(id_copy);
	req.id = NULL;
	if (r.status == 0) {
		api_log(a, API_LOG_ERR, "%s %s: the handler %s without a reply", method,
			c->route->path, rc < 0 ? strerror(-rc) : "returned");
		api_response_release(&r);
		if (api_refusal(c, 500, "the request could not be served: see the log", NULL) < 0)
			return MHD_NO;
		return api_send(a, conn, c, method, path, &c->refusal);
	}
	return api_send(a, conn, c, method, path, &r);
}

enum MHD_Result
api_serve_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
		 const char *version, const char *upload_data, size_t *upload_data_size,
		 void **con_cls)
{
	struct api *a = cls;
	struct api_call *c = *con_cls;

	/* api_serve_uri found no memory: nothing to check the target against. */
	if (c == NULL)
		return MHD_NO;
	if (!c->begun) {
		c->begun = true;
		return api_begin(a, conn, c, url, method, version);
	}
	if (c->replied || (c->refused && *upload_data_size > 0)) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		int rc = api_append(a, c, upload_data, *upload_data_size);

		*upload_data_size = 0;
		if (rc == -ENOMEM)
			return MHD_NO;
		/*
		 * libmicrohttpd 0.9 cannot answer in the middle of a body: the rest of a chunked
		 * body that passed the limit is read and dropped, and the 413 goes out at its
		 * end, unless the client keeps sending past API_DISCARD_MAX.
		 */
		if (rc == -EFBIG && c->discarded > API_DISCARD_MAX) {
			api_log(a, API_LOG_INFO, "%s: body past %d bytes, connection closed",
				c->peer, API_DISCARD_MAX);
			return MHD_NO;
		}
		return MHD_YES;
	}
	return api_finish(a, conn, c, url, method);
}

void *
api_serve_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct api_call *c = calloc(1, sizeof(*c));

	(void)cls;
	(void)conn;
	if (c == NULL)
		return NULL;
	/* Before libmicrohttpd decodes the target in place, and cuts it at a "%00". */
	c->uri_len = strlen(uri);
	c->uri_pct_nul = strstr(uri, "%00") != NULL;
	return c;
}

void
api_serve_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct api_call *c = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (c == NULL)
		return;
	api_response_release(&c->refusal);
	free(c->body);
	free(c);
	*con_cls = NULL;
}
