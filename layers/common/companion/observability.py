"""What operators see of a turn: X-Ray subsegments for its named steps, and log lines keyed by
the Discord interaction id, with user ids hashed and no message text.

- ``traced("recall")`` marks a step; in Lambda with tracing on (Powertools Tracer) the step runs
  in an X-Ray subsegment of that name, elsewhere it costs a function call.
- ``configure_logger(logger)``: every ``companion.*`` log record reaches the function's Powertools
  logger (its stdlib name is the service, "companion"), so it carries the correlation id; a filter
  on its handler replaces any ``user_id`` field with ``user`` = ``user_ref(user_id)``.
- ``record_circuit_change``: a circuit breaker's state change as a metric (the dashboard's
  "Circuit breakers" widget, the CircuitsOpened alarm).
- ``user_ref``: a keyed hash (HMAC-SHA256, 16 hex characters) of a Discord user id: stable, so one
  user's lines group together, but not reversible by looking ids up. The key is LOG_HASH_KEY
  (the stack's id in AWS).
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import logging
import os
from typing import Any, Callable

_tracer: Any = None
_tracer_resolved = False


def user_ref(user_id: str | int | None) -> str:
    key = os.environ.get("LOG_HASH_KEY", "companion").encode()
    return hmac.new(key, str(user_id).encode(), hashlib.sha256).hexdigest()[:16]


def active_tracer():
    """The Powertools Tracer when tracing is on (Lambda, not disabled), else None. Resolved once,
    without importing the X-Ray SDK when tracing is off."""
    global _tracer, _tracer_resolved
    if not _tracer_resolved:
        _tracer_resolved = True
        from .config import running_in_lambda

        disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").lower() in ("1", "true", "yes", "on")
        if running_in_lambda() and not disabled:
            import importlib.util

            from aws_lambda_powertools import Tracer

            # Outgoing calls as subsegments: AWS APIs (botocore) and HTTP (Discord, Qdrant, Groq).
            patch = [m for m in ("botocore", "httpx") if importlib.util.find_spec(m)]
            _tracer = Tracer(service=os.environ.get("POWERTOOLS_SERVICE_NAME", "companion"), patch_modules=patch)
    return _tracer


def set_tracer(tracer) -> None:
    """Install a tracer (tests record subsegments with one); None turns tracing off."""
    global _tracer, _tracer_resolved
    _tracer, _tracer_resolved = tracer, True


def traced(name: str) -> Callable:
    """Run the decorated step in an X-Ray subsegment called ``name`` when tracing is on."""

    def decorate(step: Callable) -> Callable:
        @functools.wraps(step)
        def run(*args, **kwargs):
            tracer = active_tracer()
            if tracer is None:
                return step(*args, **kwargs)
            with tracer.provider.in_subsegment(name):
                return step(*args, **kwargs)

        return run

    return decorate


def trace_handler(handler: Callable) -> Callable:
    """The Lambda handler inside a traced segment (cold start, errors) when tracing is on."""
    tracer = active_tracer()
    return handler if tracer is None else tracer.capture_lambda_handler(handler)


def annotate(**values: str) -> None:
    """Searchable X-Ray annotations on the current trace (interaction_id, command)."""
    tracer = active_tracer()
    if tracer is not None:
        for key, value in values.items():
            tracer.put_annotation(key, value)


class HashUserIds(logging.Filter):
    """Replaces a record's ``user_id`` field (``extra={"user_id": ...}``) with ``user``, hashed."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "user_id" in record.__dict__:
            record.user = user_ref(record.__dict__.pop("user_id"))
        return True


def configure_logger(logger) -> None:
    """Hash user ids in everything the function's Powertools logger writes (its own lines and
    the companion package's, which propagate to it)."""
    for handler in logger.handlers:
        if not any(isinstance(f, HashUserIds) for f in handler.filters):
            handler.addFilter(HashUserIds())


def correlation_id_of(body: bytes | str) -> str | None:
    """The interaction id in a Discord payload (read before verification: only for log keys)."""
    import json

    try:
        value = json.loads(body).get("id")
    except (ValueError, AttributeError):
        return None
    return str(value) if isinstance(value, (str, int)) else None


# Circuit breaker state -> metric name prefix (CircuitOpened_<dependency>, ...), one per state.
CIRCUIT_METRICS = {"open": "CircuitOpened", "half-open": "CircuitHalfOpened", "closed": "CircuitClosed"}


def circuit_metric(dependency: str, state: str) -> str:
    """``CircuitOpened_reply_model``: the metric one state change of one dependency counts on."""
    return f"{CIRCUIT_METRICS[state]}_{dependency.replace(' ', '_')}"


def record_circuit_change(dependency: str, state: str) -> None:
    """Counts a breaker's state change under the per-dependency metric, and openings also under
    ``CircuitsOpened`` (what the alarm watches). Powertools' metric set is shared by every
    ``Metrics`` of the process, so these go out with the function's own at the end of the
    invocation (``log_metrics``); the local runtime discards them."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace="Companion", service="companion")
    metrics.add_metric(name=circuit_metric(dependency, state), unit=MetricUnit.Count, value=1)
    if state == "open":
        metrics.add_metric(name="CircuitsOpened", unit=MetricUnit.Count, value=1)


def record_proactive_outcome(status: str, reason: str | None, *, origin: str) -> None:
    """Counts one proactive decision, from the sweep's queued job (``origin="sweep"``) or an
    operator's ``POST /chat/proactive`` (``origin="operator"``), under the same metrics so the
    "Proactive messages" widget and the delivery-failures alarm see both: ``ProactiveSent``,
    ``ProactiveDeclined``, ... one per status; ``ProactiveNotSent_<reason>`` for what a limit
    stopped; ``ProactiveDeliveryFailures`` when Discord refused it for good. Operator requests are
    also counted as ``ProactiveOperatorRequests`` (an operator sending a lot shows on the dashboard)."""
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics import MetricUnit

    metrics = Metrics(namespace="Companion", service="companion")
    metrics.add_metric(name="Proactive" + status.title().replace("_", ""), unit=MetricUnit.Count, value=1)
    if reason and status in ("blocked", "skipped", "failed"):
        metrics.add_metric(name=f"ProactiveNotSent_{reason}", unit=MetricUnit.Count, value=1)
    if status == "failed":  # dead-lettered after MAX_DELIVERY_ATTEMPTS
        metrics.add_metric(name="ProactiveDeliveryFailures", unit=MetricUnit.Count, value=1)
    if origin == "operator":
        metrics.add_metric(name="ProactiveOperatorRequests", unit=MetricUnit.Count, value=1)
