/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming SMTP parser (dataplane/app_smtp.c; RFC 5321, RFC 2920,
 * RFC 3030, RFC 3207). A session is a list of steps (a direction and its bytes). Every
 * callback is recorded into a string (consecutive data slices merged, so only the bytes
 * count, not how they were cut), followed by the counters; each session is fed whole,
 * with each step cut at every offset, byte by byte and in seeded random pieces, and every
 * run must give the same string. Every piece goes through an exactly-sized heap copy so
 * ASan sees any read past it.
 */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_smtp.h"

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

struct step {
	enum app_smtp_dir dir;
	const char *s;
	size_t len;	/* 0: strlen(s) */
};

#define C(str)	{ APP_SMTP_CLIENT, str, sizeof(str) - 1 }
#define S(str)	{ APP_SMTP_SERVER, str, sizeof(str) - 1 }

/* Feed n bytes through an exactly-sized heap copy. */
static void
feed_copy(struct app_smtp_conn *c, enum app_smtp_dir dir, const char *p, size_t n)
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
run(const struct step *st, size_t nst, const struct app_smtp_conf *conf, enum cut cut,
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
			feed_copy(c, st[i].dir, st[i].s, len);
		} else if (cut == CUT_AT) {
			feed_copy(c, st[i].dir, st[i].s, at);
			feed_copy(c, st[i].dir, st[i].s + at, len - at);
		} else {
			while (off < len) {
				size_t k = 1;

				if (cut == CUT_RANDOM) {
					seed = seed * 1103515245u + 12345u;
					k = 1 + (seed >> 16) % 23;
					if (k > len - off)
						k = len - off;
				}
				feed_copy(c, st[i].dir, st[i].s + off, k);
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
		   (int)app_smtp_mode(c, APP_SMTP_SERVER),
		   (int)app_smtp_error(c, APP_SMTP_CLIENT), (int)app_smtp_error(c, APP_SMTP_SERVER));
	free(c);
}

/*
 * The whole-feed record must be `expect`; every other way of cutting must give the same.
 */
static void
check_session(const struct step *st, size_t nst, const struct app_smtp_conf *conf, bool finish,
	      const char *expect)
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

#define CHECK(steps, conf, finish, expect) \
	check_session(steps, sizeof(steps) / sizeof(steps[0]), conf, finish, expect)

/* ---- full sessions ---- */

