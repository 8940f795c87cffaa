"""Dependencies run one way (docs/architecture.md "Layers"): tools/check-layers over the real
tree and build, and over small trees made here that break each rule once, so the check is
known to fail when it should, with a message naming the file, the include or symbol and the
rule."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
CHECK = REPO / "tools" / "check-layers"
BUILD = pathlib.Path(os.environ.get("TOLLGATED", REPO / "build" / "tollgated")).parent

TABLE = """# Architecture

<!-- layers -->
| layer | folder | owns | may use |
|---|---|---|---|
| 1 | `config/` | x | libc |
| 2 | `sensors/` | x | config/ |
| 3 | `dataplane/` | x | config/, sensors/ |
| 3 | `pcap/` | x | config/, sensors/ |
| 4 | `control/` | x | every layer |
<!-- /layers -->
"""


def run_check(src, build=None):
    cmd = [sys.executable, str(CHECK), "--src", str(src)]
    if build is not None:
        cmd += ["--build", str(build)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def make_tree(tmp_path, files):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.md").write_text(TABLE)
    for rel, text in files.items():
        p = tmp_path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def build_objects(tree, sources):
    """Compile sources (paths relative to tree) into tree/build with a compile database."""
    build = tree / "build"
    build.mkdir()
    db = []
    for rel in sources:
        out = rel.replace("/", "_") + ".o"
        incs = [f"-I{tree / d}" for d in ("config", "sensors", "dataplane", "control")]
        subprocess.run(["cc", "-c", "-o", str(build / out), *incs, str(tree / rel)],
                       check=True)
        db.append({"directory": str(build), "file": str(tree / rel), "output": out,
                   "command": "cc"})
    (build / "compile_commands.json").write_text(json.dumps(db))
    return build


def test_tree_follows_the_layers():
    assert (BUILD / "compile_commands.json").exists(), f"no build in {BUILD}"
    rc, out = run_check(REPO, BUILD)
    assert rc == 0, out
    last = out.strip().splitlines()[-1]
    assert last.endswith(": 0 violations"), out
    assert "layers config/ < sensors/ < dataplane/ < pcap/ < control/" in last


def test_layer_order_is_read_from_the_architecture_page():
    text = (REPO / "docs" / "architecture.md").read_text()
    assert "<!-- layers -->" in text and "<!-- /layers -->" in text
    assert "config/" not in CHECK.read_text().split("def read_layers")[1].split("def ")[0]


def test_upward_include_names_file_include_and_rule(tmp_path):
    tree = make_tree(tmp_path, {
        "config/conf.h": '#include "flows.h"\n',
        "dataplane/flows.h": "struct flow { int a; };\n",
    })
    rc, out = run_check(tree)
    assert rc == 1
    assert ('config/conf.h:1: includes "flows.h" (dataplane/flows.h, layer 3 dataplane/) '
            'from layer 1 config/ (rule layer: a file uses only its own and lower layers)'
            ) in out, out
    assert out.strip().endswith(": 1 violation")


def test_same_and_lower_layers_pass(tmp_path):
    tree = make_tree(tmp_path, {
        "config/conf_types.h": "struct conf { int a; };\n",
        "sensors/eng.h": '#include "conf_types.h"\n',
        "dataplane/flows.h": '#include "eng.h"\n#include "conf_types.h"\n#include <stdio.h>\n',
        "control/main.c": '#include "flows.h"\n#include "eng.h"\n',
    })
    rc, out = run_check(tree)
    assert rc == 0, out


def test_two_files_including_each_other_is_a_cycle(tmp_path):
    tree = make_tree(tmp_path, {
        "control/a.h": "int a(void);\n",
        "control/a.c": '#include "a.h"\n#include "b.h"\n',
        "control/b.h": "int b(void);\n",
        "control/b.c": '#include "b.h"\n#include "a.h"\n',
    })
    rc, out = run_check(tree)
    assert rc == 1
    assert ('include cycle control/a -> control/b -> control/a: control/a.c:2 includes "b.h"; '
            'control/b.c:2 includes "a.h" (rule cycle: no two files include each other; '
            'share a *_types.h)') in out, out


def test_types_header_includes_only_types_headers(tmp_path):
    tree = make_tree(tmp_path, {
        "sensors/eng_types.h": '#include "val.h"\n#include "val_types.h"\n',
        "sensors/val.h": "int val(void);\n",
        "sensors/val_types.h": "enum v { V };\n",
    })
    rc, out = run_check(tree)
    assert rc == 1
    assert ('sensors/eng_types.h:1: includes "val.h" (sensors/val.h), not a *_types.h header '
            '(rule types: a types header includes only other types headers)') in out, out
    assert "eng_types.h:2" not in out


def test_call_cycle_through_a_shared_private_header(tmp_path):
    # Neither file includes the other's header: only the symbols show the loop.
    tree = make_tree(tmp_path, {
        "config/conf_priv.h": "int conf_a(void);\nint conf_b(void);\n",
        "config/conf.c": '#include "conf_priv.h"\nint conf_a(void) { return conf_b(); }\n',
        "config/conf_dlp.c": '#include "conf_priv.h"\nint conf_b(void) { return 1; }\n'
                             'int conf_c(void) { return conf_a(); }\n',
    })
    build = build_objects(tree, ["config/conf.c", "config/conf_dlp.c"])
    rc, out = run_check(tree)
    assert rc == 0, out
    rc, out = run_check(tree, build)
    assert rc == 1
    assert ("call cycle config/conf.c -> config/conf_dlp.c -> config/conf.c: config/conf.c "
            "uses conf_b() of config/conf_dlp.c; config/conf_dlp.c uses conf_a() of "
            "config/conf.c (rule cycle: dependencies between files run one way)") in out, out


def test_forward_declaration_does_not_hide_an_upward_call(tmp_path):
    tree = make_tree(tmp_path, {
        "sensors/dlp.c": "int snapshot_bind(void);\nint dlp(void) { return snapshot_bind(); }\n",
        "control/snapshot.c": "int snapshot_bind(void) { return 2; }\n",
    })
    build = build_objects(tree, ["sensors/dlp.c", "control/snapshot.c"])
    rc, out = run_check(tree, build)
    assert rc == 1
    assert ("sensors/dlp.c: uses snapshot_bind() of control/snapshot.c (layer 4 control/) "
            "from layer 2 sensors/ (rule layer: a file uses only its own and lower layers)"
            ) in out, out


def test_a_source_missing_from_the_build_is_reported(tmp_path):
    tree = make_tree(tmp_path, {
        "config/a.c": "int a(void) { return 1; }\n",
        "config/b.c": "int b(void) { return 1; }\n",
    })
    build = build_objects(tree, ["config/a.c"])
    rc, out = run_check(tree, build)
    assert rc == 1
    assert "config/b.c: not compiled in" in out, out


@pytest.mark.parametrize("table", ["", "<!-- layers -->\nno rows\n<!-- /layers -->\n"])
def test_missing_layer_table_is_an_error(tmp_path, table):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "architecture.md").write_text("# Architecture\n" + table)
    rc, out = run_check(tmp_path)
    assert rc not in (0, 1)
    assert "architecture.md" in out and "table" in out, out
