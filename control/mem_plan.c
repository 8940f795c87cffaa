/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The memory a configuration takes, written out: tollgated --memory-plan prints it and the daemon
 * logs it at start, so an operator sizing a box (a million flows per worker, say) reads
 * the arithmetic instead of guessing, and the flood tests hold the daemon to it.
 */
#include <rte_mbuf.h>

#include "app_layer.h"
#include "defrag.h"
#include "dlp.h"
#include "flow_table.h"
#include "mem_plan.h"
#include "worker.h"

#define MIB (1024.0 * 1024.0)
/* EAL's own: memzones, the malloc heap's headers, lcore state, logs. */
#define MEM_PLAN_EAL_FIXED ((size_t)96 << 20)

void
mem_plan_compute(struct mem_plan *p, const struct tg_config *cfg, unsigned int workers,
		 size_t stream_each, size_t msg_pool, size_t msg_size)
{
	*p = (struct mem_plan){ .workers = workers };
	p->flows = flow_table_memsize(&cfg->flow);
	p->flow_each = cfg->flow.max_flows != 0 ? p->flows / cfg->flow.max_flows : 0;
	p->reasm = cfg->reasm.memcap;
	p->defrag = defrag_memsize(&cfg->defrag);
	p->dlp_state = 2 * dlp_ctx_memsize(&cfg->dlp);
	p->dir_each = dlp_dir_size();
	p->park_each = dlp_park_size();
	p->stream_each = stream_each;
	p->streams = 2 * stream_each * (size_t)cfg->dlp.max_streams;
	p->app = cfg->app.enabled ? app_layer_memsize(&cfg->app) : 0;
	p->capture = cfg->capture.enabled ? cfg->capture.ring_size : 0;
	p->history = cfg->capture.enabled ? cfg->capture.history_memcap : 0;
	p->worker_eal = worker_memsize(cfg) + p->capture + p->history +
			(size_t)cfg->dp.ring_size * 8 * 2 +
			(size_t)cfg->events.ring_size * 8;
	p->pools = cfg->dp.mbufs * (size_t)(RTE_MBUF_DEFAULT_BUF_SIZE + 192) +
		   msg_pool * (msg_size + 64);
	p->eal = p->pools + workers * p->worker_eal + MEM_PLAN_EAL_FIXED;
	p->heap = workers * (p->streams + p->dlp_state + p->app);
	p->total = p->eal + p->heap;
}

void
mem_plan_print(const struct mem_plan *p, const struct tg_config *cfg, FILE *f)
{
	char line[256];

	fprintf(f, "memory plan: %u worker%s, each:\n", p->workers, p->workers == 1 ? "" : "s");
	fprintf(f, "  flows        %u x %zu B (record + bucket) = %.1f MiB\n",
		cfg->flow.max_flows, p->flow_each, p->flows / MIB);
	fprintf(f, "  reassembly   %.1f MiB (reassembly.memcap)\n", p->reasm / MIB);
	fprintf(f, "  defrag       %.1f MiB\n", p->defrag / MIB);
	fprintf(f, "  sensors      2 x (%u streams x (%zu + %zu) B + %u parked x %zu B) = %.1f MiB "
		"(stream + direction state, idle directions' state; two sets while a new "
		"sensor database comes in)\n", cfg->dlp.max_streams, p->stream_each,
		p->dir_each, cfg->dlp.max_parked, p->park_each,
		(p->streams + p->dlp_state) / MIB);
	fprintf(f, "  app layer    %.1f MiB (app.max_flows states + app.decode_memcap)\n",
		p->app / MIB);
	fprintf(f, "  capture      %.1f MiB (capture.ring_size)\n", p->capture / MIB);
	fprintf(f, "  histories    %.1f MiB (capture.history_memcap)\n", p->history / MIB);
	mem_plan_summary(p, line, sizeof(line));
	fprintf(f, "memory plan: %s\n", line);
}

void
mem_plan_summary(const struct mem_plan *p, char *buf, size_t len)
{
	snprintf(buf, len, "total %.0f MiB = EAL %.0f MiB (packet and message pools %.0f MiB, "
		 "workers %u x %.0f MiB, EAL's own %.0f MiB) + heap %.0f MiB (sensor streams and "
		 "directions, app layer)", p->total / MIB, p->eal / MIB, p->pools / MIB, p->workers,
		 p->worker_eal / MIB, MEM_PLAN_EAL_FIXED / MIB, p->heap / MIB);
}
