"""tools/mutants --check over the real list (every mutant still applies to the tree once and
names tests that exist), and over small lists made here that are stale in each way, so
the check is known to fail when it should, naming the mutant and the problem."""
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
MUTANTS = REPO / "tools" / "mutants"
# The unit tests are listed from the release-like build (TOLLGATED_RELEASE's folder).
BUILD = pathlib.Path(os.environ.get("TOLLGATED_RELEASE",
                                    REPO / "build" / "tollgated")).parent.name


def check(listfile=None):
    cmd = [sys.executable, str(MUTANTS), "--check"]
    if listfile is not None:
        cmd += ["--list", str(listfile)]
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                          env=dict(os.environ, BUILD=BUILD), timeout=300)


def test_every_mutant_of_the_list_applies():
    p = check()
    assert p.returncode == 0, p.stdout + p.stderr
    assert ", 0 problem(s)" in p.stdout
    assert "not checked" not in p.stdout


def test_a_stale_mutant_fails_the_check(tmp_path):
    lst = tmp_path / "mutants.list"
    lst.write_text(
        "name:    moved-line\n"
        "why:     the line is no longer there\n"
        "file:    sensors/validators_common.c\n"
        "find:    return sum % 10 == 7; /* nowhere */\n"
        "replace: return 0;\n"
        "tests:   unit:validators\n"
        "\n"
        "name:    gone-test\n"
        "why:     its unit test was renamed\n"
        "file:    sensors/validators_common.c\n"
        "find:    return sum % 10 == 0;\n"
        "replace: return sum % 10 == 1;\n"
        "tests:   unit:no_such_unit py:tests/integration/test_no_such_file.py\n"
        "\n"
        "name:    gone-file\n"
        "why:     its file moved\n"
        "file:    sensors/no_such_file.c\n"
        "find:    x\n"
        "replace: y\n"
        "tests:   unit:validators\n")
    p = check(lst)
    assert p.returncode == 1, p.stdout + p.stderr
    out = p.stdout
    assert "moved-line: `find` occurs 0 times in sensors/validators_common.c" in out
    assert "gone-test: no unit test 'no_such_unit'" in out
    assert "gone-test: no test file tests/integration/test_no_such_file.py" in out
    assert "gone-file: no file sensors/no_such_file.c" in out
    assert "mutants: 3 checked, 4 problem(s)" in out
