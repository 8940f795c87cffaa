/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Discover mode's learned connections (learned.h): one record per candidate rule, in an
 * array allocated up front, indexed by an open-addressing hash (linear probing, at most
 * half full) of the normalised key. Records are never removed one by one, only all at
 * once by learned_clear, so the index needs no tombstones.
 *
 * learned_json sorts a list of record indexes, builds the ids, then sorts the ids to find
 * any two that read the same (group names may hold '-', so "a-b" + "c" and "a" + "b-c"
 * join to the same text) and gives those a hash suffix.
 */
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event_json.h"
#include "learned.h"

#define LR_EMPTY	UINT32_MAX
#define LR_ID_MAX	(POLICY_ID_LEN - 1)	/* 63 */
#define LR_ID_CUT	(LR_ID_MAX - 9)		/* room for "-" and 8 hex digits */
#define LR_TEXT_BUF	128			/* the longest uncut id is 87 bytes */
#define LR_TS_BUF	40

/* Normalised key: zero-padded strings, so two keys compare with memcmp. */
struct lr_key {
	char from[POLICY_NAME_LEN];
	char to[POLICY_NAME_LEN];
	uint8_t proto;		/* 0 (any), 1 (icmp), 6 or 17 */
	uint8_t app;		/* enum policy_app */
	uint16_t port;		/* 0 unless tcp or udp */
};

struct lr_record {
	struct lr_key key;
	uint64_t flows;
	uint64_t first_us, last_us;
};

struct learned {
	uint32_t max;
	uint32_t n;
	uint32_t mask;		/* index slots - 1 */
	uint64_t dropped;
	struct lr_record *rec;	/* max records, n used */
	uint32_t *index;	/* record number or LR_EMPTY */
};

static const char *const lr_app_names[] = { "any", "http", "tls", "dns", "smtp" };

static const char *
lr_proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	default:
		return "any";
	}
}

/* FNV-1a, 32 bits, over the key field by field (independent of layout and byte order). */
static uint32_t
lr_hash(const struct lr_key *k)
{
	const uint8_t tail[4] = { k->proto, k->app, (uint8_t)(k->port >> 8), (uint8_t)k->port };
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < sizeof(k->from) && k->from[i] != '\0'; i++)
		h = (h ^ (uint8_t)k->from[i]) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (i = 0; i < sizeof(k->to) && k->to[i] != '\0'; i++)
		h = (h ^ (uint8_t)k->to[i]) * 16777619u;
	h = (h ^ 0) * 16777619u;
	for (i = 0; i < sizeof(tail); i++)
		h = (h ^ tail[i]) * 16777619u;
	return h;
}

static void
lr_name_copy(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < POLICY_NAME_LEN - 1 && src[i] != '\0'; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[i] = c < 0x20 || c > 0x7e ? '?' : (char)c;
	}
}

static void
lr_key_make(const struct msg_learn *m, struct lr_key *k)
{
	memset(k, 0, sizeof(*k));
	lr_name_copy(k->from, m->from_group);
	lr_name_copy(k->to, m->to_group);
	switch (m->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		k->proto = m->proto;
		k->port = m->port;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		k->proto = IPPROTO_ICMP;
		break;
	default:
		k->proto = 0;
		break;
	}
	k->app = m->app <= POLICY_APP_SMTP ? m->app : POLICY_APP_ANY;
}

struct learned *
learned_create(uint32_t max_records)
{
	struct learned *l;
	uint32_t slots = 16;

	if (max_records == 0 || max_records > LEARNED_MAX_RECORDS) {
		errno = EINVAL;
		return NULL;
	}
	while (slots < 2 * max_records)
		slots <<= 1;
	l = calloc(1, sizeof(*l));
	if (l == NULL)
		goto fail;
	l->rec = calloc(max_records, sizeof(*l->rec));
	l->index = malloc(slots * sizeof(*l->index));
	if (l->rec == NULL || l->index == NULL)
		goto fail;
	l->max = max_records;
	l->mask = slots - 1;
	learned_clear(l);
	return l;
fail:
	learned_free(l);
	errno = ENOMEM;
	return NULL;
}

void
learned_free(struct learned *l)
{
	if (l == NULL)
		return;
	free(l->rec);
	free(l->index);
	free(l);
}

void
learned_add(struct learned *l, const struct msg_learn *m, uint64_t ts_us)
{
	struct lr_record *r;
	struct lr_key k;
	uint32_t i;

	lr_key_make(m, &k);
	for (i = lr_hash(&k) & l->mask; l->index[i] != LR_EMPTY; i = (i + 1) & l->mask) {
		r = &l->rec[l->index[i]];
		if (memcmp(&r->key, &k, sizeof(k)) == 0) {
			r->flows++;
			if (ts_us < r->first_us)
				r->first_us = ts_us;
			if (ts_us > r->last_us)
				r->last_us = ts_us;
			return;
		}
	}
	if (l->n == l->max) {
		l->dropped++;
		return;
	}
	l->index[i] = l->n;
	r = &l->rec[l->n++];
	r->key = k;
	r->flows = 1;
	r->first_us = r->last_us = ts_us;
}

void
learned_clear(struct learned *l)
{
	memset(l->index, 0xff, ((size_t)l->mask + 1) * sizeof(*l->index));
	l->n = 0;
	l->dropped = 0;
}

uint32_t
learned_count(const struct learned *l)
{
	return l->n;
}

/* ---- JSON ---- */

struct lr_item {
	const struct lr_record *r;
	bool hashed;		/* id carries the hash suffix */
	char id[LR_TEXT_BUF];
};

