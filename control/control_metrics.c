/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Prometheus /metrics (text exposition format 0.0.4): build info, the workers' counters
 * summed and per worker, the ports' driver counters (rte_eth_stats_get and xstats, per port
 * and queue), DLP matches by sensor and action, verdicts by action, memory in use, and the
 * policy's publication and reloads. Labels take only bounded values: worker index, port
 * name (from the config), queue index, driver statistic name, sensor id, action, result.
 * Never an address, a flow id or a value seen in traffic.
 *
 * Sensor databases come and go (a custom sensor added, a dlp: reload), and each carries
 * its per-worker match counts. The sum by sensor name stays monotonic this way:
 *
 *   running set (seen by tick) ──► sets[]  ──retired (policy_store callback)──► base[]
 *   reported = base[name] + Σ sets[] still live, by name
 *
 * A set is in exactly one place at a time: added to sets[] when first seen running, moved
 * to base[] when it is freed (its counts final then, no worker uses it). A set never seen
 * running (replaced within one control loop turn) reaches base[] directly.
 *
 * Control thread only: the handlers and the tick run there; worker counters are read as
 * services_counters reads them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <hs.h>
#include <rte_common.h>
#include <rte_version.h>
#include "control_metrics.h"
#include "counters.h"
#include "dlp.h"
#include "pkt_parse.h"
#include "policy_store.h"
#include "port.h"
#include "sensor_engine.h"
#include "services.h"
#include "version.h"

#define CM_SETS_MAX 16		/* sensor sets alive at once (running + awaiting RCU) */
#define CM_NAMES_MAX 1024	/* distinct sensor names kept over the daemon's life */
#define CM_WINDOW_S 1.0		/* busy-ratio window */

struct cm_sensor {
	char name[SENSOR_ID_LEN];
	uint64_t n[2];		/* by enum config_dlp_action */
};

struct control_metrics {
	const struct runtime *rt;
	/* busy ratio: each worker's cycles at the start of the window, and the last ratio */
	double window_start;
	uint64_t busy0[RUNTIME_MAX_WORKERS];
	uint64_t idle0[RUNTIME_MAX_WORKERS];
	double ratio[RUNTIME_MAX_WORKERS];
	uint8_t have_ratio;
	/* DLP matches by sensor: live sets seen, and the totals of retired ones */
	const struct snapshot_sensors *sets[CM_SETS_MAX];
	unsigned int nsets;
	struct cm_sensor base[CM_NAMES_MAX];
	unsigned int nbase;
	/* SIGHUP reloads */
	uint64_t reloads[2];	/* [0] refused, [1] applied */
	uint8_t last_reload_ok;
	double last_reload_wall;	/* seconds since 1970 */
};

static double
cm_wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct control_metrics *
control_metrics_create(const struct runtime *rt)
{
	struct control_metrics *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->rt = rt;
	m->window_start = -1;
	/* The configuration loaded at start is the first successful load. */
	m->last_reload_ok = 1;
	m->last_reload_wall = cm_wall();
	return m;
}

void
control_metrics_free(struct control_metrics *m)
{
	free(m);
}

/* One worker's counter, read once (the worker writes it meanwhile). */
static uint64_t
cm_worker_ctr(const struct worker *w, enum ctr_id id)
{
	return ((const volatile uint64_t *)w->ctr.c)[id];
}

static void
cm_busy_window(struct control_metrics *m, double now)
{
	const struct runtime *rt = m->rt;
	double span = now - m->window_start;
	unsigned int w;

	if (m->window_start >= 0 && span < CM_WINDOW_S)
		return;
	for (w = 0; w < rt->n_workers && w < RUNTIME_MAX_WORKERS; w++) {
		uint64_t busy = cm_worker_ctr(rt->workers[w], CTR_busy_cycles);
		uint64_t idle = cm_worker_ctr(rt->workers[w], CTR_idle_cycles);
		uint64_t db = busy - m->busy0[w], di = idle - m->idle0[w];

		if (m->window_start >= 0)
			m->ratio[w] = db + di != 0 ? (double)db / (double)(db + di) : 0;
		m->busy0[w] = busy;
		m->idle0[w] = idle;
	}
	m->have_ratio = m->window_start >= 0;
	m->window_start = now;
}

