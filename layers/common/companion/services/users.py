"""User lifecycle: a companion is created on a user's first contact."""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.needs import initial_needs
from ..domain.personality import baseline_pad, generate_big_five
from ..ports import ProfileStore

log = logging.getLogger(__name__)


class UserCreationError(RuntimeError):
    pass


class UserService:
    def __init__(self, profiles: ProfileStore, *, personality_salt: str = "", clock=None):
        self.profiles = profiles
        self._salt = personality_salt
        self._clock = clock  # stored timestamps follow the container's clock (the local run's too)

    def ensure_user(self, user_id: str, username: str = "", now: datetime | None = None) -> bool:
        """Create the user's companion if it does not exist; True when it was created now."""
        if self.profiles.profile_exists(user_id):
            return False
        traits = generate_big_five(user_id, salt=self._salt)
        try:
            created = self.profiles.create_user(user_id, username, traits, baseline_pad(traits), initial_needs(),
                                                now=now if now is not None else self._clock() if self._clock else None)
        except Exception as exc:
            raise UserCreationError(f"creating the companion for user {user_id} failed: {exc}") from exc
        if created:
            log.info("created companion", extra={"user_id": user_id, "traits": traits.as_dict()})
        return created

    def exists(self, user_id: str) -> bool:
        return self.profiles.profile_exists(user_id)
