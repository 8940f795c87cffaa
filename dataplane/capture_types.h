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
 *
 * Automatic captures (evidence per event) use the same rings: when a flow that keeps a
 * history (capture_hist.h) raises an event, its worker writes a START record, the
 * history's copies, the packets and resets that follow, and an END record, all in slot
 * CAPTURE_SLOT_EVENT with the serial of that event capture (the worker's own sequence);
 * the writer thread makes the capture's file from them.
 */
#ifndef TOLLGATE_CAPTURE_TYPES_H
#define TOLLGATE_CAPTURE_TYPES_H

#include <stdint.h>

struct rte_bpf;

/* Captures that may run at once: slots of the per-worker counters and of the set. */
#define CAPTURE_SLOTS 32
/* The largest snaplen (tcpdump's and dumpcap's). */
#define CAPTURE_SNAPLEN_MAX 262144

/* The slot of records that belong to an event capture (serial: the worker's sequence). */
#define CAPTURE_SLOT_EVENT 0xff

/* What a record is (struct capture_rec.kind). */
enum capture_rec_kind {
	CAPTURE_REC_PACKET = 0,		/* a packet copy */
	CAPTURE_REC_START,		/* an event capture begins: struct capture_event_start */
	CAPTURE_REC_END,		/* ... and is complete: struct capture_event_end */
};

/* The event an automatic capture is for (enum, and its event_type in events). */
enum capture_event_type {
	CAPTURE_EVENT_DLP = 1,
	CAPTURE_EVENT_ALERT,
};

/* Why the worker ended an event capture. */
enum capture_event_end_why {
	CAPTURE_END_PACKETS = 1,	/* capture.event_packets written after the event */
	CAPTURE_END_TIME,		/* capture.event_seconds passed */
	CAPTURE_END_FLOW,		/* the flow ended */
};

/* The data of a START record. */
struct capture_event_start {
	uint64_t flow_id;
	uint64_t ts_us;			/* the event's time (packet time) */
	uint8_t type;			/* enum capture_event_type */
	uint8_t pad[7];
};

/* The data of an END record: what the worker copied for the capture. */
struct capture_event_end {
	uint32_t history;		/* copies of the flow's history */
	uint32_t evicted;		/* packets the history let go (after its first ones) */
	uint32_t after;			/* packets after the event */
	uint32_t rsts;			/* resets the gateway sent */
	uint32_t lost;			/* copies lost: the copy ring was full */
	uint8_t why;			/* enum capture_event_end_why */
	uint8_t pad[3];
};

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
	uint8_t slot;			/* CAPTURE_SLOT_EVENT: an event capture's record */
	uint8_t kind;			/* enum capture_rec_kind */
	uint8_t pad[6];
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
	/* Automatic captures: flow histories and event captures. */
	volatile uint64_t hist_taken;	/* histories given to flows */
	volatile uint64_t hist_refused;	/* flows that found none left (history_memcap) */
	volatile uint64_t hist_in_use;	/* gauge */
	volatile uint64_t hist_evicted;	/* packets a history let go to keep its last ones */
	volatile uint64_t ev_started;	/* event captures started */
	volatile uint64_t ev_missed;	/* events to capture of flows without a history */
	volatile uint64_t ev_limited;	/* ... past capture.event_rate */
	volatile uint64_t ev_copies;	/* records written for event captures */
	volatile uint64_t ev_lost;	/* ... lost: the copy ring was full */
};

#endif
