/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Tests of the REST API server (control/api*.c) over real TCP on the loopback: each test
 * starts a server on 127.0.0.1 port 0 and talks to it with the small HTTP/1.1 client below,
 * which runs on the same thread as the server: it sends and receives without blocking and
 * calls api_poll in between, as the control loop will. Covered: routing (200, 404, 405 with
 * Allow, HEAD, the {id} segment), tokens (401 with WWW-Authenticate, 403), bodies (413 by
 * Content-Length and by chunks, the exact limit, chunks joined), api_request_json's refusals
 * as 400 problems with their field, handler failures (500), the problem+json shape and
 * Cache-Control on every answer, malformed requests, heads that could be read more than one
 * way (framing, NUL bytes, folded lines: 400 and closed) and repeated query parameters,
 * idle timeouts, the connection limit,
 * token reload, that no token or body reaches the log, the start-up refusals, IPv6 and TLS
 * (the last with libcurl when built with TOLLGATE_HAVE_LIBCURL).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#ifdef TOLLGATE_HAVE_LIBCURL
#include <curl/curl.h>
#endif

#include "api.h"

#define ADMIN_TOKEN	"adm-0123456789abcdef"
#define READ_TOKEN	"rd-fedcba9876543210"
#define BAD_TOKEN	"adm-0123456789abcdeg"	/* ADMIN_TOKEN with another last byte */
#define MAX_BODY	1024
#define MAX_CONN	4
#define EXCHANGE_MS	5000
#define IDLE_S		2	/* the fixture's idle timeout */

/* ---- fixture ---- */

struct fx {
	struct api *a;
	int port;
	char token_path[256];
	unsigned int calls;	/* handler invocations */
	unsigned int stream_fins;	/* streamed bodies released */
	char log[65536];
	size_t log_len;
};

static void
fx_log(void *arg, enum api_log_level level, const char *msg)
{
	struct fx *f = arg;
	int n;

	n = snprintf(f->log + f->log_len, sizeof(f->log) - f->log_len, "%d %s\n", (int)level,
		     msg);
	if (n > 0 && (size_t)n < sizeof(f->log) - f->log_len)
		f->log_len += (size_t)n;
}

static void
write_file(char *path, size_t pathlen, const char *content, mode_t mode)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, pathlen, "%s/test_api_XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, strlen(content)), (ssize_t)strlen(content));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static int
h_get_x(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;

	f->calls++;
	return api_reply_json(resp, 200, json_pack("{s:s, s:s}", "x", "value", "role",
						   api_role_name(req->role)), "x-1");
}

static int
h_put_x(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;

	(void)req;
	f->calls++;
	return api_reply_json(resp, 200, json_pack("{s:b}", "updated", 1), NULL);
}

/* Echoes the parsed body; a "name" that is not a string is refused with its pointer. */
static int
h_echo(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;
	json_t *body, *name;
	char err[256];

	f->calls++;
	body = api_request_json(req, err, sizeof(err));
	if (body == NULL)
		return api_reply_problem(resp, 400, NULL, err, "");
	name = json_object_get(body, "name");
	if (name != NULL && !json_is_string(name)) {
		json_decref(body);
		return api_reply_problem(resp, 400, NULL, "name: expected a string", "/name");
	}
	return api_reply_json(resp, 200, body, "echo-1");
}

static int
h_item(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;
	const char *q = api_request_query(req, "q"), *h = api_request_header(req, "x-test");
	int rc;

	f->calls++;
	rc = api_reply_json(resp, 200, json_pack("{s:s, s:s?, s:s?, s:s}", "id", req->id, "q", q,
						 "x-test", h, "path", req->path), NULL);
	if (rc == 0)
		rc = api_reply_header(resp, "Location", "/v1/items/here");
	return rc;
}

/* The id and n segments of /v1/items/{id}/parts/{n}. */
static int
h_part(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;

	f->calls++;
	return api_reply_json(resp, 200, json_pack("{s:s, s:s, s:s}", "id", req->id, "n", req->n,
						   "path", req->path), NULL);
}

#define STREAM_LEN 10000

/* Byte i of the streamed body. */
static char
stream_byte(uint64_t i)
{
	return (char)('a' + i % 23);
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	size_t i, n = max < 1000 ? max : 1000;	/* several calls for one body */

	(void)cls;
	if (pos >= STREAM_LEN)
		return -1;
	if (n > STREAM_LEN - pos)
		n = STREAM_LEN - pos;
	for (i = 0; i < n; i++)
		buf[i] = stream_byte(pos + i);
	return (ssize_t)n;
}

static void
stream_fin(void *cls)
{
	((struct fx *)cls)->stream_fins++;
}

static int
h_stream(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;
	int rc;

	(void)req;
	f->calls++;
	rc = api_reply_stream(resp, 200, "application/vnd.tcpdump.pcap", STREAM_LEN, stream_read,
			      stream_fin, f);
	if (rc == 0)
		rc = api_reply_header(resp, "Content-Disposition", "attachment; filename=\"s\"");
	return rc;
}

static int
h_fail(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;

	(void)req;
	(void)resp;
	f->calls++;
	return -EIO;
}

static int
h_teapot(void *cookie, const struct api_request *req, struct api_response *resp)
{
	struct fx *f = cookie;

	(void)req;
	f->calls++;
	api_reply_problem(resp, 422, NULL, "short and stout", NULL);
	return -EINVAL;
}

static const struct api_route routes[] = {
	{ "GET", "/v1/x", API_ROLE_READ, h_get_x },
	{ "PUT", "/v1/x", API_ROLE_ADMIN, h_put_x },
	{ "POST", "/v1/echo", API_ROLE_ADMIN, h_echo },
	{ "GET", "/v1/items/{id}", API_ROLE_READ, h_item },
	{ "GET", "/v1/items/{id}/parts/{n}", API_ROLE_READ, h_part },
	{ "GET", "/v1/stream", API_ROLE_READ, h_stream },
	{ "GET", "/v1/fail", API_ROLE_NONE, h_fail },
	{ "POST", "/v1/teapot", API_ROLE_NONE, h_teapot },
};
#define N_ROUTES ((unsigned int)(sizeof(routes) / sizeof(routes[0])))

static void
fx_conf(struct fx *f, struct api_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->listen = "127.0.0.1:0";
	c->token_file = f->token_path;
	c->max_body = MAX_BODY;
	c->max_connections = MAX_CONN;
	c->timeout_s = IDLE_S;
	c->log = fx_log;
	c->log_arg = f;
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct api_conf c;
	char err[512];

	if (f == NULL)
		return -1;
	write_file(f->token_path, sizeof(f->token_path),
		   "admin " ADMIN_TOKEN "\nread " READ_TOKEN "\n", 0600);
	fx_conf(f, &c);
	f->a = api_start(&c, routes, N_ROUTES, f, err, sizeof(err));
	if (f->a == NULL) {
		fprintf(stderr, "api_start: %s\n", err);
		return -1;
	}
	f->port = api_port(f->a);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	api_stop(f->a);
	unlink(f->token_path);
	free(f);
	return 0;
}

/* ---- a small HTTP/1.1 client pumped together with the server ---- */

struct reply {
	int status;
	char raw[16384];
	size_t raw_len;
	size_t head_len;	/* through the blank line; 0 until seen */
	const char *body;
	size_t body_len;
	bool closed;		/* the server closed (or reset) the connection */
	char hv[1024];		/* last header value looked up */
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
conn_open_family(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		s6->sin6_addr = in6addr_loopback;
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*s4);
	}
	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	/* Loopback connects complete in the kernel, before the server accepts. */
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	return fd;
}

static int
conn_open(struct fx *f)
{
	return conn_open_family(AF_INET, f->port);
}

/* Headers seen and, unless head_only, Content-Length bytes of body. */
static bool
reply_parse(struct reply *r, bool head_only)
{
	const char *end, *cl;
	size_t want = 0;

	if (r->head_len == 0) {
		r->raw[r->raw_len] = '\0';
		end = strstr(r->raw, "\r\n\r\n");
		if (end == NULL)
			return false;
		r->head_len = (size_t)(end + 4 - r->raw);
		if (sscanf(r->raw, "HTTP/1.%*d %d", &r->status) != 1)
			r->status = -1;
	}
	cl = strcasestr(r->raw, "\r\nContent-Length:");
	if (cl != NULL && cl < r->raw + r->head_len)
		want = strtoul(cl + 17, NULL, 10);
	if (head_only)
		want = 0;
	if (r->raw_len - r->head_len < want)
		return false;
	r->body = r->raw + r->head_len;
	r->body_len = want;
	return true;
}

