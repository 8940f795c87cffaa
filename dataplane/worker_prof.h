/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Where a worker's cycles go, for tools/bench only: the pipeline's stages charge the TSC
 * time since the last switch to the stage that was running. Compiled in only when
 * TOLLGATE_WORKER_PROF is defined (the bench's own build of the data path); in the daemon
 * every macro is empty and costs nothing.
 *
 *   other ─► parse ─► flow ─► reassembly ─┬► app layer ─► sensors (decoded buffers)
 *                                         └► sensors (raw stream)      ─► verdict ─► other
 *
 * A nested stage (the app layer called from reassembly's delivery) saves the stage it
 * interrupts and restores it when done, so every cycle is charged once.
 */
#ifndef TOLLGATE_WORKER_PROF_H
#define TOLLGATE_WORKER_PROF_H

#include <stdint.h>

enum worker_stage {
	WORKER_ST_OTHER = 0,	/* clock, counters, capture tap, housekeeping, flow ends */
	WORKER_ST_PARSE,	/* L2-L4 parse, defragmentation */
	WORKER_ST_FLOW,		/* flow lookup/create, policy, flow history */
	WORKER_ST_REASM,	/* TCP tracking and reassembly */
	WORKER_ST_APP,		/* protocol detection, HTTP/SMTP/MIME parsing, decoders */
	WORKER_ST_SENSORS,	/* DLP sensor streams, raw and decoded */
	WORKER_ST_VERDICT,	/* verdict, exception policy, reports, free or transmit */
	WORKER_ST__COUNT
};

#ifdef TOLLGATE_WORKER_PROF
#include <rte_common.h>
#include <rte_cycles.h>

#define WORKER_PROF_MAX 64	/* RUNTIME_MAX_WORKERS */

struct worker_prof {
	uint64_t last;		/* TSC of the last switch */
	uint8_t stage;		/* running stage */
	uint64_t cycles[WORKER_ST__COUNT];
	uint64_t charges[WORKER_ST__COUNT];	/* times charged: each holds about one clock
						 * read, which the bench takes off */
} __rte_cache_aligned;

/* By worker index; each written by its worker only (defined in worker.c). */
extern struct worker_prof worker_prof[WORKER_PROF_MAX];

/* 0: the clocks are not read (a run timed without them); set before the workers start. */
extern uint8_t worker_prof_on;

/* Charge the time since the last switch to the running stage, run st; returns the stage
 * it interrupted. */
static inline uint8_t
worker_prof_switch(unsigned int index, uint8_t st)
{
	struct worker_prof *p = &worker_prof[index];
	uint8_t prev = p->stage;
	uint64_t t;

	if (!worker_prof_on)
		return st;
	t = rte_rdtsc();
	p->cycles[prev] += t - p->last;
	p->charges[prev]++;
	p->last = t;
	p->stage = st;
	return prev;
}

/* Run stage st from here (a top-level stage of the packet). */
#define WORKER_PROF(w, st) ((void)worker_prof_switch((w)->index, (st)))
/* Run the nested stage st; returns what to give WORKER_PROF_END when it is done. */
#define WORKER_PROF_PUSH(w, st) worker_prof_switch((w)->index, (st))
#define WORKER_PROF_END(w, prev) ((void)worker_prof_switch((w)->index, (prev)))
#else
#define WORKER_PROF(w, st) do { } while (0)
#define WORKER_PROF_PUSH(w, st) ((uint8_t)0)
#define WORKER_PROF_END(w, prev) ((void)(prev))
#endif

#endif
