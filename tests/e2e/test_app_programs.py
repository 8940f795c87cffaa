"""Real programs, real encodings: curl and swaks talk to local servers across the veth pair
of conftest's namespaces, tcpdump records the client side, and the capture is replayed
through `tollgated --read`. The values are planted the way those programs send them:

  * curl --compressed GETs JSON that the server gzips (Content-Encoding: gzip), with a card,
    an IBAN and an e-mail address written `\\u0040`, behind `\\/` escapes: to_client,
    `http.body > gzip > json`;
  * curl --data-urlencode POSTs a card written `4111 1111 1111 1111` and an e-mail address
    (curl sends them as `4111+1111...` and `%40`): to_server, `http.body > form`;
  * curl -F 'file=@report.csv' uploads a CSV of personal data (multipart/form-data, no
    transfer encoding): `http.body > part[1] report.csv`;
  * swaks sends a mail with the CSV attached (base64) and a mail whose body is
    quoted-printable, with `=3D` before values and soft line breaks inside them:
    `smtp.part[2] payroll.csv > base64` and `smtp.body > qp`.

Checked for each capture: the exact set of (direction, sensor, redacted, path, offset) rows
over all dlp events of the flow, each listed once, and the app metadata of every dlp event
(http{hostname, url, http_method, status, http_content_type} or smtp{helo, mail_from,
rcpt_to, attachments}). The expected paths and offsets follow the app layer's decoding
contract (docs/events.md "matches[].path"): offsets are in the buffer the path names,
computed here from the bytes the server received or sent, decoded by small reference
decoders written from that contract (form, JSON strings, RFC 2045 base64 and
quoted-printable, RFC 2046 multipart).

The MIME cases (multipart upload, base64 attachment, quoted-printable body) need the MIME
part of the app layer; until it is in the daemon they fail, with the rows it reports
instead listed as unexpected.

The mail addresses are @localhost (no TLD, so the e-mail sensor rightly ignores them):
envelope addresses are written twice, raw in MAIL FROM / RCPT TO and again in the mail's
headers, and where a multipart mail's own header block is scanned is not part of the
contract, so an address there could not be given one exact row. The metadata still shows
their masked local parts.
"""

import base64
import datetime
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import time
from collections import Counter, namedtuple
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest

import dlp_values as V
from pcapwait import tcp_conns, wait_closed
import eve
import tgpcap
from tgpcap import fail_with

pytestmark = pytest.mark.e2e

PYTHON = "/usr/bin/python3"
HTTP_PORT = 80                 # the app server's port (curl's Host header has no port)
SMTP_PORT = 2525               # a submission port the daemon recognises SMTP on
HOSTNAME = "shop.example.test"
HELO = "client.example.test"
MAIL_FROM = "payroll@localhost"
RCPT_TO = "hr-records@localhost"
MAIL_DATE = "Mon, 23 Nov 2026 13:25:37 +0000"
WAIT = 30                      # seconds: deadline of every wait on a server or a capture

# Neutral text: no digits, no '@', none of the sensors' context keywords, longer than the
# 64-byte context window, so no keyword reaches a value across it (or a digit run in a
# random MIME boundary on the other side of it).
FILLER = "the quick brown fox jumps over the lazy dog and then runs far away home"
assert len(FILLER) > 64 and not re.search(r"[0-9@]", FILLER)

# A card as a person types it into a form (the brief's example) and two more SSNs.
CARD_FORM = V.Planted("credit_card", "4111 1111 1111 1111", "4111111111111111")
_RNG = random.Random("e2e-app-programs")
SSN_A = V.make_ssn(_RNG, dashed=True)
SSN_B = V.make_ssn(_RNG, dashed=True)
SSN_C = V.make_ssn(_RNG, dashed=True)
assert len({SSN_A.norm, SSN_B.norm, SSN_C.norm, V.SSN_DASHED.norm}) == 4

Row = namedtuple("Row", "direction sensor redacted path offset")

# ------------------------------------------------------------------------------------------
# The servers, run in the server namespace
# ------------------------------------------------------------------------------------------

