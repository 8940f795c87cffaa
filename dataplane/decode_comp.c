/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming Content-Encoding decoders for HTTP bodies (RFC 9110 8.4.1): gzip (RFC 1952,
 * any number of members), deflate (RFC 9110 8.4.1.2 names the zlib format of RFC 1950,
 * but servers also send raw RFC 1951: told apart by the first two bytes), br (RFC 7932,
 * libbrotli) and zstd (RFC 8878 frames, RFC 9659 for HTTP; libzstd).
 *
 * The body arrives in pieces cut anywhere (TCP segments, chunks); each piece is run
 * through the library until it is consumed, and the decoded bytes go to the caller's
 * callback through one small buffer (conf.out_chunk bytes) whenever it fills and at the
 * end of each piece, so nothing decoded waits for the next segment:
 *
 *   feed(p, n) --> library --> buf [out_chunk] --full / end of feed--> emit()
 *                    ^ allocator hooks: pool                      | limits: out_max,
 *                                                                 | ratio_max vs head in
 *                                          next stage's feed() <--+--> out(cookie, p, n)
 *
 * emit() enforces the limits before delivering, so a bomb costs at most one buffer of
 * work past the limit: it delivers exactly up to the limit and stops (CAP or BOMB). The
 * ratio compares a stage's output with the encoded bytes the chain's first stage has
 * consumed (head), so stacked codings cannot multiply their ratios.
 *
 * Memory: every library allocation goes through hooks into the caller's per-worker pool
 * (decode_pool.c), charged to the decoder (stats.mem) and bounded by conf.mem_max. A
 * refused allocation makes the library fail, reported as DECODE_COMP_ENOMEM. What one
 * decoder holds (test_decode_comp_mem prints it; x86-64, zlib 1.2.13, brotli 1.0.9,
 * zstd 1.5.4, out_chunk 4096, pool headers included):
 *   gzip, deflate  11 KiB at init: z_stream, inflate state (~7 KiB), output buffer;
 *                  + the 32 KiB window at the first call that outputs without ending
 *                  the stream: 43 KiB from then on, whatever the body.
 *   br             9 KiB at init; a ring buffer that grows with the output up to the
 *                  window the stream declares (<= 16 MiB, RFC 7932; large windows are
 *                  refused), old and new side by side while it grows (1.5 times for a
 *                  moment), plus Huffman tables and context maps per meta-block. Seen:
 *                  97 KiB for a 64 KiB body (window 4 MiB); 16.02 MiB for a stream whose
 *                  first meta-block declares 16 MiB (the hostile case).
 *   zstd           98 KiB at init (the context); per frame an input buffer of one block
 *                  (<= 128 KiB) and an output buffer of the content size, or of the
 *                  window plus a block when the frame does not say its size. Seen:
 *                  226 KiB for a 64 KiB body; 8.5 MiB for a frame declaring the largest
 *                  window allowed (zstd_window_log_max 23: 8 MiB, RFC 9659's limit).
 * The caller sizes the pool from these and its count of concurrent compressed bodies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ZLIB_CONST
#include <zlib.h>
#include <brotli/decode.h>
#define ZSTD_STATIC_LINKING_ONLY	/* ZSTD_createDStream_advanced, ZSTD_customMem */
#include <zstd.h>
#include <zstd_errors.h>

#include "decode_comp.h"
#include "decode_pool.h"

/* Stream states (struct decode_comp.state). */
enum {
	ST_START = 0,	/* nothing fed yet */
	ST_DETECT,	/* deflate: holding the first byte to tell zlib from raw */
	ST_BODY,	/* inside a member, frame or stream */
	ST_BETWEEN,	/* gzip, zstd: a member or frame ended; another may follow */
	ST_DONE,	/* deflate, br: the stream ended; any more bytes are trailing */
	ST_TRAILING,	/* ignoring what follows the end */
};

/* What a library run stopped on, besides consuming all its input (0) or an error (< 0). */
#define RUN_END		1	/* a member, frame or stream ended; input may remain */
#define RUN_TRAILING	2	/* what follows a complete member is not a member */

/* Library calls in a row that move no byte before the decoder gives up (never seen). */
#define NO_PROGRESS_MAX	4

/* zlib counts in uInt: feed it at most this much per call. */
#define ZLIB_SLICE	(1u << 30)

/*
 * libbrotli pushes out what it decoded only when it needs more input or output; when it
 * fails, what it decoded in that call and not yet written is gone. Feeding it slices of
 * this many bytes bounds that loss to what one slice decodes to (at 256 the cost in speed
 * does not show; at 64 it is about 20 %).
 */
#define BR_SLICE	256

/*
 * libzstd updates the buffers' positions only when a call returns without error, so
 * output flushed in a call that then fails is lost. Each call is therefore given at most
 * the input that completes the current block (its hint minus the next block header it
 * asks for ahead), and none while output is still pending: a call that fails has
 * flushed nothing. A frame starts with the bytes that tell its header size.
 */
#define ZSTD_BLOCK_HDR	3	/* RFC 8878 3.1.1.2 Block_Header */
#define ZSTD_START	5	/* ZSTD_FRAMEHEADERSIZE_PREFIX(ZSTD_f_zstd1) */

/* ------------------------------------------------------------------------------------ */
/* Memory: the pool, charged to the decoder, bounded by conf.mem_max. */

static void *
mem_alloc(struct decode_comp *d, size_t n)
{
	void *p = decode_pool_alloc(d->pool, n);
	size_t sz;

	if (p == NULL)
		return NULL;
	sz = decode_pool_size_of(p);
	if (d->conf.mem_max != 0 && sz > d->conf.mem_max - d->stats.mem) {
		decode_pool_free(d->pool, p);
		d->stats.flags |= DECODE_COMP_F_MEM_MAX;
		return NULL;
	}
	d->stats.mem += sz;
	if (d->stats.mem > d->stats.mem_peak)
		d->stats.mem_peak = d->stats.mem;
	return p;
}

static void
mem_free(struct decode_comp *d, void *p)
{
	if (p == NULL)
		return;
	d->stats.mem -= decode_pool_size_of(p);
	decode_pool_free(d->pool, p);
}

static voidpf
zlib_alloc(voidpf opaque, uInt items, uInt size)
{
	if (size != 0 && items > SIZE_MAX / size)
		return Z_NULL;
	return mem_alloc(opaque, (size_t)items * size);
}

static void
zlib_free(voidpf opaque, voidpf p)
{
	mem_free(opaque, p);
}

static void *
lib_alloc(void *opaque, size_t size)
{
	return mem_alloc(opaque, size);
}

static void
lib_free(void *opaque, void *p)
{
	mem_free(opaque, p);
}

/* ------------------------------------------------------------------------------------ */
/* Errors, limits and output. */

static const uint16_t err_flag[] = {
	[-DECODE_COMP_ENOMEM] = DECODE_COMP_F_ENOMEM,
	[-DECODE_COMP_CORRUPT] = DECODE_COMP_F_CORRUPT,
	[-DECODE_COMP_CAP] = DECODE_COMP_F_CAP,
	[-DECODE_COMP_BOMB] = DECODE_COMP_F_BOMB,
	[-DECODE_COMP_WINDOW] = DECODE_COMP_F_WINDOW,
};

/* Stop the decoder on its own error err (negative); returns err. */
static int
set_err(struct decode_comp *d, int err)
{
	if (d->stats.err == 0)
		d->stats.err = (int16_t)err;
	if (-err < (int)(sizeof(err_flag) / sizeof(err_flag[0])))
		d->stats.flags |= err_flag[-err];
	return err;
}

/*
 * Decoded bytes the limits still allow; *which says which limit that is. The ratio
 * counts from the encoded bytes the chain's first stage consumed.
 */
static uint64_t
out_room(const struct decode_comp *d, int *which)
{
	uint64_t limit = UINT64_MAX, in, allowed;

	*which = DECODE_COMP_CAP;
	if (d->conf.out_max != 0)
		limit = d->conf.out_max;
	if (d->conf.ratio_max != 0) {
		in = d->head->stats.in_bytes;
		allowed = in > UINT64_MAX / d->conf.ratio_max ? UINT64_MAX :
			in * d->conf.ratio_max;
		if (allowed < d->conf.ratio_grace)
			allowed = d->conf.ratio_grace;
		if (allowed < limit) {
			limit = allowed;
			*which = DECODE_COMP_BOMB;
		}
	}
	return d->stats.out_bytes >= limit ? 0 : limit - d->stats.out_bytes;
}

/*
 * Deliver the decoded bytes in buf, as many as the limits allow. Returns 0, the limit's
 * error when it cut the delivery (this decoder stops), or the next stage's error.
 */
static int
emit(struct decode_comp *d)
{
	uint64_t room;
	size_t n = d->buf_len;
	int which, rc = 0;

	if (n == 0)
		return 0;
	d->buf_len = 0;
	room = out_room(d, &which);
	if (n <= room)
		which = 0;
	else
		n = (size_t)room;
	if (n > 0) {
		d->stats.out_bytes += n;
		if (d->next != NULL)
			rc = decode_comp_feed(d->next, d->buf, n);
		else
			d->out(d->cookie, d->buf, n);
	}
	if (rc != 0)
		return rc;
	return which != 0 ? set_err(d, which) : 0;
}

/* The library failed with err: deliver what it decoded before, then stop. */
static int
lib_fail(struct decode_comp *d, int err)
{
	int rc = emit(d);

	return rc != 0 ? rc : set_err(d, err);
}

/* Make room in buf when it is full; the callers loop on the library after it. */
static int
drain_full(struct decode_comp *d)
{
	return d->buf_len == d->conf.out_chunk ? emit(d) : 0;
}

/* Guard against a library call that moves nothing forever; returns 0 or an error. */
static int
progress(struct decode_comp *d, size_t moved)
{
	if (moved != 0) {
		d->no_progress = 0;
		return 0;
	}
	if (++d->no_progress < NO_PROGRESS_MAX)
		return 0;
	return lib_fail(d, DECODE_COMP_CORRUPT);
}

/* ------------------------------------------------------------------------------------ */
/* gzip and deflate: zlib. */

/* RFC 1950 2.2: CM 8, CINFO <= 7, FCHECK, and no preset dictionary (HTTP has none). */
static bool
zlib_header(uint8_t cmf, uint8_t flg)
{
	return (cmf & 0x0f) == 8 && (cmf >> 4) <= 7 && ((cmf << 8) | flg) % 31 == 0 &&
	       !(flg & 0x20);
}

/* Inflate *pp[0..*pn) until it is consumed or the member / stream ends. */
static int
zlib_run(struct decode_comp *d, const uint8_t **pp, size_t *pn)
{
	z_stream *z = d->lib;
	uInt take, room;
	size_t used, made;
	int ret, rc;

	for (;;) {
		if ((rc = drain_full(d)) != 0)
			return rc;
		take = *pn > ZLIB_SLICE ? ZLIB_SLICE : (uInt)*pn;
		room = d->conf.out_chunk - d->buf_len;
		z->next_in = *pp;
		z->avail_in = take;
		z->next_out = d->buf + d->buf_len;
		z->avail_out = room;
		ret = inflate(z, Z_SYNC_FLUSH);
		used = take - z->avail_in;
		made = room - z->avail_out;
		*pp += used;
		*pn -= used;
		d->stats.in_bytes += used;
		d->buf_len += made;

		switch (ret) {
		case Z_STREAM_END:
			d->stats.members++;
			return RUN_END;
		case Z_OK:
		case Z_BUF_ERROR:
			break;
		case Z_MEM_ERROR:
			return lib_fail(d, DECODE_COMP_ENOMEM);
		case Z_DATA_ERROR:
			/* A second member that does not start with the gzip magic: trailing. */
			if (d->coding == DECODE_COMP_GZIP && d->stats.members > 0 &&
			    z->total_in <= 2) {
				d->stats.in_bytes -= z->total_in;
				d->stats.ignored_bytes += z->total_in;
				return RUN_TRAILING;
			}
			return lib_fail(d, DECODE_COMP_CORRUPT);
		default:	/* Z_NEED_DICT (excluded by zlib_header), Z_STREAM_ERROR */
			return lib_fail(d, DECODE_COMP_CORRUPT);
		}
		if (d->buf_len == d->conf.out_chunk)
			continue;
		if (*pn == 0)
			return 0;
		if ((rc = progress(d, used + made)) != 0)
			return rc;
	}
}

static int
zlib_feed(struct decode_comp *d, const uint8_t **pp, size_t *pn)
{
	z_stream *z = d->lib;
	const uint8_t *hp;
	size_t hn;
	bool raw;
	int rc;

	if (d->coding == DECODE_COMP_GZIP) {
		if (d->state == ST_BETWEEN && inflateReset(z) != Z_OK)
			return lib_fail(d, DECODE_COMP_CORRUPT);
		d->state = ST_BODY;
		return zlib_run(d, pp, pn);
	}
	if (d->state != ST_BODY) {
		/* Two bytes tell a zlib header from raw deflate; hold the first if alone. */
		while (d->hdr_len < 2 && *pn > 0) {
			d->hdr[d->hdr_len++] = **pp;
			(*pp)++;
			(*pn)--;
		}
		d->state = ST_DETECT;
		if (d->hdr_len < 2)
			return 0;
		raw = !zlib_header(d->hdr[0], d->hdr[1]);
		if (inflateReset2(z, raw ? -MAX_WBITS : MAX_WBITS) != Z_OK)
			return lib_fail(d, DECODE_COMP_CORRUPT);
		if (raw)
			d->stats.flags |= DECODE_COMP_F_RAW;
		d->state = ST_BODY;
		hp = d->hdr;
		hn = d->hdr_len;
		rc = zlib_run(d, &hp, &hn);
		if (rc == RUN_END && hn > 0) {
			/* The stream ended inside the two (no valid one can). */
			d->stats.ignored_bytes += hn;
			d->stats.flags |= DECODE_COMP_F_TRAILING;
		}
		if (rc != 0 || *pn == 0)
			return rc;
	}
	return zlib_run(d, pp, pn);
}

/* ------------------------------------------------------------------------------------ */
/* br: libbrotli. */

static int
br_error(BrotliDecoderErrorCode code)
{
	switch (code) {
	case BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES:
	case BROTLI_DECODER_ERROR_ALLOC_TREE_GROUPS:
	case BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MAP:
	case BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_1:
	case BROTLI_DECODER_ERROR_ALLOC_RING_BUFFER_2:
	case BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES:
		return DECODE_COMP_ENOMEM;
	default:
		return DECODE_COMP_CORRUPT;
	}
}

static int
br_feed(struct decode_comp *d, const uint8_t **pp, size_t *pn)
{
	BrotliDecoderState *s = d->lib;
	BrotliDecoderResult r;
	size_t take, avail_in, avail_out, room, used, made;
	uint8_t *next_out;
	int rc;

	d->state = ST_BODY;
	for (;;) {
		if ((rc = drain_full(d)) != 0)
			return rc;
		take = avail_in = *pn > BR_SLICE ? BR_SLICE : *pn;
		room = avail_out = d->conf.out_chunk - d->buf_len;
		next_out = d->buf + d->buf_len;
		r = BrotliDecoderDecompressStream(s, &avail_in, pp, &avail_out, &next_out, NULL);
		used = take - avail_in;
		made = room - avail_out;
		*pn -= used;
		d->stats.in_bytes += used;
		d->buf_len += made;

		switch (r) {
		case BROTLI_DECODER_RESULT_SUCCESS:
			d->stats.members++;
			return RUN_END;
		case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
			if (*pn != 0)
				break;
			/* libbrotli writes only what fits in the room it is given and keeps the
			 * rest of its ring buffer until the next call: deliver ours and ask
			 * again, so every byte decodable from the input so far comes out now
			 * (a stream cut short never gets a next call). */
			if (!BrotliDecoderHasMoreOutput(s) || (made == 0 && d->buf_len == 0))
				return 0;
			if ((rc = emit(d)) != 0)
				return rc;
			continue;
		case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
			break;
		default:
			return lib_fail(d, br_error(BrotliDecoderGetErrorCode(s)));
		}
		if (d->buf_len == d->conf.out_chunk)
			continue;
		if ((rc = progress(d, used + made)) != 0)
			return rc;
	}
}

/* ------------------------------------------------------------------------------------ */
/* zstd: libzstd. */

static int
zstd_run(struct decode_comp *d, const uint8_t **pp, size_t *pn)
{
	ZSTD_DStream *ds = d->lib;
	ZSTD_inBuffer in;
	ZSTD_outBuffer out;
	size_t ret, take;
	int rc;

	for (;;) {
		if ((rc = drain_full(d)) != 0)
			return rc;
		take = *pn;
		if (d->pending)
			take = 0;	/* let it flush first */
		else if (take > (d->in_limit != 0 ? d->in_limit : ZSTD_START))
			take = d->in_limit != 0 ? d->in_limit : ZSTD_START;
		in = (ZSTD_inBuffer){ .src = *pp, .size = take, .pos = 0 };
		out = (ZSTD_outBuffer){ .dst = d->buf + d->buf_len,
			.size = d->conf.out_chunk - d->buf_len, .pos = 0 };
		ret = ZSTD_decompressStream(ds, &out, &in);
		*pp += in.pos;
		*pn -= in.pos;
		d->stats.in_bytes += in.pos;
		d->buf_len += out.pos;

		if (ZSTD_isError(ret)) {
			switch (ZSTD_getErrorCode(ret)) {
			case ZSTD_error_prefix_unknown:
				/* Not a frame after a complete one: trailing. */
				if (d->stats.members == 0)
					return lib_fail(d, DECODE_COMP_CORRUPT);
				return RUN_TRAILING;
			case ZSTD_error_frameParameter_windowTooLarge:
				return lib_fail(d, DECODE_COMP_WINDOW);
			case ZSTD_error_memory_allocation:
				return lib_fail(d, DECODE_COMP_ENOMEM);
			default:
				return lib_fail(d, DECODE_COMP_CORRUPT);
			}
		}
		if (in.pos != 0)
			d->state = ST_BODY;
		d->pending = out.pos == out.size;
		if (ret == 0) {
			/* The frame is decoded and flushed. */
			d->stats.members++;
			d->in_limit = 0;
			d->pending = 0;
			return RUN_END;
		}
		d->in_limit = (uint32_t)ret;
		if (ZSTD_nextInputType(ds) == ZSTDnit_block && ret > ZSTD_BLOCK_HDR)
			d->in_limit -= ZSTD_BLOCK_HDR;
		if (d->pending)
			continue;
		if (*pn == 0)
			return 0;
		if ((rc = progress(d, in.pos + out.pos)) != 0)
			return rc;
	}
}

/*
 * A frame starts with a 4-byte magic number (RFC 8878 3.1.1). libzstd also decodes the
 * legacy formats of zstd before 1.0 (magics 0xFD2FB520..0xFD2FB527), but only when the
 * whole magic comes in one call, so whether such bytes decode would depend on how the
 * body was cut. HTTP's zstd is RFC 8878's (RFC 9659): the magic is held until whole;
 * anything but a zstd or skippable frame's magic, a legacy one included, is not a frame
 * (the first: corrupt; after a complete frame: trailing), and a frame's magic reaches
 * libzstd in one piece.
 */
static int
zstd_feed(struct decode_comp *d, const uint8_t **pp, size_t *pn)
{
	const uint8_t *hp;
	size_t hn;
	uint32_t magic;
	int rc;

	if (d->state != ST_START && d->state != ST_BETWEEN && d->hdr_len == 0)
		return zstd_run(d, pp, pn);
	while (d->hdr_len < 4 && *pn > 0) {
		d->hdr[d->hdr_len++] = **pp;
		(*pp)++;
		(*pn)--;
	}
	if (d->hdr_len < 4)
		return 0;
	magic = (uint32_t)d->hdr[0] | (uint32_t)d->hdr[1] << 8 | (uint32_t)d->hdr[2] << 16 |
		(uint32_t)d->hdr[3] << 24;
	if (magic != ZSTD_MAGICNUMBER && (magic & ZSTD_MAGIC_SKIPPABLE_MASK) !=
					    ZSTD_MAGIC_SKIPPABLE_START) {
		/* Not a frame (a legacy one included): corrupt first, trailing after one. */
		d->hdr_len = 0;
		if (d->stats.members == 0)
			return lib_fail(d, DECODE_COMP_CORRUPT);
		d->stats.ignored_bytes += 4;
		return RUN_TRAILING;
	}
	hp = d->hdr;
	hn = d->hdr_len;
	d->hdr_len = 0;
	rc = zstd_run(d, &hp, &hn);
	if (rc != 0) {
		if (rc == RUN_TRAILING)
			d->stats.ignored_bytes += hn;
		return rc;
	}
	return *pn > 0 ? zstd_run(d, pp, pn) : 0;
}

/* ------------------------------------------------------------------------------------ */
/* The API. */

void
decode_comp_conf_default(struct decode_comp_conf *conf)
{
	*conf = (struct decode_comp_conf){
		.out_max = DECODE_COMP_DEF_OUT_MAX,
		.ratio_max = DECODE_COMP_DEF_RATIO_MAX,
		.ratio_grace = DECODE_COMP_DEF_RATIO_GRACE,
		.mem_max = 0,
		.out_chunk = DECODE_COMP_DEF_OUT_CHUNK,
		.zstd_window_log_max = DECODE_COMP_DEF_ZSTD_WLOG,
	};
}

static int
lib_init(struct decode_comp *d)
{
	z_stream *z;
	BrotliDecoderState *s;
	ZSTD_DStream *ds;
	ZSTD_customMem cmem = { .customAlloc = lib_alloc, .customFree = lib_free, .opaque = d };

	switch (d->coding) {
	case DECODE_COMP_GZIP:
	case DECODE_COMP_DEFLATE:
		z = mem_alloc(d, sizeof(*z));
		if (z == NULL)
			return DECODE_COMP_ENOMEM;
		memset(z, 0, sizeof(*z));
		z->zalloc = zlib_alloc;
		z->zfree = zlib_free;
		z->opaque = d;
		/* deflate starts raw; the first two bytes may switch it to zlib. */
		if (inflateInit2(z, d->coding == DECODE_COMP_GZIP ? 16 + MAX_WBITS :
				 -MAX_WBITS) != Z_OK) {
			mem_free(d, z);
			return DECODE_COMP_ENOMEM;
		}
		d->lib = z;
		return 0;
	case DECODE_COMP_BR:
		s = BrotliDecoderCreateInstance(lib_alloc, lib_free, d);
		if (s == NULL)
			return DECODE_COMP_ENOMEM;
		d->lib = s;
		/* RFC 7932 windows only (<= 16 MiB); large-window streams are corrupt here. */
		if (!BrotliDecoderSetParameter(s, BROTLI_DECODER_PARAM_LARGE_WINDOW, 0))
			return DECODE_COMP_EINVAL;
		return 0;
	case DECODE_COMP_ZSTD:
		ds = ZSTD_createDStream_advanced(cmem);
		if (ds == NULL)
			return DECODE_COMP_ENOMEM;
		d->lib = ds;
		if (ZSTD_isError(ZSTD_DCtx_setParameter(ds, ZSTD_d_windowLogMax,
							d->conf.zstd_window_log_max)) ||
		    ZSTD_isError(ZSTD_DCtx_reset(ds, ZSTD_reset_session_only)))
			return DECODE_COMP_EINVAL;
		return 0;
	default:
		return DECODE_COMP_EINVAL;
	}
}

int
decode_comp_init(struct decode_comp *d, enum decode_comp_coding coding,
		 const struct decode_comp_conf *conf, struct decode_pool *pool,
		 decode_comp_out_fn out, void *cookie)
{
	int rc;

	if (d == NULL)
		return DECODE_COMP_EINVAL;
	memset(d, 0, sizeof(*d));
	if (conf == NULL || pool == NULL || out == NULL || coding == DECODE_COMP_IDENTITY ||
	    (unsigned)coding >= DECODE_COMP__COUNT ||
	    conf->out_chunk < DECODE_COMP_OUT_CHUNK_MIN ||
	    conf->out_chunk > DECODE_COMP_OUT_CHUNK_MAX ||
	    conf->zstd_window_log_max < DECODE_COMP_ZSTD_WLOG_MIN ||
	    conf->zstd_window_log_max > DECODE_COMP_ZSTD_WLOG_MAX) {
		d->stats.err = DECODE_COMP_EINVAL;
		return DECODE_COMP_EINVAL;
	}
	d->coding = (uint8_t)coding;
	d->conf = *conf;
	d->pool = pool;
	d->head = d;
	d->out = out;
	d->cookie = cookie;

	d->buf = mem_alloc(d, conf->out_chunk);
	rc = d->buf == NULL ? DECODE_COMP_ENOMEM : lib_init(d);
	if (rc != 0) {
		decode_comp_end(d);
		if (rc == DECODE_COMP_ENOMEM)
			set_err(d, rc);
		else
			d->stats.err = (int16_t)rc;
	}
	return rc;
}

int
decode_comp_feed(struct decode_comp *d, const uint8_t *p, size_t n)
{
	int rc;

	if (d->stats.err != 0)
		return d->stats.err;
	if (d->lib == NULL || (p == NULL && n != 0))
		return DECODE_COMP_EINVAL;
	while (n > 0) {
		if (d->state == ST_TRAILING) {
			d->stats.ignored_bytes += n;
			break;
		}
		if (d->state == ST_DONE) {
			d->state = ST_TRAILING;
			d->stats.flags |= DECODE_COMP_F_TRAILING;
			continue;
		}
		switch (d->coding) {
		case DECODE_COMP_BR:
			rc = br_feed(d, &p, &n);
			break;
		case DECODE_COMP_ZSTD:
			rc = zstd_feed(d, &p, &n);
			break;
		default:
			rc = zlib_feed(d, &p, &n);
			break;
		}
		if (rc < 0)
			return rc;
		if (rc == RUN_END) {
			/* gzip and zstd may go on with another member or frame. */
			d->state = d->coding == DECODE_COMP_GZIP || d->coding == DECODE_COMP_ZSTD ?
				   ST_BETWEEN : ST_DONE;
		} else if (rc == RUN_TRAILING) {
			d->state = ST_TRAILING;
			d->stats.flags |= DECODE_COMP_F_TRAILING;
		}
	}
	return emit(d);
}

int
decode_comp_finish(struct decode_comp *d)
{
	int rc;

	if (d->stats.err != 0)
		return d->stats.err;
	if (d->lib == NULL)
		return DECODE_COMP_EINVAL;
	if (d->stats.flags & DECODE_COMP_F_FINISHED)
		return 0;
	d->stats.flags |= DECODE_COMP_F_FINISHED;
	if ((rc = emit(d)) != 0)
		return rc;
	if (d->coding == DECODE_COMP_ZSTD && d->hdr_len > 0 && d->state == ST_BETWEEN) {
		/* Fewer than a magic's bytes after a complete frame: trailing. */
		d->stats.ignored_bytes += d->hdr_len;
		d->stats.flags |= DECODE_COMP_F_TRAILING;
		d->hdr_len = 0;
	} else if (d->coding == DECODE_COMP_ZSTD && d->hdr_len > 0) {
		d->state = ST_DETECT;	/* the first frame's magic was cut short */
	}
	switch (d->state) {
	case ST_START:
		break;
	case ST_DETECT:
	case ST_BODY:
		d->stats.flags |= DECODE_COMP_F_TRUNCATED;
		break;
	default:
		d->stats.flags |= DECODE_COMP_F_END;
		break;
	}
	return 0;
}

void
decode_comp_end(struct decode_comp *d)
{
	if (d == NULL)
		return;
	if (d->lib != NULL) {
		switch (d->coding) {
		case DECODE_COMP_BR:
			BrotliDecoderDestroyInstance(d->lib);
			break;
		case DECODE_COMP_ZSTD:
			ZSTD_freeDStream(d->lib);
			break;
		default:
			inflateEnd(d->lib);
			mem_free(d, d->lib);
			break;
		}
		d->lib = NULL;
	}
	mem_free(d, d->buf);
	d->buf = NULL;
	d->buf_len = 0;
}

const char *
decode_comp_strerror(int err)
{
	switch (err) {
	case DECODE_COMP_OK:
		return "ok";
	case DECODE_COMP_ENOMEM:
		return "decoder memory exhausted";
	case DECODE_COMP_CORRUPT:
		return "corrupt encoded data";
	case DECODE_COMP_CAP:
		return "decoded size cap reached";
	case DECODE_COMP_BOMB:
		return "compression ratio limit passed";
	case DECODE_COMP_WINDOW:
		return "zstd window over the limit";
	case DECODE_COMP_UNKNOWN:
		return "unknown content coding";
	case DECODE_COMP_TOOMANY:
		return "too many content codings";
	case DECODE_COMP_EINVAL:
		return "invalid argument";
	default:
		return "unknown error";
	}
}

const char *
decode_comp_coding_name(enum decode_comp_coding coding)
{
	switch (coding) {
	case DECODE_COMP_IDENTITY:
		return "identity";
	case DECODE_COMP_GZIP:
		return "gzip";
	case DECODE_COMP_DEFLATE:
		return "deflate";
	case DECODE_COMP_BR:
		return "br";
	case DECODE_COMP_ZSTD:
		return "zstd";
	default:
		return "?";
	}
}
