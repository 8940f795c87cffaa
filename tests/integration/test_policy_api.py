"""The policy resources of the REST API against the real daemon (control/control_policy_api.h):
/v1/policy, /v1/groups, /v1/rules, /v1/sensors, /v1/mode, /v1/learned, /v1/labels/groups
and /v1/flows, with their error paths, ETag/If-Match, dry runs, the write-back of the
policy into the config file and a restart on that file.

One daemon serves the whole module (tollgated --read demo.pcap --serve --config FILE); an
autouse fixture puts the base policy back before each test. Every refused request is
followed by a check that the daemon still answers and that nothing changed: the policy
(body and ETag), the sensor list and the config file on disk, byte for byte.
"""

import http.client
import json
import os
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
import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("TOLLGATED", str(ROOT / "build" / "tollgated"))
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"
ADMIN = "a" * 20 + "admin-token-01"
READ = "r" * 20 + "read-token-0001"
MAX_BODY = 8 * 1024

CONFIG_HEAD = """\
# Tollgate test configuration. Every byte outside policy: must survive the API's writes.
api:
  # small bodies, so that a 413 is cheap to provoke
  max_body: 8KiB   # trailing comment
dlp:
  # custom classes: written back by /v1/sensors
  custom: []

# ---- the policy: rewritten by the API ----
"""
CONFIG_POLICY = """\
policy:
  # started in discover mode so that the capture fills /v1/learned
  mode: discover
  default_action: allow
  groups:
    - name: clients
      cidrs: [10.20.0.0/16]
  rules: []
"""
CONFIG_TAIL = """\

# After the policy: kept byte for byte too ("quotes", policy: in a comment, ünïcode).
reassembly:
  midstream: true   # the default, spelled out
"""

BASE = {
    "mode": "monitor",
    "default_action": "allow",
    "groups": [
        {"name": "clients", "cidrs": ["10.20.0.0/16"]},
        {"name": "servers", "cidrs": ["198.51.100.0/24"]},
    ],
    "rules": [
        {"id": "r1", "from": "clients", "to": "servers", "action": "allow"},
        {"id": "r2", "from": "clients", "to": "external", "protocol": "tcp", "ports": [443],
         "action": "deny"},
    ],
}

ANY = object()          # expect_problem: do not check the field
SEEN = []               # (method, path, Resp) of every request: checked against the spec


# ---- the expected export form (control/policy_json_export.c) ----

def export_group(g):
    return {"name": g["name"], "cidrs": list(g.get("cidrs", [])),
            "ranges": list(g.get("ranges", [])), "fqdns": list(g.get("fqdns", [])),
            "selector": g.get("selector"), "mode": g.get("mode", "inherit")}


def export_rule(r):
    return {"id": r["id"], "from": r["from"], "to": r["to"],
            "protocol": r.get("protocol", "any"),
            "ports": [str(p) for p in r.get("ports", [])],
            "app": r.get("app", "any"), "action": r["action"],
            "require_tls": r.get("require_tls", False),
            "capture": r.get("capture"),
            "dlp": [{"sensor": b["sensor"], "action": b["action"],
                     "threshold": b.get("threshold", 1), "capture": b.get("capture")}
                    for b in r.get("dlp", [])],
            "comment": r.get("comment", "")}


def export(p):
    p = p or {}
    return {"mode": p.get("mode", "monitor"), "default_action": p.get("default_action", "allow"),
            "groups": [export_group(g) for g in p.get("groups") or []],
            "rules": [export_rule(r) for r in p.get("rules") or []]}


def export_custom(s):
    return {"name": s["name"], "category": s.get("category", "custom"),
            "patterns": s["patterns"], "validator": s.get("validator", "none"),
            "keywords": s.get("keywords", []), "window": s.get("window", 0),
            "threshold": s.get("threshold", 0), "severity": s.get("severity", "medium"),
            "context_required": s.get("context_required", False)}


def rule(rid, **kw):
    r = {"id": rid, "from": "clients", "to": "servers", "action": "allow"}
    r.update(kw)
    return r


PATIENT = {"name": "patient_id", "category": "health", "patterns": ["PAT-[0-9]{8}"],
           "keywords": ["patient", "mrn"], "severity": "high"}


# ---- HTTP ----

