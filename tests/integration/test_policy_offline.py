"""The egress policy end to end on generated captures (scapy), offline: verdicts and their
alert / dlp / flow events (monitor, protect, group mode override, default deny, app rules,
require_tls, DLP bindings), FQDN groups learned from a DNS answer through a CNAME and from a
TLS ClientHello's SNI (GET /v1/labels/groups), discover mode's candidate rules
(GET /v1/learned, then POST /v1/rules), --check-config, and SIGHUP reloads.

Three daemons in all: the monitor run (kept up with --serve for the API and SIGHUP parts),
the protect run (plain offline), the discover run (--serve). --check-config starts no EAL.
"""

import json
import os
import random
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pcap"))

import dlp_values as V  # noqa: E402
import eve  # noqa: E402
import tgpcap  # noqa: E402
from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402
from tgpcap import C2S, EPOCH_US, S2C  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
ADMIN = "a" * 20 + "admin-token-h7"
READ = "r" * 20 + "read-token-h7"

# ----------------------------------------------------------------------------------------
# Addresses and the policy
# ----------------------------------------------------------------------------------------

WEB = "172.16.0.10"         # HTTP server (80, 8080)
TLS_SRV = "172.16.0.11"     # TLS server
MX = "172.16.0.12"          # SMTP server
BIN_SRV = "172.16.0.13"     # some binary protocol on 9000
RESOLVER = "172.16.0.53"    # DNS
PARTNER_SNI_IP = "198.51.100.20"    # files.partner.example (TLS SNI only)
PARTNER_DNS_IP = "203.0.113.10"     # api.partner.example -> CNAME -> A (DNS only)
PARTNER_BIG_IP = "198.51.100.21"    # big.partner.example: SNI in the 2nd TCP segment
SPLIT = "sni_split"                 # that flow (checked on its own, not in the tables)

GROUPS_YAML = """\
  groups:
    - name: blocked-clients
      cidrs: [10.1.1.0/24]
    - name: dlp-clients
      cidrs: [10.1.2.0/24]
    - name: plain-clients
      cidrs: [10.1.3.0/24]
    - name: dlp-block-clients
      cidrs: [10.1.8.0/24]
    - name: strict-clients
      ranges: [10.1.4.1-10.1.4.254]
      mode: protect
    - name: app-clients
      cidrs: [10.1.5.0/24]
    - name: tls-clients
      cidrs: [10.1.6.0/24]
    - name: fqdn-clients
      cidrs: [10.1.7.0/24]
    - name: servers
      cidrs: [172.16.0.0/24]
    - name: partners
      fqdns: ["*.partner.example"]
"""

RULES_YAML = """\
  rules:
    - id: deny-blocked
      from: blocked-clients
      to: servers
      action: deny
      comment: the denied group
    - id: dlp-watch
      from: dlp-clients
      to: servers
      action: allow
      dlp: [{sensor: credit_card, action: alert, threshold: 1}]
    - id: dlp-block
      from: dlp-block-clients
      to: servers
      action: allow
      dlp:
        - sensor: credit_card
          action: block
    - id: plain-ok
      from: plain-clients
      to: servers
      action: allow
    - id: strict-deny
      from: strict-clients
      to: servers
      action: deny
    - id: deny-http
      from: app-clients
      to: servers
      app: http
      action: deny
    - id: app-ok
      from: app-clients
      to: servers
      action: allow
    - id: tls-only
      from: tls-clients
      to: servers
      protocol: tcp
      require_tls: true
      action: allow
    - id: deny-partners
      from: fqdn-clients
      to: partners
      protocol: tcp
      ports: [443]
      action: deny
    - id: fqdn-out
      from: fqdn-clients
      to: any
      action: allow
"""


def policy_yaml(mode, default_action="deny", rules=RULES_YAML):
    return ("policy:\n  mode: %s\n  default_action: %s\n" % (mode, default_action) +
            GROUPS_YAML + rules)


def config_text(mode, dlp_enabled, **kw):
    return ("# test_policy_offline.py\nreassembly:\n  midstream: true\n"
            "dlp:\n  enabled: %s\n" % ("true" if dlp_enabled else "false") +
            policy_yaml(mode, **kw))


# ----------------------------------------------------------------------------------------
# Payloads
# ----------------------------------------------------------------------------------------

CARD = V.VISA16
EMAIL = V.EMAIL
CARD_BODY = ("customer=Jane Roe\ncard number: %s\ncontact: %s\n" % (CARD.raw, EMAIL.raw)).encode()


def http_request(method, host, path="/", body=b""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n" % (
        method, path, host)
    if body:
        head += "Content-Type: text/plain\r\nContent-Length: %d\r\n" % len(body)
    return head.encode() + b"\r\n" + body


HTTP_OK = b"HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/plain\r\n" \
          b"Content-Length: 3\r\n\r\nok\n"


