/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Kubernetes label map (label_map.h): IP -> labels, written as whole JSON requests.
 * Keys follow IsQualifiedName, optionally after the reserved "k8s:" prefix (selector.h), and
 * values IsValidLabelValue (k8s.io/apimachinery pkg/util/validation); field names in
 * messages are RFC 6901 JSON pointers.
 *
 * The map is an array of entries sorted by address (family, then bytes), searched by
 * bisection. A write is done in two phases so that a refusal changes nothing:
 *
 *   1. parse:  body -> new entries (each one allocation), sorted, checked against each
 *              other, the generation and the bounds; the map is only read.
 *   2. commit: one new array is allocated (the last step that can fail), then filled by
 *              merging old and new entries; replaced and removed entries are freed.
 *
 * One entry's labels, strings and source live in one block:
 *
 *   +-----------------------------+------------------------------------+--------+
 *   | struct selector_label [n]   | key\0value\0 key\0value\0 ...      | source |
 *   +-----------------------------+------------------------------------+--------+
 *
 * so selector_matches runs on it directly and freeing an entry is one free().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "label_map.h"

#define LM_QUOTE_MAX	SELECTOR_QUOTE_MAX	/* bytes of a key or value echoed in a message */
#define LM_QUOTE_BUF	(LM_QUOTE_MAX * 4 + 4)
#define LM_PTR_BUF	(80 + LM_QUOTE_BUF)
#define LM_MAX_PREFIX	253
#define LM_MAX_NAME	63

#define LM_EXPECT_KEY	"[k8s:][prefix/]name: prefix a DNS subdomain of at most 253 characters, " \
			"name 1 to 63 letters, digits, '-', '_' or '.' starting and ending " \
			"with a letter or digit"
#define LM_EXPECT_VALUE	"empty, or 1 to 63 letters, digits, '-', '_' or '.' starting and " \
			"ending with a letter or digit"
#define LM_EXPECT_IP	"an IPv4 address such as 10.1.2.3 or an IPv6 address such as fd00::1"

struct lm_entry {
	uint8_t ip[16];
	int family;
	uint32_t nlabels;
	uint64_t updated;
	struct selector_label *labels;	/* the block; owned */
	const char *source;		/* inside the block */
	size_t index;			/* place in the request, for messages */
};

struct label_map {
	uint32_t max_entries;
	uint32_t n;
	uint64_t generation;
	struct lm_entry *e;		/* n entries, sorted by lm_cmp */
};

/* Messages */

static void __attribute__((format(printf, 3, 4)))
lm_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* base + "/" + key as an RFC 6901 reference token (cut and escaped as selector_quote). */
static void
lm_ptr_key(char *dst, const char *base, const char *key)
{
	size_t n = strlen(key), i, o;

	o = (size_t)sprintf(dst, "%s/", base);
	for (i = 0; i < n && i < LM_QUOTE_MAX; i++) {
		unsigned char c = (unsigned char)key[i];

		if (c == '~') {
			dst[o++] = '~';
			dst[o++] = '0';
		} else if (c == '/') {
			dst[o++] = '~';
			dst[o++] = '1';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)sprintf(dst + o, "\\x%02X", c);
		} else {
			dst[o++] = (char)c;
		}
	}
	if (n > LM_QUOTE_MAX) {
		memcpy(dst + o, "...", 3);
		o += 3;
	}
	dst[o] = '\0';
}

static const char *
lm_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "object";
	case JSON_ARRAY:
		return "array";
	case JSON_STRING:
		return "string";
	case JSON_INTEGER:
		return "integer";
	case JSON_REAL:
		return "real";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

static int
lm_wrong_type(char *err, size_t errlen, const char *ptr, const json_t *j, const char *expected)
{
	lm_fail(err, errlen, "%s: wrong type %s (expected %s)", ptr, lm_type_name(j), expected);
	return -EINVAL;
}

/* Refuse any member of obj not in the NULL-terminated names; expected lists them. */
static int
lm_check_fields(const json_t *obj, const char *base, const char *const *names,
		const char *expected, char *err, size_t errlen)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)obj, key, v) {
		const char *const *n;
		char ptr[LM_PTR_BUF];

		for (n = names; *n != NULL; n++)
			if (strcmp(key, *n) == 0)
				break;
		if (*n == NULL) {
			lm_ptr_key(ptr, base, key);
			lm_fail(err, errlen, "%s: unknown field (expected %s)", ptr, expected);
			return -EINVAL;
		}
	}
	return 0;
}

