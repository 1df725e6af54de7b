"""Quirks: habits the companion picks up from its conversations, and the seed's lifecycle.

Detection (heuristic; an LLM detector behind the fast-model port does the same job, see
adapters/quirk_detector.py) looks at recent exchanges for patterns in the user's messages and in
the companion's own replies: emoji use, message length, greetings, recurring topics, time of day,
follow-up questions.

A pattern's ``confidence`` is how consistently it has held since it was first seen in the window:
k / (n + 1), with k the exchanges showing it and n the exchanges since its first appearance (one
phantom counter-example, so three in a row gives 0.75 and passes the seed's 0.7, while two in a row
or three out of five do not). A recurring topic counts mentions instead: k / (k + 1). Time of day
counts distinct days, not messages: three messages in one late session do not make a night owl.
Habits form one at a time: a turn lets at most one new quirk emerge (the most confident; on a tie,
one mirrored from the user before one of the companion's own).

Lifecycle, where the seed gives two versions (the "Precise Algorithmic Specifications" rules and
reflection.py's update_quirk_strengths) we follow the precise rules, which the seed labels EXACT:
  * emergence: a pattern seen >= 3 times with confidence > 0.7 becomes a quirk of strength 0.1
    (a deactivated quirk re-emerges the same way);
  * observation: each exchange showing an active quirk's pattern records it (last_reinforced,
    counts); strength changes only nightly;
  * nightly reinforcement: observed within the last day -> strength + 0.05 (at most 1.0);
  * nightly decay: unobserved for 7+ days -> strength - 0.1; below 0.05 the quirk is deactivated;
  * contradiction (the seed's 002_personhood rule "when patterns contradict quirks: strength -=
    0.1"): a habit the user dropped fades faster. A quirk unobserved for 2+ days (so not
    reinforced) whose user has kept talking shows the opposite: since it was last seen, 5+
    exchanges, the latest within the last day, none showing it (a habit with no opposite:
    emoji, long or short messages, greetings, follow-up questions); or, for the time of day, the
    other end of it (night owl / early bird) on 3+ days and never its own. It loses 0.1 that
    night, as if a week had passed. Recurring topics are never contradicted (talking about
    other things does not take back a favourite subject), nor are quirks the heuristic cannot
    check (names only the fast model uses), which decay by the 7-day rule alone.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterable, Sequence

EMERGENCE_MIN_OCCURRENCES = 3
EMERGENCE_MIN_CONFIDENCE = 0.7
INITIAL_STRENGTH = 0.1
REINFORCEMENT = 0.05  # the seed's QUIRK_REINFORCEMENT_RATE
DECAY = 0.1
CONTRADICTION_DECAY = 0.1  # the seed's "when patterns contradict quirks: strength -= 0.1"
CONTRADICTED_AFTER_EXCHANGES = 5
CONTRADICTED_AFTER_DAYS = 3  # time-of-day quirks: days showing the other end
DECAY_AFTER_DAYS = 7
REINFORCED_WITHIN_DAYS = 1
DEACTIVATION_THRESHOLD = 0.05
MAX_EXAMPLES = 5  # the seed's Quirk.examples max_items
CATEGORIES = ("speech_pattern", "behavior", "preference")


@dataclass(frozen=True)
class Exchange:
    """One exchange as a detector sees it."""

    user_message: str
    companion_reply: str
    at: datetime


@dataclass(frozen=True)
class Pattern:
    name: str
    category: str
    description: str
    occurrences: int
    confidence: float
    last_seen: datetime | None = None
    examples: tuple[str, ...] = ()

    @property
    def can_emerge(self) -> bool:
        return self.occurrences >= EMERGENCE_MIN_OCCURRENCES and self.confidence > EMERGENCE_MIN_CONFIDENCE


@dataclass(frozen=True)
class Quirk:
    name: str
    category: str
    description: str
    strength: float
    confidence: float
    first_observed: datetime
    last_reinforced: datetime
    observation_count: int = 1
    reinforcement_count: int = 0
    is_active: bool = True
    examples: tuple[str, ...] = field(default_factory=tuple)


# --- the heuristic detector ------------------------------------------------------------------------

_EMOJI = re.compile(
    "[\U0001F300-\U0001FAFF\U00002600-\U000027BF\U0001F000-\U0001F2FF]|(?:^|\\s)(?::\\)|:-\\)|:D|;\\)|<3|:P)(?=\\s|$)"
)
_GREETING = re.compile(r"^\s*(hi|hey|hello|hiya|heya|yo|howdy|good (morning|afternoon|evening)|morning)\b", re.I)
_WORD = re.compile(r"[a-z][a-z']+")
STOPWORDS = frozenset("""
about after again also always another anything around because been before being better could
didn't does doesn't doing done don't each even ever every feel feeling from going gonna good got
great have having here it's i'm i've i'll just know like little long look made make many maybe
more most much need never next nice night only other really right said same should some something
still such sure take tell than thank thanks that that's their them then there these they thing
things think this those though time today told tomorrow very want was well were what when where
which while will with would yeah year years yesterday you're your you've hello morning okay
pretty back first last into over down week day days lot lots kind sort people let's
the and for but not all can was had has his her she him our out its one two too any how who why
yes now new see say way lol omg are did get got ate put let off own use end try ask big bit
man guy day yet ago hey hiya heya you him they them what went saw
""".split())
SHORT_WORDS, LONG_WORDS = 6, 40
NIGHT_HOURS = frozenset({22, 23, 0, 1, 2, 3, 4})
MORNING_HOURS = frozenset({5, 6, 7, 8, 9})

# name -> (category, description): the catalog the heuristic detector knows.
CATALOG = {
    "uses_emoji_frequently": ("speech_pattern", "Sprinkles emoji through its messages, like you do"),
    "prefers_short_responses": ("preference", "Keeps its replies short and to the point, as you write"),
    "writes_at_length": ("preference", "Gives long, detailed answers, matching your long messages"),
    "greets_warmly": ("behavior", "Opens with a warm greeting, the way you always say hi"),
    "night_owl": ("behavior", "Comes alive in late-night conversations"),
    "early_bird": ("behavior", "Is at its brightest in morning chats"),
    "asks_follow_up_questions": ("speech_pattern", "Can't help asking a follow-up question"),
}
TOPIC_PREFIX = "brings_up_"
COMPANION_HABITS = frozenset({"asks_follow_up_questions"})  # seen in the companion's replies


def has_emoji(text: str) -> bool:
    return _EMOJI.search(text) is not None


def topic_words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        if word.endswith("s") and len(word) > 3 and not word.endswith(("ss", "us", "is")):
            word = word[:-1]  # dogs -> dog
        if len(word) < 3 or word in STOPWORDS or "'" in word:
            continue
        words.add(word)
    return words


def _consistency(flags: Sequence[bool]) -> tuple[int, float]:
    """(occurrences, confidence since the first occurrence) of a per-exchange flag."""
    if True not in flags:
        return 0, 0.0
    since_first = flags[flags.index(True):]
    k = sum(since_first)
    return k, k / (len(since_first) + 1)


# What each per-exchange habit looks like in one exchange.
CHECKS = {
    "uses_emoji_frequently": lambda e: has_emoji(e.user_message),
    "prefers_short_responses": lambda e: len(e.user_message.split()) <= SHORT_WORDS,
    "writes_at_length": lambda e: len(e.user_message.split()) >= LONG_WORDS,
    "greets_warmly": lambda e: _GREETING.match(e.user_message) is not None,
    "asks_follow_up_questions": lambda e: e.companion_reply.rstrip().endswith("?"),
}
OPPOSITE_HOURS = {"night_owl": (NIGHT_HOURS, MORNING_HOURS), "early_bird": (MORNING_HOURS, NIGHT_HOURS)}


def detect_patterns(exchanges: Sequence[Exchange]) -> list[Pattern]:
    """Patterns in ``exchanges`` (oldest first), each with its occurrences and confidence."""
    if not exchanges:
        return []
    patterns = []
    for name, check in CHECKS.items():
        flags = [bool(check(e)) for e in exchanges]
        k, confidence = _consistency(flags)
        if k:
            last = max(i for i, f in enumerate(flags) if f)
            category, description = CATALOG[name]
            examples = tuple(e.user_message[:200] for e, f in zip(exchanges, flags) if f)[-MAX_EXAMPLES:]
            patterns.append(Pattern(name, category, description, k, round(confidence, 4),
                                    exchanges[last].at, examples))
    patterns.extend(_time_of_day(exchanges))
    patterns.extend(_topics(exchanges))
    return patterns


def _time_of_day(exchanges: Sequence[Exchange]) -> list[Pattern]:
    """Night owl / early bird, counted in days: a day counts when any of its exchanges fits."""
    days: dict = {}
    for e in exchanges:
        days.setdefault(e.at.date(), []).append(e)
    out = []
    for name, hours in (("night_owl", NIGHT_HOURS), ("early_bird", MORNING_HOURS)):
        flags = [any(e.at.hour in hours for e in day) for day in days.values()]
        k, confidence = _consistency(flags)
        if k:
            seen = [e for e in exchanges if e.at.hour in hours]
            category, description = CATALOG[name]
            out.append(Pattern(name, category, description, k, round(confidence, 4), seen[-1].at,
                               tuple(e.user_message[:200] for e in seen)[-MAX_EXAMPLES:]))
    return out


def _topics(exchanges: Sequence[Exchange], limit: int = 2) -> list[Pattern]:
    seen: dict[str, list[int]] = {}
    for i, e in enumerate(exchanges):
        for word in topic_words(e.user_message):
            seen.setdefault(word, []).append(i)
    recurring = sorted(((len(ix), w) for w, ix in seen.items() if len(ix) >= 2), reverse=True)[:limit]
    out = []
    for k, word in recurring:
        indices = seen[word]
        out.append(Pattern(
            f"{TOPIC_PREFIX}{word}", "preference", f"Keeps coming back to {word}, your favourite subject",
            k, round(k / (k + 1), 4), exchanges[indices[-1]].at,
            tuple(exchanges[i].user_message[:200] for i in indices)[-MAX_EXAMPLES:],
        ))
    return out


def observed_now(patterns: Iterable[Pattern], now: datetime) -> list[Pattern]:
    """The patterns the latest exchange (at ``now``) shows."""
    return [p for p in patterns if p.last_seen == now]


# --- the lifecycle -------------------------------------------------------------------------------------


def emerge(pattern: Pattern, now: datetime) -> Quirk | None:
    """A new (or re-emerging) quirk when the pattern qualifies, else None."""
    if not pattern.can_emerge:
        return None
    return Quirk(
        name=pattern.name, category=pattern.category, description=pattern.description,
        strength=INITIAL_STRENGTH, confidence=pattern.confidence, first_observed=now, last_reinforced=now,
        observation_count=pattern.occurrences, reinforcement_count=0, is_active=True,
        examples=pattern.examples[-MAX_EXAMPLES:],
    )


def observe(quirk: Quirk, pattern: Pattern, now: datetime) -> Quirk:
    """An active quirk's pattern showed up again: remember when (strength changes nightly)."""
    examples = (quirk.examples + tuple(x for x in pattern.examples[-1:] if x not in quirk.examples))[-MAX_EXAMPLES:]
    return replace(
        quirk, last_reinforced=max(now, quirk.last_reinforced), observation_count=quirk.observation_count + 1,
        reinforcement_count=quirk.reinforcement_count + 1,
        confidence=max(quirk.confidence, pattern.confidence), examples=examples,
    )


