/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the FQDN cache (control/fqdn_cache.c): new and known pairs, expiry moved
 * only forward, the TTL clamp, expiry, eviction of the pair closest to expiry when full,
 * refused names and families, IPv4 and IPv6 kept apart, foreach visiting each pair once,
 * and 200,000 random operations checked against a plain-array reference model.
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

#include "fqdn_cache.h"

#define T0 1700000000u

/* One pair as foreach reports it. */
struct pair {
	char name[FQDN_CACHE_NAME_LEN];
	int family;
	uint8_t ip[16];
	uint64_t expires;
	unsigned int seen;
};

struct dump {
	struct pair *p;
	unsigned int n, cap;
};

static void
dump_fn(void *cookie, const char *name, int family, const uint8_t ip[16], uint64_t expires_s)
{
	struct dump *d = cookie;
	struct pair *p;

	assert_true(d->n < d->cap);
	p = &d->p[d->n++];
	assert_true(strlen(name) < sizeof(p->name));
	strcpy(p->name, name);
	p->family = family;
	memcpy(p->ip, ip, 16);
	p->expires = expires_s;
	p->seen = 0;
}

/* Every pair of c; the caller frees d->p. */
static struct dump
dump(const struct fqdn_cache *c, unsigned int cap)
{
	struct dump d = { .p = calloc(cap + 1, sizeof(struct pair)), .n = 0, .cap = cap + 1 };

	assert_non_null(d.p);
	fqdn_cache_foreach(c, dump_fn, &d);
	assert_int_equal(d.n, fqdn_cache_count(c));
	return d;
}

/* The expiry of (name, family, ip) in c, or 0 when absent (exactly one copy expected). */
static uint64_t
expiry_of(const struct fqdn_cache *c, const char *name, int family, const char *ip)
{
	struct dump d = dump(c, 1024);
	uint8_t a[16] = { 0 };
	uint64_t e = 0;
	unsigned int i, hits = 0;

	assert_int_equal(inet_pton(family, ip, a), 1);
	for (i = 0; i < d.n; i++) {
		if (strcmp(d.p[i].name, name) == 0 && d.p[i].family == family &&
		    memcmp(d.p[i].ip, a, 16) == 0) {
			e = d.p[i].expires;
			hits++;
		}
	}
	free(d.p);
	assert_true(hits <= 1);
	return e;
}

static int
add(struct fqdn_cache *c, const char *name, int family, const char *ip, uint32_t ttl,
    uint64_t now)
{
	uint8_t a[16] = { 0 };

	assert_int_equal(inet_pton(family, ip, a), 1);
	return fqdn_cache_add(c, name, family, a, ttl, now);
}

