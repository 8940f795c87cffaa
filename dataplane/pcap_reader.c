/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Offline input: capture files read and fed to the same worker pipeline as live ports,
 * rather than through the net_pcap vdev, because the reader tells end of file apart from
 * an idle port, names the fault in a corrupt file, and reads several files in turn.
 * Classic pcap files of Ethernet frames (nearly every capture) are read by
 * dataplane/pcap_file.c, which hands each record out of a large read(2) buffer, so a
 * frame is copied once, into its mbuf; every other format (pcapng, other link types) by
 * libpcap, whose reading copies a record twice before that. Frames are copied into mbufs
 * (chained when larger than one mbuf) and stamped with their capture time in the
 * rte_dynfield_timestamp field, as net_pcap does, so workers see one clock whatever the
 * source.
 *
 * Link types: Ethernet; raw IPv4/IPv6 and Linux cooked captures (tcpdump -i any) get a
 * synthetic Ethernet header so the parser sees one frame format (dataplane/pcap_link.c,
 * pure, so its fuzz target calls it as this file does).
 */
#include <errno.h>
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include "backoff.h"
#include "dispatch.h"
#include "pcap_file.h"
#include "pcap_link.h"
#include "pkt_cksum.h"
#include "pkt_parse.h"
#include "pcap_reader.h"

RTE_LOG_REGISTER_SUFFIX(reader_logtype, reader, INFO);
#define READER_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, reader_logtype, "tollgate.reader: " fmt "\n", ##__VA_ARGS__)

#define READER_BURST 32
#define READER_MAX_FRAME (65535 + 64)

