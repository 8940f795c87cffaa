/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the TLS ClientHello / SNI parser (dataplane/app_tls.h) on the raw
 * input as the first bytes a client sent on a TCP connection.
 *
 * Checks, aborting on failure (app_tls.h):
 *   - app_tls_sni returns 0, -EAGAIN, -ENOENT or -EINVAL (never -ENOSPC with an
 *     APP_TLS_NAME_LEN buffer), and writes the name buffer only when it returns 0;
 *   - a name returned is NUL terminated within the buffer, 1..253 bytes of [a-z0-9._-],
 *     no trailing dot, labels of 1..63 bytes;
 *   - the length contract: with namelen = strlen(name) + 1 the same name comes back, with
 *     namelen = strlen(name) or (NULL, 0) -ENOSPC and nothing written;
 *   - decided once decided: for every prefix of the input (all of them up to 512 bytes,
 *     then 48 chosen from the input), the result is -EAGAIN or the result for the whole
 *     input, with the same name (a prefix of a ClientHello is never malformed, and bytes
 *     after the server_name extension are never looked at);
 *   - app_tls_is_client_hello agrees with a reference written from its contract, and is
 *     true whenever a ClientHello was parsed (0 or -ENOENT);
 *   - nothing is read outside the input (the input, and each prefix, ends where its heap
 *     block ends).
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "app_tls.h"
#include "fuzz_common.h"

static FUZZ_NOCOV void
check_name(const char *name, size_t cap)
{
	size_t n = strnlen(name, cap), i, label = 0;

	FUZZ_CHECK(n < cap);
	FUZZ_CHECK(n >= 1 && n <= 253);
	FUZZ_CHECK(name[n - 1] != '.');
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (c == '.') {
			FUZZ_CHECK(label >= 1);
			label = 0;
			continue;
		}
		FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
			   c == '_');
		label++;
		FUZZ_CHECK(label <= 63);
	}
}

static FUZZ_NOCOV bool
is_client_hello_ref(const uint8_t *p, uint32_t len)
{
	uint32_t rlen;

	if (len < 6 || p[0] != 22 || p[1] != 3 || p[2] > 4)
		return false;
	rlen = (uint32_t)p[3] << 8 | p[4];
	return rlen >= 1 && rlen <= APP_TLS_MAX_RECORD && p[5] == 1;
}

/* app_tls_sni over a copy of p[0..len) in a block of exactly len bytes. */
static FUZZ_NOCOV int
sni(const uint8_t *p, uint32_t len, char *name, size_t namelen)
{
	uint8_t *q = fuzz_dup(p, len);
	int rc = app_tls_sni(q, len, name, namelen);

	free(q);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[APP_TLS_NAME_LEN], other[APP_TLS_NAME_LEN + 8];
	uint32_t len = size > 65536 ? 65536 : (uint32_t)size, k;
	struct fuzz_rng rng;
	uint8_t *blk;
	size_t n = 0;
	int rc;

	memset(name, 0xAA, sizeof(name));
	rc = sni(data, len, name, sizeof(name));
	FUZZ_CHECK(rc == 0 || rc == -EAGAIN || rc == -ENOENT || rc == -EINVAL);
	FUZZ_CHECK(app_tls_is_client_hello(data, len) == is_client_hello_ref(data, len));
	if (rc == 0 || rc == -ENOENT)
		FUZZ_CHECK(app_tls_is_client_hello(data, len));
	if (rc == 0) {
		check_name(name, sizeof(name));
		n = strlen(name);
		memset(other, 0xAA, sizeof(other));
		FUZZ_CHECK(sni(data, len, other, n + 1) == 0);
		FUZZ_CHECK(strcmp(other, name) == 0);
		memset(other, 0xAA, sizeof(other));
		FUZZ_CHECK(sni(data, len, other, n) == -ENOSPC);
		FUZZ_CHECK((uint8_t)other[0] == 0xAA && (uint8_t)other[n] == 0xAA);
		FUZZ_CHECK(sni(data, len, NULL, 0) == -ENOSPC);
	} else {
		for (k = 0; k < sizeof(name); k++)
			FUZZ_CHECK((uint8_t)name[k] == 0xAA);
	}

	fuzz_rng_seed(&rng, size);
	blk = malloc(len + 1);
	if (blk == NULL)
		abort();
	for (k = 0; k < len; k++) {
		uint32_t cut = k;
		int r;

		if (k >= 512) {
			if (k >= 512 + 48)
				break;
			cut = (uint32_t)fuzz_rng_below(&rng, len);
		}
		memset(other, 0xAA, sizeof(other));
		/* The prefix at the end of a block, so a read past it is caught. */
		r = app_tls_sni(fuzz_at_end(blk, len + 1, data, cut), cut, other, sizeof(name));
		FUZZ_CHECK(r == -EAGAIN || r == rc);
		if (r == 0)
			FUZZ_CHECK(strcmp(other, name) == 0);
	}
	free(blk);
	return 0;
}
