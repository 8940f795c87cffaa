"""The REST API of the real daemon: /healthz, authentication, /v1/stats and /metrics
against the counters of an offline run kept up with --serve, and live mode on SIGTERM."""

import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"
ADMIN = "a" * 20 + "admin-token-01"
READ = "r" * 20 + "read-token-0001"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, token=None, method="GET", data=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


@pytest.fixture
def served(tmp_path):
    """tollgated --read SAMPLE --serve with a token file; yields (port, stats-json path)."""
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# test tokens\nadmin {ADMIN}\nread {READ}\n")
    tokens.chmod(0o600)
    port = free_port()
    st = tmp_path / "stats.json"
    p = subprocess.Popen([BIN, "--read", str(SAMPLE), "--serve", "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file", str(tokens), "--state-dir",
                          str(tmp_path / "state"), "--stats-json", str(st)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        assert p.poll() is None, p.communicate()
        try:
            if get(port, "/healthz")[0] == 200 and st.exists():
                break
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.1)
    else:
        p.kill()
        pytest.fail("tollgated --serve did not answer /healthz")
    yield port, st
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err


def test_healthz_needs_no_token(served):
    port, _ = served
    status, headers, body = get(port, "/healthz")
    assert status == 200 and json.loads(body) == {"status": "ok"}
    assert headers["Cache-Control"] == "no-store"


def test_missing_or_wrong_token_gets_401_problem(served):
    port, _ = served
    for token in (None, "x" * 32, READ[:-1] + "2"):
        status, headers, body = get(port, "/v1/stats", token)
        assert status == 401
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["WWW-Authenticate"].startswith("Bearer")
        problem = json.loads(body)
        assert problem["status"] == 401 and problem["title"]
        assert READ not in body.decode() and ADMIN not in body.decode()


def test_stats_match_the_runs_counters(served):
    port, st = served
    for token in (READ, ADMIN):
        status, headers, body = get(port, "/v1/stats", token)
        assert status == 200 and headers["Content-Type"].startswith("application/json")
        stats = json.loads(body)
        assert stats["offline"] is True and stats["workers"] == 1
        final = json.loads(st.read_text())
        for k, v in stats["counters"].items():
            assert final[k] == v, k
        assert stats["input"]["packets"] == 51


def test_metrics_are_prometheus_text_with_every_counter(served):
    port, st = served
    status, headers, body = get(port, "/metrics", READ)
    assert status == 200
    assert headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = body.decode()
    final = json.loads(st.read_text())
    samples = {}
    for line in text.splitlines():
        if line.startswith("#"):
            assert re.match(r"# (HELP|TYPE) tollgate_\w+ ", line), line
            continue
        m = re.fullmatch(r'(tollgate_\w+)(\{(?:\w+="[^"]*",?)+\})? ([0-9.]+)', line)
        assert m, line
        samples[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    assert samples["tollgate_packets_total"] == final["packets"] == 51
    assert samples["tollgate_flows_active"] == 0
    assert samples["tollgate_defrag_held"] == 0          # a gauge, like flows_active
    assert samples["tollgate_defrag_frags_too_many_total"] == final["defrag_frags_too_many"]
    assert samples["tollgate_dlp_matches_total"] == final["dlp_matches"]
    assert 'tollgate_parse_errors_by_reason_total{reason="ipv4_hlen"}' in samples


def test_unknown_route_and_wrong_method(served):
    port, _ = served
    status, _, body = get(port, "/v1/nope", ADMIN)
    assert status == 404 and json.loads(body)["status"] == 404
    status, headers, _ = get(port, "/v1/stats", ADMIN, method="DELETE")
    assert status == 405 and "GET" in headers["Allow"]


def test_bad_token_file_stops_start_with_named_error(tmp_path):
    tokens = tmp_path / "tokens"
    tokens.write_text(f"writer {ADMIN}\n")
    tokens.chmod(0o600)
    p = subprocess.run([BIN, "--read", str(SAMPLE), "--serve", "--api-listen",
                        f"127.0.0.1:{free_port()}", "--api-token-file", str(tokens),
                        "--state-dir", str(tmp_path / "state")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert f'{tokens}:1: unknown role "writer"' in p.stderr
    assert ADMIN not in p.stderr


def test_live_mode_serves_api_until_sigterm(tmp_path):
    cfg = tmp_path / "live.yaml"
    port = free_port()
    cfg.write_text(f"""
dataplane:
  ports:
    - name: replay0
      device: "net_pcap0,rx_pcap={SAMPLE}"
api:
  listen: 127.0.0.1:{port}
""")
    p = subprocess.Popen([BIN, "--config", str(cfg), "--state-dir", str(tmp_path / "s")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 30
        status = None
        while time.time() < deadline and status != 200:
            try:
                status = get(port, "/healthz")[0]
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert status == 200
        # No token file configured: everything but /healthz is refused.
        assert get(port, "/metrics")[0] == 401
    finally:
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    assert "no token file" in err


def test_every_documented_route_is_served_and_every_served_route_documented(served):
    """docs/api/openapi.yaml and the daemon agree: each spec path+method answers (not 404
    or 405), and the routes the daemon declares (control/control_api.c, plus /healthz)
    are exactly the spec's."""
    import yaml
    port, _ = served
    spec = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text())
    documented = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    for method, path in documented:
        # "{id}" stays literal: a handler may answer 404 for that name ("no rule named
        # ..."), which still proves the route is served; the router's own 404 says
        # "no resource at".
        status, _, body = get(port, path, ADMIN, method=method)
        assert status != 405, (method, path, status)
        if status == 404:
            detail = json.loads(body).get("detail", "")
            assert "{id}" in path and not detail.startswith("no resource at"), \
                (method, path, detail)
    src = (ROOT / "control" / "control_api.c").read_text()
    served_routes = set(re.findall(r'\{ "([A-Z]+)", "(/[^"]*)", API_ROLE_', src))
    served_routes.add(("GET", "/healthz"))
    assert served_routes == documented


def send(port, method, path, token, body):
    data = json.dumps(body).encode() if not isinstance(body, bytes) else body
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method, data=data,
                                 headers={"Authorization": f"Bearer {token}",
                                          "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_labels_put_get_patch_and_selectors(served):
    port, _ = served
    body = {"generation": 1, "entries": [
        {"ip": "10.1.2.3", "labels": {"app": "payments", "tier": "db"}},
        {"ip": "10.1.2.4", "labels": {"app": "web", "namespace": "shop"}},
        {"ip": "fd00::0:1", "labels": {"app": "payments", "tier": "cache"}}]}
    # offline: nothing is kept on disk (persisted false)
    assert send(port, "PUT", "/v1/labels", ADMIN, body) == \
        (200, {"generation": 1, "entries": 3, "persisted": False})
    status, _, raw = get(port, "/v1/labels", READ)
    got = json.loads(raw)
    assert status == 200 and got["generation"] == 1
    assert [e["ip"] for e in got["entries"]] == ["10.1.2.3", "10.1.2.4", "fd00::1"]
    assert all(e["source"] == "api" and e["updated"] > 0 for e in got["entries"])
    q = urllib.parse.quote("app=payments,tier in (db,cache)")
    status, _, raw = get(port, f"/v1/labels?labelSelector={q}", READ)
    assert [e["ip"] for e in json.loads(raw)["entries"]] == ["10.1.2.3", "fd00::1"]
    patch = {"generation": 2, "add": [{"ip": "10.1.2.5", "labels": {"app": "web"}}],
             "remove": ["10.1.2.3"]}
    assert send(port, "PATCH", "/v1/labels", ADMIN, patch) == \
        (200, {"generation": 2, "entries": 3, "persisted": False})
    status, _, raw = get(port, f"/v1/labels?labelSelector={urllib.parse.quote('app=web')}",
                         READ)
    assert [e["ip"] for e in json.loads(raw)["entries"]] == ["10.1.2.4", "10.1.2.5"]


def test_labels_errors_name_the_field_and_change_nothing(served):
    port, _ = served
    assert send(port, "PUT", "/v1/labels", ADMIN,
                {"generation": 5, "entries": [{"ip": "10.0.0.1", "labels": {}}]})[0] == 200
    cases = [
        ({"generation": 6, "entries": [{"ip": "10.0.0.300", "labels": {}}]}, 400,
         "/entries/0/ip"),
        ({"generation": 6, "entries": [{"ip": "10.0.0.2", "labels": {"app": "bad value!"}}]},
         400, "/entries/0/labels/app"),
        ({"generation": 6, "entries": [], "extra": 1}, 400, "/extra"),
        ({"generation": 5, "entries": []}, 409, "/generation"),
    ]
    for body, status, field in cases:
        code, problem = send(port, "PUT", "/v1/labels", ADMIN, body)
        assert (code, problem.get("field")) == (status, field), problem
        assert problem["status"] == status and problem["detail"]
    code, problem = send(port, "PATCH", "/v1/labels", ADMIN,
                         {"generation": 6, "remove": ["10.9.9.9"]})
    assert code == 409 and problem["field"] == "/remove/0"
    code, problem = send(port, "PUT", "/v1/labels", ADMIN, b"{not json")
    assert code == 400
    # A read token may not write.
    code, problem = send(port, "PUT", "/v1/labels", READ, {"generation": 9, "entries": []})
    assert code == 403
    status, _, raw = get(port, "/v1/labels", READ)
    assert json.loads(raw)["generation"] == 5
    assert [e["ip"] for e in json.loads(raw)["entries"]] == ["10.0.0.1"]
    status, _, raw = get(port, "/v1/labels?labelSelector=app%3D~x", READ)
    assert status == 400 and json.loads(raw)["field"] == "labelSelector"
