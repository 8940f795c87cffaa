"""TCP evasions through the real tollgated: a port reused by a new connection, and urgent data.

Every capture is written with scapy the way an attacker on the client side would send it, and
replayed with `tollgated --read`. Contract under test (docs/configuration.md "Overlaps,
urgent data, RSTs and reused ports", docs/events.md, docs/cli.md --dump-streams):

  * Port reuse. A SYN with a new ISN on the addresses and ports of a connection that is over
    for both hosts (both FINs in sequence, client or server closing first, or a RST its
    receiver takes) ends that flow (flow event with reason "reused", written before anything
    of the new flow) and starts a new flow with its own flow_id, reassembly, app layer and
    DLP state. The card number uploaded on the second connection is reported on the second
    flow, with its exact redaction, and --dump-streams keeps both connections (the second
    one's files carry its flow_id). A SYN with a new ISN in the middle of a live connection
    (RFC 5961: the server only answers with a challenge ACK) and a late copy of the closed
    connection's own SYN start nothing.
  * Urgent data. With reassembly.urgent: remove (the default, a Linux receiver with
    SO_OOBINLINE off) the byte at seq + urp - 1 is not part of the stream the app layer, the
    sensors and the dump see, exactly once whether the segment comes in order, out of order,
    retransmitted, or the pointer reaches past its segment; with `inline` it stays. A card
    number with an urgent digit inserted in its middle ("4111111" "7" "111111111": what the
    server reads is 4111111111111111) is found with remove and not with inline. The
    reasm_urgent_* counters are exact.
  * Acks of unsent data. A server that acknowledges bytes the client has not sent yet (1
    byte, 2,000, 1 MiB ahead) declares no gap: the client's next bytes are the stream, and
    the card in them is found (reasm_ack_unseen 1, no gap, no retransmission).
"""

import random
from pathlib import Path

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether

import tgpcap
from tgpcap import C2S, S2C, EPOCH_US, fail_with

CLIENT = "10.71.0.1"
SERVER = "10.71.1.1"
CPORT = 41000
SPORT = 80

CARD = b"4111111111111111"
CARD_REDACTED = "************1111"
FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"


# --------------------------------------------------------------------------------------
# Building captures
# --------------------------------------------------------------------------------------

def session(isn, start_us, seed, port=CPORT):
    return tgpcap.TcpSession(random.Random(seed), CLIENT, port, SERVER, SPORT, isn=isn,
                             start_us=start_us, mac_base=40)


def http_ok(body=b"stored\n"):
    return (b"HTTP/1.1 200 OK\r\nServer: tgpcap-httpd\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body)) + body


def segment(sess, d, off, data, flags="A", urp=None, ttl=None):
    """Side d sends data at its stream offset off (URG with urgent pointer urp when urp is
    not None; IP TTL ttl when not None); the peer ACKs what it holds contiguously. Stream
    bookkeeping is left to the caller (sess.payload), since what the receiver reads
    depends on the urgent byte."""
    frame = sess._frame(d, flags, sess.seq(d, off), sess._ack_for(d), data)
    if urp is not None or ttl is not None:
        pkt = Ether(frame)
        if urp is not None:
            pkt[TCP].flags = pkt[TCP].flags | "U"
            pkt[TCP].urgptr = urp
            del pkt[TCP].chksum
        if ttl is not None:
            pkt[IP].ttl = ttl
            del pkt[IP].chksum
        frame = bytes(pkt)
    sess._emit(d, frame)
    sess._receive(d, off, off + len(data))
    sess.sent[d] = max(sess.sent[d], off + len(data))
    r = 1 - d
    sess._send(r, "A", sess.seq(r, sess.sent[r] + sess.fin[r]), sess._ack_for(r))


def bare(sess, d, flags, seq, ack):
    """One segment without payload from side d with exactly these fields (the attacker's
    own SYN or RST, or the server's challenge ACK)."""
    sess._send(d, flags, seq, ack, syn="S" in flags)


def write(path, gens):
    tgpcap.Capture(gens).write(path)
    return str(path)


def run(tmp_path, pcap, name, config=None, workers=1):
    d = Path(tmp_path) / name
    d.mkdir(parents=True)
    args = ["--read", pcap, "--events", d / "events.jsonl", "--dump-streams", d / "streams",
            "--stats-json", d / "stats.json", "--state-dir", d / "state",
            "--workers", str(workers)]
    if config is not None:
        (d / "config.yaml").write_text(config)
        args += ["--config", d / "config.yaml"]
    res = tgpcap.run_tollgated(args, 120)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res)
    return res


