/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the policy emitter (config/policy_emit.c): a policy and custom DLP classes
 * written as YAML load back to identical values (every field, IPv6, wildcard hostnames,
 * selectors and comments full of YAML-special characters, every protocol, app and mode),
 * the exact canonical text of small cases, indentation, and the double-quote escaper.
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

#include "config.h"
#include "policy.h"
#include "policy_emit.h"
#include "yaml_tree.h"

/* Every field, and scalars that a careless writer would get wrong. */
static const char rich_yaml[] =
	"mode: discover\n"
	"default_action: deny\n"
	"groups:\n"
	"  - name: workloads\n"
	"    cidrs: [10.20.0.0/16, \"fd00:20::/64\", 192.0.2.7, \"::/0\", 0.0.0.0/0,\n"
	"            \"2001:db8::1\", \"::ffff:10.0.0.0/104\"]\n"
	"    ranges: [\"10.30.0.10-10.30.0.20\", \"2001:db8::1-2001:db8::ff\",\n"
	"             \"::1-::2\", \"fd00::1-fd00::2\"]\n"
	"    selector: \"app in (web, api),!legacy,tier notin (db),\\n\\tzone=a\"\n"
	"    mode: monitor\n"
	"  - name: partners\n"
	"    fqdns: [API.Partner.example, \"*.partner.example\", \"yes\", \"null\", 123.example,\n"
	"            \"*.x\", on, y]\n"
	"    mode: protect\n"
	"  - name: \"-dash\"\n"
	"    selector: \"\"\n"
	"    mode: discover\n"
	"  - name: \"1st\"\n"
	"  - name: \"no\"\n"
	"    cidrs: [\"10.1.0.0/16\"]\n"
	"rules:\n"
	"  - id: deny-legacy\n"
	"    from: workloads\n"
	"    to: partners\n"
	"    protocol: tcp\n"
	"    ports: [443, \"8000-8100\", 1, 65535, \"1-65535\"]\n"
	"    app: tls\n"
	"    action: allow\n"
	"    require_tls: true\n"
	"    dlp:\n"
	"      - {sensor: credit_card, action: block, threshold: 3, capture: false}\n"
	"      - {sensor: iban, action: alert, capture: true}\n"
	"      - {sensor: \"weird: #1 'x'\", action: alert, threshold: 1000000}\n"
	"    comment: \"say \\\"hi\\\": a#b [x] {y} & * ! | > % @ `\\nline 2 "
	"\\u00fcn\\u00efc\\u00f6d\\u00e9 \\u2713 \\U0001F600 \\t tab \\\\ back "
	"\\x01\\x7F\\N\\L\\P\\uFEFF\\u00A0 end \"\n"
	"  - id: R_2\n"
	"    from: any\n"
	"    to: external\n"
	"    action: deny\n"
	"    capture: true\n"
	"  - id: \"123\"\n"
	"    from: \"1st\"\n"
	"    to: \"no\"\n"
	"    protocol: udp\n"
	"    ports: [53]\n"
	"    app: dns\n"
	"    action: allow\n"
	"    capture: false\n"
	"    comment: \"true\"\n"
	"  - id: \"yes\"\n"
	"    from: \"-dash\"\n"
	"    to: any\n"
	"    protocol: icmp\n"
	"    action: deny\n"
	"    comment: \"  leading and trailing spaces  \"\n"
	"  - id: http-out\n"
	"    from: workloads\n"
	"    to: external\n"
	"    protocol: any\n"
	"    app: http\n"
	"    action: allow\n"
	"    comment: \"- looks like a list\"\n"
	"  - id: smtp-out\n"
	"    from: partners\n"
	"    to: external\n"
	"    app: smtp\n"
	"    action: allow\n"
	"    require_tls: false\n"
	"    comment: \"a: b\"\n";

