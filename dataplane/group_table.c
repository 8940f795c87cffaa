/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The address -> policy group table (group_table.h): builder and build, control thread only.
 * The lookup is a static inline in group_table.h; the layout is in group_table_types.h.
 *
 * Each family is built by a sweep line (as in the classic interval-union algorithms, e.g.
 * de Berg et al., Computational Geometry, ch. 2) over the boundaries of its ranges: a range
 * lo..hi of group g is an event (+1, g) at lo and (-1, g) at hi + 1, with no end event when
 * hi is the family's highest address (so 255.255.255.255 and ffff:...:ffff need no
 * arithmetic past the top). Walking the events in key order while keeping a count per group
 * gives, after each key, the set of groups covering the addresses from that key on; a count
 * rather than a bit makes overlapping or repeated ranges of one group come out right:
 *
 *   group 2:  [-----------]        [--]
 *   group 2:        [---------]
 *   group 3:     [-----]
 *   key:      a  b  c     d e   f  g  h
 *   count 2:  1  1  2     2 1   0  1  0
 *   count 3:  0  1  1     0 0   0  0  0
 *   set:      {2}{2,3} .  {2}.  {} {2} {}     ("." : same set as before, no new interval)
 *
 * A new interval starts only where the set changes, so neighbours never share a set. Sets
 * are interned as they appear (an open-addressing hash over their words), so an interval
 * costs 4 or 16 bytes of start plus a 4-byte set index whatever the number of groups, and
 * the thousands of /32s of one label-selected group share one 40-byte set.
 *
 * Arithmetic is on unsigned __int128 (a GNU C extension, gnu11 as the build uses) so that
 * IPv4 and IPv6 share one sweep; the table itself stores uint32 and two uint64 halves.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "group_table.h"

/* A scalar, not a struct: the conventions' no-typedef rule is about structs. */
typedef unsigned __int128 gt_u128;

#define GT_ALIGN	64
#define GT_EMPTY_SLOT	UINT32_MAX

struct gt_entry {
	gt_u128 lo, hi;		/* inclusive, as numbers */
	uint16_t group;
	uint8_t family;
};

struct group_table_builder {
	struct gt_entry *e;
	size_t n, cap;
};

/* One boundary of the sweep: at key, group's count changes by delta. */
struct gt_event {
	gt_u128 key;
	uint32_t group;
	int32_t delta;
};

/* The distinct sets met so far, each once, in lookup form (any and external bits set). */
struct gt_pool {
	struct group_set *sets;
	uint32_t n, cap;
	uint32_t *slots;	/* indexes into sets or GT_EMPTY_SLOT; nslots a power of two */
	uint32_t nslots;
};

/* One family's partition before layout. */
struct gt_part {
	gt_u128 *start;
	uint32_t *set;
	uint32_t n;
};

static void __attribute__((format(printf, 3, 4)))
gt_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static gt_u128
gt_max(int family)
{
	return family == AF_INET ? (gt_u128)UINT32_MAX : ~(gt_u128)0;
}

static gt_u128
gt_from_bytes(int family, const uint8_t ip[16])
{
	unsigned int i, n = family == AF_INET ? 4 : 16;
	gt_u128 v = 0;

	for (i = 0; i < n; i++)
		v = v << 8 | ip[i];
	return v;
}

/* Builder */

struct group_table_builder *
group_table_builder_create(void)
{
	struct group_table_builder *b = calloc(1, sizeof(*b));

	if (b == NULL)
		errno = ENOMEM;
	return b;
}

void
group_table_builder_free(struct group_table_builder *b)
{
	if (b == NULL)
		return;
	free(b->e);
	free(b);
}

/* Checks shared by every add; 0 or -EINVAL. */
static int
gt_check(const struct group_table_builder *b, int family, const void *addr, unsigned int group)
{
	if (b == NULL || addr == NULL)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (group < POLICY_GROUP_FIRST_USER || group >= GROUP_TABLE_GROUPS)
		return -EINVAL;
	return 0;
}

