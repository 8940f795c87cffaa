/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the policy model (config/policy.c): a full policy read back field by
 * field, the exact message of each kind of mistake, and the first-match semantics of
 * policy_match (order, protocol and port filters, any/external, IPv6).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "policy.h"
#include "selector.h"

static const char full_yaml[] =
	"mode: protect\n"
	"default_action: deny\n"
	"groups:\n"
	"  - name: workloads\n"
	"    cidrs: [10.20.0.0/16, \"fd00:20::/64\", 192.0.2.7]\n"
	"    ranges: [\"10.30.0.10-10.30.0.20\", \"2001:db8::1-2001:db8::ff\"]\n"
	"    selector: \"app=web,tier!=db\"\n"
	"    mode: monitor\n"
	"  - name: partners\n"
	"    fqdns: [API.Partner.example, \"*.partner.example\"]\n"
	"    cidrs: [203.0.113.0/24]\n"
	"rules:\n"
	"  - id: deny-legacy\n"
	"    from: workloads\n"
	"    to: partners\n"
	"    protocol: tcp\n"
	"    ports: [443, \"8000-8100\"]\n"
	"    app: tls\n"
	"    action: allow\n"
	"    require_tls: true\n"
	"    dlp:\n"
	"      - {sensor: credit_card, action: block, threshold: 3}\n"
	"      - {sensor: iban, action: alert, capture: true}\n"
	"      - {sensor: email, action: alert, capture: null}\n"
	"    comment: \"free text\"\n"
	"  - id: R_2\n"
	"    from: any\n"
	"    to: external\n"
	"    action: deny\n"
	"    capture: off\n";

static struct policy *
load(const char *text, char *err, size_t errlen)
{
	return policy_load_buffer("p.yaml", text, strlen(text), err, errlen);
}

static void
ip(const char *s, uint8_t out[16], int *family)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1) {
		*family = AF_INET;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
	*family = AF_INET6;
}

