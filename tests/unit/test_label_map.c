/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the Kubernetes label map (control/label_map.c): put and get round trip,
 * selector filtering with every operator, patch add/replace/remove, generations, the exact
 * message of each refusal and that a refused request changes nothing, the bounds, and IPv6
 * normalisation.
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

#include "label_map.h"

#define NOW 1700000000u

static int
put(struct label_map *m, const char *text, const char *source, uint64_t now, char *err,
    size_t errlen)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	int rc;

	if (body == NULL)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	rc = label_map_put_json(m, body, source, now, err, errlen);
	json_decref(body);
	return rc;
}

static int
patch(struct label_map *m, const char *text, const char *source, uint64_t now, char *err,
      size_t errlen)
{
	json_error_t jerr;
	json_t *body = json_loads(text, JSON_ALLOW_NUL | JSON_DECODE_ANY, &jerr);
	int rc;

	if (body == NULL)
		fail_msg("bad test JSON %s: %s", text, jerr.text);
	rc = label_map_patch_json(m, body, source, now, err, errlen);
	json_decref(body);
	return rc;
}

static void
put_ok(struct label_map *m, const char *text)
{
	char err[512];

	assert_int_equal(put(m, text, "api", NOW, err, sizeof(err)), 0);
	assert_string_equal(err, "");
}

/* label_map_get_json as compact text; the caller frees it. */
static char *
get(const struct label_map *m, const char *selector)
{
	char err[512];
	json_t *j = label_map_get_json(m, selector, err, sizeof(err));
	char *s;

	if (j == NULL)
		fail_msg("get \"%s\": %s", selector, err);
	s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static void
assert_get(const struct label_map *m, const char *selector, const char *expected)
{
	char *s = get(m, selector);

	assert_string_equal(s, expected);
	free(s);
}

/* The IPs get returns for selector, joined by ' '. */
static void
assert_ips(const struct label_map *m, const char *selector, const char *expected)
{
	char err[512], out[1024] = "";
	json_t *j = label_map_get_json(m, selector, err, sizeof(err));
	json_t *e;
	size_t i;

	if (j == NULL)
		fail_msg("get \"%s\": %s", selector, err);
	json_array_foreach(json_object_get(j, "entries"), i, e) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, json_string_value(json_object_get(e, "ip")));
	}
	json_decref(j);
	assert_string_equal(out, expected);
}

struct refusal {
	const char *body;
	int rc;
	const char *message;
};

/* Each request is refused with rc and message, and the map (generation 5) stays as it was. */
static void
assert_refused(struct label_map *m, bool is_patch, const struct refusal *r)
{
	char err[1024];
	char *before = get(m, NULL), *after;
	uint64_t gen = label_map_generation(m);
	uint32_t count = label_map_count(m);
	int rc;

	rc = is_patch ? patch(m, r->body, "api", NOW + 1, err, sizeof(err)) :
			put(m, r->body, "api", NOW + 1, err, sizeof(err));
	if (rc != r->rc || strcmp(err, r->message) != 0)
		fail_msg("%s: got %d \"%s\", expected %d \"%s\"", r->body, rc, err, r->rc,
			 r->message);
	assert_int_equal(label_map_generation(m), gen);
	assert_int_equal(label_map_count(m), count);
	after = get(m, NULL);
	assert_string_equal(after, before);
	free(before);
	free(after);
}

static struct label_map *
sample_map(void)
{
	struct label_map *m = label_map_create(65536);

	assert_non_null(m);
	put_ok(m, "{\"generation\": 5, \"entries\": ["
	       "{\"ip\": \"10.0.0.2\", \"labels\": {\"app\": \"web\", \"tier\": \"front\"}},"
	       "{\"ip\": \"fd00::1\", \"labels\": {\"app\": \"db\", \"tier\": \"back\"}},"
	       "{\"ip\": \"10.0.0.10\", \"labels\": {\"app\": \"web\"}},"
	       "{\"ip\": \"9.255.255.255\", \"labels\": {}},"
	       "{\"ip\": \"::1\", \"labels\": {\"example.com/team\": \"payments\","
	       " \"app\": \"cache\", \"tier\": \"\"}}]}");
	return m;
}

