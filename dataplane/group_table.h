/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_GROUP_TABLE_H
#define TOLLGATE_GROUP_TABLE_H

/*
 * Address -> set of policy groups (DESIGN.md "Policy model"): which groups' CIDRs, ranges,
 * label-resolved IPs and DNS-resolved IPs contain an address. Replaces one rte_lpm per group
 * (a 64 MiB tbl24 each, and no ranges) with one table of sorted disjoint intervals per
 * family, each carrying a group set, looked up by binary search in O(log n).
 *
 * The control thread fills a builder with inclusive address ranges, each tagged with a user
 * group, then builds an immutable table for the next policy snapshot: a sweep over the range
 * boundaries keeps a count per group, so entries of one group may overlap or repeat. The
 * snapshot owns the table and frees it after the RCU grace period; workers only look up.
 *
 * The set a lookup returns always holds POLICY_GROUP_ANY, every user group having the
 * address, and POLICY_GROUP_EXTERNAL exactly when it holds no user group.
 *
 * Addresses are in network byte order in 16 bytes: an IPv4 address in bytes 0..3 (bytes
 * 4..15 are ignored), an IPv6 address in all 16. IPv4 and IPv6 are separate spaces: an
 * IPv4-mapped IPv6 address is looked up as IPv6 (normalise it first, as label_map does).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "group_table_types.h"

struct group_table_builder;

/*
 * An empty builder. Returns NULL with errno ENOMEM. Control thread; the caller owns it and
 * frees it with group_table_builder_free.
 */
struct group_table_builder *group_table_builder_create(void);

/* Free a builder and its entries. NULL is a no-op. Tables built from it stay valid. */
void group_table_builder_free(struct group_table_builder *b);

/*
 * Add the inclusive range lo..hi (AF_INET or AF_INET6) to user group `group`
 * (POLICY_GROUP_FIRST_USER up to GROUP_TABLE_GROUPS - 1; whether the policy has that many
 * groups is checked by group_table_build). Returns 0, or
 *   -EINVAL  b, lo or hi NULL, family neither AF_INET nor AF_INET6, lo > hi, or group a
 *            built-in one (any, external: the table computes those) or past the last
 *   -ENOSPC  the builder already holds GROUP_TABLE_MAX_ENTRIES entries
 *   -ENOMEM  out of memory
 * and on failure the builder is unchanged. lo and hi are copied. Control thread.
 */
int group_table_add_range(struct group_table_builder *b, int family, const uint8_t lo[16],
			  const uint8_t hi[16], unsigned int group);

/*
 * Add addr/prefix to group: prefix 0..32 for AF_INET, 0..128 for AF_INET6 (-EINVAL
 * beyond). Host bits of addr are ignored: 10.1.2.3/8 adds 10.0.0.0..10.255.255.255.
 * Otherwise as group_table_add_range.
 */
int group_table_add_cidr(struct group_table_builder *b, int family, const uint8_t addr[16],
			 unsigned int prefix, unsigned int group);

/* Add the one address ip to group; as group_table_add_range with lo = hi = ip. */
int group_table_add_ip(struct group_table_builder *b, int family, const uint8_t ip[16],
		       unsigned int group);

/*
 * Build the table of every entry added so far, for a policy with n_user_groups user groups
 * (0..POLICY_MAX_GROUPS). The builder is only read: it may be built again or freed after.
 * Returns the table (the caller owns it; group_table_free), or NULL with errno and a
 * message in err (errlen bytes, always NUL-terminated when errlen > 0; err may be NULL when
 * errlen is 0):
 *   EINVAL  b NULL; n_user_groups over POLICY_MAX_GROUPS; an entry's group past the last
 *           user group, e.g. "group table: entry 3: group 9 is out of range (expected 2 to
 *           8 for 7 user groups)"
 *   ENOMEM  "group table: out of memory"
 * Control thread. Time O(n log n), temporary memory O(n) for n entries.
 */
struct group_table *group_table_build(const struct group_table_builder *b,
				      unsigned int n_user_groups, char *err, size_t errlen);

/*
 * Free a table (one free()). NULL is a no-op. The caller makes sure no worker still reads it
 * (RCU grace period of the snapshot that held it).
 */
void group_table_free(struct group_table *t);

/* Bytes of memory the table holds; 0 for NULL. Pure read: any thread. */
size_t group_table_memsize(const struct group_table *t);

/*
 * Intervals of family's partition (AF_INET or AF_INET6; 0 for any other family and for
 * NULL): 1 for an empty table, at most 2 * entries + 1. Neighbours always differ in their
 * set. Pure read: any thread.
 */
size_t group_table_intervals(const struct group_table *t, int family);

/* Set helpers: plain bit operations, any thread. g past the set reads as absent. */

static inline bool
group_set_has(const struct group_set *s, unsigned int g)
{
	return g < GROUP_TABLE_GROUPS && (s->w[g / 64] >> (g % 64) & 1) != 0;
}

/* Add g (ignored when g is past the set). */
static inline void
group_set_add(struct group_set *s, unsigned int g)
{
	if (g < GROUP_TABLE_GROUPS)
		s->w[g / 64] |= UINT64_C(1) << (g % 64);
}

static inline void
group_set_clear(struct group_set *s)
{
	unsigned int i;

	for (i = 0; i < GROUP_TABLE_WORDS; i++)
		s->w[i] = 0;
}

static inline bool
group_set_equal(const struct group_set *a, const struct group_set *b)
{
	unsigned int i;

	for (i = 0; i < GROUP_TABLE_WORDS; i++)
		if (a->w[i] != b->w[i])
			return false;
	return true;
}

/* Number of groups in s. */
static inline unsigned int
group_set_count(const struct group_set *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < GROUP_TABLE_WORDS; i++)
		n += (unsigned int)__builtin_popcountll(s->w[i]);
	return n;
}

static inline uint64_t
group_table_be64(const uint8_t *p)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * The groups of ip (see the top of this file) into out. Pure read of an immutable table:
 * any thread, any number at once; no allocation, no lock, O(log intervals). A NULL table or
 * a family other than AF_INET and AF_INET6 gives {any, external}, the set of an address in
 * no group, so a caller's mistake cannot put traffic in a user group.
 */
static inline void
group_table_lookup(const struct group_table *t, int family, const uint8_t ip[16],
		   struct group_set *out)
{
	uint32_t idx = 0, at = 0, n, half;

	if (t == NULL) {
		group_set_clear(out);
		group_set_add(out, POLICY_GROUP_ANY);
		group_set_add(out, POLICY_GROUP_EXTERNAL);
		return;
	}
	/* The last interval whose start is <= the key; start[0] is 0, so there is one. */
	if (family == AF_INET) {
		uint32_t key = (uint32_t)ip[0] << 24 | (uint32_t)ip[1] << 16 |
			       (uint32_t)ip[2] << 8 | ip[3];

		for (n = t->n4; n > 1; n -= half) {
			half = n / 2;
			if (t->v4_start[at + half] <= key)
				at += half;
		}
		idx = t->v4_set[at];
	} else if (family == AF_INET6) {
		uint64_t hi = group_table_be64(ip), lo = group_table_be64(ip + 8);

		for (n = t->n6; n > 1; n -= half) {
			const struct group_table_key6 *k;

			half = n / 2;
			k = &t->v6_start[at + half];
			if (k->hi < hi || (k->hi == hi && k->lo <= lo))
				at += half;
		}
		idx = t->v6_set[at];
	}
	*out = t->sets[idx];
}

#endif
