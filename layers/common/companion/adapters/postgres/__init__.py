"""PostgreSQL adapters, one repository per aggregate over one Database. Every query is scoped
by user_id and runs inside ``Database.scoped(user_id)``: no method reads or writes another
user's rows."""
from .database import Database
from .interactions import InteractionRepository
from .memories import MemoryRepository, PostgresSearchIndex
from .needs import NeedsRepository
from .proactive import OutreachRepository
from .profiles import ProfileRepository
from .quirks import QuirkRepository
from .schedules import ScheduleRepository

__all__ = [
    "Database", "InteractionRepository", "MemoryRepository", "NeedsRepository", "OutreachRepository",
    "PostgresSearchIndex", "ProfileRepository", "QuirkRepository", "ScheduleRepository",
]
