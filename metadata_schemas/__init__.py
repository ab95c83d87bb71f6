"""Mawarid's record model: LOM/ScoLOMFR records, vocabularies and XML bindings.

Nothing here knows about the database, the index or the web: the other packages
depend on this one, never the reverse.
"""
