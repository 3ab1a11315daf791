"""The little a shared SQL implementation needs from a DB-API connection.

Dialect differences (placeholder style, transactions, bulk insert) live in the two
Session implementations, next to their backends; everything else is shared SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Protocol

Row = tuple[Any, ...]
Params = Sequence[Any]


class Session(Protocol):
    """One connection, used inside one transaction (or one read)."""

    def execute(self, sql: str, params: Params = ()) -> None: ...

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]: ...

    def fetchone(self, sql: str, params: Params = ()) -> Row | None: ...

    def executemany(self, sql: str, rows: Iterable[Params]) -> None: ...
