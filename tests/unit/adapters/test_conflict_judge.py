"""The fast-model conflict judge against a recorded Groq completion, and its fallbacks."""
import json

import httpx

from companion.adapters.conflict_judge import LLMConflictJudge

from companion.adapters.groq_fast import GroqFastModel


def groq_answering(handler):
    return GroqFastModel(
        api_key="gsk_test", model="meta-llama/llama-4-maverick-17b-128e-instruct", max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handler), base_url="https://api.groq.com"),
    )


def completion(recorded, content):
    body = recorded("groq_memory_conflict")
    body["choices"][0]["message"]["content"] = content
    return body


def test_the_model_gets_the_seed_conflict_types_and_its_json_verdict_is_used(recorded):
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=recorded("groq_memory_conflict"))

    verdict = LLMConflictJudge(groq_answering(handler)).judge("I live in Lisbon", "I moved to Berlin")
    assert verdict.has_conflict and verdict.method == "fast_model"
    assert verdict.conflict_type == "factual_contradiction" and verdict.confidence == 0.92
    assert verdict.resolve_automatically
    prompt = seen[0]["messages"][0]["content"]
    for kind in ("factual_contradiction", "timeline_inconsistency", "preference_conflict"):
        assert kind in prompt
    assert '"I live in Lisbon"' in prompt and '"I moved to Berlin"' in prompt
    assert seen[0]["temperature"] == 0.0


def test_a_low_confidence_model_verdict_is_not_auto_resolved(recorded):
    answer = '{"has_conflict": true, "conflict_type": "preference_conflict", "description": "x", "confidence": 0.5}'
    judge = LLMConflictJudge(groq_answering(lambda r: httpx.Response(200, json=completion(recorded, answer))))
    verdict = judge.judge("I like jazz", "Jazz is boring")
    assert verdict.has_conflict and not verdict.resolve_automatically


def test_model_says_no_conflict(recorded):
    answer = '{"has_conflict": false, "conflict_type": null, "description": "", "confidence": 0.1}'
    judge = LLMConflictJudge(groq_answering(lambda r: httpx.Response(200, json=completion(recorded, answer))))
    assert not judge.judge("I have a cat", "I have a dog too").has_conflict


def test_rate_limited_or_garbled_model_falls_back_to_the_heuristic(recorded):
    limited = LLMConflictJudge(groq_answering(lambda r: httpx.Response(429, json=recorded("groq_rate_limited"))))
    verdict = limited.judge("I love coffee", "I can't stand coffee anymore")
    assert verdict.method == "heuristic" and verdict.conflict_type == "preference_conflict"
    for garbage in ("Yes, they conflict.", '{"has_conflict": true, "conflict_type": "vibes", "confidence": 1}'):
        judge = LLMConflictJudge(groq_answering(lambda r, g=garbage: httpx.Response(200, json=completion(recorded, g))))
        assert judge.judge("I love coffee", "I can't stand coffee anymore").method == "heuristic"


def test_reading_the_answer_to_a_clarifying_question(recorded):
    judge = LLMConflictJudge(groq_answering(lambda r: httpx.Response(200, json=completion(recorded, "New."))))
    assert judge.answer("I live in Lisbon", "I live in Berlin", "Berlin now") == "new"
    odd = LLMConflictJudge(groq_answering(lambda r: httpx.Response(200, json=completion(recorded, "hmm"))))
    assert odd.answer("I have a dog named Max", "I have a dog named Rex", "still Max") == "old"
