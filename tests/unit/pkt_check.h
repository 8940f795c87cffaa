/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Parse and check helpers for the pkt_parse unit tests (pkt_check.c). They assert with
 * cmocka, so they may only be called from inside a running cmocka test.
 */
#ifndef TOLLGATE_TESTS_PKT_CHECK_H
#define TOLLGATE_TESTS_PKT_CHECK_H

#include <stdint.h>

#include "pkt_parse.h"
#include "pkt_build.h"

/*
 * Parse a heap copy of exactly n bytes of d (NULL when n is 0) with pkt_parse, or with
 * pkt_parse_l3 when l3_only is set, so any overread is caught by ASan or valgrind.
 */
enum pkt_err parse_exact(const uint8_t *d, uint32_t n, struct pkt_meta *m, int l3_only);

/* parse_exact of the whole of f with pkt_parse. */
enum pkt_err parse_frame(const struct frame *f, struct pkt_meta *m);

/* Assert that the offsets of a PKT_OK result over len bytes are ordered and in the frame. */
void assert_consistent(const struct pkt_meta *m, uint32_t len);

/* Assert that m holds the addresses pkt_build writes (IPv4 ones zero-extended). */
void assert_ip4_addrs(const struct pkt_meta *m);
void assert_ip6_addrs(const struct pkt_meta *m);

#endif
