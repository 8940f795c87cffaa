/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench: throughput of the real worker pipeline (docs/performance.md "bench").
 *
 * The traffic (bench_traffic.c: a generated mix as TCP connections with handshakes, or a
 * pcap file) is loaded into mbufs once, dealt to workers by flow. Each worker lcore then
 * replays its mbufs -n times through worker_turn_begin / worker_process_burst /
 * worker_turn_end, the code worker_main runs per burst (no input lcore, no file I/O, no
 * ring in between). Before each burst the bench rewrites the client port (one value per
 * iteration: every replay is new connections, and every connection ends with FINs, so
 * state does not grow), stamps the packet time (an iteration spans flow.timeouts.closed +
 * 1 s of packet time, so the closed flows of one iteration expire in the next) and takes
 * a reference on the mbuf, which the worker's free gives back. The main lcore drains the
 * workers' event rings, as the control thread would, counting what they carry.
 *
 * Per mix and worker count, three modes over the same frames:
 *   io          the bench's per-packet work (port, time, reference) and a free
 *   no sensors  the pipeline with a snapshot without sensors (no app decoding either)
 *   full        the pipeline with every sensor of the configuration
 * and two single-core baselines over the same payload bytes (sensor streams per flow
 * direction): raw Hyperscan over the database of every pattern and keyword, and the
 * prefilter's candidate finders alone. This build of the data path has the stage clocks
 * of worker_prof.h compiled in (TOLLGATE_WORKER_PROF); the daemon's has not.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <hs.h>
#include <jansson.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "bench_traffic.h"
#include "config.h"
#include "dlp.h"
#include "msg_types.h"
#include "policy.h"
#include "runtime_types.h"
#include "sensor_config.h"
#include "sensor_engine.h"
#include "sensor_priv.h"	/* the raw database and the finder alone */
#include "snapshot.h"
#include "worker.h"
#include "worker_prof.h"
#include "yaml_tree.h"

#ifndef TOLLGATE_WORKER_PROF
#error "tools/bench.c is built with the data path's stage clocks (meson.build)"
#endif

#define BENCH_MAX_WORKERS 8
#define BENCH_STREAMS 512	/* baseline sensor streams: flow % 512, direction */
#define MSG_POOL 4095

enum mode { MODE_IO = 0, MODE_NOSENSORS, MODE_FULL, MODES };
static const char *const mode_name[MODES] = { "io", "no_sensors", "full" };
static const char *const mode_label[MODES] = {
	"I/O only (touch + free)", "pipeline, sensors off", "full pipeline",
};
static const char *const stage_name[WORKER_ST__COUNT] = {
	"other", "parse", "flow", "reassembly", "app", "sensors", "verdict",
};
static const char *const traffic_name[BENCH_TRAFFIC__COUNT] = {
	"standard", "decoders", "adversarial", "html", "json", "js", "base64", "pcap",
};
static const char *const traffic_label[BENCH_TRAFFIC__COUNT] = {
	"standard mix as HTTP POSTs (35% HTML, 30% JSON, 20% JS, 15% base64)",
	"standard mix as HTTP plain/gzip/chunked/form and SMTP base64 attachments",
	"adversarial mix as HTTP POSTs (digit-dense CSV, digit runs, near-miss cards)",
	"the standard mix's HTML alone as HTTP POSTs",
	"the standard mix's JSON alone as HTTP POSTs",
	"the standard mix's JavaScript alone as HTTP POSTs",
	"the standard mix's base64 blocks alone as HTTP POSTs",
	"pcap file",
};

struct opts {
	size_t mib;
	unsigned int iters, conc, nworkers, workers[BENCH_MAX_WORKERS];
	unsigned int mixes;	/* bit per enum bench_traffic_kind */
	unsigned int first_cpu;	/* lcore l runs on CPU (first_cpu + l) modulo the CPUs */
	unsigned int rounds;	/* every (workers, mode) run this many times, interleaved */
	const char *pcap, *json, *config;
	const char *write_pcap;	/* --write-pcap: write the mix's frames there, run nothing */
};

/* One worker lcore's part of a run. */
struct job {
	struct bench *b;
	enum mode mode;
	struct worker *w;		/* NULL: io */
	unsigned int index;
	struct rte_mbuf **m;
	uint16_t *port_off, *port, *cksum_off;
	size_t n;
	uint64_t wire_bytes, payload_bytes;	/* one iteration */
	uint64_t tsc, stage[WORKER_ST__COUNT], charges[WORKER_ST__COUNT];
	double cpu_s;
	volatile int done;
};

struct bench {
	struct opts o;
	struct runtime *rt;
	struct policy *policy;
	struct sensor_db *db;		/* the configuration's, for the pipeline */
	struct snapshot *snap_full, *snap_off;
	struct snapshot_sensors *ss;
	uint64_t span_us, t0_us;
	double switch_cycles;		/* what one stage clock read costs */
	/* baselines */
	struct sensor_db *bdb;		/* built-in catalogue, both engines' databases */
	struct sensor_worker *bsw;
	hs_scratch_t *scratch;
	/* events drained */
	uint64_t ev_dlp, ev_dlp_total, ev_flow_end, ev_other;
};

struct result {
	uint64_t packets, loaded, wire_bytes, payload_bytes;
	uint64_t stage[WORKER_ST__COUNT];	/* TSC cycles by stage (clocked run) */
	uint64_t charges[WORKER_ST__COUNT];	/* clock reads by stage (clocked run) */
	double share[WORKER_ST__COUNT];		/* of the pipeline's time, clocks taken off */
	double clocked_cycles;			/* cycles per packet of the clocked run */
	double read_cycles;			/* what one clock read cost in it */
	double cpu_s, wall_s;
	uint64_t ctr_packets, flows_created, flows_ended, events_dropped, exceptions;
	uint64_t refused;	/* app flows and sensor streams refused: caps hit */
	uint64_t cksum_bad;	/* frames not inspected for a bad checksum */
	uint64_t ev_dlp, ev_dlp_total, ev_flow_end;
	uint64_t det[SENSOR_MAX];
};

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- the worker lcores ---- */

/*
 * Iteration it's client port in frame m (the port at off, orig in the traffic; the ports
 * under 1024 of a pcap are left), and its TCP or UDP checksum at cksum_off (0: none)
 * updated for the change (RFC 1624: HC' = ~(~HC + ~m + m')).
 */
static inline void
bench_port(struct rte_mbuf *m, uint16_t off, uint16_t cksum_off, uint16_t orig, unsigned int it)
{
	uint8_t *d = rte_pktmbuf_mtod(m, uint8_t *);
	uint16_t old = (uint16_t)(d[off] << 8 | d[off + 1]), p = orig;
	uint32_t s;

	if (p >= 1024)
		p = (uint16_t)(1024 + (p - 1024 + it) % 64512);
	d[off] = (uint8_t)(p >> 8);
	d[off + 1] = (uint8_t)p;
	if (cksum_off == 0)
		return;
	s = (uint16_t)~(d[cksum_off] << 8 | d[cksum_off + 1]);
	s += (uint16_t)~old;
	s += p;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	s = (uint16_t)~s;
	d[cksum_off] = (uint8_t)(s >> 8);
	d[cksum_off + 1] = (uint8_t)s;
}

