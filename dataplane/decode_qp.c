/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Streaming quoted-printable decoder (RFC 2045 6.7) for MIME parts, so a value split by
 * soft line breaks or written as =XX reads as the user wrote it. A byte-at-a-time state
 * machine like the decoders of decode_text.c (see there for "reprocess"); besides a cut
 * escape, it holds back a run of blanks until it knows whether the run ends a line
 * (deleted, 6.7 (3)) or not (output), bounded by DECODE_QP_WS_MAX:
 *
 *   PLAIN --'='--> EQ --hex--> EQ_HEX --hex--> PLAIN (one byte out)
 *     |             |--SP/TAB/CR/LF--> EQ_WS --CR--> EQ_CR --LF--> PLAIN (soft break)
 *     |             |                    '------LF---------------> PLAIN (soft break)
 *     |             '--other: '=' out, reprocess      (other, in any EQ state: as written)
 *     '--SP/TAB: held; CR--> CR --LF--> held blanks dropped, CRLF out
 *                                '-other: blanks and CR out, reprocess
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "decode_priv.h"
#include "decode_qp.h"

enum { QP_PLAIN, QP_CR, QP_EQ, QP_EQ_HEX, QP_EQ_WS, QP_EQ_CR };

void
decode_qp_init(struct decode_qp *st)
{
	memset(st, 0, sizeof(*st));
	st->state = QP_PLAIN;
}

static bool
is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static void
qp_hold_blank(struct decode_qp *st, uint8_t c)
{
	if (c == '\t')
		st->ws_mask |= (uint32_t)1 << st->ws_n;
	st->ws_n++;
}

/* The held-back blanks were not trailing: output them. */
static void
qp_put_blanks(struct decode_qp *st, struct decode_sink *s)
{
	for (unsigned int k = 0; k < st->ws_n; k++)
		decode_sink_put(s, (st->ws_mask >> k & 1) ? '\t' : ' ');
	st->ws_n = 0;
	st->ws_mask = 0;
}

static void
qp_drop_blanks(struct decode_qp *st)
{
	st->ws_n = 0;
	st->ws_mask = 0;
}

/* An invalid '=' sequence: output as written (but CR, which the caller decides on). */
static void
qp_bad_eq(struct decode_qp *st, struct decode_sink *s)
{
	decode_sink_put(s, '=');
	if (st->state == QP_EQ_HEX)
		decode_sink_put(s, st->hex);
	qp_put_blanks(st, s);
	st->st.invalid++;
	st->state = QP_PLAIN;
}

static bool
qp_plain_run(uint8_t c)
{
	return !(is_blank(c) || c == '\r' || c == '\n' || c == '=');
}

void
decode_qp_feed(struct decode_qp *st, const uint8_t *p, size_t n, decode_out_fn out,
	       void *cookie)
{
	struct decode_sink s;
	size_t i = 0;

	decode_sink_init(&s, out, cookie, &st->st);
	st->st.bytes_in += n;
	while (i < n) {
		uint8_t c = p[i];
		size_t j;

		switch (st->state) {
		case QP_PLAIN:
			if (is_blank(c)) {
				if (st->ws_n == DECODE_QP_WS_MAX)
					qp_put_blanks(st, &s);
				qp_hold_blank(st, c);
				i++;
			} else if (c == '\r') {
				st->state = QP_CR;
				i++;
			} else if (c == '\n') {
				qp_drop_blanks(st);
				decode_sink_put(&s, '\n');
				i++;
			} else {
				qp_put_blanks(st, &s);
				if (c == '=') {
					st->state = QP_EQ;
					i++;
					break;
				}
				for (j = i; j < n && qp_plain_run(p[j]); j++)
					;
				decode_sink_write(&s, p + i, j - i);
				i = j;
			}
			break;
		case QP_CR:
			if (c == '\n') {
				qp_drop_blanks(st);
				decode_sink_put(&s, '\r');
				decode_sink_put(&s, '\n');
				i++;
			} else {
				/* a bare CR is an ordinary byte; c is read again */
				qp_put_blanks(st, &s);
				decode_sink_put(&s, '\r');
			}
			st->state = QP_PLAIN;
			break;
		case QP_EQ:
		case QP_EQ_HEX:
			if (decode_hexval(c) >= 0) {
				i++;
				if (st->state == QP_EQ) {
					st->hex = c;
					st->state = QP_EQ_HEX;
				} else {
					decode_sink_put(&s, (uint8_t)(decode_hexval(st->hex) << 4 |
								  decode_hexval(c)));
					st->state = QP_PLAIN;
				}
				break;
			}
			if (st->state == QP_EQ && (is_blank(c) || c == '\r' || c == '\n')) {
				st->state = QP_EQ_WS;
				break; /* read again as transport padding or line end */
			}
			qp_bad_eq(st, &s);
			break;
		case QP_EQ_WS:
			if (is_blank(c) && st->ws_n < DECODE_QP_WS_MAX) {
				qp_hold_blank(st, c);
				i++;
			} else if (c == '\r') {
				st->state = QP_EQ_CR;
				i++;
			} else if (c == '\n') {
				qp_drop_blanks(st); /* soft line break */
				st->state = QP_PLAIN;
				i++;
			} else {
				qp_bad_eq(st, &s);
			}
			break;
		default: /* QP_EQ_CR */
			if (c == '\n') {
				qp_drop_blanks(st); /* soft line break */
				st->state = QP_PLAIN;
				i++;
			} else {
				qp_bad_eq(st, &s);
				decode_sink_put(&s, '\r');
			}
			break;
		}
	}
	decode_sink_flush(&s);
}

void
decode_qp_finish(struct decode_qp *st, decode_out_fn out, void *cookie)
{
	struct decode_sink s;

	decode_sink_init(&s, out, cookie, &st->st);
	switch (st->state) {
	case QP_PLAIN:
		qp_drop_blanks(st); /* trailing blanks of the last line */
		break;
	case QP_CR:
		qp_put_blanks(st, &s);
		decode_sink_put(&s, '\r');
		break;
	case QP_EQ_WS:
		qp_drop_blanks(st); /* '=' then trailing blanks: '=' is what was meant */
		qp_bad_eq(st, &s);
		break;
	case QP_EQ_CR:
		qp_bad_eq(st, &s);
		decode_sink_put(&s, '\r');
		break;
	default: /* QP_EQ, QP_EQ_HEX */
		qp_bad_eq(st, &s);
		break;
	}
	decode_sink_flush(&s);
	st->state = QP_PLAIN;
	qp_drop_blanks(st);
}
