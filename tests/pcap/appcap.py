#!/usr/bin/python3
"""Application-layer captures for the decoding tests: HTTP and SMTP messages whose bodies
are encoded the way real clients encode them, reference decoders that say what each of
tollgated's decoded buffers holds, and the dlp rows read back from the events.

The decoding contract (docs/events.md, `matches[].path` and `offset`):
  * "raw": the reassembled direction as sent; offset = stream offset;
  * "http.body" + " > CODING" per Content-Encoding undone, in decoding order (the last
    applied first: "gzip, br" reads "http.body > br > gzip"), + " > form" for
    application/x-www-form-urlencoded, " > json" for application/json and */*+json;
    chunked adds nothing; offset = offset in the body after all decoding;
  * "http.url > form": a request target holding '?' or '%', the whole target form-decoded;
  * "smtp.body": the body of a one-part mail (DATA up to the lone dot, dot-unstuffed; or
    the BDAT chunks joined), after its header section: offset 0 = the first byte after
    the empty line ending the headers (mail_body() below); the headers are scanned raw;
  * form decoding: '+' -> space, %XX -> byte, '&' -> '\\n', '=' kept; JSON: string
    escapes undone, everything else as is (form_decode, json_decode below);
  * one value, one report per direction, from the innermost layer.

Rows are (client port, direction, sensor, redacted, path, offset): every test compares
exact sets of them, never counts. AppFlow builds one connection and the rows it must give.

Compressors: zlib (stdlib), brotli (Debian python3-brotli), zstandard (python3-zstandard);
tools/install-deps.sh installs them.
"""

import base64
import random
import re
import zlib
from collections import Counter, namedtuple
from pathlib import Path
from urllib.parse import quote, quote_plus

import brotli
import zstandard

import dlp_values as V
import eve
import tgpcap
from tgpcap import C2S, EPOCH_US, S2C, fail_with

Row = namedtuple("Row", "port direction sensor redacted path offset")
DIRECTION = {C2S: "to_server", S2C: "to_client"}

CLIENT = "10.62.0.1"
SERVER = "10.62.1.1"


# --------------------------------------------------------------------------------------
# Content codings (RFC 9110 8.4)
# --------------------------------------------------------------------------------------

# Coding -> (Content-Encoding token, name in the decoding path). "deflate" is the
# zlib-wrapped stream RFC 9110 means; "deflate-raw" the bare RFC 1951 stream some servers
# send under the same token, which a decoder must accept too.
CODINGS = {
    "gzip": ("gzip", "gzip"),
    "deflate": ("deflate", "deflate"),
    "deflate-raw": ("deflate", "deflate"),
    "br": ("br", "br"),
    "zstd": ("zstd", "zstd"),
}
_WBITS = {"gzip": 31, "deflate": 15, "deflate-raw": -15}


def compress(coding, data, flush_at=()):
    """data compressed with coding. For the deflate family, flush_at lists offsets of data
    where a Z_FULL_FLUSH ends the deflate block (byte-aligned, dictionary reset), so the
    bytes before and after sit in different blocks."""
    if coding in _WBITS:
        c = zlib.compressobj(6, zlib.DEFLATED, _WBITS[coding])
        out, prev = [], 0
        for k in sorted(flush_at):
            out.append(c.compress(data[prev:k]))
            out.append(c.flush(zlib.Z_FULL_FLUSH))
            prev = k
        out.append(c.compress(data[prev:]))
        out.append(c.flush())
        return b"".join(out)
    assert not flush_at, "flush points only for the deflate family"
    if coding == "br":
        return brotli.compress(data)
    if coding == "zstd":
        return zstandard.ZstdCompressor(level=3).compress(data)
    raise ValueError(coding)