static void
test_policy_full_reads_back_every_field(void **state)
{
	const struct policy_group *g;
	const struct policy_rule *r;
	struct policy *p;
	char err[512] = "";
	char sel[64];
	uint8_t a[16];
	int fam;

	(void)state;
	p = load(full_yaml, err, sizeof(err));
	assert_non_null(p);
	assert_string_equal(err, "");
	assert_int_equal(p->mode, POLICY_MODE_PROTECT);
	assert_int_equal(p->default_action, POLICY_ACTION_DENY);
	assert_int_equal(p->ngroups, 4);
	assert_string_equal(p->groups[0].name, "any");
	assert_string_equal(p->groups[1].name, "external");

	g = &p->groups[2];
	assert_string_equal(g->name, "workloads");
	assert_int_equal(g->mode, POLICY_MODE_MONITOR);
	assert_int_equal(g->ncidrs, 3);
	ip("10.20.0.0", a, &fam);
	assert_int_equal(g->cidrs[0].family, AF_INET);
	assert_int_equal(g->cidrs[0].prefix, 16);
	assert_memory_equal(g->cidrs[0].addr, a, 16);
	ip("fd00:20::", a, &fam);
	assert_int_equal(g->cidrs[1].family, AF_INET6);
	assert_int_equal(g->cidrs[1].prefix, 64);
	assert_memory_equal(g->cidrs[1].addr, a, 16);
	assert_int_equal(g->cidrs[2].prefix, 32);
	assert_int_equal(g->nranges, 2);
	ip("10.30.0.10", a, &fam);
	assert_memory_equal(g->ranges[0].lo, a, 16);
	ip("10.30.0.20", a, &fam);
	assert_memory_equal(g->ranges[0].hi, a, 16);
	assert_int_equal(g->ranges[0].family, AF_INET);
	assert_int_equal(g->ranges[1].family, AF_INET6);
	ip("2001:db8::ff", a, &fam);
	assert_memory_equal(g->ranges[1].hi, a, 16);
	assert_int_equal(g->nfqdns, 0);
	assert_string_equal(g->selector_text, "app=web,tier!=db");
	assert_non_null(g->selector);
	selector_format(g->selector, sel, sizeof(sel));
	assert_string_equal(sel, "app=web,tier!=db");

	g = &p->groups[3];
	assert_string_equal(g->name, "partners");
	assert_int_equal(g->mode, POLICY_MODE_INHERIT);
	assert_int_equal(g->nfqdns, 2);
	assert_string_equal(g->fqdns[0], "api.partner.example");
	assert_string_equal(g->fqdns[1], "*.partner.example");
	assert_null(g->selector);
	assert_null(g->selector_text);

	assert_int_equal(p->nrules, 2);
	r = &p->rules[0];
	assert_string_equal(r->id, "deny-legacy");
	assert_int_equal(r->from, 2);
	assert_int_equal(r->to, 3);
	assert_int_equal(r->proto, POLICY_PROTO_TCP);
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->ports[0].lo, 443);
	assert_int_equal(r->ports[0].hi, 443);
	assert_int_equal(r->ports[1].lo, 8000);
	assert_int_equal(r->ports[1].hi, 8100);
	assert_int_equal(r->app, POLICY_APP_TLS);
	assert_int_equal(r->action, POLICY_ACTION_ALLOW);
	assert_true(r->require_tls);
	assert_int_equal(r->capture, POLICY_CAPTURE_DEFAULT);
	assert_int_equal(r->ndlp, 3);
	assert_int_equal(r->dlp[0].capture, POLICY_CAPTURE_DEFAULT);
	assert_int_equal(r->dlp[1].capture, POLICY_CAPTURE_ON);
	assert_int_equal(r->dlp[2].capture, POLICY_CAPTURE_DEFAULT);
	assert_string_equal(r->dlp[0].sensor, "credit_card");
	assert_int_equal(r->dlp[0].action, POLICY_DLP_BLOCK);
	assert_int_equal(r->dlp[0].threshold, 3);
	assert_string_equal(r->dlp[1].sensor, "iban");
	assert_int_equal(r->dlp[1].action, POLICY_DLP_ALERT);
	assert_int_equal(r->dlp[1].threshold, 1);
	assert_string_equal(r->comment, "free text");

	r = &p->rules[1];
	assert_string_equal(r->id, "R_2");
	assert_int_equal(r->from, POLICY_GROUP_ANY);
	assert_int_equal(r->to, POLICY_GROUP_EXTERNAL);
	assert_int_equal(r->proto, POLICY_PROTO_ANY);
	assert_int_equal(r->nports, 0);
	assert_int_equal(r->app, POLICY_APP_ANY);
	assert_int_equal(r->action, POLICY_ACTION_DENY);
	assert_false(r->require_tls);
	assert_int_equal(r->capture, POLICY_CAPTURE_OFF);
	assert_int_equal(r->ndlp, 0);
	assert_string_equal(r->comment, "");

	assert_int_equal(policy_group_index(p, "partners"), 3);
	assert_int_equal(policy_group_index(p, "external"), 1);
	assert_int_equal(policy_group_index(p, "nope"), -1);
	policy_free(p);
}

static void
test_policy_empty_document_is_monitor_allow(void **state)
{
	struct policy *p;
	char err[256];

	(void)state;
	p = load("", err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(p->mode, POLICY_MODE_MONITOR);
	assert_int_equal(p->default_action, POLICY_ACTION_ALLOW);
	assert_int_equal(p->ngroups, 2);
	assert_int_equal(p->nrules, 0);
	policy_free(p);
	policy_free(NULL);
}

/* text must be refused with EINVAL and exactly msg. */
static void
assert_error(const char *text, const char *msg)
{
	struct policy *p;
	char err[1024] = "";

	errno = 0;
	p = load(text, err, sizeof(err));
	if (p != NULL)
		policy_free(p);
	assert_null(p);
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, msg);
}

#define G "groups:\n  - name: workloads\n    cidrs: [10.20.0.0/16]\n"

