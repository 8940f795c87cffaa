/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_STATE_H
#define TOLLGATE_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_SECRET_FILE "hash.key"

/*
 * Load the installation's secret for keyed value hashes from DIR/hash.key, creating DIR
 * (mode 0700) and the key (16 random bytes from getrandom, written as 32 hex digits, mode
 * 0600, write-temp + fsync + rename) on first start. A key file that is not exactly 32 hex
 * digits is an error, never silently replaced: hashes would stop matching earlier runs.
 * Control thread at start-up. Returns 0 or -errno with err naming the path.
 */
int state_secret_load(const char *dir, uint8_t key[16], char *err, size_t errlen);

#endif
