/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A parser for the subset of Hyperscan's regex syntax that the sensor prefilter can run
 * itself (sensor_regex.c), the shape facts the prefilter needs to know where a pattern can
 * match (sensor_prefilter.c), and the DFA built from such patterns (sensor_dfa.c).
 *
 * The subset: literal bytes, escaped punctuation, \d \D \w \W, \t \n \r \f \e \a \xHH,
 * classes [...] and [^...] of those, '.', groups (...), (?:...) and (?i:...) (ASCII letters
 * of either case inside, as Hyperscan folds them without UTF-8 mode), '|', and the greedy
 * quantifiers * + ? {m} {m,} {m,n}. '^' is read as the symbol SENSOR_RE_BOS, which the
 * prefilter feeds once before the first byte of a stream (so "^" matches exactly where
 * Hyperscan's does: at offset 0). Everything else (anchors other than '^', \b, \s, flags,
 * lazy or possessive quantifiers, backreferences, lookaround, \x{...}, POSIX classes) is
 * refused: such a pattern stays in the Hyperscan stream database. Patterns reach this
 * parser only after Hyperscan accepted them, so a refusal is never an error.
 * Control thread only (compile); nothing here runs on the data path.
 */
#ifndef TOLLGATE_SENSOR_REGEX_H
#define TOLLGATE_SENSOR_REGEX_H

#include <stddef.h>
#include <stdint.h>

#define SENSOR_RE_BOS 256		/* the symbol '^' stands for */
#define SENSOR_RE_SYMS 257		/* bytes + BOS */
#define SENSOR_RE_INF UINT32_MAX	/* unbounded */
#define SENSOR_RE_NONE (-1)		/* shape: no match of that kind */

/* A set of symbols (bytes and BOS). */
struct sensor_re_set {
	uint64_t w[5];
};

static inline int
sensor_re_set_has(const struct sensor_re_set *s, unsigned int c)
{
	return (s->w[c >> 6] >> (c & 63)) & 1;
}

static inline void
sensor_re_set_add(struct sensor_re_set *s, unsigned int c)
{
	s->w[c >> 6] |= 1ULL << (c & 63);
}

enum sensor_re_kind {
	SENSOR_RE_SET = 0,	/* one symbol of a set */
	SENSOR_RE_CAT,		/* children in sequence (none: the empty string) */
	SENSOR_RE_ALT,		/* one of the children */
	SENSOR_RE_REP,		/* the child min..max times */
};

struct sensor_re_node {
	uint8_t kind;
	uint32_t set;		/* SET: index into re->sets */
	uint32_t min, max;	/* REP */
	int32_t child;		/* CAT, ALT, REP: first child, or -1 */
	int32_t next;		/* next sibling, or -1 */
};

/* A parsed pattern: nodes[root] is the whole pattern. */
struct sensor_re {
	struct sensor_re_node *nodes;
	uint32_t n_nodes, cap_nodes;
	struct sensor_re_set *sets;
	uint32_t n_sets, cap_sets;
	int32_t root;
};

/*
 * Parse pattern (NUL-terminated). Returns NULL with why set ("unsupported: \\b", "no
 * memory") when the pattern is outside the subset. The caller frees with sensor_re_free.
 */
struct sensor_re *sensor_re_parse(const char *pattern, char *why, size_t whylen);
void sensor_re_free(struct sensor_re *re);

/*
 * Where the "sure" positions (whose symbol set lies inside sure) can be, over every string
 * the pattern matches. A position whose set has any symbol outside sure counts as not
 * sure. Lengths are in positions; SENSOR_RE_INF when unbounded, SENSOR_RE_NONE when no
 * string of that kind exists.
 */
struct sensor_re_shape {
	int64_t min_sure;	/* fewest sure positions of any match */
	int64_t pre;		/* most non-sure positions before the first sure one */
	int64_t suf;		/* most non-sure positions after the last sure one */
	int64_t mid;		/* longest run of non-sure positions between two sure ones */
	int64_t none;		/* longest match without a sure position */
};

