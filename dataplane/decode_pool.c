/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-worker memory pool for the body decoders' libraries (zlib, libbrotli, libzstd call
 * it through their allocator hooks, see decode_comp.c). One block of memory is given at
 * start; nothing here calls malloc. The allocator is the textbook boundary-tag scheme
 * (Knuth, TAOCP vol. 1, 2.5): every block starts with its own size and the size of the
 * block below it, so a freed block finds both neighbours in O(1) and merges with the
 * free ones; free blocks sit on one doubly linked list searched first fit.
 *
 *   base                                                               base + size
 *   | hdr | payload ...... | hdr | payload (free: next, prev) | hdr | payload ... |
 *   <------ size A -------><--------------- size B ----------><------ size C ---->
 *                           prev_size = A                      prev_size = B
 *
 * The libraries allocate a few blocks per decoder (zlib two, zstd three, brotli a few
 * dozen of varying sizes per meta-block), so the free list stays short and first fit is
 * cheap. The cap bounds the bytes in use below the size of the block, so a worker can
 * keep a reserve; exhaustion is counted in fails and the library sees a NULL.
 */
#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "decode_pool.h"

#define USED	((size_t)1)

struct decode_pool_blk {
	size_t size;			/* whole block, header included; USED bit while in use */
	size_t prev_size;		/* size of the block just below; 0 for the first */
	struct decode_pool_blk *next;	/* free blocks only: the free list */
	struct decode_pool_blk *prev;
};

_Static_assert(offsetof(struct decode_pool_blk, next) == DECODE_POOL_HDR,
	       "the header is the two sizes");
_Static_assert(sizeof(struct decode_pool_blk) <= DECODE_POOL_MIN_BLOCK,
	       "a free block holds its links");

static inline size_t
blk_size(const struct decode_pool_blk *b)
{
	return b->size & ~USED;
}

static inline struct decode_pool_blk *
blk_at(const struct decode_pool *pool, size_t off)
{
	return (struct decode_pool_blk *)(pool->base + off);
}

/* The block just above b, or NULL when b is the last one. */
static struct decode_pool_blk *
blk_above(const struct decode_pool *pool, const struct decode_pool_blk *b)
{
	size_t off = (size_t)((const uint8_t *)b - pool->base) + blk_size(b);

	return off < pool->size ? blk_at(pool, off) : NULL;
}

static void
list_push(struct decode_pool *pool, struct decode_pool_blk *b)
{
	b->prev = NULL;
	b->next = pool->free_list;
	if (pool->free_list != NULL)
		pool->free_list->prev = b;
	pool->free_list = b;
}

static void
list_unlink(struct decode_pool *pool, struct decode_pool_blk *b)
{
	if (b->prev != NULL)
		b->prev->next = b->next;
	else
		pool->free_list = b->next;
	if (b->next != NULL)
		b->next->prev = b->prev;
}

int
decode_pool_init(struct decode_pool *pool, void *mem, size_t len, size_t cap)
{
	uintptr_t start, aligned;
	struct decode_pool_blk *b;

	if (pool == NULL || mem == NULL)
		return -EINVAL;
	start = (uintptr_t)mem;
	aligned = (start + DECODE_POOL_ALIGN - 1) & ~(uintptr_t)(DECODE_POOL_ALIGN - 1);
	if (aligned - start > len)
		return -EINVAL;
	len = (len - (aligned - start)) & ~(size_t)(DECODE_POOL_ALIGN - 1);
	if (len < DECODE_POOL_MIN_BLOCK)
		return -EINVAL;

	*pool = (struct decode_pool){
		.base = (uint8_t *)aligned,
		.size = len,
		.cap = (cap == 0 || cap > len) ? len : cap,
	};
	b = blk_at(pool, 0);
	b->size = len;
	b->prev_size = 0;
	list_push(pool, b);
	return 0;
}

