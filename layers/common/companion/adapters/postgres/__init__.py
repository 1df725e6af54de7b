"""PostgreSQL adapters, one repository per aggregate over one Database. Every query is scoped
by user_id and runs inside ``Database.scoped(user_id)``: no method reads or writes another
user's rows."""
from .database import Database
from .interactions import InteractionRepository
from .memories import MemoryRepository, PostgresSearchIndex
from .needs import NeedsRepository
from .profiles import ProfileRepository
from .quirks import QuirkRepository

__all__ = ["Database", "InteractionRepository", "MemoryRepository", "NeedsRepository", "PostgresSearchIndex",
           "ProfileRepository", "QuirkRepository"]