def real_client_hello(sni):
    """The first flight OpenSSL sends as a client (python's ssl module over memory BIOs):
    a TLS record holding a real ClientHello with the server_name extension."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    conn = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        conn.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    assert hello[0] == 0x16 and hello[5] == 0x01 and sni.encode() in hello
    return hello


def minimal_client_hello(sni, seed=1):
    """A hand-built TLS 1.2 ClientHello: one cipher suite, null compression, server_name."""
    host = sni.encode()
    ext = struct.pack("!HHHBH", 0, len(host) + 5, len(host) + 3, 0, len(host)) + host
    body = (b"\x03\x03" + random.Random(seed).randbytes(32) + b"\x00" +
            struct.pack("!H", 2) + b"\xc0\x2f" + b"\x01\x00" + struct.pack("!H", len(ext)) + ext)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def ext(kind, data):
    return struct.pack("!HH", kind, len(data)) + data


def large_client_hello(sni, seed=3):
    """A TLS 1.3 ClientHello as current browsers send it: a post-quantum key share
    (X25519MLKEM768, 1216 + 32 bytes), a GREASE encrypted_client_hello and extensions in
    permuted order, server_name after those, padded (RFC 7685) to 1800 bytes: bigger than
    one TCP segment, so the SNI arrives in the second one."""
    rng = random.Random(seed)
    host = sni.encode()
    shares = (struct.pack("!HH", 0x11EC, 1216) + rng.randbytes(1216) +
              struct.pack("!HH", 0x001D, 32) + rng.randbytes(32))
    alpn = b"\x02h2\x08http/1.1"
    ech = (b"\x00\x00\x01\x00\x01" + bytes([rng.randrange(256)]) + struct.pack("!H", 32) +
           rng.randbytes(32) + struct.pack("!H", 144) + rng.randbytes(144))
    exts = (ext(43, b"\x04\x03\x04\x03\x03") +
            ext(10, b"\x00\x06\x11\xec\x00\x1d\x00\x17") +
            ext(13, b"\x00\x06\x04\x03\x08\x04\x04\x01") +
            ext(51, struct.pack("!H", len(shares)) + shares) +
            ext(45, b"\x01\x01") +
            ext(16, struct.pack("!H", len(alpn)) + alpn) +
            ext(0xFE0D, ech) +
            ext(0, struct.pack("!HBH", len(host) + 3, 0, len(host)) + host))
    head = (b"\x03\x03" + rng.randbytes(32) + b"\x20" + rng.randbytes(32) +
            struct.pack("!H", 6) + b"\x13\x01\x13\x02\x13\x03" + b"\x01\x00")
    pad = 1800 - (5 + 4 + len(head) + 2 + len(exts) + 4)
    exts += ext(21, bytes(pad))
    body = head + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    hello = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
    assert len(hello) == 1800 and hello.index(host) > 1448
    return hello


def server_hello_stub(seed=2):
    """The start of a server's first flight (ServerHello record; its content is not read)."""
    body = b"\x03\x03" + random.Random(seed).randbytes(32) + b"\x00\xc0\x2f\x00"
    hs = b"\x02" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack("!H", len(hs)) + hs


SMTP_TURNS = [
    (S2C, b"220 mx.servers.example ESMTP Postfix\r\n"),
    (C2S, b"EHLO client.servers.example\r\n"),
    (S2C, b"250-mx.servers.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"),
    (C2S, b"MAIL FROM:<" + EMAIL.raw.encode() + b">\r\n"),
    (S2C, b"250 2.1.0 Ok\r\n"),
    (C2S, b"RCPT TO:<ops@servers.example>\r\n"),
    (S2C, b"250 2.1.5 Ok\r\n"),
    (C2S, b"DATA\r\n"),
    (S2C, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
    (C2S, b"Subject: weekly notes\r\n\r\nnothing to see here\r\n.\r\n"),
    (S2C, b"250 2.0.0 Ok: queued\r\n"),
    (C2S, b"QUIT\r\n"),
    (S2C, b"221 2.0.0 Bye\r\n"),
]

BINARY_TURNS = [(C2S, b"\x00\x07\x01binary-hello\x00\x00"), (S2C, b"\x00\x03\x02ack\x00")]


def dns_query(qid, name):
    return bytes(DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype="A")))


def dns_answer(qid, name, records):
    return bytes(DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype="A"), an=records))


def partner_dns(qid=0x5A17):
    """api.partner.example CNAME edge.partner-cdn.example (3600 s), A 203.0.113.10 (300 s)."""
    name = "api.partner.example"
    an = (DNSRR(rrname=name, type="CNAME", ttl=3600, rdata="edge.partner-cdn.example") /
          DNSRR(rrname="edge.partner-cdn.example", type="A", ttl=300, rdata=PARTNER_DNS_IP))
    return [(C2S, dns_query(qid, name)), (S2C, dns_answer(qid, name, an))]


def plain_dns(qid, name, ip):
    return [(C2S, dns_query(qid, name)),
            (S2C, dns_answer(qid, name, DNSRR(rrname=name, type="A", ttl=120, rdata=ip)))]


# ----------------------------------------------------------------------------------------
# Captures
# ----------------------------------------------------------------------------------------

class UdpFlow(tgpcap._FlowGen):
    """A UDP exchange of the given (side, payload) datagrams."""

    def __init__(self, rng, client, cport, server, sport, msgs, **kw):
        super().__init__(rng, client, cport, server, sport, "UDP", **kw)
        for d, payload in msgs:
            pkt = (self._l2(d) / IP(src=self.addr[d], dst=self.addr[1 - d],
                                    id=self._next_ipid(d), ttl=64) /
                   UDP(sport=self.port[d], dport=self.port[1 - d]) / payload)
            self._emit(d, bytes(pkt))


def make_flow(idx, spec):
    """spec: (kind, client, cport, server, sport, turns)."""
    kind, client, cport, server, sport, turns = spec
    rng = random.Random(1000 + idx)
    kw = dict(start_us=EPOCH_US + idx * 20000, mac_base=10 + 2 * idx)
    if kind == "udp":
        return UdpFlow(rng, client, cport, server, sport, turns, **kw)
    if kind == "icmp":
        return tgpcap.IcmpEcho(rng, client, server, n=2, **kw)
    s = tgpcap.TcpSession(rng, client, cport, server, sport, **kw)
    for d, data in turns:
        # Each message in as few segments as a real stack sends (first bytes whole).
        sizes = [min(s.maxseg, len(data) - o) for o in range(0, len(data), s.maxseg)]
        s.turn(d, data, sizes=sizes)
    s.close(S2C if turns and turns[0][0] == S2C else C2S)
    return s


