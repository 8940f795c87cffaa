/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_MIME_H
#define TOLLGATE_APP_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "app_mime_types.h"

/* Fill conf with the APP_MIME_*_DEFAULT limits. Pure: any thread. */
void app_mime_conf_default(struct app_mime_conf *conf);

/*
 * Set up m for a mail message (RFC 5322 headers, then the body): the message's headers
 * are parsed first and reported by on_message (Subject decoded), then its body as a
 * part tree. conf (NULL for the defaults) is copied; cb (NULL for none) and cookie are
 * kept and must outlive m. Returns 0, or -EINVAL when m is NULL or a limit is outside the
 * range given in struct app_mime_conf (m untouched). Nothing is allocated. Any thread,
 * one at a time per m.
 */
int app_mime_init(struct app_mime *m, const struct app_mime_conf *conf,
		  const struct app_mime_cb *cb, void *cookie);

/*
 * Set up m for a body whose headers were read elsewhere, an HTTP request or response
 * body: content_type is that Content-Type value (ctlen bytes, not kept; NULL or empty
 * for none). A multipart/... with a boundary is parsed as a part tree; anything else is
 * one leaf part "1" with that type, whose on_part_begin is called from here. No
 * on_message. Returns as app_mime_init().
 */
int app_mime_init_body(struct app_mime *m, const struct app_mime_conf *conf,
		       const struct app_mime_cb *cb, void *cookie, const char *content_type,
		       size_t ctlen);

/*
 * Feed the next n bytes, in order; any cut gives the same callbacks (part data may come in
 * different slices concatenating to the same bytes). Every leaf part gets on_part_begin,
 * its raw body (transfer encoding not undone: part->cte says which it is) in
 * on_part_data, then on_part_end. A boundary delimiter is recognised at a line start
 * (after CRLF or LF, or at the start of a body) as "--" and the boundary of any open
 * multipart as a prefix of the line (RFC 2046 5.1.1: the boundary must not begin any
 * other line), "--" after it closes the multipart; the rest of the line is skipped
 * (flagged APP_MIME_F_BOUNDARY_JUNK unless it is whitespace). The line end before a
 * delimiter belongs to it, not to the part, so at most 74 bytes are held back. A
 * delimiter of an outer multipart ends the inner ones (APP_MIME_F_UNTERMINATED). Preamble
 * and epilogue are skipped. A multipart nested deeper than max_depth is one opaque leaf
 * (APP_MIME_PART_TOO_DEEP); a header section over header_max ends there and the rest is
 * body (APP_MIME_F_HDR_LIMIT). After max_parts leaf parts the rest is not parsed
 * (APP_MIME_F_PARTS_LIMIT; bytes counted). Returns 0, -ENOSPC once the parts limit has
 * stopped parsing, -EINVAL for p NULL with n > 0 or a call after app_mime_finish().
 * Never reads outside p[0..n); p is the caller's and not kept. The thread that owns m.
 */
int app_mime_feed(struct app_mime *m, const uint8_t *p, size_t n);

/*
 * The input is over (the SMTP content ended, the HTTP body is complete or the connection
 * closed). Bytes held back as a possible delimiter are delivered, an open part gets
 * on_part_end (APP_MIME_PART_TRUNCATED when a boundary was still expected), headers cut
 * short still make their part; a multipart still open sets APP_MIME_F_TRUNCATED and
 * APP_MIME_F_UNTERMINATED. Idempotent. The thread that owns m.
 */
void app_mime_finish(struct app_mime *m);

/* APP_MIME_F_* flags of what was seen so far. */
uint32_t app_mime_flags(const struct app_mime *m);

#endif
