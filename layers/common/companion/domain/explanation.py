"""/why: what a reply was made from, recorded with the turn and told back later.

The record is written once, when the turn is persisted, from the turn's own working state: the
memories recalled (with their scores), the mood before and after and the appraisal rule that
moved it, the needs and quirks the prompt carried (read from the prompt itself, so it is exactly
what the model saw), the model that answered and whether a fallback did. /why reads it back and
never recomputes anything: memories change, moods move, the record does not.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Sequence

EXPLANATION_VERSION = 1
_PROMPT_LINE = {"quirks": re.compile(r"^DEVELOPED QUIRKS: (.*)$", re.M),
                "needs": re.compile(r"^CURRENT NEEDS: (.*)$", re.M)}


def prompt_facts(system_prompt: str) -> dict[str, str]:
    """The quirks and needs lines exactly as the system prompt carried them."""
    out = {}
    for key, pattern in _PROMPT_LINE.items():
        match = pattern.search(system_prompt or "")
        out[key] = match[1].strip() if match else ""
    return out


def record_explanation(
    *,
    memories: Sequence[Any],
    pad_before: dict[str, float],
    pad_after: dict[str, float],
    emotion_before: str,
    emotion_after: str,
    rule: str,
    system_prompt: str,
    model: str,
    fallback_used: bool,
    error: str | None,
    notes: Sequence[str] = (),
    history: Sequence[Any] = (),
) -> dict[str, Any]:
    """The JSON stored with the interaction. ``memories`` are the recalled Memory objects in the
    order they were given to the model; ``notes`` say anything else the turn did to the reply
    (a clarifying question asked, history shown); ``history``: the older statements the recalled
    memories replaced, shown to the model as the past (recorded with their ids and times, so the
    retention purge can find the records quoting them: domain/retention.py)."""
    return {
        "version": EXPLANATION_VERSION,
        "memories": [
            {
                "id": m.id, "content": m.content, "memory_type": m.memory_type,
                "similarity": round(float(m.similarity), 4), "importance": round(float(m.importance), 4),
                "created_at": m.created_at.isoformat(),
            }
            for m in memories
        ],
        "history": [{"id": m.id, "content": m.content, "created_at": m.created_at.isoformat()} for m in history],
        "emotion": {
            "before": {"label": emotion_before, **{k: round(v, 3) for k, v in pad_before.items()}},
            "after": {"label": emotion_after, **{k: round(v, 3) for k, v in pad_after.items()}},
            "rule": rule,
        },
        "prompt": prompt_facts(system_prompt),
        "model": model,
        "fallback_used": bool(fallback_used),
        "error": error,
        "notes": list(notes),
    }


def _pad(p: dict[str, Any]) -> str:
    return (f"{p.get('label', '?')} (pleasure {p.get('pleasure', 0):+.2f}, arousal {p.get('arousal', 0):+.2f}, "
            f"dominance {p.get('dominance', 0):+.2f})")


def render_why(explanation: dict[str, Any], *, when: datetime, message: str, reply: str) -> str:
    """The /why answer, in plain words, from a stored record."""
    def clip(text: str, n: int = 90) -> str:
        text = " ".join(str(text).split())
        return text if len(text) <= n else text[: n - 1] + "…"

    lines = [f'**Why I said:** "{clip(reply, 120)}"',
             f'(my reply on {when:%d %b %Y %H:%M} UTC to "{clip(message, 80)}")', ""]
    memories = explanation.get("memories") or []
    if memories:
        lines.append(f"**Memories in my prompt** ({len(memories)}, best match first):")
        for m in memories:
            short = str(m.get("id", "")).replace("-", "")[:8]
            if m.get("forgotten"):
                lines.append(f"• `{short}` (a memory you have since asked me to forget)")
                continue
            if m.get("expired"):
                lines.append(f"• `{short}` (a memory older than I keep them, since deleted)")
                continue
            lines.append(f"• `{short}` \"{clip(m.get('content', ''))}\" — similarity {m.get('similarity', 0):.2f}, "
                         f"importance {m.get('importance', 0):.2f}")
    else:
        lines.append("**Memories in my prompt:** none (nothing I remembered seemed related).")
    emotion = explanation.get("emotion") or {}
    rule = emotion.get("rule") or "none"
    moved = "no appraisal rule fired for your message" if rule == "none" else \
        f"the appraisal rule **{rule}** moved it"
    lines.append(f"**My mood:** {_pad(emotion.get('before', {}))} → {_pad(emotion.get('after', {}))}; {moved}.")
    prompt = explanation.get("prompt") or {}
    lines.append(f"**Urgent needs in my prompt:** {prompt.get('needs') or 'none recorded'}")
    lines.append(f"**Quirks in my prompt:** {prompt.get('quirks') or 'none recorded'}")
    model = explanation.get("model") or "unknown"
    if explanation.get("error"):
        lines.append(f"**Model:** none answered (every reply model failed: {clip(explanation['error'], 80)}); "
                     "you got my stock apology.")
    elif explanation.get("fallback_used"):
        lines.append(f"**Model:** `{model}` — the fallback model answered, the primary had failed.")
    else:
        lines.append(f"**Model:** `{model}` (no fallback needed).")
    for note in explanation.get("notes") or []:
        lines.append(f"**Also:** {note}")
    return "\n".join(lines)
