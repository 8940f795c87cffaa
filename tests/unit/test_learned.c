/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of discover mode's learned connections (control/learned.c): one record per
 * candidate rule with its flow count and first/last times, the key normalisation
 * (protocols, ports, apps), the exact JSON, the sort order, rule ids (plain, cut, cleaned
 * and made unique with a hash suffix whose expected values were computed independently),
 * the record cap and clear.
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

#include "learned.h"

#define T0 1795428000000000ull	/* 2026-11-23T10:00:00.000000+0000 */
#define SEC 1000000ull

static void
add(struct learned *l, const char *from, const char *to, uint8_t proto, uint16_t port,
    uint8_t app, uint64_t ts)
{
	struct msg_learn m;

	memset(&m, 0, sizeof(m));
	snprintf(m.from_group, sizeof(m.from_group), "%s", from);
	snprintf(m.to_group, sizeof(m.to_group), "%s", to);
	m.proto = proto;
	m.port = port;
	m.app = app;
	learned_add(l, &m, ts);
}

static char *
dump(json_t *j)
{
	static char buf[16384];
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(s);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	json_decref(j);
	return buf;
}

/* "id flows,..." of learned_json, checking that rules and observations agree. */
static char *
ids(const struct learned *l)
{
	static char buf[4096];
	json_t *j = learned_json(l), *rules, *obs;
	size_t i, o = 0;

	assert_non_null(j);
	rules = json_object_get(j, "rules");
	obs = json_object_get(j, "observations");
	assert_int_equal(json_array_size(rules), json_array_size(obs));
	buf[0] = '\0';
	for (i = 0; i < json_array_size(rules); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(rules, i), "id"));
		json_t *ob = json_array_get(obs, i);

		assert_string_equal(id, json_string_value(json_object_get(ob, "id")));
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s %d", i ? "," : "", id,
				      (int)json_integer_value(json_object_get(ob, "flows")));
	}
	json_decref(j);
	return buf;
}

