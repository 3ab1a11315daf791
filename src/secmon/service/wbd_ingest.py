"""Loading process events from files (native NDJSON, Falco, Sysmon) through detection.

Resumable like IPS ingest: each batch's detections and the file positions it reached
are committed together, so a run killed and started again neither loses nor repeats an
event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from secmon.domain.errors import InvalidInput
from secmon.domain.process import ProcessEvent
from secmon.ingest.cursor import Cursor, Resume, file_id
from secmon.ingest.process_sources import NotAnExecEvent, parse_falco, parse_sysmon
from secmon.service.ingest import Problem, Problems
from secmon.service.wbd_detections import DetectionService, ProcessReport
from secmon.store.base import Store
from secmon.wire.ncp_wbd_detections import parse_process_event

BATCH_SIZE = 2000


class ProcessFormat(StrEnum):
    NATIVE = "native"
    FALCO = "falco"
    SYSMON = "sysmon"


@dataclass(slots=True)
class ProcessIngestReport:
    read: int = 0
    skipped: int = 0
    outcome: ProcessReport = field(default_factory=ProcessReport)
    problems: Problems = field(default_factory=Problems)

    @property
    def malformed(self) -> int:
        return self.problems.count

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "accepted": self.outcome.accepted,
            "skipped": self.skipped,
            "malformed": self.malformed,
            "detections": self.outcome.detections,
            "excepted": self.outcome.excepted,
            "repeats": self.outcome.repeats,
        }


def _parser(fmt: ProcessFormat, instance_no: str | None) -> Callable[[Any], ProcessEvent]:
    if fmt is ProcessFormat.SYSMON:
        return lambda value: parse_sysmon(value, instance_no)
    if fmt is ProcessFormat.FALCO:
        return lambda value: parse_falco(value, instance_no)
    return parse_process_event


def ingest_process_events(
    detections: DetectionService,
    store: Store,
    member_no: int,
    fmt: ProcessFormat,
    sources: Iterable[str],
    instance_no: str | None = None,
    follow: bool = False,
    stop: threading.Event | None = None,
) -> ProcessIngestReport:
    report = ProcessIngestReport()
    parse = _parser(fmt, instance_no)
    source_kind = f"wbd-{fmt.value}"
    batch: list[ProcessEvent] = []
    positions: dict[tuple[str, int], tuple[int, bool]] = {}

    def flush() -> None:
        if batch or positions:
            reached = [(source_kind, path, inode, pos, by) for (path, inode), (pos, by) in positions.items()]
            report.outcome.add(detections.process(member_no, batch, reached))
            batch.clear()
            positions.clear()

    for name in sources:
        ident = file_id(name)
        resume = Resume()
        if ident is not None:
            stored = store.ingest_position(member_no, source_kind, ident.path, ident.inode)
            if stored is not None:
                resume = Resume(offset=stored[0], by_records=stored[1])
        cursor = Cursor(name, resume, follow=follow, stop=stop, text=fmt is ProcessFormat.SYSMON)
        cursor.on_idle = flush
        for record in cursor:
            report.read += 1
            if record.file is not None:
                positions[(record.file.path, record.file.inode)] = (record.position, record.by_records)
            where = record.line if record.line > 0 else -record.position
            if record.error is not None:
                report.problems.add(Problem(name, where, record.error))
                continue
            try:
                batch.append(parse(record.value))
            except NotAnExecEvent:
                report.skipped += 1
            except InvalidInput as exc:
                report.problems.add(Problem(name, where, str(exc)))
            if len(batch) >= BATCH_SIZE:
                flush()
        flush()
    return report