static void
test_fqdn_cache_create_refuses_zero_and_oversized(void **state)
{
	struct fqdn_cache *c;

	(void)state;
	errno = 0;
	assert_null(fqdn_cache_create(0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(fqdn_cache_create((1u << 24) + 1));
	assert_int_equal(errno, EINVAL);
	c = fqdn_cache_create(1);
	assert_non_null(c);
	assert_int_equal(fqdn_cache_count(c), 0);
	fqdn_cache_free(c);
	fqdn_cache_free(NULL);
}

static void
test_fqdn_cache_add_returns_1_for_new_and_0_for_known_pairs(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(16);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);

	(void)state;
	assert_int_equal(add(c, "api.example.com", AF_INET, "192.0.2.1", 60, T0), 1);
	assert_int_equal(add(c, "api.example.com", AF_INET, "192.0.2.1", 60, T0), 0);
	/* Another address or another name is another pair. */
	assert_int_equal(add(c, "api.example.com", AF_INET, "192.0.2.2", 60, T0), 1);
	assert_int_equal(add(c, "www.example.com", AF_INET, "192.0.2.1", 60, T0), 1);
	assert_int_equal(add(c, "api.example.com", AF_INET, "192.0.2.2", 60, T0), 0);
	assert_int_equal(fqdn_cache_count(c), 3);
	assert_int_equal(st->added, 3);
	assert_int_equal(st->refreshed, 0);
	assert_int_equal(st->expired, 0);
	assert_int_equal(st->evicted, 0);
	assert_int_equal(expiry_of(c, "api.example.com", AF_INET, "192.0.2.1"), T0 + 60);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_refresh_moves_expiry_only_forward(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(4);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);

	(void)state;
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 100, T0), 1);
	assert_int_equal(expiry_of(c, "a.example", AF_INET, "192.0.2.1"), T0 + 100);
	/* Earlier expiry: kept, not counted. */
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 10, T0), 0);
	assert_int_equal(expiry_of(c, "a.example", AF_INET, "192.0.2.1"), T0 + 100);
	assert_int_equal(st->refreshed, 0);
	/* Same expiry: not a refresh. */
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 50, T0 + 50), 0);
	assert_int_equal(st->refreshed, 0);
	/* Later expiry: moved. */
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 10, T0 + 95), 0);
	assert_int_equal(expiry_of(c, "a.example", AF_INET, "192.0.2.1"), T0 + 105);
	assert_int_equal(st->refreshed, 1);
	assert_int_equal(st->added, 1);
	assert_int_equal(fqdn_cache_count(c), 1);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_ttl_clamped_to_1_s_and_one_day(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(8);

	(void)state;
	assert_int_equal(add(c, "zero.example", AF_INET, "192.0.2.1", 0, T0), 1);
	assert_int_equal(add(c, "one.example", AF_INET, "192.0.2.1", 1, T0), 1);
	assert_int_equal(add(c, "day.example", AF_INET, "192.0.2.1", 86400, T0), 1);
	assert_int_equal(add(c, "more.example", AF_INET, "192.0.2.1", 86401, T0), 1);
	assert_int_equal(add(c, "max.example", AF_INET6, "2001:db8::1", UINT32_MAX, T0), 1);
	assert_int_equal(expiry_of(c, "zero.example", AF_INET, "192.0.2.1"), T0 + 1);
	assert_int_equal(expiry_of(c, "one.example", AF_INET, "192.0.2.1"), T0 + 1);
	assert_int_equal(expiry_of(c, "day.example", AF_INET, "192.0.2.1"), T0 + 86400);
	assert_int_equal(expiry_of(c, "more.example", AF_INET, "192.0.2.1"), T0 + 86400);
	assert_int_equal(expiry_of(c, "max.example", AF_INET6, "2001:db8::1"), T0 + 86400);
	assert_int_equal(FQDN_CACHE_TTL_MAX, 86400);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_expire_drops_pairs_at_their_expiry(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(8);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);

	(void)state;
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 10, T0), 1);
	assert_int_equal(add(c, "b.example", AF_INET, "192.0.2.2", 20, T0), 1);
	assert_int_equal(add(c, "c.example", AF_INET6, "2001:db8::3", 20, T0), 1);
	assert_int_equal(add(c, "d.example", AF_INET, "192.0.2.4", 30, T0), 1);
	assert_int_equal(fqdn_cache_expire(c, T0), 0);
	assert_int_equal(fqdn_cache_expire(c, T0 + 9), 0);
	assert_int_equal(fqdn_cache_count(c), 4);
	assert_int_equal(fqdn_cache_expire(c, T0 + 10), 1);
	assert_int_equal(fqdn_cache_count(c), 3);
	assert_int_equal(expiry_of(c, "a.example", AF_INET, "192.0.2.1"), 0);
	assert_int_equal(fqdn_cache_expire(c, T0 + 25), 2);
	assert_int_equal(fqdn_cache_count(c), 1);
	assert_int_equal(expiry_of(c, "d.example", AF_INET, "192.0.2.4"), T0 + 30);
	assert_int_equal(fqdn_cache_expire(c, T0 + 25), 0);
	assert_int_equal(st->expired, 3);
	/* An expired pair comes back as new. */
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 10, T0 + 25), 1);
	assert_int_equal(fqdn_cache_expire(c, T0 + 1000), 2);
	assert_int_equal(fqdn_cache_count(c), 0);
	assert_int_equal(st->expired, 5);
	assert_int_equal(st->added, 5);
	assert_int_equal(st->evicted, 0);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_full_cache_evicts_pair_closest_to_expiry(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(3);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);

	(void)state;
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 50, T0), 1);
	assert_int_equal(add(c, "b.example", AF_INET, "192.0.2.2", 10, T0), 1);
	assert_int_equal(add(c, "c.example", AF_INET, "192.0.2.3", 30, T0), 1);
	assert_int_equal(st->evicted, 0);
	/* A known pair needs no room. */
	assert_int_equal(add(c, "a.example", AF_INET, "192.0.2.1", 60, T0), 0);
	assert_int_equal(st->evicted, 0);
	assert_int_equal(add(c, "d.example", AF_INET, "192.0.2.4", 40, T0), 1);
	assert_int_equal(st->evicted, 1);
	assert_int_equal(fqdn_cache_count(c), 3);
	assert_int_equal(expiry_of(c, "b.example", AF_INET, "192.0.2.2"), 0);
	assert_int_equal(expiry_of(c, "a.example", AF_INET, "192.0.2.1"), T0 + 60);
	assert_int_equal(expiry_of(c, "c.example", AF_INET, "192.0.2.3"), T0 + 30);
	assert_int_equal(expiry_of(c, "d.example", AF_INET, "192.0.2.4"), T0 + 40);
	/* The evicted pair is new again, and pushes out c (T0 + 30), even with a short TTL. */
	assert_int_equal(add(c, "b.example", AF_INET, "192.0.2.2", 1, T0 + 5), 1);
	assert_int_equal(st->evicted, 2);
	assert_int_equal(expiry_of(c, "c.example", AF_INET, "192.0.2.3"), 0);
	assert_int_equal(expiry_of(c, "b.example", AF_INET, "192.0.2.2"), T0 + 6);
	/* Next to go: b (T0 + 6). */
	assert_int_equal(add(c, "e.example", AF_INET6, "2001:db8::5", 100, T0 + 5), 1);
	assert_int_equal(expiry_of(c, "b.example", AF_INET, "192.0.2.2"), 0);
	assert_int_equal(st->evicted, 3);
	assert_int_equal(st->added, 6);
	assert_int_equal(st->expired, 0);
	assert_int_equal(fqdn_cache_count(c), 3);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_refuses_bad_names_and_families(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(8);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);
	uint8_t ip[16] = { 192, 0, 2, 1 };
	char n253[254], n254[255];
	static const char *const bad[] = {
		"Example.com", "example.COM", "example.com.", ".", "", "exa mple.com",
		"example.com ", " example.com", "exa\tmple.com", "example.com/x", "ex*ample.com",
		"*.example.com", "ex\xc3\xa9mple.com", "example:com",
	};
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (fqdn_cache_add(c, bad[i], AF_INET, ip, 60, T0) != -EINVAL)
			fail_msg("name \"%s\" was not refused", bad[i]);
	}
	memset(n254, 'a', 254);
	n254[254] = '\0';
	assert_int_equal(fqdn_cache_add(c, n254, AF_INET, ip, 60, T0), -EINVAL);
	assert_int_equal(fqdn_cache_add(c, "example.com", AF_UNSPEC, ip, 60, T0), -EINVAL);
	assert_int_equal(fqdn_cache_add(c, "example.com", AF_UNIX, ip, 60, T0), -EINVAL);
	assert_int_equal(fqdn_cache_add(c, "example.com", 4, ip, 60, T0), -EINVAL);
	assert_int_equal(fqdn_cache_add(c, "example.com", 6, ip, 60, T0), -EINVAL);
	assert_int_equal(fqdn_cache_count(c), 0);
	assert_int_equal(st->added, 0);
	/* The longest name, and every accepted character. */
	memset(n253, 'a', 253);
	n253[253] = '\0';
	assert_int_equal(fqdn_cache_add(c, n253, AF_INET, ip, 60, T0), 1);
	assert_int_equal(fqdn_cache_add(c, "a-b_c.0-9.example", AF_INET, ip, 60, T0), 1);
	assert_int_equal(fqdn_cache_add(c, "x", AF_INET, ip, 60, T0), 1);
	assert_int_equal(fqdn_cache_count(c), 3);
	assert_int_equal(expiry_of(c, n253, AF_INET, "192.0.2.1"), T0 + 60);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_ipv4_and_ipv6_are_distinct_pairs(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(8);
	uint8_t v4[16] = { 192, 0, 2, 1 };
	uint8_t v6[16] = { 192, 0, 2, 1 };	/* c000:201:: shares the first 4 bytes */
	uint8_t v4junk[16] = { 192, 0, 2, 1, 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6, 7, 8 };
	struct dump d;
	unsigned int i, n4 = 0, n6 = 0;

	(void)state;
	assert_int_equal(fqdn_cache_add(c, "dual.example", AF_INET, v4, 60, T0), 1);
	assert_int_equal(fqdn_cache_add(c, "dual.example", AF_INET6, v6, 60, T0), 1);
	assert_int_equal(fqdn_cache_count(c), 2);
	/* For IPv4 only the first 4 bytes count. */
	assert_int_equal(fqdn_cache_add(c, "dual.example", AF_INET, v4junk, 60, T0), 0);
	assert_int_equal(fqdn_cache_add(c, "dual.example", AF_INET6, v4junk, 60, T0), 1);
	assert_int_equal(fqdn_cache_count(c), 3);
	d = dump(c, 8);
	for (i = 0; i < d.n; i++) {
		assert_string_equal(d.p[i].name, "dual.example");
		if (d.p[i].family == AF_INET) {
			/* Reported with bytes 4..15 zero. */
			assert_memory_equal(d.p[i].ip, v4, 16);
			n4++;
		} else {
			assert_int_equal(d.p[i].family, AF_INET6);
			assert_true(memcmp(d.p[i].ip, v6, 16) == 0 ||
				    memcmp(d.p[i].ip, v4junk, 16) == 0);
			n6++;
		}
	}
	assert_int_equal(n4, 1);
	assert_int_equal(n6, 2);
	free(d.p);
	fqdn_cache_free(c);
}

