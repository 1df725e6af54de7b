"""`make run` shows what the nightly reflection noticed: a few evenings of talk, `:wait` through
the nights (the reflection sweep and its jobs fire through their real handlers), then
/personality's "What I've noticed" section."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

START = "2026-06-01T17:00:00+00:00"  # Monday, 19:00 in Berlin
EVENING = ["Home from work, the cello rehearsal went well.", "Practised the cello again tonight.",
           "What should I play at the recital?"]


def test_personality_says_what_the_nightly_reflection_noticed(tmp_path):
    lines = ["/settings timezone:Europe/Berlin", "/personality"]
    for _ in range(5):
        lines += [*EVENING, ":wait 24h"]
    lines += ["/personality"]
    env = {**os.environ, "COMPANION_DATA_DIR": str(tmp_path), "COMPANION_CLOCK_START": START}
    done = subprocess.run([sys.executable, "-m", "companion.local.cli", "--user-id", "300000000000000077",
                           "--username", "cellist"], input="\n".join(lines) + "\n", capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    first, last = done.stdout.split("What I've noticed:")[1:3]
    assert "Nothing yet" in first.split("==")[0]
    assert "You usually talk to me in the evening." in last
    assert "cello" in last
