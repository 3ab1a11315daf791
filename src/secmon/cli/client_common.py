"""What every client command shares: connection options, times, output, errors.

The client commands talk HTTP to a secmon server or to the cloud (never to a database):
`--endpoint`/SECMON_ENDPOINT, credentials as `secmon.client.Credentials` finds them.
Output (`--output`): `table` (default on a terminal), `json` (one JSON array of the
items; a single object for commands acting on one thing), `ndjson` (one item per line),
`csv` (a header row of the item's keys, then one row per item). Items are printed in
the cloud's own JSON shape, exactly as the server sent them.
"""

from __future__ import annotations

import csv
import functools
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import click
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table

from secmon.client import (
    ENDPOINT_ENV,
    Page,
    SecmonClientError,
    SecurityMonitoring,
    WebshellBehaviorDetector,
)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Item = dict[str, Any]

OUTPUTS = ("table", "json", "ndjson", "csv")
_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$", re.IGNORECASE)
_UNIT_MS = {"s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


# -- times


def now_ms() -> int:
    return int(datetime.now(UTC).timestamp() * 1000)


def parse_time(text: str, end: bool = False) -> int:
    """Epoch ms from epoch ms digits, an ISO 8601 date, or an ISO 8601 date and time.

    Times without an offset are UTC. A bare date is the start of that day, or with
    `end` its last millisecond, so `--from 2024-07-01 --to 2024-07-01` is the whole day.
    """
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not epoch ms, an ISO date (2024-07-01) or time (2024-07-01T12:00Z)"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    ms = int(parsed.timestamp() * 1000)
    if end and re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        ms += 86_400_000 - 1
    return ms


def parse_duration(text: str) -> int:
    """Milliseconds from `30m`, `24h`, `7d`, `2w`, `90s`."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{text!r} is not a duration like 30m, 24h, 7d or 2w")
    return int(match.group(1)) * _UNIT_MS[match.group(2).lower()]


class TimeType(click.ParamType[int]):
    name = "TIME"

    def __init__(self, end: bool = False) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_time(str(value), end=self.end)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class DurationType(click.ParamType[int]):
    name = "DURATION"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        try:
            return parse_duration(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


START_TIME = TimeType()
END_TIME = TimeType(end=True)
DURATION = DurationType()


def time_range(
    start: int | None, end: int | None, last: int | None, default_last: int | None
) -> tuple[int | None, int | None]:
    """--from/--to/--last → (start, end). --last means "until now"; with neither, the
    default window (None = unbounded)."""
    if last is not None:
        if start is not None or end is not None:
            raise click.UsageError("--last cannot be combined with --from/--to")
        now = now_ms()
        return now - last, now
    if start is None and end is None and default_last is not None:
        now = now_ms()
        return now - default_last, now
    return start, end


def time_options(what: str) -> Callable[[F], F]:
    """--from, --to, --last for one time field."""

    def decorate(func: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--from",
                    "start",
                    type=START_TIME,
                    help=f"{what} from: ISO date/time (UTC unless offset) or epoch ms.",
                ),
                click.option(
                    "--to", "end", type=END_TIME, help=f"{what} until (a bare date: through its end)."
                ),
                click.option(
                    "--last", type=DURATION, help="Shorthand for --from NOW-DURATION --to NOW: 30m, 24h, 7d."
                ),
            ]
        ):
            func = option(func)
        return func

    return decorate


# -- output


@dataclass(frozen=True, slots=True)
class Column:
    """A table column: a header, how to show it from the wire item, and how it yields
    when the terminal is narrow: it shrinks to `min_width` (ellipsis), and the columns of
    lowest `priority` are left out first."""

    header: str
    value: Callable[[Item], Any]
    priority: int = 5
    min_width: int | None = None
    max_width: int | None = None


def key(name: str) -> Callable[[Item], Any]:
    return lambda item: item.get(name)


def _is_time(name: str) -> bool:
    return name.endswith("Time") or name in ("date", "time")


def show_time(ms: Any) -> str | None:
    """Epoch ms (number or digits) → 'YYYY-MM-DD HH:MM:SS' UTC."""
    if ms is None or ms == "":
        return None
    try:
        moment = datetime.fromtimestamp(int(ms) / 1000, UTC)
    except (TypeError, ValueError, OverflowError):
        return str(ms)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def csv_value(value: Any) -> str:
    """A JSON value in a CSV cell: null → empty, booleans as JSON, nested values as JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _json(value: Any, indent: int | None = None) -> str:
    separators = None if indent else (",", ":")
    return json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)


