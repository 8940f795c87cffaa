"""DLP sensors end to end: scapy captures with planted personal data replayed through the
real tollgated, checking the exact findings: the `alert` events of threshold crossings
(with their `dlp` object) and the `dlp` events of the matches after them.

Contract under test (docs/events.md, the DLP brief):
  * default policy (no --config): every built-in sensor, alert mode, every TCP flow,
    dlp.threshold 1 (distinct values per flow direction);
  * one `alert` event per flow direction and sensor when that sensor's count of distinct
    values reaches its threshold, listing that sensor's matches so far, with the sensor's
    signature (tests/pcap/eve.py has the exact object); one `dlp` event at flow end for
    the matches after that and those of sensors below their threshold; matches capped at
    dlp.max_matches_per_event (16), `total` the true count. With fewer than 16 matches in
    a direction, the union of its events' `matches` is exactly the accepted matches, each
    once;
  * redacted = normalised value with all but the last 4 characters as '*' (at most 28);
    hash = SipHash-2-4 of the normalised value under STATE_DIR/hash.key, 16 hex digits;
    path = where the value was: "http.body" for a value in an HTTP body (the app layer
    parses HTTP and scans bodies as decoded buffers), "raw" elsewhere (the reassembled
    stream); offset = offset of the value's first byte in that buffer. Rows here carry
    the stream offset (the body's start added back) and the path;
  * no raw value in any output.

The values and hard negatives come from tests/pcap/dlp_values.py (stdnum-checked). Every
comparison is of exact sets of (client port, direction, sensor, redacted, stream offset,
path) rows.
"""

import json
import random
import re
import stat
import subprocess
from collections import Counter, namedtuple
from pathlib import Path

import pytest

import dlp_values as V
import eve
import tgpcap
from tgpcap import C2S, S2C, EPOCH_US, fail_with

Row = namedtuple("Row", "port direction sensor redacted offset path")

# The stream of every flow direction written by write_capture: {(client port, direction):
# bytes}, to turn an event's (path, offset) back into a stream offset.
STREAMS = {}

CLIENT = "10.61.0.1"
SERVER = "10.61.1.1"

# Neutral text: no digits, no '@' or '+', none of the sensors' context keywords. Longer
# than the 64-byte context window, so a line between two fillers has no other context.
FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"
assert len(FILLER) > 64

TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$")
HASH_RE = re.compile(r"^[0-9a-f]{16}$")


# --------------------------------------------------------------------------------------
# Building captures
# --------------------------------------------------------------------------------------

def _session(port, index, server_port=80, **kw):
    """A TCP session from CLIENT:port, started index * 5 ms after the capture epoch."""
    rng = random.Random(port * 7919 + server_port)
    return tgpcap.TcpSession(rng, CLIENT, port, SERVER, server_port,
                             start_us=EPOCH_US + index * 5000, mac_base=2 + 2 * (index % 100),
                             **kw)


