/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_EAL_H
#define TOLLGATE_EAL_H

#include <stddef.h>
#include "config_types.h"

#define EAL_MAX_ARGS 96

struct eal_plan {
	unsigned int n_lcores;		/* main + input + workers */
	size_t mem_mb;			/* -m when running without hugepages */
	const char *user_lcores;	/* --lcores from the command line, or NULL */
	unsigned int n_user_args;	/* EAL arguments after "--" */
	char **user_args;
	int verbose;
};

/*
 * Build the EAL argument vector for this machine and config and call rte_eal_init.
 * Without free hugepages it runs with --no-huge -m N --no-shconf (logged); with them,
 * --in-memory. Either way several instances can run side by side. Ports become --vdev
 * or -a arguments; with no PCI port, --no-pci. Control thread, once. Returns 0, or
 * -errno with err set.
 */
int eal_start(const struct tg_config *cfg, const struct eal_plan *plan, const char *argv0,
	      char *err, size_t errlen);

/* Number of distinct lcores an EAL --lcores string names, or -EINVAL. */
int eal_lcores_count(const char *s);

/* True when s names a PCI device (DDDD:BB:DD.F or BB:DD.F). */
int eal_is_pci(const char *s);

#endif
