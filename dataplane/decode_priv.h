/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the text decoders (decode_text.c, decode_qp.c, decode_b64.c) share, internal to
 * them: a hex digit's value, and the output side. Decoded
 * bytes gather in a small buffer on the stack of one feed/finish call and go to the
 * caller's callback when it fills and when the call returns, so a decoder state never
 * holds output and the callback is not called once per byte. Runs that pass through
 * unchanged and are at least a buffer long go to the callback straight from the input.
 */
#ifndef TOLLGATE_DECODE_PRIV_H
#define TOLLGATE_DECODE_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_types.h"

#define DECODE_SINK_LEN	2048

/* The value of hex digit c (either case), or -1. */
static inline int
decode_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

struct decode_sink {
	decode_out_fn out;		/* may be NULL: bytes are only counted */
	void *cookie;
	struct decode_stats *st;	/* bytes_out is counted here */
	size_t n;
	uint8_t buf[DECODE_SINK_LEN];
};

static inline void
decode_sink_init(struct decode_sink *s, decode_out_fn out, void *cookie, struct decode_stats *st)
{
	s->out = out;
	s->cookie = cookie;
	s->st = st;
	s->n = 0;
}

static inline void
decode_sink_emit(struct decode_sink *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	s->st->bytes_out += n;
	if (s->out != NULL)
		s->out(s->cookie, p, n);
}

static inline void
decode_sink_flush(struct decode_sink *s)
{
	decode_sink_emit(s, s->buf, s->n);
	s->n = 0;
}

static inline void
decode_sink_put(struct decode_sink *s, uint8_t c)
{
	if (s->n == DECODE_SINK_LEN)
		decode_sink_flush(s);
	s->buf[s->n++] = c;
}

static inline void
decode_sink_write(struct decode_sink *s, const uint8_t *p, size_t n)
{
	if (n > DECODE_SINK_LEN - s->n) {
		decode_sink_flush(s);
		if (n >= DECODE_SINK_LEN) {
			decode_sink_emit(s, p, n);
			return;
		}
	}
	memcpy(s->buf + s->n, p, n);
	s->n += n;
}

#endif
