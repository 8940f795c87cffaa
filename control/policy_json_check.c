/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON (policy_json.h), schema checks: a request body against the export
 * shapes (policy_json_export.c), by shape and JSON type only. Pointers follow RFC 6901.
 *
 * A request is validated in two stages, so that each message is as precise as it can be:
 *
 *   body ──► policy_json_check_* ──► policy_json_to_yaml ──► policy_load_buffer
 *            shape and JSON types     flow YAML, strings      names, ranges, groups,
 *            (pointer + message)      double-quoted           CIDRs... (loader message,
 *                                                             path -> pointer)
 *
 * The schema tables below mirror the loader's keys (config/policy.c, config/config_dlp.c);
 * the export and round-trip tests keep them in step. Messages are built with
 * policy_json_msg_append (policy_json_msg.c).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "policy_json.h"
#include "policy_json_priv.h"

#define KEY_QUOTE_MAX	64	/* bytes of an unknown member name echoed in a message */

enum jkind {
	JK_STRING,
	JK_STRINGS,		/* array of strings */
	JK_PORTS,		/* array of integers or strings */
	JK_INT,
	JK_BOOL,
	JK_SELECTOR,		/* string or null */
	JK_OPTBOOL,		/* boolean or null (null: the default) */
	JK_DLP,			/* array of dlp objects */
	JK_GROUPS,		/* array of group objects */
	JK_RULES,		/* array of rule objects */
};

struct jfield {
	const char *key;
	uint8_t kind;		/* enum jkind */
	bool required;
};

struct jschema {
	const struct jfield *fields;
	const char *keys;	/* "a, b, c" for unknown-field messages */
};

static const struct jfield group_fields[] = {
	{ "name", JK_STRING, true },
	{ "cidrs", JK_STRINGS, false },
	{ "ranges", JK_STRINGS, false },
	{ "fqdns", JK_STRINGS, false },
	{ "selector", JK_SELECTOR, false },
	{ "mode", JK_STRING, false },
	{ NULL, 0, false },
};

static const struct jfield rule_fields[] = {
	{ "id", JK_STRING, true },
	{ "from", JK_STRING, true },
	{ "to", JK_STRING, true },
	{ "protocol", JK_STRING, false },
	{ "ports", JK_PORTS, false },
	{ "app", JK_STRING, false },
	{ "action", JK_STRING, true },
	{ "require_tls", JK_BOOL, false },
	{ "capture", JK_OPTBOOL, false },
	{ "dlp", JK_DLP, false },
	{ "comment", JK_STRING, false },
	{ NULL, 0, false },
};

static const struct jfield dlp_fields[] = {
	{ "sensor", JK_STRING, true },
	{ "action", JK_STRING, true },
	{ "threshold", JK_INT, false },
	{ "capture", JK_OPTBOOL, false },
	{ NULL, 0, false },
};

static const struct jfield policy_fields[] = {
	{ "mode", JK_STRING, false },
	{ "default_action", JK_STRING, false },
	{ "groups", JK_GROUPS, false },
	{ "rules", JK_RULES, false },
	{ NULL, 0, false },
};

static const struct jfield custom_fields[] = {
	{ "name", JK_STRING, true },
	{ "category", JK_STRING, false },
	{ "patterns", JK_STRINGS, true },
	{ "validator", JK_STRING, false },
	{ "keywords", JK_STRINGS, false },
	{ "window", JK_INT, false },
	{ "threshold", JK_INT, false },
	{ "severity", JK_STRING, false },
	{ "context_required", JK_BOOL, false },
	{ NULL, 0, false },
};

static const struct jfield move_fields[] = {
	{ "before", JK_STRING, false },
	{ "after", JK_STRING, false },
	{ "position", JK_INT, false },
	{ NULL, 0, false },
};

static const struct jfield mode_fields[] = {
	{ "mode", JK_STRING, true },
	{ NULL, 0, false },
};

static const struct jschema group_schema = {
	group_fields, "name, cidrs, ranges, fqdns, selector, mode" };
static const struct jschema rule_schema = {
	rule_fields, "id, from, to, protocol, ports, app, action, require_tls, capture, dlp, "
		     "comment" };
static const struct jschema dlp_schema = { dlp_fields, "sensor, action, threshold, capture" };
static const struct jschema policy_schema = {
	policy_fields, "mode, default_action, groups, rules" };
static const struct jschema custom_schema = {
	custom_fields, "name, category, patterns, validator, keywords, window, threshold, "
		       "severity, context_required" };
static const struct jschema mode_schema = { mode_fields, "mode" };
static const struct jschema move_schema = { move_fields, "before, after, position" };

/* What a value of each kind must be, for "expected ..." */
static const char *const kind_what[] = {
	[JK_STRING] = "a string",
	[JK_STRINGS] = "an array of strings",
	[JK_PORTS] = "an array of port numbers or \"START-END\" strings",
	[JK_INT] = "an integer",
	[JK_BOOL] = "a boolean",
	[JK_SELECTOR] = "a label selector string or null",
	[JK_OPTBOOL] = "a boolean or null",
	[JK_DLP] = "an array of {sensor, action, threshold, capture} objects",
	[JK_GROUPS] = "an array of group objects",
	[JK_RULES] = "an array of rule objects",
};

