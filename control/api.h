/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_API_H
#define TOLLGATE_API_H

/*
 * The REST API server of the control thread (HTTP/1.1 over libmicrohttpd, optional TLS).
 *
 * Single-threaded: api_start, api_poll, api_reload_tokens and api_stop run on one thread (the
 * control loop's), and so does every handler. Nothing blocks: api_poll serves what is ready
 * and returns.
 *
 *   request --> framing, fields, target --> route (path, method) --> token --> query
 *                  | 400 + close                 | 404, 405          | 401, 403 | 400
 *                  v                             v                   v          v
 *   response <------------------------- problem+json ----------------------------------
 *                  ^                                           ^
 *                  | 413                                       | api_response
 *           --> body (<= max_body) ----------------------> handler
 *
 * What the server answers by itself, each as an RFC 9457 problem (application/problem+json,
 * {"type":"about:blank","title","status","detail"}):
 *   400  a head that could be read more than one way (api_check.c): Content-Length with
 *        Transfer-Encoding, either of them twice, a Transfer-Encoding other than "chunked"
 *        or on HTTP/1.0 (bad_framing); a field name that is not a token
 *        ("Transfer-Encoding : chunked"), a NUL byte in a field value, a folded line,
 *        Host or Authorization twice (bad_header); a NUL byte in the request target, raw
 *        or %00 (bad_target). Answered with Connection: close before the body is read,
 *        and the connection is closed: bytes after the head are never parsed as a request.
 *        Counted in api_counters by those names;
 *   400  a query parameter given twice ("?position=0&position=1"), with "field" naming it
 *        (title "Invalid query"); counted (duplicate_query);
 *   404  no route has this path;
 *   405  a route has the path but not the method (with Allow);
 *   401  the route needs a role and the request has no token or an unknown one (with
 *        WWW-Authenticate: Bearer realm="tollgate", plus error="invalid_token" for a bad one);
 *   403  a read token on an admin route (WWW-Authenticate with error="insufficient_scope");
 *   413  a body longer than max_body: by Content-Length, before the body is read; for a
 *        chunked body, once it ends (libmicrohttpd 0.9 cannot answer mid-body): the chunks
 *        past max_body are dropped, and past 16 MiB the connection is closed instead;
 *   500  a handler that failed without replying.
 * Checks run in that order: the request target, the header fields and the framing, the
 * path, the method, the token, the query, the length.
 * A refused request without a body is answered on a connection that stays open; one with
 * a body is answered before the body is read, and the connection is then closed.
 * Every response carries Cache-Control: no-store and X-Content-Type-Options: nosniff.
 * HEAD is served by GET routes (without the body). GET /healthz is built in, needs no
 * token and answers {"status":"ok"}.
 *
 * Limits: max_connections at once (more wait unaccepted in the listen backlog of 64 until
 * one closes; past that the kernel drops their SYNs), an idle timeout per connection, 32
 * KiB for the request line and headers (libmicrohttpd refuses more itself, with 431 or
 * 414), max_body for the body. Malformed HTTP is refused by libmicrohttpd (400, 505, or a
 * close). Neither bodies nor tokens are logged; a path or method quoted in a problem or a
 * log line is cut to 128 printable ASCII characters.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "api_auth.h"

#define API_LISTEN_DEFAULT		"127.0.0.1:8470"
#define API_MAX_BODY_DEFAULT		(1024 * 1024)
#define API_MAX_CONNECTIONS_DEFAULT	1024
#define API_MAX_PER_IP_DEFAULT		16
#define API_TIMEOUT_S_DEFAULT		10
#define API_ROUTES_MAX			256
#define API_RESPONSE_HEADERS_MAX	8
#define API_CONTENT_TYPE_MAX		128

struct api;

enum api_log_level {
	API_LOG_ERR,
	API_LOG_WARNING,
	API_LOG_INFO,	/* one line per request that is not a read (GET, HEAD) or is refused
			 * 401/403: method, path, status, role, peer; libmicrohttpd's messages */
	API_LOG_DEBUG,	/* one line per other read */
};