static int
bench_lcore(void *arg)
{
	struct job *j = arg;
	struct runtime *rt = j->b->rt;
	struct rte_mbuf *burst[64];
	uint32_t nb = RTE_MIN(rt->cfg.dp.burst, 64u);
	uint64_t t0, step;
	unsigned int it, s;
	size_t i, k;
	double c0;

	if (j->w != NULL)
		rte_rcu_qsbr_thread_online(rt->qsbr, j->w->index);
	step = j->n != 0 ? j->b->span_us / j->n : 0;
	memset(&worker_prof[j->index], 0, sizeof(worker_prof[0]));
	c0 = cpu_now();
	t0 = rte_rdtsc();
	for (it = 0; it < j->b->o.iters; it++) {
		uint64_t ts = j->b->t0_us + it * j->b->span_us;

		for (i = 0; i < j->n; i += nb) {
			uint16_t cnt = (uint16_t)RTE_MIN((size_t)nb, j->n - i);

			for (k = 0; k < cnt; k++) {
				struct rte_mbuf *m = j->m[i + k];
				uint16_t off = j->port_off[i + k];

				if (off != 0)
					bench_port(m, off, j->cksum_off[i + k], j->port[i + k], it);
				*RTE_MBUF_DYNFIELD(m, rt->ts_offset, rte_mbuf_timestamp_t *) =
					ts + (i + k) * step;
				m->ol_flags |= rt->ts_flag;
				rte_mbuf_refcnt_update(m, 1);
				burst[k] = m;
			}
			if (j->w == NULL) {
				rte_pktmbuf_free_bulk(burst, cnt);
				continue;
			}
			/* The stage clocks count the turn only: the bench's own work above
			 * is charged to no stage. */
			worker_prof[j->index].last = rte_rdtsc();
			worker_turn_begin(j->w);
			worker_process_burst(j->w, burst, cnt);
			worker_turn_end(j->w);
			WORKER_PROF(j->w, WORKER_ST_OTHER);
		}
	}
	j->tsc = rte_rdtsc() - t0;
	j->cpu_s = cpu_now() - c0;
	for (s = 0; s < WORKER_ST__COUNT; s++) {
		j->stage[s] = worker_prof[j->index].cycles[s];
		j->charges[s] = worker_prof[j->index].charges[s];
	}
	if (j->w != NULL) {
		worker_finish(j->w);
		rte_rcu_qsbr_thread_offline(rt->qsbr, j->w->index);
	}
	__atomic_store_n(&j->done, 1, __ATOMIC_RELEASE);
	return 0;
}

/* The control thread's part: take every event off the rings and give it back. */
static unsigned int
bench_drain(struct bench *b, struct worker **w, unsigned int nw)
{
	struct msg *m[64];
	unsigned int k, i, n, total = 0;

	for (k = 0; k < nw; k++) {
		if (w[k] == NULL)
			continue;
		n = rte_ring_sc_dequeue_burst(w[k]->msg_ring, (void **)m, 64, NULL);
		for (i = 0; i < n; i++) {
			if (m[i]->type == MSG_DLP) {
				b->ev_dlp++;
				b->ev_dlp_total += m[i]->dlp.total;
			} else if (m[i]->type == MSG_FLOW_END) {
				b->ev_flow_end++;
			} else {
				b->ev_other++;
			}
		}
		if (n != 0)
			rte_mempool_put_bulk(b->rt->msg_pool, (void **)m, n);
		total += n;
	}
	return total;
}

/* ---- one run: a mode, a worker count ---- */

/*
 * Flow records and app-layer flows for what one worker holds at once: the connections of
 * about two iterations (a closed flow keeps both until flow.timeouts.closed has passed,
 * a little less than an iteration's span) and those open. No cap may be hit (caps_hit).
 */
static void
bench_caps(struct bench *b, const struct bench_traffic *t, unsigned int nw)
{
	struct tg_config *cfg = &b->rt->cfg;
	uint32_t per = (t->nflows + nw - 1) / nw, need = 2 * per + 2 * b->o.conc + 64;
	uint32_t flows = 16384;

	while (flows < need)
		flows *= 2;
	if (t->kind == BENCH_TRAFFIC_PCAP)
		flows = 65536;
	cfg->flow.max_flows = flows;
	cfg->flow.nbuckets = flows;
	cfg->app.max_flows = flows;
}

/* The worker lcores, in order: *n of them. */
static void
bench_lcores(unsigned int lc[BENCH_MAX_WORKERS], unsigned int *n)
{
	unsigned int lcore;

	*n = 0;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (*n == BENCH_MAX_WORKERS)
			break;
		lc[(*n)++] = lcore;
	}
}

