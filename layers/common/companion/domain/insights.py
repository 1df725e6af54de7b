"""Reflection that learns: what the nightly reflection notices about how a person and their
companion talk (the seed's reflection.py: detect_conversation_patterns, analyze_behavioral_changes,
analyze_emotional_trends' cycles, generate_user_insights), as pure rules over the last 14 days.

* **Conversation patterns** (the seed's pattern types, needs >= 10 interactions, kept when the
  confidence is > 0.6): *when* (the part of the user's day most messages fall in; weekends), *how
  long* (messages and minutes per conversation, words per message), *what about* (words that
  recur on 3+ different days), *who starts* (conversations the user opens vs the companion's
  proactive messages) and how quickly they answer the companion.
* **Behaviour changes**: the last 7 days against the 7 before (>= 5 interactions this week, as the
  seed asks): how often they write, how long their messages are, when they write, what they talk
  about, and the mood the conversations leave. This is the offline (rule-based) analysis; in
  production the fast model reads the week's exchanges with BEHAVIOUR_ANALYSIS_PROMPT and its
  changes join these quantitative ones (adapters/behaviour_analyst.py).
* **Emotional cycles**: the companion's mood by part of the user's day and weekday vs weekend; a
  cycle is a difference of at least CYCLE_MIN_AMPLITUDE in mean pleasure between parts with
  enough points on at least two different days.
* **Insights**: a few short first-person sentences built from the above ("what I've noticed" in
  /personality, the REST history route), strongest first.
"""
from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Sequence

from .quirks import topic_words
from .trends import FLAT_SLOPE, MoodPoint

PATTERN_WINDOW_DAYS = 14  # the seed's detect_conversation_patterns window
MIN_INTERACTIONS_FOR_PATTERNS = 10  # the seed: fewer and there are no patterns
MIN_PATTERN_CONFIDENCE = 0.6  # the seed's filter for significant patterns
MIN_INTERACTIONS_FOR_CHANGES = 5  # the seed's analyze_behavioral_changes minimum
CHANGE_RATIO = 1.5  # twice as often is a change; 1.2 x is noise
MOOD_SHIFT = 0.15  # in mean pleasure (the conversations' pad_after), week on week
CYCLE_MIN_AMPLITUDE = 0.15  # mean pleasure between the brightest and the darkest part
CYCLE_MIN_POINTS = 3  # per part of the day (or weekday / weekend), over >= 2 different days
TOPIC_MIN_DAYS = 3
MAX_INSIGHTS = 5

PARTS_OF_DAY = (("morning", range(5, 12)), ("afternoon", range(12, 17)), ("evening", range(17, 22)),
                ("night", (22, 23, 0, 1, 2, 3, 4)))


def part_of_day(hour: int) -> str:
    return next(name for name, hours in PARTS_OF_DAY if hour in hours)


@dataclass(frozen=True)
class LoggedTurn:
    """One interaction as the reflection reads it: ``at`` in the user's zone."""

    at: datetime
    user_message: str
    agent_response: str
    session_id: str | None
    is_proactive: bool = False
    pleasure_after: float | None = None


def _words(text: str) -> int:
    return len(text.split())


def _sessions(turns: Sequence[LoggedTurn]) -> list[list[LoggedTurn]]:
    by_session: dict[str, list[LoggedTurn]] = defaultdict(list)
    for t in turns:
        by_session[t.session_id or f"single:{t.at.isoformat()}"].append(t)
    return sorted(by_session.values(), key=lambda s: s[0].at)


def _pattern(kind: str, description: str, confidence: float, frequency: float, **metadata) -> dict:
    return {"pattern_type": kind, "description": description, "confidence": round(min(1.0, confidence), 3),
            "frequency": round(frequency, 3), "metadata": metadata}


# --- conversation patterns ----------------------------------------------------------------------------


