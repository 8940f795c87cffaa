/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the policy JSON bridge (control/policy_json_*.c): the exact export shapes,
 * every schema refusal with its pointer and message, JSON -> YAML -> loader round trips
 * (a policy exported and loaded back is the same policy; dlp.custom through the config
 * loader), loader errors turned into pointers, and the path/location helpers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "config_splice.h"
#include "policy.h"
#include "policy_json.h"
#include "yaml_tree.h"

static const char small_yaml[] =
	"mode: protect\n"
	"default_action: deny\n"
	"groups:\n"
	"  - name: web\n"
	"    cidrs: [10.0.0.0/8, \"fd00::/64\"]\n"
	"    ranges: [\"10.1.0.1-10.1.0.9\"]\n"
	"    fqdns: [\"*.Example.com\"]\n"
	"    selector: \"app=web\"\n"
	"    mode: monitor\n"
	"  - name: db\n"
	"rules:\n"
	"  - id: r1\n"
	"    from: web\n"
	"    to: db\n"
	"    protocol: tcp\n"
	"    ports: [5432, \"8000-8100\"]\n"
	"    app: tls\n"
	"    action: allow\n"
	"    require_tls: true\n"
	"    dlp: [{sensor: credit_card, action: block, threshold: 3, capture: false},\n"
	"          {sensor: email, action: alert}]\n"
	"    comment: \"db \\\"access\\\"\"\n"
	"  - id: r2\n"
	"    from: any\n"
	"    to: external\n"
	"    action: deny\n"
	"    capture: true\n";

/* Every field, and text that only survives careful quoting. */
static const char rich_yaml[] =
	"mode: discover\n"
	"groups:\n"
	"  - name: workloads\n"
	"    cidrs: [10.20.0.0/16, \"fd00:20::/64\", \"::/0\"]\n"
	"    ranges: [\"10.30.0.10-10.30.0.20\", \"2001:db8::1-2001:db8::ff\"]\n"
	"    selector: \"app in (web, api),!legacy,\\n\\ttier notin (db)\"\n"
	"    mode: protect\n"
	"  - name: \"no\"\n"
	"    fqdns: [\"*.x\", \"yes\", API.example]\n"
	"    selector: \"\"\n"
	"  - name: \"-d\"\n"
	"    mode: discover\n"
	"rules:\n"
	"  - id: \"123\"\n"
	"    from: workloads\n"
	"    to: \"no\"\n"
	"    protocol: udp\n"
	"    ports: [53, \"1-1024\", 65535]\n"
	"    app: dns\n"
	"    action: allow\n"
	"    dlp:\n"
	"      - {sensor: \"s: #1\", action: alert}\n"
	"      - {sensor: iban, action: block, threshold: 1000000}\n"
	"    comment: \"a: \\\"b\\\" #c\\nline \\u00e9\\u2713 \\x7F\\N\\t\\\\ {x} [y]\"\n"
	"  - {id: yes, from: \"-d\", to: any, protocol: icmp, action: deny, require_tls: true}\n"
	"  - {id: h, from: any, to: external, app: http, action: allow, comment: \"true\"}\n"
	"  - {id: s, from: any, to: external, app: smtp, action: allow}\n";

static struct policy *
load(const char *name, const char *text, size_t len)
{
	char err[512] = "";
	struct policy *p = policy_load_buffer(name, text, len, err, sizeof(err));

	if (p == NULL)
		fail_msg("load failed: %s\n--- text ---\n%.*s", err, (int)len, text);
	return p;
}

static json_t *
parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &e);

	if (j == NULL)
		fail_msg("bad JSON in test: %s: %s", e.text, text);
	return j;
}

static void
assert_json(json_t *j, const char *want)
{
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	assert_string_equal(s, want);
	free(s);
	json_decref(j);
}

static void
assert_same_policy(const struct policy *a, const struct policy *b)
{
	unsigned int i, j;

	assert_int_equal(a->mode, b->mode);
	assert_int_equal(a->default_action, b->default_action);
	assert_int_equal(a->ngroups, b->ngroups);
	assert_int_equal(a->nrules, b->nrules);
	for (i = 0; i < a->ngroups; i++) {
		const struct policy_group *x = &a->groups[i], *y = &b->groups[i];

		assert_string_equal(x->name, y->name);
		assert_int_equal(x->mode, y->mode);
		assert_int_equal(x->ncidrs, y->ncidrs);
		assert_int_equal(x->nranges, y->nranges);
		assert_int_equal(x->nfqdns, y->nfqdns);
		assert_memory_equal(x->cidrs, y->cidrs, sizeof(x->cidrs));
		assert_memory_equal(x->ranges, y->ranges, sizeof(x->ranges));
		for (j = 0; j < x->nfqdns; j++)
			assert_string_equal(x->fqdns[j], y->fqdns[j]);
		assert_int_equal(x->selector_text == NULL, y->selector_text == NULL);
		if (x->selector_text != NULL)
			assert_string_equal(x->selector_text, y->selector_text);
	}
	for (i = 0; i < a->nrules; i++) {
		assert_string_equal(a->rules[i].id, b->rules[i].id);
		assert_string_equal(a->rules[i].comment, b->rules[i].comment);
		assert_memory_equal(&a->rules[i], &b->rules[i], sizeof(a->rules[i]));
	}
}

