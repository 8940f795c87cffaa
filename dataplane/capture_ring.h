/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A single-producer, single-consumer ring of variable-size records in one preallocated
 * block of bytes: the path of packet copies from a worker (producer) to the pcap writer
 * thread (consumer). Records are contiguous; one that does not fit before the end of the
 * block is preceded by a pad marker and starts again at offset 0:
 *
 *   0                                                         size
 *   | rec | rec | ... free ... | rec(tail) | rec | rec | PAD ... |
 *               ^head                                     (unused to the end)
 *
 * head and tail count bytes since the start and never wrap (64 bits); the producer owns
 * head, the consumer owns tail, each reads the other's with acquire. Nothing allocates,
 * locks or waits: a record that finds no room is refused (the caller counts a drop).
 * Pure: no EAL, testable on its own.
 */
#ifndef TOLLGATE_CAPTURE_RING_H
#define TOLLGATE_CAPTURE_RING_H

#include <stddef.h>
#include <stdint.h>

/* The first 4 bytes of a record: its size, or this marker (skip to the block's start). */
#define CAPTURE_RING_PAD 0xffffffffu

struct capture_ring {
	uint64_t head __attribute__((aligned(64)));	/* producer: bytes committed */
	uint64_t next;					/* producer: head after the reserve */
	uint64_t tail __attribute__((aligned(64)));	/* consumer: bytes released */
	uint64_t size __attribute__((aligned(64)));	/* bytes of data, power of two */
	uint64_t mask;
	uint8_t *data;
};

/*
 * Bytes of memory a ring of size data bytes needs (header included). size must be a power
 * of two, at least 64.
 */
size_t capture_ring_memsize(uint64_t size);

/*
 * Lay out an empty ring in mem (capture_ring_memsize(size) bytes, 64-byte aligned).
 * Returns the ring, or NULL when size is not a power of two of at least 64 or mem is NULL.
 * The caller owns mem. Any thread, before the producer and consumer start.
 */
struct capture_ring *capture_ring_init(void *mem, uint64_t size);

/*
 * Producer: room for a record of size bytes (a multiple of 8, at least 8, at most half the
 * ring), or NULL when the ring has not that much room (nothing changes). The record is
 * invisible to the consumer until capture_ring_commit. Its first 4 bytes must hold size.
 */
void *capture_ring_reserve(struct capture_ring *r, uint32_t size);

/* Producer: publish the record of the last successful reserve. */
void capture_ring_commit(struct capture_ring *r);

/*
 * Consumer: the oldest record (its first 4 bytes are its size), or NULL when the ring is
 * empty. It stays valid until capture_ring_release.
 */
const void *capture_ring_peek(struct capture_ring *r);

/* Consumer: drop the record peek returned (size: its first 4 bytes). */
void capture_ring_release(struct capture_ring *r, uint32_t size);

/* Bytes the producer has committed so far (its head): any thread. */
uint64_t capture_ring_head(const struct capture_ring *r);

/* Bytes the consumer has released so far (its tail): any thread. */
uint64_t capture_ring_tail(const struct capture_ring *r);

#endif
