"""Applies database migrations: a CloudFormation custom resource on every deploy, or invoked
directly ({"action": "migrate"}). Deletes are no-ops: a stack delete never drops data.
{"action": "reindex-vectors"} rebuilds the vector index from PostgreSQL (docs/OPERATIONS.md)."""
import os
from pathlib import Path

from aws_lambda_powertools import Logger

from companion.adapters.migrations import apply_migrations
from companion.config import Settings
from companion.observability import configure_logger, trace_handler

logger = Logger(service="companion")
configure_logger(logger)
MIGRATIONS_DIR = Path(os.environ.get("MIGRATIONS_DIR", Path(__file__).parent / "migrations"))


def migrate() -> list[str]:
    return apply_migrations(Settings.from_env().database_url, MIGRATIONS_DIR)


def _custom_resource(event, context) -> None:
    from urllib.request import Request, urlopen
    import json

    status, reason, data = "SUCCESS", "", {}
    try:
        if event["RequestType"] in ("Create", "Update"):
            data["Applied"] = ",".join(migrate()) or "none"
    except Exception as exc:  # reported to CloudFormation, which rolls the deploy back
        logger.exception("migrations failed")
        status, reason = "FAILED", f"{type(exc).__name__}: {exc}"[:500]
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


@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    if isinstance(event, dict) and "RequestType" in event and "ResponseURL" in event:
        _custom_resource(event, context)
        return {"ok": True}
    if isinstance(event, dict) and event.get("action") == "reindex-vectors":
        return reindex_vectors(event, context)
    applied = migrate()
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
