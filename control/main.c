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
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
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
#include "mem_plan.h"
#include "eve_sid.h"
#include "msg_types.h"
#include "pcap_reader.h"
#include "policy.h"
#include "port.h"
#include "sensor_config.h"
#include "sensor_engine.h"
#include "snapshot.h"
#include "state.h"
#include "version.h"
#include "worker.h"
#include "yaml_tree.h"

RTE_LOG_REGISTER_SUFFIX(main_logtype, main, INFO);
#define MAIN_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, main_logtype, "tollgate.main: " fmt "\n", ##__VA_ARGS__)

#define MSG_POOL_SIZE 16383
#define EVENTS_FILE_NAME "eve.json"	/* what --log-dir writes */

/* Long options without a short form: codes past any character. */
enum {
	OPT_CHECK_CONFIG = 256,
	OPT_EVENTS,
	OPT_DUMP_STREAMS,
	OPT_STATS_JSON,
	OPT_STATE_DIR,
	OPT_CACHE_DIR,
	OPT_API_LISTEN,
	OPT_API_TOKEN_FILE,
	OPT_SERVE,
	OPT_WORKERS,
	OPT_LCORES,
	OPT_PIDFILE,
	OPT_CAPTURE,
	OPT_MEMORY_PLAN,
};

static struct runtime *g_rt;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: tollgated [options] [-- EAL options]\n"
		"  -c, --config FILE     YAML configuration (default: built-in, same as\n"
		"                        config/tollgate.yaml)\n"
		"  -T                    validate the configuration (-c FILE, or the built-in\n"
		"                        one) and exit: 0 = valid, 1 = not\n"
		"  --check-config FILE   the same as -c FILE -T\n"
		"  --memory-plan         -T, then print what the configuration takes in memory\n"
		"  -r, --read FILE.pcap  offline mode: process a capture file; repeat for more\n"
		"  -i, --port DEV        a tap port: PCI address, DPDK vdev string\n"
		"                        (net_pcap0,iface=eth1) or interface name (eth1 = an\n"
		"                        af_packet port on it); repeat for more; added to\n"
		"                        dataplane.ports\n"
		"  -l, --log-dir DIR     write events to DIR/" EVENTS_FILE_NAME
		" (unless --events)\n"
		"  --events FILE|-       write EVE JSON events to FILE (\"-\" = stdout)\n"
		"  --pidfile FILE        write the daemon's PID to FILE, removed at exit\n"
		"  --dump-streams DIR    write each TCP direction's reassembled bytes to DIR\n"
		"  --stats-json FILE     write the final counters as JSON\n"
		"  --state-dir DIR       where the value-hash key lives (overrides state_dir)\n"
		"  --cache-dir DIR       where compiled sensors are kept (overrides cache_dir;\n"
		"                        \"\" = compile at every start)\n"
		"  --api-listen ADDR:PORT  REST API address (overrides api.listen; \"\" = off)\n"
		"  --api-token-file FILE   bearer tokens (overrides api.token_file)\n"
		"  --serve               with --read: keep serving the API after the input ends,\n"
		"                        until SIGTERM/SIGINT\n"
		"  --capture JSON        start a packet capture before the first packet, JSON as\n"
		"                        the body of POST /v1/captures; repeat for more\n"
		"  --workers N           worker lcores (overrides dataplane.workers)\n"
		"  --lcores LIST         EAL lcore map; workers = lcores - 2 (control + input)\n"
		"  -v, --verbose         show DPDK's own log messages\n"
		"  -V, --version         print the version of tollgated and of its libraries\n"
		"  -h, --help            this text\n");
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

/*
 * Where compiled sensor databases are kept between runs (rt->cache_path): --cache-dir, else
 * cache_dir. When the configured default cannot be written (an unprivileged user's offline
 * run), the user's own cache directory, said once; an explicit --cache-dir never falls back
 * (one that cannot be written: compiled at every start, said once). Returns the directory
 * or NULL (no cache).
 */
