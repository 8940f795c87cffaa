/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Waiting for room in a ring where waiting is the policy (offline --read, where a full
 * ring is back-pressure rather than loss, and the shutdown drain): spin briefly, then
 * give the CPU away. On a machine with fewer cores than threads (a laptop, a CI runner,
 * a small VM) the consumer that would make room may be waiting for this very core; a
 * thread that only spins keeps it from running. Never used where live traffic flows:
 * there a full ring drops and counts.
 */
#ifndef TOLLGATE_BACKOFF_H
#define TOLLGATE_BACKOFF_H

#include <sched.h>
#include <rte_pause.h>

#define BACKOFF_SPINS 256	/* pauses (a few microseconds) before yielding */

/* One turn of a wait loop; *spins starts at 0 for each wait. */
static inline void
backoff_wait(unsigned int *spins)
{
	if (*spins < BACKOFF_SPINS) {
		(*spins)++;
		rte_pause();
		return;
	}
	sched_yield();
}

#endif
