"""The inline gateway end to end: tollgated bridges two veths (net_af_packet, mode inline)
between a client namespace C and a partner server namespace S (topology, servers and
helpers: tests/e2e/gateway.py), real clients (curl, smtplib, TLS) talk through it, and
each test checks what arrived, what the client saw, and the daemon's events and counters.

  * layer 2: ARP, ICMP and full-size frames are bridged, quickly (TX flushed);
  * protect mode: a clean 5 MB upload/download arrives byte for byte; a card upload or
    download over a block threshold is cut at the packet that completes the Nth card
    (both ends reset, nothing after it delivered); SMTP likewise with IBANs; a deny rule
    resets the SYN; require_tls resets cleartext and lets a TLS handshake through;
  * monitor mode reports the same verdicts as "allowed" and drops nothing; discover mode
    passes and learns the connection;
  * a live switch to protect (global mode, or a group's mode) cuts a running download;
  * tap ports never transmit: a second instance fed by a tc mirror reports the same dlp
    matches while the transfer completes, and a tap port next to an inline pair in one
    instance sends nothing of what it reads;
  * two workers with fail_closed and a shorter TX flush.
"""

import json
import random
import signal
import subprocess
import time
from email.message import EmailMessage

import pytest

import eve
import gateway as gw
from pcapwait import pcap_packets, wait_closed
from gateway import (CARDS, CLIENT4, HTTP_PORT, HTTP_PORT2, IBANS, SERVER4, TLS_PORT,
                     body_with_values, complete_lines, counter, delta, of_type, parse_ts,
                     redacted, sha256, value_hash)
from gateway import gwm, topo  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

# ----------------------------------------------------------------------------------------
# Policies
# ----------------------------------------------------------------------------------------

DLP_RULES = """\
    - id: web-cards
      from: clients
      to: partners
      protocol: tcp
      ports: [8080, 8082]
      action: allow
      dlp: [{sensor: credit_card, action: block, threshold: 3}]
    - id: mail-iban
      from: clients
      to: partners
      protocol: tcp
      ports: [2525]
      action: allow
      dlp: [{sensor: iban, action: block, threshold: 2}]
"""

DENY_RULES = """\
    - id: r-deny-web
      from: clients
      to: partners
      protocol: tcp
      ports: [8080]
      action: deny
    - id: r-tls
      from: clients
      to: partners
      protocol: tcp
      ports: [8443]
      action: allow
      require_tls: true
"""

LIVE_RULES = """\
    - id: r-deny-dl
      from: clients
      to: partners
      protocol: tcp
      ports: [8082]
      action: deny
    - id: web-cards
      from: clients
      to: partners
      protocol: tcp
      ports: [8080]
      action: allow
      dlp: [{sensor: credit_card, action: block, threshold: 3}]
"""

CONFIGS = {
    "protect": dict(mode="protect", rules=DLP_RULES),
    "protect-tap": dict(mode="protect", rules=DLP_RULES, tap_port=True),
    "deny": dict(mode="protect", rules=DENY_RULES),
    "monitor": dict(mode="monitor", rules=DLP_RULES),
    "live": dict(mode="monitor", rules=LIVE_RULES),
    "protect-2w": dict(mode="protect", rules=DLP_RULES, workers=2,
                       exception_policy="fail_closed", tx_flush_us=50),
}


def use(gwm, key):
    return gwm.use(key, **dict(CONFIGS[key]))


RESET_EXITS = (52, 55, 56)      # curl: empty reply / send failure / recv failure (reset)
CLEAN_SIZE = 5 * 1000 * 1000
CARD_SIZE = 1000 * 1000
RESP_HEAD = ("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
             "Content-Length: %d\r\nConnection: close\r\n\r\n")


def iban_line(v):
    return ("\naccount IBAN %s;\n" % v).encode()


# ----------------------------------------------------------------------------------------
# Checks
# ----------------------------------------------------------------------------------------

def dlp_first(events, direction):
    """The first finding of a flow in a direction: the alert at the threshold."""
    dl = [e for e in of_type(events, "dlp") if e["dlp"].get("direction") == direction]
    return dl[0] if dl else None


def check_dlp(ev, direction, action, rule, rule_action, mode, sensor, values, offsets=None,
              info=""):
    """The flow's first dlp event in direction lists exactly values (first ones to reach the
    threshold), redacted and hashed, with the verdict fields given."""
    e = dlp_first(ev, direction)
    assert e is not None, "no dlp event %s\n%s" % (direction, info)
    # the threshold alert: the sensor's signature; the rule's threshold is len(values)
    assert e["event_type"] == "alert", (e, info)
    assert e["alert"] == eve.dlp_alert(sensor, rule=rule, threshold=len(values), mode=mode,
                                       action=action, from_group="clients",
                                       to_group="partners"), (e["alert"], info)
    d = e["dlp"]
    assert (d.get("action"), d.get("rule_action"), d.get("rule"), d.get("mode")) == \
        (action, rule_action, rule, mode), "dlp event fields: %s\n%s" % (json.dumps(d), info)
    want = {value_hash(v): v for v in values}
    got = {m["hash"]: m for m in d["matches"]}
    assert set(got) == set(want), "dlp matches %s, expected the first %d values %s\n%s" % (
        [(m["redacted"], m["hash"]) for m in d["matches"]], len(values),
        [(redacted(v), h) for h, v in want.items()], info)
    assert d.get("total") == len(values), (d, info)
    for h, m in got.items():
        assert (m["sensor"], m["redacted"]) == (sensor, redacted(want[h])), (m, info)
    if offsets is not None:
        # offsets in the HTTP body, the decoded buffer the app layer scans
        assert {h: (m["path"], m["offset"]) for h, m in got.items()} == \
            {value_hash(v): ("http.body", o) for v, o in zip(values, offsets)}, (d, info)
    # no raw value anywhere in the flow's events
    text = json.dumps(ev)
    for v in values:
        assert v not in text, "raw value %s in the events" % redacted(v)
    return e


