/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Decoding pipelines (app_pipe.h): content codings (RFC 9110 8.4), then one text decoder,
 * then the sensors' decoded buffer. The buffer is opened at the first decoded byte, so a
 * body that decodes to nothing takes no sensor stream.
 *
 *   feed ─► [comp chain] ─► [text decoder] ─► scan: open on first byte, cap, sink.data
 */
#include <stdbool.h>
#include <string.h>

#include "app_pipe.h"
#include "decode_b64.h"
#include "decode_comp.h"
#include "decode_text.h"

static void
app_pipe_anomaly(struct app_pipe *pp)
{
	const struct app_layer_sink *s = pp->env->sink;

	if (pp->anom)
		return;
	pp->anom = 1;
	if (s != NULL && s->anomaly != NULL)
		s->anomaly(pp->env->cookie, pp->dir, APP_LAYER_ANOM_DECODE);
}

/*
 * s appended to the path label out[0..at) of cap bytes, cut to fit (a label, not a key);
 * returns its new length. Paths are built per body and per nested value, so not with
 * snprintf (about 700 instructions a call).
 */
static size_t
app_pipe_path_put(char *out, size_t cap, size_t at, const char *s)
{
	size_t n = strlen(s);

	if (at >= cap)
		return at;
	if (n > cap - 1 - at)
		n = cap - 1 - at;
	memcpy(out + at, s, n);
	out[at + n] = '\0';
	return at + n;
}

/* ---- base64 values inside form and JSON text ---- */

/* The level-1 bytes env holds go to pp's value buffer now. */
static void
app_pipe_nest_flush(struct app_pipe *pp)
{
	struct app_pipe_env *env = pp->env;
	uint32_t n = env->nest_n;

	env->nest_n = 0;
	if (n > 0)
		env->sink->data(env->cookie, pp->dir, 1, env->nest_batch, n);
}

static void
app_pipe_nest_out(void *cookie, const uint8_t *p, size_t n)
{
	struct app_pipe *pp = cookie;
	struct app_pipe_env *env = pp->env;
	char path[DLP_PATH_LEN];
	size_t len;

	if (pp->nest_refused || n == 0)
		return;
	if (!pp->nest_opened) {
		len = app_pipe_path_put(path, sizeof(path), 0, pp->path);
		app_pipe_path_put(path, sizeof(path), len, " > base64");
		if (env->sink->open(env->cookie, pp->dir, 1, path) != 0) {
			pp->nest_refused = 1;
			return;
		}
		pp->nest_opened = 1;
		env->stats->bodies++;
	}
	if (env->nest_batch == NULL || n >= APP_PIPE_BATCH / 2) {
		app_pipe_nest_flush(pp);
		env->sink->data(env->cookie, pp->dir, 1, p, n);
		return;
	}
	if (env->nest_n + n > APP_PIPE_BATCH)
		app_pipe_nest_flush(pp);
	memcpy(env->nest_batch + env->nest_n, p, n);
	env->nest_n += (uint32_t)n;
}

static void
app_pipe_nest_end(struct app_pipe *pp)
{
	if (pp->nest_on) {
		decode_b64_finish(&pp->nest, app_pipe_nest_out, pp);
		app_pipe_nest_flush(pp);
		if (pp->nest_opened)
			pp->env->sink->close(pp->env->cookie, pp->dir, 1);
	}
	pp->nest_on = 0;
	pp->nest_opened = 0;
	pp->nest_refused = 0;
	pp->run = 0;
}

static int
app_pipe_b64_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '-' || c == '_';
}

/*
 * Decoded text p[0..n), byte by byte: a run of b64_min or more base64 characters (a JSON
 * string, a form value or a whole body holding a file) is decoded as it comes, into a
 * level-1 buffer. '=' ends a run before it is taken (a form's name=value) and is padding
 * after; in JSON and plain text a line break inside a run is wrapping. Anything else ends
 * the run.
 */
