"""The syntax the OAI-PMH schema gives argument values (OAI-PMH.xsd), shared by the
provider (checking requests) and the harvester (checking a source before asking)."""

from __future__ import annotations

import re

#: ``metadataPrefixType``.
METADATA_PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
#: ``setSpecType``: colon-separated hierarchy.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
#: ``identifierType`` (``anyURI``), as an absolute URI.
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:(?:[A-Za-z0-9\-_.!~*'();/?:@&=+$,]|%[0-9A-Fa-f]{2})+")
