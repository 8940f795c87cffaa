/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_TLS_H
#define TOLLGATE_APP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "app_layer_types.h"

#define APP_TLS_NAME_LEN	254	/* server name: at most 253 bytes + NUL */
#define APP_TLS_MAX_RECORD	16384	/* TLSPlaintext.length cap (RFC 8446 5.1) */
#define APP_TLS_MAX_HANDSHAKE	16384	/* ClientHello message, 4-byte header included */

/*
 * Extract the server_name host_name (RFC 6066 3) of the ClientHello (RFC 8446 4.1.2)
 * that starts the len bytes at p, the first bytes a client sent on a TCP connection,
 * beginning with a TLS record header. Accepts record versions 3.0 (SSLv3) to 3.4, a
 * ClientHello split over any number of handshake records (up to APP_TLS_MAX_HANDSHAKE
 * bytes of handshake), a handshake header split between records, any session id, cipher
 * suites, compression methods and extensions. Returns:
 *   0        name holds the host name: lower case, characters [a-z0-9._-], one trailing
 *            dot dropped, 1..253 bytes, labels 1..63, NUL terminated. Decided as soon as
 *            the server_name extension has been read: later bytes are not looked at;
 *   -EAGAIN  the bytes end before that could be decided (before the server_name
 *            extension, or the end of the extensions when there is none): the caller may
 *            call again from the start with more bytes;
 *   -ENOENT  a complete ClientHello without extensions, without server_name, or whose
 *            server_name has no host_name entry;
 *   -EINVAL  not a TLS handshake record carrying a ClientHello (an SSLv2-format hello
 *            included), a record of another type inside the ClientHello, a zero-length
 *            or oversized record, a length field that overruns its enclosing structure,
 *            extensions not filling the message exactly, a host name that is empty or has
 *            a byte outside the set above, an empty label or a label over 63 bytes;
 *   -ENOSPC  the host name is valid but namelen cannot hold it with its NUL
 *            (APP_TLS_NAME_LEN always can).
 * name is written only when 0 is returned; name may be NULL with namelen 0 to ask
 * whether there is a valid host name (-ENOSPC then says yes). Never reads outside
 * p[0..len). The caller owns p and name; nothing is kept. Pure, no allocation: any thread.
 */
int app_tls_sni(const uint8_t *p, uint32_t len, char *name, size_t namelen);

/*
 * The ClientHello that starts p[0..len) (same framing and checks as app_tls_sni), read
 * whole for a tls event: out->sni gets the server_name host name ("" when there is none,
 * or when it is not a valid host name: the rest is still read), out->ja3 the JA3 string
 * of the hello (Salesforce's JA3: "SSLVersion,Ciphers,Extensions,EllipticCurves,
 * EllipticCurvePointFormats", decimal values joined by '-', GREASE values (RFC 8701)
 * left out), or "" when it would not fit APP_META_JA3_LEN. out->version is set to 0.
 * Returns 0; -EAGAIN when the bytes end before the ClientHello does; -EINVAL for what
 * app_tls_sni calls malformed (a bad host name aside), or a supported_groups or
 * ec_point_formats extension whose length field disagrees with the extension's.
 * Never reads outside p[0..len). Pure, no allocation: any thread.
 */
int app_tls_client_hello(const uint8_t *p, uint32_t len, struct app_tls_meta *out);

/*
 * The version a ServerHello (RFC 8446 4.1.3, RFC 5246 7.4.1.3) that starts p[0..len)
 * settles on: its supported_versions extension's selected_version (TLS 1.3), else its
 * legacy version (0x0301 TLS 1.0 .. 0x0303 TLS 1.2, 0x0300 SSLv3). Returns 0 with
 * *version set; -EAGAIN when the bytes end before the version is known; -EINVAL when p
 * does not start with a handshake record holding a ServerHello, or a length field
 * overruns its structure. Pure: any thread.
 */
int app_tls_server_version(const uint8_t *p, uint32_t len, uint16_t *version);

/*
 * True when the first bytes at p are a TLS handshake record (content type 22, version
 * 3.0..3.4, length 1..APP_TLS_MAX_RECORD) whose handshake type is 1 (ClientHello).
 * Needs 6 bytes: false for fewer. Used to enforce "require_tls". Pure: any thread.
 */
bool app_tls_is_client_hello(const uint8_t *p, uint32_t len);

#endif