def flows_of(res):
    return [e for e in res.events if e.get("event_type") == "flow"]


def dlp_of(res):
    return [e for e in res.events if "dlp" in e]    # threshold alerts and dlp events


def card_rows(res):
    """(flow_id, direction, sensor, redacted, path) of every dlp match."""
    return sorted((e["flow_id"], e["dlp"]["direction"], m["sensor"], m["redacted"],
                   m["path"]) for e in dlp_of(res) for m in e["dlp"]["matches"])


def stats_of(res, *names):
    st = res.stats
    return {n: st.get(n) for n in names}


def check_flow(errs, ev, exp, reason):
    """Exact counters, times, state and reason of one flow event against a FlowExpect."""
    fl = ev["flow"]
    want = {"pkts_toserver": exp.pkts_toserver, "pkts_toclient": exp.pkts_toclient,
            "bytes_toserver": exp.bytes_toserver, "bytes_toclient": exp.bytes_toclient,
            "start": tgpcap.fmt_ts(exp.start_us), "end": tgpcap.fmt_ts(exp.end_us),
            "state": exp.state, "reason": reason, "gaps": 0, "overlaps_different": 0}
    for k, v in want.items():
        if fl.get(k) != v:
            errs.append("flow %s: flow.%s = %r, expected %r" % (ev["flow_id"], k, fl.get(k), v))
    hdr = (ev.get("src_ip"), ev.get("src_port"), ev.get("dest_ip"), ev.get("dest_port"))
    if hdr != (CLIENT, exp.client_port, SERVER, SPORT):
        errs.append("flow %s: endpoints %r, expected client %s:%d" % (ev["flow_id"], hdr,
                                                                      CLIENT, exp.client_port))


# --------------------------------------------------------------------------------------
# 1. A new connection on the 4-tuple of a closed one
# --------------------------------------------------------------------------------------

BODY1 = b"nothing to see here\n" + FILLER
BODY2 = FILLER + b"payment=" + CARD + b"\n" + FILLER


def reuse_capture(path, close):
    """Connection 1 uploads nothing sensitive and closes (`close`); connection 2, on the same
    addresses and ports with new ISNs, uploads a card number and closes. Returns the path
    and both sessions."""
    c1 = session((1_000_000, 2_000_000), EPOCH_US, 1)
    c1.turn(C2S, tgpcap.http_request(BODY1))
    c1.turn(S2C, http_ok())
    if close == "client_fin":
        c1.close(C2S)                   # the client waits in TIME_WAIT
    elif close == "server_fin":
        c1.close(S2C)                   # the server waits in TIME_WAIT
    elif close == "client_rst":
        c1.close(C2S, how="rst")        # at the exact next sequence number: taken
    else:
        raise ValueError(close)
    # A Linux TIME_WAIT takes a SYN whose ISN is after the old one's end: it is here.
    c2 = session((3_000_000_000, 4_000_000_000), c1.t_us + 2000, 2)
    c2.turn(C2S, tgpcap.http_request(BODY2))
    c2.turn(S2C, http_ok())
    c2.close(C2S)
    # A late copy of connection 2's own SYN (same ISN) after it closed: nothing new.
    bare(c2, C2S, "S", c2.isn[C2S], 0)
    return write(path, [c1, c2]), c1, c2


