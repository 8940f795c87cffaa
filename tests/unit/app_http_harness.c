/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Script player and event log for the HTTP/1.x parser tests (see app_http_harness.h).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app_http_harness.h"

#define LOG_MAX (1u << 20)

struct app_http_conn harness_conn;

static char log_buf[LOG_MAX];
static size_t log_len;
static int body_open = -1;	/* dir of the body entry the log ends with, or -1 */
static char first_log[LOG_MAX];

static void
log_raw(const char *s, size_t n)
{
	if (log_len + n >= LOG_MAX)
		fail_msg("event log over %u bytes", LOG_MAX);
	memcpy(log_buf + log_len, s, n);
	log_len += n;
	log_buf[log_len] = '\0';
}

static void __attribute__((format(printf, 1, 2)))
logline(const char *fmt, ...)
{
	char line[8192];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < sizeof(line));
	body_open = -1;
	log_raw(line, (size_t)n);
}

static const char *
dname(const struct app_http_msg *m)
{
	return m->dir == APP_HTTP_REQUEST ? "req" : "rsp";
}

static void
log_escaped(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char b[8];

		if (p[i] == '\r')
			log_raw("\\r", 2);
		else if (p[i] == '\n')
			log_raw("\\n", 2);
		else if (p[i] == '"')
			log_raw("\\\"", 2);
		else if (p[i] == '\\')
			log_raw("\\\\", 2);
		else if (p[i] < 0x20 || p[i] >= 0x7f) {
			snprintf(b, sizeof(b), "\\x%02x", p[i]);
			log_raw(b, 4);
		} else {
			log_raw((const char *)p + i, 1);
		}
	}
}

static void
on_begin(void *cookie, const struct app_http_msg *m)
{
	(void)cookie;
	if (m->dir == APP_HTTP_REQUEST)
		logline("req#%u begin %s %s HTTP/1.%u\n", m->txn, m->method, m->url,
			m->version % 10);
	else
		logline("rsp#%u begin %u %s HTTP/1.%u\n", m->txn, m->status,
		     m->method[0] != '\0' ? m->method : "-", m->version % 10);
}

static const char *const body_names[] = { "none", "length", "chunked", "close", "tunnel" };

static void
on_headers(void *cookie, const struct app_http_msg *m)
{
	char line[8192];
	size_t n = 0;

	(void)cookie;
#define ADD(...) (n += (size_t)snprintf(line + n, sizeof(line) - n, __VA_ARGS__))
	ADD("%s#%u headers body=%s", dname(m), m->txn, body_names[m->body]);
	if (m->host[0] != '\0')
		ADD(" host=%s", m->host);
	if (m->content_type[0] != '\0')
		ADD(" ct=%s", m->content_type);
	if (m->content_encoding[0] != '\0')
		ADD(" ce=%s", m->content_encoding);
	if (m->transfer_encoding[0] != '\0')
		ADD(" te=%s", m->transfer_encoding);
	if (m->flags & APP_HTTP_MSG_HAS_CL)
		ADD(" cl=%llu", (unsigned long long)m->content_length);
	if (m->content_disposition[0] != '\0')
		ADD(" cd=%s", m->content_disposition);
	if (m->expect[0] != '\0')
		ADD(" expect=%s", m->expect);
	if (m->connection[0] != '\0')
		ADD(" conn=%s", m->connection);
	if (m->flags & APP_HTTP_MSG_KEEP_ALIVE)
		ADD(" +keepalive");
	if (m->flags & APP_HTTP_MSG_CHUNKED)
		ADD(" +chunked");
	if (m->flags & APP_HTTP_MSG_EXPECT_CONTINUE)
		ADD(" +continue");
	if (m->flags & APP_HTTP_MSG_UPGRADE)
		ADD(" +upgrade");
	if (m->flags & APP_HTTP_MSG_INTERIM)
		ADD(" +interim");
	if (m->truncated != 0)
		ADD(" trunc=0x%x", m->truncated);
	ADD(" hdrs=%u\n", m->header_count);
#undef ADD
	assert_true(n < sizeof(line));
	logline("%s", line);
}

static void
on_body(void *cookie, const struct app_http_msg *m, const uint8_t *p, size_t n)
{
	(void)cookie;
	assert_non_null(p);
	assert_true(n > 0);
	if (body_open == (int)m->dir) {
		log_len -= 2;	/* reopen the entry: drop its closing quote and newline */
	} else {
		char head[64];

		/* the offset of the first piece: 0 unless the body was cut before */
		snprintf(head, sizeof(head), "%s#%u body ", dname(m), m->txn);
		log_raw(head, strlen(head));
		if (m->body_offset != 0)
			logline("@%llu ", (unsigned long long)m->body_offset);
		log_raw("\"", 1);
	}
	log_escaped(p, n);
	log_raw("\"\n", 2);
	body_open = m->dir;
}

static void
on_complete(void *cookie, const struct app_http_msg *m)
{
	(void)cookie;
	logline("%s#%u complete\n", dname(m), m->txn);
}

static void
on_tunnel(void *cookie, const struct app_http_msg *m)
{
	(void)cookie;
	logline("%s tunnel\n", dname(m));
}