void sensor_re_shape(const struct sensor_re *re, const struct sensor_re_set *sure,
		     struct sensor_re_shape *out);

/* Shortest and longest match in symbols (max SENSOR_RE_INF when unbounded). */
void sensor_re_width(const struct sensor_re *re, uint32_t *min, uint32_t *max);

/* The literal bytes every string the pattern matches starts with (at most max of them,
 * written to out): "-----BEGIN " for "-----BEGIN (?:[A-Z]+ )*PRIVATE KEY", none for
 * "(?:AKIA|ASIA)..." or "[Ee]yJ". */
uint32_t sensor_re_literal_prefix(const struct sensor_re *re, uint8_t *out, uint32_t max);

/* The union of every position's set: the bytes any match is made of. */
void sensor_re_bytes(const struct sensor_re *re, struct sensor_re_set *out);

/* Every position's set lies inside one of the two sets (say, capitals or digits, or the
 * space alone: a == b counts as inside). */
int sensor_re_sets_within(const struct sensor_re *re, const struct sensor_re_set *a,
			  const struct sensor_re_set *b);

/* The pattern starts with the literal byte c followed by a position inside next, on every
 * string it matches (say '+' then a digit). */
int sensor_re_starts_with(const struct sensor_re *re, unsigned int c,
			  const struct sensor_re_set *next);

/*
 * A pattern that starts S{m,}c (an unbounded repeat of one set S, m >= 1, c not in S, then
 * the byte c alone), read on the leading CAT chain (groups unwrapped): the repeat's node
 * index, or -1. Unanchored, such a pattern ends where S{m}c... does (a longer run of S
 * before the c ends at the same offsets), which is what the prefilter's kind A uses.
 */
int32_t sensor_re_lead_repeat(const struct sensor_re *re, unsigned int c);
/* The union of the sets of every position after that repeat and its c: the bytes a match
 * is made of after its c (nodes elsewhere in the tree all come after it). */
void sensor_re_sets_after(const struct sensor_re *re, int32_t lead, struct sensor_re_set *out);

/* ---- DFA (sensor_dfa.c) ---- */

/*
 * A deterministic automaton over byte classes. Unanchored (SENSOR_DFA_UNANCHORED): every
 * pattern may start at every position, and a state lists the patterns a match of which
 * ends at the last symbol read: exactly the end offsets Hyperscan reports, for every
 * pattern at once. Anchored: the patterns start at the first symbol only (used reversed,
 * to find where a match starts).
 *
 * States are numbered so that the accepting ones come last; trans[] holds next-state
 * indexes pre-multiplied by n_classes, so a step is trans[s + cls[byte]].
 */
struct sensor_dfa {
	uint32_t n_states;
	uint32_t n_classes;
	uint32_t start;		/* pre-multiplied */
	uint32_t acc_base;	/* pre-multiplied: s >= acc_base accepts */
	uint32_t dead;		/* pre-multiplied dead state (anchored), or UINT32_MAX */
	uint8_t cls[256];	/* byte -> class */
	uint8_t bos_cls;	/* the class of SENSOR_RE_BOS */
	uint32_t *trans;	/* n_states * n_classes */
	uint32_t *acc_first;	/* per accepting state (index s / n_classes - first accepting) */
	uint16_t *acc_n;
	uint32_t *acc_ids;	/* pattern ids, ascending per state */
	uint32_t n_acc_ids;
};

#define SENSOR_DFA_UNANCHORED 0x1
#define SENSOR_DFA_REVERSE 0x2		/* build from the patterns read backwards */

/*
 * Build one DFA from n parsed patterns; ids[i] is what a match of res[i] reports. Fails
 * (NULL, why set) past max_states states or on no memory: the caller then keeps those
 * patterns in Hyperscan. Control thread; the result is immutable, freed with
 * sensor_dfa_free (NULL is a no-op).
 */
