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
	uint32_t rx_desc;		/* descriptors per receive queue; 0: 1024 */
	uint32_t tx_desc;		/* descriptors per transmit queue; 0: 1024 */
};

struct config_idle {
	uint8_t busy_poll;		/* 1: never back off (dedicated cores) */
	uint32_t empty_polls;		/* empty polls before backing off */
	uint32_t pause_polls;		/* further empty polls spent in rte_pause before sleeping */
	uint32_t max_sleep_us;		/* cap on one back-off sleep (the added latency) */
};

/* dataplane.checksums: whether frames with a bad IP, TCP or UDP checksum are inspected. */
enum config_checksums {
	CONFIG_CKSUM_AUTO = 0,		/* validate; --read: not for a capture whose first
					 * packets say the capturing host offloaded them */
	CONFIG_CKSUM_VALIDATE,		/* a frame with a bad checksum is not inspected */
	CONFIG_CKSUM_IGNORE,		/* every frame is inspected */
};

struct config_dataplane {
	uint32_t workers;		/* worker lcores */
	uint32_t burst;			/* RX burst size, at most 64 */
	uint32_t mbufs;			/* mbufs in the packet pool */
	uint32_t ring_size;		/* dispatcher -> worker ring entries (power of two) */
	struct config_idle idle;
	uint32_t tx_flush_us;		/* inline: longest a frame waits in a TX buffer */
	uint8_t exception_policy;	/* enum config_exception */
	uint8_t checksums;		/* enum config_checksums */
	uint32_t nports;
	struct config_port ports[CONFIG_MAX_PORTS];
	uint32_t n_eal_args;
	char eal_args[CONFIG_MAX_EAL_ARGS][CONFIG_DEV_LEN];	/* extra EAL arguments */
};

/* Every held fragment occupies one packet buffer (struct rte_mbuf + 2176 bytes of data
 * room, dataplane.mbufs); defrag.memcap must hold max_frags of them. */
#define CONFIG_DEFRAG_FRAG_BYTES 2304u

struct config_defrag {
	uint32_t max_flows;		/* datagrams being reassembled at once, per worker */
	uint32_t max_frags;		/* fragments of one datagram, at most */
	uint64_t memcap;		/* bytes of packet buffers held by fragments, per worker */
	uint32_t timeout_ms;		/* drop an incomplete datagram after this */
};

/* reassembly.urgent: what the protected hosts' stack does with a TCP urgent byte. */
enum config_urgent {
	CONFIG_URGENT_REMOVE = 0,	/* read out of band: not in the stream (SO_OOBINLINE off) */
	CONFIG_URGENT_INLINE,		/* left in the stream (SO_OOBINLINE on) */
};

struct config_reasm {
	uint64_t memcap;		/* bytes of out-of-order buffer per worker */
	uint32_t block_size;		/* bytes per buffer block */
	uint32_t max_ooo_per_dir;	/* bytes held out of order per flow direction */
	uint64_t depth;			/* bytes inspected per direction, 0 = unlimited */
	uint8_t midstream;		/* pick up flows without a SYN */
	uint8_t urgent;			/* enum config_urgent */
};

/* events.file.fsync: when the events file is forced to disk (fsync). */
enum config_fsync {
	CONFIG_FSYNC_NEVER = 0,		/* the kernel writes it back when it likes */
	CONFIG_FSYNC_ROTATE,		/* before a file is closed: rotation, SIGHUP, exit */
	CONFIG_FSYNC_INTERVAL,		/* ... and every fsync_interval_ms while written to */
};

/* events.file: the --events FILE sink (appended to; reopened on SIGHUP). */
struct config_events_file {
	uint64_t max_size;		/* rotate past this many bytes; 0 = never (logrotate) */
	uint32_t keep;			/* rotated files kept: FILE.1 (newest) .. FILE.keep */
	uint8_t fsync;			/* enum config_fsync */
	uint32_t fsync_interval_ms;	/* CONFIG_FSYNC_INTERVAL period */
};

/*
 * events.sinks[]: where events go besides the file (control/sink.c; docs/outputs.md).
 * The event types a sink's filter names (event_types), one bit each.
 */
enum config_event_type {
	CONFIG_EV_FLOW = 0,
	CONFIG_EV_ALERT,
	CONFIG_EV_DLP,
	CONFIG_EV_ANOMALY,
	CONFIG_EV_HTTP,
	CONFIG_EV_SMTP,
	CONFIG_EV_TLS,
	CONFIG_EV_DNS,
	CONFIG_EV__COUNT
};

enum config_sink_type {
	CONFIG_SINK_SYSLOG = 0,		/* RFC 5424 over UDP, TCP (RFC 6587) or TLS (RFC 5425) */
	CONFIG_SINK_WEBHOOK,		/* HTTP(S) POST of each event (libcurl) */
	CONFIG_SINK_KAFKA,		/* a Kafka topic (librdkafka, idempotent producer) */
};

enum config_syslog_transport {
	CONFIG_SYSLOG_UDP = 0,
	CONFIG_SYSLOG_TCP,
	CONFIG_SYSLOG_TLS,
};

enum config_kafka_key {
	CONFIG_KAFKA_KEY_FLOW_ID = 0,	/* the event's flow_id in decimal */
	CONFIG_KAFKA_KEY_NONE,		/* no key: librdkafka's partitioner spreads events */
};

#define CONFIG_MAX_SINKS 8
#define CONFIG_SINK_PROPS 16
#define CONFIG_SINK_ADDR_LEN 512
#define CONFIG_SINK_PROP_KEY_LEN 64
#define CONFIG_SINK_PROP_VALUE_LEN 256
#define CONFIG_SINK_HOST_LEN 256

