"""`meson install` makes an installable service: the daemon and label-sync in bin/, the
shipped configuration in /etc/tollgate (never over an existing one), the systemd unit, the
logrotate file, the docs and the tollgated(8) man page. The build under test (the one
holding env TOLLGATED, default build/) is installed into a DESTDIR and the tree checked
file by file. The unit passes `systemd-analyze verify` and rates below 5 in
`systemd-analyze security` (both run when systemd-analyze is on the machine)."""

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated")))
BUILD = BIN.parent
DOCS = ["README.md", "architecture.md", "performance.md", "cli.md", "configuration.md",
        "events.md", "operations.md", "outputs.md", "sensors.md", "testing.md"]


def options(target):
    out = subprocess.run(["meson", "introspect", "--buildoptions", str(target)],
                         capture_output=True, text=True, check=True, cwd="/").stdout
    return {o["name"]: o["value"] for o in json.loads(out)}


def under(root, path):
    return Path(str(root) + str(path))


def meson_install(destdir):
    p = subprocess.run(["meson", "install", "-C", str(BUILD), "--destdir", str(destdir),
                        "--no-rebuild"], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    if not (BUILD / "build.ninja").exists():
        pytest.fail(f"{BUILD} is not a meson build directory (set TOLLGATED to the "
                    "tollgated of one)", pytrace=False)
    o = options(BUILD)
    prefix = Path(o["prefix"])
    t = {
        "dest": tmp_path_factory.mktemp("destdir"),
        "bin": prefix / o["bindir"],
        "conf": prefix / o["sysconfdir"] / "tollgate",
        "logrotate": prefix / o["sysconfdir"] / "logrotate.d" / "tollgate",
        "unit": Path(o["systemdunitdir"] or prefix / "lib" / "systemd" / "system") /
        "tollgated.service",
        "man": prefix / o["mandir"] / "man8" / "tollgated.8",
        "doc": prefix / o["datadir"] / "doc" / "tollgate",
    }
    meson_install(t["dest"])
    return t


def test_the_default_configuration_directory_is_etc_tollgate():
    o = options(ROOT / "meson.build")
    assert (o["prefix"], o["sysconfdir"]) == ("/usr/local", "/etc")


def test_meson_install_puts_every_piece_in_place(tree):
    d = tree["dest"]
    daemon = under(d, tree["bin"] / "tollgated")
    sync = under(d, tree["bin"] / "tollgate-label-sync")
    conf = under(d, tree["conf"])
    files = {
        daemon, sync, conf / "tollgate.yaml", conf / "tollgate.yaml.dist",
        under(d, tree["logrotate"]), under(d, tree["unit"]), under(d, tree["man"]),
        under(d, tree["doc"] / "api" / "openapi.yaml"),
    } | {under(d, tree["doc"] / n) for n in DOCS}
    assert {p for p in d.rglob("*") if p.is_file()} == files
    for exe in (daemon, sync):
        assert exe.stat().st_mode & 0o777 == 0o755, exe
    assert daemon.read_bytes() == BIN.read_bytes()
    assert sync.read_bytes() == (ROOT / "tools" / "label-sync").read_bytes()
    shipped = (ROOT / "config" / "tollgate.yaml").read_bytes()
    assert (conf / "tollgate.yaml").read_bytes() == shipped
    assert (conf / "tollgate.yaml.dist").read_bytes() == shipped
    assert stat.S_IMODE((conf / "tollgate.yaml").stat().st_mode) == 0o640
    assert stat.S_IMODE((conf / "tollgate.yaml.dist").stat().st_mode) == 0o644
    assert stat.S_IMODE(conf.stat().st_mode) == 0o750
    assert under(d, tree["logrotate"]).read_bytes() == \
        (ROOT / "tools" / "logrotate.conf").read_bytes()
    assert under(d, tree["man"]).read_bytes() == (ROOT / "docs" / "tollgated.8").read_bytes()
    for n in DOCS:
        src = ROOT / n if n == "README.md" else ROOT / "docs" / n
        assert under(d, tree["doc"] / n).read_bytes() == src.read_bytes(), n
    # the installed programs run, and the installed configuration is valid
    v = subprocess.run([str(daemon), "-V"], capture_output=True, text=True, timeout=60)
    assert v.returncode == 0 and v.stdout.startswith("tollgated 0.1.0\n"), v
    c = subprocess.run([str(daemon), "-T", "-c", str(conf / "tollgate.yaml")],
                       capture_output=True, text=True, timeout=60)
    assert (c.returncode, c.stdout) == (
        0, f"{conf / 'tollgate.yaml'}: configuration is valid (0 groups, 0 rules, "
           "24 sensors)\n"), c.stderr
    h = subprocess.run([str(sync), "--help"], capture_output=True, text=True, timeout=60)
    assert h.returncode == 0 and "usage: label-sync" in h.stdout


def test_the_unit_names_the_installed_paths_and_matches_logrotate(tree):
    unit = under(tree["dest"], tree["unit"]).read_text()
    assert not re.search(r"@[A-Z]+@", unit), "a placeholder was left"
    conf = tree["conf"] / "tollgate.yaml"
    exe = tree["bin"] / "tollgated"
    assert f"ExecStartPre={exe} -T -c {conf}\n" in unit
    assert (f"ExecStart={exe} -c {conf} -l /var/log/tollgate \\\n"
            "\t--pidfile /run/tollgate/tollgated.pid --state-dir /var/lib/tollgate\n") in unit
    assert f"Documentation=man:tollgated(8) file://{tree['doc']}/operations.md\n" in unit
    # logrotate rotates what the unit writes and signals the pid the unit's daemon writes
    rot = (ROOT / "tools" / "logrotate.conf").read_text()
    assert "/var/log/tollgate/eve.json {" in rot and "/run/tollgate/tollgated.pid" in rot
    for d in ("LogsDirectory=tollgate", "StateDirectory=tollgate", "CacheDirectory=tollgate",
              "RuntimeDirectory=tollgate dpdk"):
        assert d + "\n" in unit
    # only the capabilities DPDK needs, each written out and explained
    assert "\nCapabilityBoundingSet=CAP_IPC_LOCK CAP_NET_RAW CAP_NET_ADMIN\n" in unit
    comments = " ".join(ln[1:].strip() for ln in unit.splitlines() if ln.startswith("#"))
    for cap, why in (("CAP_IPC_LOCK", "mlock"), ("CAP_NET_RAW", "raw packet sockets"),
                     ("CAP_NET_ADMIN", "promiscuous mode"), ("CAP_SYS_ADMIN", "pagemap")):
        assert re.search(rf"{cap}.{{0,80}}{why}", comments), cap


def test_reinstall_keeps_an_edited_configuration(tree):
    d = tree["dest"]
    conf = under(d, tree["conf"])
    edited = "# the operator's policy\npolicy:\n  mode: protect\n"
    (conf / "tollgate.yaml").write_text(edited)
    (conf / "tollgate.yaml.dist").write_text("stale")
    meson_install(d)
    assert (conf / "tollgate.yaml").read_text() == edited
    assert (conf / "tollgate.yaml.dist").read_bytes() == \
        (ROOT / "config" / "tollgate.yaml").read_bytes()


def test_the_man_page_renders_cleanly_and_lists_every_option(tree):
    page = under(tree["dest"], tree["man"])
    if shutil.which("groff") is None:
        pytest.fail("groff is missing (it renders man pages: Debian's groff-base)",
                    pytrace=False)
    r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", str(page)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    src = page.read_text().replace("\\-", "-")
    usage = subprocess.run([str(BIN), "-h"], capture_output=True, text=True).stdout
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+|-[a-zA-Z])\b", usage))
    assert len(opts) >= 25, opts
    missing = sorted(o for o in opts if not re.search(rf"\.B[IR]? .*?{re.escape(o)}\b|"
                                                      rf"^\.TP\n.*{re.escape(o)}", src, re.M))
    assert not missing, missing


