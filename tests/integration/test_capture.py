"""Packet captures (docs/capture.md) through the real daemon.

Offline (pcap in, pcap out, deterministic):
  * --capture runs BPF filters in the workers (compiled BPF, JIT where safe) on a varied
    trace: each capture holds exactly the packets `tcpdump -r TRACE -w - FILTER` selects,
    byte for byte and with the same microsecond times, read back with libpcap (scapy's
    reader) and tshark; with two workers the same packets, each worker's in order;
  * `--read TRACE --serve`: a capture POSTed after the input ended reads the trace again
    (the same selection as tcpdump), with group, ip, port and flow_id filters; files rotate
    at their exact size, the ring deletes the oldest, downloads are the files (streamed,
    with Content-Disposition); the quota deletes the oldest stopped capture or refuses;
  * API errors: bad BPF with libpcap's message, limits out of range, unknown group, flow
    and field, path traversal in ids and file numbers, roles.
Live (a veth pair in a network namespace this test creates, net_af_packet):
  * a capture started through the API sees what is sent after it, exactly; too many
    concurrent captures and a quota held by running ones are refused; packet and duration
    limits stop a capture; SIGTERM closes every file whole; after `kill -9` every file is
    readable (tshark, libpcap), and a restart lists the capture again, stopped, and a new
    start continues its ring's numbering.
Tests wait for conditions (capture state and counters through the API), never a fixed time.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest
from scapy.layers.inet import ICMP, IP, TCP, UDP
from scapy.layers.inet6 import ICMPv6EchoRequest, IPv6
from scapy.layers.l2 import ARP, Dot1Q, Ether
from scapy.packet import Raw
from scapy.utils import RawPcapReader

import tgpcap

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from gateway import ns_socket  # noqa: E402

ADMIN = "a" * 20 + "capture-admin-01"
READ = "r" * 20 + "capture-read-001"
T0 = 1714557600           # 2024-05-01 10:00:00 UTC
PCAP_HDR, REC_HDR = 24, 16


# ---------------------------------------------------------------------------------------
# pcap files
# ---------------------------------------------------------------------------------------

def write_trace(path, frames):
    """frames: [(sec, usec, bytes)] -> a microsecond pcap, LINKTYPE_ETHERNET, written by
    hand so the times are exact."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
        for sec, usec, data in frames:
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def read_libpcap(path):
    """[(sec, usec, wirelen, bytes)] of a pcap, with libpcap semantics (scapy's reader)."""
    return [(m.sec, m.usec, m.wirelen, bytes(d)) for d, m in RawPcapReader(str(path))]


def read_tshark(path):
    """[(time as "sec.usec", length, captured length)] as tshark reads them; tshark must
    not complain about the file."""
    p = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "fields", "-e",
                        "frame.time_epoch", "-e", "frame.len", "-e", "frame.cap_len"],
                       capture_output=True, text=True, timeout=60)
    complaints = [ln for ln in p.stderr.splitlines()
                  if ln.strip() and not ln.startswith('Running as user "root"')]
    assert p.returncode == 0 and complaints == [], (path, p.returncode, p.stderr)
    out = []
    for line in p.stdout.splitlines():
        t, ln, cl = line.split("\t")
        sec, frac = t.split(".")
        out.append((int(sec), int(frac[:6].ljust(6, "0")), int(ln), int(cl)))
    return out


