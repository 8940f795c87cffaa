/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet capture as the workers see it (docs/capture.md). The pcap layer (pcap/capture*.c)
 * publishes the set of running captures; each worker runs every capture's compiled BPF
 * filter on each packet it receives and copies a matching packet, cut at the capture's
 * snaplen, into its own copy ring; the pcap writer thread drains the rings into files.
 * The data plane, which consumes the set and produces the copies, defines both.
 *
 *   pcap: running captures --build--> capture_set --store_release--> *slot
 *   worker: s = load_acquire(*slot); per packet: for each filter of s: match? copy -> ring
 *           ... rte_rcu_qsbr_quiescent (s is not used past it)
 *   pcap writer thread: ring records -> the capture of (slot, serial) -> pcap_dump
 *
 * A set never changes once published and is freed after an RCU grace period, like a policy
 * snapshot (snapshot_types.h).
 */
#ifndef TOLLGATE_CAPTURE_TYPES_H
#define TOLLGATE_CAPTURE_TYPES_H

#include <stdint.h>

struct rte_bpf;

/* Captures that may run at once: slots of the per-worker counters and of the set. */
#define CAPTURE_SLOTS 32
/* The largest snaplen (tcpdump's and dumpcap's). */
#define CAPTURE_SNAPLEN_MAX 262144

/* Native code of a filter (rte_bpf_jit.func): returns non-zero for a matching packet. */
typedef uint64_t (*capture_jit_fn)(void *mbuf);

/* One running capture, as workers match it. */
struct capture_filter {
	uint32_t serial;		/* the capture's serial number (never 0) */
	uint32_t snaplen;		/* bytes copied of a matching packet, 1..SNAPLEN_MAX */
	uint8_t slot;			/* 0..CAPTURE_SLOTS-1: counters and writer lookup */
	const struct rte_bpf *bpf;	/* eBPF converted from the cBPF of pcap_compile; NULL
					 * matches every packet */
	capture_jit_fn jit;		/* bpf's native code, or NULL: interpreted */
};

/* The running captures. Immutable once published. */
struct capture_set {
	uint32_t n;
	struct capture_filter f[CAPTURE_SLOTS];
};

/*
 * One packet copy in a worker's ring: this header, then caplen bytes, padded to a multiple
 * of 8. size is the whole record (header and padding included).
 */
struct capture_rec {
	uint32_t size;
	uint32_t serial;		/* the capture it was copied for */
	uint64_t ts_us;			/* the packet's time, microseconds since the epoch */
	uint32_t caplen;		/* bytes that follow */
	uint32_t origlen;		/* the frame's length on the wire */
	uint8_t slot;
	uint8_t pad[7];
};

#define CAPTURE_REC_ALIGN 8

/* Bytes of the record holding caplen bytes of packet. */
static inline uint32_t
capture_rec_size(uint32_t caplen)
{
	return (uint32_t)((sizeof(struct capture_rec) + caplen + CAPTURE_REC_ALIGN - 1) &
			  ~(uint32_t)(CAPTURE_REC_ALIGN - 1));
}

/* What one worker counted for the capture in one slot. Written by that worker only. */
struct capture_tap_count {
	volatile uint32_t serial;	/* whose counts these are (the worker resets them when a
					 * new capture takes the slot) */
	volatile uint64_t matched;	/* packets the filter accepted */
	volatile uint64_t dropped;	/* ... that found the copy ring full */
};

/* A worker's totals over every capture, for /metrics; written by that worker only. */
struct capture_tap_stats {
	volatile uint64_t matched;
	volatile uint64_t dropped;	/* copy ring full: a copy lost, never the packet */
	volatile uint64_t bytes;	/* bytes copied into the ring (packet data) */
};

#endif
