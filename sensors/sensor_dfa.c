/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DFA construction for the sensor prefilter (control thread): parsed patterns
 * (sensor_regex.c) become one Thompson NFA, which the subset construction turns into a
 * DFA over byte classes (Aho, Lam, Sethi and Ullman, "Compilers", 3.7).
 *
 *   pattern tree ─► NFA (SET, SPLIT, EPS, MATCH states; counted repeats copied out)
 *                ─► important states (SET and MATCH) and their epsilon closures (bitsets)
 *                ─► DFA states = sets of important states, one per distinct set
 *
 * Unanchored: after every symbol the closure of every pattern's start is added again, so
 * a state holds every partial match in progress and lists every pattern whose match ends
 * at that symbol: the end offsets Hyperscan reports, for all patterns at once. Symbols
 * that no pattern tells apart share a class; '^' is the symbol SENSOR_RE_BOS. The number
 * of states is capped: past it the build fails and the caller keeps the patterns in
 * Hyperscan.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_regex.h"

#define NFA_MAX_STATES 200000

enum nfa_type { NFA_SET = 0, NFA_SPLIT, NFA_EPS, NFA_MATCH };

struct nfa_state {
	uint8_t type;
	uint32_t set;		/* NFA_SET: index into the pattern's sets, see set_of */
	int32_t out, out1;	/* -1: none */
	uint32_t id;		/* NFA_MATCH: pattern id; NFA_SET: owning pattern */
	int32_t imp;		/* index among important states, or -1 */
};

struct nfa {
	struct nfa_state *s;
	uint32_t n, cap;
	const struct sensor_re *const *res;
	uint32_t *pat_of;	/* NFA_SET: which res[] its set belongs to */
	int reverse;
	int failed;
};

struct frag {
	int32_t start, end;	/* end: an EPS state whose out is unset */
};

static int32_t
nfa_new(struct nfa *a, uint8_t type)
{
	struct nfa_state *s;

	if (a->n == a->cap) {
		uint32_t cap = a->cap ? a->cap * 2 : 256;
		void *p, *q;

		if (cap > NFA_MAX_STATES) {
			a->failed = 1;
			return -1;
		}
		p = realloc(a->s, sizeof(*a->s) * cap);
		if (p == NULL) {
			a->failed = 1;
			return -1;
		}
		a->s = p;
		q = realloc(a->pat_of, sizeof(*a->pat_of) * cap);
		if (q == NULL) {
			a->failed = 1;
			return -1;
		}
		a->pat_of = q;
		a->cap = cap;
	}
	s = &a->s[a->n];
	memset(s, 0, sizeof(*s));
	s->type = type;
	s->out = -1;
	s->out1 = -1;
	s->imp = -1;
	a->pat_of[a->n] = 0;
	return (int32_t)a->n++;
}

static struct frag
frag_eps(struct nfa *a)
{
	struct frag f;

	f.start = nfa_new(a, NFA_EPS);
	f.end = f.start;
	return f;
}

static struct frag build_node(struct nfa *a, uint32_t pat, int32_t i);

static struct frag
build_cat(struct nfa *a, uint32_t pat, const struct sensor_re *re, int32_t first)
{
	int32_t kids[256], k, n = 0;
	struct frag f, g;

	for (k = first; k >= 0; k = re->nodes[k].next) {
		if (n == 256) {
			a->failed = 1;
			return frag_eps(a);
		}
		kids[n++] = k;
	}
	f = frag_eps(a);
	if (a->failed)
		return f;
	for (k = 0; k < n; k++) {
		g = build_node(a, pat, kids[a->reverse ? n - 1 - k : k]);
		if (a->failed)
			return f;
		a->s[f.end].out = g.start;
		f.end = g.end;
	}
	return f;
}