def conversation_patterns(turns: Sequence[LoggedTurn], now: datetime) -> list[dict]:
    """The seed's conversation patterns over ``turns`` (the last 14 days, oldest first, timed in
    the user's zone); only those with confidence > 0.6, strongest first."""
    spoken = [t for t in turns if not t.is_proactive and t.user_message]
    if len(spoken) < MIN_INTERACTIONS_FOR_PATTERNS:
        return []
    days = max(1.0, min(float(PATTERN_WINDOW_DAYS), (now - spoken[0].at).total_seconds() / 86400))
    found = [*_when(spoken, days), *_how_long(turns, spoken), _what_about(spoken), *_who_starts(turns)]
    significant = [p for p in found if p is not None and p["confidence"] > MIN_PATTERN_CONFIDENCE]
    return sorted(significant, key=lambda p: -p["confidence"])


def _when(spoken: Sequence[LoggedTurn], days: float) -> list[dict]:
    parts = Counter(part_of_day(t.at.hour) for t in spoken)
    part, n = parts.most_common(1)[0]
    share = n / len(spoken)
    out = [_pattern("temporal_patterns", f"mostly in the {part}", share, len(spoken) / days, part_of_day=part,
                    share=round(share, 3), by_part=dict(parts))]
    weekend = sum(1 for t in spoken if t.at.weekday() >= 5) / len(spoken)
    if weekend >= 0.6 or weekend <= 0.1:  # expected ~2/7 = 0.29 if days did not matter
        label = "mostly at weekends" if weekend >= 0.6 else "on weekdays"
        out.append(_pattern("temporal_patterns", label, max(weekend, 1 - weekend), len(spoken) / days,
                            weekend_share=round(weekend, 3)))
    return out


def _how_long(turns: Sequence[LoggedTurn], spoken: Sequence[LoggedTurn]) -> list[dict]:
    out = []
    sessions = [[t for t in s if not t.is_proactive and t.user_message] for s in _sessions(turns)]
    sessions = [s for s in sessions if s]
    lengths = [len(s) for s in sessions]
    minutes = [(s[-1].at - s[0].at).total_seconds() / 60 for s in sessions]
    median_len, median_minutes = statistics.median(lengths), statistics.median(minutes)
    if median_len <= 3:
        share = sum(1 for n in lengths if n <= 3) / len(lengths)
        out.append(_pattern("length_preferences", "short conversations", share, median_len,
                            messages_per_conversation=median_len, minutes=round(median_minutes, 1)))
    elif median_len >= 8:
        share = sum(1 for n in lengths if n >= 8) / len(lengths)
        out.append(_pattern("length_preferences", "long conversations", share, median_len,
                            messages_per_conversation=median_len, minutes=round(median_minutes, 1)))
    words = [_words(t.user_message) for t in spoken]
    median_words = statistics.median(words)
    if median_words <= 6:
        out.append(_pattern("length_preferences", "short messages", sum(w <= 6 for w in words) / len(words),
                            median_words, words_per_message=median_words))
    elif median_words >= 25:
        out.append(_pattern("length_preferences", "long messages", sum(w >= 25 for w in words) / len(words),
                            median_words, words_per_message=median_words))
    return out


def _topic_days(spoken: Sequence[LoggedTurn]) -> dict[str, set]:
    days: dict[str, set] = defaultdict(set)
    for t in spoken:
        for word in topic_words(t.user_message):
            days[word].add(t.at.date())
    return days


def recurring_topics(spoken: Sequence[LoggedTurn], limit: int = 3) -> list[tuple[str, int]]:
    """Words said on TOPIC_MIN_DAYS+ different days, most days first: (word, days)."""
    counted = sorted(((len(d), w) for w, d in _topic_days(spoken).items() if len(d) >= TOPIC_MIN_DAYS),
                     key=lambda x: (-x[0], x[1]))
    return [(w, n) for n, w in counted[:limit]]


def _what_about(spoken: Sequence[LoggedTurn]) -> dict | None:
    topics = recurring_topics(spoken)
    if not topics:
        return None
    active_days = len({t.at.date() for t in spoken})
    confidence = topics[0][1] / active_days if active_days else 0.0
    return _pattern("topic_cycling", "keeps coming back to " + _listed([w for w, _ in topics]), confidence,
                    topics[0][1], topics={w: n for w, n in topics})