/* Label syntax (ASCII only: the locale must not change what a key is) */

static bool
lm_is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* 0 to 63 of [A-Za-z0-9._-], starting and ending alphanumeric: a value, or a name if n > 0. */
static bool
lm_valid_name(const char *s, size_t n)
{
	size_t i;

	if (n > LM_MAX_NAME)
		return false;
	for (i = 0; i < n; i++)
		if (!lm_is_alnum(s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return n == 0 || (lm_is_alnum(s[0]) && lm_is_alnum(s[n - 1]));
}

/* IsDNS1123Subdomain: lower-case labels of a-z, 0-9, '-', each alphanumeric at both ends. */
static bool
lm_valid_prefix(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > LM_MAX_PREFIX)
		return false;
	for (i = 0; i < n; i++) {
		bool lower = s[i] >= 'a' && s[i] <= 'z', digit = s[i] >= '0' && s[i] <= '9';
		bool edge = i == 0 || i == n - 1 || s[i - 1] == '.' || s[i + 1] == '.';

		if (s[i] == '.') {
			if (i == 0 || i == n - 1 || s[i + 1] == '.')
				return false;
		} else if (s[i] == '-') {
			if (edge)
				return false;
		} else if (!lower && !digit) {
			return false;
		}
	}
	return true;
}

/*
 * IsQualifiedName ([prefix "/"] name with a non-empty name), optionally after Tollgate's
 * reserved "k8s:" prefix (selector.h), which label-sync uses for pod metadata.
 */
static bool
lm_valid_key(const char *s, size_t n)
{
	const size_t rlen = sizeof(SELECTOR_K8S_PREFIX) - 1;
	const char *slash;
	size_t name = 0;

	if (n >= rlen && memcmp(s, SELECTOR_K8S_PREFIX, rlen) == 0) {
		s += rlen;
		n -= rlen;
	}
	slash = memchr(s, '/', n);

	if (slash != NULL) {
		if (!lm_valid_prefix(s, (size_t)(slash - s)))
			return false;
		name = (size_t)(slash - s) + 1;
	}
	return n > name && lm_valid_name(s + name, n - name);
}

/* Addresses */

/* Order of the map and of output: IPv4 before IPv6, then numerically. */
static int
lm_cmp_ip(const uint8_t *a, int fa, const uint8_t *b, int fb)
{
	if (fa != fb)
		return fa == AF_INET ? -1 : 1;
	return memcmp(a, b, 16);
}

static int
lm_cmp(const void *a, const void *b)
{
	const struct lm_entry *x = a, *y = b;
	int c = lm_cmp_ip(x->ip, x->family, y->ip, y->family);

	if (c != 0)
		return c;
	/* Equal addresses stay in request order, so the second one is reported. */
	return x->index < y->index ? -1 : x->index > y->index;
}

static const uint8_t lm_v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* Parse the JSON string j into ip/family; -EINVAL with a message naming ptr. */
static int
lm_parse_ip(const json_t *j, const char *ptr, uint8_t ip[16], int *family, char *err,
	    size_t errlen)
{
	char q[LM_QUOTE_BUF];
	const char *s;
	size_t n;

	if (!json_is_string(j))
		return lm_wrong_type(err, errlen, ptr, j, "a string");
	s = json_string_value(j);
	n = json_string_length(j);
	memset(ip, 0, 16);
	if (strlen(s) == n) {
		if (inet_pton(AF_INET, s, ip) == 1) {
			*family = AF_INET;
			return 0;
		}
		if (inet_pton(AF_INET6, s, ip) == 1) {
			if (memcmp(ip, lm_v4_mapped, sizeof(lm_v4_mapped)) == 0) {
				memmove(ip, ip + 12, 4);
				memset(ip + 4, 0, 12);
				*family = AF_INET;
			} else {
				*family = AF_INET6;
			}
			return 0;
		}
	}
	selector_quote(q, s, n);
	lm_fail(err, errlen, "%s: invalid IP address \"%s\" (expected %s)", ptr, q, LM_EXPECT_IP);
	return -EINVAL;
}

static void
lm_format_ip(const uint8_t ip[16], int family, char buf[INET6_ADDRSTRLEN])
{
	inet_ntop(family, ip, buf, INET6_ADDRSTRLEN);
}

static struct lm_entry *
lm_find(const struct lm_entry *e, uint32_t n, const uint8_t ip[16], int family)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = lm_cmp_ip(e[mid].ip, e[mid].family, ip, family);

		if (c == 0)
			return (struct lm_entry *)&e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Parsing a request */

static int
lm_label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct selector_label *)a)->key,
		      ((const struct selector_label *)b)->key);
}

