/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running instance: configuration, lcore roles, pools and rings, and the few flags
 * threads use to tell each other to stop. Built by main() before any lcore starts;
 * read-only afterwards except for the flags and the reader's counters.
 */
#ifndef TOLLGATE_RUNTIME_TYPES_H
#define TOLLGATE_RUNTIME_TYPES_H

#include <stdint.h>
#include <rte_lcore.h>
#include "config_types.h"
#include "worker_types.h"

#define RUNTIME_MAX_WORKERS 64
#define RUNTIME_MAX_PORTS WORKER_MAX_PORTS	/* DPDK port ids we track roles for */
#define RUNTIME_NO_PEER 0xffff		/* a tap port: receive only */
#define RUNTIME_MAX_READ 64

struct rte_mempool;
struct rte_rcu_qsbr;
struct sensor_db;
struct snapshot;
struct policy;

/* Counters of the input stage (pcap reader or software dispatcher); one writer. */
struct input_stats {
	uint64_t files;
	uint64_t packets;
	uint64_t bytes;
	uint64_t first_us;
	uint64_t last_us;
	uint64_t truncated;	/* frames shorter on file than on the wire */
	uint64_t oversized;	/* frames larger than we can hold: dropped */
	uint64_t nombuf;	/* mbuf pool empty (live: dropped) */
	uint64_t ring_full;	/* worker ring full (live: dropped) */
	uint64_t errors;	/* files that failed part-way */
	uint64_t bad_time;	/* timestamps before 1970 or with >= 10^6 us: taken as 1970 */
	uint64_t cksum_offloaded;	/* files whose checksums were taken as offloaded */
} __rte_cache_aligned;

struct runtime {
	struct tg_config cfg;
	uint8_t offline;			/* --read: pcap files are the input */
	unsigned int n_read;
	const char *read_files[RUNTIME_MAX_READ];
	const char *dump_dir;			/* --dump-streams, or NULL */
	const char *events_path;		/* --events, or NULL; "-" = stdout */
	const char *stats_path;			/* --stats-json, or NULL */
	const char *state_dir;			/* --state-dir, or NULL (config) */
	char state_path[CONFIG_PATH_LEN];	/* the state directory in use (set at start-up) */
	const char *cache_dir;			/* --cache-dir, or NULL (config); "" = none */
	char cache_path[CONFIG_PATH_LEN];	/* the sensor cache in use; "" = none (start-up) */
	const char *api_listen;			/* --api-listen, or NULL (config) */
	const char *api_token_file;		/* --api-token-file, or NULL (config) */
	uint8_t serve;				/* --serve: keep the API up after --read */
	unsigned int n_captures;
	const char *captures[RUNTIME_MAX_READ];	/* --capture JSON: started before any packet */
	const char *config_path;		/* --config, or NULL (built-in): API writes here */
	struct policy *policy;			/* loaded policy, handed to the control thread */
	struct sensor_db *sensor_db;		/* compiled sensors (the control thread takes it) */
	struct snapshot *snap;			/* published policy (RCU: snapshot.h) */
	struct rte_rcu_qsbr *qsbr;		/* workers report quiescence here */
	uint8_t hash_key[16];			/* value-hash key from the state directory */

	unsigned int n_workers;
	struct worker *workers[RUNTIME_MAX_WORKERS];
	unsigned int input_lcore;		/* reader / dispatcher lcore, or RTE_MAX_LCORE */
	uint8_t sw_dispatch;			/* an input lcore spreads packets to rings */
	uint8_t n_inline;			/* inline ports configured (pairs * 2) */
	uint16_t port_peer[RUNTIME_MAX_PORTS];	/* by port id: its inline peer, or NO_PEER */
	uint16_t port_rxq[RUNTIME_MAX_PORTS];	/* by port id: receive queues to poll */
	uint16_t port_txq[RUNTIME_MAX_PORTS];	/* by port id: transmit queues configured */
	uint16_t port_ids[CONFIG_MAX_PORTS];	/* by dataplane.ports[] index: its port id */

	struct rte_mempool *pkt_pool;
	struct rte_mempool *msg_pool;
	int ts_offset;				/* rte_dynfield_timestamp offset, or -1 */
	uint64_t ts_flag;			/* its ol_flags bit */

	uint64_t tsc_hz;			/* live clock: TSC -> microseconds */
	uint64_t tsc_base;
	uint64_t us_base;

	struct input_stats in;
	volatile int quit;			/* lcores: stop now (signal, or end of run) */
	volatile int stop;			/* the daemon: a signal asked it to exit */
	volatile int reload;			/* SIGHUP: read the config file's policy again */
	volatile int input_done;		/* offline input finished (release/acquire) */
	volatile uint64_t input_end_us;		/* packet time of the end of input */
	int input_failed;			/* a file could not be read */
};

#endif
