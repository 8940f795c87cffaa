"""Idle flows never keep a new one from being inspected (issue 12: "sensor state is never
the reason a flow goes uninspected"): with every sensor stream taken (dlp.max_streams: 2),
the direction fed least recently gives its stream to a new direction when it has had no
bytes for a second or more, and opens a new one with its next bytes. Only when every
stream was fed within the last second is a direction refused (dlp_dirs_refused, anomaly
dlp_stream_unavailable).

Capture time (one raw TCP service, no app layer, so one stream per flow; every flow
closes at 5 s or later, so no stream is freed by a close before then):
  0.0 s  flow A: neutral text, then nothing (its stream stays open)
  0.1 s  flow B: neutral text, then nothing
  2.0 s  flow C: a card            -> every stream taken; A idle 2 s: evicted, C inspected
  2.5 s  flow A: a card            -> reopens; B idle 2.4 s: evicted, A inspected
  2.8 s  flow D: a card            -> C (0.8 s) and A (0.3 s) busy: D refused
"""
import json
import random

import dlp_values as V
import tgpcap
from tgpcap import C2S, EPOCH_US, fail_with

CLIENT, SERVER, PORT = "10.62.0.1", "10.62.1.1", 9000
NEUTRAL = b"the quick brown fox jumps over the lazy dog and then runs far away home\n" * 4


def session(cport, t_us, index):
    return tgpcap.TcpSession(random.Random(cport), CLIENT, cport, SERVER, PORT,
                             start_us=t_us, mac_base=2 + 2 * index)


def paced(sess, parts, close_at_us):
    """Each (t_us, data) of parts sent at t_us (capture time), then the client closes at
    close_at_us: the records of each turn moved to their time (the handshake stays at the
    session's start)."""
    out = list(sess.records)
    for t_us, data in parts + [(close_at_us, None)]:
        first = len(sess.records)
        if data is None:
            sess.close(C2S)
        else:
            sess.turn(C2S, data)
        t0 = sess.records[first][0]
        out += [(t - t0 + t_us, f) for t, f in sess.records[first:]]
    return out


def run_capture(tmp_path, records, config):
    """tollgated --read over records (capture times rounded to microseconds) with config:
    its result and its final counters."""
    pcap = tmp_path / "capture.pcap"
    tgpcap.write_pcap(pcap, [(int(t), f) for t, f in records])
    cfg = tmp_path / "tollgate.yaml"
    cfg.write_text(config)
    res = tgpcap.run_tollgated(["--config", cfg, "--read", pcap, "--events",
                                tmp_path / "ev.jsonl", "--state-dir", tmp_path / "state",
                                "--stats-json", tmp_path / "stats.json"], 120)
    if res.rc != 0:
        fail_with(["exit %s" % res.rc], res)
    return res, json.loads((tmp_path / "stats.json").read_text())


