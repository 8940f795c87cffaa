#!/usr/bin/python3
"""Send complete TCP flows as raw Ethernet frames on one interface (AF_PACKET).

Used by the live policy tests: tollgated reads the other end of a veth pair. Each flow is
a handshake, one client data segment, the server's ACK and a FIN exchange (8 frames), with
a source port unique per flow, so every flow can be told apart in the events.

  flowsend.py IFACE SPEC.json [--rate PPS] [--part all|open|rest] [--out COUNTS.json]

--part open sends only the handshake (3 frames), --part rest the other 5: a flow can be
opened, the policy changed, and the flow carried on (its next packet meets the new policy).

SPEC is a list of {"client": ip, "server": ip, "sport": n, "dport": n, "payload": text}.
Writes {"frames": N, "flows": M} to --out (or stdout) when done.
"""

import argparse
import json
import socket
import sys
import time

from scapy.all import IP, TCP, Ether, Raw  # noqa: E402

CMAC = "02:00:00:00:00:01"
SMAC = "02:00:00:00:00:02"


def flow_frames(f):
    c, s, sp, dp = f["client"], f["server"], f["sport"], f["dport"]
    data = f["payload"].encode()
    cs, ss = 1000, 5000
    e1 = Ether(src=CMAC, dst=SMAC) / IP(src=c, dst=s)
    e2 = Ether(src=SMAC, dst=CMAC) / IP(src=s, dst=c)
    return [bytes(x) for x in (
        e1 / TCP(sport=sp, dport=dp, flags="S", seq=cs),
        e2 / TCP(sport=dp, dport=sp, flags="SA", seq=ss, ack=cs + 1),
        e1 / TCP(sport=sp, dport=dp, flags="A", seq=cs + 1, ack=ss + 1),
        e1 / TCP(sport=sp, dport=dp, flags="PA", seq=cs + 1, ack=ss + 1) / Raw(data),
        e2 / TCP(sport=dp, dport=sp, flags="A", seq=ss + 1, ack=cs + 1 + len(data)),
        e1 / TCP(sport=sp, dport=dp, flags="FA", seq=cs + 1 + len(data), ack=ss + 1),
        e2 / TCP(sport=dp, dport=sp, flags="FA", seq=ss + 1, ack=cs + 2 + len(data)),
        e1 / TCP(sport=sp, dport=dp, flags="A", seq=cs + 2 + len(data), ack=ss + 2),
    )]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("iface")
    ap.add_argument("spec")
    ap.add_argument("--rate", type=float, default=3000.0, help="frames per second")
    ap.add_argument("--part", choices=("all", "open", "rest"), default="all")
    ap.add_argument("--out")
    a = ap.parse_args()
    flows = json.load(open(a.spec))
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.iface, 0))
    gap = 1.0 / a.rate if a.rate > 0 else 0
    frames = 0
    t0 = time.monotonic()
    lo, hi = {"all": (0, 8), "open": (0, 3), "rest": (3, 8)}[a.part]
    for f in flows:
        for fr in flow_frames(f)[lo:hi]:
            sock.send(fr)
            frames += 1
            if gap:
                wait = t0 + frames * gap - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
    out = json.dumps({"frames": frames, "flows": len(flows)})
    if a.out:
        open(a.out, "w").write(out)
    else:
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
