"""GDPR Art. 33 breach reports: GET /v1/incidents groups the findings of a capture
(tollgated --read --serve) by destination group, rule and time window; each incident's
report counts exactly the distinct values planted per category (data subjects) and their
occurrences (records), lists the destinations, the time line, the actions and the
automatic captures (download links that give the pcap) as the events file has them, and
holds no raw value. The HTML page is rendered by a real headless
Chromium (through a loopback proxy that adds the token): screenshot saved, key figures read
back from the rendered DOM."""

import json
import random
import re
import shutil
import subprocess
import threading
import urllib.error
import urllib.request
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

import dlp_values as dv
import tgpcap
from tgdaemon import TOKEN, free_port, token_file, wait_for
from test_policy_api import SPEC_PATH, resolve, schema_errors, spec_operation
from test_shutdown import DEADLINE
from tgpcap import C2S, S2C, EPOCH_US

WORKLOAD = "10.70.0.5"
PARTNER_API, PARTNER_FILES = "198.51.100.7", "198.51.100.8"
OTHER = "203.0.113.9"

CARDS = [p.norm for p in dv.card_series(5, seed=33)]
_rng = random.Random(34)
IBANS = [dv.make_iban(_rng, "DE", dv._de_bban).norm for _ in range(3)]
EMAILS = ["alice.martin@example.org", "bob.keller@example.net", "carol.diaz@example.com",
          "dan.okafor@example.org", "erin.walsh@example.net"]

POLICY = """
incidents:
  window: 60
policy:
  mode: protect
  default_action: allow
  groups:
    - {name: workloads, cidrs: [10.70.0.0/16]}
    - {name: partners, cidrs: [198.51.100.0/24]}
    - {name: other, cidrs: [203.0.113.0/24]}
  rules:
    - id: no-pii-to-partners
      from: workloads
      to: partners
      action: allow
      dlp:
        - {sensor: email, action: alert, threshold: 1}
        - {sensor: iban, action: alert, threshold: 1}
        - {sensor: credit_card, action: block, threshold: 3}
    - id: mail-out
      from: workloads
      to: other
      action: allow
      dlp: [{sensor: email, action: alert, threshold: 1, capture: true}]
"""


def body(lines):
    return ("\n".join(lines) + "\n").encode()


def post(port, index, server, host, lines, start_us):
    s = tgpcap.TcpSession(random.Random(port), WORKLOAD, port, server, 80,
                          start_us=start_us, mac_base=2 + 2 * index)
    data = body(lines)
    s.turn(C2S, tgpcap.http_request(data, "/upload", host))
    s.turn(S2C, tgpcap.http_response(data))
    s.close(C2S)
    return s


@pytest.fixture(scope="module")
def capture(tmp_path_factory):
    d = tmp_path_factory.mktemp("incidents")
    c, i, e = CARDS, IBANS, EMAILS
    gens = [
        # incident 1 (partners, no-pii-to-partners): the third card crosses the block
        # binding's threshold (blocked); the rest are alert bindings (allowed)
        post(47001, 0, PARTNER_API, "api.partner.example",
             ["email " + e[0], "iban " + i[0], "email " + e[1],
              "card " + c[0], "card " + c[1], "card " + c[2]], EPOCH_US),
        # ... a card and an address seen again (same data subjects), new ones
        post(47002, 1, PARTNER_FILES, "files.partner.example",
             ["card " + c[1], "card " + c[3], "email " + e[2], "email " + e[0],
              "iban " + i[1], "iban " + i[2]], EPOCH_US + 2_000_000),
        post(47003, 2, PARTNER_API, "api.partner.example",
             ["card " + c[4], "email " + e[3]], EPOCH_US + 30_000_000),
        # incident 2: another destination group, another rule
        post(47004, 3, OTHER, "mail.other.example", ["email " + e[4]], EPOCH_US + 40_000_000),
        # incident 3: partners again, after more than the window
        post(47005, 4, PARTNER_API, "api.partner.example", ["email " + e[4]],
             EPOCH_US + 600_000_000),
    ]
    pcap = d / "incidents.pcap"
    tgpcap.Capture(gens).write(pcap)
    return pcap


