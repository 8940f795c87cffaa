/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the flow list (control/flow_list.c): insert, update and end, sequence
 * order, the exact JSON of an entry, every filter, paging with a cursor while the list
 * changes between pages, the active and ended caps with their counters, and the exact
 * message of every bad query parameter.
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
#include <sys/socket.h>

#include <cmocka.h>

#include "flow_list.h"

#define T0 1795428000000000ull	/* 2026-11-23T10:00:00.000000+0000 */

/* ---- helpers ---- */

/*
 * A flow from client c:cport to server s:sport. The client goes on key side 1 when the
 * client address sorts after the server's, as flow_key_make would put it, so both sides
 * are exercised.
 */
static struct msg_flow
mk(uint64_t id, const char *c, uint16_t cport, const char *s, uint16_t sport, uint8_t proto)
{
	struct msg_flow f;
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	int fam = strchr(c, ':') != NULL ? AF_INET6 : AF_INET;
	uint8_t cs;

	memset(&f, 0, sizeof(f));
	assert_int_equal(inet_pton(fam, c, a), 1);
	assert_int_equal(inet_pton(fam, s, b), 1);
	cs = memcmp(a, b, 16) > 0;
	f.key.family = fam == AF_INET ? 4 : 6;
	f.key.proto = proto;
	memcpy(f.key.addr[cs], a, 16);
	memcpy(f.key.addr[!cs], b, 16);
	f.key.port[cs] = cport;
	f.key.port[!cs] = sport;
	f.client = cs;
	f.flow_id = id;
	f.start_us = T0 + id * 1000000;
	f.state = proto == 6 ? 1 : 4;	/* established, udp */
	f.mode = POLICY_MODE_MONITOR;
	f.action = POLICY_ACTION_ALLOW;
	snprintf(f.from_group, sizeof(f.from_group), "any");
	snprintf(f.to_group, sizeof(f.to_group), "external");
	return f;
}

/* A simple TCP flow to 192.0.2.<id % 250 + 1>:443 from 10.0.0.1:(40000 + id). */
static struct msg_flow
mk_tcp(uint64_t id)
{
	char s[32];

	snprintf(s, sizeof(s), "192.0.2.%u", (unsigned int)(id % 250 + 1));
	return mk(id, "10.0.0.1", (uint16_t)(40000 + id), s, 443, 6);
}

static void
start(struct flow_list *fl, uint64_t id)
{
	struct msg_flow f = mk_tcp(id);

	flow_list_update(fl, 0, &f, f.start_us);
}

static void
end(struct flow_list *fl, uint64_t id)
{
	struct msg_flow f = mk_tcp(id);

	f.end_us = f.start_us + 5000000;
	flow_list_end(fl, 0, &f);
}

/* Query parameters: name, value pairs ended by NULL. */
struct params {
	const char *kv[32];
};

static const char *
get_param(void *ctx, const char *name)
{
	const struct params *p = ctx;
	size_t i;

	for (i = 0; p->kv[i] != NULL; i += 2)
		if (strcmp(p->kv[i], name) == 0)
			return p->kv[i + 1];
	return NULL;
}

static json_t *
vquery(const struct flow_list *fl, char *param, char *err, va_list ap)
{
	struct params p;
	const char *s;
	size_t n = 0;

	memset(&p, 0, sizeof(p));
	while ((s = va_arg(ap, const char *)) != NULL && n < 30)
		p.kv[n++] = s;
	return flow_list_query(fl, get_param, &p, param, 64, err, 512);
}

/* The query result; fails the test on a refusal. */
static json_t *
query(const struct flow_list *fl, ...)
{
	char param[64], err[512];
	va_list ap;
	json_t *j;

	va_start(ap, fl);
	j = vquery(fl, param, err, ap);
	va_end(ap);
	if (j == NULL)
		fail_msg("query refused: %s (%s)", err, param);
	return j;
}

/* "worker:flow_id,..." of a page, then "|next_cursor|returned". */
static char *
ids_of(json_t *j)
{
	static char buf[4096];
	json_t *flows = json_object_get(j, "flows"), *cur = json_object_get(j, "next_cursor");
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < json_array_size(flows); i++) {
		json_t *e = json_array_get(flows, i);

		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%d:%d", i ? "," : "",
				      (int)json_integer_value(json_object_get(e, "worker")),
				      (int)json_integer_value(json_object_get(e, "flow_id")));
	}
	snprintf(buf + o, sizeof(buf) - o, "|%s|%d", json_is_string(cur) ?
		 json_string_value(cur) : "null",
		 (int)json_integer_value(json_object_get(j, "returned")));
	json_decref(j);
	return buf;
}

/* Page ids for the parameters. */
#define IDS(fl, ...) ids_of(query((fl), __VA_ARGS__, NULL))

static char *
dump(json_t *j)
{
	static char buf[8192];
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_non_null(s);
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	json_decref(j);
	return buf;
}

/* The refusal of a query: "param|err". */
static char *
refusal(const struct flow_list *fl, ...)
{
	static char buf[700];
	char param[64], err[512];
	va_list ap;
	json_t *j;

	va_start(ap, fl);
	j = vquery(fl, param, err, ap);
	va_end(ap);
	if (j != NULL) {
		json_decref(j);
		fail_msg("query accepted");
	}
	snprintf(buf, sizeof(buf), "%s|%s", param, err);
	return buf;
}

