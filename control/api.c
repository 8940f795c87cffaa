/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The REST API server: libmicrohttpd driven from the control loop (no thread of its own,
 * epoll, MHD_run with no wait), routing, bearer-token roles, bounded request bodies and RFC
 * 9457 problem details for every error it answers itself. See api.h for the behaviour.
 *
 * libmicrohttpd calls api_access several times per request:
 *
 *   1st call (headers read)  route, method, token and Content-Length are checked here, so a
 *                            refused request is answered without reading its body;
 *   Nth call (body chunk)    appended to a buffer of at most max_body bytes;
 *   last call (size 0)       the handler runs and its api_response becomes the reply.
 *
 * The listening socket is ours (bound before libmicrohttpd starts) so that a bad address or
 * a port in use gets a precise message, and so that "[::]" and port 0 behave alike
 * everywhere.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <microhttpd.h>

#include "api.h"

#define API_HEADER_MEMORY	(32 * 1024)	/* request line + headers per connection */
#define API_PEM_MAX		(1024 * 1024)
#define API_SHOWN_MAX		128		/* characters of a path quoted back */
#define API_LOG_MAX		512
#define API_DISCARD_MAX		(16 * 1024 * 1024)	/* bytes dropped before closing */

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

/* Per request (libmicrohttpd's con_cls). */
struct api_call {
	const struct api_route *route;
	enum api_role role;
	bool refused;		/* refusal holds the answer (404, 405, 401, 403, 413) */
	bool replied;		/* answered at the first call: the body is skipped */
	struct api_response refusal;
	bool too_large;
	size_t discarded;	/* bytes dropped after too_large */
	char *body;
	size_t len;
	size_t cap;
	char peer[INET6_ADDRSTRLEN + 8];
};

static void
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
static void
api_mhd_logger(void *cls, const char *fmt, va_list ap)
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

/*
 * A request string (method, path) quoted back in a problem or a log line: printable ASCII,
 * '?' for any other byte (a decoded %0A must not start a forged log line, and a problem
 * detail must be UTF-8), cut after API_SHOWN_MAX characters. buf holds API_SHOWN_MAX + 4.
 */
static const char *
api_shown(const char *s, char *buf)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i < API_SHOWN_MAX; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(buf + i, s[i] != '\0' ? "..." : "");
	return buf;
}

/* ---- responses ---- */

void
api_response_init(struct api_response *r)
{
	memset(r, 0, sizeof(*r));
}

void
api_response_release(struct api_response *r)
{
	unsigned int i;

	free(r->body);
	for (i = 0; i < r->n_headers; i++) {
		free(r->headers[i].name);
		free(r->headers[i].value);
	}
	api_response_init(r);
}

static bool
api_header_value_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if (*v == '\r' || *v == '\n')
			return false;
	return true;
}

static bool
api_header_name_ok(const char *n)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (*n == '\0')
		return false;
	for (; *n != '\0'; n++) {
		unsigned char c = (unsigned char)*n;

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		      (c >= 'A' && c <= 'Z') || strchr(tchar, c) != NULL))
			return false;
	}
	return true;
}

/* Replaces r's reply; takes body (malloc'd or NULL) in every case. */
static int
api_reply_set(struct api_response *r, unsigned int status, const char *content_type,
	      char *body, size_t len)
{
	if (status < 100 || status > 599 || strlen(content_type) >= API_CONTENT_TYPE_MAX ||
	    !api_header_value_ok(content_type) ||
	    ((status == 204 || status == 304) && len > 0)) {
		free(body);
		return -EINVAL;
	}
	api_response_release(r);
	r->status = status;
	strcpy(r->content_type, len > 0 || body != NULL ? content_type : "");
	r->body = body;
	r->len = len;
	return 0;
}

/* Headers the server sets itself (framing, the body's type, no-store on every answer). */
static bool
api_header_reserved(const char *name)
{
	static const char *const reserved[] = {
		"Content-Length", "Content-Type", "Transfer-Encoding", "Connection",
		"Cache-Control", "Date",
	};
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strcasecmp(name, reserved[i]) == 0)
			return true;
	return false;
}

