/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the recent-events ring (control/event_ring.c): order, the cap and its
 * counter, filters, paging by cursor while events arrive, and every bad parameter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "event_ring.h"

struct params {
	const char *kv[8][2];
};

static const char *
get(void *ctx, const char *name)
{
	struct params *p = ctx;
	unsigned int i;

	for (i = 0; i < 8 && p->kv[i][0] != NULL; i++)
		if (strcmp(p->kv[i][0], name) == 0)
			return p->kv[i][1];
	return NULL;
}

static void
add(struct event_ring *r, const char *type, int flow_id)
{
	struct eve_info info = { .type = type, .has_flow_id = 1, .flow_id = (uint64_t)flow_id };
	char line[128];
	int len = snprintf(line, sizeof(line), "{\"event_type\":\"%s\",\"flow_id\":%d}", type,
			   flow_id);

	event_ring_add(r, &info, line, (size_t)len);
}

static json_t *
query(struct event_ring *r, struct params *p)
{
	char param[32], err[256];
	json_t *out = event_ring_query(r, get, p, param, sizeof(param), err, sizeof(err));

	assert_non_null(out);
	return out;
}

static int
flow_id_at(json_t *out, size_t i)
{
	return (int)json_integer_value(json_object_get(json_array_get(json_object_get(out,
		"events"), i), "flow_id"));
}

static void
test_event_ring_keeps_order_and_drops_the_oldest_past_the_cap(void **state)
{
	struct event_ring *r = event_ring_create(3);
	struct params p = { { { NULL } } };
	json_t *out;
	int i;

	(void)state;
	for (i = 1; i <= 5; i++)
		add(r, "flow", i);
	out = query(r, &p);
	assert_int_equal(json_array_size(json_object_get(out, "events")), 3);
	assert_int_equal(flow_id_at(out, 0), 3);
	assert_int_equal(flow_id_at(out, 2), 5);
	assert_int_equal(json_integer_value(json_object_get(out, "dropped")), 2);
	assert_true(json_is_null(json_object_get(out, "next_cursor")));
	assert_int_equal(event_ring_dropped(r), 2);
	json_decref(out);
	event_ring_free(r);
}

static void
test_event_ring_filters_by_type_and_flow_id(void **state)
{
	struct event_ring *r = event_ring_create(16);
	struct params p = { { { "event_type", "alert" } } };
	struct params q = { { { "flow_id", "7" }, { "event_type", "dlp" } } };
	json_t *out;

	(void)state;
	add(r, "flow", 1);
	add(r, "alert", 2);
	add(r, "dlp", 7);
	add(r, "alert", 7);
	add(r, "dlp", 8);
	out = query(r, &p);
	assert_int_equal(json_integer_value(json_object_get(out, "returned")), 2);
	assert_int_equal(flow_id_at(out, 0), 2);
	assert_int_equal(flow_id_at(out, 1), 7);
	json_decref(out);
	out = query(r, &q);
	assert_int_equal(json_integer_value(json_object_get(out, "returned")), 1);
	assert_int_equal(flow_id_at(out, 0), 7);
	json_decref(out);
	event_ring_free(r);
}

static void
test_event_ring_pages_by_cursor_while_events_arrive(void **state)
{
	struct event_ring *r = event_ring_create(100);
	struct params p = { { { "limit", "2" } } };
	const char *cur;
	char c[24];
	json_t *out;
	int i;

	(void)state;
	for (i = 1; i <= 3; i++)
		add(r, "flow", i);
	out = query(r, &p);
	assert_int_equal(flow_id_at(out, 0), 1);
	assert_int_equal(flow_id_at(out, 1), 2);
	cur = json_string_value(json_object_get(out, "next_cursor"));
	assert_string_equal(cur, "2");
	snprintf(c, sizeof(c), "%s", cur);
	json_decref(out);
	add(r, "flow", 4);
	p.kv[1][0] = "cursor";
	p.kv[1][1] = c;
	out = query(r, &p);
	assert_int_equal(json_integer_value(json_object_get(out, "returned")), 2);
	assert_int_equal(flow_id_at(out, 0), 3);
	assert_int_equal(flow_id_at(out, 1), 4);
	assert_true(json_is_null(json_object_get(out, "next_cursor")));
	json_decref(out);
	event_ring_free(r);
}

static void
test_event_ring_refuses_bad_parameters_naming_them(void **state)
{
	static const char *const bad[][3] = {
		{ "event_type", "flows", "event_type: \"flows\" is not an event type (expected "
		  "flow, alert, dlp, anomaly, http, smtp, tls or dns)" },
		{ "flow_id", "-1", "flow_id: \"-1\" is not a flow id (expected an integer)" },
		{ "limit", "0", "limit: \"0\" is out of range (expected 1..1000)" },
		{ "limit", "1001", "limit: \"1001\" is out of range (expected 1..1000)" },
		{ "cursor", "x", "cursor: \"x\" is not a cursor (expected a next_cursor value)" },
	};
	struct event_ring *r = event_ring_create(4);
	char param[32], err[256];
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct params p = { { { bad[i][0], bad[i][1] } } };

		assert_null(event_ring_query(r, get, &p, param, sizeof(param), err, sizeof(err)));
		assert_string_equal(param, bad[i][0]);
		assert_string_equal(err, bad[i][2]);
	}
	event_ring_free(r);
}

static void
test_event_ring_create_refuses_zero(void **state)
{
	(void)state;
	assert_null(event_ring_create(0));
	event_ring_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_event_ring_keeps_order_and_drops_the_oldest_past_the_cap),
		cmocka_unit_test(test_event_ring_filters_by_type_and_flow_id),
		cmocka_unit_test(test_event_ring_pages_by_cursor_while_events_arrive),
		cmocka_unit_test(test_event_ring_refuses_bad_parameters_naming_them),
		cmocka_unit_test(test_event_ring_create_refuses_zero),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
