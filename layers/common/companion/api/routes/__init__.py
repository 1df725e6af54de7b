"""The seed's gateway routers (routers/chat.py, memory.py, personality.py, admin.py, health.py)."""
