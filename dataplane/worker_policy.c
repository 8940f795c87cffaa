/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker side of the policy (DESIGN.md "Policy model"): each flow is evaluated against the
 * snapshot in use (flow_policy.c) on its first packet, on its first packet after a new
 * snapshot, when its application is identified and when its TLS SNI names an FQDN group.
 * A changed verdict goes to the flow list, a deny to an alert event, discover mode to a
 * learned record; DNS answers and SNI names go to the control thread's FQDN cache.
 *
 *   first client bytes ─► gathered over segments if needed (WORKER_FIRST_SLOTS) ─►
 *   app (app_detect.c) ─► re-evaluate ─► require_tls ─► SNI (app_tls.c) ─► re-evaluate
 *
 * Owning worker only; nothing here allocates, sleeps or logs.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <rte_common.h>
#include "app_detect.h"
#include "app_dns.h"
#include "app_tls.h"
#include "dlp.h"
#include "flow_policy.h"
#include "runtime_types.h"
#include "snapshot_types.h"
#include "worker_capture.h"
#include "worker_msg.h"
#include "worker_meta.h"
#include "worker_app.h"
#include "worker_flow.h"
#include "worker_policy.h"

/* ---- policy ---- */

static uint32_t
worker_rule_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h | 1;	/* never 0: that is the default action */
}


void
worker_alert(struct worker *w, struct flow *f, enum msg_alert_reason reason)
{
	const struct snapshot *s = w->snap;
	uint8_t tri = f->rule >= 0 && (uint32_t)f->rule < s->nrules ? s->rules[f->rule].capture :
		      POLICY_CAPTURE_DEFAULT;
	/* A verdict's alert captures when its rule says so (or capture.auto_alert); a flow
	 * cut for a block binding's crossing captures as that binding would. */
	uint32_t cap = worker_capture_event(w, f, CAPTURE_EVENT_ALERT,
		worker_capture_wanted(w, tri, reason == MSG_ALERT_DLP_BLOCK));
	struct msg *m = worker_msg_new(w, MSG_ALERT, f, FLOW_TOSERVER, CTR_events_dropped);

	w->ctr.c[CTR_policy_alerts]++;
	if (m == NULL)
		return;
	m->capture = cap;
	m->alert.reason = (uint8_t)reason;
	m->alert.blocked = f->mode == POLICY_MODE_PROTECT;
	worker_msg_post(w, m, CTR_events_dropped);
}

/* Discover mode: report the connection once, with its app when known. */
void
worker_learn(struct worker *w, struct flow *f)
{
	struct msg *m;

	if (f->mode != POLICY_MODE_DISCOVER || (f->pflags & FLOW_P_LEARNED))
		return;
	f->pflags |= FLOW_P_LEARNED;
	m = worker_msg_new(w, MSG_LEARN, f, FLOW_TOSERVER, CTR_updates_dropped);
	if (m == NULL)
		return;
	memcpy(m->learn.from_group, f->from_name, POLICY_NAME_LEN);
	memcpy(m->learn.to_group, f->to_name, POLICY_NAME_LEN);
	m->learn.proto = f->key.proto;
	m->learn.app = f->app;
	m->learn.port = f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP ?
			f->key.port[f->client ^ 1] : 0;
	worker_msg_post(w, m, CTR_updates_dropped);
}

/*
 * Tell the control thread's flow list (/v1/flows) where the flow stands: at its first
 * evaluation, when its verdict, app or state changes, and at most once a second while it
 * carries traffic (counters).
 */
void
worker_flow_report(struct worker *w, struct flow *f)
{
	struct msg *m = worker_msg_new(w, MSG_FLOW_START, f, FLOW_TOSERVER, CTR_updates_dropped);

	f->reported_us = w->now_us;
	if (m == NULL)
		return;
	m->ts_us = w->now_us;
	worker_msg_post(w, m, CTR_updates_dropped);
}

