#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the seed corpora of the libFuzzer targets: tests/fuzz/corpus/<target>/<name>.

Each seed is a realistic input (HTTP requests and responses, SMTP sessions, MIME mail,
form/JSON/base64/quoted-printable texts, compressed bodies, Ethernet frames; TCP segment
scripts, TLS ClientHellos, DNS messages and capture files from corpus_net.py; validator
candidates, configuration files, policy and label map bodies and selectors from
corpus_conf.py) in the input layout its target documents at the top of
tests/fuzz/fuzz_<target>.c. The fuzzer starts
from these instead of from nothing, so it spends its time past the first bytes of each
protocol. The seeds are small on purpose (a few KB per target): libFuzzer's mutations do
the rest. Deterministic: run it again and the files come out the same (zlib/gzip with a
fixed mtime; br and zstd seeds from the `brotli` and `zstd` programs when installed,
skipped otherwise).

    /usr/bin/python3 tests/fuzz/make_corpus.py [--out DIR] [--only TARGET]
"""
import argparse
import gzip
import os
import shutil
import struct
import subprocess
import zlib

import corpus_conf
import corpus_net

HERE = os.path.dirname(os.path.abspath(__file__))


def le16(n):
    return struct.pack("<H", n)


def crlf(*lines):
    return "".join(line + "\r\n" for line in lines).encode()


def gz(data):
    return gzip.compress(data, compresslevel=6, mtime=0)


def zlib_deflate(data):
    return zlib.compress(data, 6)


def raw_deflate(data):
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def tool(cmd, data):
    """Output of an external compressor, or None when it is not installed."""
    if shutil.which(cmd[0]) is None:
        return None
    return subprocess.run(cmd, input=data, stdout=subprocess.PIPE, check=True).stdout


def br(data):
    return tool(["brotli", "-c", "-q", "5"], data)


def zstd(data):
    return tool(["zstd", "-q", "-c", "-3", "--no-check"], data)


def chunked(data, size=16):
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


JSON_DOC = (b'{"name":"Jos\\u00e9 Garc\\u00eda","email":"jose@example.com",'
            b'"iban":"DE89 3704 0044 0532 0130 00","note":"line\\nbreak \\"quoted\\" \\ud83d\\ude00",'
            b'"file":"SGVsbG8sIHRoaXMgaXMgYSBiYXNlNjQgdmFsdWUgaW5zaWRlIEpTT04u"}')
FORM_BODY = (b"name=Jane+Doe&email=jane%40example.com&card=4111+1111+1111+1111"
             b"&comment=caf%C3%A9+%26+more&blob=U2VjcmV0IHBheWxvYWQgZW5jb2RlZA%3D%3D")
TEXT = (b"Dear customer,\nyour account DE89370400440532013000 was charged.\n"
        b"Card: 4111 1111 1111 1111, SSN 078-05-1120.\nRegards\n")
B64_TEXT = (b"RGVhciBjdXN0b21lciwKeW91ciBhY2NvdW50IERFODkzNzA0MDA0NDA1MzIwMTMwMDAgd2FzIGNo\r\n"
            b"YXJnZWQuCkNhcmQ6IDQxMTEgMTExMSAxMTExIDExMTEK\r\n")
QP_TEXT = (b"Caf=C3=A9 au lait =3D 3 =E2=82=AC, line with trailing blanks   \r\n"
           b"a soft line break here =\r\nand here=20\r\n=\n"
           b"Card 4111=201111=201111=201111 \t\r\n")

MULTIPART_MAIL = crlf(
    "From: Jane <jane@example.com>",
    "To: bob@example.org",
    "Subject: =?UTF-8?B?UmVwb3J0IMOpdMOp?= =?ISO-8859-1?Q?_caf=E9?=",
    "MIME-Version: 1.0",
    'Content-Type: multipart/mixed; boundary="outer-b"',
    "",
    "preamble",
    "--outer-b",
    "Content-Type: multipart/alternative; boundary=inner",
    "",
    "--inner",
    "Content-Type: text/plain; charset=utf-8",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "Caf=C3=A9 card 4111=201111=201111=201111",
    "--inner",
    "Content-Type: text/html",
    "",
    "<p>card 4111 1111 1111 1111</p>",
    "--inner--",
    "--outer-b",
    "Content-Type: application/pdf; name=report.pdf",
    "Content-Disposition: attachment;",
    " filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
    "Content-Transfer-Encoding: base64",
    "",
    "JVBERi0xLjQKJcOkw7zDtsOfCjIgMCBvYmoKPDwvTGVuZ3RoIDMgMCBSL0ZpbHRlci9GbGF0ZUR",
    "--outer-b--",
    "epilogue",
)

FORM_DATA = crlf(
    "--xyzBOUNDARY",
    'Content-Disposition: form-data; name="name"',
    "",
    "Jane Doe",
    "--xyzBOUNDARY",
    'Content-Disposition: form-data; name="upload"; filename="cards.csv"',
    "Content-Type: text/csv",
    "",
    "name,card",
    "jane,4111111111111111",
    "--xyzBOUNDARY--",
)


# ---- app_http: [flags][seed][request length LE16][request stream][response stream] ----

def http_seed(req, resp, flags=0, seed=1):
    return bytes([flags, seed]) + le16(len(req)) + req + resp


def http_seeds():
    s = {}
    s["get_200"] = http_seed(
        crlf("GET /search?q=caf%C3%A9&card=4111111111111111 HTTP/1.1", "Host: example.com",
             "User-Agent: curl/8.0", "Accept: */*", ""),
        crlf("HTTP/1.1 200 OK", "Content-Type: text/plain", "Content-Length: 5", "") + b"hello")
    s["post_form_chunked_resp"] = http_seed(
        crlf("POST /submit HTTP/1.1", "Host: shop.example",
             "Content-Type: application/x-www-form-urlencoded",
             "Content-Length: %d" % len(FORM_BODY), "") + FORM_BODY,
        crlf("HTTP/1.1 200 OK", "Transfer-Encoding: chunked", "") + chunked(b"thanks " * 6),
        flags=0x40, seed=7)
    body = gz(JSON_DOC)
    s["post_json_gzip"] = http_seed(
        crlf("POST /api/v1/users HTTP/1.1", "Host: api.example", "Content-Type: application/json",
             "Content-Encoding: gzip", "Content-Length: %d" % len(body), "") + body,
        crlf("HTTP/1.1 204 No Content", "", ""), seed=3)
    s["pipelined_head"] = http_seed(
        crlf("GET /a HTTP/1.1", "Host: h", "", "HEAD /b HTTP/1.1", "Host: h", "",
             "GET /c HTTP/1.1", "Host: h", "Connection: close", ""),
        crlf("HTTP/1.1 200 OK", "Content-Length: 2", "") + b"ok" +
        crlf("HTTP/1.1 200 OK", "Content-Length: 1000", "") +
        crlf("HTTP/1.1 200 OK", "Connection: close", "") + b"until close", flags=0x48, seed=9)
    s["connect_tunnel"] = http_seed(
        crlf("CONNECT example.com:443 HTTP/1.1", "Host: example.com:443", "") + b"\x16\x03\x01\x00\x05hello",
        crlf("HTTP/1.1 200 Connection established", "") + b"\x16\x03\x03\x00\x02hi", seed=4)
    s["upgrade_101"] = http_seed(
        crlf("GET /chat HTTP/1.1", "Host: ws.example", "Upgrade: websocket", "Connection: Upgrade",
             "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "") + b"\x81\x05hello",
        crlf("HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade", "")
        + b"\x81\x02hi", seed=5)
    s["chunked_trailers_100"] = http_seed(
        crlf("PUT /upload HTTP/1.1", "Host: h", "Expect: 100-continue",
             "Transfer-Encoding: gzip, chunked", "") +
        b"a;ext=1\r\n0123456789\r\n3\r\nabc\r\n0\r\nChecksum: 1\r\n\r\n",
        crlf("HTTP/1.1 100 Continue", "", "HTTP/1.1 201 Created", "Content-Length: 0", ""),
        flags=0x04, seed=6)
    s["http10_close"] = http_seed(
        crlf("GET / HTTP/1.0", ""), crlf("HTTP/1.0 200 OK", "Content-Type: text/html", "")
        + b"<html>body</html>", flags=0x48, seed=2)
    s["multipart_upload"] = http_seed(
        crlf("POST /form HTTP/1.1", "Host: h",
             "Content-Type: multipart/form-data; boundary=xyzBOUNDARY",
             "Content-Length: %d" % len(FORM_DATA), "") + FORM_DATA,
        crlf("HTTP/1.1 302 Found", "Location: /done", "Content-Length: 0", ""), seed=8)
    s["limits_small"] = http_seed(
        crlf("GET /x HTTP/1.1", "Host: a", "X-A: 1", "X-B: 2", "X-C: 3", ""),
        crlf("HTTP/1.1 200 OK", "Content-Length: 0", ""), flags=0x01, seed=10)
    s["te_and_cl_gap"] = http_seed(
        crlf("POST /p HTTP/1.1", "Host: h", "Content-Length: 5", "Transfer-Encoding: chunked", "")
        + b"5\r\nhello\r\n0\r\n\r\n",
        crlf("HTTP/1.1 200 OK", "Content-Length: 3", "") + b"abc", flags=0x30, seed=11)
    return s


# ---- records: a control word (LE16: direction bit, length) then the bytes ----

def rec(direction, data, dir_bit=0x8000):
    assert len(data) < 0x4000
    return le16((dir_bit if direction else 0) | len(data)) + data


def smtp_session(records, flags=0, seed=1):
    return bytes([flags, seed]) + b"".join(rec(d, x) for d, x in records)


def mail_data(msg):
    """The content of a DATA command: dot-stuffed, ended by the lone dot."""
    lines = msg.split(b"\r\n")
    body = b"\r\n".join(b"." + ln if ln.startswith(b".") else ln for ln in lines)
    if not body.endswith(b"\r\n"):
        body += b"\r\n"
    return body + b".\r\n"


SIMPLE_MAIL = crlf("From: jane@example.com", "To: bob@example.org", "Subject: hello", "",
                   "Card 4111 1111 1111 1111", ".leading dot", "bye")

S, C = 1, 0


def smtp_records_data(msg):
    return [
        (S, crlf("220 mx.example.org ESMTP ready")),
        (C, crlf("EHLO client.example.com")),
        (S, crlf("250-mx.example.org", "250-PIPELINING", "250-CHUNKING", "250-STARTTLS",
                 "250 8BITMIME")),
        (C, crlf("MAIL FROM:<jane.doe@example.com> SIZE=1000")),
        (S, crlf("250 2.1.0 Ok")),
        (C, crlf("RCPT TO:<bob@example.org>")),
        (S, crlf("250 2.1.5 Ok")),
        (C, crlf("RCPT TO:<carol@example.net>")),
        (S, crlf("550 5.1.1 unknown")),
        (C, crlf("DATA")),
        (S, crlf("354 End data with <CR><LF>.<CR><LF>")),
        (C, mail_data(msg)),
        (S, crlf("250 2.0.0 queued")),
        (C, crlf("QUIT")),
        (S, crlf("221 2.0.0 Bye")),
    ]


def smtp_seeds():
    s = {}
    s["data_simple"] = smtp_session(smtp_records_data(SIMPLE_MAIL))
    s["data_mime"] = smtp_session(smtp_records_data(MULTIPART_MAIL), seed=3)
    chunk1 = SIMPLE_MAIL[:40]
    chunk2 = SIMPLE_MAIL[40:]
    s["bdat"] = smtp_session([
        (S, crlf("220 mx ESMTP")),
        (C, crlf("EHLO c")),
        (S, crlf("250-mx", "250 CHUNKING")),
        (C, crlf("MAIL FROM:<a@b.c>", "RCPT TO:<d@e.f>")),
        (S, crlf("250 Ok", "250 Ok")),
        (C, b"BDAT %d\r\n" % len(chunk1) + chunk1),
        (S, crlf("250 Ok")),
        (C, b"BDAT %d LAST\r\n" % len(chunk2) + chunk2),
        (S, crlf("250 Ok")),
        (C, crlf("QUIT")),
    ], seed=4)
    s["starttls"] = smtp_session([
        (S, crlf("220 mx ESMTP")),
        (C, crlf("EHLO c")),
        (S, crlf("250-mx", "250 STARTTLS")),
        (C, crlf("STARTTLS")),
        (S, crlf("220 2.0.0 Ready to start TLS")),
        (C, b"\x16\x03\x01\x00\x31\x01\x00\x00\x2d\x03\x03" + bytes(8)),
        (S, b"\x16\x03\x03\x00\x10" + bytes(8)),
    ], seed=5)
    s["pipelined_rset"] = smtp_session([
        (S, crlf("220 mx ESMTP")),
        (C, crlf("HELO c", "MAIL FROM:<>", "RCPT TO:<x@y>", "RSET", "MAIL FROM:<p@q>",
                 "RCPT TO:<r@s>", "DATA")),
        (S, crlf("250 mx", "250 Ok", "250 Ok", "250 Ok", "250 Ok", "250 Ok", "354 go")),
        (C, mail_data(b"Subject: x\r\n\r\nhi")),
        (S, crlf("250 Ok")),
        (C, crlf("AUTH PLAIN AGphbmUAc2VjcmV0", "NOOP", "QUIT")),
        (S, crlf("235 ok", "250 ok", "221 bye")),
    ], flags=1, seed=6)
    s["data_refused"] = smtp_session([
        (S, crlf("220 mx ESMTP")),
        (C, crlf("EHLO c")),
        (S, crlf("250 mx")),
        (C, crlf("MAIL FROM:<a@b>", "RCPT TO:<c@d>", "DATA") + b"Subject: early\r\n"),
        (S, crlf("250 Ok", "250 Ok", "554 no valid recipients")),
    ], seed=7)
    return s


# ---- app_mime: [flags][seed][content-type length][content type][body] ----

def mime_seeds():
    s = {}
    s["mail_multipart"] = bytes([0, 1, 0]) + MULTIPART_MAIL
    s["mail_plain_qp"] = bytes([0, 2, 0]) + crlf(
        "Subject: =?utf-8?Q?Caf=C3=A9_=E2=82=AC?=", "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable", "") + QP_TEXT
    ct = b"multipart/form-data; boundary=xyzBOUNDARY"
    s["body_form_data"] = bytes([1, 3, len(ct)]) + ct + FORM_DATA
    ct = b"text/plain; charset=us-ascii"
    s["body_plain"] = bytes([1, 4, len(ct)]) + ct + TEXT
    s["mail_deep_limits"] = bytes([2, 5, 0]) + crlf(
        'Content-Type: multipart/mixed; boundary="a"', "", "--a",
        'Content-Type: multipart/mixed; boundary="b"', "", "--b",
        'Content-Type: multipart/digest; boundary="c"', "", "--c", "", "Subject: inner", "",
        "text", "--c--", "--b--", "--a--")
    return s


# ---- decode_text: [kind][cut offset LE16][seed][text] ----

def text_seeds():
    s = {}
    s["form"] = bytes([0]) + le16(17) + bytes([1]) + FORM_BODY
    s["json"] = bytes([1]) + le16(33) + bytes([2]) + JSON_DOC
    s["b64_std"] = bytes([2]) + le16(5) + bytes([3]) + B64_TEXT + b"QUJD=\r\nRA=="
    s["b64_url"] = bytes([3]) + le16(9) + bytes([4]) + b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0_-w"
    s["b64_any"] = bytes([4]) + le16(2) + bytes([5]) + b"Pz8-Pz8_ Pj4+Pj4/ QQ= =\r\nQUI="
    s["qp"] = bytes([5]) + le16(12) + bytes([6]) + QP_TEXT
    return s


# ---- decode_comp: [codings][limits][seed][body] ----

def comp_byte(codings):
    """Byte 0 for codings in header order (gzip 0, deflate 1, br 2, zstd 3)."""
    code = {"gzip": 0, "deflate": 1, "br": 2, "zstd": 3}
    b0 = len(codings) - 1
    for i, c in enumerate(codings[:3]):
        b0 |= code[c] << (2 + 2 * i)
    b1 = code[codings[3]] if len(codings) > 3 else 0
    return b0, b1


def comp_seed(codings, body, limits=0, seed=1):
    b0, b1 = comp_byte(codings)
    return bytes([b0, b1 | limits, seed]) + body


def comp_seeds():
    data = TEXT * 3 + JSON_DOC
    s = {}
    s["gzip"] = comp_seed(["gzip"], gz(data))
    s["gzip_two_members_trailing"] = comp_seed(["gzip"], gz(b"first ") + gz(b"second") + b"\0\0junk",
                                               seed=2)
    s["deflate_zlib"] = comp_seed(["deflate"], zlib_deflate(data), seed=3)
    s["deflate_raw"] = comp_seed(["deflate"], raw_deflate(data), limits=0x10, seed=4)
    s["gzip_truncated_small_pool"] = comp_seed(["gzip"], gz(data)[:-20], limits=0x0c, seed=5)
    s["bomb_like"] = comp_seed(["deflate"], zlib_deflate(b"\0" * 200000), limits=0x20, seed=6)
    b = br(data)
    if b is not None:
        s["br"] = comp_seed(["br"], b, seed=7)
        s["gzip_then_br"] = comp_seed(["gzip", "br"], br(gz(data)), seed=8)
    z = zstd(data)
    if z is not None:
        s["zstd"] = comp_seed(["zstd"], z, seed=9)
        s["zstd_two_frames"] = comp_seed(["zstd"], z + zstd(b"tail"), limits=0x80, seed=10)
        s["deflate_then_zstd"] = comp_seed(["deflate", "zstd"], zstd(zlib_deflate(data)), seed=11)
    return s


# ---- app_layer: [flags][seed] then records (direction bit 15, event bit 14) ----

def layer_conv(records, flags=0, seed=1):
    out = bytes([flags, seed])
    for d, x in records:
        if x == "eof":
            out += le16((0x8000 if d else 0) | 0x4000)
        elif x == "gap":
            out += le16((0x8000 if d else 0) | 0x4001)
        else:
            out += rec(d, x)
    return out


def layer_seeds():
    s = {}
    body = gz(JSON_DOC)
    s["http_json_gzip"] = layer_conv([
        (C, crlf("POST /api?token=abc%20def HTTP/1.1", "Host: api.example",
                 "Content-Type: application/json", "Content-Encoding: gzip",
                 "Content-Length: %d" % len(body), "") + body),
        (S, crlf("HTTP/1.1 200 OK", "Content-Type: application/json", "Transfer-Encoding: chunked", "")
         + chunked(JSON_DOC, 40)),
    ])
    s["http_form_b64"] = layer_conv([
        (C, crlf("POST /f HTTP/1.1", "Host: h", "Content-Type: application/x-www-form-urlencoded",
                 "Content-Length: %d" % len(FORM_BODY), "") + FORM_BODY),
        (S, crlf("HTTP/1.1 200 OK", "Content-Length: 2", "") + b"ok"),
    ], flags=0x08, seed=2)
    s["http_multipart"] = layer_conv([
        (C, crlf("POST /up HTTP/1.1", "Host: h",
                 "Content-Type: multipart/form-data; boundary=xyzBOUNDARY",
                 "Content-Length: %d" % len(FORM_DATA), "") + FORM_DATA),
        (S, crlf("HTTP/1.0 200 OK", "") + TEXT),
        (S, "eof"),
    ], seed=3)
    z = zstd(TEXT)
    if z is not None:
        s["http_zstd_refuse"] = layer_conv([
            (C, crlf("GET /z HTTP/1.1", "Host: h", "")),
            (S, crlf("HTTP/1.1 200 OK", "Content-Encoding: zstd", "Content-Length: %d" % len(z), "") + z),
        ], flags=0x20, seed=4)
    s["http_gap"] = layer_conv([
        (C, crlf("POST /g HTTP/1.1", "Host: h", "Content-Length: 100", "") + b"card 4111"),
        (C, "gap"),
        (C, b"1111 1111 1111"),
        (S, crlf("HTTP/1.1 200 OK", "Content-Length: 0", "")),
    ], flags=0x80, seed=5)
    recs = smtp_records_data(MULTIPART_MAIL)
    s["smtp_mime"] = layer_conv(recs, flags=0x01, seed=6)
    b64_mail = crlf("Subject: b64", "Content-Transfer-Encoding: base64", "") + B64_TEXT
    s["smtp_b64_small"] = layer_conv(smtp_records_data(b64_mail), flags=0x07, seed=7)
    return s


# ---- pkt_parse: Ethernet frames ----

def ip_checksum(h):
    if len(h) % 2:
        h += b"\0"
    s = sum(struct.unpack("!%dH" % (len(h) // 2), h))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def eth(ethertype, payload, vlans=()):
    out = bytes.fromhex("02000000000102000000000208")[:12]
    for tpid, vid in vlans:
        out += struct.pack("!HH", tpid, vid)
    return out + struct.pack("!H", ethertype) + payload


def ipv4(proto, payload, src="10.0.0.1", dst="192.0.2.7", opts=b"", frag=0, ident=1):
    ihl = 5 + len(opts) // 4
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, 20 + len(opts) + len(payload), ident, frag,
                    64, proto, 0, bytes(map(int, src.split("."))),
                    bytes(map(int, dst.split(".")))) + opts
    h = h[:10] + struct.pack("!H", ip_checksum(h)) + h[12:]
    return h + payload


def ipv6(nh, payload, src=bytes(15) + b"\x01", dst=b"\x20\x01\x0d\xb8" + bytes(11) + b"\x07"):
    return struct.pack("!IHBB", 0x60000000, len(payload), nh, 64) + src + dst + payload


def tcp(sport, dport, flags, data=b"", opts=b""):
    off = (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 2000, off << 4, flags, 65535, 0, 0) + opts + data


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def pkt_seeds():
    syn_opts = bytes.fromhex("020405b4" "0402" "080a0000000100000000" "01" "030307")
    dns = bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001")
    s = {}
    s["ipv4_tcp_syn"] = eth(0x0800, ipv4(6, tcp(40000, 443, 0x02, opts=syn_opts)))
    s["ipv4_tcp_data_padding"] = eth(0x0800, ipv4(6, tcp(40000, 80, 0x18, b"GET / HTTP/1.1\r\n"))) + bytes(6)
    s["ipv4_udp_dns"] = eth(0x0800, ipv4(17, udp(5353, 53, dns)))
    s["ipv4_options_icmp"] = eth(0x0800, ipv4(1, bytes.fromhex("0800f7ff00000000"), opts=bytes.fromhex("07070400000000")+b"\x00"))
    s["ipv4_fragment"] = eth(0x0800, ipv4(17, udp(1, 2, b"x" * 24), frag=0x2000, ident=77))
    s["vlan_qinq_ipv4"] = eth(0x0800, ipv4(17, udp(1000, 2000, b"hi")), vlans=((0x88a8, 100), (0x8100, 200)))
    s["ipv6_tcp"] = eth(0x86dd, ipv6(6, tcp(50000, 25, 0x10, b"EHLO x\r\n")))
    hbh = bytes([58, 0]) + bytes.fromhex("010400000000")  # hop-by-hop, PadN, then ICMPv6
    s["ipv6_hbh_icmpv6"] = eth(0x86dd, ipv6(0, hbh + bytes.fromhex("8000000000010001")))
    frag = bytes([17, 0]) + struct.pack("!HI", 0x0001, 0x1234)  # offset 0, M=1
    s["ipv6_fragment"] = eth(0x86dd, ipv6(44, frag + udp(1, 2, b"abcdefgh")))
    s["arp"] = eth(0x0806, bytes.fromhex("0001080006040001020000000001") + bytes(4) + bytes(6) + bytes(4))
    return s


# ---- defrag: sequences of fragments (layout at the top of tests/fuzz/fuzz_defrag.c) ----

def v4_frags(ident, data, pieces, proto=17, opts=b""):
    """IPv4 fragments of data: pieces are (offset, length, more)."""
    return [eth(0x0800, ipv4(proto, data[o:o + n], opts=opts, ident=ident,
                             frag=(0x2000 if more else 0) | (o // 8)))
            for o, n, more in pieces]


def v6_frags(ident, data, pieces, ext=b"", first_nh=44):
    """IPv6 fragments of data behind ext (unfragmentable headers ending in next header 44)."""
    out = []
    for o, n, more in pieces:
        fh = bytes([17, 0]) + struct.pack("!HI", o | (1 if more else 0), ident)
        out.append(eth(0x86dd, ipv6(first_nh, ext + fh + data[o:o + n])))
    return out


def even(total, step):
    """(offset, length, more) pieces of step bytes covering total bytes."""
    return [(o, min(step, total - o), o + step < total) for o in range(0, total, step)]


def defrag_input(frames, max_frags=32, flows=8, memcap_frags=48, dt=1, tail=b""):
    out = bytes([(max_frags - 2) % 31, (flows - 1) % 16, (memcap_frags - 1) % 48])
    for f in frames:
        out += bytes([dt << 2]) + le16(len(f)) + f
    return out + tail


def defrag_seeds():
    data = udp(5000, 53, bytes(range(256)) * 2)          # 520 bytes
    s = {}
    pieces = even(len(data), 128)
    s["ipv4_in_order"] = defrag_input(v4_frags(1, data, pieces))
    s["ipv4_reverse"] = defrag_input(v4_frags(2, data, pieces[::-1]))
    mixed = [pieces[i] for i in (2, 0, 4, 1, 3)]
    s["ipv4_shuffled_options"] = defrag_input(v4_frags(3, data, mixed, opts=bytes([1, 1, 1, 0])))
    s["ipv4_duplicate"] = defrag_input(v4_frags(4, data, pieces[:2] + pieces[1:2] + pieces[2:]))
    s["ipv4_overlap"] = defrag_input(v4_frags(5, data, [(0, 128, 1), (120, 128, 1),
                                                        (248, 272, 0)]))
    s["ipv4_too_many"] = defrag_input(v4_frags(6, data, even(len(data), 8)), max_frags=32)
    s["ipv4_past_64k"] = defrag_input(v4_frags(7, b"\0" * 65544, [(0, 8, 1), (65528, 16, 0)]))
    s["ipv4_timeout_then_rest"] = defrag_input(v4_frags(8, data, pieces[:2]), dt=1,
                                               tail=bytes([(63 << 2) | 2]) +
                                               b"".join(bytes([4]) + le16(len(f)) + f
                                                        for f in v4_frags(8, data, pieces[2:])))
    two = v4_frags(9, data, pieces) + v4_frags(10, data, pieces)
    s["ipv4_two_interleaved_flush"] = defrag_input(two[0::2] + two[1::2], flows=1,
                                                   tail=bytes([3]))
    s["ipv6_in_order"] = defrag_input(v6_frags(0x1234, data, even(len(data), 128)))
    hbh = bytes([44, 0]) + bytes.fromhex("010400000000")
    s["ipv6_hbh_shuffled"] = defrag_input(v6_frags(0x5678, data, [pieces[i] for i in
                                                                  (4, 1, 0, 3, 2)],
                                                   ext=hbh, first_nh=0))
    s["ipv6_misaligned"] = defrag_input(v6_frags(0x9abc, data, [(0, 100, 1), (104, 416, 0)]))
    return s


TARGETS = {
    "app_http": http_seeds,
    "app_smtp": smtp_seeds,
    "app_mime": mime_seeds,
    "decode_text": text_seeds,
    "decode_comp": comp_seeds,
    "app_layer": layer_seeds,
    "pkt_parse": pkt_seeds,
    "defrag": defrag_seeds,
}
TARGETS.update(corpus_net.TARGETS)
TARGETS.update(corpus_conf.TARGETS)


def pcap_seeds():
    return corpus_net.pcap_seeds([
        eth(0x0800, ipv4(6, tcp(40000, 80, 0x18, b"GET / HTTP/1.1\r\n\r\n"))),
        eth(0x86dd, ipv6(17, udp(5353, 53, corpus_net.dns_query("example.com")))),
        eth(0x0800, ipv4(1, bytes.fromhex("0800f7ff00000000")))])


TARGETS["pcap_reader"] = pcap_seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"),
                    help="directory of the per-target corpora (default: tests/fuzz/corpus)")
    ap.add_argument("--only", metavar="TARGET", choices=sorted(TARGETS),
                    help="write this target's corpus only")
    args = ap.parse_args()
    for target, make in TARGETS.items():
        if args.only is not None and target != args.only:
            continue
        d = os.path.join(args.out, target)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.unlink(os.path.join(d, old))
        seeds = make()
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
        total = sum(len(v) for v in seeds.values())
        print("%-12s %2d seeds, %6d bytes" % (target, len(seeds), total))


if __name__ == "__main__":
    main()
