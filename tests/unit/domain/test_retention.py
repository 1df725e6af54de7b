"""What 'past the retention' does to a /why record and to the reply made from it (pure)."""
from datetime import datetime, timedelta, timezone

from companion.domain.explanation import render_why
from companion.domain.retention import EXPIRED, expire_explanation, quoted_ids, redact, retention_cutoff

NOW = datetime(2026, 1, 6, 12, 0, tzinfo=timezone.utc)
CUTOFF = retention_cutoff(NOW, 365)
OLD, NEW = (CUTOFF - timedelta(days=1)).isoformat(), (CUTOFF + timedelta(days=1)).isoformat()


def record():
    return {
        "version": 1,
        "memories": [
            {"id": "a", "content": "I live in Lisbon", "created_at": OLD, "similarity": 0.66, "importance": 0.7,
             "memory_type": "episodic"},
            {"id": "b", "content": "I moved to Berlin", "created_at": NEW, "similarity": 0.5, "importance": 0.6,
             "memory_type": "episodic"},
            {"id": "c", "forgotten": True, "similarity": 0.4},
        ],
        "history": [{"id": "h", "content": "I live in Porto", "created_at": OLD}],
        "notes": ['Older statements replaced by what I recalled were in my prompt as history: "I live in Porto"',
                  "I asked you whether two of your statements still both hold (a possible contradiction)."],
        "model": "offline",
    }


def test_retention_cutoff_is_the_retention_before_now():
    assert retention_cutoff(NOW, 30) == NOW - timedelta(days=30)


def test_memories_made_before_the_cutoff_keep_only_their_id_and_score():
    expired, texts = expire_explanation(record(), CUTOFF)
    assert expired["memories"][0] == {"id": "a", "similarity": 0.66, "expired": True}
    assert expired["memories"][1] == record()["memories"][1]  # newer: as recorded
    assert expired["memories"][2] == {"id": "c", "forgotten": True, "similarity": 0.4}
    assert expired["history"] == [{"id": "h", "expired": True}]
    assert sorted(texts) == ["I live in Lisbon", "I live in Porto"]
    # The note quoting the expired statement goes; the one quoting nothing stays.
    assert expired["notes"] == [record()["notes"][1]]
    assert expired["model"] == "offline"
    assert "Lisbon" not in str(expired) and "Porto" not in str(expired)


def test_a_quoted_memory_no_longer_kept_expires_whatever_its_date():
    """A summary deleted with its first source to expire is newer than the cutoff itself."""
    kept = {"a": False, "h": False}
    expired, texts = expire_explanation(record(), CUTOFF - timedelta(days=30), kept=kept)
    assert texts == ["I moved to Berlin"] and expired["memories"][1] == {"id": "b", "similarity": 0.5, "expired": True}
    assert expired["memories"][0] == record()["memories"][0]  # kept, and not old for this cutoff
    unchanged, texts = expire_explanation(record(), CUTOFF - timedelta(days=30), kept={**kept, "b": False})
    assert texts == [] and unchanged == record()


def test_a_pinned_fact_outlives_the_retention_and_is_marked_so_it_no_longer_counts():
    expired, texts = expire_explanation(record(), CUTOFF, kept={"a": True, "b": False, "h": False})
    assert expired["memories"][0] == {**record()["memories"][0], "pinned": True}
    assert texts == ["I live in Porto"]  # the history entry, not pinned, expired


def test_the_ids_still_quoted():
    assert quoted_ids(record()) == ["a", "b", "h"]
    assert quoted_ids(expire_explanation(record(), CUTOFF)[0]) == ["b"]


def test_redact_replaces_every_word_for_word_repeat_longest_first():
    reply = 'You told me: "I live in Lisbon, near the river". And "I live in Lisbon" again.'
    assert redact(reply, ["I live in Lisbon", "I live in Lisbon, near the river"]) == \
        f'You told me: "{EXPIRED}". And "{EXPIRED}" again.'
    assert redact(None, ["x"]) is None and redact("nothing here", []) == "nothing here"


def test_why_says_a_memory_expired_without_its_words():
    text = render_why(expire_explanation(record(), CUTOFF)[0], when=NOW, message="hi", reply="hello")
    assert "`a` (a memory older than I keep them, since deleted)" in text
    assert "Lisbon" not in text and "I moved to Berlin" in text
