"""The syntax of a resource identifier, the one rule every layer checks ids against.

``mw-k3x9q2v7ab`` (generated) or an id kept from a migrated catalogue (``lnrn-2024.001``):
3 to 64 letters, digits, ``.``, ``_`` or ``-``, starting with a letter or a digit — safe in
URLs, file names, OAI identifiers and set specs alike.
"""

from __future__ import annotations

import re
from typing import Any

RESOURCE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{2,63}$")


def is_resource_id(value: Any) -> bool:
    return isinstance(value, str) and RESOURCE_ID.match(value) is not None
