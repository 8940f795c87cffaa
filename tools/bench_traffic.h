/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tools/bench's traffic (bench_traffic.c): the generated mixes as TCP connections with
 * their handshakes, or a pcap file, as frames in memory, dealt to workers.
 */
#ifndef TOLLGATE_BENCH_TRAFFIC_H
#define TOLLGATE_BENCH_TRAFFIC_H

#include <stddef.h>
#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;

enum bench_traffic_kind {
	BENCH_TRAFFIC_STANDARD = 0,	/* standard mix, HTTP POSTs with a Content-Length */
	BENCH_TRAFFIC_DECODERS,		/* standard mix: HTTP plain/gzip/chunked/form, SMTP */
	BENCH_TRAFFIC_ADVERSARIAL,	/* adversarial mix, HTTP POSTs */
	BENCH_TRAFFIC_HTML,		/* the standard mix's HTML alone, HTTP POSTs */
	BENCH_TRAFFIC_JSON,		/* its JSON alone */
	BENCH_TRAFFIC_JS,		/* its JavaScript alone */
	BENCH_TRAFFIC_BASE64,		/* its base64 blocks alone */
	BENCH_TRAFFIC_PCAP,		/* a capture file, frames as they are */
	BENCH_TRAFFIC__COUNT
};

#define BENCH_PLANTED_MAX 8	/* sensors the standard mix plants values of */

/* A frame: its bytes, and where the client port sits in them (0: nothing to rewrite). */
struct bench_frame {
	uint8_t *data;
	uint16_t len;
	uint16_t port_off;
	uint16_t port;		/* the port at port_off, host order */
	uint16_t cksum_off;	/* the TCP or UDP checksum, kept right when the port
				 * changes (0: none) */
	uint16_t payload_off;	/* where the L4 payload starts */
	uint32_t payload;	/* L4 payload bytes */
	uint32_t flow;		/* flow number (a pcap's: by addresses) */
	uint8_t to_server;	/* client -> server (a pcap's: towards the lower port) */
};

struct bench_traffic {
	enum bench_traffic_kind kind;
	uint32_t nflows;
	size_t nframes;
	struct bench_frame *frames;	/* flow by flow, each flow's frames in order */
	uint32_t *flow_first;		/* frames of flow f: [flow_first[f], flow_first[f+1]) */
	uint64_t wire_bytes, payload_bytes;
	uint64_t content_bytes;		/* the mix's bytes carried (before wrapping) */
	/* Distinct planted values per flow of each sensor (generated mixes; pcap: none). */
	unsigned int nplanted;
	const char *planted_sensor[BENCH_PLANTED_MAX];
	uint64_t planted[BENCH_PLANTED_MAX];
};

/* Build kind with mib MiB of mix content (seed 0), or read path (pcap). NULL on error
 * (err says why). */
struct bench_traffic *bench_traffic_create(enum bench_traffic_kind kind, size_t mib,
					   const char *path, char *err, size_t errlen);
void bench_traffic_free(struct bench_traffic *t);

/* The frames that worker k of nw gets (whole flows), interleaved as a worker sees
 * concurrent connections: conc flows at a time, one frame of each in turn. out gets
 * frame indexes; returns how many. */
size_t bench_traffic_deal(const struct bench_traffic *t, unsigned int k, unsigned int nw,
			  unsigned int conc, uint32_t *out);

/* Write the frames as one worker sees them (bench_traffic_deal, conc at a time) to a pcap
 * file at path (Ethernet, microseconds), paced as a link of gbps Gbit/s would carry them,
 * from a fixed time on. 0, or -1 with err saying why. */
int bench_traffic_write_pcap(const struct bench_traffic *t, unsigned int conc, double gbps,
			     const char *path, char *err, size_t errlen);

#endif
