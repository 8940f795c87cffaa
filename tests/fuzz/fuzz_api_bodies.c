/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the REST bodies that neither fuzz_policy_json nor fuzz_label_map
 * covers, parsed as api_request_json does (a JSON object, duplicate members refused):
 * POST /v1/captures (control/capture_body.h, also --capture) and PATCH /v1/rules/{id}, a
 * rule move (policy_json_check_move, control/policy_json.h).
 *
 * Input:  byte 0   bit 0: the move body, else the capture body; bits 1-2: the capture:
 *                  section it is checked against, each one the loader accepts (the
 *                  defaults; tight maximums; a default file_size that just holds the
 *                  default snaplen; the loader's largest maximums)
 *         then the body (JSON text).
 *
 * Checks, aborting on failure:
 *   - capture: 0 or -EINVAL; a refusal is status 400 "Invalid capture" with a detail and a
 *     field that is "" or the RFC 6901 pointer of one member of the body; an accepted body
 *     has only known members, each value what the body says (strings the same, numbers
 *     within the documented ranges and the section's maximums, absent ones the section's
 *     defaults), a file_size that holds one packet of snaplen, and for ip the address with
 *     its host bits cleared at a prefix within the family's bits; the parse is a fixed
 *     point: the accepted values written back as a body parse to the same values;
 *   - move: 0 or -EINVAL; a refusal has a message and a pointer "" or to a member of the
 *     body; an accepted body holds only before, after (strings) and position (an integer
 *     >= 0), at least one of them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <jansson.h>

#include "capture.h"
#include "capture_body.h"
#include "fuzz_common.h"
#include "policy_json.h"

static const char *const known[] = {
	"id", "name", "bpf", "group", "ip", "port", "flow_id", "snaplen", "file_size",
	"file_count", "duration", "packets", NULL,
};

static FUZZ_NOCOV void
capture_conf(unsigned int variant, struct config_capture *c)
{
	memset(c, 0, sizeof(*c));
	c->snaplen = 65535;
	c->max_snaplen = 65535;
	c->file_size = 16u << 20;
	c->max_file_size = 1u << 30;
	c->file_count = 8;
	c->max_file_count = 1024;
	switch (variant) {
	case 1:
		c->snaplen = 128;
		c->max_snaplen = 1500;
		c->file_size = 4096;
		c->max_file_size = 1u << 20;
		c->file_count = 2;
		c->max_file_count = 4;
		c->duration = 60;
		c->max_duration = 600;
		c->packets = 1000;
		c->max_packets = 100000;
		break;
	case 2:
		/* a default file_size that just holds one packet of the default snaplen */
		c->file_size = 24 + 16 + 65535;
		c->max_file_size = 1u << 20;
		break;
	case 3:
		/* the loader's largest maximums (config/config_capture.c) */
		c->snaplen = 262144;
		c->max_snaplen = 262144;
		c->max_file_size = 64ull << 30;
		c->max_file_count = 99999;
		c->max_duration = 31536000;
		c->max_packets = 1ull << 62;
		break;
	default:
		break;
	}
}

/* Does ptr name one member of object j ("" names j itself)? */
static FUZZ_NOCOV bool
names_member(const json_t *j, const char *ptr)
{
	char key[1024];
	size_t n = 0;

	if (ptr[0] == '\0')
		return true;
	if (ptr[0] != '/')
		return false;
	for (ptr++; *ptr != '\0'; ptr++) {
		char ch = *ptr;

		FUZZ_CHECK(ch != '/');		/* top-level members only */
		if (ch == '~') {
			ptr++;
			FUZZ_CHECK(*ptr == '0' || *ptr == '1');
			ch = *ptr == '0' ? '~' : '/';
		}
		FUZZ_CHECK(n + 1 < sizeof(key));
		key[n++] = ch;
	}
	key[n] = '\0';
	return json_object_get(j, key) != NULL;
}

static FUZZ_NOCOV void
check_refusal(const struct capture_fail *f, const json_t *body)
{
	FUZZ_CHECK(f->status == 400);
	FUZZ_CHECK(f->title != NULL && strcmp(f->title, "Invalid capture") == 0);
	FUZZ_CHECK(memchr(f->detail, '\0', sizeof(f->detail)) != NULL && f->detail[0] != '\0');
	FUZZ_CHECK(memchr(f->field, '\0', sizeof(f->field)) != NULL);
	FUZZ_CHECK(names_member(body, f->field));
}

/* v is the member key of body, or absent with out == def. */
static FUZZ_NOCOV void
check_uint(const json_t *body, const char *key, uint64_t out, uint64_t lo, uint64_t hi,
	   uint64_t def)
{
	const json_t *v = json_object_get(body, key);

	if (v == NULL) {
		FUZZ_CHECK(out == def);
		return;
	}
	FUZZ_CHECK(json_is_integer(v) && json_integer_value(v) >= 0);
	FUZZ_CHECK((uint64_t)json_integer_value(v) == out);
	FUZZ_CHECK(out >= lo && out <= hi);
}

static FUZZ_NOCOV void
check_str(const json_t *body, const char *key, const char *out)
{
	const json_t *v = json_object_get(body, key);

	if (v == NULL) {
		FUZZ_CHECK(out == NULL);
		return;
	}
	FUZZ_CHECK(json_is_string(v) && out == json_string_value(v));
}

static FUZZ_NOCOV void
check_accepted(const json_t *body, const struct config_capture *c, const struct capture_body *b)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)body, key, v) {
		unsigned int i;

		for (i = 0; known[i] != NULL && strcmp(known[i], key) != 0; i++)
			;
		FUZZ_CHECK(known[i] != NULL);
	}
	check_str(body, "id", b->id);
	check_str(body, "name", b->name);
	check_str(body, "bpf", b->bpf);
	check_str(body, "group", b->group);
	check_str(body, "ip", b->ip);
	FUZZ_CHECK(b->id == NULL || capture_id_valid(b->id));
	FUZZ_CHECK(b->name == NULL || capture_name_valid(b->name));
	check_uint(body, "port", b->port, 1, 65535, 0);
	check_uint(body, "flow_id", b->flow_id, 0, CAPTURE_BODY_FLOW_ID_MAX, CAPTURE_BODY_NO_FLOW);
	check_uint(body, "snaplen", b->snaplen, 1, c->max_snaplen, c->snaplen);
	check_uint(body, "file_size", b->file_size, CAPTURE_BODY_FILE_MIN, c->max_file_size,
		   c->file_size);
	check_uint(body, "file_count", b->file_count, 1, c->max_file_count, c->file_count);
	check_uint(body, "duration", b->duration, c->max_duration != 0 ? 1 : 0,
		   c->max_duration != 0 ? c->max_duration : CAPTURE_BODY_DURATION_MAX, c->duration);
	check_uint(body, "packets", b->packets, c->max_packets != 0 ? 1 : 0,
		   c->max_packets != 0 ? c->max_packets : CAPTURE_BODY_PACKETS_MAX, c->packets);
	FUZZ_CHECK(b->file_size >= CAPTURE_FILE_HDR + CAPTURE_PKT_HDR + b->snaplen);
	if (b->ip == NULL) {
		FUZZ_CHECK(b->ip_family == 0);
	} else {
		unsigned int bits = b->ip_family == AF_INET ? 32 : 128, i;

		FUZZ_CHECK(b->ip_family == AF_INET || b->ip_family == AF_INET6);
		FUZZ_CHECK(b->ip_prefix <= bits);
		for (i = b->ip_prefix; i < 128; i++)
			FUZZ_CHECK(!(b->ip_addr[i / 8] & (0x80u >> (i % 8))));
	}
}