static void
test_learned_create_rejects_zero_and_too_many_records(void **state)
{
	struct learned *l;

	(void)state;
	errno = 0;
	assert_null(learned_create(0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(learned_create(LEARNED_MAX_RECORDS + 1));
	assert_int_equal(errno, EINVAL);
	l = learned_create(1);
	assert_non_null(l);
	learned_free(l);
	learned_free(NULL);
}

static void
test_learned_empty_store_json_is_exact(void **state)
{
	struct learned *l = learned_create(4);

	(void)state;
	assert_int_equal(learned_count(l), 0);
	assert_string_equal(dump(learned_json(l)),
			    "{\"rules\":[],\"observations\":[],\"dropped\":0}");
	learned_free(l);
}

static void
test_learned_json_is_a_rule_per_record_with_observations(void **state)
{
	struct learned *l = learned_create(4);

	(void)state;
	add(l, "office", "external", 6, 443, POLICY_APP_TLS, T0 + 5 * SEC);
	add(l, "office", "external", 6, 443, POLICY_APP_TLS, T0);
	add(l, "office", "external", 6, 443, POLICY_APP_TLS, T0 + 3723 * SEC + 42);
	add(l, "office", "dns", 17, 53, POLICY_APP_DNS, T0 + 1);
	add(l, "lab", "any", 47, 0, POLICY_APP_ANY, T0);
	assert_int_equal(learned_count(l), 3);
	assert_string_equal(dump(learned_json(l)),
		"{\"rules\":["
		"{\"id\":\"learned-lab-any-any-0-any\",\"from\":\"lab\",\"to\":\"any\","
		"\"protocol\":\"any\",\"ports\":[],\"app\":\"any\",\"action\":\"allow\","
		"\"require_tls\":false,\"capture\":null,\"dlp\":[],"
		"\"comment\":\"learned: 1 flow, first "
		"2026-11-23T10:00:00.000000+0000, last 2026-11-23T10:00:00.000000+0000\"},"
		"{\"id\":\"learned-office-dns-udp-53-dns\",\"from\":\"office\",\"to\":\"dns\","
		"\"protocol\":\"udp\",\"ports\":[\"53\"],\"app\":\"dns\",\"action\":\"allow\","
		"\"require_tls\":false,\"capture\":null,\"dlp\":[],"
		"\"comment\":\"learned: 1 flow, first "
		"2026-11-23T10:00:00.000001+0000, last 2026-11-23T10:00:00.000001+0000\"},"
		"{\"id\":\"learned-office-external-tcp-443-tls\",\"from\":\"office\","
		"\"to\":\"external\",\"protocol\":\"tcp\",\"ports\":[\"443\"],\"app\":\"tls\","
		"\"action\":\"allow\",\"require_tls\":false,\"capture\":null,\"dlp\":[],"
		"\"comment\":\"learned: 3 "
		"flows, first 2026-11-23T10:00:00.000000+0000, last "
		"2026-11-23T11:02:03.000042+0000\"}],"
		"\"observations\":["
		"{\"id\":\"learned-lab-any-any-0-any\",\"flows\":1,"
		"\"first_seen\":\"2026-11-23T10:00:00.000000+0000\","
		"\"last_seen\":\"2026-11-23T10:00:00.000000+0000\"},"
		"{\"id\":\"learned-office-dns-udp-53-dns\",\"flows\":1,"
		"\"first_seen\":\"2026-11-23T10:00:00.000001+0000\","
		"\"last_seen\":\"2026-11-23T10:00:00.000001+0000\"},"
		"{\"id\":\"learned-office-external-tcp-443-tls\",\"flows\":3,"
		"\"first_seen\":\"2026-11-23T10:00:00.000000+0000\","
		"\"last_seen\":\"2026-11-23T11:02:03.000042+0000\"}],"
		"\"dropped\":0}");
	learned_free(l);
}

static void
test_learned_counts_each_key_field_apart(void **state)
{
	struct learned *l = learned_create(16);

	(void)state;
	add(l, "a", "b", 6, 80, POLICY_APP_HTTP, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_HTTP, T0);
	add(l, "c", "b", 6, 80, POLICY_APP_HTTP, T0);	/* from */
	add(l, "a", "c", 6, 80, POLICY_APP_HTTP, T0);	/* to */
	add(l, "a", "b", 17, 80, POLICY_APP_HTTP, T0);	/* protocol */
	add(l, "a", "b", 6, 81, POLICY_APP_HTTP, T0);	/* port */
	add(l, "a", "b", 6, 80, POLICY_APP_ANY, T0);	/* app */
	add(l, "a", "b", 6, 80, POLICY_APP_HTTP, T0);
	assert_int_equal(learned_count(l), 6);
	assert_string_equal(ids(l),
			    "learned-a-b-tcp-80-any 1,learned-a-b-tcp-80-http 3,"
			    "learned-a-b-tcp-81-http 1,learned-a-b-udp-80-http 1,"
			    "learned-a-c-tcp-80-http 1,learned-c-b-tcp-80-http 1");
	learned_free(l);
}

static void
test_learned_normalises_protocols_ports_and_apps_as_rules_match(void **state)
{
	struct learned *l = learned_create(16);

	(void)state;
	add(l, "a", "b", 1, 0, POLICY_APP_ANY, T0);
	add(l, "a", "b", 58, 0, POLICY_APP_ANY, T0);	/* a rule's icmp covers ICMPv6 */
	add(l, "a", "b", 1, 8, POLICY_APP_ANY, T0);	/* no port outside tcp and udp */
	add(l, "a", "b", 47, 0, POLICY_APP_ANY, T0);
	add(l, "a", "b", 50, 0, POLICY_APP_ANY, T0);	/* other protocols: any */
	add(l, "a", "b", 132, 9, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 0, POLICY_APP_ANY, T0);	/* tcp without a port: no ports */
	add(l, "a", "b", 6, 25, 9, T0);			/* unknown app: any */
	add(l, "a", "b", 6, 25, POLICY_APP_ANY, T0);
	assert_string_equal(ids(l),
			    "learned-a-b-any-0-any 3,learned-a-b-icmp-0-any 3,"
			    "learned-a-b-tcp-0-any 1,learned-a-b-tcp-25-any 2");
	learned_free(l);
}

static void
test_learned_tcp_without_port_has_empty_ports(void **state)
{
	struct learned *l = learned_create(4);
	json_t *j, *r;

	(void)state;
	add(l, "a", "b", 6, 0, POLICY_APP_ANY, T0);
	j = learned_json(l);
	r = json_array_get(json_object_get(j, "rules"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "protocol")), "tcp");
	assert_int_equal(json_array_size(json_object_get(r, "ports")), 0);
	json_decref(j);
	learned_free(l);
}

static void
test_learned_sorts_by_from_to_protocol_port_then_app(void **state)
{
	struct learned *l = learned_create(32);

	(void)state;
	add(l, "b", "a", 6, 80, POLICY_APP_ANY, T0);
	add(l, "a", "z", 6, 80, POLICY_APP_ANY, T0);
	add(l, "a", "b", 17, 53, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 8080, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 443, POLICY_APP_TLS, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_SMTP, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_HTTP, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_DNS, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_TLS, T0);
	add(l, "a", "b", 6, 80, POLICY_APP_ANY, T0);
	add(l, "a", "b", 1, 0, POLICY_APP_ANY, T0);
	add(l, "a", "b", 99, 0, POLICY_APP_ANY, T0);
	add(l, "a-x", "b", 6, 80, POLICY_APP_ANY, T0);
	/* protocol and app by name, port by number */
	assert_string_equal(ids(l),
			    "learned-a-b-any-0-any 1,learned-a-b-icmp-0-any 1,"
			    "learned-a-b-tcp-80-any 1,learned-a-b-tcp-80-dns 1,"
			    "learned-a-b-tcp-80-http 1,learned-a-b-tcp-80-smtp 1,"
			    "learned-a-b-tcp-80-tls 1,learned-a-b-tcp-443-tls 1,"
			    "learned-a-b-tcp-8080-any 1,learned-a-b-udp-53-any 1,"
			    "learned-a-z-tcp-80-any 1,learned-a-x-b-tcp-80-any 1,"
			    "learned-b-a-tcp-80-any 1");
	learned_free(l);
}

static void
test_learned_id_of_63_characters_stays_plain_and_longer_is_cut_with_hash(void **state)
{
	struct learned *l = learned_create(8);
	char f21[22], t21[22], g31[32], h31[32];

	(void)state;
	memset(f21, 'f', 21);
	f21[21] = '\0';
	memset(t21, 't', 21);
	t21[21] = '\0';
	memset(g31, 'g', 31);
	g31[31] = '\0';
	memset(h31, 'h', 31);
	h31[31] = '\0';
	add(l, f21, t21, 6, 443, POLICY_APP_ANY, T0);	/* 63 characters */
	add(l, f21, t21, 6, 4430, POLICY_APP_ANY, T0);	/* 64 */
	add(l, g31, h31, 6, 443, POLICY_APP_TLS, T0);	/* 83 */
	assert_string_equal(ids(l),
			    "learned-fffffffffffffffffffff-ttttttttttttttttttttt-tcp-443-any 1,"
			    "learned-fffffffffffffffffffff-ttttttttttttttttttttt-tc-9f5eadc2 1,"
			    "learned-ggggggggggggggggggggggggggggggg-hhhhhhhhhhhhhh-61d03170 1");
	learned_free(l);
}

static void
test_learned_ids_that_read_the_same_get_distinct_hashes(void **state)
{
	struct learned *l = learned_create(8);

	(void)state;
	add(l, "a-b", "c", 6, 22, POLICY_APP_ANY, T0);
	add(l, "a", "b-c", 6, 22, POLICY_APP_ANY, T0);
	add(l, "a", "b-c", 6, 22, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 22, POLICY_APP_ANY, T0);
	assert_string_equal(ids(l),
			    "learned-a-b-tcp-22-any 1,learned-a-b-c-tcp-22-any-a973e9da 2,"
			    "learned-a-b-c-tcp-22-any-a9442716 1");
	learned_free(l);
}

static void
test_learned_id_bad_characters_become_underscore_with_hash(void **state)
{
	struct learned *l = learned_create(8);
	json_t *j, *r;

	(void)state;
	add(l, "web.1", "db", 6, 5432, POLICY_APP_ANY, T0);
	add(l, "web\n1", "db", 6, 5432, POLICY_APP_ANY, T0);
	assert_string_equal(ids(l),
			    "learned-web_1-db-tcp-5432-any-c33dd569 1,"
			    "learned-web_1-db-tcp-5432-any-6a76b93c 1");
	/* the group names themselves are kept, control bytes shown as '?' */
	j = learned_json(l);
	r = json_object_get(j, "rules");
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "from")),
			    "web.1");
	assert_string_equal(json_string_value(json_object_get(json_array_get(r, 1), "from")),
			    "web?1");
	json_decref(j);
	learned_free(l);
}

