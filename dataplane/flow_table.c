/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker flow table: canonical (direction-free) flow keys, a chained hash over
 * preallocated records, and idle-timeout ageing with one LRU list per state, in the manner
 * of Suricata's flow-hash/flow-timeout and the Linux conntrack tables, without their locks:
 * a table belongs to one worker and only that worker calls into it.
 *
 * Ageing. Every state has its own timeout (conf.timeout_us[state], 0 = never by time) and
 * its own doubly linked list ordered by last_us, least recently touched first. A touch
 * moves the flow to the tail, so with non-decreasing times each list stays sorted and both
 * expiry and eviction only ever look at heads:
 *
 *   lists[ESTABLISHED]:  head                                     tail
 *                         [f3 last=10] <-> [f7 last=42] <-> [f1 last=97]
 *                              |
 *   expire(now=130, timeout=60): 130-10 >= 60 -> end f3; 130-42 >= 60 -> end f7;
 *                                130-97 <  60 -> stop (everything behind is younger)
 *
 *   touch(f3, now=131):  [f7] <-> [f1] <-> [f3 last=131]       (unlink + append: O(1))
 *
 * The cost of expire() is O(flows ended + states). If the caller's clock goes backwards
 * (pcap files with reordered timestamps), a list can be locally out of order; expire()
 * then ends a flow late by at most the size of the backwards jump, never early, and
 * flow_table_lookup() still applies the exact timeout to the flow it finds.
 *
 * A full table first reclaims a flow already past its timeout (whatever the policy: it
 * would go at the next expire() anyway). Then FLOW_EVICT_NONE refuses the new flow, and
 * FLOW_EVICT_OLDEST ends the head of the first non-empty list in the order CLOSED, NEW,
 * UDP, CLOSING, ESTABLISHED: finished flows go first, then flows that never got an answer,
 * and long-lived established sessions last.
 *
 * A connection that reuses the addresses and ports of one that is over (the caller decides:
 * tcp_reasm_syn_restarts) ends that flow and starts a new one on the same key
 * (flow_table_restart), with its own flow_id, so each connection has its own flow.
 *
 * Nothing here allocates, sleeps or logs; memory comes from the caller.
 */
#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "flow_table.h"
#include "flow_table_priv.h"

_Static_assert(sizeof(struct flow_key) == 40, "flow_key must have no padding");
_Static_assert(sizeof(struct flow_key) % 8 == 0, "flow_key is hashed in 32/64-bit words");

/* flow_id is an integer in JSON events: keep it exactly representable as a double. */
#define FLOW_ID_MASK ((UINT64_C(1) << 53) - 1)

#define FLOW_HASH_SEED UINT32_C(0x7011a7e5)
#define FLOW_ID_SEED UINT64_C(0x9e3779b97f4a7c15)

/* Order in which a full table with FLOW_EVICT_OLDEST looks for a victim. */
static const uint8_t flow_evict_order[FLOW_STATE__COUNT] = {
	FLOW_STATE_CLOSED,
	FLOW_STATE_NEW,
	FLOW_STATE_UDP,
	FLOW_STATE_CLOSING,
	FLOW_STATE_ESTABLISHED,
};

static const char *const flow_state_names[FLOW_STATE__COUNT] = {
	[FLOW_STATE_NEW] = "new",
	[FLOW_STATE_ESTABLISHED] = "established",
	[FLOW_STATE_CLOSING] = "closing",
	[FLOW_STATE_CLOSED] = "closed",
	[FLOW_STATE_UDP] = "udp",
};

static const char *const flow_end_reason_names[FLOW_END__COUNT] = {
	[FLOW_END_NONE] = "none",
	[FLOW_END_TIMEOUT] = "timeout",
	[FLOW_END_EVICTED] = "evicted",
	[FLOW_END_SHUTDOWN] = "shutdown",
	[FLOW_END_REUSED] = "reused",
};

static inline size_t
flow_align_up(size_t n)
{
	return (n + FLOW_TABLE_ALIGN - 1) & ~(size_t)(FLOW_TABLE_ALIGN - 1);
}

static bool
flow_table_conf_valid(const struct flow_table_conf *conf)
{
	if (conf == NULL || conf->max_flows == 0)
		return false;
	if (conf->nbuckets == 0 || (conf->nbuckets & (conf->nbuckets - 1)) != 0)
		return false;
	if (conf->evict != FLOW_EVICT_OLDEST && conf->evict != FLOW_EVICT_NONE)
		return false;
	return true;
}

