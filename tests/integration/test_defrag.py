"""IP reassembly end to end, written as an attacker would send it: scapy captures of an
HTTP card upload whose TCP segments are cut into many IP fragments (IPv4 and IPv6, in
order, reversed or shuffled), and hostile fragment mixes, replayed through the real
tollgated (--read).

Contract under test (docs/configuration.md "defrag", docs/events.md, docs/operations.md):
  * a datagram in up to defrag.max_frags (default 64) fragments is reassembled: the card in
    it is found with exactly the dlp event of the same upload unfragmented (redaction,
    hash, offset, path);
  * a datagram in more is given up: one `anomaly` event per datagram (type defrag, event
    frag_too_many, its addresses, IP id, max_frags + 1 fragments seen), every fragment of
    it counted in defrag_frags_too_many, and the card in it is not scanned;
  * overlapping fragments give the datagram up (frag_overlap), an exact duplicate is
    dropped alone and the datagram still completes;
  * every fragment lands in exactly one counter: defrag_fragments = held + every
    defrag_frags_* counter, in --stats-json and in the summary line.
"""

import random
import re

import pytest
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6, IPv6ExtHdrFragment
from scapy.layers.l2 import Ether
from scapy.packet import Raw

import dlp_values as V
import eve
import tgpcap
from tgpcap import C2S, EPOCH_US, S2C, fail_with

CARD = "4111111111111111"
CLIENT4, SERVER4 = "10.64.0.1", "10.64.1.1"
CLIENT6, SERVER6 = "fd64::1", "fd64::1:1"
HASH_KEY_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"
REASONS = ("reassembled", "duplicate", "timeout", "too_many", "overlap", "invalid",
           "table_full", "memcap", "shutdown")


# --------------------------------------------------------------------------------------
# Captures
# --------------------------------------------------------------------------------------

def cut(frame, n, ident, order, rng):
    """The Ethernet frame's IP datagram cut into exactly n fragments, the first n - 1 of
    the same multiple of 8 bytes and the last the rest, in the order given."""
    pkt = Ether(frame)
    l2 = Ether(src=pkt.src, dst=pkt.dst)
    if IP in pkt:
        ip = pkt[IP]
        data = bytes(ip.payload)
    else:
        ip = pkt[IPv6]
        data = bytes(ip.payload)
    step = len(data) // n // 8 * 8
    assert step >= 8, (len(data), n)
    out = []
    for i in range(n):
        off = i * step
        chunk = data[off:off + step] if i + 1 < n else data[off:]
        h = ip.copy()
        h.remove_payload()
        if IP in pkt:
            h.flags = "MF" if i + 1 < n else 0
            h.frag = off // 8
            h.id = ident
            del h.len
            del h.chksum
            f = l2 / h / Raw(chunk)
        else:
            nh = ip.nh
            del h.plen
            h.nh = 44
            f = l2 / h / IPv6ExtHdrFragment(nh=nh, offset=off // 8, m=int(i + 1 < n),
                                            id=ident) / Raw(chunk)
        out.append(bytes(f))
    if order == "reverse":
        out.reverse()
    elif order == "shuffle":
        rng.shuffle(out)
    return out


