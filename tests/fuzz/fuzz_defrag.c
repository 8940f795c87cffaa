/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: IP reassembly (dataplane/defrag_table.h, defrag_frame.h) over a
 * sequence of frames from the input, each parsed by pkt_parse; fragments go to the table
 * as objects of exactly their frame's size (a read past a frame is caught), and a
 * completed datagram is rebuilt as the daemon does (defrag.c) and parsed again.
 *
 * Input layout:
 *   byte 0        max_frags - 2 (mod 31: 2..32)
 *   byte 1        max_flows - 1 (mod 16: 1..16)
 *   byte 2        memcap in fragments of 2304 bytes - 1 (mod 48: 1..48)
 *   records       h: op = h & 3, the clock moves (h >> 2) * 64 us first
 *                   op 0, 1: a frame follows: 2-byte little-endian length, the bytes
 *                            (cut to what is left); op 1 charges it as two mbufs
 *                   op 2:    age the table (timeout 2000 us)
 *                   op 3:    flush (the worker stops)
 *
 * Checks, aborting on failure (defrag_table.h, defrag_table_types.h):
 *   - after every step: fragments offered = held + the sum of every reason; as many
 *     objects are outstanding as are held; held cost <= memcap; datagrams <= max_flows;
 *   - an object comes back exactly once (and at the end, after a flush, every one did:
 *     LeakSanitizer sees any that did not);
 *   - a completed datagram is at most max_frags fragments, sorted, contiguous from 0 to
 *     its length, each within its frame; rebuilt, it parses without reading past it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "defrag_frame.h"
#include "defrag_table.h"
#include "fuzz_common.h"
#include "pkt_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FRAG_COST 2304u
#define TIMEOUT_US 2000u

struct fobj {
	uint8_t *frame;		/* exactly len bytes */
	uint32_t len;
	uint8_t released;
};

struct run {
	struct defrag_table *t;
	struct defrag_table_conf conf;
	uint64_t outstanding;
};

static uint8_t dgram[65536 + 512];

static void
release_cb(void *cookie, void *obj, enum defrag_reason why)
{
	struct run *r = cookie;
	struct fobj *o = obj;

	FUZZ_CHECK(why < DEFRAG_REASON__COUNT);
	FUZZ_CHECK(!o->released);
	FUZZ_CHECK(r->outstanding > 0);
	o->released = 1;
	r->outstanding--;
	free(o->frame);
	free(o);
}

static void
failed_cb(void *cookie, const struct defrag_key *k, uint8_t proto, enum defrag_reason why,
	  uint32_t frags)
{
	struct run *r = cookie;

	(void)proto;
	FUZZ_CHECK(k->family == 4 || k->family == 6);
	FUZZ_CHECK(why == DEFRAG_TOO_MANY || why == DEFRAG_OVERLAP || why == DEFRAG_INVALID);
	FUZZ_CHECK(frags >= 1 && frags <= r->conf.max_frags + 1);
}

static void
check_invariant(const struct run *r)
{
	const struct defrag_table_stats *s = defrag_table_stats(r->t);
	uint64_t out = 0;
	unsigned int k;

	for (k = 0; k < DEFRAG_REASON__COUNT; k++)
		out += s->out[k];
	FUZZ_CHECK(s->frags == s->held + out);
	FUZZ_CHECK(s->held == r->outstanding);
	FUZZ_CHECK(s->held_cost <= r->conf.memcap);
	FUZZ_CHECK(s->in_table <= r->conf.max_dgrams);
}

/* Rebuild the completed datagram as defrag.c does; 0 when it cannot be. */
static uint32_t
rebuild(const struct run *r)
{
	const struct defrag_node *n = defrag_table_done_first(r->t);
	uint32_t dlen = defrag_table_done_len(r->t), next = 0, count = 0, doff, hlen;
	const struct fobj *o;

	FUZZ_CHECK(n != NULL);
	for (const struct defrag_node *x = n; x != NULL; x = defrag_table_done_next(r->t, x)) {
		o = x->obj;
		FUZZ_CHECK(x->off == next);
		FUZZ_CHECK(x->len >= 1);
		FUZZ_CHECK(defrag_frame_data_off(x->aux) <= o->len);
		FUZZ_CHECK(x->len <= o->len - defrag_frame_data_off(x->aux));
		next = x->off + x->len;
		count++;
	}
	FUZZ_CHECK(next == dlen);
	FUZZ_CHECK(count >= 1 && count <= r->conf.max_frags);
	o = n->obj;
	doff = defrag_frame_data_off(n->aux);
	if (doff > sizeof(dgram))
		return 0;
	memcpy(dgram, o->frame, doff);
	hlen = defrag_frame_header(dgram, doff, n->aux, dlen);
	if (hlen == 0 || dlen > sizeof(dgram) - hlen)
		return 0;
	FUZZ_CHECK(hlen <= doff);
	for (; n != NULL; n = defrag_table_done_next(r->t, n)) {
		o = n->obj;
		memcpy(dgram + hlen + n->off, o->frame + defrag_frame_data_off(n->aux), n->len);
	}
	return hlen + dlen;
}

