"""Proactive outreach: the seed's scoring (proactive_manager.py), its limits and consent rules.

Pure functions, time passed in. The seed gives two versions of the need-urgency and timing
formulas (the "exact calculations" summary and the ProactiveManager class); the class is the
implementation the rest of the seed calls, so it is the one used here:

- need urgency: for each need at or above its trigger threshold,
  ``urgency = (level - threshold) / (1 - threshold)`` weighted by the need type
  (social 0.35, validation 0.25, intellectual 0.20, creative 0.15, rest 0.05; others 0.1) and the
  need's proactive weight, summed and capped at 1;
- timing: ``hour_score * 0.7 + day_score * 0.3`` from the user's hourly and weekly activity
  histograms (max-normalised; 0.5 where there is no history), in the user's time zone, times
  ``1 - penalty`` for the time since the user was last active (under 4 h: up to 50 %; over 72 h:
  up to 80 %);
- personality factor: ``1 + sum((trait - 0.5) * weight)`` times the PAD influence
  ``(0.8 + 0.3 p) * (1 - 0.2 |a|) * (0.9 + 0.2 d)``, bounded to [0.3, 1.7];
- interaction pattern: ``response_rate * 0.4 + engagement * 0.3 + time_gap * 0.2 + balance * 0.1``,
  clamped to [0, 1] (0.5 for a user with no interactions in the last 7 days);
- ``base = need * 0.4 + timing * 0.25 + pattern * 0.35``; ``final = base * personality *
  (1 - recent_penalty)``, clamped to [0, 1]; initiate at ``final >= 0.6``.

Two functions the seed names but does not define are defined here and documented:
``recent_conversation_penalty`` takes the seed's own rule from ``_predict_receptivity_score``
(within 12 h of the last proactive message, the score scales by hours/12) and
``primary_trigger`` is the component contributing most to the base score.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .needs import Need

BASE_THRESHOLD = 0.6
MAX_PROACTIVE_PER_DAY = 3
MIN_HOURS_BETWEEN = 4.0
UNANSWERED_COOLDOWN_HOURS = 24.0  # the seed's "recently declined" window: the minimum
UNANSWERED_BACKOFF_HOURS = 48.0  # what is applied: 48 h, then 96 h, then a pause
# After this many proactive messages in a row go unanswered, outreach pauses until the user
# writes again (a companion that keeps knocking on a closed door is the thing to avoid).
MAX_UNANSWERED_IN_A_ROW = 3
# The sweep only considers users who have been away at least this long: the companion reaches out
# because it misses someone, never in the middle of a conversation.
MIN_HOURS_AWAY = 4.0
DEFAULT_QUIET_HOURS = (23, 7)
HISTORY_DAYS = 30  # the timing histograms' window (the seed's get_user_interactions(days=30))
PATTERN_DAYS = 7  # the interaction-pattern window (get_recent_interaction_stats(days=7))

PERSONALITY_WEIGHTS = {
    "extraversion": 0.3,
    "openness": 0.2,
    "agreeableness": 0.1,
    "conscientiousness": -0.1,
    "neuroticism": 0.15,
}
NEED_WEIGHTS = {
    "social": 0.35,
    "validation": 0.25,
    "intellectual": 0.20,
    "creative": 0.15,
    "rest": 0.05,
}
OTHER_NEED_WEIGHT = 0.1
COMPONENT_WEIGHTS = {"need": 0.4, "timing": 0.25, "pattern": 0.35}
TRIGGERS = {"need": "need_urgency", "timing": "timing_optimal", "pattern": "interaction_pattern"}


# --- components ----------------------------------------------------------------------------------


def need_urgency_score(needs: Iterable[Need]) -> float:
    total = 0.0
    for need in needs:
        if need.current_level >= need.trigger_threshold:
            max_excess = 1.0 - need.trigger_threshold
            urgency = (need.current_level - need.trigger_threshold) / max_excess if max_excess > 0 else 1.0
            total += urgency * NEED_WEIGHTS.get(need.need_type, OTHER_NEED_WEIGHT) * need.proactive_weight
    return min(1.0, total)


def normalised_histogram(counts: Mapping[int, int], size: int) -> dict[int, float] | None:
    """Counts per bucket -> scores with the busiest bucket at 1.0; None without any activity
    (the seed then uses 0.5 for every bucket)."""
    top = max(counts.values(), default=0)
    if top <= 0:
        return None
    return {b: counts.get(b, 0) / top for b in range(size)}


def time_since_activity_penalty(hours_since_activity: float | None) -> float:
    """The seed's penalty: under 4 h up to 50 %, 4–72 h none, beyond 72 h up to 80 %."""
    if hours_since_activity is None:
        return 0.0
    if hours_since_activity < 4:
        return (4 - hours_since_activity) / 4 * 0.5
    if hours_since_activity > 72:
        return min(0.8, (hours_since_activity - 72) / 168 * 0.5)
    return 0.0