def test_an_idle_stream_goes_to_a_new_direction(tmp_path):
    cards = V.card_series(3, seed=62)
    card = [b"card " + c.raw.encode() + b" end\n" for c in cards]
    s = 1_000_000
    records = sorted(
        paced(session(41001, EPOCH_US, 0), [(EPOCH_US, NEUTRAL), (EPOCH_US + 2.5 * s, card[1])],
              EPOCH_US + 5 * s) +
        paced(session(41002, EPOCH_US + s // 10, 1), [(EPOCH_US + s // 10, NEUTRAL)],
              EPOCH_US + 5.1 * s) +
        paced(session(41003, EPOCH_US + 2 * s, 2), [(EPOCH_US + 2 * s, card[0])],
              EPOCH_US + 5.2 * s) +
        paced(session(41004, EPOCH_US + 2.8 * s, 3), [(EPOCH_US + 2.8 * s, card[2])],
              EPOCH_US + 5.3 * s))
    res, stats = run_capture(tmp_path, records, "dlp:\n  max_streams: 2\n")
    found = sorted((e["src_port"], m["redacted"]) for e in res.events
                   if e.get("event_type") == "alert" and "dlp" in e
                   for m in e["dlp"]["matches"])
    anomalies = sorted((e["src_port"], e["anomaly"]["event"]) for e in res.events
                       if e.get("event_type") == "anomaly")
    want = sorted([(41003, V.redact(cards[0].norm)), (41001, V.redact(cards[1].norm))])
    errs = []
    if found != want:
        errs.append("alerts %s, expected %s" % (found, want))
    if anomalies != [(41004, "dlp_stream_unavailable")]:
        errs.append("anomalies %s, expected flow D's dlp_stream_unavailable" % anomalies)
    if (stats["dlp_dirs_evicted"], stats["dlp_dirs_refused"]) != (2, 1):
        errs.append("dlp_dirs_evicted %d, dlp_dirs_refused %d: expected 2 and 1" % (
            stats["dlp_dirs_evicted"], stats["dlp_dirs_refused"]))
    # A (twice), B, C: opened; D refused
    if stats["dlp_dirs_opened"] != 4:
        errs.append("dlp_dirs_opened %d, expected 4" % stats["dlp_dirs_opened"])
    if errs:
        fail_with(errs, res)


def run_slow_sender(tmp_path, parked):
    """Flow A sends a card, goes idle, loses its stream, and sends a second card: with
    threshold 2 the two cards are one direction's two values only if A kept its count.

      0.0 s  flow A: card 1            (one value: below the threshold)
      0.1 s  flow B: neutral text
      2.0 s  flow C: neutral text      -> every stream taken; A idle 2 s: evicted (parked)
      3.5 s  flow A: card 2            -> B idle 3.4 s: evicted; A resumes: 2 values
    """
    cards = V.card_series(2, seed=63)
    first = b"card " + cards[0].raw.encode() + b" end\n"
    second = b"card " + cards[1].raw.encode() + b" end\n"
    s = 1_000_000
    records = sorted(
        paced(session(42001, EPOCH_US, 0), [(EPOCH_US, first), (EPOCH_US + 3.5 * s, second)],
              EPOCH_US + 5 * s) +
        paced(session(42002, EPOCH_US + s // 10, 1), [(EPOCH_US + s // 10, NEUTRAL)],
              EPOCH_US + 5.1 * s) +
        paced(session(42003, EPOCH_US + 2 * s, 2), [(EPOCH_US + 2 * s, NEUTRAL)],
              EPOCH_US + 5.2 * s))
    res, stats = run_capture(tmp_path, records, "dlp:\n  max_streams: 2\n  threshold: 2\n"
                             "  max_parked: %d\n" % parked)
    found = sorted((e["src_port"], m["sensor"], m["redacted"], m["offset"], m["path"])
                   for e in res.events if e.get("event_type") == "alert" and "dlp" in e
                   for m in e["dlp"]["matches"])
    return res, stats, found, cards, len(first)


def test_a_slow_sender_keeps_its_count_across_eviction(tmp_path):
    """An idle direction's stream goes to a new flow, its accounting does not: when it
    sends again it resumes (dlp_dirs_resumed) and its second card reaches the threshold
    of 2, the alert listing both cards at their offsets in the direction's stream."""
    res, stats, found, cards, first_len = run_slow_sender(tmp_path, 16)
    want = [(42001, "credit_card", V.redact(cards[0].norm), 5, "raw"),
            (42001, "credit_card", V.redact(cards[1].norm), first_len + 5, "raw")]
    errs = []
    if found != want:
        errs.append("alerts %s, expected %s" % (found, want))
    got = {k: stats[k] for k in ("dlp_dirs_evicted", "dlp_dirs_resumed", "dlp_parks_dropped",
                                 "dlp_dirs_refused")}
    if got != {"dlp_dirs_evicted": 2, "dlp_dirs_resumed": 1, "dlp_parks_dropped": 0,
               "dlp_dirs_refused": 0}:
        errs.append("counters %s" % got)
    if errs:
        fail_with(errs, res)


def test_without_parking_an_evicted_direction_counts_again(tmp_path):
    """dlp.max_parked: 0 is the old behaviour, kept as the contrast that shows what the
    parked state does: the count restarts with the new stream and nothing is reported."""
    res, stats, found, _, _ = run_slow_sender(tmp_path, 0)
    errs = []
    if found:
        errs.append("alerts %s, expected none" % found)
    if (stats["dlp_dirs_evicted"], stats["dlp_dirs_resumed"]) != (2, 0):
        errs.append("dlp_dirs_evicted %d, dlp_dirs_resumed %d: expected 2 and 0" % (
            stats["dlp_dirs_evicted"], stats["dlp_dirs_resumed"]))
    if errs:
        fail_with(errs, res)
