"""The app layer end to end: HTTP and SMTP captures whose personal data is only readable
once the bodies are decoded, replayed through the real tollgated, checking the exact
(client port, direction, sensor, redacted, path, offset) of every dlp match.

Contract under test (/tmp/contract.md, docs/events.md, tests/pcap/appcap.py): each
Content-Encoding alone (gzip, deflate zlib-wrapped and raw, br, zstd), chunked, forms
(`+`, `%20`, `%40`), JSON escapes (`\\u0020`, `\\u0040`, `\\/`), query strings, responses
(to_client); the stacked pairs gzip + chunked, form + chunked, gzip + br, json + gzip; a
value cut at every offset by a chunk boundary, by a deflate block boundary (Z_FULL_FLUSH)
and by a BDAT chunk boundary; SMTP mails by DATA (dot-stuffed) and BDAT. Paths name the
buffer, offsets are in it, and a value seen raw and decoded is listed once.

Hostile input, one daemon run each: a gzip bomb (50 MB of zeros), an unknown
Content-Encoding, a 20 KB header line and corrupt gzip are each counted, reported as an
anomaly of their flow, and leave the rest of the traffic inspected.

MIME (multipart bodies, base64 and quoted-printable parts) is in test_app_mime.py.
"""

import base64
import random
import zlib

import pytest

import appcap as A
import dlp_values as V
from appcap import C2S, S2C, AppFlow
from test_dlp import check_dlp_schema
from tgpcap import fail_with

FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"
assert len(FILLER) > 64

CARD = V.MC16_SPACED          # 5xxx xxxx xxxx xxxx: spaces to encode
EMAIL = V.EMAIL               # Lena.Fischer@Example-Mail.COM: '@' to encode
IBAN = V.IBAN_GB_GROUPED      # GBkk XXXX 9999 ...: spaces to encode
SSN = V.SSN_DASHED
PHONE = V.PHONE               # +44 20 7946 0958: '+' to encode in a form
VISA = V.VISA16               # plain digits
TRIO = [CARD, EMAIL, IBAN]


def _pem():
    """An unencrypted PKCS #8 key whose first 40 base64 characters hold a '/', so that in
    JSON written with "\\/" escapes (and "\\n" line breaks) it is only readable decoded."""
    rng = random.Random(7)
    while True:
        body = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(96))).decode()
        if "/" in body[:40]:
            break
    pem = "-----BEGIN PRIVATE KEY-----\n%s\n%s\n-----END PRIVATE KEY-----" % (body[:64],
                                                                             body[64:])
    return V.Planted("private_key", pem, body[:40])


PEM = _pem()


def text_doc(values):
    """Each value on a line of its own between fillers (no keywords, no digits)."""
    out = [FILLER]
    for v in values:
        out += [b"ref " + v.raw.encode() + b" noted\n", FILLER]
    return b"".join(out)


def json_doc(values, escape):
    """A JSON object: a filler string field, then one field per value, its string
    written with the escapes named by escape (appcap.json_string)."""
    filler = FILLER.decode().strip()
    parts = ['"note": %s' % A.json_string(filler)]
    for i, v in enumerate(values):
        parts.append('"v%d": %s' % (i, A.json_string(v.raw, escape)))
        parts.append('"pad%d": %s' % (i, A.json_string(filler)))
    return ("{" + ", ".join(parts) + "}").encode()


def form_doc(values, space):
    filler = FILLER.decode().strip()
    fields = [("note", filler)]
    for i, v in enumerate(values):
        fields += [("v%d" % i, v.raw), ("pad%d" % i, filler)]
    return A.form_encode(fields, space)


TEXT_DECODE = {None: lambda b: b, "form": A.form_decode, "json": A.json_decode}
TEXT_PATH = {None: "", "form": " > form", "json": " > json"}
TEXT_CTYPE = {None: "text/plain", "form": "application/x-www-form-urlencoded",
              "json": "application/json"}


