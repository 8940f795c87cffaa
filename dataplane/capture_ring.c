/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet copy ring (capture_ring.h): one producer (a worker), one consumer (the pcap
 * writer thread), variable-size records, a pad marker where a record would straddle the
 * end of the block. The producer publishes a record by storing head with release after
 * writing it; the consumer frees room by storing tail with release after reading it.
 */
#include <string.h>

#include "capture_ring.h"

size_t
capture_ring_memsize(uint64_t size)
{
	return sizeof(struct capture_ring) + (size_t)size;
}

struct capture_ring *
capture_ring_init(void *mem, uint64_t size)
{
	struct capture_ring *r = mem;

	if (mem == NULL || size < 64 || (size & (size - 1)) != 0)
		return NULL;
	memset(r, 0, sizeof(*r));
	r->size = size;
	r->mask = size - 1;
	r->data = (uint8_t *)mem + sizeof(*r);
	return r;
}

void *
capture_ring_reserve(struct capture_ring *r, uint32_t size)
{
	uint64_t head = r->head;
	uint64_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	uint64_t room = r->size - (head - tail);
	uint64_t pos = head & r->mask;
	uint64_t to_end = r->size - pos;

	if (size == 0 || (size & 7) != 0 || size > r->size / 2)
		return NULL;
	if (to_end >= size) {
		if (room < size)
			return NULL;
		r->next = head + size;
		return r->data + pos;
	}
	/* Pad to the end of the block, then start at 0. */
	if (room < to_end + size)
		return NULL;
	*(uint32_t *)(void *)(r->data + pos) = CAPTURE_RING_PAD;
	r->next = head + to_end + size;
	return r->data;
}

void
capture_ring_commit(struct capture_ring *r)
{
	__atomic_store_n(&r->head, r->next, __ATOMIC_RELEASE);
}

const void *
capture_ring_peek(struct capture_ring *r)
{
	uint64_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	uint64_t tail = r->tail;
	uint64_t pos;

	if (tail == head)
		return NULL;
	pos = tail & r->mask;
	if (*(const uint32_t *)(const void *)(r->data + pos) == CAPTURE_RING_PAD) {
		/* The producer padded to the end: the record is at the block's start. */
		tail += r->size - pos;
		__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
		if (tail == head)
			return NULL;
		pos = 0;
	}
	return r->data + pos;
}

void
capture_ring_release(struct capture_ring *r, uint32_t size)
{
	__atomic_store_n(&r->tail, r->tail + size, __ATOMIC_RELEASE);
}

uint64_t
capture_ring_head(const struct capture_ring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
}

uint64_t
capture_ring_tail(const struct capture_ring *r)
{
	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}
