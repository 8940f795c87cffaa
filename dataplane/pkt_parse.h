/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TOLLGATE_PKT_PARSE_H
#define TOLLGATE_PKT_PARSE_H

#include "pkt_parse_types.h"

/*
 * Parse an Ethernet frame of len bytes at p into *m. Checks every length before reading it;
 * never reads outside [p, p + len). Pure: no EAL, no allocation, any thread.
 *
 * Returns PKT_OK for a frame that parsed (including non-IP frames, m->l3 = PKT_L3_NONE, and
 * IP fragments, m->is_fragment = 1, where L4 fields are left zero for non-first fragments
 * and for first fragments too: the L4 header is read after reassembly). Returns a
 * positive enum pkt_err naming the first problem otherwise; *m is then partly filled.
 */
enum pkt_err pkt_parse(const uint8_t *p, uint32_t len, struct pkt_meta *m);

/*
 * Parse only as far as the IP addresses (L2 + L3 header, no L4, no ext-header walk past the
 * fixed header). Used by the software dispatcher to hash both directions and all
 * fragments of a flow to one worker. Returns PKT_OK and fills m->l3, src, dst, vlan.
 */
enum pkt_err pkt_parse_l3(const uint8_t *p, uint32_t len, struct pkt_meta *m);

/* Stable snake_case name of a reason, for counters and metrics ("ipv4_hlen"). */
const char *pkt_err_name(enum pkt_err e);

#endif
