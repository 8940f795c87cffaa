/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The body of POST /v1/captures (and of --capture), checked field by field against the
 * capture: section's limits before anything is looked up or started (docs/capture.md,
 * docs/openapi.yaml). What needs the running daemon (the group's addresses, the flow's
 * 5-tuple, the BPF compile, the quota) is left to control_capture_api.c.
 *
 * Pure: any thread; the strings of a parsed body are borrowed from the JSON object.
 */
#ifndef TOLLGATE_CAPTURE_BODY_H
#define TOLLGATE_CAPTURE_BODY_H

#include <stdint.h>
#include <jansson.h>
#include "config_types.h"

#define CAPTURE_BODY_DURATION_MAX 31536000u	/* a year: the cap when max_duration is 0 */
#define CAPTURE_BODY_PACKETS_MAX (1ull << 62)	/* ... when max_packets is 0 */
#define CAPTURE_BODY_FILE_MIN 1024u		/* smallest file_size a request may ask for */
#define CAPTURE_BODY_FLOW_ID_MAX (1ull << 53)	/* flow ids are exact in a JSON double */
#define CAPTURE_BODY_NO_FLOW UINT64_MAX

/* A refusal, as an RFC 9457 problem: field is a JSON pointer into the body, or "". */
struct capture_fail {
	unsigned int status;
	const char *title;
	char detail[1024];
	char field[64];
};

struct capture_body {
	const char *id, *name, *bpf, *group, *ip;	/* NULL: not given */
	int ip_family;			/* AF_INET or AF_INET6 when ip is given, else 0 */
	uint8_t ip_addr[16];		/* ip's address with the host bits cleared */
	unsigned int ip_prefix;		/* 32 or 128 when ip has no prefix */
	uint64_t port;			/* 0: any */
	uint64_t flow_id;		/* CAPTURE_BODY_NO_FLOW: none */
	uint64_t snaplen, file_size, file_count, duration, packets;
};

/*
 * Fill f and return -EINVAL (for one-line use: return capture_fail_set(...)). field NULL
 * means "". Strings quoted into detail may be cut inside a character: the API's problem
 * writer shows such bytes as '?'.
 */
int capture_fail_set(struct capture_fail *f, unsigned int status, const char *title,
		     const char *field, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/*
 * Check body (a JSON object) against cfg: 0 with *out filled (every limit given or its
 * default), or -EINVAL with f filled (status 400, title "Invalid capture", field the
 * member at fault): an unknown member, a wrong type, a value out of its range, an id or
 * name that is not 1..32 of [A-Za-z0-9_-] not starting with '-', an ip that is not an
 * address or CIDR, a file_size that cannot hold one packet of snaplen.
 */
int capture_body_parse(const json_t *body, const struct config_capture *cfg,
		       struct capture_body *out, struct capture_fail *f);

#endif
