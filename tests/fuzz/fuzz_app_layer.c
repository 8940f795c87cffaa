/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the whole application layer (dataplane/app_layer.h): HTTP or SMTP
 * parsing, content codings, MIME parts, transfer and text decoding, base64 values inside
 * form and JSON text, down to the sink the worker implements over its sensor streams.
 *
 * Input:  byte 0   flags: bit 0 SMTP (else HTTP), bit 1 small header limits, bit 2
 *                  max_decoded 512, bit 3 base64_min 4 (else 24), bit 4 decode_memcap
 *                  1 MiB (else 4 MiB), bit 5 the sink refuses some level-0 buffers, bit 6
 *                  some level-1 buffers, bit 7 both directions end (eof) before finish
 *         byte 1   seed of the cuts
 *         then records: a control word (2 bytes, little endian: bit 15 the direction,
 *         1 = server to client; bit 14 an event with no bytes: bit 0 set a gap, else an
 *         eof; otherwise bits 0-13 the length) and that many bytes (clipped).
 *
 * One flow is attached, fed the records (each in one call, as reassembly hands over
 * in-order bytes), finished and detached; then the same again with every record cut into
 * random pieces (each piece in a block of its own size, so a read past it is caught).
 * The sink records nothing but checks, aborting on failure:
 *   - data, close and cover arrive only for an open buffer of that direction and level;
 *     a level-1 buffer (a base64 value) opens and closes inside an open level-0 buffer;
 *     paths are NUL terminated within DLP_PATH_LEN; cover ranges are ordered and lie
 *     within the bytes fed so far;
 *   - after app_layer_finish no buffer is open, and after app_layer_detach the
 *     decompressors' pool holds no byte;
 *   - each anomaly kind comes at most once per flow direction (app_layer_types.h);
 *   - metadata strings are NUL terminated;
 *   - unless a body could not be decoded (a decode anomaly: libbrotli drops what the last
 *     slice of a corrupt stream decoded to, decode_comp.h), both runs open the same
 *     buffers with the same paths and bytes, and report the same transactions.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_layer.h"
#include "app_layer_priv.h"
#include "decode_pool.h"
#include "dlp_types.h"
#include "fuzz_common.h"

struct sink_state {
	struct fuzz_hash hash;		/* events in order, each buffer's bytes as a digest */
	struct fuzz_hash content[2][2];	/* bytes of the open buffer, by direction, level */
	bool open[2][2];
	uint8_t anomalies[2];		/* bit per kind, by direction */
	bool decode_anomaly;
	uint8_t refuse;			/* flags bits 5-6 */
	uint32_t opens;
	uint64_t fed_end[2];		/* raw stream offset after the bytes fed so far */
	uint64_t cover_end[2];
	uint64_t covered[2];
};

static int
s_open(void *cookie, uint8_t dir, uint8_t level, const char *path)
{
	struct sink_state *s = cookie;
	size_t plen;
	bool refuse;

	FUZZ_CHECK(dir <= 1 && level <= 1);
	FUZZ_CHECK(!s->open[dir][level]);
	if (level == 1)
		FUZZ_CHECK(s->open[dir][0]);
	FUZZ_CHECK(path != NULL);
	plen = strnlen(path, DLP_PATH_LEN);
	FUZZ_CHECK(plen < DLP_PATH_LEN);
	/* Refusals depend on the order of opens only, never on the cuts. */
	s->opens++;
	refuse = (s->refuse & (level == 0 ? 0x20 : 0x40)) && s->opens % 3 == 0;
	fuzz_hash_put(&s->hash, refuse ? "R" : "O", 1);
	fuzz_hash_put(&s->hash, &dir, 1);
	fuzz_hash_put(&s->hash, &level, 1);
	fuzz_hash_put(&s->hash, path, plen);
	if (refuse)
		return -1;
	s->open[dir][level] = true;
	fuzz_hash_init(&s->content[dir][level]);
	return 0;
}

static void
s_data(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p, size_t n)
{
	struct sink_state *s = cookie;

	FUZZ_CHECK(dir <= 1 && level <= 1);
	FUZZ_CHECK(s->open[dir][level]);
	FUZZ_CHECK(p != NULL || n == 0);
	fuzz_hash_put(&s->content[dir][level], p, n);
}

