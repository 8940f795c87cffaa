"""Shared topology, servers, clients and daemon control for the inline gateway tests
(tests/e2e/test_inline_gateway.py).

Three network namespaces, created here with names unique to this process and always torn
down (also when a test fails):

  [C: c0 10.77.0.1/24  ]          [G: gw-in   gw-out]          [S: s0 10.77.0.2/24 ]
  [      fd77::1/64     ] --veth-- [    tollgated     ] --veth-- [     fd77::2/64      ]
                                   [inline pair; API on 127.0.0.1 in G]

C and S share one subnet: they only reach each other when tollgated bridges gw-in and gw-out
at layer 2 (ARP included). G also holds a veth pair tapm-a/tapm-b: tc can mirror what
enters gw-in/gw-out to tapm-a, and a tap port reads tapm-b.

S runs one Python process with the servers, each of which records, per client connection,
every byte it read and what became of the connection (complete, or the error that ended
it) in LOGDIR/<kind>-<client ip>-<client port>.json (+ .in raw bytes, + .msgN for mail):
  HTTP  on 8080 and 8082 (POST records the body; GET /files/NAME serves FILEDIR/NAME)
  TLS   on 8443 (first client bytes peeked and recorded; a ClientHello gets a TLS server
        with a self-signed certificate answering "tls-ok"; cleartext is just recorded)
  SMTP  on 2525 (EHLO/MAIL/RCPT/DATA/QUIT; each message recorded dot-unstuffed)
Clients run in C with a fixed local port each, so every connection is told apart in the
daemon's events (src_port) and in the server's records.

Traffic never leaves these namespaces.
"""

import ctypes
import hashlib
import http.client
import itertools
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pcap"))

import dlp_values  # noqa: E402
import eve  # noqa: E402
import tgpcap  # noqa: E402
from stdnum import iban as std_iban  # noqa: E402
from stdnum import luhn  # noqa: E402

HERE = Path(__file__).resolve().parent
PY = "/usr/bin/python3"
TOOLS = ("ip", "ethtool", "curl", "tc", "openssl", "tcpdump", "ss")

ADMIN = "tollgate-e2e-admin-0123456789abcdef"
HASH_KEY_HEX = "6a1f0c9e2b7d4433a5c8e10f9d2b6e71"
HASH_KEY = bytes.fromhex(HASH_KEY_HEX)

CLIENT4, SERVER4 = "10.77.0.1", "10.77.0.2"
CLIENT6, SERVER6 = "fd77::1", "fd77::2"
HTTP_PORT = 8080
HTTP_PORT2 = 8082
TLS_PORT = 8443
SMTP_PORT = 2525
API_PORT = 8470          # the gateway instance, in G
TAP_API_PORT = 8471      # a second (tap-only) instance, in G

GW_IN, GW_OUT = "gw-in", "gw-out"
TAP_A, TAP_B = "tapm-a", "tapm-b"

# Counter names of GET /v1/stats "counters" (dataplane/counters_types.h). One place to
# change when the implementation names them differently.
CTR_RX = "packets"
CTR_TX = "tx_packets"
CTR_TX_DROPPED = "tx_dropped"
CTR_VERDICT_DROPS = "verdict_drops"
CTR_VERDICT_RESETS = "verdict_resets"
CTR_RST_SENT = "rst_sent"
CTR_NON_IP = "bridged_non_ip"
# segments held back (dropped) because they arrived ahead of a gap, on flows a block
# binding may cut (docs/operations.md "In order"); counted in verdict_drops too
CTR_OOO_HELD = "inline_ooo_dropped"
# holes in a TCP stream that reassembly gave up waiting for (a tap that lost segments)
CTR_REASM_GAPS = "reasm_gaps"

# Valid card numbers (Luhn and issuer/length as the credit_card sensor checks them) and
# valid IBANs (mod 97 and the country's length), all distinct.
CARDS = ["4111111111111111", "5500005555555559", "6011000000000004", "4012888888881881",
         "5105105105105100", "340000000000009", "378282246310005"]
IBANS = ["DE89370400440532013000", "GB82WEST12345698765432",
         "FR1420041010050500013M02606", "NL91ABNA0417164300"]
for _c in CARDS:
    assert luhn.is_valid(_c) and dlp_values.card_issuer(_c), _c
for _i in IBANS:
    assert std_iban.is_valid(_i), _i


def value_hash(norm):
    """The `hash` a dlp match must carry for a normalised value under HASH_KEY."""
    return dlp_values.value_hash(HASH_KEY, norm)


def redacted(norm):
    return dlp_values.redact(norm)


def need(reason):
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


def nsx(ns, *cmd, **kw):
    return sh("ip", "netns", "exec", ns, *cmd, **kw)


