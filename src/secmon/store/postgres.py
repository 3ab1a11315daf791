"""PostgreSQL backend on psycopg 3 with a connection pool."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool, PoolTimeout

from secmon.store.base import StoreUnavailable
from secmon.store.migrations import MigrationRunner
from secmon.store.session import Params, Row
from secmon.store.sql_store import IntegrityError, SqlStore

# Serialises concurrent `db upgrade` runs; the number is arbitrary but fixed.
_MIGRATION_LOCK = "SELECT pg_advisory_xact_lock(7277416301)"


@functools.lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    """Shared SQL uses `?` placeholders; psycopg wants `%s`. No literal `%` is ever used."""
    return sql.replace("?", "%s")


def _redact(url: str) -> str:
    """The URL without its password, for messages."""
    info = conninfo_to_dict(url)
    info.pop("password", None)
    return " ".join(f"{k}={v}" for k, v in info.items())


class _PgSession:
    def __init__(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> None:
        try:
            self._conn.execute(_pg(sql), params)
        except psycopg.errors.UniqueViolation as exc:
            raise IntegrityError(str(exc)) from exc

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self._conn.execute(_pg(sql), params).fetchall()

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            return self._conn.execute(_pg(sql), params).fetchone()
        except psycopg.errors.UniqueViolation as exc:
            raise IntegrityError(str(exc)) from exc

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        with self._conn.cursor() as cur:
            try:
                cur.executemany(_pg(sql), rows)
            except psycopg.errors.UniqueViolation as exc:
                raise IntegrityError(str(exc)) from exc


class PostgresStore(SqlStore):
    def __init__(self, url: str, max_connections: int = 10) -> None:
        super().__init__(url)
        try:
            # Fail fast and clearly on a bad URL or a server that is down, rather than
            # letting the pool retry in the background.
            psycopg.connect(url, connect_timeout=10).close()
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise StoreUnavailable(f"cannot connect to PostgreSQL ({_redact(url)}): {reason}") from None
        self._pool: ConnectionPool[psycopg.Connection[tuple[object, ...]]] = ConnectionPool(
            url, min_size=1, max_size=max_connections, open=True, kwargs={"autocommit": False}
        )
        try:
            self._pool.wait(timeout=10)
        except PoolTimeout:
            self._pool.close()
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {_redact(url)}") from None

    @contextmanager
    def _read(self) -> Iterator[_PgSession]:
        pinned = self._pinned.session
        if pinned is not None:
            assert isinstance(pinned, _PgSession)
            yield pinned
            return
        # REPEATABLE READ: one snapshot for the count and its page.
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield _PgSession(conn)

    @contextmanager
    def _write(self) -> Iterator[_PgSession]:
        with self._pool.connection() as conn, conn.transaction():
            yield _PgSession(conn)

    def _migrations(self) -> MigrationRunner:
        return MigrationRunner("postgres", self._write, _MIGRATION_LOCK)

    def close(self) -> None:
        self._pool.close()
