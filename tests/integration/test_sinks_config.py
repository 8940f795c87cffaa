"""Event sinks (events.sinks, docs/outputs.md): what the syslog, webhook and Kafka tests
share, and the sink configuration itself: the daemon refuses a bad sink with a message
naming the key, a bad HMAC key file or CA file at start, and exports every sink's
counters in the summary, /v1/stats and /metrics (one label: the sink's name).

The capture (write_capture) holds six HTTP uploads, each with one planted value: two
payment cards (alert severity 1), two IBANs (2), two e-mail addresses (3); each flow ends
with a flow event (4). The events file of the same run is the oracle: a sink must deliver
exactly the lines of that file that its filter passes."""

import json
import os
import random
import re
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

import tgpcap
from tgpcap import C2S, S2C, EPOCH_US
from conftest import require_tollgated
from tgdaemon import TOKEN, free_port, token_file, wait_for

DEADLINE = 120
CLIENT = "10.62.0.1"
SERVER = "10.62.1.1"
FILLER = b"the quick brown fox jumps over the lazy dog and then runs far away home\n"
# (sensor, value, alert severity): valid values, each in an upload of its own
PLANTED = [
    ("credit_card", b"4111 1111 1111 1111", 1),
    ("credit_card", b"5500 0000 0000 0004", 1),
    ("iban", b"GB82 WEST 1234 5698 7654 32", 2),
    ("iban", b"DE89 3704 0044 0532 0130 00", 2),
    ("email", b"alice.jones@example.com", 3),
    ("email", b"bob.smith@example.org", 3),
]
N_EVENTS = 2 * len(PLANTED)     # one alert and one flow event per upload


def write_capture(path):
    """The six uploads, 5 ms apart, as one pcap at path."""
    gens = []
    for i, (_, value, _) in enumerate(PLANTED):
        port = 41000 + i
        s = tgpcap.TcpSession(random.Random(port), CLIENT, port, SERVER, 80,
                              start_us=EPOCH_US + i * 5000, mac_base=2 + 2 * i)
        s.turn(C2S, tgpcap.http_request(FILLER + b"value " + value + b"\n" + FILLER))
        s.turn(S2C, b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        s.close(C2S)
        gens.append(s)
    tgpcap.Capture(gens).write(path)
    return path


def severity(ev):
    """The sink filters' severity of an event (docs/outputs.md)."""
    if ev["event_type"] == "alert":
        return min(max(ev["alert"]["severity"], 1), 4)
    return 3 if ev["event_type"] in ("dlp", "anomaly") else 4


def events_lines(path):
    """The events file as (line, event) pairs, in order."""
    out = []
    for line in Path(path).read_text().splitlines():
        out.append((line, json.loads(line)))
    return out


def check_oracle(lines):
    """The capture gave what the tests rely on: one alert per planted value, with the
    expected severity, and one flow event per upload."""
    alerts = sorted((e["alert"]["metadata"]["sensor"][0], e["alert"]["severity"])
                    for _, e in lines if e["event_type"] == "alert")
    assert alerts == sorted((s, sev) for s, _, sev in PLANTED)
    assert sorted(e["event_type"] for _, e in lines) == ["alert"] * 6 + ["flow"] * 6


SUMMARY_RE = re.compile(r"^  sink        (\S+) \((\w+)\): (\d+) sent, (\d+) dropped, "
                        r"(\d+) retried, (\d+) failed$", re.M)


def sink_summary(stdout):
    """{name: (type, sent, dropped, retried, failed)} from the run's summary."""
    return {m[0]: (m[1],) + tuple(int(x) for x in m[2:]) for m in SUMMARY_RE.findall(stdout)}


def yaml_sinks(sinks):
    """events.sinks as YAML from a list of dicts (values: str, int, list or dict)."""
    out = ["events:", "  sinks:"]
    for s in sinks:
        first = True
        for k, v in s.items():
            lead = "    - " if first else "      "
            first = False
            if isinstance(v, dict):
                out.append(f"{lead}{k}:")
                out += [f"        {json.dumps(a)}: {json.dumps(b)}" for a, b in v.items()]
            else:
                out.append(f"{lead}{k}: {json.dumps(v)}")
    return "\n".join(out) + "\n"


class Run:
    """One offline run: pid, rc, stdout, stderr, the events file's lines, the summary."""

    def __init__(self, proc, out, err, events):
        self.pid, self.rc, self.stdout, self.stderr = proc.pid, proc.returncode, out, err
        self.lines = events_lines(events) if Path(events).exists() else []
        self.sinks = sink_summary(out)

    def describe(self):
        return f"rc={self.rc}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def run_offline(tmp_path, sinks_yaml, pcap=None, extra=(), name="run"):
    """tollgated --read the capture --events --config (the sinks) [extra]; waits for it
    (the sinks' flush included) within DEADLINE."""
    binary = require_tollgated()
    if pcap is None:
        pcap = write_capture(tmp_path / f"{name}.pcap")
    cfg = tmp_path / f"{name}.yaml"
    cfg.write_text(sinks_yaml)
    events = tmp_path / f"{name}.jsonl"
    argv = [str(binary), "--read", str(pcap), "--config", str(cfg), "--events", str(events),
            "--state-dir", str(tmp_path / "state")] + [str(a) for a in extra]
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"tollgated did not finish within {DEADLINE} s\n{out}\n{err}")
    return Run(proc, out, err, events)


