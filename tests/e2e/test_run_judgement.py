"""`make run` shows the offline judgement: a move replaces the old address, a self-introduction is
kept as important (small talk is not), and a repeated statement is remembered once."""
import re

import pytest

from tests.e2e.test_run_command import run_cli

pytestmark = pytest.mark.slow


def test_the_local_run_keeps_what_matters_once_and_the_newer_fact_first(tmp_path):
    done = run_cli(tmp_path, "I live in Lisbon, it is a lovely city by the sea\n"
                             "Big news: I moved to Berlin last week, still unpacking boxes\n"
                             "/memories where do I live\n"
                             "Hi! I am Maya, I work as a nurse in Leeds\nlol ok\n"
                             "I love coffee\nI really love coffee\nI love coffee so much\n/memories\n")
    assert done.returncode == 0, done.stderr
    *_, where, newest = done.stdout.split("companion> What I remember")
    assert where.index("moved to Berlin") < where.index("I live in Lisbon") and "no longer true" in where
    importance = dict(re.findall(r"• `[0-9a-f]{8}` (.+?) \(\d\d \w{3} \d{4}, importance ([0-9.]+)\)", newest))
    assert float(importance["Hi! I am Maya, I work as a nurse in Leeds"]) >= 0.7 > 0.2 >= float(importance["lol ok"])
    assert [line for line in newest.splitlines() if "coffee" in line] == [
        line for line in newest.splitlines() if "• `" in line and "I love coffee (" in line]
    assert "really love coffee" not in newest and "so much" not in newest
