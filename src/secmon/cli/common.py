"""Options, output and error handling shared by every command."""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
import orjson

from secmon.domain.errors import (
    AlreadyExists,
    AuthenticationFailed,
    InvalidInput,
    NotFound,
    PermissionDenied,
    SecmonError,
)
from secmon.service.secrets import KEY_FILE_ENV, SecretBox, open_secret_box
from secmon.store import Store, open_store
from secmon.store.factory import DEFAULT_DB_URL

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db_url",
    envvar="SECMON_DB",
    default=DEFAULT_DB_URL,
    show_default=True,
    show_envvar=True,
    help="Database URL: sqlite:///PATH or postgresql://...",
)

key_file_option = click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=KEY_FILE_ENV,
    show_envvar=True,
    default=None,
    help="Master key that seals secret keys at rest [default: ~/.config/secmon/master.key].",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document.")


def emit_json(value: Any) -> None:
    click.echo(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())


def fail(message: str, code: int = 1) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def describe(exc: SecmonError) -> str:
    """One line a person can act on, for every domain error."""
    if isinstance(exc, InvalidInput):
        return f"{exc.field}: {exc.reason}"
    if isinstance(exc, NotFound):
        return f"{exc.kind} {exc.ident!r} not found"
    if isinstance(exc, AlreadyExists):
        return f"{exc.kind} {exc.name!r} already exists"
    if isinstance(exc, AuthenticationFailed):
        return f"authentication failed: {exc.detail}"
    if isinstance(exc, PermissionDenied):
        return f"permission denied: {exc.action}"
    return str(exc)


def handle_errors(func: F) -> F:
    """Domain errors become one `error: ...` line on stderr and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SecmonError as exc:
            fail(describe(exc))
        except OSError as exc:
            fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))

    return wrapper  # type: ignore[return-value]


@contextmanager
def migrated_store(db_url: str) -> Iterator[Store]:
    """Open the store and bring its schema up to date (first use creates it)."""
    store = open_store(db_url)
    try:
        store.migrate()
        yield store
    finally:
        store.close()


def secret_box(store: Store, key_file: Path | None) -> SecretBox:
    return open_secret_box(store, key_file)


@contextmanager
def stop_on_signals(enabled: bool) -> Iterator[threading.Event]:
    """In follow mode, SIGINT/SIGTERM end the run after committing what was read."""
    stop = threading.Event()
    if not enabled:
        yield stop
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handler(signum: int, frame: Any) -> None:
        stop.set()

    for sig in previous:
        signal.signal(sig, handler)
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