/*
 * Bytes flow_table_init() needs for conf: the header, max_flows records and nbuckets chain
 * heads, each region rounded up to 64 bytes. Returns 0 when conf is invalid (see
 * flow_table_init) or the size does not fit in a size_t. Any thread.
 */
size_t
flow_table_memsize(const struct flow_table_conf *conf)
{
	size_t recs, buckets, total;

	if (!flow_table_conf_valid(conf))
		return 0;
	if (__builtin_mul_overflow((size_t)conf->max_flows, sizeof(struct flow), &recs) ||
	    __builtin_mul_overflow((size_t)conf->nbuckets, sizeof(struct flow *), &buckets))
		return 0;
	if (recs > SIZE_MAX - FLOW_TABLE_ALIGN || buckets > SIZE_MAX - FLOW_TABLE_ALIGN)
		return 0;
	total = flow_align_up(sizeof(struct flow_table));
	if (__builtin_add_overflow(total, flow_align_up(recs), &total) ||
	    __builtin_add_overflow(total, flow_align_up(buckets), &total))
		return 0;
	return total;
}

/*
 * Lay the table out in mem, which the caller owns and keeps alive for the table's life
 * (flow_table_memsize(conf) bytes, 64-byte aligned; on the worker's socket in the daemon).
 * The header and the buckets are zeroed here; records are zeroed when handed out, so mem
 * need not be. end_fn (may be NULL) is called with cookie for every flow that ends; it must
 * not call back into the table.
 *
 * Rejects (returns NULL): mem or conf NULL, mem not 64-byte aligned, max_flows 0, nbuckets
 * 0 or not a power of two, an unknown evict policy. The table keeps a copy of conf.
 * Called once, at init, by the control thread or the owning worker.
 */
struct flow_table *
flow_table_init(void *mem, const struct flow_table_conf *conf, flow_end_fn end_fn,
		void *cookie)
{
	struct flow_table *t = mem;
	uint8_t *p = mem;

	if (mem == NULL || !flow_table_conf_valid(conf) || flow_table_memsize(conf) == 0)
		return NULL;
	if (((uintptr_t)mem & (FLOW_TABLE_ALIGN - 1)) != 0)
		return NULL;

	memset(t, 0, sizeof(*t));
	t->conf = *conf;
	t->mask = conf->nbuckets - 1;
	t->end_fn = end_fn;
	t->cookie = cookie;

	p += flow_align_up(sizeof(struct flow_table));
	t->recs = (struct flow *)p;
	p += flow_align_up((size_t)conf->max_flows * sizeof(struct flow));
	t->buckets = (struct flow **)p;
	memset(t->buckets, 0, (size_t)conf->nbuckets * sizeof(struct flow *));

	/* Records are handed out in index order as they are first needed (flow_table_create),
	 * so the pages of records a worker never uses are never touched. */
	t->free = NULL;
	t->fresh = 0;
	t->nfree = conf->max_flows;
	return t;
}

/*
 * Canonical key of a parsed IP packet. Accepts any pkt_meta (family is 4 for PKT_L3_IPV4,
 * 6 for PKT_L3_IPV6, 0 otherwise); the caller only asks for IP packets that carry their
 * L4 header. Writes all 40 bytes of *k. Returns the key side (0 or 1) that holds the
 * packet's source endpoint. Pure; any thread.
 */
uint8_t
flow_key_make(const struct pkt_meta *m, struct flow_key *k)
{
	int c;
	uint8_t side;

	memset(k, 0, sizeof(*k));
	k->family = m->l3 == PKT_L3_IPV4 ? 4 : m->l3 == PKT_L3_IPV6 ? 6 : 0;
	k->proto = m->l4_proto;
	k->vlan = m->vlan_count != 0 ? m->vlan[0] : 0;

	c = memcmp(m->src, m->dst, sizeof(m->src));
	side = (c > 0 || (c == 0 && m->sport > m->dport)) ? 1 : 0;

	memcpy(k->addr[side], m->src, sizeof(k->addr[0]));
	k->port[side] = m->sport;
	memcpy(k->addr[side ^ 1], m->dst, sizeof(k->addr[0]));
	k->port[side ^ 1] = m->dport;
	return side;
}

static inline uint32_t
flow_rotl32(uint32_t x, unsigned int r)
{
	return (x << r) | (x >> (32 - r));
}

