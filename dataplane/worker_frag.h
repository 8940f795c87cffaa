/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's side of IP reassembly (worker_frag.c): what becomes of each fragment that
 * defrag lets go of, and the reports of datagrams given up. Owning worker only.
 */
#ifndef TOLLGATE_WORKER_FRAG_H
#define TOLLGATE_WORKER_FRAG_H

#include <stdint.h>
#include <rte_mbuf_core.h>
#include "defrag_table_types.h"
#include "runtime_types.h"
#include "worker_types.h"

/*
 * The inline port a frame that came in as m leaves by (its port's peer), or
 * RUNTIME_NO_PEER: a tap port, or offline input.
 */
static inline uint16_t
worker_inline_peer(const struct worker *w, const struct rte_mbuf *m)
{
	uint16_t peer;

	if (w->rt->offline || m->port >= WORKER_MAX_PORTS)
		return RUNTIME_NO_PEER;
	peer = w->rt->port_peer[m->port];
	return peer < WORKER_MAX_PORTS && w->txb[peer] != NULL ? peer : RUNTIME_NO_PEER;
}

/*
 * defrag_out_fn of a worker (cookie: the worker): fragment m is the worker's again. On an
 * inline port, a fragment of an inspected datagram goes out when the datagram's verdict
 * let it (w->frag_forward), a duplicate never does (the copy held went out with the
 * datagram), and any other was not inspected: the exception policy forwards it
 * (fail_open) or drops it (fail_closed), counted. Otherwise it is freed.
 */
void worker_frag_out(void *cookie, struct rte_mbuf *m, enum defrag_reason why);

/*
 * defrag_failed_fn of a worker: a datagram given up for its sender's fault (too many
 * fragments, overlapping fragments, ends that disagree) is reported as an anomaly event
 * with its addresses, IP id and fragment count.
 */
void worker_frag_failed(void *cookie, const struct defrag_key *k, uint8_t proto,
			enum defrag_reason why, uint32_t frags);

#endif