/* ---- create ---- */

static void
test_flow_list_create_rejects_zero_active_and_too_many_entries(void **state)
{
	struct flow_list *fl;

	(void)state;
	errno = 0;
	assert_null(flow_list_create(0, 10));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(flow_list_create(FLOW_LIST_MAX_ENTRIES, 1));
	assert_int_equal(errno, EINVAL);
	fl = flow_list_create(1, 0);
	assert_non_null(fl);
	flow_list_free(fl);
	flow_list_free(NULL);
}

static void
test_flow_list_empty_list_has_no_flows_and_null_cursor(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	char param[8], err[64];

	(void)state;
	assert_string_equal(dump(query(fl, NULL)), "{\"flows\":[],\"next_cursor\":null,"
			    "\"returned\":0}");
	/* no getter at all: every parameter takes its default */
	assert_string_equal(dump(flow_list_query(fl, NULL, NULL, param, sizeof(param), err,
						 sizeof(err))),
			    "{\"flows\":[],\"next_cursor\":null,\"returned\":0}");
	assert_string_equal(param, "");
	assert_string_equal(err, "");
	flow_list_free(fl);
}

/* ---- entries ---- */

static void
test_flow_list_active_then_ended_entry_json_is_exact(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	struct msg_flow f = mk(7, "10.0.0.9", 51000, "10.0.0.2", 443, 6);

	(void)state;
	f.pkts[FLOW_TOSERVER] = 3;
	f.pkts[FLOW_TOCLIENT] = 2;
	f.bytes[FLOW_TOSERVER] = 300;
	f.bytes[FLOW_TOCLIENT] = 200;
	f.app = POLICY_APP_TLS;
	f.mode = POLICY_MODE_PROTECT;
	f.action = POLICY_ACTION_DENY;
	snprintf(f.rule, sizeof(f.rule), "block-web");
	snprintf(f.from_group, sizeof(f.from_group), "office");
	snprintf(f.to_group, sizeof(f.to_group), "web");
	assert_int_equal(f.client, 1);	/* the client is key side 1 here */
	flow_list_update(fl, 3, &f, T0 + 9000000);
	assert_string_equal(dump(query(fl, NULL)),
		"{\"flows\":[{\"flow_id\":7,\"worker\":3,\"state\":\"active\","
		"\"src_ip\":\"10.0.0.9\",\"src_port\":51000,\"dest_ip\":\"10.0.0.2\","
		"\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
		"\"start\":\"2026-11-23T10:00:07.000000+0000\",\"end\":null,"
		"\"pkts_toserver\":3,\"pkts_toclient\":2,\"bytes_toserver\":300,"
		"\"bytes_toclient\":200,\"tcp_state\":\"established\",\"rule\":\"block-web\","
		"\"from_group\":\"office\",\"to_group\":\"web\",\"mode\":\"protect\","
		"\"action\":\"deny\"}],\"next_cursor\":null,\"returned\":1}");

	f.pkts[FLOW_TOSERVER] = 10;
	f.bytes[FLOW_TOCLIENT] = 4000;
	f.state = 3;	/* closed */
	f.end_us = T0 + 12345678;
	flow_list_end(fl, 3, &f);
	assert_string_equal(dump(query(fl, NULL)),
		"{\"flows\":[{\"flow_id\":7,\"worker\":3,\"state\":\"ended\","
		"\"src_ip\":\"10.0.0.9\",\"src_port\":51000,\"dest_ip\":\"10.0.0.2\","
		"\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\","
		"\"start\":\"2026-11-23T10:00:07.000000+0000\","
		"\"end\":\"2026-11-23T10:00:12.345678+0000\","
		"\"pkts_toserver\":10,\"pkts_toclient\":2,\"bytes_toserver\":300,"
		"\"bytes_toclient\":4000,\"tcp_state\":\"closed\",\"rule\":\"block-web\","
		"\"from_group\":\"office\",\"to_group\":\"web\",\"mode\":\"protect\","
		"\"action\":\"deny\"}],\"next_cursor\":null,\"returned\":1}");
	flow_list_free(fl);
}

static void
test_flow_list_udp_ipv6_default_action_entry_has_nulls(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	struct msg_flow f = mk(1, "fd00::1", 5353, "2001:db8::53", 53, 17);

	(void)state;
	f.mode = 0;	/* no verdict yet */
	flow_list_update(fl, 0, &f, T0);
	assert_string_equal(dump(query(fl, NULL)),
		"{\"flows\":[{\"flow_id\":1,\"worker\":0,\"state\":\"active\","
		"\"src_ip\":\"fd00::1\",\"src_port\":5353,\"dest_ip\":\"2001:db8::53\","
		"\"dest_port\":53,\"proto\":\"UDP\",\"app_proto\":null,"
		"\"start\":\"2026-11-23T10:00:01.000000+0000\",\"end\":null,"
		"\"pkts_toserver\":0,\"pkts_toclient\":0,\"bytes_toserver\":0,"
		"\"bytes_toclient\":0,\"tcp_state\":null,\"rule\":null,"
		"\"from_group\":\"any\",\"to_group\":\"external\",\"mode\":null,"
		"\"action\":\"allow\"}],\"next_cursor\":null,\"returned\":1}");
	flow_list_free(fl);
}