@pytest.mark.parametrize("workers", (1, 2), ids=lambda w: "w%d" % w)
@pytest.mark.parametrize("close", ("client_fin", "server_fin", "client_rst"))
def test_new_connection_on_closed_4tuple_is_a_new_flow_with_its_own_dlp_and_dump(
        tmp_path, tollgated_bin, close, workers):
    pcap, c1, c2 = reuse_capture(tmp_path / "reuse.pcap", close)
    res = run(tmp_path, pcap, "run")
    e1, e2 = c1.expect(), c2.expect()
    e1.state = e2.state = "closed"
    errs = []

    flows = flows_of(res)
    if len(flows) != 2:
        fail_with(["%d flow events, expected 2: %s" % (len(flows), flows)], res)
    f1, f2 = flows
    if f1["flow_id"] == f2["flow_id"]:
        errs.append("both connections have flow_id %s" % f1["flow_id"])
    check_flow(errs, f1, e1, "reused")
    check_flow(errs, f2, e2, "shutdown")

    # The card is reported once, on the second flow, with its exact redaction.
    want = [(f2["flow_id"], "to_server", "credit_card", CARD_REDACTED, "http.body")]
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected %r" % (card_rows(res), want))
    # Everything of connection 1 is written before anything of connection 2.
    order = [(e["flow_id"], e["event_type"]) for e in res.events]
    first2 = min(i for i, (fid, _) in enumerate(order) if fid == f2["flow_id"])
    last1 = max(i for i, (fid, _) in enumerate(order) if fid == f1["flow_id"])
    if last1 > first2:
        errs.append("events of the old flow after those of the new one: %r" % order)

    # Both connections in the dump: the second one's files carry its flow_id.
    stem = "%s_%d_%s_%d" % (CLIENT, CPORT, SERVER, SPORT)
    want_streams = {stem + "_c2s.bin": e1.c2s, stem + "_s2c.bin": e1.s2c,
                    "%s_%d_c2s.bin" % (stem, f2["flow_id"]): e2.c2s,
                    "%s_%d_s2c.bin" % (stem, f2["flow_id"]): e2.s2c}
    assert e1.c2s == tgpcap.http_request(BODY1) and e2.c2s == tgpcap.http_request(BODY2)
    errs += tgpcap.compare_streams(want_streams, res.streams)

    got = stats_of(res, "flows_created", "flows_ended", "flows_reused", "flows_shutdown",
                   "dlp_events", "packets")
    want_st = {"flows_created": 2, "flows_ended": 2, "flows_reused": 1, "flows_shutdown": 1,
               "dlp_events": 1, "packets": e1.frames + e2.frames}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    if errs:
        fail_with(errs, res, "port reuse after %s, --workers %d:" % (close, workers))


def test_time_wait_answer_to_the_new_syn_does_not_break_the_new_flow(tmp_path, tollgated_bin):
    """The server closed first and sits in TIME_WAIT; the attacker reconnects from the same
    port with an ISN below the old connection's end, which TIME_WAIT refuses: it answers
    with an ACK of the old connection, the client resets it (which ends the TIME_WAIT) and
    retransmits its SYN, and the connection is made. The old ACK must neither start the
    server direction nor skip client bytes, and the client's RST (at the old connection's
    sequence number) must not end the new flow: the response and the upload are inspected."""
    c1 = session((1_000_000, 2_000_000), EPOCH_US, 5)
    c1.turn(C2S, tgpcap.http_request(BODY1))
    c1.turn(S2C, http_ok())
    c1.close(S2C)
    c_end, s_end = c1.seq(C2S, c1.sent[C2S] + 1), c1.seq(S2C, c1.sent[S2C] + 1)
    isn_c, isn_s = c_end - 100_000, 3_000_000_000           # below the old end: refused
    c2 = tgpcap.TcpSession(random.Random(6), CLIENT, CPORT, SERVER, SPORT, handshake=False,
                           isn=(isn_c + 1, isn_s + 1), start_us=c1.t_us + 2000, mac_base=40)
    bare(c2, C2S, "S", isn_c, 0)
    bare(c2, S2C, "A", s_end, c_end)                        # TIME_WAIT: old numbers
    bare(c2, C2S, "R", c_end, 0)                            # RST from the ACK's ack field
    bare(c2, C2S, "S", isn_c, 0)                            # SYN retransmitted
    bare(c2, S2C, "SA", isn_s, isn_c + 1)
    bare(c2, C2S, "A", isn_c + 1, isn_s + 1)
    c2.turn(C2S, tgpcap.http_request(BODY2))
    c2.turn(S2C, http_ok(b"card " + CARD + b" stored\n"))
    c2.close(C2S)
    pcap = write(tmp_path / "timewait.pcap", [c1, c2])
    res = run(tmp_path, pcap, "run")
    e1, e2 = c1.expect(), c2.expect()
    errs = []
    flows = flows_of(res)
    if len(flows) != 2:
        fail_with(["%d flow events, expected 2: %s" % (len(flows), flows)], res)
    check_flow(errs, flows[0], e1, "reused")
    check_flow(errs, flows[1], e2, "shutdown")
    fid = flows[1]["flow_id"]
    want = [(fid, "to_client", "credit_card", CARD_REDACTED, "http.body"),
            (fid, "to_server", "credit_card", CARD_REDACTED, "http.body")]
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected %r" % (card_rows(res), want))
    stem = "%s_%d_%s_%d" % (CLIENT, CPORT, SERVER, SPORT)
    errs += tgpcap.compare_streams({stem + "_c2s.bin": e1.c2s, stem + "_s2c.bin": e1.s2c,
                                    "%s_%d_c2s.bin" % (stem, fid): e2.c2s,
                                    "%s_%d_s2c.bin" % (stem, fid): e2.s2c}, res.streams)
    got = stats_of(res, "flows_created", "flows_reused", "tcp_stale_acks", "tcp_rst_ignored",
                   "reasm_gaps")
    want_st = {"flows_created": 2, "flows_reused": 1, "tcp_stale_acks": 1,
               "tcp_rst_ignored": 1, "reasm_gaps": 0}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    if errs:
        fail_with(errs, res)


