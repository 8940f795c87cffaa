/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_HTTP_H
#define TOLLGATE_APP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_http_types.h"

/*
 * Streaming HTTP/1.0 and 1.1 message parser for one direction of a TCP connection
 * (RFC 9112 message syntax, RFC 9110 semantics). See app_http.c for the state machine.
 *
 * Threading: a parser, its link and its callbacks belong to the worker that owns the
 * flow; none of these functions takes a lock or allocates, so any thread may call them
 * on state it owns. Work is linear in the bytes fed.
 */

/* Fill conf with the APP_HTTP_DEFAULT_* limits. Any thread. */
void app_http_conf_default(struct app_http_conf *conf);

/*
 * Check conf: every limit >= 1 and max_line <= APP_HTTP_LINE_MAX. Returns 0, or -EINVAL
 * with *field (when field is not NULL) set to the name of the first bad member.
 */
int app_http_conf_check(const struct app_http_conf *conf, const char **field);

/* Empty a link: no request pending, no switch. The caller owns it. */
void app_http_link_init(struct app_http_link *link);

/*
 * Start parsing one direction (dir: APP_HTTP_REQUEST for client-to-server bytes). conf and
 * cb are copied; cookie is passed to every callback as is. link is shared with the other
 * direction of the same connection and must stay at the same address while either parser
 * is used; with link NULL the direction stands alone: a response then cannot tell a HEAD
 * or CONNECT answer (it is read as an answer to GET, and 2xx never opens a tunnel), and a
 * request side goes opaque right after a CONNECT request. Returns 0, or -EINVAL for a NULL
 * h, conf or cb, a bad dir or a conf that app_http_conf_check() rejects (h is then left
 * in raw mode when it is not NULL, so feeding it is harmless).
 */
int app_http_init(struct app_http_parser *h, enum app_http_dir dir,
		  const struct app_http_conf *conf, const struct app_http_callbacks *cb,
		  void *cookie, struct app_http_link *link);

/*
 * Start parsing both directions of one connection, linked (the request side pushes each
 * request's method, the response side pops it for HEAD, CONNECT and 1xx handling). The
 * same callbacks and cookie serve both directions; msg->dir tells them apart, and errors
 * and anomalies arrive with a msg too. c must not move while in use. Returns as
 * app_http_init().
 */
int app_http_conn_init(struct app_http_conn *c, const struct app_http_conf *conf,
		       const struct app_http_callbacks *cb, void *cookie);

/*
 * Feed the next n bytes of the direction (p may be NULL when n is 0). The bytes are
 * parsed as they come: events fire from inside this call, in stream order, and never
 * depend on how the stream is cut into calls (only the number of on_body calls does; their
 * concatenation does not). Body bytes are passed to on_body straight from p, de-chunked;
 * nothing of p is kept after the call. Accepts requests (request line, RFC 9112 3) on a
 * request side and responses (status line, RFC 9112 4) on a response side, each followed
 * by header fields (RFC 9112 5), and bodies delimited as RFC 9112 6.3 says: none for HEAD
 * answers, 1xx, 204 and 304, and for requests without framing; Content-Length (a list of
 * equal values allowed, RFC 9110 8.6); chunked with extensions (ignored) and trailers;
 * until close for other responses. Transfer-Encoding beats Content-Length (anomaly
 * TE_AND_CL). Empty lines before a start line are skipped; a lone LF ends a line as CRLF
 * does. A 2xx answer to CONNECT, or a 101, makes both directions opaque after its header
 * section (mode TUNNEL, on_tunnel). Rejects, with on_error and raw mode for the rest of
 * the direction, everything enum app_http_err names: a limit of conf (the caller makes
 * it an anomaly event; app_http_err_is_limit() says which), obsolete line folding, bare
 * CR, NUL or other controls in a field, whitespace before the colon, HTTP/0.9 or 2+, a
 * Content-Length that is not digits, overflows 64 bits or conflicts with another, a
 * request whose Transfer-Encoding does not end in chunked, a chunk size that is not hex
 * or overflows 64 bits, chunk data not followed by CRLF. In raw, tunnel and closed mode
 * the bytes are only counted. Returns the direction's mode after the bytes. Callbacks
 * must not feed, end or re-initialise this parser or the one linked to it.
 */
enum app_http_mode app_http_feed(struct app_http_parser *h, const uint8_t *p, size_t n);

/*
 * The direction ended (FIN or RST). Completes a body read until close (on_message_complete)
 * and the mode becomes CLOSED; inside any other message, or after part of a start line, it
 * reports APP_HTTP_ERR_TRUNCATED and the mode becomes RAW. A direction already raw, in a
 * tunnel or closed is left as it is, so a second call does nothing.
 */
void app_http_eof(struct app_http_parser *h);

/*
 * The reassembler skipped bytes of this direction: the parser cannot know where it is, so
 * it reports APP_HTTP_ERR_GAP and goes raw (unless it is already raw, tunnel or closed).
 */
void app_http_gap(struct app_http_parser *h);

/* The direction's current mode. */
enum app_http_mode app_http_mode(const struct app_http_parser *h);

/*
 * Static names: "bad_request_line", "te_and_cl", "GET" ("other" for APP_HTTP_M_OTHER);
 * "unknown" when out of range. Any thread.
 */
const char *app_http_err_name(enum app_http_err err);
const char *app_http_anom_name(enum app_http_anom anom);
const char *app_http_method_name(enum app_http_method m);

/* Whether err is a configured limit being hit (the issue's `anomaly` event). */
bool app_http_err_is_limit(enum app_http_err err);

#endif
