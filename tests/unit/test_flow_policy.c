/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the compiled policy (control/snapshot.c) and its evaluation per flow
 * (dataplane/flow_policy.c): first-match order; group membership by CIDR, range, IPv6,
 * label selector (the label map), FQDN (the FQDN cache and the TLS SNI); the built-in
 * any and external groups; protocol, port and app filters; the default action; modes and
 * their group overrides; require_tls; DLP bindings resolved against a sensor database and
 * the exact refusal of an unknown sensor; that a snapshot owns everything it reads; RCU
 * publication and reclaim (rte_rcu_qsbr on plain memory, no EAL); and a randomized
 * cross-check of 200 policies x 500 flows against config/policy.c's reference
 * policy_match.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/socket.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_rcu_qsbr.h>

#include "flow_policy.h"
#include "fqdn_cache.h"
#include "group_table.h"
#include "label_map.h"
#include "policy.h"
#include "sensor_engine.h"
#include "snapshot.h"

#define G(n) (POLICY_GROUP_FIRST_USER + (n))	/* the n-th user group, from 0 */
#define NOW 1700000000u

/* Sensor database shared by the DLP tests: iban (0), credit_card (1), email (2, disabled). */
static struct sensor_db *g_db;

static int
group_setup(void **state)
{
	struct sensor_def *all = calloc(SENSOR_MAX, sizeof(*all));
	struct sensor_def *d = calloc(3, sizeof(*d));
	const char *want[3] = { "iban", "credit_card", "email" };
	unsigned int n, i, j;
	char err[512];

	(void)state;
	if (all == NULL || d == NULL)
		return -1;
	n = sensor_catalogue_builtin(all, SENSOR_MAX);
	for (j = 0; j < 3; j++) {
		for (i = 0; i < n && strcmp(all[i].id, want[j]) != 0; i++)
			;
		if (i == n) {
			print_error("catalogue has no %s\n", want[j]);
			return -1;
		}
		d[j] = all[i];
		d[j].enabled = j < 2;
	}
	g_db = sensor_db_compile(d, 3, err, sizeof(err));
	free(all);
	free(d);
	if (g_db == NULL) {
		print_error("sensor db: %s\n", err);
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	sensor_db_free(g_db);
	return 0;
}

/* ---- helpers ---- */

static struct policy *
load(const char *yaml)
{
	char err[512] = "";
	struct policy *p = policy_load_buffer("p.yaml", yaml, strlen(yaml), err, sizeof(err));

	if (p == NULL)
		fail_msg("test policy refused: %s", err);
	return p;
}

/* Load yaml and compile it; the policy is freed before the snapshot is used. */
static struct snapshot *
compile(const char *yaml, const struct label_map *labels, const struct fqdn_cache *fqdns,
	const struct sensor_db *db)
{
	struct policy *p = load(yaml);
	char err[512] = "";
	struct snapshot *s = snapshot_compile(p, labels, fqdns, db, NULL, 0, err, sizeof(err));

	policy_free(p);
	if (s == NULL)
		fail_msg("compile refused: %s", err);
	assert_int_equal(s->version, 0);
	return s;
}

static int
parse_ip(const char *s, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, out) == 1)
		return 6;
	fail_msg("bad test address %s", s);
	return 0;
}

/* A key with the client in slot `client` (0 or 1) and the server in the other. */
static void
make_key(struct flow_key *k, uint8_t client, const char *cli, uint16_t cport, const char *srv,
	 uint16_t sport, uint8_t proto)
{
	int f1, f2;

	memset(k, 0, sizeof(*k));
	f1 = parse_ip(cli, k->addr[client]);
	f2 = parse_ip(srv, k->addr[client ^ 1]);
	assert_int_equal(f1, f2);
	k->family = (uint8_t)f1;
	k->port[client] = cport;
	k->port[client ^ 1] = sport;
	k->proto = proto;
}

/*
 * Evaluate the flow cli:40000 -> srv:dport, with the client in key slot 0 and again in
 * slot 1: the verdict must not depend on where the canonical key put the client.
 */
static struct flow_verdict
eval(const struct snapshot *s, const char *cli, const char *srv, uint8_t proto, uint16_t dport,
     uint8_t app, const char *sni)
{
	struct flow_verdict v[2];
	struct flow_key k;
	uint8_t c;

	for (c = 0; c < 2; c++) {
		memset(&v[c], 0xa5, sizeof(v[c]));
		make_key(&k, c, cli, 40000, srv, dport, proto);
		flow_policy_eval(s, &k, c, app, sni, &v[c]);
	}
	assert_int_equal(v[0].rule, v[1].rule);
	assert_int_equal(v[0].action, v[1].action);
	assert_int_equal(v[0].mode, v[1].mode);
	assert_int_equal(v[0].require_tls, v[1].require_tls);
	assert_int_equal(v[0].from_group, v[1].from_group);
	assert_int_equal(v[0].to_group, v[1].to_group);
	return v[0];
}

/* Rule index of the flow's verdict. */
static int
rule_of(const struct snapshot *s, const char *cli, const char *srv, uint8_t proto,
	uint16_t dport, uint8_t app, const char *sni)
{
	return eval(s, cli, srv, proto, dport, app, sni).rule;
}

static struct label_map *
labels(const char *json)
{
	struct label_map *m = label_map_create(64);
	json_error_t jerr;
	json_t *body;
	char err[512] = "";

	assert_non_null(m);
	body = json_loads(json, 0, &jerr);
	if (body == NULL)
		fail_msg("bad test JSON: %s", jerr.text);
	if (label_map_put_json(m, body, "api", NOW, err, sizeof(err)) != 0)
		fail_msg("label map refused: %s", err);
	json_decref(body);
	return m;
}

static void
cache_add(struct fqdn_cache *c, const char *name, const char *ip)
{
	uint8_t a[16];
	int f = parse_ip(ip, a);

	assert_int_equal(fqdn_cache_add(c, name, f == 4 ? AF_INET : AF_INET6, a, 300, NOW), 1);
}

/* ---- rule order and default ---- */

static void
test_flow_policy_first_match_wins(void **state)
{
	static const char yaml[] =
		"groups:\n"
		"  - {name: workloads, cidrs: [10.1.0.0/16]}\n"
		"  - {name: partners, cidrs: [203.0.113.0/24]}\n"
		"rules:\n"
		"  - {id: web, from: workloads, to: partners, protocol: tcp, ports: [443],"
		" action: allow}\n"
		"  - {id: block-partners, from: workloads, to: partners, action: deny}\n"
		"  - {id: everything, from: any, to: any, action: allow}\n"
		"  - {id: never, from: workloads, to: partners, protocol: tcp, ports: [443],"
		" action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	assert_int_equal(s->nrules, 4);
	v = eval(s, "10.1.2.3", "203.0.113.5", 6, 443, POLICY_APP_ANY, NULL);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.action, POLICY_ACTION_ALLOW);
	assert_string_equal(s->rules[v.rule].id, "web");
	v = eval(s, "10.1.2.3", "203.0.113.5", 6, 80, POLICY_APP_ANY, NULL);
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.action, POLICY_ACTION_DENY);
	v = eval(s, "10.1.2.3", "203.0.113.5", 17, 443, POLICY_APP_ANY, NULL);
	assert_int_equal(v.rule, 1);
	v = eval(s, "10.2.0.1", "203.0.113.5", 6, 443, POLICY_APP_ANY, NULL);
	assert_int_equal(v.rule, 2);
	assert_int_equal(v.action, POLICY_ACTION_ALLOW);
	/* The reverse direction is another flow: partners are not workloads. */
	assert_int_equal(rule_of(s, "203.0.113.5", "10.1.2.3", 6, 443, 0, NULL), 2);
	snapshot_free(s);
}

