"""End-to-end fixtures: two network namespaces joined by a veth pair, an HTTP server in one
and curl and tcpdump in the other. Everything is created here and torn down afterwards,
also when a test fails. Needs root: without it the tests skip, or fail when env CI is set.

  tg-c-<pid> [tgc<pid>] 10.231.X.1/24 fd00:231::1/64  <--veth-->  [tgs<pid>] 10.231.X.2/24
                                                                    fd00:231::2/64 tg-s-<pid>
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pcap"))

import tgpcap  # noqa: E402

TOOLS = ("ip", "ethtool", "tcpdump", "curl")
HTTP_PORT = 8080

# The HTTP server run in the server namespace. It records, per connection, every byte it
# read and wrote (the ground truth for the reassembled streams), in
# LOGDIR/<peer address>_<peer port>.in / .out, then writes .done.
SERVER_PY = r'''
import http.server, json, os, socketserver, sys, threading, hashlib, socket

LOGDIR, FILEDIR, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])
ADDRS = sys.argv[4:]


class Tee:
    def __init__(self, f, log):
        self._f, self._log = f, log

    def read(self, n=-1):
        b = self._f.read(n)
        self._log += b
        return b

    def readline(self, n=-1):
        b = self._f.readline(n)
        self._log += b
        return b

    def write(self, b):
        self._log += b
        return self._f.write(b)

    def __getattr__(self, name):
        return getattr(self._f, name)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"      # one request per connection; the server closes

    def setup(self):
        super().setup()
        self._in, self._out = bytearray(), bytearray()
        self.rfile = Tee(self.rfile, self._in)
        self.wfile = Tee(self.wfile, self._out)

    def finish(self):
        try:
            super().finish()
        finally:
            host, port = self.client_address[:2]
            base = os.path.join(LOGDIR, "%s_%d" % (host, port))
            open(base + ".in", "wb").write(bytes(self._in))
            open(base + ".out", "wb").write(bytes(self._out))
            open(base + ".done", "w").close()

    def log_message(self, *a):
        pass

    def _reply(self, code, body, ctype="application/octet-stream"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        host, port = self.client_address[:2]
        open(os.path.join(LOGDIR, "%s_%d.body" % (host, port)), "wb").write(body)
        self._reply(200, json.dumps({"received": len(body),
                                     "sha256": hashlib.sha256(body).hexdigest()}).encode(),
                    "application/json")

    def do_GET(self):
        if self.path == "/health":
            return self._reply(200, b"ok\n", "text/plain")
        name = os.path.basename(self.path)
        p = os.path.join(FILEDIR, name)
        if not os.path.isfile(p):
            return self._reply(404, b"not found\n", "text/plain")
        self._reply(200, open(p, "rb").read())


class Server4(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Server6(Server4):
    address_family = socket.AF_INET6


servers = []
for a in ADDRS:
    cls = Server6 if ":" in a else Server4
    s = cls((a, PORT), Handler)
    servers.append(s)
    threading.Thread(target=s.serve_forever, daemon=True).start()
print("READY", flush=True)
sys.stdin.read()          # run until the test closes our stdin or kills us
'''


def _need(reason):
    if os.environ.get("CI"):
        pytest.fail(reason + " (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def sh(*cmd, check=True, timeout=60, **kw):
    cp = subprocess.run([str(c) for c in cmd], capture_output=True, timeout=timeout, **kw)
    if check and cp.returncode != 0:
        raise AssertionError("command failed (%d): %s\n%s%s" % (
            cp.returncode, " ".join(map(str, cmd)), cp.stdout.decode(errors="replace"),
            cp.stderr.decode(errors="replace")))
    return cp


class NetnsPair:
    """Client and server namespaces with a veth between them and the HTTP server."""

    def __init__(self, workdir):
        pid = os.getpid()
        self.cns, self.sns = "tg-c-%d" % pid, "tg-s-%d" % pid
        self.cdev, self.sdev = "tgc%d" % pid, "tgs%d" % pid
        x = pid % 250 + 1
        self.addr4 = ("10.231.%d.1" % x, "10.231.%d.2" % x)
        self.addr6 = ("fd00:231::1", "fd00:231::2")
        self.workdir = Path(workdir)
        self.logdir = self.workdir / "server-log"
        self.filedir = self.workdir / "server-files"
        self.logdir.mkdir()
        self.filedir.mkdir()
        self.server = None
        self.created = []
        self.port = HTTP_PORT

    def capture(self, path):
        """Start tcpdump on the client's veth end, writing path; returns a Tcpdump."""
        return Tcpdump(self.cns, self.cdev, path)

    def setup(self):
        for ns in (self.cns, self.sns):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
        sh("ip", "link", "add", self.cdev, "netns", self.cns, "type", "veth", "peer", "name",
           self.sdev, "netns", self.sns)
        for ns, dev, a4, a6 in ((self.cns, self.cdev, self.addr4[0], self.addr6[0]),
                                (self.sns, self.sdev, self.addr4[1], self.addr6[1])):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
            sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            sh("ip", "-n", ns, "-6", "addr", "add", a6 + "/64", "dev", dev, "nodad")
            sh("ip", "netns", "exec", ns, "ethtool", "-K", dev, "tx", "off", "rx", "off",
               "tso", "off", "gso", "off", "gro", "off")
            sh("ip", "-n", ns, "link", "set", dev, "up")
        script = self.workdir / "server.py"
        script.write_text(SERVER_PY)
        self.server = subprocess.Popen(
            ["ip", "netns", "exec", self.sns, "/usr/bin/python3", str(script),
             str(self.logdir), str(self.filedir), str(HTTP_PORT), self.addr4[1],
             self.addr6[1]],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.server.stdout.readline()
        if line.strip() != b"READY":
            raise AssertionError("HTTP server did not start: %r %r" % (
                line, self.server.stderr.read()))
        # the link and neighbour tables are ready once a request goes through each way
        for host in (self.addr4[1], "[%s]" % self.addr6[1]):
            deadline = time.time() + 15
            while True:
                cp = self.curl("-sS", "--max-time", "2", "http://%s:%d/health" % (
                    host, HTTP_PORT), check=False)
                if cp.returncode == 0 and cp.stdout == b"ok\n":
                    break
                if time.time() > deadline:
                    raise AssertionError("server at %s unreachable: %s" % (
                        host, cp.stderr.decode(errors="replace")))
                time.sleep(0.2)

    def curl(self, *args, check=True, timeout=120):
        return sh("ip", "netns", "exec", self.cns, "curl", "--noproxy", "*", *args,
                  check=check, timeout=timeout,
                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})

    def teardown(self):
        if self.server is not None and self.server.poll() is None:
            try:
                self.server.stdin.close()
            except OSError:
                pass
            self.server.terminate()
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                self.server.kill()
                self.server.wait(10)
        for ns in reversed(self.created):
            sh("ip", "netns", "del", ns, check=False)


