/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_HTTP_FIELDS_H
#define TOLLGATE_APP_HTTP_FIELDS_H

#include <stdint.h>

#include "app_http_types.h"

/*
 * Line-level pieces of the HTTP/1.x parser (app_http.c drives them): start lines and
 * header fields, each handed over as one complete line without its CRLF or LF and
 * without bare CRs (the caller checked). They write into h->msg and the per-message
 * flags of h and return 0 or an enum app_http_err. Pure, no allocation; called by the
 * thread that owns h.
 */

/*
 * Request line (RFC 9112 3): method SP request-target SP HTTP-version, single spaces.
 * Fills msg->method (copy, truncated to fit), msg->method_id, msg->url, msg->version.
 * Rejects an empty or non-token method, a target with controls or spaces, a missing
 * version (HTTP/0.9) or one other than HTTP/1.x.
 */
int app_http_fields_request_line(struct app_http_parser *h, const uint8_t *l, uint32_t n);

/*
 * Status line (RFC 9112 4): HTTP-version SP 3DIGIT SP reason; "HTTP/1.1 200" without
 * the SP and reason is tolerated. Fills msg->version and msg->status (100..599).
 */
int app_http_fields_status_line(struct app_http_parser *h, const uint8_t *l, uint32_t n);

/*
 * One field line (RFC 9112 5; RFC 9110 5.5): name ":" OWS value OWS. Rejects an empty
 * or non-token name (whitespace before the colon included), NUL, CR, DEL and controls
 * other than HTAB in the value, and the Content-Length and Transfer-Encoding errors of
 * enum app_http_err. When trailer is nonzero the line is only checked, not recorded.
 */
int app_http_fields_header(struct app_http_parser *h, const uint8_t *l, uint32_t n,
			   int trailer);

/* Count an anomaly and report it to on_anomaly with the current message. */
void app_http_fields_anomaly(struct app_http_parser *h, enum app_http_anom anom);

/* The method a token names (case-sensitive, RFC 9110 9.1); APP_HTTP_M_OTHER if none. */
enum app_http_method app_http_fields_method(const uint8_t *p, uint32_t n);

/* "GET" for APP_HTTP_M_GET, "other" for APP_HTTP_M_OTHER, "unknown" out of range. */
const char *app_http_fields_method_name(enum app_http_method m);

#endif