static void
test_flow_list_other_protocol_is_named_by_number(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	struct msg_flow f = mk(1, "10.0.0.1", 0, "10.0.0.2", 0, 47);
	json_t *j;

	(void)state;
	flow_list_update(fl, 0, &f, T0);
	j = query(fl, NULL);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
		json_object_get(j, "flows"), 0), "proto")), "47");
	json_decref(j);
	flow_list_free(fl);
}

static void
test_flow_list_start_falls_back_to_message_time(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	struct msg_flow f = mk_tcp(1), g = mk_tcp(2);
	json_t *j, *flows;

	(void)state;
	f.start_us = 0;
	flow_list_update(fl, 0, &f, T0 + 500);
	g.start_us = 0;
	g.end_us = T0 + 2000000;
	flow_list_end(fl, 0, &g);
	j = query(fl, NULL);
	flows = json_object_get(j, "flows");
	assert_string_equal(json_string_value(json_object_get(json_array_get(flows, 0),
				"start")), "2026-11-23T10:00:00.000500+0000");
	assert_string_equal(json_string_value(json_object_get(json_array_get(flows, 1),
				"start")), "2026-11-23T10:00:02.000000+0000");
	json_decref(j);
	flow_list_free(fl);
}

static void
test_flow_list_update_keeps_place_and_takes_new_values(void **state)
{
	struct flow_list *fl = flow_list_create(8, 8);
	struct msg_flow f;
	json_t *j, *e;

	(void)state;
	start(fl, 1);
	start(fl, 2);
	start(fl, 3);
	f = mk_tcp(1);
	f.pkts[FLOW_TOSERVER] = 42;
	f.action = POLICY_ACTION_DENY;
	snprintf(f.rule, sizeof(f.rule), "r1");
	flow_list_update(fl, 0, &f, T0 + 99000000);
	j = query(fl, NULL);
	e = json_array_get(json_object_get(j, "flows"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "flow_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(e, "pkts_toserver")), 42);
	assert_string_equal(json_string_value(json_object_get(e, "rule")), "r1");
	assert_string_equal(json_string_value(json_object_get(e, "action")), "deny");
	assert_string_equal(json_string_value(json_object_get(e, "start")),
			    "2026-11-23T10:00:01.000000+0000");
	assert_string_equal(ids_of(j), "0:1,0:2,0:3|null|3");
	assert_int_equal(flow_list_stats(fl)->tracked, 3);
	assert_int_equal(flow_list_stats(fl)->active, 3);
	flow_list_free(fl);
}

static void
test_flow_list_end_keeps_place_and_update_after_end_is_ignored(void **state)
{
	struct flow_list *fl = flow_list_create(8, 8);
	struct msg_flow f;
	json_t *j, *e;

	(void)state;
	start(fl, 1);
	start(fl, 2);
	end(fl, 1);
	assert_string_equal(IDS(fl, "state", "ended"), "0:1|null|1");
	assert_string_equal(IDS(fl, "state", "all"), "0:1,0:2|null|2");
	f = mk_tcp(1);
	f.pkts[FLOW_TOSERVER] = 99;
	flow_list_update(fl, 0, &f, T0 + 60000000);	/* late: the end was final */
	j = query(fl, NULL);
	e = json_array_get(json_object_get(j, "flows"), 0);
	assert_string_equal(json_string_value(json_object_get(e, "state")), "ended");
	assert_int_equal(json_integer_value(json_object_get(e, "pkts_toserver")), 0);
	json_decref(j);
	assert_int_equal(flow_list_stats(fl)->active, 1);
	assert_int_equal(flow_list_stats(fl)->ended, 1);
	/* a second end takes the new values and stays ended */
	f.end_us = T0 + 70000000;
	flow_list_end(fl, 0, &f);
	j = query(fl, NULL);
	e = json_array_get(json_object_get(j, "flows"), 0);
	assert_int_equal(json_integer_value(json_object_get(e, "pkts_toserver")), 99);
	assert_string_equal(json_string_value(json_object_get(e, "end")),
			    "2026-11-23T10:01:10.000000+0000");
	json_decref(j);
	assert_int_equal(flow_list_stats(fl)->ended, 1);
	assert_int_equal(flow_list_stats(fl)->tracked, 2);
	flow_list_free(fl);
}

static void
test_flow_list_end_of_unknown_flow_inserts_it_ended_at_the_tail(void **state)
{
	struct flow_list *fl = flow_list_create(8, 8);

	(void)state;
	start(fl, 5);
	end(fl, 3);
	assert_string_equal(IDS(fl, "state", "all"), "0:5,0:3|null|2");
	assert_string_equal(IDS(fl, "state", "ended"), "0:3|null|1");
	assert_string_equal(IDS(fl, "state", "active"), "0:5|null|1");
	assert_int_equal(flow_list_stats(fl)->tracked, 2);
	flow_list_free(fl);
}

static void
test_flow_list_same_flow_id_on_two_workers_is_two_entries(void **state)
{
	struct flow_list *fl = flow_list_create(8, 8);
	struct msg_flow f = mk_tcp(1);

	(void)state;
	flow_list_update(fl, 0, &f, T0);
	flow_list_update(fl, 1, &f, T0);
	flow_list_update(fl, 0, &f, T0);
	flow_list_end(fl, 1, &f);
	assert_string_equal(IDS(fl, "state", "all"), "0:1,1:1|null|2");
	assert_string_equal(IDS(fl, "state", "ended"), "1:1|null|1");
	flow_list_free(fl);
}

/* ---- filters ---- */

/* Five flows with one distinguishing attribute each, on two workers. */
static struct flow_list *
filter_fixture(void)
{
	struct flow_list *fl = flow_list_create(16, 16);
	struct msg_flow f;

	f = mk(1, "10.0.0.1", 40001, "192.0.2.10", 443, 6);
	f.app = POLICY_APP_TLS;
	snprintf(f.rule, sizeof(f.rule), "web-out");
	snprintf(f.from_group, sizeof(f.from_group), "office");
	flow_list_update(fl, 0, &f, T0);

	f = mk(2, "10.0.0.2", 40002, "192.0.2.10", 80, 6);
	f.app = POLICY_APP_HTTP;
	snprintf(f.rule, sizeof(f.rule), "web-out");
	snprintf(f.from_group, sizeof(f.from_group), "office");
	flow_list_update(fl, 1, &f, T0);

	f = mk(3, "10.0.0.1", 53000, "10.0.0.53", 53, 17);
	f.app = POLICY_APP_DNS;
	snprintf(f.to_group, sizeof(f.to_group), "office");
	flow_list_update(fl, 0, &f, T0);

	f = mk(4, "fd00::1", 0, "fd00::2", 0, 58);
	flow_list_update(fl, 1, &f, T0);

	f = mk(5, "10.0.0.3", 0, "192.0.2.10", 0, 1);
	f.end_us = T0 + 9000000;
	flow_list_end(fl, 0, &f);
	return fl;
}

static void
test_flow_list_filters_by_state(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "state", "active"), "0:1,1:2,0:3,1:4|null|4");
	assert_string_equal(IDS(fl, "state", "ended"), "0:5|null|1");
	assert_string_equal(IDS(fl, "state", "all"), "0:1,1:2,0:3,1:4,0:5|null|5");
	assert_string_equal(IDS(fl, "state", "ENDED"), "0:5|null|1");
	flow_list_free(fl);
}

