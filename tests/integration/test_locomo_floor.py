"""A recall regression floor, in CI: a small fixed LoCoMo excerpt (the first three sessions of two
dev conversations and every question whose evidence lies in them, tests/fixtures) written through
MemoryService's write path and searched through its search, as benchmarks/locomo_recall.py does on
the whole dev set. The floors sit a few points under what this excerpt scores (R@5 69.7, R@10
84.3 when they were set), so quality cannot drop silently."""
import json
import re
import statistics
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path


from companion.adapters.postgres import Database, MemoryRepository, PostgresSearchIndex
from companion.services.memory import MemoryService

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "locomo_subset.json"
FLOOR_R5, FLOOR_R10 = 65.0, 80.0


class FixedImportance:
    def score(self, content, context):
        return 0.5


def _session_time(text):
    return datetime.strptime(text, "%I:%M %p on %d %B, %Y").replace(tzinfo=timezone.utc)


def test_recall_on_a_fixed_locomo_excerpt_stays_above_the_floor(database_url, embedder):
    db = Database(database_url)
    repo = MemoryRepository(db)
    index = PostgresSearchIndex(repo)
    memory = MemoryService(repo, index, embedder, FixedImportance(), fallback=index)
    recall = {5: [], 10: []}
    for sample in json.loads(FIXTURE.read_text()):
        conversation, user = sample["conversation"], sample["sample_id"]
        by_id, last = {}, None
        for n in (1, 2, 3):
            when = _session_time(conversation[f"session_{n}_date_time"])
            items, previous = [], None
            for i, turn in enumerate(conversation[f"session_{n}"]):
                memory_id = str(uuid.uuid4())
                by_id[memory_id] = turn["dia_id"]
                items.append({"memory_id": memory_id, "content": turn["text"], "now": when + timedelta(seconds=30 * i),
                              "author": "user" if turn["speaker"] == conversation["speaker_a"] else "companion",
                              "author_name": turn["speaker"], "caption": turn.get("blip_caption"),
                              "context": previous})
                previous = turn["text"]
            memory.remember(user, items)
            last = when
        for qa in sample["qa"]:
            evidence = [p for e in qa["evidence"] for p in re.split(r"[;,\s]+", e) if re.fullmatch(r"D\d+:\d+", p)]
            found = [by_id[m.id] for m in memory.search(user, qa["question"], k=10, now=last + timedelta(days=1),
                                                        record_access=False)]
            for cutoff in recall:
                recall[cutoff].append(sum(e in found[:cutoff] for e in evidence) / len(evidence))
    db.close()
    r5, r10 = (100 * statistics.mean(recall[c]) for c in (5, 10))
    print(f"LoCoMo excerpt: {len(recall[5])} questions, R@5 {r5:.1f}, R@10 {r10:.1f}")
    assert len(recall[5]) == 58
    assert r5 >= FLOOR_R5 and r10 >= FLOOR_R10
