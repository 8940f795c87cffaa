/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sensors/dlp.c on its own: per-direction distinct values (keyed hashes), thresholds per
 * sensor and per binding, the threshold event and the matches after it at close, the
 * stream pool, and raw/decoded deduplication. Real built-in sensors, an EAL started with
 * --no-huge (the context lives in the EAL heap), events caught by the emit callback.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <rte_common.h>
#include <rte_eal.h>

#include "config.h"
#include "dlp.h"
#include "sensor_engine.h"
#include "value_hash.h"

#define MAX_EVENTS 8

static struct sensor_def g_defs[SENSOR_MAX];
static struct sensor_db *g_db;
static const uint8_t g_key[16] = "0123456789abcdef";

struct caught {
	unsigned int n;
	struct dlp_event ev[MAX_EVENTS];
	uint8_t dir[MAX_EVENTS];
};

static void
catch_fn(void *cookie, uint8_t dir, const struct dlp_event *ev)
{
	struct caught *c = cookie;

	assert_true(c->n < MAX_EVENTS);
	c->dir[c->n] = dir;
	c->ev[c->n++] = *ev;
}

/* The raw offset of the next byte fed to each direction (its bytes in order). */
static struct {
	const struct dlp_dir *d;
	uint64_t off;
} g_fed[32];

static struct dlp_ctx *
ctx_parking(uint32_t threshold, uint32_t streams, uint32_t parked)
{
	struct tg_config cfg;
	struct dlp_ctx *ctx;
	char err[256];

	memset(g_fed, 0, sizeof(g_fed));	/* a new context: its directions start at 0 */
	config_defaults(&cfg);
	cfg.dlp.threshold = threshold;
	cfg.dlp.max_streams = streams;
	cfg.dlp.max_parked = parked;
	ctx = dlp_ctx_create(g_db, &cfg.dlp, g_key, 0, err, sizeof(err));
	assert_non_null(ctx);
	return ctx;
}

static struct dlp_ctx *
ctx_with(uint32_t threshold, uint32_t streams)
{
	return ctx_parking(threshold, streams, 16);
}

static uint16_t
sensor_of(const char *id)
{
	unsigned int i;

	for (i = 0; i < sensor_db_count(g_db); i++)
		if (strcmp(sensor_db_def(g_db, i)->id, id) == 0)
			return (uint16_t)i;
	fail_msg("no sensor %s", id);
	return 0;
}

static uint64_t *
fed_off(const struct dlp_dir *d)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(g_fed) && g_fed[i].d != NULL; i++)
		if (g_fed[i].d == d)
			return &g_fed[i].off;
	assert_true(i < RTE_DIM(g_fed));
	g_fed[i].d = d;
	return &g_fed[i].off;
}

static void
feed(struct dlp_ctx *ctx, struct dlp_dir *d, const char *s, const struct dlp_policy *pol,
     struct caught *c)
{
	uint64_t *off = fed_off(d);

	dlp_dir_data(ctx, d, 0, *off, (const uint8_t *)s, (uint32_t)strlen(s), pol, catch_fn, c);
	*off += strlen(s);
}

/* Count each value as soon as it is certain (no wait for a keyword after it), as for
 * an inline flow: events come out of the feed that completes them. */
static const struct dlp_policy g_commit = { .commit = 1 };

static uint64_t
hash_of(const char *norm)
{
	return value_hash(g_key, (const uint8_t *)norm, strlen(norm));
}

/* Threshold 2: the first card alone raises nothing; the second distinct one raises the
 * event with both, in the order seen, at their offsets. */
