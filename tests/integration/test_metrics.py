"""Prometheus /metrics of the real daemon: the text passes `promtool check metrics`
(Debian's prometheus package), DLP matches by sensor survive a sensor database change, the
per-worker families add up to the totals, and a live port's driver counters move when its
receive ring overflows: a burst into a net_pcap port (the kernel ring libpcap reads) while
the worker sleeps, and the port's imissed, as /metrics shows it, equals what the driver
reports at the end (the summary's port line)."""

import json
import re
import shutil
import signal
import subprocess
import time
import urllib.request

import pytest
from test_events_file import TapNetns
from test_shutdown import BIN, DEADLINE, StderrTail
from tgdaemon import free_port, token_file, wait_for, TOKEN

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"

SAMPLE_RE = re.compile(r'(tollgate_\w+)(\{[^}]*\})? (\S+)')


def parse(text):
    """{'name{labels}': value} of every sample; HELP and TYPE lines are checked for form."""
    out = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"# (HELP|TYPE) tollgate_\w+ \S", line), line
            continue
        m = SAMPLE_RE.fullmatch(line)
        assert m, line
        out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


def promtool(text):
    exe = shutil.which("promtool")
    if exe is None:
        pytest.fail("promtool is missing (tools/install-deps.sh installs Debian's prometheus)",
                    pytrace=False)
    p = subprocess.run([exe, "check", "metrics"], input=text, capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, f"promtool check metrics:\n{p.stdout}{p.stderr}"


def http(port, path, method="GET", body=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=body)
    req.add_header("Authorization", f"Bearer {TOKEN}")
    if body is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


@pytest.fixture
def served(tmp_path):
    """tollgated --read SAMPLE --serve --events FILE; yields (api port, stats-json path,
    process)."""
    port = free_port()
    st = tmp_path / "stats.json"
    p = subprocess.Popen([BIN, "--read", str(SAMPLE), "--serve", "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file",
                          str(token_file(tmp_path / "tokens")), "--state-dir",
                          str(tmp_path / "state"), "--config", str(tmp_path / "c.yaml"),
                          "--stats-json", str(st), "--events", str(tmp_path / "ev.json")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    (tmp_path / "c.yaml").write_text("dlp:\n  enabled: true\n")
    wait_for("the offline run's stats", lambda: st.exists() and http(port, "/v1/stats"), p)
    yield port, st, p
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err


def test_metrics_pass_promtool_and_add_up(served):
    port, st, _ = served
    text = http(port, "/metrics")
    promtool(text)
    m = parse(text)
    final = json.loads(st.read_text())
    assert m["tollgate_packets_total"] == final["packets"] == 51
    assert re.search(r'^tollgate_build_info\{version="[0-9.]+",dpdk="22\.11[0-9.]*",'
                     r'hyperscan="5\.[0-9.]+"\} 1$', text, re.M), text[:400]
    # per worker (one) equals the totals
    for fam, ctr in (("worker_packets_total", "packets"), ("worker_bytes_total", "bytes"),
                     ("worker_flows_created_total", "flows_created"),
                     ("worker_flows_evicted_total", "flows_evicted")):
        assert m[f'tollgate_{fam}{{worker="0"}}'] == final[ctr], fam
    assert m['tollgate_worker_polls_total{worker="0",state="busy"}'] == final["busy_polls"] > 0
    assert m['tollgate_worker_polls_total{worker="0",state="idle"}'] == final["idle_polls"]
    assert m['tollgate_worker_cycles_total{worker="0",state="busy"}'] == final["busy_cycles"]
    assert 0 <= m['tollgate_worker_busy_ratio{worker="0"}'] <= 1
    # DLP matches by sensor and action: the demo's 1 card, 2 IBANs and 5 e-mail addresses
    by = {k: v for k, v in m.items() if k.startswith("tollgate_dlp_sensor_matches_total")}
    assert sum(by.values()) == final["dlp_matches"] == 8
    assert {k: v for k, v in by.items() if v} == {
        'tollgate_dlp_sensor_matches_total{sensor="credit_card",action="alert"}': 1,
        'tollgate_dlp_sensor_matches_total{sensor="iban",action="alert"}': 2,
        'tollgate_dlp_sensor_matches_total{sensor="email",action="alert"}': 5,
    }
    assert m['tollgate_verdicts_total{action="forward"}'] == 0     # no inline port
    assert m["tollgate_reassembly_memory_bytes"] == 0
    assert m["tollgate_reassembly_memory_limit_bytes"] > 0
    assert m['tollgate_policy_reloads_total{result="failure"}'] == 0
    assert m["tollgate_policy_last_reload_success"] == 1
    assert abs(m["tollgate_policy_last_reload_timestamp_seconds"] - time.time()) < 600
    # bounded labels: no address, no flow id anywhere
    assert not re.search(r'\d+\.\d+\.\d+\.\d+|flow_id', text)


def test_events_file_counters_match_the_file(served, tmp_path):
    """The events file's counters in /metrics and /v1/stats are what the file holds once the
    offline run is done (its events are flushed by then): the lines and bytes written,
    nothing dropped, no error, no event that could not be written as JSON."""
    port, _, _ = served
    ev = tmp_path / "ev.json"
    data = ev.read_bytes()
    lines = data.count(b"\n")
    assert lines > 0 and all(json.loads(x) for x in data.splitlines())
    m = parse(http(port, "/metrics"))
    assert m["tollgate_events_file_lines_total"] == lines
    assert m["tollgate_events_file_bytes_total"] == len(data)
    for fam in ("dropped", "errors", "rotations", "reopens"):
        assert m[f"tollgate_events_file_{fam}_total"] == 0, fam
    assert m["tollgate_events_unwritable_total"] == 0
    ev_stats = json.loads(http(port, "/v1/stats"))["events"]
    assert ev_stats == {"file": {"path": str(ev), "lines": lines, "bytes": len(data),
                                 "dropped": 0, "errors": 0, "rotations": 0, "reopens": 0,
                                 "fsyncs": ev_stats["file"]["fsyncs"]},
                        "unwritable": 0}


def test_sensor_matches_survive_a_sensor_database_change(served):
    port, _, proc = served
    before = parse(http(port, "/metrics"))
    # a custom sensor compiles a new database; the old one (and its counts) is freed
    http(port, "/v1/sensors", "POST", json.dumps({
        "name": "staff_id", "category": "identity", "patterns": ["STAFF-[0-9]{6}"],
    }).encode())
    wait_for("the new sensor database in use",
             lambda: json.loads(http(port, "/v1/stats"))["policy"]["snapshots_pending"] == 0
             and "staff_id" in http(port, "/metrics"), proc)
    after = parse(http(port, "/metrics"))
    assert json.loads(http(port, "/v1/stats"))["policy"]["sensor_generation"] == 2
    for k, v in before.items():
        if k.startswith("tollgate_dlp_sensor_matches_total"):
            assert after[k] == v, k
    assert after['tollgate_dlp_sensor_matches_total{sensor="staff_id",action="alert"}'] == 0
    assert after["tollgate_dlp_matches_total"] == before["tollgate_dlp_matches_total"] == 8


# ---- a live port that drops ----------------------------------------------------------

BURST = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
n = int(sys.argv[2])
# one UDP flow 10.77.0.1:4000 -> 10.77.0.2:5000 of 1400-byte frames, as fast as it goes
payload = bytes(1400 - 42)
ip = bytes.fromhex("4500") + (20 + 8 + len(payload)).to_bytes(2, "big") + \
    bytes.fromhex("00004000" "4011" "0000" "0a4d0001" "0a4d0002")
s_ = sum(int.from_bytes(ip[i:i + 2], "big") for i in range(0, 20, 2))
s_ = (s_ & 0xFFFF) + (s_ >> 16)
ip = ip[:10] + ((~s_) & 0xFFFF).to_bytes(2, "big") + ip[12:]
udp = (4000).to_bytes(2, "big") + (5000).to_bytes(2, "big") + \
    (8 + len(payload)).to_bytes(2, "big") + b"\0\0"
frame = bytes.fromhex("020000000002" "020000000001" "0800") + ip + udp + payload
for _ in range(n):
    s.send(frame)
print(n, flush=True)
"""


def ns_metrics(ns, port):
    p = subprocess.run(["ip", "netns", "exec", ns, "curl", "-sS", "--noproxy", "*", "-H",
                        f"Authorization: Bearer {TOKEN}", f"http://127.0.0.1:{port}/metrics"],
                       capture_output=True, text=True, timeout=30)
    if p.returncode != 0:
        raise ConnectionError(p.stderr)     # wait_for: not up yet
    return p.stdout


@pytest.fixture
def drop_netns(tmp_path):
    import os
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespace)")
    t = TapNetns(tmp_path)
    try:
        t.setup()
        yield t
    finally:
        t.teardown()


def test_port_receive_ring_overflow_shows_in_metrics_as_the_driver_counts(tmp_path,
                                                                         drop_netns):
    n = 6000
    ns = drop_netns.ns
    port = free_port()
    cfg = tmp_path / "c.yaml"
    # A burst sent while the daemon cannot read overflows the kernel ring libpcap reads for
    # net_pcap (its receive ring); the worker backs off to 100 ms sleeps when idle.
    cfg.write_text(f"""
dataplane:
  workers: 1
  idle: {{ busy_poll: false, empty_polls: 0, pause_polls: 0, max_sleep_us: 100000 }}
  ports:
    - {{ name: tap0, device: "net_pcap0,iface=vb", mode: tap, rx_desc: 256 }}
api:
  listen: "127.0.0.1:{port}"
  token_file: "{token_file(tmp_path / 'tokens')}"
""")
    proc = subprocess.Popen(["ip", "netns", "exec", ns, BIN, "-c", str(cfg), "--state-dir",
                             str(tmp_path / "st")], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        tail = StderrTail(proc)
        tail.wait(r"tollgate\.port: port tap0 \(0\): net_pcap")
        last = {}

        def scrape():
            last["text"] = ns_metrics(ns, port)
            last["m"] = parse(last["text"])
            return last["m"]

        # idle long enough for the back-off to reach its 100 ms sleeps
        wait_for("the worker's back-off", lambda: scrape()["tollgate_idle_sleeps_total"] >= 20,
                 proc)
        assert scrape()['tollgate_port_rx_packets_total{port="tap0"}'] == 0
        (tmp_path / "burst.py").write_text(BURST)
        # The daemon is stopped while the burst is sent, so the kernel ring overflows
        # whatever the machine's load (a loaded machine's sender could be slow enough for
        # a worker waking every 100 ms to keep up).
        proc.send_signal(signal.SIGSTOP)    # ip netns exec execs: proc.pid is tollgated
        try:
            s = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3",
                                str(tmp_path / "burst.py"), "va", str(n)],
                               capture_output=True, text=True, timeout=DEADLINE)
        finally:
            proc.send_signal(signal.SIGCONT)
        assert s.returncode == 0 and s.stdout.strip() == str(n), s.stderr
        key = '{port="tap0"}'

        def settled():
            m = scrape()
            return (m["tollgate_port_rx_packets_total" + key] +
                    m["tollgate_port_rx_missed_total" + key] == n and
                    m["tollgate_packets_total"] == m["tollgate_port_rx_packets_total" + key])

        wait_for(f"{n} frames received or missed", settled, proc)
        m = last["m"]
        promtool(last["text"])
        rx, missed = m["tollgate_port_rx_packets_total" + key], m["tollgate_port_rx_missed_total"
                                                                 + key]
        assert missed > 0, "the burst did not overflow the ring"
        assert rx > 0
        assert m["tollgate_port_rx_bytes_total" + key] == rx * 1400
        assert m['tollgate_port_queue_rx_packets_total{port="tap0",queue="0"}'] == rx
        assert m["tollgate_port_rx_errors_total" + key] == 0
        assert m["tollgate_port_tx_packets_total" + key] == 0
        assert m['tollgate_worker_packets_total{worker="0"}'] == rx
        assert m["tollgate_flows_created_total"] == 1
        proc.send_signal(signal.SIGTERM)
        out, _ = tail.communicate(proc, timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"rc={proc.returncode}\n{out}\n{tail.text()}"
    # what the driver reports after the workers stopped is what /metrics said
    assert (f"  port tap0  rx {int(rx)} packets {int(rx) * 1400} bytes, {int(missed)} missed, "
            "0 errors, 0 no mbuf; tx 0 packets 0 bytes, 0 errors\n") in out, out
