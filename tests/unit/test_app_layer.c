/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the app layer (dataplane/app_layer.c, app_layer_smtp.c, app_pipe.c,
 * app_meta.c) through a sink that records what reaches the sensors: which buffers open
 * (their decoding paths), their decoded bytes, the raw ranges covered and anomalies.
 * Every conversation is also fed cut at every offset and byte by byte: what reaches the
 * sink must not depend on segmentation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include <cmocka.h>

#include "app_layer.h"
#include "app_meta.h"
#include "decode_b64.h"

#define REC_MAX 65536

/* What the sink saw: "open PATH\n", the data, "\nclose\n" per buffer, per direction. */
struct rec {
	char log[2][REC_MAX];
	size_t len[2];
	uint64_t cover_bytes[2];
	uint64_t cover_lo[2], cover_hi[2];
	unsigned int anomalies[2];
	int refuse;			/* open returns non-zero */
	char txn[512];			/* "DIR:STATUS URL;" per HTTP transaction, "DIR:mail;" */
	char nest[1024];		/* the last level-1 buffer: "open PATH\n" and its bytes */
	size_t nest_len;
	char nest_log[REC_MAX];		/* every level-1 buffer's bytes, each closed by '|' */
	size_t nest_log_len;
	unsigned int nests;		/* level-1 buffers closed */
	unsigned int nest_calls;	/* level-1 data calls */
};

static void
rec_put(struct rec *r, uint8_t dir, const void *p, size_t n)
{
	size_t room = REC_MAX - 1 - r->len[dir];

	if (n > room)
		n = room;
	memcpy(r->log[dir] + r->len[dir], p, n);
	r->len[dir] += n;
	r->log[dir][r->len[dir]] = '\0';
}

static int
rec_open(void *cookie, uint8_t dir, uint8_t level, const char *path)
{
	struct rec *r = cookie;

	if (r->refuse)
		return -1;
	if (level != 0) {
		/* Level-1 buffers (base64 values) are logged in nest[] apart. */
		r->nest_len = 0;
		snprintf(r->nest, sizeof(r->nest), "open %s\n", path);
		r->nest_len = strlen(r->nest);
		return 0;
	}
	rec_put(r, dir, "open ", 5);
	rec_put(r, dir, path, strlen(path));
	rec_put(r, dir, "\n", 1);
	return 0;
}

static void
rec_data(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p, size_t n)
{
	struct rec *r = cookie;

	if (level != 0) {
		size_t room = sizeof(r->nest_log) - 1 - r->nest_log_len, m = n < room ? n : room;

		r->nest_calls++;
		memcpy(r->nest_log + r->nest_log_len, p, m);
		r->nest_log_len += m;
		if (n > sizeof(r->nest) - 1 - r->nest_len)
			n = sizeof(r->nest) - 1 - r->nest_len;
		memcpy(r->nest + r->nest_len, p, n);
		r->nest_len += n;
		r->nest[r->nest_len] = '\0';
		return;
	}
	rec_put(cookie, dir, p, n);
}

static void
rec_close(void *cookie, uint8_t dir, uint8_t level)
{
	struct rec *r = cookie;

	if (level != 0) {
		r->nests++;
		if (r->nest_log_len < sizeof(r->nest_log) - 1)
			r->nest_log[r->nest_log_len++] = '|';
		return;
	}
	rec_put(cookie, dir, "\nclose\n", 7);
}

static void
rec_cover(void *cookie, uint8_t dir, uint64_t start, uint64_t end)
{
	struct rec *r = cookie;

	assert_true(end > start);
	if (r->cover_bytes[dir] == 0 || start < r->cover_lo[dir])
		r->cover_lo[dir] = start;
	if (end > r->cover_hi[dir])
		r->cover_hi[dir] = end;
	r->cover_bytes[dir] += end - start;
}

static void
rec_anomaly(void *cookie, uint8_t dir, enum app_layer_anom kind)
{
	struct rec *r = cookie;

	(void)kind;
	r->anomalies[dir]++;
}

static void
rec_txn(void *cookie, uint8_t dir, const struct app_meta *m)
{
	struct rec *r = cookie;
	size_t len = strlen(r->txn);

	if (m->kind == APP_META_HTTP)
		snprintf(r->txn + len, sizeof(r->txn) - len, "%u:%u %s;", dir, m->http.status,
			 m->http.url);
	else
		snprintf(r->txn + len, sizeof(r->txn) - len, "%u:mail %s;", dir,
			 m->smtp.mail_from);
}

static const struct app_layer_sink sink = {
	.open = rec_open,
	.data = rec_data,
	.close = rec_close,
	.cover = rec_cover,
	.anomaly = rec_anomaly,
	.txn = rec_txn,
};

static struct config_app
conf_default(void)
{
	struct config_app c = {
		.enabled = 1,
		.max_flows = 4,
		.decode_memcap = 8u << 20,
		.max_decoded = 1u << 20,
		.max_ratio = 100,
		.max_header_line = 8192,
		.max_headers = 128,
		.base64_min = 64,
	};
	return c;
}

/* One side of a conversation: which direction sends which bytes. */
struct turn {
	uint8_t dir;
	const uint8_t *p;
	size_t n;
};

/*
 * Play turns through a fresh flow, each turn cut into pieces of at most `piece` bytes
 * (0: whole) with the first piece cut at `first` (0: no special cut), then end the flow.
 */
static void
play(struct app_layer *al, enum app_layer_proto proto, const struct turn *t, size_t nt,
     size_t first, size_t piece, struct rec *r, struct app_meta meta[2])
{
	struct app_flow *af = app_layer_attach(al, proto);
	uint64_t off[2] = { 0, 0 };
	size_t i, k;

	assert_non_null(af);
	for (i = 0; i < nt; i++) {
		for (k = 0; k < t[i].n;) {
			size_t n = t[i].n - k;

			if (first != 0 && k == 0 && first < n)
				n = first;
			else if (piece != 0 && piece < n)
				n = piece;
			/* An exact-size heap copy: ASan sees any read past the piece. */
			uint8_t *copy = malloc(n);

			assert_non_null(copy);
			memcpy(copy, t[i].p + k, n);
			app_layer_data(al, af, t[i].dir, copy, (uint32_t)n, off[t[i].dir], &sink, r);
			free(copy);
			off[t[i].dir] += n;
			k += n;
		}
	}
	app_layer_finish(al, af, &sink, r);
	if (meta != NULL) {
		app_layer_meta(af, 0, &meta[0]);
		app_layer_meta(af, 1, &meta[1]);
	}
	app_layer_detach(al, af);
}