def counters_after(g, deadline=30.0):
    """The counters once the gateway is quiet: frames still in flight when the transfer
    ended (the last ACKs, a FIN) are counted. Quiet means the packet counters did not move
    over two reads 0.2 s apart; a loaded machine only makes this take longer."""
    keys = (gw.CTR_RX, gw.CTR_TX, gw.CTR_VERDICT_DROPS, gw.CTR_TX_DROPPED)
    end = time.time() + deadline
    prev = g.counters()
    while True:
        time.sleep(0.2)
        cur = g.counters()
        if all(cur[k] == prev[k] for k in keys) or time.time() > end:
            return cur
        prev = cur


def wait_dlp(g, port, direction, timeout=30, action=None):
    return g.wait_flow_events(port, lambda ev: any(
        e["dlp"].get("direction") == direction and (action is None or
                                                    e["dlp"].get("action") == action)
        for e in of_type(ev, "dlp")), timeout=timeout)


# ----------------------------------------------------------------------------------------
# Reusable scenarios
# ----------------------------------------------------------------------------------------

def clean_upload_download(topo, g, tmp_path, family, seed):
    rng = random.Random(seed)
    up_body = rng.randbytes(CLEAN_SIZE)
    dl_body = rng.randbytes(CLEAN_SIZE + 333)
    up_file = tmp_path / ("clean-up-%s.bin" % family)
    up_file.write_bytes(up_body)
    dl_name = "clean-dl-%s-%d.bin" % (family, seed)
    topo.server_file(dl_name, dl_body)
    got = tmp_path / ("clean-got-%s.bin" % family)
    up, down = topo.port(), topo.port()
    before = g.counters()

    rc, out, err, secs = topo.post(up, family, "/upload", up_file, max_time=30)
    assert rc == 0, "clean upload failed (curl %d: %s, %.1fs)\n%s" % (rc, err, secs,
                                                                       g.describe(up))
    assert json.loads(out) == {"received": CLEAN_SIZE, "sha256": sha256(up_body)}
    rec = topo.record("http", family, up)
    assert rec and rec["complete"] and rec["body_sha256"] == sha256(up_body), rec

    rc, out, err, secs = topo.curl(down, "--fail", "-o", got, "http://%s:%d/files/%s" % (
        topo.host(family), HTTP_PORT, dl_name), max_time=30)
    assert rc == 0, "clean download failed (curl %d: %s)\n%s" % (rc, err, g.describe(down))
    assert sha256(got.read_bytes()) == sha256(dl_body), "download differs"

    after = counters_after(g)
    for p in (up, down):
        ev = g.flow_events(p)
        bad = [e for e in ev if e["event_type"] == "alert" or
               ("dlp" in e and e["dlp"].get("action") == "blocked")]
        assert not bad, "clean transfer reported: %s" % bad
    info = g.describe()
    assert gw.verdict_drops_beyond_holds(before, after) == 0, info
    assert delta(before, after, gw.CTR_RST_SENT) == 0, info
    assert delta(before, after, gw.CTR_TX_DROPPED) == 0, info
    assert delta(before, after, gw.CTR_VERDICT_RESETS) == 0, info
    rx = delta(before, after, gw.CTR_RX)
    tx = delta(before, after, gw.CTR_TX)
    held = delta(before, after, gw.CTR_VERDICT_DROPS)
    # 10 MB over both directions in at most 1514-byte frames, plus the ACKs
    assert tx >= 2 * CLEAN_SIZE // 1514, (tx, info)
    # every frame received was sent on or held back (a frame may sit in a TX buffer at
    # the snapshot)
    assert abs(rx - tx - held) <= 3, ("received %d frames, transmitted %d, held %d" % (
        rx, tx, held), info)


def card_upload_cut(topo, g, tmp_path, family, seed, rule="web-cards"):
    cards = CARDS[:5]
    body, offs = body_with_values(cards, CARD_SIZE, seed)
    f = tmp_path / ("cards-%s-%d.bin" % (family, seed))
    f.write_bytes(body)
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.post(port, family, "/upload", f)
    ev = wait_dlp(g, port, "to_server")
    after = counters_after(g)
    info = g.describe(port)
    assert rc in RESET_EXITS, "curl should fail with a reset, got %d (%s, %.2fs) out=%r\n%s" % (
        rc, err, secs, out[:200], info)
    assert secs < 10, "curl took %.1fs (a timeout, not a reset)" % secs
    rec = topo.record("http", family, port)
    assert rec is not None, "the server never saw the connection\n" + info
    got = complete_lines(rec["data"], cards)
    assert not rec["complete"] and rec.get("body_len", 0) < len(body), \
        "the server received the whole body: %s\n%s" % (
            {k: v for k, v in rec.items() if k not in ("data", "msgs")}, info)
    assert len(got) < 3 and set(got) <= set(cards[:2]), \
        "the server received the completing card(s): %s\n%s" % (
            [redacted(c) for c in got], info)
    e = check_dlp(ev, "to_server", "blocked", rule, "block", "protect", "credit_card",
                  cards[:3], [o + 6 for o in offs[:3]], info)
    assert e.get("app_proto") == "http", e
    assert gw.verdict_drops_beyond_holds(before, after) >= 1, info
    assert delta(before, after, gw.CTR_VERDICT_RESETS) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 2, "RSTs must go to both ends\n" + info
    return ev


