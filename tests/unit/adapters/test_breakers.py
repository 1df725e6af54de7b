import pytest

from companion.adapters.breakers import CircuitBreaker, CircuitOpen, GuardedDiscordBot, GuardedVectorStore
from companion.domain.deadline import Deadline, within
from companion.ports import DMsClosed, InteractionExpired, ProviderError


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def failing():
    raise TimeoutError("read timed out")


def test_opens_after_consecutive_failures_and_then_fails_at_once():
    clock = Clock()
    breaker = CircuitBreaker("qdrant", failure_threshold=2, open_seconds=30, clock=clock)
    calls = []

    def hung():
        calls.append(1)
        raise TimeoutError("read timed out")

    for _ in range(2):
        with pytest.raises(ProviderError, match="TimeoutError"):
            breaker.call(hung)
    assert breaker.state == "open"
    with pytest.raises(CircuitOpen):
        breaker.call(hung)
    assert len(calls) == 2  # the open breaker did not call the provider


def test_one_trial_call_after_the_open_period_closes_or_reopens_it():
    clock = Clock()
    changes = []
    breaker = CircuitBreaker("reply model", failure_threshold=1, open_seconds=20, clock=clock,
                             on_change=lambda name, state: changes.append(state))
    with pytest.raises(ProviderError):
        breaker.call(failing)
    clock.now = 20
    assert breaker.state == "half-open"
    with pytest.raises(ProviderError):
        breaker.call(failing)  # the trial failed: open for another period
    assert breaker.state == "open"
    clock.now = 40
    assert breaker.call(lambda: "ok") == "ok"
    assert breaker.state == "closed" and breaker.failures == 0
    # Every state change is reported (the container turns them into metrics).
    assert changes == ["open", "half-open", "open", "half-open", "closed"]


def test_a_success_resets_the_failure_count():
    breaker = CircuitBreaker("embedder", failure_threshold=2, clock=Clock())
    with pytest.raises(ProviderError):
        breaker.call(failing)
    breaker.call(lambda: None)
    with pytest.raises(ProviderError):
        breaker.call(failing)
    assert breaker.state == "closed"


def test_caller_errors_and_an_exhausted_deadline_are_not_provider_faults():
    breaker = CircuitBreaker("discord", failure_threshold=1, clock=Clock())

    def expired():
        raise InteractionExpired("404")

    with pytest.raises(InteractionExpired):
        breaker.call(expired)
    with within(Deadline(0.0, clock=lambda: 1.0)), pytest.raises(ProviderError, match="not called"):
        GuardedVectorStore(type("S", (), {"search": lambda self, *a: None})(), breaker).search("m", "u", [0.1], 3)
    assert breaker.state == "closed"


def test_guarded_adapters_forward_their_attributes():
    store = type("Store", (), {"model_id": "m", "ensure_collection": lambda self, m, d: None})()
    guarded = GuardedVectorStore(store, CircuitBreaker("q", clock=Clock()))
    assert guarded.model_id == "m"
    guarded.ensure_collection("m", 3)


def test_a_bug_is_not_disguised_as_an_outage():
    breaker = CircuitBreaker("reply model", failure_threshold=2, clock=Clock())

    def buggy():
        raise KeyError("choices")

    with pytest.raises(KeyError):
        breaker.call(buggy)
    assert breaker.failures == 1  # still counted: repeated crashes open the breaker too


def test_closed_dms_are_the_users_choice_not_an_outage_of_discord():
    breaker = CircuitBreaker("discord", failure_threshold=1, clock=Clock())

    class Bot:
        def open_dm(self, user_id):
            raise DMsClosed("403 50007")

        def create_message(self, channel_id, content, **kwargs):
            raise TimeoutError("read timed out")

    bot = GuardedDiscordBot(Bot(), breaker)
    with pytest.raises(DMsClosed):
        bot.open_dm("u1")
    assert breaker.state == "closed"
    with pytest.raises(ProviderError):
        bot.create_message("c1", "hi", nonce="n")
    assert breaker.state == "open"