static void
test_flow_policy_default_action_when_no_rule_matches(void **state)
{
	struct snapshot *s = compile("default_action: deny\n"
				     "rules:\n"
				     "  - {id: t, from: any, to: any, protocol: tcp, action: allow,"
				     " require_tls: true}\n", NULL, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	v = eval(s, "10.0.0.1", "10.0.0.2", 17, 53, POLICY_APP_DNS, NULL);
	assert_int_equal(v.rule, FLOW_POLICY_DEFAULT_RULE);
	assert_int_equal(v.rule, -1);
	assert_int_equal(v.action, POLICY_ACTION_DENY);
	assert_int_equal(v.require_tls, 0);
	assert_int_equal(v.mode, POLICY_MODE_MONITOR);
	assert_int_equal(v.from_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.to_group, POLICY_GROUP_EXTERNAL);
	snapshot_free(s);

	/* The empty policy: no rules, monitor, allow. */
	s = compile("{}", NULL, NULL, NULL);
	assert_int_equal(s->nrules, 0);
	assert_int_equal(s->ngroups, 2);
	v = eval(s, "2001:db8::1", "2001:db8::2", 6, 443, POLICY_APP_TLS, NULL);
	assert_int_equal(v.rule, -1);
	assert_int_equal(v.action, POLICY_ACTION_ALLOW);
	assert_int_equal(v.mode, POLICY_MODE_MONITOR);
	snapshot_free(s);
}

/* ---- groups by address ---- */

static void
test_flow_policy_cidr_range_and_ipv6_groups_hold_exactly_their_addresses(void **state)
{
	static const char yaml[] =
		"groups:\n"
		"  - {name: net4, cidrs: [10.1.0.0/16]}\n"
		"  - {name: range4, ranges: [10.2.0.10-10.2.0.20]}\n"
		"  - {name: net6, cidrs: [\"fd00:1::/64\"]}\n"
		"  - {name: range6, ranges: [\"2001:db8::10-2001:db8::20\"]}\n"
		"  - {name: host4, cidrs: [192.0.2.7]}\n"
		"rules:\n"
		"  - {id: r-net4, from: net4, to: any, action: allow}\n"
		"  - {id: r-range4, from: range4, to: any, action: allow}\n"
		"  - {id: r-net6, from: net6, to: any, action: allow}\n"
		"  - {id: r-range6, from: range6, to: any, action: allow}\n"
		"  - {id: r-host4, from: host4, to: any, action: allow}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	static const struct {
		const char *ip;
		int rule;
	} cases[] = {
		{ "10.1.0.0", 0 }, { "10.1.255.255", 0 }, { "10.0.255.255", -1 },
		{ "10.2.0.0", -1 }, { "10.2.0.9", -1 }, { "10.2.0.10", 1 }, { "10.2.0.15", 1 },
		{ "10.2.0.20", 1 }, { "10.2.0.21", -1 },
		{ "fd00:1::", 2 }, { "fd00:1::ffff:ffff:ffff:ffff", 2 }, { "fd00:0:0:2::", -1 },
		{ "fd00:0:ffff:ffff:ffff:ffff:ffff:ffff", -1 },
		{ "2001:db8::f", -1 }, { "2001:db8::10", 3 }, { "2001:db8::1a", 3 },
		{ "2001:db8::20", 3 }, { "2001:db8::21", -1 },
		{ "192.0.2.7", 4 }, { "192.0.2.6", -1 }, { "192.0.2.8", -1 },
		/* The families are apart: 0a01::/16 starts with the bytes of 10.1.x.x. */
		{ "a01::1", -1 }, { "::10.1.0.1", -1 }, { "::ffff:10.1.0.1", -1 },
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *peer = strchr(cases[i].ip, ':') != NULL ? "2001:db8:ff::1" : "8.8.8.8";
		struct flow_verdict v = eval(s, cases[i].ip, peer, 6, 443, 0, NULL);

		if (v.rule != cases[i].rule)
			fail_msg("%s: rule %d, expected %d", cases[i].ip, v.rule, cases[i].rule);
		assert_int_equal(v.from_group,
				 cases[i].rule < 0 ? POLICY_GROUP_EXTERNAL : G(cases[i].rule));
	}
	snapshot_free(s);
}

static void
test_flow_policy_label_selectors_take_their_ips_from_the_label_map(void **state)
{
	static const char yaml[] =
		"groups:\n"
		"  - {name: payments, selector: \"app=payments\"}\n"
		"  - {name: prod, selector: \"k8s:namespace=prod\"}\n"
		"  - {name: nowhere, selector: \"app=none\"}\n"
		"rules:\n"
		"  - {id: prod-out, from: prod, to: external, protocol: tcp, action: deny}\n"
		"  - {id: pay-out, from: payments, to: any, action: allow}\n"
		"  - {id: to-prod, from: any, to: prod, action: allow}\n";
	struct label_map *m = labels(
		"{\"generation\": 1, \"entries\": ["
		"{\"ip\": \"10.9.0.1\", \"labels\": {\"app\": \"payments\","
		" \"k8s:namespace\": \"prod\"}},"
		"{\"ip\": \"10.9.0.2\", \"labels\": {\"app\": \"web\","
		" \"k8s:namespace\": \"prod\"}},"
		"{\"ip\": \"fd00:9::3\", \"labels\": {\"app\": \"payments\","
		" \"k8s:namespace\": \"dev\"}},"
		"{\"ip\": \"10.9.0.4\", \"labels\": {\"app\": \"payments\","
		" \"k8s:namespace\": \"dev\"}},"
		"{\"ip\": \"::ffff:10.9.0.5\", \"labels\": {\"k8s:namespace\": \"prod\"}}]}");
	struct snapshot *s = compile(yaml, m, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	/* 10.9.0.1 is in payments and prod: from_group is the first, both rules see it. */
	v = eval(s, "10.9.0.1", "8.8.8.8", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.to_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.rule, 0);
	v = eval(s, "10.9.0.1", "8.8.8.8", 17, 53, 0, NULL);
	assert_int_equal(v.rule, 1);
	v = eval(s, "10.9.0.2", "8.8.8.8", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(1));
	assert_int_equal(v.rule, 0);
	v = eval(s, "fd00:9::3", "2001:db8::1", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.rule, 1);
	v = eval(s, "10.9.0.4", "8.8.8.8", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.rule, 1);
	/* An IPv4-mapped label entry is the IPv4 address. */
	v = eval(s, "10.9.0.5", "8.8.8.8", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(1));
	assert_int_equal(v.rule, 0);
	/* The server side by label; an address with no labels is external. */
	v = eval(s, "10.9.0.99", "10.9.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.to_group, G(1));
	assert_int_equal(v.rule, 2);
	assert_int_equal(rule_of(s, "10.9.0.99", "10.9.0.4", 6, 443, 0, NULL), -1);
	snapshot_free(s);

	/* Without a label map, selector groups are empty: everyone is external. */
	s = compile(yaml, NULL, NULL, NULL);
	v = eval(s, "10.9.0.1", "10.9.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.to_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.rule, -1);
	snapshot_free(s);
	label_map_free(m);
}

/* ---- FQDN groups ---- */

static void
test_flow_policy_fqdn_match_exact_and_wildcard(void **state)
{
	struct snapshot_fqdn exact = { .group = G(0), .wildcard = 0 };
	struct snapshot_fqdn wild = { .group = G(0), .wildcard = 1 };
	static const struct {
		const char *name;
		int exact, wild;
	} cases[] = {
		{ "example.com", 1, 0 },	/* the suffix itself is not under it */
		{ "a.example.com", 0, 1 },
		{ "a.b.example.com", 0, 1 },
		{ "xexample.com", 0, 0 },
		{ "x.xexample.com", 0, 0 },
		{ "example.co", 0, 0 },
		{ "example.com.evil", 0, 0 },
		{ "aexample.com", 0, 0 },
		{ "com", 0, 0 },
		{ "", 0, 0 },
	};
	unsigned int i;

	(void)state;
	strcpy(exact.name, "example.com");
	exact.len = (uint8_t)strlen(exact.name);
	strcpy(wild.name, ".example.com");
	wild.len = (uint8_t)strlen(wild.name);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].name);

		if (flow_policy_fqdn_match(&exact, cases[i].name, len) != cases[i].exact)
			fail_msg("exact example.com vs %s", cases[i].name);
		if (flow_policy_fqdn_match(&wild, cases[i].name, len) != cases[i].wild)
			fail_msg("*.example.com vs %s", cases[i].name);
	}
}