def tcpdump_select(trace, expr, tmp):
    """What `tcpdump -r trace -w out expr` keeps, as read_libpcap gives it."""
    out = tmp / ("tcpdump-%d.pcap" % abs(hash(expr)))
    p = subprocess.run(["tcpdump", "-r", str(trace), "-w", str(out), expr],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return read_libpcap(out)


def both_readers_agree(path, want):
    """The file holds exactly want (as read_libpcap gives it), by libpcap and by tshark."""
    got = read_libpcap(path)
    assert got == want, "%s: %d packets, expected %d" % (path, len(got), len(want))
    assert read_tshark(path) == [(s, u, w, len(d)) for s, u, w, d in want]


# ---------------------------------------------------------------------------------------
# A varied trace
# ---------------------------------------------------------------------------------------

M1, M2, M3 = "02:00:00:00:00:01", "02:00:00:00:00:02", "02:00:00:00:00:03"


def trace_frames():
    """About 200 frames: TCP handshakes, data (an HTTP GET), FIN and RST; DNS and other
    UDP; ICMP and ICMPv6; IPv6 TCP; 802.1Q-tagged TCP; IPv4 fragments; ARP; big frames."""
    fr = []

    def add(pkt):
        fr.append(bytes(pkt))

    for i in range(12):
        c, s = "10.1.0.%d" % (5 + i % 3), "10.2.%d.%d" % (i % 2, 7 + i)
        sport, dport = 40000 + i, (80, 443, 8080, 25)[i % 4]
        e = Ether(src=M1, dst=M2)
        add(e / IP(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="S", seq=1000 * i))
        add(Ether(src=M2, dst=M1) / IP(src=s, dst=c) /
            TCP(sport=dport, dport=sport, flags="SA", seq=5000, ack=1000 * i + 1))
        add(e / IP(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="A", seq=1000 * i + 1,
                                       ack=5001))
        body = (b"GET /x HTTP/1.1\r\nHost: h\r\n\r\n" if dport == 80 else
                bytes((i * 7 + k) % 256 for k in range(200 + 90 * i)))
        add(e / IP(src=c, dst=s) / TCP(sport=sport, dport=dport, flags="PA",
                                       seq=1000 * i + 1, ack=5001) / Raw(body))
        add(Ether(src=M2, dst=M1) / IP(src=s, dst=c) /
            TCP(sport=dport, dport=sport, flags="FA" if i % 3 else "R", seq=5001))
    for i in range(10):
        add(Ether(src=M1, dst=M3) / IP(src="10.1.0.9", dst="10.0.0.53") /
            UDP(sport=53000 + i, dport=53) / Raw(b"\x12\x34" + bytes(30 + i)))
        add(Ether(src=M3, dst=M1) / IP(src="10.0.0.53", dst="10.1.0.9") /
            UDP(sport=53, dport=53000 + i) / Raw(b"\x12\x34\x81\x80" + bytes(60 + i)))
        add(Ether(src=M1, dst=M2) / IP(src="10.1.0.6", dst="198.51.100.%d" % (i + 1), ttl=20 + i)
            / UDP(sport=5000 + i, dport=9000) / Raw(bytes(10 * i)))
    for i in range(6):
        add(Ether(src=M1, dst=M2) / IP(src="10.1.0.5", dst="10.2.0.1") / ICMP(id=i, seq=i) /
            Raw(bytes(56)))
        add(Ether(src=M1, dst=M2) / IPv6(src="fd00:1::5", dst="fd00:2::%x" % (i + 1)) /
            ICMPv6EchoRequest(id=i, seq=i))
        add(Ether(src=M1, dst=M2) / IPv6(src="fd00:1::5", dst="fd00:2::1") /
            TCP(sport=41000 + i, dport=443, flags="S"))
        add(Ether(src=M1, dst=M2) / Dot1Q(vlan=100 + i % 2) / IP(src="10.3.0.1", dst="10.2.0.9") /
            TCP(sport=42000 + i, dport=80, flags="S"))
        add(Ether(src=M1, dst=M2) / Dot1Q(vlan=100) / IP(src="10.3.0.1", dst="10.2.0.9") /
            UDP(sport=42000 + i, dport=53) / Raw(bytes(12)))
    for i in range(4):
        big = IP(src="10.1.0.7", dst="10.2.0.8", id=700 + i) / UDP(sport=7000, dport=7001) / \
            Raw(bytes((k * 13) % 256 for k in range(3000)))
        for f in big.fragment(1480):
            add(Ether(src=M1, dst=M2) / f)
    for i in range(4):
        add(Ether(src=M1, dst="ff:ff:ff:ff:ff:ff") / ARP(psrc="10.1.0.%d" % i, pdst="10.1.0.1"))
        add(Ether(src=M1, dst=M2) / IP(src="10.1.0.8", dst="10.2.0.8") /
            TCP(sport=43000 + i, dport=8443, flags="PA") / Raw(bytes(1400)))
    return fr


def trace_records(frames):
    return [(T0 + (i * 1013) // 1000000, (i * 1013) % 1000000 + 1, f)
            for i, f in enumerate(frames)]


@pytest.fixture(scope="module")
def trace(tmp_path_factory):
    d = tmp_path_factory.mktemp("trace")
    path = d / "trace.pcap"
    write_trace(path, trace_records(trace_frames()))
    return path


FILTERS = [
    "tcp", "udp", "icmp", "ip6", "arp", "vlan", "tcp port 80", "port 53",
    "host 10.1.0.5", "net 10.2.0.0/16", "src net 10.1.0.0/24 and dst port 443",
    "tcp[tcpflags] & (tcp-syn|tcp-fin) != 0", "tcp[13] & 2 != 0", "tcp[13] = 0x12",
    "ip[6:2] & 0x1fff != 0", "ip[6:2] & 0x3fff != 0", "greater 1000", "less 100",
    "ether src 02:00:00:00:00:03", "vlan 101 and tcp", "vlan and udp", "ip6 and tcp dst port 443",
    "not ip", "udp and ip[8] < 25", "icmp6",
    "tcp[((tcp[12:1] & 0xf0) >> 2):4] = 0x47455420",
    "udp[8:2] = 0x1234 and udp[10] & 0x80 != 0",
    # Arithmetic, register compares and scratch memory: every eBPF form the conversion and
    # the JIT produce.
    "tcp[0:2] > tcp[2:2]", "ip[2:2] / 4 > 100", "ip[2:2] % 7 = 3", "ip[2:2] * 3 > 3000",
    "ip[8] - 1 < 30", "(ip[2:2] << 1) > 2000", "(ip[2:2] >> 2) > 250",
    "ip[2:2] & 0xf0f0 != 0x0000", "(ip[2:2] | 1) = 1441", "(ip[2:2] ^ 0xff) > 0x400",
    "ether broadcast", "ether[0] & 1 != 0", "udp[8:4] = 0x12348180",
    "ip[2:2] - 20 = tcp[12:1] * 0 + len - 34",
]


# ---------------------------------------------------------------------------------------
# The daemon
# ---------------------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(what, fn, timeout=30, every=0.02):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            pytest.fail("timed out waiting for %s" % what)
        time.sleep(every)


class Daemon:
    """tollgated with the API on 127.0.0.1 (in netns when given), a token file, its own
    state directory and log."""

    def __init__(self, d, args, config="", netns=None, state=None):
        self.d = Path(d)
        self.d.mkdir(parents=True, exist_ok=True)
        self.netns = netns
        self.state = Path(state) if state else self.d / "state"
        tokens = self.d / "tokens"
        tokens.write_text("admin %s\nread %s\n" % (ADMIN, READ))
        tokens.chmod(0o600)
        self.port = 8470 if netns else free_port()
        cmd = [str(tgpcap.tollgated_path()), *map(str, args), "--api-listen",
               "127.0.0.1:%d" % self.port, "--api-token-file", str(tokens), "--state-dir",
               str(self.state)]
        if config:
            (self.d / "cfg.yaml").write_text(config)
            cmd += ["--config", str(self.d / "cfg.yaml")]
        if netns:
            cmd = ["ip", "netns", "exec", netns] + cmd
        self.log = self.d / ("tollgated-%d.log" % time.monotonic_ns())
        self.logf = open(self.log, "wb")
        self.p = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT)

        def up():
            assert self.p.poll() is None, self.log.read_text()
            try:
                return self.req("GET", "/healthz", None)[0] == 200
            except OSError:
                return False
        wait_for("the API of tollgated", up)

    def conn(self):
        if self.netns is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        s = ns_socket(self.netns)
        s.settimeout(30)
        s.connect(("127.0.0.1", self.port))
        c.sock = s
        return c

    def req(self, method, path, token=ADMIN, body=None):
        c = self.conn()
        headers = {}
        if token:
            headers["Authorization"] = "Bearer " + token
        data = None
        if body is not None:
            data = json.dumps(body).encode() if not isinstance(body, bytes) else body
            headers["Content-Type"] = "application/json"
        c.request(method, path, body=data, headers=headers)
        r = c.getresponse()
        out = (r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        c.close()
        return out

    def json(self, method, path, token=ADMIN, body=None, status=200):
        st, _, b = self.req(method, path, token, body)
        assert st == status, (method, path, st, b)
        return json.loads(b) if b else None

    def capture(self, cid):
        return self.json("GET", "/v1/captures/%s" % cid, READ)

    def wait_state(self, cid, state="stopped", timeout=30):
        return wait_for("capture %s %s" % (cid, state),
                        lambda: (lambda c: c if c["state"] == state else None)(self.capture(cid)),
                        timeout)

    def download(self, cid, n, dest):
        st, h, b = self.req("GET", "/v1/captures/%s/files/%d" % (cid, n), READ)
        assert st == 200, b
        assert h["content-type"] == "application/vnd.tcpdump.pcap"
        Path(dest).write_bytes(b)
        return h

    def stats(self):
        return self.json("GET", "/v1/stats", READ)

    def stop(self, sig=signal.SIGTERM, timeout=60):
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            rc = self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            rc = self.p.wait(10)
        self.logf.close()
        return rc


@pytest.fixture
def daemons():
    started = []
    yield started
    for d in started:
        d.stop(signal.SIGKILL)


def capture_dir(state, cid):
    return Path(state) / "captures" / cid


def ring_files(state, cid):
    return sorted(p.name for p in capture_dir(state, cid).glob("*.pcap"))


# ---------------------------------------------------------------------------------------
# Offline: filters in the workers
# ---------------------------------------------------------------------------------------

CAPTURE_CFG = """\
capture:
  max_concurrent: 32
  quota: 4GiB
"""


@pytest.mark.parametrize("workers", [1, 2])
def test_worker_bpf_selects_exactly_what_tcpdump_selects(trace, tmp_path, workers):
    (tmp_path / "cfg.yaml").write_text(CAPTURE_CFG)
    trace_pkts = read_libpcap(trace)
    assert len(trace_pkts) == 140
    # At most capture.max_concurrent (32) captures per run.
    specs = [("f%d" % i, f) for i, f in enumerate(FILTERS)] + [("all", "")]
    for run in range(0, len(specs), 30):
        state = tmp_path / ("state%d" % run)
        args = ["--read", trace, "--workers", workers, "--state-dir", state, "--config",
                tmp_path / "cfg.yaml"]
        for cid, f in specs[run:run + 30]:
            args += ["--capture", json.dumps({"id": cid, "bpf": f, "file_size": 4 << 20,
                                              "file_count": 2})]
        rc, out, err = tgpcap.run_tollgated(args, 120)
        assert rc == 0, err
        for cid, f in specs[run:run + 30]:
            names = ring_files(state, cid)
            assert len(names) == 1 and names[0].startswith(cid + "_00001_"), names
            path = capture_dir(state, cid) / names[0]
            want = tcpdump_select(trace, f, tmp_path) if f else trace_pkts
            assert 0 < len(want) < len(trace_pkts) or not f, \
                "filter %r selects %d" % (f, len(want))
            got = read_libpcap(path)
            if workers == 1:
                assert got == want, "filter %r" % f
                # tshark reads the same (once is enough: it takes a second to start).
                assert read_tshark(path) == [(s, u, w, len(d)) for s, u, w, d in want]
            else:
                # Each worker's packets in order; the two workers' interleave.
                assert sorted(got) == sorted(want), "filter %r" % f
            meta = json.loads((capture_dir(state, cid) / "capture.json").read_text())
            assert (meta["state"], meta["reason"], meta["packets"], meta["dropped"]) == \
                ("stopped", "end of input", len(want), 0), f
            assert meta["bytes"] == sum(len(d) for _, _, _, d in want)


def test_snaplen_cuts_packets_and_keeps_wire_length(trace, tmp_path):
    state = tmp_path / "state"
    rc, out, err = tgpcap.run_tollgated(
        ["--read", trace, "--state-dir", state, "--capture",
         json.dumps({"id": "cut", "bpf": "greater 1000", "snaplen": 96, "name": "cut96"})], 120)
    assert rc == 0, err
    want = [(s, u, w, d[:96]) for s, u, w, d in tcpdump_select(trace, "greater 1000", tmp_path)]
    names = ring_files(state, "cut")
    assert len(names) == 1 and names[0].startswith("cut96_00001_")
    both_readers_agree(capture_dir(state, "cut") / names[0], want)


def test_offline_capture_waits_for_the_writer_and_drops_nothing(trace, tmp_path):
    # 30 copies of the trace through a 64 KiB copy ring (about 40 full-size copies): live,
    # copies would be dropped; offline the worker waits for the writer.
    recs = trace_records(trace_frames() * 30)
    big = tmp_path / "big.pcap"
    write_trace(big, recs)
    (tmp_path / "cfg.yaml").write_text("capture:\n  ring_size: 64KiB\n  max_snaplen: 2048\n"
                                       "  snaplen: 2048\n")
    res = tgpcap.run_tollgated(
        ["--read", big, "--config", tmp_path / "cfg.yaml", "--state-dir", tmp_path / "state",
         "--capture", json.dumps({"id": "all", "file_size": 64 << 20, "file_count": 1}),
         "--stats-json", tmp_path / "stats.json"], 180)
    assert res.rc == 0, res.describe()
    meta = json.loads((capture_dir(tmp_path / "state", "all") / "capture.json").read_text())
    assert (meta["packets"], meta["matched"], meta["dropped"]) == (len(recs), len(recs), 0)
    names = ring_files(tmp_path / "state", "all")
    assert read_libpcap(capture_dir(tmp_path / "state", "all") / names[0]) == read_libpcap(big)


def test_refused_capture_option_stops_the_start(trace, tmp_path):
    for spec, msg in [
        ('{"bpf": "tcp port"}', "tollgated: --capture: bpf: can't parse filter expression: "
                                "syntax error"),
        ('{"snaplen": 0}', "tollgated: --capture: snaplen: 0 is out of range (expected "
                           "1..262144)"),
        ("tcp", "tollgated: --capture: '[' or '{' expected near 'tcp'"),
    ]:
        rc, out, err = tgpcap.run_tollgated(["--read", trace, "--state-dir", tmp_path / "st",
                                             "--capture", spec], 60)
        assert rc == 2 and msg in err, (spec, err)


# ---------------------------------------------------------------------------------------
# Offline, served: captures that read the input again
# ---------------------------------------------------------------------------------------

POLICY_CFG = """\
capture:
  max_concurrent: 4
  quota: 1MiB
  file_size: 64KiB
  file_count: 2
  max_snaplen: 2048
  snaplen: 2048
  ring_size: 64KiB
policy:
  groups:
    - name: servers
      cidrs: [10.2.1.0/24]
      ranges: [10.2.0.7-10.2.0.9]
    - name: nobody
      selector: "app=nothing"
"""


@pytest.fixture
def served(trace, tmp_path, daemons):
    st = tmp_path / "stats.json"
    d = Daemon(tmp_path / "served", ["--read", trace, "--serve", "--stats-json", st],
               POLICY_CFG)
    daemons.append(d)
    # The stats file is written once the run is over (workers done, captures stopped).
    wait_for("end of input", st.exists)
    assert d.stats()["input"]["packets"] == len(read_libpcap(trace))
    return d


def start(d, body, status=201, token=ADMIN):
    st, h, b = d.req("POST", "/v1/captures", token, body)
    assert st == status, b
    out = json.loads(b)
    if status == 201:
        assert h["location"] == "/v1/captures/%s" % out["id"]
    return out


def test_served_capture_reads_the_input_again_like_tcpdump(served, trace, tmp_path):
    d = served
    for expr in ["tcp port 80", "udp and ip[8] < 25", "tcp[13] & 2 != 0"]:
        c = start(d, {"bpf": expr, "name": "again"})
        assert len(c["id"]) == 12 and c["replay"] is True
        c = d.wait_state(c["id"])
        want = tcpdump_select(trace, expr, tmp_path)
        assert (c["reason"], c["packets"], c["matched"], c["dropped"]) == \
            ("end of input", len(want), len(want), 0)
        assert [f["index"] for f in c["files"]] == [1]
        f = c["files"][0]
        assert f["name"].startswith("again_00001_") and f["url"] == \
            "/v1/captures/%s/files/1" % c["id"]
        assert f["packets"] == len(want)
        assert f["first"] == "2024-05-01T10:00:%02d.%06u+0000" % (want[0][0] - T0, want[0][1])
        h = d.download(c["id"], 1, tmp_path / "dl.pcap")
        assert h["content-disposition"] == 'attachment; filename="%s"' % f["name"]
        assert int(h["content-length"]) == f["size"] == PCAP_HDR + sum(
            REC_HDR + len(x[3]) for x in want)
        both_readers_agree(tmp_path / "dl.pcap", want)


def test_group_ip_port_and_flow_filters_are_bpf(served, trace, tmp_path):
    d = served
    cases = [
        ({"group": "servers"},
         "net 10.2.1.0/24 or net 10.2.0.7/32 or net 10.2.0.8/31 or "
         "(vlan and (net 10.2.1.0/24 or net 10.2.0.7/32 or net 10.2.0.8/31))"),
        ({"ip": "10.1.0.6"}, "host 10.1.0.6 or (vlan and host 10.1.0.6)"),
        ({"ip": "10.1.0.13/29", "port": 53}, "(net 10.1.0.8/29 and port 53) or "
                                             "(vlan and net 10.1.0.8/29 and port 53)"),
        ({"port": 80, "bpf": "tcp[13] & 2 != 0"},
         "tcp[13] & 2 != 0 and (port 80 or (vlan and port 80))"),
        ({"group": "any", "port": 53}, "port 53 or (vlan and port 53)"),
    ]
    for body, expr in cases:
        c = d.wait_state(start(d, body)["id"])
        want = tcpdump_select(trace, expr, tmp_path)
        assert len(want) > 0 and c["packets"] == len(want), (body, c["bpf"])
        d.download(c["id"], 1, tmp_path / "g.pcap")
        assert read_libpcap(tmp_path / "g.pcap") == want, body
    # A flow of /v1/flows: both directions of its 5-tuple, nothing else.
    flows = d.json("GET", "/v1/flows?port=443&proto=tcp&limit=100", READ)["flows"]
    fl = next(f for f in flows if f["src_ip"] == "10.1.0.6")
    c = d.wait_state(start(d, {"flow_id": fl["flow_id"]})["id"])
    expr = "tcp and host %s and host %s and port %d and port %d" % (
        fl["src_ip"], fl["dest_ip"], fl["src_port"], fl["dest_port"])
    want = tcpdump_select(trace, expr, tmp_path)
    assert len(want) == fl["pkts_toserver"] + fl["pkts_toclient"] == c["packets"]
    assert c["filter"] == {"bpf": None, "group": None, "ip": None, "port": None,
                           "flow_id": fl["flow_id"]}
    d.download(c["id"], 1, tmp_path / "flow.pcap")
    both_readers_agree(tmp_path / "flow.pcap", want)


def test_ring_rotates_at_exact_size_and_deletes_the_oldest(served, trace, tmp_path):
    d = served
    # Every selected frame has 200 bytes or more: each record is 16 + 200 bytes, four fit
    # in 1024 (24 + 4 * 216 = 888, a fifth would make 1104).
    expr = "greater 200"
    want = [(s, u, w, b[:200]) for s, u, w, b in tcpdump_select(trace, expr, tmp_path)]
    n = len(want)
    assert n > 16
    c = d.wait_state(start(d, {"bpf": expr, "snaplen": 200, "file_size": 1024, "file_count": 3,
                               "name": "rot"})["id"])
    per = (1024 - PCAP_HDR) // (REC_HDR + 200)
    files_made = (n + per - 1) // per
    kept = list(range(max(1, files_made - 2), files_made + 1))
    assert [f["index"] for f in c["files"]] == kept
    assert sorted(ring_files(d.state, c["id"])) == sorted(f["name"] for f in c["files"])
    for f in c["files"]:
        first = (f["index"] - 1) * per
        part = want[first:first + per]
        assert f["packets"] == len(part)
        assert f["size"] == PCAP_HDR + len(part) * (REC_HDR + 200) <= 1024
        assert os.path.getsize(capture_dir(d.state, c["id"]) / f["name"]) == f["size"]
        d.download(c["id"], f["index"], tmp_path / "r.pcap")
        both_readers_agree(tmp_path / "r.pcap", part)
    assert c["packets"] == n
    assert c["disk_bytes"] == sum(f["size"] for f in c["files"])
    assert files_made > 3
    m = d.stats()["capture"]
    assert (m["files"], m["files_deleted"]) == (files_made, files_made - 3)
    st, _, _ = d.req("GET", "/v1/captures/%s/files/%d" % (c["id"], kept[0] - 1), READ)
    assert st == 404


def test_quota_deletes_oldest_stopped_capture_or_refuses(served, tmp_path):
    d = served
    a = d.wait_state(start(d, {"bpf": "udp", "id": "old-a"})["id"])
    b = d.wait_state(start(d, {"bpf": "icmp", "id": "old-b"})["id"])
    assert a["disk_bytes"] > PCAP_HDR and b["disk_bytes"] > PCAP_HDR
    # More than the whole quota (1 MiB): refused, nothing deleted.
    st, _, body = d.req("POST", "/v1/captures", ADMIN, {"file_size": 524288, "file_count": 3})
    assert st == 507, body
    p = json.loads(body)
    assert p["title"] == "Capture quota exceeded" and "1048576" in p["detail"]
    assert d.capture("old-a")["id"] == "old-a"
    # Exactly the quota: the stopped captures must go, oldest first.
    c = start(d, {"bpf": "tcp", "file_size": 262144, "file_count": 4, "id": "big"})
    assert d.req("GET", "/v1/captures/old-a", READ)[0] == 404
    assert d.req("GET", "/v1/captures/old-b", READ)[0] == 404
    assert not capture_dir(d.state, "old-a").exists()
    assert not capture_dir(d.state, "old-b").exists()
    d.wait_state(c["id"])
    assert d.stats()["capture"]["evicted"] == 2
    metrics = d.req("GET", "/metrics", READ)[2].decode()
    assert "tollgate_capture_evicted_total 2\n" in metrics


def test_purge_deletes_files_and_record(served):
    d = served
    c = d.wait_state(start(d, {"bpf": "arp", "id": "gone"})["id"])
    assert capture_dir(d.state, "gone").is_dir()
    st, _, _ = d.req("DELETE", "/v1/captures/gone?purge=maybe")
    assert st == 400
    st, _, b = d.req("DELETE", "/v1/captures/gone")
    assert st == 200 and json.loads(b)["state"] == "stopped"
    assert capture_dir(d.state, "gone").is_dir()
    st, _, b = d.req("DELETE", "/v1/captures/gone?purge=true")
    assert st == 204 and b == b""
    assert d.req("GET", "/v1/captures/gone", READ)[0] == 404
    assert not capture_dir(d.state, "gone").exists()
    assert c["id"] not in [x["id"] for x in d.json("GET", "/v1/captures", READ)["captures"]]


def problem(d, method, path, body=None, token=ADMIN):
    st, h, b = d.req(method, path, token, body)
    assert h.get("content-type") == "application/problem+json", (st, b)
    p = json.loads(b)
    assert p["status"] == st
    return p


def test_api_refuses_bad_requests_with_problems(served):
    d = served
    p = problem(d, "POST", "/v1/captures", {"bpf": "tcp port"})
    assert (p["status"], p["title"], p["detail"], p["field"]) == (
        400, "Invalid BPF filter", "bpf: can't parse filter expression: syntax error", "/bpf")
    p = problem(d, "POST", "/v1/captures", {"bpf": "port 99999"})
    assert p["detail"] == "bpf: illegal port number 99999 > 65535"
    for body, field, detail in [
        ({"snaplen": -1}, "/snaplen", "snaplen: -1 is out of range (expected 1..2048)"),
        ({"snaplen": 0}, "/snaplen", "snaplen: 0 is out of range (expected 1..2048)"),
        ({"snaplen": 2049}, "/snaplen", "snaplen: 2049 is out of range (expected 1..2048)"),
        ({"file_count": 0}, "/file_count", "file_count: 0 is out of range (expected 1..1024)"),
        ({"file_size": 10 ** 12}, "/file_size",
         "file_size: 1000000000000 is out of range (expected 1024..1073741824)"),
        ({"file_size": 1024, "snaplen": 2000}, "/file_size",
         "file_size: 1024 bytes cannot hold one packet of snaplen 2000 (expected at least 2040)"),
        ({"packets": "ten"}, "/packets", "packets: expected an integer 0..4611686018427387904"),
        ({"port": 70000}, "/port", "port: 70000 is out of range (expected 1..65535)"),
        ({"ip": "10.1.2.300"}, "/ip",
         "ip: \"10.1.2.300\": expected an IPv4 or IPv6 address, or a CIDR such as 10.1.0.0/16"),
        ({"ip": "10.0.0.0/33"}, "/ip",
         "ip: \"10.0.0.0/33\": expected an IPv4 or IPv6 address, or a CIDR such as 10.1.0.0/16"),
        ({"id": "../../etc"}, "/id",
         "id: \"../../etc\": expected 1 to 32 of A-Z a-z 0-9 _ - , not starting with -"),
        ({"name": "a/b"}, "/name",
         "name: \"a/b\": expected 1 to 32 of A-Z a-z 0-9 _ - , not starting with -"),
        ({"name": "-r"}, "/name",
         "name: \"-r\": expected 1 to 32 of A-Z a-z 0-9 _ - , not starting with -"),
        ({"filter": "tcp"}, "/filter", "filter: unknown field (expected id, name, bpf, group, "
                                       "ip, port, flow_id, snaplen, file_size, file_count, "
                                       "duration, packets)"),
    ]:
        p = problem(d, "POST", "/v1/captures", body)
        assert (p["status"], p["field"], p["detail"]) == (400, field, detail), body
    p = problem(d, "POST", "/v1/captures", {"group": "partners"})
    assert (p["status"], p["title"], p["field"]) == (422, "Unknown group", "/group")
    assert p["detail"] == 'group: no group "partners" in the policy (GET /v1/groups lists them)'
    p = problem(d, "POST", "/v1/captures", {"group": "nobody"})
    assert (p["status"], p["title"], p["detail"]) == (
        422, "Empty group", 'group: "nobody" holds no address now (no CIDR, range, labelled or '
        'resolved address)')
    p = problem(d, "POST", "/v1/captures", {"group": "external"})
    assert (p["status"], p["title"]) == (422, "Unsupported group")
    p = problem(d, "POST", "/v1/captures", {"flow_id": 12345})
    assert (p["status"], p["title"], p["field"]) == (422, "Unknown flow", "/flow_id")
    p = problem(d, "POST", "/v1/captures", b"{\"bpf\": ")
    assert (p["status"], p["title"]) == (400, "Invalid JSON")
    # Roles: reading takes a read token, starting and stopping an admin one.
    p = problem(d, "POST", "/v1/captures", {"bpf": "tcp"}, READ)
    assert p["status"] == 403
    assert problem(d, "DELETE", "/v1/captures/x", None, READ)["status"] == 403
    assert problem(d, "GET", "/v1/captures", None, None)["status"] == 401
    assert d.json("GET", "/v1/captures", READ)["captures"] == []
    # Ids and file numbers never reach a path.
    c = d.wait_state(start(d, {"bpf": "icmp", "id": "ok1"})["id"])
    for path, status in [
        ("/v1/captures/..", 400), ("/v1/captures/%2e%2e", 400), ("/v1/captures/-x", 400),
        ("/v1/captures/..%2F..%2Fetc%2Fpasswd", 404), ("/v1/captures/ok1%2F..", 404),
        ("/v1/captures/ok1/files/..%2Fcapture.json", 404), ("/v1/captures/ok1/files/0", 400),
        ("/v1/captures/ok1/files/-1", 400), ("/v1/captures/ok1/files/1x", 400),
        ("/v1/captures/ok1/files/99", 404),
        ("/v1/captures/nope/files/1", 404), ("/v1/captures/" + "a" * 33, 400),
    ]:
        assert problem(d, "GET", path, None, READ)["status"] == status, path
    assert problem(d, "DELETE", "/v1/captures/..")["status"] == 400
    assert problem(d, "DELETE", "/v1/captures/nope")["status"] == 404
    assert d.req("GET", "/v1/captures/ok1/files/1", READ)[0] == 200
    assert c["packets"] > 0


def test_openapi_documents_every_capture_route():
    spec = (Path(__file__).resolve().parents[2] / "docs" / "api" / "openapi.yaml").read_text()
    for route in ["/v1/captures:", "/v1/captures/{id}:", "/v1/captures/{id}/files/{n}:"]:
        assert "\n  %s\n" % route in spec, route
    for op in ["listCaptures", "startCapture", "getCapture", "stopCapture",
               "downloadCaptureFile"]:
        assert "operationId: %s\n" % op in spec


# ---------------------------------------------------------------------------------------
# Live: a veth pair in a namespace of our own
# ---------------------------------------------------------------------------------------

def sh(*cmd):
    p = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (cmd, p.stderr)
    return p.stdout


@pytest.fixture(scope="module")
def veth():
    if os.geteuid() != 0 or shutil.which("ip") is None:
        if os.environ.get("CI"):
            pytest.fail("live capture tests need root and iproute2")
        pytest.skip("live capture tests need root and iproute2")
    pid = os.getpid()
    ns, a, b = "tgcap-%d" % pid, "tcpa%d" % pid, "tcpb%d" % pid
    sh("ip", "netns", "add", ns)
    try:
        # No IPv6 on the new links: no router or neighbour solicitations in the captures.
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
        sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
        sh("ip", "-n", ns, "link", "add", a, "type", "veth", "peer", "name", b)
        for dev in ("lo", a, b):
            sh("ip", "-n", ns, "link", "set", dev, "up")
        yield ns, a, b
    finally:
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def live_config(b, extra=""):
    return ("dataplane:\n  workers: 1\n  ports:\n"
            "    - { name: tap, device: \"net_af_packet0,iface=%s\" }\n"
            "capture:\n  max_concurrent: 2\n  quota: 8MiB\n  file_size: 1MiB\n"
            "  file_count: 2\n  max_snaplen: 2048\n  snaplen: 2048\n%s" % (b, extra))


class Sender:
    """Frames into one end of the veth (a raw socket made inside the namespace)."""

    def __init__(self, ns, dev):
        self.s = ns_socket(ns, socket.AF_PACKET, socket.SOCK_RAW)
        self.s.bind((dev, 0))
        self.sent = []

    def frame(self, i, dport=5000, size=200):
        p = Ether(src=M1, dst=M2) / IP(src="10.9.0.1", dst="10.9.0.2", id=i % 65536) / \
            UDP(sport=30000 + i % 1000, dport=dport) / Raw(bytes((i + k) % 256 for k in range(size)))
        return bytes(p)

    def send(self, first, n, dport=5000, size=200):
        out = []
        for i in range(first, first + n):
            f = self.frame(i, dport, size)
            self.s.send(f)
            out.append(f)
        return out

    def close(self):
        self.s.close()


def wait_packets(d, cid, n, timeout=30):
    return wait_for("capture %s at %d packets" % (cid, n),
                    lambda: (lambda c: c if c["packets"] >= n else None)(d.capture(cid)), timeout)


def test_live_capture_sees_what_is_sent_and_sigterm_closes_files(veth, tmp_path, daemons):
    ns, a, b = veth
    d = Daemon(tmp_path / "d", [], live_config(b), netns=ns)
    daemons.append(d)
    snd = Sender(ns, a)
    try:
        c = start(d, {"bpf": "udp dst port 5000", "id": "live1", "name": "live"})
        assert (c["state"], c["replay"]) == ("running", False)
        frames = snd.send(0, 40)
        snd.send(40, 25, dport=6000)               # not for this capture
        frames += snd.send(65, 20, size=1400)
        c = wait_packets(d, "live1", 60)
        assert (c["packets"], c["matched"], c["dropped"]) == (60, 60, 0)
        assert c["files"][0]["open"] is True
        # A running capture's file downloads whole (flushed first), readable as it is.
        d.download("live1", 1, tmp_path / "running.pcap")
        got = read_libpcap(tmp_path / "running.pcap")
        assert [x[3] for x in got] == frames
        assert [(s, u, w, len(x)) for s, u, w, x in got] == read_tshark(tmp_path / "running.pcap")
        assert all(abs(s - time.time()) < 600 for s, _, _, _ in got)    # capture time
        stats = d.stats()["capture"]
        assert (stats["running"], stats["written"], stats["matched"], stats["dropped"]) == \
            (1, 60, 60, 0)
        # Traffic is untouched by the capture: every frame reached the worker.
        assert d.stats()["counters"]["packets"] >= 85
        frames += snd.send(100, 7)
        wait_packets(d, "live1", 67)
    finally:
        snd.close()
    assert d.stop(signal.SIGTERM) == 0
    meta = json.loads((capture_dir(d.state, "live1") / "capture.json").read_text())
    assert (meta["state"], meta["reason"], meta["packets"]) == ("stopped", "shutdown", 67)
    names = ring_files(d.state, "live1")
    assert len(names) == 1 and names[0].startswith("live_00001_")
    got = read_libpcap(capture_dir(d.state, "live1") / names[0])
    assert [x[3] for x in got] == frames
    read_tshark(capture_dir(d.state, "live1") / names[0])


def test_live_limits_concurrency_and_quota(veth, tmp_path, daemons):
    ns, a, b = veth
    d = Daemon(tmp_path / "d", [], live_config(b), netns=ns)
    daemons.append(d)
    snd = Sender(ns, a)
    try:
        # Running captures keep what they reserved: 4 MiB + 2 MiB of 8 MiB.
        start(d, {"id": "one", "bpf": "udp port 7000", "file_size": 2 << 20, "file_count": 2})
        p = problem(d, "POST", "/v1/captures", {"file_size": 3 << 20, "file_count": 2})
        assert (p["status"], p["title"]) == (507, "Capture quota exceeded")
        start(d, {"id": "two", "bpf": "udp port 7001", "packets": 5})
        p = problem(d, "POST", "/v1/captures", {"bpf": "tcp"})
        assert (p["status"], p["title"]) == (409, "Too many captures")
        assert "2 captures are running" in p["detail"]
        p = problem(d, "POST", "/v1/captures", {"id": "one"})
        assert (p["status"], p["title"]) == (409, "Capture exists")
        # The packet limit stops "two" after exactly 5 of 12.
        snd.send(0, 12, dport=7001)
        c = d.wait_state("two")
        assert (c["reason"], c["packets"]) == ("packet limit of 5 reached", 5)
        # Frames the worker saw before the stop reached it matched too: not written.
        assert 5 <= c["matched"] <= 12 and c["dropped"] == 0
        assert len(read_libpcap(capture_dir(d.state, "two") / c["files"][0]["name"])) == 5
        # A slot is free again; a duration limit stops the next one on its own.
        c = start(d, {"id": "short", "bpf": "udp port 7002", "duration": 1})
        t = time.monotonic()
        c = d.wait_state("short", timeout=20)
        assert c["reason"] == "duration of 1 s reached" and time.monotonic() - t < 15
        # Stopping through the API.
        st, _, body = d.req("DELETE", "/v1/captures/one")
        assert st == 200 and json.loads(body)["state"] in ("stopping", "stopped")
        assert d.wait_state("one")["reason"] == "stopped through the API"
    finally:
        snd.close()
    assert d.stop() == 0


def test_live_kill9_leaves_readable_files_and_restart_continues_the_ring(veth, tmp_path,
                                                                         daemons):
    ns, a, b = veth
    state = tmp_path / "state"
    d = Daemon(tmp_path / "d1", [], live_config(b), netns=ns, state=state)
    daemons.append(d)
    snd = Sender(ns, a)
    try:
        start(d, {"id": "crash", "bpf": "udp dst port 5000", "snaplen": 300,
                  "file_size": 24 + 10 * (16 + 242), "file_count": 50})
        first = snd.send(0, 35, size=200)               # 242-byte frames: 10 per file
        wait_packets(d, "crash", 35)
        d.download("crash", 4, tmp_path / "f4.pcap")      # forces what is written to disk
        more = snd.send(35, 30, size=200)
        wait_packets(d, "crash", 65)
    finally:
        snd.close()
    d.stop(signal.SIGKILL)
    names = ring_files(state, "crash")
    assert [n.split("_")[1] for n in names] == ["%05d" % i for i in range(1, 8)]
    got = []
    for n in names:
        pkts = read_libpcap(capture_dir(state, "crash") / n)
        assert len(read_tshark(capture_dir(state, "crash") / n)) == len(pkts)
        assert len(pkts) <= 10
        got += [x[3] for x in pkts]
    # Whatever reached the disk is whole and in order; the first 35 surely did.
    assert got == (first + more)[:len(got)] and len(got) >= 35
    # Restarted: listed again, stopped, with the files on disk.
    d2 = Daemon(tmp_path / "d2", [], live_config(b), netns=ns, state=state)
    daemons.append(d2)
    c = d2.capture("crash")
    assert c["state"] == "stopped"
    assert c["reason"] == "interrupted: the daemon stopped without closing it"
    assert [f["index"] for f in c["files"]] == list(range(1, 8))
    assert sum(f["packets"] for f in c["files"]) == len(got)
    # Started again with its id: the ring continues at 8.
    c = start(d2, {"id": "crash", "bpf": "udp dst port 5000", "snaplen": 300,
                   "file_size": 24 + 10 * (16 + 242), "file_count": 50})
    assert [f["index"] for f in c["files"]][-1] == 8
    snd = Sender(ns, a)
    try:
        snd.send(100, 3)
        wait_packets(d2, "crash", len(got) + 3)
    finally:
        snd.close()
    assert d2.stop() == 0
    assert ring_files(state, "crash")[-1].startswith("crash_00008_")
    assert len(read_libpcap(capture_dir(state, "crash") / ring_files(state, "crash")[-1])) == 3
