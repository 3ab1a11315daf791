"""`secmon ingest suricata|snort|ips`: load IPS alerts from sensor files."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

from secmon.cli.common import (
    db_option,
    emit_json,
    fail,
    handle_errors,
    json_option,
    migrated_store,
    stop_on_signals,
)
from secmon.domain.errors import InvalidInput
from secmon.domain.events import REGION_NAMES, Platform
from secmon.ingest.ips_sensors import SensorContext, parse_home_net
from secmon.ingest.sources import STDIN, source_size
from secmon.service.accounts import AccountService
from secmon.service.ingest import IngestOptions, IngestReport, IpsFormat, ingest_ips
from secmon.service.ingest import Progress as ProgressFn


@click.group()
def ingest() -> None:
    """Load IPS alerts from sensor files (or - for stdin).

    NDJSON or one JSON array; gzip is read transparently. Running the same command
    again continues where the last run stopped (per file: path and inode), so a crash
    neither loses nor repeats an alert.
    """


@contextmanager
def _progress_bar(sources: list[str], enabled: bool) -> Iterator[ProgressFn | None]:
    if not enabled:
        yield None
        return
    bar = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        transient=True,
    )
    tasks = {name: bar.add_task(name, total=source_size(name) if name != STDIN else None) for name in sources}
    step = {"n": 0}

    def update(name: str, consumed: int) -> None:
        step["n"] += 1
        if step["n"] % 5000 == 0:
            bar.update(tasks[name], completed=consumed)

    with bar:
        yield update


def _print_report(report: IngestReport, as_json: bool) -> None:
    for problem in report.problems.shown:
        where = f"{problem.line}" if problem.line > 0 else f"byte {-problem.line}"
        click.echo(f"{problem.source}:{where}: {problem.reason}", err=True)
    if report.malformed > len(report.problems.shown):
        click.echo(f"... and {report.malformed - len(report.problems.shown)} more malformed", err=True)
    counts = report.counts()
    if as_json:
        emit_json(counts)
    else:
        click.echo(
            f"read {counts['read']}, accepted {counts['accepted']}, skipped {counts['skipped']}, "
            f"malformed {counts['malformed']}, events written {counts['events']}"
        )


def _options(func: Callable[..., Any]) -> Callable[..., Any]:
    decorators = [
        click.argument("files", nargs=-1, required=True),
        click.option("--account", "account_name", required=True, help="Account the events belong to."),
        click.option(
            "--platform",
            type=click.Choice([p.value for p in Platform]),
            default=Platform.VPC.value,
            show_default=True,
            help="Platform the sensor watches (records that do not say).",
        ),
        click.option("--region", type=click.Choice(list(REGION_NAMES)), default=None, help="Region code."),
        click.option("--zone", "zone_name", default=None, help="Zone name, e.g. KR-2."),
        click.option("--vpc-name", default=None, help="VPC name."),
        click.option("--follow", is_flag=True, help="Keep reading as the files grow (like tail -F)."),
        db_option,
        json_option,
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def _sensor_options(func: Callable[..., Any]) -> Callable[..., Any]:
    func = click.option(
        "--home-net",
        default=None,
        help="Home networks (CIDR,...): an alert from inside to outside has attacker and target swapped.",
    )(func)
    return click.option(
        "--aggregate-window",
        type=click.IntRange(0),
        default=60,
        show_default=True,
        help="Seconds within which identical alerts become one event (0 = off).",
    )(func)


def _run(
    fmt: IpsFormat,
    files: tuple[str, ...],
    account_name: str,
    platform: str,
    region: str | None,
    zone_name: str | None,
    vpc_name: str | None,
    follow: bool,
    db_url: str,
    as_json: bool,
    home_net: str | None = None,
    aggregate_window: int = 0,
) -> None:
    for name in files:
        if name != STDIN:
            try:
                open(name, "rb").close()
            except OSError as exc:
                fail(f"{name}: {exc.strerror}")
    if follow and STDIN in files and len(files) > 1:
        raise InvalidInput("files", "--follow reads one source at a time: give stdin alone")
    context = SensorContext(
        platform=Platform(platform),
        region=region,
        zone_name=zone_name,
        vpc_name=vpc_name,
        home_net=parse_home_net(home_net) if home_net else (),
    )
    options = IngestOptions(fmt=fmt, context=context, aggregate_window_s=aggregate_window, follow=follow)
    with migrated_store(db_url) as store:
        member_no = AccountService(store).account(account_name).member_no
        show_bar = not as_json and not follow and sys.stderr.isatty()
        with _progress_bar(list(files), show_bar) as progress, stop_on_signals(follow) as stop:
            report = ingest_ips(store, member_no, files, options, progress=progress, stop=stop)
    _print_report(report, as_json)
    if report.read > 0 and report.malformed == report.read:
        sys.exit(1)


@ingest.command("suricata")
@_options
@_sensor_options
@handle_errors
def ingest_suricata(**kwargs: Any) -> None:
    """Suricata EVE JSON (eve.json): `event_type: alert` records become events.

    Identical alerts (same signature, attacker, target address and port, protocol)
    within --aggregate-window seconds of the first are one event counted in `detect`.

    \b
    Example:
      secmon ingest suricata /var/log/suricata/eve.json --account acme \\
          --region KR --zone KR-2 --home-net 10.0.0.0/8 --follow
    """
    _run(IpsFormat.SURICATA, **kwargs)


@ingest.command("snort")
@_options
@_sensor_options
@handle_errors
def ingest_snort(**kwargs: Any) -> None:
    """Snort 3 alert_json: msg, class, src_ap/dst_ap (IPv4 or IPv6), proto, timestamp
    (with or without the year; read as UTC).

    \b
    Example:
      secmon ingest snort alert_json.txt --account acme --json
    """
    _run(IpsFormat.SNORT, **kwargs)


@ingest.command("ips")
@_options
@handle_errors
def ingest_native(**kwargs: Any) -> None:
    """Native NDJSON: one ipsDataList-shaped object per line (ticketId is assigned).

    `date` is epoch ms (number or string); `region` a code (KR) or a name (Korea).
    Each record is one event, stored as given (no aggregation).

    \b
    Example:
      secmon ingest ips events.ndjson --account acme --json
    """
    _run(IpsFormat.NATIVE, **kwargs)