def content_encode(codings, data, flush_at=()):
    """Apply codings in the order listed (the order of the Content-Encoding header).
    Returns (body, header value, path suffix), e.g. ["gzip", "br"] -> "gzip, br",
    " > br > gzip". flush_at applies to the first coding (deflate family)."""
    header = ", ".join(CODINGS[c][0] for c in codings)
    suffix = "".join(" > " + CODINGS[c][1] for c in reversed(codings))
    for i, c in enumerate(codings):
        data = compress(c, data, flush_at if i == 0 else ())
    return data, header, suffix


def decompress(coding, data):
    if coding in _WBITS:
        d = zlib.decompressobj(_WBITS[coding])
        return d.decompress(data) + d.flush()
    if coding == "br":
        return brotli.decompress(data)
    if coding == "zstd":
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise ValueError(coding)


# --------------------------------------------------------------------------------------
# Transfer coding: chunked (RFC 9112 7.1)
# --------------------------------------------------------------------------------------

def chunked(body, cuts=(), ext=b"", trailers=b"", upper=False):
    """body in chunks cut at the offsets in cuts; ext (e.g. b";v=1") after each size;
    trailers (complete field lines) after the last chunk."""
    bounds = [0] + sorted(set(k for k in cuts if 0 < k < len(body))) + [len(body)]
    out = []
    for a, b in zip(bounds, bounds[1:]):
        if b > a:
            size = (b"%X" if upper else b"%x") % (b - a)
            out.append(size + ext + b"\r\n" + body[a:b] + b"\r\n")
    out.append(b"0" + ext + b"\r\n" + trailers + b"\r\n")
    return b"".join(out)


def random_cuts(rng, n, pieces):
    """pieces - 1 distinct cut offsets in (0, n)."""
    if n < 2 or pieces < 2:
        return []
    return sorted(rng.sample(range(1, n), min(pieces - 1, n - 1)))


# --------------------------------------------------------------------------------------
# Forms and JSON, and their reference decoders
# --------------------------------------------------------------------------------------

def form_escape(text, space="+"):
    """A form value as a browser writes it: '@' -> %40, '/' -> %2F ...; spaces as '+'
    (space="+") or %20 (space="%20")."""
    if space == "+":
        return quote_plus(text, safe="-._~*")
    return quote(text, safe="-._~*")


def form_encode(fields, space="+"):
    """fields: [(name, value)] -> bytes name=value&name=value."""
    return "&".join("%s=%s" % (form_escape(k, space), form_escape(v, space))
                    for k, v in fields).encode()


_HEX = b"0123456789abcdefABCDEF"


def form_decode(data):
    """The daemon's form decoding: '+' -> space, %XX -> byte, '&' -> LF, anything else
    (an invalid escape included) as written."""
    out = bytearray()
    i, n = 0, len(data)
    while i < n:
        c = data[i]
        if c == 0x2B:
            out.append(0x20)
        elif c == 0x26:
            out.append(0x0A)
        elif c == 0x25 and i + 2 < n and data[i + 1] in _HEX and data[i + 2] in _HEX:
            out.append(int(data[i + 1:i + 3], 16))
            i += 3
            continue
        else:
            out.append(c)
        i += 1
    return bytes(out)


def json_string(text, escape="", rng=None):
    """text as a JSON string literal (with the quotes). escape names what to write as
    escapes besides what JSON requires: 's' spaces as \\u0020, 'a' '@' as \\u0040,
    '/' as \\/, 'u' every other character as \\u00XX with probability 0.1 (rng)."""
    out = ['"']
    for ch in text:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == " " and "s" in escape:
            out.append("\\u0020")
        elif ch == "@" and "a" in escape:
            out.append("\\u0040")
        elif ch == "/" and "/" in escape:
            out.append("\\/")
        elif "u" in escape and rng is not None and rng.random() < 0.1 and ord(ch) < 128:
            out.append("\\u%04x" % ord(ch))
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_JSON_SIMPLE = {ord('"'): 0x22, ord("\\"): 0x5C, ord("/"): 0x2F, ord("b"): 0x08,
                ord("f"): 0x0C, ord("n"): 0x0A, ord("r"): 0x0D, ord("t"): 0x09}


