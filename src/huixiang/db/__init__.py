"""Persistence: models, the engine and session factory, and repositories."""
