/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 (RFC 791) and IPv6 (RFC 8200 section 4.5) fragment reassembly for one worker, on
 * DPDK's rte_ip_frag. The dispatcher hashes on IP addresses only, so every fragment of a
 * datagram reaches the same worker. Tables are bounded (max_flows datagrams in flight);
 * a datagram that cannot complete in time, or does not fit, is dropped and counted.
 *
 * rte_ip_frag keeps time as an opaque 64-bit counter; we give it microseconds of packet
 * time so offline runs age fragments by capture time, not by how fast we read the file.
 */
#include <errno.h>
#include <rte_ip_frag.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include "defrag.h"

RTE_LOG_REGISTER_SUFFIX(defrag_logtype, defrag, INFO);
#define DEFRAG_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, defrag_logtype, "tollgate.defrag: " fmt "\n", ##__VA_ARGS__)

struct defrag {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
};

struct defrag *
defrag_create(const struct config_defrag *conf, int socket, const char *name)
{
	struct defrag *d;
	uint32_t buckets;

	d = rte_zmalloc_socket(name, sizeof(*d), RTE_CACHE_LINE_SIZE, socket);
	if (d == NULL) {
		DEFRAG_LOG(ERR, "%s: no memory", name);
		return NULL;
	}
	buckets = conf->max_flows / conf->bucket_entries;
	if (buckets == 0)
		buckets = 1;
	d->tbl = rte_ip_frag_table_create(buckets, conf->bucket_entries, conf->max_flows,
					  (uint64_t)conf->timeout_ms * 1000, socket);
	if (d->tbl == NULL) {
		DEFRAG_LOG(ERR, "%s: cannot create a table of %u datagrams", name, conf->max_flows);
		rte_free(d);
		return NULL;
	}
	return d;
}

void
defrag_free(struct defrag *d)
{
	if (d == NULL)
		return;
	rte_ip_frag_table_destroy(d->tbl);
	rte_ip_frag_free_death_row(&d->dr, 0);
	rte_free(d);
}

static void
defrag_reap(struct defrag *d, struct counters *ctr)
{
	ctr->c[CTR_defrag_dropped] += d->dr.cnt;
	rte_ip_frag_free_death_row(&d->dr, 0);
}

struct rte_mbuf *
defrag_packet(struct defrag *d, struct rte_mbuf *m, const struct pkt_meta *meta, uint64_t now_us,
	      struct counters *ctr)
{
	struct rte_mbuf *out;

	ctr->c[CTR_defrag_fragments]++;
	/* rte_ip_frag rewrites the headers in place: they must sit in the first segment. */
	if (unlikely(m->nb_segs != 1)) {
		ctr->c[CTR_defrag_multiseg]++;
		rte_pktmbuf_free(m);
		return NULL;
	}
	m->l2_len = meta->l3_off;
	if (meta->l3 == PKT_L3_IPV4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *,
								   meta->l3_off);

		m->l3_len = meta->l4_off - meta->l3_off;
		out = rte_ipv4_frag_reassemble_packet(d->tbl, &d->dr, m, now_us, ip);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *,
								   meta->l3_off);
		struct ipv6_extension_fragment *fh =
			rte_pktmbuf_mtod_offset(m, struct ipv6_extension_fragment *,
						meta->frag_hdr_off);

		/* DPDK expects the fragment header right after the fixed header. */
		if (meta->frag_hdr_off != meta->l3_off + sizeof(*ip)) {
			ctr->c[CTR_defrag_dropped]++;
			rte_pktmbuf_free(m);
			return NULL;
		}
		m->l3_len = sizeof(*ip) + sizeof(*fh);
		out = rte_ipv6_frag_reassemble_packet(d->tbl, &d->dr, m, now_us, ip, fh);
	}
	if (d->dr.cnt != 0)
		defrag_reap(d, ctr);
	if (out != NULL)
		ctr->c[CTR_defrag_reassembled]++;
	return out;
}

void
defrag_expire(struct defrag *d, uint64_t now_us, struct counters *ctr)
{
	rte_ip_frag_table_del_expired_entries(d->tbl, &d->dr, now_us);
	if (d->dr.cnt != 0)
		defrag_reap(d, ctr);
}
