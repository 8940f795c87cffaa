# SPDX-License-Identifier: BSD-3-Clause
"""Seeds of the control-side fuzz targets, for tests/fuzz/make_corpus.py: validator
candidates (validators), configuration files (config), policy REST bodies (policy_json),
capture and rule-move REST bodies (api_bodies),
label map bodies (label_map) and label selectors (selector), each in the input layout
documented at the top of tests/fuzz/fuzz_<target>.c. The configuration seeds start from
config/tollgate.yaml and config/demo.yaml with their comments dropped (the fuzzer's
max_len is 8 KiB), so they follow the shipped files.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- validators: [seed] then the candidate ----

VALIDATOR_SAMPLES = [
    "4111 1111 1111 1111", "4111-1111-1111-1111", "378282246310005", "3782 822463 10005",
    "6011111111111117", "79927398713", "7992-7398-713", "GB82WEST12345698765432",
    "DE89 3704 0044 0532 0130 00", "rf18 5390 0754 7034", "536-90-4399", "536904399",
    "John.Doe@Example.COM", "+44 20 7946 0958", "943 476 5919", "AB123456C", "54362315K",
    "X2482300W", "RCCMNL83S18D969H", "111222333", "85073003328", "85.07.30-033.28",
    "44051401359", "880320-0016", "19880320-0016", "131052-308T", "211062-5629",
    "36574261809", "295109912611193", "1237 010180", "6433435F", "PT501964843",
    "AKIAIOSFODNN7EXAMPLE", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.",
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n",
    "  PAT-12345678\r\n",
]


def validator_seeds():
    s = {}
    for i, v in enumerate(VALIDATOR_SAMPLES):
        s["v%02d" % i] = bytes([(i * 37) & 0xFF]) + v.encode()
    return s


# ---- config: a configuration file ----

def strip_comments(text):
    out = []
    for line in text.splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def config_seeds():
    s = {}
    with open(os.path.join(ROOT, "config", "tollgate.yaml")) as f:
        s["tollgate_yaml"] = strip_comments(f.read()).encode()
    with open(os.path.join(ROOT, "config", "demo.yaml")) as f:
        s["demo_yaml"] = strip_comments(f.read()).encode()
    s["ports_inline_eal"] = b"""dataplane:
  workers: 2
  exception_policy: fail_closed
  ports:
    - name: inside
      device: "0000:03:00.0"
      mode: inline
      peer: outside
    - name: outside
      device: net_pcap0,rx_pcap=/tmp/in.pcap
      mode: inline
      peer: inside
    - {name: tap0, device: "net_af_packet0,iface=eth1", mode: tap}
  eal_args: ["--log-level=7", '--file-prefix=tg']
  idle: {busy_poll: yes, empty_polls: 0, max_sleep_us: 1000}
flow: {max_flows: 1024, buckets: 2048, evict: none, timeouts: {new: 0.5, udp: 30}}
reassembly: {memcap: 1G, block_size: 4KiB, max_ooo_per_dir: 64K, depth: 1MiB, midstream: off}
"""
    s["dlp_custom_sensors"] = b"""dlp:
  action: block
  rule: "pci"
  threshold: 2
  max_matches_per_event: 4
  context_window: 128
  disabled: [us_ssn, phone]
  sensors:
    - id: credit_card
      keywords: [card, visa]
      add_keywords: ["cc#"]
      window: 32
      threshold: 3
  custom:
    - name: employee_id
      category: identity
      patterns: ['EMP-[0-9]{6}', "E[0-9]{8}"]
      validator: luhn
      keywords: [employee, staff]
      window: 64
      threshold: 1
      severity: high
      context_required: true