int
api_reply_header(struct api_response *r, const char *name, const char *value)
{
	char *n, *v;

	if (name == NULL || value == NULL || !api_header_name_ok(name) ||
	    !api_header_value_ok(value) || api_header_reserved(name))
		return -EINVAL;
	if (r->n_headers == API_RESPONSE_HEADERS_MAX)
		return -ENOSPC;
	n = strdup(name);
	v = strdup(value);
	if (n == NULL || v == NULL) {
		free(n);
		free(v);
		return -ENOMEM;
	}
	r->headers[r->n_headers].name = n;
	r->headers[r->n_headers].value = v;
	r->n_headers++;
	return 0;
}

/* Serialises j (not stolen) compactly with a final newline into a malloc'd buffer. */
static char *
api_dump(const json_t *j, size_t *len)
{
	const size_t flags = JSON_COMPACT | JSON_ENCODE_ANY;
	size_t n = json_dumpb(j, NULL, 0, flags);
	char *buf;

	if (n == 0)
		return NULL;
	buf = malloc(n + 1);
	if (buf == NULL)
		return NULL;
	if (json_dumpb(j, buf, n, flags) != n) {
		free(buf);
		return NULL;
	}
	buf[n] = '\n';
	*len = n + 1;
	return buf;
}

static bool
api_etag_ok(const char *etag)
{
	/* RFC 9110 etagc without obs-text: printable, no DQUOTE, no space. */
	for (; *etag != '\0'; etag++)
		if ((unsigned char)*etag < 0x21 || (unsigned char)*etag > 0x7e || *etag == '"')
			return false;
	return true;
}

static int
api_reply_json_type(struct api_response *r, unsigned int status, const char *type,
		    json_t *body, const char *etag)
{
	char tag[API_CONTENT_TYPE_MAX + 3];
	char *buf = NULL;
	size_t len = 0;
	int rc;

	if (etag != NULL && (!api_etag_ok(etag) || strlen(etag) > API_CONTENT_TYPE_MAX)) {
		json_decref(body);
		return -EINVAL;
	}
	if (body != NULL) {
		buf = api_dump(body, &len);
		json_decref(body);
		if (buf == NULL)
			return -ENOMEM;
	}
	rc = api_reply_set(r, status, type, buf, len);
	if (rc < 0 || etag == NULL)
		return rc;
	snprintf(tag, sizeof(tag), "\"%s\"", etag);
	return api_reply_header(r, "ETag", tag);
}

int
api_reply_json(struct api_response *r, unsigned int status, json_t *body, const char *etag)
{
	return api_reply_json_type(r, status, "application/json", body, etag);
}

int
api_reply_text(struct api_response *r, unsigned int status, const char *content_type,
	       const char *body, size_t len)
{
	char *copy = NULL;

	if (content_type == NULL || (body == NULL && len > 0))
		return -EINVAL;
	if (len > 0) {
		copy = malloc(len);
		if (copy == NULL)
			return -ENOMEM;
		memcpy(copy, body, len);
	}
	return api_reply_set(r, status, content_type, copy, len);
}

/* The status's reason phrase (RFC 9110 section 15); a class name where none is known. */
static const char *
api_reason(unsigned int status)
{
	const char *p = MHD_get_reason_phrase_for(status);

	if (p != NULL && *p != '\0' && strcmp(p, "Unknown") != 0)
		return p;
	return status >= 500 ? "Server Error" : status >= 400 ? "Client Error" : "Status";
}

int
api_reply_problem_type(struct api_response *r, unsigned int status, const char *type,
		       const char *title, const char *detail, const char *field)
{
	json_t *p;

	if (status < 100 || status > 599 || type == NULL)
		return -EINVAL;
	if (title == NULL)
		title = api_reason(status);
	p = json_object();
	if (p == NULL)
		return -ENOMEM;
	/* Member order follows RFC 9457's examples; set_new steals the values. */
	if (json_object_set_new(p, "type", json_string(type)) < 0 ||
	    json_object_set_new(p, "title", json_string(title)) < 0 ||
	    json_object_set_new(p, "status", json_integer(status)) < 0 ||
	    (detail != NULL && json_object_set_new(p, "detail", json_string(detail)) < 0) ||
	    (field != NULL && json_object_set_new(p, "field", json_string(field)) < 0)) {
		/* Also a string that is not UTF-8. */
		json_decref(p);
		return -EINVAL;
	}
	return api_reply_json_type(r, status, "application/problem+json", p, NULL);
}

