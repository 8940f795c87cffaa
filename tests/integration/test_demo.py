"""`make demo`'s main job (tools/demo.sh) runs and shows what it found in the sample."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_demo_reports_flows_and_redacted_personal_data():
    env = dict(os.environ)
    env.setdefault("TOLLGATED", str(ROOT / "build" / "tollgated"))
    p = subprocess.run(["bash", str(ROOT / "tools" / "demo.sh")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "5 created, 5 ended" in out
    assert "[fd00:20::11]:44000" in out
    for line in ("credit_card        ************1111",
                 "iban               ******************3000",
                 "iban               ******************5432"):
        assert line in out, line
    # The raw values of the sample never appear.
    for raw in ("4111 1111 1111 1111", "DE89370400440532013000", "GB82WEST12345698765432",
                "erika.mustermann@example.com"):
        assert raw not in out and raw not in p.stderr
