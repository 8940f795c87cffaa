/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Messages from a worker to the control thread. Workers take a message from a shared
 * mempool, fill it and enqueue it on their own single-producer/single-consumer ring; the
 * control thread formats it (JSON, stream dump) and puts it back. A message never points
 * into worker memory, so a worker can reuse or free a flow as soon as it has sent it.
 *
 *   worker i --[msg ring i, SP/SC]--> control: flow/anomaly events -> JSON sink
 *                                               stream chunks      -> dump files
 */
#ifndef TOLLGATE_MSG_TYPES_H
#define TOLLGATE_MSG_TYPES_H

#include <stdint.h>
#include "app_layer_types.h"
#include "dlp_types.h"
#include "flow_types.h"
#include "policy_types.h"

#define MSG_DATA_MAX 2048

enum msg_type {
	MSG_FLOW_END = 1,	/* a flow ended: flow event */
	MSG_STREAM_DATA,	/* reassembled bytes for --dump-streams */
	MSG_ANOMALY,		/* a cap was hit or a stream anomaly seen */
	MSG_DLP,		/* personal data found: dlp event (redacted, hashed) */
	MSG_ALERT,		/* a policy verdict against the flow: alert event */
	MSG_LEARN,		/* discover mode: a connection to learn as a candidate rule */
	MSG_FQDN,		/* names seen on the wire (DNS answer, TLS SNI) -> addresses */
	MSG_FLOW_START,		/* a flow began, or its verdict changed (flow list) */
	MSG_APP,		/* an HTTP transaction or a mail: http / smtp metadata event */
};

/* Anomaly kinds (also the bit index in struct flow.anomalies). */
enum msg_anomaly {
	MSG_ANOM_OVERLAP_DIFF = 0,
	MSG_ANOM_OOO_FLOW_CAP,
	MSG_ANOM_REASM_MEMCAP,
	MSG_ANOM_DEPTH,
	MSG_ANOM_FLOW_TABLE_FULL,
	MSG_ANOM_DEFRAG_DROPPED,
	MSG_ANOM_DLP_UNINSPECTED,	/* no sensor stream left: direction not inspected */
	MSG_ANOM_APP_LIMIT,		/* an HTTP/SMTP/MIME header limit: scanned raw from here */
	MSG_ANOM_APP_DECODE,		/* a body's encoding could not be undone: scanned raw */
	MSG_ANOM_APP_UNPARSED,		/* no parser state left (app.max_flows): scanned raw */
	MSG_ANOM_FRAG_TOO_MANY,		/* a datagram in more than defrag.max_frags fragments */
	MSG_ANOM_FRAG_OVERLAP,		/* a datagram whose fragments overlapped in part */
	MSG_ANOM_FRAG_INVALID,		/* a datagram whose fragments disagree, or past 64 KiB */
	MSG_ANOM_TTL_CHANGED,		/* TCP data with another TTL than the direction's first */
	MSG_ANOM_TS_OLD,		/* TCP data with a timestamp older than the direction's newest */
	MSG_ANOM__COUNT
};

/*
 * A datagram defrag gave up for its sender's fault (MSG_ANOM_FRAG_*): it belongs to no
 * flow yet (its L4 header may be in a fragment never seen), so its addresses travel here.
 */
struct msg_frag {
	uint8_t family;		/* 4 or 6 */
	uint8_t proto;		/* IPv4 protocol / IPv6 next header of the fragment header */
	uint16_t vlan;		/* outermost VLAN ID, 0 when untagged */
	uint32_t id;		/* IP identification */
	uint32_t frags;		/* distinct fragments of it seen, the last one included */
	uint32_t max_frags;	/* defrag.max_frags in force */
	uint8_t src[16];	/* sender; IPv4 in the first 4 bytes */
	uint8_t dst[16];
};

/* What the control thread needs to describe a flow: a copy, never a pointer. */
struct msg_flow {
	struct flow_key key;
	uint64_t flow_id;
	uint64_t start_us;
	uint64_t end_us;
	uint64_t pkts[2];
	uint64_t bytes[2];
	uint32_t gaps;
	uint32_t overlaps_diff;
	uint8_t client;		/* key side of the client */
	uint8_t state;		/* enum flow_state */
	uint8_t reason;		/* enum flow_end_reason */
	uint8_t flags;		/* FLOW_F_* */
	/* The policy verdict in force (flow_policy.h); rule "" = the default action. */
	uint8_t app;		/* enum policy_app */
	uint8_t mode;		/* enum policy_mode */
	uint8_t action;		/* enum policy_action */
	char rule[POLICY_ID_LEN];
	char from_group[POLICY_NAME_LEN];
	char to_group[POLICY_NAME_LEN];
};

enum msg_alert_reason {
	MSG_ALERT_DENY = 0,		/* a deny rule matched */
	MSG_ALERT_DEFAULT_DENY,		/* no rule matched and the default action is deny */
	MSG_ALERT_REQUIRE_TLS,		/* first client bytes were not a TLS ClientHello */
	MSG_ALERT_DLP_BLOCK,		/* past a DLP block threshold, cut on a switch to protect */
};

struct msg_alert {
	uint8_t reason;		/* enum msg_alert_reason */
	uint8_t blocked;	/* the verdict: protect mode */
};

struct msg_learn {
	char from_group[POLICY_NAME_LEN];
	char to_group[POLICY_NAME_LEN];
	uint8_t proto;
	uint8_t app;		/* enum policy_app */
	uint16_t port;		/* server port (0 for protocols without ports) */
};

#define MSG_FQDN_ADDRS 16

/* A name and the addresses it stood for; never personal data (hostnames only). */
struct msg_fqdn {
	char name[POLICY_FQDN_LEN];
	uint8_t source;		/* 0: DNS answer, 1: TLS SNI */
	uint8_t n;
	struct {
		uint8_t family;	/* AF_INET, AF_INET6 */
		uint8_t addr[16];
		uint32_t ttl;
	} a[MSG_FQDN_ADDRS];
};

#define MSG_F_FIRST 0x01	/* first chunk of this flow direction: truncate the dump */

struct msg {
	uint16_t type;		/* enum msg_type */
	uint8_t dir;		/* FLOW_TOSERVER / FLOW_TOCLIENT (stream data, anomaly) */
	uint8_t flags;		/* MSG_F_* */
	uint16_t worker;
	uint16_t anomaly;	/* enum msg_anomaly */
	uint32_t len;		/* bytes in data */
	uint64_t count;		/* anomaly: occurrences this message stands for */
	uint64_t ts_us;		/* when (packet time) */
	uint32_t capture;	/* dlp, alert: the event's automatic capture (the worker's
				 * sequence number; 0: none) */
	struct msg_flow flow;	/* with_flow: all but the aggregate anomalies */
	uint8_t has_flow;
	union {
		uint8_t data[MSG_DATA_MAX];
		struct {
			struct dlp_event dlp;
			struct app_meta app;	/* where the values were (http, smtp) */
		};
		struct msg_alert alert;
		struct msg_frag frag;
		struct msg_learn learn;
		struct msg_fqdn fqdn;
	};
};

#endif
