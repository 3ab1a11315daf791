"""`secmon ingest ...`: load events from files into the database."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from secmon.cli.common import db_option, emit_json, fail, handle_errors, json_option, migrated_store
from secmon.domain.events import Platform
from secmon.ingest.sources import STDIN, source_size
from secmon.service.accounts import AccountService
from secmon.service.ingest import IngestReport, ingest_native_ips
from secmon.service.ingest import Progress as ProgressFn


@click.group()
def ingest() -> None:
    """Load IPS events from files (or - for stdin); gzip is read transparently."""


@contextmanager
def _progress_bar(sources: list[str], enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled:
        yield None
        return
    sizes = {name: source_size(name) for name in sources if name != STDIN}
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
        console=None,
    )
    tasks = {name: bar.add_task(name, total=sizes.get(name)) for name in sources}
    step = {"n": 0}

    def update(name: str, consumed: int) -> None:
        step["n"] += 1
        if step["n"] % 2000 == 0:
            bar.update(tasks[name], completed=consumed)

    with bar:
        yield update


def _print_report(report: IngestReport, as_json: bool) -> None:
    for problem in report.problems:
        click.echo(f"{problem.source}:{problem.line}: {problem.reason}", err=True)
    if report.malformed > len(report.problems):
        click.echo(f"... and {report.malformed - len(report.problems)} more malformed", err=True)
    if as_json:
        emit_json(report.counts())
    else:
        c = report.counts()
        click.echo(
            f"read {c['read']}, accepted {c['accepted']}, skipped {c['skipped']}, "
            f"malformed {c['malformed']}, events written {c['events']}"
        )


@ingest.command("ips")
@click.argument("files", nargs=-1, required=True)
@click.option("--account", "account_name", required=True, help="Account the events belong to.")
@click.option(
    "--platform",
    type=click.Choice([p.value for p in Platform]),
    default=Platform.VPC.value,
    show_default=True,
    help="Platform of records that do not say (platForm / product).",
)
@db_option
@json_option
@handle_errors
def ingest_ips(files: tuple[str, ...], account_name: str, platform: str, db_url: str, as_json: bool) -> None:
    """Native NDJSON: one ipsDataList-shaped object per line (ticketId is assigned).

    `date` is epoch ms (number or string); `region` a code (KR) or a name (Korea).
    A file holding one JSON array is accepted too.

    \b
    Example:
      secmon ingest ips events.ndjson --account acme --json
    """
    for name in files:
        if name != STDIN:
            try:
                open(name, "rb").close()
            except OSError as exc:
                fail(f"{name}: {exc.strerror}")
    with migrated_store(db_url) as store:
        member_no = AccountService(store).account(account_name).member_no
        show_bar = not as_json and sys.stderr.isatty()
        with _progress_bar(list(files), show_bar) as progress:
            report = ingest_native_ips(
                store, member_no, files, platform=Platform(platform), progress=progress
            )
    _print_report(report, as_json)
    if report.read > 0 and report.accepted == 0 and report.malformed == report.read:
        sys.exit(1)