static void
test_smtp_session_with_two_mails_is_unstuffed_and_cut_independent(void **state)
{
	static const struct step st[] = {
		S("220 mx.example.net ESMTP Postfix\r\n"),
		C("EHLO client.example.org\r\n"),
		S("250-mx.example.net\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
		  "250-8BITMIME\r\n250 CHUNKING\r\n"),
		C("MAIL FROM:<alice@example.org> SIZE=120\r\n"),
		S("250 2.1.0 Ok\r\n"),
		C("RCPT TO:<bob@example.net>\r\n"),
		S("250 2.1.5 Ok\r\n"),
		C("RCPT TO:<carol@example.net> NOTIFY=NEVER\r\n"),
		S("250 2.1.5 Ok\r\n"),
		C("DATA\r\n"),
		S("354 End data with <CR><LF>.<CR><LF>\r\n"),
		C("Subject: test\r\n\r\nline one\r\n..hidden dot\r\n.single\r\n...\r\n"
		  "end.\r\n.\r\n"),
		S("250 2.0.0 Ok: queued as 1234\r\n"),
		C("MAIL FROM:<>\r\n"),
		S("250 2.1.0 Ok\r\n"),
		C("RCPT TO:<dave@example.net>\r\n"),
		S("250 2.1.5 Ok\r\n"),
		C("DATA\r\n"),
		S("354 go ahead\r\n"),
		C(".\r\n"),
		S("250 2.0.0 Ok: queued as 1235\r\n"),
		C("QUIT\r\n"),
		S("221 2.0.0 Bye\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=client.example.org from=<alice@example.org> "
	      "rcpt=<bob@example.net>,<carol@example.net> total=2 flags=0 end=0\n"
	      "DATA[Subject: test\r\n\r\nline one\r\n.hidden dot\r\nsingle\r\n..\r\nend.\r\n]\n"
	      "END #1 helo=client.example.org from=<alice@example.org> "
	      "rcpt=<bob@example.net>,<carol@example.net> total=2 flags=0 end=1\n"
	      "BEGIN #2 helo=client.example.org from=<> rcpt=<dave@example.net> total=1 "
	      "flags=0 end=0\n"
	      "END #2 helo=client.example.org from=<> rcpt=<dave@example.net> total=1 "
	      "flags=0 end=1\n"
	      "stats cmd=9 rep=12 mails=2 content=58 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_pipelined_commands_get_their_replies_in_order(void **state)
{
	static const struct step st[] = {
		S("220 mx ESMTP\r\n"),
		C("EHLO c\r\n"),
		S("250-mx\r\n250 PIPELINING\r\n"),
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.net>\r\nRCPT TO:<nobody@y.net>\r\n"
		  "RCPT TO:<c@y.net>\r\nDATA\r\n"),
		S("250 ok\r\n250 ok\r\n550 5.1.1 unknown\r\n250 ok\r\n354 go\r\n"),
		C("hi\r\n.\r\n"),
		S("250 queued\r\n"),
		C("RSET\r\nNOOP\r\nQUIT\r\n"),
		S("250 ok\r\n250 ok\r\n221 bye\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x.org> rcpt=<b@y.net>,<nobody@y.net>,<c@y.net> total=3 "
	      "flags=0 end=0\n"
	      "DATA[hi\r\n]\n"
	      "END #1 helo=c from=<a@x.org> rcpt=<b@y.net>,<nobody@y.net>,<c@y.net> total=3 "
	      "flags=0 end=1\n"
	      "stats cmd=9 rep=11 mails=1 content=4 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_refused_data_returns_to_commands(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"),
		S("250 mx\r\n250 ok\r\n550 no\r\n"),
		C("DATA\r\n"),
		S("554 5.5.1 no valid recipients\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "stats cmd=5 rep=6 mails=0 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_bdat_chunks_with_last_make_one_mail_without_unstuffing(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("EHLO c\r\n"),
		S("250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n"),
		/* MAIL, RCPT and the first chunk pipelined; the chunk holds "\r\n.\r\n" */
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.net>\r\nBDAT 12\r\nA\r\n.\r\n..dotsBDAT 9 LAST\r\n"
		  "tail\r\n.\r\n"),
		S("250 ok\r\n250 ok\r\n250 12 octets\r\n250 queued\r\n"),
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<c@y.net>\r\nBDAT 0 LAST\r\n"),
		S("250 ok\r\n250 ok\r\n250 queued\r\n"),
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<d@y.net>\r\nbdat 3\r\nabcBDAT 0 last\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x.org> rcpt=<b@y.net> total=1 flags=0 end=0 bdat\n"
	      "DATA[A\r\n.\r\n..dotstail\r\n.\r\n]\n"
	      "END #1 helo=c from=<a@x.org> rcpt=<b@y.net> total=1 flags=0 end=2 bdat\n"
	      "BEGIN #2 helo=c from=<a@x.org> rcpt=<c@y.net> total=1 flags=0 end=0 bdat\n"
	      "END #2 helo=c from=<a@x.org> rcpt=<c@y.net> total=1 flags=0 end=2 bdat\n"
	      "BEGIN #3 helo=c from=<a@x.org> rcpt=<d@y.net> total=1 flags=0 end=0 bdat\n"
	      "DATA[abc]\n"
	      "END #3 helo=c from=<a@x.org> rcpt=<d@y.net> total=1 flags=0 end=2 bdat\n"
	      "stats cmd=13 rep=14 mails=3 content=24 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_starttls_turns_both_directions_opaque(void **state)
{
	static const struct step st[] = {
		S("220 mx ESMTP\r\n"),
		C("EHLO c.example\r\n"),
		S("250-mx\r\n250 STARTTLS\r\n"),
		C("STARTTLS\r\n"),
		S("220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x05server"),
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03MAIL FROM:<a@b>\r\n"),
		S("\x17\x03\x03\x00\x10opaque-to-us...."),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "STARTTLS helo=c.example tls=1\n"
	      "stats cmd=2 rep=3 mails=0 content=0 tls=28/32 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=1/1 why=0/0\n");
}

static void
test_smtp_refused_starttls_keeps_parsing_plain_text(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("EHLO c\r\n"),
		S("250 mx\r\n"),
		C("STARTTLS\r\n"),
		S("454 4.7.0 TLS not available\r\n"),
		C("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n"),
		S("250 ok\r\n250 ok\r\n354 go\r\n"),
		C("x\r\n.\r\n"),
		S("250 ok\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@b> rcpt=<c@d> total=1 flags=0 end=0\n"
	      "DATA[x\r\n]\n"
	      "END #1 helo=c from=<a@b> rcpt=<c@d> total=1 flags=0 end=1\n"
	      "stats cmd=5 rep=7 mails=1 content=3 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_multiline_replies_answer_one_command_each(void **state)
{
	static const struct step st[] = {
		S("220-mx.example.net ESMTP\r\n220-no UCE\r\n220 welcome\r\n"),
		C("EHLO c\r\n"),
		S("250-mx\r\n250-AUTH PLAIN LOGIN\r\n250-SIZE\r\n250 HELP\r\n"),
		C("AUTH LOGIN\r\n"),
		S("334 VXNlcm5hbWU6\r\n"),
		C("YWxpY2U=\r\n"),
		S("334 UGFzc3dvcmQ6\r\n"),
		C("c2VjcmV0\r\n"),
		S("235 2.7.0 ok\r\n"),
		C("MAIL FROM:<alice@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		S("250 ok\r\n250 ok\r\n354-first\r\n354 go\r\n"),
		C("body\r\n.\r\n"),
		S("250 queued\r\n"),
	};

	(void)state;
	CHECK(st, NULL, false,
	      "BEGIN #1 helo=c from=<alice@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[body\r\n]\n"
	      "END #1 helo=c from=<alice@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=7 rep=9 mails=1 content=6 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

/* ---- the client ahead of the server ---- */

static void
test_smtp_content_before_the_354_is_taken_as_content(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		C("early\r\n.\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[early\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=6 mails=1 content=7 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_assumed_content_then_refused_data_makes_client_raw(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nDATA\r\nnot really content\r\n"),
		S("250 mx\r\n250 ok\r\n503 5.5.1 need RCPT\r\n"),
		C("QUIT\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt= total=0 flags=0 end=0\n"
	      "DATA[not really content\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt= total=0 flags=0 end=4\n"
	      "stats cmd=3 rep=4 mails=1 content=20 tls=0/0 raw=6/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=2/0 why=5/0\n");
}

static void
test_smtp_client_side_only_desyncs_without_error(void **state)
{
	static const struct step st[] = {
		C("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		C("one\r\n.\r\n"),
		C("MAIL FROM:<a@x>\r\nRCPT TO:<c@y>\r\nDATA\r\n"),
		C("two\r\n.\r\nSTARTTLS\r\n"),
		C("\x16\x03\x01"),
	};
	struct app_smtp_conf conf;

	(void)state;
	app_smtp_conf_default(&conf);
	conf.pending_max = 4;
	CHECK(st, &conf, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[one\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "BEGIN #2 helo=c from=<a@x> rcpt=<c@y> total=1 flags=0 end=0\n"
	      "DATA[two\r\n]\n"
	      "END #2 helo=c from=<a@x> rcpt=<c@y> total=1 flags=0 end=1\n"
	      "STARTTLS helo=c tls=1\n"
	      "stats cmd=8 rep=0 mails=2 content=10 tls=3/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=3 desync=1 mode=1/1 why=0/0\n");
}

/* ---- content framing ---- */

static void
test_smtp_bare_lf_dot_does_not_end_content(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		C("a\n.\nb\r\n.\rc\r\n.x\r\r\n..\r\n.\r\n"),
		S("250 queued\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[a\n.\nb\r\n\rc\r\nx\r\r\n.\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=6 mails=1 content=18 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_finish_inside_content_ends_the_mail_as_closed(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		C("cut short\r\n."),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[cut short\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=5\n"
	      "stats cmd=4 rep=5 mails=1 content=11 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_rset_ends_an_open_bdat_mail(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 3\r\nxyzRSET\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n250 3 octets\r\n250 reset\r\n"),
		C("MAIL FROM:<e@x>\r\n"),
		S("250 ok\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0 bdat\n"
	      "DATA[xyz]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=3 bdat\n"
	      "stats cmd=6 rep=7 mails=1 content=3 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

/* ---- limits and hostile input ---- */

static void
test_smtp_recipients_over_the_limit_are_counted_not_recorded(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<r1@y>\r\nRCPT TO:<r2@y>\r\n"
		  "RCPT TO:<r3@y>\r\nRCPT TO:<r4@y>\r\nRCPT TO:<r5@y>\r\nBDAT 1 LAST\r\n!"),
	};
	struct app_smtp_conf conf;

	(void)state;
	app_smtp_conf_default(&conf);
	conf.rcpt_max = 2;
	CHECK(st, &conf, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<r1@y>,<r2@y> total=5 flags=0 end=0 bdat\n"
	      "DATA[!]\n"
	      "END #1 helo=c from=<a@x> rcpt=<r1@y>,<r2@y> total=5 flags=0 end=2 bdat\n"
	      "stats cmd=8 rep=1 mails=1 content=1 tls=0/0 raw=0/0 err=0/0 rcptdrop=3 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_long_paths_and_helo_are_truncated_and_flagged(void **state)
{
	char mail[700], rcpt[700], helo[400], expect[4096];
	char addr[301], cut[257];
	struct step st[4];

	(void)state;
	memset(addr, 'a', 300);
	addr[300] = '\0';
	memcpy(cut, addr, 256);
	cut[256] = '\0';
	snprintf(helo, sizeof(helo), "EHLO %.*s\r\n", 260, addr);
	snprintf(mail, sizeof(mail), "MAIL FROM:<%s@x>\r\n", addr);
	snprintf(rcpt, sizeof(rcpt), "RCPT TO:<b@y\r\nBDAT 0 LAST\r\n");
	st[0] = (struct step){ APP_SMTP_SERVER, "220 mx\r\n", 8 };
	st[1] = (struct step){ APP_SMTP_CLIENT, helo, strlen(helo) };
	st[2] = (struct step){ APP_SMTP_CLIENT, mail, strlen(mail) };
	st[3] = (struct step){ APP_SMTP_CLIENT, rcpt, strlen(rcpt) };
	snprintf(expect, sizeof(expect),
		 "BEGIN #1 helo=%.255s from=<%s> rcpt=<b@y> total=1 flags=7 end=0 bdat\n"
		 "END #1 helo=%.255s from=<%s> rcpt=<b@y> total=1 flags=7 end=2 bdat\n"
		 "stats cmd=4 rep=1 mails=1 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
		 "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n", addr, cut, addr, cut);
	check_session(st, 4, NULL, true, expect);
}

static void
test_smtp_control_byte_in_a_command_makes_the_client_raw(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 4\r\nabcdNO\0OP\r\nQUIT\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0 bdat\n"
	      "DATA[abcd]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=4 bdat\n"
	      "stats cmd=4 rep=5 mails=1 content=4 tls=0/0 raw=11/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=2/0\n");
}

static void
test_smtp_tls_hello_without_starttls_makes_the_client_raw(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
	};
	struct app_smtp_conn c;

	(void)state;
	CHECK(st, NULL, true,
	      "stats cmd=0 rep=1 mails=0 content=0 tls=0/0 raw=11/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=2/0\n");
	assert_int_equal(app_smtp_init(&c, NULL, NULL, NULL), 0);
	assert_int_equal(app_smtp_feed(&c, APP_SMTP_CLIENT, (const uint8_t *)"\x16", 1), -EPROTO);
	assert_int_equal(app_smtp_feed(&c, APP_SMTP_CLIENT, (const uint8_t *)"EHLO x\r\n", 8),
			 -EPROTO);
	assert_int_equal(app_smtp_feed(&c, APP_SMTP_SERVER, (const uint8_t *)"220 x\r\n", 7), 0);
}

static void
test_smtp_bare_cr_in_a_command_is_an_error(void **state)
{
	static const struct step st[] = {
		C("HELO a\rb\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "stats cmd=0 rep=0 mails=0 content=0 tls=0/0 raw=3/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=2/0\n");
}

static void
test_smtp_line_over_line_max_is_an_error_and_at_line_max_is_not(void **state)
{
	char ok[100], bad[100];
	struct step st_ok[2], st_bad[2];
	struct app_smtp_conf conf;

	(void)state;
	app_smtp_conf_default(&conf);
	conf.line_max = 64;
	/* "NOOP " + 59 x = 64 bytes before CRLF */
	snprintf(ok, sizeof(ok), "NOOP %.59s\r\n",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	snprintf(bad, sizeof(bad), "NOOP %.60s\r\n",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	st_ok[0] = (struct step){ APP_SMTP_CLIENT, ok, strlen(ok) };
	st_ok[1] = (struct step){ APP_SMTP_SERVER, "250 ok\r\n", 8 };
	st_bad[0] = (struct step){ APP_SMTP_CLIENT, bad, strlen(bad) };
	st_bad[1] = (struct step){ APP_SMTP_SERVER, "250 ok\r\n", 8 };
	check_session(st_ok, 2, &conf, true,
		      "stats cmd=1 rep=1 mails=0 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
		      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
	check_session(st_bad, 2, &conf, true,
		      "stats cmd=0 rep=1 mails=0 content=0 tls=0/0 raw=3/0 err=1/0 rcptdrop=0 "
		      "unmatched=0 assumed=0 desync=0 mode=2/0 why=1/0\n");
}

static void
test_smtp_bdat_size_that_is_not_a_number_or_overflows_is_an_error(void **state)
{
	static const struct step st_big[] = {
		C("BDAT 9223372036854775808 LAST\r\nxx"),
	};
	static const struct step st_word[] = {
		C("BDAT ten\r\nxx"),
	};
	static const struct step st_max[] = {
		C("BDAT 9223372036854775807\r\nxx"),
	};

	(void)state;
	CHECK(st_big, NULL, true,
	      "stats cmd=1 rep=0 mails=0 content=0 tls=0/0 raw=2/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=3/0\n");
	CHECK(st_word, NULL, true,
	      "stats cmd=1 rep=0 mails=0 content=0 tls=0/0 raw=2/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=3/0\n");
	CHECK(st_max, NULL, true,
	      "BEGIN #1 helo= from=<> rcpt= total=0 flags=0 end=0 bdat\n"
	      "DATA[xx]\n"
	      "END #1 helo= from=<> rcpt= total=0 flags=0 end=5 bdat\n"
	      "stats cmd=1 rep=0 mails=1 content=2 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_reply_without_a_code_makes_the_server_raw(void **state)
{
	static const struct step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\n"),
		S("hello there\r\n250 ok\r\n"),
		C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		C("text\r\n.\r\n"),
	};
	static const struct step st_600[] = {
		S("600 no\r\n"),
	};
	static const struct step st_sep[] = {
		S("250x\r\n"),
	};

	(void)state;
	CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[text\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=1 mails=1 content=6 tls=0/0 raw=0/21 err=0/1 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=0/2 why=0/4\n");
	CHECK(st_600, NULL, true,
	      "stats cmd=0 rep=0 mails=0 content=0 tls=0/0 raw=0/8 err=0/1 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/2 why=0/4\n");
	CHECK(st_sep, NULL, true,
	      "stats cmd=0 rep=0 mails=0 content=0 tls=0/0 raw=0/3 err=0/1 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/2 why=0/4\n");
}

static void
test_smtp_init_rejects_limits_out_of_range(void **state)
{
	struct app_smtp_conn c;
	struct app_smtp_conf conf;

	(void)state;
	assert_int_equal(app_smtp_init(NULL, NULL, NULL, NULL), -EINVAL);
	app_smtp_conf_default(&conf);
	conf.rcpt_max = 0;
	assert_int_equal(app_smtp_init(&c, &conf, NULL, NULL), -EINVAL);
	conf.rcpt_max = APP_SMTP_RCPT_CAP + 1;
	assert_int_equal(app_smtp_init(&c, &conf, NULL, NULL), -EINVAL);
	app_smtp_conf_default(&conf);
	conf.pending_max = APP_SMTP_PENDING_CAP + 1;
	assert_int_equal(app_smtp_init(&c, &conf, NULL, NULL), -EINVAL);
	app_smtp_conf_default(&conf);
	conf.line_max = 63;
	assert_int_equal(app_smtp_init(&c, &conf, NULL, NULL), -EINVAL);
	assert_int_equal(app_smtp_init(&c, NULL, NULL, NULL), 0);
	assert_int_equal(app_smtp_feed(&c, 2, (const uint8_t *)"x", 1), -EINVAL);
	assert_int_equal(app_smtp_feed(&c, APP_SMTP_CLIENT, NULL, 1), -EINVAL);
	assert_int_equal(app_smtp_feed(&c, APP_SMTP_CLIENT, NULL, 0), 0);
}

/* Random bytes in both directions, in random pieces: no crash, and counters add up. */
static void
test_smtp_random_input_never_breaks_the_parser(void **state)
{
	static const char *frag[] = { "MAIL FROM:<a@b>\r\n", "RCPT TO:<c@d>\r\n", "DATA\r\n",
		"BDAT 5\r\n", "BDAT 2 LAST\r\n", ".\r\n", "..x\r\n", "\r\n", "354 go\r\n",
		"250-x\r\n", "250 ok\r\n", "STARTTLS\r\n", "220 go\r\n", "RSET\r\n", "\n", "." };
	uint32_t seed = 12345;
	int round;

	(void)state;
	for (round = 0; round < 3000; round++) {
		struct app_smtp_conn c;
		int k;

		assert_int_equal(app_smtp_init(&c, NULL, NULL, NULL), 0);
		for (k = 0; k < 40; k++) {
			char buf[64];
			size_t n;
			enum app_smtp_dir d;

			seed = seed * 1103515245u + 12345u;
			d = (seed >> 8) & 1 ? APP_SMTP_SERVER : APP_SMTP_CLIENT;
			if ((seed >> 9) % 8 == 0) {
				size_t j;

				n = (seed >> 12) % sizeof(buf);
				for (j = 0; j < n; j++) {
					seed = seed * 1103515245u + 12345u;
					buf[j] = (char)(seed >> 16);
				}
			} else {
				const char *f = frag[(seed >> 12) % (sizeof(frag) / sizeof(frag[0]))];

				n = strlen(f);
				memcpy(buf, f, n);
			}
			feed_copy(&c, d, buf, n);
		}
		app_smtp_finish(&c);
		assert_true(c.stats.errors[0] <= 1 && c.stats.errors[1] <= 1);
		assert_true(c.npending <= APP_SMTP_PENDING_CAP);
		assert_false(c.mail_open);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smtp_session_with_two_mails_is_unstuffed_and_cut_independent),
		cmocka_unit_test(test_smtp_pipelined_commands_get_their_replies_in_order),
		cmocka_unit_test(test_smtp_refused_data_returns_to_commands),
		cmocka_unit_test(test_smtp_bdat_chunks_with_last_make_one_mail_without_unstuffing),
		cmocka_unit_test(test_smtp_starttls_turns_both_directions_opaque),
		cmocka_unit_test(test_smtp_refused_starttls_keeps_parsing_plain_text),
		cmocka_unit_test(test_smtp_multiline_replies_answer_one_command_each),
		cmocka_unit_test(test_smtp_content_before_the_354_is_taken_as_content),
		cmocka_unit_test(test_smtp_assumed_content_then_refused_data_makes_client_raw),
		cmocka_unit_test(test_smtp_client_side_only_desyncs_without_error),
		cmocka_unit_test(test_smtp_bare_lf_dot_does_not_end_content),
		cmocka_unit_test(test_smtp_finish_inside_content_ends_the_mail_as_closed),
		cmocka_unit_test(test_smtp_rset_ends_an_open_bdat_mail),
		cmocka_unit_test(test_smtp_recipients_over_the_limit_are_counted_not_recorded),
		cmocka_unit_test(test_smtp_long_paths_and_helo_are_truncated_and_flagged),
		cmocka_unit_test(test_smtp_control_byte_in_a_command_makes_the_client_raw),
		cmocka_unit_test(test_smtp_tls_hello_without_starttls_makes_the_client_raw),
		cmocka_unit_test(test_smtp_bare_cr_in_a_command_is_an_error),
		cmocka_unit_test(test_smtp_line_over_line_max_is_an_error_and_at_line_max_is_not),
		cmocka_unit_test(test_smtp_bdat_size_that_is_not_a_number_or_overflows_is_an_error),
		cmocka_unit_test(test_smtp_reply_without_a_code_makes_the_server_raw),
		cmocka_unit_test(test_smtp_init_rejects_limits_out_of_range),
		cmocka_unit_test(test_smtp_random_input_never_breaks_the_parser),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