# HTTP/1.0, one request per connection (the server closes). Logs per connection, in
# LOGDIR/<client ip>_<client port>: .in / .out (every byte read and written), .body and
# .ctype (a POST's body and Content-Type), then .done. GET /api/NAME serves FILEDIR/NAME.json
# gzipped when the request accepts gzip (406 otherwise). No Date or Server header: the
# responses are the same bytes in every run.
APP_HTTP_PY = r'''
import gzip, http.server, os, socketserver, sys, threading

LOGDIR, FILEDIR, ADDR, PORT = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])


class Tee:
    def __init__(self, f, log):
        self._f, self._log = f, log

    def read(self, n=-1):
        b = self._f.read(n)
        self._log += b
        return b

    def readline(self, n=-1):
        b = self._f.readline(n)
        self._log += b
        return b

    def write(self, b):
        self._log += b
        return self._f.write(b)

    def __getattr__(self, name):
        return getattr(self._f, name)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def setup(self):
        super().setup()
        self._in, self._out = bytearray(), bytearray()
        self.rfile = Tee(self.rfile, self._in)
        self.wfile = Tee(self.wfile, self._out)

    def finish(self):
        try:
            super().finish()
        finally:
            base = os.path.join(LOGDIR, "%s_%d" % self.client_address[:2])
            open(base + ".in", "wb").write(bytes(self._in))
            open(base + ".out", "wb").write(bytes(self._out))
            open(base + ".done", "w").close()

    def log_message(self, *a):
        pass

    def _reply(self, code, body, headers):
        self.send_response_only(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?")[0]
        if not path.startswith("/api/"):
            return self._reply(404, b"not found\n", [("Content-Type", "text/plain")])
        p = os.path.join(FILEDIR, os.path.basename(path) + ".json")
        if not os.path.isfile(p):
            return self._reply(404, b"not found\n", [("Content-Type", "text/plain")])
        codings = [c.split(";")[0].strip().lower()
                   for c in self.headers.get("Accept-Encoding", "").split(",")]
        if "gzip" not in codings:
            return self._reply(406, b"gzip only\n", [("Content-Type", "text/plain")])
        body = gzip.compress(open(p, "rb").read(), mtime=0)
        self._reply(200, body, [("Content-Type", "application/json"),
                                ("Content-Encoding", "gzip")])

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        base = os.path.join(LOGDIR, "%s_%d" % self.client_address[:2])
        open(base + ".body", "wb").write(body)
        open(base + ".ctype", "w").write(self.headers.get("Content-Type", ""))
        self._reply(200, b"stored\n", [("Content-Type", "text/plain")])


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


s = Server((ADDR, PORT), Handler)
threading.Thread(target=s.serve_forever, daemon=True).start()
print("READY", flush=True)
sys.stdin.read()
'''

# aiosmtpd (Debian python3-aiosmtpd). Each mail is logged as LOGDIR/<client ip>_<client
# port>.eml (the content as received: dot-unstuffed, CRLF) and .json (HELO and envelope),
# written before the 250 that ends DATA, so they exist once swaks has exited.
SMTP_PY = r'''
import json, os, sys
from aiosmtpd.controller import Controller

LOGDIR, ADDR, PORT = sys.argv[1], sys.argv[2], int(sys.argv[3])


class Handler:
    async def handle_DATA(self, server, session, envelope):
        base = os.path.join(LOGDIR, "%s_%d" % session.peer[:2])
        open(base + ".eml", "wb").write(envelope.original_content)
        with open(base + ".tmp", "w") as f:
            json.dump({"helo": session.host_name, "mail_from": envelope.mail_from,
                       "rcpt_to": envelope.rcpt_tos}, f)
        os.replace(base + ".tmp", base + ".json")
        return "250 Message accepted for delivery"


c = Controller(Handler(), hostname=ADDR, port=PORT, server_hostname="mx.example.test")
c.start()
print("READY", flush=True)
try:
    sys.stdin.read()
finally:
    c.stop()
'''

# Run in the client namespace: connect to ADDR:PORT until it answers or the deadline.
PORT_WAIT_PY = r'''
import socket, sys, time
addr, port, deadline = sys.argv[1], int(sys.argv[2]), time.time() + float(sys.argv[3])
while True:
    try:
        socket.create_connection((addr, port), timeout=2).close()
        sys.exit(0)
    except OSError as e:
        if time.time() > deadline:
            sys.exit("%s:%d not open: %s" % (addr, port, e))
        time.sleep(0.1)
'''


def _client_env():
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C"}


