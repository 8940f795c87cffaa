/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet copy ring (dataplane/capture_ring.c): records come out whole and in order,
 * a record that would straddle the end of the block starts again at 0 behind a pad
 * marker, a full ring refuses without changing anything, bad sizes are refused, and one
 * producer thread with one consumer thread pass 200000 records of random sizes intact.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "capture_ring.h"

struct rec {
	uint32_t size;
	uint32_t seq;
	uint8_t data[];
};

static void *
ring_mem(uint64_t size)
{
	void *m = NULL;

	assert_int_equal(posix_memalign(&m, 64, capture_ring_memsize(size)), 0);
	return m;
}

/* Put a record of size bytes numbered seq, its data derived from seq; 0 or -1 (full). */
static int
put(struct capture_ring *r, uint32_t size, uint32_t seq)
{
	struct rec *p = capture_ring_reserve(r, size);
	uint32_t i;

	if (p == NULL)
		return -1;
	p->size = size;
	p->seq = seq;
	for (i = 0; i < size - sizeof(*p); i++)
		p->data[i] = (uint8_t)(seq * 31 + i);
	capture_ring_commit(r);
	return 0;
}

/* Take the next record and check it is seq of size bytes. */
static void
take(struct capture_ring *r, uint32_t size, uint32_t seq)
{
	const struct rec *p = capture_ring_peek(r);
	uint32_t i;

	assert_non_null(p);
	assert_int_equal(p->size, size);
	assert_int_equal(p->seq, seq);
	for (i = 0; i < size - sizeof(*p); i++)
		assert_int_equal(p->data[i], (uint8_t)(seq * 31 + i));
	capture_ring_release(r, p->size);
}

static void
test_capture_ring_init_refuses_sizes_not_a_power_of_two(void **state)
{
	void *m = ring_mem(4096);

	(void)state;
	assert_null(capture_ring_init(m, 4095));
	assert_null(capture_ring_init(m, 32));
	assert_null(capture_ring_init(NULL, 4096));
	assert_non_null(capture_ring_init(m, 4096));
	free(m);
}

static void
test_capture_ring_records_come_out_whole_and_in_order(void **state)
{
	void *m = ring_mem(4096);
	struct capture_ring *r = capture_ring_init(m, 4096);
	uint32_t i;

	(void)state;
	assert_null(capture_ring_peek(r));
	for (i = 0; i < 20; i++)
		assert_int_equal(put(r, 8 * (2 + i), i), 0);
	for (i = 0; i < 20; i++)
		take(r, 8 * (2 + i), i);
	assert_null(capture_ring_peek(r));
	assert_int_equal(capture_ring_head(r), capture_ring_tail(r));
	free(m);
}

static void
test_capture_ring_refuses_bad_sizes(void **state)
{
	void *m = ring_mem(256);
	struct capture_ring *r = capture_ring_init(m, 256);

	(void)state;
	assert_null(capture_ring_reserve(r, 0));
	assert_null(capture_ring_reserve(r, 12));	/* not a multiple of 8 */
	assert_null(capture_ring_reserve(r, 136));	/* more than half the ring */
	assert_non_null(capture_ring_reserve(r, 128));
	free(m);
}

static void
test_capture_ring_full_refuses_and_changes_nothing(void **state)
{
	void *m = ring_mem(256);
	struct capture_ring *r = capture_ring_init(m, 256);
	uint64_t head;

	(void)state;
	assert_int_equal(put(r, 64, 0), 0);
	assert_int_equal(put(r, 64, 1), 0);
	assert_int_equal(put(r, 64, 2), 0);
	assert_int_equal(put(r, 64, 3), 0);
	head = capture_ring_head(r);
	assert_int_equal(head, 256);
	assert_int_equal(put(r, 8, 4), -1);
	assert_int_equal(capture_ring_head(r), head);
	take(r, 64, 0);
	assert_int_equal(put(r, 72, 5), -1);	/* 64 bytes free */
	assert_int_equal(put(r, 64, 5), 0);
	take(r, 64, 1);
	take(r, 64, 2);
	take(r, 64, 3);
	take(r, 64, 5);
	assert_null(capture_ring_peek(r));
	free(m);
}

