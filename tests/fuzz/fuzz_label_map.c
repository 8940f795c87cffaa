/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the label map's REST bodies (control/label_map.h), PUT and PATCH of
 * /v1/labels, parsed as api_request_json does.
 *
 * Input:  byte 0   bits 0-1 the map's max_entries (1, 4, 64, 10000); bit 2 PATCH (after a
 *                  PUT of two entries at generation 5), else PUT on an empty map
 *         then the body (JSON text).
 *
 * Checks, aborting on failure (label_map.h):
 *   - a refusal returns one of the documented codes with a one-line message (for -EINVAL
 *     it names a JSON pointer into the body or "body") and leaves the map exactly as it
 *     was (label_map_get_json equal before and after, same generation and count);
 *   - an accepted write stores the body's generation, and the map holds what the body
 *     says: after PUT exactly its entries, after PATCH every added IP with exactly the
 *     labels given and no removed IP (IPs compared as addresses, an IPv4-mapped IPv6
 *     address being its IPv4 address); at most max_entries;
 *   - the export lists entries in address order (IPv4 first) with source and time of the
 *     write, and round trips: its entries PUT into a new map export the same;
 *   - filtering by a few selectors keeps a subsequence of the entries whose size
 *     label_map_select counts.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "fuzz_common.h"
#include "label_map.h"
#include "selector.h"

#define NOW 1700000000u

static const char base_body[] =
	"{\"generation\": 5, \"entries\": ["
	"{\"ip\": \"10.0.0.1\", \"labels\": {\"app\": \"web\"}},"
	"{\"ip\": \"2001:db8::1\", \"labels\": {\"app\": \"db\", \"k8s:namespace\": \"prod\"}}]}";

static const char *const selectors[] = {
	"app", "!app", "app=web", "k8s:namespace in (prod,dev)", "tier notin (x),app!=db",
};

/* ip as 17 bytes (family, then 16 address bytes; IPv4-mapped IPv6 is IPv4), or false. */
static FUZZ_NOCOV bool
norm_ip(const char *s, uint8_t out[17])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t a[16];

	memset(out, 0, 17);
	if (inet_pton(AF_INET, s, a) == 1) {
		out[0] = 4;
		memcpy(out + 1, a, 4);
		return true;
	}
	if (inet_pton(AF_INET6, s, a) != 1)
		return false;
	if (memcmp(a, mapped, 12) == 0) {
		out[0] = 4;
		memcpy(out + 1, a + 12, 4);
	} else {
		out[0] = 6;
		memcpy(out + 1, a, 16);
	}
	return true;
}

/* The entry of the export exp whose ip is ip, or NULL. */
static FUZZ_NOCOV const json_t *
find(const json_t *exp, const uint8_t ip[17])
{
	const json_t *e;
	size_t i;
	uint8_t k[17];

	json_array_foreach(json_object_get(exp, "entries"), i, e) {
		FUZZ_CHECK(norm_ip(json_string_value(json_object_get(e, "ip")), k));
		if (memcmp(k, ip, 17) == 0)
			return e;
	}
	return NULL;
}

static FUZZ_NOCOV json_t *
get(const struct label_map *m, const char *sel)
{
	char err[512];
	json_t *j = label_map_get_json(m, sel, err, sizeof(err));

	FUZZ_CHECK(j != NULL);
	return j;
}

/* Export shape, order, source and time; every entry of an accepted body's add list. */
static FUZZ_NOCOV void
check_export(const json_t *exp, const struct label_map *m, uint32_t max_entries)
{
	const json_t *e, *entries = json_object_get(exp, "entries");
	uint8_t prev[17], cur[17];
	size_t i;

	FUZZ_CHECK(json_integer_value(json_object_get(exp, "generation")) ==
		   (json_int_t)label_map_generation(m));
	FUZZ_CHECK(json_array_size(entries) == label_map_count(m));
	FUZZ_CHECK(label_map_count(m) <= max_entries);
	json_array_foreach(entries, i, e) {
		const char *ip = json_string_value(json_object_get(e, "ip"));
		const char *key, *last = NULL;
		json_t *v;

		FUZZ_CHECK(ip != NULL && norm_ip(ip, cur));
		FUZZ_CHECK(json_is_object(json_object_get(e, "labels")));
		FUZZ_CHECK(json_object_size(json_object_get(e, "labels")) <= LABEL_MAP_MAX_LABELS);
		FUZZ_CHECK(json_integer_value(json_object_get(e, "updated")) == NOW ||
			   json_integer_value(json_object_get(e, "updated")) == NOW - 1);
		FUZZ_CHECK(json_is_string(json_object_get(e, "source")));
		if (i > 0)
			FUZZ_CHECK(memcmp(prev, cur, 17) < 0);
		memcpy(prev, cur, 17);
		/* Labels in bytewise key order. */
		json_object_foreach(json_object_get(e, "labels"), key, v) {
			FUZZ_CHECK(json_is_string(v));
			if (last != NULL)
				FUZZ_CHECK(strcmp(last, key) < 0);
			last = key;
		}
	}
}