static struct frag
build_node(struct nfa *a, uint32_t pat, int32_t i)
{
	const struct sensor_re *re = a->res[pat];
	const struct sensor_re_node *n = &re->nodes[i];
	struct frag f, g, x;
	int32_t s, k;
	uint32_t c;

	switch (n->kind) {
	case SENSOR_RE_SET:
		s = nfa_new(a, NFA_SET);
		f.start = s;
		f.end = nfa_new(a, NFA_EPS);
		if (a->failed)
			return f;
		a->s[s].set = n->set;
		a->s[s].out = f.end;
		a->pat_of[s] = pat;
		return f;
	case SENSOR_RE_CAT:
		return build_cat(a, pat, re, n->child);
	case SENSOR_RE_ALT:
		f.start = nfa_new(a, NFA_EPS);
		f.end = nfa_new(a, NFA_EPS);
		if (a->failed)
			return f;
		s = f.start;
		for (k = n->child; k >= 0 && !a->failed; k = re->nodes[k].next) {
			int32_t sp = nfa_new(a, NFA_SPLIT);

			g = build_node(a, pat, k);
			if (a->failed)
				return f;
			a->s[s].out = sp;
			a->s[sp].out = g.start;
			a->s[g.end].out = f.end;
			s = sp;
			a->s[sp].out1 = -1;
			/* the next alternative hangs off out1 through an EPS */
			if (re->nodes[k].next >= 0) {
				int32_t e = nfa_new(a, NFA_EPS);

				a->s[sp].out1 = e;
				s = e;
			}
		}
		return f;
	default:	/* REP */
		f = frag_eps(a);
		for (c = 0; c < n->min && !a->failed; c++) {
			g = build_node(a, pat, n->child);
			if (a->failed)
				return f;
			a->s[f.end].out = g.start;
			f.end = g.end;
		}
		if (n->max == SENSOR_RE_INF) {
			/* f.end -> split(x -> back to split, exit) */
			int32_t sp = nfa_new(a, NFA_SPLIT), ex = nfa_new(a, NFA_EPS);

			x = build_node(a, pat, n->child);
			if (a->failed)
				return f;
			a->s[f.end].out = sp;
			a->s[sp].out = x.start;
			a->s[sp].out1 = ex;
			a->s[x.end].out = sp;
			f.end = ex;
			return f;
		}
		/* (max - min) optional copies, each skippable to the common exit. */
		{
			int32_t ex = nfa_new(a, NFA_EPS);

			for (c = n->min; c < n->max && !a->failed; c++) {
				int32_t sp = nfa_new(a, NFA_SPLIT);

				x = build_node(a, pat, n->child);
				if (a->failed)
					return f;
				a->s[f.end].out = sp;
				a->s[sp].out = x.start;
				a->s[sp].out1 = ex;
				f.end = x.end;
			}
			if (a->failed)
				return f;
			a->s[f.end].out = ex;
			f.end = ex;
		}
		return f;
	}
}

/* ---- bitsets ---- */

struct builder {
	struct nfa a;
	uint32_t n_imp, words;
	int32_t *imp_state;	/* important index -> NFA state */
	uint64_t *close_next;	/* per important SET state: closure of its out */
	/* The same rows as lists of bits where that is shorter (most rows hold a few states):
	 * row i's bits are next_bits[next_off[i] .. next_off[i + 1]), or NEXT_DENSE. */
	uint32_t *next_off, *next_bits;
	uint64_t *close_start;	/* closure of every pattern start */
	uint16_t sym_cls[SENSOR_RE_SYMS];
	uint32_t n_cls;
	uint64_t *cls_mask;	/* per class: SET states whose set has the class's symbols */
	/* DFA states under construction */
	uint64_t *sets;		/* n_states * words */
	uint32_t n_states, cap_states;
	uint32_t *hash;		/* open addressing: state index + 1, 0 = empty */
	uint32_t hash_cap;
	uint32_t *trans;	/* n_states * n_cls, unscaled */
	uint32_t max_states;
};

static void
closure(const struct builder *b, int32_t s, uint64_t *out, int32_t *stack, uint8_t *seen)
{
	int32_t sp = 0;

	if (s < 0)
		return;
	stack[sp++] = s;
	while (sp > 0) {
		int32_t x = stack[--sp];
		const struct nfa_state *st;

		if (x < 0 || seen[x])
			continue;
		seen[x] = 1;
		st = &b->a.s[x];
		if (st->imp >= 0) {
			out[st->imp >> 6] |= 1ULL << (st->imp & 63);
			if (st->type == NFA_SET || st->type == NFA_MATCH)
				continue;
		}
		if (st->out >= 0)
			stack[sp++] = st->out;
		if (st->out1 >= 0)
			stack[sp++] = st->out1;
	}
}