static void
test_fqdn_cache_foreach_visits_every_live_pair_once(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(128);
	bool want[100] = { false };
	struct dump d;
	unsigned int i, j, nwant = 0;

	(void)state;
	for (i = 0; i < 100; i++) {
		char name[32];
		uint8_t ip[16] = { 10, 0, 0, (uint8_t)i };

		snprintf(name, sizeof(name), "h%u.example", i % 7);
		assert_int_equal(fqdn_cache_add(c, name, i % 2 ? AF_INET6 : AF_INET, ip, 10 + i,
						T0), 1);
	}
	/* Drop the 40 earliest (ttl 10..49). */
	assert_int_equal(fqdn_cache_expire(c, T0 + 49), 40);
	for (i = 40; i < 100; i++) {
		want[i] = true;
		nwant++;
	}
	d = dump(c, 128);
	assert_int_equal(d.n, nwant);
	for (i = 0; i < d.n; i++) {
		unsigned int k = d.p[i].ip[3];
		char name[32];

		assert_true(k < 100);
		assert_true(want[k]);
		snprintf(name, sizeof(name), "h%u.example", k % 7);
		assert_string_equal(d.p[i].name, name);
		assert_int_equal(d.p[i].family, k % 2 ? AF_INET6 : AF_INET);
		assert_int_equal(d.p[i].expires, T0 + 10 + k);
		for (j = 0; j < i; j++)
			assert_true(d.p[j].ip[3] != k);
		want[k] = false;
	}
	for (i = 0; i < 100; i++)
		assert_false(want[i]);
	free(d.p);
	fqdn_cache_free(c);
}

