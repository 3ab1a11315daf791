"""`secmon serve` and `secmon db upgrade`."""

from __future__ import annotations

from pathlib import Path

import click

from secmon.api.settings import DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT, Settings
from secmon.cli.common import (
    db_option,
    emit_json,
    handle_errors,
    json_option,
    key_file_option,
    migrated_store,
    secret_box,
)
from secmon.store import open_store


@click.command()
@db_option
@key_file_option
@click.option("--host", default=DEFAULT_HOST, show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--max-body-bytes",
    default=DEFAULT_MAX_BODY_BYTES,
    show_default=True,
    type=click.IntRange(1),
    help="Larger request bodies get 413 / errorCode 430.",
)
@click.option(
    "--rate-limit",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Requests per second per access key (429 / errorCode 420 beyond). Off by default.",
)
@click.option("--rate-burst", default=20, show_default=True, type=click.IntRange(1))
@handle_errors
def serve(
    db_url: str,
    key_file: Path | None,
    host: str,
    port: int,
    max_body_bytes: int,
    rate_limit: float | None,
    rate_burst: int,
) -> None:
    """Run the HTTP API (migrating the database first).

    \b
    Example:
      secmon serve --db sqlite:///secmon.db --port 8080
      curl http://127.0.0.1:8080/secmon/v1/health
    """
    import uvicorn

    from secmon.api.app import create_app
    from secmon.logs import configure_logging

    configure_logging()
    settings = Settings(
        db_url=db_url,
        host=host,
        port=port,
        key_file=key_file,
        max_body_bytes=max_body_bytes,
        rate_limit=rate_limit,
        rate_burst=rate_burst,
        notify_period_s=5.0,
    )
    with migrated_store(db_url) as store:
        app = create_app(settings, store, secret_box(store, key_file))
        click.echo(f"secmon listening on http://{host}:{port} (database {db_url})", err=True)
        uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@db_option
@json_option
@handle_errors
def upgrade(db_url: str, as_json: bool) -> None:
    """Apply pending schema migrations (serve does this on start).

    \b
    Example:
      secmon db upgrade --db postgresql://secmon@localhost/secmon
    """
    store = open_store(db_url)
    try:
        applied = store.migrate()
        version = store.schema_version()
    finally:
        store.close()
    if as_json:
        emit_json({"applied": applied, "version": version})
    elif applied:
        click.echo(f"applied migrations {', '.join(map(str, applied))}; schema version {version}")
    else:
        click.echo(f"schema is up to date (version {version})")
