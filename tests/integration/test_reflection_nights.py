"""Reflection runs in each user's own night: the 15-minute sweep claims the users whose minute
(01:00-03:59 on their clock) has come, queues a job for the active ones still in their night, and
schedules their next night; SQL and Python agree on every slot, DST days included."""
from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.deadline import Deadline, within
from companion.domain.schedules import (
    UserJob, in_users_night, next_reflection_slot, reflection_minute,
)
from companion.local.runtime import LocalRuntime

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Asia/Kolkata", "Asia/Kathmandu",
         "Australia/Sydney", "Pacific/Chatham", "America/St_Johns", "Not/AZone", None]
# Around the 2026 DST changes in Europe, the US and Australia.
MOMENTS = [datetime(2026, 3, 7, 22, tzinfo=timezone.utc), datetime(2026, 3, 28, 20, tzinfo=timezone.utc),
           datetime(2026, 4, 4, 12, tzinfo=timezone.utc), datetime(2026, 10, 24, 23, 30, tzinfo=timezone.utc),
           datetime(2026, 10, 31, 22, tzinfo=timezone.utc), datetime(2026, 6, 1, 0, 0, tzinfo=timezone.utc)]


def test_sql_and_python_agree_on_every_users_minute_slot_and_night(db_admin):
    users = [f"user-{i}" for i in range(40)] + ["1300000000000000001", "ü" * 20]
    for user in users:
        assert db_admin.execute("SELECT companion_reflection_minute(%s) AS m", (user,)).fetchone()["m"] == reflection_minute(user)
    for zone in ZONES:
        for moment in MOMENTS:
            for user in users[:8]:
                sql = db_admin.execute("SELECT companion_reflection_slot(%s, %s, %s) AS s",
                                       (user, zone, moment)).fetchone()["s"]
                assert sql == next_reflection_slot(user, zone, moment), (user, zone, moment)
                assert in_users_night(zone, sql)
            for minutes in range(0, 24 * 60, 17):
                at = moment + timedelta(minutes=minutes)
                sql = db_admin.execute("SELECT companion_in_reflection_night(%s, %s) AS n", (zone, at)).fetchone()["n"]
                assert sql == in_users_night(zone, at), (zone, at)


START = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def rt(tmp_path, database_url, embedder):
    runtime = LocalRuntime(tmp_path, database_url=database_url, qdrant_path=":memory:", embedder=embedder,
                           frozen_at=START)
    yield runtime
    runtime.close()


def due_at(db_admin, user):
    """The user's next reflection moment, or 'infinity' / '-infinity' as text."""
    row = db_admin.execute("""SELECT CASE WHEN isfinite(reflection_due_at) THEN reflection_due_at END AS due,
                                     reflection_due_at::text AS raw FROM user_profiles WHERE user_id = %s""",
                           (user,)).fetchone()
    return row["due"] or row["raw"]


def test_a_new_user_is_scheduled_for_their_night_then_reflected_once_in_it(rt, db_admin):
    user, zone = "night-owl", "America/New_York"
    rt.send("companion", {"message": "I'm learning the cello, it's hard"}, user_id=user)
    rt.send("settings", {"timezone": zone}, user_id=user)
    repo = rt.container.schedule_repo
    assert repo.claim_reflections(START, 7, 1000) == ([], 1)  # first claim: only scheduled
    slot = next_reflection_slot(user, zone, START)
    assert due_at(db_admin, user) == slot and in_users_night(zone, slot)
    assert repo.claim_reflections(slot - timedelta(minutes=1), 7, 1000) == ([], 0)
    assert repo.claim_reflections(slot + timedelta(minutes=10), 7, 1000) == ([(user, slot)], 1)
    assert repo.claim_reflections(slot + timedelta(minutes=25), 7, 1000) == ([], 0)  # claimed once a night
    assert due_at(db_admin, user) == next_reflection_slot(user, zone, slot + timedelta(minutes=10))


