"""Proactive outreach for one user, as a per-user job fanned out by the sweep: check the limits,
score as the seed does, store the decision with its components, write a starter, deliver it.

A job is keyed by its sweep slot: a redelivered job finds its decision and never decides or sends
twice. Delivery opens the DM channel and posts with a nonce; DMs closed -> the user's last guild
channel with a mention, or skip; Discord rate limits or outages leave the decision pending and
the user due again in a few minutes, up to MAX_DELIVERY_ATTEMPTS, then the decision is
dead-lettered (status failed) — the user's queue group is never held up by a send.

An operator can also ask for a message now (``trigger``, the REST API's POST
/chat/proactive/{user_id}): the same decision, stored in the same table (origin "operator").
"""
from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Callable

from ..domain import deadline as deadlines
from ..domain.models import ReplyContext
from ..domain.proactive import (
    BASE_THRESHOLD, CONSENT_LIMITS, MAX_PROACTIVE_PER_DAY, ProactiveScore, blocking_limit, combine,
    infer_utc_offset, interaction_pattern_score, need_urgency_score, offset_zone_name, optimal_conversation_time,
    personality_factor, recent_conversation_penalty, recheck_after_decline, timing_score, zone,
)
from ..domain.needs import hours_to_threshold
from ..domain.prompts import personality_prompt
from ..domain.schedules import UserJob
from ..domain.starters import STARTER_RULES, followup_memory, plan_starter
from ..ports import DMsClosed, ProviderError

log = logging.getLogger(__name__)

# After a decision not to send: at the user's next optimal conversation time (the seed's
# prediction), before it if a need turns urgent, never sooner than this.
RECHECK_AFTER = timedelta(hours=1)
AFTER_SEND = timedelta(hours=4)  # the spacing limit
RETRY_DELIVERY_AFTER = timedelta(minutes=5)
MAX_DELIVERY_ATTEMPTS = 5
PENDING_EXPIRES = timedelta(hours=1)  # a starter not delivered within an hour is stale
# Of a job's deadline, kept for delivering the starter (open the DM, post, record): the reply
# model gets the rest, and a model too slow for it leaves the seed's template starter.
DELIVERY_RESERVE = 4.0
STARTER_CUE = "[The user has not written. Start the conversation now.]"


@dataclass(frozen=True)
class ProactiveOutcome:
    status: str  # sent | declined | blocked | skipped | retry_later | failed | duplicate | no_user
    reason: str | None = None
    score: float | None = None
    delivery: str | None = None
    content: str | None = None
    decision_id: int | None = None
    scored: ProactiveScore | None = None  # the components, when this call scored the user
    overridden: str | None = None  # a forced send: the limit (or below_threshold) it overrode


def _never() -> datetime:
    from datetime import timezone

    return datetime(9999, 12, 31, tzinfo=timezone.utc)


