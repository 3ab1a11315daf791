"""The `secmon` command line: help texts, admin commands, errors as one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import orjson
import pytest
from click.testing import CliRunner

from secmon.cli.main import cli


def _leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += _leaf_commands(command, path)
        else:
            found.append(path)
    return found


LEAVES = _leaf_commands(cli)


def test_the_expected_commands_exist() -> None:
    for path in [
        ("serve",),
        ("db", "upgrade"),
        ("account", "create"),
        ("subaccount", "create"),
        ("key", "create"),
        ("key", "revoke"),
        ("ingest", "ips"),
    ]:
        assert path in LEAVES


@pytest.mark.parametrize("path", LEAVES, ids=" ".join)
def test_every_command_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Usage: " in result.output
    if path != ("account", "list"):
        assert "Example" in result.output, f"secmon {' '.join(path)} --help has no example"


def test_console_script_is_installed() -> None:
    exe = Path(sys.executable).parent / "secmon"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    assert "ingest" in result.stdout


@pytest.fixture
def run(db_url: str, key_file: Path) -> object:
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> click.testing.Result:
        return runner.invoke(cli, [*args, "--db", db_url], input=input, catch_exceptions=False)

    return invoke


def test_account_subaccount_and_key_lifecycle(run) -> None:  # type: ignore[no-untyped-def]
    created = run("account", "create", "--name", "acme", "--json")
    assert created.exit_code == 0
    account = orjson.loads(created.stdout)
    assert account["name"] == "acme"
    assert isinstance(account["memberNo"], int)

    dup = run("account", "create", "--name", "acme")
    assert dup.exit_code == 1
    assert dup.stderr.strip() == "error: account 'acme' already exists"

    sub = run(
        "subaccount",
        "create",
        "--account",
        "acme",
        "--name",
        "bob",
        "--policy",
        "WBDManager",
        "--server-group",
        "web",
        "--json",
    )
    assert orjson.loads(sub.stdout) == {
        "account": "acme",
        "name": "bob",
        "policies": ["WBDManager"],
        "serverGroups": ["web"],
    }
    bad_policy = run("subaccount", "create", "--account", "acme", "--name", "x", "--policy", "Root")
    assert bad_policy.exit_code == 2
    assert "Root" in bad_policy.stderr

    key = orjson.loads(run("key", "create", "--account", "acme", "--subaccount", "bob", "--json").stdout)
    assert len(key["accessKey"]) == 20
    assert len(key["secretKey"]) == 40
    human = run("key", "create", "--account", "acme")
    assert "secret key:" in human.stdout
    assert "cannot show it again" in human.stderr

    revoked = run("key", "revoke", key["accessKey"], "--json")
    assert orjson.loads(revoked.stdout) == {"accessKey": key["accessKey"], "revoked": True}
    again = run("key", "revoke", key["accessKey"])
    assert again.exit_code == 1
    assert "not found" in again.stderr

    for args in (
        ("key", "create", "--account", "nobody"),
        ("key", "create", "--account", "acme", "--subaccount", "nobody"),
        ("subaccount", "create", "--account", "nobody", "--name", "x", "--policy", "WBDViewer"),
    ):
        missing = run(*args)
        assert missing.exit_code == 1
        assert missing.stderr.startswith("error: ")
        assert "Traceback" not in missing.output


def test_db_upgrade_reports_the_version(run) -> None:  # type: ignore[no-untyped-def]
    first = orjson.loads(run("db", "upgrade", "--json").stdout)
    assert first["version"] >= 1
    assert orjson.loads(run("db", "upgrade", "--json").stdout) == {"applied": [], "version": first["version"]}


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    for url in (f"sqlite:///{tmp_path}", f"postgresql://nobody@/x?host={tmp_path}/nowhere"):
        result = CliRunner().invoke(cli, ["account", "list", "--db", url])
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("error: cannot ")
        assert len(result.stderr.strip().splitlines()) == 1
    bad_scheme = CliRunner().invoke(cli, ["account", "list", "--db", "mysql://x"])
    assert bad_scheme.exit_code == 1
    assert "unsupported database URL" in bad_scheme.stderr
