/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5) fragment reassembly for one worker: the
 * mbuf side of the fragment table (defrag_table.c, which decides) and the frame rewriting
 * (defrag_frame.c). The dispatcher hashes on IP addresses only, so every fragment of a
 * datagram reaches the same worker.
 *
 *   fragment mbuf ─► defrag_frame_describe ─► defrag_table_add ─┬─ held (the mbuf itself,
 *                                                              │   no copy)
 *                                                              ├─ left: out(m, reason)
 *                                                              └─ complete: the datagram
 *       is copied into the caller's buffer as one frame; after its verdict, defrag_done
 *       hands every fragment to out(m, DEFRAG_REASSEMBLED) to be forwarded or freed.
 *
 * Held fragments are charged the mbuf buffers they occupy (struct rte_mbuf + buf_len per
 * segment), since that, not their few data bytes, is what they take from the packet pool.
 * The table's counters are copied into the worker's after every call, so the defrag_*
 * counters always add up: fragments = held + every defrag_frags_* counter.
 */
#include <errno.h>
#include <string.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>
#include "defrag.h"
#include "defrag_frame.h"
#include "defrag_table.h"

RTE_LOG_REGISTER_SUFFIX(defrag_logtype, defrag, INFO);
#define DEFRAG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, defrag_logtype, "tollgate.defrag: " fmt "\n", ##__VA_ARGS__)

_Static_assert(CTR_defrag_frags_shutdown - CTR_defrag_frags_reassembled == DEFRAG_SHUTDOWN &&
	       DEFRAG_SHUTDOWN + 1 == DEFRAG_REASON__COUNT,
	       "the defrag_frags_* counters follow enum defrag_reason");

struct defrag {
	struct defrag_table *t;
	void *mem;
	defrag_out_fn out;
	defrag_failed_fn failed;
	void *cookie;
};

static void
defrag_table_conf_of(const struct config_defrag *conf, struct defrag_table_conf *tc)
{
	memset(tc, 0, sizeof(*tc));
	tc->max_dgrams = conf->max_flows;
	tc->max_frags = conf->max_frags;
	tc->memcap = conf->memcap;
	tc->timeout_us = (uint64_t)conf->timeout_ms * 1000;
}

size_t
defrag_memsize(const struct config_defrag *conf)
{
	struct defrag_table_conf tc;

	defrag_table_conf_of(conf, &tc);
	return sizeof(struct defrag) + defrag_table_memsize(&tc);
}

static void
defrag_release(void *cookie, void *obj, enum defrag_reason why)
{
	struct defrag *d = cookie;

	d->out(d->cookie, obj, why);
}

static void
defrag_failed(void *cookie, const struct defrag_key *k, uint8_t proto, enum defrag_reason why,
	      uint32_t frags)
{
	struct defrag *d = cookie;

	if (d->failed != NULL)
		d->failed(d->cookie, k, proto, why, frags);
}

struct defrag *
defrag_create(const struct config_defrag *conf, int socket, const char *name,
	      defrag_out_fn out, defrag_failed_fn failed, void *cookie)
{
	struct defrag_table_ops ops = { .release = defrag_release, .failed = defrag_failed };
	struct defrag_table_conf tc;
	struct defrag *d;
	size_t sz;

	if (out == NULL) {
		DEFRAG_LOG(ERR, "%s: no output for released fragments", name);
		return NULL;
	}
	defrag_table_conf_of(conf, &tc);
	tc.seed = rte_rand();
	sz = defrag_table_memsize(&tc);
	if (sz == 0) {
		DEFRAG_LOG(ERR, "%s: invalid limits (max_flows %u, max_frags %u, memcap %" PRIu64
			   ", timeout_ms %u)", name, conf->max_flows, conf->max_frags,
			   conf->memcap, conf->timeout_ms);
		return NULL;
	}
	d = rte_zmalloc_socket(name, sizeof(*d), RTE_CACHE_LINE_SIZE, socket);
	if (d != NULL)
		d->mem = rte_malloc_socket(name, sz, RTE_CACHE_LINE_SIZE, socket);
	if (d == NULL || d->mem == NULL) {
		DEFRAG_LOG(ERR, "%s: no memory for a table of %u datagrams (%zu bytes)", name,
			   conf->max_flows, sz);
		rte_free(d);
		return NULL;
	}
	d->out = out;
	d->failed = failed;
	d->cookie = cookie;
	ops.cookie = d;
	d->t = defrag_table_init(d->mem, &tc, &ops);
	if (d->t == NULL) {
		DEFRAG_LOG(ERR, "%s: cannot lay out the fragment table", name);
		defrag_free(d);
		return NULL;
	}
	return d;
}

