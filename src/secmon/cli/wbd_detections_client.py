"""`secmon wbd detections|exceptions|events|detection-rules ...`: webshell detections,
excepted detections, process-event push and the detection-rule catalogue from the
command line, through secmon.client (so against secmon or, for the cloud's operations,
the cloud). `secmon wbd rules preview` lives with the other rule commands.
"""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

import click

from secmon.cli.client_common import (
    END_TIME,
    START_TIME,
    Column,
    Connection,
    Item,
    client_command,
    fail,
    key,
    page_choice,
    paging_options,
    show_pages,
    show_time,
    time_options,
    time_range,
    walk_pages,
)
from secmon.client import Page, SecmonClientError

F = TypeVar("F", bound=Callable[..., Any])

#: A detection item's keys, in the server's order (the CSV header when nothing matched).
DETECTION_KEYS = [
    "detectionId",
    "instanceNo",
    "hostName",
    "serverName",
    "containerName",
    "privateIPofServer",
    "command",
    "processName",
    "processArg",
    "processId",
    "executor",
    "processIdOfParent",
    "processNameOfParent",
    "processArgOfParent",
    "executorOfParent",
    "uid",
    "euid",
    "gid",
    "egid",
    "suspiciousIP",
    "actionStatus",
    "memo",
    "actionTime",
    "detectTime",
    "collectTime",
    "lastUpdatedTime",
    "ruleId",
    "ruleName",
    "severity",
    "detectCount",
]
EXCEPTION_KEYS = ["exceptionId", *DETECTION_KEYS, "exceptedRuleId", "exceptedRuleName"]
DETECTION_RULE_KEYS = ["ruleId", "ruleName", "severity", "description", "references", "enabled"]
REPORT_KEYS = ["accepted", "detections", "excepted", "repeats", "malformed"]

SEVERITY = {1: "low", 2: "medium", 3: "high", 4: "critical"}


def _severity(item: Item) -> Any:
    value = item.get("severity")
    return SEVERITY.get(value, value) if isinstance(value, int) else value


def _server(item: Item) -> Any:
    return item.get("serverName") or item.get("instanceNo")


_DETECTION_COLUMNS = [
    Column("Detected (UTC)", lambda i: show_time(i.get("detectTime")), priority=9),
    Column("Command", key("command"), priority=8, min_width=16, max_width=60),
    Column("Rule", key("ruleId"), priority=7),
    Column("Server", _server, priority=6, min_width=8, max_width=24),
    Column("Severity", _severity, priority=6),
    Column("Parent", key("processNameOfParent"), priority=5, min_width=8, max_width=24),
    Column("Executor", key("executor"), priority=4, min_width=8, max_width=16),
    Column("Count", key("detectCount"), priority=4),
    Column("Status", key("actionStatus"), priority=3),
    Column("Memo", key("memo"), priority=3, min_width=8, max_width=30),
]
DETECTION_COLUMNS = [Column("Detection ID", key("detectionId"), priority=9), *_DETECTION_COLUMNS]
EXCEPTION_COLUMNS = [
    Column("Exception ID", key("exceptionId"), priority=9),
    *_DETECTION_COLUMNS,
    Column("Excepted by", lambda i: i.get("exceptedRuleName") or "(by hand)", priority=5, max_width=30),
    Column("Detection ID", key("detectionId"), priority=2),
]
DETECTION_RULE_COLUMNS = [
    Column("Rule ID", key("ruleId"), priority=9),
    Column("On", key("enabled"), priority=9),
    Column("Severity", _severity, priority=8),
    Column("Name", key("ruleName"), priority=7, min_width=16, max_width=50),
    Column("Description", key("description"), priority=3, min_width=20, max_width=80),
]

#: The search filters: (flag stem, client keyword, wire name). Text filters are substrings.
TEXT_FILTERS = [
    ("executor", "executor", "executor"),
    ("executor-of-parent", "executor_of_parent", "executorOfParent"),
    ("host-name", "host_name", "hostName"),
    ("memo", "memo", "memo"),
    ("private-ip-of-server", "private_ip_of_server", "privateIPofServer"),
    ("process-arg", "process_arg", "processArg"),
    ("process-arg-of-parent", "process_arg_of_parent", "processArgOfParent"),
    ("process-name", "process_name", "processName"),
    ("process-name-of-parent", "process_name_of_parent", "processNameOfParent"),
    ("server-name", "server_name", "serverName"),
    ("suspicious-ip", "suspicious_ip", "suspiciousIP"),
]