static void
test_threshold_event_lists_every_match_at_the_crossing(void **state)
{
	const char *a = "card 4111111111111111 paid. ";
	const char *b = "card 5500000000000004 paid. ";
	struct dlp_ctx *ctx = ctx_with(2, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	assert_non_null(d);
	feed(ctx, d, a, &g_commit, &c);
	assert_int_equal(c.n, 0);
	feed(ctx, d, b, &g_commit, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].n, 2);
	assert_int_equal(c.ev[0].total, 2);
	assert_string_equal(c.ev[0].m[0].sensor, "credit_card");
	assert_string_equal(c.ev[0].m[1].sensor, "credit_card");
	assert_int_equal(c.ev[0].m[0].offset, 5);
	assert_int_equal(c.ev[0].m[1].offset, strlen(a) + 5);
	assert_int_equal(c.ev[0].m[0].hash, hash_of("4111111111111111"));
	assert_int_equal(c.ev[0].m[1].hash, hash_of("5500000000000004"));
	assert_string_equal(c.ev[0].m[0].redacted, "************1111");
	assert_string_equal(c.ev[0].m[1].redacted, "************0004");
	assert_true(dlp_dir_crossed_block(d) == 0);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 1);		/* nothing after the crossing */
	assert_int_equal(dlp_ctx_stats(ctx)->events, 1);
	assert_int_equal(dlp_ctx_stats(ctx)->matches, 2);
	dlp_ctx_free(ctx);
}

/* Threshold 1: the event comes with the first value, exactly at it. */
static void
test_threshold_one_fires_on_the_first_value(void **state)
{
	struct dlp_ctx *ctx = ctx_with(1, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, "card 4111111111111111 paid. ", &g_commit, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].n, 1);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 1);
	dlp_ctx_free(ctx);
}

/* The same value again is not a new one: threshold 2 is never reached, and below the
 * threshold nothing is reported, not even at close. */
static void
test_repeated_value_counts_once(void **state)
{
	struct dlp_ctx *ctx = ctx_with(2, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, "card 4111111111111111 paid. card 4111111111111111 again. ", NULL, &c);
	feed(ctx, d, "card 4111-1111-1111-1111 (the same, grouped). ", NULL, &c);
	dlp_dir_close(ctx, d, 0, NULL, catch_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(dlp_ctx_stats(ctx)->matches, 3);
	assert_int_equal(dlp_ctx_stats(ctx)->events, 0);
	dlp_ctx_free(ctx);
}

/* Thresholds are per sensor: one card and one IBAN are one value each. */
static void
test_other_sensors_do_not_count_towards_a_threshold(void **state)
{
	struct dlp_ctx *ctx = ctx_with(2, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, "card 4111111111111111 to IBAN DE89370400440532013000 ok. ", NULL, &c);
	dlp_dir_close(ctx, d, 0, NULL, catch_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(dlp_ctx_stats(ctx)->matches, 2);
	dlp_ctx_free(ctx);
}

/* With bindings only the bound sensors count, at the binding's threshold and action;
 * the matches after the crossing come at close. */
static void
test_bindings_count_only_bound_sensors(void **state)
{
	struct dlp_binding bind = { .sensor = sensor_of("iban"), .action = POLICY_DLP_BLOCK,
				    .threshold = 1 };
	struct dlp_policy pol = { .rule = "iban-out", .bind = &bind, .nbind = 1, .commit = 1 };
	struct dlp_ctx *ctx = ctx_with(1, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, "card 4111111111111111 paid. ", &pol, &c);
	assert_int_equal(c.n, 0);
	assert_false(dlp_dir_crossed_block(d));
	feed(ctx, d, "IBAN DE89370400440532013000 ok. ", &pol, &c);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.ev[0].rule, "iban-out");
	assert_int_equal(c.ev[0].action, CONFIG_DLP_BLOCK);
	assert_int_equal(c.ev[0].n, 1);
	assert_string_equal(c.ev[0].m[0].sensor, "iban");
	assert_true(dlp_dir_crossed_block(d));
	feed(ctx, d, "IBAN GB82WEST12345698765432 too. ", &pol, &c);
	assert_int_equal(c.n, 1);
	dlp_dir_close(ctx, d, 0, &pol, catch_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ev[1].n, 1);
	assert_int_equal(c.ev[1].m[0].hash, hash_of("GB82WEST12345698765432"));
	dlp_ctx_free(ctx);
}

/* The matches are counted by sensor and by the action their binding asks (what
 * /metrics shows); they add up to stats.matches, unbound sensors not counted. */
static void
test_matches_are_counted_by_sensor_and_action(void **state)
{
	struct dlp_binding bind[2] = {
		{ .sensor = sensor_of("iban"), .action = POLICY_DLP_BLOCK, .threshold = 5 },
		{ .sensor = sensor_of("credit_card"), .action = POLICY_DLP_ALERT, .threshold = 5 },
	};
	struct dlp_policy pol = { .rule = "r", .bind = bind, .nbind = 2, .commit = 1 };
	struct dlp_ctx *ctx = ctx_with(5, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, "IBAN DE89370400440532013000 and GB82WEST12345698765432 and again "
		     "DE89370400440532013000, card 4111111111111111, mail jane@example.com. ",
	     &pol, &c);
	dlp_dir_close(ctx, d, 0, &pol, catch_fn, &c);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, sensor_of("iban"), CONFIG_DLP_BLOCK), 3);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, sensor_of("iban"), CONFIG_DLP_ALERT), 0);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, sensor_of("credit_card"), CONFIG_DLP_ALERT),
			 1);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, sensor_of("credit_card"), CONFIG_DLP_BLOCK),
			 0);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, sensor_of("email"), CONFIG_DLP_ALERT), 0);
	assert_int_equal(dlp_ctx_stats(ctx)->matches, 4);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, SENSOR_MAX, CONFIG_DLP_ALERT), 0);
	assert_int_equal(dlp_ctx_sensor_matches(ctx, 0, 2), 0);
	dlp_ctx_free(ctx);
}

