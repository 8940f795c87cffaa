"""docs/api/openapi.yaml passes Redocly's strict recommended rules (@redocly/cli from the
npm registry, pinned in tools/openapi-lint/package-lock.json), and the linter does fail
on a broken description."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = ROOT / "tools" / "openapi-lint"
SPEC = ROOT / "docs" / "api" / "openapi.yaml"


@pytest.fixture(scope="module")
def redocly():
    if shutil.which("npm") is None:
        pytest.fail("npm not found: tools/install-deps.sh installs nodejs and npm")
    binary = LINT / "node_modules" / ".bin" / "redocly"
    log = ""
    for _ in range(3):                      # the registry can fail a download now and then
        if binary.exists():
            break
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=LINT,
                           capture_output=True, text=True, timeout=600)
        log += p.stdout + p.stderr
    assert binary.exists(), "npm ci failed three times:\n" + log
    return binary


def lint(redocly, spec):
    return subprocess.run([str(redocly), "lint", "--config", "redocly.yaml", str(spec)],
                          cwd=LINT, capture_output=True, text=True, timeout=300)


def test_openapi_spec_passes_strict_lint(redocly):
    p = lint(redocly, Path("../../docs/api/openapi.yaml"))
    assert p.returncode == 0, p.stdout + p.stderr


def test_lint_fails_on_a_broken_spec(redocly, tmp_path):
    broken = tmp_path / "openapi.yaml"
    broken.write_text(SPEC.read_text().replace("operationId: getStats\n", "", 1)
                      .replace("      responses:\n        '200':\n          description: Counters.",
                               "      responsez: {}\n        x:\n          description: Counters.", 1))
    p = lint(redocly, broken)
    assert p.returncode != 0
