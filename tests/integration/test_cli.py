"""The flags a Suricata or Snort user types first: -r/--read, -c/--config, -T and
--check-config, -i/--port (PCI address, vdev string or interface name, repeatable),
-l/--log-dir, --pidfile and -V/--version, next to the long options that were there
before. Each test runs the real build/tollgated."""

import json
import os
import re
import signal
import subprocess
from pathlib import Path

from test_events_file import TapNetns, alerts, tap_netns, wait_until  # noqa: F401
from tgdaemon import (BIN, DEADLINE, TOKEN, StderrTail, api_stats, free_port, syn_frame,
                      wait_for, write_syn_pcap)

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tools" / "sample" / "demo.pcap"
GOOD = ROOT / "config" / "demo.yaml"


def run(args, rc=0):
    p = subprocess.run([BIN] + [str(a) for a in args], capture_output=True, text=True,
                       timeout=DEADLINE)
    assert p.returncode == rc, f"rc={p.returncode}\n{p.stdout}\n{p.stderr}"
    return p


def project_version():
    m = re.search(r"version\s*:\s*'([^']+)'", (ROOT / "meson.build").read_text())
    return m.group(1)


def pkg_version(name):
    return subprocess.run(["pkg-config", "--modversion", name], capture_output=True,
                          text=True, check=True).stdout.strip()


def test_version_prints_tollgate_and_each_library_once():
    out = run(["-V"]).stdout
    assert run(["--version"]).stdout == out
    lines = out.splitlines()
    assert lines[0] == f"tollgated {project_version()}"
    # what the libraries say at run time; on this host the same as the build's headers
    want = [
        f"  DPDK {pkg_version('libdpdk')}",
        f"  Hyperscan {pkg_version('libhs')} ",
        f"  libpcap version {pkg_version('libpcap')}",
        f"  libmicrohttpd {pkg_version('libmicrohttpd')}",
        f"  jansson {pkg_version('jansson')}",
        f"  libyaml {pkg_version('yaml-0.1')}",
        f"  zlib {pkg_version('zlib')}",
        f"  zstd {pkg_version('libzstd')}",
        f"  brotli {pkg_version('libbrotlidec')}",
    ]
    assert len(lines) == 1 + len(want), out
    for line, prefix in zip(lines[1:], want):
        assert line == prefix.rstrip() or line.startswith(prefix), (line, prefix)
    for name in ("DPDK", "Hyperscan", "libpcap", "libmicrohttpd", "jansson", "libyaml",
                 "zlib", "zstd", "brotli"):
        assert len(re.findall(rf"\b{name}\b", out)) == 1, (name, out)


def test_help_lists_every_short_option():
    out = run(["-h"]).stdout
    for flag in ("-c, --config FILE", "-T ", "--check-config FILE", "-r, --read FILE",
                 "-i, --port DEV", "-l, --log-dir DIR", "--pidfile FILE",
                 "-v, --verbose", "-V, --version", "-h, --help"):
        assert flag in out, flag
    p = run(["--no-such-flag"], rc=2)
    assert p.stderr.endswith(": unrecognized option '--no-such-flag'\n" + out.replace(
        "usage:", "usage:", 1)), p.stderr


