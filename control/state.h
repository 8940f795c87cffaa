/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_STATE_H
#define TOLLGATE_STATE_H

#include <stddef.h>
#include <stdint.h>

#define STATE_SECRET_FILE "hash.key"

/*
 * The name of a temporary file an atomic write (write-temp, fsync, rename) makes:
 * prefix, then hex lowercase hex digits (0: none), then infix, then the writer's pid in
 * decimal, then suffix, and nothing else. config_write_atomic's "<file>.tmp.<pid>" is
 * { "<file>.tmp.", 0, "", "" }.
 */
struct state_stale {
	const char *prefix;
	unsigned int hex;
	const char *infix;
	const char *suffix;
};

/*
 * Remove from dir the regular files named as pat says whose writer is gone: the pid is ours
 * (an earlier process with our pid, say a container's pid 1: call this at start, before
 * this process writes any such file) or names no running process. A file of a running
 * process is left (and logged): another instance may be writing it. Symbolic links,
 * directories and names of any other shape are never touched. Each removal is logged with
 * the file's name. Returns how many were removed; a missing dir is no error. Control
 * thread at start-up.
 */
unsigned int state_remove_stale(const char *dir, const struct state_stale *pat);

/*
 * Load the installation's secret for keyed value hashes from DIR/hash.key, creating DIR
 * (mode 0700) and the key (16 random bytes from getrandom, written as 32 hex digits, mode
 * 0600, write-temp + fsync + rename) on first start. A key file that is not exactly 32 hex
 * digits is an error, never silently replaced: hashes would stop matching earlier runs.
 * Before that, removes the temporary files of interrupted writes in DIR (".hash.key.<pid>"),
 * as state_remove_stale says. Control thread at start-up. Returns 0 or -errno with err
 * naming the path.
 */
int state_secret_load(const char *dir, uint8_t key[16], char *err, size_t errlen);

/*
 * Make DIR ready as the compiled-sensor cache: created (mode 0700, parents too) when
 * missing, the temporary files of interrupted writes ("sensors-<16 hex>.hsdb.<pid>.tmp")
 * removed as state_remove_stale says. Returns 0 when this process can write there, else
 * -errno. Control thread at start-up.
 */
int state_cache_prepare(const char *dir);

#endif