def test_syn_with_new_isn_inside_a_live_connection_starts_no_flow(tmp_path, tollgated_bin):
    """The attacker's SYN (new ISN) in the middle of an upload only draws the server's
    challenge ACK (RFC 5961 section 4); so does a RST that is in the window but not at the
    exact next sequence number. The upload goes on in the same connection: one flow, and
    the card after them is found in it."""
    s = session((1_000_000, 2_000_000), EPOCH_US, 3)
    req = tgpcap.http_request(BODY2)
    cut = req.index(CARD) - 20
    segment(s, C2S, 0, req[:cut])
    for flags, seq in (("S", 999_999_999), ("R", s.seq(C2S, cut + 500))):
        bare(s, C2S, flags, seq, 0 if flags == "S" else s._ack_for(C2S))
        bare(s, S2C, "A", s.seq(S2C, 0), s._ack_for(S2C))       # challenge ACK
    segment(s, C2S, cut, req[cut:], flags="PA")
    s.payload[C2S] += req
    s.turn(S2C, http_ok())
    s.close(C2S)
    pcap = write(tmp_path / "live.pcap", [s])
    res = run(tmp_path, pcap, "run")
    errs = []
    flows = flows_of(res)
    if len(flows) != 1:
        fail_with(["%d flow events, expected 1: %s" % (len(flows), flows)], res)
    want = [(flows[0]["flow_id"], "to_server", "credit_card", CARD_REDACTED, "http.body")]
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected %r" % (card_rows(res), want))
    got = stats_of(res, "flows_created", "flows_reused", "tcp_rst_ignored")
    if got != {"flows_created": 1, "flows_reused": 0, "tcp_rst_ignored": 1}:
        errs.append("stats %r, expected 1 flow created, 0 reused, 1 RST ignored" % got)
    check_flow(errs, flows[0], s.expect(), "shutdown")
    stem = "%s_%d_%s_%d" % (CLIENT, CPORT, SERVER, SPORT)
    errs += tgpcap.compare_streams({stem + "_c2s.bin": req,
                                    stem + "_s2c.bin": s.expect().s2c}, res.streams)
    if errs:
        fail_with(errs, res)


# --------------------------------------------------------------------------------------
# 2. Urgent data
# --------------------------------------------------------------------------------------

URGENT = b"7"                           # a digit: inline, the sensors see 17 digits
BODY_URG = FILLER + b"payment=" + CARD[:7] + URGENT + CARD[7:] + b"\n" + FILLER
BODY_READ = FILLER + b"payment=" + CARD + b"\n" + FILLER        # what the server reads


