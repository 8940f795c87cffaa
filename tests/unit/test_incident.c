/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The incident store (control/incident.c) and the breach report (control/incident_report.c)
 * fed with hand-made dlp messages: grouping by destination group, rule and window; distinct
 * values and records per category; the caps (incidents, values, time line) and the lower
 * bounds they cause; actions; HTML escaping of names that come from traffic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "incident.h"
#include "incident_report.h"

#define S 1000000ull

static struct msg g_m;

static const struct config_incidents g_conf = { .window_us = 60 * S, .max = 4,
						.max_values = 100 };

/* A finding at t_us to group `to` under `rule`, from 10.0.0.1:40000 to 192.0.2.<host>:443. */
static struct msg *
finding(uint64_t t_us, const char *to, const char *rule, uint8_t host)
{
	struct msg *m = &g_m;

	memset(m, 0, sizeof(*m));
	m->type = MSG_DLP;
	m->has_flow = 1;
	m->ts_us = t_us;
	m->dir = FLOW_TOSERVER;
	m->flow.key.family = 4;
	m->flow.key.proto = IPPROTO_TCP;
	m->flow.key.addr[0][0] = 10;
	m->flow.key.addr[0][3] = 1;
	m->flow.key.addr[1][0] = 192;
	m->flow.key.addr[1][2] = 2;
	m->flow.key.addr[1][3] = host;
	m->flow.key.port[0] = 40000;
	m->flow.key.port[1] = 443;
	m->flow.client = 0;
	m->flow.flow_id = 1000 + host;
	m->flow.mode = POLICY_MODE_MONITOR;
	snprintf(m->flow.to_group, sizeof(m->flow.to_group), "%s", to);
	snprintf(m->flow.from_group, sizeof(m->flow.from_group), "pods");
	snprintf(m->dlp.rule, sizeof(m->dlp.rule), "%s", rule);
	return m;
}

static void
match(struct msg *m, const char *sensor, const char *category, uint64_t hash)
{
	struct dlp_match *x = &m->dlp.m[m->dlp.n++];

	snprintf(x->sensor, sizeof(x->sensor), "%s", sensor);
	snprintf(x->category, sizeof(x->category), "%s", category);
	x->hash = hash;
	m->dlp.total++;
}

static const struct incident_category *
cat(const struct incident *inc, const char *name)
{
	uint32_t i;

	for (i = 0; i < inc->ncat; i++)
		if (strcmp(inc->cat[i].name, name) == 0)
			return &inc->cat[i];
	fail_msg("no category %s", name);
	return NULL;
}

static void
test_incident_findings_group_by_destination_rule_and_window(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 0);
	struct msg *m;

	(void)state;
	assert_non_null(st);
	m = finding(100 * S, "partners", "r1", 7);
	match(m, "credit_card", "financial", 11);
	incident_store_add(st, m, NULL);
	m = finding(150 * S, "partners", "r1", 8);	/* within 60 s of the last */
	match(m, "email", "contact", 21);
	incident_store_add(st, m, NULL);
	m = finding(160 * S, "partners", "r2", 8);	/* another rule */
	match(m, "email", "contact", 21);
	incident_store_add(st, m, NULL);
	m = finding(155 * S, "crm", "r1", 8);		/* another group */
	match(m, "email", "contact", 21);
	incident_store_add(st, m, NULL);
	m = finding(211 * S, "partners", "r1", 7);	/* 61 s after the last of r1 */
	match(m, "credit_card", "financial", 11);
	incident_store_add(st, m, NULL);
	m = finding(100 * S, "partners", "x", 7);	/* other messages are ignored */
	m->type = MSG_ALERT;
	incident_store_add(st, m, NULL);

	assert_int_equal(incident_store_count(st), 4);
	assert_int_equal(incident_store_at(st, 0)->id, 1);
	assert_int_equal(incident_store_at(st, 0)->findings, 2);
	assert_int_equal(incident_store_at(st, 0)->first_us, 100 * S);
	assert_int_equal(incident_store_at(st, 0)->last_us, 150 * S);
	assert_int_equal(incident_store_at(st, 0)->ndest, 2);
	assert_string_equal(incident_store_at(st, 1)->rule, "r2");
	assert_string_equal(incident_store_at(st, 2)->to_group, "crm");
	assert_int_equal(incident_store_at(st, 3)->first_us, 211 * S);
	assert_int_equal(incident_store_clock(st), 211 * S);
	assert_null(incident_store_get(st, 5));
	assert_ptr_equal(incident_store_get(st, 3), incident_store_at(st, 2));
	incident_store_free(st);
}