def card_download(topo, g, tmp_path, seed):
    cards = CARDS[:5]
    data, offs = body_with_values(cards, CARD_SIZE, seed, text=True)
    name = "cards-dl-%d.txt" % seed
    topo.server_file(name, data)
    got = tmp_path / ("got-%d.txt" % seed)
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.curl(port, "-o", got, "http://%s:%d/files/%s" % (
        SERVER4, HTTP_PORT, name))
    # offsets in the response body, where the app layer reports them (path http.body)
    return dict(cards=cards, data=data, offs=[o + 6 for o in offs], port=port,
                before=before, rc=rc, err=err, secs=secs,
                got=got.read_bytes() if got.exists() else b"")


# ----------------------------------------------------------------------------------------
# protect mode (one daemon)
# ----------------------------------------------------------------------------------------

def test_l2_bridging_arp_icmp_full_size_frames_and_latency(topo, gwm):
    g = use(gwm, "protect")
    before = g.counters()
    gw.sh("ip", "-n", topo.c, "neigh", "flush", "all")
    gw.sh("ip", "-n", topo.s, "neigh", "flush", "all")
    topo.ping("ipv4", count=3, interval=0.2)              # ARP first, bridged both ways
    topo.ping("ipv4", count=2, size=1472, interval=0.2)    # 1514-byte frames, DF set
    topo.ping("ipv6", count=2, size=1452, interval=0.2)
    rtts = topo.ping("ipv4", count=20, interval=0.05)["rtts"]
    avg = sum(rtts) / len(rtts)
    after = counters_after(g)
    info = g.describe()
    assert avg < 10, "ping through the gateway averages %.2f ms (TX not flushed?)\n%s" % (
        avg, info)
    assert delta(before, after, gw.CTR_NON_IP) >= 2, "ARP request and reply\n" + info
    assert delta(before, after, gw.CTR_TX) >= 2 * (3 + 2 + 2 + 20) + 2, info
    assert delta(before, after, gw.CTR_VERDICT_DROPS) == 0, info
    assert delta(before, after, gw.CTR_RST_SENT) == 0, info


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_clean_5mb_upload_and_download_arrive_byte_for_byte(topo, gwm, tmp_path, family):
    g = use(gwm, "protect")
    clean_upload_download(topo, g, tmp_path, family, seed=1 if family == "ipv4" else 2)


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_card_upload_over_block_threshold_is_cut_before_the_third_card(topo, gwm, tmp_path,
                                                                       family):
    g = use(gwm, "protect")
    card_upload_cut(topo, g, tmp_path, family, seed=11 if family == "ipv4" else 12)


def test_card_download_over_block_threshold_is_cut_to_client(topo, gwm, tmp_path):
    g = use(gwm, "protect")
    r = card_download(topo, g, tmp_path, seed=21)
    ev = wait_dlp(g, r["port"], "to_client")
    after = counters_after(g)
    info = g.describe(r["port"])
    assert r["rc"] in RESET_EXITS + (18,), "curl should fail, got %d (%s)\n%s" % (
        r["rc"], r["err"], info)
    assert r["secs"] < 10, r["secs"]
    assert len(r["got"]) < len(r["data"])
    got = complete_lines(r["got"], r["cards"])
    assert len(got) < 3 and set(got) <= set(r["cards"][:2]), \
        "the client received the completing card(s): %s\n%s" % ([redacted(c) for c in got],
                                                                 info)
    check_dlp(ev, "to_client", "blocked", "web-cards", "block", "protect", "credit_card",
              r["cards"][:3], r["offs"][:3], info)
    assert not [e for e in of_type(ev, "dlp") if e["dlp"]["direction"] == "to_server"], info
    assert gw.verdict_drops_beyond_holds(r["before"], after) >= 1, info
    assert delta(r["before"], after, gw.CTR_RST_SENT) >= 2, info


def _clean_mail():
    m = EmailMessage()
    m["From"] = "sender@client.test"
    m["To"] = "receiver@partner.test"
    m["Subject"] = "quarterly figures"
    m["Message-ID"] = "<clean-1@client.test>"
    m.set_content("Hello,\n\nthe figures are attached.\n\n" +
                  "".join("line %d of the report, nothing personal here\n" % i
                          for i in range(2000)))
    m.add_attachment(random.Random(31).randbytes(40000), maintype="application",
                     subtype="octet-stream", filename="figures.bin")
    return m.as_bytes()


