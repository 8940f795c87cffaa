/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Recording harness for the MIME parser tests (mime_rec.c). These call cmocka asserts, so
 * they may only be called from inside a running cmocka test.
 */
#ifndef TOLLGATE_TESTS_MIME_REC_H
#define TOLLGATE_TESTS_MIME_REC_H

#include <stdbool.h>
#include <stddef.h>

#include "app_mime.h"

#define MIME_REC_MAX (4u << 20)	/* bytes of one record */

struct mime_rec {
	char *buf;	/* MIME_REC_MAX bytes, the caller's */
	size_t len;
	bool in_data;
	const struct app_mime_part *open;	/* the part between begin and end */
};

/* How to set the parser up: a mail message, or a body with a given Content-Type. */
struct mime_rec_setup {
	const struct app_mime_conf *conf;	/* NULL: defaults */
	const char *body_ct;			/* NULL: app_mime_init() */
};

enum mime_rec_cut { MIME_REC_WHOLE, MIME_REC_AT, MIME_REC_BYTES, MIME_REC_RANDOM };

/* A multipart/mixed mail with a quoted-printable text part and a base64 attachment. */
extern const char mime_rec_mixed_mail[];

/* Callbacks that record into the struct mime_rec given as cookie. */
extern const struct app_mime_cb mime_rec_cb;

/* Close a DATA[...] run still open in r. */
void mime_rec_close(struct mime_rec *r);

/*
 * Parse in[0..len) into r->buf: fed whole, cut in two at `at`, byte by byte, or in random
 * pieces seeded by `at`; each piece through an exactly-sized heap copy; then finished.
 */
void mime_rec_run(const char *in, size_t len, const struct mime_rec_setup *su,
		  enum mime_rec_cut cut, size_t at, struct mime_rec *r);

/*
 * The whole-feed record must equal expect (unless NULL); cuts at every step-th offset,
 * byte by byte and 20 random cuttings must give the same. Returns the record (free it).
 */
char *mime_rec_check(const char *in, size_t len, const struct mime_rec_setup *su, size_t step,
		     const char *expect);

/* mime_rec_check() of a NUL-terminated mail message, every offset. */
void mime_rec_check_mail(const char *in, const char *expect);

#endif
