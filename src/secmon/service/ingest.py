"""Loading IPS events from files into the store, in batches, with counts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from secmon.domain.errors import InvalidInput
from secmon.domain.events import IpsEvent, Platform
from secmon.ingest.sources import read_records
from secmon.store.base import Store
from secmon.wire.ncp_sm import parse_ips_record

BATCH_SIZE = 5000
MAX_REPORTED_PROBLEMS = 10


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    reason: str


@dataclass(slots=True)
class IngestReport:
    """SPEC §8's summary: records read, alerts accepted, not alerts, unusable, events written."""

    read: int = 0
    accepted: int = 0
    skipped: int = 0
    malformed: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)

    def note_problem(self, problem: Problem) -> None:
        self.malformed += 1
        if len(self.problems) < MAX_REPORTED_PROBLEMS:
            self.problems.append(problem)

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "accepted": self.accepted,
            "skipped": self.skipped,
            "malformed": self.malformed,
            "events": self.events,
        }


Progress = Callable[[str, int], None]


def ingest_native_ips(
    store: Store,
    member_no: int,
    sources: Iterable[str],
    platform: Platform = Platform.VPC,
    progress: Progress | None = None,
) -> IngestReport:
    """Native NDJSON (ipsDataList items without ticketId): one record, one event."""
    report = IngestReport()
    batch: list[IpsEvent] = []

    def flush() -> None:
        if batch:
            report.events += store.add_ips_events(member_no, batch)
            batch.clear()

    for name in sources:
        for record in read_records(name):
            report.read += 1
            if progress is not None:
                progress(name, record.consumed)
            if record.error is not None:
                report.note_problem(Problem(name, record.line, record.error))
                continue
            try:
                event = parse_ips_record(record.value, platform)
            except InvalidInput as exc:
                report.note_problem(Problem(name, record.line, str(exc)))
                continue
            report.accepted += 1
            batch.append(event)
            if len(batch) >= BATCH_SIZE:
                flush()
        flush()
    return report
