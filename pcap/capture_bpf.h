/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture filters: a tcpdump-style expression compiled by libpcap (pcap_compile on a dead
 * DLT_EN10MB handle: the frames workers see are Ethernet), converted to eBPF by DPDK
 * (rte_bpf_convert), loaded (rte_bpf_load, which verifies it) and, where DPDK has a JIT
 * for the machine and the program avoids its known defects (capture_bpf.c), compiled to
 * native code. The cBPF program is kept too: the offline replay of a capture
 * (capture_writer.c) filters with pcap_offline_filter, exactly as tcpdump does.
 *
 * Control thread (compile) and the pcap writer thread (match, free once no worker can run
 * it any more).
 */
#ifndef TOLLGATE_CAPTURE_BPF_H
#define TOLLGATE_CAPTURE_BPF_H

#include <stddef.h>
#include <stdint.h>
#include "capture_types.h"

struct capture_bpf;

/*
 * Compile expr ("" or NULL: every packet) for frames cut at snaplen. Returns the filter, or
 * NULL with err holding libpcap's message for a bad expression (e.g. "syntax error") or
 * DPDK's reason when the program cannot be converted or loaded. The caller owns it.
 */
struct capture_bpf *capture_bpf_compile(const char *expr, uint32_t snaplen, char *err,
					size_t errlen);

/* The program for workers (NULL: matches every packet) and its native code (or NULL). */
const struct rte_bpf *capture_bpf_program(const struct capture_bpf *b);
capture_jit_fn capture_bpf_jit(const struct capture_bpf *b);

/* Does the frame pkt (caplen bytes kept of len) pass? As tcpdump -r would decide. */
int capture_bpf_match(const struct capture_bpf *b, const uint8_t *pkt, uint32_t caplen,
		      uint32_t len);

/* NULL is a no-op. No worker may still run it (after the RCU grace period). */
void capture_bpf_free(struct capture_bpf *b);

#endif
