/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The fragment table of one worker: which IP datagrams are being reassembled, which of
 * their fragments are held, and when a datagram is complete or given up (RFC 791 section
 * 3.2, RFC 8200 section 4.5, RFC 5722). Pure: the fragments are the caller's objects
 * (mbufs in the daemon, never copied here); the table only keeps their offsets, lengths
 * and costs, and hands each object back exactly once, with the reason it leaves.
 *
 * Records are preallocated: max_dgrams datagram records in a chained hash (seeded key
 * hash), and memcap / DEFRAG_TABLE_MIN_COST fragment records. A datagram's fragments form
 * a list sorted by offset that never overlaps, so "complete" is "the last fragment is in
 * and the held bytes add up to its end":
 *
 *   datagram  [first|MF]──[ MF ]──[ MF ]      [ MF ]──[last]
 *   offset    0        1480    2960   4440   5920    7400   8880 = total
 *                                      └ hole ┘  covered 7400 of 8880: wait
 *
 * Overlap policy (Linux since 4.19 for both families, RFC 5722 for IPv6): a fragment
 * whose bytes are all held already is a duplicate and is dropped alone (the first copy is
 * kept); a fragment that overlaps held bytes only in part gives the whole datagram up.
 * A datagram given up keeps a record, holding nothing, until its timeout, so its later
 * fragments leave at once for the same reason instead of starting a datagram that could
 * never be right.
 *
 * Two age lists, oldest first (a datagram's deadline is fixed by its first fragment, and
 * the clock does not go back, so both stay in deadline order):
 *
 *   live    [d4]─[d9]─[d2]─ ...   datagrams holding fragments: timeout, eviction
 *   failed  [d7]─[d3]─ ...        records of given-up datagrams: forgotten at timeout
 *
 * A full table first forgets the oldest given-up record, then evicts the oldest datagram;
 * the memcap evicts the oldest other datagrams until a new fragment fits. Evicting the
 * oldest means a flood of fragments that never complete pushes itself out, while a real
 * datagram, whose fragments come within microseconds, completes.
 */
#include <string.h>
#include "defrag_table.h"

#define DEFRAG_ALIGN 64

enum dg_state {
	DG_FREE = 0,
	DG_OPEN,	/* gathering fragments: in the hash and the live list */
	DG_FAILED,	/* given up: in the hash and the failed list, holds nothing */
	DG_DONE,	/* complete, waiting for defrag_table_done_release: in no list */
};

struct defrag_dgram {
	struct defrag_key key;
	uint64_t deadline;	/* first fragment + timeout */
	uint64_t cost;		/* of the fragments held */
	uint32_t hash;
	uint32_t hnext;		/* hash chain, or free list (index + 1) */
	uint32_t prev, next;	/* age list (index + 1) */
	uint32_t head, tail;	/* fragments by offset (node index + 1) */
	uint32_t nfrags;	/* fragments held */
	uint32_t total;		/* data length, once the last fragment is in */
	uint32_t covered;	/* data bytes held */
	uint8_t state;		/* enum dg_state */
	uint8_t why;		/* DG_FAILED: the reason */
	uint8_t has_last;
	uint8_t proto;
};

struct dg_list {
	uint32_t head, tail;	/* index + 1 */
};

struct defrag_table {
	struct defrag_table_conf conf;
	struct defrag_table_ops ops;
	struct defrag_table_stats stats;
	uint32_t mask;			/* buckets - 1 */
	uint32_t *buckets;		/* chain heads (index + 1) */
	struct defrag_dgram *dg;	/* max_dgrams records */
	struct defrag_node *nodes;	/* n_nodes records */
	uint32_t n_nodes;
	uint32_t free_dg;		/* free records (index + 1) */
	uint32_t free_node;
	struct dg_list live, failed;
	uint32_t done;			/* complete datagram not yet released (index + 1) */
};

_Static_assert(sizeof(struct defrag_key) == 40, "defrag_key is compared and hashed whole");

static inline size_t
defrag_align(size_t n)
{
	return (n + DEFRAG_ALIGN - 1) & ~(size_t)(DEFRAG_ALIGN - 1);
}

