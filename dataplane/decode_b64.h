/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DECODE_B64_H
#define TOLLGATE_DECODE_B64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode_types.h"

/*
 * Start decoding one base64 body (RFC 4648 4, or 5 with DECODE_B64_URL) into st, which
 * the caller owns; an alphabet out of range is taken as DECODE_B64_ANY. Counters start at
 * zero. Any thread; a state is used by one thread at a time.
 */
void decode_b64_init(struct decode_b64 *st, enum decode_b64_alphabet alphabet);

/*
 * Decode the next n bytes of the body at p (p may be NULL when n is 0) and pass the bytes
 * they complete to out (may be NULL: count only) with cookie. As MIME reads base64
 * (RFC 2045 6.8): SP, TAB, CR and LF are skipped; any other character outside the alphabet
 * is skipped and counted in st->st.invalid. Bytes are output as soon as their bits are
 * in, so unpadded data (RFC 4648 3.2) decodes too. '=' ends a quantum after 2 or 3
 * characters ("xx==", "xxx="); what follows starts a new quantum (concatenated encodings,
 * as some mailers write). Counted as invalid, one each: a '=' after 0 or 1 characters of a
 * quantum (a lone character's 6 bits are dropped), a "xx=" not followed by a second '='.
 * Pad bits that are not zero are ignored. Output never exceeds 3/4 of the input. The
 * result does not depend on how the body is cut into pieces. Never reads p[n] or beyond.
 */
void decode_b64_feed(struct decode_b64 *st, const uint8_t *p, size_t n, decode_out_fn out,
		     void *cookie);

/* The same without the AVX2 path (32 characters at a time where all are in the alphabet):
 * the reference the tests hold decode_b64_feed to. */
void decode_b64_feed_scalar(struct decode_b64 *st, const uint8_t *p, size_t n,
			    decode_out_fn out, void *cookie);

/*
 * End of the body: counts a quantum left with a single character, or a "xx=" without its
 * second '=', as invalid (nothing more is output; the whole bytes were output already),
 * and makes st ready for a new body with its counters kept.
 */
void decode_b64_finish(struct decode_b64 *st, decode_out_fn out, void *cookie);

/*
 * Whether the n bytes at p are, as a whole, base64 long enough to be data: a body or a
 * form/JSON field worth decoding although nothing labels it as base64. Strict: only
 * alphabet characters of one alphabet (standard or URL-safe, not both), CR and LF
 * anywhere (MIME lines; no spaces or tabs, so a sentence of letters is not taken for
 * base64), '=' only as 1 or 2 final padding characters, and the characters other than
 * CR/LF, padding included, a multiple of 4 and at least min_len (and at least 1).
 * Reads p[0..n) only; p may be NULL when n is 0. Pure: any thread.
 */
bool decode_b64_looks_like(const uint8_t *p, size_t n, size_t min_len);

/* The classes of decode_b64_classes: bit i of each mask is byte p[i]'s. */
struct decode_b64_masks {
	uint64_t alpha;	/* a character of either alphabet: A-Z a-z 0-9 + / - _ */
	uint64_t brk;	/* CR or LF */
	uint64_t pad;	/* '=' */
};

/*
 * Classify the n <= 64 bytes at p (bits n..63 of every mask are 0), with AVX2 when the CPU
 * has it (decided once, at load) and 64 bytes can be read: p[0..64), or when n is shorter
 * and the `before` bytes before p are readable too, the 64 bytes that end at p + n; by a
 * table otherwise. Reads p[-before..n) at most. The two ways are public for the tests,
 * which hold them equal. Pure: any thread.
 */
void decode_b64_classes(const uint8_t *p, size_t n, size_t before, struct decode_b64_masks *m);
void decode_b64_classes_table(const uint8_t *p, size_t n, struct decode_b64_masks *m);
void decode_b64_classes_avx2(const uint8_t *p, struct decode_b64_masks *m);	/* n = 64 */
bool decode_b64_have_avx2(void);

/*
 * The base64 sniffer's quiet text (app_pipe.c): over the whole 64-byte blocks of p[0..n),
 * from the first, while no run of base64 characters (line breaks inside one not ending it
 * when brk_in_run) can reach min (at least 64; 0 is returned otherwise) in them, a run
 * of `run` characters going on into p. Returns the offset after the last byte that ended
 * a run in the blocks passed over (the sniffer's run is 0 there), 0 when none was;
 * *resume is the end of the first block not passed over (a run may reach min in it), or
 * where the whole blocks end (n when min is under 64). Counts bytes, not characters, so a
 * block may be refused where no run does reach min. AVX2 when decode_b64_classes uses it.
 */
size_t decode_b64_quiet(const uint8_t *p, size_t n, unsigned int run, unsigned int min,
			bool brk_in_run, size_t *resume);

#endif
