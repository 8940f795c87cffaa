# SPDX-License-Identifier: BSD-3-Clause
"""Seeds of the network-side fuzz targets, for tests/fuzz/make_corpus.py: TCP segment
scripts (tcp_reasm), first payload bytes of each protocol (app_detect), TLS ClientHellos
(app_tls), DNS messages (app_dns) and capture files of every supported link type
(pcap_reader). Each seed is in the input layout documented at the top of
tests/fuzz/fuzz_<target>.c; everything is built here byte by byte (RFC 8446, RFC 6066,
RFC 1035, the pcap and pcapng file formats), so the output is the same on every run.
"""
import struct


def le16(n):
    return struct.pack("<H", n)


def le32(n):
    return struct.pack("<I", n & 0xFFFFFFFF)


# ---- tcp_reasm: [conf][depth][end][isn0 LE32][isn1 LE32] then operations ----

SYN, FIN, RST, PSH, ACK, URG = 0x02, 0x01, 0x04, 0x08, 0x10, 0x20


def reasm_input(ops, conf=0, depth=0, end=1, isn0=1000, isn1=5000):
    return bytes([conf, depth, end]) + le32(isn0) + le32(isn1) + b"".join(ops)


def seg(direction, off, length, flags=ACK, corrupt=False):
    """A segment at ISN + off (signed 16-bit) of length bytes (L < 192, or (L - 191) * 64)."""
    if length < 192:
        lb = length
    else:
        assert length % 64 == 0 and length // 64 <= 64
        lb = 191 + length // 64
    op = direction | (0x08 if corrupt else 0)
    return bytes([op, flags]) + struct.pack("<h", off) + bytes([lb])


def seg_raw(direction, seq, length, flags=ACK):
    return bytes([direction | 0x10, flags]) + le32(seq) + bytes([length])


def ack(direction, off):
    """An ack of direction's bytes up to ISN + off."""
    return bytes([direction | 0x04]) + struct.pack("<h", off)


def flush(direction):
    return bytes([direction | 0x06])


def release(direction):
    return bytes([direction | 0x0E])


def reasm_seeds():
    s = {}
    hs = [seg(0, 0, 0, SYN), seg(1, 0, 0, SYN | ACK)]
    s["in_order_both"] = reasm_input(hs + [
        seg(0, 1, 100), seg(1, 1, 150), seg(0, 101, 50, PSH | ACK), seg(1, 151, 20, FIN | ACK),
        seg(0, 151, 0, FIN | ACK)])
    s["out_of_order_then_fill"] = reasm_input(hs + [
        seg(0, 201, 100), seg(0, 101, 100), seg(0, 1, 100), seg(0, 401, 60), seg(0, 301, 100)],
        conf=0x90)
    s["overlap_differs"] = reasm_input(hs + [
        seg(0, 51, 100), seg(0, 1, 120, corrupt=True), seg(0, 121, 64, corrupt=True),
        seg(0, 101, 100)])
    s["ack_declares_gap"] = reasm_input(hs + [
        seg(0, 1, 50), seg(0, 301, 50), ack(0, 301), seg(0, 101, 50), ack(0, 451)], end=0)
    s["flush_holes"] = reasm_input(hs + [
        seg(0, 11, 10), seg(0, 41, 10), seg(0, 81, 10), flush(0), seg(0, 91, 30)])
    s["fin_trims_held"] = reasm_input(hs + [
        seg(0, 101, 100), seg(0, 301, 100), seg(0, 1, 50, FIN), seg(0, 51, 50)])
    s["rst_urg_psh"] = reasm_input(hs + [
        seg(0, 1, 30, URG | ACK), seg(0, 31, 30, PSH | ACK), seg(1, 1, 10, RST)])
    s["midstream_no_syn"] = reasm_input([
        seg(0, 500, 100), seg(1, 900, 40), seg(0, 700, 100), seg(0, 600, 100)], conf=0x01)
    s["no_midstream_ignored"] = reasm_input([
        seg(0, 500, 100), seg(0, -1, 0, SYN), seg(0, 0, 20)])
    s["depth_small"] = reasm_input(hs + [
        seg(0, 1, 150), seg(0, 301, 100), seg(0, 151, 150), seg(0, 401, 100)],
        conf=0x02, depth=3)
    s["ooo_cap_100"] = reasm_input(hs + [
        seg(0, 101, 90), seg(0, 301, 90), seg(0, 1, 100)], conf=0x00)
    s["pool_two_blocks"] = reasm_input(hs + [
        seg(0, 1001, 150), seg(0, 2001, 150), seg(0, 3001, 150), seg(0, 1, 64 * 16)],
        conf=0x0C)
    s["isn_wraps"] = reasm_input(hs + [seg(0, 1, 180), seg(0, 181, 180), seg(1, 1, 64 * 4)],
                                 conf=0xFC, isn0=0xFFFFFF80, isn1=0xFFFFFFF0)
    s["syn_contradicts"] = reasm_input(hs + [
        seg(0, 7, 0, SYN), seg(0, 1, 20), release(0), seg(0, 21, 20), seg(0, 0, 0, SYN),
        seg(0, 1, 20)], conf=0x01)
    s["big_segments"] = reasm_input(hs + [
        seg(0, 2001, 64 * 30), seg(0, 1, 64 * 32), seg(1, 1, 64 * 8)], conf=0xFC)
    s["raw_sequence_numbers"] = reasm_input(hs + [
        seg_raw(0, 0x80000000, 40), seg_raw(0, 1001, 40), seg(0, 41, 20)])
    return s


