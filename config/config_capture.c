/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The capture: section (docs/capture.md, docs/configuration.md "capture"): the per-worker
 * copy rings, the number of captures running at once, the disk quota of STATE_DIR/captures,
 * for each limit of a capture (snaplen, file size, file count, duration, packets) the
 * default a request gets and the largest value it may ask for, and the automatic captures
 * of events: the per-flow histories (memory per worker, bytes, first and last packets,
 * snaplen) and what follows an event (packets, seconds), how many such captures are kept.
 *
 * Rules across keys run once the whole section is read (cfg_capture_check), since the keys
 * may come in any order: each default within its maximum, the default ring within the
 * quota, a file large enough for one packet, a copy ring holding at least two packets, a
 * history holding four packets of its snaplen, a quota holding one event capture.
 * Control thread only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "config_priv.h"
#include "yaml_tree.h"

/* Ranges (docs/configuration.md lists the same). */
#define CAP_CONCURRENT_MAX	32		/* the workers' capture slots (CAPTURE_SLOTS) */
#define CAP_RING_MIN		(64 * KIB)
#define CAP_RING_MAX		GIB
#define CAP_QUOTA_MIN		MIB
#define CAP_QUOTA_MAX		(64 * 1024 * GIB)
#define CAP_SNAPLEN_MAX		262144		/* as tcpdump and dumpcap */
#define CAP_FILE_MIN		(1 * KIB)
#define CAP_FILE_MAX		(64 * GIB)
#define CAP_FILES_MAX		99999		/* the 5-digit index of a ring file name */
#define CAP_DURATION_MAX	31536000	/* a year */
#define CAP_PACKETS_MAX		(1ull << 62)
/* A pcap file header, and one record header in front of each packet. */
#define CAP_FILE_HDR		24
#define CAP_REC_HDR		16
/* A copy's header in a worker ring (dataplane/capture_types.h, struct capture_rec). */
#define CAP_COPY_HDR		32
/* Automatic captures. */
#define CAP_HIST_MEMCAP_MAX	(64 * GIB)
#define CAP_HIST_BYTES_MIN	(4 * KIB)
#define CAP_HIST_BYTES_MAX	(64 * MIB)
#define CAP_HIST_FIRST_MAX	64
#define CAP_HIST_LAST_MAX	65535
#define CAP_HIST_SNAPLEN_MIN	64
#define CAP_HIST_SNAPLEN_MAX	65535		/* larger frames never reach a worker */
#define CAP_HIST_REC_HDR	24		/* a copy's header in a history */
#define CAP_EVENT_PACKETS_MAX	1000000
#define CAP_EVENT_SECONDS_MAX	3600
#define CAP_EVENT_MAX		100000
#define CAP_EVENT_RATE_MAX	100000
#define CAP_EVENT_RSTS		4		/* resets a capture holds beyond its packets */
#define CAP_RST_FRAME		128		/* dataplane/rst.h RST_FRAME_MAX */

