/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the streaming text decoders (decode_text.c, decode_qp.c, decode_b64.c): the
 * output callback, the counters every decoder keeps, and one small state struct per
 * decoder. The caller owns each state (a per-worker pool entry, a field of a body
 * context); a state holds a few bytes of pending input and never points anywhere.
 */
#ifndef TOLLGATE_DECODE_TYPES_H
#define TOLLGATE_DECODE_TYPES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Receives n decoded bytes at p (n > 0). p is valid only during the call: it points into
 * the decoder's stack buffer or, for runs that pass through unchanged, into the input
 * piece being fed. A body's output is the concatenation of every call, in order; how it is
 * cut into calls depends on how the input was cut, the bytes never do.
 */
typedef void (*decode_out_fn)(void *cookie, const uint8_t *p, size_t n);

/* Counters of one decoder since its init; never reset by finish. */
struct decode_stats {
	uint64_t bytes_in;	/* bytes fed */
	uint64_t bytes_out;	/* bytes given to the output callback */
	uint64_t invalid;	/* invalid escapes, characters or padding (see each decoder) */
};

/* application/x-www-form-urlencoded (decode_form_*). */
struct decode_form {
	struct decode_stats st;
	uint64_t fields;	/* non-empty fields begun ('&'-separated) */
	uint8_t state;		/* private: plain, after '%', after '%' and one hex digit */
	uint8_t hi;		/* private: the hex digit after '%', as it was written */
	uint8_t in_field;	/* private: a byte of the current field has been seen */
};

/* JSON documents with their strings unescaped (decode_json_*). */
struct decode_json {
	struct decode_stats st;
	uint16_t high;		/* private: a high surrogate waiting for its low half, or 0 */
	uint8_t state;		/* private: outside a string, inside, after '\', in "\u" */
	uint8_t nhex;		/* private: hex digits of the "\u" escape read so far */
	uint8_t hex[4];		/* private: those digits as written (passed on if invalid) */
};

/* Which base64 alphabet a decoder accepts (RFC 4648 4 and 5). */
enum decode_b64_alphabet {
	DECODE_B64_STD = 0,	/* '+' and '/' are 62 and 63; '-' and '_' are garbage */
	DECODE_B64_URL = 1,	/* '-' and '_' are 62 and 63; '+' and '/' are garbage */
	DECODE_B64_ANY = 2,	/* both pairs accepted (a body of unknown origin) */
};

/* base64 (decode_b64_*). */
struct decode_b64 {
	struct decode_stats st;
	uint8_t alphabet;	/* enum decode_b64_alphabet */
	uint8_t qn;		/* private: characters of the current 4-character quantum */
	uint8_t bits;		/* private: low bits of the last character, not yet output */
	uint8_t pad_need;	/* private: a second '=' is expected ("xx=" seen) */
};

/* Longest run of spaces and tabs a quoted-printable decoder holds back (see decode_qp). */
#define DECODE_QP_WS_MAX	32

/* quoted-printable (decode_qp_*). */
struct decode_qp {
	struct decode_stats st;
	uint32_t ws_mask;	/* private: held-back SP/TAB run, bit i set = character i is TAB */
	uint8_t ws_n;		/* private: length of that run */
	uint8_t state;		/* private: plain, after CR, after '=' (and hex, blanks, CR) */
	uint8_t hex;		/* private: the hex digit after '=', as it was written */
};

/* The decoders behind one interface (decode_text_*), for callers that stack them. */
enum decode_text_kind {
	DECODE_TEXT_FORM = 0,
	DECODE_TEXT_JSON,
	DECODE_TEXT_B64,	/* DECODE_B64_ANY */
	DECODE_TEXT_QP,
	DECODE_TEXT_KIND_COUNT,
};

struct decode_text {
	uint8_t kind;		/* enum decode_text_kind */
	union {
		struct decode_form form;
		struct decode_json json;
		struct decode_b64 b64;
		struct decode_qp qp;
	} u;
};

#endif
