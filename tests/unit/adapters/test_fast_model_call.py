"""The one fast-model call shape (ask, parse, fall back) the scorer, judge, quirk detector and
summarizer share."""
import pytest

from companion.adapters.fast_model_call import ask_fast_model
from companion.ports import ProviderError


class Model:
    def __init__(self, answer):
        self.answer, self.asked = answer, []

    def complete(self, prompt, *, max_tokens, temperature):
        self.asked.append((prompt, max_tokens, temperature))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def ask(model):
    return ask_fast_model(model, "rate this", parse=lambda a: float(a) if a.strip().isdigit() else None,
                          fallback=lambda: -1.0, purpose="test", max_tokens=5, temperature=0.1)


def test_a_parsed_answer_is_returned_with_the_callers_limits():
    model = Model(" 7 ")
    assert ask(model) == 7.0
    assert model.asked == [("rate this", 5, 0.1)]


@pytest.mark.parametrize("answer", [ProviderError("503"), "no idea", ""])
def test_a_failure_or_an_unparsable_answer_falls_back(answer, caplog):
    assert ask(Model(answer)) == -1.0
    assert "test: the fast model" in caplog.text


def test_a_bug_in_the_callers_code_is_not_hidden():
    with pytest.raises(ZeroDivisionError):
        ask_fast_model(Model("1"), "p", parse=lambda a: 1 / 0, fallback=lambda: 0, purpose="test",
                       max_tokens=1, temperature=0)
