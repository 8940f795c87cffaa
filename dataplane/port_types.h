/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A port's counters as its driver reports them: the basic set (rte_eth_stats: packets,
 * bytes, imissed, ierrors, oerrors, rx_nombuf, per queue) and the driver's extended
 * statistics (xstats), names and values. Filled by port_counters_read (port.h).
 */
#ifndef TOLLGATE_PORT_TYPES_H
#define TOLLGATE_PORT_TYPES_H

#include <stdint.h>
#include <rte_ethdev.h>

struct port_counters {
	struct rte_eth_stats basic;
	unsigned int n_xstats;			/* entries of xnames[] and xvalues[] */
	struct rte_eth_xstat_name *xnames;	/* malloc'd; port_counters_release frees */
	uint64_t *xvalues;
};

#endif
