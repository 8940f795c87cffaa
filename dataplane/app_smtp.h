/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_APP_SMTP_H
#define TOLLGATE_APP_SMTP_H

#include <stddef.h>
#include <stdint.h>

#include "app_smtp_types.h"

/* Fill conf with the APP_SMTP_*_DEFAULT limits. Pure: any thread. */
void app_smtp_conf_default(struct app_smtp_conf *conf);

/*
 * Set up c for a new connection, before its first byte in either direction (the server
 * greeting is expected first). conf (NULL for the defaults) is copied; cb (NULL for no
 * callbacks) and cookie are kept and must outlive c. Returns 0, or -EINVAL when c is NULL
 * or a limit is outside the range given in struct app_smtp_conf (c is then untouched).
 * Nothing is allocated: c is the caller's (a per-worker pool entry). Any thread, one at a
 * time per c.
 */
int app_smtp_init(struct app_smtp_conn *c, const struct app_smtp_conf *conf,
		  const struct app_smtp_cb *cb, void *cookie);

/*
 * Feed the next n bytes of direction dir, in stream order; any cut is fine and gives the
 * same callbacks (data may come in different slices, concatenating to the same bytes).
 * Feed both directions in the order the bytes were seen on the wire: a DATA command's
 * content starts after the server's 354 reply, STARTTLS turns the connection to TLS on
 * the server's 220. When client bytes arrive while such a reply is still awaited (feeding
 * out of order, or only the client side seen), the reply is assumed positive and counted
 * in stats.assumed; an assumed DATA that the server then refuses makes the client
 * direction raw (APP_SMTP_ERR_DATA_REJECTED).
 * Callbacks run from inside this call. A command line with a control byte or a bare CR,
 * a line over conf.line_max, a bad BDAT size or a reply line without a code makes that
 * direction raw for the rest of the connection: error counted, its bytes only counted,
 * an open mail ended with APP_SMTP_END_ERROR. After STARTTLS both directions are TLS:
 * bytes only counted. Returns 0, -EPROTO when dir is raw (now or before: the caller
 * scans the raw stream only), -EINVAL for a bad dir or p NULL with n > 0. Never reads
 * outside p[0..n); p is the caller's and not kept. The thread that owns c.
 */
int app_smtp_feed(struct app_smtp_conn *c, enum app_smtp_dir dir, const uint8_t *p, size_t n);

/*
 * The connection is over (FIN, RST, timeout): an open mail gets on_mail_end with
 * APP_SMTP_END_CLOSED. Nothing may be fed after it (app_smtp_init() starts over). The
 * thread that owns c.
 */
void app_smtp_finish(struct app_smtp_conn *c);

/* How dir's bytes are treated now. */
enum app_smtp_mode app_smtp_mode(const struct app_smtp_conn *c, enum app_smtp_dir dir);

/* Why dir fell back to raw, APP_SMTP_ERR_NONE if it did not. */
enum app_smtp_err app_smtp_error(const struct app_smtp_conn *c, enum app_smtp_dir dir);

/*
 * The envelope as it stands: the connection's HELO and STARTTLS, the current transaction's
 * paths (cleared when a mail ends, on RSET/HELO/EHLO and by the next MAIL FROM). Owned by c.
 */
const struct app_smtp_envelope *app_smtp_envelope(const struct app_smtp_conn *c);

#endif