static void
test_flow_policy_fqdn_groups_take_their_ips_from_the_cache(void **state)
{
	static const char yaml[] =
		"groups:\n"
		"  - {name: partners, fqdns: [\"*.partner.example\"]}\n"
		"  - {name: exact, fqdns: [Exact.Example.org]}\n"
		"rules:\n"
		"  - {id: to-partners, from: any, to: partners, action: allow}\n"
		"  - {id: to-exact, from: any, to: exact, action: allow}\n"
		"  - {id: to-external, from: any, to: external, action: deny}\n";
	struct fqdn_cache *c = fqdn_cache_create(64);
	struct snapshot *s;
	struct flow_verdict v;
	static const struct {
		const char *ip;
		int rule;
		unsigned int to;
	} cases[] = {
		{ "198.51.100.1", 0, G(0) },	/* api.partner.example */
		{ "198.51.100.2", 0, G(0) },	/* a.b.partner.example */
		{ "198.51.100.3", 2, POLICY_GROUP_EXTERNAL },	/* partner.example */
		{ "198.51.100.4", 2, POLICY_GROUP_EXTERNAL },	/* xpartner.example */
		{ "2001:db8::5", 1, G(1) },	/* exact.example.org */
		{ "2001:db8::6", 2, POLICY_GROUP_EXTERNAL },	/* sub.exact.example.org */
		{ "198.51.100.7", 0, G(0) },	/* both: partners is first */
	};
	unsigned int i;

	(void)state;
	assert_non_null(c);
	cache_add(c, "api.partner.example", "198.51.100.1");
	cache_add(c, "a.b.partner.example", "198.51.100.2");
	cache_add(c, "partner.example", "198.51.100.3");
	cache_add(c, "xpartner.example", "198.51.100.4");
	cache_add(c, "exact.example.org", "2001:db8::5");
	cache_add(c, "sub.exact.example.org", "2001:db8::6");
	cache_add(c, "exact.example.org", "198.51.100.7");
	cache_add(c, "www.partner.example", "198.51.100.7");
	s = compile(yaml, NULL, c, NULL);
	assert_int_equal(s->nfqdns, 2);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *cli = strchr(cases[i].ip, ':') != NULL ? "fd00::1" : "10.0.0.1";

		v = eval(s, cli, cases[i].ip, 6, 443, 0, NULL);
		if (v.rule != cases[i].rule || v.to_group != cases[i].to)
			fail_msg("%s: rule %d to %u, expected rule %d to %u", cases[i].ip, v.rule,
				 v.to_group, cases[i].rule, cases[i].to);
	}
	/* 198.51.100.7 is in exact too: rule to-exact sees it when to-partners is gone. */
	snapshot_free(s);
	s = compile("groups:\n"
		    "  - {name: partners, fqdns: [\"*.partner.example\"]}\n"
		    "  - {name: exact, fqdns: [exact.example.org]}\n"
		    "rules:\n"
		    "  - {id: to-exact, from: any, to: exact, action: allow}\n", NULL, c, NULL);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.7", 6, 443, 0, NULL), 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.1", 6, 443, 0, NULL), -1);
	snapshot_free(s);
	fqdn_cache_free(c);
}

static void
test_flow_policy_sni_puts_server_in_fqdn_group_and_out_of_external(void **state)
{
	static const char yaml[] =
		"mode: monitor\n"
		"groups:\n"
		"  - {name: office, cidrs: [203.0.113.0/24]}\n"
		"  - {name: partners, fqdns: [\"*.partner.example\", partner.example],"
		" mode: protect}\n"
		"rules:\n"
		"  - {id: ext, from: any, to: external, action: deny}\n"
		"  - {id: partners, from: any, to: partners, action: allow}\n"
		"  - {id: office, from: any, to: office, action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	v = eval(s, "10.0.0.1", "198.51.100.9", 6, 443, POLICY_APP_TLS, NULL);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.to_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(v.mode, POLICY_MODE_MONITOR);

	v = eval(s, "10.0.0.1", "198.51.100.9", 6, 443, POLICY_APP_TLS, "www.partner.example");
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.action, POLICY_ACTION_ALLOW);
	assert_int_equal(v.to_group, G(1));
	assert_int_equal(v.mode, POLICY_MODE_PROTECT);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, "partner.example"), 1);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, "a.b.partner.example"),
			 1);
	/* Names the patterns do not cover change nothing. */
	v = eval(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, "xpartner.example");
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.to_group, POLICY_GROUP_EXTERNAL);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, "partner.example.com"),
			 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, ""), 0);
	/* A server already in office is in partners as well; office comes first. */
	v = eval(s, "10.0.0.1", "203.0.113.1", 6, 443, 0, "api.partner.example");
	assert_int_equal(v.to_group, G(0));
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.mode, POLICY_MODE_PROTECT);
	assert_int_equal(rule_of(s, "10.0.0.1", "203.0.113.1", 6, 443, 0, NULL), 2);
	/* The SNI names the server, never the client. */
	v = eval(s, "10.0.0.1", "198.51.100.9", 6, 443, 0, "www.partner.example");
	assert_int_equal(v.from_group, POLICY_GROUP_EXTERNAL);
	/* IPv6 servers too. */
	v = eval(s, "fd00::1", "2001:db8::9", 6, 443, 0, "www.partner.example");
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.to_group, G(1));
	snapshot_free(s);
}

/* ---- any and external ---- */

static void
test_flow_policy_any_holds_everyone_external_only_addresses_in_no_group(void **state)
{
	static const char yaml[] =
		"groups:\n"
		"  - {name: inside, cidrs: [10.0.0.0/8, \"fd00::/8\"]}\n"
		"  - {name: empty}\n"
		"rules:\n"
		"  - {id: ext-ext, from: external, to: external, action: deny}\n"
		"  - {id: in-ext, from: inside, to: external, action: allow}\n"
		"  - {id: ext-any, from: external, to: any, action: deny}\n"
		"  - {id: any-in, from: any, to: inside, action: allow}\n"
		"  - {id: to-empty, from: any, to: empty, action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);

	(void)state;
	assert_int_equal(s->ngroups, 4);
	assert_string_equal(s->groups[POLICY_GROUP_ANY].name, "any");
	assert_string_equal(s->groups[POLICY_GROUP_EXTERNAL].name, "external");
	assert_int_equal(rule_of(s, "8.8.8.8", "1.1.1.1", 6, 443, 0, NULL), 0);
	assert_int_equal(rule_of(s, "2001:db8::1", "2001:db8::2", 6, 443, 0, NULL), 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "1.1.1.1", 6, 443, 0, NULL), 1);
	assert_int_equal(rule_of(s, "fd00::1", "2001:db8::2", 6, 443, 0, NULL), 1);
	assert_int_equal(rule_of(s, "8.8.8.8", "10.0.0.1", 6, 443, 0, NULL), 2);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 443, 0, NULL), 3);
	assert_int_equal(rule_of(s, "fd00::1", "fd00::2", 1, 0, 0, NULL), 3);
	snapshot_free(s);
}

/* ---- protocol, ports, app ---- */

static void
test_flow_policy_protocol_filter_any_tcp_udp_icmp(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {id: tcp, from: any, to: any, protocol: tcp, action: allow}\n"
		"  - {id: udp, from: any, to: any, protocol: udp, action: allow}\n"
		"  - {id: icmp, from: any, to: any, protocol: icmp, action: allow}\n"
		"  - {id: any, from: any, to: any, protocol: any, action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);

	(void)state;
	assert_int_equal(s->rules[0].proto, POLICY_PROTO_TCP);
	assert_int_equal(s->rules[3].proto, POLICY_PROTO_ANY);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 80, 0, NULL), 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 17, 53, 0, NULL), 1);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 1, 0, 0, NULL), 2);
	assert_int_equal(rule_of(s, "fd00::1", "fd00::2", 58, 0, 0, NULL), 2);
	assert_int_equal(rule_of(s, "fd00::1", "fd00::2", 6, 80, 0, NULL), 0);
	assert_int_equal(rule_of(s, "fd00::1", "fd00::2", 17, 53, 0, NULL), 1);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 47, 0, 0, NULL), 3);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 132, 443, 0, NULL), 3);
	assert_int_equal(rule_of(s, "fd00::1", "fd00::2", 50, 0, 0, NULL), 3);
	snapshot_free(s);
}

/*
 * policy_types.h: POLICY_PROTO_ICMP "also matches ICMPv6 (58) for IPv6"; policy_match
 * (the reference) takes 58 for icmp only when the family is IPv6. An IPv4 packet that
 * carries protocol 58 is not ICMP.
 */
static void
test_flow_policy_icmp_rule_takes_protocol_58_for_ipv6_only(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {id: icmp, from: any, to: any, protocol: icmp, action: allow}\n"
		"  - {id: any, from: any, to: any, action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	int icmp6 = rule_of(s, "fd00::1", "fd00::2", 58, 0, 0, NULL);
	int icmp4 = rule_of(s, "10.0.0.1", "10.0.0.2", 1, 0, 0, NULL);
	int p58_over_ipv4 = rule_of(s, "10.0.0.1", "10.0.0.2", 58, 0, 0, NULL);

	(void)state;
	snapshot_free(s);	/* before asserting: leak-free when an assertion fails */
	assert_int_equal(icmp6, 0);
	assert_int_equal(icmp4, 0);
	assert_int_equal(p58_over_ipv4, 1);
}