static struct policy *
load(const char *text, size_t len)
{
	char err[512] = "";
	struct policy *p = policy_load_buffer("emit.yaml", text, len, err, sizeof(err));

	if (p == NULL)
		fail_msg("load failed: %s\n--- text ---\n%.*s", err, (int)len, text);
	return p;
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

/* emit p at indent, load it back, compare; returns the text (caller frees). */
static char *
round_trip(const struct policy *p, unsigned int indent)
{
	struct policy *back;
	char *text = NULL;
	size_t len = 0;

	assert_int_equal(policy_emit_yaml(p, indent, &text, &len), 0);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_true(len > 0 && text[len - 1] == '\n');
	back = load(text, len);
	assert_same_policy(p, back);
	policy_free(back);
	return text;
}

static void
test_emit_rich_policy_loads_back_identical(void **state)
{
	struct policy *p = load(rich_yaml, strlen(rich_yaml));
	char *text;

	(void)state;
	/* The fixture really holds what the test is about. */
	assert_int_equal(p->ngroups, POLICY_GROUP_FIRST_USER + 5);
	assert_int_equal(p->nrules, 6);
	assert_non_null(strchr(p->rules[0].comment, 0x7f));
	assert_non_null(strstr(p->rules[0].comment, "\xc2\x85"));
	assert_non_null(strstr(p->groups[2].selector_text, "\n\t"));
	assert_string_equal(p->groups[4].selector_text, "");
	text = round_trip(p, 0);
	free(text);
	policy_free(p);
}

static void
test_emit_quotes_only_what_needs_it(void **state)
{
	struct policy *p = load(rich_yaml, strlen(rich_yaml));
	char *text;

	(void)state;
	text = round_trip(p, 0);
	/* Plain: names, CIDRs, a single port, plain hostnames. */
	assert_non_null(strstr(text, "\n  - name: workloads\n"));
	assert_non_null(strstr(text, "\n      - 10.20.0.0/16\n"));
	assert_non_null(strstr(text, "\n      - fd00:20::/64\n"));
	assert_non_null(strstr(text, "\n      - 443\n"));
	assert_non_null(strstr(text, "\n      - api.partner.example\n"));
	assert_non_null(strstr(text, "\n      - fd00::1-fd00::2\n"));
	/* Quoted: what YAML would read otherwise or refuse. */
	assert_non_null(strstr(text, "\n      - \"::/0\"\n"));
	assert_non_null(strstr(text, "\n      - \"10.30.0.10-10.30.0.20\"\n"));
	assert_non_null(strstr(text, "\n      - \"8000-8100\"\n"));
	assert_non_null(strstr(text, "\n      - \"*.partner.example\"\n"));
	assert_non_null(strstr(text, "\n      - \"yes\"\n"));
	assert_non_null(strstr(text, "\n      - \"null\"\n"));
	assert_non_null(strstr(text, "\n      - \"on\"\n"));
	assert_non_null(strstr(text, "\n      - \"y\"\n"));
	assert_non_null(strstr(text, "\n      - \"123.example\"\n"));
	assert_non_null(strstr(text, "\n  - name: \"-dash\"\n    selector: \"\"\n"));
	assert_non_null(strstr(text, "\n  - id: \"123\"\n    from: \"1st\"\n    to: \"no\"\n"));
	assert_non_null(strstr(text, "\n    selector: \"app in (web, api),!legacy,tier notin "
				     "(db),\\n\\tzone=a\"\n"));
	assert_non_null(strstr(text, "\n    comment: \"true\"\n"));
	assert_non_null(strstr(text, "\\\\ back \\x01\\x7F\\N\\L\\P\\uFEFF\xc2\xa0 end \"\n"));
	free(text);
	policy_free(p);
}

static void
test_emit_small_policy_exact_text_leaves_out_defaults(void **state)
{
	static const char in[] =
		"mode: protect\n"
		"groups:\n"
		"  - {name: web, cidrs: [10.0.0.0/8], mode: inherit}\n";
	static const char src[] =
		"mode: protect\n"
		"groups:\n"
		"  - {name: web, cidrs: [10.0.0.0/8]}\n"
		"rules:\n"
		"  - {id: a, from: web, to: external, action: allow, protocol: any, app: any,\n"
		"     require_tls: false, comment: \"\", ports: [], dlp: []}\n"
		"  - {id: b, from: any, to: web, action: deny, protocol: tcp, ports: [80],\n"
		"     dlp: [{sensor: email, action: alert, threshold: 1}]}\n";
	static const char want[] =
		"mode: protect\n"
		"default_action: allow\n"
		"groups:\n"
		"  - name: web\n"
		"    cidrs:\n"
		"      - 10.0.0.0/8\n"
		"rules:\n"
		"  - id: a\n"
		"    from: web\n"
		"    to: external\n"
		"    action: allow\n"
		"  - id: b\n"
		"    from: any\n"
		"    to: web\n"
		"    protocol: tcp\n"
		"    ports:\n"
		"      - 80\n"
		"    action: deny\n"
		"    dlp:\n"
		"      - sensor: email\n"
		"        action: alert\n";
	struct policy *p;
	char err[256];
	char *text;

	(void)state;
	/* Group mode inherit has no spelling: the loader refuses it, the emitter omits it. */
	assert_null(policy_load_buffer("x", in, strlen(in), err, sizeof(err)));
	p = load(src, strlen(src));
	text = round_trip(p, 0);
	assert_string_equal(text, want);
	free(text);
	policy_free(p);
}

static void
test_emit_empty_policy_writes_all_four_keys(void **state)
{
	struct policy *p = load("", 0);
	char *text;

	(void)state;
	text = round_trip(p, 0);
	assert_string_equal(text, "mode: monitor\ndefault_action: allow\ngroups: []\nrules: []\n");
	free(text);
	policy_free(p);
}

static void
test_emit_indent_prefixes_every_line_and_nests_under_a_key(void **state)
{
	struct policy *p = load(rich_yaml, strlen(rich_yaml)), *back;
	const struct yaml_node *node;
	struct yaml_node *root;
	char *text, *doc, err[256];
	const char *line;
	size_t len;

	(void)state;
	assert_int_equal(policy_emit_yaml(p, 4, &text, &len), 0);
	for (line = text; *line != '\0'; line = strchr(line, '\n') + 1)
		assert_memory_equal(line, "    ", 4);
	/* Under two levels of keys, as config_splice would place it. */
	doc = malloc(len + 32);
	assert_non_null(doc);
	snprintf(doc, len + 32, "outer:\n  policy:\n%s", text);
	root = yaml_tree_load_buffer("doc", doc, strlen(doc), err, sizeof(err));
	assert_non_null(root);
	node = yaml_tree_get(yaml_tree_get(root, "outer"), "policy");
	assert_non_null(node);
	back = policy_load_tree("doc", node, err, sizeof(err));
	assert_non_null(back);
	assert_same_policy(p, back);
	policy_free(back);
	yaml_tree_free(root);
	free(doc);
	free(text);
	policy_free(p);
}

static void
test_emit_refuses_what_the_loader_never_produces(void **state)
{
	struct policy *p = load(rich_yaml, strlen(rich_yaml));
	char *text = (char *)1;

	(void)state;
	assert_int_equal(policy_emit_yaml(NULL, 0, &text, NULL), -EINVAL);
	assert_null(text);
	assert_int_equal(policy_emit_yaml(p, 0, NULL, NULL), -EINVAL);
	p->rules[1].proto = 47;
	assert_int_equal(policy_emit_yaml(p, 0, &text, NULL), -EINVAL);
	assert_null(text);
	p->rules[1].proto = 0;
	p->rules[1].to = (uint16_t)p->ngroups;
	assert_int_equal(policy_emit_yaml(p, 0, &text, NULL), -EINVAL);
	p->rules[1].to = 1;
	strcpy(p->rules[1].comment, "bad \xff utf-8");
	assert_int_equal(policy_emit_yaml(p, 0, &text, NULL), -EINVAL);
	p->rules[1].comment[0] = '\0';
	p->mode = POLICY_MODE_INHERIT;
	assert_int_equal(policy_emit_yaml(p, 0, &text, NULL), -EINVAL);
	p->mode = POLICY_MODE_PROTECT;
	assert_int_equal(policy_emit_yaml(p, 0, &text, NULL), 0);
	free(text);
	policy_free(p);
}

static const char custom_yaml[] =
	"dlp:\n"
	"  custom:\n"
	"    - name: patient_id\n"
	"      category: health\n"
	"      patterns: ['PAT-[0-9]{8}', \"\\\\bMRN[: ]?\\\\d{6}\\\\b\", '\"quoted\" #x']\n"
	"      validator: luhn\n"
	"      keywords: [patient, \"medical record\", \"yes\", \"#1\"]\n"
	"      window: 128\n"
	"      threshold: 2\n"
	"      severity: high\n"
	"      context_required: true\n"
	"    - name: plain\n"
	"      patterns: ['x{3}']\n"
	"    - name: low_one\n"
	"      category: custom\n"
	"      patterns: [\"- dash\", \"a: b\"]\n"
	"      validator: none\n"
	"      severity: low\n"
	"      window: 0\n"
	"    - name: crit\n"
	"      patterns: [\"\\u00e9t\\u00e9 \\t\"]\n"
	"      validator: iban\n"
	"      severity: critical\n";

static void
load_config(struct tg_config *c, const char *text, size_t len)
{
	char err[512] = "";

	if (config_load_buffer(c, "custom.yaml", text, len, err, sizeof(err)) != 0)
		fail_msg("config load failed: %s\n--- text ---\n%.*s", err, (int)len, text);
}

static void
test_emit_custom_classes_load_back_through_config(void **state)
{
	static struct tg_config a, b;
	char *text, *doc;
	size_t len;

	(void)state;
	load_config(&a, custom_yaml, strlen(custom_yaml));
	assert_int_equal(a.dlp.n_custom, 4);
	assert_int_equal(policy_emit_custom_yaml(a.dlp.custom, a.dlp.n_custom, 4, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	doc = malloc(len + 32);
	assert_non_null(doc);
	snprintf(doc, len + 32, "dlp:\n  custom:\n%s", text);
	load_config(&b, doc, strlen(doc));
	assert_int_equal(b.dlp.n_custom, a.dlp.n_custom);
	assert_memory_equal(b.dlp.custom, a.dlp.custom, sizeof(a.dlp.custom));
	/* Defaults are left out: the second class is its name and pattern only. */
	assert_non_null(strstr(text, "    - name: plain\n      patterns:\n        - \"x{3}\"\n"
				     "    - name: low_one\n"));
	free(doc);
	free(text);
}

static void
test_emit_custom_empty_list_is_flow_brackets(void **state)
{
	static struct tg_config c;
	char *text;
	size_t len;

	(void)state;
	assert_int_equal(policy_emit_custom_yaml(NULL, 0, 4, &text, &len), 0);
	assert_string_equal(text, "    []\n");
	assert_int_equal(len, 7);
	load_config(&c, "dlp:\n  custom:\n    []\n", strlen("dlp:\n  custom:\n    []\n"));
	assert_int_equal(c.dlp.n_custom, 0);
	free(text);
	assert_int_equal(policy_emit_custom_yaml(NULL, 1, 0, &text, &len), -EINVAL);
	assert_null(text);
}

static void
test_emit_custom_refuses_bad_severity(void **state)
{
	static struct tg_config c;
	char *text;

	(void)state;
	load_config(&c, custom_yaml, strlen(custom_yaml));
	c.dlp.custom[1].severity = 0;
	assert_int_equal(policy_emit_custom_yaml(c.dlp.custom, 2, 0, &text, NULL), -EINVAL);
	assert_null(text);
}

static void
test_emit_quote_escapes_exactly(void **state)
{
	static const char s[] = "a\"b\\c\n\t\r\x01\x1b\x7f" "\xc2\x85\xc2\x9f\xc2\xa0"
				"\xe2\x80\xa8\xe2\x80\xa9\xef\xbb\xbf\xef\xbf\xbe\xf0\x9f\x98\x80";
	char buf[128], small[6];
	size_t n;

	(void)state;
	n = policy_emit_quote(s, sizeof(s) - 1, buf, sizeof(buf));
	assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\t\\r\\x01\\x1B\\x7F\\N\\x9F\xc2\xa0\\L\\P"
				 "\\uFEFF\\uFFFE\xf0\x9f\x98\x80\"");
	assert_int_equal(n, strlen(buf));
	/* NUL is data, not the end. */
	assert_int_equal(policy_emit_quote("a\0b", 3, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "\"a\\x00b\"");
	/* snprintf-like truncation, with the whole length returned. */
	assert_int_equal(policy_emit_quote("abcdefgh", 8, small, sizeof(small)), 10);
	assert_string_equal(small, "\"abcd");
	assert_int_equal(policy_emit_quote("", 0, NULL, 0), 2);
	/* Not UTF-8: overlong, surrogate, stray continuation, truncated sequence. */
	assert_int_equal(policy_emit_quote("\xc0\xaf", 2, buf, sizeof(buf)), (size_t)-1);
	assert_int_equal(policy_emit_quote("\xed\xa0\x80", 3, buf, sizeof(buf)), (size_t)-1);
	assert_int_equal(policy_emit_quote("a\x80", 2, buf, sizeof(buf)), (size_t)-1);
	assert_int_equal(policy_emit_quote("\xe2\x80", 2, buf, sizeof(buf)), (size_t)-1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_emit_rich_policy_loads_back_identical),
		cmocka_unit_test(test_emit_quotes_only_what_needs_it),
		cmocka_unit_test(test_emit_small_policy_exact_text_leaves_out_defaults),
		cmocka_unit_test(test_emit_empty_policy_writes_all_four_keys),
		cmocka_unit_test(test_emit_indent_prefixes_every_line_and_nests_under_a_key),
		cmocka_unit_test(test_emit_refuses_what_the_loader_never_produces),
		cmocka_unit_test(test_emit_custom_classes_load_back_through_config),
		cmocka_unit_test(test_emit_custom_empty_list_is_flow_brackets),
		cmocka_unit_test(test_emit_custom_refuses_bad_severity),
		cmocka_unit_test(test_emit_quote_escapes_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