def test_a_night_the_sweeps_missed_is_skipped_not_run_in_the_day(rt, db_admin):
    user = "sleepy"
    rt.send("companion", {"message": "hello"}, user_id=user)
    repo = rt.container.schedule_repo
    repo.claim_reflections(START, 7, 1000)
    slot = due_at(db_admin, user)
    late = slot + timedelta(hours=6)  # the sweeps were down all night: it is morning on their clock
    assert repo.claim_reflections(late, 7, 1000) == ([], 1)
    assert due_at(db_admin, user) == next_reflection_slot(user, "UTC", late)


def test_an_inactive_user_is_parked_until_they_write_again(rt, db_admin):
    user = "away"
    rt.send("companion", {"message": "see you in a while"}, user_id=user)
    repo = rt.container.schedule_repo
    repo.claim_reflections(START, 7, 1000)
    weeks_later = due_at(db_admin, user) + timedelta(days=14)
    assert repo.claim_reflections(weeks_later, 7, 1000) == ([], 1)
    assert due_at(db_admin, user) == "infinity"  # never scanned
    assert repo.claim_reflections(weeks_later + timedelta(days=1), 7, 1000) == ([], 0)
    rt.clock.advance_to(weeks_later)
    rt.send("companion", {"message": "I'm back!"}, user_id=user)
    assert due_at(db_admin, user) == "-infinity"  # rescheduled by the next sweep
    assert repo.claim_reflections(weeks_later + timedelta(minutes=5), 7, 1000) == ([], 1)
    assert due_at(db_admin, user) == next_reflection_slot(user, "UTC", weeks_later + timedelta(minutes=5))


def test_a_sweep_out_of_time_claims_nothing_and_leaves_the_users_due(rt, db_admin):
    rt.send("companion", {"message": "hello"}, user_id="u1")
    sweep = rt.container.scheduled_jobs
    with within(Deadline.after(1.0)):  # less than a batch needs
        outcome = sweep.nightly_reflection(START)
    assert outcome.details["users_claimed"] == 0
    assert due_at(db_admin, "u1") == "-infinity"
    assert sweep.nightly_reflection(START).details["users_claimed"] == 1


def test_a_reflection_reached_after_the_users_night_is_skipped_and_says_so(rt):
    user = "late"
    rt.send("companion", {"message": "hello"}, user_id=user)
    slot = next_reflection_slot(user, "UTC", START)
    rt.clock.advance_to(slot + timedelta(hours=4))  # a backlog: it is past 05:00 on their clock
    outcome = rt.container.reflection.run(UserJob("reflection", user, slot))
    assert outcome.status == "skipped"
    report = rt.container.outreach_repo.reflection_report(user, slot)
    assert report["status"] == "skipped" and "personality_evolution" not in report["report"]


def test_a_day_of_the_real_schedules_reflects_everyone_once_in_their_own_night(rt, db_admin):
    """Every schedule fires through its real handler for a day (`:wait`), the jobs through the real
    queue and job worker: one reflection per user, each started in their night."""
    zones = {"tokyo": "Asia/Tokyo", "berlin": "Europe/Berlin", "nyc": "America/New_York", "kolkata": "Asia/Kolkata"}
    for user, zone in zones.items():
        rt.send("companion", {"message": f"I love long walks in {zone}"}, user_id=user)
        rt.send("settings", {"timezone": zone}, user_id=user)
    rt.wait(timedelta(days=1, hours=1))
    reports = db_admin.execute("SELECT user_id, scheduled_for, started_at, status FROM reflection_reports").fetchall()
    assert sorted(r["user_id"] for r in reports) == sorted(zones)
    for r in reports:
        assert r["status"] == "succeeded", r
        assert in_users_night(zones[r["user_id"]], r["started_at"]), r
        assert r["scheduled_for"] == next_reflection_slot(r["user_id"], zones[r["user_id"]], START)
