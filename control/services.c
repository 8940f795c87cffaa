/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread serves (services.h): the sums and clocks that the control loop's
 * summary and the REST handlers both report.
 */
#include <string.h>
#include <time.h>
#include "counters.h"
#include "services.h"
#include "worker_types.h"

double
services_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void
services_counters(const struct services *s, struct counters *sum)
{
	const struct runtime *rt = s->rt;
	struct counters tmp;
	unsigned int w;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < rt->n_workers; w++) {
		counters_sum(&rt->workers[w]->ctr, 1, sizeof(struct worker), &tmp);
		for (unsigned int k = 0; k < CTR__COUNT; k++)
			sum->c[k] += tmp.c[k];
		for (unsigned int k = 0; k < PKT_ERR__COUNT; k++)
			sum->parse_err[k] += tmp.parse_err[k];
	}
	sum->c[CTR_dispatch_dropped] += rt->in.ring_full;
}

double
services_uptime(const struct services *s)
{
	return services_now() - s->t0;
}

const char *
services_state_dir(const struct services *s)
{
	return s->rt->state_dir != NULL ? s->rt->state_dir : s->rt->cfg.state_dir;
}
