/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The daemon's configuration as loaded from YAML (config/tollgate.yaml documents every
 * key; docs/configuration.md is the reference). Plain data: no pointers into the YAML.
 */
#ifndef TOLLGATE_CONFIG_TYPES_H
#define TOLLGATE_CONFIG_TYPES_H

#include <stdint.h>

#define CONFIG_MAX_PORTS 16
#define CONFIG_MAX_EAL_ARGS 32
#define CONFIG_NAME_LEN 32
#define CONFIG_DEV_LEN 256
#define CONFIG_PATH_LEN 512

/*
 * Flow timeout classes, the keys of flow.timeouts. The data plane's flow states (enum
 * flow_state, dataplane/flow_types.h) take these values, so a state indexes timeout_us.
 */
enum config_flow_timeout {
	CONFIG_FLOW_TIMEOUT_NEW = 0,
	CONFIG_FLOW_TIMEOUT_ESTABLISHED,
	CONFIG_FLOW_TIMEOUT_CLOSING,
	CONFIG_FLOW_TIMEOUT_CLOSED,
	CONFIG_FLOW_TIMEOUT_UDP,
	CONFIG_FLOW_TIMEOUT__COUNT
};

/* The flow: section: the per-worker flow table. */
enum flow_evict_policy {
	FLOW_EVICT_OLDEST = 0,		/* evict closed, then new, then idle-longest flows */
	FLOW_EVICT_NONE,		/* refuse new flows when full */
};

struct flow_table_conf {
	uint32_t max_flows;		/* cap; flow records preallocated */
	uint32_t nbuckets;		/* power of two */
	uint64_t timeout_us[CONFIG_FLOW_TIMEOUT__COUNT];	/* by timeout class */
	uint8_t evict;			/* enum flow_evict_policy */
};

enum config_port_mode {
	CONFIG_PORT_TAP = 0,		/* receive only */
	CONFIG_PORT_INLINE,		/* bridged with its peer (issue: inline gateway) */
};

/* What an inline port does with traffic it cannot inspect (a cap was hit). */
enum config_exception {
	CONFIG_FAIL_OPEN = 0,		/* forward uninspected, report */
	CONFIG_FAIL_CLOSED,		/* drop, report */
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
	uint32_t tx_flush_us;		/* inline: longest a frame waits in a TX buffer */
	uint8_t exception_policy;	/* enum config_exception */
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
	uint8_t http;			/* Suricata-style http metadata events */
	uint8_t smtp;			/* Suricata-style smtp metadata events */
	uint32_t drain_timeout_ms;	/* shutdown: how long a worker waits for ring space */
};

/* The app: section: application parsers and body decoders in front of the sensors. */
struct config_app {
	uint8_t enabled;		/* parse HTTP/SMTP and scan decoded bodies */
	uint32_t max_flows;		/* flows parsed at once per worker */
	uint64_t decode_memcap;		/* decompressor memory per worker, bytes */
	uint64_t max_decoded;		/* decoded bytes scanned per body or part */
	uint32_t max_ratio;		/* decompressed/compressed bytes, past the first 64 KiB */
	uint32_t max_header_line;	/* HTTP/SMTP/MIME header line, bytes */
	uint32_t max_headers;		/* header fields per HTTP message */
	uint32_t base64_min;		/* shortest JSON/form value decoded as base64 */
};

#define CONFIG_MAX_CUSTOM 32
#define CONFIG_CUSTOM_PATTERNS 8
#define CONFIG_CUSTOM_PATTERN_LEN 256
#define CONFIG_CUSTOM_KEYWORDS 16
#define CONFIG_KEYWORD_LEN 64
#define CONFIG_SENSOR_NAME_LEN 48
#define CONFIG_MAX_DISABLED 32
#define CONFIG_MAX_OVERRIDES 24		/* one per built-in sensor */

/* How the sensor engine finds candidates (sensors/: enum sensor_engine_kind, same order). */
enum config_dlp_engine {
	CONFIG_DLP_ENGINE_PREFILTER = 0,	/* prefilter DFAs + literal-led Hyperscan */
	CONFIG_DLP_ENGINE_HYPERSCAN,		/* every pattern in one Hyperscan database */
};

enum config_dlp_action {
	CONFIG_DLP_ALERT = 0,
	CONFIG_DLP_BLOCK,
};