def detection_filter_options(func: F) -> F:
    """The filters of SearchWebshell / SearchExceptedWebshell, as flags."""
    options = [
        click.option(
            "--action-status",
            type=click.Choice(["blank", "confirmed"], case_sensitive=False),
            help="blank (nobody has looked) or confirmed (has a memo).",
        ),
        click.option("--detect-time-from", type=START_TIME, help="Detected from: ISO date/time or epoch ms."),
        click.option("--detect-time-to", type=END_TIME, help="Detected until."),
        *[
            click.option(f"--{stem}", keyword, help=f"{wire} contains (any case).")
            for stem, keyword, wire in TEXT_FILTERS
        ],
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _filters(options: dict[str, Any], start: int | None, end: int | None) -> dict[str, Any]:
    """Client keyword filters from the flags; --from/--to/--last fill detect-time-from/to."""
    filters: dict[str, Any] = {
        "action_status": options["action_status"].lower() if options["action_status"] else None,
        "detect_from": options["detect_time_from"],
        "detect_to": options["detect_time_to"],
        **{keyword: options[keyword] for _, keyword, _ in TEXT_FILTERS},
    }
    for bound, flag, value in (("detect_from", "from", start), ("detect_to", "to", end)):
        if value is not None:
            if filters[bound] is not None:
                raise click.UsageError(f"--from/--to/--last and --detect-time-{flag} both set one bound")
            filters[bound] = value
    return {k: v for k, v in filters.items() if v is not None and v != ""}


def _list(
    conn: Connection, excepted: bool, page_index: int | None, page_size: int | None, walk_all: bool
) -> None:
    """GetWebshell / GetExceptedWebshell: one page, or every page with --all."""
    index, size = page_choice(walk_all, page_index, page_size)
    with conn.wbd() as wbd:
        if excepted:
            show_pages(
                conn.printer(EXCEPTION_COLUMNS, EXCEPTION_KEYS),
                walk_all,
                index,
                size,
                lambda i, s: wbd.list_exceptions(page_index=i, page_size=s),
                lambda s: wbd.iter_exceptions(page_size=s),
            )
        else:
            show_pages(
                conn.printer(DETECTION_COLUMNS, DETECTION_KEYS),
                walk_all,
                index,
                size,
                lambda i, s: wbd.list_detections(page_index=i, page_size=s),
                lambda s: wbd.iter_detections(page_size=s),
            )


def _search(
    conn: Connection,
    excepted: bool,
    times: tuple[int | None, int | None, int | None],
    paging: tuple[int | None, int | None, bool],
    options: dict[str, Any],
) -> None:
    """Both searches, always through the search operation (POST), with or without filters."""
    first, until = time_range(*times, default_last=None)
    filters = _filters(options, first, until)
    page_index, page_size, walk_all = paging
    index, size = page_choice(walk_all, page_index, page_size)
    columns, keys = (EXCEPTION_COLUMNS, EXCEPTION_KEYS) if excepted else (DETECTION_COLUMNS, DETECTION_KEYS)
    with conn.wbd() as wbd:
        search = wbd.search_exceptions if excepted else wbd.search_detections

        def one_page(i: int, s: int) -> Page[Any]:
            return search(page_index=i, page_size=s, **filters)

        show_pages(
            conn.printer(columns, keys),
            walk_all,
            index,
            size,
            one_page,
            lambda s: walk_pages(lambda i: one_page(i, s)),
        )


# -- detections


@click.group()
def detections() -> None:
    """Webshell detections through the API, from secmon or the cloud."""


@detections.command("list")
@paging_options()
@client_command
def detections_list(conn: Connection, page_index: int | None, page_size: int | None, walk_all: bool) -> None:
    """List webshell detections, newest first (GetWebshell).

    \b
    Example:
      secmon wbd detections list --page-size 50
      secmon wbd detections list --all --output ndjson
    """
    _list(conn, False, page_index, page_size, walk_all)


@detections.command("search")
@time_options("Detection time")
@detection_filter_options
@paging_options()
@client_command
def detections_search(
    conn: Connection,
    start: int | None,
    end: int | None,
    last: int | None,
    page_index: int | None,
    page_size: int | None,
    walk_all: bool,
    **options: Any,
) -> None:
    """Search webshell detections (SearchWebshell); --from/--to/--last: detection time.
    Every filter of the operation is a flag.

    \b
    Example:
      secmon wbd detections search --last 24h --process-name-of-parent php --action-status blank
      secmon wbd detections search --server-name web --suspicious-ip 203.0.113 --all --output csv
    """
    _search(conn, False, (start, end, last), (page_index, page_size, walk_all), options)


@detections.command("memo")
@click.argument("detection_id")
@click.argument("text")
@client_command
def detections_memo(conn: Connection, detection_id: str, text: str) -> None:
    """Set a detection's memo ("" clears it); a memo marks it confirmed (UpdateWebshellMemo).

    \b
    Example:
      secmon wbd detections memo 2024072323595700000436 "checked with the web team"
    """
    with conn.wbd() as wbd:
        wbd.set_detection_memo(detection_id, text)
    conn.printer([], DETECTION_KEYS).done(
        f"memo of detection {detection_id} set", {"detectionId": detection_id, "memo": text or None}
    )


@detections.command("delete")
@click.argument("detection_id")
@client_command
def detections_delete(conn: Connection, detection_id: str) -> None:
    """Delete a detection (DeleteWebshell).

    \b
    Example:
      secmon wbd detections delete 2024072323595200000435
    """
    with conn.wbd() as wbd:
        wbd.delete_detection(detection_id)
    conn.printer([], DETECTION_KEYS).done(
        f"detection {detection_id} deleted", {"detectionId": detection_id, "deleted": True}
    )


@detections.command("except")
@click.argument("detection_id")
@click.option(
    "--create-rule",
    is_flag=True,
    help="Also create an exception rule from it (scoped to its server) for the events to come.",
)
@client_command
def detections_except(conn: Connection, detection_id: str, create_rule: bool) -> None:
    """Move a detection to the excepted list; prints the excepted detection (secmon extension).

    \b
    Example:
      secmon wbd detections except 2024072323595700000436 --create-rule
    """
    with conn.wbd() as wbd:
        moved = wbd.except_detection(detection_id, create_rule=create_rule)
    conn.printer(EXCEPTION_COLUMNS, EXCEPTION_KEYS).one(moved.to_wire())


# -- excepted detections


@click.group()
def exceptions() -> None:
    """Excepted webshell detections through the API, from secmon or the cloud."""


@exceptions.command("list")
@paging_options()
@client_command
def exceptions_list(conn: Connection, page_index: int | None, page_size: int | None, walk_all: bool) -> None:
    """List excepted detections, newest first (GetExceptedWebshell).

    \b
    Example:
      secmon wbd exceptions list --all --output json
    """
    _list(conn, True, page_index, page_size, walk_all)


@exceptions.command("search")
@time_options("Detection time")
@detection_filter_options
@paging_options()
@client_command
def exceptions_search(
    conn: Connection,
    start: int | None,
    end: int | None,
    last: int | None,
    page_index: int | None,
    page_size: int | None,
    walk_all: bool,
    **options: Any,
) -> None:
    """Search excepted detections (SearchExceptedWebshell); --from/--to/--last: detection
    time. The filters are SearchWebshell's.

    \b
    Example:
      secmon wbd exceptions search --last 7d --executor www-data --memo known
    """
    _search(conn, True, (start, end, last), (page_index, page_size, walk_all), options)


@exceptions.command("memo")
@click.argument("exception_id")
@click.argument("text")
@client_command
def exceptions_memo(conn: Connection, exception_id: str, text: str) -> None:
    """Set an excepted detection's memo ("" clears it) (UpdateExceptedWebshellMemo).
    EXCEPTION_ID: its exception id (or its detection id).

    \b
    Example:
      secmon wbd exceptions memo 2024072321225900000008 "to be canceled"
    """
    with conn.wbd() as wbd:
        wbd.set_exception_memo(exception_id, text)
    conn.printer([], EXCEPTION_KEYS).done(
        f"memo of excepted detection {exception_id} set", {"exceptionId": exception_id, "memo": text or None}
    )


@exceptions.command("cancel")
@click.argument("exception_id")
@client_command
def exceptions_cancel(conn: Connection, exception_id: str) -> None:
    """Cancel an exception: the detection goes back to the detections list
    (RevokeExceptedWebshell). EXCEPTION_ID: its exception id (or its detection id).

    \b
    Example:
      secmon wbd exceptions cancel 2024072321225900000008
    """
    with conn.wbd() as wbd:
        wbd.cancel_exception(exception_id)
    conn.printer([], EXCEPTION_KEYS).done(
        f"exception {exception_id} cancelled: back in the detections",
        {"exceptionId": exception_id, "cancelled": True},
    )


# -- process events

#: Requests stay well under the server's 1 MiB body limit.
MAX_BATCH_BYTES = 512 * 1024
GZIP_MAGIC = b"\x1f\x8b"


class _Reader:
    """Process events from NDJSON (one object per line) or a JSON array, plain or gzip;
    what is not a JSON object is counted and reported on stderr, not sent."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.bad = 0

    def _skip(self, where: str, reason: str) -> None:
        self.bad += 1
        click.echo(f"{self.name}:{where}: {reason}", err=True)

    def events(self, stream: BinaryIO) -> Iterator[dict[str, Any]]:
        """The records of `stream`, which it closes."""
        gzipped = isinstance(stream, io.BufferedReader) and stream.peek(2)[:2] == GZIP_MAGIC
        source: BinaryIO | gzip.GzipFile = gzip.GzipFile(fileobj=stream) if gzipped else stream
        with stream, source:
            seen = False
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                if not seen and line.lstrip().startswith(b"["):  # a JSON array: the whole input
                    yield from self._array(line + source.read())
                    return
                seen = True
                try:
                    record = json.loads(line)
                except ValueError as exc:
                    self._skip(str(number), f"not JSON ({exc})")
                    continue
                if isinstance(record, dict):
                    yield record
                else:
                    self._skip(str(number), "not a JSON object")

    def _array(self, data: bytes) -> Iterator[dict[str, Any]]:
        try:
            records = json.loads(data)
        except ValueError as exc:
            fail(f"{self.name}: not a JSON array ({exc})")
            return
        if not isinstance(records, list):
            fail(f"{self.name}: not a JSON array")
            return
        for number, record in enumerate(records):
            if isinstance(record, dict):
                yield record
            else:
                self._skip(f"item {number}", "not a JSON object")


def _batches(events: Iterator[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Lists of at most `size` events and about MAX_BATCH_BYTES of JSON."""
    batch: list[dict[str, Any]] = []
    weight = 0
    for event in events:
        cost = len(json.dumps(event, ensure_ascii=False).encode("utf-8")) + 1
        if batch and (len(batch) >= size or weight + cost > MAX_BATCH_BYTES):
            yield batch
            batch, weight = [], 0
        batch.append(event)
        weight += cost
    if batch:
        yield batch


@click.group()
def events() -> None:
    """Process events: push what an agent saw to secmon's detection (secmon extension)."""


@events.command("push")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--batch-size",
    type=click.IntRange(1, 10_000),
    default=1000,
    show_default=True,
    help="Events a request (requests also stay under 512 KiB).",
)
@client_command
def events_push(conn: Connection, file: str, batch_size: int) -> None:
    """Push process events from FILE (NDJSON, one object per line, or a JSON array; gzip
    is fine; - for stdin) and print what detection made of them: accepted, detections,
    excepted, repeats, malformed. Records that are not JSON objects are reported and
    counted as malformed. Exits 1 when no record was usable.

    \b
    Example:
      secmon wbd events push events.ndjson
      tail -n 100 /var/log/agent/events.ndjson | secmon wbd events push - --output json
    """
    name = "<stdin>" if file == "-" else file
    reader = _Reader(name)
    totals = dict.fromkeys(REPORT_KEYS, 0)
    try:
        stream = sys.stdin.buffer if file == "-" else open(file, "rb")  # noqa: SIM115 - closed by events()
    except OSError as exc:
        fail(f"{file}: {exc.strerror}")
        return
    with conn.wbd() as wbd:
        try:
            for batch in _batches(reader.events(stream), batch_size):
                try:
                    report = wbd.push_events(batch)
                except SecmonClientError as exc:
                    if totals["accepted"]:
                        done = totals["accepted"]
                        exc.message += f" ({done} event{'' if done == 1 else 's'} pushed before this request)"
                    raise
                for field in REPORT_KEYS:
                    totals[field] += getattr(report, field)
        except (OSError, EOFError) as exc:  # unreadable, or a broken gzip stream
            fail(f"{name}: {exc}")
    totals["malformed"] += reader.bad
    conn.printer([], REPORT_KEYS).done(", ".join(f"{k} {v}" for k, v in totals.items()), totals)
    if totals["malformed"] and totals["accepted"] == 0:
        sys.exit(1)