def http_ok(body=b"stored\n"):
    return (b"HTTP/1.1 200 OK\r\nServer: tgpcap-httpd\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


class Upload:
    """A card upload (HTTP POST, the card in the second of three full-size segments) from
    client port port; with n, every client data segment is sent as n fragments."""

    def __init__(self, family, port, n=0, order="in", seed=1):
        rng = random.Random(seed * 1000 + port)
        client, server = (CLIENT4, SERVER4) if family == "ipv4" else (CLIENT6, SERVER6)
        s = tgpcap.TcpSession(rng, client, port, server, 80, frag=True,
                              frag_payload=(65536, 65536), big_frac=1.0, tiny_frac=0.0,
                              start_us=EPOCH_US + (port % 100) * 20000,
                              mac_base=2 + 2 * (port % 50))
        # three full segments: the request head and body fill 3 * maxseg exactly
        body_len = 3 * s.maxseg - len(tgpcap.http_request(b""))
        while len(tgpcap.http_request(b"x" * body_len)) > 3 * s.maxseg:
            body_len -= 1
        line = b"\ncard=" + CARD.encode() + b";\n"
        pre = (FILLER * 40)[:s.maxseg + 200 - len(tgpcap.http_request(b""))]
        body = pre + line + (FILLER * 80)[:body_len - len(pre) - len(line)]
        assert len(body) == body_len
        req = tgpcap.http_request(body)
        assert len(req) == 3 * s.maxseg
        s.turn(C2S, req)
        s.turn(S2C, http_ok())
        s.close(C2S)
        self.client, self.server, self.port = client, server, port
        self.records = []
        self.datagrams = []          # (ip id, fragments) of each datagram cut
        ident = 0x4000 + port
        for t, f in s.records:
            p = Ether(f)
            if n and p[TCP].sport == port and len(p[TCP].payload) > 0:
                ident += 1
                frags = cut(f, n, ident, order, rng)
                self.datagrams.append((ident, len(frags)))
                self.records += [(t, x) for x in frags]
            else:
                self.records.append((t, f))
        self.body_offset = len(pre) + 6      # the card's offset in the HTTP body
        assert len(self.datagrams) == (3 if n else 0)

    @property
    def fragments(self):
        return sum(k for _, k in self.datagrams)


def run(tmp_path, records, config=""):
    """Replay records through tollgated with a fixed hash key; returns the RunResult."""
    pcap = tmp_path / "in.pcap"
    tgpcap.write_pcap(pcap, sorted(records, key=lambda r: r[0]))
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    (state / "hash.key").write_text(HASH_KEY_HEX + "\n")
    (state / "hash.key").chmod(0o600)
    args = ["--read", pcap, "--events", tmp_path / "ev.jsonl", "--stats-json",
            tmp_path / "stats.json", "--state-dir", state]
    if config:
        cfg = tmp_path / "cfg.yaml"
        cfg.write_text(config)
        args += ["--config", cfg]
    res = tgpcap.run_tollgated(args, 120)
    if res.rc != 0:
        fail_with(["exit %s, expected 0" % res.rc], res)
    return res


def of_type(events, t):
    return [e for e in events if e["event_type"] == t]


def check_counters_add_up(st, res):
    """fragments = held + every reason, in the stats file and the summary line."""
    errs = []
    total = st["defrag_held"] + sum(st["defrag_frags_" + r] for r in REASONS)
    if total != st["defrag_fragments"]:
        errs.append("defrag_fragments %d, but held + every reason = %d: %s" % (
            st["defrag_fragments"], total,
            {k: v for k, v in st.items() if k.startswith("defrag_")}))
    m = re.search(r"^  defrag +(\d+) fragments, (\d+) in (\d+) datagrams reassembled"
                  r"(?:, not: ([a-z_0-9 ,]+?))?, (\d+) held$", res.stdout, re.M)
    if m is None:
        errs.append("no defrag line in the summary")
    else:
        shown = {}
        for part in (m.group(4) or "").split(", "):
            if part:
                k, v = part.rsplit(" ", 1)
                shown[k] = int(v)
        want = {r: st["defrag_frags_" + r] for r in REASONS[1:] if st["defrag_frags_" + r]}
        got = (int(m.group(1)), int(m.group(2)), int(m.group(3)), shown, int(m.group(5)))
        exp = (st["defrag_fragments"], st["defrag_frags_reassembled"],
               st["defrag_reassembled"], want, st["defrag_held"])
        if got != exp:
            errs.append("summary defrag line %r, expected %r" % (m.group(0), exp))
    if errs:
        fail_with(errs, res)


_baseline = {}


def baseline(tmp_path_factory, family):
    """The dlp event of the same upload unfragmented (once per family)."""
    if family not in _baseline:
        d = tmp_path_factory.mktemp("plain-" + family)
        up = Upload(family, 40000)
        res = run(d, up.records)
        dl = eve.findings(res.events)
        assert len(dl) == 1, res.describe()
        assert res.stats["defrag_fragments"] == 0
        _baseline[family] = dl[0]
    return _baseline[family]


# --------------------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("family,n,order", [
    ("ipv4", 9, "in"), ("ipv4", 20, "shuffle"), ("ipv4", 64, "reverse"),
    ("ipv6", 9, "reverse"), ("ipv6", 20, "in"), ("ipv6", 64, "shuffle"),
])
def test_card_upload_in_many_fragments_is_found_as_unfragmented(tmp_path, tmp_path_factory,
                                                                 family, n, order):
    want = baseline(tmp_path_factory, family)
    up = Upload(family, 40000, n=n, order=order)
    res = run(tmp_path, up.records)
    st = res.stats
    errs = []
    dl = eve.findings(res.events)
    if len(dl) != 1:
        errs.append("%d dlp events, expected 1: %s" % (len(dl), dl))
    else:
        if dl[0]["dlp"] != want["dlp"]:
            errs.append("dlp %s, expected as unfragmented %s" % (dl[0]["dlp"], want["dlp"]))
        m = dl[0]["dlp"]["matches"]
        exp = [{"sensor": "credit_card", "redacted": "************1111",
                "hash": V.value_hash(bytes.fromhex(HASH_KEY_HEX), CARD),
                "offset": up.body_offset, "path": "http.body"}]
        if [{k: x[k] for k in exp[0]} for x in m] != exp:
            errs.append("matches %s, expected %s" % (m, exp))
        if (dl[0]["src_ip"], dl[0]["src_port"], dl[0]["dest_ip"]) != \
                (up.client, up.port, up.server):
            errs.append("dlp event header %s" % dl[0])
    if CARD in res.stdout + res.stderr + (tmp_path / "ev.jsonl").read_text():
        errs.append("the raw card number is in the output")
    exp = {"defrag_fragments": 3 * n, "defrag_reassembled": 3,
           "defrag_frags_reassembled": 3 * n, "defrag_held": 0, "defrag_held_bytes": 0,
           "packets": len(up.records)}
    exp.update({"defrag_frags_" + r: 0 for r in REASONS[1:]})
    errs += ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in exp.items()
             if st.get(k) != v]
    if of_type(res.events, "anomaly"):
        errs.append("anomalies: %s" % of_type(res.events, "anomaly"))
    if errs:
        fail_with(errs, res, "%s upload in %d fragments (%s)" % (family, n, order))
    check_counters_add_up(st, res)