class AppServers:
    """The app HTTP server and the SMTP server in the pair's server namespace."""

    def __init__(self, pair, workdir):
        self.pair = pair
        self.addr = pair.addr4[1]
        self.client_addr = pair.addr4[0]
        self.workdir = Path(workdir)
        self.logdir = self.workdir / "app-log"
        self.filedir = self.workdir / "app-files"
        self.logdir.mkdir()
        self.filedir.mkdir()
        self.procs = []

    def _start(self, name, script, *args):
        path = self.workdir / name
        path.write_text(script)
        err = open(self.workdir / (name + ".err"), "wb")
        p = subprocess.Popen(["ip", "netns", "exec", self.pair.sns, PYTHON, str(path)] +
                             [str(a) for a in args],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
        self.procs.append((p, err))
        line = p.stdout.readline()
        if line.strip() != b"READY":
            raise AssertionError("%s did not start: %r %s" % (name, line, (
                self.workdir / (name + ".err")).read_text(errors="replace")))

    def wait_port(self, port):
        cp = subprocess.run(["ip", "netns", "exec", self.pair.cns, PYTHON, "-c", PORT_WAIT_PY,
                             self.addr, str(port), str(WAIT)],
                            capture_output=True, timeout=WAIT + 30)
        if cp.returncode != 0:
            raise AssertionError("from the client namespace: %s" % cp.stderr.decode(
                errors="replace"))

    def start(self):
        self._start("app_http.py", APP_HTTP_PY, self.logdir, self.filedir, self.addr,
                    HTTP_PORT)
        self._start("smtp_server.py", SMTP_PY, self.logdir, self.addr, SMTP_PORT)
        self.wait_port(HTTP_PORT)
        self.wait_port(SMTP_PORT)

    def stop(self):
        for p, err in reversed(self.procs):
            if p.poll() is None:
                try:
                    p.stdin.close()
                except OSError:
                    pass
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)
            err.close()
        self.procs = []

    def client(self, *argv, timeout=120):
        """Run argv in the client namespace; fail the test on a non-zero exit."""
        cp = subprocess.run(["ip", "netns", "exec", self.pair.cns] + [str(a) for a in argv],
                            capture_output=True, timeout=timeout, env=_client_env())
        if cp.returncode != 0:
            raise AssertionError("client program failed (%d): %s\n%s%s" % (
                cp.returncode, " ".join(map(str, argv)), cp.stdout.decode(errors="replace"),
                cp.stderr.decode(errors="replace")))
        return cp

    def curl(self, *args):
        return self.client("curl", "--noproxy", "*", "-sS", "--fail", "--resolve",
                           "%s:%d:%s" % (HOSTNAME, HTTP_PORT, self.addr), *args)

    def swaks(self, *args):
        return self.client("swaks", "--server", "%s:%d" % (self.addr, SMTP_PORT),
                           "--helo", HELO, "--from", MAIL_FROM, "--to", RCPT_TO,
                           "--h-Date", MAIL_DATE, *args)

    def wait_logged(self, name, suffix=".done"):
        deadline = time.time() + WAIT
        p = self.logdir / (name + suffix)
        while not p.exists():
            if time.time() > deadline:
                raise AssertionError("server did not log %s" % p.name)
            time.sleep(0.05)


@pytest.fixture(scope="module")
def apps(netns_pair, tmp_path_factory):
    missing = [t for t in ("swaks",) if shutil.which(t) is None]
    if subprocess.run([PYTHON, "-c", "import aiosmtpd"], capture_output=True).returncode:
        missing.append("python3-aiosmtpd")
    if missing:
        pytest.fail("missing %s: run tools/install-deps.sh" % ", ".join(missing),
                    pytrace=False)
    servers = AppServers(netns_pair, tmp_path_factory.mktemp("apps"))
    try:
        servers.start()
        yield servers
    finally:
        servers.stop()


# ------------------------------------------------------------------------------------------
# Capturing: tcpdump until every connection to the port has closed
# ------------------------------------------------------------------------------------------

def captured(apps, pcap, server_port, run):
    """Capture while run() talks to the server, until its one connection has closed.
    Returns (run's result, the Conn)."""
    dump = apps.pair.capture(pcap)
    try:
        out = run()
        conns = wait_closed(pcap, server_port, 1)
    finally:
        log = dump.stop()
    if not re.search(r"(?m)^0 packets dropped by kernel$", log):
        raise AssertionError("tcpdump dropped packets: " + log)
    conns = tcp_conns(pcap, server_port)
    if len(conns) != 1:
        raise AssertionError("expected one connection to port %d in the capture, found %s" % (
            server_port, sorted(conns)))
    return out, next(iter(conns.values()))


# ------------------------------------------------------------------------------------------
# The daemon and its events
# ------------------------------------------------------------------------------------------

def run_daemon(tmp_path, pcap):
    d = Path(tmp_path) / "run"
    d.mkdir()
    res = tgpcap.run_tollgated(["--read", pcap, "--events", d / "events.jsonl",
                                "--state-dir", d / "state", "--stats-json", d / "stats.json"],
                               180)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res)
    return res


def dlp_events(events):
    """Findings: threshold alerts (with their dlp object) and dlp events."""
    return eve.findings(events)


def rows_of(events):
    """Every listed match of every dlp event, in file order (duplicates stay visible)."""
    return [Row(ev["dlp"]["direction"], m["sensor"], m["redacted"], m["path"], m["offset"])
            for ev in dlp_events(events) for m in ev["dlp"]["matches"]]