def body_flow(port, index, label, doc, values, *, codings=(), text=None, ctype=None,
              chunk_cuts=None, flush_at=(), direction=C2S, chunk_ext=b"", trailers=b""):
    """One connection carrying doc (the body before content coding) as a POST (direction
    C2S) or as the response to a GET (S2C); each value must be reported once from the
    body's decoded buffer."""
    body, cenc, suffix = A.content_encode(list(codings), doc, flush_at) if codings else \
        (doc, None, "")
    headers = [("Content-Type", ctype or TEXT_CTYPE[text])]
    if cenc:
        headers.append(("Content-Encoding", cenc))
    f = AppFlow(port, index, label=label)
    kw = dict(chunk_cuts=chunk_cuts, chunk_ext=chunk_ext, trailers=trailers)
    if direction == C2S:
        f.send(C2S, A.http_request("POST", "/upload", headers, body, **kw))
        f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"stored\n"))
    else:
        f.send(C2S, A.http_request("GET", "/report"))
        f.send(S2C, A.http_response(headers, body, **kw))
    f.close()
    path = "http.body" + suffix + TEXT_PATH[text]
    decoded = TEXT_DECODE[text](doc)
    for v in values:
        f.expect_planted(direction, v, path, decoded)
    return f


# --------------------------------------------------------------------------------------
# The cases of the shared capture: name -> builder(port0, index0) -> [AppFlow]
# --------------------------------------------------------------------------------------

CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


def _single(name, **kw):
    values = kw.pop("values", TRIO + [SSN])
    text = kw.get("text")
    doc = {None: lambda: text_doc(values), "form": lambda: form_doc(values, kw.pop("space")),
           "json": lambda: json_doc(values, kw.pop("escape"))}[text]()
    CASES[name] = lambda p, i: [body_flow(p, i, name, doc, values, **kw)]


_single("identity")
for _c in ("gzip", "deflate", "deflate-raw", "br", "zstd"):
    _single("coding_" + _c, codings=[_c])
_single("chunked_with_extensions_and_trailer", chunk_cuts=[7, 80, 81, 150, 200],
        chunk_ext=b";sig=abc", trailers=b"X-Checksum: none\r\n")
_single("form_plus", text="form", space="+", values=TRIO + [PHONE])
_single("form_pct20", text="form", space="%20", values=TRIO + [PHONE],
        ctype="application/x-www-form-urlencoded; charset=UTF-8")
_single("json_escapes", text="json", escape="sa/", values=TRIO + [SSN, PEM])
_single("json_suffix_media_type", text="json", escape="sa",
        ctype="application/vnd.api+json; charset=utf-8", values=TRIO)
_single("response_gzip", codings=["gzip"], direction=S2C)
_single("response_json_chunked", text="json", escape="sa", direction=S2C,
        chunk_cuts=[10, 100, 101, 102])
# Stacked encodings that need no MIME.
_single("gzip_chunked", codings=["gzip"], chunk_cuts=[3, 40, 41, 90])
_single("form_chunked", text="form", space="+", values=TRIO + [PHONE],
        chunk_cuts=[100, 101, 150, 151, 152, 200, 260])
_single("gzip_br", codings=["gzip", "br"])
_single("json_gzip", text="json", escape="sa/", codings=["gzip"])
_single("deflate_raw_zstd_json", text="json", escape="sa", codings=["deflate-raw", "zstd"])


def test_form_and_json_cases_really_use_the_escapes():
    """The encoded documents carry what the cases claim (not vacuous)."""
    f = form_doc(TRIO + [PHONE], "+")
    assert b"%40" in f and b"+" in f and b"%2B44" in f, f
    f = form_doc(TRIO + [PHONE], "%20")
    assert b"%20" in f and b"%40" in f and b"+" not in f, f
    j = json_doc(TRIO + [PEM], "sa/")
    assert b"\\u0020" in j and b"\\u0040" in j and b"\\/" in j and b"\\n" in j, j
    for v in TRIO + [PEM]:
        assert v.raw.encode() not in f and v.raw.encode() not in j, v


