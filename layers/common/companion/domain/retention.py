"""How long what a user says is kept, and what "gone" means for the records that quote it.

A deployment keeps a user's words ``DATA_RETENTION_DAYS`` (365 by default; a user's own
``user_profiles.data_retention_days`` when set). Past it, the daily purge deletes each memory with
everything built from it (services/retention.py); the /why records of later replies, which quote
the memories their prompt carried, keep only the ids of those past it (``expire_explanation``).
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

DEFAULT_RETENTION_DAYS = 365


def retention_cutoff(now: datetime, days: int) -> datetime:
    """What was made before this is past a retention of ``days``."""
    return now - timedelta(days=days)


def _when(entry: dict[str, Any]) -> datetime | None:
    raw = entry.get("created_at")
    return datetime.fromisoformat(raw) if isinstance(raw, str) else None


def quoted_ids(explanation: dict[str, Any]) -> list[str]:
    """The memories whose words a /why record still quotes."""
    return [str(e["id"]) for key in ("memories", "history") for e in explanation.get(key) or []
            if isinstance(e, dict) and "content" in e and "id" in e]


EXPIRED = "[past the retention]"


def expire_explanation(explanation: dict[str, Any], cutoff: datetime,
                       kept: Mapping[str, bool] | None = None) -> tuple[dict[str, Any], list[str]]:
    """A /why record without the words of the memories past the retention: each entry (recalled,
    or an older statement shown as history) made before ``cutoff``, or, given ``kept`` (the quoted
    memories that still exist: id -> pinned), quoting a memory no longer kept (a summary deleted
    with its first source to expire), keeps only its id and score and says it expired; a note
    quoting one of them goes. A pinned fact (/remember) outlives the retention: its entry is
    marked ``pinned`` and kept. Everything else is kept as recorded. Also returns the texts taken
    out (the reply made with them in its prompt may repeat them: ``redact``)."""
    expired_texts: list[str] = []

    def expire(entries: Any) -> Any:
        if not isinstance(entries, list):
            return entries
        out = []
        for entry in entries:
            when = _when(entry) if isinstance(entry, dict) and "content" in entry else None
            if when is None:
                out.append(entry)
                continue
            memory_id = str(entry.get("id"))
            if kept is not None and kept.get(memory_id):
                out.append(entry if when >= cutoff else {**entry, "pinned": True})
            elif when < cutoff or (kept is not None and memory_id not in kept):
                expired_texts.append(str(entry["content"]))
                out.append({**{k: entry[k] for k in ("id", "similarity") if k in entry}, "expired": True})
            else:
                out.append(entry)
        return out

    record = dict(explanation)
    for key in ("memories", "history"):
        if key in record:
            record[key] = expire(record[key])
    if expired_texts and isinstance(record.get("notes"), list):
        record["notes"] = [n for n in record["notes"]
                           if not any(text and text in str(n) for text in expired_texts)]
    return record, expired_texts


def redact(text: str | None, expired_texts: list[str]) -> str | None:
    """``text`` with every expired memory it repeats word for word replaced."""
    for expired in sorted(set(expired_texts), key=len, reverse=True):
        if text and expired:
            text = text.replace(expired, EXPIRED)
    return text