def json_decode(data):
    """The daemon's JSON decoding of well-formed JSON: outside strings as is; inside, the
    escapes undone (\\uXXXX to UTF-8, surrogate pairs joined)."""
    out = bytearray()
    i, n, in_str = 0, len(data), False
    while i < n:
        c = data[i]
        if not in_str:
            out.append(c)
            in_str = c == 0x22
            i += 1
            continue
        if c == 0x22:
            out.append(c)
            in_str = False
            i += 1
        elif c == 0x5C:
            e = data[i + 1]
            if e == ord("u"):
                u = int(data[i + 2:i + 6], 16)
                i += 6
                if 0xD800 <= u < 0xDC00 and data[i:i + 2] == b"\\u":
                    lo = int(data[i + 2:i + 6], 16)
                    u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00)
                    i += 6
                out += chr(u).encode()
            else:
                out.append(_JSON_SIMPLE[e])
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


# --------------------------------------------------------------------------------------
# MIME transfer encodings (RFC 2045 6.7, 6.8)
# --------------------------------------------------------------------------------------

def b64_lines(data, line=76):
    """base64 of data in CRLF-terminated lines of `line` characters (RFC 2045: at most 76)."""
    s = base64.b64encode(data)
    return b"".join(s[i:i + line] + b"\r\n" for i in range(0, len(s), line))


def qp_encode(data, soft_at=(), line=76):
    """Quoted-printable of data (CRLF line breaks kept as hard breaks): '=' and bytes
    outside printable ASCII as =XX, trailing blanks of a line as =XX, a soft line break
    ("=\\r\\n") before any encoded line would pass `line` characters and at each offset
    of data in soft_at."""
    soft = set(soft_at)
    out, cur = [], bytearray()
    i, n = 0, len(data)
    while i < n:
        if i in soft and cur:
            out.append(bytes(cur) + b"=\r\n")
            cur = bytearray()
        if data[i:i + 2] == b"\r\n":
            if cur and cur[-1:] in (b" ", b"\t"):
                cur[-1:] = b"=%02X" % cur[-1]
            out.append(bytes(cur) + b"\r\n")
            cur = bytearray()
            i += 2
            continue
        c = data[i]
        tok = bytes([c]) if (33 <= c <= 126 and c != 0x3D) or c in (0x20, 0x09) else \
            b"=%02X" % c
        if len(cur) + len(tok) > line - 1:
            out.append(bytes(cur) + b"=\r\n")
            cur = bytearray()
        cur += tok
        i += 1
    if cur:
        if cur[-1:] in (b" ", b"\t"):
            cur[-1:] = b"=%02X" % cur[-1]
        out.append(bytes(cur))
    return b"".join(out)


def qp_decode(data):
    """Reference quoted-printable decoding: soft breaks ("=" CRLF) removed, =XX -> byte,
    blanks at the end of a line dropped, CRLF kept."""
    out = bytearray()
    lines = data.split(b"\r\n")
    for i, ln in enumerate(lines):
        ln = ln.rstrip(b" \t")
        soft = ln.endswith(b"=")
        out += re.sub(rb"=([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]),
                      ln[:-1] if soft else ln)
        if not soft and i < len(lines) - 1:
            out += b"\r\n"
    return bytes(out)


# --------------------------------------------------------------------------------------
# HTTP/1.1 messages
# --------------------------------------------------------------------------------------