def _mapped_unit(tree, tmp_path):
    """The installed unit with its /usr/local paths moved into the DESTDIR, so that
    systemd-analyze finds the programs it names."""
    unit = under(tree["dest"], tree["unit"]).read_text()
    for key in ("bin", "doc"):
        unit = unit.replace(str(tree[key]), str(under(tree["dest"], tree[key])))
    out = tmp_path / "tollgated.service"
    out.write_text(unit)
    return out


def need_systemd_analyze():
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")


def test_the_unit_passes_systemd_analyze_verify(tree, tmp_path):
    need_systemd_analyze()
    unit = _mapped_unit(tree, tmp_path)
    env = dict(os.environ, MANPATH=str(under(tree["dest"], tree["man"].parents[1])))
    r = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    # and it can fail: a program that is not there
    bad = tmp_path / "bad" / "tollgated.service"
    bad.parent.mkdir()
    bad.write_text(unit.read_text().replace(str(under(tree["dest"], tree["bin"])),
                                            "/nonexistent"))
    r = subprocess.run(["systemd-analyze", "verify", str(bad)], capture_output=True,
                       text=True, env=env, timeout=120)
    assert r.returncode != 0 and "/nonexistent/tollgated is not executable" in r.stderr


def test_the_unit_rates_below_5_in_systemd_analyze_security(tree, tmp_path):
    need_systemd_analyze()
    unit = _mapped_unit(tree, tmp_path)
    r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=49",
                        str(unit)], capture_output=True, text=True, timeout=120)
    out = r.stdout + r.stderr
    m = re.search(r"Overall exposure level for tollgated.service: (\d+\.\d)", out)
    assert m, out
    assert float(m.group(1)) < 5.0 and r.returncode == 0, out
