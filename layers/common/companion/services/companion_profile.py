"""What a companion is like right now, for readers other than the /personality command."""
from __future__ import annotations

from dataclasses import dataclass

from ..domain.models import PersonalitySnapshot
from ..domain.needs import Need
from ..ports import NeedsStore, ProfileStore, UnknownUser


@dataclass(frozen=True)
class CompanionProfile:
    personality: PersonalitySnapshot
    needs: list[Need]


class CompanionProfileService:
    def __init__(self, profiles: ProfileStore, needs: NeedsStore):
        self.profiles = profiles
        self.needs = needs

    def current(self, user_id: str) -> CompanionProfile:
        """Traits, mood, temperament and needs; UnknownUser before the user's first message (a
        read never creates a companion)."""
        personality = self.profiles.get_personality(user_id) if self.profiles.profile_exists(user_id) else None
        if personality is None:
            raise UnknownUser(user_id)
        return CompanionProfile(personality=personality, needs=self.needs.get_needs(user_id))
