/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Group table types: the set of policy groups an address belongs to, and the layout of the
 * immutable address -> group set table (group_table.h) that the policy snapshot holds.
 *
 * The layout is here rather than in a _priv.h only because the data-path lookup is a static
 * inline in group_table.h (data-path and control-plane code never share a .c file, as
 * rte_lpm keeps its tables in rte_lpm.h for rte_lpm_lookup). Code outside group_table.c
 * treats struct group_table as opaque and reads it through group_table.h alone.
 */
#ifndef TOLLGATE_GROUP_TABLE_TYPES_H
#define TOLLGATE_GROUP_TABLE_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "policy_types.h"

/* Bits of a set: POLICY_GROUP_ANY, POLICY_GROUP_EXTERNAL, then the user groups. */
#define GROUP_TABLE_GROUPS	(POLICY_GROUP_FIRST_USER + POLICY_MAX_GROUPS)
#define GROUP_TABLE_WORDS	((GROUP_TABLE_GROUPS + 63) / 64)

/* Most address entries a builder takes (CIDRs, ranges and IPs of every group together). */
#define GROUP_TABLE_MAX_ENTRIES	(1u << 24)

/* A set of group indexes: bit g of w[g / 64] is group g. */
struct group_set {
	uint64_t w[GROUP_TABLE_WORDS];
};

/* An IPv6 address as a number: hi holds bytes 0..7, lo bytes 8..15. */
struct group_table_key6 {
	uint64_t hi;
	uint64_t lo;
};

/*
 * The table partitions each family's address space into intervals, every address in
 * exactly one; interval i runs from start[i] up to start[i + 1] - 1 (the last one up to
 * the family's highest address). start[0] is 0 and starts ascend strictly, so the interval
 * of an address is the last one whose start is <= it. Neighbouring intervals never have the
 * same set (they are merged at build). Intervals in no user group are kept (their set is
 * {any, external}) so that the lookup needs no end bound and no miss case.
 *
 *   v4_start:  0          10.0.0.0     10.0.1.0     10.1.0.0 ...
 *   v4_set:    0          3            4            0        ... (indexes into sets)
 *   sets:      [0] = {any, external}, [3] = {any, g2}, [4] = {any, g2, g5}, ...
 *
 * sets holds each distinct set once, as lookup returns it (the any bit set, the external
 * bit set exactly when no user bit is), and sets[0] is {any, external}.
 */
struct group_table {
	uint32_t n4;				/* IPv4 intervals, at least 1 */
	uint32_t n6;				/* IPv6 intervals, at least 1 */
	uint32_t nsets;				/* distinct sets, at least 1 */
	size_t memsize;				/* bytes of the one allocation */
	const uint32_t *v4_start;		/* [n4], host order */
	const uint32_t *v4_set;			/* [n4], indexes into sets */
	const struct group_table_key6 *v6_start;	/* [n6] */
	const uint32_t *v6_set;			/* [n6], indexes into sets */
	const struct group_set *sets;		/* [nsets] */
};

#endif