/*
 * MurmurHash3 (x86_32) over the 40 key bytes, with a fixed seed: the same value in every
 * run and on every worker. Symmetric because the key is. Pure; any thread.
 */
uint32_t
flow_key_hash(const struct flow_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = FLOW_HASH_SEED;
	uint32_t w;
	size_t i;

	for (i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		w *= UINT32_C(0xcc9e2d51);
		w = flow_rotl32(w, 15);
		w *= UINT32_C(0x1b873593);
		h ^= w;
		h = flow_rotl32(h, 13);
		h = h * 5 + UINT32_C(0xe6546b64);
	}
	h ^= (uint32_t)sizeof(*k);
	h ^= h >> 16;
	h *= UINT32_C(0x85ebca6b);
	h ^= h >> 13;
	h *= UINT32_C(0xc2b2ae35);
	h ^= h >> 16;
	return h;
}

/* MurmurHash3's 64-bit finaliser: a bijection that mixes every input bit into every output. */
static inline uint64_t
flow_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

/*
 * flow_id from the full key and the start time only, so that replaying the same traffic
 * gives the same ids whichever worker owns the flow. 64 bits of key are mixed in (not the
 * 32-bit bucket hash) to keep ids of distinct flows distinct; 53 bits are kept so that the
 * id survives a JSON parser that reads numbers as doubles. Never 0.
 */
static uint64_t
flow_id_make(const struct flow_key *k, uint64_t start_us)
{
	const uint8_t *p = (const uint8_t *)k;
	uint64_t h = FLOW_ID_SEED;
	uint64_t w;
	size_t i;

	for (i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, p + i, sizeof(w));
		h = flow_mix64(h ^ w) + FLOW_ID_SEED;
	}
	h = flow_mix64(h ^ start_us) & FLOW_ID_MASK;
	return h != 0 ? h : 1;
}

static inline bool
flow_expired(const struct flow_table *t, const struct flow *f, uint64_t now_us)
{
	uint64_t timeout = t->conf.timeout_us[f->state];

	return timeout != 0 && now_us >= f->last_us && now_us - f->last_us >= timeout;
}

static inline void
flow_list_unlink(struct flow_list *l, struct flow *f)
{
	if (f->lprev != NULL)
		f->lprev->lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != NULL)
		f->lnext->lprev = f->lprev;
	else
		l->tail = f->lprev;
	f->lprev = NULL;
	f->lnext = NULL;
	l->count--;
}

/* Insert f after pos (NULL: at the head). */
static inline void
flow_list_insert_after(struct flow_list *l, struct flow *pos, struct flow *f)
{
	f->lprev = pos;
	f->lnext = pos != NULL ? pos->lnext : l->head;
	if (f->lnext != NULL)
		f->lnext->lprev = f;
	else
		l->tail = f;
	if (pos != NULL)
		pos->lnext = f;
	else
		l->head = f;
	l->count++;
}

static void
flow_chain_unlink(struct flow_table *t, struct flow *f)
{
	struct flow **pp = &t->buckets[f->hash & t->mask];

	while (*pp != f) {
		assert(*pp != NULL);
		pp = &(*pp)->hnext;
	}
	*pp = f->hnext;
	f->hnext = NULL;
}

/*
 * The one way a flow leaves the table. The callback runs while the record still holds the
 * flow (unlinked, end_reason set); only then is the record put back on the free list.
 */
static void
flow_end(struct flow_table *t, struct flow *f, uint8_t reason)
{
	f->end_reason = reason;
	flow_list_unlink(&t->lists[f->state], f);
	flow_chain_unlink(t, f);
	if (t->end_fn != NULL)
		t->end_fn(t->cookie, f);

	t->stats.ended[reason]++;
	if (reason == FLOW_END_EVICTED)
		t->stats.evicted++;
	t->stats.active--;

	f->hnext = t->free;
	t->free = f;
	t->nfree++;
}

/*
 * Find the flow of k (hash = flow_key_hash(k)). Returns it, or NULL when there is none or
 * the one found had been idle past its state's timeout at now_us; that flow is ended
 * (FLOW_END_TIMEOUT, end callback run) first. Does not touch the flow. Owning worker only.
 */
