"""Reading sources from a resume point, and following them like `tail -F`."""

from __future__ import annotations

import gzip
import os
import threading
import time
from pathlib import Path

import orjson

from secmon.ingest.cursor import Cursor, Record, Resume


def _lines(n: int, start: int = 0) -> bytes:
    return b"".join(orjson.dumps({"n": i}) + b"\n" for i in range(start, start + n))


def test_resume_by_byte_offset(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    path.write_bytes(_lines(5))
    records = list(Cursor(str(path), Resume()))
    assert [r.value["n"] for r in records] == [0, 1, 2, 3, 4]
    assert [r.line for r in records] == [1, 2, 3, 4, 5]
    assert records[-1].position == path.stat().st_size
    resumed = list(Cursor(str(path), Resume(records[1].position)))
    assert [r.value["n"] for r in resumed] == [2, 3, 4]


def test_truncated_file_starts_again(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    path.write_bytes(_lines(2))
    assert [r.value["n"] for r in Cursor(str(path), Resume(10_000))] == [0, 1]


def test_gzip_and_arrays_resume_by_record(tmp_path: Path) -> None:
    gz = tmp_path / "eve.json.gz"
    gz.write_bytes(gzip.compress(_lines(4)))
    assert [r.value["n"] for r in Cursor(str(gz), Resume(3, by_records=True))] == [3]
    array = tmp_path / "alerts.json"
    array.write_bytes(orjson.dumps([{"n": i} for i in range(4)]))
    records = list(Cursor(str(array), Resume(1, by_records=True)))
    assert [(r.value["n"], r.position, r.by_records) for r in records] == [
        (1, 2, True),
        (2, 3, True),
        (3, 4, True),
    ]


def test_bad_lines_carry_their_line_number(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    path.write_bytes(b'{"n": 0}\n\nnot json\n{"n": 3}')  # no final newline
    records = list(Cursor(str(path), Resume()))
    assert [(r.line, r.error is None) for r in records] == [(1, True), (3, False), (4, True)]


def _follow(path: Path, stop: threading.Event, out: list[Record]) -> threading.Thread:
    def run() -> None:
        out.extend(Cursor(str(path), Resume(), follow=True, stop=stop))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for(out: list[Record], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(out) < count:
        assert time.monotonic() < deadline, f"only {len(out)} of {count} records arrived"
        time.sleep(0.02)


def test_follow_appends_rotation_and_truncation(tmp_path: Path) -> None:
    path = tmp_path / "eve.json"
    path.write_bytes(_lines(2))
    stop = threading.Event()
    out: list[Record] = []
    thread = _follow(path, stop, out)
    _wait_for(out, 2)

    with path.open("ab") as f:  # appended, including a line written in two parts
        f.write(_lines(1, 2))
        f.write(b'{"n": ')
        f.flush()
        time.sleep(0.3)
        f.write(b"3}\n")
    _wait_for(out, 4)

    os.rename(path, tmp_path / "eve.json.1")  # rotation: rename, then a new file
    with (tmp_path / "eve.json.1").open("ab") as f:
        f.write(_lines(1, 4))  # written to the old file just before the switch
    path.write_bytes(_lines(2, 5))
    _wait_for(out, 7)

    path.write_bytes(_lines(1, 7))  # truncated and rewritten, shorter than before
    _wait_for(out, 8)

    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert [r.value["n"] for r in out] == list(range(8))
    assert out[4].file != out[5].file  # the rotated file has its own identity