static void
app_pipe_sniff_bytes(struct app_pipe *pp, const uint8_t *p, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		if (pp->nest_on) {
			for (j = i; j < n && (app_pipe_b64_char(p[j]) || p[j] == '=' ||
					      (pp->sniff_json && (p[j] == '\n' || p[j] == '\r')));
			     j++)
				;
			decode_b64_feed(&pp->nest, p + i, j - i, app_pipe_nest_out, pp);
			if (j < n)
				app_pipe_nest_end(pp);
			i = j < n ? j + 1 : j;
			continue;
		}
		if (!app_pipe_b64_char(p[i])) {
			/* A line break inside a run is wrapping (JSON, plain text). */
			if (!(pp->sniff_json && pp->run > 0 && (p[i] == '\n' || p[i] == '\r')))
				pp->run = 0;
			i++;
			continue;
		}
		pp->hold[pp->run++] = p[i++];
		if (pp->run < pp->env->b64_min)
			continue;
		pp->nest_on = 1;
		decode_b64_init(&pp->nest, DECODE_B64_ANY);
		decode_b64_feed(&pp->nest, pp->hold, pp->run, app_pipe_nest_out, pp);
	}
}

/* Bit i set when bits i..i+k-1 of m are all set (k >= 1). */
static uint64_t
app_pipe_ones(uint64_t m, unsigned int k)
{
	unsigned int have = 1;

	if (k > 64)
		return 0;
	while (have < k && m != 0) {
		unsigned int s = have < k - have ? have : k - have;

		m &= m >> s;
		have += s;
	}
	return m;
}

/*
 * Whether no run reaches b64_min in a block of len bytes (valid: their bits) outside a
 * value, the run before it being pp->run: alpha counts, brk is transparent (JSON, plain)
 * and anything else (reset) ends a run. The first stretch continues pp->run; a stretch
 * after a reset byte is checked by its length, line breaks included (a run cannot be
 * longer).
 */
static bool
app_pipe_quiet(const struct app_pipe *pp, uint64_t alpha, uint64_t reset, uint64_t valid,
	       unsigned int len)
{
	unsigned int k = pp->env->b64_min;
	unsigned int f = reset != 0 ? (unsigned int)__builtin_ctzll(reset) : len;
	uint64_t first = f >= 64 ? alpha : alpha & ((1ULL << f) - 1), rest;

	if (pp->run + (unsigned int)__builtin_popcountll(first) >= k)
		return false;
	if (reset == 0 || f >= 63)
		return true;
	/* The stretches after the first reset byte: none can reach k when fewer bytes are
	 * left in them all (always, at the default b64_min of 64). */
	rest = ~reset & valid & ~((2ULL << f) - 1);
	if ((unsigned int)__builtin_popcountll(rest) < k)
		return true;
	return app_pipe_ones(rest, k) == 0;
}

/*
 * Inside a value: the length of the prefix of p[0..n) that continues it (base64
 * characters, padding, and in JSON and plain text line breaks), 64 bytes at a time; *end
 * is set when a byte after it ends the value. The `before` bytes before p are readable.
 */
static size_t
app_pipe_nest_span(const struct app_pipe *pp, const uint8_t *p, size_t n, size_t before,
		   bool *end)
{
	size_t j = 0;

	*end = false;
	while (j < n) {
		unsigned int len = n - j < 64 ? (unsigned int)(n - j) : 64;
		uint64_t valid = len == 64 ? UINT64_MAX : (1ULL << len) - 1, stop;
		struct decode_b64_masks m;

		decode_b64_classes(p + j, len, before + j, &m);
		if (!pp->sniff_json)
			m.brk = 0;
		stop = ~(m.alpha | m.pad | m.brk) & valid;
		if (stop != 0) {
			*end = true;
			return j + (unsigned int)__builtin_ctzll(stop);
		}
		j += len;
	}
	return j;
}