int
api_reply_problem(struct api_response *r, unsigned int status, const char *title,
		  const char *detail, const char *field)
{
	return api_reply_problem_type(r, status, "about:blank", title, detail, field);
}

/* ---- requests ---- */

static const char *
api_pairs_lookup(const char *const *pairs, const char *key, bool any_case)
{
	size_t i;

	if (pairs == NULL)
		return NULL;
	for (i = 0; pairs[i] != NULL && pairs[i + 1] != NULL; i += 2)
		if ((any_case ? strcasecmp(pairs[i], key) : strcmp(pairs[i], key)) == 0)
			return pairs[i + 1];
	return NULL;
}

const char *
api_request_header(const struct api_request *req, const char *name)
{
	if (req->conn == NULL)
		return api_pairs_lookup(req->headers, name, true);
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
api_request_query(const struct api_request *req, const char *key)
{
	const char *v = NULL;

	if (req->conn == NULL)
		return api_pairs_lookup(req->query, key, false);
	if (MHD_lookup_connection_value_n(req->conn, MHD_GET_ARGUMENT_KIND, key, strlen(key),
					  &v, NULL) != MHD_YES)
		return NULL;
	return v == NULL ? "" : v;
}

static const char *
api_json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "a value";
}

json_t *
api_request_json(const struct api_request *req, char *err, size_t errlen)
{
	json_error_t e;
	json_t *j;

	if (req->body == NULL || req->body_len == 0) {
		api_errf(err, errlen, "request body is empty: expected a JSON object");
		return NULL;
	}
	j = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (j == NULL) {
		api_errf(err, errlen, "request body is not valid JSON: line %d column %d: %s",
			e.line, e.column, e.text);
		return NULL;
	}
	if (!json_is_object(j)) {
		api_errf(err, errlen, "request body is %s: expected a JSON object",
			api_json_type_name(j));
		json_decref(j);
		return NULL;
	}
	return j;
}

/* ---- routing ---- */

static bool
api_method_matches(const struct api_route *rt, const char *method)
{
	return strcmp(rt->method, method) == 0 ||
	       (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 &&
		strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0);
}

/* Does path match rt's pattern? Sets *id to the "{id}" segment (inside path). */
static bool
api_path_matches(const struct api_route *rt, const char *path, const char **id)
{
	const char *brace = strstr(rt->path, "{id}");
	size_t prefix;

	*id = NULL;
	if (brace == NULL)
		return strcmp(rt->path, path) == 0;
	prefix = (size_t)(brace - rt->path);
	if (strncmp(rt->path, path, prefix) != 0 || path[prefix] == '\0' ||
	    strchr(path + prefix, '/') != NULL)
		return false;
	*id = path + prefix;
	return true;
}

/* The Allow value for path: the methods of its routes, HEAD after GET. */
static void
api_allow(const struct api *a, const char *path, char *buf, size_t len)
{
	const char *id;
	size_t o = 0;
	unsigned int i, j;

	buf[0] = '\0';
	for (i = 0; i < a->n_routes; i++) {
		const struct api_route *rt = &a->routes[i];
		bool seen = false;

		if (!api_path_matches(rt, path, &id))
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(a->routes[j].method, rt->method) == 0 &&
			    api_path_matches(&a->routes[j], path, &id))
				seen = true;
		if (seen)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%s%s", o > 0 ? ", " : "", rt->method,
				      strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0 ? ", HEAD" : "");
		if (o >= len) {
			buf[len - 1] = '\0';
			return;
		}
	}
}

static bool
api_method_ok(const char *m)
{
	if (m == NULL || *m == '\0' || strlen(m) > 16)
		return false;
	for (; *m != '\0'; m++)
		if (*m < 'A' || *m > 'Z')
			return false;
	return true;
}

