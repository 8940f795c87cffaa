/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The egress policy as plain data (DESIGN.md "Policy model"): modes, groups of addresses,
 * FQDN patterns and label selectors, and ordered first-match rules with DLP bindings.
 * Every array is bounded; the caps below are what the loader (policy.c) enforces and
 * names in its messages. Built once on the control thread, then read-only.
 */
#ifndef TOLLGATE_POLICY_TYPES_H
#define TOLLGATE_POLICY_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#define POLICY_MAX_GROUPS	256	/* user groups, on top of the two built-in ones */
#define POLICY_MAX_CIDRS	64	/* per group */
#define POLICY_MAX_RANGES	64	/* per group */
#define POLICY_MAX_FQDNS	64	/* per group */
#define POLICY_MAX_RULES	1024
#define POLICY_MAX_PORTS	32	/* port entries (numbers or ranges) per rule */
#define POLICY_MAX_DLP		16	/* DLP bindings per rule */
#define POLICY_NAME_LEN		32	/* group name: 1..31 of [a-z0-9_-] + NUL */
#define POLICY_ID_LEN		64	/* rule id: 1..63 of [A-Za-z0-9_-] + NUL */
#define POLICY_SENSOR_LEN	64	/* DLP sensor id: 1..63 bytes + NUL */
#define POLICY_FQDN_LEN		254	/* hostname: at most 253 bytes + NUL */
#define POLICY_COMMENT_LEN	256	/* rule comment: at most 255 bytes + NUL */
#define POLICY_DLP_THRESHOLD_MAX 1000000u

/* Indexes of the built-in groups; user groups follow in document order. */
#define POLICY_GROUP_ANY	0u	/* every address */
#define POLICY_GROUP_EXTERNAL	1u	/* addresses in no user group's CIDRs or ranges */
#define POLICY_GROUP_FIRST_USER	2u

struct selector;

enum policy_mode {
	POLICY_MODE_INHERIT = 0,	/* group only: use the global mode */
	POLICY_MODE_DISCOVER,
	POLICY_MODE_MONITOR,
	POLICY_MODE_PROTECT,
};

enum policy_action {
	POLICY_ACTION_ALLOW = 0,
	POLICY_ACTION_DENY,
};

/* Rule protocol filter: the IP protocol number, 0 for any. */
#define POLICY_PROTO_ANY	0
#define POLICY_PROTO_ICMP	1	/* also matches ICMPv6 (58) for IPv6 */
#define POLICY_PROTO_TCP	6
#define POLICY_PROTO_UDP	17

enum policy_app {
	POLICY_APP_ANY = 0,	/* as a rule filter: any; as a flow's app: not identified */
	POLICY_APP_HTTP,
	POLICY_APP_TLS,
	POLICY_APP_DNS,
	POLICY_APP_SMTP,
};

enum policy_dlp_action {
	POLICY_DLP_ALERT = 0,
	POLICY_DLP_BLOCK,
};

/*
 * `capture` of a rule or DLP binding (docs/capture.md "Automatic captures"): whether the
 * events it raises get a capture of the flow's packets. DEFAULT: a binding takes its
 * rule's; left at DEFAULT there too, block bindings capture and the rest (alert bindings,
 * the rule's own alerts) as capture.auto_alert says.
 */
enum policy_capture {
	POLICY_CAPTURE_DEFAULT = 0,
	POLICY_CAPTURE_OFF,
	POLICY_CAPTURE_ON,
};

/* An IPv4 address uses addr[0..3] (network order), the rest is zero. */
struct policy_cidr {
	uint8_t addr[16];	/* host bits are zero */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t prefix;		/* 0..32 or 0..128 */
};

struct policy_range {
	uint8_t lo[16], hi[16];	/* inclusive, lo <= hi, network order */
	uint8_t family;		/* AF_INET or AF_INET6 */
};

struct policy_group {
	char name[POLICY_NAME_LEN];
	uint8_t mode;			/* enum policy_mode; INHERIT when not set */
	uint16_t ncidrs, nranges, nfqdns;
	struct policy_cidr cidrs[POLICY_MAX_CIDRS];
	struct policy_range ranges[POLICY_MAX_RANGES];
	char fqdns[POLICY_MAX_FQDNS][POLICY_FQDN_LEN];	/* lower case; may start "*." */
	char *selector_text;		/* as written; NULL when absent (owned by the policy) */
	struct selector *selector;	/* parsed selector_text; NULL when absent (owned) */
};

struct policy_port_range {
	uint16_t lo, hi;		/* inclusive, 1 <= lo <= hi */
};

struct policy_dlp {
	char sensor[POLICY_SENSOR_LEN];
	uint8_t action;			/* enum policy_dlp_action */
	uint32_t threshold;		/* 1..POLICY_DLP_THRESHOLD_MAX */
	uint8_t capture;		/* enum policy_capture */
};

struct policy_rule {
	char id[POLICY_ID_LEN];
	uint16_t from, to;		/* group indexes */
	uint8_t proto;			/* POLICY_PROTO_* */
	uint8_t app;			/* enum policy_app */
	uint8_t action;			/* enum policy_action */
	bool require_tls;
	uint8_t capture;		/* enum policy_capture */
	uint16_t nports;		/* 0 = any destination port */
	struct policy_port_range ports[POLICY_MAX_PORTS];
	uint16_t ndlp;
	struct policy_dlp dlp[POLICY_MAX_DLP];
	char comment[POLICY_COMMENT_LEN];
};

struct policy {
	uint8_t mode;			/* enum policy_mode, never INHERIT */
	uint8_t default_action;		/* enum policy_action: when no rule matches */
	unsigned int ngroups;		/* built-in ones included */
	unsigned int nrules;
	struct policy_group groups[POLICY_GROUP_FIRST_USER + POLICY_MAX_GROUPS];
	struct policy_rule rules[POLICY_MAX_RULES];
};

#endif
