"""Applies database migrations: a CloudFormation custom resource on every deploy, or invoked
directly ({"action": "migrate"}). Deletes are no-ops: a stack delete never drops data."""
import os
from pathlib import Path

from aws_lambda_powertools import Logger

from companion.adapters.migrations import apply_migrations
from companion.config import Settings

logger = Logger(service="companion")
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
    applied = migrate()
    logger.info("migrations applied", applied=applied)
    return {"applied": applied}