def _who_starts(turns: Sequence[LoggedTurn]) -> list[dict]:
    sessions = _sessions(turns)
    if len(sessions) < 3:
        return []
    by_user = sum(1 for s in sessions if not s[0].is_proactive)
    ratio = by_user / len(sessions)
    out = []
    if ratio >= 0.6:
        out.append(_pattern("initiation_patterns", "the user starts our conversations", ratio, by_user,
                            user_initiation_ratio=round(ratio, 3)))
    elif ratio <= 0.4:
        out.append(_pattern("initiation_patterns", "the companion starts our conversations", 1 - ratio,
                            len(sessions) - by_user, user_initiation_ratio=round(ratio, 3)))
    opened = [s for s in sessions if s[0].is_proactive]
    if len(opened) >= 2:
        answered = [s for s in opened if any(not t.is_proactive and t.user_message for t in s[1:])]
        delays = [(next(t for t in s[1:] if not t.is_proactive).at - s[0].at).total_seconds() / 60 for s in answered]
        rate = len(answered) / len(opened)
        out.append(_pattern("response_timing", "answers when the companion writes first" if rate >= 0.5
                            else "seldom answers when the companion writes first", max(rate, 1 - rate),
                            len(opened), response_rate=round(rate, 3),
                            median_minutes_to_answer=round(statistics.median(delays), 1) if delays else None))
    return out


# --- behaviour changes --------------------------------------------------------------------------------


def behaviour_changes(turns: Sequence[LoggedTurn], now: datetime) -> dict:
    """This week against the week before (rule-based): quantitative metrics and the changes that
    pass their thresholds, each with a confidence."""
    spoken = [t for t in turns if not t.is_proactive and t.user_message]
    week = now - timedelta(days=7)
    this = [t for t in spoken if t.at > week]
    last = [t for t in spoken if week - timedelta(days=7) < t.at <= week]
    metrics = {"this_week": _week_metrics(this), "last_week": _week_metrics(last)}
    if len(this) < MIN_INTERACTIONS_FOR_CHANGES:
        return {"status": "insufficient_data", "interaction_count": len(this), "detected_changes": [],
                "change_confidence": 0.0, "quantitative_metrics": metrics}
    changes = []
    if last:
        changes += _ratio_change("interaction_frequency_patterns", len(this), len(last),
                                 "writes more often than the week before", "writes less often than the week before")
        changes += _ratio_change("response_length_changes", metrics["this_week"]["median_words"],
                                 metrics["last_week"]["median_words"], "longer messages", "shorter messages")
        before, after = metrics["last_week"]["main_part_of_day"], metrics["this_week"]["main_part_of_day"]
        if before != after and len(last) >= MIN_INTERACTIONS_FOR_CHANGES:
            changes.append({"kind": "interaction_frequency_patterns", "description": f"now writes mostly in the {after}, "
                            f"not the {before}", "confidence": 0.65, "before": before, "after": after})
        p_before, p_after = metrics["last_week"]["mean_pleasure"], metrics["this_week"]["mean_pleasure"]
        if p_before is not None and p_after is not None and abs(p_after - p_before) >= MOOD_SHIFT:
            brighter = p_after > p_before
            changes.append({"kind": "emotional_pattern_shifts",
                            "description": "conversations leave me brighter" if brighter else "conversations leave me lower",
                            "confidence": round(min(1.0, 0.5 + abs(p_after - p_before)), 3),
                            "before": round(p_before, 3), "after": round(p_after, 3)})
        new = sorted(set(w for w, _ in recurring_topics(this, 3)) - set(_topic_days(last)))
        if new:
            changes.append({"kind": "interest_topic_evolution", "description": "new topics: " + _listed(new),
                            "confidence": 0.7, "after": new})
    confidence = max((c["confidence"] for c in changes), default=0.0)
    return {"status": "analysed", "interaction_count": len(this), "detected_changes": changes,
            "change_confidence": round(confidence, 3), "quantitative_metrics": metrics,
            "communication_evolution": "; ".join(c["description"] for c in changes) or "steady"}


