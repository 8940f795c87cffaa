/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_SINK_QUEUE_H
#define TOLLGATE_SINK_QUEUE_H

#include <stdint.h>
#include <rte_log.h>
#include "sink_types.h"

/* The log type of every sink file ("tollgate.sink"). */
extern int sink_logtype;
#define SINK_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, sink_logtype, "tollgate.sink: " fmt "\n", ##__VA_ARGS__)

struct sink_queue;

/*
 * A new event with refs references (one per queue it will enter) holding a copy of the
 * len bytes at line. type and ts are cut to fit. NULL when out of memory. Any thread.
 */
struct sink_item *sink_item_new(const char *line, size_t len, const char *type, const char *ts,
				uint8_t severity, int has_flow_id, uint64_t flow_id,
				uint32_t refs);

/* Drop one reference; the last one frees the item. NULL is a no-op. Any thread. */
void sink_item_put(struct sink_item *it);

/*
 * A bounded queue of at most cap events between the control thread (the one producer) and
 * a sink's sender thread (the one consumer), with the sink's counters and the stop flag
 * the sender watches. backoff_ms and backoff_max_ms shape sink_queue_backoff_ms. NULL when
 * out of memory.
 */
struct sink_queue *sink_queue_create(uint32_t cap, uint32_t backoff_ms, uint32_t backoff_max_ms);

/* Free the queue; events still in it are dropped (and counted). NULL is a no-op. The
 * sender must have stopped. */
void sink_queue_free(struct sink_queue *q);

/*
 * Control thread: queue it (the queue takes one of its references). When the queue is full
 * or stopped the event is dropped and counted, the reference put, and -ENOSPC returned;
 * never waits for the sender (a lock held only to move a pointer).
 */
int sink_queue_push(struct sink_queue *q, struct sink_item *it);

/*
 * Sender: the oldest event, waiting up to wait_ms for one (0: do not wait). NULL when
 * there is none by then or the queue is stopped. The event counts as in flight until
 * sink_queue_done.
 */
struct sink_item *sink_queue_pop(struct sink_queue *q, uint32_t wait_ms);

/* Sender: it is done with an event it popped: count the outcome and put the reference. */
void sink_queue_done(struct sink_queue *q, struct sink_item *it, enum sink_outcome outcome);

/* Control thread: an event meant for q could not even be queued (out of memory). */
void sink_queue_count_drop(struct sink_queue *q);

/* Sender: one more attempt after a failure. */
void sink_queue_retried(struct sink_queue *q);

/* Sender: 1 once the control thread has stopped the queue (leave, counting what is in
 * flight as dropped). */
int sink_queue_stopping(const struct sink_queue *q);

/*
 * Sender: wait ms, or less when the queue is stopped meanwhile. Returns 0 after the full
 * wait, -ECANCELED when stopped.
 */
int sink_queue_sleep(struct sink_queue *q, uint32_t ms);

/*
 * The delay before retry number attempt (1, 2, ...): backoff_ms doubled per attempt,
 * capped at backoff_max_ms, then jittered to a uniformly random value between half and
 * all of it (so that many appliances do not retry in step). Sender.
 */
uint32_t sink_queue_backoff_ms(struct sink_queue *q, uint32_t attempt);

/*
 * Control thread, at exit: wait until the queue is empty and nothing is in flight, or
 * until the monotonic time deadline (seconds). 1 when idle, 0 when the deadline passed.
 */
int sink_queue_wait_idle(struct sink_queue *q, double deadline);

/* Control thread: ask the sender to stop (it leaves within about 100 ms). */
void sink_queue_stop(struct sink_queue *q);

/* Control thread, once the sender has left: drop (and count) what is still queued. */
void sink_queue_drop_all(struct sink_queue *q);

/* The counters (any thread; each is read atomically, the set is not a snapshot). */
void sink_queue_stats(const struct sink_queue *q, struct sink_stats *out);

/*
 * Sender: poll fd for events (POLLIN, POLLOUT) until the monotonic time deadline, in
 * slices of 100 ms so that a stop is seen. 0 ready (or an error/hangup to read with the
 * next call), -ETIMEDOUT, -ECANCELED when stopped, or -errno of poll.
 */
int sink_queue_wait_fd(const struct sink_queue *q, int fd, short events, double deadline);

/* Seconds on CLOCK_MONOTONIC. */
double sink_queue_now(void);

#endif
