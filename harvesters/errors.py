"""Why a partner could not be harvested: network, HTTP, or an answer that is not OAI-PMH.

OAI-PMH errors the partner itself answers with are :mod:`oaipmh.errors` classes; every
other failure is a :class:`HarvestError` whose message names the partner and what it
did, in the reader's language.
"""

from __future__ import annotations

from core.errors import MawaridError


class HarvestError(MawaridError):
    """The partner repository cannot be harvested now (the run stops; the next resumes)."""

    code = "harvest_error"
