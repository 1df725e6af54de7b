"""Hybrid recall through MemoryService on real engines: PostgreSQL (pgvector + BM25 over the
full-text index) and Qdrant local mode (named dense + sparse IDF vectors), with the real MiniLM."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from qdrant_client import QdrantClient

from companion.adapters.postgres import Database, MemoryRepository, PostgresSearchIndex
from companion.adapters.qdrant_store import QdrantVectorStore
from companion.ports import ProviderError
from companion.services.memory import MemoryService

NOW = datetime(2025, 11, 20, 18, 0, tzinfo=timezone.utc)


class FixedImportance:
    def score(self, content, context):
        return 0.5


@pytest.fixture(params=["qdrant", "postgres"])
def service(request, database_url, embedder):
    db = Database(database_url)
    repo = MemoryRepository(db)
    fallback = PostgresSearchIndex(repo)
    client = None
    if request.param == "qdrant":
        client = QdrantClient(location=":memory:")
        index = QdrantVectorStore(client)
    else:
        index = fallback
    yield MemoryService(repo, index, embedder, FixedImportance(), fallback=fallback)
    if client is not None:
        client.close()
    db.close()


def remember(service, user, *texts, when=NOW, author="user", name="Sam"):
    items = [{"memory_id": str(uuid.uuid4()), "content": t, "now": when, "author": author, "author_name": name}
             for t in texts]
    return service.remember(user, items)


DISTRACTORS = [
    "I went for a long run by the river this morning.",
    "Work has been really stressful lately with all the deadlines.",
    "We cooked pasta with fresh basil for dinner.",
    "My sister called me to talk about her new job.",
    "I finally finished reading that mystery novel.",
    "The weather has been cold and rainy all week.",
]


def test_a_rare_name_the_embedder_misses_is_found_by_its_words(service):
    remember(service, "u1", *DISTRACTORS, "I had coffee with Zbigniew after the meeting.")
    found = service.search("u1", "Zbigniew", k=3, now=NOW)
    assert "Zbigniew" in found[0].content
    # The dense ranking alone does not put it first: the lexical ranking is what finds it.
    vector = service.embedder.embed(["Zbigniew"], kind="query")[0]
    rankings = service.store.rankings(service.embedder.model_id, "u1", vector, ["zbigniew"], 10)
    assert len(rankings.lexical) == 1
    contents = {m.id: m.content for m in found}
    assert "Zbigniew" in contents.get(rankings.lexical[0][0], "")


def test_a_question_in_entirely_different_words_still_finds_the_fact(service):
    remember(service, "u1", *DISTRACTORS, "I adopted a kitten and called her Mochi.")
    found = service.search("u1", "Do I have any pets?", k=3, now=NOW)
    assert "Mochi" in found[0].content


def test_a_last_may_question_prefers_may_memories(service):
    remember(service, "u1", "I baked a lemon cake for the party.", when=datetime(2025, 9, 12, tzinfo=timezone.utc))
    remember(service, "u1", "I baked a chocolate cake for the party.", when=datetime(2025, 5, 14, tzinfo=timezone.utc))
    remember(service, "u1", *DISTRACTORS, when=datetime(2025, 10, 1, tzinfo=timezone.utc))
    found = service.search("u1", "What cake did I bake last May?", k=3, now=NOW)
    assert "chocolate" in found[0].content


def test_relative_dates_are_searchable_as_absolute_dates(service):
    remember(service, "u1", "I went to the support group yesterday.", when=datetime(2023, 5, 8, 13, 56, tzinfo=timezone.utc))
    remember(service, "u1", *DISTRACTORS, when=datetime(2023, 5, 20, tzinfo=timezone.utc))
    found = service.search("u1", "What did I do on 7 May 2023?", k=3, now=NOW)
    assert "support group" in found[0].content


def test_the_companions_words_are_remembered_and_rank_below_the_users(service):
    remember(service, "u1", "You should read Dune, it is a classic.", author="companion", name="companion")
    remember(service, "u1", "I started reading Dune last night.", when=NOW + timedelta(minutes=1))
    remember(service, "u1", *DISTRACTORS)
    found = service.search("u1", "Dune", k=2, now=NOW + timedelta(hours=1))
    assert [m.author for m in found] == ["user", "companion"]
    recommended = service.search("u1", "What did you recommend I read?", k=3, now=NOW)
    assert any(m.author == "companion" and "Dune" in m.content for m in recommended)


def test_nothing_related_finds_nothing_but_no_floor_hides_the_best_match(service):
    remember(service, "u1", "I got a new puppy today!", "His name is Sparky.")
    assert service.search("u1", "spaceships", k=5, now=NOW) == []
    assert service.search("u1", "the and of", k=5, now=NOW) == []
    found = service.search("u1", "my dog", k=5, now=NOW)
    assert found and "puppy" in found[0].content


def test_recall_never_crosses_users(service):
    remember(service, "alice", "My diary password is tulip42.")
    remember(service, "bob", "I like tulips and diaries.")
    assert all(m.user_id == "bob" for m in service.search("bob", "diary password tulip42", k=5, now=NOW))


def test_with_the_embedder_down_words_alone_still_answer(service):
    remember(service, "u1", *DISTRACTORS, "Our golden retriever Sparky loves the beach.")

    class Down:
        model_id, dim = service.embedder.model_id, service.embedder.dim

        def embed(self, texts, kind="document"):
            raise ProviderError("embeddings unavailable")

    service.embedder = Down()
    found = service.search("u1", "Where does Sparky like to go?", k=3, now=NOW)
    assert "Sparky" in found[0].content


def test_with_the_index_down_postgres_answers_the_same_hybrid_query(service):
    remember(service, "u1", *DISTRACTORS, "I had coffee with Zbigniew after the meeting.", "I adopted a kitten called Mochi.")
    expected = [m.id for m in service.search("u1", "Zbigniew and my pets", k=3, now=NOW)]

    class Down:
        def ensure_collection(self, *a, **k):
            raise ConnectionError("Qdrant unreachable")

        rankings = upsert = ensure_collection

    service.store = Down()
    assert [m.id for m in service.search("u1", "Zbigniew and my pets", k=3, now=NOW)] == expected


def test_access_is_recorded_after_the_answer_not_during_the_search(service):
    [record] = remember(service, "u1", "I play the cello in an orchestra.")
    service.search("u1", "cello", k=1, now=NOW)
    assert service.memories.recall_candidates("u1", [record.id])[0]["access_count"] == 0
    service.flush_access()
    assert service.memories.recall_candidates("u1", [record.id])[0]["access_count"] == 1


def test_reindex_rebuilds_the_indexed_text_from_the_content(service):
    [record] = remember(service, "u1", "I visited Kraków with my grandmother yesterday.",
                        when=datetime(2024, 3, 3, tzinfo=timezone.utc))
    with service.memories.db.scoped("u1") as conn:  # an old recipe: nothing indexed by words
        conn.execute("UPDATE memories SET search_text = NULL, search_terms = NULL, recipe_version = NULL")
    assert service.memories.lexical_ranking("u1", ["grandmoth"], 5) == []
    from companion.domain.memory_text import RECIPE_VERSION

    assert service.memories.users_to_reindex(RECIPE_VERSION) == ["u1"]
    assert service.reindex("u1", NOW) == 1
    assert service.memories.users_to_reindex(RECIPE_VERSION) == []
    row = service.memories.recall_candidates("u1", [record.id])[0]
    assert row["search_text"] == "[3 March 2024] Sam: I visited Kraków with my grandmother yesterday (2 March 2024)."
    assert service.search("u1", "grandmother", k=1, now=NOW)[0].id == record.id
    assert service.reindex("u1", NOW) == 0  # idempotent


def test_with_replies_remembered_the_companion_can_recall_what_it_said(runtime):
    from companion.local.runtime import LocalRuntime  # noqa: F401 - the runtime fixture wires it

    runtime.container.turns.remember_replies = True
    runtime.send("companion", {"message": "Can you recommend a good book?"}, user_id="u1")
    memory = runtime.container.memory
    stored = memory.memories.recall_candidates("u1", [])  # nothing asked, nothing returned
    assert stored == []
    found = memory.search("u1", "what did you answer about the book?", k=5, now=datetime.now(timezone.utc))
    authors = {m.author for m in found}
    assert authors == {"user", "companion"}
    assert found[0].author == "user"  # on equal footing the user's own words come first
    reply = runtime.send("memories", {"query": "book"}, user_id="u1").replies[0]
    assert "I said: (offline companion" in reply