static int
gt_push(struct group_table_builder *b, int family, gt_u128 lo, gt_u128 hi, unsigned int group)
{
	if (b->n == b->cap) {
		size_t cap = b->cap == 0 ? 64 : b->cap * 2;
		struct gt_entry *e;

		if (b->n >= GROUP_TABLE_MAX_ENTRIES)
			return -ENOSPC;
		if (cap > GROUP_TABLE_MAX_ENTRIES)
			cap = GROUP_TABLE_MAX_ENTRIES;
		e = realloc(b->e, cap * sizeof(*e));
		if (e == NULL)
			return -ENOMEM;
		b->e = e;
		b->cap = cap;
	}
	b->e[b->n].lo = lo;
	b->e[b->n].hi = hi;
	b->e[b->n].group = (uint16_t)group;
	b->e[b->n].family = (uint8_t)family;
	b->n++;
	return 0;
}

int
group_table_add_range(struct group_table_builder *b, int family, const uint8_t lo[16],
		      const uint8_t hi[16], unsigned int group)
{
	gt_u128 l, h;
	int rc = gt_check(b, family, lo, group);

	if (rc != 0 || hi == NULL)
		return rc != 0 ? rc : -EINVAL;
	l = gt_from_bytes(family, lo);
	h = gt_from_bytes(family, hi);
	if (l > h)
		return -EINVAL;
	return gt_push(b, family, l, h, group);
}

int
group_table_add_cidr(struct group_table_builder *b, int family, const uint8_t addr[16],
		     unsigned int prefix, unsigned int group)
{
	unsigned int width = family == AF_INET ? 32 : 128;
	gt_u128 host, lo;
	int rc = gt_check(b, family, addr, group);

	if (rc != 0)
		return rc;
	if (prefix > width)
		return -EINVAL;
	/* A shift by 128 is undefined: /0 of IPv6 is the whole space. */
	host = width - prefix == 128 ? ~(gt_u128)0 : ((gt_u128)1 << (width - prefix)) - 1;
	lo = gt_from_bytes(family, addr) & ~host;
	return gt_push(b, family, lo, lo | host, group);
}

int
group_table_add_ip(struct group_table_builder *b, int family, const uint8_t ip[16],
		   unsigned int group)
{
	return group_table_add_range(b, family, ip, ip, group);
}

/* Set pool */

static uint32_t
gt_hash(const struct group_set *s)
{
	uint64_t h = 0;
	unsigned int i;

	for (i = 0; i < GROUP_TABLE_WORDS; i++) {
		h = (h ^ s->w[i]) * UINT64_C(0x9E3779B97F4A7C15);
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ h >> 32);
}

static int
gt_pool_rehash(struct gt_pool *p, uint32_t nslots)
{
	uint32_t *slots = malloc(nslots * sizeof(*slots));
	uint32_t i;

	if (slots == NULL)
		return -ENOMEM;
	for (i = 0; i < nslots; i++)
		slots[i] = GT_EMPTY_SLOT;
	for (i = 0; i < p->n; i++) {
		uint32_t h = gt_hash(&p->sets[i]) & (nslots - 1);

		while (slots[h] != GT_EMPTY_SLOT)
			h = (h + 1) & (nslots - 1);
		slots[h] = i;
	}
	free(p->slots);
	p->slots = slots;
	p->nslots = nslots;
	return 0;
}

/* The index of the lookup form of user set u, adding it when new. */
static int
gt_pool_intern(struct gt_pool *p, const struct group_set *u, uint32_t *idx)
{
	struct group_set s = *u;
	uint32_t h;

	group_set_add(&s, POLICY_GROUP_ANY);
	if (group_set_count(&s) == 1)
		group_set_add(&s, POLICY_GROUP_EXTERNAL);
	/* Keep the load at most one half, so probes stay short and a slot is always free. */
	if ((p->n + 1) * 2 > p->nslots) {
		int rc = gt_pool_rehash(p, p->nslots == 0 ? 64 : p->nslots * 2);

		if (rc != 0)
			return rc;
	}
	for (h = gt_hash(&s) & (p->nslots - 1); p->slots[h] != GT_EMPTY_SLOT;
	     h = (h + 1) & (p->nslots - 1)) {
		if (group_set_equal(&p->sets[p->slots[h]], &s)) {
			*idx = p->slots[h];
			return 0;
		}
	}
	if (p->n == p->cap) {
		uint32_t cap = p->cap == 0 ? 16 : p->cap * 2;
		struct group_set *sets = realloc(p->sets, cap * sizeof(*sets));

		if (sets == NULL)
			return -ENOMEM;
		p->sets = sets;
		p->cap = cap;
	}
	p->sets[p->n] = s;
	p->slots[h] = p->n;
	*idx = p->n++;
	return 0;
}

