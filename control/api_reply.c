/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a handler answers: the api_reply_* helpers fill a struct api_response (status,
 * Content-Type, a malloc'd body, extra headers) that api_serve.c hands to libmicrohttpd.
 * JSON bodies are compact with a final newline; errors are RFC 9457 problem details
 * (application/problem+json). Header names are checked as RFC 9110 tokens, values for CR
 * and LF, and the headers the server sets itself are refused. See api.h for the contract.
 * They touch nothing but r, so a handler test calls them without a server.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "api_priv.h"

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
	if (r->stream_fin != NULL)
		r->stream_fin(r->stream_cls);
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
	return api_check_token(n, strlen(n));
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

/*
 * s as a JSON string. Handlers quote what the client sent, cut with "%.64s": a cut can
 * fall inside a multi-byte character and leave s not UTF-8, which json_string refuses
 * (the request then failed with 500). Each byte that is not part of a well-formed
 * sequence becomes '?'. NULL only when out of memory.
 */
static json_t *
api_problem_string(const char *s)
{
	json_t *j = json_string(s);
	char *fixed;
	size_t i, len;

	if (j != NULL)
		return j;
	len = strlen(s);
	fixed = malloc(len + 1);
	if (fixed == NULL)
		return NULL;
	memcpy(fixed, s, len + 1);
	for (i = 0; i < len;) {
		long bad = api_check_utf8((const uint8_t *)fixed + i);

		if (bad < 0)
			break;
		fixed[i + (size_t)bad] = '?';
		i += (size_t)bad + 1;
	}
	j = json_string(fixed);
	free(fixed);
	return j;
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
	    (detail != NULL && json_object_set_new(p, "detail", api_problem_string(detail)) < 0) ||
	    (field != NULL && json_object_set_new(p, "field", api_problem_string(field)) < 0)) {
		/* Out of memory, or a type or title that is not UTF-8 (the handler's own). */
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

int
api_reply_stream(struct api_response *r, unsigned int status, const char *content_type,
		 uint64_t size, api_stream_fn read, api_stream_fin_fn fin, void *cls)
{
	int rc;

	if (read == NULL) {
		if (fin != NULL)
			fin(cls);
		return -EINVAL;
	}
	/* An empty placeholder body carries the status and Content-Type checks. */
	rc = api_reply_set(r, status, content_type, NULL, 0);
	if (rc != 0) {
		if (fin != NULL)
			fin(cls);
		return rc;
	}
	snprintf(r->content_type, sizeof(r->content_type), "%s", content_type);
	r->stream = read;
	r->stream_fin = fin;
	r->stream_cls = cls;
	r->stream_size = size;
	return 0;
}