def http_message(start, headers=(), body=b"", chunk_cuts=None, chunk_ext=b"",
                 trailers=b"", length=True):
    """start line + headers + framing + body. chunk_cuts (a list, possibly empty): chunked
    with chunks cut there; else Content-Length (when length and there is a body)."""
    lines = [start] + ["%s: %s" % kv for kv in headers]
    if chunk_cuts is not None:
        lines.append("Transfer-Encoding: chunked")
        data = chunked(body, chunk_cuts, chunk_ext, trailers)
    else:
        if length and (body or start.startswith(("POST", "PUT", "HTTP/"))):
            lines.append("Content-Length: %d" % len(body))
        data = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def http_request(method, target, headers=(), body=b"", host="files.example.test", **kw):
    hdr = [("Host", host), ("User-Agent", "tgpcap/1.0"), ("Accept", "*/*")] + list(headers)
    return http_message("%s %s HTTP/1.1" % (method, target), hdr, body, **kw)


def http_response(headers=(), body=b"", status="200 OK", **kw):
    hdr = [("Server", "tgpcap-httpd")] + list(headers)
    return http_message("HTTP/1.1 " + status, hdr, body, **kw)


def head_len(msg):
    return msg.index(b"\r\n\r\n") + 4


# --------------------------------------------------------------------------------------
# SMTP (RFC 5321, RFC 3030 BDAT)
# --------------------------------------------------------------------------------------

# Envelope addresses with a one-label domain: valid SMTP, but not e-mail addresses to
# the email sensor (it wants a TLD), so the envelope adds no raw matches to the rows.
MAIL_FROM = "alice@relay"
RCPT_TO = "bob@intranet"


def plain_mail(body, subject="weekly notes", extra_headers=()):
    """An RFC 5322 message (CRLF lines) with a text body; no MIME headers."""
    hdr = ["From: Alice Example <%s>" % MAIL_FROM, "To: Bob Example <%s>" % RCPT_TO,
           "Subject: " + subject, "Date: Mon, 23 Nov 2026 13:25:37 +0000",
           "Message-ID: <note.%d@relay>" % len(body)] + list(extra_headers)
    return ("\r\n".join(hdr) + "\r\n\r\n").encode() + body


def mail_body(content):
    """The body of a one-part message: what the app layer scans as smtp.body."""
    return content[content.index(b"\r\n\r\n") + 4:]


def crlf(text):
    """LF line ends to CRLF (bytes)."""
    return re.sub(rb"\r?\n", b"\r\n", text)


def dot_stuff(content):
    """RFC 5321 4.5.2: a '.' at a line start is doubled. content ends with CRLF."""
    assert content.endswith(b"\r\n")
    out = re.sub(rb"(^|\r\n)\.", rb"\1..", content)
    return out


def smtp_greeting():
    return [
        (S2C, b"220 mx.intranet ESMTP tgpcap ready\r\n"),
        (C2S, b"EHLO client.example.test\r\n"),
        (S2C, b"250-mx.intranet Hello client.example.test\r\n250-SIZE 52428800\r\n"
              b"250-8BITMIME\r\n250-CHUNKING\r\n250 PIPELINING\r\n"),
    ]


def smtp_envelope():
    return [
        (C2S, b"MAIL FROM:<%s>\r\n" % MAIL_FROM.encode()),
        (S2C, b"250 2.1.0 Ok\r\n"),
        (C2S, b"RCPT TO:<%s>\r\n" % RCPT_TO.encode()),
        (S2C, b"250 2.1.5 Ok\r\n"),
    ]


def smtp_data_turns(content):
    """One mail by DATA: content (CRLF lines, ending in CRLF) is dot-stuffed and ended
    with the lone dot."""
    return smtp_envelope() + [
        (C2S, b"DATA\r\n"),
        (S2C, b"354 End data with <CR><LF>.<CR><LF>\r\n"),
        (C2S, dot_stuff(content) + b".\r\n"),
        (S2C, b"250 2.0.0 Ok: queued\r\n"),
    ]


def smtp_bdat_turns(content, cuts):
    """One mail by BDAT chunks cut at the offsets in cuts (RFC 3030: no stuffing)."""
    bounds = [0] + sorted(cuts) + [len(content)]
    turns = smtp_envelope()
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        last = i == len(bounds) - 2
        turns.append((C2S, b"BDAT %d%s\r\n" % (b - a, b" LAST" if last else b"") +
                      content[a:b]))
        turns.append((S2C, b"250 2.0.0 %d octets received\r\n" % (b - a)))
    return turns


