"""Automatic captures (docs/capture.md "Automatic captures"): evidence per event.

  * Inline, without root: two net_pcap ports bridged `mode: inline` (as
    test_inline_pcap.py). A card upload is cut by a block binding; its dlp event carries
    `capture: {id, url}`; the capture (kind "event") holds the flow's handshake and
    packets up to the one that crossed the threshold, byte for byte with their own times,
    then the two RSTs the gateway sent (byte for byte what it transmitted), then the
    client's segments after the block; `tshark -z follow,tcp,ascii` shows the card; the
    file downloaded with a read token is the file on disk.
  * Offline: an alert binding captures only with `capture: true` or capture.auto_alert; a
    block binding with `capture: false` does not; the events say so.
  * Offline: with capture.history_memcap holding fewer histories than flows, the first
    flows get them and their events get captures; the others are counted (history
    refused, event missed) and have none. A restart lists the captures again, as events.
Every wait is on a condition (API state, a file written at the end of the run).
"""

import json
import signal
import subprocess
from pathlib import Path

import pytest
from scapy.all import IP, TCP, UDP, Ether, Raw, rdpcap, wrpcap
from scapy.utils import RawPcapReader

from test_capture import ADMIN, READ, Daemon, daemons, read_tshark, wait_for  # noqa: F401
from test_inline_pcap import CARD, CLIENT, CPORT, SERVER, SPORT, T0, upload_frames

INLINE_CFG = """\
dataplane:
  workers: 1
  ports:
    - {{ name: inside, device: "net_pcap0,rx_pcap={rx},tx_pcap={tx_in}", mode: inline,
        peer: outside }}
    - {{ name: outside, device: "net_pcap1,rx_pcap={empty},tx_pcap={tx_out}",
        mode: inline, peer: inside }}
dlp:
  enabled: false
capture:
  event_seconds: 1
policy:
  mode: protect
  default_action: allow
  groups:
    - name: uploaders
      cidrs: [10.1.8.0/24]
    - name: servers
      cidrs: [172.16.0.0/24]
  rules:
    - id: cards-blocked
      from: uploaders
      to: servers
      action: allow
      dlp:
        - {{ sensor: credit_card, action: block, threshold: 1 }}
"""


def records(path):
    """[(sec, usec, wirelen, bytes)] of a pcap (libpcap semantics)."""
    return [(m.sec, m.usec, m.wirelen, bytes(d)) for d, m in RawPcapReader(str(path))]