/* The run's last *dlen characters, still in the piece at p[dfrom], to hold[]. */
static void
app_pipe_hold_put(struct app_pipe *pp, const uint8_t *p, size_t dfrom, unsigned int *dlen)
{
	if (*dlen > 0)
		memcpy(pp->hold + pp->run - *dlen, p + dfrom, *dlen);
	*dlen = 0;
}

/*
 * The sniffer over 64 bytes at a time (decode_b64_classes): inside a value, up to the byte
 * that ends it; outside, a block where no run can reach b64_min only keeps its last run's
 * characters in hold[]. A block where one may is read byte by byte (app_pipe_sniff_bytes),
 * so the result is the byte loop's, however the text is cut.
 *
 * A run's characters that are one stretch of the piece are copied to hold[] only when the
 * byte loop needs them or the piece ends: in text most blocks end inside a word, which
 * was a memcpy call per block.
 */
static void
app_pipe_sniff(struct app_pipe *pp, const uint8_t *p, size_t n)
{
	size_t i = 0, dfrom = 0, fast_at = 0;
	unsigned int dlen = 0;		/* the run's last dlen characters: p[dfrom, +dlen) */

	while (i < n) {
		unsigned int len = n - i < 64 ? (unsigned int)(n - i) : 64;
		uint64_t valid = len == 64 ? UINT64_MAX : (1ULL << len) - 1;
		struct decode_b64_masks m;
		uint64_t keep, reset;

		if (!pp->nest_on && i >= fast_at && n - i >= 64) {
			/* Text where no run can start a value (most of it), blocks at a time:
			 * the byte loop's run is 0 after their last byte that ended one. The
			 * blocks below go on from there, up to the end of the first block
			 * that was not quiet; then this is tried again. */
			size_t resume, k = decode_b64_quiet(p + i, n - i, pp->run,
							    pp->env->b64_min, pp->sniff_json,
							    &resume);

			fast_at = i + resume;
			if (k > 0) {
				pp->run = 0;
				dlen = 0;
				i += k;
				continue;
			}
		}
		if (pp->nest_on) {
			/* The whole value in this piece goes to the decoder in one call, so its
			 * output reaches the sensors in one piece, not one per 48 bytes. */
			bool end;
			size_t j = app_pipe_nest_span(pp, p + i, n - i, i, &end);

			decode_b64_feed(&pp->nest, p + i, j, app_pipe_nest_out, pp);
			if (!end) {
				i += j;
				continue;
			}
			app_pipe_nest_end(pp);
			i += j + 1;		/* the byte that ended it is not looked at again */
			continue;
		}
		decode_b64_classes(p + i, len, i, &m);
		if (!pp->sniff_json)
			m.brk = 0;
		reset = ~(m.alpha | m.brk) & valid;
		if (!app_pipe_quiet(pp, m.alpha, reset, valid, len)) {
			app_pipe_hold_put(pp, p, dfrom, &dlen);
			app_pipe_sniff_bytes(pp, p + i, len);
			i += len;
			continue;
		}
		keep = m.alpha;
		if (reset != 0) {
			unsigned int last = 63 - (unsigned int)__builtin_clzll(reset);

			keep = last >= 63 ? 0 : keep & ~((2ULL << last) - 1);
			pp->run = 0;
			dlen = 0;
		}
		if (keep != 0) {
			unsigned int lo = (unsigned int)__builtin_ctzll(keep);
			uint64_t run = keep >> lo;

			if ((run & (run + 1)) == 0) {
				/* One stretch (no line break inside): left in the piece, joined to
				 * the stretch before it when they touch. */
				unsigned int c = (unsigned int)__builtin_popcountll(keep);

				if (dlen > 0 && dfrom + dlen != i + lo)
					app_pipe_hold_put(pp, p, dfrom, &dlen);
				if (dlen == 0)
					dfrom = i + lo;
				dlen += c;
				pp->run += c;
			} else {
				app_pipe_hold_put(pp, p, dfrom, &dlen);
				for (; keep != 0; keep &= keep - 1)
					pp->hold[pp->run++] =
						p[i + (unsigned int)__builtin_ctzll(keep)];
			}
		}
		i += len;
	}
	app_pipe_hold_put(pp, p, dfrom, &dlen);
	app_pipe_nest_flush(pp);
}

