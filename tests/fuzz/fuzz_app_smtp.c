/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the SMTP parser (dataplane/app_smtp.h), both directions of one
 * connection interleaved as the input says.
 *
 * Input:  byte 0   flags: bits 0-1 limits (default; line 64, 2 recipients, 2 pending;
 *                  line 64, 1 recipient, 1 pending; default)
 *         byte 1   seed of the cuts
 *         then records: a control word (2 bytes, little endian: bit 15 the direction,
 *         1 = server; bits 0-14 the length) and that many bytes of the direction
 *         (clipped to what is left).
 *
 * The records are fed in order twice: each record in one call, then each record cut
 * into random pieces (each piece in a block of its own size, so a read past it is
 * caught); app_smtp_finish() ends both runs. Checks, aborting on failure:
 *   - both runs make the same callbacks, with the same envelopes and the same content
 *     (app_smtp.h: any cut is fine and gives the same callbacks), and leave each
 *     direction in the same mode with the same error after every record;
 *   - mails nest properly: on_mail_begin with no mail open and end NONE, on_data only
 *     inside a mail, on_mail_end with a reason, CLOSED only from finish, none open after
 *     it; after on_starttls both directions are TLS;
 *   - envelope strings are NUL terminated, rcpt_count <= rcpt_max and <= rcpt_total;
 *     stats.content_bytes counts what on_data was given.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_smtp.h"
#include "fuzz_common.h"

struct run {
	struct fuzz_hash hash;
	const struct app_smtp_conn *c;
	bool open;
	bool in_data;		/* content bytes are being hashed as one run */
	bool finishing;		/* app_smtp_finish() is under way */
	bool tls;
	uint64_t content;
};

static void
hash_env(struct run *r, const struct app_smtp_envelope *env)
{
	uint32_t i;

	FUZZ_CHECK(env != NULL);
	FUZZ_CHECK(env->rcpt_count <= r->c->conf.rcpt_max);
	FUZZ_CHECK(env->rcpt_count <= env->rcpt_total);
	fuzz_hash_str(&r->hash, env->helo, sizeof(env->helo));
	fuzz_hash_str(&r->hash, env->mail_from, sizeof(env->mail_from));
	for (i = 0; i < env->rcpt_count; i++)
		fuzz_hash_str(&r->hash, env->rcpt[i], sizeof(env->rcpt[i]));
	fuzz_hash_u64(&r->hash, env->rcpt_count);
	fuzz_hash_u64(&r->hash, env->rcpt_total);
	fuzz_hash_u64(&r->hash, env->mail_index);
	fuzz_hash_u64(&r->hash, env->flags);
	fuzz_hash_u64(&r->hash, env->end);
	fuzz_hash_u64(&r->hash, env->bdat);
	fuzz_hash_u64(&r->hash, env->starttls);
}

static void
on_begin(void *cookie, const struct app_smtp_envelope *env)
{
	struct run *r = cookie;

	FUZZ_CHECK(!r->open && !r->tls);
	FUZZ_CHECK(env->end == APP_SMTP_END_NONE);
	r->open = true;
	r->in_data = false;
	fuzz_hash_put(&r->hash, "B", 1);
	hash_env(r, env);
}

static void
on_data(void *cookie, const uint8_t *p, size_t n)
{
	struct run *r = cookie;

	FUZZ_CHECK(r->open);
	FUZZ_CHECK(p != NULL || n == 0);
	if (!r->in_data) {
		r->in_data = true;
		fuzz_hash_put(&r->hash, "D", 1);
	}
	fuzz_hash_put(&r->hash, p, n);
	r->content += n;
}

static void
on_end(void *cookie, const struct app_smtp_envelope *env)
{
	struct run *r = cookie;

	FUZZ_CHECK(r->open);
	FUZZ_CHECK(env->end > APP_SMTP_END_NONE && env->end <= APP_SMTP_END_CLOSED);
	FUZZ_CHECK((env->end == APP_SMTP_END_CLOSED) == r->finishing);
	r->open = false;
	r->in_data = false;
	fuzz_hash_put(&r->hash, "E", 1);
	hash_env(r, env);
}