static void
offer(struct run *r, const uint8_t *p, size_t len, uint32_t cost, uint64_t now)
{
	struct pkt_meta m;
	struct defrag_key k;
	struct defrag_frag f;
	struct fobj *o;
	uint32_t n;

	if (pkt_parse(p, (uint32_t)len, &m) != PKT_OK || !m.is_fragment)
		return;
	o = calloc(1, sizeof(*o));
	FUZZ_CHECK(o != NULL);
	o->frame = fuzz_dup(p, len);
	o->len = (uint32_t)len;
	r->outstanding++;
	if (defrag_frame_describe(&m, &k, &f) != 0) {
		defrag_table_refuse(r->t, o, DEFRAG_INVALID);
		return;
	}
	FUZZ_CHECK(m.payload_off <= len && f.len <= len - m.payload_off);
	f.obj = o;
	f.cost = cost;
	if (defrag_table_add(r->t, &k, &f, now) != DEFRAG_ADD_DONE)
		return;
	check_invariant(r);
	n = rebuild(r);
	if (n == 0) {
		defrag_table_done_release(r->t, DEFRAG_INVALID);
		return;
	}
	{
		uint8_t *copy = fuzz_dup(dgram, n);
		struct pkt_meta dm;

		if (pkt_parse(copy, n, &dm) == PKT_OK && dm.l3 != PKT_L3_NONE) {
			FUZZ_CHECK(dm.ip_end <= n);
			fuzz_touch(copy + dm.payload_off, dm.payload_len);
		}
		free(copy);
	}
	defrag_table_done_release(r->t, DEFRAG_REASSEMBLED);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct defrag_table_ops ops = { .release = release_cb, .failed = failed_cb };
	struct run r;
	uint64_t now = 1;
	size_t i = 3;
	void *mem;

	if (size < 3)
		return 0;
	memset(&r, 0, sizeof(r));
	r.conf.max_frags = 2 + data[0] % 31;
	r.conf.max_dgrams = 1 + data[1] % 16;
	r.conf.memcap = (uint64_t)FRAG_COST * (1 + data[2] % 48);
	r.conf.timeout_us = TIMEOUT_US;
	r.conf.seed = 0x5eed;
	ops.cookie = &r;
	if (posix_memalign(&mem, 64, defrag_table_memsize(&r.conf)) != 0)
		abort();
	r.t = defrag_table_init(mem, &r.conf, &ops);
	FUZZ_CHECK(r.t != NULL);
	while (i < size) {
		uint8_t h = data[i++];

		now += (uint64_t)(h >> 2) * 64;
		switch (h & 3) {
		case 0:
		case 1: {
			size_t len;

			if (size - i < 2)
				break;
			len = fuzz_le16(data + i);
			i += 2;
			if (len > size - i)
				len = size - i;
			offer(&r, data + i, len, (h & 3) == 1 ? 2 * FRAG_COST : FRAG_COST, now);
			i += len;
			break;
		}
		case 2:
			defrag_table_expire(r.t, now);
			break;
		default:
			defrag_table_flush(r.t, DEFRAG_SHUTDOWN);
			FUZZ_CHECK(defrag_table_stats(r.t)->held == 0);
			FUZZ_CHECK(defrag_table_stats(r.t)->in_table == 0);
			break;
		}
		check_invariant(&r);
	}
	defrag_table_flush(r.t, DEFRAG_SHUTDOWN);
	check_invariant(&r);
	FUZZ_CHECK(r.outstanding == 0);
	FUZZ_CHECK(defrag_table_stats(r.t)->held_cost == 0);
	free(mem);
	return 0;
}