/*
 * Sends out (may be empty) on fd while serving, then reads until a whole reply arrived (or,
 * with until_close, until the server closes). Fails the test after EXCHANGE_MS.
 */
static void
pump(struct fx *f, int fd, const char *out, size_t out_len, struct reply *r, bool head_only,
     bool until_close)
{
	int64_t deadline = now_ms() + EXCHANGE_MS;
	size_t sent = 0;
	bool sending = true;

	memset(r, 0, sizeof(*r));
	while (now_ms() < deadline) {
		short ev = POLLIN | (sending && sent < out_len ? POLLOUT : 0);
		struct pollfd p[2] = { { fd, ev, 0 }, { api_fd(f->a), POLLIN, 0 } };
		ssize_t n;

		api_poll(f->a);
		if (sending && sent < out_len) {
			n = send(fd, out + sent, out_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				sending = false;	/* the server closed: read what it said */
		}
		if (r->raw_len < sizeof(r->raw) - 1) {
			n = recv(fd, r->raw + r->raw_len, sizeof(r->raw) - 1 - r->raw_len,
				 MSG_DONTWAIT);
			if (n > 0)
				r->raw_len += (size_t)n;
			else if (n == 0 ||
				 (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
				r->closed = true;
		}
		if (r->closed)
			break;
		if (!until_close && reply_parse(r, head_only))
			return;
		poll(p, 2, 2);
	}
	assert_true(r->closed || !until_close);
	reply_parse(r, head_only);
	r->raw[r->raw_len] = '\0';
}

/* The value of header name in r (first one), or NULL. */
static const char *
reply_header(struct reply *r, const char *name)
{
	const char *p = r->raw, *end = r->raw + r->head_len, *eol;
	size_t nl = strlen(name);

	while ((eol = strstr(p, "\r\n")) != NULL && eol < end) {
		p = eol + 2;
		if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			const char *v = p + nl + 1;
			size_t vl;

			while (*v == ' ')
				v++;
			vl = (size_t)(strstr(v, "\r\n") - v);
			snprintf(r->hv, sizeof(r->hv), "%.*s", (int)vl, v);
			return r->hv;
		}
	}
	return NULL;
}

/* Sends out while serving for ms milliseconds; whatever the server says lands in r. */
static void
pump_for(struct fx *f, int fd, const char *out, size_t out_len, int ms, struct reply *r)
{
	int64_t end = now_ms() + ms;
	size_t sent = 0;

	memset(r, 0, sizeof(*r));
	while (now_ms() < end || sent < out_len) {
		ssize_t n;

		assert_true(now_ms() < end + EXCHANGE_MS);
		api_poll(f->a);
		if (sent < out_len) {
			n = send(fd, out + sent, out_len - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
		}
		n = recv(fd, r->raw + r->raw_len, sizeof(r->raw) - 1 - r->raw_len, MSG_DONTWAIT);
		if (n > 0)
			r->raw_len += (size_t)n;
		usleep(1000);
	}
}

/* Builds and sends one request on a new connection; reads the reply. */
static void
request(struct fx *f, const char *method, const char *target, const char *token,
	const char *extra_headers, const char *body, struct reply *r)
{
	char *req;
	int fd, len;

	if (body != NULL) {
		len = asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s%s"
			       "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
			       method, target, token != NULL ? "Authorization: Bearer " : "",
			       token != NULL ? token : "", token != NULL ? "\r\n" : "",
			       extra_headers != NULL ? extra_headers : "", strlen(body), body);
	} else {
		len = asprintf(&req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s%s%s%s\r\n", method,
			       target, token != NULL ? "Authorization: Bearer " : "",
			       token != NULL ? token : "", token != NULL ? "\r\n" : "",
			       extra_headers != NULL ? extra_headers : "");
	}
	assert_true(len > 0);
	fd = conn_open(f);
	pump(f, fd, req, (size_t)len, r, strcmp(method, "HEAD") == 0, false);
	close(fd);
	free(req);
}

static json_t *
reply_json(const struct reply *r)
{
	json_error_t e;
	json_t *j = json_loadb(r->body, r->body_len, 0, &e);

	if (j == NULL)
		fprintf(stderr, "reply body is not JSON (%s): %.*s\n", e.text, (int)r->body_len,
			r->body);
	assert_non_null(j);
	return j;
}

/* Every answer of ours carries these. */
static void
assert_common_headers(struct reply *r)
{
	assert_non_null(reply_header(r, "Cache-Control"));
	assert_string_equal(reply_header(r, "Cache-Control"), "no-store");
	assert_non_null(reply_header(r, "X-Content-Type-Options"));
	assert_string_equal(reply_header(r, "X-Content-Type-Options"), "nosniff");
}

/* An RFC 9457 problem with exactly these members (field NULL: absent). */
static void
assert_problem(struct reply *r, int status, const char *title, const char *detail,
	       const char *field)
{
	json_t *j;

	assert_int_equal(r->status, status);
	assert_common_headers(r);
	assert_non_null(reply_header(r, "Content-Type"));
	assert_string_equal(reply_header(r, "Content-Type"), "application/problem+json");
	j = reply_json(r);
	assert_string_equal(json_string_value(json_object_get(j, "type")), "about:blank");
	assert_string_equal(json_string_value(json_object_get(j, "title")), title);
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	assert_string_equal(json_string_value(json_object_get(j, "detail")), detail);
	if (field != NULL)
		assert_string_equal(json_string_value(json_object_get(j, "field")), field);
	else
		assert_null(json_object_get(j, "field"));
	assert_int_equal(json_object_size(j), field != NULL ? 5 : 4);
	json_decref(j);
}

static void
assert_json_body(struct reply *r, const char *expected)
{
	json_t *got = reply_json(r), *want = json_loads(expected, 0, NULL);

	assert_non_null(want);
	assert_string_equal(reply_header(r, "Content-Type"), "application/json");
	if (!json_equal(got, want)) {
		fprintf(stderr, "got %.*s, expected %s\n", (int)r->body_len, r->body, expected);
		fail();
	}
	json_decref(got);
	json_decref(want);
}

/* ---- routing and tokens ---- */

static void
test_api_healthz_answers_ok_without_token(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_common_headers(&r);
	assert_json_body(&r, "{\"status\":\"ok\"}");
	/* A token does no harm, even a wrong one. */
	request(f, "GET", "/healthz", BAD_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
test_api_read_token_is_served_on_read_route(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/x", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_common_headers(&r);
	assert_json_body(&r, "{\"x\":\"value\",\"role\":\"read\"}");
	assert_string_equal(reply_header(&r, "ETag"), "\"x-1\"");
	assert_int_equal(f->calls, 1);
}

static void
test_api_admin_token_is_served_on_read_and_admin_routes(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/x", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"x\":\"value\",\"role\":\"admin\"}");
	request(f, "PUT", "/v1/x", ADMIN_TOKEN, NULL, "{}", &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"updated\":true}");
	assert_int_equal(f->calls, 2);
}

static void
test_api_missing_token_is_401_with_www_authenticate(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/x", NULL, NULL, NULL, &r);
	assert_problem(&r, 401, "Unauthorized",
		       "this resource needs a token: expected an Authorization: Bearer TOKEN "
		       "header", NULL);
	assert_string_equal(reply_header(&r, "WWW-Authenticate"), "Bearer realm=\"tollgate\"");
	/* Another scheme is no token either. */
	request(f, "GET", "/v1/x", NULL, "Authorization: Basic YWRtaW46YWRtaW4=\r\n", NULL, &r);
	assert_int_equal(r.status, 401);
	assert_string_equal(reply_header(&r, "WWW-Authenticate"),
			    "Bearer realm=\"tollgate\", error=\"invalid_token\"");
	assert_int_equal(f->calls, 0);
}

static void
test_api_unknown_token_is_401_invalid_token(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "PUT", "/v1/x", BAD_TOKEN, NULL, "{}", &r);
	assert_problem(&r, 401, "Unauthorized",
		       "the Authorization header holds no valid token: expected Bearer TOKEN with "
		       "a token of the token file", NULL);
	assert_string_equal(reply_header(&r, "WWW-Authenticate"),
			    "Bearer realm=\"tollgate\", error=\"invalid_token\"");
	assert_int_equal(f->calls, 0);
}

static void
test_api_read_token_on_admin_route_is_403(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "PUT", "/v1/x", READ_TOKEN, NULL, "{\"a\":1}", &r);
	assert_problem(&r, 403, "Forbidden", "PUT /v1/x needs an admin token: this one is read",
		       NULL);
	assert_string_equal(reply_header(&r, "WWW-Authenticate"),
			    "Bearer realm=\"tollgate\", error=\"insufficient_scope\"");
	request(f, "POST", "/v1/echo", READ_TOKEN, NULL, "{\"a\":1}", &r);
	assert_int_equal(r.status, 403);
	assert_int_equal(f->calls, 0);
}

/* An {id} that is not UTF-8 once decoded (an overlong "../", a stray byte) is refused
 * before the handler runs, on every method. */
static void
test_api_id_not_utf8_is_400_before_the_handler(void **state)
{
	static const char *const ids[] = { "%c0%ae%c0%ae%c0%af", "%ff", "a%ed%a0%80b",
					   "%f4%90%80%80", "%e2%82" };
	struct fx *f = *state;
	struct reply r;
	unsigned int i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		char path[64];

		snprintf(path, sizeof(path), "/v1/items/%s", ids[i]);
		request(f, "GET", path, ADMIN_TOKEN, NULL, NULL, &r);
		assert_problem(&r, 400, "Bad Request", "the id is not valid UTF-8 after "
			       "percent-decoding (overlong forms, surrogates and stray bytes are "
			       "refused)", NULL);
	}
	/* Well-formed UTF-8 reaches the handler. */
	request(f, "GET", "/v1/items/caf%c3%a9", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_not_equal(r.status, 400);
}

static void
test_api_unknown_path_is_404_problem(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/y", ADMIN_TOKEN, NULL, NULL, &r);
	assert_problem(&r, 404, "Not Found", "no resource at \"/v1/y\"", NULL);
	/* Paths match exactly: no trailing slash, no empty or nested {id}. */
	request(f, "GET", "/v1/x/", ADMIN_TOKEN, NULL, NULL, &r);
	assert_problem(&r, 404, "Not Found", "no resource at \"/v1/x/\"", NULL);
	request(f, "GET", "/v1/items/", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items/a/b", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	/* Quoted back as printable ASCII, cut after 128 characters. */
	request(f, "GET", "/v1/%0Aforged%C3%28", NULL, NULL, NULL, &r);
	assert_problem(&r, 404, "Not Found", "no resource at \"/v1/?forged?(\"", NULL);
	assert_null(strstr(f->log, "\nforged"));
	assert_non_null(strstr(f->log, "GET /v1/?forged?( 404 role=none peer=127.0.0.1:"));
	{
		char path[302], want[200];

		path[0] = '/';
		memset(path + 1, 'a', 300);
		path[301] = '\0';
		snprintf(want, sizeof(want), "no resource at \"/%.127s...\"", path + 1);
		request(f, "GET", path, NULL, NULL, NULL, &r);
		assert_problem(&r, 404, "Not Found", want, NULL);
	}
	/* Without a token too: 404 comes before 401. */
	request(f, "GET", "/nope", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	assert_int_equal(f->calls, 0);
}

static void
test_api_wrong_method_is_405_with_allow(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "DELETE", "/v1/x", ADMIN_TOKEN, NULL, NULL, &r);
	assert_problem(&r, 405, "Method Not Allowed",
		       "\"/v1/x\" does not accept DELETE: expected one of GET, HEAD, PUT", NULL);
	assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD, PUT");
	request(f, "GET", "/v1/echo", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(reply_header(&r, "Allow"), "POST");
	assert_int_equal(f->calls, 0);
}

static void
test_api_head_is_served_by_get_route_without_body(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "HEAD", "/v1/x", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_common_headers(&r);
	assert_string_equal(reply_header(&r, "Content-Type"), "application/json");
	assert_int_equal(r.raw_len, r.head_len);
}

static void
test_api_id_segment_query_and_headers_reach_handler(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/items/web%20a?q=x%26y&other=1", READ_TOKEN, "X-Test: hello\r\n",
		NULL, &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"id\":\"web a\",\"q\":\"x&y\",\"x-test\":\"hello\","
			     "\"path\":\"/v1/items/web a\"}");
	assert_string_equal(reply_header(&r, "Location"), "/v1/items/here");
	request(f, "GET", "/v1/items/7?q", READ_TOKEN, NULL, NULL, &r);
	assert_json_body(&r, "{\"id\":\"7\",\"q\":\"\",\"x-test\":null,\"path\":\"/v1/items/7\"}");
	request(f, "GET", "/v1/items/7", READ_TOKEN, NULL, NULL, &r);
	assert_json_body(&r, "{\"id\":\"7\",\"q\":null,\"x-test\":null,\"path\":\"/v1/items/7\"}");
}

static void
test_api_id_inside_path_and_last_n_segment_reach_handler(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/items/ab/parts/3", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"id\":\"ab\",\"n\":\"3\",\"path\":\"/v1/items/ab/parts/3\"}");
	/* Each placeholder is one whole, non-empty segment. */
	request(f, "GET", "/v1/items/ab/parts/", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items/ab/parts", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items/ab/parts/3/x", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items//parts/3", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items/ab/part/3", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	/* A percent-encoded slash decodes inside the segment; the route is found by segments
	 * of the decoded path, so it cannot reach another route. */
	request(f, "GET", "/v1/items/a%2Fb/parts/3", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 404);
	request(f, "GET", "/v1/items/ab", READ_TOKEN, NULL, NULL, &r);
	assert_json_body(&r, "{\"id\":\"ab\",\"q\":null,\"x-test\":null,"
			     "\"path\":\"/v1/items/ab\"}");
	request(f, "PUT", "/v1/items/ab/parts/3", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 405);
	assert_string_equal(reply_header(&r, "Allow"), "GET, HEAD");
}

static void
test_api_streamed_body_is_sent_whole_and_released_once(void **state)
{
	struct fx *f = *state;
	struct reply r;
	size_t i;

	request(f, "GET", "/v1/stream", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_common_headers(&r);
	assert_string_equal(reply_header(&r, "Content-Type"), "application/vnd.tcpdump.pcap");
	assert_string_equal(reply_header(&r, "Content-Length"), "10000");
	assert_string_equal(reply_header(&r, "Content-Disposition"), "attachment; filename=\"s\"");
	assert_int_equal(r.body_len, STREAM_LEN);
	for (i = 0; i < STREAM_LEN; i++)
		if (r.body[i] != stream_byte(i))
			fail_msg("byte %zu: got %d", i, r.body[i]);
	assert_int_equal(f->stream_fins, 1);
	/* HEAD: the headers only, and the body's source is released all the same. */
	request(f, "HEAD", "/v1/stream", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(reply_header(&r, "Content-Length"), "10000");
	assert_int_equal(r.raw_len, r.head_len);
	assert_int_equal(f->stream_fins, 2);
	/* Refused before the handler (401): nothing was made. */
	request(f, "GET", "/v1/stream", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_int_equal(f->stream_fins, 2);
}

static void
test_api_stream_reply_refused_releases_source(void **state)
{
	struct fx f;
	struct api_response r;

	(void)state;
	memset(&f, 0, sizeof(f));
	api_response_init(&r);
	assert_int_equal(api_reply_stream(&r, 99, "text/plain", 1, stream_read, stream_fin, &f),
			 -EINVAL);
	assert_int_equal(f.stream_fins, 1);
	assert_int_equal(api_reply_stream(&r, 200, "text/plain", 1, NULL, stream_fin, &f),
			 -EINVAL);
	assert_int_equal(f.stream_fins, 2);
	assert_int_equal(api_reply_stream(&r, 200, "text/plain", 1, stream_read, stream_fin, &f),
			 0);
	/* A later reply replaces it: released then. */
	assert_int_equal(api_reply_json(&r, 200, json_object(), NULL), 0);
	assert_int_equal(f.stream_fins, 3);
	api_response_release(&r);
	assert_int_equal(f.stream_fins, 3);
}

/* ---- bodies ---- */

static void
test_api_body_over_max_is_413_before_handler(void **state)
{
	struct fx *f = *state;
	char body[MAX_BODY + 2];
	struct reply r;

	memset(body, ' ', MAX_BODY + 1);
	body[0] = '{';
	body[MAX_BODY] = '}';
	body[MAX_BODY + 1] = '\0';
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, body, &r);
	assert_problem(&r, 413, "Content Too Large",
		       "request body of 1025 bytes: expected at most 1024", NULL);
	assert_int_equal(f->calls, 0);
	/* With Expect: 100-continue the refusal comes instead of the 100. */
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, "Expect: 100-continue\r\n", body, &r);
	assert_int_equal(r.status, 413);
	assert_null(strstr(r.raw, "100 Continue"));
	assert_int_equal(f->calls, 0);
}

static void
test_api_body_of_max_bytes_is_accepted(void **state)
{
	struct fx *f = *state;
	char body[MAX_BODY + 1];
	struct reply r;

	memset(body, ' ', MAX_BODY);
	memcpy(body, "{\"a\":1", 6);
	body[MAX_BODY - 1] = '}';
	body[MAX_BODY] = '\0';
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, body, &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"a\":1}");
	assert_string_equal(reply_header(&r, "ETag"), "\"echo-1\"");
}

/* A chunked POST to /v1/echo of the given chunks, sent with serving in between. */
static void
chunked_echo(struct fx *f, const char *const *chunks, struct reply *r)
{
	static const char head[] = "POST /v1/echo HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				   "Authorization: Bearer " ADMIN_TOKEN "\r\n"
				   "Content-Type: application/json\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";
	struct reply ignored;
	char buf[4096];
	int fd, i;

	fd = conn_open(f);
	/* Each piece is served on its own (nothing answers yet): separate upload calls. */
	pump_for(f, fd, head, strlen(head), 20, &ignored);
	assert_int_equal(ignored.raw_len, 0);
	for (i = 0; chunks[i] != NULL; i++) {
		int n = snprintf(buf, sizeof(buf), "%zx\r\n%s\r\n", strlen(chunks[i]), chunks[i]);

		assert_true(n > 0 && (size_t)n < sizeof(buf));
		pump_for(f, fd, buf, (size_t)n, 20, &ignored);
		assert_int_equal(ignored.raw_len, 0);
	}
	pump(f, fd, "0\r\n\r\n", 5, r, false, false);
	close(fd);
}

static void
test_api_chunked_body_is_joined_across_reads(void **state)
{
	static const char *const chunks[] = { "{\"name\":", "\"web\",\"n\"", ":[1,2,3]}", NULL };
	struct fx *f = *state;
	struct reply r;

	chunked_echo(f, chunks, &r);
	assert_int_equal(r.status, 200);
	assert_json_body(&r, "{\"name\":\"web\",\"n\":[1,2,3]}");
}

static void
test_api_chunked_body_over_max_is_413(void **state)
{
	char big[1001], small[26];
	const char *chunks[] = { big, small, NULL };
	struct fx *f = *state;
	struct reply r;

	memset(big, ' ', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(small, ' ', sizeof(small) - 1);
	small[sizeof(small) - 1] = '\0';
	chunked_echo(f, chunks, &r);
	assert_problem(&r, 413, "Content Too Large", "request body longer than 1024 bytes", NULL);
	assert_int_equal(f->calls, 0);
}

static void
test_api_invalid_json_is_400_problem_with_field(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "{\"a\": }", &r);
	assert_problem(&r, 400, "Bad Request",
		       "request body is not valid JSON: line 1 column 7: unexpected token near '}'",
		       "");
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "{\"a\":1,\n\"a\":2}", &r);
	assert_problem(&r, 400, "Bad Request",
		       "request body is not valid JSON: line 2 column 3: duplicate object key "
		       "near '\"a\"'", "");
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "[1,2]", &r);
	assert_problem(&r, 400, "Bad Request", "request body is an array: expected a JSON object",
		       "");
	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "", &r);
	assert_problem(&r, 400, "Bad Request", "request body is empty: expected a JSON object",
		       "");
}