def expect_rows(direction, path, buf, values):
    """Rows of planted values, each found exactly once in the decoded buffer buf."""
    out = set()
    for p in values:
        raw = p.raw.encode()
        n = buf.count(raw)
        assert n == 1, "ground truth: %r occurs %d times in the %s buffer" % (p.raw, n, path)
        out.add(Row(direction, p.sensor, p.redacted, path, buf.index(raw)))
    return out


def compare_rows(expected, got_list, buffers):
    """Error lines: rows missing, unexpected, or listed more than once. buffers: {path:
    bytes} to show the text at each row's offset."""
    def at(r):
        b = buffers.get(r.path)
        return "" if b is None else " text there: %r" % b[r.offset:r.offset + 40]

    got = set(got_list)
    errs = ["missing: %s%s" % (tuple(r), at(r)) for r in sorted(expected - got)]
    errs += ["unexpected: %s%s" % (tuple(r), at(r)) for r in sorted(got - expected)]
    errs += ["listed %d times: %s" % (c, tuple(r))
             for r, c in sorted(Counter(got_list).items()) if c > 1]
    return errs


def check_headers(events, apps, conn, server_port, app_proto):
    """Error lines for dlp events not of the one captured flow, or without its app_proto."""
    errs = []
    want = (apps.client_addr, conn.client_port, apps.addr, server_port, "TCP")
    for ev in dlp_events(events):
        got = (ev.get("src_ip"), ev.get("src_port"), ev.get("dest_ip"), ev.get("dest_port"),
               ev.get("proto"))
        if got != want:
            errs.append("dlp event of another flow %s, expected %s" % (got, want))
        if ev.get("app_proto") != app_proto:
            errs.append("dlp event app_proto %r, expected %r" % (ev.get("app_proto"),
                                                                 app_proto))
        if ev["dlp"].get("action") != "allowed" or ev["dlp"].get("mode") != "monitor":
            errs.append("default policy: expected action allowed in monitor mode: %s" %
                        json.dumps(ev["dlp"], sort_keys=True)[:200])
        if ev["event_type"] == "alert":
            # a threshold crossing (threshold 1): the matches of one sensor, its signature
            sensors = sorted({m["sensor"] for m in ev["dlp"]["matches"]})
            alert = eve.dlp_alert(sensors[0], rule="default", threshold=1, mode="monitor",
                                  action="allowed")
            if len(sensors) != 1 or ev["alert"] != alert:
                errs.append("threshold alert %s (sensors %s), expected %s" % (
                    json.dumps(ev["alert"]), sensors, json.dumps(alert)))
    return errs