static void
on_starttls(void *cookie, const struct app_smtp_envelope *env)
{
	struct run *r = cookie;

	FUZZ_CHECK(!r->open && !r->tls);
	FUZZ_CHECK(env->starttls);
	FUZZ_CHECK(app_smtp_mode(r->c, APP_SMTP_CLIENT) == APP_SMTP_MODE_TLS);
	FUZZ_CHECK(app_smtp_mode(r->c, APP_SMTP_SERVER) == APP_SMTP_MODE_TLS);
	r->tls = true;
	r->in_data = false;
	fuzz_hash_put(&r->hash, "T", 1);
	hash_env(r, env);
}

static const struct app_smtp_cb callbacks = {
	.on_mail_begin = on_begin,
	.on_data = on_data,
	.on_mail_end = on_end,
	.on_starttls = on_starttls,
};

static struct app_smtp_conn conn;

static uint64_t
run(const struct app_smtp_conf *conf, const uint8_t *data, size_t size, struct fuzz_rng *cuts,
    struct run *r)
{
	size_t pos = 0;
	uint8_t d;

	memset(r, 0, sizeof(*r));
	fuzz_hash_init(&r->hash);
	r->c = &conn;
	FUZZ_CHECK(app_smtp_init(&conn, conf, &callbacks, r) == 0);
	while (pos + 2 <= size) {
		uint16_t w = fuzz_le16(data + pos);
		enum app_smtp_dir dir = (w & 0x8000) ? APP_SMTP_SERVER : APP_SMTP_CLIENT;
		size_t n = w & 0x7fff, done = 0;

		pos += 2;
		if (n > size - pos)
			n = size - pos;
		do {	/* an empty record is one call with no bytes */
			size_t k = cuts != NULL && n > 0 ? fuzz_piece(cuts, n - done) : n - done;
			uint8_t *c = fuzz_dup(data + pos + done, k);
			int rc = app_smtp_feed(&conn, dir, c, k);

			free(c);
			FUZZ_CHECK(rc == 0 || rc == -EPROTO);
			FUZZ_CHECK((rc == -EPROTO) ==
				   (app_smtp_mode(&conn, dir) == APP_SMTP_MODE_RAW));
			done += k;
		} while (done < n);
		pos += n;
		/* Where each direction stands after a record must not depend on the cuts. */
		r->in_data = false;
		fuzz_hash_put(&r->hash, "R", 1);
		for (d = 0; d < 2; d++) {
			fuzz_hash_u64(&r->hash, app_smtp_mode(&conn, d));
			fuzz_hash_u64(&r->hash, app_smtp_error(&conn, d));
		}
		if (r->tls) {
			FUZZ_CHECK(app_smtp_mode(&conn, APP_SMTP_CLIENT) == APP_SMTP_MODE_TLS);
			FUZZ_CHECK(app_smtp_mode(&conn, APP_SMTP_SERVER) == APP_SMTP_MODE_TLS);
		}
		FUZZ_CHECK(conn.stats.content_bytes == r->content);
	}
	r->finishing = true;
	app_smtp_finish(&conn);
	r->finishing = false;
	FUZZ_CHECK(!r->open);
	app_smtp_finish(&conn);		/* nothing open: nothing to say */
	hash_env(r, app_smtp_envelope(&conn));
	fuzz_hash_u64(&r->hash, conn.stats.commands);
	fuzz_hash_u64(&r->hash, conn.stats.replies);
	fuzz_hash_u64(&r->hash, conn.stats.mails);
	return r->hash.h ^ (r->hash.n << 48);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_smtp_conf conf;
	struct fuzz_rng cuts;
	struct run a, b;
	uint64_t ha, hb;

	if (size < 2)
		return 0;
	app_smtp_conf_default(&conf);
	switch (data[0] & 3) {
	case 1:
		conf.line_max = 64;
		conf.rcpt_max = 2;
		conf.pending_max = 2;
		break;
	case 2:
		conf.line_max = 64;
		conf.rcpt_max = 1;
		conf.pending_max = 1;
		break;
	default:
		break;
	}
	fuzz_rng_seed(&cuts, data[1] ^ ((uint64_t)size << 8));
	ha = run(&conf, data + 2, size - 2, NULL, &a);
	hb = run(&conf, data + 2, size - 2, &cuts, &b);
	FUZZ_CHECK(ha == hb);
	return 0;
}
