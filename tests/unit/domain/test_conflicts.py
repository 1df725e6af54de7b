"""The heuristic contradiction judge, the model-verdict parser and the answer reader."""
import pytest

from companion.domain.conflicts import (
    AUTO_RESOLVE_CONFIDENCE, candidate_similarity, clarification_answer, parse_model_verdict,
)
from companion.domain.contradictions import heuristic_verdict


@pytest.mark.parametrize("old, new, kind", [
    ("I love coffee", "I can't stand coffee anymore", "preference_conflict"),       # like -> dislike
    ("I hate running", "I love running now", "preference_conflict"),
    ("I live in Lisbon", "I moved to Berlin", "factual_contradiction"),            # changed place
    ("I live in Lisbon", "I live in Berlin now", "factual_contradiction"),
    ("I work as a nurse", "I'm not a nurse anymore", "factual_contradiction"),     # negation
])
def test_confident_contradictions(old, new, kind):
    verdict = heuristic_verdict(old, new)
    assert verdict.has_conflict and verdict.conflict_type == kind
    assert verdict.confidence >= AUTO_RESOLVE_CONFIDENCE and verdict.description


@pytest.mark.parametrize("old, new", [
    ("I have two cats", "I have three cats"),                                       # changed number
    ("I'm 30 years old", "I'm 34 years old"),
    ("I have a dog named Max", "I have a dog named Rex"),
    ("My favourite colour is blue", "My favourite colour is green"),
])
def test_one_swapped_detail_is_a_question_not_a_decision(old, new):
    verdict = heuristic_verdict(old, new)
    assert verdict.has_conflict and not verdict.resolve_automatically


@pytest.mark.parametrize("old, new", [
    ("I love coffee", "I love tea"),
    ("I love coffee", "Coffee keeps me awake"),
    ("I love coffee", "I don't drink coffee after 6pm"),
    ("My sister lives in Porto", "My brother lives in Porto"),
    ("I got a new job at Google", "My new job at Google starts Monday"),
    ("I like hiking", "I went hiking in the Alps"),
    ("I live in Lisbon", "I live in Lisbon"),
])
def test_consistent_statements_are_not_conflicts(old, new):
    assert not heuristic_verdict(old, new).has_conflict


def test_model_verdicts_are_parsed_strictly():
    ok = parse_model_verdict('Sure! {"has_conflict": true, "conflict_type": "timeline_inconsistency", '
                             '"description": "ages differ", "confidence": 1.7}')
    assert ok.conflict_type == "timeline_inconsistency" and ok.confidence == 1.0
    assert parse_model_verdict('{"has_conflict": false}').has_conflict is False
    for bad in ("no", "{}", '{"has_conflict": "yes"}', '{"has_conflict": true, "conflict_type": "other"}',
                '{"has_conflict": true, "conflict_type": "preference_conflict", "confidence": "high"}'):
        assert parse_model_verdict(bad) is None


@pytest.mark.parametrize("answer, keep", [
    ("Rex, Max passed away last year", "new"),
    ("I live in Berlin now", "new"),
    ("Still Max, Rex was a typo", "old"),
    ("both of them!", "both"),
    ("hmm", "unclear"),
])
def test_reading_an_answer(answer, keep):
    pairs = {"Rex": ("I have a dog named Max", "I have a dog named Rex"),
             "Max": ("I have a dog named Max", "I have a dog named Rex")}
    old, new = pairs.get(answer.split(",")[0].split()[0], ("I live in Lisbon", "I live in Berlin"))
    assert clarification_answer(old, new, answer) == keep


def test_candidate_threshold_is_per_embedder():
    assert candidate_similarity("all-MiniLM-L6-v2-onnx-int8") == 0.35
    assert candidate_similarity("gemini-embedding-001") == 0.8
    assert candidate_similarity("something-else") == 0.5


def test_a_changed_number_is_typed():
    assert heuristic_verdict("I have two cats", "I have three cats").conflict_type == "factual_contradiction"
    assert heuristic_verdict("I'm 30 years old", "I'm 34 years old").conflict_type == "timeline_inconsistency"
