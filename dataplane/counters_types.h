/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker counters: one cache-aligned block per worker, written only by its worker and
 * summed by the control thread (VPP node counters, Suricata stats). Per-packet conditions
 * are counters, never log lines.
 */
#ifndef TOLLGATE_COUNTERS_TYPES_H
#define TOLLGATE_COUNTERS_TYPES_H

#include <stdint.h>
#include <rte_common.h>
#include "pkt_parse_types.h"

/* X-macro: name, description. The order is the enum order. */
#define CTR_LIST(X) \
	X(packets, "frames received by workers") \
	X(bytes, "frame bytes received by workers") \
	X(non_ip, "non-IP frames (ARP, LLDP, ...)") \
	X(parse_errors, "frames refused by the parser (see parse_err_*)") \
	X(defrag_fragments, "IP fragments received: each in one defrag_frags_* counter, or held") \
	X(defrag_reassembled, "datagrams reassembled from fragments") \
	X(defrag_frags_reassembled, "fragments that became part of a reassembled datagram") \
	X(defrag_frags_duplicate, "fragments not needed: all their bytes were held already") \
	X(defrag_frags_timeout, "fragments of datagrams still incomplete at defrag.timeout_ms") \
	X(defrag_frags_too_many, "fragments of datagrams in more than defrag.max_frags fragments") \
	X(defrag_frags_overlap, "fragments of datagrams whose fragments overlapped") \
	X(defrag_frags_invalid, "fragments refused: bad length, past 64 KiB, ends disagree") \
	X(defrag_frags_table_full, "fragments of datagrams evicted: defrag.max_flows in flight") \
	X(defrag_frags_memcap, "fragments of datagrams evicted: defrag.memcap held") \
	X(defrag_frags_shutdown, "fragments still held when the worker stopped") \
	X(defrag_held, "fragments held now, waiting for the rest of their datagram (gauge)") \
	X(defrag_held_bytes, "packet buffers of the fragments held now, bytes (gauge)") \
	X(checksum_bad_ip, "IPv4 frames with a bad header checksum: not inspected") \
	X(checksum_bad_l4, "TCP and UDP frames with a bad checksum: not inspected") \
	X(checksum_trusted, "frames whose checksums were not computed: checksums ignore, or an offloaded capture") \
	X(flows_created, "flows created") \
	X(flows_ended, "flows ended") \
	X(flows_timeout, "flows ended by idle timeout") \
	X(flows_evicted, "flows evicted by the table cap") \
	X(flows_shutdown, "flows ended at end of input or stop") \
	X(flows_reused, "flows ended by a new connection on their addresses and ports") \
	X(flows_refused, "packets without a flow: table full, eviction off") \
	X(flows_active, "flows in the tables now (gauge)") \
	X(tcp_no_syn, "TCP packets of unknown flows ignored: midstream off") \
	X(tcp_rst_ignored, "TCP RSTs not at the sequence number their receiver expects") \
	X(tcp_stale_acks, "TCP bare ACKs before the SYN-ACK: an older connection's, ignored") \
	X(reasm_segments, "TCP segments with payload") \
	X(reasm_in_order, "segments delivered in order") \
	X(reasm_ooo_held, "segments held out of order") \
	X(reasm_retransmits, "segments entirely retransmitted") \
	X(reasm_overlaps, "segments overlapping held or delivered data") \
	X(reasm_overlaps_diff, "overlaps whose bytes differed (first copy kept)") \
	X(reasm_gaps, "stream gaps declared") \
	X(reasm_gap_bytes, "bytes skipped by gaps") \
	X(reasm_ooo_flow_cap, "segments dropped: per-direction out-of-order cap") \
	X(reasm_pool_empty, "segments dropped: reassembly memory cap") \
	X(reasm_depth_reached, "directions that reached the depth limit") \
	X(reasm_not_started, "TCP data on directions not started") \
	X(reasm_urgent_marks, "TCP urgent pointers taken (a new urgent byte)") \
	X(reasm_urgent_removed, "TCP urgent bytes taken out of the stream (reassembly.urgent)") \
	X(reasm_urgent_beyond, "TCP urgent pointers past their segment (byte awaited)") \
	X(reasm_urgent_replaced, "TCP urgent bytes left inline: a newer pointer came first") \
	X(reasm_ack_unseen, "TCP acks beyond the data seen: no gap past it") \
	X(reasm_ttl_changed, "TCP data segments with another TTL than their direction's first") \
	X(reasm_ts_old, "TCP data segments whose timestamp is older than their direction's newest") \
	X(reasm_blocks_in_use, "reassembly blocks held (gauge)") \
	X(events_sent, "messages sent to the control thread") \
	X(events_dropped, "events lost: event ring or pool full (live mode)") \
	X(updates_dropped, "flow-list, learned-map and FQDN updates lost: ring or pool full") \
	X(dump_dropped, "stream dump chunks lost: ring or pool full (live mode)") \
	X(idle_polls, "receive polls that found no packet") \
	X(idle_sleeps, "idle back-off sleeps") \
	X(busy_polls, "receive polls that found packets") \
	X(busy_cycles, "TSC cycles spent in poll loops that found packets") \
	X(idle_cycles, "TSC cycles spent in poll loops that found none (back-off included)") \
	X(dispatch_dropped, "packets dropped by the dispatcher: worker ring full") \
	X(dlp_dirs_opened, "flow directions inspected by the DLP sensors") \
	X(dlp_dirs_refused, "flow directions NOT inspected: sensor stream cap (dlp.max_streams)") \
	X(dlp_dirs_evicted, "idle flow directions (no bytes for 1 s) whose sensor stream went to a new one") \
	X(dlp_dirs_resumed, "evicted flow directions that carried bytes again and went on counting from their parked state") \
	X(dlp_parks_dropped, "parked state of idle flow directions given up for newer ones (dlp.max_parked)") \
	X(dlp_matches, "personal data matches accepted (validated)") \
	X(dlp_events, "dlp events emitted") \
	X(dlp_distinct_overflow, "distinct-value sets full (values counted as new)") \
	X(dlp_buffers_opened, "decoded buffers (bodies, parts, URLs) inspected by the sensors") \
	X(dlp_buffers_refused, "decoded buffers NOT inspected: sensor stream cap (raw still scanned)") \
	X(dlp_raw_dups, "raw matches not counted again: found in a decoded buffer") \
	X(dlp_raw_skipped, "raw bytes not scanned again: inspected through a decoded buffer") \
	X(app_flows, "flows parsed by the app layer (HTTP, SMTP)") \
	X(app_flows_refused, "flows NOT parsed: app.max_flows states in use (scanned raw)") \
	X(app_http_messages, "HTTP messages parsed") \
	X(app_smtp_mails, "mails parsed (SMTP DATA/BDAT)") \
	X(app_parse_errors, "directions whose parser stopped (scanned raw from there)") \
	X(app_limit_hits, "... of them because a header limit was hit") \
	X(app_bodies, "bodies, parts and URLs scanned decoded") \
	X(app_decode_errors, "bodies whose encoding was corrupt (raw still scanned)") \
	X(app_decode_nomem, "bodies without decompressor memory: app.decode_memcap") \
	X(app_decode_capped, "bodies cut at app.max_decoded") \
	X(app_decode_bombs, "bodies stopped at app.max_ratio (decompression bomb)") \
	X(app_unknown_coding, "bodies with a Content-Encoding the layer cannot undo") \
	X(sensor_bytes_scanned, "bytes scanned by the sensor engine") \
	X(sensor_candidates, "pattern hits considered by validators") \
	X(sensor_boundary_rejected, "candidates inside a longer run of digits or letters") \
	X(sensor_validator_rejected, "candidates failing their checksum or shape") \
	X(sensor_context_missing, "valid weak-form values without a context keyword") \
	X(sensor_overlap_suppressed, "valid values not reported: a better match overlaps them") \
	X(sensor_candidates_dropped, "candidates dropped: pending list full or across a gap") \
	X(sensor_scan_errors, "Hyperscan scan errors") \
	X(sensor_gate_restarts, "Hyperscan stream scans restarted at a literal after bytes it skipped") \
	X(sensor_streams_active, "sensor streams open (gauge)") \
	X(sensor_stream_bytes, "memory held by open sensor streams (gauge)") \
	X(sensor_swaps, "sensor database changes taken by workers") \
	X(policy_reevaluations, "flows evaluated again: new policy, app or SNI") \
	X(policy_alerts, "policy verdicts reported (alert events)") \
	X(policy_flows_blocked, "flows whose verdict is block (protect mode)") \
	X(policy_require_tls, "flows whose first client bytes were not TLS (require_tls)") \
	X(dns_answers, "DNS answers read for FQDN groups") \
	X(tls_sni, "TLS server names read for FQDN groups") \
	X(tls_sni_incomplete, "ClientHellos that ended before their SNI (flow end, cap)") \
	X(meta_unparsed, "TLS hellos and DNS messages not reported: malformed or cut short") \
	X(first_bytes_unbuffered, "flows whose first client bytes were decided on a part only") \
	X(tx_packets, "frames queued for transmit on inline ports (forwarded, resets)") \
	X(tx_dropped, "frames an inline port did not take (freed)") \
	X(bridged_non_ip, "non-IP or unparsed frames bridged on inline ports") \
	X(verdict_drops, "frames dropped by a verdict (blocked flows, held segments, fragments)") \
	X(verdict_resets, "flows reset by a verdict (TCP RST to both ends)") \
	X(rst_sent, "TCP RST frames sent") \
	X(rst_not_sent, "resets not sent: the dropped segment was a RST itself, or no buffer") \
	X(inline_ooo_dropped, "out-of-order segments of strict flows not forwarded before the gap") \
	X(exception_fail_open, "frames forwarded uninspected by the exception policy (a cap)") \
	X(exception_fail_closed, "frames dropped by the exception policy (a cap)")

#define CTR_ENUM(n, d) CTR_##n,
enum ctr_id {
	CTR_LIST(CTR_ENUM)
	CTR__COUNT
};
#undef CTR_ENUM

struct counters {
	uint64_t c[CTR__COUNT];
	uint64_t parse_err[PKT_ERR__COUNT];
} __rte_cache_aligned;

#endif
