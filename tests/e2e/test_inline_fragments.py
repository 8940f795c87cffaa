"""The inline gateway and IP fragments, end to end: a real TCP client whose segments a real
router cuts into 10 fragments each reaches the partner server through tollgated (mode
inline; topology and servers: tests/e2e/gateway.py). The ports are net_pcap, which hands
tollgated the fragments as they were sent; with net_af_packet the kernel reassembles them
first (DPDK's fanout defrag), which the card test checks as well.

  [F: f0 10.79.0.1] --veth-- [C: cf 10.79.0.254, router] c0 --- gateway --- s0 [S]
                                 forwards to S over a route with MTU 180, so every
                                 1500-byte datagram of F (DF clear) leaves C as 10
                                 fragments of at most 160 data bytes

  * a card upload in 10-fragment datagrams is reassembled, inspected and blocked: the
    datagram with the card never reaches the server (none of its fragments is forwarded),
    both ends are reset, the dlp event is exact; the datagrams before it were forwarded;
  * with defrag.max_frags 8 the datagrams are not reassembled: fail_closed drops their
    fragments (the upload never arrives), fail_open forwards them uninspected; both report
    one frag_too_many anomaly per datagram and count every fragment.
"""

import json
import time
from pathlib import Path

import pytest

import gateway as gw
from gateway import SERVER4, HTTP_PORT, counter, delta, of_type, redacted, value_hash
from gateway import gwm, topo  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

CLIENT_F = "10.79.0.1"
ROUTER_F = "10.79.0.254"
ROUTE_MTU = 180          # 160 data bytes per fragment: a 1480-byte datagram in 10
ROUTE_TABLE = "179"
CARD = "4111111111111111"
FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"

# Runs in F: one HTTP POST from (src, sport), DF clear (so a router may fragment), the
# socket reset on close (a stuck upload must not linger). Writes the outcome as JSON.
CLIENT_PY = r'''
import json, socket, struct, sys, time
server, port, src, sport, bodyfile, out, timeout = sys.argv[1:8]
res = {"ok": False, "error": None, "response": None}
t0 = time.time()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.setsockopt(socket.IPPROTO_IP, 10, 0)          # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.settimeout(float(timeout))
    s.bind((src, int(sport)))
    s.connect((server, int(port)))
    body = open(bodyfile, "rb").read()
    s.sendall(b"POST /upload HTTP/1.1\r\nHost: partner\r\n"
              b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n" % len(body) + body)
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    res["response"] = data.decode("latin-1")[:300]
    res["ok"] = data.startswith(b"HTTP/1.1 200")
except Exception as e:
    res["error"] = "%s: %s" % (type(e).__name__, e)
finally:
    s.close()
res["elapsed"] = time.time() - t0
open(out, "w").write(json.dumps(res))
'''


