/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON (policy_json.h): export, schema checks and the JSON -> YAML bridge to
 * the policy loader. Pointers follow RFC 6901.
 *
 * A request is validated in two stages, so that each message is as precise as it can be:
 *
 *   body ──► policy_json_check_* ──► policy_json_to_yaml ──► policy_load_buffer
 *            shape and JSON types     flow YAML, strings      names, ranges, groups,
 *            (pointer + message)      double-quoted           CIDRs... (loader message,
 *                                                             path -> pointer)
 *
 * The schema tables below mirror the loader's keys (config/policy.c, config/config_dlp.c);
 * the export and round-trip tests keep them in step.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "policy_emit.h"
#include "policy_json.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const mode_names[] = { "inherit", "discover", "monitor", "protect" };
static const char *const action_names[] = { "allow", "deny" };
static const char *const app_names[] = { "any", "http", "tls", "dns", "smtp" };
static const char *const dlp_action_names[] = { "alert", "block" };
static const char *const severity_names[] = { NULL, "low", "medium", "high", "critical" };

#define KEY_QUOTE_MAX	64	/* bytes of an unknown member name echoed in a message */

/* ---- export ---- */

static const char *
name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : NULL;
}

/* Set key to v (a new reference, consumed); false when v is NULL or setting fails. */
static bool
put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

/* A JSON string, or NULL with errno EINVAL (NULL or non-UTF-8 text) or ENOMEM. */
static json_t *
jstr(const char *s)
{
	json_t *v;

	if (s == NULL || policy_emit_quote(s, strlen(s), NULL, 0) == (size_t)-1) {
		errno = EINVAL;
		return NULL;
	}
	v = json_string(s);
	if (v == NULL)
		errno = ENOMEM;
	return v;
}