/* max_streams directions at once: one more is refused and counted; a closed direction
 * gives its stream back. */
static void
test_stream_pool_is_bounded_and_reused(void **state)
{
	struct dlp_ctx *ctx = ctx_with(1, 2);
	struct dlp_dir *a = dlp_dir_open(ctx), *b = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_null(dlp_dir_open(ctx));
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_refused, 1);
	dlp_dir_close(ctx, a, 0, &g_commit, catch_fn, &c);
	a = dlp_dir_open(ctx);
	assert_non_null(a);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_opened, 3);
	/* The reused direction starts empty: the value seen before is new again. */
	feed(ctx, a, "card 4111111111111111 paid. ", &g_commit, &c);
	assert_int_equal(c.n, 1);
	dlp_dir_close(ctx, a, 0, &g_commit, catch_fn, &c);
	dlp_dir_close(ctx, b, 0, &g_commit, catch_fn, &c);
	dlp_ctx_free(ctx);
}

struct evictor {
	struct dlp_ctx *ctx;
	struct dlp_dir **dirs;		/* by owner index */
	struct caught *c;
	int calls;
	uintptr_t owner;
	uint8_t dir;
};

static void
evict_fn(void *cookie, void *owner, uint8_t dir)
{
	struct evictor *e = cookie;
	uintptr_t i = (uintptr_t)owner;

	e->calls++;
	e->owner = i;
	e->dir = dir;
	dlp_dir_close(e->ctx, e->dirs[i], dir, &g_commit, catch_fn, e->c);
	e->dirs[i] = NULL;
}

/* Every stream taken: the direction fed least recently gives its stream to a new one
 * when it has been idle long enough (its matches reported as it closes), never one fed
 * within that time; a direction without an owner is never evicted. */
