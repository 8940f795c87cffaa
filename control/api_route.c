/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route table of the REST server: the caller's routes, checked at api_start, followed
 * by the built-in ones (GET /healthz). A route's path is literal segments, at most one
 * "{id}" segment anywhere and one last "{n}" segment, each matching any non-empty segment
 * without '/' (/v1/captures/{id}/files/{n}); its method is matched exactly,
 * except that HEAD is served by GET routes. A path some route has, asked with a method none
 * of them has, is told apart (405, with the Allow value built here) from a path no route
 * has (404). The table is read-only once built; the api_poll thread only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "api_priv.h"

static bool
api_method_matches(const struct api_route *rt, const char *method)
{
	return strcmp(rt->method, method) == 0 ||
	       (strcmp(method, MHD_HTTP_METHOD_HEAD) == 0 &&
		strcmp(rt->method, MHD_HTTP_METHOD_GET) == 0);
}

/* The length of the segment at p (up to the next '/' or the end). */
static size_t
api_seg_len(const char *p)
{
	const char *slash = strchr(p, '/');

	return slash != NULL ? (size_t)(slash - p) : strlen(p);
}

static bool
api_seg_is(const char *p, size_t len, const char *name)
{
	return len == strlen(name) && strncmp(p, name, len) == 0;
}

bool
api_route_path_matches(const struct api_route *rt, const char *path, const char **id)
{
	const char *p = rt->path, *q = path;

	*id = NULL;
	/* Segment by segment: "/seg" against "/seg", "{id}" and "{n}" against any non-empty
	 * segment. */
	while (*p == '/' && *q == '/') {
		size_t pl = api_seg_len(++p), ql = api_seg_len(++q);

		if (api_seg_is(p, pl, "{id}") || api_seg_is(p, pl, "{n}")) {
			if (ql == 0)
				return false;
			if (api_seg_is(p, pl, "{id}"))
				*id = q;
		} else if (pl != ql || strncmp(p, q, pl) != 0) {
			return false;
		}
		p += pl;
		q += ql;
	}
	if (*p != '\0' || *q != '\0') {
		*id = NULL;
		return false;
	}
	return true;
}

void
api_route_params(const struct api_route *rt, char *path, const char **id, const char **n)
{
	const char *p = rt->path;
	char *q = path, *cut[2];
	unsigned int nc = 0, i;

	*id = NULL;
	*n = NULL;
	while (*p == '/' && *q == '/' && nc < 2) {
		size_t pl = api_seg_len(++p), ql = api_seg_len(++q);

		if (api_seg_is(p, pl, "{id}") || api_seg_is(p, pl, "{n}")) {
			*(api_seg_is(p, pl, "{id}") ? id : n) = q;
			cut[nc++] = q + ql;
		}
		p += pl;
		q += ql;
	}
	/* Cut after the walk, which needs the '/' separators. */
	for (i = 0; i < nc; i++)
		*cut[i] = '\0';
}

const struct api_route *
api_route_find(const struct api_route *routes, unsigned int n, const char *path,
	       const char *method, bool *path_known)
{
	const struct api_route *rt = NULL;
	const char *id;
	unsigned int i;

	*path_known = false;
	for (i = 0; i < n && rt == NULL; i++) {
		if (!api_route_path_matches(&routes[i], path, &id))
			continue;
		*path_known = true;
		if (api_method_matches(&routes[i], method))
			rt = &routes[i];
	}
	return rt;
}

void
api_route_allow(const struct api_route *routes, unsigned int n, const char *path, char *buf,
		size_t len)
{
	const char *id;
	size_t o = 0;
	unsigned int i, j;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct api_route *rt = &routes[i];
		bool seen = false;

		if (!api_route_path_matches(rt, path, &id))
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(routes[j].method, rt->method) == 0 &&
			    api_route_path_matches(&routes[j], path, &id))
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

/*
 * "/a/b", "/a/{id}", "/a/{id}/b/{n}": starts with '/', no empty segment; a brace only in a
 * whole segment "{id}" (at most one) or "{n}" (at most one, the last).
 */
static bool
api_path_ok(const char *p)
{
	unsigned int ids = 0, ns = 0;

	if (p == NULL || p[0] != '/' || strstr(p, "//") != NULL || strlen(p) > 256)
		return false;
	while (*p == '/') {
		size_t len = api_seg_len(++p);

		if (api_seg_is(p, len, "{id}"))
			ids++;
		else if (api_seg_is(p, len, "{n}"))
			ns += p[len] == '\0' ? 1 : 2;
		else if (memchr(p, '{', len) != NULL || memchr(p, '}', len) != NULL)
			return false;
		p += len;
	}
	return ids <= 1 && ns <= 1;
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

int
api_route_check(const struct api_route *routes, unsigned int n, char *err, size_t errlen)
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
				"at most one segment {id} and a last segment {n}", i,
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

struct api_route *
api_route_table(const struct api_route *routes, unsigned int n, unsigned int *n_total)
{
	const unsigned int nb = sizeof(api_builtin_routes) / sizeof(api_builtin_routes[0]);
	struct api_route *t = calloc(n + nb, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (n > 0)
		memcpy(t, routes, n * sizeof(*routes));
	memcpy(t + n, api_builtin_routes, sizeof(api_builtin_routes));
	*n_total = n + nb;
	return t;
}
