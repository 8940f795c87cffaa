/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tools/bench's traffic. A generated mix (bench_mix.c) is cut into messages of about
 * 16 KiB, each the request of one TCP connection from its own client address:
 *
 *   C->S SYN, S->C SYN-ACK, C->S ACK
 *   C->S request in 1460-byte segments (ACK, PSH on the last); S->C ACK every 2 segments
 *   S->C response (HTTP 200 / SMTP 250), C->S ACK
 *   C->S FIN, S->C FIN, C->S ACK          (the flow is closed: state does not grow)
 *
 * Ethernet, IPv4 and TCP headers are real, checksums included (the worker checks them;
 * the bench updates the TCP checksum with the port, RFC 1624). A pcap file is read as it
 * is: its flows are its IP address pairs, its "client port" the higher port of each TCP
 * or UDP frame over IPv4.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_app.h"
#include "bench_mix.h"
#include "bench_traffic.h"

#define MSG 16384
#define SEG 1460
#define HDR (14 + 20 + 20)
#define SERVER_IP 0x0AFF0001u	/* 10.255.0.1 */

static const char http_resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char smtp_resp[] = "250 2.0.0 Ok: queued\r\n";

struct tbuild {
	struct bench_traffic *t;
	size_t cap;
};

static int
tb_grow(struct tbuild *b)
{
	struct bench_frame *p;

	if (b->t->nframes < b->cap)
		return 0;
	b->cap = b->cap == 0 ? 4096 : b->cap * 2;
	p = realloc(b->t->frames, b->cap * sizeof(*p));
	if (p == NULL)
		return -1;
	b->t->frames = p;
	return 0;
}

/* The one's complement sum of p[0..n), added to s (RFC 1071). */
static uint32_t
csum_add(uint32_t s, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		s += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	return s;
}

