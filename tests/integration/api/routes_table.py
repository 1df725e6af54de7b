"""Every authenticated route of the API, with a valid request for a given user: the auth tests
run over this table, and a test fails when a route is added without an entry."""
from __future__ import annotations

# (method, path template, body or None); "{user}" is the user the request acts for.
USER_ROUTES = [
    ("POST", "/chat/message", {"user_id": "{user}", "message": "hello there"}),
    ("POST", "/chat/proactive/{user}", {}),
    ("GET", "/chat/session/{user}", None),
    ("GET", "/chat/why/{user}", None),
    ("POST", "/memory/search", {"user_id": "{user}", "query": "puppy"}),
    ("GET", "/memory/episodic/{user}", None),
    ("POST", "/memory/consolidate/{user}", None),
    ("POST", "/memory/forget", {"user_id": "{user}", "target": "tulips"}),
    ("GET", "/memory/export/{user}", None),
    ("POST", "/memory/forget-me/{user}", {"confirm": True}),
    ("GET", "/personality/current/{user}", None),
    ("GET", "/personality/history/{user}", None),
    ("GET", "/personality/quirks/{user}", None),
]
ADMIN_ROUTES = [
    ("GET", "/admin/users", None),
    ("GET", "/admin/stats", None),
    ("GET", "/admin/insights", None),
    ("GET", "/admin/security/incidents", None),
    ("POST", "/admin/security/incidents/{incident}/false-positive", {"user_id": "{user}", "notes": "a film quote"}),
    ("POST", "/admin/cleanup", {}),
    ("GET", "/health/detailed", None),
    ("GET", "/health/metrics", None),
]
PUBLIC_ROUTES = [("GET", "/health")]


def fill(value, user: str, incident: int = 1):
    if isinstance(value, str):
        return value.replace("{user}", user).replace("{incident}", str(incident))
    if isinstance(value, dict):
        return {k: fill(v, user) for k, v in value.items()}
    return value


def request(client, method: str, path: str, body, user: str, headers: dict | None = None, incident: int = 1):
    return client.request(method, fill(path, user, incident),
                          json=fill(body, user, incident) if body is not None else None, headers=headers or {})


def templated(path: str) -> str:
    """The app's path template for a table path ("/chat/session/{user}" -> "{user_id}")."""
    return path.replace("{user}", "{user_id}").replace("{incident}", "{incident_id}")