static uint32_t
defrag_buckets(uint32_t max_dgrams)
{
	uint32_t b = 1;

	while (b < max_dgrams && b < (1u << 31))
		b <<= 1;
	return b;
}

static uint64_t
defrag_node_count(const struct defrag_table_conf *c)
{
	uint64_t n = c->memcap / DEFRAG_TABLE_MIN_COST;
	uint64_t most = (uint64_t)c->max_dgrams * c->max_frags;

	return n < most ? n : most;
}

static int
defrag_conf_valid(const struct defrag_table_conf *c)
{
	return c != NULL && c->max_dgrams != 0 && c->max_dgrams < (1u << 31) &&
	       c->max_frags >= DEFRAG_TABLE_FRAGS_MIN && c->max_frags <= DEFRAG_TABLE_FRAGS_MAX &&
	       c->timeout_us != 0 && c->memcap >= DEFRAG_TABLE_MIN_COST &&
	       defrag_node_count(c) < UINT32_MAX;
}

size_t
defrag_table_memsize(const struct defrag_table_conf *conf)
{
	size_t total, part;

	if (!defrag_conf_valid(conf))
		return 0;
	total = defrag_align(sizeof(struct defrag_table));
	part = defrag_align((size_t)defrag_buckets(conf->max_dgrams) * sizeof(uint32_t));
	if (__builtin_add_overflow(total, part, &total))
		return 0;
	if (__builtin_mul_overflow((size_t)conf->max_dgrams, sizeof(struct defrag_dgram), &part) ||
	    __builtin_add_overflow(total, defrag_align(part), &total))
		return 0;
	if (__builtin_mul_overflow((size_t)defrag_node_count(conf), sizeof(struct defrag_node),
				   &part) ||
	    __builtin_add_overflow(total, defrag_align(part), &total))
		return 0;
	return total;
}

struct defrag_table *
defrag_table_init(void *mem, const struct defrag_table_conf *conf,
		  const struct defrag_table_ops *ops)
{
	struct defrag_table *t = mem;
	uint8_t *p = mem;
	uint32_t i, nb;

	if (mem == NULL || ops == NULL || ops->release == NULL || defrag_table_memsize(conf) == 0)
		return NULL;
	if (((uintptr_t)mem & (DEFRAG_ALIGN - 1)) != 0)
		return NULL;
	memset(t, 0, sizeof(*t));
	t->conf = *conf;
	t->ops = *ops;
	nb = defrag_buckets(conf->max_dgrams);
	t->mask = nb - 1;
	t->n_nodes = (uint32_t)defrag_node_count(conf);
	p += defrag_align(sizeof(*t));
	t->buckets = (uint32_t *)p;
	memset(t->buckets, 0, (size_t)nb * sizeof(uint32_t));
	p += defrag_align((size_t)nb * sizeof(uint32_t));
	t->dg = (struct defrag_dgram *)p;
	p += defrag_align((size_t)conf->max_dgrams * sizeof(struct defrag_dgram));
	t->nodes = (struct defrag_node *)p;
	/* Free lists in index order, so runs are deterministic. */
	for (i = conf->max_dgrams; i > 0; i--) {
		t->dg[i - 1].state = DG_FREE;
		t->dg[i - 1].hnext = t->free_dg;
		t->free_dg = i;
	}
	for (i = t->n_nodes; i > 0; i--) {
		t->nodes[i - 1].next = t->free_node;
		t->free_node = i;
	}
	return t;
}

static inline struct defrag_dgram *
dg_at(const struct defrag_table *t, uint32_t i)
{
	return &t->dg[i - 1];
}

static inline struct defrag_node *
node_at(const struct defrag_table *t, uint32_t i)
{
	return &t->nodes[i - 1];
}

static inline uint32_t
node_end(const struct defrag_table *t, uint32_t i)
{
	return node_at(t, i)->off + node_at(t, i)->len;
}

/* Seeded 64-bit mix of the whole key, so chains cannot be lined up without the seed. */
static uint32_t
defrag_hash(const struct defrag_table *t, const struct defrag_key *k)
{
	uint64_t w[sizeof(*k) / 8], h = t->conf.seed ^ 0x9e3779b97f4a7c15ull;
	unsigned int i;

	memcpy(w, k, sizeof(w));
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		h ^= w[i];
		h *= 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
	}
	h ^= h >> 33;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 29;
	return (uint32_t)h;
}

