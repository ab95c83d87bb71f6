"""OAI-PMH 2.0, the protocol itself: what the data provider (``portal.oai``) and the
harvester (``harvesters``) share.

* :mod:`oaipmh.errors` — one class per error code of the specification (section 3.6);
* :mod:`oaipmh.dates` — UTC datestamps and the two granularities (section 3.3).

Nothing here does I/O or knows the catalogue; names follow the specification.
"""
