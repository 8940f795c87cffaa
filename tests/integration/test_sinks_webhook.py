"""The webhook sink against receivers written here (Python http.server on loopback): one
that fails the first posts gets every event exactly once after the retries, each request
signed with HMAC-SHA256 under the key file; one that always fails gets dead letters; one
that refuses an event (4xx) is not retried; one that never answers costs counted drops,
never a stalled run."""

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_sinks_config import N_EVENTS, check_oracle, run_offline, write_capture, yaml_sinks
from tgdaemon import HangingServer

KEY = b"tollgate-webhook-test-key-0123456789"
VERSION = "0.1.0"


class Receiver:
    """An HTTP server on 127.0.0.1 that records every POST and answers status(n, body),
    n counting posts from 1."""

    def __init__(self, status):
        self.posts = []         # (path, headers, body, answered status)
        self.lock = threading.Lock()
        recv = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with recv.lock:
                    code = status(len(recv.posts) + 1, body)
                    recv.posts.append((self.path, dict(self.headers), body, code))
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(status):
        r = Receiver(status)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def key_file(tmp_path):
    p = tmp_path / "webhook.key"
    p.write_bytes(KEY + b"\n")
    p.chmod(0o600)
    return p


def hook(name, port, tmp_path, **kw):
    s = {"name": name, "type": "webhook", "address": f"http://127.0.0.1:{port}/in/{name}",
         "hmac_key_file": str(key_file(tmp_path)), "retry_backoff_ms": 20,
         "retry_backoff_max_ms": 100, "flush_timeout_ms": 30000}
    s.update(kw)
    return s


def check_request(path, headers, body, name):
    assert path == f"/in/{name}"
    assert headers["Content-Type"] == "application/json"
    assert headers["User-Agent"] == f"tollgated/{VERSION}"
    assert "Expect" not in headers
    assert headers["X-Tollgate-Signature"] == \
        "sha256=" + hmac.new(KEY, body, hashlib.sha256).hexdigest()


def test_receiver_failing_first_posts_gets_every_event_exactly_once(tmp_path, receiver):
    fails = 4
    r = receiver(lambda n, body: 503 if n <= fails else 200)
    run = run_offline(tmp_path, yaml_sinks([hook("soc", r.port, tmp_path, retries=5)]))
    assert run.rc == 0, run.describe()
    check_oracle(run.lines)
    for path, headers, body, _ in r.posts:
        check_request(path, headers, body, "soc")
    # the first event was refused 4 times, then every event accepted once, in order
    accepted = [body.decode() for _, _, body, code in r.posts if code == 200]
    assert accepted == [line for line, _ in run.lines]
    assert [code for *_, code in r.posts] == [503] * fails + [200] * N_EVENTS
    assert all(p[2] == r.posts[0][2] for p in r.posts[:fails + 1])
    assert run.sinks["soc"] == ("webhook", N_EVENTS, 0, fails, 0)


def test_events_past_their_retries_are_dead_letters(tmp_path, receiver):
    r = receiver(lambda n, body: 500)
    run = run_offline(tmp_path, yaml_sinks([hook("soc", r.port, tmp_path, retries=2)]))
    assert run.rc == 0, run.describe()
    # each event tried three times, then given up
    bodies = [body.decode() for _, _, body, _ in r.posts]
    assert bodies == [line for line, _ in run.lines for _ in range(3)]
    assert run.sinks["soc"] == ("webhook", 0, 0, 2 * N_EVENTS, N_EVENTS)
    # the log names the receiver by scheme, host and port only (a URL's path may be secret)
    assert "tollgate.sink: soc: webhook http://127.0.0.1:%d: HTTP status 500; " \
        "retrying with backoff" % r.port in run.stderr
    assert "/in/soc" not in run.stderr


def test_refused_event_is_failed_without_retry(tmp_path, receiver):
    """A 4xx (here 422 for flow events) is the receiver's answer to that event: no retry;
    429 and 408 are retried like 5xx."""
    def status(n, body):
        ev = json.loads(body)
        if ev["event_type"] == "flow":
            return 422
        return 429 if n == 1 else 200
    r = receiver(status)
    run = run_offline(tmp_path, yaml_sinks([hook("soc", r.port, tmp_path, retries=3)]))
    assert run.rc == 0, run.describe()
    flows = [line for line, ev in run.lines if ev["event_type"] == "flow"]
    alerts = [line for line, ev in run.lines if ev["event_type"] == "alert"]
    assert sorted(b.decode() for _, _, b, c in r.posts if c == 422) == sorted(flows)
    assert sorted(b.decode() for _, _, b, c in r.posts if c == 200) == sorted(alerts)
    assert len(r.posts) == N_EVENTS + 1
    assert run.sinks["soc"] == ("webhook", 6, 0, 1, 6)
    assert "refused a flow event: HTTP status 422 (not retried)" in run.stderr


def test_hanging_receiver_costs_drops_not_a_stalled_run(tmp_path):
    """A receiver that accepts connections and never answers, with a request timeout of
    a minute: the workers and the control thread go on (the run ends with the same
    packets and events as without the sink), the sink's queue of 2 overflows and every
    event it could not send is counted dropped at the exit flush."""
    pcap = write_capture(tmp_path / "c.pcap")
    with HangingServer() as hang:
        base = run_offline(tmp_path, "events:\n  sinks: []\n", pcap=pcap, name="base")
        run = run_offline(tmp_path, yaml_sinks([
            {"name": "slow", "type": "webhook",
             "address": f"http://127.0.0.1:{hang.port}/", "queue_size": 2,
             "timeout_ms": 60000, "retries": 0, "flush_timeout_ms": 200}]), pcap=pcap)
    assert base.rc == 0 and run.rc == 0, run.describe()
    processed = [x for x in run.stdout.splitlines() if x.startswith("  processed ")]
    assert processed[0].split(" in ")[0] == \
        [x for x in base.stdout.splitlines() if x.startswith("  processed ")][0].split(" in ")[0]
    assert [line for line, _ in run.lines] == [line for line, _ in base.lines]
    assert "  events      12 written, 0 lost" in run.stdout
    # none sent, none given up: every event dropped (queue full, or held at exit)
    assert run.sinks["slow"] == ("webhook", 0, N_EVENTS, 0, 0), run.describe()
    assert "tollgate.sink: slow: events still queued after flush_timeout_ms (200 ms): " \
        "counted as dropped" in run.stderr
