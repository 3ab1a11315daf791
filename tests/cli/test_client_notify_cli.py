"""The notification commands (`secmon wbd notification|webhooks ...`) against the real
server on a loopback socket."""

from __future__ import annotations

import csv
import io
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner

from secmon.cli.main import cli
from tests.cli.conftest import Run, ok_json
from tests.conftest import SignedApi, Tenant, TenantFactory

INTERVAL = "/api/v1/alarm/interval"
WEBHOOKS = "/secmon/v1/wbd/webhooks"

WBD = cli.commands["wbd"]
assert isinstance(WBD, click.Group)
COMMANDS = [
    ("wbd", group, name)
    for group in ("notification", "webhooks")
    for name in WBD.commands[group].commands  # type: ignore[attr-defined]
]


def test_the_notification_commands_exist() -> None:
    assert sorted(COMMANDS) == sorted(
        [
            ("wbd", "notification", "get"),
            ("wbd", "notification", "set"),
            ("wbd", "webhooks", "add"),
            ("wbd", "webhooks", "list"),
            ("wbd", "webhooks", "delete"),
        ]
    )


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_notification_command_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert "Example" in result.output
    assert f"secmon {' '.join(path)}" in result.output  # the example runs this very command
    for option in ("--endpoint", "--access-key", "--secret-key", "--profile", "--output"):
        assert option in result.output


def _setting(api: SignedApi, tenant: Tenant) -> dict[str, Any]:
    answer = api.wbd("GET", tenant, INTERVAL)
    assert answer["success"] is True, answer
    result: dict[str, Any] = answer["result"]
    return result


def test_notification_get_and_set(run: Run, api: SignedApi, tenant: Tenant) -> None:
    setting = _setting(api, tenant)
    assert setting["interval"] == 600_000
    assert ok_json(run("wbd", "notification", "get")) == setting
    assert ok_json(run("wbd", "notification", "get", "--output", "json")) == setting
    assert ok_json(run("wbd", "notification", "get", "--json")) == setting
    assert orjson.loads(run("wbd", "notification", "get", "-o", "ndjson").stdout) == setting
    rows = list(csv.reader(io.StringIO(run("wbd", "notification", "get", "-o", "csv").stdout)))
    assert rows[0] == list(setting)
    assert rows[1][:3] == [setting["id"], str(tenant.member_no), "600000"]
    assert rows[1][3:] == ["", str(setting["createTime"]), str(setting["lastUpdatedTime"]), "VPC", "false"]
    table = run("wbd", "notification", "get", "-o", "table", COLUMNS="200").stdout
    assert "600000 ms (ten_min)" in table
    assert setting["id"] in table
    assert " UTC (" in table  # times shown readably, with their epoch ms

    assert ok_json(run("wbd", "notification", "set", "three_hour")) == {"interval": "three_hour"}
    assert _setting(api, tenant)["interval"] == 10_800_000
    assert ok_json(run("wbd", "notification", "get"))["interval"] == 10_800_000
    assert (
        run("wbd", "notification", "set", "TWENTY_FOUR_HOUR", "-o", "table").stdout
        == "notification interval set to twenty_four_hour (86400000 ms)\n"
    )
    assert _setting(api, tenant)["interval"] == 86_400_000
    assert orjson.loads(run("wbd", "notification", "set", "one_min", "-o", "ndjson").stdout) == {
        "interval": "one_min"
    }
    assert "60000 ms (one_min)" in run("wbd", "notification", "get", "-o", "table").stdout
    assert run("wbd", "notification", "set", "five_min", "-o", "csv").stdout == "interval\nfive_min\n"


def test_a_bad_interval_is_refused(run: Run, api: SignedApi, tenant: Tenant) -> None:
    bad = run("wbd", "notification", "set", "fortnight")
    assert (bad.exit_code, bad.stdout) == (2, "")
    assert "'fortnight' is not one of 'one_min', 'two_min'" in bad.stderr
    assert run("wbd", "notification", "set").exit_code == 2  # INTERVAL is required
    assert _setting(api, tenant)["interval"] == 600_000  # nothing was sent


