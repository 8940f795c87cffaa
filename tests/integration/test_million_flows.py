"""A million concurrent flows on one worker in under 2 GiB (issue 12), with sensor state
never the reason a flow goes uninspected.

The configuration is the one docs/operations.md "Sizing" works out: flow.max_flows
1048576 and dlp.max_streams 65536 (directions carrying bytes within any one second).
The capture opens 1,048,576 TCP flows (a SYN each, within 2 s of capture time, all kept
open), then 196,608 of them send a data segment with a card number, 24,576 a second over
8 s, and none ever closes: far more directions with bytes than streams, but never more
than the streams within one second. Checked: every flow is created and none refused or
ended; every data direction is inspected (dlp_dirs_opened = 196,608, dlp_dirs_refused 0,
evictions made the room) and every card is found (one alert each); the memory plan the
daemon prints is under 2048 MiB and its peak resident memory stays within it. Run on
the release build (as test_floods.py): AddressSanitizer's shadow memory would measure
the sanitizer, not the plan.
"""
import json
import re
import signal
import struct
import subprocess

import dlp_values as V
from tgdaemon import DEADLINE, RELEASE_BIN, StderrTail, _csum, api_stats, free_port
from tgdaemon import token_file, wait_for

FLOWS = 1 << 20
DATA_FLOWS = 196608
PER_SECOND = 24576
SLACK_MIB = 96          # code, libraries, thread stacks: outside the plan (test_floods.py)
T0 = 1_700_000_000
ETH = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"


def frame(i, flags, payload=b""):
    """Client i (10.64.x.y:port, distinct for i < 2^22) to 10.99.0.1:443, seq 1000 + i
    for the SYN and the first byte after it."""
    src = bytes([10, 64 + (i >> 16) % 64, (i >> 8) & 0xFF, i & 0xFF])
    dst = bytes([10, 99, 0, 1])
    seq = 1000 + i + (1 if payload else 0)
    tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 443, seq, 0, 5 << 4, flags, 64240,
                      0, 0) + payload
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src,
                     dst)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return ETH + ip + tcp


def write_capture(path, cards):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))

        def put(us, fr):
            f.write(struct.pack("<IIII", T0 + us // 1_000_000, us % 1_000_000, len(fr),
                                len(fr)))
            f.write(fr)
        for i in range(FLOWS):
            put(i * 2_000_000 // FLOWS, frame(i, 0x02))
        step = FLOWS // DATA_FLOWS
        for k in range(DATA_FLOWS):
            body = b"order paid with card " + cards[k % len(cards)].raw.encode() + b" thanks\n"
            put(2_000_000 + k * 1_000_000 // PER_SECOND, frame(k * step, 0x18, body))
    return FLOWS + DATA_FLOWS


def test_a_million_flows_fit_in_2_gib_and_every_data_direction_is_inspected(tmp_path):
    cards = V.card_series(64, seed=12)
    pcap = tmp_path / "million.pcap"
    frames = write_capture(pcap, cards)
    cfg = tmp_path / "tollgate.yaml"
    cfg.write_text("flow:\n  max_flows: 1048576\n  timeouts:\n    new: 3600\n"
                   "dlp:\n  max_streams: 65536\n")
    port = free_port()
    tokens = tmp_path / "tokens"
    token_file(tokens)
    stats = tmp_path / "stats.json"
    p = subprocess.Popen([RELEASE_BIN, "--config", cfg, "--read", pcap, "--serve",
                          "--api-listen", f"127.0.0.1:{port}", "--api-token-file", tokens,
                          "--state-dir", tmp_path / "state", "--events",
                          tmp_path / "ev.jsonl", "--stats-json", stats],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    tail = StderrTail(p)
    try:
        tail.wait(r"memory plan: total \d+ MiB")
        plan = int(re.search(r"memory plan: total (\d+) MiB", tail.text_now()).group(1))
        wait_for("every frame through the worker",
                 lambda: api_stats(port)["counters"]["packets"] == frames, p,
                 deadline=max(DEADLINE, 600))
        s = api_stats(port)
        peak = 0
        for line in open(f"/proc/{p.pid}/status"):
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) // 1024
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = tail.communicate(p)
    assert p.returncode == 0, err[-3000:]
    c = s["counters"]
    assert plan < 2048, plan
    print("million flows: peak %d MiB, plan %d MiB" % (peak, plan))
    assert peak <= plan + SLACK_MIB, (peak, plan)
    assert c["flows_created"] == FLOWS, c["flows_created"]
    assert c["flows_refused"] == 0 and c["flows_evicted"] == 0
    assert c["dlp_dirs_opened"] == DATA_FLOWS, c["dlp_dirs_opened"]
    assert c["dlp_dirs_refused"] == 0
    assert c["dlp_dirs_evicted"] >= DATA_FLOWS - 65536, c["dlp_dirs_evicted"]
    alerts = 0
    with open(tmp_path / "ev.jsonl") as f:
        for line in f:
            if '"event_type":"alert"' in line:
                e = json.loads(line)
                assert [m["sensor"] for m in e["dlp"]["matches"]] == ["credit_card"]
                alerts += 1
    assert alerts == DATA_FLOWS
