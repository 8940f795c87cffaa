/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the EVE alert signatures (control/eve_sid.c) and of the alert events that
 * carry them (control/event_json.c): the documented FNV-1a values and ranges, one fixed id
 * per built-in sensor of the catalogue, ids that only depend on a name, collisions found
 * and named, and the exact alert, dlp and policy-alert objects (rule absent, never null,
 * for default deny).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "eve_sid.h"
#include "event_json.h"
#include "flow_table.h"
#include "sensor_engine.h"

static void
test_eve_sid_fnv1a_matches_the_reference_values(void **state)
{
	(void)state;
	/* the FNV-1a test vectors of draft-eastlake-fnv */
	assert_int_equal(eve_sid_fnv1a(""), 0x811c9dc5u);
	assert_int_equal(eve_sid_fnv1a("a"), 0xe40c292cu);
	assert_int_equal(eve_sid_fnv1a("foobar"), 0xbf9cf968u);
}

static void
test_eve_sid_every_builtin_sensor_has_a_fixed_id(void **state)
{
	struct sensor_def *defs = calloc(SENSOR_MAX, sizeof(*defs));
	unsigned int n, i, j;

	(void)state;
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	assert_int_equal(n, 24);
	for (i = 0; i < n; i++) {
		uint32_t sid = eve_sid_sensor(defs[i].id);

		assert_int_not_equal(eve_sid_builtin_number(defs[i].id), 0);
		assert_true(sid > EVE_SID_BUILTIN_BASE && sid < EVE_SID_BUILTIN_BASE + 1000);
		for (j = 0; j < i; j++)
			assert_int_not_equal(sid, eve_sid_sensor(defs[j].id));
	}
	/* the documented numbers (docs/events.md): first, a middle one, last */
	assert_int_equal(eve_sid_sensor("credit_card"), 8471001);
	assert_int_equal(eve_sid_sensor("email"), 8471004);
	assert_int_equal(eve_sid_sensor("jwt"), 8471024);
	free(defs);
}

static void
test_eve_sid_names_hash_into_their_ranges_outside_local_rules(void **state)
{
	char name[32];
	unsigned int i;

	(void)state;
	assert_int_equal(eve_sid_sensor("patient_id"),
			 100000000u + eve_sid_fnv1a("patient_id") % 100000000u);
	assert_int_equal(eve_sid_rule("no-cards-to-partners"),
			 200000000u + eve_sid_fnv1a("no-cards-to-partners") % 1947483647u);
	for (i = 0; i < 100000; i++) {
		uint32_t r, c;

		snprintf(name, sizeof(name), "r%u", i);
		r = eve_sid_rule(name);
		c = eve_sid_sensor(name);
		assert_true(r >= 200000000u && r <= 2147483646u);
		assert_true(c >= 100000000u && c <= 199999999u);
		assert_true(r > 1999999u && c > 1999999u);
	}
	assert_true(EVE_SID_DEFAULT_DENY > 1999999u);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Two names prefix<i> whose ids are equal, found by sorting the ids of many names. */
static void
find_collision(uint32_t (*sid)(const char *), const char *prefix, char *a, char *b,
	       size_t len)
{
	enum { N = 400000 };
	uint64_t *keys = malloc(N * sizeof(*keys));
	char name[32];
	unsigned int i;

	assert_non_null(keys);
	for (i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "%s%u", prefix, i);
		keys[i] = (uint64_t)sid(name) << 32 | i;
	}
	qsort(keys, N, sizeof(*keys), cmp_u64);
	for (i = 1; i < N; i++)
		if (keys[i] >> 32 == keys[i - 1] >> 32)
			break;
	assert_true(i < N);		/* 400000 names in 1.9e9 ids: ~40 pairs expected */
	snprintf(a, len, "%s%u", prefix, (unsigned int)(keys[i - 1] & 0xffffffffu));
	snprintf(b, len, "%s%u", prefix, (unsigned int)(keys[i] & 0xffffffffu));
	free(keys);
}