static void
test_policy_error_unknown_key(void **state)
{
	(void)state;
	assert_error("mode: monitor\nmodes: x\n",
		     "p.yaml:2:1: modes: unknown key (expected one of: mode, default_action, "
		     "groups, rules)");
	assert_error("groups:\n  - name: a\n    cidr: [10.0.0.0/8]\n",
		     "p.yaml:3:5: groups[0].cidr: unknown key (expected one of: name, cidrs, "
		     "ranges, fqdns, selector, mode)");
	assert_error("rules:\n  - {id: a, from: any, to: any, action: allow, port: 1}\n",
		     "p.yaml:2:48: rules[0].port: unknown key (expected one of: id, from, to, "
		     "protocol, ports, app, action, require_tls, capture, dlp, comment)");
	assert_error("rules:\n  - {id: a, from: any, to: any, action: allow,\n"
		     "     dlp: [{sensor: x, action: block, level: 2}]}\n",
		     "p.yaml:3:39: rules[0].dlp[0].level: unknown key (expected one of: sensor, "
		     "action, threshold, capture)");
}

static void
test_policy_error_bad_mode_and_action(void **state)
{
	(void)state;
	assert_error("mode: enforce\n",
		     "p.yaml:1:7: mode: unknown value (got enforce, expected discover, monitor "
		     "or protect)");
	assert_error("groups:\n  - {name: a, mode: off}\n",
		     "p.yaml:2:21: groups[0].mode: unknown value (got off, expected discover, "
		     "monitor or protect)");
	assert_error("default_action: block\n",
		     "p.yaml:1:17: default_action: unknown value (got block, expected allow or "
		     "deny)");
	assert_error("mode: [a]\n",
		     "p.yaml:1:7: mode: wrong type (got a sequence, expected discover, monitor "
		     "or protect)");
	assert_error("rules:\n  - {id: a, from: any, to: any}\n",
		     "p.yaml:2:5: rules[0]: missing key \"action\" (expected allow or deny)");
}

static void
test_policy_error_group_names(void **state)
{
	(void)state;
	assert_error("groups:\n  - name: web\n  - name: web\n",
		     "p.yaml:3:11: groups[1].name: duplicate group (got web, expected a name "
		     "not used by groups[0])");
	assert_error("groups:\n  - name: external\n",
		     "p.yaml:2:11: groups[0].name: reserved name (got external, expected a name "
		     "other than any and external)");
	assert_error("groups:\n  - name: Web\n",
		     "p.yaml:2:11: groups[0].name: invalid name (got Web, expected 1 to 31 "
		     "characters of a-z, 0-9, _ and -)");
	assert_error("groups:\n  - name: abcdefghijklmnopqrstuvwxyz012345\n",
		     "p.yaml:2:11: groups[0].name: too long (got 32 bytes, expected 1 to 31 "
		     "characters of a-z, 0-9, _ and -)");
	assert_error("groups:\n  - cidrs: []\n",
		     "p.yaml:2:5: groups[0]: missing key \"name\" (expected a group name)");
}

static void
test_policy_error_cidrs(void **state)
{
	(void)state;
	assert_error("groups:\n  - name: a\n    cidrs: [10.0.0.0/8, 10.0.0/8]\n",
		     "p.yaml:3:25: groups[0].cidrs[1]: not a CIDR (got 10.0.0/8, expected an "
		     "IPv4 or IPv6 prefix such as 10.0.0.0/8 or fd00::/64)");
	assert_error("groups:\n  - name: a\n    cidrs: [10.20.0.1/16]\n",
		     "p.yaml:3:13: groups[0].cidrs[0]: host bits set (got 10.20.0.1/16, "
		     "expected 10.20.0.0/16)");
	assert_error("groups:\n  - name: a\n    cidrs: [\"fd00:20::1/64\"]\n",
		     "p.yaml:3:13: groups[0].cidrs[0]: host bits set (got \"fd00:20::1/64\", "
		     "expected fd00:20::/64)");
	assert_error("groups:\n  - name: a\n    cidrs: [10.0.0.0/33]\n",
		     "p.yaml:3:13: groups[0].cidrs[0]: bad prefix length (got 10.0.0.0/33, "
		     "expected /0 to /32)");
	assert_error("groups:\n  - name: a\n    cidrs: 10.0.0.0/8\n",
		     "p.yaml:3:12: groups[0].cidrs: wrong type (got 10.0.0.0/8, expected a list "
		     "of CIDRs)");
}