/* ---- random operations against a reference model ---- */

#define MODEL_CAP	24
#define MODEL_NAMES	12
#define MODEL_IPS	6

static uint64_t rng_state;

static uint64_t
rng(void)
{
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

/* A model entry: indexes into the name and address pools. */
struct mentry {
	unsigned int name, ip;
	int family;
	uint64_t expires;
	bool live;
};

struct model {
	struct mentry e[MODEL_CAP];
	unsigned int count;
	struct fqdn_cache_stats st;
};

static char mnames[MODEL_NAMES][32];
static uint8_t mips[MODEL_IPS][16];

static int
model_find(const struct model *m, unsigned int name, int family, unsigned int ip)
{
	unsigned int i;

	for (i = 0; i < MODEL_CAP; i++)
		if (m->e[i].live && m->e[i].name == name && m->e[i].family == family &&
		    m->e[i].ip == ip)
			return (int)i;
	return -1;
}

/* Index of the model entry equal to pair p, or -1. */
static int
model_find_pair(const struct model *m, const struct pair *p)
{
	unsigned int i;

	for (i = 0; i < MODEL_CAP; i++) {
		const struct mentry *e = &m->e[i];
		uint8_t want[16] = { 0 };

		if (!e->live || e->family != p->family || strcmp(mnames[e->name], p->name) != 0)
			continue;
		memcpy(want, mips[e->ip], e->family == AF_INET ? 4 : 16);
		if (memcmp(want, p->ip, 16) == 0)
			return (int)i;
	}
	return -1;
}

/* The cache and the model hold the same pairs with the same expiries. */
static void
model_check(const struct fqdn_cache *c, const struct model *m, unsigned int step)
{
	struct dump d = dump(c, MODEL_CAP);
	const struct fqdn_cache_stats *st = fqdn_cache_stats(c);
	bool hit[MODEL_CAP] = { false };
	unsigned int i;

	if (d.n != m->count)
		fail_msg("step %u: cache holds %u pairs, model %u", step, d.n, m->count);
	for (i = 0; i < d.n; i++) {
		int k = model_find_pair(m, &d.p[i]);

		if (k < 0)
			fail_msg("step %u: cache has %s, model does not", step, d.p[i].name);
		assert_false(hit[k]);
		hit[k] = true;
		assert_int_equal(d.p[i].expires, m->e[k].expires);
	}
	assert_int_equal(st->added, m->st.added);
	assert_int_equal(st->refreshed, m->st.refreshed);
	assert_int_equal(st->expired, m->st.expired);
	assert_int_equal(st->evicted, m->st.evicted);
	free(d.p);
}

/*
 * The model cannot know which of several pairs with the same earliest expiry the cache
 * evicts (slot order), so it asks the cache: exactly one model pair must be gone, and it
 * must have the earliest expiry of all.
 */
static void
model_evict(const struct fqdn_cache *c, struct model *m, unsigned int step)
{
	struct dump d = dump(c, MODEL_CAP);
	bool present[MODEL_CAP] = { false };
	uint64_t min = UINT64_MAX;
	unsigned int i, gone = 0, victim = 0;

	for (i = 0; i < MODEL_CAP; i++)
		if (m->e[i].live && m->e[i].expires < min)
			min = m->e[i].expires;
	for (i = 0; i < d.n; i++) {
		int k = model_find_pair(m, &d.p[i]);

		if (k >= 0)
			present[k] = true;
	}
	for (i = 0; i < MODEL_CAP; i++) {
		if (m->e[i].live && !present[i]) {
			gone++;
			victim = i;
		}
	}
	if (gone != 1)
		fail_msg("step %u: %u model pairs gone after an eviction, expected 1", step, gone);
	if (m->e[victim].expires != min)
		fail_msg("step %u: evicted a pair expiring at %llu, earliest is %llu", step,
			 (unsigned long long)m->e[victim].expires, (unsigned long long)min);
	m->e[victim].live = false;
	m->count--;
	m->st.evicted++;
	free(d.p);
}

static void
test_fqdn_cache_random_operations_match_reference_model(void **state)
{
	struct fqdn_cache *c = fqdn_cache_create(MODEL_CAP);
	struct model *m = calloc(1, sizeof(*m));
	uint64_t now = T0;
	unsigned int step, i, evictions = 0, refreshes = 0, expiries = 0;

	(void)state;
	assert_non_null(c);
	assert_non_null(m);
	rng_state = 77;
	for (i = 0; i < MODEL_NAMES; i++)
		snprintf(mnames[i], sizeof(mnames[i]), "%c%u.example.net", 'a' + i, i * 7);
	for (i = 0; i < MODEL_IPS; i++) {
		unsigned int b;

		for (b = 0; b < 16; b++)
			mips[i][b] = (uint8_t)rng();
	}
	for (step = 0; step < 200000; step++) {
		unsigned int op = rnd(1000);

		if (op < 600) {
			unsigned int name = rnd(MODEL_NAMES), ip = rnd(MODEL_IPS);
			int family = rnd(2) ? AF_INET6 : AF_INET;
			uint32_t ttl = rnd(20) == 0 ? (rnd(2) ? 0 : 86400 + rnd(100000)) : rnd(60);
			uint64_t exp = now + (ttl == 0 ? 1 : ttl > 86400 ? 86400 : ttl);
			int k = model_find(m, name, family, ip);
			int rc = fqdn_cache_add(c, mnames[name], family, mips[ip], ttl, now);

			if (k >= 0) {
				assert_int_equal(rc, 0);
				if (exp > m->e[k].expires) {
					m->e[k].expires = exp;
					m->st.refreshed++;
					refreshes++;
				}
			} else {
				assert_int_equal(rc, 1);
				if (m->count == MODEL_CAP) {
					model_evict(c, m, step);
					evictions++;
				}
				for (i = 0; m->e[i].live; i++)
					;
				m->e[i] = (struct mentry){ .name = name, .ip = ip, .family = family,
							   .expires = exp, .live = true };
				m->count++;
				m->st.added++;
			}
		} else if (op < 700) {
			uint32_t n = 0;

			for (i = 0; i < MODEL_CAP; i++) {
				if (m->e[i].live && m->e[i].expires <= now) {
					m->e[i].live = false;
					n++;
				}
			}
			m->count -= n;
			m->st.expired += n;
			expiries += n;
			assert_int_equal(fqdn_cache_expire(c, now), n);
		} else if (op < 999) {
			now += rnd(10);
		} else {
			now += 86400;	/* now and then the long TTLs run out too */
		}
		assert_int_equal(fqdn_cache_count(c), m->count);
		if (step % 16 == 0)
			model_check(c, m, step);
	}
	model_check(c, m, step);
	/* Every path was taken many times. */
	assert_true(evictions > 1000);
	assert_true(refreshes > 1000);
	assert_true(expiries > 1000);
	free(m);
	fqdn_cache_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fqdn_cache_create_refuses_zero_and_oversized),
		cmocka_unit_test(test_fqdn_cache_add_returns_1_for_new_and_0_for_known_pairs),
		cmocka_unit_test(test_fqdn_cache_refresh_moves_expiry_only_forward),
		cmocka_unit_test(test_fqdn_cache_ttl_clamped_to_1_s_and_one_day),
		cmocka_unit_test(test_fqdn_cache_expire_drops_pairs_at_their_expiry),
		cmocka_unit_test(test_fqdn_cache_full_cache_evicts_pair_closest_to_expiry),
		cmocka_unit_test(test_fqdn_cache_refuses_bad_names_and_families),
		cmocka_unit_test(test_fqdn_cache_ipv4_and_ipv6_are_distinct_pairs),
		cmocka_unit_test(test_fqdn_cache_foreach_visits_every_live_pair_once),
		cmocka_unit_test(test_fqdn_cache_random_operations_match_reference_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