# -- the detection-rule catalogue


@click.group("detection-rules")
def detection_rules() -> None:
    """The built-in detection rules, on or off per account (secmon extension)."""


@detection_rules.command("list")
@client_command
def detection_rules_list(conn: Connection) -> None:
    """List the built-in detection rules and whether each is on.

    \b
    Example:
      secmon wbd detection-rules list
    """
    with conn.wbd() as wbd:
        found = wbd.list_detection_rules()
    conn.printer(DETECTION_RULE_COLUMNS, DETECTION_RULE_KEYS).items(r.to_wire() for r in found)


def _switch_command(enabled: bool) -> None:
    verb = "enable" if enabled else "disable"

    def command(conn: Connection, rule_id: str) -> None:
        with conn.wbd() as wbd:
            rule = wbd.set_detection_rule(rule_id, enabled=enabled)
        conn.printer(DETECTION_RULE_COLUMNS, DETECTION_RULE_KEYS).one(rule.to_wire())

    command.__name__ = f"detection_rules_{verb}"
    command.__doc__ = f"""{verb.capitalize()} a built-in detection rule for the account, for the
    events received from now on.

    \b
    Example:
      secmon wbd detection-rules {verb} WBD-RC-001
    """
    detection_rules.command(verb)(click.argument("rule_id")(client_command(command)))


_switch_command(True)
_switch_command(False)


def attach(group: click.Group) -> None:
    """Hang `detections`, `exceptions`, `events` and `detection-rules` under `secmon wbd`."""
    for command in (detections, exceptions, events, detection_rules):
        group.add_command(command)