static void
test_learned_new_keys_past_the_cap_are_dropped_and_counted(void **state)
{
	struct learned *l = learned_create(2);
	json_t *j;

	(void)state;
	add(l, "a", "b", 6, 1, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 2, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 3, POLICY_APP_ANY, T0);	/* dropped */
	add(l, "a", "b", 6, 3, POLICY_APP_ANY, T0);	/* dropped */
	add(l, "a", "b", 6, 1, POLICY_APP_ANY, T0 + SEC);	/* known: counted */
	assert_int_equal(learned_count(l), 2);
	assert_string_equal(ids(l), "learned-a-b-tcp-1-any 2,learned-a-b-tcp-2-any 1");
	j = learned_json(l);
	assert_int_equal(json_integer_value(json_object_get(j, "dropped")), 2);
	json_decref(j);
	learned_free(l);
}

static void
test_learned_clear_forgets_records_and_dropped(void **state)
{
	struct learned *l = learned_create(1);

	(void)state;
	add(l, "a", "b", 6, 1, POLICY_APP_ANY, T0);
	add(l, "a", "b", 6, 2, POLICY_APP_ANY, T0);
	learned_clear(l);
	assert_int_equal(learned_count(l), 0);
	assert_string_equal(dump(learned_json(l)),
			    "{\"rules\":[],\"observations\":[],\"dropped\":0}");
	add(l, "a", "b", 6, 2, POLICY_APP_ANY, T0 + SEC);
	add(l, "a", "b", 6, 2, POLICY_APP_ANY, T0 + 2 * SEC);
	assert_int_equal(learned_count(l), 1);
	assert_string_equal(ids(l), "learned-a-b-tcp-2-any 2");
	learned_free(l);
}

