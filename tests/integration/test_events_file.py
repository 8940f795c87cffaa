"""The events file as an operator's log: a restart appends to it, it is created 0640, a
SIGHUP after logrotate's rename moves writing to a new file without losing or repeating an
event, and events.file.max_size rotates it into FILE.1 .. FILE.keep. Each test runs the
real build/tollgated; the SIGHUP test feeds a live af_packet tap port inside a network
namespace it creates."""

import json
import os
import re
import signal
import struct
import subprocess
import time
from pathlib import Path

import pytest

from tgdaemon import BIN, DEADLINE, StderrTail, syn_frame, write_syn_pcap


def lines(path):
    return [json.loads(x) for x in Path(path).read_text().splitlines()]


def run(args, umask=None):
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=DEADLINE,
                       preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)
    assert p.returncode == 0, f"rc={p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def test_restart_appends_to_the_events_file(tmp_path):
    a, b = tmp_path / "a.pcap", tmp_path / "b.pcap"
    write_syn_pcap(a, 3)
    write_syn_pcap(b, 5, t0=1_800_000_000)
    # each run alone, for the expected bytes
    run(["--read", a, "--events", tmp_path / "a.json", "--state-dir", tmp_path / "st"])
    run(["--read", b, "--events", tmp_path / "b.json", "--state-dir", tmp_path / "st"])
    one = (tmp_path / "a.json").read_bytes()
    two = (tmp_path / "b.json").read_bytes()
    assert len(one.splitlines()) == 3 and len(two.splitlines()) == 5
    ev = tmp_path / "eve.json"
    run(["--read", a, "--events", ev, "--state-dir", tmp_path / "st"])
    p = run(["--read", b, "--events", ev, "--state-dir", tmp_path / "st"])
    assert ev.read_bytes() == one + two
    assert "events      5 written, 0 lost\n" in p.stdout


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o000])
def test_events_file_is_created_0640(tmp_path, umask):
    pcap = tmp_path / "a.pcap"
    write_syn_pcap(pcap, 1)
    ev = tmp_path / "eve.json"
    run(["--read", pcap, "--events", ev, "--state-dir", tmp_path / "st"], umask=umask)
    assert ev.stat().st_mode & 0o7777 == 0o640
    assert len(lines(ev)) == 1


def test_unopenable_events_file_is_refused_with_its_reason(tmp_path):
    pcap = tmp_path / "a.pcap"
    write_syn_pcap(pcap, 1)
    bad = tmp_path / "no-such-dir" / "eve.json"
    p = subprocess.run([BIN, "--read", pcap, "--events", bad, "--state-dir", tmp_path / "st"],
                       capture_output=True, text=True, timeout=DEADLINE)
    assert p.returncode == 2
    assert f"tollgated: events file {bad}: No such file or directory" in p.stderr


def test_max_size_rotates_into_numbered_files_and_keeps_every_event(tmp_path):
    n = 300
    pcap = tmp_path / "syns.pcap"
    write_syn_pcap(pcap, n)
    run(["--read", pcap, "--events", tmp_path / "ref.json", "--state-dir", tmp_path / "st"])
    ref = (tmp_path / "ref.json").read_bytes()
    cfg = tmp_path / "rot.yaml"
    cfg.write_text("events:\n  file:\n    max_size: 4KiB\n    keep: 1000\n"
                   "    fsync: interval\n    fsync_interval_ms: 10\n")
    ev = tmp_path / "eve.json"
    p = run(["--read", pcap, "--config", cfg, "--events", ev, "--state-dir",
             tmp_path / "st"])
    rotated = sorted((q for q in tmp_path.glob("eve.json.*")),
                     key=lambda q: -int(q.suffix[1:]))
    nfiles = len(rotated)
    assert [q.name for q in rotated] == [f"eve.json.{k}" for k in range(nfiles, 0, -1)]
    # oldest first, then the current file: exactly the unrotated run, line for line
    assert b"".join(q.read_bytes() for q in rotated + [ev]) == ref
    for q in rotated + [ev]:
        size = q.stat().st_size
        assert 0 < size <= 4096, (q, size)
        assert q.stat().st_mode & 0o7777 == 0o640
    # a file was rotated only when the next line would not have fit
    files = rotated + [ev]
    for q, nxt in zip(files, files[1:]):
        first = len(nxt.read_bytes().split(b"\n", 1)[0]) + 1
        assert q.stat().st_size + first > 4096, (q, nxt)
    assert f"events      {n} written, 0 lost (file reopened 0, rotated {nfiles})" in p.stdout