static void
s_close(void *cookie, uint8_t dir, uint8_t level)
{
	struct sink_state *s = cookie;

	FUZZ_CHECK(dir <= 1 && level <= 1);
	FUZZ_CHECK(s->open[dir][level]);
	if (level == 0)
		FUZZ_CHECK(!s->open[dir][1]);
	s->open[dir][level] = false;
	fuzz_hash_put(&s->hash, "C", 1);
	fuzz_hash_put(&s->hash, &dir, 1);
	fuzz_hash_put(&s->hash, &level, 1);
	fuzz_hash_u64(&s->hash, s->content[dir][level].h);
	fuzz_hash_u64(&s->hash, s->content[dir][level].n);
}

static void
s_cover(void *cookie, uint8_t dir, uint64_t start, uint64_t end)
{
	struct sink_state *s = cookie;

	FUZZ_CHECK(dir <= 1);
	FUZZ_CHECK(s->open[dir][0]);
	FUZZ_CHECK(start <= end);
	FUZZ_CHECK(start >= s->cover_end[dir]);
	FUZZ_CHECK(end <= s->fed_end[dir]);
	s->cover_end[dir] = end;
	s->covered[dir] += end - start;
}

static void
s_anomaly(void *cookie, uint8_t dir, enum app_layer_anom kind)
{
	struct sink_state *s = cookie;

	FUZZ_CHECK(dir <= 1);
	FUZZ_CHECK(kind == APP_LAYER_ANOM_LIMIT || kind == APP_LAYER_ANOM_DECODE);
	FUZZ_CHECK(!(s->anomalies[dir] & (1u << kind)));
	s->anomalies[dir] |= (uint8_t)(1u << kind);
	if (kind == APP_LAYER_ANOM_DECODE)
		s->decode_anomaly = true;
	fuzz_hash_put(&s->hash, "A", 1);
	fuzz_hash_put(&s->hash, &dir, 1);
	fuzz_hash_u64(&s->hash, kind);
}

static void
hash_meta(struct fuzz_hash *fh, const struct app_meta *m)
{
	uint32_t i;

	FUZZ_CHECK(m->kind <= APP_META_SMTP);
	fuzz_hash_u64(fh, m->kind);
	if (m->kind == APP_META_HTTP) {
		fuzz_hash_str(fh, m->http.hostname, sizeof(m->http.hostname));
		fuzz_hash_str(fh, m->http.url, sizeof(m->http.url));
		fuzz_hash_str(fh, m->http.method, sizeof(m->http.method));
		fuzz_hash_str(fh, m->http.content_type, sizeof(m->http.content_type));
		fuzz_hash_u64(fh, m->http.status);
	} else if (m->kind == APP_META_SMTP) {
		FUZZ_CHECK(m->smtp.nrcpt <= APP_META_RCPT);
		FUZZ_CHECK(m->smtp.nattach <= APP_META_ATTACH);
		fuzz_hash_str(fh, m->smtp.helo, sizeof(m->smtp.helo));
		fuzz_hash_str(fh, m->smtp.mail_from, sizeof(m->smtp.mail_from));
		for (i = 0; i < m->smtp.nrcpt; i++)
			fuzz_hash_str(fh, m->smtp.rcpt_to[i], sizeof(m->smtp.rcpt_to[i]));
		for (i = 0; i < m->smtp.nattach; i++)
			fuzz_hash_str(fh, m->smtp.attachments[i], sizeof(m->smtp.attachments[i]));
		fuzz_hash_u64(fh, m->smtp.starttls);
		fuzz_hash_u64(fh, m->smtp.rcpt_total);
		fuzz_hash_u64(fh, m->smtp.attach_total);
	}
}

static void
s_txn(void *cookie, uint8_t dir, const struct app_meta *meta)
{
	struct sink_state *s = cookie;

	FUZZ_CHECK(dir <= 1 && meta != NULL);
	fuzz_hash_put(&s->hash, "T", 1);
	fuzz_hash_put(&s->hash, &dir, 1);
	hash_meta(&s->hash, meta);
}

static const struct app_layer_sink sink = {
	.open = s_open,
	.data = s_data,
	.close = s_close,
	.cover = s_cover,
	.anomaly = s_anomaly,
	.txn = s_txn,
};