/* Decoded bytes of pp to its sink, and to the base64 sniffer. */
static void
app_pipe_deliver(struct app_pipe *pp, const uint8_t *p, size_t n)
{
	pp->env->sink->data(pp->env->cookie, pp->dir, 0, p, n);
	if (pp->sniff)
		app_pipe_sniff(pp, p, n);
}

void
app_pipe_flush(struct app_pipe_env *env)
{
	struct app_pipe *pp = env->batch_pp;
	uint32_t n = env->batch_n;

	env->batch_pp = NULL;
	env->batch_n = 0;
	if (pp != NULL && n > 0)
		app_pipe_deliver(pp, env->batch, n);
}

/* Decoded bytes of pp, in order: gathered in env's batch, or at once when long. */
static void
app_pipe_put(struct app_pipe *pp, const uint8_t *p, size_t n)
{
	struct app_pipe_env *env = pp->env;

	if (env->batch == NULL) {
		app_pipe_deliver(pp, p, n);
		return;
	}
	if (env->batch_pp != pp || n >= APP_PIPE_BATCH / 2 ||
	    env->batch_n + n > APP_PIPE_BATCH)
		app_pipe_flush(env);
	if (n >= APP_PIPE_BATCH / 2) {
		app_pipe_deliver(pp, p, n);
		return;
	}
	memcpy(env->batch + env->batch_n, p, n);
	env->batch_n += (uint32_t)n;
	env->batch_pp = pp;
}

static void
app_pipe_scan(void *cookie, const uint8_t *p, size_t n)
{
	struct app_pipe *pp = cookie;
	struct app_pipe_env *env = pp->env;
	uint64_t room;

	if (pp->stopped || pp->refused || n == 0)
		return;
	if (!pp->opened) {
		if (env->sink->open(env->cookie, pp->dir, 0, pp->path) != 0) {
			pp->refused = 1;
			return;
		}
		pp->opened = 1;
		if (env->count_bodies)
			env->stats->bodies++;
	}
	room = env->max_decoded - pp->out;
	if (n > room) {
		n = (size_t)room;
		pp->stopped = 1;
		env->stats->decode_capped++;
		app_pipe_anomaly(pp);
	}
	if (n > 0)
		app_pipe_put(pp, p, n);
	pp->out += n;
}

static void
app_pipe_text(void *cookie, const uint8_t *p, size_t n)
{
	struct app_pipe *pp = cookie;

	if (pp->text_on)
		decode_text_feed(&pp->text, p, n, app_pipe_scan, pp);
	else
		app_pipe_scan(pp, p, n);
}

/* Append " > name" to the path (cut to fit: the path is a label, not a key). */
static void
app_pipe_path_add(struct app_pipe *pp, const char *name)
{
	size_t len = strlen(pp->path);

	if (len >= sizeof(pp->path) - 1)
		return;
	len = app_pipe_path_put(pp->path, sizeof(pp->path), len, " > ");
	app_pipe_path_put(pp->path, sizeof(pp->path), len, name);
}

/* A decoder stopped: count why, report it once, scan nothing more of this body. */
static void
app_pipe_failed(struct app_pipe *pp, int err)
{
	struct app_layer_stats *st = pp->env->stats;

	pp->stopped = 1;
	if (err == DECODE_COMP_ENOMEM)
		st->decode_nomem++;
	else if (err == DECODE_COMP_CAP)
		st->decode_capped++;
	else if (err == DECODE_COMP_BOMB)
		st->decode_bombs++;
	else
		st->decode_errors++;
	/* A cap, not bad data: the rest of the body goes uninspected (decoded), which the
	 * worker's exception policy decides about. */
	if (err == DECODE_COMP_ENOMEM || err == DECODE_COMP_CAP || err == DECODE_COMP_BOMB)
		st->decode_limits++;
	app_pipe_anomaly(pp);
}

