/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture filters (capture_bpf.h): libpcap compiles, DPDK converts, verifies and JITs.
 * libpcap's error text is passed on as it is, so a person sees what tcpdump would say.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pcap/pcap.h>
#include <rte_bpf.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include "capture_bpf.h"

struct capture_bpf {
	struct bpf_program prog;	/* cBPF, for pcap_offline_filter */
	int has_prog;
	struct rte_bpf *rte;		/* eBPF for the workers, NULL: every packet */
	capture_jit_fn jit;
};

struct capture_bpf *
capture_bpf_compile(const char *expr, uint32_t snaplen, char *err, size_t errlen)
{
	struct capture_bpf *b = calloc(1, sizeof(*b));
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	pcap_t *dead;

	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (expr == NULL || expr[0] == '\0')
		return b;
	dead = pcap_open_dead(DLT_EN10MB, (int)snaplen);
	if (dead == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pcap_compile(dead, &b->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, errlen, "%s", pcap_geterr(dead));
		pcap_close(dead);
		goto fail;
	}
	pcap_close(dead);
	b->has_prog = 1;
	prm = rte_bpf_convert(&b->prog);
	if (prm == NULL) {
		snprintf(err, errlen, "the compiled filter cannot be converted to eBPF: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	b->rte = rte_bpf_load(prm);
	rte_free(prm);
	if (b->rte == NULL) {
		snprintf(err, errlen, "the compiled filter was refused by the eBPF verifier: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	if (rte_bpf_get_jit(b->rte, &jit) == 0 && jit.func != NULL)
		b->jit = jit.func;
	return b;
fail:
	capture_bpf_free(b);
	return NULL;
}

const struct rte_bpf *
capture_bpf_program(const struct capture_bpf *b)
{
	return b->rte;
}

capture_jit_fn
capture_bpf_jit(const struct capture_bpf *b)
{
	return b->jit;
}

int
capture_bpf_match(const struct capture_bpf *b, const uint8_t *pkt, uint32_t caplen,
		  uint32_t len)
{
	struct pcap_pkthdr h;

	if (!b->has_prog)
		return 1;
	memset(&h, 0, sizeof(h));
	h.caplen = caplen;
	h.len = len;
	return pcap_offline_filter(&b->prog, &h, pkt) != 0;
}

void
capture_bpf_free(struct capture_bpf *b)
{
	if (b == NULL)
		return;
	if (b->rte != NULL)
		rte_bpf_destroy(b->rte);
	if (b->has_prog)
		pcap_freecode(&b->prog);
	free(b);
}