# --------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------

def check_config(tmp_path, text):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(text)
    return subprocess.run([str(require_tollgated()), "-T", "-c", str(cfg)],
                          capture_output=True, text=True, timeout=DEADLINE)


BAD_CONFIGS = [
    ([{"name": "a", "type": "syslog", "address": "siem.example"}],
     "c.yaml:5:16: events.sinks[0].address: not a syslog receiver (got \"siem.example\", "
     "expected HOST:PORT or [IPV6]:PORT, e.g. siem.example:6514)"),
    ([{"name": "a", "type": "syslog", "address": "h:514", "topic": "t"}],
     "c.yaml:6:7: events.sinks[0].topic: only kafka sinks have this key (this sink's type "
     "is syslog)"),
    ([{"name": "a", "type": "fluentd", "address": "h:1"}],
     "c.yaml:4:13: events.sinks[0].type: unknown value (got \"fluentd\", expected syslog, "
     "webhook or kafka)"),
    ([{"name": "a", "type": "webhook", "address": "ftp://x/"}],
     "c.yaml:5:16: events.sinks[0].address: not a webhook URL (got \"ftp://x/\", expected "
     "http://... or https://...)"),
    ([{"name": "a", "type": "syslog", "address": "h:514", "tls_ca_file": "/ca.pem"}],
     "c.yaml:6:20: events.sinks[0].tls_ca_file: a TLS setting without TLS (got "
     "\"/ca.pem\", expected transport: tls)"),
    ([{"name": "a", "type": "syslog", "address": "h:514"},
      {"name": "a", "type": "webhook", "address": "http://h/"}],
     "c.yaml:6:13: events.sinks[1].name: duplicate sink name (got \"a\", expected a name not "
     "used by events.sinks[0])"),
    ([{"name": "a", "type": "kafka", "address": "h:9092",
       "properties": {"enable.idempotence": "false"}}],
     "c.yaml:7:9: events.sinks[0].properties.enable.idempotence: set by the daemon (got "
     "\"enable.idempotence\", expected another property; use nothing: the producer is "
     "always idempotent)"),
    ([{"name": "a", "type": "syslog", "address": "h:514", "event_types": ["alert", "dns",
                                                                           "fileinfo"]}],
     "c.yaml:6:37: events.sinks[0].event_types[2]: unknown event type (got \"fileinfo\", "
     "expected flow, alert, dlp, anomaly, http, smtp, tls or dns)"),
    ([{"name": "a", "type": "syslog", "address": "h:514", "min_severity": 5}],
     "c.yaml:6:21: events.sinks[0].min_severity: out of range (got 5, expected an integer "
     "in 1..4)"),
    ([{"name": "a", "type": "webhook", "address": "http://h/", "retry_backoff_ms": 5000,
       "retry_backoff_max_ms": 1000}],
     "c.yaml:6:25: events.sinks[0].retry_backoff_ms: retry backoff out of order (got 5000, "
     "expected retry_backoff_ms at most retry_backoff_max_ms)"),
]


@pytest.mark.parametrize("sinks,message", BAD_CONFIGS)
def test_a_bad_sink_is_refused_naming_the_key(tmp_path, sinks, message):
    p = check_config(tmp_path, yaml_sinks(sinks))
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stderr.strip().endswith(message), p.stderr


def test_a_good_sink_list_checks(tmp_path):
    sinks = [{"name": "siem", "type": "syslog", "address": "[::1]:6514", "transport": "tls",
              "facility": "local3", "tls_ca_file": "/etc/tollgate/ca.pem",
              "event_types": ["alert", "dlp"], "min_severity": 2},
             {"name": "hook", "type": "webhook", "address": "https://h.example/x",
              "retries": 0, "queue_size": 16},
             {"name": "bus", "type": "kafka", "address": "k1:9092,k2:9092", "topic": "tg.ev",
              "key": "none", "properties": {"compression.type": "lz4"}}]
    p = check_config(tmp_path, yaml_sinks(sinks))
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith(f"{tmp_path}/c.yaml: configuration is valid"), p.stdout


