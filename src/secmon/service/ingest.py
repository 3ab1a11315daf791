"""Loading IPS alerts from sensor files: parsed, aggregated, written in batches, resumable.

Each batch is one transaction holding its new events, the detect increments of events
it grew, and how far it got in every file it read — so a run killed at any moment and
started again neither loses nor repeats an alert (Σ detect = alerts accepted).
"""

from __future__ import annotations

import functools
import gc
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from secmon.domain.aggregation import aggregation_key_of
from secmon.domain.errors import InvalidInput
from secmon.ingest.cursor import Cursor, FileId, Record, Resume, file_id
from secmon.ingest.ips_sensors import NotAnAlert, SensorContext, snort_fields, suricata_fields
from secmon.ingest.reader import Chunk, read_in_child
from secmon.ingest.sources import STDIN
from secmon.service.clock import Clock, now_ms
from secmon.store.base import Store
from secmon.store.ips_sql import EventFields, event_fields
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
    #: parse in a helper process (ingest.reader) while this one writes: None = when the
    #: file is big enough to gain from it and there is a second CPU
    reader_process: bool | None = None


def _parser(options: IngestOptions) -> Callable[[Any], EventFields]:
    ctx = options.context
    if options.fmt is IpsFormat.SURICATA:
        return functools.partial(suricata_fields, ctx=ctx)
    if options.fmt is IpsFormat.SNORT:
        return functools.partial(snort_fields, ctx=ctx)
    return functools.partial(_native, ctx=ctx)


def _native(value: Any, ctx: SensorContext) -> EventFields:
    event = parse_ips_record(value, ctx.platform)
    # Sensor facts from flags fill what a record leaves out.
    return (
        *event_fields(event)[:10],
        event.region or ctx.region,
        event.zone_name or ctx.zone_name,
        event.vpc_name or ctx.vpc_name,
        event.signature_id,
        event.severity,
        event.action,
        event.flow_id,
        event.app_proto,
    )


class _Reached(Protocol):
    """How far reading got: a Record, or a reader Chunk."""

    @property
    def file(self) -> FileId | None: ...
    @property
    def position(self) -> int: ...
    @property
    def by_records(self) -> bool: ...


class _Batch:
    """Alerts of one batch, aggregated against the events of earlier batches and runs.

    Events are tuples of IpsEvent's fields (ips_sql.EventFields): ingest handles
    millions, and a tuple is several times cheaper to make than the frozen dataclass.
    """

    def __init__(self, store: Store, member_no: int, window_ms: int, source: str) -> None:
        self.store = store
        self.source = source
        self.member_no = member_no
        self.window_ms = window_ms
        # Events from earlier runs may still be open: ask the database about alerts
        # that fall within a window of the newest stored one.
        self.horizon = store.latest_aggregate_time(member_no) if window_ms else None
        self.open: dict[int, int] = {}  # stored events: key → first alert's time
        # What makes alerts the same → their key (a hash): alerts repeat, and looking
        # the key up is several times cheaper than hashing again (bounded: flat memory).
        self.key_of: dict[tuple[str, str, str | None, str | None, int | None, str | None], int] = {}
        self.latest = 0
        self.reset()

    def reset(self) -> None:
        self.new: list[EventFields] = []
        self.counts: list[int] = []
        self.keys: list[int | None] = []
        self.new_index: dict[int, int] = {}
        self.increments: dict[tuple[int, int], int] = {}
        #: positions reached in files the batch has left (rotation); see `take`
        self.positions: dict[tuple[str, int], tuple[int, bool]] = {}
        #: the last record (or chunk of them) taken: the position reached in the file
        self.last: _Reached | None = None

    def __len__(self) -> int:
        return len(self.new) + len(self.increments)

    def add(self, event: EventFields) -> None:
        """An aggregated alert (window > 0; without a window, `new` is appended to directly)."""
        t = event[0]
        if t > self.latest:
            self.latest = t
        same = (event[2], event[1], event[4], event[6], event[7], event[8])
        key = self.key_of.get(same)
        if key is None:
            if len(self.key_of) >= 16_384:
                self.key_of.clear()
            key = self.key_of[same] = aggregation_key_of(*same)
        index = self.new_index.get(key)
        if index is not None:
            first = self.new[index][0]
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

    def take(self, record: _Reached) -> None:
        """Note the position `record` reached (stored with the batch)."""
        last = self.last
        if last is not None and last.file is not None and last.file != record.file:
            # Another file (or the same path after rotation): keep where the last one ended.
            self.positions[(last.file.path, last.file.inode)] = (last.position, last.by_records)
        self.last = record

    def flush(self, now: int) -> int:
        """Write the batch (one transaction); return events written (new or grown)."""
        last = self.last
        if last is not None and last.file is not None:
            self.positions[(last.file.path, last.file.inode)] = (last.position, last.by_records)
        if not self.new and not self.increments and not self.positions:
            return 0
        if self.window_ms:
            events = [
                e if n == 1 else (*e[:9], n, *e[10:]) for e, n in zip(self.new, self.counts, strict=True)
            ]
            keys: Sequence[int | None] = self.keys
        else:
            events, keys = self.new, [None] * len(self.new)
        self.store.write_ips_batch(
            self.member_no,
            events,
            keys,
            [(n, key, first) for (key, first), n in self.increments.items()],
            [
                (self.source, path, inode, pos, by_records)
                for (path, inode), (pos, by_records) in self.positions.items()
            ],
            now,
        )
        written = len(self.new) + len(self.increments)
        for key, index in self.new_index.items():
            self.open[key] = self.new[index][0]
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
        with _fewer_collections():
            if _in_child(name, resume, options):
                # (closing: an exception here stops the reader process at once)
                with closing(read_in_child(name, resume, parse, MAX_REPORTED_PROBLEMS)) as chunks:
                    _read_chunks(chunks, name, batch, flush, options.batch_size, report, progress)
            else:
                cursor = Cursor(name, resume, follow=options.follow, stop=stop)
                cursor.on_idle = flush
                _read(cursor, name, parse, batch, flush, options.batch_size, report, progress)
        flush()
    return report