/*
 * (Re-)evaluate f against the snapshot in use: on its first packet, on the first packet
 * after a new snapshot, and when its app or SNI becomes known. A changed verdict is
 * reported to the flow list; a deny is reported once per verdict (alert event).
 */
void
worker_policy_eval(struct worker *w, struct flow *f, const char *sni)
{
	const struct snapshot *s = w->snap;
	struct flow_verdict v;
	int verdict, listed;
	uint32_t rh;

	flow_policy_eval(s, &f->key, f->client, f->app, sni, &v);
	rh = v.rule >= 0 ? worker_rule_hash(s->rules[v.rule].id) : 0;
	verdict = f->policy_version == 0 || rh != f->rule_hash || v.action != f->action ||
		  v.mode != f->mode;
	listed = verdict || v.from_group != f->from_group || v.to_group != f->to_group;
	if (f->policy_version != 0)
		w->ctr.c[CTR_policy_reevaluations]++;
	f->policy_version = s->version;
	f->rule = v.rule;
	f->rule_hash = rh;
	f->mode = v.mode;
	f->from_group = v.from_group;
	f->to_group = v.to_group;
	if (!worker_flow_blocked(f))
		f->action = v.action;
	if (listed) {
		if (v.rule >= 0)
			memcpy(f->rule_id, s->rules[v.rule].id, sizeof(f->rule_id));
		else
			f->rule_id[0] = '\0';
		memcpy(f->from_name, s->groups[v.from_group].name, sizeof(f->from_name));
		memcpy(f->to_name, s->groups[v.to_group].name, sizeof(f->to_name));
	}
	/* Before its alerts: whether the flow keeps a history, under this policy. */
	worker_capture_policy(w, f);
	if (verdict && !worker_flow_blocked(f)) {
		f->pflags &= (uint8_t)~FLOW_P_ALERTED;
		if (f->action == POLICY_ACTION_DENY && f->mode == POLICY_MODE_PROTECT) {
			f->pflags |= FLOW_P_BLOCKED;
			w->pkt_block = 1;
			w->ctr.c[CTR_policy_flows_blocked]++;
		}
		if (f->action == POLICY_ACTION_DENY && f->mode != POLICY_MODE_DISCOVER) {
			f->pflags |= FLOW_P_ALERTED;
			worker_alert(w, f, v.rule >= 0 ? MSG_ALERT_DENY : MSG_ALERT_DEFAULT_DENY);
		}
		/* Switched to protect after a block binding's threshold was reached (and
		 * reported as allowed): the flow is cut now. */
		if (f->mode == POLICY_MODE_PROTECT && !worker_flow_blocked(f) &&
		    (dlp_dir_crossed_block(f->dlp[0]) || dlp_dir_crossed_block(f->dlp[1]) ||
		     dlp_park_crossed_block(f->dlp_park[0]) ||
		     dlp_park_crossed_block(f->dlp_park[1]))) {
			f->pflags |= FLOW_P_BLOCKED;
			f->action = POLICY_ACTION_DENY;
			w->pkt_block = 1;
			w->ctr.c[CTR_policy_flows_blocked]++;
			worker_alert(w, f, MSG_ALERT_DLP_BLOCK);
		}
	}
	if (listed)
		worker_flow_report(w, f);
	if (f->app != POLICY_APP_ANY)
		worker_learn(w, f);
}


