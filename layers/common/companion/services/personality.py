"""Personality that lives: moods that pass, a temperament that drifts, quirks that emerge and
fade, needs that grow, and the /personality card.

Per turn the TurnService asks this service for the companion's state as it is *now* (mood
relaxed since it was last set, needs grown since last updated, active quirks) and tells it about
each exchange (quirk observation and emergence). The schedules call ``grow_all_needs`` (hourly, one
SQL statement over all users) and, per user in their own night, ``evolve`` (the nightly personality
evolution, baseline drift included, that each user's reflection runs).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any, Sequence

from ..domain.insights import emotional_cycles
from ..domain.models import PersonalitySnapshot, StoredInteraction
from ..domain.needs import NEED_TYPES, Need, adapted_thresholds, need_mood_pull, needs_met_by_message
from ..domain.pad import PAD, security_pad_penalty, update_pad_state
from ..domain.personality_card import personality_embed
from ..domain.proactive import zone
from ..domain.quirks import Exchange, Quirk, contradicted, develop, evolve
from ..domain.trends import EmotionalTrend, MoodPoint, daily_means, emotional_trend
from ..ports import InteractionStore, NeedsStore, ProfileStore, QuirkDetector, QuirkStore, UnitOfWork

log = logging.getLogger(__name__)

QUIRK_WINDOW_TURNS = 10  # exchanges the per-turn detector looks at (the current one included)
EVOLUTION_WINDOW_DAYS = 7  # what the nightly evolution reads
TREND_WINDOW_DAYS = 14  # reflection.py's analyze_emotional_trends window
CARD_DAYS = 7  # /personality shows how the mood moved over the last week


@dataclass
class EvolutionResult:
    """What one user's nightly personality evolution did."""

    user_id: str
    evolved_at: datetime
    status: str = "evolved"  # | "no_personality_data"
    baseline_before: PAD | None = None
    baseline_after: PAD | None = None
    interactions_in_window: int = 0
    relaxed_to: PAD | None = None
    quirk_updates: list[dict[str, Any]] = field(default_factory=list)
    trend: EmotionalTrend | None = None
    cycles: dict = field(default_factory=dict)  # daily and weekly emotional cycles (domain/insights.py)
    needs_patterns: dict[str, dict] = field(default_factory=dict)
    detector: str = ""


def as_exchanges(interactions: Sequence[StoredInteraction], tz: tzinfo = timezone.utc) -> list[Exchange]:
    """Exchanges timed in the user's zone ``tz``: "late night" and "a day" are the user's own."""
    return [Exchange(i.user_message, i.agent_response, i.timestamp.astimezone(tz)) for i in interactions]


