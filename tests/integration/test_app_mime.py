"""MIME end to end: multipart HTTP uploads and mails with base64 and quoted-printable
parts, replayed through the real tollgated, checking the exact (client port, direction,
sensor, redacted, path, offset) of every dlp match.

Contract under test (/tmp/contract.md, MIME section): multipart bodies and mails are split
into leaf parts numbered 1, 2, ... in order (nested multiparts included); a part's path
is "smtp.part[N]" (mail) or "http.body[ > codings] > part[N]" (HTTP), then " FILENAME"
when Content-Disposition names a file (RFC 2231 and RFC 2047 names decoded), then
" > base64" or " > qp" for its Content-Transfer-Encoding. A mail that is not multipart
but base64 or quoted-printable as a whole: "smtp.body > base64" / "smtp.body > qp".
Offsets are within the decoded part. A value also readable raw is listed once, from the
part.

Cases: a multipart/form-data upload (a text field, a file sent as is, a base64 file),
the same upload gzip-compressed (multipart + gzip), a mail with a quoted-printable text
part and a base64 CSV attachment (base64 + MIME), a nested mail with RFC 2231 and RFC 2047
file names, single-part base64 and quoted-printable mails, and a value cut at every
offset by a base64 line break.

Written before the MIME layer was merged into the daemon: these tests fail until it is.
"""

import pytest

import appcap as A
import dlp_values as V
from appcap import C2S, S2C, AppFlow
from test_dlp import check_dlp_schema
from tgpcap import fail_with

FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"

CARD = V.MC16_SPACED
EMAIL = V.EMAIL
IBAN = V.IBAN_GB_GROUPED
SSN = V.SSN_DASHED
VISA = V.VISA16
IBAN_DE = V.IBAN_DE


def csv_doc(values):
    """A CSV export (CRLF lines) with one value per row."""
    rows = [b"id,name,value,comment"]
    for i, v in enumerate(values):
        rows.append(b"%d,row %d,%s,the quick brown fox jumps over the lazy dog" % (
            i + 1, i + 1, v.raw.encode()))
    return b"\r\n".join(rows) + b"\r\n"


def text_doc(values):
    out = [A.crlf(FILLER)]
    for v in values:
        out += [b"ref " + v.raw.encode() + b" noted\r\n", A.crlf(FILLER)]
    return b"".join(out)


def part(headers, body):
    return ("".join("%s: %s\r\n" % kv for kv in headers).encode(), body)


def multipart(boundary, parts):
    """RFC 2046 multipart body: each (headers bytes, body) part after a delimiter line;
    the CRLF before each delimiter belongs to the delimiter."""
    b = boundary.encode()
    out = [b"preamble, ignored\r\n"]
    for h, body in parts:
        out.append(b"--" + b + b"\r\n" + h + b"\r\n" + body + b"\r\n")
    out.append(b"--" + b + b"--\r\n")
    return b"".join(out)


def mail(headers, body):
    hdr = ["From: Alice Example <%s>" % A.MAIL_FROM, "To: Bob Example <%s>" % A.RCPT_TO,
           "Subject: documents", "Date: Mon, 23 Nov 2026 13:25:37 +0000",
           "MIME-Version: 1.0"] + ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(hdr) + "\r\n\r\n").encode() + body


def smtp_flow(port, index, label, content):
    f = AppFlow(port, index, server_port=25, label=label)
    f.turns(A.smtp_greeting())
    f.turns(A.smtp_data_turns(content))
    f.turns(A.smtp_quit())
    f.close(S2C)
    return f


def upload_flow(port, index, label, body, ctype, codings=()):
    data, cenc, suffix = A.content_encode(list(codings), body) if codings else (body, None, "")
    headers = [("Content-Type", ctype)]
    if cenc:
        headers.append(("Content-Encoding", cenc))
    f = AppFlow(port, index, label=label)
    f.send(C2S, A.http_request("POST", "/upload", headers, data))
    f.send(S2C, A.http_response([("Content-Type", "text/plain")], b"stored\n"))
    f.close()
    return f, "http.body" + suffix


CASES = {}


def case(name):
    def reg(fn):
        CASES[name] = fn
        return fn
    return reg


