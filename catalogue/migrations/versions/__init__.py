"""Alembic revisions. A package only so that they ship with the wheel; Alembic ignores this file."""