/* msg has no line end. */
typedef void (*api_log_fn)(void *arg, enum api_log_level level, const char *msg);

/*
 * One request as a handler sees it; valid during the handler call only. The server fills
 * it. A unit test of a handler may fill one itself: conn NULL, headers and query then
 * NULL-terminated arrays of name, value pairs (or NULL for none).
 */
struct api_request {
	const char *method;	/* "GET", "HEAD", "PUT", ... */
	const char *path;	/* percent-decoded, without the query: "/v1/policies/web" */
	const char *id;		/* the "{id}" segment (non-empty, no '/'), or NULL */
	const char *body;	/* NUL-terminated (a NUL inside is possible), or NULL if empty */
	size_t body_len;
	enum api_role role;	/* role of the token presented (NONE on an open route) */
	const char *peer;	/* "127.0.0.1:40312", "[::1]:40312" */
	void *conn;		/* struct MHD_Connection *, NULL in handler tests */
	const struct api *server;	/* the server (for api_counters), NULL in handler tests */
	const char *const *headers;	/* handler tests only */
	const char *const *query;	/* handler tests only */
};

/*
 * What a handler answers; filled by the api_reply_* helpers only (a later call replaces the
 * earlier reply). A handler test reads it and then calls api_response_release.
 */
struct api_response {
	unsigned int status;			/* 0: no reply yet */
	char content_type[API_CONTENT_TYPE_MAX];	/* "" for no body */
	char *body;				/* malloc'd */
	size_t len;
	unsigned int n_headers;
	struct {
		char *name;
		char *value;
	} headers[API_RESPONSE_HEADERS_MAX];
};

/*
 * Serve req into resp. Returns 0, or a negative errno: the server then answers 500 unless
 * the handler replied anyway (e.g. a 4xx it chose). Runs on the api_poll thread; must not
 * block.
 */
typedef int (*api_handler_fn)(void *cookie, const struct api_request *req,
			      struct api_response *resp);

struct api_route {
	const char *method;	/* "GET", "PUT", "POST", "DELETE", "PATCH", ... */
	const char *path;	/* "/v1/policies", "/v1/policies/{id}" or "/v1/x/{id}/report"
				 * ("{id}" once, a whole segment) */
	enum api_role role;	/* least role needed: NONE (open), READ or ADMIN */
	api_handler_fn fn;
};

/* Requests the server refused by itself for their form (see the 400s above), since start. */
struct api_counters {
	uint64_t bad_framing;		/* Content-Length / Transfer-Encoding */
	uint64_t bad_header;		/* field name, NUL/CR/LF in a value, twice */
	uint64_t bad_target;		/* a NUL in the request target, raw or %00 */
	uint64_t duplicate_query;	/* a query parameter given twice */
};

struct api_conf {
	const char *listen;		/* NULL: API_LISTEN_DEFAULT; "127.0.0.1:8470",
					 * "[::1]:8470", "0.0.0.0:8470", "[::]:8470";
					 * port 0 picks a free port (see api_port) */
	const char *token_file;		/* NULL: no tokens, every route with a role
					 * answers 401 */
	size_t max_body;		/* 0: API_MAX_BODY_DEFAULT bytes */
	const char *tls_cert;		/* PEM paths, both or neither: HTTPS */
	const char *tls_key;		/* not readable by others (mode & 007 == 0) */
	unsigned int max_connections;	/* 0: API_MAX_CONNECTIONS_DEFAULT */
	unsigned int timeout_s;		/* 0: API_TIMEOUT_S_DEFAULT (idle connection) */
	unsigned int max_per_ip;	/* 0: API_MAX_PER_IP_DEFAULT connections per client */
	api_log_fn log;			/* NULL: silent */
	void *log_arg;
};

