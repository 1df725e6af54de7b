"""A bounded run of benchmarks/fault_soak.py: turns by several users through the real handlers
while the reply model hangs or fails, Qdrant hangs, the database connection drops and Discord
answers 5xx/429. Nothing is lost, nothing happens twice, every turn is answered."""
import importlib.util

from companion.services.turn import TurnBudget
from tests.conftest import REPO_ROOT


def load_soak():
    spec = importlib.util.spec_from_file_location("fault_soak", REPO_ROOT / "benchmarks" / "fault_soak.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_short_fault_soak_loses_nothing_and_duplicates_nothing(tmp_path, database_url, embedder):
    result = load_soak().run_soak(
        tmp_path, turns=24, users=4, seed=5, database_url=database_url, embedder=embedder,
        budget=TurnBudget(max_turn=2.0, finish_reserve=0.6, min_model_time=0.2),
    )
    assert sum(result["faults"].values()) > 24 and sum(result["discord_faults"].values()) > 0
    assert result["stored_exactly_once"] == 24 and result["not_stored"] == 0
    assert result["stored_twice_or_more"] == 0
    assert result["memories"] == 24 and result["duplicate_memories"] == 0
    assert result["replied"] + result["apologised_try_again"] == 24
    assert result["no_reply"] == 0 and result["different_replies"] == 0
    assert result["dead_lettered"] == 0
