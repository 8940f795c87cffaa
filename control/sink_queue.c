/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The queue between the control thread and one sink's sender thread (sink_queue.h): a
 * ring of cap event pointers under a mutex that is held only to move a pointer, never
 * across I/O, so the control thread never waits on a receiver. A full queue drops the
 * new event and counts it. The queue also carries the sink's counters, the in-flight
 * count the exit flush waits on, and the stop flag:
 *
 *   control thread              sender thread
 *   sink_queue_push ──► [ ring of cap ] ──► sink_queue_pop ──► send ──► sink_queue_done
 *        │ full: dropped++                  (in flight)          retry: retried++, sleep
 *   sink_queue_wait_idle (exit flush) ◄── idle signal (empty and nothing in flight)
 *   sink_queue_stop ──► the sender leaves; what is left is dropped
 *
 * Counters are written under the lock or with atomics and read with atomics, so the API
 * reads them from the control thread at any time.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include "sink_queue.h"

RTE_LOG_REGISTER_SUFFIX(sink_logtype, sink, INFO);

struct sink_queue {
	pthread_mutex_t lock;
	pthread_cond_t ready;		/* an event was queued, or the queue stopped */
	pthread_cond_t idle;		/* empty and nothing in flight */
	struct sink_item **ring;
	uint32_t cap, head, count;	/* head: the oldest; count: how many */
	uint32_t inflight;
	int stop;			/* atomic */
	uint32_t backoff_ms, backoff_max_ms;
	uint64_t rng;			/* xorshift64 state for the jitter (sender only) */
	uint64_t sent, dropped, retried, failed;	/* atomics */
};