class Printer:
    """Prints items in the chosen output; `columns` shape the table, `keys` the CSV header
    when there is no item to take it from."""

    def __init__(self, output: str, columns: list[Column], keys: list[str]) -> None:
        self.output = output
        self.columns = columns
        self.keys = keys

    def items(self, items: Iterable[Item], footer: Callable[[], str | None] | None = None) -> None:
        """A list: streamed for json/ndjson/csv, so `--all` over many pages starts at once."""
        if self.output == "table":
            self._table(list(items), footer() if footer else None)
        elif self.output == "ndjson":
            for item in items:
                click.echo(_json(item))
        elif self.output == "json":
            first = True
            for item in items:
                click.echo(("[\n" if first else ",\n") + _json(item), nl=False)
                first = False
            click.echo("[]" if first else "\n]")
        else:
            self._csv(items)

    def one(self, item: Item) -> None:
        """One object (what create, update, restore... answer)."""
        if self.output == "table":
            table = Table(show_header=False, box=None, pad_edge=False)
            table.add_column(style="bold", no_wrap=True)
            table.add_column(overflow="fold")
            for name, value in item.items():
                shown = _cell(value)
                if _is_time(name) and value is not None:
                    shown = f"{show_time(value)} UTC ({value})"
                table.add_row(name, shown)
            _console().print(table)
        elif self.output == "json":
            click.echo(_json(item, indent=2))
        elif self.output == "ndjson":
            click.echo(_json(item))
        else:
            self._csv([item])

    def done(self, message: str, item: Item) -> None:
        """An action with nothing to show: a sentence on a terminal, `item` otherwise."""
        if self.output == "table":
            click.echo(message)
        else:
            self.one(item)

    def _csv(self, items: Iterable[Item]) -> None:
        stream: Iterator[Item] = iter(items)
        first = next(stream, None)
        header = list(first) if first is not None else self.keys
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        if first is None:
            return
        for item in _chain(first, stream):
            writer.writerow([csv_value(item.get(name)) for name in header])

    def _table(self, items: list[Item], footer: str | None) -> None:
        console = _console()
        rows = [[_cell(column.value(item)) for column in self.columns] for item in items]
        table = Table(box=box.SIMPLE_HEAD, header_style="bold", show_edge=False)
        fitted = fit_columns(self.columns, rows, console.width)
        for index, width in fitted:
            table.add_column(self.columns[index].header, width=width, no_wrap=True, overflow="ellipsis")
        for row in rows:
            table.add_row(*(row[index] for index, _ in fitted))
        console.print(table)
        if footer:
            console.print(footer, style="dim")


#: A column costs its width plus padding (1 + 1) and a separator (one too many, kept as slack).
_COLUMN_EXTRA = 3


def fit_columns(columns: list[Column], rows: list[list[str]], width: int) -> list[tuple[int, int]]:
    """(column index, width) of the columns to show within `width` terminal cells: every
    column first at its minimum, dropping the lowest priority ones until they fit; the
    room left goes to the highest priority columns, up to their natural width."""
    natural = []
    for i, column in enumerate(columns):
        wanted = max([cell_len(column.header), *(cell_len(row[i]) for row in rows)])
        natural.append(min(wanted, column.max_width) if column.max_width else wanted)
    minimum = [min(natural[i], c.min_width or natural[i]) for i, c in enumerate(columns)]
    keep = list(range(len(columns)))

    def cost(widths: dict[int, int] | list[int]) -> int:
        return sum(widths[i] + _COLUMN_EXTRA for i in keep) + 1

    while len(keep) > 1 and cost(minimum) > width:
        keep.remove(min(keep, key=lambda i: (columns[i].priority, -i)))
    widths = {i: minimum[i] for i in keep}
    spare = width - cost(widths)
    for i in sorted(keep, key=lambda i: -columns[i].priority):
        grow = max(0, min(spare, natural[i] - widths[i]))
        widths[i] += grow
        spare -= grow
    return [(i, widths[i]) for i in keep]


def _chain(first: Item, rest: Iterator[Item]) -> Iterator[Item]:
    yield first
    yield from rest


def _console() -> Console:
    # Rich measures the terminal (or $COLUMNS); when stdout is neither, 120 columns.
    measured = sys.stdout.isatty() or bool(os.environ.get("COLUMNS"))
    return Console(width=None if measured else 120, soft_wrap=False, highlight=False)