static uint16_t
csum_fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* One frame of flow f: to_server, TCP flags, sequence numbers and payload. */
static int
tb_frame(struct tbuild *b, uint32_t f, uint32_t cip, uint16_t sport, uint16_t dport,
	 int to_server, uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *pl,
	 uint16_t len)
{
	struct bench_frame *fr;
	uint8_t *p;
	uint32_t src = to_server ? cip : SERVER_IP, dst = to_server ? SERVER_IP : cip;
	uint16_t sp = to_server ? sport : dport, dp = to_server ? dport : sport, ck;

	if (tb_grow(b) != 0 || (p = calloc(1, HDR + len)) == NULL)
		return -1;
	memcpy(p, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	p[14] = 0x45;
	p[16] = (uint8_t)((20 + 20 + len) >> 8);
	p[17] = (uint8_t)(20 + 20 + len);
	p[20] = 0x40;	/* DF */
	p[22] = 64;
	p[23] = IPPROTO_TCP;
	src = htonl(src);
	dst = htonl(dst);
	memcpy(p + 26, &src, 4);
	memcpy(p + 30, &dst, 4);
	ck = csum_fold(csum_add(0, p + 14, 20));
	p[24] = (uint8_t)(ck >> 8);
	p[25] = (uint8_t)ck;
	p[34] = (uint8_t)(sp >> 8);
	p[35] = (uint8_t)sp;
	p[36] = (uint8_t)(dp >> 8);
	p[37] = (uint8_t)dp;
	seq = htonl(seq);
	ack = htonl(ack);
	memcpy(p + 38, &seq, 4);
	memcpy(p + 42, &ack, 4);
	p[46] = 5 << 4;
	p[47] = flags;
	p[48] = 0xff;
	p[49] = 0xff;
	if (len > 0)
		memcpy(p + HDR, pl, len);
	/* TCP checksum: the pseudo header (addresses, protocol, length), header, payload. */
	ck = csum_fold(csum_add(csum_add(IPPROTO_TCP + 20u + len, p + 26, 8), p + 34, 20u + len));
	p[50] = (uint8_t)(ck >> 8);
	p[51] = (uint8_t)ck;
	fr = &b->t->frames[b->t->nframes++];
	fr->data = p;
	fr->len = (uint16_t)(HDR + len);
	fr->port_off = to_server ? 34 : 36;
	fr->port = sport;
	fr->cksum_off = 50;
	fr->payload_off = HDR;
	fr->payload = len;
	fr->flow = f;
	fr->to_server = (uint8_t)to_server;
	b->t->wire_bytes += fr->len;
	b->t->payload_bytes += len;
	return 0;
}

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_PSH 0x08
#define TH_ACK 0x10

/* Connection f carrying req (client) and resp (server). */
static int
tb_flow(struct tbuild *b, uint32_t f, uint16_t dport, const uint8_t *req, size_t n,
	const char *resp)
{
	uint32_t cip = 0x0A000000u | (f + 1);	/* 10.x.y.z: one client address a flow */
	uint16_t sport = 40000;
	uint32_t c = 1000, s = 500000;	/* initial sequence numbers */
	uint16_t rlen = (uint16_t)strlen(resp);
	size_t i, k = 0;
	int rc = 0;

	rc |= tb_frame(b, f, cip, sport, dport, 1, TH_SYN, c, 0, NULL, 0);
	rc |= tb_frame(b, f, cip, sport, dport, 0, TH_SYN | TH_ACK, s, c + 1, NULL, 0);
	c++;
	s++;
	rc |= tb_frame(b, f, cip, sport, dport, 1, TH_ACK, c, s, NULL, 0);
	for (i = 0; i < n; i += SEG, k++) {
		uint16_t len = (uint16_t)(n - i < SEG ? n - i : SEG);
		int last = i + len == n;

		rc |= tb_frame(b, f, cip, sport, dport, 1, TH_ACK | (last ? TH_PSH : 0), c, s,
			       req + i, len);
		c += len;
		if (last || k % 2 == 1)
			rc |= tb_frame(b, f, cip, sport, dport, 0, TH_ACK, s, c, NULL, 0);
	}
	rc |= tb_frame(b, f, cip, sport, dport, 0, TH_ACK | TH_PSH, s, c, (const uint8_t *)resp,
		       rlen);
	s += rlen;
	rc |= tb_frame(b, f, cip, sport, dport, 1, TH_ACK, c, s, NULL, 0);
	rc |= tb_frame(b, f, cip, sport, dport, 1, TH_FIN | TH_ACK, c, s, NULL, 0);
	c++;
	rc |= tb_frame(b, f, cip, sport, dport, 0, TH_FIN | TH_ACK, s, c, NULL, 0);
	s++;
	rc |= tb_frame(b, f, cip, sport, dport, 1, TH_ACK, c, s, NULL, 0);
	return rc;
}

/* n more distinct values of sensor planted. */
static void
tb_planted_add(struct bench_traffic *t, const char *sensor, uint64_t n)
{
	unsigned int k;

	for (k = 0; k < t->nplanted; k++)
		if (strcmp(t->planted_sensor[k], sensor) == 0)
			break;
	if (k == t->nplanted) {
		if (k == BENCH_PLANTED_MAX)
			return;
		t->planted_sensor[t->nplanted++] = sensor;
	}
	t->planted[k] += n;
}

/* The distinct planted values of content c[0..n) (one flow direction). */
static void
tb_planted(struct bench_traffic *t, const uint8_t *c, size_t n)
{
	unsigned int v;

	for (v = 0; v < BENCH_MIX_VALUES; v++) {
		const char *s = bench_mix_values[v].text;

		if (bench_mix_values[v].sensor != NULL && memmem(c, n, s, strlen(s)) != NULL)
			tb_planted_add(t, bench_mix_values[v].sensor, 1);
	}
}

static int
tb_generated(struct tbuild *b, size_t mib, char *err, size_t errlen)
{
	struct bench_traffic *t = b->t;
	enum bench_mix_kind mk = t->kind == BENCH_TRAFFIC_ADVERSARIAL ? BENCH_MIX_ADVERSARIAL :
				 t->kind == BENCH_TRAFFIC_HTML ? BENCH_MIX_HTML :
				 t->kind == BENCH_TRAFFIC_JSON ? BENCH_MIX_JSON :
				 t->kind == BENCH_TRAFFIC_JS ? BENCH_MIX_JS :
				 t->kind == BENCH_TRAFFIC_BASE64 ? BENCH_MIX_BASE64 :
								     BENCH_MIX_STANDARD;
	size_t cap = mib << 20, len, off, n, wlen;
	uint8_t *mix = malloc(cap ? cap : 1);
	uint32_t f;
	int rc = 0;

	if (mix == NULL) {
		snprintf(err, errlen, "out of memory for %zu MiB of mix", mib);
		return -1;
	}
	len = bench_mix_fill(mix, cap, mk, 0);
	t->content_bytes = len;
	t->nflows = (uint32_t)((len + MSG - 1) / MSG);
	t->flow_first = calloc(t->nflows + 1, sizeof(*t->flow_first));
	if (t->flow_first == NULL)
		rc = -1;
	for (f = 0, off = 0; rc == 0 && f < t->nflows; f++, off += n) {
		unsigned int kind = t->kind == BENCH_TRAFFIC_DECODERS ? f % BENCH_APP_KINDS : 0;
		uint8_t *wire;

		n = len - off < MSG ? len - off : MSG;
		wire = bench_app_wrap(kind, mix + off, n, &wlen);
		t->flow_first[f] = (uint32_t)t->nframes;
		if (mk != BENCH_MIX_ADVERSARIAL)	/* the adversarial mix plants nothing */
			tb_planted(t, mix + off, n);
		/* An SMTP mail's envelope: MAIL FROM and RCPT TO, two more addresses. */
		if (mk == BENCH_MIX_STANDARD && kind == BENCH_APP_SMTP)
			tb_planted_add(t, "email", 2);
		rc = tb_flow(b, f, kind == BENCH_APP_SMTP ? 25 : 80, wire, wlen,
			     kind == BENCH_APP_SMTP ? smtp_resp : http_resp);
		free(wire);
	}
	if (t->flow_first != NULL)
		t->flow_first[t->nflows] = (uint32_t)t->nframes;
	free(mix);
	if (rc != 0)
		snprintf(err, errlen, "out of memory for the frames");
	return rc;
}

/* A pcap file's frames (Ethernet, IPv4 or IPv6 are all kept; ports rewritten on IPv4). */
static int
tb_pcap(struct tbuild *b, const char *path, char *err, size_t errlen)
{
	struct bench_traffic *t = b->t;
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *pc = pcap_open_offline(path, perr);
	int rc, oom = 0;

	if (pc == NULL) {
		snprintf(err, errlen, "%s: %s", path, perr);
		return -1;
	}
	if (pcap_datalink(pc) != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %d, expected Ethernet", path,
			 pcap_datalink(pc));
		pcap_close(pc);
		return -1;
	}
	while ((rc = pcap_next_ex(pc, &h, &d)) == 1) {
		struct bench_frame *fr;
		uint32_t caplen = h->caplen;
		uint8_t *copy;

		if (caplen > 2048 - 128 || caplen < 14)
			continue;	/* what one mbuf holds */
		if (tb_grow(b) != 0 || (copy = malloc(caplen)) == NULL) {
			oom = 1;
			break;
		}
		d = memcpy(copy, d, caplen);
		fr = &t->frames[t->nframes++];
		memset(fr, 0, sizeof(*fr));
		fr->data = (uint8_t *)(uintptr_t)d;
		fr->len = (uint16_t)caplen;
		fr->payload_off = (uint16_t)caplen;
		if (caplen >= 34 && d[12] == 0x08 && d[13] == 0x00 && (d[14] >> 4) == 4) {
			uint32_t ihl = (uint32_t)(d[14] & 15) * 4;
			uint32_t l4 = 14 + ihl, hl = d[23] == IPPROTO_TCP ? 20 : 8;
			uint32_t a, z;

			memcpy(&a, d + 26, 4);	/* the flow: its address pair, either way */
			memcpy(&z, d + 30, 4);
			fr->flow = ntohl(a ^ z);
			if ((d[23] == IPPROTO_TCP || d[23] == IPPROTO_UDP) && caplen >= l4 + hl &&
			    (d[20] & 0x3f) == 0 && d[21] == 0) {
				uint16_t sp = (uint16_t)(d[l4] << 8 | d[l4 + 1]);
				uint16_t dp = (uint16_t)(d[l4 + 2] << 8 | d[l4 + 3]);

				if (d[23] == IPPROTO_TCP)
					hl = (uint32_t)(d[l4 + 12] >> 4) * 4;
				if (d[23] == IPPROTO_TCP || d[l4 + 6] != 0 || d[l4 + 7] != 0)
					fr->cksum_off = (uint16_t)(l4 + (d[23] == IPPROTO_TCP ? 16 : 6));
				fr->port_off = (uint16_t)(sp > dp ? l4 : l4 + 2);
				fr->port = sp > dp ? sp : dp;
				fr->to_server = sp > dp;
				if (caplen >= l4 + hl) {
					fr->payload_off = (uint16_t)(l4 + hl);
					fr->payload = caplen - l4 - hl;
				}
			}
		}
		t->wire_bytes += caplen;
		t->payload_bytes += fr->payload;
	}
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(pc));
	else if (oom)
		snprintf(err, errlen, "%s: out of memory for the frames", path);
	pcap_close(pc);
	if (rc == -1 || oom)
		return -1;
	if (t->nframes == 0) {
		snprintf(err, errlen, "%s: no Ethernet frame of at most 1920 bytes", path);
		return -1;
	}
	t->nflows = 0;
	return 0;
}

