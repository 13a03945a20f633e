"""Use cases: load, let the domain decide, persist with an event. Services flush, never commit."""