def _iban_mail():
    text, offs = body_with_values(IBANS[:3], 300000, 32, line=iban_line, text=True)
    m = EmailMessage()
    m["From"] = "sender@client.test"
    m["To"] = "receiver@partner.test"
    m["Subject"] = "payment accounts"
    m["Message-ID"] = "<iban-1@client.test>"
    m.set_content("Hello,\n\nthe accounts:\n" + text.decode())
    assert m["Content-Transfer-Encoding"] == "7bit", m["Content-Transfer-Encoding"]
    return m.as_bytes()


def _norm_mail(b):
    return b.replace(b"\r\n", b"\n").rstrip(b"\n")


def test_smtp_clean_mail_delivered_and_iban_mail_cut(topo, gwm):
    g = use(gwm, "protect")
    clean = _clean_mail()
    p1 = topo.port()
    res = topo.smtp(p1, clean, "clean")
    assert res["ok"], "clean mail refused: %s\n%s" % (res, g.describe(p1))
    rec = topo.record("smtp", "ipv4", p1)
    assert rec and rec["complete"] and len(rec["msgs"]) == 1, rec
    assert _norm_mail(rec["msgs"][0]) == _norm_mail(clean), "the delivered mail differs"
    assert not of_type(g.flow_events(p1), "dlp") and not of_type(g.flow_events(p1), "alert")

    mail = _iban_mail()
    p2 = topo.port()
    before = g.counters()
    res = topo.smtp(p2, mail, "iban")
    ev = wait_dlp(g, p2, "to_server")
    after = counters_after(g)
    info = g.describe(p2)
    assert not res["ok"], "the IBAN mail went through\n" + info
    assert res["elapsed"] < 10, res
    rec = topo.record("smtp", "ipv4", p2)
    assert rec is not None, info
    assert rec["msgs"] == [] and not rec["complete"], \
        "the server got the whole message: %s\n%s" % (
            {k: v for k, v in rec.items() if k not in ("data", "msgs")}, info)
    got = complete_lines(rec["data"], IBANS[:3], line=iban_line)
    assert len(got) < 2 and set(got) <= {IBANS[0]}, \
        "the server received the completing IBAN: %s\n%s" % ([redacted(v) for v in got], info)
    e = check_dlp(ev, "to_server", "blocked", "mail-iban", "block", "protect", "iban",
                  IBANS[:2], info=info)
    assert e.get("app_proto") == "smtp", e
    assert gw.verdict_drops_beyond_holds(before, after) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 2, info


# ----------------------------------------------------------------------------------------
# an inline pair and a tap port in one instance
# ----------------------------------------------------------------------------------------

def test_tap_port_next_to_inline_pair_reports_and_transmits_nothing(topo, gwm, tmp_path):
    g = use(gwm, "protect-tap")
    port = topo.port()
    body = "".join("card=%s;\n" % c for c in CARDS[:3])
    payload = ("POST /up HTTP/1.1\r\nHost: partner\r\nContent-Length: %d\r\n\r\n%s" % (
        len(body), body))
    spec = tmp_path / "tapflow.json"
    spec.write_text(json.dumps([{"client": CLIENT4, "server": SERVER4, "sport": port,
                                 "dport": HTTP_PORT, "payload": payload}]))
    sniff = [gw.Sniffer(topo.c, "c0", "tcp port %d" % port, tmp_path / "c0"),
             gw.Sniffer(topo.s, "s0", "tcp port %d" % port, tmp_path / "s0")]
    before = g.counters()
    try:
        gw.nsx(topo.g, gw.PY, gw.HERE / "flowsend.py", gw.TAP_A, spec, "--rate", "200")
        ev = wait_dlp(g, port, "to_server")
        # the inline pair keeps bridging meanwhile
        p2 = topo.port()
        rc, out, err, _ = topo.curl(p2, "--fail", "http://%s:%d/health" % (SERVER4,
                                                                             HTTP_PORT))
        time.sleep(0.5)
    finally:
        seen = [s.stop() for s in sniff]
    after = g.counters()
    info = g.describe(port)
    assert rc == 0 and out == b"ok\n", (rc, err, info)
    assert seen == [[], []], "frames of the tap port's flow left the gateway: %s\n%s" % (
        seen, info)
    check_dlp(ev, "to_server", "blocked", "web-cards", "block", "protect", "credit_card",
              CARDS[:3], info=info)
    assert delta(before, after, gw.CTR_RST_SENT) == 0, "RST sent for a tap flow\n" + info


# ----------------------------------------------------------------------------------------
# deny and require_tls
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_deny_rule_resets_the_connection_at_once(topo, gwm, family):
    g = use(gwm, "deny")
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.curl(port, "http://%s:%d/health" % (topo.host(family), HTTP_PORT),
                                   max_time=10)
    ev = g.wait_flow_events(port, lambda ev: of_type(ev, "alert"))
    after = counters_after(g)
    info = g.describe(port)
    assert rc in (7, 56), "curl should fail with a reset, got %d (%s)\n%s" % (rc, err, info)
    assert secs < 2, "took %.2fs: not a reset\n%s" % (secs, info)
    al = of_type(ev, "alert")
    assert len(al) == 1, info
    assert al[0]["alert"] == eve.policy_alert("deny", rule="r-deny-web", mode="protect",
                                              action="blocked", from_group="clients",
                                              to_group="partners"), info
    assert topo.record("http", family, port, timeout=0.5) is None, \
        "the denied connection reached the server"
    assert gw.verdict_drops_beyond_holds(before, after) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 1, info