@case("query_string")
def _query(port, index):
    """GET whose target carries values form-encoded (%40, '+', %20) and one plain card:
    the target is scanned as "http.url > form"; the plain card, readable raw in the
    request line too, is listed once, from the URL buffer (the head is one segment, so
    the URL is decoded before the raw scan reaches it)."""
    target = ("/search?q=%s&mail=%s&card=%s&iban=%s&ref=%s" % (
        A.form_escape("lazy dog"), A.form_escape(EMAIL.raw), A.form_escape(CARD.raw),
        A.form_escape(IBAN.raw, "%20"), VISA.raw))
    f = AppFlow(port, index, label="query_string")
    req = A.http_request("GET", target)
    f.send(C2S, req, first=len(req))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"no results\n"))
    f.close()
    url = A.form_decode(target.encode())
    for v in TRIO + [VISA]:
        f.expect_planted(C2S, v, "http.url > form", url)
    f.target = target
    return [f]


@case("query_and_form_body")
def _query_and_body(port, index):
    """POST /submit?mail=... with a form body: the URL and the body are two buffers."""
    target = "/submit?mail=" + A.form_escape(EMAIL.raw)
    doc = form_doc([CARD, IBAN], "+")
    f = AppFlow(port, index, label="query_and_form_body")
    req = A.http_request("POST", target, [("Content-Type", TEXT_CTYPE["form"])], doc)
    f.send(C2S, req, first=A.head_len(req))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    f.expect_planted(C2S, EMAIL, "http.url > form", A.form_decode(target.encode()))
    for v in (CARD, IBAN):
        f.expect_planted(C2S, v, "http.body > form", A.form_decode(doc))
    return [f]


@case("keep_alive_two_bodies")
def _keep_alive(port, index):
    """Two POSTs on one connection, the second gzip: each body is its own buffer, each
    offset counts from its own body's start."""
    d1, d2 = text_doc([CARD, SSN]), text_doc([IBAN, EMAIL])
    g2 = A.compress("gzip", d2)
    f = AppFlow(port, index, label="keep_alive_two_bodies")
    f.send(C2S, A.http_request("POST", "/a", [("Content-Type", "text/plain")], d1))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.send(C2S, A.http_request("POST", "/b", [("Content-Type", "text/plain"),
                                              ("Content-Encoding", "gzip")], g2))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    for v in (CARD, SSN):
        f.expect_planted(C2S, v, "http.body", d1)
    for v in (IBAN, EMAIL):
        f.expect_planted(C2S, v, "http.body > gzip", d2)
    return [f]


# ---- a value cut at every offset --------------------------------------------------------

SPLIT_VALUES = {"card": CARD, "iban": IBAN, "email": EMAIL}
SPLIT_PREFIX = b"data "
SPLIT_SUFFIX = b" end\n" + FILLER


def _split_doc(v):
    return SPLIT_PREFIX + v.raw.encode() + SPLIT_SUFFIX


def _chunk_split(name, v):
    def build(port, index):
        out = []
        doc = _split_doc(v)
        for k in range(1, len(v.raw)):
            cut = len(SPLIT_PREFIX) + k
            out.append(body_flow(port + len(out), index + len(out),
                                 "%s: chunk boundary after value byte %d" % (name, k), doc,
                                 [v], chunk_cuts=[cut]))
        return out
    CASES["chunk_split_" + name] = build


def _deflate_split(name, v, coding):
    def build(port, index):
        out = []
        doc = _split_doc(v)
        for k in range(1, len(v.raw)):
            cut = len(SPLIT_PREFIX) + k
            out.append(body_flow(port + len(out), index + len(out),
                                 "%s: %s block boundary (Z_FULL_FLUSH) after value byte %d"
                                 % (name, coding, k), doc, [v], codings=[coding],
                                 flush_at=[cut]))
        return out
    CASES["%s_block_split_%s" % (coding, name)] = build


for _n, _v in SPLIT_VALUES.items():
    _chunk_split(_n, _v)
    _deflate_split(_n, _v, "gzip")
_deflate_split("card", CARD, "deflate-raw")