@pytest.mark.parametrize("family,n,order", [
    ("ipv4", 65, "in"), ("ipv4", 100, "shuffle"), ("ipv6", 65, "reverse"),
])
def test_card_upload_in_more_than_max_frags_is_reported_and_counted(tmp_path, family, n,
                                                                    order):
    up = Upload(family, 40100, n=n, order=order)
    res = run(tmp_path, up.records)
    st = res.stats
    errs = []
    if eve.findings(res.events):
        errs.append("dlp events from datagrams never reassembled: %s" %
                    eve.findings(res.events))
    an = sorted((e for e in of_type(res.events, "anomaly")
                 if e["anomaly"].get("type") == "defrag"), key=lambda e: e["anomaly"]["ip_id"])
    want = [{"src_ip": up.client, "dest_ip": up.server, "proto": "TCP",
             "anomaly": {"type": "defrag", "event": "frag_too_many", "ip_id": ident,
                         "fragments": 65, "max_frags": 64}}
            for ident, _ in up.datagrams]
    got = [{k: e[k] for k in ("src_ip", "dest_ip", "proto", "anomaly")} for e in an]
    if got != want:
        errs.append("defrag anomalies %s, expected %s" % (got, want))
    exp = {"defrag_fragments": 3 * n, "defrag_frags_too_many": 3 * n,
           "defrag_reassembled": 0, "defrag_frags_reassembled": 0, "defrag_held": 0}
    errs += ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in exp.items()
             if st.get(k) != v]
    if errs:
        fail_with(errs, res, "%s upload in %d fragments (%s)" % (family, n, order))
    check_counters_add_up(st, res)


def test_max_frags_is_configurable(tmp_path):
    # 100 allowed: the 100-fragment upload is scanned
    up = Upload("ipv4", 40200, n=100)
    a = tmp_path / "a"
    a.mkdir()
    res = run(a, up.records, "defrag:\n  max_frags: 100\n")
    dl = eve.findings(res.events)
    assert [m["redacted"] for e in dl for m in e["dlp"]["matches"]] == ["************1111"], \
        res.describe()
    assert res.stats["defrag_reassembled"] == 3 and res.stats["defrag_frags_too_many"] == 0
    # 8 allowed: a 9-fragment upload is given up, the event names the limit
    up = Upload("ipv4", 40201, n=9)
    b = tmp_path / "b"
    b.mkdir()
    res = run(b, up.records, "defrag:\n  max_frags: 8\n")
    an = [e["anomaly"] for e in of_type(res.events, "anomaly")]
    assert an == [{"type": "defrag", "event": "frag_too_many", "ip_id": i, "fragments": 9,
                   "max_frags": 8} for i, _ in up.datagrams], res.describe()
    assert eve.findings(res.events) == []
    assert res.stats["defrag_frags_too_many"] == 27
    check_counters_add_up(res.stats, res)


