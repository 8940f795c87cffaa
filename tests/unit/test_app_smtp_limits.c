/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming SMTP parser (dataplane/app_smtp.c): limits and hostile
 * input (recipient and line limits, control bytes, bad BDAT sizes, replies without a
 * code, random input). Sessions are checked as in test_app_smtp.c (smtp_rec.c): fed
 * whole, cut at every offset, byte by byte and at random, with identical records.
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
#include "smtp_rec.h"

/* ---- limits and hostile input ---- */

static void
test_smtp_recipients_over_the_limit_are_counted_not_recorded(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<r1@y>\r\nRCPT TO:<r2@y>\r\n"
		  "RCPT TO:<r3@y>\r\nRCPT TO:<r4@y>\r\nRCPT TO:<r5@y>\r\nBDAT 1 LAST\r\n!"),
	};
	struct app_smtp_conf conf;

	(void)state;
	app_smtp_conf_default(&conf);
	conf.rcpt_max = 2;
	SMTP_CHECK(st, &conf, true,
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
	struct smtp_rec_step st[4];

	(void)state;
	memset(addr, 'a', 300);
	addr[300] = '\0';
	memcpy(cut, addr, 256);
	cut[256] = '\0';
	snprintf(helo, sizeof(helo), "EHLO %.*s\r\n", 260, addr);
	snprintf(mail, sizeof(mail), "MAIL FROM:<%s@x>\r\n", addr);
	snprintf(rcpt, sizeof(rcpt), "RCPT TO:<b@y\r\nBDAT 0 LAST\r\n");
	st[0] = (struct smtp_rec_step){ APP_SMTP_SERVER, "220 mx\r\n", 8 };
	st[1] = (struct smtp_rec_step){ APP_SMTP_CLIENT, helo, strlen(helo) };
	st[2] = (struct smtp_rec_step){ APP_SMTP_CLIENT, mail, strlen(mail) };
	st[3] = (struct smtp_rec_step){ APP_SMTP_CLIENT, rcpt, strlen(rcpt) };
	snprintf(expect, sizeof(expect),
		 "BEGIN #1 helo=%.255s from=<%s> rcpt=<b@y> total=1 flags=7 end=0 bdat\n"
		 "END #1 helo=%.255s from=<%s> rcpt=<b@y> total=1 flags=7 end=2 bdat\n"
		 "stats cmd=4 rep=1 mails=1 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
		 "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n", addr, cut, addr, cut);
	smtp_rec_check(st, 4, NULL, true, expect);
}

static void
test_smtp_control_byte_in_a_command_makes_the_client_raw(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 4\r\nabcdNO\0OP\r\nQUIT\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n250 ok\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0 bdat\n"
	      "DATA[abcd]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=4 bdat\n"
	      "stats cmd=4 rep=5 mails=1 content=4 tls=0/0 raw=11/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=2/0\n");
}

static void
test_smtp_tls_hello_without_starttls_makes_the_client_raw(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
	};
	struct app_smtp_conn c;

	(void)state;
	SMTP_CHECK(st, NULL, true,
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
	static const struct smtp_rec_step st[] = {
		C("HELO a\rb\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "stats cmd=0 rep=0 mails=0 content=0 tls=0/0 raw=3/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=2/0\n");
}

static void
test_smtp_line_over_line_max_is_an_error_and_at_line_max_is_not(void **state)
{
	char ok[100], bad[100];
	struct smtp_rec_step st_ok[2], st_bad[2];
	struct app_smtp_conf conf;

	(void)state;
	app_smtp_conf_default(&conf);
	conf.line_max = 64;
	/* "NOOP " + 59 x = 64 bytes before CRLF */
	snprintf(ok, sizeof(ok), "NOOP %.59s\r\n",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	snprintf(bad, sizeof(bad), "NOOP %.60s\r\n",
		 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	st_ok[0] = (struct smtp_rec_step){ APP_SMTP_CLIENT, ok, strlen(ok) };
	st_ok[1] = (struct smtp_rec_step){ APP_SMTP_SERVER, "250 ok\r\n", 8 };
	st_bad[0] = (struct smtp_rec_step){ APP_SMTP_CLIENT, bad, strlen(bad) };
	st_bad[1] = (struct smtp_rec_step){ APP_SMTP_SERVER, "250 ok\r\n", 8 };
	smtp_rec_check(st_ok, 2, &conf, true,
		      "stats cmd=1 rep=1 mails=0 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
		      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
	smtp_rec_check(st_bad, 2, &conf, true,
		      "stats cmd=0 rep=1 mails=0 content=0 tls=0/0 raw=3/0 err=1/0 rcptdrop=0 "
		      "unmatched=0 assumed=0 desync=0 mode=2/0 why=1/0\n");
}

static void
test_smtp_bdat_size_that_is_not_a_number_or_overflows_is_an_error(void **state)
{
	static const struct smtp_rec_step st_big[] = {
		C("BDAT 9223372036854775808 LAST\r\nxx"),
	};
	static const struct smtp_rec_step st_word[] = {
		C("BDAT ten\r\nxx"),
	};
	static const struct smtp_rec_step st_max[] = {
		C("BDAT 9223372036854775807\r\nxx"),
	};

	(void)state;
	SMTP_CHECK(st_big, NULL, true,
	      "stats cmd=1 rep=0 mails=0 content=0 tls=0/0 raw=2/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=3/0\n");
	SMTP_CHECK(st_word, NULL, true,
	      "stats cmd=1 rep=0 mails=0 content=0 tls=0/0 raw=2/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=2/0 why=3/0\n");
	SMTP_CHECK(st_max, NULL, true,
	      "BEGIN #1 helo= from=<> rcpt= total=0 flags=0 end=0 bdat\n"
	      "DATA[xx]\n"
	      "END #1 helo= from=<> rcpt= total=0 flags=0 end=5 bdat\n"
	      "stats cmd=1 rep=0 mails=1 content=2 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_reply_without_a_code_makes_the_server_raw(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\n"),
		S("hello there\r\n250 ok\r\n"),
		C("MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		C("text\r\n.\r\n"),
	};
	static const struct smtp_rec_step st_600[] = {
		S("600 no\r\n"),
	};
	static const struct smtp_rec_step st_sep[] = {
		S("250x\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[text\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=1 mails=1 content=6 tls=0/0 raw=0/21 err=0/1 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=0/2 why=0/4\n");
	SMTP_CHECK(st_600, NULL, true,
	      "stats cmd=0 rep=0 mails=0 content=0 tls=0/0 raw=0/8 err=0/1 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/2 why=0/4\n");
	SMTP_CHECK(st_sep, NULL, true,
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
				size_t nf = sizeof(frag) / sizeof(frag[0]);
				const char *f = frag[(seed >> 12) % nf];

				n = strlen(f);
				memcpy(buf, f, n);
			}
			smtp_rec_feed(&c, d, buf, n);
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