static void
test_label_map_create_refuses_zero_capacity(void **state)
{
	(void)state;
	errno = 0;
	assert_null(label_map_create(0));
	assert_int_equal(errno, EINVAL);
	label_map_free(NULL);
}

static void
test_label_map_new_map_is_empty_at_generation_0(void **state)
{
	struct label_map *m = label_map_create(4);

	(void)state;
	assert_int_equal(label_map_generation(m), 0);
	assert_int_equal(label_map_count(m), 0);
	assert_get(m, NULL, "{\"generation\":0,\"entries\":[]}");
	label_map_free(m);
}

static void
test_label_map_put_then_get_sorts_by_ip_and_key(void **state)
{
	struct label_map *m = sample_map();
	char *all;

	(void)state;
	assert_int_equal(label_map_generation(m), 5);
	assert_int_equal(label_map_count(m), 5);
	assert_get(m, NULL, "{\"generation\":5,\"entries\":["
		   "{\"ip\":\"9.255.255.255\",\"labels\":{},\"source\":\"api\","
		   "\"updated\":1700000000},"
		   "{\"ip\":\"10.0.0.2\",\"labels\":{\"app\":\"web\",\"tier\":\"front\"},"
		   "\"source\":\"api\",\"updated\":1700000000},"
		   "{\"ip\":\"10.0.0.10\",\"labels\":{\"app\":\"web\"},\"source\":\"api\","
		   "\"updated\":1700000000},"
		   "{\"ip\":\"::1\",\"labels\":{\"app\":\"cache\",\"example.com/team\":"
		   "\"payments\",\"tier\":\"\"},\"source\":\"api\",\"updated\":1700000000},"
		   "{\"ip\":\"fd00::1\",\"labels\":{\"app\":\"db\",\"tier\":\"back\"},"
		   "\"source\":\"api\",\"updated\":1700000000}]}");
	all = get(m, NULL);
	assert_get(m, "", all);
	free(all);
	label_map_free(m);
}

static void
test_label_map_put_replaces_whole_map(void **state)
{
	struct label_map *m = sample_map();
	char err[256];

	(void)state;
	assert_int_equal(put(m, "{\"generation\": 9, \"entries\": [{\"ip\": \"10.0.0.7\","
			     " \"labels\": {\"a\": \"b\"}}]}", "label-sync", 42, err, sizeof(err)),
			 0);
	assert_get(m, NULL, "{\"generation\":9,\"entries\":[{\"ip\":\"10.0.0.7\",\"labels\":"
		   "{\"a\":\"b\"},\"source\":\"label-sync\",\"updated\":42}]}");
	assert_int_equal(put(m, "{\"generation\": 10, \"entries\": []}", "api", 43, err,
			     sizeof(err)), 0);
	assert_int_equal(label_map_count(m), 0);
	assert_get(m, NULL, "{\"generation\":10,\"entries\":[]}");
	label_map_free(m);
}

static void
test_label_map_get_filters_by_selector(void **state)
{
	struct label_map *m = sample_map();

	(void)state;
	assert_ips(m, NULL, "9.255.255.255 10.0.0.2 10.0.0.10 ::1 fd00::1");
	assert_ips(m, "", "9.255.255.255 10.0.0.2 10.0.0.10 ::1 fd00::1");
	assert_ips(m, "app=web", "10.0.0.2 10.0.0.10");
	assert_ips(m, "app==db", "fd00::1");
	assert_ips(m, "app!=web", "9.255.255.255 ::1 fd00::1");
	assert_ips(m, "tier in (front, back)", "10.0.0.2 fd00::1");
	assert_ips(m, "tier notin (front)", "9.255.255.255 10.0.0.10 ::1 fd00::1");
	assert_ips(m, "tier", "10.0.0.2 ::1 fd00::1");
	assert_ips(m, "!tier", "9.255.255.255 10.0.0.10");
	assert_ips(m, "tier=", "::1");
	assert_ips(m, "example.com/team=payments,app=cache", "::1");
	assert_ips(m, "app=web,tier", "10.0.0.2");
	assert_ips(m, "app=nothing", "");
	label_map_free(m);
}