def test_max_size_keeps_only_keep_files(tmp_path):
    pcap = tmp_path / "syns.pcap"
    write_syn_pcap(pcap, 300)
    run(["--read", pcap, "--events", tmp_path / "ref.json", "--state-dir", tmp_path / "st"])
    ref = (tmp_path / "ref.json").read_bytes()
    cfg = tmp_path / "rot.yaml"
    cfg.write_text("events:\n  file:\n    max_size: 4KiB\n    keep: 2\n")
    ev = tmp_path / "eve.json"
    run(["--read", pcap, "--config", cfg, "--events", ev, "--state-dir", tmp_path / "st"])
    assert sorted(q.name for q in tmp_path.glob("eve.json*")) == [
        "eve.json", "eve.json.1", "eve.json.2"]
    tail = b"".join((tmp_path / n).read_bytes() for n in ("eve.json.2", "eve.json.1",
                                                          "eve.json"))
    assert ref.endswith(tail) and len(tail) < len(ref)


# ---- SIGHUP on a live port ----------------------------------------------------------

SENDER = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
data = sys.stdin.buffer.read()
off = n = 0
while off < len(data):
    (ln,) = struct.unpack_from("!H", data, off)
    s.send(data[off + 2:off + 2 + ln])
    off += 2 + ln
    n += 1
    if n % 32 == 0:
        time.sleep(0.002)    # pacing: the tap port's kernel ring holds 512 frames
print(n, flush=True)
"""


class TapNetns:
    """A namespace holding a veth pair: frames written on va reach the tap port on vb."""

    def __init__(self, tmp_path):
        self.ns = f"tg-ev-{os.getpid()}"
        self.sender = tmp_path / "sender.py"
        self.sender.write_text(SENDER)

    def sh(self, *cmd):
        subprocess.run(["ip", "netns", "exec", self.ns] + list(cmd), check=True,
                       capture_output=True, timeout=60)

    def setup(self):
        subprocess.run(["ip", "netns", "add", self.ns], check=True, timeout=60)
        # no IPv6 on the veth: no router solicitations or MLD reports among our frames
        self.sh("sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        self.sh("sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        self.sh("ip", "link", "add", "va", "type", "veth", "peer", "name", "vb")
        for dev in ("lo", "va", "vb"):
            self.sh("ip", "link", "set", dev, "up")

    def teardown(self):
        subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, timeout=60)

    def send(self, frames):
        """Start writing frames on va; returns the sender process."""
        blob = b"".join(struct.pack("!H", len(f)) + f for f in frames)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns, "/usr/bin/python3",
                              str(self.sender), "va"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        p.stdin.write(blob)
        p.stdin.close()
        p.stdin = None          # communicate() reads the count it prints
        return p


@pytest.fixture
def tap_netns(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespace)")
    t = TapNetns(tmp_path)
    try:
        t.setup()
        yield t
    finally:
        t.teardown()


def alerts(path):
    """The alert events of our SYNs (clients 10.64.0.0/10) in an events file."""
    if not Path(path).exists():
        return []
    out = []
    for x in Path(path).read_text().split("\n")[:-1]:  # a line still being written: later
        e = json.loads(x)
        if e["event_type"] == "alert" and e["src_ip"].startswith("10.64."):
            out.append(e)
    return out


def wait_sent(p, n):
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0 and out.strip() == str(n).encode(), err


def wait_until(what, cond, proc):
    end = time.time() + DEADLINE
    while time.time() < end:
        assert proc.poll() is None, f"tollgated exited while waiting for {what}"
        if cond():
            return
        time.sleep(0.05)
    proc.kill()
    pytest.fail(f"timed out waiting for {what}")


def test_sighup_after_rename_starts_a_new_file_and_loses_no_event(tmp_path, tap_netns):
    batch = 300
    cfg = tmp_path / "live.yaml"
    cfg.write_text("""
dataplane:
  workers: 1
  ports:
    - { name: tap0, device: "net_af_packet0,iface=vb", mode: tap }
flow:
  timeouts:
    new: 86400
api:
  listen: ""
policy:
  mode: monitor
  default_action: deny