const struct cfg_field cfg_capture_fields[] = {
	BOOL("enabled", capture.enabled),
	SIZE("ring_size", capture.ring_size, CAP_RING_MIN, CAP_RING_MAX),
	UINT("max_concurrent", capture.max_concurrent, 1, CAP_CONCURRENT_MAX, 0),
	SIZE("quota", capture.quota, CAP_QUOTA_MIN, CAP_QUOTA_MAX),
	UINT("snaplen", capture.snaplen, 1, CAP_SNAPLEN_MAX, 0),
	UINT("max_snaplen", capture.max_snaplen, 1, CAP_SNAPLEN_MAX, 0),
	SIZE("file_size", capture.file_size, CAP_FILE_MIN, CAP_FILE_MAX),
	SIZE("max_file_size", capture.max_file_size, CAP_FILE_MIN, CAP_FILE_MAX),
	UINT("file_count", capture.file_count, 1, CAP_FILES_MAX, 0),
	UINT("max_file_count", capture.max_file_count, 1, CAP_FILES_MAX, 0),
	UINT("duration", capture.duration, 0, CAP_DURATION_MAX, 0),
	UINT("max_duration", capture.max_duration, 0, CAP_DURATION_MAX, 0),
	UINT("packets", capture.packets, 0, CAP_PACKETS_MAX, 0),
	UINT("max_packets", capture.max_packets, 0, CAP_PACKETS_MAX, 0),
	BOOL("auto_alert", capture.auto_alert),
	SIZE("history_memcap", capture.history_memcap, 0, CAP_HIST_MEMCAP_MAX),
	SIZE("history_bytes", capture.history_bytes, CAP_HIST_BYTES_MIN, CAP_HIST_BYTES_MAX),
	UINT("history_first", capture.history_first, 0, CAP_HIST_FIRST_MAX, 0),
	UINT("history_last", capture.history_last, 1, CAP_HIST_LAST_MAX, 0),
	UINT("history_snaplen", capture.history_snaplen, CAP_HIST_SNAPLEN_MIN,
	     CAP_HIST_SNAPLEN_MAX, 0),
	UINT("event_packets", capture.event_packets, 0, CAP_EVENT_PACKETS_MAX, 0),
	UINT("event_seconds", capture.event_seconds, 0, CAP_EVENT_SECONDS_MAX, 0),
	UINT("event_max", capture.event_max, 1, CAP_EVENT_MAX, 0),
	UINT("event_rate", capture.event_rate, 0, CAP_EVENT_RATE_MAX, 0),
	{ .key = NULL },
};

/* The node of key in the section (for the error position), or the section itself. */
static const struct yaml_node *
cap_node(const struct yaml_node *map, const char *key)
{
	const struct yaml_node *n = map != NULL ? yaml_tree_get(map, key) : NULL;

	return n != NULL ? n : map;
}

static int
cap_err(struct cfg_ctx *x, const struct yaml_node *map, const char *key, const char *fmt,
	const char *a, const char *b)
{
	char path[64];

	snprintf(path, sizeof(path), "capture.%s", key);
	return cfg_err_path(x, cap_node(map, key), path, fmt, a, b);
}

/* A default within its maximum; with a maximum set, "no limit" (0) is over it too. */
static int
cap_check_limit(struct cfg_ctx *x, const struct yaml_node *map, const char *key,
		uint64_t def, uint64_t max, int zero_unlimited)
{
	char d[32], m[32];

	snprintf(d, sizeof(d), "%llu", (unsigned long long)def);
	snprintf(m, sizeof(m), "%llu", (unsigned long long)max);
	if (zero_unlimited && max == 0)
		return 0;
	if (zero_unlimited && def == 0)
		return cap_err(x, map, key, "0 (no limit) is more than max_%s allows (expected "
			       "1..%s)", key, m);
	if (def > max)
		return cap_err(x, map, key, "larger than its maximum (got %s, expected at most "
			       "%s)", d, m);
	return 0;
}

uint64_t
config_capture_event_bytes(const struct config_capture *c)
{
	return CAP_FILE_HDR + c->history_bytes +
	       (uint64_t)c->event_packets * (CAP_REC_HDR + c->history_snaplen) +
	       CAP_EVENT_RSTS * (uint64_t)(CAP_REC_HDR + CAP_RST_FRAME);
}

/* The automatic captures' keys against each other and the copy ring and quota. */
static int
cap_check_history(struct cfg_ctx *x, const struct yaml_node *map,
		  const struct config_capture *c)
{
	uint64_t need = 4 * ((uint64_t)c->history_snaplen + CAP_HIST_REC_HDR);
	char a[32], b[32];

	if (c->history_memcap == 0)
		return 0;
	if (c->history_memcap < c->history_bytes)
		return cap_err(x, map, "history_memcap", "smaller than one history (got %s, "
			       "expected 0 or at least history_bytes, %s)",
			       cfg_fmt_size(c->history_memcap, a, sizeof(a)),
			       cfg_fmt_size(c->history_bytes, b, sizeof(b)));
	if (c->history_bytes < need)
		return cap_err(x, map, "history_bytes", "too small for four packets of "
			       "history_snaplen (got %s, expected at least %s)",
			       cfg_fmt_size(c->history_bytes, a, sizeof(a)),
			       cfg_fmt_size(need, b, sizeof(b)));
	if (config_capture_event_bytes(c) > c->quota)
		return cap_err(x, map, "quota", "smaller than one event capture (got %s, "
			       "expected at least %s)", cfg_fmt_size(c->quota, a, sizeof(a)),
			       cfg_fmt_size(config_capture_event_bytes(c), b, sizeof(b)));
	return 0;
}

