"""The schedules' statements on real PostgreSQL: the hourly need growth and the nightly drift are
each ONE statement over all users, follow the seed's formulas and never run twice in a night."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from companion.adapters.postgres import Database, InteractionRepository, NeedsRepository, ProfileRepository
from companion.domain.needs import initial_needs
from companion.domain.pad import PAD
from companion.domain.personality import BigFive

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=timezone.utc)
BASELINE = PAD(0.1, 0.0, -0.2)


@pytest.fixture
def repos(database_url):
    db = Database(database_url)
    yield ProfileRepository(db), NeedsRepository(db), InteractionRepository(db), db
    db.close()


def make_user(repos, user_id, interactions, pad_after=PAD(0.6, 0.5, 0.3)):
    profiles, _, log, db = repos
    profiles.create_user(user_id, user_id, BigFive(0.5, 0.5, 0.5, 0.5, 0.5), BASELINE, initial_needs(),
                         now=NOW - timedelta(days=8))
    for i in range(interactions):
        with db.scoped(user_id) as tx:
            log.insert_interaction(tx, user_id=user_id, user_message="hi", agent_response="hello",
                                   session_id=str(uuid.uuid4()), timestamp=NOW - timedelta(hours=5 + 20 * i),
                                   pad_before=PAD().as_dict(), pad_after=pad_after.as_dict())
    # one interaction outside the 7-day window, with an extreme mood that must not count
    with db.scoped(user_id) as tx:
        log.insert_interaction(tx, user_id=user_id, user_message="old", agent_response="old",
                               session_id=str(uuid.uuid4()), timestamp=NOW - timedelta(days=7, hours=1),
                               pad_before=PAD().as_dict(), pad_after=PAD(-1, -1, -1).as_dict())


def test_nightly_drift_is_one_statement_for_users_with_five_interactions_and_runs_once_a_night(repos):
    profiles = repos[0]
    make_user(repos, "active", 6)
    make_user(repos, "quiet", 4)
    assert profiles.drift_all_baselines(NOW) == 1
    active = profiles.get_personality("active").baseline
    assert active.pleasure == pytest.approx(0.1 + (0.6 - 0.1) * 0.01)
    assert active.arousal == pytest.approx(0.005)
    assert active.dominance == pytest.approx(-0.2 + (0.3 + 0.2) * 0.01)
    assert profiles.get_personality("quiet").baseline == BASELINE
    assert profiles.drift_all_baselines(NOW + timedelta(hours=2)) == 0  # a retried schedule: no double drift
    assert profiles.drift_all_baselines(NOW + timedelta(days=1)) == 1  # the next night drifts again


def test_per_user_drift_touches_only_that_user(repos):
    profiles = repos[0]
    make_user(repos, "a", 5)
    make_user(repos, "b", 5)
    assert profiles.drift_baseline("a", NOW) is True
    assert profiles.get_personality("b").baseline == BASELINE
    assert profiles.drift_baseline("a", NOW) is False


def test_hourly_growth_is_one_statement_over_all_users_with_the_seeds_formula(repos):
    profiles, needs, _, db = repos
    for user in ("a", "b"):
        profiles.create_user(user, user, BigFive(0.5, 0.5, 0.5, 0.5, 0.5), BASELINE, initial_needs(), now=NOW)
    assert needs.grow_all_needs(NOW + timedelta(hours=10)) == 10
    levels = {n.need_type: n.current_level for n in needs.get_needs("a")}
    assert levels == pytest.approx({"social": 0.8, "intellectual": 0.7, "creative": 0.65, "rest": 0.9,
                                    "validation": 0.75})
    assert needs.grow_all_needs(NOW + timedelta(hours=30)) == 10
    assert {n.need_type: n.current_level for n in needs.get_needs("b")}["rest"] == 1.0
    # rows at 1.0 are left alone; the others keep growing
    assert needs.grow_all_needs(NOW + timedelta(hours=31)) == 2  # only creative (0.95) is below 1
    assert needs.grow_all_needs(NOW + timedelta(hours=31)) == 0  # same hour again: nothing
