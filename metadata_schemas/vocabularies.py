"""Controlled vocabularies: the shipped set and the way to load another.

The classes are in :mod:`metadata_schemas.vocabulary_model` (``Vocabulary.resolve``
is the one entry point for values coming from outside), the data files and their
checks in :mod:`metadata_schemas.vocabulary_files`; this module is what the other
packages import.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from .vocabulary_files import load_vocabularies
from .vocabulary_model import (
    LABEL_LANGUAGES,
    REQUIRED_LABEL_LANGUAGES,
    TERM_ID,
    Term,
    Vocabularies,
    Vocabulary,
)

__all__ = [
    "LABEL_LANGUAGES",
    "REQUIRED_LABEL_LANGUAGES",
    "TERM_ID",
    "Term",
    "Vocabularies",
    "Vocabulary",
    "get_vocabularies",
    "load_vocabularies",
]


@lru_cache(maxsize=1)
def get_vocabularies() -> Vocabularies:
    """The vocabularies shipped with the package (loaded and validated once)."""
    folder = resources.files("metadata_schemas") / "vocab"
    with resources.as_file(folder) as path:
        return load_vocabularies(path)
