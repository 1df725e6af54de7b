"""Any OpenAI-compatible reply backend, configured as a person configures it (REPLY_BASE_URL,
PRIMARY_LLM_MODEL, FALLBACK_LLM_MODEL, CHUTES_API_KEY), driving turns through the real path
(signed interaction -> webhook -> queue -> worker -> Discord stand-in) against a real HTTP server
speaking the chat completions API, with its errors and its silences."""
import pytest

from companion.adapters.openai_chat import NO_KEY, OpenAIChatReplyModel
from companion.local.cli import reply_backend
from companion.local.runtime import LocalRuntime, provider_settings
from companion.services.turn import OUTAGE_REPLY, TurnBudget

from tests.fakes import FakeChatServer

USER = "300000000000000042"
OLLAMA = {"PRIMARY_LLM_MODEL": "llama3.2", "FALLBACK_LLM_MODEL": ""}


@pytest.fixture
def servers():
    made = []

    def make(*args, **kwargs):
        made.append(FakeChatServer(*args, **kwargs))
        return made[-1]

    yield make
    for server in made:
        server.close()


@pytest.fixture
def make_runtime(tmp_path, database_url, embedder):
    made = []

    def make(env):
        made.append(LocalRuntime(tmp_path / f"rt{len(made)}", database_url=database_url, embedder=embedder,
                                 provider_env=env))
        return made[-1]

    yield make
    for rt in made:
        rt.close()


@pytest.fixture
def rows(db_admin):
    """What the turns stored (read as the owner, past row-level security)."""
    def read():
        return db_admin.execute(
            "SELECT user_message, agent_response, llm_model_used, fallback_used, error_occurred, error_message,"
            " token_count, response_time_ms FROM interactions WHERE user_id = %s ORDER BY id", (USER,)).fetchall()
    return read


@pytest.fixture
def memories(db_admin):
    return lambda: [r["content"] for r in db_admin.execute("SELECT content FROM memories WHERE user_id = %s", (USER,))]


def test_a_local_model_server_without_a_key_answers_the_turn(servers, make_runtime, rows, memories):
    server = servers(models={"llama3.2"})
    rt = make_runtime({"REPLY_BASE_URL": server.base_url, **OLLAMA})
    assert isinstance(rt.container.reply_model, OpenAIChatReplyModel)
    assert reply_backend(rt.container.settings) == f"replies from llama3.2 at {server.base_url}"

    exchange = rt.send("companion", {"message": "I got a new puppy today!"}, user_id=USER, username="sam")

    assert exchange.replies == ["I hear you: I got a new puppy today!"]
    assert server.paths == ["/v1/chat/completions"]
    [request] = server.requests
    assert request["model"] == "llama3.2"
    assert request["messages"][0]["role"] == "system" and "personality" in request["messages"][0]["content"].lower()
    assert request["messages"][-1] == {"role": "user", "content": "I got a new puppy today!"}
    assert server.headers[0]["authorization"] == f"Bearer {NO_KEY}"
    [row] = rows()
    assert (row["llm_model_used"], row["fallback_used"], row["error_occurred"]) == ("llama3.2", False, False)
    assert row["token_count"] == 427  # the server's usage.total_tokens


def test_a_server_that_wants_a_key_gets_it_and_a_wrong_key_is_an_apology_that_keeps_the_message(servers, make_runtime, rows, memories):
    server = servers(api_key="sk-local-vllm")
    good = make_runtime({"REPLY_BASE_URL": server.base_url, "CHUTES_API_KEY": "sk-local-vllm", **OLLAMA})
    assert good.send("companion", {"message": "hello there"}, user_id=USER).replies == ["I hear you: hello there"]
    good.close()

    bad = make_runtime({"REPLY_BASE_URL": server.base_url, "CHUTES_API_KEY": "sk-wrong", **OLLAMA})
    exchange = bad.send("companion", {"message": "My sister is getting married in June"}, user_id=USER)
    assert exchange.replies == [OUTAGE_REPLY]
    last = rows()[-1]
    assert last["user_message"] == "My sister is getting married in June"
    assert last["error_occurred"] and "AuthenticationError" in last["error_message"]
    assert "My sister is getting married in June" in memories()


def test_an_unknown_model_says_so_in_the_record_and_the_user_gets_the_apology(servers, make_runtime, rows, memories):
    server = servers(models={"llama3.2"})
    rt = make_runtime({"REPLY_BASE_URL": server.base_url, "PRIMARY_LLM_MODEL": "llama3.3", "FALLBACK_LLM_MODEL": ""})
    exchange = rt.send("companion", {"message": "I started learning the cello"}, user_id=USER)
    assert exchange.replies == [OUTAGE_REPLY]
    [row] = rows()
    assert 'model "llama3.3" not found' in row["error_message"]
    assert [r["model"] for r in server.requests] == ["llama3.3"]  # no fallback was configured


@pytest.mark.parametrize("failure", ["500", "too_long", "empty", "garbage"])
def test_a_failing_primary_is_answered_by_the_fallback_model(servers, make_runtime, rows, failure):
    server = servers(lambda body: failure if body["model"] == "big-model" else "ok")
    rt = make_runtime({"REPLY_BASE_URL": server.base_url, "PRIMARY_LLM_MODEL": "big-model",
                       "FALLBACK_LLM_MODEL": "small-model"})
    exchange = rt.send("companion", {"message": "Guess what, I passed my exam"}, user_id=USER)
    assert exchange.replies == ["I hear you: Guess what, I passed my exam"]
    assert [r["model"] for r in server.requests] == ["big-model", "small-model"]
    [row] = rows()
    assert (row["llm_model_used"], row["fallback_used"]) == ("small-model", True)


def test_a_server_that_never_answers_costs_the_turn_its_deadline_not_more(servers, make_runtime, rows, memories):
    server = servers(lambda body: "hang")
    rt = make_runtime({"REPLY_BASE_URL": server.base_url, **OLLAMA})
    rt.container.turns.budget = TurnBudget(max_turn=2.0, finish_reserve=0.8, min_model_time=0.2)
    exchange = rt.send("companion", {"message": "Are you there? I had a rough day"}, user_id=USER)
    assert exchange.replies == [OUTAGE_REPLY]
    [row] = rows()
    assert row["error_occurred"] and "Timeout" in row["error_message"]
    assert row["response_time_ms"] < 2000  # the budget, not the server, ended the wait
    assert memories() == ["Are you there? I had a rough day"]


def test_a_server_that_is_not_there_is_an_apology(make_runtime, rows):
    rt = make_runtime({"REPLY_BASE_URL": "http://127.0.0.1:9/v1", **OLLAMA})  # discard port: refused
    exchange = rt.send("companion", {"message": "hello?"}, user_id=USER)
    assert exchange.replies == [OUTAGE_REPLY]
    assert "APIConnectionError" in rows()[0]["error_message"]


def test_only_the_providers_are_taken_from_the_environment():
    env = {"REPLY_BASE_URL": "http://localhost:11434/v1", "PRIMARY_LLM_MODEL": "llama3.2", "FALLBACK_LLM_MODEL": "",
           "DATABASE_URL": "postgresql://prod/companion", "QDRANT_URL": "https://prod.qdrant", "PATH": "/usr/bin"}
    assert provider_settings(env) == {"reply_base_url": "http://localhost:11434/v1",
                                      "primary_llm_model": "llama3.2", "fallback_llm_model": ""}
    assert provider_settings({}) == {}