/* A run of nw workers on the worker lcores from the first-th (0: the first). */
static int
bench_run(struct bench *b, const struct bench_traffic *t, enum mode mode, unsigned int nw,
	  unsigned int first, int clocked, struct rte_mempool *pool, struct result *r)
{
	struct runtime *rt = b->rt;
	struct job jobs[BENCH_MAX_WORKERS];
	struct worker *w[BENCH_MAX_WORKERS] = { NULL };
	uint32_t *idx = malloc(t->nframes * sizeof(*idx));
	unsigned int k, lcore, s, lc[BENCH_MAX_WORKERS], nlc;
	char err[256];
	int rc = -1;

	memset(jobs, 0, sizeof(jobs));
	memset(r, 0, sizeof(*r));
	b->ev_dlp = b->ev_dlp_total = b->ev_flow_end = b->ev_other = 0;
	rt->n_workers = nw;
	worker_prof_on = (uint8_t)clocked;
	bench_caps(b, t, nw);
	rt->snap = mode == MODE_FULL ? b->snap_full : b->snap_off;
	if (idx == NULL)
		return -1;
	bench_lcores(lc, &nlc);
	if (first + nw > nlc) {
		fprintf(stderr, "bench: %u workers need %u lcores\n", nw, first + nw + 1);
		goto out;
	}
	for (k = 0; k < nw; k++) {
		struct job *j = &jobs[k];
		size_t i;

		lcore = lc[first + k];
		j->b = b;
		j->mode = mode;
		j->index = k;
		if (mode != MODE_IO) {
			int socket = (int)rte_lcore_to_socket_id(lcore);

			w[k] = worker_create(rt, k, lcore, socket);
			if (w[k] == NULL)
				goto out;
			j->w = w[k];
			if (mode == MODE_FULL) {
				b->ss->dlp[k] = dlp_ctx_create(b->db, &rt->cfg.dlp, rt->hash_key,
							       socket, err, sizeof(err));
				if (b->ss->dlp[k] == NULL) {
					fprintf(stderr, "bench: %s\n", err);
					goto out;
				}
			}
		}
		j->n = bench_traffic_deal(t, k, nw, b->o.conc, idx);
		j->m = calloc(j->n + 1, sizeof(*j->m));
		j->port_off = calloc(j->n + 1, sizeof(*j->port_off));
		j->port = calloc(j->n + 1, sizeof(*j->port));
		j->cksum_off = calloc(j->n + 1, sizeof(*j->cksum_off));
		if (j->m == NULL || j->port_off == NULL || j->port == NULL || j->cksum_off == NULL)
			goto out;
		for (i = 0; i < j->n; i++) {
			const struct bench_frame *fr = &t->frames[idx[i]];
			struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
			char *p = m != NULL ? rte_pktmbuf_append(m, fr->len) : NULL;

			if (p == NULL) {
				fprintf(stderr, "bench: out of mbufs\n");
				rte_pktmbuf_free(m);
				goto out;
			}
			memcpy(p, fr->data, fr->len);
			j->m[i] = m;
			j->port_off[i] = fr->port_off;
			j->port[i] = fr->port;
			j->cksum_off[i] = fr->cksum_off;
			j->wire_bytes += fr->len;
			j->payload_bytes += fr->payload;
		}
	}
	b->ss->n_workers = nw;
	for (k = 0; k < nw; k++)
		rte_eal_remote_launch(bench_lcore, &jobs[k], lc[first + k]);
	for (;;) {
		int all = 1;

		for (k = 0; k < nw; k++)
			all &= __atomic_load_n(&jobs[k].done, __ATOMIC_ACQUIRE);
		if (bench_drain(b, w, nw) == 0) {
			if (all)
				break;
			rte_delay_us_sleep(100);
		}
	}
	rte_eal_mp_wait_lcore();
	while (bench_drain(b, w, nw) != 0)
		;
	for (k = 0; k < nw; k++) {
		struct job *j = &jobs[k];

		r->loaded += j->n;
		r->packets += (uint64_t)j->n * b->o.iters;
		r->wire_bytes += j->wire_bytes * b->o.iters;
		r->payload_bytes += j->payload_bytes * b->o.iters;
		r->cpu_s += j->cpu_s;
		if ((double)j->tsc / rte_get_tsc_hz() > r->wall_s)
			r->wall_s = (double)j->tsc / rte_get_tsc_hz();
		for (s = 0; s < WORKER_ST__COUNT; s++) {
			r->stage[s] += j->stage[s];
			r->charges[s] += j->charges[s];
		}
		if (w[k] != NULL) {
			r->ctr_packets += w[k]->ctr.c[CTR_packets];
			r->flows_created += w[k]->ctr.c[CTR_flows_created];
			r->flows_ended += w[k]->ctr.c[CTR_flows_ended];
			r->events_dropped += w[k]->ctr.c[CTR_events_dropped];
			r->exceptions += w[k]->ctr.c[CTR_exception_fail_open] +
					 w[k]->ctr.c[CTR_exception_fail_closed];
			r->cksum_bad += w[k]->ctr.c[CTR_checksum_bad_ip] +
					w[k]->ctr.c[CTR_checksum_bad_l4];
			r->refused += w[k]->ctr.c[CTR_app_flows_refused] +
				      w[k]->ctr.c[CTR_flows_refused] +
				      w[k]->ctr.c[CTR_flows_evicted];
		}
		if (mode == MODE_FULL)
			r->refused += dlp_ctx_stats(b->ss->dlp[k])->dirs_refused;
		if (mode == MODE_FULL)
			for (s = 0; s < sensor_db_count(b->db) && s < SENSOR_MAX; s++)
				r->det[s] += dlp_ctx_sensor_matches(b->ss->dlp[k], s,
								   CONFIG_DLP_ALERT) +
					     dlp_ctx_sensor_matches(b->ss->dlp[k], s,
								   CONFIG_DLP_BLOCK);
	}
	if (mode == MODE_IO)
		r->ctr_packets = r->packets;
	r->ev_dlp = b->ev_dlp;
	r->ev_dlp_total = b->ev_dlp_total;
	r->ev_flow_end = b->ev_flow_end;
	rc = 0;
out:
	for (k = 0; k < BENCH_MAX_WORKERS; k++) {
		if (jobs[k].m != NULL) {
			size_t i;

			for (i = 0; i < jobs[k].n; i++)
				rte_pktmbuf_free(jobs[k].m[i]);
		}
		free(jobs[k].m);
		free(jobs[k].port_off);
		free(jobs[k].port);
		free(jobs[k].cksum_off);
		worker_free(w[k]);
		if (b->ss->dlp[k] != NULL) {
			dlp_ctx_free(b->ss->dlp[k]);
			b->ss->dlp[k] = NULL;
		}
	}
	free(idx);
	return rc;
}

/* ---- single-core baselines over the same payload bytes ---- */

static uint64_t raw_hits;

static int
raw_cb(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
       void *ctx)
{
	RTE_SET_USED(id);
	RTE_SET_USED(from);
	RTE_SET_USED(to);
	RTE_SET_USED(flags);
	RTE_SET_USED(ctx);
	raw_hits++;
	return 0;
}

/* CPU seconds of iters passes of raw Hyperscan (finder = 0) or of the finders alone over
 * every frame's payload, a stream per flow % BENCH_STREAMS and direction. */
static double
bench_baseline(struct bench *b, const struct bench_traffic *t, int finder, uint64_t *hits)
{
	static hs_stream_t *hst[BENCH_STREAMS][2];
	static struct sensor_stream *st[BENCH_STREAMS][2];
	unsigned int it, s, d;
	double c0, cpu = 0;
	size_t i;

	raw_hits = 0;
	for (it = 0; it < b->o.iters; it++) {
		for (s = 0; s < BENCH_STREAMS; s++)
			for (d = 0; d < 2; d++) {
				if (finder)
					st[s][d] = sensor_stream_open(b->bsw);
				else
					hs_open_stream(b->bdb->hs_full, 0, &hst[s][d]);
			}
		c0 = cpu_now();
		for (i = 0; i < t->nframes; i++) {
			const struct bench_frame *fr = &t->frames[i];

			if (fr->payload == 0)
				continue;
			s = fr->flow % BENCH_STREAMS;
			d = fr->to_server;
			if (finder)
				raw_hits += sensor_stream_prefilter_only(
					b->bsw, st[s][d], fr->data + fr->payload_off, fr->payload);
			else
				hs_scan_stream(hst[s][d], (const char *)fr->data + fr->payload_off,
					       fr->payload, 0, b->scratch, raw_cb, NULL);
		}
		for (s = 0; s < BENCH_STREAMS; s++)
			for (d = 0; d < 2; d++) {
				if (finder)
					sensor_stream_close(b->bsw, st[s][d], NULL, NULL);
				else
					hs_close_stream(hst[s][d], b->scratch, raw_cb, NULL);
			}
		cpu += cpu_now() - c0;
	}
	*hits = raw_hits;
	return cpu;
}