static void
test_label_map_get_bad_selector_returns_null_with_parser_message(void **state)
{
	struct label_map *m = sample_map();
	char err[512];

	(void)state;
	assert_null(label_map_get_json(m, "app=web,,tier", err, sizeof(err)));
	assert_string_equal(err, "selector \"app=web,,tier\": column 9: empty requirement "
			    "(expected key, !key, key=value, key in (...))");
	label_map_free(m);
}

struct collected {
	char ips[512];
	size_t calls;
};

static void
collect(void *cookie, const uint8_t ip[16], int family)
{
	struct collected *c = cookie;
	char buf[INET6_ADDRSTRLEN];
	static const uint8_t zero[12];

	if (family == AF_INET)
		assert_memory_equal(ip + 4, zero, 12);
	assert_non_null(inet_ntop(family, ip, buf, sizeof(buf)));
	if (c->calls++ > 0)
		strcat(c->ips, " ");
	strcat(c->ips, buf);
}

static void
test_label_map_select_calls_fn_for_each_matching_ip(void **state)
{
	struct label_map *m = sample_map();
	struct collected c = { "", 0 };
	struct selector *s;
	char err[256];

	(void)state;
	s = selector_parse("app in (web,db)", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(label_map_select(m, s, collect, &c), 3);
	assert_int_equal(c.calls, 3);
	assert_string_equal(c.ips, "10.0.0.2 10.0.0.10 fd00::1");
	assert_int_equal(label_map_select(m, s, NULL, NULL), 3);
	selector_free(s);
	assert_int_equal(label_map_select(m, NULL, collect, &c), 0);
	assert_int_equal(c.calls, 3);
	label_map_free(m);
}

static void
test_label_map_patch_adds_replaces_and_removes(void **state)
{
	struct label_map *m = sample_map();
	char err[256];

	(void)state;
	assert_int_equal(patch(m, "{\"generation\": 6, \"add\": ["
			       "{\"ip\": \"10.0.0.2\", \"labels\": {\"app\": \"api\"}},"
			       "{\"ip\": \"10.0.0.3\", \"labels\": {\"app\": \"new\"}}],"
			       " \"remove\": [\"fd00::1\", \"9.255.255.255\"]}",
			       "label-sync", 77, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(label_map_generation(m), 6);
	assert_int_equal(label_map_count(m), 4);
	assert_get(m, NULL, "{\"generation\":6,\"entries\":["
		   "{\"ip\":\"10.0.0.2\",\"labels\":{\"app\":\"api\"},\"source\":\"label-sync\","
		   "\"updated\":77},"
		   "{\"ip\":\"10.0.0.3\",\"labels\":{\"app\":\"new\"},\"source\":\"label-sync\","
		   "\"updated\":77},"
		   "{\"ip\":\"10.0.0.10\",\"labels\":{\"app\":\"web\"},\"source\":\"api\","
		   "\"updated\":1700000000},"
		   "{\"ip\":\"::1\",\"labels\":{\"app\":\"cache\",\"example.com/team\":"
		   "\"payments\",\"tier\":\"\"},\"source\":\"api\",\"updated\":1700000000}]}");

	/* Only a generation: nothing changes but the generation. */
	assert_int_equal(patch(m, "{\"generation\": 7}", "api", 78, err, sizeof(err)), 0);
	assert_int_equal(label_map_generation(m), 7);
	assert_int_equal(label_map_count(m), 4);

	/* Remove everything. */
	assert_int_equal(patch(m, "{\"generation\": 8, \"remove\": [\"10.0.0.2\", \"10.0.0.3\","
			       " \"10.0.0.10\", \"::1\"]}", "api", 79, err, sizeof(err)), 0);
	assert_get(m, NULL, "{\"generation\":8,\"entries\":[]}");
	label_map_free(m);
}

static void
test_label_map_stale_generation_is_refused(void **state)
{
	static const struct refusal put_stale[] = {
		{ "{\"generation\": 5, \"entries\": []}", -ESTALE,
		  "/generation: 5 is stale (expected greater than the current generation 5)" },
		{ "{\"generation\": 4, \"entries\": []}", -ESTALE,
		  "/generation: 4 is stale (expected greater than the current generation 5)" },
	};
	static const struct refusal patch_stale[] = {
		{ "{\"generation\": 5, \"remove\": [\"::1\"]}", -ESTALE,
		  "/generation: 5 is stale (expected greater than the current generation 5)" },
		{ "{\"generation\": 1, \"add\": [{\"ip\": \"1.1.1.1\", \"labels\": {}}]}",
		  -ESTALE,
		  "/generation: 1 is stale (expected greater than the current generation 5)" },
	};
	struct label_map *m = sample_map();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(put_stale) / sizeof(put_stale[0]); i++)
		assert_refused(m, false, &put_stale[i]);
	for (i = 0; i < sizeof(patch_stale) / sizeof(patch_stale[0]); i++)
		assert_refused(m, true, &patch_stale[i]);
	label_map_free(m);
}

#define E_KEY	"(expected [k8s:][prefix/]name: prefix a DNS subdomain of at most 253 " \
		"characters, " \
		"name 1 to 63 letters, digits, '-', '_' or '.' starting and ending with a " \
		"letter or digit)"
#define E_VALUE	"(expected empty, or 1 to 63 letters, digits, '-', '_' or '.' starting " \
		"and ending with a letter or digit)"
#define E_IP	"(expected an IPv4 address such as 10.1.2.3 or an IPv6 address such as fd00::1)"
#define ENTRY(ip, labels) "{\"ip\": \"" ip "\", \"labels\": " labels "}"
#define PUT(entries) "{\"generation\": 6, \"entries\": [" entries "]}"
#define NAME64 "a123456789012345678901234567890123456789012345678901234567890123"

static void
test_label_map_refused_put_leaves_map_unchanged(void **state)
{
	static const struct refusal cases[] = {
		{ "[]", -EINVAL, "body: wrong type array (expected an object)" },
		{ "{\"generation\": 6, \"entries\": [], \"extra\": 1}", -EINVAL,
		  "/extra: unknown field (expected generation, entries)" },
		{ "{\"generation\": 6, \"entries\": [], \"a/b~c\": 1}", -EINVAL,
		  "/a~1b~0c: unknown field (expected generation, entries)" },
		{ "{\"entries\": []}", -EINVAL, "body: missing field \"generation\" (expected an "
		  "integer greater than the current generation)" },
		{ "{\"generation\": 6}", -EINVAL, "body: missing field \"entries\" (expected an "
		  "array of {ip, labels} objects)" },
		{ "{\"generation\": \"6\", \"entries\": []}", -EINVAL,
		  "/generation: wrong type string (expected an integer)" },
		{ "{\"generation\": 6.0, \"entries\": []}", -EINVAL,
		  "/generation: wrong type real (expected an integer)" },
		{ "{\"generation\": 0, \"entries\": []}", -EINVAL,
		  "/generation: 0 is out of range (expected 1 to 9223372036854775807)" },
		{ "{\"generation\": -3, \"entries\": []}", -EINVAL,
		  "/generation: -3 is out of range (expected 1 to 9223372036854775807)" },
		{ "{\"generation\": 6, \"entries\": {}}", -EINVAL,
		  "/entries: wrong type object (expected an array of {ip, labels} objects)" },
		{ PUT(ENTRY("1.1.1.1", "{}") ", null"), -EINVAL,
		  "/entries/1: wrong type null (expected an object with ip and labels)" },
		{ PUT("{\"ip\": \"1.1.1.1\", \"labels\": {}, \"source\": \"x\"}"), -EINVAL,
		  "/entries/0/source: unknown field (expected ip, labels)" },
		{ PUT("{\"labels\": {}}"), -EINVAL,
		  "/entries/0: missing field \"ip\" (expected ip, labels)" },
		{ PUT("{\"ip\": \"1.1.1.1\"}"), -EINVAL,
		  "/entries/0: missing field \"labels\" (expected ip, labels)" },
		{ PUT("{\"ip\": 16843009, \"labels\": {}}"), -EINVAL,
		  "/entries/0/ip: wrong type integer (expected a string)" },
		{ PUT(ENTRY("1.1.1.1", "{}") "," ENTRY("10.1.2", "{}")), -EINVAL,
		  "/entries/1/ip: invalid IP address \"10.1.2\" " E_IP },
		{ PUT(ENTRY("010.1.2.3", "{}")), -EINVAL,
		  "/entries/0/ip: invalid IP address \"010.1.2.3\" " E_IP },
		{ PUT(ENTRY("fe80::1%eth0", "{}")), -EINVAL,
		  "/entries/0/ip: invalid IP address \"fe80::1%eth0\" " E_IP },
		{ PUT(ENTRY(" 1.1.1.1", "{}")), -EINVAL,
		  "/entries/0/ip: invalid IP address \" 1.1.1.1\" " E_IP },
		{ PUT(ENTRY("1.1.1.1\\u0000", "{}")), -EINVAL,
		  "/entries/0/ip: invalid IP address \"1.1.1.1\\x00\" " E_IP },
		{ PUT(ENTRY("1.1.1.1", "[]")), -EINVAL, "/entries/0/labels: wrong type array "
		  "(expected an object of label key to value)" },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": 1}")), -EINVAL,
		  "/entries/0/labels/app: wrong type integer (expected a string)" },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": null}")), -EINVAL,
		  "/entries/0/labels/app: wrong type null (expected a string)" },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"x\"}") "," ENTRY("1.1.1.2",
		  "{\"ok\": \"y\", \"app/x\": \"v!\"}")), -EINVAL,
		  "/entries/1/labels/app~1x: invalid label value \"v!\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{\"a/b/c\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/a~1b~1c: invalid label key \"a/b/c\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"Example.com/app\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/Example.com~1app: invalid label key \"Example.com/app\" "
		  E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/: invalid label key \"\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"example.com/\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/example.com~1: invalid label key \"example.com/\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"-app\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/-app: invalid label key \"-app\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"a.-b.com/app\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/a.-b.com~1app: invalid label key \"a.-b.com/app\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"" NAME64 "\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/" NAME64 ": invalid label key \"" NAME64 "\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"a\\tb\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/a\\x09b: invalid label key \"a\\x09b\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"pay ments\"}")), -EINVAL,
		  "/entries/0/labels/app: invalid label value \"pay ments\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"web-\"}")), -EINVAL,
		  "/entries/0/labels/app: invalid label value \"web-\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"a\\\"b\"}")), -EINVAL,
		  "/entries/0/labels/app: invalid label value \"a\\\"b\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"" NAME64 "\"}")), -EINVAL,
		  "/entries/0/labels/app: invalid label value \"" NAME64 "\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{\"app\": \"" NAME64 "x\"}")), -EINVAL,
		  "/entries/0/labels/app: invalid label value \"" NAME64 "...\" " E_VALUE },
		{ PUT(ENTRY("1.1.1.1", "{}") "," ENTRY("2.2.2.2", "{}") ","
		      ENTRY("1.1.1.1", "{}")), -EINVAL,
		  "/entries/2/ip: duplicate IP address 1.1.1.1 (same as /entries/0/ip)" },
	};
	struct label_map *m = sample_map();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(m, false, &cases[i]);
	label_map_free(m);
}