int
pcap_reader_check(const char *path, char *err, size_t errlen)
{
	char perr[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	int dlt;

	p = pcap_open_offline(path, perr);
	if (p == NULL) {
		snprintf(err, errlen, "%s: cannot read capture: %s", path, perr);
		return -EINVAL;
	}
	dlt = pcap_datalink(p);
	pcap_close(p);
	if (!pcap_link_supported(dlt)) {
		snprintf(err, errlen, "%s: unsupported link type %s (%d); expected Ethernet, "
			 "raw IP or Linux cooked", path, pcap_datalink_val_to_name(dlt)
			 ? pcap_datalink_val_to_name(dlt) : "?", dlt);
		return -EINVAL;
	}
	return 0;
}

/* Copy one frame into a (possibly chained) mbuf. Returns NULL when the pool is empty. */
static struct rte_mbuf *
reader_to_mbuf(struct runtime *rt, const uint8_t *hdr, uint32_t hlen, const uint8_t *data,
	       uint32_t len)
{
	struct rte_mbuf *head, *cur;
	uint32_t total = hlen + len, room;
	const uint8_t *src = data;

	head = rte_pktmbuf_alloc(rt->pkt_pool);
	if (head == NULL)
		return NULL;
	cur = head;
	room = rte_pktmbuf_tailroom(cur);
	if (hlen > 0) {
		memcpy(rte_pktmbuf_mtod(cur, uint8_t *), hdr, hlen);
		cur->data_len = hlen;
		room -= hlen;
	}
	while (len > 0) {
		uint32_t n;

		if (room == 0) {
			struct rte_mbuf *next = rte_pktmbuf_alloc(rt->pkt_pool);

			if (next == NULL) {
				rte_pktmbuf_free(head);
				return NULL;
			}
			cur->next = next;
			head->nb_segs++;
			cur = next;
			room = rte_pktmbuf_tailroom(cur);
		}
		n = RTE_MIN(len, room);
		memcpy(rte_pktmbuf_mtod_offset(cur, uint8_t *, cur->data_len), src, n);
		cur->data_len += n;
		room -= n;
		src += n;
		len -= n;
	}
	head->pkt_len = total;
	return head;
}

/*
 * dataplane.checksums: auto: was this capture taken on a host that offloads checksums to
 * its NIC (its outgoing packets captured before the NIC filled them in)? Then a large part
 * of its TCP and UDP packets have bad checksums (every packet the capturing host sent):
 * a quarter or more of the first READER_CKSUM_SAMPLE, and at least READER_CKSUM_BAD_MIN
 * (so that a few packets an attacker sent with bad checksums do not turn the check off).
 * Its packets are then marked good, and inspected.
 */
#define READER_CKSUM_SAMPLE 1000
#define READER_CKSUM_BAD_MIN 8

static int
reader_offloaded(struct runtime *rt, const char *path)
{
	char perr[PCAP_ERRBUF_SIZE];
	uint32_t checked = 0, bad = 0;
	struct pcap_pkthdr *ph;
	const u_char *data;
	uint8_t *frame;
	pcap_t *p;
	int dlt;

	if (rt->cfg.dp.checksums != CONFIG_CKSUM_AUTO)
		return 0;
	p = pcap_open_offline(path, perr);
	frame = malloc(READER_MAX_FRAME);
	if (p == NULL || frame == NULL) {
		if (p != NULL)
			pcap_close(p);
		free(frame);
		return 0;
	}
	dlt = pcap_datalink(p);
	while (checked < READER_CKSUM_SAMPLE && pcap_next_ex(p, &ph, &data) == 1) {
		uint32_t hlen, strip, len = ph->caplen;
		struct pkt_meta m;
		enum pkt_cksum r;

		if (ph->caplen < ph->len ||
		    pcap_link_frame(dlt, data, len, frame, &hlen, &strip) != 0 ||
		    hlen + len - strip > READER_MAX_FRAME)
			continue;
		memcpy(frame + hlen, data + strip, len - strip);
		len = hlen + len - strip;
		if (pkt_parse(frame, len, &m) != PKT_OK || m.is_fragment)
			continue;
		r = pkt_cksum_ip(frame, len, &m);
		if (r != PKT_CKSUM_BAD_IP)
			r = pkt_cksum_l4(frame, len, &m);
		if (r == PKT_CKSUM_UNCHECKED)
			continue;
		checked++;
		bad += r != PKT_CKSUM_OK;
	}
	pcap_close(p);
	free(frame);
	if (bad < READER_CKSUM_BAD_MIN || (uint64_t)bad * 4 < checked)
		return 0;
	READER_LOG(WARNING, "%s: %u of the first %u TCP and UDP packets have bad checksums: "
		   "taken as captured on a host that offloads them, this capture's checksums "
		   "are not checked (dataplane.checksums: validate checks them)", path, bad,
		   checked);
	rt->in.cksum_offloaded++;
	return 1;
}

/*
 * One record into the burst (handed to dispatch when full): its time stamp checked, its
 * link header made Ethernet, copied into an mbuf (waiting for the workers to return
 * mbufs rather than dropping). Returns 0, or -1 when the run stops (quit).
 */
static int
reader_record(struct runtime *rt, int dlt, int64_t sec, int64_t usec, uint32_t caplen,
	      uint32_t wirelen, const uint8_t *data, uint64_t trust, struct rte_mbuf **burst,
	      uint16_t *n)
{
	uint8_t eth[PCAP_LINK_ETH_LEN];
	uint32_t hlen, strip, len = caplen;
	uint64_t ts = (uint64_t)sec * 1000000 + (uint64_t)usec;
	unsigned int spins = 0;
	struct rte_mbuf *m;

	/* A classic header's seconds are signed: 0xfffffffe is -2 s. A time before 1970
	 * (or a microsecond field out of range) would wrap the clock and every span: such
	 * a packet is taken at 1970-01-01 and counted. */
	if (sec < 0 || usec < 0 || usec >= 1000000) {
		ts = 0;
		rt->in.bad_time++;
	}
	if (caplen < wirelen)
		rt->in.truncated++;
	if (pcap_link_frame(dlt, data, len, eth, &hlen, &strip) != 0) {
		rt->in.oversized++;
		return 0;
	}
	data += strip;
	len -= strip;
	if (hlen + len > READER_MAX_FRAME) {
		rt->in.oversized++;
		return 0;
	}
	/* Offline: wait for the workers to return mbufs rather than drop, giving the CPU
	 * away after a while (the control thread may share it, and the workers may be
	 * waiting for it to drain their events before they free any). */
	while ((m = reader_to_mbuf(rt, eth, hlen, data, len)) == NULL && !rt->quit) {
		if (*n > 0) {
			dispatch_burst(rt, burst, *n, 1);
			*n = 0;
		}
		rt->in.nombuf++;
		backoff_wait(&spins);
	}
	if (m == NULL)
		return -1;
	*RTE_MBUF_DYNFIELD(m, rt->ts_offset, rte_mbuf_timestamp_t *) = ts;
	m->ol_flags |= rt->ts_flag | trust;
	rt->in.packets++;
	rt->in.bytes += hlen + len;
	if (rt->in.packets == 1 || ts < rt->in.first_us)
		rt->in.first_us = ts;
	if (ts > rt->in.last_us)
		rt->in.last_us = ts;
	burst[(*n)++] = m;
	if (*n == READER_BURST) {
		dispatch_burst(rt, burst, *n, 1);
		*n = 0;
	}
	return 0;
}

/* A classic pcap of Ethernet frames (dataplane/pcap_file.h): each frame copied once,
 * from the file's read buffer into its mbuf. 0, or -EIO. */
static int
reader_classic(struct runtime *rt, const char *path, struct pcap_file *pf, uint64_t trust)
{
	struct rte_mbuf *burst[READER_BURST];
	struct pcap_file_rec r;
	uint16_t n = 0;
	int rc = 0;

	while (!rt->quit && (rc = pcap_file_next(pf, &r)) == 1)
		if (reader_record(rt, DLT_EN10MB, r.sec, r.usec, r.caplen, r.len, r.data, trust,
				  burst, &n) != 0)
			break;
	if (n > 0)
		dispatch_burst(rt, burst, n, 1);
	if (!rt->quit && rc < 0) {
		READER_LOG(ERR, "%s: capture file is corrupt after %" PRIu64 " packets: %s", path,
			   rt->in.packets, pf->err);
		rt->in.errors++;
		return -EIO;
	}
	return 0;
}

/* Read one file into the pipeline. Returns 0, or -EIO when it failed part-way. */
static int
reader_file(struct runtime *rt, const char *path)
{
	char perr[PCAP_ERRBUF_SIZE];
	struct rte_mbuf *burst[READER_BURST];
	struct pcap_pkthdr *ph;
	struct pcap_file pf;
	const u_char *data;
	uint16_t n = 0;
	int dlt, rc, ret = 0;
	uint64_t trust;
	pcap_t *p;

	trust = reader_offloaded(rt, path) ?
		RTE_MBUF_F_RX_IP_CKSUM_GOOD | RTE_MBUF_F_RX_L4_CKSUM_GOOD : 0;
	rc = pcap_file_open(&pf, path);
	if (rc != 0) {
		if (rc < 0) {
			READER_LOG(ERR, "%s: cannot read capture: %s", path, pf.err);
			return -EIO;
		}
		rt->in.files++;
		ret = reader_classic(rt, path, &pf, trust);
		pcap_file_close(&pf);
		return ret;
	}
	/* Any other format, version or link type: libpcap's. */
	p = pcap_open_offline(path, perr);
	if (p == NULL) {
		READER_LOG(ERR, "%s: cannot read capture: %s", path, perr);
		return -EIO;
	}
	dlt = pcap_datalink(p);
	rt->in.files++;
	while (!rt->quit && (rc = pcap_next_ex(p, &ph, &data)) == 1)
		if (reader_record(rt, dlt, ph->ts.tv_sec, ph->ts.tv_usec, ph->caplen, ph->len,
				  data, trust, burst, &n) != 0)
			break;
	if (n > 0)
		dispatch_burst(rt, burst, n, 1);
	if (!rt->quit && rc == PCAP_ERROR) {
		READER_LOG(ERR, "%s: capture file is corrupt after %" PRIu64 " packets: %s", path,
			   rt->in.packets, pcap_geterr(p));
		rt->in.errors++;
		ret = -EIO;
	}
	pcap_close(p);
	return ret;
}

int
pcap_reader_main(void *arg)
{
	struct runtime *rt = arg;
	unsigned int i;

	for (i = 0; i < rt->n_read && !rt->quit; i++) {
		if (reader_file(rt, rt->read_files[i]) != 0)
			rt->input_failed = 1;
	}
	__atomic_store_n(&rt->input_end_us, rt->in.last_us, __ATOMIC_RELEASE);
	__atomic_store_n(&rt->input_done, 1, __ATOMIC_RELEASE);
	return 0;
}
