"""Every event of a few runs validates against a JSON schema shaped like Suricata's
published EVE schema (extra fields allowed), which this test writes itself from the fields
the tests rely on (tests/pcap/eve.py; no third-party file is committed). The runs between
them write each kind of event: flow, threshold alerts and the dlp events after them,
policy alerts with and without a rule, anomalies, http, smtp and dns (tls: in
test_meta_events.py, against the same schema), and the link of a finding to its automatic
capture. The schema is checked to refuse what it must (alert.rule null, a signature id in
the local-rules range)."""

import json
import subprocess
from pathlib import Path

import eve
from tgdaemon import BIN, DEADLINE

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"

POLICY = """
events:
  http: true
  smtp: true
  tls: true
  dns: true
policy:
  mode: monitor
  default_action: deny
  groups:
    - name: web
      cidrs: [198.51.100.0/24]
    - name: mail
      cidrs: [203.0.113.0/24]
  rules:
    - id: no-web
      from: any
      to: web
      action: deny
    - id: mail-out
      from: any
      to: mail
      action: allow
      dlp: [{sensor: email, action: block, threshold: 2}, {sensor: iban, action: alert}]
"""

DEPTH = """
reassembly:
  depth: 64
"""


def run(tmp_path, name, config=None):
    ev = tmp_path / f"{name}.json"
    args = [BIN, "-r", str(SAMPLE), "--events", str(ev), "--state-dir", str(tmp_path / "st")]
    if config is not None:
        cfg = tmp_path / f"{name}.yaml"
        cfg.write_text(config)
        args += ["-c", str(cfg)]
    p = subprocess.run(args, capture_output=True, text=True, timeout=DEADLINE)
    assert p.returncode == 0, p.stderr
    return [json.loads(x) for x in ev.read_text().splitlines()]


def kind(e):
    if e["event_type"] == "alert":
        return "alert:" + e["alert"]["reason"] + (":rule" if "rule" in e["alert"] else "")
    if e["event_type"] == "anomaly":
        return "anomaly:" + e["anomaly"]["type"]
    return e["event_type"]


def test_every_event_validates_against_the_eve_schema(tmp_path):
    schema = eve.write_schema(tmp_path / "tollgate-eve.schema.json")
    events = []
    for name, config in (("default", None), ("policy", POLICY), ("depth", DEPTH)):
        evs = run(tmp_path, name, config)
        errs = eve.validate(evs, schema)
        assert not errs, "%s run:\n%s" % (name, "\n".join(errs[:20]))
        events += evs
    kinds = {kind(e) for e in events}
    # each kind of event was written, and so validated, at least once
    assert kinds >= {"flow", "dlp", "http", "smtp", "dns", "anomaly:stream",
                     "alert:dlp_threshold:rule", "alert:deny:rule", "alert:default_deny"}, \
        sorted(kinds)
    for e in events:
        if e["event_type"] == "alert":
            assert e["alert"].get("rule", "") is not None
            assert not 1000000 <= e["alert"]["signature_id"] <= 1999999


def test_policy_run_alerts_are_exact(tmp_path):
    evs = run(tmp_path, "policy", POLICY)
    alerts = [e for e in evs if e["event_type"] == "alert"]
    policy = sorted((e["src_port"], json.dumps(e["alert"], sort_keys=True))
                    for e in alerts if "dlp" not in e)
    web = eve.policy_alert("deny", rule="no-web", mode="monitor", action="allowed",
                           from_group="external", to_group="web")
    default = {e["src_port"]: eve.policy_alert("default_deny", rule=None, mode="monitor",
                                               action="allowed", from_group="external",
                                               to_group=e["alert"]["to_group"])
               for e in alerts if "dlp" not in e and e["alert"]["reason"] == "default_deny"}
    assert default, "the capture has flows that no rule allows"
    assert all("rule" not in a for a in default.values())
    # the HTTP flow and the UDP one go to 198.51.100.0/24; the IPv6 and DNS flows match
    # no rule
    assert sorted(default) == [44000, 53001]
    want = sorted([(43512, json.dumps(web, sort_keys=True)),
                   (40000, json.dumps(web, sort_keys=True))] +
                  [(p, json.dumps(a, sort_keys=True)) for p, a in default.items()])
    assert policy == want
    # the mail flow: its rule binds email (block, 2) and iban (alert, 1), monitor mode
    mail = [e for e in alerts if "dlp" in e and e["src_port"] == 51000]
    got = sorted((e["alert"]["metadata"]["sensor"][0], e["alert"]["signature_id"],
                  e["alert"]["metadata"]["threshold"][0], e["dlp"]["rule_action"])
                 for e in mail)
    assert got == [("email", eve.sid_sensor("email"), "2", "block"),
                   ("iban", eve.sid_sensor("iban"), "1", "alert")], got
    for e in mail:
        s = e["alert"]["metadata"]["sensor"][0]
        assert e["alert"] == eve.dlp_alert(
            s, rule="mail-out", threshold=2 if s == "email" else 1, mode="monitor",
            action="allowed", from_group="external", to_group="mail")
        assert "smtp" in e and {m["sensor"] for m in e["dlp"]["matches"]} == {s}
        # the block binding's alert links to the flow's automatic capture (blocks capture
        # by default, in monitor mode too); the alert binding's does not
        if s == "email":
            cid = "dlp-%d" % e["flow_id"]
            assert e["capture"] == {"id": cid, "url": "/v1/captures/%s/files/1" % cid}
        else:
            assert "capture" not in e
    assert all("capture" not in e for e in alerts if "dlp" not in e)


def test_the_schema_refuses_null_rules_and_local_signature_ids(tmp_path):
    evs = run(tmp_path, "policy", POLICY)
    a = next(e for e in evs if e["event_type"] == "alert" and "rule" in e["alert"])
    bad_rule = json.loads(json.dumps(a))
    bad_rule["alert"]["rule"] = None
    bad_sid = json.loads(json.dumps(a))
    bad_sid["alert"]["signature_id"] = 1000000
    bad_gid = json.loads(json.dumps(a))
    bad_gid["alert"]["gid"] = 1
    assert eve.validate([a]) == []
    for bad in (bad_rule, bad_sid, bad_gid):
        assert len(eve.validate([bad])) == 1, bad["alert"]
