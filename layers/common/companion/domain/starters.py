"""What the companion says when it reaches out: the seed's starter prompts and fallback templates
(proactive_manager.py), and the choice of a memory worth following up."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from .models import Memory

NEED_PROMPTS = {
    "social": "Generate a warm, friendly conversation starter that addresses the user's need for social connection. Be naturally curious about their day or recent experiences.",
    "validation": "Create a conversation starter that offers gentle encouragement or recognition. Reference something positive from recent interactions if possible.",
    "intellectual": "Develop a conversation starter that engages the user's curiosity or offers interesting information. Consider their interests and recent topics.",
    "creative": "Generate a conversation starter that sparks creativity or imagination. Invite the user to share ideas or explore creative topics.",
    "rest": "Create a gentle, calming conversation starter that acknowledges the user might need relaxation or a peaceful interaction.",
}
MEMORY_FOLLOWUP_PROMPT = (
    "Write a short, curious follow-up to something the user told you earlier, asking how it went "
    "or what happened since. Refer to it naturally, in your own words."
)
TIMING_PROMPT = (
    "It is around the time the user usually talks with you. Write a short, natural check-in that "
    "fits this time of day."
)
PATTERN_PROMPT = (
    "You have not heard from the user in a while. Write a short, warm message that invites them "
    "back without pressure or guilt."
)
STARTER_RULES = (
    "\n\nYou are starting the conversation yourself, in a private message. Write ONE message of at "
    "most two sentences, in character. Do not mention being an AI, scores, needs or schedules. "
    "Output only the message."
)

FALLBACK_TEMPLATES = {
    "social": [
        "Hey! I was thinking about you and wondering how your day has been going?",
        "Hi there! I'm curious - what's been the highlight of your week so far?",
        "Hello! I've been meaning to check in with you. What's new in your world?",
    ],
    "validation": [
        "I've been reflecting on our conversations, and I really appreciate your perspective on things.",
        "Hey! I wanted to let you know that I always enjoy talking with you.",
        "Hi! You know, you always have such interesting insights. What's been on your mind lately?",
    ],
    "intellectual": [
        "I came across something fascinating today and thought you might find it interesting too...",
        "Hey! I was wondering about your thoughts on something I've been pondering...",
        "Hi there! I'm curious about your take on something - do you have a moment to chat?",
    ],
}
MEMORY_FOLLOWUP_TEMPLATE = 'Hey! I was just thinking about when you told me "{memory}" - how is that going?'

MIN_FOLLOWUP_IMPORTANCE = 0.5
MAX_QUOTED_CHARS = 140


@dataclass(frozen=True)
class StarterPlan:
    trigger: str  # need_urgency | memory_followup | timing_optimal | interaction_pattern
    need_type: str  # the primary need the message addresses (social when none is urgent)
    instruction: str  # the seed's prompt for this trigger
    memory: Memory | None
    fallback: str  # the seed's template, used when the model is down


def pick(options: Sequence[str], key: str) -> str:
    """The seed picks a template at random; a hash of the decision makes it repeatable."""
    return options[hashlib.sha256(key.encode()).digest()[0] % len(options)]


def followup_memory(memories: Sequence[Memory], now: datetime) -> Memory | None:
    """The seed's choice, max(importance * recency), among memories important enough to ask
    about; recency decays 0.995 per hour since the memory was made (Generative Agents)."""
    worth = [m for m in memories if m.importance >= MIN_FOLLOWUP_IMPORTANCE and m.memory_type == "episodic"]
    if not worth:
        return None

    def recency(m: Memory) -> float:
        return 0.995 ** max(0.0, (now - m.created_at).total_seconds() / 3600)

    return max(worth, key=lambda m: m.importance * recency(m))


def quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 1].rstrip() + "…"


def plan_starter(trigger: str, urgent_need: str | None, memory: Memory | None, key: str) -> StarterPlan:
    """Chooses what to say: an urgent need leads with that need's prompt; otherwise a memory worth
    following up, if there is one, wins over a timing or pattern check-in."""
    need = urgent_need or "social"
    if trigger == "need_urgency" and urgent_need:
        instruction = NEED_PROMPTS.get(need, NEED_PROMPTS["social"])
    elif memory is not None:
        trigger, instruction = "memory_followup", MEMORY_FOLLOWUP_PROMPT
    elif trigger == "timing_optimal":
        instruction = TIMING_PROMPT
    else:
        trigger, instruction = "interaction_pattern", PATTERN_PROMPT
    if memory is not None:
        fallback = MEMORY_FOLLOWUP_TEMPLATE.format(memory=quote(memory.content))
    else:
        fallback = pick(FALLBACK_TEMPLATES.get(need, FALLBACK_TEMPLATES["social"]), key)
    return StarterPlan(trigger=trigger, need_type=need, instruction=instruction, memory=memory, fallback=fallback)
