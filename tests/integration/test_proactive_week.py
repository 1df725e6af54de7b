"""A simulated week on a frozen clock, through the real handlers: schedules fire as EventBridge
would (via the local runtime's :wait), sweeps fan out per-user jobs on the real work queue, the
worker scores, decides and sends DMs through the Discord stand-in."""
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from companion.local.runtime import LocalRuntime

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 11, 2, 17, 0, tzinfo=timezone.utc)  # Monday, 18:00 in Berlin
# Users whose companions are outgoing (personality factor ~0.87 at their baseline mood; most
# companions are shyer and reach out less): the seed's scoring would let each of them be messaged.
SILENT, OPTED_OUT, RESPONSIVE = "500000000000000051", "500000000000000146", "500000000000000112"
EVENING_TALK = ["I just started learning the cello, my first recital is next month!",
                "Work was long today but the rehearsal went well.",
                "Do you think practising every evening is too much?"]


@pytest.fixture
def week(tmp_path, database_url, embedder):
    rt = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                      frozen_at=START)
    yield rt
    rt.close()


def talk(rt, user_id, lines):
    for line in lines:
        exchange = rt.send("companion", {"message": line}, user_id=user_id, username=user_id[-1])
        assert exchange.status == 200 and exchange.replies


def sent_dms(rt, user_id):
    return sorted(d.sent_at for d in rt.container.outreach_repo.list_decisions(user_id, 1000) if d.sent_at)


def test_a_week_of_outreach_respects_the_person(week):
    rt = week
    for user in (SILENT, OPTED_OUT, RESPONSIVE):
        rt.send("settings", {"timezone": "Europe/Berlin"}, user_id=user, username=user[-1])
    rt.send("settings", {"proactive": "off"}, user_id=OPTED_OUT, username="2")

    silent_days = {3, 4}  # Thursday and Friday: the silent user says nothing
    for day in range(7):
        if day not in silent_days:
            talk(rt, SILENT, EVENING_TALK[: 2 if day % 2 else 3])
        if day == 0:
            talk(rt, OPTED_OUT, EVENING_TALK[:2])
        talk(rt, RESPONSIVE, EVENING_TALK[1:])
        for _ in range(24):
            _, messages = rt.wait(timedelta(hours=1))
            if any(m.recipient == RESPONSIVE for m in messages):
                talk(rt, RESPONSIVE, ["Oh hi! Nice to hear from you."])  # answers every DM at once

    silent = sent_dms(rt, SILENT)
    during_silence = [t for t in silent if t.astimezone(BERLIN).weekday() in silent_days]
    assert len(during_silence) == 1, silent
    local = during_silence[0].astimezone(BERLIN)
    assert 7 <= local.hour < 23, local  # a sensible local hour: never in the quiet hours

    assert sent_dms(rt, OPTED_OUT) == []
    opted_out_decisions = rt.container.outreach_repo.list_decisions(OPTED_OUT, 1000)
    assert all(d.outcome != "send" for d in opted_out_decisions)

    for user in (SILENT, RESPONSIVE):
        times = sent_dms(rt, user)
        per_day = Counter(t.astimezone(BERLIN).date() for t in times)
        assert max(per_day.values(), default=0) <= 3, per_day
        assert all(b - a >= timedelta(hours=4) for a, b in zip(times, times[1:])), times
        assert all(7 <= t.astimezone(BERLIN).hour < 23 for t in times), times

    # Every DM the stand-in received is a stored proactive interaction, with its decision's components.
    dms = defaultdict(list)
    for m in rt.sink.messages:
        dms[m.recipient].append(m.content)
    assert len(dms[SILENT]) == len(silent) and len(dms[RESPONSIVE]) == len(sent_dms(rt, RESPONSIVE))
    decision = next(d for d in rt.container.outreach_repo.list_decisions(SILENT, 1000) if d.sent_at)
    assert decision.total_score >= 0.6 and decision.status == "sent"
