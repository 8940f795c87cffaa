#!/usr/bin/python3
"""Tollgate test-capture generator and checker.

Builds realistic, deterministic (seeded) Ethernet pcaps with scapy and returns, for every
flow in them, exactly what tollgated must report: the reassembled bytes of each TCP
direction (what --dump-streams must write) and the flow-event counters (what --events must
say). It also holds the helpers that run the daemon and compare its output with the
expectation, so the integration and end-to-end suites share one oracle.

Model of a TCP session (TcpSession):
  * optional 3-way handshake (SYN with MSS/SACK/TS/WS options), or a midstream pickup;
  * the application is a list of turns; each turn is one side sending bytes, split into
    seeded random segment sizes (mostly full-MSS, some random, some tiny);
  * after every data segment as emitted (after reordering/duplication), the peer sends an
    ACK for the highest CONTIGUOUS byte it has received so far, so no ACK ever covers
    bytes the capture has not shown, except for a segment deliberately dropped from the
    capture (the peer did receive it: that is how a gap looks on the wire);
  * options: reorder within a window, duplicate (retransmit identical payload), IPv4
    fragmentation (scapy fragment()), IPv6 fragmentation (IPv6ExtHdrFragment +
    fragment6()), VLAN / QinQ tags, IPv6, ISNs near 2^32 (wraparound), a dropped segment
    (gap), an overlapping retransmission with different bytes (first copy must be kept);
  * FIN/ACK close from both sides (or RST); timestamps strictly increase, all fragments of
    one datagram share the datagram's timestamp.

Counting rules (the daemon contract): a packet is an IP datagram after defragmentation;
its bytes are len(bytes(frame)) of the unfragmented Ethernet frame as scapy builds it (VLAN
tags included, no padding). Every captured datagram counts, duplicates included; dropped
segments do not.

Run `/usr/bin/python3 tests/pcap/tgpcap.py --list` to see the case catalogue and
`--case NAME --out DIR` to write one case (pcap(s), expected.json, expected streams).
"""

import base64
import datetime
import hashlib
import json
import os
import random
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scapy.config import conf as _scapy_conf

_scapy_conf.verb = 0
from scapy.layers.dns import DNS, DNSQR, DNSRR  # noqa: E402
from scapy.layers.inet import ICMP, IP, TCP, UDP, fragment  # noqa: E402
from scapy.layers.inet6 import (  # noqa: E402
    ICMPv6EchoReply,
    ICMPv6EchoRequest,
    IPv6,
    IPv6ExtHdrFragment,
    fragment6,
)
from scapy.layers.l2 import Dot1Q, Ether  # noqa: E402
from scapy.packet import Raw  # noqa: E402
from scapy.utils import RawPcapWriter  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]

# 2026-11-23T13:25:37Z: every capture starts here (plus a per-flow offset).
EPOCH_US = int(datetime.datetime(2026, 11, 23, 13, 25, 37,
                                 tzinfo=datetime.timezone.utc).timestamp()) * 1_000_000

MAX_FRAGS = 8           # fragments per datagram the generators make, at most
TPID_QINQ = 0x88A8      # 802.1ad service tag, used for the outer tag of a QinQ pair

C2S, S2C = 0, 1
DIR_NAME = ("c2s", "s2c")