static void
list_append(struct defrag_table *t, struct dg_list *l, uint32_t i)
{
	struct defrag_dgram *d = dg_at(t, i);

	d->prev = l->tail;
	d->next = 0;
	if (l->tail != 0)
		dg_at(t, l->tail)->next = i;
	else
		l->head = i;
	l->tail = i;
}

static void
list_remove(struct defrag_table *t, struct dg_list *l, uint32_t i)
{
	struct defrag_dgram *d = dg_at(t, i);

	if (d->prev != 0)
		dg_at(t, d->prev)->next = d->next;
	else
		l->head = d->next;
	if (d->next != 0)
		dg_at(t, d->next)->prev = d->prev;
	else
		l->tail = d->prev;
	d->prev = d->next = 0;
}

static void
hash_remove(struct defrag_table *t, uint32_t i)
{
	uint32_t *pp = &t->buckets[dg_at(t, i)->hash & t->mask];

	while (*pp != 0 && *pp != i)
		pp = &dg_at(t, *pp)->hnext;
	if (*pp == i)
		*pp = dg_at(t, i)->hnext;
	dg_at(t, i)->hnext = 0;
}

static uint32_t
hash_lookup(const struct defrag_table *t, const struct defrag_key *k, uint32_t h)
{
	uint32_t i = t->buckets[h & t->mask];

	while (i != 0) {
		const struct defrag_dgram *d = dg_at(t, i);

		if (d->hash == h && memcmp(&d->key, k, sizeof(*k)) == 0)
			return i;
		i = d->hnext;
	}
	return 0;
}

/* obj leaves the table for why. */
static void
leave(struct defrag_table *t, void *obj, enum defrag_reason why)
{
	t->stats.out[why]++;
	t->ops.release(t->ops.cookie, obj, why);
}

/* Every fragment datagram i holds leaves for why, in offset order. */
static void
dg_release_nodes(struct defrag_table *t, uint32_t i, enum defrag_reason why)
{
	struct defrag_dgram *d = dg_at(t, i);
	uint32_t n = d->head;

	while (n != 0) {
		struct defrag_node *nd = node_at(t, n);
		uint32_t next = nd->next;
		void *obj = nd->obj;

		t->stats.held--;
		t->stats.held_cost -= nd->cost;
		nd->obj = NULL;
		nd->next = t->free_node;
		t->free_node = n;
		leave(t, obj, why);
		n = next;
	}
	d->head = d->tail = 0;
	d->nfrags = 0;
	d->covered = 0;
	d->cost = 0;
}

/* Record i goes back to the free list (it holds nothing any more). */
static void
dg_free(struct defrag_table *t, uint32_t i)
{
	struct defrag_dgram *d = dg_at(t, i);

	if (d->state == DG_OPEN || d->state == DG_FAILED) {
		hash_remove(t, i);
		list_remove(t, d->state == DG_OPEN ? &t->live : &t->failed, i);
	}
	d->state = DG_FREE;
	d->hnext = t->free_dg;
	t->free_dg = i;
	t->stats.in_table--;
}

static void
dg_report(struct defrag_table *t, const struct defrag_dgram *d, enum defrag_reason why,
	  uint32_t frags)
{
	if (t->ops.failed != NULL)
		t->ops.failed(t->ops.cookie, &d->key, d->proto, why, frags);
}

/*
 * Give datagram i up because of fragment f (already counted as offered): its fragments
 * and f leave for why. A sender's fault (too many, overlap, invalid) is reported and the
 * record stays, holding nothing, until the timeout; the memcap just frees it.
 */
static void
dg_fail(struct defrag_table *t, uint32_t i, enum defrag_reason why, const struct defrag_frag *f)
{
	struct defrag_dgram *d = dg_at(t, i);
	uint32_t frags = d->nfrags + 1;

	dg_release_nodes(t, i, why);
	leave(t, f->obj, why);
	if (why == DEFRAG_MEMCAP) {
		dg_free(t, i);
		return;
	}
	dg_report(t, d, why, frags);
	list_remove(t, &t->live, i);
	d->state = DG_FAILED;
	d->why = (uint8_t)why;
	list_append(t, &t->failed, i);
}

