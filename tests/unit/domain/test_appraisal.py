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


def test_news_deltas_are_calibrated_by_vader_intensity():
    from companion.domain.appraisal import happy_for_delta, sorry_for_delta

    assert happy_for_delta(0.25) == PAD(0.1, 0.05, 0.0)  # at the news threshold: the skeleton's delta
    assert sorry_for_delta(-0.25) == PAD(-0.1, 0.05, -0.02)
    strongest = sorry_for_delta(-1.0)
    assert strongest.pleasure == pytest.approx(-0.4) and strongest.dominance == pytest.approx(-0.15)
    assert happy_for_delta(1.0).pleasure == pytest.approx(0.3)  # as much as the seed's compliment
    assert sorry_for_delta(-0.9).pleasure < sorry_for_delta(-0.5).pleasure < sorry_for_delta(-0.3).pleasure


def test_strong_bad_news_leaves_a_cheerful_octant_in_one_message():
    from companion.domain.pad import update_pad_state

    result = appraise("I feel terrible, my dad is in the hospital")
    assert result.rule == "sorry_for" and result.delta.pleasure <= -0.25
    assert result.event.is_bad_news and "distress" in result.event.describe()
    assert update_pad_state(PAD(0.2, 0.1, 0.05), result.delta).label != "exuberant"


@pytest.mark.parametrize("message", ["My best friend died yesterday", "Thank you for listening, I lost my job",
                                     "my dog died and I can't stop crying"])
def test_loss_is_bad_news_even_when_the_lexicon_or_a_rule_says_otherwise(message):
    result = appraise(message)
    assert result.delta.pleasure < 0 and result.event.is_bad_news
    assert result.rule not in ("social_connection", "compliment")