/* n strings stride bytes apart from items. */
static json_t *
jstrings(const char *items, size_t stride, unsigned int n)
{
	json_t *a = json_array();
	unsigned int i;

	if (a == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (json_array_append_new(a, jstr(items + (size_t)i * stride)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static bool
addr_text(int family, const uint8_t *addr, char *buf)
{
	return (family == AF_INET || family == AF_INET6) &&
	       inet_ntop(family, addr, buf, INET6_ADDRSTRLEN) != NULL;
}

static json_t *
group_cidrs(const struct policy_group *g)
{
	char a[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN + 8];
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr != NULL && i < g->ncidrs; i++) {
		if (!addr_text(g->cidrs[i].family, g->cidrs[i].addr, a)) {
			errno = EINVAL;
			goto fail;
		}
		snprintf(txt, sizeof(txt), "%s/%u", a, (unsigned int)g->cidrs[i].prefix);
		if (json_array_append_new(arr, json_string(txt)) != 0)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

static json_t *
group_ranges(const struct policy_group *g)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN], txt[INET6_ADDRSTRLEN * 2 + 2];
	json_t *arr = json_array();
	unsigned int i;

	for (i = 0; arr != NULL && i < g->nranges; i++) {
		if (!addr_text(g->ranges[i].family, g->ranges[i].lo, lo) ||
		    !addr_text(g->ranges[i].family, g->ranges[i].hi, hi)) {
			errno = EINVAL;
			goto fail;
		}
		snprintf(txt, sizeof(txt), "%s-%s", lo, hi);
		if (json_array_append_new(arr, json_string(txt)) != 0)
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *
policy_json_group(const struct policy *p, unsigned int idx)
{
	const struct policy_group *g;
	json_t *o;

	if (p == NULL || idx >= p->ngroups || p->groups[idx].ncidrs > POLICY_MAX_CIDRS ||
	    p->groups[idx].nranges > POLICY_MAX_RANGES ||
	    p->groups[idx].nfqdns > POLICY_MAX_FQDNS ||
	    name_of(mode_names, NELEM(mode_names), p->groups[idx].mode) == NULL) {
		errno = EINVAL;
		return NULL;
	}
	g = &p->groups[idx];
	o = json_object();
	if (o == NULL)
		return NULL;
	if (!put(o, "name", jstr(g->name)) || !put(o, "cidrs", group_cidrs(g)) ||
	    !put(o, "ranges", group_ranges(g)) ||
	    !put(o, "fqdns", jstrings(g->fqdns[0], sizeof(g->fqdns[0]), g->nfqdns)) ||
	    !put(o, "selector", g->selector_text != NULL ? jstr(g->selector_text) :
			       json_null()) ||
	    !put(o, "mode", jstr(mode_names[g->mode]))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *
proto_name(uint8_t proto)
{
	switch (proto) {
	case POLICY_PROTO_ANY:
		return "any";
	case POLICY_PROTO_TCP:
		return "tcp";
	case POLICY_PROTO_UDP:
		return "udp";
	case POLICY_PROTO_ICMP:
		return "icmp";
	default:
		return NULL;
	}
}

static json_t *
rule_ports(const struct policy_rule *r)
{
	json_t *arr = json_array();
	char txt[16];
	unsigned int i;

	for (i = 0; arr != NULL && i < r->nports; i++) {
		if (r->ports[i].lo == r->ports[i].hi)
			snprintf(txt, sizeof(txt), "%u", (unsigned int)r->ports[i].lo);
		else
			snprintf(txt, sizeof(txt), "%u-%u", (unsigned int)r->ports[i].lo,
				 (unsigned int)r->ports[i].hi);
		if (json_array_append_new(arr, json_string(txt)) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static json_t *
rule_dlp(const struct policy_rule *r)
{
	json_t *arr = json_array(), *d;
	unsigned int i;

	for (i = 0; arr != NULL && i < r->ndlp; i++) {
		const char *action = name_of(dlp_action_names, NELEM(dlp_action_names),
					     r->dlp[i].action);

		d = json_object();
		if (d == NULL)
			goto fail;
		if (action == NULL || !put(d, "sensor", jstr(r->dlp[i].sensor)) ||
		    !put(d, "action", jstr(action)) ||
		    !put(d, "threshold", json_integer(r->dlp[i].threshold))) {
			if (action == NULL)
				errno = EINVAL;
			json_decref(d);
			goto fail;
		}
		if (json_array_append_new(arr, d) != 0)	/* consumes d */
			goto fail;
	}
	return arr;
fail:
	json_decref(arr);
	return NULL;
}

json_t *
policy_json_rule(const struct policy *p, unsigned int idx)
{
	const struct policy_rule *r;
	json_t *o;

	if (p == NULL || idx >= p->nrules || p->rules[idx].from >= p->ngroups ||
	    p->rules[idx].to >= p->ngroups || proto_name(p->rules[idx].proto) == NULL ||
	    name_of(app_names, NELEM(app_names), p->rules[idx].app) == NULL ||
	    name_of(action_names, NELEM(action_names), p->rules[idx].action) == NULL ||
	    p->rules[idx].nports > POLICY_MAX_PORTS || p->rules[idx].ndlp > POLICY_MAX_DLP) {
		errno = EINVAL;
		return NULL;
	}
	r = &p->rules[idx];
	o = json_object();
	if (o == NULL)
		return NULL;
	if (!put(o, "id", jstr(r->id)) || !put(o, "from", jstr(p->groups[r->from].name)) ||
	    !put(o, "to", jstr(p->groups[r->to].name)) ||
	    !put(o, "protocol", jstr(proto_name(r->proto))) || !put(o, "ports", rule_ports(r)) ||
	    !put(o, "app", jstr(app_names[r->app])) ||
	    !put(o, "action", jstr(action_names[r->action])) ||
	    !put(o, "require_tls", json_boolean(r->require_tls)) ||
	    !put(o, "dlp", rule_dlp(r)) || !put(o, "comment", jstr(r->comment))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
policy_json_export(const struct policy *p)
{
	json_t *o, *groups, *rules;
	unsigned int i;

	if (p == NULL || p->mode == POLICY_MODE_INHERIT ||
	    name_of(mode_names, NELEM(mode_names), p->mode) == NULL ||
	    name_of(action_names, NELEM(action_names), p->default_action) == NULL ||
	    p->ngroups > POLICY_GROUP_FIRST_USER + POLICY_MAX_GROUPS ||
	    p->nrules > POLICY_MAX_RULES) {
		errno = EINVAL;
		return NULL;
	}
	o = json_object();
	if (o == NULL)
		return NULL;
	if (!put(o, "mode", jstr(mode_names[p->mode])) ||
	    !put(o, "default_action", jstr(action_names[p->default_action])) ||
	    !put(o, "groups", json_array()) || !put(o, "rules", json_array()))
		goto fail;
	groups = json_object_get(o, "groups");
	rules = json_object_get(o, "rules");
	for (i = POLICY_GROUP_FIRST_USER; i < p->ngroups; i++)
		if (json_array_append_new(groups, policy_json_group(p, i)) != 0)
			goto fail;
	for (i = 0; i < p->nrules; i++)
		if (json_array_append_new(rules, policy_json_rule(p, i)) != 0)
			goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

json_t *
policy_json_custom(const struct config_custom_sensor *s)
{
	const char *sev;
	json_t *o;

	sev = s != NULL ? name_of(severity_names, NELEM(severity_names), s->severity) : NULL;
	if (s == NULL || sev == NULL || s->n_patterns > CONFIG_CUSTOM_PATTERNS ||
	    s->n_keywords > CONFIG_CUSTOM_KEYWORDS) {
		errno = EINVAL;
		return NULL;
	}
	o = json_object();
	if (o == NULL)
		return NULL;
	if (!put(o, "name", jstr(s->name)) || !put(o, "category", jstr(s->category)) ||
	    !put(o, "patterns", jstrings(s->patterns[0], sizeof(s->patterns[0]),
					 s->n_patterns)) ||
	    !put(o, "validator", jstr(s->validator)) ||
	    !put(o, "keywords", jstrings(s->keywords[0], sizeof(s->keywords[0]),
					 s->n_keywords)) ||
	    !put(o, "window", json_integer(s->window)) ||
	    !put(o, "threshold", json_integer(s->threshold)) ||
	    !put(o, "severity", jstr(sev)) ||
	    !put(o, "context_required", json_boolean(s->context_required))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- schema checks ---- */

enum jkind {
	JK_STRING,
	JK_STRINGS,		/* array of strings */
	JK_PORTS,		/* array of integers or strings */
	JK_INT,
	JK_BOOL,
	JK_SELECTOR,		/* string or null */
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
	{ "dlp", JK_DLP, false },
	{ "comment", JK_STRING, false },
	{ NULL, 0, false },
};

static const struct jfield dlp_fields[] = {
	{ "sensor", JK_STRING, true },
	{ "action", JK_STRING, true },
	{ "threshold", JK_INT, false },
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

static const struct jfield mode_fields[] = {
	{ "mode", JK_STRING, true },
	{ NULL, 0, false },
};

static const struct jschema group_schema = {
	group_fields, "name, cidrs, ranges, fqdns, selector, mode" };
static const struct jschema rule_schema = {
	rule_fields, "id, from, to, protocol, ports, app, action, require_tls, dlp, comment" };
static const struct jschema dlp_schema = { dlp_fields, "sensor, action, threshold" };
static const struct jschema policy_schema = {
	policy_fields, "mode, default_action, groups, rules" };
static const struct jschema custom_schema = {
	custom_fields, "name, category, patterns, validator, keywords, window, threshold, "
		       "severity, context_required" };
static const struct jschema mode_schema = { mode_fields, "mode" };

/* What a value of each kind must be, for "expected ..." */
static const char *const kind_what[] = {
	[JK_STRING] = "a string",
	[JK_STRINGS] = "an array of strings",
	[JK_PORTS] = "an array of port numbers or \"START-END\" strings",
	[JK_INT] = "an integer",
	[JK_BOOL] = "a boolean",
	[JK_SELECTOR] = "a label selector string or null",
	[JK_DLP] = "an array of {sensor, action, threshold} objects",
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

/* Append printf output at buf + *o (size len), keeping *o within the buffer. */
static void __attribute__((format(printf, 4, 5)))
append(char *buf, size_t len, size_t *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*o >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *o, len - *o, fmt, ap);
	va_end(ap);
	if (n > 0)
		*o = *o + (size_t)n < len ? *o + (size_t)n : len - 1;
}

/* key with "~" and "/" escaped (RFC 6901 section 3) appended to the pointer. */
static void
ptr_push_key(char *buf, size_t len, size_t *o, const char *key)
{
	append(buf, len, o, "/");
	for (; *key != '\0'; key++) {
		if (*key == '~')
			append(buf, len, o, "~0");
		else if (*key == '/')
			append(buf, len, o, "~1");
		else
			append(buf, len, o, "%c", *key);
	}
}

static struct jmark
push_key(struct jctx *c, const char *key)
{
	struct jmark m = { c->plen, c->pathlen };

	ptr_push_key(c->ptr, sizeof(c->ptr), &c->plen, key);
	append(c->path, sizeof(c->path), &c->pathlen, "%s%s", c->pathlen != 0 ? "." : "", key);
	return m;
}

static struct jmark
push_index(struct jctx *c, size_t i)
{
	struct jmark m = { c->plen, c->pathlen };

	append(c->ptr, sizeof(c->ptr), &c->plen, "/%zu", i);
	append(c->path, sizeof(c->path), &c->pathlen, "[%zu]", i);
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

/* Report at the current pointer: "path: message" (no prefix at the checked object). */
static int __attribute__((format(printf, 2, 3)))
fail(struct jctx *c, const char *fmt, ...)
{
	size_t o = 0;
	va_list ap;

	if (c->optr != NULL && c->optrlen > 0)
		snprintf(c->optr, c->optrlen, "%s", c->ptr);
	if (c->msg != NULL && c->msglen > 0) {
		if (c->pathlen != 0)
			append(c->msg, c->msglen, &o, "%s: ", c->path);
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
			append(buf, len, &o, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			append(buf, len, &o, "\\x%02X", ch);
		else
			append(buf, len, &o, "%c", ch);
	}
	if (key[i] != '\0')
		append(buf, len, &o, "...");
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
			rc = check_object(c, it, &dlp_schema, "a {sensor, action, threshold} "
				"object");
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

static int
check(const json_t *j, const struct jschema *s, const char *what, char *ptr, size_t ptrlen,
      char *msg, size_t msglen)
{
	struct jctx c;

	memset(&c, 0, sizeof(c));
	c.optr = ptr;
	c.optrlen = ptrlen;
	c.msg = msg;
	c.msglen = msglen;
	if (ptr != NULL && ptrlen > 0)
		ptr[0] = '\0';
	if (msg != NULL && msglen > 0)
		msg[0] = '\0';
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

/* ---- JSON -> YAML ---- */

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

/* ---- loader messages ---- */

int
policy_json_pointer_from_path(const char *path, char *ptr, size_t len)
{
	const char *s = path;
	size_t o = 0, need = 0;
	char buf[8];

	if (ptr != NULL && len > 0)
		ptr[0] = '\0';
	if (path == NULL)
		return -EINVAL;
	while (*s != '\0' && *s != ':') {
		if (*s == '[') {
			/* "[N]" -> "/N" */
			if (s[1] < '0' || s[1] > '9')
				return -EINVAL;
			need++;
			append(ptr, len, &o, "/");
			for (s++; *s >= '0' && *s <= '9'; s++, need++)
				append(ptr, len, &o, "%c", *s);
			if (*s++ != ']')
				return -EINVAL;
			continue;
		}
		/* "key" at the start or ".key" -> "/key", "~" and "/" escaped */
		if (*s == '.' && s != path)
			s++;
		else if (s != path)
			return -EINVAL;
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || strchr(".[]:", *s) != NULL)
			return -EINVAL;
		need++;
		append(ptr, len, &o, "/");
		for (; (unsigned char)*s > 0x20 && *s != 0x7f && strchr(".[]:", *s) == NULL; s++) {
			snprintf(buf, sizeof(buf), "%s", *s == '~' ? "~0" : *s == '/' ? "~1" : "");
			if (buf[0] == '\0') {
				buf[0] = *s;
				buf[1] = '\0';
			}
			need += strlen(buf);
			append(ptr, len, &o, "%s", buf);
		}
		if (*s != '\0' && *s != ':' && *s != '.' && *s != '[')
			return -EINVAL;
	}
	if (need >= len) {
		if (ptr != NULL && len > 0)
			ptr[0] = '\0';
		return -ENOSPC;
	}
	return 0;
}

const char *
policy_json_strip_location(const char *err)
{
	const char *s, *d;

	if (err == NULL)
		return NULL;
	/* The first ":LINE:COL: " (the name itself may hold colons). */
	for (s = strchr(err, ':'); s != NULL; s = strchr(s + 1, ':')) {
		d = s + 1;
		if (*d < '0' || *d > '9')
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (*d++ != ':' || *d < '0' || *d > '9')
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (d[0] == ':' && d[1] == ' ')
			return d + 2;
	}
	return err;
}
