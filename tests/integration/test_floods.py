"""Floods to every cap, on a live inline pair of net_pcap ports (no root needed): a SYN
flood and a flood of unique UDP flows past the flow cap, and out-of-order bytes to the
reassembly cap. In each case /healthz keeps answering throughout, the counters show
exactly what was refused, the exception policy decides what is forwarded (each port
writes what it transmits), and the peak resident memory stays within the memory plan the
daemon logs at start (tollgated --memory-plan prints each part; docs/operations.md)."""

import re
import signal
import struct
import subprocess
import threading
import time
import urllib.request
from pathlib import Path

from scapy.all import rdpcap
from tgdaemon import (DEADLINE, RELEASE_BIN, StderrTail, api_stats, free_port, syn_frame,
                      token_file, wait_for, _csum)

# Code, libraries and thread stacks: resident but outside the plan (which counts what
# the configuration sizes). Measured around 40 MiB for the release build.
SLACK_MIB = 96


def udp_frame(i):
    src = bytes([10, 65, (i >> 8) & 0xFF, i & 0xFF])
    dst = bytes([10, 99, 0, 2])
    udp = struct.pack("!HHHH", 2000 + i % 50000, 5353, 8 + 4, 0) + b"ping"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                     src, dst)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp


def ooo_frames(n):
    """One TCP connection: handshake, then n 1000-byte segments sent last to first
    (each held out of order until the first arrives), then the first."""
    cli, srv = bytes([10, 66, 0, 1]), bytes([10, 99, 0, 3])

    def tcp(src, dst, sport, dport, seq, ack, flags, payload=b""):
        t = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        t += payload
        ph = src + dst + struct.pack("!BBH", 0, 6, len(t))
        t = t[:16] + struct.pack("!H", _csum(ph + t)) + t[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(t), 1, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
        return b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + t

    frames = [tcp(cli, srv, 40000, 80, 100, 0, 0x02), tcp(srv, cli, 80, 40000, 500, 101, 0x12),
              tcp(cli, srv, 40000, 80, 101, 501, 0x10)]
    for k in range(n - 1, -1, -1):
        frames.append(tcp(cli, srv, 40000, 80, 101 + 1000 * k, 501, 0x18, b"x" * 1000))
    return frames


def write(path, frames):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            us = i * 5
            f.write(struct.pack("<IIII", 1_700_000_000 + us // 1_000_000, us % 1_000_000,
                                len(fr), len(fr)) + fr)


def vm_hwm_mib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0


def flood(tmp_path, frames, cfg_extra, until, may_lose_events=False):
    """Replay frames into the inside port of an inline pair while polling /healthz;
    returns (final stats counters, frames forwarded, peak RSS MiB, plan total MiB).
    may_lose_events: a flood of flow events may outrun the sink (live: dropped and
    counted, exit code 1); then every event is either in the file or counted lost."""
    rx, empty = tmp_path / "rx.pcap", tmp_path / "empty.pcap"
    write(rx, frames)
    write(empty, [])
    tx_out, tx_in = tmp_path / "tx-out.pcap", tmp_path / "tx-in.pcap"
    cfg = tmp_path / "flood.yaml"
    cfg.write_text(f"""
dataplane:
  workers: 1
  mbufs: 16383
  ports:
    - {{ name: inside, device: "net_pcap0,rx_pcap={rx},tx_pcap={tx_in}", mode: inline,
        peer: outside }}
    - {{ name: outside, device: "net_pcap1,rx_pcap={empty},tx_pcap={tx_out}",
        mode: inline, peer: inside }}
{cfg_extra}
""")
    port = free_port()
    # The release-like build: AddressSanitizer's shadow memory and quarantine are not
    # part of any configuration's plan.
    p = subprocess.Popen([RELEASE_BIN, "--config", cfg, "--api-listen", f"127.0.0.1:{port}",
                          "--api-token-file", token_file(tmp_path / "tokens"), "--state-dir",
                          tmp_path / "state", "--events", tmp_path / "events.jsonl"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tail = StderrTail(p)
    tail.wait(r"memory plan: total \d+ MiB")
    plan = int(re.search(r"memory plan: total (\d+) MiB", tail.text_now()).group(1))
    # --memory-plan prints the same arithmetic, part by part, for the same file
    shown = subprocess.run([RELEASE_BIN, "--memory-plan", "-c", cfg], capture_output=True,
                           text=True, timeout=DEADLINE)
    assert shown.returncode == 0, shown.stderr
    assert f"memory plan: total {plan} MiB = EAL" in shown.stdout, shown.stdout
    assert "  flows        " in shown.stdout and "  sensors      " in shown.stdout
    health, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            t0 = time.time()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz",
                                            timeout=10) as r:
                    health.append((r.status, time.time() - t0))
            except OSError as e:
                health.append((str(e), time.time() - t0))
            stop.wait(0.2)

    wait_for("/healthz", lambda: urllib.request.urlopen(
        f"http://127.0.0.1:{port}/healthz", timeout=10).status == 200, p)
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    wait_for("the flood processed", lambda: until(api_stats(port)["counters"]), p)
    stop.set()
    poller.join(timeout=30)
    peak = vm_hwm_mib(p.pid)
    counters = api_stats(port)["counters"]
    p.send_signal(signal.SIGTERM)
    out, _ = tail.communicate(p, timeout=DEADLINE)
    written = len((tmp_path / "events.jsonl").read_text().splitlines())
    m = re.search(r"events +(\d+) written, (\d+) lost", out)
    assert m and int(m.group(1)) == written, out
    lost = int(m.group(2))
    if lost and may_lose_events:
        assert p.returncode == 1 and f"tollgated: {lost} events lost" in tail.text()
    else:
        assert p.returncode == 0 and lost == 0, tail.text()
    counters["events_written"], counters["events_lost"] = written, lost
    assert health and all(s == 200 for s, _ in health), health
    forwarded = len(rdpcap(str(tx_out)))
    return counters, forwarded, peak, plan


def test_syn_flood_past_the_flow_cap_fail_closed(tmp_path):
    n, cap = 20000, 4096
    c, fwd, peak, plan = flood(tmp_path, [syn_frame(i) for i in range(n)], f"""
  exception_policy: fail_closed
flow:
  max_flows: {cap}
  evict: none
  timeouts:
    new: 86400
""", lambda c: c["packets"] == n)
    assert c["flows_created"] == cap and c["flows_active"] == cap
    assert c["flows_refused"] == n - cap
    assert c["exception_fail_closed"] == n - cap
    assert fwd == cap                    # the refused SYNs never left
    assert peak <= plan + SLACK_MIB, (peak, plan)


def test_unique_udp_flood_evicts_oldest_fail_open(tmp_path):
    n, cap = 20000, 2048
    c, fwd, peak, plan = flood(tmp_path, [udp_frame(i) for i in range(n)], f"""
  exception_policy: fail_open
flow:
  max_flows: {cap}
  evict: oldest
""", lambda c: c["packets"] == n, may_lose_events=True)
    assert c["flows_created"] == n and c["flows_evicted"] == n - cap
    # one flow event per flow: written or counted lost, none unaccounted for
    assert c["events_written"] + c["events_lost"] == n
    assert c["flows_active"] == cap
    assert fwd == n                      # evicting keeps inspecting: all forwarded
    assert peak <= plan + SLACK_MIB, (peak, plan)


def test_out_of_order_bytes_to_the_reassembly_cap(tmp_path):
    n = 600                              # 600 KB held against a 256 KiB direction cap
    c, fwd, peak, plan = flood(tmp_path, ooo_frames(n), """
  exception_policy: fail_open
reassembly:
  memcap: 1MiB
  max_ooo_per_dir: 256KiB
""", lambda c: c["packets"] == n + 3)
    held = c["reasm_ooo_held"]
    assert held > 0 and c["reasm_ooo_flow_cap"] > 0
    assert held + c["reasm_ooo_flow_cap"] == n - 1      # every early segment: one or other
    assert c["reasm_pool_empty"] == 0
    assert peak <= plan + SLACK_MIB, (peak, plan)