/* "/a/b" or "/a/{id}": starts with '/', no empty segment, "{id}" only as the last one. */
static bool
api_path_ok(const char *p)
{
	const char *brace;

	if (p == NULL || p[0] != '/' || strstr(p, "//") != NULL || strlen(p) > 256)
		return false;
	brace = strchr(p, '{');
	if (brace == NULL)
		return strchr(p, '}') == NULL;
	/* "{id}" as the whole last segment, and no other brace before it. */
	return brace[-1] == '/' && strcmp(brace, "{id}") == 0 && strchr(p, '}') == brace + 3;
}

static int
api_healthz(void *cookie, const struct api_request *req, struct api_response *resp)
{
	(void)cookie;
	(void)req;
	return api_reply_json(resp, 200, json_pack("{s:s}", "status", "ok"), NULL);
}

static const struct api_route api_builtin_routes[] = {
	{ "GET", "/healthz", API_ROLE_NONE, api_healthz },
};

/* ---- the request cycle ---- */

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
	api_log(a, read && r->status != 401 && r->status != 403 ? API_LOG_DEBUG : API_LOG_INFO,
		"%s %s %u role=%s peer=%s%s", api_shown(method, shown_m), api_shown(path, shown),
		r->status, api_role_name(c->role), c->peer, ret == MHD_YES ? "" : " (not sent)");
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

/* The first call: everything that can be refused before the body is read. */
static enum MHD_Result
api_begin(struct api *a, struct MHD_Connection *conn, struct api_call *c, const char *path,
	  const char *method)
{
	const struct api_route *rt = NULL;
	char detail[512], allow[256], shown[API_SHOWN_MAX + 4], shown_m[API_SHOWN_MAX + 4];
	const char *auth, *clen, *id = NULL;
	bool path_known = false;
	unsigned int i;
	int rc;

	api_peer(conn, c->peer, sizeof(c->peer));
	for (i = 0; i < a->n_routes && rt == NULL; i++) {
		if (!api_path_matches(&a->routes[i], path, &id))
			continue;
		path_known = true;
		if (api_method_matches(&a->routes[i], method))
			rt = &a->routes[i];
	}
	if (rt == NULL) {
		if (!path_known) {
			snprintf(detail, sizeof(detail), "no resource at \"%s\"",
				 api_shown(path, shown));
			return api_refuse(a, conn, c, method, path,
					  api_refusal(c, 404, detail, NULL));
		}
		api_allow(a, path, allow, sizeof(allow));
		snprintf(detail, sizeof(detail), "\"%s\" does not accept %s: expected one of %s",
			 api_shown(path, shown), api_shown(method, shown_m), allow);
		return api_refuse(a, conn, c, method, path,
				  api_refusal(c, 405, detail, "Allow", allow, NULL));
	}

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
	};
	struct api_response r;
	char detail[256];
	int rc;

	if (c->refused)
		return api_send(a, conn, c, method, path, &c->refusal);
	if (c->too_large) {
		snprintf(detail, sizeof(detail), "request body longer than %zu bytes", a->max_body);
		if (api_refusal(c, 413, detail, NULL) < 0)
			return MHD_NO;
		return api_send(a, conn, c, method, path, &c->refusal);
	}
	api_path_matches(c->route, path, &req.id);
	api_response_init(&r);
	rc = c->route->fn(a->cookie, &req, &r);
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

static enum MHD_Result
api_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
	   const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct api *a = cls;
	struct api_call *c = *con_cls;

	(void)version;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return MHD_NO;
		*con_cls = c;
		return api_begin(a, conn, c, url, method);
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

static void
api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
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

/* ---- start and stop ---- */

