"""tools/bench runs and its JSON holds together (docs/performance.md "bench").

A smoke test, never a timing check: the bench runs briefly (1 MiB of each mix, two
iterations, 1 and 2 workers, and a small pcap written here) and the JSON must show what any
run shows whatever the machine's speed: every packet loaded was processed once per
iteration, every connection was created and ended once per iteration, no event was lost,
no cap was hit, the stage shares sum to 1, and the sensors found exactly the values the
mixes planted: e-mail addresses (with the SMTP envelopes' two), IBANs and phone numbers
exactly; cards and SSNs at least those planted (the mixes' 13-digit timestamps include
valid card numbers by chance, and a 9-digit JSON id near a planted SSN's keyword is an SSN
too). Detections are the sensor counters: distinct values per flow direction.

The bench is $TOLLGATE_BENCH, or the one next to $TOLLGATED (in the suite, the ASan/UBSan
build's: LeakSanitizer checks its exit), or <repo>/build/bench.
"""

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "pcap"))

import tgpcap  # noqa: E402

ITERS = 2
WORKERS = [1, 2]
MODES = ["io", "no_sensors", "full"]
# Sensors whose values occur in the mixes only where planted.
EXACT = ["email", "iban", "phone"]
AT_LEAST = ["credit_card", "us_ssn"]
CARD = "4111 1111 1111 1111"


def bench():
    path = os.environ.get("TOLLGATE_BENCH")
    if not path and os.environ.get("TOLLGATED"):
        path = str(Path(os.environ["TOLLGATED"]).parent / "bench")
    path = path or str(REPO / "build" / "bench")
    if not os.access(path, os.X_OK):
        pytest.fail("bench not found at %s: build it (ninja -C build bench) or set "
                    "TOLLGATE_BENCH" % path, pytrace=False)
    return path


