/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: offline input as dataplane/pcap_reader.c reads it, without EAL: the
 * input is a capture file (pcap or pcapng) opened by libpcap from memory
 * (pcap_fopen_offline on fmemopen; pcap_open_offline is fopen plus the same call), its
 * link type checked and every record turned into an Ethernet frame by
 * dataplane/pcap_link.h as the reader does, then parsed (dataplane/pkt_parse.h).
 *
 * libpcap itself is the system's, not instrumented: the fuzzer is guided by pcap_link.c
 * and pkt_parse.c and relies on the seeds (pcap files of each link type, pcapng) for
 * valid file structure.
 *
 * Checks, aborting on failure:
 *   - pcap_link_frame agrees with a reference written from pcap_link.h: refused exactly
 *     for an unsupported link type or a record shorter than its link header; otherwise
 *     the strip and header lengths of its link type and the ethertype from the cooked
 *     header's protocol field or the raw packet's version nibble, zero addresses;
 *   - the caplen bytes of each record are readable; the frame the reader would make is
 *     built in a block of exactly its size, so a read past its end is caught;
 *   - pkt_parse on the frame returns a known result, its offsets inside the frame;
 *   - pcap_next_ex ends with end of file or an error that has a message (what the reader
 *     logs for a corrupt file);
 *   - dataplane/pcap_file.c (the reader's own for classic Ethernet pcap files) takes the
 *     input exactly when its file header is one (a reference of the header's fields),
 *     and then returns the records libpcap returns (time stamp, lengths, bytes) and ends
 *     as libpcap does: at the end of the file, or with an error that has a message.
 */
#include <pcap/pcap.h>
#include <sys/mman.h>
#include <unistd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "pcap_file.h"
#include "pcap_link.h"
#include "pkt_parse.h"

#define DLT_SLL2_NUM 276

/* pcap_link.h's contract for one record: -1, or the strip, header length and ethertype. */
static FUZZ_NOCOV int
reference(int dlt, const uint8_t *d, uint32_t len, uint32_t *strip, uint32_t *hlen,
	  uint16_t *et)
{
	switch (dlt) {
	case DLT_EN10MB:
		*strip = 0;
		*hlen = 0;
		*et = 0;
		return 0;
	case DLT_RAW:
	case 228:
	case 229:
		*strip = 0;
		*hlen = 14;
		*et = len == 0 ? 0 : (d[0] >> 4) == 6 ? 0x86dd : 0x0800;
		return 0;
	case DLT_LINUX_SLL:
		if (len < 16)
			return -1;
		*strip = 16;
		*hlen = 14;
		*et = (uint16_t)(d[14] << 8 | d[15]);
		return 0;
	case DLT_SLL2_NUM:
		if (len < 20)
			return -1;
		*strip = 20;
		*hlen = 14;
		*et = (uint16_t)(d[0] << 8 | d[1]);
		return 0;
	default:
		return -1;
	}
}

/* Whether pcap_file takes a file starting with these bytes: a classic header, version
 * 2.4, link type Ethernet (FCS bits aside). */
static FUZZ_NOCOV int
classic_reference(const uint8_t *d, size_t size)
{
	uint32_t magic, lt;
	uint16_t maj, min;
	int sw;

	if (size < 24)
		return 0;
	magic = (uint32_t)d[0] | (uint32_t)d[1] << 8 | (uint32_t)d[2] << 16 |
		(uint32_t)d[3] << 24;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du)
		sw = 0;
	else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u)
		sw = 1;
	else
		return 0;
	maj = sw ? (uint16_t)(d[4] << 8 | d[5]) : (uint16_t)(d[5] << 8 | d[4]);
	min = sw ? (uint16_t)(d[6] << 8 | d[7]) : (uint16_t)(d[7] << 8 | d[6]);
	lt = sw ? (uint32_t)d[20] << 24 | (uint32_t)d[21] << 16 | (uint32_t)d[22] << 8 | d[23] :
		  (uint32_t)d[23] << 24 | (uint32_t)d[22] << 16 | (uint32_t)d[21] << 8 | d[20];
	return maj == 2 && min == 4 && (lt & 0x03ffffffu) == 1;
}