/* Where the check is: the JSON pointer and the loader-style path of the current value. */
struct jctx {
	char ptr[1024];
	size_t plen;
	char path[1024];
	size_t pathlen;
	char *optr, *msg;
	size_t optrlen, msglen;
};

struct jmark {
	size_t plen, pathlen;
};

/* key with "~" and "/" escaped (RFC 6901 section 3) appended to the pointer. */
static void
ptr_push_key(char *buf, size_t len, size_t *o, const char *key)
{
	policy_json_msg_append(buf, len, o, "/");
	for (; *key != '\0'; key++) {
		if (*key == '~')
			policy_json_msg_append(buf, len, o, "~0");
		else if (*key == '/')
			policy_json_msg_append(buf, len, o, "~1");
		else
			policy_json_msg_append(buf, len, o, "%c", *key);
	}
}

static struct jmark
push_key(struct jctx *c, const char *key)
{
	struct jmark m = { c->plen, c->pathlen };

	ptr_push_key(c->ptr, sizeof(c->ptr), &c->plen, key);
	policy_json_msg_append(c->path, sizeof(c->path), &c->pathlen, "%s%s",
			       c->pathlen != 0 ? "." : "", key);
	return m;
}

static struct jmark
push_index(struct jctx *c, size_t i)
{
	struct jmark m = { c->plen, c->pathlen };

	policy_json_msg_append(c->ptr, sizeof(c->ptr), &c->plen, "/%zu", i);
	policy_json_msg_append(c->path, sizeof(c->path), &c->pathlen, "[%zu]", i);
	return m;
}

static void
pop(struct jctx *c, struct jmark m)
{
	c->plen = m.plen;
	c->ptr[c->plen] = '\0';
	c->pathlen = m.pathlen;
	c->path[c->pathlen] = '\0';
}

/*
 * Report at the current pointer: "path: message" (no prefix at the checked object). A
 * pointer cut short would name a member that is not there: when it does not fit in optr
 * (or filled c->ptr, so may have been cut), it is shortened to the nearest enclosing value
 * whose pointer fits ("/" only separates tokens: a '/' in a key is written "~1").
 */
static int __attribute__((format(printf, 2, 3)))
fail(struct jctx *c, const char *fmt, ...)
{
	size_t o = 0, n = c->plen;
	va_list ap;

	if (c->optr != NULL && c->optrlen > 0) {
		if (n >= c->optrlen || n >= sizeof(c->ptr) - 1)
			while (n > 0 && (n >= c->optrlen || n >= sizeof(c->ptr) - 1 ||
					 c->ptr[n] != '/'))
				n--;
		snprintf(c->optr, c->optrlen, "%.*s", (int)n, c->ptr);
	}
	if (c->msg != NULL && c->msglen > 0) {
		if (c->pathlen != 0)
			policy_json_msg_append(c->msg, c->msglen, &o, "%s: ", c->path);
		if (o < c->msglen) {
			va_start(ap, fmt);
			vsnprintf(c->msg + o, c->msglen - o, fmt, ap);
			va_end(ap);
		}
	}
	return -EINVAL;
}

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "boolean";
	default:
		return "null";
	}
}

static int
wrong_type(struct jctx *c, const json_t *v, const char *what)
{
	return fail(c, "wrong type (got %s, expected %s)", type_name(v), what);
}