def event_ts_us(ev):
    """A dlp event's timestamp (EVE: 2026-11-23T13:25:37.123456+0000) in epoch us."""
    dt = datetime.datetime.strptime(ev["timestamp"], "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(dt.timestamp()) * 1_000_000 + dt.microsecond


def check_http_meta(events, conn, url, method, req_ctype, resp_ctype):
    """Error lines for dlp events whose http object is not this transaction's: a to_server
    event speaks of the request (its Content-Type), with the status once the response had
    begun when the event was written; a to_client event of the response."""
    errs = []
    resp_us = conn.first_payload_us.get("s")
    for ev in dlp_events(events):
        want = {"hostname": HOSTNAME, "url": url, "http_method": method}
        if ev["dlp"]["direction"] == "to_client":
            want.update(status=200, http_content_type=resp_ctype)
        else:
            want["http_content_type"] = req_ctype
            if resp_us is not None and event_ts_us(ev) >= resp_us:
                want["status"] = 200
        if ev.get("http") != want:
            errs.append("%s event at %s: http %s, expected %s" % (
                ev["dlp"]["direction"], ev["timestamp"],
                json.dumps(ev.get("http"), sort_keys=True), json.dumps(want, sort_keys=True)))
    return errs


def mask(s):
    """All but the last 4 characters as '*' (the metadata's rule for addresses and URLs)."""
    return s if len(s) <= 4 else "*" * (len(s) - 4) + s[-4:]


def masked_addr(addr):
    local, domain = addr.split("@")
    return mask(local) + "@" + domain


def check_smtp_meta(events, attachments):
    errs = []
    want = {"helo": HELO, "mail_from": masked_addr(MAIL_FROM),
            "rcpt_to": [masked_addr(RCPT_TO)], "attachments": attachments}
    for ev in dlp_events(events):
        if ev.get("smtp") != want:
            errs.append("%s event: smtp %s, expected %s" % (
                ev["dlp"]["direction"], json.dumps(ev.get("smtp"), sort_keys=True),
                json.dumps(want, sort_keys=True)))
    return errs


def check_stats(res, want):
    """Error lines for --stats-json counters that differ from want {name: value}."""
    stats = res.stats
    return ["stats %s = %r, expected %r" % (k, stats.get(k), v) for k, v in want.items()
            if stats.get(k) != v]


# ------------------------------------------------------------------------------------------
# Reference decoders (the contract, docs/events.md; RFC 2045, 2046)
# ------------------------------------------------------------------------------------------

def form_decode(b):
    """'+' -> space, %XX -> byte, '&' -> newline; '=' and everything else kept."""
    out, i = bytearray(), 0
    while i < len(b):
        c = b[i]
        if c == ord("%") and re.fullmatch(rb"[0-9A-Fa-f]{2}", b[i + 1:i + 3]):
            out.append(int(b[i + 1:i + 3], 16))
            i += 3
            continue
        out.append({ord("+"): 0x20, ord("&"): 0x0A}.get(c, c))
        i += 1
    return bytes(out)


JSON_ESCAPES = {ord('"'): b'"', ord("\\"): b"\\", ord("/"): b"/", ord("b"): b"\b",
                ord("f"): b"\f", ord("n"): b"\n", ord("r"): b"\r", ord("t"): b"\t"}


def json_decode_strings(b):
    """The string escapes of a JSON text undone (\\uXXXX as UTF-8), all else as is."""
    out, i, in_str = bytearray(), 0, False
    while i < len(b):
        c = b[i]
        if in_str and c == ord("\\"):
            e = b[i + 1]
            if e == ord("u"):
                out += chr(int(b[i + 2:i + 6], 16)).encode()
                i += 6
            else:
                out += JSON_ESCAPES[e]
                i += 2
            continue
        if c == ord('"'):
            in_str = not in_str
        out.append(c)
        i += 1
    return bytes(out)


def qp_decode(b):
    """RFC 2045 6.7: soft line breaks removed, =XX -> byte, blanks at a line's end
    dropped, hard line breaks (CRLF) kept."""
    out = bytearray()
    for line in re.split(rb"(?<=\r\n)", b):
        hard = line.endswith(b"\r\n")
        text = line[:-2] if hard else line
        text = text.rstrip(b" \t")
        soft = text.endswith(b"=")
        if soft:
            text = text[:-1]
        out += re.sub(rb"=([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), text)
        if hard and not soft:
            out += b"\r\n"
    return bytes(out)


def multipart_bodies(body, boundary):
    """[(header bytes, content bytes)] of the parts of a multipart body (RFC 2046 5.1.1:
    the CRLF before a delimiter belongs to the delimiter; a delimiter line may end in
    blanks)."""
    delim = b"--" + boundary
    if body.startswith(delim):
        rest = body[len(delim):]
    else:
        rest = body[body.index(b"\r\n" + delim) + 2 + len(delim):]
    out = []
    while not rest.startswith(b"--"):                 # the close delimiter ends the parts
        rest = rest[rest.index(b"\r\n") + 2:]        # the rest of the delimiter line
        end = rest.index(b"\r\n" + delim)
        part = rest[:end]
        if part.startswith(b"\r\n"):
            out.append((b"", part[2:]))
        else:
            head, _, content = part.partition(b"\r\n\r\n")
            out.append((head, content))
        rest = rest[end + 2 + len(delim):]
    return out


def mail_body(content):
    """A mail's body: after the blank line that ends its header block."""
    return content[content.index(b"\r\n\r\n") + 4:]


def fail_ground_truth(errs, what):
    if errs:
        fail_with(errs, None, "the ground truth itself is wrong (%s)" % what)


# ------------------------------------------------------------------------------------------
# 1. curl --compressed: a gzip JSON response
# ------------------------------------------------------------------------------------------

ACCOUNT_URL = "/api/account?customer=jane-roe&view=full"


def account_json():
    """The JSON as the server stores it: escapes where an API would write them (the
    profile URL's '\\/', the e-mail's '@' as \\u0040), so the decoded buffer is shorter
    than the gunzipped text before the values."""
    return ('{"account": {"holder": "Jane Roe", '
            '"profile": "https:\\/\\/%s\\/customers\\/jane-roe", '
            '"contact": "%s", "card": "%s", "iban": "%s"}, '
            '"note": "%s", "state": "active"}\n' % (
                HOSTNAME, V.EMAIL.raw.replace("@", "\\u0040"), V.VISA16_RESPONSE.raw,
                V.IBAN_GB_GROUPED.raw, FILLER)).encode()


def test_curl_compressed_gzip_json_response_is_reported_to_client_inside_gzip_and_json(
        apps, tmp_path, tollgated_bin):
    text = account_json()
    (apps.filedir / "account.json").write_bytes(text)
    got = tmp_path / "account.out"
    pcap = tmp_path / "gzip-json.pcap"
    cp, conn = captured(apps, pcap, HTTP_PORT, lambda: apps.curl(
        "--compressed", "-o", got, "http://%s%s" % (HOSTNAME, ACCOUNT_URL)))
    name = "%s_%d" % (apps.client_addr, conn.client_port)
    apps.wait_logged(name)

    sent = (apps.logdir / (name + ".out")).read_bytes()
    head, _, body = sent.partition(b"\r\n\r\n")
    req = (apps.logdir / (name + ".in")).read_bytes()
    errs = []
    if got.read_bytes() != text:
        errs.append("curl --compressed did not write the JSON the server holds")
    if not re.search(rb"(?im)^accept-encoding:.*\bgzip\b", req):
        errs.append("curl --compressed sent no Accept-Encoding with gzip: %r" % req)
    if b"\r\nContent-Encoding: gzip\r\n" not in head + b"\r\n" or \
            gzip.decompress(body) != text:
        errs.append("the response is not the gzipped JSON: %r" % head)
    decoded = json_decode_strings(gzip.decompress(body))
    for p in (V.EMAIL, V.VISA16_RESPONSE, V.IBAN_GB_GROUPED):
        if p.raw.encode() in body:
            errs.append("%s is readable in the compressed body" % p.sensor)
    fail_ground_truth(errs, "gzip JSON response")

    path = "http.body > gzip > json"
    expected = expect_rows("to_client", path, decoded,
                           [V.EMAIL, V.VISA16_RESPONSE, V.IBAN_GB_GROUPED])
    res = run_daemon(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), {path: decoded})
    errs += check_headers(res.events, apps, conn, HTTP_PORT, "http")
    errs += check_http_meta(res.events, conn, "/api/account?customer=****-roe&view=full",
                            "GET", "", "application/json")
    errs += check_stats(res, {"app_http_messages": 2, "app_parse_errors": 0,
                              "app_decode_errors": 0, "app_unknown_coding": 0})
    if errs:
        fail_with(errs, res, "curl --compressed, gzip JSON response (%s):" % pcap)


# ------------------------------------------------------------------------------------------
# 2. curl --data-urlencode: a form POST
# ------------------------------------------------------------------------------------------

def test_curl_data_urlencode_form_post_is_reported_from_the_decoded_form(
        apps, tmp_path, tollgated_bin):
    pcap = tmp_path / "form.pcap"
    fields = ["name=Jane Roe", "card=" + CARD_FORM.raw, "email=" + V.EMAIL_LONG.raw,
              "note=" + FILLER]
    args = []
    for f in fields:
        args += ["--data-urlencode", f]
    _, conn = captured(apps, pcap, HTTP_PORT, lambda: apps.curl(
        *args, "http://%s/signup" % HOSTNAME))
    name = "%s_%d" % (apps.client_addr, conn.client_port)
    apps.wait_logged(name)

    body = (apps.logdir / (name + ".body")).read_bytes()
    ctype = (apps.logdir / (name + ".ctype")).read_text()
    decoded = form_decode(body)
    errs = []
    if ctype != "application/x-www-form-urlencoded":
        errs.append("curl sent Content-Type %r" % ctype)
    if decoded != "\n".join(fields).encode():
        errs.append("the form body %r does not decode to the fields" % body)
    for p in (CARD_FORM, V.EMAIL_LONG):
        if p.raw.encode() in body:
            errs.append("%s is readable in the encoded body %r" % (p.sensor, body))
    fail_ground_truth(errs, "form POST")

    path = "http.body > form"
    expected = expect_rows("to_server", path, decoded, [CARD_FORM, V.EMAIL_LONG])
    res = run_daemon(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), {path: decoded})
    errs += check_headers(res.events, apps, conn, HTTP_PORT, "http")
    errs += check_http_meta(res.events, conn, "/signup", "POST", ctype, "text/plain")
    errs += check_stats(res, {"app_http_messages": 2, "app_parse_errors": 0,
                              "app_decode_errors": 0})
    if errs:
        fail_with(errs, res, "curl --data-urlencode form POST (%s):" % pcap)


