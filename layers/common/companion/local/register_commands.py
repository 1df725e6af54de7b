"""`make register-commands`: registers the slash commands (domain/commands.py) with Discord.

Reads DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN from the environment. Run it once after
creating the application, and again whenever the command definitions change.
"""
from __future__ import annotations

import os
import sys

from ..adapters.discord_rest import DISCORD_API, DiscordRestClient
from ..ports import ProviderError
from ..domain.commands import SLASH_COMMANDS


def main() -> int:
    application_id = os.environ.get("DISCORD_APPLICATION_ID", "")
    token = os.environ.get("DISCORD_BOT_TOKEN", "")
    if not (application_id and token):
        print("Set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN (Discord developer portal).", file=sys.stderr)
        return 2
    client = DiscordRestClient(os.environ.get("DISCORD_API_BASE", DISCORD_API), bot_token=token)
    try:
        registered = client.register_commands(application_id, SLASH_COMMANDS)
    except ProviderError as error:  # a wrong token or application id, Discord down: said in one line
        print(f"not registered: {error}", file=sys.stderr)
        return 1
    print("registered: " + ", ".join(f"/{c['name']}" for c in registered))
    return 0


if __name__ == "__main__":
    sys.exit(main())