struct flow *
flow_table_lookup(struct flow_table *t, const struct flow_key *k, uint32_t hash,
		  uint64_t now_us)
{
	struct flow *f;

	for (f = t->buckets[hash & t->mask]; f != NULL; f = f->hnext) {
		if (f->hash != hash || memcmp(&f->key, k, sizeof(*k)) != 0)
			continue;
		if (flow_expired(t, f, now_us)) {
			flow_end(t, f, FLOW_END_TIMEOUT);
			return NULL;
		}
		return f;
	}
	return NULL;
}

void
flow_table_prefetch_bucket(const struct flow_table *t, uint32_t hash)
{
	__builtin_prefetch(&t->buckets[hash & t->mask], 0, 3);
}

void
flow_table_prefetch_chain(const struct flow_table *t, uint32_t hash)
{
	const struct flow *f = t->buckets[hash & t->mask];

	if (f != NULL) {
		__builtin_prefetch(&f->key, 0, 3);
		__builtin_prefetch(&f->hnext, 0, 3);
	}
}

/*
 * Free one record of a full table: a flow already past its timeout if a list head is one
 * (it would go at the next expire() anyway, and is not worth refusing a live flow for),
 * else a victim by the evict policy. Returns false when the policy refuses.
 */
static bool
flow_table_reclaim(struct flow_table *t, uint64_t now_us)
{
	struct flow *f;
	unsigned int i;

	for (i = 0; i < FLOW_STATE__COUNT; i++) {
		f = t->lists[flow_evict_order[i]].head;
		if (f != NULL && flow_expired(t, f, now_us)) {
			flow_end(t, f, FLOW_END_TIMEOUT);
			return true;
		}
	}
	if (t->conf.evict == FLOW_EVICT_NONE) {
		t->stats.refused++;
		return false;
	}
	for (i = 0; i < FLOW_STATE__COUNT; i++) {
		f = t->lists[flow_evict_order[i]].head;
		if (f != NULL) {
			flow_end(t, f, FLOW_END_EVICTED);
			return true;
		}
	}
	return false;	/* unreachable: a full table has flows on some list */
}

/*
 * Create the flow of k (hash = flow_key_hash(k)) in state (NEW or UDP; any valid state is
 * accepted) starting at now_us. The caller has looked k up first: duplicates are not
 * detected. Returns the zeroed record with key, hash, state, start_us, last_us and flow_id
 * set, or NULL when state is out of range or the table is full and cannot make room
 * (FLOW_EVICT_NONE: stats.refused counts it).
 *
 * When the table is full this ends another flow first (a due timeout, else an eviction),
 * so any other struct flow pointer the caller still holds (e.g. from earlier in the same
 * burst) may have been ended and its record reused. Owning worker only.
 */
struct flow *
flow_table_create(struct flow_table *t, const struct flow_key *k, uint32_t hash,
		  uint8_t state, uint64_t now_us)
{
	struct flow **bucket;
	struct flow *f;

	assert(state < FLOW_STATE__COUNT);
	assert(hash == flow_key_hash(k));
	if (state >= FLOW_STATE__COUNT)
		return NULL;
	if (t->free == NULL && t->fresh < t->conf.max_flows) {
		f = &t->recs[t->fresh++];	/* never used before */
	} else {
		if (t->free == NULL && !flow_table_reclaim(t, now_us))
			return NULL;
		f = t->free;
		t->free = f->hnext;
	}
	t->nfree--;

	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = hash;
	f->state = state;
	f->start_us = now_us;
	f->last_us = now_us;
	f->flow_id = flow_id_make(k, now_us);

	bucket = &t->buckets[hash & t->mask];
	f->hnext = *bucket;
	*bucket = f;
	flow_list_insert_after(&t->lists[state], t->lists[state].tail, f);

	t->stats.created++;
	t->stats.active++;
	if (t->stats.active > t->stats.active_max)
		t->stats.active_max = t->stats.active;
	return f;
}

/*
 * A new connection on f's key (a port reused after f closed, decided by the caller): end f
 * (FLOW_END_REUSED, end callback run) and create the key's flow again in state NEW at now_us.
 * The record f freed is the one taken, so this cannot fail or evict. Its flow_id is the usual
 * one of (key, now_us), unless f started at the same microsecond: then it is derived from
 * f's id, so that connections of one key in one microsecond (a crafted capture) still have
 * distinct ids, the same in every run. Returns the new flow. Owning worker only.
 */
