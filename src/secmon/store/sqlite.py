"""SQLite backend: WAL, a busy timeout, one writer connection, a small reader pool."""

from __future__ import annotations

import collections
import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from secmon.domain.errors import InvalidInput
from secmon.store.base import StoreUnavailable
from secmon.store.migrations import MigrationRunner
from secmon.store.session import Params, Row
from secmon.store.sql_store import IntegrityError, SqlStore, WouldBlock

BUSY_TIMEOUT_MS = 30_000
WRITER_CHECKPOINT_PAGES = 10_000
_READERS = 8
#: A bounded read gives up once it has taken this long (a 1-day getIPSList with a
#: filter reads for 0.05-0.3 ms) ...
BOUNDED_READ_SECONDS = 0.001
#: ... which its progress handler checks every this many SQLite VM instructions (~10 µs).
_BOUNDED_CHECK_STEPS = 1_000
_BOUNDED_READERS = 2


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
            # The writer reads through its page cache, not the memory map: mapped pages
            # count in the process's memory, so a bulk ingest touching the whole
            # database would grow with the file (to mmap_size); no slower for writes.
            self._writer.execute("PRAGMA mmap_size = 0")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open SQLite database {self.path}: {exc}") from None
        self._writer_lock = threading.Lock()
        # Idle readers, most recently used last. deque.pop/append are atomic, so taking
        # and returning a reader needs no lock (queue.LifoQueue's cost several µs a read).
        self._readers: collections.deque[sqlite3.Connection] = collections.deque()
        self._all_readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._bounded_readers: collections.deque[tuple[sqlite3.Connection, _Budget]] = collections.deque()

    def _connect(self, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
        # isolation_level=None: we issue BEGIN ourselves, so transactions are explicit.
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, timeout=busy_timeout_ms / 1000
        )
        conn.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA cache_size = -65536")
        conn.execute("PRAGMA mmap_size = 268435456")
        conn.execute("PRAGMA temp_store = MEMORY")
        return conn

    @contextmanager
    def _read(self) -> Iterator[_SqliteSession]:
        pinned = self._pinned.session
        if pinned is not None:
            assert isinstance(pinned, _SqliteSession)
            yield pinned
            return
        try:
            conn = self._readers.pop()
        except IndexError:
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
            if len(self._readers) < _READERS:
                self._readers.append(conn)
            else:
                with self._readers_lock:
                    self._all_readers.remove(conn)
                conn.close()

    @contextmanager
    def bounded_reading(self) -> Iterator[None]:
        """`reading` for a thread that must not wait — an event loop's. Its statements
        never wait for a lock (busy timeout 0) and stop once the block has run for
        BOUNDED_READ_SECONDS: either way the block raises WouldBlock at once, and the
        caller does the work again where waiting is fine (a worker thread)."""
        if self._pinned.session is not None:
            raise RuntimeError("bounded_reading inside another reading")
        try:
            conn, budget = self._bounded_readers.pop()
        except IndexError:
            conn, budget = self._bounded_reader(), _Budget()
            conn.set_progress_handler(budget.spent, _BOUNDED_CHECK_STEPS)
        budget.deadline = time.perf_counter() + BOUNDED_READ_SECONDS
        try:
            try:
                conn.execute("BEGIN")
                self._pinned.session = _SqliteSession(conn)
                try:
                    yield
                finally:
                    budget.deadline = math.inf
                    self._pinned.session = None
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")  # a read: nothing to keep
            except sqlite3.OperationalError as exc:
                if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_INTERRUPT):
                    raise WouldBlock(exc.sqlite_errorname) from exc
                raise
        finally:
            budget.deadline = math.inf  # also when BEGIN failed
            if len(self._bounded_readers) < _BOUNDED_READERS:
                self._bounded_readers.append((conn, budget))
            else:
                with self._readers_lock:
                    self._all_readers.remove(conn)
                conn.close()

    def _bounded_reader(self) -> sqlite3.Connection:
        try:
            conn = self._connect(busy_timeout_ms=0)
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY:
                raise WouldBlock(exc.sqlite_errorname) from exc
            raise
        with self._readers_lock:
            self._all_readers.append(conn)
        return conn

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


class _Budget:
    """The deadline of a bounded reader's current read. SQLite counts a statement's VM
    instructions over all its runs (and Python caches statements), so the handler cannot
    just stop at the first call: it compares the clock with the deadline."""

    deadline = math.inf

    def spent(self) -> bool:
        """The progress handler: True interrupts the running statement."""
        return time.perf_counter() > self.deadline