static void
test_policy_error_ranges(void **state)
{
	(void)state;
	assert_error("groups:\n  - name: a\n    ranges: [\"10.0.0.9-10.0.0.1\"]\n",
		     "p.yaml:3:14: groups[0].ranges[0]: range reversed (got \"10.0.0.9-10.0.0.1\", "
		     "expected start <= end)");
	assert_error("groups:\n  - name: a\n    ranges: [\"10.0.0.1-fd00::1\"]\n",
		     "p.yaml:3:14: groups[0].ranges[0]: mixed address families (got "
		     "\"10.0.0.1-fd00::1\", expected START-END of one family such as "
		     "10.0.0.10-10.0.0.20)");
	assert_error("groups:\n  - name: a\n    ranges: [10.0.0.1]\n",
		     "p.yaml:3:14: groups[0].ranges[0]: not an IP range (got 10.0.0.1, expected "
		     "START-END of one family such as 10.0.0.10-10.0.0.20)");
}

static void
test_policy_error_fqdns(void **state)
{
	static const char *const bad[] = { "-a.example", "a..example", "a_b.example",
					   "*.*.example", "a.example.", "x-.example", "*." };
	char text[256], msg[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "groups:\n  - name: a\n    fqdns: [\"%s\"]\n", bad[i]);
		snprintf(msg, sizeof(msg),
			 "p.yaml:3:13: groups[0].fqdns[0]: invalid hostname (got \"%s\", expected "
			 "a hostname or *.hostname: labels of 1 to 63 letters, digits and inner "
			 "hyphens, at most 253 bytes)", bad[i]);
		assert_error(text, msg);
	}
}

static void
test_policy_error_selector_includes_its_message(void **state)
{
	(void)state;
	assert_error("groups:\n  - name: a\n    selector: \"app=web,,tier\"\n",
		     "p.yaml:3:15: groups[0].selector: invalid label selector: selector "
		     "\"app=web,,tier\": column 9: empty requirement (expected key, !key, "
		     "key=value, key in (...))");
}

static void
test_policy_error_rule_refs_and_ids(void **state)
{
	(void)state;
	assert_error(G "rules:\n  - {id: a, from: workloads, to: partners, action: allow}\n",
		     "p.yaml:5:34: rules[0].to: unknown group (got partners, expected one of: "
		     "any, external, workloads)");
	assert_error(G "rules:\n  - {id: a, from: any, to: any, action: allow}\n"
		     "  - {id: a, from: any, to: any, action: deny}\n",
		     "p.yaml:6:10: rules[1].id: duplicate rule id (got a, expected an id not "
		     "used by rules[0])");
	assert_error("rules:\n  - {id: \"a b\", from: any, to: any, action: allow}\n",
		     "p.yaml:2:10: rules[0].id: invalid name (got \"a b\", expected 1 to 63 "
		     "characters of A-Z, a-z, 0-9, _ and -)");
}

#define R "rules:\n  - {id: a, from: any, to: any, action: allow, "

static void
test_policy_error_ports(void **state)
{
	(void)state;
	assert_error(R "ports: [0]}\n",
		     "p.yaml:2:56: rules[0].ports[0]: port out of range (got 0, expected "
		     "1..65535)");
	assert_error(R "ports: [65536]}\n",
		     "p.yaml:2:56: rules[0].ports[0]: port out of range (got 65536, expected "
		     "1..65535)");
	assert_error(R "ports: [https]}\n",
		     "p.yaml:2:56: rules[0].ports[0]: not a port (got https, expected a port "
		     "1..65535 or a range START-END)");
	assert_error(R "ports: [\"80-\"]}\n",
		     "p.yaml:2:56: rules[0].ports[0]: not a port (got \"80-\", expected a port "
		     "1..65535 or a range START-END)");
	assert_error(R "ports: [\"8100-8000\"]}\n",
		     "p.yaml:2:56: rules[0].ports[0]: port range reversed (got \"8100-8000\", "
		     "expected start <= end)");
	assert_error(R "protocol: sctp}\n",
		     "p.yaml:2:58: rules[0].protocol: unknown value (got sctp, expected tcp, "
		     "udp, icmp or any)");
}

