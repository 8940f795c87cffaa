/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL start-up that works both on a real appliance (hugepages, PCI NICs) and on a
 * development box or CI runner (no hugepages, vdevs only). The argument vector is built
 * here, not passed through from the user, so the same config runs in both places:
 *
 *   free hugepages?  yes -> --in-memory                    (no files, many instances)
 *                    no  -> --no-huge -m N --no-shconf      (22.11 refuses --in-memory
 *                                                            together with --no-huge)
 *   lcores           main(control) + input + workers, spread over the allowed CPUs
 */
#include <errno.h>
#include <glob.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_errno.h>
#include <rte_log.h>
#include "eal.h"

RTE_LOG_REGISTER_SUFFIX(eal_logtype, eal, INFO);
#define EAL_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, eal_logtype, "tollgate.eal: " fmt "\n", ##__VA_ARGS__)

int
eal_is_pci(const char *s)
{
	unsigned int d, b, dev, f;
	char tail;

	if (sscanf(s, "%x:%x:%x.%x%c", &d, &b, &dev, &f, &tail) == 4)
		return 1;
	return sscanf(s, "%x:%x.%x%c", &b, &dev, &f, &tail) == 3;
}

/* Sum of free hugepages over every page size, in pages. */
static unsigned long
eal_free_hugepages(void)
{
	unsigned long total = 0;
	glob_t g;
	size_t i;

	if (glob("/sys/kernel/mm/hugepages/hugepages-*/free_hugepages", 0, NULL, &g) != 0)
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		unsigned long n = 0;

		if (f == NULL)
			continue;
		if (fscanf(f, "%lu", &n) == 1)
			total += n;
		fclose(f);
	}
	globfree(&g);
	return total;
}

/*
 * "--lcores" value for n lcores (0 control, 1 input, then the workers) over the CPUs we
 * may run on (*ncpu gets how many). With a CPU per lcore, one each. With fewer, but more
 * than the workers, each worker keeps a CPU of its own and the control thread and the
 * input lcore share the others: a worker does the work of every packet, while the input
 * lcore only hands packets on and the control thread mostly waits on the workers (2 CPUs,
 * one worker: 15% more end to end, a flood of short flows nearly twice as fast as with the
 * control thread on the worker's CPU; docs/performance.md "bench-read"). With no more
 * CPUs than workers, round-robin.
 */
static void
eal_lcore_map(unsigned int n, char *buf, size_t len, unsigned int *ncpu_out)
{
	unsigned int cpus[CPU_SETSIZE], ncpu = 0, nw = n > 2 ? n - 2 : 0, shared, i;
	cpu_set_t set;
	size_t off = 0;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		for (i = 0; i < CPU_SETSIZE; i++)
			if (CPU_ISSET(i, &set))
				cpus[ncpu++] = i;
	}
	if (ncpu == 0)
		cpus[ncpu++] = 0;
	*ncpu_out = ncpu;
	shared = ncpu >= n || ncpu <= nw ? 0 : ncpu - nw;
	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		unsigned int c = shared == 0 ? cpus[i % ncpu] :
				 i < 2 ? cpus[i % shared] : cpus[shared + i - 2];

		off += snprintf(buf + off, len - off, "%s%u@%u", i ? "," : "", i, c);
	}
}

int
eal_lcores_count(const char *s)
{
	uint8_t seen[RTE_MAX_LCORE] = { 0 };
	int count = 0, depth = 0, in_cpus = 0;
	const char *p = s;

	while (*p != '\0') {
		if (*p == '(') {
			depth++;
			p++;
		} else if (*p == ')') {
			depth--;
			p++;
		} else if (*p == '@') {
			in_cpus = 1;
			p++;
		} else if (*p == ',') {
			if (depth == 0)
				in_cpus = 0;
			p++;
		} else if (*p >= '0' && *p <= '9') {
			char *end;
			unsigned long a = strtoul(p, &end, 10), b = a, i;

			if (*end == '-')
				b = strtoul(end + 1, &end, 10);
			p = end;
			if (in_cpus)
				continue;
			if (a > b || b >= RTE_MAX_LCORE)
				return -EINVAL;
			for (i = a; i <= b; i++) {
				if (!seen[i]) {
					seen[i] = 1;
					count++;
				}
			}
		} else {
			return -EINVAL;
		}
		if (depth < 0)
			return -EINVAL;
	}
	return depth == 0 ? count : -EINVAL;
}