static void
test_eve_sid_collisions_are_found_and_named(void **state)
{
	struct policy *p = calloc(1, sizeof(*p));
	struct config_dlp *dlp = calloc(1, sizeof(*dlp));
	char a[32], b[32], msg[256], want[256];

	(void)state;
	snprintf(p->rules[0].id, sizeof(p->rules[0].id), "web-out");
	snprintf(p->rules[1].id, sizeof(p->rules[1].id), "mail-out");
	p->nrules = 2;
	snprintf(dlp->custom[0].name, sizeof(dlp->custom[0].name), "patient_id");
	dlp->n_custom = 1;
	assert_int_equal(eve_sid_collision(p, dlp, msg, sizeof(msg)), 0);

	find_collision(eve_sid_rule, "r", a, b, sizeof(a));
	assert_string_not_equal(a, b);
	snprintf(p->rules[2].id, sizeof(p->rules[2].id), "%s", a);
	snprintf(p->rules[3].id, sizeof(p->rules[3].id), "%s", b);
	p->nrules = 4;
	assert_int_equal(eve_sid_collision(p, NULL, msg, sizeof(msg)), 1);
	snprintf(want, sizeof(want), "rules %s and %s have the same signature id %u: rename one",
		 a, b, eve_sid_rule(a));
	assert_string_equal(msg, want);

	p->nrules = 2;
	find_collision(eve_sid_sensor, "c", a, b, sizeof(a));
	snprintf(dlp->custom[1].name, sizeof(dlp->custom[1].name), "%s", a);
	snprintf(dlp->custom[2].name, sizeof(dlp->custom[2].name), "%s", b);
	dlp->n_custom = 3;
	assert_int_equal(eve_sid_collision(p, dlp, msg, sizeof(msg)), 1);
	snprintf(want, sizeof(want), "custom sensors %s and %s have the same signature id %u: "
		 "rename one", a, b, eve_sid_sensor(a));
	assert_string_equal(msg, want);
	free(p);
	free(dlp);
}