#: Below this much to read, a reader process costs more to start than it saves.
READER_MIN_BYTES = 32 << 20


def _in_child(name: str, resume: Resume, options: IngestOptions) -> bool:
    """Whether to parse `name` in a reader process (see IngestOptions.reader_process)."""
    if options.follow or name == STDIN or options.reader_process is False:
        return False  # following waits on the file, and stdin is this process's
    if options.reader_process:
        return True
    start = 0 if resume.by_records else resume.offset
    return _usable_cpus() > 1 and os.stat(name).st_size - start >= READER_MIN_BYTES


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))  # (what this process may use, on Linux)
    except AttributeError:
        return os.cpu_count() or 1


def _read_chunks(
    chunks: Iterable[Chunk],
    name: str,
    batch: _Batch,
    flush: Callable[[], None],
    batch_size: int,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """`_read`, for records read and parsed by a reader process: a batch ends with a chunk."""
    window = batch.window_ms
    for chunk in chunks:
        report.read += chunk.read
        report.skipped += chunk.skipped
        report.accepted += len(chunk.events)
        for where, reason in chunk.problems:
            report.problems.add(Problem(name, where, reason))
        report.problems.count += chunk.problem_count - len(chunk.problems)
        if window:
            for event in chunk.events:
                batch.add(event)
        else:
            batch.new += chunk.events
        batch.take(chunk)
        if progress is not None:
            progress(name, chunk.consumed)
        if len(batch) >= batch_size:
            flush()


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Bulk ingest keeps a batch of tuples alive and makes no reference cycles: the
    cyclic GC's default pace (a pass every 700 new objects) costs about a tenth of the
    run and finds nothing, so it runs a hundred times less often meanwhile."""
    thresholds = gc.get_threshold()
    gc.set_threshold(70_000, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _read(
    cursor: Cursor,
    name: str,
    parse: Callable[[Any], EventFields],
    batch: _Batch,
    flush: Callable[[], None],
    batch_size: int,
    report: IngestReport,
    progress: Progress | None,
) -> None:
    """Every record of one source into the batch, flushed as it fills. This loop runs
    once per alert (a million in seconds): names are local, the common case first."""
    window = batch.window_ms
    read = accepted = 0
    last_file: FileId | None = None
    try:
        for record in cursor:
            read += 1
            if record.file is not last_file:
                batch.take(record)
                last_file = record.file
            else:
                batch.last = record
            if record.error is None:
                try:
                    event = parse(record.value)
                except NotAnAlert:
                    report.skipped += 1
                except InvalidInput as exc:
                    report.problems.add(Problem(name, _where(record), str(exc)))
                else:
                    accepted += 1
                    if window:
                        batch.add(event)
                    else:
                        # (batch.new is looked up each time: a flush, also one from
                        # cursor.on_idle, replaces it)
                        batch.new.append(event)
            else:
                report.problems.add(Problem(name, _where(record), record.error))
            if progress is not None:
                progress(name, record.consumed)
            if len(batch.new) >= batch_size or (window and len(batch) >= batch_size):
                flush()
    finally:
        report.read += read
        report.accepted += accepted


def _where(record: Record) -> int:
    return record.line if record.line > 0 else -record.position