def fmt_ts(us):
    """EVE timestamp of a microsecond epoch value, UTC: 2026-11-23T13:25:37.123456+0000."""
    dt = datetime.datetime.fromtimestamp(us // 1_000_000, tz=datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%06d+0000" % (us % 1_000_000)


def ntop(addr):
    """Address as inet_ntop writes it (what the stream file names use)."""
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return socket.inet_ntop(fam, socket.inet_pton(fam, addr))


def stream_name(client_ip, client_port, server_ip, server_port, direction):
    return "%s_%d_%s_%d_%s.bin" % (ntop(client_ip), client_port, ntop(server_ip),
                                   server_port, DIR_NAME[direction])


def _mac(n):
    return "02:00:00:%02x:%02x:%02x" % ((n >> 16) & 0xFF, (n >> 8) & 0xFF, n & 0xFF)


def _l2(src_mac, dst_mac, vlans, qinq_tpid=TPID_QINQ):
    """Ethernet header with zero or more VLAN tags (outermost first). With two or more tags
    the outer one uses the 802.1ad TPID unless qinq_tpid is 0x8100."""
    if not vlans:
        return Ether(src=src_mac, dst=dst_mac)
    eth = Ether(src=src_mac, dst=dst_mac, type=qinq_tpid if len(vlans) > 1 else 0x8100)
    layers = eth
    for vid in vlans:
        layers = layers / Dot1Q(vlan=vid, prio=0)
    return layers


# --------------------------------------------------------------------------------------
# Expectations
# --------------------------------------------------------------------------------------

@dataclass
class FlowExpect:
    """What the daemon must report for one flow."""
    proto: str                          # "TCP", "UDP", "ICMP", "IPv6-ICMP"
    client_ip: str
    client_port: int
    server_ip: str
    server_port: int
    pkts_toserver: int = 0
    pkts_toclient: int = 0
    bytes_toserver: int = 0
    bytes_toclient: int = 0
    start_us: int = 0
    end_us: int = 0
    state: str = None                   # None: not asserted (UDP / ICMP)
    gaps: int = 0
    overlaps_different: int = 0
    overlaps_at_least: bool = False     # overlaps_different is a minimum, not exact
    c2s: bytes = b""                    # TCP: reassembled bytes the dump must hold
    s2c: bytes = b""
    vlans: tuple = ()
    fragmented: int = 0                 # datagrams sent as fragments (defrag counter)
    frames: int = 0                     # frames in the capture (fragments each count)
    frame_bytes: int = 0                # bytes of those frames

    @property
    def has_ports(self):
        return self.proto in ("TCP", "UDP")

    def label(self):
        if self.has_ports:
            return "%s %s:%d -> %s:%d" % (self.proto, self.client_ip, self.client_port,
                                          self.server_ip, self.server_port)
        return "%s %s -> %s" % (self.proto, self.client_ip, self.server_ip)

    def streams(self):
        """{file name: bytes} the --dump-streams directory must hold for this flow."""
        if self.proto != "TCP":
            return {}
        out = {}
        for d, data in ((C2S, self.c2s), (S2C, self.s2c)):
            if data:
                out[stream_name(self.client_ip, self.client_port, self.server_ip,
                                self.server_port, d)] = bytes(data)
        return out

    def to_json(self):
        d = {k: v for k, v in self.__dict__.items() if k not in ("c2s", "s2c")}
        d["vlans"] = list(self.vlans)
        d["start"] = fmt_ts(self.start_us)
        d["end"] = fmt_ts(self.end_us)
        for name, data in (("c2s", self.c2s), ("s2c", self.s2c)):
            d[name + "_len"] = len(data)
            d[name + "_sha256"] = hashlib.sha256(data).hexdigest()
        return d


class _FlowGen:
    """Common part of the generators: packet records and their accounting."""

    def __init__(self, rng, client_ip, client_port, server_ip, server_port, proto, *,
                 vlans=(), start_us=EPOCH_US, step_us=(20, 200), mac_base=1):
        self.rng = rng
        self.family = 6 if ":" in client_ip else 4
        self.addr = (client_ip, server_ip)
        self.port = (client_port, server_port)
        self.vlans = tuple(vlans)
        self.mac = (_mac(mac_base), _mac(mac_base + 1))
        self.t_us = start_us
        self.step_us = step_us
        self.records = []                   # (t_us, frame bytes)
        self.exp = FlowExpect(proto, client_ip, client_port, server_ip, server_port,
                              vlans=self.vlans)
        self._ipid = [rng.randrange(0x10000), rng.randrange(0x10000)]
        self._fragid = rng.randrange(1 << 32)

    def _tick(self):
        self.t_us += self.rng.randint(*self.step_us)
        return self.t_us

    def _l2(self, d):
        return _l2(self.mac[d], self.mac[1 - d], self.vlans)

    def _next_ipid(self, d):
        self._ipid[d] = (self._ipid[d] + 1) & 0xFFFF
        return self._ipid[d]

    def _emit(self, d, frame, frags=None):
        """Record one datagram sent by side d: frame is the unfragmented frame, frags the
        frames that go on the wire instead when it is fragmented."""
        t = self._tick()
        wire = frags if frags else [frame]
        for f in wire:
            self.records.append((t, f))
        e = self.exp
        if d == C2S:
            e.pkts_toserver += 1
            e.bytes_toserver += len(frame)
        else:
            e.pkts_toclient += 1
            e.bytes_toclient += len(frame)
        if not e.start_us:
            e.start_us = t
        e.end_us = t
        e.frames += len(wire)
        e.frame_bytes += sum(len(f) for f in wire)
        if frags:
            e.fragmented += 1

    def expect(self):
        return self.exp


# --------------------------------------------------------------------------------------
# TCP
# --------------------------------------------------------------------------------------

class TcpSession(_FlowGen):
    """One TCP connection. Side 0 is the client, side 1 the server.

    Build it with turn() calls and finish with close(). expect() gives the FlowExpect.
    """

    def __init__(self, rng, client_ip, client_port, server_ip, server_port, *,
                 vlans=(), handshake=True, isn=(None, None), mss=None, tcp_ts=True,
                 reorder=0, dup_rate=0.0, frag=False, frag_payload=(256, 512),
                 frag_order="in", big_frac=0.7, tiny_frac=0.05, start_us=EPOCH_US,
                 step_us=(20, 200), mac_base=1):
        super().__init__(rng, client_ip, client_port, server_ip, server_port, "TCP",
                         vlans=vlans, start_us=start_us, step_us=step_us, mac_base=mac_base)
        self.tcp_ts = tcp_ts
        mss = mss or (1460 if self.family == 4 else 1440)
        self.maxseg = mss - (12 if tcp_ts else 0)
        self.reorder = reorder
        self.dup_rate = dup_rate
        self.frag = frag
        self.frag_payload = frag_payload
        self.frag_order = frag_order
        self.big_frac = big_frac
        self.tiny_frac = tiny_frac
        self.isn = [isn[0] if isn[0] is not None else rng.randrange(1 << 32),
                    isn[1] if isn[1] is not None else rng.randrange(1 << 32)]
        self.tsval = [rng.randrange(1 << 31), rng.randrange(1 << 31)]
        self.sent = [0, 0]          # stream bytes sent per side
        self.fin = [0, 0]           # 1 once the side's FIN consumed a sequence number
        # receiver's view of each direction, in stream offsets
        self.rcv_contig = [0, 0]
        self.rcv_ooo = [[], []]
        self.payload = [bytearray(), bytearray()]   # expected reassembled bytes
        self.win = 502                  # scaled by 2^7 (WScale 7 in the SYNs)
        self._tmpl = {}
        self.closed = False
        self.flowlabel = rng.randrange(1 << 20)
        if handshake:
            self.base = [(self.isn[0] + 1) & 0xFFFFFFFF, (self.isn[1] + 1) & 0xFFFFFFFF]
            self._handshake()
        else:
            self.base = [self.isn[0], self.isn[1]]

    # -- sequence helpers --------------------------------------------------------------
    def seq(self, d, off):
        return (self.base[d] + off) & 0xFFFFFFFF

    def _ack_for(self, d):
        """ACK number side d puts in its packets: what it has received of the other
        direction (plus the peer's FIN if seen)."""
        o = 1 - d
        return self.seq(o, self.rcv_contig[o] + (self.fin[o] if self.rcv_contig[o] ==
                                                 self.sent[o] else 0))

    def _receive(self, d, start, end):
        """Side 1-d receives stream bytes [start, end) of direction d."""
        if end <= self.rcv_contig[d]:
            return
        ooo = self.rcv_ooo[d]
        ooo.append((start, end))
        ooo.sort()
        keep = []
        for s, e in ooo:
            if s <= self.rcv_contig[d]:
                self.rcv_contig[d] = max(self.rcv_contig[d], e)
            else:
                keep.append((s, e))
        # a second pass: merged intervals may now be contiguous
        changed = True
        while changed:
            changed = False
            rest = []
            for s, e in keep:
                if s <= self.rcv_contig[d]:
                    self.rcv_contig[d] = max(self.rcv_contig[d], e)
                    changed = True
                else:
                    rest.append((s, e))
            keep = rest
        self.rcv_ooo[d] = keep

    # -- frame building ----------------------------------------------------------------
    def _options(self, d, syn=False):
        self.tsval[d] = (self.tsval[d] + 1) & 0xFFFFFFFF
        tsecr = self.tsval[1 - d] if not (syn and d == C2S) else 0
        if syn:
            return [("MSS", self.maxseg + (12 if self.tcp_ts else 0)), ("SAckOK", b""),
                    ("Timestamp", (self.tsval[d], tsecr)), ("NOP", None), ("WScale", 7)]
        if self.tcp_ts:
            return [("NOP", None), ("NOP", None), ("Timestamp", (self.tsval[d], tsecr))]
        return []

    def _template(self, d, with_data):
        key = (d, with_data)
        t = self._tmpl.get(key)
        if t is None:
            if self.family == 4:
                l3 = IP(src=self.addr[d], dst=self.addr[1 - d], ttl=64,
                        flags=0 if self.frag else "DF")
            else:
                l3 = IPv6(src=self.addr[d], dst=self.addr[1 - d], hlim=64, fl=self.flowlabel)
            t = self._l2(d) / l3 / TCP(sport=self.port[d], dport=self.port[1 - d],
                                       window=self.win)
            if with_data:
                t = t / Raw(b"x")
            self._tmpl[key] = t
        return t

    def _frame(self, d, flags, seq, ack, data=b"", syn=False):
        p = self._template(d, bool(data))
        if self.family == 4:
            p[IP].id = self._next_ipid(d)
        tcp = p[TCP]
        tcp.seq = seq
        tcp.ack = ack
        tcp.flags = flags
        tcp.options = self._options(d, syn)
        tcp.window = self.win if not syn else 64240
        if data:
            p[Raw].load = bytes(data)
        return bytes(p)

    def _fragment(self, frame):
        """Split frame into 2..MAX_FRAGS fragments, or return None to send it whole."""
        pkt = Ether(frame)
        l3 = pkt[IP] if self.family == 4 else pkt[IPv6]
        l4len = len(bytes(l3.payload))
        chunk = self.rng.randint(*self.frag_payload) // 8 * 8
        need = -(-l4len // MAX_FRAGS)
        chunk = max(chunk, (need + 7) // 8 * 8)
        if l4len <= chunk:
            return None
        if self.family == 4:
            frags = [bytes(f) for f in fragment(pkt, fragsize=chunk)]
        else:
            data = l3.payload
            l3.remove_payload()
            del l3.nh
            del l3.plen
            self._fragid = (self._fragid + 1) & 0xFFFFFFFF
            l3.add_payload(IPv6ExtHdrFragment(nh=6, id=self._fragid) / data)
            l2len = len(frame) - 40 - l4len
            frags = [bytes(f) for f in fragment6(pkt, l2len + 40 + 8 + chunk)]
        assert 2 <= len(frags) <= MAX_FRAGS, len(frags)
        if self.frag_order == "reverse":
            frags.reverse()
        elif self.frag_order == "shuffle":
            self.rng.shuffle(frags)
        return frags

    def _send(self, d, flags, seq, ack, data=b"", syn=False):
        frame = self._frame(d, flags, seq, ack, data, syn)
        frags = self._fragment(frame) if (self.frag and data) else None
        self._emit(d, frame, frags)

    # -- session phases ----------------------------------------------------------------
    def _handshake(self):
        self._send(C2S, "S", self.isn[0], 0, syn=True)
        self._send(S2C, "SA", self.isn[1], self.base[0], syn=True)
        self._send(C2S, "A", self.base[0], self.base[1])

    def split(self, n):
        """Seeded random segment sizes summing to n."""
        sizes = []
        left = n
        while left > 0:
            r = self.rng.random()
            if r < self.big_frac:
                s = self.maxseg
            elif r < self.big_frac + self.tiny_frac:
                s = self.rng.randint(1, 16)
            else:
                s = self.rng.randint(1, self.maxseg)
            s = min(s, left)
            sizes.append(s)
            left -= s
        return sizes

    def turn(self, d, data, *, drop=(), overlap_diff=None, reorder=None, dup_rate=None,
             sizes=None):
        """Side d sends data; the peer ACKs every segment it sees.

        drop: indexes of segments the peer receives but the capture does not show (each
        maximal run is one gap; the expected dump leaves those bytes out).
        overlap_diff: index k (>= 1) of a segment that is sent before segment k-1 and is
        followed by a retransmission covering its middle half with different bytes; the
        expected dump keeps the first copy.
        """
        assert not self.closed
        data = bytes(data)
        if not data:
            return
        reorder = self.reorder if reorder is None else reorder
        dup_rate = self.dup_rate if dup_rate is None else dup_rate
        sizes = sizes or self.split(len(data))
        assert sum(sizes) == len(data)
        off0 = self.sent[d]
        segs = []
        o = 0
        for s in sizes:
            segs.append((off0 + o, data[o:o + s]))
            o += s
        n = len(segs)
        drop = set(drop)

        # emission order: entries (key, kind, index)
        if overlap_diff is not None:
            k = overlap_diff
            assert 1 <= k < n and len(segs[k][1]) >= 8 and not drop and not reorder
            keys = [float(i) for i in range(n)]
            keys[k], keys[k - 1] = keys[k - 1], keys[k]
        elif reorder:
            keys = [i + self.rng.uniform(0, reorder) for i in range(n)]
        else:
            keys = [float(i) for i in range(n)]
        entries = [(keys[i], 0, "seg", i) for i in range(n)]
        if dup_rate:
            for i in range(n):
                if i not in drop and self.rng.random() < dup_rate:
                    entries.append((keys[i] + self.rng.uniform(0.01, 3.5), 1, "dup", i))
        if overlap_diff is not None:
            entries.append((keys[overlap_diff] + 0.5, 1, "ovl", overlap_diff))
        entries.sort()

        last = n - 1
        for _, _, kind, i in entries:
            off, seg = segs[i]
            flags = "PA" if i == last else "A"
            if kind == "ovl":
                a = len(seg) // 4
                b = 3 * len(seg) // 4
                alt = bytes(x ^ 0x5A for x in seg[a:b])
                self._send(d, flags, self.seq(d, off + a), self._ack_for(d), alt)
            elif i in drop:
                pass                     # on the wire but not in the capture
            else:
                self._send(d, flags, self.seq(d, off), self._ack_for(d), seg)
            self._receive(d, off, off + len(seg))
            self.sent[d] = max(self.sent[d], off + len(seg))
            # the peer acknowledges what it holds contiguously
            r = 1 - d
            self._send(r, "A", self.seq(r, self.sent[r] + self.fin[r]), self._ack_for(r))
        self.sent[d] = off0 + len(data)

        # expected reassembled bytes and gaps
        prev_dropped = False
        for i, (off, seg) in enumerate(segs):
            if i in drop:
                if not prev_dropped:
                    self.exp.gaps += 1
                prev_dropped = True
            else:
                self.payload[d] += seg
                prev_dropped = False
        if overlap_diff is not None:
            self.exp.overlaps_different += 1
            self.exp.overlaps_at_least = True

    def close(self, closer=C2S, how="fin"):
        """Close from closer: FIN/ACK, the peer's FIN/ACK, the final ACK (or one RST)."""
        c, o = closer, 1 - closer
        if how == "rst":
            self._send(c, "RA", self.seq(c, self.sent[c]), self._ack_for(c))
        elif how == "fin":
            self._send(c, "FA", self.seq(c, self.sent[c]), self._ack_for(c))
            self.fin[c] = 1
            self._send(o, "FA", self.seq(o, self.sent[o]), self._ack_for(o))
            self.fin[o] = 1
            self._send(c, "A", self.seq(c, self.sent[c] + 1), self._ack_for(c))
        else:
            raise ValueError(how)
        self.closed = True

    def expect(self):
        e = self.exp
        e.c2s = bytes(self.payload[C2S])
        e.s2c = bytes(self.payload[S2C])
        e.state = "closed" if self.closed else "established"
        return e


# --------------------------------------------------------------------------------------
# UDP and ICMP
# --------------------------------------------------------------------------------------

class UdpDns(_FlowGen):
    """A DNS-like UDP exchange: n queries from the client, each answered."""

    def __init__(self, rng, client_ip, client_port, server_ip, server_port=53, *, n=2,
                 **kw):
        super().__init__(rng, client_ip, client_port, server_ip, server_port, "UDP", **kw)
        for q in range(n):
            qid = rng.randrange(0x10000)
            name = "host%d.example.test" % rng.randrange(1000)
            qtype = "AAAA" if self.family == 6 else "A"
            rdata = "2001:db8::%x" % (q + 1) if self.family == 6 else "192.0.2.%d" % (q + 1)
            query = DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype))
            resp = DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype=qtype),
                       an=DNSRR(rrname=name, type=qtype, ttl=300, rdata=rdata))
            self._emit(C2S, bytes(self._pkt(C2S) / UDP(sport=client_port,
                                                         dport=server_port) / query))
            self._emit(S2C, bytes(self._pkt(S2C) / UDP(sport=server_port,
                                                         dport=client_port) / resp))

    def _pkt(self, d):
        if self.family == 4:
            return self._l2(d) / IP(src=self.addr[d], dst=self.addr[1 - d],
                                    id=self._next_ipid(d), ttl=64)
        return self._l2(d) / IPv6(src=self.addr[d], dst=self.addr[1 - d], hlim=64)