# ---- app_detect: [proto, direction, server port] then the payload ----

def detect_flags(proto, client, port):
    protos = {"tcp": 0, "udp": 1, "icmp": 2}
    ports = [53, 25, 80, 443, 2525, 465, 587, 8080]
    return bytes([protos[proto] | (4 if client else 0) | (ports.index(port) << 3)])


def client_hello(sni=b"www.example.com", record_version=0x0301, version=0x0303,
                 session_id=bytes(range(32)), ciphers=(0x1301, 0x1302, 0xC02F, 0x00FF),
                 before=(), after=((0x000A, b"\x00\x04\x00\x1d\x00\x17"),), extensions=True,
                 split=None, sni_entries=None):
    """A TLS record (or records, split at the given handshake offsets) holding a
    ClientHello (RFC 8446 4.1.2) with a server_name extension (RFC 6066 3)."""
    def ext(t, body):
        return struct.pack("!HH", t, len(body)) + body

    exts = b"".join(ext(t, b) for t, b in before)
    if sni is not None:
        entries = sni_entries if sni_entries is not None else [(0, sni)]
        lst = b"".join(struct.pack("!BH", t, len(n)) + n for t, n in entries)
        exts += ext(0, struct.pack("!H", len(lst)) + lst)
    exts += b"".join(ext(t, b) for t, b in after)
    body = struct.pack("!H", version) + bytes(range(32, 64))
    body += bytes([len(session_id)]) + session_id
    cs = b"".join(struct.pack("!H", c) for c in ciphers)
    body += struct.pack("!H", len(cs)) + cs + b"\x01\x00"
    if extensions:
        body += struct.pack("!H", len(exts)) + exts
    hs = bytes([1]) + struct.pack("!I", len(body))[1:] + body
    cuts = [0] + list(split or []) + [len(hs)]
    return b"".join(struct.pack("!BHH", 22, record_version, b - a) + hs[a:b]
                    for a, b in zip(cuts, cuts[1:]))


def dns_name(name):
    out = b""
    for label in name.split(".") if name else []:
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def dns_query(name, qid=0x1234, qtype=1):
    return (struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + dns_name(name) +
            struct.pack("!HH", qtype, 1))


def dns_response(name, answers, qid=0x1234, flags=0x8180, qtype=1, qclass=1, extra=b"",
                 qdcount=1):
    """answers: (owner bytes, type, ttl, rdata bytes); owner b"\\xc0\\x0c" points at the
    question name."""
    msg = struct.pack("!HHHHHH", qid, flags, qdcount, len(answers), 0, 0)
    msg += dns_name(name) + struct.pack("!HH", qtype, qclass)
    for owner, t, ttl, rdata in answers:
        msg += owner + struct.pack("!HHIH", t, 1, ttl, len(rdata)) + rdata
    return msg + extra