static void
test_flow_policy_ports_lists_and_ranges_match_tcp_udp_server_port_only(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {id: ports, from: any, to: any, ports: [22, 8000-8100, 443, 65535],"
		" action: allow}\n"
		"  - {id: rest, from: any, to: any, action: deny}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	static const struct {
		uint8_t proto;
		uint16_t port;
		int rule;
	} cases[] = {
		{ 6, 22, 0 }, { 6, 21, 1 }, { 6, 23, 1 }, { 6, 443, 0 }, { 6, 7999, 1 },
		{ 6, 8000, 0 }, { 6, 8050, 0 }, { 6, 8100, 0 }, { 6, 8101, 1 }, { 6, 65535, 0 },
		{ 6, 65534, 1 }, { 6, 0, 1 }, { 17, 443, 0 }, { 17, 8042, 0 }, { 17, 444, 1 },
		/* Ports never match another protocol, even one with ports (SCTP, DCCP). */
		{ 1, 443, 1 }, { 1, 0, 1 }, { 132, 443, 1 }, { 33, 22, 1 }, { 47, 8000, 1 },
	};
	struct flow_key k;
	struct flow_verdict v;
	unsigned int i;

	(void)state;
	assert_int_equal(s->rules[0].nports, 4);
	assert_int_equal(s->rules[0].ports[1].lo, 8000);
	assert_int_equal(s->rules[0].ports[1].hi, 8100);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = rule_of(s, "10.0.0.1", "10.0.0.2", cases[i].proto, cases[i].port, 0, NULL);

		if (r != cases[i].rule)
			fail_msg("proto %u port %u: rule %d, expected %d", cases[i].proto,
				 cases[i].port, r, cases[i].rule);
		r = rule_of(s, "fd00::1", "fd00::2", cases[i].proto, cases[i].port, 0, NULL);
		if (r != cases[i].rule)
			fail_msg("IPv6 proto %u port %u: rule %d, expected %d", cases[i].proto,
				 cases[i].port, r, cases[i].rule);
	}
	/* The server's port counts, not the client's. */
	make_key(&k, 1, "10.0.0.1", 443, "10.0.0.2", 5555, 6);
	flow_policy_eval(s, &k, 1, 0, NULL, &v);
	assert_int_equal(v.rule, 1);
	make_key(&k, 0, "10.0.0.1", 5555, "10.0.0.2", 443, 6);
	flow_policy_eval(s, &k, 0, 0, NULL, &v);
	assert_int_equal(v.rule, 0);
	/* The same key read with the other side as client: server port 5555. */
	flow_policy_eval(s, &k, 1, 0, NULL, &v);
	assert_int_equal(v.rule, 1);
	snapshot_free(s);
}

static void
test_flow_policy_app_filter_unidentified_flow_matches_any_rules_only(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {id: tls, from: any, to: any, app: tls, action: allow}\n"
		"  - {id: http, from: any, to: any, app: http, action: deny}\n"
		"  - {id: any, from: any, to: any, app: any, action: allow, require_tls: true}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);

	(void)state;
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 443, POLICY_APP_ANY, NULL), 2);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 443, POLICY_APP_TLS, NULL), 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 80, POLICY_APP_HTTP, NULL), 1);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 17, 53, POLICY_APP_DNS, NULL), 2);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 25, POLICY_APP_SMTP, NULL), 2);
	snapshot_free(s);
}

/* ---- modes, from/to groups, require_tls ---- */

static void
test_flow_policy_mode_first_overriding_group_in_document_order_wins(void **state)
{
	static const char yaml[] =
		"mode: monitor\n"
		"groups:\n"
		"  - {name: plain, cidrs: [10.1.0.0/16]}\n"
		"  - {name: narrow, cidrs: [10.2.5.0/24], mode: protect}\n"
		"  - {name: wide, cidrs: [10.2.0.0/16], mode: discover}\n"
		"  - {name: late, cidrs: [10.3.0.0/16], mode: protect}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	static const struct {
		const char *cli, *srv;
		uint8_t mode;
		unsigned int from, to;
	} cases[] = {
		{ "10.1.0.1", "8.8.8.8", POLICY_MODE_MONITOR, G(0), POLICY_GROUP_EXTERNAL },
		{ "8.8.8.8", "9.9.9.9", POLICY_MODE_MONITOR, 1, 1 },
		{ "10.1.0.1", "10.2.9.9", POLICY_MODE_DISCOVER, G(0), G(2) },
		/* late is the client's, wide the server's: wide comes first in the document. */
		{ "10.3.0.1", "10.2.9.9", POLICY_MODE_DISCOVER, G(3), G(2) },
		{ "10.2.9.9", "10.3.0.1", POLICY_MODE_DISCOVER, G(2), G(3) },
		/* 10.2.5.1 is in narrow and wide: narrow comes first. */
		{ "10.2.5.1", "10.1.0.1", POLICY_MODE_PROTECT, G(1), G(0) },
		{ "10.1.0.1", "10.2.5.1", POLICY_MODE_PROTECT, G(0), G(1) },
		{ "10.1.0.1", "10.3.0.1", POLICY_MODE_PROTECT, G(0), G(3) },
	};
	unsigned int i;

	(void)state;
	assert_int_equal(s->mode, POLICY_MODE_MONITOR);
	assert_int_equal(s->groups[G(0)].mode, POLICY_MODE_INHERIT);
	assert_int_equal(s->groups[G(1)].mode, POLICY_MODE_PROTECT);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct flow_verdict v = eval(s, cases[i].cli, cases[i].srv, 6, 443, 0, NULL);

		if (v.mode != cases[i].mode || v.from_group != cases[i].from ||
		    v.to_group != cases[i].to)
			fail_msg("%s -> %s: mode %u from %u to %u, expected %u %u %u", cases[i].cli,
				 cases[i].srv, v.mode, v.from_group, v.to_group, cases[i].mode,
				 cases[i].from, cases[i].to);
		assert_int_equal(v.rule, -1);
	}
	snapshot_free(s);

	s = compile("mode: protect\n", NULL, NULL, NULL);
	assert_int_equal(eval(s, "10.0.0.1", "10.0.0.2", 6, 1, 0, NULL).mode, POLICY_MODE_PROTECT);
	snapshot_free(s);
	s = compile("mode: discover\n", NULL, NULL, NULL);
	assert_int_equal(eval(s, "10.0.0.1", "10.0.0.2", 6, 1, 0, NULL).mode,
			 POLICY_MODE_DISCOVER);
	snapshot_free(s);
}

