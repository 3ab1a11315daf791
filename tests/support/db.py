"""Asking a test database a question directly (to check invariants behind the API)."""

from __future__ import annotations

import sqlite3
from typing import Any

import psycopg

from secmon.store.sqlite import sqlite_path


def scalar(db_url: str, sql: str, params: tuple[Any, ...] = ()) -> Any:
    if db_url.startswith("sqlite:"):
        with sqlite3.connect(sqlite_path(db_url)) as conn:
            row = conn.execute(sql, params).fetchone()
    else:
        with psycopg.connect(db_url) as conn:
            row = conn.execute(sql.replace("?", "%s"), params).fetchone()  # type: ignore[arg-type]
    return None if row is None else row[0]
