/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An incident as the incident store (incident.c) keeps it and the breach report
 * (incident_report.c) reads it: findings about personal data that went to one destination
 * group under one rule within the incident window, with what GDPR Art. 33(3) asks a
 * controller to tell: categories, numbers of records and data subjects, destinations,
 * timeline, measures taken, and the policy in force. Never a raw value: values are
 * counted by their keyed hashes only. Types only.
 */
#ifndef TOLLGATE_INCIDENT_TYPES_H
#define TOLLGATE_INCIDENT_TYPES_H

#include <stdint.h>
#include "policy_types.h"

#define INCIDENT_CATEGORIES 16		/* data categories per incident */
#define INCIDENT_SENSORS 8		/* sensors named per category */
#define INCIDENT_SENSOR_LEN 48
#define INCIDENT_CATEGORY_LEN 24
#define INCIDENT_DESTS 32		/* destinations listed per incident */
#define INCIDENT_SOURCES 8		/* source groups listed per incident */
#define INCIDENT_TIMELINE 256		/* findings listed per incident (the first ones) */
#define INCIDENT_REVISIONS 8		/* policy revisions listed per incident */
#define INCIDENT_HOST_LEN 128
#define INCIDENT_CAPTURES 32		/* automatic captures listed per incident */
#define INCIDENT_CAPTURE_ID_LEN 33	/* CAPTURE_ID_LEN (pcap/capture.h) */

/* A set of 64-bit keys (keyed hashes, flow ids): open addressing, grown up to a cap. */
struct incident_set {
	uint64_t *slot;			/* 0 = empty */
	uint32_t cap;			/* slots, a power of two; 0 before the first key */
	uint32_t n;			/* keys held, key 0 included */
	uint8_t zero;			/* key 0 is held (it has no slot) */
};

struct incident_category {
	char name[INCIDENT_CATEGORY_LEN];	/* financial, identity, contact, ... */
	uint64_t records;			/* matches of the category (occurrences) */
	struct incident_set values;		/* distinct keyed hashes: data subjects */
	uint8_t nsensors;
	char sensors[INCIDENT_SENSORS][INCIDENT_SENSOR_LEN];
};

struct incident_dest {
	char group[POLICY_NAME_LEN];
	char fqdn[INCIDENT_HOST_LEN];		/* HTTP host, or a name learned for the address */
	uint8_t family;				/* 4 or 6 */
	uint8_t addr[16];
	uint16_t port;
	uint64_t findings;
};

/* One finding as the timeline lists it. */
struct incident_finding {
	uint64_t ts_us;
	uint64_t flow_id;
	uint32_t records;		/* matches the event stands for */
	uint16_t categories;		/* bit i: the incident's category i had a listed match */
	uint8_t dest;			/* index in dest[], or INCIDENT_DESTS: not listed */
	uint8_t crossing;		/* a threshold alert (else a dlp event) */
	uint8_t blocked;
	uint8_t reset;
	uint8_t to_client;		/* direction: server to client */
	uint8_t capture;		/* index in captures[], or INCIDENT_CAPTURES: none listed */
	char sensor[INCIDENT_SENSOR_LEN];	/* crossing: the sensor; else "" */
};

/* The automatic capture made for some of the incident's findings (docs/capture.md). */
struct incident_capture {
	char id[INCIDENT_CAPTURE_ID_LEN];
	uint64_t findings;		/* findings whose event carries it */
};

enum incident_action {
	INCIDENT_ALLOWED = 0,
	INCIDENT_BLOCKED,
	INCIDENT_RESET,		/* blocked TCP flows an inline gateway reset (subset of blocked) */
	INCIDENT_ACTION__COUNT
};

struct incident {
	uint64_t id;			/* 1, 2, ... in creation order */
	char to_group[POLICY_NAME_LEN];	/* the destination group */
	char rule[POLICY_ID_LEN];	/* the rule whose bindings applied, or dlp.rule */
	uint64_t first_us, last_us;	/* packet time of the first and last finding */
	uint64_t findings;		/* threshold alerts and dlp events */
	uint64_t records;		/* matches they stand for */
	uint64_t unlisted;		/* ... of them not listed in their event (no category) */
	uint64_t actions[INCIDENT_ACTION__COUNT];	/* findings by action */
	uint8_t modes;			/* bit enum policy_mode: the modes in force */
	uint8_t capped;			/* a list or set was full: counts are lower bounds */
	uint32_t ncat;
	struct incident_category cat[INCIDENT_CATEGORIES];
	uint32_t ndest;
	uint64_t dests_unlisted;	/* findings whose destination was not listed */
	struct incident_dest dest[INCIDENT_DESTS];
	uint32_t nsrc;
	char src_groups[INCIDENT_SOURCES][POLICY_NAME_LEN];
	struct incident_set flows;	/* distinct flow ids */
	uint32_t ntl;
	struct incident_finding tl[INCIDENT_TIMELINE];
	uint32_t ncap;
	uint64_t caps_unlisted;		/* findings whose capture was not listed */
	struct incident_capture caps[INCIDENT_CAPTURES];
	uint32_t nrev;
	uint64_t revisions[INCIDENT_REVISIONS];	/* policy revisions in force, in order seen */
	char etag[40];			/* the policy's ETag at the last finding */
};

#endif