def http_ok(body=b""):
    """A 200 response with body (no hashes or other digit runs in the headers)."""
    return (b"HTTP/1.1 200 OK\r\nServer: tgpcap-httpd\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def http_upload(port, index, body, response=b"stored\n"):
    """HTTP POST of body (tgpcap.http_request), a plain 200 response, client closes."""
    s = _session(port, index)
    s.turn(C2S, tgpcap.http_request(body))
    s.turn(S2C, http_ok(response))
    s.close(C2S)
    return s


def send_segments(sess, d, data, cuts, order):
    """Side d sends data cut at the offsets in cuts, emitting the segments in the given
    order of segment indexes (an index may repeat: a retransmission of identical bytes).
    After each segment the peer ACKs what it holds contiguously, as TcpSession.turn does;
    this only fixes the emission order, which turn() draws at random."""
    off0 = sess.sent[d]
    bounds = [0] + list(cuts) + [len(data)]
    segs = [(off0 + bounds[i], data[bounds[i]:bounds[i + 1]]) for i in range(len(bounds) - 1)]
    assert all(seg for _, seg in segs) and sorted(set(order)) == list(range(len(segs)))
    last = len(segs) - 1
    for i in order:
        off, seg = segs[i]
        sess._send(d, "PA" if i == last else "A", sess.seq(d, off), sess._ack_for(d), seg)
        sess._receive(d, off, off + len(seg))
        sess.sent[d] = max(sess.sent[d], off + len(seg))
        r = 1 - d
        sess._send(r, "A", sess.seq(r, sess.sent[r] + sess.fin[r]), sess._ack_for(r))
    sess.sent[d] = off0 + len(data)
    sess.payload[d] += data


def write_capture(path, gens):
    cap = tgpcap.Capture(gens)
    cap.write(path)
    for g in gens:
        e = g.expect()
        STREAMS[(e.client_port, "to_server")] = e.c2s
        STREAMS[(e.client_port, "to_client")] = e.s2c
    return str(path)


def http_bodies(stream):
    """[(start, length)] of the bodies of the HTTP messages (Content-Length framing) that
    stream starts with, one after the other."""
    out, pos = [], 0
    while stream.startswith((b"POST ", b"GET ", b"PUT ", b"HTTP/1."), pos):
        end = stream.find(b"\r\n\r\n", pos)
        if end < 0:
            break
        m = re.search(rb"(?im)^content-length:[ \t]*(\d+)", stream[pos:end])
        n = int(m.group(1)) if m else 0
        out.append((end + 4, n))
        pos = end + 4 + n
    return out


def smtp_bodies(stream):
    """[(start, length)] of the bodies of the one-part mails in a client stream: from the
    end of the mail's header section (the content starts after DATA) to the lone dot."""
    out, pos = [], 0
    while True:
        i = stream.find(b"\r\nDATA\r\n", pos)
        if i < 0:
            return out
        content = i + 8
        end = stream.find(b"\r\n.\r\n", content - 2)
        end = len(stream) if end < 0 else end + 2
        start = stream.find(b"\r\n\r\n", content - 2, end) + 4
        out.append((start, end - start))
        pos = end


def buffers(stream):
    """[(path, start, length)]: where the app layer scans stream as decoded buffers."""
    return ([("http.body", s, n) for s, n in http_bodies(stream)] +
            [("smtp.body", s, n) for s, n in smtp_bodies(stream)])


def locate(stream, off):
    """The path of the buffer holding stream offset off: an HTTP body or a mail, or the
    raw stream."""
    for path, start, n in buffers(stream):
        if start <= off < start + n:
            return path
    return "raw"


def stream_offset(port, direction, path, off, redacted):
    """An event's (path, offset) as an offset in the flow direction's stream. With several
    bodies on the connection, the one whose bytes at that offset lead to the value's last
    4 characters (its redaction's tail)."""
    if path == "raw":
        return off
    stream = STREAMS.get((port, direction), b"")
    cands = [start + off for p, start, n in buffers(stream) if p == path and off < n]
    if len(cands) == 1:
        return cands[0]
    tail = redacted.lstrip("*").lower().encode()
    fit = [c for c in cands
           if tail in re.sub(rb"[ -]", b"", stream[c:c + 64]).lower()]
    assert len(fit) == 1, "port %d %s: body offset %d fits %d bodies" % (
        port, direction, off, len(fit))
    return fit[0]


def row_at(port, direction, sensor, redacted, stream, off):
    return Row(port, direction, sensor, redacted, off, locate(stream, off))


def offsets_of(stream, raw):
    """Every offset of raw (str) in stream (bytes)."""
    raw = raw.encode()
    out, i = [], stream.find(raw)
    while i >= 0:
        out.append(i)
        i = stream.find(raw, i + 1)
    return out


def offset_of(stream, raw):
    offs = offsets_of(stream, raw)
    assert len(offs) == 1, "%r occurs %d times in the stream" % (raw, len(offs))
    return offs[0]


def line(*parts):
    return b" ".join(p.encode() if isinstance(p, str) else p for p in parts) + b" ok\n"


def mixed_body():
    """Test 1's upload: one of each planted value interleaved with the hard negatives.
    The two context-dependent values (undashed SSN after "SSN:", BSN after "BSN") sit
    between fillers, so no other number is within 64 bytes of those keywords. The labels
    are not context keywords of weak forms (docs/sensors.md: "call" would make the national
    phone numbers reportable, so the phone lines say "dial")."""
    neg = dict(V.HARD_NEGATIVES)
    n = lambda label: neg[label]  # noqa: E731
    body = b"".join([
        line("export nightly ledger schema", n("version string")),
        line("created", n("ms timestamp, Luhn-valid"), "trace",
             n("uuid with a 12-digit group")),
        line("pay1", V.VISA16.raw),
        line("pay2", n("2^52, Visa-shaped, fails Luhn")),
        line("pay3", V.MC16_SPACED.raw),
        line("pay4", n("Visa-shaped, fails Luhn")),
        line("pay5", V.AMEX15_DASHED.raw),
        line("pay6", n("Mastercard 4-4-4-4, fails Luhn")),
        line("pay7", n("Amex 4-6-5, fails Luhn")),
        line("pay8", n("Luhn-valid Visa with mixed separators")),
        line("txn", n("valid Visa inside a 20-digit run")),
        line("ref", V.SSN_DASHED.raw),
        line("ref", n("SSN area 000"), "ref", n("SSN area 666"), "ref", n("SSN area 9xx")),
        FILLER,
        line("SSN:", V.SSN_BARE.raw),
        FILLER,
        line("acct", V.IBAN_DE.raw),
        line("acct", n("IBAN DE, wrong check digits")),
        line("acct", V.IBAN_GB_GROUPED.raw),
        line("acct", n("IBAN GB grouped, wrong check digits")),
        line("order", n("order id"), "at", n("ms timestamp, Luhn-valid (generated)"), "trace",
             n("uuid")),
        line("mailto", V.EMAIL.raw),
        line("asset", n("file name with @"), "dev", n("address without a TLD")),
        line("dial", V.PHONE.raw),
        line("dial", n("UK phone, national format, no '+'")),
        line("dial", n("US phone, national format, no '+'")),
        line("nino", V.GB_NINO.raw),
        line("dni", V.ES_DNI.raw),
        line("hetu", V.FI_HETU.raw),
        FILLER,
        line("BSN", V.BSN.raw),
        FILLER,
        line("batch", n("valid BSN, no context"), n("valid PESEL, no context")),
        line("build", n("valid NHS number, no context"), n("valid undashed SSN, no context")),
        line("seq", n("random 9-digit id"), n("random 10-digit id"), n("random 11-digit id")),
    ])
    return body


MIXED_VALUES = [V.VISA16, V.MC16_SPACED, V.AMEX15_DASHED, V.SSN_DASHED, V.SSN_BARE,
                V.IBAN_DE, V.IBAN_GB_GROUPED, V.EMAIL, V.PHONE, V.GB_NINO, V.ES_DNI,
                V.FI_HETU, V.BSN]
WEAK_VALUES = (V.SSN_BARE, V.BSN)       # reported only thanks to their keyword

MIXED_PORT = 41001
SMTP_PORT = 41002
RESPONSE_PORT = 41003


def mixed_flow(index=0):
    return http_upload(MIXED_PORT, index, mixed_body())


def smtp_message():
    """A plain-text message (7bit, no attachment) naming an IBAN and an e-mail address.
    The Date header's "+0000" is a phone-shaped hard negative."""
    return ("From: Alice Example <alice@example.test>\r\n"
            "To: Bob Example <bob@example.test>\r\n"
            "Subject: refund\r\n"
            "Date: Mon, 23 Nov 2026 13:25:37 +0000\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "Hello Bob,\r\n"
            "\r\n"
            "please wire the refund to %s before Friday.\r\n"
            "Questions go to %s as usual.\r\n"
            "\r\n"
            "Alice\r\n" % (V.IBAN_FR.raw, V.EMAIL_LONG.raw)).encode()


SMTP_ENVELOPE = ("alice@example.test", "bob@example.test")


def smtp_flow(index=1):
    """tgpcap's SMTP dialogue (smtp_turns) with the MIME attachment message replaced by
    the plain-text one; the server closes after 221."""
    msg = smtp_message()
    s = _session(SMTP_PORT, index, server_port=25)
    for d, data in tgpcap.smtp_turns(b""):
        if data.startswith(b"MAIL FROM:"):
            data = b"MAIL FROM:<alice@example.test> SIZE=%d\r\n" % len(msg)
        elif d == C2S and data.endswith(b"\r\n.\r\n"):
            data = msg + b".\r\n"
        s.turn(d, data)
    s.close(S2C)
    assert msg in s.expect().c2s
    return s


def response_flow(index=2):
    """A GET whose response body carries a card: to_client."""
    s = _session(RESPONSE_PORT, index)
    s.turn(C2S, b"GET /account/statement HTTP/1.1\r\nHost: bank.example.test\r\n"
                b"Accept: text/plain\r\n\r\n")
    s.turn(S2C, http_ok(b"statement for march\npaid with " + V.VISA16_RESPONSE.raw.encode() +
                        b" on file\nbalance zero\n"))
    s.close(C2S)
    return s


# Test 2: one flow per (value, split point, emission order).
SPLIT_VALUES = [V.VISA16, V.MC16_DASHED, V.IBAN_DE, V.IBAN_NL_GROUPED]
SPLIT_PREFIX = b"data "
SPLIT_SUFFIX = b" end\n"
SPLIT_ORDERS = {
    "in_order": (0, 1),
    "reordered": (1, 0),
    "first_duplicated": (0, 0, 1),
    "second_duplicated": (0, 1, 1),
}
SPLIT_PORT0 = 20000


def split_flows():
    """[(session, label, planted)] for every split point of every value's payload."""
    out = []
    port = SPLIT_PORT0
    for p in SPLIT_VALUES:
        payload = SPLIT_PREFIX + p.raw.encode() + SPLIT_SUFFIX
        for variant, order in SPLIT_ORDERS.items():
            for k in range(1, len(payload)):
                s = _session(port, len(out), server_port=9000)
                send_segments(s, C2S, payload, [k], order)
                s.turn(S2C, b"ok\r\n")
                s.close(C2S)
                assert s.expect().c2s == payload
                v0 = len(SPLIT_PREFIX)
                out.append((s, "%s split at payload byte %d (value bytes %d..%d), %s" % (
                    p.sensor, k, v0, v0 + len(p.raw), variant), p))
                port += 1
    return out


# --------------------------------------------------------------------------------------
# Running and reading the events
# --------------------------------------------------------------------------------------

def run_dlp(tmp_path, pcaps, name="run", config=None, state_dir=None, workers=1,
            stats=True, cwd=None, threshold=1):
    """Run tollgated over pcaps with --events, --state-dir (default: a fresh one under
    tmp_path), --stats-json and --workers; fail the test on a non-zero exit or on a
    finding that breaks the schema (threshold: the dlp.threshold of config). Returns the
    RunResult (with .state_dir set)."""
    d = Path(tmp_path) / name
    d.mkdir(parents=True)
    args = []
    for p in ([pcaps] if isinstance(pcaps, (str, Path)) else pcaps):
        args += ["--read", p]
    if config is not None:
        cfg = d / "config.yaml"
        cfg.write_text(config)
        args += ["--config", cfg]
    state_dir = state_dir or d / "state"
    args += ["--events", d / "events.jsonl", "--state-dir", state_dir,
             "--workers", str(workers)]
    if stats:
        args += ["--stats-json", d / "stats.json"]
    if cwd is None:
        res = tgpcap.run_tollgated(args, 120)
    else:
        argv = [str(tgpcap.tollgated_path())] + [str(a) for a in args]
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=120,
                            cwd=cwd)
        res = tgpcap.RunResult(argv, cp.returncode, cp.stdout.decode(errors="replace"),
                               cp.stderr.decode(errors="replace"), str(d / "events.jsonl"),
                               None, str(d / "stats.json") if stats else None)
    res.state_dir = Path(state_dir)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res)
    errs = check_dlp_schema(res.events, threshold=threshold) + eve.validate(res.events)
    if errs:
        fail_with(errs, res, "findings break the schema:")
    return res


