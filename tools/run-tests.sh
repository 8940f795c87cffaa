#!/usr/bin/env bash
# Run the whole suite: cmocka unit tests (normal build and an ASan/UBSan build), the libFuzzer
# targets for FUZZ_SECONDS (20) each (tools/fuzz-build, tools/fuzz-run), then the pytest
# integration tests against the ASan/UBSan daemon (build-asan/tollgated) and the end-to-end
# tests against build/tollgated (SANITIZE=1: against the ASan/UBSan daemon too). Ends with
# the line "N passed, N failed[, N skipped]" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=/usr/bin/python3
BUILD=${BUILD:-build}
ASAN=${ASAN_BUILD:-build-asan}
export CMOCKA_MESSAGE_OUTPUT=TAP
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0

echo "== unit tests ($BUILD)"
meson test -C "$BUILD" --suite unit --print-errorlogs >"$results/unit.log" 2>&1 || status=1
tail -n 15 "$results/unit.log"
cp "$BUILD/meson-logs/testlog.json" "$results/unit.json" 2>/dev/null || true

echo "== unit tests under AddressSanitizer + UndefinedBehaviorSanitizer ($ASAN)"
# -O2: the integration layer runs against this daemon, and at -O0 it was the slowest part
# of the suite. Warnings are not errors here (GCC's -O2 flow analysis through the
# sanitizers' instrumentation warns falsely); the release build keeps -Werror.
if [ ! -f "$ASAN/build.ninja" ]; then
	meson setup "$ASAN" -Db_sanitize=address,undefined -Db_lundef=false \
		-Dbuildtype=debugoptimized -Dwerror=false >"$results/asan-setup.log" 2>&1 ||
		{ cat "$results/asan-setup.log"; status=1; }
fi
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
if ninja -C "$ASAN" >"$results/asan-build.log" 2>&1; then
	meson test -C "$ASAN" --suite unit --print-errorlogs >"$results/asan.log" 2>&1 || status=1
	tail -n 15 "$results/asan.log"
	cp "$ASAN/meson-logs/testlog.json" "$results/asan.json" 2>/dev/null || true
else
	tail -n 30 "$results/asan-build.log"
	status=1
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# libFuzzer targets (tests/fuzz/): each runs for a bounded time and counts as one test;
# a target that fails to build is counted as failed by fuzz-run ("not built").
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
echo "== fuzzing (libFuzzer, $FUZZ_SECONDS s per target)"
BUILD_DIR=${FUZZ_BUILD:-build-fuzz} tools/fuzz-build >"$results/fuzz-build.log" 2>&1 ||
	{ tail -n 30 "$results/fuzz-build.log"; status=1; }
BUILD_DIR=${FUZZ_BUILD:-build-fuzz} FUZZ_RESULTS="$results/fuzz.tsv" \
	tools/fuzz-run "$FUZZ_SECONDS" || status=1

# The daemon's own layers run under the sanitizers too: the integration layer always runs
# against the ASan/UBSan daemon (LeakSanitizer at every exit: a leak changes the exit code
# a test checks); the end-to-end layer against the release-like build, or also under the
# sanitizers with SANITIZE=1 (make test SANITIZE=1).
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
E2E_BIN="$PWD/$BUILD/tollgated"
[ "${SANITIZE:-0}" = 1 ] && E2E_BIN="$PWD/$ASAN/tollgated"
# The integration and end-to-end tests spend most of their time starting daemons and
# waiting on them, so they run INTEGRATION_JOBS at a time (pytest-xdist; default: one more
# than the CPUs, at most 8), each test file on one process (its module fixtures built
# once; tests/integration/conftest.py hands out the slowest files first). Every test names
# its own namespaces, ports and files, so none sees another's.
jobs=${INTEGRATION_JOBS:-$(($(nproc) + 1))}
[ "$jobs" -le 8 ] || jobs=8
xdist=()
if [ "$jobs" -gt 1 ] && $PY -c 'import xdist' 2>/dev/null; then
	xdist=(-n "$jobs" --dist loadscope)
fi
echo "== integration tests (pytest, ${xdist[1]:-1} at a time," \
	"daemon built with ASan/UBSan: $ASAN/tollgated)"
TOLLGATED="$PWD/$ASAN/tollgated" TOLLGATED_RELEASE="$PWD/$BUILD/tollgated" \
	$PY -m pytest -q -rfEs -p no:cacheprovider "${xdist[@]}" \
	--junitxml="$results/pytest-integration.xml" tests/sensors tests/integration || status=1
echo "== end-to-end tests (pytest, ${xdist[1]:-1} at a time, $E2E_BIN)"
TOLLGATED="$E2E_BIN" $PY -m pytest -q -rfEs -p no:cacheprovider "${xdist[@]}" \
	--junitxml="$results/pytest-e2e.xml" tests/e2e || status=1
unset ASAN_OPTIONS UBSAN_OPTIONS

SUMMARY_FILE="$BUILD/test-summary.txt" $PY - "$results" "$status" <<'PYEOF'
import json, os, re, sys, xml.etree.ElementTree as ET
d, status = sys.argv[1], int(sys.argv[2])
passed = failed = skipped = 0
for name in ("unit.json", "asan.json"):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        continue
    for line in open(p):
        t = json.loads(line)
        out = t.get("stdout") or ""
        # TAP: "# SKIP" marks a skipped test (cmocka prints skips as "not ok N # SKIP").
        skip = len(re.findall(r"^(?:not )?ok \d+.*# SKIP", out, re.M))
        ok = len(re.findall(r"^ok \d+", out, re.M))
        bad = len(re.findall(r"^not ok \d+", out, re.M))
        ok -= len(re.findall(r"^ok \d+.*# SKIP", out, re.M))
        bad -= len(re.findall(r"^not ok \d+.*# SKIP", out, re.M))
        skipped += skip
        if ok + bad + skip == 0:
            # A binary that printed no TAP counts as one test by its exit status.
            ok, bad = (1, 0) if t.get("result") == "OK" else (0, 1)
        elif t.get("result") != "OK" and bad == 0:
            bad = 1
        passed += ok
        failed += bad
# tools/fuzz-run: one line per target, "fuzz_<target> TAB pass|fail TAB ...".
p = os.path.join(d, "fuzz.tsv")
if os.path.exists(p):
    for line in open(p):
        f = line.rstrip("\n").split("\t")
        if len(f) < 2:
            continue
        if f[1] == "pass":
            passed += 1
        else:
            failed += 1
elif status == 0:
    failed += 1
for name in ("pytest-integration.xml", "pytest-e2e.xml"):
    p = os.path.join(d, name)
    if not os.path.exists(p):
        failed += 1          # the layer did not run at all
        continue
    r = ET.parse(p).getroot()
    suites = [r] if r.tag == "testsuite" else list(r)
    for s in suites:
        n = int(s.get("tests", 0)); f = int(s.get("failures", 0)) + int(s.get("errors", 0))
        k = int(s.get("skipped", 0))
        passed += n - f - k; failed += f; skipped += k
if status != 0 and failed == 0:
    failed = 1
line = f"{passed} passed, {failed} failed"
if skipped:
    line += f", {skipped} skipped"
print(line)
open(os.environ.get("SUMMARY_FILE", "/dev/null"), "w").write(line + "\n")
sys.exit(1 if failed else 0)
PYEOF
