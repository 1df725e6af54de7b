"""The injection defence: screen every /companion message before anything else touches it,
answer attacks in character, record them, and escalate repeat offenders.

- The screen (``ports.ThreatScreen``, adapters/threat_screen.py): the two stages. The local score
  (domain/injection.py, no network) settles what is clearly safe or clearly an attack; only the
  uncertain band is put to the fast LLM with the seed's prompt. When the fast LLM is down (or
  answers nonsense) the local verdict stands.
- ``SecurityService``: a flagged message is never stored as a memory and never reaches the reply
  model. The companion answers in its own voice (domain/security.py), the incident is recorded
  with the message (security_incidents), the interaction log keeps only a placeholder, and the
  seed's PAD penalty applies. Offences in the last 7 days set the level: 1 warn, 2 restrict (short
  replies, no new memories), 3 suspend (a notice only). user_profiles.status follows the level
  both ways ('restricted', 'suspended', else 'active'; proactive jobs honour it): set when an
  incident is recorded or reviewed, again by a turn that finds the level moved (``standing``), and
  by the proactive sweep for users not writing (services/sanctions.py). An operator can mark an
  incident a false positive, which lowers the level and the status at once.
- Offence counters: PostgreSQL (the incidents themselves) by default; Redis (a sorted set per
  user, 7-day window) when REDIS_URL is set, falling back to PostgreSQL if Redis fails.
"""
from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any, Callable, Protocol

from ..domain.pad import security_pad_penalty, update_pad_state
from ..domain.security import (
    OFFENCE_WINDOW, Assessment, account_status, defensive_response, escalation_level, redacted_message, severity,
)
from ..domain.models import Turn
from ..ports import InteractionStore, ProfileStore, ThreatScreen, UnitOfWork

log = logging.getLogger(__name__)

SESSION_IDLE_MINUTES = 30


# --- offence counters --------------------------------------------------------------------------------


class OffenceCounter(Protocol):
    def count(self, user_id: str, now: datetime) -> int: ...

    def record(self, user_id: str, incident_id: int, at: datetime) -> None: ...

    def forget(self, user_id: str, incident_id: int) -> None: ...


class PostgresOffenceCounter:
    """The incidents are the counter: offences in the window, false positives excluded."""

    def __init__(self, incidents):
        self.incidents = incidents

    def count(self, user_id: str, now: datetime) -> int:
        return self.incidents.count_offences(user_id, now - OFFENCE_WINDOW)

    def record(self, user_id: str, incident_id: int, at: datetime) -> None:
        pass  # the incident row is already the record

    def forget(self, user_id: str, incident_id: int) -> None:
        pass  # false_positive = TRUE already excludes it


class RedisOffenceCounter:
    """The seed's security:{user_id} counter as a sorted set (incident id -> time), so the window
    slides and a false positive can be removed. Redis trouble is never fatal: PostgreSQL, which
    holds every incident anyway, answers instead."""

    def __init__(self, client: Any, fallback: PostgresOffenceCounter):
        self.client = client
        self.fallback = fallback

    @staticmethod
    def _key(user_id: str) -> str:
        return f"security:{user_id}:offences"

    def count(self, user_id: str, now: datetime) -> int:
        import redis

        try:
            key = self._key(user_id)
            pipe = self.client.pipeline()
            pipe.zremrangebyscore(key, "-inf", (now - OFFENCE_WINDOW).timestamp())
            pipe.zcount(key, (now - OFFENCE_WINDOW).timestamp(), "+inf")
            return int(pipe.execute()[1])
        except redis.RedisError as error:
            log.warning("offence counter (Redis) unavailable, counting in PostgreSQL: %s", error)
            return self.fallback.count(user_id, now)

    def record(self, user_id: str, incident_id: int, at: datetime) -> None:
        import redis

        try:
            key = self._key(user_id)
            pipe = self.client.pipeline()
            pipe.zadd(key, {str(incident_id): at.timestamp()})
            pipe.expire(key, int(OFFENCE_WINDOW.total_seconds()))
            pipe.execute()
        except redis.RedisError as error:
            log.warning("offence counter (Redis) unavailable: %s", error)

    def forget(self, user_id: str, incident_id: int) -> None:
        import redis

        try:
            self.client.zrem(self._key(user_id), str(incident_id))
        except redis.RedisError as error:
            log.warning("offence counter (Redis) unavailable: %s", error)


# --- the service -------------------------------------------------------------------------------------