void
control_metrics_tick(struct control_metrics *m, const struct snapshot_sensors *running,
		     double now)
{
	unsigned int i;

	if (m == NULL)
		return;
	if (running != NULL) {
		for (i = 0; i < m->nsets && m->sets[i] != running; i++)
			;
		/* Full (cannot happen with RCU freeing within milliseconds): the set's counts
		 * show once it is retired, still never going backwards. */
		if (i == m->nsets && m->nsets < CM_SETS_MAX)
			m->sets[m->nsets++] = running;
	}
	cm_busy_window(m, now);
}

/* The entry of name in table t (n used of max), added when absent; NULL when full. */
static struct cm_sensor *
cm_sensor_slot(struct cm_sensor *t, unsigned int *n, unsigned int max, const char *name)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (strcmp(t[i].name, name) == 0)
			return &t[i];
	if (*n == max)
		return NULL;
	memset(&t[*n], 0, sizeof(t[*n]));
	snprintf(t[*n].name, sizeof(t[*n].name), "%s", name);
	return &t[(*n)++];
}

/* Add set ss's counts, by sensor name, into table t. */
static void
cm_sensors_add(struct cm_sensor *t, unsigned int *n, unsigned int max,
	       const struct snapshot_sensors *ss)
{
	unsigned int k, w, count = ss->db != NULL ? sensor_db_count(ss->db) : 0;
	uint8_t a;

	for (k = 0; k < count && k < SENSOR_MAX; k++) {
		struct cm_sensor *e = cm_sensor_slot(t, n, max, sensor_db_def(ss->db, k)->id);

		if (e == NULL)
			return;
		for (w = 0; w < ss->n_workers; w++)
			for (a = CONFIG_DLP_ALERT; a <= CONFIG_DLP_BLOCK; a++)
				if (ss->dlp[w] != NULL)
					e->n[a] += dlp_ctx_sensor_matches(ss->dlp[w], k, a);
	}
}

void
control_metrics_sensors_retired(void *arg, const struct snapshot_sensors *ss)
{
	struct control_metrics *m = arg;
	unsigned int i;

	cm_sensors_add(m->base, &m->nbase, CM_NAMES_MAX, ss);
	for (i = 0; i < m->nsets; i++) {
		if (m->sets[i] != ss)
			continue;
		m->sets[i] = m->sets[--m->nsets];
		break;
	}
}

void
control_metrics_reload(struct control_metrics *m, int ok)
{
	if (m == NULL)
		return;
	m->reloads[ok != 0]++;
	m->last_reload_ok = ok != 0;
	m->last_reload_wall = cm_wall();
}

/* ---- writing ---- */

static void
cm_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP tollgate_%s %s\n# TYPE tollgate_%s %s\n", name, help, name, type);
}

/* A label value as the exposition format wants it: \\, \" and \n escaped. */
static void
cm_label(FILE *f, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n') {
			fputs("\\n", f);
			continue;
		}
		fputc(*v, f);
	}
}

/* tollgate_build_info{version, dpdk, hyperscan} 1: the versions running. */
static void
cm_build_info(FILE *f)
{
	const char *dpdk = rte_version();
	const char *hs = hs_version();

	if (strncmp(dpdk, "DPDK ", 5) == 0)
		dpdk += 5;
	cm_family(f, "build_info", "gauge", "Tollgate's version and the versions of DPDK and "
		  "Hyperscan it runs on (always 1)");
	fputs("tollgate_build_info{version=\"", f);
	cm_label(f, TOLLGATE_VERSION);
	fputs("\",dpdk=\"", f);
	cm_label(f, dpdk);
	/* hs_version() is "5.4.0 2023-01-01": the version is the first word */
	fprintf(f, "\",hyperscan=\"%.*s\"} 1\n", (int)strcspn(hs, " "), hs);
}