static void
defrag_free_cb(void *cookie, struct rte_mbuf *m, enum defrag_reason why)
{
	RTE_SET_USED(cookie);
	RTE_SET_USED(why);
	rte_pktmbuf_free(m);
}

void
defrag_free(struct defrag *d)
{
	if (d == NULL)
		return;
	if (d->t != NULL) {
		d->out = defrag_free_cb;
		d->failed = NULL;
		defrag_table_flush(d->t, DEFRAG_SHUTDOWN);
	}
	rte_free(d->mem);
	rte_free(d);
}

static void
defrag_sync(const struct defrag *d, struct counters *ctr)
{
	const struct defrag_table_stats *s = defrag_table_stats(d->t);
	unsigned int r;

	ctr->c[CTR_defrag_fragments] = s->frags;
	ctr->c[CTR_defrag_reassembled] = s->datagrams;
	for (r = 0; r < DEFRAG_REASON__COUNT; r++)
		ctr->c[CTR_defrag_frags_reassembled + r] = s->out[r];
	ctr->c[CTR_defrag_held] = s->held;
	ctr->c[CTR_defrag_held_bytes] = s->held_cost;
}

/* Memory a held fragment takes from the packet pool: every segment's whole buffer. */
static uint32_t
defrag_cost(const struct rte_mbuf *m)
{
	uint64_t c = 0;

	for (; m != NULL; m = m->next)
		c += sizeof(struct rte_mbuf) + m->buf_len;
	return c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
}

/* n bytes of m from off into dst (the mbuf may be segmented). */
static int
defrag_copy(const struct rte_mbuf *m, uint32_t off, uint32_t n, uint8_t *dst)
{
	const void *p;

	if (off > rte_pktmbuf_pkt_len(m) || n > rte_pktmbuf_pkt_len(m) - off)
		return -EINVAL;
	p = rte_pktmbuf_read(m, off, n, dst);
	if (p == NULL)
		return -EINVAL;
	if (p != dst)
		memcpy(dst, p, n);
	return 0;
}

/* The completed datagram as one frame in out (cap bytes): its length, or 0. */
static uint32_t
defrag_build(struct defrag *d, uint8_t *out, uint32_t cap)
{
	const struct defrag_node *n = defrag_table_done_first(d->t);
	uint32_t dlen = defrag_table_done_len(d->t), doff, hlen;

	if (n == NULL || n->off != 0)
		return 0;
	doff = defrag_frame_data_off(n->aux);
	if (doff > cap || defrag_copy(n->obj, 0, doff, out) != 0)
		return 0;
	hlen = defrag_frame_header(out, doff, n->aux, dlen);
	if (hlen == 0 || dlen > cap - hlen)
		return 0;
	for (; n != NULL; n = defrag_table_done_next(d->t, n))
		if (defrag_copy(n->obj, defrag_frame_data_off(n->aux), n->len,
				out + hlen + n->off) != 0)
			return 0;
	return hlen + dlen;
}

uint32_t
defrag_packet(struct defrag *d, struct rte_mbuf *m, const struct pkt_meta *meta, uint64_t now_us,
	      uint8_t *out_buf, uint32_t cap, struct counters *ctr)
{
	struct defrag_key k;
	struct defrag_frag f;
	uint32_t n = 0;

	if (defrag_frame_describe(meta, &k, &f) != 0 || meta->ip_end > rte_pktmbuf_pkt_len(m)) {
		defrag_table_refuse(d->t, m, DEFRAG_INVALID);
	} else {
		f.obj = m;
		f.cost = defrag_cost(m);
		if (defrag_table_add(d->t, &k, &f, now_us) == DEFRAG_ADD_DONE) {
			n = defrag_build(d, out_buf, cap);
			/* Past 64 KiB with the first fragment's headers: nothing to hand on. */
			if (n == 0)
				defrag_table_done_release(d->t, DEFRAG_INVALID);
		}
	}
	defrag_sync(d, ctr);
	return n;
}

void
defrag_done(struct defrag *d, struct counters *ctr)
{
	defrag_table_done_release(d->t, DEFRAG_REASSEMBLED);
	defrag_sync(d, ctr);
}

void
defrag_expire(struct defrag *d, uint64_t now_us, struct counters *ctr)
{
	defrag_table_expire(d->t, now_us);
	defrag_sync(d, ctr);
}

void
defrag_flush(struct defrag *d, struct counters *ctr)
{
	defrag_table_flush(d->t, DEFRAG_SHUTDOWN);
	defrag_sync(d, ctr);
}
