"""/forget by id prefix reads a range of the primary key; /forget by words reads candidates through btrees (the BM25 postings for current memories, the
partial index of migration 033 for replaced ones), not every memory of the user: under row-level
security the full-text GIN index is unused. Its answer equals the plain full-text scan."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from psycopg import sql

from companion.adapters.postgres import Database
from companion.adapters.postgres.memory_control import MemoryControlRepository
from companion.domain.lexical import terms

from tests.fakes import RecordingConnection

T0 = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)
QUERIES = ["violin lessons", "violin", "Violin's teacher", "old address", "Elm", "garden", "the", "it was",
           "unheard-of words", "address garden"]


@pytest.fixture
def control(database_url):
    db = Database(database_url)
    yield MemoryControlRepository(db)
    db.close()


def insert(db_admin, user, texts, *, replaced=()):
    rows = []
    for i, text in enumerate(texts):
        when = T0 + timedelta(minutes=i)
        rows.append((str(uuid.uuid4()), user, text, " ".join(terms(text)), when, when if i in replaced else None))
    with db_admin.cursor() as cur:
        cur.executemany(
            """INSERT INTO memories (id, user_id, memory_type, content, importance, search_terms, created_at, valid_to)
               VALUES (%s, %s, 'episodic', %s, 0.5, %s, %s, %s)""", rows)


@pytest.fixture
def corpus(db_admin):
    texts = [f"Note {i}: watered the garden and fixed the fence" for i in range(1200)]
    texts[100] = "I started violin lessons with a new teacher"
    texts[700] = "My violin teacher's name is Ada"
    texts[900] = "My old address is 5 Elm Street"  # replaced by the next one
    texts[901] = "My new address is 12 Oak Road, near the garden"
    texts[1100] = "It was the best of times"
    insert(db_admin, "big", texts, replaced={900})
    insert(db_admin, "other", ["violin lessons are on Tuesdays", "my old address is secret"])
    db_admin.execute("ANALYZE memories")
    db_admin.execute("ANALYZE memory_postings")
    return texts


def full_text_scan(db_admin, user, query, limit):
    return [r["content"] for r in db_admin.execute(
        """SELECT content FROM memories WHERE user_id = %s AND numnode(plainto_tsquery('english', %s)) > 0
           AND content_tsv @@ plainto_tsquery('english', %s) ORDER BY created_at LIMIT %s""",
        (user, query, query, limit)).fetchall()]


@pytest.mark.parametrize("query", QUERIES)
def test_the_answer_equals_the_full_text_scan_and_stays_in_the_users_memories(control, db_admin, corpus, query):
    found = [m.content for m in control.find_by_words("big", query, 6)]
    assert found == full_text_scan(db_admin, "big", query, 6)
    assert all(m.user_id == "big" for m in control.find_by_words("big", query, 6))


def test_a_replaced_memory_is_found_too(control, corpus):
    assert [m.content for m in control.find_by_words("big", "Elm Street", 6)] == ["My old address is 5 Elm Street"]


def memory_rows_read(plan) -> int:
    """Rows the plan took from the memories table (returned plus filtered out), all nodes."""
    read = 0
    if plan.get("Relation Name") == "memories":
        read += plan["Actual Rows"] * plan.get("Actual Loops", 1) + plan.get("Rows Removed by Filter", 0)
    return read + sum(memory_rows_read(child) for child in plan.get("Plans", []))


def test_it_reads_a_few_candidates_not_every_memory_of_the_user(control, corpus, monkeypatch):
    with control.db.scoped("big") as conn:  # the application role, under row-level security
        recording = RecordingConnection(conn)
        monkeypatch.setattr(control.db, "scoped", lambda user_id: _Reuse(recording))
        found = control.find_by_words("big", "violin teacher", 6)
        statement, params = recording.statements[-1]
        [[plan]] = conn.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + sql.SQL(statement), params).fetchone().values()
    assert [m.content for m in found] == ["I started violin lessons with a new teacher", "My violin teacher's name is Ada"]
    plan = plan if isinstance(plan, dict) else json.loads(plan)[0]
    assert memory_rows_read(plan["Plan"]) <= 10, plan  # of the user's 1,200 (the full-text scan reads all)


def test_an_id_prefix_is_a_range_of_the_primary_key(control, db_admin, corpus, monkeypatch):
    ada = db_admin.execute("SELECT id::text FROM memories WHERE content = %s", ("My violin teacher's name is Ada",)).fetchone()["id"]
    theirs = db_admin.execute("SELECT id::text FROM memories WHERE user_id = 'other'").fetchone()["id"]
    compact = ada.replace("-", "")
    for prefix in (compact[:8], ada[:13], compact, compact[:8].upper()):
        assert [m.id for m in control.find_by_short_id("big", prefix)] == [ada], prefix
    assert control.find_by_short_id("big", theirs.replace("-", "")[:12]) == []  # another user's id
    assert control.find_by_short_id("big", "not-hex!") == []
    with control.db.scoped("big") as conn:
        recording = RecordingConnection(conn)
        monkeypatch.setattr(control.db, "scoped", lambda user_id: _Reuse(recording))
        control.find_by_short_id("big", compact[:8])
        statement, params = recording.statements[-1]
        [[plan]] = conn.execute(sql.SQL("EXPLAIN (ANALYZE, FORMAT JSON) ") + sql.SQL(statement), params).fetchone().values()
    assert memory_rows_read(plan["Plan"]) <= 3, plan  # of the user's 1,200


class _Reuse:
    def __init__(self, conn):
        self.conn = conn

    def __enter__(self):
        return self.conn

    def __exit__(self, *exc):
        return False

