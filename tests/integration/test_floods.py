"""Floods to every cap, on a live inline pair of net_pcap ports (no root needed): a SYN
flood and a flood of unique UDP flows past the flow cap, and out-of-order bytes to the
reassembly cap. In each case /healthz keeps answering throughout, the counters show
exactly what was refused, the exception policy decides what is forwarded (each port
writes what it transmits), and the peak resident memory stays within the memory plan the
daemon logs at start (tollgated --memory-plan prints each part; docs/operations.md)."""

import json
import os
import re
import signal
import struct
import subprocess
import threading
import time
import random
import urllib.request
import zlib
from pathlib import Path

import brotli
import pytest
import zstandard
from scapy.all import TCP, Ether, rdpcap

import appcap as A
import dlp_values as V
import tgpcap
from appcap import C2S, S2C, AppFlow
from tgdaemon import (DEADLINE, RELEASE_BIN, HangingServer, StderrTail, api_get, api_stats,
                      free_port, syn_frame, token_file, wait_for, _csum)

# Code, libraries and thread stacks: resident but outside the plan (which counts what
# the configuration sizes). Measured around 40 MiB for the release build.
SLACK_MIB = 96


def udp_frame(i, payload=b"ping", flows=None):
    """A UDP datagram of flow i (of flows, when given: i modulo flows)."""
    k = i if flows is None else i % flows
    src = bytes([10, 65, (k >> 8) & 0xFF, k & 0xFF])
    dst = bytes([10, 99, 0, 2])
    udp = struct.pack("!HHHH", 2000 + k % 50000, 5353, 8 + len(payload), 0) + payload
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


class Flood:
    """What a flood left: the counters of /v1/stats (events_written and events_lost
    added), the whole last /v1/stats, the frames the outside port transmitted (tx),
    the peak resident MiB and the plan's total, the events, and after()'s result."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def forwarded(self):
        return len(self.tx)


def _drain(fd, into):
    """Read a FIFO to its end (the daemon closed it) on a thread; into gets the bytes."""
    def run():
        os.set_blocking(fd, True)
        while True:
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            into.append(chunk)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


def flood(tmp_path, frames, cfg_extra, until, may_lose_events=False, args=(), fifo=False,
          stdout_pipe=False, after=None, deadline=DEADLINE):
    """Replay frames into the inside port of an inline pair while polling /healthz;
    returns a Flood. may_lose_events: a flood of flow events may outrun the sink (live:
    dropped and counted, exit code 1); then every event is either in the file or counted
    lost. args: more daemon arguments (--capture ...). fifo: the events file is a FIFO
    that nobody reads until the daemon is told to stop; stdout_pipe: the events go to
    stdout (`--events -`), a pipe nobody reads until then (the summary goes to stderr).
    after(port, proc): called once
    until() holds, before the stop; its result is Flood.after. deadline: for /healthz
    and until()."""
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
    events = tmp_path / "events.jsonl"
    rfd, stdout = None, subprocess.PIPE
    if fifo:
        os.mkfifo(events)
        rfd = os.open(events, os.O_RDONLY | os.O_NONBLOCK)   # the writer's open needs one
    if stdout_pipe:
        rfd, stdout = os.pipe()
        events = "-"
    port = free_port()
    # The release-like build: AddressSanitizer's shadow memory and quarantine are not
    # part of any configuration's plan.
    p = subprocess.Popen([RELEASE_BIN, "--config", cfg, "--api-listen", f"127.0.0.1:{port}",
                          "--api-token-file", token_file(tmp_path / "tokens"), "--state-dir",
                          tmp_path / "state", "--events", events, *args],
                         stdout=stdout, stderr=subprocess.PIPE, text=True)
    if stdout_pipe:
        os.close(stdout)    # the daemon's end only: EOF when it exits
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
        f"http://127.0.0.1:{port}/healthz", timeout=10).status == 200, p, deadline)
    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    wait_for("the flood processed", lambda: until(api_stats(port)["counters"]), p, deadline)
    extra = after(port, p) if after is not None else None
    stop.set()
    poller.join(timeout=30)
    peak = vm_hwm_mib(p.pid)
    stats = api_stats(port)
    counters = stats["counters"]
    p.send_signal(signal.SIGTERM)
    chunks = []
    drainer = _drain(rfd, chunks) if rfd is not None else None
    out, err = tail.communicate(p, timeout=DEADLINE)
    if stdout_pipe:
        out = err           # the summary, as events own stdout
    if rfd is not None:
        drainer.join(timeout=DEADLINE)
        os.close(rfd)
        text = b"".join(chunks).decode()
    else:
        text = events.read_text()
    lines = [json.loads(x) for x in text.splitlines()]
    m = re.search(r"events +(\d+) written, (\d+) lost", out)
    assert m and int(m.group(1)) == len(lines), out
    lost = int(m.group(2))
    if lost and may_lose_events:
        assert p.returncode == 1 and f"tollgated: {lost} events lost" in tail.text()
    else:
        assert p.returncode == 0 and lost == 0, tail.text()
    counters["events_written"], counters["events_lost"] = len(lines), lost
    assert health and all(s == 200 for s, _ in health), health
    tx = [bytes(f) for f in rdpcap(str(tx_out))]
    return Flood(counters=counters, stats=stats, tx=tx, peak=peak, plan=plan, events=lines,
                 health=health, out=out, err=tail.text(), after=extra)


def test_syn_flood_past_the_flow_cap_fail_closed(tmp_path):
    n, cap = 20000, 4096
    r = flood(tmp_path, [syn_frame(i) for i in range(n)], f"""
  exception_policy: fail_closed
