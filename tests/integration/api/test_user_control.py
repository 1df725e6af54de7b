"""The user's control over memory and personality, as the slash commands give it: forget,
forget-me, export, why; and the personality's history and quirks."""
from .conftest import ALICE, BOB, bearer


def chat(client, key, message, user=ALICE):
    response = client.post("/chat/message", json={"user_id": user, "message": message}, headers=bearer(key))
    assert response.status_code == 200, response.text
    return response.json()


def test_forget_by_words_reports_what_went(client, keys, runtime):
    chat(client, keys.alice, "My old address was 12 Elm Street.")
    chat(client, keys.alice, "I love tulips.")
    done = client.post("/memory/forget", json={"user_id": ALICE, "target": "Elm Street"}, headers=bearer(keys.alice))
    assert done.status_code == 200
    body = done.json()
    assert [m["content"] for m in body["forgotten"]] == ["My old address was 12 Elm Street."]
    assert "I forgot 1 memory" in body["message"]
    left = client.post("/memory/search", json={"user_id": ALICE, "query": "address"}, headers=bearer(keys.alice)).json()
    assert all("Elm" not in m["content"] for m in left["items"])

    nothing = client.post("/memory/forget", json={"user_id": ALICE, "target": "spaceships"},
                          headers=bearer(keys.alice)).json()
    assert nothing["forgotten"] == [] and "forgot nothing" in nothing["message"]
    assert runtime.container.memory_repo.count_memories(ALICE) == 1


def test_export_then_forget_me_erases_everything(client, keys, runtime):
    chat(client, keys.alice, "I got a new puppy today!")
    chat(client, keys.bob, "I planted tulips.", user=BOB)
    exported = client.get(f"/memory/export/{ALICE}", headers=bearer(keys.alice))
    assert exported.status_code == 200
    document = exported.json()
    assert document["format"] == "companion-export/1" and document["user_id"] == ALICE
    assert [m["content"] for m in document["memories"]] == ["I got a new puppy today!"]
    assert document["interactions"] and document["personality"]

    refused = client.post(f"/memory/forget-me/{ALICE}", json={"confirm": False}, headers=bearer(keys.alice))
    assert refused.status_code == 422
    erased = client.post(f"/memory/forget-me/{ALICE}", json={"confirm": True}, headers=bearer(keys.alice)).json()
    assert erased["erased"] is True and "0 rows left" in erased["message"]
    assert client.get(f"/personality/current/{ALICE}", headers=bearer(keys.alice)).status_code == 404
    assert client.get(f"/memory/export/{ALICE}", headers=bearer(keys.alice)).status_code == 404
    again = client.post(f"/memory/forget-me/{ALICE}", json={"confirm": True}, headers=bearer(keys.alice)).json()
    assert again["erased"] is False
    assert runtime.container.memory_repo.count_memories(BOB) == 1  # Bob keeps his


def test_why_explains_the_last_reply(client, keys):
    assert client.get(f"/chat/why/{ALICE}", headers=bearer(keys.alice)).status_code == 404
    chat(client, keys.alice, "I got a new puppy today!")
    chat(client, keys.alice, "His name is Sparky.")
    why = client.get(f"/chat/why/{ALICE}", headers=bearer(keys.alice)).json()
    assert "puppy" in why["explanation"]


def test_personality_history_and_quirks(client, keys, runtime):
    for message in ["Hey! Good morning :)", "hey, I went running today :)", "hey there, more running :)",
                    "hey! running again :)"]:
        chat(client, keys.alice, message)
    history = client.get(f"/personality/history/{ALICE}?days=7", headers=bearer(keys.alice)).json()
    assert len(history["moods"]) >= 4 and history["trend"]["points"] == len(history["moods"])
    assert history["trend"]["direction"] in ("brightening", "darkening", "steady")
    times = [m["at"] for m in history["moods"]]
    assert times == sorted(times)

    quirks = client.get(f"/personality/quirks/{ALICE}", headers=bearer(keys.alice)).json()["quirks"]
    active = runtime.container.personality.active_quirks(ALICE)
    assert sorted(q["name"] for q in quirks) == sorted(q.name for q in active)
    assert all(0 < q["strength"] <= 1 for q in quirks)