static uint64_t
hash_set(const uint64_t *s, uint32_t words)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	uint32_t i;

	for (i = 0; i < words; i++) {
		h ^= s[i];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

static int
grow_states(struct builder *b)
{
	uint32_t cap = b->cap_states ? b->cap_states * 2 : 256;
	void *p, *q;

	if (cap > b->max_states + 1)
		cap = b->max_states + 1;
	p = realloc(b->sets, sizeof(uint64_t) * b->words * cap);
	if (p == NULL)
		return -ENOMEM;
	b->sets = p;
	q = realloc(b->trans, sizeof(uint32_t) * b->n_cls * cap);
	if (q == NULL)
		return -ENOMEM;
	b->trans = q;
	b->cap_states = cap;
	return 0;
}

static int
rehash(struct builder *b)
{
	uint32_t cap = b->hash_cap ? b->hash_cap * 2 : 1024, i;
	uint32_t *h = calloc(cap, sizeof(*h));

	if (h == NULL)
		return -ENOMEM;
	for (i = 0; i < b->n_states; i++) {
		uint32_t k = (uint32_t)hash_set(&b->sets[(size_t)i * b->words], b->words) &
			     (cap - 1);

		while (h[k] != 0)
			k = (k + 1) & (cap - 1);
		h[k] = i + 1;
	}
	free(b->hash);
	b->hash = h;
	b->hash_cap = cap;
	return 0;
}

#define NEXT_DENSE (1u << 31)

/* next_off / next_bits from close_next: each row with at most words bits as a list. */
static int
list_rows(struct builder *b)
{
	uint32_t i, w, n = 0;

	b->next_off = malloc(sizeof(*b->next_off) * ((size_t)b->n_imp + 1));
	if (b->next_off == NULL)
		return -ENOMEM;
	for (i = 0; i < b->n_imp; i++) {
		const uint64_t *c = &b->close_next[(size_t)i * b->words];
		uint32_t bits = 0;

		for (w = 0; w < b->words; w++)
			bits += (uint32_t)__builtin_popcountll(c[w]);
		b->next_off[i] = bits <= b->words ? n : n | NEXT_DENSE;
		n += bits <= b->words ? bits : 0;
	}
	b->next_off[b->n_imp] = n;
	b->next_bits = malloc(sizeof(*b->next_bits) * (n ? n : 1));
	if (b->next_bits == NULL)
		return -ENOMEM;
	for (i = 0, n = 0; i < b->n_imp; i++) {
		const uint64_t *c = &b->close_next[(size_t)i * b->words];

		if (b->next_off[i] & NEXT_DENSE)
			continue;
		for (w = 0; w < b->words; w++) {
			uint64_t x = c[w];

			for (; x != 0; x &= x - 1)
				b->next_bits[n++] = w * 64 + (uint32_t)__builtin_ctzll(x);
		}
	}
	return 0;
}

/* cur |= row i of close_next. */
static inline void
add_row(const struct builder *b, uint64_t *cur, uint32_t i)
{
	uint32_t off = b->next_off[i], x, end;

	if (off & NEXT_DENSE) {
		const uint64_t *c = &b->close_next[(size_t)i * b->words];

		for (x = 0; x < b->words; x++)
			cur[x] |= c[x];
		return;
	}
	end = b->next_off[i + 1] & ~NEXT_DENSE;
	for (x = off; x < end; x++)
		cur[b->next_bits[x] >> 6] |= 1ULL << (b->next_bits[x] & 63);
}

/* The index of state set s, added if new; -ENOSPC past max_states. */
static int64_t
intern(struct builder *b, const uint64_t *s)
{
	uint32_t k;

	if (b->n_states * 2 >= b->hash_cap && rehash(b) != 0)
		return -ENOMEM;
	k = (uint32_t)hash_set(s, b->words) & (b->hash_cap - 1);
	while (b->hash[k] != 0) {
		uint32_t i = b->hash[k] - 1;

		if (memcmp(&b->sets[(size_t)i * b->words], s, sizeof(uint64_t) * b->words) == 0)
			return i;
		k = (k + 1) & (b->hash_cap - 1);
	}
	if (b->n_states == b->max_states)
		return -ENOSPC;
	if (b->n_states == b->cap_states && grow_states(b) != 0)
		return -ENOMEM;
	memcpy(&b->sets[(size_t)b->n_states * b->words], s, sizeof(uint64_t) * b->words);
	b->hash[k] = b->n_states + 1;
	return b->n_states++;
}

static const struct sensor_re_set *
set_of(const struct builder *b, int32_t st)
{
	return &b->a.res[b->a.pat_of[st]]->sets[b->a.s[st].set];
}

/* Symbol classes: symbols in exactly the same sets share one. */
static int
make_classes(struct builder *b)
{
	uint32_t i, j, c;
	uint16_t *sig = calloc((size_t)SENSOR_RE_SYMS * 2, sizeof(*sig));

	if (sig == NULL)
		return -ENOMEM;
	memset(b->sym_cls, 0, sizeof(b->sym_cls));
	b->n_cls = 1;
	for (i = 0; i < b->n_imp; i++) {
		int32_t st = b->imp_state[i];
		const struct sensor_re_set *s;
		uint16_t *map = sig;	/* (old class, in?) -> new class, +1 */

		if (b->a.s[st].type != NFA_SET)
			continue;
		s = set_of(b, st);
		memset(map, 0, sizeof(*map) * SENSOR_RE_SYMS * 2);
		c = 0;
		for (j = 0; j < SENSOR_RE_SYMS; j++) {
			uint32_t key = (uint32_t)b->sym_cls[j] * 2 + (uint32_t)sensor_re_set_has(s, j);

			if (map[key] == 0)
				map[key] = (uint16_t)++c;
			b->sym_cls[j] = (uint16_t)(map[key] - 1);
		}
		b->n_cls = c;
	}
	free(sig);
	return b->n_cls > 256 ? -ENOSPC : 0;
}

static void
builder_free(struct builder *b)
{
	free(b->a.s);
	free(b->a.pat_of);
	free(b->imp_state);
	free(b->close_next);
	free(b->next_off);
	free(b->next_bits);
	free(b->close_start);
	free(b->cls_mask);
	free(b->sets);
	free(b->hash);
	free(b->trans);
}

/* ---- minimisation (Moore's partition refinement) and the final tables ---- */

struct part {
	const struct builder *b;
	const uint32_t *cls;		/* current block of each state */
	const uint32_t *acc_off, *acc_cnt, *acc_pool;	/* accept ids of each state */
	int by_acc;			/* first round: blocks by accept ids only */
};

static uint64_t
part_hash(const struct part *p, uint32_t s)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	uint32_t k;

	if (p->by_acc) {
		h ^= p->acc_cnt[s];
		for (k = 0; k < p->acc_cnt[s]; k++)
			h = (h ^ p->acc_pool[p->acc_off[s] + k]) * 0xff51afd7ed558ccdULL;
		return h ^ (h >> 29);
	}
	h ^= p->cls[s];
	for (k = 0; k < p->b->n_cls; k++)
		h = (h ^ p->cls[p->b->trans[(size_t)s * p->b->n_cls + k]]) * 0xff51afd7ed558ccdULL;
	return h ^ (h >> 29);
}

