/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow types: the canonical key, the flow record, states, end reasons and table counters
 * (the table's settings are configuration: struct flow_table_conf in config_types.h). One flow table per worker; nothing here is shared between workers.
 */
#ifndef TOLLGATE_FLOW_TYPES_H
#define TOLLGATE_FLOW_TYPES_H

#include <stdint.h>
#include "config_types.h"
#include "policy_types.h"
#include "tcp_reasm_types.h"

/* Flow directions, relative to the client (the side that sent the SYN, or the peer of the
 * lower port for a flow picked up midstream). */
#define FLOW_TOSERVER 0
#define FLOW_TOCLIENT 1

/*
 * TCP: NEW = SYN seen, no data or handshake yet; ESTABLISHED = handshake or midstream data;
 * CLOSING = a FIN seen; CLOSED = both FINs or a RST its receiver takes. UDP/ICMP: NEW = one
 * side seen, ESTABLISHED = both. UDP: the timeout class of UDP and other non-TCP flows. Each
 * state is also the index of its timeout in struct flow_table_conf (config_types.h), whose
 * timeout classes these values are.
 */
enum flow_state {
	FLOW_STATE_NEW = CONFIG_FLOW_TIMEOUT_NEW,
	FLOW_STATE_ESTABLISHED = CONFIG_FLOW_TIMEOUT_ESTABLISHED,
	FLOW_STATE_CLOSING = CONFIG_FLOW_TIMEOUT_CLOSING,
	FLOW_STATE_CLOSED = CONFIG_FLOW_TIMEOUT_CLOSED,
	FLOW_STATE_UDP = CONFIG_FLOW_TIMEOUT_UDP,
	FLOW_STATE__COUNT = CONFIG_FLOW_TIMEOUT__COUNT
};

enum flow_end_reason {
	FLOW_END_NONE = 0,
	FLOW_END_TIMEOUT,		/* idle past its state's timeout */
	FLOW_END_EVICTED,		/* pushed out by the table cap */
	FLOW_END_SHUTDOWN,		/* end of input or daemon stop */
	FLOW_END_REUSED,		/* a new connection took its addresses and ports */
	FLOW_END__COUNT
};

/*
 * Canonical key: the two endpoints ordered (lower address first, then lower port), so
 * both directions of a flow produce the same key. Padding is zeroed by flow_key_make.
 */
struct flow_key {
	uint8_t addr[2][16];
	uint16_t port[2];
	uint16_t vlan;			/* outermost VLAN ID, 0 when untagged */
	uint8_t proto;			/* IPPROTO_* */
	uint8_t family;			/* 4 or 6 */
};

/* Flow flags */
#define FLOW_F_MIDSTREAM	0x01	/* picked up without a SYN */
#define FLOW_F_SYN_SEEN		0x02
#define FLOW_F_SYNACK_SEEN	0x04
#define FLOW_F_ANOMALY_SENT	0x08	/* reserved for the worker */

struct dlp_dir;
struct dlp_park;
struct app_flow;
struct msg;

struct flow {
	struct flow_key key;
	uint8_t client;			/* which key side (0/1) is the client */
	uint8_t state;			/* enum flow_state */
	uint8_t end_reason;		/* enum flow_end_reason, set when the flow ends */
	uint8_t flags;			/* FLOW_F_* */
	uint16_t anomalies;		/* bitmask of anomaly kinds already reported */
	uint16_t worker;		/* worker index that owns the flow */
	uint64_t flow_id;
	uint64_t start_us;		/* first packet time, microseconds since the epoch */
	uint64_t last_us;		/* last packet time */
	uint64_t pkts[2];		/* [FLOW_TOSERVER], [FLOW_TOCLIENT] */
	uint64_t bytes[2];		/* L2 frame bytes per direction */
	struct tcp_reasm_dir tcp[2];	/* per-direction reassembly, indexed like pkts */
	struct dlp_dir *dlp[2];		/* per-direction DLP state, NULL when not inspected */
	struct dlp_park *dlp_park[2];	/* ... an idle direction's, its stream given up */
	struct app_flow *app_flow;	/* HTTP/SMTP parser state, NULL when not parsed */
	struct msg *tls_msg;		/* tls event waiting for the ServerHello, or NULL */

	/* Policy verdict (flow_policy.h), from the snapshot of version policy_version. */
	uint64_t policy_version;	/* 0: not evaluated yet */
	int32_t rule;			/* rule index in that snapshot, -1: default action */
	uint32_t rule_hash;		/* hash of the rule id (0: default): spots real changes */
	uint16_t from_group, to_group;	/* group indexes in that snapshot */
	uint8_t app;			/* enum policy_app, ANY until identified */
	uint8_t mode;			/* enum policy_mode in force */
	uint8_t action;			/* enum policy_action */
	uint8_t pflags;			/* FLOW_P_* (worker) */
	uint16_t first_slot;		/* worker first-bytes slot + 1, 0 = none */
	uint8_t cap_flags;		/* automatic captures (worker_capture.c): FLOW_CAP_* */
	uint32_t cap_slot;		/* its history slot + 1, 0 = none */
	uint64_t reported_us;		/* last flow list update (worker clock) */
	/* Names of that verdict, kept so a flow that ends after the snapshot was replaced
	 * still reports the verdict it had ("" rule: the default action). */
	char rule_id[POLICY_ID_LEN];
	char from_name[POLICY_NAME_LEN];
	char to_name[POLICY_NAME_LEN];

	/* Table links: owned by flow_table.c. */
	struct flow *hnext;		/* hash chain */
	struct flow *lprev, *lnext;	/* timeout list of the current state, oldest first */
	uint32_t hash;
};

struct flow_table_stats {
	uint64_t created;
	uint64_t ended[FLOW_END__COUNT];
	uint64_t evicted;		/* same as ended[FLOW_END_EVICTED] */
	uint64_t refused;		/* table full and evict = none */
	uint64_t restarted;		/* flows started by flow_table_restart */
	uint64_t active;		/* gauge */
	uint64_t active_max;		/* high-water mark */
};

/*
 * Called for every flow just before its record is reused or dropped from the table
 * (timeout, eviction, shutdown, a new connection on its key). f->end_reason is set. The callee flushes reassembly,
 * emits the flow event and must release the reassembly blocks.
 */
typedef void (*flow_end_fn)(void *cookie, struct flow *f);

struct flow_table;

#endif
