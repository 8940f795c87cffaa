"""Helpers for tests that run the daemon with its REST API: a free loopback port, a
token file, /v1/stats, and waiting for a condition with a generous deadline (never a
fixed sleep followed by an assertion)."""

import json
import socket
import time
import urllib.error
import urllib.request

import pytest

TOKEN = "d" * 24 + "daemon-tests-admin"
DEADLINE = 120


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def token_file(path, token=TOKEN):
    """Write an admin token file (mode 0600) at path; returns its path."""
    path.write_text(f"admin {token}\n")
    path.chmod(0o600)
    return path


def api_stats(port, token=TOKEN):
    """GET /v1/stats as JSON."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/stats")
    req.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def wait_for(what, cond, proc, deadline=DEADLINE):
    """Poll cond() until it is true; fail (killing proc) when proc exits or the deadline
    passes. Connection errors while the API starts count as not yet."""
    end = time.time() + deadline
    while time.time() < end:
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"tollgated exited (rc={proc.returncode}) while waiting for {what}:"
                        f"\n{out}\n{err}")
        try:
            if cond():
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    proc.kill()
    pytest.fail(f"timed out after {deadline} s waiting for {what}")


def wait_counter(port, proc, name, pred, what=None):
    """Wait until pred(/v1/stats counters[name]) holds; returns the last stats."""
    last = {}

    def check():
        last["s"] = api_stats(port)
        return pred(last["s"]["counters"][name])

    wait_for(what or f"counter {name}", check, proc)
    return last["s"]