struct sensor_dfa *sensor_dfa_build(const struct sensor_re *const *res, const uint32_t *ids,
				    unsigned int n, unsigned int flags, uint32_t max_states,
				    char *why, size_t whylen);
void sensor_dfa_free(struct sensor_dfa *d);
/* Bytes the DFA's tables take. */
size_t sensor_dfa_memsize(const struct sensor_dfa *d);

/*
 * Skipping the bytes that leave an unanchored DFA idle (sensor_dfa_skip.c): for a DFA
 * whose matches start after a guard byte, as the keyword search's do. Control thread
 * builds it (NULL: too few bytes to skip, or no memory); it is immutable.
 */
struct sensor_dfa_skip {
	uint32_t s_idle, g_idle;	/* the two idle states (pre-multiplied; may be equal) */
	uint32_t after[256];		/* a skipped byte: the idle state after it */
	uint8_t type[256];		/* per byte: B to S, B to G, K or X (the file's header) */
	uint8_t nib[3][2][16];		/* sets B-to-G, K, X: per low nibble, for bytes below
					 * 128 and from 128, a bit per high nibble (modulo 8) */
};

struct sensor_dfa_skip *sensor_dfa_skip_build(const struct sensor_dfa *d);
void sensor_dfa_skip_free(struct sensor_dfa_skip *sk);
/* The three sets' masks of p[0..min(n, 64)) (bit i: byte i); reads 64 bytes when n >= 64.
 * Needs a CPU with AVX2, as the run does. */
void sensor_dfa_skip_masks(const struct sensor_dfa_skip *sk, const uint8_t *p, size_t n,
			   uint64_t m[3]);
/* sensor_dfa_run's contract (below), with sk's bytes skipped: the same return and *s.
 * *dense is set to 1 when a block had too many bytes of interest to skip between them. */
size_t sensor_dfa_skip_run(const struct sensor_dfa *d, const struct sensor_dfa_skip *sk,
			   uint32_t *s, const uint8_t *p, size_t n, size_t quiet, int *dense);

/*
 * Run d from *s over p[0..n) until a byte leaves it accepting with more than `quiet`
 * bytes read (a match ending there counts; ends at or before quiet do not). Returns the
 * bytes read, *s the state after them: a hit when that is more than quiet and *s
 * accepts. Four steps between checks (the step chain is serial; the checks are not): it
 * pays over long stretches (the keyword search, sensor_context.c), not over the
 * prefilter's windows of a few bytes, which keep a loop of their own.
 */
static inline size_t
sensor_dfa_run(const struct sensor_dfa *d, uint32_t *s, const uint8_t *p, size_t n, size_t quiet)
{
	const uint32_t *tr = d->trans, acc = d->acc_base;
	const uint8_t *cls = d->cls;
	uint32_t t = *s;
	size_t i = 0;

	for (; i < n && i < quiet; i++)
		t = tr[t + cls[p[i]]];
	for (; i + 4 <= n; i += 4) {
		uint32_t t1 = tr[t + cls[p[i]]], t2 = tr[t1 + cls[p[i + 1]]];
		uint32_t t3 = tr[t2 + cls[p[i + 2]]], t4 = tr[t3 + cls[p[i + 3]]];

		if (__builtin_expect((t1 >= acc) | (t2 >= acc) | (t3 >= acc) | (t4 >= acc), 0)) {
			*s = t1 >= acc ? t1 : t2 >= acc ? t2 : t3 >= acc ? t3 : t4;
			return i + (t1 >= acc ? 1 : t2 >= acc ? 2 : t3 >= acc ? 3 : 4);
		}
		t = t4;
	}
	for (; i < n; i++) {
		t = tr[t + cls[p[i]]];
		if (t >= acc) {
			*s = t;
			return i + 1;
		}
	}
	*s = t;
	return n;
}

#endif
