"""Sanctions that lift: ``user_profiles.status`` follows the escalation window both ways.

The security service sets the status when an incident is recorded or reviewed, and a turn sets
it again whenever the live level no longer matches (``SecurityService.standing``). A user who is
not writing is lifted by the proactive sweep, every 5 minutes, through ``lift_lapsed``: one
transaction over the sanctioned users (few), their offences in the window counted again. Once
'active', their outreach resumes at the next sweep (the sweep claims only active users).
"""
from __future__ import annotations

import logging
from datetime import datetime

from ..domain.security import OFFENCE_WINDOW, account_status, escalation_level

log = logging.getLogger(__name__)


class SanctionService:
    def __init__(self, *, incidents):
        self.incidents = incidents

    def lift_lapsed(self, now: datetime) -> dict[str, int]:
        """Sets every sanctioned user's status from their offences of the last 7 days; returns
        how many moved to each status ('active': lifted, 'restricted': a suspension stepped down)."""
        moved = self.incidents.lift_lapsed(now - OFFENCE_WINDOW, now,
                                           lambda offences: account_status(escalation_level(offences)))
        if moved:
            log.info("sanctions lapsed", extra={"moved": moved})
        return moved