/* Stage clock reads per packet of a clocked run. */
static double
clock_reads(const struct result *r)
{
	uint64_t n = 0;
	unsigned int s;

	for (s = 0; s < WORKER_ST__COUNT; s++)
		n += r->charges[s];
	return r->packets ? (double)n / r->packets : 0;
}

/*
 * The stage shares of timed run r from its clocked twin rc. Each charge to a stage holds
 * about one clock read; what a read costs is what the clocks added to the run (cycles per
 * packet clocked minus timed) over the reads per packet, at most what a read costs alone
 * (bench_switch_cost), and is taken off each stage before the shares are made.
 */
static void
bench_shares(const struct bench *b, struct result *r, const struct result *rc)
{
	double reads = clock_reads(rc), tot = 0, c[WORKER_ST__COUNT];
	unsigned int s;

	memcpy(r->stage, rc->stage, sizeof(r->stage));
	memcpy(r->charges, rc->charges, sizeof(r->charges));
	r->clocked_cycles = rc->packets ? rc->cpu_s * rte_get_tsc_hz() / rc->packets : 0;
	r->read_cycles = 0;
	if (reads > 0 && r->packets > 0)
		r->read_cycles = (r->clocked_cycles - r->cpu_s * rte_get_tsc_hz() / r->packets) /
				 reads;
	r->read_cycles = RTE_MAX(0.0, RTE_MIN(r->read_cycles, b->switch_cycles));
	for (s = 0; s < WORKER_ST__COUNT; s++) {
		c[s] = RTE_MAX(0.0, rc->stage[s] - rc->charges[s] * r->read_cycles);
		tot += c[s];
	}
	for (s = 0; s < WORKER_ST__COUNT; s++)
		r->share[s] = tot > 0 ? c[s] / tot : 0;
}

/* ---- output ---- */

static double
gbps(uint64_t bytes, double s)
{
	return s > 0 ? bytes * 8 / s / 1e9 : 0;
}

static json_t *
mode_json(const struct bench *b, const struct result *r, enum mode mode, double full_gbps)
{
	double tsc_hz = (double)rte_get_tsc_hz(), per_core = gbps(r->wire_bytes, r->cpu_s);
	json_t *o = json_object(), *sh, *det;
	unsigned int s;

	json_object_set_new(o, "packets_loaded", json_integer((json_int_t)r->loaded));
	json_object_set_new(o, "iterations", json_integer(b->o.iters));
	json_object_set_new(o, "packets", json_integer((json_int_t)r->packets));
	json_object_set_new(o, "packets_processed", json_integer((json_int_t)r->ctr_packets));
	json_object_set_new(o, "wire_bytes", json_integer((json_int_t)r->wire_bytes));
	json_object_set_new(o, "payload_bytes", json_integer((json_int_t)r->payload_bytes));
	json_object_set_new(o, "cpu_s", json_real(r->cpu_s));
	json_object_set_new(o, "wall_s", json_real(r->wall_s));
	json_object_set_new(o, "gbps_per_core", json_real(per_core));
	json_object_set_new(o, "mpps_per_core",
			    json_real(r->cpu_s > 0 ? r->packets / r->cpu_s / 1e6 : 0));
	json_object_set_new(o, "gbps_total", json_real(gbps(r->wire_bytes, r->wall_s)));
	json_object_set_new(o, "cycles_per_packet",
			    json_real(r->packets ? r->cpu_s * tsc_hz / r->packets : 0));
	json_object_set_new(o, "cycles_per_payload_byte",
			    json_real(r->payload_bytes ? r->cpu_s * tsc_hz / r->payload_bytes : 0));
	json_object_set_new(o, "x_full", json_real(full_gbps > 0 ? per_core / full_gbps : 0));
	if (mode == MODE_IO)
		return o;
	sh = json_object();
	for (s = 0; s < WORKER_ST__COUNT; s++)
		json_object_set_new(sh, stage_name[s], json_real(r->share[s]));
	json_object_set_new(o, "shares", sh);
	json_object_set_new(o, "clock_reads_per_packet", json_real(clock_reads(r)));
	json_object_set_new(o, "clock_read_cycles", json_real(r->read_cycles));
	json_object_set_new(o, "clocked_cycles_per_packet", json_real(r->clocked_cycles));
	json_object_set_new(o, "flows_created", json_integer((json_int_t)r->flows_created));
	json_object_set_new(o, "flows_ended", json_integer((json_int_t)r->flows_ended));
	json_object_set_new(o, "flow_events", json_integer((json_int_t)r->ev_flow_end));
	json_object_set_new(o, "events_dropped", json_integer((json_int_t)r->events_dropped));
	json_object_set_new(o, "exceptions", json_integer((json_int_t)r->exceptions));
	json_object_set_new(o, "caps_hit", json_integer((json_int_t)r->refused));
	json_object_set_new(o, "checksum_bad", json_integer((json_int_t)r->cksum_bad));
	if (mode != MODE_FULL)
		return o;
	det = json_object();
	for (s = 0; s < sensor_db_count(b->db) && s < SENSOR_MAX; s++)
		if (r->det[s] != 0)
			json_object_set_new(det, sensor_db_def(b->db, s)->id,
					    json_integer((json_int_t)r->det[s]));
	json_object_set_new(o, "detections", det);
	json_object_set_new(o, "dlp_events", json_integer((json_int_t)r->ev_dlp));
	json_object_set_new(o, "dlp_event_matches", json_integer((json_int_t)r->ev_dlp_total));
	return o;
}

static void
print_mode(const struct result *r, enum mode mode, double full_gbps)
{
	double tsc_hz = (double)rte_get_tsc_hz(), per_core = gbps(r->wire_bytes, r->cpu_s);
	unsigned int s;

	printf("    %-26s %7.2f %7.3f %7.2f %9.0f %7.1f %6.2f", mode_label[mode], per_core,
	       r->cpu_s > 0 ? r->packets / r->cpu_s / 1e6 : 0, gbps(r->wire_bytes, r->wall_s),
	       r->packets ? r->cpu_s * tsc_hz / r->packets : 0,
	       r->payload_bytes ? r->cpu_s * tsc_hz / r->payload_bytes : 0,
	       full_gbps > 0 ? per_core / full_gbps : 0);
	if (mode == MODE_IO) {
		printf("\n");
		return;
	}
	for (s = 1; s < WORKER_ST__COUNT; s++)
		printf(" %5.1f", 100.0 * r->share[s]);
	printf(" %5.1f %5.0f\n", 100.0 * r->share[0], r->clocked_cycles);
}