static void
test_policy_error_dlp(void **state)
{
	(void)state;
	assert_error(R "dlp: [{sensor: iban, action: drop}]}\n",
		     "p.yaml:2:77: rules[0].dlp[0].action: unknown value (got drop, expected "
		     "alert or block)");
	assert_error(R "dlp: [{sensor: iban, action: block, threshold: 0}]}\n",
		     "p.yaml:2:95: rules[0].dlp[0].threshold: out of range (got 0, expected an "
		     "integer 1..1000000)");
	assert_error(R "dlp: [{sensor: iban, action: block, threshold: 1000001}]}\n",
		     "p.yaml:2:95: rules[0].dlp[0].threshold: out of range (got 1000001, "
		     "expected an integer 1..1000000)");
	assert_error(R "dlp: [{sensor: \"\", action: block}]}\n",
		     "p.yaml:2:63: rules[0].dlp[0].sensor: empty value (expected a sensor id of "
		     "1 to 63 bytes)");
	assert_error(R "dlp: [{sensor: iban, action: alert, capture: always}]}\n",
		     "p.yaml:2:93: rules[0].dlp[0].capture: not a boolean (got always, expected "
		     "true/false, yes/no or on/off)");
	assert_error(R "capture: [true]}\n",
		     "p.yaml:2:57: rules[0].capture: not a boolean (got a sequence, expected "
		     "true/false, yes/no or on/off)");
	assert_error(R "require_tls: maybe}\n",
		     "p.yaml:2:61: rules[0].require_tls: not a boolean (got maybe, expected "
		     "true/false, yes/no or on/off)");
}

static void
test_policy_syntax_error_passes_yaml_message(void **state)
{
	struct policy *p;
	char err[256];

	(void)state;
	p = load("mode: [\n", err, sizeof(err));
	assert_null(p);
	assert_int_equal(strncmp(err, "p.yaml:", 7), 0);
}

/* ---- policy_match ---- */

static const char match_yaml[] =
	"groups:\n"
	"  - name: web\n"
	"    cidrs: [10.1.0.0/16, \"fd00:1::/64\"]\n"
	"  - name: db\n"
	"    ranges: [\"10.2.0.10-10.2.0.20\", \"fd00:2::10-fd00:2::20\"]\n"
	"  - name: names\n"
	"    fqdns: [db.example]\n"
	"rules:\n"
	"  - {id: web-db-sql, from: web, to: db, protocol: tcp, ports: [5432], action: allow}\n"
	"  - {id: web-db-deny, from: web, to: db, action: deny}\n"
	"  - {id: dns, from: any, to: external, protocol: udp, ports: [53], app: dns, "
	"action: allow}\n"
	"  - {id: web-out, from: web, to: external, protocol: tcp, ports: [443, \"8000-8100\"], "
	"action: allow}\n"
	"  - {id: ping, from: any, to: any, protocol: icmp, action: allow}\n";

static const char *
match_id(const struct policy *p, const char *src, const char *dst, uint8_t proto,
	 uint16_t dport, unsigned int app)
{
	const struct policy_rule *r;
	uint8_t s[16], d[16];
	int fs, fd;

	ip(src, s, &fs);
	ip(dst, d, &fd);
	assert_int_equal(fs, fd);
	r = policy_match(p, s, d, fs, proto, dport, app);
	return r != NULL ? r->id : "(default)";
}

