/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the HTTP/1.x message parser (dataplane/app_http.h), both directions
 * of a linked connection (struct app_http_conn).
 *
 * Input:  byte 0   flags: bits 0-1 limits (default, small, tiny, default), bit 2/3 end
 *                  the request/response side (app_http_eof) at a chosen point, bit 4/5 a
 *                  gap (app_http_gap) in the request/response side, bit 6 end both sides
 *                  at the end of the input
 *         byte 1   seed of the schedule and of the cuts
 *         byte 2-3 length of the request stream (little endian, clipped)
 *         then the request stream, then the response stream.
 *
 * The seed turns the two streams into a schedule of segments (direction, length) with the
 * eof and gap events between them, as reassembly would hand them over. The schedule is
 * fed twice: each segment in one call, then each segment cut again into random pieces
 * (each piece in a block of its own size, so a read past it is caught). Checks, aborting
 * on failure:
 *   - both runs report the same events (app_http.h: events never depend on how the stream
 *     is cut, only the number of on_body calls does);
 *   - per direction, events come in order (begin, headers, body, complete), nothing
 *     follows on_error or on_tunnel, on_error comes once, on_tunnel between messages;
 *   - msg->body_offset counts the body delivered so far, a Content-Length body delivers
 *     exactly content_length bytes, and every string of msg is NUL terminated.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_http.h"
#include "fuzz_common.h"

#define SEG_MAX 4096

enum seg_op {
	SEG_DATA = 0,
	SEG_EOF,
	SEG_GAP,
};

struct seg {
	uint8_t op;
	uint8_t dir;
	uint32_t off;	/* data: offset in its direction's stream */
	uint32_t len;
};

/* Where a direction is in its events. */
enum dir_state {
	DS_IDLE = 0,	/* between messages */
	DS_BEGUN,	/* start line read */
	DS_BODY,	/* headers complete, body (if any) under way */
	DS_DEAD,	/* on_error or on_tunnel: nothing more may come */
};

struct run {
	struct fuzz_hash hash;
	uint8_t state[2];
	uint8_t errors[2];
	uint8_t body_run;	/* 1 + dir of the body bytes being hashed as one run, or 0 */
	uint64_t delivered[2];	/* body bytes of the current message */
};

static void
check_msg_strings(struct fuzz_hash *fh, const struct app_http_msg *m)
{
	fuzz_hash_str(fh, m->method, sizeof(m->method));
	fuzz_hash_str(fh, m->url, sizeof(m->url));
	fuzz_hash_str(fh, m->host, sizeof(m->host));
	fuzz_hash_str(fh, m->content_type, sizeof(m->content_type));
	fuzz_hash_str(fh, m->content_encoding, sizeof(m->content_encoding));
	fuzz_hash_str(fh, m->transfer_encoding, sizeof(m->transfer_encoding));
	fuzz_hash_str(fh, m->content_disposition, sizeof(m->content_disposition));
	fuzz_hash_str(fh, m->expect, sizeof(m->expect));
	fuzz_hash_str(fh, m->connection, sizeof(m->connection));
}

/* An event other than body bytes: ends the current run of body bytes. */
static void
event(struct run *r, char tag, const struct app_http_msg *m)
{
	FUZZ_CHECK(m != NULL);
	FUZZ_CHECK(m->dir <= 1);
	FUZZ_CHECK(r->state[m->dir] != DS_DEAD);
	r->body_run = 0;
	fuzz_hash_put(&r->hash, &tag, 1);
	fuzz_hash_put(&r->hash, &m->dir, 1);
}

static void
on_begin(void *cookie, const struct app_http_msg *m)
{
	struct run *r = cookie;

	event(r, 'B', m);
	FUZZ_CHECK(r->state[m->dir] == DS_IDLE);
	r->state[m->dir] = DS_BEGUN;
	r->delivered[m->dir] = 0;
	FUZZ_CHECK(m->body_offset == 0);
	fuzz_hash_u64(&r->hash, m->status);
	fuzz_hash_u64(&r->hash, m->version);
	fuzz_hash_u64(&r->hash, m->method_id);
	fuzz_hash_u64(&r->hash, m->txn);
	check_msg_strings(&r->hash, m);
}

