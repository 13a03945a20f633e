"""Strings of the admin pages (keys prefixed `admin.`)."""

ENTRIES: dict[str, str] = {}