/* Binds and listens on "IPV4:PORT" or "[IPV6]:PORT"; returns the socket or -1. */
static int
api_listen(const char *listen_s, int *port, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = listen_s, *p;
	size_t hl;
	unsigned long pv = 0;
	int fd = -1, one = 1, zero = 0;
	bool v6;

	memset(&ss, 0, sizeof(ss));
	if (listen_s[0] == '[') {
		colon = strstr(listen_s, "]:");
		if (colon == NULL)
			goto bad;
		h = listen_s + 1;
		hl = (size_t)(colon - h);
		p = colon + 2;
		v6 = true;
	} else {
		colon = strchr(listen_s, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			goto bad;
		hl = (size_t)(colon - h);
		p = colon + 1;
		v6 = false;
	}
	if (hl == 0 || hl >= sizeof(host))
		goto bad;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (*p == '\0' || strlen(p) > 5 || strspn(p, "0123456789") != strlen(p) ||
	    (pv = strtoul(p, NULL, 10)) > 65535) {
		api_errf(err, errlen,
			"listen \"%s\": port \"%s\": expected a number from 0 to 65535",
			listen_s, p);
		return -1;
	}
	if (v6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)pv);
		if (inet_pton(AF_INET6, host, &s6->sin6_addr) != 1) {
			api_errf(err, errlen,
				"listen \"%s\": \"%s\" is not an IPv6 address: expected e.g. "
				"[::1]:8470",
				listen_s, host);
			return -1;
		}
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)pv);
		if (inet_pton(AF_INET, host, &s4->sin_addr) != 1) {
			api_errf(err, errlen,
				"listen \"%s\": \"%s\" is not an IPv4 address: expected e.g. "
				"127.0.0.1:8470",
				listen_s, host);
			return -1;
		}
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		api_errf(err, errlen, "listen \"%s\": socket: %s", listen_s, strerror(errno));
		return -1;
	}
	/* "[::]" serves both families, whatever net.ipv6.bindv6only says. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero)) < 0)) {
		api_errf(err, errlen, "listen \"%s\": setsockopt: %s", listen_s, strerror(errno));
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		api_errf(err, errlen, "listen \"%s\": bind: %s", listen_s, strerror(errno));
		goto fail;
	}
	if (listen(fd, 64) < 0) {
		api_errf(err, errlen, "listen \"%s\": listen: %s", listen_s, strerror(errno));
		goto fail;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		api_errf(err, errlen, "listen \"%s\": getsockname: %s", listen_s, strerror(errno));
		goto fail;
	}
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
						 ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
bad:
	api_errf(err, errlen,
		"listen \"%s\": expected IPV4:PORT or [IPV6]:PORT, e.g. 127.0.0.1:8470 or "
		"[::1]:8470",
		listen_s);
	return -1;
fail:
	close(fd);
	return -1;
}

/* Reads a PEM file; a private key must not be accessible to others. */
static char *
api_read_pem(const char *field, const char *path, bool private_key, size_t *len, char *err,
	     size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0, cap = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		api_errf(err, errlen, "%s \"%s\": %s", field, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > API_PEM_MAX) {
		api_errf(err, errlen, "%s \"%s\": expected a regular file of at most %d bytes",
			field, path, API_PEM_MAX);
		goto fail;
	}
	if (private_key && (st.st_mode & 007) != 0) {
		api_errf(err, errlen,
			"%s \"%s\": mode %04o lets others access the private key: expected no "
			"permissions for others (chmod 600 or 640)",
			field, path, (unsigned int)(st.st_mode & 07777));
		goto fail;
	}
	/* Room for one byte more than fstat said: a file that grew meanwhile is caught. */
	cap = (size_t)st.st_size + 1;
	buf = calloc(1, cap + 1);
	if (buf == NULL) {
		api_errf(err, errlen, "%s \"%s\": out of memory", field, path);
		goto fail;
	}
	for (;;) {
		ssize_t r = read(fd, buf + got, cap - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			api_errf(err, errlen, "%s \"%s\": %s", field, path, strerror(errno));
			goto fail;
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got == cap) {
			api_errf(err, errlen, "%s \"%s\": grew while read: expected a file that "
				"stays put", field, path);
			goto fail;
		}
	}
	close(fd);
	*len = got;
	return buf;
fail:
	if (buf != NULL) {
		explicit_bzero(buf, cap + 1);
		free(buf);
	}
	close(fd);
	return NULL;
}

