"""Checksums (dataplane.checksums, docs/configuration.md): a segment the receiving host drops
for its checksum is not inspected, or an attacker inserts bytes the receiver never reads
(the first copy of a sequence range wins) and sends the real ones after them unseen.

Captures are written with scapy as the attacker sends them and replayed with
`tollgated --read`:
  * insertion: the client sends a harmless request with a bad TCP (or IPv4 header)
    checksum, then the real one carrying a card number over the same sequence numbers.
    `validate` and `auto` (a few bad packets do not make a capture "offloaded") report the
    card on its flow, exactly, and count the bad frame; `ignore` shows the attack: the
    harmless copy is kept, the real request is a retransmission, no card.
  * offloaded capture: every packet the capturing host sent has a bad TCP checksum (as
    tcpdump records them before the NIC fills them in). `auto` takes the capture as
    offloaded (log line, summary) and inspects it; `validate` inspects none of those
    packets and counts each one.
"""

import random

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import rdpcap, wrpcap

import tgpcap
from tgpcap import C2S, S2C, EPOCH_US, fail_with
from test_tcp_evasion import (CARD, CARD_REDACTED, FILLER, card_rows, flows_of, http_ok,
                              run, segment, session, stats_of, write)

BODY = FILLER + b"payment=" + CARD + b"\n" + FILLER
DECOY = FILLER + b"payment=" + b"x" * len(CARD) + b"\n" + FILLER


def corrupt(frame, layer):
    """The frame with its TCP checksum or IPv4 header checksum wrong."""
    pkt = Ether(frame)
    pkt[layer].chksum = pkt[layer].chksum ^ 0x5a5a
    return bytes(pkt)


def insertion_capture(path, layer):
    s = session((3_000_000, 4_000_000), EPOCH_US, 7)
    real = tgpcap.http_request(BODY)
    decoy = tgpcap.http_request(DECOY)
    assert len(real) == len(decoy)
    # the decoy first, over the same sequence numbers, with a bad checksum
    s._emit(C2S, corrupt(s._frame(C2S, "PA", s.seq(C2S, 0), s._ack_for(C2S), decoy), layer))
    segment(s, C2S, 0, real, flags="PA")
    s.turn(S2C, http_ok())
    s.close(C2S)
    return write(path, [s])


@pytest.mark.parametrize("layer", (TCP, IP), ids=("tcp", "ipv4"))
@pytest.mark.parametrize("mode", ("validate", "auto", "ignore"))
def test_inserted_segment_with_a_bad_checksum_is_not_inspected(tmp_path, tollgated_bin,
                                                               mode, layer):
    pcap = insertion_capture(tmp_path / "insert.pcap", layer)
    res = run(tmp_path, pcap, "run", config="dataplane:\n  checksums: %s\n" % mode)
    flows = flows_of(res)
    if len(flows) != 1:
        fail_with(["%d flow events, expected 1" % len(flows)], res)
    checked = mode != "ignore"
    want = [(flows[0]["flow_id"], "to_server", "credit_card", CARD_REDACTED, "http.body")]
    errs = []
    if card_rows(res) != (want if checked else []):
        errs.append("dlp matches %r, expected %r" % (card_rows(res),
                                                     want if checked else []))
    got = stats_of(res, "checksum_bad_ip", "checksum_bad_l4", "reasm_retransmits")
    bad_ip = int(checked and layer is IP)
    exp = {"checksum_bad_ip": bad_ip, "checksum_bad_l4": int(checked) - bad_ip,
           "reasm_retransmits": int(not checked)}
    if got != exp:
        errs.append("stats %r, expected %r" % (got, exp))
    if "offloads them" in res.stderr:
        errs.append("one bad packet made the capture look offloaded")
    if errs:
        fail_with(errs, res, "checksums: %s, bad %s checksum:" % (mode, layer.__name__))


def offloaded_capture(path, n=6):
    """n uploads whose client packets (the capturing host's) all have bad TCP checksums."""
    gens = []
    for i in range(n):
        s = tgpcap.TcpSession(random.Random(i), "10.72.0.1", 42000 + i, "10.72.1.1", 80,
                              start_us=EPOCH_US + i * 1_000_000, mac_base=50)
        s.turn(C2S, tgpcap.http_request(BODY))
        s.turn(S2C, http_ok())
        s.close(C2S)
        gens.append(s)
    write(path, gens)
    frames = list(rdpcap(str(path)))
    for k, fr in enumerate(frames):
        if fr[IP].src == "10.72.0.1":
            t = fr.time
            frames[k] = Ether(corrupt(bytes(fr), TCP))
            frames[k].time = t
    wrpcap(str(path), frames)
    return str(path)


@pytest.mark.parametrize("mode", ("auto", "validate"))
def test_capture_with_offloaded_checksums(tmp_path, tollgated_bin, mode):
    pcap = offloaded_capture(tmp_path / "offloaded.pcap")
    res = run(tmp_path, pcap, "run", config="dataplane:\n  checksums: %s\n" % mode)
    client_pkts = sum(1 for fr in rdpcap(pcap) if fr[IP].src == "10.72.0.1")
    errs = []
    cards = [r[2:] for r in card_rows(res)]
    got = stats_of(res, "checksum_bad_l4", "checksum_bad_ip")
    if mode == "auto":
        if cards != [("credit_card", CARD_REDACTED, "http.body")] * 6:
            errs.append("dlp matches %r, expected a card per upload" % cards)
        if got != {"checksum_bad_l4": 0, "checksum_bad_ip": 0}:
            errs.append("stats %r" % got)
        if "%d of the first" % client_pkts not in res.stderr or \
                "offloads them" not in res.stderr:
            errs.append("no log line naming the offloaded capture")
        if "1 file with offloaded checksums (not checked)" not in res.stdout:
            errs.append("the summary does not say so")
    else:
        if cards:
            errs.append("dlp matches %r from packets the receiver drops" % cards)
        if got != {"checksum_bad_l4": client_pkts, "checksum_bad_ip": 0}:
            errs.append("stats %r, expected %d bad L4" % (got, client_pkts))
    if errs:
        fail_with(errs, res, "checksums: %s on an offloaded capture:" % mode)