def test_require_tls_resets_cleartext_and_passes_a_tls_handshake(topo, gwm):
    g = use(gwm, "deny")
    # cleartext HTTP to the port that requires TLS
    p1 = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.curl(p1, "http://%s:%d/hello" % (SERVER4, TLS_PORT), max_time=10)
    ev = g.wait_flow_events(p1, lambda ev: of_type(ev, "alert"))
    after = counters_after(g)
    info = g.describe(p1)
    assert rc in RESET_EXITS, "curl should fail with a reset, got %d (%s)\n%s" % (rc, err, info)
    assert secs < 2, "took %.2fs: not a reset\n%s" % (secs, info)
    al = of_type(ev, "alert")
    assert len(al) == 1, info
    a = al[0]["alert"]
    assert (a["action"], a["rule"], a["reason"], a["mode"], a["signature_id"]) == \
        ("blocked", "r-tls", "require_tls", "protect", eve.sid_rule("r-tls")), info
    assert a == eve.policy_alert("require_tls", rule="r-tls", mode="protect",
                                 action="blocked", from_group=a["from_group"],
                                 to_group=a["to_group"]), info
    rec = topo.record("tls", "ipv4", p1)
    assert rec is not None, "the TCP handshake should have reached the server\n" + info
    assert not rec["handshake"] and b"GET" not in rec["data"], \
        "the cleartext request reached the server: %r" % rec["data"][:80]
    assert gw.verdict_drops_beyond_holds(before, after) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 2, info

    # TLS to the same port
    p2 = topo.port()
    rc, out, err, secs = topo.curl(p2, "-k", "https://%s:%d/hello" % (SERVER4, TLS_PORT),
                                   max_time=10)
    info = g.describe(p2)
    assert rc == 0 and out == b"tls-ok\n", "TLS through require_tls failed: %d %s\n%s" % (
        rc, err, info)
    rec = topo.record("tls", "ipv4", p2)
    assert rec and rec["handshake"] and rec["complete"], rec
    assert not of_type(g.flow_events(p2), "alert"), info


# ----------------------------------------------------------------------------------------
# monitor and discover
# ----------------------------------------------------------------------------------------

def test_monitor_mode_reports_card_upload_as_allowed_and_drops_nothing(topo, gwm, tmp_path):
    g = use(gwm, "monitor")
    cards = CARDS[:5]
    body, offs = body_with_values(cards, CARD_SIZE, 41)
    f = tmp_path / "cards.bin"
    f.write_bytes(body)
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.post(port, "ipv4", "/upload", f)
    ev = wait_dlp(g, port, "to_server")
    after = counters_after(g)
    info = g.describe(port)
    assert rc == 0, "monitor mode cut the upload: curl %d %s\n%s" % (rc, err, info)
    assert json.loads(out)["sha256"] == sha256(body)
    check_dlp(ev, "to_server", "allowed", "web-cards", "block", "monitor", "credit_card",
              cards[:3], [o + 6 for o in offs[:3]], info)
    assert gw.verdict_drops_beyond_holds(before, after) == 0, info
    assert delta(before, after, gw.CTR_RST_SENT) == 0, info
    # the two values after the threshold come in a second event when the flow ends
    ev = g.wait_flow_events(port, lambda ev: len(of_type(ev, "dlp")) >= 2, timeout=30)
    hashes = {m["hash"] for e in of_type(ev, "dlp") for m in e["dlp"]["matches"]}
    assert hashes == {value_hash(c) for c in cards}, g.describe(port)


def test_monitor_mode_reports_card_download_to_client(topo, gwm, tmp_path):
    g = use(gwm, "monitor")
    r = card_download(topo, g, tmp_path, seed=42)
    ev = wait_dlp(g, r["port"], "to_client")
    after = counters_after(g)
    info = g.describe(r["port"])
    assert r["rc"] == 0 and r["got"] == r["data"], "curl %d %s\n%s" % (r["rc"], r["err"], info)
    check_dlp(ev, "to_client", "allowed", "web-cards", "block", "monitor", "credit_card",
              r["cards"][:3], r["offs"][:3], info)
    assert gw.verdict_drops_beyond_holds(r["before"], after) == 0, info