static void
test_flow_list_filters_by_client_and_server_address(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "src_ip", "10.0.0.1"), "0:1,0:3|null|2");
	assert_string_equal(IDS(fl, "dest_ip", "192.0.2.10"), "0:1,1:2,0:5|null|3");
	/* the server address of one flow is not its client address */
	assert_string_equal(IDS(fl, "src_ip", "192.0.2.10"), "|null|0");
	assert_string_equal(IDS(fl, "src_ip", "fd00::1"), "1:4|null|1");
	assert_string_equal(IDS(fl, "dest_ip", "fd00:0::2"), "1:4|null|1");
	/* another family never matches, even with equal leading bytes */
	assert_string_equal(IDS(fl, "src_ip", "::ffff:10.0.0.1"), "|null|0");
	assert_string_equal(IDS(fl, "src_ip", "10.0.0.1", "dest_ip", "10.0.0.53"),
			    "0:3|null|1");
	flow_list_free(fl);
}

static void
test_flow_list_filters_by_server_port(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "port", "443"), "0:1|null|1");
	assert_string_equal(IDS(fl, "port", "0080"), "1:2|null|1");
	/* a client port is not the flow's port */
	assert_string_equal(IDS(fl, "port", "40001"), "|null|0");
	flow_list_free(fl);
}

static void
test_flow_list_filters_by_protocol_name_or_number(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "proto", "tcp"), "0:1,1:2|null|2");
	assert_string_equal(IDS(fl, "proto", "TCP"), "0:1,1:2|null|2");
	assert_string_equal(IDS(fl, "proto", "udp"), "0:3|null|1");
	assert_string_equal(IDS(fl, "proto", "icmp"), "0:5|null|1");
	assert_string_equal(IDS(fl, "proto", "ipv6-icmp"), "1:4|null|1");
	assert_string_equal(IDS(fl, "proto", "IPv6-ICMP"), "1:4|null|1");
	assert_string_equal(IDS(fl, "proto", "17"), "0:3|null|1");
	assert_string_equal(IDS(fl, "proto", "0"), "|null|0");
	assert_string_equal(IDS(fl, "proto", "255"), "|null|0");
	flow_list_free(fl);
}

static void
test_flow_list_filters_by_app_where_any_means_not_identified(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "app", "tls"), "0:1|null|1");
	assert_string_equal(IDS(fl, "app", "http"), "1:2|null|1");
	assert_string_equal(IDS(fl, "app", "dns"), "0:3|null|1");
	assert_string_equal(IDS(fl, "app", "smtp"), "|null|0");
	assert_string_equal(IDS(fl, "app", "any"), "1:4,0:5|null|2");
	assert_string_equal(IDS(fl, "app", "Http"), "1:2|null|1");
	flow_list_free(fl);
}

static void
test_flow_list_filters_by_rule_and_group(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "rule", "web-out"), "0:1,1:2|null|2");
	assert_string_equal(IDS(fl, "rule", "web"), "|null|0");
	/* from_group or to_group */
	assert_string_equal(IDS(fl, "group", "office"), "0:1,1:2,0:3|null|3");
	assert_string_equal(IDS(fl, "group", "external"), "0:1,1:2,1:4,0:5|null|4");
	assert_string_equal(IDS(fl, "group", "any"), "0:3,1:4,0:5|null|3");
	flow_list_free(fl);
}

