/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the worker module only: the flow flags the worker keeps, and what worker.c calls
 * in worker_policy.c. worker.c runs the loop, the packet pipeline, reassembly consumers,
 * DLP glue and the inline verdicts; worker_policy.c evaluates flows against the snapshot,
 * reads their first bytes (app, require_tls, SNI), and reports verdicts, names seen and
 * discover-mode records to the control thread. Both send through worker_msg.c, which
 * calls neither: worker.c -> worker_policy.c -> worker_msg.c. Owning worker only, like
 * struct worker.
 */
#ifndef TOLLGATE_WORKER_PRIV_H
#define TOLLGATE_WORKER_PRIV_H

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

/* worker_policy.c */
void worker_alert(struct worker *w, struct flow *f, enum msg_alert_reason reason);
void worker_learn(struct worker *w, struct flow *f);
void worker_flow_report(struct worker *w, struct flow *f);
void worker_policy_eval(struct worker *w, struct flow *f, const char *sni);
void worker_fqdn_dns(struct worker *w, struct flow *f, const uint8_t *p, uint32_t len);
struct worker_first *worker_first_slot(struct worker *w, const struct flow *f);
void worker_first_release(struct worker *w, struct flow *f);
int worker_first_decide(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n,
			int final);
void worker_app_first(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data,
		      uint32_t len);

static inline void
worker_policy_current(struct worker *w, struct flow *f)
{
	if (unlikely(f->policy_version != w->snap->version))
		worker_policy_eval(w, f, NULL);
}

#endif
