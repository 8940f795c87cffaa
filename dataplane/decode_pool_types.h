/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Types of the per-worker decoder memory pool (dataplane/decode_pool.c): one block of
 * memory given at start, carved on demand for the decompression libraries.
 */
#ifndef TOLLGATE_DECODE_POOL_TYPES_H
#define TOLLGATE_DECODE_POOL_TYPES_H

#include <stddef.h>
#include <stdint.h>

/* Every block is a multiple of this, and every pointer handed out is aligned to it. */
#define DECODE_POOL_ALIGN	16
/* Bytes of header in front of each block's payload. */
#define DECODE_POOL_HDR		16
/* Smallest block: header plus the two free-list links a free block holds. */
#define DECODE_POOL_MIN_BLOCK	32

/* A block of the pool (header, then payload); opaque outside decode_pool.c. */
struct decode_pool_blk;

/*
 * One per worker. Fields other than the counters are the allocator's own; read the
 * counters directly or through decode_pool_in_use().
 */
struct decode_pool {
	uint8_t *base;			/* first block, DECODE_POOL_ALIGN-aligned */
	size_t size;			/* bytes from base, a multiple of DECODE_POOL_ALIGN */
	size_t cap;			/* most bytes in use at once (<= size) */
	struct decode_pool_blk *free_list;	/* free blocks, doubly linked, first fit */

	size_t in_use;			/* bytes of blocks handed out, headers included */
	size_t peak;			/* highest in_use seen */
	uint64_t allocs;		/* allocations served */
	uint64_t frees;			/* blocks given back */
	uint64_t fails;			/* allocations refused: cap reached or no block fits */
};

#endif