def test_webhooks_add_list_delete(run: Run, api: SignedApi, tenant: Tenant) -> None:
    assert ok_json(run("wbd", "webhooks", "list")) == []
    assert run("wbd", "webhooks", "list", "-o", "csv").stdout == "webhookId,url,createdTime\n"
    assert run("wbd", "webhooks", "list", "-o", "ndjson").stdout == ""

    first = ok_json(run("wbd", "webhooks", "add", "http://127.0.0.1:9/hook"))
    assert list(first) == ["webhookId", "url", "createdTime"]
    assert first["url"] == "http://127.0.0.1:9/hook"
    second = orjson.loads(
        run("wbd", "webhooks", "add", "https://hooks.example.com/secmon?team=web", "-o", "ndjson").stdout
    )
    every = api.wbd("GET", tenant, WEBHOOKS)["result"]
    assert {h["webhookId"] for h in every} == {first["webhookId"], second["webhookId"]}
    assert ok_json(run("wbd", "webhooks", "list")) == every
    assert ok_json(run("wbd", "webhooks", "list", "--output", "json")) == every
    lines = run("wbd", "webhooks", "list", "-o", "ndjson").stdout.splitlines()
    assert [orjson.loads(line) for line in lines] == every
    rows = list(csv.reader(io.StringIO(run("wbd", "webhooks", "list", "-o", "csv").stdout)))
    assert rows == [
        ["webhookId", "url", "createdTime"],
        *[[h["webhookId"], h["url"], str(h["createdTime"])] for h in every],
    ]
    table = run("wbd", "webhooks", "list", "-o", "table", COLUMNS="200").stdout
    assert "Webhook ID" in table
    assert first["webhookId"] in table
    assert "https://hooks.example.com/secmon?team=web" in table
    shown = run("wbd", "webhooks", "add", "http://127.0.0.1:9/third", "-o", "table", COLUMNS="200").stdout
    assert "http://127.0.0.1:9/third" in shown
    assert "createdTime" in shown
    third = next(h for h in api.wbd("GET", tenant, WEBHOOKS)["result"] if h["url"].endswith("/third"))

    deleted = run("wbd", "webhooks", "delete", first["webhookId"])
    assert ok_json(deleted) == {"webhookId": first["webhookId"], "deleted": True}
    assert (
        run("wbd", "webhooks", "delete", third["webhookId"], "-o", "table").stdout
        == f"webhook {third['webhookId']} deleted\n"
    )
    assert ok_json(run("wbd", "webhooks", "list")) == [second]

    again = run("wbd", "webhooks", "delete", first["webhookId"])
    assert (again.exit_code, again.stdout) == (1, "")
    assert again.stderr == f"error: 404: webhook {first['webhookId']} not found\n"


def test_webhook_errors(run: Run, make_tenant: TenantFactory) -> None:
    wrong = run("wbd", "webhooks", "add", "file:///etc/passwd")
    assert (wrong.exit_code, wrong.stdout) == (1, "")
    assert wrong.stderr.startswith("error: 400: url: ")
    unknown = run("wbd", "webhooks", "delete", "2024072409000000000001")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: 404: ")
    assert run("wbd", "webhooks", "delete").exit_code == 2  # ID is required
    assert run("wbd", "webhooks", "add").exit_code == 2  # URL is required
    reader = make_tenant("acme", sub="reader", policies=["WBDViewer"])
    as_reader = {"NCLOUD_ACCESS_KEY": reader.access_key, "NCLOUD_SECRET_KEY": reader.secret_key}
    assert ok_json(run("wbd", "webhooks", "list", **as_reader)) == []
    assert ok_json(run("wbd", "notification", "get", **as_reader))["interval"] == 600_000
    denied = run("wbd", "notification", "set", "one_min", **as_reader)
    assert denied.exit_code == 1
    assert denied.stderr.startswith("error: 210: ")
    assert "Change/" in denied.stderr
