"""Crosswalk and mapping data files (JSON) read by the XML bindings; no code."""