/* One {"ip", "labels"} object at ptr (e.g. "/entries/3") into out (block allocated). */
static int
lm_parse_entry(const json_t *j, const char *ptr, const char *source, uint64_t now,
	       struct lm_entry *out, char *err, size_t errlen)
{
	static const char *const fields[] = { "ip", "labels", NULL };
	char fptr[64], q[LM_QUOTE_BUF];
	json_t *ip, *labels, *v;
	size_t nlabels, bytes, i;
	const char *key;
	char *str;
	int rc;

	if (!json_is_object(j))
		return lm_wrong_type(err, errlen, ptr, j, "an object with ip and labels");
	rc = lm_check_fields(j, ptr, fields, "ip, labels", err, errlen);
	if (rc != 0)
		return rc;
	ip = json_object_get(j, "ip");
	labels = json_object_get(j, "labels");
	if (ip == NULL || labels == NULL) {
		lm_fail(err, errlen, "%s: missing field \"%s\" (expected ip, labels)", ptr,
			ip == NULL ? "ip" : "labels");
		return -EINVAL;
	}
	snprintf(fptr, sizeof(fptr), "%s/ip", ptr);
	rc = lm_parse_ip(ip, fptr, out->ip, &out->family, err, errlen);
	if (rc != 0)
		return rc;
	snprintf(fptr, sizeof(fptr), "%s/labels", ptr);
	if (!json_is_object(labels))
		return lm_wrong_type(err, errlen, fptr, labels, "an object of label key to value");
	nlabels = json_object_size(labels);
	if (nlabels > LABEL_MAP_MAX_LABELS) {
		lm_fail(err, errlen, "%s: %zu labels (expected at most %d)", fptr, nlabels,
			LABEL_MAP_MAX_LABELS);
		return -E2BIG;
	}

	bytes = nlabels * sizeof(struct selector_label) + strlen(source) + 1;
	json_object_foreach(labels, key, v) {
		char lptr[LM_PTR_BUF];
		const char *s;
		size_t n;

		lm_ptr_key(lptr, fptr, key);
		if (!lm_valid_key(key, strlen(key))) {
			selector_quote(q, key, strlen(key));
			lm_fail(err, errlen, "%s: invalid label key \"%s\" (expected %s)", lptr, q,
				LM_EXPECT_KEY);
			return -EINVAL;
		}
		if (!json_is_string(v))
			return lm_wrong_type(err, errlen, lptr, v, "a string");
		s = json_string_value(v);
		n = json_string_length(v);
		if (strlen(s) != n || !lm_valid_name(s, n)) {
			selector_quote(q, s, n);
			lm_fail(err, errlen, "%s: invalid label value \"%s\" (expected %s)", lptr,
				q, LM_EXPECT_VALUE);
			return -EINVAL;
		}
		bytes += strlen(key) + n + 2;
	}

	out->labels = malloc(bytes);
	if (out->labels == NULL) {
		lm_fail(err, errlen, "label map: out of memory");
		return -ENOMEM;
	}
	str = (char *)(out->labels + nlabels);
	i = 0;
	json_object_foreach(labels, key, v) {
		size_t kn = strlen(key) + 1, vn = json_string_length(v) + 1;

		memcpy(str, key, kn);
		out->labels[i].key = str;
		str += kn;
		memcpy(str, json_string_value(v), vn);
		out->labels[i].value = str;
		str += vn;
		i++;
	}
	strcpy(str, source);
	out->source = str;
	out->nlabels = (uint32_t)nlabels;
	out->updated = now;
	qsort(out->labels, nlabels, sizeof(*out->labels), lm_label_cmp);
	return 0;
}

