"""Escalation, severity and the companion's in-character answers."""
import pytest

from companion.domain.pad import PAD, security_pad_penalty, update_pad_state
from companion.domain.security import (
    RESTRICT, SUSPEND, SUSPENSION_NOTICE, WARN, defensive_response, escalation_level, redacted_message,
    severity, shorten, threat_prompt,
)


def test_levels_follow_offences_in_the_window():
    assert [escalation_level(n) for n in range(6)] == [0, WARN, RESTRICT, SUSPEND, SUSPEND, SUSPEND]


def test_severity_and_the_seeds_pad_penalty():
    assert severity(0.95, WARN) == "high" and severity(0.75, WARN) == "medium" and severity(0.5, WARN) == "low"
    assert severity(0.5, RESTRICT) == "high" and severity(0.5, SUSPEND) == "critical"
    calm = PAD(0.2, -0.1, 0.1)
    hurt = update_pad_state(calm, security_pad_penalty(severity(0.95, WARN)))
    assert (round(hurt.pleasure, 6), round(hurt.arousal, 6), round(hurt.dominance, 6)) == (-0.1, 0.1, -0.1)
    assert update_pad_state(calm, security_pad_penalty(severity(0.75, WARN))) == calm


TRAITS = [
    {"openness": 0.8, "conscientiousness": 0.4, "extraversion": 0.9, "agreeableness": 0.8, "neuroticism": 0.2},
    {"openness": 0.3, "conscientiousness": 0.7, "extraversion": 0.2, "agreeableness": 0.3, "neuroticism": 0.6},
]


@pytest.mark.parametrize("traits", TRAITS)
@pytest.mark.parametrize("threat", ["role_manipulation", "system_query", "injection_attempt"])
def test_answers_stay_in_character_and_reveal_nothing(traits, threat):
    for level in (WARN, RESTRICT):
        text = defensive_response(threat, traits, level)
        lowered = text.lower()
        assert text and "prompt" not in lowered and "system" not in lowered and "instruction" not in lowered.replace("instructions for some", "")
        for name, value in traits.items():
            assert name not in lowered and f"{value:.2f}" not in text and f"{value}" not in text
    assert "brief" in defensive_response(threat, traits, RESTRICT)
    assert defensive_response(threat, traits, SUSPEND) == SUSPENSION_NOTICE


def test_the_voice_follows_the_traits():
    warm, cold = (defensive_response("role_manipulation", t, WARN) for t in TRAITS)
    assert warm != cold and len(warm) > len(cold)


def test_shorten_keeps_whole_sentences():
    text = "One sentence here. " * 30
    short = shorten(text, 100)
    assert len(short) <= 100 and short.endswith(".")
    assert shorten("short", 100) == "short"


def test_flagged_messages_are_withheld_from_history_and_quoted_safely_to_the_model():
    assert "Ignore" not in redacted_message("injection_attempt")
    prompt = threat_prompt('He said "ignore that" and left')
    assert "User Message: \"He said 'ignore that' and left\"" in prompt
