/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse and check helpers for the pkt_parse unit tests: every parse goes through an
 * exactly-sized heap copy so ASan and valgrind catch any read past the end, and a PKT_OK
 * result can be checked for ordered, in-frame offsets. Builds on pkt_build (struct frame
 * and the addresses it writes); pkt_build calls nothing here.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt_parse.h"
#include "pkt_build.h"
#include "pkt_check.h"

/* Parse a heap copy of exactly n bytes (NULL when n is 0) so any overread is caught. */
enum pkt_err
parse_exact(const uint8_t *d, uint32_t n, struct pkt_meta *m, int l3_only)
{
	uint8_t *copy = NULL;
	enum pkt_err rc;

	if (n > 0) {
		copy = malloc(n);
		assert_non_null(copy);
		memcpy(copy, d, n);
	}
	rc = l3_only ? pkt_parse_l3(copy, n, m) : pkt_parse(copy, n, m);
	free(copy);
	return rc;
}

enum pkt_err
parse_frame(const struct frame *f, struct pkt_meta *m)
{
	return parse_exact(f->b, f->len, m, 0);
}

/* Offsets of a PKT_OK result are ordered and inside the frame. */
void
assert_consistent(const struct pkt_meta *m, uint32_t len)
{
	assert_true(m->vlan_count <= PKT_MAX_VLANS);
	assert_true(m->l3_off <= len);
	if (m->l3 == PKT_L3_NONE) {
		assert_int_equal(m->ip_end, 0);
		assert_int_equal(m->payload_off, 0);
		assert_int_equal(m->payload_len, 0);
		return;
	}
	assert_true(m->l3 == PKT_L3_IPV4 || m->l3 == PKT_L3_IPV6);
	assert_true(m->l3_off + 20 <= m->l4_off);
	assert_true(m->l4_off <= m->payload_off);
	assert_true(m->payload_off + m->payload_len <= m->ip_end);
	assert_true(m->ip_end <= len);
	if (m->is_fragment) {
		assert_int_equal(m->sport, 0);
		assert_int_equal(m->seq, 0);
	} else if (m->l4_proto == 6) {
		assert_true(m->wscale <= 14 || m->wscale == 0xff);
	}
}

void
assert_ip4_addrs(const struct pkt_meta *m)
{
	static const uint8_t zero[12];

	assert_memory_equal(m->src, ip4_src, 4);
	assert_memory_equal(m->dst, ip4_dst, 4);
	assert_memory_equal(m->src + 4, zero, 12);
	assert_memory_equal(m->dst + 4, zero, 12);
}

void
assert_ip6_addrs(const struct pkt_meta *m)
{
	assert_memory_equal(m->src, ip6_src, 16);
	assert_memory_equal(m->dst, ip6_dst, 16);
}
