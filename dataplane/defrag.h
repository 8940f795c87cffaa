/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DEFRAG_H
#define TOLLGATE_DEFRAG_H

#include <stddef.h>
#include <stdint.h>
#include "pkt_parse_types.h"
#include "config_types.h"
#include "counters_types.h"
#include "defrag_table_types.h"

struct rte_mbuf;
struct defrag;

/*
 * A fragment leaves: the owner forwards or frees m (it is the owner's again). why is
 * DEFRAG_REASSEMBLED for the fragments of a datagram released by defrag_done, another
 * reason for a fragment that was not reassembled. Must not call back into defrag.
 */
typedef void (*defrag_out_fn)(void *cookie, struct rte_mbuf *m, enum defrag_reason why);

/*
 * Bytes of worker memory defrag_create takes for conf (the fragments held are mbufs of the
 * packet pool, not counted here). Any thread.
 */
size_t defrag_memsize(const struct config_defrag *conf);

/*
 * Create a worker's IPv4/IPv6 reassembly on socket (defrag_table.h): at most
 * conf->max_flows datagrams in flight, conf->max_frags fragments per datagram,
 * conf->memcap bytes of held fragments (each charged the mbuf buffers it occupies), a
 * datagram dropped conf->timeout_ms after its first fragment. out receives every fragment
 * defrag lets go of; failed (may be NULL) hears of datagrams given up for their sender's
 * fault (too many fragments, overlap, invalid). Time is whatever microsecond clock the
 * caller passes (packet time offline). Returns NULL (reason logged) on bad config or no
 * memory. At init.
 */
struct defrag *defrag_create(const struct config_defrag *conf, int socket, const char *name,
			     defrag_out_fn out, defrag_failed_fn failed, void *cookie);

/* NULL is a no-op. Held fragments are freed without a call to out. */
void defrag_free(struct defrag *d);

/*
 * Offer fragment m (parsed into *meta, meta->is_fragment set) at now_us; defrag owns m
 * from here and gives it back through out. When m completes a datagram, writes the
 * datagram as one frame (L2 header of the fragment at offset 0, headers rewritten by
 * defrag_frame_header) into out_buf (cap bytes) and returns its length; its fragments stay
 * held until defrag_done. Returns 0 while m is held, or when it (and maybe its datagram)
 * left already. Updates the defrag_* counters in ctr. Owning worker only.
 */
uint32_t defrag_packet(struct defrag *d, struct rte_mbuf *m, const struct pkt_meta *meta,
		       uint64_t now_us, uint8_t *out_buf, uint32_t cap, struct counters *ctr);

/* The datagram defrag_packet returned was dealt with: its fragments go to out
 * (DEFRAG_REASSEMBLED), in offset order. No-op without one. Owning worker only. */
void defrag_done(struct defrag *d, struct counters *ctr);

/* Drop datagrams whose first fragment is timeout_ms old. Owning worker only. */
void defrag_expire(struct defrag *d, uint64_t now_us, struct counters *ctr);

/* Everything still held goes to out (DEFRAG_SHUTDOWN): the worker stops. Owning worker. */
void defrag_flush(struct defrag *d, struct counters *ctr);

#endif