static void
on_headers(void *cookie, const struct app_http_msg *m)
{
	struct run *r = cookie;

	event(r, 'H', m);
	FUZZ_CHECK(r->state[m->dir] == DS_BEGUN);
	r->state[m->dir] = DS_BODY;
	FUZZ_CHECK(m->body <= APP_HTTP_BODY_TUNNEL);
	fuzz_hash_u64(&r->hash, m->body);
	fuzz_hash_u64(&r->hash, m->flags);
	fuzz_hash_u64(&r->hash, m->truncated);
	fuzz_hash_u64(&r->hash, m->header_count);
	fuzz_hash_u64(&r->hash, m->header_bytes);
	fuzz_hash_u64(&r->hash, (m->flags & APP_HTTP_MSG_HAS_CL) ? m->content_length : 0);
	check_msg_strings(&r->hash, m);
}

static void
on_body(void *cookie, const struct app_http_msg *m, const uint8_t *p, size_t n)
{
	struct run *r = cookie;

	FUZZ_CHECK(m != NULL && m->dir <= 1);
	FUZZ_CHECK(r->state[m->dir] == DS_BODY);
	FUZZ_CHECK(m->body != APP_HTTP_BODY_NONE && m->body != APP_HTTP_BODY_TUNNEL);
	FUZZ_CHECK(p != NULL || n == 0);
	FUZZ_CHECK(m->body_offset == r->delivered[m->dir]);
	r->delivered[m->dir] += n;
	if (m->body == APP_HTTP_BODY_LENGTH)
		FUZZ_CHECK(r->delivered[m->dir] <= m->content_length);
	/* Body bytes hash as one run per message, however many calls bring them. */
	if (r->body_run != 1 + m->dir) {
		r->body_run = (uint8_t)(1 + m->dir);
		fuzz_hash_put(&r->hash, "D", 1);
		fuzz_hash_put(&r->hash, &m->dir, 1);
	}
	if (n > 0)
		fuzz_hash_put(&r->hash, p, n);
}

static void
on_complete(void *cookie, const struct app_http_msg *m)
{
	struct run *r = cookie;

	event(r, 'C', m);
	FUZZ_CHECK(r->state[m->dir] == DS_BODY);
	r->state[m->dir] = DS_IDLE;
	FUZZ_CHECK(m->body_offset == r->delivered[m->dir]);
	if (m->body == APP_HTTP_BODY_LENGTH)
		FUZZ_CHECK(r->delivered[m->dir] == m->content_length);
	fuzz_hash_u64(&r->hash, m->body_offset);
	fuzz_hash_u64(&r->hash, m->flags);
}

static void
on_tunnel(void *cookie, const struct app_http_msg *m)
{
	struct run *r = cookie;

	event(r, 'T', m);
	FUZZ_CHECK(r->state[m->dir] == DS_IDLE);
	r->state[m->dir] = DS_DEAD;
}

static void
on_error(void *cookie, const struct app_http_msg *m, enum app_http_err err)
{
	struct run *r = cookie;

	event(r, 'E', m);
	FUZZ_CHECK(err > APP_HTTP_ERR_NONE && err < APP_HTTP_ERR_COUNT);
	FUZZ_CHECK(r->errors[m->dir]++ == 0);
	r->state[m->dir] = DS_DEAD;
	fuzz_hash_u64(&r->hash, err);
	FUZZ_CHECK(strcmp(app_http_err_name(err), "unknown") != 0);
}