def dlp_events(events):
    """Threshold alerts and dlp events: every event with a dlp object, in file order."""
    return eve.findings(events)


def check_alert(ev, errs, where, rule, threshold, seen):
    """A finding is an alert exactly when it is its sensor's first in the direction: the
    sensor of every listed match, the exact alert object; a dlp event only after one."""
    key = (ev["flow_id"], ev["dlp"]["direction"])
    sensors = {m["sensor"] for m in ev["dlp"]["matches"]}
    if ev["event_type"] == "alert":
        if len(sensors) != 1:
            errs.append("a threshold alert lists the matches of one sensor, not %s: %s" % (
                sorted(sensors), where))
            return
        sensor = sensors.pop()
        if (key, sensor) in seen:
            errs.append("a second alert for %s in the same direction: %s" % (sensor, where))
        seen.add((key, sensor))
        seen.add(key)
        # a custom class: its category as listed, its severity from CUSTOM_CONFIG
        custom = sensor not in eve.BUILTIN
        want = eve.dlp_alert(sensor, rule=rule, threshold=threshold, mode="monitor",
                             action="allowed",
                             category=ev["dlp"]["matches"][0]["category"] if custom else None,
                             severity="high" if custom else None)
        if ev["alert"] != want:
            errs.append("alert object %s, expected %s" % (json.dumps(ev["alert"]),
                                                          json.dumps(want)))
    elif ev["event_type"] != "dlp" or "alert" in ev:
        errs.append("a finding must be an alert or a dlp event: " + where)
    elif key not in seen:
        errs.append("a dlp event before any threshold alert of its direction: " + where)


def check_dlp_schema(events, rule="default", threshold=1):
    """Error lines for findings that do not follow the schema, or whose header does not
    match their flow's flow event."""
    errs = []
    seen = set()
    flows = {e.get("flow_id"): e for e in events if e.get("event_type") == "flow"}
    for ev in dlp_events(events):
        where = json.dumps(ev, sort_keys=True)[:300]
        if not isinstance(ev.get("timestamp"), str) or not TS_RE.match(ev["timestamp"]):
            errs.append("bad timestamp: " + where)
        if ev.get("proto") != "TCP" or not isinstance(ev.get("flow_id"), int):
            errs.append("proto must be TCP and flow_id an integer: " + where)
        fl = flows.get(ev.get("flow_id"))
        if fl is None:
            errs.append("no flow event with this flow_id: " + where)
        else:
            for k in ("src_ip", "src_port", "dest_ip", "dest_port", "proto"):
                if ev.get(k) != fl.get(k):
                    errs.append("%s = %r, its flow event says %r: %s" % (k, ev.get(k),
                                                                       fl.get(k), where))
        dl = ev.get("dlp")
        if not isinstance(dl, dict):
            errs.append("no dlp object: " + where)
            continue
        if dl.get("direction") not in ("to_server", "to_client"):
            errs.append("bad direction: " + where)
        # The default policy alerts in monitor mode: reported, traffic allowed.
        if (dl.get("action"), dl.get("rule_action"), dl.get("mode"), dl.get("rule")) != \
                ("allowed", "alert", "monitor", rule):
            errs.append("expected action allowed (rule_action alert, monitor), rule %s: %s"
                        % (rule, where))
        ms, total = dl.get("matches"), dl.get("total")
        if not isinstance(ms, list) or not isinstance(total, int):
            errs.append("matches must be a list and total an integer: " + where)
            continue
        if not 1 <= len(ms) <= min(total, 16):
            errs.append("%d matches listed for total %d (cap 16): %s" % (len(ms), total,
                                                                          where))
        for m in ms:
            if not isinstance(m, dict):
                errs.append("match is not an object: " + where)
                continue
            if not isinstance(m.get("sensor"), str) or not isinstance(m.get("category"), str):
                errs.append("match without sensor/category: %s" % m)
            if not isinstance(m.get("redacted"), str) or \
                    not re.fullmatch(r"\**[^*]{0,4}", m["redacted"]):
                errs.append("redacted is not stars + last 4: %s" % m)
            if not isinstance(m.get("hash"), str) or not HASH_RE.match(m["hash"]):
                errs.append("hash is not 16 lower-case hex digits: %s" % m)
            if not isinstance(m.get("offset"), int) or m["offset"] < 0:
                errs.append("offset is not a non-negative integer: %s" % m)
            if m.get("confidence") not in ("high", "medium"):
                errs.append("confidence is not high|medium: %s" % m)
        check_alert(ev, errs, where, rule, threshold, seen)
    return errs