/* Baseline finder (0: raw Hyperscan) over t: a row of the table, an object in bl. */
static void
baseline_row(struct bench *b, const struct bench_traffic *t, int finder, double full_gbps,
	     json_t *bl)
{
	static const char *const label[2] = {
		"raw hyperscan, full db", "finders (prefilter alone)",
	};
	static const char *const what[2] = { "pattern/keyword hits", "hit groups" };
	static const char *const key[2] = { "raw_hyperscan", "finders" };
	uint64_t hits;
	double cpu = bench_baseline(b, t, finder, &hits), g, x;
	unsigned int round;

	for (round = 1; round < b->o.rounds; round++) {	/* the best of the rounds */
		double c = bench_baseline(b, t, finder, &hits);

		if (c < cpu)
			cpu = c;
	}
	g = gbps(t->wire_bytes * b->o.iters, cpu);
	x = full_gbps > 0 ? g / full_gbps : 0;

	printf("    %-26s %7.2f %7s %7s %9s %7s %6.2f  (%" PRIu64 " %s)\n", label[finder], g,
	       "", "", "", "", x, hits, what[finder]);
	json_object_set_new(bl, key[finder], json_pack("{s:f,s:f,s:f,s:I}", "cpu_s", cpu,
		"gbps_per_core", g, "x_full", x, "hits", (json_int_t)hits));
}

/* The CPU an lcore runs on (its cpuset's first), or -1. */
static int
lcore_cpu(unsigned int lcore)
{
	rte_cpuset_t set = rte_lcore_cpuset(lcore);
	int c;

	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			return c;
	return -1;
}

/*
 * Scaling from 1 to nw workers, for the two pipeline modes, against one worker alone on
 * each of the lcores the nw workers run on (alone[j]: on the j-th; their CPUs need not be
 * alike: a VM's may differ by half). Per core: the Gbit/s per core of nw workers over the
 * alone runs' (their bytes over their CPU time): whether the work per byte grows when
 * workers run side by side (shared state, cache lines, memory). Total: the aggregate
 * Gbit/s (wall clock of the slowest worker) over the sum of the alone runs' Gbit/s, the
 * scaling efficiency proper, which means something when every worker has a CPU of its own
 * (the event drain sleeps when the rings are empty).
 */
static void
print_scaling(const struct result *r, unsigned int nw, const struct result *alone,
	      json_t *sc)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int own = ncpu >= (long)nw + 1;
	unsigned int m, j, lc[BENCH_MAX_WORKERS], nlc;

	bench_lcores(lc, &nlc);
	for (m = MODE_NOSENSORS; m < MODES; m++) {
		double sum = 0, bytes = 0, cpu = 0, core, total;
		json_t *o = json_object(), *each = json_array(), *each_core = json_array();

		printf("    one worker alone on CPU");
		for (j = 0; j < nw; j++) {
			const struct result *a = &alone[j * MODES + m];
			double g = gbps(a->wire_bytes, a->wall_s);

			sum += g;
			bytes += (double)a->wire_bytes;
			cpu += a->cpu_s;
			printf("%s %d", j ? "," : "", lcore_cpu(lc[j]));
			json_array_append_new(each, json_real(g));
			json_array_append_new(each_core, json_real(gbps(a->wire_bytes, a->cpu_s)));
		}
		printf(":");
		for (j = 0; j < nw; j++)
			printf(" %.2f", json_real_value(json_array_get(each, j)));
		printf(" Gbit/s (%s)\n", m == MODE_FULL ? "full" : "sensors off");
		core = cpu > 0 ? gbps(r[m].wire_bytes, r[m].cpu_s) / (bytes * 8 / cpu / 1e9) : 0;
		total = sum > 0 ? gbps(r[m].wire_bytes, r[m].wall_s) / sum : 0;
		printf("    scaling 1 -> %u, %-14s per core %5.1f%%   total %5.1f%%%s\n", nw,
		       m == MODE_FULL ? "full:" : "sensors off:", core * 100, total * 100,
		       own ? "" : " (the event drain shares the workers' CPUs)");
		json_object_set_new(o, "workers", json_integer(nw));
		json_object_set_new(o, "mode", json_string(mode_name[m]));
		json_object_set_new(o, "per_core", json_real(core));
		json_object_set_new(o, "total", json_real(total));
		json_object_set_new(o, "alone_gbps", each);
		json_object_set_new(o, "alone_gbps_per_core", each_core);
		json_object_set_new(o, "cpu_per_thread", json_boolean(own));
		json_array_append_new(sc, o);
	}
}

/*
 * One run of nw workers from the first-th worker lcore into *best in round 0 (and its
 * clocked twin for the stage shares when `shares`); in later rounds only its CPU and wall
 * times, when better.
 */
static int
bench_best(struct bench *b, const struct bench_traffic *t, enum mode m, unsigned int nw,
	   unsigned int first, int shares, int round0, struct rte_mempool *pool,
	   struct result *best)
{
	struct result rr, rc;

	/* Timed with the stage clocks off; run again with them on for the shares (the same
	 * frames, the same work). */
	if (bench_run(b, t, m, nw, first, 0, pool, round0 ? best : &rr) != 0)
		return -1;
	if (round0) {
		if (shares && m != MODE_IO) {
			if (bench_run(b, t, m, nw, first, 1, pool, &rc) != 0)
				return -1;
			bench_shares(b, best, &rc);
		}
		return 0;
	}
	if (rr.cpu_s < best->cpu_s)
		best->cpu_s = rr.cpu_s;
	if (rr.wall_s < best->wall_s)
		best->wall_s = rr.wall_s;
	return 0;
}

/* ---- one mix: every worker count and mode, the baselines ---- */

