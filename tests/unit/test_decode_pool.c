/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the decoders' per-worker memory pool (dataplane/decode_pool.c): first-fit
 * boundary-tag allocation in one caller block, merging on free, the cap, the counters,
 * and a seeded random alloc/free run checked block by block.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "decode_pool.h"

#define MEM_LEN	(64u << 10)

static uint8_t mem[MEM_LEN + DECODE_POOL_ALIGN] __attribute__((aligned(DECODE_POOL_ALIGN)));

static void
test_pool_init_rejects_null_and_too_small_blocks(void **state)
{
	struct decode_pool pool;

	(void)state;
	assert_int_equal(decode_pool_init(NULL, mem, MEM_LEN, 0), -EINVAL);
	assert_int_equal(decode_pool_init(&pool, NULL, MEM_LEN, 0), -EINVAL);
	assert_int_equal(decode_pool_init(&pool, mem, DECODE_POOL_MIN_BLOCK - 1, 0), -EINVAL);
	/* Misaligned start: rounding up eats into the length. */
	assert_int_equal(decode_pool_init(&pool, mem + 1, DECODE_POOL_MIN_BLOCK, 0), -EINVAL);
	assert_int_equal(decode_pool_init(&pool, mem + 1, DECODE_POOL_MIN_BLOCK + 15, 0), 0);
	assert_ptr_equal(pool.base, mem + DECODE_POOL_ALIGN);
	assert_int_equal(pool.size, DECODE_POOL_MIN_BLOCK);
	assert_int_equal(decode_pool_check(&pool), 0);
}

static void
test_pool_alloc_is_aligned_and_charges_header_rounded_up(void **state)
{
	struct decode_pool pool;
	void *a, *b, *c;

	(void)state;
	assert_int_equal(decode_pool_init(&pool, mem, MEM_LEN, 0), 0);
	assert_int_equal(pool.cap, MEM_LEN);
	a = decode_pool_alloc(&pool, 1);
	b = decode_pool_alloc(&pool, 17);
	c = decode_pool_alloc(&pool, 0);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_int_equal((uintptr_t)a % DECODE_POOL_ALIGN, 0);
	assert_int_equal((uintptr_t)b % DECODE_POOL_ALIGN, 0);
	assert_int_equal(decode_pool_size_of(a), 32);	/* 1 + 16 -> 32 (minimum block) */
	assert_int_equal(decode_pool_size_of(b), 48);	/* 17 + 16 -> 48 */
	assert_int_equal(decode_pool_size_of(c), 32);
	assert_int_equal(decode_pool_in_use(&pool), 112);
	assert_int_equal(pool.allocs, 3);
	memset(b, 0xab, 17);
	decode_pool_free(&pool, b);
	decode_pool_free(&pool, a);
	decode_pool_free(&pool, c);
	decode_pool_free(&pool, NULL);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_int_equal(pool.frees, 3);
	assert_int_equal(pool.peak, 112);
	assert_int_equal(decode_pool_check(&pool), 0);
	/* Everything merged back: the whole pool is one block again. */
	assert_non_null(decode_pool_alloc(&pool, MEM_LEN - DECODE_POOL_HDR));
	assert_int_equal(decode_pool_in_use(&pool), MEM_LEN);
}

static void
test_pool_free_merges_with_both_neighbours(void **state)
{
	struct decode_pool pool;
	void *a, *b, *c, *big;

	(void)state;
	assert_int_equal(decode_pool_init(&pool, mem, 4096, 0), 0);
	a = decode_pool_alloc(&pool, 1000);
	b = decode_pool_alloc(&pool, 1000);
	c = decode_pool_alloc(&pool, 1000);
	assert_non_null(c);
	/* 3 x 1024 used, 1024 free at the top: 2000 bytes do not fit anywhere. */
	assert_null(decode_pool_alloc(&pool, 2000));
	assert_int_equal(pool.fails, 1);
	decode_pool_free(&pool, a);
	decode_pool_free(&pool, c);	/* merges with the free top */
	assert_int_equal(decode_pool_check(&pool), 0);
	assert_null(decode_pool_alloc(&pool, 2100));	/* 1024 + 2048 free, not adjacent */
	decode_pool_free(&pool, b);	/* joins both */
	assert_int_equal(decode_pool_check(&pool), 0);
	big = decode_pool_alloc(&pool, 4096 - DECODE_POOL_HDR);
	assert_ptr_equal(big, a);
	decode_pool_free(&pool, big);
	assert_int_equal(decode_pool_in_use(&pool), 0);
}

static void
test_pool_cap_refuses_past_the_cap_and_counts(void **state)
{
	struct decode_pool pool;
	void *a, *b;

	(void)state;
	assert_int_equal(decode_pool_init(&pool, mem, MEM_LEN, 1024), 0);
	assert_int_equal(pool.cap, 1024);
	a = decode_pool_alloc(&pool, 1000);	/* 1024 charged */
	assert_non_null(a);
	assert_null(decode_pool_alloc(&pool, 0));
	assert_int_equal(pool.fails, 1);
	decode_pool_free(&pool, a);
	a = decode_pool_alloc(&pool, 500);	/* 528 */
	b = decode_pool_alloc(&pool, 480);	/* 496: 1024 in all */
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(decode_pool_in_use(&pool), 1024);
	assert_null(decode_pool_alloc(&pool, 1));
	assert_null(decode_pool_alloc(&pool, SIZE_MAX));
	assert_int_equal(pool.fails, 3);
	decode_pool_free(&pool, a);
	decode_pool_free(&pool, b);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_int_equal(decode_pool_check(&pool), 0);
}

static void
test_pool_random_alloc_free_keeps_blocks_consistent(void **state)
{
	struct decode_pool pool;
	void *live[64] = { 0 };
	size_t sz[64] = { 0 };
	uint32_t x = 12345;
	size_t used = 0;
	int i, k;

	(void)state;
	assert_int_equal(decode_pool_init(&pool, mem, MEM_LEN, 0), 0);
	for (i = 0; i < 20000; i++) {
		x = x * 1103515245u + 12345u;
		k = (int)((x >> 8) % 64);
		if (live[k] != NULL) {
			/* The bytes written at allocation are intact: no block overlaps. */
			for (size_t j = 0; j < sz[k]; j++)
				assert_int_equal(((uint8_t *)live[k])[j], (uint8_t)k);
			used -= decode_pool_size_of(live[k]);
			decode_pool_free(&pool, live[k]);
			live[k] = NULL;
		} else {
			sz[k] = (x >> 16) % 3000;
			live[k] = decode_pool_alloc(&pool, sz[k]);
			if (live[k] != NULL) {
				memset(live[k], k, sz[k]);
				used += decode_pool_size_of(live[k]);
			}
		}
		assert_int_equal(decode_pool_in_use(&pool), used);
		if (i % 97 == 0)
			assert_int_equal(decode_pool_check(&pool), 0);
	}
	for (k = 0; k < 64; k++)
		decode_pool_free(&pool, live[k]);
	assert_int_equal(decode_pool_in_use(&pool), 0);
	assert_int_equal(decode_pool_check(&pool), 0);
	assert_int_equal(pool.allocs, pool.frees);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_init_rejects_null_and_too_small_blocks),
		cmocka_unit_test(test_pool_alloc_is_aligned_and_charges_header_rounded_up),
		cmocka_unit_test(test_pool_free_merges_with_both_neighbours),
		cmocka_unit_test(test_pool_cap_refuses_past_the_cap_and_counts),
		cmocka_unit_test(test_pool_random_alloc_free_keeps_blocks_consistent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
