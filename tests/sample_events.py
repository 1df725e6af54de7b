"""The sample events in events/: `events/<function>/<case>.json`, taken by functions/<function>/app.py."""
import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parents[1] / "events"
SAMPLE_PUBLIC_KEY = "16c058b643a554d86b5c40851b37804e502ac3ee9cbb2095e987f1ff91f4ccb5"


def sample_event(path: str) -> dict:
    """``sample_event("interactions/ping.json")``: tests name the event's path, which
    test_events checks for every file in events/."""
    return json.loads((EVENTS / path).read_text())


def all_sample_events() -> list[str]:
    return sorted(p.relative_to(EVENTS).as_posix() for p in EVENTS.glob("*/*.json"))
