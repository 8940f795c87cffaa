/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON (policy_json.h), JSON -> YAML: a checked policy object (or an array
 * of custom classes) as flow YAML text for policy_load_buffer (or the dlp.custom parser),
 * so that a request and a file go through the same validation and produce the same
 * messages. Strings are double-quoted by policy_emit_quote (so "80" and 80 are both
 * ports, and "yes" stays a string); in a policy's groups, the two export members the
 * loader spells by absence ("mode": "inherit", "selector": null) are dropped first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_emit.h"
#include "policy_json.h"

struct ybuf {
	char *p;
	size_t len, cap;
	bool oom;
	bool bad;		/* a string that is not UTF-8 (json_stringn_nocheck) */
};

static bool
yb_reserve(struct ybuf *b, size_t n)
{
	size_t cap;
	char *p;

	if (b->oom)
		return false;
	if (b->len + n + 1 <= b->cap)
		return true;
	cap = b->cap != 0 ? b->cap : 1024;
	while (cap < b->len + n + 1)
		cap *= 2;
	p = realloc(b->p, cap);
	if (p == NULL) {
		b->oom = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void __attribute__((format(printf, 2, 3)))
yb_printf(struct ybuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !yb_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void
yb_indent(struct ybuf *b, unsigned int n)
{
	yb_printf(b, "%*s", (int)n, "");
}

/* s (len bytes) as a YAML double-quoted scalar. jansson strings are UTF-8. */
static void
yb_quoted(struct ybuf *b, const char *s, size_t len)
{
	size_t n = policy_emit_quote(s, len, NULL, 0);

	if (n == (size_t)-1) {
		b->bad = true;
		return;
	}
	if (!yb_reserve(b, n))
		return;
	policy_emit_quote(s, len, b->p + b->len, n + 1);
	b->len += n;
}

/* v as a flow YAML value, one member or item per line, nested at indent + 1. */
static void
render(struct ybuf *b, const json_t *v, unsigned int indent)
{
	const json_t *it;
	const char *key;
	size_t i, n;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (json_object_size(v) == 0) {
			yb_printf(b, "{}");
			break;
		}
		yb_printf(b, "{\n");
		n = 0;
		json_object_foreach((json_t *)v, key, it) {
			yb_indent(b, indent + 1);
			yb_quoted(b, key, strlen(key));
			yb_printf(b, ": ");
			render(b, it, indent + 1);
			yb_printf(b, "%s\n", ++n < json_object_size(v) ? "," : "");
		}
		yb_indent(b, indent);
		yb_printf(b, "}");
		break;
	case JSON_ARRAY:
		if (json_array_size(v) == 0) {
			yb_printf(b, "[]");
			break;
		}
		yb_printf(b, "[\n");
		json_array_foreach(v, i, it) {
			yb_indent(b, indent + 1);
			render(b, it, indent + 1);
			yb_printf(b, "%s\n", i + 1 < json_array_size(v) ? "," : "");
		}
		yb_indent(b, indent);
		yb_printf(b, "]");
		break;
	case JSON_STRING:
		yb_quoted(b, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		yb_printf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		yb_printf(b, "%.17g", json_real_value(v));
		break;
	case JSON_TRUE:
		yb_printf(b, "true");
		break;
	case JSON_FALSE:
		yb_printf(b, "false");
		break;
	default:
		yb_printf(b, "null");
		break;
	}
}

static char *
render_doc(const json_t *v, size_t *len)
{
	struct ybuf b = { 0 };

	render(&b, v, 0);
	yb_printf(&b, "\n");
	if (b.oom || b.bad) {
		free(b.p);
		errno = b.bad ? EINVAL : ENOMEM;
		return NULL;
	}
	if (len != NULL)
		*len = b.len;
	return b.p;
}

/*
 * Drop what the export spells and the loader expresses by absence: a group's "mode":
 * "inherit" (the loader has no such value) and "selector": null (a null YAML selector
 * would read as the empty selector, which matches everything).
 */
static void
drop_export_defaults(json_t *policy)
{
	json_t *groups = json_object_get(policy, "groups"), *g, *v;
	size_t i;

	if (!json_is_array(groups))
		return;
	json_array_foreach(groups, i, g) {
		if (!json_is_object(g))
			continue;
		v = json_object_get(g, "mode");
		if (json_is_string(v) && strcmp(json_string_value(v), "inherit") == 0)
			json_object_del(g, "mode");
		if (json_is_null(json_object_get(g, "selector")))
			json_object_del(g, "selector");
	}
}

char *
policy_json_to_yaml(const json_t *policy_obj, size_t *len)
{
	json_t *copy;
	char *out;

	if (!json_is_object(policy_obj)) {
		errno = EINVAL;
		return NULL;
	}
	copy = json_deep_copy(policy_obj);
	if (copy == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	drop_export_defaults(copy);
	out = render_doc(copy, len);
	json_decref(copy);
	return out;
}

char *
policy_json_custom_to_yaml(const json_t *arr, size_t *len)
{
	if (!json_is_array(arr)) {
		errno = EINVAL;
		return NULL;
	}
	return render_doc(arr, len);
}