class ProactiveService:
    def __init__(self, *, outreach, needs, profiles, reply_model, discord, interactions, uow,
                 clock: Callable[[], datetime], personality=None, max_per_day: int = MAX_PROACTIVE_PER_DAY,
                 threshold: float = BASE_THRESHOLD):
        self.outreach = outreach
        self.needs = needs
        self.profiles = profiles
        self.reply_model = reply_model
        self.discord = discord
        self.interactions = interactions
        self.uow = uow
        self.clock = clock
        self.personality = personality  # the mood as it is now (relaxed since last set), if available
        self.max_per_day = max_per_day
        self.threshold = threshold

    def run(self, job: UserJob) -> ProactiveOutcome:
        """The sweep's per-user job."""
        user_id, now = job.user_id, self.clock()
        existing = self.outreach.find_decision(user_id, job.slot)
        if existing is not None:
            if existing.outcome == "send" and existing.status == "pending":
                return self._deliver(existing, now)
            return ProactiveOutcome("duplicate", existing.reason, decision_id=existing.id)
        pending = self._pending_delivery(user_id, now)
        if pending is not None:
            return self._deliver(pending, now)
        return self._decide(user_id, job.slot, now)

    def trigger(self, user_id: str, *, force: bool = False) -> ProactiveOutcome:
        """An operator asks the companion to reach out now (POST /chat/proactive/{user_id}).

        Decided, stored and delivered exactly as a sweep's job, the request time standing for the
        slot: without ``force`` every limit and the threshold apply, so the answer may well be
        "blocked" or "declined". ``force`` (admin keys only) overrides the timing, the limits and
        the threshold, never CONSENT_LIMITS (an opted-out or suspended user gets nothing, whoever
        asks); the decision records that it was forced and what it overrode. A message still on
        its way (Discord was rate limited) is delivered instead of deciding a second one."""
        now = self.clock()
        pending = self._pending_delivery(user_id, now)
        if pending is not None:
            return self._deliver(pending, now)
        return self._decide(user_id, now, now, origin="operator", force=force)

    def _decide(self, user_id: str, slot: datetime, now: datetime, *, origin: str = "sweep",
                force: bool = False) -> ProactiveOutcome:
        """Limits, score, decision stored with its components, starter, delivery."""
        self._learn_timezone(user_id, now)
        state = self.outreach.outreach_state(user_id, now)
        if state is None:
            return ProactiveOutcome("no_user")
        record = partial(self.outreach.record_decision, user_id, slot, now, origin=origin, forced=force)
        overridden = None
        block = blocking_limit(state, now, max_per_day=self.max_per_day)
        if block is not None and force and block.reason not in CONSENT_LIMITS:
            overridden, block = block.reason, None
        if block is not None:
            decision = record(outcome="blocked", reason=block.reason, score=None,
                              next_check_at=block.until or _never())
            return ProactiveOutcome("blocked", block.reason, decision_id=decision and decision.id)
        score = self.score(user_id, now, state)
        if not score.should_initiate:
            if not force:
                recheck = recheck_after_decline(now, score.next_optimal_at, score.hours_until_need_due,
                                                floor=RECHECK_AFTER, fallback=RECHECK_AFTER)
                decision = record(outcome="decline", reason="below_threshold", score=score, next_check_at=recheck)
                return ProactiveOutcome("declined", "below_threshold", score.total_score,
                                        decision_id=decision and decision.id, scored=score)
            overridden = overridden or "below_threshold"
        text, source, memory_id, trigger = self._starter(user_id, now, score, slot)
        # Stored as a send only if the user has not written meanwhile (a turn runs beside this
        # job: writing the starter takes seconds); a forced send overrides that as any limit.
        decision = record(outcome="send", reason=overridden, score=score, next_check_at=now + AFTER_SEND,
                          content=text, starter_source=source, memory_id=memory_id, trigger=trigger,
                          idle_since=None if force else state.last_active)
        if decision is None:  # a concurrent delivery of this job decided first
            return ProactiveOutcome("duplicate")
        if decision.outcome == "blocked":
            return ProactiveOutcome("blocked", decision.reason, decision_id=decision.id, scored=score)
        return replace(self._deliver(decision, now), scored=score, overridden=overridden)

    # --- scoring ---------------------------------------------------------------------------------

    def _now_state(self, user_id: str, now: datetime):
        """(needs grown to now, personality with the mood as it is now). The mood is read without
        the pull of the urgent needs (needs.need_mood_pull): their urgency is the need score's,
        counted once; read through the mood too, the seed's PAD factor (which favours pleasure)
        would make a lonely companion *less* likely to reach out (measured on the simulated week:
        personality factor 0.87 -> 0.76, no message in two silent days)."""
        needs = self.needs.get_needs(user_id, now=now)
        if self.personality is not None:
            return needs, self.personality.current(user_id, now, needs=[])
        return needs, self.profiles.get_personality(user_id)

    def score(self, user_id: str, now: datetime, state) -> ProactiveScore:
        needs, personality = self._now_state(user_id, now)
        local = now.astimezone(zone(state.timezone))
        activity = self.outreach.activity(user_id, now, state.timezone)
        hours_away = (now - state.last_active).total_seconds() / 3600 if state.last_active else None
        timing, timing_parts = timing_score(local.hour, local.weekday(), activity.local_hourly,
                                            activity.local_weekly, hours_away)
        pattern, pattern_parts = interaction_pattern_score(self.outreach.pattern_stats(user_id, now))
        factor = personality_factor(
            personality.traits.as_dict() if personality else None,
            (personality.pad.pleasure, personality.pad.arousal, personality.pad.dominance) if personality else None,
        )
        since_proactive = (now - state.last_sent).total_seconds() / 3600 if state.last_sent else None
        optimal = optimal_conversation_time(now, state.timezone, activity.local_hourly, activity.local_weekly,
                                            state.last_sent)
        not_yet_urgent = [hours_to_threshold(n, n.trigger_threshold) for n in needs
                          if n.current_level < n.trigger_threshold and n.decay_rate > 0]
        need_due = round(min(not_yet_urgent), 2) if not_yet_urgent else None
        components = {
            "timing": timing_parts, "pattern": pattern_parts, "local_hour": local.hour,
            "local_weekday": local.weekday(), "timezone": state.timezone,
            "needs": {n.need_type: round(n.current_level, 4) for n in needs},
            "optimal_time": optimal.isoformat() if optimal else None, "hours_until_need_due": need_due,
        }
        score = combine(need_urgency_score(needs), timing, factor, pattern,
                        recent_conversation_penalty(since_proactive), threshold=self.threshold,
                        components=components)
        return replace(score, next_optimal_at=optimal, hours_until_need_due=need_due)

    def _learn_timezone(self, user_id: str, now: datetime) -> None:
        """When the user never said where they are, the zone their activity fits best."""
        settings = self.outreach.get_settings(user_id)
        if settings is None or settings["timezone_source"] == "user":
            return
        offset = infer_utc_offset(self.outreach.activity(user_id, now, "UTC").utc_hourly)
        if offset is not None and self.outreach.set_inferred_timezone(user_id, offset_zone_name(offset)):
            log.info("time zone inferred from activity", extra={"user_id": user_id, "utc_offset": offset})

    # --- what to say -----------------------------------------------------------------------------

    def _starter(self, user_id: str, now: datetime, score: ProactiveScore, slot: datetime):
        needs, personality = self._now_state(user_id, now)
        urgent = [n for n in needs if n.current_level >= n.trigger_threshold]
        urgent_need = max(urgent, key=lambda n: n.current_level).need_type if urgent else None
        # The seed searches with a generic query ("interesting conversation hobby project plan
        # goal"); with a sentence embedder that finds little. The candidates here are the user's
        # important recent episodic memories not yet followed up, chosen by the seed's rule.
        memory = followup_memory(self.outreach.followup_candidates(user_id, now), now)
        plan = plan_starter(score.trigger_reason, urgent_need, memory, key=f"{user_id}:{slot.isoformat()}")
        traits = personality.traits.as_dict()
        system = personality_prompt(
            traits=traits, pad=personality.pad.as_dict(), emotion_label=personality.pad.label,
            needs=[(n.need_type, n.current_level) for n in needs],
            memories=[memory.content] if memory else [],
        ) + "\n\n" + plan.instruction + STARTER_RULES
        context = ReplyContext(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": STARTER_CUE}],
            user_message="", emotion_label=personality.pad.label, traits=traits,
            memories=[memory.content] if memory else [], rule=f"starter:{plan.trigger}",
            purpose="starter", fallback=plan.fallback,
        )
        job_deadline = deadlines.current()
        try:
            with deadlines.within(job_deadline.earlier(DELIVERY_RESERVE) if job_deadline else None):
                text, source = self.reply_model.reply(context).text.strip(), "model"
        except ProviderError as exc:
            log.warning("reply model down: template starter", extra={"user_id": user_id, "error": str(exc)})
            text, source = "", "template"
        if not text:
            text, source = plan.fallback, "template"
        return text, source, memory.id if memory else None, plan.trigger

    # --- delivery --------------------------------------------------------------------------------

    def _pending_delivery(self, user_id: str, now: datetime):
        """A send decided earlier whose delivery did not finish (Discord down or rate limited)."""
        for decision in self.outreach.list_decisions(user_id, limit=3):
            if decision.outcome == "send" and decision.status == "pending":
                if now - decision.slot > PENDING_EXPIRES:
                    with self.uow.scoped(user_id) as tx:
                        self.outreach.finish_delivery(tx, user_id, decision.id, status="failed", now=now,
                                                      error="stale: not delivered within an hour")
                    continue
                return decision
        return None

    def _deliver(self, decision, now: datetime) -> ProactiveOutcome:
        user_id, nonce = decision.user_id, f"pd{decision.id}"
        delivery, channel_id = "dm", None
        try:
            try:
                channel_id = self.discord.open_dm(user_id)
                message_id = self.discord.create_message(channel_id, decision.content, nonce=nonce)
            except DMsClosed:
                settings = self.outreach.get_settings(user_id) or {}
                channel_id, delivery = settings.get("last_channel_id"), "channel"
                if not channel_id:
                    with self.uow.scoped(user_id) as tx:
                        self.outreach.finish_delivery(tx, user_id, decision.id, status="skipped", now=now,
                                                      error="DMs closed and no channel to fall back to")
                    return ProactiveOutcome("skipped", "dms_closed", decision_id=decision.id)
                message_id = self.discord.create_message(channel_id, decision.content, nonce=nonce,
                                                         mention_user_id=user_id)
        except DMsClosed as exc:
            with self.uow.scoped(user_id) as tx:
                self.outreach.finish_delivery(tx, user_id, decision.id, status="skipped", now=now, error=str(exc))
            return ProactiveOutcome("skipped", "channel_forbidden", decision_id=decision.id)
        except ProviderError as exc:
            attempts = self.outreach.note_attempt(user_id, decision.id, str(exc))
            if attempts >= MAX_DELIVERY_ATTEMPTS:
                with self.uow.scoped(user_id) as tx:
                    self.outreach.finish_delivery(tx, user_id, decision.id, status="failed", now=now, error=str(exc))
                log.error("proactive message dead-lettered", extra={"user_id": user_id, "attempts": attempts})
                return ProactiveOutcome("failed", "delivery_attempts", decision_id=decision.id)
            wait = max(RETRY_DELIVERY_AFTER, timedelta(seconds=getattr(exc, "retry_after", 0) or 0))
            self.outreach.record_retry(user_id, now + wait)
            return ProactiveOutcome("retry_later", type(exc).__name__, decision_id=decision.id)
        self._record_sent(decision, now, delivery, channel_id, message_id)
        return ProactiveOutcome("sent", decision.trigger_reason, decision.total_score, delivery, decision.content,
                                decision_id=decision.id)

    def _record_sent(self, decision, now: datetime, delivery: str, channel_id: str, message_id: str) -> None:
        """The message becomes part of the conversation (so the next turn has it as history)."""
        with self.uow.scoped(decision.user_id) as tx:
            if not self.outreach.lock_user(tx, decision.user_id):
                return  # erased (/forget-me) while the message was on its way: nothing comes back
            interaction_id = self.interactions.insert_interaction(
                tx,
                interaction_key=f"proactive:{decision.id}",
                timestamp=now,
                user_id=decision.user_id,
                user_message="",
                agent_response=decision.content,
                session_id=str(uuid.uuid4()),
                conversation_length=1,
                is_proactive=True,
                user_initiated=False,
                proactive_trigger=decision.trigger_reason,
                proactive_score=decision.total_score,
                llm_model_used=None,
            )
            self.outreach.finish_delivery(tx, decision.user_id, decision.id, status="sent", now=now,
                                          delivery=delivery, channel_id=channel_id, message_id=message_id,
                                          interaction_id=interaction_id)
