/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Names seen on the wire and the addresses they stood for: DNS answers (A/AAAA, through
 * CNAME chains) and TLS SNI (the server address of the connection). The snapshot compiler
 * resolves a group's FQDN patterns through it. Each (name, address) pair lives until its
 * TTL runs out; the cache holds at most max_entries pairs, and when full a new pair
 * replaces the one closest to expiry (counted in evicted).
 *
 * Control thread only (it allocates at create, never afterwards). No global state.
 */
#ifndef TOLLGATE_FQDN_CACHE_H
#define TOLLGATE_FQDN_CACHE_H

#include <stdint.h>

#define FQDN_CACHE_NAME_LEN	254
#define FQDN_CACHE_TTL_MAX	86400u	/* longest life of a pair, seconds */

struct fqdn_cache;

struct fqdn_cache_stats {
	uint64_t added;		/* new pairs */
	uint64_t refreshed;	/* known pairs whose expiry moved */
	uint64_t expired;
	uint64_t evicted;	/* dropped for room */
};

/* A cache of max_entries (>= 1) pairs; NULL with errno EINVAL or ENOMEM. */
struct fqdn_cache *fqdn_cache_create(uint32_t max_entries);
void fqdn_cache_free(struct fqdn_cache *c);

/*
 * Record that name (lower case, no trailing dot, 1..253 bytes) stood for ip (family
 * AF_INET: first 4 bytes) for ttl_s seconds from now_s (clamped to 1..FQDN_CACHE_TTL_MAX).
 * Returns 1 for a new pair, 0 for a known one (its expiry is moved out if later), -EINVAL
 * for a bad name or family.
 */
int fqdn_cache_add(struct fqdn_cache *c, const char *name, int family, const uint8_t ip[16],
		   uint32_t ttl_s, uint64_t now_s);

/* Drop the pairs expired at now_s; returns how many. */
uint32_t fqdn_cache_expire(struct fqdn_cache *c, uint64_t now_s);

typedef void (*fqdn_cache_fn)(void *cookie, const char *name, int family, const uint8_t ip[16],
			      uint64_t expires_s);

/* Every live pair, in no particular order. fn must not change the cache. */
void fqdn_cache_foreach(const struct fqdn_cache *c, fqdn_cache_fn fn, void *cookie);

uint32_t fqdn_cache_count(const struct fqdn_cache *c);
const struct fqdn_cache_stats *fqdn_cache_stats(const struct fqdn_cache *c);

#endif