/* The same conversation whole, at every first cut and byte by byte: identical records. */
static void
play_all_cuts(enum app_layer_proto proto, const struct turn *t, size_t nt, struct rec *want)
{
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	size_t total = 0, i, cut;

	assert_non_null(al);
	assert_non_null(r);
	play(al, proto, t, nt, 0, 0, want, NULL);
	for (i = 0; i < nt; i++)
		total = t[i].n > total ? t[i].n : total;
	for (cut = 1; cut < total; cut++) {
		memset(r, 0, sizeof(*r));
		play(al, proto, t, nt, cut, 0, r, NULL);
		assert_string_equal(r->log[0], want->log[0]);
		assert_string_equal(r->log[1], want->log[1]);
		assert_int_equal(r->cover_bytes[0], want->cover_bytes[0]);
	}
	memset(r, 0, sizeof(*r));
	play(al, proto, t, nt, 0, 1, r, NULL);
	assert_string_equal(r->log[0], want->log[0]);
	assert_string_equal(r->log[1], want->log[1]);
	/* Every flow state and every byte of decoder memory went back. */
	assert_int_equal(app_layer_stats(al)->flows_refused, 0);
	free(r);
	app_layer_free(al);
}

#define T(d, s) { (d), (const uint8_t *)(s), sizeof(s) - 1 }

static void
test_http_chunked_body_reaches_the_sensors_whole_with_its_raw_range_covered(void **state)
{
	static const char req[] =
		"POST /up HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\n\r\n"
		"a;ext=1\r\ncard 41111\r\nf\r\n11111111111 end\r\n0\r\nTrailer: x\r\n\r\n";
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
	const struct turn t[] = { T(0, req), T(1, resp) };
	struct rec *want = calloc(1, sizeof(*want));

	(void)state;
	play_all_cuts(APP_LAYER_HTTP, t, 2, want);
	assert_string_equal(want->log[0], "open http.body\ncard 4111111111111111 end\nclose\n");
	assert_string_equal(want->log[1], "open http.body\nok\nclose\n");
	/* From the first chunk's data to the end of the second: 10 + 5 ("\r\nf\r\n") + 15. */
	assert_int_equal(want->cover_bytes[0], 30);
	assert_int_equal(want->cover_lo[0], strstr(req, "card") - req);
	free(want);
}

static void
test_http_form_body_and_query_are_decoded_field_by_field(void **state)
{
	static const char req[] =
		"POST /pay?ssn=123-45-6789&lang=en HTTP/1.1\r\nHost: f.example\r\n"
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n"
		"Content-Length: 53\r\n\r\n"
		"card=5500+0000+0000+0004&email=jane.doe%40example.com";
	const struct turn t[] = { T(0, req) };
	struct rec *want = calloc(1, sizeof(*want));

	(void)state;
	play_all_cuts(APP_LAYER_HTTP, t, 1, want);
	assert_string_equal(want->log[0],
			    "open http.url > form\n/pay?ssn=123-45-6789\nlang=en\nclose\n"
			    "open http.body > form\ncard=5500 0000 0000 0004\n"
			    "email=jane.doe@example.com\nclose\n");
	/* Covered: the target after "POST " (28 bytes) and the 53-byte body. */
	assert_int_equal(want->cover_lo[0], 5);
	assert_int_equal(want->cover_bytes[0], 28 + 53);
	free(want);
}

static void
test_http_gzip_json_body_is_inflated_then_unescaped(void **state)
{
	static const char json[] = "{\"card\": \"4111\\u00201111 1111 1111\", "
				   "\"mail\": \"jane\\u0040example.com\"}";
	uint8_t gz[256];
	char req[512];
	size_t n;
	z_stream z;

	(void)state;
	memset(&z, 0, sizeof(z));
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (Bytef *)json;
	z.avail_in = sizeof(json) - 1;
	z.next_out = gz;
	z.avail_out = sizeof(gz);
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	n = sizeof(gz) - z.avail_out;
	deflateEnd(&z);
	int h = snprintf(req, sizeof(req), "POST /api HTTP/1.1\r\nHost: s.example\r\n"
			 "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
			 "Content-Length: %zu\r\n\r\n", n);
	memcpy(req + h, gz, n);

	const struct turn t[] = { { 0, (const uint8_t *)req, (size_t)h + n } };
	struct rec *want = calloc(1, sizeof(*want));

	play_all_cuts(APP_LAYER_HTTP, t, 1, want);
	assert_string_equal(want->log[0],
			    "open http.body > gzip > json\n{\"card\": \"4111 1111 1111 1111\", "
			    "\"mail\": \"jane@example.com\"}\nclose\n");
	free(want);
}

static void
test_http_unknown_coding_is_counted_and_left_to_the_raw_scan(void **state)
{
	static const char req[] = "POST / HTTP/1.1\r\nContent-Encoding: compress\r\n"
				  "Content-Length: 4\r\n\r\nabcd";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(r->cover_bytes[0], 0);
	assert_int_equal(r->anomalies[0], 1);
	assert_int_equal(app_layer_stats(al)->unknown_coding, 1);
	free(r);
	app_layer_free(al);
}

static void
test_multipart_body_with_unknown_coding_is_counted_once(void **state)
{
	static const char req[] = "POST / HTTP/1.1\r\nContent-Encoding: compress\r\n"
				  "Content-Type: multipart/form-data; boundary=b\r\n"
				  "Content-Length: 4\r\n\r\nabcd";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(r->anomalies[0], 1);
	assert_int_equal(app_layer_stats(al)->unknown_coding, 1);
	free(r);
	app_layer_free(al);
}

