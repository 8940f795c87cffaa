/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the per-worker flow table (dataplane/flow_table.c): canonical keys and
 * hashes, lookup/create, per-state timeouts, eviction order, refusal, flush, flow_id
 * determinism, and a randomized run checked step by step against a reference model.
 * Every test builds its table in memory from aligned_alloc(), as the daemon does from
 * rte_zmalloc_socket(), and checks the table's internal links after it has run.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "flow_table.h"
#include "flow_table_priv.h"

#define US_PER_S UINT64_C(1000000)

#define LOG_CAP 1024

/* Pinned outputs for key_n(0) / key_n(1) (flow_id: started at 1700000000 s). */
#define FLOW_TEST_HASH_KEY0 0x56c9fd3eu
#define FLOW_TEST_HASH_KEY1 0xa6efc12bu
#define FLOW_TEST_ID_KEY0 UINT64_C(0x7c5b831d274a)
#define FLOW_TEST_START_US (UINT64_C(1700000000) * US_PER_S)

/* One call of the end callback, copied out of the record while it is still valid. */
struct end_rec {
	struct flow_key key;
	uint64_t flow_id;
	uint64_t start_us;
	uint64_t last_us;
	uint64_t pkts0;
	uint8_t reason;
	uint8_t state;
	uint8_t still_linked;	/* record was on a list or chain, or already free */
};

struct fixture {
	void *mem;
	struct flow_table *t;
	struct end_rec log[LOG_CAP];
	uint32_t nlog;
	uint32_t overflow;
};

static void
record_end(void *cookie, struct flow *f)
{
	struct fixture *fx = cookie;
	struct end_rec *r;
	struct flow *p;

	if (fx->nlog == LOG_CAP) {
		fx->overflow++;
		return;
	}
	r = &fx->log[fx->nlog++];
	memset(r, 0, sizeof(*r));
	r->key = f->key;
	r->flow_id = f->flow_id;
	r->start_us = f->start_us;
	r->last_us = f->last_us;
	r->pkts0 = f->pkts[FLOW_TOSERVER];
	r->reason = f->end_reason;
	r->state = f->state;
	if (f->hnext != NULL || f->lprev != NULL || f->lnext != NULL)
		r->still_linked = 1;
	for (p = fx->t->free; p != NULL; p = p->hnext)
		if (p == f)
			r->still_linked = 1;
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
ignore_end(void *cookie, struct flow *f)
{
	(void)cookie;
	(void)f;
}

static int
fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	*state = fx;
	return 0;
}

static int
fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	free(fx->mem);
	free(fx);
	return 0;
}

static struct flow_table_conf
conf_default(uint32_t max_flows, uint32_t nbuckets, uint8_t evict)
{
	struct flow_table_conf c;

	memset(&c, 0, sizeof(c));
	c.max_flows = max_flows;
	c.nbuckets = nbuckets;
	c.timeout_us[FLOW_STATE_NEW] = 30 * US_PER_S;
	c.timeout_us[FLOW_STATE_ESTABLISHED] = 600 * US_PER_S;
	c.timeout_us[FLOW_STATE_CLOSING] = 120 * US_PER_S;
	c.timeout_us[FLOW_STATE_CLOSED] = 10 * US_PER_S;
	c.timeout_us[FLOW_STATE_UDP] = 60 * US_PER_S;
	c.evict = evict;
	return c;
}

static void *
alloc_table_mem(const struct flow_table_conf *c)
{
	size_t sz = flow_table_memsize(c);
	void *mem;

	assert_true(sz > 0);
	mem = aligned_alloc(FLOW_TABLE_ALIGN, (sz + FLOW_TABLE_ALIGN - 1) & ~(size_t)63);
	assert_non_null(mem);
	memset(mem, 0, sz);
	return mem;
}

static struct flow_table *
fixture_table(struct fixture *fx, const struct flow_table_conf *c, flow_end_fn fn)
{
	fx->mem = alloc_table_mem(c);
	fx->t = flow_table_init(fx->mem, c, fn, fx);
	assert_non_null(fx->t);
	return fx->t;
}

/*
 * Check every link of the table: each list is consistent both ways, holds only flows of
 * its state and is sorted by last_us; each chain holds flows of its bucket; chains, lists
 * and the free list partition the records.
 */
static void
check_table(const struct flow_table *t)
{
	uint32_t s, b, nlist = 0, nchain = 0, nfree = 0;
	const struct flow *f, *prev;

	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		uint32_t n = 0;

		prev = NULL;
		for (f = t->lists[s].head; f != NULL; f = f->lnext) {
			assert_ptr_equal(f->lprev, prev);
			assert_int_equal(f->state, s);
			if (prev != NULL)
				assert_true(prev->last_us <= f->last_us);
			prev = f;
			n++;
		}
		assert_ptr_equal(t->lists[s].tail, prev);
		assert_int_equal(t->lists[s].count, n);
		nlist += n;
	}
	for (b = 0; b < t->conf.nbuckets; b++) {
		for (f = t->buckets[b]; f != NULL; f = f->hnext) {
			assert_int_equal(f->hash & t->mask, b);
			assert_int_equal(f->hash, flow_key_hash(&f->key));
			nchain++;
		}
	}
	for (f = t->free; f != NULL; f = f->hnext) {
		assert_true(f >= t->recs && f < t->recs + t->fresh);	/* given back */
		nfree++;
	}
	assert_true(t->fresh <= t->conf.max_flows);
	nfree += t->conf.max_flows - t->fresh;	/* never handed out yet */
	assert_int_equal(nlist, t->stats.active);
	assert_int_equal(nchain, t->stats.active);
	assert_int_equal(nfree, t->nfree);
	assert_int_equal(nfree + t->stats.active, t->conf.max_flows);
}

static void
meta_v4(struct pkt_meta *m, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
	uint8_t proto)
{
	memset(m, 0, sizeof(*m));
	m->l3 = PKT_L3_IPV4;
	m->l4_proto = proto;
	m->src[0] = src >> 24;
	m->src[1] = src >> 16;
	m->src[2] = src >> 8;
	m->src[3] = src;
	m->dst[0] = dst >> 24;
	m->dst[1] = dst >> 16;
	m->dst[2] = dst >> 8;
	m->dst[3] = dst;
	m->sport = sport;
	m->dport = dport;
}

/* A distinct TCP key for every i: 10.x.y.z:(1024 + i % 50000) -> 192.0.2.1:443. */
static void
key_n(uint32_t i, struct flow_key *k)
{
	struct pkt_meta m;

	meta_v4(&m, 0x0a000000 | (i & 0xffffff), 1024 + i % 50000, 0xc0000201, 443,
		IPPROTO_TCP);
	flow_key_make(&m, k);
}

static struct flow *
create_n(struct flow_table *t, uint32_t i, uint8_t state, uint64_t now)
{
	struct flow_key k;

	key_n(i, &k);
	return flow_table_create(t, &k, flow_key_hash(&k), state, now);
}

static struct flow *
lookup_n(struct flow_table *t, uint32_t i, uint64_t now)
{
	struct flow_key k;

	key_n(i, &k);
	return flow_table_lookup(t, &k, flow_key_hash(&k), now);
}

static void
assert_logged_key(const struct end_rec *r, uint32_t i, uint8_t reason)
{
	struct flow_key k;

	key_n(i, &k);
	assert_memory_equal(&r->key, &k, sizeof(k));
	assert_int_equal(r->reason, reason);
	assert_int_equal(r->still_linked, 0);
}

/* ---- keys and hashes ---- */