static int
lr_cmp_key(const void *a, const void *b)
{
	const struct lr_key *x = &((const struct lr_item *)a)->r->key;
	const struct lr_key *y = &((const struct lr_item *)b)->r->key;
	int c;

	c = strcmp(x->from, y->from);
	if (c == 0)
		c = strcmp(x->to, y->to);
	if (c == 0)
		c = strcmp(lr_proto_name(x->proto), lr_proto_name(y->proto));
	if (c == 0)
		c = (x->port > y->port) - (x->port < y->port);
	if (c == 0)
		c = strcmp(lr_app_names[x->app], lr_app_names[y->app]);
	return c;
}

static int
lr_cmp_id(const void *a, const void *b)
{
	const struct lr_item *x = *(const struct lr_item *const *)a;
	const struct lr_item *y = *(const struct lr_item *const *)b;

	return strcmp(x->id, y->id);
}

static bool
lr_id_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

static void
lr_id_hashed(struct lr_item *it)
{
	size_t len = strlen(it->id);

	if (it->hashed)
		return;
	it->hashed = true;
	snprintf(it->id + (len < LR_ID_CUT ? len : LR_ID_CUT), LR_TEXT_BUF - LR_ID_CUT,
		 "-%08" PRIx32, lr_hash(&it->r->key));
}

/* The plain id; hashed at once when it is too long or had to change. */
static void
lr_id_make(struct lr_item *it)
{
	const struct lr_key *k = &it->r->key;
	bool altered = false;
	size_t i;
	int len;

	len = snprintf(it->id, sizeof(it->id), "learned-%s-%s-%s-%u-%s", k->from, k->to,
		       lr_proto_name(k->proto), (unsigned int)k->port, lr_app_names[k->app]);
	for (i = 0; it->id[i] != '\0'; i++) {
		if (!lr_id_char(it->id[i])) {
			it->id[i] = '_';
			altered = true;
		}
	}
	if (altered || len > LR_ID_MAX)
		lr_id_hashed(it);
}

/*
 * Give a hash suffix to every id that reads the same as another one. A plain id ends in an
 * app name, a hashed one in 8 hex digits, so the two kinds never read the same.
 */
static int
lr_ids_unique(struct lr_item *items, uint32_t n)
{
	struct lr_item **by_id;
	uint32_t i, j;

	if (n < 2)
		return 0;
	by_id = malloc(n * sizeof(*by_id));
	if (by_id == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		by_id[i] = &items[i];
	qsort(by_id, n, sizeof(*by_id), lr_cmp_id);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(by_id[i]->id, by_id[j]->id) == 0; j++)
			;
		if (j - i > 1)
			while (i < j)
				lr_id_hashed(by_id[i++]);
	}
	free(by_id);
	return 0;
}

static json_t *
lr_rule_json(const struct lr_item *it)
{
	const struct lr_record *r = it->r;
	char first[LR_TS_BUF], last[LR_TS_BUF], comment[POLICY_COMMENT_LEN], port[8];
	json_t *ports;

	event_json_ts(r->first_us, first, sizeof(first));
	event_json_ts(r->last_us, last, sizeof(last));
	snprintf(comment, sizeof(comment), "learned: %" PRIu64 " flow%s, first %s, last %s",
		 r->flows, r->flows == 1 ? "" : "s", first, last);
	if (r->key.port != 0) {
		snprintf(port, sizeof(port), "%u", (unsigned int)r->key.port);
		ports = json_pack("[s]", port);
	} else {
		ports = json_array();
	}
	/* The shape of a rule in /v1/rules (policy_json_export.c): it can be POSTed as is. */
	return json_pack("{s:s, s:s, s:s, s:s, s:o?, s:s, s:s, s:b, s:n, s:[], s:s}",
		"id", it->id,
		"from", r->key.from,
		"to", r->key.to,
		"protocol", lr_proto_name(r->key.proto),
		"ports", ports,
		"app", lr_app_names[r->key.app],
		"action", "allow",
		"require_tls", 0,
		"capture",
		"dlp",
		"comment", comment);
}

static json_t *
lr_observation_json(const struct lr_item *it)
{
	char first[LR_TS_BUF], last[LR_TS_BUF];

	event_json_ts(it->r->first_us, first, sizeof(first));
	event_json_ts(it->r->last_us, last, sizeof(last));
	return json_pack("{s:s, s:I, s:s, s:s}", "id", it->id, "flows", (json_int_t)it->r->flows,
			 "first_seen", first, "last_seen", last);
}

json_t *
learned_json(const struct learned *l)
{
	struct lr_item *items = NULL;
	json_t *rules = NULL, *obs = NULL, *out = NULL;
	uint32_t i;

	if (l->n > 0) {
		items = calloc(l->n, sizeof(*items));
		if (items == NULL)
			return NULL;
	}
	for (i = 0; i < l->n; i++)
		items[i].r = &l->rec[i];
	if (l->n > 1)
		qsort(items, l->n, sizeof(*items), lr_cmp_key);
	for (i = 0; i < l->n; i++)
		lr_id_make(&items[i]);
	if (lr_ids_unique(items, l->n) != 0)
		goto out;
	rules = json_array();
	obs = json_array();
	if (rules == NULL || obs == NULL)
		goto out;
	for (i = 0; i < l->n; i++) {
		if (json_array_append_new(rules, lr_rule_json(&items[i])) != 0 ||
		    json_array_append_new(obs, lr_observation_json(&items[i])) != 0)
			goto out;
	}
	out = json_pack("{s:O, s:O, s:I}", "rules", rules, "observations", obs, "dropped",
			(json_int_t)l->dropped);
out:
	json_decref(rules);
	json_decref(obs);
	free(items);
	return out;
}