class Fragmenter:
    """Namespace F behind C, which routes F's traffic to S over a small-MTU route."""

    def __init__(self, topo):
        self.topo = topo
        self.ns = topo.c.replace("tgw-c-", "tgw-f-")
        self.dir = topo.workdir / "fragmenter"
        self.dir.mkdir(exist_ok=True)
        (self.dir / "client.py").write_text(CLIENT_PY)

    def setup(self):
        t = self.topo
        gw.sh("ip", "netns", "del", self.ns, check=False)
        gw.sh("ip", "netns", "add", self.ns)
        gw.sh("ip", "link", "add", "f0", "netns", self.ns, "type", "veth", "peer", "name",
              "cf", "netns", t.c)
        gw.sh("ip", "-n", self.ns, "link", "set", "lo", "up")
        gw.sh("ip", "-n", self.ns, "addr", "add", CLIENT_F + "/24", "dev", "f0")
        gw.sh("ip", "-n", t.c, "addr", "add", ROUTER_F + "/24", "dev", "cf")
        t._port_up(self.ns, "f0")
        t._port_up(t.c, "cf")
        gw.sh("ip", "-n", self.ns, "route", "add", "default", "via", ROUTER_F)
        gw.nsx(t.c, "sysctl", "-qw", "net.ipv4.ip_forward=1")
        # only what C forwards from F takes the small MTU: C's own traffic is unchanged
        gw.sh("ip", "-n", t.c, "route", "add", SERVER4 + "/32", "dev", "c0", "mtu",
              str(ROUTE_MTU), "table", ROUTE_TABLE)
        gw.sh("ip", "-n", t.c, "rule", "add", "iif", "cf", "table", ROUTE_TABLE,
              "priority", "100")
        gw.sh("ip", "-n", t.s, "route", "add", "10.79.0.0/24", "via", gw.CLIENT4)

    def teardown(self):
        t = self.topo
        gw.sh("ip", "-n", t.s, "route", "del", "10.79.0.0/24", check=False)
        gw.sh("ip", "-n", t.c, "rule", "del", "iif", "cf", "table", ROUTE_TABLE, check=False)
        gw.sh("ip", "-n", t.c, "route", "flush", "table", ROUTE_TABLE, check=False)
        gw.nsx(t.c, "sysctl", "-qw", "net.ipv4.ip_forward=0", check=False)
        gw.sh("ip", "netns", "del", self.ns, check=False)

    def upload(self, port, body, timeout=6):
        """POST body from F's port to S; the client's outcome (ok, error, response)."""
        f = self.dir / ("body-%d.bin" % port)
        f.write_bytes(body)
        out = self.dir / ("res-%d.json" % port)
        gw.nsx(self.ns, gw.PY, self.dir / "client.py", SERVER4, HTTP_PORT, CLIENT_F, port,
               f, out, timeout, timeout=timeout + 30)
        return json.loads(out.read_text())

    def record(self, port, timeout=10):
        """What the server recorded of the connection from F's port, or None."""
        base = str(self.topo.logdir / ("http-%s-%d" % (CLIENT_F, port)))
        js = Path(base + ".json")
        deadline = time.time() + timeout
        while not js.exists():
            if time.time() > deadline:
                return None
            time.sleep(0.05)
        d = json.loads(js.read_text())
        d["data"] = Path(base + ".in").read_bytes()
        return d


@pytest.fixture(scope="module")
def frag(topo):  # noqa: F811
    f = Fragmenter(topo)
    try:
        f.setup()
        yield f
    finally:
        f.teardown()


