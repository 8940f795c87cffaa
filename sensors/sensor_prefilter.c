/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sensor prefilter compile (control thread): which value patterns leave Hyperscan for the
 * prefilter's windows and DFAs (sensor_prefilter.h), and the automata themselves.
 *
 * A pattern P (its core, as the sensor wrote it; its boundary guards add `lead` bytes
 * before and `trail` after) joins kind N when, over every string the core matches,
 *
 *   - it holds at least SENSOR_PF_MIN_DIGITS digits (positions whose set is digits only),
 *     or it starts with '+' then a digit;
 *   - at most `pre` other positions come before its first digit and `suf` after its
 *     last, with pre + lead and suf + trail within SENSOR_PF_MAX_MARGIN;
 *   - at most SENSOR_PF_MAX_GAP other positions lie between two digits.
 *
 * Then every match's digits lie in one cluster (digit runs joined by at most `gap`
 * bytes, gap = the largest such stretch of any N pattern), the cluster has at least `min`
 * digits (the fewest any N pattern needs), and the match with its guards lies within
 * `left` = max(pre + lead) bytes before the cluster's first digit and `right` =
 * max(suf + trail) after its last: the window the DFA runs over. Kind U is the same for
 * capitals and digits joined by single spaces (IBANs, codici fiscali): every position is
 * a capital or digit, or a space between two of them, and at least SENSOR_PF_MIN_CAPS of
 * them. Kind A is a pattern S{m,}@W (sensor_re_lead_repeat: an unbounded repeat of one
 * set, m <= SENSOR_PF_MAX_MARGIN, then '@', and '@' in neither S nor W) with no lead guard
 * and its start found by a backward scan (START_SCAN: the e-mail address): unanchored, it
 * ends exactly where S{m}@W does, so its DFA runs that, and every match lies within m
 * bytes before an '@' and the run of W's bytes after it plus the trail guard. Everything else (literal-led patterns, keywords, what the regex subset parser
 * refuses) stays in Hyperscan.
 *
 * The DFA of each kind holds the guarded expressions exactly as Hyperscan compiles them,
 * so a DFA run reports the same (pattern, end offset) pairs. A pattern whose start
 * Hyperscan reports by SOM gets a reverse DFA, run backwards from the end to find the
 * leftmost start. If a DFA grows past SENSOR_PF_DFA_STATES, the custom classes' patterns
 * go back to Hyperscan first, then all of that kind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor_guard.h"
#include "sensor_prefilter.h"
#include "sensor_priv.h"

static void
set_digits(struct sensor_re_set *s)
{
	unsigned int c;

	memset(s, 0, sizeof(*s));
	for (c = '0'; c <= '9'; c++)
		sensor_re_set_add(s, c);
}

static void
set_caps(struct sensor_re_set *s)
{
	unsigned int c;

	set_digits(s);
	for (c = 'A'; c <= 'Z'; c++)
		sensor_re_set_add(s, c);
}

/* What the analysis of one pattern says. */
struct pf_cand {
	struct sensor_re *guarded;	/* what the DFA runs */
	int kind;			/* SENSOR_PF_N, _U, _A, or -1: Hyperscan */
	uint32_t min;
	uint32_t min_letters;		/* U: capitals every match holds */
	uint8_t left, right, gap, plus, builtin;
	int32_t lead;			/* A: the leading repeat's node in the core */
	struct sensor_re_set after;	/* A: the bytes after the anchor */
};