def test_tap_instance_reports_the_same_dlp_matches_and_transmits_nothing(topo, gwm,
                                                                          tmp_path):
    """A second tollgated with one tap port reads a tc mirror of what enters the gateway;
    it runs in protect mode: the verdict is 'blocked' but nothing is dropped or sent.

    A mirror is lossy by nature (the tap's af_packet ring overflows when its daemon falls
    behind on a loaded machine), and a card in a lost segment is not seen, so
    the matches are compared on an upload the tap received whole (no reassembly gap); an
    upload with a gap is repeated on a new flow, at most three times."""
    g = use(gwm, "monitor")
    topo.mirror_on()
    t = None
    gaps = []
    try:
        t = gwm.start_tap("cards", "protect", DLP_RULES)
        cards = CARDS[:5]
        body, offs = body_with_values(cards, CARD_SIZE, 51)
        f = tmp_path / "cards.bin"
        f.write_bytes(body)
        for _attempt in range(3):
            port = topo.port()
            before = g.counters()
            gaps0 = t.counters()[gw.CTR_REASM_GAPS]
            rc, out, err, secs = topo.post(port, "ipv4", "/upload", f)
            ev_in = wait_dlp(g, port, "to_server")
            ev_tap = wait_dlp(t, port, "to_server")
            after = counters_after(g)
            tap_ctr = counters_after(t)
            gaps.append(tap_ctr[gw.CTR_REASM_GAPS] - gaps0)
            info = "gateway:\n%s\ntap instance (gaps per upload %s):\n%s" % (
                g.describe(port), gaps, t.describe(port))
            if gaps[-1] == 0:
                break
    finally:
        rc_tap = t.stop() if t is not None else 0
        topo.mirror_off()
    assert rc_tap == 0, t.log_text()
    assert rc == 0 and json.loads(out)["sha256"] == sha256(body), (rc, err, info)
    assert gaps[-1] == 0, "the mirror lost segments of every upload:\n" + info
    e_in = check_dlp(ev_in, "to_server", "allowed", "web-cards", "block", "monitor",
                     "credit_card", cards[:3], info=info)
    e_tap = check_dlp(ev_tap, "to_server", "blocked", "web-cards", "block", "protect",
                      "credit_card", cards[:3], info=info)
    key = ("src_ip", "src_port", "dest_ip", "dest_port", "proto", "app_proto")
    assert [e_in.get(k) for k in key] == [e_tap.get(k) for k in key], info
    strip = sorted((m["sensor"], m["redacted"], m["hash"], m["offset"])
                   for m in e_in["dlp"]["matches"])
    assert strip == sorted((m["sensor"], m["redacted"], m["hash"], m["offset"])
                           for m in e_tap["dlp"]["matches"]), info
    assert counter(tap_ctr, gw.CTR_RX) > CARD_SIZE // 1514, info
    assert counter(tap_ctr, gw.CTR_TX) == 0, info
    assert counter(tap_ctr, gw.CTR_RST_SENT) == 0, info
    assert gw.verdict_drops_beyond_holds(before, after) == 0, info


def test_discover_mode_passes_card_upload_and_learns_the_connection(topo, gwm, tmp_path):
    g = use(gwm, "monitor")
    assert g.ok("PUT", "/v1/mode", {"mode": "discover"})["mode"] == "discover"
    cards = CARDS[:5]
    body, _ = body_with_values(cards, CARD_SIZE, 61)
    f = tmp_path / "cards.bin"
    f.write_bytes(body)
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.post(port, "ipv4", "/upload", f)
    after = counters_after(g)
    info = g.describe(port)
    assert rc == 0 and json.loads(out)["sha256"] == sha256(body), (rc, err, info)
    ev = g.flow_events(port)
    assert not of_type(ev, "alert"), info
    assert not [e for e in of_type(ev, "dlp") if e["dlp"].get("action") == "blocked"], info
    assert gw.verdict_drops_beyond_holds(before, after) == 0, info

    def found():
        lr = g.get("/v1/learned")
        return lr, [r for r in lr["rules"] if r["from"] == "clients" and
                    r["to"] == "partners" and r["protocol"] == "tcp" and
                    [str(p) for p in r["ports"]] == [str(HTTP_PORT)]]

    deadline = time.time() + 30
    lr, rules = found()
    while not rules and time.time() < deadline:
        time.sleep(0.2)
        lr, rules = found()
    assert len(rules) == 1, "GET /v1/learned: %s\n%s" % (json.dumps(lr), info)
    assert rules[0]["action"] == "allow" and rules[0]["app"] == "http", rules[0]


# ----------------------------------------------------------------------------------------
# live change to protect
# ----------------------------------------------------------------------------------------

def _client_established(topo, port):
    cp = gw.nsx(topo.c, "ss", "-Htn", "state", "established", "( sport = :%d )" % port)
    return cp.stdout.decode().strip()