static void
test_capture_ring_record_at_the_end_wraps_behind_a_pad(void **state)
{
	void *m = ring_mem(256);
	struct capture_ring *r = capture_ring_init(m, 256);

	(void)state;
	assert_int_equal(put(r, 96, 0), 0);	/* 0..96 */
	assert_int_equal(put(r, 96, 1), 0);	/* 96..192 */
	/* 64 bytes to the end, 64 more free only once record 0 is released. */
	assert_int_equal(put(r, 96, 2), -1);
	take(r, 96, 0);
	assert_int_equal(put(r, 96, 2), 0);	/* pad 192..256, record at 0 */
	assert_int_equal(capture_ring_head(r), 256 + 96);
	assert_int_equal(*(uint32_t *)(void *)((uint8_t *)r->data + 192), CAPTURE_RING_PAD);
	take(r, 96, 1);
	take(r, 96, 2);			/* the pad is skipped */
	assert_int_equal(capture_ring_tail(r), 256 + 96);
	assert_null(capture_ring_peek(r));
	/* Exactly to the end: no pad needed. */
	assert_int_equal(put(r, 96, 3), 0);	/* 96..192 */
	assert_int_equal(put(r, 64, 4), 0);	/* 192..256 */
	assert_int_equal(put(r, 96, 5), 0);	/* 0..96 */
	assert_int_equal(capture_ring_head(r), 2 * 256 + 96);
	take(r, 96, 3);
	take(r, 64, 4);
	take(r, 96, 5);
	free(m);
}

#define STRESS_N 200000

struct stress {
	struct capture_ring *r;
	uint32_t sizes[4096];
	uint32_t bad;
};

static void *
stress_producer(void *arg)
{
	struct stress *s = arg;
	uint32_t i;

	for (i = 0; i < STRESS_N; i++)
		while (put(s->r, s->sizes[i % 4096], i) != 0)
			sched_yield();	/* two threads may share one core */
	return NULL;
}

static void *
stress_consumer(void *arg)
{
	struct stress *s = arg;
	uint32_t i = 0, k;

	while (i < STRESS_N) {
		const struct rec *p = capture_ring_peek(s->r);

		if (p == NULL) {
			sched_yield();
			continue;
		}
		if (p->seq != i || p->size != s->sizes[i % 4096])
			s->bad++;
		for (k = 0; k < p->size - sizeof(*p); k++)
			if (p->data[k] != (uint8_t)(i * 31 + k))
				s->bad++;
		capture_ring_release(s->r, p->size);
		i++;
	}
	return NULL;
}

static void
test_capture_ring_one_producer_one_consumer_threads(void **state)
{
	void *m = ring_mem(8192);
	struct stress s = { .r = capture_ring_init(m, 8192) };
	pthread_t p, c;
	uint32_t i;

	(void)state;
	srand(7);
	for (i = 0; i < 4096; i++)
		s.sizes[i] = 8 * (1 + (uint32_t)rand() % 64);
	for (i = 0; i < 4096; i++)
		if (s.sizes[i] < sizeof(struct rec))
			s.sizes[i] = sizeof(struct rec);
	assert_int_equal(pthread_create(&c, NULL, stress_consumer, &s), 0);
	assert_int_equal(pthread_create(&p, NULL, stress_producer, &s), 0);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	assert_int_equal(s.bad, 0);
	assert_null(capture_ring_peek(s.r));
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_ring_init_refuses_sizes_not_a_power_of_two),
		cmocka_unit_test(test_capture_ring_records_come_out_whole_and_in_order),
		cmocka_unit_test(test_capture_ring_refuses_bad_sizes),
		cmocka_unit_test(test_capture_ring_full_refuses_and_changes_nothing),
		cmocka_unit_test(test_capture_ring_record_at_the_end_wraps_behind_a_pad),
		cmocka_unit_test(test_capture_ring_one_producer_one_consumer_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