def http_turns(req, resp=HTTP_OK):
    return [(C2S, req), (S2C, resp)]


def tls_turns(hello):
    return [(C2S, hello), (S2C, server_hello_stub())]


def policy_flows():
    """name -> (kind, client, cport, server, sport, turns), in capture order. The SNI flow
    comes first and the partner DNS answer last: no republish of the policy can come
    between the SNI's evaluation and the SNI flow's end without the SNI's own name."""
    post = http_request("POST", "intranet.servers.example", "/submit", CARD_BODY)
    get = http_request("GET", "intranet.servers.example", "/index.html")
    return {
        "sni": ("tcp", "10.1.7.5", 41014, PARTNER_SNI_IP, 443,
                tls_turns(real_client_hello("files.partner.example"))),
        SPLIT: ("tcp", "10.1.7.6", 41016, PARTNER_BIG_IP, 443,
                tls_turns(large_client_hello("big.partner.example"))),
        "blocked": ("tcp", "10.1.1.5", 41001, WEB, 80, http_turns(post)),
        "dlp": ("tcp", "10.1.2.5", 41002, WEB, 80, http_turns(post)),
        "plain": ("tcp", "10.1.3.5", 41003, WEB, 80, http_turns(post)),
        "dlp_block": ("tcp", "10.1.8.5", 41017, WEB, 80, http_turns(post)),
        "strict": ("tcp", "10.1.4.5", 41004, WEB, 80, http_turns(post)),
        "unmatched": ("tcp", "10.9.9.9", 41005, WEB, 80, http_turns(post)),
        "app_http": ("tcp", "10.1.5.5", 41006, WEB, 80, http_turns(get)),
        "app_http_8080": ("tcp", "10.1.5.5", 41007, WEB, 8080, http_turns(get)),
        "app_tls": ("tcp", "10.1.5.5", 41008, TLS_SRV, 443,
                    tls_turns(real_client_hello("tls.servers.example"))),
        "app_smtp": ("tcp", "10.1.5.5", 41009, MX, 25, SMTP_TURNS),
        "app_dns": ("udp", "10.1.5.5", 53010, RESOLVER, 53,
                    plain_dns(0x1234, "intranet.servers.example", WEB)),
        "app_bin": ("tcp", "10.1.5.5", 41011, BIN_SRV, 9000, BINARY_TURNS),
        "tls_http": ("tcp", "10.1.6.5", 41012, WEB, 80, http_turns(post)),
        "tls_hello": ("tcp", "10.1.6.5", 41013, TLS_SRV, 443,
                      tls_turns(minimal_client_hello("tls.servers.example"))),
        "dns_partner": ("udp", "10.1.7.5", 53015, RESOLVER, 53, partner_dns()),
    }


def discover_flows():
    """Flows for discover mode, with repeats of some (from, to, proto, port, app)."""
    get = http_request("GET", "intranet.servers.example", "/")
    hello = real_client_hello("tls.servers.example")
    return {
        "b1": ("tcp", "10.1.1.5", 42001, WEB, 80, http_turns(get)),
        "b2": ("tcp", "10.1.1.6", 42002, WEB, 80, http_turns(get)),
        "b3": ("tcp", "10.1.1.7", 42003, WEB, 80, http_turns(get)),
        "b8080": ("tcp", "10.1.1.5", 42004, WEB, 8080, http_turns(get)),
        "bicmp": ("icmp", "10.1.1.5", 0, WEB, 0, []),
        "t1": ("tcp", "10.1.5.5", 42005, TLS_SRV, 443, tls_turns(hello)),
        "t2": ("tcp", "10.1.5.6", 42006, TLS_SRV, 443, tls_turns(hello)),
        "smtp": ("tcp", "10.1.5.5", 42007, MX, 25, SMTP_TURNS),
        "d1": ("udp", "10.1.5.5", 53001, RESOLVER, 53, plain_dns(1, "a.servers.example", WEB)),
        "d2": ("udp", "10.1.5.5", 53002, RESOLVER, 53, plain_dns(2, "b.servers.example", WEB)),
        "bin": ("tcp", "10.1.5.5", 42008, BIN_SRV, 9000, BINARY_TURNS),
        "ext": ("tcp", "10.9.9.9", 42009, WEB, 80, http_turns(get)),
        "out": ("tcp", "10.1.3.5", 42010, "192.0.2.80", 80, http_turns(get)),
    }


# (from, to, protocol, port, app) -> flows, for discover_flows()
DISCOVER_EXPECTED = {
    ("blocked-clients", "servers", "tcp", 80, "http"): 3,
    ("blocked-clients", "servers", "tcp", 8080, "http"): 1,
    ("blocked-clients", "servers", "icmp", 0, "any"): 1,
    ("app-clients", "servers", "tcp", 443, "tls"): 2,
    ("app-clients", "servers", "tcp", 25, "smtp"): 1,
    ("app-clients", "servers", "udp", 53, "dns"): 2,
    ("app-clients", "servers", "tcp", 9000, "any"): 1,
    ("external", "servers", "tcp", 80, "http"): 1,
    ("plain-clients", "external", "tcp", 80, "http"): 1,
}


def write_capture(path, flows):
    gens = [make_flow(i, spec) for i, spec in enumerate(flows.values())]
    tgpcap.Capture(gens).write(path)
    return path


def flow_key(spec):
    kind, client, cport, server, sport, _ = spec
    if kind == "icmp":
        return ("ICMP", client, server)
    return ("TCP" if kind == "tcp" else "UDP", client, cport, server, sport)


