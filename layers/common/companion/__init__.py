"""companion: an AI companion with an evolving personality and long-term memory.

``domain`` is pure logic (no I/O, no clock reads); ``ports`` are the interfaces services depend
on; ``adapters`` implement them for one engine each; ``services`` orchestrate; ``wiring`` builds
services from configuration (AWS engines in Lambda, embedded engines locally).
"""
