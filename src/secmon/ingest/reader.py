"""Reading and parsing one sensor file in a helper process, so a bulk ingest uses two CPUs.

JSON decoding and field mapping are about half the work of loading a big file; the
database writes are the other half. `read_in_child` runs the Cursor and the parser in
a child Python process (running `main` below) and yields what they found in
chunks of records, while the caller aggregates and writes the previous ones.

The child never touches the database: everything durable — the events and the
position each batch reached — is still written by the caller, in one transaction per
batch, so resuming works exactly as without the child. If the caller dies, the child's
next write fails on the closed pipe and it exits; when the caller stops early it kills
the child.
"""

from __future__ import annotations

import gc
import os
import pickle
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast

from secmon.domain.errors import InvalidInput
from secmon.ingest.cursor import Cursor, FileId, Record, Resume
from secmon.ingest.ips_sensors import NotAnAlert

#: Records per chunk: large enough that pickling is cheap per record, small enough
#: that a batch ends close to its size.
CHUNK_RECORDS = 1000


@dataclass(slots=True)
class Chunk:
    """Consecutive records of one file: the parsed ones, the counts of the others, and
    the position just after the last (to store with their effects)."""

    events: list[Any] = field(default_factory=list)
    read: int = 0
    skipped: int = 0
    #: (line, or -byte offset when unknown; reason) of unusable records, the first few
    problems: list[tuple[int, str]] = field(default_factory=list)
    problem_count: int = 0
    file: FileId | None = None
    position: int = 0
    by_records: bool = False
    #: bytes consumed so far in this file (for progress bars)
    consumed: int = 0


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    resume: Resume
    parse: Callable[[Any], Any]
    chunk_records: int
    max_problems: int


def chunks(
    name: str, resume: Resume, parse: Callable[[Any], Any], chunk_records: int, max_problems: int
) -> Iterator[Chunk]:
    """The records of one (non-followed) source, parsed, in chunks — in this process.
    (Counts are locals until a chunk is full: this loop runs once per alert.)"""
    events: list[Any] = []
    append = events.append
    read = skipped = problem_count = 0
    problems: list[tuple[int, str]] = []
    shown = 0
    record = None
    for record in Cursor(name, resume):
        read += 1
        reason = record.error
        if reason is None:
            try:
                append(parse(record.value))
            except NotAnAlert:
                skipped += 1
            except InvalidInput as exc:
                reason = str(exc)
        if reason is not None:
            problem_count += 1
            if shown < max_problems:
                shown += 1
                problems.append((record.line if record.line > 0 else -record.position, reason))
        if read >= chunk_records:
            yield _chunk(events, read, skipped, problems, problem_count, record)
            events, read, skipped, problem_count, problems = [], 0, 0, 0, []
            append = events.append
    if read and record is not None:
        yield _chunk(events, read, skipped, problems, problem_count, record)


def _chunk(
    events: list[Any],
    read: int,
    skipped: int,
    problems: list[tuple[int, str]],
    problem_count: int,
    last: Record,
) -> Chunk:
    return Chunk(
        events=events,
        read=read,
        skipped=skipped,
        problems=problems,
        problem_count=problem_count,
        file=last.file,
        position=last.position,
        by_records=last.by_records,
        consumed=last.consumed,
    )


def read_in_child(
    name: str,
    resume: Resume,
    parse: Callable[[Any], Any],
    max_problems: int,
    chunk_records: int | None = None,
) -> Generator[Chunk, None, None]:
    """`chunks`, computed by a child process while the caller works on the last one.

    `parse` must be picklable (a module-level function, or a functools.partial of one).
    An exception in the child is raised here (as itself when it can be pickled).
    """
    # (-c, not -m: classes pickled in the child must be this module's, not __main__'s)
    child = subprocess.Popen(
        [sys.executable, "-c", "from secmon.ingest.reader import main; main()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    stdin, stdout = cast(IO[bytes], child.stdin), cast(IO[bytes], child.stdout)
    try:
        with stdin:
            pickle.dump(_Job(name, resume, parse, chunk_records or CHUNK_RECORDS, max_problems), stdin)
        while True:
            try:
                message = pickle.load(stdout)  # noqa: S301 - our own child, over a private pipe
            except EOFError:
                raise RuntimeError(f"the reader process for {name} stopped (exit {child.wait()})") from None
            if message is None:
                return
            if isinstance(message, BaseException):
                raise message
            yield message
    finally:
        stdout.close()
        if child.poll() is None:
            child.kill()
        child.wait()


def _sendable(exc: BaseException) -> BaseException:
    try:
        sent: BaseException = pickle.loads(pickle.dumps(exc))  # noqa: S301 - made just above
        return sent
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")


#: Chunks the child may run ahead of the caller (about 64 × 170 KB for Suricata alerts):
#: the caller reads nothing while it writes a batch, and a pipe holds only 64 KB.
AHEAD_CHUNKS = 64


def main() -> None:
    # The caller decides when to stop (and kills this process); Ctrl-C on a terminal
    # reaches the whole process group, and must not print a second traceback here.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # As in the caller (service.ingest): parsing makes no reference cycles, and the
    # cyclic GC's default pace would cost a tenth of the time finding none.
    gc.set_threshold(70_000, *gc.get_threshold()[1:])
    job: _Job = pickle.load(sys.stdin.buffer)  # noqa: S301 - from the parent, over a private pipe
    out = sys.stdout.buffer
    ahead: queue.Queue[bytes | None] = queue.Queue(AHEAD_CHUNKS)

    def send() -> None:
        # Writing blocks while the caller is busy; this thread waits then, not the parsing.
        # It ends the process when done, or at once when the caller is gone (a closed
        # pipe: nothing to say, nothing to clean up; os._exit flushes nothing).
        done = False
        try:
            while (data := ahead.get()) is not None:
                out.write(data)
            out.flush()
            done = True
        finally:
            os._exit(0 if done else 1)

    threading.Thread(target=send, daemon=True).start()
    try:
        for chunk in chunks(job.name, job.resume, job.parse, job.chunk_records, job.max_problems):
            ahead.put(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL))
        ahead.put(pickle.dumps(None))
    except Exception as exc:
        ahead.put(pickle.dumps(_sendable(exc)))
    ahead.put(None)
    threading.Event().wait()  # until `send` has written everything and ends the process