struct bench_traffic *
bench_traffic_create(enum bench_traffic_kind kind, size_t mib, const char *path, char *err,
		     size_t errlen)
{
	struct tbuild b = { calloc(1, sizeof(struct bench_traffic)), 0 };
	int rc;

	if (b.t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	b.t->kind = kind;
	rc = kind == BENCH_TRAFFIC_PCAP ? tb_pcap(&b, path, err, errlen) :
					  tb_generated(&b, mib, err, errlen);
	if (rc != 0) {
		bench_traffic_free(b.t);
		return NULL;
	}
	return b.t;
}

void
bench_traffic_free(struct bench_traffic *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nframes; i++)
		free(t->frames[i].data);
	free(t->frames);
	free(t->flow_first);
	free(t);
}

size_t
bench_traffic_deal(const struct bench_traffic *t, unsigned int k, unsigned int nw,
		   unsigned int conc, uint32_t *out)
{
	uint32_t *slot_next, *slot_end, next_flow = k;
	size_t n = 0, i;
	unsigned int s, live = 0;

	if (t->kind == BENCH_TRAFFIC_PCAP) {
		for (i = 0; i < t->nframes; i++)
			if (t->frames[i].flow % nw == k)
				out[n++] = (uint32_t)i;
		return n;
	}
	slot_next = calloc(conc, sizeof(*slot_next));
	slot_end = calloc(conc, sizeof(*slot_end));
	if (slot_next == NULL || slot_end == NULL) {
		free(slot_next);
		free(slot_end);
		return 0;
	}
	/* conc slots, each holding one connection; a finished one hands its slot on. */
	for (s = 0; s < conc && next_flow < t->nflows; s++, next_flow += nw, live++) {
		slot_next[s] = t->flow_first[next_flow];
		slot_end[s] = t->flow_first[next_flow + 1];
	}
	while (live > 0) {
		for (s = 0; s < conc; s++) {
			if (slot_next[s] == slot_end[s])
				continue;
			out[n++] = slot_next[s]++;
			if (slot_next[s] < slot_end[s])
				continue;
			if (next_flow < t->nflows) {
				slot_next[s] = t->flow_first[next_flow];
				slot_end[s] = t->flow_first[next_flow + 1];
				next_flow += nw;
			} else {
				live--;
			}
		}
	}
	free(slot_next);
	free(slot_end);
	return n;
}