static int
part_eq(const struct part *p, uint32_t x, uint32_t y)
{
	uint32_t k;

	if (p->by_acc)
		return p->acc_cnt[x] == p->acc_cnt[y] &&
		       memcmp(&p->acc_pool[p->acc_off[x]], &p->acc_pool[p->acc_off[y]],
			      sizeof(uint32_t) * p->acc_cnt[x]) == 0;
	if (p->cls[x] != p->cls[y])
		return 0;
	for (k = 0; k < p->b->n_cls; k++)
		if (p->cls[p->b->trans[(size_t)x * p->b->n_cls + k]] !=
		    p->cls[p->b->trans[(size_t)y * p->b->n_cls + k]])
			return 0;
	return 1;
}

/* One refinement round: out[s] = block of s; returns the number of blocks, or -1. */
static int64_t
part_round(const struct part *p, uint32_t *out)
{
	uint32_t n = p->b->n_states, cap = 1, i, blocks = 0;
	uint32_t *h;

	while (cap < n * 2)
		cap <<= 1;
	h = calloc(cap, sizeof(*h));
	if (h == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		uint32_t k = (uint32_t)part_hash(p, i) & (cap - 1);

		while (h[k] != 0 && !part_eq(p, h[k] - 1, i))
			k = (k + 1) & (cap - 1);
		if (h[k] == 0) {
			h[k] = i + 1;
			out[i] = blocks++;
		} else {
			out[i] = out[h[k] - 1];
		}
	}
	free(h);
	return blocks;
}

