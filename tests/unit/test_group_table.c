/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the address -> policy group table (dataplane/group_table.c and the lookup in
 * group_table.h): the empty table, whole-space and top-of-space entries of both families,
 * nested and crossing ranges, one group's overlaps, merging of neighbours, the families kept
 * apart, every refusal, and 10,000 random entries checked against a brute-force membership
 * function over 100,000 lookups.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "group_table.h"

#define G(n) (POLICY_GROUP_FIRST_USER + (n))	/* the n-th user group, from 0 */

struct addr {
	uint8_t b[16];
	int family;
};

static struct addr
A(const char *s)
{
	struct addr a;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, s, a.b) == 1) {
		a.family = AF_INET;
		return a;
	}
	if (inet_pton(AF_INET6, s, a.b) != 1)
		fail_msg("bad test address %s", s);
	a.family = AF_INET6;
	return a;
}

/* The set as group indexes joined by ' ', e.g. "0 2 5". */
static void
set_text(const struct group_set *s, char *buf, size_t len)
{
	size_t o = 0;
	unsigned int g;

	buf[0] = '\0';
	for (g = 0; g < GROUP_TABLE_WORDS * 64; g++) {
		if ((s->w[g / 64] >> (g % 64) & 1) == 0)
			continue;
		o += (size_t)snprintf(buf + o, len - o, "%s%u", o > 0 ? " " : "", g);
		assert_true(o < len);
	}
}

/* The groups of address text in t; s is checked against the lookup of the table. */
static void
assert_groups(const struct group_table *t, const char *ip, const char *expected)
{
	struct addr a = A(ip);
	struct group_set s;
	char got[1200];

	memset(&s, 0xa5, sizeof(s));
	group_table_lookup(t, a.family, a.b, &s);
	set_text(&s, got, sizeof(got));
	if (strcmp(got, expected) != 0)
		fail_msg("%s: got {%s}, expected {%s}", ip, got, expected);
}

static struct group_table_builder *
builder(void)
{
	struct group_table_builder *b = group_table_builder_create();

	assert_non_null(b);
	return b;
}

static void
add_cidr(struct group_table_builder *b, const char *ip, unsigned int prefix, unsigned int g)
{
	struct addr a = A(ip);

	assert_int_equal(group_table_add_cidr(b, a.family, a.b, prefix, g), 0);
}

static void
add_range(struct group_table_builder *b, const char *lo, const char *hi, unsigned int g)
{
	struct addr l = A(lo), h = A(hi);

	assert_int_equal(l.family, h.family);
	assert_int_equal(group_table_add_range(b, l.family, l.b, h.b, g), 0);
}

static void
add_ip(struct group_table_builder *b, const char *ip, unsigned int g)
{
	struct addr a = A(ip);

	assert_int_equal(group_table_add_ip(b, a.family, a.b, g), 0);
}

static struct group_table *
build(const struct group_table_builder *b, unsigned int n_user_groups)
{
	char err[256];
	struct group_table *t = group_table_build(b, n_user_groups, err, sizeof(err));

	if (t == NULL)
		fail_msg("%s", err);
	assert_string_equal(err, "");
	return t;
}

