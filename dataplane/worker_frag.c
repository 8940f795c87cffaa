/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of IP reassembly. Fragments are held by defrag until their datagram
 * is complete and inspected, then leave together with the datagram's verdict, so on an
 * inline port nothing of a datagram is forwarded before all of it was scanned, and what is
 * forwarded is exactly what was scanned (duplicates stay behind):
 *
 *   fragment ─► defrag (held) ─┬─ datagram complete ─► inspected ─► verdict ─► every
 *                              │    fragment forwarded (pass) or dropped (drop, reset)
 *                              ├─ duplicate ─► dropped
 *                              └─ not reassembled (timeout, too many, overlap, invalid,
 *                                 caps, stop) ─► exception policy: forwarded uninspected
 *                                 (fail_open) or dropped (fail_closed), counted
 *
 * Tap ports and offline input free every fragment. Datagrams given up for their sender's
 * fault are reported one anomaly event each.
 */
#include <string.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include "msg_types.h"
#include "worker_frag.h"
#include "worker_msg.h"

/* Queue m on the peer port's TX buffer (as worker.c does for inspected frames). */
static void
worker_frag_tx(struct worker *w, uint16_t peer, struct rte_mbuf *m)
{
	w->ctr.c[CTR_tx_packets]++;
	rte_eth_tx_buffer(peer, (uint16_t)w->index, w->txb[peer], m);
}

void
worker_frag_out(void *cookie, struct rte_mbuf *m, enum defrag_reason why)
{
	struct worker *w = cookie;
	uint16_t peer = worker_inline_peer(w, m);

	if (peer == RUNTIME_NO_PEER) {
		rte_pktmbuf_free(m);
		return;
	}
	if (why == DEFRAG_REASSEMBLED) {
		if (w->frag_forward) {
			worker_frag_tx(w, peer, m);
			return;
		}
	} else if (why != DEFRAG_DUPLICATE) {
		if (w->rt->cfg.dp.exception_policy != CONFIG_FAIL_CLOSED) {
			w->ctr.c[CTR_exception_fail_open]++;
			worker_frag_tx(w, peer, m);
			return;
		}
		w->ctr.c[CTR_exception_fail_closed]++;
	}
	w->ctr.c[CTR_verdict_drops]++;
	rte_pktmbuf_free(m);
}

void
worker_frag_failed(void *cookie, const struct defrag_key *k, uint8_t proto,
		   enum defrag_reason why, uint32_t frags)
{
	struct worker *w = cookie;
	enum msg_anomaly kind;
	struct msg *m;

	switch (why) {
	case DEFRAG_TOO_MANY:
		kind = MSG_ANOM_FRAG_TOO_MANY;
		break;
	case DEFRAG_OVERLAP:
		kind = MSG_ANOM_FRAG_OVERLAP;
		break;
	case DEFRAG_INVALID:
		kind = MSG_ANOM_FRAG_INVALID;
		break;
	default:
		return;
	}
	m = worker_msg_new(w, MSG_ANOMALY, NULL, 0, CTR_events_dropped);
	if (m == NULL)
		return;
	m->anomaly = kind;
	m->count = 1;
	memset(&m->frag, 0, sizeof(m->frag));
	m->frag.family = k->family;
	m->frag.proto = proto;
	m->frag.vlan = k->vlan;
	m->frag.id = k->id;
	m->frag.frags = frags;
	m->frag.max_frags = w->rt->cfg.defrag.max_frags;
	memcpy(m->frag.src, k->src, sizeof(m->frag.src));
	memcpy(m->frag.dst, k->dst, sizeof(m->frag.dst));
	worker_msg_post(w, m, CTR_events_dropped);
}
