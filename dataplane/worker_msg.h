/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker's messages to the control thread (worker_msg.c). Owning worker only. */
#ifndef TOLLGATE_WORKER_MSG_H
#define TOLLGATE_WORKER_MSG_H

#include <stdint.h>
#include "counters_types.h"
#include "flow_types.h"
#include "msg_types.h"
#include "worker_types.h"

/*
 * A message of type about flow f (or none), header filled, ready for its payload; NULL
 * when none can be had, counted in counter `lost`.
 */
struct msg *worker_msg_new(struct worker *w, uint16_t type, const struct flow *f, uint8_t dir,
			   enum ctr_id lost);

/* Send m (consumed either way); when it cannot go, count it in `lost`. Returns 0 or
 * -ENOBUFS. */
int worker_msg_post(struct worker *w, struct msg *m, enum ctr_id lost);

/* Report anomaly kind for flow f (once per flow and kind), or an aggregate one (f NULL)
 * standing for count occurrences. */
void worker_anomaly(struct worker *w, struct flow *f, uint8_t dir, enum msg_anomaly kind,
		    uint64_t count);

#endif