def ev_key(ev):
    if ev.get("proto") in ("TCP", "UDP"):
        return (ev["proto"], ev["src_ip"], ev["src_port"], ev["dest_ip"], ev["dest_port"])
    return (ev.get("proto"), ev.get("src_ip"), ev.get("dest_ip"))


def of_kind(ev, kind):
    """"alert": a policy verdict (an alert without a dlp object); "dlp": a finding (a
    threshold alert or a dlp event: an event with a dlp object); else the event type."""
    if kind == "alert":
        return ev.get("event_type") == "alert" and "dlp" not in ev
    if kind == "dlp":
        return "dlp" in ev
    return ev.get("event_type") == kind


def by_flow(flows, events, event_type, split=False):
    """{flow name: [events of that kind (of_kind)]}; every event must belong to a flow of
    the capture. The SPLIT flow is left out unless split is true."""
    names = {flow_key(spec): name for name, spec in flows.items()}
    out = {}
    for ev in events:
        if not of_kind(ev, event_type):
            continue
        k = ev_key(ev)
        assert k in names, "%s event for a flow not in the capture: %s" % (event_type, ev)
        if names[k] != SPLIT or split:
            out.setdefault(names[k], []).append(ev)
    return out


# ----------------------------------------------------------------------------------------
# Running the daemon
# ----------------------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def read_events(path):
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


class Served:
    """tollgated --read PCAP --serve --config FILE --events FILE, until stop()."""

    def __init__(self, d, pcap, config):
        self.d = d
        self.config = d / "tollgate.yaml"
        self.config.write_text(config)
        tokens = d / "tokens"
        tokens.write_text("admin %s\nread %s\n" % (ADMIN, READ))
        tokens.chmod(0o600)
        self.port = free_port()
        self.events_path = d / "events.jsonl"
        self.stats = d / "stats.json"
        self.stderr_path = d / "stderr.log"
        self.stderr = open(self.stderr_path, "w")
        self.p = subprocess.Popen(
            [BIN, "--read", str(pcap), "--serve", "--config", str(self.config),
             "--events", str(self.events_path), "--stats-json", str(self.stats),
             "--api-listen", "127.0.0.1:%d" % self.port, "--api-token-file", str(tokens),
             "--state-dir", str(d / "state")],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.stderr)
        deadline = time.time() + 30
        while time.time() < deadline:
            self.assert_alive()
            try:
                if self.stats.exists() and self.get("/healthz")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.05)
        else:
            self.stop()
            pytest.fail("tollgated --serve did not finish the capture and answer /healthz:\n" +
                        self.log())
        self.events = read_events(self.events_path)

    def log(self):
        self.stderr.flush()
        return self.stderr_path.read_text()

    def assert_alive(self):
        assert self.p.poll() is None, "tollgated exited with %s:\n%s" % (self.p.returncode,
                                                                           self.log())

    def request(self, method, path, body=None, token=READ):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path),
                                     method=method, data=data)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def get(self, path, token=READ):
        return self.request("GET", path, token=token)

    def get_json(self, path, token=READ):
        status, headers, body = self.get(path, token)
        assert status == 200, (path, status, body)
        return json.loads(body), headers

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.stderr.close()
        return self.p.returncode


