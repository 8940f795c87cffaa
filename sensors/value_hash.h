/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_VALUE_HASH_H
#define TOLLGATE_VALUE_HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * Keyed hashes and redaction of personal data values. A value never leaves the worker in
 * the clear: outputs carry its redaction (every character but the last 4 masked) and
 * SipHash-2-4 of the normalised value under the installation's secret key, so the same
 * value hashes alike across flows and runs while the value cannot be recovered without
 * the key. Pure functions, any thread.
 */

#define VALUE_HASH_KEY_LEN 16
#define VALUE_REDACT_MAX 32	/* longest redaction written (longer values: mask cut) */

/* SipHash-2-4 (Aumasson & Bernstein, 2012) of data under a 128-bit key. */
uint64_t value_hash(const uint8_t key[VALUE_HASH_KEY_LEN], const uint8_t *data, size_t len);

/*
 * Write the redaction of a value of len bytes whose last (up to) 4 bytes are tail into
 * out (NUL-terminated, at most VALUE_REDACT_MAX characters + NUL): '*' for every other
 * character, capped so that at most VALUE_REDACT_MAX - 4 stars are written. Values of
 * 4 bytes or fewer are fully masked. Returns the length written.
 */
size_t value_redact(size_t len, const uint8_t *tail, size_t tail_len, char *out, size_t outlen);

#endif
