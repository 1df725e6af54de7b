"""Applies database migrations: a CloudFormation custom resource on every deploy, or invoked
directly ({"action": "migrate"}). Deletes are no-ops: a stack delete never drops data.
{"action": "reindex-vectors"} rebuilds the vector index from PostgreSQL (docs/OPERATIONS.md).

A deploy lands or fails fast: every wait has a timeout drawn from the function's remaining time
(connect, locks, statements, Secrets Manager), and a watchdog answers FAILED to CloudFormation
shortly before the function's own deadline, so a hung database never leaves the stack waiting
(and its rollback's delete waiting again) for an hour.
"""
import json
import os
import threading
from pathlib import Path

from aws_lambda_powertools import Logger

from companion.adapters.migrations import apply_migrations
from companion.config import Settings
from companion.observability import configure_logger, trace_handler

logger = Logger(service="companion")
configure_logger(logger)
MIGRATIONS_DIR = Path(os.environ.get("MIGRATIONS_DIR", Path(__file__).parent / "migrations"))
WATCHDOG_MARGIN_S = 20.0  # answer CloudFormation this long before the function is killed
CONNECT_TIMEOUT_S = 10
LOCK_TIMEOUT_S = 30


def migrate(time_left: float | None = None) -> list[str]:
    statement_timeout = max(1.0, time_left - 5) if time_left else None
    return apply_migrations(Settings.from_env().database_url, MIGRATIONS_DIR, connect_timeout=CONNECT_TIMEOUT_S,
                            lock_timeout=LOCK_TIMEOUT_S, statement_timeout=statement_timeout)


def _custom_resource(event, context) -> None:
    from urllib.request import Request, urlopen

    answered = threading.Lock()
    sent: list[str] = []

    def respond(status: str, reason: str, data: dict) -> None:
        with answered:
            if sent:
                return  # CloudFormation takes one answer; the watchdog may have given it
            sent.append(status)
            body = json.dumps({
                "Status": status,
                "Reason": reason or f"see log stream {getattr(context, 'log_stream_name', '')}",
                "PhysicalResourceId": event.get("PhysicalResourceId") or "companion-migrations",
                "StackId": event["StackId"],
                "RequestId": event["RequestId"],
                "LogicalResourceId": event["LogicalResourceId"],
                "Data": data,
            }).encode()
            urlopen(Request(event["ResponseURL"], data=body, method="PUT", headers={"content-type": ""}), timeout=10)

    budget = _seconds_left(context) - WATCHDOG_MARGIN_S
    watchdog = threading.Timer(max(budget, 0.1), lambda: _give_up(respond, budget))
    watchdog.daemon = True
    watchdog.start()
    status, reason, data = "SUCCESS", "", {}
    try:
        if event["RequestType"] in ("Create", "Update"):
            data["Applied"] = ",".join(migrate(budget)) or "none"
    except Exception as exc:  # reported to CloudFormation, which rolls the deploy back
        logger.exception("migrations failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"[:500]
    finally:
        watchdog.cancel()
    respond(status, reason, data)


def _give_up(respond, budget: float) -> None:
    logger.error("migrations did not finish in time; answering FAILED before the function is killed")
    respond("FAILED", f"migrations did not finish within {budget:.0f}s (is the database reachable from the "
                      "functions' subnets, or is a long transaction holding a lock?)", {})


def _seconds_left(context) -> float:
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    return remaining() / 1000 if remaining else 300.0


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    if isinstance(event, dict) and "RequestType" in event and "ResponseURL" in event:
        _custom_resource(event, context)
        return {"ok": True}
    if isinstance(event, dict) and event.get("action") == "reindex-vectors":
        return reindex_vectors(event, context)
    applied = migrate(_seconds_left(context) - 5)
    logger.info("migrations applied", applied=applied)
    return {"applied": applied}


def reindex_vectors(event, context) -> dict:
    """Rebuild Qdrant from PostgreSQL; stops a minute before the timeout and says where to resume."""
    from companion.wiring import get_container

    remaining_s = context.get_remaining_time_in_millis() / 1000 if context else 300
    progress = get_container().vector_index_rebuild.run(
        after_user=event.get("after_user"), budget_seconds=max(remaining_s - 60, 1))
    logger.info("vector index rebuilt" if progress.next_after_user is None else "vector index rebuild paused",
                users=progress.users, memories=progress.memories)
    return progress.to_dict()


handler = trace_handler(handler)
