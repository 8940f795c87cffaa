/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the streaming SMTP parser (dataplane/app_smtp.c; RFC 5321, RFC 2920,
 * RFC 3030, RFC 3207): whole sessions. A session is a list of steps (a direction and its
 * bytes); every callback is recorded into a string (smtp_rec.c), and each session is fed
 * whole, with each step cut at every offset, byte by byte and in seeded random pieces:
 * every run must give the same string. Hostile input and limits: test_app_smtp_limits.c.
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

/* ---- full sessions ---- */

static void
test_smtp_session_with_two_mails_is_unstuffed_and_cut_independent(void **state)
{
	static const struct smtp_rec_step st[] = {
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
	SMTP_CHECK(st, NULL, true,
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
	static const struct smtp_rec_step st[] = {
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
	SMTP_CHECK(st, NULL, true,
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
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n"),
		S("250 mx\r\n250 ok\r\n550 no\r\n"),
		C("DATA\r\n"),
		S("554 5.5.1 no valid recipients\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "stats cmd=5 rep=6 mails=0 content=0 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_bdat_chunks_with_last_make_one_mail_without_unstuffing(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("EHLO c\r\n"),
		S("250-mx\r\n250-CHUNKING\r\n250 PIPELINING\r\n"),
		/* MAIL, RCPT and the first chunk pipelined; the chunk holds "\r\n.\r\n" */
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<b@y.net>\r\n"
		  "BDAT 12\r\nA\r\n.\r\n..dotsBDAT 9 LAST\r\ntail\r\n.\r\n"),
		S("250 ok\r\n250 ok\r\n250 12 octets\r\n250 queued\r\n"),
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<c@y.net>\r\nBDAT 0 LAST\r\n"),
		S("250 ok\r\n250 ok\r\n250 queued\r\n"),
		C("MAIL FROM:<a@x.org>\r\nRCPT TO:<d@y.net>\r\nbdat 3\r\nabcBDAT 0 last\r\n"),
		S("250 ok\r\n250 ok\r\n250 ok\r\n250 queued\r\n"),
		C("QUIT\r\n"),
		S("221 bye\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
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
	static const struct smtp_rec_step st[] = {
		S("220 mx ESMTP\r\n"),
		C("EHLO c.example\r\n"),
		S("250-mx\r\n250 STARTTLS\r\n"),
		C("STARTTLS\r\n"),
		S("220 2.0.0 Ready to start TLS\r\n\x16\x03\x03\x00\x05server"),
		C("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03MAIL FROM:<a@b>\r\n"),
		S("\x17\x03\x03\x00\x10opaque-to-us...."),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "STARTTLS helo=c.example tls=1\n"
	      "stats cmd=2 rep=3 mails=0 content=0 tls=28/32 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=1/1 why=0/0\n");
}

static void
test_smtp_refused_starttls_keeps_parsing_plain_text(void **state)
{
	static const struct smtp_rec_step st[] = {
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
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@b> rcpt=<c@d> total=1 flags=0 end=0\n"
	      "DATA[x\r\n]\n"
	      "END #1 helo=c from=<a@b> rcpt=<c@d> total=1 flags=0 end=1\n"
	      "stats cmd=5 rep=7 mails=1 content=3 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_multiline_replies_answer_one_command_each(void **state)
{
	static const struct smtp_rec_step st[] = {
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
	SMTP_CHECK(st, NULL, false,
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
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		C("early\r\n.\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[early\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=6 mails=1 content=7 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_assumed_content_then_refused_data_makes_client_raw(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nDATA\r\nnot really content\r\n"),
		S("250 mx\r\n250 ok\r\n503 5.5.1 need RCPT\r\n"),
		C("QUIT\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt= total=0 flags=0 end=0\n"
	      "DATA[not really content\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt= total=0 flags=0 end=4\n"
	      "stats cmd=3 rep=4 mails=1 content=20 tls=0/0 raw=6/0 err=1/0 rcptdrop=0 "
	      "unmatched=0 assumed=1 desync=0 mode=2/0 why=5/0\n");
}

static void
test_smtp_client_side_only_desyncs_without_error(void **state)
{
	static const struct smtp_rec_step st[] = {
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
	SMTP_CHECK(st, &conf, true,
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
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		C("a\n.\nb\r\n.\rc\r\n.x\r\r\n..\r\n.\r\n"),
		S("250 queued\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[a\n.\nb\r\n\rc\r\nx\r\r\n.\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=1\n"
	      "stats cmd=4 rep=6 mails=1 content=18 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_finish_inside_content_ends_the_mail_as_closed(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		C("cut short\r\n."),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0\n"
	      "DATA[cut short\r\n]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=5\n"
	      "stats cmd=4 rep=5 mails=1 content=11 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
}

static void
test_smtp_rset_ends_an_open_bdat_mail(void **state)
{
	static const struct smtp_rec_step st[] = {
		S("220 mx\r\n"),
		C("HELO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nBDAT 3\r\nxyzRSET\r\n"),
		S("250 mx\r\n250 ok\r\n250 ok\r\n250 3 octets\r\n250 reset\r\n"),
		C("MAIL FROM:<e@x>\r\n"),
		S("250 ok\r\n"),
	};

	(void)state;
	SMTP_CHECK(st, NULL, true,
	      "BEGIN #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=0 bdat\n"
	      "DATA[xyz]\n"
	      "END #1 helo=c from=<a@x> rcpt=<b@y> total=1 flags=0 end=3 bdat\n"
	      "stats cmd=6 rep=7 mails=1 content=3 tls=0/0 raw=0/0 err=0/0 rcptdrop=0 "
	      "unmatched=0 assumed=0 desync=0 mode=0/0 why=0/0\n");
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
