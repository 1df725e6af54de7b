"""POST /memory/consolidate/{user_id}: the nightly consolidation (ConsolidationService.consolidate_user)
on demand, through the API, on the real engines."""
from .conftest import ALICE, bearer

JOB = [
    "I got a new job at Acme as a product designer!",
    "My first day at the new job is next Monday",
    "My new boss at Acme is called Sarah",
    "The new job pays much better than my old one",
    "I'm nervous about starting at Acme next week",
]


def test_related_memories_become_one_semantic_memory_and_a_second_call_adds_nothing(client, keys, runtime):
    for message in JOB + ["My cat Miso knocked over a plant"]:
        runtime.send("companion", {"message": message}, user_id=ALICE)

    response = client.post(f"/memory/consolidate/{ALICE}", headers=bearer(keys.alice))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["examined"], body["consolidated"], body["summarizer"]) == (6, 5, "extractive")
    [summary_id] = body["created"]

    # The summary is a memory like any other: search finds it (and prefers it to its sources).
    found = client.post("/memory/search", json={"user_id": ALICE, "query": "Acme job boss"},
                        headers=bearer(keys.alice)).json()["items"]
    assert found[0]["id"] == summary_id and found[0]["memory_type"] == "semantic"
    assert "Sarah" in found[0]["content"]

    again = client.post(f"/memory/consolidate/{ALICE}", headers=bearer(keys.alice)).json()
    assert (again["created"], again["consolidated"]) == ([], 0)


def test_an_unknown_user_is_404(client, keys):
    response = client.post("/memory/consolidate/999999999999999999", headers=bearer(keys.admin))
    assert response.status_code == 404 and response.json()["error"]["code"] == "user_not_found"