/* The accepted values written back as a body parse to the same values. */
static FUZZ_NOCOV void
check_fixed_point(const struct config_capture *c, const struct capture_body *b)
{
	struct capture_body again;
	struct capture_fail f;
	char ip[INET6_ADDRSTRLEN + 8], text[INET6_ADDRSTRLEN];
	json_t *o = json_object();

	FUZZ_CHECK(o != NULL);
	if (b->id != NULL)
		json_object_set_new(o, "id", json_string(b->id));
	if (b->name != NULL)
		json_object_set_new(o, "name", json_string(b->name));
	if (b->bpf != NULL)
		json_object_set_new(o, "bpf", json_string(b->bpf));
	if (b->group != NULL)
		json_object_set_new(o, "group", json_string(b->group));
	if (b->ip != NULL) {
		FUZZ_CHECK(inet_ntop(b->ip_family, b->ip_addr, text, sizeof(text)) != NULL);
		snprintf(ip, sizeof(ip), "%s/%u", text, b->ip_prefix);
		json_object_set_new(o, "ip", json_string(ip));
	}
	if (b->port != 0)
		json_object_set_new(o, "port", json_integer((json_int_t)b->port));
	if (b->flow_id != CAPTURE_BODY_NO_FLOW)
		json_object_set_new(o, "flow_id", json_integer((json_int_t)b->flow_id));
	json_object_set_new(o, "snaplen", json_integer((json_int_t)b->snaplen));
	json_object_set_new(o, "file_size", json_integer((json_int_t)b->file_size));
	json_object_set_new(o, "file_count", json_integer((json_int_t)b->file_count));
	/* 0 (no limit) is a value only where the section has no maximum. */
	if (b->duration != 0 || c->max_duration == 0)
		json_object_set_new(o, "duration", json_integer((json_int_t)b->duration));
	if (b->packets != 0 || c->max_packets == 0)
		json_object_set_new(o, "packets", json_integer((json_int_t)b->packets));
	FUZZ_CHECK(capture_body_parse(o, c, &again, &f) == 0);
	FUZZ_CHECK((again.id == NULL) == (b->id == NULL));
	FUZZ_CHECK(b->id == NULL || strcmp(again.id, b->id) == 0);
	FUZZ_CHECK((again.name == NULL) == (b->name == NULL));
	FUZZ_CHECK(b->name == NULL || strcmp(again.name, b->name) == 0);
	FUZZ_CHECK((again.bpf == NULL) == (b->bpf == NULL));
	FUZZ_CHECK(b->bpf == NULL || strcmp(again.bpf, b->bpf) == 0);
	FUZZ_CHECK((again.group == NULL) == (b->group == NULL));
	FUZZ_CHECK(b->group == NULL || strcmp(again.group, b->group) == 0);
	FUZZ_CHECK(again.ip_family == b->ip_family && again.ip_prefix == b->ip_prefix);
	FUZZ_CHECK(memcmp(again.ip_addr, b->ip_addr, sizeof(b->ip_addr)) == 0);
	FUZZ_CHECK(again.port == b->port && again.flow_id == b->flow_id);
	FUZZ_CHECK(again.snaplen == b->snaplen && again.file_size == b->file_size);
	FUZZ_CHECK(again.file_count == b->file_count);
	FUZZ_CHECK(again.duration == b->duration && again.packets == b->packets);
	json_decref(o);
}

