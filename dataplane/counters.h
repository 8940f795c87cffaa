/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_COUNTERS_H
#define TOLLGATE_COUNTERS_H

#include <stdio.h>
#include "counters_types.h"

/* Name ("flows_created") and description of a counter. */
const char *counters_name(enum ctr_id id);
const char *counters_desc(enum ctr_id id);

/*
 * Sum n per-worker blocks into *out (zeroed first). Control thread; the reads race with
 * the workers' writes, which is fine for aligned 64-bit counters on x86-64: each value is
 * some recent value, never a torn one.
 */
void counters_sum(const struct counters *blocks, unsigned int n, size_t stride,
		  struct counters *out);

/* Write the sum as one flat JSON object: {"packets": N, ..., "parse_err_ipv4_hlen": N}. */
int counters_write_json(const struct counters *sum, FILE *f);

#endif