class SecurityService:
    def __init__(
        self,
        *,
        uow: UnitOfWork,
        incidents,
        counter: OffenceCounter,
        screen: ThreatScreen,
        profiles: ProfileStore,
        interactions: InteractionStore,
        users,
        personality,
        clock: Callable[[], datetime],
    ):
        self.uow = uow
        self.incidents = incidents
        self.counter = counter
        self.screen = screen
        self.profiles = profiles
        self.interactions = interactions
        self.users = users
        self.personality = personality
        self.clock = clock

    def level(self, user_id: str, now: datetime) -> int:
        """0 (none), 1 warn, 2 restrict, 3 suspend: offences in the last 7 days."""
        return escalation_level(self.counter.count(user_id, now))

    def standing(self, user_id: str, now: datetime) -> int:
        """The live level, with ``user_profiles.status`` brought in line with it when an offence
        has left the window since the status was set (a turn's first step)."""
        level = self.level(user_id, now)
        if self.incidents.settle_account_status(user_id, account_status(level), now):
            log.info("account status follows the escalation level", extra={"user_id": user_id, "level": level})
        return level

    def assess(self, message: str) -> Assessment:
        return self.screen.assess(message)

    def defend(self, turn: Turn, assessment: Assessment, now: datetime) -> str | None:
        """Answer a flagged message in character and record it; None when a concurrent delivery
        of the same interaction already did."""
        user_id = turn.user_id
        self.users.ensure_user(user_id, turn.username, now=now)
        personality = self.personality.current(user_id, now)
        level = escalation_level(self.counter.count(user_id, now) + 1)
        grade = severity(assessment.confidence, level)
        pad_after = update_pad_state(personality.pad, security_pad_penalty(grade))
        text = defensive_response(assessment.threat_type, personality.traits.as_dict(), level)
        session_id, session_length = self.interactions.current_session(user_id, now, SESSION_IDLE_MINUTES)
        with self.uow.scoped(user_id) as tx:
            interaction_id = self.interactions.insert_interaction(
                tx,
                interaction_key=turn.interaction_id,
                timestamp=now,
                user_id=user_id,
                user_message=redacted_message(assessment.threat_type),
                agent_response=text,
                session_id=session_id or str(uuid.uuid4()),
                conversation_length=session_length + 1,
                pad_before=personality.pad.as_dict(),
                pad_after=pad_after.as_dict(),
                emotion_before=personality.pad.label,
                emotion_after=pad_after.label,
                llm_model_used="security-screen",
                memories_retrieved=0,
                memories_stored=0,
                security_check_passed=False,
                security_threat_detected=assessment.threat_type,
            )
            if interaction_id is None:
                return None
            incident_id = self.incidents.record_incident(
                tx,
                user_id=user_id,
                incident_type=assessment.threat_type,
                severity=grade,
                confidence=round(min(1.0, max(0.0, assessment.confidence)), 4),
                detected_content=turn.message,
                detection_method=assessment.method,
                threat_indicators={"indicators": list(assessment.indicators), "local_score": assessment.local_score,
                                   "reasoning": assessment.reasoning},
                response_generated=True,
                response_content=text,
                user_warned=True,
                is_repeat_offense=level > 1,
                previous_incident_count=level - 1,
                escalation_level=level,
                detected_at=now,
                interaction_id=interaction_id,
            )
            self.profiles.set_pad(tx, user_id, pad_after, f"security:{assessment.threat_type}", now)
            self.incidents.set_account_status(tx, user_id, account_status(level), now)
        self.counter.record(user_id, incident_id, now)
        log.warning("security incident", extra={"user_id": user_id, "incident_id": incident_id,
                                                 "threat_type": assessment.threat_type, "level": level,
                                                 "method": assessment.method, "severity": grade})
        return text

    # --- operators --------------------------------------------------------------------------------------

    def list_incidents(self, user_id: str, limit: int = 20) -> list[dict]:
        return self.incidents.list_incidents(user_id, limit)

    def incident(self, incident_id: int) -> dict:
        """One incident by its id alone, whoever's it is (operators' review)."""
        found = self.incidents.get_incident(self._owner(incident_id), incident_id)
        if found is None:
            raise LookupError(f"no security incident {incident_id}")
        return found

    def mark_false_positive(self, user_id: str | None, incident_id: int, notes: str = "") -> int:
        """Mark one of ``user_id``'s incidents a false positive (``None``: whoever's it is); returns
        the user's new level."""
        user_id = user_id or self._owner(incident_id)
        now = self.clock()
        marked = self.incidents.mark_false_positive(user_id, incident_id, notes, now)
        if marked is None:
            raise LookupError(f"user {user_id} has no security incident {incident_id}")
        self.counter.forget(user_id, incident_id)
        level = self.level(user_id, now)
        with self.uow.scoped(user_id) as tx:
            self.incidents.set_account_status(tx, user_id, account_status(level), now)
        log.info("incident marked a false positive", extra={"user_id": user_id, "incident_id": incident_id,
                                                            "level": level})
        return level

    def confirm(self, incident_id: int, notes: str = "") -> int:
        """An operator confirms an incident was a real attack: reviewed, counted as before (a
        false positive confirmed later counts again). Returns the user's level."""
        user_id = self._owner(incident_id)
        now = self.clock()
        was = self.incidents.mark_reviewed(user_id, incident_id, notes, now)
        if was is None:
            raise LookupError(f"no security incident {incident_id}")
        self.counter.record(user_id, incident_id, was["detected_at"])
        level = self.level(user_id, now)
        with self.uow.scoped(user_id) as tx:
            self.incidents.set_account_status(tx, user_id, account_status(level), now)
        return level

    def _owner(self, incident_id: int) -> str:
        user_id = self.incidents.incident_owner(incident_id)
        if user_id is None:
            raise LookupError(f"no security incident {incident_id}")
        return user_id
