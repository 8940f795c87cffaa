/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generated traffic mixes of bench-sensors (bench_mix.c), also fed to the engines'
 * differential tests: deterministic for a seed, documented in docs/performance.md.
 */
#ifndef TOLLGATE_BENCH_MIX_H
#define TOLLGATE_BENCH_MIX_H

#include <stddef.h>
#include <stdint.h>

enum bench_mix_kind {
	/* 35% HTML, 30% JSON API bodies, 20% JavaScript, 15% base64 attachments; about one
	 * valid card, IBAN, e-mail or SSN (or a near-miss) per 16 KiB. */
	BENCH_MIX_STANDARD = 0,
	/* The worst case for the class-led patterns: digit-dense CSV, long digit runs,
	 * near-miss card numbers and grouped numbers, phone-like and IBAN-like tokens. */
	BENCH_MIX_ADVERSARIAL,
	/* The standard mix with one of its contents only (its values planted the same):
	 * what each costs. */
	BENCH_MIX_HTML,
	BENCH_MIX_JSON,
	BENCH_MIX_JS,
	BENCH_MIX_BASE64,
};

/* The personal-data values the standard mix plants, about one per 16 KiB (valid ones and
 * near-misses); sensor is the built-in sensor that must report a valid one, NULL for a
 * near-miss that none may. */
struct bench_mix_value {
	const char *text;
	const char *sensor;
};

#define BENCH_MIX_VALUES 10
extern const struct bench_mix_value bench_mix_values[BENCH_MIX_VALUES];

/* Fill buf with up to cap bytes of the mix; returns the length written (cap, or a little
 * less when the last item did not fit whole). */
size_t bench_mix_fill(uint8_t *buf, size_t cap, enum bench_mix_kind kind, uint64_t seed);

#endif
