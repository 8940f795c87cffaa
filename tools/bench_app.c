/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-sensors, second figure: the sensors with the app layer's decoders on.
 *
 * The content mix of bench_sensors.c is wrapped into what a worker sees on the wire, one
 * message of about 16 KiB per flow direction, in turn:
 *   HTTP POST, JSON body, Content-Length          (plain)
 *   HTTP POST, JSON body, Content-Encoding: gzip  (zlib, level 6)
 *   HTTP POST, body chunked in 1000-byte chunks
 *   HTTP POST, x-www-form-urlencoded body          (spaces as '+')
 *   SMTP mail, the content as a base64 attachment  (multipart/mixed, 76-column lines)
 * cut into 1460-byte segments, interleaved over many flows. Two passes over the same wire
 * bytes: the raw stream only (decoders off), and the app layer (parse, decode, one
 * decoded buffer per body or part on its own sensor stream) followed by the raw stream,
 * as worker_deliver does. Gbit/s counts wire bytes in both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>
#include "app_layer.h"
#include "bench_app.h"
#include "sensor_engine.h"

#define SEG 1460
#define MSG 16384

struct wire {
	uint8_t *p;
	size_t len, cap;
};

static void
wput(struct wire *w, const void *s, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = (w->len + n) * 2;
		uint8_t *p = realloc(w->p, cap);

		if (p == NULL)
			abort();
		w->p = p;
		w->cap = cap;
	}
	memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
wputs(struct wire *w, const char *s)
{
	wput(w, s, strlen(s));
}

static void
wprintf(struct wire *w, const char *fmt, size_t v)
{
	char line[256];
	int n = snprintf(line, sizeof(line), fmt, v);

	wput(w, line, (size_t)n);
}

static size_t
gzip_body(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	len = cap - z.avail_out;
	deflateEnd(&z);
	return len;
}

/* Message k of the mix, over content c[0..n). */
static void
bench_app_message(struct wire *w, unsigned int k, const uint8_t *c, size_t n)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static uint8_t tmp[3 * MSG + 1024];	/* a form body: each '+' takes 3 */
	size_t i, len;

	switch (k % 5) {
	case 0:
		wprintf(w, "POST /api/orders HTTP/1.1\r\nHost: shop.example\r\n"
			"Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n", n);
		wput(w, c, n);
		break;
	case 1:
		len = gzip_body(c, n, tmp, sizeof(tmp));
		wprintf(w, "POST /api/orders HTTP/1.1\r\nHost: shop.example\r\n"
			"Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
			"Content-Length: %zu\r\n\r\n", len);
		wput(w, tmp, len);
		break;
	case 2:
		wputs(w, "POST /upload HTTP/1.1\r\nHost: files.example\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n");
		for (i = 0; i < n; i += 1000) {
			len = n - i < 1000 ? n - i : 1000;
			wprintf(w, "%zx\r\n", len);
			wput(w, c + i, len);
			wput(w, "\r\n", 2);
		}
		wputs(w, "0\r\n\r\n");
		break;
	case 3:
		/* Spaces as '+', a '+' as "%2B" (a phone number's keeps its meaning). */
		for (i = 0, len = 0; i < n; i++) {
			if (c[i] == '+') {
				memcpy(tmp + len, "%2B", 3);
				len += 3;
				continue;
			}
			tmp[len++] = c[i] == ' ' ? '+' :
				     (c[i] == '&' || c[i] == '%' ? '.' : c[i]);
		}
		wprintf(w, "POST /form HTTP/1.1\r\nHost: f.example\r\n"
			"Content-Type: application/x-www-form-urlencoded\r\n"
			"Content-Length: %zu\r\n\r\nnote=", len + 5);
		wput(w, tmp, len);
		break;
	default:
		/* Several mails on one session: each resets with EHLO, no QUIT. */
		wputs(w, "EHLO c.example\r\nMAIL FROM:<a@c.example>\r\nRCPT TO:<b@d.example>\r\n"
		      "DATA\r\nSubject: export\r\nMIME-Version: 1.0\r\n"
		      "Content-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n--xx\r\n"
		      "Content-Type: text/plain\r\n\r\nsee attached\r\n--xx\r\n"
		      "Content-Type: text/csv\r\nContent-Transfer-Encoding: base64\r\n"
		      "Content-Disposition: attachment; filename=\"export.csv\"\r\n\r\n");
		for (i = 0, len = 0; i < n; i += 3) {
			uint32_t v = (uint32_t)c[i] << 16 |
				     (i + 1 < n ? (uint32_t)c[i + 1] << 8 : 0) |
				     (i + 2 < n ? c[i + 2] : 0);
			char q[4] = { b64[v >> 18], b64[(v >> 12) & 63],
				      i + 1 < n ? b64[(v >> 6) & 63] : '=',
				      i + 2 < n ? b64[v & 63] : '=' };

			wput(w, q, 4);
			if ((len += 4) % 76 == 0)
				wput(w, "\r\n", 2);
		}
		wputs(w, "\r\n--xx--\r\n.\r\n");
		break;
	}
}

uint8_t *
bench_app_wrap(unsigned int kind, const uint8_t *c, size_t n, size_t *len)
{
	struct wire w = { NULL, 0, 0 };

	bench_app_message(&w, kind, c, n);
	*len = w.len;
	return w.p;
}

/* ---- a sink over sensor streams, as the worker's ---- */

struct bench_flow {
	const uint8_t *p;
	size_t len, off;
	struct app_flow *af;
	struct sensor_stream *raw;
	struct sensor_stream *buf[2];
};

struct bench_ctx {
	struct sensor_worker *sw;
	struct bench_flow *cur;
	uint64_t matches;
};

