/* SPDX-License-Identifier: BSD-3-Clause */
/* bench-sensors' second figure: the sensors with the app layer's decoders (bench_app.c). */
#ifndef TOLLGATE_BENCH_APP_H
#define TOLLGATE_BENCH_APP_H

#include <stddef.h>
#include <stdint.h>

struct sensor_worker;

/* The message kinds bench_app_wrap makes, in turn: HTTP POSTs plain, gzip, chunked, form;
 * an SMTP mail with a base64 attachment (kind % BENCH_APP_KINDS == BENCH_APP_SMTP). */
#define BENCH_APP_KINDS 5
#define BENCH_APP_SMTP 4

/* The wire bytes of message kind (mod BENCH_APP_KINDS) over content c[0..n), in a
 * malloc'd buffer of *len bytes (the caller frees it). */
uint8_t *bench_app_wrap(unsigned int kind, const uint8_t *c, size_t n, size_t *len);

/* Wrap mix[0..mix_len) into HTTP and SMTP messages over flows flow directions, scan the
 * wire bytes raw only and with the app layer, best of rounds; print the figures. */
int bench_app_run(struct sensor_worker *sw, const uint8_t *mix, size_t mix_len, size_t flows,
		  size_t rounds);

#endif