static void
test_flow_policy_from_to_group_is_first_user_group_in_document_order(void **state)
{
	struct snapshot *s = compile("groups:\n"
				     "  - {name: wide, cidrs: [10.0.0.0/8]}\n"
				     "  - {name: narrow, cidrs: [10.1.0.0/16]}\n",
				     NULL, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	v = eval(s, "10.1.0.1", "10.1.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.to_group, G(0));
	snapshot_free(s);
	s = compile("groups:\n"
		    "  - {name: narrow, cidrs: [10.1.0.0/16]}\n"
		    "  - {name: wide, cidrs: [10.0.0.0/8]}\n", NULL, NULL, NULL);
	v = eval(s, "10.1.0.1", "10.2.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.to_group, G(1));
	assert_string_equal(s->groups[v.to_group].name, "wide");
	v = eval(s, "11.0.0.1", "10.2.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.from_group, POLICY_GROUP_EXTERNAL);
	snapshot_free(s);
}

static void
test_flow_policy_require_tls_follows_the_matching_rule(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - {id: tls, from: any, to: any, ports: [443], action: allow,"
		" require_tls: true}\n"
		"  - {id: plain, from: any, to: any, ports: [80], action: allow,"
		" require_tls: false}\n"
		"  - {id: deflt, from: any, to: any, ports: [25], action: allow}\n";
	struct snapshot *s = compile(yaml, NULL, NULL, NULL);
	struct flow_verdict v;

	(void)state;
	assert_int_equal(s->rules[0].require_tls, 1);
	assert_int_equal(s->rules[1].require_tls, 0);
	v = eval(s, "10.0.0.1", "10.0.0.2", 6, 443, 0, NULL);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.require_tls, 1);
	v = eval(s, "10.0.0.1", "10.0.0.2", 6, 80, 0, NULL);
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.require_tls, 0);
	v = eval(s, "10.0.0.1", "10.0.0.2", 6, 25, 0, NULL);
	assert_int_equal(v.rule, 2);
	assert_int_equal(v.require_tls, 0);
	v = eval(s, "10.0.0.1", "10.0.0.2", 6, 22, 0, NULL);
	assert_int_equal(v.rule, -1);
	assert_int_equal(v.require_tls, 0);
	snapshot_free(s);
}

/* ---- DLP bindings ---- */

static void
test_flow_policy_dlp_bindings_resolve_to_sensor_indexes(void **state)
{
	static const char yaml[] =
		"rules:\n"
		"  - id: cards\n"
		"    from: any\n"
		"    to: any\n"
		"    ports: [443]\n"
		"    action: allow\n"
		"    dlp:\n"
		"      - {sensor: credit_card, action: block, threshold: 3}\n"
		"      - {sensor: iban, action: alert}\n"
		"  - {id: none, from: any, to: any, ports: [80], action: allow}\n"
		"  - id: ibans\n"
		"    from: any\n"
		"    to: any\n"
		"    action: deny\n"
		"    dlp: [{sensor: iban, action: block, threshold: 1000000}]\n";
	struct policy *p = load(yaml);
	char err[512] = "";
	struct snapshot *s;

	(void)state;
	s = snapshot_compile(p, NULL, NULL, g_db, NULL, 1, err, sizeof(err));
	policy_free(p);
	if (s == NULL)
		fail_msg("%s", err);
	assert_int_equal(s->dlp_default, 1);
	assert_int_equal(s->ndlp, 3);
	assert_int_equal(s->rules[0].dlp_first, 0);
	assert_int_equal(s->rules[0].ndlp, 2);
	assert_int_equal(s->dlp[0].sensor, 1);	/* credit_card is index 1 of the db */
	assert_int_equal(s->dlp[0].action, POLICY_DLP_BLOCK);
	assert_int_equal(s->dlp[0].threshold, 3);
	assert_int_equal(s->dlp[1].sensor, 0);	/* iban */
	assert_int_equal(s->dlp[1].action, POLICY_DLP_ALERT);
	assert_int_equal(s->dlp[1].threshold, 1);
	assert_int_equal(s->rules[1].dlp_first, 2);
	assert_int_equal(s->rules[1].ndlp, 0);
	assert_int_equal(s->rules[2].dlp_first, 2);
	assert_int_equal(s->rules[2].ndlp, 1);
	assert_int_equal(s->dlp[2].sensor, 0);
	assert_int_equal(s->dlp[2].action, POLICY_DLP_BLOCK);
	assert_int_equal(s->dlp[2].threshold, 1000000);
	assert_string_equal(sensor_db_def(g_db, s->dlp[s->rules[0].dlp_first].sensor)->id,
			    "credit_card");
	/* The flow's verdict leads to its rule's bindings. */
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 443, 0, NULL), 0);
	assert_int_equal(rule_of(s, "10.0.0.1", "10.0.0.2", 6, 22, 0, NULL), 2);
	assert_null(s->sensors);
	snapshot_free(s);
}

static void
compile_refused(const char *yaml, const struct sensor_db *db, const char *expected)
{
	struct policy *p = load(yaml);
	char err[512] = "";

	assert_null(snapshot_compile(p, NULL, NULL, db, NULL, 0, err, sizeof(err)));
	assert_string_equal(err, expected);
	policy_free(p);
}

static void
test_flow_policy_unknown_or_disabled_sensor_refused_with_exact_message(void **state)
{
	(void)state;
	compile_refused("rules:\n"
			"  - {id: a, from: any, to: any, action: allow,"
			" dlp: [{sensor: iban, action: alert}]}\n"
			"  - id: b\n"
			"    from: any\n"
			"    to: any\n"
			"    action: allow\n"
			"    dlp: [{sensor: credit_card, action: alert},"
			" {sensor: no_such_sensor, action: block}]\n", g_db,
			"policy.rules[1].dlp[1].sensor: unknown sensor (got no_such_sensor, "
			"expected an enabled sensor id: see GET /v1/sensors)");
	/* email is in the database but disabled. */
	compile_refused("rules:\n"
			"  - {id: a, from: any, to: any, action: allow,"
			" dlp: [{sensor: email, action: alert}]}\n", g_db,
			"policy.rules[0].dlp[0].sensor: unknown sensor (got email, "
			"expected an enabled sensor id: see GET /v1/sensors)");
	/* No database: every binding is refused. */
	compile_refused("rules:\n"
			"  - {id: a, from: any, to: any, action: allow}\n"
			"  - {id: b, from: any, to: any, action: allow,"
			" dlp: [{sensor: credit_card, action: alert}]}\n", NULL,
			"policy.rules[1].dlp[0].sensor: unknown sensor (got credit_card, "
			"expected an enabled sensor id: see GET /v1/sensors)");
}

static void
test_flow_policy_sensor_set_is_shared_by_reference(void **state)
{
	struct sensor_def *all = calloc(SENSOR_MAX, sizeof(*all));
	struct snapshot_sensors *ss = calloc(1, sizeof(*ss));
	struct policy *p = load("rules: [{id: a, from: any, to: any, action: allow,"
				" dlp: [{sensor: credit_card, action: alert}]}]\n");
	struct snapshot *s1, *s2;
	unsigned int n, i;
	char err[512] = "";

	(void)state;
	assert_non_null(all);
	assert_non_null(ss);
	n = sensor_catalogue_builtin(all, SENSOR_MAX);
	for (i = 0; i < n && strcmp(all[i].id, "credit_card") != 0; i++)
		;
	assert_true(i < n);
	ss->db = sensor_db_compile(&all[i], 1, err, sizeof(err));
	free(all);
	assert_non_null(ss->db);
	s1 = snapshot_compile(p, NULL, NULL, ss->db, ss, 0, err, sizeof(err));
	assert_non_null(s1);
	assert_ptr_equal(s1->sensors, ss);
	assert_int_equal(ss->refs, 1);
	s2 = snapshot_compile(p, NULL, NULL, ss->db, ss, 0, err, sizeof(err));
	assert_non_null(s2);
	assert_int_equal(ss->refs, 2);
	/* A refused compile takes no reference. */
	policy_free(p);
	p = load("rules: [{id: a, from: any, to: any, action: allow,"
		 " dlp: [{sensor: iban, action: alert}]}]\n");
	assert_null(snapshot_compile(p, NULL, NULL, ss->db, ss, 0, err, sizeof(err)));
	assert_int_equal(ss->refs, 2);
	policy_free(p);
	snapshot_free(s1);
	assert_int_equal(ss->refs, 1);
	assert_int_equal(sensor_db_count(ss->db), 1);	/* still alive */
	snapshot_free(s2);	/* the last reference frees the database and the set */
	snapshot_free(NULL);
}

/* ---- ownership and size ---- */

static void
test_flow_policy_snapshot_does_not_refer_to_its_inputs(void **state)
{
	static const char yaml[] =
		"mode: discover\n"
		"default_action: deny\n"
		"groups:\n"
		"  - {name: pods, selector: \"k8s:namespace=shop\", mode: protect}\n"
		"  - {name: partners, fqdns: [\"*.partner.example\"]}\n"
		"  - {name: nets, cidrs: [192.0.2.0/24], ranges: [\"fd00::1-fd00::9\"]}\n"
		"rules:\n"
		"  - {id: pods-to-partners, from: pods, to: partners, protocol: tcp, ports: [443],"
		" app: tls, action: allow, require_tls: true}\n"
		"  - {id: nets-out, from: nets, to: external, action: allow}\n";
	struct label_map *m = labels("{\"generation\": 7, \"entries\": ["
				     "{\"ip\": \"10.5.0.1\","
				     " \"labels\": {\"k8s:namespace\": \"shop\"}}]}");
	struct fqdn_cache *c = fqdn_cache_create(8);
	struct policy *p = load(yaml);
	struct snapshot *s;
	struct flow_verdict v;
	char err[512] = "";
	unsigned int i;

	(void)state;
	cache_add(c, "api.partner.example", "198.51.100.1");
	s = snapshot_compile(p, m, c, NULL, NULL, 0, err, sizeof(err));
	if (s == NULL)
		fail_msg("%s", err);
	/* Scribble over the inputs before freeing them: nothing may read them any more. */
	for (i = 0; i < p->ngroups; i++) {
		struct policy_group *g = &p->groups[i];

		memset(g->name, 'x', sizeof(g->name) - 1);
		g->mode = POLICY_MODE_DISCOVER;
		memset(g->cidrs, 0xff, sizeof(g->cidrs));
		memset(g->ranges, 0xff, sizeof(g->ranges));
		memset(g->fqdns, 'x', sizeof(g->fqdns));
	}
	memset(p->rules, 0x5a, sizeof(p->rules[0]) * p->nrules);
	p->mode = POLICY_MODE_MONITOR;
	p->default_action = POLICY_ACTION_ALLOW;
	policy_free(p);
	label_map_free(m);
	fqdn_cache_free(c);

	assert_string_equal(s->groups[G(0)].name, "pods");
	assert_string_equal(s->groups[G(2)].name, "nets");
	assert_string_equal(s->rules[0].id, "pods-to-partners");
	assert_string_equal(s->rules[1].id, "nets-out");
	assert_int_equal(s->nfqdns, 1);
	assert_string_equal(s->fqdns[0].name, ".partner.example");
	assert_int_equal(s->fqdns[0].wildcard, 1);
	assert_int_equal(s->fqdns[0].len, 16);
	assert_int_equal(s->fqdns[0].group, G(1));
	v = eval(s, "10.5.0.1", "198.51.100.1", 6, 443, POLICY_APP_TLS, NULL);
	assert_int_equal(v.rule, 0);
	assert_int_equal(v.action, POLICY_ACTION_ALLOW);
	assert_int_equal(v.require_tls, 1);
	assert_int_equal(v.mode, POLICY_MODE_PROTECT);
	assert_int_equal(v.from_group, G(0));
	assert_int_equal(v.to_group, G(1));
	v = eval(s, "10.5.0.1", "198.51.100.2", 6, 443, POLICY_APP_TLS, "www.partner.example");
	assert_int_equal(v.rule, 0);
	v = eval(s, "fd00::5", "2001:db8::1", 17, 53, 0, NULL);
	assert_int_equal(v.rule, 1);
	assert_int_equal(v.mode, POLICY_MODE_DISCOVER);
	v = eval(s, "10.5.0.2", "198.51.100.1", 6, 443, POLICY_APP_TLS, NULL);
	assert_int_equal(v.rule, -1);
	assert_int_equal(v.action, POLICY_ACTION_DENY);
	snapshot_free(s);
}

static void
test_flow_policy_memsize_counts_block_and_group_table(void **state)
{
	struct snapshot *small = compile("{}", NULL, NULL, NULL);
	struct snapshot *big = compile("groups:\n"
				       "  - {name: a, cidrs: [10.0.0.0/8, 192.0.2.0/24],"
				       " fqdns: [a.example]}\n"
				       "rules:\n"
				       "  - {id: r1, from: a, to: any, action: allow}\n"
				       "  - {id: r2, from: any, to: a, action: deny}\n"
				       "  - {id: r3, from: any, to: any, action: deny}\n",
				       NULL, NULL, NULL);

	(void)state;
	assert_true(small->memsize > 0);
	assert_true(group_table_memsize(small->addr) > 0);
	assert_true(small->memsize >= sizeof(struct snapshot) + group_table_memsize(small->addr));
	assert_true(big->memsize >= sizeof(struct snapshot) + 3 * sizeof(struct snapshot_rule) +
		    sizeof(struct snapshot_fqdn) + group_table_memsize(big->addr));
	assert_true(big->memsize > small->memsize);
	snapshot_free(small);
	snapshot_free(big);
}

/* ---- publication under RCU ---- */

static struct rte_rcu_qsbr *
qsbr_new(uint32_t threads)
{
	size_t sz = rte_rcu_qsbr_get_memsize(threads);
	struct rte_rcu_qsbr *v;

	assert_true(sz > 1);
	v = aligned_alloc(64, (sz + 63) & ~(size_t)63);
	assert_non_null(v);
	assert_int_equal(rte_rcu_qsbr_init(v, threads), 0);
	return v;
}

static void
test_snapshot_reclaim_waits_for_worker_quiescent_state(void **state)
{
	struct rte_rcu_qsbr *v = qsbr_new(1);
	struct snapshot *slot = NULL;
	struct snapshot_pub *pub;
	struct snapshot *s1 = compile("{}", NULL, NULL, NULL);
	struct snapshot *s2 = compile("rules: [{id: a, from: any, to: any, action: deny}]\n",
				      NULL, NULL, NULL);
	struct snapshot *s3 = compile("mode: protect\n", NULL, NULL, NULL);
	size_t m1 = s1->memsize, m2 = s2->memsize, m3 = s3->memsize;

	(void)state;
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	pub = snapshot_pub_create(&slot, v);
	assert_non_null(pub);
	assert_null(snapshot_current(pub));
	assert_int_equal(snapshot_bytes(pub), 0);

	snapshot_publish(pub, s1);
	assert_ptr_equal(slot, s1);
	assert_ptr_equal(snapshot_current(pub), s1);
	assert_int_equal(s1->version, 1);
	assert_int_equal(snapshot_pending(pub), 0);
	assert_int_equal(snapshot_bytes(pub), m1);
	assert_int_equal(snapshot_reclaim(pub), 0);

	snapshot_publish(pub, s2);
	assert_ptr_equal(slot, s2);
	assert_int_equal(s2->version, 2);
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(snapshot_bytes(pub), m1 + m2);
	/* The worker has not passed a quiescent point: s1 may still be read. */
	assert_int_equal(snapshot_reclaim(pub), 0);
	assert_int_equal(snapshot_reclaim(pub), 0);
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(snapshot_bytes(pub), m1 + m2);

	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(snapshot_reclaim(pub), 1);
	assert_int_equal(snapshot_pending(pub), 0);
	assert_int_equal(snapshot_bytes(pub), m2);
	assert_int_equal(snapshot_reclaim(pub), 0);

	/* A worker that goes offline holds no grace period. */
	snapshot_publish(pub, s3);
	assert_int_equal(s3->version, 3);
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(snapshot_reclaim(pub), 0);
	rte_rcu_qsbr_thread_offline(v, 0);
	assert_int_equal(snapshot_reclaim(pub), 1);
	assert_int_equal(snapshot_pending(pub), 0);
	assert_int_equal(snapshot_bytes(pub), m3);
	assert_ptr_equal(snapshot_current(pub), s3);

	snapshot_pub_free(pub);
	assert_null(slot);
	snapshot_pub_free(NULL);
	free(v);
}

static void
test_snapshot_reclaim_frees_in_order_only_passed_grace_periods(void **state)
{
	struct rte_rcu_qsbr *v = qsbr_new(2);
	struct snapshot *slot = NULL;
	struct snapshot_pub *pub;
	struct snapshot *s[4];
	size_t m[4];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		s[i] = compile(i == 1 ? "rules: [{id: a, from: any, to: any, action: deny}]\n" :
				 "{}", NULL, NULL, NULL);
		m[i] = s[i]->memsize;
	}
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 1), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	rte_rcu_qsbr_thread_online(v, 1);
	pub = snapshot_pub_create(&slot, v);
	assert_non_null(pub);

	snapshot_publish(pub, s[0]);
	snapshot_publish(pub, s[1]);	/* s0 pending, token t1 */
	rte_rcu_qsbr_quiescent(v, 0);
	rte_rcu_qsbr_quiescent(v, 1);
	snapshot_publish(pub, s[2]);	/* s1 pending, token t2: nobody passed it yet */
	assert_int_equal(snapshot_pending(pub), 2);
	assert_int_equal(snapshot_bytes(pub), m[0] + m[1] + m[2]);
	assert_int_equal(snapshot_reclaim(pub), 1);	/* s0 only */
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(snapshot_bytes(pub), m[1] + m[2]);

	/* One worker of two reported: not enough. */
	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(snapshot_reclaim(pub), 0);
	rte_rcu_qsbr_quiescent(v, 1);
	assert_int_equal(snapshot_reclaim(pub), 1);
	assert_int_equal(snapshot_pending(pub), 0);
	assert_int_equal(snapshot_bytes(pub), m[2]);
	assert_int_equal(s[2]->version, 3);

	/* pub_free waits out pending grace periods (workers offline) and frees them all. */
	snapshot_publish(pub, s[3]);
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(snapshot_bytes(pub), m[2] + m[3]);
	rte_rcu_qsbr_thread_offline(v, 0);
	rte_rcu_qsbr_thread_offline(v, 1);
	snapshot_pub_free(pub);
	assert_null(slot);
	free(v);
}

