"""The simulated week through `make run`'s program: `:wait` advances the local clock and fires
the schedules through their real handlers; what the companion sends on its own is printed as
`companion (DM)> ...`; the clock persists with the data."""
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

pytestmark = pytest.mark.slow

SILENT = "500000000000000051"  # an outgoing companion (see tests/integration/test_proactive_week.py)
START = "2026-11-02T17:00:00+00:00"  # Monday, 18:00 in Berlin
TALK = ["I just started learning the cello, my first recital is next month!",
        "Work was long today but the rehearsal went well.",
        "Do you think practising every evening is too much?"]
MARKER = "/settings"  # answered, but not activity: it splits the output into days


def run_cli(data_dir, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPANION_DATA_DIR": str(data_dir), "COMPANION_CLOCK_START": START}
    return subprocess.run(
        [sys.executable, "-m", "companion.local.cli", "--user-id", SILENT, "--username", "cellist"],
        input=stdin, capture_output=True, text=True, env=env, timeout=300,
    )


def test_a_week_with_wait_sends_one_dm_in_two_silent_days_and_none_to_the_opted_out(tmp_path):
    lines = ["/settings timezone:Europe/Berlin", *TALK,
             ":as Otto", "/settings proactive:off", "Hi, I'm Otto.", ":as"]
    for day in (1, 2):
        lines += [":wait 24h", *TALK[:2]]
    lines += [":wait 24h", MARKER, ":wait 24h", ":wait 24h", MARKER]  # Thursday and Friday: silence
    done = run_cli(tmp_path, "\n".join(lines) + "\n")
    assert done.returncode == 0, done.stderr[-3000:]

    before, silence, _ = done.stdout.split("companion> **Messages from me:**")[-3:]
    dms_in_silence = [l for l in silence.splitlines() if l.startswith("companion (DM)> ")]
    assert len(dms_in_silence) == 1, done.stdout
    assert "cello" in dms_in_silence[0] or "?" in dms_in_silence[0]  # a starter, quoting a memory if it can
    assert "DM to" not in done.stdout  # Otto opted out: never messaged
    assert "scheduled runs]" in done.stderr

    # The clock (and everything else) persists: a second run continues in the same week.
    offset = json.loads((tmp_path / "clock.json").read_text())["offset_seconds"]
    local_now = datetime.now(timezone.utc) + timedelta(seconds=offset)
    start = datetime.fromisoformat(START)
    assert start + timedelta(days=5) <= local_now < start + timedelta(days=5, hours=1)
    again = run_cli(tmp_path, "/memories cello\n")
    assert "cello" in again.stdout