static void
test_http_corrupt_gzip_stops_decoding_and_is_counted(void **state)
{
	static const char req[] = "POST / HTTP/1.1\r\nContent-Encoding: gzip\r\n"
				  "Content-Length: 12\r\n\r\nnot gzip 123";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(app_layer_stats(al)->decode_errors, 1);
	/* bad data, not a cap: no exception policy */
	assert_int_equal(app_layer_stats(al)->decode_limits, 0);
	assert_int_equal(r->anomalies[0], 1);
	free(r);
	app_layer_free(al);
}

/* Two bodies of one direction whose codings fail, one plain and one multipart (its
 * codings undone by the MIME pre pipeline), in either order: the direction's decode
 * anomaly is reported once, both failures counted. */
static void
test_decode_anomaly_once_per_direction_across_plain_and_multipart_bodies(void **state)
{
	static const char plain[] = "POST /a HTTP/1.1\r\nContent-Encoding: gzip\r\n"
				    "Content-Length: 12\r\n\r\nnot gzip 123";
	static const char multi[] = "POST /b HTTP/1.1\r\nContent-Encoding: gzip\r\n"
				    "Content-Type: multipart/form-data; boundary=b\r\n"
				    "Content-Length: 12\r\n\r\nnot gzip 456";
	const struct turn orders[2][2] = {
		{ T(0, plain), T(0, multi) },
		{ T(0, multi), T(0, plain) },
	};
	unsigned int o;

	(void)state;
	for (o = 0; o < 2; o++) {
		struct config_app c = conf_default();
		char err[128];
		struct app_layer *al = app_layer_create(&c, err, sizeof(err));
		struct rec *r = calloc(1, sizeof(*r));

		assert_non_null(al);
		assert_non_null(r);
		play(al, APP_LAYER_HTTP, orders[o], 2, 0, 0, r, NULL);
		assert_int_equal(app_layer_stats(al)->decode_errors, 2);
		assert_int_equal(r->anomalies[0], 1);
		free(r);
		app_layer_free(al);
	}
}

static void
test_decompressor_pool_exhausted_is_counted_and_left_to_the_raw_scan(void **state)
{
	/* A zstd body needs about 98 KiB of decoder state; the pool holds 16 KiB. */
	static const char req[] = "POST / HTTP/1.1\r\nContent-Encoding: zstd\r\n"
				  "Content-Length: 4\r\n\r\nabcd";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al;
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	c.decode_memcap = 16u << 10;
	al = app_layer_create(&c, err, sizeof(err));
	assert_non_null(al);
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(r->cover_bytes[0], 0);
	assert_int_equal(r->anomalies[0], 1);
	assert_int_equal(app_layer_stats(al)->decode_nomem, 1);
	assert_int_equal(app_layer_stats(al)->decode_errors, 0);
	assert_int_equal(app_layer_stats(al)->decode_limits, 1);	/* exception policy */
	free(r);
	app_layer_free(al);
}

static void
test_http_decoded_bytes_stop_at_max_decoded(void **state)
{
	static const char req[] = "POST / HTTP/1.1\r\nContent-Length: 20\r\n\r\n"
				  "0123456789abcdefghij";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al;
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	c.max_decoded = 8;
	al = app_layer_create(&c, err, sizeof(err));
	play(al, APP_LAYER_HTTP, t, 1, 0, 3, r, NULL);
	assert_string_equal(r->log[0], "open http.body\n01234567\nclose\n");
	assert_int_equal(app_layer_stats(al)->decode_capped, 1);
	/* an identity body: the raw stream holds the rest, no exception policy */
	assert_int_equal(app_layer_stats(al)->decode_limits, 0);
	free(r);
	app_layer_free(al);
}