static FUZZ_NOCOV void
fuzz_capture(const json_t *body, unsigned int variant)
{
	struct config_capture c;
	struct capture_body b;
	struct capture_fail f;
	int rc;

	capture_conf(variant, &c);
	memset(&f, 0, sizeof(f));
	rc = capture_body_parse(body, &c, &b, &f);
	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		check_refusal(&f, body);
		return;
	}
	check_accepted(body, &c, &b);
	check_fixed_point(&c, &b);
}

static FUZZ_NOCOV void
fuzz_move(const json_t *body)
{
	char ptr[256], msg[512];
	const json_t *pos = json_object_get(body, "position");
	const json_t *before = json_object_get(body, "before");
	const json_t *after = json_object_get(body, "after");
	int rc = policy_json_check_move(body, ptr, sizeof(ptr), msg, sizeof(msg));

	FUZZ_CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0) {
		FUZZ_CHECK(msg[0] != '\0');
		FUZZ_CHECK(names_member(body, ptr));
		/* the same verdict with no room for either */
		FUZZ_CHECK(policy_json_check_move(body, NULL, 0, NULL, 0) == -EINVAL);
		return;
	}
	FUZZ_CHECK(json_object_size(body) ==
		   (size_t)(pos != NULL) + (before != NULL) + (after != NULL));
	FUZZ_CHECK(json_object_size(body) >= 1);
	FUZZ_CHECK(before == NULL || json_is_string(before));
	FUZZ_CHECK(after == NULL || json_is_string(after));
	FUZZ_CHECK(pos == NULL || (json_is_integer(pos) && json_integer_value(pos) >= 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t e;
	json_t *body;

	if (size < 1)
		return 0;
	body = json_loadb((const char *)data + 1, size - 1,
			  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
	if (body == NULL)
		return 0;
	if (json_is_object(body)) {
		if (data[0] & 1)
			fuzz_move(body);
		else
			fuzz_capture(body, (data[0] >> 1) & 3);
	}
	json_decref(body);
	return 0;
}
