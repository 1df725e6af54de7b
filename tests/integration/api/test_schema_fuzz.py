"""schemathesis against the app in-process: for a bounded number of generated requests per route
(valid and invalid data), no 5xx and no response outside the documented schema."""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from .conftest import bearer

EXAMPLES_PER_ROUTE = 10
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def operations(schema):
    found = []
    for result in schema.get_all_operations():
        found.append(result.ok())
    return found


def test_every_route_survives_generated_requests(api_app, keys, runtime):
    # Some users exist, so reads find data as well as 404s; the admin key reaches every route.
    for user in ("100000000000000001", "user-1"):
        runtime.container.chat.send(user, "I got a new puppy today!")
    schema = schemathesis.openapi.from_asgi("/openapi.json", api_app)
    fuzzed = operations(schema)
    assert len(fuzzed) == len([m for item in api_app.openapi()["paths"].values() for m in item])
    for operation in fuzzed:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=bearer(keys.admin), checks=CHECKS)

        try:
            run()
        except Exception as failure:
            pytest.fail(f"{operation.method.upper()} {operation.path}: {failure}")
