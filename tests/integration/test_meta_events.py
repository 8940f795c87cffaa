"""Suricata-style tls and dns metadata events (events.tls, events.dns; off by default),
through the real daemon over a scapy-written capture: exact objects. TLS: the server name,
the version the ServerHello settles on (TLS 1.3 from supported_versions, TLS 1.2 from the
legacy field, UNDETERMINED without a ServerHello), the JA3 string and its MD5 (checked
against hashlib), GREASE left out, a ClientHello split over records and segments. DNS: a
query, answers with a CNAME chain, AAAA, MX and NXDOMAIN, and a malformed message that is
counted instead of reported."""
import hashlib
import json
import random
import struct

import pytest
from scapy.all import DNS, DNSQR, DNSRR, IP, UDP

import eve
import tgpcap
from tgpcap import C2S, S2C, EPOCH_US

CLIENT = "10.63.0.1"
SERVER = "10.63.1.1"
RESOLVER = "10.63.2.53"
ON = "events:\n  tls: true\n  dns: true\n"

# ---- TLS messages, written out field by field ----------------------------------------

GREASE = (0x0A0A, 0x1A1A, 0x2A2A, 0xFAFA)


def ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def sni_ext(name):
    n = name.encode()
    entry = b"\x00" + struct.pack("!H", len(n)) + n
    return 0, struct.pack("!H", len(entry)) + entry


def groups_ext(groups):
    b = b"".join(struct.pack("!H", g) for g in groups)
    return 10, struct.pack("!H", len(b)) + b


def formats_ext(formats):
    return 11, bytes([len(formats)]) + bytes(formats)


def versions_ext(versions):
    b = b"".join(struct.pack("!H", v) for v in versions)
    return 43, bytes([len(b)]) + b


