/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Callback recorder and cutting harness of the SMTP parser tests (smtp_rec.h): every
 * callback becomes a line of a string (consecutive data slices merged into one DATA[...]),
 * followed by the counters and modes, so that two ways of cutting the same session can be
 * compared with one string compare.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "smtp_rec.h"

#define REC_MAX (1u << 20)

struct rec {
	char *buf;
	size_t len;
	bool in_data;
};

static void
rec_put(struct rec *r, const void *p, size_t n)
{
	assert_true(r->len + n < REC_MAX);
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void
rec_printf(struct rec *r, const char *fmt, ...)
{
	char tmp[8192];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(tmp));
	rec_put(r, tmp, (size_t)k);
}

static void
rec_close_data(struct rec *r)
{
	if (r->in_data)
		rec_put(r, "]\n", 2);
	r->in_data = false;
}

static void
rec_env(struct rec *r, const char *tag, const struct app_smtp_envelope *e)
{
	uint32_t i;

	rec_close_data(r);
	rec_printf(r, "%s #%u helo=%s from=<%s> rcpt=", tag, e->mail_index, e->helo,
		   e->mail_from);
	for (i = 0; i < e->rcpt_count; i++)
		rec_printf(r, "%s<%s>", i ? "," : "", e->rcpt[i]);
	rec_printf(r, " total=%u flags=%u end=%d%s%s\n", e->rcpt_total, e->flags, (int)e->end,
		   e->bdat ? " bdat" : "", e->starttls ? " tls" : "");
}

static void
on_begin(void *cookie, const struct app_smtp_envelope *e)
{
	rec_env(cookie, "BEGIN", e);
}

static void
on_end(void *cookie, const struct app_smtp_envelope *e)
{
	rec_env(cookie, "END", e);
}

static void
on_tls(void *cookie, const struct app_smtp_envelope *e)
{
	struct rec *r = cookie;

	rec_close_data(r);
	rec_printf(r, "STARTTLS helo=%s tls=%d\n", e->helo, e->starttls);
}

static void
on_data(void *cookie, const uint8_t *p, size_t n)
{
	struct rec *r = cookie;

	assert_true(n > 0);
	if (!r->in_data)
		rec_put(r, "DATA[", 5);
	r->in_data = true;
	rec_put(r, p, n);
}

static const struct app_smtp_cb rec_cb = {
	.on_mail_begin = on_begin,
	.on_data = on_data,
	.on_mail_end = on_end,
	.on_starttls = on_tls,
};

void
smtp_rec_feed(struct app_smtp_conn *c, enum app_smtp_dir dir, const char *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	assert_non_null(q);
	memcpy(q, p, n);
	app_smtp_feed(c, dir, q, n);
	free(q);
}

enum cut { CUT_WHOLE, CUT_AT, CUT_BYTES, CUT_RANDOM };

/*
 * Run the session; cut says how: whole, step `which` cut at `at`, every byte alone, or
 * random pieces from `at` as a seed. The record ends with the counters and modes.
 */
static void
run(const struct smtp_rec_step *st, size_t nst, const struct app_smtp_conf *conf, enum cut cut,
    size_t which, size_t at, bool finish, struct rec *r)
{
	struct app_smtp_conn *c = malloc(sizeof(*c));
	const struct app_smtp_stats *s;
	uint32_t seed = (uint32_t)at * 2654435761u + 1;
	size_t i;

	assert_non_null(c);
	r->len = 0;
	r->in_data = false;
	r->buf[0] = '\0';
	assert_int_equal(app_smtp_init(c, conf, &rec_cb, r), 0);
	for (i = 0; i < nst; i++) {
		size_t len = st[i].len, off = 0;

		if (cut == CUT_WHOLE || (cut == CUT_AT && i != which)) {
			smtp_rec_feed(c, st[i].dir, st[i].s, len);
		} else if (cut == CUT_AT) {
			smtp_rec_feed(c, st[i].dir, st[i].s, at);
			smtp_rec_feed(c, st[i].dir, st[i].s + at, len - at);
		} else {
			while (off < len) {
				size_t k = 1;

				if (cut == CUT_RANDOM) {
					seed = seed * 1103515245u + 12345u;
					k = 1 + (seed >> 16) % 23;
					if (k > len - off)
						k = len - off;
				}
				smtp_rec_feed(c, st[i].dir, st[i].s + off, k);
				off += k;
			}
		}
	}
	if (finish)
		app_smtp_finish(c);
	rec_close_data(r);
	s = &c->stats;
	rec_printf(r, "stats cmd=%llu rep=%llu mails=%llu content=%llu tls=%llu/%llu "
		   "raw=%llu/%llu err=%u/%u rcptdrop=%u unmatched=%u assumed=%u desync=%u "
		   "mode=%d/%d why=%d/%d\n",
		   (unsigned long long)s->commands, (unsigned long long)s->replies,
		   (unsigned long long)s->mails, (unsigned long long)s->content_bytes,
		   (unsigned long long)s->tls_bytes[0], (unsigned long long)s->tls_bytes[1],
		   (unsigned long long)s->raw_bytes[0], (unsigned long long)s->raw_bytes[1],
		   s->errors[0], s->errors[1], s->rcpt_dropped, s->unmatched_replies, s->assumed,
		   s->desync, (int)app_smtp_mode(c, APP_SMTP_CLIENT),
		   (int)app_smtp_mode(c, APP_SMTP_SERVER), (int)app_smtp_error(c, APP_SMTP_CLIENT),
		   (int)app_smtp_error(c, APP_SMTP_SERVER));
	free(c);
}

void
smtp_rec_check(const struct smtp_rec_step *st, size_t nst, const struct app_smtp_conf *conf,
	       bool finish, const char *expect)
{
	struct rec whole = { .buf = malloc(REC_MAX) }, other = { .buf = malloc(REC_MAX) };
	size_t i, at;

	assert_non_null(whole.buf);
	assert_non_null(other.buf);
	run(st, nst, conf, CUT_WHOLE, 0, 0, finish, &whole);
	if (expect != NULL)
		assert_string_equal(whole.buf, expect);
	for (i = 0; i < nst; i++) {
		for (at = 0; at <= st[i].len; at++) {
			run(st, nst, conf, CUT_AT, i, at, finish, &other);
			assert_string_equal(other.buf, whole.buf);
		}
	}
	run(st, nst, conf, CUT_BYTES, 0, 0, finish, &other);
	assert_string_equal(other.buf, whole.buf);
	for (at = 0; at < 50; at++) {
		run(st, nst, conf, CUT_RANDOM, 0, at, finish, &other);
		assert_string_equal(other.buf, whole.buf);
	}
	free(whole.buf);
	free(other.buf);
}
