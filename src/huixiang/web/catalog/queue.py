"""Strings of the queue pages (keys prefixed `queue.`)."""

ENTRIES: dict[str, str] = {}