static void
test_http_header_limit_is_an_anomaly_and_the_rest_goes_raw(void **state)
{
	char req[12000];
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al;
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	c.max_header_line = 1024;
	al = app_layer_create(&c, err, sizeof(err));
	memset(req, 'a', sizeof(req));
	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	const struct turn t[] = { { 0, (const uint8_t *)req, sizeof(req) } };

	play(al, APP_LAYER_HTTP, t, 1, 0, 1460, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(r->anomalies[0], 1);
	assert_int_equal(app_layer_stats(al)->limit_hits, 1);
	assert_int_equal(app_layer_stats(al)->parse_errors, 1);
	free(r);
	app_layer_free(al);
}

static void
test_http_refused_buffer_covers_nothing(void **state)
{
	static const char req[] = "POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\nabcd";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	r->refuse = 1;
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_string_equal(r->log[0], "");
	assert_int_equal(r->cover_bytes[0], 0);
	free(r);
	app_layer_free(al);
}

static void
test_http_meta_redacts_query_values_and_data_like_segments(void **state)
{
	static const char req[] =
		"GET /users/jane@example.com/cards/4111111111111111?token=abcdef123456&x=ab "
		"HTTP/1.1\r\nHost: api.example\r\n\r\n";
	static const char resp[] = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
				   "Content-Length: 0\r\n\r\n";
	const struct turn t[] = { T(0, req), T(1, resp) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	struct app_meta m[2];

	(void)state;
	play(al, APP_LAYER_HTTP, t, 2, 0, 0, r, m);
	assert_int_equal(m[0].kind, APP_META_HTTP);
	assert_string_equal(m[0].http.hostname, "api.example");
	assert_string_equal(m[0].http.method, "GET");
	assert_string_equal(m[0].http.url,
			    "/users/************.com/cards/************1111?token=********3456&x=ab");
	assert_int_equal(m[0].http.status, 404);
	assert_int_equal(m[1].http.status, 404);
	assert_string_equal(m[1].http.url, m[0].http.url);
	assert_string_equal(m[1].http.content_type, "text/plain");
	free(r);
	app_layer_free(al);
}

static void
test_meta_addr_masks_the_local_part_only(void **state)
{
	char out[64];

	(void)state;
	app_meta_addr(out, sizeof(out), "<jane.doe@example.com>");
	assert_string_equal(out, "****.doe@example.com");
	app_meta_addr(out, sizeof(out), "bob@example.test");
	assert_string_equal(out, "bob@example.test");
	app_meta_addr(out, sizeof(out), "");
	assert_string_equal(out, "");
	app_meta_addr(out, 8, "<jane.doe@example.com>");
	assert_string_equal(out, "****.do");
}

static void
test_smtp_mail_content_is_unstuffed_and_the_envelope_redacted(void **state)
{
	const struct turn t[] = {
		T(1, "220 mx.example ESMTP\r\n"),
		T(0, "EHLO client.example\r\n"),
		T(1, "250-mx.example\r\n250 8BITMIME\r\n"),
		T(0, "MAIL FROM:<jane.doe@example.com>\r\n"),
		T(1, "250 ok\r\n"),
		T(0, "RCPT TO:<someone@partner.example>\r\n"),
		T(1, "250 ok\r\n"),
		T(0, "DATA\r\n"),
		T(1, "354 go ahead\r\n"),
		T(0, "Subject: x\r\n\r\n..leading dot\r\nIBAN DE89370400440532013000\r\n.\r\n"),
		T(1, "250 queued\r\n"),
		T(0, "QUIT\r\n"),
		T(1, "221 bye\r\n"),
	};
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	struct app_meta m[2];

	(void)state;
	play(al, APP_LAYER_SMTP, t, sizeof(t) / sizeof(t[0]), 0, 0, r, m);
	/* A mail of one part: its body, after the header section (the headers are left to
	 * the raw scan). */
	assert_string_equal(r->log[0], "open smtp.body\n.leading dot\r\n"
			    "IBAN DE89370400440532013000\r\n\nclose\n");
	assert_int_equal(m[0].kind, APP_META_SMTP);
	assert_string_equal(m[0].smtp.helo, "client.example");
	assert_string_equal(m[0].smtp.mail_from, "****.doe@example.com");
	assert_int_equal(m[0].smtp.nrcpt, 1);
	assert_string_equal(m[0].smtp.rcpt_to[0], "***eone@partner.example");
	assert_int_equal(app_layer_stats(al)->smtp_mails, 1);
	free(r);
	app_layer_free(al);
}

static void
test_transactions_are_reported_once_each_with_their_status(void **state)
{
	const struct turn t[] = {
		T(0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b?q=123456 HTTP/1.1\r\nHost: h\r\n\r\n"),
		T(1, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
		     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
		T(0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n"),
	};
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	play(al, APP_LAYER_HTTP, t, 3, 0, 0, r, NULL);
	/* Pipelined: each response is told with its own request. The interim 100 is no
	 * transaction; /c never got its answer: reported at the end. */
	assert_string_equal(r->txn, "1:200 /a;1:404 /b?q=**3456;0:0 /c;");
	free(r);
	app_layer_free(al);
}

static void
test_smtp_multipart_mail_parts_are_decoded_and_named(void **state)
{
	/* "name;iban\njane;DE89370400440532013000\n" in base64, cut into 16-char lines, and
	 * a quoted-printable text part with a soft line break inside a card number. */
	const struct turn t[] = {
		T(1, "220 mx ESMTP\r\n"),
		T(0, "HELO c\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n"),
		T(1, "250 hi\r\n250 ok\r\n250 ok\r\n354 go\r\n"),
		T(0, "Subject: report\r\nMIME-Version: 1.0\r\n"
		     "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		     "preamble\r\n--b1\r\nContent-Type: text/plain\r\n"
		     "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		     "card 4111 1111 11=\r\n11 1111 ok =3D done\r\n"
		     "--b1\r\nContent-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n"
		     "Content-Disposition: attachment; filename=\"report.csv\"\r\n\r\n"
		     "bmFtZTtpYmFuCmph\r\nbmU7REU4OTM3MDQw\r\nMDQ0MDUzMjAxMzAw\r\nMAo=\r\n"
		     "--b1--\r\nepilogue\r\n.\r\n"),
		T(1, "250 queued\r\n"),
	};
	struct rec *want = calloc(1, sizeof(*want));
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	struct app_meta m[2];

	(void)state;
	play_all_cuts(APP_LAYER_SMTP, t, sizeof(t) / sizeof(t[0]), want);
	assert_string_equal(want->log[0],
			    "open smtp.part[1] > qp\ncard 4111 1111 1111 1111 ok = done"
			    "\nclose\n"
			    "open smtp.part[2] report.csv > base64\nname;iban\n"
			    "jane;DE89370400440532013000\n\nclose\n");
	play(al, APP_LAYER_SMTP, t, sizeof(t) / sizeof(t[0]), 0, 0, r, m);
	assert_int_equal(m[0].smtp.nattach, 1);
	assert_string_equal(m[0].smtp.attachments[0], "report.csv");
	free(r);
	free(want);
	app_layer_free(al);
}

static void
test_http_multipart_upload_parts_are_scanned_by_name(void **state)
{
	static const char req[] =
		"POST /upload HTTP/1.1\r\nHost: u.example\r\nContent-Length: 175\r\n"
		"Content-Type: multipart/form-data; boundary=------------------------x1\r\n\r\n"
		"--------------------------x1\r\n"
		"Content-Disposition: form-data; name=\"file\"; filename=\"report.csv\"\r\n"
		"Content-Type: text/csv\r\n\r\n"
		"jane,078-05-1120\n\r\n"
		"--------------------------x1--\r\n";
	const struct turn t[] = { T(0, req) };
	struct rec *want = calloc(1, sizeof(*want));

	(void)state;
	assert_int_equal(strlen(strstr(req, "\r\n\r\n") + 4), 175);
	play_all_cuts(APP_LAYER_HTTP, t, 1, want);
	assert_string_equal(want->log[0], "open http.body > part[1] report.csv\n"
			    "jane,078-05-1120\n\nclose\n");
	free(want);
}

static void
test_json_field_holding_base64_is_decoded_into_a_buffer_of_its_own(void **state)
{
	/* {"name":"r.csv","data":"<base64 of a CSV with cards>","note":"short"}: the data
	 * value is decoded, at every cut; the short strings are not. */
	static const char json[] =
		"{\"name\":\"r.csv\",\"data\":\"bmFtZSxjYXJkCmphbmUsNDExMSAxMTExIDExMTEgMTEx"
		"MQpqb2huLDQwMDAgMDAwMCAwMDAwIDAwMDIK\",\"note\":\"short\"}";
	char req[512];
	int h = snprintf(req, sizeof(req), "POST /f HTTP/1.1\r\nContent-Type: application/json"
			 "\r\nContent-Length: %zu\r\n\r\n%s", sizeof(json) - 1, json);
	const struct turn t[] = { { 0, (const uint8_t *)req, (size_t)h } };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	size_t cut;

	(void)state;
	for (cut = 0; cut < (size_t)h; cut += (cut < 120 ? 1 : 7)) {
		memset(r, 0, sizeof(*r));
		play(al, APP_LAYER_HTTP, t, 1, cut, 0, r, NULL);
		assert_string_equal(r->nest, "open http.body > json > base64\n"
				    "name,card\njane,4111 1111 1111 1111\njohn,4000 0000 0000 0002\n");
		assert_int_equal(r->nests, 1);
		assert_int_equal(strncmp(r->log[0], "open http.body > json\n{\"name\"", 28), 0);
	}
	free(r);
	app_layer_free(al);
}

static void
test_body_that_is_all_base64_is_decoded_too(void **state)
{
	/* A text/plain body holding only a wrapped base64 CSV: the body is scanned as sent
	 * and, decoded, as a level-1 buffer (the line break is wrapping). */
	static const char req[] =
		"POST /up HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 84\r\n\r\n"
		"bmFtZSxjYXJkCmphbmUsNDExMSAxMTExIDExMTEgMTEx\r\n"
		"MQpqb2huLDQwMDAgMDAwMCAwMDAwIDAwMDIK\r\n";
	const struct turn t[] = { T(0, req) };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	assert_int_equal(strlen(strstr(req, "\r\n\r\n") + 4), 84);
	play(al, APP_LAYER_HTTP, t, 1, 0, 7, r, NULL);
	assert_string_equal(r->nest, "open http.body > base64\n"
			    "name,card\njane,4111 1111 1111 1111\njohn,4000 0000 0000 0002\n");
	assert_int_equal(r->nests, 1);
	free(r);
	app_layer_free(al);
}

static void
test_base64_value_bytes_go_in_one_call_and_never_wait_past_it(void **state)
{
	/* 322 bytes of CSV as base64 wrapped every 16 characters: the sniffer takes the
	 * wrapped blocks a byte at a time, a decoder call per line, and the value's bytes
	 * still reach its buffer in one call (a sensor scan), not one per line. */
	static const char body[] =
		"bmFtZSxjYXJkCnJv\r\ndzAwLDQxMTEgMTEx\r\nMSAxMTExIDExMTEK\r\ncm93MDEsND"
		"ExMSAx\r\nMTExIDExMTEgMTEx\r\nMQpyb3cwMiw0MTEx\r\nIDExMTEgMTExMSAx\r\nMT"
		"ExCnJvdzAzLDQx\r\nMTEgMTExMSAxMTEx\r\nIDExMTEKcm93MDQs\r\nNDExMSAxMTEx"
		"IDEx\r\nMTEgMTExMQpyb3cw\r\nNSw0MTExIDExMTEg\r\nMTExMSAxMTExCnJv\r\ndzA2"
		"LDQxMTEgMTEx\r\nMSAxMTExIDExMTEK\r\ncm93MDcsNDExMSAx\r\nMTExIDExMTEgMT"
		"Ex\r\nMQpyb3cwOCw0MTEx\r\nIDExMTEgMTExMSAx\r\nMTExCnJvdzA5LDQx\r\nMTEgMT"
		"ExMSAxMTEx\r\nIDExMTEKcm93MTAs\r\nNDExMSAxMTExIDEx\r\nMTEgMTExMQpyb3cx"
		"\r\nMSw0MTExIDExMTEg\r\nMTExMSAxMTExCg==\r\n";
	char req[1024], want[512];
	int h = snprintf(req, sizeof(req), "POST /up HTTP/1.1\r\nContent-Type: text/plain\r\n"
			 "Content-Length: %zu\r\n\r\n%s", sizeof(body) - 1, body);
	const struct turn t[] = { { 0, (const uint8_t *)req, (size_t)h } };
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	size_t at = 0;
	unsigned int i;

	(void)state;
	at += (size_t)snprintf(want, sizeof(want), "open http.body > base64\nname,card\n");
	for (i = 0; i < 12; i++)
		at += (size_t)snprintf(want + at, sizeof(want) - at, "row%02u,4111 1111 1111 1111\n",
				       i);
	play(al, APP_LAYER_HTTP, t, 1, 0, (size_t)h, r, NULL);
	assert_string_equal(r->nest, want);
	assert_int_equal(r->nests, 1);
	assert_int_equal(r->nest_calls, 1);
	/* Nothing is held past a call: the value's bytes decoded from a first piece that
	 * ends inside it have reached its buffer when the call returns. */
	for (size_t cut = (size_t)h - sizeof(body) + 40; cut < (size_t)h; cut += 50) {
		struct app_flow *af = app_layer_attach(al, APP_LAYER_HTTP);
		size_t chars = 0, k;

		assert_non_null(af);
		memset(r, 0, sizeof(*r));
		app_layer_data(al, af, 0, (const uint8_t *)req, (uint32_t)cut, 0, &sink, r);
		for (k = (size_t)h - (sizeof(body) - 1); k < cut; k++)
			chars += req[k] != '\r' && req[k] != '\n';
		k = strlen("open http.body > base64\n");
		assert_int_equal(r->nest_len, chars < c.base64_min ? 0 : k + chars * 3 / 4);
		assert_memory_equal(r->nest, want, r->nest_len);
		app_layer_data(al, af, 0, (const uint8_t *)req + cut, (uint32_t)(h - cut), cut,
			       &sink, r);
		app_layer_finish(al, af, &sink, r);
		app_layer_detach(al, af);
		assert_string_equal(r->nest, want);
	}
	free(r);
	app_layer_free(al);
}

static void
test_long_decoding_paths_are_cut_to_fit(void **state)
{
	/* A part named with 39 characters: its path "http.body > part[1] <name>" is 59
	 * bytes and fits; its base64 value's would be 68 and is cut to 63 (DLP_PATH_LEN - 1)
	 * inside " > base64". A name of 60 cuts the part's own path, and the value's path is
	 * the same. */
	static const char fmt[] =
		"POST /up HTTP/1.1\r\nContent-Length: %d\r\n"
		"Content-Type: multipart/form-data; boundary=b1\r\n\r\n%s";
	static const char part[] =
		"--b1\r\nContent-Disposition: form-data; name=\"f\"; filename=\"%s\"\r\n"
		"Content-Type: text/plain\r\n\r\n"
		"bmFtZSxjYXJkCmphbmUsNDExMSAxMTExIDExMTEgMTEx"
		"MQpqb2huLDQwMDAgMDAwMCAwMDAwIDAwMDIK\r\n--b1--\r\n";
	static const char *const names[2] = {
		"quarterly-payroll-export-2026-q4-v2.txt",
		"quarterly-payroll-export-for-the-finance-team-2026-q4-v2.txt",
	};
	static const char *const want[2] = {
		"open http.body > part[1] quarterly-payroll-export-2026-q4-v2.txt\n",
		"open http.body > part[1] quarterly-payroll-export-for-the-finance-te\n",
	};
	static const char *const want_nest[2] = {
		"open http.body > part[1] quarterly-payroll-export-2026-q4-v2.txt > b\n"
		"name,card\njane,4111 1111 1111 1111\njohn,4000 0000 0000 0002\n",
		"open http.body > part[1] quarterly-payroll-export-for-the-finance-te\n"
		"name,card\njane,4111 1111 1111 1111\njohn,4000 0000 0000 0002\n",
	};
	struct config_app c = conf_default();
	char err[128], body[512], req[768];
	struct app_layer *al = app_layer_create(&c, err, sizeof(err));
	struct rec *r = calloc(1, sizeof(*r));
	unsigned int k;

	(void)state;
	for (k = 0; k < 2; k++) {
		int b = snprintf(body, sizeof(body), part, names[k]);
		int h = snprintf(req, sizeof(req), fmt, b, body);
		const struct turn t[] = { { 0, (const uint8_t *)req, (size_t)h } };

		memset(r, 0, sizeof(*r));
		play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
		assert_int_equal(strncmp(r->log[0], want[k], strlen(want[k])), 0);
		assert_string_equal(r->nest, want_nest[k]);
		assert_int_equal(r->nests, 1);
	}
	free(r);
	app_layer_free(al);
}

/* ---- the base64 sniffer against its rule, on random text ---- */

static uint64_t g_rng;

static uint32_t
rnd(uint32_t n)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return (uint32_t)(g_rng % n);
}

static int
oracle_alpha(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '-' || c == '_';
}

static void
oracle_out(void *cookie, const uint8_t *p, size_t n)
{
	struct rec *r = cookie;

	memcpy(r->nest_log + r->nest_log_len, p, n);
	r->nest_log_len += n;
}

static void
oracle_end(struct rec *r, struct decode_b64 *d, size_t at)
{
	decode_b64_finish(d, oracle_out, r);
	if (r->nest_log_len > at)
		r->nest_log[r->nest_log_len++] = '|';
}

/*
 * The sniffer's rule written again from its description: k base64 characters in a row
 * (line breaks not counted but not ending the run when json) start a value, decoded
 * until a character other than base64, '=' (and line breaks when json) ends it; the
 * ending character is not looked at again. Fills r->nest_log as the sink does.
 */
static void
oracle_sniff(const uint8_t *t, size_t n, int json, unsigned int k, struct rec *r)
{
	struct decode_b64 d;
	uint8_t hold[1024];
	unsigned int run = 0;
	size_t i, at = 0;
	int in = 0;

	r->nest_log_len = 0;
	for (i = 0; i < n; i++) {
		uint8_t c = t[i];
		int brk = c == '\r' || c == '\n';

		if (in) {
			if (oracle_alpha(c) || c == '=' || (json && brk)) {
				decode_b64_feed(&d, &c, 1, oracle_out, r);
				continue;
			}
			oracle_end(r, &d, at);
			in = 0;
			run = 0;
			continue;
		}
		if (!oracle_alpha(c)) {
			if (!(json && brk && run > 0))
				run = 0;
			continue;
		}
		hold[run++] = c;
		if (run == k) {
			in = 1;
			at = r->nest_log_len;
			decode_b64_init(&d, DECODE_B64_ANY);
			decode_b64_feed(&d, hold, run, oracle_out, r);
		}
	}
	if (in)
		oracle_end(r, &d, at);
	r->nest_log[r->nest_log_len] = '\0';
}

/* Random text of runs of base64 characters (lengths around k, wrapped lines, padding)
 * between separators, NULs and bytes above 0x7F. Form text avoids '+' and '%' so that
 * the form decoder only turns '&' into a line break. */
static size_t
random_text(uint8_t *t, size_t cap, int form, unsigned int k)
{
	static const char alpha[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_";
	static const char sep[] = " \",:;{}[]&=.!?\t<>";
	size_t n = 0;

	while (n + 300 < cap) {
		unsigned int len = rnd(4) == 0 ? rnd(8) : k - 3 + rnd(8), j;

		if (rnd(8) == 0)
			len = rnd(3 * k);
		for (j = 0; j < len; j++) {
			char c = alpha[rnd(sizeof(alpha) - 1)];

			if (form && c == '+')
				c = '-';
			t[n++] = (uint8_t)c;
			if (rnd(40) == 0)
				t[n++] = rnd(2) ? '\n' : '\r';
		}
		if (rnd(3) == 0)
			for (j = rnd(3); j > 0; j--)
				t[n++] = '=';
		switch (rnd(6)) {
		case 0:
			t[n++] = (uint8_t)(0x80 + rnd(128));
			break;
		case 1:
			t[n++] = rnd(4) == 0 ? 0 : '\n';
			break;
		default:
			t[n++] = (uint8_t)sep[rnd(sizeof(sep) - 1)];
		}
	}
	return n;
}

/* Returns the number of level-1 buffers the rule gives. */
static unsigned int
sniff_case(struct app_layer *al, int form, unsigned int k, struct rec *got, struct rec *want,
	   uint8_t *body, uint8_t *req, size_t cap)
{
	size_t n = random_text(body, cap / 2, form, k), i, h, piece;
	const char *ctype = form ? "application/x-www-form-urlencoded" : "text/plain";
	struct turn t;

	h = (size_t)snprintf((char *)req, cap, "POST /s HTTP/1.1\r\nContent-Type: %s\r\n"
			     "Content-Length: %zu\r\n\r\n", ctype, n);
	memcpy(req + h, body, n);
	if (form)		/* what the sniffer reads: the form decoder's output */
		for (i = 0; i < n; i++)
			if (body[i] == '&')
				body[i] = '\n';
	oracle_sniff(body, n, !form, k, want);
	t = (struct turn){ 0, req, h + n };
	for (piece = 0; piece < 4; piece++) {
		size_t cut = piece == 0 ? 0 : piece == 1 ? 1 + rnd(200) : 0;
		size_t each = piece == 2 ? 1 + rnd(130) : piece == 3 ? 1 : 0;

		memset(got, 0, sizeof(*got));
		play(al, APP_LAYER_HTTP, &t, 1, cut, each, got, NULL);
		got->nest_log[got->nest_log_len] = '\0';
		if (got->nest_log_len != want->nest_log_len ||
		    memcmp(got->nest_log, want->nest_log, want->nest_log_len) != 0)
			fail_msg("k %u form %d pieces (%zu, %zu): %zu bytes of level-1 buffers, "
				 "%zu by the rule (seed %llu)", k, form, cut, each,
				 got->nest_log_len, want->nest_log_len,
				 (unsigned long long)g_rng);
	}
	for (i = 0, h = 0; i < want->nest_log_len; i++)
		h += want->nest_log[i] == '|';
	return (unsigned int)h;
}

static void
test_base64_sniffer_follows_its_rule_on_random_text(void **state)
{
	static const unsigned int ks[] = { 16, 17, 31, 63, 64, 65, 100, 200 };
	size_t cap = 64 * 1024;
	uint8_t *body = malloc(cap), *req = malloc(cap);
	struct rec *got = calloc(1, sizeof(*got)), *want = calloc(1, sizeof(*want));
	const char *seed = getenv("TOLLGATE_TEST_SEED");
	unsigned int i, round, nests = 0;

	(void)state;
	g_rng = seed != NULL ? strtoull(seed, NULL, 0) : (uint64_t)time(NULL);
	g_rng |= 1;
	print_message("seed %llu (TOLLGATE_TEST_SEED)\n", (unsigned long long)g_rng);
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		struct config_app c = conf_default();
		char err[128];
		struct app_layer *al;

		c.base64_min = ks[i];
		al = app_layer_create(&c, err, sizeof(err));
		assert_non_null(al);
		for (round = 0; round < 6; round++)
			nests += sniff_case(al, (int)(round & 1), ks[i], got, want, body, req,
					    cap / 4);
		app_layer_free(al);
	}
	print_message("%u level-1 buffers\n", nests);
	assert_true(nests >= 100);	/* the text did start values */
	free(body);
	free(req);
	free(got);
	free(want);
}

/*
 * Most of a flow state is not cleared when it is taken (app_layer_attach): a state used by
 * a connection with a multipart upload, a pipelined request and a gzip body, then taken
 * by another, tells the second nothing of the first. A response without a request is
 * told with no URL (not the last connection's), and a body decodes as on a new layer.
 */
static void
test_a_reused_flow_state_tells_nothing_of_the_last_connection(void **state)
{
	static const uint8_t gz[] = { /* gzip of {"a":"b"} */
		0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x4a,
		0x54, 0xb2, 0x52, 0x4a, 0x52, 0xaa, 0x05, 0x00, 0x9c, 0x5c, 0xf6, 0x6b, 0x09,
		0x00, 0x00, 0x00 };
	static const char head[] = "POST /z HTTP/1.1\r\nHost: h\r\nContent-Type: "
				   "application/json\r\nContent-Encoding: gzip\r\n"
				   "Content-Length: 29\r\n\r\n";
	uint8_t gzreq[sizeof(head) - 1 + sizeof(gz)];
	const struct turn first[] = {
		T(0, "POST /secret-path HTTP/1.1\r\nHost: one.example\r\nContent-Type: "
		     "multipart/form-data; boundary=b\r\nContent-Length: 79\r\n\r\n"
		     "--b\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n"
		     "card 4111111111111111\r\n--b--\r\n"
		     "GET /second HTTP/1.1\r\nHost: one.example\r\n\r\n"),
		{ 0, gzreq, sizeof(gzreq) },
		T(1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
	};
	const struct turn lone[] = { T(1, "HTTP/1.1 204 No Content\r\n\r\n") };
	const struct turn odd[] = {
		T(0, "POST /u HTTP/1.1\r\nContent-Encoding: zz\r\nContent-Length: 1\r\n\r\nx"),
	};
	const struct turn json[] = {
		T(0, "POST /j HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\n"
		     "Content-Length: 26\r\n\r\n{\"iban\": \"GB82 W\\u0045ST\"}"),
	};
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al, *fresh;
	struct rec *r = calloc(1, sizeof(*r)), *want = calloc(1, sizeof(*want));

	(void)state;
	assert_non_null(r);
	assert_non_null(want);
	memcpy(gzreq, head, sizeof(head) - 1);
	memcpy(gzreq + sizeof(head) - 1, gz, sizeof(gz));
	c.max_flows = 1;	/* every connection takes the same state */
	al = app_layer_create(&c, err, sizeof(err));
	fresh = app_layer_create(&c, err, sizeof(err));
	assert_non_null(al);
	assert_non_null(fresh);
	play(al, APP_LAYER_HTTP, first, 3, 0, 0, r, NULL);
	assert_non_null(strstr(r->txn, "/secret-path"));
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, lone, 1, 0, 0, r, NULL);
	assert_string_equal(r->txn, "1:204 ;");
	/* a decoding anomaly is reported once per direction: again on the next connection */
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, odd, 1, 0, 0, r, NULL);
	assert_int_equal(r->anomalies[0], 1);
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, odd, 1, 0, 0, r, NULL);
	assert_int_equal(r->anomalies[0], 1);
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, first, 3, 0, 0, r, NULL);
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, json, 1, 0, 0, r, NULL);
	play(fresh, APP_LAYER_HTTP, json, 1, 0, 0, want, NULL);
	assert_string_equal(r->log[0], want->log[0]);
	assert_string_equal(r->txn, want->txn);
	assert_int_equal(r->cover_bytes[0], want->cover_bytes[0]);
	assert_int_equal(r->anomalies[0], want->anomalies[0]);
	free(r);
	free(want);
	app_layer_free(al);
	app_layer_free(fresh);
}

