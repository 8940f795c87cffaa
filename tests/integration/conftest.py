"""Fixtures for replaying generated captures through the real tollgated binary.

The binary is env TOLLGATED, else <repo>/build/tollgated. This suite runs after the build:
a missing binary is a test failure with a message, never a silent skip.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "pcap"))

import tgpcap  # noqa: E402

# Config that turns on midstream pickup (flows whose SYN is not in the capture). Keep the
# key names in step with config/tollgate.yaml.
MIDSTREAM_CONFIG = """\
reassembly:
  midstream: true
"""

# ---- running the layer several files at a time (pytest-xdist, tools/run-tests.sh) ----
#
# Each test file is one unit of work (its module fixtures are built once), handed out in
# collection order to whichever process is free. The slowest files go first so that none
# of them is left running alone at the end; their order is by the time each file took in
# a whole run of 2026-12-06 (--durations). test_offline_reassembly replays 43 captures 3 times each
# (a third of the layer's time): each capture is a unit of its own.
SLOW_FIRST = ("test_crash_safety.py", "test_floods.py", "test_capture.py",
              "test_tcp_evasion.py", "test_dlp.py", "test_bench.py",
              "test_daemon_runtime.py", "test_api_hostile.py", "test_defrag.py",
              "test_capture_auto.py", "test_api_daemon.py")
SPLIT_BY_CASE = ("test_offline_reassembly.py",)


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)    # stable: the order within a file is kept


def unit_of(nodeid):
    """The unit of work of a test: its file, or for SPLIT_BY_CASE its file and case (the
    first parameter: "case" of "case-w2")."""
    path, _, rest = nodeid.partition("::")
    if path.rsplit("/", 1)[-1] in SPLIT_BY_CASE and "[" in rest:
        return path + "::" + rest.split("[", 1)[1].rstrip("]").rsplit("-w", 1)[0]
    return path


@pytest.hookimpl(optionalhook=True)     # without pytest-xdist: one at a time, no hook
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByUnit(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return unit_of(nodeid)

    return ByUnit(config, log)


def require_tollgated():
    why = tgpcap.tollgated_missing_reason()
    if why:
        pytest.fail(why, pytrace=False)
    return tgpcap.tollgated_path()


def run_tollgated(args, timeout=120):
    """Run tollgated with args. Returns a tgpcap.RunResult that unpacks as
    (rc, stdout, stderr) and parses .events / .streams / .stats from the files named by
    --events / --dump-streams / --stats-json."""
    require_tollgated()
    return tgpcap.run_tollgated(args, timeout)


@pytest.fixture(scope="session")
def tollgated_bin():
    return require_tollgated()


@pytest.fixture(scope="session")
def build_case(tmp_path_factory):
    """build_case(name) -> tgpcap.BuiltCase; each case is generated once per session.
    The names "gap" and "overlap" give the special cases of tgpcap.build_special."""
    root = tmp_path_factory.mktemp("cases")
    cache = {}

    def build(name):
        if name not in cache:
            if name in ("gap", "overlap"):
                cache[name] = tgpcap.build_special(name, root / name)
            else:
                cache[name] = tgpcap.build_case(name, root / name)
        return cache[name]

    return build


@pytest.fixture(scope="session")
def replay(build_case, tmp_path_factory, tollgated_bin):
    """replay(name, workers) -> (BuiltCase, RunResult): the case run through tollgated
    with --dump-streams, --events and --stats-json; each (case, workers) runs once."""
    root = tmp_path_factory.mktemp("runs")
    cache = {}

    def run(name, workers=1, timeout=180):
        key = (name, workers)
        if key not in cache:
            bc = build_case(name)
            d = root / name / ("w%d" % workers)
            d.mkdir(parents=True)
            args = []
            for p in bc.pcaps:
                args += ["--read", p]
            if bc.midstream:
                cfg = d / "midstream.yaml"
                cfg.write_text(MIDSTREAM_CONFIG)
                args += ["--config", cfg]
            args += ["--events", d / "events.jsonl", "--dump-streams", d / "streams",
                     "--stats-json", d / "stats.json", "--workers", str(workers)]
            (d / "streams").mkdir()
            cache[key] = (bc, run_tollgated(args, timeout))
        return cache[key]

    return run