/* The distinct MATCH ids of each state, ascending, into one pool. */
static int
accept_ids(const struct builder *b, uint32_t *off, uint32_t *cnt, uint32_t **pool)
{
	uint32_t i, w, n = 0, cap = 64;
	uint32_t *p = malloc(sizeof(*p) * cap);

	if (p == NULL)
		return -ENOMEM;
	for (i = 0; i < b->n_states; i++) {
		const uint64_t *s = &b->sets[(size_t)i * b->words];

		off[i] = n;
		cnt[i] = 0;
		for (w = 0; w < b->n_imp; w++) {
			const struct nfa_state *st = &b->a.s[b->imp_state[w]];
			uint32_t x;

			if (!((s[w >> 6] >> (w & 63)) & 1) || st->type != NFA_MATCH)
				continue;
			for (x = off[i]; x < n && p[x] < st->id; x++)
				;
			if (x < n && p[x] == st->id)
				continue;
			if (n == cap) {
				void *q = realloc(p, sizeof(*p) * cap * 2);

				if (q == NULL) {
					free(p);
					return -ENOMEM;
				}
				p = q;
				cap *= 2;
			}
			memmove(&p[x + 1], &p[x], sizeof(*p) * (n - x));
			p[x] = st->id;
			n++;
			cnt[i]++;
		}
	}
	*pool = p;
	return 0;
}

/*
 * The final DFA: states that no input tells apart (same accepts now and after every
 * string) merged into one, accepting blocks numbered last, the start block first.
 */
static struct sensor_dfa *
finish(struct builder *b, int anchored, int64_t dead)
{
	struct sensor_dfa *d = calloc(1, sizeof(*d));
	uint32_t n = b->n_states, *cls = NULL, *next = NULL, *off = NULL, *cnt = NULL;
	uint32_t *pool = NULL, *rep = NULL, *rank = NULL, m = 0, n_acc = 0, i, k, pos;
	struct part p;
	int64_t blocks, prev = -1;

	if (d == NULL)
		return NULL;
	cls = malloc(sizeof(*cls) * n);
	next = malloc(sizeof(*next) * n);
	off = malloc(sizeof(*off) * n);
	cnt = malloc(sizeof(*cnt) * n);
	if (cls == NULL || next == NULL || off == NULL || cnt == NULL ||
	    accept_ids(b, off, cnt, &pool) != 0)
		goto fail;
	p.b = b;
	p.acc_off = off;
	p.acc_cnt = cnt;
	p.acc_pool = pool;
	p.by_acc = 1;
	p.cls = cls;
	blocks = part_round(&p, cls);
	p.by_acc = 0;
	while (blocks >= 0 && blocks != prev) {
		uint32_t *t;

		prev = blocks;
		blocks = part_round(&p, next);
		t = cls;
		cls = next;
		next = t;
		p.cls = cls;
	}
	if (blocks < 0)
		goto fail;
	m = (uint32_t)blocks;
	rep = malloc(sizeof(*rep) * m);
	rank = malloc(sizeof(*rank) * m);
	if (rep == NULL || rank == NULL)
		goto fail;
	for (i = 0; i < m; i++)
		rep[i] = UINT32_MAX;
	for (i = n; i-- > 0;)
		rep[cls[i]] = i;	/* the lowest state of each block */
	/* Non-accepting blocks first (the start's first of all), then accepting ones. */
	pos = 0;
	rank[cls[0]] = pos++;
	for (k = 0; k < 2; k++)
		for (i = 0; i < m; i++)
			if (i != cls[0] && (cnt[rep[i]] != 0) == k)
				rank[i] = pos++;
	for (i = 0; i < m; i++)
		n_acc += cnt[rep[i]] != 0;
	if (cnt[0] != 0) {
		/* The start accepts (only an anchored pattern matching the empty string,
		 * which the compile refuses): keep the layout anyway. */
		goto fail;
	}
	d->n_states = m;
	d->n_classes = b->n_cls;
	d->trans = malloc(sizeof(*d->trans) * (size_t)m * b->n_cls);
	d->acc_first = calloc(n_acc ? n_acc : 1, sizeof(*d->acc_first));
	d->acc_n = calloc(n_acc ? n_acc : 1, sizeof(*d->acc_n));
	d->acc_ids = malloc(sizeof(*d->acc_ids) * ((size_t)off[n - 1] + cnt[n - 1] + 1));
	if (d->trans == NULL || d->acc_first == NULL || d->acc_n == NULL || d->acc_ids == NULL)
		goto fail;
	for (i = 0; i < m; i++) {
		for (k = 0; k < b->n_cls; k++)
			d->trans[(size_t)rank[i] * b->n_cls + k] =
				rank[cls[b->trans[(size_t)rep[i] * b->n_cls + k]]] * b->n_cls;
		if (cnt[rep[i]] != 0) {
			uint32_t a = rank[i] - (m - n_acc);

			d->acc_first[a] = d->n_acc_ids;
			d->acc_n[a] = (uint16_t)cnt[rep[i]];
			memcpy(&d->acc_ids[d->n_acc_ids], &pool[off[rep[i]]],
			       sizeof(uint32_t) * cnt[rep[i]]);
			d->n_acc_ids += cnt[rep[i]];
		}
	}
	for (i = 0; i < 256; i++)
		d->cls[i] = (uint8_t)b->sym_cls[i];
	d->bos_cls = (uint8_t)b->sym_cls[SENSOR_RE_BOS];
	d->start = rank[cls[0]] * b->n_cls;
	d->acc_base = (m - n_acc) * b->n_cls;
	d->dead = anchored && dead >= 0 ? rank[cls[dead]] * b->n_cls : UINT32_MAX;
	goto out;
fail:
	sensor_dfa_free(d);
	d = NULL;
out:
	free(cls);
	free(next);
	free(off);
	free(cnt);
	free(pool);
	free(rep);
	free(rank);
	return d;
}