def contradicted(quirk: Quirk, exchanges: Sequence[Exchange], now: datetime) -> bool:
    """The user has dropped this habit while still talking (see the module's lifecycle rules):
    ``exchanges`` are the nightly window's, oldest first, timed in the user's zone."""
    if not quirk.is_active or (now - quirk.last_reinforced).days <= REINFORCED_WITHIN_DAYS:
        return False
    since = [e for e in exchanges if e.at > quirk.last_reinforced]
    if not since or (now - since[-1].at).days >= 1:
        return False  # away (the 7-day rule covers silence), or nothing said since
    if quirk.name in OPPOSITE_HOURS:
        own, other = OPPOSITE_HOURS[quirk.name]
        if any(e.at.hour in own for e in since):
            return False
        return len({e.at.date() for e in since if e.at.hour in other}) >= CONTRADICTED_AFTER_DAYS
    check = CHECKS.get(quirk.name)
    if check is None:
        return False  # a recurring topic, or a habit only the fast model names
    return len(since) >= CONTRADICTED_AFTER_EXCHANGES and not any(check(e) for e in since)


def evolve(quirk: Quirk, now: datetime, *, contradicted: bool = False) -> Quirk:
    """The seed's nightly rules for one active quirk: reinforced when seen within a day, weaker
    when ``contradicted`` (see ``contradicted``) or unseen for 7+ days."""
    if not quirk.is_active:
        return quirk
    days_since_observed = (now - quirk.last_reinforced).days
    if days_since_observed <= REINFORCED_WITHIN_DAYS:
        return replace(quirk, strength=round(min(1.0, quirk.strength + REINFORCEMENT), 6))
    if contradicted or days_since_observed >= DECAY_AFTER_DAYS:
        strength = round(max(0.0, quirk.strength - (CONTRADICTION_DECAY if contradicted else DECAY)), 6)
        return replace(quirk, strength=strength, is_active=strength >= DEACTIVATION_THRESHOLD)
    return quirk