class Resp:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(port, method, path, body=None, token=ADMIN, headers=None):
    hdrs = {}
    data = None
    if isinstance(body, bytes):
        data = body
    elif isinstance(body, str):
        data = body.encode()
    elif body is not None:
        data = json.dumps(body).encode()
        hdrs["Content-Type"] = "application/json"
    if data is not None and "Content-Type" not in hdrs:
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    if token:
        hdrs["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                 headers=hdrs)
    try:
        with urllib.request.urlopen(req, timeout=20) as r:
            resp = Resp(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        resp = Resp(e.code, e.headers, e.read())
    SEEN.append((method, path, resp))
    return resp


class Daemon:
    def __init__(self, d):
        self.dir = d
        self.config = d / "tollgate.yaml"
        self.tokens = d / "tokens"
        self.tokens.write_text(f"# test tokens\nadmin {ADMIN}\nread {READ}\n")
        self.tokens.chmod(0o600)
        self.config.write_text(CONFIG_HEAD + CONFIG_POLICY + CONFIG_TAIL)
        self.proc = None
        self.port = None
        self.starts = 0

    def start(self):
        self.starts += 1
        self.port = free_port()
        stats = self.dir / f"stats-{self.starts}.json"
        self.stderr = self.dir / f"stderr-{self.starts}.log"
        with open(self.stderr, "w") as err:
            self.proc = subprocess.Popen(
                [BIN, "--read", str(SAMPLE), "--serve", "--config", str(self.config),
                 "--api-listen", f"127.0.0.1:{self.port}", "--api-token-file", str(self.tokens),
                 "--state-dir", str(self.dir / "state"), "--stats-json", str(stats)],
                stdout=subprocess.DEVNULL, stderr=err)
        deadline = time.time() + 30
        while time.time() < deadline:
            assert self.proc.poll() is None, self.stderr.read_text()
            try:
                if self.call("GET", "/healthz", token=None).status == 200 and stats.exists():
                    return
            except (urllib.error.URLError, ConnectionError):
                pass
            time.sleep(0.05)
        self.proc.kill()
        pytest.fail("tollgated --serve did not answer /healthz:\n" + self.stderr.read_text())

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=30)
        assert rc == 0, self.stderr.read_text()

    def call(self, method, path, body=None, token=ADMIN, headers=None):
        return request(self.port, method, path, body, token, headers)

    def ok(self, method, path, body=None, status=200, **kw):
        r = self.call(method, path, body, **kw)
        assert r.status == status, (method, path, r)
        return r

    def state(self):
        """What no refused request may change."""
        p = self.call("GET", "/v1/policy", token=READ)
        s = self.call("GET", "/v1/sensors", token=READ)
        assert p.status == 200 and s.status == 200
        return {"policy": p.body, "etag": p.headers["ETag"], "sensors": s.body,
                "file": self.config.read_bytes()}

    def assert_alive(self):
        assert self.proc.poll() is None, self.stderr.read_text()
        assert self.call("GET", "/healthz", token=None).status == 200

    def etag(self):
        return self.call("GET", "/v1/policy", token=READ).headers["ETag"]

    def rule_ids(self):
        return [r["id"] for r in self.ok("GET", "/v1/rules", token=READ).json()["rules"]]

    def problem(self, method, path, body=None, status=400, field=ANY, token=ADMIN,
                headers=None, title=None):
        """Send a request that must be refused with status; nothing may change."""
        before = self.state()
        r = self.call(method, path, body, token, headers)
        assert r.status == status, (method, path, body, r)
        assert r.headers["Content-Type"] == "application/problem+json", r.headers
        p = r.json()
        assert p["status"] == status and p["title"] and p["type"], p
        if status not in (401, 403, 404, 412, 413):
            assert p["detail"], p
        if field is not ANY:
            assert p.get("field") == field, (method, path, body, p)
        if title is not None:
            assert p["title"] == title, p
        self.assert_alive()
        after = self.state()
        assert after == before, f"{method} {path} refused with {status} changed the state"
        return p


def config_parts(text):
    """(before "policy:", the policy section, after it) of the config file's text."""
    head, sep, rest = text.partition("\npolicy:\n")
    assert sep, text
    m = re.search(r"^(?=\S)", rest, re.M)       # the first line at column 0 after policy:
    cut = m.start() if m else len(rest)
    # blank lines and column-0 comments before the next key belong to what follows
    block = rest[:cut]
    tail = rest[cut:]
    trim = re.search(r"(\n[ \t]*)*$", block)
    return head + "\n", "policy:\n" + block[:trim.start()], block[trim.start():] + tail


# ---- fixtures ----

@pytest.fixture(scope="module")
def d(tmp_path_factory):
    daemon = Daemon(tmp_path_factory.mktemp("policy-api"))
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture(autouse=True)
def reset(d):
    """The base policy and no custom sensor, before each test."""
    d.assert_alive()
    d.ok("PUT", "/v1/policy", BASE)
    for s in d.ok("GET", "/v1/sensors").json()["custom"]:
        d.ok("DELETE", f"/v1/sensors/{s['name']}", status=204)
    yield


# ---- /v1/learned (first: the capture ran in discover mode) ----

def test_learned_lists_candidate_rules_and_delete_clears(d):
    got = d.ok("GET", "/v1/learned", token=READ).json()
    assert set(got) == {"rules", "observations", "dropped"} and got["dropped"] == 0
    assert got["rules"], "the capture ran in discover mode: something must be learned"
    assert [r["id"] for r in got["rules"]] == [o["id"] for o in got["observations"]]
    for r, o in zip(got["rules"], got["observations"]):
        assert r["id"].startswith("learned-") and r["action"] == "allow"
        assert r == export_rule(r), r
        assert o["flows"] >= 1 and o["first_seen"] <= o["last_seen"]
    assert {(r["from"], r["protocol"], r["ports"][0], r["app"]) for r in got["rules"]} >= {
        ("clients", "tcp", "80", "http"), ("clients", "tcp", "25", "smtp")}
    # A learned rule is a valid rule as it is.
    cand = next(r for r in got["rules"] if r["from"] == "clients" and r["app"] == "http")
    created = d.ok("POST", "/v1/rules", cand, status=201).json()
    assert created == cand
    # Clearing is for admins.
    d.problem("DELETE", "/v1/learned", token=READ, status=403)
    assert d.ok("GET", "/v1/learned", token=READ).json() == got
    r = d.ok("DELETE", "/v1/learned", status=204)
    assert r.body == b""
    assert d.ok("GET", "/v1/learned").json() == {"rules": [], "observations": [], "dropped": 0}


# ---- /v1/policy ----

def test_policy_get_json_and_yaml_with_etag(d):
    r = d.ok("GET", "/v1/policy", token=READ)
    assert r.headers["Content-Type"] == "application/json"
    etag = r.headers["ETag"]
    assert re.fullmatch(r'"[0-9a-f]{8}-[0-9]+"', etag), etag
    assert r.json() == export(BASE)
    for accept in ("application/yaml", "text/yaml", "application/x-yaml",
                   "text/html, application/yaml;q=0.9"):
        y = d.ok("GET", "/v1/policy", token=READ, headers={"Accept": accept})
        assert y.headers["Content-Type"].startswith("application/yaml"), accept
        assert y.headers["ETag"] == etag
        assert export(yaml.safe_load(y.body.decode())) == export(BASE)
    # Reads do not move the tag.
    assert d.etag() == etag


def test_policy_put_json_replaces_everything_and_writes_the_file_back(d):
    before_file = d.config.read_text()
    old = d.etag()
    new = {
        "mode": "protect", "default_action": "deny",
        "groups": [
            {"name": "db", "ranges": ["10.9.0.10-10.9.0.20"], "fqdns": ["*.example.com"],
             "mode": "monitor"},
            {"name": "pods", "selector": "app=web,tier!=db", "cidrs": ["fd00::/8"]},
        ],
        "rules": [
            {"id": "only", "from": "pods", "to": "db", "protocol": "udp",
             "ports": [53, "1000-2000"], "app": "dns", "action": "allow", "require_tls": False,
             "dlp": [{"sensor": "credit_card", "action": "block", "threshold": 3}],
             "comment": "a: \"quoted\" # not a comment"},
        ],
    }
    r = d.ok("PUT", "/v1/policy", new)
    assert r.json() == export(new)
    tag = r.headers["ETag"]
    assert tag != old
    g = d.ok("GET", "/v1/policy", token=READ)
    assert g.json() == export(new) and g.headers["ETag"] == tag
    # Everything of the old policy is gone.
    assert d.ok("GET", "/v1/groups").json() == {"groups": export(new)["groups"]}
    assert d.ok("GET", "/v1/rules").json() == {"rules": export(new)["rules"]}
    assert d.call("GET", "/v1/groups/clients").status == 404
    assert d.call("GET", "/v1/rules/r1").status == 404
    # The file: the new policy in policy:, every other byte as it was.
    text = d.config.read_text()
    assert export(yaml.safe_load(text)["policy"]) == export(new)
    h0, _, t0 = config_parts(before_file)
    h1, _, t1 = config_parts(text)
    assert (h1, t1) == (h0, t0)
    assert text.startswith(CONFIG_HEAD) and text.endswith(CONFIG_TAIL)
    # An empty object is a valid (empty) policy: PUT replaces, it does not merge.
    assert d.ok("PUT", "/v1/policy", {}).json() == export({})
    assert export(yaml.safe_load(d.config.read_text())["policy"]) == export({})


def test_policy_put_yaml(d):
    text = ("mode: protect\n"
            "default_action: deny\n"
            "groups:\n"
            "  - name: web\n"
            "    cidrs: [10.1.0.0/16]\n"
            "rules:\n"
            "  - id: web-out\n"
            "    from: web\n"
            "    to: external\n"
            "    protocol: tcp\n"
            "    ports: [443]\n"
            "    action: allow\n")
    want = export(yaml.safe_load(text))
    for ctype in ("application/yaml", "text/yaml; charset=utf-8"):
        d.ok("PUT", "/v1/policy", BASE)
        r = d.ok("PUT", "/v1/policy", text, headers={"Content-Type": ctype})
        assert r.json() == want
        assert d.ok("GET", "/v1/policy").json() == want
        assert export(yaml.safe_load(d.config.read_text())["policy"]) == want


def test_policy_dry_run_changes_nothing(d):
    new = {"mode": "protect", "groups": [{"name": "x", "cidrs": ["10.0.0.0/8"]}],
           "rules": [{"id": "x1", "from": "x", "to": "any", "action": "deny"}]}
    before = d.state()
    for query in ("?dry_run=true", "?dry_run=1", "?dry_run"):
        r = d.ok("PUT", "/v1/policy" + query, new)
        assert r.json()["valid"] is True and "dry run" in r.json()["detail"]
        assert d.state() == before
    r = d.ok("PUT", "/v1/policy?dry_run=true", "mode: protect\n",
             headers={"Content-Type": "application/yaml"})
    assert r.json()["valid"] is True
    assert d.state() == before
    # Dry runs of every kind of write.
    for method, path, body in [
            ("POST", "/v1/groups?dry_run=true", {"name": "web"}),
            ("PUT", "/v1/groups/clients?dry_run=true", {"name": "clients", "cidrs": []}),
            ("DELETE", "/v1/rules/r1?dry_run=true", None),
            ("POST", "/v1/rules?dry_run=true&position=0", rule("r0")),
            ("PUT", "/v1/rules/r1?dry_run=true", rule("r1", action="deny")),
            ("PATCH", "/v1/rules/r2?dry_run=true", {"position": 0}),
            ("PUT", "/v1/mode?dry_run=true", {"mode": "protect"}),
            ("POST", "/v1/sensors?dry_run=true", PATIENT)]:
        r = d.ok(method, path, body)
        assert r.json()["valid"] is True, (method, path, r)
        assert d.state() == before, (method, path)
    # A dry run still refuses what a write refuses.
    d.problem("PUT", "/v1/policy?dry_run=true",
              {"groups": [{"name": "x", "cidrs": ["10.0.0.0/33"]}]}, 422, "/groups/0/cidrs/0")


@pytest.mark.parametrize("body,ctype,status,field", [
    (b"{not json", None, 400, ""),
    (b"", None, 400, ""),
    (b"[1, 2]", None, 400, ""),
    (b'{"mode": "monitor", "mode": "protect"}', None, 400, ""),
    ({"mode": 1}, None, 400, "/mode"),
    ({"extra": True}, None, 400, "/extra"),
    ({"groups": {"name": "a"}}, None, 400, "/groups"),
    ({"groups": [{"name": "a", "bogus": 1}]}, None, 400, "/groups/0/bogus"),
    ({"groups": [{"name": "a", "cidrs": "10.0.0.0/8"}]}, None, 400, "/groups/0/cidrs"),
    ({"rules": [{"id": "a", "from": "any", "to": "any"}]}, None, 400, "/rules/0"),
    ({"rules": [{"id": "a", "from": "any", "to": "any", "action": "allow",
                 "dlp": [{"sensor": "email"}]}]}, None, 400, "/rules/0/dlp/0"),
    ({"mode": "inherit"}, None, 422, "/mode"),
    ({"default_action": "maybe"}, None, 422, "/default_action"),
    ({"groups": [{"name": "a", "cidrs": ["10.0.0.0/33"]}]}, None, 422, "/groups/0/cidrs/0"),
    ({"groups": [{"name": "a"}, {"name": "a"}]}, None, 422, "/groups/1/name"),
    ({"rules": [{"id": "a", "from": "any", "to": "nowhere", "action": "allow"}]}, None, 422,
     "/rules/0/to"),
    ({"rules": [{"id": "a", "from": "any", "to": "any", "action": "allow",
                 "dlp": [{"sensor": "no_such", "action": "alert"}]}]}, None, 422,
     "/rules/0/dlp/0/sensor"),
    ("mode: [\n", "application/yaml", 422, ""),
    ("groups:\n  - name: a\n    cidrs: [10.0.0.0/33]\n", "application/yaml", 422, ""),
    ("policy:\n  mode: protect\n", "application/yaml", 422, ""),
    ("- 1\n", "application/yaml", 422, ""),
])
def test_policy_put_refusals_change_nothing(d, body, ctype, status, field):
    p = d.problem("PUT", "/v1/policy", body, status, field,
                  headers={"Content-Type": ctype} if ctype else None)
    if ctype:
        # The loader reads YAML bodies itself: its messages name line and column.
        assert re.match(r"request:\d+:\d+: ", p["detail"]), p


def test_policy_put_empty_yaml_body_is_refused(d):
    """An empty body is a 400 whatever its type: an empty YAML document must not replace
    the running policy with an empty one (as an empty JSON body does not)."""
    d.problem("PUT", "/v1/policy", b"", 400, headers={"Content-Type": "application/yaml"})
    d.problem("PUT", "/v1/policy", b"# nothing but a comment\n", 400,
              headers={"Content-Type": "application/yaml"})


def test_if_match(d):
    old = d.etag()
    # The current tag, "*" and a list naming it are accepted.
    r = d.ok("PUT", "/v1/mode", {"mode": "protect"}, headers={"If-Match": old})
    cur = r.headers["ETag"]
    assert cur != old and d.etag() == cur
    cur = d.ok("PUT", "/v1/mode", {"mode": "monitor"}, headers={"If-Match": "*"}).headers["ETag"]
    cur = d.ok("PUT", "/v1/mode", {"mode": "protect"},
               headers={"If-Match": f'"0-0", {cur}'}).headers["ETag"]
    assert d.etag() == cur
    # The old tag is stale everywhere, checked before anything else.
    writes = [
        ("PUT", "/v1/policy", BASE),
        ("PUT", "/v1/policy?dry_run=true", BASE),
        ("POST", "/v1/groups", {"name": "web"}),
        ("PUT", "/v1/groups/clients", {"name": "clients"}),
        ("DELETE", "/v1/groups/servers", None),
        ("DELETE", "/v1/groups/nope", None),
        ("POST", "/v1/rules", rule("r3")),
        ("PUT", "/v1/rules/r1", rule("r1")),
        ("PATCH", "/v1/rules/r1", {"position": 1}),
        ("DELETE", "/v1/rules/r1", None),
        ("PUT", "/v1/mode", {"mode": "discover"}),
        ("POST", "/v1/sensors", PATIENT),
        ("PUT", "/v1/sensors/patient_id", PATIENT),
        ("DELETE", "/v1/sensors/patient_id", None),
    ]
    for method, path, body in writes:
        for tag in (old, '"deadbeef-99"', "garbage"):
            p = d.problem(method, path, body, 412, None, headers={"If-Match": tag})
            assert p["type"] == "tag:tollgate,2024:problem/stale-policy"
    # YAML bodies too.
    d.problem("PUT", "/v1/policy", "mode: discover\n", 412,
              headers={"Content-Type": "application/yaml", "If-Match": old})
    # And the current tag still works after all that.
    d.ok("DELETE", "/v1/rules/r2", status=204, headers={"If-Match": cur})


def test_stats_follow_policy_revisions(d):
    def policy_stats():
        return d.ok("GET", "/v1/stats", token=READ).json()["policy"]

    before = policy_stats()
    assert '"%s"' % before["etag"] == d.etag()
    d.problem("POST", "/v1/groups", {"name": "clients"}, 409, "/name")
    d.ok("PUT", "/v1/policy?dry_run=true", BASE)
    assert policy_stats()["revision"] == before["revision"]
    d.ok("POST", "/v1/groups", {"name": "web"}, status=201)
    after = policy_stats()
    assert after["revision"] == before["revision"] + 1
    assert after["snapshot_version"] > before["snapshot_version"]
    assert '"%s"' % after["etag"] == d.etag() != '"%s"' % before["etag"]


def test_if_match_weak_tag_is_not_a_match(d):
    """If-Match compares strongly (RFC 9110 section 13.1.1): W/"<tag>" does not match."""
    tag = d.etag()
    d.problem("PUT", "/v1/mode", {"mode": "protect"}, 412, None,
              headers={"If-Match": "W/" + tag})


# ---- /v1/groups ----

def test_groups_crud(d):
    r = d.ok("GET", "/v1/groups", token=READ)
    assert r.json() == {"groups": export(BASE)["groups"]}
    assert r.headers["ETag"] == d.etag()

    web = {"name": "web", "cidrs": ["10.1.0.0/16", "fd00:1::/32"], "fqdns": ["*.example.org"],
           "ranges": ["10.2.0.10-10.2.0.20"], "selector": "app=web"}
    r = d.ok("POST", "/v1/groups", web, status=201)
    assert r.json() == export_group(web)
    assert r.headers["ETag"] == d.etag()
    assert d.ok("GET", "/v1/groups/web", token=READ).json() == export_group(web)
    assert [g["name"] for g in d.ok("GET", "/v1/groups").json()["groups"]] == [
        "clients", "servers", "web"]

    # Replace keeps the place; a mode override shows in /v1/mode.
    clients = {"name": "clients", "cidrs": ["10.20.0.0/16", "10.21.0.0/16"], "mode": "protect"}
    r = d.ok("PUT", "/v1/groups/clients", clients)
    assert r.json() == export_group(clients)
    assert [g["name"] for g in d.ok("GET", "/v1/groups").json()["groups"]] == [
        "clients", "servers", "web"]
    assert d.ok("GET", "/v1/mode").json()["group_overrides"] == {"clients": "protect"}
    assert d.ok("GET", "/v1/rules/r1").json() == export_rule(BASE["rules"][0])

    # Delete: 204, no body, the new tag.
    r = d.ok("DELETE", "/v1/groups/web", status=204)
    assert r.body == b"" and r.headers["ETag"] == d.etag()
    d.problem("GET", "/v1/groups/web", None, 404, None)
    assert [g["name"] for g in d.ok("GET", "/v1/groups").json()["groups"]] == [
        "clients", "servers"]
    policy = yaml.safe_load(d.config.read_text())["policy"]
    assert [g["name"] for g in policy["groups"]] == ["clients", "servers"]
    assert policy["groups"][0]["mode"] == "protect"


@pytest.mark.parametrize("method,path,body,status,field", [
    ("GET", "/v1/groups/nope", None, 404, None),
    ("GET", "/v1/groups/any", None, 404, None),
    ("GET", "/v1/groups/external", None, 404, None),
    ("PUT", "/v1/groups/nope", {"name": "nope"}, 404, None),
    ("DELETE", "/v1/groups/nope", None, 404, None),
    ("DELETE", "/v1/groups/any", None, 404, None),
    ("POST", "/v1/groups", {"name": "clients"}, 409, "/name"),
    ("POST", "/v1/groups", {"name": "any"}, 409, "/name"),
    ("POST", "/v1/groups", {"name": "external"}, 409, "/name"),
    # A group a rule names cannot go: the loader's pointer into the whole policy.
    ("DELETE", "/v1/groups/servers", None, 422, "/rules/0/to"),
    ("DELETE", "/v1/groups/clients", None, 422, "/rules/0/from"),
    ("POST", "/v1/groups", {"name": "db", "cidrs": ["10.2.0.0/33"]}, 422, "/cidrs/0"),
    ("POST", "/v1/groups", {"name": "db", "cidrs": ["10.2.0.0/16", "10.2.0.1/16"]}, 422,
     "/cidrs/1"),
    ("POST", "/v1/groups", {"name": "db", "cidrs": ["not-an-ip"]}, 422, "/cidrs/0"),
    ("POST", "/v1/groups", {"name": "db", "ranges": ["10.0.0.9-10.0.0.1"]}, 422, "/ranges/0"),
    ("POST", "/v1/groups", {"name": "db", "fqdns": ["bad..name"]}, 422, "/fqdns/0"),
    ("POST", "/v1/groups", {"name": "db", "selector": "app in (a"}, 422, "/selector"),
    ("POST", "/v1/groups", {"name": "db", "mode": "sometimes"}, 422, "/mode"),
    ("POST", "/v1/groups", {"name": "Bad"}, 422, "/name"),
    ("PUT", "/v1/groups/clients", {"name": "clients", "cidrs": ["10.0.0.0/40"]}, 422,
     "/cidrs/0"),
    ("POST", "/v1/groups", {"name": "db", "cidrz": []}, 400, "/cidrz"),
    ("POST", "/v1/groups", {"name": "db", "cidrs": [1]}, 400, "/cidrs/0"),
    ("POST", "/v1/groups", {"name": "db", "cidrs": "10.0.0.0/8"}, 400, "/cidrs"),
    ("POST", "/v1/groups", {"name": "db", "selector": 5}, 400, "/selector"),
    ("POST", "/v1/groups", {"name": 5}, 400, "/name"),
    ("POST", "/v1/groups", {"cidrs": []}, 400, ""),
    ("POST", "/v1/groups", b"{\"name\": ", 400, ""),
    ("POST", "/v1/groups", b"", 400, ""),
    ("PUT", "/v1/groups/clients", {"name": "servers"}, 400, "/name"),
    ("PUT", "/v1/groups/clients", {"name": "clients", "extra": 1}, 400, "/extra"),
    # An unknown member whose pointer would not fit the problem's 255 bytes: the body, not
    # a cut name (tests/fuzz/regressions/policy_json/unknown_member_name_1100).
    ("POST", "/v1/groups", {"name": "db", "x" * 300: 1}, 400, ""),
    ("POST", "/v1/groups", {"name": "db", "x" * 254: 1}, 400, "/" + "x" * 254),
])
def test_groups_refusals(d, method, path, body, status, field):
    d.problem(method, path, body, status, field)


# ---- /v1/rules ----

def test_rules_create_at_every_place_move_replace_delete(d):
    assert d.rule_ids() == ["r1", "r2"]
    r = d.ok("POST", "/v1/rules", rule("r3"), status=201)
    assert r.json() == export_rule(rule("r3")) and r.headers["ETag"] == d.etag()
    assert d.rule_ids() == ["r1", "r2", "r3"]
    d.ok("POST", "/v1/rules?before=r1", rule("r0"), status=201)
    assert d.rule_ids() == ["r0", "r1", "r2", "r3"]
    d.ok("POST", "/v1/rules?after=r1", rule("r1b"), status=201)
    assert d.rule_ids() == ["r0", "r1", "r1b", "r2", "r3"]
    d.ok("POST", "/v1/rules?after=r3", rule("r4"), status=201)
    assert d.rule_ids() == ["r0", "r1", "r1b", "r2", "r3", "r4"]
    d.ok("POST", "/v1/rules?position=0", rule("first"), status=201)
    assert d.rule_ids() == ["first", "r0", "r1", "r1b", "r2", "r3", "r4"]
    d.ok("POST", "/v1/rules?position=3", rule("mid"), status=201)
    assert d.rule_ids() == ["first", "r0", "r1", "mid", "r1b", "r2", "r3", "r4"]
    d.ok("POST", "/v1/rules?position=8", rule("last"), status=201)
    order = ["first", "r0", "r1", "mid", "r1b", "r2", "r3", "r4", "last"]
    assert d.rule_ids() == order

    # Moves answer with every rule in the new order.
    def move(rid, body, want):
        r = d.ok("PATCH", f"/v1/rules/{rid}", body)
        assert [x["id"] for x in r.json()["rules"]] == want, (rid, body)
        assert r.headers["ETag"] == d.etag()
        assert d.rule_ids() == want

    move("last", {"before": "first"},
         ["last", "first", "r0", "r1", "mid", "r1b", "r2", "r3", "r4"])
    move("first", {"after": "r4"},
         ["last", "r0", "r1", "mid", "r1b", "r2", "r3", "r4", "first"])
    move("r3", {"position": 0},
         ["r3", "last", "r0", "r1", "mid", "r1b", "r2", "r4", "first"])
    move("r3", {"position": 8},
         ["last", "r0", "r1", "mid", "r1b", "r2", "r4", "first", "r3"])
    move("mid", {"before": "r0"},
         ["last", "mid", "r0", "r1", "r1b", "r2", "r4", "first", "r3"])
    move("r1", {"after": "r1b"},
         ["last", "mid", "r0", "r1b", "r1", "r2", "r4", "first", "r3"])

    # Replace keeps the place.
    new = rule("r1b", action="deny", protocol="tcp", ports=[80, "8000-8100"], app="http",
               require_tls=True, comment="replaced", to="external",
               dlp=[{"sensor": "credit_card", "action": "alert"}])
    r = d.ok("PUT", "/v1/rules/r1b", new)
    assert r.json() == export_rule(new)
    assert d.ok("GET", "/v1/rules/r1b", token=READ).json() == export_rule(new)
    assert d.rule_ids() == ["last", "mid", "r0", "r1b", "r1", "r2", "r4", "first", "r3"]

    # Delete.
    r = d.ok("DELETE", "/v1/rules/r1b", status=204)
    assert r.body == b"" and r.headers["ETag"] == d.etag()
    assert d.rule_ids() == ["last", "mid", "r0", "r1", "r2", "r4", "first", "r3"]
    d.problem("GET", "/v1/rules/r1b", None, 404, None)
    rules = yaml.safe_load(d.config.read_text())["policy"]["rules"]
    assert [x["id"] for x in rules] == ["last", "mid", "r0", "r1", "r2", "r4", "first", "r3"]


@pytest.mark.parametrize("method,path,body,status,field", [
    # Unknown groups: the loader's pointer, relative to the rule sent.
    ("POST", "/v1/rules", rule("x", to="nowhere"), 422, "/to"),
    ("POST", "/v1/rules", rule("x", **{"from": "nowhere"}), 422, "/from"),
    ("POST", "/v1/rules?position=0", rule("x", to="nowhere"), 422, "/to"),
    ("POST", "/v1/rules?before=r2", rule("x", **{"from": "nowhere"}), 422, "/from"),
    ("PUT", "/v1/rules/r2", rule("r2", to="nowhere"), 422, "/to"),
    ("POST", "/v1/rules", rule("x", ports=[0]), 422, "/ports/0"),
    ("POST", "/v1/rules", rule("x", ports=[80, "90-85"]), 422, "/ports/1"),
    ("POST", "/v1/rules", rule("x", protocol="sctp"), 422, "/protocol"),
    ("POST", "/v1/rules", rule("x", app="ftp"), 422, "/app"),
    ("POST", "/v1/rules", rule("x", action="maybe"), 422, "/action"),
    ("POST", "/v1/rules", rule("bad id!"), 422, "/id"),
    ("POST", "/v1/rules", rule("x", dlp=[{"sensor": "email", "action": "drop"}]), 422,
     "/dlp/0/action"),
    ("POST", "/v1/rules", rule("r1"), 409, "/id"),
    ("POST", "/v1/rules?before=nope", rule("x"), 422, "before"),
    ("POST", "/v1/rules?after=nope", rule("x"), 422, "after"),
    ("POST", "/v1/rules?position=3", rule("x"), 422, "position"),
    ("POST", "/v1/rules?position=x", rule("x"), 422, "position"),
    ("POST", "/v1/rules?position=-1", rule("x"), 422, "position"),
    ("POST", "/v1/rules?before=r1&after=r2", rule("x"), 400, None),
    ("POST", "/v1/rules?before=r1&position=0", rule("x"), 400, None),
    ("POST", "/v1/rules", rule("x", require_tls="yes"), 400, "/require_tls"),
    ("POST", "/v1/rules", rule("x", ports="80"), 400, "/ports"),
    ("POST", "/v1/rules", rule("x", ports=[80.5]), 400, "/ports/0"),
    ("POST", "/v1/rules", rule("x", dlp=[{"sensor": "email", "action": "block",
                                          "threshold": "3"}]), 400, "/dlp/0/threshold"),
    ("POST", "/v1/rules", rule("x", prio=1), 400, "/prio"),
    ("POST", "/v1/rules", {"id": "x", "from": "clients", "to": "servers"}, 400, ""),
    ("POST", "/v1/rules", {"id": 7, "from": "clients", "to": "servers", "action": "allow"},
     400, "/id"),
    ("POST", "/v1/rules", b"{]", 400, ""),
    ("GET", "/v1/rules/nope", None, 404, None),
    ("PUT", "/v1/rules/nope", rule("nope"), 404, None),
    ("DELETE", "/v1/rules/nope", None, 404, None),
    ("PATCH", "/v1/rules/nope", {"position": 0}, 404, None),
    ("PUT", "/v1/rules/r1", rule("r2"), 400, "/id"),
    ("PUT", "/v1/rules/r1", rule("r1", extra=1), 400, "/extra"),
    # Moves.
    ("PATCH", "/v1/rules/r1", {}, 400, ""),
    ("PATCH", "/v1/rules/r1", {"x": 1}, 400, "/x"),
    ("PATCH", "/v1/rules/r1", {"before": 1}, 400, "/before"),
    ("PATCH", "/v1/rules/r1", {"after": None}, 400, "/after"),
    ("PATCH", "/v1/rules/r1", {"position": -1}, 400, "/position"),
    ("PATCH", "/v1/rules/r1", {"position": "1"}, 400, "/position"),
    ("PATCH", "/v1/rules/r1", {"before": "r2", "after": "r2"}, 400, None),
    ("PATCH", "/v1/rules/r1", {"before": "r2", "position": 0}, 400, None),
    ("PATCH", "/v1/rules/r1", b"not json", 400, ""),
    ("PATCH", "/v1/rules/r1", {"before": "r1"}, 422, "/before"),
    ("PATCH", "/v1/rules/r1", {"after": "r1"}, 422, "/after"),
    ("PATCH", "/v1/rules/r1", {"after": "nope"}, 422, "/after"),
    ("PATCH", "/v1/rules/r1", {"before": "nope"}, 422, "/before"),
    ("PATCH", "/v1/rules/r1", {"position": 2}, 422, "/position"),
])
def test_rules_refusals(d, method, path, body, status, field):
    d.problem(method, path, body, status, field)


# ---- /v1/sensors ----

def test_sensors_builtin_are_read_only(d):
    r = d.ok("GET", "/v1/sensors", token=READ)
    got = r.json()
    assert r.headers["ETag"] == d.etag()
    assert set(got) == {"builtin", "custom", "disabled"}
    assert got["custom"] == [] and got["disabled"] == []
    ids = [s["id"] for s in got["builtin"]]
    assert {"credit_card", "us_ssn", "iban", "email", "jwt"} <= set(ids)
    for s in got["builtin"]:
        assert s["builtin"] is True
        assert set(s) == {"id", "category", "builtin", "severity", "validator", "threshold",
                          "window", "keywords", "context_required"}
    cc = d.ok("GET", "/v1/sensors/credit_card", token=READ).json()
    assert cc == next(s for s in got["builtin"] if s["id"] == "credit_card")
    for method, body, field in [
            ("PUT", {"name": "credit_card", "patterns": ["x"]}, "/name"),
            ("DELETE", None, None)]:
        p = d.problem(method, "/v1/sensors/credit_card", body, 409, field)
        assert p["type"] == "tag:tollgate,2024:problem/builtin-sensor"
    p = d.problem("POST", "/v1/sensors", {"name": "email", "patterns": ["x"]}, 409, "/name")
    assert p["type"] == "tag:tollgate,2024:problem/builtin-sensor"


def test_sensors_custom_crud_and_bindings(d):
    r = d.ok("POST", "/v1/sensors", PATIENT, status=201)
    assert r.json() == export_custom(PATIENT) and r.headers["ETag"] == d.etag()
    assert d.ok("GET", "/v1/sensors/patient_id", token=READ).json() == export_custom(PATIENT)
    assert d.ok("GET", "/v1/sensors").json()["custom"] == [export_custom(PATIENT)]
    custom = yaml.safe_load(d.config.read_text())["dlp"]["custom"]
    assert [c["name"] for c in custom] == ["patient_id"]
    assert d.config.read_text().endswith(CONFIG_TAIL)

    # Replace.
    new = dict(PATIENT, patterns=["PAT-[0-9]{9}", "MRN[0-9]{6}"], context_required=True,
               window=128, threshold=2)
    r = d.ok("PUT", "/v1/sensors/patient_id", new)
    assert r.json() == export_custom(new)
    assert d.ok("GET", "/v1/sensors/patient_id").json() == export_custom(new)

    # A rule binds it; while bound it cannot go.
    bound = rule("dlp1", dlp=[{"sensor": "patient_id", "action": "block", "threshold": 2}])
    assert d.ok("POST", "/v1/rules", bound, status=201).json() == export_rule(bound)
    p = d.problem("DELETE", "/v1/sensors/patient_id", None, 409, "/rules/2/dlp/0/sensor")
    assert "patient_id" in p["detail"]
    # A bad pattern in a replacement: 422 and the class as it was.
    d.problem("PUT", "/v1/sensors/patient_id", dict(new, patterns=["([a-z"]), 422, "/patterns")
    assert d.ok("GET", "/v1/sensors/patient_id").json() == export_custom(new)

    d.ok("DELETE", "/v1/rules/dlp1", status=204)
    r = d.ok("DELETE", "/v1/sensors/patient_id", status=204)
    assert r.body == b"" and r.headers["ETag"] == d.etag()
    d.problem("GET", "/v1/sensors/patient_id", None, 404, None)
    assert d.ok("GET", "/v1/sensors").json()["custom"] == []
    assert not yaml.safe_load(d.config.read_text())["dlp"]["custom"]
    # Unbound now: a rule naming it is refused.
    d.problem("POST", "/v1/rules", bound, 422, "/dlp/0/sensor")


@pytest.mark.parametrize("method,path,body,status,field", [
    ("POST", "/v1/sensors", {"name": "broken", "patterns": ["([a-z"]}, 422, "/patterns"),
    ("POST", "/v1/sensors", {"name": "broken", "patterns": ["ok", "a{2,1}"]}, 422, "/patterns"),
    ("POST", "/v1/sensors", {"name": "Bad", "patterns": ["x"]}, 422, "/name"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": ["x"], "window": 5000}, 422,
     "/window"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": ["x"], "validator": "nope"}, 422,
     "/validator"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": ["x"], "severity": "dire"}, 422,
     "/severity"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": []}, 422, ANY),
    ("POST", "/v1/sensors", {"name": "ok_one"}, 400, ""),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": ["x"], "regex": "x"}, 400, "/regex"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": ["x"], "window": "5"}, 400,
     "/window"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": "x"}, 400, "/patterns"),
    ("POST", "/v1/sensors", {"name": "ok_one", "patterns": [1]}, 400, "/patterns/0"),
    ("POST", "/v1/sensors", b"{", 400, ""),
    ("GET", "/v1/sensors/nope", None, 404, None),
    ("PUT", "/v1/sensors/nope", {"name": "nope", "patterns": ["x"]}, 404, None),
    ("DELETE", "/v1/sensors/nope", None, 404, None),
    # A rule binding a sensor that does not exist.
    ("POST", "/v1/rules", rule("x", dlp=[{"sensor": "no_such", "action": "block"}]), 422,
     "/dlp/0/sensor"),
    ("PUT", "/v1/rules/r1", rule("r1", dlp=[{"sensor": "no_such", "action": "alert"}]), 422,
     "/dlp/0/sensor"),
])
def test_sensors_refusals(d, method, path, body, status, field):
    d.problem(method, path, body, status, field)


def test_sensor_refusals_with_a_custom_class_present(d):
    d.ok("POST", "/v1/sensors", PATIENT, status=201)
    before = d.ok("GET", "/v1/sensors").json()
    d.problem("POST", "/v1/sensors", PATIENT, 409, "/name")
    d.problem("POST", "/v1/sensors", {"name": "other", "patterns": ["([a-z"]}, 422, "/patterns")
    d.problem("PUT", "/v1/sensors/patient_id", dict(PATIENT, name="other"), 400, "/name")
    d.problem("PUT", "/v1/sensors/patient_id", dict(PATIENT, keywords="x"), 400, "/keywords")
    assert d.ok("GET", "/v1/sensors").json() == before


# ---- /v1/mode ----

def test_mode_get_and_put(d):
    r = d.ok("GET", "/v1/mode", token=READ)
    assert r.json() == {"mode": "monitor", "group_overrides": {}}
    assert r.headers["ETag"] == d.etag()
    old = r.headers["ETag"]
    r = d.ok("PUT", "/v1/mode", {"mode": "protect"})
    assert r.json() == {"mode": "protect", "group_overrides": {}}
    assert r.headers["ETag"] != old and r.headers["ETag"] == d.etag()
    assert d.ok("GET", "/v1/policy").json() == dict(export(BASE), mode="protect")
    assert yaml.safe_load(d.config.read_text())["policy"]["mode"] == "protect"
    d.ok("PUT", "/v1/groups/servers", {"name": "servers", "cidrs": ["198.51.100.0/24"],
                                       "mode": "discover"})
    assert d.ok("GET", "/v1/mode").json() == {"mode": "protect",
                                              "group_overrides": {"servers": "discover"}}


@pytest.mark.parametrize("body,status,field", [
    ({"mode": "bogus"}, 422, "/mode"),
    ({"mode": "inherit"}, 422, "/mode"),
    ({"mode": ""}, 422, "/mode"),
    ({"mode": "protect", "x": 1}, 400, "/x"),
    ({"mode": 3}, 400, "/mode"),
    ({"mode": None}, 400, "/mode"),
    ({}, 400, ""),
    (b"mode=protect", 400, ""),
])
def test_mode_refusals(d, body, status, field):
    d.problem("PUT", "/v1/mode", body, status, field)


# ---- /v1/labels/groups ----

def test_labels_groups_resolve_selectors(d):
    gen = d.ok("GET", "/v1/labels").json()["generation"] + 1
    d.ok("PUT", "/v1/labels", {"generation": gen, "entries": [
        {"ip": "10.9.0.1", "labels": {"app": "pay", "tier": "db"}},
        {"ip": "10.9.0.2", "labels": {"app": "web"}},
        {"ip": "fd00::5", "labels": {"app": "pay"}}]})
    d.ok("POST", "/v1/groups", {"name": "pay", "selector": "app=pay"}, status=201)
    d.ok("POST", "/v1/groups", {"name": "paydb", "selector": "app=pay,tier=db",
                                "cidrs": ["10.30.0.0/16"]}, status=201)
    got = d.ok("GET", "/v1/labels/groups", token=READ).json()
    assert set(got) == {"generation", "snapshot", "groups"}
    assert got["generation"] == gen and isinstance(got["snapshot"], int)
    by = {g["name"]: g for g in got["groups"]}
    assert [g["name"] for g in got["groups"]] == ["clients", "servers", "pay", "paydb"]
    for g in got["groups"]:
        assert set(g) == {"name", "selector", "cidrs", "ranges", "label_ips", "fqdn_ips"}
    assert sorted(by["pay"]["label_ips"]) == ["10.9.0.1", "fd00::5"]
    assert by["paydb"]["label_ips"] == ["10.9.0.1"]
    assert by["paydb"]["cidrs"] == ["10.30.0.0/16"] and by["paydb"]["selector"] == "app=pay,tier=db"
    assert by["clients"] == {"name": "clients", "selector": None, "cidrs": ["10.20.0.0/16"],
                             "ranges": [], "label_ips": [], "fqdn_ips": []}
    # The label map changes, the groups follow; the writer is recorded.
    d.problem("PATCH", "/v1/labels?source=Not%20a%20name", {"generation": gen + 1}, 400,
              "source")
    d.ok("PATCH", "/v1/labels?source=label-sync",
         {"generation": gen + 1, "remove": ["10.9.0.1"],
          "add": [{"ip": "10.9.0.3", "labels": {"app": "pay"}}]})
    entries = {e["ip"]: e for e in d.ok("GET", "/v1/labels").json()["entries"]}
    assert entries["10.9.0.3"]["source"] == "label-sync" and entries["10.9.0.2"]["source"] == "api"
    by = {g["name"]: g for g in d.ok("GET", "/v1/labels/groups").json()["groups"]}
    assert sorted(by["pay"]["label_ips"]) == ["10.9.0.3", "fd00::5"]
    assert by["paydb"]["label_ips"] == []
    d.problem("GET", "/v1/labels/groups", None, 401, None, token=None)


def test_labels_groups_list_addresses_learned_for_fqdns(d):
    """demo.pcap answers crm.partner.example -> 198.51.100.7 (TTL 300) over DNS."""
    for g in ({"name": "partners", "fqdns": ["*.partner.example"]},
              {"name": "crm", "fqdns": ["crm.partner.example"], "cidrs": ["10.40.0.0/16"]},
              {"name": "others", "fqdns": ["*.other.example", "partner.example"]}):
        d.ok("POST", "/v1/groups", g, status=201)
    now = time.time()
    by = {g["name"]: g for g in d.ok("GET", "/v1/labels/groups", token=READ).json()["groups"]}
    for name in ("partners", "crm"):
        ips = by[name]["fqdn_ips"]
        assert [(x["ip"], x["name"]) for x in ips] == [("198.51.100.7", "crm.partner.example")]
        assert now < ips[0]["expires"] <= now + 301
        assert by[name]["label_ips"] == []
    assert by["others"]["fqdn_ips"] == []


# ---- /v1/flows ----

FLOW_KEYS = {"flow_id", "worker", "state", "src_ip", "src_port", "dest_ip", "dest_port", "proto",
             "app_proto", "start", "end", "pkts_toserver", "pkts_toclient", "bytes_toserver",
             "bytes_toclient", "tcp_state", "rule", "from_group", "to_group", "mode", "action"}


def test_flows_list_filters_and_pages(d):
    got = d.ok("GET", "/v1/flows", token=READ).json()
    assert set(got) == {"flows", "next_cursor", "returned"}
    flows = got["flows"]
    assert got["next_cursor"] is None and got["returned"] == len(flows) >= 3
    for f in flows:
        assert set(f) == FLOW_KEYS, f
        assert f["state"] == "ended" and f["end"] is not None
        assert f["mode"] in ("discover", "monitor", "protect")
        assert f["action"] in ("allow", "deny")
    ids = [f["flow_id"] for f in flows]
    assert len(set(ids)) == len(ids)
    # Pages of 2 give every flow once, in order.
    seen, cursor, sizes = [], None, []
    while True:
        q = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = d.ok("GET", f"/v1/flows?{q}").json()
        sizes.append(page["returned"])
        assert page["returned"] == len(page["flows"]) <= 2
        seen += [f["flow_id"] for f in page["flows"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert re.fullmatch(r"[0-9]+", cursor)
    assert seen == ids and all(s == 2 for s in sizes[:-1])
    # Filters.
    assert d.ok("GET", "/v1/flows?state=active").json() == {
        "flows": [], "next_cursor": None, "returned": 0}
    assert d.ok("GET", "/v1/flows?state=ENDED").json()["returned"] == len(flows)
    tcp = d.ok("GET", "/v1/flows?proto=tcp").json()["flows"]
    assert tcp and all(f["proto"] == "TCP" for f in tcp)
    assert d.ok("GET", "/v1/flows?proto=6").json()["flows"] == tcp
    web = d.ok("GET", "/v1/flows?port=80&app=http").json()["flows"]
    assert web and all(f["dest_port"] == 80 and f["app_proto"] == "http" for f in web)
    src = flows[0]["src_ip"]
    mine = d.ok("GET", f"/v1/flows?src_ip={urllib.parse.quote(src)}").json()["flows"]
    assert mine and all(f["src_ip"] == src for f in mine)
    grp = d.ok("GET", "/v1/flows?group=clients").json()["flows"]
    assert all("clients" in (f["from_group"], f["to_group"]) for f in grp)


@pytest.mark.parametrize("query,param", [
    ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=abc", "limit"), ("limit=", "limit"),
    ("limit=-1", "limit"), ("cursor=abc", "cursor"), ("cursor=", "cursor"),
    ("state=bogus", "state"), ("src_ip=10.0.0.300", "src_ip"), ("dest_ip=x", "dest_ip"),
    ("port=0", "port"), ("port=70000", "port"), ("proto=xyz", "proto"), ("proto=256", "proto"),
    ("app=ftp", "app"), ("group=Bad!", "group"), ("rule=a%20b", "rule"),
])
def test_flows_bad_parameters(d, query, param):
    p = d.problem("GET", f"/v1/flows?{query}", None, 400, param, token=READ,
                  title="Invalid query")
    assert p["detail"].startswith(param + ": "), p


# ---- authentication, sizes, malformed bodies ----

WRITES = [
    ("PUT", "/v1/policy", BASE),
    ("POST", "/v1/groups", {"name": "web"}),
    ("PUT", "/v1/groups/clients", {"name": "clients"}),
    ("DELETE", "/v1/groups/servers", None),
    ("POST", "/v1/rules", rule("r3")),
    ("PUT", "/v1/rules/r1", rule("r1", action="deny")),
    ("PATCH", "/v1/rules/r2", {"position": 0}),
    ("DELETE", "/v1/rules/r1", None),
    ("POST", "/v1/sensors", PATIENT),
    ("PUT", "/v1/sensors/patient_id", PATIENT),
    ("DELETE", "/v1/sensors/patient_id", None),
    ("PUT", "/v1/mode", {"mode": "protect"}),
    ("DELETE", "/v1/learned", None),
    ("PUT", "/v1/labels", {"generation": 1000, "entries": []}),
    ("PATCH", "/v1/labels", {"generation": 1000, "remove": []}),
]
READS = ["/v1/policy", "/v1/groups", "/v1/groups/clients", "/v1/rules", "/v1/rules/r1",
         "/v1/sensors", "/v1/sensors/credit_card", "/v1/mode", "/v1/learned",
         "/v1/labels/groups", "/v1/flows", "/v1/labels", "/v1/stats", "/metrics"]


def test_tokens_and_roles(d):
    for path in READS:
        assert d.call("GET", path, token=READ).status == 200, path
        d.problem("GET", path, None, 401, None, token=None)
        d.problem("GET", path, None, 401, None, token="x" * 32)
    learned = d.ok("GET", "/v1/learned").json()
    for method, path, body in WRITES:
        before = d.state()
        r = d.call(method, path, body, token=None)
        assert r.status == 401 and r.headers["WWW-Authenticate"] == 'Bearer realm="tollgate"'
        r = d.call(method, path, body, token=READ[:-1] + "x")
        assert r.status == 401 and 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        r = d.call(method, path, body, token=READ)
        assert r.status == 403, (method, path, r)
        assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
        assert r.json()["status"] == 403
        d.assert_alive()
        assert d.state() == before, (method, path)
    assert d.ok("GET", "/v1/learned").json() == learned


def padded(body, size):
    """body as JSON padded with spaces to exactly size bytes."""
    raw = json.dumps(body).encode()
    assert len(raw) <= size
    return raw[:-1] + b" " * (size - len(raw)) + raw[-1:]


def test_body_size_limit(d):
    new = {"mode": "protect"}
    # Exactly api.max_body is accepted...
    r = d.ok("PUT", "/v1/policy", padded(new, MAX_BODY))
    assert r.json() == export(new)
    d.ok("PUT", "/v1/policy", BASE)
    # ...one byte more is not, for every write.
    for method, path, body in WRITES:
        if body is None:
            continue
        p = d.problem(method, path, padded(body, MAX_BODY + 1), 413, None)
        assert str(MAX_BODY) in p["detail"]
    # A declared length over the limit is refused before the body is read.
    before = d.state()
    with socket.create_connection(("127.0.0.1", d.port), timeout=20) as s:
        s.sendall(f"PUT /v1/policy HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN}\r\n"
                  f"Content-Type: application/json\r\nContent-Length: {64 << 20}\r\n\r\n"
                  .encode())
        reply = b""
        while b"\r\n\r\n" not in reply:
            chunk = s.recv(4096)
            if not chunk:
                break
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 413 "), reply
    d.assert_alive()
    assert d.state() == before


def test_body_size_limit_chunked(d):
    """Without Content-Length the body is counted as it comes."""
    before = d.state()
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    try:
        body = padded({"mode": "protect"}, MAX_BODY + 100)
        chunks = [body[i:i + 1000] for i in range(0, len(body), 1000)]
        conn.request("PUT", "/v1/policy", body=iter(chunks), encode_chunked=True,
                     headers={"Authorization": f"Bearer {ADMIN}",
                              "Content-Type": "application/json"})
        r = conn.getresponse()
        assert r.status == 413
        assert json.loads(r.read())["status"] == 413
    finally:
        conn.close()
    d.assert_alive()
    assert d.state() == before
    # A small chunked body goes through.
    conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=20)
    try:
        conn.request("PUT", "/v1/mode", body=iter([b'{"mode":', b' "protect"}']),
                     encode_chunked=True, headers={"Authorization": f"Bearer {ADMIN}"})
        r = conn.getresponse()
        assert r.status == 200 and json.loads(r.read())["mode"] == "protect"
    finally:
        conn.close()


def test_bad_json_everywhere(d):
    for method, path, body in WRITES:
        if body is None:
            continue
        for raw in (b"{", b"", b"[]", b"null", b'{"a": 1} trailing'):
            p = d.problem(method, path, raw, 400, "", title="Invalid JSON")
            assert "JSON" in p["detail"], p


def test_unknown_paths_and_methods(d):
    d.problem("GET", "/v1/policies", None, 404, None)
    d.problem("GET", "/v1/groups/a/b", None, 404, None)
    for method, path in [("DELETE", "/v1/policy"), ("POST", "/v1/policy"),
                         ("PATCH", "/v1/groups/clients"), ("POST", "/v1/rules/r1"),
                         ("PATCH", "/v1/sensors/credit_card"), ("POST", "/v1/mode"),
                         ("PUT", "/v1/learned"), ("POST", "/v1/flows"),
                         ("PUT", "/v1/labels/groups")]:
        before = d.state()
        r = d.call(method, path, {})
        assert r.status == 405, (method, path, r)
        assert r.headers["Allow"], (method, path)
        d.assert_alive()
        assert d.state() == before


# ---- persistence: the file, then a restart on it (last: it replaces the daemon) ----

def test_write_back_survives_a_restart(d):
    d.ok("POST", "/v1/sensors", PATIENT, status=201)
    before_put = d.config.read_text()
    full = {
        "mode": "protect", "default_action": "deny",
        "groups": [
            {"name": "workloads", "cidrs": ["10.1.0.0/16", "fd00:10::/32"],
             "ranges": ["10.2.0.10-10.2.0.20"], "mode": "monitor"},
            {"name": "partners", "fqdns": ["*.partner.example", "api.example.com"],
             "cidrs": ["203.0.113.0/24"]},
            {"name": "payments", "selector": "app=payments,env in (prod,qa)",
             "mode": "discover"},
        ],
        "rules": [
            {"id": "no-cards-to-partners", "from": "workloads", "to": "partners",
             "protocol": "tcp", "ports": [443, "8000-8100"], "app": "tls",
             "action": "allow", "require_tls": True,
             "dlp": [{"sensor": "credit_card", "action": "block", "threshold": 3},
                     {"sensor": "patient_id", "action": "alert"}],
             "comment": "PCI: \"cards\" stay in # 'house' — ünïcode"},
            {"id": "dns", "from": "any", "to": "external", "protocol": "udp", "ports": [53],
             "app": "dns", "action": "allow"},
            {"id": "deny-rest", "from": "payments", "to": "any", "action": "deny"},
        ],
    }
    r = d.ok("PUT", "/v1/policy", full)
    put_body = r.json()
    assert put_body == export(full)
    text = d.config.read_text()
    # policy: holds the new policy; the bytes before and after it did not move.
    assert export(yaml.safe_load(text)["policy"]) == export(full)
    h0, _, t0 = config_parts(before_put)
    h1, _, t1 = config_parts(text)
    assert h1 == h0 and t1 == t0
    assert text.endswith(CONFIG_TAIL)
    sensors = d.ok("GET", "/v1/sensors").json()

    d.stop()
    assert d.config.read_text() == text
    d.start()
    assert d.ok("GET", "/v1/policy", token=READ).json() == put_body
    assert d.ok("GET", "/v1/sensors", token=READ).json() == sensors
    assert d.ok("GET", "/v1/mode").json() == {
        "mode": "protect", "group_overrides": {"workloads": "monitor", "payments": "discover"}}
    assert d.config.read_text() == text
    # And the restarted daemon writes as well.
    d.ok("DELETE", "/v1/rules/deny-rest", status=204)
    assert [x["id"] for x in yaml.safe_load(d.config.read_text())["policy"]["rules"]] == [
        "no-cards-to-partners", "dns"]


# ---- every answer seen above, against docs/api/openapi.yaml ----

SPEC_PATH = ROOT / "docs" / "api" / "openapi.yaml"


def resolve(spec, node):
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        node = spec
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def schema_errors(spec, schema, v, where="$"):
    """The JSON Schema subset the spec uses; a list of messages, empty when v conforms."""
    schema = resolve(spec, schema)
    errs = []
    kinds = {"null": v is None, "boolean": isinstance(v, bool),
             "integer": isinstance(v, int) and not isinstance(v, bool),
             "number": isinstance(v, (int, float)) and not isinstance(v, bool),
             "string": isinstance(v, str), "array": isinstance(v, list),
             "object": isinstance(v, dict)}
    t = schema.get("type")
    if t is not None:
        types = t if isinstance(t, list) else [t]
        if not any(kinds[x] for x in types):
            return [f"{where}: {v!r} is not {t}"]
    if "const" in schema and v != schema["const"]:
        errs.append(f"{where}: {v!r} != const {schema['const']!r}")
    if "enum" in schema and v not in schema["enum"]:
        errs.append(f"{where}: {v!r} not in {schema['enum']}")
    if isinstance(v, str):
        if "pattern" in schema and not re.search(schema["pattern"], v):
            errs.append(f"{where}: {v!r} does not match {schema['pattern']}")
        if len(v) < schema.get("minLength", 0) or len(v) > schema.get("maxLength", 1 << 60):
            errs.append(f"{where}: length of {v!r}")
    if kinds["number"]:
        if v < schema.get("minimum", float("-inf")) or v > schema.get("maximum", float("inf")):
            errs.append(f"{where}: {v} out of range")
    if isinstance(v, list):
        if len(v) < schema.get("minItems", 0) or len(v) > schema.get("maxItems", 1 << 60):
            errs.append(f"{where}: {len(v)} items")
        if "items" in schema:
            for i, x in enumerate(v):
                errs += schema_errors(spec, schema["items"], x, f"{where}[{i}]")
    if isinstance(v, dict):
        if not schema.get("minProperties", 0) <= len(v) <= schema.get("maxProperties", 1 << 60):
            errs.append(f"{where}: {len(v)} members")
        props = schema.get("properties", {})
        for k in schema.get("required", []):
            if k not in v:
                errs.append(f"{where}: missing {k}")
        extra = schema.get("additionalProperties", True)
        for k, x in v.items():
            if k in props:
                errs += schema_errors(spec, props[k], x, f"{where}.{k}")
            elif extra is False:
                errs.append(f"{where}: undocumented member {k}")
            elif isinstance(extra, dict):
                errs += schema_errors(spec, extra, x, f"{where}.{k}")
    for sub in schema.get("allOf", []):
        errs += schema_errors(spec, sub, v, where)
    if "oneOf" in schema:
        ok = [sub for sub in schema["oneOf"] if not schema_errors(spec, sub, v, where)]
        if len(ok) != 1:
            errs.append(f"{where}: matches {len(ok)} of oneOf")
    return errs


def spec_operation(spec, method, path):
    """The spec's operation for an actual request path, or None for a path it lacks."""
    path = urllib.parse.urlsplit(path).path
    for template, ops in spec["paths"].items():
        rx = "^" + re.escape(template).replace(r"\{id\}", "[^/]+") + "$"
        if re.match(rx, path):
            return ops.get(method.lower(), "no such method")
    return None


def test_every_answer_matches_the_spec(d):
    for path in READS:
        d.ok("GET", path, token=READ)
    d.ok("GET", "/v1/policy", headers={"Accept": "application/yaml"})
    spec = yaml.safe_load(SPEC_PATH.read_text())
    checked, problems = 0, []
    for method, path, r in SEEN:
        op = spec_operation(spec, method, path)
        if op is None or r.status == 405:
            continue                        # routing answers, not the resource's
        assert op != "no such method", (method, path)
        responses = op["responses"]
        resp = resolve(spec, responses.get(str(r.status)))
        if resp is None:
            problems.append(f"{method} {path}: {r.status} is not documented")
            continue
        checked += 1
        content = resp.get("content")
        if r.status == 204 or not content:
            if r.body:
                problems.append(f"{method} {path}: {r.status} with a body")
            continue
        ctype = r.headers["Content-Type"].split(";")[0].strip()
        if ctype not in content:
            problems.append(f"{method} {path}: {r.status} as {ctype}, documented: "
                            f"{sorted(content)}")
            continue
        body = r.body.decode()
        value = json.loads(body) if ctype.endswith("json") else body
        for e in schema_errors(spec, content[ctype]["schema"], value):
            problems.append(f"{method} {path} {r.status}: {e}")
        for name in resp.get("headers", {}):
            if name == "ETag" and r.status < 300 and method != "GET" and \
                    value == {"valid": True, "detail": value.get("detail")}:
                continue                    # a dry run: no new tag
            if name == "ETag":
                assert r.headers.get("ETag"), (method, path, r.status)
    assert checked > 300
    assert not problems, "\n".join(sorted(set(problems))[:50])


def test_dry_run_values_other_than_true_or_false_are_refused(d):
    d.problem("PUT", "/v1/mode?dry_run=yes", {"mode": "protect"}, 400, "dry_run")
    r = d.ok("PUT", "/v1/mode?dry_run=false", {"mode": "monitor"})
    assert r.json()["mode"] == "monitor"


def test_single_resource_problems_name_the_field_relative_to_the_body(d):
    p = d.problem("POST", "/v1/rules?position=0", rule("x", to="nowhere"), 422, "/to")
    assert p["detail"].startswith("to: unknown group"), p


def test_events_of_the_run_are_served_filtered_and_paged(d):
    r = d.ok("GET", "/v1/events?limit=1000", token=READ).json()
    types = {e["event_type"] for e in r["events"]}
    assert "flow" in types and len(types) >= 2, types     # flows and their verdicts
    assert r["returned"] == len(r["events"]) and r["dropped"] == 0
    other = sorted(types - {"flow"})[0]
    some = d.ok("GET", "/v1/events?event_type=" + other, token=READ).json()["events"]
    assert some and all(e["event_type"] == other for e in some)
    assert len(some) == sum(e["event_type"] == other for e in r["events"])
    fid = some[0]["flow_id"]
    same = d.ok("GET", f"/v1/events?flow_id={fid}", token=READ).json()["events"]
    assert {e["flow_id"] for e in same} == {fid}
    assert "flow" in {e["event_type"] for e in same}
    # Paging: one at a time through every event, same order as the whole list.
    seen, cur = [], None
    while True:
        q = "/v1/events?limit=1" + (f"&cursor={cur}" if cur else "")
        page = d.ok("GET", q, token=READ).json()
        seen += page["events"]
        cur = page["next_cursor"]
        if cur is None:
            break
    assert seen == r["events"]
    for q, param in (("event_type=x", "event_type"), ("limit=0", "limit"),
                     ("cursor=a", "cursor"), ("flow_id=-3", "flow_id")):
        p = d.problem("GET", "/v1/events?" + q, None, 400, param, token=READ)
        assert p["detail"].startswith(param + ":")
