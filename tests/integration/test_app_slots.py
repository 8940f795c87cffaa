"""The app layer's slots (app.max_flows) go back to the pool when a connection is over (both
FINs in order, or a RST the receiver takes), not at the flow's closed timeout: many more
short connections than slots, one after the other within the timeout, are all parsed.

Each of 24 connections uploads a gzip body holding a card number (seen only once the body
is decoded) with app.max_flows: 4. Every card is reported on its own flow through the
decoding path, and no flow is refused a parser. A connection that is still open keeps its
slot: with 4 connections left open (no FIN), the fifth is refused and its card, hidden by
gzip, is not found (the counter says so)."""

import gzip
import random

import pytest

import tgpcap
from tgpcap import C2S, S2C, EPOCH_US, fail_with
from test_tcp_evasion import CARD, CARD_REDACTED, card_rows, flows_of, http_ok, run

N = 24
CONFIG = "app:\n  max_flows: 4\n"


def upload(i, close):
    body = gzip.compress(b"invoice for order %d, card " % i + CARD + b" thank you\n", 9,
                         mtime=0)
    req = (b"POST /u HTTP/1.1\r\nHost: files.example.test\r\nContent-Type: text/plain\r\n"
           b"Content-Encoding: gzip\r\nContent-Length: %d\r\n\r\n" % len(body)) + body
    assert CARD not in req
    s = tgpcap.TcpSession(random.Random(i), "10.73.0.1", 43000 + i, "10.73.1.1", 80,
                          start_us=EPOCH_US + i * 100_000, mac_base=60)
    s.turn(C2S, req)
    s.turn(S2C, http_ok())
    if close == "fin":
        s.close(C2S)
    elif close == "rst":
        s.close(C2S, how="rst")
    return s


@pytest.mark.parametrize("close", ("fin", "rst"))
def test_closed_connections_give_their_parser_back(tmp_path, tollgated_bin, close):
    tgpcap.Capture([upload(i, close) for i in range(N)]).write(tmp_path / "up.pcap")
    res = run(tmp_path, str(tmp_path / "up.pcap"), "run", config=CONFIG)
    flows = sorted(e["flow_id"] for e in flows_of(res))
    want = [(fid, "to_server", "credit_card", CARD_REDACTED, "http.body > gzip")
            for fid in flows]
    errs = []
    if len(flows) != N:
        errs.append("%d flows, expected %d" % (len(flows), N))
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected one card per flow through gzip" %
                    card_rows(res))
    st = res.stats
    if (st.get("app_flows"), st.get("app_flows_refused")) != (N, 0):
        errs.append("app_flows %s, app_flows_refused %s" % (st.get("app_flows"),
                                                            st.get("app_flows_refused")))
    if errs:
        fail_with(errs, res, "%d connections closed by %s, app.max_flows 4:" % (N, close))


def test_open_connections_keep_their_parser(tmp_path, tollgated_bin):
    gens = [upload(i, "open") for i in range(5)]
    tgpcap.Capture(gens).write(tmp_path / "open.pcap")
    res = run(tmp_path, str(tmp_path / "open.pcap"), "run", config=CONFIG)
    st = res.stats
    errs = []
    if (st.get("app_flows"), st.get("app_flows_refused")) != (4, 1):
        errs.append("app_flows %s, app_flows_refused %s, expected 4 and 1" %
                    (st.get("app_flows"), st.get("app_flows_refused")))
    if len(card_rows(res)) != 4:
        errs.append("dlp matches %r, expected the 4 parsed flows' cards" % card_rows(res))
    if errs:
        fail_with(errs, res, "5 open connections, app.max_flows 4:")
