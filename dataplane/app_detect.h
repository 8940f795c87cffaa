/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_DETECT_H
#define TOLLGATE_APP_DETECT_H

#include <stdbool.h>
#include <stdint.h>

#include "policy_types.h"

/*
 * Bytes of one direction that settle every signature but one: 8 for the longest HTTP
 * method token and its space ("OPTIONS ", "CONNECT "), 6 for a TLS record header and
 * handshake type, 14 for a DNS header behind its TCP length prefix. The exception is an
 * SMTP greeting on a port that is not an SMTP port: it is recognised by "SMTP" in its
 * first line, so it stays undecided until that line ends or APP_DETECT_LINE_MAX bytes
 * have been seen. app_detect_need_more() says when a verdict is not final yet.
 */
#define APP_DETECT_MIN_BYTES	14

/* Longest first line searched for "SMTP" (RFC 5321 4.5.3.1.5: a reply line is 512). */
#define APP_DETECT_LINE_MAX	512

/*
 * Identify the application of a flow from the first bytes of one direction: p points at
 * len bytes of payload (the start of the stream for TCP, one datagram for UDP), proto is
 * the IP protocol number, client_port and server_port are the flow's ports (host order)
 * whichever way the bytes travel, from_client is nonzero for client-to-server bytes.
 * Returns an enum policy_app:
 *   POLICY_APP_HTTP  TCP; client bytes start with an HTTP/1.x method token and a space
 *                    (GET POST PUT HEAD DELETE OPTIONS PATCH CONNECT TRACE, case-sensitive
 *                    per RFC 9110 9.1), or server bytes start with "HTTP/1.";
 *   POLICY_APP_TLS   TCP; a TLS record (RFC 8446 5.1): content type 22 (handshake),
 *                    version 3.0..3.4, and, once 6 bytes are there, handshake type 1
 *                    (ClientHello) from the client or 2 (ServerHello) from the server;
 *   POLICY_APP_SMTP  TCP; server bytes start "220 " or "220-" (RFC 5321 4.2) and either
 *                    server_port is 25, 465, 587 or 2525 or the first line contains
 *                    "SMTP" (any case, which also covers "ESMTP"); or client bytes start
 *                    "EHLO " or "HELO " (any case);
 *   POLICY_APP_DNS   UDP or TCP with server_port 53, either direction, whose bytes hold a
 *                    DNS header (RFC 1035 4.1.1) with QDCOUNT >= 1 and OPCODE 0..5; over
 *                    TCP behind a 2-byte length prefix of at least 12 (RFC 1035 4.2.2);
 *   POLICY_APP_ANY   nothing matched (yet).
 * Signatures are tried in that order; the first match wins. Never reads outside
 * p[0..len); p may be NULL when len is 0. Pure: any thread.
 */
unsigned int app_detect(const uint8_t *p, uint32_t len, uint8_t proto, uint16_t client_port,
			uint16_t server_port, uint8_t from_client);

/*
 * Whether the verdict app_detect() gives for the same arguments may still change when
 * more bytes of this direction arrive: true when the bytes so far are a proper prefix of
 * something a signature earlier than (or instead of) the current verdict would match
 * ("GE" may become "GET ", 0x16 0x03 may become a ClientHello, a "220 " greeting on an
 * unusual port whose first line has not ended), or when the verdict is TLS from fewer
 * than 6 bytes (handshake type not seen). False once the verdict is final, and always
 * for UDP, whose payload is a whole datagram. The caller decides how long to wait; a
 * stream that ends keeps the verdict it had. Pure: any thread.
 */
bool app_detect_need_more(const uint8_t *p, uint32_t len, uint8_t proto, uint16_t client_port,
			  uint16_t server_port, uint8_t from_client);

#endif
