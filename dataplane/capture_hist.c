/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow histories (capture_hist.h): the pinned first copies and the ring of the last ones
 * in one block, and the pool of such blocks a worker's flows take and give back. The ring
 * is a FIFO of variable-size records that makes room by dropping its oldest records:
 *
 *   add(size): while the ring holds `last` copies, or [wr, wr + size) is not free (with a
 *              pad to the end when the copy would straddle it): drop the record at rd
 *
 * rd, wr and used count bytes from base; used covers records and pads, so the free bytes
 * are (cap - base) - used, contiguous from wr to rd (or to the end and from the start).
 */
#include <errno.h>
#include <string.h>

#include "capture_hist.h"

#define HIST_ALIGN 64u

static inline uint32_t
hist_align(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static inline uint8_t *
hist_ring(const struct capture_hist *h, uint32_t off)
{
	return h->data + h->base + off;
}

static inline uint32_t
hist_word(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void
capture_hist_init(struct capture_hist *h, uint8_t *data, uint32_t cap, int pin)
{
	h->data = data;
	h->cap = cap & ~7u;
	capture_hist_reset(h, pin);
}

void
capture_hist_reset(struct capture_hist *h, int pin)
{
	h->base = 0;
	h->rd = h->wr = h->used = 0;
	h->n_first = h->n_last = 0;
	h->evicted = 0;
	h->pinning = pin != 0;
}

/* Drop the oldest record of the ring. */
static void
hist_pop(struct capture_hist *h)
{
	uint32_t rcap = h->cap - h->base;
	uint32_t size = hist_word(hist_ring(h, h->rd));

	if (size == CAPTURE_HIST_PAD) {
		h->used -= rcap - h->rd;
		h->rd = 0;
		size = hist_word(hist_ring(h, 0));
	}
	h->used -= size;
	h->rd += size;
	if (h->rd == rcap)
		h->rd = 0;
	h->n_last--;
	h->evicted++;
	if (h->used == 0)
		h->rd = h->wr = 0;	/* empty: start again at the beginning, all of it free */
}

static void
hist_write(uint8_t *at, uint32_t size, const uint8_t *pkt, uint32_t caplen, uint32_t len,
	   uint64_t ts_us)
{
	struct capture_hist_rec r = {
		.size = size, .caplen = caplen, .origlen = len, .pad = 0, .ts_us = ts_us,
	};

	memcpy(at, &r, sizeof(r));
	memcpy(at + CAPTURE_HIST_REC_HDR, pkt, caplen);
	/* The padding is zeroed: a history never shows bytes of an older copy. */
	memset(at + CAPTURE_HIST_REC_HDR + caplen, 0, size - CAPTURE_HIST_REC_HDR - caplen);
}

int
capture_hist_add(struct capture_hist *h, const struct capture_hist_conf *c, const uint8_t *pkt,
		 uint32_t len, uint64_t ts_us)
{
	uint32_t caplen = len < c->snaplen ? len : c->snaplen;
	uint32_t size = capture_hist_rec_size(caplen);
	uint32_t rcap, to_end, need;

	if (h->pinning) {
		if (h->n_first < c->first && h->base + size <= (h->cap / 2 & ~7u)) {
			hist_write(h->data + h->base, size, pkt, caplen, len, ts_us);
			h->base += size;
			h->n_first++;
			h->pinning = h->n_first < c->first;
			return 0;
		}
		h->pinning = 0;		/* the ring starts here, after what was pinned */
	}
	rcap = h->cap - h->base;
	if (size > rcap)
		return -EINVAL;
	while (h->n_last > 0 && h->n_last >= c->last)
		hist_pop(h);
	for (;;) {
		to_end = rcap - h->wr;
		need = to_end >= size ? size : to_end + size;
		if (rcap - h->used >= need)
			break;
		hist_pop(h);
	}
	if (to_end < size) {
		uint32_t pad = CAPTURE_HIST_PAD;

		memcpy(hist_ring(h, h->wr), &pad, sizeof(pad));
		h->used += to_end;
		h->wr = 0;
	}
	hist_write(hist_ring(h, h->wr), size, pkt, caplen, len, ts_us);
	h->used += size;
	h->wr += size;
	if (h->wr == rcap)
		h->wr = 0;
	h->n_last++;
	return 0;
}

void
capture_hist_iter_init(const struct capture_hist *h, struct capture_hist_iter *it)
{
	it->off = 0;
	it->left = h->used;
	it->in_ring = h->base == 0;
	if (it->in_ring)
		it->off = h->rd;
}

const struct capture_hist_rec *
capture_hist_next(const struct capture_hist *h, struct capture_hist_iter *it)
{
	uint32_t rcap = h->cap - h->base, size;
	const uint8_t *p;

	if (!it->in_ring) {
		p = h->data + it->off;
		it->off += hist_word(p);
		if (it->off >= h->base) {
			it->in_ring = 1;
			it->off = h->rd;
		}
		return (const struct capture_hist_rec *)(const void *)p;
	}
	if (it->left == 0)
		return NULL;
	if (hist_word(hist_ring(h, it->off)) == CAPTURE_HIST_PAD) {
		it->left -= rcap - it->off;
		it->off = 0;
	}
	p = hist_ring(h, it->off);
	size = hist_word(p);
	it->left -= size;
	it->off += size;
	if (it->off == rcap)
		it->off = 0;
	return (const struct capture_hist_rec *)(const void *)p;
}

/* ---- the pool ---- */

struct capture_hist_slot *
capture_hist_slot_at(const struct capture_hist_pool *p, uint32_t i)
{
	return (struct capture_hist_slot *)(void *)(p->slots + (size_t)i * p->slot_size);
}

struct capture_hist_pool *
capture_hist_pool_init(void *mem, uint64_t memsize, const struct capture_hist_conf *conf)
{
	uint32_t hdr = hist_align(sizeof(struct capture_hist_pool), HIST_ALIGN);
	uint32_t slot_hdr = hist_align(sizeof(struct capture_hist_slot), HIST_ALIGN);
	struct capture_hist_pool *p = mem;
	uint64_t n, room;
	uint32_t i;

	if (mem == NULL || conf == NULL || memsize < hdr + HIST_ALIGN || conf->bytes < 64 ||
	    conf->bytes > (1u << 30) || conf->last == 0 || conf->snaplen == 0 ||
	    conf->first > 64)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->conf = *conf;
	p->slot_size = slot_hdr + hist_align(conf->bytes, HIST_ALIGN);
	/* The header, the free stack (rounded up to 64 bytes), then the slots. */
	room = memsize - hdr - HIST_ALIGN;
	n = room / ((uint64_t)p->slot_size + sizeof(uint32_t));
	if (n > UINT32_MAX / 2)
		n = UINT32_MAX / 2;
	p->n = (uint32_t)n;
	p->free = (uint32_t *)(void *)((uint8_t *)mem + hdr);
	p->slots = (uint8_t *)mem + hdr + hist_align((uint32_t)(n * sizeof(uint32_t)), HIST_ALIGN);
	for (i = 0; i < p->n; i++) {
		struct capture_hist_slot *s = capture_hist_slot_at(p, i);

		memset(s, 0, sizeof(*s));
		s->index = i;
		capture_hist_init(&s->h, (uint8_t *)s + slot_hdr, conf->bytes, 1);
		p->free[p->n - 1 - i] = i;	/* slot 0 on top */
	}
	p->nfree = p->n;
	return p;
}

struct capture_hist_slot *
capture_hist_take(struct capture_hist_pool *p, void *owner)
{
	struct capture_hist_slot *s;

	if (p == NULL || p->nfree == 0)
		return NULL;
	s = capture_hist_slot_at(p, p->free[--p->nfree]);
	capture_hist_reset(&s->h, 1);
	s->owner = owner;
	s->seq = 0;
	s->left = 0;
	s->until_us = 0;
	s->active = 0;
	s->prev = s->next = 0;
	memset(&s->end, 0, sizeof(s->end));
	return s;
}

void
capture_hist_put(struct capture_hist_pool *p, struct capture_hist_slot *s)
{
	capture_hist_deactivate(p, s);
	s->owner = NULL;
	s->seq = 0;
	p->free[p->nfree++] = s->index;
}

void
capture_hist_activate(struct capture_hist_pool *p, struct capture_hist_slot *s)
{
	if (s->active)
		return;
	s->active = 1;
	s->prev = 0;
	s->next = p->active;
	if (p->active != 0)
		capture_hist_slot_at(p, p->active - 1)->prev = s->index + 1;
	p->active = s->index + 1;
}

void
capture_hist_deactivate(struct capture_hist_pool *p, struct capture_hist_slot *s)
{
	if (!s->active)
		return;
	if (s->prev != 0)
		capture_hist_slot_at(p, s->prev - 1)->next = s->next;
	else
		p->active = s->next;
	if (s->next != 0)
		capture_hist_slot_at(p, s->next - 1)->prev = s->prev;
	s->active = 0;
	s->prev = s->next = 0;
}

struct capture_hist_slot *
capture_hist_first_active(const struct capture_hist_pool *p)
{
	return p->active != 0 ? capture_hist_slot_at(p, p->active - 1) : NULL;
}

struct capture_hist_slot *
capture_hist_next_active(const struct capture_hist_pool *p, const struct capture_hist_slot *s)
{
	return s->next != 0 ? capture_hist_slot_at(p, s->next - 1) : NULL;
}
