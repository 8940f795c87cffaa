"""The REST API of the real daemon against requests sent as an attacker sends them, byte by
byte over a raw socket (control/api_check.c): a request whose framing or header fields two
parsers could read differently is refused 400 with Connection: close before any handler
runs, the server closes the connection, and a request hidden after its head is never
served; a repeated query parameter is refused 400 naming it. Each refusal is counted in
/v1/stats and /metrics. Then the start-up removal of the temporary files that an
interrupted atomic write leaves (control/state.c, control/policy_store.c).

One daemon (tollgated --read demo.pcap --serve --config FILE, the Daemon of
test_policy_api.py) serves the API tests; before each, the base policy is put back, and
after each refusal the policy, its ETag, the sensors and the config file on disk must be
byte for byte what they were.
"""

import json
import os
import re
import socket
import subprocess
import time

import pytest

from test_policy_api import ADMIN, BASE, BIN, READ, SAMPLE, Daemon

AUTH = f"Authorization: Bearer {ADMIN}\r\n".encode()
# A write hidden after the head: served, it would delete rule r1.
SMUGGLED = (b"DELETE /v1/rules/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"\r\n")
# A write in plain sight: served, it would add rule r3.
RULE = json.dumps({"id": "r3", "from": "clients", "to": "servers",
                   "action": "deny"}).encode()


@pytest.fixture(scope="module")
def d(tmp_path_factory):
    daemon = Daemon(tmp_path_factory.mktemp("api-framing"))
    daemon.start()
    yield daemon
    daemon.stop()


@pytest.fixture(autouse=True)
def reset(d):
    d.assert_alive()
    d.ok("PUT", "/v1/policy", BASE)
    assert d.rule_ids() == ["r1", "r2"]
    yield


def read_responses(s, n=None, deadline_s=20):
    """Reads from socket s until n whole responses are in (n None: until the server closes
    the connection). Returns (responses, closed), each response (status, {lower-case name:
    value}, body)."""
    raw, closed = b"", False
    end = time.time() + deadline_s
    while (n is None or len(parse(raw)) < n) and time.time() < end:
        s.settimeout(max(0.1, end - time.time()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if chunk == b"":
            closed = True
            break
        raw += chunk
    return parse(raw), closed


def exchange(port, data):
    """data sent on a new connection; what came back until the server closed it."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as s:
        s.sendall(data)
        return read_responses(s)


def parse(raw):
    """The whole responses in raw, framed by Content-Length."""
    out = []
    while True:
        head, sep, rest = raw.partition(b"\r\n\r\n")
        if not sep:
            return out
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        n = int(headers.get("content-length", "0"))
        if len(rest) < n:
            return out
        out.append((status, headers, rest[:n]))
        raw = rest[n:]


def api_counters(d):
    return d.ok("GET", "/v1/stats", token=READ).json()["api"]


def metric(d, reason):
    text = d.ok("GET", "/metrics", token=READ).body.decode()
    m = re.search(r'^tollgate_api_requests_refused_total\{reason="%s"\} (\d+)$' % reason,
                  text, re.M)
    assert m, text
    return int(m.group(1))


def post_rules(headers, body):
    return (b"POST /v1/rules HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH +
            b"Content-Type: application/json\r\n" + headers + b"\r\n" + body)


def chunked(body):
    return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"


# (id, raw request, counter, detail)
BAD_HEADS = [
    ("content-length-then-transfer-encoding",
     post_rules(b"Content-Length: %d\r\nTransfer-Encoding: chunked\r\n"
                % len(chunked(RULE) + SMUGGLED), chunked(RULE) + SMUGGLED),
     "bad_framing",
     "the request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.3): "
     "expected one of them"),
    ("transfer-encoding-then-content-length",
     post_rules(b"Transfer-Encoding: chunked\r\nContent-Length: %d\r\n"
                % len(RULE), RULE + SMUGGLED),
     "bad_framing",
     "the request has both Content-Length and Transfer-Encoding (RFC 9112 section 6.3): "
     "expected one of them"),
    ("conflicting-content-lengths",
     post_rules(b"Content-Length: 0\r\nContent-Length: %d\r\n" % len(SMUGGLED), SMUGGLED),
     "bad_framing", "header field Content-Length appears 2 times: expected it once"),
    # RFC 9110 section 8.6 lets a recipient accept identical copies; refused here as well.
    ("identical-content-lengths",
     post_rules(b"Content-Length: %d\r\nContent-Length: %d\r\n" % (len(RULE), len(RULE)),
                RULE + SMUGGLED),
     "bad_framing", "header field Content-Length appears 2 times: expected it once"),
    # libmicrohttpd keeps a field named "Transfer-Encoding " and frames by Content-Length.
    ("space-before-colon-of-transfer-encoding",
     post_rules(b"Transfer-Encoding : chunked\r\nContent-Length: 5\r\n", b"0\r\n\r\n" +
                SMUGGLED),
     "bad_header",
     'header field name "Transfer-Encoding " is not a token (RFC 9110 section 5.1): no '
     "whitespace is allowed before the colon"),
    ("transfer-encoding-not-chunked",
     post_rules(b"Transfer-Encoding: gzip, chunked\r\n", chunked(RULE) + SMUGGLED),
     "bad_framing",
     'Transfer-Encoding "gzip, chunked": expected "chunked", the only transfer coding this '
     "server reads"),
    # With the NUL cut off, the rest is ADMIN: it must not authenticate.
    ("nul-in-authorization",
     b"DELETE /v1/rules/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
     ADMIN.encode() + b"\x00anything\r\n\r\n" + SMUGGLED,
     "bad_header",
     "header field Authorization has a NUL byte in its value (RFC 9110 section 5.5): "
     "expected none"),
    ("nul-ending-authorization",
     b"DELETE /v1/rules/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
     ADMIN.encode() + b"\x00\r\n\r\n" + SMUGGLED,
     "bad_header",
     "header field Authorization has a NUL byte in its value (RFC 9110 section 5.5): "
     "expected none"),
    ("nul-in-another-header",
     b"DELETE /v1/rules/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH +
     b"X-Request-Id: 42\x00smuggled\r\nAccept: */*\r\n\r\n" + SMUGGLED,
     "bad_header",
     "header field X-Request-Id has a NUL byte in its value (RFC 9110 section 5.5): "
     "expected none"),
    ("nul-in-path",
     b"DELETE /v1/rules/r1%00.json HTTP/1.1\r\nHost: 127.0.0.1\r\n" + AUTH + b"\r\n",
     "bad_target",
     "the request target holds a NUL byte (%00): expected none (a path or parameter would "
     "be read cut short)"),
]


@pytest.mark.parametrize("raw,counter,detail", [c[1:] for c in BAD_HEADS],
                         ids=[c[0] for c in BAD_HEADS])
def test_ambiguous_request_is_400_and_closed_and_nothing_runs(d, raw, counter, detail):
    before = d.state()
    counts = api_counters(d)
    responses, closed = exchange(d.port, raw)
    # One answer, then the server closes: the hidden DELETE got none.
    assert closed
    assert len(responses) == 1, responses
    status, headers, body = responses[0]
    assert status == 400
    assert headers["connection"] == "close"
    assert headers["content-type"] == "application/problem+json"
    assert headers["cache-control"] == "no-store"
    assert json.loads(body) == {"type": "about:blank", "title": "Bad Request",
                                "status": 400, "detail": detail}
    d.assert_alive()
    assert d.state() == before
    assert d.rule_ids() == ["r1", "r2"]
    counts[counter] += 1
    assert api_counters(d) == counts
    assert metric(d, counter) == counts[counter]


def test_well_formed_pipeline_is_still_served(d):
    """The control case of the tests above: the same two writes framed one way only are
    both served on one connection, so a test above fails if the refusal stops working."""
    raw = post_rules(b"Content-Length: %d\r\n" % len(RULE), RULE) + SMUGGLED
    with socket.create_connection(("127.0.0.1", d.port), timeout=20) as s:
        s.sendall(raw)
        responses, _ = read_responses(s, 2)
    assert [r[0] for r in responses] == [201, 204]
    assert d.rule_ids() == ["r2", "r3"]


# (route, query, parameter)
DUP_QUERIES = [
    ("POST", "/v1/rules?position=0&position=1", "position"),
    ("GET", "/v1/events?limit=1&event_type=dlp&limit=2", "limit"),
    ("PUT", "/v1/mode?dry_run=true&dry_run=false", "dry_run"),
]


@pytest.mark.parametrize("method,target,param", DUP_QUERIES,
                         ids=[q[2] for q in DUP_QUERIES])
def test_repeated_query_parameter_is_400_naming_it(d, method, target, param):
    before = d.state()
    counts = api_counters(d)
    body = {"POST": RULE, "PUT": b'{"mode": "protect"}'}.get(method, b"")
    raw = (f"{method} {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode() + AUTH +
           (b"Content-Type: application/json\r\nContent-Length: %d\r\n" % len(body)
            if body else b"") + b"\r\n" + body)
    with socket.create_connection(("127.0.0.1", d.port), timeout=20) as s:
        s.sendall(raw)
        responses, closed = read_responses(s, None if body else 1)
        assert len(responses) == 1, responses
        status, headers, got = responses[0]
        assert status == 400
        assert headers["content-type"] == "application/problem+json"
        assert json.loads(got) == {
            "type": "about:blank", "title": "Invalid query", "status": 400,
            "detail": f'query parameter "{param}" is given more than once: expected it at '
                      "most once",
            "field": param}
        if body:
            # Answered before its body is read, as every refusal: then closed.
            assert headers["connection"] == "close" and closed
        else:
            # The framing was sound: the same connection goes on serving.
            assert "connection" not in headers and not closed
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            responses, closed = read_responses(s, 1)
            assert [r[0] for r in responses] == [200]
    assert d.state() == before
    counts["duplicate_query"] += 1
    assert api_counters(d) == counts
    assert metric(d, "duplicate_query") == counts["duplicate_query"]


# ---- temporary files of interrupted atomic writes ----

def dead_pid():
    """The pid of a process that has exited (and been reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    with pytest.raises(ProcessLookupError):
        os.kill(p.pid, 0)
    return p.pid


def test_stale_temporary_files_are_removed_at_start(tmp_path):
    conf_dir = tmp_path / "etc"
    state = tmp_path / "state"
    (state / "cache").mkdir(parents=True)
    conf_dir.mkdir()
    config = conf_dir / "tollgate.yaml"
    config.write_text("policy:\n  mode: monitor\n")
    dead, mine = dead_pid(), os.getpid()
    removed = [conf_dir / f"tollgate.yaml.tmp.{dead}",
               state / f".hash.key.{dead}",
               state / "cache" / f"sensors-0123456789abcdef.hsdb.{dead}.tmp",
               state / "cache" / f"sensors-0123456789abcdef.dfa.{dead}.tmp"]
    kept = [conf_dir / f"tollgate.yaml.tmp.{mine}",         # a running process's write
            conf_dir / f"tollgate.yaml.tmp.0{dead}",         # not a pid as we write it
            conf_dir / f"tollgate.yaml.tmp.{dead}.bak",
            conf_dir / "tollgate.yaml.tmp.abc",
            conf_dir / f"other.yaml.tmp.{dead}",              # another file's
            conf_dir / f"tollgate.yaml.{dead}",
            state / f"hash.key.{dead}",
            state / "cache" / f"sensors-0123456789abcdeg.hsdb.{dead}.tmp",
            state / "cache" / "sensors-0123456789abcdef.hsdb",
            state / "cache" / f"sensors-0123456789abcdef.dfa.{dead}.bak",
            state / "cache" / "sensors-0123456789abcdef.dfa"]
    for f in removed + kept:
        f.write_text("partial write\n")
    link = conf_dir / f"tollgate.yaml.tmp.{dead_pid()}"    # links and directories: never
    link.symlink_to(config)
    folder = conf_dir / f"tollgate.yaml.tmp.{dead_pid()}"
    folder.mkdir()
    # The shell leaves a file of its own pid and becomes tollgated with that same pid, as
    # a container's pid 1 restarts with the pid of the process that died.
    script = ('touch "$1.tmp.$$" && echo $$ && exec "$2" --read "$3" --config "$1" '
              '--state-dir "$4" --cache-dir "$4/cache"')
    p = subprocess.run(["sh", "-c", script, "sh", str(config), BIN, str(SAMPLE), str(state)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    own = int(p.stdout.split("\n", 1)[0])
    for f in removed:
        assert not os.path.lexists(f), f
        assert (f"tollgate.state: {f}: removed: a temporary file left by process {dead}, "
                "whose write was interrupted\n") in p.stderr
    own_file = conf_dir / f"tollgate.yaml.tmp.{own}"
    assert not os.path.lexists(own_file)
    assert (f"tollgate.state: {own_file}: removed: a temporary file left by an earlier "
            f"process with our pid {own}, whose write was interrupted\n") in p.stderr
    for f in kept:
        assert f.read_text() == "partial write\n", f
    assert os.path.islink(link) and folder.is_dir()
    assert (f"tollgate.state: {kept[0]}: left in place: process {mine} is running\n"
            in p.stderr)
    assert p.stderr.count("tollgate.state:") == len(removed) + 2
    assert config.read_text() == "policy:\n  mode: monitor\n"