static void
test_flow_list_filters_combine_with_and(void **state)
{
	struct flow_list *fl = filter_fixture();

	(void)state;
	assert_string_equal(IDS(fl, "group", "office", "proto", "tcp", "port", "80"),
			    "1:2|null|1");
	assert_string_equal(IDS(fl, "state", "active", "dest_ip", "192.0.2.10"),
			    "0:1,1:2|null|2");
	assert_string_equal(IDS(fl, "state", "ended", "app", "tls"), "|null|0");
	flow_list_free(fl);
}

/* ---- paging ---- */

static void
test_flow_list_pages_with_cursor_while_flows_are_added_and_ended(void **state)
{
	struct flow_list *fl = flow_list_create(16, 16);
	uint64_t i;

	(void)state;
	for (i = 1; i <= 5; i++)
		start(fl, i);
	assert_string_equal(IDS(fl, "limit", "2"), "0:1,0:2|2|2");
	/* between pages: a new flow, an ended flow already paged past and one still ahead */
	start(fl, 6);
	end(fl, 1);
	end(fl, 4);
	assert_string_equal(IDS(fl, "limit", "2", "cursor", "2"), "0:3,0:4|4|2");
	end(fl, 3);
	start(fl, 7);
	assert_string_equal(IDS(fl, "limit", "2", "cursor", "4"), "0:5,0:6|6|2");
	assert_string_equal(IDS(fl, "limit", "2", "cursor", "6"), "0:7|null|1");
	/* the whole list once more: nothing repeated, nothing skipped */
	assert_string_equal(IDS(fl, NULL), "0:1,0:2,0:3,0:4,0:5,0:6,0:7|null|7");
	flow_list_free(fl);
}

static void
test_flow_list_pages_a_filtered_list_as_entries_stop_matching(void **state)
{
	struct flow_list *fl = flow_list_create(16, 16);
	uint64_t i;

	(void)state;
	for (i = 1; i <= 6; i++)
		start(fl, i);
	assert_string_equal(IDS(fl, "state", "active", "limit", "2"), "0:1,0:2|2|2");
	end(fl, 3);	/* no longer active: left out of the next page */
	assert_string_equal(IDS(fl, "state", "active", "limit", "2", "cursor", "2"),
			    "0:4,0:5|5|2");
	end(fl, 6);	/* the last active one ends: no more pages */
	assert_string_equal(IDS(fl, "state", "active", "limit", "2", "cursor", "5"),
			    "|null|0");
	flow_list_free(fl);
}

static void
test_flow_list_next_cursor_is_null_after_the_last_match(void **state)
{
	struct flow_list *fl = flow_list_create(16, 16);
	uint64_t i;

	(void)state;
	for (i = 1; i <= 4; i++)
		start(fl, i);
	assert_string_equal(IDS(fl, "limit", "4"), "0:1,0:2,0:3,0:4|null|4");
	assert_string_equal(IDS(fl, "limit", "2", "cursor", "2"), "0:3,0:4|null|2");
	/* a later entry that does not match does not make a next page */
	end(fl, 4);
	assert_string_equal(IDS(fl, "limit", "3", "state", "active"), "0:1,0:2,0:3|null|3");
	assert_string_equal(IDS(fl, "cursor", "4"), "|null|0");
	assert_string_equal(IDS(fl, "cursor", "18446744073709551615"), "|null|0");
	assert_string_equal(IDS(fl, "cursor", "0"), "0:1,0:2,0:3,0:4|null|4");
	flow_list_free(fl);
}

static void
test_flow_list_cursor_survives_its_entry_being_dropped(void **state)
{
	struct flow_list *fl = flow_list_create(16, 1);

	(void)state;
	start(fl, 1);
	start(fl, 2);
	start(fl, 3);
	assert_string_equal(IDS(fl, "limit", "2"), "0:1,0:2|2|2");
	end(fl, 2);
	end(fl, 1);	/* drops 2, the entry the cursor names */
	assert_string_equal(IDS(fl, "cursor", "2"), "0:3|null|1");
	assert_string_equal(IDS(fl, NULL), "0:1,0:3|null|2");
	flow_list_free(fl);
}

static void
test_flow_list_default_limit_is_100_and_max_is_1000(void **state)
{
	struct flow_list *fl = flow_list_create(1500, 0);
	json_t *j;
	uint64_t i;

	(void)state;
	for (i = 1; i <= 1200; i++)
		start(fl, i);
	j = query(fl, NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "returned")), 100);
	assert_string_equal(json_string_value(json_object_get(j, "next_cursor")), "100");
	json_decref(j);
	j = query(fl, "limit", "1000", NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "returned")), 1000);
	assert_string_equal(json_string_value(json_object_get(j, "next_cursor")), "1000");
	json_decref(j);
	j = query(fl, "limit", "1000", "cursor", "1000", NULL);
	assert_int_equal(json_integer_value(json_object_get(j, "returned")), 200);
	assert_true(json_is_null(json_object_get(j, "next_cursor")));
	json_decref(j);
	flow_list_free(fl);
}

/* ---- caps ---- */

