"""Strings of the notices pages (keys prefixed `notices.`)."""

ENTRIES: dict[str, str] = {}