def run_offline(d, pcap, config):
    cfg = d / "tollgate.yaml"
    cfg.write_text(config)
    events = d / "events.jsonl"
    cp = subprocess.run([BIN, "--read", str(pcap), "--config", str(cfg), "--events",
                         str(events), "--state-dir", str(d / "state"), "--api-listen", ""],
                        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert cp.returncode == 0, cp.stderr
    return read_events(events)


def check_config(path):
    return subprocess.run([BIN, "--check-config", str(path)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)


# ----------------------------------------------------------------------------------------
# Fixtures
# ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def tollgated():
    why = tgpcap.tollgated_missing_reason()
    if why:
        pytest.fail(why, pytrace=False)


@pytest.fixture(scope="module")
def captures(tmp_path_factory, tollgated):
    d = tmp_path_factory.mktemp("policy-pcaps")
    pf, df = policy_flows(), discover_flows()
    return {"policy": (write_capture(d / "policy.pcap", pf), pf),
            "discover": (write_capture(d / "discover.pcap", df), df)}


@pytest.fixture(scope="module")
def monitor(tmp_path_factory, captures):
    """The monitor run (dlp.enabled false), kept serving the API."""
    pcap, _ = captures["policy"]
    s = Served(tmp_path_factory.mktemp("monitor"), pcap, config_text("monitor", False))
    yield s
    rc = s.stop()
    assert rc == 0, s.log()


@pytest.fixture(scope="module")
def protect_events(tmp_path_factory, captures):
    """The protect run (dlp.enabled true: the dlp: section's default inspects the rest)."""
    pcap, _ = captures["policy"]
    return run_offline(tmp_path_factory.mktemp("protect"), pcap, config_text("protect", True))


@pytest.fixture(scope="module")
def discover(tmp_path_factory, captures):
    pcap, _ = captures["discover"]
    s = Served(tmp_path_factory.mktemp("discover"), pcap, config_text("discover", True))
    yield s
    rc = s.stop()
    assert rc == 0, s.log()


# ----------------------------------------------------------------------------------------
# 1. Verdicts, alerts, dlp and flow events
# ----------------------------------------------------------------------------------------

# flow -> (reason, rule, from_group, to_group, mode in monitor run)
ALERTS = {
    "blocked": ("deny", "deny-blocked", "blocked-clients", "servers", "monitor"),
    "strict": ("deny", "strict-deny", "strict-clients", "servers", "protect"),
    "unmatched": ("default_deny", None, "external", "servers", "monitor"),
    "app_http": ("deny", "deny-http", "app-clients", "servers", "monitor"),
    "app_http_8080": ("deny", "deny-http", "app-clients", "servers", "monitor"),
    "tls_http": ("require_tls", "tls-only", "tls-clients", "servers", "monitor"),
    "sni": ("deny", "deny-partners", "fqdn-clients", "partners", "monitor"),
}

# flow -> (rule, from_group, to_group, mode, action, app_proto) of the flow event (monitor)
FLOW_POLICY = {
    "sni": ("deny-partners", "fqdn-clients", "partners", "monitor", "deny", "tls"),
    "blocked": ("deny-blocked", "blocked-clients", "servers", "monitor", "deny", "http"),
    "dlp": ("dlp-watch", "dlp-clients", "servers", "monitor", "allow", "http"),
    "plain": ("plain-ok", "plain-clients", "servers", "monitor", "allow", "http"),
    "dlp_block": ("dlp-block", "dlp-block-clients", "servers", "monitor", "allow", "http"),
    "strict": ("strict-deny", "strict-clients", "servers", "protect", "deny", "http"),
    "unmatched": (None, "external", "servers", "monitor", "deny", "http"),
    "app_http": ("deny-http", "app-clients", "servers", "monitor", "deny", "http"),
    "app_http_8080": ("deny-http", "app-clients", "servers", "monitor", "deny", "http"),
    "app_tls": ("app-ok", "app-clients", "servers", "monitor", "allow", "tls"),
    "app_smtp": ("app-ok", "app-clients", "servers", "monitor", "allow", "smtp"),
    "app_dns": ("app-ok", "app-clients", "servers", "monitor", "allow", "dns"),
    "app_bin": ("app-ok", "app-clients", "servers", "monitor", "allow", None),
    "tls_http": ("tls-only", "tls-clients", "servers", "monitor", "allow", "http"),
    "tls_hello": ("tls-only", "tls-clients", "servers", "monitor", "allow", "tls"),
    "dns_partner": ("fqdn-out", "fqdn-clients", "servers", "monitor", "allow", "dns"),
}


def alert_summary(evs):
    return [(e["alert"]["reason"], e["alert"].get("rule"), e["alert"]["from_group"],
             e["alert"]["to_group"], e["alert"]["mode"], e["alert"]["action"]) for e in evs]


def test_monitor_alerts_only_for_denied_flows(monitor, captures):
    _, flows = captures["policy"]
    got = by_flow(flows, monitor.events, "alert")
    want = {name: [(reason, rule, fg, tg, mode, "blocked" if mode == "protect" else "allowed")]
            for name, (reason, rule, fg, tg, mode) in ALERTS.items()}
    assert {k: alert_summary(v) for k, v in got.items()} == want
    for name, evs in got.items():
        reason, rule, fg, tg, mode = ALERTS[name]
        # the exact object: the rule's signature, or default deny's (no "rule" key)
        assert evs[0]["alert"] == eve.policy_alert(
            reason, rule=rule, mode=mode, from_group=fg, to_group=tg,
            action="blocked" if mode == "protect" else "allowed"), evs[0]
        assert ("rule" in evs[0]["alert"]) == (rule is not None)
        # the alert carries the app once it is known (the deny-http verdict needs it)
        if name.startswith("app_http"):
            assert evs[0]["app_proto"] == "http"


def test_monitor_flow_events_carry_policy_and_app(monitor, captures):
    _, flows = captures["policy"]
    got = by_flow(flows, monitor.events, "flow")
    assert sorted(got) == sorted(set(flows) - {SPLIT}), "one flow event per flow"
    summary = {}
    for name, evs in got.items():
        assert len(evs) == 1, evs
        ev = evs[0]
        p = ev["policy"]
        summary[name] = (p["rule"], p["from_group"], p["to_group"], p["mode"], p["action"],
                         ev.get("app_proto"))
    assert summary == FLOW_POLICY


def test_dlp_events_only_for_the_bound_group_when_default_is_off(monitor, captures):
    _, flows = captures["policy"]
    got = by_flow(flows, monitor.events, "dlp")
    # dlp.enabled false: only the flows whose rule binds credit_card are inspected, by that
    # sensor only (the e-mail address next to the card is not reported); the same body in
    # the flows of the other groups gives nothing.
    assert sorted(got) == ["dlp", "dlp_block"], {k: [e["dlp"] for e in v]
                                                 for k, v in got.items()}
    for name, rule, rule_action in (("dlp", "dlp-watch", "alert"),
                                    ("dlp_block", "dlp-block", "block")):
        assert len(got[name]) == 1, got[name]
        # the card crossed the binding's threshold (1): an alert with the sensor's signature
        assert got[name][0]["event_type"] == "alert"
        assert got[name][0]["alert"] == eve.dlp_alert(
            "credit_card", rule=rule, threshold=1, mode="monitor", action="allowed",
            from_group=FLOW_POLICY[name][1], to_group="servers")
        d = got[name][0]["dlp"]
        # monitor mode: a block binding is reported, not enforced
        assert (d["rule"], d["rule_action"], d["action"], d["mode"], d["direction"]) == (
            rule, rule_action, "allowed", "monitor", "to_server"), d
        assert [(m["sensor"], m["redacted"]) for m in d["matches"]] == [
            ("credit_card", CARD.redacted)], d


def test_protect_mode_blocks_and_default_dlp_applies_to_unbound_groups(protect_events,
                                                                         captures):
    _, flows = captures["policy"]
    alerts = by_flow(flows, protect_events, "alert")
    want = {name: [(reason, rule, fg, tg, "protect", "blocked")]
            for name, (reason, rule, fg, tg, _) in ALERTS.items()}
    assert {k: alert_summary(v) for k, v in alerts.items()} == want

    fl = by_flow(flows, protect_events, "flow")
    for name, (rule, fg, tg, _, action, app) in FLOW_POLICY.items():
        p = fl[name][0]["policy"]
        # require_tls and a DLP block binding in protect mode block the flow: its verdict
        # is deny from then on
        if name in ("tls_http", "dlp_block"):
            action = "deny"
        assert (p["rule"], p["from_group"], p["to_group"], p["mode"], p["action"]) == (
            rule, fg, tg, "protect", action), (name, p)

    dlp = by_flow(flows, protect_events, "dlp")
    # Blocked flows are not inspected; the bound group gets its binding, the others the
    # dlp: section's default (every sensor, rule "default").
    assert sorted(dlp) == ["app_smtp", "dlp", "dlp_block", "plain"], {
        k: [e["dlp"] for e in v] for k, v in dlp.items()}
    rows = {name: sorted((e["dlp"]["rule"], e["dlp"]["rule_action"], e["dlp"]["action"],
                          e["dlp"]["mode"], m["sensor"])
                         for e in evs for m in e["dlp"]["matches"])
            for name, evs in dlp.items()}
    assert rows["dlp"] == [("dlp-watch", "alert", "allowed", "protect", "credit_card")]
    assert rows["dlp_block"] == [("dlp-block", "block", "blocked", "protect", "credit_card")]
    # one threshold alert per sensor; the block binding's is "blocked"
    assert [(e["event_type"], e["alert"]["signature_id"], e["alert"]["action"])
            for e in dlp["dlp_block"]] == [("alert", eve.sid_sensor("credit_card"),
                                            "blocked")]
    assert sorted(e["alert"]["metadata"]["sensor"][0] for e in dlp["plain"]
                  if e["event_type"] == "alert") == ["credit_card", "email"]
    assert rows["plain"] == [("default", "alert", "allowed", "protect", "credit_card"),
                             ("default", "alert", "allowed", "protect", "email")]
    assert {r[:4] for r in rows["app_smtp"]} == {("default", "alert", "allowed", "protect")}
    assert "email" in {r[4] for r in rows["app_smtp"]}


# ----------------------------------------------------------------------------------------
# 2. FQDN groups from DNS (through a CNAME) and from TLS SNI
# ----------------------------------------------------------------------------------------

def test_fqdn_group_learns_dns_and_sni_addresses(monitor):
    now = time.time()
    doc, _ = monitor.get_json("/v1/labels/groups")
    by = {g["name"]: g for g in doc["groups"]}
    partners = by["partners"]
    got = sorted((x["ip"], x["name"]) for x in partners["fqdn_ips"] if x["ip"] != PARTNER_BIG_IP)
    assert got == [(PARTNER_SNI_IP, "files.partner.example"),
                   (PARTNER_DNS_IP, "api.partner.example")], partners
    exp = {x["ip"]: x["expires"] for x in partners["fqdn_ips"]}
    # DNS: the smallest TTL along the chain (A 300 s under a CNAME of 3600 s); SNI: 300 s.
    assert now - 60 < exp[PARTNER_DNS_IP] <= now + 301, exp
    assert now - 60 < exp[PARTNER_SNI_IP] <= now + 301, exp
    assert partners["label_ips"] == [] and partners["cidrs"] == []
    # Names that match no pattern are not listed anywhere.
    for name, g in by.items():
        if name != "partners":
            assert g["fqdn_ips"] == [], g


def test_sni_puts_the_server_in_the_partners_group(monitor, captures):
    _, flows = captures["policy"]
    fl = by_flow(flows, monitor.events, "flow")["sni"][0]
    assert fl["policy"]["to_group"] == "partners"
    assert fl["policy"]["rule"] == "deny-partners"
    assert fl["app_proto"] == "tls"
    al = by_flow(flows, monitor.events, "alert")["sni"]
    assert [a["alert"]["to_group"] for a in al] == ["partners"]


def test_sni_in_the_second_segment_of_a_large_client_hello(monitor, captures):
    """A ClientHello bigger than one segment (post-quantum key share): its SNI is in the
    second TCP segment. The server must still join the FQDN group at once (docs: "An SNI
    puts the server of that very connection in the group at once")."""
    _, flows = captures["policy"]
    fl = by_flow(flows, monitor.events, "flow", split=True)[SPLIT]
    assert len(fl) == 1 and fl[0]["app_proto"] == "tls"
    assert (fl[0]["policy"]["to_group"], fl[0]["policy"]["rule"]) == (
        "partners", "deny-partners"), fl[0]["policy"]
    al = by_flow(flows, monitor.events, "alert", split=True).get(SPLIT, [])
    assert alert_summary(al) == [("deny", "deny-partners", "fqdn-clients", "partners",
                                  "monitor", "allowed")]
    doc, _ = monitor.get_json("/v1/labels/groups")
    partners = next(g for g in doc["groups"] if g["name"] == "partners")
    assert (PARTNER_BIG_IP, "big.partner.example") in {(x["ip"], x["name"])
                                                        for x in partners["fqdn_ips"]}


# ----------------------------------------------------------------------------------------
# 3. Discover mode
# ----------------------------------------------------------------------------------------

def learned_key(rule):
    port = int(rule["ports"][0]) if rule["ports"] else 0
    return (rule["from"], rule["to"], rule["protocol"], port, rule["app"])


def test_discover_never_alerts_and_learns_one_candidate_per_tuple(discover, captures):
    _, flows = captures["discover"]
    # no policy alert; personal data past a threshold is still a (dlp threshold) alert
    assert [e for e in discover.events if of_kind(e, "alert")] == []
    assert {e["alert"]["reason"] for e in discover.events
            if e["event_type"] == "alert"} <= {"dlp_threshold"}
    fl = by_flow(flows, discover.events, "flow")
    assert sorted(fl) == sorted(flows)
    for name, evs in fl.items():
        assert evs[0]["policy"]["mode"] == "discover", evs
    # deny-blocked matched (the verdict is reported) but nothing was alerted
    assert fl["b1"][0]["policy"]["rule"] == "deny-blocked"

    doc, _ = discover.get_json("/v1/learned")
    assert set(doc) == {"rules", "observations", "dropped"} and doc["dropped"] == 0
    rules, obs = doc["rules"], doc["observations"]
    assert [r["id"] for r in rules] == [o["id"] for o in obs]
    keys = [learned_key(r) for r in rules]
    assert len(keys) == len(set(keys)), keys
    counts = {learned_key(r): o["flows"] for r, o in zip(rules, obs)}
    assert counts == DISCOVER_EXPECTED
    for r, o in zip(rules, obs):
        f, t, proto, port, app = learned_key(r)
        assert r["id"] == "learned-%s-%s-%s-%d-%s" % (f, t, proto, port, app)
        assert r["action"] == "allow" and r["require_tls"] is False and r["dlp"] == []
        assert r["ports"] == ([str(port)] if port else [])
        assert o["first_seen"] <= o["last_seen"]
        assert r["comment"].startswith("learned: %d flow%s, first " % (
            o["flows"], "" if o["flows"] == 1 else "s"))


def test_learned_candidates_are_accepted_by_post_rules(discover):
    doc, _ = discover.get_json("/v1/learned")
    for cand in doc["rules"]:
        status, _, body = discover.request("POST", "/v1/rules", cand, token=ADMIN)
        assert status == 201, (cand, body)
        assert json.loads(body) == cand
    listed, _ = discover.get_json("/v1/rules")
    by_id = {r["id"]: r for r in listed["rules"]}
    for cand in doc["rules"]:
        assert by_id.get(cand["id"]) == cand
    # read tokens cannot add rules
    status, _, _ = discover.request("POST", "/v1/rules", dict(doc["rules"][0], id="x-read"))
    assert status == 403


# ----------------------------------------------------------------------------------------
# 4. --check-config
# ----------------------------------------------------------------------------------------

def pos_of(text, needle, nth=0):
    """1-based (line, column) of the nth occurrence of needle in text."""
    i = -1
    for _ in range(nth + 1):
        i = text.index(needle, i + 1)
    line = text.count("\n", 0, i) + 1
    return line, i - (text.rfind("\n", 0, i) + 1) + 1


def test_check_config_valid_file_prints_counts(tmp_path, tollgated):
    cfg = tmp_path / "ok.yaml"
    cfg.write_text(config_text("monitor", True))
    cp = check_config(cfg)
    assert cp.returncode == 0, cp.stderr
    m = re.fullmatch(r"(.*): configuration is valid \((\d+) groups, (\d+) rules, (\d+) "
                     r"sensors\)\n", cp.stdout)
    assert m, cp.stdout
    assert (m.group(1), int(m.group(2)), int(m.group(3))) == (str(cfg), 10, 10)
    # 24 built-in sensors; one disabled and one custom class keep the count at 24
    cfg2 = tmp_path / "ok2.yaml"
    cfg2.write_text(config_text("monitor", True).replace(
        "dlp:\n  enabled: true\n",
        "dlp:\n  enabled: true\n  disabled: [phone]\n  custom:\n    - name: patient_id\n"
        "      patterns: ['PAT-[0-9]{8}']\n"))
    cp2 = check_config(cfg2)
    assert cp2.returncode == 0, cp2.stderr
    assert cp.stdout.replace(str(cfg), "F") == cp2.stdout.replace(str(cfg2), "F")
    assert int(m.group(4)) == 24, cp.stdout


def test_check_config_unknown_group_names_line_and_column(tmp_path, tollgated):
    text = config_text("monitor", False, rules="""\
  rules:
    - id: r0
      from: blocked-clients
      to: nowhere
      action: deny
""")
    cfg = tmp_path / "bad-group.yaml"
    cfg.write_text(text)
    cp = check_config(cfg)
    assert cp.returncode == 1 and cp.stdout == ""
    line, col = pos_of(text, "nowhere")
    assert (line, col) == (text.count("\n", 0, text.index("to: nowhere")) + 1, 11)
    assert cp.stderr.startswith(
        "%s:%d:%d: policy.rules[0].to: unknown group (got nowhere, expected one of: any, "
        "external, blocked-clients," % (cfg, line, col)), cp.stderr


def test_check_config_binding_to_unknown_or_disabled_sensor(tmp_path, tollgated):
    rules = """\
  rules:
    - id: ok-rule
      from: any
      to: servers
      action: allow
    - id: bound
      from: dlp-clients
      to: servers
      action: allow
      dlp:
        - {sensor: credit_card, action: alert}
        - {sensor: %s, action: block, threshold: 2}
"""
    cfg = tmp_path / "bad-sensor.yaml"
    cfg.write_text(config_text("monitor", True, rules=rules % "no_such_sensor"))
    cp = check_config(cfg)
    assert cp.returncode == 1 and cp.stdout == ""
    assert "policy.rules[1].dlp[1].sensor: unknown sensor (got no_such_sensor" in cp.stderr
    assert cp.stderr.startswith(str(cfg) + ":"), cp.stderr
    # a disabled built-in is not bindable either
    cfg2 = tmp_path / "disabled-sensor.yaml"
    cfg2.write_text(config_text("monitor", True, rules=rules % "phone").replace(
        "dlp:\n  enabled: true\n", "dlp:\n  enabled: true\n  disabled: [phone]\n"))
    cp2 = check_config(cfg2)
    assert cp2.returncode == 1
    assert "policy.rules[1].dlp[1].sensor: unknown sensor (got phone" in cp2.stderr


@pytest.mark.parametrize("value, problem", [
    ("10.1.1.1/24", "host bits set (got 10.1.1.1/24, expected 10.1.1.0/24)"),
    ("10.1.1.0/33", "bad prefix length"),
    ("10.1.300.0/24", "not a CIDR"),
])
def test_check_config_bad_cidr(tmp_path, tollgated, value, problem):
    text = config_text("monitor", False).replace("cidrs: [10.1.2.0/24]",
                                                 "cidrs: [10.1.2.0/24, %s]" % value)
    cfg = tmp_path / "bad-cidr.yaml"
    cfg.write_text(text)
    cp = check_config(cfg)
    assert cp.returncode == 1 and cp.stdout == ""
    line, col = pos_of(text, value)
    assert cp.stderr.startswith("%s:%d:%d: policy.groups[1].cidrs[1]: %s" % (
        cfg, line, col, problem)), cp.stderr


@pytest.mark.parametrize("selector", ["app in (web", "app in ()", "=web", "app=~web",
                                      "app==web,,tier=db", "app=-web"])
def test_check_config_bad_selector(tmp_path, tollgated, selector):
    text = config_text("monitor", False).replace(
        "    - name: servers\n",
        "    - name: servers\n      selector: \"%s\"\n" % selector)
    cfg = tmp_path / "bad-selector.yaml"
    cfg.write_text(text)
    cp = check_config(cfg)
    assert cp.returncode == 1 and cp.stdout == ""
    line, col = pos_of(text, '"%s"' % selector)
    assert cp.stderr.startswith("%s:%d:%d: policy.groups[8].selector: invalid label "
                                "selector" % (cfg, line, col)), cp.stderr


def test_check_config_good_selector_is_valid(tmp_path, tollgated):
    text = config_text("monitor", False).replace(
        "    - name: servers\n",
        "    - name: servers\n      selector: \"app in (web,api),tier!=db,!legacy\"\n")
    cfg = tmp_path / "good-selector.yaml"
    cfg.write_text(text)
    cp = check_config(cfg)
    assert cp.returncode == 0, cp.stderr


# ----------------------------------------------------------------------------------------
# 5. SIGHUP (last: it changes the monitor daemon's policy)
# ----------------------------------------------------------------------------------------

RELOADED_RULES = """\
  rules:
    - id: hup-added
      from: plain-clients
      to: partners
      protocol: tcp
      ports: [443, 8443]
      app: tls
      action: deny
      comment: added by the reload
    - id: deny-blocked
      from: blocked-clients
      to: servers
      action: deny
"""


def test_sighup_reloads_policy_and_refuses_a_broken_file(monitor):
    before, h0 = monitor.get_json("/v1/policy")
    assert [r["id"] for r in before["rules"]][:2] == ["deny-blocked", "dlp-watch"]
    assert before["default_action"] == "deny" and before["mode"] == "monitor"

    new_text = config_text("protect", False, default_action="allow", rules=RELOADED_RULES)
    monitor.config.write_text(new_text)
    monitor.p.send_signal(signal.SIGHUP)
    deadline = time.time() + 60
    while True:
        monitor.assert_alive()
        now, _ = monitor.get_json("/v1/policy")
        if [r["id"] for r in now["rules"]] == ["hup-added", "deny-blocked"]:
            break
        assert time.time() < deadline, "SIGHUP: policy not reloaded within 60 s:\n" + \
            monitor.log()
        time.sleep(0.05)
    assert now["mode"] == "protect" and now["default_action"] == "allow"
    assert now["rules"][0] == {"id": "hup-added", "from": "plain-clients", "to": "partners",
                               "protocol": "tcp", "ports": ["443", "8443"], "app": "tls",
                               "action": "deny", "require_tls": False, "capture": None,
                               "dlp": [],
                               "comment": "added by the reload"}
    assert [g["name"] for g in now["groups"]] == [g["name"] for g in before["groups"]]
    status, h1, body_ok = monitor.get("/v1/policy")
    assert status == 200 and h1["ETag"] != h0["ETag"]
    # a reload reads the file, it does not write it back
    assert monitor.config.read_text() == new_text

    # Files that do not load are refused with a log line; the policy stays exactly as it is.
    broken_rules = """\
  rules:
    - id: broken
      from: plain-clients
      to: nowhere
      action: deny
"""
    for text, why in ((config_text("monitor", False, rules=broken_rules),
                       "policy.rules[0].to: unknown group (got nowhere"),
                      (new_text.replace("  mode: protect\n", "  mode: [protect\n"), "")):
        nlog = len(monitor.log())
        monitor.config.write_text(text)
        monitor.p.send_signal(signal.SIGHUP)
        deadline = time.time() + 60
        while "reload refused" not in monitor.log()[nlog:]:
            monitor.assert_alive()
            assert time.time() < deadline, "no log line for the refused reload:\n" + \
                monitor.log()
            time.sleep(0.05)
        refused = monitor.log()[nlog:]
        assert why in refused and str(monitor.config) in refused, refused
        status, h2, body = monitor.get("/v1/policy")
        assert status == 200 and body == body_ok and h2["ETag"] == h1["ETag"]
        monitor.assert_alive()
        assert monitor.get("/healthz")[0] == 200