enum config_severity {
	CONFIG_SEV_LOW = 1,		/* same values as enum sensor_severity */
	CONFIG_SEV_MEDIUM,
	CONFIG_SEV_HIGH,
	CONFIG_SEV_CRITICAL,
};

/* A custom GDPR class from dlp.custom[]. */
struct config_custom_sensor {
	char name[CONFIG_SENSOR_NAME_LEN];	/* [a-z0-9_], not a built-in id */
	char category[24];			/* health, financial, identity, contact, ... */
	char validator[32];			/* "none" (default), luhn, mod97, a built-in id */
	uint32_t n_patterns;			/* >= 1 */
	char patterns[CONFIG_CUSTOM_PATTERNS][CONFIG_CUSTOM_PATTERN_LEN];
	uint32_t n_keywords;
	char keywords[CONFIG_CUSTOM_KEYWORDS][CONFIG_KEYWORD_LEN];
	uint32_t window;			/* context window, bytes; 0: dlp.context_window */
	uint32_t threshold;			/* distinct values per flow; 0: dlp.threshold */
	uint8_t severity;			/* enum config_severity, default medium */
	uint8_t context_required;		/* every match needs a keyword */
};

/*
 * Tuning of one built-in sensor, from dlp.sensors[]. A field left unset keeps what the
 * sensor has without it: the built-in keywords, dlp.context_window, dlp.threshold.
 */
struct config_sensor_override {
	char id[CONFIG_SENSOR_NAME_LEN];	/* a built-in id, not in dlp.disabled */
	uint8_t has_keywords;			/* 1: keywords replace the built-in ones */
	uint32_t n_keywords;			/* may be 0 with has_keywords: no keywords */
	char keywords[CONFIG_CUSTOM_KEYWORDS][CONFIG_KEYWORD_LEN];
	uint32_t n_add_keywords;		/* added after the built-in (or replaced) ones */
	char add_keywords[CONFIG_CUSTOM_KEYWORDS][CONFIG_KEYWORD_LEN];
	uint32_t window;			/* context window, bytes; 0: dlp.context_window */
	uint32_t threshold;			/* distinct values per flow; 0: dlp.threshold */
};

/*
 * DLP: the default policy (every enabled sensor on every TCP flow), the tuning of
 * built-in sensors and custom classes.
 */
struct config_dlp {
	uint8_t enabled;			/* open sensor streams on TCP flows */
	uint8_t action;				/* enum config_dlp_action */
	uint8_t engine;				/* enum config_dlp_engine */
	char rule[32];				/* rule name reported in dlp events */
	uint32_t threshold;			/* distinct values per flow direction, >= 1 */
	uint32_t max_matches;			/* matches listed per event, 1..16 */
	uint32_t max_streams;			/* sensor streams per worker */
	uint32_t context_window;		/* default context window, bytes */
	uint32_t n_disabled;			/* built-in sensors turned off */
	char disabled[CONFIG_MAX_DISABLED][CONFIG_SENSOR_NAME_LEN];
	uint32_t n_overrides;			/* built-in sensors tuned, each once */
	struct config_sensor_override overrides[CONFIG_MAX_OVERRIDES];
	uint32_t n_custom;
	struct config_custom_sensor custom[CONFIG_MAX_CUSTOM];
};

/* REST API (control thread). */
struct config_api {
	char listen[64];		/* "127.0.0.1:8470", "[::1]:8470"; "" = no API */
	char token_file[CONFIG_PATH_LEN];	/* "admin <token>" / "read <token>" lines; "" = none */
	char tls_cert[CONFIG_PATH_LEN];	/* PEM; both or neither with tls_key */
	char tls_key[CONFIG_PATH_LEN];
	uint32_t max_body;		/* request body limit, bytes */
	uint32_t events_kept;		/* last events served by GET /v1/events; 0 = none */
};

struct tg_config {
	char source[CONFIG_PATH_LEN];	/* file it came from, or "<built-in>" */
	char state_dir[CONFIG_PATH_LEN];
	struct config_dataplane dp;
	struct flow_table_conf flow;	/* timeouts in microseconds */
	struct config_defrag defrag;
	struct config_reasm reasm;
	struct config_events events;
	struct config_app app;
	struct config_dlp dlp;
	struct config_api api;
};

#endif
