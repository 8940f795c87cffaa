#!/usr/bin/env bash
# The main job for `make demo`: Tollgate as an inline DLP gateway between a workload and a
# partner server, each in its own network namespace, enforcing the shipped demo policy
# (config/demo.yaml). Four steps, each printed with PASS or FAIL and what happened, then
# the gateway's alert and dlp events as a table.
#
#   tgdemo-<id>-client           tgdemo-<id>-gw                      tgdemo-<id>-partner
#   client0 10.77.1.10 --veth-- inside0 [tollgated] outside0 --veth-- partner0 198.51.100.80
#                                net_af_packet0  <-->  net_af_packet1   HTTP :8080 and :8081
#
# Usage: tools/demo.sh           run the demo and tear everything down (also on Ctrl-C)
#        tools/demo.sh --keep    leave the gateway running; prints how to use its REST API
#        tools/demo.sh --down    tear down what a --keep run (or an interrupted one) left
#
# Needs root (namespaces, veth pairs, raw sockets). The binary is ${TOLLGATED:-build/tollgated}.
# Exit status: 0 every step passed, 1 a step failed or the set-up did not work.
set -euo pipefail

PROG=tools/demo.sh
usage() { sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; }

KEEP=0
DOWN=0
for arg in "$@"; do
	case "$arg" in
	--keep) KEEP=1 ;;
	--down) DOWN=1 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "$PROG: unknown argument '$arg' (expected --keep, --down or --help)" >&2; exit 2 ;;
	esac
done
if [ "$KEEP" = 1 ] && [ "$DOWN" = 1 ]; then
	echo "$PROG: --keep and --down exclude each other" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$PROG: needs root (it creates network namespaces and veth pairs): run it as root, e.g. sudo make demo" >&2
	exit 1
fi

cd "$(dirname "$0")/.."
REPO=$PWD
PY=/usr/bin/python3
STATE_ROOT=/run/tollgate-demo       # one <id>.env per demo: what to tear down
CLIENT_IP=10.77.1.10
SERVER_IP=198.51.100.80
SERVER_NAME=upload.partner.example
API=127.0.0.1:8470

die() {
	echo "$PROG: $*" >&2
	exit 1
}

# ---- tear-down ------------------------------------------------------------------------

# pid runs a process whose command line contains word?
pid_is() {
	local cmd
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
	cmd=$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null) || return 1
	[[ "$cmd" == *"$2"* ]]
}

# Stop pid (SIGTERM, then SIGKILL after secs seconds) if it still runs word.
stop_pid() {
	local pid=$1 word=$2 secs=$3 i
	pid_is "$pid" "$word" || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < secs * 10; i++)); do
		pid_is "$pid" "$word" || return 0
		sleep 0.1
	done
	echo "$PROG: pid $pid ($word) did not stop on SIGTERM in ${secs} s; killing it" >&2
	kill -KILL "$pid" 2>/dev/null || true
}

# Everything of demo <id>: its processes, namespaces (the veths go with them), files.
teardown() {
	local id=$1 envf="$STATE_ROOT/$1.env" ns pid
	local GW_PID="" SRV_PID="" WORK="" FINISHED=""
	# shellcheck disable=SC1090
	[ -f "$envf" ] && . "$envf"
	stop_pid "$GW_PID" tollgated 15
	stop_pid "$SRV_PID" server.py 5
	for ns in "tgdemo-$id-client" "tgdemo-$id-partner" "tgdemo-$id-gw"; do
		[ -e "/run/netns/$ns" ] || continue
		# anything else still running in it was started by this demo
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null || true
		done
		ip netns del "$ns" 2>/dev/null || echo "$PROG: could not delete namespace $ns" >&2
	done
	case "$WORK" in /tmp/tollgate-demo.*) rm -rf "$WORK" ;; esac
	rm -f "$envf"
}

# Demos whose script is no longer running: kept ones (--keep) and interrupted ones.
stale_ids() {
	local f ns id
	{
		for f in "$STATE_ROOT"/*.env; do
			[ -e "$f" ] && basename "$f" .env
		done
		ip netns list 2>/dev/null | awk '{print $1}' | sed -n 's/^tgdemo-\([0-9][0-9]*\)-.*/\1/p'
	} | sort -u | while read -r id; do
		[ "$id" = "$$" ] && continue
		pid_is "$id" demo.sh && continue
		echo "$id"
	done
}