static void
test_label_map_refused_patch_leaves_map_unchanged(void **state)
{
	static const struct refusal cases[] = {
		{ "\"x\"", -EINVAL, "body: wrong type string (expected an object)" },
		{ "{\"generation\": 6, \"entries\": []}", -EINVAL,
		  "/entries: unknown field (expected generation, add, remove)" },
		{ "{\"add\": []}", -EINVAL, "body: missing field \"generation\" (expected an "
		  "integer greater than the current generation)" },
		{ "{\"generation\": 6, \"add\": {}}", -EINVAL,
		  "/add: wrong type object (expected an array of {ip, labels} objects)" },
		{ "{\"generation\": 6, \"remove\": \"::1\"}", -EINVAL,
		  "/remove: wrong type string (expected an array of IP addresses)" },
		{ "{\"generation\": 6, \"remove\": [\"::1\", 7]}", -EINVAL,
		  "/remove/1: wrong type integer (expected a string)" },
		{ "{\"generation\": 6, \"remove\": [\"::1\", \"::g\"]}", -EINVAL,
		  "/remove/1: invalid IP address \"::g\" " E_IP },
		{ "{\"generation\": 6, \"add\": [" ENTRY("1.1.1.1", "{\"app\": \"ok\"}") ","
		  ENTRY("1.1.1.2", "{\"app\": \"_bad\"}") "]}", -EINVAL,
		  "/add/1/labels/app: invalid label value \"_bad\" " E_VALUE },
		{ "{\"generation\": 6, \"add\": [" ENTRY("1.1.1.1", "{}") ","
		  ENTRY("1.1.1.1", "{}") "]}", -EINVAL,
		  "/add/1/ip: duplicate IP address 1.1.1.1 (same as /add/0/ip)" },
		{ "{\"generation\": 6, \"remove\": [\"::1\", \"0:0::1\"]}", -EINVAL,
		  "/remove/1: duplicate IP address ::1 (same as /remove/0)" },
		{ "{\"generation\": 6, \"add\": [" ENTRY("10.0.0.2", "{}") "], \"remove\": "
		  "[\"10.0.0.2\"]}", -EINVAL, "/remove/0: IP address 10.0.0.2 is also in "
		  "/add/0/ip (expected each IP in add or in remove, not both)" },
		{ "{\"generation\": 6, \"add\": [" ENTRY("1.2.3.4", "{}") "], \"remove\": "
		  "[\"::1\", \"10.9.9.9\"]}", -ENOENT,
		  "/remove/1: IP address 10.9.9.9 is not in the map" },
	};
	struct label_map *m = sample_map();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(m, true, &cases[i]);
	label_map_free(m);
}

