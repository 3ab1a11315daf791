"""Records from a file, a gzip file or stdin, as NDJSON or as one JSON array."""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

import orjson

STDIN = "-"


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One record: its decoded JSON value, or why it could not be decoded.

    `line` is the 1-based line number (NDJSON) or item number (JSON array);
    `consumed` is how many bytes of the (uncompressed) input have been read so far.
    """

    line: int
    value: Any = None
    error: str | None = None
    consumed: int = 0


def source_size(name: str) -> int | None:
    """Bytes to read, for a progress bar; None when unknown (stdin, gzip)."""
    if name == STDIN or name.endswith(".gz"):
        return None
    return Path(name).stat().st_size


def _open(name: str) -> IO[bytes]:
    if name == STDIN:
        return sys.stdin.buffer
    raw = open(name, "rb")  # noqa: SIM115 - closed by read_records
    magic = raw.peek(2)[:2] if hasattr(raw, "peek") else b""
    if magic == b"\x1f\x8b":
        return cast(IO[bytes], gzip.GzipFile(fileobj=raw, mode="rb"))
    return raw


def read_records(name: str) -> Iterator[SourceRecord]:
    """Every record of `name`; blank lines are skipped and not counted as records."""
    stream = _open(name)
    try:
        first = stream.read(1)
        while first in (b" ", b"\t", b"\r", b"\n"):
            first = stream.read(1)
        if first == b"[":
            yield from _array_records(first + stream.read())
        else:
            yield from _line_records(first, stream)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _array_records(data: bytes) -> Iterator[SourceRecord]:
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield SourceRecord(line=1, error=f"not a valid JSON array: {exc}", consumed=len(data))
        return
    total = len(data)
    for number, item in enumerate(items, start=1):
        yield SourceRecord(line=number, value=item, consumed=total)


def _line_records(first: bytes, stream: IO[bytes]) -> Iterator[SourceRecord]:
    consumed = 0
    line_no = 0
    pending = first
    for raw in stream:
        line = pending + raw if pending else raw
        pending = b""
        line_no += 1
        consumed += len(line)
        if not line.strip():
            continue
        try:
            yield SourceRecord(line=line_no, value=orjson.loads(line), consumed=consumed)
        except orjson.JSONDecodeError as exc:
            yield SourceRecord(line=line_no, error=f"not valid JSON ({exc})", consumed=consumed)
    if pending.strip():
        line_no += 1
        try:
            yield SourceRecord(line=line_no, value=orjson.loads(pending), consumed=consumed + len(pending))
        except orjson.JSONDecodeError as exc:
            yield SourceRecord(
                line=line_no, error=f"not valid JSON ({exc})", consumed=consumed + len(pending)
            )


def read_lines(name: str) -> Iterator[tuple[int, str]]:
    """Non-blank text lines with their 1-based numbers (for line formats such as syslog)."""
    stream = _open(name)
    try:
        for number, raw in enumerate(stream, start=1):
            text = raw.decode("utf-8", errors="replace").strip()
            if text:
                yield number, text
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
