"""`secmon`: serve the API, manage accounts and keys, load events.

Every command has --help; result-printing commands accept --json.
"""

from __future__ import annotations

import click

import secmon
from secmon.cli import admin, ingest, ips_client, serve, wbd, wbd_client


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Docs and the API contract: README.md. Example: secmon serve --port 8080",
)
@click.version_option(secmon.__version__, prog_name="secmon")
def cli() -> None:
    """secmon — self-hosted security monitoring with NAVER Cloud's API.

    Start with `secmon account create --name acme`, `secmon key create --account acme`,
    load events with `secmon ingest ips events.ndjson --account acme`, then
    `secmon serve` and query /vsecuritymonitoring/v1/getIPSList.
    """


cli.add_command(serve.serve)
cli.add_command(serve.db)
cli.add_command(admin.account)
cli.add_command(admin.subaccount)
cli.add_command(admin.key)
cli.add_command(ingest.ingest)
cli.add_command(wbd.wbd)
cli.add_command(ips_client.ips)
wbd_client.attach(wbd.wbd)


def main() -> None:
    cli()
