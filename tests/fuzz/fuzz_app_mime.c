/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the MIME parser (dataplane/app_mime.h), as a mail (app_mime_init: the
 * message's headers, then its body) or as an HTTP body whose Content-Type came from
 * elsewhere (app_mime_init_body).
 *
 * Input:  byte 0   flags: bit 0 init_body (else init), bits 1-2 limits (default; depth 2,
 *                  256-byte header sections, 4 parts; depth 1, 256, 1 part; default)
 *         byte 1   seed of the cuts
 *         byte 2   length L of the Content-Type (init_body only; clipped)
 *         then L bytes of Content-Type (init_body only), then the body.
 *
 * The body is fed twice: in one call, then cut into random pieces (each piece in a block
 * of its own size, so a read past it is caught), each run ended by app_mime_finish()
 * called twice. Checks, aborting on failure:
 *   - both runs make the same callbacks with the same part descriptions and the same part
 *     bytes (app_mime.h: any cut gives the same callbacks), and the same flags;
 *   - every leaf part gets begin, data, end in that order, one part at a time, none left
 *     open after finish, part->size counts the bytes delivered, stats.part_bytes all of
 *     them; strings are NUL terminated and the _len fields fit; the second finish adds
 *     nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_mime.h"
#include "fuzz_common.h"

struct run {
	struct fuzz_hash hash;
	bool open;
	bool in_data;
	uint32_t parts;
	uint64_t size;		/* bytes of the open part */
	uint64_t total;
};

static void
hash_part(struct run *r, const struct app_mime_part *part)
{
	FUZZ_CHECK(part != NULL);
	fuzz_hash_str(&r->hash, part->path, sizeof(part->path));
	fuzz_hash_str(&r->hash, part->content_type, sizeof(part->content_type));
	fuzz_hash_str(&r->hash, part->charset, sizeof(part->charset));
	FUZZ_CHECK(part->filename_len <= APP_MIME_NAME_MAX);
	FUZZ_CHECK(part->field_name_len <= APP_MIME_NAME_MAX);
	FUZZ_CHECK(part->filename[part->filename_len] == '\0');
	FUZZ_CHECK(part->field_name[part->field_name_len] == '\0');
	FUZZ_CHECK(part->cte <= APP_MIME_CTE_OTHER);
	FUZZ_CHECK(part->disposition <= APP_MIME_DISP_OTHER);
	fuzz_hash_u64(&r->hash, part->filename_len);
	fuzz_hash_put(&r->hash, part->filename, part->filename_len);
	fuzz_hash_u64(&r->hash, part->field_name_len);
	fuzz_hash_put(&r->hash, part->field_name, part->field_name_len);
	fuzz_hash_u64(&r->hash, part->number);
	fuzz_hash_u64(&r->hash, part->depth);
	fuzz_hash_u64(&r->hash, part->cte);
	fuzz_hash_u64(&r->hash, part->disposition);
	fuzz_hash_u64(&r->hash, part->flags);
}

static void
on_message(void *cookie, const struct app_mime_msg *msg)
{
	struct run *r = cookie;

	FUZZ_CHECK(!r->open);
	FUZZ_CHECK(msg->subject_len <= APP_MIME_SUBJECT_MAX);
	FUZZ_CHECK(msg->subject[msg->subject_len] == '\0');
	r->in_data = false;
	fuzz_hash_put(&r->hash, "M", 1);
	fuzz_hash_u64(&r->hash, msg->subject_len);
	fuzz_hash_put(&r->hash, msg->subject, msg->subject_len);
	fuzz_hash_u64(&r->hash, msg->subject_cut);
	fuzz_hash_str(&r->hash, msg->content_type, sizeof(msg->content_type));
}

static void
on_begin(void *cookie, const struct app_mime_part *part)
{
	struct run *r = cookie;

	FUZZ_CHECK(!r->open);
	FUZZ_CHECK(part->size == 0);
	FUZZ_CHECK(part->number == ++r->parts);
	r->open = true;
	r->in_data = false;
	r->size = 0;
	fuzz_hash_put(&r->hash, "B", 1);
	hash_part(r, part);
}

static void
on_data(void *cookie, const struct app_mime_part *part, const uint8_t *p, size_t n)
{
	struct run *r = cookie;

	FUZZ_CHECK(r->open);
	FUZZ_CHECK(part != NULL && part->number == r->parts);
	FUZZ_CHECK(p != NULL || n == 0);
	if (!r->in_data) {
		r->in_data = true;
		fuzz_hash_put(&r->hash, "D", 1);
	}
	fuzz_hash_put(&r->hash, p, n);
	r->size += n;
	r->total += n;
}

static void
on_end(void *cookie, const struct app_mime_part *part)
{
	struct run *r = cookie;

	FUZZ_CHECK(r->open);
	FUZZ_CHECK(part->number == r->parts);
	FUZZ_CHECK(part->size == r->size);
	r->open = false;
	r->in_data = false;
	fuzz_hash_put(&r->hash, "E", 1);
	hash_part(r, part);
	fuzz_hash_u64(&r->hash, part->size);
}

static const struct app_mime_cb callbacks = {
	.on_message = on_message,
	.on_part_begin = on_begin,
	.on_part_data = on_data,
	.on_part_end = on_end,
};

static struct app_mime mime;

static uint64_t
run(const struct app_mime_conf *conf, bool body, const char *ctype, size_t ctlen,
    const uint8_t *data, size_t size, struct fuzz_rng *cuts, struct run *r)
{
	size_t pos = 0;
	uint64_t before;

	memset(r, 0, sizeof(*r));
	fuzz_hash_init(&r->hash);
	if (body) {
		/* A block of its own: the value must be read within ctlen bytes. */
		char *ct = (char *)fuzz_dup((const uint8_t *)ctype, ctlen);

		FUZZ_CHECK(app_mime_init_body(&mime, conf, &callbacks, r, ct, ctlen) == 0);
		free(ct);
	} else
		FUZZ_CHECK(app_mime_init(&mime, conf, &callbacks, r) == 0);
	do {	/* one call with no bytes for an empty body */
		size_t k = cuts != NULL && size > 0 ? fuzz_piece(cuts, size - pos) : size - pos;
		uint8_t *c = fuzz_dup(data + pos, k);
		int rc = app_mime_feed(&mime, c, k);

		free(c);
		FUZZ_CHECK(rc == 0 || rc == -ENOSPC);
		FUZZ_CHECK((rc == -ENOSPC) ==
			   ((app_mime_flags(&mime) & APP_MIME_F_PARTS_LIMIT) != 0));
		pos += k;
	} while (pos < size);
	app_mime_finish(&mime);
	FUZZ_CHECK(!r->open);
	FUZZ_CHECK(mime.stats.part_bytes == r->total);
	FUZZ_CHECK(mime.stats.parts == r->parts);
	FUZZ_CHECK(r->parts <= conf->max_parts);
	before = r->hash.n;
	app_mime_finish(&mime);		/* idempotent */
	FUZZ_CHECK(r->hash.n == before);
	FUZZ_CHECK(app_mime_feed(&mime, (const uint8_t *)"x", 1) == -EINVAL);
	fuzz_hash_u64(&r->hash, app_mime_flags(&mime));
	return r->hash.h ^ (r->hash.n << 48);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_mime_conf conf;
	struct fuzz_rng cuts;
	struct run a, b;
	const char *ctype = NULL;
	size_t ctlen = 0;
	bool body;
	uint64_t ha, hb;

	if (size < 3)
		return 0;
	body = data[0] & 1;
	app_mime_conf_default(&conf);
	switch ((data[0] >> 1) & 3) {
	case 1:
		conf.max_depth = 2;
		conf.header_max = 256;
		conf.max_parts = 4;
		break;
	case 2:
		conf.max_depth = 1;
		conf.header_max = 256;
		conf.max_parts = 1;
		break;
	default:
		break;
	}
	fuzz_rng_seed(&cuts, data[1] ^ ((uint64_t)size << 8));
	if (body) {
		ctlen = data[2] < size - 3 ? data[2] : size - 3;
		ctype = (const char *)data + 3;
	}
	data += 3 + ctlen;
	size -= 3 + ctlen;
	ha = run(&conf, body, ctype, ctlen, data, size, NULL, &a);
	hb = run(&conf, body, ctype, ctlen, data, size, &cuts, &b);
	FUZZ_CHECK(ha == hb);
	return 0;
}
