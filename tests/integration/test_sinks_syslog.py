"""The syslog sink against Debian's rsyslog: RFC 5424 messages over UDP (RFC 5426), TCP
with octet counting (RFC 6587) and TLS (RFC 5425, GnuTLS), each field of every frame
checked exactly, the filter by event type and severity, and a TLS server whose certificate
does not name the address (or comes from another CA) refused.

rsyslogd runs as user nobody in the foreground with its own configuration (imudp, imtcp,
imtcp with the gtls driver: a CA and a server certificate made here with openssl), one
input per sink, each written to its own file with the template "%rawmsg%\\n" (the message
as received: for TCP and TLS without the octet count, which rsyslog used to cut the
stream into messages, so a wrong count shows as a wrong or missing message)."""

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tgdaemon import free_port
from test_sinks_config import (N_EVENTS, check_oracle, run_offline, severity, yaml_sinks)

DEADLINE = 120
RSYSLOGD = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
# RFC 5424 severity of each event severity (docs/outputs.md)
SYSLOG_SEVERITY = {1: 2, 2: 3, 3: 4, 4: 6}
FACILITY = {"local5": 21, "user": 1, "local0": 16, "daemon": 3}
FRAME_RE = re.compile(r"<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\S+) (.*)\Z", re.S)
INPUTS = ("udp", "tcp", "tls", "filtered", "badname", "badca")


def run_cmd(argv):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=DEADLINE)
    assert p.returncode == 0, f"{argv}: {p.stderr}"