static void
test_api_handler_refusal_names_json_pointer(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "{\"name\":5}", &r);
	assert_problem(&r, 400, "Bad Request", "name: expected a string", "/name");
}

/* ---- handler failures ---- */

static void
test_api_handler_failure_without_reply_is_500(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "GET", "/v1/fail", NULL, NULL, NULL, &r);
	assert_problem(&r, 500, "Internal Server Error",
		       "the request could not be served: see the log", NULL);
	assert_non_null(strstr(f->log, "GET /v1/fail: the handler Input/output error without a "
					"reply"));
	/* A handler that replied and then failed keeps its reply. */
	request(f, "POST", "/v1/teapot", NULL, NULL, NULL, &r);
	assert_problem(&r, 422, "Unprocessable Content", "short and stout", NULL);
}

/* ---- connections ---- */

static void
test_api_keep_alive_serves_requests_in_sequence(void **state)
{
	static const char req[] = "GET /v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				  "Authorization: Bearer " READ_TOKEN "\r\n\r\n";
	struct fx *f = *state;
	struct reply r;
	int fd = conn_open(f), i;

	for (i = 0; i < 3; i++) {
		pump(f, fd, req, strlen(req), &r, false, false);
		assert_int_equal(r.status, 200);
		assert_false(r.closed);
	}
	close(fd);
	assert_int_equal(f->calls, 3);
}