static void
test_flow_list_flows_past_max_active_are_untracked_until_one_ends(void **state)
{
	struct flow_list *fl = flow_list_create(2, 4);
	const struct flow_list_stats *st = flow_list_stats(fl);

	(void)state;
	start(fl, 1);
	start(fl, 2);
	start(fl, 3);
	start(fl, 3);	/* still untracked: counted again */
	assert_int_equal(st->untracked, 2);
	assert_int_equal(st->tracked, 2);
	assert_int_equal(st->active, 2);
	assert_string_equal(IDS(fl, NULL), "0:1,0:2|null|2");
	end(fl, 1);
	start(fl, 4);
	assert_string_equal(IDS(fl, NULL), "0:1,0:2,0:4|null|3");
	/* an untracked flow that ends is listed with its final counters */
	end(fl, 3);
	assert_string_equal(IDS(fl, "state", "ended"), "0:1,0:3|null|2");
	assert_int_equal(st->untracked, 2);
	assert_int_equal(st->tracked, 4);
	assert_int_equal(st->active, 2);
	assert_int_equal(st->ended, 2);
	assert_int_equal(st->ended_dropped, 0);
	flow_list_free(fl);
}

static void
test_flow_list_drops_the_flow_that_ended_longest_ago(void **state)
{
	struct flow_list *fl = flow_list_create(8, 2);
	const struct flow_list_stats *st = flow_list_stats(fl);

	(void)state;
	start(fl, 1);
	start(fl, 2);
	start(fl, 3);
	end(fl, 2);
	end(fl, 1);
	end(fl, 3);	/* 2 ended first: dropped, though 1 is older */
	assert_string_equal(IDS(fl, NULL), "0:1,0:3|null|2");
	assert_int_equal(st->ended_dropped, 1);
	end(fl, 9);	/* unknown, inserted ended: drops 1 */
	assert_string_equal(IDS(fl, NULL), "0:3,0:9|null|2");
	assert_int_equal(st->ended_dropped, 2);
	assert_int_equal(st->ended, 2);
	assert_int_equal(st->active, 0);
	assert_int_equal(st->tracked, 4);
	flow_list_free(fl);
}

static void
test_flow_list_max_ended_zero_keeps_no_ended_flow(void **state)
{
	struct flow_list *fl = flow_list_create(2, 0);
	const struct flow_list_stats *st = flow_list_stats(fl);

	(void)state;
	start(fl, 1);
	start(fl, 2);
	end(fl, 1);
	end(fl, 7);
	assert_string_equal(IDS(fl, NULL), "0:2|null|1");
	assert_int_equal(st->ended_dropped, 2);
	assert_int_equal(st->ended, 0);
	assert_int_equal(st->active, 1);
	start(fl, 3);
	start(fl, 4);
	assert_string_equal(IDS(fl, NULL), "0:2,0:3|null|2");
	assert_int_equal(st->untracked, 1);
	flow_list_free(fl);
}

static void
test_flow_list_pool_is_reused_over_many_flows(void **state)
{
	struct flow_list *fl = flow_list_create(4, 3);
	const struct flow_list_stats *st = flow_list_stats(fl);
	uint64_t i;

	(void)state;
	/* flow i starts, and flow i - 2 ends: two active at a time */
	for (i = 1; i <= 10000; i++) {
		start(fl, i);
		if (i > 2)
			end(fl, i - 2);
	}
	assert_string_equal(IDS(fl, NULL), "0:9996,0:9997,0:9998,0:9999,0:10000|null|5");
	assert_string_equal(IDS(fl, "state", "active"), "0:9999,0:10000|null|2");
	assert_int_equal(st->tracked, 10000);
	assert_int_equal(st->untracked, 0);
	assert_int_equal(st->ended_dropped, 9998 - 3);
	assert_int_equal(st->active, 2);
	assert_int_equal(st->ended, 3);
	flow_list_free(fl);
}

/* ---- bad parameters ---- */

