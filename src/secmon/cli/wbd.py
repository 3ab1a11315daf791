"""`secmon wbd ...`: Webshell Behavior Detector administration."""

from __future__ import annotations

import sys

import click

from secmon.cli.common import (
    db_option,
    emit_json,
    fail,
    handle_errors,
    json_option,
    migrated_store,
    stop_on_signals,
)
from secmon.ingest.sources import STDIN
from secmon.service.accounts import AccountService
from secmon.service.wbd_detections import DetectionService
from secmon.service.wbd_ingest import ProcessFormat, ingest_process_events
from secmon.service.wbd_targets import DetectionTargetService, NewServer
from secmon.wire.ncp_wbd import server_item


@click.group()
def wbd() -> None:
    """Webshell Behavior Detector: detections, exceptions, rules, servers and notifications
    through the API (secmon or the cloud); server registration and process-event ingest on
    the database."""


@wbd.group()
def server() -> None:
    """Detection targets: the servers whose process events are watched."""


@server.command("add")
@click.option("--account", "account_name", required=True, help="Account the server belongs to.")
@click.option("--instance-no", required=True, help="Server instance number (the rule target id).")
@click.option("--name", "server_name", required=True, help="Server name.")
@click.option("--host-name", default=None, help="Host name as the agent reports it.")
@click.option("--ip", "ip_address", default=None, help="Private IP address.")
@click.option("--group", "group_name", default=None, help="Server group (created when new).")
@db_option
@json_option
@handle_errors
def server_add(
    account_name: str,
    instance_no: str,
    server_name: str,
    host_name: str | None,
    ip_address: str | None,
    group_name: str | None,
    db_url: str,
    as_json: bool,
) -> None:
    """Register (or update) a server as a detection target.

    \b
    Example:
      secmon wbd server add --account acme --instance-no 25000097 --name web-1 \\
          --host-name web-1.internal --ip 10.0.1.5 --group web
    """
    with migrated_store(db_url) as store:
        member_no = AccountService(store).account(account_name).member_no
        registered = DetectionTargetService(store).register(
            member_no,
            NewServer(
                instance_no=instance_no,
                server_name=server_name,
                host_name=host_name,
                ip_address=ip_address,
                group_name=group_name,
            ),
        )
    if as_json:
        emit_json(server_item(registered))
    else:
        group = (
            f" in group {registered.group.name!r} ({registered.group.group_id})" if registered.group else ""
        )
        click.echo(f"server {registered.instance_no} ({registered.server_name}) registered{group}")


@wbd.command("ingest")
@click.argument("fmt", metavar="FORMAT", type=click.Choice([f.value for f in ProcessFormat]))
@click.argument("files", nargs=-1, required=True)
@click.option("--account", "account_name", required=True, help="Account the events belong to.")
@click.option(
    "--instance-no",
    default=None,
    help="Server instance number for formats that do not carry one (falco, sysmon); "
    "default: the host name in each record.",
)
@click.option("--follow", is_flag=True, help="Keep reading as the files grow (like tail -F).")
@db_option
@json_option
@handle_errors
def wbd_ingest(
    fmt: str,
    files: tuple[str, ...],
    account_name: str,
    instance_no: str | None,
    follow: bool,
    db_url: str,
    as_json: bool,
) -> None:
    """Run process events through webshell detection.

    FORMAT is native (NDJSON of secmon process events), falco (Falco JSON alerts) or
    sysmon (Sysmon for Linux syslog lines, Event ID 1). Files may be gzip, or - for stdin.
    Detections go to the detections list, or to the excepted list when an active
    exception rule in scope matches. Running the same command again continues where
    the last run stopped.

    \b
    Example:
      secmon wbd ingest falco /var/log/falco/events.json --account acme --json
    """
    for name in files:
        if name != STDIN:
            try:
                open(name, "rb").close()
            except OSError as exc:
                fail(f"{name}: {exc.strerror}")
    with migrated_store(db_url) as store:
        member_no = AccountService(store).account(account_name).member_no
        with stop_on_signals(follow) as stop:
            report = ingest_process_events(
                DetectionService(store),
                store,
                member_no,
                ProcessFormat(fmt),
                files,
                instance_no=instance_no,
                follow=follow,
                stop=stop,
            )
    for problem in report.problems.shown:
        click.echo(f"{problem.source}:{problem.line}: {problem.reason}", err=True)
    counts = report.counts()
    if as_json:
        emit_json(counts)
    else:
        click.echo(", ".join(f"{k} {v}" for k, v in counts.items()))
    if report.read > 0 and report.malformed == report.read:
        sys.exit(1)
