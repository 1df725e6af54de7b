"""API keys that follow their secret, for every provider adapter (Chutes, Groq, Gemini, Qdrant).

A key is asked of its source (``source(fresh=False) -> str``, the container's cached secret read)
before each call, so a replaced key reaches a warm container when the secret cache ages out; when
the provider refuses the key, the source is asked again at once (``fresh=True``) and the call is
made once more with the new key. The database password follows the same source protocol
(``Database``'s conninfo callable). Without a source the key is fixed (tests, the local runtime).
"""
from __future__ import annotations

import logging
from typing import Callable, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
Client = TypeVar("Client")


class LiveKey(Generic[Client]):
    """The current key and a client built for it (rebuilt when the key changes)."""

    def __init__(self, key: str, connect: Callable[[str], Client], *,
                 source: Callable[..., str] | None = None, name: str = "provider"):
        self._key = key
        self._connect = connect
        self._source = source
        self._name = name
        self._client: Client = connect(key)

    @property
    def client(self) -> Client:
        """The client for the key in use (without asking the source)."""
        return self._client

    def call(self, use: Callable[[Client], T], *, refused: Callable[[BaseException], bool]) -> T:
        """``use(client)`` with the current key; once more with a re-read key when ``refused``
        says the provider rejected the credential and the secret now holds another one."""
        self._switch(self._read(fresh=False))
        try:
            return use(self._client)
        except Exception as error:
            if not refused(error) or not self._switch(self._read(fresh=True)):
                raise
            log.warning("%s refused its key; retrying with the re-read key", self._name)
            return use(self._client)

    def _read(self, *, fresh: bool) -> str:
        if self._source is None:
            return self._key
        try:
            return self._source(fresh=fresh) or self._key
        except Exception:  # a Secrets Manager outage must not take the provider down with it
            log.warning("could not re-read the %s key", self._name, exc_info=True)
            return self._key

    def _switch(self, key: str) -> bool:
        """Use ``key`` from now on; True when it differs from the key in use."""
        if key == self._key:
            return False
        # The old client is dropped, not closed: SDK clients built by ``with_options`` share one
        # HTTP connection pool with it.
        self._key, self._client = key, self._connect(key)
        return True
