"""Loading IPS alerts from sensor files: parsed, aggregated, written in batches, resumable.

Each batch is one transaction holding its new events, the detect increments of events
it grew, and how far it got in every file it read — so a run killed at any moment and
started again neither loses nor repeats an alert (Σ detect = alerts accepted).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from secmon.domain.aggregation import aggregation_key
from secmon.domain.errors import InvalidInput
from secmon.domain.events import IpsEvent
from secmon.ingest.cursor import Cursor, Record, Resume, file_id
from secmon.ingest.ips_sensors import NotAnAlert, SensorContext, parse_snort, parse_suricata
from secmon.service.clock import Clock, now_ms
from secmon.store.base import Store
from secmon.wire.ncp_sm import parse_ips_record

BATCH_SIZE = 20_000
MAX_REPORTED_PROBLEMS = 10


class IpsFormat(StrEnum):
    NATIVE = "ips"
    SURICATA = "suricata"
    SNORT = "snort"


@dataclass(frozen=True, slots=True)
class Problem:
    source: str
    line: int
    reason: str


@dataclass(slots=True)
class Problems:
    """Unusable records: all counted, the first few kept to show."""

    count: int = 0
    shown: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.count += 1
        if len(self.shown) < MAX_REPORTED_PROBLEMS:
            self.shown.append(problem)


@dataclass(slots=True)
class IngestReport:
    """SPEC §8's summary: records read, alerts accepted, not alerts, unusable, events written."""

    read: int = 0
    accepted: int = 0
    skipped: int = 0
    events: int = 0
    problems: Problems = field(default_factory=Problems)

    @property
    def malformed(self) -> int:
        return self.problems.count

    def counts(self) -> dict[str, int]:
        return {
            "read": self.read,
            "accepted": self.accepted,
            "skipped": self.skipped,
            "malformed": self.malformed,
            "events": self.events,
        }


Progress = Callable[[str, int], None]


@dataclass(frozen=True, slots=True)
class IngestOptions:
    fmt: IpsFormat = IpsFormat.NATIVE
    context: SensorContext = field(default_factory=SensorContext)
    #: seconds; 0 = every alert is its own event (native records never aggregate)
    aggregate_window_s: int = 60
    follow: bool = False
    batch_size: int = BATCH_SIZE


def _parser(options: IngestOptions) -> Callable[[Any], IpsEvent]:
    ctx = options.context
    if options.fmt is IpsFormat.SURICATA:
        return lambda value: parse_suricata(value, ctx)
    if options.fmt is IpsFormat.SNORT:
        return lambda value: parse_snort(value, ctx)
    return lambda value: _native(value, ctx)


def _native(value: Any, ctx: SensorContext) -> IpsEvent:
    event = parse_ips_record(value, ctx.platform)
    # Sensor facts from flags fill what a record leaves out.
    return replace(
        event,
        region=event.region or ctx.region,
        zone_name=event.zone_name or ctx.zone_name,
        vpc_name=event.vpc_name or ctx.vpc_name,
    )