/* ---- export ---- */

static void
test_json_export_has_every_key_in_order(void **state)
{
	struct policy *p = load("p.yaml", small_yaml, strlen(small_yaml));

	(void)state;
	assert_json(policy_json_export(p),
		    "{\"mode\":\"protect\",\"default_action\":\"deny\",\"groups\":["
		    "{\"name\":\"web\",\"cidrs\":[\"10.0.0.0/8\",\"fd00::/64\"],"
		    "\"ranges\":[\"10.1.0.1-10.1.0.9\"],\"fqdns\":[\"*.example.com\"],"
		    "\"selector\":\"app=web\",\"mode\":\"monitor\"},"
		    "{\"name\":\"db\",\"cidrs\":[],\"ranges\":[],\"fqdns\":[],\"selector\":null,"
		    "\"mode\":\"inherit\"}],\"rules\":["
		    "{\"id\":\"r1\",\"from\":\"web\",\"to\":\"db\",\"protocol\":\"tcp\","
		    "\"ports\":[\"5432\",\"8000-8100\"],\"app\":\"tls\",\"action\":\"allow\","
		    "\"require_tls\":true,\"capture\":null,\"dlp\":[{\"sensor\":\"credit_card\","
		    "\"action\":\"block\","
		    "\"threshold\":3,\"capture\":false},{\"sensor\":\"email\","
		    "\"action\":\"alert\",\"threshold\":1,\"capture\":null}],"
		    "\"comment\":\"db \\\"access\\\"\"},"
		    "{\"id\":\"r2\",\"from\":\"any\",\"to\":\"external\",\"protocol\":\"any\","
		    "\"ports\":[],\"app\":\"any\",\"action\":\"deny\",\"require_tls\":false,"
		    "\"capture\":true,\"dlp\":[],\"comment\":\"\"}]}");
	policy_free(p);
}