int
eal_start(const struct tg_config *cfg, const struct eal_plan *plan, const char *argv0,
	  char *err, size_t errlen)
{
	static char args[EAL_MAX_ARGS][1280];
	char *argv[EAL_MAX_ARGS + 1];
	char lcores[1024], prefix[64], line[2048];
	int argc = 0, pci = 0, rc;
	unsigned int i;
	size_t off = 0;

#define ARG(...) do { \
		if (argc >= EAL_MAX_ARGS) \
			goto too_many; \
		snprintf(args[argc], sizeof(args[argc]), __VA_ARGS__); \
		argv[argc] = args[argc]; \
		argc++; \
	} while (0)

	ARG("%s", argv0);
	if (plan->user_lcores != NULL) {
		ARG("--lcores=%s", plan->user_lcores);
	} else {
		unsigned int ncpu;

		eal_lcore_map(plan->n_lcores, lcores, sizeof(lcores), &ncpu);
		EAL_LOG(INFO, "lcores %s on %u CPU%s (lcore@CPU; 0 control, 1 input, 2.. workers)",
			lcores, ncpu, ncpu == 1 ? "" : "s");
		ARG("--lcores=%s", lcores);
	}
	if (eal_free_hugepages() > 0) {
		ARG("--in-memory");
	} else {
		EAL_LOG(INFO, "no free hugepages: running with --no-huge -m %zu --no-shconf",
			plan->mem_mb);
		ARG("--no-huge");
		ARG("-m");
		ARG("%zu", plan->mem_mb);
		ARG("--no-shconf");
	}
	/* A per-process prefix keeps instances from sharing a runtime directory. */
	snprintf(prefix, sizeof(prefix), "tollgate%d", (int)getpid());
	ARG("--file-prefix=%s", prefix);
	for (i = 0; i < cfg->dp.nports; i++) {
		if (eal_is_pci(cfg->dp.ports[i].device)) {
			ARG("-a");
			ARG("%s", cfg->dp.ports[i].device);
			pci = 1;
		} else {
			ARG("--vdev=%s", cfg->dp.ports[i].device);
		}
	}
	if (!pci)
		ARG("--no-pci");
	ARG("--no-telemetry");
	if (!plan->verbose) {
		ARG("--log-level=lib.*:warning");
		ARG("--log-level=pmd.*:warning");
		ARG("--log-level=user1:warning");
	}
	for (i = 0; i < cfg->dp.n_eal_args; i++)
		ARG("%s", cfg->dp.eal_args[i]);
	for (i = 0; i < plan->n_user_args; i++)
		ARG("%s", plan->user_args[i]);
	argv[argc] = NULL;
#undef ARG

	for (i = 1; i < (unsigned int)argc; i++)
		off += snprintf(line + off, off < sizeof(line) ? sizeof(line) - off : 0, " %s",
				argv[i]);
	rc = rte_eal_init(argc, argv);
	if (rc < 0) {
		snprintf(err, errlen, "DPDK EAL init failed (%s) with:%s", rte_strerror(rte_errno),
			 line);
		return -rte_errno ? -rte_errno : -EINVAL;
	}
	EAL_LOG(DEBUG, "EAL arguments:%s", line);
	return 0;
too_many:
	snprintf(err, errlen, "too many EAL arguments (max %d)", EAL_MAX_ARGS);
	return -E2BIG;
}