static void
on_error(void *cookie, const struct app_http_msg *m, enum app_http_err err)
{
	(void)cookie;
	logline("%s error %s\n", dname(m), app_http_err_name(err));
}

static void
on_anomaly(void *cookie, const struct app_http_msg *m, enum app_http_anom a)
{
	(void)cookie;
	logline("%s anomaly %s\n", dname(m), app_http_anom_name(a));
}

static const struct app_http_callbacks callbacks = {
	.on_message_begin = on_begin,
	.on_headers_complete = on_headers,
	.on_body = on_body,
	.on_message_complete = on_complete,
	.on_tunnel = on_tunnel,
	.on_error = on_error,
	.on_anomaly = on_anomaly,
};

/* Feed p[0..n) from an exactly-sized heap copy. */
static void
feed_copy(struct app_http_parser *h, const char *p, size_t n)
{
	uint8_t *b;

	if (n == 0) {
		app_http_feed(h, NULL, 0);
		return;
	}
	b = malloc(n);
	assert_non_null(b);
	memcpy(b, p, n);
	app_http_feed(h, b, n);
	free(b);
}

/*
 * One run. cut_piece: index of the piece cut at cut_off (SIZE_MAX: none); bytewise: feed
 * every piece one byte at a time.
 */
static const char *
play(const struct app_http_conf *conf, const struct piece *s, size_t n, size_t cut_piece,
     size_t cut_off, bool bytewise)
{
	struct app_http_conf def;
	size_t i, j;

	if (conf == NULL) {
		app_http_conf_default(&def);
		conf = &def;
	}
	log_len = 0;
	log_buf[0] = '\0';
	body_open = -1;
	assert_int_equal(app_http_conn_init(&harness_conn, conf, &callbacks, NULL), 0);
	for (i = 0; i < n; i++) {
		struct app_http_parser *h = &harness_conn.dir[s[i].dir];

		if (s[i].eof) {
			app_http_eof(h);
		} else if (bytewise) {
			for (j = 0; j < s[i].len; j++)
				feed_copy(h, s[i].data + j, 1);
		} else if (i == cut_piece) {
			feed_copy(h, s[i].data, cut_off);
			feed_copy(h, s[i].data + cut_off, s[i].len - cut_off);
		} else {
			feed_copy(h, s[i].data, s[i].len);
		}
	}
	return log_buf;
}

const char *
harness_run(const struct app_http_conf *conf, const struct piece *s, size_t n)
{
	return play(conf, s, n, SIZE_MAX, 0, false);
}

static void
stats_equal(const struct app_http_stats *a, const struct app_http_stats *b)
{
	int i;

	assert_int_equal(a->bytes, b->bytes);
	assert_int_equal(a->raw_bytes, b->raw_bytes);
	assert_int_equal(a->tunnel_bytes, b->tunnel_bytes);
	assert_int_equal(a->body_bytes, b->body_bytes);
	assert_int_equal(a->messages, b->messages);
	assert_int_equal(a->completed, b->completed);
	assert_int_equal(a->errors, b->errors);
	assert_int_equal(a->limit_hits, b->limit_hits);
	for (i = 0; i < APP_HTTP_ANOM_COUNT; i++)
		assert_int_equal(a->anomalies[i], b->anomalies[i]);
}

/* The log, counters, modes and link of this run equal those of the first. */
static void
same_as_first(const struct app_http_conn *first, const char *what, size_t piece, size_t off)
{
	int d;

	if (strcmp(first_log, log_buf) != 0) {
		print_error("%s (piece %zu, offset %zu) differs:\n--- whole\n%s--- cut\n%s", what,
			    piece, off, first_log, log_buf);
		fail();
	}
	for (d = 0; d < 2; d++) {
		stats_equal(&first->dir[d].stats, &harness_conn.dir[d].stats);
		assert_int_equal(first->dir[d].mode, harness_conn.dir[d].mode);
		assert_int_equal(first->dir[d].err, harness_conn.dir[d].err);
	}
	assert_int_equal(first->link.count, harness_conn.link.count);
	assert_int_equal(first->link.lost, harness_conn.link.lost);
	assert_int_equal(first->link.sw, harness_conn.link.sw);
}

const char *
harness_check(const struct app_http_conf *conf, const struct piece *s, size_t n)
{
	static struct app_http_conn first;
	size_t i, off;

	play(conf, s, n, SIZE_MAX, 0, false);
	memcpy(first_log, log_buf, log_len + 1);
	first = harness_conn;
	for (i = 0; i < n; i++) {
		if (s[i].eof)
			continue;
		for (off = 1; off < s[i].len;
		     off += (off < HARNESS_DENSE ? 1 : HARNESS_STRIDE)) {
			play(conf, s, n, i, off, false);
			same_as_first(&first, "cut in two", i, off);
		}
	}
	play(conf, s, n, SIZE_MAX, 0, true);
	same_as_first(&first, "byte by byte", 0, 0);
	memcpy(log_buf, first_log, strlen(first_log) + 1);
	harness_conn = first;
	return log_buf;
}
