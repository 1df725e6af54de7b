import pytest

from companion.domain.appraisal import appraise, sentiment
from companion.domain.pad import PAD


@pytest.mark.parametrize(
    "message, rule, delta",
    [
        ("I finally finished my thesis and I'm so happy!", "goal_achievement", PAD(0.2, 0.1, 0.05)),
        ("I failed my driving test again", "goal_failure", PAD(-0.15, 0.05, -0.1)),
        ("Thank you, you helped me a lot", "compliment", PAD(0.3, 0.05, 0.1)),
        ("What a great surprise, they threw me a cake!", "unexpected_event", PAD(0.1, 0.2, 0.0)),
        ("I was suddenly let go and I'm devastated", "unexpected_event", PAD(-0.1, 0.2, 0.0)),
        ("Going to a party with my friend tonight", "social_connection", PAD(0.1, 0.05, 0.02)),
    ],
)
def test_seed_rules_fire_in_order_with_their_deltas(message, rule, delta):
    result = appraise(message)
    assert result.rule == rule
    assert result.delta == delta


def test_first_matching_rule_wins():
    # "failed" (rule 2) and "thank you" (rule 3): rule 2 comes first.
    assert appraise("Thank you, but I failed anyway").rule == "goal_failure"


def test_good_news_without_keywords_makes_the_companion_happy_for_the_user():
    result = appraise("I got a new puppy today!")
    assert result.rule == "happy_for"
    assert result.delta.pleasure > 0


def test_bad_news_without_keywords_makes_the_companion_sorry():
    result = appraise("My grandmother is in the hospital")
    assert result.rule == "sorry_for"
    assert result.delta.pleasure < 0
    assert result.event.is_bad_news and result.event.stance == "sorry-for"


def test_the_users_fear_makes_the_companion_concerned():
    result = appraise("My grandmother is in the hospital and I'm scared")
    assert result.rule == "fear"
    assert result.delta.pleasure < 0 and result.delta.arousal > 0
    assert result.event.feeling == "fear" and result.event.stance == "concern"


def test_neutral_message_changes_nothing():
    result = appraise("His name is Sparky and he's a golden retriever.")
    assert result.rule == "none"
    assert result.delta == PAD()


def test_sentiment_range_and_empty_text():
    assert sentiment("") == 0.0
    assert -1.0 <= sentiment("I hate this so much, worst day ever") < -0.5
    assert 0.5 < sentiment("I love this, best day ever!") <= 1.0