static void
bench_cb(void *cookie, const struct sensor_match *m)
{
	struct bench_ctx *c = cookie;

	(void)m;
	c->matches++;
}

static int
bench_open(void *cookie, uint8_t dir, uint8_t level, const char *path)
{
	struct bench_ctx *c = cookie;

	(void)dir;
	(void)path;
	c->cur->buf[level] = sensor_stream_open(c->sw);
	return c->cur->buf[level] != NULL ? 0 : -1;
}

static void
bench_data(void *cookie, uint8_t dir, uint8_t level, const uint8_t *p, size_t n)
{
	struct bench_ctx *c = cookie;

	(void)dir;
	sensor_stream_scan(c->sw, c->cur->buf[level], p, (uint32_t)n, bench_cb, c);
}

static void
bench_close(void *cookie, uint8_t dir, uint8_t level)
{
	struct bench_ctx *c = cookie;

	(void)dir;
	sensor_stream_close(c->sw, c->cur->buf[level], bench_cb, c);
	c->cur->buf[level] = NULL;
}

static const struct app_layer_sink bench_sink = {
	.open = bench_open,
	.data = bench_data,
	.close = bench_close,
};

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass over every message, flows interleaved segment by segment. */
static double
bench_pass(struct bench_ctx *c, struct app_layer *al, struct bench_flow *fl, size_t nf,
	   int decode)
{
	size_t f, left = nf;
	double t = bench_now();

	for (f = 0; f < nf; f++) {
		fl[f].off = 0;
		fl[f].raw = sensor_stream_open(c->sw);
		fl[f].af = decode ? app_layer_attach(al, f % 5 == 4 ? APP_LAYER_SMTP :
							     APP_LAYER_HTTP) : NULL;
	}
	while (left > 0) {
		for (f = 0; f < nf; f++) {
			struct bench_flow *b = &fl[f];
			size_t n;

			if (b->off == b->len)
				continue;
			n = b->len - b->off < SEG ? b->len - b->off : SEG;
			c->cur = b;
			if (b->af != NULL)
				app_layer_data(al, b->af, 0, b->p + b->off, (uint32_t)n, b->off,
					       &bench_sink, c);
			sensor_stream_scan(c->sw, b->raw, b->p + b->off, (uint32_t)n, bench_cb, c);
			b->off += n;
			if (b->off == b->len) {
				if (b->af != NULL) {
					app_layer_finish(al, b->af, &bench_sink, c);
					app_layer_detach(al, b->af);
				}
				sensor_stream_close(c->sw, b->raw, bench_cb, c);
				left--;
			}
		}
	}
	return bench_now() - t;
}

int
bench_app_run(struct sensor_worker *sw, const uint8_t *mix, size_t mix_len, size_t flows,
	      size_t rounds)
{
	struct config_app conf = {
		.enabled = 1, .max_flows = (uint32_t)flows, .decode_memcap = 256u << 20,
		.max_decoded = 16u << 20, .max_ratio = 100, .max_header_line = 8192,
		.max_headers = 128, .base64_min = 64,
	};
	struct bench_ctx c = { .sw = sw };
	struct bench_flow *fl;
	struct wire *w;
	struct app_layer *al;
	char err[256];
	size_t f, k, total = 0, r;
	double off_s = 1e30, on_s = 1e30, t;
	uint64_t off_m = 0, on_m = 0;

	/* No flow without a message: a pass ends when every flow has sent its bytes. */
	if (flows > (mix_len + MSG - 1) / MSG)
		flows = (mix_len + MSG - 1) / MSG;
	if (flows == 0)
		return 0;
	conf.max_flows = (uint32_t)flows;
	al = app_layer_create(&conf, err, sizeof(err));
	fl = calloc(flows, sizeof(*fl));
	w = calloc(flows, sizeof(*w));
	if (al == NULL || fl == NULL || w == NULL) {
		fprintf(stderr, "bench-sensors: app layer: %s\n", al == NULL ? err : "no memory");
		return 1;
	}
	/* Each flow carries consecutive messages of the mix until the mix is used up. */
	for (k = 0; k * MSG < mix_len; k++) {
		size_t n = mix_len - k * MSG < MSG ? mix_len - k * MSG : MSG;

		f = k % flows;
		bench_app_message(&w[f], (unsigned int)f, mix + k * MSG, n);
	}
	for (f = 0; f < flows; f++) {
		fl[f].p = w[f].p;
		fl[f].len = w[f].len;
		total += w[f].len;
	}
	for (r = 0; r < rounds; r++) {
		c.matches = 0;
		t = bench_pass(&c, al, fl, flows, 0);
		off_s = t < off_s ? t : off_s;
		off_m = c.matches;
		c.matches = 0;
		t = bench_pass(&c, al, fl, flows, 1);
		on_s = t < on_s ? t : on_s;
		on_m = c.matches;
	}
	printf("  decoders: %zu MiB on the wire (HTTP JSON plain / gzip / chunked / form, SMTP "
	       "base64 attachments; %zu flows)\n", total >> 20, flows);
	printf("  raw stream only %8.2f Gbit/s  (%llu matches)\n", total * 8 / off_s / 1e9,
	       (unsigned long long)off_m);
	printf("  app layer + raw %8.2f Gbit/s  (%llu matches, decoded buffers included)\n",
	       total * 8 / on_s / 1e9, (unsigned long long)on_m);
	printf("  decoders on / off %6.2f\n", off_s / on_s);
	for (f = 0; f < flows; f++)
		free(w[f].p);
	free(w);
	free(fl);
	app_layer_free(al);
	return 0;
}