def timing_score(
    local_hour: int,
    local_weekday: int,
    hourly: Mapping[int, int],
    weekly: Mapping[int, int],
    hours_since_activity: float | None,
) -> tuple[float, dict[str, float]]:
    """(score, parts). ``hourly``/``weekly``: the user's message counts per local hour (0-23) and
    local weekday (0 = Monday) over the last 30 days."""
    hours = normalised_histogram(hourly, 24)
    days = normalised_histogram(weekly, 7)
    hour_score = hours[local_hour] if hours else 0.5
    day_score = days[local_weekday] if days else 0.5
    base = hour_score * 0.7 + day_score * 0.3
    penalty = time_since_activity_penalty(hours_since_activity)
    score = max(0.0, min(1.0, base * (1 - penalty)))
    return score, {"hour_score": hour_score, "day_score": day_score, "activity_penalty": penalty}


def pad_proactive_influence(pleasure: float, arousal: float, dominance: float) -> float:
    pleasure_factor = 0.8 + pleasure * 0.3  # 0.5 to 1.1
    arousal_factor = 1.0 - abs(arousal) * 0.2  # peak at a = 0
    dominance_factor = 0.9 + dominance * 0.2  # 0.7 to 1.1
    return pleasure_factor * arousal_factor * dominance_factor


def personality_factor(traits: Mapping[str, float] | None, pad: tuple[float, float, float] | None) -> float:
    """1.0 (neutral) without personality data, else bounded to [0.3, 1.7]."""
    if traits is None or pad is None:
        return 1.0
    modifier = 1.0
    for trait, value in traits.items():
        modifier += (value - 0.5) * PERSONALITY_WEIGHTS.get(trait, 0.0)
    modifier *= pad_proactive_influence(*pad)
    return max(0.3, min(1.7, modifier))


def time_gap_score(hours_since_last: float) -> float:
    """Optimal gap 12-48 h; scaled down when more recent; up to 1.2 after a week."""
    if 12 <= hours_since_last <= 48:
        return 1.0
    if hours_since_last < 12:
        return hours_since_last / 12
    return min(1.2, 1.0 + ((hours_since_last - 48) / 120) * 0.2)


@dataclass(frozen=True)
class PatternStats:
    """The seed's get_recent_interaction_stats(days=7)."""

    proactive_response_rate: float = 0.5  # replies / proactive messages sent (0.5 when none sent)
    avg_conversation_length: float = 3.0  # messages per conversation
    hours_since_last_interaction: float = 24.0
    user_initiation_ratio: float = 0.5  # conversations the user started / all conversations


def interaction_pattern_score(stats: PatternStats | None) -> tuple[float, dict[str, float]]:
    if stats is None:
        return 0.5, {}
    engagement = min(1.0, stats.avg_conversation_length / 10)
    gap = time_gap_score(stats.hours_since_last_interaction)
    balance = 1.5 - stats.user_initiation_ratio
    score = (stats.proactive_response_rate * 0.4 + engagement * 0.3 + gap * 0.2 + balance * 0.1) / 1.0
    parts = {"response_rate": stats.proactive_response_rate, "engagement": engagement,
             "time_gap": gap, "balance": balance}
    return max(0.0, min(1.0, score)), parts


def recent_conversation_penalty(hours_since_last_proactive: float | None) -> float:
    """Within 12 h of the last proactive message the score scales by hours/12 (the seed's
    receptivity rule), i.e. a penalty of 1 - hours/12."""
    if hours_since_last_proactive is None or hours_since_last_proactive >= 12:
        return 0.0
    return max(0.0, 1.0 - hours_since_last_proactive / 12)


def primary_trigger(need: float, timing: float, pattern: float) -> str:
    contributions = {
        "need": need * COMPONENT_WEIGHTS["need"],
        "timing": timing * COMPONENT_WEIGHTS["timing"],
        "pattern": pattern * COMPONENT_WEIGHTS["pattern"],
    }
    return TRIGGERS[max(contributions, key=contributions.get)]


@dataclass(frozen=True)
class ProactiveScore:
    total_score: float
    need_score: float
    timing_score: float
    personality_factor: float
    interaction_score: float
    recent_penalty: float
    trigger_reason: str
    threshold: float = BASE_THRESHOLD
    components: dict = field(default_factory=dict)
    # When to look again if this is a "not now": the seed's optimal conversation time, and how
    # long until the next need turns urgent (also in ``components``, as stored).
    next_optimal_at: datetime | None = None
    hours_until_need_due: float | None = None

    @property
    def should_initiate(self) -> bool:
        return self.total_score >= self.threshold

    def as_dict(self) -> dict:
        return asdict(self)