# ------------------------------------------------------------------------------------------
# 3. curl -F: a multipart/form-data upload of a CSV
# ------------------------------------------------------------------------------------------

REPORT_VALUES = [V.SSN_DASHED, V.IBAN_DE, V.EMAIL, V.MC16_SPACED]


def report_csv():
    rows = ["employee,ssn,iban,email,card",
            ",".join(["Jane Roe"] + [p.raw for p in REPORT_VALUES])]
    return ("\n".join([FILLER] + rows + [FILLER]) + "\n").encode()


def test_curl_form_upload_of_csv_is_reported_from_its_multipart_part(
        apps, tmp_path, tollgated_bin):
    csv = report_csv()
    src = tmp_path / "report.csv"
    src.write_bytes(csv)
    pcap = tmp_path / "multipart.pcap"
    _, conn = captured(apps, pcap, HTTP_PORT, lambda: apps.curl(
        "-F", "file=@%s" % src, "http://%s/upload" % HOSTNAME))
    name = "%s_%d" % (apps.client_addr, conn.client_port)
    apps.wait_logged(name)

    body = (apps.logdir / (name + ".body")).read_bytes()
    ctype = (apps.logdir / (name + ".ctype")).read_text()
    req_head = (apps.logdir / (name + ".in")).read_bytes().partition(b"\r\n\r\n")[0]
    m = re.fullmatch(r"multipart/form-data; boundary=(\S+)", ctype)
    errs = []
    if m is None:
        fail_ground_truth(["curl -F sent Content-Type %r" % ctype], "multipart upload")
    if re.search(rb"(?im)^(transfer-encoding|content-encoding):", req_head):
        errs.append("curl -F sent a transfer or content encoding: %r" % req_head)
    parts = multipart_bodies(body, m.group(1).encode())
    if len(parts) != 1 or parts[0][1] != csv or \
            b'filename="report.csv"' not in parts[0][0]:
        errs.append("the upload is not one part holding report.csv: %r" % body[:300])
    fail_ground_truth(errs, "multipart upload")

    path = "http.body > part[1] report.csv"
    expected = expect_rows("to_server", path, csv, REPORT_VALUES)
    res = run_daemon(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), {path: csv, "http.body": body})
    errs += check_headers(res.events, apps, conn, HTTP_PORT, "http")
    errs += check_http_meta(res.events, conn, "/upload", "POST", ctype, "text/plain")
    errs += check_stats(res, {"app_http_messages": 2, "app_parse_errors": 0,
                              "app_decode_errors": 0})
    if errs:
        fail_with(errs, res, "curl -F upload of report.csv (%s):" % pcap)