static void
on_anomaly(void *cookie, const struct app_http_msg *m, enum app_http_anom anom)
{
	struct run *r = cookie;

	event(r, 'A', m);
	FUZZ_CHECK((unsigned int)anom < APP_HTTP_ANOM_COUNT);
	fuzz_hash_u64(&r->hash, anom);
	FUZZ_CHECK(strcmp(app_http_anom_name(anom), "unknown") != 0);
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

static void
conf_pick(struct app_http_conf *conf, uint8_t sel)
{
	app_http_conf_default(conf);
	if (sel == 1) {
		conf->max_line = 64;
		conf->max_headers = 8;
		conf->max_header_bytes = 512;
	} else if (sel == 2) {
		conf->max_line = 8;
		conf->max_headers = 2;
		conf->max_header_bytes = 40;
	}
}

/* Feed one data segment, whole (rng NULL) or cut into pieces. */
static void
feed_seg(struct app_http_parser *h, const uint8_t *p, size_t n, struct fuzz_rng *rng)
{
	while (n > 0) {
		size_t k = rng != NULL ? fuzz_piece(rng, n) : n;
		uint8_t *c = fuzz_dup(p, k);
		enum app_http_mode mode = app_http_feed(h, c, k);

		FUZZ_CHECK(mode == app_http_mode(h));
		free(c);
		p += k;
		n -= k;
	}
}

static struct app_http_conn conn;
static struct seg segs[SEG_MAX];

static uint64_t
run_schedule(const struct app_http_conf *conf, const uint8_t *stream[2], size_t nseg,
	     struct fuzz_rng *cuts, bool end_both, struct run *r)
{
	size_t i;
	uint8_t d;

	memset(r, 0, sizeof(*r));
	fuzz_hash_init(&r->hash);
	FUZZ_CHECK(app_http_conn_init(&conn, conf, &callbacks, r) == 0);
	for (i = 0; i < nseg; i++) {
		struct app_http_parser *h = &conn.dir[segs[i].dir];

		if (segs[i].op == SEG_EOF)
			app_http_eof(h);
		else if (segs[i].op == SEG_GAP)
			app_http_gap(h);
		else
			feed_seg(h, stream[segs[i].dir] + segs[i].off, segs[i].len, cuts);
		/* The mode after each segment is part of what must not depend on the cuts. */
		fuzz_hash_u64(&r->hash, app_http_mode(h));
	}
	if (end_both) {
		for (d = 0; d < 2; d++) {
			app_http_eof(&conn.dir[d]);
			app_http_eof(&conn.dir[d]);	/* a second call does nothing */
			FUZZ_CHECK(app_http_mode(&conn.dir[d]) != APP_HTTP_MODE_HTTP);
		}
	}
	for (d = 0; d < 2; d++) {
		const struct app_http_stats *st = &conn.dir[d].stats;

		FUZZ_CHECK(st->errors == r->errors[d]);
		FUZZ_CHECK(st->completed <= st->messages);
		fuzz_hash_u64(&r->hash, st->messages);
		fuzz_hash_u64(&r->hash, st->completed);
		fuzz_hash_u64(&r->hash, st->body_bytes);
		fuzz_hash_u64(&r->hash, conn.dir[d].err);
	}
	return r->hash.h ^ (r->hash.n << 48);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_http_conf conf;
	struct fuzz_rng rng, cuts;
	const uint8_t *stream[2];
	size_t len[2], pos[2] = { 0, 0 }, nseg = 0;
	uint8_t flags, seed, pending[4];
	struct run a, b;
	uint64_t ha, hb;

	if (size < 4)
		return 0;
	flags = data[0];
	seed = data[1];
	fuzz_rng_seed(&rng, seed);
	len[0] = fuzz_le16(data + 2);
	data += 4;
	size -= 4;
	if (len[0] > size)
		len[0] = size;
	len[1] = size - len[0];
	stream[0] = data;
	stream[1] = data + len[0];
	conf_pick(&conf, flags & 3);
	/* eof request, eof response, gap request, gap response: each at most once */
	pending[0] = (flags >> 2) & 1;
	pending[1] = (flags >> 3) & 1;
	pending[2] = (flags >> 4) & 1;
	pending[3] = (flags >> 5) & 1;

	while ((pos[0] < len[0] || pos[1] < len[1]) && nseg < SEG_MAX - 5) {
		uint8_t d;
		size_t k;

		if (pos[0] < len[0] && pos[1] < len[1])
			d = (uint8_t)fuzz_rng_below(&rng, 2);
		else
			d = pos[0] < len[0] ? 0 : 1;
		k = fuzz_piece(&rng, len[d] - pos[d]);
		segs[nseg++] = (struct seg){ SEG_DATA, d, (uint32_t)pos[d], (uint32_t)k };
		pos[d] += k;
		for (k = 0; k < 4; k++) {
			if (pending[k] && fuzz_rng_below(&rng, 8) == 0) {
				pending[k] = 0;
				segs[nseg++] = (struct seg){ k < 2 ? SEG_EOF : SEG_GAP,
							     (uint8_t)(k & 1), 0, 0 };
			}
		}
	}
	/* A schedule cut short by SEG_MAX ends with the rest of each stream whole. */
	for (uint8_t d = 0; d < 2; d++) {
		if (pos[d] < len[d])
			segs[nseg++] = (struct seg){ SEG_DATA, d, (uint32_t)pos[d],
						     (uint32_t)(len[d] - pos[d]) };
	}

	ha = run_schedule(&conf, stream, nseg, NULL, flags & 0x40, &a);
	fuzz_rng_seed(&cuts, ((uint64_t)seed << 32) ^ size ^ 0x5a5a);
	hb = run_schedule(&conf, stream, nseg, &cuts, flags & 0x40, &b);
	FUZZ_CHECK(ha == hb);
	return 0;
}
