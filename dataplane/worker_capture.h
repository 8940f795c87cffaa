/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Automatic captures, the worker's side (docs/capture.md "Automatic captures"): a flow
 * whose verdict captures its events keeps a history of its packets (capture_hist.h) in a
 * slot of the worker's pool; when it raises an event that captures, the worker writes a
 * new event capture into its copy ring (capture_tap_event_rec): a START record, the
 * history's copies, then the flow's next packets and the resets the gateway sends for it,
 * until capture.event_packets, capture.event_seconds or the flow's end, and an END record.
 * The pcap writer thread turns those records into the capture's file.
 *
 *   packet ─► recording: history (first copies pinned, last ones in a ring)
 *   event  ─► START, history copies ─► writing: packets, resets ─► END ─► recording again
 *
 * Owning worker only: nothing allocates, waits (live), logs or touches a file.
 */
#ifndef TOLLGATE_WORKER_CAPTURE_H
#define TOLLGATE_WORKER_CAPTURE_H

#include <stdint.h>
#include "capture_types.h"
#include "flow_types.h"
#include "worker_types.h"

/*
 * Whether an event captures, from the `capture` of its rule or binding (enum
 * policy_capture) and whether it blocks (DEFAULT: on for what blocks, capture.auto_alert
 * for the rest). 0 when the worker has no automatic captures.
 */
int worker_capture_wanted(const struct worker *w, uint8_t capture, int blocks);

/* f's verdict was (re-)evaluated: does it keep a history (FLOW_CAP_WANT)? */
void worker_capture_policy(struct worker *w, struct flow *f);

/*
 * A frame of f, pkt[0..len) at time ts_us (len: its whole length, pkt holding at least
 * min(len, WORKER_LINBUF) bytes): copied into f's event capture while one is written,
 * else kept in its history when its verdict asks for one.
 */
void worker_capture_packet(struct worker *w, struct flow *f, const uint8_t *pkt,
			   uint32_t len, uint64_t ts_us);

/*
 * f raises an event of type that captures (wanted, from worker_capture_wanted): start its
 * event capture from its history, or join the one being written. Returns the capture's
 * number to put in the event (struct msg.capture), 0 when the event has no capture (not
 * wanted, no history could be had: ev_missed, or the copy ring was full).
 */
uint32_t worker_capture_event(struct worker *w, struct flow *f, enum capture_event_type type,
			      int wanted);

/* The gateway sends the RST frame p[0..len) for f: copied into its event capture. */
void worker_capture_rst(struct worker *w, struct flow *f, const uint8_t *p, uint32_t len);

/* f ends: its event capture is complete, its history slot goes back to the pool. */
void worker_capture_flow_end(struct worker *w, struct flow *f);

/* Housekeeping: complete the event captures whose capture.event_seconds passed. */
void worker_capture_expire(struct worker *w);

#endif
