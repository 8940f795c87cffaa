/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-flow policy in the worker (worker_policy.c): evaluation against the snapshot, the
 * first client bytes (app, require_tls, SNI), and the reports that follow (alerts,
 * discover-mode records, flow list updates, names seen). Owning worker only.
 */
#ifndef TOLLGATE_WORKER_POLICY_H
#define TOLLGATE_WORKER_POLICY_H

#include <stdint.h>
#include <rte_branch_prediction.h>
#include "flow_types.h"
#include "msg_types.h"
#include "snapshot_types.h"
#include "worker_types.h"

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