def _live_cut(topo, g, tmp_path, url, change, want_type, want_pred, ready_pred, size,
              small_rmem):
    """Start a rate-limited download in monitor mode, make the change, and check the
    connection is cut on both ends within a second: the client's socket leaves
    ESTABLISHED (it took the RST) and the server's send fails. With small_rmem the
    client's receive buffer is kept small (tcp_rmem in C), so what curl has buffered
    drains at once and curl itself fails within the second; otherwise curl may first read
    the megabytes its kernel had already accepted, and must fail after that."""
    old_rmem = gw.nsx(topo.c, "sysctl", "-n", "net.ipv4.tcp_rmem").stdout.decode().split()
    if small_rmem:
        gw.nsx(topo.c, "sysctl", "-qw", "net.ipv4.tcp_rmem=4096 131072 262144")
    port = topo.port()
    out_file = tmp_path / "download.out"
    # the client's side of the wire, for the failure message (RST seq vs. its last ACK)
    sniff = gw.Sniffer(topo.c, "c0", "tcp port %d" % port, tmp_path / "c0", extra=("-S",))
    before = g.counters()
    proc = topo.curl_popen(port, "--limit-rate", "2M", "-o", str(out_file), url, max_time=60)
    try:
        deadline = time.time() + 15
        while True:
            n = out_file.stat().st_size if out_file.exists() else 0
            if n >= 1 << 20 and ready_pred(g.flow_events(port)):
                break
            assert proc.poll() is None, "the download ended in monitor mode: %s %s\n%s" % (
                proc.returncode, proc.stderr.read(), g.describe(port))
            assert time.time() < deadline, "no progress/monitor event (%d bytes)\n%s" % (
                n, g.describe(port))
            time.sleep(0.1)
        t0 = time.time()
        change()
        t1 = time.time()
        est = "?"
        while time.time() < t1 + 1.0:
            est = _client_established(topo, port)
            if not est:
                break
            time.sleep(0.05)
        try:
            proc.wait(timeout=5 if small_rmem else 15)
        except subprocess.TimeoutExpired:
            pass
        t_exit = time.time()
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        gw.nsx(topo.c, "sysctl", "-qw", "net.ipv4.tcp_rmem=" + " ".join(old_rmem))
        wire = sniff.stop()
    err = proc.stderr.read().decode(errors="replace")
    rst = [i for i, l in enumerate(wire) if "Flags [R" in l]
    wire = "\n".join(wire[max(0, rst[0] - 6):rst[0] + 4] if rst else wire[-10:])
    ev = g.wait_flow_events(port, lambda ev: any(want_pred(e) for e in ev), timeout=30)
    rec = topo.record("http", "ipv4", port, timeout=30)
    after = counters_after(g)
    info = g.describe(port)
    srv = "server: %s" % ({k: v for k, v in rec.items() if k not in ("data", "msgs")}
                          if rec else "connection still open 30s after the client ended")
    assert not est, "the client's connection is still established 1s after the change " \
        "(the RST sent to it was not taken): %s\nclient side of the wire:\n%s\n%s\n%s" % (
            est, wire, srv, info)
    assert proc.returncode not in (0, 28, -9), \
        "the download was not cut (curl %s %s; killed %.1fs after the change)\n%s\n%s" % (
            proc.returncode, err, t_exit - t1, srv, info)
    if small_rmem:
        assert t_exit - t1 < 1.0, "curl ended %.2fs after the change\n%s\n%s" % (
            t_exit - t1, srv, info)
    assert rec is not None and rec["error"] and rec["closed"] - t1 < 1.0, \
        "the server's end was not reset within a second (change at %.3f)\n%s\n%s" % (
            t1, srv, info)
    assert out_file.stat().st_size < size
    hit = [e for e in ev if want_pred(e)]
    assert hit, "no %s event with action blocked after the change\n%s" % (
        want_type or "alert/dlp", info)
    ts = parse_ts(hit[0]["timestamp"])
    assert t0 - 0.25 <= ts <= t1 + 1.0, "blocked event at %.3f, change at %.3f-%.3f\n%s" % (
        ts, t0, t1, info)
    assert gw.verdict_drops_beyond_holds(before, after) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 2, info
    return ev


@pytest.mark.parametrize("rmem", ["small-rmem", "default-rmem"])
def test_live_switch_to_protect_mode_cuts_a_denied_download(topo, gwm, tmp_path, rmem):
    g = use(gwm, "live")
    size = 24 * 1000 * 1000
    topo.server_file("big.bin", random.Random(71).randbytes(size))

    def allowed_alert(ev):
        return any(e["alert"]["action"] == "allowed" and e["alert"]["rule"] == "r-deny-dl"
                   for e in of_type(ev, "alert"))

    ev = _live_cut(topo, g, tmp_path, "http://%s:%d/files/big.bin" % (SERVER4, HTTP_PORT2),
                   lambda: g.ok("PUT", "/v1/mode", {"mode": "protect"}), "alert",
                   lambda e: e["event_type"] == "alert" and "dlp" not in e and
                   e["alert"]["action"] == "blocked", allowed_alert, size,
                   small_rmem=rmem == "small-rmem")
    a = [e for e in of_type(ev, "alert") if e["alert"]["action"] == "blocked"][0]["alert"]
    assert (a["rule"], a["reason"], a["mode"]) == ("r-deny-dl", "deny", "protect"), a


@pytest.mark.parametrize("rmem", ["small-rmem", "default-rmem"])
def test_live_switch_of_group_to_protect_cuts_a_card_download(topo, gwm, tmp_path, rmem):
    g = use(gwm, "live")
    size = 20 * 1000 * 1000
    cards = [c.norm for c in gw.dlp_values.card_series(200, seed=72)]
    data, _ = body_with_values(cards, size, 73, text=True)
    topo.server_file("cards-big.txt", data)

    def monitor_dlp(ev):
        return any(e["dlp"]["action"] == "allowed" and e["dlp"]["direction"] == "to_client"
                   for e in of_type(ev, "dlp"))

    def to_protect():
        g.ok("PUT", "/v1/groups/partners", {"name": "partners",
                                            "cidrs": ["10.77.0.2/32", "fd77::2/128"],
                                            "mode": "protect"})

    # The cut is reported as a dlp event with action blocked, or as an alert with reason
    # dlp_block (docs/events.md: a flow already past a block threshold when its mode
    # switches to protect).
    def blocked(e):
        if "dlp" in e:      # a threshold alert or a dlp event
            return e["dlp"]["action"] == "blocked"
        return e["event_type"] == "alert" and e["alert"]["action"] == "blocked"

    ev = _live_cut(topo, g, tmp_path, "http://%s:%d/files/cards-big.txt" % (SERVER4, HTTP_PORT),
                   to_protect, None, blocked, monitor_dlp, size,
                   small_rmem=rmem == "small-rmem")
    for e in ev:
        if blocked(e) and "dlp" in e:
            d = e["dlp"]
            assert (d["rule"], d["rule_action"], d["mode"], d["direction"]) == \
                ("web-cards", "block", "protect", "to_client"), d
        elif blocked(e):
            a = e["alert"]
            assert (a["rule"], a["reason"], a["mode"], a["signature_id"]) == \
                ("web-cards", "dlp_block", "protect", eve.sid_rule("web-cards")), a