static void
test_an_idle_direction_gives_its_stream_to_a_new_one(void **state)
{
	struct dlp_ctx *ctx = ctx_with(1, 2);
	struct dlp_dir *dirs[4] = { 0 };
	struct caught c = { 0 };
	struct evictor e = { ctx, dirs, &c, 0, 0, 0 };

	(void)state;
	dlp_ctx_clock(ctx, 1000000);
	dirs[1] = dlp_dir_open_lru(ctx, 1000000, evict_fn, &e);
	dlp_dir_own(dirs[1], (void *)1, 0);
	dlp_ctx_clock(ctx, 1100000);
	dirs[2] = dlp_dir_open_lru(ctx, 1000000, evict_fn, &e);
	dlp_dir_own(dirs[2], (void *)2, 1);
	feed(ctx, dirs[1], "card 4111111111111111 paid. ", &g_commit, &c);
	assert_int_equal(c.n, 1);
	/* 1 was fed at 1.1 s, 2 opened at 1.1 s: at 2.0 s neither is idle for 1 s */
	dlp_ctx_clock(ctx, 2000000);
	assert_null(dlp_dir_open_lru(ctx, 1000000, evict_fn, &e));
	assert_int_equal(e.calls, 0);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_refused, 1);
	/* at 2.1 s both are: 2, opened first and never fed, goes (reverse of open order
	 * would be wrong: 1 was fed later) */
	dlp_ctx_clock(ctx, 2100000);
	dirs[3] = dlp_dir_open_lru(ctx, 1000000, evict_fn, &e);
	assert_non_null(dirs[3]);
	assert_int_equal(e.calls, 1);
	assert_int_equal(e.owner, 2);
	assert_int_equal(e.dir, 1);
	assert_null(dirs[2]);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_evicted, 1);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_refused, 1);
	/* 3 has no owner and 1 is the least recently fed: at 5 s, 1 goes */
	dlp_ctx_clock(ctx, 5000000);
	dirs[0] = dlp_dir_open_lru(ctx, 1000000, evict_fn, &e);
	assert_non_null(dirs[0]);
	assert_int_equal(e.calls, 2);
	assert_int_equal(e.owner, 1);
	assert_null(dirs[1]);
	/* the ownerless 3 is now least recent: never evicted */
	feed(ctx, dirs[0], "nothing here. ", &g_commit, &c);
	dlp_ctx_clock(ctx, 9000000);
	assert_null(dlp_dir_open_lru(ctx, 1000000, evict_fn, &e));
	assert_int_equal(e.calls, 2);
	dlp_dir_close(ctx, dirs[0], 0, &g_commit, catch_fn, &c);
	dlp_dir_close(ctx, dirs[3], 0, &g_commit, catch_fn, &c);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_opened, 4);
	dlp_ctx_free(ctx);
}

/* dec scanned as a whole decoded buffer "http.body > form" of direction 0. */
static void
form_buffer(struct dlp_ctx *ctx, struct dlp_dir *d, const char *dec, struct caught *c)
{
	assert_int_equal(dlp_dir_buffer_open(ctx, d, 0, "http.body > form"), 0);
	dlp_dir_buffer_data(ctx, d, 0, 0, (const uint8_t *)dec, (uint32_t)strlen(dec), NULL,
			    catch_fn, c);
	dlp_dir_buffer_close(ctx, d, 0, 0, NULL, catch_fn, c);
}

/* A value seen in a decoded buffer is reported from the buffer with its path and buffer
 * offset; the raw bytes the buffer covers are not scanned again. */
static void
test_raw_bytes_a_buffer_covered_are_not_scanned_again(void **state)
{
	const char *raw = "card=4111111111111111&x=1 ";
	const char *dec = "card 4111111111111111 x 1";
	struct dlp_ctx *ctx = ctx_with(1, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	form_buffer(ctx, d, dec, &c);
	dlp_dir_cover(d, 0, strlen(raw));
	feed(ctx, d, raw, NULL, &c);
	dlp_dir_close(ctx, d, 0, NULL, catch_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].n, 1);
	assert_int_equal(c.ev[0].total, 1);
	assert_int_equal(c.ev[0].m[0].offset, 5);
	assert_string_equal(c.ev[0].paths[c.ev[0].m[0].path], "http.body > form");
	assert_int_equal(dlp_ctx_stats(ctx)->raw_dups, 0);
	assert_int_equal(dlp_ctx_stats(ctx)->raw_skipped, strlen(raw));
	dlp_ctx_free(ctx);
}

/* Raw bytes scanned before the buffer covering them was known (a decoder held them back
 * until its first output): the raw match is the same value, not counted again. */
