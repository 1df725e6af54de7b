import numpy as np
import pytest

from companion.adapters.memory_summarizer import ExtractiveSummarizer, LLMSummarizer
from companion.domain.consolidation import cluster, consolidated_importance, extractive_summary
from companion.ports import ProviderError


def unit(*rows):
    v = np.asarray(rows, dtype=np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_clusters_need_three_members_around_a_central_anchor():
    v = unit([1, 0, 0], [0.9, 0.1, 0], [0.8, 0.2, 0], [0, 1, 0], [0, 0.9, 0.1], [0, 0, 1])
    assert cluster(v, 0.8) == [[0, 1, 2]]
    assert cluster(v[:2], 0.8) == []


def test_importance_is_the_mean_times_1_2_capped_at_1():
    assert consolidated_importance([0.5, 0.5, 0.8]) == pytest.approx(0.72)
    assert consolidated_importance([0.9, 0.95, 1.0]) == 1.0


def test_extractive_summary_keeps_each_statement_once_most_central_first():
    contents = ["I got a new job.", "I got a new job", "My boss is Sarah", "The pay is better"]
    v = unit([1, 0.2, 0], [1, 0.2, 0], [0.8, 0.5, 0], [0.6, 0, 0.6])
    text = extractive_summary(contents, v)
    assert text.count("I got a new job") == 1 and "Sarah" in text and "pay" in text


class Failing:
    def complete(self, prompt, **kwargs):
        raise ProviderError("groq down")


class Answering:
    def __init__(self, answer):
        self.answer, self.prompts = answer, []

    def complete(self, prompt, **kwargs):
        self.prompts.append(prompt)
        return self.answer


def test_the_fast_model_writes_the_summary_and_the_extractive_one_stands_in():
    v = unit([1, 0], [0.9, 0.1], [0.8, 0.2])
    contents = ["I got a new job at Acme", "My boss is Sarah", "I start Monday"]
    model = Answering("They started a new job at Acme on Monday; their boss is Sarah.")
    text, how = LLMSummarizer(model).summarize(contents, v)
    assert how == "fast_model" and "Acme" in text and "- My boss is Sarah" in model.prompts[0]
    for fallback in (LLMSummarizer(Failing()), LLMSummarizer(Answering(""))):
        text, how = fallback.summarize(contents, v)
        assert how == "extractive" and "Sarah" in text
    assert ExtractiveSummarizer().summarize(contents, v)[1] == "extractive"
