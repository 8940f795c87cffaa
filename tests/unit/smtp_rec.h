/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording harness for the SMTP parser tests (smtp_rec.c). A session is a list of steps,
 * each a direction and its bytes. These call cmocka asserts, so they may only be called
 * from inside a running cmocka test.
 */
#ifndef TOLLGATE_TESTS_SMTP_REC_H
#define TOLLGATE_TESTS_SMTP_REC_H

#include <stdbool.h>
#include <stddef.h>

#include "app_smtp.h"

struct smtp_rec_step {
	enum app_smtp_dir dir;
	const char *s;
	size_t len;
};

#define C(str)	{ APP_SMTP_CLIENT, str, sizeof(str) - 1 }
#define S(str)	{ APP_SMTP_SERVER, str, sizeof(str) - 1 }

/* app_smtp_feed() of n bytes through an exactly-sized heap copy (ASan sees overreads). */
void smtp_rec_feed(struct app_smtp_conn *c, enum app_smtp_dir dir, const char *p, size_t n);

/*
 * Run the session fed whole, with each step cut in two at every offset, byte by byte and
 * in 50 seeded random cuts (app_smtp_finish() at the end when finish is true): the
 * whole-feed record must equal expect (unless NULL) and every other run must equal it.
 */
void smtp_rec_check(const struct smtp_rec_step *st, size_t nst,
		    const struct app_smtp_conf *conf, bool finish, const char *expect);

#define SMTP_CHECK(steps, conf, finish, expect) \
	smtp_rec_check(steps, sizeof(steps) / sizeof(steps[0]), conf, finish, expect)

#endif