def smtp_quit():
    return [(C2S, b"QUIT\r\n"), (S2C, b"221 2.0.0 Bye\r\n")]


# --------------------------------------------------------------------------------------
# Flows and the rows they must give
# --------------------------------------------------------------------------------------

def value_bytes(v):
    return v.encode() if isinstance(v, str) else v


class AppFlow:
    """One TCP connection from CLIENT:port to SERVER:server_port, and the dlp rows its
    values must give. Build it with send()/close(), declare rows with expect() (a value
    in a decoded buffer you built) and expect_raw() (a value in the stream as sent)."""

    def __init__(self, port, index, server_port=80, label="", seed=0, tiny_first=False,
                 **kw):
        rng = random.Random("%s:%d:%d" % (seed, port, server_port))
        self.port = port
        self.tiny_first = tiny_first
        self.label = label or "port %d" % port
        self.s = tgpcap.TcpSession(rng, CLIENT, port, SERVER, server_port,
                                   start_us=EPOCH_US + index * 5000,
                                   mac_base=2 + 2 * (index % 100), **kw)
        self.rows = set()
        self._raw = []
        self.buffers = {}      # (direction, path, offset) -> text around the value

    def send(self, d, data, first=None, sizes=None):
        """Side d sends data. first: the first segment's length (e.g. an HTTP head, so
        the whole head is parsed before the raw scan of its bytes); the rest in seeded
        random sizes (tgpcap: mostly full, some random, a few of 1-16 bytes). Unless the
        flow was made with tiny_first=True, the client's first segment of the connection
        (when it speaks first) has at least 64 bytes."""
        data = bytes(data)
        if sizes is None and first is None and self.s.sent[C2S] == 0 and \
                self.s.sent[S2C] == 0 and d == C2S and self.tiny_first is False:
            # The client's first segment carries at least 64 bytes (or all), so the
            # application is known from it; a first segment of a few bytes is a case of
            # its own (test_app_decode's first_request_segment_tiny).
            first = min(len(data), 64 + self.s.rng.randrange(self.s.maxseg - 64))
        if sizes is None and first is not None and 0 < first < len(data):
            assert first <= self.s.maxseg, "head of %d bytes > one segment" % first
            sizes = [first] + self.s.split(len(data) - first)
        elif sizes is None and first is not None:
            assert len(data) <= self.s.maxseg
            sizes = [len(data)]
        self.s.turn(d, data, sizes=sizes)

    def turns(self, turns):
        for d, data in turns:
            self.send(d, data)

    def close(self, closer=C2S):
        self.s.close(closer)

    def expect(self, d, sensor, norm, path, buffer, written, start=0):
        """A value written as `written` in the decoded buffer `buffer` (bytes) of `path`
        must be reported once at its offset (it must occur once from `start` on)."""
        w = value_bytes(written)
        off = buffer.find(w, start)
        assert off >= 0, "%s: %r not in the %s buffer" % (self.label, w, path)
        assert buffer.find(w, off + 1) < 0, "%s: %r twice in %s" % (self.label, w, path)
        r = Row(self.port, DIRECTION[d], sensor, V.redact(norm), path, off)
        assert r not in self.rows
        self.rows.add(r)
        self.buffers[(r.direction, path, off)] = buffer[max(0, off - 30):off + len(w) + 30]
        return r

    def expect_planted(self, d, p, path, buffer, written=None, start=0):
        """expect() for a dlp_values.Planted (written as p.raw unless told)."""
        return self.expect(d, p.sensor, p.norm, path, buffer,
                           p.raw if written is None else written, start)

    def expect_raw(self, d, sensor, norm, written):
        """A value that must be reported from the raw stream, at its (unique) offset
        there; resolved once the flow is built."""
        self._raw.append((d, sensor, norm, value_bytes(written)))

    def stream(self, d):
        return bytes(self.s.payload[d])

    def expected(self):
        out = set(self.rows)
        for d, sensor, norm, w in self._raw:
            st = self.stream(d)
            off = st.find(w)
            assert off >= 0 and st.find(w, off + 1) < 0, (self.label, w)
            r = Row(self.port, DIRECTION[d], sensor, V.redact(norm), "raw", off)
            self.buffers[(r.direction, "raw", off)] = st[max(0, off - 30):off + len(w) + 30]
            out.add(r)
        return out


