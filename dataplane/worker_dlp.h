/* SPDX-License-Identifier: BSD-3-Clause */
/* The worker's DLP glue (worker_dlp.c). Owning worker only. */
#ifndef TOLLGATE_WORKER_DLP_H
#define TOLLGATE_WORKER_DLP_H

#include <stdint.h>
#include "dlp.h"
#include "flow_types.h"
#include "worker_types.h"

/* What the flow's rule asks of DLP; 0 when the flow is not inspected. */
int worker_dlp_policy(const struct worker *w, const struct flow *f, struct dlp_policy *pol);

/*
 * Strict flows cannot let a byte out before the bytes ahead of it were scanned: the inline
 * gateway may have to cut them (a DLP block binding in protect mode).
 */
int worker_flow_strict(const struct worker *w, const struct flow *f);

/* The direction's DLP state, opened on first use; NULL (counted, one anomaly per flow)
 * when no sensor stream is left. */
struct dlp_dir *worker_dlp_dir(struct worker *w, struct flow *f, uint8_t dir);

/* Raw in-order bytes of a direction (data[0] at stream offset off) / lost bytes / flow end
 * (every direction closed). */
void worker_dlp_data(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data,
		     uint32_t len, uint64_t off);
void worker_dlp_gap(struct worker *w, struct flow *f, uint8_t dir, uint64_t len);
void worker_dlp_close(struct worker *w, struct flow *f);

/* One direction ended (its FIN reached in order, or a RST): its sensor streams are
 * flushed and returned now, under the policy in force, not when the flow times out. */
void worker_dlp_close_dir(struct worker *w, struct flow *f, uint8_t dir);

/* The app layer's decoded buffers (dlp.h dlp_dir_buffer_*): open returns 0 when the
 * buffer will be scanned. */
int worker_dlp_buffer_open(struct worker *w, struct flow *f, uint8_t dir, uint8_t level,
			   const char *path);
void worker_dlp_buffer_data(struct worker *w, struct flow *f, uint8_t dir, uint8_t level,
			    const uint8_t *p, uint32_t len);
void worker_dlp_buffer_close(struct worker *w, struct flow *f, uint8_t dir, uint8_t level);
void worker_dlp_cover(struct worker *w, struct flow *f, uint8_t dir, uint64_t start,
		      uint64_t end);

/* DLP counters: those of earlier sensor databases plus the current one's; keep: before
 * leaving a DLP context, fold its totals into the base. */
void worker_dlp_counters(struct worker *w);
void worker_dlp_counters_keep(struct worker *w);

#endif