if [ "$DOWN" = 1 ]; then
	n=0
	for id in $(stale_ids); do
		teardown "$id"
		echo "$PROG: tore down demo $id (namespaces tgdemo-$id-client, -partner, -gw)"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || echo "$PROG: nothing to tear down"
	exit 0
fi

# ---- checks, then the supervisor ------------------------------------------------------

# The set-up and the steps run in a child bash (the same script, TOLLGATE_DEMO_ID set);
# this process only waits for it, then tears down whatever ended it: the steps, a failed
# set-up, Ctrl-C, SIGTERM, SIGHUP. Why not traps in the script that does the work: bash
# runs a pending trap from wherever it stands, including the middle of parsing a $(...)
# it is expanding, and a trap run there fails to parse ("interrupt trap: unexpected EOF
# while looking for matching `)'": exit status 2, no tear-down). A process that only
# waits never stands there.
supervise() {
	ID=$$
	ENVF="$STATE_ROOT/$ID.env"
	mkdir -p "$STATE_ROOT" && chmod 0700 "$STATE_ROOT"
	WORK=$(mktemp -d /tmp/tollgate-demo.XXXXXX)
	chmod 0755 "$WORK"
	printf 'WORK=%q\n' "$WORK" >"$ENVF"
	trap 'finish 130 "$PROG: interrupted"' INT
	trap 'finish 143 "$PROG: terminated"' TERM
	trap 'finish 129 ""' HUP
	trap 'finish 141 ""' PIPE
	local rc=0
	# (asynchronous: the child starts with SIGINT ignored; finish stops it with SIGTERM)
	TOLLGATE_DEMO_ID=$ID TOLLGATE_DEMO_WORK=$WORK bash "$0" "$@" &
	wait "$!" || rc=$?
	finish "$rc" ""
}

# finish STATUS MESSAGE: stop the child if it still runs, tear down (unless --keep and the
# child got to the end), exit STATUS. Further signals are ignored meanwhile: the tear-down
# is bounded (tollgated gets 15 s to stop on SIGTERM, then SIGKILL).
finish() {
	local rc=$1 msg=$2 child=${!:-} i
	set +e
	trap '' INT TERM HUP PIPE       # stdout may be a closed pipe by now
	if [ -n "$msg" ]; then
		echo
		echo "$msg" >&2
	fi
	if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
		kill -TERM "$child" 2>/dev/null
		for ((i = 0; i < 50; i++)); do
			kill -0 "$child" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	if [ "$KEEP" = 1 ] && grep -qx 'FINISHED=1' "$ENVF" 2>/dev/null; then
		exit "$rc"
	fi
	echo "== tearing down (namespaces tgdemo-$ID-client, tgdemo-$ID-partner, tgdemo-$ID-gw)" 2>/dev/null
	teardown "$ID" 2>/dev/null
	exit "$rc"
}

if [ -z "${TOLLGATE_DEMO_ID:-}" ]; then
	BIN=${TOLLGATED:-build/tollgated}
	case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
	[ -x "$BIN" ] || die "tollgated not found at $BIN: build it first (make build), or point TOLLGATED at it"
	for t in ip ethtool curl setsid "$PY"; do
		command -v "$t" >/dev/null || die "needs $t (apt-get install iproute2 ethtool curl util-linux python3)"
	done
	"$BIN" --check-config config/demo.yaml >/dev/null 2>&1 ||
		die "config/demo.yaml does not load: $("$BIN" --check-config config/demo.yaml 2>&1 | tail -n 1)"

	for id in $(stale_ids); do
		echo "== removing the demo left by an earlier run (id $id)"
		teardown "$id"
	done
	supervise "$@"
fi

# ---- set-up (the child) ----------------------------------------------------------------

