"""Reflection that learns: the nightly step that notices how a person and their companion talk
(conversation patterns, behaviour changes, emotional cycles) and keeps a few sentences of it
("what I've noticed"), per user and night; and, once a day, what the night said about the fleet.
The rules are domain/insights.py; the behaviour analyst is the fast model in production
(adapters/behaviour_analyst.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from ..domain.insights import PATTERN_WINDOW_DAYS, conversation_patterns, emotional_cycles, user_insights
from ..domain.trends import emotional_trend
from ..ports import BehaviourAnalyst, InsightStore, InteractionStore, ProfileStore
from .personality import PersonalityService

MIN_TREND_POINTS = 5  # the seed's analyze_emotional_trends minimum
SYSTEM_INSIGHTS_AFTER_HOUR = 6  # UTC: a day's last nights (UTC-12 at 05:00) are over by then


class InsightService:
    def __init__(self, *, interactions: InteractionStore, profiles: ProfileStore, store: InsightStore,
                 analyst: BehaviourAnalyst, personality: PersonalityService):
        self.interactions = interactions
        self.profiles = profiles
        self.store = store
        self.analyst = analyst
        self.personality = personality

    def reflect(self, user_id: str, now: datetime) -> dict[str, Any]:
        """One user's nightly pattern analysis and insights (the reflection's ``insights`` step)."""
        tz = self.personality.local_zone(user_id)
        since = now - timedelta(days=PATTERN_WINDOW_DAYS)
        turns = [replace(t, at=t.at.astimezone(tz)) for t in self.interactions.conversation_log(user_id, since)]
        patterns = conversation_patterns(turns, now)
        behaviour = self.analyst.analyse(turns, now)
        history = self.profiles.pad_history(user_id, since)
        cycles = emotional_cycles(history, tz)
        trend = emotional_trend(history)
        insights = user_insights(patterns, behaviour, cycles,
                                 trend.pleasure_slope if trend.points >= MIN_TREND_POINTS else None)
        stored = self.store.save_insights(user_id, now, conversation_patterns=patterns, behaviour=behaviour,
                                          emotional_cycles=cycles, insights=insights,
                                          analyst=behaviour.get("analyst", "rules"))
        return {"stored": stored, "patterns": [p["pattern_type"] for p in patterns],
                "behaviour": behaviour["status"], "changes": len(behaviour["detected_changes"]),
                "analyst": behaviour.get("analyst", "rules"), "cycles": {k: v["detected"] for k, v in cycles.items()},
                "insights": [i["text"] for i in insights]}

    def noticed(self, user_id: str) -> list[str]:
        """The latest night's "what I've noticed" sentences (none before the first reflection)."""
        latest = self.store.insights_since(user_id, limit=1)
        return [i["text"] for i in latest[0]["insights"]] if latest else []

    def nights(self, user_id: str, since: datetime) -> list[dict[str, Any]]:
        return self.store.insights_since(user_id, since, limit=100)

    # --- the fleet ---------------------------------------------------------------------------------

    def summarise_yesterday(self, now: datetime) -> dict | None:
        """Once a UTC day (the first reflection sweep after 06:00 UTC): the previous day's
        reflections across all users, stored in system_insights. None when not due or done."""
        if now.hour < SYSTEM_INSIGHTS_AFTER_HOUR:
            return None
        return self.store.summarise_day((now - timedelta(days=1)).date(), now)

    def system(self, days: int) -> list[dict[str, Any]]:
        return self.store.system_insights(days)
