"""SQLite backend: WAL, a busy timeout, one writer connection, a small reader pool."""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from secmon.domain.errors import InvalidInput
from secmon.store.base import StoreUnavailable
from secmon.store.migrations import MigrationRunner
from secmon.store.session import Params, Row
from secmon.store.sql_store import IntegrityError, SqlStore

BUSY_TIMEOUT_MS = 30_000
WRITER_CHECKPOINT_PAGES = 10_000
_READERS = 8


def sqlite_path(url: str) -> Path:
    """``sqlite:///rel/path.db`` → ``rel/path.db``; ``sqlite:////abs.db`` → ``/abs.db``."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise InvalidInput("db", f"expected sqlite:///PATH, got {url!r}")
    return Path(url[len(prefix) :])


class _SqliteSession:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = ()) -> None:
        try:
            self._conn.execute(sql, params)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc

    def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        try:
            row: Row | None = self._conn.execute(sql, params).fetchone()
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc
        return row

    def executemany(self, sql: str, rows: Iterable[Params]) -> None:
        try:
            self._conn.executemany(sql, rows)
        except sqlite3.IntegrityError as exc:
            raise IntegrityError(str(exc)) from exc


class SqliteStore(SqlStore):
    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.path = sqlite_path(url)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._writer = self._connect()
            # Checkpoint every ~40 MB of WAL rather than SQLite's 4 MB: a batch of events
            # touches pages all over the address indexes, and between two checkpoints a
            # page is copied back once however often it changed (ingest ~15% faster).
            self._writer.execute(f"PRAGMA wal_autocheckpoint = {WRITER_CHECKPOINT_PAGES}")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from None
        self._writer_lock = threading.Lock()
        self._readers: queue.LifoQueue[sqlite3.Connection] = queue.LifoQueue()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves, so transactions are explicit.
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 268435456")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    @contextmanager
    def _read(self) -> Iterator[_SqliteSession]:
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._connect()
            with self._readers_lock:
                self._all_readers.append(conn)
        try:
            # One snapshot for the whole read, so a count and its page agree.
            conn.execute("BEGIN")
            try:
                yield _SqliteSession(conn)
            finally:
                conn.execute("COMMIT")
        finally:
            if self._readers.qsize() < _READERS:
                self._readers.put(conn)
            else:
                with self._readers_lock:
                    self._all_readers.remove(conn)
                conn.close()

    @contextmanager
    def _write(self) -> Iterator[_SqliteSession]:
        with self._writer_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield _SqliteSession(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def _migrations(self) -> MigrationRunner:
        return MigrationRunner("sqlite", self._write)

    def close(self) -> None:
        with self._readers_lock:
            for conn in self._all_readers:
                conn.close()
            self._all_readers.clear()
        with self._writer_lock:
            self._writer.close()