@case("form_chunk_split_inside_escapes")
def _form_chunk_split(port, index):
    """A form field "mail=Lena.Fischer%40...&card=5xxx+xxxx..." cut by a chunk boundary
    at every byte of both encoded values, inside "%40" and next to '+' too."""
    out = []
    doc = A.form_encode([("mail", EMAIL.raw), ("card", CARD.raw), ("note", "end")])
    for k in range(1, len(doc) - 1):
        f = body_flow(port + len(out), index + len(out),
                      "form chunked at encoded byte %d of %r" % (k, doc), doc, [EMAIL, CARD],
                      text="form", chunk_cuts=[k])
        out.append(f)
    return out


# ---- SMTP ------------------------------------------------------------------------------------

def mail_text(values):
    """Lines of text; two begin with '.', so DATA dot-stuffs them and the daemon must
    unstuff them before counting offsets."""
    out = [b"Hello Bob,\r\n", b".hidden line that starts with a dot\r\n"]
    for v in values:
        out += [b"ref " + v.raw.encode() + b" noted\r\n", A.crlf(FILLER)]
    out += [b"..two dots\r\n", b"Alice\r\n"]
    return b"".join(out)


def smtp_flow(port, index, label, mails, how="data", cuts=None):
    """One SMTP connection; mails: [(content, values)], each sent by DATA or BDAT."""
    f = AppFlow(port, index, server_port=25, label=label)
    f.turns(A.smtp_greeting())
    for content, values in mails:
        if how == "data":
            f.turns(A.smtp_data_turns(content))
        else:
            f.turns(A.smtp_bdat_turns(content, cuts or [len(content) // 3,
                                                        2 * len(content) // 3]))
        for v in values:
            f.expect_planted(C2S, v, "smtp.body", A.mail_body(content))
    f.turns(A.smtp_quit())
    f.close(S2C)
    return f


@case("smtp_data_dot_stuffed")
def _smtp_data(port, index):
    content = A.plain_mail(mail_text([CARD, IBAN, EMAIL, SSN]))
    f = smtp_flow(port, index, "smtp_data_dot_stuffed", [(content, [CARD, IBAN, EMAIL, SSN])])
    assert b"\r\n..hidden" in f.stream(C2S), "the mail must be dot-stuffed on the wire"
    return [f]


@case("smtp_bdat")
def _smtp_bdat(port, index):
    content = A.plain_mail(mail_text([CARD, IBAN, EMAIL]))
    return [smtp_flow(port, index, "smtp_bdat", [(content, [CARD, IBAN, EMAIL])], how="bdat")]


@case("smtp_two_mails")
def _smtp_two(port, index):
    m1 = A.plain_mail(mail_text([CARD]), subject="first")
    m2 = A.plain_mail(mail_text([IBAN, EMAIL]), subject="second")
    return [smtp_flow(port, index, "smtp_two_mails", [(m1, [CARD]), (m2, [IBAN, EMAIL])])]


@case("smtp_bdat_split_card")
def _smtp_bdat_split(port, index):
    out = []
    content = A.plain_mail(b"card data " + CARD.raw.encode() + b" end\r\n" + A.crlf(FILLER))
    start = content.index(CARD.raw.encode())
    for k in range(1, len(CARD.raw)):
        out.append(smtp_flow(port + len(out), index + len(out),
                             "BDAT chunk boundary after card byte %d" % k, [(content, [CARD])],
                             how="bdat", cuts=[start + k]))
    return out


# --------------------------------------------------------------------------------------
# The shared capture and its run
# --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def decoded(tmp_path_factory, tollgated_bin):
    """Every case above in one capture, one daemon run: {case: [AppFlow]}, the rows, the
    RunResult."""
    d = tmp_path_factory.mktemp("app-decode")
    flows, port, index = {}, 30000, 0
    for name, build in CASES.items():
        fl = build(port, index)
        flows[name] = fl
        port += len(fl) + 10
        index += len(fl)
    pcap = A.write_flows(d / "app.pcap", [f for fl in flows.values() for f in fl])
    res = A.run_daemon(d, pcap)
    errs = check_dlp_schema(res.events)
    if errs:
        fail_with(errs, res, "dlp events break the schema:")
    rows, problems = A.rows_of(res.events)
    return flows, rows, problems, res


@pytest.mark.parametrize("name", list(CASES))
def test_app_decode_reports_each_value_once_from_its_decoded_buffer(decoded, name):
    flows, rows, problems, res = decoded
    fl = flows[name]
    ports = {f.port for f in fl}
    expected = set().union(*(f.expected() for f in fl))
    got = [r for r in rows if r.port in ports]
    errs = [p for p in problems if int(p.split()[1].rstrip(":")) in ports]
    errs += A.compare_rows(expected, got, fl)
    if errs:
        fail_with(errs, res, "%s: dlp rows differ (port, direction, sensor, redacted, path, "
                  "offset):" % name)


def test_app_decode_counts_messages_and_mails_and_no_errors(decoded):
    flows, rows, problems, res = decoded
    st = res.stats
    nflows = sum(len(fl) for fl in flows.values())
    http = [f for fl in flows.values() for f in fl if f.s.port[1] == 80]
    smtp = [f for fl in flows.values() for f in fl if f.s.port[1] == 25]
    msgs = sum(f.stream(C2S).count(b" HTTP/1.1\r\n") + f.stream(S2C).count(b"HTTP/1.1 ")
               for f in http)
    mails = sum(f.stream(C2S).count(b"DATA\r\n") + f.stream(C2S).count(b" LAST\r\n")
                for f in smtp)
    want = {"app_flows": nflows, "app_flows_refused": 0, "app_http_messages": msgs,
            "app_smtp_mails": mails, "app_parse_errors": 0, "app_limit_hits": 0,
            "app_decode_errors": 0, "app_decode_nomem": 0, "app_decode_capped": 0,
            "app_decode_bombs": 0, "app_unknown_coding": 0, "dlp_buffers_refused": 0}
    errs = ["%s = %r, expected %r" % (k, st.get(k), v) for k, v in want.items()
            if st.get(k) != v]
    anoms = A.anomalies_of(res.events)
    if anoms:
        errs.append("anomaly events on clean traffic: %s" % sorted(anoms.items()))
    if errs:
        fail_with(errs, res)


def _mask(value):
    return value if len(value) <= 4 else "*" * (len(value) - 4) + value[-4:]


def test_app_decode_query_event_names_the_request_with_its_url_masked(decoded):
    """http{hostname, url, http_method}: each query value longer than 4 characters keeps
    only its last 4 (as sent, still encoded)."""
    flows, rows, problems, res = decoded
    f = flows["query_string"][0]
    path, query = f.target.split("?", 1)
    masked = path + "?" + "&".join(k + "=" + _mask(v) for k, v in
                                   (kv.split("=", 1) for kv in query.split("&")))
    evs = [e for e in A.dlp_events(res.events) if e["src_port"] == f.port]
    errs = [] if evs else ["no dlp event for the query flow"]
    for e in evs:
        h = e.get("http") or {}
        want = {"hostname": "files.example.test", "url": masked, "http_method": "GET"}
        for k, v in want.items():
            if h.get(k) != v:
                errs.append("http.%s = %r, expected %r" % (k, h.get(k), v))
        if e.get("app_proto") != "http":
            errs.append("app_proto = %r, expected http" % e.get("app_proto"))
    if errs:
        fail_with(errs, res)


def test_app_decode_smtp_event_names_the_envelope_with_local_parts_masked(decoded):
    flows, rows, problems, res = decoded
    f = flows["smtp_data_dot_stuffed"][0]
    evs = [e for e in A.dlp_events(res.events) if e["src_port"] == f.port]
    errs = [] if evs else ["no dlp event for the SMTP flow"]
    for e in evs:
        sm = e.get("smtp") or {}
        want = {"helo": "client.example.test", "mail_from": "*lice@relay",
                "rcpt_to": ["bob@intranet"]}
        for k, v in want.items():
            if sm.get(k) != v:
                errs.append("smtp.%s = %r, expected %r" % (k, sm.get(k), v))
        if e.get("app_proto") != "smtp":
            errs.append("app_proto = %r, expected smtp" % e.get("app_proto"))
    if errs:
        fail_with(errs, res)


# --------------------------------------------------------------------------------------
# Hostile input and limits: one run each, so every counter is this flow's
# --------------------------------------------------------------------------------------

COUNTERS = ("app_parse_errors", "app_limit_hits", "app_decode_errors", "app_decode_nomem",
            "app_decode_capped", "app_decode_bombs", "app_unknown_coding")


def _hostile_run(tmp_path, flows, counters, anomalies):
    """Run flows; check the rows exactly, the app counters (those not named are 0) and the
    anomaly events {(port, event): 1}; the daemon must finish and end every flow."""
    pcap = A.write_flows(tmp_path / "h.pcap", flows)
    res = A.run_daemon(tmp_path, pcap)
    rows, problems = A.rows_of(res.events)
    expected = set().union(*(f.expected() for f in flows))
    errs = problems + A.compare_rows(expected, rows, flows)
    st = res.stats
    for k in COUNTERS:
        if st.get(k) != counters.get(k, 0):
            errs.append("%s = %r, expected %r" % (k, st.get(k), counters.get(k, 0)))
    got = A.anomalies_of(res.events)
    if dict(got) != anomalies:
        errs.append("anomaly events %s, expected %s" % (sorted(got.items()),
                                                         sorted(anomalies.items())))
    ended = {e["src_port"] for e in res.events if e.get("event_type") == "flow"}
    for f in flows:
        if f.port not in ended:
            errs.append("%s: no flow event (the daemon did not finish it)" % f.label)
    if errs:
        fail_with(errs, res)
    return res


def test_app_decode_gzip_bomb_is_stopped_counted_and_the_flow_still_inspected(tmp_path,
                                                                             tollgated_bin):
    """50 MB of zeros gzip-compressed (about 50 KB, a ratio of 1000): the ratio guard stops
    it (app_decode_bombs 1, one app_decode_failed anomaly for that flow). The next request
    on the same connection and another flow's gzip body are decoded as usual."""
    bomb = A.compress("gzip", bytes(50 * 1024 * 1024))
    assert len(bomb) < 100 * 1024
    f = AppFlow(31000, 0, label="gzip bomb, then a plain request")
    f.send(C2S, A.http_request("POST", "/bomb", [("Content-Type", "text/plain"),
                                                 ("Content-Encoding", "gzip")], bomb))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    after = text_doc([CARD])
    f.send(C2S, A.http_request("POST", "/after", [("Content-Type", "text/plain")], after))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    f.expect_planted(C2S, CARD, "http.body", after)
    g = body_flow(31001, 1, "a normal gzip flow", text_doc([IBAN]), [IBAN], codings=["gzip"])
    _hostile_run(tmp_path, [f, g], {"app_decode_bombs": 1},
                 {(31000, "app_decode_failed"): 1})


def test_app_decode_unknown_content_encoding_is_counted_and_its_body_scanned_raw(
        tmp_path, tollgated_bin):
    """Content-Encoding: x-tollgate-unknown: not decoded (app_unknown_coding 1, one
    app_decode_failed anomaly), so the body's bytes are scanned as sent: the card in it
    is reported from the raw stream. The next request is decoded as usual."""
    doc = text_doc([CARD])
    f = AppFlow(31100, 0, label="unknown coding, then gzip")
    f.send(C2S, A.http_request("POST", "/x", [("Content-Type", "text/plain"),
                                              ("Content-Encoding", "x-tollgate-unknown")],
                               doc))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    doc2 = text_doc([IBAN])
    f.send(C2S, A.http_request("POST", "/y", [("Content-Type", "text/plain"),
                                              ("Content-Encoding", "gzip")],
                               A.compress("gzip", doc2)))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    f.expect_raw(C2S, "credit_card", CARD.norm, CARD.raw)
    f.expect_planted(C2S, IBAN, "http.body > gzip", doc2)
    _hostile_run(tmp_path, [f], {"app_unknown_coding": 1},
                 {(31100, "app_decode_failed"): 1})


def test_app_decode_body_bytes_are_read_once_and_headers_raw(tmp_path, tollgated_bin):
    """A plain request body with an IBAN and a card in a request header: the IBAN comes
    from the body's buffer, the card from the raw stream at its offset, and the raw stream
    passes over exactly the bytes of the two bodies (the request's and the response's),
    which their buffers inspected: dlp_raw_skipped is their length, nothing is counted
    twice."""
    doc = text_doc([IBAN])
    reply = b"stored\n"
    f = AppFlow(31150, 0, label="card in a header, IBAN in the body")
    f.send(C2S, A.http_request("POST", "/x", [("Content-Type", "text/plain"),
                                              ("X-Account", CARD.raw)], doc))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], reply))
    f.close()
    f.expect_raw(C2S, "credit_card", CARD.norm, CARD.raw)
    f.expect_planted(C2S, IBAN, "http.body", doc)
    res = _hostile_run(tmp_path, [f], {}, {})
    st = res.stats
    assert (st["dlp_raw_skipped"], st["dlp_raw_dups"]) == (len(doc) + len(reply), 0), st


