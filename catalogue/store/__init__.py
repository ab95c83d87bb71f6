"""The catalogue's tables and database connection (see :mod:`.models`, :mod:`.database`)."""

from .database import Database
from .models import Base, utcnow

__all__ = ["Base", "Database", "utcnow"]
