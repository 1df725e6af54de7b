"""The REST API (API Gateway HTTP API -> Lambda): the FastAPI app of companion.api through
Mangum. The app calls the same services as the Discord path; see docs/API.md.

Metrics: the services' own (circuit breaker changes in a turn, operator-triggered proactive
messages) go out at the end of each invocation; most requests have none, which is not worth a
warning line per request."""
import warnings

from aws_lambda_powertools import Logger, Metrics
from mangum import Mangum

from companion.api.app import create_app
from companion.config import running_in_lambda
from companion.wiring import get_container

logger = Logger(service="companion")
metrics = Metrics(namespace="Companion", service="companion")
warnings.filterwarnings("ignore", message="No application metrics to publish")
app = create_app()
if running_in_lambda():  # POST /chat/message runs a turn: build it in the init phase, as the worker does
    get_container().warm_up()
_asgi = Mangum(app, lifespan="off")


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def handler(event, context):
    return _asgi(event, context)
