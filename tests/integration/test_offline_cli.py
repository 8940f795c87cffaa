"""The offline command line: bad and odd input files, --events -, the summary, and
--stats-json counters.

Expectations (the daemon contract):
  * a nonexistent, unreadable or corrupt capture (random bytes, a cut or bad file header,
    an empty file) exits non-zero, not by a signal, and stderr names the file;
  * a capture whose last record is cut short: the complete packets before the cut are
    processed. Whether that is exit 0 or 1 is the daemon's choice; it must not crash (no
    signal, no other code) and the flows before the cut are reported exactly;
  * a valid capture with no packets exits 0 and reports no flows;
  * frames that are garbage or carry hostile headers are counted as parse errors; the
    daemon exits 0 and a valid flow among them is still reported and dumped exactly;
  * --stats-json counts every frame read ("packets", "bytes" = sum of frame lengths as
    captured), the flows created and ended, defragmented datagrams, gaps, differing
    overlaps and parse errors.
"""

import json
import os
import random
import re
import struct
import subprocess

import pytest

import tgpcap
from tgpcap import fail_with


def _write_raw_pcap(path, frames, linktype=1, snaplen=65535):
    """frames: (t_us, data, wirelen or None). Written by hand so caplen < len and
    zero-length frames are possible."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))
        for t, data, wirelen in frames:
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(data),
                                wirelen if wirelen is not None else len(data)))
            f.write(data)


def _small_capture(rng, frag=True):
    """An HTTP upload (IPv4 fragments when frag), a DNS exchange, ICMP and ICMPv6 echo."""
    s = tgpcap.TcpSession(rng, "10.40.0.1", 41000, "10.40.0.2", 80, frag=frag,
                          start_us=tgpcap.EPOCH_US)
    tgpcap.http_post(s, rng.randbytes(6000))
    gens = [s,
            tgpcap.UdpDns(rng, "10.40.0.1", 53100, "10.40.0.53", n=2,
                          start_us=tgpcap.EPOCH_US + 300, mac_base=20),
            tgpcap.IcmpEcho(rng, "10.40.0.1", "10.40.0.2", n=2,
                            start_us=tgpcap.EPOCH_US + 500, mac_base=22),
            tgpcap.IcmpEcho(rng, "fd00:40::1", "fd00:40::2", n=1,
                            start_us=tgpcap.EPOCH_US + 700, mac_base=24)]
    return tgpcap.Capture(gens)


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    d = tmp_path_factory.mktemp("small")
    cap = _small_capture(random.Random(11))
    path = d / "small.pcap"
    cap.write(path)
    return cap, str(path)


def _check_exit_error(res, path):
    if res.rc is None or res.rc <= 0:
        fail_with(["expected a non-zero exit (not a signal), got %s" % res.rc], res)
    if str(path) not in res.stderr:
        fail_with(["stderr does not name %s" % path], res)


def test_nonexistent_pcap_exits_nonzero_and_names_the_path(tmp_path, tollgated_bin):
    path = tmp_path / "no-such-capture.pcap"
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl"], 60)
    _check_exit_error(res, path)


def test_missing_second_read_exits_nonzero_and_names_it(tmp_path, small, tollgated_bin):
    _, good = small
    missing = tmp_path / "second-is-missing.pcap"
    res = tgpcap.run_tollgated(["--read", good, "--read", missing,
                                "--events", tmp_path / "ev.jsonl"], 60)
    _check_exit_error(res, missing)


def _corrupt(kind, good_bytes):
    rng = random.Random(kind)
    if kind == "random_bytes":
        data = rng.randbytes(4096)
        assert data[:4] not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",
                                b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
        return data
    if kind == "truncated_header":
        return good_bytes[:12]
    if kind == "empty_file":
        return b""
    if kind == "bad_magic":
        return b"\x00\x11\x22\x33" + good_bytes[4:]
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["random_bytes", "truncated_header", "empty_file",
                                  "bad_magic"])
def test_corrupt_pcap_exits_nonzero_and_names_the_file(tmp_path, small, kind, tollgated_bin):
    _, good = small
    path = tmp_path / ("corrupt-%s.pcap" % kind)
    path.write_bytes(_corrupt(kind, open(good, "rb").read()))
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl"], 60)
    _check_exit_error(res, path)


def test_truncated_last_packet_still_reports_flows_before_the_cut(tmp_path, tollgated_bin):
    rng = random.Random(12)
    s = tgpcap.TcpSession(rng, "10.41.0.1", 42000, "10.41.0.2", 80)
    tgpcap.http_post(s, rng.randbytes(3000))
    dns = tgpcap.UdpDns(rng, "10.41.0.1", 53200, "10.41.0.53", n=1,
                        start_us=tgpcap.EPOCH_US + 100, mac_base=30)
    cap = tgpcap.Capture([s, dns])
    # one more frame after everything: an echo request whose record is cut in the middle
    tail = tgpcap.IcmpEcho(rng, "10.41.0.9", "10.41.0.10", n=1,
                           start_us=cap.records[-1][0] + 1000, mac_base=32)
    path = tmp_path / "cut.pcap"
    cap.write(path)
    t, frame = tail.records[0]
    with open(path, "ab") as f:
        f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(frame), len(frame)))
        f.write(frame[:len(frame) // 2])
    ev = tmp_path / "ev.jsonl"
    res = tgpcap.run_tollgated(["--read", path, "--events", ev,
                                "--dump-streams", tmp_path / "streams"], 60)
    if res.rc not in (0, 1):
        fail_with(["expected exit 0 or 1 (no crash), got %s" % res.rc], res)
    errs = tgpcap.compare_flow_events(cap.flows(), res.events, allow_extra=True)
    errs += tgpcap.compare_streams(tgpcap.expected_streams(cap.flows()), res.streams)
    if errs:
        fail_with(errs, res, "flows before the cut")


def test_events_dash_writes_json_lines_to_stdout_and_summary_to_stderr(tmp_path, small, tollgated_bin):
    cap, path = small
    res = tgpcap.run_tollgated(["--read", path, "--events", "-"], 60)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    events = res.events          # every non-empty stdout line must be a JSON object
    errs = tgpcap.compare_flow_events(cap.flows(), events)
    if not re.search(r"packets", res.stderr, re.I) or not re.search(r"flows", res.stderr,
                                                                       re.I):
        errs.append("the summary (packets, flows) is not on stderr")
    if errs:
        fail_with(errs, res)


def test_events_dash_into_a_pipe_without_reader_are_counted_lost(tmp_path, small,
                                                                 tollgated_bin):
    """`--events -` into a pipe whose reader has gone (`tollgated -r x --events - | head
    -0`): every write fails at once (EPIPE; SIGPIPE is ignored), nothing waits, and the
    events are counted lost, not written: the summary says `events 0 written, N lost`
    with N the flows of the capture, the log names the failed writes, exit code 1."""
    cap, path = small
    r, w = os.pipe()
    os.close(r)
    try:
        cp = subprocess.run([str(tollgated_bin), "--read", path, "--events", "-"],
                            stdin=subprocess.DEVNULL, stdout=w, stderr=subprocess.PIPE,
                            timeout=60)
    finally:
        os.close(w)
    err = cp.stderr.decode(errors="replace")
    assert cp.returncode == 1, err
    n = len(cap.flows())
    assert n > 0
    assert re.search(r"events +0 written, %d lost" % n, err), err
    assert re.search(r"writes of events to - failed \(their events are counted lost\)",
                     err), err


def test_summary_on_stdout_mentions_packets_and_flows(tmp_path, small, tollgated_bin):
    cap, path = small
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl"], 60)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    errs = []
    for word in ("packets", "flows"):
        if not re.search(word, res.stdout, re.I):
            errs.append("summary on stdout does not mention %r" % word)
    nframes = len(cap.records)
    if not re.search(r"\b%d\b" % nframes, res.stdout):
        errs.append("summary does not show the packet count %d" % nframes)
    if len(res.stdout.splitlines()) > 40:
        errs.append("summary is %d lines, more than one screen" % len(res.stdout.splitlines()))
    if errs:
        fail_with(errs, res)


def test_stats_json_counts_frames_bytes_flows_and_defrag(tmp_path, small, tollgated_bin):
    cap, path = small
    flows = cap.flows()
    stats_path = tmp_path / "stats.json"
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl",
                                "--stats-json", stats_path], 60)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    st = json.loads(stats_path.read_text())
    want = {"packets": len(cap.records),
            "bytes": sum(len(f) for _, f in cap.records),
            "flows_created": len(flows),
            "flows_ended": len(flows),
            "defrag_reassembled": sum(f.fragmented for f in flows),
            "reasm_gaps": 0,
            "reasm_overlaps_diff": 0,
            "parse_errors": 0}
    assert want["defrag_reassembled"] > 0
    errs = ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in want.items()
            if st.get(k) != v]
    errs += tgpcap.compare_flow_events(flows, res.events)
    if errs:
        fail_with(errs, res)


def test_empty_pcap_exits_zero_with_no_flows(tmp_path, tollgated_bin):
    path = tmp_path / "empty.pcap"
    tgpcap.write_pcap(path, [])
    ev = tmp_path / "ev.jsonl"
    stats = tmp_path / "stats.json"
    res = tgpcap.run_tollgated(["--read", path, "--events", ev, "--stats-json", stats,
                                "--dump-streams", tmp_path / "streams"], 60)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    errs = []
    events = res.events if ev.exists() else []
    if tgpcap.flow_events(events):
        errs.append("flow events from an empty capture: %s" % tgpcap.flow_events(events))
    st = json.loads(stats.read_text())
    for k in ("packets", "bytes", "flows_created", "flows_ended", "parse_errors"):
        if st.get(k) != 0:
            errs.append("stats %s = %r, expected 0" % (k, st.get(k)))
    if res.streams:
        errs.append("stream files from an empty capture: %s" % sorted(res.streams))
    if errs:
        fail_with(errs, res)


def _eth(ethertype, src=b"\x02\x00\x00\x00\x00\x09", dst=b"\x02\x00\x00\x00\x00\x0a"):
    return dst + src + struct.pack("!H", ethertype)


def _ipv4(payload, proto=6, ihl=5, total=None, version=4, frag=0, ident=1,
          src=b"\x0a\x63\x01\x01", dst=b"\x0a\x63\x01\x02", options=b""):
    hdr = struct.pack("!BBHHHBBH4s4s", (version << 4) | ihl, 0,
                      total if total is not None else 20 + len(options) + len(payload),
                      ident, frag, 64, proto, 0, src, dst)
    return hdr + options + payload


def _ipv6(payload, nh=6, plen=None, src=b"\xfd" + b"\x00" * 14 + b"\x09",
          dst=b"\xfd" + b"\x00" * 14 + b"\x0a"):
    return struct.pack("!IHBB16s16s", 0x60000000,
                       plen if plen is not None else len(payload), nh, 64, src,
                       dst) + payload


def _tcp(doff=5, flags=0x18, payload=b"", options=b""):
    return struct.pack("!HHIIBBHHH", 40000, 80, 1, 1, doff << 4, flags, 502, 0,
                       0) + options + payload


def hostile_frames(rng):
    """(name, frame bytes, wirelen or None) of frames a parser must refuse or survive."""
    out = []
    ip = lambda *a, **k: _eth(0x0800) + _ipv4(*a, **k)  # noqa: E731
    ip6 = lambda *a, **k: _eth(0x86DD) + _ipv6(*a, **k)  # noqa: E731
    out += [
        ("zero-length", b"", 0),
        ("eth-5-bytes", b"\x02\x00\x00\x00\x00", None),
        ("eth-13-bytes", _eth(0x0800)[:13], None),
        ("vlan-cut", _eth(0x8100) + b"\x00", None),
        ("vlan-depth-5", _eth(0x8100) + b"".join(struct.pack("!HH", i, 0x8100)
                                                  for i in range(1, 5))
         + struct.pack("!HH", 5, 0x0800) + _ipv4(_tcp()), None),
        ("ipv4-10-bytes", _eth(0x0800) + _ipv4(b"")[:10], None),
        ("ipv4-version-5", ip(_tcp(), version=5), None),
        ("ipv4-ihl-3", ip(_tcp(), ihl=3), None),
        ("ipv4-ihl-15-short", ip(_tcp()[:20], ihl=15), None),
        ("ipv4-totlen-beyond", ip(_tcp(), total=1500), None),
        ("ipv4-totlen-below-ihl", ip(_tcp(), total=10), None),
        ("ipv4-option-len-0", ip(_tcp(), ihl=6, options=b"\x07\x00\x00\x00"), None),
        ("ipv4-option-len-beyond", ip(_tcp(), ihl=6, options=b"\x07\x28\x00\x00"), None),
        ("tcp-10-bytes", ip(_tcp()[:10]), None),
        ("tcp-doff-15", ip(_tcp(doff=15)), None),
        ("tcp-doff-2", ip(_tcp(doff=2)), None),
        ("tcp-option-len-0", ip(_tcp(doff=6, options=b"\x02\x00\x00\x00")), None),
        ("tcp-option-len-beyond", ip(_tcp(doff=6, options=b"\x03\x09\x00\x00")), None),
        ("udp-4-bytes", ip(b"\x00\x35\x00\x35", proto=17), None),
        ("udp-len-4", ip(struct.pack("!HHHH", 53, 53, 4, 0) + b"abcd", proto=17), None),
        ("udp-len-beyond", ip(struct.pack("!HHHH", 53, 53, 1000, 0) + b"abcd",
                              proto=17), None),
        ("icmp-2-bytes", ip(b"\x08\x00", proto=1), None),
        ("ipv6-30-bytes", _eth(0x86DD) + _ipv6(b"")[:30], None),
        ("ipv6-version-4", _eth(0x86DD) + b"\x40" + _ipv6(_tcp())[1:], None),
        ("ipv6-plen-beyond", ip6(_tcp(), plen=2000), None),
        ("ipv6-ext-depth-10", ip6(b"".join(bytes([0, 0]) + b"\x00" * 6 for _ in range(9))
                                  + bytes([6, 0]) + b"\x00" * 6 + _tcp(), nh=0), None),
        ("ipv6-ext-cut", ip6(bytes([6, 9]) + b"\x00" * 6, nh=0), None),
        ("icmpv6-2-bytes", ip6(b"\x80\x00", nh=58), None),
        ("snaplen-cut", ip(_tcp(payload=b"A" * 400))[:60], 454),
        # fragments: beyond 64 KiB, overlapping, tiny, too many, unfinished
        ("frag-beyond-64k", ip(b"B" * 64, proto=17, frag=0x2000 | 8190, ident=7), None),
        ("frag-overlap-a", ip(b"C" * 64, proto=17, frag=0x2000, ident=8), None),
        ("frag-overlap-b", ip(b"D" * 64, proto=17, frag=0x2000 | 4, ident=8), None),
        ("frag-overlap-end", ip(b"E" * 16, proto=17, frag=8, ident=8), None),
    ]
    for i in range(10):           # ten 8-byte fragments: reassembled, a bad UDP length
        out.append(("frag-ten-%d" % i, ip(b"F" * 8, proto=17, ident=9,
                                          frag=(0x2000 if i < 9 else 0) | i), None))
    for i in range(3):            # tiny first fragments never completed
        out.append(("frag-unfinished-%d" % i, ip(b"G" * 8, proto=6, ident=100 + i,
                                                 frag=0x2000), None))
    ip6frag = struct.pack("!BBHI", 17, 0, (8190 << 3) | 1, 77)
    out.append(("ipv6-frag-beyond-64k", ip6(ip6frag + b"H" * 64, nh=44), None))
    # random garbage: raw bytes, and random bytes behind valid-looking L2/L3 headers
    for i in range(150):
        out.append(("random-%d" % i, rng.randbytes(rng.randint(1, 1514)), None))
    for i in range(100):
        body = rng.randbytes(rng.randint(0, 200))
        if i % 2:
            out.append(("random-ipv4-%d" % i, _eth(0x0800) + bytes([0x45]) + body, None))
        else:
            out.append(("random-ipv6-%d" % i, _eth(0x86DD) + bytes([0x60]) + body, None))
    return out


def test_garbage_and_hostile_frames_are_parse_errors_not_crashes(tmp_path, tollgated_bin):
    rng = random.Random(13)
    s = tgpcap.TcpSession(rng, "10.42.0.1", 43000, "10.42.0.2", 80,
                          start_us=tgpcap.EPOCH_US)
    tgpcap.http_post(s, rng.randbytes(20000))
    good = s.expect()
    bad = hostile_frames(rng)
    # spread the hostile frames evenly between the valid flow's packets
    after = {}
    recs = s.records
    for k, b in enumerate(bad):
        after.setdefault(k * len(recs) // len(bad), []).append(b)
    frames = []
    for j, (t, f) in enumerate(recs):
        frames.append((t, f, None))
        frames += [(t, data, wirelen) for _, data, wirelen in after.get(j, [])]
    path = tmp_path / "garbage.pcap"
    _write_raw_pcap(path, frames)
    stats = tmp_path / "stats.json"
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl",
                                "--dump-streams", tmp_path / "streams",
                                "--stats-json", stats], 120)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    st = json.loads(stats.read_text())
    errs = []
    if not isinstance(st.get("parse_errors"), int) or st["parse_errors"] <= 0:
        errs.append("stats parse_errors = %r, expected > 0" % st.get("parse_errors"))
    if st.get("packets") != len(frames):
        errs.append("stats packets = %r, expected %d frames" % (st.get("packets"),
                                                                len(frames)))
    errs += tgpcap.compare_flow_events([good], res.events, allow_extra=True)
    got_streams = {k: v for k, v in res.streams.items() if k.startswith("10.42.0.1_")}
    errs += tgpcap.compare_streams(good.streams(), got_streams)
    if errs:
        fail_with(errs, res, "valid flow among %d hostile frames" % len(bad))


def _relink(frame, linktype):
    """An untagged Ethernet frame as linktype writes it: raw IP (101), Linux cooked (113:
    16-byte header, protocol at bytes 14-15) or Linux cooked v2 (276: 20-byte header,
    protocol at bytes 0-1)."""
    ethertype, ip = frame[12:14], frame[14:]
    if linktype == 101:
        return ip
    if linktype == 113:
        return struct.pack("!HHH", 0, 1, 6) + frame[6:12] + b"\0\0" + ethertype + ip
    return ethertype + b"\0\0" + struct.pack("!IHBB", 2, 1, 0, 6) + frame[6:12] + b"\0\0" + ip


@pytest.mark.parametrize("linktype", [101, 113, 276])
def test_raw_ip_and_linux_cooked_captures_read_like_ethernet(tmp_path, tollgated_bin, linktype):
    """dataplane/pcap_link.c: the same flows, streams and byte counts as the Ethernet
    capture (each frame gets a synthetic 14-byte Ethernet header); a frame shorter than
    its link header is dropped, not parsed."""
    rng = random.Random(14)
    s4 = tgpcap.TcpSession(rng, "10.43.0.1", 44000, "10.43.0.2", 80, start_us=tgpcap.EPOCH_US)
    tgpcap.http_post(s4, rng.randbytes(5000))
    s6 = tgpcap.TcpSession(rng, "fd00:43::1", 44001, "fd00:43::2", 25,
                           start_us=tgpcap.EPOCH_US + 50, mac_base=40)
    tgpcap.http_post(s6, rng.randbytes(3000))
    cap = tgpcap.Capture([s4, s6])
    frames = [(t, _relink(f, linktype), None) for t, f in cap.records]
    short = {101: b"", 113: bytes(15), 276: bytes(19)}[linktype]
    frames.insert(3, (frames[2][0], short, None))
    path = tmp_path / ("link%d.pcap" % linktype)
    _write_raw_pcap(path, frames, linktype=linktype)
    stats = tmp_path / "stats.json"
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl",
                                "--dump-streams", tmp_path / "streams",
                                "--stats-json", stats], 60)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    st = json.loads(stats.read_text())
    # An empty raw frame still becomes a (14-byte, non-IP) frame; a short cooked one is
    # dropped before the pipeline.
    want = {"packets": len(cap.records) + (linktype == 101),
            "bytes": sum(len(f) for _, f in cap.records) + 14 * (linktype == 101),
            "flows_created": 2, "parse_errors": 0}
    errs = ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in want.items()
            if st.get(k) != v]
    errs += tgpcap.compare_flow_events(cap.flows(), res.events)
    errs += tgpcap.compare_streams(tgpcap.expected_streams(cap.flows()), res.streams)
    if errs:
        fail_with(errs, res, "link type %d" % linktype)


def test_unsupported_link_type_is_refused_naming_file_and_type(tmp_path, tollgated_bin):
    path = tmp_path / "wifi.pcap"
    _write_raw_pcap(path, [(tgpcap.EPOCH_US, bytes(40), None)], linktype=105)
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "ev.jsonl"], 60)
    _check_exit_error(res, path)
    if "unsupported link type" not in res.stderr or "(105)" not in res.stderr:
        fail_with(["stderr does not say unsupported link type (105)"], res)


def test_small_capture_directions_are_as_generated(small):
    """The fixture itself: both directions of every flow carry packets, and the HTTP
    upload's request and response are what http_post wrote."""
    cap, _ = small
    flows = cap.flows()
    assert [f.proto for f in flows] == ["TCP", "UDP", "ICMP", "IPv6-ICMP"]
    assert all(f.pkts_toserver and f.pkts_toclient for f in flows)
    http = flows[0]
    assert http.c2s.startswith(b"POST /upload HTTP/1.1\r\n")
    assert http.s2c.startswith(b"HTTP/1.1 200 OK\r\n")
    assert http.fragmented > 0
    head, body = http.c2s.split(b"\r\n\r\n", 1)
    assert b"\r\nContent-Length: 6000" in head and len(body) == 6000


