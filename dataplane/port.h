/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_PORT_H
#define TOLLGATE_PORT_H

#include "runtime_types.h"

/*
 * Configure and start every configured port after EAL init. With more than one worker,
 * each port gets one RX queue per worker and symmetric RSS on IP addresses when its PMD
 * supports it; if any port does not, rt->sw_dispatch is set and ports get one queue that
 * the input lcore polls. Assigns RX queues to workers. Control thread. Returns 0 or
 * -errno with err naming the port and the reason.
 */
int port_setup(struct runtime *rt, char *err, size_t errlen);

/* Stop and close every port. Control thread, after the lcores stopped. */
void port_close_all(void);

#endif
