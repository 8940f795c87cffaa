/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Regex subset parser and shape analysis for the sensor prefilter (see sensor_regex.h for
 * the subset). The parser is a plain recursive descent over
 *
 *   alt    := cat ('|' cat)*
 *   cat    := repeat*
 *   repeat := atom quantifier?
 *   atom   := '(' ['?:'] alt ')' | '[' class ']' | '.' | '^' | '\' escape | byte
 *
 * producing a tree of SET / CAT / ALT / REP nodes. Semantics follow Hyperscan with no
 * flags: case-sensitive, '.' is any byte but '\n', a negated class may match '\n', \w is
 * [0-9A-Za-z_] and \d is [0-9] (no Unicode). Anything whose meaning is not certain here is
 * refused, which only means the pattern keeps running in Hyperscan.
 *
 * The shape analysis (sensor_re_shape) computes, bottom-up over the tree, bounds on where
 * "sure" positions (say digits) sit in a match: how many at least, and the longest runs of
 * other positions before, between and after them. The prefilter uses them to prove that
 * every match of a pattern lies inside a window it scans (sensor_prefilter.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_regex.h"

#define RE_MAX_NODES 4096
#define RE_MAX_REPEAT 1024	/* larger counted repeats are refused */

struct parser {
	struct sensor_re *re;
	const char *p;
	char *why;
	size_t whylen;
	int depth;
	int caseless;		/* inside (?i:...): ASCII letters match either case */
};

static int
refuse(struct parser *ps, const char *what)
{
	if (ps->why != NULL && ps->why[0] == '\0')
		snprintf(ps->why, ps->whylen, "unsupported: %s", what);
	return -EINVAL;
}

static int32_t
new_node(struct parser *ps, uint8_t kind)
{
	struct sensor_re *re = ps->re;
	struct sensor_re_node *n;

	if (re->n_nodes == re->cap_nodes) {
		uint32_t cap = re->cap_nodes ? re->cap_nodes * 2 : 32;
		void *p;

		if (cap > RE_MAX_NODES) {
			refuse(ps, "too many nodes");
			return -1;
		}
		p = realloc(re->nodes, sizeof(*re->nodes) * cap);
		if (p == NULL) {
			refuse(ps, "no memory");
			return -1;
		}
		re->nodes = p;
		re->cap_nodes = cap;
	}
	n = &re->nodes[re->n_nodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->child = -1;
	n->next = -1;
	return (int32_t)re->n_nodes++;
}

/* Add the other case of every ASCII letter in s ((?i:...), as Hyperscan folds case
 * without UTF-8 mode: ASCII letters only). */
static void
set_fold(struct sensor_re_set *s)
{
	unsigned int c;

	for (c = 'A'; c <= 'Z'; c++) {
		if (sensor_re_set_has(s, c) || sensor_re_set_has(s, c + 32)) {
			sensor_re_set_add(s, c);
			sensor_re_set_add(s, c + 32);
		}
	}
}

static int32_t
new_set(struct parser *ps, const struct sensor_re_set *s)
{
	struct sensor_re *re = ps->re;
	int32_t id;

	if (re->n_sets == re->cap_sets) {
		uint32_t cap = re->cap_sets ? re->cap_sets * 2 : 16;
		void *p = realloc(re->sets, sizeof(*re->sets) * cap);

		if (p == NULL) {
			refuse(ps, "no memory");
			return -1;
		}
		re->sets = p;
		re->cap_sets = cap;
	}
	re->sets[re->n_sets] = *s;
	if (ps->caseless)
		set_fold(&re->sets[re->n_sets]);
	id = new_node(ps, SENSOR_RE_SET);
	if (id < 0)
		return -1;
	re->nodes[id].set = re->n_sets++;
	return id;
}

static void
set_range(struct sensor_re_set *s, unsigned int lo, unsigned int hi)
{
	unsigned int c;

	for (c = lo; c <= hi; c++)
		sensor_re_set_add(s, c);
}

static void
set_or(struct sensor_re_set *a, const struct sensor_re_set *b)
{
	unsigned int i;

	for (i = 0; i < 5; i++)
		a->w[i] |= b->w[i];
}

/* The 256 bytes not in s (never BOS). */
static void
set_not(struct sensor_re_set *s)
{
	unsigned int i;

	for (i = 0; i < 4; i++)
		s->w[i] = ~s->w[i];
	s->w[4] = 0;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
is_alnum_c(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * An escape after '\' (ps->p at the escaped char): a class (\d \w ...) into *s with
 * *single = -1, or one byte in *single. in_class: inside [...].
 */
static int
parse_escape(struct parser *ps, struct sensor_re_set *s, int *single)
{
	char c = *ps->p;
	int h1, h2;

	*single = -1;
	memset(s, 0, sizeof(*s));
	if (c == '\0')
		return refuse(ps, "trailing backslash");
	ps->p++;
	switch (c) {
	case 'd':
	case 'D':
		set_range(s, '0', '9');
		if (c == 'D')
			set_not(s);
		return 0;
	case 'w':
	case 'W':
		set_range(s, '0', '9');
		set_range(s, 'A', 'Z');
		set_range(s, 'a', 'z');
		sensor_re_set_add(s, '_');
		if (c == 'W')
			set_not(s);
		return 0;
	case 't':
		*single = '\t';
		return 0;
	case 'n':
		*single = '\n';
		return 0;
	case 'r':
		*single = '\r';
		return 0;
	case 'f':
		*single = '\f';
		return 0;
	case 'e':
		*single = 0x1b;
		return 0;
	case 'a':
		*single = 0x07;
		return 0;
	case 'x':
		h1 = hexval(ps->p[0]);
		h2 = h1 >= 0 ? hexval(ps->p[1]) : -1;
		if (h1 < 0 || h2 < 0)
			return refuse(ps, "\\x without two hex digits");
		ps->p += 2;
		*single = h1 * 16 + h2;
		return 0;
	default:
		if (is_alnum_c(c) || (unsigned char)c >= 0x80)
			return refuse(ps, "escape");
		*single = (unsigned char)c;	/* escaped punctuation: the byte itself */
		return 0;
	}
}

static int
parse_class(struct parser *ps, struct sensor_re_set *out)
{
	struct sensor_re_set s, e;
	int neg = 0, first = 1, prev = -1, single;

	memset(&s, 0, sizeof(s));
	if (*ps->p == '^') {
		neg = 1;
		ps->p++;
	}
	for (;;) {
		char c = *ps->p;
		int lo;

		if (c == '\0')
			return refuse(ps, "unterminated class");
		if (c == ']' && !first)
			break;
		first = 0;
		if (c == '[' && (ps->p[1] == ':' || ps->p[1] == '=' || ps->p[1] == '.'))
			return refuse(ps, "POSIX class");
		if (c == '-' && prev >= 0 && ps->p[1] != ']' && ps->p[1] != '\0') {
			/* A range prev-hi. */
			int hi;

			ps->p++;
			if (*ps->p == '\\') {
				ps->p++;
				if (parse_escape(ps, &e, &hi) != 0)
					return -EINVAL;
				if (hi < 0)
					return refuse(ps, "class escape as range end");
			} else {
				hi = (unsigned char)*ps->p++;
			}
			if (hi < prev)
				return refuse(ps, "reversed range");
			set_range(&s, (unsigned int)prev, (unsigned int)hi);
			prev = -1;
			continue;
		}
		if (c == '\\') {
			ps->p++;
			if (parse_escape(ps, &e, &single) != 0)
				return -EINVAL;
			if (single < 0) {
				set_or(&s, &e);
				prev = -1;
				continue;
			}
			lo = single;
		} else {
			lo = (unsigned char)c;
			ps->p++;
		}
		sensor_re_set_add(&s, (unsigned int)lo);
		prev = lo;
	}
	ps->p++;	/* ']' */
	if (ps->caseless)
		set_fold(&s);	/* [^a] under (?i) excludes 'a' and 'A' */
	if (neg)
		set_not(&s);
	*out = s;
	return 0;
}

static int32_t parse_alt(struct parser *ps);

static int32_t
parse_atom(struct parser *ps)
{
	struct sensor_re_set s;
	int single, was;
	int32_t n;

	memset(&s, 0, sizeof(s));
	switch (*ps->p) {
	case '(':
		ps->p++;
		was = ps->caseless;
		if (*ps->p == '?') {
			if (ps->p[1] == 'i' && ps->p[2] == ':') {
				ps->caseless = 1;	/* (?i:...): for this group only */
				ps->p++;
			} else if (ps->p[1] != ':') {
				refuse(ps, "group flags or lookaround");
				return -1;
			}
			ps->p += 2;
		}
		if (++ps->depth > 64) {
			refuse(ps, "nesting");
			return -1;
		}
		n = parse_alt(ps);
		ps->depth--;
		ps->caseless = was;
		if (n < 0)
			return -1;
		if (*ps->p != ')') {
			refuse(ps, "unbalanced group");
			return -1;
		}
		ps->p++;
		return n;
	case '[':
		ps->p++;
		if (parse_class(ps, &s) != 0)
			return -1;
		return new_set(ps, &s);
	case '.':
		ps->p++;
		set_range(&s, 0, 255);
		s.w['\n' >> 6] &= ~(1ULL << ('\n' & 63));
		return new_set(ps, &s);
	case '^':
		ps->p++;
		sensor_re_set_add(&s, SENSOR_RE_BOS);
		return new_set(ps, &s);
	case '\\':
		ps->p++;
		if (parse_escape(ps, &s, &single) != 0)
			return -1;
		if (single >= 0)
			sensor_re_set_add(&s, (unsigned int)single);
		return new_set(ps, &s);
	case '$':
	case '*':
	case '+':
	case '?':
	case '{':
	case ')':
	case '|':
	case '\0':
		refuse(ps, "operator where a byte was expected");
		return -1;
	default:
		sensor_re_set_add(&s, (unsigned char)*ps->p);
		ps->p++;
		return new_set(ps, &s);
	}
}

static int
parse_uint(const char **p, uint32_t *v)
{
	uint32_t x = 0;

	if (**p < '0' || **p > '9')
		return -1;
	while (**p >= '0' && **p <= '9') {
		x = x * 10 + (uint32_t)(**p - '0');
		if (x > RE_MAX_REPEAT * 10)
			return -1;
		(*p)++;
	}
	*v = x;
	return 0;
}

static int32_t
parse_repeat(struct parser *ps)
{
	int32_t a = parse_atom(ps), r;
	uint32_t min, max;
	const char *q;

	if (a < 0)
		return -1;
	switch (*ps->p) {
	case '*':
		min = 0;
		max = SENSOR_RE_INF;
		ps->p++;
		break;
	case '+':
		min = 1;
		max = SENSOR_RE_INF;
		ps->p++;
		break;
	case '?':
		min = 0;
		max = 1;
		ps->p++;
		break;
	case '{':
		q = ps->p + 1;
		if (parse_uint(&q, &min) != 0) {
			refuse(ps, "'{' that is no quantifier");
			return -1;
		}
		if (*q == '}') {
			max = min;
		} else if (*q == ',' && q[1] == '}') {
			max = SENSOR_RE_INF;
			q++;
		} else if (*q == ',') {
			q++;
			if (parse_uint(&q, &max) != 0 || *q != '}' || max < min) {
				refuse(ps, "'{' that is no quantifier");
				return -1;
			}
		} else {
			refuse(ps, "'{' that is no quantifier");
			return -1;
		}
		ps->p = q + 1;
		if (min > RE_MAX_REPEAT || (max != SENSOR_RE_INF && max > RE_MAX_REPEAT)) {
			refuse(ps, "counted repeat over 1024");
			return -1;
		}
		break;
	default:
		return a;
	}
	if (*ps->p == '?' || *ps->p == '+' || *ps->p == '*' || *ps->p == '{') {
		refuse(ps, "lazy, possessive or stacked quantifier");
		return -1;
	}
	r = new_node(ps, SENSOR_RE_REP);
	if (r < 0)
		return -1;
	ps->re->nodes[r].min = min;
	ps->re->nodes[r].max = max;
	ps->re->nodes[r].child = a;
	return r;
}

static int32_t
parse_cat(struct parser *ps)
{
	int32_t c = new_node(ps, SENSOR_RE_CAT), last = -1, x;

	if (c < 0)
		return -1;
	while (*ps->p != '\0' && *ps->p != '|' && *ps->p != ')') {
		x = parse_repeat(ps);
		if (x < 0)
			return -1;
		if (last < 0)
			ps->re->nodes[c].child = x;
		else
			ps->re->nodes[last].next = x;
		last = x;
	}
	return c;
}

static int32_t
parse_alt(struct parser *ps)
{
	int32_t a, first = parse_cat(ps), last, x;

	if (first < 0)
		return -1;
	if (*ps->p != '|')
		return first;
	a = new_node(ps, SENSOR_RE_ALT);
	if (a < 0)
		return -1;
	ps->re->nodes[a].child = first;
	last = first;
	while (*ps->p == '|') {
		ps->p++;
		x = parse_cat(ps);
		if (x < 0)
			return -1;
		ps->re->nodes[last].next = x;
		last = x;
	}
	return a;
}

struct sensor_re *
sensor_re_parse(const char *pattern, char *why, size_t whylen)
{
	struct parser ps;
	struct sensor_re *re = calloc(1, sizeof(*re));
	char dummy[8];

	if (why == NULL || whylen == 0) {
		why = dummy;
		whylen = sizeof(dummy);
	}
	why[0] = '\0';
	if (re == NULL) {
		snprintf(why, whylen, "no memory");
		return NULL;
	}
	memset(&ps, 0, sizeof(ps));
	ps.re = re;
	ps.p = pattern;
	ps.why = why;
	ps.whylen = whylen;
	re->root = parse_alt(&ps);
	if (re->root >= 0 && *ps.p != '\0') {
		refuse(&ps, "unbalanced ')'");
		re->root = -1;
	}
	if (re->root < 0) {
		sensor_re_free(re);
		return NULL;
	}
	return re;
}

void
sensor_re_free(struct sensor_re *re)
{
	if (re == NULL)
		return;
	free(re->nodes);
	free(re->sets);
	free(re);
}

/* ---- shape ---- */

#define NONE SENSOR_RE_NONE
#define INF ((int64_t)1 << 40)	/* internally: saturating "unbounded" */

static int64_t
sat_add(int64_t a, int64_t b)
{
	int64_t s;

	if (a == NONE || b == NONE)
		return NONE;
	s = a + b;
	return s >= INF ? INF : s;
}

static int64_t
max2(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t
min_none(int64_t a, int64_t b)
{
	if (a == NONE)
		return b;
	if (b == NONE)
		return a;
	return a < b ? a : b;
}

/* Whether some match exists at all: min_sure is NONE only for an empty language. */
static int
exists(const struct sensor_re_shape *s)
{
	return s->min_sure != NONE;
}

static void
shape_cat(const struct sensor_re_shape *x, const struct sensor_re_shape *y,
	  struct sensor_re_shape *o)
{
	struct sensor_re_shape r;

	if (!exists(x) || !exists(y)) {
		r.min_sure = r.pre = r.suf = r.mid = r.none = NONE;
		*o = r;
		return;
	}
	r.min_sure = sat_add(x->min_sure, y->min_sure);
	r.none = sat_add(x->none, y->none);
	/* First sure position in x (y anything), or x without one then y's first. */
	r.pre = max2(x->pre, sat_add(x->none, y->pre));
	r.suf = max2(y->suf, sat_add(y->none, x->suf));
	r.mid = max2(max2(x->mid, y->mid), sat_add(x->suf, y->pre));
	if (x->pre == NONE && y->pre == NONE)
		r.pre = r.suf = NONE;
	*o = r;
}

static void
shape_alt(const struct sensor_re_shape *x, const struct sensor_re_shape *y,
	  struct sensor_re_shape *o)
{
	struct sensor_re_shape r;

	r.min_sure = min_none(x->min_sure, y->min_sure);
	r.pre = max2(x->pre, y->pre);
	r.suf = max2(x->suf, y->suf);
	r.mid = max2(x->mid, y->mid);
	r.none = max2(x->none, y->none);
	*o = r;
}

static void
shape_eq(const struct sensor_re_shape *a, const struct sensor_re_shape *b, int *eq)
{
	*eq = a->min_sure == b->min_sure && a->pre == b->pre && a->suf == b->suf &&
	      a->mid == b->mid && a->none == b->none;
}

static void
shape_node(const struct sensor_re *re, int32_t i, const struct sensor_re_set *sure,
	   struct sensor_re_shape *o)
{
	const struct sensor_re_node *n = &re->nodes[i];
	struct sensor_re_shape acc, c, opt, empty = { 0, NONE, NONE, NONE, 0 };
	uint32_t k, lim;
	int32_t ch;

	switch (n->kind) {
	case SENSOR_RE_SET: {
		const struct sensor_re_set *s = &re->sets[n->set];
		int in = 1, any = 0;
		unsigned int w;

		for (w = 0; w < 5; w++) {
			if (s->w[w] & ~sure->w[w])
				in = 0;
			if (s->w[w])
				any = 1;
		}
		if (!any) {
			o->min_sure = o->pre = o->suf = o->mid = o->none = NONE;
		} else if (in) {
			o->min_sure = 1;
			o->pre = o->suf = 0;
			o->mid = NONE;
			o->none = NONE;
		} else {
			o->min_sure = 0;
			o->pre = o->suf = o->mid = NONE;
			o->none = 1;
		}
		return;
	}
	case SENSOR_RE_CAT:
		acc = empty;
		for (ch = n->child; ch >= 0; ch = re->nodes[ch].next) {
			shape_node(re, ch, sure, &c);
			shape_cat(&acc, &c, &acc);
		}
		*o = acc;
		return;
	case SENSOR_RE_ALT:
		ch = n->child;
		shape_node(re, ch, sure, &acc);
		for (ch = re->nodes[ch].next; ch >= 0; ch = re->nodes[ch].next) {
			shape_node(re, ch, sure, &c);
			shape_alt(&acc, &c, &acc);
		}
		*o = acc;
		return;
	default:	/* REP */
		shape_node(re, n->child, sure, &c);
		shape_alt(&c, &empty, &opt);
		acc = empty;
		for (k = 0; k < n->min; k++)
			shape_cat(&acc, &c, &acc);
		/* The optional copies; past a few, a growing bound is unbounded. */
		lim = n->max == SENSOR_RE_INF ? 4 : n->max - n->min;
		for (k = 0; k < lim; k++) {
			struct sensor_re_shape prev = acc;
			int eq;

			shape_cat(&acc, &opt, &acc);
			shape_eq(&prev, &acc, &eq);
			if (eq)
				break;
			if (n->max == SENSOR_RE_INF && k == lim - 1) {
				/* Still growing: whatever grew is unbounded. */
				if (acc.pre != prev.pre)
					acc.pre = INF;
				if (acc.suf != prev.suf)
					acc.suf = INF;
				if (acc.mid != prev.mid)
					acc.mid = INF;
				if (acc.none != prev.none)
					acc.none = INF;
			}
		}
		*o = acc;
		return;
	}
}

static int64_t
export(int64_t v)
{
	return v >= INF ? (int64_t)SENSOR_RE_INF : v;
}

void
sensor_re_shape(const struct sensor_re *re, const struct sensor_re_set *sure,
		struct sensor_re_shape *out)
{
	shape_node(re, re->root, sure, out);
	out->min_sure = export(out->min_sure);
	out->pre = export(out->pre);
	out->suf = export(out->suf);
	out->mid = export(out->mid);
	out->none = export(out->none);
}

static int
set_within(const struct sensor_re_set *s, const struct sensor_re_set *a)
{
	unsigned int w;

	for (w = 0; w < 5; w++)
		if (s->w[w] & ~a->w[w])
			return 0;
	return 1;
}

static int
set_is_one(const struct sensor_re_set *s, unsigned int c)
{
	struct sensor_re_set one;

	memset(&one, 0, sizeof(one));
	sensor_re_set_add(&one, c);
	return memcmp(s, &one, sizeof(one)) == 0;
}

/* The byte a set holds alone, or -1 (more than one symbol, or BOS). */
static int
set_single_byte(const struct sensor_re_set *s)
{
	unsigned int k, n = 0;
	int c = -1;

	if (s->w[4] != 0)
		return -1;
	for (k = 0; k < 4; k++) {
		n += (unsigned int)__builtin_popcountll(s->w[k]);
		if (s->w[k] != 0)
			c = (int)(k * 64 + (unsigned int)__builtin_ctzll(s->w[k]));
	}
	return n == 1 ? c : -1;
}

/* Append the literal bytes node i starts with on every string; 1 when all of node i is
 * literal (so what follows it goes on the prefix). */
static int
prefix_node(const struct sensor_re *re, int32_t i, uint8_t *out, uint32_t *n, uint32_t max)
{
	const struct sensor_re_node *x = &re->nodes[i];
	int32_t ch;
	int c;

	switch (x->kind) {
	case SENSOR_RE_SET:
		c = set_single_byte(&re->sets[x->set]);
		if (c < 0 || *n == max)
			return 0;
		out[(*n)++] = (uint8_t)c;
		return 1;
	case SENSOR_RE_CAT:
		for (ch = x->child; ch >= 0; ch = re->nodes[ch].next)
			if (!prefix_node(re, ch, out, n, max))
				return 0;
		return 1;
	case SENSOR_RE_ALT:
		return x->child >= 0 && re->nodes[x->child].next < 0 &&
		       prefix_node(re, x->child, out, n, max);
	default:
		return 0;
	}
}

void
sensor_re_bytes(const struct sensor_re *re, struct sensor_re_set *out)
{
	uint32_t i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < re->n_nodes; i++)
		if (re->nodes[i].kind == SENSOR_RE_SET)
			for (k = 0; k < 5; k++)
				out->w[k] |= re->sets[re->nodes[i].set].w[k];
}

uint32_t
sensor_re_literal_prefix(const struct sensor_re *re, uint8_t *out, uint32_t max)
{
	uint32_t n = 0;

	if (re->root >= 0)
		(void)prefix_node(re, re->root, out, &n, max);
	return n;
}

int
sensor_re_sets_within(const struct sensor_re *re, const struct sensor_re_set *a,
		      const struct sensor_re_set *b)
{
	uint32_t i;

	for (i = 0; i < re->n_sets; i++)
		if (!set_within(&re->sets[i], a) && !set_within(&re->sets[i], b))
			return 0;
	return 1;
}

/*
 * The first position of every match is a node whose set is exactly {c}, and the second is
 * inside next: checked on the leading CAT chain only (groups unwrapped, no ALT or REP at
 * the front), which is all the prefilter needs ("\+\d+...").
 */
int
sensor_re_starts_with(const struct sensor_re *re, unsigned int c, const struct sensor_re_set *next)
{
	const struct sensor_re_node *n = &re->nodes[re->root];
	struct sensor_re_set one;
	int32_t second;

	memset(&one, 0, sizeof(one));
	sensor_re_set_add(&one, c);
	while (n->kind == SENSOR_RE_CAT && n->child >= 0 && re->nodes[n->child].next < 0 &&
	       re->nodes[n->child].kind == SENSOR_RE_CAT)
		n = &re->nodes[n->child];
	if (n->kind != SENSOR_RE_CAT || n->child < 0)
		return 0;
	if (re->nodes[n->child].kind != SENSOR_RE_SET ||
	    memcmp(&re->sets[re->nodes[n->child].set], &one, sizeof(one)) != 0)
		return 0;
	second = re->nodes[n->child].next;
	if (second < 0)
		return 0;
	n = &re->nodes[second];
	if (n->kind == SENSOR_RE_REP && n->min >= 1)
		n = &re->nodes[n->child];
	return n->kind == SENSOR_RE_SET && set_within(&re->sets[n->set], next);
}

int32_t
sensor_re_lead_repeat(const struct sensor_re *re, unsigned int c)
{
	const struct sensor_re_node *n = &re->nodes[re->root], *r, *x;

	while (n->kind == SENSOR_RE_CAT && n->child >= 0 &&
	       re->nodes[n->child].kind == SENSOR_RE_CAT && re->nodes[n->child].child >= 0)
		n = &re->nodes[n->child];
	if (n->kind != SENSOR_RE_CAT || n->child < 0)
		return -1;
	r = &re->nodes[n->child];
	if (r->kind != SENSOR_RE_REP || r->min < 1 || r->max != SENSOR_RE_INF || r->child < 0 ||
	    re->nodes[r->child].kind != SENSOR_RE_SET || re->nodes[r->child].next >= 0 ||
	    sensor_re_set_has(&re->sets[re->nodes[r->child].set], c) || r->next < 0)
		return -1;
	x = &re->nodes[r->next];
	if (x->kind != SENSOR_RE_SET || !set_is_one(&re->sets[x->set], c))
		return -1;
	return n->child;
}

void
sensor_re_sets_after(const struct sensor_re *re, int32_t lead, struct sensor_re_set *out)
{
	const struct sensor_re_node *r = &re->nodes[lead];
	uint32_t i, k;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < re->n_nodes; i++) {
		if (re->nodes[i].kind != SENSOR_RE_SET || (int32_t)i == r->child ||
		    (int32_t)i == r->next)
			continue;
		for (k = 0; k < 5; k++)
			out->w[k] |= re->sets[re->nodes[i].set].w[k];
	}
}

static void
width_node(const struct sensor_re *re, int32_t i, uint64_t *mn, uint64_t *mx)
{
	const struct sensor_re_node *n = &re->nodes[i];
	uint64_t a, b, cmin, cmax;
	int32_t ch;
	int first = 1;

	switch (n->kind) {
	case SENSOR_RE_SET:
		*mn = *mx = 1;
		return;
	case SENSOR_RE_CAT:
		*mn = *mx = 0;
		for (ch = n->child; ch >= 0; ch = re->nodes[ch].next) {
			width_node(re, ch, &a, &b);
			*mn += a;
			*mx = *mx >= INF || b >= INF ? INF : *mx + b;
		}
		return;
	case SENSOR_RE_ALT:
		*mn = *mx = 0;
		for (ch = n->child; ch >= 0; ch = re->nodes[ch].next) {
			width_node(re, ch, &a, &b);
			if (first || a < *mn)
				*mn = a;
			if (b > *mx)
				*mx = b;
			first = 0;
		}
		return;
	default:
		width_node(re, n->child, &cmin, &cmax);
		*mn = cmin * n->min;
		if (n->max == SENSOR_RE_INF)
			*mx = cmax == 0 ? 0 : INF;
		else
			*mx = cmax >= INF ? INF : cmax * n->max;
		if (*mx > INF)
			*mx = INF;
		return;
	}
}

void
sensor_re_width(const struct sensor_re *re, uint32_t *min, uint32_t *max)
{
	uint64_t a, b;

	width_node(re, re->root, &a, &b);
	*min = a > UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)a;
	*max = b >= INF ? SENSOR_RE_INF : (uint32_t)b;
}
