"""The inline verdict path without namespaces or root: two net_pcap ports bridged as an
inline pair, each writing what it transmits to a pcap (tx_pcap). A card upload whose
second segment completes the number: the segments before it are forwarded, the segment
that crosses the block threshold and everything after it are not, and each side gets a
RST whose sequence number it accepts."""

import json
import os
import signal
import subprocess
from pathlib import Path

from scapy.all import IP, TCP, Ether, Raw, rdpcap, wrpcap
from tgdaemon import DEADLINE, free_port, token_file, wait_counter

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
CLIENT, SERVER = "10.1.8.20", "172.16.0.9"
CPORT, SPORT = 40001, 80
CARD = b"4111111111111111"
T0 = 1790000000.0
EARLY = b"HTTP/1.1 100 Continue\r\n\r\n"

CONFIG = """\
dataplane:
  workers: 1
  ports:
    - {{ name: inside, device: "net_pcap0,rx_pcap={rx},tx_pcap={tx_in}", mode: inline,
        peer: outside }}
    - {{ name: outside, device: "net_pcap1,rx_pcap={empty},tx_pcap={tx_out}",
        mode: inline, peer: inside }}
dlp:
  enabled: false
policy:
  mode: protect
  default_action: allow
  groups:
    - name: uploaders
      cidrs: [10.1.8.0/24]
    - name: servers
      cidrs: [172.16.0.0/24]
  rules:
    - id: cards-blocked
      from: uploaders
      to: servers
      action: allow
      dlp:
        - {{ sensor: credit_card, action: block, threshold: 1 }}
"""


def upload_frames():
    """Handshake, then a POST in three segments; the card number ends in the second."""
    head = (b"POST /upload HTTP/1.1\r\nHost: files.example.test\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 60\r\n\r\n")
    body = b"order ref 55 card " + CARD + b" exp 12/29 thanks for the order!!!"[:60 - 34]
    body = body.ljust(60, b".")
    seg1 = head + body[:22]            # ends inside the card number
    seg2, seg3 = body[22:40], body[40:]
    c = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src=CLIENT, dst=SERVER)
    s = Ether(src="02:00:00:00:00:02", dst="02:00:00:00:00:01") / IP(src=SERVER, dst=CLIENT)
    cisn, sisn = 1000, 5000
    frames = [
        c / TCP(sport=CPORT, dport=SPORT, flags="S", seq=cisn),
        s / TCP(sport=SPORT, dport=CPORT, flags="SA", seq=sisn, ack=cisn + 1),
        c / TCP(sport=CPORT, dport=SPORT, flags="A", seq=cisn + 1, ack=sisn + 1),
        c / TCP(sport=CPORT, dport=SPORT, flags="PA", seq=cisn + 1, ack=sisn + 1) / Raw(seg1),
        s / TCP(sport=SPORT, dport=CPORT, flags="A", seq=sisn + 1,
                ack=cisn + 1 + len(seg1)),
        # the server already answers (in flight: the client's next segment does not
        # acknowledge it), so the reset towards the client must be past these bytes
        s / TCP(sport=SPORT, dport=CPORT, flags="PA", seq=sisn + 1,
                ack=cisn + 1 + len(seg1)) / Raw(EARLY),
        c / TCP(sport=CPORT, dport=SPORT, flags="PA", seq=cisn + 1 + len(seg1),
                ack=sisn + 1) / Raw(seg2),
        c / TCP(sport=CPORT, dport=SPORT, flags="PA", seq=cisn + 1 + len(seg1) + len(seg2),
                ack=sisn + 1) / Raw(seg3),
    ]
    for i, f in enumerate(frames):
        f.time = T0 + i * 0.001
    return frames, cisn + 1 + len(seg1), sisn + 1 + len(EARLY)


def test_packet_that_crosses_block_threshold_is_dropped_and_both_sides_reset(tmp_path):
    frames, crossing_seq, server_next = upload_frames()
    rx, empty = tmp_path / "rx.pcap", tmp_path / "empty.pcap"
    wrpcap(str(rx), frames)
    wrpcap(str(empty), [], linktype=1)
    tx_in, tx_out = tmp_path / "tx-inside.pcap", tmp_path / "tx-outside.pcap"
    cfg = tmp_path / "inline.yaml"
    cfg.write_text(CONFIG.format(rx=rx, empty=empty, tx_in=tx_in, tx_out=tx_out))
    ev, port = tmp_path / "events.jsonl", free_port()
    p = subprocess.Popen([BIN, "--config", str(cfg), "--events", str(ev), "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file",
                          str(token_file(tmp_path / "tokens")), "--state-dir",
                          str(tmp_path / "state")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_counter(port, p, "packets", lambda n: n == len(frames), "every frame received")
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, f"{out}\n{err}"

    forwarded = [f for f in rdpcap(str(tx_out)) if TCP in f]
    sent_back = [f for f in rdpcap(str(tx_in)) if TCP in f]
    # Forwarded towards the server: the handshake, the first segment and the server's
    # ACK (same port pair, either direction), then the reset; never the crossing segment.
    data_fwd = [bytes(f[TCP].payload) for f in forwarded if len(f[TCP].payload) > 0 and
                not f[TCP].flags.R]
    assert data_fwd[1:] == [EARLY]
    assert CARD[:4] in data_fwd[0] and CARD not in data_fwd[0]
    rst_srv = [f for f in forwarded if f[TCP].flags.R and f[IP].dst == SERVER]
    assert len(rst_srv) == 1 and rst_srv[0][TCP].seq == crossing_seq
    rst_cli = [f for f in sent_back if f[TCP].flags.R and f[IP].dst == CLIENT]
    assert len(rst_cli) == 1 and rst_cli[0][TCP].seq == server_next
    assert rst_cli[0][TCP].dport == CPORT and rst_srv[0][TCP].dport == SPORT
    evs = [json.loads(x) for x in ev.read_text().splitlines()]
    dlp = [e for e in evs if e["event_type"] in ("dlp", "alert") and "dlp" in e]
    assert dlp and dlp[0]["dlp"]["action"] == "blocked"
    assert dlp[0]["dlp"]["matches"][0]["sensor"] == "credit_card"
    assert CARD.decode() not in ev.read_text()
