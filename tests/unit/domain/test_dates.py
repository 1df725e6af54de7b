from datetime import date, datetime, timezone

from companion.domain.dates import mentioned_days, query_period, resolve_relative
from companion.domain.memory_text import indexed_text

MAY_8 = datetime(2023, 5, 8, 13, 56, tzinfo=timezone.utc)


def test_yesterday_in_a_message_of_8_may_is_indexed_as_7_may():
    text = indexed_text("I went to a LGBTQ support group yesterday.", author_name="Caroline", when=MAY_8)
    assert text == "[8 May 2023] Caroline: I went to a LGBTQ support group yesterday (7 May 2023)."
    assert date(2023, 5, 7) in mentioned_days(text)


def test_relative_expressions_are_resolved_against_the_message_time():
    out = resolve_relative("Two weeks ago I moved; last month was hard; last Friday I rested.", MAY_8)
    assert "Two weeks ago (the week of 24 April 2023)" in out
    assert "last month (April 2023)" in out
    assert "last Friday (5 May 2023)" in out
    assert resolve_relative("Nothing relative here.", MAY_8) == "Nothing relative here."


def test_a_caption_says_what_the_image_shows():
    text = indexed_text("Look at this!", author_name="Mel", when=MAY_8, caption="a painting of a sunset")
    assert text.endswith("[image: a painting of a sunset]")


def test_time_expressions_in_questions_become_periods():
    now = datetime(2023, 11, 20, tzinfo=timezone.utc)
    period, rest = query_period("What did I bake last May?", now)
    assert (period.start, period.end) == (date(2023, 5, 1), date(2023, 6, 1)) and rest == "What did I bake ?"
    period, _ = query_period("What did I bake last May?", datetime(2023, 5, 8, tzinfo=timezone.utc))
    assert period.start == date(2022, 5, 1)  # in May, "last May" is a year ago
    period, _ = query_period("Where was I two weeks ago?", now)
    assert period.contains(date(2023, 11, 6))
    period, _ = query_period("What happened in 2022?", now)
    assert period.start == date(2022, 1, 1)
    assert query_period("May I ask you something?", now) == (None, "May I ask you something?")