def develop(existing: dict[str, Quirk], patterns: Iterable[Pattern], now: datetime,
            *, only_observed_now: bool, max_new: int | None = None) -> list[Quirk]:
    """Quirks changed by ``patterns``: emerged, re-emerged or observed. ``only_observed_now``
    (per turn) considers just the patterns the latest exchange shows; ``max_new`` caps how many
    quirks may emerge at once (the most confident first)."""
    changed, emerged = [], 0
    # Ties go to what the user does: a companion mirrors its person before its own habits.
    ranked = sorted(patterns, key=lambda p: (-p.confidence, -p.occurrences, p.name in COMPANION_HABITS, p.name))
    for pattern in ranked:
        if only_observed_now and pattern.last_seen != now:
            continue
        quirk = existing.get(pattern.name)
        if quirk is not None and quirk.is_active:
            at = pattern.last_seen or now
            if at > quirk.last_reinforced:  # a sighting not recorded yet
                changed.append(observe(quirk, pattern, at))
        elif max_new is None or emerged < max_new:
            new = emerge(pattern, now)
            if new is not None:
                emerged += 1
                if quirk is not None:  # re-emerging: keep its history
                    new = replace(new, first_observed=quirk.first_observed,
                                  observation_count=quirk.observation_count + pattern.occurrences)
                changed.append(new)
    return changed
