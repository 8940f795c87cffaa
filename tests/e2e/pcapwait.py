"""Reading a capture that tcpdump is still writing (-U: whole records), and waiting on it:
the TCP connections to a server port and whether each has closed. Tests wait for the
capture to show what they then check, rather than sleeping and hoping it does."""
import struct
import time
from pathlib import Path

from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether

WAIT = 30                      # seconds: the deadline of a wait on a capture


def pcap_packets(path):
    """[(ts_us, frame bytes)] of the whole records in a pcap that may still be written."""
    data = Path(path).read_bytes()
    if len(data) < 24:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise AssertionError("%s is not a pcap file" % path)
    nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
    out, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        if pos + 16 + incl > len(data):
            break
        out.append((sec * 1_000_000 + (frac // 1000 if nano else frac),
                    data[pos + 16:pos + 16 + incl]))
        pos += 16 + incl
    return out


class Conn:
    """One TCP connection to the server port, as the capture shows it."""

    def __init__(self, client_port):
        self.client_port = client_port
        self.fin_end = {}          # side ("c" / "s") -> sequence number its FIN consumed
        self.acked = {"c": set(), "s": set()}
        self.rst = False
        self.first_payload_us = {}  # side -> time of its first data segment

    def closed(self):
        if self.rst:
            return True
        return (set(self.fin_end) == {"c", "s"} and self.fin_end["s"] in self.acked["c"] and
                self.fin_end["c"] in self.acked["s"])


def tcp_conns(path, server_port):
    """{client port: Conn} of the connections to server_port in the capture."""
    conns = {}
    for ts, frame in pcap_packets(path):
        p = Ether(frame)
        if TCP not in p or (IP not in p and IPv6 not in p):
            continue
        t = p[TCP]
        if t.dport == server_port:
            side, cport = "c", t.sport
        elif t.sport == server_port:
            side, cport = "s", t.dport
        else:
            continue
        c = conns.setdefault(cport, Conn(cport))
        if IP in p:                                    # payload (no frame padding)
            n = p[IP].len - 4 * p[IP].ihl - 4 * t.dataofs
        else:
            n = p[IPv6].plen - (len(p[IPv6].payload) - len(t)) - 4 * t.dataofs
        flags = int(t.flags)
        if flags & 0x04:
            c.rst = True
        if n and side not in c.first_payload_us:
            c.first_payload_us[side] = ts
        if flags & 0x01:
            c.fin_end[side] = (t.seq + n + 1) & 0xFFFFFFFF
        if flags & 0x10:
            c.acked[side].add(t.ack)
    return conns


def wait_closed(path, server_port, count, timeout=WAIT):
    """Wait until the capture holds count connections to server_port, each closed (both
    FINs, each acknowledged, or a reset)."""
    deadline = time.time() + timeout
    while True:
        conns = tcp_conns(path, server_port)
        if len(conns) >= count and all(c.closed() for c in conns.values()):
            return conns
        if time.time() > deadline:
            raise AssertionError("the capture does not show %d closed connection(s) to port "
                                 "%d: %s" % (count, server_port, {
                                     p: (sorted(c.fin_end), c.rst) for p, c in conns.items()}))
        time.sleep(0.05)
