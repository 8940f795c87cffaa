/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the Content-Encoding decoders (dataplane/decode_comp.c, decode_comp_chain.c):
 * codings, results, limits, counters, the per-body decoder state and the chain of
 * decoders for a stacked `Content-Encoding: gzip, br`.
 */
#ifndef TOLLGATE_DECODE_COMP_TYPES_H
#define TOLLGATE_DECODE_COMP_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "decode_pool_types.h"

/* Most codings one body may stack (identity not counted). */
#define DECODE_COMP_MAX_CODINGS	4

/* Defaults of struct decode_comp_conf (decode_comp_conf_default()). */
#define DECODE_COMP_DEF_OUT_MAX		(16u << 20)	/* decoded bytes per body */
#define DECODE_COMP_DEF_RATIO_MAX	100		/* decoded : encoded */
#define DECODE_COMP_DEF_RATIO_GRACE	(64u << 10)	/* decoded bytes before the ratio counts */
#define DECODE_COMP_DEF_OUT_CHUNK	4096		/* bytes per output callback at most */
#define DECODE_COMP_DEF_ZSTD_WLOG	23		/* 8 MiB, RFC 9659 2's limit for HTTP */

/* Bounds checked by decode_comp_init(). */
#define DECODE_COMP_OUT_CHUNK_MIN	64
#define DECODE_COMP_OUT_CHUNK_MAX	(1u << 20)
#define DECODE_COMP_ZSTD_WLOG_MIN	10
#define DECODE_COMP_ZSTD_WLOG_MAX	31

/* Content codings (RFC 9110 8.4.1, IANA HTTP Content Coding Registry). */
enum decode_comp_coding {
	DECODE_COMP_IDENTITY = 0,	/* no decoding; never a stage of a chain */
	DECODE_COMP_GZIP,		/* gzip, x-gzip: RFC 1952, any number of members */
	DECODE_COMP_DEFLATE,		/* deflate: RFC 1950 zlib, or raw RFC 1951 */
	DECODE_COMP_BR,			/* br: RFC 7932 */
	DECODE_COMP_ZSTD,		/* zstd: RFC 8878 frames (RFC 9659) */
	DECODE_COMP__COUNT
};

/*
 * Results. 0 is success; the others are negative. An error stops the decoder for good
 * (every later call returns the same value) and is kept in stats.err; the output
 * delivered before it stays delivered.
 */
enum decode_comp_err {
	DECODE_COMP_OK = 0,
	DECODE_COMP_ENOMEM = -1,	/* the pool (or the decoder's mem_max) refused memory */
	DECODE_COMP_CORRUPT = -2,	/* the encoded bytes are not valid for the coding */
	DECODE_COMP_CAP = -3,		/* out_max decoded bytes delivered, more were coming */
	DECODE_COMP_BOMB = -4,		/* decoded/encoded passed ratio_max after ratio_grace */
	DECODE_COMP_WINDOW = -5,	/* a zstd frame needs a window over zstd_window_log_max */
	DECODE_COMP_UNKNOWN = -6,	/* header: a coding this module does not decode */
	DECODE_COMP_TOOMANY = -7,	/* header: more than DECODE_COMP_MAX_CODINGS codings */
	DECODE_COMP_EINVAL = -8,	/* bad argument: coding, configuration, NULL pointer */
};

/* struct decode_comp_stats.flags */
#define DECODE_COMP_F_END	0x0001	/* the stream ended where a stream may end */
#define DECODE_COMP_F_TRUNCATED	0x0002	/* finish came inside a member, frame or stream */
#define DECODE_COMP_F_TRAILING	0x0004	/* bytes after the end were ignored (ignored_bytes) */
#define DECODE_COMP_F_RAW	0x0008	/* deflate: raw RFC 1951, no zlib wrapper */
#define DECODE_COMP_F_ENOMEM	0x0010	/* DECODE_COMP_ENOMEM happened */
#define DECODE_COMP_F_MEM_MAX	0x0020	/* ... because of this decoder's mem_max */
#define DECODE_COMP_F_CORRUPT	0x0040	/* DECODE_COMP_CORRUPT happened */
#define DECODE_COMP_F_CAP	0x0080	/* DECODE_COMP_CAP happened */
#define DECODE_COMP_F_BOMB	0x0100	/* DECODE_COMP_BOMB happened */
#define DECODE_COMP_F_WINDOW	0x0200	/* DECODE_COMP_WINDOW happened */
#define DECODE_COMP_F_FINISHED	0x0400	/* finish was called */

