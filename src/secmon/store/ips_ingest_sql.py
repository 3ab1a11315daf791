"""SQL for resumable, aggregating IPS ingest: new events, detect increments and file
positions, all written in one transaction per batch."""

from __future__ import annotations

from collections.abc import Sequence

from secmon.store.ips_sql import INSERT_EVENT, add_counts
from secmon.store.session import Row, Session


def insert_events(s: Session, rows: Sequence[Row]) -> None:
    """Insert event rows from ips_sql.event_rows with `agg_keys` (each ends with its key)."""
    s.executemany(INSERT_EVENT, rows)
    add_counts(s, rows)


def add_detects(s: Session, member_no: int, increments: Sequence[tuple[int, int, int]]) -> None:
    """(count, agg_key, first alert's time) → that event's detect grows by count."""
    s.executemany(
        "UPDATE ips_events SET detect = detect + ? WHERE member_no = ? AND agg_key = ? AND detected_at = ?",
        [(n, member_no, key, first) for n, key, first in increments],
    )


def open_aggregate(s: Session, member_no: int, key: int, t: int, window_ms: int) -> int | None:
    """The first-alert time of a stored event with this key whose window holds time t."""
    row = s.fetchone(
        "SELECT detected_at FROM ips_events WHERE member_no = ? AND agg_key = ? "
        "AND detected_at > ? AND detected_at <= ? ORDER BY detected_at DESC LIMIT 1",
        (member_no, key, t - window_ms, t),
    )
    return int(row[0]) if row else None


def latest_aggregate_time(s: Session, member_no: int) -> int | None:
    row = s.fetchone(
        "SELECT max(detected_at) FROM ips_events WHERE member_no = ? AND agg_key IS NOT NULL", (member_no,)
    )
    return None if row is None or row[0] is None else int(row[0])


def position(s: Session, member_no: int, source: str, path: str, inode: int) -> tuple[int, bool] | None:
    row = s.fetchone(
        "SELECT position, by_records FROM ingest_progress "
        "WHERE member_no = ? AND source = ? AND path = ? AND inode = ?",
        (member_no, source, path, inode),
    )
    return (int(row[0]), bool(row[1])) if row else None


def save_positions(
    s: Session, member_no: int, positions: Sequence[tuple[str, str, int, int, bool]], now: int
) -> None:
    """(source, path, inode, position, by_records) for each file the batch read from."""
    s.executemany(
        "INSERT INTO ingest_progress (member_no, source, path, inode, position, by_records, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (member_no, source, path, inode) DO UPDATE SET "
        "position = excluded.position, by_records = excluded.by_records, updated_at = excluded.updated_at",
        [(member_no, *p, now) for p in positions],
    )