def combine(need: float, timing: float, personality: float, pattern: float, recent_penalty: float,
            *, threshold: float = BASE_THRESHOLD, components: dict | None = None) -> ProactiveScore:
    base = need * 0.4 + timing * 0.25 + pattern * 0.35
    final = max(0.0, min(1.0, base * personality * (1 - recent_penalty)))
    return ProactiveScore(
        total_score=final, need_score=need, timing_score=timing, personality_factor=personality,
        interaction_score=pattern, recent_penalty=recent_penalty,
        trigger_reason=primary_trigger(need, timing, pattern), threshold=threshold,
        components=dict(components or {}, base_score=base),
    )


# --- when to look again: the seed's optimal conversation time ---------------------------------------

OPTIMAL_LOOKAHEAD_HOURS = 48
OPTIMAL_MIN_SCORE = 0.7
OPTIMAL_MIN_MESSAGES = 10  # the seed's "need sufficient data"


def predict_receptivity(local: datetime, hourly: Mapping[int, int], weekly: Mapping[int, int],
                        hours_since_last_proactive: float | None) -> float:
    """The seed's _predict_receptivity_score at a local time: the activity histograms (0.5 per
    bucket without history), x0.2 in sleep hours (23:00-07:59), x1.2 on weekend afternoons
    (12-18), x0.8 in weekday work hours (9-17), x hours/12 within 12 h of the last proactive
    message; clamped to [0, 1]."""
    hours, days = normalised_histogram(hourly, 24), normalised_histogram(weekly, 7)
    hour, day = local.hour, local.weekday()
    score = (hours[hour] if hours else 0.5) * 0.7 + (days[day] if days else 0.5) * 0.3
    if hour >= 23 or hour <= 7:
        score *= 0.2
    if day in (5, 6) and 12 <= hour <= 18:
        score *= 1.2
    if day < 5 and 9 <= hour <= 17:
        score *= 0.8
    if hours_since_last_proactive is not None and hours_since_last_proactive < 12:
        score *= max(0.0, hours_since_last_proactive) / 12
    return max(0.0, min(1.0, score))


def optimal_conversation_time(now: datetime, zone_name: str | None, hourly: Mapping[int, int],
                              weekly: Mapping[int, int], last_proactive: datetime | None) -> datetime | None:
    """The seed's get_optimal_conversation_time: of the next 48 whole hours ahead, the first with
    the best predicted receptivity above 0.7; None with fewer than 10 messages of history or when
    no hour is good enough. ``hourly``/``weekly``: the user's message counts per local hour/weekday."""
    if sum(hourly.values()) < OPTIMAL_MIN_MESSAGES:
        return None
    tz = zone(zone_name)
    best_score, best_time = 0.0, None
    for hours_ahead in range(1, OPTIMAL_LOOKAHEAD_HOURS + 1):
        at = now + timedelta(hours=hours_ahead)
        since = (at - last_proactive).total_seconds() / 3600 if last_proactive else None
        predicted = predict_receptivity(at.astimezone(tz), hourly, weekly, since)
        if predicted > best_score and predicted > OPTIMAL_MIN_SCORE:
            best_score, best_time = predicted, at
    return best_time


def recheck_after_decline(now: datetime, optimal: datetime | None, hours_until_need_due: float | None,
                          *, floor: timedelta, fallback: timedelta) -> datetime:
    """When the sweep should score a user again after deciding not to write. The seed checks
    everyone every 5 minutes; here the user waits for their next optimal conversation time (the
    moment the timing component peaks), or ``fallback`` when their history predicts none, but
    never past the moment a need turns urgent (the need component jumps then), and never less
    than ``floor``."""
    at = optimal or now + fallback
    if hours_until_need_due is not None and hours_until_need_due > 0:
        at = min(at, now + timedelta(hours=hours_until_need_due))
    return max(at, now + floor)


# --- time zones and quiet hours ------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The user's zone; UTC for an unknown or empty name."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
        return "/" in name or name == "UTC"
    except (ZoneInfoNotFoundError, ValueError):
        return False


def in_quiet_hours(local_hour: int, start: int, end: int) -> bool:
    """Quiet from ``start``:00 to ``end``:00 local (wrapping midnight when start > end)."""
    if start == end:
        return False
    if start < end:
        return start <= local_hour < end
    return local_hour >= start or local_hour < end


# Most people sleep somewhere in 01:00-07:00 local; the zone whose night holds the least of the
# user's activity is the likeliest one. Needs enough messages to mean anything.
SLEEP_HOURS = range(1, 7)
MIN_MESSAGES_TO_INFER_ZONE = 12