/* Limits of one decoder (every stage of a chain gets the same ones). */
struct decode_comp_conf {
	uint64_t out_max;		/* decoded bytes delivered at most; 0 = no cap */
	uint32_t ratio_max;		/* decoded bytes per encoded byte at most; 0 = no check */
	uint32_t ratio_grace;		/* decoded bytes always allowed whatever the ratio */
	size_t mem_max;			/* pool bytes one decoder may hold; 0 = the pool decides */
	uint32_t out_chunk;		/* output buffer: bytes per callback at most */
	uint8_t zstd_window_log_max;	/* largest zstd window accepted, log2 bytes */
};

/* Counters of one decoder. */
struct decode_comp_stats {
	uint64_t in_bytes;		/* encoded bytes consumed */
	uint64_t out_bytes;		/* decoded bytes delivered */
	uint64_t ignored_bytes;		/* bytes after the end of the stream, not decoded */
	size_t mem;			/* pool bytes this decoder holds now (headers included) */
	size_t mem_peak;		/* the most it held */
	uint32_t members;		/* gzip members, zlib/raw/br streams, zstd frames ended */
	uint16_t flags;			/* DECODE_COMP_F_* */
	int16_t err;			/* first error (enum decode_comp_err); 0 if none */
};

/*
 * Where decoded bytes go: n bytes at p (1 <= n <= out_chunk), valid during the call only.
 * Called in stream order; the cut between calls depends on how the input was cut, the
 * concatenation does not.
 */
typedef void (*decode_comp_out_fn)(void *cookie, const uint8_t *p, size_t n);

/*
 * One decoder. Caller-provided storage (no allocation of its own); the library state and
 * the output buffer come from the pool. The libraries keep pointers to it, so it must
 * not move between init and end. Fields are the module's; read stats directly.
 */
struct decode_comp {
	uint8_t coding;			/* enum decode_comp_coding */
	uint8_t state;			/* decode_comp.c's stream state */
	uint8_t hdr_len;		/* deflate: first bytes held to tell zlib from raw;
					 * zstd: a frame's magic number held until whole */
	uint8_t hdr[4];
	uint8_t pending;		/* zstd: the last call filled buf; more may be held */
	uint32_t no_progress;		/* library calls in a row that moved nothing */
	uint32_t in_limit;		/* zstd: most input the next call may take; 0: 5 */
	void *lib;			/* z_stream, BrotliDecoderState or ZSTD_DStream */
	uint8_t *buf;			/* output buffer, conf.out_chunk bytes */
	uint32_t buf_len;		/* decoded bytes waiting in buf */
	struct decode_pool *pool;
	struct decode_comp *head;	/* first stage of the chain, or itself: ratio's input */
	struct decode_comp *next;	/* next stage of the chain, or NULL: output goes to out */
	decode_comp_out_fn out;
	void *cookie;
	struct decode_comp_conf conf;
	struct decode_comp_stats stats;
};

/*
 * The decoders of one body, outermost coding first: stage[0] decodes the last coding of
 * the header (the one applied last) and feeds stage[1], ... The last stage calls out.
 */
struct decode_comp_chain {
	struct decode_comp stage[DECODE_COMP_MAX_CODINGS];
	uint8_t n;			/* stages in use, 1..DECODE_COMP_MAX_CODINGS */
	int16_t err;			/* first error of any stage; 0 if none */
};

#endif
