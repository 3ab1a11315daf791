"""Reading a sensor's file from where the last run stopped, and following it as it grows.

A file is identified by its path and inode. For plain NDJSON the position is a byte
offset just after the last complete line consumed; for gzip files, JSON arrays and
stdin (which cannot be sought) it is the number of records consumed, and a resumed run
skips that many. `follow` keeps reading as lines are appended and, like `tail -F`,
notices rotation (a new file at the path: the old one is read to its end first) and
truncation (the file shrank: start again from its beginning).
"""

from __future__ import annotations

import gzip
import os
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, NamedTuple, cast

import orjson

from secmon.domain.errors import InvalidInput
from secmon.ingest.sources import STDIN
from secmon.wire.validation import reject_nul

POLL_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class FileId:
    path: str
    inode: int


@dataclass(frozen=True, slots=True)
class Resume:
    """Where to start: `offset` is bytes (seekable NDJSON) or records (everything else)."""

    offset: int = 0
    by_records: bool = False


class Record(NamedTuple):
    """One record and the position just after it (to store with the record's effects).

    A NamedTuple rather than a frozen dataclass: one is made per line, and this is
    twice as cheap to make (ingest reads a million lines in seconds).
    """

    file: FileId | None
    line: int
    value: Any
    error: str | None
    position: int
    by_records: bool
    #: bytes consumed so far in this file (for progress bars)
    consumed: int


def file_id(path: str) -> FileId | None:
    if path == STDIN:
        return None
    return FileId(path=os.path.abspath(path), inode=os.stat(path).st_ino)


def _is_gzip(path: str) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _first_byte(path: str) -> bytes:
    with open(path, "rb") as f:
        while True:
            b = f.read(1)
            if b not in (b" ", b"\t", b"\r", b"\n"):
                return b


def _decode(raw: bytes) -> tuple[Any, str | None]:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc})"
    # PostgreSQL text cannot hold U+0000: refuse such records here, in every format.
    # The byte scan is cheap; the walk runs only when the escape appears at all.
    if b"\\u0000" in raw:
        try:
            reject_nul(value)
        except InvalidInput as exc:
            return None, str(exc)
    return value, None


