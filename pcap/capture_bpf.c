/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture filters (capture_bpf.h): libpcap compiles, DPDK converts, verifies and JITs.
 * libpcap's error text is passed on as it is, so a person sees what tcpdump would say.
 * Two defects of DPDK 22.11 are worked around here (below): indirect byte and word loads
 * lose their index register in the conversion, and the JIT misencodes a bit test against
 * a small constant. tests/unit/test_capture_tap.c checks the JIT and the interpreter
 * against libpcap on a table of filters and frames.
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

/*
 * DPDK 22.11's rte_bpf_convert maps a cBPF indirect load (ldb/ld [x + k]) to an eBPF one
 * whose base register is X only when the opcode's BPF_X bit is set, which holds for the
 * halfword form (0x48) by accident and not for the byte (0x50) and word (0x40) forms: they
 * read [A + k] instead, so "tcp[13] & 2 != 0" never matches (the unit test
 * test_capture_tap_jit_interpreter_and_libpcap_agree shows it). Every indirect load a
 * converted program holds comes from a cBPF one, whose base is X (eBPF r7 in the
 * conversion): set it. Idempotent once DPDK is fixed.
 */
static void
capture_bpf_fix_ind(struct rte_bpf_prm *prm)
{
	struct ebpf_insn *ins = (struct ebpf_insn *)(uintptr_t)prm->ins;
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++)
		if (BPF_CLASS(ins[i].code) == BPF_LD && BPF_MODE(ins[i].code) == BPF_IND)
			ins[i].src_reg = EBPF_REG_7;
}

/*
 * DPDK 22.11's x86 JIT encodes "jset rX, #imm" as TEST r/m64, imm32 (opcode F7) followed
 * by a 1-byte immediate when imm fits in 8 bits: the CPU then reads 3 bytes of the next
 * instruction as immediate and runs garbage (a TCP flags test such as "tcp[13] & 2 != 0"
 * crashes). Such programs run interpreted (rte_bpf_exec); the others get native code.
 */
static int
capture_bpf_jit_safe(const struct rte_bpf_prm *prm)
{
	uint32_t i;

	for (i = 0; i < prm->nb_ins; i++) {
		const struct ebpf_insn *in = &prm->ins[i];

		if (in->code == (BPF_JMP | BPF_JSET | BPF_K) && in->imm >= INT8_MIN &&
		    in->imm <= INT8_MAX)
			return 0;
	}
	return 1;
}

struct capture_bpf *
capture_bpf_compile(const char *expr, uint32_t snaplen, char *err, size_t errlen)
{
	struct capture_bpf *b = calloc(1, sizeof(*b));
	struct rte_bpf_prm *prm;
	struct rte_bpf_jit jit;
	pcap_t *dead;
	int jit_safe;

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
	capture_bpf_fix_ind(prm);
	jit_safe = capture_bpf_jit_safe(prm);
	b->rte = rte_bpf_load(prm);
	rte_free(prm);
	if (b->rte == NULL) {
		snprintf(err, errlen, "the compiled filter was refused by the eBPF verifier: %s",
			 rte_strerror(rte_errno));
		goto fail;
	}
	if (jit_safe && rte_bpf_get_jit(b->rte, &jit) == 0 && jit.func != NULL)
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
