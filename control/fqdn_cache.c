/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * FQDN cache: a fixed array of (name, address, expiry) slots with a chained hash index on
 * (name, address). Everything is allocated at create; a full cache reuses the slot that
 * expires first (one linear scan, only when full).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fqdn_cache.h"

#define NIL UINT32_MAX

struct fqdn_slot {
	char name[FQDN_CACHE_NAME_LEN];
	uint8_t ip[16];
	uint8_t family;		/* 0: free */
	uint64_t expires;
	uint32_t next;		/* hash chain, or free list */
	uint32_t hash;
};

struct fqdn_cache {
	uint32_t max, count, mask;
	uint32_t free;		/* slots given back (NIL: none) */
	uint32_t fresh;		/* slots used at least once: slots[0, fresh) */
	uint32_t *buckets;
	struct fqdn_slot *slots;
	struct fqdn_cache_stats stats;
};

static uint32_t
fqdn_hash(const char *name, size_t len, int family, const uint8_t ip[16])
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)name[i]) * 16777619u;
	for (i = 0; i < (family == AF_INET ? 4u : 16u); i++)
		h = (h ^ ip[i]) * 16777619u;
	return h;
}

struct fqdn_cache *
fqdn_cache_create(uint32_t max_entries)
{
	struct fqdn_cache *c;
	uint32_t nb = 1, i;

	if (max_entries == 0 || max_entries > (1u << 24)) {
		errno = EINVAL;
		return NULL;
	}
	while (nb < max_entries)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->max = max_entries;
	c->mask = nb - 1;
	c->buckets = malloc(sizeof(*c->buckets) * nb);
	c->slots = calloc(max_entries, sizeof(*c->slots));
	if (c->buckets == NULL || c->slots == NULL) {
		fqdn_cache_free(c);
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < nb; i++)
		c->buckets[i] = NIL;
	c->free = NIL;	/* slots are handed out in order as first needed: untouched until then */
	return c;
}

void
fqdn_cache_free(struct fqdn_cache *c)
{
	if (c == NULL)
		return;
	free(c->buckets);
	free(c->slots);
	free(c);
}

static void
fqdn_unlink(struct fqdn_cache *c, uint32_t idx)
{
	uint32_t *pp = &c->buckets[c->slots[idx].hash & c->mask];

	while (*pp != idx)
		pp = &c->slots[*pp].next;
	*pp = c->slots[idx].next;
	c->slots[idx].family = 0;
	c->slots[idx].next = c->free;
	c->free = idx;
	c->count--;
}

static int
fqdn_name_ok(const char *name, size_t len)
{
	size_t i;

	if (len == 0 || len >= FQDN_CACHE_NAME_LEN || name[len - 1] == '.')
		return 0;
	for (i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
		      ch == '.' || ch == '_'))
			return 0;
	}
	return 1;
}

int
fqdn_cache_add(struct fqdn_cache *c, const char *name, int family, const uint8_t ip[16],
	       uint32_t ttl_s, uint64_t now_s)
{
	size_t len = strlen(name), alen = family == AF_INET ? 4 : 16;
	uint32_t h, idx;
	uint64_t exp;
	struct fqdn_slot *s;

	if (!fqdn_name_ok(name, len) || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	if (ttl_s == 0)
		ttl_s = 1;
	if (ttl_s > FQDN_CACHE_TTL_MAX)
		ttl_s = FQDN_CACHE_TTL_MAX;
	exp = now_s + ttl_s;
	h = fqdn_hash(name, len, family, ip);
	for (idx = c->buckets[h & c->mask]; idx != NIL; idx = c->slots[idx].next) {
		s = &c->slots[idx];
		if (s->hash == h && s->family == family && memcmp(s->ip, ip, alen) == 0 &&
		    strcmp(s->name, name) == 0) {
			if (exp > s->expires) {
				s->expires = exp;
				c->stats.refreshed++;
			}
			return 0;
		}
	}
	if (c->free == NIL && c->fresh < c->max) {
		c->free = c->fresh++;
		c->slots[c->free].next = NIL;
	} else if (c->free == NIL) {
		uint32_t i, victim = 0;

		for (i = 1; i < c->max; i++)
			if (c->slots[i].expires < c->slots[victim].expires)
				victim = i;
		fqdn_unlink(c, victim);
		c->stats.evicted++;
	}
	idx = c->free;
	s = &c->slots[idx];
	c->free = s->next;
	memcpy(s->name, name, len + 1);
	memset(s->ip, 0, sizeof(s->ip));
	memcpy(s->ip, ip, alen);
	s->family = (uint8_t)family;
	s->expires = exp;
	s->hash = h;
	s->next = c->buckets[h & c->mask];
	c->buckets[h & c->mask] = idx;
	c->count++;
	c->stats.added++;
	return 1;
}

uint32_t
fqdn_cache_expire(struct fqdn_cache *c, uint64_t now_s)
{
	uint32_t i, n = 0;

	for (i = 0; i < c->fresh && c->count > 0; i++) {
		if (c->slots[i].family != 0 && c->slots[i].expires <= now_s) {
			fqdn_unlink(c, i);
			n++;
		}
	}
	c->stats.expired += n;
	return n;
}

void
fqdn_cache_foreach(const struct fqdn_cache *c, fqdn_cache_fn fn, void *cookie)
{
	uint32_t i;

	for (i = 0; i < c->fresh; i++)
		if (c->slots[i].family != 0)
			fn(cookie, c->slots[i].name, c->slots[i].family, c->slots[i].ip,
			   c->slots[i].expires);
}

uint32_t
fqdn_cache_count(const struct fqdn_cache *c)
{
	return c->count;
}

const struct fqdn_cache_stats *
fqdn_cache_stats(const struct fqdn_cache *c)
{
	return &c->stats;
}