struct sensor_dfa *
sensor_dfa_build(const struct sensor_re *const *res, const uint32_t *ids, unsigned int n,
		 unsigned int flags, uint32_t max_states, char *why, size_t whylen)
{
	struct builder b;
	struct sensor_dfa *d = NULL;
	uint64_t *cur = NULL;
	int32_t *stack = NULL, root;
	uint8_t *seen = NULL;
	uint32_t i, k, w, done;
	int64_t idx, dead = -1;
	int anchored = !(flags & SENSOR_DFA_UNANCHORED);
	char dummy[8];

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	memset(&b, 0, sizeof(b));
	b.a.res = res;
	b.a.reverse = (flags & SENSOR_DFA_REVERSE) != 0;
	b.max_states = max_states;
	/* One NFA: root SPLIT chain to every pattern, each ending in its MATCH. */
	root = nfa_new(&b.a, NFA_EPS);
	{
		int32_t s = root;

		for (i = 0; i < n && !b.a.failed; i++) {
			struct frag f = build_node(&b.a, i, res[i]->root);
			int32_t m = nfa_new(&b.a, NFA_MATCH), sp = nfa_new(&b.a, NFA_SPLIT);

			if (b.a.failed)
				break;
			b.a.s[m].id = ids[i];
			b.a.s[f.end].out = m;
			b.a.s[s].out = sp;
			b.a.s[sp].out = f.start;
			s = sp;
			if (i + 1 < n) {
				int32_t e = nfa_new(&b.a, NFA_EPS);

				b.a.s[sp].out1 = e;
				s = e;
			}
		}
	}
	if (b.a.failed) {
		snprintf(why, whylen, "NFA over %u states", NFA_MAX_STATES);
		goto out;
	}
	for (i = 0; i < b.a.n; i++)
		if (b.a.s[i].type == NFA_SET || b.a.s[i].type == NFA_MATCH)
			b.a.s[i].imp = (int32_t)b.n_imp++;
	b.words = (b.n_imp + 63) / 64;
	b.imp_state = malloc(sizeof(*b.imp_state) * (b.n_imp ? b.n_imp : 1));
	b.close_next = calloc((size_t)b.n_imp * b.words + 1, sizeof(uint64_t));
	b.close_start = calloc(b.words + 1, sizeof(uint64_t));
	stack = malloc(sizeof(*stack) * b.a.n * 2);
	seen = malloc(b.a.n);
	cur = calloc(b.words + 1, sizeof(uint64_t));
	if (b.imp_state == NULL || b.close_next == NULL || b.close_start == NULL ||
	    stack == NULL || seen == NULL || cur == NULL)
		goto nomem;
	for (i = 0; i < b.a.n; i++)
		if (b.a.s[i].imp >= 0)
			b.imp_state[b.a.s[i].imp] = (int32_t)i;
	memset(seen, 0, b.a.n);
	closure(&b, root, b.close_start, stack, seen);
	for (i = 0; i < b.n_imp; i++) {
		int32_t st = b.imp_state[i];

		if (b.a.s[st].type != NFA_SET)
			continue;
		memset(seen, 0, b.a.n);
		closure(&b, b.a.s[st].out, &b.close_next[(size_t)i * b.words], stack, seen);
	}
	if (list_rows(&b) != 0)
		goto nomem;
	if (make_classes(&b) != 0) {
		snprintf(why, whylen, "more than 256 byte classes");
		goto out;
	}
	b.cls_mask = calloc((size_t)b.n_cls * b.words + 1, sizeof(uint64_t));
	if (b.cls_mask == NULL)
		goto nomem;
	{
		uint16_t rep_done[SENSOR_RE_SYMS];
		uint32_t j;

		memset(rep_done, 0, sizeof(rep_done));
		for (j = 0; j < SENSOR_RE_SYMS; j++) {
			uint32_t c = b.sym_cls[j];

			if (rep_done[c])
				continue;
			rep_done[c] = 1;
			for (i = 0; i < b.n_imp; i++) {
				int32_t st = b.imp_state[i];

				if (b.a.s[st].type == NFA_SET && sensor_re_set_has(set_of(&b, st), j))
					b.cls_mask[(size_t)c * b.words + (i >> 6)] |= 1ULL << (i & 63);
			}
		}
	}
	/* State 0: the start closure. Anchored builds also need the empty (dead) set. */
	if (intern(&b, b.close_start) != 0)
		goto nomem;
	for (done = 0; done < b.n_states; done++) {
		for (k = 0; k < b.n_cls; k++) {
			const uint64_t *s = &b.sets[(size_t)done * b.words];
			const uint64_t *m = &b.cls_mask[(size_t)k * b.words];
			uint64_t any = 0;

			for (w = 0; w < b.words; w++)
				any |= s[w] & m[w];
			if (any == 0 && !anchored) {
				/* No state goes on: the start closure, state 0. */
				b.trans[(size_t)done * b.n_cls + k] = 0;
				continue;
			}
			if (anchored)
				memset(cur, 0, sizeof(uint64_t) * b.words);
			else
				memcpy(cur, b.close_start, sizeof(uint64_t) * b.words);
			for (w = 0; w < b.words; w++) {
				uint64_t bits = s[w] & m[w];

				for (; bits != 0; bits &= bits - 1)
					add_row(&b, cur, w * 64 + (uint32_t)__builtin_ctzll(bits));
			}
			idx = intern(&b, cur);
			if (idx == -ENOSPC) {
				snprintf(why, whylen, "DFA over %u states", max_states);
				goto out;
			}
			if (idx < 0)
				goto nomem;
			b.trans[(size_t)done * b.n_cls + k] = (uint32_t)idx;
			if (anchored && dead < 0) {
				uint32_t x;

				for (x = 0; x < b.words && cur[x] == 0; x++)
					;
				if (x == b.words)
					dead = idx;
			}
		}
	}
	d = finish(&b, anchored, dead);
	if (d == NULL)
		goto nomem;
	goto out;
nomem:
	snprintf(why, whylen, "no memory");
out:
	free(cur);
	free(stack);
	free(seen);
	builder_free(&b);
	return d;
}

void
sensor_dfa_free(struct sensor_dfa *d)
{
	if (d == NULL)
		return;
	free(d->trans);
	free(d->acc_first);
	free(d->acc_n);
	free(d->acc_ids);
	free(d);
}

size_t
sensor_dfa_memsize(const struct sensor_dfa *d)
{
	if (d == NULL)
		return 0;
	return sizeof(*d) + sizeof(*d->trans) * (size_t)d->n_states * d->n_classes +
	       (sizeof(*d->acc_first) + sizeof(*d->acc_n)) * (d->n_states - d->acc_base /
							      (d->n_classes ? d->n_classes : 1)) +
	       sizeof(*d->acc_ids) * d->n_acc_ids;
}