static void
test_label_map_max_entries_is_enforced(void **state)
{
	static const struct refusal put_full = {
		PUT(ENTRY("1.1.1.1", "{}") "," ENTRY("1.1.1.2", "{}") "," ENTRY("1.1.1.3", "{}")),
		-ENOSPC, "/entries: 3 entries (expected at most 2)"
	};
	static const struct refusal patch_full = {
		"{\"generation\": 7, \"add\": [" ENTRY("1.1.1.3", "{}") "]}",
		-ENOSPC, "/add: the map would hold 3 entries (expected at most 2)"
	};
	struct label_map *m = label_map_create(2);
	char err[256];

	(void)state;
	put_ok(m, "{\"generation\": 5, \"entries\": [" ENTRY("1.1.1.1", "{}") ","
	       ENTRY("1.1.1.2", "{}") "]}");
	assert_refused(m, false, &put_full);
	assert_refused(m, true, &patch_full);
	/* Replacing an IP does not grow the map; removing one makes room in the same patch. */
	assert_int_equal(patch(m, "{\"generation\": 6, \"add\": [" ENTRY("1.1.1.1",
			       "{\"a\": \"b\"}") "," ENTRY("1.1.1.3", "{}") "], \"remove\": "
			       "[\"1.1.1.2\"]}", "api", NOW, err, sizeof(err)), 0);
	assert_ips(m, NULL, "1.1.1.1 1.1.1.3");
	label_map_free(m);
}

