"""The Kafka sink against librdkafka's built-in mock cluster (no Kafka broker runs here):
tests/tools/kafka_mock.c hosts the cluster on loopback and reads the topic back with a
consumer. Every event arrives once, keyed by its flow_id (so a flow's events share a
partition, in order); with the broker down, delivery reports fail and are counted, and
nothing arrives later."""

import json
import subprocess
from pathlib import Path

import pytest

from conftest import require_tollgated
from test_sinks_config import N_EVENTS, check_oracle, run_offline, yaml_sinks

DEADLINE = 120


class KafkaMock:
    """build*/tests/kafka_mock next to the daemon under test."""

    def __init__(self):
        path = Path(require_tollgated()).parent / "tests" / "kafka_mock"
        if not path.exists():
            pytest.fail(f"{path} is missing: build the tests (ninja -C {path.parent.parent})")
        self.proc = subprocess.Popen([str(path)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        assert first[:1] == ["bootstraps"], first
        self.bootstraps = first[1]

    def cmd(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def ok(self, line):
        self.cmd(line)
        assert self.proc.stdout.readline() == "ok\n"

    def consume(self, topic, n, timeout_ms):
        """Up to n messages of topic within timeout_ms, as dicts."""
        self.cmd(f"consume {topic} {n} {timeout_ms}")
        out = []
        while True:
            line = self.proc.stdout.readline()
            assert line, "kafka_mock exited"
            if line.startswith("end "):
                assert int(line.split()[1]) == len(out)
                return out
            out.append(json.loads(line))

    def close(self):
        self.cmd("quit")
        try:
            self.proc.wait(timeout=DEADLINE)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def kafka():
    k = KafkaMock()
    yield k
    k.close()


def kafka_sink(k, **kw):
    s = {"name": "bus", "type": "kafka", "address": k.bootstraps, "topic": "tollgate-events"}
    s.update(kw)
    return s


def test_every_event_reaches_the_topic_once_keyed_by_flow(tmp_path, kafka):
    kafka.ok("topic tollgate-events 4")
    run = run_offline(tmp_path, yaml_sinks([kafka_sink(kafka)]))
    assert run.rc == 0, run.describe()
    check_oracle(run.lines)
    assert run.sinks["bus"] == ("kafka", N_EVENTS, 0, 0, 0)
    # one more than there are, to see that none is there twice
    msgs = kafka.consume("tollgate-events", N_EVENTS + 1, 3000)
    assert sorted(m["value"] for m in msgs) == sorted(line for line, _ in run.lines)
    by_value = {line: ev for line, ev in run.lines}
    for m in msgs:
        assert m["key"] == str(by_value[m["value"]]["flow_id"])
    # a flow's events in one partition, in the order they were written
    for fid in {ev["flow_id"] for _, ev in run.lines}:
        mine = [m for m in msgs if m["key"] == str(fid)]
        assert len({m["partition"] for m in mine}) == 1
        assert [m["value"] for m in sorted(mine, key=lambda m: m["offset"])] == \
            [line for line, ev in run.lines if ev["flow_id"] == fid]
    assert len({m["partition"] for m in msgs}) > 1      # the keys spread the flows


def test_unkeyed_filtered_sink(tmp_path, kafka):
    kafka.ok("topic alerts 1")
    run = run_offline(tmp_path, yaml_sinks([kafka_sink(kafka, topic="alerts", key="none",
                                                       event_types=["alert"])]))
    assert run.rc == 0, run.describe()
    msgs = kafka.consume("alerts", N_EVENTS, 3000)
    assert [m["value"] for m in msgs] == \
        [line for line, ev in run.lines if ev["event_type"] == "alert"]
    assert {m["key"] for m in msgs} == {None}
    assert run.sinks["bus"] == ("kafka", 6, 0, 0, 0)


def test_cluster_down_delivery_failures_are_counted(tmp_path, kafka):
    """The broker refuses connections: each message times out (message.timeout.ms 1000),
    is produced once more (retries 1: it never reached a broker), times out again and is
    counted failed. Brought back up, the topic holds nothing from that run."""
    kafka.ok("topic tollgate-events 4")
    kafka.ok("down")
    run = run_offline(tmp_path, yaml_sinks([kafka_sink(
        kafka, retries=1, retry_backoff_ms=50, retry_backoff_max_ms=100,
        flush_timeout_ms=60000, properties={"message.timeout.ms": "1000"})]))
    assert run.rc == 0, run.describe()
    assert run.sinks["bus"] == ("kafka", 0, 0, N_EVENTS, N_EVENTS), run.describe()
    assert "tollgate.sink: bus: kafka %s, topic tollgate-events: delivery failed: Local: " \
        "Message timed out" % kafka.bootstraps in run.stderr
    kafka.ok("up")
    assert kafka.consume("tollgate-events", 1, 2000) == []


def test_bad_librdkafka_property_is_refused_at_start(tmp_path, kafka):
    run = run_offline(tmp_path, yaml_sinks([kafka_sink(
        kafka, properties={"compression.type": "zip"})]))
    assert run.rc == 2, run.describe()
    assert "tollgated: events.sinks[0] (bus): properties.compression.type: librdkafka " \
        "refuses compression.type=zip: " in run.stderr, run.stderr