static json_t *
bench_mix(struct bench *b, enum bench_traffic_kind kind, struct rte_mempool *pool)
{
	struct bench_traffic *t;
	struct result r[MODES];
	json_t *mj = json_object(), *runs = json_array(), *pl = json_object(), *bl;
	json_t *sc = json_array();
	double full1 = 0;
	struct result *res = calloc((size_t)b->o.nworkers * MODES, sizeof(*res)), *alone = NULL;
	unsigned int i, m, s, round, n_alone = 0, one = 0;
	char err[512];

	/* Scaling needs one worker's run: then one alone on each lcore of the largest run. */
	for (i = 0; i < b->o.nworkers; i++) {
		one |= b->o.workers[i] == 1;
		if (b->o.workers[i] > n_alone)
			n_alone = b->o.workers[i];
	}
	if (!one || n_alone < 2)
		n_alone = 0;
	if (n_alone > 0)
		alone = calloc((size_t)n_alone * MODES, sizeof(*alone));
	if (res == NULL || (n_alone > 0 && alone == NULL)) {
		free(res);
		free(alone);
		return NULL;
	}

	t = bench_traffic_create(kind, b->o.mib, b->o.pcap, err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		free(res);
		free(alone);
		return NULL;
	}
	printf("%s: %s\n", traffic_name[kind], kind == BENCH_TRAFFIC_PCAP ? b->o.pcap :
							      traffic_label[kind]);
	printf("  %zu frames, %u flows, %.1f MiB on the wire (%.1f MiB payload) per iteration, "
	       "%u iterations%s\n", t->nframes, t->nflows, t->wire_bytes / 1048576.0,
	       t->payload_bytes / 1048576.0, b->o.iters,
	       b->o.rounds > 1 ? ", the best time of each run's rounds" : "");
	json_object_set_new(mj, "mix", json_string(traffic_name[kind]));
	json_object_set_new(mj, "frames", json_integer((json_int_t)t->nframes));
	json_object_set_new(mj, "flows", json_integer(t->nflows));
	json_object_set_new(mj, "wire_bytes", json_integer((json_int_t)t->wire_bytes));
	json_object_set_new(mj, "payload_bytes", json_integer((json_int_t)t->payload_bytes));
	json_object_set_new(mj, "content_bytes", json_integer((json_int_t)t->content_bytes));
	for (s = 0; s < t->nplanted; s++)
		json_object_set_new(pl, t->planted_sensor[s],
				    json_integer((json_int_t)t->planted[s]));
	json_object_set_new(mj, "planted", pl);
	printf("    %-26s %7s %7s %7s %9s %7s %6s %5s %5s %5s %5s %5s %5s %5s %5s\n", "",
	       "Gbit/s", "Mpps", "Gbit/s", "cycles", "cycles", "x", "parse", "flow", "reasm",
	       "app", "sens", "verd", "other", "clocked");
	printf("    %-26s %7s %7s %7s %9s %7s %6s %-41s %5s\n", "", "/core", "/core", "total",
	       "/pkt", "/byte", "full", " % of the pipeline's time", "/pkt");
	/* Rounds interleave the worker counts and modes, so that a machine whose speed drifts
	 * (other jobs) slows each alike; each keeps its best CPU and wall time. The counts
	 * are the same every round (the same frames, the same work); the stage shares come
	 * from the first round's clocked runs. For scaling, one worker also runs alone on
	 * each further lcore that runs of several use. */
	for (round = 0; round < b->o.rounds; round++) {
		for (i = 0; i < b->o.nworkers; i++)
			for (m = 0; m < MODES; m++)
				if (bench_best(b, t, (enum mode)m, b->o.workers[i], 0, 1,
					       round == 0, pool, &res[i * MODES + m]) != 0)
					goto fail;
		for (i = 1; i < n_alone; i++)
			for (m = MODE_NOSENSORS; m < MODES; m++)
				if (bench_best(b, t, (enum mode)m, 1, i, 0, round == 0, pool,
					       &alone[i * MODES + m]) != 0)
					goto fail;
	}
	for (i = 0; i < b->o.nworkers; i++)
		if (b->o.workers[i] == 1 && alone != NULL)
			memcpy(alone, &res[i * MODES], sizeof(*alone) * MODES);
	for (i = 0; i < b->o.nworkers; i++) {
		unsigned int nw = b->o.workers[i];
		json_t *rj = json_object(), *mo = json_object();
		double full;

		memcpy(r, &res[i * MODES], sizeof(r));
		full = gbps(r[MODE_FULL].wire_bytes, r[MODE_FULL].cpu_s);

		if (i == 0)
			full1 = full;
		printf("  %u worker%s\n", nw, nw == 1 ? "" : "s");
		for (m = 0; m < MODES; m++) {
			print_mode(&r[m], (enum mode)m, full);
			json_object_set_new(mo, mode_name[m], mode_json(b, &r[m], m, full));
		}
		if (nw > 1 && nw <= n_alone)
			print_scaling(r, nw, alone, sc);
		json_object_set_new(rj, "workers", json_integer(nw));
		json_object_set_new(rj, "modes", mo);
		json_array_append_new(runs, rj);
		printf("    detections:");
		for (s = 0; s < sensor_db_count(b->db) && s < SENSOR_MAX; s++)
			if (r[MODE_FULL].det[s] != 0)
				printf(" %s %" PRIu64, sensor_db_def(b->db, s)->id,
				       r[MODE_FULL].det[s]);
		printf("; dlp events %" PRIu64 "\n", r[MODE_FULL].ev_dlp);
	}
	json_object_set_new(mj, "runs", runs);
	json_object_set_new(mj, "scaling", sc);
	bl = json_object();
	printf("  1 core, the same payload bytes (Gbit/s of the frames they came in)\n");
	baseline_row(b, t, 0, full1, bl);
	baseline_row(b, t, 1, full1, bl);
	json_object_set_new(mj, "baselines", bl);
	if (t->nplanted != 0) {
		printf("  planted (distinct values per flow x iterations):");
		for (s = 0; s < t->nplanted; s++)
			printf(" %s %" PRIu64, t->planted_sensor[s], t->planted[s] * b->o.iters);
		printf("\n");
	}
	free(res);
	free(alone);
	bench_traffic_free(t);
	return mj;
fail:
	free(res);
	free(alone);
	bench_traffic_free(t);
	json_decref(mj);	/* with pl */
	json_decref(runs);
	json_decref(sc);
	return NULL;
}