/* Which kind the core pattern can join (-1: none), with its needs. */
static int
classify(const struct sensor_re *core, uint8_t lead, uint8_t trail, struct pf_cand *c)
{
	struct sensor_re_set dig, caps, sp;
	struct sensor_re_shape s;
	int plus;

	set_digits(&dig);
	set_caps(&caps);
	memset(&sp, 0, sizeof(sp));
	sensor_re_set_add(&sp, ' ');
	sensor_re_shape(core, &dig, &s);
	plus = sensor_re_starts_with(core, '+', &dig);
	if (s.none == SENSOR_RE_NONE && (s.min_sure >= SENSOR_PF_MIN_DIGITS || plus) &&
	    s.pre >= 0 && s.pre + lead <= SENSOR_PF_MAX_MARGIN && s.suf >= 0 &&
	    s.suf + trail <= SENSOR_PF_MAX_MARGIN && s.mid <= SENSOR_PF_MAX_GAP) {
		c->kind = SENSOR_PF_N;
		c->min = s.min_sure >= SENSOR_PF_MIN_DIGITS ? (uint32_t)s.min_sure : UINT32_MAX;
		c->plus = (uint8_t)(s.min_sure < SENSOR_PF_MIN_DIGITS);
		c->left = (uint8_t)(s.pre + lead);
		c->right = (uint8_t)(s.suf + trail);
		c->gap = (uint8_t)(s.mid < 0 ? 0 : s.mid);
		return c->kind;
	}
	sensor_re_shape(core, &caps, &s);
	if (sensor_re_sets_within(core, &caps, &sp) && s.none == SENSOR_RE_NONE &&
	    s.min_sure >= SENSOR_PF_MIN_CAPS && s.pre == 0 && s.suf == 0 && s.mid <= 1 &&
	    lead <= SENSOR_PF_MAX_MARGIN && trail <= SENSOR_PF_MAX_MARGIN) {
		struct sensor_re_shape l;
		struct sensor_re_set letters;
		unsigned int ch;

		/* Positions that are always capitals: a token of digits alone is not one. */
		memset(&letters, 0, sizeof(letters));
		for (ch = 'A'; ch <= 'Z'; ch++)
			sensor_re_set_add(&letters, ch);
		sensor_re_shape(core, &letters, &l);
		c->kind = SENSOR_PF_U;
		c->min = (uint32_t)s.min_sure;
		c->min_letters = l.min_sure > 0 ? (uint32_t)l.min_sure : 0;
		c->left = lead;
		c->right = trail;
		c->gap = 1;
		c->plus = 0;
		return c->kind;
	}
	/* Kind A: S{m,}@W, '@' in neither S nor W, no lead guard, its start found by a
	 * backward scan (the guarded expression is trimmed to S{m}@W: see build). */
	c->lead = sensor_re_lead_repeat(core, SENSOR_PF_ANCHOR);
	if (c->lead >= 0 && lead == 0 && trail <= SENSOR_PF_MAX_MARGIN &&
	    core->nodes[c->lead].min <= SENSOR_PF_MAX_MARGIN) {
		sensor_re_sets_after(core, c->lead, &c->after);
		if (!sensor_re_set_has(&c->after, SENSOR_PF_ANCHOR) &&
		    !sensor_re_set_has(&c->after, SENSOR_RE_BOS)) {
			c->kind = SENSOR_PF_A;
			c->min = 0;
			c->min_letters = 0;
			c->left = (uint8_t)core->nodes[c->lead].min;
			c->right = trail;
			c->gap = 0;
			c->plus = 0;
			return c->kind;
		}
	}
	c->kind = -1;
	return -1;
}

/*
 * Kind A's guarded expression with its leading S{m,} cut to S{m}: the same end offsets
 * (a match with a longer run of S holds one with the shortest, ending where it does), and
 * every match then starts m bytes before its anchor. -1 if the guarded expression does
 * not start the way the core does.
 */
static int
trim_lead(struct sensor_re *guarded, const struct sensor_re *core, int32_t core_lead)
{
	int32_t g = sensor_re_lead_repeat(guarded, SENSOR_PF_ANCHOR);
	struct sensor_re_node *r;
	const struct sensor_re_node *c = &core->nodes[core_lead];

	if (g < 0)
		return -1;
	r = &guarded->nodes[g];
	if (r->min != c->min ||
	    memcmp(&guarded->sets[guarded->nodes[r->child].set], &core->sets[core->nodes[c->child].set],
		   sizeof(struct sensor_re_set)) != 0)
		return -1;
	r->max = r->min;
	return 0;
}

void
sensor_prefilter_free(struct sensor_pf_db *pf)
{
	uint32_t i;

	if (pf == NULL)
		return;
	for (i = 0; i < SENSOR_PF_KINDS; i++)
		sensor_dfa_free(pf->kind[i].dfa);
	sensor_dfa_free(pf->kw_dfa);
	sensor_dfa_skip_free(pf->kw_skip);
	for (i = 0; i < pf->n_rev; i++)
		sensor_dfa_free(pf->rev[i]);
	free(pf->rev);
	free(pf);
}

/* A DFA of the prefilter, through the cache directory when there is one (counted). */
static struct sensor_dfa *
pf_dfa(struct sensor_db *db, const struct sensor_re *const *res, const uint32_t *ids,
       unsigned int n, unsigned int flags, char *why, size_t whylen)
{
	struct sensor_dfa *d;
	int cached;

	d = sensor_db_cache_dfa(db->cache_dir, res, ids, n, flags, SENSOR_PF_DFA_STATES, why,
				whylen, &cached);
	if (d != NULL) {
		if (cached)
			db->n_dfa_cached++;
		else
			db->n_dfa_built++;
	}
	return d;
}

