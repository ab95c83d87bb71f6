"""The catalogue's tables and database connection (see :mod:`.models`, :mod:`.database`)."""

from . import console_models, harvest_models  # noqa: F401  (their tables join Base.metadata)
from .database import Database
from .models import Base, utcnow

__all__ = ["Base", "Database", "utcnow"]