# ----------------------------------------------------------------------------------------
# two workers, fail_closed, shorter TX flush
# ----------------------------------------------------------------------------------------

def test_two_workers_bridge_clean_data_and_cut_card_upload(topo, gwm, tmp_path):
    g = use(gwm, "protect-2w")
    # many connections, so flows land on every queue / worker
    failed = []
    for _ in range(12):
        p = topo.port()
        rc, out, err, secs = topo.curl(p, "http://%s:%d/health" % (SERVER4, HTTP_PORT),
                                       max_time=3)
        if rc != 0 or out != b"ok\n":
            failed.append((p, rc, err.strip()))
    assert not failed, "connections through 2 workers failed: %s\n%s" % (failed,
                                                                         g.describe())
    clean_upload_download(topo, g, tmp_path, "ipv4", seed=81)
    card_upload_cut(topo, g, tmp_path, "ipv4", seed=82)


# ----------------------------------------------------------------------------------------
# exception policy (a cap is hit: here the sensor streams, dlp.max_streams: 1)
# ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("policy", ["fail_open", "fail_closed"])
def test_sensor_stream_cap_applies_the_exception_policy(topo, gwm, policy):
    """One sensor stream per worker: the request takes it, the response direction cannot
    be inspected. fail_open forwards it uninspected, fail_closed cuts the flow; both are
    counted in /v1/stats and /metrics, and reported (anomaly event)."""
    g = gwm.use("exception-" + policy, mode="protect", rules=DLP_RULES,
                exception_policy=policy, extra="dlp:\n  max_streams: 1\n")
    port = topo.port()
    before = g.counters()
    rc, out, err, secs = topo.curl(port, "-o", "/dev/null", "http://%s:%d/health" % (
        SERVER4, HTTP_PORT), max_time=10)
    ev = g.wait_flow_events(port, lambda e: of_type(e, "anomaly"))
    after = counters_after(g)
    info = g.describe(port)
    assert delta(before, after, "dlp_dirs_refused") >= 1, info
    assert [a["anomaly"]["event"] for a in of_type(ev, "anomaly")] == \
        ["dlp_stream_unavailable"], info
    if policy == "fail_open":
        assert rc == 0, (rc, err, info)
        assert delta(before, after, "exception_fail_open") >= 1, info
        assert delta(before, after, "exception_fail_closed") == 0, info
    else:
        assert rc in RESET_EXITS, (rc, err, info)
        assert delta(before, after, "exception_fail_closed") >= 1, info
        assert delta(before, after, gw.CTR_RST_SENT) >= 2, info
    name = "exception_" + policy
    st, text = g.req("GET", "/metrics")
    assert st == 200, st
    line = [l for l in text.splitlines() if l.startswith("tollgate_%s_total " % name)]
    assert line and int(line[0].split()[1]) >= 1, line


# ----------------------------------------------------------------------------------------
# frames are bridged unmodified
# ----------------------------------------------------------------------------------------

def test_forwarded_frames_are_byte_identical(topo, gwm, tmp_path):
    """Every frame of a connection leaves the gateway exactly as it came in: captured on
    the client's and the server's side, the frames each end sent equal what the other got."""
    g = use(gwm, "protect")
    port = topo.port()
    bpf = "tcp port %d" % port
    cpcap, spcap = tmp_path / "c0.pcap", tmp_path / "s0.pcap"
    client, server = (bytes(map(int, a.split("."))) for a in (CLIENT4, SERVER4))

    def sides():
        # IPv4 source address at bytes 26..29 of an untagged frame
        c = [f for _, f in pcap_packets(cpcap)]
        s = [f for _, f in pcap_packets(spcap)]
        return ([f for f in c if f[26:30] == client], [f for f in s if f[26:30] == client],
                [f for f in s if f[26:30] == server], [f for f in c if f[26:30] == server])

    sniff = [gw.Sniffer(topo.c, "c0", bpf, tmp_path / "c0", extra=("-w", cpcap)),
             gw.Sniffer(topo.s, "s0", bpf, tmp_path / "s0", extra=("-w", spcap))]
    try:
        rc, out, err, _ = topo.curl(port, "--fail", "http://%s:%d/health" % (SERVER4, HTTP_PORT))
        # the connection has closed on both sides, and each side got what the other sent
        wait_closed(cpcap, HTTP_PORT, 1)
        wait_closed(spcap, HTTP_PORT, 1)
        deadline = time.time() + 30
        sent_c, got_s, sent_s, got_c = sides()
        while (got_s != sent_c or got_c != sent_s) and time.time() < deadline:
            time.sleep(0.1)
            sent_c, got_s, sent_s, got_c = sides()
    finally:
        for s in sniff:
            s.stop()
    assert rc == 0, (rc, err, g.describe(port))
    assert len(sent_c) >= 4 and len(sent_s) >= 4, (len(sent_c), len(sent_s))
    assert got_s == sent_c
    assert got_c == sent_s