def get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory, capture):
    """tollgated --read the capture --serve; yields (api port, events)."""
    d = tmp_path_factory.mktemp("served")
    cfg = d / "c.yaml"
    cfg.write_text(POLICY)
    port = free_port()
    st, ev = d / "stats.json", d / "ev.json"
    p = subprocess.Popen([tgpcap.tollgated_path(), "-r", str(capture), "--serve", "-c", str(cfg),
                          "--api-listen", f"127.0.0.1:{port}", "--api-token-file",
                          str(token_file(d / "tokens")), "--state-dir", str(d / "state"),
                          "--events", str(ev), "--stats-json", str(st)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for("the offline run", lambda: st.exists() and get(port, "/healthz")[0] == 200, p)
    evs = [json.loads(x) for x in ev.read_text().splitlines()]
    yield port, evs
    p.terminate()
    out, err = p.communicate(timeout=DEADLINE)
    assert p.returncode == 0, err


def report(port, inc_id):
    status, _, b = get(port, f"/v1/incidents/{inc_id}/report")
    assert status == 200, b
    return json.loads(b)


def test_findings_are_grouped_by_destination_group_rule_and_window(served):
    port, evs = served
    status, _, b = get(port, "/v1/incidents")
    assert status == 200
    lst = json.loads(b)
    assert lst["window_s"] == 60 and lst["dropped"] == 0
    got = [(i["id"], i["to_group"], i["rule"], i["state"], i["data_categories"])
           for i in lst["incidents"]]
    # newest first; the last one is open (the clock is the capture's last finding); the
    # categories in the order first seen (the IBAN's alert comes before the address's:
    # crossings in one segment go out in sensor order)
    assert got == [(3, "partners", "no-pii-to-partners", "open", ["contact"]),
                   (2, "other", "mail-out", "closed", ["contact"]),
                   (1, "partners", "no-pii-to-partners", "closed", ["financial", "contact"])]
    one = lst["incidents"][2]
    assert one["first_seen"] < one["last_seen"]
    status, _, b = get(port, "/v1/incidents/1")
    assert status == 200 and json.loads(b) == one


def test_report_counts_equal_the_distinct_planted_values_per_category(served):
    port, evs = served
    r = report(port, 1)
    cats = {c["category"]: c for c in r["data_categories"]}
    planted_financial = set(CARDS) | set(IBANS)
    planted_contact = set(EMAILS[:4])
    assert cats["financial"]["data_subjects"] == len(planted_financial) == 8
    assert cats["contact"]["data_subjects"] == len(planted_contact) == 4
    # records: occurrences (a card and an address were sent twice)
    assert cats["financial"]["records"] == 6 + 3 == 9
    assert cats["contact"]["records"] == 5
    assert r["records"] == 14 and r["records_without_category"] == 0
    assert r["data_subjects"] == 12
    assert sorted(cats["financial"]["sensors"]) == ["credit_card", "iban"]
    assert cats["contact"]["sensors"] == ["email"]
    assert r["destinations"] == [
        {"group": "partners", "fqdn": "api.partner.example", "ip": PARTNER_API, "port": 80,
         "findings": r["destinations"][0]["findings"]},
        {"group": "partners", "fqdn": "files.partner.example", "ip": PARTNER_FILES,
         "port": 80, "findings": r["destinations"][1]["findings"]},
    ]
    # the time line and the actions are the events file's findings, one for one
    mine = [e for e in evs if "dlp" in e and e["dest_ip"].startswith("198.51.100.") and
            e["src_port"] in (47001, 47002, 47003)]
    assert [(t["flow_id"], t["records"], t["action"]) for t in r["timeline"]] == \
        [(e["flow_id"], e["dlp"]["total"], e["dlp"]["action"]) for e in mine]
    assert r["nature"]["findings"] == len(mine) and r["nature"]["flows"] == 3
    blocked = sum(e["dlp"]["action"] == "blocked" for e in mine)
    assert blocked == 1          # the third card's crossing of the block binding
    assert r["actions"] == {"blocked": blocked, "allowed": len(mine) - blocked, "reset": 0}
    assert sum(d["findings"] for d in r["destinations"]) == len(mine)
    assert r["first_seen"] == mine[0]["timestamp"] and r["last_seen"] == mine[-1]["timestamp"]
    assert r["nature"]["modes"] == ["protect"] and r["nature"]["from_groups"] == ["workloads"]
    assert r["policy"]["revisions"] == [0] and r["lower_bounds"] is False
    assert report(port, 3)["data_categories"] == [
        {"category": "contact", "description": "Contact details (e-mail addresses, telephone "
         "numbers)", "sensors": ["email"], "records": 1, "data_subjects": 1}]


def test_reports_list_the_findings_captures_with_download_links(served):
    """The block binding captures by default, the mail-out binding says capture: true, the
    other alert bindings do not capture: each report lists exactly its findings' captures,
    and each file URL downloads the pcap the capture store describes."""
    port, evs = served
    for inc, flows in ((1, (47001, 47002, 47003)), (2, (47004,)), (3, (47005,))):
        r = report(port, inc)
        mine = [e for e in evs if "dlp" in e and e["src_port"] in flows and
                e["timestamp"] >= r["first_seen"] and e["timestamp"] <= r["last_seen"]]
        assert [t["capture"] for t in r["timeline"]] == \
            [e["capture"]["id"] if "capture" in e else None for e in mine]
        ids = list(dict.fromkeys(e["capture"]["id"] for e in mine if "capture" in e))
        assert [c["id"] for c in r["captures"]] == ids and r["captures_not_listed"] == 0
        for c in r["captures"]:
            assert c["findings"] == sum(e.get("capture", {}).get("id") == c["id"] for e in mine)
            assert c["url"] == "/v1/captures/" + c["id"] and c["available"] is True
            status, _, b = get(port, c["url"])
            meta = json.loads(b)
            assert status == 200 and c["state"] == meta["state"]
            assert [(f["name"], f["url"], f["size"], f["packets"]) for f in c["files"]] == \
                [(f["name"], f["url"], f["size"], f["packets"]) for f in meta["files"]]
            assert c["files"][0]["url"] == f"/v1/captures/{c['id']}/files/1"
            status, _, pcap = get(port, c["files"][0]["url"])
            assert status == 200 and pcap[:4] == b"\xd4\xc3\xb2\xa1"
            assert len(pcap) == c["files"][0]["size"] and c["files"][0]["packets"] > 0
    # incident 1: the blocked card's flow; incident 2: mail-out's binding; 3: none
    blocked = [e for e in evs if "dlp" in e and e["dlp"]["action"] == "blocked"]
    assert [c["id"] for c in report(port, 1)["captures"]] == \
        ["dlp-%d" % blocked[0]["flow_id"]]
    assert len(report(port, 2)["captures"]) == 1 and report(port, 3)["captures"] == []


def test_reports_hold_no_raw_value(served):
    port, _ = served
    for inc in (1, 2, 3):
        for fmt in ("json", "html"):
            _, _, b = get(port, f"/v1/incidents/{inc}/report?format={fmt}")
            text = b.decode()
            for raw in CARDS + IBANS + EMAILS + [e.split("@")[0] for e in EMAILS]:
                assert raw not in text, (inc, fmt, raw)


def test_unknown_incident_and_bad_format_are_problems(served):
    port, _ = served
    for path in ("/v1/incidents/9", "/v1/incidents/9/report", "/v1/incidents/01/report",
                 "/v1/incidents/x/report"):
        status, headers, b = get(port, path)
        assert status == 404 and headers["Content-Type"] == "application/problem+json", path
    status, _, b = get(port, "/v1/incidents/1/report?format=pdf")
    assert status == 400 and json.loads(b)["field"] == "format"
    assert get(port, "/v1/incidents/1/report/x")[0] == 404


def test_answers_match_the_openapi_spec(served):
    port, _ = served
    spec = yaml.safe_load(SPEC_PATH.read_text())
    problems = []
    for path in ("/v1/incidents", "/v1/incidents/1", "/v1/incidents/2/report",
                 "/v1/incidents/3/report?format=json", "/v1/incidents/1/report?format=html",
                 "/v1/incidents/7", "/v1/incidents/7/report", "/v1/incidents/1/report?format=x"):
        status, headers, b = get(port, path)
        op = spec_operation(spec, "GET", path)
        resp = resolve(spec, op["responses"].get(str(status)))
        assert resp is not None, (path, status)
        ctype = headers["Content-Type"].split(";")[0].strip()
        assert ctype in resp["content"], (path, ctype)
        value = json.loads(b) if ctype.endswith("json") else b.decode()
        problems += [f"{path}: {e}" for e in
                     schema_errors(spec, resp["content"][ctype]["schema"], value)]
    assert not problems, "\n".join(problems)


# ---- the HTML page in a real browser --------------------------------------------------

class _Proxy(BaseHTTPRequestHandler):
    """Loopback proxy to the API that adds the bearer token (a browser cannot)."""
    api_port = None

    def do_GET(self):
        status, headers, b = get(self.api_port, self.path)
        self.send_response(status)
        for h in ("Content-Type", "Content-Security-Policy"):
            if h in headers:
                self.send_header(h, headers[h])
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)

    def log_message(self, *a):
        pass


class _Figures(HTMLParser):
    """Text of the elements with an id, and of each category row's cells."""

    def __init__(self):
        super().__init__()
        self.by_id, self.rows, self._stack, self._row = {}, {}, [], None
        self.links = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and "data-category" in a:
            self._row = a["data-category"]
            self.rows[self._row] = []
        if tag == "td" and self._row is not None:
            self.rows[self._row].append("")
        if tag == "a":
            self.links.append(a.get("href"))
        self._stack.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        while self._stack:
            t, _ = self._stack.pop()
            if t == tag:
                break
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        for _, i in self._stack:
            if i is not None:
                self.by_id[i] = self.by_id.get(i, "") + data
        if self._row is not None and self.rows[self._row] and self._stack and \
                self._stack[-1][0] == "td":
            self.rows[self._row][-1] += data


def test_html_report_renders_in_chromium_with_the_key_figures(served, tmp_path):
    port, _ = served
    exe = shutil.which("chromium")
    if exe is None:
        pytest.fail("chromium is missing (tools/install-deps.sh installs Debian's chromium)",
                    pytrace=False)
    _Proxy.api_port = port
    proxy = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        shot = tmp_path / "report.png"
        url = f"http://127.0.0.1:{proxy.server_address[1]}/v1/incidents/1/report?format=html"
        p = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu",
                            "--window-size=1200,2400", f"--user-data-dir={tmp_path / 'prof'}",
                            f"--screenshot={shot}", "--dump-dom", url],
                           capture_output=True, text=True, timeout=DEADLINE)
    finally:
        proxy.shutdown()
    assert p.returncode == 0, p.stderr[-2000:]
    dom = p.stdout
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20000, len(png)
    fig = _Figures()
    fig.feed(dom)
    r = report(port, 1)
    assert fig.by_id["incident"] == "1"
    assert fig.by_id["records"] == "14" and fig.by_id["data-subjects"] == "12"
    assert fig.rows["financial"][3:] == ["9", "8"]
    assert fig.rows["contact"][3:] == ["5", "4"]
    assert fig.by_id["to-group"] == "partners" and fig.by_id["rule"] == "no-pii-to-partners"
    assert fig.by_id["first-seen"] == r["first_seen"]
    assert fig.by_id["last-seen"] == r["last_seen"]
    assert fig.by_id["actions-blocked"] == str(r["actions"]["blocked"]) == "1"
    assert fig.by_id["actions-allowed"] == str(r["actions"]["allowed"])
    # the evidence: the capture and its file, linked
    assert fig.links == [r["captures"][0]["url"], r["captures"][0]["files"][0]["url"]]
    assert r["captures"][0]["id"] in fig.by_id["captures"]
    assert fig.by_id["findings"] == str(r["nature"]["findings"])
    dest = fig.by_id["destinations"]
    assert "api.partner.example" in dest and PARTNER_FILES in dest
    assert fig.by_id["nature"] == r["nature"]["description"]
    for raw in CARDS + IBANS + EMAILS:
        assert raw not in dom
    assert re.search(r"<script", dom) is None
