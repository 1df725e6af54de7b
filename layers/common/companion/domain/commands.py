"""The slash commands, as registered with Discord (application command objects)."""
from __future__ import annotations

from .models import MAX_MESSAGE_CHARS

STRING = 3  # application command option type
GUILD, BOT_DM = 0, 1  # interaction contexts

SLASH_COMMANDS = [
    {
        "name": "companion",
        "description": "Talk to your companion",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "message", "description": "What you want to say",
            "required": True, "max_length": MAX_MESSAGE_CHARS,
        }],
    },
    {
        "name": "memories",
        "description": "Search what your companion remembers about you (only you see the answer)",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "query", "description": "What to look for",
            "required": True, "max_length": 200,
        }],
    },
    {
        "name": "personality",
        "description": "See your companion's mood, temperament, traits and needs (only you see it)",
        "contexts": [GUILD, BOT_DM],
    },
]
