#!/usr/bin/python3
"""Build tools/sample/demo.pcap, the capture `make demo` inspects.

Deterministic (fixed seed and timestamps): an HTTP upload with reordered and duplicated
segments, an SMTP message, a DNS lookup, an IPv6 HTTPS-shaped exchange, a fragmented UDP
datagram and a VLAN-tagged flow. All addresses are documentation/test ranges.
"""
import random
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw, fragment, wrpcap

random.seed(2026)
T0 = 1795000000.0
pkts = []
clock = [T0]


def emit(p):
    clock[0] += 0.0005
    p.time = clock[0]
    pkts.append(p)


def tcp_session(l3c, l3s, cport, sport, c2s, s2c, seg=700, vlan=None, reorder=False, dup=False):
    eth = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    if vlan is not None:
        eth = eth / Dot1Q(vlan=vlan)
    cseq, sseq = random.randrange(1 << 32), random.randrange(1 << 32)
    c = lambda: eth / l3c() / TCP(sport=cport, dport=sport)  # noqa: E731
    s = lambda: eth / l3s() / TCP(sport=sport, dport=cport)  # noqa: E731
    p = c(); p[TCP].flags = "S"; p[TCP].seq = cseq; emit(p)
    p = s(); p[TCP].flags = "SA"; p[TCP].seq = sseq; p[TCP].ack = (cseq + 1) % 2**32; emit(p)
    p = c(); p[TCP].flags = "A"; p[TCP].seq = cseq + 1; p[TCP].ack = (sseq + 1) % 2**32; emit(p)
    segs = [(off, c2s[off:off + seg]) for off in range(0, len(c2s), seg)]
    order = list(segs)
    if reorder and len(order) > 2:
        order[0], order[1] = order[1], order[0]
    if dup and order:
        order.insert(2, order[0])
    got = 0
    have = set()
    for off, data in order:
        p = c(); p[TCP].flags = "PA"; p[TCP].seq = (cseq + 1 + off) % 2**32
        p[TCP].ack = (sseq + 1) % 2**32; emit(p / Raw(data))
        have.add(off)
        while got < len(c2s) and got in have:
            got += len(c2s[got:got + seg])
        p = s(); p[TCP].flags = "A"; p[TCP].seq = (sseq + 1) % 2**32
        p[TCP].ack = (cseq + 1 + got) % 2**32; emit(p)
    for off in range(0, len(s2c), seg):
        p = s(); p[TCP].flags = "PA"; p[TCP].seq = (sseq + 1 + off) % 2**32
        p[TCP].ack = (cseq + 1 + len(c2s)) % 2**32; emit(p / Raw(s2c[off:off + seg]))
    cfin, sfin = (cseq + 1 + len(c2s)) % 2**32, (sseq + 1 + len(s2c)) % 2**32
    p = c(); p[TCP].flags = "FA"; p[TCP].seq = cfin; p[TCP].ack = sfin; emit(p)
    p = s(); p[TCP].flags = "FA"; p[TCP].seq = sfin; p[TCP].ack = (cfin + 1) % 2**32; emit(p)
    p = c(); p[TCP].flags = "A"; p[TCP].seq = (cfin + 1) % 2**32; p[TCP].ack = (sfin + 1) % 2**32
    emit(p)


def v4(a, b):
    return lambda: IP(src=a, dst=b)


def v6(a, b):
    return lambda: IPv6(src=a, dst=b)


body = (b'{"customer":{"name":"Erika Mustermann","email":"erika.mustermann@example.com",'
        b'"card":"4111 1111 1111 1111","iban":"DE89370400440532013000"},"notes":"'
        + bytes(random.choice(b"abcdefghij ") for _ in range(3000)) + b'"}')
req = (b"POST /api/v1/customers HTTP/1.1\r\nHost: crm.partner.example\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
tcp_session(v4("10.20.0.11", "198.51.100.7"), v4("198.51.100.7", "10.20.0.11"), 43512, 80,
            req, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", reorder=True, dup=True)

mail = (b"From: billing@shop.example\r\nTo: partner@mail.partner.example\r\nSubject: invoice\r\n"
        b"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n"
        b"Please debit IBAN GB82WEST12345698765432 for order 88412.\r\n")
smtp_c = (b"EHLO shop.example\r\nMAIL FROM:<billing@shop.example>\r\n"
          b"RCPT TO:<partner@mail.partner.example>\r\nDATA\r\n" + mail + b".\r\nQUIT\r\n")
smtp_s = (b"220 mail.partner.example ESMTP\r\n250 mail.partner.example\r\n250 OK\r\n250 OK\r\n"
          b"354 go ahead\r\n250 queued\r\n221 bye\r\n")
tcp_session(v4("10.20.0.12", "203.0.113.25"), v4("203.0.113.25", "10.20.0.12"), 51000, 25,
            smtp_c, smtp_s, seg=120, vlan=42)

q = Ether() / IP(src="10.20.0.11", dst="10.20.0.53") / UDP(sport=53001, dport=53) / DNS(
    rd=1, qd=DNSQR(qname="crm.partner.example"))
emit(q)
emit(Ether() / IP(src="10.20.0.53", dst="10.20.0.11") / UDP(sport=53, dport=53001) / DNS(
    id=q[DNS].id, qr=1, qd=DNSQR(qname="crm.partner.example"),
    an=DNSRR(rrname="crm.partner.example", ttl=300, rdata="198.51.100.7")))

tcp_session(v6("fd00:20::11", "2001:db8::7"), v6("2001:db8::7", "fd00:20::11"), 44000, 443,
            bytes(range(256)) * 8, bytes(range(255, -1, -1)) * 16, seg=1200)

big = Ether() / IP(src="10.20.0.13", dst="198.51.100.9", id=777) / UDP(sport=40000, dport=9000) \
    / Raw(b"x" * 4000)
for frag in fragment(big[IP], fragsize=1480):
    emit(Ether() / frag)

out = sys.argv[1] if len(sys.argv) > 1 else "tools/sample/demo.pcap"
wrpcap(out, pkts)
print(f"{out}: {len(pkts)} packets")