def urgent_capture(path, shape):
    """An upload whose request carries one urgent byte inserted in the card number. The
    Content-Length is that of the body the server reads (without the urgent byte).
    shape: how the attacker sends it. Returns (path, session, request on the wire, index
    of the urgent byte in it)."""
    req_read = tgpcap.http_request(BODY_READ)
    u = req_read.index(CARD) + 7
    wire = req_read[:u] + URGENT + req_read[u:]
    s = session((1_000_000, 2_000_000), EPOCH_US, 4)
    if shape == "in_order":
        segment(s, C2S, 0, wire, flags="PA", urp=u + 1)
    elif shape == "out_of_order_retransmitted":
        a, b = u - 30, u + 30
        segment(s, C2S, a, wire[a:b], urp=u - a + 1)              # held out of order
        segment(s, C2S, b, wire[b:], flags="PA")
        segment(s, C2S, a, wire[a:b], urp=u - a + 1)              # again, held copy
        segment(s, C2S, 0, wire[:a])                               # fills the hole
        segment(s, C2S, a, wire[a:b], urp=u - a + 1)              # late retransmission
    elif shape == "pointer_past_segment":
        a = u - 5
        segment(s, C2S, 0, wire[:a], urp=u + 1)                    # points 5 bytes past
        segment(s, C2S, a, wire[a:], flags="PA")
    else:
        raise ValueError(shape)
    s.turn(S2C, http_ok())
    s.close(C2S)
    return write(path, [s]), s, wire, u


URGENT_SHAPES = {
    # shape: (reasm_urgent_marks, reasm_urgent_beyond)
    "in_order": (1, 0),
    "out_of_order_retransmitted": (1, 0),
    "pointer_past_segment": (1, 1),
}


@pytest.mark.parametrize("mode", ("default", "remove", "inline"))
@pytest.mark.parametrize("shape", list(URGENT_SHAPES))
def test_urgent_byte_is_removed_as_linux_reads_it_unless_inline(tmp_path, tollgated_bin,
                                                                shape, mode):
    pcap, s, wire, u = urgent_capture(tmp_path / "urgent.pcap", shape)
    config = None if mode == "default" else "reassembly:\n  urgent: %s\n" % mode
    res = run(tmp_path, pcap, "run", config=config)
    removed = mode != "inline"
    read = wire[:u] + wire[u + 1:] if removed else wire
    assert read == tgpcap.http_request(BODY_READ) or not removed
    errs = []

    flows = flows_of(res)
    if len(flows) != 1:
        fail_with(["%d flow events, expected 1: %s" % (len(flows), flows)], res)
    fid = flows[0]["flow_id"]
    want = [(fid, "to_server", "credit_card", CARD_REDACTED, "http.body")] if removed else []
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected %r" % (card_rows(res), want))

    stem = "%s_%d_%s_%d" % (CLIENT, CPORT, SERVER, SPORT)
    errs += tgpcap.compare_streams({stem + "_c2s.bin": read,
                                    stem + "_s2c.bin": s.expect().s2c}, res.streams)

    marks, beyond = URGENT_SHAPES[shape]
    got = stats_of(res, "reasm_urgent_marks", "reasm_urgent_removed", "reasm_urgent_beyond",
                   "reasm_urgent_replaced", "reasm_gaps")
    want_st = {"reasm_urgent_marks": marks, "reasm_urgent_removed": 1 if removed else 0,
               "reasm_urgent_beyond": beyond, "reasm_urgent_replaced": 0, "reasm_gaps": 0}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    if errs:
        fail_with(errs, res, "urgent byte sent %s, reassembly.urgent %s:" % (shape, mode))


# --------------------------------------------------------------------------------------
# The receiver acknowledges data not sent yet
# --------------------------------------------------------------------------------------