static void
run(struct app_layer *al, uint8_t flags, const uint8_t *data, size_t size, struct fuzz_rng *cuts,
    struct sink_state *s)
{
	uint64_t flows = app_layer_stats(al)->flows;
	struct app_flow *af;
	struct app_meta meta;
	size_t pos = 0;
	uint8_t d;

	memset(s, 0, sizeof(*s));
	fuzz_hash_init(&s->hash);
	s->refuse = flags;
	af = app_layer_attach(al, (flags & 1) ? APP_LAYER_SMTP : APP_LAYER_HTTP);
	FUZZ_CHECK(af != NULL);
	while (pos + 2 <= size) {
		uint16_t w = fuzz_le16(data + pos);
		uint8_t dir = w >> 15;
		size_t n = w & 0x3fff, done = 0;

		pos += 2;
		if (w & 0x4000) {
			if (w & 1) {
				app_layer_gap(al, af, dir, &sink, s);
				s->fed_end[dir] += 1000;	/* the bytes lost */
			} else {
				app_layer_eof(al, af, dir, &sink, s);
			}
			continue;
		}
		if (n > size - pos)
			n = size - pos;
		while (done < n) {
			size_t k = cuts != NULL ? fuzz_piece(cuts, n - done) : n - done;
			uint8_t *c = fuzz_dup(data + pos + done, k);
			uint64_t off = s->fed_end[dir];

			s->fed_end[dir] += k;
			app_layer_data(al, af, dir, c, (uint32_t)k, off, &sink, s);
			free(c);
			done += k;
		}
		pos += n;
	}
	if (flags & 0x80) {
		app_layer_eof(al, af, 0, &sink, s);
		app_layer_eof(al, af, 1, &sink, s);
	}
	app_layer_finish(al, af, &sink, s);
	for (d = 0; d < 2; d++) {
		FUZZ_CHECK(!s->open[d][0] && !s->open[d][1]);
		app_layer_meta(af, d, &meta);
		hash_meta(&s->hash, &meta);
		fuzz_hash_u64(&s->hash, s->covered[d]);
	}
	app_layer_detach(al, af);
	/* Everything given back: the pool is one free block again (check() merges free
	 * neighbours), and the next input starts from the same state as a new layer. */
	FUZZ_CHECK(decode_pool_in_use(&al->pool) == 0);
	FUZZ_CHECK(decode_pool_check(&al->pool) == 0);
	FUZZ_CHECK(al->free == af && af->next_free == NULL);
	FUZZ_CHECK(app_layer_stats(al)->flows == flows + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_app conf = {
		.enabled = 1,
		.max_flows = 1,
		.decode_memcap = 4u << 20,
		.max_decoded = 64u << 10,
		.max_ratio = 100,
		.max_header_line = 8192,
		.max_headers = 64,
		.base64_min = 24,
	};
	/* One layer per configuration, made once: creating one per input (a 4 MiB pool under
	 * AddressSanitizer) would cost more than the parsing; run() checks that each input
	 * leaves the layer as it found it. */
	static struct app_layer *layers[16];
	static struct sink_state a, b;
	struct fuzz_rng cuts;
	uint8_t flags, ci;
	char err[256];

	if (size < 2)
		return 0;
	flags = data[0];
	ci = (flags >> 1) & 15;
	if (flags & 0x02) {
		conf.max_header_line = 128;
		conf.max_headers = 4;
	}
	if (flags & 0x04)
		conf.max_decoded = 512;
	if (flags & 0x08)
		conf.base64_min = 4;
	if (flags & 0x10)
		conf.decode_memcap = 1u << 20;
	if (layers[ci] == NULL) {
		layers[ci] = app_layer_create(&conf, err, sizeof(err));
		FUZZ_CHECK(layers[ci] != NULL);
	}
	fuzz_rng_seed(&cuts, data[1] ^ ((uint64_t)size << 8));
	run(layers[ci], flags, data + 2, size - 2, NULL, &a);
	run(layers[ci], flags, data + 2, size - 2, &cuts, &b);
	if (!a.decode_anomaly && !b.decode_anomaly) {
		FUZZ_CHECK(a.hash.n == b.hash.n);
		FUZZ_CHECK(a.hash.h == b.hash.h);
	}
	return 0;
}
