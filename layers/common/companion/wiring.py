"""Builds the services from configuration. Lambda handlers and the local runtime both get a
Container; only the engines behind it differ. Everything is built lazily, on first use, so the
interactions function (which needs only the webhook) never loads a model or opens a database."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import cached_property
from typing import Callable

from .config import Settings

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


QDRANT_TIMEOUT = 2  # seconds per Qdrant Cloud request
# (name, consecutive failures that open it, seconds it stays open before one trial call)
BREAKERS = (
    ("vector index", 2, 30.0),
    ("embedder", 2, 20.0),
    ("reply model", 2, 20.0),
    ("fast model", 2, 30.0),
    ("discord", 3, 10.0),
)


class Container:
    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] = utc_now,
                 settings_source: Callable[..., Settings] | None = None, **overrides):
        """``overrides`` replace any built component by name (queue, discord, embedder, ...):
        the local runtime and tests use them to plug in embedded engines. ``settings_source``
        (``fresh=False -> Settings``) re-reads the secrets: on their cache's age, or at once
        (``fresh=True``) after a provider refused a credential."""
        self.settings = settings
        self.clock = clock
        self._settings_source = settings_source
        for name, value in overrides.items():
            if not isinstance(getattr(type(self), name, None), cached_property):
                raise AttributeError(f"Container has no component {name!r}")
            self.__dict__[name] = value

    def secret(self, name: str, *, fresh: bool = False) -> str:
        """A setting's current value (secrets are re-read when their cache ages out)."""
        if self._settings_source is None:
            return getattr(self.settings, name)
        return getattr(self._settings_source(fresh=fresh), name)

    def warm_up(self) -> None:
        """Builds everything a turn uses (its settings and secrets, the SDK clients and the imports
        behind them, about 5 s of a cold worker's first turn) without connecting to anything. The
        worker calls it in Lambda's init phase, so the first turn's deadline is not spent importing
        SDKs. Never fatal: what fails here is built again by the first turn (and fails it there)."""
        try:
            self.turns
        except Exception:  # noqa: BLE001 - init must not crash on what a turn can retry
            log.warning("warm-up failed; the first turn builds its components itself", exc_info=True)

    def secret_source(self, name: str) -> Callable[..., str]:
        """``(fresh=False) -> str``: a live secret for a provider adapter (``LiveKey``)."""
        return lambda fresh=False: self.secret(name, fresh=fresh)

    @cached_property
    def breakers(self) -> dict:
        """One circuit breaker per provider, for this container's lifetime; state changes become
        metrics (observability.record_circuit_change)."""
        from .adapters.breakers import CircuitBreaker
        from .observability import record_circuit_change

        return {name: CircuitBreaker(name, failure_threshold=threshold, open_seconds=open_seconds,
                                     on_change=record_circuit_change)
                for name, threshold, open_seconds in BREAKERS}

    # --- engines -----------------------------------------------------------------------------

    @cached_property
    def database(self):
        from .adapters.postgres import Database

        if not self.settings.database_url:
            raise RuntimeError("DATABASE_URL (or DB_SECRET_ARN and DB_HOST) is not set")
        if self._settings_source is None:
            return Database(self.settings.database_url, role=self.settings.database_role)
        return Database(self.secret_source("database_url"), role=self.settings.database_role)

    @cached_property
    def profile_repo(self):
        from .adapters.postgres import ProfileRepository

        return ProfileRepository(self.database)

    @cached_property
    def needs_repo(self):
        from .adapters.postgres import NeedsRepository

        return NeedsRepository(self.database)

    @cached_property
    def interaction_repo(self):
        from .adapters.postgres import InteractionRepository

        return InteractionRepository(self.database)

    @cached_property
    def quirk_repo(self):
        from .adapters.postgres import QuirkRepository

        return QuirkRepository(self.database)

    @cached_property
    def memory_repo(self):
        from .adapters.postgres import MemoryRepository

        return MemoryRepository(self.database)

    @cached_property
    def memory_control_repo(self):
        from .adapters.postgres.memory_control import MemoryControlRepository

        return MemoryControlRepository(self.database)

    @cached_property
    def user_data_repo(self):
        from .adapters.postgres.user_data import UserDataRepository

        return UserDataRepository(self.database)

    @cached_property
    def maintenance_repo(self):
        from .adapters.postgres.maintenance import MaintenanceRepository

        return MaintenanceRepository(self.database)

    @cached_property
    def vector_index_rebuild(self):
        from .services.vector_index import VectorIndexRebuild

        return VectorIndexRebuild(self.maintenance_repo, self.memory, self.vector_store, self.clock)

    @cached_property
    def outreach_repo(self):
        from .adapters.postgres import OutreachRepository

        return OutreachRepository(self.database)

    @cached_property
    def schedule_repo(self):
        from .adapters.postgres import ScheduleRepository

        return ScheduleRepository(self.database)

    @cached_property
    def vector_store(self):
        from qdrant_client import QdrantClient

        from .adapters.live_key import LiveKey
        from .adapters.qdrant_store import QdrantVectorStore

        s = self.settings
        if s.qdrant_url:
            # Short: the index has an exact fallback in PostgreSQL, and its breaker remembers.
            return QdrantVectorStore(LiveKey(
                s.qdrant_api_key,
                # No version check on construction: a round trip per container that only warns.
                lambda key: QdrantClient(url=s.qdrant_url, api_key=key or None, timeout=QDRANT_TIMEOUT,
                                         check_compatibility=False),
                source=self.secret_source("qdrant_api_key"), name="Qdrant"))
        else:
            client = QdrantClient(location=":memory:") if s.qdrant_path in ("", ":memory:") else QdrantClient(path=s.qdrant_path)
        return QdrantVectorStore(client)

    @cached_property
    def search_index(self):
        """The memory search index: Qdrant when configured, else PostgreSQL itself."""
        s = self.settings
        choice = s.memory_index
        if choice == "auto":
            choice = "qdrant" if (s.qdrant_url or s.qdrant_path) else "postgres"
        if choice == "qdrant":
            return self.vector_store
        if choice != "postgres":
            raise RuntimeError(f"MEMORY_INDEX must be auto, qdrant or postgres, not {choice!r}")
        return self.postgres_search_index

    @cached_property
    def postgres_search_index(self):
        from .adapters.postgres import PostgresSearchIndex

        return PostgresSearchIndex(self.memory_repo)

    @cached_property
    def embedder(self):
        model = self.uncached_embedder
        if not self.settings.redis_url:
            return model
        import redis

        from .adapters.cached_embedder import CachedEmbedder

        client = redis.Redis.from_url(self.settings.redis_url, socket_timeout=0.25, socket_connect_timeout=0.25)
        return CachedEmbedder(model, client)

    @cached_property
    def uncached_embedder(self):
        s = self.settings
        choice = s.embeddings
        if choice == "auto":
            choice = "gemini" if s.gemini_api_key else "onnx"
        if choice == "gemini":
            from .adapters.gemini import GeminiEmbedder

            return GeminiEmbedder(api_key=s.gemini_api_key, model=s.embedding_model, dim=s.embedding_dimensions,
                                  api_key_source=self.secret_source("gemini_api_key"))
        if choice == "onnx":
            try:
                from .adapters.onnx_embedder import OnnxMiniLMEmbedder

                return OnnxMiniLMEmbedder()
            except ImportError:
                if s.embeddings == "onnx":
                    raise
        from .adapters.hashing_embedder import HashingEmbedder

        log.warning("no semantic embedder available (no GEMINI_API_KEY, no onnxruntime): "
                    "using feature hashing, which recalls by shared words only")
        return HashingEmbedder()

    @cached_property
    def reply_model(self):
        s = self.settings
        if s.reply_backend_configured:
            from .adapters.openai_chat import OpenAIChatReplyModel

            return OpenAIChatReplyModel(
                api_key=s.chutes_api_key, primary_model=s.primary_llm_model,
                fallback_model=s.fallback_llm_model, base_url=s.reply_base_url,
                api_key_source=self.secret_source("chutes_api_key"),
            )
        from .adapters.offline_models import OfflineReplyModel

        log.warning("no reply model configured (CHUTES_API_KEY, REPLY_BASE_URL): replies come from the offline responder")
        return OfflineReplyModel()

    @cached_property
    def importance_scorer(self):
        from .adapters.offline_models import OfflineImportanceScorer

        offline = OfflineImportanceScorer(self.statement_embedder)
        if self.guarded_fast_model is None:
            return offline
        from .adapters.importance import LLMImportanceScorer

        return LLMImportanceScorer(self.guarded_fast_model, fallback=offline)

    @cached_property
    def quirk_detector(self):
        """The nightly quirk detector: the fast LLM when configured, else the heuristic."""
        from .adapters.quirk_detector import HeuristicQuirkDetector, LLMQuirkDetector

        if self.guarded_fast_model is None:
            return HeuristicQuirkDetector()
        return LLMQuirkDetector(self.guarded_fast_model, fallback=HeuristicQuirkDetector())

    @cached_property
    def discord(self):
        from .adapters.discord_rest import DiscordRestClient

        return DiscordRestClient(self.settings.discord_api_base, bot_token=self.settings.discord_bot_token,
                                 bot_token_source=self.secret_source("discord_bot_token"))

    @cached_property
    def queue(self):
        from .adapters.queues import SqsTurnQueue

        if not self.settings.turn_queue_url:
            raise RuntimeError("TURN_QUEUE_URL is not set")
        return SqsTurnQueue(self.settings.turn_queue_url)

    @cached_property
    def job_queue(self):
        """The per-user jobs' queue (SQS FIFO, group = the user; JOB_QUEUE_URL), apart from the
        turns' so a turn never waits behind a job. None when not configured: a turn's new-memory
        job is then done in place, and the sweeps refuse to run."""
        from .adapters.queues import SqsTurnQueue

        return SqsTurnQueue(self.settings.job_queue_url) if self.settings.job_queue_url else None

    # --- services ----------------------------------------------------------------------------

    @cached_property
    def webhook(self):
        from .adapters.discord_webhook import InteractionWebhook

        if not self.settings.discord_public_key:
            raise RuntimeError("DISCORD_PUBLIC_KEY is not set")
        return InteractionWebhook(self.settings.discord_public_key, self.queue,
                                  clock=lambda: self.clock().timestamp())

    @cached_property
    def users(self):
        from .services.users import UserService

        return UserService(self.profile_repo, personality_salt=self.settings.personality_salt, clock=self.clock)

    # Services get the providers behind their circuit breakers (components overridden by the
    # local runtime and tests included).

    @cached_property
    def guarded_embedder(self):
        from .adapters.breakers import GuardedEmbedder

        return GuardedEmbedder(self.embedder, self.breakers["embedder"])

    @cached_property
    def statement_embedder(self):
        """Bare statements (importance scoring, the conflict check) are embedded again within a
        process: an in-process LRU keeps each embedded once (cleared on /forget, /forget-me)."""
        from .adapters.memo_embedder import MemoEmbedder

        return MemoEmbedder(self.guarded_embedder)

    @cached_property
    def memory(self):
        from .adapters.breakers import GuardedVectorStore
        from .services.memory import MemoryService

        return MemoryService(self.memory_repo, GuardedVectorStore(self.search_index, self.breakers["vector index"]),
                             self.guarded_embedder, self.importance_scorer, fallback=self.postgres_search_index,
                             related_similarity=self.settings.related_similarity or None)

    @cached_property
    def memory_control(self):
        from .services.memory_control import MemoryControlService

        return MemoryControlService(
            memory=self.memory, control=self.memory_control_repo, user_data=self.user_data_repo,
            vector_store=self.search_index, clock=self.clock, erasers=self.cache_erasers,
            retention_days=self.settings.data_retention_days,
        )

    @cached_property
    def fast_model(self):
        """The fast model (Groq) when configured, else None (callers have offline fallbacks)."""
        if not self.settings.groq_api_key:
            return None
        from .adapters.groq_fast import GroqFastModel

        return GroqFastModel(api_key=self.settings.groq_api_key, model=self.settings.scoring_llm_model,
                             api_key_source=self.secret_source("groq_api_key"))

    @cached_property
    def guarded_fast_model(self):
        """The fast model behind its circuit breaker, for every service that asks it something
        (importance, conflicts, summaries, quirks); None when it is not configured."""
        if self.fast_model is None:
            return None
        from .adapters.breakers import GuardedFastModel

        return GuardedFastModel(self.fast_model, self.breakers["fast model"])

    @cached_property
    def conflict_repo(self):
        from .adapters.postgres.conflicts import ConflictRepository

        return ConflictRepository(self.database)

    @cached_property
    def conflict_judge(self):
        from .adapters.conflict_judge import HeuristicConflictJudge, LLMConflictJudge

        return HeuristicConflictJudge() if self.guarded_fast_model is None else LLMConflictJudge(self.guarded_fast_model)

    @cached_property
    def conflicts(self):
        from .services.conflicts import ConflictService

        return ConflictService(conflicts=self.conflict_repo, judge=self.conflict_judge,
                               embedder=self.statement_embedder, vector_store=self.vector_store,
                               threshold=self.settings.conflict_candidate_similarity or None)

    @cached_property
    def new_memory(self):
        """A turn's new memory after the reply: importance score, merge of a repeat, conflict check, as a job."""
        from .services.new_memory import NewMemoryService

        return NewMemoryService(memory=self.memory, conflicts=self.conflicts, merges=self.merges,
                                queue=self.job_queue)

    @cached_property
    def merges(self):
        """Near-duplicate merge of a new memory into the current one it repeats."""
        from .adapters.postgres.merges import MergeRepository
        from .services.merges import MergeService

        return MergeService(store=MergeRepository(self.database), embedder=self.statement_embedder,
                            vector_store=self.vector_store, threshold=self.settings.merge_similarity or None)

    @cached_property
    def consolidation(self):
        """The nightly per-user consolidation job (the scheduled reflection calls consolidate_user)."""
        from .adapters.memory_summarizer import ExtractiveSummarizer, LLMSummarizer
        from .adapters.postgres.consolidation import ConsolidationRepository
        from .services.consolidation import ConsolidationService

        summarizer = ExtractiveSummarizer() if self.guarded_fast_model is None else LLMSummarizer(self.guarded_fast_model)
        return ConsolidationService(store=ConsolidationRepository(self.database), memory=self.memory,
                                    summarizer=summarizer, threshold=self.settings.consolidation_similarity or None)

    @cached_property
    def reply_channel(self):
        """Where the worker's turns and commands deliver: Discord's deferred reply, behind its breaker."""
        from .adapters.breakers import GuardedReplyChannel

        return GuardedReplyChannel(self.discord, self.breakers["discord"])

    @cached_property
    def commands(self):
        from .services.commands import CommandService

        return CommandService(
            profiles=self.profile_repo, users=self.users, memory=self.memory, personality=self.personality,
            replies=self.reply_channel, clock=self.clock, control=self.memory_control,
            conflicts=self.conflicts, consolidation=self.consolidation, settings=self.user_settings,
            pinned=self.pinned_facts, insights=self.insights,
        )

    @cached_property
    def pinned_facts(self):
        from .services.pinned import PinnedFacts

        return PinnedFacts(memory=self.memory, users=self.users, security=self.security,
                           new_memory=self.new_memory, clock=self.clock)

    @cached_property
    def turns(self):
        """The worker's turn service: replies go to Discord."""
        return self._turn_service(self.reply_channel)

    def _turn_service(self, replies):
        from .adapters.breakers import GuardedReplyModel
        from .services.turn import TurnService

        return TurnService(
            uow=self.database, profiles=self.profile_repo, needs=self.needs_repo,
            interactions=self.interaction_repo, users=self.users, memory=self.memory,
            reply_model=GuardedReplyModel(self.reply_model, self.breakers["reply model"]),
            replies=replies, clock=self.clock, commands=self.commands,
            personality=self.personality, conflicts=self.conflicts, consolidation=self.consolidation,
            security=self.security, remember_replies=bool(self.settings.remember_replies),
            outreach=self.outreach_repo, new_memory=self.new_memory,
        )

    @cached_property
    def incident_repo(self):
        from .adapters.postgres.security import IncidentRepository

        return IncidentRepository(self.database)

    @cached_property
    def offence_counter(self):
        """Repeat offences over 7 days: in Redis when configured, else the incidents table."""
        from .services.security import PostgresOffenceCounter, RedisOffenceCounter

        counter = PostgresOffenceCounter(self.incident_repo)
        if not self.settings.redis_url:
            return counter
        import redis

        client = redis.Redis.from_url(self.settings.redis_url, socket_timeout=0.25, socket_connect_timeout=0.25)
        return RedisOffenceCounter(client, fallback=counter)

    @cached_property
    def security(self):
        from .adapters.breakers import GuardedFastModel
        from .adapters.threat_screen import TwoStageThreatScreen, security_model
        from .services.security import SecurityService

        model = security_model(self.settings, api_key_source=self.secret_source("groq_api_key"))
        if model is not None:  # the same provider as the fast model: one breaker remembers Groq
            model = GuardedFastModel(model, self.breakers["fast model"])
        return SecurityService(
            uow=self.database, incidents=self.incident_repo, counter=self.offence_counter,
            screen=TwoStageThreatScreen(model), profiles=self.profile_repo,
            interactions=self.interaction_repo, users=self.users, personality=self.personality,
            clock=self.clock,
        )

    @cached_property
    def personality(self):
        from .adapters.quirk_detector import HeuristicQuirkDetector
        from .services.personality import PersonalityService

        return PersonalityService(
            uow=self.database, profiles=self.profile_repo, needs=self.needs_repo, quirks=self.quirk_repo,
            interactions=self.interaction_repo, turn_detector=HeuristicQuirkDetector(),
            nightly_detector=self.quirk_detector,
        )

    @cached_property
    def user_settings(self):
        from .services.settings import SettingsService

        return SettingsService(self.outreach_repo, self.users, self.clock,
                               retention_days=self.settings.data_retention_days)

    @cached_property
    def proactive(self):
        from .adapters.breakers import GuardedDiscordBot, GuardedReplyModel
        from .services.proactive import ProactiveService

        return ProactiveService(
            outreach=self.outreach_repo, needs=self.needs_repo, profiles=self.profile_repo,
            reply_model=GuardedReplyModel(self.reply_model, self.breakers["reply model"]),
            discord=GuardedDiscordBot(self.discord, self.breakers["discord"]),
            interactions=self.interaction_repo, uow=self.database, clock=self.clock,
            personality=self.personality, max_per_day=self.settings.max_proactive_per_day,
        )

    @cached_property
    def behaviour_analyst(self):
        """The nightly behaviour-change analysis: the fast LLM when configured, else the rules."""
        from .adapters.behaviour_analyst import LLMBehaviourAnalyst, RuleBasedBehaviourAnalyst

        if self.guarded_fast_model is None:
            return RuleBasedBehaviourAnalyst()
        return LLMBehaviourAnalyst(self.guarded_fast_model)

    @cached_property
    def insights(self):
        """What the nightly reflection notices (conversation patterns, behaviour changes, cycles)."""
        from .adapters.postgres.insights import InsightRepository
        from .services.insights import InsightService

        return InsightService(interactions=self.interaction_repo, profiles=self.profile_repo,
                              store=InsightRepository(self.database), analyst=self.behaviour_analyst,
                              personality=self.personality)

    @cached_property
    def nightly_steps(self) -> dict:
        """The per-user nightly jobs the reflection calls, by name (a None step is reported as
        "not_available")."""
        from .services.reflection import as_report

        return {
            "personality_evolution": lambda user_id, now: as_report(self.personality.evolve(user_id, now)),
            "memory_consolidation": lambda user_id, now: as_report(self.consolidation.consolidate_user(user_id, now)),
            "insights": self.insights.reflect,
        }

    @cached_property
    def reflection(self):
        from .services.reflection import ReflectionService

        return ReflectionService(outreach=self.outreach_repo, clock=self.clock, steps=self.nightly_steps)

    @cached_property
    def scheduled_jobs(self):
        from .services.schedules import ScheduleService

        # Need growth and the retention purge queue nothing: their functions get no JOB_QUEUE_URL.
        return ScheduleService(schedules=self.schedule_repo, queue=self.job_queue, clock=self.clock,
                               grow_needs=self.personality.grow_all_needs,
                               lift_sanctions=self.sanctions.lift_lapsed,
                               summarise_fleet=self.insights.summarise_yesterday,
                               purge_memories=self.retention.purge,
                               retention_days=self.settings.data_retention_days)

    @cached_property
    def retention(self):
        """Memories past their users' retention, with what was built from them (the daily purge)."""
        from .adapters.postgres.retention import RetentionRepository
        from .services.retention import RetentionService

        return RetentionService(store=RetentionRepository(self.database), vectors=self.search_index,
                                default_days=self.settings.data_retention_days, erasers=self.cache_erasers)

    @cached_property
    def cache_erasers(self):
        """The caches keyed by a user's texts (/forget, /forget-me and the retention purge clear them)."""
        erasers = [self.statement_embedder.forget]
        if hasattr(self.embedder, "forget"):
            erasers.append(self.embedder.forget)
        return erasers

    @cached_property
    def sanctions(self):
        """Sanctions that lift when the escalation window passes (the proactive sweep's first step)."""
        from .services.sanctions import SanctionService

        return SanctionService(incidents=self.incident_repo)

    @cached_property
    def user_jobs(self):
        """Per-user jobs from the work queue, by kind."""
        return {"proactive": self.proactive.run, "reflection": self.reflection.run, "new_memory": self.new_memory.run}

    @cached_property
    def jobs(self):
        """Runs a per-user job under its deadline (services/jobs.py)."""
        from .services.jobs import JobRunner

        return JobRunner(self.user_jobs)

    # --- the REST API (functions/api) -------------------------------------------------------------

    @cached_property
    def api_key_repo(self):
        from .adapters.postgres.api_access import ApiKeyRepository

        return ApiKeyRepository(self.database)

    @cached_property
    def idempotency_repo(self):
        from .adapters.postgres.api_access import IdempotencyRepository

        return IdempotencyRepository(self.database)

    @cached_property
    def fleet_repo(self):
        from .adapters.postgres.fleet import FleetRepository

        return FleetRepository(self.database)

    @cached_property
    def api_keys(self):
        from .services.api_keys import ApiKeyService

        return ApiKeyService(self.api_key_repo, clock=self.clock)

    @cached_property
    def api_replies(self):
        from .adapters.reply_mailbox import ReplyMailbox

        return ReplyMailbox()

    @cached_property
    def api_turns(self):
        """The turn service the worker runs (same steps, same collaborators), delivering replies
        into the API's mailbox instead of editing a Discord message."""
        return self._turn_service(self.api_replies)

    @cached_property
    def chat(self):
        from .services.chat import ChatService

        return ChatService(turns=self.api_turns, replies=self.api_replies, interactions=self.interaction_repo,
                           idempotency=self.idempotency_repo, users=self.users, clock=self.clock)

    @cached_property
    def idempotent_requests(self):
        """Idempotency-Key semantics for the API's other changing routes (chat has its own)."""
        from .services.idempotency import IdempotentRequests

        return IdempotentRequests(self.idempotency_repo, self.clock)

    @cached_property
    def admin(self):
        from .services.operations import AdminService

        return AdminService(fleet=self.fleet_repo, idempotency=self.idempotency_repo, memory=self.memory,
                            clock=self.clock)

    @cached_property
    def health(self):
        from .adapters import probes
        from .services.operations import HealthService, Probe

        s = self.settings
        providers = {
            "reply_model": (s.reply_backend_configured, s.reply_base_url,
                            "offline responder (no CHUTES_API_KEY or REPLY_BASE_URL)"),
            "fast_model": (s.groq_api_key, "https://api.groq.com/openai/v1", "offline scorer (no GROQ_API_KEY)"),
            "embeddings": (s.gemini_api_key, "https://generativelanguage.googleapis.com",
                           "local embedder (no GEMINI_API_KEY)"),
        }
        checks = {
            "postgres": Probe(self.fleet_repo.ping, required=True),
            "qdrant": Probe(probes.qdrant_probe(self.vector_store)),
            "redis": Probe(probes.redis_probe(s.redis_url) if s.redis_url else None),
            "queue": Probe(probes.queue_probe(self.queue) if self._has_queue() else None),
        }
        for name, (configured, url, instead) in providers.items():
            checks[name] = Probe(probes.http_probe(url) if configured else None, skipped_because=instead)
        if s.discord_api_base.startswith("https://"):
            checks["discord"] = Probe(probes.http_probe(s.discord_api_base + "/gateway"))
        return HealthService(probes=checks, fleet=self.fleet_repo, clock=self.clock,
                             queue_depth=lambda: self.queue.approximate_depth() if self._has_queue() else None)

    def _has_queue(self) -> bool:
        return "queue" in self.__dict__ or bool(self.settings.turn_queue_url)


_container: Container | None = None


def get_container() -> Container:
    """The process-wide container (built from the environment on first use)."""
    global _container
    if _container is None:
        _container = Container(Settings.from_env(), settings_source=Settings.from_env)
    return _container


def set_container(container: Container | None) -> None:
    """Install a container (the local runtime, tests); None resets to the environment's."""
    global _container
    _container = container