/* Counters that are levels, not totals. */
static int
cm_is_gauge(enum ctr_id id)
{
	return id == CTR_flows_active || id == CTR_reasm_blocks_in_use ||
	       id == CTR_sensor_streams_active || id == CTR_sensor_stream_bytes ||
	       id == CTR_defrag_held || id == CTR_defrag_held_bytes;
}

/* Every worker counter, summed: tollgate_<name>_total, or tollgate_<name> for gauges. */
static void
cm_counters(const struct counters *s, FILE *f)
{
	unsigned int k;

	for (k = 0; k < CTR__COUNT; k++) {
		int gauge = cm_is_gauge(k);
		char name[64];

		snprintf(name, sizeof(name), "%s%s", counters_name(k), gauge ? "" : "_total");
		cm_family(f, name, gauge ? "gauge" : "counter", counters_desc(k));
		fprintf(f, "tollgate_%s %" PRIu64 "\n", name, s->c[k]);
	}
	cm_family(f, "parse_errors_by_reason_total", "counter", "frames refused by the parser");
	for (k = 1; k < PKT_ERR__COUNT; k++)
		fprintf(f, "tollgate_parse_errors_by_reason_total{reason=\"%s\"} %" PRIu64 "\n",
			pkt_err_name(k), s->parse_err[k]);
}

/* Per worker: packets, poll loops and cycles busy and idle, the busy ratio, flows. */
static void
cm_workers(const struct control_metrics *m, FILE *f)
{
	static const struct {
		const char *name, *type, *help;
		enum ctr_id id;
	} per[] = {
		{ "worker_packets_total", "counter", "frames received, per worker", CTR_packets },
		{ "worker_bytes_total", "counter", "frame bytes received, per worker", CTR_bytes },
		{ "worker_flows_active", "gauge", "flows in the worker's table now",
		  CTR_flows_active },
		{ "worker_flows_created_total", "counter", "flows created, per worker",
		  CTR_flows_created },
		{ "worker_flows_evicted_total", "counter", "flows evicted by the table cap, per "
		  "worker", CTR_flows_evicted },
	};
	const struct runtime *rt = m->rt;
	unsigned int i, w, n = RTE_MIN(rt->n_workers, (unsigned int)RUNTIME_MAX_WORKERS);

	for (i = 0; i < RTE_DIM(per); i++) {
		cm_family(f, per[i].name, per[i].type, per[i].help);
		for (w = 0; w < n; w++)
			fprintf(f, "tollgate_%s{worker=\"%u\"} %" PRIu64 "\n", per[i].name, w,
				cm_worker_ctr(rt->workers[w], per[i].id));
	}
	cm_family(f, "worker_polls_total", "counter", "receive poll loops, by whether they found "
		  "packets (busy) or not (idle)");
	for (w = 0; w < n; w++)
		fprintf(f, "tollgate_worker_polls_total{worker=\"%u\",state=\"busy\"} %" PRIu64
			"\ntollgate_worker_polls_total{worker=\"%u\",state=\"idle\"} %" PRIu64 "\n",
			w, cm_worker_ctr(rt->workers[w], CTR_busy_polls), w,
			cm_worker_ctr(rt->workers[w], CTR_idle_polls));
	cm_family(f, "worker_cycles_total", "counter", "TSC cycles of the worker's poll loops, "
		  "by whether the loop found packets (busy) or not (idle, back-off sleeps "
		  "included)");
	for (w = 0; w < n; w++)
		fprintf(f, "tollgate_worker_cycles_total{worker=\"%u\",state=\"busy\"} %" PRIu64
			"\ntollgate_worker_cycles_total{worker=\"%u\",state=\"idle\"} %"
			PRIu64 "\n", w, cm_worker_ctr(rt->workers[w], CTR_busy_cycles), w,
			cm_worker_ctr(rt->workers[w], CTR_idle_cycles));
	cm_family(f, "worker_busy_ratio", "gauge", "share of the worker's time spent in poll "
		  "loops that found packets, over the last second (0..1)");
	for (w = 0; w < n; w++) {
		double r = m->ratio[w];

		if (!m->have_ratio) {
			/* Less than a second up: since start. */
			uint64_t b = cm_worker_ctr(rt->workers[w], CTR_busy_cycles);
			uint64_t d = b + cm_worker_ctr(rt->workers[w], CTR_idle_cycles);

			r = d != 0 ? (double)b / (double)d : 0;
		}
		fprintf(f, "tollgate_worker_busy_ratio{worker=\"%u\"} %.6f\n", w, r);
	}
}