/* An entry with n labels l0..l(n-1). */
static char *
entry_with_labels(int generation, int n)
{
	char *s = malloc(64 + (size_t)n * 16);
	size_t o;
	int i;

	/* abort(), unlike assert_non_null, tells GCC (-O2 with sanitizers) s is not NULL below. */
	if (s == NULL)
		abort();
	o = (size_t)sprintf(s, "{\"generation\": %d, \"entries\": [{\"ip\": \"1.1.1.1\", "
			    "\"labels\": {", generation);
	for (i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%s\"l%d\": \"v\"", i > 0 ? ", " : "", i);
	strcpy(s + o, "}}]}");
	return s;
}

static void
test_label_map_64_labels_per_ip_is_enforced(void **state)
{
	struct label_map *m = sample_map();
	char *ok = entry_with_labels(6, 64), *big = entry_with_labels(7, 65);
	struct refusal r = { big, -E2BIG, "/entries/0/labels: 65 labels (expected at most 64)" };
	json_t *j;
	char err[256];

	(void)state;
	assert_int_equal(put(m, ok, "api", NOW, err, sizeof(err)), 0);
	assert_refused(m, false, &r);
	j = label_map_get_json(m, "l63=v,l0", err, sizeof(err));
	assert_non_null(j);
	assert_int_equal(json_object_size(json_object_get(json_array_get(
		json_object_get(j, "entries"), 0), "labels")), 64);
	json_decref(j);
	free(ok);
	free(big);
	label_map_free(m);
}

