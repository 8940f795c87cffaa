/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DECODE_TEXT_H
#define TOLLGATE_DECODE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "decode_types.h"

/*
 * Every decoder here (and those of decode_qp.h and decode_b64.h) is driven the same way:
 *   x_init(st)                             once per body; st is the caller's, nothing else
 *                                          is kept or allocated;
 *   x_feed(st, p, n, out, cookie)          for each piece, in order; decoded bytes go to
 *                                          out (may be NULL: count only) before it returns;
 *   x_finish(st, out, cookie)              at the end of the body: what is still held back
 *                                          (a cut escape) is output as the end of the body
 *                                          makes it, and st is ready for a new body, its
 *                                          counters kept.
 * The output does not depend on how the body is cut into pieces, never exceeds the input
 * in length, and takes constant work per input byte. Invalid sequences are passed on as
 * written and counted in st->st.invalid; no input is an error. Feed never reads p[n] or
 * beyond; p may be NULL when n is 0. Any thread; a state is used by one thread at a time.
 */

/*
 * application/x-www-form-urlencoded (WHATWG URL 5.1; HTML 4.01 17.13.4.1), for request
 * bodies and for query strings (the caller passes what follows '?' up to '#'):
 *   '+'          -> ' '
 *   '%' hex hex  -> that byte (hex digits in either case)
 *   '&'          -> '\n', the field separator: fields never run together, so digits
 *                   at the end of one field and the start of the next stay two numbers
 *   '='          -> '=' (kept as written: "card=4111+1111" reads "card=4111 1111", the
 *                   field name a label of its value)
 * A '%' not followed by two hex digits ("%4", "%zz", "%" at the end) is output as '%' and
 * counted, and the bytes after it are read again as ordinary input ("%%41" -> "%A"), as
 * the WHATWG percent-decoder does. Escaped separators ("%26", "%3D", "%0A") are data and
 * decode to their byte. fields counts non-empty fields.
 */
void decode_form_init(struct decode_form *st);
void decode_form_feed(struct decode_form *st, const uint8_t *p, size_t n, decode_out_fn out,
		      void *cookie);
/* The same without the AVX2 search for the end of a plain run (the reference the tests
 * hold decode_form_feed to). */
void decode_form_feed_scalar(struct decode_form *st, const uint8_t *p, size_t n,
			     decode_out_fn out, void *cookie);
void decode_form_finish(struct decode_form *st, decode_out_fn out, void *cookie);

/*
 * A JSON document (RFC 8259) with the escapes of its strings decoded (7): outside strings
 * bytes pass as they are; inside, the quotes stay and
 *   \" \\ \/ \b \f \n \r \t  -> the byte they stand for
 *   \uXXXX                   -> the code point in UTF-8 (hex in either case; \u0000 is a
 *                               NUL byte); a high surrogate followed by "\u" and a low
 *                               one -> the pair's code point
 * Counted as invalid, one each: a surrogate without its other half (output as U+FFFD,
 * EF BF BD, as the WHATWG UTF-8 encoder does); a backslash followed by anything else
 * (output as written, e.g. "\x" stays "\x", "\u12G4" stays "\u12G4"); a raw CR or LF
 * inside a string, which JSON forbids: it is output and ends the string, so a stray
 * quote disturbs one line at most. The decoder does not otherwise check that the document is
 * JSON.
 */
void decode_json_init(struct decode_json *st);
void decode_json_feed(struct decode_json *st, const uint8_t *p, size_t n, decode_out_fn out,
		      void *cookie);
/* The same without the AVX2 search for the end of a string's plain run (the reference the
 * tests hold decode_json_feed to). */
void decode_json_feed_scalar(struct decode_json *st, const uint8_t *p, size_t n,
			     decode_out_fn out, void *cookie);
void decode_json_finish(struct decode_json *st, decode_out_fn out, void *cookie);

/*
 * The four decoders behind one interface, for callers that pick or stack them at run
 * time. decode_text_init returns 0, or -EINVAL (st untouched) for a kind out of range;
 * DECODE_TEXT_B64 accepts both base64 alphabets. feed/finish behave as the decoder's own.
 */
int decode_text_init(struct decode_text *st, enum decode_text_kind kind);
void decode_text_feed(struct decode_text *st, const uint8_t *p, size_t n, decode_out_fn out,
		      void *cookie);
void decode_text_finish(struct decode_text *st, decode_out_fn out, void *cookie);

/* The counters of whichever decoder st holds. */
const struct decode_stats *decode_text_stats(const struct decode_text *st);

/*
 * A short name for a decoding path ("form", "json", "base64", "qp"); "?" for a kind out of
 * range. Static strings.
 */
const char *decode_text_name(enum decode_text_kind kind);

#endif