static void
test_flow_list_refuses_bad_state(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "state", "open", NULL),
			    "state|state: \"open\" is not a flow state (expected active, ended "
			    "or all)");
	assert_string_equal(refusal(fl, "state", "", NULL),
			    "state|state: \"\" is not a flow state (expected active, ended or "
			    "all)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_addresses(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "src_ip", "10.0.0", NULL),
			    "src_ip|src_ip: \"10.0.0\" is not an IP address (expected an IPv4 "
			    "address such as 10.1.2.3 or an IPv6 address such as fd00::1)");
	assert_string_equal(refusal(fl, "dest_ip", "10.0.0.0/8", NULL),
			    "dest_ip|dest_ip: \"10.0.0.0/8\" is not an IP address (expected an "
			    "IPv4 address such as 10.1.2.3 or an IPv6 address such as fd00::1)");
	assert_string_equal(refusal(fl, "dest_ip", "fd00::1%eth0", NULL),
			    "dest_ip|dest_ip: \"fd00::1%eth0\" is not an IP address (expected "
			    "an IPv4 address such as 10.1.2.3 or an IPv6 address such as "
			    "fd00::1)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_port(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "port", "0", NULL),
			    "port|port: 0 is out of range (expected 1..65535)");
	assert_string_equal(refusal(fl, "port", "65536", NULL),
			    "port|port: 65536 is out of range (expected 1..65535)");
	assert_string_equal(refusal(fl, "port", "-443", NULL),
			    "port|port: -443 is out of range (expected 1..65535)");
	assert_string_equal(refusal(fl, "port", "https", NULL),
			    "port|port: \"https\" is not a number (expected 1..65535)");
	assert_string_equal(refusal(fl, "port", "+443", NULL),
			    "port|port: \"+443\" is not a number (expected 1..65535)");
	assert_string_equal(refusal(fl, "port", " 443", NULL),
			    "port|port: \" 443\" is not a number (expected 1..65535)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_proto(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "proto", "256", NULL),
			    "proto|proto: 256 is out of range (expected tcp, udp, icmp, "
			    "ipv6-icmp or a number 0..255)");
	assert_string_equal(refusal(fl, "proto", "sctp", NULL),
			    "proto|proto: \"sctp\" is not a protocol (expected tcp, udp, icmp, "
			    "ipv6-icmp or a number 0..255)");
	assert_string_equal(refusal(fl, "proto", "any", NULL),
			    "proto|proto: \"any\" is not a protocol (expected tcp, udp, icmp, "
			    "ipv6-icmp or a number 0..255)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_app(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "app", "ftp", NULL),
			    "app|app: \"ftp\" is not an application (expected any, http, tls, "
			    "dns or smtp)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_rule_and_group(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	char rule64[65], group32[33];

	(void)state;
	memset(rule64, 'r', 64);
	rule64[64] = '\0';
	memset(group32, 'g', 32);
	group32[32] = '\0';
	assert_string_equal(refusal(fl, "rule", "", NULL),
			    "rule|rule: \"\" is not a rule id (expected 1 to 63 characters of "
			    "A-Z, a-z, 0-9, _ and -)");
	assert_string_equal(refusal(fl, "rule", "a b", NULL),
			    "rule|rule: \"a b\" is not a rule id (expected 1 to 63 characters of "
			    "A-Z, a-z, 0-9, _ and -)");
	assert_string_equal(refusal(fl, "rule", rule64, NULL),
			    "rule|rule: \"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"
			    "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\" "
			    "is not a rule id (expected 1 to 63 characters of A-Z, a-z, 0-9, _ "
			    "and -)");
	rule64[63] = '\0';
	assert_string_equal(IDS(fl, "rule", rule64), "|null|0");
	assert_string_equal(refusal(fl, "group", "", NULL),
			    "group|group: \"\" is not a group name (expected 1 to 31 characters "
			    "of a-z, 0-9, _ and -)");
	assert_string_equal(refusal(fl, "group", "Office", NULL),
			    "group|group: \"Office\" is not a group name (expected 1 to 31 "
			    "characters of a-z, 0-9, _ and -)");
	assert_string_equal(refusal(fl, "group", group32, NULL),
			    "group|group: \"gggggggggggggggggggggggggggggggg\" is not a group "
			    "name (expected 1 to 31 characters of a-z, 0-9, _ and -)");
	group32[31] = '\0';
	assert_string_equal(IDS(fl, "group", group32), "|null|0");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_limit(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "limit", "0", NULL),
			    "limit|limit: 0 is out of range (expected 1..1000)");
	assert_string_equal(refusal(fl, "limit", "1001", NULL),
			    "limit|limit: 1001 is out of range (expected 1..1000)");
	assert_string_equal(refusal(fl, "limit", "-1", NULL),
			    "limit|limit: -1 is out of range (expected 1..1000)");
	assert_string_equal(refusal(fl, "limit", "99999999999999999999999", NULL),
			    "limit|limit: 99999999999999999999999 is out of range (expected "
			    "1..1000)");
	assert_string_equal(refusal(fl, "limit", "ten", NULL),
			    "limit|limit: \"ten\" is not a number (expected 1..1000)");
	assert_string_equal(refusal(fl, "limit", "", NULL),
			    "limit|limit: \"\" is not a number (expected 1..1000)");
	assert_string_equal(refusal(fl, "limit", "1.5", NULL),
			    "limit|limit: \"1.5\" is not a number (expected 1..1000)");
	flow_list_free(fl);
}

static void
test_flow_list_refuses_bad_cursor(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);

	(void)state;
	assert_string_equal(refusal(fl, "cursor", "abc", NULL),
			    "cursor|cursor: \"abc\" is not a cursor (expected the next_cursor of "
			    "a previous page)");
	assert_string_equal(refusal(fl, "cursor", "", NULL),
			    "cursor|cursor: \"\" is not a cursor (expected the next_cursor of a "
			    "previous page)");
	assert_string_equal(refusal(fl, "cursor", "-1", NULL),
			    "cursor|cursor: \"-1\" is not a cursor (expected the next_cursor of "
			    "a previous page)");
	assert_string_equal(refusal(fl, "cursor", "18446744073709551616", NULL),
			    "cursor|cursor: \"18446744073709551616\" is not a cursor (expected "
			    "the next_cursor of a previous page)");
	flow_list_free(fl);
}

static void
test_flow_list_message_quotes_escapes_and_cuts_the_value(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	char longv[101];

	(void)state;
	memset(longv, 'x', 100);
	longv[100] = '\0';
	assert_string_equal(refusal(fl, "app", "a\"b\\c\n\xff", NULL),
			    "app|app: \"a\\\"b\\\\c\\x0a\\xff\" is not an application (expected "
			    "any, http, tls, dns or smtp)");
	assert_string_equal(refusal(fl, "app", longv, NULL),
			    "app|app: \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			    "...\" is not an application (expected any, http, tls, dns or smtp)");
	flow_list_free(fl);
}