def test_app_decode_20k_header_line_hits_the_limit_and_the_direction_is_scanned_raw(
        tmp_path, tollgated_bin):
    """A 20 KB header line (max_header_line 8 KiB): app_limit_hits 1 (and a parse error),
    one app_header_limit anomaly; the request direction falls back to the raw stream, so
    the card after it is reported with path raw at its stream offset. The response
    direction is still parsed."""
    doc = text_doc([CARD])
    f = AppFlow(31200, 0, label="20 KB header line")
    f.send(C2S, A.http_request("POST", "/long", [("X-Padding", "a" * 20000),
                                                 ("Content-Type", "text/plain")], doc))
    resp = text_doc([IBAN])
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], resp))
    f.close()
    f.expect_raw(C2S, "credit_card", CARD.norm, CARD.raw)
    f.expect_planted(S2C, IBAN, "http.body", resp)
    _hostile_run(tmp_path, [f], {"app_limit_hits": 1, "app_parse_errors": 1},
                 {(31200, "app_header_limit"): 1})


def test_app_decode_corrupt_gzip_is_counted_after_what_decoded_before_it(tmp_path,
                                                                        tollgated_bin):
    """A gzip body whose second deflate block is corrupt (an invalid block type right
    after a Z_FULL_FLUSH): app_decode_errors 1, one app_decode_failed anomaly; the card in
    the first block was decoded and is reported; the IBAN after the corruption is not
    (its bytes are not sent as such)."""
    first, second = text_doc([CARD]), text_doc([IBAN])
    c = zlib.compressobj(6, zlib.DEFLATED, 31)
    good = c.compress(first) + c.flush(zlib.Z_FULL_FLUSH)
    body = good + b"\xff" * 64     # BFINAL=1, BTYPE=11: reserved, an invalid block
    f = AppFlow(31300, 0, label="corrupt gzip")
    f.send(C2S, A.http_request("POST", "/c", [("Content-Type", "text/plain"),
                                              ("Content-Encoding", "gzip")], body))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"ok\n"))
    f.close()
    assert second
    f.expect_planted(C2S, CARD, "http.body > gzip", first)
    _hostile_run(tmp_path, [f], {"app_decode_errors": 1}, {(31300, "app_decode_failed"): 1})


def test_app_decode_request_whose_first_segment_is_tiny_is_still_parsed(tmp_path,
                                                                        tollgated_bin):
    """The client's first segment holds 1..4 bytes ("P", "PO", ...), too few to name the
    application; the rest follows. The request is still HTTP from its first byte, so its
    gzip body is decoded as in any other segmentation (no parse error). Its own run, so
    the shared run's counters do not depend on it."""
    flows = []
    doc = text_doc([CARD, IBAN])
    body, cenc, _ = A.content_encode(["gzip"], doc)
    req = A.http_request("POST", "/upload", [("Content-Type", "text/plain"),
                                              ("Content-Encoding", cenc)], body)
    for k in (1, 2, 3, 4):
        f = AppFlow(31400 + k, k, tiny_first=True,
                    label="first client segment of %d bytes %r" % (k, req[:k]))
        f.send(C2S, req, sizes=[k, len(req) - k])
        f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"stored\n"))
        f.close()
        for v in (CARD, IBAN):
            f.expect_planted(C2S, v, "http.body > gzip", doc)
        flows.append(f)
    _hostile_run(tmp_path, flows, {}, {})