static void
test_flow_key_both_directions_give_same_key_and_hash(void **state)
{
	struct pkt_meta fwd, rev;
	struct flow_key kf, kr;
	const uint8_t lo[16] = { 10, 0, 0, 1 }, hi[16] = { 10, 0, 0, 2 };

	(void)state;
	meta_v4(&fwd, 0x0a000002, 40000, 0x0a000001, 80, IPPROTO_TCP);
	meta_v4(&rev, 0x0a000001, 80, 0x0a000002, 40000, IPPROTO_TCP);

	assert_int_equal(flow_key_make(&fwd, &kf), 1);
	assert_int_equal(flow_key_make(&rev, &kr), 0);
	assert_memory_equal(&kf, &kr, sizeof(kf));
	assert_int_equal(flow_key_hash(&kf), flow_key_hash(&kr));

	assert_memory_equal(kf.addr[0], lo, 16);
	assert_memory_equal(kf.addr[1], hi, 16);
	assert_int_equal(kf.port[0], 80);
	assert_int_equal(kf.port[1], 40000);
	assert_int_equal(kf.family, 4);
	assert_int_equal(kf.proto, IPPROTO_TCP);
	assert_int_equal(kf.vlan, 0);
}

static void
test_flow_key_same_address_orders_by_port(void **state)
{
	struct pkt_meta a, b;
	struct flow_key ka, kb;

	(void)state;
	meta_v4(&a, 0x7f000001, 5353, 0x7f000001, 53, IPPROTO_UDP);
	meta_v4(&b, 0x7f000001, 53, 0x7f000001, 5353, IPPROTO_UDP);

	assert_int_equal(flow_key_make(&a, &ka), 1);
	assert_int_equal(flow_key_make(&b, &kb), 0);
	assert_memory_equal(&ka, &kb, sizeof(ka));
	assert_int_equal(ka.port[0], 53);
	assert_int_equal(ka.port[1], 5353);

	/* Same address and port on both ends: the source stays on side 0. */
	meta_v4(&a, 0x7f000001, 7, 0x7f000001, 7, IPPROTO_UDP);
	assert_int_equal(flow_key_make(&a, &ka), 0);
}

static void
test_flow_key_icmp_uses_zero_ports(void **state)
{
	struct pkt_meta m;
	struct flow_key k;

	(void)state;
	meta_v4(&m, 0x0a000009, 0, 0x0a000003, 0, IPPROTO_ICMP);
	assert_int_equal(flow_key_make(&m, &k), 1);
	assert_int_equal(k.port[0], 0);
	assert_int_equal(k.port[1], 0);
	assert_int_equal(k.addr[0][3], 3);
	assert_int_equal(k.addr[1][3], 9);
	assert_int_equal(k.proto, IPPROTO_ICMP);
}

static void
test_flow_key_ipv4_and_ipv6_with_same_bytes_differ(void **state)
{
	struct pkt_meta m4, m6;
	struct flow_key k4, k6;

	(void)state;
	meta_v4(&m4, 0x0a000001, 1000, 0x0a000002, 2000, IPPROTO_TCP);
	m6 = m4;			/* same 16 address bytes, family IPv6 */
	m6.l3 = PKT_L3_IPV6;
	flow_key_make(&m4, &k4);
	flow_key_make(&m6, &k6);

	assert_int_equal(k4.family, 4);
	assert_int_equal(k6.family, 6);
	assert_memory_not_equal(&k4, &k6, sizeof(k4));
	assert_int_not_equal(flow_key_hash(&k4), flow_key_hash(&k6));
}

static void
test_flow_key_ipv6_orders_by_all_16_bytes(void **state)
{
	struct pkt_meta m;
	struct flow_key k;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.l3 = PKT_L3_IPV6;
	m.l4_proto = IPPROTO_TCP;
	m.src[0] = 0x20;
	m.src[1] = 0x01;
	m.src[15] = 2;			/* 2001::2 */
	m.dst[0] = 0x20;
	m.dst[1] = 0x01;
	m.dst[15] = 1;			/* 2001::1 */
	m.sport = 1;
	m.dport = 65535;
	assert_int_equal(flow_key_make(&m, &k), 1);
	assert_int_equal(k.addr[0][15], 1);
	assert_int_equal(k.addr[1][15], 2);
	assert_int_equal(k.port[0], 65535);
	assert_int_equal(k.port[1], 1);
	assert_int_equal(k.family, 6);
}

static void
test_flow_key_outer_vlan_distinguishes_flows(void **state)
{
	struct pkt_meta m;
	struct flow_key untagged, v100, v100_inner, v101;

	(void)state;
	meta_v4(&m, 0x0a000001, 1000, 0x0a000002, 2000, IPPROTO_TCP);
	flow_key_make(&m, &untagged);
	m.vlan_count = 1;
	m.vlan[0] = 100;
	flow_key_make(&m, &v100);
	m.vlan_count = 2;
	m.vlan[1] = 7;			/* inner tag is not part of the key */
	flow_key_make(&m, &v100_inner);
	m.vlan_count = 1;
	m.vlan[0] = 101;
	flow_key_make(&m, &v101);

	assert_int_equal(untagged.vlan, 0);
	assert_int_equal(v100.vlan, 100);
	assert_int_equal(v101.vlan, 101);
	assert_memory_equal(&v100, &v100_inner, sizeof(v100));
	assert_memory_not_equal(&untagged, &v100, sizeof(v100));
	assert_memory_not_equal(&v100, &v101, sizeof(v100));
	assert_int_not_equal(flow_key_hash(&v100), flow_key_hash(&v101));
	assert_int_not_equal(flow_key_hash(&untagged), flow_key_hash(&v100));

	/* A vlan value left in the array with vlan_count 0 is ignored. */
	m.vlan_count = 0;
	flow_key_make(&m, &v101);
	assert_memory_equal(&untagged, &v101, sizeof(v101));
}

static void
test_flow_key_make_overwrites_every_byte(void **state)
{
	struct pkt_meta m;
	struct flow_key clean, dirty;

	(void)state;
	meta_v4(&m, 0x0a000001, 1000, 0x0a000002, 2000, IPPROTO_UDP);
	memset(&clean, 0x00, sizeof(clean));
	memset(&dirty, 0xa5, sizeof(dirty));
	flow_key_make(&m, &clean);
	flow_key_make(&m, &dirty);
	assert_memory_equal(&clean, &dirty, sizeof(clean));
}

static void
test_flow_key_hash_is_fixed_and_distinct_over_10000_keys(void **state)
{
	static uint32_t hashes[10000];
	struct flow_key k;
	uint32_t i, dup = 0;

	(void)state;
	/* Pinned values: the hash must not change between runs, builds or hosts. */
	key_n(0, &k);
	assert_int_equal(flow_key_hash(&k), FLOW_TEST_HASH_KEY0);
	key_n(1, &k);
	assert_int_equal(flow_key_hash(&k), FLOW_TEST_HASH_KEY1);

	for (i = 0; i < 10000; i++) {
		key_n(i, &k);
		hashes[i] = flow_key_hash(&k);
	}
	qsort(hashes, 10000, sizeof(hashes[0]), cmp_u32);
	for (i = 1; i < 10000; i++)
		dup += hashes[i] == hashes[i - 1];
	assert_int_equal(dup, 0);
}

/* ---- layout and init ---- */