void
app_pipe_reset(struct app_pipe *pp)
{
	memset(pp, 0, offsetof(struct app_pipe, nest));
}

int
app_pipe_begin(struct app_pipe *pp, struct app_pipe_env *env, uint8_t dir, const char *base,
	       const char *cenc, int text)
{
	enum decode_comp_coding codings[DECODE_COMP_MAX_CODINGS];
	unsigned int n = 0, i;
	uint8_t anom = pp->anom;
	int rc;

	if (env->batch_pp == pp)
		app_pipe_flush(env);
	memset(pp, 0, offsetof(struct app_pipe, chain));
	pp->anom = anom;
	pp->env = env;
	pp->dir = dir;
	app_pipe_path_put(pp->path, sizeof(pp->path), 0, base);
	if (cenc != NULL && cenc[0] != '\0') {
		rc = decode_comp_parse(cenc, strlen(cenc), codings, &n);
		if (rc != 0) {
			env->stats->unknown_coding++;
			app_pipe_anomaly(pp);
			return -1;
		}
	}
	if (n > 0) {
		rc = decode_comp_chain_init(&pp->chain, codings, n, &env->comp_conf, env->pool,
					    app_pipe_text, pp);
		if (rc != 0) {
			app_pipe_failed(pp, rc);
			return -1;
		}
		pp->comp_on = 1;
		/* Decoding undoes the last coding applied first. */
		for (i = n; i-- > 0;)
			app_pipe_path_add(pp, decode_comp_coding_name(codings[i]));
	}
	if (text != APP_PIPE_NO_TEXT && decode_text_init(&pp->text, text) == 0) {
		pp->text_on = 1;
		app_pipe_path_add(pp, decode_text_name(text));
	}
	/* Text that may hold a file as base64: form, JSON and bodies or parts without a
	 * transfer encoding of their own (a body that is all base64 included). Only where
	 * the sensors read: a pipeline feeding the MIME parser passes its bytes on as is. */
	pp->sniff = env->count_bodies && env->b64_min > 0 && env->b64_min <= APP_PIPE_B64_HOLD &&
		    text != DECODE_TEXT_B64 && text != DECODE_TEXT_QP;
	pp->sniff_json = text == DECODE_TEXT_JSON || text == APP_PIPE_NO_TEXT;
	pp->active = 1;
	return 0;
}

void
app_pipe_feed(struct app_pipe *pp, const uint8_t *p, size_t n)
{
	int rc;

	if (!pp->active || pp->stopped || n == 0)
		return;
	if (!pp->comp_on) {
		app_pipe_text(pp, p, n);
		return;
	}
	rc = decode_comp_chain_feed(&pp->chain, p, n);
	if (rc != 0)
		app_pipe_failed(pp, rc);
}

void
app_pipe_end(struct app_pipe *pp)
{
	int rc;

	if (!pp->active)
		return;
	if (pp->comp_on) {
		if (!pp->stopped) {
			rc = decode_comp_chain_finish(&pp->chain);
			if (rc != 0)
				app_pipe_failed(pp, rc);
		}
		decode_comp_chain_end(&pp->chain);
		pp->comp_on = 0;
	}
	if (pp->text_on) {
		decode_text_finish(&pp->text, app_pipe_scan, pp);
		pp->text_on = 0;
	}
	if (pp->env->batch_pp == pp)
		app_pipe_flush(pp->env);
	app_pipe_nest_end(pp);
	if (pp->opened)
		pp->env->sink->close(pp->env->cookie, pp->dir, 0);
	pp->opened = 0;
	pp->active = 0;
}
