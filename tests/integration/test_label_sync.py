"""tools/label-sync: the body it builds from recorded `kubectl get pods -A -o json` output
(tests/data/kubectl-pods.json), and real PUTs to the label map of a running tollgated,
read back through GET /v1/labels with and without a k8s:namespace selector.

The sample holds ten pods in five namespaces: an ordinary Deployment pod, a dual-stack
StatefulSet pod (two podIPs), a pod using app.kubernetes.io labels, a hostNetwork
kube-proxy (the node's IP), a Succeeded Job pod and a Failed (evicted) pod that keep their
IPs, a Pending pod with no IP, a terminating pod whose IP a newer pod already has, and a
pod without labels."""

import json
import os
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
LABEL_SYNC = ROOT / "tools" / "label-sync"
PODS = ROOT / "tests" / "data" / "kubectl-pods.json"
SAMPLE_PCAP = ROOT / "tools" / "sample" / "demo.pcap"
ADMIN = "a" * 20 + "label-sync-adm1"
READ = "r" * 20 + "label-sync-read"

API_LABELS = {
    "10.244.1.17": {"app": "api", "k8s:namespace": "payments",
                    "pod-template-hash": "7d9c6b5f4", "tier": "backend"},
    "10.244.1.23": {"app.kubernetes.io/component": "frontend", "app.kubernetes.io/name": "web",
                    "app.kubernetes.io/part-of": "shop", "k8s:namespace": "shop",
                    "pod-template-hash": "5c7b8d9f6"},
    "10.244.2.9": {"app": "ledger", "apps.kubernetes.io/pod-index": "0",
                   "controller-revision-hash": "ledger-5b8f9c7d6",
                   "k8s:namespace": "payments",
                   "statefulset.kubernetes.io/pod-name": "ledger-0"},
    "10.244.3.5": {"app": "fraud-check", "k8s:namespace": "payments",
                   "pod-template-hash": "84c9d7f6b", "tier": "backend"},
    "10.244.3.12": {"k8s:namespace": "monitoring"},
}
API_LABELS["fd00:10:244:2::9"] = API_LABELS["10.244.2.9"]
KUBE_PROXY = {"controller-revision-hash": "6f9d8c7b5", "k8s-app": "kube-proxy",
              "k8s:namespace": "kube-system", "pod-template-generation": "1"}

EXPECTED_BODY = """\
{
  "generation": 42,
  "entries": [
    {
      "ip": "10.244.1.17",
      "labels": {
        "app": "api",
        "k8s:namespace": "payments",
        "pod-template-hash": "7d9c6b5f4",
        "tier": "backend"
      }
    },
    {
      "ip": "10.244.1.23",
      "labels": {
        "app.kubernetes.io/component": "frontend",
        "app.kubernetes.io/name": "web",
        "app.kubernetes.io/part-of": "shop",
        "k8s:namespace": "shop",
        "pod-template-hash": "5c7b8d9f6"
      }
    },
    {
      "ip": "10.244.2.9",
      "labels": {
        "app": "ledger",
        "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": "ledger-5b8f9c7d6",
        "k8s:namespace": "payments",
        "statefulset.kubernetes.io/pod-name": "ledger-0"
      }
    },
    {
      "ip": "10.244.3.5",
      "labels": {
        "app": "fraud-check",
        "k8s:namespace": "payments",
        "pod-template-hash": "84c9d7f6b",
        "tier": "backend"
      }
    },
    {
      "ip": "10.244.3.12",
      "labels": {
        "k8s:namespace": "monitoring"
      }
    },
    {
      "ip": "fd00:10:244:2::9",
      "labels": {
        "app": "ledger",
        "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": "ledger-5b8f9c7d6",
        "k8s:namespace": "payments",
        "statefulset.kubernetes.io/pod-name": "ledger-0"
      }
    }
  ]
}
"""

DUPLICATE_WARNING = (
    "label-sync: warning: IP 10.244.3.5 is claimed by shop/cart-6f8d7c9b5-l5wq2 and "
    "payments/fraud-check-84c9d7f6b-m2n7s: keeping payments/fraud-check-84c9d7f6b-m2n7s "
    "(newer by creationTimestamp), dropping shop/cart-6f8d7c9b5-l5wq2\n")