static void
test_api_refusal_keeps_connection_open_unless_body_follows(void **state)
{
	static const char get_x[] = "GET /v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char healthz[] = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
	static const char put_x[] = "PUT /v1/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
				    "Content-Length: 2\r\n\r\n{}";
	struct fx *f = *state;
	struct reply r;
	int fd = conn_open(f);

	/* Nothing to skip: the same connection serves the next request. */
	pump(f, fd, get_x, strlen(get_x), &r, false, false);
	assert_int_equal(r.status, 401);
	assert_null(reply_header(&r, "Connection"));
	pump(f, fd, healthz, strlen(healthz), &r, false, false);
	assert_int_equal(r.status, 200);
	/* A body the server will not read: answered at once, then the connection closes. */
	pump(f, fd, put_x, strlen(put_x), &r, false, true);
	assert_int_equal(r.status, 401);
	assert_string_equal(reply_header(&r, "Connection"), "close");
	assert_true(r.closed);
	close(fd);
}

static void
test_api_malformed_requests_are_refused_and_server_survives(void **state)
{
	static const char *const bad[] = {
		"GARBAGE\r\n\r\n",
		"GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
		"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n",
		"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",	/* a TLS hello */
		"POST /v1/echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
		"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	};
	struct fx *f = *state;
	struct reply r;
	size_t i;

	char *huge;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int fd = conn_open(f);

		pump(f, fd, bad[i], strlen(bad[i]), &r, false, true);
		close(fd);
		/* Refused (libmicrohttpd's 4xx/5xx) or closed without a word, never served. */
		if (r.raw_len > 0 && !(r.status >= 400 && r.status <= 505)) {
			fprintf(stderr, "request %zu got: %s\n", i, r.raw);
			fail();
		}
	}
	/* Headers past the 32 KiB per connection: refused by libmicrohttpd. */
	huge = malloc(40 * 1024);
	assert_non_null(huge);
	memset(huge, 'a', 40 * 1024 - 1);
	huge[40 * 1024 - 1] = '\0';
	request(f, "GET", "/healthz", NULL, huge, NULL, &r);
	free(huge);
	assert_true(r.status == 431 || r.status == 413 || r.status == 400);
	request(f, "GET", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(f->calls, 0);
}

/* ---- requests that could be read more than one way ---- */

/* A write the server must never run: it follows a head whose end is in doubt. */
#define SMUGGLED	"PUT /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ADMIN_TOKEN \
			"\r\nContent-Length: 2\r\n\r\n{}"
#define ADMIN_LINE	"Authorization: Bearer " ADMIN_TOKEN "\r\n"
#define RAW(s)		s, sizeof(s) - 1

struct bad_head {
	const char *raw;
	size_t len;
	const char *detail;
	int kind;	/* 0 framing, 1 header, 2 target */
};

static const struct bad_head bad_heads[] = {
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Content-Length: 5\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
	  "the request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.3): "
	  "expected one of them", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding: chunked\r\n"
	      "Content-Length: 5\r\n\r\n0\r\n\r\n" SMUGGLED),
	  "the request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.3): "
	  "expected one of them", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Content-Length: 2\r\n"
	      "Content-Length: 90\r\n\r\n{}" SMUGGLED),
	  "header field Content-Length appears 2 times: expected it once", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Content-Length: 2\r\n"
	      "content-length: 2\r\n\r\n{}" SMUGGLED),
	  "header field Content-Length appears 2 times: expected it once", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding: chunked\r\n"
	      "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
	  "header field Transfer-Encoding appears 2 times: expected it once", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding: gzip, "
	      "chunked\r\n\r\n0\r\n\r\n" SMUGGLED),
	  "Transfer-Encoding \"gzip, chunked\": expected \"chunked\", the only transfer coding "
	  "this server reads", 0 },
	{ RAW("POST /v1/echo HTTP/1.0\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding: chunked\r\n"
	      "\r\n0\r\n\r\n" SMUGGLED),
	  "Transfer-Encoding on an HTTP/1.0 request (RFC 9112 section 6.1): expected HTTP/1.1, "
	  "or Content-Length", 0 },
	{ RAW("POST /v1/echo HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding : chunked\r\n"
	      "Content-Length: 5\r\n\r\n0\r\n\r\n" SMUGGLED),
	  "header field name \"Transfer-Encoding \" is not a token (RFC 9110 section 5.1): no "
	  "whitespace is allowed before the colon", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nX-Test\t: 1\r\n" ADMIN_LINE "\r\n" SMUGGLED),
	  "header field name \"X-Test?\" is not a token (RFC 9110 section 5.1): no whitespace is "
	  "allowed before the colon", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ADMIN_TOKEN "\0anything\r\n"
	      "\r\n" SMUGGLED),
	  "header field Authorization has a NUL byte in its value (RFC 9110 section 5.5): "
	  "expected none", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ADMIN_TOKEN "\0\r\n\r\n"
	      SMUGGLED),
	  "header field Authorization has a NUL byte in its value (RFC 9110 section 5.5): "
	  "expected none", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " ADMIN_TOKEN "\0 \0x\r\n"
	      "X-Test: 1\r\n\r\n" SMUGGLED),
	  "header field Authorization has a NUL byte in its value (RFC 9110 section 5.5): "
	  "expected none", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "X-Test: a\0b\r\n\r\n" SMUGGLED),
	  "header field X-Test has a NUL byte in its value (RFC 9110 section 5.5): expected none",
	  1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "X-Test:\0b\r\n\r\n" SMUGGLED),
	  "header field X-Test has a NUL byte in its value (RFC 9110 section 5.5): expected none",
	  1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "X-Test: a\r\n b\r\n\r\n" SMUGGLED),
	  "a header field is folded over more than one line (obs-fold, RFC 9112 section 5.2): "
	  "expected one line per field", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nHost: y\r\n" ADMIN_LINE "\r\n" SMUGGLED),
	  "header field Host appears 2 times: expected it once", 1 },
	{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Authorization: Bearer "
	      READ_TOKEN "\r\n\r\n" SMUGGLED),
	  "header field Authorization appears 2 times: expected it once", 1 },
	{ RAW("GET /v1/items/a\0b HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "\r\n" SMUGGLED),
	  "the request target holds a NUL byte: expected none (a path or parameter would be "
	  "read cut short)", 2 },
	{ RAW("GET /v1/items/a%00b HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "\r\n" SMUGGLED),
	  "the request target holds a NUL byte (%00): expected none (a path or parameter would "
	  "be read cut short)", 2 },
	{ RAW("GET /v1/items/a?q=1%002 HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "\r\n" SMUGGLED),
	  "the request target holds a NUL byte (%00): expected none (a path or parameter would "
	  "be read cut short)", 2 },
};

static void
test_api_ambiguous_heads_are_400_and_closed_before_any_handler(void **state)
{
	struct fx *f = *state;
	struct api_counters ac;
	unsigned int n[3] = { 0 };
	struct reply r;
	size_t i;

	for (i = 0; i < sizeof(bad_heads) / sizeof(bad_heads[0]); i++) {
		const struct bad_head *b = &bad_heads[i];
		int fd = conn_open(f);

		/* Until the server closes: the smuggled PUT would answer a second time. */
		pump(f, fd, b->raw, b->len, &r, false, true);
		close(fd);
		if (r.status != 400)
			fprintf(stderr, "case %zu got: %s\n", i, r.raw);
		assert_problem(&r, 400, "Bad Request", b->detail, NULL);
		assert_string_equal(reply_header(&r, "Connection"), "close");
		assert_true(r.closed);
		assert_int_equal(r.raw_len, r.head_len + r.body_len);
		assert_int_equal(f->calls, 0);
		n[b->kind]++;
	}
	api_counters_get(f->a, &ac);
	assert_int_equal(ac.bad_framing, n[0]);
	assert_int_equal(ac.bad_header, n[1]);
	assert_int_equal(ac.bad_target, n[2]);
	assert_int_equal(ac.duplicate_query, 0);
	/* Each refusal is one log line naming the closed connection, at INFO. */
	assert_non_null(strstr(f->log, "2 GET /v1/x 400 role=none peer=127.0.0.1:"));
	assert_non_null(strstr(f->log, " connection closed\n"));
	request(f, "GET", "/v1/x", READ_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
}

/* Heads of every legitimate shape the checks must let through, each served. */
static void
test_api_well_formed_heads_pass_the_checks(void **state)
{
	static const struct {
		const char *raw;
		size_t len;
	} good[] = {
		{ RAW("GET /v1/x HTTP/1.1\nHost: x\nAuthorization: Bearer " READ_TOKEN "\n\n") },
		{ RAW("\r\nGET /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "\r\n") },
		{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Blank: \r\n" ADMIN_LINE
		      "X-Trail: a \t \r\nX-Tab:\tin\tside\r\nX-Mixed: a\nAccept: */*\r\n\r\n") },
		{ RAW("GET /v1/x HTTP/1.1\r\nHost: x\r\nAuthorization:Bearer " ADMIN_TOKEN
		      "\r\nX-Last: v\r\n\r\n") },
		{ RAW("GET /v1/items/a%41?q=%41&r=1&s HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "\r\n") },
		{ RAW("PUT /v1/x HTTP/1.0\r\nHost: x\r\n" ADMIN_LINE "Content-Length: 2\r\n\r\n{}") },
		{ RAW("PUT /v1/x HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE "Transfer-Encoding: Chunked\r\n"
		      "\r\n2\r\n{}\r\n0\r\n\r\n") },
	};
	struct fx *f = *state;
	struct api_counters ac;
	char many[300 * 32];
	struct reply r;
	size_t i, o = 0;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int fd = conn_open(f);

		pump(f, fd, good[i].raw, good[i].len, &r, false, false);
		close(fd);
		if (r.status != 200)
			fprintf(stderr, "case %zu got: %s\n", i, r.raw);
		assert_int_equal(r.status, 200);
		assert_int_equal(f->calls, i + 1);
	}
	/* Many fields: the layout is walked field by field. */
	for (i = 0; i < 300; i++)
		o += (size_t)snprintf(many + o, sizeof(many) - o, "X-Field-%zu: value %zu\r\n", i, i);
	request(f, "GET", "/v1/x", READ_TOKEN, many, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(f->calls, sizeof(good) / sizeof(good[0]) + 1);
	api_counters_get(f->a, &ac);
	assert_int_equal(ac.bad_framing + ac.bad_header + ac.bad_target + ac.duplicate_query, 0);
}

static void
test_api_repeated_query_parameter_is_400_naming_it(void **state)
{
	static const struct {
		const char *target;
		const char *name;
	} dup[] = {
		{ "/v1/items/7?q=0&q=1", "q" },
		{ "/v1/items/7?q&q=1", "q" },
		{ "/v1/items/7?a=1&b=2&a=1", "a" },
		/* Both repeat: the one whose second copy comes first is named. */
		{ "/v1/items/7?b=1&a=1&b=2&a=2", "b" },
		{ "/v1/items/7?a=1&b=1&a=2&b=2", "a" },
		{ "/v1/x?q=1&q=2", "q" },
		{ "/healthz?x&x", "x" },
	};
	struct fx *f = *state;
	struct api_counters ac;
	char detail[256], req[512];
	struct reply r;
	size_t i;
	int fd = conn_open(f);

	for (i = 0; i < sizeof(dup) / sizeof(dup[0]); i++) {
		int n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n" ADMIN_LINE
				 "\r\n", dup[i].target);

		/* One connection: a repeated parameter leaves the framing in no doubt. */
		pump(f, fd, req, (size_t)n, &r, false, false);
		snprintf(detail, sizeof(detail), "query parameter \"%s\" is given more than once: "
			 "expected it at most once", dup[i].name);
		assert_problem(&r, 400, "Invalid query", detail, dup[i].name);
		assert_null(reply_header(&r, "Connection"));
		assert_false(r.closed);
	}
	close(fd);
	assert_int_equal(f->calls, 0);
	api_counters_get(f->a, &ac);
	assert_int_equal(ac.duplicate_query, sizeof(dup) / sizeof(dup[0]));
	assert_int_equal(ac.bad_framing + ac.bad_header + ac.bad_target, 0);
	/* Distinct names, and the same value under two names, are served. */
	request(f, "GET", "/v1/items/7?q=1&Q=1&qq=1", READ_TOKEN, NULL, NULL, &r);
	assert_json_body(&r, "{\"id\":\"7\",\"q\":\"1\",\"x-test\":null,\"path\":\"/v1/items/7\"}");
}

static void
test_api_idle_connection_is_closed_after_timeout(void **state)
{
	struct fx *f = *state;
	struct reply r;
	int64_t t0 = now_ms();
	int fd = conn_open(f);

	/* A client that stops mid-request is dropped after IDLE_S seconds. */
	pump(f, fd, "GET /heal", 9, &r, false, true);
	assert_true(r.closed);
	assert_int_equal(r.raw_len, 0);
	assert_true(now_ms() - t0 >= IDLE_S * 1000 - 100);
	close(fd);
	request(f, "GET", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
test_api_connections_past_the_limit_wait_for_a_slot(void **state)
{
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
	struct fx *f = *state;
	int held[MAX_CONN], extra, i;
	struct reply r;

	for (i = 0; i < MAX_CONN; i++)
		held[i] = conn_open(f);
	/* A request on each proves the server accepted and holds it (keep-alive). */
	for (i = 0; i < MAX_CONN; i++) {
		pump(f, held[i], req, strlen(req), &r, false, false);
		assert_int_equal(r.status, 200);
	}
	/* One more is not accepted: it waits in the listen backlog, unserved (well within the
	 * idle timeout of the held ones). */
	extra = conn_open(f);
	pump_for(f, extra, req, strlen(req), 300, &r);
	assert_int_equal(r.raw_len, 0);
	assert_int_equal(f->calls, 0);
	/* A slot comes back once the server has seen a close, and the waiting one is served. */
	close(held[0]);
	pump(f, extra, "", 0, &r, false, false);
	assert_int_equal(r.status, 200);
	close(extra);
	for (i = 1; i < MAX_CONN; i++)
		close(held[i]);
}

/* ---- logging, reload ---- */

static void
test_api_log_holds_no_token_and_no_body(void **state)
{
	struct fx *f = *state;
	struct reply r;

	request(f, "POST", "/v1/echo", ADMIN_TOKEN, NULL, "{\"secret\":\"s3cr3t-value\"}", &r);
	assert_int_equal(r.status, 200);
	request(f, "POST", "/v1/echo", BAD_TOKEN, NULL, "{\"secret\":\"s3cr3t-value\"}", &r);
	assert_int_equal(r.status, 401);
	request(f, "POST", "/v1/echo", READ_TOKEN, NULL, "{\"secret\":\"s3cr3t-value\"}", &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(f->log, "POST /v1/echo 200 role=admin peer=127.0.0.1:"));
	assert_non_null(strstr(f->log, "POST /v1/echo 401 role=none peer=127.0.0.1:"));
	assert_non_null(strstr(f->log, "POST /v1/echo 403 role=read peer=127.0.0.1:"));
	assert_null(strstr(f->log, ADMIN_TOKEN));
	assert_null(strstr(f->log, READ_TOKEN));
	assert_null(strstr(f->log, BAD_TOKEN));
	assert_null(strstr(f->log, "s3cr3t"));
}

static void
test_api_reload_tokens_swaps_and_keeps_on_failure(void **state)
{
	struct fx *f = *state;
	struct reply r;
	char err[1024], want[1024];
	FILE *fp;

	fp = fopen(f->token_path, "w");
	assert_non_null(fp);
	fputs("admin new-admin-token-000001\n", fp);
	fclose(fp);
	assert_int_equal(api_reload_tokens(f->a, err, sizeof(err)), 0);
	request(f, "GET", "/v1/x", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	request(f, "GET", "/v1/x", "new-admin-token-000001", NULL, NULL, &r);
	assert_int_equal(r.status, 200);

	/* A refused file leaves the tokens in use. */
	assert_int_equal(chmod(f->token_path, 0644), 0);
	assert_int_equal(api_reload_tokens(f->a, err, sizeof(err)), -EINVAL);
	snprintf(want, sizeof(want),
		 "%s: mode 0644 lets group or others access the tokens: expected no group or "
		 "other permissions (chmod 600 %s)",
		 f->token_path, f->token_path);
	assert_string_equal(err, want);
	request(f, "GET", "/v1/x", "new-admin-token-000001", NULL, NULL, &r);
	assert_int_equal(r.status, 200);
}

static void
test_api_without_token_file_refuses_every_token(void **state)
{
	struct fx *f = *state;
	struct api *plain = f->a;
	struct api_conf c = { .listen = "127.0.0.1:0" };
	char err[256];
	struct reply r;

	f->a = api_start(&c, routes, N_ROUTES, f, err, sizeof(err));
	assert_non_null(f->a);
	f->port = api_port(f->a);
	request(f, "GET", "/v1/x", ADMIN_TOKEN, NULL, NULL, &r);
	assert_int_equal(r.status, 401);
	request(f, "GET", "/healthz", NULL, NULL, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(api_reload_tokens(f->a, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "token_file: none configured");
	api_stop(f->a);
	f->a = plain;
}

/* ---- start-up refusals ---- */

static void
expect_start_refused(struct api_conf *c, const struct api_route *rt, unsigned int n,
		     const char *want)
{
	char err[1024];

	strcpy(err, "untouched");
	assert_null(api_start(c, rt, n, NULL, err, sizeof(err)));
	assert_string_equal(err, want);
}

/* Beyond loopback, the API needs TLS and tokens; on loopback plain HTTP is fine. */
static void
test_api_start_refuses_open_listen_without_tls_or_tokens(void **state)
{
	struct fx *f = *state;
	struct api_conf c;

	fx_conf(f, &c);
	c.listen = "0.0.0.0:0";
	c.tls_cert = c.tls_key = NULL;
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"0.0.0.0:0\": not a loopback address: the API needs "
			     "tls_cert/tls_key and a token_file there (tokens would cross the "
			     "network in clear text)");
	c.listen = "[::]:0";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"[::]:0\": not a loopback address: the API needs "
			     "tls_cert/tls_key and a token_file there (tokens would cross the "
			     "network in clear text)");
}

static void
test_api_start_refuses_bad_listen_addresses(void **state)
{
	struct fx *f = *state;
	struct api_conf c;

	fx_conf(f, &c);
	c.listen = "localhost:8470";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"localhost:8470\": \"localhost\" is not an IPv4 address: "
			     "expected e.g. 127.0.0.1:8470");
	c.listen = "127.0.0.1";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"127.0.0.1\": expected IPV4:PORT or [IPV6]:PORT, e.g. "
			     "127.0.0.1:8470 or [::1]:8470");
	c.listen = "::1:8470";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"::1:8470\": expected IPV4:PORT or [IPV6]:PORT, e.g. "
			     "127.0.0.1:8470 or [::1]:8470");
	c.listen = "[::1]:65536";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"[::1]:65536\": port \"65536\": expected a number from 0 to "
			     "65535");
	c.listen = "127.0.0.1:-1";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"127.0.0.1:-1\": port \"-1\": expected a number from 0 to "
			     "65535");
	c.listen = "[127.0.0.1]:80";
	expect_start_refused(&c, routes, N_ROUTES,
			     "listen \"[127.0.0.1]:80\": \"127.0.0.1\" is not an IPv6 address: "
			     "expected e.g. [::1]:8470");
}

static void
test_api_start_refuses_port_in_use(void **state)
{
	struct fx *f = *state;
	struct api_conf c;
	char listen_s[64], want[256];

	fx_conf(f, &c);
	snprintf(listen_s, sizeof(listen_s), "127.0.0.1:%d", f->port);
	c.listen = listen_s;
	snprintf(want, sizeof(want), "listen \"%s\": bind: Address already in use", listen_s);
	expect_start_refused(&c, routes, N_ROUTES, want);
}

static void
test_api_start_refuses_bad_routes(void **state)
{
	struct fx *f = *state;
	struct api_route rt[2];
	struct api_conf c;

	fx_conf(f, &c);
	rt[0] = routes[0];
	rt[1] = routes[0];
	expect_start_refused(&c, rt, 2, "routes[1]: GET /v1/x: same as routes[0]");
	rt[1] = (struct api_route){ "GET", "/healthz", API_ROLE_NONE, h_get_x };
	expect_start_refused(&c, rt, 2, "routes[1]: GET /healthz is built in");
	rt[1] = (struct api_route){ "GET", "/v1/{id}/x/{id}", API_ROLE_READ, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].path \"/v1/{id}/x/{id}\": expected /segment/... with at "
			     "most one segment {id} and a last segment {n}");
	rt[1] = (struct api_route){ "GET", "/v1/{n}/x", API_ROLE_READ, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].path \"/v1/{n}/x\": expected /segment/... with at most "
			     "one segment {id} and a last segment {n}");
	rt[1] = (struct api_route){ "GET", "/v1/x{id}", API_ROLE_READ, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].path \"/v1/x{id}\": expected /segment/... with at most "
			     "one segment {id} and a last segment {n}");
	rt[1] = (struct api_route){ "GET", "v1/x", API_ROLE_READ, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].path \"v1/x\": expected /segment/... with at most one "
			     "segment {id} and a last segment {n}");
	rt[1] = (struct api_route){ "get", "/v1/y", API_ROLE_READ, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].method \"get\": expected an upper-case HTTP method");
	rt[1] = (struct api_route){ "GET", "/v1/y", (enum api_role)9, h_get_x };
	expect_start_refused(&c, rt, 2,
			     "routes[1].role 9: expected API_ROLE_NONE, _READ or _ADMIN");
	rt[1] = (struct api_route){ "GET", "/v1/y", API_ROLE_READ, NULL };
	expect_start_refused(&c, rt, 2, "routes[1].fn: NULL: expected a handler");
}