def event_row(ev, m):
    port, direction = ev["src_port"], ev["dlp"]["direction"]
    return Row(port, direction, m["sensor"], m["redacted"],
               stream_offset(port, direction, m["path"], m["offset"], m["redacted"]), m["path"])


def rows_of(events):
    """Every listed match of every dlp event as a Row, in file order (a list: duplicates
    stay visible)."""
    out = []
    for ev in dlp_events(events):
        for m in ev["dlp"]["matches"]:
            out.append(event_row(ev, m))
    return out


def matches_of(events):
    """(Row, match dict) pairs."""
    out = []
    for ev in dlp_events(events):
        for m in ev["dlp"]["matches"]:
            out.append((event_row(ev, m), m))
    return out


def expect_rows(port, direction, stream, values):
    """Rows for planted values, each found exactly once in stream."""
    return {row_at(port, direction, p.sensor, p.redacted, stream, offset_of(stream, p.raw))
            for p in values}


def compare_rows(expected, got_list, labels=None, streams=None):
    """Error lines: rows missing, unexpected, or listed more than once. labels: {port: what
    the flow is}; streams: {(port, direction): bytes}, to show the text at each offset."""
    errs = []
    got = set(got_list)

    def lab(r):
        out = (" [%s]" % labels[r.port]) if labels and r.port in labels else ""
        data = (streams or {}).get((r.port, r.direction))
        if data is not None and isinstance(r.offset, int):
            out += " text at offset: %r" % data[r.offset:r.offset + 40]
        return out

    for r in sorted(expected - got):
        errs.append("missing: %s%s" % (tuple(r), lab(r)))
    for r in sorted(got - expected):
        errs.append("unexpected: %s%s" % (tuple(r), lab(r)))
    for r, c in sorted(Counter(got_list).items()):
        if c > 1:
            errs.append("reported %d times: %s%s" % (c, tuple(r), lab(r)))
    return errs


# --------------------------------------------------------------------------------------
# Shared captures
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def captures(tmp_path_factory):
    """Every capture of this file, generated once."""
    d = tmp_path_factory.mktemp("dlp-captures")
    c = {}
    mixed = mixed_flow()
    c["mixed_flow"] = mixed
    c["mixed"] = write_capture(d / "mixed.pcap", [mixed])
    smtp = smtp_flow()
    c["smtp_flow"] = smtp
    c["smtp"] = write_capture(d / "smtp.pcap", [smtp])
    resp = response_flow()
    c["response_flow"] = resp
    c["response"] = write_capture(d / "response.pcap", [resp])
    splits = split_flows()
    c["split_flows"] = splits
    c["split"] = write_capture(d / "split.pcap", [s for s, _, _ in splits])
    # everything at once (no-leak and worker-count tests)
    c["all"] = write_capture(d / "all.pcap", [mixed, smtp, resp] + [s for s, _, _ in splits])
    return c


# --------------------------------------------------------------------------------------
# 1. One of each value among hard negatives
# --------------------------------------------------------------------------------------

def test_dlp_http_upload_reports_each_planted_value_and_no_hard_negative(tmp_path, captures,
                                                                          tollgated_bin):
    res = run_dlp(tmp_path, captures["mixed"])
    stream = captures["mixed_flow"].expect().c2s
    expected = expect_rows(MIXED_PORT, "to_server", stream, MIXED_VALUES)
    got = matches_of(res.events)
    errs = compare_rows(expected, [r for r, _ in got],
                        streams={(MIXED_PORT, "to_server"): stream})
    if errs:
        fail_with(errs + ["hard negatives in the body: %s" % [t for _, t in V.HARD_NEGATIVES]],
                  res, "dlp matches differ (port, direction, sensor, redacted, offset):")
    key = V.read_hash_key(res.state_dir)
    by_offset = {offset_of(stream, p.raw): p for p in MIXED_VALUES}
    for r, m in got:
        p = by_offset[r.offset]
        if m["category"] != p.category:
            errs.append("%s at %d: category %r, expected %r" % (p.sensor, r.offset,
                                                               m["category"], p.category))
        if m["hash"] != p.hash(key):
            errs.append("%s at %d: hash %s, expected SipHash-2-4 of the normalised value "
                        "(%s)" % (p.sensor, r.offset, m["hash"], p.hash(key)))
        if p in WEAK_VALUES and m["confidence"] != "high":
            errs.append("%s at %d needs its keyword, so confidence must be high, got %r" % (
                p.sensor, r.offset, m["confidence"]))
    if errs:
        fail_with(errs, res)


def test_dlp_card_and_iban_offsets_are_body_offsets_of_the_first_byte(tmp_path, captures,
                                                                      tollgated_bin):
    """The offsets, computed from the HTTP body as sent: path http.body, offset in it."""
    res = run_dlp(tmp_path, captures["mixed"])
    req = tgpcap.http_request(mixed_body())
    assert captures["mixed_flow"].expect().c2s == req
    want = {}
    for p in (V.VISA16, V.MC16_SPACED, V.AMEX15_DASHED, V.IBAN_DE, V.IBAN_GB_GROUPED):
        head = len(req) - len(mixed_body())
        off = mixed_body().index(p.raw.encode())
        assert req[head + off:head + off + len(p.raw)] == p.raw.encode()
        want[(p.sensor, p.redacted)] = ("http.body", off)
    got = {(m["sensor"], m["redacted"]): (m["path"], m["offset"])
           for ev in dlp_events(res.events) for m in ev["dlp"]["matches"]
           if (m["sensor"], m["redacted"]) in want}
    if got != want:
        fail_with(["offsets: expected %s, got %s" % (sorted(want.items()),
                                                      sorted(got.items()))], res)