def _week_metrics(turns: Sequence[LoggedTurn]) -> dict:
    pleasures = [t.pleasure_after for t in turns if t.pleasure_after is not None]
    parts = Counter(part_of_day(t.at.hour) for t in turns)
    return {
        "messages": len(turns),
        "active_days": len({t.at.date() for t in turns}),
        "median_words": statistics.median([_words(t.user_message) for t in turns]) if turns else 0,
        "main_part_of_day": parts.most_common(1)[0][0] if parts else None,
        "mean_pleasure": round(statistics.fmean(pleasures), 4) if pleasures else None,
    }


def _ratio_change(kind: str, now_value: float, before: float, up: str, down: str) -> list[dict]:
    """A change when ``now_value`` is CHANGE_RATIO times ``before`` or more (or less by as much)."""
    if not before or not now_value:
        return []
    ratio = now_value / before
    if 1 / CHANGE_RATIO < ratio < CHANGE_RATIO:
        return []
    return [{"kind": kind, "description": up if ratio > 1 else down,
             "confidence": round(min(1.0, 0.5 + abs(ratio - 1) / 4), 3), "before": before, "after": now_value}]


# --- emotional cycles -----------------------------------------------------------------------------------


def emotional_cycles(history: Sequence[MoodPoint], tz: tzinfo) -> dict:
    """Daily and weekly cycles of the companion's mood (pleasure) in the user's zone ``tz``."""
    local = [(p.at.astimezone(tz), p.pad.pleasure) for p in history]
    daily = _cycle(local, lambda at: part_of_day(at.hour))
    weekly = _cycle(local, lambda at: "weekend" if at.weekday() >= 5 else "weekday")
    return {"daily": daily, "weekly": weekly}


def _cycle(points, bucket_of) -> dict:
    buckets: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    for at, pleasure in points:
        buckets[bucket_of(at)].append((at, pleasure))
    means = {b: statistics.fmean(v for _, v in pts) for b, pts in buckets.items()
             if len(pts) >= CYCLE_MIN_POINTS and len({at.date() for at, _ in pts}) >= 2}
    if len(means) < 2:
        return {"detected": False, "means": {b: round(m, 3) for b, m in means.items()}}
    peak, trough = max(means, key=means.get), min(means, key=means.get)
    amplitude = means[peak] - means[trough]
    return {"detected": amplitude >= CYCLE_MIN_AMPLITUDE, "amplitude": round(amplitude, 3), "peak": peak,
            "trough": trough, "means": {b: round(m, 3) for b, m in means.items()}}


# --- insights -------------------------------------------------------------------------------------------


def user_insights(patterns: Sequence[dict], behaviour: dict, cycles: dict, pleasure_slope: float | None) -> list[dict]:
    """What the companion has noticed, as short first-person sentences (strongest first)."""
    out: list[tuple[float, str, str]] = []
    for p in patterns:
        text = _pattern_sentence(p)
        if text:
            out.append((p["confidence"], p["pattern_type"], text))
    for c in behaviour.get("detected_changes", []):
        out.append((c["confidence"], c["kind"], _change_sentence(c)))
    for span, cycle in (("daily", cycles.get("daily", {})), ("weekly", cycles.get("weekly", {}))):
        if cycle.get("detected"):
            where = {"weekend": "at weekends", "weekday": "on weekdays", "night": "late at night"}.get(
                cycle["peak"], f"in the {cycle['peak']}s")
            out.append((min(1.0, 0.5 + cycle["amplitude"]), f"{span}_cycle", f"My mood tends to be brightest {where}."))
    if pleasure_slope is not None and abs(pleasure_slope) > FLAT_SLOPE:
        out.append((0.6, "emotional_trend", "My mood has been lifting lately." if pleasure_slope > 0
                    else "My mood has been sinking lately."))
    kinds, insights = set(), []
    for confidence, kind, text in sorted(out, key=lambda x: -x[0]):
        if kind not in kinds:  # one of a kind: five different things noticed, not five ways of one
            kinds.add(kind)
            insights.append({"kind": kind, "text": text, "confidence": round(confidence, 3)})
    return insights[:MAX_INSIGHTS]


