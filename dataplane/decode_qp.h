/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DECODE_QP_H
#define TOLLGATE_DECODE_QP_H

#include <stddef.h>
#include <stdint.h>

#include "decode_types.h"

/*
 * quoted-printable (RFC 2045 6.7):
 *   '=' hex hex                   -> that byte (hex in either case, 6.7 (1) and its note)
 *   '=' [SP/TAB...] CRLF or LF    -> nothing: a soft line break, with transport padding
 *                                    (the blanks a relay may add, 6.7 (3)) allowed
 *   SP/TAB... at the end of a line or of the body -> deleted (6.7 (3): they were added in
 *                                    transit); blanks inside a line are kept
 *   line breaks (CRLF or a bare LF) -> passed on as written
 * Any other '=' ("=G0", "=4", "= x", '=' at the end of the body) is output as written,
 * counted, and what follows it is read again as ordinary input. At most DECODE_QP_WS_MAX
 * blanks are held back: a longer run is output as it comes, so only its last blanks are
 * deleted at a line end, and a '=' followed by more blanks than that is invalid.
 *
 * Driven as the decoders of decode_text.h are (init once per body, feed per piece,
 * finish), with the same guarantees: output independent of the cuts and never longer
 * than the input, constant work per byte, p[n] never read; any thread, one at a time.
 */
void decode_qp_init(struct decode_qp *st);
void decode_qp_feed(struct decode_qp *st, const uint8_t *p, size_t n, decode_out_fn out,
		    void *cookie);
void decode_qp_finish(struct decode_qp *st, decode_out_fn out, void *cookie);

#endif