# ------------------------------------------------------------------------------------------
# 4. swaks: a base64 attachment
# ------------------------------------------------------------------------------------------

PAYROLL_VALUES = [SSN_A, V.IBAN_FR, SSN_B]


def payroll_csv():
    return "\n".join([FILLER, "employee;ssn;iban",
                      "Jane Roe;%s;%s" % (SSN_A.raw, V.IBAN_FR.raw),
                      "John Roe;%s;" % SSN_B.raw, FILLER, ""]).encode()


def received_mail(apps, conn):
    name = "%s_%d" % (apps.client_addr, conn.client_port)
    apps.wait_logged(name, ".json")
    content = (apps.logdir / (name + ".eml")).read_bytes()
    env = json.loads((apps.logdir / (name + ".json")).read_text())
    errs = []
    if env != {"helo": HELO, "mail_from": MAIL_FROM, "rcpt_to": [RCPT_TO]}:
        errs.append("the server saw envelope %s" % env)
    return content, errs


def test_swaks_base64_csv_attachment_is_reported_from_its_decoded_part(
        apps, tmp_path, tollgated_bin):
    csv = payroll_csv()
    src = tmp_path / "payroll.csv"
    src.write_bytes(csv)
    pcap = tmp_path / "attachment.pcap"
    _, conn = captured(apps, pcap, SMTP_PORT, lambda: apps.swaks(
        "--h-Subject", "payroll export", "--h-Message-Id", "<payroll.export@localhost>",
        "--body", "the payroll export is attached", "--attach-type", "text/csv",
        # this swaks names an "--attach @file" part "@file": the name is given explicitly
        "--attach-name", "payroll.csv", "--attach", "@%s" % src))
    content, errs = received_mail(apps, conn)

    msg = message_from_bytes(content, policy=email_policy.compat32)
    leaves = [p for p in msg.walk() if not p.is_multipart()]
    if msg.get_content_type() != "multipart/mixed" or len(leaves) != 2:
        errs.append("swaks did not send multipart/mixed with 2 parts: %r" % content[:400])
        fail_ground_truth(errs, "attachment mail")
    att = leaves[1]
    raw_part = multipart_bodies(mail_body(content), msg.get_boundary().encode())[1]
    decoded = base64.b64decode(re.sub(rb"\s", b"", raw_part[1]), validate=True)
    if att.get_filename() != "payroll.csv" or \
            att.get("Content-Transfer-Encoding", "").lower() != "base64" or decoded != csv:
        errs.append("part 2 is not payroll.csv in base64: %r" % raw_part[0])
    if leaves[0].get("Content-Transfer-Encoding") is not None:
        errs.append("part 1 has a transfer encoding: %r" % raw_part[0])
    for p in PAYROLL_VALUES:
        if p.raw.encode() in content:
            errs.append("%s is readable in the mail as sent" % p.sensor)
    fail_ground_truth(errs, "attachment mail")

    path = "smtp.part[2] payroll.csv > base64"
    expected = expect_rows("to_server", path, decoded, PAYROLL_VALUES)
    res = run_daemon(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), {path: decoded, "smtp.body": content})
    errs += check_headers(res.events, apps, conn, SMTP_PORT, "smtp")
    errs += check_smtp_meta(res.events, ["payroll.csv"])
    errs += check_stats(res, {"app_smtp_mails": 1, "app_parse_errors": 0,
                              "app_decode_errors": 0})
    if errs:
        fail_with(errs, res, "swaks mail with a base64 CSV attachment (%s):" % pcap)


