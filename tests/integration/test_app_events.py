"""Suricata-style http and smtp metadata events (events.http, events.smtp; off by default)
and the app metadata of dlp events, through the real daemon over a generated capture:
exact fields, redaction, one event per transaction (a pipelined response told with its own
request), and none when the switches are off."""
import json
import random

import pytest

import tgpcap
from tgpcap import C2S, S2C, EPOCH_US

CLIENT = "10.62.0.1"
SERVER = "10.62.1.1"

ON = "events:\n  http: true\n  smtp: true\n"


def _session(port, index, server_port):
    return tgpcap.TcpSession(random.Random(port), CLIENT, port, SERVER, server_port,
                             start_us=EPOCH_US + index * 5000, mac_base=2 + 2 * index)


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    d = tmp_path_factory.mktemp("app-events")
    web = _session(45001, 0, 80)
    # two pipelined requests, one body with a card; the second query holds a value
    body = b"card=4111+1111+1111+1111"
    web.turn(C2S, b"POST /pay HTTP/1.1\r\nHost: shop.example\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n"
                  b"Content-Length: %d\r\n\r\n" % len(body) + body +
                  b"GET /lookup?email=jane.doe%40example.com&x=1 HTTP/1.1\r\n"
                  b"Host: shop.example\r\n\r\n")
    web.turn(S2C, b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
                  b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
                  b"Content-Length: 2\r\n\r\nno")
    web.close(C2S)
    mail = _session(45002, 1, 25)
    mail.turn(S2C, b"220 mx.example ESMTP\r\n")
    mail.turn(C2S, b"EHLO client.example\r\n")
    mail.turn(S2C, b"250 mx.example\r\n")
    mail.turn(C2S, b"MAIL FROM:<jane.doe@example.com>\r\n")
    mail.turn(S2C, b"250 ok\r\n")
    mail.turn(C2S, b"RCPT TO:<payroll@partner.example>\r\n")
    mail.turn(S2C, b"250 ok\r\n")
    mail.turn(C2S, b"DATA\r\n")
    mail.turn(S2C, b"354 go\r\n")
    mail.turn(C2S, b"Subject: x\r\nMIME-Version: 1.0\r\n"
                   b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
                   b"Content-Type: text/plain\r\n\r\nIBAN DE89370400440532013000\r\n"
                   b"--b\r\nContent-Disposition: attachment; filename=\"pay.csv\"\r\n"
                   b"Content-Transfer-Encoding: base64\r\n\r\n"
                   b"NTM2LTkwLTQzOTkK\r\n--b--\r\n.\r\n")
    mail.turn(S2C, b"250 queued\r\n")
    mail.close(C2S)
    pcap = d / "app.pcap"
    tgpcap.Capture([web, mail]).write(pcap)
    return str(pcap)


def run(tmp_path, pcap, config=None):
    args = ["--read", pcap, "--events", tmp_path / "ev.json", "--state-dir", tmp_path / "st"]
    if config is not None:
        (tmp_path / "c.yaml").write_text(config)
        args += ["--config", tmp_path / "c.yaml"]
    res = tgpcap.run_tollgated([str(a) for a in args])
    assert res.rc == 0, res.stderr
    return [json.loads(line) for line in (tmp_path / "ev.json").read_text().splitlines()]


def test_metadata_events_are_off_by_default(tmp_path, capture, tollgated_bin):
    evs = run(tmp_path, capture)
    assert not [e for e in evs if e["event_type"] in ("http", "smtp")]
    assert [e for e in evs if "dlp" in e], "the findings must still be there"


def test_one_http_event_per_transaction_with_its_own_request(tmp_path, capture,
                                                            tollgated_bin):
    evs = run(tmp_path, capture, ON)
    http = [e for e in evs if e["event_type"] == "http"]
    assert [(e["src_port"], e["dest_port"], e["app_proto"], e["http"]) for e in http] == [
        (45001, 80, "http", {"hostname": "shop.example", "url": "/pay", "http_method": "POST",
                             "status": 201}),
        (45001, 80, "http", {"hostname": "shop.example",
                             "url": "/lookup?email=******************.com&x=1",
                             "http_method": "GET", "status": 404,
                             "http_content_type": "text/plain"}),
    ], json.dumps(http, indent=1)


def test_one_smtp_event_per_mail_with_redacted_envelope(tmp_path, capture, tollgated_bin):
    evs = run(tmp_path, capture, ON)
    smtp = [e for e in evs if e["event_type"] == "smtp"]
    assert [(e["src_port"], e["dest_port"], e["app_proto"], e["smtp"]) for e in smtp] == [
        (45002, 25, "smtp", {"helo": "client.example", "mail_from": "****.doe@example.com",
                             "rcpt_to": ["***roll@partner.example"],
                             "attachments": ["pay.csv"]}),
    ], json.dumps(smtp, indent=1)


def test_dlp_events_say_where_in_the_application_the_values_were(tmp_path, capture,
                                                                  tollgated_bin):
    evs = run(tmp_path, capture)
    rows = sorted((e["src_port"], m["sensor"], m["redacted"], m["path"], m["offset"],
                   json.dumps(e.get("http") or e.get("smtp"), sort_keys=True))
                  for e in evs if "dlp" in e for m in e["dlp"]["matches"])
    pay = json.dumps({"hostname": "shop.example", "url": "/pay", "http_method": "POST",
                      "http_content_type": "application/x-www-form-urlencoded"},
                     sort_keys=True)
    # the e-mail address crosses its own threshold (1) in the request's URL: its alert
    # goes out at once, before the answer (no status yet)
    look = json.dumps({"hostname": "shop.example",
                       "url": "/lookup?email=******************.com&x=1",
                       "http_method": "GET"}, sort_keys=True)
    env = {"helo": "client.example", "mail_from": "****.doe@example.com",
           "rcpt_to": ["***roll@partner.example"]}
    mail1 = json.dumps(dict(env, attachments=[]), sort_keys=True)
    mail2 = json.dumps(dict(env, attachments=["pay.csv"]), sort_keys=True)
    # the envelope addresses are in SMTP commands (raw); they wait for their context
    # window and are listed at the flow's end, when the mail and its attachment are known
    assert rows == sorted([
        (45001, "credit_card", "************1111", "http.body > form", 5, pay),
        (45001, "email", "****************.com", "http.url > form", 14, look),
        (45002, "email", "****************.com", "raw", 32, mail2),
        (45002, "email", "*******************mple", "raw", 64, mail2),
        (45002, "iban", "******************3000", "smtp.part[1]", 5, mail1),
        (45002, "us_ssn", "*****4399", "smtp.part[2] pay.csv > base64", 0, mail2),
    ]), json.dumps(rows, indent=1)
    text = json.dumps(evs)
    for raw in ("jane.doe", "4111 1111", "DE89370400440532013000", "536-90-4399", "payroll"):
        assert raw not in text