class Cursor:
    """Records of one source from a resume point; stops when `stop` is set (follow mode)."""

    def __init__(
        self,
        name: str,
        resume: Resume,
        follow: bool = False,
        stop: threading.Event | None = None,
        text: bool = False,
    ) -> None:
        self.name = name
        #: yield each line as text (syslog-style formats) instead of decoding JSON
        self.text = text
        self.resume = resume
        self.follow = follow
        self.stop = stop or threading.Event()
        #: called while follow mode waits for more lines (e.g. to commit a partial batch)
        self.on_idle: Callable[[], None] | None = None

    def __iter__(self) -> Iterator[Record]:
        if self.name == STDIN:
            yield from self._counted(sys.stdin.buffer, None, 0, self.resume.offset)
            return
        ident = file_id(self.name)
        if _is_gzip(self.name):
            with gzip.open(self.name, "rb") as f:
                yield from self._counted(cast(IO[bytes], f), ident, 0, self._record_offset())
            return
        if not self.text and _first_byte(self.name) == b"[":
            yield from self._array(ident)
            return
        yield from self._lines(ident)

    def _decode(self, raw: bytes) -> tuple[Any, str | None]:
        if self.text:
            return raw.decode("utf-8", errors="replace").strip(), None
        return _decode(raw)

    def _record_offset(self) -> int:
        return self.resume.offset if self.resume.by_records else 0

    def _counted(self, stream: IO[bytes], ident: FileId | None, line_no: int, skip: int) -> Iterator[Record]:
        """Line records of a stream that cannot be sought: position = records consumed."""
        count = 0
        consumed = 0
        first = True
        for raw in stream:
            line_no += 1
            consumed += len(raw)
            if first and not self.text and raw.lstrip().startswith(b"["):
                # A JSON array arriving on a stream: read it whole.
                yield from self._array_items(raw + stream.read(), ident, skip)
                return
            first = False
            if not raw.strip():
                continue
            count += 1
            if count <= skip:
                continue
            value, error = self._decode(raw)
            yield Record(ident, line_no, value, error, count, True, consumed)

    def _array(self, ident: FileId | None) -> Iterator[Record]:
        with open(self.name, "rb") as f:
            data = f.read()
        yield from self._array_items(data, ident, self._record_offset())

    def _array_items(self, data: bytes, ident: FileId | None, skip: int) -> Iterator[Record]:
        try:
            items = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            yield Record(ident, 1, None, f"not a valid JSON array: {exc}", 0, True, len(data))
            return
        if not isinstance(items, list):
            yield Record(ident, 1, None, "not a JSON array", 0, True, len(data))
            return
        for number, item in enumerate(items, start=1):
            if number > skip:
                try:
                    reject_nul(item)
                except InvalidInput as exc:
                    yield Record(ident, number, None, str(exc), number, True, len(data))
                    continue
                yield Record(ident, number, item, None, number, True, len(data))

    def _to_end(self, f: IO[bytes], ident: FileId, position: int, line_no: int) -> Iterator[Record]:
        """`_lines` without following: the file's lines (the last one with or without
        a newline) to its end, in a tight loop — it runs once per alert of a big file."""
        loads, invalid = orjson.loads, orjson.JSONDecodeError
        for raw in f:
            position += len(raw)
            if line_no >= 0:
                line_no += 1
            if raw.isspace():  # (no copy, unlike strip: it stops at the first other byte)
                continue
            if self.text:
                value, error = self._decode(raw)
            else:
                # _decode, inline
                try:
                    value, error = loads(raw), None
                except invalid as exc:
                    value, error = None, f"not valid JSON ({exc})"
                else:
                    if b"\\u0000" in raw:
                        value, error = _decode(raw)
            yield Record(ident, line_no, value, error, position, False, position)

    def _lines(self, ident: FileId | None) -> Iterator[Record]:
        """Seekable NDJSON, resumed by byte offset; followed when asked."""
        assert ident is not None
        offset = 0 if self.resume.by_records else self.resume.offset
        decode = self._decode if self.text else _decode
        f = open(self.name, "rb")  # noqa: SIM115 - replaced on rotation, closed in finally
        try:
            if os.fstat(f.fileno()).st_size < offset:
                offset = 0  # truncated since the last run
            f.seek(offset)
            position = offset
            line_no = 0 if offset == 0 else -1  # line numbers are unknown after a seek
            if not self.follow:
                yield from self._to_end(f, ident, position, line_no)
                return
            pending = b""
            draining = False
            while True:
                chunk = f.readline()
                if chunk:
                    pending += chunk
                    if not pending.endswith(b"\n"):
                        continue  # a line still being written
                    raw, pending = pending, b""
                    position += len(raw)
                    if line_no >= 0:
                        line_no += 1
                    if not raw.isspace():  # (isspace stops at the first other byte: no copy)
                        value, error = decode(raw)
                        yield Record(ident, line_no, value, error, position, False, position)
                    continue
                if not draining:
                    if self.on_idle is not None:
                        self.on_idle()
                    if self.stop.wait(POLL_SECONDS):
                        return
                try:
                    current = os.stat(self.name)
                except FileNotFoundError:
                    continue  # between a rename and the new file's creation
                if current.st_ino != ident.inode:
                    if not draining:
                        # Rotated: read what the old file gained since, then switch.
                        draining = True
                        continue
                    draining = False
                    f.close()
                    f = open(self.name, "rb")  # noqa: SIM115
                    ident = FileId(ident.path, os.fstat(f.fileno()).st_ino)
                    position, line_no, pending = 0, 0, b""
                elif os.fstat(f.fileno()).st_size < position:
                    f.seek(0)
                    position, line_no, pending = 0, 0, b""
        finally:
            f.close()
