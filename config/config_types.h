/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's configuration as loaded from YAML (config/tollgate.yaml documents every
 * key; docs/configuration.md is the reference). Plain data: no pointers into the YAML.
 */
#ifndef TOLLGATE_CONFIG_TYPES_H
#define TOLLGATE_CONFIG_TYPES_H

#include <stdint.h>
#include "flow_types.h"

#define CONFIG_MAX_PORTS 16
#define CONFIG_MAX_EAL_ARGS 32
#define CONFIG_NAME_LEN 32
#define CONFIG_DEV_LEN 256
#define CONFIG_PATH_LEN 512

enum config_port_mode {
	CONFIG_PORT_TAP = 0,		/* receive only */
	CONFIG_PORT_INLINE,		/* bridged with its peer (issue: inline gateway) */
};

struct config_port {
	char name[CONFIG_NAME_LEN];	/* user's name, e.g. "inside" */
	char device[CONFIG_DEV_LEN];	/* PCI address or vdev string "net_pcap0,rx_pcap=f" */
	uint8_t mode;			/* enum config_port_mode */
	char peer[CONFIG_NAME_LEN];	/* inline: name of the peer port */
};

struct config_idle {
	uint8_t busy_poll;		/* 1: never back off (dedicated cores) */
	uint32_t empty_polls;		/* empty polls before backing off */
	uint32_t pause_polls;		/* further empty polls spent in rte_pause before sleeping */
	uint32_t max_sleep_us;		/* cap on one back-off sleep (the added latency) */
};

struct config_dataplane {
	uint32_t workers;		/* worker lcores */
	uint32_t burst;			/* RX burst size, at most 64 */
	uint32_t mbufs;			/* mbufs in the packet pool */
	uint32_t ring_size;		/* dispatcher -> worker ring entries (power of two) */
	struct config_idle idle;
	uint32_t nports;
	struct config_port ports[CONFIG_MAX_PORTS];
	uint32_t n_eal_args;
	char eal_args[CONFIG_MAX_EAL_ARGS][CONFIG_DEV_LEN];	/* extra EAL arguments */
};

struct config_defrag {
	uint32_t max_flows;		/* datagrams being reassembled at once, per worker */
	uint32_t bucket_entries;	/* associativity of the fragment table */
	uint32_t timeout_ms;		/* drop an incomplete datagram after this */
};

struct config_reasm {
	uint64_t memcap;		/* bytes of out-of-order buffer per worker */
	uint32_t block_size;		/* bytes per buffer block */
	uint32_t max_ooo_per_dir;	/* bytes held out of order per flow direction */
	uint64_t depth;			/* bytes inspected per direction, 0 = unlimited */
	uint8_t midstream;		/* pick up flows without a SYN */
};

struct config_events {
	uint32_t ring_size;		/* worker -> control event ring entries (power of two) */
};

struct tg_config {
	char source[CONFIG_PATH_LEN];	/* file it came from, or "<built-in>" */
	char state_dir[CONFIG_PATH_LEN];
	struct config_dataplane dp;
	struct flow_table_conf flow;	/* timeouts in microseconds */
	struct config_defrag defrag;
	struct config_reasm reasm;
	struct config_events events;
};

#endif