class IcmpEcho(_FlowGen):
    """n echo requests from the client, each answered (ICMP or ICMPv6)."""

    def __init__(self, rng, client_ip, server_ip, *, n=3, **kw):
        fam6 = ":" in client_ip
        super().__init__(rng, client_ip, 0, server_ip, 0, "IPv6-ICMP" if fam6 else "ICMP",
                         **kw)
        ident = rng.randrange(0x10000)
        payload = bytes(rng.randrange(256) for _ in range(56))
        for s in range(1, n + 1):
            if fam6:
                req = ICMPv6EchoRequest(id=ident, seq=s, data=payload)
                rep = ICMPv6EchoReply(id=ident, seq=s, data=payload)
            else:
                req = ICMP(type=8, id=ident, seq=s) / Raw(payload)
                rep = ICMP(type=0, id=ident, seq=s) / Raw(payload)
            self._emit(C2S, bytes(self._pkt(C2S) / req))
            self._emit(S2C, bytes(self._pkt(S2C) / rep))

    def _pkt(self, d):
        if self.family == 4:
            return self._l2(d) / IP(src=self.addr[d], dst=self.addr[1 - d],
                                    id=self._next_ipid(d), ttl=64)
        return self._l2(d) / IPv6(src=self.addr[d], dst=self.addr[1 - d], hlim=64)


