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

echo "== tollgated --read $PCAP (built-in default policy)"
"$BIN" --read "$PCAP" --events "$OUT/events.jsonl" --dump-streams "$OUT/streams" \
	--stats-json "$OUT/stats.json"
echo
echo "== flows ($OUT/events.jsonl)"
/usr/bin/python3 - "$OUT/events.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fmt = "{:<5} {:<30} {:<30} {:>6} {:>6} {:>9} {:>9} {:<12} {:>4}"
print(fmt.format("proto", "client", "server", "pkts>", "<pkts", "bytes>", "<bytes", "state", "gaps"))
ep = lambda ip, port: f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
for e in sorted(rows, key=lambda e: e.get("flow", {}).get("start", "")):
    if e["event_type"] != "flow":
        print(f"{e['event_type']}: {json.dumps(e.get(e['event_type']))}")
        continue
    f = e["flow"]
    print(fmt.format(e["proto"], ep(e['src_ip'], e['src_port']), ep(e['dest_ip'], e['dest_port']),
                     f["pkts_toserver"], f["pkts_toclient"], f["bytes_toserver"],
                     f["bytes_toclient"], f["state"], f["gaps"]))
PY
echo
echo "== reassembled streams ($OUT/streams)"
ls -l "$OUT/streams" | tail -n +2