static void
test_learned_many_records_fill_the_cap_exactly(void **state)
{
	struct learned *l = learned_create(5000);
	json_t *j;
	uint32_t i;

	(void)state;
	for (i = 0; i < 6000; i++)
		add(l, "a", "b", 6, (uint16_t)(i + 1), POLICY_APP_ANY, T0);
	for (i = 0; i < 6000; i++)
		add(l, "a", "b", 6, (uint16_t)(i + 1), POLICY_APP_ANY, T0);
	assert_int_equal(learned_count(l), 5000);
	j = learned_json(l);
	assert_int_equal(json_array_size(json_object_get(j, "rules")), 5000);
	assert_int_equal(json_integer_value(json_object_get(j, "dropped")), 2000);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "observations"), 4999), "id")), "learned-a-b-tcp-5000-any");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
		json_object_get(j, "observations"), 4999), "flows")), 2);
	json_decref(j);
	learned_free(l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learned_create_rejects_zero_and_too_many_records),
		cmocka_unit_test(test_learned_empty_store_json_is_exact),
		cmocka_unit_test(test_learned_json_is_a_rule_per_record_with_observations),
		cmocka_unit_test(test_learned_counts_each_key_field_apart),
		cmocka_unit_test(test_learned_normalises_protocols_ports_and_apps_as_rules_match),
		cmocka_unit_test(test_learned_tcp_without_port_has_empty_ports),
		cmocka_unit_test(test_learned_sorts_by_from_to_protocol_port_then_app),
		cmocka_unit_test(
			test_learned_id_of_63_characters_stays_plain_and_longer_is_cut_with_hash),
		cmocka_unit_test(test_learned_ids_that_read_the_same_get_distinct_hashes),
		cmocka_unit_test(test_learned_id_bad_characters_become_underscore_with_hash),
		cmocka_unit_test(test_learned_new_keys_past_the_cap_are_dropped_and_counted),
		cmocka_unit_test(test_learned_clear_forgets_records_and_dropped),
		cmocka_unit_test(test_learned_many_records_fill_the_cap_exactly),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