/* Evict the open datagram i: its fragments leave for why, its record is freed. */
static void
dg_evict(struct defrag_table *t, uint32_t i, enum defrag_reason why)
{
	dg_release_nodes(t, i, why);
	dg_free(t, i);
}

/* A record for a new datagram k (evicting when the table is full). */
static uint32_t
dg_new(struct defrag_table *t, const struct defrag_key *k, uint32_t h, uint8_t proto,
       uint64_t now_us)
{
	struct defrag_dgram *d;
	uint32_t i;

	if (t->free_dg == 0) {
		/* Forget a given-up datagram before evicting one that may still complete. */
		if (t->failed.head != 0)
			dg_free(t, t->failed.head);
		else
			dg_evict(t, t->live.head, DEFRAG_TABLE_FULL);
	}
	i = t->free_dg;
	d = dg_at(t, i);
	t->free_dg = d->hnext;
	memset(d, 0, sizeof(*d));
	d->key = *k;
	d->hash = h;
	d->proto = proto;
	d->deadline = now_us > UINT64_MAX - t->conf.timeout_us ? UINT64_MAX :
		      now_us + t->conf.timeout_us;
	d->state = DG_OPEN;
	d->hnext = t->buckets[h & t->mask];
	t->buckets[h & t->mask] = i;
	list_append(t, &t->live, i);
	t->stats.in_table++;
	return i;
}

/* Whether f's ends disagree with what datagram d knows of its end. */
static int
ends_disagree(const struct defrag_table *t, const struct defrag_dgram *d,
	      const struct defrag_frag *f, uint32_t end)
{
	if (f->more)
		return d->has_last && end > d->total;
	if (d->has_last)
		return end != d->total;
	return d->tail != 0 && node_end(t, d->tail) > end;
}

enum defrag_add
defrag_table_add(struct defrag_table *t, const struct defrag_key *k,
		 const struct defrag_frag *f, uint64_t now_us)
{
	uint32_t i, prev, cur, hit, n, end, cost;
	struct defrag_dgram *d;
	struct defrag_node *nd;

	defrag_table_expire(t, now_us);
	t->stats.frags++;
	if (f->len == 0 || f->off > DEFRAG_TABLE_MAX_END ||
	    f->len > DEFRAG_TABLE_MAX_END - f->off) {
		leave(t, f->obj, DEFRAG_INVALID);
		return DEFRAG_ADD_RELEASED;
	}
	end = f->off + f->len;
	cost = f->cost > DEFRAG_TABLE_MIN_COST ? f->cost : DEFRAG_TABLE_MIN_COST;
	{
		uint32_t h = defrag_hash(t, k);

		i = hash_lookup(t, k, h);
		if (i == 0)
			i = dg_new(t, k, h, f->proto, now_us);
	}
	d = dg_at(t, i);
	if (d->state == DG_FAILED) {
		leave(t, f->obj, (enum defrag_reason)d->why);
		return DEFRAG_ADD_RELEASED;
	}
	if (ends_disagree(t, d, f, end)) {
		dg_fail(t, i, DEFRAG_INVALID, f);
		return DEFRAG_ADD_RELEASED;
	}

	/* Where f goes: after prev (offset below f's), before cur. In order: after the tail;
	 * in reverse order: before the head; only fragments that arrive mixed up walk. */
	prev = 0;
	cur = d->head;
	if (d->tail != 0 && node_at(t, d->tail)->off < f->off) {
		prev = d->tail;
		cur = 0;
	} else {
		while (cur != 0 && node_at(t, cur)->off < f->off) {
			prev = cur;
			cur = node_at(t, cur)->next;
		}
	}
	hit = 0;
	if (prev != 0 && node_end(t, prev) > f->off)
		hit = prev;
	else if (cur != 0 && node_at(t, cur)->off < end)
		hit = cur;
	if (hit != 0) {
		uint32_t pos = f->off;

		/* Held fragments never overlap: walk them while they cover f without a hole. */
		for (n = hit; n != 0 && node_at(t, n)->off <= pos && pos < end;
		     n = node_at(t, n)->next)
			pos = node_end(t, n) > pos ? node_end(t, n) : pos;
		if (pos < end) {
			dg_fail(t, i, DEFRAG_OVERLAP, f);
			return DEFRAG_ADD_RELEASED;
		}
		/* All held already: the first copy stays (a last fragment that is a duplicate
		 * does not complete the datagram either, as in Linux). */
		leave(t, f->obj, DEFRAG_DUPLICATE);
		return DEFRAG_ADD_RELEASED;
	}
	if (d->nfrags >= t->conf.max_frags) {
		dg_fail(t, i, DEFRAG_TOO_MANY, f);
		return DEFRAG_ADD_RELEASED;
	}
	while (t->stats.held_cost + cost > t->conf.memcap || t->free_node == 0) {
		uint32_t v = t->live.head;

		if (v == i)
			v = d->next;
		if (v == 0) {
			dg_fail(t, i, DEFRAG_MEMCAP, f);
			return DEFRAG_ADD_RELEASED;
		}
		dg_evict(t, v, DEFRAG_MEMCAP);
	}

	n = t->free_node;
	nd = node_at(t, n);
	t->free_node = nd->next;
	nd->off = f->off;
	nd->len = f->len;
	nd->cost = cost;
	nd->aux = f->aux;
	nd->obj = f->obj;
	if (prev != 0) {
		nd->next = node_at(t, prev)->next;
		node_at(t, prev)->next = n;
	} else {
		nd->next = d->head;
		d->head = n;
	}
	if (nd->next == 0)
		d->tail = n;
	d->nfrags++;
	d->covered += f->len;
	d->cost += cost;
	t->stats.held++;
	t->stats.held_cost += cost;
	if (!f->more) {
		d->has_last = 1;
		d->total = end;
	}
	if (!d->has_last || d->covered != d->total)
		return DEFRAG_ADD_HELD;
	hash_remove(t, i);
	list_remove(t, &t->live, i);
	d->state = DG_DONE;
	t->done = i;
	return DEFRAG_ADD_DONE;
}