# --------------------------------------------------------------------------------------
# 2. A value split over two segments at every point, in order, reordered, duplicated
# --------------------------------------------------------------------------------------

def test_dlp_value_split_at_every_offset_is_reported_exactly_once(tmp_path, captures,
                                                                 tollgated_bin):
    res = run_dlp(tmp_path, captures["split"])
    expected, labels = set(), {}
    for s, label, p in captures["split_flows"]:
        labels[s.port[0]] = label
        expected.add(row_at(s.port[0], "to_server", p.sensor, p.redacted, s.expect().c2s,
                            len(SPLIT_PREFIX)))
    errs = compare_rows(expected, rows_of(res.events), labels)
    # the union of a flow's matches is its one value: the totals must say 1 as well
    totals = Counter()
    for ev in dlp_events(res.events):
        totals[ev["src_port"]] += ev["dlp"]["total"]
    for port, t in sorted(totals.items()):
        if t != 1:
            errs.append("port %d: totals sum to %d, expected 1 [%s]" % (port, t,
                                                                       labels.get(port)))
    if errs:
        fail_with(errs, res, "%d flows, one value each:" % len(labels), limit=60)


# Frames larger than one mbuf: the reader chains them (2 KiB segments), and a worker
# parses such a frame in its turn, while the other frames of a burst are parsed and their
# flows looked up a burst ahead (worker_process_burst). Jumbo segments of two flows among
# the ordinary segments of two others, each value after 27 filler lines, so that in a jumbo
# segment it lies across the end of the first mbuf (frame byte 2048).
JUMBO_VALUES = [V.VISA16, V.MC16_SPACED, V.AMEX15_DASHED, V.SSN_DASHED, V.IBAN_DE,
                V.IBAN_GB_GROUPED, V.EMAIL, V.GB_NINO]
JUMBO_PORT0 = 41200


def test_dlp_values_in_jumbo_frames_among_small_ones_are_reported_exactly(tmp_path,
                                                                          tollgated_bin):
    rng = random.Random(JUMBO_PORT0)
    flows, expected, streams = [], set(), {}
    for i in range(4):
        values = JUMBO_VALUES[:]
        rng.shuffle(values)
        payload = b"".join(FILLER * 27 + line(p.raw) for p in values)
        s = _session(JUMBO_PORT0 + i, i, server_port=9000)
        if i % 2 == 0:
            cuts = list(range(8000, len(payload), 8000))
            send_segments(s, C2S, payload, cuts, range(len(cuts) + 1))
        else:
            s.turn(C2S, payload)
        s.turn(S2C, b"ok\r\n")
        s.close(C2S)
        stream = s.expect().c2s
        assert stream == payload
        streams[(s.port[0], "to_server")] = stream
        expected |= expect_rows(s.port[0], "to_server", stream, values)
        flows.append(s)
    pcap = write_capture(tmp_path / "jumbo.pcap", flows)
    sizes = [len(f) for _, f in tgpcap.Capture(flows).records]
    assert max(sizes) > 8000 and min(sizes) < 100, "the capture must mix jumbo and small frames"
    res = run_dlp(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), streams=streams)
    if errs:
        fail_with(errs, res, "dlp matches differ (port, direction, sensor, redacted, offset):")


# --------------------------------------------------------------------------------------
# 3. SMTP, 4. response direction
# --------------------------------------------------------------------------------------

def test_dlp_smtp_plain_text_body_reports_iban_and_emails_to_server(tmp_path, captures,
                                                                   tollgated_bin):
    res = run_dlp(tmp_path, captures["smtp"])
    stream = captures["smtp_flow"].expect().c2s
    expected = expect_rows(SMTP_PORT, "to_server", stream, [V.IBAN_FR, V.EMAIL_LONG])
    # The envelope and header addresses are e-mail addresses too, each written twice:
    # MAIL FROM / RCPT TO (commands) and From: / To: (the mail's header section), both
    # scanned raw; the body is scanned decoded (smtp.body).
    for addr in SMTP_ENVELOPE:
        offs = offsets_of(stream, addr)
        assert len(offs) == 2, (addr, offs)
        for o in offs:
            r = row_at(SMTP_PORT, "to_server", "email", V.redact(addr), stream, o)
            assert r.path == "raw", r
            expected.add(r)
    errs = compare_rows(expected, rows_of(res.events),
                        streams={(SMTP_PORT, "to_server"): stream})
    if errs:
        fail_with(errs, res, "SMTP dlp matches differ:")


def test_dlp_card_in_http_response_is_reported_to_client(tmp_path, captures, tollgated_bin):
    res = run_dlp(tmp_path, captures["response"])
    s = captures["response_flow"]
    expected = expect_rows(RESPONSE_PORT, "to_client", s.expect().s2c, [V.VISA16_RESPONSE])
    errs = compare_rows(expected, rows_of(res.events))
    evs = dlp_events(res.events)
    for ev in evs:
        hdr = (ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])
        if hdr != (CLIENT, RESPONSE_PORT, SERVER, 80):
            errs.append("src must be the client: header %s" % (hdr,))
    if errs:
        fail_with(errs, res)


# --------------------------------------------------------------------------------------
# 5. Threshold and caps
# --------------------------------------------------------------------------------------

THRESHOLD_CONFIG = "dlp:\n  threshold: 3\n"