static int
api_check_routes(const struct api_route *routes, unsigned int n, char *err, size_t errlen)
{
	const unsigned int nb = sizeof(api_builtin_routes) / sizeof(api_builtin_routes[0]);
	unsigned int i, j;

	if (n > API_ROUTES_MAX || (n > 0 && routes == NULL)) {
		api_errf(err, errlen, "routes: %u given: expected at most %d", n, API_ROUTES_MAX);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		const struct api_route *rt = &routes[i];

		if (!api_method_ok(rt->method)) {
			api_errf(err, errlen,
				"routes[%u].method \"%s\": expected an upper-case HTTP method", i,
				rt->method == NULL ? "(null)" : rt->method);
			return -EINVAL;
		}
		if (!api_path_ok(rt->path)) {
			api_errf(err, errlen, "routes[%u].path \"%s\": expected /segment/... with "
				"at most a last segment {id}", i,
				rt->path == NULL ? "(null)" : rt->path);
			return -EINVAL;
		}
		if (rt->role != API_ROLE_NONE && rt->role != API_ROLE_READ &&
		    rt->role != API_ROLE_ADMIN) {
			api_errf(err, errlen, "routes[%u].role %d: expected API_ROLE_NONE, _READ or "
				"_ADMIN", i, (int)rt->role);
			return -EINVAL;
		}
		if (rt->fn == NULL) {
			api_errf(err, errlen, "routes[%u].fn: NULL: expected a handler", i);
			return -EINVAL;
		}
		for (j = 0; j < nb; j++)
			if (strcmp(rt->method, api_builtin_routes[j].method) == 0 &&
			    strcmp(rt->path, api_builtin_routes[j].path) == 0) {
				api_errf(err, errlen, "routes[%u]: %s %s is built in", i,
					rt->method, rt->path);
				return -EINVAL;
			}
		for (j = 0; j < i; j++)
			if (strcmp(rt->method, routes[j].method) == 0 &&
			    strcmp(rt->path, routes[j].path) == 0) {
				api_errf(err, errlen, "routes[%u]: %s %s: same as routes[%u]", i,
					rt->method, rt->path, j);
				return -EINVAL;
			}
	}
	return 0;
}

static bool
api_is_loopback(const char *listen_s)
{
	return strncmp(listen_s, "127.", 4) == 0 || strncmp(listen_s, "[::1]:", 6) == 0;
}