/* The entries of an export as a PUT body at generation gen (a new reference). */
static FUZZ_NOCOV json_t *
as_put(const json_t *exp, json_int_t gen)
{
	json_t *entries = json_array(), *e;
	size_t i;

	json_array_foreach(json_object_get(exp, "entries"), i, e)
		json_array_append_new(entries, json_pack("{s:O, s:O}", "ip",
							 json_object_get(e, "ip"), "labels",
							 json_object_get(e, "labels")));
	return json_pack("{s:I, s:o}", "generation", gen, "entries", entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t maxes[4] = { 1, 4, 64, 10000 };
	struct label_map *m, *m2;
	json_t *body, *before, *after, *again, *put2, *e;
	json_error_t jerr;
	bool patch;
	uint32_t maxe;
	uint8_t ip[17];
	char err[1024];
	size_t i, k;
	int rc;

	if (size < 1)
		return 0;
	maxe = maxes[data[0] & 3];
	patch = (data[0] >> 2) & 1;
	body = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES |
			  JSON_DECODE_ANY, &jerr);
	if (body == NULL)
		return 0;
	m = label_map_create(maxe);
	FUZZ_CHECK(m != NULL);
	if (patch) {
		json_t *b = json_loads(base_body, 0, NULL);

		FUZZ_CHECK(b != NULL);
		rc = label_map_put_json(m, b, "label-sync", NOW - 1, err, sizeof(err));
		FUZZ_CHECK(rc == 0 || (rc == -ENOSPC && maxe < 2));
		json_decref(b);
	}
	before = get(m, NULL);
	memset(err, 'x', sizeof(err));
	rc = patch ? label_map_patch_json(m, body, "api", NOW, err, sizeof(err)) :
		     label_map_put_json(m, body, "api", NOW, err, sizeof(err));
	FUZZ_CHECK(strnlen(err, sizeof(err)) < sizeof(err));
	if (rc != 0) {
		FUZZ_CHECK(rc == -EINVAL || rc == -E2BIG || rc == -ENOSPC || rc == -ESTALE ||
			   (patch && rc == -ENOENT));
		FUZZ_CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
		if (rc == -EINVAL)
			FUZZ_CHECK(err[0] == '/' || strncmp(err, "body", 4) == 0);
		after = get(m, NULL);
		FUZZ_CHECK(json_equal(before, after));
		json_decref(after);
		goto out;
	}
	FUZZ_CHECK(err[0] == '\0');
	FUZZ_CHECK((json_int_t)label_map_generation(m) ==
		   json_integer_value(json_object_get(body, "generation")));
	after = get(m, NULL);
	check_export(after, m, maxe);

	/* The map holds what the body says. */
	json_array_foreach(json_object_get(body, patch ? "add" : "entries"), i, e) {
		const json_t *got;

		FUZZ_CHECK(norm_ip(json_string_value(json_object_get(e, "ip")), ip));
		got = find(after, ip);
		FUZZ_CHECK(got != NULL);
		FUZZ_CHECK(json_equal(json_object_get(got, "labels"),
				      json_object_get(e, "labels")));
		FUZZ_CHECK(strcmp(json_string_value(json_object_get(got, "source")), "api") == 0);
	}
	if (!patch)
		FUZZ_CHECK(label_map_count(m) ==
			   json_array_size(json_object_get(body, "entries")));
	json_array_foreach(json_object_get(body, "remove"), i, e) {
		FUZZ_CHECK(norm_ip(json_string_value(e), ip));
		FUZZ_CHECK(find(after, ip) == NULL);
	}

	/* Round trip through a new map. */
	m2 = label_map_create(maxe);
	put2 = as_put(after, (json_int_t)label_map_generation(m));
	rc = label_map_put_json(m2, put2, "api", NOW, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "the export does not PUT back: %s\n", err);
	FUZZ_CHECK(rc == 0);
	again = get(m2, NULL);
	FUZZ_CHECK(label_map_generation(m2) == label_map_generation(m));
	/* Same entries; the time and source of the new map's entries are all this write's. */
	FUZZ_CHECK(json_array_size(json_object_get(again, "entries")) ==
		   json_array_size(json_object_get(after, "entries")));
	json_array_foreach(json_object_get(after, "entries"), i, e) {
		const json_t *a = json_array_get(json_object_get(again, "entries"), i);

		FUZZ_CHECK(json_equal(json_object_get(a, "ip"), json_object_get(e, "ip")));
		FUZZ_CHECK(json_equal(json_object_get(a, "labels"), json_object_get(e, "labels")));
	}

	/* Filters keep a subsequence, counted by label_map_select. */
	for (k = 0; k < sizeof(selectors) / sizeof(selectors[0]); k++) {
		json_t *f = get(m, selectors[k]);
		struct selector *s = selector_parse(selectors[k], NULL, 0);
		size_t j = 0;

		FUZZ_CHECK(s != NULL);
		FUZZ_CHECK(label_map_select(m, s, NULL, NULL) ==
			   json_array_size(json_object_get(f, "entries")));
		json_array_foreach(json_object_get(f, "entries"), i, e) {
			while (j < json_array_size(json_object_get(after, "entries")) &&
			       !json_equal(json_array_get(json_object_get(after, "entries"), j), e))
				j++;
			FUZZ_CHECK(j < json_array_size(json_object_get(after, "entries")));
			j++;
		}
		selector_free(s);
		json_decref(f);
	}
	json_decref(again);
	json_decref(put2);
	label_map_free(m2);
	json_decref(after);
out:
	json_decref(before);
	json_decref(body);
	label_map_free(m);
	return 0;
}