def infer_utc_offset(utc_hour_counts: Mapping[int, int]) -> int | None:
    """The whole-hour UTC offset (-12..+14) under which the fewest of the user's messages fall in
    01:00-07:00 local time; ties go to the offset whose busiest hours sit in the evening, then to
    the smallest |offset|. None with fewer than MIN_MESSAGES_TO_INFER_ZONE messages."""
    total = sum(utc_hour_counts.values())
    if total < MIN_MESSAGES_TO_INFER_ZONE:
        return None

    def night_share(offset: int) -> int:
        return sum(c for h, c in utc_hour_counts.items() if (h + offset) % 24 in SLEEP_HOURS)

    def evening_share(offset: int) -> int:
        return sum(c for h, c in utc_hour_counts.items() if 17 <= (h + offset) % 24 <= 22)

    return min(range(-12, 15), key=lambda o: (night_share(o), -evening_share(o), abs(o)))


def offset_zone_name(offset_hours: int) -> str:
    """IANA's fixed-offset zones have inverted signs: UTC+2 is Etc/GMT-2."""
    if offset_hours == 0:
        return "UTC"
    return f"Etc/GMT{-offset_hours:+d}"


# --- limits and consent --------------------------------------------------------------------------


@dataclass(frozen=True)
class OutreachState:
    """What the limits need to know about one user, read in one go."""

    enabled: bool
    suspended: bool
    timezone: str
    quiet_start: int
    quiet_end: int
    last_active: datetime | None
    sent_times: Sequence[datetime] = ()  # proactive messages sent in the last 48 h, newest first
    last_sent: datetime | None = None
    last_sent_answered: bool = True
    unanswered_in_a_row: int = 0


def unanswered_cooldown_hours(unanswered_in_a_row: int) -> float:
    """The seed forbids a proactive message within 24 h of an unanswered one. A person who did
    not answer is busy or not in the mood, so the wait here is longer and grows: 48 h after one
    unanswered message, 96 h after two in a row; a third pauses outreach until the user writes
    (MAX_UNANSWERED_IN_A_ROW)."""
    return max(UNANSWERED_COOLDOWN_HOURS, UNANSWERED_BACKOFF_HOURS * 2 ** max(0, unanswered_in_a_row - 1))


@dataclass(frozen=True)
class Block:
    reason: str
    until: datetime | None = None  # when the limit lifts (None: when the user acts)


# The limits that are the person's own choice or an operator's sanction: nobody overrides them.
# An operator's forced message (POST /chat/proactive/{user_id} with force) may override the
# others (quiet hours, spacing, the daily cap, back-off after silence, recent activity) and the
# score threshold: those are the companion's judgement of a good moment, not the user's consent.
CONSENT_LIMITS = frozenset({"opted_out", "suspended"})


def blocking_limit(state: OutreachState, now: datetime, *, max_per_day: int = MAX_PROACTIVE_PER_DAY) -> Block | None:
    """The first limit that forbids a proactive message now, or None. The CONSENT_LIMITS are
    checked first, so a limit outside them means the user has consented."""
    if not state.enabled:
        return Block("opted_out")
    if state.suspended:
        return Block("suspended")
    tz = zone(state.timezone)
    local = now.astimezone(tz)
    if in_quiet_hours(local.hour, state.quiet_start, state.quiet_end):
        end = local.replace(hour=state.quiet_end, minute=0, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return Block("quiet_hours", end.astimezone(timezone.utc))
    if state.last_active is not None:
        away = (now - state.last_active).total_seconds() / 3600
        if away < MIN_HOURS_AWAY:
            return Block("recently_active", state.last_active + timedelta(hours=MIN_HOURS_AWAY))
    if state.unanswered_in_a_row >= MAX_UNANSWERED_IN_A_ROW:
        return Block("unanswered_streak")
    if state.last_sent is not None:
        since = (now - state.last_sent).total_seconds() / 3600
        if since < MIN_HOURS_BETWEEN:
            return Block("min_spacing", state.last_sent + timedelta(hours=MIN_HOURS_BETWEEN))
        if not state.last_sent_answered:
            cooldown = unanswered_cooldown_hours(state.unanswered_in_a_row)
            if since < cooldown:
                return Block("unanswered_cooldown", state.last_sent + timedelta(hours=cooldown))
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    today = [t for t in state.sent_times if t.astimezone(tz) >= day_start]
    if len(today) >= max_per_day:
        tomorrow = (day_start + timedelta(days=1)).astimezone(timezone.utc)
        return Block("daily_cap", tomorrow)
    return None