/* A message about a TCP flow 10.0.0.1:40000 -> 192.0.2.9:80, client on key side 0. */
static struct msg *
new_msg(uint16_t type, const char *rule)
{
	struct msg *m = calloc(1, sizeof(*m));

	m->type = type;
	m->ts_us = 1790000000000000ull;
	m->has_flow = 1;
	m->flow.key.family = 4;
	m->flow.key.proto = 6;
	memcpy(m->flow.key.addr[0], (uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(m->flow.key.addr[1], (uint8_t[]){ 192, 0, 2, 9 }, 4);
	m->flow.key.port[0] = 40000;
	m->flow.key.port[1] = 80;
	m->flow.flow_id = 7;
	m->flow.client = 0;
	m->flow.mode = POLICY_MODE_PROTECT;
	snprintf(m->flow.rule, sizeof(m->flow.rule), "%s", rule);
	snprintf(m->flow.from_group, sizeof(m->flow.from_group), "clients");
	snprintf(m->flow.to_group, sizeof(m->flow.to_group), "partners");
	return m;
}

static void
assert_json(json_t *o, const char *want)
{
	char *got = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_string_equal(got, want);
	free(got);
	json_decref(o);
}

#define HDR "{\"timestamp\":\"2026-09-21T14:13:20.000000+0000\",\"flow_id\":7,"
#define ADDR "\"src_ip\":\"10.0.0.1\",\"src_port\":40000,\"dest_ip\":\"192.0.2.9\"," \
	     "\"dest_port\":80,\"proto\":\"TCP\","

static void
test_event_json_threshold_crossing_is_an_alert_with_the_dlp_object(void **state)
{
	struct msg *m = new_msg(MSG_DLP, "r1");
	struct dlp_event *d = &m->dlp;
	char want[2048];

	(void)state;
	m->dir = FLOW_TOSERVER;
	snprintf(d->rule, sizeof(d->rule), "no-cards");
	d->action = 1;
	d->blocked = 1;
	d->crossing = 1;
	d->severity = SENSOR_SEV_HIGH;
	d->threshold = 3;
	snprintf(d->sensor, sizeof(d->sensor), "credit_card");
	snprintf(d->category, sizeof(d->category), "financial");
	d->n = 1;
	d->total = 3;
	d->npaths = 1;
	snprintf(d->paths[0], sizeof(d->paths[0]), "http.body");
	snprintf(d->m[0].sensor, sizeof(d->m[0].sensor), "credit_card");
	snprintf(d->m[0].category, sizeof(d->m[0].category), "financial");
	snprintf(d->m[0].redacted, sizeof(d->m[0].redacted), "************1111");
	d->m[0].hash = 0x3f9c0a1e5d2b7c44ull;
	d->m[0].offset = 12;
	d->m[0].confidence = 2;
	snprintf(want, sizeof(want), HDR "\"event_type\":\"alert\"," ADDR
		 "\"alert\":{\"action\":\"blocked\",\"gid\":8470,\"signature_id\":8471001,"
		 "\"rev\":1,\"signature\":\"TOLLGATE DLP credit_card (financial)\","
		 "\"category\":\"Potential Corporate Privacy Violation\",\"severity\":1,"
		 "\"metadata\":{\"rule\":[\"no-cards\"],\"sensor\":[\"credit_card\"],"
		 "\"data_category\":[\"financial\"],\"threshold\":[\"3\"],\"mode\":[\"protect\"]},"
		 "\"rule\":\"no-cards\",\"reason\":\"dlp_threshold\",\"from_group\":\"clients\","
		 "\"to_group\":\"partners\",\"mode\":\"protect\"},"
		 "\"dlp\":{\"direction\":\"to_server\",\"action\":\"blocked\",\"rule_action\":"
		 "\"block\",\"rule\":\"no-cards\",\"mode\":\"protect\",\"matches\":[{\"sensor\":"
		 "\"credit_card\",\"category\":\"financial\",\"redacted\":\"************1111\","
		 "\"hash\":\"3f9c0a1e5d2b7c44\",\"offset\":12,\"confidence\":\"high\",\"path\":"
		 "\"http.body\"}],\"total\":3}}");
	assert_json(event_json_build(m), want);

	/* a secret is an information leak; a low-severity sensor is severity 3 */
	snprintf(d->sensor, sizeof(d->sensor), "private_key");
	snprintf(d->category, sizeof(d->category), "credentials");
	d->severity = SENSOR_SEV_LOW;
	{
		json_t *o = event_json_build(m), *a = json_object_get(o, "alert");

		assert_string_equal(json_string_value(json_object_get(a, "category")),
				    "Attempted Information Leak");
		assert_int_equal(json_integer_value(json_object_get(a, "severity")), 3);
		assert_int_equal(json_integer_value(json_object_get(a, "signature_id")),
				 8471023);
		json_decref(o);
	}

	/* the matches after the crossing stay a dlp event */
	d->crossing = 0;
	{
		json_t *o = event_json_build(m);

		assert_string_equal(json_string_value(json_object_get(o, "event_type")), "dlp");
		assert_null(json_object_get(o, "alert"));
		assert_non_null(json_object_get(o, "dlp"));
		json_decref(o);
	}
	free(m);
}

static void
test_event_json_policy_alerts_carry_the_rule_signature_or_none(void **state)
{
	struct msg *m = new_msg(MSG_ALERT, "r-deny-web");
	char want[2048];

	(void)state;
	m->alert.reason = MSG_ALERT_DENY;
	m->alert.blocked = 1;
	snprintf(want, sizeof(want), HDR "\"event_type\":\"alert\"," ADDR
		 "\"alert\":{\"action\":\"blocked\",\"gid\":8470,\"signature_id\":%u,\"rev\":1,"
		 "\"signature\":\"TOLLGATE POLICY rule r-deny-web\",\"category\":"
		 "\"Policy Violation\",\"severity\":2,\"metadata\":{\"rule\":[\"r-deny-web\"],"
		 "\"reason\":[\"deny\"],\"mode\":[\"protect\"]},\"rule\":\"r-deny-web\","
		 "\"reason\":\"deny\",\"from_group\":\"clients\",\"to_group\":\"partners\","
		 "\"mode\":\"protect\"}}", eve_sid_rule("r-deny-web"));
	assert_json(event_json_build(m), want);
	free(m);

	/* default deny: no rule, so no "rule" key at all (never null) */
	m = new_msg(MSG_ALERT, "");
	m->alert.reason = MSG_ALERT_DEFAULT_DENY;
	m->flow.mode = POLICY_MODE_MONITOR;
	snprintf(want, sizeof(want), HDR "\"event_type\":\"alert\"," ADDR
		 "\"alert\":{\"action\":\"allowed\",\"gid\":8470,\"signature_id\":8470001,"
		 "\"rev\":1,\"signature\":\"TOLLGATE POLICY no rule allows the flow (default "
		 "deny)\",\"category\":\"Policy Violation\",\"severity\":2,\"metadata\":"
		 "{\"reason\":[\"default_deny\"],\"mode\":[\"monitor\"]},\"reason\":"
		 "\"default_deny\",\"from_group\":\"clients\",\"to_group\":\"partners\","
		 "\"mode\":\"monitor\"}}");
	assert_json(event_json_build(m), want);
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eve_sid_fnv1a_matches_the_reference_values),
		cmocka_unit_test(test_eve_sid_every_builtin_sensor_has_a_fixed_id),
		cmocka_unit_test(test_eve_sid_names_hash_into_their_ranges_outside_local_rules),
		cmocka_unit_test(test_eve_sid_collisions_are_found_and_named),
		cmocka_unit_test(
			test_event_json_threshold_crossing_is_an_alert_with_the_dlp_object),
		cmocka_unit_test(test_event_json_policy_alerts_carry_the_rule_signature_or_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