struct api *
api_start(const struct api_conf *conf, const struct api_route *routes, unsigned int n,
	  void *cookie, char *err, size_t errlen)
{
	static const struct api_conf defaults;
	const unsigned int nb = sizeof(api_builtin_routes) / sizeof(api_builtin_routes[0]);
	const char *listen_s;
	struct MHD_OptionItem tls[3] = { { MHD_OPTION_END, 0, NULL } };
	unsigned int flags = MHD_USE_ERROR_LOG | MHD_USE_EPOLL;
	struct api *a;
	size_t cert_len = 0;
	int fd = -1;

	if (conf == NULL)
		conf = &defaults;
	listen_s = conf->listen != NULL ? conf->listen : API_LISTEN_DEFAULT;
	if (api_check_routes(routes, n, err, errlen) < 0)
		return NULL;
	if ((conf->tls_cert == NULL) != (conf->tls_key == NULL)) {
		api_errf(err, errlen, "tls_cert \"%s\", tls_key \"%s\": expected both or neither",
			conf->tls_cert != NULL ? conf->tls_cert : "",
			conf->tls_key != NULL ? conf->tls_key : "");
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		api_errf(err, errlen, "out of memory");
		return NULL;
	}
	a->cookie = cookie;
	a->log = conf->log;
	a->log_arg = conf->log_arg;
	a->max_body = conf->max_body > 0 ? conf->max_body : API_MAX_BODY_DEFAULT;
	a->routes = calloc(n + nb, sizeof(*a->routes));
	if (a->routes == NULL) {
		api_errf(err, errlen, "out of memory");
		goto fail;
	}
	if (n > 0)
		memcpy(a->routes, routes, n * sizeof(*routes));
	memcpy(a->routes + n, api_builtin_routes, sizeof(api_builtin_routes));
	a->n_routes = n + nb;

	if (conf->token_file != NULL) {
		a->token_file = strdup(conf->token_file);
		if (a->token_file == NULL) {
			api_errf(err, errlen, "out of memory");
			goto fail;
		}
		a->tokens = api_tokens_load(conf->token_file, err, errlen);
		if (a->tokens == NULL)
			goto fail;
	}
	if (conf->tls_cert != NULL) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			api_errf(err, errlen, "tls_cert \"%s\": this libmicrohttpd has no TLS",
				conf->tls_cert);
			goto fail;
		}
		a->tls_cert = api_read_pem("tls_cert", conf->tls_cert, false, &cert_len, err,
					   errlen);
		if (a->tls_cert == NULL)
			goto fail;
		a->tls_key = api_read_pem("tls_key", conf->tls_key, true, &a->tls_key_len, err,
					  errlen);
		if (a->tls_key == NULL)
			goto fail;
		flags |= MHD_USE_TLS;
		tls[0] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, a->tls_cert };
		tls[1] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, a->tls_key };
	}

	fd = api_listen(listen_s, &a->port, err, errlen);
	if (fd < 0)
		goto fail;
	a->mhd = MHD_start_daemon(flags, 0, NULL, NULL, api_access, a,
				  MHD_OPTION_EXTERNAL_LOGGER, api_mhd_logger, a,
				  MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				  MHD_OPTION_CONNECTION_LIMIT,
				  conf->max_connections > 0 ? conf->max_connections :
							      API_MAX_CONNECTIONS_DEFAULT,
				  MHD_OPTION_CONNECTION_TIMEOUT,
				  conf->timeout_s > 0 ? conf->timeout_s : API_TIMEOUT_S_DEFAULT,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_HEADER_MEMORY,
				  MHD_OPTION_NOTIFY_COMPLETED, api_completed, a,
				  MHD_OPTION_STRICT_FOR_CLIENT, 1,
				  MHD_OPTION_ARRAY, tls,
				  MHD_OPTION_END);
	if (a->mhd == NULL) {
		if (a->tls_cert != NULL)
			api_errf(err, errlen, "tls_cert \"%s\", tls_key \"%s\": the HTTPS server on "
				"%s did not start: %s", conf->tls_cert, conf->tls_key, listen_s,
				a->mhd_error[0] != '\0' ? a->mhd_error : "no reason given");
		else
			api_errf(err, errlen, "listen \"%s\": the HTTP server did not start: %s",
				listen_s,
				a->mhd_error[0] != '\0' ? a->mhd_error : "no reason given");
		goto fail;
	}
	if (!api_is_loopback(listen_s) && a->tls_cert == NULL)
		api_log(a, API_LOG_WARNING,
			"listening on %s without TLS: tokens cross the network in clear text",
			listen_s);
	api_log(a, API_LOG_INFO, "listening on %s (port %d%s), %u token(s)", listen_s, a->port,
		a->tls_cert != NULL ? ", TLS" : "", api_tokens_count(a->tokens));
	return a;
fail:
	if (fd >= 0)
		close(fd);
	api_stop(a);
	return NULL;
}

int
api_port(const struct api *a)
{
	return a->port;
}

int
api_fd(const struct api *a)
{
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(a->mhd, MHD_DAEMON_INFO_EPOLL_FD);

	return di == NULL ? -1 : di->epoll_fd;
}

void
api_poll(struct api *a)
{
	MHD_run(a->mhd);
}

int
api_reload_tokens(struct api *a, char *err, size_t errlen)
{
	struct api_tokens *t;

	if (a->token_file == NULL) {
		api_errf(err, errlen, "token_file: none configured");
		return -ENOENT;
	}
	t = api_tokens_load(a->token_file, err, errlen);
	if (t == NULL)
		return -EINVAL;
	api_tokens_free(a->tokens);
	a->tokens = t;
	api_log(a, API_LOG_INFO, "%s: %u token(s) loaded", a->token_file, api_tokens_count(t));
	return 0;
}

void
api_stop(struct api *a)
{
	if (a == NULL)
		return;
	if (a->mhd != NULL)
		MHD_stop_daemon(a->mhd);
	api_tokens_free(a->tokens);
	free(a->token_file);
	if (a->tls_key != NULL) {
		explicit_bzero(a->tls_key, a->tls_key_len);
		free(a->tls_key);
	}
	free(a->tls_cert);
	free(a->routes);
	free(a);
}
