"""Placeholder; replaced by its area."""
COMMANDS: list = []
