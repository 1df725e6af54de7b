"""/settings: what the user allows the companion to do on its own, shown and changed.

Options (all optional; none shows the current settings):
``proactive:on|off``, ``quiet_hours:23-7`` (local hours, start-end; ``off`` for none),
``timezone:Europe/Berlin`` (IANA name; ``auto`` to let the companion learn it from activity).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Callable

from ..domain.proactive import MAX_PROACTIVE_PER_DAY, valid_zone
from ..domain.retention import DEFAULT_RETENTION_DAYS

_HOURS = re.compile(r"^\s*(\d{1,2})(?::00)?\s*-\s*(\d{1,2})(?::00)?\s*$")
OPTIONS = ("proactive", "quiet_hours", "timezone")


class SettingsError(ValueError):
    pass


def parse_changes(options: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise SettingsError(f"I don't have a setting called {', '.join(unknown)}. "
                            f"I know: {', '.join(OPTIONS)}.")
    if "proactive" in options:
        value = str(options["proactive"]).strip().lower()
        if value not in ("on", "off", "true", "false", "yes", "no"):
            raise SettingsError("`proactive` is `on` or `off`.")
        changes["proactive"] = value in ("on", "true", "yes")
    if "quiet_hours" in options:
        value = str(options["quiet_hours"]).strip().lower()
        if value in ("off", "none"):
            changes["quiet_hours_start"] = changes["quiet_hours_end"] = 0
        else:
            m = _HOURS.match(value)
            if not m or not (0 <= int(m[1]) <= 23 and 0 <= int(m[2]) <= 23):
                raise SettingsError("`quiet_hours` looks like `23-7` (from 23:00 to 07:00 your time), or `off`.")
            changes["quiet_hours_start"], changes["quiet_hours_end"] = int(m[1]), int(m[2])
    if "timezone" in options:
        value = str(options["timezone"]).strip()
        if value.lower() != "auto" and not valid_zone(value):
            raise SettingsError(f"I don't know the time zone `{value}`. Use a name like `Europe/Berlin` "
                                "or `America/New_York` (or `auto`).")
        changes["timezone"] = value
    return changes


def describe(settings: dict[str, Any], retention_days: int = DEFAULT_RETENTION_DAYS) -> str:
    """``retention_days``: the deployment's; a profile's own ``data_retention_days`` wins."""
    start, end = settings["quiet_hours_start"], settings["quiet_hours_end"]
    quiet = "none" if start == end else f"{start:02d}:00-{end:02d}:00 your time"
    source = {"user": "set by you", "inferred": "learnt from when you talk to me",
              "default": "not set; I'll learn it from when you talk to me"}[settings["timezone_source"]]
    state = "on" if settings["proactive"] else "off"
    return "\n".join([
        f"**Messages from me:** {state} (at most {MAX_PROACTIVE_PER_DAY} a day, at least 4 hours apart, "
        "and none for a day after one you didn't answer)",
        f"**Quiet hours:** {quiet}",
        f"**Time zone:** {settings['timezone']} ({source})",
        f"**What I keep:** what you tell me, for {settings.get('data_retention_days') or retention_days} days; "
        "then it is deleted with everything I built from it (summaries, search index, my notes on why I "
        "said things). `/forget` and `/forget-me` erase sooner.",
        "Change with `/settings proactive:off`, `/settings quiet_hours:22-8`, `/settings timezone:Europe/Berlin`.",
    ])


class SettingsService:
    def __init__(self, outreach, users, clock: Callable[[], datetime],
                 retention_days: int = DEFAULT_RETENTION_DAYS):
        self.outreach = outreach
        self.users = users
        self.clock = clock
        self.retention_days = retention_days  # the deployment's DATA_RETENTION_DAYS

    def handle(self, user_id: str, username: str, options: dict[str, Any]) -> str:
        self.users.ensure_user(user_id, username)
        try:
            changes = parse_changes(options)
        except SettingsError as exc:
            return str(exc)
        if changes.get("timezone", "").lower() == "auto":
            del changes["timezone"]
            self.outreach.reset_timezone(user_id)
        if changes:
            self.outreach.update_settings(user_id, changes, self.clock())
        current = self.outreach.get_settings(user_id)
        head = "Saved. " if changes or "timezone" in options else ""
        return head + describe(current, self.retention_days)