def write_flows(path, flows):
    tgpcap.Capture([f.s for f in flows]).write(str(path))
    return str(path)


# --------------------------------------------------------------------------------------
# Running the daemon and reading the rows
# --------------------------------------------------------------------------------------

def run_daemon(tmp_path, pcap, name="run", config=None, workers=1, timeout=600):
    """tollgated --read pcap --events --state-dir --stats-json (and --config); fails the
    test on a non-zero exit. Returns the RunResult (with .state_dir)."""
    d = Path(tmp_path) / name
    d.mkdir(parents=True)
    args = ["--read", pcap]
    if config is not None:
        (d / "config.yaml").write_text(config)
        args += ["--config", d / "config.yaml"]
    args += ["--events", d / "events.jsonl", "--state-dir", d / "state",
             "--stats-json", d / "stats.json", "--workers", str(workers)]
    res = tgpcap.run_tollgated(args, timeout)
    res.state_dir = d / "state"
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res)
    return res


def dlp_events(events):
    """Findings: threshold alerts and dlp events (every event with a dlp object)."""
    return eve.findings(events)


def rows_of(events):
    """(rows, problems): every listed match of every dlp event as a Row, in file order
    (duplicates stay visible); problems names events that list fewer matches than their
    total (the per-event cap hid some, so the rows are incomplete)."""
    rows, problems = [], []
    for ev in dlp_events(events):
        dl = ev["dlp"]
        for m in dl["matches"]:
            rows.append(Row(ev["src_port"], dl["direction"], m["sensor"], m["redacted"],
                            m.get("path"), m["offset"]))
        if dl["total"] != len(dl["matches"]):
            problems.append("port %d %s: an event lists %d of %d matches (cap): the rows "
                            "cannot be checked" % (ev["src_port"], dl["direction"],
                                                   len(dl["matches"]), dl["total"]))
    return rows, problems


def anomalies_of(events):
    """Counter of (src_port, anomaly event name) for flow anomalies."""
    return Counter((e.get("src_port"), e["anomaly"].get("event")) for e in events
                   if e.get("event_type") == "anomaly")


def compare_rows(expected, got_list, flows=()):
    """Error lines: rows missing, unexpected, or listed more than once. flows: the AppFlows,
    to name each row's flow and show the text around an expected value."""
    by_port = {f.port: f for f in flows}
    errs = []
    got = set(got_list)

    def lab(r):
        f = by_port.get(r.port)
        if f is None:
            return ""
        out = " [%s]" % f.label
        around = f.buffers.get((r.direction, r.path, r.offset))
        if around is not None:
            out += " around it: %r" % around
        return out

    for r in sorted(expected - got):
        errs.append("missing: %s%s" % (tuple(r), lab(r)))
    for r in sorted(got - expected):
        near = [e for e in expected if e.port == r.port and e.sensor == r.sensor and
                e.redacted == r.redacted]
        hint = (" (expected as %s)" % [tuple(e)[4:] for e in near]) if near else ""
        errs.append("unexpected: %s%s%s" % (tuple(r), lab(r), hint))
    for r, c in sorted(Counter(got_list).items()):
        if c > 1:
            errs.append("reported %d times: %s%s" % (c, tuple(r), lab(r)))
    return errs