def make_pki(d):
    """A CA, a server certificate for localhost and 127.0.0.1 signed by it, and an
    unrelated CA (for the wrong-CA case)."""
    for ca in ("ca", "other-ca"):
        run_cmd(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                 "-keyout", f"{d}/{ca}.key", "-out", f"{d}/{ca}.pem",
                 "-subj", f"/CN=Tollgate test {ca}",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign"])
    run_cmd(["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{d}/srv.key",
             "-out", f"{d}/srv.csr", "-subj", "/CN=localhost"])
    Path(d, "ext.cnf").write_text(
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")
    run_cmd(["openssl", "x509", "-req", "-in", f"{d}/srv.csr", "-CA", f"{d}/ca.pem",
             "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-days", "2", "-out",
             f"{d}/srv.pem", "-extfile", f"{d}/ext.cnf"])


def listening(port, proto):
    """Is 127.0.0.1:port bound (UDP) or listening (TCP), per /proc/net?"""
    want = "%08X:%04X" % (0x0100007F, port)
    state = "07" if proto == "udp" else "0A"
    for line in Path(f"/proc/net/{proto}").read_text().splitlines()[1:]:
        f = line.split()
        if f[1] == want and f[3] == state:
            return True
    return False


class Rsyslog:
    def __init__(self, d, ports, proc):
        self.dir, self.ports, self.proc = d, ports, proc

    def lines(self, name):
        p = Path(self.dir, f"{name}.log")
        return p.read_text().splitlines() if p.exists() else []

    def wait_lines(self, name, n):
        end = time.time() + DEADLINE
        while time.time() < end:
            if self.proc.poll() is not None:
                pytest.fail(f"rsyslogd exited: {self.proc.communicate()}")
            if len(self.lines(name)) >= n:
                return self.lines(name)
            time.sleep(0.05)
        pytest.fail(f"rsyslog input {name}: {len(self.lines(name))} of {n} messages")


@pytest.fixture(scope="module")
def rsyslog():
    nobody = pwd.getpwnam("nobody")
    d = tempfile.mkdtemp(prefix="tg-rsyslog-")
    os.chmod(d, 0o755)
    make_pki(d)
    ports = {name: free_port() for name in INPUTS}
    tls = ('streamDriver.name="gtls" streamDriver.mode="1" '
           'streamDriver.authMode="anon"')
    conf = [
        f'global(workDirectory="{d}" maxMessageSize="64k"',
        f'       DefaultNetstreamDriverCAFile="{d}/ca.pem"',
        f'       DefaultNetstreamDriverCertFile="{d}/srv.pem"',
        f'       DefaultNetstreamDriverKeyFile="{d}/srv.key")',
        'module(load="imudp")',
        'module(load="imtcp" maxSessions="32")',
        'template(name="raw" type="string" string="%rawmsg%\\n")',
    ]
    for name in INPUTS:
        kind = "imudp" if name == "udp" else "imtcp"
        extra = tls if name in ("tls", "badname", "badca") else ""
        conf.append(f'input(type="{kind}" address="127.0.0.1" port="{ports[name]}" '
                    f'ruleset="{name}" {extra})')
        conf.append(f'ruleset(name="{name}") {{ action(type="omfile" file="{d}/{name}.log" '
                    f'template="raw") }}')
    Path(d, "rsyslog.conf").write_text("\n".join(conf) + "\n")
    for f in Path(d).iterdir():
        os.chown(f, nobody.pw_uid, nobody.pw_gid)
    os.chown(d, nobody.pw_uid, nobody.pw_gid)
    proc = subprocess.Popen(["setpriv", f"--reuid={nobody.pw_uid}",
                             f"--regid={nobody.pw_gid}", "--clear-groups", RSYSLOGD, "-n",
                             "-f", f"{d}/rsyslog.conf", "-i", f"{d}/rsyslogd.pid"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    end = time.time() + DEADLINE
    while not all(listening(p, "udp" if n == "udp" else "tcp") for n, p in ports.items()):
        if proc.poll() is not None or time.time() > end:
            proc.kill()
            pytest.fail(f"rsyslogd did not start: {proc.communicate()}")
        time.sleep(0.05)
    yield Rsyslog(d, ports, proc)
    proc.terminate()
    try:
        proc.communicate(timeout=DEADLINE)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def syslog_run(rsyslog, tmp_path_factory):
    """One run of the capture with a sink per rsyslog input."""
    tmp = tmp_path_factory.mktemp("syslog")
    d, p = rsyslog.dir, rsyslog.ports
    sinks = [
        {"name": "udp", "type": "syslog", "address": f"127.0.0.1:{p['udp']}"},
        {"name": "tcp", "type": "syslog", "address": f"127.0.0.1:{p['tcp']}",
         "transport": "tcp", "facility": "user"},
        {"name": "tls", "type": "syslog", "address": f"127.0.0.1:{p['tls']}",
         "transport": "tls", "facility": "local0", "tls_ca_file": f"{d}/ca.pem"},
        {"name": "filtered", "type": "syslog", "address": f"localhost:{p['filtered']}",
         "transport": "tcp", "facility": "daemon", "event_types": ["alert", "flow"],
         "min_severity": 2},
        # the certificate names localhost and 127.0.0.1, not this
        {"name": "badname", "type": "syslog", "address": f"127.0.0.1:{p['badname']}",
         "transport": "tls", "tls_ca_file": f"{d}/ca.pem",
         "tls_server_name": "siem.example", "retries": 1, "retry_backoff_ms": 50,
         "retry_backoff_max_ms": 100, "flush_timeout_ms": 1000},
        {"name": "badca", "type": "syslog", "address": f"127.0.0.1:{p['badca']}",
         "transport": "tls", "tls_ca_file": f"{d}/other-ca.pem", "retries": 1,
         "retry_backoff_ms": 50, "retry_backoff_max_ms": 100, "flush_timeout_ms": 1000},
    ]
    run = run_offline(tmp, yaml_sinks(sinks))
    assert run.rc == 0, run.describe()
    check_oracle(run.lines)
    return run


def check_frames(run, frames, facility, expected):
    """frames are exactly the RFC 5424 messages of the (line, event) pairs expected."""
    host = socket.gethostname()
    assert len(frames) == len(expected), frames
    for frame, (line, ev) in zip(frames, expected):
        m = FRAME_RE.match(frame)
        assert m, frame[:200]
        pri, ts, hostname, app, procid, msgid, sd, msg = m.groups()
        assert int(pri) == facility * 8 + SYSLOG_SEVERITY[severity(ev)], frame[:80]
        # the event's own time, in RFC 3339 UTC form
        assert ts == ev["timestamp"][:-5] + "Z"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", ts)
        assert hostname == host
        assert app == "tollgated"
        assert procid == str(run.pid)
        assert msgid == ev["event_type"]
        assert sd == "-"
        assert msg == line          # the EVE JSON, byte for byte


@pytest.mark.parametrize("name,facility,ordered", [
    ("udp", FACILITY["local5"], False),     # datagrams: compared as a set
    ("tcp", FACILITY["user"], True),
    ("tls", FACILITY["local0"], True),
])
def test_rsyslog_receives_every_event_as_an_rfc5424_frame(rsyslog, syslog_run, name,
                                                          facility, ordered):
    frames = rsyslog.wait_lines(name, N_EVENTS)
    expected = syslog_run.lines
    if not ordered:
        by_msg = {line: (line, ev) for line, ev in expected}
        frames = sorted(frames, key=lambda f: f.split(" - ", 1)[1])
        expected = [by_msg[line] for line in sorted(by_msg)]
    check_frames(syslog_run, frames, facility, expected)
    assert syslog_run.sinks[name] == ("syslog", N_EVENTS, 0, 0, 0)


def test_filter_passes_the_types_and_severities_asked_for(rsyslog, syslog_run):
    """event_types [alert, flow], min_severity 2: the card and IBAN alerts, not the
    e-mail alerts (severity 3) nor flow events (4)."""
    expected = [(line, ev) for line, ev in syslog_run.lines
                if ev["event_type"] in ("alert", "flow") and severity(ev) <= 2]
    assert sorted(ev["alert"]["metadata"]["sensor"][0] for _, ev in expected) == \
        ["credit_card", "credit_card", "iban", "iban"]
    frames = rsyslog.wait_lines("filtered", len(expected))
    check_frames(syslog_run, frames, FACILITY["daemon"], expected)
    assert syslog_run.sinks["filtered"] == ("syslog", 4, 0, 0, 0)


@pytest.mark.parametrize("name,why", [
    ("badname", "The name in the certificate does not match the expected."),
    ("badca", "The certificate issuer is unknown."),
])
def test_tls_server_not_verified_is_refused(rsyslog, syslog_run, name, why):
    _, sent, dropped, retried, failed = syslog_run.sinks[name]
    assert sent == 0 and dropped + failed == N_EVENTS and failed >= 1, syslog_run.sinks
    assert retried >= failed
    assert re.search(rf"tollgate.sink: {name}: syslog 127\.0\.0\.1:\d+ \(tls\): certificate "
                     rf"verification failed: .*{re.escape(why)}", syslog_run.stderr), \
        syslog_run.stderr
    # the run is over: nothing ever reached that input
    assert rsyslog.lines(name) == []
