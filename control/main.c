/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tollgated: command line, start-up and shut-down. Reads the config, starts EAL with
 * arguments that fit the machine, creates pools, workers and ports, gives each lcore its
 * role, runs the control loop on the main lcore and prints the run's summary.
 *
 *   lcore 0 (main)  control: REST API, policy, events, stream dumps, counters
 *   lcore 1         input: pcap reader (offline) or software dispatcher (live, no RSS)
 *   lcore 2..N+1    workers
 */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_version.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>
#include "config.h"
#include "control.h"
#include "dispatch.h"
#include "eal.h"
#include "msg_types.h"
#include "pcap_reader.h"
#include "policy.h"
#include "port.h"
#include "sensor_config.h"
#include "sensor_engine.h"
#include "snapshot.h"
#include "state.h"
#include "worker.h"
#include "yaml_tree.h"

RTE_LOG_REGISTER_SUFFIX(main_logtype, main, INFO);
#define MAIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, main_logtype, "tollgate.main: " fmt "\n", ##__VA_ARGS__)

#define TOLLGATE_VERSION "0.1.0"
#define MSG_POOL_SIZE 16383

static struct runtime *g_rt;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tollgated [options] [-- EAL options]\n"
		"  --config FILE         YAML configuration (default: built-in, same as\n"
		"                        config/tollgate.yaml)\n"
		"  --check-config FILE   validate FILE and exit (0 = valid)\n"
		"  --read FILE.pcap      offline mode: process a capture file; repeat for more\n"
		"  --events FILE|-       write EVE JSON events to FILE (\"-\" = stdout)\n"
		"  --dump-streams DIR    write each TCP direction's reassembled bytes to DIR\n"
		"  --stats-json FILE     write the final counters as JSON\n"
		"  --state-dir DIR       where the value-hash key lives (overrides state_dir)\n"
		"  --api-listen ADDR:PORT  REST API address (overrides api.listen; \"\" = off)\n"
		"  --api-token-file FILE   bearer tokens (overrides api.token_file)\n"
		"  --serve               with --read: keep serving the API after the input ends,\n"
		"                        until SIGTERM/SIGINT\n"
		"  --capture JSON        start a packet capture before the first packet, JSON as\n"
		"                        the body of POST /v1/captures; repeat for more\n"
		"  --workers N           worker lcores (overrides dataplane.workers)\n"
		"  --lcores LIST         EAL lcore map; workers = lcores - 2 (control + input)\n"
		"  -v, --verbose         show DPDK's own log messages\n"
		"  --version, --help\n");
}

static void
on_signal(int sig)
{
	if (g_rt == NULL)
		return;
	if (sig == SIGHUP) {
		g_rt->reload = 1;
		return;
	}
	g_rt->quit = 1;
	g_rt->stop = 1;
}

static int
parse_uint(const char *s, unsigned int max, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v == 0 || v > max)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

static uint64_t
wall_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * The value-hash key: from --state-dir or state_dir. When the configured default is not
 * writable (an unprivileged user running an offline analysis), fall back to the user's
 * own state directory and say so; an explicit --state-dir never falls back.
 */
static int
load_state(struct runtime *rt, char *err, size_t errlen)
{
	const char *dir = rt->state_dir != NULL ? rt->state_dir : rt->cfg.state_dir;
	const char *home = getenv("HOME");
	char fallback[CONFIG_PATH_LEN];
	int rc;

	snprintf(rt->state_path, sizeof(rt->state_path), "%s", dir);
	rc = state_secret_load(dir, rt->hash_key, err, errlen);
	if (rc == 0 || rt->state_dir != NULL || home == NULL ||
	    (rc != -EACCES && rc != -EPERM && rc != -EROFS))
		return rc;
	snprintf(fallback, sizeof(fallback), "%s/.local/state/tollgate", home);
	fprintf(stderr, "tollgated: %s is not writable; keeping the value-hash key in %s\n", dir,
		fallback);
	snprintf(rt->state_path, sizeof(rt->state_path), "%s", fallback);
	return state_secret_load(fallback, rt->hash_key, err, errlen);
}

/* Where compiled sensor databases are kept between runs: STATE_DIR/cache. */
static const char *
cache_dir(const struct runtime *rt, char *buf, size_t len)
{
	snprintf(buf, len, "%s/cache", rt->state_dir != NULL ? rt->state_dir : rt->cfg.state_dir);
	return buf;
}