def test_dlp_threshold_counts_distinct_values_and_reports_the_rest_at_flow_end(
        tmp_path, tollgated_bin):
    cards = V.card_series(44, seed=5150)
    a1, a2 = cards[0], cards[1]
    b1, b2, b3, b4 = cards[2:6]
    many = cards[4:44]          # 40 distinct values (b3, b4 among them: other flow)

    # A: 2 distinct values, one of them 5 times: below the threshold, nothing reported
    sa = http_upload(42001, 0, line("pay", a1.raw) +
                     b"".join(line("pay", a2.raw) for _ in range(5)))

    # B: 3 distinct values in the first request (one segment), the 4th in a second
    # request after the response. A match is certain (and counted) once the context
    # window after it, plus room for the longest keyword, has been scanned
    # (sensors/sensor_stream.c): 3 fillers (216 bytes) follow the third value in the same
    # segment, more than 64 + the longest keyword (64) + 2.
    sb = _session(42002, 1)
    req1 = tgpcap.http_request(line("pay", b1.raw) + line("pay", b2.raw) +
                               line("pay", b3.raw) + FILLER * 3)
    n0 = len(sb.records)
    sb.turn(C2S, req1, sizes=[len(req1)])
    t_third = sb.records[n0][0]
    sb.turn(S2C, http_ok(b"stored\n"))
    req2 = tgpcap.http_request(line("pay", b4.raw) + FILLER)
    n1 = len(sb.records)
    sb.turn(C2S, req2, sizes=[len(req2)])
    t_fourth = sb.records[n1][0]
    sb.turn(S2C, http_ok(b"stored\n"))
    sb.close(C2S)

    # C: 40 matches (distinct values), several segments
    sc = http_upload(42003, 2, b"".join(line("entry %02d" % i, p.raw)
                                        for i, p in enumerate(many)))
    pcap = write_capture(tmp_path / "threshold.pcap", [sa, sb, sc])
    res = run_dlp(tmp_path, pcap, config=THRESHOLD_CONFIG, threshold=3)
    evs = dlp_events(res.events)
    errs = []

    ev_a = [e for e in evs if e["src_port"] == 42001]
    if ev_a:
        errs.append("flow A (2 distinct values < threshold 3) reported %d dlp events" %
                    len(ev_a))

    ev_b = [e for e in evs if e["src_port"] == 42002]
    cb = sb.expect().c2s
    row = lambda p: row_at(42002, "to_server", p.sensor, p.redacted, cb,  # noqa: E731
                           offset_of(cb, p.raw))
    if [e["event_type"] for e in ev_b] != ["alert", "dlp"]:
        errs.append("flow B: %s, expected an alert (threshold) then a dlp event (flow "
                    "end): %s" % ([e["event_type"] for e in ev_b], ev_b))
    else:
        first, second = ev_b
        want1, want2 = {row(b1), row(b2), row(b3)}, {row(b4)}
        got1, got2 = rows_of([first]), rows_of([second])
        if sorted(got1) != sorted(want1) or first["dlp"]["total"] != 3:
            errs.append("flow B threshold event: expected %s (total 3), got %s (total %s)" % (
                sorted(want1), got1, first["dlp"]["total"]))
        if sorted(got2) != sorted(want2) or second["dlp"]["total"] != 1:
            errs.append("flow B flow-end event: expected %s (total 1), got %s (total %s)" % (
                sorted(want2), got2, second["dlp"]["total"]))
        lo, hi = tgpcap.fmt_ts(t_third), tgpcap.fmt_ts(t_fourth)
        if not lo <= first["timestamp"] < hi:
            errs.append("flow B threshold event at %s: expected when the third value was "
                        "seen (%s), before the fourth (%s)" % (first["timestamp"], lo, hi))

    ev_c = [e for e in evs if e["src_port"] == 42003]
    cc = sc.expect().c2s
    allowed = {row_at(42003, "to_server", p.sensor, p.redacted, cc, offset_of(cc, p.raw))
               for p in many}
    got_c = rows_of(ev_c)
    if [e["event_type"] for e in ev_c] not in (["alert"], ["alert", "dlp"]):
        errs.append("flow C (40 matches): %s, expected an alert and at most one dlp event"
                    % [e["event_type"] for e in ev_c])
    if sum(e["dlp"]["total"] for e in ev_c) != 40:
        errs.append("flow C: totals %s, expected to sum to 40" % [e["dlp"]["total"]
                                                                 for e in ev_c])
    for e in ev_c:
        if len(e["dlp"]["matches"]) != min(16, e["dlp"]["total"]):
            errs.append("flow C: %d matches listed for total %d (cap 16)" % (
                len(e["dlp"]["matches"]), e["dlp"]["total"]))
    for r in got_c:
        if r not in allowed:
            errs.append("flow C: unexpected %s" % (tuple(r),))
    for r, c in Counter(got_c).items():
        if c > 1:
            errs.append("flow C: listed %d times: %s" % (c, tuple(r)))
    others = [e for e in evs if e["src_port"] not in (42001, 42002, 42003)]
    if others:
        errs.append("events for unknown flows: %s" % others)
    if errs:
        fail_with(errs, res)


def test_dlp_each_sensor_alerts_once_and_a_later_block_binding_still_cuts(tmp_path,
                                                                            tollgated_bin):
    """An e-mail address crosses its alert binding in the first request, a card its block
    binding in the second: two threshold alerts, each with its own sensor's signature and
    matches, and the card's cuts the flow (protect mode) although a threshold had already
    been reached in that direction."""
    card = V.card_series(1, seed=6060)[0]
    s = _session(42101, 0)
    req1 = tgpcap.http_request(line("mailto", V.EMAIL.raw) + FILLER * 3)
    s.turn(C2S, req1, sizes=[len(req1)])
    s.turn(S2C, http_ok(b"stored\n"))
    req2 = tgpcap.http_request(line("pay", card.raw) + FILLER * 3)
    s.turn(C2S, req2, sizes=[len(req2)])
    s.turn(S2C, http_ok(b"stored\n"))
    s.close(C2S)
    pcap = write_capture(tmp_path / "two-bindings.pcap", [s])
    config = """
policy:
  mode: protect
  groups:
    - {name: clients, cidrs: [%s/32]}
    - {name: servers, cidrs: [%s/32]}
  rules:
    - id: mixed
      from: clients
      to: servers
      action: allow
      dlp: [{sensor: email, action: alert}, {sensor: credit_card, action: block}]
""" % (CLIENT, SERVER)
    d = tmp_path / "run"
    d.mkdir()
    (d / "c.yaml").write_text(config)
    res = tgpcap.run_tollgated(["--read", pcap, "--config", d / "c.yaml", "--events",
                                d / "ev.json", "--state-dir", d / "st", "--stats-json",
                                d / "stats.json"], 120)
    assert res.rc == 0, res.stderr
    found = dlp_events(res.events)
    assert [(e["event_type"], e["alert"]["signature_id"], e["alert"]["action"],
             [m["redacted"] for m in e["dlp"]["matches"]]) for e in found] == [
        ("alert", eve.sid_sensor("email"), "allowed", [V.EMAIL.redacted]),
        ("alert", eve.sid_sensor("credit_card"), "blocked", [card.redacted]),
    ], found
    assert found[1]["alert"] == eve.dlp_alert("credit_card", rule="mixed", threshold=1,
                                              mode="protect", action="blocked",
                                              from_group="clients", to_group="servers")
    assert found[1]["dlp"]["rule_action"] == "block"
    fl = [e for e in res.events if e["event_type"] == "flow"]
    assert [f["policy"]["action"] for f in fl] == ["deny"], fl
    assert res.stats["policy_flows_blocked"] == 1
    assert eve.validate(res.events) == []


# --------------------------------------------------------------------------------------
# 6. Hash: keyed, stable per installation
# --------------------------------------------------------------------------------------

