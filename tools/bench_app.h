/* SPDX-License-Identifier: BSD-3-Clause */
/* bench-sensors' second figure: the sensors with the app layer's decoders (bench_app.c). */
#ifndef TOLLGATE_BENCH_APP_H
#define TOLLGATE_BENCH_APP_H

#include <stddef.h>
#include <stdint.h>

struct sensor_worker;

/* Wrap mix[0..mix_len) into HTTP and SMTP messages over flows flow directions, scan the
 * wire bytes raw only and with the app layer, best of rounds; print the figures. */
int bench_app_run(struct sensor_worker *sw, const uint8_t *mix, size_t mix_len, size_t flows,
		  size_t rounds);

#endif
