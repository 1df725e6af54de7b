from datetime import datetime, timedelta, timezone

import pytest

from companion.domain.deadline import (
    Deadline, DeadlineExceeded, call_timeout, interaction_created_at, snowflake_at, token_seconds_left, within,
)
from companion.services.turn import TurnBudget

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=timezone.utc)


def test_the_interaction_id_snowflake_holds_its_creation_time():
    # An id from Discord's documentation: 175928847299117063 was created 2016-04-30 11:18:25.796 UTC.
    assert interaction_created_at("175928847299117063") == datetime(2016, 4, 30, 11, 18, 25, 796000, tzinfo=timezone.utc)
    assert interaction_created_at(snowflake_at(NOW, 7)) == NOW
    assert interaction_created_at("not-a-snowflake") is None
    assert interaction_created_at("12") is None


def test_a_token_lives_fifteen_minutes():
    made = snowflake_at(NOW - timedelta(minutes=10))
    assert token_seconds_left(made, NOW) == pytest.approx(300)
    assert token_seconds_left("abc", NOW) is None


def test_the_turn_budget_is_the_earliest_limit():
    budget = TurnBudget(max_turn=25, lambda_margin=2, token_margin=30)
    assert budget.seconds(lambda_left=None, token_left=None) == 25
    assert budget.seconds(lambda_left=10, token_left=None) == 8
    assert budget.seconds(lambda_left=60, token_left=40) == 10
    assert not budget.too_old(None) and not budget.too_old(900)
    assert budget.too_old(33)  # 3 s after the margin: not enough to compose and deliver


def test_call_timeouts_come_from_what_is_left():
    now = [100.0]
    deadline = Deadline(105.0, clock=lambda: now[0])
    assert call_timeout(20) == 20  # no deadline in force
    with within(deadline):
        assert call_timeout(20) == 5
        assert call_timeout(2) == 2
        now[0] = 104.99
        with pytest.raises(DeadlineExceeded):
            call_timeout(20)
    assert deadline.earlier(3).remaining() == pytest.approx(-2.99)
