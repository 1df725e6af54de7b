"""The offline responder never contradicts the user's news and shows its quirks."""
import pytest

from companion.adapters.offline_models import OfflineReplyModel
from companion.domain.appraisal import appraise
from companion.domain.models import ReplyContext

CHEERFUL = ("bright and lively", "calm and content", "feeling exuberant", "feeling relaxed")
GLOOMY = ("feeling a bit low", "feeling depressed", "on edge", "somewhat tense")


def context(message, label, quirks=(), extraversion=0.7):
    a = appraise(message)
    return ReplyContext(messages=[], user_message=message, emotion_label=label, traits={"extraversion": extraversion},
                        memories=[], rule=a.rule, event=a.event, quirks=list(quirks))


@pytest.mark.parametrize("message", ["I feel terrible, my dad is in the hospital", "My best friend died yesterday",
                                     "I failed my exam", "I'm scared about the biopsy results"])
@pytest.mark.parametrize("label", ["exuberant", "relaxed", "sleepy", "bored"])
def test_bad_news_never_gets_a_cheerful_mood(message, label):
    text = OfflineReplyModel().reply(context(message, label)).text
    assert not any(c in text for c in CHEERFUL)
    assert "feeling for you" in text


@pytest.mark.parametrize("label", ["depressed", "anxious", "stressed", "calm"])
def test_good_news_never_gets_a_gloomy_mood(label):
    text = OfflineReplyModel().reply(context("I got promoted today, I'm so happy!!", label)).text
    assert not any(g in text for g in GLOOMY)
    assert "happy for you" in text


def test_neutral_messages_still_show_the_companions_own_mood():
    assert "bright and lively" in OfflineReplyModel().reply(context("What did you do today", "exuberant")).text


def test_quirks_visibly_shape_the_reply():
    plain = OfflineReplyModel().reply(context("What did you do today", "relaxed")).text
    quirky = OfflineReplyModel().reply(context("What did you do today", "relaxed", quirks=[
        ("greets_warmly", 0.3), ("uses_emoji_frequently", 0.2), ("brings_up_dog", 0.1)])).text
    assert "Hey you!" in quirky and quirky.endswith("😊") and "dog is on my mind" in quirky
    assert "Hey you!" not in plain and not plain.endswith("😊")
    short = OfflineReplyModel().reply(context("What did you do today", "relaxed",
                                              quirks=[("prefers_short_responses", 0.1)])).text
    assert len(short) < len(plain)