@pytest.mark.parametrize("mode,message", [
    (0o644, "mode 0644 lets group or others read the webhook HMAC key: expected no group "
            "or other permissions (chmod 600 {key})"),
    (0o600, None),
])
def test_webhook_hmac_key_file_mode_is_checked_at_start(tmp_path, mode, message):
    key = tmp_path / "hook.key"
    key.write_text("k" * 32 + "\n")
    key.chmod(mode)
    port = free_port()     # nothing listens: the run is refused or its events fail
    run = run_offline(tmp_path, yaml_sinks([
        {"name": "hook", "type": "webhook", "address": f"http://127.0.0.1:{port}/",
         "hmac_key_file": str(key), "retries": 0, "flush_timeout_ms": 10000}]))
    if message is None:
        assert run.rc == 0, run.describe()
        # every event tried once and refused by the closed port: failed, none lost
        assert run.sinks == {"hook": ("webhook", 0, 0, 0, N_EVENTS)}, run.describe()
    else:
        assert run.rc == 2, run.describe()
        assert (f"tollgated: events.sinks[0] (hook): hmac_key_file {key}: "
                + message.format(key=key)) in run.stderr, run.stderr


def test_missing_tls_ca_file_is_refused_at_start(tmp_path):
    run = run_offline(tmp_path, yaml_sinks([
        {"name": "siem", "type": "syslog", "address": "127.0.0.1:6514", "transport": "tls",
         "tls_ca_file": str(tmp_path / "nope.pem")}]))
    assert run.rc == 2, run.describe()
    assert (f"tollgated: events.sinks[0] (siem): tls_ca_file {tmp_path}/nope.pem: "
            "No such file or directory\n" in run.stderr), run.stderr


# --------------------------------------------------------------------------------------
# Counters: summary, /v1/stats, /metrics
# --------------------------------------------------------------------------------------

def http_get(port, path):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    req.add_header("Authorization", f"Bearer {TOKEN}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read().decode()


def test_sink_counters_in_stats_and_metrics(tmp_path):
    """Offline with --serve: after the run, /v1/stats and /metrics hold each sink's final
    counters: a UDP syslog sink that sent every event, and one whose filter passed only
    the severity-1 alerts, queued one at a time to a TCP port where nothing listens
    (each event tried once, then failed or dropped)."""
    import socket

    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.bind(("127.0.0.1", 0))
    api = free_port()
    cfg = yaml_sinks([
        {"name": "all-udp", "type": "syslog", "address": f"127.0.0.1:{rx.getsockname()[1]}"},
        {"name": "cards", "type": "syslog", "address": f"127.0.0.1:{free_port()}",
         "transport": "tcp", "event_types": ["alert"], "min_severity": 1, "retries": 0,
         "retry_backoff_ms": 1, "retry_backoff_max_ms": 1, "flush_timeout_ms": 10000}])
    cfg += f"api:\n  listen: \"127.0.0.1:{api}\"\n  token_file: \"{token_file(tmp_path / 't')}\"\n"
    (tmp_path / "c.yaml").write_text(cfg)
    pcap = write_capture(tmp_path / "c.pcap")
    proc = subprocess.Popen([str(require_tollgated()), "--read", str(pcap), "-c",
                             str(tmp_path / "c.yaml"), "--events", str(tmp_path / "e.jsonl"),
                             "--state-dir", str(tmp_path / "st"), "--serve"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        stats = {}

        def done():
            stats.update(json.loads(http_get(api, "/v1/stats")))
            s = stats["sinks"]
            return s["all-udp"]["sent"] == N_EVENTS and s["cards"]["queued"] == 0 and \
                s["cards"]["failed"] + s["cards"]["dropped"] == 2
        wait_for("the sinks' final counters", done, proc)
        assert stats["sinks"]["all-udp"] == {"type": "syslog", "sent": 12, "dropped": 0,
                                             "retried": 0, "failed": 0, "queued": 0}
        cards = stats["sinks"]["cards"]
        assert cards["type"] == "syslog" and cards["sent"] == 0 and cards["retried"] == 0
        assert cards["failed"] + cards["dropped"] == 2 and cards["failed"] >= 1, cards
        metrics = http_get(api, "/metrics")
        want = (
            "# HELP tollgate_sink_events_sent_total events a sink delivered\n"
            "# TYPE tollgate_sink_events_sent_total counter\n"
            "tollgate_sink_events_sent_total{sink=\"all-udp\"} 12\n"
            "tollgate_sink_events_sent_total{sink=\"cards\"} 0\n")
        assert want in metrics
        assert ("tollgate_sink_events_failed_total{sink=\"cards\"} %d\n" % cards["failed"]
                in metrics)
        assert ("tollgate_sink_events_dropped_total{sink=\"cards\"} %d\n" % cards["dropped"]
                in metrics)
        assert "tollgate_sink_queue_events{sink=\"all-udp\"} 0\n" in metrics
        # bounded labels: the sink name only
        for line in metrics.splitlines():
            if line.startswith("tollgate_sink_"):
                assert re.fullmatch(r"tollgate_sink_\w+\{sink=\"[\w-]+\"\} \d+", line), line
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        rx.close()
    assert proc.returncode == 0