void
defrag_table_refuse(struct defrag_table *t, void *obj, enum defrag_reason why)
{
	t->stats.frags++;
	leave(t, obj, why == DEFRAG_REASSEMBLED || why >= DEFRAG_REASON__COUNT ? DEFRAG_INVALID :
		      why);
}

uint32_t
defrag_table_done_len(const struct defrag_table *t)
{
	return t->done != 0 ? dg_at(t, t->done)->total : 0;
}

const struct defrag_node *
defrag_table_done_first(const struct defrag_table *t)
{
	return t->done != 0 ? node_at(t, dg_at(t, t->done)->head) : NULL;
}

const struct defrag_node *
defrag_table_done_next(const struct defrag_table *t, const struct defrag_node *n)
{
	return n != NULL && n->next != 0 ? node_at(t, n->next) : NULL;
}

void
defrag_table_done_release(struct defrag_table *t, enum defrag_reason why)
{
	uint32_t i = t->done;
	struct defrag_dgram *d;

	if (i == 0)
		return;
	t->done = 0;
	d = dg_at(t, i);
	if (why == DEFRAG_REASSEMBLED)
		t->stats.datagrams++;
	else
		dg_report(t, d, why, d->nfrags);
	dg_release_nodes(t, i, why);
	dg_free(t, i);
}

void
defrag_table_expire(struct defrag_table *t, uint64_t now_us)
{
	defrag_table_done_release(t, DEFRAG_REASSEMBLED);
	while (t->live.head != 0 && dg_at(t, t->live.head)->deadline <= now_us)
		dg_evict(t, t->live.head, DEFRAG_TIMEOUT);
	while (t->failed.head != 0 && dg_at(t, t->failed.head)->deadline <= now_us)
		dg_free(t, t->failed.head);
}

void
defrag_table_flush(struct defrag_table *t, enum defrag_reason why)
{
	defrag_table_done_release(t, DEFRAG_REASSEMBLED);
	while (t->live.head != 0)
		dg_evict(t, t->live.head, why);
	while (t->failed.head != 0)
		dg_free(t, t->failed.head);
}

const struct defrag_table_stats *
defrag_table_stats(const struct defrag_table *t)
{
	return &t->stats;
}