def _form_data(port, index, label, codings=()):
    """curl -F name=... -F notes=@notes.txt -F scan=@scan.csv;type=text/csv (base64)."""
    notes = text_doc([SSN])
    scan = csv_doc([CARD, IBAN])
    field = EMAIL.raw.encode()
    bnd = "------------------------tgpcap0d7c4e"
    body = multipart(bnd, [
        part([("Content-Disposition", 'form-data; name="contact"')], field),
        part([("Content-Disposition", 'form-data; name="notes"; filename="notes.txt"'),
              ("Content-Type", "text/plain")], notes),
        part([("Content-Disposition", 'form-data; name="scan"; filename="scan.csv"'),
              ("Content-Type", "text/csv"), ("Content-Transfer-Encoding", "base64")],
             A.b64_lines(scan)),
    ])
    f, base = upload_flow(port, index, label, body, "multipart/form-data; boundary=" + bnd,
                          codings)
    f.expect_planted(C2S, EMAIL, base + " > part[1]", field)
    f.expect_planted(C2S, SSN, base + " > part[2] notes.txt", notes)
    for v in (CARD, IBAN):
        f.expect_planted(C2S, v, base + " > part[3] scan.csv > base64", scan)
    return [f]


CASES["form_data_upload"] = lambda p, i: _form_data(p, i, "form_data_upload")
CASES["form_data_upload_gzip"] = lambda p, i: _form_data(p, i, "form_data_upload_gzip",
                                                         ["gzip"])


@case("mail_qp_text_and_base64_csv")
def _mail_qp_csv(port, index):
    """multipart/mixed: a quoted-printable text part (a soft line break inside the IBAN,
    '=' written =3D) and a base64 CSV attachment."""
    text = (b"Hello Bob,\r\nthe refund =  total goes to " + IBAN.raw.encode() +
            b" as agreed.\r\n" + A.crlf(FILLER) + b"Questions to " + EMAIL.raw.encode() +
            b" please.\r\n")
    iban_at = text.index(IBAN.raw.encode())
    qp = A.qp_encode(text, soft_at=[iban_at + 7])
    assert IBAN.raw.encode() not in qp and b"=3D" in qp and A.qp_decode(qp) == text
    csv = csv_doc([CARD, VISA])
    bnd = "==tg-mixed-1=="
    body = multipart(bnd, [
        part([("Content-Type", "text/plain; charset=utf-8"),
              ("Content-Transfer-Encoding", "quoted-printable")], qp),
        part([("Content-Type", "text/csv"),
              ("Content-Disposition", 'attachment; filename="report.csv"'),
              ("Content-Transfer-Encoding", "base64")], A.b64_lines(csv)),
    ])
    f = smtp_flow(port, index, "mail_qp_text_and_base64_csv",
                  mail([("Content-Type", 'multipart/mixed; boundary="%s"' % bnd)], body))
    for v in (IBAN, EMAIL):
        f.expect_planted(C2S, v, "smtp.part[1] > qp", text)
    for v in (CARD, VISA):
        f.expect_planted(C2S, v, "smtp.part[2] report.csv > base64", csv)
    return [f]


@case("mail_nested_with_encoded_file_names")
def _mail_nested(port, index):
    """multipart/mixed { multipart/alternative { text/plain qp, text/html qp },
    RFC 2231 name (résumé.csv), RFC 2047 name (gehaltübersicht.csv) }: leaves 1..4."""
    plain = b"See the files, card " + CARD.raw.encode() + b" on file.\r\n"
    html = b"<p>See the files, account " + IBAN.raw.encode() + b" on file.</p>\r\n"
    csv1, csv2 = csv_doc([SSN]), csv_doc([IBAN_DE])
    inner = multipart("==alt==", [
        part([("Content-Type", "text/plain; charset=utf-8"),
              ("Content-Transfer-Encoding", "quoted-printable")], A.qp_encode(plain)),
        part([("Content-Type", "text/html; charset=utf-8"),
              ("Content-Transfer-Encoding", "quoted-printable")], A.qp_encode(html)),
    ])
    name2047 = "=?UTF-8?B?%s?=" % A.base64.b64encode(
        "gehaltübersicht.csv".encode()).decode()
    body = multipart("==outer==", [
        part([("Content-Type", 'multipart/alternative; boundary="==alt=="')], inner),
        part([("Content-Type", "text/csv"),
              ("Content-Disposition", "attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.csv"),
              ("Content-Transfer-Encoding", "base64")], A.b64_lines(csv1)),
        part([("Content-Type", "text/csv"),
              ("Content-Disposition", 'attachment; filename="%s"' % name2047),
              ("Content-Transfer-Encoding", "base64")], A.b64_lines(csv2)),
    ])
    f = smtp_flow(port, index, "mail_nested_with_encoded_file_names",
                  mail([("Content-Type", 'multipart/mixed; boundary="==outer=="')], body))
    f.expect_planted(C2S, CARD, "smtp.part[1] > qp", plain)
    f.expect_planted(C2S, IBAN, "smtp.part[2] > qp", html)
    f.expect_planted(C2S, SSN, "smtp.part[3] résumé.csv > base64", csv1)
    f.expect_planted(C2S, IBAN_DE, "smtp.part[4] gehaltübersicht.csv > base64", csv2)
    return [f]