void *
decode_pool_alloc(struct decode_pool *pool, size_t n)
{
	struct decode_pool_blk *b, *rest, *above;
	size_t need, have;

	if (n > pool->size)
		goto fail;
	need = (n + DECODE_POOL_HDR + DECODE_POOL_ALIGN - 1) & ~(size_t)(DECODE_POOL_ALIGN - 1);
	if (need < DECODE_POOL_MIN_BLOCK)
		need = DECODE_POOL_MIN_BLOCK;
	if (need > pool->cap - pool->in_use)
		goto fail;

	for (b = pool->free_list; b != NULL; b = b->next)
		if (blk_size(b) >= need)
			break;
	if (b == NULL)
		goto fail;

	list_unlink(pool, b);
	have = blk_size(b);
	if (have - need >= DECODE_POOL_MIN_BLOCK) {
		/* Split: the top part stays free. */
		rest = (struct decode_pool_blk *)((uint8_t *)b + need);
		rest->size = have - need;
		rest->prev_size = need;
		above = blk_above(pool, rest);
		if (above != NULL)
			above->prev_size = rest->size;
		list_push(pool, rest);
		have = need;
	} else if (have > pool->cap - pool->in_use) {
		/* The whole block (need + 16 at most) would pass the cap: give it back. */
		list_push(pool, b);
		goto fail;
	}
	b->size = have | USED;
	pool->in_use += have;
	if (pool->in_use > pool->peak)
		pool->peak = pool->in_use;
	pool->allocs++;
	return (uint8_t *)b + DECODE_POOL_HDR;

fail:
	pool->fails++;
	return NULL;
}

void
decode_pool_free(struct decode_pool *pool, void *p)
{
	struct decode_pool_blk *b, *above, *below;
	size_t size;

	if (p == NULL)
		return;
	b = (struct decode_pool_blk *)((uint8_t *)p - DECODE_POOL_HDR);
	assert((uint8_t *)b >= pool->base && (uint8_t *)b < pool->base + pool->size);
	assert(b->size & USED);
	size = blk_size(b);
	pool->in_use -= size;
	pool->frees++;

	above = blk_above(pool, b);
	if (above != NULL && !(above->size & USED)) {
		list_unlink(pool, above);
		size += blk_size(above);
	}
	if (b->prev_size != 0) {
		below = (struct decode_pool_blk *)((uint8_t *)b - b->prev_size);
		if (!(below->size & USED)) {
			/* Merge into the free block below, which stays on the list. */
			below->size += size;
			above = blk_above(pool, below);
			if (above != NULL)
				above->prev_size = below->size;
			return;
		}
	}
	b->size = size;
	above = blk_above(pool, b);
	if (above != NULL)
		above->prev_size = size;
	list_push(pool, b);
}

size_t
decode_pool_size_of(const void *p)
{
	const struct decode_pool_blk *b =
		(const struct decode_pool_blk *)((const uint8_t *)p - DECODE_POOL_HDR);

	return blk_size(b);
}

size_t
decode_pool_in_use(const struct decode_pool *pool)
{
	return pool->in_use;
}

int
decode_pool_check(const struct decode_pool *pool)
{
	const struct decode_pool_blk *b, *f;
	size_t off = 0, prev = 0, used = 0, nfree = 0, nlist = 0, sz;
	int prev_free = 0;

	while (off < pool->size) {
		b = blk_at(pool, off);
		sz = blk_size(b);
		if (sz < DECODE_POOL_MIN_BLOCK || sz % DECODE_POOL_ALIGN != 0 ||
		    sz > pool->size - off || b->prev_size != prev)
			return -EFAULT;
		if (b->size & USED) {
			used += sz;
			prev_free = 0;
		} else {
			if (prev_free)
				return -EFAULT;	/* two free neighbours were not merged */
			nfree++;
			prev_free = 1;
		}
		prev = sz;
		off += sz;
	}
	if (off != pool->size || used != pool->in_use)
		return -EFAULT;
	for (f = pool->free_list; f != NULL; f = f->next) {
		if (f->size & USED || (f->next != NULL && f->next->prev != f) || ++nlist > nfree)
			return -EFAULT;
	}
	if (nlist != nfree || (pool->free_list != NULL && pool->free_list->prev != NULL))
		return -EFAULT;
	return 0;
}