/* Names seen on the wire, for the FQDN groups (control thread: fqdn cache). */
void
worker_fqdn_dns(struct worker *w, struct flow *f, const uint8_t *p, uint32_t len)
{
	struct app_dns_result r;
	struct msg *m;
	unsigned int i;

	if (app_dns_parse_response(p, len, &r) != 0)
		return;
	w->ctr.c[CTR_dns_answers]++;
	m = worker_msg_new(w, MSG_FQDN, f, FLOW_TOCLIENT, CTR_updates_dropped);
	if (m == NULL)
		return;
	memcpy(m->fqdn.name, r.qname, sizeof(m->fqdn.name));
	m->fqdn.source = 0;
	m->fqdn.n = (uint8_t)RTE_MIN((unsigned int)r.n, (unsigned int)MSG_FQDN_ADDRS);
	for (i = 0; i < m->fqdn.n; i++) {
		m->fqdn.a[i].family = r.a[i].family;
		memcpy(m->fqdn.a[i].addr, r.a[i].addr, 16);
		m->fqdn.a[i].ttl = r.a[i].ttl;
	}
	worker_msg_post(w, m, CTR_updates_dropped);
}

static void
worker_fqdn_sni(struct worker *w, struct flow *f, const char *name)
{
	struct msg *m = worker_msg_new(w, MSG_FQDN, f, FLOW_TOSERVER, CTR_updates_dropped);

	w->ctr.c[CTR_tls_sni]++;
	if (m == NULL)
		return;
	snprintf(m->fqdn.name, sizeof(m->fqdn.name), "%s", name);
	m->fqdn.source = 1;
	m->fqdn.n = 1;
	m->fqdn.a[0].family = f->key.family == 6 ? AF_INET6 : AF_INET;
	memcpy(m->fqdn.a[0].addr, f->key.addr[f->client ^ 1], 16);
	m->fqdn.a[0].ttl = WORKER_SNI_TTL_S;
	worker_msg_post(w, m, CTR_updates_dropped);
}

/* A slot of the worker's first-bytes pool holding f's first client bytes, or NULL. */
struct worker_first *
worker_first_slot(struct worker *w, const struct flow *f)
{
	return f->first_slot != 0 ? &w->first[f->first_slot - 1] : NULL;
}

void
worker_first_release(struct worker *w, struct flow *f)
{
	struct worker_first *h = worker_first_slot(w, f);

	if (h == NULL)
		return;
	h->len = 0;
	h->next_free = w->first_free;
	w->first_free = f->first_slot;
	f->first_slot = 0;
}

/* The flow's application became known: evaluate again, learn, report. */
static void
worker_app_found(struct worker *w, struct flow *f, unsigned int app)
{
	f->app = (uint8_t)app;
	worker_policy_eval(w, f, NULL);
	worker_learn(w, f);
	worker_flow_report(w, f);
}

/*
 * Decide what the first client bytes p[0..n) say: the app, require_tls, the TLS SNI.
 * Returns 1 when a decision needs more bytes (a short first segment, a ClientHello that
 * spans segments), unless final (no more bytes will come: decide with what there is).
 */
int
worker_first_decide(struct worker *w, struct flow *f, const uint8_t *p, uint32_t n, int final)
{
	uint8_t server = f->client ^ 1;
	char sni[APP_DNS_NAME_LEN];
	int rc;

	if (f->app == POLICY_APP_ANY) {
		unsigned int app = app_detect(p, n, f->key.proto, f->key.port[f->client],
					      f->key.port[server], 1);

		if (!final && app_detect_need_more(p, n, f->key.proto, f->key.port[f->client],
						   f->key.port[server], 1))
			return 1;
		if (app != POLICY_APP_ANY)
			worker_app_found(w, f, app);
	}
	if (f->rule >= 0 && w->snap->rules[f->rule].require_tls &&
	    !(f->pflags & FLOW_P_TLS_CHECKED)) {
		if (n < 6 && !final)
			return 1;
		f->pflags |= FLOW_P_TLS_CHECKED;
		if (!app_tls_is_client_hello(p, n) && f->mode != POLICY_MODE_DISCOVER) {
			w->ctr.c[CTR_policy_require_tls]++;
			if (f->mode == POLICY_MODE_PROTECT && !worker_flow_blocked(f)) {
				f->action = POLICY_ACTION_DENY;
				f->pflags |= FLOW_P_BLOCKED;
				w->pkt_block = 1;
				w->ctr.c[CTR_policy_flows_blocked]++;
			}
			worker_alert(w, f, MSG_ALERT_REQUIRE_TLS);
		}
	}
	if (f->app == POLICY_APP_TLS && !(f->pflags & FLOW_P_SNI)) {
		rc = app_tls_sni(p, n, sni, sizeof(sni));
		if (rc == -EAGAIN && !final)
			return 1;
		/* a tls event reads the whole ClientHello (JA3): wait for its end too */
		if (w->rt->cfg.events.tls && worker_meta_tls_hello(w, f, p, n, final))
			return 1;
		f->pflags |= FLOW_P_SNI;
		if (rc == 0) {
			worker_fqdn_sni(w, f, sni);
			if (w->snap->nfqdns != 0)
				worker_policy_eval(w, f, sni);
		} else if (rc == -EAGAIN) {
			w->ctr.c[CTR_tls_sni_incomplete]++;
		}
	}
	return 0;
}