static void
test_flow_table_memsize_is_64_byte_aligned_regions(void **state)
{
	struct flow_table_conf c = conf_default(1000, 256, FLOW_EVICT_OLDEST);
	size_t hdr = (sizeof(struct flow_table) + 63) & ~(size_t)63;
	size_t recs = (1000 * sizeof(struct flow) + 63) & ~(size_t)63;

	(void)state;
	assert_int_equal(flow_table_memsize(&c), hdr + recs + 256 * sizeof(struct flow *));
	c.max_flows = 1;
	c.nbuckets = 1;
	assert_int_equal(flow_table_memsize(&c),
			 hdr + ((sizeof(struct flow) + 63) & ~(size_t)63) + 64);
}

static void
test_flow_table_init_rejects_invalid_conf(void **state)
{
	struct flow_table_conf good = conf_default(4, 4, FLOW_EVICT_OLDEST), c;
	struct fixture *fx = *state;

	fx->mem = alloc_table_mem(&good);

	c = good;
	c.max_flows = 0;
	assert_int_equal(flow_table_memsize(&c), 0);
	assert_null(flow_table_init(fx->mem, &c, ignore_end, NULL));
	c = good;
	c.nbuckets = 0;
	assert_int_equal(flow_table_memsize(&c), 0);
	assert_null(flow_table_init(fx->mem, &c, ignore_end, NULL));
	c = good;
	c.nbuckets = 6;
	assert_int_equal(flow_table_memsize(&c), 0);
	assert_null(flow_table_init(fx->mem, &c, ignore_end, NULL));
	c = good;
	c.evict = 2;
	assert_null(flow_table_init(fx->mem, &c, ignore_end, NULL));
	assert_int_equal(flow_table_memsize(NULL), 0);
	assert_null(flow_table_init(fx->mem, NULL, ignore_end, NULL));
	assert_null(flow_table_init(NULL, &good, ignore_end, NULL));
	assert_null(flow_table_init((uint8_t *)fx->mem + 8, &good, ignore_end, NULL));

	fx->t = flow_table_init(fx->mem, &good, ignore_end, NULL);
	assert_ptr_equal(fx->t, fx->mem);
	assert_int_equal(fx->t->nfree, 4);
	check_table(fx->t);
}

static void
test_flow_table_init_does_not_need_zeroed_memory(void **state)
{
	struct flow_table_conf c = conf_default(8, 4, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	uint32_t i;

	fx->mem = alloc_table_mem(&c);
	memset(fx->mem, 0xa5, flow_table_memsize(&c));
	fx->t = flow_table_init(fx->mem, &c, record_end, fx);
	assert_non_null(fx->t);
	check_table(fx->t);
	for (i = 0; i < 8; i++)
		assert_non_null(create_n(fx->t, i, FLOW_STATE_NEW, 1));
	for (i = 0; i < 8; i++)
		assert_int_equal(lookup_n(fx->t, i, 1)->pkts[0], 0);
	check_table(fx->t);
}

/* ---- lookup and create ---- */

static void
test_flow_table_lookup_after_create_finds_same_record(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct pkt_meta fwd, rev;
	struct flow_key kf, kr;
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow *f;
	uint32_t h;

	meta_v4(&fwd, 0x0a000002, 40000, 0x0a000001, 80, IPPROTO_TCP);
	meta_v4(&rev, 0x0a000001, 80, 0x0a000002, 40000, IPPROTO_TCP);
	flow_key_make(&fwd, &kf);
	flow_key_make(&rev, &kr);
	h = flow_key_hash(&kf);

	assert_null(flow_table_lookup(t, &kf, h, 1000));
	f = flow_table_create(t, &kf, h, FLOW_STATE_NEW, 1000);
	assert_non_null(f);
	assert_ptr_equal(flow_table_lookup(t, &kf, h, 2000), f);
	assert_ptr_equal(flow_table_lookup(t, &kr, flow_key_hash(&kr), 2000), f);

	assert_memory_equal(&f->key, &kf, sizeof(kf));
	assert_int_equal(f->hash, h);
	assert_int_equal(f->state, FLOW_STATE_NEW);
	assert_int_equal(f->start_us, 1000);
	assert_int_equal(f->last_us, 1000);	/* lookup does not touch */
	assert_int_not_equal(f->flow_id, 0);
	assert_int_equal(f->pkts[0] + f->pkts[1] + f->bytes[0] + f->bytes[1], 0);
	assert_int_equal(f->client | f->flags | f->end_reason | f->anomalies, 0);

	assert_int_equal(st->created, 1);
	assert_int_equal(st->active, 1);
	assert_int_equal(st->active_max, 1);
	assert_int_equal(fx->nlog, 0);
	check_table(t);
}

static void
test_flow_table_keys_in_one_bucket_are_told_apart(void **state)
{
	struct flow_table_conf c = conf_default(64, 1, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *f[64];
	uint32_t i;

	for (i = 0; i < 64; i++)
		f[i] = create_n(t, i, FLOW_STATE_NEW, 5);
	for (i = 0; i < 64; i++) {
		assert_ptr_equal(lookup_n(t, i, 6), f[i]);
		assert_ptr_equal(f[i], &t->recs[i]);	/* records handed out in order */
	}
	assert_null(lookup_n(t, 64, 6));
	/* End one from the middle of the chain: the others stay reachable. */
	assert_null(lookup_n(t, 20, 5 + 30 * US_PER_S));
	for (i = 0; i < 64; i++)
		if (i != 20)
			assert_ptr_equal(lookup_n(t, i, 6), f[i]);
	check_table(t);
}

/* ---- timeouts ---- */

static void
test_flow_table_new_flow_expires_where_established_one_does_not(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *a, *b;
	uint64_t a_id;

	a = create_n(t, 1, FLOW_STATE_NEW, 0);
	b = create_n(t, 2, FLOW_STATE_NEW, 0);
	flow_table_set_state(t, b, FLOW_STATE_ESTABLISHED);
	a_id = a->flow_id;

	assert_int_equal(flow_table_expire(t, 30 * US_PER_S - 1, 100), 0);
	assert_int_equal(fx->nlog, 0);
	assert_int_equal(flow_table_expire(t, 30 * US_PER_S, 100), 1);
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 1, FLOW_END_TIMEOUT);
	assert_int_equal(fx->log[0].flow_id, a_id);
	assert_int_equal(fx->log[0].state, FLOW_STATE_NEW);
	assert_null(lookup_n(t, 1, 30 * US_PER_S));
	assert_ptr_equal(lookup_n(t, 2, 30 * US_PER_S), b);

	assert_int_equal(flow_table_expire(t, 600 * US_PER_S - 1, 100), 0);
	assert_int_equal(flow_table_expire(t, 600 * US_PER_S, 100), 1);
	assert_logged_key(&fx->log[1], 2, FLOW_END_TIMEOUT);
	assert_int_equal(flow_table_stats(t)->ended[FLOW_END_TIMEOUT], 2);
	assert_int_equal(flow_table_stats(t)->active, 0);
	check_table(t);
}

static void
test_flow_table_touch_postpones_expiry(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *f = create_n(t, 7, FLOW_STATE_NEW, 0);

	flow_table_touch(t, f, 20 * US_PER_S);
	assert_int_equal(f->last_us, 20 * US_PER_S);
	assert_int_equal(f->start_us, 0);
	flow_table_touch(t, f, 10 * US_PER_S);	/* an older timestamp never moves it back */
	assert_int_equal(f->last_us, 20 * US_PER_S);

	assert_int_equal(flow_table_expire(t, 30 * US_PER_S, 100), 0);
	assert_ptr_equal(lookup_n(t, 7, 50 * US_PER_S - 1), f);
	assert_int_equal(flow_table_expire(t, 50 * US_PER_S, 100), 1);
	assert_int_equal(fx->nlog, 1);
	assert_int_equal(fx->log[0].last_us, 20 * US_PER_S);
	check_table(t);
}

static void
test_flow_table_touch_moves_flow_behind_younger_ones(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *a = create_n(t, 1, FLOW_STATE_NEW, 0);
	struct flow *b = create_n(t, 2, FLOW_STATE_NEW, 1);
	struct flow *d = create_n(t, 3, FLOW_STATE_NEW, 2);

	flow_table_touch(t, a, 3);
	assert_ptr_equal(t->lists[FLOW_STATE_NEW].head, b);
	assert_ptr_equal(b->lnext, d);
	assert_ptr_equal(t->lists[FLOW_STATE_NEW].tail, a);
	flow_table_touch(t, a, 4);		/* already the tail */
	assert_ptr_equal(t->lists[FLOW_STATE_NEW].tail, a);

	assert_int_equal(flow_table_expire(t, 30 * US_PER_S + 2, 100), 2);
	assert_logged_key(&fx->log[0], 2, FLOW_END_TIMEOUT);
	assert_logged_key(&fx->log[1], 3, FLOW_END_TIMEOUT);
	check_table(t);
}

static void
test_flow_table_lookup_of_expired_flow_ends_it_and_returns_null(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow *f = create_n(t, 9, FLOW_STATE_UDP, 100);
	uint64_t old_id = f->flow_id;

	f->pkts[FLOW_TOSERVER] = 3;
	assert_ptr_equal(lookup_n(t, 9, 100 + 60 * US_PER_S - 1), f);
	assert_null(lookup_n(t, 9, 100 + 60 * US_PER_S));
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 9, FLOW_END_TIMEOUT);
	assert_int_equal(fx->log[0].flow_id, old_id);
	assert_int_equal(fx->log[0].pkts0, 3);
	assert_int_equal(fx->log[0].state, FLOW_STATE_UDP);
	assert_int_equal(st->ended[FLOW_END_TIMEOUT], 1);
	assert_int_equal(st->active, 0);

	/* The caller then starts a new flow for the same key: a new id. */
	f = create_n(t, 9, FLOW_STATE_UDP, 100 + 60 * US_PER_S);
	assert_non_null(f);
	assert_int_not_equal(f->flow_id, old_id);
	assert_int_equal(st->created, 2);
	assert_int_equal(st->active, 1);
	assert_int_equal(st->active_max, 1);
	check_table(t);
}