/* Distinct hashes per category are the data subjects, matches the records; what an event
 * could not list goes to the crossing sensor's category, or to no category. */
static void
test_incident_counts_distinct_values_and_records_per_category(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 1);
	const struct incident *inc;
	struct msg *m;

	(void)state;
	m = finding(10 * S, "p", "r", 1);
	m->dlp.crossing = 1;
	snprintf(m->dlp.sensor, sizeof(m->dlp.sensor), "credit_card");
	snprintf(m->dlp.category, sizeof(m->dlp.category), "financial");
	match(m, "credit_card", "financial", 1);
	match(m, "credit_card", "financial", 2);
	match(m, "credit_card", "financial", 1);	/* the same card again */
	m->dlp.total += 4;				/* four more, not listed */
	m->dlp.blocked = 1;
	incident_store_add(st, m, NULL);
	m = finding(11 * S, "p", "r", 2);
	match(m, "iban", "financial", 1);		/* same hash, same category: one value */
	match(m, "email", "contact", 1);		/* same hash, other category: counted */
	match(m, "email", "contact", 0);		/* a zero hash is a value like any other */
	m->dlp.total += 2;
	m->flow.key.proto = IPPROTO_UDP;
	incident_store_add(st, m, NULL);
	inc = incident_store_at(st, 0);
	assert_int_equal(cat(inc, "financial")->values.n, 2);
	assert_int_equal(cat(inc, "financial")->records, 3 + 4 + 1);
	assert_int_equal(cat(inc, "contact")->values.n, 2);
	assert_int_equal(cat(inc, "contact")->records, 2);
	assert_int_equal(inc->unlisted, 2);
	assert_int_equal(inc->records, 7 + 5);
	assert_int_equal(incident_subjects(inc), 4);
	assert_int_equal(cat(inc, "financial")->nsensors, 2);
	/* blocked TCP with inline ports: also reset; the UDP one allowed */
	assert_int_equal(inc->actions[INCIDENT_BLOCKED], 1);
	assert_int_equal(inc->actions[INCIDENT_RESET], 1);
	assert_int_equal(inc->actions[INCIDENT_ALLOWED], 1);
	assert_int_equal(inc->tl[0].reset, 1);
	assert_int_equal(inc->flows.n, 2);
	assert_false(inc->capped);
	incident_store_free(st);
}

/* incidents.max: the incident whose last finding is the oldest goes, counted. */
static void
test_incident_store_drops_the_least_recent_when_full(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 0);
	char rule[8];
	unsigned int i;

	(void)state;
	for (i = 0; i < 4; i++) {
		snprintf(rule, sizeof(rule), "r%u", i);
		incident_store_add(st, finding((10 + i) * S, "p", rule, 1), NULL);
	}
	incident_store_add(st, finding(20 * S, "p", "r0", 1), NULL);	/* r0 is the most recent now */
	incident_store_add(st, finding(21 * S, "p", "r9", 1), NULL);
	assert_int_equal(incident_store_count(st), 4);
	assert_int_equal(incident_store_dropped(st), 1);
	assert_null(incident_store_get(st, 2));			/* r1 went */
	assert_non_null(incident_store_get(st, 1));
	assert_int_equal(incident_store_at(st, 3)->id, 5);
	incident_store_free(st);
}

/* incidents.max_values distinct values per incident, all categories together; past it the
 * counts stop and the report says they are lower bounds. The time line keeps the first
 * INCIDENT_TIMELINE findings. */
static void
test_incident_caps_make_lower_bounds(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 0);
	const struct incident *inc;
	json_t *r;
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 300; i++) {
		struct msg *m = finding(S + i, "p", "r", 1);

		for (k = 0; k < 2; k++)
			match(m, k ? "email" : "iban", k ? "contact" : "financial",
			      0x1000 + i * 2 + k);
		incident_store_add(st, m, NULL);
	}
	inc = incident_store_at(st, 0);
	assert_int_equal(incident_subjects(inc), 100);
	assert_int_equal(cat(inc, "financial")->records, 300);
	assert_int_equal(inc->ntl, INCIDENT_TIMELINE);
	assert_true(inc->capped);
	r = incident_report_json(st, inc, 5 * S);
	assert_true(json_is_true(json_object_get(r, "lower_bounds")));
	assert_int_equal(json_integer_value(json_object_get(r, "timeline_not_listed")), 44);
	assert_int_equal(json_integer_value(json_object_get(r, "data_subjects")), 100);
	assert_int_equal(json_array_size(json_object_get(r, "notes")), 3);
	json_decref(r);
	incident_store_free(st);
}