static void
test_json_group_and_rule_by_index(void **state)
{
	struct policy *p = load("p.yaml", small_yaml, strlen(small_yaml));

	(void)state;
	/* Built-in groups are addressable too. */
	assert_json(policy_json_group(p, POLICY_GROUP_EXTERNAL),
		    "{\"name\":\"external\",\"cidrs\":[],\"ranges\":[],\"fqdns\":[],"
		    "\"selector\":null,\"mode\":\"inherit\"}");
	assert_json(policy_json_rule(p, 1),
		    "{\"id\":\"r2\",\"from\":\"any\",\"to\":\"external\",\"protocol\":\"any\","
		    "\"ports\":[],\"app\":\"any\",\"action\":\"deny\",\"require_tls\":false,"
		    "\"capture\":true,\"dlp\":[],\"comment\":\"\"}");
	errno = 0;
	assert_null(policy_json_group(p, p->ngroups));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(policy_json_rule(p, p->nrules));
	assert_int_equal(errno, EINVAL);
	p->rules[0].proto = 47;
	errno = 0;
	assert_null(policy_json_rule(p, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(policy_json_export(p));
	assert_int_equal(errno, EINVAL);
	policy_free(p);
}

static const char custom_yaml[] =
	"dlp:\n"
	"  custom:\n"
	"    - name: patient_id\n"
	"      category: health\n"
	"      patterns: ['PAT-[0-9]{8}', \"\\\\bMRN\\\\d{6}\"]\n"
	"      validator: luhn\n"
	"      keywords: [patient, \"medical record\"]\n"
	"      window: 128\n"
	"      threshold: 2\n"
	"      severity: high\n"
	"      context_required: true\n"
	"    - name: plain\n"
	"      patterns: ['x{3}']\n";

static void
load_config(struct tg_config *c, const char *text, size_t len)
{
	char err[512] = "";

	if (config_load_buffer(c, "c.yaml", text, len, err, sizeof(err)) != 0)
		fail_msg("config load failed: %s\n--- text ---\n%.*s", err, (int)len, text);
}

static void
test_json_custom_export_has_every_key(void **state)
{
	static struct tg_config c;

	(void)state;
	load_config(&c, custom_yaml, strlen(custom_yaml));
	assert_json(policy_json_custom(&c.dlp.custom[0]),
		    "{\"name\":\"patient_id\",\"category\":\"health\","
		    "\"patterns\":[\"PAT-[0-9]{8}\",\"\\\\bMRN\\\\d{6}\"],\"validator\":\"luhn\","
		    "\"keywords\":[\"patient\",\"medical record\"],\"window\":128,\"threshold\":2,"
		    "\"severity\":\"high\",\"context_required\":true}");
	assert_json(policy_json_custom(&c.dlp.custom[1]),
		    "{\"name\":\"plain\",\"category\":\"custom\",\"patterns\":[\"x{3}\"],"
		    "\"validator\":\"none\",\"keywords\":[],\"window\":0,\"threshold\":0,"
		    "\"severity\":\"medium\",\"context_required\":false}");
	c.dlp.custom[1].severity = 9;
	errno = 0;
	assert_null(policy_json_custom(&c.dlp.custom[1]));
	assert_int_equal(errno, EINVAL);
}

/* ---- schema checks ---- */

typedef int (*check_fn)(const json_t *j, char *ptr, size_t ptrlen, char *msg, size_t msglen);

struct check_case {
	check_fn fn;
	const char *json;
	const char *ptr;
	const char *msg;
};

#define RULE_OK "\"id\":\"a\",\"from\":\"any\",\"to\":\"any\",\"action\":\"allow\""

static const struct check_case check_cases[] = {
	/* groups */
	{ policy_json_check_group, "[]", "",
	  "wrong type (got array, expected a group object)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"x\":1}", "/x",
	  "unknown field \"x\" (expected one of: name, cidrs, ranges, fqdns, selector, mode)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"a/b~c\":1}", "/a~1b~0c",
	  "unknown field \"a/b~c\" (expected one of: name, cidrs, ranges, fqdns, selector, "
	  "mode)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"q\\\"\\n\":1}", "/q\"\n",
	  "unknown field \"q\\\"\\x0A\" (expected one of: name, cidrs, ranges, fqdns, selector, "
	  "mode)" },
	{ policy_json_check_group, "{\"cidrs\":[]}", "",
	  "missing field \"name\" (expected a string)" },
	{ policy_json_check_group, "{\"name\":1}", "/name",
	  "name: wrong type (got integer, expected a string)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"cidrs\":\"10.0.0.0/8\"}", "/cidrs",
	  "cidrs: wrong type (got string, expected an array of strings)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"cidrs\":[\"10.0.0.0/8\",5]}", "/cidrs/1",
	  "cidrs[1]: wrong type (got integer, expected a string)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"ranges\":[null]}", "/ranges/0",
	  "ranges[0]: wrong type (got null, expected a string)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"fqdns\":[\"x\",[]]}", "/fqdns/1",
	  "fqdns[1]: wrong type (got array, expected a string)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"selector\":5}", "/selector",
	  "selector: wrong type (got integer, expected a label selector string or null)" },
	{ policy_json_check_group, "{\"name\":\"a\",\"selector\":null,\"mode\":true}", "/mode",
	  "mode: wrong type (got boolean, expected a string)" },
	/* rules */
	{ policy_json_check_rule, "5", "", "wrong type (got integer, expected a rule object)" },
	{ policy_json_check_rule, "{\"from\":\"a\",\"to\":\"b\",\"action\":\"allow\"}", "",
	  "missing field \"id\" (expected a string)" },
	{ policy_json_check_rule, "{\"id\":\"a\",\"to\":\"b\",\"action\":\"allow\"}", "",
	  "missing field \"from\" (expected a string)" },
	{ policy_json_check_rule, "{\"id\":\"a\",\"from\":\"b\",\"action\":\"allow\"}", "",
	  "missing field \"to\" (expected a string)" },
	{ policy_json_check_rule, "{\"id\":\"a\",\"from\":\"b\",\"to\":\"c\"}", "",
	  "missing field \"action\" (expected a string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"bogus\":1}", "/bogus",
	  "unknown field \"bogus\" (expected one of: id, from, to, protocol, ports, app, action, "
	  "require_tls, capture, dlp, comment)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"capture\":\"yes\"}", "/capture",
	  "capture: wrong type (got string, expected a boolean or null)" },
	{ policy_json_check_rule,
	  "{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\",\"action\":\"alert\",\"capture\":1}]}",
	  "/dlp/0/capture",
	  "dlp[0].capture: wrong type (got integer, expected a boolean or null)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"protocol\":6}", "/protocol",
	  "protocol: wrong type (got integer, expected a string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"ports\":80}", "/ports",
	  "ports: wrong type (got integer, expected an array of port numbers or \"START-END\" "
	  "strings)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"ports\":[\"80\",{}]}", "/ports/1",
	  "ports[1]: wrong type (got object, expected a port number or \"START-END\" string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"ports\":[80,8.5]}", "/ports/1",
	  "ports[1]: wrong type (got number, expected a port number or \"START-END\" string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"app\":null}", "/app",
	  "app: wrong type (got null, expected a string)" },
	{ policy_json_check_rule, "{\"id\":\"a\",\"from\":\"any\",\"to\":\"any\",\"action\":0}",
	  "/action", "action: wrong type (got integer, expected a string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"require_tls\":\"yes\"}", "/require_tls",
	  "require_tls: wrong type (got string, expected a boolean)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"comment\":null}", "/comment",
	  "comment: wrong type (got null, expected a string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"dlp\":{}}", "/dlp",
	  "dlp: wrong type (got object, expected an array of {sensor, action, threshold, "
	  "capture} objects)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"dlp\":[\"x\"]}", "/dlp/0",
	  "dlp[0]: wrong type (got string, expected a {sensor, action, threshold, capture} "
	  "object)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"dlp\":[{\"action\":\"block\"}]}", "/dlp/0",
	  "dlp[0]: missing field \"sensor\" (expected a string)" },
	{ policy_json_check_rule, "{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\"}]}", "/dlp/0",
	  "dlp[0]: missing field \"action\" (expected a string)" },
	{ policy_json_check_rule,
	  "{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\",\"action\":\"alert\",\"x\":1}]}", "/dlp/0/x",
	  "dlp[0]: unknown field \"x\" (expected one of: sensor, action, threshold, capture)" },
	{ policy_json_check_rule,
	  "{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\",\"action\":\"alert\"},"
	  "{\"sensor\":\"t\",\"action\":\"block\",\"threshold\":\"3\"}]}", "/dlp/1/threshold",
	  "dlp[1].threshold: wrong type (got string, expected an integer)" },
	{ policy_json_check_rule,
	  "{" RULE_OK ",\"dlp\":[{\"sensor\":5,\"action\":\"alert\"}]}", "/dlp/0/sensor",
	  "dlp[0].sensor: wrong type (got integer, expected a string)" },
	/* the whole policy */
	{ policy_json_check_policy, "null", "", "wrong type (got null, expected a policy object)" },
	{ policy_json_check_policy, "{\"mode\":\"protect\",\"extra\":1}", "/extra",
	  "unknown field \"extra\" (expected one of: mode, default_action, groups, rules)" },
	{ policy_json_check_policy, "{\"default_action\":false}", "/default_action",
	  "default_action: wrong type (got boolean, expected a string)" },
	{ policy_json_check_policy, "{\"groups\":{}}", "/groups",
	  "groups: wrong type (got object, expected an array of group objects)" },
	{ policy_json_check_policy, "{\"groups\":[5]}", "/groups/0",
	  "groups[0]: wrong type (got integer, expected a group object)" },
	{ policy_json_check_policy,
	  "{\"groups\":[{\"name\":\"a\"},{\"name\":\"b\",\"cidrs\":[1]}]}", "/groups/1/cidrs/0",
	  "groups[1].cidrs[0]: wrong type (got integer, expected a string)" },
	{ policy_json_check_policy, "{\"groups\":[{\"name\":\"a\"},{}]}", "/groups/1",
	  "groups[1]: missing field \"name\" (expected a string)" },
	{ policy_json_check_policy, "{\"rules\":[{" RULE_OK "},{" RULE_OK ",\"to\":5}]}",
	  "/rules/1/to", "rules[1].to: wrong type (got integer, expected a string)" },
	{ policy_json_check_policy,
	  "{\"rules\":[{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\",\"action\":\"alert\","
	  "\"threshold\":1.0}]}]}", "/rules/0/dlp/0/threshold",
	  "rules[0].dlp[0].threshold: wrong type (got number, expected an integer)" },
	{ policy_json_check_policy, "{\"rules\":[{" RULE_OK ",\"x~\":1}]}", "/rules/0/x~0",
	  "rules[0]: unknown field \"x~\" (expected one of: id, from, to, protocol, ports, app, "
	  "action, require_tls, capture, dlp, comment)" },
	/* custom classes */
	{ policy_json_check_custom, "{\"name\":\"x\"}", "",
	  "missing field \"patterns\" (expected an array of strings)" },
	{ policy_json_check_custom, "{\"patterns\":[\"x\"]}", "",
	  "missing field \"name\" (expected a string)" },
	{ policy_json_check_custom, "{\"name\":\"x\",\"patterns\":[\"x\"],\"window\":\"5\"}",
	  "/window", "window: wrong type (got string, expected an integer)" },
	{ policy_json_check_custom, "{\"name\":\"x\",\"patterns\":[\"x\"],\"threshold\":true}",
	  "/threshold", "threshold: wrong type (got boolean, expected an integer)" },
	{ policy_json_check_custom,
	  "{\"name\":\"x\",\"patterns\":[\"x\"],\"context_required\":1}", "/context_required",
	  "context_required: wrong type (got integer, expected a boolean)" },
	{ policy_json_check_custom, "{\"name\":\"x\",\"patterns\":[\"x\"],\"keywords\":[1]}",
	  "/keywords/0", "keywords[0]: wrong type (got integer, expected a string)" },
	{ policy_json_check_custom, "{\"name\":\"x\",\"patterns\":[\"x\"],\"severity\":2}",
	  "/severity", "severity: wrong type (got integer, expected a string)" },
	{ policy_json_check_custom, "{\"name\":\"x\",\"patterns\":[\"x\"],\"kind\":\"y\"}",
	  "/kind", "unknown field \"kind\" (expected one of: name, category, patterns, "
	  "validator, keywords, window, threshold, severity, context_required)" },
	/* mode */
	{ policy_json_check_mode, "{}", "", "missing field \"mode\" (expected a string)" },
	{ policy_json_check_mode, "{\"mode\":1}", "/mode",
	  "mode: wrong type (got integer, expected a string)" },
	{ policy_json_check_mode, "{\"mode\":\"protect\",\"group\":\"x\"}", "/group",
	  "unknown field \"group\" (expected one of: mode)" },
	{ policy_json_check_mode, "\"protect\"", "",
	  "wrong type (got string, expected a {\"mode\": ...} object)" },
	/* move (PATCH /v1/rules/{id}) */
	{ policy_json_check_move, "{}", "", "give one of before, after and position" },
	{ policy_json_check_move, "{\"position\":-1}", "/position",
	  "position: out of range (got -1, expected an integer >= 0)" },
	{ policy_json_check_move, "{\"position\":\"2\"}", "/position",
	  "position: wrong type (got string, expected an integer)" },
	{ policy_json_check_move, "{\"before\":3}", "/before",
	  "before: wrong type (got integer, expected a string)" },
	{ policy_json_check_move, "{\"to\":\"r1\"}", "/to",
	  "unknown field \"to\" (expected one of: before, after, position)" },
};

static void
test_json_checks_name_field_and_expectation(void **state)
{
	char ptr[128], msg[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(check_cases) / sizeof(check_cases[0]); i++) {
		const struct check_case *c = &check_cases[i];
		json_t *j = parse(c->json);

		memset(ptr, 'x', sizeof(ptr));
		memset(msg, 'x', sizeof(msg));
		if (c->fn(j, ptr, sizeof(ptr), msg, sizeof(msg)) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, c->json);
		if (strcmp(ptr, c->ptr) != 0 || strcmp(msg, c->msg) != 0)
			fail_msg("case %zu: %s\n got ptr \"%s\" msg \"%s\"\nwant ptr \"%s\" msg "
				 "\"%s\"", i, c->json, ptr, msg, c->ptr, c->msg);
		json_decref(j);
	}
}

static void
test_json_checks_accept_valid_shapes_and_exports(void **state)
{
	struct policy *p = load("p.yaml", rich_yaml, strlen(rich_yaml));
	static struct tg_config c;
	char ptr[64] = "x", msg[128] = "x";
	json_t *j;
	size_t i;

	(void)state;
	j = policy_json_export(p);
	assert_int_equal(policy_json_check_policy(j, ptr, sizeof(ptr), msg, sizeof(msg)), 0);
	assert_string_equal(ptr, "");
	assert_string_equal(msg, "");
	json_decref(j);
	for (i = POLICY_GROUP_ANY; i < p->ngroups; i++) {
		j = policy_json_group(p, (unsigned int)i);
		assert_int_equal(policy_json_check_group(j, NULL, 0, NULL, 0), 0);
		json_decref(j);
	}
	for (i = 0; i < p->nrules; i++) {
		j = policy_json_rule(p, (unsigned int)i);
		assert_int_equal(policy_json_check_rule(j, NULL, 0, NULL, 0), 0);
		json_decref(j);
	}
	load_config(&c, custom_yaml, strlen(custom_yaml));
	j = policy_json_custom(&c.dlp.custom[0]);
	assert_int_equal(policy_json_check_custom(j, NULL, 0, NULL, 0), 0);
	json_decref(j);
	/* Integer ports, an empty object, a mode body. */
	j = parse("{\"rules\":[{" RULE_OK ",\"ports\":[80,\"81\"]}]}");
	assert_int_equal(policy_json_check_policy(j, NULL, 0, NULL, 0), 0);
	json_decref(j);
	j = parse("{}");
	assert_int_equal(policy_json_check_policy(j, NULL, 0, NULL, 0), 0);
	json_decref(j);
	j = parse("{\"mode\":\"protect\"}");
	assert_int_equal(policy_json_check_mode(j, NULL, 0, NULL, 0), 0);
	json_decref(j);
	j = parse("{\"after\":\"r1\",\"position\":0}");
	assert_int_equal(policy_json_check_move(j, NULL, 0, NULL, 0), 0);
	json_decref(j);
	policy_free(p);
}

static void
test_json_check_null_and_short_buffers(void **state)
{
	char ptr[4], msg[16];
	json_t *j;

	(void)state;
	assert_int_equal(policy_json_check_rule(NULL, ptr, sizeof(ptr), msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(ptr, "");
	assert_string_equal(msg, "no value (expec");
	j = parse("{\"rules\":[{" RULE_OK ",\"to\":5}]}");
	assert_int_equal(policy_json_check_policy(j, ptr, sizeof(ptr), msg, sizeof(msg)),
			 -EINVAL);
	/* "/rules/0/to" cut to "/ru" would name nothing: the body itself fits. */
	assert_string_equal(ptr, "");
	assert_string_equal(msg, "rules[0].to: wr");
	json_decref(j);
}

/*
 * Found by fuzz_policy_json (tests/fuzz/regressions/policy_json/unknown_member_name_1100):
 * an unknown member whose pointer is too long for the pointer buffer (the API's is 256
 * bytes) or for the check's own (1024) came back cut, naming a member the body does not
 * have. It now names the nearest enclosing value whose pointer fits.
 */
static void
test_json_check_long_member_name_points_at_what_fits(void **state)
{
	char ptr[256], big[2048], msg[64], *body, *key;
	json_t *j;

	(void)state;
	key = malloc(1101);
	body = malloc(1200);
	assert_non_null(key);
	assert_non_null(body);
	memset(key, 'x', 1100);
	key[1100] = '\0';
	/* 300 bytes under rules[0]: "/rules/0/xxx..." does not fit in 256 bytes. */
	snprintf(body, 1200, "{\"rules\":[{" RULE_OK ",\"%.300s\":1}]}", key);
	j = parse(body);
	assert_int_equal(policy_json_check_policy(j, ptr, sizeof(ptr), msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(ptr, "/rules/0");
	assert_int_equal(policy_json_check_policy(j, big, sizeof(big), NULL, 0), -EINVAL);
	assert_int_equal(strlen(big), 9 + 300);
	assert_memory_equal(big, "/rules/0/", 9);
	json_decref(j);
	/* 1100 bytes: longer than any pointer the check holds, whatever the buffer. */
	snprintf(body, 1200, "{\"%s\":1}", key);
	j = parse(body);
	memset(big, 'y', sizeof(big));
	assert_int_equal(policy_json_check_group(j, big, sizeof(big), msg, sizeof(msg)),
			 -EINVAL);
	assert_string_equal(big, "");
	assert_memory_equal(msg, "unknown field \"xxx", 18);
	json_decref(j);
	free(body);
	free(key);
}

/* ---- JSON -> YAML ---- */

static void
test_json_to_yaml_exact_text_and_scalar_styles(void **state)
{
	json_t *j = parse("{\"mode\":\"protect\",\"rules\":[{\"id\":\"a\","
			  "\"ports\":[80,\"8000-8100\"],\"require_tls\":true,\"dlp\":[]}],"
			  "\"groups\":[{\"name\":\"g\",\"selector\":null,\"mode\":\"inherit\"}]}");
	const struct yaml_node *ports;
	struct yaml_node *root;
	char err[256];
	size_t len;
	char *y;

	(void)state;
	y = policy_json_to_yaml(j, &len);
	assert_non_null(y);
	assert_string_equal(y,
			    "{\n"
			    " \"mode\": \"protect\",\n"
			    " \"rules\": [\n"
			    "  {\n"
			    "   \"id\": \"a\",\n"
			    "   \"ports\": [\n"
			    "    80,\n"
			    "    \"8000-8100\"\n"
			    "   ],\n"
			    "   \"require_tls\": true,\n"
			    "   \"dlp\": []\n"
			    "  }\n"
			    " ],\n"
			    " \"groups\": [\n"
			    "  {\n"
			    "   \"name\": \"g\"\n"
			    "  }\n"
			    " ]\n"
			    "}\n");
	assert_int_equal(len, strlen(y));
	/* The input is not changed by dropping the export's defaults. */
	assert_non_null(json_object_get(json_array_get(json_object_get(j, "groups"), 0), "mode"));
	root = yaml_tree_load_buffer("y", y, len, err, sizeof(err));
	assert_non_null(root);
	ports = yaml_tree_get(yaml_tree_item(yaml_tree_get(root, "rules"), 0), "ports");
	assert_true(yaml_tree_is_plain(yaml_tree_item(ports, 0)));
	assert_string_equal(yaml_tree_str(yaml_tree_item(ports, 0)), "80");
	assert_false(yaml_tree_is_plain(yaml_tree_item(ports, 1)));
	yaml_tree_free(root);
	free(y);
	json_decref(j);
	errno = 0;
	assert_null(policy_json_to_yaml(NULL, NULL));
	assert_int_equal(errno, EINVAL);
	j = json_array();
	assert_null(policy_json_to_yaml(j, NULL));
	assert_null(policy_json_custom_to_yaml(json_object_get(j, "x"), NULL));
	json_decref(j);
}

/* policy -> export -> YAML -> loader must give the same policy. */
static void
assert_round_trip(const char *yaml)
{
	struct policy *p = load("src", yaml, strlen(yaml)), *back;
	json_t *j = policy_json_export(p);
	size_t len;
	char *y;

	assert_non_null(j);
	y = policy_json_to_yaml(j, &len);
	assert_non_null(y);
	back = load("api request", y, len);
	assert_same_policy(p, back);
	policy_free(back);
	free(y);
	json_decref(j);
	policy_free(p);
}

static void
test_json_round_trip_gives_the_same_policy(void **state)
{
	(void)state;
	assert_round_trip(rich_yaml);
	assert_round_trip(small_yaml);
	assert_round_trip("");
}

static void
test_json_integer_and_string_ports_both_load(void **state)
{
	json_t *j = parse("{\"rules\":[{" RULE_OK ",\"ports\":[80,\"443\",\"8000-8100\"],"
			  "\"comment\":\"yes\",\"dlp\":[{\"sensor\":\"s\",\"action\":\"block\","
			  "\"threshold\":7}]}]}");
	struct policy *p;
	size_t len;
	char *y;

	(void)state;
	y = policy_json_to_yaml(j, &len);
	p = load("api request", y, len);
	assert_int_equal(p->rules[0].nports, 3);
	assert_int_equal(p->rules[0].ports[0].lo, 80);
	assert_int_equal(p->rules[0].ports[0].hi, 80);
	assert_int_equal(p->rules[0].ports[1].lo, 443);
	assert_int_equal(p->rules[0].ports[2].lo, 8000);
	assert_int_equal(p->rules[0].ports[2].hi, 8100);
	assert_string_equal(p->rules[0].comment, "yes");
	assert_int_equal(p->rules[0].dlp[0].threshold, 7);
	policy_free(p);
	free(y);
	json_decref(j);
}

/* Load the YAML of body and return the loader's error turned into pointer + message. */
static void
assert_loader_error(const char *body, const char *want_ptr, const char *want_msg)
{
	json_t *j = parse(body);
	char err[512], ptr[128];
	const char *msg;
	size_t len;
	char *y;

	assert_int_equal(policy_json_check_policy(j, NULL, 0, NULL, 0), 0);
	y = policy_json_to_yaml(j, &len);
	assert_non_null(y);
	assert_null(policy_load_buffer("api request", y, len, err, sizeof(err)));
	msg = policy_json_strip_location(err);
	if (policy_json_pointer_from_path(msg, ptr, sizeof(ptr)) != 0)
		strcpy(ptr, "");
	assert_string_equal(ptr, want_ptr);
	assert_string_equal(msg, want_msg);
	free(y);
	json_decref(j);
}

static void
test_json_loader_errors_become_pointers(void **state)
{
	(void)state;
	assert_loader_error("{\"rules\":[{" RULE_OK "},{\"id\":\"b\",\"from\":\"any\","
			    "\"to\":\"partners\",\"action\":\"allow\"}]}",
			    "/rules/1/to",
			    "rules[1].to: unknown group (got \"partners\", expected one of: any, "
			    "external)");
	assert_loader_error("{\"rules\":[{" RULE_OK ",\"dlp\":[{\"sensor\":\"s\","
			    "\"action\":\"alert\",\"threshold\":0}]}]}",
			    "/rules/0/dlp/0/threshold",
			    "rules[0].dlp[0].threshold: out of range (got 0, expected an integer "
			    "1..1000000)");
	assert_loader_error("{\"groups\":[{\"name\":\"g\",\"cidrs\":[\"10.0.0.0/8\","
			    "\"10.0.0.1/8\"]}]}",
			    "/groups/0/cidrs/1",
			    "groups[0].cidrs[1]: host bits set (got \"10.0.0.1/8\", expected "
			    "10.0.0.0/8)");
	assert_loader_error("{\"rules\":[{" RULE_OK ",\"ports\":[70000]}]}", "/rules/0/ports/0",
			    "rules[0].ports[0]: port out of range (got 70000, expected 1..65535)");
	/* inherit is a group's mode only. */
	assert_loader_error("{\"mode\":\"inherit\"}", "/mode",
			    "mode: unknown value (got \"inherit\", expected discover, monitor or "
			    "protect)");
}

static void
test_json_custom_to_yaml_loads_through_config_splice(void **state)
{
	static const char *const path[] = { "dlp", "custom" };
	static struct tg_config a, b;
	json_t *arr = json_array();
	char *y, *doc, err[256];
	size_t len, doclen;
	uint32_t i;

	(void)state;
	load_config(&a, custom_yaml, strlen(custom_yaml));
	for (i = 0; i < a.dlp.n_custom; i++)
		assert_int_equal(json_array_append_new(arr, policy_json_custom(&a.dlp.custom[i])),
				 0);
	y = policy_json_custom_to_yaml(arr, &len);
	assert_non_null(y);
	assert_int_equal(config_splice("# mine\ndlp:\n  enabled: true\n  custom: []\n",
				       strlen("# mine\ndlp:\n  enabled: true\n  custom: []\n"),
				       path, 2, y, &doc, &doclen, err, sizeof(err)), 0);
	load_config(&b, doc, doclen);
	assert_int_equal(b.dlp.n_custom, a.dlp.n_custom);
	assert_memory_equal(b.dlp.custom, a.dlp.custom, sizeof(a.dlp.custom));
	assert_memory_equal(doc, "# mine\ndlp:\n  enabled: true\n  custom:\n    [\n     {\n",
			    strlen("# mine\ndlp:\n  enabled: true\n  custom:\n    [\n     {\n"));
	free(doc);
	free(y);
	json_decref(arr);
}

/* ---- loader paths ---- */

static void
test_json_pointer_from_path(void **state)
{
	char ptr[64];

	(void)state;
	assert_int_equal(policy_json_pointer_from_path("rules[3].dlp[0].threshold", ptr,
						       sizeof(ptr)), 0);
	assert_string_equal(ptr, "/rules/3/dlp/0/threshold");
	assert_int_equal(policy_json_pointer_from_path("groups[2].cidrs[1]", ptr, sizeof(ptr)),
			 0);
	assert_string_equal(ptr, "/groups/2/cidrs/1");
	assert_int_equal(policy_json_pointer_from_path("", ptr, sizeof(ptr)), 0);
	assert_string_equal(ptr, "");
	assert_int_equal(policy_json_pointer_from_path("mode: unknown value (got x)", ptr,
						       sizeof(ptr)), 0);
	assert_string_equal(ptr, "/mode");
	assert_int_equal(policy_json_pointer_from_path("[2].name", ptr, sizeof(ptr)), 0);
	assert_string_equal(ptr, "/2/name");
	assert_int_equal(policy_json_pointer_from_path("a/b~c.d", ptr, sizeof(ptr)), 0);
	assert_string_equal(ptr, "/a~1b~0c/d");
	/* Not a path: a message about the whole object. */
	assert_int_equal(policy_json_pointer_from_path("wrong type (got a sequence)", ptr,
						       sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path("rules[x]", ptr, sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path("rules[3", ptr, sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path(".a", ptr, sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path("a..b", ptr, sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path("a[1]b", ptr, sizeof(ptr)), -EINVAL);
	assert_int_equal(policy_json_pointer_from_path(NULL, ptr, sizeof(ptr)), -EINVAL);
	/* "/rules/3" needs 9 bytes. */
	assert_int_equal(policy_json_pointer_from_path("rules[3]", ptr, 8), -ENOSPC);
	assert_string_equal(ptr, "");
	assert_int_equal(policy_json_pointer_from_path("rules[3]", ptr, 9), 0);
	assert_string_equal(ptr, "/rules/3");
}

static void
test_json_strip_location(void **state)
{
	static const char e1[] = "api request:3:9: rules[3].to: unknown group";
	static const char e2[] = "no location: here";
	static const char e3[] = "c:\\x:12:1: did not find";

	(void)state;
	assert_string_equal(policy_json_strip_location(e1), "rules[3].to: unknown group");
	assert_ptr_equal(policy_json_strip_location(e2), e2);
	assert_string_equal(policy_json_strip_location(e3), "did not find");
	assert_string_equal(policy_json_strip_location("<buffer>:1:1: wrong type"), "wrong type");
	assert_null(policy_json_strip_location(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_export_has_every_key_in_order),
		cmocka_unit_test(test_json_group_and_rule_by_index),
		cmocka_unit_test(test_json_custom_export_has_every_key),
		cmocka_unit_test(test_json_checks_name_field_and_expectation),
		cmocka_unit_test(test_json_checks_accept_valid_shapes_and_exports),
		cmocka_unit_test(test_json_check_null_and_short_buffers),
		cmocka_unit_test(test_json_check_long_member_name_points_at_what_fits),
		cmocka_unit_test(test_json_to_yaml_exact_text_and_scalar_styles),
		cmocka_unit_test(test_json_round_trip_gives_the_same_policy),
		cmocka_unit_test(test_json_integer_and_string_ports_both_load),
		cmocka_unit_test(test_json_loader_errors_become_pointers),
		cmocka_unit_test(test_json_custom_to_yaml_loads_through_config_splice),
		cmocka_unit_test(test_json_pointer_from_path),
		cmocka_unit_test(test_json_strip_location),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