/* ---- set-up ---- */

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: bench [options]\n"
		"  --mix LIST      standard,decoders,adversarial (default: those three), or\n"
		"                  html, json, js, base64: one of the standard mix's contents\n"
		"  --pcap FILE     a capture file instead of the mixes (Ethernet)\n"
		"  -m MiB          mix content per iteration (default 16)\n"
		"  -n N            iterations (default 5)\n"
		"  -r N            rounds: every run N times, interleaved, its best time kept\n"
		"                  (default 1)\n"
		"  -f N            concurrent connections per worker (default 128)\n"
		"  --workers LIST  worker counts to run, e.g. 1,2 (default 1,2; at most %d)\n"
		"  -c FILE         configuration (default: built-in)\n"
		"  --first-cpu N   lcore l on CPU (N + l) modulo the CPUs (default 0: the event\n"
		"                  drain on CPU 0, worker 1 on CPU 1, ...)\n"
		"  --json FILE     write the figures as JSON too\n"
		"  --write-pcap FILE  write one mix's frames (one iteration, as one worker with\n"
		"                  -f connections at a time sees them, paced at 10 Gbit/s) to\n"
		"                  FILE and exit: the input of tools/bench-read\n",
		BENCH_MAX_WORKERS);
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
		{ "mix", required_argument, NULL, 'x' },
		{ "pcap", required_argument, NULL, 'p' },
		{ "workers", required_argument, NULL, 'w' },
		{ "json", required_argument, NULL, 'j' },
		{ "first-cpu", required_argument, NULL, 'u' },
		{ "write-pcap", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *tok, *save, *end;
	int opt, k;

	o->mib = 16;
	o->iters = 5;
	o->rounds = 1;
	o->conc = 128;
	o->nworkers = 2;
	o->workers[0] = 1;
	o->workers[1] = 2;
	o->mixes = 7;
	while ((opt = getopt_long(argc, argv, "m:n:r:f:c:h", lo, NULL)) != -1) {
		switch (opt) {
		case 'm':
			o->mib = strtoul(optarg, &end, 10);
			if (*end != '\0' || o->mib == 0 || o->mib > 1024)
				goto bad;
			break;
		case 'n':
			o->iters = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->iters == 0)
				goto bad;
			break;
		case 'r':
			o->rounds = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->rounds == 0 || o->rounds > 100)
				goto bad;
			break;
		case 'f':
			o->conc = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->conc == 0 || o->conc > 65536)
				goto bad;
			break;
		case 'c':
			o->config = optarg;
			break;
		case 'u':
			o->first_cpu = (unsigned int)strtoul(optarg, &end, 10);
			if (*end != '\0' || o->first_cpu > 1023)
				goto bad;
			break;
		case 'x':
			o->mixes = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				for (k = 0; k < BENCH_TRAFFIC_PCAP; k++)
					if (strcmp(tok, traffic_name[k]) == 0)
						break;
				if (k == BENCH_TRAFFIC_PCAP) {
					fprintf(stderr, "bench: --mix %s: expected standard, "
						"decoders, adversarial, html, json, js or "
						"base64\n", tok);
					return -1;
				}
				o->mixes |= 1u << k;
			}
			break;
		case 'p':
			o->pcap = optarg;
			break;
		case 'w':
			o->nworkers = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				unsigned long v = strtoul(tok, &end, 10);

				if (*end != '\0' || v == 0 || v > BENCH_MAX_WORKERS ||
				    o->nworkers == BENCH_MAX_WORKERS) {
					fprintf(stderr, "bench: --workers %s: expected 1..%d\n",
						tok, BENCH_MAX_WORKERS);
					return -1;
				}
				o->workers[o->nworkers++] = (unsigned int)v;
			}
			break;
		case 'j':
			o->json = optarg;
			break;
		case 'W':
			o->write_pcap = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc)
		goto bad;
	if (o->pcap != NULL)
		o->mixes = 1u << BENCH_TRAFFIC_PCAP;
	if (o->write_pcap != NULL && (o->pcap != NULL || __builtin_popcount(o->mixes) != 1)) {
		fprintf(stderr, "bench: --write-pcap needs one --mix (standard, decoders or "
			"adversarial)\n");
		return -1;
	}
	return 0;
bad:
	usage(stderr);
	return -1;
}

