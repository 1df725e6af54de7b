"""`make run`'s program, as a user runs it: lines on stdin, replies on stdout."""
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def run_cli(data_dir, stdin: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "COMPANION_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "companion.local.cli"],
        input=stdin, capture_output=True, text=True, env=env, timeout=180,
    )


def test_piped_conversation_prints_replies_and_memories(tmp_path):
    done = run_cli(tmp_path, "I got a new puppy today!\nHis name is Sparky.\n/memories puppy\n")
    assert done.returncode == 0, done.stderr
    lines = [l for l in done.stdout.splitlines() if l.startswith("companion> ")]
    assert len(lines) == 3, done.stdout
    assert all("(offline companion" in l for l in lines[:2])
    memory_list = done.stdout.split("companion> ")[-1]
    assert "What I remember" in memory_list and "Sparky" in memory_list and "puppy" in memory_list


def test_state_persists_between_runs(tmp_path):
    run_cli(tmp_path, "My favourite colour is teal\n")
    done = run_cli(tmp_path, "/memories favourite colour\n/personality\n")
    assert done.returncode == 0, done.stderr
    assert "teal" in done.stdout
    assert "Mood:" in done.stdout and "Big Five:" in done.stdout


def test_the_local_run_shows_a_quirk_forming_and_empathy_before_mood(tmp_path):
    done = run_cli(tmp_path, "what a great day at the office today 😀\nthe lunch at the new place was tasty 🍜\n"
                             "walking home now along the river, so pretty 🌇\nhow are you doing tonight, my friend?\n"
                             "I feel terrible, my dad is in the hospital\n/personality\n")
    assert done.returncode == 0, done.stderr
    replies = done.stdout.split("companion> ")[1:]
    assert replies[3].rstrip().endswith("😊")  # the emoji habit, picked up from three messages
    assert "feeling for you" in replies[4] and "bright and lively" not in replies[4]
    card = replies[5]
    assert "Quirks:" in card and "uses emoji frequently" in card and "Needs:" in card and "█" in card