static void
test_label_map_ipv6_is_one_entry_however_written(void **state)
{
	static const struct refusal dup = {
		PUT(ENTRY("2001:db8::1", "{}") "," ENTRY("2001:0DB8:0:0:0:0:0:1", "{}")),
		-EINVAL, "/entries/1/ip: duplicate IP address 2001:db8::1 (same as /entries/0/ip)"
	};
	static const struct refusal mapped = {
		PUT(ENTRY("10.1.2.3", "{}") "," ENTRY("::ffff:10.1.2.3", "{}")),
		-EINVAL, "/entries/1/ip: duplicate IP address 10.1.2.3 (same as /entries/0/ip)"
	};
	struct label_map *m = label_map_create(16);
	char err[256];

	(void)state;
	put_ok(m, "{\"generation\": 5, \"entries\": ["
	       ENTRY("2001:0DB8:0000:0000:0000:0000:0000:0001", "{\"a\": \"1\"}") ","
	       ENTRY("::ffff:192.0.2.1", "{}") ","
	       ENTRY("fe80:0:0:0:0:0:0:0", "{}") ","
	       ENTRY("2001:db8:0:1:0:0:0:0", "{}") "]}");
	assert_ips(m, NULL, "192.0.2.1 2001:db8::1 2001:db8:0:1:: fe80::");
	assert_refused(m, false, &dup);
	assert_refused(m, false, &mapped);
	/* Patch by another spelling replaces and removes the same entry. */
	assert_int_equal(patch(m, "{\"generation\": 6, \"add\": [" ENTRY("2001:db8:0::1",
			       "{\"a\": \"2\"}") "], \"remove\": [\"FE80::0\"]}", "api", NOW,
			       err, sizeof(err)), 0);
	assert_int_equal(label_map_count(m), 3);
	assert_get(m, "a", "{\"generation\":6,\"entries\":[{\"ip\":\"2001:db8::1\",\"labels\":"
		   "{\"a\":\"2\"},\"source\":\"api\",\"updated\":1700000000}]}");
	label_map_free(m);
}