def _udp_frags(ident, pieces, src=CLIENT4, dst=SERVER4, payload_len=64):
    """IPv4 fragments of one UDP datagram (8-byte header + payload_len bytes of 'u'):
    pieces is a list of (offset, length, more) cut from it, sent as listed (data past the
    datagram's end is 'u' too)."""
    data = bytes(UDP(sport=5000, dport=9, len=8 + payload_len)) + b"u" * 70000
    out = []
    for off, n, more in pieces:
        out.append(bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") /
                         IP(src=src, dst=dst, id=ident, proto=17, flags="MF" if more else 0,
                            frag=off // 8) / Raw(data[off:off + n])))
    return out


def test_hostile_fragment_mix_lands_every_fragment_in_one_counter(tmp_path):
    t = EPOCH_US
    recs = []

    def at(dt, frames):
        for f in frames:
            recs.append((t + dt, f))

    # complete, with an exact duplicate of its middle fragment: reassembled, 1 duplicate
    at(0, _udp_frags(1, [(0, 24, 1), (24, 24, 1), (24, 24, 1), (48, 24, 0)]))
    # overlapping (Teardrop-like): the datagram is given up, its later fragment too
    at(10, _udp_frags(2, [(0, 32, 1), (24, 24, 1), (48, 24, 0)]))
    # 70 fragments of 8 bytes: too many (default 64)
    at(20, _udp_frags(3, [(i * 8, 8, i < 69) for i in range(70)], payload_len=552))
    # beyond 64 KiB (the ping of death's last piece) and an empty fragment: invalid
    at(30, _udp_frags(4, [(65528, 16, 0)]) + _udp_frags(5, [(8, 0, 1)]))
    # never completed, then 3 s of silence: timeout (defrag.timeout_ms 2000)
    at(40, _udp_frags(6, [(0, 24, 1), (48, 24, 0)]))
    # still waiting when the capture ends: shutdown
    at(3_000_000, _udp_frags(7, [(0, 16, 1)]))
    res = run(tmp_path, recs)
    st = res.stats
    exp = {"defrag_fragments": 4 + 3 + 70 + 2 + 2 + 1, "defrag_reassembled": 1,
           "defrag_frags_reassembled": 3, "defrag_frags_duplicate": 1,
           "defrag_frags_overlap": 3, "defrag_frags_too_many": 70,
           "defrag_frags_invalid": 2, "defrag_frags_timeout": 2, "defrag_frags_shutdown": 1,
           "defrag_frags_table_full": 0, "defrag_frags_memcap": 0, "defrag_held": 0}
    errs = ["stats %s = %r, expected %r" % (k, st.get(k), v) for k, v in exp.items()
            if st.get(k) != v]
    an = of_type(res.events, "anomaly")
    per = sorted((e["anomaly"]["event"], e["anomaly"]["ip_id"], e["anomaly"]["fragments"])
                 for e in an if e["anomaly"]["type"] == "defrag")
    if per != [("frag_overlap", 2, 2), ("frag_too_many", 3, 65)]:
        errs.append("per-datagram anomalies %s" % per)
    # timeouts, invalid and shutdown: the rate-limited capacity report adds up to them
    cap = [e["anomaly"] for e in an if e["anomaly"]["type"] == "capacity"]
    if {a["event"] for a in cap} != {"defrag_dropped"} or \
            sum(a["count"] for a in cap) != 2 + 2 + 1:
        errs.append("capacity anomalies %s, expected defrag_dropped counting 5" % cap)
    flows = [e for e in of_type(res.events, "flow") if e["proto"] == "UDP"]
    if [(f["src_port"], f["flow"]["pkts_toserver"]) for f in flows] != [(5000, 1)]:
        errs.append("UDP flows %s, expected the one reassembled datagram" % flows)
    if errs:
        fail_with(errs, res)
    check_counters_add_up(st, res)
