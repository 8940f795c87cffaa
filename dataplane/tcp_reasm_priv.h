/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP reassembly internals, shared by tcp_reasm.c and its unit test only: the layout of a
 * pool block and the module's limits. Other modules see struct tcp_reasm_seg as opaque.
 */
#ifndef TOLLGATE_TCP_REASM_PRIV_H
#define TOLLGATE_TCP_REASM_PRIV_H

#include <stdint.h>

#include "tcp_reasm_types.h"

/* Smallest block tcp_reasm_pool_init accepts, header included. */
#define TCP_REASM_MIN_BLOCK	128
/* Blocks start on, and are sized in multiples of, this many bytes. */
#define TCP_REASM_BLOCK_ALIGN	8
/*
 * An ACK further ahead of next_seq than this is garbage (or an attack), not a gap: the
 * largest window RFC 7323 allows is 2^30 bytes.
 */
#define TCP_REASM_MAX_ACK_AHEAD	(UINT32_C(1) << 30)

/*
 * One pool block, block_size bytes in all: this header, then the payload. On the free list
 * only next is meaningful. While held by a direction, data[0 .. len) are the stream bytes
 * [seq, seq + len) and next is the following held block (higher seq) of that direction.
 */
struct tcp_reasm_seg {
	struct tcp_reasm_seg *next;
	uint32_t seq;
	uint32_t len;
	uint8_t data[];
};

/* Payload bytes one block of pool holds. */
static inline uint32_t
tcp_reasm_block_payload(const struct tcp_reasm_pool *pool)
{
	return pool->block_size - (uint32_t)sizeof(struct tcp_reasm_seg);
}

#endif
