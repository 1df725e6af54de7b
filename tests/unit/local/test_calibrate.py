"""`make calibrate`'s measurements, on the hashing embedder (no model, no network): each threshold
chosen by its rule on the dev rows and reported on the held-out rows; with a fast model, its
verdicts on the contradiction pairs are measured through the production prompt (Groq answered at
the wire by a recorded completion)."""
import json
from pathlib import Path

import httpx

from companion.adapters.conflict_judge import LLMConflictJudge
from companion.adapters.groq_fast import GroqFastModel
from companion.adapters.hashing_embedder import HashingEmbedder
from companion.local.calibrate import KNOBS, calibrate, choose_merge_threshold, report

RECORDED = Path(__file__).resolve().parents[1] / "adapters" / "fixtures" / "groq_memory_conflict.json"


def recorded_judge(asked: list):
    body = json.loads(RECORDED.read_text())

    def answer(request):
        asked.append(json.loads(request.content)["messages"][0]["content"])
        return httpx.Response(200, json=body)

    model = GroqFastModel(api_key="gsk_test", model="meta-llama/llama-4-maverick-17b-128e-instruct", max_retries=0,
                          http_client=httpx.Client(transport=httpx.MockTransport(answer), base_url="https://api.groq.com"))
    return LLMConflictJudge(model).judge


def test_every_threshold_is_measured_and_printed_under_the_names_the_code_reads():
    result = calibrate(HashingEmbedder())
    assert result["judge"] == "heuristic"
    for name, env, parameter in KNOBS:
        value = result["thresholds"][name]["value"]
        assert 0 < value < 1 and result["environment"][env] == value == result["parameter_overrides"][parameter]
    text = report(result)
    assert "ConflictCandidateSimilarity=" in text and "RELATED_SIMILARITY=" in text
    assert result["thresholds"]["merge"]["heldout"]["wrong_merges"] == 0


def test_with_a_fast_model_its_conflict_verdicts_are_measured_end_to_end():
    asked = []
    result = calibrate(HashingEmbedder(), recorded_judge(asked))
    conflict = result["thresholds"]["conflict_candidate"]
    # The recorded model says "conflict" to everything: every labelled contradiction among the
    # candidates is found, and every consistent candidate is a false positive.
    assert conflict["dev_judge"]["recall"] > 0.9 and conflict["dev_judge"]["false_positives"] > 0
    assert asked and all("contradict" in prompt.lower() for prompt in asked)


def test_the_merge_threshold_is_the_lowest_without_a_wrong_merge_that_still_means_the_same():
    rows = [
        {"threshold": 0.7, "precision_by_similarity": 0.6, "wrong_merges": 0},   # similarity alone says little
        {"threshold": 0.8, "precision_by_similarity": 0.8, "wrong_merges": 1},   # a wrong merge
        {"threshold": 0.85, "precision_by_similarity": 0.8, "wrong_merges": 0},
        {"threshold": 0.9, "precision_by_similarity": 0.9, "wrong_merges": 0},
    ]
    assert choose_merge_threshold(rows) == 0.85