/* A multipart type without a boundary: the MIME parser makes the body one part, begun
 * before its pre pipeline; the part is named after the body, on a fresh state and on one
 * a connection used before (it took the last connection's path once). */
static void
test_multipart_type_without_boundary_is_one_part_named_after_the_body(void **state)
{
	const struct turn t[] = {
		T(0, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Type: multipart/form-data; "
		     "undary=xyz\r\nContent-Length: 21\r\n\r\ncard 4111111111111111"),
	};
	const struct turn other[] = {
		T(0, "POST /x HTTP/1.1\r\nContent-Type: multipart/mixed; boundary=b\r\n"
		     "Content-Length: 21\r\n\r\n--b\r\n\r\nhello\r\n--b--\r\n"),
	};
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al;
	struct rec *r = calloc(1, sizeof(*r));

	(void)state;
	assert_non_null(r);
	c.max_flows = 1;
	al = app_layer_create(&c, err, sizeof(err));
	assert_non_null(al);
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_non_null(strstr(r->log[0], "open http.body\n"));
	assert_non_null(strstr(r->log[0], "card 4111111111111111"));
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, other, 1, 0, 0, r, NULL);
	assert_non_null(strstr(r->log[0], "open http.body > part[1]"));
	memset(r, 0, sizeof(*r));
	play(al, APP_LAYER_HTTP, t, 1, 0, 0, r, NULL);
	assert_non_null(strstr(r->log[0], "open http.body\n"));
	free(r);
	app_layer_free(al);
}

