"""Persistence: one Store interface, SQLite and PostgreSQL behind it."""

from secmon.store.base import Store
from secmon.store.factory import open_store

__all__ = ["Store", "open_store"]