static void
test_policy_match_first_rule_wins_with_filters(void **state)
{
	struct policy *p;
	char err[512];

	(void)state;
	p = load(match_yaml, err, sizeof(err));
	assert_non_null(p);
	/* Order: the allow on 5432 comes before the blanket deny. */
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.15", 6, 5432, 0), "web-db-sql");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.15", 17, 5432, 0), "web-db-deny");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.15", 6, 5433, 0), "web-db-deny");
	/* Range edges are inclusive. */
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.10", 6, 1, 0), "web-db-deny");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.20", 6, 1, 0), "web-db-deny");
	/* 10.2.0.21 is in no group: external. */
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 6, 443, 0), "web-out");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 6, 8000, 0), "web-out");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 6, 8100, 0), "web-out");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 6, 8101, 0), "(default)");
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 17, 443, 0), "(default)");
	/* App filter: dns needs the dns app. */
	assert_string_equal(match_id(p, "10.9.9.9", "8.8.8.8", 17, 53, POLICY_APP_DNS), "dns");
	assert_string_equal(match_id(p, "10.9.9.9", "8.8.8.8", 17, 53, POLICY_APP_ANY),
			    "(default)");
	/* external excludes grouped addresses: DNS to a db address is not external. */
	assert_string_equal(match_id(p, "10.9.9.9", "10.2.0.12", 17, 53, POLICY_APP_DNS),
			    "(default)");
	/* A rule with ports never matches ICMP; icmp covers ICMPv6 on IPv6. */
	assert_string_equal(match_id(p, "10.1.2.3", "10.2.0.21", 1, 0, 0), "ping");
	assert_string_equal(match_id(p, "fd00:9::1", "fd00:8::1", 58, 0, 0), "ping");
	assert_string_equal(match_id(p, "fd00:9::1", "fd00:8::1", 1, 0, 0), "ping");
	/* IPv6 CIDRs and ranges. */
	assert_string_equal(match_id(p, "fd00:1::abcd", "fd00:2::10", 6, 5432, 0), "web-db-sql");
	assert_string_equal(match_id(p, "fd00:1::abcd", "fd00:2::21", 6, 443, 0), "web-out");
	assert_string_equal(match_id(p, "fd00:1:0:1::1", "fd00:2::10", 6, 5432, 0),
			    "(default)");
	/* An IPv4 address does not match an IPv6 prefix of the same bytes. */
	assert_string_equal(match_id(p, "253.0.0.1", "10.2.0.15", 6, 5432, 0), "(default)");
	policy_free(p);
}

static void
test_policy_group_has_ip_any_external_and_fqdn_only(void **state)
{
	struct policy *p;
	char err[512];
	uint8_t a[16];
	int fam;

	(void)state;
	p = load(match_yaml, err, sizeof(err));
	assert_non_null(p);
	ip("10.1.255.255", a, &fam);
	assert_true(policy_group_has_ip(p, POLICY_GROUP_ANY, a, fam));
	assert_true(policy_group_has_ip(p, 2, a, fam));
	assert_false(policy_group_has_ip(p, POLICY_GROUP_EXTERNAL, a, fam));
	assert_false(policy_group_has_ip(p, 4, a, fam));	/* fqdns only: no addresses */
	ip("10.0.255.255", a, &fam);
	assert_false(policy_group_has_ip(p, 2, a, fam));
	assert_true(policy_group_has_ip(p, POLICY_GROUP_EXTERNAL, a, fam));
	assert_false(policy_group_has_ip(p, 99, a, fam));
	assert_false(policy_group_has_ip(p, POLICY_GROUP_ANY, a, 0));
	policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_full_reads_back_every_field),
		cmocka_unit_test(test_policy_empty_document_is_monitor_allow),
		cmocka_unit_test(test_policy_error_unknown_key),
		cmocka_unit_test(test_policy_error_bad_mode_and_action),
		cmocka_unit_test(test_policy_error_group_names),
		cmocka_unit_test(test_policy_error_cidrs),
		cmocka_unit_test(test_policy_error_ranges),
		cmocka_unit_test(test_policy_error_fqdns),
		cmocka_unit_test(test_policy_error_selector_includes_its_message),
		cmocka_unit_test(test_policy_error_rule_refs_and_ids),
		cmocka_unit_test(test_policy_error_ports),
		cmocka_unit_test(test_policy_error_dlp),
		cmocka_unit_test(test_policy_syntax_error_passes_yaml_message),
		cmocka_unit_test(test_policy_match_first_rule_wins_with_filters),
		cmocka_unit_test(test_policy_group_has_ip_any_external_and_fqdn_only),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
