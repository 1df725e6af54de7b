"""/personality as a Discord embed (and the same information as plain text for the local run).

Embed limits respected: title <= 256, description <= 4096, <= 25 fields, field value <= 1024,
everything <= 6000 characters. Bars are drawn in code blocks so they line up in Discord's font.
"""
from __future__ import annotations

from typing import Sequence

from .needs import Need
from .pad import PAD
from .quirks import Quirk
from .trends import EmotionalTrend, sparkline

BAR_WIDTH = 10
MOOD_COLOURS = {  # embed side colour by octant
    "exuberant": 0xF1C40F, "relaxed": 0x2ECC71, "sleepy": 0x95A5A6, "bored": 0xE67E22,
    "anxious": 0xE74C3C, "stressed": 0xC0392B, "calm": 0x3498DB, "depressed": 0x34495E, "neutral": 0xBDC3C7,
}
MAX_QUIRKS_SHOWN = 8


def bar(value: float, low: float = 0.0, high: float = 1.0, width: int = BAR_WIDTH) -> str:
    fraction = (min(high, max(low, value)) - low) / (high - low)
    filled = round(fraction * width)
    return "█" * filled + "░" * (width - filled)


def _pad_line(pad: PAD) -> str:
    return f"pleasure {pad.pleasure:+.2f} · arousal {pad.arousal:+.2f} · dominance {pad.dominance:+.2f}"


def _label(name: str) -> str:
    return name.replace("_", " ")


def personality_embed(
    *,
    pad: PAD,
    baseline: PAD,
    traits: dict[str, float],
    needs: Sequence[Need],
    quirks: Sequence[Quirk],
    week: Sequence[float | None],
    trend: EmotionalTrend,
    noticed: Sequence[str] = (),
) -> dict:
    width = max(len(t) for t in traits)
    trait_lines = [f"{t.capitalize():<{width}} {bar(v)} {v:.2f}" for t, v in traits.items()]
    need_width = max((len(n.need_type) for n in needs), default=0)
    need_lines = [
        f"{n.need_type.capitalize():<{need_width}} {bar(n.current_level)} {n.current_level:.2f}"
        + (" ⚠ urgent" if n.is_urgent else "")
        for n in needs
    ]
    active = sorted((q for q in quirks if q.is_active), key=lambda q: -q.strength)[:MAX_QUIRKS_SHOWN]
    quirk_lines = [f"**{_label(q.name)}** {bar(q.strength)} {q.strength:.2f}\n{q.description}"
                   for q in active]
    fields = [
        {"name": "Mood", "value": f"**{pad.label}**\n{_pad_line(pad)}", "inline": True},
        {"name": "Temperament", "value": f"**{baseline.label}**\n{_pad_line(baseline)}", "inline": True},
        {"name": "This week", "value": f"`{sparkline(week)}` {trend.arrow} {trend.direction}"
                                       f" (volatility {trend.volatility:.2f})", "inline": False},
        {"name": "Big Five", "value": "```\n" + "\n".join(trait_lines) + "\n```", "inline": False},
        {"name": "Needs", "value": "```\n" + ("\n".join(need_lines) or "none") + "\n```", "inline": False},
        {"name": "Quirks", "value": "\n".join(quirk_lines)[:1024] or "None yet: they grow from how we talk.",
         "inline": False},
        {"name": "What I've noticed", "value": "\n".join(f"• {n}" for n in noticed)[:1024]
         or "Nothing yet: I notice patterns after a few days of talking, in my nightly reflection.", "inline": False},
    ]
    return {
        "title": "How I'm doing",
        "description": f"I'm feeling **{pad.label}** right now; at heart I'm **{baseline.label}**.",
        "color": MOOD_COLOURS.get(pad.label, MOOD_COLOURS["neutral"]),
        "fields": fields,
    }


def embed_as_text(embed: dict) -> str:
    """A readable plain-text rendering of an embed (the local run prints this)."""
    lines = []
    if embed.get("title"):
        lines.append(f"== {embed['title']} ==")
    if embed.get("description"):
        lines.append(embed["description"].replace("**", ""))
    for f in embed.get("fields", []):
        value = f["value"].replace("```\n", "").replace("\n```", "").replace("`", "").replace("**", "")
        lines.append(f"{f['name']}:")
        lines.extend(f"  {line}" for line in value.splitlines())
    return "\n".join(lines)