int
cfg_capture_check(struct cfg_ctx *x, const struct yaml_node *map, void *base)
{
	const struct config_capture *c = &((const struct tg_config *)base)->capture;
	char a[32], b[32];
	int rc;

	if ((rc = cap_check_limit(x, map, "snaplen", c->snaplen, c->max_snaplen, 0)) != 0 ||
	    (rc = cap_check_limit(x, map, "file_size", c->file_size, c->max_file_size, 0)) != 0 ||
	    (rc = cap_check_limit(x, map, "file_count", c->file_count, c->max_file_count,
				  0)) != 0 ||
	    (rc = cap_check_limit(x, map, "duration", c->duration, c->max_duration, 1)) != 0 ||
	    (rc = cap_check_limit(x, map, "packets", c->packets, c->max_packets, 1)) != 0)
		return rc;
	if (c->ring_size & (c->ring_size - 1))
		return cap_err(x, map, "ring_size", "not a power of two (got %s, expected %s)",
			       cfg_fmt_size(c->ring_size, a, sizeof(a)),
			       "a power of two, e.g. 4MiB");
	if (c->ring_size < 2 * ((uint64_t)c->max_snaplen + CAP_COPY_HDR))
		return cap_err(x, map, "ring_size", "too small for two packets of max_snaplen "
			       "(got %s, expected at least %s)",
			       cfg_fmt_size(c->ring_size, a, sizeof(a)),
			       cfg_fmt_size(2 * ((uint64_t)c->max_snaplen + CAP_COPY_HDR), b,
					    sizeof(b)));
	if (c->file_size < CAP_FILE_HDR + CAP_REC_HDR + (uint64_t)c->snaplen) {
		snprintf(b, sizeof(b), "%llu",
			 (unsigned long long)(CAP_FILE_HDR + CAP_REC_HDR + (uint64_t)c->snaplen));
		return cap_err(x, map, "file_size", "too small for one packet of snaplen (got %s, "
			       "expected at least %s bytes)",
			       cfg_fmt_size(c->file_size, a, sizeof(a)), b);
	}
	if (c->file_size * c->file_count > c->quota)
		return cap_err(x, map, "quota", "smaller than one capture with the default "
			       "file_size and file_count (got %s, expected at least %s)",
			       cfg_fmt_size(c->quota, a, sizeof(a)),
			       cfg_fmt_size(c->file_size * c->file_count, b, sizeof(b)));
	return cap_check_history(x, map, c);
}

void
cfg_capture_defaults(struct config_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->enabled = 1;
	c->ring_size = 4 * MIB;
	c->max_concurrent = 4;
	c->quota = GIB;
	c->snaplen = CAP_SNAPLEN_MAX;
	c->max_snaplen = CAP_SNAPLEN_MAX;
	c->file_size = 16 * MIB;
	c->max_file_size = GIB;
	c->file_count = 8;
	c->max_file_count = 1024;
	c->duration = 0;
	c->max_duration = 0;
	c->packets = 0;
	c->max_packets = 0;
	c->auto_alert = 0;
	c->history_memcap = 16 * MIB;
	c->history_bytes = 64 * KIB;
	c->history_first = 4;
	c->history_last = 64;
	c->history_snaplen = 2048;
	c->event_packets = 256;
	c->event_seconds = 10;
	c->event_max = 1000;
	c->event_rate = 100;
}
