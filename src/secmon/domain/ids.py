"""The cloud's 22-digit ids: yyyyMMddHHmmss (UTC) followed by an 8-digit sequence."""

from __future__ import annotations

from datetime import UTC, datetime


def public_id(time_ms: int, sequence: int) -> str:
    stamp = datetime.fromtimestamp(time_ms / 1000, tz=UTC).strftime("%Y%m%d%H%M%S")
    return f"{stamp}{sequence % 100_000_000:08d}"


def sequence_of(ident: str) -> int:
    """The sequence part of an id made by public_id."""
    return int(ident[-8:])