static void
test_group_table_empty_table_puts_everything_in_external(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t = build(b, 0);

	(void)state;
	assert_int_equal(group_table_intervals(t, AF_INET), 1);
	assert_int_equal(group_table_intervals(t, AF_INET6), 1);
	assert_int_equal(group_table_intervals(t, AF_UNIX), 0);
	assert_int_equal(t->nsets, 1);
	/* Six regions of 64 bytes: header, 1 set, 1 IPv6 start, 1 IPv4 start, 2 index arrays. */
	assert_int_equal(group_table_memsize(t), 384);
	assert_groups(t, "0.0.0.0", "0 1");
	assert_groups(t, "10.1.2.3", "0 1");
	assert_groups(t, "255.255.255.255", "0 1");
	assert_groups(t, "::", "0 1");
	assert_groups(t, "2001:db8::1", "0 1");
	assert_groups(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_null_table_and_unknown_family_read_as_external(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;
	struct addr a = A("10.0.0.1");
	struct group_set s;
	char got[64];

	(void)state;
	add_cidr(b, "0.0.0.0", 0, G(0));
	t = build(b, 1);
	group_table_lookup(t, AF_UNIX, a.b, &s);
	set_text(&s, got, sizeof(got));
	assert_string_equal(got, "0 1");
	group_table_lookup(NULL, AF_INET, a.b, &s);
	set_text(&s, got, sizeof(got));
	assert_string_equal(got, "0 1");
	assert_int_equal(group_table_memsize(NULL), 0);
	assert_int_equal(group_table_intervals(NULL, AF_INET), 0);
	group_table_free(t);
	group_table_free(NULL);
	group_table_builder_free(b);
	group_table_builder_free(NULL);
}

static void
test_group_table_ipv4_default_route_covers_the_whole_space(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_cidr(b, "0.0.0.0", 0, G(0));
	t = build(b, 1);
	assert_int_equal(group_table_intervals(t, AF_INET), 1);
	assert_int_equal(group_table_intervals(t, AF_INET6), 1);
	assert_groups(t, "0.0.0.0", "0 2");
	assert_groups(t, "127.0.0.1", "0 2");
	assert_groups(t, "255.255.255.255", "0 2");
	/* IPv6 is another space. */
	assert_groups(t, "::", "0 1");
	assert_groups(t, "::ffff:10.0.0.1", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_ipv6_default_route_and_full_range_cover_the_whole_space(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_cidr(b, "::", 0, G(0));
	add_range(b, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", G(1));
	t = build(b, 2);
	assert_int_equal(group_table_intervals(t, AF_INET6), 1);
	assert_int_equal(group_table_intervals(t, AF_INET), 1);
	assert_groups(t, "::", "0 2 3");
	assert_groups(t, "8000::", "0 2 3");
	assert_groups(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0 2 3");
	assert_groups(t, "0.0.0.0", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_ranges_ending_at_the_top_address_do_not_wrap(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_range(b, "255.255.255.0", "255.255.255.255", G(0));
	add_ip(b, "255.255.255.255", G(1));
	add_cidr(b, "ffff::", 16, G(2));
	add_ip(b, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", G(3));
	t = build(b, 4);
	/* ext | g2 | g2+g3 ; ext | g4 | g4+g5 */
	assert_int_equal(group_table_intervals(t, AF_INET), 3);
	assert_int_equal(group_table_intervals(t, AF_INET6), 3);
	assert_groups(t, "0.0.0.0", "0 1");
	assert_groups(t, "255.255.254.255", "0 1");
	assert_groups(t, "255.255.255.0", "0 2");
	assert_groups(t, "255.255.255.254", "0 2");
	assert_groups(t, "255.255.255.255", "0 2 3");
	assert_groups(t, "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0 1");
	assert_groups(t, "ffff::", "0 4");
	assert_groups(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "0 4");
	assert_groups(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "0 4 5");
	assert_groups(t, "::", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_nested_cidrs_of_different_groups_stack(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	/* Added inner first: the order of adds does not matter. */
	add_cidr(b, "10.1.2.0", 24, G(2));
	add_cidr(b, "10.1.0.0", 16, G(1));
	add_cidr(b, "10.0.0.0", 8, G(0));
	t = build(b, 3);
	assert_int_equal(group_table_intervals(t, AF_INET), 7);
	assert_int_equal(t->nsets, 4);
	assert_groups(t, "9.255.255.255", "0 1");
	assert_groups(t, "10.0.0.0", "0 2");
	assert_groups(t, "10.0.255.255", "0 2");
	assert_groups(t, "10.1.0.0", "0 2 3");
	assert_groups(t, "10.1.1.255", "0 2 3");
	assert_groups(t, "10.1.2.0", "0 2 3 4");
	assert_groups(t, "10.1.2.255", "0 2 3 4");
	assert_groups(t, "10.1.3.0", "0 2 3");
	assert_groups(t, "10.1.255.255", "0 2 3");
	assert_groups(t, "10.2.0.0", "0 2");
	assert_groups(t, "10.255.255.255", "0 2");
	assert_groups(t, "11.0.0.0", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_overlapping_entries_of_one_group_count_once(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_cidr(b, "10.0.0.0", 24, G(0));
	add_range(b, "10.0.0.128", "10.0.1.127", G(0));
	/* The same CIDR twice: ending one copy must not end the group. */
	add_cidr(b, "10.0.5.0", 24, G(0));
	add_cidr(b, "10.0.5.0", 24, G(0));
	add_ip(b, "10.0.5.77", G(0));
	t = build(b, 1);
	assert_int_equal(group_table_intervals(t, AF_INET), 5);
	assert_groups(t, "10.0.0.0", "0 2");
	assert_groups(t, "10.0.0.200", "0 2");
	assert_groups(t, "10.0.0.255", "0 2");
	assert_groups(t, "10.0.1.127", "0 2");
	assert_groups(t, "10.0.1.128", "0 1");
	assert_groups(t, "10.0.4.255", "0 1");
	assert_groups(t, "10.0.5.0", "0 2");
	assert_groups(t, "10.0.5.77", "0 2");
	assert_groups(t, "10.0.5.78", "0 2");
	assert_groups(t, "10.0.5.255", "0 2");
	assert_groups(t, "10.0.6.0", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_range_crossing_a_cidr_splits_into_three(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_cidr(b, "192.168.1.0", 24, G(0));
	add_range(b, "192.168.0.200", "192.168.1.50", G(1));
	add_cidr(b, "2001:db8:0:1::", 64, G(0));
	add_range(b, "2001:db8::ff00", "2001:db8:0:1::50", G(1));
	t = build(b, 2);
	assert_int_equal(group_table_intervals(t, AF_INET), 5);
	assert_int_equal(group_table_intervals(t, AF_INET6), 5);
	assert_groups(t, "192.168.0.199", "0 1");
	assert_groups(t, "192.168.0.200", "0 3");
	assert_groups(t, "192.168.0.255", "0 3");
	assert_groups(t, "192.168.1.0", "0 2 3");
	assert_groups(t, "192.168.1.50", "0 2 3");
	assert_groups(t, "192.168.1.51", "0 2");
	assert_groups(t, "192.168.1.255", "0 2");
	assert_groups(t, "192.168.2.0", "0 1");
	assert_groups(t, "2001:db8::feff", "0 1");
	assert_groups(t, "2001:db8::ff00", "0 3");
	assert_groups(t, "2001:db8:0:0:ffff:ffff:ffff:ffff", "0 3");
	assert_groups(t, "2001:db8:0:1::", "0 2 3");
	assert_groups(t, "2001:db8:0:1::50", "0 2 3");
	assert_groups(t, "2001:db8:0:1::51", "0 2");
	assert_groups(t, "2001:db8:0:1:ffff:ffff:ffff:ffff", "0 2");
	assert_groups(t, "2001:db8:0:2::", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_adjacent_intervals_with_the_same_set_merge(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;
	unsigned int i;
	char ip[32];

	(void)state;
	/* Two halves of 10.0.0.0/24: one interval. */
	add_cidr(b, "10.0.0.128", 25, G(0));
	add_cidr(b, "10.0.0.0", 25, G(0));
	/* 10.0.1.0 to 10.0.1.255 written as 256 single addresses: one interval. */
	for (i = 0; i < 256; i++) {
		snprintf(ip, sizeof(ip), "10.0.1.%u", i);
		add_ip(b, ip, G(0));
	}
	/* Touching ranges of different groups stay apart. */
	add_range(b, "10.0.3.0", "10.0.3.9", G(0));
	add_range(b, "10.0.3.10", "10.0.3.20", G(1));
	t = build(b, 2);
	/* ext | 10.0.0.0-10.0.1.255 g2 | ext | 10.0.3.0-9 g2 | 10.0.3.10-20 g3 | ext */
	assert_int_equal(group_table_intervals(t, AF_INET), 6);
	assert_int_equal(t->v4_start[1], 0x0a000000u);
	assert_int_equal(t->v4_start[2], 0x0a000200u);
	assert_int_equal(t->v4_start[3], 0x0a000300u);
	assert_int_equal(t->v4_start[4], 0x0a00030au);
	assert_int_equal(t->v4_start[5], 0x0a000315u);
	assert_groups(t, "10.0.1.255", "0 2");
	assert_groups(t, "10.0.2.0", "0 1");
	assert_groups(t, "10.0.3.9", "0 2");
	assert_groups(t, "10.0.3.10", "0 3");
	assert_groups(t, "10.0.3.21", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_ipv4_and_ipv6_are_kept_apart(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;
	struct addr a = A("10.0.0.1");
	struct group_set s;
	char got[64];

	(void)state;
	add_ip(b, "10.0.0.1", G(0));
	/* The same 4 bytes at the start of an IPv6 address, and as its last 4 bytes. */
	add_cidr(b, "a00:1::", 32, G(1));
	add_ip(b, "::a00:1", G(2));
	t = build(b, 3);
	assert_groups(t, "10.0.0.1", "0 2");
	assert_groups(t, "a00:1::", "0 3");
	assert_groups(t, "::a00:1", "0 4");
	assert_groups(t, "::ffff:10.0.0.1", "0 1");
	/* Bytes 4..15 of an IPv4 address are not read. */
	memset(a.b + 4, 0xee, 12);
	group_table_lookup(t, AF_INET, a.b, &s);
	set_text(&s, got, sizeof(got));
	assert_string_equal(got, "0 2");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_cidr_host_bits_are_ignored(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;

	(void)state;
	add_cidr(b, "10.1.2.3", 8, G(0));
	add_cidr(b, "2001:db8::1", 32, G(1));
	add_cidr(b, "192.0.2.7", 32, G(2));
	t = build(b, 3);
	assert_groups(t, "10.0.0.0", "0 2");
	assert_groups(t, "10.255.255.255", "0 2");
	assert_groups(t, "2001:db8::", "0 3");
	assert_groups(t, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", "0 3");
	assert_groups(t, "192.0.2.6", "0 1");
	assert_groups(t, "192.0.2.7", "0 4");
	assert_groups(t, "192.0.2.8", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_last_user_group_uses_the_last_bit(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;
	char expected[16];

	(void)state;
	add_ip(b, "10.0.0.1", GROUP_TABLE_GROUPS - 1);
	add_ip(b, "10.0.0.1", G(62));	/* bit 64: the first of the second word */
	t = build(b, POLICY_MAX_GROUPS);
	snprintf(expected, sizeof(expected), "0 64 %u", GROUP_TABLE_GROUPS - 1);
	assert_groups(t, "10.0.0.1", expected);
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_bad_adds_are_refused_and_change_nothing(void **state)
{
	struct group_table_builder *b = builder();
	struct addr lo = A("10.0.0.9"), hi = A("10.0.0.1"), v6 = A("::1");
	struct group_table *t;

	(void)state;
	assert_int_equal(group_table_add_ip(b, AF_UNIX, lo.b, G(0)), -EINVAL);
	assert_int_equal(group_table_add_ip(b, 0, lo.b, G(0)), -EINVAL);
	assert_int_equal(group_table_add_range(b, AF_INET, lo.b, hi.b, G(0)), -EINVAL);
	assert_int_equal(group_table_add_range(b, AF_INET, NULL, hi.b, G(0)), -EINVAL);
	assert_int_equal(group_table_add_range(b, AF_INET, lo.b, NULL, G(0)), -EINVAL);
	assert_int_equal(group_table_add_range(NULL, AF_INET, hi.b, lo.b, G(0)), -EINVAL);
	assert_int_equal(group_table_add_ip(b, AF_INET, lo.b, POLICY_GROUP_ANY), -EINVAL);
	assert_int_equal(group_table_add_ip(b, AF_INET, lo.b, POLICY_GROUP_EXTERNAL), -EINVAL);
	assert_int_equal(group_table_add_ip(b, AF_INET, lo.b, GROUP_TABLE_GROUPS), -EINVAL);
	assert_int_equal(group_table_add_cidr(b, AF_INET, lo.b, 33, G(0)), -EINVAL);
	assert_int_equal(group_table_add_cidr(b, AF_INET6, v6.b, 129, G(0)), -EINVAL);
	/* The bounds themselves are fine. */
	assert_int_equal(group_table_add_cidr(b, AF_INET, lo.b, 32, G(0)), 0);
	assert_int_equal(group_table_add_cidr(b, AF_INET6, v6.b, 128, G(0)), 0);
	t = build(b, 1);
	assert_int_equal(group_table_intervals(t, AF_INET), 3);
	assert_int_equal(group_table_intervals(t, AF_INET6), 3);
	assert_groups(t, "10.0.0.1", "0 1");
	assert_groups(t, "10.0.0.9", "0 2");
	assert_groups(t, "::1", "0 2");
	group_table_free(t);
	group_table_builder_free(b);
}

static void
test_group_table_build_refuses_groups_past_the_policy(void **state)
{
	struct group_table_builder *b = builder();
	char err[256];

	(void)state;
	add_ip(b, "10.0.0.1", G(0));
	add_ip(b, "10.0.0.2", G(6));
	add_ip(b, "::3", G(7));
	errno = 0;
	assert_null(group_table_build(b, 7, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "group table: entry 2: group 9 is out of range (expected 2 to 8 "
			    "for 7 user groups)");
	errno = 0;
	assert_null(group_table_build(b, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "group table: entry 0: group 2 is out of range (expected no "
			    "entries: the policy has no user groups)");
	errno = 0;
	assert_null(group_table_build(b, POLICY_MAX_GROUPS + 1, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "group table: 257 user groups (expected at most 256)");
	errno = 0;
	assert_null(group_table_build(NULL, 1, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_string_equal(err, "group table: builder is NULL");
	/* No buffer is fine; a short one is cut and terminated. */
	assert_null(group_table_build(b, 7, NULL, 0));
	assert_null(group_table_build(b, 7, err, 12));
	assert_string_equal(err, "group table");
	group_table_builder_free(b);
}

static void
test_group_table_outlives_its_builder_and_builds_again(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t1, *t2;

	(void)state;
	add_cidr(b, "10.0.0.0", 8, G(0));
	t1 = build(b, 1);
	add_cidr(b, "10.0.0.0", 16, G(1));
	t2 = build(b, 2);
	group_table_builder_free(b);
	assert_groups(t1, "10.0.0.1", "0 2");
	assert_groups(t2, "10.0.0.1", "0 2 3");
	assert_groups(t2, "10.1.0.1", "0 2");
	group_table_free(t1);
	group_table_free(t2);
}

static void
test_group_table_many_ips_of_one_group_share_one_set(void **state)
{
	struct group_table_builder *b = builder();
	struct group_table *t;
	unsigned int i;
	char ip[32];

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof(ip), "10.%u.%u.1", i / 256, i % 256);
		add_ip(b, ip, G(0));
	}
	t = build(b, 1);
	assert_int_equal(group_table_intervals(t, AF_INET), 2001);
	assert_int_equal(t->nsets, 2);
	assert_groups(t, "10.0.0.1", "0 2");
	assert_groups(t, "10.3.231.1", "0 2");
	assert_groups(t, "10.3.232.1", "0 1");
	assert_groups(t, "10.3.231.2", "0 1");
	group_table_free(t);
	group_table_builder_free(b);
}

/* Random cross-check */

#define RAND_ENTRIES	10000
#define RAND_LOOKUPS	100000
#define RAND_GROUPS	POLICY_MAX_GROUPS

/* splitmix64: small, seeded, identical on every run. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* An IPv6 address as two halves, compared as a number. */
struct u128 {
	uint64_t hi, lo;
};

static int
u128_cmp(struct u128 a, struct u128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* A reference entry: a CIDR (kept as address and prefix) or an inclusive range. */
struct ref {
	int family;
	bool cidr;
	unsigned int prefix;
	unsigned int group;
	struct u128 lo, hi;	/* IPv4 in lo.lo; for a CIDR, lo is the address */
};

static void
to_bytes(int family, struct u128 v, uint8_t b[16])
{
	unsigned int i;

	memset(b, 0, 16);
	if (family == AF_INET) {
		for (i = 0; i < 4; i++)
			b[i] = (uint8_t)(v.lo >> (24 - 8 * i));
		return;
	}
	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(v.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(v.lo >> (56 - 8 * i));
	}
}

/* Whether a starts with the prefix bits of p: the definition, not lo/hi arithmetic. */
static bool
prefix_match(int family, struct u128 a, struct u128 p, unsigned int prefix)
{
	if (family == AF_INET)
		return prefix == 0 || ((a.lo ^ p.lo) >> (32 - prefix)) == 0;
	if (prefix <= 64)
		return prefix == 0 || ((a.hi ^ p.hi) >> (64 - prefix)) == 0;
	return a.hi == p.hi && ((a.lo ^ p.lo) >> (128 - prefix)) == 0;
}

/* The expected set of a: a scan of every entry, then the any/external rule. */
static void
brute_force(const struct ref *r, size_t n, int family, struct u128 a, struct group_set *out)
{
	bool user = false;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++) {
		bool in;

		if (r[i].family != family)
			continue;
		if (r[i].cidr)
			in = prefix_match(family, a, r[i].lo, r[i].prefix);
		else
			in = u128_cmp(r[i].lo, a) <= 0 && u128_cmp(a, r[i].hi) <= 0;
		if (in) {
			out->w[r[i].group / 64] |= UINT64_C(1) << (r[i].group % 64);
			user = true;
		}
	}
	out->w[0] |= 1;
	if (!user)
		out->w[0] |= 2;
}

/*
 * A random address of family, mostly inside a small region (10.0.0.0/12, 2001:db8::/100)
 * so that entries overlap a lot, sometimes anywhere, sometimes at the ends of the space.
 */
static struct u128
rnd_addr(uint64_t *s, int family)
{
	uint64_t r = rnd(s), kind = r % 16;
	struct u128 v = { 0, 0 };

	if (family == AF_INET) {
		if (kind == 0)
			v.lo = rnd(s) & 0xffffffffu;
		else if (kind == 1)
			v.lo = 0xffffffffu - rnd(s) % 4096;
		else if (kind == 2)
			v.lo = rnd(s) % 4096;
		else
			v.lo = 0x0a000000u | (rnd(s) & 0xfffffu);
		return v;
	}
	if (kind == 0) {
		v.hi = rnd(s);
		v.lo = rnd(s);
	} else if (kind == 1) {
		v.hi = UINT64_MAX;
		v.lo = UINT64_MAX - rnd(s) % 65536;
	} else if (kind == 2) {
		v.lo = rnd(s) % 65536;
	} else {
		v.hi = UINT64_C(0x20010db800000000);
		v.lo = rnd(s) & 0xfffffffu;
	}
	return v;
}

static struct u128
u128_add_sat(struct u128 a, uint64_t d, int family)
{
	struct u128 r = a;

	if (family == AF_INET) {
		r.lo = a.lo + d > 0xffffffffu ? 0xffffffffu : a.lo + d;
		return r;
	}
	r.lo = a.lo + d;
	if (r.lo < a.lo) {
		if (a.hi == UINT64_MAX)
			return (struct u128){ UINT64_MAX, UINT64_MAX };
		r.hi++;
	}
	return r;
}

static struct u128
u128_step(struct u128 a, int family, int dir)
{
	struct u128 r = a;

	if (dir > 0) {
		if (family == AF_INET)
			r.lo = a.lo == 0xffffffffu ? a.lo : a.lo + 1;
		else
			r = u128_add_sat(a, 1, family);
		return r;
	}
	if (a.lo > 0)
		r.lo--;
	else if (a.hi > 0) {
		r.hi--;
		r.lo = UINT64_MAX;
	}
	return r;
}

static void
test_group_table_random_entries_match_brute_force(void **state)
{
	struct group_table_builder *b = builder();
	struct ref *r = calloc(RAND_ENTRIES, sizeof(*r));
	struct group_table *t;
	uint64_t seed = 42;
	size_t i, n4 = 0;

	(void)state;
	assert_non_null(r);
	/* IPv4 entries first, then IPv6, so the brute force scans one family's part. */
	for (i = 0; i < RAND_ENTRIES; i++) {
		int family = i < RAND_ENTRIES / 2 ? AF_INET : AF_INET6;
		unsigned int width = family == AF_INET ? 32 : 128;
		uint64_t kind = rnd(&seed) % 8;
		uint8_t lo[16], hi[16];

		r[i].family = family;
		r[i].group = POLICY_GROUP_FIRST_USER + (unsigned int)(rnd(&seed) % RAND_GROUPS);
		r[i].lo = rnd_addr(&seed, family);
		n4 += family == AF_INET;
		to_bytes(family, r[i].lo, lo);
		if (kind < 3) {
			/* A CIDR, host bits left set: mostly long prefixes, a few of any length. */
			r[i].cidr = true;
			r[i].prefix = (unsigned int)(kind == 0 && rnd(&seed) % 64 == 0 ?
						     rnd(&seed) % (width + 1) :
						     width - rnd(&seed) % 13);
			assert_int_equal(group_table_add_cidr(b, family, lo, r[i].prefix,
							      r[i].group), 0);
		} else if (kind < 6) {
			r[i].hi = u128_add_sat(r[i].lo, rnd(&seed) % 5000, family);
			to_bytes(family, r[i].hi, hi);
			assert_int_equal(group_table_add_range(b, family, lo, hi, r[i].group), 0);
		} else {
			r[i].hi = r[i].lo;
			assert_int_equal(group_table_add_ip(b, family, lo, r[i].group), 0);
		}
	}
	t = build(b, RAND_GROUPS);
	assert_true(group_table_intervals(t, AF_INET) <= 2 * n4 + 1);
	assert_true(group_table_intervals(t, AF_INET6) <= 2 * (RAND_ENTRIES - n4) + 1);
	assert_true(group_table_memsize(t) <= 6 * 64 + t->nsets * sizeof(struct group_set) +
		    t->n4 * 8 + t->n6 * 20 + 6 * 64);

	for (i = 0; i < RAND_LOOKUPS; i++) {
		struct group_set got, want;
		const struct ref *e = &r[rnd(&seed) % RAND_ENTRIES];
		int family = e->family;
		struct u128 a;
		uint8_t bytes[16];
		char gs[1200], ws[1200];

		/* Half the lookups at or next to an entry's ends, where mistakes hide. */
		switch (rnd(&seed) % 6) {
		case 0:
			a = e->lo;
			break;
		case 1:
			a = u128_step(e->lo, family, -1);
			break;
		case 2:
			a = e->cidr ? rnd_addr(&seed, family) : u128_step(e->hi, family, 1);
			break;
		default:
			a = rnd_addr(&seed, family);
			break;
		}
		to_bytes(family, a, bytes);
		group_table_lookup(t, family, bytes, &got);
		if (family == AF_INET)
			brute_force(r, n4, family, a, &want);
		else
			brute_force(r + n4, RAND_ENTRIES - n4, family, a, &want);
		if (memcmp(&got, &want, sizeof(got)) != 0) {
			set_text(&got, gs, sizeof(gs));
			set_text(&want, ws, sizeof(ws));
			fail_msg("lookup %zu (%s %016llx%016llx): got {%s}, expected {%s}", i,
				 family == AF_INET ? "IPv4" : "IPv6", (unsigned long long)a.hi,
				 (unsigned long long)a.lo, gs, ws);
		}
	}
	group_table_free(t);
	group_table_builder_free(b);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_group_table_empty_table_puts_everything_in_external),
		cmocka_unit_test(test_group_table_null_table_and_unknown_family_read_as_external),
		cmocka_unit_test(test_group_table_ipv4_default_route_covers_the_whole_space),
		cmocka_unit_test(
			test_group_table_ipv6_default_route_and_full_range_cover_the_whole_space),
		cmocka_unit_test(test_group_table_ranges_ending_at_the_top_address_do_not_wrap),
		cmocka_unit_test(test_group_table_nested_cidrs_of_different_groups_stack),
		cmocka_unit_test(test_group_table_overlapping_entries_of_one_group_count_once),
		cmocka_unit_test(test_group_table_range_crossing_a_cidr_splits_into_three),
		cmocka_unit_test(test_group_table_adjacent_intervals_with_the_same_set_merge),
		cmocka_unit_test(test_group_table_ipv4_and_ipv6_are_kept_apart),
		cmocka_unit_test(test_group_table_cidr_host_bits_are_ignored),
		cmocka_unit_test(test_group_table_last_user_group_uses_the_last_bit),
		cmocka_unit_test(test_group_table_bad_adds_are_refused_and_change_nothing),
		cmocka_unit_test(test_group_table_build_refuses_groups_past_the_policy),
		cmocka_unit_test(test_group_table_outlives_its_builder_and_builds_again),
		cmocka_unit_test(test_group_table_many_ips_of_one_group_share_one_set),
		cmocka_unit_test(test_group_table_random_entries_match_brute_force),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
