"""Where turns answered for REST API clients deliver their reply: the HTTP response.

The turn service delivers every reply through the ``ReplyChannel`` port ("edit the deferred
reply"). An API turn carries a one-off token instead of a Discord one; this implementation of the
port keeps what is sent under that token until the API request collects it. The API runs only
conversation turns, whose replies are text: embeds (a slash command's) are Discord's.
"""
from __future__ import annotations

import threading


class ReplyMailbox:
    def __init__(self):
        self._sent: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def edit_original(self, application_id: str, token: str, content: str,
                      embeds: list[dict] | None = None) -> None:
        with self._lock:
            self._sent.setdefault(token, []).append(content)

    def collect(self, token: str) -> list[str]:
        """Everything sent under ``token``, removed from the mailbox."""
        with self._lock:
            return self._sent.pop(token, [])
