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


# ---- inline: a flow refused a parser takes the exception policy ----------------------

INLINE = """\
dataplane:
  workers: 1
  exception_policy: {policy}
  ports:
    - {{ name: inside, device: "net_pcap0,rx_pcap={rx},tx_pcap={tx_in}", mode: inline,
        peer: outside }}
    - {{ name: outside, device: "net_pcap1,rx_pcap={empty},tx_pcap={tx_out}",
        mode: inline, peer: inside }}
app:
  max_flows: 2
"""


def open_uploads(n=3):
    """n connections opened, then each sends a gzip upload; none closes (all open)."""
    from scapy.all import IP, TCP, Ether, Raw
    body = gzip.compress(b"card " + CARD + b"\n", 9, mtime=0)
    req = (b"POST /u HTTP/1.1\r\nHost: h.example\r\nContent-Encoding: gzip\r\n"
           b"Content-Length: %d\r\n\r\n" % len(body)) + body
    frames, data = [], []
    for i in range(n):
        cp = 44001 + i
        c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / \
            IP(src="10.74.0.1", dst="10.74.1.1")
        s = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / \
            IP(src="10.74.1.1", dst="10.74.0.1")
        frames += [c / TCP(sport=cp, dport=80, flags="S", seq=100),
                   s / TCP(sport=80, dport=cp, flags="SA", seq=900, ack=101),
                   c / TCP(sport=cp, dport=80, flags="A", seq=101, ack=901)]
        data.append(c / TCP(sport=cp, dport=80, flags="PA", seq=101, ack=901) / Raw(req))
    frames += data
    for k, f in enumerate(frames):
        f.time = 1790000000.0 + k * 0.001
    return frames


@pytest.mark.parametrize("policy", ("fail_open", "fail_closed"))
def test_flow_refused_a_parser_takes_the_exception_policy(tmp_path, policy):
    """app.max_flows 2, three connections open at once: the third is refused a parser
    (its gzip body could only be scanned raw). fail_open forwards it (counted); fail_closed
    cuts it at its first data segment (dropped, both ends reset), as for the other caps."""
    import signal
    import subprocess
    from scapy.all import IP, TCP, rdpcap, wrpcap
    from tgdaemon import BIN, DEADLINE, api_stats, free_port, token_file, wait_counter
    frames = open_uploads()
    rx, empty = tmp_path / "rx.pcap", tmp_path / "empty.pcap"
    wrpcap(str(rx), frames)
    wrpcap(str(empty), [], linktype=1)
    tx_in, tx_out = tmp_path / "tx-in.pcap", tmp_path / "tx-out.pcap"
    cfg = tmp_path / "inline.yaml"
    cfg.write_text(INLINE.format(policy=policy, rx=rx, empty=empty, tx_in=tx_in,
                                 tx_out=tx_out))
    port = free_port()
    p = subprocess.Popen([BIN, "--config", str(cfg), "--api-listen", f"127.0.0.1:{port}",
                          "--api-token-file", str(token_file(tmp_path / "tokens")),
                          "--state-dir", str(tmp_path / "state")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_counter(port, p, "packets", lambda n: n == len(frames), "every frame received")
    c = api_stats(port)["counters"]
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, f"{out}\n{err}"
    assert (c["app_flows"], c["app_flows_refused"]) == (2, 1)
    to_server = [f for f in rdpcap(str(tx_out)) if TCP in f and f[TCP].dport == 80]
    third = [f for f in to_server if f[TCP].sport == 44003]
    others = [f for f in to_server if f[TCP].sport != 44003]

    def data(f):      # TCP payload bytes (not the Ethernet padding of a short frame)
        return f[IP].len - f[IP].ihl * 4 - f[TCP].dataofs * 4 > 0

    assert len(others) == 2 * 3                     # flows 1 and 2: SYN, ACK, upload
    if policy == "fail_open":
        assert (c["exception_fail_open"], c["exception_fail_closed"]) == (1, 0)
        assert [data(f) for f in third] == [False, False, True]
    else:
        assert (c["exception_fail_open"], c["exception_fail_closed"]) == (0, 1)
        # SYN and ACK forwarded, the upload dropped, a RST towards the server instead
        assert [(data(f), bool(f[TCP].flags.R)) for f in third] == \
            [(False, False), (False, False), (False, True)]
        assert third[2][TCP].seq == 101