flow:
  max_flows: {cap}
  evict: none
  timeouts:
    new: 86400
""", lambda c: c["packets"] == n)
    c = r.counters
    assert c["flows_created"] == cap and c["flows_active"] == cap
    assert c["flows_refused"] == n - cap
    assert c["exception_fail_closed"] == n - cap
    assert r.forwarded == cap            # the refused SYNs never left
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


def test_unique_udp_flood_evicts_oldest_fail_open(tmp_path):
    n, cap = 20000, 2048
    r = flood(tmp_path, [udp_frame(i) for i in range(n)], f"""
  exception_policy: fail_open
flow:
  max_flows: {cap}
  evict: oldest
""", lambda c: c["packets"] == n, may_lose_events=True)
    c = r.counters
    assert c["flows_created"] == n and c["flows_evicted"] == n - cap
    # one flow event per flow: written or counted lost, none unaccounted for
    assert c["events_written"] + c["events_lost"] == n
    assert c["flows_active"] == cap
    assert r.forwarded == n              # evicting keeps inspecting: all forwarded
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


def test_out_of_order_bytes_to_the_reassembly_cap(tmp_path):
    n = 600                              # 600 KB held against a 256 KiB direction cap
    r = flood(tmp_path, ooo_frames(n), """
  exception_policy: fail_open
reassembly:
  memcap: 1MiB
  max_ooo_per_dir: 256KiB
""", lambda c: c["packets"] == n + 3)
    c = r.counters
    held = c["reasm_ooo_held"]
    assert held > 0 and c["reasm_ooo_flow_cap"] > 0
    assert held + c["reasm_ooo_flow_cap"] == n - 1      # every early segment: one or other
    assert c["reasm_pool_empty"] == 0
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


# ---- decoders: bombs, caps and a pool too small for the bodies open at once -------------

GIB = 1 << 30


def zeros(coding, size):
    """size zero bytes compressed with coding (appcap.CODINGS), a piece at a time: a
    1 GiB bomb without 1 GiB in memory."""
    piece = bytes(16 << 20)
    if coding == "br":
        c = brotli.Compressor(quality=5)
        step, end = c.process, c.finish
    elif coding == "zstd":
        c = zstandard.ZstdCompressor(level=3).compressobj()
        step, end = c.compress, c.flush
    else:
        c = zlib.compressobj(6, zlib.DEFLATED, {"gzip": 31, "deflate": 15}[coding])
        step, end = c.compress, c.flush
    return b"".join([step(piece) for _ in range(size // len(piece))] + [end()])


def upload(port, codings, body):
    """An AppFlow: one POST whose body is body (already encoded with codings, in
    Content-Encoding order), the 200 answer, the client's close. Every flow starts at the
    same time with the same step, so that frames of different flows interleave."""
    f = AppFlow(port, 0, step_us=(100, 100))
    hdr = [("Content-Type", "text/plain")]
    if codings:
        hdr.append(("Content-Encoding", ", ".join(codings)))
    f.send(C2S, A.http_request("POST", "/upload", hdr, body))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    return f


def frames_of(flows):
    """The flows' frames merged by time (tgpcap.Capture): with upload()'s common start
    and step, round robin over the flows."""
    recs = tgpcap.Capture([f.s for f in flows]).records
    return [fr for _, fr in recs]


def upload_flood(tmp_path, flows, policy, app):
    """flood() with the flows' frames, the exception policy and one app: key; returns
    the Flood and the frames."""
    frames = frames_of(flows)
    r = flood(tmp_path, frames, f"""
  exception_policy: {policy}