# --------------------------------------------------------------------------------------
# Applications
# --------------------------------------------------------------------------------------

def http_request(body, path="/upload", host="files.example.test"):
    head = ("POST %s HTTP/1.1\r\n"
            "Host: %s\r\n"
            "User-Agent: tgpcap/1.0\r\n"
            "Accept: */*\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Length: %d\r\n"
            "\r\n" % (path, host, len(body))).encode()
    return head + body


def http_response(body):
    msg = json.dumps({"received": len(body),
                      "sha256": hashlib.sha256(body).hexdigest()}).encode()
    head = ("HTTP/1.1 200 OK\r\n"
            "Server: tgpcap-httpd\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: %d\r\n"
            "Connection: close\r\n"
            "\r\n" % len(msg)).encode()
    return head + msg


def http_post(sess, body, path="/upload", close=True):
    """HTTP/1.1 POST upload of body with a 200 response; the client closes."""
    sess.turn(C2S, http_request(body, path))
    sess.turn(S2C, http_response(body))
    if close:
        sess.close(C2S)
    return sess


def mime_message(attachment, boundary="==tg-boundary-0=="):
    b64 = base64.encodebytes(attachment).decode().replace("\n", "\r\n")
    if not b64.endswith("\r\n"):
        b64 += "\r\n"
    return ("From: Alice Example <alice@example.test>\r\n"
            "To: Bob Example <bob@example.test>\r\n"
            "Subject: quarterly report\r\n"
            "Date: Mon, 23 Nov 2026 13:25:37 +0000\r\n"
            "Message-ID: <tg.%d@example.test>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"%s\"\r\n"
            "\r\n"
            "This is a multi-part message in MIME format.\r\n"
            "\r\n"
            "--%s\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 7bit\r\n"
            "\r\n"
            "Please find the file attached.\r\n"
            "\r\n"
            "--%s\r\n"
            "Content-Type: application/octet-stream\r\n"
            "Content-Disposition: attachment; filename=\"data.bin\"\r\n"
            "Content-Transfer-Encoding: base64\r\n"
            "\r\n"
            "%s"
            "--%s--\r\n" % (len(attachment), boundary, boundary, boundary, b64,
                            boundary)).encode()