static void
gt_pool_free(struct gt_pool *p)
{
	free(p->sets);
	free(p->slots);
}

/* Sweep */

static int
gt_event_cmp(const void *a, const void *b)
{
	gt_u128 x = ((const struct gt_event *)a)->key, y = ((const struct gt_event *)b)->key;

	return x < y ? -1 : x > y;
}

/* The partition of family's addresses into *part (arrays allocated; the caller frees). */
static int
gt_sweep(const struct group_table_builder *b, int family, struct gt_pool *pool,
	 struct gt_part *part)
{
	uint32_t count[GROUP_TABLE_GROUPS] = { 0 };
	struct group_set cur, last;
	struct gt_event *ev;
	size_t i, nev = 0, m = 0;
	gt_u128 top = gt_max(family);
	int rc;

	for (i = 0; i < b->n; i++)
		m += b->e[i].family == family;
	/* At most one interval per event, plus the one at address 0. */
	ev = malloc((2 * m + 1) * sizeof(*ev));
	part->start = malloc((2 * m + 1) * sizeof(*part->start));
	part->set = malloc((2 * m + 1) * sizeof(*part->set));
	if (ev == NULL || part->start == NULL || part->set == NULL) {
		free(ev);
		return -ENOMEM;
	}
	for (i = 0; i < b->n; i++) {
		const struct gt_entry *e = &b->e[i];

		if (e->family != family)
			continue;
		ev[nev++] = (struct gt_event){ .key = e->lo, .group = e->group, .delta = 1 };
		if (e->hi != top)
			ev[nev++] = (struct gt_event){ .key = e->hi + 1, .group = e->group,
						       .delta = -1 };
	}
	qsort(ev, nev, sizeof(*ev), gt_event_cmp);

	group_set_clear(&cur);
	group_set_clear(&last);
	part->n = 1;
	part->start[0] = 0;
	rc = gt_pool_intern(pool, &last, &part->set[0]);
	for (i = 0; rc == 0 && i < nev;) {
		gt_u128 key = ev[i].key;

		for (; i < nev && ev[i].key == key; i++) {
			uint32_t g = ev[i].group;

			if (ev[i].delta > 0 && count[g]++ == 0)
				cur.w[g / 64] |= UINT64_C(1) << (g % 64);
			else if (ev[i].delta < 0 && --count[g] == 0)
				cur.w[g / 64] &= ~(UINT64_C(1) << (g % 64));
		}
		if (group_set_equal(&cur, &last))
			continue;
		/* Only key 0 can equal the last start: the first interval takes its set. */
		if (part->start[part->n - 1] != key) {
			part->start[part->n] = key;
			part->n++;
		}
		rc = gt_pool_intern(pool, &cur, &part->set[part->n - 1]);
		last = cur;
	}
	free(ev);
	return rc;
}

static void
gt_part_free(struct gt_part *p)
{
	free(p->start);
	free(p->set);
}

static size_t
gt_round(size_t n)
{
	return (n + GT_ALIGN - 1) & ~(size_t)(GT_ALIGN - 1);
}

/*
 * One block, each region on 64 bytes:
 *   header | sets [nsets] | v6_start [n6] | v4_start [n4] | v4_set [n4] | v6_set [n6]
 */