app:
  {app}
""", lambda c: c["packets"] == len(frames))
    return r, frames


def tcp_of(frame):
    """(client port, flags) of a TCP frame between an upload's client and server."""
    t = Ether(frame)[TCP]
    return (t.sport if t.dport == 80 else t.dport), str(t.flags)


def check_policy(r, frames, cut_ports, policy):
    """The exception policy on the flows in cut_ports (each stopped by one cap, in one
    frame): fail_open forwards every frame; fail_closed drops that frame and every later
    one of the flow and resets both ends (one RST out of the outside port, after a prefix
    of the flow's frames). Other flows are forwarded whole."""
    c, k = r.counters, len(cut_ports)
    sent = {}
    for fr in frames:
        sent.setdefault(tcp_of(fr)[0], []).append(fr)
    got = {}
    for fr in r.tx:
        got.setdefault(tcp_of(fr)[0], []).append(fr)
    if policy == "fail_open":
        assert c["exception_fail_open"] == k and c["exception_fail_closed"] == 0
        assert r.tx == frames and c["rst_sent"] == 0 and c["verdict_drops"] == 0
        return
    assert c["exception_fail_closed"] == k and c["exception_fail_open"] == 0
    assert c["verdict_resets"] == k and c["rst_sent"] == 2 * k
    dropped = 0
    for port, theirs in sent.items():
        out = got.get(port, [])
        if port not in cut_ports:
            assert out == theirs, port
            continue
        assert "R" in tcp_of(out[-1])[1], port          # the RST to the server
        fwd = out[:-1]
        assert 0 < len(fwd) < len(theirs) and fwd == theirs[:len(fwd)], port
        dropped += len(theirs) - len(fwd)
    assert c["verdict_drops"] == dropped
    assert len(r.tx) == len(frames) - dropped + k


def decode_failed(r):
    """Client ports of the flows with an app_decode_failed anomaly, each once."""
    got = A.anomalies_of(r.events)
    assert all(n == 1 for n in got.values()), got
    return {port for port, name in got if name == "app_decode_failed"}


def decoded_ports(r, path):
    """Client ports of the flows a dlp match was found in the decoded buffer path of."""
    rows, problems = A.rows_of(r.events)
    assert not problems, problems
    return {row.port for row in rows if row.path == path}