static void
test_label_map_errlen_zero_and_short_buffers_are_safe(void **state)
{
	struct label_map *m = sample_map();
	char err[8];

	(void)state;
	assert_int_equal(put(m, PUT(ENTRY("bad", "{}")), "api", NOW, NULL, 0), -EINVAL);
	assert_int_equal(put(m, PUT(ENTRY("bad", "{}")), "api", NOW, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "/entrie");
	assert_int_equal(put(m, PUT(""), NULL, NOW, err, sizeof(err)), -EINVAL);
	assert_int_equal(label_map_generation(m), 5);
	label_map_free(m);
}

#define NAME63 "a12345678901234567890123456789012345678901234567890123456789012"

static void
test_label_map_k8s_reserved_prefix_keys_are_accepted(void **state)
{
	struct label_map *m = label_map_create(16);
	char err[512];

	(void)state;
	assert_int_equal(put(m, "{\"generation\": 1, \"entries\": ["
			     "{\"ip\": \"10.0.0.1\", \"labels\": {\"k8s:namespace\": \"payments\","
			     " \"app\": \"api\", \"namespace\": \"x\"}},"
			     "{\"ip\": \"10.0.0.2\", \"labels\": {\"k8s:namespace\": \"shop\","
			     " \"k8s:example.com/team\": \"T-1\"}},"
			     "{\"ip\": \"fd00::3\", \"labels\": {\"app\": \"api\"}}]}",
			     "label-sync", NOW, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	/* Keys sort bytewise: "app" < "k8s:..." < "namespace". */
	assert_get(m, "k8s:namespace=payments", "{\"generation\":1,\"entries\":["
		   "{\"ip\":\"10.0.0.1\",\"labels\":{\"app\":\"api\",\"k8s:namespace\":"
		   "\"payments\",\"namespace\":\"x\"},\"source\":\"label-sync\","
		   "\"updated\":1700000000}]}");
	/* k8s:namespace and namespace are different keys. */
	assert_ips(m, "namespace=payments", "");
	assert_ips(m, "namespace", "10.0.0.1");
	assert_ips(m, "k8s:namespace", "10.0.0.1 10.0.0.2");
	assert_ips(m, "!k8s:namespace", "fd00::3");
	assert_ips(m, "k8s:namespace in (shop,payments)", "10.0.0.1 10.0.0.2");
	assert_ips(m, "k8s:namespace notin (shop)", "10.0.0.1 fd00::3");
	assert_ips(m, "k8s:namespace!=payments,app=api", "fd00::3");
	assert_ips(m, "k8s:example.com/team=T-1", "10.0.0.2");

	/* The name after the prefix may be 63 characters, as any name. */
	assert_int_equal(put(m, "{\"generation\": 2, \"entries\": [{\"ip\": \"10.0.0.1\","
			     " \"labels\": {\"k8s:" NAME63 "\": \"v\"}}]}", "api", NOW, err,
			     sizeof(err)), 0);
	assert_ips(m, "k8s:" NAME63 "=v", "10.0.0.1");
	assert_ips(m, "k8s:namespace", "");

	/* A patch adds them the same way. */
	assert_int_equal(patch(m, "{\"generation\": 3, \"add\": [{\"ip\": \"10.0.0.9\","
			       " \"labels\": {\"k8s:namespace\": \"payments\"}}]}", "api", NOW,
			       err, sizeof(err)), 0);
	assert_ips(m, "k8s:namespace=payments", "10.0.0.9");
	label_map_free(m);
}

/* The first 60 bytes of NAME64: "k8s:" and those fill the 64 bytes a message quotes. */
#define NAME60 "a12345678901234567890123456789012345678901234567890123456789"

static void
test_label_map_colon_outside_the_k8s_prefix_is_refused(void **state)
{
	static const struct refusal cases[] = {
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:: invalid label key \"k8s:\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"K8S:namespace\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/K8S:namespace: invalid label key \"K8S:namespace\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:a:b\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:a:b: invalid label key \"k8s:a:b\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:k8s:ns\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:k8s:ns: invalid label key \"k8s:k8s:ns\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"ns:x\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/ns:x: invalid label key \"ns:x\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\":ns\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/:ns: invalid label key \":ns\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"example.com/k8s:ns\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/example.com~1k8s:ns: invalid label key "
		  "\"example.com/k8s:ns\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:-ns\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:-ns: invalid label key \"k8s:-ns\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:/ns\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:~1ns: invalid label key \"k8s:/ns\" " E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:" NAME64 "\": \"v\"}")), -EINVAL,
		  "/entries/0/labels/k8s:" NAME60 "...: invalid label key \"k8s:" NAME60 "...\" "
		  E_KEY },
		{ PUT(ENTRY("1.1.1.1", "{\"k8s:namespace\": \"k8s:payments\"}")), -EINVAL,
		  "/entries/0/labels/k8s:namespace: invalid label value \"k8s:payments\" "
		  E_VALUE },
	};
	struct label_map *m = sample_map();
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_refused(m, false, &cases[i]);
	label_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_map_create_refuses_zero_capacity),
		cmocka_unit_test(test_label_map_new_map_is_empty_at_generation_0),
		cmocka_unit_test(test_label_map_put_then_get_sorts_by_ip_and_key),
		cmocka_unit_test(test_label_map_put_replaces_whole_map),
		cmocka_unit_test(test_label_map_get_filters_by_selector),
		cmocka_unit_test(test_label_map_get_bad_selector_returns_null_with_parser_message),
		cmocka_unit_test(test_label_map_select_calls_fn_for_each_matching_ip),
		cmocka_unit_test(test_label_map_patch_adds_replaces_and_removes),
		cmocka_unit_test(test_label_map_stale_generation_is_refused),
		cmocka_unit_test(test_label_map_refused_put_leaves_map_unchanged),
		cmocka_unit_test(test_label_map_refused_patch_leaves_map_unchanged),
		cmocka_unit_test(test_label_map_max_entries_is_enforced),
		cmocka_unit_test(test_label_map_64_labels_per_ip_is_enforced),
		cmocka_unit_test(test_label_map_ipv6_is_one_entry_however_written),
		cmocka_unit_test(test_label_map_errlen_zero_and_short_buffers_are_safe),
		cmocka_unit_test(test_label_map_k8s_reserved_prefix_keys_are_accepted),
		cmocka_unit_test(test_label_map_colon_outside_the_k8s_prefix_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
