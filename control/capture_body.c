/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * POST /v1/captures: the body checked against the capture: section (capture_body.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "capture.h"
#include "capture_body.h"

static const char *const cb_keys[] = {
	"id", "name", "bpf", "group", "ip", "port", "flow_id", "snaplen", "file_size",
	"file_count", "duration", "packets", NULL,
};

int
capture_fail_set(struct capture_fail *f, unsigned int status, const char *title,
		 const char *field, const char *fmt, ...)
{
	va_list ap;

	f->status = status;
	f->title = title;
	snprintf(f->field, sizeof(f->field), "%s", field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(f->detail, sizeof(f->detail), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The RFC 6901 pointer to member key of the body ('~' and '/' escaped), or "" (the whole
 * body) when it does not fit in f->field. */
static void
cb_member_pointer(struct capture_fail *f, const char *key)
{
	size_t n = 0;

	f->field[n++] = '/';
	for (; *key != '\0'; key++) {
		const char *esc = *key == '~' ? "~0" : *key == '/' ? "~1" : NULL;
		size_t k = esc != NULL ? 2 : 1;

		if (n + k >= sizeof(f->field)) {
			f->field[0] = '\0';
			return;
		}
		memcpy(f->field + n, esc != NULL ? esc : key, k);
		n += k;
	}
	f->field[n] = '\0';
}

/* An integer member within lo..hi, def when absent. */
static int
cb_uint(const json_t *body, const char *key, uint64_t lo, uint64_t hi, uint64_t def,
	uint64_t *out, struct capture_fail *f)
{
	const json_t *v = json_object_get(body, key);
	char field[32];

	snprintf(field, sizeof(field), "/%s", key);
	if (v == NULL) {
		*out = def;
		return 0;
	}
	if (!json_is_integer(v))
		return capture_fail_set(f, 400, "Invalid capture", field, "%s: expected an "
					"integer %" PRIu64 "..%" PRIu64, key, lo, hi);
	if (json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) < lo ||
	    (uint64_t)json_integer_value(v) > hi)
		return capture_fail_set(f, 400, "Invalid capture", field, "%s: %"
					JSON_INTEGER_FORMAT " is out of range (expected %" PRIu64
					"..%" PRIu64 ")", key, json_integer_value(v), lo, hi);
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

static int
cb_string(const json_t *body, const char *key, const char **out, struct capture_fail *f)
{
	const json_t *v = json_object_get(body, key);
	char field[32];

	*out = NULL;
	if (v == NULL)
		return 0;
	snprintf(field, sizeof(field), "/%s", key);
	if (!json_is_string(v))
		return capture_fail_set(f, 400, "Invalid capture", field, "%s: expected a string",
					key);
	*out = json_string_value(v);
	return 0;
}

/* A limit of the configuration: 0 means none, so a request must then stay within it. */
static int
cb_limit(const json_t *body, const char *key, uint64_t def, uint64_t cfg_max, uint64_t abs_max,
	 uint64_t *out, struct capture_fail *f)
{
	return cb_uint(body, key, cfg_max != 0 ? 1 : 0, cfg_max != 0 ? cfg_max : abs_max, def, out,
		       f);
}

/* "A" or "A/P": the address with its host bits cleared. */
static int
cb_ip(const char *text, struct capture_body *out, struct capture_fail *f)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(text, '/');
	unsigned long prefix;
	unsigned int bits, i;
	char *end;

	if (strlen(text) >= sizeof(addr) + 4)
		goto bad;
	snprintf(addr, sizeof(addr), "%.*s", slash != NULL ? (int)(slash - text) : (int)strlen(text),
		 text);
	out->ip_family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
	memset(out->ip_addr, 0, sizeof(out->ip_addr));
	if (inet_pton(out->ip_family, addr, out->ip_addr) != 1)
		goto bad;
	bits = out->ip_family == AF_INET ? 32 : 128;
	prefix = bits;
	if (slash != NULL) {
		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || prefix > bits)
			goto bad;
	}
	for (i = (unsigned int)prefix; i < bits; i++)
		out->ip_addr[i / 8] &= (uint8_t)~(0x80u >> (i % 8));
	out->ip_prefix = (unsigned int)prefix;
	return 0;
bad:
	out->ip_family = 0;
	return capture_fail_set(f, 400, "Invalid capture", "/ip", "ip: \"%.64s\": expected an "
				"IPv4 or IPv6 address, or a CIDR such as 10.1.0.0/16", text);
}

int
capture_body_parse(const json_t *body, const struct config_capture *cfg,
		   struct capture_body *out, struct capture_fail *f)
{
	const char *key;
	json_t *v;

	memset(out, 0, sizeof(*out));
	json_object_foreach((json_t *)body, key, v) {
		unsigned int i;

		for (i = 0; cb_keys[i] != NULL && strcmp(cb_keys[i], key) != 0; i++)
			;
		if (cb_keys[i] == NULL) {
			capture_fail_set(f, 400, "Invalid capture", NULL, "%.64s: unknown field "
					 "(expected id, name, bpf, group, ip, port, flow_id, "
					 "snaplen, file_size, file_count, duration, packets)", key);
			cb_member_pointer(f, key);
			return -EINVAL;
		}
	}
	if (cb_string(body, "id", &out->id, f) || cb_string(body, "name", &out->name, f) ||
	    cb_string(body, "bpf", &out->bpf, f) || cb_string(body, "group", &out->group, f) ||
	    cb_string(body, "ip", &out->ip, f) ||
	    cb_uint(body, "port", 1, 65535, 0, &out->port, f) ||
	    cb_uint(body, "flow_id", 0, CAPTURE_BODY_FLOW_ID_MAX, CAPTURE_BODY_NO_FLOW,
		    &out->flow_id, f) ||
	    cb_uint(body, "snaplen", 1, cfg->max_snaplen, cfg->snaplen, &out->snaplen, f) ||
	    cb_uint(body, "file_size", CAPTURE_BODY_FILE_MIN, cfg->max_file_size, cfg->file_size,
		    &out->file_size, f) ||
	    cb_uint(body, "file_count", 1, cfg->max_file_count, cfg->file_count,
		    &out->file_count, f) ||
	    cb_limit(body, "duration", cfg->duration, cfg->max_duration,
		     CAPTURE_BODY_DURATION_MAX, &out->duration, f) ||
	    cb_limit(body, "packets", cfg->packets, cfg->max_packets, CAPTURE_BODY_PACKETS_MAX,
		     &out->packets, f))
		return -EINVAL;
	if (out->id != NULL && !capture_id_valid(out->id))
		return capture_fail_set(f, 400, "Invalid capture", "/id", "id: \"%.64s\": expected "
					"1 to 32 of A-Z a-z 0-9 _ - , not starting with -", out->id);
	if (out->name != NULL && !capture_name_valid(out->name))
		return capture_fail_set(f, 400, "Invalid capture", "/name", "name: \"%.64s\": "
					"expected 1 to 32 of A-Z a-z 0-9 _ - , not starting with -",
					out->name);
	/* The configuration's defaults fit each other: the body gave one of the two. */
	if (out->file_size < CAPTURE_FILE_HDR + CAPTURE_PKT_HDR + out->snaplen)
		return capture_fail_set(f, 400, "Invalid capture",
					json_object_get(body, "file_size") != NULL ? "/file_size" :
					"/snaplen", "file_size: %" PRIu64 " bytes cannot hold one "
					"packet of snaplen %" PRIu64 " (expected at least %" PRIu64 ")",
					out->file_size, out->snaplen,
					CAPTURE_FILE_HDR + CAPTURE_PKT_HDR + out->snaplen);
	if (out->ip != NULL && cb_ip(out->ip, out, f) != 0)
		return -EINVAL;
	return 0;
}
