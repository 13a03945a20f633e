"""Strings of the intake pages (keys prefixed `intake.`)."""

ENTRIES: dict[str, str] = {}