def label_sync(*args, stdin=None, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("TOLLGATE_TOKEN", None)
    e.update(env or {})
    return subprocess.run([str(LABEL_SYNC), *map(str, args)], input=stdin,
                          capture_output=True, text=True, env=e, timeout=timeout)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def get(port, path, token):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                 headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def entries(port, selector=None):
    path = "/v1/labels"
    if selector is not None:
        path += "?labelSelector=" + urllib.parse.quote(selector, safe="")
    status, body = get(port, path, READ)
    assert status == 200, body
    return body


@pytest.fixture
def daemon(tmp_path):
    """tollgated --read SAMPLE --serve with an API port and a token file (admin + read);
    yields (api URL, port, token file path)."""
    if not os.access(BIN, os.X_OK):
        pytest.fail(f"tollgated not found at {BIN}: build it (ninja -C build) or set "
                    f"TOLLGATED", pytrace=False)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# test tokens\nread {READ}\nadmin {ADMIN}\n")
    tokens.chmod(0o600)
    port = free_port()
    p = subprocess.Popen([BIN, "--read", str(SAMPLE_PCAP), "--serve", "--api-listen",
                          f"127.0.0.1:{port}", "--api-token-file", str(tokens), "--state-dir",
                          str(tmp_path / "state")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 30
    while True:
        assert p.poll() is None, p.communicate()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    break
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.time() > deadline:
            p.kill()
            pytest.fail("tollgated --serve did not answer /healthz")
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}", port, tokens
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 0, err


# --dry-run: the body, exactly


def test_dry_run_prints_the_body_exactly_and_warns_about_the_shared_ip():
    r = label_sync("--file", PODS, "--dry-run", "--generation", "42")
    assert r.returncode == 0, r.stderr
    assert r.stdout == EXPECTED_BODY
    assert r.stderr == DUPLICATE_WARNING + \
        "label-sync: 6 entries, generation 42 (dry run, not sent)\n"


def test_dry_run_reads_stdin_the_same_as_a_file():
    r = label_sync("--dry-run", "--generation", "42", stdin=PODS.read_text())
    assert r.returncode == 0, r.stderr
    assert r.stdout == EXPECTED_BODY


def test_include_host_network_adds_the_node_ip_of_kube_proxy():
    r = label_sync("--file", PODS, "--dry-run", "--generation", "7", "--include-host-network")
    assert r.returncode == 0, r.stderr
    body = json.loads(r.stdout)
    got = {e["ip"]: e["labels"] for e in body["entries"]}
    assert got == {**API_LABELS, "192.168.10.21": KUBE_PROXY}
    assert [e["ip"] for e in body["entries"]] == [
        "10.244.1.17", "10.244.1.23", "10.244.2.9", "10.244.3.5", "10.244.3.12",
        "192.168.10.21", "fd00:10:244:2::9"]


def test_skipped_pods_are_succeeded_failed_pending_and_host_network():
    body = json.loads(label_sync("--file", PODS, "--dry-run", "--generation", "1").stdout)
    ips = {e["ip"] for e in body["entries"]}
    # Succeeded Job pod, evicted (Failed) pod, kube-proxy's node IP; the Pending pod has none.
    assert ips.isdisjoint({"10.244.2.31", "10.244.2.14", "192.168.10.21"})
    pods = json.loads(PODS.read_text())["items"]
    assert len(pods) == 10
    assert sum(1 for p in pods if "podIP" not in p["status"]) == 1


def test_default_generation_is_unix_time_in_milliseconds():
    before = time.time_ns() // 1_000_000
    r = label_sync("--file", PODS, "--dry-run")
    after = time.time_ns() // 1_000_000
    assert r.returncode == 0, r.stderr
    assert before <= json.loads(r.stdout)["generation"] <= after


def test_newest_pod_wins_a_shared_ip_whatever_the_order(tmp_path):
    doc = json.loads(PODS.read_text())
    doc["items"].reverse()
    f = tmp_path / "reversed.json"
    f.write_text(json.dumps(doc))
    r = label_sync("--file", f, "--dry-run", "--generation", "42")
    assert r.returncode == 0, r.stderr
    assert r.stdout == EXPECTED_BODY
    assert "keeping payments/fraud-check-84c9d7f6b-m2n7s" in r.stderr


def test_ipv4_mapped_pod_ip_is_the_ipv4_address(tmp_path):
    doc = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""},
           "items": [{"apiVersion": "v1", "kind": "Pod",
                      "metadata": {"name": "p", "namespace": "ns",
                                   "creationTimestamp": "2024-05-02T10:00:00Z"},
                      "spec": {}, "status": {"phase": "Running",
                                             "podIP": "::ffff:10.9.8.7",
                                             "podIPs": [{"ip": "::ffff:10.9.8.7"}]}}]}
    r = label_sync("--dry-run", "--generation", "3", stdin=json.dumps(doc))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"generation": 3, "entries": [
        {"ip": "10.9.8.7", "labels": {"k8s:namespace": "ns"}}]}