static void
test_raw_match_found_before_its_cover_is_not_counted_again(void **state)
{
	const char *raw = "card=4111111111111111&x=1 ";
	const char *dec = "card 4111111111111111 x 1";
	struct dlp_ctx *ctx = ctx_with(1, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };

	(void)state;
	feed(ctx, d, raw, NULL, &c);
	assert_int_equal(c.n, 0);		/* the raw value waits for the close */
	form_buffer(ctx, d, dec, &c);
	dlp_dir_cover(d, 0, strlen(raw));
	dlp_dir_close(ctx, d, 0, NULL, catch_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].n, 1);
	assert_int_equal(c.ev[0].total, 1);
	assert_string_equal(c.ev[0].paths[c.ev[0].m[0].path], "http.body > form");
	assert_int_equal(dlp_ctx_stats(ctx)->raw_dups, 1);
	assert_int_equal(dlp_ctx_stats(ctx)->raw_skipped, 0);
	dlp_ctx_free(ctx);
}

/*
 * A covered range in the middle of the raw stream, the raw bytes fed from raw offset base
 * in pieces of cut bytes: the values before and after it are found at their offsets in
 * the direction's raw stream, wherever its sensor stream started; the card inside it
 * (which no buffer holds here) is not, because those bytes are not scanned.
 */
static void
check_cover_in_the_middle(uint64_t base, uint32_t cut)
{
	static const char text[] = "card 5500000000000004 paid. "	/* [0, 28) */
				   "body 4111111111111111 body. "	/* [28, 56) covered */
				   "card 378282246310005 paid. ";	/* [56, 83) */
	struct dlp_ctx *ctx = ctx_with(2, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };
	uint32_t len = (uint32_t)strlen(text), at;

	dlp_dir_cover(d, base + 28, base + 56);
	for (at = 0; at < len; at += cut)
		dlp_dir_data(ctx, d, 0, base + at, (const uint8_t *)text + at,
			     RTE_MIN(cut, len - at), &g_commit, catch_fn, &c);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.ev[0].n, 2);
	assert_int_equal(c.ev[0].total, 2);
	assert_int_equal(c.ev[0].m[0].offset, base + 5);
	assert_int_equal(c.ev[0].m[0].hash, hash_of("5500000000000004"));
	assert_int_equal(c.ev[0].m[1].offset, base + 61);
	assert_int_equal(c.ev[0].m[1].hash, hash_of("378282246310005"));
	assert_int_equal(dlp_ctx_stats(ctx)->raw_skipped, 28);
	assert_int_equal(dlp_ctx_sensor_stats(ctx)->bytes_scanned, len - 28);
	assert_int_equal(dlp_ctx_stats(ctx)->matches, 2);
	dlp_ctx_free(ctx);
}

static void
test_only_the_covered_raw_bytes_are_skipped(void **state)
{
	(void)state;
	check_cover_in_the_middle(0, 1000);
	check_cover_in_the_middle(0, 9);	/* pieces across both ends of the range */
	check_cover_in_the_middle(0, 1);
	/* A direction whose stream opened mid-flow (an idle one's stream was taken): the
	 * ranges and the offsets reported are raw offsets, its stream starts at 0. */
	check_cover_in_the_middle(100000, 1000);
	check_cover_in_the_middle(100000, 7);
}

/* s at raw offset off of direction 0 of d. */
static void
feed_at(struct dlp_ctx *ctx, struct dlp_dir *d, uint64_t off, const char *s,
	const struct dlp_policy *pol, struct caught *c)
{
	dlp_dir_data(ctx, d, 0, off, (const uint8_t *)s, (uint32_t)strlen(s), pol, catch_fn, c);
}

/* "card N paid. " with the 16-digit Visa number 4 + i (14 digits) + its Luhn digit. */
static void
card_text(uint64_t i, char *out, size_t len, char *norm)
{
	char digits[17];
	unsigned int k, sum = 0;

	snprintf(digits, sizeof(digits), "4%014llu", (unsigned long long)i);
	for (k = 0; k < 15; k++) {
		unsigned int v = (unsigned int)(digits[14 - k] - '0');

		if (k % 2 == 0)
			v = v * 2 > 9 ? v * 2 - 9 : v * 2;
		sum += v;
	}
	digits[15] = (char)('0' + (10 - sum % 10) % 10);
	digits[16] = '\0';
	snprintf(out, len, "card %s paid. ", digits);
	if (norm != NULL)
		memcpy(norm, digits, 17);
}