events: {ring_size: 1024, http: true, smtp: true, drain_timeout_ms: 0}
app: {enabled: false, max_header_line: 1KiB, base64_min: 16, max_ratio: 0}
api: {listen: "[::1]:8471", token_file: /etc/tollgate/tokens, max_body: 64KiB, events_kept: 0}
state_dir: /tmp/tg-state
"""
    s["flow_style_document"] = (b'{"flow": {"max_flows": 10, "timeouts": {"closed": "0.000001"}},'
                                b' "defrag": {"timeout_ms": 1}, "policy": {"mode": "protect"}}\n')
    s["bad_duplicate_key"] = b"flow:\n  max_flows: 1\n  max_flows: 2\n"
    s["bad_anchor"] = b"a: &x 1\nb: *x\n"
    s["bad_cross_field"] = b"reassembly:\n  block_size: 2MiB\n  max_ooo_per_dir: 1MiB\n"
    s["bad_tab_and_type"] = b"dataplane:\n\tworkers: two\n"
    s["document_markers"] = b"%YAML 1.1\n---\nevents:\n  http: TRUE\n...\n"
    s["block_scalars"] = b"api:\n  token_file: |\n    /x\n  tls_cert: >-\n    /c\n"
    return s


# ---- policy_json: [kind] then the body; kinds: policy, group, rule, custom, mode ----

def body(kind, obj):
    return bytes([kind]) + json.dumps(obj).encode()


def policy_json_seeds():
    s = {}
    s["policy_full"] = body(0, {
        "mode": "protect", "default_action": "deny",
        "groups": [{"name": "apps", "cidrs": ["10.1.0.0/16", "fd00::/8"],
                    "ranges": ["10.2.0.1-10.2.0.9"], "fqdns": ["*.pay.example", "api.example"],
                    "selector": "app in (web,api),!canary", "mode": "discover"},
                   {"name": "db", "cidrs": ["192.168.1.0/24"]}],
        "rules": [{"id": "web-out", "from": "apps", "to": "external", "protocol": "tcp",
                   "ports": [80, "8000-8100", "443"], "app": "http", "action": "allow",
                   "require_tls": False, "comment": "egress",
                   "dlp": [{"sensor": "credit_card", "action": "block", "threshold": 2},
                           {"sensor": "iban", "action": "alert"}]},
                  {"id": "dns", "from": "any", "to": "any", "protocol": "udp", "ports": [53],
                   "app": "dns", "action": "allow"}]})
    s["policy_empty"] = body(0, {})
    s["policy_bad_group_ref"] = body(0, {"rules": [{"id": "x", "from": "nope", "to": "any",
                                                     "action": "deny"}]})
    s["group"] = body(1, {"name": "partners", "cidrs": ["172.16.0.0/12", "2001:db8::/32"],
                          "selector": "k8s:namespace=prod", "mode": "monitor"})
    s["group_wrong_type"] = body(1, {"name": "g", "cidrs": "10.0.0.0/8"})
    s["rule"] = body(2, {"id": "tls-only", "from": "web", "to": "db", "protocol": "tcp",
                         "ports": ["5432"], "app": "tls", "action": "allow", "require_tls": True})
    s["rule_unknown_field"] = body(2, {"id": "r", "from": "web", "to": "db", "action": "allow",
                                       "prot": "tcp"})
    s["custom"] = body(3, {"name": "emp_id", "category": "identity",
                           "patterns": ["EMP-[0-9]{6}"], "validator": "luhn",
                           "keywords": ["employee"], "window": 64, "threshold": 2,
                           "severity": "high", "context_required": True})
    s["custom_reserved_name"] = body(3, {"name": "credit_card", "patterns": ["x"]})
    s["mode"] = body(4, {"mode": "discover"})
    s["mode_bad"] = body(4, {"mode": "lockdown"})
    return s


# ---- label_map: [flags: max_entries bits 0-1, PATCH bit 2] then the body ----

def label_map_seeds():
    s = {}
    s["put"] = bytes([2]) + json.dumps({"generation": 7, "entries": [
        {"ip": "10.1.2.3", "labels": {"app": "payments", "tier": "web"}},
        {"ip": "::ffff:192.0.2.1", "labels": {}},
        {"ip": "2001:DB8::5", "labels": {"k8s:namespace": "prod", "example.com/team": "a-b_c.d"}},
    ]}).encode()
    s["put_too_many"] = bytes([0]) + json.dumps({"generation": 1, "entries": [
        {"ip": "10.0.0.1", "labels": {}}, {"ip": "10.0.0.2", "labels": {}}]}).encode()
    s["put_duplicate_ip"] = bytes([3]) + json.dumps({"generation": 2, "entries": [
        {"ip": "::ffff:10.0.0.1", "labels": {}},
        {"ip": "10.0.0.1", "labels": {"a": "b"}}]}).encode()
    s["patch"] = bytes([6]) + json.dumps({"generation": 9, "add": [
        {"ip": "10.0.0.9", "labels": {"app": "web"}}], "remove": ["2001:db8::1"]}).encode()
    s["patch_stale"] = bytes([6]) + json.dumps({"generation": 5, "remove": ["10.0.0.1"]}).encode()
    s["patch_remove_missing"] = bytes([7]) + json.dumps({"generation": 6,
                                                         "remove": ["10.9.9.9"]}).encode()
    return s


# ---- selector: the text, then NUL-separated labels ----

def selector_seeds():
    s = {}
    s["equality"] = b"app=web,tier==front,env!=prod\0app=web\0tier=front\0env=dev"
    s["sets"] = b"tier in (a, b,c), env notin (prod),k8s:namespace in (x)\0tier=b\0k8s:namespace=x"
    s["existence"] = b" app , !canary ,example.com/team\0app\0example.com/team=core"
    s["empty"] = b"\0app=x"
    s["bad_operator"] = b"app>3"
    s["bad_empty_set"] = b"app in ()"
    s["k8s_prefix_twice"] = b"k8s:k8s:a=b"
    s["long_prefix"] = b"a" * 253 + b"/" + b"n" * 63 + b"=" + b"v" * 63
    return s


# ---- api_bodies: [kind: bit 0 move, bits 1-2 the capture: section] then the body ----

def api_bodies_seeds():
    s = {}
    s["capture_full"] = body(0, {"id": "inc-42", "name": "web_egress", "bpf": "tcp port 443",
                                 "group": "payments", "ip": "10.1.2.0/24", "port": 443,
                                 "snaplen": 1500, "file_size": 1048576, "file_count": 4,
                                 "duration": 300, "packets": 100000})
    s["capture_flow"] = body(2, {"flow_id": 9007199254740992, "snaplen": 96})
    s["capture_ipv6"] = body(6, {"ip": "2001:db8::1/48", "packets": 0, "duration": 0})
    s["capture_empty"] = body(0, {})
    s["capture_small_file"] = body(4, {"file_size": 1024, "snaplen": 1000})
    s["capture_bad_id"] = body(0, {"id": "-x", "name": "a/b"})
    s["capture_unknown"] = body(0, {"a/b~c": 1})
    s["capture_out_of_range"] = body(2, {"port": 0, "file_count": 99, "duration": -1})
    s["move_before"] = body(1, {"before": "r1"})
    s["move_position"] = body(1, {"position": 0, "after": "web-out"})
    s["move_empty"] = body(1, {})
    s["move_negative"] = body(1, {"position": -3})
    s["move_unknown"] = body(1, {"to": "x"})
    return s


TARGETS = {
    "validators": validator_seeds,
    "api_bodies": api_bodies_seeds,
    "config": config_seeds,
    "policy_json": policy_json_seeds,
    "label_map": label_map_seeds,
    "selector": selector_seeds,
}
