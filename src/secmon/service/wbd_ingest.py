"""Loading process events from files (native NDJSON, Falco, Sysmon) through detection."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial

from secmon.domain.errors import InvalidInput
from secmon.domain.process import ProcessEvent
from secmon.ingest.process_sources import NotAnExecEvent, parse_falco, parse_sysmon
from secmon.ingest.sources import read_lines, read_records
from secmon.service.ingest import Problem, Problems
from secmon.service.wbd_detections import DetectionService, ProcessReport
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


Parsed = ProcessEvent | Problem | None  # None: a record that is not a process start


def _parsed(fmt: ProcessFormat, name: str, instance_no: str | None) -> Iterator[Parsed]:
    def attempt(line: int, parse: Callable[[], ProcessEvent]) -> Parsed:
        try:
            return parse()
        except NotAnExecEvent:
            return None
        except InvalidInput as exc:
            return Problem(name, line, str(exc))

    if fmt is ProcessFormat.SYSMON:
        for number, text in read_lines(name):
            yield attempt(number, partial(parse_sysmon, text, instance_no))
        return
    for record in read_records(name):
        if record.error is not None:
            yield Problem(name, record.line, record.error)
        elif fmt is ProcessFormat.FALCO:
            yield attempt(record.line, partial(parse_falco, record.value, instance_no))
        else:
            yield attempt(record.line, partial(parse_process_event, record.value))


def ingest_process_events(
    detections: DetectionService,
    member_no: int,
    fmt: ProcessFormat,
    sources: Iterable[str],
    instance_no: str | None = None,
) -> ProcessIngestReport:
    report = ProcessIngestReport()
    batch: list[ProcessEvent] = []

    def flush() -> None:
        if batch:
            report.outcome.add(detections.process(member_no, batch))
            batch.clear()

    for name in sources:
        for item in _parsed(fmt, name, instance_no):
            report.read += 1
            if item is None:
                report.skipped += 1
            elif isinstance(item, Problem):
                report.problems.add(item)
            else:
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    flush()
        flush()
    return report