/*
 * A full distinct set (64 values) counts every further value once, as new: at threshold
 * 66 the 65th distinct card (the first past the set) raises nothing, the 66th crosses.
 */
static void
test_full_distinct_set_counts_each_further_value_once(void **state)
{
	struct dlp_ctx *ctx = ctx_with(66, 4);
	struct dlp_dir *d = dlp_dir_open(ctx);
	struct caught c = { 0 };
	char text[64];
	uint64_t off = 0;
	unsigned int k;

	(void)state;
	for (k = 0; k < 65; k++) {
		card_text(300 + k, text, sizeof(text), NULL);
		feed_at(ctx, d, off, text, &g_commit, &c);
		off += strlen(text);
	}
	assert_int_equal(dlp_ctx_stats(ctx)->distinct_overflow, 1);
	assert_int_equal(c.n, 0);
	card_text(400, text, sizeof(text), NULL);
	feed_at(ctx, d, off, text, &g_commit, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.ev[0].crossing);
	assert_int_equal(c.ev[0].total, 64);	/* the set's; the two past it at the end */
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ev[1].total, 2);
	dlp_ctx_free(ctx);
}

/*
 * An idle direction that gives its stream up keeps counting: a second card after it
 * resumes reaches a threshold of 2, and the event lists the card seen before the park
 * at its raw offset, with the later ones at theirs (the new stream starts at 0). With
 * dlp.max_parked 0 the count starts again and nothing is reported.
 */
static void
test_a_parked_direction_goes_on_counting_where_it_stopped(void **state)
{
	struct dlp_ctx *ctx = ctx_parking(2, 1, 4);
	struct dlp_park *slot = NULL;
	struct caught c = { 0 };
	struct dlp_dir *d = dlp_dir_open(ctx);
	char a[64], b[64], na[17], nb[17];

	(void)state;
	card_text(1, a, sizeof(a), na);
	card_text(2, b, sizeof(b), nb);
	feed_at(ctx, d, 0, a, &g_commit, &c);
	dlp_dir_park(ctx, d, 0, &g_commit, catch_fn, &c, &slot);
	assert_non_null(slot);
	assert_int_equal(c.n, 0);
	assert_false(dlp_park_crossed_block(slot));
	/* the stream went back to the pool with the park */
	d = dlp_dir_open(ctx);
	assert_non_null(d);
	dlp_dir_resume(ctx, d, slot);
	assert_null(slot);
	feed_at(ctx, d, 1000, a, &g_commit, &c);	/* the same card: still one value */
	assert_int_equal(c.n, 0);
	feed_at(ctx, d, 1000 + strlen(a), b, &g_commit, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.ev[0].crossing);
	assert_string_equal(c.ev[0].sensor, "credit_card");
	assert_int_equal(c.ev[0].threshold, 2);
	assert_int_equal(c.ev[0].total, 3);
	assert_int_equal(c.ev[0].n, 3);
	assert_int_equal(c.ev[0].m[0].offset, 5);
	assert_int_equal(c.ev[0].m[0].hash, hash_of(na));
	assert_int_equal(c.ev[0].m[1].offset, 1005);
	assert_int_equal(c.ev[0].m[1].hash, hash_of(na));
	assert_int_equal(c.ev[0].m[2].offset, 1000 + strlen(a) + 5);
	assert_int_equal(c.ev[0].m[2].hash, hash_of(nb));
	assert_string_equal(c.ev[0].paths[c.ev[0].m[2].path], DLP_PATH_RAW);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 1);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_resumed, 1);
	assert_int_equal(dlp_ctx_stats(ctx)->parks_dropped, 0);
	dlp_ctx_free(ctx);

	/* nothing parked: the second card is the new stream's first value */
	ctx = ctx_parking(2, 1, 0);
	memset(&c, 0, sizeof(c));
	d = dlp_dir_open(ctx);
	feed_at(ctx, d, 0, a, &g_commit, &c);
	dlp_dir_park(ctx, d, 0, &g_commit, catch_fn, &c, &slot);
	assert_null(slot);
	d = dlp_dir_open(ctx);
	feed_at(ctx, d, 2000, b, &g_commit, &c);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 0);
	assert_int_equal(dlp_ctx_stats(ctx)->dirs_resumed, 0);
	dlp_ctx_free(ctx);
}

