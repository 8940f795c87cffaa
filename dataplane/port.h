/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_PORT_H
#define TOLLGATE_PORT_H

#include "port_types.h"
#include "runtime_types.h"

/*
 * Configure and start every configured port after EAL init. With more than one worker,
 * each port gets one RX queue per worker and symmetric RSS on IP addresses when its PMD
 * supports it; if any port does not, rt->sw_dispatch is set and ports get one queue that
 * the input lcore polls. Assigns RX queues to workers. Control thread. Returns 0 or
 * -errno with err naming the port and the reason.
 */
int port_setup(struct runtime *rt, char *err, size_t errlen);

/*
 * Read port pid's counters into *out: rte_eth_stats_get, then the driver's extended
 * statistics (names and values, in the driver's order; none when the driver has none).
 * The workers keep receiving meanwhile: each value is one the driver held at some point
 * of the call (the same guarantee counters_sum gives). Returns 0, or -errno when the
 * basic set cannot be read (out is zeroed then); xstats that cannot be read are left out
 * (n_xstats 0). Control thread, while the port is started or stopped but not closed;
 * release *out with port_counters_release.
 */
int port_counters_read(uint16_t pid, struct port_counters *out);

/* Free what port_counters_read allocated; *pc may be zeroed or released already. */
void port_counters_release(struct port_counters *pc);

/* Stop and close every port. Control thread, after the lcores stopped. */
void port_close_all(void);

#endif