BIN=${TOLLGATED:-build/tollgated}
case "$BIN" in /*) ;; *) BIN="$REPO/$BIN" ;; esac
ID=$TOLLGATE_DEMO_ID
WORK=$TOLLGATE_DEMO_WORK
NS_C=tgdemo-$ID-client
NS_P=tgdemo-$ID-partner
NS_G=tgdemo-$ID-gw
ENVF="$STATE_ROOT/$ID.env"
GW_PID=""
SRV_PID=""
FINISHED=0
save_state() {
	printf 'WORK=%q\nGW_PID=%q\nSRV_PID=%q\nFINISHED=%q\n' "$WORK" "$GW_PID" "$SRV_PID" "$FINISHED" >"$ENVF"
}
save_state

run() { # a set-up command that must work; says which one did not
	local out
	out=$("$@" 2>&1) || die "set-up step failed: $*: ${out:-no output}"
}
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

echo "== network: $NS_C ($CLIENT_IP) <-> $NS_G (tollgated inline) <-> $NS_P ($SERVER_IP)"
for ns in "$NS_C" "$NS_P" "$NS_G"; do
	run ip netns add "$ns"
	run ip -n "$ns" link set lo up
	# IPv4 only: no router solicitations or MLD reports crossing the gateway
	run ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
run ip link add client0 netns "$NS_C" type veth peer name inside0 netns "$NS_G"
run ip link add partner0 netns "$NS_P" type veth peer name outside0 netns "$NS_G"
for pair in "$NS_C:client0" "$NS_G:inside0" "$NS_G:outside0" "$NS_P:partner0"; do
	# veths hand over frames with the checksum left to the receiver and as large
	# segments: the gateway forwards what it saw, so every offload is off
	run ip netns exec "${pair%%:*}" ethtool -K "${pair#*:}" tx off rx off tso off gso off gro off
	run ip -n "${pair%%:*}" link set "${pair#*:}" up
done
# Both ends on one link through the gateway; each reaches the other's subnet on-link.
run ip -n "$NS_C" addr add "$CLIENT_IP/24" dev client0
run ip -n "$NS_C" route add 198.51.100.0/24 dev client0
run ip -n "$NS_P" addr add "$SERVER_IP/24" dev partner0
run ip -n "$NS_P" route add 10.77.1.0/24 dev partner0

# The partner: HTTP on 8080 (uploads) and 8081 (its admin port). POST answers the length
# and sha256 it received; every upload, whole or cut, is logged to uploads.jsonl.
cat >"$WORK/server.py" <<'PY'
import hashlib, http.server, json, socketserver, sys, threading

LOG, ADDR, PORTS = sys.argv[1], sys.argv[2], [int(p) for p in sys.argv[3:]]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *a):
        pass

    def _reply(self, code, body, ctype):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._reply(200, b"ok\n", "text/plain")

    def do_POST(self):
        want = int(self.headers.get("Content-Length", "0"))
        h, got, err, body = hashlib.sha256(), 0, None, bytearray()
        try:
            while got < want:
                b = self.rfile.read1(min(65536, want - got))
                if not b:
                    err = "connection closed"
                    break
                h.update(b)
                body += b
                got += len(b)
        except OSError as e:
            err = e.strerror or type(e).__name__
        rec = {"client_port": self.client_address[1], "port": self.server.server_port,
               "expected": want, "received": got, "complete": err is None,
               "sha256": h.hexdigest() if err is None else None, "error": err,
               "card_rows": body.count(b"refund,card ")}
        with lock:
            with open(LOG, "a") as f:
                f.write(json.dumps(rec) + "\n")
        if err is None:
            self._reply(200, json.dumps({"received": got, "sha256": rec["sha256"]}).encode()
                        + b"\n", "application/json")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


for p in PORTS:
    threading.Thread(target=Server((ADDR, p), Handler).serve_forever, daemon=True).start()
print("READY", flush=True)
threading.Event().wait()
PY
: >"$WORK/uploads.jsonl"
setsid ip netns exec "$NS_P" "$PY" "$WORK/server.py" "$WORK/uploads.jsonl" "$SERVER_IP" 8080 8081 \
	</dev/null >"$WORK/server.log" 2>&1 &
SRV_PID=$!
save_state
for _ in $(seq 50); do
	grep -q READY "$WORK/server.log" 2>/dev/null && break
	kill -0 "$SRV_PID" 2>/dev/null || die "the partner's HTTP server did not start: $(tail -n 3 "$WORK/server.log")"
	sleep 0.1
done
grep -q READY "$WORK/server.log" || die "the partner's HTTP server did not start in 5 s"

# The gateway: a copy of the demo policy (policy changes through the API are written back
# to the --config file), an admin token, its own state directory and events file.
cp config/demo.yaml "$WORK/tollgate.yaml"
TOKEN=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
(umask 077 && echo "admin $TOKEN" >"$WORK/tokens")
echo "== gateway: $BIN --config config/demo.yaml (a copy) in $NS_G"
setsid ip netns exec "$NS_G" "$BIN" --config "$WORK/tollgate.yaml" --events "$WORK/events.jsonl" \
	--state-dir "$WORK/state" --api-token-file "$WORK/tokens" </dev/null >"$WORK/tollgated.log" 2>&1 &
GW_PID=$!
save_state
up=0
for _ in $(seq 200); do
	if ! kill -0 "$GW_PID" 2>/dev/null; then
		echo "$PROG: tollgated exited during start-up; its log:" >&2
		tail -n 20 "$WORK/tollgated.log" >&2
		exit 1
	fi
	if in_ns "$NS_G" curl -sf --noproxy '*' -m 1 "http://$API/healthz" >/dev/null 2>&1; then
		up=1
		break
	fi
	sleep 0.1
done
[ "$up" = 1 ] || { tail -n 20 "$WORK/tollgated.log" >&2; die "tollgated's API did not answer on $API within 20 s"; }

# api METHOD PATH [JSON]: the reply body; a non-2xx status is fatal.
api() {
	local method=$1 path=$2 body=${3:-} out code
	local args=(-sS --noproxy '*' -m 10 -X "$method" -H "Authorization: Bearer $TOKEN" -w '\n%{http_code}')
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	out=$(in_ns "$NS_G" curl "${args[@]}" "http://$API$path" 2>&1) || die "API $method $path: $out"
	code=${out##*$'\n'}
	out=${out%$'\n'*}
	case "$code" in 2??) printf '%s' "$out" ;; *) die "API $method $path answered $code: $out" ;; esac
}

echo "== labels: PUT /v1/labels {$CLIENT_IP: app=payments} (what tools/label-sync does from kubectl)"
api PUT "/v1/labels?source=demo" \
	"{\"generation\": $(date +%s%3N), \"entries\": [{\"ip\": \"$CLIENT_IP\", \"labels\": {\"app\": \"payments\", \"team\": \"checkout\"}}]}" >/dev/null

# The client reaches the partner only through tollgated: wait for the first request to
# cross it (the neighbour tables fill on the way).
ok=0
for _ in $(seq 40); do
	if in_ns "$NS_C" curl -sf --noproxy '*' -m 1 "http://$SERVER_IP:8080/health" >/dev/null 2>&1; then
		ok=1
		break
	fi
	kill -0 "$GW_PID" 2>/dev/null || { tail -n 20 "$WORK/tollgated.log" >&2; die "tollgated exited"; }
	sleep 0.25
done
[ "$ok" = 1 ] || die "the client cannot reach the partner through the gateway (no HTTP answer from $SERVER_IP:8080 within 10 s); gateway log: $WORK/tollgated.log"

# Uploads: a clean CSV and one with 4 distinct card numbers (block threshold: 3) past the
# first 64 KiB, both about 300 KB.
"$PY" - "$WORK" <<'PY'
import sys
work = sys.argv[1]
def filler(start, n):
    return "".join("ord-%06d,shipped,parcel to depot %s,weight %d.%d kg\n"
                   % (i, "north south east west".split()[i % 4], i % 40, i % 10)
                   for i in range(start, start + n))
head = "order,status,note,weight\n"
clean = head + filler(0, 6000)
cards = ["4111 1111 1111 1111", "5555 5555 5555 4444", "3782 822463 10005", "4012 8888 8888 1881"]
card_rows = "".join("refund,card %s,customer %d\n" % (c, i) for i, c in enumerate(cards))
with_cards = head + filler(0, 1300) + card_rows + filler(1300, 4700)
open(work + "/clean.csv", "w").write(clean)
open(work + "/cards.csv", "w").write(with_cards)
PY

# The events helper, run in the gateway namespace: reads GET /v1/events (the live event
# window; the --events file is written out in blocks). "find TYPE PORT SECS" waits for an
# event of the client port; "table" prints the alert and dlp events.
cat >"$WORK/events.py" <<'PY'
import json, os, sys, time, urllib.parse, urllib.request

API = "http://" + os.environ["TG_API"]
TOKEN = open(os.environ["TG_TOKEN_FILE"]).read().split()[1]
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

def load(etype=None):
    out, cursor = [], None
    while True:
        q = {"limit": 1000}
        if etype:
            q["event_type"] = etype
        if cursor:
            q["cursor"] = cursor
        r = urllib.request.Request(API + "/v1/events?" + urllib.parse.urlencode(q))
        r.add_header("Authorization", "Bearer " + TOKEN)
        with OPENER.open(r, timeout=10) as resp:
            page = json.load(resp)
        out += page["events"]
        cursor = page.get("next_cursor")
        if not cursor or not page["events"]:
            return out

def find(etype, port, secs):
    # "dlp": a finding, the threshold alert or a dlp event (any event with a dlp object)
    end = time.time() + secs
    while True:
        for e in load(None if etype == "dlp" else etype):
            if e.get("src_port") == port and (etype != "dlp" or "dlp" in e):
                return e
        if time.time() >= end:
            return None
        time.sleep(0.1)

def ep(ip, port):
    return "[%s]:%d" % (ip, port) if ":" in ip else "%s:%d" % (ip, port)

def table():
    rows = []
    for e in load():
        t = e.get("event_type")
        if t == "alert" and "dlp" not in e:
            a = e["alert"]
            rows.append((e, "alert", a.get("rule") or "(default)", a["action"],
                         "%s: %s -> %s, %s mode" % (a["reason"], a["from_group"],
                                                    a["to_group"], a["mode"])))
        elif "dlp" in e:        # a threshold alert (with its dlp object) or a dlp event
            d = e["dlp"]
            by = {}
            for m in d["matches"]:
                by.setdefault(m["sensor"], []).append(m["redacted"])
            det = "; ".join("%s x%d: %s" % (s, len(v), " ".join(v)) for s, v in by.items())
            rows.append((e, t, d["rule"], d["action"],
                         "%s (%s; rule says %s, %s mode)" % (det, d["direction"],
                                                             d["rule_action"], d["mode"])))
    fmt = "{:<12}  {:<5}  {:<39}  {:<16}  {:<7}  {}"
    print(fmt.format("time (UTC)", "type", "client -> server", "rule", "action", "detail"))
    for e, t, rule, action, det in sorted(rows, key=lambda r: r[0]["timestamp"]):
        print(fmt.format(e["timestamp"][11:23], t,
                         ep(e["src_ip"], e["src_port"]) + " -> " + ep(e["dest_ip"], e["dest_port"]),
                         rule, action, det))
    if not rows:
        print("(no alert or dlp events)")

if sys.argv[1] == "find":
    e = find(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
    if e is None:
        sys.exit(1)
    print(json.dumps(e))
else:
    table()
PY
events_py() { in_ns "$NS_G" env TG_API="$API" TG_TOKEN_FILE="$WORK/tokens" "$PY" "$WORK/events.py" "$@"; }

# ---- the scenario ---------------------------------------------------------------------

FAILED=0
STEPS=4
step_result() { # n title PASS|FAIL detail...
	local n=$1 title=$2 res=$3
	shift 3
	[ "$res" = PASS ] || FAILED=$((FAILED + 1))
	printf '[%d/%d] %-58s %s\n' "$n" "$STEPS" "$title" "$res"
	local line
	for line in "$@"; do printf '      %s\n' "$line"; done
}

# upload N FILE PORT: POST FILE from the client (source port 41000+N) to the partner.
# Sets CURL_RC, HTTP_CODE, CURL_ERR, SECS.
upload() {
	local n=$1 file=$2 port=$3 t0 t1
	t0=$EPOCHREALTIME
	CURL_RC=0
	HTTP_CODE=$(in_ns "$NS_C" curl -sS --noproxy '*' --max-time 10 --local-port $((41000 + n)) \
		-H 'Expect:' -H 'Content-Type: text/csv' --data-binary "@$WORK/$file" \
		--resolve "$SERVER_NAME:$port:$SERVER_IP" -o "$WORK/reply.$n" -w '%{http_code}' \
		"http://$SERVER_NAME:$port/upload" 2>"$WORK/curl.$n.err") || CURL_RC=$?
	t1=$EPOCHREALTIME
	SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	CURL_ERR=$(tr -d '\r' <"$WORK/curl.$n.err" | tail -n 1)
}
sha() { sha256sum "$WORK/$1" | cut -c1-64; }
reply_sha() { "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["sha256"])' "$WORK/reply.$1" 2>/dev/null || true; }
# the partner's record of the upload from client port P:
# "received card_rows_received expected complete error"
server_saw() {
	"$PY" - "$WORK/uploads.jsonl" "$1" <<'PY'
import json, sys, time
for _ in range(20):
    for line in open(sys.argv[1]):
        r = json.loads(line)
        if r["client_port"] == int(sys.argv[2]):
            print(r["received"], r["card_rows"], r["expected"], r["complete"], r["error"] or "-")
            sys.exit(0)
    time.sleep(0.1)
print("-")
PY
}
event() { events_py find "$1" "$2" "${3:-5}"; }
jget() { "$PY" -c 'import json,sys; e=json.loads(sys.argv[1]); print(eval(sys.argv[2], {}, {"e": e}))' "$1" "$2"; }
cards_of() { jget "$1" '" ".join(m["redacted"] for m in e["dlp"]["matches"])'; }

echo
echo "== scenario: client $CLIENT_IP (label app=payments) -> partner $SERVER_NAME ($SERVER_IP)"
CLEAN_SHA=$(sha clean.csv)
CARDS_SHA=$(sha cards.csv)
CLEAN_LEN=$(stat -c %s "$WORK/clean.csv")
CARDS_LEN=$(stat -c %s "$WORK/cards.csv")

# 1) clean upload: allowed by payments-upload, nothing for credit_card to count
upload 1 clean.csv 8080
got=$(reply_sha 1)
ev=$(event dlp 41001 0.3 || true)
if [ "$CURL_RC" = 0 ] && [ "$HTTP_CODE" = 200 ] && [ "$got" = "$CLEAN_SHA" ] && [ -z "$ev" ]; then
	step_result 1 "clean upload ($CLEAN_LEN bytes) to partner:8080 passes" PASS \
		"HTTP 200 in $SECS s; the partner got every byte: sha256 ${got:0:16}... matches; no finding (alert or dlp event)"
else
	step_result 1 "clean upload ($CLEAN_LEN bytes) to partner:8080 passes" FAIL \
		"curl exit $CURL_RC, HTTP $HTTP_CODE${CURL_ERR:+, $CURL_ERR}; sha256 sent ${CLEAN_SHA:0:16}..., partner answered '${got:0:16}'${ev:+; unexpected finding}"
fi

# 2) the same kind of upload carrying 4 distinct card numbers: cut at the third
upload 2 cards.csv 8080
ev=$(event dlp 41002 5 || true)
saw=$(server_saw 41002)
if [ "$CURL_RC" != 0 ] && [ -n "$ev" ] && [ "$(jget "$ev" 'e["dlp"]["action"]')" = blocked ]; then
	step_result 2 "upload with 4 card numbers is blocked" PASS \
		"curl failed after $SECS s: exit $CURL_RC ($CURL_ERR)" \
		"$(jget "$ev" 'e["event_type"]') $(jget "$ev" 'e.get("alert", {}).get("signature_id", "")'): credit_card $(cards_of "$ev"), action blocked (rule $(jget "$ev" 'e["dlp"]["rule"]'), protect mode)" \
		"the partner got $(echo "$saw" | cut -d' ' -f1) of $CARDS_LEN bytes before the reset, $(echo "$saw" | cut -d' ' -f2) of the 4 card rows"
else
	step_result 2 "upload with 4 card numbers is blocked" FAIL \
		"curl exit $CURL_RC, HTTP $HTTP_CODE${CURL_ERR:+, $CURL_ERR}, after $SECS s" \
		"finding: ${ev:-none}" "partner: ${saw}"
fi

# 3) the partner's admin port: denied by no-partner-admin; the gateway resets the SYN
upload 3 clean.csv 8081
ev=$(event alert 41003 5 || true)
fast=$(awk -v s="$SECS" 'BEGIN { print (s < 3) ? 1 : 0 }')
if [ "$CURL_RC" != 0 ] && [ "$fast" = 1 ] && [ -n "$ev" ] && [ "$(jget "$ev" 'e["alert"]["action"]')" = blocked ]; then
	step_result 3 "connection to the denied port 8081 is refused" PASS \
		"curl failed after $SECS s: exit $CURL_RC ($CURL_ERR)" \
		"alert: $(jget "$ev" 'e["alert"]["signature"]'), action blocked"
else
	step_result 3 "connection to the denied port 8081 is refused" FAIL \
		"curl exit $CURL_RC, HTTP $HTTP_CODE${CURL_ERR:+, $CURL_ERR}, after $SECS s (expected a quick failure)" \
		"alert event: ${ev:-none}"
fi

# 4) payments switched to monitor through the API: the card upload goes through, reported
api PUT /v1/groups/payments '{"name": "payments", "selector": "app=payments", "mode": "monitor"}' >/dev/null
upload 4 cards.csv 8080
got=$(reply_sha 4)
ev=$(event dlp 41004 5 || true)
if [ "$CURL_RC" = 0 ] && [ "$got" = "$CARDS_SHA" ] && [ -n "$ev" ] && [ "$(jget "$ev" 'e["dlp"]["action"]')" = allowed ]; then
	step_result 4 "monitor mode: the card upload passes, reported" PASS \
		"PUT /v1/groups/payments mode=monitor; HTTP 200 in $SECS s, sha256 ${got:0:16}... matches" \
		"$(jget "$ev" 'e["event_type"]') $(jget "$ev" 'e.get("alert", {}).get("signature_id", "")'): credit_card $(cards_of "$ev"), action allowed (the rule says $(jget "$ev" 'e["dlp"]["rule_action"]'), $(jget "$ev" 'e["dlp"]["mode"]') mode)"
else
	step_result 4 "monitor mode: the card upload passes, reported" FAIL \
		"curl exit $CURL_RC, HTTP $HTTP_CODE${CURL_ERR:+, $CURL_ERR}; sha256 sent ${CARDS_SHA:0:16}..., partner answered '${got:0:16}'" \
		"finding: ${ev:-none}"
fi
api PUT /v1/groups/payments '{"name": "payments", "selector": "app=payments", "mode": "protect"}' >/dev/null
echo "      (payments set back to protect)"

echo
echo "== events (alert and dlp) written by the gateway"
events_py table
echo
if [ "$FAILED" = 0 ]; then
	echo "== all $STEPS steps passed"
else
	echo "== $FAILED of $STEPS steps FAILED (gateway log: see below)"
	tail -n 15 "$WORK/tollgated.log" | sed 's/^/   | /'
fi

if [ "$KEEP" = 1 ]; then
	FINISHED=1
	save_state
	cat <<EOF

== the gateway keeps running (tollgated pid $GW_PID, namespace $NS_G)
Its REST API listens on $API inside the gateway namespace only (loopback, as shipped:
the host cannot reach it), so call it through ip netns exec. Admin token: $TOKEN

  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' http://$API/v1/stats
  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' 'http://$API/v1/events?event_type=alert'
  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' http://$API/v1/flows
  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' -H 'Accept: application/yaml' http://$API/v1/policy
  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' http://$API/v1/labels/groups
  ip netns exec $NS_G curl -s -H 'Authorization: Bearer $TOKEN' -X PUT -H 'Content-Type: application/json' \\
      -d '{"name":"payments","selector":"app=payments","mode":"monitor"}' http://$API/v1/groups/payments

Traffic of your own, from the client:
  ip netns exec $NS_C curl -sS --data-binary @$WORK/cards.csv http://$SERVER_IP:8080/upload
  ip netns exec $NS_C curl -sS http://$SERVER_IP:8081/

Files in $WORK: tollgated.log, tollgate.yaml (the policy as the API left it), uploads.jsonl
(what the partner received), events.jsonl (--events; written out in blocks and at exit,
so GET /v1/events above is the live view)
Tear down: tools/demo.sh --down   (a new run also replaces this one)
EOF
fi
[ "$FAILED" = 0 ]