# Bad input: exit 2 with a message naming the problem


@pytest.mark.parametrize("text, message", [
    ("{not json", "label-sync: stdin: not JSON: Expecting property name enclosed in double "
                  "quotes at line 1 column 2 (expected the output of `kubectl get pods -A "
                  "-o json`)\n"),
    ("", "label-sync: stdin: not JSON: Expecting value at line 1 column 1 (expected the "
         "output of `kubectl get pods -A -o json`)\n"),
    ("[]", "label-sync: stdin: expected a JSON object with \"items\" (the output of "
           "`kubectl get pods -A -o json`), got list\n"),
    ('{"kind": "Service", "apiVersion": "v1"}',
     "label-sync: stdin: kind 'Service' with no \"items\" list (expected a List of pods: the "
     "output of `kubectl get pods -A -o json`)\n"),
    ('{"kind": "List", "items": [{"kind": "Service"}]}',
     "label-sync: stdin: items[0]: expected a Pod, got kind 'Service'\n"),
    ('{"kind": "List", "items": [7]}',
     "label-sync: stdin: items[0]: expected a Pod object, got int\n"),
    ('{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p", "namespace": "n",'
     ' "creationTimestamp": "yesterday"}, "status": {"podIP": "10.0.0.3"}}]}',
     "label-sync: items[0].metadata.creationTimestamp: 'yesterday' is not an RFC 3339 time "
     "such as 2024-05-02T09:14:07Z\n"),
    ('{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p", "namespace": "n"},'
     ' "status": {"podIP": "10.0.0.300"}}]}',
     "label-sync: items[0].status.podIP: '10.0.0.300' is not an IP address\n"),
    ('{"kind": "List", "items": [{"kind": "Pod", "metadata": {"name": "p"},'
     ' "status": {"podIP": "10.0.0.3"}}]}',
     "label-sync: items[0].metadata.namespace: expected the pod's namespace (use "
     "`kubectl get pods -A -o json`)\n"),
])
def test_bad_input_exits_2_with_a_clear_message(text, message):
    r = label_sync("--dry-run", stdin=text)
    assert (r.returncode, r.stdout, r.stderr) == (2, "", message)


def test_unreadable_file_and_missing_token_exit_2(tmp_path):
    r = label_sync("--file", tmp_path / "nope.json", "--dry-run")
    assert r.returncode == 2
    assert r.stderr.startswith(f"label-sync: {tmp_path / 'nope.json'}: cannot read: ")
    r = label_sync("--file", PODS, "--api", "http://127.0.0.1:9")
    assert (r.returncode, r.stderr) == (2, "label-sync: no token: give --token-file FILE or "
                                           "set TOLLGATE_TOKEN\n")
    tokens = tmp_path / "read-only"
    tokens.write_text(f"read {READ}\n")
    r = label_sync("--file", PODS, "--token-file", tokens)
    assert (r.returncode, r.stderr) == (2, f"label-sync: {tokens}: no admin line (expected the "
                                           f"token alone, or a line \"admin TOKEN\": writing "
                                           f"the label map needs an admin token)\n")
    assert READ not in r.stderr.replace(str(tokens), "")


def test_unreachable_api_exits_1():
    port = free_port()
    r = label_sync("--file", PODS, "--api", f"http://127.0.0.1:{port}",
                   env={"TOLLGATE_TOKEN": ADMIN})
    assert r.returncode == 1
    assert r.stderr.endswith(f"label-sync: PUT http://127.0.0.1:{port}/v1/labels?source=label-sync: cannot "
                             f"reach the API: [Errno 111] Connection refused\n")


# Against the real daemon