static void
test_api_start_refuses_bad_token_and_tls_files(void **state)
{
	struct fx *f = *state;
	struct api_conf c;
	char path[256], want[1024];

	fx_conf(f, &c);
	write_file(path, sizeof(path), "admin " ADMIN_TOKEN "\n", 0644);
	c.token_file = path;
	snprintf(want, sizeof(want),
		 "%s: mode 0644 lets group or others access the tokens: expected no group or "
		 "other permissions (chmod 600 %s)",
		 path, path);
	expect_start_refused(&c, routes, N_ROUTES, want);
	unlink(path);

	fx_conf(f, &c);
	c.tls_cert = "/nonexistent/cert.pem";
	expect_start_refused(&c, routes, N_ROUTES,
			     "tls_cert \"/nonexistent/cert.pem\", tls_key \"\": expected both or "
			     "neither");
	c.tls_key = "/nonexistent/key.pem";
	expect_start_refused(&c, routes, N_ROUTES,
			     "tls_cert \"/nonexistent/cert.pem\": No such file or directory");
}

/* ---- the helpers without a server ---- */

static void
test_api_reply_helpers_refuse_bad_values(void **state)
{
	static const char conflict[] = "{\"type\":\"about:blank\",\"title\":\"Conflict\","
				       "\"status\":409,\"detail\":\"policy \\\"web\\\" changed\","
				       "\"field\":\"/rev\"}\n";
	static const char cut[] = "{\"type\":\"about:blank\",\"title\":\"Not Found\","
		"\"status\":404,\"detail\":\"no rule \\\"abc?\\\"\",\"field\":\"/x??\"}\n";
	static const char typed[] = "{\"type\":\"tag:tollgate,2024:problem/conflict\","
				    "\"title\":\"Revision conflict\",\"status\":409}\n";
	struct api_response r;

	(void)state;
	api_response_init(&r);
	assert_int_equal(api_reply_json(&r, 99, json_object(), NULL), -EINVAL);
	assert_int_equal(api_reply_json(&r, 600, json_object(), NULL), -EINVAL);
	assert_int_equal(api_reply_json(&r, 204, json_object(), NULL), -EINVAL);
	assert_int_equal(api_reply_json(&r, 200, json_object(), "a\"b"), -EINVAL);
	assert_int_equal(api_reply_text(&r, 200, "text/plain\r\nX-Evil: 1", "x", 1), -EINVAL);
	assert_int_equal(r.status, 0);
	assert_int_equal(api_reply_json(&r, 204, NULL, NULL), 0);
	assert_int_equal(r.status, 204);
	assert_string_equal(r.content_type, "");
	assert_int_equal(r.len, 0);
	assert_int_equal(api_reply_header(&r, "X-Ok", "a\nb"), -EINVAL);
	assert_int_equal(api_reply_header(&r, "Bad Name", "v"), -EINVAL);
	assert_int_equal(api_reply_header(&r, "content-length", "3"), -EINVAL);
	assert_int_equal(api_reply_header(&r, "Cache-Control", "max-age=60"), -EINVAL);
	assert_int_equal(api_reply_header(&r, "X-Ok", "v"), 0);
	/* A later reply replaces the earlier one, headers included. */
	assert_int_equal(api_reply_text(&r, 202, "text/plain", "hi", 2), 0);
	assert_int_equal(r.status, 202);
	assert_string_equal(r.content_type, "text/plain");
	assert_int_equal(r.len, 2);
	assert_memory_equal(r.body, "hi", 2);
	assert_int_equal(r.n_headers, 0);
	assert_int_equal(api_reply_problem(&r, 409, NULL, "policy \"web\" changed", "/rev"), 0);
	assert_string_equal(r.content_type, "application/problem+json");
	assert_int_equal(r.len, strlen(conflict));
	assert_memory_equal(r.body, conflict, r.len);
	assert_int_equal(api_reply_problem_type(&r, 409, "tag:tollgate,2024:problem/conflict",
						"Revision conflict", NULL, NULL), 0);
	assert_int_equal(r.len, strlen(typed));
	assert_memory_equal(r.body, typed, r.len);
	/* A quote cut inside a character ("%.4s" of "abcé", of "€") is still a problem:
	 * each byte of the broken sequence shown as '?'. */
	assert_int_equal(api_reply_problem(&r, 404, NULL, "no rule \"abc\xc3\"",
					   "/x\xe2\x82"), 0);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.len, strlen(cut));
	assert_memory_equal(r.body, cut, r.len);
	api_response_release(&r);
	assert_int_equal(r.status, 0);
	assert_null(r.body);
}

