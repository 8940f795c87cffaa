"""A packet capture on the inline gateway while traffic flows (docs/capture.md).

curl uploads 2 MB from the client namespace to the server through tollgated bridging
gw-in and gw-out (two workers), with a capture of the upload's connection running and a
second one matching every frame. Checks:
  * the traffic loses nothing: the server reads the whole body (same SHA-256), every frame
    received was transmitted, no frame was dropped or held for the capture;
  * the capture holds exactly the connection's frames, both directions (the counts of its
    flow in /v1/flows), read with libpcap and tshark, and the client's bytes reassembled
    from it are exactly what the server read;
  * no copy was dropped, and what the per-capture and global counters say agrees.
"""

import hashlib
import json
import random
import subprocess
import time

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.l2 import Ether
from scapy.utils import RawPcapReader

import gateway as gw
from gateway import gwm, topo  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

SIZE = 2 * 1000 * 1000 + 777


def wait_for(what, fn, timeout=30):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.time() > deadline:
            pytest.fail("timed out waiting for %s" % what)
        time.sleep(0.05)


def test_capture_on_the_inline_gateway_while_traffic_flows(topo, gwm, tmp_path):
    g = gwm.use("capture-2w", mode="monitor", rules="", workers=2,
                extra="capture:\n  max_concurrent: 2\n  ring_size: 16MiB\n")
    up = topo.port()
    st, c = g.req("POST", "/v1/captures", {"id": "upload", "bpf": "tcp port %d" % up,
                                          "file_size": 64 << 20, "file_count": 1})
    assert st == 201, c
    st, a = g.req("POST", "/v1/captures", {"id": "every", "file_size": 64 << 20,
                                          "file_count": 1})
    assert st == 201, a
    body = random.Random(3).randbytes(SIZE)
    f = tmp_path / "up.bin"
    f.write_bytes(body)
    before = g.counters()
    rc, out, err, secs = topo.post(up, "ipv4", "/upload", f, max_time=60)
    assert rc == 0, (rc, err, g.describe(up))
    assert json.loads(out) == {"received": SIZE, "sha256": hashlib.sha256(body).hexdigest()}
    rec = topo.record("http", "ipv4", up)
    assert rec and rec["complete"], rec

    # The connection ended (FINs both ways): its flow's frame counts are final once the
    # flow list has them and the capture has written as many.
    def flow():
        fl = [x for x in g.get("/v1/flows?limit=1000")["flows"] if x["src_port"] == up]
        return fl[0] if fl and fl[0]["tcp_state"] == "closed" else None
    fl = wait_for("the upload's flow closed", flow)
    total = fl["pkts_toserver"] + fl["pkts_toclient"]
    c = wait_for("the capture to write %d frames" % total,
                 lambda: (lambda x: x if x["packets"] >= total else None)(
                     g.get("/v1/captures/upload")))
    assert (c["packets"], c["matched"], c["dropped"]) == (total, total, 0)
    after = g.counters()
    # The traffic lost nothing: what came in went out, nothing dropped or reset.
    rx = after[gw.CTR_RX] - before[gw.CTR_RX]
    tx = after[gw.CTR_TX] - before[gw.CTR_TX]
    assert after[gw.CTR_TX_DROPPED] == before[gw.CTR_TX_DROPPED]
    assert after[gw.CTR_VERDICT_DROPS] == before[gw.CTR_VERDICT_DROPS]
    assert abs(rx - tx) <= 3, (rx, tx)
    assert rx >= total

    path = g.dir / "state" / "captures" / "upload" / c["files"][0]["name"]
    st = g.req("DELETE", "/v1/captures/upload")[0]
    assert st == 200
    wait_for("the capture stopped", lambda: g.get("/v1/captures/upload")["state"] == "stopped")
    frames = [bytes(d) for d, _ in RawPcapReader(str(path))]
    assert len(frames) == total
    t = subprocess.run(["tshark", "-n", "-r", str(path), "-T", "fields", "-e", "frame.len"],
                       capture_output=True, text=True, timeout=120)
    assert t.returncode == 0 and len(t.stdout.split()) == total
    # The client's bytes, reassembled from the capture, are what the server read.
    segs, isn = {}, None
    for d in frames:
        p = Ether(d)
        if TCP not in p or p[TCP].sport != up:
            continue
        if p[TCP].flags & 0x02:
            isn = p[TCP].seq
        pl = bytes(p[TCP].payload)
        if IP in p:
            pl = pl[:p[IP].len - 4 * p[IP].ihl - 4 * p[TCP].dataofs]
        if pl:
            segs.setdefault(p[TCP].seq, pl)
    assert isn is not None
    stream, nxt = bytearray(), isn + 1
    while nxt in segs:
        stream += segs[nxt]
        nxt = (nxt + len(segs[nxt])) & 0xffffffff
    assert bytes(stream) == rec["data"]
    assert bytes(stream).endswith(body)
    # Every frame the gateway received is in the capture of everything (it is running).
    every = g.get("/v1/captures/every")
    assert every["dropped"] == 0 and every["matched"] >= total
    stats = g.get("/v1/stats")["capture"]
    assert stats["dropped"] == 0 and stats["running"] == 1