static void
lm_free_entries(struct lm_entry *e, size_t n)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < n; i++)
		free(e[i].labels);
	free(e);
}

/* Sort parsed entries by address; an address twice is refused, naming both places. */
static int
lm_sort_unique(struct lm_entry *e, size_t n, const char *name, char *err, size_t errlen)
{
	size_t i;

	qsort(e, n, sizeof(*e), lm_cmp);
	for (i = 1; i < n; i++) {
		if (lm_cmp_ip(e[i - 1].ip, e[i - 1].family, e[i].ip, e[i].family) == 0) {
			char a[INET6_ADDRSTRLEN];

			lm_format_ip(e[i].ip, e[i].family, a);
			lm_fail(err, errlen, "/%s/%zu/ip: duplicate IP address %s (same as "
				"/%s/%zu/ip)", name, e[i].index, a, name, e[i - 1].index);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The array at member name of body (ptr "/name") into *out, sorted, each IP once. A NULL
 * member gives an empty array. limit caps the size before anything is parsed.
 */
static int
lm_parse_entries(const json_t *arr, const char *name, const char *source, uint64_t now,
		 uint32_t limit, struct lm_entry **out, size_t *nout, char *err, size_t errlen)
{
	struct lm_entry *e = NULL;
	char ptr[40];
	size_t n, i;
	int rc;

	*out = NULL;
	*nout = 0;
	if (arr == NULL)
		return 0;
	snprintf(ptr, sizeof(ptr), "/%s", name);
	if (!json_is_array(arr))
		return lm_wrong_type(err, errlen, ptr, arr, "an array of {ip, labels} objects");
	n = json_array_size(arr);
	if (n > limit) {
		lm_fail(err, errlen, "%s: %zu entries (expected at most %" PRIu32 ")", ptr, n,
			limit);
		return -ENOSPC;
	}
	if (n == 0)
		return 0;
	e = calloc(n, sizeof(*e));
	if (e == NULL) {
		lm_fail(err, errlen, "label map: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		snprintf(ptr, sizeof(ptr), "/%s/%zu", name, i);
		e[i].index = i;
		rc = lm_parse_entry(json_array_get(arr, i), ptr, source, now, &e[i], err, errlen);
		if (rc != 0)
			goto fail;
	}
	rc = lm_sort_unique(e, n, name, err, errlen);
	if (rc != 0)
		goto fail;
	*out = e;
	*nout = n;
	return 0;
fail:
	lm_free_entries(e, n);
	return rc;
}

/* "generation": an integer in 1..INT64_MAX, checked against the map's afterwards. */
static int
lm_parse_generation(const json_t *body, uint64_t *gen, char *err, size_t errlen)
{
	json_t *g = json_object_get(body, "generation");

	if (g == NULL) {
		lm_fail(err, errlen, "body: missing field \"generation\" (expected an integer "
			"greater than the current generation)");
		return -EINVAL;
	}
	if (!json_is_integer(g))
		return lm_wrong_type(err, errlen, "/generation", g, "an integer");
	if (json_integer_value(g) < 1) {
		lm_fail(err, errlen, "/generation: %" JSON_INTEGER_FORMAT " is out of range "
			"(expected 1 to %" JSON_INTEGER_FORMAT ")", json_integer_value(g),
			(json_int_t)INT64_MAX);
		return -EINVAL;
	}
	*gen = (uint64_t)json_integer_value(g);
	return 0;
}

static int
lm_check_stale(const struct label_map *m, uint64_t gen, char *err, size_t errlen)
{
	if (gen > m->generation)
		return 0;
	lm_fail(err, errlen, "/generation: %" PRIu64 " is stale (expected greater than the "
		"current generation %" PRIu64 ")", gen, m->generation);
	return -ESTALE;
}

static int
lm_check_args(const struct label_map *m, const json_t *body, const char *source,
	      const char *const *fields, const char *expected, char *err, size_t errlen)
{
	if (errlen > 0)
		err[0] = '\0';
	if (m == NULL || source == NULL) {
		lm_fail(err, errlen, "label map: %s is NULL", m == NULL ? "map" : "source");
		return -EINVAL;
	}
	if (body == NULL || !json_is_object(body)) {
		lm_fail(err, errlen, "body: wrong type %s (expected an object)",
			body == NULL ? "null" : lm_type_name(body));
		return -EINVAL;
	}
	return lm_check_fields(body, "", fields, expected, err, errlen);
}

/* Public API */

struct label_map *
label_map_create(uint32_t max_entries)
{
	struct label_map *m;

	if (max_entries == 0) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return NULL;
	m->max_entries = max_entries;
	return m;
}

void
label_map_free(struct label_map *m)
{
	if (m == NULL)
		return;
	lm_free_entries(m->e, m->n);
	free(m);
}

uint64_t
label_map_generation(const struct label_map *m)
{
	return m->generation;
}

uint32_t
label_map_count(const struct label_map *m)
{
	return m->n;
}

int
label_map_put_json(struct label_map *m, const json_t *body, const char *source, uint64_t now,
		   char *err, size_t errlen)
{
	static const char *const fields[] = { "generation", "entries", NULL };
	struct lm_entry *e;
	uint64_t gen;
	size_t n;
	int rc;

	rc = lm_check_args(m, body, source, fields, "generation, entries", err, errlen);
	if (rc != 0)
		return rc;
	rc = lm_parse_generation(body, &gen, err, errlen);
	if (rc != 0)
		return rc;
	if (json_object_get(body, "entries") == NULL) {
		lm_fail(err, errlen, "body: missing field \"entries\" (expected an array of "
			"{ip, labels} objects)");
		return -EINVAL;
	}
	rc = lm_parse_entries(json_object_get(body, "entries"), "entries", source, now,
			      m->max_entries, &e, &n, err, errlen);
	if (rc != 0)
		return rc;
	rc = lm_check_stale(m, gen, err, errlen);
	if (rc != 0) {
		lm_free_entries(e, n);
		return rc;
	}
	lm_free_entries(m->e, m->n);
	m->e = e;
	m->n = (uint32_t)n;
	m->generation = gen;
	return 0;
}

int
label_map_patch_json(struct label_map *m, const json_t *body, const char *source, uint64_t now,
		     char *err, size_t errlen)
{
	static const char *const fields[] = { "generation", "add", "remove", NULL };
	struct lm_entry *add = NULL, *rm = NULL, *ne = NULL;
	size_t nadd = 0, nrm = 0, i, a, r, o, nnew, fresh = 0;
	json_t *remove;
	char ip[INET6_ADDRSTRLEN];
	char ptr[LM_PTR_BUF];
	uint64_t gen;
	int rc;

	rc = lm_check_args(m, body, source, fields, "generation, add, remove", err, errlen);
	if (rc != 0)
		return rc;
	rc = lm_parse_generation(body, &gen, err, errlen);
	if (rc != 0)
		return rc;
	rc = lm_parse_entries(json_object_get(body, "add"), "add", source, now, m->max_entries,
			      &add, &nadd, err, errlen);
	if (rc != 0)
		return rc;

	/* remove: addresses only, kept in lm_entry for the same sort and messages. */
	remove = json_object_get(body, "remove");
	if (remove != NULL && !json_is_array(remove)) {
		rc = lm_wrong_type(err, errlen, "/remove", remove, "an array of IP addresses");
		goto fail;
	}
	nrm = remove == NULL ? 0 : json_array_size(remove);
	if (nrm > 0) {
		rm = calloc(nrm, sizeof(*rm));
		if (rm == NULL) {
			lm_fail(err, errlen, "label map: out of memory");
			rc = -ENOMEM;
			goto fail;
		}
	}
	for (i = 0; i < nrm; i++) {
		snprintf(ptr, sizeof(ptr), "/remove/%zu", i);
		rm[i].index = i;
		rc = lm_parse_ip(json_array_get(remove, i), ptr, rm[i].ip, &rm[i].family, err,
				 errlen);
		if (rc != 0)
			goto fail;
	}
	if (nrm > 0)
		qsort(rm, nrm, sizeof(*rm), lm_cmp);
	for (i = 0; i < nrm; i++) {
		struct lm_entry *dup;

		lm_format_ip(rm[i].ip, rm[i].family, ip);
		if (i > 0 && lm_cmp_ip(rm[i - 1].ip, rm[i - 1].family, rm[i].ip,
				       rm[i].family) == 0) {
			lm_fail(err, errlen, "/remove/%zu: duplicate IP address %s (same as "
				"/remove/%zu)", rm[i].index, ip, rm[i - 1].index);
			rc = -EINVAL;
			goto fail;
		}
		dup = lm_find(add, (uint32_t)nadd, rm[i].ip, rm[i].family);
		if (dup != NULL) {
			lm_fail(err, errlen, "/remove/%zu: IP address %s is also in /add/%zu/ip "
				"(expected each IP in add or in remove, not both)", rm[i].index,
				ip, dup->index);
			rc = -EINVAL;
			goto fail;
		}
	}
	rc = lm_check_stale(m, gen, err, errlen);
	if (rc != 0)
		goto fail;
	for (i = 0; i < nrm; i++) {
		if (lm_find(m->e, m->n, rm[i].ip, rm[i].family) == NULL) {
			lm_format_ip(rm[i].ip, rm[i].family, ip);
			lm_fail(err, errlen, "/remove/%zu: IP address %s is not in the map",
				rm[i].index, ip);
			rc = -ENOENT;
			goto fail;
		}
	}
	for (i = 0; i < nadd; i++)
		if (lm_find(m->e, m->n, add[i].ip, add[i].family) == NULL)
			fresh++;
	nnew = m->n - nrm + fresh;
	if (nnew > m->max_entries) {
		lm_fail(err, errlen, "/add: the map would hold %zu entries (expected at most %"
			PRIu32 ")", nnew, m->max_entries);
		rc = -ENOSPC;
		goto fail;
	}
	if (nnew > 0) {
		ne = malloc(nnew * sizeof(*ne));
		if (ne == NULL) {
			lm_fail(err, errlen, "label map: out of memory");
			rc = -ENOMEM;
			goto fail;
		}
	}

	/* Commit: merge the sorted old entries, adds and removes; nothing fails from here. */
	for (i = 0, a = 0, r = 0, o = 0; i < m->n || a < nadd;) {
		int c;

		if (i == m->n)
			c = 1;
		else if (a == nadd)
			c = -1;
		else
			c = lm_cmp_ip(m->e[i].ip, m->e[i].family, add[a].ip, add[a].family);
		if (c > 0) {
			ne[o++] = add[a++];
			continue;
		}
		while (r < nrm && lm_cmp_ip(rm[r].ip, rm[r].family, m->e[i].ip,
					    m->e[i].family) < 0)
			r++;
		if (c == 0) {
			free(m->e[i++].labels);
			ne[o++] = add[a++];
		} else if (r < nrm && lm_cmp_ip(rm[r].ip, rm[r].family, m->e[i].ip,
						  m->e[i].family) == 0) {
			free(m->e[i++].labels);
		} else {
			ne[o++] = m->e[i++];
		}
	}
	free(m->e);
	free(add);
	free(rm);
	m->e = ne;
	m->n = (uint32_t)o;
	m->generation = gen;
	return 0;
fail:
	lm_free_entries(add, nadd);
	free(rm);
	return rc;
}

static bool
lm_matches(const struct lm_entry *e, const struct selector *s)
{
	return s == NULL || selector_matches(s, e->labels, e->nlabels);
}

json_t *
label_map_get_json(const struct label_map *m, const char *label_selector, char *err,
		   size_t errlen)
{
	struct selector *s = NULL;
	json_t *out, *entries;
	uint32_t i, k;

	if (errlen > 0)
		err[0] = '\0';
	if (label_selector != NULL) {
		s = selector_parse(label_selector, err, errlen);
		if (s == NULL)
			return NULL;
	}
	out = json_object();
	entries = json_array();
	if (out == NULL || entries == NULL ||
	    json_object_set_new(out, "generation", json_integer((json_int_t)m->generation)) ||
	    json_object_set(out, "entries", entries))
		goto fail;
	for (i = 0; i < m->n; i++) {
		const struct lm_entry *e = &m->e[i];
		char ip[INET6_ADDRSTRLEN];
		json_t *je, *labels;

		if (!lm_matches(e, s))
			continue;
		lm_format_ip(e->ip, e->family, ip);
		/* The _new setters take the reference even when they fail. */
		je = json_object();
		if (je == NULL || json_array_append_new(entries, je))
			goto fail;
		labels = json_object();
		if (json_object_set_new(je, "ip", json_string(ip)) ||
		    json_object_set_new(je, "labels", labels))
			goto fail;
		for (k = 0; k < e->nlabels; k++)
			if (json_object_set_new(labels, e->labels[k].key,
						json_string(e->labels[k].value)))
				goto fail;
		if (json_object_set_new(je, "source", json_string(e->source)) ||
		    json_object_set_new(je, "updated", json_integer((json_int_t)e->updated)))
			goto fail;
	}
	json_decref(entries);
	selector_free(s);
	return out;
fail:
	json_decref(entries);
	json_decref(out);
	selector_free(s);
	lm_fail(err, errlen, "label map: out of memory");
	return NULL;
}

size_t
label_map_select(const struct label_map *m, const struct selector *s, label_map_select_fn fn,
		 void *cookie)
{
	size_t count = 0;
	uint32_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < m->n; i++) {
		if (!selector_matches(s, m->e[i].labels, m->e[i].nlabels))
			continue;
		if (fn != NULL)
			fn(cookie, m->e[i].ip, m->e[i].family);
		count++;
	}
	return count;
}

int
label_map_restore_json(struct label_map *m, const json_t *saved, char *err, size_t errlen)
{
	static const char *const fields[] = { "generation", "entries", NULL };
	static const char *const efields[] = { "ip", "labels", "source", "updated", NULL };
	const json_t *arr = json_object_get(saved, "entries");
	struct lm_entry *e = NULL;
	uint64_t gen;
	size_t n = 0, i;
	char ptr[40];
	int rc;

	if (m == NULL || !json_is_object(saved))
		return lm_wrong_type(err, errlen, "", saved, "an object");
	rc = lm_check_fields(saved, "", fields, "generation, entries", err, errlen);
	if (rc == 0)
		rc = lm_parse_generation(saved, &gen, err, errlen);
	if (rc != 0)
		return rc;
	if (!json_is_array(arr))
		return lm_wrong_type(err, errlen, "/entries", arr, "an array");
	n = json_array_size(arr);
	if (n > m->max_entries) {
		lm_fail(err, errlen, "/entries: %zu entries (expected at most %" PRIu32 ")", n,
			m->max_entries);
		return -ENOSPC;
	}
	e = n > 0 ? calloc(n, sizeof(*e)) : NULL;
	if (n > 0 && e == NULL) {
		lm_fail(err, errlen, "label map: out of memory");
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const json_t *j = json_array_get(arr, i);
		const json_t *src = json_object_get(j, "source"), *upd = json_object_get(j, "updated");
		json_t *entry;

		snprintf(ptr, sizeof(ptr), "/entries/%zu", i);
		e[i].index = i;
		rc = lm_check_fields(j, ptr, efields, "ip, labels, source, updated", err, errlen);
		if (rc != 0)
			goto fail;
		if (!json_is_string(src) || !json_is_integer(upd) || json_integer_value(upd) < 0) {
			lm_fail(err, errlen, "%s: expected a string source and an integer updated",
				ptr);
			rc = -EINVAL;
			goto fail;
		}
		entry = json_pack("{s:O, s:O}", "ip", json_object_get(j, "ip"), "labels",
				  json_object_get(j, "labels"));
		if (entry == NULL) {
			lm_fail(err, errlen, "%s: expected ip and labels", ptr);
			rc = -EINVAL;
			goto fail;
		}
		rc = lm_parse_entry(entry, ptr, json_string_value(src),
				    (uint64_t)json_integer_value(upd), &e[i], err, errlen);
		json_decref(entry);
		if (rc != 0)
			goto fail;
	}
	rc = lm_sort_unique(e, n, "entries", err, errlen);
	if (rc != 0)
		goto fail;
	lm_free_entries(m->e, m->n);
	m->e = e;
	m->n = (uint32_t)n;
	m->generation = gen;
	return 0;
fail:
	lm_free_entries(e, n);
	return rc;
}