def _hash_capture(path):
    """Two flows with the same card and e-mail address, written differently; an IBAN in
    the second only."""
    mc = V.MC16_DASHED.norm
    f1 = http_upload(43001, 0, line("pay", mc) + line("mailto", V.EMAIL.raw))
    f2 = http_upload(43002, 1, line("pay", V.MC16_DASHED.raw) +
                     line("mailto", V.EMAIL.norm) + line("acct", V.IBAN_DE.raw))
    return write_capture(path, [f1, f2])


def _hashes(res):
    """{(port, sensor): hash} of a run (one value per sensor per flow)."""
    out = {}
    for r, m in matches_of(res.events):
        assert (r.port, r.sensor) not in out, (r, out)
        out[(r.port, r.sensor)] = m["hash"]
    return out


def test_dlp_hash_is_keyed_by_state_dir_and_stable_across_flows_and_runs(tmp_path,
                                                                         tollgated_bin):
    pcap = _hash_capture(tmp_path / "hash.pcap")
    sa, sb = tmp_path / "state-a", tmp_path / "state-b"
    r1 = run_dlp(tmp_path, pcap, "a1", state_dir=sa)
    errs = []
    keyfile = sa / "hash.key"
    if not keyfile.is_file():
        fail_with(["%s was not created" % keyfile], r1)
    text = keyfile.read_text()
    if not re.fullmatch(r"[0-9a-fA-F]{32}\n?", text):
        errs.append("hash.key holds %d characters, expected 32 hex digits" % len(text))
    mode = stat.S_IMODE(keyfile.stat().st_mode)
    if mode != 0o600:
        errs.append("hash.key mode %o, expected 600" % mode)
    if errs:
        fail_with(errs, r1)
    key_a = V.read_hash_key(sa)

    h1 = _hashes(r1)
    want = {(43001, "credit_card"): V.MC16_DASHED.hash(key_a),
            (43001, "email"): V.EMAIL.hash(key_a),
            (43002, "credit_card"): V.MC16_DASHED.hash(key_a),
            (43002, "email"): V.EMAIL.hash(key_a),
            (43002, "iban"): V.IBAN_DE.hash(key_a)}
    if h1 != want:
        errs.append("run 1: hashes %s, expected (SipHash-2-4 of the normalised values under "
                    "hash.key) %s" % (sorted(h1.items()), sorted(want.items())))
    if h1.get((43001, "credit_card")) != h1.get((43002, "credit_card")) or \
            h1.get((43001, "email")) != h1.get((43002, "email")):
        errs.append("run 1: the same value has different hashes in two flows: %s" %
                    sorted(h1.items()))

    r2 = run_dlp(tmp_path, pcap, "a2", state_dir=sa)
    if keyfile.read_text() != text:
        errs.append("hash.key changed on the second run with the same state dir")
    h2 = _hashes(r2)
    if h2 != h1:
        errs.append("same state dir, second run: hashes %s, first run %s" % (
            sorted(h2.items()), sorted(h1.items())))

    r3 = run_dlp(tmp_path, pcap, "b", state_dir=sb)
    key_b = V.read_hash_key(sb)
    if key_b == key_a:
        errs.append("two state dirs got the same key")
    h3 = _hashes(r3)
    if set(h3) != set(h1):
        errs.append("other state dir: matches %s, expected %s" % (sorted(h3), sorted(h1)))
    for k in sorted(set(h3) & set(h1)):
        if h3[k] == h1[k]:
            errs.append("%s: the same hash %s under two different keys" % (k, h3[k]))
    want_b = {k: {"credit_card": V.MC16_DASHED, "email": V.EMAIL, "iban": V.IBAN_DE}[k[1]]
              .hash(key_b) for k in want}
    if h3 != want_b:
        errs.append("other state dir: hashes %s, expected %s" % (sorted(h3.items()),
                                                                sorted(want_b.items())))
    if errs:
        fail_with(errs, r3)


# --------------------------------------------------------------------------------------
# 7. No raw value in any output
# --------------------------------------------------------------------------------------

def test_dlp_no_raw_value_in_events_stats_stdout_stderr_or_state(tmp_path, captures,
                                                                 tollgated_bin):
    res = run_dlp(tmp_path, captures["all"])
    planted = [V.VISA16, V.MC16_SPACED, V.AMEX15_DASHED, V.MC16_DASHED, V.VISA16_RESPONSE,
               V.SSN_DASHED, V.SSN_BARE, V.BSN, V.IBAN_DE, V.IBAN_GB_GROUPED, V.IBAN_FR,
               V.IBAN_NL_GROUPED, V.EMAIL, V.EMAIL_LONG, V.PHONE, V.GB_NINO, V.ES_DNI,
               V.FI_HETU]
    assert set(planted) == set(V.ALL_PLANTED)
    # not vacuous: every planted value was found (by its keyed hash)
    key = V.read_hash_key(res.state_dir)
    seen = {m["hash"] for _, m in matches_of(res.events)}
    missing = [p.sensor + " " + p.redacted for p in planted if p.hash(key) not in seen]
    outputs = {"events": Path(res.events_path).read_text(),
               "stats-json": Path(res.stats_path).read_text(),
               "stdout": res.stdout, "stderr": res.stderr}
    for f in sorted(res.state_dir.rglob("*")):
        if f.is_file():
            outputs["state dir " + f.name] = f.read_bytes().decode(errors="replace")
    errs = []
    for p in planted:
        for form in p.forms:
            for name, text in outputs.items():
                if form in text:
                    i = text.index(form)
                    errs.append("%s value %s appears in %s: ...%r..." % (
                        p.sensor, p.redacted, name, text[max(0, i - 60):i + len(form) + 20]))
    if errs:
        fail_with(errs, res, "raw values leaked:")
    if missing:
        fail_with(["planted values not reported (so the leak check covers less): %s" %
                   missing], res)


# --------------------------------------------------------------------------------------
# 8. Built-in default policy from any working directory
# --------------------------------------------------------------------------------------

def test_dlp_default_policy_applies_without_config_from_another_cwd(tmp_path, captures,
                                                                    tollgated_bin):
    res = run_dlp(tmp_path, captures["response"], cwd="/tmp")
    s = captures["response_flow"]
    expected = expect_rows(RESPONSE_PORT, "to_client", s.expect().s2c, [V.VISA16_RESPONSE])
    errs = compare_rows(expected, rows_of(res.events))
    if errs:
        fail_with(errs, res, "no --config, cwd /tmp:")


# --------------------------------------------------------------------------------------
# 9. Custom GDPR classes
# --------------------------------------------------------------------------------------

