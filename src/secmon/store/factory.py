"""Choose a backend from a URL: ``sqlite:///path.db`` or ``postgresql://...``."""

from __future__ import annotations

from secmon.domain.errors import InvalidInput
from secmon.store.base import Store

DEFAULT_DB_URL = "sqlite:///secmon.db"


def open_store(url: str) -> Store:
    """Open (not migrate) the store at `url`."""
    if url.startswith("sqlite:"):
        from secmon.store.sqlite import SqliteStore

        return SqliteStore(url)
    if url.startswith(("postgresql:", "postgres:")):
        from secmon.store.postgres import PostgresStore

        return PostgresStore(url)
    raise InvalidInput("db", f"unsupported database URL {url!r} (use sqlite:/// or postgresql://)")