def test_short_read_and_config_are_the_long_ones(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("reassembly:\n  midstream: true\n")
    run(["--read", SAMPLE, "--config", cfg, "--events", tmp_path / "long.json",
         "--state-dir", tmp_path / "st"])
    run(["-r", SAMPLE, "-c", cfg, "--events", tmp_path / "short.json", "--state-dir",
         tmp_path / "st"])
    long_ = (tmp_path / "long.json").read_text()
    assert long_ and (tmp_path / "short.json").read_text() == long_


def test_T_checks_the_c_config_whatever_the_order(tmp_path):
    want = f"{GOOD}: configuration is valid (3 groups, 2 rules, 24 sensors)\n"
    assert run(["-T", "-c", GOOD]).stdout == want
    assert run(["-c", GOOD, "-T"]).stdout == want
    assert run(["--check-config", GOOD]).stdout == want
    assert run(["-T"]).stdout == "<built-in>: configuration is valid (0 groups, 0 rules, " \
                                 "24 sensors)\n"
    bad = tmp_path / "bad.yaml"
    bad.write_text("dataplane:\n  workers: 0\n")
    p = run(["-c", bad, "-T"], rc=1)
    assert p.stdout == ""
    assert p.stderr == (f"{bad}:2:12: dataplane.workers: out of range (got 0, expected an "
                        "integer in 1..64)\n")
    assert run(["--check-config", bad], rc=1).stderr == p.stderr


def test_log_dir_writes_eve_json_there(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    run(["-r", SAMPLE, "--events", tmp_path / "ref.json", "--state-dir", tmp_path / "st"])
    run(["-r", SAMPLE, "-l", logs, "--state-dir", tmp_path / "st"])
    ref = (tmp_path / "ref.json").read_text()
    assert ref and (logs / "eve.json").read_text() == ref
    assert (logs / "eve.json").stat().st_mode & 0o7777 == 0o640
    # --events wins over --log-dir
    run(["-r", SAMPLE, "--log-dir", logs, "--events", tmp_path / "other.json",
         "--state-dir", tmp_path / "st"])
    assert (logs / "eve.json").read_text() == ref
    assert (tmp_path / "other.json").read_text() == ref
    p = run(["-r", SAMPLE, "-l", tmp_path / "missing"], rc=2)
    assert p.stderr == f"tollgated: --log-dir {tmp_path / 'missing'}: No such file or " \
                       "directory\n"
    p = run(["-r", SAMPLE, "-l", tmp_path / "ref.json"], rc=2)
    assert p.stderr == f"tollgated: --log-dir {tmp_path / 'ref.json'}: not a directory\n"


def start(args, tmp_path, name="d"):
    """tollgated with the API on a free loopback port; returns (proc, port, stderr tail)."""
    tokens = tmp_path / "tokens"
    tokens.write_text(f"admin {TOKEN}\n")
    tokens.chmod(0o600)
    port = free_port()
    proc = subprocess.Popen([BIN] + [str(a) for a in args] + [
        "--api-listen", f"127.0.0.1:{port}", "--api-token-file", str(tokens),
        "--state-dir", str(tmp_path / "st")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port, StderrTail(proc)


def stop(proc, tail):
    proc.send_signal(signal.SIGTERM)
    out = proc.stdout.read()
    proc.wait(timeout=DEADLINE)
    assert proc.returncode == 0, f"rc={proc.returncode}\n{out}\n{tail.text()}"
    return out


def canon(path):
    evs = [json.loads(x) for x in Path(path).read_text().splitlines()]
    return sorted(json.dumps(e, sort_keys=True) for e in evs)


def test_port_vdev_is_a_tap_port_added_to_the_configured_ones(tmp_path):
    run(["-r", SAMPLE, "--events", tmp_path / "off.json", "--state-dir", tmp_path / "st"])
    syns = tmp_path / "syns.pcap"
    write_syn_pcap(syns, 7)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"""
dataplane:
  ports:
    - {{ name: i0, device: "net_pcap1,rx_pcap={syns}", mode: tap }}
""")
    ev = tmp_path / "live.json"
    proc, port, tail = start(["-c", cfg, "-i", f"net_pcap0,rx_pcap={SAMPLE}", "--events",
                              ev], tmp_path)
    try:
        wait_for("every packet of both captures",
                   lambda: api_stats(port)["counters"]["packets"] == 51 + 7, proc)
        out = stop(proc, tail)
    finally:
        if proc.poll() is None:
            proc.kill()
    err = tail.text()
    # the configuration's port keeps its name; the -i port takes the next free one
    assert "tollgate.port: port i0 (0): net_pcap" in err
    assert "tollgate.port: port i1 (1): net_pcap" in err
    evs = [json.loads(x) for x in ev.read_text().splitlines()]
    sample = [json.dumps(e, sort_keys=True) for e in evs
              if not e["src_ip"].startswith("10.64.")]
    assert sorted(sample) == canon(tmp_path / "off.json")
    assert sorted(e["src_port"] for e in evs if e["src_ip"].startswith("10.64.")) == \
        list(range(1024, 1031))
    assert "flows       12 created" in out


def test_port_interface_name_becomes_an_af_packet_port(tmp_path, tap_netns):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("api:\n  listen: \"\"\npolicy:\n  default_action: deny\n")
    ev = tmp_path / "eve.json"
    proc = subprocess.Popen(["ip", "netns", "exec", tap_netns.ns, BIN, "-c", str(cfg),
                             "-i", "vb", "--events", str(ev), "--state-dir",
                             str(tmp_path / "st")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        tail = StderrTail(proc)
        tail.wait(r"tollgate\.port: port i0 \(0\): net_af_packet")
        s = tap_netns.send([syn_frame(i) for i in range(5)])
        assert s.communicate(timeout=DEADLINE)[0].strip() == b"5"
        wait_until("5 alerts", lambda: len(alerts(ev)) == 5, proc)
        out = stop(proc, tail)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert sorted(e["src_port"] for e in alerts(ev)) == list(range(1024, 1029))
    assert "flows       5 created" in out


def test_bad_ports_are_refused_naming_the_value(tmp_path):
    p = run(["-i", "no-such-if0"], rc=2)
    assert p.stderr == ("tollgated: -i no-such-if0: not a PCI address (0000:01:00.0), a "
                        "DPDK vdev string (net_...) or a network interface of this host\n")
    p = run(["-r", SAMPLE, "-i", "net_null0"], rc=2)
    assert p.stderr == ("tollgated: -r/--read (offline) and -i/--port (live) exclude each "
                        "other\n")
    many = []
    for k in range(17):
        many += ["-i", f"net_null{k}"]
    assert run(many, rc=2).stderr == "tollgated: at most 16 -i ports\n"
    cfg = tmp_path / "c.yaml"
    cfg.write_text("dataplane:\n  ports:\n" + "".join(
        f"    - {{ name: p{k}, device: net_null{k}, mode: tap }}\n" for k in range(16)))
    p = run(["-c", cfg, "-i", "net_null16"], rc=2)
    assert p.stderr == ("tollgated: -i net_null16: too many ports (at most 16, with those "
                        "of the configuration)\n")
    assert run([], rc=2).stderr == ("tollgated: nothing to do: give -r FILE.pcap or -i "
                                    "PORT, or configure dataplane.ports in the config\n")


def test_compiled_sensors_are_kept_in_the_cache_dir_and_reused(tmp_path):
    cache, st = tmp_path / "cache", tmp_path / "st"

    def read(name, *cache_args):
        p = run(["-r", SAMPLE, "--events", tmp_path / name, "--state-dir", st] +
                list(cache_args))
        return p.stderr, canon(tmp_path / name)

    # -T compiles through the cache, so the start that follows compiles nothing.
    run(["-T", "--cache-dir", cache])
    files = sorted(p.name for p in cache.iterdir())
    hsdb = [f for f in files if f.endswith(".hsdb")]
    dfas = [f for f in files if f.endswith(".dfa")]
    assert len(hsdb) == 2 and len(dfas) >= 4 and len(files) == len(hsdb) + len(dfas), files
    assert all(re.fullmatch(r"sensors-[0-9a-f]{16}\.(hsdb|dfa)", f) for f in files), files
    assert cache.stat().st_mode & 0o777 == 0o700
    err, first = read("a.json", "--cache-dir", cache)
    assert (f"Hyperscan databases: 0 compiled, 2 from the cache in {cache}; prefilter DFAs: "
            f"0 built, {len(dfas)} from the cache\n") in err, err
    assert sorted(p.name for p in cache.iterdir()) == files
    assert any('"event_type": "dlp"' in e for e in first)
    # cache_dir in the config; --cache-dir "" turns the cache off, and finds the same.
    conf = tmp_path / "c.yaml"
    conf.write_text(f"cache_dir: {cache}\n")
    err, again = read("b.json", "-c", conf)
    assert (f"Hyperscan databases: 0 compiled, 2 from the cache in {cache}; prefilter DFAs: "
            f"0 built, {len(dfas)} from the cache\n") in err, err
    err, off = read("c.json", "-c", conf, "--cache-dir", "")
    assert (f"Hyperscan databases: 2 compiled, no cache; prefilter DFAs: {len(dfas)} built, "
            "0 from the cache\n") in err, err
    assert again == first and off == first
    # A configured directory that cannot be made: the user's own cache, said once; an
    # explicit --cache-dir never falls back (compiled at every start, said once).
    (tmp_path / "file").write_text("")
    conf.write_text(f"cache_dir: {tmp_path / 'file' / 'cache'}\n")
    p = subprocess.run([BIN, "-r", SAMPLE, "-c", conf, "--events", tmp_path / "e.json",
                        "--state-dir", st], capture_output=True, text=True, timeout=DEADLINE,
                       env=dict(os.environ, HOME=str(tmp_path / "home")))
    home_cache = tmp_path / "home" / ".cache" / "tollgate"
    assert p.returncode == 0, p.stderr
    assert p.stderr.count(f"tollgated: {tmp_path / 'file' / 'cache'} is not writable (Not a "
                          f"directory); keeping compiled sensors in {home_cache}\n") == 1
    assert (f"2 compiled, 0 from the cache in {home_cache}; prefilter DFAs: {len(dfas)} "
            "built, 0 from the cache\n") in p.stderr, p.stderr
    assert sorted(p.name for p in home_cache.iterdir()) == files
    err, _ = read("f.json", "--cache-dir", tmp_path / "file" / "x")
    assert err.count(f"tollgated: sensor cache {tmp_path / 'file' / 'x'}: Not a directory; "
                     "compiling the sensors at every start\n") == 1, err
    assert "Hyperscan databases: 2 compiled, no cache; prefilter DFAs: " in err


def test_pidfile_is_written_guarded_and_removed(tmp_path):
    pidfile = tmp_path / "run" / "tollgated.pid"
    pidfile.parent.mkdir()
    pidfile.write_text("999999999\n")      # stale: no such process
    proc, port, tail = start(["-i", f"net_pcap0,rx_pcap={SAMPLE}", "--pidfile", pidfile],
                             tmp_path)
    try:
        wait_for("the API", lambda: api_stats(port)["counters"]["packets"] == 51, proc)
        assert pidfile.read_text() == f"{proc.pid}\n"
        assert not Path(str(pidfile) + ".tmp").exists()
        # a second instance with the same pidfile is refused, and leaves it alone
        p = run(["-i", f"net_pcap0,rx_pcap={SAMPLE}", "--pidfile", pidfile,
                 "--api-listen", "", "--state-dir", tmp_path / "st"], rc=2)
        assert p.stderr == (f"tollgated: --pidfile {pidfile}: process {proc.pid} is "
                            "running (another tollgated?)\n")
        assert pidfile.read_text() == f"{proc.pid}\n"
        stop(proc, tail)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not pidfile.exists()
    p = run(["-r", SAMPLE, "--pidfile", tmp_path / "no-dir" / "x.pid", "--state-dir",
             tmp_path / "st"], rc=2)
    assert p.stderr == (f"tollgated: --pidfile {tmp_path / 'no-dir' / 'x.pid'}: No such "
                        "file or directory\n")