@case("mail_single_part_base64")
def _mail_b64(port, index):
    text = text_doc([CARD, EMAIL])
    f = smtp_flow(port, index, "mail_single_part_base64",
                  mail([("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Transfer-Encoding", "base64")], A.b64_lines(text)))
    for v in (CARD, EMAIL):
        f.expect_planted(C2S, v, "smtp.body > base64", text)
    return [f]


@case("mail_single_part_qp")
def _mail_qp(port, index):
    text = text_doc([CARD, IBAN])
    qp = A.qp_encode(text, soft_at=[text.index(CARD.raw.encode()) + 9])
    assert CARD.raw.encode() not in qp
    f = smtp_flow(port, index, "mail_single_part_qp",
                  mail([("Content-Type", "text/plain; charset=utf-8"),
                        ("Content-Transfer-Encoding", "quoted-printable")], qp))
    for v in (CARD, IBAN):
        f.expect_planted(C2S, v, "smtp.body > qp", text)
    return [f]


def _b64_line_split(name, v):
    """A CSV attachment in base64 lines of 76 characters (57 bytes): the value starts at
    byte 57 - k, so the first line break falls after its k-th byte, for every k."""
    def build(port, index):
        out = []
        for k in range(1, len(v.raw)):
            lead = b"x" * (57 - k - 1) + b","
            csv = lead + v.raw.encode() + b",the quick brown fox\r\n"
            enc = A.b64_lines(csv)
            assert enc.index(b"\r\n") == 76
            body = multipart("==split==", [
                part([("Content-Type", "text/plain")], b"see attached\r\n"),
                part([("Content-Type", "text/csv"),
                      ("Content-Disposition", 'attachment; filename="split.csv"'),
                      ("Content-Transfer-Encoding", "base64")], enc),
            ])
            f = smtp_flow(port + len(out), index + len(out),
                          "%s: base64 line break after value byte %d" % (name, k),
                          mail([("Content-Type", 'multipart/mixed; boundary="==split=="')],
                               body))
            f.expect_planted(C2S, v, "smtp.part[2] split.csv > base64", csv)
            out.append(f)
        return out
    CASES["base64_line_split_" + name] = build


for _n, _v in {"card": CARD, "iban": IBAN, "email": EMAIL}.items():
    _b64_line_split(_n, _v)


@pytest.fixture(scope="module")
def mime_run(tmp_path_factory, tollgated_bin):
    d = tmp_path_factory.mktemp("app-mime")
    flows, port, index = {}, 32000, 0
    for name, build in CASES.items():
        fl = build(port, index)
        flows[name] = fl
        port += len(fl) + 10
        index += len(fl)
    pcap = A.write_flows(d / "mime.pcap", [f for fl in flows.values() for f in fl])
    res = A.run_daemon(d, pcap)
    errs = check_dlp_schema(res.events)
    if errs:
        fail_with(errs, res, "dlp events break the schema:")
    rows, problems = A.rows_of(res.events)
    return flows, rows, problems, res


@pytest.mark.parametrize("name", list(CASES))
def test_app_mime_reports_each_value_once_from_its_part(mime_run, name):
    flows, rows, problems, res = mime_run
    fl = flows[name]
    ports = {f.port for f in fl}
    expected = set().union(*(f.expected() for f in fl))
    got = [r for r in rows if r.port in ports]
    errs = [p for p in problems if int(p.split()[1]) in ports]
    errs += A.compare_rows(expected, got, fl)
    if errs:
        fail_with(errs, res, "%s: dlp rows differ (port, direction, sensor, redacted, path, "
                  "offset):" % name)


def test_app_mime_counts_no_errors(mime_run):
    flows, rows, problems, res = mime_run
    st = res.stats
    want = {"app_parse_errors": 0, "app_limit_hits": 0, "app_decode_errors": 0,
            "app_decode_capped": 0, "app_decode_bombs": 0, "app_unknown_coding": 0}
    errs = ["%s = %r, expected %r" % (k, st.get(k), v) for k, v in want.items()
            if st.get(k) != v]
    anoms = A.anomalies_of(res.events)
    if anoms:
        errs.append("anomaly events on clean traffic: %s" % sorted(anoms.items()))
    if errs:
        fail_with(errs, res)