struct flow *
flow_table_restart(struct flow_table *t, struct flow *f, uint64_t now_us)
{
	const struct flow_key k = f->key;
	const uint32_t hash = f->hash;
	const uint64_t prev_id = f->flow_id;
	const uint64_t prev_start = f->start_us;
	struct flow *n;

	flow_end(t, f, FLOW_END_REUSED);
	n = flow_table_create(t, &k, hash, FLOW_STATE_NEW, now_us);
	assert(n != NULL);
	if (now_us <= prev_start) {
		uint64_t id = flow_mix64(prev_id ^ FLOW_ID_SEED) & FLOW_ID_MASK;

		n->flow_id = id != 0 && id != prev_id ? id : (prev_id % FLOW_ID_MASK) + 1;
	}
	t->stats.restarted++;
	return n;
}

/*
 * A packet of f was seen at now_us: last_us becomes max(last_us, now_us) and f moves to the
 * tail of its state's list. f must be a live flow of t. Owning worker only.
 */
void
flow_table_touch(struct flow_table *t, struct flow *f, uint64_t now_us)
{
	struct flow_list *l = &t->lists[f->state];

	if (now_us > f->last_us)
		f->last_us = now_us;
	if (l->tail != f) {
		flow_list_unlink(l, f);
		flow_list_insert_after(l, l->tail, f);
	}
}

/*
 * Move f to state (and its timeout list). f keeps its last_us; it is placed by last_us,
 * searching from the tail, so it lands at the tail in O(1) when it was just touched (the
 * worker's pattern: touch, then change state) and the new list stays sorted otherwise.
 * Setting the current state again changes nothing. An out-of-range state is ignored
 * (asserted in debug builds). Owning worker only.
 */
void
flow_table_set_state(struct flow_table *t, struct flow *f, uint8_t state)
{
	struct flow_list *l;
	struct flow *pos;

	assert(state < FLOW_STATE__COUNT);
	if (state >= FLOW_STATE__COUNT || state == f->state)
		return;
	flow_list_unlink(&t->lists[f->state], f);
	f->state = state;
	l = &t->lists[state];
	for (pos = l->tail; pos != NULL && pos->last_us > f->last_us; pos = pos->lprev)
		;
	flow_list_insert_after(l, pos, f);
}

/*
 * End (FLOW_END_TIMEOUT) up to budget flows idle past their state's timeout at now_us,
 * oldest first within each state. Returns how many ended. Owning worker only, typically
 * once per poll loop with a small budget so a burst of expiries cannot stall RX.
 */
uint32_t
flow_table_expire(struct flow_table *t, uint64_t now_us, uint32_t budget)
{
	struct flow *f;
	uint32_t n = 0;
	unsigned int s;

	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		while (n < budget && (f = t->lists[s].head) != NULL && flow_expired(t, f, now_us)) {
			flow_end(t, f, FLOW_END_TIMEOUT);
			n++;
		}
	}
	return n;
}

/*
 * End every flow (FLOW_END_SHUTDOWN), state by state, oldest first. The table is empty and
 * reusable afterwards. Owning worker only (end of input, or stop).
 */
void
flow_table_flush(struct flow_table *t)
{
	struct flow *f;
	unsigned int s;

	for (s = 0; s < FLOW_STATE__COUNT; s++) {
		while ((f = t->lists[s].head) != NULL)
			flow_end(t, f, FLOW_END_SHUTDOWN);
	}
}

/*
 * Call fn for every live flow, state by state. fn must not create, end or re-state flows.
 * Owning worker only. Rare operations only (a sensor database swap): it walks every flow.
 */
void
flow_table_foreach(struct flow_table *t, flow_visit_fn fn, void *cookie)
{
	struct flow *f;
	unsigned int s;

	for (s = 0; s < FLOW_STATE__COUNT; s++)
		for (f = t->lists[s].head; f != NULL; f = f->lnext)
			fn(cookie, f);
}

/*
 * The table's counters. Owning worker; the control thread may read them for aggregation
 * (plain 64-bit loads, no consistency across fields).
 */
const struct flow_table_stats *
flow_table_stats(const struct flow_table *t)
{
	return &t->stats;
}

/* Name of a state for events ("new", "established", "closing", "closed", "udp"). */
const char *
flow_state_name(uint8_t state)
{
	return state < FLOW_STATE__COUNT ? flow_state_names[state] : "unknown";
}

/* Name of an end reason for events ("none", "timeout", "evicted", "shutdown", "reused"). */
const char *
flow_end_reason_name(uint8_t reason)
{
	return reason < FLOW_END__COUNT ? flow_end_reason_names[reason] : "unknown";
}
