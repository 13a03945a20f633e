"""Strings of the ticket pages (keys prefixed `ticket.`)."""

ENTRIES: dict[str, str] = {}
