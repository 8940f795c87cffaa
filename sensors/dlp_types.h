/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What per-flow DLP accounting (dlp.c) takes and gives: the bindings a rule puts on a flow
 * and the events it reports. They are the sensor layer's own types; the data plane's
 * snapshot holds bindings of this type and its worker messages carry these events, so
 * neither this layer nor its callers need the other's headers for them.
 */
#ifndef TOLLGATE_DLP_TYPES_H
#define TOLLGATE_DLP_TYPES_H

#include <stdint.h>
#include "policy_types.h"

/* Matches one dlp event lists; the rest are counted in total. */
#define DLP_EVENT_MATCHES 16
/* Longest decoding path ("http.body > gzip > json"), and distinct paths one event names. */
#define DLP_PATH_LEN 64
#define DLP_EVENT_PATHS 8
/* Decoded buffers a direction may have open at once (a body, and a base64 value in it). */
#define DLP_BUFFER_LEVELS 2
/* The path of a match in the raw stream (no decoding). */
#define DLP_PATH_RAW "raw"

/* One DLP binding of a rule, with the sensor resolved to its database index. */
struct dlp_binding {
	uint16_t sensor;		/* index in the sensor database */
	uint8_t action;			/* enum policy_dlp_action */
	uint32_t threshold;		/* distinct values per flow direction */
};

/* One match as it leaves the sensor layer: never the value, only its redaction and keyed
 * hash. */
struct dlp_match {
	char sensor[48];
	char category[24];
	char redacted[33];
	uint8_t confidence;	/* enum sensor_confidence */
	uint64_t hash;		/* SipHash-2-4 of the normalised value, installation key */
	uint64_t offset;	/* offset of the value in the buffer its path names (the raw
				 * stream of the direction, or one decoded buffer) */
	uint8_t path;		/* index in the event's paths[] */
};

/*
 * A dlp event: a threshold crossed (the direction's first event, crossing = 1: the sensor
 * whose distinct-value count reached its threshold is named), or the matches found after
 * that, when the direction closes (crossing = 0).
 */
struct dlp_event {
	char rule[POLICY_ID_LEN];	/* rule whose bindings applied, or dlp.rule */
	uint8_t action;		/* enum config_dlp_action: what the binding asks */
	uint8_t blocked;	/* the verdict: block binding in protect mode */
	uint8_t n;		/* matches listed (<= DLP_EVENT_MATCHES) */
	uint32_t total;		/* matches this event stands for (listed or not) */
	uint8_t crossing;	/* this event reports the threshold crossing */
	uint8_t severity;	/* crossing: enum sensor_severity of the sensor below */
	uint32_t threshold;	/* crossing: the threshold it reached (distinct values) */
	char sensor[48];	/* crossing: the sensor that reached it */
	char category[24];	/* crossing: its category */
	uint8_t npaths;		/* paths named by the listed matches */
	char paths[DLP_EVENT_PATHS][DLP_PATH_LEN];
	struct dlp_match m[DLP_EVENT_MATCHES];
};

#endif