/* pcap_file against libpcap over the same bytes. */
static FUZZ_NOCOV void
check_classic(const uint8_t *data, size_t size)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_file_rec r;
	struct pcap_pkthdr *ph;
	struct pcap_file pf;
	const u_char *pkt;
	unsigned int records = 0;
	int fd, rc, mine;
	pcap_t *p;
	FILE *f;

	fd = memfd_create("fuzz-pcap", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		abort();
	mine = pcap_file_open_fd(&pf, fd);
	FUZZ_CHECK(mine == classic_reference(data, size));
	if (mine != 1) {
		close(fd);
		return;
	}
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (f == NULL)
		abort();
	p = pcap_fopen_offline(f, perr);
	FUZZ_CHECK(p != NULL && pcap_datalink(p) == DLT_EN10MB);
	for (;;) {
		rc = pcap_next_ex(p, &ph, &pkt);
		mine = pcap_file_next(&pf, &r);
		if (rc != 1 || records++ == 4096)
			break;
		FUZZ_CHECK(mine == 1);
		FUZZ_CHECK(r.sec == (int64_t)ph->ts.tv_sec && r.usec == (int64_t)ph->ts.tv_usec);
		FUZZ_CHECK(r.caplen == ph->caplen && r.len == ph->len);
		FUZZ_CHECK(memcmp(r.data, pkt, r.caplen) == 0);
	}
	if (records <= 4096) {
		FUZZ_CHECK(rc == PCAP_ERROR_BREAK ? mine == 0 : mine == -1);
		FUZZ_CHECK(mine == 0 || pf.err[0] != '\0');
	}
	pcap_close(p);
	pcap_file_close(&pf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

FUZZ_NOCOV int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *ph;
	const u_char *pkt;
	unsigned int records = 0;
	pcap_t *p;
	FILE *f;
	int dlt, rc;

	if (size == 0)
		return 0;
	check_classic(data, size);
	f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (f == NULL)
		return 0;
	p = pcap_fopen_offline(f, perr);
	if (p == NULL) {
		fclose(f);	/* pcap_fopen_offline leaves f open when it fails */
		return 0;
	}
	dlt = pcap_datalink(p);
	FUZZ_CHECK(pcap_link_supported(dlt) == (dlt == DLT_EN10MB || dlt == DLT_RAW ||
						dlt == 228 || dlt == 229 ||
						dlt == DLT_LINUX_SLL || dlt == DLT_SLL2_NUM));
	while ((rc = pcap_next_ex(p, &ph, &pkt)) == 1 && records < 4096) {
		uint8_t eth[PCAP_LINK_ETH_LEN], *frame;
		uint32_t len = ph->caplen, strip = 0, hlen = 0, rs, rh, flen;
		uint16_t et;
		struct pkt_meta m;
		enum pkt_err e;
		int got, want;

		records++;
		fuzz_touch(pkt, len);
		memset(eth, 0xAA, sizeof(eth));
		got = pcap_link_frame(dlt, pkt, len, eth, &hlen, &strip);
		want = reference(dlt, pkt, len, &rs, &rh, &et);
		FUZZ_CHECK(got == want);
		if (got != 0)
			continue;
		FUZZ_CHECK(strip == rs && hlen == rh && strip <= len);
		if (hlen > 0) {
			static const uint8_t zero[12];

			FUZZ_CHECK(memcmp(eth, zero, sizeof(zero)) == 0);
			FUZZ_CHECK(eth[12] == et >> 8 && eth[13] == (et & 0xff));
		}
		/* The frame the reader would copy into mbufs, in a block of its size. */
		flen = hlen + len - strip;
		frame = malloc(flen > 0 ? flen : 1);
		if (frame == NULL)
			abort();
		memcpy(frame, eth, hlen);
		memcpy(frame + hlen, pkt + strip, len - strip);
		memset(&m, 0, sizeof(m));
		e = pkt_parse(frame, flen, &m);
		FUZZ_CHECK(e < PKT_ERR__COUNT);
		if (e == PKT_OK && m.l3 != PKT_L3_NONE) {
			FUZZ_CHECK(m.payload_off <= m.ip_end && m.ip_end <= flen);
			fuzz_touch(frame + m.payload_off, m.payload_len);
		}
		free(frame);
	}
	FUZZ_CHECK(rc == 1 || rc == -2 || rc == PCAP_ERROR);
	if (rc == PCAP_ERROR)
		FUZZ_CHECK(pcap_geterr(p)[0] != '\0');
	pcap_close(p);	/* closes f */
	return 0;
}