def _pattern_sentence(p: dict) -> str | None:
    m, kind = p["metadata"], p["pattern_type"]
    if kind == "temporal_patterns" and "part_of_day" in m:
        return "You usually talk to me late at night." if m["part_of_day"] == "night" \
            else f"You usually talk to me in the {m['part_of_day']}."
    if kind == "temporal_patterns":
        return "You mostly talk to me at weekends." if m["weekend_share"] >= 0.6 else "We mostly talk on weekdays."
    if kind == "length_preferences" and "messages_per_conversation" in m:
        n = m["messages_per_conversation"]
        return (f"Our chats are short: about {n:g} messages." if p["description"].startswith("short")
                else f"We have long conversations: about {n:g} messages.")
    if kind == "length_preferences":
        return "You write in short messages." if p["description"].startswith("short") else "You write long, thoughtful messages."
    if kind == "topic_cycling":
        return f"You often bring up {_listed(list(m['topics']))}."
    if kind == "initiation_patterns":
        return "You almost always start our conversations." if p["description"].startswith("the user") \
            else "I'm usually the one who starts our conversations."
    if kind == "response_timing":
        if m["response_rate"] >= 0.5:
            minutes = m.get("median_minutes_to_answer")
            return "You answer when I write first" + (f", usually within {_duration(minutes)}." if minutes is not None else ".")
        return "You seldom answer when I write first."
    return None


def _change_sentence(c: dict) -> str:
    kind = c["kind"]
    if kind == "interaction_frequency_patterns" and c["description"].startswith("writes"):
        return ("You've been writing more this week than last." if c["after"] > c["before"]
                else "You've been writing less this week than last.")
    if kind == "interaction_frequency_patterns":
        return f"This week you've been writing in the {c['after']} rather than the {c['before']}."
    if kind == "response_length_changes":
        return ("Your messages have grown longer this week." if c["after"] > c["before"]
                else "Your messages have been shorter this week.")
    if kind == "emotional_pattern_shifts":
        return ("Our conversations have been leaving me brighter this week." if c["after"] > c["before"]
                else "Our conversations have been leaving me lower this week.")
    if kind == "interest_topic_evolution":
        return f"Something new this week: {_listed(c['after'])}."
    return c["description"][:1].upper() + c["description"][1:].rstrip(".") + "."


def _listed(words: Sequence[str]) -> str:
    words = list(words)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _duration(minutes: float) -> str:
    if minutes < 60:
        return f"{max(1, round(minutes))} minutes"
    hours = minutes / 60
    return f"{round(hours)} hours" if hours >= 1.5 else "an hour"


# --- system insights ------------------------------------------------------------------------------------


def system_insights(rows: Sequence[dict]) -> dict:
    """What a night of reflections says about the whole fleet, from each user's stored insights
    (``rows``: their ``insights`` and ``behaviour`` JSON and ``analyst``)."""
    users = len(rows)
    kinds = Counter(i["kind"] for r in rows for i in (r.get("insights") or []))
    changes = Counter(c["kind"] for r in rows for c in ((r.get("behaviour") or {}).get("detected_changes") or []))
    analysts = Counter(r.get("analyst") or "rules" for r in rows)
    parts = Counter(p["metadata"]["part_of_day"] for r in rows for p in (r.get("conversation_patterns") or [])
                    if p.get("pattern_type") == "temporal_patterns" and "part_of_day" in p.get("metadata", {}))
    return {
        "users_reflected": users,
        "users_with_insights": sum(1 for r in rows if r.get("insights")),
        "insight_kinds": dict(kinds.most_common()),
        "behaviour_changes": dict(changes.most_common()),
        "favourite_part_of_day": dict(parts.most_common()),
        "analysts": dict(analysts),
    }
