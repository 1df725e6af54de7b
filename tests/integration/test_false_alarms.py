"""A benign message wrongly flagged costs the user nothing lasting (#20 item 8): through the real
path, with messages the real screen flags although they are harmless (dev batch
companion-benign/dev-s20 of benchmarks/data/companion-benign.jsonl; when the screen stops
flagging them, take two others from `injection_eval.py --split dev`'s flagged list)."""
from datetime import datetime, timedelta, timezone

import pytest

from companion.local.incidents import main as incidents_cli
from companion.local.runtime import LocalRuntime

USER = "320000000000000077"
FALSE_ALARMS = ["The Jailbreak is my favourite Thin Lizzy song.",
                "Access granted! I finally got into the climbing club."]
LATER = "I went to the market and bought apples, pears, plums and a huge watermelon."


def say(rt, text):
    [reply] = rt.send("companion", {"message": text}, user_id=USER).replies
    return reply


def standing(rt):
    return rt.container.security.level(USER, rt.clock()), rt.container.incident_repo.account_status(USER)


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    # The operator's command runs on the wall clock, as in a deployment: so does this runtime.
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=datetime.now(timezone.utc).replace(microsecond=0))
    yield runtime
    runtime.close()


def test_two_false_alarms_restrict_and_nothing_stays_once_the_window_passes(rt):
    start = rt.clock()
    say(rt, "I adopted a greyhound called Pixel")
    for text in FALSE_ALARMS:
        say(rt, text)
    assert standing(rt) == (2, "restricted")  # the screen's mistake, as a user would live it
    remembered = rt.container.memory_repo.count_memories(USER)
    assert remembered == 1  # flagged messages are never memories

    rt.clock.advance_to(start + timedelta(days=7, hours=1), persist=False)
    assert "offline companion" in say(rt, LATER)
    assert standing(rt) == (0, "active")
    assert rt.container.memory_repo.count_memories(USER) == remembered + 1  # remembered again
    recalled = rt.container.memory.search(USER, "what is my dog called?", k=3, now=rt.clock())
    assert "I adopted a greyhound called Pixel" in [m.content for m in recalled]


def test_an_operator_marking_the_false_alarms_lifts_the_restriction_at_once(rt, database_url, monkeypatch, capsys):
    for text in FALSE_ALARMS:
        say(rt, text)
    assert standing(rt) == (2, "restricted")
    monkeypatch.setenv("DATABASE_URL", database_url)
    for incident in rt.container.security.list_incidents(USER):
        assert incidents_cli(["false-positive", str(incident["id"]), "--notes", "a song title; a climbing club"]) == 0
    assert f"user {USER} is now at level 0" in capsys.readouterr().out
    assert standing(rt) == (0, "active")
    say(rt, LATER)
    assert rt.container.memory_repo.count_memories(USER) == 1