def card_body(size=12000, at=5000):
    """size bytes of text with one card line at offset at (in the fourth segment)."""
    text = bytearray((FILLER * (size // len(FILLER) + 1))[:size])
    line = b"\ncard=%s;\n" % CARD.encode()
    text[at:at + len(line)] = line
    return bytes(text), at + 6


def use(gwm, key, pmd="pcap", policy=None, extra=""):  # noqa: F811
    """The gateway in protect mode, the default DLP inspection blocking (F is in no
    group), on net_pcap ports unless told: they hand tollgated the fragments as sent."""
    return gwm.use("%s-%s" % (key, pmd), mode="protect", rules="", pmd=pmd,
                   exception_policy=policy, extra="dlp:\n  action: block\n" + extra)


def describe(g, port, res):
    """The client's outcome, the defrag counters and the daemon's account of the flow."""
    c = g.counters()
    return "client: %s\ndefrag counters: %s\n%s" % (
        res, json.dumps({k: v for k, v in c.items() if k.startswith(("defrag_", "exception_"))}),
        g.describe(port))


def frag_events(g, ev_type="anomaly"):
    return [e for e in g.events(ev_type) if e.get("src_ip") == CLIENT_F]


def wait_for(pred, timeout=10.0):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


@pytest.mark.parametrize("pmd", ["pcap", "af_packet"])
def test_card_upload_in_ten_fragment_datagrams_is_blocked(topo, gwm, frag, pmd):  # noqa: F811
    g = use(gwm, "frag-protect", pmd)
    port = topo.port()
    body, card_off = card_body()
    before = g.counters()
    res = frag.upload(port, body)
    ev = g.wait_flow_events(port, lambda e: of_type(e, "dlp"), timeout=10)
    after = g.counters()
    info = describe(g, port, res)
    assert not res["ok"] and "reset" in (res["error"] or "").lower(), info
    rec = frag.record(port)
    assert rec is not None, "the server never saw the connection\n" + info
    assert CARD.encode() not in rec["data"], "the server received the card\n" + info
    head = rec["data"].split(b"\r\n\r\n", 1)
    assert len(head) == 2 and body.startswith(head[1]) and len(head[1]) < card_off, \
        "the server got %d body bytes, expected a part before the card\n%s" % (
            len(head[1]) if len(head) == 2 else -1, info)
    # the datagrams before the card's went through whole: reassembled, then forwarded
    assert len(rec["data"]) >= 1448, info
    dl = of_type(ev, "dlp")
    assert len(dl) == 1, info
    d = dl[0]["dlp"]
    assert (d["direction"], d["action"], d["rule_action"], d["mode"]) == \
        ("to_server", "blocked", "block", "protect"), d
    assert [{k: m[k] for k in ("sensor", "redacted", "hash", "path", "offset")}
            for m in d["matches"]] == [{"sensor": "credit_card", "redacted": redacted(CARD),
                                        "hash": value_hash(CARD), "path": "http.body",
                                        "offset": card_off}], d
    assert delta(before, after, gw.CTR_VERDICT_RESETS) >= 1, info
    assert delta(before, after, gw.CTR_RST_SENT) >= 2, info
    frags = delta(before, after, "defrag_fragments")
    if pmd == "af_packet":
        # the kernel reassembled them for the PMD (fanout defrag): whole datagrams only
        assert frags == 0, info
        return
    dgrams = delta(before, after, "defrag_reassembled")
    assert dgrams >= 4 and frags == delta(before, after, "defrag_frags_reassembled"), info
    assert frags >= 9 * dgrams, "datagrams of %.1f fragments, expected 9 or more\n%s" % (
        frags / max(dgrams, 1), info)
    assert delta(before, after, "defrag_frags_too_many") == 0, info
    # the card's datagram: every one of its fragments dropped, none forwarded
    assert delta(before, after, gw.CTR_VERDICT_DROPS) >= 9, info
    assert counter(after, "defrag_held") == 0, info
    assert CARD not in json.dumps(ev)


@pytest.mark.parametrize("policy", ["fail_closed", "fail_open"])
def test_datagrams_over_max_frags_follow_the_exception_policy(topo, gwm, frag,  # noqa: F811
                                                               policy):
    g = use(gwm, "frag-max8-" + policy, policy=policy, extra="defrag:\n  max_frags: 8\n")
    port = topo.port()
    body, _ = card_body()
    before = g.counters()
    res = frag.upload(port, body, timeout=4 if policy == "fail_closed" else 10)

    def settled():
        # every datagram given up has its event: each counted its 9 (given up at the
        # ninth) or 10 fragments (a full-size segment's tenth, after)
        an = [e for e in frag_events(g) if e["anomaly"].get("type") == "defrag"]
        c = g.counters()
        if an and 9 * len(an) <= delta(before, c, "defrag_frags_too_many") <= 10 * len(an):
            return an, c
        return None

    got = wait_for(settled)
    info = describe(g, port, res)
    assert got, "no frag_too_many anomalies matching defrag_frags_too_many\n" + info
    an, after = got
    for e in an:
        assert (e["src_ip"], e["dest_ip"], e["proto"]) == (CLIENT_F, SERVER4, "TCP"), e
        a = e["anomaly"]
        assert (a["type"], a["event"], a["fragments"], a["max_frags"]) == \
            ("defrag", "frag_too_many", 9, 8), e
    assert len({e["anomaly"]["ip_id"] for e in an}) == len(an), an
    too_many = delta(before, after, "defrag_frags_too_many")
    rec = frag.record(port)
    assert rec is not None, info
    if policy == "fail_closed":
        # not one fragment of them forwarded: the upload never arrives
        assert not res["ok"], info
        assert rec["data"] == b"", "the server got %r\n%s" % (rec["data"][:200], info)
        assert delta(before, after, "exception_fail_closed") == too_many, info
        assert delta(before, after, "exception_fail_open") == 0, info
    else:
        # forwarded uninspected (and reported): the upload completes, nothing is scanned
        assert res["ok"], info
        assert rec["complete"] and rec["body_sha256"] == gw.sha256(body), info
        assert delta(before, after, "exception_fail_open") == too_many, info
        assert delta(before, after, "exception_fail_closed") == 0, info
        assert not of_type(g.flow_events(port), "dlp"), info