def test_put_then_get_labels_and_select_by_namespace(daemon):
    api, port, tokens = daemon
    r = label_sync("--file", PODS, "--api", api, "--token-file", tokens, "--generation", "42")
    assert (r.returncode, r.stdout) == (0, "label-sync: 6 entries, generation 42\n"), r.stderr
    assert r.stderr == DUPLICATE_WARNING

    got = entries(port)
    assert got["generation"] == 42
    assert [e["ip"] for e in got["entries"]] == [
        "10.244.1.17", "10.244.1.23", "10.244.2.9", "10.244.3.5", "10.244.3.12",
        "fd00:10:244:2::9"]
    for e in got["entries"]:
        assert e["labels"] == API_LABELS[e["ip"]], e["ip"]
        # label-sync names itself as the source of what it writes (?source=label-sync).
        assert e["source"] == "label-sync"
        assert abs(e["updated"] - time.time()) < 120

    assert [e["ip"] for e in entries(port, "k8s:namespace=payments")["entries"]] == [
        "10.244.1.17", "10.244.2.9", "10.244.3.5", "fd00:10:244:2::9"]
    status, body = get(port, "/v1/labels?labelSelector=k8s:namespace%3Dpayments", READ)
    assert status == 200 and len(body["entries"]) == 4
    assert [e["ip"] for e in entries(port, "k8s:namespace in (shop, monitoring)")["entries"]] \
        == ["10.244.1.23", "10.244.3.12"]
    assert [e["ip"] for e in entries(port, "k8s:namespace=payments,tier=backend")["entries"]] \
        == ["10.244.1.17", "10.244.3.5"]
    assert entries(port, "!k8s:namespace")["entries"] == []
    # Only the reserved prefix takes a ':'.
    status, body = get(port, "/v1/labels?labelSelector=" +
                       urllib.parse.quote("ns:x=y", safe=""), READ)
    assert status == 400 and "invalid character ':'" in body["detail"]


def test_a_second_run_replaces_the_map(daemon, tmp_path):
    api, port, tokens = daemon
    assert label_sync("--file", PODS, "--api", api, "--token-file", tokens,
                      "--generation", "42").returncode == 0
    doc = json.loads(PODS.read_text())
    doc["items"] = [p for p in doc["items"] if p["metadata"]["namespace"] == "shop"]
    r = label_sync("--api", api + "/", "--token-file", tokens, "--generation", "43",
                   stdin=json.dumps(doc))
    assert (r.returncode, r.stdout, r.stderr) == (0, "label-sync: 2 entries, generation 43\n",
                                                  "")
    got = entries(port)
    assert got["generation"] == 43
    assert {e["ip"]: e["labels"] for e in got["entries"]} == {
        "10.244.1.23": API_LABELS["10.244.1.23"],
        "10.244.3.5": {"app": "cart", "k8s:namespace": "shop",
                       "pod-template-hash": "6f8d7c9b5"}}


def test_token_from_a_bare_token_file_or_the_environment(daemon, tmp_path):
    api, port, _ = daemon
    bare = tmp_path / "token"
    bare.write_text(f"# label-sync's token\n{ADMIN}\n")
    r = label_sync("--file", PODS, "--api", api, "--token-file", bare, "--generation", "5")
    assert (r.returncode, r.stdout) == (0, "label-sync: 6 entries, generation 5\n"), r.stderr
    r = label_sync("--file", PODS, "--api", api, env={"TOLLGATE_TOKEN": ADMIN})
    assert r.returncode == 0, r.stderr
    # The default generation (milliseconds) is above 5, so this write was accepted.
    assert entries(port)["generation"] > 1_700_000_000_000


def test_stale_generation_exits_1_with_the_problem_detail(daemon):
    api, port, tokens = daemon
    assert label_sync("--file", PODS, "--api", api, "--token-file", tokens,
                      "--generation", "42").returncode == 0
    r = label_sync("--file", PODS, "--api", api, "--token-file", tokens, "--generation", "41")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.endswith(f"label-sync: PUT {api}/v1/labels?source=label-sync: 409 Stale generation: "
                             f"/generation: 41 is stale (expected greater than the current "
                             f"generation 42)\n")
    assert entries(port)["generation"] == 42


def test_wrong_or_read_only_token_exits_1_with_the_problem_detail(daemon):
    api, port, _ = daemon
    wrong = ADMIN[:-1] + "x"
    r = label_sync("--file", PODS, "--api", api, env={"TOLLGATE_TOKEN": wrong})
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == DUPLICATE_WARNING + (
        f"label-sync: PUT {api}/v1/labels?source=label-sync: 401 Unauthorized: the Authorization header holds "
        f"no valid token: expected Bearer TOKEN with a token of the token file\n")
    assert wrong not in r.stderr
    r = label_sync("--file", PODS, "--api", api, env={"TOLLGATE_TOKEN": READ})
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == DUPLICATE_WARNING + (
        f"label-sync: PUT {api}/v1/labels?source=label-sync: 403 Forbidden: PUT /v1/labels needs an admin "
        f"token: this one is read\n")
    assert entries(port)["generation"] == 0


