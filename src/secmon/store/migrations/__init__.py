"""Numbered SQL migrations, one directory per dialect (``0001_name.sql``...).

Each migration runs in its own transaction together with the row recording it, so
a crash leaves the schema at a whole version.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from importlib import resources

from secmon.store.session import Session

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    def statements(self) -> list[str]:
        """The script split at semicolons that end a line (no procedural bodies here)."""
        parts = re.split(r";[ \t]*(?:\n|$)", self.sql)
        out = []
        for part in parts:
            code = "\n".join(line for line in part.splitlines() if not line.strip().startswith("--")).strip()
            if code:
                out.append(code)
        return out


def available(dialect: str) -> list[Migration]:
    folder = resources.files(__package__).joinpath(dialect)
    found = []
    for entry in folder.iterdir():
        match = _FILE.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    return sorted(found, key=lambda m: m.version)


class MigrationRunner:
    def __init__(
        self,
        dialect: str,
        write: Callable[[], AbstractContextManager[Session]],
        lock_statement: str | None = None,
    ) -> None:
        self._dialect = dialect
        self._write = write
        self._lock_statement = lock_statement

    def _ensure_table(self, s: Session) -> None:
        s.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )

    def current(self) -> int:
        with self._write() as s:
            self._ensure_table(s)
            row = s.fetchone("SELECT coalesce(max(version), 0) FROM schema_migrations")
        return int(row[0]) if row else 0

    def upgrade(self) -> list[int]:
        applied: list[int] = []
        for migration in available(self._dialect):
            with self._write() as s:
                if self._lock_statement:
                    s.execute(self._lock_statement)
                self._ensure_table(s)
                row = s.fetchone("SELECT 1 FROM schema_migrations WHERE version = ?", (migration.version,))
                if row:
                    continue
                for statement in migration.statements():
                    s.execute(statement)
                s.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) "
                    "VALUES (?, ?, CURRENT_TIMESTAMP)",
                    (migration.version, migration.name),
                )
                applied.append(migration.version)
        return applied