/* Build kind k's DFA from the candidates of that kind (builtin_only: customs left out). */
static int
build_kind(struct sensor_db *db, struct pf_cand *cand, int k, int builtin_only)
{
	struct sensor_pf_kind *K = &db->pf->kind[k];
	const struct sensor_re **res;
	uint32_t *ids, n = 0, i, j, have, step;
	char why[128];

	res = calloc(db->n_pats + 1, sizeof(*res));
	ids = calloc(db->n_pats + 1, sizeof(*ids));
	if (res == NULL || ids == NULL) {
		free(res);
		free(ids);
		return -ENOMEM;
	}
	memset(K, 0, sizeof(*K));
	K->min = UINT32_MAX;
	K->min_letters = UINT32_MAX;
	for (i = 0; i < db->n_pats; i++) {
		struct pf_cand *c = &cand[i];

		if (c->kind != k || (builtin_only && !c->builtin))
			continue;
		res[n] = c->guarded;
		ids[n++] = i;
	}
	if (n > 0)
		K->dfa = pf_dfa(db, res, ids, n, SENSOR_DFA_UNANCHORED, why, sizeof(why));
	free(res);
	free(ids);
	if (n == 0 || K->dfa == NULL)
		return n == 0 ? 0 : -ENOSPC;
	for (i = 0; i < db->n_pats; i++) {
		struct pf_cand *c = &cand[i];

		if (c->kind != k || (builtin_only && !c->builtin))
			continue;
		db->pats[i].pf = (uint8_t)(k == SENSOR_PF_N ? SENSOR_PAT_PF_N :
					   k == SENSOR_PF_U ? SENSOR_PAT_PF_U : SENSOR_PAT_PF_A);
		for (j = 0; j < 4; j++)
			K->after[j] |= c->after.w[j];
		if (c->min < K->min)
			K->min = c->min;
		if (c->min_letters < K->min_letters)
			K->min_letters = c->min_letters;
		if (c->left > K->left)
			K->left = c->left;
		if (c->right > K->right)
			K->right = c->right;
		if (c->gap > K->gap)
			K->gap = c->gap;
		K->plus |= c->plus;
		K->n_pats++;
	}
	/* A weaker threshold is still a necessary condition; a bounded one keeps an
	 * unqualified cluster short enough to read back from the lookback ring. */
	if (K->min > SENSOR_PF_MIN_CAP)
		K->min = SENSOR_PF_MIN_CAP;
	if (K->min_letters > SENSOR_PF_MIN_CAP || k == SENSOR_PF_N)
		K->min_letters = k == SENSOR_PF_N ? 0 : SENSOR_PF_MIN_CAP;
	/* Halving shifts: after them a bit is set where `min` set bits start (the scan's
	 * run filter; six steps reach SENSOR_PF_MIN_CAP). */
	for (have = 1; have < K->min && K->n_steps < sizeof(K->steps); have += step) {
		step = have < K->min - have ? have : K->min - have;
		K->steps[K->n_steps++] = (uint8_t)step;
	}
	return 0;
}