# ----------------------------------------------------------------------------------------
# Sockets inside a namespace (the daemon's API listens on G's loopback)
# ----------------------------------------------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)
_CLONE_NEWNET = 0x40000000


def ns_socket(ns, family=socket.AF_INET, kind=socket.SOCK_STREAM):
    """A socket created in network namespace ns (a thread enters it, makes the socket and
    ends; the socket stays in that namespace)."""
    box = {}

    def run():
        try:
            fd = os.open("/run/netns/%s" % ns, os.O_RDONLY)
            try:
                if _libc.setns(fd, _CLONE_NEWNET) != 0:
                    e = ctypes.get_errno()
                    raise OSError(e, "setns(%s): %s" % (ns, os.strerror(e)))
            finally:
                os.close(fd)
            box["sock"] = socket.socket(family, kind)
        except BaseException as e:  # noqa: BLE001 - handed to the caller
            box["err"] = e

    t = threading.Thread(target=run)
    t.start()
    t.join()
    if "err" in box:
        raise box["err"]
    return box["sock"]


class _NsHTTPConnection(http.client.HTTPConnection):
    def __init__(self, ns, host, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self._ns = ns

    def connect(self):
        s = ns_socket(self._ns)
        s.settimeout(self.timeout)
        s.connect((self.host, self.port))
        self.sock = s


# ----------------------------------------------------------------------------------------
# Servers in S
# ----------------------------------------------------------------------------------------

SERVERS_PY = r'''
import hashlib, json, os, socket, ssl, sys, threading, time

LOGDIR, FILEDIR, CERT, KEY = sys.argv[1:5]
ADDRS = sys.argv[5:]
HTTP_PORTS, TLS_PORT, SMTP_PORT = (8080, 8082), 8443, 2525


def peer(addr):
    return addr[0], addr[1]


class Rec:
    """What one connection did; written (atomically) when it ends, however it ends."""

    def __init__(self, kind, addr, port):
        self.kind = kind
        self.ip, self.cport = peer(addr)
        self.data = bytearray()
        self.d = {"kind": kind, "client": self.ip, "client_port": self.cport,
                  "server_port": port, "complete": False, "error": None,
                  "opened": time.time()}
        self.msgs = []

    def base(self):
        return os.path.join(LOGDIR, "%s-%s-%d" % (self.kind, self.ip, self.cport))

    def save(self):
        b = self.base()
        open(b + ".in", "wb").write(bytes(self.data))
        for i, m in enumerate(self.msgs):
            open("%s.msg%d" % (b, i), "wb").write(m)
        self.d["in_len"] = len(self.data)
        self.d["messages"] = len(self.msgs)
        self.d["closed"] = time.time()
        open(b + ".tmp", "w").write(json.dumps(self.d))
        os.rename(b + ".tmp", b + ".json")


def err(e):
    return "%s: %s" % (type(e).__name__, e)


def recv_into(conn, rec, n=65536):
    b = conn.recv(n)
    if not b:
        raise EOFError("peer closed the connection")
    rec.data += b
    return b


def http_conn(conn, addr, port):
    rec = Rec("http", addr, port)
    try:
        conn.settimeout(60)
        while b"\r\n\r\n" not in rec.data:
            recv_into(conn, rec)
        head, _, rest = bytes(rec.data).partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        hdrs = {}
        for l in lines[1:]:
            if ":" in l:
                k, v = l.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        rec.d.update(method=method, path=path)
        if method == "POST":
            n = int(hdrs.get("content-length", "0"))
            rec.d["content_length"] = n
            body = bytearray(rest)
            try:
                while len(body) < n:
                    body += recv_into(conn, rec, min(1 << 20, n - len(body)))
            finally:
                rec.d["body_len"] = len(body)
                rec.d["body_sha256"] = hashlib.sha256(bytes(body)).hexdigest()
            reply = json.dumps({"received": len(body),
                                "sha256": hashlib.sha256(bytes(body)).hexdigest()}).encode()
            ctype = "application/json"
        elif path == "/health":
            reply, ctype = b"ok\n", "text/plain"
        elif path.startswith("/files/"):
            p = os.path.join(FILEDIR, os.path.basename(path))
            reply, ctype = open(p, "rb").read(), "application/octet-stream"
        else:
            reply, ctype = b"not found\n", "text/plain"
        head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %d\r\n"
                "Connection: close\r\n\r\n" % (ctype, len(reply))).encode()
        out = head + reply
        rec.d["sent"] = 0
        mv = memoryview(out)
        while rec.d["sent"] < len(out):
            rec.d["sent"] += conn.send(mv[rec.d["sent"]:rec.d["sent"] + 65536])
        rec.d["complete"] = True
    except Exception as e:
        rec.d["error"] = err(e)
    finally:
        try:
            conn.close()
        finally:
            rec.save()


def tls_conn(conn, addr, port, ctx):
    rec = Rec("tls", addr, port)
    rec.d["handshake"] = False
    try:
        conn.settimeout(20)
        first = conn.recv(5, socket.MSG_PEEK)
        rec.d["first"] = first.hex()
        if first[:1] == b"\x16":
            t = ctx.wrap_socket(conn, server_side=True)
            conn = t
            rec.d["handshake"] = True
            rec.d["tls_version"] = t.version()
            req = bytearray()
            while b"\r\n\r\n" not in req:
                b = t.recv(65536)
                if not b:
                    raise EOFError("peer closed inside TLS")
                req += b
            rec.d["request"] = bytes(req).split(b"\r\n")[0].decode("latin-1")
            t.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\n"
                      b"tls-ok\n")
            rec.d["complete"] = True
        else:
            while True:
                recv_into(conn, rec)
    except Exception as e:
        rec.d["error"] = err(e)
    finally:
        try:
            conn.close()
        finally:
            rec.save()


def smtp_conn(conn, addr, port):
    rec = Rec("smtp", addr, port)
    buf = bytearray()

    def line():
        while b"\n" not in buf:
            buf.extend(recv_into(conn, rec))
        i = buf.index(b"\n")
        out = bytes(buf[:i + 1])
        del buf[:i + 1]
        return out

    try:
        conn.settimeout(60)
        conn.sendall(b"220 partner.test ESMTP tollgate-e2e\r\n")
        while True:
            l = line()
            cmd = l[:4].upper()
            if cmd == b"EHLO":
                conn.sendall(b"250-partner.test\r\n250-8BITMIME\r\n250 SIZE 104857600\r\n")
            elif cmd == b"HELO":
                conn.sendall(b"250 partner.test\r\n")
            elif cmd in (b"MAIL", b"RCPT", b"RSET", b"NOOP"):
                conn.sendall(b"250 OK\r\n")
            elif cmd == b"DATA":
                conn.sendall(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                msg = bytearray()
                while True:
                    d = line()
                    if d in (b".\r\n", b".\n"):
                        break
                    if d.startswith(b"."):
                        d = d[1:]
                    msg += d
                rec.msgs.append(bytes(msg))
                conn.sendall(b"250 OK queued\r\n")
            elif cmd == b"QUIT":
                conn.sendall(b"221 Bye\r\n")
                rec.d["complete"] = True
                break
            else:
                conn.sendall(b"500 unknown command\r\n")
    except Exception as e:
        rec.d["error"] = err(e)
    finally:
        try:
            conn.close()
        finally:
            rec.save()


def serve(addr, port, fn, *extra):
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)

    def loop():
        while True:
            c, a = s.accept()
            threading.Thread(target=fn, args=(c, a, port) + extra, daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
for a in ADDRS:
    for p in HTTP_PORTS:
        serve(a, p, http_conn)
    serve(a, TLS_PORT, tls_conn, ctx)
    serve(a, SMTP_PORT, smtp_conn)
print("READY", flush=True)
sys.stdin.read()
'''

SMTP_CLIENT_PY = r'''
import json, smtplib, sys, time
server, port, src, sport, msgfile, out = sys.argv[1:7]
res = {"ok": False, "error": None}
t0 = time.time()
try:
    s = smtplib.SMTP(server, int(port), source_address=(src, int(sport)), timeout=20)
    try:
        s.ehlo()
        s.sendmail("sender@client.test", ["receiver@partner.test"], open(msgfile, "rb").read())
        s.quit()
    finally:
        s.close()
    res["ok"] = True
except Exception as e:
    res["error"] = "%s: %s" % (type(e).__name__, e)
res["elapsed"] = time.time() - t0
open(out, "w").write(json.dumps(res))
'''


PING_PY = r"""
import json, os, select, socket, struct, sys, time
fam, dst, count, size, interval, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    int(sys.argv[4]), float(sys.argv[5]), float(sys.argv[6])
v6 = fam == "ipv6"
if v6:
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, 23, 2)       # IPV6_MTU_DISCOVER = IPV6_PMTUDISC_DO
    req, rep = 128, 129
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.setsockopt(socket.IPPROTO_IP, 10, 2)          # IP_MTU_DISCOVER = IP_PMTUDISC_DO
    req, rep = 8, 0


def csum(b):
    if len(b) % 2:
        b += b"\0"
    n = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    n = (n >> 16) + (n & 0xFFFF)
    n += n >> 16
    return ~n & 0xFFFF


ident = os.getpid() & 0xFFFF
payload = bytes((i * 7 + 3) & 0xFF for i in range(size))
rtts, sent = [], 0
for seq in range(1, count + 1):
    hdr = struct.pack("!BBHHH", req, 0, 0, ident, seq)
    pkt = hdr + payload
    if not v6:                                      # the kernel sums ICMPv6 itself
        pkt = struct.pack("!BBHHH", req, 0, csum(pkt), ident, seq) + payload
    t0 = time.monotonic()
    s.sendto(pkt, (dst, 0))
    sent += 1
    end = t0 + wait
    while True:
        left = end - time.monotonic()
        if left <= 0 or not select.select([s], [], [], left)[0]:
            break
        data = s.recv(65535)
        icmp = data if v6 else data[(data[0] & 0x0F) * 4:]
        t, _, _, i, q = struct.unpack("!BBHHH", icmp[:8])
        if t == rep and i == ident and q == seq and icmp[8:] == payload:
            rtts.append((time.monotonic() - t0) * 1000.0)
            break
    if seq < count:
        time.sleep(max(0.0, interval - (time.monotonic() - t0)))
print(json.dumps({"sent": sent, "received": len(rtts), "rtts": rtts}))
sys.exit(0 if len(rtts) == count else 1)
"""


# ----------------------------------------------------------------------------------------
# The topology
# ----------------------------------------------------------------------------------------

class Topology:
    def __init__(self, workdir):
        pid = os.getpid()
        self.c, self.s, self.g = "tgw-c-%d" % pid, "tgw-s-%d" % pid, "tgw-g-%d" % pid
        self.workdir = Path(workdir)
        self.logdir = self.workdir / "server-log"
        self.filedir = self.workdir / "server-files"
        self.clientdir = self.workdir / "client"
        for d in (self.logdir, self.filedir, self.clientdir):
            d.mkdir(parents=True, exist_ok=True)
        self.server = None
        self.created = []
        self._ports = itertools.count(20001)
        self._mirroring = False

    # -- setup / teardown --------------------------------------------------------------

    def setup(self):
        for ns in (self.c, self.s, self.g):
            sh("ip", "netns", "del", ns, check=False)
        for ns in (self.c, self.s, self.g):
            sh("ip", "netns", "add", ns)
            self.created.append(ns)
        sh("ip", "link", "add", "c0", "netns", self.c, "type", "veth", "peer", "name", GW_IN,
           "netns", self.g)
        sh("ip", "link", "add", "s0", "netns", self.s, "type", "veth", "peer", "name", GW_OUT,
           "netns", self.g)
        sh("ip", "-n", self.g, "link", "add", TAP_A, "type", "veth", "peer", "name", TAP_B)
        for ns in (self.c, self.s, self.g):
            sh("ip", "-n", ns, "link", "set", "lo", "up")
        # The gateway's ports carry no addresses and say nothing themselves.
        for dev in (GW_IN, GW_OUT, TAP_A, TAP_B):
            nsx(self.g, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % dev)
            self._port_up(self.g, dev)
        for ns, dev, a4, a6 in ((self.c, "c0", CLIENT4, CLIENT6),
                                (self.s, "s0", SERVER4, SERVER6)):
            sh("ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev)
            sh("ip", "-n", ns, "-6", "addr", "add", a6 + "/64", "dev", dev, "nodad")
            self._port_up(ns, dev)
        cert, key = self.workdir / "partner.crt", self.workdir / "partner.key"
        sh("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=partner",
           "-keyout", key, "-out", cert, "-days", "1")
        script = self.workdir / "servers.py"
        script.write_text(SERVERS_PY)
        self.server = subprocess.Popen(
            ["ip", "netns", "exec", self.s, PY, str(script), str(self.logdir),
             str(self.filedir), str(cert), str(key), SERVER4, SERVER6],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.server.stdout.readline()
        if line.strip() != b"READY":
            raise AssertionError("servers did not start: %r %r" % (
                line, self.server.stderr.read()))
        (self.clientdir / "smtp_client.py").write_text(SMTP_CLIENT_PY)
        (self.clientdir / "ping.py").write_text(PING_PY)

    def _port_up(self, ns, dev):
        sh("ip", "-n", ns, "link", "set", dev, "mtu", "1500")
        nsx(ns, "ethtool", "-K", dev, "tx", "off", "rx", "off", "tso", "off", "gso", "off",
            "gro", "off")
        # Not every veth driver knows every feature; these two only where they exist.
        nsx(ns, "ethtool", "-K", dev, "lro", "off", check=False)
        nsx(ns, "ethtool", "-K", dev, "rx-gro-list", "off", check=False)
        sh("ip", "-n", ns, "link", "set", dev, "up")

    def teardown(self):
        if self._mirroring:
            self.mirror_off()
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

    # -- tc mirroring of what enters the gateway's ports into tapm-a --------------------

    def mirror_on(self):
        self._mirroring = True
        for dev in (GW_IN, GW_OUT):
            nsx(self.g, "tc", "qdisc", "add", "dev", dev, "ingress")
            cp = nsx(self.g, "tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol",
                     "all", "matchall", "action", "mirred", "egress", "mirror", "dev", TAP_A,
                     check=False)
            if cp.returncode != 0:      # no cls_matchall: a u32 filter matching everything
                nsx(self.g, "tc", "filter", "add", "dev", dev, "parent", "ffff:", "protocol",
                    "all", "u32", "match", "u32", "0", "0", "action", "mirred", "egress",
                    "mirror", "dev", TAP_A)

    def mirror_off(self):
        for dev in (GW_IN, GW_OUT):
            nsx(self.g, "tc", "qdisc", "del", "dev", dev, "ingress", check=False)
        self._mirroring = False

    # -- clients ------------------------------------------------------------------------

    def port(self):
        """A client port never used before in this run (below the ephemeral range)."""
        return next(self._ports)

    @staticmethod
    def host(family):
        return SERVER4 if family == "ipv4" else "[%s]" % SERVER6

    @staticmethod
    def client_ip(family):
        return CLIENT4 if family == "ipv4" else CLIENT6

    def curl_cmd(self, lport, *args, max_time=30):
        return ["ip", "netns", "exec", self.c, "curl", "--noproxy", "*", "-sS", "--http1.1",
                "--local-port", str(lport), "--max-time", str(max_time), *args]

    def curl(self, lport, *args, max_time=30):
        """Run curl in C from local port lport: (rc, stdout, stderr, seconds)."""
        t0 = time.monotonic()
        cp = subprocess.run(self.curl_cmd(lport, *args, max_time=max_time),
                            capture_output=True, timeout=max_time + 30,
                            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})
        return (cp.returncode, cp.stdout, cp.stderr.decode(errors="replace"),
                time.monotonic() - t0)

    def curl_popen(self, lport, *args, max_time=60):
        return subprocess.Popen(self.curl_cmd(lport, *args, max_time=max_time),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")})

    def post(self, lport, family, path, body_file, port=HTTP_PORT, max_time=30):
        return self.curl(lport, "-H", "Expect:", "-H",
                         "Content-Type: application/octet-stream", "--data-binary",
                         "@%s" % body_file,
                         "http://%s:%d%s" % (self.host(family), port, path), max_time=max_time)

    def smtp(self, lport, msg_bytes, name):
        msg = self.clientdir / ("%s.eml" % name)
        msg.write_bytes(msg_bytes)
        out = self.clientdir / ("%s.json" % name)
        nsx(self.c, PY, self.clientdir / "smtp_client.py", SERVER4, SMTP_PORT, CLIENT4, lport,
            msg, out, timeout=60)
        return json.loads(out.read_text())

    def ping(self, family, count=1, size=56, wait=1.0, check=True, interval=0.2):
        """ICMP echo from C to S (a raw-socket pinger: no ping binary needed), DF set.
        Returns {"sent", "received", "rtts" (ms)}; check: every echo answered."""
        cp = nsx(self.c, PY, self.clientdir / "ping.py", family,
                 SERVER4 if family == "ipv4" else SERVER6, count, size, interval, wait,
                 check=False, timeout=count * (wait + interval) + 20)
        try:
            res = json.loads(cp.stdout)
        except ValueError:
            res = {"sent": 0, "received": 0, "rtts": [], "error": cp.stderr.decode()}
        if check:
            assert cp.returncode == 0, "ping %s: %s %s" % (family, res, cp.stderr.decode())
        res["ok"] = cp.returncode == 0
        return res

    # -- what the servers recorded -------------------------------------------------------

    def record(self, kind, family, lport, timeout=10):
        """The server's record of the connection from (client ip, lport): dict with the
        raw bytes read under "data", or None if no such connection ended within timeout."""
        base = self.logdir / ("%s-%s-%d" % (kind, self.client_ip(family), lport))
        js = Path(str(base) + ".json")
        deadline = time.time() + timeout
        while not js.exists():
            if time.time() > deadline:
                return None
            time.sleep(0.05)
        d = json.loads(js.read_text())
        d["data"] = Path(str(base) + ".in").read_bytes()
        d["msgs"] = [Path("%s.msg%d" % (base, i)).read_bytes() for i in range(d["messages"])]
        return d

    def server_file(self, name, data):
        (self.filedir / name).write_bytes(data)


class Sniffer:
    """tcpdump -l in a namespace printing one line per packet matching bpf; stop() ends it
    and returns the lines."""

    def __init__(self, ns, dev, bpf, path, extra=()):
        self.out_path, self.err_path = Path(str(path) + ".out"), Path(str(path) + ".err")
        self.out, self.err = open(self.out_path, "wb"), open(self.err_path, "wb")
        self.proc = subprocess.Popen(
            ["ip", "netns", "exec", ns, "tcpdump", "-i", dev, "-n", "-l", "-U",
             "--immediate-mode", *extra, bpf], stdin=subprocess.DEVNULL, stdout=self.out,
            stderr=self.err)
        deadline = time.time() + 15
        while b"listening on" not in self.err_path.read_bytes():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise AssertionError("tcpdump did not start: %s" % self.err_path.read_text())
            time.sleep(0.05)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.out.close()
        self.err.close()
        return [l for l in self.out_path.read_text(errors="replace").splitlines() if l.strip()]


# ----------------------------------------------------------------------------------------
# The daemon
# ----------------------------------------------------------------------------------------

GROUPS = """\
  groups:
    - name: clients
      cidrs: [10.77.0.1/32, "fd77::1/128"]
    - name: partners
      cidrs: [10.77.0.2/32, "fd77::2/128"]
"""


def render_config(d, ports, mode, rules, api_port, workers=1, exception_policy=None,
                  tx_flush_us=None, extra="", pmd="af_packet"):
    """A whole tollgated config. ports: [(name, iface, mode, peer or None)].

    pmd: "af_packet" (net_af_packet) or "pcap" (net_pcap, one worker). DPDK's af_packet
    PMD joins a PACKET_FANOUT group with the defrag flag, so the kernel reassembles IP
    fragments before tollgated sees them; net_pcap delivers them as they were sent."""
    lines = ["# inline gateway e2e test", "state_dir: %s" % (d / "state"), "dataplane:",
             "  workers: %d" % workers]
    if exception_policy is not None:
        lines.append("  exception_policy: %s" % exception_policy)
    if tx_flush_us is not None:
        lines.append("  tx_flush_us: %d" % tx_flush_us)
    lines.append("  ports:")
    for i, (name, iface, pmode, peer) in enumerate(ports):
        # af_packet has one queue pair unless told: an inline port needs a TX queue per
        # worker (and gets an RX queue per worker, spread by the kernel's fanout hash)
        if pmd == "pcap":
            dev = "net_pcap%d,rx_iface_in=%s,tx_iface=%s" % (i, iface, iface)
        else:
            qp = ",qpairs=%d" % workers if workers > 1 else ""
            dev = "net_af_packet%d,iface=%s%s" % (i, iface, qp)
        item = '    - { name: %s, device: "%s", mode: %s' % (name, dev, pmode)
        if peer:
            item += ", peer: %s" % peer
        lines.append(item + " }")
    lines += ["flow:", "  timeouts:", "    closed: 0.5", "    closing: 2",
              "api:", "  listen: 127.0.0.1:%d" % api_port, "  token_file: %s" % (d / "tokens")]
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["policy:", "  mode: %s" % mode, "  default_action: allow"]
    text = "\n".join(lines) + "\n" + GROUPS
    text += "  rules:\n" + (rules.rstrip("\n") + "\n" if rules.strip() else "    []\n")
    return text


INLINE_PORTS = [("inside", GW_IN, "inline", "outside"), ("outside", GW_OUT, "inline", "inside")]
TAP_PORT = ("mirror", TAP_B, "tap", None)


class Daemon:
    """One tollgated run in G with its own directory (config, tokens, state with a fixed
    hash key, events file, log)."""

    def __init__(self, topo, d, config_text, api_port, tollgated):
        self.topo = topo
        self.dir = Path(d)
        self.dir.mkdir(parents=True)
        self.api_port = api_port
        tokens = self.dir / "tokens"
        tokens.write_text("admin %s\n" % ADMIN)
        tokens.chmod(0o600)
        state = self.dir / "state"
        state.mkdir(mode=0o700)
        (state / "hash.key").write_text(HASH_KEY_HEX + "\n")
        (state / "hash.key").chmod(0o600)
        self.cfg = self.dir / "tollgate.yaml"
        self.cfg.write_text(config_text)
        self.events_path = self.dir / "events.json"
        self.log_path = self.dir / "tollgated.log"
        self.log = open(self.log_path, "wb")
        self.rc = None
        self.dirty = False
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", topo.g, str(tollgated), "--config", str(self.cfg),
             "--events", str(self.events_path), "--state-dir", str(state)],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 30
        while True:
            if self.p.poll() is not None:
                raise AssertionError("tollgated exited with %s at start:\n%s\nconfig:\n%s" % (
                    self.p.returncode, self.log_text(), config_text))
            try:
                if self.req("GET", "/healthz", auth=False)[0] == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                raise AssertionError("tollgated API did not come up:\n" + self.log_text())
            time.sleep(0.1)

    # -- API ----------------------------------------------------------------------------

    def req(self, method, path, body=None, auth=True, timeout=15):
        conn = _NsHTTPConnection(self.topo.g, "127.0.0.1", self.api_port, timeout)
        try:
            hdrs = {}
            data = None
            if auth:
                hdrs["Authorization"] = "Bearer " + ADMIN
            if body is not None:
                data = json.dumps(body).encode()
                hdrs["Content-Type"] = "application/json"
            conn.request(method, path, body=data, headers=hdrs)
            r = conn.getresponse()
            raw = r.read()
            try:
                out = json.loads(raw) if raw else None
            except ValueError:
                out = raw.decode(errors="replace")
            return r.status, out
        finally:
            conn.close()

    def get(self, path):
        st, body = self.req("GET", path)
        assert st == 200, (path, st, body)
        return body

    def ok(self, method, path, body=None):
        self.dirty = True          # the running policy no longer is the config's
        st, out = self.req(method, path, body)
        assert 200 <= st < 300, (method, path, body, st, out)
        return out

    def counters(self):
        return self.get("/v1/stats")["counters"]

    def events(self, event_type=None):
        """Every event of this run so far (GET /v1/events, all pages)."""
        out, cursor = [], None
        while True:
            q = "/v1/events?limit=1000"
            if event_type:
                q += "&event_type=" + event_type
            if cursor is not None:
                q += "&cursor=" + cursor
            page = self.get(q)
            out += page["events"]
            cursor = page.get("next_cursor")
            if cursor is None:
                return out

    def flow_events(self, lport, event_type=None):
        return [e for e in self.events(event_type) if e.get("src_port") == lport]

    def wait_flow_events(self, lport, pred, timeout=30.0, event_type=None):
        """Events of the flow from client port lport once pred(list) holds (or at timeout)."""
        deadline = time.time() + timeout
        while True:
            ev = self.flow_events(lport, event_type)
            if pred(ev) or time.time() > deadline:
                return ev
            time.sleep(0.1)

    # -- life ---------------------------------------------------------------------------

    def alive(self):
        return self.p.poll() is None

    def log_text(self, tail=6000):
        self.log.flush()
        t = self.log_path.read_bytes().decode(errors="replace")
        return t[-tail:]

    def stop(self):
        if self.rc is not None:
            return self.rc
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(60)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(10)
        self.rc = self.p.returncode
        self.log.close()
        return self.rc

    def file_events(self):
        if not self.events_path.exists():
            return []
        return [json.loads(l) for l in self.events_path.read_text().splitlines() if l.strip()]

    def describe(self, lport=None):
        """What the daemon did, for failure messages: the flow's events, counters, log."""
        parts = []
        try:
            if lport is not None:
                parts.append("events of client port %d:\n%s" % (lport, "\n".join(
                    json.dumps(e) for e in self.flow_events(lport))))
            c = self.counters()
            keys = [CTR_RX, CTR_TX, CTR_TX_DROPPED, CTR_VERDICT_DROPS, CTR_OOO_HELD,
                    CTR_VERDICT_RESETS, CTR_RST_SENT, CTR_NON_IP, "policy_flows_blocked",
                    "policy_alerts",
                    "policy_require_tls", "dlp_events", "dlp_matches", "flows_created",
                    "reasm_gaps", "dispatch_dropped"]
            parts.append("counters: " + json.dumps({k: c.get(k, "(absent)") for k in keys}))
            parts.append("other tx/verdict/rst counters: " + json.dumps(
                {k: v for k, v in c.items() if re.search(r"tx|verdict|rst|bridge|drop", k)
                 and k not in keys}))
        except Exception as e:  # noqa: BLE001 - best effort
            parts.append("(API unavailable: %s)" % e)
        parts.append("daemon %s; log tail:\n%s" % (
            "alive" if self.alive() else "exited %s" % self.p.returncode, self.log_text(3000)))
        return "\n".join(parts)


def counter(c, name):
    """A counter of a /v1/stats counters dict; a clear failure when it does not exist."""
    if name not in c:
        raise AssertionError("counter %r missing from GET /v1/stats; counters with tx/verdict/"
                             "rst/bridge in the name: %s" % (name, sorted(
                                 k for k in c if re.search(r"tx|verdict|rst|bridge", k))))
    return c[name]


def delta(before, after, name):
    return counter(after, name) - counter(before, name)


def verdict_drops_beyond_holds(before, after):
    """Frames dropped by a verdict other than out-of-order segments held back on a flow a
    block binding may cut (TCP retransmits those; the payload still arrives intact)."""
    return delta(before, after, CTR_VERDICT_DROPS) - (
        delta(before, after, CTR_OOO_HELD) if CTR_OOO_HELD in after else 0)


class GatewayManager:
    """Keeps one gateway daemon running across tests; restarts it when a test asks for
    another configuration, or when the running one's policy was changed through the API."""

    def __init__(self, topo, workdir, tollgated):
        self.topo = topo
        self.workdir = Path(workdir)
        self.tollgated = tollgated
        self.cur = None
        self.cur_key = None
        self.runs = itertools.count(1)
        self.extra = []          # other daemons (tap instances) started by tests

    def use(self, key, **cfg):
        """The gateway running config key (a name; cfg: render_config arguments)."""
        if self.cur is not None and self.cur_key == key and not self.cur.dirty and \
                self.cur.alive():
            return self.cur
        self.stop_current()
        d = self.workdir / ("gw%02d-%s" % (next(self.runs), key))
        ports = INLINE_PORTS + ([TAP_PORT] if cfg.pop("tap_port", False) else [])
        text = render_config(d, ports, api_port=API_PORT, **cfg)
        self.cur = Daemon(self.topo, d, text, API_PORT, self.tollgated)
        self.cur_key = key
        wait_bridged(self.topo, self.cur)
        return self.cur

    def stop_current(self):
        if self.cur is None:
            return
        g, self.cur = self.cur, None
        rc = g.stop()
        assert rc == 0, "the previous gateway (%s) exited with %s:\n%s" % (
            self.cur_key, rc, g.log_text())

    def start_tap(self, key, mode, rules):
        d = self.workdir / ("tap%02d-%s" % (next(self.runs), key))
        text = render_config(d, [("tap0", TAP_B, "tap", None)], mode, rules, TAP_API_PORT)
        t = Daemon(self.topo, d, text, TAP_API_PORT, self.tollgated)
        self.extra.append(t)
        return t

    def close(self):
        for t in self.extra:
            t.stop()
        if self.cur is not None:
            self.cur.stop()


def wait_bridged(topo, g, timeout=20):
    """C reaches S through the gateway (ARP/ND and ICMP both ways) over IPv4 and IPv6."""
    for fam in ("ipv4", "ipv6"):
        deadline = time.time() + timeout
        while True:
            if topo.ping(fam, check=False)["ok"]:
                break
            if not g.alive() or time.time() > deadline:
                raise AssertionError("C cannot reach S (%s) through the gateway:\n%s" % (
                    fam, g.describe()))
            time.sleep(0.2)


# ----------------------------------------------------------------------------------------
# Payloads
# ----------------------------------------------------------------------------------------

def card_line(card):
    return ("\ncard=%s;\n" % card).encode()


def body_with_values(values, size, seed, line=card_line, text=False):
    """size bytes of filler (random bytes, or lower-case text lines when text) with each
    value's line placed at evenly spaced offsets; returns (bytes, [offset of each line])."""
    rng = random.Random(seed)
    if text:
        words = ["alpha", "bravo", "delta", "echo", "gamma", "kilo", "lima", "oscar",
                 "papa", "tango", "victor", "zulu", "quebec", "sierra", "yankee"]
        out, n = [], 0
        while n < min(size, 1 << 18):
            ln = " ".join(rng.choice(words) for _ in range(9)) + "\n"
            out.append(ln)
            n += len(ln)
        block = "".join(out).encode()
        filler = bytearray((block * (size // len(block) + 1))[:size])
    else:
        filler = bytearray(rng.randbytes(size))
    step = size // (len(values) + 1)
    offsets = []
    for i, v in enumerate(values):
        ln = line(v)
        at = step * (i + 1)
        if text:                       # start on a line of its own
            at = filler.index(b"\n", at) + 1
        filler[at:at + len(ln)] = ln
        offsets.append(at)
    return bytes(filler), offsets


def complete_lines(data, values, line=card_line):
    """The values whose whole line (terminator included) is in data."""
    return [v for v in values if line(v) in data]


def sha256(b):
    return hashlib.sha256(b).hexdigest()


def parse_ts(s):
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f%z").timestamp()


def of_type(events, t):
    """Events of a kind: "dlp" = findings (threshold alerts, which carry a dlp object, and
    dlp events); "alert" = policy alerts (alerts without a dlp object); else event_type."""
    if t == "dlp":
        return eve.findings(events)
    if t == "alert":
        return [e for e in events if e.get("event_type") == "alert" and "dlp" not in e]
    return [e for e in events if e.get("event_type") == t]


# ----------------------------------------------------------------------------------------
# Fixtures (imported by the test module)
# ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def topo(tmp_path_factory):
    if os.geteuid() != 0:
        need("inline gateway tests need root (network namespaces, tc)")
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        need("inline gateway tests need %s installed" % ", ".join(missing))
    t = Topology(tmp_path_factory.mktemp("gateway"))
    try:
        t.setup()
        yield t
    finally:
        t.teardown()


@pytest.fixture(scope="module")
def gwm(topo, tmp_path_factory):
    why = tgpcap.tollgated_missing_reason()
    if why:
        pytest.fail(why, pytrace=False)
    m = GatewayManager(topo, tmp_path_factory.mktemp("daemons"), tgpcap.tollgated_path())
    try:
        yield m
    finally:
        m.close()