static void
test_flow_table_expire_ends_exactly_the_expired_flows_within_budget(void **state)
{
	struct flow_table_conf c = conf_default(32, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	uint32_t i;

	/* Flows i = 0..9 created at i seconds; UDP flows 10..12 at 0 s (timeout 60 s). */
	for (i = 0; i < 10; i++)
		assert_non_null(create_n(t, i, FLOW_STATE_NEW, i * US_PER_S));
	for (i = 10; i < 13; i++)
		assert_non_null(create_n(t, i, FLOW_STATE_UDP, 0));

	/* At 35 s the NEW flows idle >= 30 s are 0..5. */
	assert_int_equal(flow_table_expire(t, 35 * US_PER_S, 4), 4);
	assert_int_equal(fx->nlog, 4);
	for (i = 0; i < 4; i++)
		assert_logged_key(&fx->log[i], i, FLOW_END_TIMEOUT);
	assert_int_equal(flow_table_expire(t, 35 * US_PER_S, 0), 0);
	assert_int_equal(flow_table_expire(t, 35 * US_PER_S, 100), 2);
	assert_logged_key(&fx->log[4], 4, FLOW_END_TIMEOUT);
	assert_logged_key(&fx->log[5], 5, FLOW_END_TIMEOUT);
	assert_int_equal(flow_table_expire(t, 35 * US_PER_S, 100), 0);
	assert_int_equal(fx->nlog, 6);
	for (i = 6; i < 13; i++)
		assert_non_null(lookup_n(t, i, 35 * US_PER_S));

	/* At 60 s: NEW 6..9 and all three UDP flows. */
	assert_int_equal(flow_table_expire(t, 60 * US_PER_S, 100), 7);
	assert_int_equal(flow_table_stats(t)->ended[FLOW_END_TIMEOUT], 13);
	assert_int_equal(flow_table_stats(t)->active, 0);
	check_table(t);
}

static void
test_flow_table_zero_timeout_never_expires(void **state)
{
	struct flow_table_conf c = conf_default(4, 4, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t;
	struct flow *f;

	c.timeout_us[FLOW_STATE_UDP] = 0;
	t = fixture_table(fx, &c, record_end);
	f = create_n(t, 1, FLOW_STATE_UDP, 0);
	assert_int_equal(flow_table_expire(t, UINT64_MAX, 100), 0);
	assert_ptr_equal(lookup_n(t, 1, UINT64_MAX), f);
	assert_int_equal(fx->nlog, 0);
}

static void
test_flow_table_clock_before_last_packet_does_not_expire(void **state)
{
	struct flow_table_conf c = conf_default(4, 4, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *f = create_n(t, 1, FLOW_STATE_NEW, 100 * US_PER_S);

	assert_int_equal(flow_table_expire(t, 0, 100), 0);
	assert_ptr_equal(lookup_n(t, 1, 0), f);
	assert_int_equal(fx->nlog, 0);
}

/* ---- state changes ---- */

static void
test_flow_table_set_state_moves_flow_to_new_list_and_timeout(void **state)
{
	struct flow_table_conf c = conf_default(16, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *a = create_n(t, 1, FLOW_STATE_NEW, 0);
	struct flow *b = create_n(t, 2, FLOW_STATE_NEW, 5);
	struct flow *d = create_n(t, 3, FLOW_STATE_NEW, 6);

	flow_table_touch(t, b, 8);
	flow_table_set_state(t, b, FLOW_STATE_CLOSED);
	assert_int_equal(b->state, FLOW_STATE_CLOSED);
	assert_int_equal(t->lists[FLOW_STATE_NEW].count, 2);
	assert_ptr_equal(t->lists[FLOW_STATE_NEW].head, a);
	assert_ptr_equal(t->lists[FLOW_STATE_NEW].tail, d);
	assert_int_equal(t->lists[FLOW_STATE_CLOSED].count, 1);
	assert_ptr_equal(t->lists[FLOW_STATE_CLOSED].head, b);

	/* An older flow moved into CLOSED lands before the younger one, not at the tail. */
	flow_table_set_state(t, a, FLOW_STATE_CLOSED);
	assert_ptr_equal(t->lists[FLOW_STATE_CLOSED].head, a);
	assert_ptr_equal(t->lists[FLOW_STATE_CLOSED].tail, b);
	/* Same state again: nothing moves. */
	flow_table_set_state(t, a, FLOW_STATE_CLOSED);
	assert_ptr_equal(t->lists[FLOW_STATE_CLOSED].head, a);
	check_table(t);

	/* CLOSED times out after 10 s; d is still NEW (30 s). */
	assert_int_equal(flow_table_expire(t, 10 * US_PER_S + 8, 100), 2);
	assert_logged_key(&fx->log[0], 1, FLOW_END_TIMEOUT);
	assert_int_equal(fx->log[0].state, FLOW_STATE_CLOSED);
	assert_logged_key(&fx->log[1], 2, FLOW_END_TIMEOUT);
	assert_ptr_equal(lookup_n(t, 3, 10 * US_PER_S + 8), d);
	check_table(t);
}

/* ---- full table ---- */

static void
test_flow_table_full_table_evicts_closed_then_new_oldest_first(void **state)
{
	struct flow_table_conf c = conf_default(5, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow *f;

	/* 0 NEW @1, 1 ESTABLISHED @2, 2 CLOSED @3, 3 CLOSED @4, 4 UDP @5 */
	create_n(t, 0, FLOW_STATE_NEW, 1);
	f = create_n(t, 1, FLOW_STATE_NEW, 2);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	f = create_n(t, 2, FLOW_STATE_NEW, 3);
	flow_table_set_state(t, f, FLOW_STATE_CLOSED);
	f = create_n(t, 3, FLOW_STATE_NEW, 4);
	flow_table_set_state(t, f, FLOW_STATE_CLOSED);
	create_n(t, 4, FLOW_STATE_UDP, 5);
	assert_int_equal(fx->nlog, 0);

	assert_non_null(create_n(t, 5, FLOW_STATE_NEW, 6));
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 2, FLOW_END_EVICTED);
	assert_int_equal(fx->log[0].state, FLOW_STATE_CLOSED);

	assert_non_null(create_n(t, 6, FLOW_STATE_NEW, 7));
	assert_logged_key(&fx->log[1], 3, FLOW_END_EVICTED);

	/* No CLOSED left: the oldest NEW (0, not the younger 5 and 6) goes. */
	assert_non_null(create_n(t, 7, FLOW_STATE_NEW, 8));
	assert_logged_key(&fx->log[2], 0, FLOW_END_EVICTED);
	assert_int_equal(fx->log[2].state, FLOW_STATE_NEW);
	assert_non_null(create_n(t, 8, FLOW_STATE_NEW, 9));
	assert_logged_key(&fx->log[3], 5, FLOW_END_EVICTED);

	assert_int_equal(fx->nlog, 4);
	assert_int_equal(st->created, 9);
	assert_int_equal(st->evicted, 4);
	assert_int_equal(st->ended[FLOW_END_EVICTED], 4);
	assert_int_equal(st->ended[FLOW_END_TIMEOUT], 0);
	assert_int_equal(st->refused, 0);
	assert_int_equal(st->active, 5);
	assert_int_equal(st->active_max, 5);
	assert_null(lookup_n(t, 2, 9));
	assert_non_null(lookup_n(t, 1, 9));
	assert_non_null(lookup_n(t, 4, 9));
	check_table(t);
}

static void
test_flow_table_full_table_evicts_udp_then_closing_then_established(void **state)
{
	struct flow_table_conf c = conf_default(4, 8, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *f;

	/* 0 ESTABLISHED @1, 1 ESTABLISHED @2, 2 CLOSING @3, 3 UDP @4 */
	f = create_n(t, 0, FLOW_STATE_NEW, 1);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	f = create_n(t, 1, FLOW_STATE_NEW, 2);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	f = create_n(t, 2, FLOW_STATE_NEW, 3);
	flow_table_set_state(t, f, FLOW_STATE_CLOSING);
	create_n(t, 3, FLOW_STATE_UDP, 4);

	/* Each new flow leaves NEW at once, so NEW never holds a victim. */
	f = create_n(t, 4, FLOW_STATE_NEW, 5);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	assert_logged_key(&fx->log[0], 3, FLOW_END_EVICTED);
	f = create_n(t, 5, FLOW_STATE_NEW, 6);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	assert_logged_key(&fx->log[1], 2, FLOW_END_EVICTED);
	f = create_n(t, 6, FLOW_STATE_NEW, 7);
	flow_table_set_state(t, f, FLOW_STATE_ESTABLISHED);
	assert_logged_key(&fx->log[2], 0, FLOW_END_EVICTED);
	f = create_n(t, 7, FLOW_STATE_NEW, 8);
	assert_logged_key(&fx->log[3], 1, FLOW_END_EVICTED);
	assert_int_equal(fx->log[3].state, FLOW_STATE_ESTABLISHED);

	assert_int_equal(fx->nlog, 4);
	assert_int_equal(flow_table_stats(t)->evicted, 4);
	assert_int_equal(flow_table_stats(t)->active, 4);
	check_table(t);
}

static void
test_flow_table_full_table_reclaims_expired_flow_before_evicting(void **state)
{
	struct flow_table_conf c = conf_default(3, 4, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	struct flow *f;

	/* 0 CLOSED @100 s (fresh), 1 UDP @0 (due at 60 s), 2 NEW @50 s (due at 80 s) */
	f = create_n(t, 0, FLOW_STATE_NEW, 100 * US_PER_S);
	flow_table_set_state(t, f, FLOW_STATE_CLOSED);
	create_n(t, 1, FLOW_STATE_UDP, 0);
	create_n(t, 2, FLOW_STATE_NEW, 50 * US_PER_S);

	assert_non_null(create_n(t, 3, FLOW_STATE_NEW, 100 * US_PER_S));
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 2, FLOW_END_TIMEOUT);
	assert_non_null(create_n(t, 4, FLOW_STATE_NEW, 100 * US_PER_S));
	assert_logged_key(&fx->log[1], 1, FLOW_END_TIMEOUT);
	/* Nothing due any more: the policy applies and the CLOSED flow goes. */
	assert_non_null(create_n(t, 5, FLOW_STATE_NEW, 100 * US_PER_S));
	assert_logged_key(&fx->log[2], 0, FLOW_END_EVICTED);

	assert_int_equal(flow_table_stats(t)->ended[FLOW_END_TIMEOUT], 2);
	assert_int_equal(flow_table_stats(t)->evicted, 1);
	check_table(t);
}

static void
test_flow_table_full_table_refuses_with_evict_none(void **state)
{
	struct flow_table_conf c = conf_default(2, 4, FLOW_EVICT_NONE);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow *a, *b;

	a = create_n(t, 0, FLOW_STATE_NEW, 1);
	b = create_n(t, 1, FLOW_STATE_NEW, 2);
	flow_table_set_state(t, b, FLOW_STATE_CLOSED);
	assert_null(create_n(t, 2, FLOW_STATE_NEW, 3));
	assert_null(create_n(t, 3, FLOW_STATE_UDP, 4));

	assert_int_equal(fx->nlog, 0);
	assert_int_equal(st->refused, 2);
	assert_int_equal(st->created, 2);
	assert_int_equal(st->evicted, 0);
	assert_int_equal(st->active, 2);
	assert_ptr_equal(lookup_n(t, 0, 5), a);
	assert_ptr_equal(lookup_n(t, 1, 5), b);

	/* A flow past its timeout is reclaimed rather than refusing the new one. */
	assert_non_null(create_n(t, 2, FLOW_STATE_NEW, 2 + 10 * US_PER_S));
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 1, FLOW_END_TIMEOUT);
	assert_int_equal(st->refused, 2);
	check_table(t);
}

static void
test_flow_table_create_rejects_unknown_state(void **state)
{
	struct flow_table_conf c = conf_default(2, 4, FLOW_EVICT_NONE);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);

#ifdef NDEBUG
	assert_null(create_n(t, 0, FLOW_STATE__COUNT, 1));
	assert_int_equal(flow_table_stats(t)->created, 0);
#endif
	assert_non_null(create_n(t, 0, FLOW_STATE_UDP, 1));
	assert_int_equal(flow_table_stats(t)->created, 1);
}

/* ---- flush and the end callback ---- */

static void
test_flow_table_flush_ends_every_flow_with_shutdown(void **state)
{
	struct flow_table_conf c = conf_default(8, 4, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	const struct flow_table_stats *st = flow_table_stats(t);
	static const uint8_t states[5] = { FLOW_STATE_UDP, FLOW_STATE_CLOSING, FLOW_STATE_NEW,
					    FLOW_STATE_ESTABLISHED, FLOW_STATE_NEW };
	/* Flush goes state by state (enum order), oldest first. */
	static const uint32_t order[5] = { 2, 4, 3, 1, 0 };
	struct flow *f;
	uint32_t i;

	for (i = 0; i < 5; i++) {
		f = create_n(t, i, FLOW_STATE_NEW, i);
		flow_table_set_state(t, f, states[i]);
	}
	flow_table_flush(t);

	assert_int_equal(fx->nlog, 5);
	for (i = 0; i < 5; i++)
		assert_logged_key(&fx->log[i], order[i], FLOW_END_SHUTDOWN);
	assert_int_equal(st->ended[FLOW_END_SHUTDOWN], 5);
	assert_int_equal(st->active, 0);
	assert_int_equal(st->active_max, 5);
	for (i = 0; i < 5; i++)
		assert_null(lookup_n(t, i, 10));
	check_table(t);

	/* Every record is free again. */
	for (i = 0; i < 8; i++)
		assert_non_null(create_n(t, 100 + i, FLOW_STATE_UDP, 20));
	assert_int_equal(fx->nlog, 5);
	flow_table_flush(t);
	flow_table_flush(t);
	assert_int_equal(fx->nlog, 13);
	check_table(t);
}

static void
test_flow_table_works_with_null_or_empty_end_callback(void **state)
{
	struct flow_table_conf c = conf_default(2, 2, FLOW_EVICT_OLDEST);
	struct fixture *fx = *state;
	flow_end_fn fns[2] = { NULL, ignore_end };
	uint32_t i;

	for (i = 0; i < 2; i++) {
		struct flow_table *t;

		free(fx->mem);
		t = fixture_table(fx, &c, fns[i]);
		create_n(t, 0, FLOW_STATE_NEW, 0);
		create_n(t, 1, FLOW_STATE_NEW, 1);
		assert_non_null(create_n(t, 2, FLOW_STATE_NEW, 2));	/* evicts 0 */
		assert_null(lookup_n(t, 1, 30 * US_PER_S + 1));		/* times out */
		assert_int_equal(flow_table_expire(t, 30 * US_PER_S + 2, 10), 1);
		create_n(t, 3, FLOW_STATE_NEW, 40 * US_PER_S);
		flow_table_flush(t);
		assert_int_equal(flow_table_stats(t)->ended[FLOW_END_EVICTED], 1);
		assert_int_equal(flow_table_stats(t)->ended[FLOW_END_TIMEOUT], 2);
		assert_int_equal(flow_table_stats(t)->ended[FLOW_END_SHUTDOWN], 1);
		check_table(t);
	}
}

/* ---- flow ids ---- */

static void
test_flow_id_is_deterministic_and_distinct_over_10000_keys(void **state)
{
	struct flow_table_conf c1 = conf_default(10000, 4096, FLOW_EVICT_NONE);
	struct flow_table_conf c2 = conf_default(10000, 16, FLOW_EVICT_NONE);
	struct fixture *fx = *state;
	static uint64_t ids[10000];
	struct flow_table *t1, *t2;
	void *mem2;
	uint32_t i, dup = 0;

	/* Two tables shaped differently, as on two workers. */
	t1 = fixture_table(fx, &c1, NULL);
	mem2 = alloc_table_mem(&c2);
	t2 = flow_table_init(mem2, &c2, NULL, NULL);
	assert_non_null(t2);

	for (i = 0; i < 10000; i++) {
		struct flow *a = create_n(t1, i, FLOW_STATE_NEW, FLOW_TEST_START_US);
		struct flow *b = create_n(t2, 9999 - i, FLOW_STATE_NEW, FLOW_TEST_START_US);

		assert_non_null(a);
		assert_non_null(b);
		ids[i] = a->flow_id;
		assert_int_not_equal(ids[i], 0);
		assert_true(ids[i] < (UINT64_C(1) << 53));
	}
	for (i = 0; i < 10000; i++)
		assert_int_equal(lookup_n(t2, i, FLOW_TEST_START_US)->flow_id, ids[i]);
	assert_int_equal(ids[0], FLOW_TEST_ID_KEY0);

	/* Same key, later start: another id. */
	flow_table_flush(t2);
	assert_int_not_equal(create_n(t2, 0, FLOW_STATE_NEW, FLOW_TEST_START_US + 1)->flow_id,
			     ids[0]);

	qsort(ids, 10000, sizeof(ids[0]), cmp_u64);
	for (i = 1; i < 10000; i++)
		dup += ids[i] == ids[i - 1];
	assert_int_equal(dup, 0);
	free(mem2);
}

static void
test_flow_table_restart_ends_old_flow_first_and_starts_new_one(void **state)
{
	struct flow_table_conf c = conf_default(2, 2, FLOW_EVICT_NONE);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	const struct flow_table_stats *st = flow_table_stats(t);
	struct flow *f, *other, *n;
	uint64_t old_id, new_id;

	/* A full table: the restart takes the old record and evicts nothing. */
	f = create_n(t, 0, FLOW_STATE_NEW, FLOW_TEST_START_US);
	other = create_n(t, 1, FLOW_STATE_NEW, FLOW_TEST_START_US);
	assert_non_null(f);
	assert_non_null(other);
	f->pkts[FLOW_TOSERVER] = 7;
	flow_table_touch(t, f, FLOW_TEST_START_US + 500);
	flow_table_set_state(t, f, FLOW_STATE_CLOSED);
	old_id = f->flow_id;
	assert_int_equal(old_id, FLOW_TEST_ID_KEY0);

	n = flow_table_restart(t, f, FLOW_TEST_START_US + 900);
	assert_non_null(n);
	assert_int_equal(fx->nlog, 1);
	assert_logged_key(&fx->log[0], 0, FLOW_END_REUSED);
	assert_int_equal(fx->log[0].flow_id, old_id);
	assert_int_equal(fx->log[0].pkts0, 7);
	assert_int_equal(fx->log[0].state, FLOW_STATE_CLOSED);
	assert_int_equal(fx->log[0].last_us, FLOW_TEST_START_US + 500);

	/* The new flow: same key, fresh record, the usual id of (key, start). */
	assert_ptr_equal(lookup_n(t, 0, FLOW_TEST_START_US + 900), n);
	assert_int_equal(n->state, FLOW_STATE_NEW);
	assert_int_equal(n->start_us, FLOW_TEST_START_US + 900);
	assert_int_equal(n->last_us, FLOW_TEST_START_US + 900);
	assert_int_equal(n->pkts[FLOW_TOSERVER], 0);
	assert_int_equal(n->end_reason, FLOW_END_NONE);
	assert_int_not_equal(n->flow_id, old_id);
	new_id = n->flow_id;

	assert_int_equal(st->ended[FLOW_END_REUSED], 1);
	assert_int_equal(st->restarted, 1);
	assert_int_equal(st->created, 3);
	assert_int_equal(st->active, 2);
	assert_int_equal(st->refused, 0);
	assert_int_equal(st->evicted, 0);
	assert_ptr_equal(lookup_n(t, 1, FLOW_TEST_START_US), other);
	check_table(t);

	/* A plain create of the key at that time gives the same id. */
	flow_table_flush(t);
	assert_int_equal(create_n(t, 0, FLOW_STATE_NEW, FLOW_TEST_START_US + 900)->flow_id,
			 new_id);
}

static void
test_flow_table_restart_in_same_microsecond_gets_distinct_ids(void **state)
{
	struct flow_table_conf c = conf_default(4, 4, FLOW_EVICT_NONE);
	struct fixture *fx = *state;
	struct flow_table *t = fixture_table(fx, &c, record_end);
	uint64_t ids[6], again[6];
	struct flow *f;
	unsigned int i, j;

	/* Six connections of one key, all in one microsecond (a crafted capture). */
	f = create_n(t, 0, FLOW_STATE_NEW, FLOW_TEST_START_US);
	ids[0] = f->flow_id;
	for (i = 1; i < 6; i++) {
		f = flow_table_restart(t, f, FLOW_TEST_START_US);
		ids[i] = f->flow_id;
	}
	for (i = 0; i < 6; i++) {
		assert_int_not_equal(ids[i], 0);
		assert_true(ids[i] < (UINT64_C(1) << 53));
		for (j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
	}
	assert_int_equal(ids[0], FLOW_TEST_ID_KEY0);
	assert_int_equal(fx->nlog, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(fx->log[i].flow_id, ids[i]);

	/* The same again in another table: the same ids (replays are stable). */
	flow_table_flush(t);
	f = create_n(t, 0, FLOW_STATE_NEW, FLOW_TEST_START_US);
	again[0] = f->flow_id;
	for (i = 1; i < 6; i++) {
		f = flow_table_restart(t, f, FLOW_TEST_START_US);
		again[i] = f->flow_id;
	}
	assert_memory_equal(again, ids, sizeof(ids));
	check_table(t);
}

static void
test_flow_state_and_end_reason_names(void **state)
{
	(void)state;
	assert_string_equal(flow_state_name(FLOW_STATE_NEW), "new");
	assert_string_equal(flow_state_name(FLOW_STATE_ESTABLISHED), "established");
	assert_string_equal(flow_state_name(FLOW_STATE_CLOSING), "closing");
	assert_string_equal(flow_state_name(FLOW_STATE_CLOSED), "closed");
	assert_string_equal(flow_state_name(FLOW_STATE_UDP), "udp");
	assert_string_equal(flow_state_name(FLOW_STATE__COUNT), "unknown");
	assert_string_equal(flow_end_reason_name(FLOW_END_NONE), "none");
	assert_string_equal(flow_end_reason_name(FLOW_END_TIMEOUT), "timeout");
	assert_string_equal(flow_end_reason_name(FLOW_END_EVICTED), "evicted");
	assert_string_equal(flow_end_reason_name(FLOW_END_SHUTDOWN), "shutdown");
	assert_string_equal(flow_end_reason_name(FLOW_END_REUSED), "reused");
	assert_string_equal(flow_end_reason_name(FLOW_END__COUNT), "unknown");
}

/* ---- randomized run against a reference model ---- */

#define MODEL_KEYS 600
#define MODEL_MAX_FLOWS 256
#define MODEL_OPS 100000

/* What the table should hold for each key, and in which order its lists are. */
struct model_flow {
	struct flow *f;			/* record handed out by create, NULL when absent */
	uint64_t flow_id;
	uint64_t last_us;
	uint64_t seq;			/* list position: order is (last_us, seq) */
	uint8_t state;
};

struct model {
	struct model_flow k[MODEL_KEYS];
	struct flow_table_conf conf;
	uint64_t seq;
	uint32_t active;
	uint64_t created, refused, ended[FLOW_END__COUNT];
	/* Ends the model predicts, in order; compared with what the callback saw. */
	struct {
		uint32_t key;
		uint8_t reason;
		struct model_flow m;	/* the flow as it ended (its key may restart at once) */
	} want[LOG_CAP];
	uint32_t nwant;
};

static uint64_t
rng_next(uint64_t *s)
{
	/* xorshift64*: fixed seed, so every run makes the same operations */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static bool
model_expired(const struct model *md, uint32_t i, uint64_t now)
{
	uint64_t to = md->conf.timeout_us[md->k[i].state];

	return to != 0 && now >= md->k[i].last_us && now - md->k[i].last_us >= to;
}

/* The key at the head of state s's list, or -1. */
static int
model_head(const struct model *md, uint8_t s)
{
	int best = -1;
	uint32_t i;

	for (i = 0; i < MODEL_KEYS; i++) {
		const struct model_flow *m = &md->k[i];

		if (m->f == NULL || m->state != s)
			continue;
		if (best < 0 || m->last_us < md->k[best].last_us ||
		    (m->last_us == md->k[best].last_us && m->seq < md->k[best].seq))
			best = (int)i;
	}
	return best;
}

static void
model_end(struct model *md, uint32_t i, uint8_t reason)
{
	assert_true(md->nwant < LOG_CAP);
	md->want[md->nwant].key = i;
	md->want[md->nwant].reason = reason;
	md->want[md->nwant].m = md->k[i];
	md->nwant++;
	md->k[i].f = NULL;
	md->active--;
	md->ended[reason]++;
}

/* Room for one more flow in a full table, as flow_table_create() makes it. */
static bool
model_reclaim(struct model *md, uint64_t now)
{
	static const uint8_t order[FLOW_STATE__COUNT] = {
		FLOW_STATE_CLOSED, FLOW_STATE_NEW, FLOW_STATE_UDP, FLOW_STATE_CLOSING,
		FLOW_STATE_ESTABLISHED,
	};
	uint32_t s;
	int h;

	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		h = model_head(md, order[s]);
		if (h >= 0 && model_expired(md, (uint32_t)h, now)) {
			model_end(md, (uint32_t)h, FLOW_END_TIMEOUT);
			return true;
		}
	}
	if (md->conf.evict == FLOW_EVICT_NONE) {
		md->refused++;
		return false;
	}
	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		h = model_head(md, order[s]);
		if (h >= 0) {
			model_end(md, (uint32_t)h, FLOW_END_EVICTED);
			return true;
		}
	}
	fail_msg("full table with no flow on any list");
	return false;
}

/* The callback must have reported exactly the ends the model predicted, in order. */
static void
model_check_ends(struct model *md, struct fixture *fx)
{
	uint32_t j;

	assert_int_equal(fx->overflow, 0);
	assert_int_equal(fx->nlog, md->nwant);
	for (j = 0; j < md->nwant; j++) {
		const struct model_flow *m = &md->want[j].m;

		assert_logged_key(&fx->log[j], md->want[j].key, md->want[j].reason);
		assert_int_equal(fx->log[j].flow_id, m->flow_id);
		assert_int_equal(fx->log[j].state, m->state);
		assert_int_equal(fx->log[j].last_us, m->last_us);
	}
	fx->nlog = 0;
	md->nwant = 0;
}

static void
model_check_stats(const struct model *md, const struct flow_table *t)
{
	const struct flow_table_stats *st = flow_table_stats(t);
	uint32_t r;

	assert_int_equal(st->active, md->active);
	assert_int_equal(st->created, md->created);
	assert_int_equal(st->refused, md->refused);
	for (r = 0; r < FLOW_END__COUNT; r++)
		assert_int_equal(st->ended[r], md->ended[r]);
	assert_int_equal(st->evicted, md->ended[FLOW_END_EVICTED]);
}

/*
 * One packet of key i at now, the way the worker handles it: lookup, create on a miss,
 * touch on a hit, sometimes a state change.
 */
static void
model_packet(struct model *md, struct flow_table *t, uint32_t i, uint64_t now, uint64_t r)
{
	struct model_flow *m = &md->k[i];
	struct flow *f;
	uint8_t st;

	f = lookup_n(t, i, now);
	if (m->f != NULL && model_expired(md, i, now))
		model_end(md, i, FLOW_END_TIMEOUT);
	assert_ptr_equal(f, m->f);
	if (f != NULL) {
		flow_table_touch(t, f, now);
		m->last_us = now;
		m->seq = ++md->seq;
		if (r % 5 == 0) {
			st = (uint8_t)((r >> 8) % FLOW_STATE__COUNT);
			flow_table_set_state(t, f, st);
			if (st != m->state) {
				m->state = st;
				m->seq = ++md->seq;
			}
		}
		return;
	}

	st = (i & 1) ? FLOW_STATE_UDP : FLOW_STATE_NEW;
	if (md->active == MODEL_MAX_FLOWS && !model_reclaim(md, now)) {
		assert_null(create_n(t, i, st, now));
		return;
	}
	f = create_n(t, i, st, now);
	assert_non_null(f);
	m->f = f;
	m->flow_id = f->flow_id;
	m->last_us = now;
	m->seq = ++md->seq;
	m->state = st;
	md->active++;
	md->created++;
}

/* State change of a flow not touched now: it must land in order inside its new list. */
static void
model_set_state(struct model *md, struct flow_table *t, uint32_t i, uint8_t st)
{
	struct model_flow *m = &md->k[i];

	if (m->f == NULL)
		return;
	flow_table_set_state(t, m->f, st);
	if (st != m->state) {
		m->state = st;
		m->seq = ++md->seq;
	}
}

static void
model_expire(struct model *md, struct flow_table *t, uint64_t now, uint32_t budget)
{
	uint32_t n = 0, s;
	int h;

	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		while (n < budget && (h = model_head(md, (uint8_t)s)) >= 0 &&
		       model_expired(md, (uint32_t)h, now)) {
			model_end(md, (uint32_t)h, FLOW_END_TIMEOUT);
			n++;
		}
	}
	assert_int_equal(flow_table_expire(t, now, budget), n);
}

static void
run_model(struct fixture *fx, uint8_t evict, uint64_t seed)
{
	struct model *md = calloc(1, sizeof(*md));
	struct flow_table *t;
	uint64_t now = FLOW_TEST_START_US, r;
	uint32_t op, i;

	assert_non_null(md);
	md->conf = conf_default(MODEL_MAX_FLOWS, 64, evict);
	md->conf.timeout_us[FLOW_STATE_NEW] = 40000;
	md->conf.timeout_us[FLOW_STATE_ESTABLISHED] = 300000;
	md->conf.timeout_us[FLOW_STATE_CLOSING] = 100000;
	md->conf.timeout_us[FLOW_STATE_CLOSED] = 20000;
	md->conf.timeout_us[FLOW_STATE_UDP] = 80000;
	t = fixture_table(fx, &md->conf, record_end);

	for (op = 0; op < MODEL_OPS; op++) {
		r = rng_next(&seed);
		now += (r >> 40) % 200;		/* time never goes back */
		i = (uint32_t)((r >> 16) % MODEL_KEYS);
		switch (r % 16) {
		case 0:
			model_expire(md, t, now, (uint32_t)((r >> 4) % 8));
			break;
		case 1:
			model_set_state(md, t, i, (uint8_t)((r >> 8) % FLOW_STATE__COUNT));
			break;
		default:
			model_packet(md, t, i, now, r >> 32);
			break;
		}
		model_check_ends(md, fx);
		model_check_stats(md, t);
		if (op % 4096 == 0)
			check_table(t);
	}
	check_table(t);

	/* Every flow still in the table is reported once more, at shutdown. */
	for (i = 0; i < MODEL_KEYS; i++)
		if (md->k[i].f != NULL)
			md->ended[FLOW_END_SHUTDOWN]++;
	flow_table_flush(t);
	assert_int_equal(fx->nlog, md->active);
	md->active = 0;
	for (op = 0; op < fx->nlog; op++) {
		assert_int_equal(fx->log[op].reason, FLOW_END_SHUTDOWN);
		for (i = 0; i < MODEL_KEYS; i++) {
			if (md->k[i].f != NULL && md->k[i].flow_id == fx->log[op].flow_id) {
				md->k[i].f = NULL;	/* a second report would not find it */
				break;
			}
		}
		assert_true(i < MODEL_KEYS);
	}
	fx->nlog = 0;
	model_check_stats(md, t);
	check_table(t);

	/* The run must have exercised every way of ending (fixed seed: fixed counts). */
	assert_true(md->ended[FLOW_END_TIMEOUT] > 1000);
	if (evict == FLOW_EVICT_OLDEST) {
		assert_true(md->ended[FLOW_END_EVICTED] > 1000);
		assert_int_equal(md->refused, 0);
	} else {
		assert_true(md->refused > 1000);
		assert_int_equal(md->ended[FLOW_END_EVICTED], 0);
	}
	assert_int_equal(md->created, md->ended[FLOW_END_TIMEOUT] +
			 md->ended[FLOW_END_EVICTED] + md->ended[FLOW_END_SHUTDOWN]);
	free(md);
}

static void
test_flow_table_random_ops_match_reference_model_with_eviction(void **state)
{
	run_model(*state, FLOW_EVICT_OLDEST, UINT64_C(0x243f6a8885a308d3));
}

static void
test_flow_table_random_ops_match_reference_model_with_refusal(void **state)
{
	run_model(*state, FLOW_EVICT_NONE, UINT64_C(0x13198a2e03707344));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_flow_key_both_directions_give_same_key_and_hash),
		T(test_flow_key_same_address_orders_by_port),
		T(test_flow_key_icmp_uses_zero_ports),
		T(test_flow_key_ipv4_and_ipv6_with_same_bytes_differ),
		T(test_flow_key_ipv6_orders_by_all_16_bytes),
		T(test_flow_key_outer_vlan_distinguishes_flows),
		T(test_flow_key_make_overwrites_every_byte),
		T(test_flow_key_hash_is_fixed_and_distinct_over_10000_keys),
		T(test_flow_table_memsize_is_64_byte_aligned_regions),
		T(test_flow_table_init_rejects_invalid_conf),
		T(test_flow_table_init_does_not_need_zeroed_memory),
		T(test_flow_table_lookup_after_create_finds_same_record),
		T(test_flow_table_keys_in_one_bucket_are_told_apart),
		T(test_flow_table_new_flow_expires_where_established_one_does_not),
		T(test_flow_table_touch_postpones_expiry),
		T(test_flow_table_touch_moves_flow_behind_younger_ones),
		T(test_flow_table_lookup_of_expired_flow_ends_it_and_returns_null),
		T(test_flow_table_expire_ends_exactly_the_expired_flows_within_budget),
		T(test_flow_table_zero_timeout_never_expires),
		T(test_flow_table_clock_before_last_packet_does_not_expire),
		T(test_flow_table_set_state_moves_flow_to_new_list_and_timeout),
		T(test_flow_table_full_table_evicts_closed_then_new_oldest_first),
		T(test_flow_table_full_table_evicts_udp_then_closing_then_established),
		T(test_flow_table_full_table_reclaims_expired_flow_before_evicting),
		T(test_flow_table_full_table_refuses_with_evict_none),
		T(test_flow_table_create_rejects_unknown_state),
		T(test_flow_table_flush_ends_every_flow_with_shutdown),
		T(test_flow_table_works_with_null_or_empty_end_callback),
		T(test_flow_id_is_deterministic_and_distinct_over_10000_keys),
		T(test_flow_table_restart_ends_old_flow_first_and_starts_new_one),
		T(test_flow_table_restart_in_same_microsecond_gets_distinct_ids),
		T(test_flow_state_and_end_reason_names),
		T(test_flow_table_random_ops_match_reference_model_with_eviction),
		T(test_flow_table_random_ops_match_reference_model_with_refusal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
