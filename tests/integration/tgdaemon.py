"""Helpers for tests that run the daemon with its REST API: a free loopback port, a
token file, /v1/stats, and waiting for a condition with a generous deadline (never a
fixed sleep followed by an assertion)."""

import json
import os
import re
import socket
import struct
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

TOKEN = "d" * 24 + "daemon-tests-admin"
DEADLINE = 120
ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
# The build without sanitizers (make test runs the integration layer against the ASan one):
# where resident memory is measured against the memory plan. Defaults to BIN.
RELEASE_BIN = os.environ.get("TOLLGATED_RELEASE", BIN)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def token_file(path, token=TOKEN):
    """Write an admin token file (mode 0600) at path; returns its path."""
    path.write_text(f"admin {token}\n")
    path.chmod(0o600)
    return path


def api_get(port, path, token=TOKEN):
    """GET path (/v1/...) as JSON."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def api_stats(port, token=TOKEN):
    """GET /v1/stats as JSON."""
    return api_get(port, "/v1/stats", token)


def wait_for(what, cond, proc, deadline=DEADLINE):
    """Poll cond() until it is true; fail (killing proc) when proc exits or the deadline
    passes. Connection errors while the API starts count as not yet."""
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"tollgated exited (rc={proc.returncode}) while waiting for {what}:"
                        f"\n{out}\n{err}")
        try:
            if cond():
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"timed out after {deadline} s waiting for {what}")


def wait_counter(port, proc, name, pred, what=None):
    """Wait until pred(/v1/stats counters[name]) holds; returns the last stats."""
    last = {}

    def check():
        last["s"] = api_stats(port)
        return pred(last["s"]["counters"][name])

    wait_for(what or f"counter {name}", check, proc)
    return last["s"]


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def syn_frame(i):
    """A TCP SYN from a distinct client (10.64.x.y:port) to 10.99.0.1:443."""
    src = bytes([10, 64 + (i >> 16) % 64, (i >> 8) & 0xFF, i & 0xFF])
    dst = bytes([10, 99, 0, 1])
    sport = 1024 + i % 60000
    tcp = struct.pack("!HHIIBBHHH", sport, 443, 1000 + i, 0, 5 << 4, 0x02, 64240, 0, 0)
    pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", _csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xFFFF, 0, 64, 6, 0, src,
                     dst)
    ip = ip[:10] + struct.pack("!H", _csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def write_syn_pcap(path, n, t0=1_700_000_000):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            fr = syn_frame(i)
            us = i * 10
            f.write(struct.pack("<IIII", t0 + us // 1_000_000, us % 1_000_000, len(fr),
                                len(fr)))
            f.write(fr)


class StderrTail:
    """Reads a process's stderr on a thread; wait() for a line that matches a pattern."""

    def __init__(self, proc):
        self.lines, self.cv = [], threading.Condition()
        self.t = threading.Thread(target=self._run, args=(proc.stderr,), daemon=True)
        self.t.start()

    def _run(self, f):
        for line in f:
            with self.cv:
                self.lines.append(line)
                self.cv.notify_all()

    def wait(self, pattern, deadline=DEADLINE):
        rx = re.compile(pattern)
        with self.cv:
            ok = self.cv.wait_for(lambda: any(rx.search(x) for x in self.lines), deadline)
        assert ok, f"no stderr line matching {pattern!r}:\n{''.join(self.lines)}"

    def text_now(self):
        with self.cv:
            return "".join(self.lines)

    def text(self):
        self.t.join(timeout=30)
        return "".join(self.lines)

    def communicate(self, proc, timeout=DEADLINE):
        """proc.communicate() for the process this tail reads: returns (stdout, stderr).
        communicate() itself would read stderr too, racing this thread for its last lines."""
        proc.stderr = None
        out, _ = proc.communicate(timeout=timeout)
        return out, self.text()


class HangingServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never reads or
    answers (a receiver that hangs); a context manager. .port, .held: the connections."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.held = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.sock.close()
        for c in self.held:
            c.close()
