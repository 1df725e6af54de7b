"""What operators see of a turn: X-Ray subsegments for recall, reply model, persist and Discord;
log lines carrying the interaction id as correlation id, user ids hashed, no message text."""
import json
import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest

from companion import observability
from companion.observability import HashUserIds, correlation_id_of, user_ref

SECRET_MESSAGE = "my secret is that I adore pineapple pizza"


class RecordingTracer:
    """A stand-in for Powertools' Tracer: records the subsegments a turn opens."""

    def __init__(self):
        self.opened: list[str] = []
        self.annotations: dict[str, str] = {}
        self.provider = self

    def put_annotation(self, key, value):
        self.annotations[key] = value

    def capture_lambda_handler(self, handler):
        return handler

    @contextmanager
    def in_subsegment(self, name):
        self.opened.append(name)
        yield None


@pytest.fixture
def tracer():
    recording = RecordingTracer()
    observability.set_tracer(recording)
    yield recording
    observability.set_tracer(None)


def test_a_turn_is_traced_step_by_step(runtime, tracer):
    exchange = runtime.send("companion", {"message": "I got a new puppy today!"}, user_id="u1")
    assert exchange.replies, exchange
    for step in ("recall", "reply_model", "persist", "discord"):
        assert step in tracer.opened, tracer.opened
    order = [tracer.opened.index(step) for step in ("recall", "reply_model", "persist", "discord")]
    assert order == sorted(order)
    assert tracer.annotations["command"] == "companion" and tracer.annotations["interaction_id"].isdigit()


def test_tracing_off_outside_lambda_costs_nothing(monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    observability._tracer_resolved = False
    try:
        assert observability.active_tracer() is None
        assert observability.traced("recall")(lambda x: x + 1)(1) == 2
    finally:
        observability.set_tracer(None)


def test_user_ids_are_hashed_stably_and_privately(monkeypatch):
    import logging

    record = logging.LogRecord("companion.x", logging.INFO, __file__, 1, "created companion", None, None)
    record.user_id = "1300000000000000001"
    HashUserIds().filter(record)
    assert not hasattr(record, "user_id") and record.user == user_ref("1300000000000000001")
    assert len(record.user) == 16 and "1300000000000000001" not in record.user
    assert user_ref("a") == user_ref("a") != user_ref("b")
    under_default_key = user_ref("a")
    monkeypatch.setenv("LOG_HASH_KEY", "another-stack")  # each stack hashes with its own key
    assert user_ref("a") != under_default_key
    assert correlation_id_of(b'{"id": "42", "type": 2}') == "42" and correlation_id_of(b"not json") is None


def test_logs_of_a_turn_carry_its_interaction_id_hash_the_user_and_never_the_message(database_url, tmp_path):
    """Runs make run's path in a fresh interpreter with INFO logs on, as in Lambda, and reads
    every JSON log line the handlers and the companion package wrote."""
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        from companion.local.runtime import LocalRuntime
        rt = LocalRuntime(Path({str(tmp_path)!r}), database_url={database_url!r}, qdrant_path=":memory:")
        payload_ids = []
        original = rt.interaction
        def interaction(*args, **kwargs):
            payload = original(*args, **kwargs)
            payload_ids.append(payload["id"])
            return payload
        rt.interaction = interaction
        exchange = rt.send("companion", {{"message": {SECRET_MESSAGE!r}}}, user_id="1300000000000000001")
        assert exchange.replies, exchange
        rt.close()
        print("INTERACTION " + payload_ids[0])
    """)
    env = {**os.environ, "POWERTOOLS_LOG_LEVEL": "INFO", "LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "true"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    interaction_id = done.stdout.split("INTERACTION ")[-1].strip()
    lines = [json.loads(l) for l in done.stdout.splitlines() if l.startswith("{")]
    turn_lines = [l for l in lines if l.get("correlation_id") == interaction_id]
    assert any(l["message"] == "turn done" for l in turn_lines), lines
    assert any(l["message"] == "created companion" for l in turn_lines), lines  # the package's own logger
    for line in lines:
        text = json.dumps(line)
        assert "1300000000000000001" not in text, line
        assert "pineapple" not in text, line
    done_line = next(l for l in turn_lines if l["message"] == "turn done")
    assert done_line["user"] == user_ref("1300000000000000001") and done_line["interaction_id"] == interaction_id