def records(hs, pieces=1):
    """The handshake message hs in `pieces` TLS records."""
    cut = [len(hs) * i // pieces for i in range(pieces + 1)]
    return b"".join(b"\x16\x03\x01" + struct.pack("!H", cut[i + 1] - cut[i]) +
                    hs[cut[i]:cut[i + 1]] for i in range(pieces))


def client_hello(version, ciphers, exts, pieces=1):
    body = struct.pack("!H", version) + bytes(range(32)) + b"\x00"
    body += struct.pack("!H", 2 * len(ciphers)) + b"".join(struct.pack("!H", c)
                                                            for c in ciphers)
    body += b"\x01\x00"
    e = b"".join(ext(t, b) for t, b in exts)
    body += struct.pack("!H", len(e)) + e
    return records(b"\x01" + len(body).to_bytes(3, "big") + body, pieces)


def server_hello(legacy, selected=None):
    body = struct.pack("!H", legacy) + bytes(32) + b"\x00" + b"\x13\x01" + b"\x00"
    if selected is not None:
        e = ext(43, struct.pack("!H", selected))
        body += struct.pack("!H", len(e)) + e
    return records(b"\x02" + len(body).to_bytes(3, "big") + body)


def ja3(version, ciphers, exts):
    """The JA3 string, from the fields as the test chose them (the oracle)."""
    def keep(vals):
        return "-".join(str(v) for v in vals if v not in GREASE)
    groups, formats = [], []
    for t, b in exts:
        if t == 10:
            groups = [struct.unpack_from("!H", b, 2 + 2 * i)[0]
                      for i in range((len(b) - 2) // 2)]
        if t == 11:
            formats = list(b[1:])
    return "%d,%s,%s,%s,%s" % (version, keep(ciphers), keep(t for t, _ in exts),
                               keep(groups), keep(formats))


# ---- the capture ----------------------------------------------------------------------

class Udp(tgpcap._FlowGen):
    """A UDP flow of the given (side, payload) datagrams."""

    def __init__(self, rng, cport, server, sport, msgs, **kw):
        super().__init__(rng, CLIENT, cport, server, sport, "UDP", **kw)
        for d, payload in msgs:
            a, b = self.addr[d], self.addr[1 - d]
            p, q = self.port[d], self.port[1 - d]
            self._emit(d, bytes(self._l2(d) / IP(src=a, dst=b, id=self._next_ipid(d)) /
                                UDP(sport=p, dport=q) / payload))


TLS13 = dict(version=0x0303, ciphers=[0x0A0A, 0x1301, 0x1302, 0xC02B],
             exts=[(0x1A1A, b""), sni_ext("WWW.Example.ORG"), groups_ext([0x2A2A, 29, 23, 24]),
                   formats_ext([0]), versions_ext([0xFAFA, 0x0304, 0x0303]), (13, b"\x00\x02\x04\x03")])
TLS12 = dict(version=0x0303, ciphers=[0xC02F, 0xC030, 0x009C], exts=[groups_ext([23]),
                                                                     formats_ext([0, 1, 2])])
QUERY = DNS(id=0x1234, rd=1, qd=DNSQR(qname="www.example.org", qtype="A"))
ANSWER = DNS(id=0x1234, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.example.org", qtype="A"),
             an=DNSRR(rrname="www.example.org", type="CNAME", ttl=300,
                      rdata="edge.cdn.example.net") /
             DNSRR(rrname="edge.cdn.example.net", type="A", ttl=60, rdata="198.51.100.7") /
             DNSRR(rrname="edge.cdn.example.net", type="A", ttl=60, rdata="198.51.100.8"))
NXDOMAIN = DNS(id=7, qr=1, aa=1, rd=1, ra=1, rcode=3,
               qd=DNSQR(qname="nope.example.org", qtype="AAAA"))
AAAA = DNS(id=8, qr=1, rd=1, qd=DNSQR(qname="v6.example.org", qtype="AAAA"),
           an=DNSRR(rrname="v6.example.org", type="AAAA", ttl=3600, rdata="2001:db8::7"))
MX = DNS(id=9, qr=1, rd=1, ra=1, qd=DNSQR(qname="example.org", qtype="MX"),
         an=DNSRR(rrname="example.org", type="MX", ttl=120,
                  rdata=b"\x00\x0a\x02mx\x07example\x03org\x00"))


def question(answer):
    """The query an answer answers: same id and question, RD set."""
    return DNS(id=answer.id, rd=1, qd=answer.qd)


def _tcp(port, index):
    return tgpcap.TcpSession(random.Random(port), CLIENT, port, SERVER, 443,
                             start_us=EPOCH_US + index * 5000, mac_base=2 + 2 * index)


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    d = tmp_path_factory.mktemp("meta-events")
    gens = []
    # TLS 1.3, the ClientHello in two records and three segments
    s = _tcp(46001, 0)
    hello = client_hello(pieces=2, **TLS13)
    s.turn(C2S, hello, sizes=[40, 30, len(hello) - 70])
    s.turn(S2C, server_hello(0x0303, 0x0304) + b"\x14\x03\x03\x00\x01\x01")
    s.close(C2S)
    gens.append(s)
    # TLS 1.2, no server name
    s = _tcp(46002, 1)
    s.turn(C2S, client_hello(**TLS12))
    s.turn(S2C, server_hello(0x0303))
    s.close(C2S)
    gens.append(s)
    # a ClientHello never answered
    s = _tcp(46003, 2)
    s.turn(C2S, client_hello(0x0303, [0x1301], [sni_ext("quiet.example.net")]))
    s.close(C2S)
    gens.append(s)
    rng = random.Random(5)
    gens.append(Udp(rng, 53001, RESOLVER, 53, [(C2S, bytes(QUERY)), (S2C, bytes(ANSWER))],
                    start_us=EPOCH_US + 20000, mac_base=20))
    # each flow starts with its query: the side that sends first is the client
    gens.append(Udp(rng, 53002, RESOLVER, 53, [(C2S, bytes(question(NXDOMAIN))),
                                               (S2C, bytes(NXDOMAIN))],
                    start_us=EPOCH_US + 21000, mac_base=22))
    gens.append(Udp(rng, 53003, RESOLVER, 53, [(C2S, bytes(question(AAAA))),
                                               (S2C, bytes(AAAA)),
                                               (C2S, bytes(question(MX))), (S2C, bytes(MX))],
                    start_us=EPOCH_US + 22000, mac_base=24))
    # a query, then an answer cut short: no event for it, a counter
    gens.append(Udp(rng, 53004, RESOLVER, 53, [(C2S, bytes(QUERY)),
                                               (S2C, bytes(ANSWER)[:30])],
                    start_us=EPOCH_US + 23000, mac_base=26))
    pcap = d / "meta.pcap"
    tgpcap.Capture(gens).write(pcap)
    return str(pcap)


def run(tmp_path, pcap, config=None):
    args = ["--read", pcap, "--events", tmp_path / "ev.json", "--state-dir", tmp_path / "st",
            "--stats-json", tmp_path / "stats.json"]
    if config is not None:
        (tmp_path / "c.yaml").write_text(config)
        args += ["--config", tmp_path / "c.yaml"]
    res = tgpcap.run_tollgated([str(a) for a in args])
    assert res.rc == 0, res.stderr
    evs = [json.loads(line) for line in (tmp_path / "ev.json").read_text().splitlines()]
    return evs, json.loads((tmp_path / "stats.json").read_text())


def test_tls_and_dns_events_are_off_by_default(tmp_path, capture, tollgated_bin):
    evs, st = run(tmp_path, capture)
    assert not [e for e in evs if e["event_type"] in ("tls", "dns")]
    assert st["meta_unparsed"] == 0
    assert len([e for e in evs if e["event_type"] == "flow"]) == 7


def test_one_tls_event_per_handshake_with_version_sni_and_ja3(tmp_path, capture,
                                                               tollgated_bin):
    evs, _ = run(tmp_path, capture, ON)
    assert eve.validate(evs) == []
    tls = sorted((e for e in evs if e["event_type"] == "tls"), key=lambda e: e["src_port"])
    got = [(e["src_ip"], e["src_port"], e["dest_ip"], e["dest_port"], e["proto"],
            e["app_proto"], e["tls"]) for e in tls]
    s13 = ja3(**TLS13)
    assert s13 == "771,4865-4866-49195,0-10-11-43-13,29-23-24,0"
    s12 = ja3(**TLS12)
    assert s12 == "771,49199-49200-156,10-11,23,0-1-2"
    s_quiet = "771,4865,0,,"
    assert got == [
        (CLIENT, 46001, SERVER, 443, "TCP", "tls",
         {"sni": "www.example.org", "version": "TLS 1.3",
          "ja3": {"hash": hashlib.md5(s13.encode()).hexdigest(), "string": s13}}),
        (CLIENT, 46002, SERVER, 443, "TCP", "tls",
         {"version": "TLS 1.2",
          "ja3": {"hash": hashlib.md5(s12.encode()).hexdigest(), "string": s12}}),
        (CLIENT, 46003, SERVER, 443, "TCP", "tls",
         {"sni": "quiet.example.net", "version": "UNDETERMINED",
          "ja3": {"hash": hashlib.md5(s_quiet.encode()).hexdigest(), "string": s_quiet}}),
    ], json.dumps(got, indent=1)


def test_one_dns_event_per_message_with_suricata_fields(tmp_path, capture, tollgated_bin):
    evs, st = run(tmp_path, capture, ON)
    dns = [(e["src_port"], e["dest_ip"], e["dest_port"], e["proto"], e["app_proto"],
            e["dns"]) for e in evs if e["event_type"] == "dns"]
    query = {"type": "query", "id": 0x1234, "rrname": "www.example.org", "rrtype": "A",
             "opcode": 0}
    assert sorted(dns, key=lambda x: (x[0], x[5]["type"] == "answer", x[5]["id"])) == [
        (53001, RESOLVER, 53, "UDP", "dns", query),
        (53001, RESOLVER, 53, "UDP", "dns",
         {"version": 2, "type": "answer", "id": 0x1234, "flags": "8180", "qr": True,
          "rd": True, "ra": True, "opcode": 0, "rrname": "www.example.org", "rrtype": "A",
          "rcode": "NOERROR", "answers": [
              {"rrname": "www.example.org", "rrtype": "CNAME", "ttl": 300,
               "rdata": "edge.cdn.example.net"},
              {"rrname": "edge.cdn.example.net", "rrtype": "A", "ttl": 60,
               "rdata": "198.51.100.7"},
              {"rrname": "edge.cdn.example.net", "rrtype": "A", "ttl": 60,
               "rdata": "198.51.100.8"}]}),
        (53002, RESOLVER, 53, "UDP", "dns",
         {"type": "query", "id": 7, "rrname": "nope.example.org", "rrtype": "AAAA",
          "opcode": 0}),
        (53002, RESOLVER, 53, "UDP", "dns",
         {"version": 2, "type": "answer", "id": 7, "flags": "8583", "qr": True, "aa": True,
          "rd": True, "ra": True, "opcode": 0, "rrname": "nope.example.org",
          "rrtype": "AAAA", "rcode": "NXDOMAIN"}),
        (53003, RESOLVER, 53, "UDP", "dns",
         {"type": "query", "id": 8, "rrname": "v6.example.org", "rrtype": "AAAA",
          "opcode": 0}),
        (53003, RESOLVER, 53, "UDP", "dns",
         {"type": "query", "id": 9, "rrname": "example.org", "rrtype": "MX", "opcode": 0}),
        (53003, RESOLVER, 53, "UDP", "dns",
         {"version": 2, "type": "answer", "id": 8, "flags": "8100", "qr": True, "rd": True,
          "opcode": 0, "rrname": "v6.example.org", "rrtype": "AAAA", "rcode": "NOERROR",
          "answers": [{"rrname": "v6.example.org", "rrtype": "AAAA", "ttl": 3600,
                       "rdata": "2001:db8::7"}]}),
        (53003, RESOLVER, 53, "UDP", "dns",
         {"version": 2, "type": "answer", "id": 9, "flags": "8180", "qr": True, "rd": True,
          "ra": True, "opcode": 0, "rrname": "example.org", "rrtype": "MX",
          "rcode": "NOERROR", "answers": [{"rrname": "example.org", "rrtype": "MX",
                                           "ttl": 120, "rdata": "mx.example.org"}]}),
        (53004, RESOLVER, 53, "UDP", "dns", query),
    ], json.dumps(dns, indent=1)
    # the answer cut short is counted, not reported
    assert st["meta_unparsed"] == 1
