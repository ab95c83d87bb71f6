"""The Mawarid catalogue: the store of resources and the provenance of each one.

``catalogue.store`` holds the tables (SQLAlchemy 2, Alembic migrations shipped in
``catalogue/migrations``); ``catalogue.services`` is the only way the portal, the
CLI and the importers change them, so every lifecycle rule lives there.
"""