/* The worker of the test below: it reports once the publisher has started to wait. */
struct late_worker {
	struct rte_rcu_qsbr *v;
	int armed;
};

static void *
late_worker_main(void *arg)
{
	struct late_worker *lw = arg;
	struct timespec ts = { 0, 50 * 1000 * 1000 };

	while (!__atomic_load_n(&lw->armed, __ATOMIC_ACQUIRE))
		sched_yield();
	nanosleep(&ts, NULL);	/* likely inside the wait by now; correct either way */
	rte_rcu_qsbr_quiescent(lw->v, 0);
	return NULL;
}

static void
test_snapshot_publish_waits_when_grace_periods_pile_up(void **state)
{
	struct late_worker lw = { qsbr_new(1), 0 };
	struct snapshot *slot = NULL;
	struct snapshot_pub *pub;
	pthread_t t;
	unsigned int i;

	(void)state;
	assert_int_equal(rte_rcu_qsbr_thread_register(lw.v, 0), 0);
	rte_rcu_qsbr_thread_online(lw.v, 0);
	pub = snapshot_pub_create(&slot, lw.v);
	assert_non_null(pub);
	/* A worker that never reports: 64 replaced snapshots wait for it. */
	for (i = 0; i < 65; i++)
		snapshot_publish(pub, compile("{}", NULL, NULL, NULL));
	assert_int_equal(snapshot_pending(pub), 64);
	assert_int_equal(snapshot_reclaim(pub), 0);

	/* The next publication waits (spinning, then yielding its CPU) until the worker
	 * reports, then frees all 64 and queues the one it replaces. */
	assert_int_equal(pthread_create(&t, NULL, late_worker_main, &lw), 0);
	__atomic_store_n(&lw.armed, 1, __ATOMIC_RELEASE);
	snapshot_publish(pub, compile("{}", NULL, NULL, NULL));
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(snapshot_pending(pub), 1);
	assert_int_equal(slot->version, 66);

	rte_rcu_qsbr_thread_offline(lw.v, 0);
	snapshot_pub_free(pub);
	assert_null(slot);
	free(lw.v);
}

