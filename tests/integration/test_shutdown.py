"""Evidence at exit: SIGTERM/SIGINT hand every open flow's event to the sink, a run that
lost events exits 1 and says how many, early error exits free what they allocated (the
ASan/LSan build of the daemon, exit code unchanged), and a capture whose timestamps go
backwards reports the span between its earliest and latest packet."""

import json
import os
import signal
import struct
import subprocess
from pathlib import Path

import pytest
from tgdaemon import (BIN, DEADLINE, StderrTail, api_stats, free_port, syn_frame, token_file,
                      wait_for, write_syn_pcap)

ROOT = Path(__file__).resolve().parents[2]
ASAN_BIN = Path(os.environ.get("TOLLGATED_ASAN",
                               str(ROOT / os.environ.get("ASAN_BUILD", "build-asan") /
                                   "tollgated")))


def start_live(tmp_path, n, events, extra_cfg=""):
    """tollgated on a live net_pcap port replaying n SYNs from distinct clients; the flows
    stay open (long timeouts, packet clock). Returns (proc, api port, stats path)."""
    pcap = tmp_path / "syns.pcap"
    write_syn_pcap(pcap, n)
    tokens = token_file(tmp_path / "tokens")
    cfg = tmp_path / "live.yaml"
    cfg.write_text(f"""
dataplane:
  workers: 1
  ports:
    - name: syns0
      device: "net_pcap0,rx_pcap={pcap}"
      mode: tap
flow:
  max_flows: {max(65536, n)}
  timeouts:
    new: 86400
{extra_cfg}
""")
    port, st = free_port(), tmp_path / "stats.json"
    proc = subprocess.Popen([BIN, "--config", str(cfg), "--events", str(events),
                             "--stats-json", str(st), "--api-listen", f"127.0.0.1:{port}",
                             "--api-token-file", str(tokens), "--state-dir",
                             str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port, st


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_drains_every_open_flow_event(tmp_path, sig):
    # 60,000 open flows; the worker's event ring (1024) and the shared message pool are far
    # smaller, so the final flush only succeeds if the worker waits for the control thread.
    n = 60000
    ev = tmp_path / "events.jsonl"
    proc, port, st = start_live(tmp_path, n, ev, "events:\n  ring_size: 1024\n")
    wait_for(f"{n} flows", lambda: api_stats(port)["counters"]["flows_created"] == n, proc)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=DEADLINE)
    assert proc.returncode == 0, f"rc={proc.returncode}\n{out}\n{err}"
    flows = [json.loads(x) for x in ev.read_text().splitlines()]
    assert all(e["event_type"] == "flow" for e in flows)
    assert len({e["flow_id"] for e in flows}) == n
    assert {e["src_port"] for e in flows} == {1024 + i % 60000 for i in range(n)}
    stats = json.loads(st.read_text())
    assert stats["events_dropped"] == 0 and stats["flows_shutdown"] == n
    assert f"events      {n} written, 0 lost" in out


def test_events_lost_at_shutdown_exit_1_and_are_counted(tmp_path):
    # An offline run whose events go to stdout (--events -), a pipe nobody reads until
    # the worker has given up: offline, stdout is written blocking (a forensic run waits
    # for its consumer), so the control thread blocks on it, the ring fills with the
    # 5000 flows ended at the end of the input, and the shutdown drain times out after
    # drain_timeout_ms. (Live, stdout is written non-blocking, as a FIFO or socket given
    # by path is, and never holds the control thread: test_floods.py.)
    n = 5000
    pcap = tmp_path / "syns.pcap"
    write_syn_pcap(pcap, n)
    cfg = tmp_path / "read.yaml"
    cfg.write_text(f"""
dataplane:
  workers: 1
flow:
  max_flows: {max(65536, n)}
  timeouts:
    new: 86400
events:
  ring_size: 64
  drain_timeout_ms: 300
""")
    st = tmp_path / "stats.json"
    proc = subprocess.Popen([BIN, "--config", str(cfg), "--read", str(pcap), "--events", "-",
                             "--stats-json", str(st)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tail = StderrTail(proc)
    tail.wait(r"worker 0: \d+ events lost at shutdown")
    data = proc.stdout.read()
    proc.wait(timeout=DEADLINE)
    err = tail.text()
    assert proc.returncode == 1, f"rc={proc.returncode}\n{err}"
    written = [json.loads(x) for x in data.splitlines()]
    stats = json.loads(st.read_text())
    lost = stats["events_dropped"]
    assert lost > 0 and len(written) + lost == n == stats["flows_created"]
    assert all(e["event_type"] == "flow" and e["flow"]["reason"] == "shutdown"
               for e in written)
    # with the events on stdout, the summary goes to stderr
    assert f"events      {len(written)} written, {lost} lost" in err
    assert f"tollgated: {lost} events lost" in err


# ---- early exits under LeakSanitizer ----------------------------------------------

def _pcap_header(linktype):
    return struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype)


def _early_cases(tmp_path):
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    usb = tmp_path / "usb.pcap"
    usb.write_bytes(_pcap_header(189) + struct.pack("<IIII", 1, 0, 4, 4) + b"\0" * 4)
    key_dir = tmp_path / "state"
    key_dir.mkdir()
    (key_dir / "hash.key").write_bytes(os.urandom(32))
    (key_dir / "hash.key").chmod(0o644)
    good = tmp_path / "ok.pcap"
    good.write_bytes(_pcap_header(1))
    bad_cfg = tmp_path / "bad.yaml"
    bad_cfg.write_text("dataplane:\n  workers: 0\n")
    return {
        "empty capture": (["--read", empty], 2, "cannot read capture"),
        "unsupported link type": (["--read", usb], 2, "link type"),
        "hash.key readable by others": (["--read", good, "--state-dir", key_dir], 2,
                                        "mode 0644"),
        "bad config": (["--config", bad_cfg, "--read", good], 2, "workers"),
        "bad option": (["--no-such-flag"], 2, "usage"),
        "check-config": (["--check-config", ROOT / "config" / "tollgate.yaml"], 0, ""),
        "version": (["--version"], 0, ""),
    }


def test_early_exits_free_everything_and_keep_their_exit_code(tmp_path):
    if not ASAN_BIN.exists():
        pytest.fail(f"{ASAN_BIN} is missing: tools/run-tests.sh builds it (meson setup "
                    "build-asan -Db_sanitize=address,undefined)", pytrace=False)
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:exitcode=99",
               UBSAN_OPTIONS="halt_on_error=1")
    for name, (args, rc, msg) in _early_cases(tmp_path).items():
        p = subprocess.run([str(ASAN_BIN)] + [str(a) for a in args], env=env,
                           capture_output=True, text=True, timeout=DEADLINE)
        assert "LeakSanitizer" not in p.stderr, f"{name}: leak\n{p.stderr}"
        assert p.returncode == rc, f"{name}: rc={p.returncode}\n{p.stderr}"
        assert msg in p.stderr, f"{name}: {p.stderr}"


# ---- capture span ------------------------------------------------------------------

def test_capture_span_is_earliest_to_latest_packet_when_time_goes_backwards(tmp_path):
    def write(path, stamps):
        with open(path, "wb") as f:
            f.write(_pcap_header(1))
            for k, (sec, usec) in enumerate(stamps):
                fr = syn_frame(k)
                f.write(struct.pack("<IIII", sec, usec, len(fr), len(fr)) + fr)

    a, b, c = tmp_path / "a.pcap", tmp_path / "b.pcap", tmp_path / "c.pcap"
    write(a, [(1000, 500000), (998, 0), (1001, 250000)])
    write(b, [(0, 0), (999, 0)])          # a second file that starts at the epoch
    # 0xfffffffe seconds: libpcap reads it as -2 s, which once wrapped the span to
    # 18446744073707 s
    write(c, [(1000, 0), (0xFFFFFFFE, 0), (1002, 0)])
    p = subprocess.run([BIN, "--read", a, "--read", b], capture_output=True, text=True,
                       timeout=DEADLINE)
    assert p.returncode == 0, p.stderr
    assert "capture span 1001.250 s\n" in p.stdout, p.stdout
    p = subprocess.run([BIN, "--read", a], capture_output=True, text=True, timeout=DEADLINE)
    assert "capture span 3.250 s\n" in p.stdout, p.stdout
    p = subprocess.run([BIN, "--read", c], capture_output=True, text=True, timeout=DEADLINE)
    assert p.returncode == 0, p.stderr
    assert ("capture span 1002.000 s; 1 with a time before 1970, taken as 1970\n"
            in p.stdout), p.stdout
