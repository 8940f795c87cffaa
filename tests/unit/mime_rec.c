/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Callback recorder and cutting harness of the MIME parser tests (mime_rec.h): callbacks
 * become lines of a string (consecutive data slices merged into one DATA[...]), followed
 * by the message flags and counters, so that two ways of cutting the same input can be
 * compared with one string compare. Each run also checks that every part that began has
 * ended and that part bytes + skipped bytes + unparsed bytes = bytes fed.
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

#include "mime_rec.h"

const char mime_rec_mixed_mail[] =
	"From: Jane <jane@example.org>\r\n"
	"Subject: Monthly report\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/mixed;\r\n"
	"\tboundary=\"=_frontier 42\"\r\n"
	"\r\n"
	"This is a multi-part message in MIME format.\r\n"
	"--=_frontier 42\r\n"
	"Content-Type: text/plain; charset=UTF-8\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Hello =E2=82=AC\r\n"
	"card 4111 1111 1111 1111\r\n"
	"--=_frontier 42\r\n"
	"Content-Type: text/csv; name=\"old.csv\"\r\n"
	"Content-Disposition: attachment;\r\n"
	" filename=\"report.csv\"\r\n"
	"Content-Transfer-Encoding: BASE64\r\n"
	"\r\n"
	"bmFtZSxpYmFuCkphbmUsREU4OTM3MDQwMDQ0MDUzMjAxMzAwMAo=\r\n"
	"--=_frontier 42--\r\n"
	"epilogue, ignored\r\n";

static void
rec_put(struct mime_rec *r, const void *p, size_t n)
{
	assert_true(r->len + n < MIME_REC_MAX);
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	r->buf[r->len] = '\0';
}

static void
rec_printf(struct mime_rec *r, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(tmp));
	rec_put(r, tmp, (size_t)k);
}

void
mime_rec_close(struct mime_rec *r)
{
	if (r->in_data)
		rec_put(r, "]\n", 2);
	r->in_data = false;
}

static void
on_message(void *cookie, const struct app_mime_msg *msg)
{
	struct mime_rec *r = cookie;

	assert_true(msg->subject_len <= APP_MIME_SUBJECT_MAX);
	assert_int_equal(msg->subject[msg->subject_len], '\0');
	mime_rec_close(r);
	rec_printf(r, "MSG ct=%s subject=", msg->content_type);
	rec_put(r, msg->subject, msg->subject_len);
	rec_printf(r, "%s\n", msg->subject_cut ? " (cut)" : "");
}

static void
on_begin(void *cookie, const struct app_mime_part *p)
{
	struct mime_rec *r = cookie;

	assert_null(r->open);
	r->open = p;
	mime_rec_close(r);
	rec_printf(r, "BEGIN %s #%u depth=%u %s", p->path, p->number, p->depth, p->content_type);
	if (p->charset[0] != '\0')
		rec_printf(r, " charset=%s", p->charset);
	rec_printf(r, " cte=%d disp=%d", (int)p->cte, (int)p->disposition);
	if (p->filename_len > 0) {
		rec_put(r, " file=", 6);
		rec_put(r, p->filename, p->filename_len);
	}
	if (p->field_name_len > 0) {
		rec_put(r, " field=", 7);
		rec_put(r, p->field_name, p->field_name_len);
	}
	rec_printf(r, " flags=%#x\n", p->flags);
}

static void
on_data(void *cookie, const struct app_mime_part *p, const uint8_t *d, size_t n)
{
	struct mime_rec *r = cookie;

	assert_ptr_equal(p, r->open);
	assert_true(n > 0);
	if (!r->in_data)
		rec_put(r, "DATA[", 5);
	r->in_data = true;
	rec_put(r, d, n);
}

static void
on_end(void *cookie, const struct app_mime_part *p)
{
	struct mime_rec *r = cookie;

	assert_ptr_equal(p, r->open);
	r->open = NULL;
	mime_rec_close(r);
	rec_printf(r, "END %s size=%llu flags=%#x\n", p->path, (unsigned long long)p->size,
		   p->flags);
}

const struct app_mime_cb mime_rec_cb = {
	.on_message = on_message,
	.on_part_begin = on_begin,
	.on_part_data = on_data,
	.on_part_end = on_end,
};

static void
mime_rec_feed(struct app_mime *m, const char *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	assert_non_null(q);
	memcpy(q, p, n);
	app_mime_feed(m, q, n);
	free(q);
}

void
mime_rec_run(const char *in, size_t len, const struct mime_rec_setup *su, enum mime_rec_cut cut,
	     size_t at, struct mime_rec *r)
{
	struct app_mime *m = malloc(sizeof(*m));
	uint32_t seed = (uint32_t)at * 2654435761u + 7;
	size_t off = 0;

	assert_non_null(m);
	r->len = 0;
	r->in_data = false;
	r->open = NULL;
	r->buf[0] = '\0';
	if (su->body_ct == NULL)
		assert_int_equal(app_mime_init(m, su->conf, &mime_rec_cb, r), 0);
	else
		assert_int_equal(app_mime_init_body(m, su->conf, &mime_rec_cb, r, su->body_ct,
						    strlen(su->body_ct)), 0);
	if (cut == MIME_REC_WHOLE) {
		mime_rec_feed(m, in, len);
	} else if (cut == MIME_REC_AT) {
		mime_rec_feed(m, in, at);
		mime_rec_feed(m, in + at, len - at);
	} else {
		while (off < len) {
			size_t k = 1;

			if (cut == MIME_REC_RANDOM) {
				seed = seed * 1103515245u + 12345u;
				k = 1 + (seed >> 16) % 97;
				if (k > len - off)
					k = len - off;
			}
			mime_rec_feed(m, in + off, k);
			off += k;
		}
	}
	app_mime_finish(m);
	app_mime_finish(m);	/* idempotent */
	assert_null(r->open);
	assert_int_equal(m->stats.part_bytes + m->stats.skipped_bytes + m->stats.unparsed_bytes,
			 len);
	mime_rec_close(r);
	rec_printf(r, "flags=%#x parts=%u multiparts=%u\n", app_mime_flags(m), m->stats.parts,
		   m->stats.multiparts);
	free(m);
}

char *
mime_rec_check(const char *in, size_t len, const struct mime_rec_setup *su, size_t step,
	       const char *expect)
{
	struct mime_rec whole = { .buf = malloc(MIME_REC_MAX) };
	struct mime_rec other = { .buf = malloc(MIME_REC_MAX) };
	size_t at;

	assert_non_null(whole.buf);
	assert_non_null(other.buf);
	mime_rec_run(in, len, su, MIME_REC_WHOLE, 0, &whole);
	if (expect != NULL)
		assert_string_equal(whole.buf, expect);
	for (at = 0; at <= len; at += step) {
		mime_rec_run(in, len, su, MIME_REC_AT, at, &other);
		assert_string_equal(other.buf, whole.buf);
	}
	mime_rec_run(in, len, su, MIME_REC_BYTES, 0, &other);
	assert_string_equal(other.buf, whole.buf);
	for (at = 0; at < 20; at++) {
		mime_rec_run(in, len, su, MIME_REC_RANDOM, at, &other);
		assert_string_equal(other.buf, whole.buf);
	}
	free(other.buf);
	return whole.buf;
}

void
mime_rec_check_mail(const char *in, const char *expect)
{
	struct mime_rec_setup su = { 0 };

	free(mime_rec_check(in, strlen(in), &su, 1, expect));
}