CUSTOM_CONFIG = """\
dlp:
  custom:
    - name: patient_id
      category: health
      patterns: ['%s']
      keywords: [patient]
      severity: high
"""


def _custom_capture(path):
    with_kw, without_kw = "PAT-%08d" % 40417733, "PAT-%08d" % 71002958
    body = (line("patient", with_kw) + FILLER + FILLER +
            line("ward list", without_kw) + FILLER +
            line("short", "PAT-1234567") + FILLER)
    s = http_upload(44001, 0, body)
    return write_capture(path, [s]), s, {with_kw: "high", without_kw: "medium"}


def test_dlp_custom_class_from_yaml_reports_its_name_and_category(tmp_path, tollgated_bin):
    """Validator none (the default): the normalised value is the match itself
    (docs/sensors.md), so redacted shows its last 4 and the hash is over "PAT-nnnnnnnn".
    The keyword raises confidence to high; without it the match is medium."""
    pcap, s, values = _custom_capture(tmp_path / "custom.pcap")
    res = run_dlp(tmp_path, pcap, config=CUSTOM_CONFIG % "PAT-[0-9]{8}")
    key = V.read_hash_key(res.state_dir)
    stream = s.expect().c2s
    got = matches_of(res.events)
    want = {row_at(44001, "to_server", "patient_id", V.redact(raw), stream,
                   offset_of(stream, raw)) for raw in values}
    errs = compare_rows(want, [r for r, _ in got])
    if not errs:
        by_offset = {offset_of(stream, raw): raw for raw in values}
        for r, m in got:
            raw = by_offset[r.offset]
            if m["category"] != "health":
                errs.append("%s: category %r, expected health" % (r.redacted, m["category"]))
            if m["hash"] != V.value_hash(key, raw):
                errs.append("%s: hash %s, expected %s (SipHash-2-4 of the match)" % (
                    r.redacted, m["hash"], V.value_hash(key, raw)))
            if m["confidence"] != values[raw]:
                errs.append("%s: confidence %r, expected %s (keyword 'patient' %s)" % (
                    r.redacted, m["confidence"], values[raw],
                    "before it" if values[raw] == "high" else "not within 64 bytes"))
    if errs:
        fail_with(errs, res)


@pytest.mark.parametrize("pattern", ["(", "PAT-([0-9]{8}"])
def test_dlp_custom_class_with_bad_pattern_is_refused_naming_class_and_pattern(
        tmp_path, pattern, tollgated_bin):
    pcap, _, _ = _custom_capture(tmp_path / "custom.pcap")
    cfg = tmp_path / "bad.yaml"
    cfg.write_text(CUSTOM_CONFIG % pattern)
    events = tmp_path / "events.jsonl"
    res = tgpcap.run_tollgated(["--read", pcap, "--config", cfg, "--events", events,
                                "--state-dir", tmp_path / "state"], 60)
    errs = []
    if res.rc is None or res.rc <= 0:
        errs.append("exit %s, expected a non-zero exit code (not a signal)" % res.rc)
    lines = [ln for ln in res.stderr.splitlines() if "patient_id" in ln]
    if not lines:
        errs.append("stderr does not name the class patient_id")
    elif pattern not in lines[0][lines[0].index("patient_id"):]:
        errs.append("stderr's line for patient_id does not quote the pattern %r: %r" % (
            pattern, lines[0]))
    if events.exists() and events.read_text().strip():
        errs.append("events were written although the configuration is invalid")
    if "tollgate summary" in res.stdout + res.stderr:
        errs.append("a summary was printed: packets were processed")
    if errs:
        fail_with(errs, res)

    chk = tgpcap.run_tollgated(["--check-config", cfg], 60)
    out = chk.stdout + chk.stderr
    chk_lines = [ln for ln in out.splitlines() if "patient_id" in ln]
    if chk.rc != 1:
        errs.append("--check-config exit %s, expected 1" % chk.rc)
    if not chk_lines:
        errs.append("--check-config output does not name patient_id")
    else:
        tail = chk_lines[0][chk_lines[0].index("patient_id"):]
        if pattern not in tail:
            errs.append("--check-config line does not quote the pattern: %r" % chk_lines[0])
        if tail not in res.stderr:
            errs.append("--check-config says %r, the daemon said %r" % (chk_lines[0],
                                                                         lines[0]))
    if errs:
        fail_with(errs, chk)


# --------------------------------------------------------------------------------------
# 10. Worker count does not change the events
# --------------------------------------------------------------------------------------

def test_dlp_events_are_identical_with_1_2_and_4_workers(tmp_path, captures, tollgated_bin):
    state = tmp_path / "state"          # one key for the three runs
    runs = {w: run_dlp(tmp_path, captures["all"], "w%d" % w, state_dir=state, workers=w)
            for w in (1, 2, 4)}
    base = tgpcap.canonical_events(dlp_events(runs[1].events))
    if len(base) < len(captures["split_flows"]):
        fail_with(["1 worker: only %d dlp events, expected at least one per flow with a "
                   "value (%d flows)" % (len(base), len(captures["split_flows"]) + 3)],
                  runs[1])
    for w in (2, 4):
        got = tgpcap.canonical_events(dlp_events(runs[w].events))
        if got != base:
            extra = sorted(set(got) - set(base))[:5]
            lost = sorted(set(base) - set(got))[:5]
            fail_with(["%d workers: %d dlp events vs %d with 1 worker" % (w, len(got),
                                                                          len(base)),
                       "only with %d workers: %s" % (w, extra),
                       "only with 1 worker: %s" % lost], runs[w])


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604])
def test_dlp_hash_key_readable_by_group_or_others_is_refused(tmp_path, mode, tollgated_bin):
    """hash.key is a secret like the API token file: a mode that lets group or others read
    it is refused at start (exit 2), naming the file, the mode and the fix."""
    state = tmp_path / "state"
    state.mkdir()
    key = state / "hash.key"
    key.write_text("00112233445566778899aabbccddeeff\n")
    key.chmod(mode)
    pcap = write_capture(tmp_path / "one.pcap", [http_upload(46001, 0, FILLER)])
    res = tgpcap.run_tollgated(["--read", pcap, "--state-dir", state], 60)
    assert res.rc == 2, (res.rc, res.stderr)
    assert ("%s: mode %04o lets group or others read the value-hash key: expected no group "
            "or other permissions (chmod 600 %s)" % (key, mode, key)) in res.stderr, res.stderr
    key.chmod(0o600)
    res = tgpcap.run_tollgated(["--read", pcap, "--state-dir", state], 60)
    assert res.rc == 0, (res.rc, res.stderr)
