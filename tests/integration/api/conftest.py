"""The REST API on the embedded engines: the app as functions/api serves it, over the same
container the Discord path uses (LocalRuntime), with keys created through the key service."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

ALICE, BOB = "100000000000000001", "100000000000000002"


@dataclass
class Keys:
    admin: str
    alice: str  # a client key bound to ALICE only
    bob: str


@pytest.fixture
def api_app(runtime):
    from companion.api.app import create_app
    from companion.local.api_server import with_queued_work

    return with_queued_work(create_app(), runtime)


@pytest.fixture
def keys(runtime) -> Keys:
    service = runtime.container.api_keys
    return Keys(
        admin=service.create("admin", label="test admin")[1],
        alice=service.create("client", [ALICE], label="alice's app")[1],
        bob=service.create("client", [BOB], label="bob's app")[1],
    )


@pytest.fixture
def client(api_app):
    with TestClient(api_app, raise_server_exceptions=False) as c:
        yield c


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}