def follow_client_bytes(path):
    """What `tshark -q -z follow,tcp,ascii,0` shows of the client's side of stream 0, the
    chunks joined: each chunk is a line with its length, then its text; the server's
    chunks are indented with a tab."""
    p = subprocess.run(["tshark", "-r", str(path), "-q", "-z", "follow,tcp,ascii,0"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    body = p.stdout.split("Node 1:", 1)[1].split("\n", 1)[1].rsplit("=" * 20, 1)[0]
    client, cur = [], None
    for line in body.splitlines():
        if line.isdigit():
            cur = []
            client.append(cur)
        elif line.startswith("\t") and line[1:].isdigit():
            cur = None
        elif cur is not None:
            cur.append(line)
    return "".join("\n".join(c) for c in client)


def test_blocked_upload_capture_holds_the_value_and_the_resets(tmp_path, daemons):
    frames, crossing_seq, _ = upload_frames()
    # The client sends its blocked segment again (dropped: the flow is cut), and another
    # host's datagram two seconds later moves the worker's clock (packet time) past
    # capture.event_seconds, which completes the capture while the daemon runs.
    again = frames[6].copy()
    again.time = T0 + 0.2
    other = (Ether(src="02:00:00:00:00:05", dst="02:00:00:00:00:06") /
             IP(src="10.9.0.77", dst="10.9.0.78") / UDP(sport=5353, dport=5353) /
             Raw(b"x" * 20))
    other.time = T0 + 3
    rx_frames = frames + [again, other]
    rx, empty = tmp_path / "rx.pcap", tmp_path / "empty.pcap"
    wrpcap(str(rx), rx_frames)
    wrpcap(str(empty), [], linktype=1)
    tx_in, tx_out = tmp_path / "tx-inside.pcap", tmp_path / "tx-outside.pcap"
    ev = tmp_path / "events.jsonl"
    d = Daemon(tmp_path / "d", ["--events", ev],
               INLINE_CFG.format(rx=rx, empty=empty, tx_in=tx_in, tx_out=tx_out))
    daemons.append(d)

    def blocked_event():
        evs = [json.loads(x) for x in ev.read_text().splitlines()] if ev.exists() else []
        return [e for e in evs if "dlp" in e and e["dlp"]["action"] == "blocked"]
    evs = wait_for("the dlp event", blocked_event)
    cap = evs[0]["capture"]
    cid = cap["id"]
    assert cid == "dlp-%d" % evs[0]["flow_id"]
    assert cap["url"] == "/v1/captures/%s/files/1" % cid
    c = d.wait_state(cid, "stopped")
    assert c["kind"] == "event"
    assert c["reason"] == "capture.event_seconds passed after the event"
    assert c["event"] == {
        "type": "dlp", "flow_id": evs[0]["flow_id"], "time": evs[0]["timestamp"],
        "complete": True, "history_packets": 7, "history_evicted": 0, "after_packets": 2,
        "resets": 2, "lost": 0, "skipped": 0}
    # What the worker copied, all of it written.
    assert (c["matched"], c["packets"], c["dropped"]) == (11, 11, 0)
    listed = d.json("GET", "/v1/captures", READ)["captures"]
    assert [x["id"] for x in listed if x["kind"] == "event"] == [cid]

    # The URL the event carries, with a read token: the file on disk, byte for byte.
    st, h, body = d.req("GET", cap["url"], READ)
    assert st == 200 and h["content-type"] == "application/vnd.tcpdump.pcap"
    files = list((d.state / "captures" / cid).glob("*.pcap"))
    assert len(files) == 1 and files[0].read_bytes() == body
    assert h["content-disposition"] == 'attachment; filename="%s"' % files[0].name
    got = tmp_path / "got.pcap"
    got.write_bytes(body)

    # History: the handshake and every frame up to the crossing one, with their own
    # times; then the resets; then what the client sent after the block.
    def rec(f):
        t = round(float(f.time) * 1e6)
        return (t // 1000000, t % 1000000, len(bytes(f)), bytes(f))
    pk = records(got)
    assert len(pk) == 11
    assert pk[:7] == [rec(f) for f in frames[:7]]
    assert pk[9:] == [rec(frames[7]), rec(again)]
    rsts = [Ether(x[3]) for x in pk[7:9]]
    assert all(r[TCP].flags == "R" for r in rsts)
    # ... exactly the frames the gateway transmitted, at the crossing frame's time.
    sent = [bytes(f) for f in rdpcap(str(tx_in)) + rdpcap(str(tx_out))
            if TCP in f and f[TCP].flags.R]
    assert sorted(x[3] for x in pk[7:9]) == sorted(sent)
    assert [x[:2] for x in pk[7:9]] == [rec(frames[6])[:2]] * 2
    assert rsts[0][IP].dst == CLIENT and rsts[0][TCP].dport == CPORT
    assert rsts[1][IP].dst == SERVER and rsts[1][TCP].dport == SPORT
    assert rsts[1][TCP].seq == crossing_seq
    assert len(read_tshark(got)) == 11
    # The value the flow was cut for, as Wireshark's "Follow TCP stream" shows it.
    assert CARD.decode() in follow_client_bytes(got)
    # Other traffic has no history: no capture, no history held.
    s = d.stats()["capture"]
    assert s["event"]["started"] == s["event"]["made"] == 1
    assert s["history"]["taken"] == 1 and s["history"]["refused"] == 0
    assert d.stop() == 0
    assert CARD.decode() not in ev.read_text()


# ---------------------------------------------------------------------------------------
# Offline: which events capture
# ---------------------------------------------------------------------------------------

def upload(i, client, value, base=0.0):
    """A client's connection: handshake, a POST carrying value, the server's ACK."""
    body = b"note " + value + b" end"
    head = (b"POST /u HTTP/1.1\r\nHost: h.example\r\nContent-Length: %d\r\n\r\n" % len(body))
    c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=client, dst=SERVER)
    s = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src=SERVER, dst=client)
    sp = 41000 + i
    fr = [c / TCP(sport=sp, dport=80, flags="S", seq=100),
          s / TCP(sport=80, dport=sp, flags="SA", seq=900, ack=101),
          c / TCP(sport=sp, dport=80, flags="A", seq=101, ack=901),
          c / TCP(sport=sp, dport=80, flags="PA", seq=101, ack=901) / Raw(head + body),
          s / TCP(sport=80, dport=sp, flags="A", seq=901, ack=101 + len(head + body))]
    for k, f in enumerate(fr):
        f.time = T0 + base + k * 0.001
    return fr


OFFLINE_CFG = """\
dataplane:
  workers: 1
dlp:
  enabled: false
capture:
  auto_alert: {auto}
policy:
  mode: {mode}
  groups:
    - name: uploaders
      cidrs: [10.1.8.0/24]
  rules:
    - id: cards
      from: uploaders
      to: any
      action: allow
      dlp:
        - {{ sensor: credit_card, action: {action}, threshold: 1{extra} }}
"""


def run_offline(tmp_path, name, cfg, frames):
    d = tmp_path / name
    d.mkdir()
    trace, ev, conf = d / "in.pcap", d / "events.jsonl", d / "cfg.yaml"
    wrpcap(str(trace), frames)
    conf.write_text(cfg)
    p = subprocess.run([str(Daemon_bin()), "--read", str(trace), "--config", str(conf),
                        "--events", str(ev), "--state-dir", str(d / "state")],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    evs = [json.loads(x) for x in ev.read_text().splitlines()]
    caps = sorted(x.name for x in (d / "state" / "captures").iterdir()) \
        if (d / "state" / "captures").exists() else []
    return [e for e in evs if "dlp" in e], caps, d / "state"


def Daemon_bin():
    import tgpcap
    return tgpcap.tollgated_path()


@pytest.mark.parametrize("action, auto, extra, mode, captured", [
    ("alert", "false", "", "monitor", False),                   # alerts: off by default
    ("alert", "true", "", "monitor", True),                     # capture.auto_alert
    ("alert", "false", ", capture: true", "monitor", True),     # the binding says so
    ("alert", "true", ", capture: false", "monitor", False),    # ... whatever auto_alert
    ("block", "false", "", "monitor", True),                    # block: on by default
    ("block", "false", "", "protect", True),
    ("block", "false", ", capture: false", "protect", False),
])
def test_which_bindings_capture(tmp_path, action, auto, extra, mode, captured):
    frames = upload(0, CLIENT, CARD)
    cfg = OFFLINE_CFG.format(auto=auto, mode=mode, action=action, extra=extra)
    dlp, caps, state = run_offline(tmp_path, "run", cfg, frames)
    assert len(dlp) == 1
    e = dlp[0]
    if not captured:
        assert "capture" not in e and caps == []
        return
    cid = "dlp-%d" % e["flow_id"]
    assert e["capture"] == {"id": cid, "url": "/v1/captures/%s/files/1" % cid}
    assert caps == [cid]
    meta = json.loads((state / "captures" / cid / "capture.json").read_text())
    assert meta["state"] == "stopped" and meta["reason"] == "the flow ended"
    # The handshake and the POST before the event, the server's ACK after it.
    assert meta["event"]["history_packets"] == 4 and meta["event"]["after_packets"] == 1
    pcap = next((state / "captures" / cid).glob("*.pcap"))
    assert [x[3] for x in records(pcap)] == [bytes(f) for f in frames]


MEMCAP_CFG = """\
dataplane:
  workers: 1
dlp:
  enabled: false
capture:
  history_memcap: 44KiB
  history_bytes: 4KiB
  history_snaplen: 1000
policy:
  groups:
    - name: uploaders
      cidrs: [10.1.0.0/16]
  rules:
    - id: cards
      from: uploaders
      to: any
      action: allow
      dlp: [{sensor: credit_card, action: block, threshold: 1}]
"""


def test_history_memcap_is_respected_and_counted(tmp_path, daemons):
    n = 30
    conns = [upload(i, "10.1.9.%d" % (i + 1), CARD) for i in range(n)]
    # Every connection opens, in this order, before any sends its data.
    frames = [c[k] for k in range(3) for c in conns] + [f for c in conns for f in c[3:]]
    for k, f in enumerate(frames):
        f.time = T0 + k * 0.0001
    trace = tmp_path / "in.pcap"
    wrpcap(str(trace), frames)
    st = tmp_path / "stats.json"
    ev = tmp_path / "events.jsonl"
    d = Daemon(tmp_path / "served", ["--read", trace, "--serve", "--stats-json", st,
                                      "--events", ev], MEMCAP_CFG)
    daemons.append(d)
    wait_for("end of input", st.exists)
    s = d.stats()["capture"]
    slots = s["history"]["slots"]
    # The pool holds what fits in 44 KiB: some histories of 4 KiB, fewer than the flows.
    assert 1 <= slots <= 44 * 1024 // (4 * 1024) and slots < n
    assert s["history"]["taken"] == slots
    assert s["history"]["refused"] == n - slots
    assert s["history"]["in_use"] == 0
    assert s["event"]["started"] == s["event"]["made"] == slots
    assert s["event"]["missed"] == n - slots and s["event"]["limited"] == 0
    assert s["event"]["lost"] == 0 and s["event"]["refused"] == 0
    # The first flows to open got them: their events carry a capture, the others none.
    dlp = [json.loads(x) for x in ev.read_text().splitlines()]
    dlp = sorted((e for e in dlp if "dlp" in e), key=lambda e: e["src_port"])
    assert len(dlp) == n
    assert [("capture" in e) for e in dlp] == [True] * slots + [False] * (n - slots)
    listed = d.json("GET", "/v1/captures", READ)["captures"]
    assert sorted(c["id"] for c in listed) == sorted(e["capture"]["id"] for e in dlp[:slots])
    assert all(c["kind"] == "event" and c["state"] == "stopped" and c["packets"] == 5
               for c in listed)
    assert d.stop() == 0

    # After a restart, they are listed again: stopped, event captures, same counts.
    empty = tmp_path / "empty.pcap"
    wrpcap(str(empty), [], linktype=1)
    d2 = Daemon(tmp_path / "again", ["--read", empty, "--serve"], MEMCAP_CFG,
                state=d.state)
    daemons.append(d2)
    again = d2.json("GET", "/v1/captures", READ)["captures"]
    fields = ("id", "kind", "state", "reason", "event", "packets", "matched", "dropped")
    assert [[c[k] for k in fields] for c in again] == [[c[k] for k in fields] for c in listed]
    # An event capture's id does not start a manual capture.
    st_, _, b = d2.req("POST", "/v1/captures", ADMIN, {"id": listed[0]["id"]})
    assert st_ == 409, b


DENY_CFG = """\
dataplane:
  workers: 1
dlp:
  enabled: false
capture:
  auto_alert: {auto}
policy:
  mode: protect
  groups:
    - name: uploaders
      cidrs: [10.1.8.0/24]
  rules:
    - id: no-uploads
      from: uploaders
      to: any
      action: deny{extra}
"""


@pytest.mark.parametrize("auto, extra, captured", [
    ("false", "", False),                       # a deny rule's alert: off by default
    ("false", "\n      capture: true", True),   # ... unless the rule says so
    ("true", "", True),                         # ... or capture.auto_alert
    ("true", "\n      capture: false", False),
])
def test_deny_rule_alert_captures_when_asked(tmp_path, auto, extra, captured):
    frames = upload(0, CLIENT, b"nothing personal")
    _, caps, state = run_offline(tmp_path, "run", DENY_CFG.format(auto=auto, extra=extra),
                                 frames)
    evs = [json.loads(x) for x in (tmp_path / "run" / "events.jsonl").read_text().splitlines()]
    alerts = [e for e in evs if e["event_type"] == "alert"]
    assert [a["alert"]["reason"] for a in alerts] == ["deny"]
    if not captured:
        assert "capture" not in alerts[0] and caps == []
        return
    cid = "alert-%d" % alerts[0]["flow_id"]
    assert alerts[0]["capture"]["id"] == cid and caps == [cid]
    meta = json.loads((state / "captures" / cid / "capture.json").read_text())
    # Raised on the first packet, before any history: every frame comes after it.
    assert (meta["event"]["history_packets"], meta["event"]["after_packets"]) == (0, 5)
    pcap = next((state / "captures" / cid).glob("*.pcap"))
    assert [x[3] for x in records(pcap)] == [bytes(f) for f in frames]