/* A librdkafka property of a kafka sink (properties:). */
struct config_sink_prop {
	char key[CONFIG_SINK_PROP_KEY_LEN];
	char value[CONFIG_SINK_PROP_VALUE_LEN];
};

struct config_sink {
	char name[CONFIG_NAME_LEN];	/* unique; the sink label of its metrics */
	uint8_t type;			/* enum config_sink_type */
	char address[CONFIG_SINK_ADDR_LEN];	/* syslog HOST:PORT, webhook URL, kafka brokers */
	uint32_t event_types;		/* 1 << enum config_event_type; all bits by default */
	uint8_t min_severity;		/* pass events of severity 1 (high) .. min_severity */
	uint32_t queue_size;		/* events waiting for the sender, at most */
	uint32_t retries;		/* attempts after the first, per event */
	uint32_t backoff_ms;		/* first retry delay; doubles per attempt */
	uint32_t backoff_max_ms;	/* cap on a retry delay */
	uint32_t timeout_ms;		/* connect / send / request timeout */
	uint32_t flush_timeout_ms;	/* at exit: how long queued events may still go out */
	/* syslog */
	uint8_t transport;		/* enum config_syslog_transport */
	uint8_t facility;		/* RFC 5424 facility code 0..23 */
	/* syslog (tls) and webhook (https) */
	char tls_ca_file[CONFIG_PATH_LEN];	/* "": the system's CAs (webhook only) */
	char tls_server_name[CONFIG_SINK_HOST_LEN];	/* "": the host of address */
	char tls_cert_file[CONFIG_PATH_LEN];	/* client certificate, optional */
	char tls_key_file[CONFIG_PATH_LEN];
	/* webhook */
	char hmac_key_file[CONFIG_PATH_LEN];	/* "": requests are not signed */
	/* kafka */
	char topic[CONFIG_SINK_HOST_LEN];
	uint8_t key;			/* enum config_kafka_key */
	uint32_t n_props;
	struct config_sink_prop props[CONFIG_SINK_PROPS];
};

struct config_events {
	uint32_t ring_size;		/* worker -> control event ring entries (power of two) */
	uint8_t http;			/* Suricata-style http metadata events */
	uint8_t smtp;			/* Suricata-style smtp metadata events */
	uint8_t tls;			/* Suricata-style tls metadata events */
	uint8_t dns;			/* Suricata-style dns metadata events (UDP) */
	uint32_t drain_timeout_ms;	/* shutdown: how long a worker waits for ring space */
	struct config_events_file file;
	uint32_t n_sinks;
	struct config_sink sinks[CONFIG_MAX_SINKS];
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
	uint32_t max_parked;			/* idle directions' accounting kept per worker */
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
	uint32_t max_connections;	/* connections at once, all clients */
	uint32_t max_connections_per_ip;	/* connections at once from one address */
	uint32_t idle_timeout_s;	/* a connection idle this long is closed */
};

/*
 * The capture: section: packet captures to pcap ring files (docs/capture.md). Each limit
 * has the default a capture gets when its request leaves it out, and the largest value a
 * request may ask for. Durations are seconds and packet counts; 0 means no limit (as a
 * default: the capture runs until stopped; as a max_: requests are not capped).
 */
struct config_capture {
	uint8_t enabled;		/* per-worker copy rings and the pcap writer */
	uint64_t ring_size;		/* bytes of each worker's copy ring (power of two) */
	uint32_t max_concurrent;	/* captures running at once, 1..32 */
	uint64_t quota;			/* bytes all captures may hold under STATE_DIR/captures */
	uint32_t snaplen, max_snaplen;	/* bytes kept of each packet */
	uint64_t file_size, max_file_size;	/* bytes of one ring file */
	uint32_t file_count, max_file_count;	/* files in a capture's ring */
	uint32_t duration, max_duration;	/* seconds; 0: no limit */
	uint64_t packets, max_packets;		/* packets written; 0: no limit */
	/* Automatic captures (docs/capture.md "Automatic captures"): a history per flow whose
	 * events are captured, written to a capture of its own when one is raised. */
	uint8_t auto_alert;		/* default of `capture` for alerts and alert bindings */
	uint64_t history_memcap;	/* bytes of flow histories per worker; 0: none */
	uint64_t history_bytes;		/* bytes of one flow's history */
	uint32_t history_first;		/* first packets kept (the handshake) */
	uint32_t history_last;		/* last packets kept, at most */
	uint32_t history_snaplen;	/* bytes kept of each packet */
	uint32_t event_packets;		/* packets copied after the event */
	uint32_t event_seconds;		/* ... for at most this long (packet time) */
	uint32_t event_max;		/* event captures kept; the oldest stopped one goes */
	uint32_t event_rate;		/* event captures a worker starts per second; 0: any */
};

/* incidents: findings grouped for GET /v1/incidents and the GDPR Art. 33 report. */
struct config_incidents {
	uint64_t window_us;		/* a finding joins an incident within this of it */
	uint32_t max;			/* incidents kept (the oldest are dropped) */
	uint32_t max_values;		/* distinct values (keyed hashes) kept per incident */
};

struct tg_config {
	char source[CONFIG_PATH_LEN];	/* file it came from, or "<built-in>" */
	char state_dir[CONFIG_PATH_LEN];
	char cache_dir[CONFIG_PATH_LEN];	/* compiled sensor databases */
	struct config_dataplane dp;
	struct flow_table_conf flow;	/* timeouts in microseconds */
	struct config_defrag defrag;
	struct config_reasm reasm;
	struct config_events events;
	struct config_app app;
	struct config_dlp dlp;
	struct config_api api;
	struct config_capture capture;
	struct config_incidents incidents;
};

#endif
