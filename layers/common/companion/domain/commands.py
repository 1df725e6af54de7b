"""The slash commands, as registered with Discord (application command objects)."""
from __future__ import annotations

from .models import MAX_FACT_CHARS, MAX_MESSAGE_CHARS

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
        "description": "What your companion remembers about you: the newest, or a search (only you see it)",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "query", "description": "What to look for (leave out for the newest memories)",
            "required": False, "max_length": 200,
        }],
    },
    {
        "name": "remember",
        "description": "Pin a fact for your companion to keep word for word (only you see the answer)",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "fact", "description": "What to keep, e.g. my sister's birthday is 3 May",
            "required": True, "max_length": MAX_FACT_CHARS,
        }],
    },
    {
        "name": "personality",
        "description": "See your companion's mood, temperament, traits and needs (only you see it)",
        "contexts": [GUILD, BOT_DM],
    },
    # The user's control over their data (only they see the answers).
    {
        "name": "forget",
        "description": "Make your companion forget a memory (its id from /memories, or words it contains)",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "query", "description": "A memory id like 3fa2b1c9, or words in it",
            "required": True, "max_length": 200,
        }],
    },
    {
        "name": "forget-me",
        "description": "Erase everything your companion has about you (asks to confirm)",
        "contexts": [GUILD, BOT_DM],
        "options": [{
            "type": STRING, "name": "confirm", "description": "yes: erase without asking again",
            "required": False, "choices": [{"name": "yes", "value": "yes"}],
        }],
    },
    {
        "name": "export",
        "description": "Download everything your companion keeps about you, as a JSON file",
        "contexts": [GUILD, BOT_DM],
    },
    {
        "name": "why",
        "description": "Why did your companion say that? What its last reply was made from",
        "contexts": [GUILD, BOT_DM],
    },
    {
        "name": "settings",
        "description": "What your companion may do on its own: messages, quiet hours, time zone (only you see it)",
        "contexts": [GUILD, BOT_DM],
        "options": [
            {"type": STRING, "name": "proactive", "description": "May it message you first?",
             "required": False, "choices": [{"name": "on", "value": "on"}, {"name": "off", "value": "off"}]},
            {"type": STRING, "name": "quiet_hours", "description": "Hours it never messages you, e.g. 23-7 (or off)",
             "required": False, "max_length": 11},
            {"type": STRING, "name": "timezone", "description": "Your time zone, e.g. Europe/Berlin (or auto)",
             "required": False, "max_length": 64},
        ],
    },
]
