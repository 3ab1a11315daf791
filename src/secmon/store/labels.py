"""The in-memory mirror of the `labels` table (low-cardinality text ↔ small ids).

Labels are only ever added, never changed or removed, so a cached id is valid
forever; the cache only needs to learn about new rows, which it does by comparing
the table's row count with its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from enum import IntEnum

from secmon.store.session import Session

NO_LABEL = 0


class LabelKind(IntEnum):
    EVENT_NAME = 1
    ATTACK_TYPE = 2
    PROTOCOL = 3
    REGION = 4
    ZONE = 5
    VPC = 6
    ACTION = 7
    APP_PROTO = 8


class LabelCache:
    """Thread-safe for its use: lookups read plain dicts that only ever grow (under a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ids: dict[tuple[int, str], int] = {}
        # The same ids per kind, with None → NO_LABEL, so bulk paths map values in one lookup.
        self._ids_by_kind: dict[int, dict[str | None, int]] = {k: {None: NO_LABEL} for k in LabelKind}
        # Id → value, with NO_LABEL → None.
        self._names: dict[int, str | None] = {NO_LABEL: None}
        self._values: dict[int, tuple[int, str]] = {}

    def _load(self, rows: Iterable[tuple[int, int, str]]) -> None:
        for ident, kind, value in rows:
            self._ids[(kind, value)] = ident
            self._ids_by_kind.setdefault(kind, {None: NO_LABEL})[value] = ident
            self._names[ident] = value
            self._values[ident] = (kind, value)

    def sync(self, session: Session) -> None:
        """Learn labels added since the last sync (by any process)."""
        row = session.fetchone("SELECT count(*) FROM labels")
        count = int(row[0]) if row else 0
        if count == len(self._values):
            return
        rows = session.fetchall("SELECT id, kind, value FROM labels")
        with self._lock:
            self._load(rows)

    def known_ids(self, kind: LabelKind, values: Iterable[str]) -> dict[str, int] | None:
        """Ids of all `values`, or None if any is not cached yet."""
        found: dict[str, int] = {}
        for value in values:
            ident = self._ids.get((kind, value))
            if ident is None:
                return None
            found[value] = ident
        return found

    def ensure(self, session: Session, wanted: dict[LabelKind, set[str]]) -> bool:
        """Insert the labels not yet in the table; True when anything was inserted."""
        missing = [
            (int(kind), value)
            for kind, values in wanted.items()
            for value in values
            if (kind, value) not in self._ids
        ]
        if not missing:
            return False
        session.executemany(
            "INSERT INTO labels (kind, value) VALUES (?, ?) ON CONFLICT (kind, value) DO NOTHING",
            missing,
        )
        rows = session.fetchall("SELECT id, kind, value FROM labels")
        with self._lock:
            self._load(rows)
        return True

    def ids(self, kind: LabelKind) -> Mapping[str | None, int]:
        """Value → id for one kind (None → NO_LABEL); a KeyError means "not cached yet"."""
        return self._ids_by_kind[kind]

    def names(self) -> Mapping[int, str | None]:
        """Id → value (NO_LABEL → None); a KeyError means "not cached yet"."""
        return self._names

    def matching(self, kind: LabelKind, predicate: Callable[[str], bool]) -> list[int]:
        """Ids of every label of `kind` whose value satisfies `predicate`."""
        with self._lock:
            items = list(self._ids.items())
        return sorted(ident for (k, value), ident in items if k == kind and predicate(value))