static void
test_api_request_accessors_work_without_a_server(void **state)
{
	static const char *const headers[] = { "If-Match", "\"3\"", NULL };
	static const char *const query[] = { "dry_run", "1", NULL };
	struct api_request req = {
		.method = "PUT",
		.path = "/v1/policies/web",
		.id = "web",
		.body = "{\"a\":[1]}",
		.body_len = 9,
		.role = API_ROLE_ADMIN,
		.headers = headers,
		.query = query,
	};
	char err[256];
	json_t *j;

	(void)state;
	assert_string_equal(api_request_header(&req, "if-match"), "\"3\"");
	assert_null(api_request_header(&req, "X-None"));
	assert_string_equal(api_request_query(&req, "dry_run"), "1");
	assert_null(api_request_query(&req, "DRY_RUN"));
	j = api_request_json(&req, err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_array_get(json_object_get(j, "a"), 0)), 1);
	json_decref(j);
	req.body = "true";
	req.body_len = 4;
	assert_null(api_request_json(&req, err, sizeof(err)));
	assert_string_equal(err, "request body is a boolean: expected a JSON object");
}

/* ---- other listeners ---- */

static void
test_api_serves_ipv6_loopback(void **state)
{
	static const char req[] = "GET /v1/x HTTP/1.1\r\nHost: [::1]\r\n"
				  "Authorization: Bearer " READ_TOKEN "\r\n\r\n";
	struct fx *f = *state;
	struct api_conf c;
	struct api *a6, *a4 = f->a;
	char err[512];
	struct reply r;
	int probe, fd;

	probe = socket(AF_INET6, SOCK_STREAM, 0);
	if (probe < 0)
		skip();
	close(probe);
	fx_conf(f, &c);
	c.listen = "[::1]:0";
	a6 = api_start(&c, routes, N_ROUTES, f, err, sizeof(err));
	if (a6 == NULL && strstr(err, "Cannot assign requested address") != NULL)
		skip();	/* no ::1 in this sandbox */
	assert_non_null(a6);
	f->a = a6;
	fd = conn_open_family(AF_INET6, api_port(a6));
	pump(f, fd, req, strlen(req), &r, false, false);
	close(fd);
	f->a = a4;
	api_stop(a6);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(f->log, "GET /v1/x 200 role=read peer=[::1]:"));
}