/* One sample of a port family: {port="name"} or {port="name",queue="q"}. */
static void
cm_port_sample(FILE *f, const char *family, const char *port, int queue, uint64_t v)
{
	fprintf(f, "tollgate_%s{port=\"", family);
	cm_label(f, port);
	if (queue >= 0)
		fprintf(f, "\",queue=\"%d", queue);
	fprintf(f, "\"} %" PRIu64 "\n", v);
}

/*
 * Per port and queue, what the driver counts (rte_eth_stats_get), and its extended
 * statistics by name. Ports are named as in dataplane.ports (and -i).
 */
static void
cm_ports(const struct runtime *rt, FILE *f)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} basic[] = {
		{ "port_rx_packets_total", "frames the port received (driver count)",
		  offsetof(struct rte_eth_stats, ipackets) },
		{ "port_rx_bytes_total", "bytes the port received (driver count)",
		  offsetof(struct rte_eth_stats, ibytes) },
		{ "port_tx_packets_total", "frames the port sent (driver count)",
		  offsetof(struct rte_eth_stats, opackets) },
		{ "port_tx_bytes_total", "bytes the port sent (driver count)",
		  offsetof(struct rte_eth_stats, obytes) },
		{ "port_rx_missed_total", "frames the port dropped because its receive ring was "
		  "full (imissed): the workers did not keep up", offsetof(struct rte_eth_stats,
									 imissed) },
		{ "port_rx_errors_total", "erroneous frames received (ierrors)",
		  offsetof(struct rte_eth_stats, ierrors) },
		{ "port_rx_nombuf_total", "receive failures for want of a packet buffer "
		  "(rx_nombuf: dataplane.mbufs)", offsetof(struct rte_eth_stats, rx_nombuf) },
		{ "port_tx_errors_total", "frames the port failed to send (oerrors)",
		  offsetof(struct rte_eth_stats, oerrors) },
	};
	static const struct {
		const char *name, *help;
		size_t off;
		int rx;
	} perq[] = {
		{ "port_queue_rx_packets_total", "frames received, per receive queue",
		  offsetof(struct rte_eth_stats, q_ipackets), 1 },
		{ "port_queue_rx_bytes_total", "bytes received, per receive queue",
		  offsetof(struct rte_eth_stats, q_ibytes), 1 },
		{ "port_queue_rx_errors_total", "frames dropped, per receive queue (q_errors)",
		  offsetof(struct rte_eth_stats, q_errors), 1 },
		{ "port_queue_tx_packets_total", "frames sent, per transmit queue",
		  offsetof(struct rte_eth_stats, q_opackets), 0 },
		{ "port_queue_tx_bytes_total", "bytes sent, per transmit queue",
		  offsetof(struct rte_eth_stats, q_obytes), 0 },
	};
	unsigned int np = rt->cfg.dp.nports, i, k, x;
	struct port_counters *pc;
	int q;

	if (np == 0)
		return;
	pc = calloc(np, sizeof(*pc));
	if (pc == NULL)
		return;
	for (i = 0; i < np; i++)
		port_counters_read(rt->port_ids[i], &pc[i]);	/* zeros when unreadable */
	for (k = 0; k < RTE_DIM(basic); k++) {
		cm_family(f, basic[k].name, "counter", basic[k].help);
		for (i = 0; i < np; i++)
			cm_port_sample(f, basic[k].name, rt->cfg.dp.ports[i].name, -1,
				       *(const uint64_t *)((const char *)&pc[i].basic +
							   basic[k].off));
	}
	for (k = 0; k < RTE_DIM(perq); k++) {
		cm_family(f, perq[k].name, "counter", perq[k].help);
		for (i = 0; i < np; i++) {
			uint16_t pid = rt->port_ids[i];
			int nq = perq[k].rx ? rt->port_rxq[pid] : rt->port_txq[pid];
			const uint64_t *v = (const uint64_t *)((const char *)&pc[i].basic +
							       perq[k].off);

			for (q = 0; q < nq && q < RTE_ETHDEV_QUEUE_STAT_CNTRS; q++)
				cm_port_sample(f, perq[k].name, rt->cfg.dp.ports[i].name, q, v[q]);
		}
	}
	cm_family(f, "port_xstats_total", "counter", "the driver's extended statistics "
		  "(rte_eth_xstats_get), by the driver's name for each");
	for (i = 0; i < np; i++) {
		for (x = 0; x < pc[i].n_xstats; x++) {
			fputs("tollgate_port_xstats_total{port=\"", f);
			cm_label(f, rt->cfg.dp.ports[i].name);
			fputs("\",name=\"", f);
			cm_label(f, pc[i].xnames[x].name);
			fprintf(f, "\"} %" PRIu64 "\n", pc[i].xvalues[x]);
		}
		port_counters_release(&pc[i]);
	}
	free(pc);
}