static void
count_retired(void *arg, const struct snapshot_sensors *ss)
{
	(void)ss;
	(*(unsigned int *)arg)++;
}

/*
 * A worker keeps its flows' sensor streams on a sensor set across its quiescent reports
 * (they are closed when it takes the next set), so a set whose snapshots are all freed
 * waits while a worker holds it (held), and goes at the first reclaim after the worker
 * lets go; at the end (the workers stopped) it goes whatever held says. Before, it was
 * freed with its last snapshot: a worker that reported between the publication of a new
 * set and its taking it closed its streams on freed memory (a crash in the live-policy
 * e2e test, after a custom sensor was added).
 */
static void
test_snapshot_sensor_set_waits_for_the_worker_holding_it(void **state)
{
	struct rte_rcu_qsbr *v = qsbr_new(1);
	struct snapshot_sensors *ss = calloc(1, sizeof(*ss)), *ss2 = calloc(1, sizeof(*ss2));
	struct snapshot *slot = NULL, *s;
	struct snapshot_pub *pub;
	struct policy *p = load("{}");
	unsigned int freed = 0;
	char err[256];

	(void)state;
	assert_non_null(ss);
	assert_non_null(ss2);
	ss->retire = ss2->retire = count_retired;
	ss->retire_arg = ss2->retire_arg = &freed;
	assert_int_equal(rte_rcu_qsbr_thread_register(v, 0), 0);
	rte_rcu_qsbr_thread_online(v, 0);
	pub = snapshot_pub_create(&slot, v);
	assert_non_null(pub);
	s = snapshot_compile(p, NULL, NULL, NULL, ss, 0, err, sizeof(err));
	assert_non_null(s);
	snapshot_publish(pub, s);
	/* the worker takes the set; a new snapshot without it replaces its own */
	__atomic_add_fetch(&ss->held, 1, __ATOMIC_ACQ_REL);
	snapshot_publish(pub, snapshot_compile(p, NULL, NULL, NULL, NULL, 0, err, sizeof(err)));
	rte_rcu_qsbr_quiescent(v, 0);
	assert_int_equal(snapshot_reclaim(pub), 1);	/* the snapshot goes, */
	assert_int_equal(freed, 0);			/* the set it held does not */
	assert_int_equal(snapshot_sensors_retired(), 1);
	assert_int_equal(snapshot_reclaim(pub), 0);
	assert_int_equal(freed, 0);
	__atomic_sub_fetch(&ss->held, 1, __ATOMIC_RELEASE);	/* streams closed on it */
	snapshot_reclaim(pub);
	assert_int_equal(freed, 1);
	assert_int_equal(snapshot_sensors_retired(), 0);
	/* Held at the end: snapshot_pub_free frees it all the same (the workers stopped). */
	s = snapshot_compile(p, NULL, NULL, NULL, ss2, 0, err, sizeof(err));
	assert_non_null(s);
	snapshot_publish(pub, s);
	__atomic_add_fetch(&ss2->held, 1, __ATOMIC_ACQ_REL);
	snapshot_publish(pub, snapshot_compile(p, NULL, NULL, NULL, NULL, 0, err, sizeof(err)));
	rte_rcu_qsbr_quiescent(v, 0);
	snapshot_reclaim(pub);
	assert_int_equal(freed, 1);
	rte_rcu_qsbr_thread_offline(v, 0);
	snapshot_pub_free(pub);
	assert_int_equal(freed, 2);
	assert_int_equal(snapshot_sensors_retired(), 0);
	policy_free(p);
	free(v);
}

/* ---- randomized cross-check against policy_match ---- */

static uint64_t rng_state;

static uint64_t
rng(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

static unsigned int
rnd(unsigned int n)
{
	return (unsigned int)(rng() % n);
}

/* A random address of the small test space (10.0.0.0/23, fd00::/119) or, rarely, outside. */
static void
rnd_addr(int family, uint8_t a[16])
{
	unsigned int x = rnd(512);

	memset(a, 0, 16);
	if (family == AF_INET) {
		a[0] = 10;
		a[2] = (uint8_t)(x >> 8);
		a[3] = (uint8_t)x;
		if (rnd(10) == 0)
			a[0] = (uint8_t)(11 + rnd(200));
	} else {
		a[0] = 0xfd;
		a[14] = (uint8_t)(x >> 8);
		a[15] = (uint8_t)x;
		if (rnd(10) == 0)
			a[1] = (uint8_t)(1 + rnd(255));
	}
}

static size_t
app(char *buf, size_t o, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + o, len - o, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - o)
		fail_msg("random policy too long");
	return o + (size_t)n;
}

static const char *
fmt_addr(int family, const uint8_t a[16], char *t)
{
	return inet_ntop(family, a, t, INET6_ADDRSTRLEN);
}

static const uint16_t port_pool[] = { 22, 25, 53, 80, 443, 8000, 8080, 8443 };

static uint16_t
rnd_port(void)
{
	return rnd(4) == 0 ? (uint16_t)(1 + rnd(65535)) : port_pool[rnd(8)];
}