def test_dump_streams_creates_missing_parent_directories(tmp_path, small, tollgated_bin):
    """docs/cli.md: DIR is created if needed, parents included (mkdir -p)."""
    cap, path = small
    out = tmp_path / "a" / "b" / "streams"
    res = tgpcap.run_tollgated(["--read", path, "--dump-streams", out], 60)
    if res.rc != 0:
        fail_with(["expected exit 0, got %s" % res.rc], res)
    errs = tgpcap.compare_streams(tgpcap.expected_streams(cap.flows()), res.streams)
    if errs:
        fail_with(errs, res, "streams under a directory whose parents were missing")


def test_dump_streams_under_a_file_is_refused_naming_the_path(tmp_path, small, tollgated_bin):
    cap, path = small
    (tmp_path / "afile").write_text("x")
    res = tgpcap.run_tollgated(["--read", path, "--dump-streams", tmp_path / "afile" / "d"], 60)
    assert res.rc == 2, (res.rc, res.stderr)
    assert "--dump-streams %s: Not a directory" % (tmp_path / "afile" / "d") in res.stderr


def test_stats_api_counts_truncated_and_oversized_records(tmp_path, tollgated_bin):
    """/v1/stats "input" says what the reader could not take whole: a record cut by the
    capture's snaplen (inspected as far as it goes) and one too large to be a frame
    (dropped), besides the frames read."""
    import subprocess
    from tgdaemon import StderrTail, api_stats, free_port, token_file, wait_for

    rng = random.Random(21)
    s = tgpcap.TcpSession(rng, "10.43.0.1", 43100, "10.43.0.2", 80,
                          start_us=tgpcap.EPOCH_US)
    tgpcap.http_post(s, rng.randbytes(3000))
    frames = [(t, f, None) for t, f in s.records]
    t_end = frames[-1][0]
    cut = s.records[3][1]
    frames.append((t_end + 1, cut[:60], len(cut)))                 # snaplen cut
    frames.append((t_end + 2, b"\x00" * 70000, None))              # > 65,599 bytes
    path = tmp_path / "odd.pcap"
    _write_raw_pcap(path, frames, snaplen=262144)
    port = free_port()
    tokens = tmp_path / "tokens"
    token_file(tokens)
    p = subprocess.Popen([tollgated_bin, "--read", path, "--serve", "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file", tokens, "--state-dir",
                          tmp_path / "state", "--events", tmp_path / "ev.jsonl"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tail = StderrTail(p)
    try:
        read = len(frames) - 1
        wait_for("the capture read", lambda: api_stats(port)["input"]["packets"] == read, p)
        inp = api_stats(port)["input"]
        assert inp["files"] == 1
        assert inp["truncated"] == 1 and inp["oversized"] == 1
        assert inp["errors"] == 0 and inp["bad_time"] == 0
        assert inp["checksums_offloaded_files"] == 0
    finally:
        p.terminate()
        _, err = tail.communicate(p)
    assert p.returncode == 0, err


def _write_format(path, frames, fmt, snaplen=65535):
    """frames: (t_us, data, wirelen) written as fmt: "usec_le", "usec_be", "nsec_le",
    "nsec_be" (classic pcap; a nanosecond file's fraction is t_us * 1000 + 999, which the
    reader divides back down), or "pcapng" (little-endian, microsecond resolution)."""
    if fmt == "pcapng":
        def block(btype, body):
            body += bytes(-len(body) % 4)
            return struct.pack("<II", btype, 12 + len(body)) + body + \
                struct.pack("<I", 12 + len(body))
        out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        out += block(1, struct.pack("<HHI", 1, 0, snaplen))
        for t, data, wirelen in frames:
            out += block(6, struct.pack("<IIIII", 0, t >> 32, t & 0xFFFFFFFF, len(data),
                                        wirelen) + data)
        path.write_bytes(out)
        return
    e = "<" if fmt.endswith("_le") else ">"
    nano = fmt.startswith("nsec")
    out = struct.pack(e + "IHHiIII", 0xA1B23C4D if nano else 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)
    for t, data, wirelen in frames:
        frac = t % 1_000_000 * 1000 + 999 if nano else t % 1_000_000
        out += struct.pack(e + "IIII", t // 1_000_000, frac, len(data), wirelen) + data
    path.write_bytes(out)


def test_classic_pcap_in_any_byte_order_and_resolution_reads_as_pcapng(tmp_path, small,
                                                                        tollgated_bin):
    """Classic pcap files of Ethernet frames are read by dataplane/pcap_file.c, every
    other format by libpcap: the same frames as microsecond or nanosecond files in either
    byte order and as pcapng (libpcap's) give the same events, time stamps included, the
    same streams and counters. A classic record longer than the file's snapshot length is
    cut to it (pcapng gets the records cut), counted as truncated. Then a record whose
    length is past any snapshot (262144) ends the file as corrupt, after the packets
    before it, naming the file."""
    cap, _ = small
    frames = [(t, f, len(f)) for t, f in cap.records]
    # One UDP frame longer than the snapshot length of 1600 bytes: cut to it.
    rng = random.Random(15)
    big = tgpcap.UdpDns(rng, "10.45.0.1", 53300, "10.45.0.53", n=1,
                        start_us=cap.records[-1][0] + 100, mac_base=50)
    t_big, f_big = big.records[0]
    f_big = f_big + bytes(2000)  # padding after the datagram: not part of it
    frames.append((t_big, f_big, len(f_big)))
    runs = {}
    for fmt in ("pcapng", "usec_le", "usec_be", "nsec_le", "nsec_be"):
        path = tmp_path / ("%s.pcap" % fmt)
        if fmt == "pcapng":     # a record past the snapshot length is an error in pcapng:
            _write_format(path, [(t, f[:1600], n) for t, f, n in frames], fmt)  # cut here
        else:
            _write_format(path, frames, fmt, snaplen=1600)
        stats = tmp_path / ("%s.stats.json" % fmt)
        res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / ("%s.ev" % fmt),
                                    "--dump-streams", tmp_path / ("%s.streams" % fmt),
                                    "--stats-json", stats], 60)
        if res.rc != 0:
            fail_with(["%s: exit %s, expected 0" % (fmt, res.rc)], res)
        runs[fmt] = (res, json.loads(stats.read_text()))
    ref, ref_st = runs["pcapng"]
    # The snapshot cut the padded frame only, after its datagram.
    assert ref_st["packets"] == len(frames) and ref_st["parse_errors"] == 0
    assert ref_st["bytes"] == sum(len(f) for _, f, _ in frames) - (len(f_big) - 1600)
    assert "; 1 cut short on file" in ref.stdout
    errs = tgpcap.compare_flow_events(cap.flows(), ref.events, allow_extra=True)
    errs += [] if len(ref.events) == len(cap.flows()) + 1 else ["not one more flow event"]
    if errs:
        fail_with(errs, ref, "pcapng")
    for fmt, (res, st) in runs.items():
        errs = []
        if res.events != ref.events:
            errs.append("%s: events differ from pcapng's" % fmt)
        if res.streams != ref.streams:
            errs.append("%s: streams differ from pcapng's" % fmt)
        errs += ["%s: %s = %r, pcapng %r" % (fmt, k, st.get(k), v)
                 for k, v in ref_st.items()
                 if not k.startswith(("idle_", "busy_")) and st.get(k) != v]  # time, not data
        line = re.search(r"input .*", res.stdout).group(0)
        if line != re.search(r"input .*", ref.stdout).group(0):
            errs.append("%s: summary %r, pcapng %r" % (fmt, line,
                                                      re.search(r"input .*", ref.stdout)))
        if errs:
            fail_with(errs, res, fmt)
    # A record past any snapshot length: corrupt, after the packets before it.
    path = tmp_path / "past.pcap"
    _write_format(path, frames[:3], "usec_le")
    with open(path, "ab") as f:
        f.write(struct.pack("<IIII", frames[3][0] // 1_000_000, 0, 262145, 262145))
        f.write(bytes(64))
    stats = tmp_path / "past.stats.json"
    res = tgpcap.run_tollgated(["--read", path, "--events", tmp_path / "past.ev",
                                "--stats-json", stats], 60)
    _check_exit_error(res, path)
    if "invalid packet capture length 262145" not in res.stderr:
        fail_with(["stderr does not say why the file is corrupt"], res)
    assert json.loads(stats.read_text())["packets"] == 3