/* Names from traffic (an HTTP Host) and from the policy reach the page escaped. */
static void
test_incident_html_escapes_what_it_shows(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 0);
	struct msg *m = finding(10 * S, "p", "r", 1);
	json_t *r;
	size_t len;
	char *html;

	(void)state;
	m->app.kind = APP_META_HTTP;
	snprintf(m->app.http.hostname, sizeof(m->app.http.hostname), "<script>x</script>&\"'");
	match(m, "email", "c<b>", 5);
	incident_store_add(st, m, NULL);
	r = incident_report_json(st, incident_store_at(st, 0), 11 * S);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(r, "destinations"), 0), "fqdn")), "<script>x</script>&\"'");
	html = incident_report_html(r, &len);
	assert_non_null(html);
	assert_int_equal(strlen(html), len);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "<b>"));
	assert_non_null(strstr(html, "&lt;script&gt;x&lt;/script&gt;&amp;&quot;&#39;"));
	assert_non_null(strstr(html, "data-category=\"c&lt;b&gt;\""));
	assert_non_null(strstr(html, "<td class=\"n figure\" id=\"data-subjects\">1</td>"));
	free(html);
	json_decref(r);
	incident_store_free(st);
}

/* Findings' automatic captures: listed once each with the findings that carry them, on
 * their time line entries, past INCIDENT_CAPTURES counted; the page links them. */
static void
test_incident_lists_the_findings_captures(void **state)
{
	struct incident_store *st = incident_store_create(&g_conf, NULL, 0);
	const struct incident *inc;
	json_t *r, *caps, *tl;
	char id[INCIDENT_CAPTURE_ID_LEN], *html;
	unsigned int i;
	size_t len;

	(void)state;
	for (i = 0; i < INCIDENT_CAPTURES + 4; i++) {
		struct msg *m = finding(S + i, "p", "r", 1);

		match(m, "email", "contact", i);
		snprintf(id, sizeof(id), "dlp-%u", i);
		/* the first capture twice, the second finding none */
		incident_store_add(st, m, i == 1 ? NULL : i == 2 ? "dlp-0" : id);
	}
	inc = incident_store_at(st, 0);
	assert_int_equal(inc->ncap, INCIDENT_CAPTURES);
	assert_int_equal(inc->caps_unlisted, 2);
	assert_false(inc->capped);
	r = incident_report_json(st, inc, 5 * S);
	caps = json_object_get(r, "captures");
	assert_int_equal(json_array_size(caps), INCIDENT_CAPTURES);
	assert_string_equal(json_string_value(json_object_get(json_array_get(caps, 0), "id")),
			    "dlp-0");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(caps, 0),
							    "findings")), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(caps, 1), "url")),
			    "/v1/captures/dlp-3");
	assert_int_equal(json_integer_value(json_object_get(r, "captures_not_listed")), 2);
	tl = json_object_get(r, "timeline");
	assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 0),
							      "capture")), "dlp-0");
	assert_true(json_is_null(json_object_get(json_array_get(tl, 1), "capture")));
	assert_string_equal(json_string_value(json_object_get(json_array_get(tl, 2),
							      "capture")), "dlp-0");
	assert_true(json_is_null(json_object_get(json_array_get(tl, INCIDENT_CAPTURES + 3),
						"capture")));
	/* as the API gives it: one file available, the second capture deleted since */
	json_object_set_new(json_array_get(caps, 0), "files", json_pack("[{s:s, s:s, s:i, s:i}]",
		"name", "dlp-0_00001.pcap", "url", "/v1/captures/dlp-0/files/1", "size", 1234,
		"packets", 7));
	json_object_set_new(json_array_get(caps, 1), "available", json_false());
	html = incident_report_html(r, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "<td><a href=\"/v1/captures/dlp-0\">dlp-0</a></td>"
				     "<td class=\"n\">2</td><td><a href=\"/v1/captures/dlp-0/"
				     "files/1\">dlp-0_00001.pcap</a> (7 packets, 1234 bytes)"));
	assert_non_null(strstr(html, ">dlp-3</a></td><td class=\"n\">1</td><td>deleted since"));
	assert_non_null(strstr(html, "2 findings had captures not listed."));
	free(html);
	json_decref(r);
	incident_store_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incident_findings_group_by_destination_rule_and_window),
		cmocka_unit_test(test_incident_counts_distinct_values_and_records_per_category),
		cmocka_unit_test(test_incident_store_drops_the_least_recent_when_full),
		cmocka_unit_test(test_incident_caps_make_lower_bounds),
		cmocka_unit_test(test_incident_html_escapes_what_it_shows),
		cmocka_unit_test(test_incident_lists_the_findings_captures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