class _Batch:
    """Alerts of one batch, aggregated against the events of earlier batches and runs."""

    def __init__(self, store: Store, member_no: int, window_ms: int, source: str) -> None:
        self.store = store
        self.source = source
        self.member_no = member_no
        self.window_ms = window_ms
        # Events from earlier runs may still be open: ask the database about alerts
        # that fall within a window of the newest stored one.
        self.horizon = store.latest_aggregate_time(member_no) if window_ms else None
        self.open: dict[int, int] = {}  # stored events: key → first alert's time
        self.latest = 0
        self.reset()

    def reset(self) -> None:
        self.new: list[IpsEvent] = []
        self.counts: list[int] = []
        self.keys: list[int | None] = []
        self.new_index: dict[int, int] = {}
        self.increments: dict[tuple[int, int], int] = {}
        self.positions: dict[tuple[str, int], tuple[int, bool]] = {}

    def __len__(self) -> int:
        return len(self.new) + len(self.increments)

    def add(self, event: IpsEvent) -> None:
        if not self.window_ms:
            self.new.append(event)
            self.counts.append(event.detect)
            self.keys.append(None)
            return
        t = event.detected_at
        self.latest = max(self.latest, t)
        key = aggregation_key(event)
        index = self.new_index.get(key)
        if index is not None:
            first = self.new[index].detected_at
            if first <= t < first + self.window_ms:
                self.counts[index] += 1
                return
        first_stored = self.open.get(key)
        if first_stored is None and self.horizon is not None and t - self.window_ms < self.horizon:
            first_stored = self.store.open_aggregate(self.member_no, key, t, self.window_ms)
        if first_stored is not None and first_stored <= t < first_stored + self.window_ms:
            self.open[key] = first_stored
            self.increments[(key, first_stored)] = self.increments.get((key, first_stored), 0) + 1
            return
        self.new_index[key] = len(self.new)
        self.new.append(event)
        self.counts.append(1)
        self.keys.append(key)

    def flush(self, now: int) -> int:
        """Write the batch (one transaction); return events written (new or grown)."""
        if not self.new and not self.increments and not self.positions:
            return 0
        events = [replace(e, detect=c) for e, c in zip(self.new, self.counts, strict=True)]
        self.store.write_ips_batch(
            self.member_no,
            events,
            self.keys,
            [(n, key, first) for (key, first), n in self.increments.items()],
            [
                (self.source, path, inode, pos, by_records)
                for (path, inode), (pos, by_records) in self.positions.items()
            ],
            now,
        )
        written = len(self.new) + len(self.increments)
        for key, index in self.new_index.items():
            self.open[key] = self.new[index].detected_at
        # Forget events whose window closed well before the newest alert.
        cutoff = self.latest - 2 * self.window_ms
        self.open = {k: first for k, first in self.open.items() if first > cutoff}
        self.reset()
        return written


def ingest_ips(
    store: Store,
    member_no: int,
    sources: Iterable[str],
    options: IngestOptions = IngestOptions(),
    progress: Progress | None = None,
    stop: threading.Event | None = None,
    clock: Clock = now_ms,
) -> IngestReport:
    """Read every source (resuming where an earlier run stopped) into the account."""
    report = IngestReport()
    parse = _parser(options)
    window_ms = 0 if options.fmt is IpsFormat.NATIVE else options.aggregate_window_s * 1000
    source_kind = options.fmt.value
    batch = _Batch(store, member_no, window_ms, source_kind)

    def flush() -> None:
        report.events += batch.flush(clock())

    for name in sources:
        ident = file_id(name)
        resume = Resume()
        if ident is not None:
            stored = store.ingest_position(member_no, source_kind, ident.path, ident.inode)
            if stored is not None:
                resume = Resume(offset=stored[0], by_records=stored[1])
        cursor = Cursor(name, resume, follow=options.follow, stop=stop)
        cursor.on_idle = flush
        for record in cursor:
            _take(record, name, parse, batch, report)
            if progress is not None:
                progress(name, record.consumed)
            if len(batch) >= options.batch_size:
                flush()
        flush()
    return report


def _take(
    record: Record, name: str, parse: Callable[[Any], IpsEvent], batch: _Batch, report: IngestReport
) -> None:
    report.read += 1
    if record.file is not None:
        batch.positions[(record.file.path, record.file.inode)] = (record.position, record.by_records)
    where = record.line if record.line > 0 else -record.position
    if record.error is not None:
        report.problems.add(Problem(name, where, record.error))
        return
    try:
        event = parse(record.value)
    except NotAnAlert:
        report.skipped += 1
        return
    except InvalidInput as exc:
        report.problems.add(Problem(name, where, str(exc)))
        return
    report.accepted += 1
    batch.add(event)