# The label map's limit: 64 labels per IP, k8s:namespace included

def _pod(name, ns, ip, nlabels, created="2024-05-02T10:00:00Z"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": created,
                         "labels": {f"l{i:02d}": f"v{i}" for i in range(nlabels)}},
            "spec": {}, "status": {"phase": "Running", "podIP": ip,
                                   "podIPs": [{"ip": ip}]}}


def _over_limit_doc():
    """63 labels (64 with the namespace: kept), 64 labels (65: skipped), 100 (skipped)."""
    return {"apiVersion": "v1", "kind": "List", "items": [
        _pod("full", "ns-a", "10.9.0.1", 63),
        _pod("one-too-many", "ns-b", "10.9.0.2", 64),
        _pod("plain", "ns-a", "10.9.0.3", 2),
        _pod("crowded", "ns-c", "10.9.0.4", 100),
    ]}


SKIP_WARNINGS = (
    "label-sync: warning: skipping pod ns-b/one-too-many: 64 labels plus k8s:namespace are "
    "65, more than the 64 the label map holds for one IP (its IPs 10.9.0.2 get no entry)\n"
    "label-sync: warning: skipping pod ns-c/crowded: 100 labels plus k8s:namespace are "
    "101, more than the 64 the label map holds for one IP (its IPs 10.9.0.4 get no entry)\n")


def test_pod_over_the_label_limit_is_skipped_with_a_warning_naming_it():
    r = label_sync("--dry-run", "--generation", "9", stdin=json.dumps(_over_limit_doc()))
    assert r.returncode == 0, r.stderr
    assert r.stderr == SKIP_WARNINGS + "label-sync: 2 entries, generation 9 (dry run, not sent)\n"
    body = json.loads(r.stdout)
    assert [e["ip"] for e in body["entries"]] == ["10.9.0.1", "10.9.0.3"]
    assert len(body["entries"][0]["labels"]) == 64
    assert body["entries"][1]["labels"] == {"k8s:namespace": "ns-a", "l00": "v0", "l01": "v1"}


def test_the_label_limit_is_in_help_and_in_the_openapi_schema():
    r = label_sync("--help")
    assert r.returncode == 0
    assert ("A pod with more than 63 labels (64 with k8s:namespace, the label map's\n"
            "limit per IP) is skipped with a warning naming it; the other pods are sent.\n") \
        in r.stdout
    import yaml
    spec = yaml.safe_load((ROOT / "docs" / "api" / "openapi.yaml").read_text())
    schemas = spec["components"]["schemas"]
    assert schemas["LabelEntry"]["properties"]["labels"]["maxProperties"] == 64
    assert schemas["LabelMap"]["properties"]["entries"]["items"]["properties"]["labels"][
        "maxProperties"] == 64


def test_the_sync_goes_on_without_the_pod_over_the_limit(daemon):
    api, port, tokens = daemon
    r = label_sync("--api", api, "--token-file", tokens, "--generation", "50",
                   stdin=json.dumps(_over_limit_doc()))
    assert (r.returncode, r.stdout, r.stderr) == (
        0, "label-sync: 2 entries, generation 50\n", SKIP_WARNINGS)
    got = entries(port)
    assert got["generation"] == 50
    assert [(e["ip"], len(e["labels"])) for e in got["entries"]] == [("10.9.0.1", 64),
                                                                    ("10.9.0.3", 3)]
    # the daemon's own limit, which the skip keeps label-sync clear of: 65 is refused whole
    body = {"generation": 51, "entries": [
        {"ip": "10.9.0.2", "labels": {f"l{i:02d}": "v" for i in range(65)}}]}
    req = urllib.request.Request(f"{api}/v1/labels", data=json.dumps(body).encode(),
                                 method="PUT", headers={"Authorization": f"Bearer {ADMIN}",
                                                        "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 422
    assert json.loads(e.value.read())["detail"] == \
        "/entries/0/labels: 65 labels (expected at most 64)"
    assert entries(port)["generation"] == 50
