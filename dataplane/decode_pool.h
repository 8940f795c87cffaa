/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_DECODE_POOL_H
#define TOLLGATE_DECODE_POOL_H

#include <stddef.h>

#include "decode_pool_types.h"

/*
 * A pool belongs to one thread (a worker) and is never locked: every function below is
 * called only by that thread. The pool never calls malloc; its memory is the block the
 * caller gives to decode_pool_init() and keeps owning (free it after the last decoder
 * that used the pool has ended).
 */

/*
 * Make pool manage mem[0..len): the start is rounded up to DECODE_POOL_ALIGN and the
 * length down to a multiple of it. cap limits the bytes in use at once (headers
 * included); 0 or a cap above the usable size means the usable size. Returns 0, or
 * -EINVAL when pool or mem is NULL or fewer than DECODE_POOL_MIN_BLOCK bytes are usable.
 */
int decode_pool_init(struct decode_pool *pool, void *mem, size_t len, size_t cap);

/*
 * n bytes (n may be 0), aligned to DECODE_POOL_ALIGN, from the first free block that is
 * big enough (split when the rest makes a block of its own). Returns NULL, and counts
 * pool->fails, when the cap would be passed or no free block is big enough. The block
 * charged is decode_pool_size_of() bytes: n plus the header, rounded up.
 */
void *decode_pool_alloc(struct decode_pool *pool, size_t n);

/*
 * Give back a pointer decode_pool_alloc() returned; it merges with free neighbours.
 * NULL is a no-op. A pointer from elsewhere or freed twice is a bug (caught by an assert
 * in debug builds).
 */
void decode_pool_free(struct decode_pool *pool, void *p);

/* Bytes charged for the live allocation p (header included): what in_use grew by. */
size_t decode_pool_size_of(const void *p);

/* Bytes of blocks handed out and not given back; 0 once every user has freed. */
size_t decode_pool_in_use(const struct decode_pool *pool);

/*
 * Walk every block and the free list and check they agree: sizes tile the pool, each
 * block's prev_size matches its neighbour, no two free blocks touch, the free list holds
 * exactly the free blocks, and in_use is the sum of the used ones. Returns 0 or -EFAULT.
 * O(blocks): for tests and debug checks, not the data path.
 */
int decode_pool_check(const struct decode_pool *pool);

#endif
