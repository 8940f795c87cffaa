"""A capture nobody here wrote: curl uploads ~2 MB to a Python HTTP server and downloads a
~2 MB file from it across a veth pair between two network namespaces, tcpdump records the
client side, and tollgated reads the pcap.

Checks, for IPv4 and IPv6:
  * exactly two TCP flows (the POST and the GET), client -> server:8080, state closed,
    no gaps, and packet/byte counts per direction equal to what the pcap holds;
  * each flow's c2s stream is exactly what the server read from that connection and its
    s2c stream exactly what the server wrote (the server logs every byte per connection);
  * the POST's c2s stream starts with "POST /upload " and ends with the uploaded file; the
    GET's s2c stream ends with the downloaded file.
"""

import json
import random
import re
import time

import pytest
from scapy.layers.inet import IP, TCP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.utils import RawPcapReader

import tgpcap
from pcapwait import wait_closed
from tgpcap import fail_with

pytestmark = pytest.mark.e2e

SIZE = 2 * 1000 * 1000 + 12345
HTTP_PORT = 8080           # the server's port (netns_pair.port)


def _pcap_tcp_counts(path):
    """{(client ip, client port): [pkts c2s, bytes c2s, pkts s2c, bytes s2c]} of the
    connections to HTTP_PORT, counted straight from the capture."""
    out = {}
    for data, _ in RawPcapReader(str(path)):
        p = Ether(data)
        l3 = p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)
        if l3 is None or TCP not in p:
            continue
        t = p[TCP]
        if t.dport == HTTP_PORT:
            k, i = (tgpcap.ntop(l3.src), t.sport), 0
        elif t.sport == HTTP_PORT:
            k, i = (tgpcap.ntop(l3.dst), t.dport), 2
        else:
            continue
        c = out.setdefault(k, [0, 0, 0, 0])
        c[i] += 1
        c[i + 1] += len(data)
    return out


def _wait_done(logdir, names, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if all((logdir / (n + ".done")).exists() for n in names):
            return
        time.sleep(0.05)
    raise AssertionError("server did not finish logging %s" % names)


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_curl_upload_and_download_captured_by_tcpdump_reassemble_exactly(
        netns_pair, tollgated_bin, tmp_path, family):
    ns = netns_pair
    client, server = ns.addr4 if family == "ipv4" else ns.addr6
    host = server if family == "ipv4" else "[%s]" % server
    rng = random.Random("e2e-" + family)
    upload = rng.randbytes(SIZE)
    download = rng.randbytes(SIZE + 777)
    up_path = tmp_path / "upload.bin"
    up_path.write_bytes(upload)
    dl_name = "download-%s.bin" % family
    (ns.filedir / dl_name).write_bytes(download)
    got_path = tmp_path / "got.bin"
    pcap = tmp_path / "capture.pcap"

    assert ns.port == HTTP_PORT
    dump = ns.capture(pcap)
    try:
        post = ns.curl("-sS", "--fail", "--http1.1", "-H", "Expect:",
                       "-H", "Content-Type: application/octet-stream",
                       "--data-binary", "@%s" % up_path,
                       "http://%s:%d/upload" % (host, HTTP_PORT))
        ns.curl("-sS", "--fail", "--http1.1", "-o", str(got_path),
                "http://%s:%d/files/%s" % (host, HTTP_PORT, dl_name))
        # the flows are checked as "closed": both closing handshakes must be captured
        wait_closed(pcap, HTTP_PORT, 2)
    finally:
        log = dump.stop()
    assert json.loads(post.stdout)["received"] == SIZE
    assert got_path.read_bytes() == download
    assert re.search(r"(?m)^0 packets dropped by kernel$", log), "tcpdump dropped: " + log

    counts = _pcap_tcp_counts(pcap)
    conns = sorted(counts)
    assert len(conns) == 2, "expected 2 TCP connections in the capture, found %s" % conns
    # curl ran the POST first: the lower-time connection; match them by server log
    names = ["%s_%d" % (c, p) for c, p in conns]
    _wait_done(ns.logdir, names)
    post_conn = [c for c, n in zip(conns, names)
                 if (ns.logdir / (n + ".body")).exists()]
    assert len(post_conn) == 1, "server saw %d POSTs among %s" % (len(post_conn), names)
    post_conn = post_conn[0]
    get_conn = [c for c in conns if c != post_conn][0]

    out = tmp_path / "out"
    out.mkdir()
    (out / "streams").mkdir()
    res = tgpcap.run_tollgated(["--read", pcap, "--events", out / "events.jsonl",
                                "--dump-streams", out / "streams"], 180)
    if res.rc != 0:
        fail_with(["tollgated exited with %s" % res.rc], res, family)

    expected = []
    for cip, cport in conns:
        n = "%s_%d" % (cip, cport)
        c = counts[(cip, cport)]
        expected.append(tgpcap.FlowExpect(
            "TCP", cip, cport, server, HTTP_PORT, pkts_toserver=c[0], bytes_toserver=c[1],
            pkts_toclient=c[2], bytes_toclient=c[3], state="closed",
            c2s=(ns.logdir / (n + ".in")).read_bytes(),
            s2c=(ns.logdir / (n + ".out")).read_bytes()))
    errs = []
    post_exp = expected[conns.index(post_conn)]
    get_exp = expected[conns.index(get_conn)]
    if not post_exp.c2s.startswith(b"POST /upload HTTP/1.1\r\n"):
        errs.append("server log of the POST does not start with the request line: %r"
                    % post_exp.c2s[:60])
    if not post_exp.c2s.endswith(upload):
        errs.append("server log of the POST does not end with the uploaded file")
    if not get_exp.s2c.endswith(download):
        errs.append("server log of the GET does not end with the downloaded file")
    if errs:
        fail_with(errs, None, "the ground truth itself is wrong (%s)" % family)

    tcp_events = [e for e in res.events if e.get("proto") == "TCP"]
    errs = tgpcap.compare_flow_events(expected, tcp_events, check_times=False)
    errs += tgpcap.compare_streams(tgpcap.expected_streams(expected), res.streams)
    if errs:
        fail_with(errs, res, "%s capture %s" % (family, pcap))