def detect_seeds():
    s = {}
    s["http_get"] = detect_flags("tcp", True, 80) + b"GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n"
    s["http_options"] = detect_flags("tcp", True, 8080) + b"OPTIONS * HTTP/1.1\r\n"
    s["http_response"] = (detect_flags("tcp", False, 80) +
                          b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    s["tls_client_hello"] = detect_flags("tcp", True, 443) + client_hello()
    s["tls_server_hello"] = (detect_flags("tcp", False, 443) +
                             bytes.fromhex("160303003a020000360303"))
    s["smtp_greeting_port25"] = detect_flags("tcp", False, 25) + b"220 mx.example.org ready\r\n"
    s["smtp_greeting_esmtp_other_port"] = (detect_flags("tcp", False, 8080) +
                                           b"220-mx ESMTP Postfix\r\n")
    s["smtp_ehlo"] = detect_flags("tcp", True, 587) + b"EhLo client.example\r\n"
    s["dns_udp_query"] = detect_flags("udp", True, 53) + dns_query("example.com")
    q = dns_query("www.example.org")
    s["dns_tcp_query"] = detect_flags("tcp", True, 53) + struct.pack("!H", len(q)) + q
    s["dns_tcp_short_prefix"] = detect_flags("tcp", True, 53) + b"\x00\x05hello"
    s["icmp_echo"] = detect_flags("icmp", True, 53) + bytes(16)
    return s


def tls_seeds():
    s = {}
    s["sni_simple"] = client_hello()
    s["sni_upper_trailing_dot"] = client_hello(sni=b"WWW.Example.COM.")
    s["sni_after_grease"] = client_hello(before=[(0x0A0A, b""), (0x0017, b""),
                                                 (0x002B, b"\x04\x03\x04\x03\x03")])
    s["sni_split_records"] = client_hello(split=[2, 50, 51])
    s["sni_ssl3_record"] = client_hello(record_version=0x0300, version=0x0300, session_id=b"")
    s["no_sni"] = client_hello(sni=None)
    s["no_extensions"] = client_hello(sni=None, extensions=False)
    s["sni_other_type_first"] = client_hello(sni_entries=[(7, b"x"), (0, b"a-b_c.example.net")])
    s["sni_long_label"] = client_hello(sni=b"a" * 63 + b"." + b"b" * 63 + b".example")
    s["ssl2_hello"] = bytes.fromhex("802e0100020015000000100100800200800300800400800500"
                                    "800600400700c0060040") + bytes(16)
    s["truncated"] = client_hello()[:70]
    return s


def dns_seeds():
    s = {}
    ptr = b"\xc0\x0c"
    s["a_answer"] = dns_response("www.example.com", [(ptr, 1, 300, bytes([93, 184, 216, 34]))])
    s["aaaa_answers"] = dns_response("v6.example.net", [
        (ptr, 28, 60, bytes.fromhex("20010db8000000000000000000000001")),
        (ptr, 28, 0x80000001, bytes.fromhex("20010db8000000000000000000000002"))], qtype=28)
    # www.example.com CNAME cdn.example.net (pointing into the answer), A twice, repeated
    cname_target = dns_name("cdn.example.net")
    msg = dns_response("www.example.com", [(ptr, 5, 3600, cname_target)])
    cdn_off = len(msg) - len(cname_target)
    cdn = struct.pack("!H", 0xC000 | cdn_off)
    s["cname_chain"] = dns_response("www.example.com", [
        (ptr, 5, 3600, cname_target), (cdn, 1, 120, bytes([198, 51, 100, 7])),
        (cdn, 1, 30, bytes([198, 51, 100, 8])), (cdn, 1, 10, bytes([198, 51, 100, 7]))])
    s["nxdomain"] = dns_response("nope.example", [], flags=0x8183)
    s["query_not_response"] = dns_query("example.com")
    s["other_owner_ignored"] = dns_response("a.example", [(dns_name("b.example"), 1, 5, bytes(4)),
                                                          (ptr, 1, 5, bytes([10, 0, 0, 1]))])
    s["with_authority_tail"] = dns_response("t.example", [(ptr, 1, 7, bytes([10, 1, 1, 1]))],
                                            extra=(dns_name("example") +
                                                   struct.pack("!HHIH", 2, 1, 60, 0)))
    s["pointer_loop"] = dns_response("x.example", [(b"\xc0\x1e", 1, 5, bytes(4))])
    s["class_chaos"] = dns_response("version.bind", [], qclass=3, qtype=16)
    s["two_questions"] = (dns_response("a.example", [], qdcount=2) + dns_name("b") +
                          struct.pack("!HH", 1, 1))
    return s


# ---- pcap_reader: capture files ----

def pcap_file(linktype, frames, snaplen=65535, nano=False, big_endian=False):
    e = ">" if big_endian else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for i, f in enumerate(frames):
        out += struct.pack(e + "IIII", 1700000000 + i, i * 1000, len(f), len(f)) + f
    return out


def pcapng_file(linktype, frames):
    def block(btype, body):
        body += bytes(-len(body) % 4)
        n = 12 + len(body)
        return struct.pack("<II", btype, n) + body + struct.pack("<I", n)

    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(1, struct.pack("<HHI", linktype, 0, 65535))
    for i, f in enumerate(frames):
        out += block(6, struct.pack("<IIIII", 0, 0, i, len(f), len(f)) + f)
    return out


def pcap_seeds(eths):
    """eths: untagged Ethernet frames (make_corpus.py builds them as for pkt_parse)."""
    ips = [f[14:] for f in eths]
    sll = [struct.pack("!HHH", 0, 1, 6) + bytes(8) + f[12:14] + f[14:] for f in eths]
    sll2 = [f[12:14] + b"\0\0" + struct.pack("!IHBB", 2, 1, 0, 6) + bytes(8) + f[14:] for f in eths]
    s = {}
    s["ethernet"] = pcap_file(1, eths)
    s["ethernet_nano_big_endian"] = pcap_file(1, eths, nano=True, big_endian=True)
    s["raw_ip"] = pcap_file(101, ips)
    s["ipv4_linktype"] = pcap_file(228, ips[:1] + ips[2:])
    s["ipv6_linktype"] = pcap_file(229, ips[1:2])
    s["linux_sll"] = pcap_file(113, sll + [bytes(10)])
    s["linux_sll2"] = pcap_file(276, sll2 + [bytes(19)])
    s["unsupported_wifi"] = pcap_file(105, [bytes(30)])
    s["small_snaplen"] = pcap_file(1, eths, snaplen=40)
    s["pcapng_ethernet"] = pcapng_file(1, eths)
    s["pcapng_sll"] = pcapng_file(113, sll)
    s["truncated_record"] = pcap_file(1, eths)[:-10]
    # time stamp fields past 2^31 and out of range: signed in this byte order, unsigned
    # in the other (libpcap's reading, which dataplane/pcap_file.c follows)
    for name, e, magic in (("times_little_endian", "<", 0xA1B2C3D4),
                           ("times_big_endian_nano", ">", 0xA1B23C4D)):
        out = struct.pack(e + "IHHiIII", magic, 2, 4, 0, 0, 0, 1)
        for sec, frac in ((0xFFFFFFFE, 5), (5, 0xFFFFFFF0), (0x80000000, 0x7FFFFFFF)):
            out += struct.pack(e + "IIII", sec, frac, len(eths[0]), len(eths[0])) + eths[0]
        s[name] = out
    big = pcap_file(1, eths[:1])
    s["caplen_past_maximum"] = big + struct.pack("<IIII", 1700000001, 0, 262145, 262145) + \
        bytes(64)
    return s


TARGETS = {
    "tcp_reasm": reasm_seeds,
    "app_detect": detect_seeds,
    "app_tls": tls_seeds,
    "app_dns": dns_seeds,
}