int
sensor_prefilter_build(struct sensor_db *db, const char *const *exprs, const char *const *cores,
		       char *err, size_t errlen)
{
	struct pf_cand *cand;
	uint32_t i;
	int k, rc = 0;

	db->pf = calloc(1, sizeof(*db->pf));
	cand = calloc(db->n_pats + 1, sizeof(*cand));
	if (db->pf == NULL || cand == NULL)
		goto nomem;
	db->pf->avx2 = (uint8_t)sensor_prefilter_have_avx2();
	db->pf->n_rev = db->n_pats;
	db->pf->rev = calloc(db->n_pats + 1, sizeof(*db->pf->rev));
	if (db->pf->rev == NULL)
		goto nomem;
	for (i = 0; i < db->n_pats; i++) {
		struct sensor_pattern *p = &db->pats[i];
		const struct sensor_guard *g = &sensor_guards[p->boundary];
		struct sensor_re *core;

		cand[i].kind = -1;
		p->pf = SENSOR_PAT_HS;
		if (p->kind != SENSOR_PAT_VALUE || cores[i] == NULL)
			continue;
		core = sensor_re_parse(cores[i], NULL, 0);
		if (core == NULL)
			continue;
		classify(core, g->lead_max, g->trail_max, &cand[i]);
		if (cand[i].kind == SENSOR_PF_A && (g->lead != NULL || p->start != SENSOR_START_SCAN))
			cand[i].kind = -1;
		if (cand[i].kind < 0) {
			sensor_re_free(core);
			continue;
		}
		cand[i].builtin = db->defs[db->refs[p->first_ref]].builtin;
		cand[i].guarded = sensor_re_parse(exprs[i], NULL, 0);
		if (cand[i].guarded != NULL && cand[i].kind == SENSOR_PF_A &&
		    trim_lead(cand[i].guarded, core, cand[i].lead) != 0) {
			sensor_re_free(cand[i].guarded);
			cand[i].guarded = NULL;
		}
		sensor_re_free(core);
		if (cand[i].guarded == NULL) {
			cand[i].kind = -1;
			continue;
		}
		if (p->start == SENSOR_START_SOM) {
			const struct sensor_re *one = cand[i].guarded;
			uint32_t zero = 0, wmin, wmax;

			/* Its start is found reading back: only a bounded match. */
			sensor_re_width(one, &wmin, &wmax);
			if (wmax > SENSOR_PF_SOM_MAX) {
				cand[i].kind = -1;
				continue;
			}
			db->pf->rev[i] = pf_dfa(db, &one, &zero, 1, SENSOR_DFA_REVERSE, NULL, 0);
			if (db->pf->rev[i] == NULL)
				cand[i].kind = -1;
		}
	}
	for (k = 0; k < SENSOR_PF_KINDS && rc == 0; k++) {
		rc = build_kind(db, cand, k, 0);
		if (rc == -ENOSPC)
			rc = build_kind(db, cand, k, 1);
		if (rc == -ENOSPC) {
			memset(&db->pf->kind[k], 0, sizeof(db->pf->kind[k]));
			rc = 0;
		}
	}
	for (i = 0; i < db->n_pats; i++) {
		sensor_re_free(cand[i].guarded);
		if (db->pats[i].pf == SENSOR_PAT_HS && db->pf->rev[i] != NULL) {
			sensor_dfa_free(db->pf->rev[i]);
			db->pf->rev[i] = NULL;
		}
	}
	free(cand);
	if (rc != 0)
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "sensors: no memory");
	return -ENOMEM;
}

int
sensor_prefilter_scratch_init(struct sensor_pf_scratch *x)
{
	size_t words = SENSOR_PF_CHUNK / 64 + 2;
	unsigned int k;

	memset(x, 0, sizeof(*x));
	x->mask = calloc(words * 12, sizeof(uint64_t));
	if (x->mask == NULL)
		return -ENOMEM;
	for (k = 0; k < SENSOR_PF_KINDS; k++) {
		x->win[k] = calloc(SENSOR_PF_MAX_WIN + 2, sizeof(*x->win[k]));
		if (x->win[k] == NULL)
			return -ENOMEM;
	}
	return 0;
}

void
sensor_prefilter_scratch_free(struct sensor_pf_scratch *x)
{
	unsigned int k;

	free(x->mask);
	for (k = 0; k < SENSOR_PF_KINDS; k++)
		free(x->win[k]);
	memset(x, 0, sizeof(*x));
}

int
sensor_prefilter_build_keywords(struct sensor_db *db, const uint8_t *sel)
{
	const struct sensor_re **res;
	struct sensor_re **own;
	uint32_t *ids, n = 0, i;
	int rc = 0;

	res = calloc(db->n_pats + 1, sizeof(*res));
	own = calloc(db->n_pats + 1, sizeof(*own));
	ids = calloc(db->n_pats + 1, sizeof(*ids));
	if (res == NULL || own == NULL || ids == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < db->n_pats; i++) {
		if (!sel[i])
			continue;
		own[n] = sensor_re_parse(db->ex[i].re, NULL, 0);
		if (own[n] == NULL)
			goto out;	/* outside the subset: Hyperscan's block scans instead */
		res[n] = own[n];
		ids[n++] = i;
	}
	if (n > 0)
		db->pf->kw_dfa = pf_dfa(db, res, ids, n, SENSOR_DFA_UNANCHORED, NULL, 0);
	/* Without it (no memory, nothing to skip) the runs step every byte: same hits. */
	if (db->pf->kw_dfa != NULL)
		db->pf->kw_skip = sensor_dfa_skip_build(db->pf->kw_dfa);
out:
	for (i = 0; own != NULL && i < n; i++)
		sensor_re_free(own[i]);
	if (own != NULL && n < db->n_pats && own[n] != NULL)
		sensor_re_free(own[n]);
	free(res);
	free(own);
	free(ids);
	return rc;
}