# ------------------------------------------------------------------------------------------
# 5. swaks: a quoted-printable body
# ------------------------------------------------------------------------------------------

QP_VALUES = [SSN_C, V.IBAN_NL_GROUPED, V.AMEX15_DASHED, V.EMAIL]


def qp_lines():
    """(encoded, decoded) lines of the body: '=' written =3D before a value, '@' as =40,
    and soft line breaks inside the IBAN, the card and the e-mail address."""
    iban, card, mail = V.IBAN_NL_GROUPED.raw, V.AMEX15_DASHED.raw, V.EMAIL.raw
    at = mail.index("@")
    enc = ["Hello HR team,",
           FILLER,
           "employee ssn=3D%s" % SSN_C.raw,
           "account iban=3D%s=" % iban[:11], "%s" % iban[11:],
           "card on file %s=" % card[:9], "%s" % card[9:],
           "contact %s=40%s=" % (mail[:at], mail[at + 1:at + 8]), "%s" % mail[at + 8:],
           FILLER,
           "Regards"]
    dec = ["Hello HR team,",
           FILLER,
           "employee ssn=%s" % SSN_C.raw,
           "account iban=%s" % iban,
           "card on file %s" % card,
           "contact %s" % mail,
           FILLER,
           "Regards"]
    return enc, dec


def test_swaks_quoted_printable_body_is_reported_from_the_decoded_body(
        apps, tmp_path, tollgated_bin):
    enc, dec = qp_lines()
    src = tmp_path / "body.txt"
    src.write_text("\n".join(enc) + "\n")
    pcap = tmp_path / "qp.pcap"
    _, conn = captured(apps, pcap, SMTP_PORT, lambda: apps.swaks(
        "--h-Subject", "corrections", "--h-Message-Id", "<payroll.corrections@localhost>",
        "--add-header", "MIME-Version: 1.0",
        "--add-header", "Content-Type: text/plain; charset=utf-8",
        "--add-header", "Content-Transfer-Encoding: quoted-printable",
        "--body", "@%s" % src))
    content, errs = received_mail(apps, conn)

    msg = message_from_bytes(content, policy=email_policy.compat32)
    body = mail_body(content)
    decoded = qp_decode(body)
    if msg.is_multipart() or \
            msg.get("Content-Transfer-Encoding", "").lower() != "quoted-printable":
        errs.append("swaks did not send a single quoted-printable body: %r" % content[:400])
    if not decoded.startswith("\r\n".join(dec).encode() + b"\r\n"):
        errs.append("the body %r does not decode to the text" % body)
    for p in (V.IBAN_NL_GROUPED, V.AMEX15_DASHED, V.EMAIL):
        if p.raw.encode() in content:
            errs.append("%s is readable in the mail as sent (no soft break)" % p.sensor)
    if SSN_C.raw.encode() not in body:
        errs.append("the SSN after =3D is not in the body as sent")
    fail_ground_truth(errs, "quoted-printable mail")

    path = "smtp.body > qp"
    expected = expect_rows("to_server", path, decoded, QP_VALUES)
    res = run_daemon(tmp_path, pcap)
    errs = compare_rows(expected, rows_of(res.events), {path: decoded, "smtp.body": content})
    errs += check_headers(res.events, apps, conn, SMTP_PORT, "smtp")
    errs += check_smtp_meta(res.events, [])
    errs += check_stats(res, {"app_smtp_mails": 1, "app_parse_errors": 0,
                              "app_decode_errors": 0})
    if errs:
        fail_with(errs, res, "swaks mail with a quoted-printable body (%s):" % pcap)
