/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a handler reads from its request beyond struct api_request's fields: a header, a
 * query parameter (both from libmicrohttpd, or from the NULL-terminated pairs a handler
 * test fills in), and the body as a JSON object parsed with JSON_REJECT_DUPLICATES. See
 * api.h for the contract. During the handler call only, on the api_poll thread.
 */
#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "api.h"

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
