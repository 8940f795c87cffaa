/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The route table of the REST server: the caller's routes, checked at api_start, followed
 * by the built-in ones (GET /healthz). A route's path is literal or has one "{id}" segment
 * (last, or followed by literal segments: "/v1/incidents/{id}/report") that matches any
 * non-empty segment without '/'; its method is matched exactly,
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

bool
api_route_path_matches(const struct api_route *rt, const char *path, const char **id,
		       size_t *id_len)
{
	const char *brace = strstr(rt->path, "{id}");
	const char *end;
	size_t prefix;

	*id = NULL;
	*id_len = 0;
	if (brace == NULL)
		return strcmp(rt->path, path) == 0;
	prefix = (size_t)(brace - rt->path);
	if (strncmp(rt->path, path, prefix) != 0 || path[prefix] == '\0' ||
	    path[prefix] == '/')
		return false;
	end = strchr(path + prefix, '/');
	if (end == NULL)
		end = path + strlen(path);
	/* what follows the id is the route's literal tail, exactly ("" or "/report") */
	if (strcmp(end, brace + 4) != 0)
		return false;
	*id = path + prefix;
	*id_len = (size_t)(end - *id);
	return true;
}

const struct api_route *
api_route_find(const struct api_route *routes, unsigned int n, const char *path,
	       const char *method, bool *path_known)
{
	const struct api_route *rt = NULL;
	const char *id;
	size_t id_len;
	unsigned int i;

	*path_known = false;
	for (i = 0; i < n && rt == NULL; i++) {
		if (!api_route_path_matches(&routes[i], path, &id, &id_len))
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
	size_t o = 0, id_len;
	unsigned int i, j;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		const struct api_route *rt = &routes[i];
		bool seen = false;

		if (!api_route_path_matches(rt, path, &id, &id_len))
			continue;
		for (j = 0; j < i; j++)
			if (strcmp(routes[j].method, rt->method) == 0 &&
			    api_route_path_matches(&routes[j], path, &id, &id_len))
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
 * "/a/b", "/a/{id}" or "/a/{id}/b": starts with '/', no empty segment, no trailing '/',
 * "{id}" at most once and as a whole segment.
 */
static bool
api_path_ok(const char *p)
{
	const char *brace;
	size_t n;

	if (p == NULL || p[0] != '/' || strstr(p, "//") != NULL)
		return false;
	n = strlen(p);
	if (n > 256 || (n > 1 && p[n - 1] == '/'))
		return false;
	brace = strchr(p, '{');
	if (brace == NULL)
		return strchr(p, '}') == NULL;
	/* "{id}" as a whole segment, and no other brace anywhere. */
	return brace[-1] == '/' && strncmp(brace, "{id}", 4) == 0 &&
	       (brace[4] == '\0' || brace[4] == '/') && strchr(p, '}') == brace + 3 &&
	       strchr(brace + 4, '{') == NULL && strchr(brace + 4, '}') == NULL;
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
				"at most one segment {id}", i,
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
