/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the prefilter's DFA cache files (sensors/sensor_db_cache.c,
 * sensor_db_cache_dfa_parse), read from the cache directory at every start.
 *
 * Input:  a DFA cache file. The harness makes its last 8 bytes the right checksum and asks
 *         for the key its header names, so the fuzzer's inputs reach the checks of the
 *         format itself (a file that only fails its checksum is the unit test's case).
 *
 * Property (sensor_priv.h): a file is refused, or the DFA it gives can be run as the data
 * path runs it (sensor_prefilter_scan.c: start and '^' symbol, a step per byte, the pattern
 * ids of an accepting state, the dead state) over any bytes without reading outside its
 * tables, and reports only ids up to the limit asked for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "sensor_priv.h"
#include "sensor_regex.h"

#define MAX_ID 4095

static FUZZ_NOCOV void
run(const struct sensor_dfa *d, const uint8_t *p, size_t n)
{
	uint32_t s = d->trans[d->start + d->bos_cls];
	size_t i;

	for (i = 0; i < n; i++) {
		s = d->trans[s + d->cls[p[i]]];
		if (s == d->dead)
			s = d->start;
		if (s >= d->acc_base) {
			uint32_t a = (s - d->acc_base) / d->n_classes, k;

			for (k = 0; k < d->acc_n[a]; k++)
				FUZZ_CHECK(d->acc_ids[d->acc_first[a] + k] <= MAX_ID);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t text[] = "tel +44 20 7946 0958, iban DE89370400440532013000, card "
				      "4111-1111-1111-1111 \x00\xff\x80 mail a.b@example.org";
	struct sensor_dfa *d;
	uint64_t key, sum;
	uint8_t *b;

	if (size < 24)
		return 0;
	b = malloc(size);
	FUZZ_CHECK(b != NULL);
	memcpy(b, data, size);
	sum = sensor_db_cache_dfa_sum(b, size - 8);
	memcpy(b + size - 8, &sum, 8);
	memcpy(&key, b + 8, 8);
	d = sensor_db_cache_dfa_parse(b, size, key, MAX_ID);
	if (d != NULL) {
		run(d, text, sizeof(text) - 1);
		run(d, data, size);
		sensor_dfa_free(d);
	}
	/* The same bytes under another key: always refused. */
	FUZZ_CHECK(sensor_db_cache_dfa_parse(b, size, key + 1, MAX_ID) == NULL);
	free(b);
	return 0;
}
