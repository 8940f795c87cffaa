/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Test harness of the HTTP/1.x parser (dataplane/app_http.c): plays a script of pieces of
 * a connection (request or response bytes, in the order the wire saw them, and the end of
 * either direction) through a linked struct app_http_conn, and writes every event as one
 * line of text so tests compare whole event sequences with assert_string_equal().
 *
 * Event lines (body events of the same message are merged, so the log does not depend
 * on how the body was cut):
 *   req#0 begin GET /a HTTP/1.1
 *   rsp#0 begin 200 GET HTTP/1.1
 *   req#0 headers body=length host=h cl=5 +keepalive hdrs=2
 *   req#0 body "hello"
 *   req#0 complete
 *   rsp tunnel | rsp error bad_header | req anomaly te_and_cl
 */
#ifndef TOLLGATE_TEST_APP_HTTP_HARNESS_H
#define TOLLGATE_TEST_APP_HTTP_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app_http.h"

struct piece {
	uint8_t dir;		/* enum app_http_dir */
	bool eof;		/* the direction ends (data ignored) */
	const char *data;
	size_t len;
};

#define REQ(s)		{ APP_HTTP_REQUEST, false, (s), sizeof(s) - 1 }
#define RSP(s)		{ APP_HTTP_RESPONSE, false, (s), sizeof(s) - 1 }
#define REQ_EOF		{ APP_HTTP_REQUEST, true, NULL, 0 }
#define RSP_EOF		{ APP_HTTP_RESPONSE, true, NULL, 0 }
#define NPIECES(a)	(sizeof(a) / sizeof((a)[0]))

/* The connection of the last harness_run(), for checking counters after it. */
extern struct app_http_conn harness_conn;

/* Play the script once, each piece whole (conf NULL: defaults). Returns the event log. */
const char *harness_run(const struct app_http_conf *conf, const struct piece *s, size_t n);

/*
 * Play the script whole, then once for every piece cut in two at every offset (all of
 * them for pieces up to HARNESS_DENSE bytes, beyond that every offset up to HARNESS_DENSE
 * and then every HARNESS_STRIDE-th), then with every piece fed byte by byte. Fails the
 * test unless every run gives the same event log, counters and link state as the first.
 * Every piece is fed from an exactly-sized heap copy, so ASan sees a read past its end.
 * Returns the log of the whole run (harness_conn holds its connection).
 */
#define HARNESS_DENSE	16384u
#define HARNESS_STRIDE	1021u
const char *harness_check(const struct app_http_conf *conf, const struct piece *s, size_t n);

#endif