@pytest.mark.parametrize("ahead", (1, 2000, 1 << 20))
def test_server_acking_unsent_data_does_not_hide_the_uploads_next_bytes(tmp_path,
                                                                        tollgated_bin, ahead):
    """The exfiltration's own server acks bytes the client has not sent (the client's stack
    ignores such an ack and goes on sending them): those bytes are the stream, inspected,
    not the retransmission of a gap (reasm_ack_unseen counts the ack)."""
    body = FILLER * 3 + b"refund card " + CARD + b"\n" + FILLER
    req = tgpcap.http_request(body)
    s = session((3_000_000, 4_000_000), EPOCH_US, 5)
    segment(s, C2S, 0, req[:40])
    bare(s, S2C, "A", s.seq(S2C, 0), s.seq(C2S, 40 + ahead))
    segment(s, C2S, 40, req[40:], flags="PA")
    s.payload[C2S] += req
    s.turn(S2C, http_ok())
    s.close(C2S)
    res = run(tmp_path, write(tmp_path / "ack_ahead.pcap", [s]), "run")
    errs = []
    flows = flows_of(res)
    if len(flows) != 1:
        fail_with(["%d flow events, expected 1: %s" % (len(flows), flows)], res)
    want = [(flows[0]["flow_id"], "to_server", "credit_card", CARD_REDACTED, "http.body")]
    if card_rows(res) != want:
        errs.append("dlp matches %r, expected %r" % (card_rows(res), want))
    stem = "%s_%d_%s_%d" % (CLIENT, CPORT, SERVER, SPORT)
    errs += tgpcap.compare_streams({stem + "_c2s.bin": req, stem + "_s2c.bin": s.expect().s2c},
                                   res.streams)
    got = stats_of(res, "reasm_ack_unseen", "reasm_gaps", "reasm_retransmits")
    want_st = {"reasm_ack_unseen": 1, "reasm_gaps": 0, "reasm_retransmits": 0}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    if errs:
        fail_with(errs, res, "server acked %d bytes ahead of the client:" % ahead)


# --------------------------------------------------------------------------------------
# 4. A TTL insertion
# --------------------------------------------------------------------------------------

def insertion_sessions(fake):
    """Three connections for an insertion: an upload whose copy before the real request
    has the card masked with x (fake(0) gives its segment's extra arguments), an answer
    sent three times over the same sequence numbers, masked with y, real, masked with z
    (fake(1), -, fake(2)), and a calm connection with the card once. Their payload
    bookkeeping says what a tap that keeps the first copy delivers."""
    body = FILLER + b"refund card " + CARD + b"\n" + FILLER
    req = tgpcap.http_request(body)
    fake_req = req.replace(CARD, b"x" * len(CARD))
    up = session((5_000_000, 6_000_000), EPOCH_US, 7, port=CPORT)
    segment(up, C2S, 0, fake_req, flags="PA", **fake(0))
    segment(up, C2S, 0, req, flags="PA")
    up.payload[C2S] += fake_req
    up.turn(S2C, http_ok())
    up.close(C2S)
    answer = http_ok(b"card " + CARD + b"\n")
    down = session((7_000_000, 8_000_000), up.t_us + 1000, 8, port=CPORT + 1)
    down.turn(C2S, tgpcap.http_request(b"which card?\n"))
    segment(down, S2C, 0, answer.replace(CARD, b"y" * len(CARD)), flags="PA", **fake(1))
    segment(down, S2C, 0, answer, flags="PA")
    segment(down, S2C, 0, answer.replace(CARD, b"z" * len(CARD)), flags="PA", **fake(2))
    down.payload[S2C] += answer.replace(CARD, b"y" * len(CARD))
    down.close(C2S)
    calm = session((9_000_000, 10_000_000), down.t_us + 1000, 9, port=CPORT + 2)
    calm.turn(C2S, tgpcap.http_request(body))
    calm.turn(S2C, http_ok())
    calm.close(C2S)
    return [up, down, calm]


def test_data_with_another_ttl_than_the_direction_first_is_reported_once(tmp_path,
                                                                        tollgated_bin):
    """The insertion a TTL makes: a harmless copy of the upload (or of the answer) with a
    TTL that runs out between the tap and the receiver, then the real bytes over the same
    sequence numbers with the TTL of the connection's other segments (64). The copy's
    direction gets one `ttl_changed` anomaly (to_server for the upload, to_client for the
    answer) and reasm_ttl_changed counts each such data segment; a connection whose TTLs do
    not change gets none."""
    gens = insertion_sessions(lambda i: {"ttl": (3, 1, 2)[i]})
    res = run(tmp_path, write(tmp_path / "ttl.pcap", gens), "run")
    errs = []
    anomalies = sorted((e.get("src_port"), e["anomaly"]["event"], e["anomaly"]["direction"])
                       for e in res.events if e.get("event_type") == "anomaly")
    want = [(CPORT, "ttl_changed", "to_server"), (CPORT + 1, "ttl_changed", "to_client")]
    if anomalies != want:
        errs.append("anomalies %r, expected %r" % (anomalies, want))
    got = stats_of(res, "reasm_ttl_changed", "reasm_retransmits")
    want_st = {"reasm_ttl_changed": 3, "reasm_retransmits": 3}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    # the summary shows them (a line without TTL changes does not mention TTLs)
    if "0 dropped at caps, 3 with a changed TTL\n" not in res.stdout:
        errs.append("summary without the 3 TTL changes")
    if errs:
        fail_with(errs, res, "TTL insertions:")