/*
 * A direction parked after its crossing reports the matches since then as it parks (as
 * a close does), stays "crossed, block" while parked, and after it resumes neither
 * crosses again nor reports a value it had already: only the new card, at its end.
 */
static void
test_a_direction_parked_after_its_crossing_reports_as_it_parks(void **state)
{
	struct dlp_binding bind = { .sensor = sensor_of("credit_card"),
				    .action = POLICY_DLP_BLOCK, .threshold = 1 };
	struct dlp_policy pol = { .rule = "r", .bind = &bind, .nbind = 1, .commit = 1 };
	struct dlp_ctx *ctx = ctx_parking(1, 1, 4);
	struct dlp_park *slot = NULL;
	struct caught c = { 0 };
	struct dlp_dir *d = dlp_dir_open(ctx);
	char a[64], b[64], x[64], nb[17], nx[17];

	(void)state;
	card_text(1, a, sizeof(a), NULL);
	card_text(2, b, sizeof(b), nb);
	card_text(3, x, sizeof(x), nx);
	feed_at(ctx, d, 0, a, &pol, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.ev[0].crossing);
	feed_at(ctx, d, strlen(a), b, &pol, &c);
	assert_int_equal(c.n, 1);
	dlp_dir_park(ctx, d, 0, &pol, catch_fn, &c, &slot);
	assert_int_equal(c.n, 2);
	assert_false(c.ev[1].crossing);
	assert_int_equal(c.ev[1].n, 1);
	assert_int_equal(c.ev[1].m[0].hash, hash_of(nb));
	assert_int_equal(c.ev[1].m[0].offset, strlen(a) + 5);
	assert_true(dlp_park_crossed_block(slot));
	d = dlp_dir_open(ctx);
	dlp_dir_resume(ctx, d, slot);
	assert_true(dlp_dir_crossed_block(d));
	feed_at(ctx, d, 500, x, &pol, &c);
	assert_int_equal(c.n, 2);		/* past the threshold already: no new crossing */
	dlp_dir_close(ctx, d, 0, &pol, catch_fn, &c);
	assert_int_equal(c.n, 3);
	assert_false(c.ev[2].crossing);
	assert_int_equal(c.ev[2].n, 1);
	assert_int_equal(c.ev[2].total, 1);
	assert_int_equal(c.ev[2].m[0].hash, hash_of(nx));
	assert_int_equal(c.ev[2].m[0].offset, 505);
	dlp_ctx_free(ctx);
}

/*
 * Park records are bounded (dlp.max_parked): when all are taken the oldest parked
 * direction's goes to the newest and its owner's pointer is cleared; a record freed at
 * the direction's end is taken again; a direction parked with more distinct values than
 * a record keeps counts the rest as overflow, so its threshold is still reached.
 */