def run_bench(tmp_path, *args):
    out = tmp_path / "bench.json"
    p = subprocess.run([bench(), "-n", str(ITERS), "-f", "16", "--workers",
                        ",".join(map(str, WORKERS)), "--json", str(out), *args],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(out.read_text()), p.stdout


def check_run(mix, run):
    """The invariants of one worker count's three modes over mix."""
    modes = run["modes"]
    assert sorted(modes) == sorted(MODES)
    for name, m in modes.items():
        assert m["iterations"] == ITERS
        assert m["packets_loaded"] == mix["frames"], name
        assert m["packets"] == m["packets_loaded"] * ITERS, name
        assert m["packets_processed"] == m["packets"], name
        assert m["wire_bytes"] == mix["wire_bytes"] * ITERS, name
        assert m["payload_bytes"] == mix["payload_bytes"] * ITERS, name
        assert m["cpu_s"] > 0 and m["gbps_per_core"] > 0, name
    for name in ("no_sensors", "full"):
        m = modes[name]
        assert sorted(m["shares"]) == sorted(STAGES)
        assert all(v >= 0 for v in m["shares"].values())
        assert sum(m["shares"].values()) == pytest.approx(1.0, abs=1e-6)
        assert m["events_dropped"] == 0 and m["exceptions"] == 0, name
        assert m["caps_hit"] == 0 and m["checksum_bad"] == 0, name
        if mix["flows"]:
            assert m["flows_created"] == mix["flows"] * ITERS, name
        assert m["flows_ended"] == m["flows_created"], name
        assert m["flow_events"] == m["flows_ended"], name
        assert "detections" not in modes["no_sensors"]
    assert modes["full"]["x_full"] == pytest.approx(1.0)


STAGES = ["parse", "flow", "reassembly", "app", "sensors", "verdict", "other"]


@pytest.fixture(scope="module")
def mixes(tmp_path_factory):
    doc, text = run_bench(tmp_path_factory.mktemp("bench"), "-m", "1", "-r", "2")
    assert "1 worker" in text and "2 workers" in text
    assert "one worker alone on CPU" in text
    return doc


def test_bench_json_shape(mixes):
    assert sorted(mixes["stages"]) == sorted(STAGES)
    assert mixes["iterations"] == ITERS
    assert mixes["cpus"] >= 1
    assert [m["mix"] for m in mixes["mixes"]] == ["standard", "decoders", "adversarial"]
    for mix in mixes["mixes"]:
        assert [r["workers"] for r in mix["runs"]] == WORKERS
        assert mix["frames"] > 0 and mix["flows"] > 0
        for base in ("raw_hyperscan", "finders"):
            assert mix["baselines"][base]["hits"] > 0
            assert mix["baselines"][base]["gbps_per_core"] > 0


def test_bench_scaling_is_the_ratio_of_its_runs(mixes):
    """The scaling rows are computed from the runs they stand next to and one worker alone
    on each of the n workers' lcores (the first of them is the 1-worker run): per core,
    the n workers' Gbit/s per core over the alone runs' bytes over their CPU time (the
    harmonic mean of their Gbit/s per core); total, the aggregate over the sum of the
    alone runs' Gbit/s."""
    assert mixes["rounds"] == 2
    for mix in mixes["mixes"]:
        runs = {r["workers"]: r["modes"] for r in mix["runs"]}
        rows = {(s["workers"], s["mode"]): s for s in mix["scaling"]}
        assert sorted(rows) == [(n, m) for n in WORKERS if n > 1
                                for m in ("full", "no_sensors")]
        for (n, mode), row in rows.items():
            one, many = runs[1][mode], runs[n][mode]
            alone, alone_core = row["alone_gbps"], row["alone_gbps_per_core"]
            assert len(alone) == n and len(alone_core) == n
            assert alone[0] == pytest.approx(one["gbps_total"], rel=1e-6)
            assert alone_core[0] == pytest.approx(one["gbps_per_core"], rel=1e-6)
            assert all(g > 0 for g in alone + alone_core)
            assert row["per_core"] == pytest.approx(
                many["gbps_per_core"] / (n / sum(1 / g for g in alone_core)), rel=1e-6)
            assert row["total"] == pytest.approx(many["gbps_total"] / sum(alone), rel=1e-6)
            assert row["cpu_per_thread"] == (mixes["cpus"] >= n + 1)


@pytest.mark.parametrize("name", ["standard", "decoders", "adversarial"])
def test_bench_invariants(mixes, name):
    mix = next(m for m in mixes["mixes"] if m["mix"] == name)
    for run in mix["runs"]:
        check_run(mix, run)


@pytest.mark.parametrize("name", ["standard", "decoders"])
def test_bench_finds_the_planted_values(mixes, name):
    mix = next(m for m in mixes["mixes"] if m["mix"] == name)
    planted = mix["planted"]
    assert set(EXACT + AT_LEAST) <= set(planted)
    assert all(planted[s] > 0 for s in EXACT + AT_LEAST)
    for run in mix["runs"]:
        det = run["modes"]["full"]["detections"]
        for s in EXACT:
            assert det.get(s, 0) == planted[s] * ITERS, (run["workers"], s)
        for s in AT_LEAST:
            assert det[s] >= planted[s] * ITERS, (run["workers"], s)
        assert run["modes"]["full"]["dlp_events"] > 0


CONTENTS = ["html", "json", "js", "base64"]


@pytest.fixture(scope="module")
def contents(tmp_path_factory):
    # one worker count is enough here (the later --workers wins)
    doc, text = run_bench(tmp_path_factory.mktemp("contents"), "-m", "1", "--workers", "1",
                          "--mix", ",".join(CONTENTS))
    for name in CONTENTS:
        assert "%s: the standard mix's " % name in text
    return doc


def test_bench_contents_each_alone(contents):
    """`--mix html,json,js,base64`: the standard mix's contents one at a time (what each
    costs), each a mix of its own with the same invariants, its values planted as in the
    standard mix and found the same way; and they are different traffic."""
    assert [m["mix"] for m in contents["mixes"]] == CONTENTS
    for mix in contents["mixes"]:
        for run in mix["runs"]:
            check_run(mix, run)
        planted = mix["planted"]
        assert all(planted.get(s, 0) > 0 for s in EXACT + AT_LEAST), (mix["mix"], planted)
        for run in mix["runs"]:
            det = run["modes"]["full"]["detections"]
            for s in EXACT:
                assert det.get(s, 0) == planted[s] * ITERS, (mix["mix"], run["workers"], s)
            for s in AT_LEAST:
                assert det[s] >= planted[s] * ITERS, (mix["mix"], run["workers"], s)
    hits = {m["mix"]: m["baselines"]["finders"]["hits"] for m in contents["mixes"]}
    assert len(set(hits.values())) == len(CONTENTS), hits
    # JSON bodies are the dense ones: ids, timestamps, prices
    assert hits["json"] > 10 * max(hits["html"], hits["js"]), hits


def test_bench_adversarial_plants_nothing(mixes):
    mix = next(m for m in mixes["mixes"] if m["mix"] == "adversarial")
    assert mix["planted"] == {}
    # Same traffic, same detections whatever the number of workers.
    a, b = (r["modes"]["full"]["detections"] for r in mix["runs"])
    assert a == b and a


def test_bench_pcap(tmp_path):
    """A capture replayed: each iteration is new connections (the client port rewritten)."""
    rng = random.Random(5)
    gens = []
    for i in range(3):
        s = tgpcap.TcpSession(rng, "10.0.0.%d" % (i + 1), 40000 + i, "10.9.0.1", 80,
                              tcp_ts=False, big_frac=1.0, tiny_frac=0.0)
        tgpcap.http_post(s, b"card " + CARD.encode() + b" end\n" + b"x" * 3000)
        gens.append(s)
    cap = tmp_path / "in.pcap"
    tgpcap.Capture(gens).write(cap)
    doc, text = run_bench(tmp_path, "--pcap", str(cap), "--first-cpu", "1")
    # Lcore l on CPU (1 + l) modulo the CPUs: the workers' lcores 1 and 2.
    n = os.cpu_count()
    assert "one worker alone on CPU %d, %d:" % (2 % n, 3 % n) in text
    (mix,) = doc["mixes"]
    assert mix["mix"] == "pcap" and mix["flows"] == 0
    for run in mix["runs"]:
        check_run(mix, run)
        full = run["modes"]["full"]
        assert full["flows_created"] == 3 * ITERS
        assert full["detections"] == {"credit_card": 3 * ITERS}


def test_bench_write_pcap_is_the_traffic_the_bench_runs(mixes, tmp_path):
    """`bench --write-pcap` (tools/bench-read's input) writes the frames of one iteration of
    the mix the bench runs: `tollgated --read` of it sees every frame and connection, ends
    every flow, and finds per sensor exactly the distinct values per flow direction that
    one of the bench's iterations found (its detections over the iterations), in as many
    dlp events with as many matches (the matches of the call that crosses a threshold are
    in its alert)."""
    cap = tmp_path / "standard.pcap"
    p = subprocess.run([bench(), "--mix", "standard", "-m", "1", "-f", "16",
                        "--write-pcap", str(cap)], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    mix = next(m for m in mixes["mixes"] if m["mix"] == "standard")
    assert "standard mix, %d connections, %d frames" % (mix["flows"], mix["frames"]) in p.stdout
    tollgated = os.environ.get("TOLLGATED") or str(Path(bench()).parent / "tollgated")
    events, stats = tmp_path / "eve.json", tmp_path / "stats.json"
    p = subprocess.run([tollgated, "--read", str(cap), "--state-dir", str(tmp_path / "state"),
                        "--events", str(events), "--stats-json", str(stats)],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    st = json.loads(stats.read_text())
    assert (st["packets"], st["flows_created"], st["flows_ended"]) == \
        (mix["frames"], mix["flows"], mix["flows"])
    seen = {}
    for line in events.read_text().splitlines():
        ev = json.loads(line)
        if "dlp" not in ev:     # dlp events, and the alerts of a threshold crossed
            continue
        for m in ev["dlp"]["matches"]:
            seen.setdefault(m["sensor"], set()).add((ev["flow_id"], ev["dlp"]["direction"],
                                                     m["hash"]))
    for run in mix["runs"]:
        full = run["modes"]["full"]
        assert {s: len(v) * ITERS for s, v in seen.items()} == full["detections"]
        assert (st["dlp_events"] * ITERS, st["dlp_matches"] * ITERS) == \
            (full["dlp_events"], full["dlp_event_matches"])


def test_bench_write_pcap_needs_one_mix(tmp_path):
    p = subprocess.run([bench(), "--write-pcap", str(tmp_path / "x.pcap")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "--write-pcap needs one --mix" in p.stderr
    assert not (tmp_path / "x.pcap").exists()