# --------------------------------------------------------------------------------------
# 5. A PAWS insertion
# --------------------------------------------------------------------------------------

def with_timestamps(gen, old):
    """gen's frames with an RFC 7323 timestamp option on every segment: each side's TSval
    goes up by one a segment from a base of its own, except on frames whose payload holds
    one of the byte strings in old, which get a TSval 1000 ticks behind (a receiver that
    took a newer one drops them)."""
    ts = {}
    out = []
    for t, frame in gen.records:
        pkt = Ether(frame)
        side = (pkt[IP].src, pkt[TCP].sport)
        ts[side] = ts.get(side, 50_000 if pkt[TCP].sport == SPORT else 90_000) + 1
        payload = bytes(pkt[TCP].payload)
        tsval = ts[side] - 1000 if any(o in payload for o in old) else ts[side]
        pkt[TCP].options = [("NOP", None), ("NOP", None), ("Timestamp", (tsval, 0))]
        del pkt[IP].len, pkt[IP].chksum, pkt[TCP].dataofs, pkt[TCP].chksum
        out.append((t, bytes(pkt)))
    gen.records = out
    return gen


def test_data_with_an_older_timestamp_than_the_newest_is_reported_once(tmp_path,
                                                                       tollgated_bin):
    """The insertion PAWS makes (RFC 7323): a harmless copy of the upload (or of the answer)
    whose timestamp is older than the sender's newest, which the receiver drops, then the
    real bytes over the same sequence numbers with a new one. The copy's direction gets
    one `timestamp_old` anomaly and reasm_ts_old counts each such data segment; the
    bytes inspected are still the first copy's (no card found: the anomaly is the sign);
    a connection whose timestamps only go up gets none."""
    old = [b"x" * len(CARD), b"y" * len(CARD), b"z" * len(CARD)]
    gens = [with_timestamps(g, old) for g in insertion_sessions(lambda i: {})]
    res = run(tmp_path, write(tmp_path / "paws.pcap", gens), "run")
    errs = []
    anomalies = sorted((e.get("src_port"), e["anomaly"]["event"], e["anomaly"]["direction"])
                       for e in res.events if e.get("event_type") == "anomaly")
    want = [(CPORT, "timestamp_old", "to_server"), (CPORT + 1, "timestamp_old", "to_client")]
    if anomalies != want:
        errs.append("anomalies %r, expected %r" % (anomalies, want))
    got = stats_of(res, "reasm_ts_old", "reasm_retransmits", "reasm_ttl_changed")
    want_st = {"reasm_ts_old": 3, "reasm_retransmits": 3, "reasm_ttl_changed": 0}
    if got != want_st:
        errs.append("stats %r, expected %r" % (got, want_st))
    # the calm connection's card is found, the copies' first bytes are what was inspected
    cards = sorted({e["src_port"] for e in dlp_of(res) for m in e["dlp"]["matches"]
                    if m["sensor"] == "credit_card"})
    if cards != [CPORT + 2]:
        errs.append("credit_card events on ports %r, expected only the calm one" % cards)
    if "0 dropped at caps, 3 with an old timestamp\n" not in res.stdout:
        errs.append("summary without the 3 old timestamps")
    if errs:
        fail_with(errs, res, "PAWS insertions:")


def test_bad_urgent_setting_is_refused_with_its_place_and_choices(tmp_path, tollgated_bin):
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("reassembly:\n  urgent: oob\n")
    pcap = write(tmp_path / "one.pcap", [urgent_capture(tmp_path / "x.pcap", "in_order")[1]])
    res = tgpcap.run_tollgated(["--read", pcap, "--config", cfg], 60)
    assert res.rc != 0
    want = "bad.yaml:2:11: reassembly.urgent: unknown value (got oob, expected remove or inline)"
    assert want in res.stderr, res.describe()
