/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The policy as JSON (policy_json.h), export: a loaded policy (policy_types.h) and custom
 * DLP classes (config_types.h) as the JSON objects the REST API returns. Every key is
 * always present; a value the loader never produces (an unknown mode, action or protocol,
 * a count past its cap, text that is not UTF-8) is refused (EINVAL) rather than exported.
 *
 * The shapes are the ones the schema checks (policy_json_check.c) accept and the YAML
 * bridge (policy_json_yaml.c) hands back to the loader; the export and round-trip tests
 * keep the three in step.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* capture: true, false, or null for the default (enum policy_capture). */
static json_t *
capture_json(uint8_t capture)
{
	if (capture == POLICY_CAPTURE_DEFAULT)
		return json_null();
	if (capture > POLICY_CAPTURE_ON) {
		errno = EINVAL;
		return NULL;
	}
	return json_boolean(capture == POLICY_CAPTURE_ON);
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
		    !put(d, "threshold", json_integer(r->dlp[i].threshold)) ||
		    !put(d, "capture", capture_json(r->dlp[i].capture))) {
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
	    !put(o, "capture", capture_json(r->capture)) ||
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
