/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the worker module only: the flags the worker keeps on a flow, and what they
 * say. The worker's files, each calling only those after it:
 *   worker.c         the loop, the packet pipeline, reassembly consumers, inline verdicts
 *   worker_app.c     the app layer's flows and its sink onto the sensor streams
 *   worker_policy.c  flows against the snapshot, first bytes (app, require_tls, SNI),
 *                    verdict/name/learn reports
 *   worker_meta.c    tls and dns metadata events
 *   worker_dlp.c     the sensor streams of a flow, dlp events, block verdicts
 *   worker_capture.c automatic captures: flow histories, event captures, their resets
 *   worker_frag.c    fragments defrag lets go of: forwarded, dropped, reported
 *   worker_msg.c     messages and anomalies to the control thread
 * Owning worker only, like struct worker.
 */
#ifndef TOLLGATE_WORKER_FLOW_H
#define TOLLGATE_WORKER_FLOW_H

#include <stdint.h>
#include <rte_branch_prediction.h>
#include "counters_types.h"
#include "flow_types.h"
#include "msg_types.h"
#include "snapshot_types.h"
#include "worker_types.h"

/* Flow flags private to the worker. */
#define FLOW_F_DUMPED_TS 0x10	/* a dump chunk was sent for the to-server direction */
#define FLOW_F_DUMPED_TC 0x20
#define FLOW_F_DLP_OFF_TS 0x40	/* no sensor stream could be had for this direction */
#define FLOW_F_DLP_OFF_TC 0x80

/* Policy flags (struct flow.pflags). */
#define FLOW_P_ALERTED		0x01	/* the deny of the verdict in force was reported */
#define FLOW_P_TLS_CHECKED	0x02	/* first client bytes checked for require_tls */
#define FLOW_P_APP_TS		0x04	/* first to-server bytes looked at for the app */
#define FLOW_P_APP_TC		0x08
#define FLOW_P_LEARNED		0x10	/* discover mode: reported for learning */
#define FLOW_P_SNI		0x20	/* TLS SNI looked for */
#define FLOW_P_BLOCKED		0x40	/* verdict was to block: stays until the flow ends */
#define FLOW_P_APP_LAYER	0x80	/* the app layer was offered the flow */

/* Automatic capture flags (struct flow.cap_flags, worker_capture.c). */
#define FLOW_CAP_WANT		0x01	/* the verdict in force captures: keep a history */
#define FLOW_CAP_REFUSED	0x02	/* no history was left for it (counted once) */

#define WORKER_SNI_TTL_S	300	/* life of a name learned from TLS SNI */
#define WORKER_REPORT_US	1000000	/* flow list refresh of a busy flow */

/*
 * A flow whose verdict was to block it (enforced by the inline path; reported here). Once
 * blocked, a flow stays blocked until it ends, whatever the policy says afterwards.
 */
static inline int
worker_flow_blocked(const struct flow *f)
{
	return (f->pflags & FLOW_P_BLOCKED) != 0;
}

#endif