static void
test_flow_list_reports_the_first_bad_parameter_in_order(void **state)
{
	struct flow_list *fl = flow_list_create(4, 4);
	char param[8], err[24];
	struct params p = { { "limit", "0", NULL } };

	(void)state;
	assert_string_equal(refusal(fl, "cursor", "x", "limit", "0", "state", "x", NULL),
			    "state|state: \"x\" is not a flow state (expected active, ended or "
			    "all)");
	assert_string_equal(refusal(fl, "cursor", "x", "limit", "0", NULL),
			    "limit|limit: 0 is out of range (expected 1..1000)");
	/* short buffers: cut, still terminated */
	assert_null(flow_list_query(fl, get_param, &p, param, 4, err, sizeof(err)));
	assert_string_equal(param, "lim");
	assert_string_equal(err, "limit: 0 is out of rang");
	/* no buffers at all */
	assert_null(flow_list_query(fl, get_param, &p, NULL, 0, NULL, 0));
	flow_list_free(fl);
}

/* flow_list_find: by id over every worker, active and ended; what was dropped is gone. */
static void
test_flow_list_find_returns_active_and_ended_flows_of_any_worker(void **state)
{
	struct flow_list *fl = flow_list_create(8, 2);
	struct msg_flow f = mk(77, "10.0.0.9", 40077, "198.51.100.4", 8443, 6), out;

	(void)state;
	assert_non_null(fl);
	assert_int_equal(flow_list_find(fl, 77, &out), -ENOENT);
	flow_list_update(fl, 5, &f, f.start_us);
	assert_int_equal(flow_list_find(fl, 77, &out), 0);
	assert_memory_equal(&out.key, &f.key, sizeof(f.key));
	assert_int_equal(out.flow_id, 77);
	start(fl, 1);
	end(fl, 1);
	assert_int_equal(flow_list_find(fl, 1, &out), 0);
	assert_int_equal(out.end_us, out.start_us + 5000000);
	/* Two more ended: the first ended one is dropped (max_ended 2). */
	end(fl, 2);
	end(fl, 3);
	assert_int_equal(flow_list_find(fl, 1, &out), -ENOENT);
	assert_int_equal(flow_list_find(fl, 3, &out), 0);
	flow_list_free(fl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_list_create_rejects_zero_active_and_too_many_entries),
		cmocka_unit_test(test_flow_list_find_returns_active_and_ended_flows_of_any_worker),
		cmocka_unit_test(test_flow_list_empty_list_has_no_flows_and_null_cursor),
		cmocka_unit_test(test_flow_list_active_then_ended_entry_json_is_exact),
		cmocka_unit_test(test_flow_list_udp_ipv6_default_action_entry_has_nulls),
		cmocka_unit_test(test_flow_list_other_protocol_is_named_by_number),
		cmocka_unit_test(test_flow_list_start_falls_back_to_message_time),
		cmocka_unit_test(test_flow_list_update_keeps_place_and_takes_new_values),
		cmocka_unit_test(test_flow_list_end_keeps_place_and_update_after_end_is_ignored),
		cmocka_unit_test(test_flow_list_end_of_unknown_flow_inserts_it_ended_at_the_tail),
		cmocka_unit_test(test_flow_list_same_flow_id_on_two_workers_is_two_entries),
		cmocka_unit_test(test_flow_list_filters_by_state),
		cmocka_unit_test(test_flow_list_filters_by_client_and_server_address),
		cmocka_unit_test(test_flow_list_filters_by_server_port),
		cmocka_unit_test(test_flow_list_filters_by_protocol_name_or_number),
		cmocka_unit_test(test_flow_list_filters_by_app_where_any_means_not_identified),
		cmocka_unit_test(test_flow_list_filters_by_rule_and_group),
		cmocka_unit_test(test_flow_list_filters_combine_with_and),
		cmocka_unit_test(test_flow_list_pages_with_cursor_while_flows_are_added_and_ended),
		cmocka_unit_test(test_flow_list_pages_a_filtered_list_as_entries_stop_matching),
		cmocka_unit_test(test_flow_list_next_cursor_is_null_after_the_last_match),
		cmocka_unit_test(test_flow_list_cursor_survives_its_entry_being_dropped),
		cmocka_unit_test(test_flow_list_default_limit_is_100_and_max_is_1000),
		cmocka_unit_test(test_flow_list_flows_past_max_active_are_untracked_until_one_ends),
		cmocka_unit_test(test_flow_list_drops_the_flow_that_ended_longest_ago),
		cmocka_unit_test(test_flow_list_max_ended_zero_keeps_no_ended_flow),
		cmocka_unit_test(test_flow_list_pool_is_reused_over_many_flows),
		cmocka_unit_test(test_flow_list_refuses_bad_state),
		cmocka_unit_test(test_flow_list_refuses_bad_addresses),
		cmocka_unit_test(test_flow_list_refuses_bad_port),
		cmocka_unit_test(test_flow_list_refuses_bad_proto),
		cmocka_unit_test(test_flow_list_refuses_bad_app),
		cmocka_unit_test(test_flow_list_refuses_bad_rule_and_group),
		cmocka_unit_test(test_flow_list_refuses_bad_limit),
		cmocka_unit_test(test_flow_list_refuses_bad_cursor),
		cmocka_unit_test(test_flow_list_message_quotes_escapes_and_cuts_the_value),
		cmocka_unit_test(test_flow_list_reports_the_first_bad_parameter_in_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