int
bench_traffic_write_pcap(const struct bench_traffic *t, unsigned int conc, double gbps,
			 const char *path, char *err, size_t errlen)
{
	uint32_t *idx = malloc((t->nframes ? t->nframes : 1) * sizeof(*idx));
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	pcap_dumper_t *d = NULL;
	double bits = 0;
	size_t n = 0, i;
	int rc = -1;

	if (idx == NULL || dead == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	d = pcap_dump_open(dead, path);
	if (d == NULL) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(dead));
		goto out;
	}
	n = bench_traffic_deal(t, 0, 1, conc, idx);
	for (i = 0; i < n; i++) {
		const struct bench_frame *fr = &t->frames[idx[i]];
		/* 1.7e9 s: the bench's own packet clock starts there too */
		uint64_t us = 1700000000ull * 1000000 + (uint64_t)(bits / (gbps * 1e3));
		struct pcap_pkthdr h = { .caplen = fr->len, .len = fr->len };

		h.ts.tv_sec = (time_t)(us / 1000000);
		h.ts.tv_usec = (suseconds_t)(us % 1000000);
		pcap_dump((u_char *)d, &h, fr->data);
		bits += (fr->len + 24) * 8.0;	/* preamble, gap and FCS on the wire */
	}
	if (pcap_dump_flush(d) != 0 || ferror(pcap_dump_file(d))) {
		snprintf(err, errlen, "%s: write error", path);
		goto out;
	}
	rc = n == t->nframes ? 0 : -1;
	if (rc != 0)
		snprintf(err, errlen, "out of memory");
out:
	if (d != NULL)
		pcap_dump_close(d);
	if (dead != NULL)
		pcap_close(dead);
	free(idx);
	return rc;
}
