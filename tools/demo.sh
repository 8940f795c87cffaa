#!/usr/bin/env bash
# The main job for `make demo`: run the offline pipeline over the bundled sample capture
# (tools/sample/demo.pcap, built by tools/sample/make-demo-pcap.py) and show what it
# found: the run summary, one line per flow, and the reassembled streams on disk.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${TOLLGATED:-build/tollgated}
PCAP=${1:-tools/sample/demo.pcap}
OUT=build/demo
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== tollgated --read $PCAP (built-in default policy: every DLP sensor, alert)"
"$BIN" --read "$PCAP" --events "$OUT/events.jsonl" --dump-streams "$OUT/streams" \
	--stats-json "$OUT/stats.json" --state-dir "$OUT/state"
echo
echo "== flows ($OUT/events.jsonl)"
/usr/bin/python3 - "$OUT/events.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ep = lambda ip, port: f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
fmt = "{:<5} {:<30} {:<30} {:>6} {:>6} {:>9} {:>9} {:<12} {:>4}"
print(fmt.format("proto", "client", "server", "pkts>", "<pkts", "bytes>", "<bytes", "state", "gaps"))
for e in sorted((e for e in rows if e["event_type"] == "flow"), key=lambda e: e["flow"]["start"]):
    f = e["flow"]
    print(fmt.format(e["proto"], ep(e['src_ip'], e['src_port']), ep(e['dest_ip'], e['dest_port']),
                     f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"],
                     f["bytes_toclient"], f["state"], f["gaps"]))
print()
print("== personal data found (dlp events: redacted values and keyed hashes only)")
dfmt = "{:<30} {:<10} {:<18} {:<30} {:<16} {:>6} {:<6}"
print(dfmt.format("flow", "direction", "sensor", "redacted", "hash", "offset", "conf"))
for e in rows:
    if e["event_type"] != "dlp":
        continue
    for m in e["dlp"]["matches"]:
        print(dfmt.format(f"{ep(e['src_ip'], e['src_port'])}", e["dlp"]["direction"], m["sensor"],
                          m["redacted"], m["hash"], m["offset"], m["confidence"]))
for e in rows:
    if e["event_type"] == "anomaly":
        print(f"anomaly: {json.dumps(e['anomaly'])}")
PY
echo
echo "== reassembled streams ($OUT/streams)"
ls -l "$OUT/streams" | tail -n +2
