import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def recorded():
    """A recorded provider response body (tests/unit/adapters/fixtures/<name>.json)."""

    def load(name: str) -> dict:
        return json.loads((FIXTURES / f"{name}.json").read_text())

    return load