/*
 * The first application bytes of a direction: identify the app (re-evaluating the flow
 * when it becomes known), check require_tls, read the TLS SNI. The client's first bytes
 * may need several segments (a ClientHello with post-quantum key shares spans two): they
 * are gathered in one of the worker's WORKER_FIRST_SLOTS buffers of WORKER_FIRST_BYTES,
 * taken on the first segment and given back once decided or at flow end. No slot free,
 * or a full one: decided on what there is (counted in first_bytes_unbuffered).
 */
void
worker_app_first(struct worker *w, struct flow *f, uint8_t dir, const uint8_t *data,
		 uint32_t len)
{
	uint8_t bit = dir == FLOW_TOSERVER ? FLOW_P_APP_TS : FLOW_P_APP_TC;
	struct worker_first *h;
	uint32_t take;

	if (f->pflags & bit)
		return;
	worker_policy_current(w, f);	/* data flushed at flow end counts as activity */
	if (dir != FLOW_TOSERVER) {
		/* Server bytes only name the app (banners, status lines): one look. And
		 * the ServerHello's version, for a tls event waiting for it. */
		f->pflags |= bit;
		worker_meta_tls_server(w, f, data, len);
		if (f->app == POLICY_APP_ANY) {
			unsigned int app = app_detect(data, len, f->key.proto,
						      f->key.port[f->client],
						      f->key.port[f->client ^ 1], 0);

			if (app != POLICY_APP_ANY)
				worker_app_found(w, f, app);
		}
		return;
	}
	h = worker_first_slot(w, f);
	if (h == NULL) {
		if (!worker_first_decide(w, f, data, len, f->key.proto != IPPROTO_TCP)) {
			f->pflags |= bit;
			return;
		}
		if (w->first_free == 0) {
			w->ctr.c[CTR_first_bytes_unbuffered]++;
			worker_first_decide(w, f, data, len, 1);
			f->pflags |= bit;
			return;
		}
		f->first_slot = w->first_free;
		h = worker_first_slot(w, f);
		w->first_free = h->next_free;
		h->len = 0;
	}
	take = RTE_MIN(len, (uint32_t)WORKER_FIRST_BYTES - h->len);
	memcpy(h->buf + h->len, data, take);
	h->len += take;
	if (take == len && h->len < WORKER_FIRST_BYTES &&
	    worker_first_decide(w, f, h->buf, h->len, 0))
		return;		/* wait for the next segment */
	if (take < len || h->len == WORKER_FIRST_BYTES) {
		w->ctr.c[CTR_first_bytes_unbuffered]++;
		worker_first_decide(w, f, h->buf, h->len, 1);
	}
	f->pflags |= bit;
	/* The app took more than one segment to tell: its parser starts on the bytes held
	 * before this segment (this one follows in worker_deliver). */
	if (h->len > take)
		worker_app_preload(w, f, h->buf, h->len - take);
	worker_first_release(w, f);
}