def smtp_turns(attachment, boundary="==tg-boundary-0=="):
    """The (side, bytes) turns of an SMTP submission with a MIME attachment."""
    msg = mime_message(attachment, boundary)
    return [
        (S2C, b"220 mx.example.test ESMTP tgpcap ready\r\n"),
        (C2S, b"EHLO client.example.test\r\n"),
        (S2C, b"250-mx.example.test Hello client.example.test\r\n"
              b"250-SIZE 52428800\r\n250-8BITMIME\r\n250-PIPELINING\r\n250 HELP\r\n"),
        (C2S, b"MAIL FROM:<alice@example.test> SIZE=%d\r\n" % len(msg)),
        (S2C, b"250 2.1.0 Ok\r\n"),
        (C2S, b"RCPT TO:<bob@example.test>\r\n"),
        (S2C, b"250 2.1.5 Ok\r\n"),
        (C2S, b"DATA\r\n"),
        (S2C, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (C2S, msg + b".\r\n"),
        (S2C, b"250 2.0.0 Ok: queued as 4TG2026\r\n"),
        (C2S, b"QUIT\r\n"),
        (S2C, b"221 2.0.0 Bye\r\n"),
    ]


def smtp_session(sess, attachment, close=True):
    """SMTP submission; the server closes after 221."""
    for d, data in smtp_turns(attachment):
        sess.turn(d, data)
    if close:
        sess.close(S2C)
    return sess


# --------------------------------------------------------------------------------------
# Captures
# --------------------------------------------------------------------------------------

def write_pcap(path, records):
    """records: iterable of (t_us, frame bytes). Ethernet linktype, microseconds."""
    w = RawPcapWriter(str(path), linktype=1, snaplen=65535)
    w.write_header(None)
    for t, f in records:
        w.write_packet(f, sec=t // 1_000_000, usec=t % 1_000_000)
    w.close()


class Capture:
    """Several flows merged by timestamp into one packet sequence."""

    def __init__(self, gens):
        self.gens = list(gens)
        merged = []
        for gi, g in enumerate(self.gens):
            for ri, (t, f) in enumerate(g.records):
                merged.append((t, gi, ri, f))
        merged.sort()
        self.records = [(t, f) for t, _, _, f in merged]

    def flows(self):
        return [g.expect() for g in self.gens]

    def write(self, paths):
        """Write to one path, or split evenly over several (read back in order)."""
        if isinstance(paths, (str, Path)):
            paths = [paths]
        n = len(paths)
        per = -(-len(self.records) // n)
        for i, p in enumerate(paths):
            write_pcap(p, self.records[i * per:(i + 1) * per])
        return [str(p) for p in paths]


def expected_streams(flows):
    out = {}
    for f in flows:
        for name, data in f.streams().items():
            assert name not in out, "two flows share stream file " + name
            out[name] = data
    return out


# --------------------------------------------------------------------------------------
# Case catalogue (used by tests/integration/test_offline_reassembly.py)
# --------------------------------------------------------------------------------------

KIB = 1024
MIB = 1024 * 1024

# Case name -> parameters. app: http|smtp|multi; size: upload bytes (HTTP body or SMTP
# attachment); the rest are TcpSession options or capture options.
CASES = {}


def _case(name, **kw):
    CASES[name] = kw


for _app in ("http", "smtp"):
    for _sz, _label in ((1, "1b"), (KIB, "1k"), (64 * KIB, "64k"), (MIB, "1m")):
        _case("%s_%s_ipv4" % (_app, _label), app=_app, size=_sz)
_case("http_5m_reorder_dup", app="http", size=5 * MIB, reorder=6, dup_rate=0.03)
_case("http_1m_reorder_dup", app="http", size=MIB, reorder=8, dup_rate=0.05)
_case("http_64k_reorder", app="http", size=64 * KIB, reorder=8)
_case("smtp_64k_reorder", app="smtp", size=64 * KIB, reorder=5)
_case("http_64k_dup", app="http", size=64 * KIB, dup_rate=0.2)
_case("smtp_64k_dup", app="smtp", size=64 * KIB, dup_rate=0.2)
_case("http_64k_ipv4frag", app="http", size=64 * KIB, frag=True)
_case("smtp_1k_ipv4frag", app="smtp", size=KIB, frag=True)
_case("http_64k_ipv4frag_reverse_reorder", app="http", size=64 * KIB, frag=True,
      frag_order="reverse", reorder=4)
_case("http_64k_ipv6", app="http", size=64 * KIB, ipv6=True)
_case("smtp_64k_ipv6", app="smtp", size=64 * KIB, ipv6=True)
_case("http_64k_ipv6frag", app="http", size=64 * KIB, ipv6=True, frag=True)
_case("smtp_1k_ipv6frag_shuffle", app="smtp", size=KIB, ipv6=True, frag=True,
      frag_order="shuffle")
_case("http_64k_vlan", app="http", size=64 * KIB, vlans=(100,))
_case("smtp_64k_qinq", app="smtp", size=64 * KIB, vlans=(200, 300))
_case("http_64k_ipv6_qinq_frag_reorder", app="http", size=64 * KIB, ipv6=True,
      vlans=(10, 20), frag=True, reorder=4)
_case("http_64k_wrap", app="http", size=64 * KIB, wrap=True)
_case("smtp_64k_wrap_reorder_dup", app="smtp", size=64 * KIB, wrap=True, reorder=6,
      dup_rate=0.1)
_case("http_1m_wrap_ipv6", app="http", size=MIB, wrap=True, ipv6=True)
_case("http_64k_midstream", app="http", size=64 * KIB, midstream=True)
_case("smtp_64k_midstream", app="smtp", size=64 * KIB, midstream=True)
_case("multi_flows", app="multi", size=64 * KIB)
_case("multi_flows_two_files", app="multi", size=64 * KIB, files=2)
_case("http_64k_split_two_files", app="http", size=64 * KIB, files=2, reorder=4)


@dataclass
class BuiltCase:
    name: str
    pcaps: list
    flows: list
    midstream: bool = False
    frames: int = 0
    params: dict = field(default_factory=dict)

    @property
    def streams(self):
        return expected_streams(self.flows)


def _seed(name):
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big")


def _session(rng, p, client, cport, server, sport, start_us, mac_base):
    wrap = p.get("wrap")
    isn = (None, None)
    if wrap:
        # both directions wrap inside the first few KiB
        isn = ((1 << 32) - 1 - rng.randint(100, 3000), (1 << 32) - 1 - rng.randint(0, 60))
    return TcpSession(rng, client, cport, server, sport, vlans=p.get("vlans", ()),
                      handshake=not p.get("midstream"), isn=isn,
                      reorder=p.get("reorder", 0), dup_rate=p.get("dup_rate", 0.0),
                      frag=p.get("frag", False), frag_order=p.get("frag_order", "in"),
                      start_us=start_us, mac_base=mac_base)


def build_case(name, outdir):
    """Generate case name into outdir; returns a BuiltCase."""
    p = CASES[name]
    rng = random.Random(_seed(name))
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    six = p.get("ipv6")
    client, server = ("fd00:10::1", "fd00:10::2") if six else ("10.10.0.1", "10.10.0.2")
    gens = []
    if p["app"] in ("http", "smtp"):
        sport = 80 if p["app"] == "http" else 25
        s = _session(rng, p, client, rng.randint(32768, 60999), server, sport, EPOCH_US, 1)
        data = rng.randbytes(p["size"])
        if p["app"] == "http":
            http_post(s, data)
        else:
            smtp_session(s, data)
        gens.append(s)
    elif p["app"] == "multi":
        gens = _multi(rng, p)
    else:
        raise ValueError(p["app"])
    cap = Capture(gens)
    nfiles = p.get("files", 1)
    paths = [outdir / ("capture.pcap" if nfiles == 1 else "capture-%d.pcap" % i)
             for i in range(nfiles)]
    cap.write(paths)
    bc = BuiltCase(name, [str(x) for x in paths], cap.flows(), bool(p.get("midstream")),
                   len(cap.records), dict(p))
    save_expected(outdir, bc)
    return bc


def _multi(rng, p):
    """Several concurrent flows: HTTP and SMTP over v4/v6, VLAN, fragments, a one-way
    TCP upload (no s2c stream), DNS over UDP, ICMP and ICMPv6 echo."""
    size = p["size"]
    t = EPOCH_US
    gens = []
    specs = [
        ("http", "10.20.0.1", "10.20.0.100", {}),
        ("smtp", "10.20.0.2", "10.20.0.100", {"reorder": 4}),
        ("http", "fd00:20::1", "fd00:20::100", {"dup_rate": 0.1}),
        ("smtp", "fd00:20::2", "fd00:20::100", {"vlans": (42,)}),
        ("http", "10.20.1.1", "10.20.1.100", {"frag": True, "vlans": (7,)}),
        ("oneway", "10.20.2.1", "10.20.2.100", {}),
    ]
    for i, (app, c, s, opts) in enumerate(specs):
        q = dict(p)
        q.update(opts)
        sport = {"http": 80, "smtp": 25, "oneway": 9000}[app]
        sess = _session(rng, q, c, 40000 + i, s, sport, t + i * 1500, 10 + 2 * i)
        data = rng.randbytes(size // (i + 1))
        if app == "http":
            http_post(sess, data)
        elif app == "smtp":
            smtp_session(sess, data)
        else:
            sess.turn(C2S, data)
            sess.close(C2S)
        gens.append(sess)
    gens.append(UdpDns(rng, "10.20.0.1", 53001, "10.20.0.53", n=2, start_us=t + 700,
                       mac_base=40))
    gens.append(UdpDns(rng, "fd00:20::1", 53002, "fd00:20::53", n=1, start_us=t + 900,
                       mac_base=42))
    gens.append(IcmpEcho(rng, "10.20.0.1", "10.20.0.100", n=3, start_us=t + 1100,
                         mac_base=44))
    gens.append(IcmpEcho(rng, "fd00:20::1", "fd00:20::100", n=2, start_us=t + 1300,
                         mac_base=46))
    return gens


def build_special(kind, outdir, seed=7):
    """The gap and overlap cases: one HTTP upload of 64 KiB where segment 5 of the body
    turn is dropped from the capture (kind "gap") or is sent early and then overlapped by
    a retransmission with different bytes (kind "overlap")."""
    rng = random.Random(seed)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    s = TcpSession(rng, "10.30.0.1", 45678, "10.30.0.2", 80)
    body = rng.randbytes(64 * KIB)
    req = http_request(body)
    sizes = [1000] * (len(req) // 1000) + ([len(req) % 1000] if len(req) % 1000 else [])
    if kind == "gap":
        s.turn(C2S, req, drop=[5], sizes=sizes)
    elif kind == "overlap":
        s.turn(C2S, req, overlap_diff=5, sizes=sizes)
    else:
        raise ValueError(kind)
    s.turn(S2C, http_response(body))
    s.close(C2S)
    cap = Capture([s])
    path = outdir / "capture.pcap"
    cap.write(path)
    bc = BuiltCase(kind, [str(path)], cap.flows(), False, len(cap.records),
                   {"kind": kind, "request": req, "missing": (5000, 6000)})
    save_expected(outdir, bc)
    return bc


def save_expected(outdir, bc):
    outdir = Path(outdir)
    (outdir / "expected.json").write_text(json.dumps(
        {"case": bc.name, "pcaps": bc.pcaps, "frames": bc.frames,
         "midstream": bc.midstream, "flows": [f.to_json() for f in bc.flows]},
        indent=1, sort_keys=True))
    sdir = outdir / "expected-streams"
    sdir.mkdir(exist_ok=True)
    for name, data in bc.streams.items():
        (sdir / name).write_bytes(data)


# --------------------------------------------------------------------------------------
# Running the daemon and comparing its output
# --------------------------------------------------------------------------------------

def tollgated_path():
    env = os.environ.get("TOLLGATED")
    return Path(env) if env else REPO_ROOT / "build" / "tollgated"


def tollgated_missing_reason():
    p = tollgated_path()
    if not p.exists():
        return ("tollgated binary not found at %s (build it with meson/ninja into build/, "
                "or point env TOLLGATED at it)" % p)
    if not os.access(p, os.X_OK):
        return "tollgated at %s is not executable" % p
    return None


class RunResult:
    """Outcome of one daemon run. Unpacks as (rc, stdout, stderr)."""

    def __init__(self, argv, rc, stdout, stderr, events_path=None, streams_dir=None,
                 stats_path=None):
        self.argv = argv
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr
        self.events_path = events_path
        self.streams_dir = streams_dir
        self.stats_path = stats_path

    def __iter__(self):
        return iter((self.rc, self.stdout, self.stderr))

    def describe(self):
        tail = lambda s: s[-3000:] if len(s) > 3000 else s  # noqa: E731
        return ("command: %s\nexit: %s\n--- stdout (tail) ---\n%s\n--- stderr (tail) ---\n%s"
                % (" ".join(map(str, self.argv)), self.rc, tail(self.stdout),
                   tail(self.stderr)))

    @property
    def events(self):
        if self.events_path is None:
            return None
        if self.events_path == "-":
            return parse_events(self.stdout, "<stdout>")
        return parse_events(Path(self.events_path).read_text(), self.events_path)

    @property
    def streams(self):
        return None if self.streams_dir is None else read_streams(self.streams_dir)

    @property
    def stats(self):
        if self.stats_path is None:
            return None
        return json.loads(Path(self.stats_path).read_text())


def _arg_after(args, flag):
    args = list(map(str, args))
    for i, a in enumerate(args[:-1]):
        if a == flag:
            return args[i + 1]
    return None


def run_tollgated(args, timeout=120):
    """Run the daemon with args; never raises on a non-zero exit (check .rc), raises
    AssertionError on a timeout."""
    argv = [str(tollgated_path())] + [str(a) for a in args]
    try:
        cp = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                            timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        raise AssertionError("tollgated did not finish within %ss\n%s" % (
            timeout, RunResult(argv, None, out, err).describe()))
    return RunResult(argv, cp.returncode, cp.stdout.decode(errors="replace"),
                     cp.stderr.decode(errors="replace"),
                     _arg_after(args, "--events"), _arg_after(args, "--dump-streams"),
                     _arg_after(args, "--stats-json"))


def parse_events(text, where):
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except ValueError as e:
            raise AssertionError("%s:%d: not JSON (%s): %r" % (where, n, e, line[:200]))
        if not isinstance(ev, dict):
            raise AssertionError("%s:%d: not a JSON object: %r" % (where, n, line[:200]))
        out.append(ev)
    return out


def read_streams(d):
    d = Path(d)
    if not d.is_dir():
        return {}
    return {p.name: p.read_bytes() for p in sorted(d.iterdir()) if p.is_file()}


def first_diff(a, b):
    n = min(len(a), len(b))
    for i in range(0, n, 4096):
        if a[i:i + 4096] != b[i:i + 4096]:
            for j in range(i, min(i + 4096, n)):
                if a[j] != b[j]:
                    return j
    return n if len(a) != len(b) else -1


def diff_bytes(name, expected, got):
    """One line describing how got differs from expected, or None."""
    if expected == got:
        return None
    off = first_diff(expected, got)
    return ("%s: expected %d bytes, got %d; first difference at offset %d: expected %r, "
            "got %r" % (name, len(expected), len(got), off, expected[off:off + 24],
                        got[off:off + 24]))


def compare_streams(expected, got):
    """expected, got: {file name: bytes}. Returns a list of error lines."""
    errs = []
    for name in sorted(set(expected) - set(got)):
        errs.append("missing stream file %s (%d bytes expected)" % (name,
                                                                    len(expected[name])))
    for name in sorted(set(got) - set(expected)):
        errs.append("unexpected stream file %s (%d bytes): %r" % (name, len(got[name]),
                                                                   got[name][:40]))
    for name in sorted(set(expected) & set(got)):
        e = diff_bytes(name, expected[name], got[name])
        if e:
            errs.append(e)
    return errs


def flow_events(events):
    return [e for e in events if e.get("event_type") == "flow"]


def _ev_key(ev):
    proto = ev.get("proto")
    if proto in ("TCP", "UDP"):
        return (proto, ev.get("src_ip"), ev.get("src_port"), ev.get("dest_ip"),
                ev.get("dest_port"))
    return (proto, ev.get("src_ip"), ev.get("dest_ip"))


def _exp_key(f, swapped=False):
    c, s = (f.server_ip, f.client_ip) if swapped else (f.client_ip, f.server_ip)
    cp, sp = (f.server_port, f.client_port) if swapped else (f.client_port, f.server_port)
    c, s = ntop(c), ntop(s)
    if f.has_ports:
        return (f.proto, c, cp, s, sp)
    return (f.proto, c, s)


def compare_flow_events(expected, events, check_times=True, allow_extra=False):
    """Check one flow event per expected flow with exact counters. Returns error lines."""
    errs = []
    fev = flow_events(events)
    by_key = {}
    for ev in fev:
        by_key.setdefault(_ev_key(ev), []).append(ev)
    used = set()
    for f in expected:
        k = _exp_key(f)
        evs = by_key.get(k, [])
        if not evs:
            sw = by_key.get(_exp_key(f, swapped=True))
            if sw:
                errs.append("%s: reported with client and server swapped: %s" % (
                    f.label(), json.dumps(sw[0], sort_keys=True)))
                used.add(_exp_key(f, swapped=True))
            else:
                errs.append("%s: no flow event" % f.label())
            continue
        used.add(k)
        if len(evs) > 1:
            errs.append("%s: %d flow events, expected 1" % (f.label(), len(evs)))
        ev = evs[0]
        fl = ev.get("flow")
        if not isinstance(fl, dict):
            errs.append("%s: event has no \"flow\" object: %s" % (f.label(), ev))
            continue
        want = {"pkts_toserver": f.pkts_toserver, "pkts_toclient": f.pkts_toclient,
                "bytes_toserver": f.bytes_toserver, "bytes_toclient": f.bytes_toclient}
        if f.proto == "TCP":
            want["gaps"] = f.gaps
            if not f.overlaps_at_least:
                want["overlaps_different"] = f.overlaps_different
            want["state"] = f.state
        if check_times:
            want["start"] = fmt_ts(f.start_us)
            want["end"] = fmt_ts(f.end_us)
        for key, val in want.items():
            if fl.get(key) != val:
                errs.append("%s: flow.%s = %r, expected %r" % (f.label(), key,
                                                                fl.get(key), val))
        if f.proto == "TCP" and f.overlaps_at_least:
            got = fl.get("overlaps_different")
            if not isinstance(got, int) or got < f.overlaps_different:
                errs.append("%s: flow.overlaps_different = %r, expected >= %d" % (
                    f.label(), got, f.overlaps_different))
        if fl.get("reason") not in ("timeout", "evicted", "shutdown"):
            errs.append("%s: flow.reason = %r, expected timeout|evicted|shutdown" % (
                f.label(), fl.get("reason")))
    if not allow_extra:
        for k, evs in by_key.items():
            if k not in used:
                errs.append("unexpected flow event: %s" % json.dumps(evs[0], sort_keys=True))
    return errs


def fail_with(errors, result=None, title="", limit=40):
    """pytest.fail with the first `limit` error lines and the run's command and output."""
    import pytest
    lines = [title] if title else []
    lines += list(errors[:limit])
    if len(errors) > limit:
        lines.append("... %d more" % (len(errors) - limit))
    if result is not None:
        lines.append(result.describe())
    pytest.fail("\n".join(lines), pytrace=False)


def canonical_events(events):
    """Sorted canonical JSON lines: the form compared across worker counts."""
    return sorted(json.dumps(e, sort_keys=True, separators=(",", ":")) for e in events)


def main(argv):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--list", action="store_true", help="list the case names")
    ap.add_argument("--case", help="case name, or gap / overlap")
    ap.add_argument("--out", help="output directory")
    a = ap.parse_args(argv)
    if a.list or not a.case:
        for n, p in CASES.items():
            print(n, p)
        print("gap {'special': True}\noverlap {'special': True}")
        return 0
    out = a.out or ("/tmp/tgpcap-" + a.case)
    bc = build_special(a.case, out) if a.case in ("gap", "overlap") else build_case(a.case, out)
    print("%s: %d frames in %s; %d flows; expected.json and expected-streams/ in %s" % (
        bc.name, bc.frames, ", ".join(bc.pcaps), len(bc.flows), out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