/* DLP matches by sensor (id or custom name) and by the action their binding asks. */
static void
cm_dlp(const struct control_metrics *m, FILE *f)
{
	static const char *const action[] = { [CONFIG_DLP_ALERT] = "alert",
					      [CONFIG_DLP_BLOCK] = "block" };
	struct cm_sensor *t = malloc(sizeof(m->base));
	unsigned int n = m->nbase, i;
	uint8_t a;

	if (t == NULL)
		return;
	memcpy(t, m->base, n * sizeof(t[0]));
	for (i = 0; i < m->nsets; i++)
		cm_sensors_add(t, &n, CM_NAMES_MAX, m->sets[i]);
	cm_family(f, "dlp_sensor_matches_total", "counter", "personal data matches accepted, by "
		  "sensor and by the action its binding asks (alert or block)");
	for (i = 0; i < n; i++)
		for (a = CONFIG_DLP_ALERT; a <= CONFIG_DLP_BLOCK; a++) {
			fputs("tollgate_dlp_sensor_matches_total{sensor=\"", f);
			cm_label(f, t[i].name);
			fprintf(f, "\",action=\"%s\"} %" PRIu64 "\n", action[a], t[i].n[a]);
		}
	free(t);
}

/* Frames of inline ports by verdict, and memory held by reassembly and sensor streams. */
static void
cm_verdicts_memory(const struct runtime *rt, const struct counters *s, FILE *f)
{
	uint64_t fwd = s->c[CTR_tx_packets] - RTE_MIN(s->c[CTR_tx_packets], s->c[CTR_rst_sent]);
	uint64_t resets = s->c[CTR_verdict_resets];
	uint64_t drops = s->c[CTR_verdict_drops] - RTE_MIN(s->c[CTR_verdict_drops], resets);

	cm_family(f, "verdicts_total", "counter", "frames of inline ports by verdict: forwarded "
		  "to the peer, dropped, or dropped with a reset of their flow");
	fprintf(f, "tollgate_verdicts_total{action=\"forward\"} %" PRIu64 "\n"
		"tollgate_verdicts_total{action=\"drop\"} %" PRIu64 "\n"
		"tollgate_verdicts_total{action=\"reset\"} %" PRIu64 "\n", fwd, drops, resets);
	cm_family(f, "reassembly_memory_bytes", "gauge", "TCP reassembly buffer memory in use, "
		  "all workers");
	fprintf(f, "tollgate_reassembly_memory_bytes %" PRIu64 "\n",
		s->c[CTR_reasm_blocks_in_use] * rt->cfg.reasm.block_size);
	cm_family(f, "reassembly_memory_limit_bytes", "gauge", "TCP reassembly memory cap, all "
		  "workers (reassembly.memcap per worker)");
	fprintf(f, "tollgate_reassembly_memory_limit_bytes %" PRIu64 "\n",
		rt->cfg.reasm.memcap * rt->n_workers);
	cm_family(f, "sensor_stream_memory_bytes", "gauge", "memory held by open DLP sensor "
		  "streams, all workers");
	fprintf(f, "tollgate_sensor_stream_memory_bytes %" PRIu64 "\n",
		s->c[CTR_sensor_stream_bytes]);
}

