"""The daemon around the pipeline: live ports and packet time, idle back-off, lcore maps,
several instances at once, and every cap (flow table, reassembly, depth) with its counter
and its event. Each test runs the real build/tollgated."""

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest
from tgdaemon import DEADLINE, api_stats, free_port, token_file, wait_counter, wait_for
from scapy.all import IP, TCP, UDP, Ether, Raw, wrpcap

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"
T0 = 1790000000.0


def run(args, timeout=120, check=True):
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=timeout)
    if check:
        assert p.returncode == 0, f"rc={p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


def events(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


def canon(evs):
    return sorted(json.dumps(e, sort_keys=True) for e in evs)


def config(tmp_path, text, name="cfg.yaml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def tcp_flow(cport, payload, t, client="10.9.0.1", server="10.9.0.2", sport=80, seg=1000,
             order=None, handshake=True, close=True, step=0.001):
    """Frames of one TCP connection; order permutes the data segments."""
    c = lambda: Ether() / IP(src=client, dst=server) / TCP(sport=cport, dport=sport)  # noqa
    s = lambda: Ether() / IP(src=server, dst=client) / TCP(sport=sport, dport=cport)  # noqa
    out = []
    isn, risn = 1000, 9000

    def add(p, flags, seq, ack, data=b""):
        p[TCP].flags, p[TCP].seq, p[TCP].ack = flags, seq % 2**32, ack % 2**32
        if data:
            p = p / Raw(data)
        p.time = t + step * len(out)
        out.append(p)

    if handshake:
        add(c(), "S", isn, 0)
        add(s(), "SA", risn, isn + 1)
        add(c(), "A", isn + 1, risn + 1)
    segs = [(o, payload[o:o + seg]) for o in range(0, len(payload), seg)]
    for i in (order if order is not None else range(len(segs))):
        o, d = segs[i]
        add(c(), "PA", isn + 1 + o, risn + 1, d)
    if close:
        end = isn + 1 + len(payload)
        add(c(), "FA", end, risn + 1)
        add(s(), "FA", risn + 1, end + 1)
        add(c(), "A", end + 1, risn + 2)
    return out


def write(tmp_path, frames, name="in.pcap"):
    p = tmp_path / name
    wrpcap(str(p), frames)
    return p


def stats(path):
    return json.loads(Path(path).read_text())


# ---- live ports, packet time -------------------------------------------------------

def live_run(tmp_path, cfg_text, until, what, extra=()):
    """Run tollgated on the live ports of cfg_text until until(/v1/stats counters) holds,
    then SIGTERM it. Returns (events, final stats, stdout, stderr)."""
    cfg = config(tmp_path, cfg_text, "live.yaml")
    ev, st = tmp_path / "live.jsonl", tmp_path / "live-stats.json"
    port = free_port()
    p = subprocess.Popen([BIN, "--config", str(cfg), "--events", str(ev), "--stats-json",
                          str(st), "--api-listen", f"127.0.0.1:{port}", "--api-token-file",
                          str(token_file(tmp_path / "tokens")), "--state-dir",
                          str(tmp_path / "state")] + list(extra),
                         stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    wait_for(what, lambda: until(api_stats(port)["counters"]), p)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, f"rc={p.returncode}\n{out}\n{err}"
    return events(ev), stats(st), out, err


@pytest.mark.parametrize("workers", [1, 2])
def test_live_net_pcap_port_uses_packet_time_and_matches_offline(tmp_path, workers):
    off = tmp_path / "offline.jsonl"
    run(["--read", SAMPLE, "--events", off, "--state-dir", tmp_path / "state"])
    evs, st, out, _ = live_run(tmp_path, f"""
dataplane:
  workers: {workers}
  ports:
    - name: replay0
      device: "net_pcap0,rx_pcap={SAMPLE}"
      mode: tap
""", lambda c: c["packets"] == 51, "the replay")
    # Same flows, same flow ids, same capture timestamps: the worker clock came from the
    # rte_dynfield_timestamp that net_pcap fills, not from the TSC.
    assert canon(evs) == canon(events(off))
    assert all(e["timestamp"].startswith("2026-11-18") for e in evs)
    assert st["packets"] == 51
    if workers > 1:
        assert "software dispatch" in out


def test_idle_workers_back_off_and_busy_poll_does_not(tmp_path):
    port = f"""
  ports:
    - name: replay0
      device: "net_pcap0,rx_pcap={SAMPLE}"
      mode: tap
"""
    # Idle, the worker sleeps: wait until it has, many times, after the replay.
    _, st, _, _ = live_run(tmp_path, "dataplane:\n  workers: 1\n" + port,
                           lambda c: c["packets"] == 51 and c["idle_sleeps"] > 100,
                           "more than 100 idle sleeps")
    assert st["idle_sleeps"] > 100
    # Busy polling: as many idle polls (idle_polls counts them either way), no sleep.
    _, st, _, _ = live_run(tmp_path, "dataplane:\n  workers: 1\n  idle:\n    busy_poll: true\n"
                           + port, lambda c: c["packets"] == 51 and c["idle_polls"] > 100000,
                           "100000 idle polls")
    assert st["idle_sleeps"] == 0


def test_sigint_stops_live_run_cleanly_and_flushes_flows(tmp_path):
    cfg = config(tmp_path, f"""
dataplane:
  ports:
    - name: replay0
      device: "net_pcap0,rx_pcap={SAMPLE}"
      mode: tap
""")
    ev = tmp_path / "e.jsonl"
    port = free_port()
    p = subprocess.Popen([BIN, "--config", str(cfg), "--events", str(ev), "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file",
                          str(token_file(tmp_path / "tokens")), "--state-dir",
                          str(tmp_path / "state")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_counter(port, p, "packets", lambda n: n == 51, "the replay")
    p.send_signal(signal.SIGINT)
    p.communicate(timeout=30)
    assert p.returncode == 0
    assert len([e for e in events(ev) if e["event_type"] == "flow"]) == 5


# ---- lcores and instances ----------------------------------------------------------

def test_lcores_map_runs_four_workers_on_two_cores(tmp_path):
    one, four = tmp_path / "1.jsonl", tmp_path / "4.jsonl"
    run(["--read", SAMPLE, "--events", one])
    p = run(["--read", SAMPLE, "--events", four, "--lcores", "(0-5)@(0-1)"])
    assert "tollgate summary (4 workers)" in p.stdout
    assert canon(events(four)) == canon(events(one))


def _lcore_map(tmp_path, cpus, workers):
    """The map tollgated logs when it may run on cpus (taskset), and its events."""
    ev = tmp_path / ("%s-%d.jsonl" % ("-".join(map(str, cpus)), workers))
    p = subprocess.run(["taskset", "-c", ",".join(map(str, cpus)), BIN, "--read",
                        str(SAMPLE), "--events", str(ev), "--workers", str(workers)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    lines = [ln for ln in p.stderr.splitlines() if "tollgate.eal: lcores " in ln]
    assert len(lines) == 1, p.stderr
    return lines[0].split("tollgate.eal: lcores ")[1], canon(events(ev))


def test_lcore_map_gives_each_worker_a_cpu_before_control_and_input(tmp_path):
    """docs/architecture.md "Threads and lcores": a CPU per lcore when there are enough;
    with fewer CPUs than lcores but more than workers, each worker has a CPU of its own and
    the control thread and the input lcore share the rest; with no more CPUs than
    workers, round-robin. Every map processes the capture to the same events."""
    cpus = sorted(os.sched_getaffinity(0))
    a = cpus[0]
    got, ref = _lcore_map(tmp_path, [a], 1)
    assert got.startswith("0@%d,1@%d,2@%d on 1 CPU " % (a, a, a))
    if len(cpus) < 2:
        pytest.skip("one CPU: the maps that spread lcores need two")
    b = cpus[1]
    want = {1: "0@%d,1@%d,2@%d on 2 CPUs" % (a, a, b),          # the worker alone
            2: "0@%d,1@%d,2@%d,3@%d on 2 CPUs" % (a, b, a, b)}  # round-robin
    for workers, line in want.items():
        got, evs = _lcore_map(tmp_path, [a, b], workers)
        assert got.startswith(line + " "), got
        assert evs == ref
    if len(cpus) >= 3:
        got, evs = _lcore_map(tmp_path, cpus[:3], 1)
        assert got.startswith("0@%d,1@%d,2@%d on 3 CPUs" % tuple(cpus[:3])), got
        assert evs == ref


def test_several_instances_run_at_once(tmp_path):
    procs = []
    for i in range(3):
        procs.append(subprocess.Popen([BIN, "--read", str(SAMPLE), "--workers", "2",
                                       "--events", str(tmp_path / f"{i}.jsonl")],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    ref = canon(events(tmp_path / "0.jsonl"))
    assert len([e for e in events(tmp_path / "0.jsonl") if e["event_type"] == "flow"]) == 5
    for i in (1, 2):
        assert canon(events(tmp_path / f"{i}.jsonl")) == ref


def test_no_hugepages_is_detected_and_logged(tmp_path):
    free = 0
    for d in Path("/sys/kernel/mm/hugepages").glob("hugepages-*"):
        free += int((d / "free_hugepages").read_text())
    p = run(["--read", SAMPLE])
    if free == 0:
        assert "no free hugepages: running with --no-huge" in p.stderr
    else:
        assert "--no-huge" not in p.stderr


# ---- configuration and caps --------------------------------------------------------

def test_check_config_accepts_shipped_file_and_rejects_bad_one(tmp_path):
    p = run(["--check-config", ROOT / "config" / "tollgate.yaml"])
    assert "configuration is valid" in p.stdout
    bad = config(tmp_path, "flow:\n  max_flowz: 3\n", "bad.yaml")
    p = run(["--check-config", bad], check=False)
    assert p.returncode == 1
    assert f"{bad}:2:3" in p.stderr and "max_flowz" in p.stderr


def test_bad_config_refuses_to_start_and_names_field(tmp_path):
    bad = config(tmp_path, "reassembly:\n  block_size: nope\n", "bad.yaml")
    p = run(["--read", SAMPLE, "--config", bad], check=False)
    assert p.returncode == 2
    assert "reassembly.block_size" in p.stderr


def _overlapping_flows(n, t):
    """n TCP connections whose lifetimes all overlap (all SYNs first, then the data)."""
    frames = []
    per = [tcp_flow(20000 + i, b"x" * 100, t) for i in range(n)]
    step = 0
    for k in range(max(len(f) for f in per)):
        for f in per:
            if k < len(f):
                f[k].time = t + 0.001 * step
                step += 1
                frames.append(f[k])
    return frames


def test_flow_table_cap_evicts_oldest_and_reports_each_evicted_flow(tmp_path):
    pcap = write(tmp_path, _overlapping_flows(20, T0))
    cfg = config(tmp_path, "flow:\n  max_flows: 4\n  evict: oldest\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st])
    s = stats(st)
    flows = [e for e in events(ev) if e["event_type"] == "flow"]
    evicted = [e for e in flows if e["flow"]["reason"] == "evicted"]
    assert s["flows_evicted"] == len(evicted) > 0
    assert s["flows_created"] == len(flows) == s["flows_ended"]


def test_flow_table_cap_without_eviction_refuses_and_reports(tmp_path):
    pcap = write(tmp_path, _overlapping_flows(20, T0))
    cfg = config(tmp_path, "flow:\n  max_flows: 4\n  evict: none\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st])
    s = stats(st)
    assert s["flows_created"] == 4
    assert s["flows_refused"] > 0
    an = [e for e in events(ev) if e["event_type"] == "anomaly"]
    assert an and an[0]["anomaly"]["event"] == "flow_table_full"
    assert sum(e["anomaly"]["count"] for e in an) == s["flows_refused"]


def test_out_of_order_cap_drops_counts_reports_and_leaves_a_gap(tmp_path):
    payload = bytes(range(250)) * 80            # 20 segments of 1000 bytes
    frames = tcp_flow(30000, payload, T0, order=list(range(19, -1, -1)))
    pcap = write(tmp_path, frames)
    cfg = config(tmp_path, "reassembly:\n  block_size: 1024\n  max_ooo_per_dir: 4KiB\n")
    ev, st, d = tmp_path / "e.jsonl", tmp_path / "s.json", tmp_path / "streams"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st,
         "--dump-streams", d])
    s = stats(st)
    assert s["reasm_ooo_flow_cap"] > 0
    evs = events(ev)
    an = [e["anomaly"]["event"] for e in evs if e["event_type"] == "anomaly"]
    assert an.count("reassembly_flow_cap") == 1      # once per flow and kind
    flow = [e for e in evs if e["event_type"] == "flow"][0]
    assert flow["flow"]["gaps"] >= 1
    dumped = (d / "10.9.0.1_30000_10.9.0.2_80_c2s.bin").read_bytes()
    # What survived is delivered in order: the first segment (in order when it came)
    # and the held tail; the dropped middle is a gap, never garbage.
    assert dumped.startswith(payload[:1000])
    assert payload.endswith(dumped[-1000:])
    assert len(dumped) == len(payload) - s["reasm_gap_bytes"]


def test_depth_limit_stops_delivery_at_exact_byte(tmp_path):
    payload = os.urandom(10000)
    pcap = write(tmp_path, tcp_flow(30001, payload, T0, seg=1460))
    cfg = config(tmp_path, "reassembly:\n  depth: 3000\n")
    ev, st, d = tmp_path / "e.jsonl", tmp_path / "s.json", tmp_path / "streams"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st,
         "--dump-streams", d])
    assert (d / "10.9.0.1_30001_10.9.0.2_80_c2s.bin").read_bytes() == payload[:3000]
    assert stats(st)["reasm_depth_reached"] == 1
    an = [e["anomaly"]["event"] for e in events(ev) if e["event_type"] == "anomaly"]
    assert an == ["reassembly_depth_reached"]


def test_midstream_off_ignores_flows_without_syn(tmp_path):
    frames = tcp_flow(30002, b"y" * 3000, T0, handshake=False)
    frames += tcp_flow(30003, b"z" * 3000, T0 + 1)
    pcap = write(tmp_path, frames)
    cfg = config(tmp_path, "reassembly:\n  midstream: false\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st])
    flows = [e for e in events(ev) if e["event_type"] == "flow"]
    assert [e["src_port"] for e in flows] == [30003]
    assert stats(st)["tcp_no_syn"] == 6     # 3 data segments, FIN, FIN, ACK


def test_midstream_on_picks_up_flow_and_names_lower_port_the_server(tmp_path):
    payload = b"midstream-" * 300
    frames = tcp_flow(30004, payload, T0, handshake=False)
    pcap = write(tmp_path, frames)
    ev, d = tmp_path / "e.jsonl", tmp_path / "streams"
    run(["--read", pcap, "--events", ev, "--dump-streams", d])
    (flow,) = [e for e in events(ev) if e["event_type"] == "flow"]
    assert (flow["src_port"], flow["dest_port"]) == (30004, 80)
    assert flow["flow"]["midstream"] is True
    assert (d / "10.9.0.1_30004_10.9.0.2_80_c2s.bin").read_bytes() == payload


def test_idle_flows_time_out_by_packet_time(tmp_path):
    udp = lambda t, sport: [Ether() / IP(src="10.9.0.5", dst="10.9.0.6")  # noqa
                            / UDP(sport=sport, dport=53) / Raw(b"q")]
    frames = []
    for t, sport in ((T0, 5000), (T0 + 200, 5000), (T0 + 400, 5001)):
        f = udp(t, sport)[0]
        f.time = t
        frames.append(f)
    # A TCP flow that stays in time until the end: shutdown.
    frames += tcp_flow(30005, b"k" * 100, T0 + 399, close=False)
    pcap = write(tmp_path, frames)
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    for workers in ("1", "2"):
        ev.unlink(missing_ok=True)      # the events file is appended to
        run(["--read", pcap, "--events", ev, "--stats-json", st, "--workers", workers])
        flows = sorted((e["src_port"], e["flow"]["reason"], e["flow"]["pkts_toserver"])
                       for e in events(ev) if e["event_type"] == "flow")
        # udp timeout 120 s: the 5000 flow times out twice (gap of 200 s, then idle at
        # the end of the capture, 400 - 200 > 120); 5001 and the TCP flow are in time.
        assert flows == [(5000, "timeout", 1), (5000, "timeout", 1), (5001, "shutdown", 1),
                         (30005, "shutdown", 3)], workers
        assert stats(st)["flows_timeout"] == 2


def test_builtin_sensor_keywords_and_window_are_configurable(tmp_path):
    body = (b"employee number 123456789 and then a long stretch of unrelated filler text "
            b"here; ssn 234567890 ok\n")
    pcap = write(tmp_path, tcp_flow(40000, body, T0))
    state = tmp_path / "state"

    def reported(extra):
        ev = tmp_path / "e.jsonl"
        ev.unlink(missing_ok=True)      # the events file is appended to
        run(["--read", pcap, "--events", ev, "--state-dir", state] + extra)
        return sorted(m["redacted"] for e in events(ev) if "dlp" in e
                      for m in e["dlp"]["matches"])

    # Built-in context: "ssn" is within 64 bytes of the second number.
    assert "*****7890" in reported([])
    cfg = config(tmp_path, "dlp:\n  sensors:\n    - id: us_ssn\n"
                 "      keywords: [employee number]\n      window: 32\n")
    # Keywords replaced: only the number after "employee number" has context now.
    assert reported(["--config", cfg]) == ["*****6789"]
    cfg = config(tmp_path, "dlp:\n  sensors:\n    - id: us_ssn\n"
                 "      keywords: []\n", "none.yaml")
    assert reported(["--config", cfg]) == []


def test_reassembly_memcap_drops_counts_and_reports(tmp_path):
    # Many flows, each holding out-of-order data, against a tiny per-worker pool.
    payload = bytes(range(250)) * 12              # 3 segments of 1000 bytes
    flows = [tcp_flow(41000 + i, payload, T0, order=[2, 1, 0]) for i in range(40)]
    # Every flow holds its two out-of-order segments before any flow completes.
    frames = [f for fl in flows for f in fl[:5]] + [f for fl in flows for f in fl[5:]]
    for k, f in enumerate(frames):
        f.time = T0 + k * 0.0001
    pcap = write(tmp_path, frames)
    cfg = config(tmp_path, "reassembly:\n  memcap: 64KiB\n  block_size: 1024\n"
                 "  max_ooo_per_dir: 4KiB\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st])
    s = stats(st)
    # 64 blocks for 40 flows wanting 2 held blocks each: some segments must be dropped.
    assert s["reasm_pool_empty"] > 0
    an = [e for e in events(ev) if e["event_type"] == "anomaly"
          and e["anomaly"]["event"] == "reassembly_memcap"]
    assert 0 < len(an) <= s["reasm_pool_empty"]
    assert len({e["flow_id"] for e in an}) == len(an)     # once per flow
    assert s["reasm_blocks_in_use"] == 0                  # all returned at flow end


def test_defrag_table_cap_drops_counts_and_reports(tmp_path):
    from scapy.all import fragment
    frames = []
    for i in range(64):
        dgram = IP(src="10.9.1.1", dst="10.9.1.2", id=1000 + i) / UDP(sport=7000, dport=9) \
            / Raw(b"z" * 3000)
        first = fragment(dgram, fragsize=1480)[0]    # only the first fragment: never completes
        f = Ether() / first
        f.time = T0 + i * 0.001
        frames.append(f)
    pcap = write(tmp_path, frames)
    cfg = config(tmp_path, "defrag:\n  max_flows: 8\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--stats-json", st])
    s = stats(st)
    assert s["defrag_fragments"] == 64
    assert s["defrag_reassembled"] == 0
    assert s["defrag_frags_table_full"] == 56         # each new datagram evicts the oldest
    assert s["defrag_frags_shutdown"] == 8            # the last 8, held when the input ended
    assert s["defrag_held"] == 0
    an = [e["anomaly"] for e in events(ev) if e["event_type"] == "anomaly"]
    assert an and all(a["event"] == "defrag_dropped" for a in an)
    # Rate-limited reports, but every dropped fragment is accounted for in them.
    assert sum(a["count"] for a in an) == 64


def test_dlp_off_opens_no_sensor_stream(tmp_path):
    cfg = config(tmp_path, "dlp:\n  enabled: false\n")
    ev, st = tmp_path / "e.jsonl", tmp_path / "s.json"
    run(["--read", SAMPLE, "--config", cfg, "--events", ev, "--stats-json", st,
         "--state-dir", tmp_path / "state"])
    assert [e for e in events(ev) if "dlp" in e] == []
    s = stats(st)
    assert s["dlp_dirs_opened"] == 0 and s["sensor_bytes_scanned"] == 0
    # With DLP on, every TCP direction with data gets a stream, and all are closed at the end.
    run(["--read", SAMPLE, "--events", ev, "--stats-json", st, "--state-dir", tmp_path / "state"])
    s = stats(st)
    assert s["dlp_dirs_opened"] == 6 and s["sensor_streams_active"] == 0
    assert s["sensor_stream_bytes"] == 0