class PersonalityService:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        profiles: ProfileStore,
        needs: NeedsStore,
        quirks: QuirkStore,
        interactions: InteractionStore,
        turn_detector: QuirkDetector,
        nightly_detector: QuirkDetector,
    ):
        self.uow = uow
        self.profiles = profiles
        self.needs = needs
        self.quirks = quirks
        self.interactions = interactions
        self._turn_detector = turn_detector  # cheap: runs on every turn
        self._nightly_detector = nightly_detector  # the fast LLM (falls back to the heuristic)

    # --- the state as it is now -----------------------------------------------------------------

    def current(self, user_id: str, now: datetime, needs: Sequence[Need] | None = None) -> PersonalitySnapshot | None:
        """The companion as it is at ``now``: its mood relaxed since it was last set, toward the
        temperament less what its urgent needs take (``needs`` as read at ``now``; read here
        when not given)."""
        snapshot = self.profiles.get_personality(user_id)
        if snapshot is None:
            return None
        if needs is None:
            needs = self.current_needs(user_id, now)
        return snapshot.relaxed_to(now, need_mood_pull(needs))

    def current_needs(self, user_id: str, now: datetime) -> list[Need]:
        return self.needs.get_needs(user_id, now=now)

    def active_quirks(self, user_id: str) -> list[Quirk]:
        return self.quirks.get_quirks(user_id, active_only=True)

    def local_zone(self, user_id: str) -> tzinfo:
        """The user's time zone (set with /settings or learnt from their activity; UTC until
        then): a night owl, a late-night chat, a day are counted in it."""
        return zone(self.profiles.timezone(user_id))

    # --- per turn --------------------------------------------------------------------------------

    def observe_exchange(self, user_id: str, history: Sequence[StoredInteraction], message: str,
                         reply: str, now: datetime) -> list[Quirk]:
        """Quirk observation and emergence from the exchange just had (and the ones before it)."""
        tz = self.local_zone(user_id)
        window = as_exchanges(list(history)[-(QUIRK_WINDOW_TURNS - 1):], tz) + [Exchange(message, reply, now.astimezone(tz))]
        patterns = self._turn_detector.detect(window)
        changed = self.quirks.update_quirks(
            user_id, lambda existing: develop(existing, patterns, now, only_observed_now=True, max_new=1))
        for q in changed:
            if q.reinforcement_count == 0:
                log.info("quirk emerged", extra={"user_id": user_id, "quirk": q.name})
        return changed

    def apply_threat(self, user_id: str, severity: str, now: datetime) -> PAD:
        """A detected threat upsets the companion: the seed's PAD penalty (domain.pad.
        security_pad_penalty; nothing below "high") on the mood as it is now, recorded as a history
        row. For the security screen; returns the new mood."""
        penalty = security_pad_penalty(severity)
        current = self.current(user_id, now)
        if current is None or penalty == PAD():
            return current.pad if current is not None else PAD()
        upset = update_pad_state(current.pad, penalty)
        with self.uow.scoped(user_id) as tx:
            self.profiles.set_pad(tx, user_id, upset, f"security:{severity.strip().lower()[:20]}", now)
        return upset

    # --- /personality -----------------------------------------------------------------------------

    def card(self, user_id: str, now: datetime, noticed: Sequence[str] = ()) -> dict:
        """The /personality embed: mood, temperament, the week's trend, Big Five, needs, quirks,
        and what the nightly reflection has ``noticed`` (services/insights.py)."""
        needs = self.current_needs(user_id, now)
        p = self.current(user_id, now, needs=needs)
        history = self.profiles.pad_history(user_id, now - timedelta(days=CARD_DAYS))
        return personality_embed(
            pad=p.pad, baseline=p.baseline, traits=p.traits.as_dict(),
            needs=needs, quirks=self.active_quirks(user_id),
            week=daily_means(history, now, CARD_DAYS), trend=emotional_trend(history), noticed=noticed,
        )

    # --- the REST API's history view ---------------------------------------------------------------

    def history(self, user_id: str, now: datetime, days: int) -> tuple[list[MoodPoint], EmotionalTrend, dict, list[dict]]:
        """How the mood moved over the last ``days`` days (oldest first), its trend, its daily and
        weekly cycles (in the user's zone), and the nightly evolutions in that window (newest first)."""
        since = now - timedelta(days=days)
        points = self.profiles.pad_history(user_id, since)
        evolutions = [e for e in self.quirks.evolutions(user_id, limit=days + 1) if e["evolved_at"] >= since]
        return points, emotional_trend(points), emotional_cycles(points, self.local_zone(user_id)), evolutions

    # --- schedules ---------------------------------------------------------------------------------

    def grow_all_needs(self, now: datetime) -> int:
        """The hourly need growth for every user (one SQL statement)."""
        return self.needs.grow_all_needs(now)

    def evolve(self, user_id: str, now: datetime) -> EvolutionResult:
        """One user's nightly personality evolution (reflection.py's evolve_user_personality):
        the mood relaxed and recorded, the baseline drift, quirk evolution, the needs'
        satisfaction patterns and the emotional trend (slope per day, volatility). ``now`` is
        passed in: the schedule's time, or a frozen clock in tests."""
        result = EvolutionResult(user_id=user_id, evolved_at=now)
        before = self.current(user_id, now)
        if before is None:
            result.status = "no_personality_data"
            return result
        result.baseline_before = before.baseline
        needs = self.current_needs(user_id, now)
        result.relaxed_to = self._record_relaxation(user_id, before, need_mood_pull(needs), now)
        result.interactions_in_window = self.profiles.interactions_in_drift_window(user_id, now)
        self.profiles.drift_baseline(user_id, now)
        result.baseline_after = self.profiles.get_personality(user_id).baseline

        recent = self.interactions.interactions_since(user_id, now - timedelta(days=EVOLUTION_WINDOW_DAYS))
        result.detector = self._nightly_detector.name
        tz = self.local_zone(user_id)
        result.quirk_updates = self._evolve_quirks(user_id, as_exchanges(recent, tz), now)
        known_days = (now - created).total_seconds() / 86400 if (created := self._created_at(user_id)) else None
        result.needs_patterns = needs_satisfaction_patterns(recent, tz, known_days)
        if result.needs_patterns:
            thresholds = adapted_thresholds(needs, result.needs_patterns)
            for need in needs:
                if need.need_type in thresholds:
                    result.needs_patterns[need.need_type]["trigger_threshold"] = {
                        "before": need.trigger_threshold, "after": thresholds[need.need_type]}
            self.needs.set_satisfaction_patterns(user_id, result.needs_patterns, thresholds)
        trend_history = self.profiles.pad_history(user_id, now - timedelta(days=TREND_WINDOW_DAYS))
        result.trend, result.cycles = emotional_trend(trend_history), emotional_cycles(trend_history, tz)

        self.quirks.record_evolution(
            user_id, now,
            baseline_before=result.baseline_before.as_dict(), baseline_after=result.baseline_after.as_dict(),
            interactions_in_window=result.interactions_in_window, quirk_updates=result.quirk_updates,
            emotional_trend={**result.trend.as_dict(), "cycles": result.cycles}, needs_patterns=result.needs_patterns,
            detector=result.detector,
        )
        return result

    def _created_at(self, user_id: str) -> datetime | None:
        profile = self.profiles.get_profile(user_id)
        return profile["created_at"] if profile else None

    def _record_relaxation(self, user_id: str, relaxed: PersonalitySnapshot, need_pull: PAD, now: datetime) -> PAD:
        """Write the relaxed mood (needs' pull included) as a history row, so the week's trend
        sees quiet and lonely days too (computed again from the current row under the user's
        lock: a turn may have set a new mood since ``relaxed`` was read)."""
        return self.profiles.record_relaxation(user_id, now, need_pull) or relaxed.pad

    def _evolve_quirks(self, user_id: str, exchanges: list[Exchange], now: datetime) -> list[dict]:
        """Sightings and emergence from the week's exchanges, then the seed's nightly rules
        (reinforce what was seen within a day, decay what was not seen for 7+ days). The detector
        (the fast model) runs first; the rules then apply to the quirks as they are under the
        user's lock, so a turn's sighting meanwhile is never overwritten."""
        patterns = self._nightly_detector.detect(exchanges) if exchanges else []
        updates: list[dict] = []

        def nightly(existing: dict[str, Quirk]) -> list[Quirk]:
            updates.clear()  # computed again if the update is retried
            seen = {q.name: q for q in develop(existing, patterns, now, only_observed_now=False)}
            changed = []
            for name in sorted(set(existing) | set(seen)):
                old = existing.get(name)
                quirk = seen.get(name, old)
                if not quirk.is_active:
                    continue
                emerged = old is None or not old.is_active
                dropped = not emerged and contradicted(quirk, exchanges, now)
                new = quirk if emerged else evolve(quirk, now, contradicted=dropped)
                action = ("emerged" if emerged else "deactivated" if not new.is_active
                          else "strengthened" if new.strength > quirk.strength
                          else "weakened" if new.strength < quirk.strength else None)
                if new != old:
                    changed.append(new)
                if action:
                    update = {"quirk": name, "action": action, "old_strength": old.strength if old else None,
                              "new_strength": new.strength}
                    if dropped:
                        update["reason"] = "contradicted"  # the user dropped the habit while still talking
                    updates.append(update)
            return changed

        self.quirks.update_quirks(user_id, nightly)
        return updates


def needs_satisfaction_patterns(interactions: Sequence[StoredInteraction],
                                tz: tzinfo = timezone.utc, known_days: float | None = None) -> dict[str, dict]:
    """For each need, how often the last week's interactions met it and at which hours (the
    user's local hours, ``tz``): reflection.py's identify_needs_satisfaction_patterns, kept in
    needs.satisfaction_pattern. ``window_days`` is the week, or ``known_days`` (the companion's
    age) when shorter, at least a day."""
    if not interactions:
        return {}
    window = round(min(float(EVOLUTION_WINDOW_DAYS), max(1.0, known_days if known_days is not None else 7.0)), 3)
    patterns: dict[str, dict] = {n: {"satisfied_7d": 0, "window_days": window, "by_hour": {}} for n in NEED_TYPES}
    for i in interactions:
        hour = i.timestamp.astimezone(tz).hour
        for need in needs_met_by_message(i.user_message, hour):
            p = patterns[need]
            p["satisfied_7d"] += 1
            p["by_hour"][str(hour)] = p["by_hour"].get(str(hour), 0) + 1
    for p in patterns.values():
        p["typical_hour"] = int(max(p["by_hour"], key=p["by_hour"].get)) if p["by_hour"] else None
    return patterns