static struct group_table *
gt_layout(const struct gt_pool *pool, const struct gt_part *p4, const struct gt_part *p6)
{
	size_t o_sets = gt_round(sizeof(struct group_table));
	size_t o_v6 = o_sets + gt_round(pool->n * sizeof(struct group_set));
	size_t o_v4 = o_v6 + gt_round(p6->n * sizeof(struct group_table_key6));
	size_t o_v4s = o_v4 + gt_round(p4->n * sizeof(uint32_t));
	size_t o_v6s = o_v4s + gt_round(p4->n * sizeof(uint32_t));
	size_t size = o_v6s + gt_round(p6->n * sizeof(uint32_t));
	struct group_table_key6 *v6;
	struct group_table *t;
	uint32_t *v4;
	uint8_t *mem;
	uint32_t i;

	mem = aligned_alloc(GT_ALIGN, size);
	if (mem == NULL)
		return NULL;
	t = (struct group_table *)mem;
	memset(t, 0, sizeof(*t));
	t->n4 = p4->n;
	t->n6 = p6->n;
	t->nsets = pool->n;
	t->memsize = size;
	memcpy(mem + o_sets, pool->sets, pool->n * sizeof(struct group_set));
	t->sets = (const struct group_set *)(mem + o_sets);
	v6 = (struct group_table_key6 *)(mem + o_v6);
	for (i = 0; i < p6->n; i++) {
		v6[i].hi = (uint64_t)(p6->start[i] >> 64);
		v6[i].lo = (uint64_t)p6->start[i];
	}
	t->v6_start = v6;
	v4 = (uint32_t *)(mem + o_v4);
	for (i = 0; i < p4->n; i++)
		v4[i] = (uint32_t)p4->start[i];
	t->v4_start = v4;
	memcpy(mem + o_v4s, p4->set, p4->n * sizeof(uint32_t));
	t->v4_set = (const uint32_t *)(mem + o_v4s);
	memcpy(mem + o_v6s, p6->set, p6->n * sizeof(uint32_t));
	t->v6_set = (const uint32_t *)(mem + o_v6s);
	return t;
}

struct group_table *
group_table_build(const struct group_table_builder *b, unsigned int n_user_groups, char *err,
		  size_t errlen)
{
	struct gt_part p4 = { 0 }, p6 = { 0 };
	struct gt_pool pool = { 0 };
	struct group_table *t = NULL;
	size_t i;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (b == NULL) {
		gt_fail(err, errlen, "group table: builder is NULL");
		errno = EINVAL;
		return NULL;
	}
	if (n_user_groups > POLICY_MAX_GROUPS) {
		gt_fail(err, errlen, "group table: %u user groups (expected at most %u)",
			n_user_groups, POLICY_MAX_GROUPS);
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; i < b->n; i++) {
		unsigned int g = b->e[i].group;

		if (g < POLICY_GROUP_FIRST_USER + n_user_groups)
			continue;
		if (n_user_groups == 0)
			gt_fail(err, errlen, "group table: entry %zu: group %u is out of range "
				"(expected no entries: the policy has no user groups)", i, g);
		else
			gt_fail(err, errlen, "group table: entry %zu: group %u is out of range "
				"(expected %u to %u for %u user groups)", i, g,
				POLICY_GROUP_FIRST_USER,
				POLICY_GROUP_FIRST_USER + n_user_groups - 1, n_user_groups);
		errno = EINVAL;
		return NULL;
	}

	rc = gt_sweep(b, AF_INET, &pool, &p4);
	if (rc == 0)
		rc = gt_sweep(b, AF_INET6, &pool, &p6);
	if (rc == 0)
		t = gt_layout(&pool, &p4, &p6);
	gt_part_free(&p4);
	gt_part_free(&p6);
	gt_pool_free(&pool);
	if (t == NULL) {
		gt_fail(err, errlen, "group table: out of memory");
		errno = ENOMEM;
	}
	return t;
}

void
group_table_free(struct group_table *t)
{
	free(t);
}

size_t
group_table_memsize(const struct group_table *t)
{
	return t != NULL ? t->memsize : 0;
}

size_t
group_table_intervals(const struct group_table *t, int family)
{
	if (t == NULL)
		return 0;
	if (family == AF_INET)
		return t->n4;
	if (family == AF_INET6)
		return t->n6;
	return 0;
}
