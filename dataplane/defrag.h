/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DEFRAG_H
#define TOLLGATE_DEFRAG_H

#include <stdint.h>
#include "pkt_parse_types.h"
#include "config_types.h"
#include "counters_types.h"

struct rte_mbuf;
struct defrag;

/*
 * Create a worker's IPv4/IPv6 fragment table (rte_ip_frag) on socket, bounded by
 * conf->max_flows datagrams in flight and timing out after conf->timeout_ms. Time is
 * whatever microsecond clock the caller passes to defrag_packet (packet time offline).
 * Returns NULL (reason logged) on bad config or no memory. Control thread, at init.
 */
struct defrag *defrag_create(const struct config_defrag *conf, int socket, const char *name);

/* NULL is a no-op. Frees every held fragment. */
void defrag_free(struct defrag *d);

/*
 * Offer fragment m (parsed into *meta, meta->is_fragment set) at now_us. Consumes m.
 * Returns the reassembled datagram (a multi-segment mbuf, L2 header of the first
 * fragment) when m completes one, or NULL while it is held or when it was dropped.
 * Updates the defrag_* counters in ctr. Owning worker only.
 */
struct rte_mbuf *defrag_packet(struct defrag *d, struct rte_mbuf *m, const struct pkt_meta *meta,
			       uint64_t now_us, struct counters *ctr);

/* Drop datagrams whose first fragment is older than the timeout. Owning worker only. */
void defrag_expire(struct defrag *d, uint64_t now_us, struct counters *ctr);

#endif