/*
 * Bind, load the tokens and the TLS files, and start serving (nothing is served until
 * api_poll). conf NULL (or a zeroed one) means every default: loopback port 8470, no
 * tokens, no TLS. routes[0..n) are copied; their strings must outlive the server (string
 * literals). Refused, with err naming the field, the value and what was expected: a bad
 * listen address or one in use, a token or TLS file that cannot be loaded, a route with a
 * NULL or malformed method or path, a role outside the enum, a NULL fn, a duplicate
 * method+path (GET /healthz is taken), more than API_ROUTES_MAX routes. cookie is passed to
 * every handler. Returns NULL on failure.
 */
struct api *
api_start(const struct api_conf *conf, const struct api_route *routes, unsigned int n,
	  void *cookie, char *err, size_t errlen);

/* The port bound (useful with port 0). */
int
api_port(const struct api *a);

/*
 * A descriptor that becomes readable when api_poll has work (an epoll instance), for a
 * control loop that sleeps in poll(2)/epoll. api_poll must still run at least once a second
 * for idle timeouts.
 */
int
api_fd(const struct api *a);

/* Copies a's counters into out. a may be NULL (all zero). The api_poll thread. */
void
api_counters_get(const struct api *a, struct api_counters *out);

/* Serve whatever is ready (accept, read, run handlers, write, time out) without blocking. */
void
api_poll(struct api *a);

/*
 * Read conf->token_file again and use it for the next requests. On failure (err set) the
 * tokens in use stay. Returns 0, -EINVAL (file refused) or -ENOENT (no token file
 * configured).
 */
int
api_reload_tokens(struct api *a, char *err, size_t errlen);

/* Close every connection and the listening socket; wipe the tokens and TLS key. NULL ok. */
void
api_stop(struct api *a);

/*
 * Reply helpers for handlers. Each returns 0 or a negative errno (-ENOMEM; -EINVAL for a
 * status outside 100..599, a body on 204 or 304, or a header value with CR or LF).
 */

/*
 * JSON reply. body is stolen (decref'd even on failure); NULL means no body (e.g. 204).
 * etag is the opaque tag without quotes (sent as ETag: "etag"), or NULL.
 */
int
api_reply_json(struct api_response *r, unsigned int status, json_t *body, const char *etag);

/* A reply of len bytes of body (copied) with the given Content-Type. */
int
api_reply_text(struct api_response *r, unsigned int status, const char *content_type,
	       const char *body, size_t len);

/*
 * An RFC 9457 problem of type "about:blank". title NULL takes the status's reason phrase
 * (what RFC 9457 asks for with about:blank). detail (NULL: none) says what was wrong, for a
 * person: name the value and what was expected. field is a JSON pointer (RFC 6901) into the
 * request body ("/rules/3/to"; "" for the whole body) or NULL.
 */
int
api_reply_problem(struct api_response *r, unsigned int status, const char *title,
		  const char *detail, const char *field);

/* Same with a problem type URI of Tollgate's own ("tag:tollgate,2024:problem/conflict"). */
int
api_reply_problem_type(struct api_response *r, unsigned int status, const char *type,
		       const char *title, const char *detail, const char *field);

/*
 * Adds a response header (e.g. Location, after the reply it belongs to); at most
 * API_RESPONSE_HEADERS_MAX (-ENOSPC). Refused (-EINVAL): a name that is not an RFC 9110
 * token, a value with CR or LF, and the headers the server sets (Content-Length,
 * Content-Type, Transfer-Encoding, Connection, Cache-Control, Date).
 */
int
api_reply_header(struct api_response *r, const char *name, const char *value);

/* An empty response (status 0) / frees what a reply put in r. */
void
api_response_init(struct api_response *r);
void
api_response_release(struct api_response *r);

/*
 * The request body as a JSON object (new reference), or NULL with err set, for a 400
 * problem with field "": empty body, invalid JSON (with line and column), a duplicate key,
 * a top-level value that is not an object. Bodies are parsed with JSON_REJECT_DUPLICATES.
 */
json_t *
api_request_json(const struct api_request *req, char *err, size_t errlen);

/* A request header (name in any case), or NULL. */
const char *
api_request_header(const struct api_request *req, const char *name);

/* A query parameter (percent-decoded), or NULL; "?k" gives "". */
const char *
api_request_query(const struct api_request *req, const char *key);

#endif
