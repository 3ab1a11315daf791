"""Fixtures of the client commands' tests: `secmon ...` run in-process against the real
server on a loopback socket, with a tenant's keys in the environment."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from secmon.cli.main import cli
from secmon.logs import configure_logging
from tests.conftest import Tenant, TenantFactory

#: run("wbd", "rules", "list", input=b"...", NAME="value" or None to unset) → the Result.
Run = Callable[..., Result]


@pytest.fixture
def server_logs_elsewhere() -> Iterator[None]:
    """The server runs in this process and logs to stderr: keep its access log out of
    the CLI's captured output."""
    configure_logging(stream=io.StringIO())
    yield
    configure_logging()


@pytest.fixture
def tenant(make_tenant: TenantFactory) -> Tenant:
    return make_tenant("acme")


@pytest.fixture
def run(
    server: str, tenant: Tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, server_logs_elsewhere: None
) -> Run:
    """`secmon ...` in-process, pointed at the server with the tenant's keys (environment)."""
    for name in ("NCLOUD_ACCESS_KEY_ID", "NCLOUD_SECRET_ACCESS_KEY", "NCLOUD_PROFILE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    env = {
        "SECMON_ENDPOINT": server,
        "NCLOUD_ACCESS_KEY": tenant.access_key,
        "NCLOUD_SECRET_KEY": tenant.secret_key,
        "HOME": str(tmp_path),
    }

    def invoke(*args: str, input: bytes | None = None, **extra_env: str | None) -> Result:
        return CliRunner().invoke(
            cli, list(args), input=input, env={**env, **extra_env}, catch_exceptions=False
        )

    return invoke


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)