static const char *
resolve_cache(struct runtime *rt)
{
	const char *dir = rt->cache_dir != NULL ? rt->cache_dir : rt->cfg.cache_dir;
	const char *home = getenv("HOME");
	int rc;

	rt->cache_path[0] = '\0';
	if (dir[0] == '\0')
		return NULL;
	rc = state_cache_prepare(dir);
	if (rc != 0 && rt->cache_dir == NULL && home != NULL) {
		char fallback[CONFIG_PATH_LEN];

		snprintf(fallback, sizeof(fallback), "%s/.cache/tollgate", home);
		if (state_cache_prepare(fallback) == 0) {
			fprintf(stderr, "tollgated: %s is not writable (%s); keeping compiled sensors "
				"in %s\n", dir, strerror(-rc), fallback);
			snprintf(rt->cache_path, sizeof(rt->cache_path), "%s", fallback);
			return rt->cache_path;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "tollgated: sensor cache %s: %s; compiling the sensors at every "
			"start\n", dir, strerror(-rc));
		return NULL;
	}
	snprintf(rt->cache_path, sizeof(rt->cache_path), "%s", dir);
	return rt->cache_path;
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

/* The configuration file, or the built-in one when path is NULL. */
static int
load_config(struct tg_config *cfg, const char *path, char *err, size_t errlen)
{
	if (path != NULL)
		return config_load_file(cfg, path, err, errlen);
	return config_load_buffer(cfg, "<built-in>", config_builtin_yaml,
				  config_builtin_yaml_len, err, errlen);
}

/*
 * -T, --check-config: load and validate the configuration (path, or the built-in one when
 * NULL) and its policy, compile the sensors and the policy against them (DLP bindings
 * name existing sensors), starting nothing.
 */
static int
check_config(struct runtime *rt, const char *path, int memory_plan)
{
	const char *name = path != NULL ? path : "<built-in>";
	struct sensor_db *db;
	struct policy *p;
	struct snapshot *s;
	struct mem_plan mp;
	char err[1024];
	int ok = 1;

	if (load_config(&rt->cfg, path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	p = load_policy(path, err, sizeof(err));
	if (p == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Through the cache: the start that follows a check loads what it compiled. */
	db = sensor_config_compile(&rt->cfg, resolve_cache(rt), err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "%s\n", err);
		policy_free(p);
		return 1;
	}
	s = snapshot_compile(p, NULL, NULL, db, NULL, rt->cfg.dlp.enabled, err, sizeof(err));
	if (s == NULL) {
		fprintf(stderr, "%s: %s\n", name, err);
		ok = 0;
	} else {
		printf("%s: configuration is valid (%u groups, %u rules, %u sensors)\n", name,
		       p->ngroups - POLICY_GROUP_FIRST_USER, p->nrules, sensor_db_count(db));
		if (eve_sid_collision(p, &rt->cfg.dlp, err, sizeof(err)))
			fprintf(stderr, "%s: warning: %s\n", name, err);
		if (memory_plan) {
			mem_plan_compute(&mp, &rt->cfg, rt->cfg.dp.workers,
					 sensor_db_stream_size(db), MSG_POOL_SIZE,
					 sizeof(struct msg));
			mem_plan_print(&mp, &rt->cfg, stdout);
		}
	}
	snapshot_free(s);
	sensor_db_free(db);
	policy_free(p);
	return ok ? 0 : 1;
}

/* A Linux network interface of that name exists (for -i eth1). */
static int
is_netdev(const char *name)
{
	char path[64 + IF_NAMESIZE];
	struct stat sb;

	if (name[0] == '\0' || strlen(name) >= IF_NAMESIZE || strchr(name, '/') != NULL)
		return 0;
	snprintf(path, sizeof(path), "/sys/class/net/%s", name);
	return stat(path, &sb) == 0;
}

/*
 * -i/--port DEV: a tap port added after the configuration's own ports, named iK (K = its
 * place among the -i ports, past any name the configuration uses). DEV is a PCI address or
 * a DPDK vdev string, as dataplane.ports[].device takes; a bare interface name (eth1)
 * becomes an af_packet vdev on it. Returns 0, or -EINVAL with err naming DEV.
 */
static int
add_cli_port(struct tg_config *cfg, const char *dev, unsigned int k, char *err, size_t errlen)
{
	struct config_port *p;
	unsigned int i, n = k;
	int taken;

	if (cfg->dp.nports == CONFIG_MAX_PORTS) {
		snprintf(err, errlen, "-i %s: too many ports (at most %u, with those of the "
			 "configuration)", dev, CONFIG_MAX_PORTS);
		return -EINVAL;
	}
	p = &cfg->dp.ports[cfg->dp.nports];
	memset(p, 0, sizeof(*p));
	if (eal_is_pci(dev) || strncmp(dev, "net_", 4) == 0) {
		if (strlen(dev) >= sizeof(p->device)) {
			snprintf(err, errlen, "-i %.64s...: longer than %zu characters", dev,
				 sizeof(p->device) - 1);
			return -EINVAL;
		}
		snprintf(p->device, sizeof(p->device), "%s", dev);
	} else if (is_netdev(dev)) {
		snprintf(p->device, sizeof(p->device), "net_af_packet_i%u,iface=%s", k, dev);
	} else {
		snprintf(err, errlen, "-i %s: not a PCI address (0000:01:00.0), a DPDK vdev "
			 "string (net_...) or a network interface of this host", dev);
		return -EINVAL;
	}
	do {
		snprintf(p->name, sizeof(p->name), "i%u", n++);
		for (i = 0, taken = 0; i < cfg->dp.nports; i++)
			taken |= strcmp(cfg->dp.ports[i].name, p->name) == 0;
	} while (taken);
	p->mode = CONFIG_PORT_TAP;
	cfg->dp.nports++;
	return 0;
}

/*
 * --pidfile: refuse to start while the process it names is alive, else write ours
 * (through a temporary file and a rename, so a reader never sees it half written).
 */
static int
pidfile_write(const char *path, char *err, size_t errlen)
{
	char tmp[CONFIG_PATH_LEN + 16];
	FILE *f = fopen(path, "r");
	long pid = 0;
	int fd;

	if (f != NULL) {
		if (fscanf(f, "%ld", &pid) == 1 && pid > 0 && pid != (long)getpid() &&
		    (kill((pid_t)pid, 0) == 0 || errno == EPERM)) {
			fclose(f);
			snprintf(err, errlen, "--pidfile %s: process %ld is running (another "
				 "tollgated?)", path, pid);
			return -EEXIST;
		}
		fclose(f);
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || dprintf(fd, "%ld\n", (long)getpid()) < 0 || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		snprintf(err, errlen, "--pidfile %s: %s", path, strerror(errno));
		if (fd >= 0)
			unlink(tmp);
		return -errno;
	}
	return 0;
}

/* At exit: remove the pidfile if it still names this process. */
static void
pidfile_remove(const char *path)
{
	FILE *f = fopen(path, "r");
	long pid = 0;

	if (f == NULL)
		return;
	if (fscanf(f, "%ld", &pid) == 1 && pid == (long)getpid())
		unlink(path);
	fclose(f);
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
		{ "check-config", required_argument, NULL, OPT_CHECK_CONFIG },
		{ "read", required_argument, NULL, 'r' },
		{ "port", required_argument, NULL, 'i' },
		{ "log-dir", required_argument, NULL, 'l' },
		{ "events", required_argument, NULL, OPT_EVENTS },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "dump-streams", required_argument, NULL, OPT_DUMP_STREAMS },
		{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "cache-dir", required_argument, NULL, OPT_CACHE_DIR },
		{ "api-listen", required_argument, NULL, OPT_API_LISTEN },
		{ "api-token-file", required_argument, NULL, OPT_API_TOKEN_FILE },
		{ "serve", no_argument, NULL, OPT_SERVE },
		{ "capture", required_argument, NULL, OPT_CAPTURE },
		{ "memory-plan", no_argument, NULL, OPT_MEMORY_PLAN },
		{ "workers", required_argument, NULL, OPT_WORKERS },
		{ "lcores", required_argument, NULL, OPT_LCORES },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct eal_plan plan = { 0 };
	struct mem_plan mp;
	const char *config_path = NULL, *log_dir = NULL, *pidfile = NULL;
	const char *cli_ports[CONFIG_MAX_PORTS];
	unsigned int workers = 0, w, n_cli_ports = 0;
	char err[1024], log_events[CONFIG_PATH_LEN + 16];
	struct runtime *rt;
	struct control *ctl = NULL;
	struct stat sb;
	FILE *summary;
	uint64_t lost;
	double t0;
	int opt, rc, ret = 2, check = 0, pid_written = 0;

	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return 2;
	rt->ts_offset = -1;
	rt->input_lcore = RTE_MAX_LCORE;
	while ((opt = getopt_long(argc, argv, "c:Tr:i:l:vVh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case OPT_CHECK_CONFIG:
			config_path = optarg;
			/* fall through */
		case 'T':
			check = 1;
			break;
		case OPT_MEMORY_PLAN:
			check = 2;
			break;
		case 'r':
			if (rt->n_read == RUNTIME_MAX_READ) {
				fprintf(stderr, "tollgated: at most %d --read files\n",
					RUNTIME_MAX_READ);
				goto early;
			}
			rt->read_files[rt->n_read++] = optarg;
			break;
		case 'i':
			if (n_cli_ports == CONFIG_MAX_PORTS) {
				fprintf(stderr, "tollgated: at most %d -i ports\n",
					CONFIG_MAX_PORTS);
				goto early;
			}
			cli_ports[n_cli_ports++] = optarg;
			break;
		case 'l':
			log_dir = optarg;
			break;
		case OPT_EVENTS:
			rt->events_path = optarg;
			break;
		case OPT_PIDFILE:
			pidfile = optarg;
			break;
		case OPT_DUMP_STREAMS:
			rt->dump_dir = optarg;
			break;
		case OPT_STATS_JSON:
			rt->stats_path = optarg;
			break;
		case OPT_STATE_DIR:
			rt->state_dir = optarg;
			break;
		case OPT_CACHE_DIR:
			rt->cache_dir = optarg;
			break;
		case OPT_API_LISTEN:
			rt->api_listen = optarg;
			break;
		case OPT_API_TOKEN_FILE:
			rt->api_token_file = optarg;
			break;
		case OPT_SERVE:
			rt->serve = 1;
			break;
		case OPT_CAPTURE:
			if (rt->n_captures == RUNTIME_MAX_READ) {
				fprintf(stderr, "tollgated: at most %d --capture options\n",
					RUNTIME_MAX_READ);
				goto early;
			}
			rt->captures[rt->n_captures++] = optarg;
			break;
		case OPT_WORKERS:
			if (parse_uint(optarg, RUNTIME_MAX_WORKERS, &workers) != 0) {
				fprintf(stderr, "tollgated: --workers \"%s\": expected 1..%d\n",
					optarg, RUNTIME_MAX_WORKERS);
				goto early;
			}
			break;
		case OPT_LCORES:
			plan.user_lcores = optarg;
			break;
		case 'v':
			plan.verbose = 1;
			break;
		case 'V':
			version_print(stdout);
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
	if (check) {
		/* after every option: -T may come before -c */
		ret = check_config(rt, config_path, check == 2);
		goto early;
	}
	if (rt->n_read > 0 && n_cli_ports > 0) {
		fprintf(stderr, "tollgated: -r/--read (offline) and -i/--port (live) exclude "
			"each other\n");
		goto early;
	}
	if (log_dir != NULL && rt->events_path == NULL) {
		if (stat(log_dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			fprintf(stderr, "tollgated: --log-dir %s: %s\n", log_dir,
				stat(log_dir, &sb) != 0 ? strerror(errno) : "not a directory");
			goto early;
		}
		snprintf(log_events, sizeof(log_events), "%s/%s", log_dir, EVENTS_FILE_NAME);
		rt->events_path = log_events;
	}
	plan.n_user_args = (unsigned int)(argc - optind);
	plan.user_args = argv + optind;

	if (load_config(&rt->cfg, config_path, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		goto early;
	}
	for (w = 0; w < n_cli_ports; w++) {
		if (add_cli_port(&rt->cfg, cli_ports[w], w, err, sizeof(err)) != 0) {
			fprintf(stderr, "tollgated: %s\n", err);
			goto early;
		}
	}
	rt->offline = rt->n_read > 0;
	if (!rt->offline && rt->cfg.dp.nports == 0) {
		fprintf(stderr, "tollgated: nothing to do: give -r FILE.pcap or -i PORT, or "
			"configure dataplane.ports in %s\n",
			config_path != NULL ? config_path : "the config");
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
	rt->sensor_db = sensor_config_compile(&rt->cfg, resolve_cache(rt), err, sizeof(err));
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
	mem_plan_compute(&mp, &rt->cfg, rt->n_workers,
			 rt->sensor_db != NULL ? sensor_db_stream_size(rt->sensor_db) : 0,
			 MSG_POOL_SIZE, sizeof(struct msg));
	plan.mem_mb = mp.eal >> 20;

	if (pidfile != NULL) {
		if (pidfile_write(pidfile, err, sizeof(err)) != 0) {
			fprintf(stderr, "tollgated: %s\n", err);
			goto early;
		}
		pid_written = 1;
	}

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
	mem_plan_summary(&mp, err, sizeof(err));
	MAIN_LOG(INFO, "memory plan: %s (tollgated --memory-plan shows each part)", err);
	if (rt->sensor_db != NULL) {
		unsigned int cached, compiled, dfa_cached, dfa_built;
		char from[CONFIG_PATH_LEN + 32] = "no cache";

		sensor_db_cache_counts(rt->sensor_db, &cached, &compiled);
		sensor_db_dfa_counts(rt->sensor_db, &dfa_cached, &dfa_built);
		if (rt->cache_path[0] != '\0')
			snprintf(from, sizeof(from), "%u from the cache in %s", cached,
				 rt->cache_path);
		MAIN_LOG(INFO, "dlp: %u sensors, %zu bytes per stream, %u streams per worker (%zu "
			 "bytes each worker); Hyperscan databases: %u compiled, %s; prefilter "
			 "DFAs: %u built, %u from the cache",
			 sensor_db_count(rt->sensor_db), sensor_db_stream_size(rt->sensor_db),
			 rt->cfg.dlp.max_streams,
			 sensor_db_stream_size(rt->sensor_db) * rt->cfg.dlp.max_streams, compiled,
			 from, dfa_built, dfa_cached);
	}
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
	/* rte_eal_cleanup releases the EAL's memory whole: the pools and the workers' flow
	 * tables and reassembly memory are not freed one by one first, since rte_free zeroes
	 * what it frees and would fault in every page of them never used (worker.h). */
	for (w = 0; w < rt->n_workers; w++)
		worker_free_at_exit(rt->workers[w]);
	rte_free(rt->qsbr);
	rte_eal_cleanup();
early:
	/* Every exit after the runtime exists comes through here (LeakSanitizer-clean). */
	if (pid_written)
		pidfile_remove(pidfile);
	sensor_db_free(rt->sensor_db);
	policy_free(rt->policy);
	g_rt = NULL;
	free(rt);
	return ret;
}
