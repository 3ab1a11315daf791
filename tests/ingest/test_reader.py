"""Parsing in a reader process (big files) gives exactly what parsing in-process gives."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import orjson
import pytest

from secmon.domain.events import IpsQuery, Platform
from secmon.ingest import reader
from secmon.ingest.cursor import Cursor, Resume
from secmon.ingest.ips_sensors import NotAnAlert, SensorContext, suricata_fields
from secmon.ingest.reader import Chunk, chunks, read_in_child
from secmon.service.ingest import IngestOptions, IpsFormat, ingest_ips
from secmon.store.base import Store
from tests.conftest import TenantFactory

PARSE = functools.partial(suricata_fields, ctx=SensorContext(region="KR"))


def _alert(i: int, **change: Any) -> dict[str, Any]:
    return {
        "timestamp": f"2024-08-01T09:00:{i % 60:02d}.{i:06d}+0900",
        "event_type": "alert",
        "src_ip": f"198.51.100.{i % 3}",
        "src_port": 40000 + i,
        "dest_ip": "2001:db8::1" if i % 4 == 0 else "10.0.0.1",
        "dest_port": 443,
        "proto": "TCP",
        "alert": {"signature": f"ET TEST {i % 2}", "category": "Misc", "signature_id": i, "severity": 2},
        **change,
    }


def _eve(path: Path) -> Path:
    """Alerts that aggregate, and every kind of line that is not one."""
    lines = [orjson.dumps(_alert(i)) for i in range(20)]
    lines[3] = orjson.dumps({"event_type": "flow", "src_ip": "10.0.0.1"})  # skipped
    lines[5] = b"   "  # blank: ignored
    lines[7] = b'{"event_type": "alert", "timestamp'  # not JSON
    lines[11] = orjson.dumps(_alert(11, src_ip=""))  # no source address
    lines[13] = orjson.dumps(_alert(13, alert={"signature": "nul \u0000 here"}))  # refused
    path.write_bytes(b"\n".join(lines))  # (no final newline)
    return path


def _in_process(path: Path, resume: Resume | None = None) -> Chunk:
    """What ingest's own loop finds, as one chunk."""
    whole = Chunk()
    for record in Cursor(str(path), resume or Resume()):
        whole.read += 1
        whole.file, whole.position, whole.by_records = record.file, record.position, record.by_records
        whole.consumed = record.consumed
        reason = record.error
        if reason is None:
            try:
                whole.events.append(PARSE(record.value))
            except NotAnAlert:
                whole.skipped += 1
            except Exception as exc:
                reason = str(exc)
        if reason is not None:
            whole.problem_count += 1
            whole.problems.append((record.line if record.line > 0 else -record.position, reason))
    return whole


def _joined(parts: list[Chunk]) -> Chunk:
    whole = Chunk()
    for part in parts:
        whole.events += part.events
        whole.read += part.read
        whole.skipped += part.skipped
        whole.problems += part.problems
        whole.problem_count += part.problem_count
        whole.file, whole.position, whole.by_records = part.file, part.position, part.by_records
        whole.consumed = part.consumed
    return whole


def test_chunks_hold_what_the_cursor_reads(tmp_path: Path) -> None:
    path = _eve(tmp_path / "eve.json")
    parts = list(chunks(str(path), Resume(), PARSE, 4, max_problems=10))
    assert [p.read for p in parts] == [4, 4, 4, 4, 3]  # the blank line is no record
    assert _joined(parts) == _in_process(path)
    assert _joined(parts).position == path.stat().st_size
    assert [line for line, _ in _joined(parts).problems] == [8, 12, 14]


def test_the_reader_process_sends_the_same(tmp_path: Path) -> None:
    path = _eve(tmp_path / "eve.json")
    here = list(chunks(str(path), Resume(), PARSE, 3, max_problems=2))
    assert list(read_in_child(str(path), Resume(), PARSE, max_problems=2, chunk_records=3)) == here
    assert sum(len(c.problems) for c in here) == 2  # the first two shown, all counted
    assert sum(c.problem_count for c in here) == 3
    # resumed from a byte offset, as a later run would be
    middle = here[2].position
    resumed = list(read_in_child(str(path), Resume(middle), PARSE, max_problems=10))
    assert _joined(resumed) == _in_process(path, Resume(middle))


def test_an_error_in_the_reader_process_is_raised_here(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError):
        list(read_in_child(str(tmp_path), Resume(), PARSE, max_problems=10))


@pytest.mark.parametrize("window", [60, 0])
def test_ingest_with_a_reader_process_stores_the_same(
    store: Store, make_tenant: TenantFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    path = _eve(tmp_path / "eve.json")
    monkeypatch.setattr(reader, "CHUNK_RECORDS", 2)  # many chunks, batches across them
    reports = {}
    stored = {}
    for in_child in (False, True):
        member_no = make_tenant(f"acme-{in_child}").member_no
        options = IngestOptions(
            fmt=IpsFormat.SURICATA,
            context=SensorContext(region="KR"),
            aggregate_window_s=window,
            batch_size=3,
            reader_process=in_child,
        )
        report = ingest_ips(store, member_no, [str(path)], options)
        reports[in_child] = (report.read, report.accepted, report.skipped, report.problems)
        page = store.search_ips_events(member_no, IpsQuery(Platform.VPC, 0, 2**50, per_page=100))
        stored[in_child] = sorted(
            (e.event.detected_at, e.event.detect, e.event.event_name) for e in page.events
        )
        resumed = ingest_ips(store, member_no, [str(path)], options)
        assert (resumed.read, resumed.accepted) == (0, 0)  # the position was stored
    assert reports[True] == reports[False]
    assert stored[True] == stored[False]
    assert sum(detect for _, detect, _ in stored[True]) == reports[True][1] == 15


def test_native_records_through_the_reader_process(
    store: Store, make_tenant: TenantFactory, tmp_path: Path
) -> None:
    path = tmp_path / "events.ndjson"
    record = {"date": 1720044443000, "eventNm": "Log4j", "attackerIp": "203.0.113.7", "detect": 3}
    path.write_bytes(b"\n".join(orjson.dumps({**record, "date": record["date"] + i}) for i in range(5)))
    totals = []
    for in_child in (False, True):
        member_no = make_tenant(f"acme-{in_child}").member_no
        options = IngestOptions(context=SensorContext(zone_name="KR-2"), reader_process=in_child)
        report = ingest_ips(store, member_no, [str(path)], options)
        page = store.search_ips_events(member_no, IpsQuery(Platform.VPC, 0, 2**50, per_page=100))
        totals.append((report.accepted, sorted((e.event.detect, e.event.zone_name) for e in page.events)))
    assert totals[0] == totals[1] == (5, [(3, "KR-2")] * 5)
