"""Instance settings for tests, from the dicts the tests' fixtures build."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.settings import Settings


def settings_of(config: Mapping[str, Any] | Settings) -> Settings:
    """:class:`Settings` from a test config: ``MAWARID_*`` keys, and ``SECRET_KEY``.

    Flask keys (``TESTING``…) are left to the Flask app; the environment is not read, so
    a developer's ``MAWARID_*`` variables never leak into a test.
    """
    if isinstance(config, Settings):
        return config
    overrides = {k: v for k, v in config.items() if k.startswith("MAWARID_")}
    if config.get("SECRET_KEY"):
        overrides["secret_key"] = config["SECRET_KEY"]
    return Settings.from_environment({}, **overrides)