/*
 * A throw-away self-signed certificate for 127.0.0.1, ::1 and localhost (P-256, valid
 * 2020-2120), made for this test only and trusted nowhere else.
 */
static const char test_cert[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIIBeTCCAR+gAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAlsb2NhbGhv\n"
	"c3QwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM\n"
	"CWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABPvKdI8xYtN00KC/\n"
	"BmoSdBr22+XZ9mLXrhHflaBg8LYwvmERfL70bKqTDSjRhgie/TerM0A/i6Zq99xy\n"
	"Kevd3qWjYDBeMA8GA1UdEwEB/wQFMAMBAf8wLAYDVR0RBCUwI4cEfwAAAYcQAAAA\n"
	"AAAAAAAAAAAAAAAAAYIJbG9jYWxob3N0MB0GA1UdDgQWBBT9sLo08QG9QByeIMrj\n"
	"Tb07KNQ/GTAKBggqhkjOPQQDAgNIADBFAiBPiLdPu6joTVWqaHlrKq7bEw2Sh0fB\n"
	"etrqwHESHZWvwgIhAKXGSejVIt6X8Mi+oVLC1ypXssPHP4NmCgN+A1YyRuGS\n"
	"-----END CERTIFICATE-----\n";
static const char test_key[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgZ8OoZGyga78ByWjd\n"
	"yw7e3ObYWlh3lRrxOFlJp4aXMMChRANCAAT7ynSPMWLTdNCgvwZqEnQa9tvl2fZi\n"
	"164R35WgYPC2ML5hEXy+9Gyqkw0o0YYInv03qzNAP4umavfccinr3d6l\n"
	"-----END PRIVATE KEY-----\n";

static void
test_api_tls_refuses_open_key_and_mismatched_files(void **state)
{
	struct fx *f = *state;
	char cert[256], key[256], want[1024], err[1024];
	struct api_conf c;

	write_file(cert, sizeof(cert), test_cert, 0644);
	write_file(key, sizeof(key), test_key, 0644);
	fx_conf(f, &c);
	c.tls_cert = cert;
	c.tls_key = key;
	snprintf(want, sizeof(want),
		 "tls_key \"%s\": mode 0644 lets others access the private key: expected no "
		 "permissions for others (chmod 600 or 640)",
		 key);
	expect_start_refused(&c, routes, N_ROUTES, want);
	/* A certificate where the key should be. */
	assert_int_equal(chmod(cert, 0600), 0);
	c.tls_key = cert;
	assert_null(api_start(&c, routes, N_ROUTES, NULL, err, sizeof(err)));
	snprintf(want, sizeof(want),
		 "tls_cert \"%s\", tls_key \"%s\": the HTTPS server on 127.0.0.1:0 did not "
		 "start: ",
		 cert, cert);
	assert_memory_equal(err, want, strlen(want));
	unlink(cert);
	unlink(key);
}

#ifdef TOLLGATE_HAVE_LIBCURL
static size_t
curl_sink(char *p, size_t size, size_t n, void *arg)
{
	struct reply *r = arg;
	size_t len = size * n;

	if (len > sizeof(r->raw) - 1 - r->raw_len)
		len = sizeof(r->raw) - 1 - r->raw_len;
	memcpy(r->raw + r->raw_len, p, len);
	r->raw_len += len;
	return size * n;
}

static void
test_api_tls_serves_https(void **state)
{
	struct fx *f = *state;
	char cert[256], key[256], url[64], err[1024];
	struct curl_blob ca = { (void *)test_cert, sizeof(test_cert) - 1, CURL_BLOB_NOCOPY };
	struct curl_slist *hdrs = NULL;
	struct api_conf c;
	struct api *tls, *plain = f->a;
	CURLM *m;
	CURL *h;
	struct reply r;
	long status = 0;
	int running = 1;
	int64_t deadline;

	write_file(cert, sizeof(cert), test_cert, 0644);
	write_file(key, sizeof(key), test_key, 0600);
	fx_conf(f, &c);
	c.tls_cert = cert;
	c.tls_key = key;
	c.timeout_s = 10;	/* handshakes under valgrind take seconds */
	tls = api_start(&c, routes, N_ROUTES, f, err, sizeof(err));
	if (tls == NULL)
		fprintf(stderr, "api_start: %s\n", err);
	assert_non_null(tls);
	f->a = tls;

	memset(&r, 0, sizeof(r));
	snprintf(url, sizeof(url), "https://127.0.0.1:%d/v1/x", api_port(tls));
	h = curl_easy_init();
	m = curl_multi_init();
	hdrs = curl_slist_append(hdrs, "Authorization: Bearer " READ_TOKEN);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, curl_sink);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_multi_add_handle(m, h);
	deadline = now_ms() + EXCHANGE_MS;
	while (running && now_ms() < deadline) {
		curl_multi_perform(m, &running);
		api_poll(tls);
		curl_multi_poll(m, NULL, 0, 2, NULL);
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(m, h);
	curl_easy_cleanup(h);
	curl_multi_cleanup(m);
	curl_slist_free_all(hdrs);
	f->a = plain;
	api_stop(tls);
	unlink(cert);
	unlink(key);
	assert_int_equal(status, 200);
	r.raw[r.raw_len] = '\0';
	assert_string_equal(r.raw, "{\"x\":\"value\",\"role\":\"read\"}\n");
}
#endif

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_api_healthz_answers_ok_without_token),
		T(test_api_id_inside_path_and_last_n_segment_reach_handler),
		T(test_api_streamed_body_is_sent_whole_and_released_once),
		T(test_api_read_token_is_served_on_read_route),
		T(test_api_admin_token_is_served_on_read_and_admin_routes),
		T(test_api_missing_token_is_401_with_www_authenticate),
		T(test_api_unknown_token_is_401_invalid_token),
		T(test_api_read_token_on_admin_route_is_403),
		T(test_api_id_not_utf8_is_400_before_the_handler),
		T(test_api_unknown_path_is_404_problem),
		T(test_api_wrong_method_is_405_with_allow),
		T(test_api_head_is_served_by_get_route_without_body),
		T(test_api_id_segment_query_and_headers_reach_handler),
		T(test_api_body_over_max_is_413_before_handler),
		T(test_api_body_of_max_bytes_is_accepted),
		T(test_api_chunked_body_is_joined_across_reads),
		T(test_api_chunked_body_over_max_is_413),
		T(test_api_invalid_json_is_400_problem_with_field),
		T(test_api_handler_refusal_names_json_pointer),
		T(test_api_handler_failure_without_reply_is_500),
		T(test_api_keep_alive_serves_requests_in_sequence),
		T(test_api_refusal_keeps_connection_open_unless_body_follows),
		T(test_api_malformed_requests_are_refused_and_server_survives),
		T(test_api_ambiguous_heads_are_400_and_closed_before_any_handler),
		T(test_api_well_formed_heads_pass_the_checks),
		T(test_api_repeated_query_parameter_is_400_naming_it),
		T(test_api_idle_connection_is_closed_after_timeout),
		T(test_api_connections_past_the_limit_wait_for_a_slot),
		T(test_api_log_holds_no_token_and_no_body),
		T(test_api_reload_tokens_swaps_and_keeps_on_failure),
		T(test_api_without_token_file_refuses_every_token),
		T(test_api_start_refuses_open_listen_without_tls_or_tokens),
		T(test_api_start_refuses_bad_listen_addresses),
		T(test_api_start_refuses_port_in_use),
		T(test_api_start_refuses_bad_routes),
		T(test_api_start_refuses_bad_token_and_tls_files),
		cmocka_unit_test(test_api_reply_helpers_refuse_bad_values),
		cmocka_unit_test(test_api_stream_reply_refused_releases_source),
		cmocka_unit_test(test_api_request_accessors_work_without_a_server),
		T(test_api_serves_ipv6_loopback),
		T(test_api_tls_refuses_open_key_and_mismatched_files),
#ifdef TOLLGATE_HAVE_LIBCURL
		T(test_api_tls_serves_https),
#endif
	};
	int rc;

#ifdef TOLLGATE_HAVE_LIBCURL
	curl_global_init(CURL_GLOBAL_DEFAULT);
#endif
	rc = cmocka_run_group_tests(tests, NULL, NULL);
#ifdef TOLLGATE_HAVE_LIBCURL
	curl_global_cleanup();
#endif
	return rc;
}
