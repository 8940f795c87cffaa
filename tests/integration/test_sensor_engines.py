"""The two sensor engines agree on the detection corpus (docs/sensors.md "Engines").

Every decoded buffer of the generated corpus (tests/pcap/corpus.py: each built-in sensor
in every written form and encoding, hard negatives, the precision probes), for seed 1 and
the daily seed of test_corpus.py, and bench-sensors' standard and adversarial mixes go
through tests/tools/sensor_diff: one HYPERSCAN worker (every pattern in one Hyperscan
stream database) and one PREFILTER worker (the prefilter's windows and DFAs for the
class-led patterns), under several plans of cuts, gaps and commits each. The matches
(sensor, offset, confidence, keyed value hash, in order) and every counter must be equal.

The tool is $SENSOR_DIFF or <repo>/build/tests/sensor_diff. Last, the real daemon over the
corpus capture with `dlp.engine: prefilter` and with `dlp.engine: hyperscan` writes the same
dlp events (value hashes aside: each run has its own hash key) and sensor counters.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "pcap"))

import appcap as A  # noqa: E402
import corpus as C  # noqa: E402
from test_corpus import SEEDS  # noqa: E402


def tool():
    path = os.environ.get("SENSOR_DIFF") or str(REPO / "build" / "tests" / "sensor_diff")
    if not os.access(path, os.X_OK):
        pytest.fail("sensor_diff not found at %s: build it (ninja -C build "
                    "tests/sensor_diff) or set SENSOR_DIFF" % path, pytrace=False)
    return path


def run(args):
    proc = subprocess.run([tool()] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          check=False, timeout=600)
    out, err = proc.stdout.decode(), proc.stderr.decode(errors="replace")
    assert proc.returncode == 0, "engines differ:\n" + err + out[-2000:]
    return out


def matches(out):
    """Total matches the tool reports over its inputs ("NAME: N plans, M matches")."""
    total = 0
    for line in out.splitlines():
        if line.endswith(" matches"):
            total += int(line.rsplit(" ", 2)[1])
    return total


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: "seed%d" % s)
def test_engines_agree_on_every_corpus_buffer(tmp_path, seed):
    c = C.build(seed)
    files = []
    for i, (key, text) in enumerate(sorted(c.buffers.items())):
        p = tmp_path / ("%04d.txt" % i)
        p.write_bytes(text.encode("utf-8"))
        files.append(str(p))
    planted = len(c.values)
    assert len(files) > 100 and planted > 1000, (len(files), planted)
    out = run(["--plans", "4", "--seed", str(seed)] + files)
    assert out.count(" plans, ") == len(files), out[-500:]
    # Four plans over buffers holding every planted value: plenty of matches to agree on
    # (plans with gaps lose some).
    assert matches(out) >= 2 * planted, (matches(out), planted)


@pytest.mark.parametrize("kind,size", [("standard", 3 << 20), ("adversarial", 1 << 20)])
def test_engines_agree_on_bench_mixes(kind, size):
    out = run(["--plans", "5", "--seed", "11", "--mix", kind, str(size)])
    assert out.startswith("mix %s: 5 plans, " % kind), out
    if kind == "standard":
        # About one value per 16 KiB, five plans.
        assert matches(out) >= 5 * (size // 16384) * 0.8, out


# The sensor counters both engines keep alike (stream memory differs: Hyperscan's state).
SAME_COUNTERS = ("sensor_bytes_scanned", "sensor_candidates", "sensor_boundary_rejected",
                 "sensor_validator_rejected", "sensor_context_missing",
                 "sensor_overlap_suppressed", "sensor_candidates_dropped", "sensor_scan_errors")


def counters(stats):
    """Every counter named in SAME_COUNTERS, wherever the stats JSON nests it."""
    found = {}

    def walk(x):
        if isinstance(x, dict):
            for k, v in x.items():
                if k in SAME_COUNTERS and isinstance(v, int):
                    found[k] = found.get(k, 0) + v
                else:
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(stats)
    return found


def total(stats, name):
    """The sum of every counter called name, wherever the stats JSON nests it."""
    if isinstance(stats, dict):
        return sum(v if k == name and isinstance(v, int) else total(v, name)
                   for k, v in stats.items())
    if isinstance(stats, list):
        return sum(total(v, name) for v in stats)
    return 0


def without_hashes(events):
    out = []
    for e in A.dlp_events(events):
        e = json.loads(json.dumps(e))
        for m in e["dlp"]["matches"]:
            m.pop("hash", None)
        out.append(e)
    return out


def test_daemon_engines_write_the_same_dlp_events(tmp_path):
    c = C.build(1)
    pcap, _ = C.write(c, tmp_path / "corpus")
    runs = {}
    for engine in ("prefilter", "hyperscan"):
        # A cache of its own (cache_dir), to see what each engine compiled.
        runs[engine] = A.run_daemon(tmp_path, pcap, name=engine,
                                    config="cache_dir: %s\ndlp:\n  engine: %s\n" % (
                                        tmp_path / ("cache-" + engine), engine))
    # The switch took: the hyperscan engine compiled (and cached) its single database too.
    cached = {e: sorted(p.name for p in (tmp_path / ("cache-" + e)).glob("sensors-*.hsdb"))
              for e in runs}
    assert len(cached["prefilter"]) == 2, cached
    assert len(cached["hyperscan"]) == 3 and set(cached["prefilter"]) < set(
        cached["hyperscan"]), cached
    a, b = (without_hashes(runs[e].events) for e in ("prefilter", "hyperscan"))
    assert len(a) > 400, len(a)
    assert a == b, next("event %d: %s != %s" % (i, x, y)
                        for i, (x, y) in enumerate(zip(a + [None], b + [None])) if x != y)
    ca, cb = (counters(runs[e].stats) for e in ("prefilter", "hyperscan"))
    assert set(ca) == set(SAME_COUNTERS), ca
    assert ca == cb
    assert ca["sensor_candidates"] > 1000 and ca["sensor_scan_errors"] == 0, ca
    # The corpus's JWTs and private keys: the prefilter engine's gate stopped Hyperscan
    # and restarted it at their literals; the hyperscan engine has no gate.
    restarts = {e: total(runs[e].stats, "sensor_gate_restarts") for e in runs}
    assert restarts["prefilter"] > 0 and restarts["hyperscan"] == 0, restarts