double
sink_queue_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The absolute CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait. */
static struct timespec
sink_queue_abs(uint32_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

struct sink_item *
sink_item_new(const char *line, size_t len, const char *type, const char *ts, uint8_t severity,
	      int has_flow_id, uint64_t flow_id, uint32_t refs)
{
	struct sink_item *it = malloc(sizeof(*it) + len + 1);

	if (it == NULL)
		return NULL;
	it->refs = refs;
	it->severity = severity;
	it->has_flow_id = has_flow_id != 0;
	it->flow_id = flow_id;
	snprintf(it->type, sizeof(it->type), "%s", type);
	snprintf(it->ts, sizeof(it->ts), "%s", ts);
	it->len = len;
	memcpy(it->line, line, len);
	it->line[len] = '\0';
	return it;
}

void
sink_item_put(struct sink_item *it)
{
	if (it != NULL && __atomic_sub_fetch(&it->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(it);
}

struct sink_queue *
sink_queue_create(uint32_t cap, uint32_t backoff_ms, uint32_t backoff_max_ms)
{
	struct sink_queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (q == NULL)
		return NULL;
	q->ring = calloc(cap, sizeof(*q->ring));
	if (q->ring == NULL) {
		free(q);
		return NULL;
	}
	q->cap = cap;
	q->backoff_ms = backoff_ms;
	q->backoff_max_ms = backoff_max_ms;
	if (getrandom(&q->rng, sizeof(q->rng), 0) != sizeof(q->rng) || q->rng == 0)
		q->rng = 0x9e3779b97f4a7c15ull ^ (uint64_t)(uintptr_t)q;
	pthread_mutex_init(&q->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->ready, &ca);
	pthread_cond_init(&q->idle, &ca);
	pthread_condattr_destroy(&ca);
	return q;
}

void
sink_queue_drop_all(struct sink_queue *q)
{
	pthread_mutex_lock(&q->lock);
	while (q->count > 0) {
		sink_item_put(q->ring[q->head]);
		q->ring[q->head] = NULL;
		q->head = (q->head + 1) % q->cap;
		q->count--;
		__atomic_add_fetch(&q->dropped, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&q->lock);
}

void
sink_queue_free(struct sink_queue *q)
{
	if (q == NULL)
		return;
	sink_queue_drop_all(q);
	pthread_cond_destroy(&q->ready);
	pthread_cond_destroy(&q->idle);
	pthread_mutex_destroy(&q->lock);
	free(q->ring);
	free(q);
}

int
sink_queue_push(struct sink_queue *q, struct sink_item *it)
{
	int ok = 0;

	pthread_mutex_lock(&q->lock);
	if (q->count < q->cap && !__atomic_load_n(&q->stop, __ATOMIC_RELAXED)) {
		q->ring[(q->head + q->count) % q->cap] = it;
		q->count++;
		ok = 1;
		pthread_cond_signal(&q->ready);
	}
	pthread_mutex_unlock(&q->lock);
	if (ok)
		return 0;
	__atomic_add_fetch(&q->dropped, 1, __ATOMIC_RELAXED);
	sink_item_put(it);
	return -ENOSPC;
}

struct sink_item *
sink_queue_pop(struct sink_queue *q, uint32_t wait_ms)
{
	struct sink_item *it = NULL;
	struct timespec until = sink_queue_abs(wait_ms);

	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && wait_ms > 0 && !__atomic_load_n(&q->stop, __ATOMIC_RELAXED))
		if (pthread_cond_timedwait(&q->ready, &q->lock, &until) == ETIMEDOUT)
			break;
	if (q->count > 0 && !__atomic_load_n(&q->stop, __ATOMIC_RELAXED)) {
		it = q->ring[q->head];
		q->ring[q->head] = NULL;
		q->head = (q->head + 1) % q->cap;
		q->count--;
		q->inflight++;
	}
	pthread_mutex_unlock(&q->lock);
	return it;
}

void
sink_queue_done(struct sink_queue *q, struct sink_item *it, enum sink_outcome outcome)
{
	uint64_t *ctr = outcome == SINK_SENT ? &q->sent :
			outcome == SINK_FAILED ? &q->failed : &q->dropped;

	__atomic_add_fetch(ctr, 1, __ATOMIC_RELAXED);
	sink_item_put(it);
	pthread_mutex_lock(&q->lock);
	q->inflight--;
	if (q->count == 0 && q->inflight == 0)
		pthread_cond_broadcast(&q->idle);
	pthread_mutex_unlock(&q->lock);
}

void
sink_queue_count_drop(struct sink_queue *q)
{
	__atomic_add_fetch(&q->dropped, 1, __ATOMIC_RELAXED);
}

void
sink_queue_retried(struct sink_queue *q)
{
	__atomic_add_fetch(&q->retried, 1, __ATOMIC_RELAXED);
}

int
sink_queue_stopping(const struct sink_queue *q)
{
	return __atomic_load_n(&q->stop, __ATOMIC_ACQUIRE);
}

int
sink_queue_sleep(struct sink_queue *q, uint32_t ms)
{
	struct timespec until = sink_queue_abs(ms);
	int rc = 0;

	pthread_mutex_lock(&q->lock);
	while (!__atomic_load_n(&q->stop, __ATOMIC_RELAXED) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&q->ready, &q->lock, &until);
	pthread_mutex_unlock(&q->lock);
	return sink_queue_stopping(q) ? -ECANCELED : 0;
}

uint32_t
sink_queue_backoff_ms(struct sink_queue *q, uint32_t attempt)
{
	uint64_t d = q->backoff_ms, x;

	while (attempt-- > 1 && d < q->backoff_max_ms)
		d *= 2;
	if (d > q->backoff_max_ms)
		d = q->backoff_max_ms;
	/* xorshift64: the jitter needs no more than spread */
	x = q->rng;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	q->rng = x;
	return (uint32_t)(d - (d / 2) * (x % 1001) / 1000);
}

int
sink_queue_wait_idle(struct sink_queue *q, double deadline)
{
	int idle;

	pthread_mutex_lock(&q->lock);
	for (;;) {
		double left = deadline - sink_queue_now();
		struct timespec until;

		idle = q->count == 0 && q->inflight == 0;
		if (idle || left <= 0)
			break;
		until = sink_queue_abs((uint32_t)(left * 1000) + 1);
		pthread_cond_timedwait(&q->idle, &q->lock, &until);
	}
	pthread_mutex_unlock(&q->lock);
	return idle;
}

void
sink_queue_stop(struct sink_queue *q)
{
	pthread_mutex_lock(&q->lock);
	__atomic_store_n(&q->stop, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&q->ready);
	pthread_mutex_unlock(&q->lock);
}

void
sink_queue_stats(const struct sink_queue *q, struct sink_stats *out)
{
	out->sent = __atomic_load_n(&q->sent, __ATOMIC_RELAXED);
	out->dropped = __atomic_load_n(&q->dropped, __ATOMIC_RELAXED);
	out->retried = __atomic_load_n(&q->retried, __ATOMIC_RELAXED);
	out->failed = __atomic_load_n(&q->failed, __ATOMIC_RELAXED);
	out->queued = __atomic_load_n(&q->count, __ATOMIC_RELAXED) +
		      __atomic_load_n(&q->inflight, __ATOMIC_RELAXED);
}

int
sink_queue_wait_fd(const struct sink_queue *q, int fd, short events, double deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		double left = deadline - sink_queue_now();
		int ms, rc;

		if (sink_queue_stopping(q))
			return -ECANCELED;
		if (left <= 0)
			return -ETIMEDOUT;
		ms = left > 0.1 ? 100 : (int)(left * 1000) + 1;
		rc = poll(&p, 1, ms);
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}