/* The policy's publication and the SIGHUP reloads. */
static void
cm_policy(const struct control_metrics *m, const struct policy_store *ps, FILE *f)
{
	static const char *const help[][3] = {
		{ "policy_changes_total", "counter", "accepted policy changes since start" },
		{ "policy_snapshot_version", "gauge", "version of the snapshot workers read" },
		{ "policy_snapshots_pending", "gauge", "replaced snapshots waiting for RCU" },
		{ "policy_snapshot_bytes", "gauge", "memory of the current and pending snapshots" },
	};
	const uint64_t v[] = {
		policy_store_revision(ps), policy_store_snapshot(ps)->version,
		policy_store_pending(ps), policy_store_snapshot_bytes(ps),
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(v); i++) {
		cm_family(f, help[i][0], help[i][1], help[i][2]);
		fprintf(f, "tollgate_%s %" PRIu64 "\n", help[i][0], v[i]);
	}
	cm_family(f, "policy_reloads_total", "counter", "SIGHUP reloads of the config file's "
		  "policy, applied (success) or refused (failure)");
	fprintf(f, "tollgate_policy_reloads_total{result=\"success\"} %" PRIu64 "\n"
		"tollgate_policy_reloads_total{result=\"failure\"} %" PRIu64 "\n",
		m->reloads[1], m->reloads[0]);
	cm_family(f, "policy_last_reload_success", "gauge", "1 when the last load of the config "
		  "file (at start or on SIGHUP) was applied, 0 when it was refused");
	fprintf(f, "tollgate_policy_last_reload_success %u\n", m->last_reload_ok);
	cm_family(f, "policy_last_reload_timestamp_seconds", "gauge", "when the config file was "
		  "last loaded (at start or on SIGHUP), seconds since 1970");
	fprintf(f, "tollgate_policy_last_reload_timestamp_seconds %.3f\n", m->last_reload_wall);
}

int
control_metrics_write(const struct services *s, FILE *f)
{
	const struct control_metrics *m = s->metrics;
	struct counters sum;

	services_counters(s, &sum);
	cm_build_info(f);
	cm_counters(&sum, f);
	cm_workers(m, f);
	cm_ports(s->rt, f);
	cm_dlp(m, f);
	cm_verdicts_memory(s->rt, &sum, f);
	cm_policy(m, s->policy, f);
	cm_family(f, "uptime_seconds", "gauge", "seconds since start");
	fprintf(f, "tollgate_uptime_seconds %.3f\n", services_uptime(s));
	return ferror(f) ? -EIO : 0;
}
