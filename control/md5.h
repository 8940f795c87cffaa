/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_MD5_H
#define TOLLGATE_MD5_H

#include <stddef.h>

#define MD5_HEX_LEN 33	/* 32 hex digits + NUL */

/*
 * The MD5 digest (RFC 1321) of len bytes at data, as 32 lower-case hex digits and a NUL in
 * hex. Only for fingerprints that are defined as MD5 (JA3): never for anything that must
 * resist collisions. Pure: any thread.
 */
void md5_hex(const void *data, size_t len, char hex[MD5_HEX_LEN]);

#endif