/* --write-pcap: the one mix chosen, written for tools/bench-read. */
static int
bench_write_pcap(const struct opts *o)
{
	enum bench_traffic_kind kind = (enum bench_traffic_kind)__builtin_ctz(o->mixes);
	struct bench_traffic *t;
	char err[256];
	int rc;

	t = bench_traffic_create(kind, o->mib, NULL, err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	rc = bench_traffic_write_pcap(t, o->conc, 10.0, o->write_pcap, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "bench: %s\n", err);
	else
		printf("bench: %s: %s mix, %" PRIu32 " connections, %zu frames, %" PRIu64
		       " bytes on the wire, %" PRIu64 " payload bytes\n", o->write_pcap,
		       traffic_name[kind], t->nflows, t->nframes, t->wire_bytes,
		       t->payload_bytes);
	bench_traffic_free(t);
	return rc != 0 ? 1 : 0;
}

/* EAL on lcores 0 (events) and 1..maxw (workers), spread over the CPUs there are from
 * first_cpu on. */
static int
bench_eal(const char *prog, unsigned int maxw, unsigned int first_cpu)
{
	static char lcores[256], prefix[64];
	char *argv[] = { (char *)(uintptr_t)prog, "--no-huge", "-m", "512", "--no-pci",
			 "--no-shconf", "--no-telemetry", "--log-level=warning", prefix, lcores,
			 NULL };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t off;
	unsigned int l;

	if (ncpu < 1)
		ncpu = 1;
	off = (size_t)snprintf(lcores, sizeof(lcores), "--lcores=");
	for (l = 0; l <= maxw; l++)
		off += (size_t)snprintf(lcores + off, sizeof(lcores) - off, "%s%u@%ld",
					l ? "," : "", l,
					(long)((first_cpu + l) % (unsigned long)ncpu));
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench%d", (int)getpid());
	return rte_eal_init((int)RTE_DIM(argv) - 1, argv) < 0 ? -1 : 0;
}

/* TSC cycles of one stage clock switch (on a slot no worker uses). */
static double
bench_switch_cost(void)
{
	const unsigned int n = 1000000;
	uint64_t t0;
	unsigned int i;

	worker_prof_on = 1;
	t0 = rte_rdtsc();
	for (i = 0; i < n; i++)
		worker_prof_switch(WORKER_PROF_MAX - 1, (uint8_t)(i % WORKER_ST__COUNT));
	return (double)(rte_rdtsc() - t0) / n;
}

static int
bench_setup(struct bench *b, unsigned int maxw, char *err, size_t errlen)
{
	struct runtime *rt = b->rt;
	static struct sensor_def defs[SENSOR_MAX];
	unsigned int n;

	if (rte_mbuf_dyn_rx_timestamp_register(&rt->ts_offset, &rt->ts_flag) != 0) {
		snprintf(err, errlen, "cannot register the mbuf timestamp field");
		return -1;
	}
	rt->msg_pool = rte_mempool_create("msgs", MSG_POOL, sizeof(struct msg), 64, 0, NULL,
					  NULL, NULL, NULL, rte_socket_id(), 0);
	rt->qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(maxw), RTE_CACHE_LINE_SIZE);
	if (rt->msg_pool == NULL || rt->qsbr == NULL || rte_rcu_qsbr_init(rt->qsbr, maxw) != 0) {
		snprintf(err, errlen, "cannot create the message pool or RCU state: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	for (n = 0; n < maxw; n++)
		rte_rcu_qsbr_thread_register(rt->qsbr, n);
	rt->tsc_hz = rte_get_tsc_hz();
	rt->tsc_base = rte_rdtsc();
	rt->us_base = 1700000000ull * 1000000;
	rt->offline = 1;	/* events wait for room: the drain counts them all */
	for (n = 0; n < RUNTIME_MAX_PORTS; n++)
		rt->port_peer[n] = RUNTIME_NO_PEER;
	b->t0_us = rt->us_base;
	b->span_us = rt->cfg.flow.timeout_us[CONFIG_FLOW_TIMEOUT_CLOSED] + 1000000;

	b->ss = calloc(1, sizeof(*b->ss));
	if (b->ss == NULL)
		return -1;
	b->ss->db = b->db;
	b->ss->refs = 1;	/* the bench's: snapshot_free never frees it */
	b->snap_full = snapshot_compile(b->policy, NULL, NULL, b->db, b->ss, rt->cfg.dlp.enabled,
					err, errlen);
	b->snap_off = snapshot_compile(b->policy, NULL, NULL, b->db, NULL, rt->cfg.dlp.enabled,
				       err, errlen);
	if (b->snap_full == NULL || b->snap_off == NULL)
		return -1;
	b->snap_full->version = 1;
	b->switch_cycles = bench_switch_cost();
	b->snap_off->version = 2;

	/* Baselines: the built-in catalogue, the database of every pattern, the finders. */
	n = sensor_catalogue_builtin(defs, SENSOR_MAX);
	b->bdb = sensor_db_compile(defs, n, err, errlen);
	if (b->bdb == NULL || sensor_db_prepare(b->bdb, SENSOR_ENGINE_HYPERSCAN, err, errlen))
		return -1;
	b->bsw = sensor_worker_create_engine(b->bdb, SENSOR_ENGINE_PREFILTER, 2 * BENCH_STREAMS,
					     0, err, errlen);
	if (b->bsw == NULL)
		return -1;
	if (hs_alloc_scratch(b->bdb->hs_full, &b->scratch) != HS_SUCCESS) {
		snprintf(err, errlen, "cannot allocate Hyperscan scratch");
		return -1;
	}
	return 0;
}

/* The configuration: the built-in one or -c; memory caps made to fit --no-huge -m 512
 * (none is reached by the bench's traffic: caps_hit), flow caps per run (bench_caps). */
static int
bench_config(struct bench *b, char *err, size_t errlen)
{
	struct tg_config *cfg = &b->rt->cfg;
	struct yaml_node *root;
	int rc;

	if (b->o.config != NULL) {
		rc = config_load_file(cfg, b->o.config, err, errlen);
		root = rc == 0 ? yaml_tree_load_file(b->o.config, err, errlen) : NULL;
	} else {
		rc = config_load_buffer(cfg, "<built-in>", config_builtin_yaml,
					config_builtin_yaml_len, err, errlen);
		root = rc == 0 ? yaml_tree_load_buffer("<built-in>", config_builtin_yaml,
						       config_builtin_yaml_len, err, errlen) :
				 NULL;
	}
	if (root == NULL)
		return -1;
	b->policy = policy_load_config(b->o.config != NULL ? b->o.config : "<built-in>", root,
				       err, errlen);
	yaml_tree_free(root);
	if (b->policy == NULL)
		return -1;
	cfg->reasm.memcap = 8u << 20;
	cfg->dlp.max_streams = 2048;
	cfg->app.decode_memcap = 16u << 20;
	cfg->events.ring_size = 4096;
	cfg->capture.enabled = 0;
	b->db = sensor_config_compile(cfg, NULL, err, errlen);
	return b->db == NULL ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct bench b;
	struct rte_mempool *pool;
	json_t *root, *mixes, *mj;
	char err[1024], model[128] = "unknown", line[256];
	unsigned int maxw = 0, i, k;
	FILE *f;
	int ret = 1;

	memset(&b, 0, sizeof(b));
	if (parse_opts(argc, argv, &b.o) != 0)
		return 2;
	if (b.o.write_pcap != NULL)
		return bench_write_pcap(&b.o);
	for (i = 0; i < b.o.nworkers; i++)
		maxw = RTE_MAX(maxw, b.o.workers[i]);
	b.rt = calloc(1, sizeof(*b.rt));
	if (b.rt == NULL)
		return 1;
	b.rt->ts_offset = -1;
	b.rt->input_lcore = RTE_MAX_LCORE;
	if (bench_config(&b, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	if (bench_eal(argv[0], maxw, b.o.first_cpu) != 0) {
		fprintf(stderr, "bench: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	if (bench_setup(&b, maxw, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: %s\n", err);
		return 1;
	}
	b.rt->input_end_us = b.t0_us + b.o.iters * b.span_us;
	/* Every frame of the largest mix for every worker, once (frames are dealt, not
	 * copied per worker): 1.5 frames per 1460 content bytes is plenty. */
	pool = rte_pktmbuf_pool_create("pkts", (unsigned int)((b.o.mib << 20) / 1460 * 3 / 2 +
				       (b.o.mib << 20) / 16384 * 12 + 4096), 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, "bench: cannot create the mbuf pool: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *c = strchr(line, ':');

		if (strncmp(line, "model name", 10) == 0 && c != NULL) {
			snprintf(model, sizeof(model), "%s", c + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (f != NULL)
		fclose(f);
	printf("bench: the worker pipeline on %u sensors (dlp.engine %s, app layer %s), %ld "
	       "CPUs (%s), TSC %.2f GHz; burst %u, %u connections at once per worker\n",
	       sensor_db_count(b.db), b.rt->cfg.dlp.engine ? "hyperscan" : "prefilter",
	       b.rt->cfg.app.enabled ? "on" : "off", sysconf(_SC_NPROCESSORS_ONLN), model,
	       rte_get_tsc_hz() / 1e9, b.rt->cfg.dp.burst, b.o.conc);
	if ((long)maxw + 1 > sysconf(_SC_NPROCESSORS_ONLN))
		printf("bench: note: %u worker lcores and the event drain share %ld CPUs; per-core "
		       "figures come from each worker thread's CPU time\n", maxw,
		       sysconf(_SC_NPROCESSORS_ONLN));
	root = json_pack("{s:s,s:i,s:f,s:s,s:b,s:i,s:i,s:i,s:I}", "cpu_model", model, "cpus",
			 (int)sysconf(_SC_NPROCESSORS_ONLN), "tsc_ghz", rte_get_tsc_hz() / 1e9,
			 "dlp_engine", b.rt->cfg.dlp.engine ? "hyperscan" : "prefilter",
			 "app_layer", (int)b.rt->cfg.app.enabled, "iterations", (int)b.o.iters,
			 "rounds", (int)b.o.rounds,
			 "concurrent_flows", (int)b.o.conc, "mix_mib", (json_int_t)b.o.mib);
	json_object_set_new(root, "stages", json_pack("[s,s,s,s,s,s,s]", stage_name[1],
		stage_name[2], stage_name[3], stage_name[4], stage_name[5], stage_name[6],
		stage_name[0]));
	mixes = json_array();
	json_object_set_new(root, "mixes", mixes);
	for (k = 0; k < BENCH_TRAFFIC__COUNT; k++) {
		if (!(b.o.mixes & (1u << k)))
			continue;
		mj = bench_mix(&b, (enum bench_traffic_kind)k, pool);
		if (mj == NULL)
			goto out;
		json_array_append_new(mixes, mj);
	}
	if (b.o.json != NULL && json_dump_file(root, b.o.json, JSON_INDENT(2) | JSON_SORT_KEYS)) {
		fprintf(stderr, "bench: cannot write %s\n", b.o.json);
		goto out;
	}
	ret = 0;
out:
	json_decref(root);
	rte_mempool_free(pool);
	snapshot_free(b.snap_full);
	snapshot_free(b.snap_off);
	free(b.ss);
	hs_free_scratch(b.scratch);
	sensor_worker_free(b.bsw);
	sensor_db_free(b.bdb);
	sensor_db_free(b.db);
	policy_free(b.policy);
	rte_mempool_free(b.rt->msg_pool);
	rte_free(b.rt->qsbr);
	rte_eal_cleanup();
	free(b.rt);
	return ret;
}
