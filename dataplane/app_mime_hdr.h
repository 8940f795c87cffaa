/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_MIME_HDR_H
#define TOLLGATE_APP_MIME_HDR_H

#include <stddef.h>
#include <stdint.h>

/* app_mime_hdr_param() flags */
#define APP_MIME_HDR_WORDS	0x1u	/* decode RFC 2047 words in a plain (not RFC 2231) value */

/*
 * The leading token of a structured header value (RFC 2045 5.1, RFC 2183 2): the
 * "type/subtype" of a Content-Type, the disposition type of a Content-Disposition, the
 * mechanism of a Content-Transfer-Encoding. Leading whitespace and comments are skipped;
 * the token ends at whitespace, ';' or '('. Written lower-cased and NUL terminated to
 * out (cap bytes, cap >= 1). Returns its length, -ENOENT when there is none, -ENOSPC when
 * it does not fit (out is then ""). Never reads outside v[0..n). Pure: any thread.
 */
int app_mime_hdr_token(const uint8_t *v, size_t n, char *out, size_t cap);

/*
 * The value of parameter name (ASCII, matched without case) in a header value such as
 * `attachment; filename="a b.pdf"`. Parameters follow the first ';'; values are tokens
 * (running to the next ';', trailing whitespace dropped, as browsers read unquoted file
 * names) or quoted strings (backslash escapes removed); ';' inside a quoted string or a
 * comment does not separate. RFC 2231 forms come first: `name*=charset'lang'%E2%82%AC`,
 * then continuations `name*0=`, `name*1*=`... joined in index order up to the first
 * missing index (percent-decoded where the segment is marked with '*'; the charset and
 * language of the first segment dropped); then plain `name=`, whose RFC 2047 words are
 * decoded when flags has APP_MIME_HDR_WORDS. Bytes are passed through, no charset is
 * converted. The first occurrence of a form wins. The value is written to out with a
 * NUL after it (at most cap - 1 bytes, cap >= 1) and its length to *outlen. Returns 0,
 * -ENOENT when the parameter is absent, -ENOSPC when the value was cut to fit (out holds
 * its first cap - 1 bytes). Never reads outside v[0..n). Pure: any thread.
 */
int app_mime_hdr_param(const uint8_t *v, size_t n, const char *name, unsigned int flags,
		       uint8_t *out, size_t cap, size_t *outlen);

/*
 * Decode the RFC 2047 encoded words (`=?charset?B?...?=`, `=?charset?Q?...?=`, charset
 * optionally with an RFC 2231 `*lang` suffix) in the n bytes at in; whitespace between
 * two encoded words is dropped, malformed words are kept as they are, other text is
 * copied; decoded bytes are passed through whatever the charset. Output as for
 * app_mime_hdr_param(): at most cap - 1 bytes and a NUL, length in *outlen. Returns 0 or
 * -ENOSPC when cut. Never reads outside in[0..n). Pure: any thread.
 */
int app_mime_hdr_words(const uint8_t *in, size_t n, uint8_t *out, size_t cap, size_t *outlen);

#endif