/* A member name for a message: quotes and backslashes escaped, others \xHH, cut. */
static const char *
quote_key(const char *key, char *buf, size_t len)
{
	size_t o = 0, i;

	for (i = 0; key[i] != '\0' && i < KEY_QUOTE_MAX; i++) {
		unsigned char ch = (unsigned char)key[i];

		if (ch == '"' || ch == '\\')
			policy_json_msg_append(buf, len, &o, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			policy_json_msg_append(buf, len, &o, "\\x%02X", ch);
		else
			policy_json_msg_append(buf, len, &o, "%c", ch);
	}
	if (key[i] != '\0')
		policy_json_msg_append(buf, len, &o, "...");
	if (o == 0)
		buf[0] = '\0';
	return buf;
}

static int check_object(struct jctx *c, const json_t *j, const struct jschema *s,
			const char *what);

/* Each item of array v: of kind item (JK_STRING, JK_PORTS item, or a schema). */
static int
check_items(struct jctx *c, const json_t *v, enum jkind kind)
{
	struct jmark m;
	const json_t *it;
	size_t i;
	int rc = 0;

	json_array_foreach(v, i, it) {
		m = push_index(c, i);
		switch (kind) {
		case JK_STRINGS:
			rc = json_is_string(it) ? 0 : wrong_type(c, it, "a string");
			break;
		case JK_PORTS:
			rc = json_is_string(it) || json_is_integer(it) ? 0 :
			     wrong_type(c, it, "a port number or \"START-END\" string");
			break;
		case JK_DLP:
			rc = check_object(c, it, &dlp_schema, "a {sensor, action, threshold, "
				"capture} object");
			break;
		case JK_GROUPS:
			rc = check_object(c, it, &group_schema, "a group object");
			break;
		default:
			rc = check_object(c, it, &rule_schema, "a rule object");
			break;
		}
		pop(c, m);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int
check_value(struct jctx *c, const json_t *v, enum jkind kind)
{
	switch (kind) {
	case JK_STRING:
		return json_is_string(v) ? 0 : wrong_type(c, v, kind_what[kind]);
	case JK_INT:
		return json_is_integer(v) ? 0 : wrong_type(c, v, kind_what[kind]);
	case JK_BOOL:
		return json_is_boolean(v) ? 0 : wrong_type(c, v, kind_what[kind]);
	case JK_SELECTOR:
		return json_is_string(v) || json_is_null(v) ? 0 :
		       wrong_type(c, v, kind_what[kind]);
	case JK_OPTBOOL:
		return json_is_boolean(v) || json_is_null(v) ? 0 :
		       wrong_type(c, v, kind_what[kind]);
	default:
		if (!json_is_array(v))
			return wrong_type(c, v, kind_what[kind]);
		return check_items(c, v, kind);
	}
}

static int
check_object(struct jctx *c, const json_t *j, const struct jschema *s, const char *what)
{
	const struct jfield *f;
	char q[KEY_QUOTE_MAX * 4 + 8];
	const json_t *v;
	const char *key;
	struct jmark m;
	int rc;

	if (!json_is_object(j))
		return wrong_type(c, j, what);
	json_object_foreach((json_t *)j, key, v) {
		for (f = s->fields; f->key != NULL; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (f->key != NULL)
			continue;
		/* The pointer names the member, the message the object that holds it. */
		m = (struct jmark){ c->plen, c->pathlen };
		ptr_push_key(c->ptr, sizeof(c->ptr), &c->plen, key);
		rc = fail(c, "unknown field \"%s\" (expected one of: %s)",
			  quote_key(key, q, sizeof(q)), s->keys);
		pop(c, m);
		return rc;
	}
	for (f = s->fields; f->key != NULL; f++) {
		v = json_object_get(j, f->key);
		if (v == NULL) {
			if (f->required)
				return fail(c, "missing field \"%s\" (expected %s)", f->key,
					    kind_what[f->kind]);
			continue;
		}
		m = push_key(c, f->key);
		rc = check_value(c, v, (enum jkind)f->kind);
		pop(c, m);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* A check at the top of a body, reporting into ptr and msg (both emptied). */
static void
ctx_init(struct jctx *c, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	memset(c, 0, sizeof(*c));
	c->optr = ptr;
	c->optrlen = ptrlen;
	c->msg = msg;
	c->msglen = msglen;
	if (ptr != NULL && ptrlen > 0)
		ptr[0] = '\0';
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
}

static int
check(const json_t *j, const struct jschema *s, const char *what, char *ptr, size_t ptrlen,
      char *msg, size_t msglen)
{
	struct jctx c;

	ctx_init(&c, ptr, ptrlen, msg, msglen);
	if (j == NULL)
		return fail(&c, "no value (expected %s)", what);
	return check_object(&c, j, s, what);
}

int
policy_json_check_group(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	return check(j, &group_schema, "a group object", ptr, ptrlen, msg, msglen);
}

int
policy_json_check_rule(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	return check(j, &rule_schema, "a rule object", ptr, ptrlen, msg, msglen);
}

int
policy_json_check_policy(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	return check(j, &policy_schema, "a policy object", ptr, ptrlen, msg, msglen);
}

int
policy_json_check_custom(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	return check(j, &custom_schema, "a custom class object", ptr, ptrlen, msg, msglen);
}

int
policy_json_check_mode(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	return check(j, &mode_schema, "a {\"mode\": ...} object", ptr, ptrlen, msg, msglen);
}

int
policy_json_check_move(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen)
{
	struct jctx c;
	const json_t *pos;
	int rc = check(j, &move_schema, "a {\"before\" | \"after\" | \"position\": ...} object",
		       ptr, ptrlen, msg, msglen);

	if (rc != 0)
		return rc;
	ctx_init(&c, ptr, ptrlen, msg, msglen);
	pos = json_object_get(j, "position");
	if (json_object_get(j, "before") == NULL && json_object_get(j, "after") == NULL &&
	    pos == NULL)
		return fail(&c, "give one of before, after and position");
	if (pos != NULL && json_integer_value(pos) < 0) {
		push_key(&c, "position");
		return fail(&c, "out of range (got %" JSON_INTEGER_FORMAT ", expected an integer "
			    ">= 0)", json_integer_value(pos));
	}
	return 0;
}