static void
test_parked_directions_are_bounded_oldest_first(void **state)
{
	struct dlp_ctx *ctx = ctx_parking(20, 3, 2);
	struct dlp_park *slot[3] = { NULL, NULL, NULL };
	struct caught c = { 0 };
	struct dlp_dir *d;
	char text[64];
	unsigned int i, k;

	(void)state;
	for (i = 0; i < 3; i++) {
		d = dlp_dir_open(ctx);
		assert_non_null(d);
		card_text(10 + i, text, sizeof(text), NULL);
		feed_at(ctx, d, 0, text, &g_commit, &c);
		dlp_dir_park(ctx, d, 0, &g_commit, catch_fn, &c, &slot[i]);
		assert_non_null(slot[i]);
	}
	assert_null(slot[0]);			/* the oldest gave its record up */
	assert_non_null(slot[1]);
	assert_int_equal(dlp_ctx_stats(ctx)->parks_dropped, 1);
	dlp_park_free(ctx, slot[1]);
	assert_null(slot[1]);
	dlp_park_free(ctx, NULL);
	/* 19 distinct cards, parked (16 kept, 3 overflow), resumed: the 20th crosses */
	d = dlp_dir_open(ctx);
	for (k = 0; k < 19; k++) {
		card_text(100 + k, text, sizeof(text), NULL);
		feed_at(ctx, d, strlen(text) * k, text, &g_commit, &c);
	}
	dlp_dir_park(ctx, d, 0, &g_commit, catch_fn, &c, &slot[1]);
	assert_non_null(slot[1]);
	assert_non_null(slot[2]);		/* a freed record was free: nothing dropped */
	assert_int_equal(dlp_ctx_stats(ctx)->parks_dropped, 1);
	assert_int_equal(c.n, 0);
	d = dlp_dir_open(ctx);
	dlp_dir_resume(ctx, d, slot[1]);
	card_text(100, text, sizeof(text), NULL);	/* kept: not a new value */
	feed_at(ctx, d, 5000, text, &g_commit, &c);
	assert_int_equal(c.n, 0);
	card_text(200, text, sizeof(text), NULL);
	feed_at(ctx, d, 5000 + strlen(text), text, &g_commit, &c);
	assert_int_equal(c.n, 1);
	assert_true(c.ev[0].crossing);
	/* the crossing lists the 4 parked matches and the 2 new ones; it stands for the
	 * 16 kept values' matches (the repeat included) and the 20th; the 3 overflow
	 * values' matches are the direction's last event's, as for a full distinct set */
	assert_int_equal(c.ev[0].n, 6);
	assert_int_equal(c.ev[0].total, 18);
	dlp_dir_close(ctx, d, 0, &g_commit, catch_fn, &c);
	assert_int_equal(c.n, 2);
	assert_int_equal(c.ev[1].total, 3);
	dlp_ctx_free(ctx);
}

int
main(void)
{
	char prefix[64];
	char *argv[] = { "test_dlp", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
			 "--no-telemetry", "--log-level=warning", prefix, NULL };
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_threshold_event_lists_every_match_at_the_crossing),
		cmocka_unit_test(test_threshold_one_fires_on_the_first_value),
		cmocka_unit_test(test_repeated_value_counts_once),
		cmocka_unit_test(test_full_distinct_set_counts_each_further_value_once),
		cmocka_unit_test(test_other_sensors_do_not_count_towards_a_threshold),
		cmocka_unit_test(test_bindings_count_only_bound_sensors),
		cmocka_unit_test(test_matches_are_counted_by_sensor_and_action),
		cmocka_unit_test(test_stream_pool_is_bounded_and_reused),
		cmocka_unit_test(test_an_idle_direction_gives_its_stream_to_a_new_one),
		cmocka_unit_test(test_raw_bytes_a_buffer_covered_are_not_scanned_again),
		cmocka_unit_test(test_raw_match_found_before_its_cover_is_not_counted_again),
		cmocka_unit_test(test_only_the_covered_raw_bytes_are_skipped),
		cmocka_unit_test(test_a_parked_direction_goes_on_counting_where_it_stopped),
		cmocka_unit_test(test_a_direction_parked_after_its_crossing_reports_as_it_parks),
		cmocka_unit_test(test_parked_directions_are_bounded_oldest_first),
	};
	char err[256];
	unsigned int n;
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=test_dlp%d", (int)getpid());
	if (rte_eal_init(RTE_DIM(argv) - 1, argv) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	n = sensor_catalogue_builtin(g_defs, SENSOR_MAX);
	g_db = sensor_db_compile(g_defs, n, err, sizeof(err));
	if (g_db == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	sensor_db_free(g_db);
	rte_eal_cleanup();
	return rc;
}