@pytest.fixture(scope="module")
def netns_pair(tmp_path_factory):
    if os.geteuid() != 0:
        _need("end-to-end tests need root (network namespaces, tcpdump)")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        _need("end-to-end tests need %s installed" % ", ".join(missing))
    pair = NetnsPair(tmp_path_factory.mktemp("netns"))
    try:
        pair.setup()
        yield pair
    finally:
        pair.teardown()


class Tcpdump:
    """tcpdump -w in the client namespace; stop() ends it with SIGINT and waits."""

    def __init__(self, ns, dev, path):
        self.path = Path(path)
        self.errpath = self.path.with_suffix(".tcpdump.log")
        self.err = open(self.errpath, "wb")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "tcpdump", "-i", dev, "-n", "-s", "0", "-U",
             "--immediate-mode", "-B", "16384", "-Z", "root", "-w", str(self.path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 15
        while b"listening on" not in self.errpath.read_bytes():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise AssertionError("tcpdump did not start: %s" % self.log())
            time.sleep(0.05)

    def log(self):
        return self.errpath.read_bytes().decode(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.err.close()
        return self.log()


@pytest.fixture(scope="session")
def tollgated_bin():
    why = tgpcap.tollgated_missing_reason()
    if why:
        pytest.fail(why, pytrace=False)
    return tgpcap.tollgated_path()
