/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_SYSLOG_H
#define TOLLGATE_SINK_SYSLOG_H

#include <stddef.h>
#include <stdint.h>
#include "config_types.h"
#include "sink_types.h"

struct sink_queue;
struct sink_syslog;

/* The largest message sent over UDP (an IPv4 datagram's payload); larger ones fail. */
#define SINK_SYSLOG_UDP_MAX 65507

/*
 * The RFC 5424 severity (0 emergency .. 7 debug) of an event severity: 1 -> 2 critical,
 * 2 -> 3 error, 3 -> 4 warning, 4 (and anything else) -> 6 informational. Pure.
 */
unsigned int sink_syslog_severity(uint8_t event_severity);

/*
 * The RFC 5424 TIMESTAMP of an EVE timestamp ("2026-11-18T11:06:40.009499+0000" ->
 * "2026-11-18T11:06:40.009499Z"), into out (at least 28 bytes). Anything else is "-", the
 * NILVALUE. Pure.
 */
void sink_syslog_timestamp(const char *eve, char *out, size_t len);

/*
 * One RFC 5424 message into buf (cap bytes):
 *   <PRI>1 TIMESTAMP HOSTNAME tollgated PROCID MSGID - MSG
 * PRI = facility * 8 + sink_syslog_severity(it->severity), MSGID the event type, no
 * structured data, MSG the EVE JSON as it is (UTF-8, no BOM: MSG-ANY). hostname must be
 * 1..255 printable US-ASCII characters. Returns the message's length (without its NUL),
 * which may exceed cap: then nothing past cap is written and the message is cut (call
 * again with a larger buffer).
 * Pure; any thread.
 */
size_t sink_syslog_format(char *buf, size_t cap, unsigned int facility, const char *hostname,
			  long pid, const struct sink_item *it);

/*
 * A syslog sink for conf (copied) sending the events of q: resolves nothing and connects
 * to nothing yet (the sender does, with backoff); reads the TLS files now, so a missing
 * CA file is an error at start. NULL with err. Control thread.
 */
struct sink_syslog *sink_syslog_create(const struct config_sink *conf, struct sink_queue *q,
				       char *err, size_t errlen);

/*
 * The sender thread's body (arg: the struct sink_syslog): send each queued event, one
 * frame each (UDP: one datagram; TCP and TLS: octet counting, RFC 6587 section 3.4.1),
 * reconnecting with backoff, until the queue is stopped.
 */
void *sink_syslog_main(void *arg);

/* After the thread has been joined. NULL is a no-op. */
void sink_syslog_free(struct sink_syslog *s);

#endif