@pytest.mark.parametrize("policy", ["fail_open", "fail_closed"])
def test_decompression_bombs_stop_at_the_decoder_limits(tmp_path, policy):
    """1 GiB of zeros as gzip (1 MB, ratio 1000), 256 MiB as deflate, 1 GiB as br and as
    zstd (ratios of 10^5 and more), and nested: gzip of gzip and gzip then br. Each is
    stopped by app.max_ratio (100) after the 64 KiB grace; a 2 MiB text of ratio under
    100 stops at app.max_decoded (1 MiB). Exactly one counter and one anomaly per body,
    the exception policy on each of those flows, and a clean gzip body beside them that
    is decoded (its e-mail address found in "http.body > gzip") and forwarded whole."""
    gz = zeros("gzip", GIB)
    rng = random.Random(15)
    text = b"".join(b"row %07d %s ok\n" % (i, b"abcdefgh"[rng.randrange(8):])
                    for i in range(140000))
    assert 2 << 20 < len(text) and len(zlib.compress(text)) * 100 > len(text)
    doc = b"contact " + V.EMAIL.raw.encode() + b" for access\n" + text[:4000]
    bombs = {
        32001: (["gzip"], gz),
        32002: (["deflate"], zeros("deflate", GIB // 4)),
        32003: (["br"], zeros("br", GIB)),
        32004: (["zstd"], zeros("zstd", GIB)),
        32005: (["gzip", "gzip"], A.compress("gzip", gz)),
        32006: (["gzip", "br"], A.compress("br", gz)),
    }
    flows = [upload(p, cod, body) for p, (cod, body) in bombs.items()]
    flows.append(upload(32007, ["gzip"], A.compress("gzip", text)))       # the cap
    flows.append(upload(32008, ["gzip"], A.compress("gzip", doc)))        # clean
    r, frames = upload_flood(tmp_path, flows, policy, "max_decoded: 1MiB")
    c = r.counters
    assert c["app_decode_bombs"] == len(bombs) and c["app_decode_capped"] == 1
    assert c["app_decode_nomem"] == 0 and c["app_decode_errors"] == 0
    cut = set(bombs) | {32007}
    assert decode_failed(r) == cut
    assert decoded_ports(r, "http.body > gzip") == {32008}
    check_policy(r, frames, cut, policy)
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


@pytest.mark.parametrize("policy", ["fail_open", "fail_closed"])
def test_more_bodies_at_once_than_the_decoder_pool_holds(tmp_path, policy):
    """64 gzip uploads open at once (their segments interleaved) against a 1 MiB
    app.decode_memcap, each decoder holding about 45 KiB: the bodies that found no
    decoder memory are counted exactly (app_decode_nomem), one anomaly each, and take the
    exception policy; every other one is decoded to its end (the e-mail address at the
    end of each document is found in "http.body > gzip"), so the two add up to 64."""
    rng = random.Random(16)
    flows = []
    for i in range(64):
        text = bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz \n") for _ in range(12000))
        doc = text + b"\ncontact " + V.EMAIL.raw.encode() + b" for access\n"
        flows.append(upload(33000 + i, ["gzip"], A.compress("gzip", doc)))
    r, frames = upload_flood(tmp_path, flows, policy, "decode_memcap: 1MiB")
    c = r.counters
    refused = decode_failed(r)
    decoded = decoded_ports(r, "http.body > gzip")
    assert c["app_decode_nomem"] == len(refused) > 0
    assert len(decoded) > 0 and not refused & decoded
    assert refused | decoded == {f.port for f in flows}
    assert c["app_decode_bombs"] == c["app_decode_capped"] == c["app_decode_errors"] == 0
    check_policy(r, frames, refused, policy)
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


# ---- capture: a copy ring the pcap writer cannot keep up with ------------------------

def test_capture_ring_overrun_drops_copies_never_traffic(tmp_path):
    """A capture of every packet into a 64 KiB copy ring, its files one packet each (the
    writer opens, writes, closes and deletes a file per packet), against 20000 frames of
    1400 bytes: copies that find the ring full are dropped and counted, exactly the ones
    not written (matched = written + dropped, per capture and in the totals), while every
    frame is forwarded and the exception policy (fail_closed) never fires."""
    n = 20000
    frames = [udp_frame(i, bytes(1358), flows=64) for i in range(n)]
    assert len(frames[0]) == 1400

    def drained(port, proc):
        def done():
            cap = api_get(port, "/v1/captures/flood")
            return cap["matched"] == n and cap["packets"] + cap["dropped"] == n
        wait_for("the capture written or dropped", done, proc)
        return api_get(port, "/v1/captures/flood")

    r = flood(tmp_path, frames, """
  exception_policy: fail_closed
capture:
  ring_size: 64KiB
  snaplen: 2048
  max_snaplen: 2048
""", lambda c: c["packets"] == n, after=drained,
        args=["--capture", '{"id": "flood", "file_size": 2088, "file_count": 2}'])
    cap, totals = r.after, r.stats["capture"]
    assert cap["dropped"] > 0 and cap["packets"] > 0, cap
    assert totals["matched"] == n and totals["dropped"] == cap["dropped"]
    assert totals["written"] == cap["packets"]
    # one packet a file, two files kept: the disk holds the ring, whatever the flood
    assert totals["files"] == cap["packets"] and totals["files_deleted"] == cap["packets"] - 2
    assert totals["disk_bytes"] <= 2 * 2088
    assert r.forwarded == n and r.tx == frames
    c = r.counters
    assert c["exception_fail_closed"] == c["exception_fail_open"] == 0
    assert c["verdict_drops"] == 0
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)


# ---- an event sink that blocks ----------------------------------------------------------

def udp_flood_of_events(tmp_path, cfg_extra="", **kw):
    """20000 unique UDP flows through a 2048-flow table (oldest evicted): 17952 flow
    events during the flood, the rest at the stop. Every frame must be forwarded and every
    flow event written or counted lost, whatever the sink does."""
    n, cap = 20000, 2048
    frames = [udp_frame(i) for i in range(n)]
    r = flood(tmp_path, frames, f"""
  exception_policy: fail_open
flow:
  max_flows: {cap}
  evict: oldest
{cfg_extra}""", lambda c: c["packets"] == n, may_lose_events=True, **kw)
    c = r.counters
    assert c["flows_created"] == n and c["flows_evicted"] == n - cap
    assert c["events_written"] + c["events_lost"] == n
    assert r.tx == frames
    assert r.peak <= r.plan + SLACK_MIB, (r.peak, r.plan)
    return r


def test_webhook_receiver_that_hangs_during_a_flood_of_events(tmp_path):
    """A webhook receiver that accepts connections and never answers (timeout_ms one
    minute, a queue of 16): the sink's thread waits, its queue overflows and every event
    is dropped for that sink and counted (none sent, none failed), while the workers,
    the events file and /healthz go on as without the sink."""
    with HangingServer() as hang:
        r = udp_flood_of_events(tmp_path, f"""events:
  sinks:
    - {{ name: slow, type: webhook, address: "http://127.0.0.1:{hang.port}/",
        queue_size: 16, timeout_ms: 60000, retries: 0, flush_timeout_ms: 200 }}
""")
    assert hang.held, "the sink never connected"
    sink = r.stats["sinks"]["slow"]
    assert sink["sent"] == sink["failed"] == 0 and sink["queued"] <= 16 + 1
    w = r.counters["events_written"]
    assert f"  sink        slow (webhook): 0 sent, {w} dropped, 0 retried, 0 failed" in r.out
    assert "slow: events still queued after flush_timeout_ms (200 ms)" in r.err


def test_events_fifo_nobody_reads_during_a_flood(tmp_path):
    """The events file is a FIFO nobody reads until the stop, during the same flood: the
    control thread writes it non-blocking, so neither it (the API) nor the worker waits
    for the reader (every frame is forwarded), the events that find no room are dropped
    and counted (the exit summary's `lost`, exit code 1), what the reader
    takes at the stop is whole lines, and /healthz answers throughout (20 s at most for
    the first answer)."""
    r = udp_flood_of_events(tmp_path, """events:
  ring_size: 64
  drain_timeout_ms: 300
""", fifo=True, deadline=20)
    # lost: at the worker (its ring full while the control thread writes) or at the
    # file (its reader took nothing); which of the two depends on timing
    assert r.counters["events_lost"] > 0
    # live, once the flood is processed, /v1/stats shows them too: thousands of events
    # cannot all be in the ring of 64 or the FIFO's 64 KiB
    ev = r.stats["events"]
    assert ev["file"]["dropped"] + r.stats["counters"]["events_dropped"] > 0, ev
    assert ev["file"]["errors"] == 0 and ev["unwritable"] == 0, ev


def test_events_stdout_pipe_nobody_reads_during_a_flood(tmp_path):
    """`--events -` with stdout a pipe nobody reads until the stop, live, during the same
    flood: stdout is written non-blocking through a description of the daemon's own (the
    pipe's shared one stays blocking), so, as for a FIFO by path, /healthz answers
    throughout, every frame is forwarded, the events that find no room are dropped and
    counted, and the reader gets whole lines at the stop."""
    r = udp_flood_of_events(tmp_path, """events:
  ring_size: 64
  drain_timeout_ms: 300
""", stdout_pipe=True, deadline=20, after=pipe_writers)
    assert r.counters["events_lost"] > 0
    assert all(e["event_type"] == "flow" for e in r.events)
    # fd 1 keeps the shared description's flags; the daemon writes through its own
    ours = [fd for fd, nonblock in r.after.items() if fd != 1]
    assert r.after[1] is False and len(ours) == 1 and r.after[ours[0]] is True, r.after


def pipe_writers(port, p):
    """{fd: O_NONBLOCK set} for each descriptor of p that is the pipe its fd 1 is."""
    pipe = os.readlink(f"/proc/{p.pid}/fd/1")
    out = {}
    for fd in os.listdir(f"/proc/{p.pid}/fd"):
        try:
            if os.readlink(f"/proc/{p.pid}/fd/{fd}") != pipe:
                continue
            info = open(f"/proc/{p.pid}/fdinfo/{fd}").read()
        except OSError:
            continue
        flags = int(re.search(r"^flags:\s+([0-7]+)", info, re.M).group(1), 8)
        out[int(fd)] = bool(flags & os.O_NONBLOCK)
    return out