# -- connection and errors


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach the server, from the common options."""

    endpoint: str | None
    access_key: str | None
    secret_key: str | None
    profile: str | None
    platform: str
    timeout: float
    output: str

    @contextmanager
    def sm(self) -> Iterator[SecurityMonitoring]:
        with SecurityMonitoring(self.endpoint, **self._options()) as client:
            yield client

    @contextmanager
    def wbd(self) -> Iterator[WebshellBehaviorDetector]:
        with WebshellBehaviorDetector(self.endpoint, **self._options()) as client:
            yield client

    def _options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"platform": self.platform, "timeout": self.timeout}
        if self.access_key or self.secret_key:
            options.update(access_key=self.access_key, secret_key=self.secret_key)
        if self.profile:
            options["profile"] = self.profile
        return options

    def printer(self, columns: list[Column], keys: list[str]) -> Printer:
        return Printer(self.output, columns, keys)


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _default_output() -> str:
    return "table" if sys.stdout.isatty() else "json"


_COMMON_OPTIONS = [
    click.option(
        "--endpoint",
        envvar=ENDPOINT_ENV,
        show_envvar=True,
        help="Server base URL, e.g. http://127.0.0.1:8080 [default: the cloud's endpoint].",
    ),
    click.option("--access-key", help="Access key [default: NCLOUD_ACCESS_KEY, then ~/.ncloud/configure]."),
    click.option("--secret-key", help="Secret key [default: NCLOUD_SECRET_KEY, then ~/.ncloud/configure]."),
    click.option(
        "--profile",
        help="Profile of ~/.ncloud/configure (beats the environment) [default: NCLOUD_PROFILE or DEFAULT].",
    ),
    click.option(
        "--platform",
        type=click.Choice(["vpc", "classic"], case_sensitive=False),
        default="vpc",
        show_default=True,
        help="VPC or Classic platform.",
    ),
    click.option(
        "--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True, help="Seconds."
    ),
    click.option(
        "-o",
        "--output",
        type=click.Choice(OUTPUTS, case_sensitive=False),
        default=None,
        help="table (default on a terminal), json (default otherwise), ndjson or csv.",
    ),
    click.option("--json", "as_json", is_flag=True, help="Same as --output json."),
]


def client_command(func: Callable[..., None]) -> Callable[..., None]:
    """Adds the common options; calls `func(conn, **rest)`; errors become one line."""

    @functools.wraps(func)
    def wrapper(
        *args: Any,
        endpoint: str | None,
        access_key: str | None,
        secret_key: str | None,
        profile: str | None,
        platform: str,
        timeout: float,
        output: str | None,
        as_json: bool,
        **kwargs: Any,
    ) -> None:
        if as_json and output not in (None, "json"):
            raise click.UsageError("--json and --output disagree")
        chosen = "json" if as_json else (output or _default_output()).lower()
        conn = Connection(endpoint, access_key, secret_key, profile, platform.upper(), timeout, chosen)
        try:
            func(conn, *args, **kwargs)
        except SecmonClientError as exc:
            fail(str(exc))

    for option in reversed(_COMMON_OPTIONS):
        wrapper = option(wrapper)
    return wrapper


def paging_options(size_default: int = 20) -> Callable[[F], F]:
    """--page-index/--page-size or --all (WBD lists: 0-based pages)."""

    def decorate(func: F) -> F:
        for option in reversed(
            [
                click.option(
                    "--page-index",
                    type=click.IntRange(min=0),
                    default=None,
                    help="Page, 0-based [default: 0].",
                ),
                click.option(
                    "--page-size",
                    type=click.IntRange(1, 1000),
                    default=None,
                    help=f"Items a page, 1-1000 [default: {size_default}; 100 with --all].",
                ),
                click.option("--all", "walk_all", is_flag=True, help="Walk every page."),
            ]
        ):
            func = option(func)
        return func

    return decorate


def page_choice(walk_all: bool, index: int | None, size: int | None, default: int = 20) -> tuple[int, int]:
    """(page index, page size) — refusing --page-index with --all."""
    if walk_all and index is not None:
        raise click.UsageError("--all walks every page: leave out --page-index")
    return index or 0, size or (100 if walk_all else default)


def show_pages(
    printer: Printer,
    walk_all: bool,
    index: int,
    size: int,
    one_page: Callable[[int, int], Page[Any]],
    every: Callable[[int], Iterator[Any]],
) -> None:
    """One page (with a footer on a terminal), or every page streamed."""
    if walk_all:
        printer.items(item.to_wire() for item in every(size))
        return
    page = one_page(index, size)
    printer.items(
        [item.to_wire() for item in page.items],
        lambda: page_footer(page.total, page.page_index, page.page_size, len(page.items)),
    )


def walk_pages(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Every item of a 0-based paged WBD operation, `fetch(index)` giving one page."""
    index = 0
    while True:
        page = fetch(index)
        yield from page.items
        if not page.items or len(page.items) < page.page_size or (index + 1) * page.page_size >= page.total:
            return
        index += 1


def page_footer(total: int, index: int, size: int, shown: int, first: int = 0) -> str:
    pages = max(1, -(-total // size))
    return f"page {index - first + 1} of {pages} · {shown} shown of {total}"
