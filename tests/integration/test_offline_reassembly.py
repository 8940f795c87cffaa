"""Offline TCP reassembly through the real binary.

Every case of tgpcap.CASES (HTTP POST and SMTP uploads of 1 B .. 5 MiB with reordering,
duplicates, IPv4/IPv6 fragments, VLAN/QinQ, IPv6, sequence wraparound, midstream pickup,
several flows, a capture split over two files) is generated once per session and replayed
with --workers 1, 2 and 4. For each run:
  * the --dump-streams directory holds exactly one file per non-empty TCP direction and
    each file is byte-for-byte the payload that direction sent;
  * each flow event has the client as src, the right ports and proto, exact packet and
    byte counts per direction, exact start/end timestamps, state closed, no gaps and no
    differing overlaps;
  * --stats-json counts every frame and its bytes, one created and ended flow per flow,
    each fragmented datagram reassembled, and no gaps, differing overlaps or parse errors;
and the sorted events (canonical JSON, all fields) and the dumped streams are identical for
1, 2 and 4 workers. Two more cases check a segment missing from the capture (one gap, the
dump leaves those bytes out) and an overlapping retransmission with different bytes (the
first copy is kept).
"""

import hashlib

import pytest

import tgpcap
from tgpcap import fail_with

CASE_NAMES = list(tgpcap.CASES)
WORKER_COUNTS = (1, 2, 4)


def _check_run(bc, res, workers):
    title = "case %s, --workers %d" % (bc.name, workers)
    if res.rc != 0:
        fail_with(["tollgated exited with %s, expected 0" % res.rc], res, title)
    errs = tgpcap.compare_streams(bc.streams, res.streams)
    errs += tgpcap.compare_flow_events(bc.flows, res.events)
    st = res.stats
    want = {"packets": bc.frames,
            "bytes": sum(f.frame_bytes for f in bc.flows),
            "flows_created": len(bc.flows),
            "flows_ended": len(bc.flows),
            "defrag_reassembled": sum(f.fragmented for f in bc.flows),
            "reasm_gaps": 0,
            "reasm_overlaps_diff": 0,
            "parse_errors": 0}
    errs += ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in want.items()
             if st.get(k) != v]
    if errs:
        fail_with(errs, res, title)


@pytest.mark.parametrize("workers", WORKER_COUNTS, ids=lambda w: "w%d" % w)
@pytest.mark.parametrize("case", CASE_NAMES)
def test_dumped_streams_and_flow_events_equal_what_was_sent(replay, case, workers):
    bc, res = replay(case, workers)
    _check_run(bc, res, workers)


def _digest(streams):
    return {name: (len(b), hashlib.sha256(b).hexdigest()) for name, b in streams.items()}


@pytest.mark.parametrize("case", CASE_NAMES)
def test_output_is_identical_for_1_2_and_4_workers(replay, case):
    runs = {w: replay(case, w)[1] for w in WORKER_COUNTS}
    for w, res in runs.items():
        if res.rc != 0:
            fail_with(["--workers %d exited with %s" % (w, res.rc)], res, "case " + case)
    base_w = WORKER_COUNTS[0]
    base_ev = tgpcap.canonical_events(runs[base_w].events)
    base_st = _digest(runs[base_w].streams)
    errs = []
    for w in WORKER_COUNTS[1:]:
        ev = tgpcap.canonical_events(runs[w].events)
        if ev != base_ev:
            only_a = sorted(set(base_ev) - set(ev))
            only_b = sorted(set(ev) - set(base_ev))
            errs.append("events differ between --workers %d (%d events) and --workers %d "
                        "(%d events)" % (base_w, len(base_ev), w, len(ev)))
            errs += ["  only with %d workers: %s" % (base_w, x) for x in only_a[:5]]
            errs += ["  only with %d workers: %s" % (w, x) for x in only_b[:5]]
            if not only_a and not only_b:
                errs.append("  same events, different multiplicity")
        st = _digest(runs[w].streams)
        if st != base_st:
            for name in sorted(set(st) | set(base_st)):
                if st.get(name) != base_st.get(name):
                    errs.append("stream %s: --workers %d %s, --workers %d %s" % (
                        name, base_w, base_st.get(name), w, st.get(name)))
    if errs:
        fail_with(errs, None, "case " + case)


def _stats(res):
    st = res.stats
    assert isinstance(st, dict), "--stats-json did not write a JSON object"
    return st


def test_dropped_segment_acked_by_peer_is_one_gap_and_left_out_of_dump(replay):
    bc, res = replay("gap", 1)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res, "gap case")
    flow = bc.flows[0]
    req = bc.params["request"]
    lo, hi = bc.params["missing"]
    # the generator's oracle and the hand-computed one agree
    assert flow.c2s == req[:lo] + req[hi:]
    assert flow.gaps == 1
    errs = tgpcap.compare_streams(bc.streams, res.streams)
    errs += tgpcap.compare_flow_events(bc.flows, res.events)
    st = _stats(res)
    if st.get("reasm_gaps") != 1:
        errs.append("stats reasm_gaps = %r, expected 1" % st.get("reasm_gaps"))
    if errs:
        fail_with(errs, res, "gap case: bytes [%d, %d) of the request are missing" % (lo, hi))


def test_overlap_with_different_bytes_is_counted_and_first_copy_kept(replay):
    bc, res = replay("overlap", 1)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res, "overlap case")
    flow = bc.flows[0]
    assert flow.c2s == bc.params["request"]
    errs = tgpcap.compare_streams(bc.streams, res.streams)
    errs += tgpcap.compare_flow_events(bc.flows, res.events)   # overlaps_different >= 1
    st = _stats(res)
    got = st.get("reasm_overlaps_diff")
    if not isinstance(got, int) or got < 1:
        errs.append("stats reasm_overlaps_diff = %r, expected >= 1" % got)
    if st.get("reasm_gaps") != 0:
        errs.append("stats reasm_gaps = %r, expected 0" % st.get("reasm_gaps"))
    if errs:
        fail_with(errs, res, "overlap case")


def test_catalogue_covers_the_required_variants():
    """Guard against the case list silently losing a variant."""
    want = {"size 1 B": lambda p: p["size"] == 1,
            "size 1 KiB": lambda p: p["size"] == 1024,
            "size 64 KiB": lambda p: p["size"] == 64 * 1024,
            "size 1 MiB": lambda p: p["size"] == 1024 * 1024,
            "size 5 MiB": lambda p: p["size"] == 5 * 1024 * 1024,
            "smtp": lambda p: p["app"] == "smtp",
            "reorder": lambda p: p.get("reorder"),
            "duplicate": lambda p: p.get("dup_rate"),
            "ipv4 fragments": lambda p: p.get("frag") and not p.get("ipv6"),
            "ipv6 fragments": lambda p: p.get("frag") and p.get("ipv6"),
            "vlan": lambda p: len(p.get("vlans", ())) == 1,
            "qinq": lambda p: len(p.get("vlans", ())) == 2,
            "ipv6": lambda p: p.get("ipv6"),
            "wraparound": lambda p: p.get("wrap"),
            "midstream": lambda p: p.get("midstream"),
            "several flows": lambda p: p["app"] == "multi",
            "two files": lambda p: p.get("files") == 2}
    missing = [k for k, f in want.items() if not any(f(p) for p in tgpcap.CASES.values())]
    assert missing == []