static void
random_policy(char *buf, size_t len)
{
	static const char *const modes[] = { "discover", "monitor", "protect" };
	static const char *const protos[] = { "any", "tcp", "udp", "icmp" };
	static const char *const apps[] = { "any", "http", "tls", "dns", "smtp" };
	unsigned int ng = rnd(7), nr = rnd(11), g, r, i;
	size_t o = 0;

	o = app(buf, o, len, "mode: %s\ndefault_action: %s\ngroups:\n", modes[rnd(3)],
		rnd(2) ? "allow" : "deny");
	if (ng == 0)
		o = app(buf, o, len, "  []\n");
	for (g = 0; g < ng; g++) {
		unsigned int nc = rnd(4), nrg = rnd(3);

		o = app(buf, o, len, "  - name: g%u\n", g);
		if (rnd(3) == 0)
			o = app(buf, o, len, "    mode: %s\n", modes[rnd(3)]);
		o = app(buf, o, len, "    cidrs: [");
		for (i = 0; i < nc; i++) {
			int fam = rnd(3) == 0 ? AF_INET6 : AF_INET;
			unsigned int width = fam == AF_INET ? 32 : 128;
			unsigned int pfx = width - rnd(11), b;
			uint8_t a[16];
			char t[INET6_ADDRSTRLEN];

			if (rnd(20) == 0)
				pfx = rnd(width + 1);	/* now and then a wide one */
			rnd_addr(fam, a);
			for (b = pfx; b < width; b++)
				a[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
			o = app(buf, o, len, "%s\"%s/%u\"", i ? ", " : "", fmt_addr(fam, a, t),
				pfx);
		}
		o = app(buf, o, len, "]\n    ranges: [");
		for (i = 0; i < nrg; i++) {
			int fam = rnd(3) == 0 ? AF_INET6 : AF_INET;
			uint8_t lo[16], hi[16], t[16];
			char tl[INET6_ADDRSTRLEN], th[INET6_ADDRSTRLEN];

			rnd_addr(fam, lo);
			rnd_addr(fam, hi);
			if (memcmp(lo, hi, 16) > 0) {
				memcpy(t, lo, 16);
				memcpy(lo, hi, 16);
				memcpy(hi, t, 16);
			}
			o = app(buf, o, len, "%s\"%s-%s\"", i ? ", " : "", fmt_addr(fam, lo, tl),
				fmt_addr(fam, hi, th));
		}
		o = app(buf, o, len, "]\n");
	}
	o = app(buf, o, len, "rules:\n");
	if (nr == 0)
		o = app(buf, o, len, "  []\n");
	for (r = 0; r < nr; r++) {
		unsigned int np = rnd(2) ? 0 : 1 + rnd(3);
		char from[16], to[16];

		for (i = 0; i < 2; i++) {
			char *dst = i == 0 ? from : to;
			unsigned int pick = rnd(ng + 2);

			if (pick == 0)
				strcpy(dst, "any");
			else if (pick == 1)
				strcpy(dst, "external");
			else
				snprintf(dst, 16, "g%u", pick - 2);
		}
		o = app(buf, o, len, "  - id: r%u\n    from: %s\n    to: %s\n    action: %s\n", r,
			from, to, rnd(2) ? "allow" : "deny");
		if (rnd(3) != 0)
			o = app(buf, o, len, "    protocol: %s\n", protos[rnd(4)]);
		if (rnd(3) != 0)
			o = app(buf, o, len, "    app: %s\n", apps[rnd(5)]);
		if (rnd(4) == 0)
			o = app(buf, o, len, "    require_tls: true\n");
		if (np > 0) {
			o = app(buf, o, len, "    ports: [");
			for (i = 0; i < np; i++) {
				uint16_t a = rnd_port(), b = rnd(3) == 0 ? rnd_port() : a;

				if (a > b) {
					uint16_t t = a;

					a = b;
					b = t;
				}
				if (a == b)
					o = app(buf, o, len, "%s%u", i ? ", " : "", a);
				else
					o = app(buf, o, len, "%s\"%u-%u\"", i ? ", " : "", a, b);
			}
			o = app(buf, o, len, "]\n");
		}
	}
}

/* The reference verdict, from policy.c's lookups. */
static void
reference(const struct policy *p, const uint8_t src[16], const uint8_t dst[16], int family,
	  uint8_t proto, uint16_t dport, uint8_t appid, struct flow_verdict *out)
{
	const struct policy_rule *r = policy_match(p, src, dst, family, proto, dport, appid);
	unsigned int g;

	out->rule = r != NULL ? (int32_t)(r - p->rules) : FLOW_POLICY_DEFAULT_RULE;
	out->action = r != NULL ? r->action : p->default_action;
	out->require_tls = r != NULL ? r->require_tls : 0;
	out->from_group = POLICY_GROUP_EXTERNAL;
	out->to_group = POLICY_GROUP_EXTERNAL;
	out->mode = p->mode;
	for (g = p->ngroups; g-- > POLICY_GROUP_FIRST_USER;) {
		bool hs = policy_group_has_ip(p, g, src, family);
		bool hd = policy_group_has_ip(p, g, dst, family);

		if (hs)
			out->from_group = (uint16_t)g;
		if (hd)
			out->to_group = (uint16_t)g;
		if ((hs || hd) && p->groups[g].mode != POLICY_MODE_INHERIT)
			out->mode = p->groups[g].mode;
	}
}

static void
test_flow_policy_agrees_with_policy_match_on_random_policies(void **state)
{
	/* IPv4 carrying 58 is left out here: see the icmp test above. */
	static const uint8_t protos4[] = { 1, 6, 6, 17, 17, 47 };
	static const uint8_t protos6[] = { 58, 1, 6, 6, 17, 17, 47 };
	char *yaml = malloc(65536);
	unsigned int n, f, matched = 0, defaulted = 0;

	(void)state;
	assert_non_null(yaml);
	rng_state = 20240611;
	for (n = 0; n < 200; n++) {
		struct policy *p;
		struct snapshot *s;
		char err[512] = "";

		random_policy(yaml, 65536);
		p = load(yaml);
		s = snapshot_compile(p, NULL, NULL, NULL, NULL, 0, err, sizeof(err));
		if (s == NULL)
			fail_msg("policy %u: %s\n%s", n, err, yaml);
		for (f = 0; f < 500; f++) {
			int family = rnd(5) < 3 ? AF_INET : AF_INET6;
			uint8_t src[16], dst[16], proto, appid = (uint8_t)rnd(5);
			uint8_t client = (uint8_t)rnd(2);
			uint16_t dport = rnd_port();
			struct flow_verdict want, got;
			struct flow_key k;

			rnd_addr(family, src);
			rnd_addr(family, dst);
			proto = family == AF_INET ? protos4[rnd(sizeof(protos4))] :
						    protos6[rnd(sizeof(protos6))];
			memset(&k, 0, sizeof(k));
			k.family = family == AF_INET ? 4 : 6;
			memcpy(k.addr[client], src, 16);
			memcpy(k.addr[client ^ 1], dst, 16);
			k.port[client] = (uint16_t)(1024 + rnd(60000));
			k.port[client ^ 1] = dport;
			k.proto = proto;
			reference(p, src, dst, family, proto, dport, appid, &want);
			memset(&got, 0xa5, sizeof(got));
			flow_policy_eval(s, &k, client, appid, NULL, &got);
			if (got.rule != want.rule || got.action != want.action ||
			    got.require_tls != want.require_tls || got.mode != want.mode ||
			    got.from_group != want.from_group || got.to_group != want.to_group) {
				char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

				inet_ntop(family, src, a, sizeof(a));
				inet_ntop(family, dst, b, sizeof(b));
				fail_msg("policy %u flow %u: %s -> %s proto %u port %u app %u: "
					 "got rule %d action %u tls %u mode %u from %u to %u, "
					 "expected %d %u %u %u %u %u\n%s", n, f, a, b, proto,
					 dport, appid, got.rule, got.action, got.require_tls,
					 got.mode, got.from_group, got.to_group, want.rule,
					 want.action, want.require_tls, want.mode,
					 want.from_group, want.to_group, yaml);
			}
			if (want.rule >= 0)
				matched++;
			else
				defaulted++;
		}
		snapshot_free(s);
		policy_free(p);
	}
	free(yaml);
	/* The generator exercises both outcomes substantially. */
	assert_true(matched > 10000);
	assert_true(defaulted > 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_policy_first_match_wins),
		cmocka_unit_test(test_flow_policy_default_action_when_no_rule_matches),
		cmocka_unit_test(
			test_flow_policy_cidr_range_and_ipv6_groups_hold_exactly_their_addresses),
		cmocka_unit_test(
			test_flow_policy_label_selectors_take_their_ips_from_the_label_map),
		cmocka_unit_test(test_flow_policy_fqdn_match_exact_and_wildcard),
		cmocka_unit_test(test_flow_policy_fqdn_groups_take_their_ips_from_the_cache),
		cmocka_unit_test(
			test_flow_policy_sni_puts_server_in_fqdn_group_and_out_of_external),
		cmocka_unit_test(
			test_flow_policy_any_holds_everyone_external_only_addresses_in_no_group),
		cmocka_unit_test(test_flow_policy_protocol_filter_any_tcp_udp_icmp),
		cmocka_unit_test(test_flow_policy_icmp_rule_takes_protocol_58_for_ipv6_only),
		cmocka_unit_test(
			test_flow_policy_ports_lists_and_ranges_match_tcp_udp_server_port_only),
		cmocka_unit_test(
			test_flow_policy_app_filter_unidentified_flow_matches_any_rules_only),
		cmocka_unit_test(
			test_flow_policy_mode_first_overriding_group_in_document_order_wins),
		cmocka_unit_test(
			test_flow_policy_from_to_group_is_first_user_group_in_document_order),
		cmocka_unit_test(test_flow_policy_require_tls_follows_the_matching_rule),
		cmocka_unit_test(test_flow_policy_dlp_bindings_resolve_to_sensor_indexes),
		cmocka_unit_test(
			test_flow_policy_unknown_or_disabled_sensor_refused_with_exact_message),
		cmocka_unit_test(test_flow_policy_sensor_set_is_shared_by_reference),
		cmocka_unit_test(test_flow_policy_snapshot_does_not_refer_to_its_inputs),
		cmocka_unit_test(test_flow_policy_memsize_counts_block_and_group_table),
		cmocka_unit_test(test_snapshot_reclaim_waits_for_worker_quiescent_state),
		cmocka_unit_test(test_snapshot_reclaim_frees_in_order_only_passed_grace_periods),
		cmocka_unit_test(test_snapshot_publish_waits_when_grace_periods_pile_up),
		cmocka_unit_test(test_snapshot_sensor_set_waits_for_the_worker_holding_it),
		cmocka_unit_test(test_flow_policy_agrees_with_policy_match_on_random_policies),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