""")
    ev = tmp_path / "eve.json"
    old = tmp_path / "eve.json.1"
    proc = subprocess.Popen(["ip", "netns", "exec", tap_netns.ns, BIN, "--config", str(cfg),
                             "--events", str(ev), "--state-dir", str(tmp_path / "st")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tail = StderrTail(proc)
        tail.wait(r"tollgate\.port: port tap0")
        # Batch A is still arriving when the file is renamed and the signal sent; batch B
        # is sent right after the signal, before the reopen is seen; C after it.
        a = tap_netns.send([syn_frame(i) for i in range(batch)])
        wait_until("the first alert", lambda: len(alerts(ev)) > 0, proc)
        os.rename(ev, old)
        proc.send_signal(signal.SIGHUP)
        b = tap_netns.send([syn_frame(i) for i in range(batch, 2 * batch)])
        tail.wait(rf"SIGHUP: events file {re.escape(str(ev))} reopened")
        tail.wait(r"SIGHUP: policy reloaded from")
        wait_sent(a, batch)
        wait_sent(b, batch)
        c = tap_netns.send([syn_frame(i) for i in range(2 * batch, 3 * batch)])
        wait_sent(c, batch)
        wait_until(f"{3 * batch} alerts in the two files",
                   lambda: len(alerts(old)) + len(alerts(ev)) >= 3 * batch, proc)
        proc.send_signal(signal.SIGTERM)
        out, _ = tail.communicate(proc, timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"rc={proc.returncode}\n{out}\n{tail.text()}"
    before, after = alerts(old), alerts(ev)
    ports = [e["src_port"] for e in before + after]
    # every SYN has exactly one alert, in one of the two files
    assert sorted(ports) == sorted(1024 + i for i in range(3 * batch))
    assert len(before) >= 1 and len(after) >= batch
    # the switch is a clean cut: nothing from batch C went to the renamed file
    assert not {e["src_port"] for e in before} & {1024 + i for i in range(2 * batch,
                                                                          3 * batch)}
    # the flows ended at shutdown, after the reopen: all in the new file
    flows = [e for e in lines(ev) if e["event_type"] == "flow" and
             e["src_ip"].startswith("10.64.")]
    assert sorted(e["src_port"] for e in flows) == sorted(1024 + i for i in range(3 * batch))
    assert not [e for e in lines(old) if e["event_type"] == "flow"]
    assert ev.stat().st_mode & 0o7777 == 0o640
    assert "(file reopened 1, rotated 0)" in out


def test_shipped_logrotate_config_rotates_a_running_daemon(tmp_path, tap_netns):
    """tools/logrotate.conf as shipped, with only its two paths moved into tmp_path:
    logrotate renames the file and signals the daemon through its pidfile."""
    import shutil
    if shutil.which("logrotate") is None:
        pytest.fail("logrotate is not installed (tools/install-deps.sh installs it)",
                    pytrace=False)
    batch = 200
    ev, pidfile = tmp_path / "eve.json", tmp_path / "tollgated.pid"
    shipped = (Path(__file__).resolve().parents[2] / "tools" / "logrotate.conf").read_text()
    assert shipped.count("/var/log/tollgate/eve.json") == 1
    assert shipped.count("/run/tollgate/tollgated.pid") == 1
    conf = tmp_path / "logrotate.conf"
    conf.write_text(shipped.replace("/var/log/tollgate/eve.json", str(ev))
                    .replace("/run/tollgate/tollgated.pid", str(pidfile)))
    cfg = tmp_path / "live.yaml"
    cfg.write_text("api:\n  listen: \"\"\npolicy:\n  default_action: deny\n")
    proc = subprocess.Popen(["ip", "netns", "exec", tap_netns.ns, BIN, "-c", str(cfg),
                             "-i", "vb", "--events", str(ev), "--pidfile", str(pidfile),
                             "--state-dir", str(tmp_path / "st")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tail = StderrTail(proc)
        tail.wait(r"tollgate\.port: port i0")
        wait_sent(tap_netns.send([syn_frame(i) for i in range(batch)]), batch)
        wait_until(f"{batch} alerts", lambda: len(alerts(ev)) == batch, proc)
        lr = subprocess.run(["logrotate", "-f", "-s", str(tmp_path / "lr.state"),
                             str(conf)], capture_output=True, text=True, timeout=DEADLINE)
        assert lr.returncode == 0, lr.stderr
        tail.wait(rf"SIGHUP: events file {re.escape(str(ev))} reopened")
        wait_sent(tap_netns.send([syn_frame(i) for i in range(batch, 2 * batch)]), batch)
        wait_until(f"{batch} alerts in the new file", lambda: len(alerts(ev)) == batch,
                   proc)
        proc.send_signal(signal.SIGTERM)
        out, _ = tail.communicate(proc, timeout=DEADLINE)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"rc={proc.returncode}\n{out}\n{tail.text()}"
    old = tmp_path / "eve.json.1"          # delaycompress: the newest stays plain
    assert sorted(e["src_port"] for e in alerts(old)) == [1024 + i for i in range(batch)]
    assert sorted(e["src_port"] for e in alerts(ev)) == [1024 + i for i in
                                                         range(batch, 2 * batch)]
    assert not pidfile.exists()