/* The policy: section of the config file (or of the built-in one). */
static struct policy *
load_policy(const char *path, char *err, size_t errlen)
{
	struct yaml_node *root;
	struct policy *p;

	if (path != NULL)
		root = yaml_tree_load_file(path, err, errlen);
	else
		root = yaml_tree_load_buffer("<built-in>", config_builtin_yaml,
					     config_builtin_yaml_len, err, errlen);
	if (root == NULL)
		return NULL;
	p = policy_load_config(path != NULL ? path : "<built-in>", root, err, errlen);
	yaml_tree_free(root);
	return p;
}

/*
 * --check-config: load and validate the configuration and its policy, compile the sensors
 * and the policy against them (DLP bindings name existing sensors), starting nothing.
 */
static int
check_config(struct runtime *rt, const char *path)
{
	struct sensor_db *db;
	struct policy *p;
	struct snapshot *s;
	char err[1024];
	int ok = 1;

	if (config_load_file(&rt->cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	p = load_policy(path, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	db = sensor_config_compile(&rt->cfg, NULL, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "%s\n", err);
		policy_free(p);
		return 1;
	}
	s = snapshot_compile(p, NULL, NULL, db, NULL, rt->cfg.dlp.enabled, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", path, err);
		ok = 0;
	} else {
		printf("%s: configuration is valid (%u groups, %u rules, %u sensors)\n", path,
		       p->ngroups - POLICY_GROUP_FIRST_USER, p->nrules, sensor_db_count(db));
	}
	snapshot_free(s);
	sensor_db_free(db);
	policy_free(p);
	return ok ? 0 : 1;
}

/* Pools, rings and workers; lcores in EAL order: input first, then workers. */
static int
setup(struct runtime *rt, char *err, size_t errlen)
{
	unsigned int lcore, idx = 0, w;
	int input_assigned = 0;

	if (rte_mbuf_dyn_rx_timestamp_register(&rt->ts_offset, &rt->ts_flag) != 0) {
		snprintf(err, errlen, "cannot register the mbuf timestamp field");
		return -ENOMEM;
	}
	rt->pkt_pool = rte_pktmbuf_pool_create("pkts", rt->cfg.dp.mbufs, 256, 0,
					       RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
	rt->msg_pool = rte_mempool_create("msgs", MSG_POOL_SIZE, sizeof(struct msg), 64, 0, NULL,
					  NULL, NULL, NULL, rte_socket_id(), 0);
	if (rt->pkt_pool == NULL || rt->msg_pool == NULL) {
		snprintf(err, errlen, "cannot create packet or message pools: %s",
			 rte_strerror(rte_errno));
		return -ENOMEM;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (!input_assigned) {
			rt->input_lcore = lcore;
			input_assigned = 1;
			continue;
		}
		if (idx >= rt->n_workers)
			break;
		rt->workers[idx] = worker_create(rt, idx, lcore, (int)rte_lcore_to_socket_id(lcore));
		if (rt->workers[idx] == NULL) {
			snprintf(err, errlen, "cannot create worker %u (see above)", idx);
			return -ENOMEM;
		}
		idx++;
	}
	if (idx != rt->n_workers) {
		snprintf(err, errlen, "need %u lcores (control, input, %u workers), have %u",
			 rt->n_workers + 2, rt->n_workers, rte_lcore_count());
		return -EINVAL;
	}
	/* Workers report quiescence here once per poll loop (snapshot.c). */
	rt->qsbr = rte_zmalloc("qsbr", rte_rcu_qsbr_get_memsize(rt->n_workers),
			       RTE_CACHE_LINE_SIZE);
	if (rt->qsbr == NULL || rte_rcu_qsbr_init(rt->qsbr, rt->n_workers) != 0) {
		snprintf(err, errlen, "cannot create the RCU state for %u workers", rt->n_workers);
		return -ENOMEM;
	}
	for (w = 0; w < rt->n_workers; w++)
		rte_rcu_qsbr_thread_register(rt->qsbr, w);
	/* Rings from the input lcore: always offline; live only if dispatch is needed. */
	if (rt->offline || (rt->n_workers > 1 && rt->cfg.dp.nports > 0)) {
		for (w = 0; w < rt->n_workers; w++) {
			char name[RTE_RING_NAMESIZE];

			snprintf(name, sizeof(name), "in%u", w);
			rt->workers[w]->in_ring = rte_ring_create(name, rt->cfg.dp.ring_size,
						rte_socket_id(), RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (rt->workers[w]->in_ring == NULL) {
				snprintf(err, errlen, "cannot create ring %s: %s", name,
					 rte_strerror(rte_errno));
				return -ENOMEM;
			}
		}
	}
	if (rt->cfg.dp.nports > 0) {
		int rc = port_setup(rt, err, errlen);

		if (rc != 0)
			return rc;
		if (!rt->offline && !rt->sw_dispatch) {
			for (w = 0; w < rt->n_workers; w++) {
				rte_ring_free(rt->workers[w]->in_ring);
				rt->workers[w]->in_ring = NULL;
			}
		}
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "read", required_argument, NULL, 'r' },
		{ "events", required_argument, NULL, 'e' },
		{ "dump-streams", required_argument, NULL, 'd' },
		{ "stats-json", required_argument, NULL, 's' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "api-listen", required_argument, NULL, 'L' },
		{ "api-token-file", required_argument, NULL, 'T' },
		{ "serve", no_argument, NULL, 'E' },
		{ "capture", required_argument, NULL, 'P' },
		{ "workers", required_argument, NULL, 'w' },
		{ "lcores", required_argument, NULL, 'l' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eal_plan plan = { 0 };
	const char *config_path = NULL;
	unsigned int workers = 0, w;
	char err[1024], path[CONFIG_PATH_LEN + 8];
	struct runtime *rt;
	struct control *ctl = NULL;
	FILE *summary;
	uint64_t lost;
	double t0;
	int opt, rc, ret = 2;

	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return 2;
	rt->ts_offset = -1;
	rt->input_lcore = RTE_MAX_LCORE;
	while ((opt = getopt_long(argc, argv, "vh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'C':
			ret = check_config(rt, optarg);
			goto early;
		case 'r':
			if (rt->n_read == RUNTIME_MAX_READ) {
				fprintf(stderr, "tollgated: at most %d --read files\n",
					RUNTIME_MAX_READ);
				goto early;
			}
			rt->read_files[rt->n_read++] = optarg;
			break;
		case 'e':
			rt->events_path = optarg;
			break;
		case 'd':
			rt->dump_dir = optarg;
			break;
		case 's':
			rt->stats_path = optarg;
			break;
		case 'S':
			rt->state_dir = optarg;
			break;
		case 'L':
			rt->api_listen = optarg;
			break;
		case 'T':
			rt->api_token_file = optarg;
			break;
		case 'E':
			rt->serve = 1;
			break;
		case 'P':
			if (rt->n_captures == RUNTIME_MAX_READ) {
				fprintf(stderr, "tollgated: at most %d --capture options\n",
					RUNTIME_MAX_READ);
				goto early;
			}
			rt->captures[rt->n_captures++] = optarg;
			break;
		case 'w':
			if (parse_uint(optarg, RUNTIME_MAX_WORKERS, &workers) != 0) {
				fprintf(stderr, "tollgated: --workers \"%s\": expected 1..%d\n",
					optarg, RUNTIME_MAX_WORKERS);
				goto early;
			}
			break;
		case 'l':
			plan.user_lcores = optarg;
			break;
		case 'v':
			plan.verbose = 1;
			break;
		case 'V':
			printf("tollgated %s (DPDK %s)\n", TOLLGATE_VERSION, rte_version());
			ret = 0;
			goto early;
		case 'h':
			usage(stdout);
			ret = 0;
			goto early;
		default:
			usage(stderr);
			goto early;
		}
	}
	plan.n_user_args = (unsigned int)(argc - optind);
	plan.user_args = argv + optind;

	if (config_path != NULL)
		rc = config_load_file(&rt->cfg, config_path, err, sizeof(err));
	else
		rc = config_load_buffer(&rt->cfg, "<built-in>", config_builtin_yaml,
					config_builtin_yaml_len, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "%s\n", err);
		goto early;
	}
	rt->offline = rt->n_read > 0;
	if (!rt->offline && rt->cfg.dp.nports == 0) {
		fprintf(stderr, "tollgated: nothing to do: give --read FILE.pcap or configure "
			"dataplane.ports in %s\n", config_path ? config_path : "the config");
		goto early;
	}
	for (w = 0; w < rt->n_read; w++) {
		if (pcap_reader_check(rt->read_files[w], err, sizeof(err)) != 0) {
			fprintf(stderr, "tollgated: %s\n", err);
			goto early;
		}
	}
	rt->config_path = config_path;
	rt->policy = load_policy(config_path, err, sizeof(err));
	if (rt->policy == NULL) {
		fprintf(stderr, "%s\n", err);
		goto early;
	}
	/* Compile first: a refused config leaves no state behind. Rules may bind sensors
	 * even when the default policy (dlp.enabled) does not inspect every flow. */
	rt->sensor_db = sensor_config_compile(&rt->cfg, cache_dir(rt, path, sizeof(path)), err,
					      sizeof(err));
	if (rt->sensor_db == NULL) {
		fprintf(stderr, "tollgated: %s\n", err);
		goto early;
	}
	if (load_state(rt, err, sizeof(err)) != 0) {
		fprintf(stderr, "tollgated: %s\n", err);
		goto early;
	}
	if (workers != 0)
		rt->cfg.dp.workers = workers;
	if (plan.user_lcores != NULL) {
		int n = eal_lcores_count(plan.user_lcores);

		if (n < 3 || n - 2 > RUNTIME_MAX_WORKERS) {
			fprintf(stderr, "tollgated: --lcores \"%s\": expected 3..%d lcores "
				"(control, input, workers)\n", plan.user_lcores,
				RUNTIME_MAX_WORKERS + 2);
			goto early;
		}
		rt->cfg.dp.workers = (uint32_t)n - 2;
	}
	rt->n_workers = rt->cfg.dp.workers;
	plan.n_lcores = rt->n_workers + 2;
	plan.mem_mb = (rt->cfg.dp.mbufs * (size_t)(RTE_MBUF_DEFAULT_BUF_SIZE + 192) +
		       MSG_POOL_SIZE * (sizeof(struct msg) + 64) +
		       rt->n_workers * (worker_memsize(&rt->cfg) +
					(rt->cfg.capture.enabled ? rt->cfg.capture.ring_size : 0) +
					(size_t)rt->cfg.dp.ring_size * 8 * 2 +
					(size_t)rt->cfg.events.ring_size * 8)) / (1 << 20) + 96;

	g_rt = rt;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);

	rc = eal_start(&rt->cfg, &plan, argv[0], err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "tollgated: %s\n", err);
		goto early;
	}
	rt->tsc_hz = rte_get_tsc_hz();
	rt->tsc_base = rte_rdtsc();
	rt->us_base = wall_us();

	if (setup(rt, err, sizeof(err)) != 0) {
		fprintf(stderr, "tollgated: %s\n", err);
		goto out;
	}
	if (rt->sensor_db != NULL)
		MAIN_LOG(INFO, "dlp: %u sensors, %zu bytes per stream, %u streams per worker (%zu "
			 "bytes each worker)", sensor_db_count(rt->sensor_db),
			 sensor_db_stream_size(rt->sensor_db), rt->cfg.dlp.max_streams,
			 sensor_db_stream_size(rt->sensor_db) * rt->cfg.dlp.max_streams);
	ctl = control_create(rt, err, sizeof(err));
	rt->policy = NULL;	/* the control thread's now */
	if (ctl == NULL) {
		fprintf(stderr, "tollgated: %s\n", err);
		goto out;
	}

	t0 = mono_s();
	for (w = 0; w < rt->n_workers; w++)
		rte_eal_remote_launch(worker_main, rt->workers[w], rt->workers[w]->lcore);
	if (rt->offline)
		rte_eal_remote_launch(pcap_reader_main, rt, rt->input_lcore);
	else if (rt->sw_dispatch)
		rte_eal_remote_launch(dispatch_main, rt, rt->input_lcore);

	rc = control_run(ctl);
	rt->quit = 1;
	rte_eal_mp_wait_lcore();

	summary = rt->events_path != NULL && strcmp(rt->events_path, "-") == 0 ? stderr : stdout;
	control_summary(ctl, summary, mono_s() - t0);
	if (rt->stats_path != NULL && control_write_stats(ctl, rt->stats_path) != 0)
		rc = -EIO;
	lost = control_events_lost(ctl);
	ret = rc != 0 || rt->input_failed || lost != 0 ? 1 : 0;
	if (rt->input_failed)
		fprintf(stderr, "tollgated: input incomplete: see the errors above\n");
	if (lost != 0)
		fprintf(stderr, "tollgated: %" PRIu64 " events lost (see \"events\" in the summary "
			"and events_dropped in the counters)\n", lost);
	if (rt->serve && rt->offline) {
		fflush(summary);
		control_serve(ctl);
	}
out:
	control_free(ctl);
	if (rt->cfg.dp.nports > 0)
		port_close_all();
	for (w = 0; w < rt->n_workers; w++)
		worker_free(rt->workers[w]);
	rte_mempool_free(rt->msg_pool);
	rte_mempool_free(rt->pkt_pool);
	rte_free(rt->qsbr);
	rte_eal_cleanup();
early:
	/* Every exit after the runtime exists comes through here (LeakSanitizer-clean). */
	sensor_db_free(rt->sensor_db);
	policy_free(rt->policy);
	g_rt = NULL;
	free(rt);
	return ret;
}