static void
test_flow_states_run_out_and_are_counted(void **state)
{
	struct config_app c = conf_default();
	char err[128];
	struct app_layer *al;
	struct app_flow *f[3];

	(void)state;
	c.max_flows = 2;
	al = app_layer_create(&c, err, sizeof(err));
	f[0] = app_layer_attach(al, APP_LAYER_HTTP);
	f[1] = app_layer_attach(al, APP_LAYER_SMTP);
	f[2] = app_layer_attach(al, APP_LAYER_HTTP);
	assert_non_null(f[0]);
	assert_non_null(f[1]);
	assert_null(f[2]);
	assert_int_equal(app_layer_stats(al)->flows_refused, 1);
	app_layer_detach(al, f[0]);
	f[2] = app_layer_attach(al, APP_LAYER_HTTP);
	assert_ptr_equal(f[2], f[0]);
	app_layer_detach(al, f[1]);
	app_layer_detach(al, f[2]);
	app_layer_detach(al, NULL);
	app_layer_free(al);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_chunked_body_reaches_the_sensors_whole_with_its_raw_range_covered),
		cmocka_unit_test(test_http_form_body_and_query_are_decoded_field_by_field),
		cmocka_unit_test(test_http_gzip_json_body_is_inflated_then_unescaped),
		cmocka_unit_test(test_http_unknown_coding_is_counted_and_left_to_the_raw_scan),
		cmocka_unit_test(test_multipart_body_with_unknown_coding_is_counted_once),
		cmocka_unit_test(test_http_corrupt_gzip_stops_decoding_and_is_counted),
		cmocka_unit_test(test_decompressor_pool_exhausted_is_counted_and_left_to_the_raw_scan),
		cmocka_unit_test(test_http_decoded_bytes_stop_at_max_decoded),
		cmocka_unit_test(test_http_header_limit_is_an_anomaly_and_the_rest_goes_raw),
		cmocka_unit_test(
			test_decode_anomaly_once_per_direction_across_plain_and_multipart_bodies),
		cmocka_unit_test(test_http_refused_buffer_covers_nothing),
		cmocka_unit_test(test_http_meta_redacts_query_values_and_data_like_segments),
		cmocka_unit_test(test_meta_addr_masks_the_local_part_only),
		cmocka_unit_test(test_smtp_mail_content_is_unstuffed_and_the_envelope_redacted),
		cmocka_unit_test(test_transactions_are_reported_once_each_with_their_status),
		cmocka_unit_test(test_smtp_multipart_mail_parts_are_decoded_and_named),
		cmocka_unit_test(test_json_field_holding_base64_is_decoded_into_a_buffer_of_its_own),
		cmocka_unit_test(test_body_that_is_all_base64_is_decoded_too),
		cmocka_unit_test(test_http_multipart_upload_parts_are_scanned_by_name),
		cmocka_unit_test(test_base64_value_bytes_go_in_one_call_and_never_wait_past_it),
		cmocka_unit_test(test_long_decoding_paths_are_cut_to_fit),
		cmocka_unit_test(test_base64_sniffer_follows_its_rule_on_random_text),
		cmocka_unit_test(test_a_reused_flow_state_tells_nothing_of_the_last_connection),
		cmocka_unit_test(test_multipart_type_without_boundary_is_one_part_named_after_the_body),
		cmocka_unit_test(test_flow_states_run_out_and_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
