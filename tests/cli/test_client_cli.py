"""The client commands (`secmon ips ...`, `secmon wbd rules|servers ...`) against the real
server on a loopback socket: outputs, round trips, errors as one line."""

from __future__ import annotations

import csv
import io
import time
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner

from secmon.cli.client_common import Column, fit_columns, parse_duration, parse_time
from secmon.cli.main import cli
from secmon.store import Store
from tests.api.conftest import BASE, HOUR, ips_event
from tests.cli.conftest import Run, ok_json
from tests.conftest import SignedApi, Tenant


def _leaves(group: click.Group, prefix: tuple[str, ...]) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in group.commands.items():
        path = (*prefix, name)
        found += _leaves(command, path) if isinstance(command, click.Group) else [path]
    return found


CLIENT_COMMANDS = [
    *_leaves(cli.commands["ips"], ("ips",)),  # type: ignore[arg-type]
    *_leaves(cli.commands["wbd"].commands["rules"], ("wbd", "rules")),  # type: ignore[attr-defined]
    *_leaves(cli.commands["wbd"].commands["servers"], ("wbd", "servers")),  # type: ignore[attr-defined]
]


def test_the_client_commands_exist() -> None:
    assert sorted(CLIENT_COMMANDS) == sorted(
        [
            ("ips", "list"),
            *[
                ("wbd", "rules", name)
                for name in (
                    "list",
                    "search",
                    "deleted",
                    "create",
                    "update",
                    "delete",
                    "restore",
                    "memo",
                    "history",
                    "preview",
                )
            ],
            *[("wbd", "servers", name) for name in ("list", "search", "memo", "activate", "deactivate")],
        ]
    )
    assert ("wbd", "server", "add") in _leaves(cli, ())  # the admin command is still there


@pytest.mark.parametrize("path", CLIENT_COMMANDS, ids=" ".join)
def test_every_client_command_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert "Example" in result.output
    assert f"secmon {' '.join(path)}" in result.output  # the example runs this very command
    for option in ("--endpoint", "--access-key", "--secret-key", "--profile", "--output"):
        assert option in result.output


def _load_events(store: Store, tenant: Tenant, count: int) -> None:
    events = [
        ips_event(
            BASE + i * 60_000,
            f'Event "{i % 3}", with a comma',
            attacker_ip=f"198.51.100.{i}",
            attacker_port=50000 + i,
            target_ip="10.0.0.5",
            target_port=80,
            protocol="TCP",
            region="KR" if i % 2 else None,
            zone_name="KR-2",
        )
        for i in range(count)
    ]
    store.add_ips_events(tenant.member_no, events)


def _server_items(api: SignedApi, tenant: Tenant) -> list[dict[str, Any]]:
    body = {"startDateTime": 0, "endDateTime": BASE + 100 * HOUR, "page": 1, "countPerPage": 1000}
    items: list[dict[str, Any]] = api.post(tenant, "/vsecuritymonitoring/v1/getIPSList", body).json()[
        "ipsDataList"
    ]
    return items


def test_ips_list_all_as_csv_is_the_servers_data(
    run: Run, store: Store, tenant: Tenant, api: SignedApi
) -> None:
    _load_events(store, tenant, 31)
    result = run(
        "ips", "list", "--from", "0", "--to", str(BASE + 100 * HOUR), "--all", "--count", "7", "-o", "csv"
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    items = _server_items(api, tenant)
    assert len(items) == 31
    header = list(items[0])
    assert rows[0] == header
    assert rows[1:] == [["" if item[k] is None else str(item[k]) for k in header] for item in items]


def test_ips_list_outputs(run: Run, store: Store, tenant: Tenant, api: SignedApi) -> None:
    _load_events(store, tenant, 5)
    items = _server_items(api, tenant)
    window = ["--from", "2024-08-07", "--to", "2024-08-08"]  # BASE is 2024-08-07T20:00Z
    assert ok_json(run("ips", "list", *window)) == items  # json when not a terminal
    assert ok_json(run("ips", "list", *window, "--count", "2", "--page", "2", "--json")) == items[2:4]
    ndjson = run("ips", "list", *window, "--all", "-o", "ndjson")
    assert [orjson.loads(line) for line in ndjson.stdout.splitlines()] == items
    assert ok_json(run("ips", "list", "--from", "2024-08-09", "--to", "2024-08-10")) == []
    filtered = ok_json(run("ips", "list", *window, "--attack-ip", "198.51.100.0/31", "--order", "asc"))
    assert [i["attackerIp"] for i in filtered] == ["198.51.100.0", "198.51.100.1"]
    assert ok_json(run("ips", "list", *window, "--event-nm", '"1"', "--region-code", "kr")) == [
        i for i in items if i["eventNm"].startswith('Event "1"') and i["region"] == "Korea"
    ]
    table = run("ips", "list", *window, "--count", "2", "-o", "table")
    assert table.exit_code == 0
    assert "198.51.100.4:50004" in table.stdout
    assert "page 1 of 3 · 2 shown of 5" in table.stdout
    empty_csv = run("ips", "list", "--from", "2024-08-09", "--to", "2024-08-10", "-o", "csv")
    assert empty_csv.stdout.startswith("ticketId,date,product,eventNm,")


def test_ips_list_last_and_the_default_window(run: Run, store: Store, tenant: Tenant) -> None:
    now = int(time.time() * 1000)
    store.add_ips_events(
        tenant.member_no,
        [
            ips_event(now - 10 * 60_000, "recent"),
            ips_event(now - 3 * HOUR, "older"),
            ips_event(now - 3 * 86_400_000, "old"),
        ],
    )
    assert [i["eventNm"] for i in ok_json(run("ips", "list", "--last", "1h"))] == ["recent"]
    assert [i["eventNm"] for i in ok_json(run("ips", "list"))] == ["recent", "older"]  # 24 hours
    assert len(ok_json(run("ips", "list", "--last", "7d"))) == 3
    assert [i["eventNm"] for i in ok_json(run("ips", "list", "--to", str(now - HOUR)))] == ["older", "old"]
    clash = run("ips", "list", "--last", "1h", "--from", "2024-01-01")
    assert clash.exit_code == 2
    assert "--last cannot be combined" in clash.output


def _rules_via_api(api: SignedApi, tenant: Tenant, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        body = {"exceptedRuleName": name, "exceptTargetType": "everyServer", "executor": f"user-{name}"}
        ids.append(
            api.wbd("POST", tenant, "/secmon/v1/wbd/exception-rules", body)["result"]["exceptedRuleId"]
        )
    return ids


def test_wbd_rules_deleted_as_json_round_trips(run: Run, api: SignedApi, tenant: Tenant) -> None:
    ids = _rules_via_api(api, tenant, [f"nks-php-{i}" for i in range(5)] + ["other"])
    for rule_id in ids:
        api.wbd("DELETE", tenant, f"/api/v1/exception-rules/{rule_id}")
    everything = api.wbd("POST", tenant, "/api/v1/deleted-exception-rules", {"pageSize": 100})["result"][
        "content"
    ]
    assert len(everything) == 6
    assert ok_json(run("wbd", "rules", "deleted", "--output", "json")) == everything
    assert (
        ok_json(run("wbd", "rules", "deleted", "--all", "--page-size", "2", "--output", "json")) == everything
    )
    filtered = api.wbd(
        "POST", tenant, "/api/v1/deleted-exception-rules", {"exceptedRuleName": "NKS", "executor": "php-3"}
    )["result"]["content"]
    cli_filtered = ok_json(
        run(
            "wbd",
            "rules",
            "deleted",
            "--excepted-rule-name",
            "NKS",
            "--executor",
            "php-3",
            "--output",
            "json",
        )
    )
    assert cli_filtered == filtered
    assert len(filtered) == 1
    assert ok_json(run("wbd", "rules", "deleted", "--last", "1h", "--json")) == everything
    assert ok_json(run("wbd", "rules", "deleted", "--deleted-time-to", "2020-01-01", "--json")) == []
    assert (
        ok_json(run("wbd", "rules", "deleted", "--page-index", "1", "--page-size", "4", "--json"))
        == everything[4:]
    )
    assert ok_json(run("wbd", "rules", "list", "--json")) == []


def test_wbd_rule_lifecycle(run: Run, api: SignedApi, tenant: Tenant) -> None:
    api.wbd("POST", tenant, "/secmon/v1/wbd/servers", {"instanceNo": "25000097", "serverName": "web-1"})
    created = ok_json(
        run(
            "wbd", "rules", "create", "--name", "php sh", "--target-type", "server", "--target", "25000097",
            "--process-name", "/bin/sh", "--process-name-of-parent", "php-fpm",
            "--process-name-of-parent-condition", "start", "--memo", "first", "--json",
        )
    )  # fmt: skip
    rule_id = created["exceptedRuleId"]
    assert (created["exceptTargetName"], created["processNameOfParentCondition"]) == ("web-1", "START")
    listed = api.wbd("GET", tenant, "/api/v1/exception-rules")["result"]["content"]
    assert ok_json(run("wbd", "rules", "list")) == listed == [created]
    assert ok_json(run("wbd", "rules", "search", "--process-name-of-parent", "PHP")) == listed
    assert ok_json(run("wbd", "rules", "search", "--except-target", "nope")) == []
    updated = ok_json(run("wbd", "rules", "update", rule_id, "--executor", "www-data", "--disable", "--json"))
    assert (updated["executor"], updated["executorCondition"], updated["disabled"]) == (
        "www-data",
        "EQUAL",
        True,
    )
    assert run("wbd", "rules", "update", rule_id).exit_code == 2  # nothing to change
    run("wbd", "rules", "memo", rule_id, "reviewed")
    assert api.wbd("GET", tenant, "/api/v1/exception-rules")["result"]["content"][0]["memo"] == "reviewed"
    deleted = ok_json(run("wbd", "rules", "delete", rule_id))
    assert deleted == {"exceptedRuleId": rule_id, "isDeleted": True}
    assert run("wbd", "rules", "memo", "--deleted", rule_id, "why").exit_code == 0
    assert ok_json(run("wbd", "rules", "deleted"))[0]["memo"] == "why"
    restored = ok_json(run("wbd", "rules", "restore", rule_id))
    assert restored["exceptedRuleId"] == rule_id
    assert restored["isDeleted"] is False
    history = ok_json(run("wbd", "rules", "history", rule_id))
    assert history == api.wbd("GET", tenant, f"/secmon/v1/wbd/exception-rules/{rule_id}/history")["result"]
    assert [h["action"] for h in history] == ["create", "edit", "memo", "delete", "memo", "restore"]
    table = run("wbd", "rules", "history", rule_id, "-o", "table")
    assert "executor" in table.stdout
    assert "restore" in table.stdout


def test_wbd_servers(run: Run, api: SignedApi, tenant: Tenant) -> None:
    for i in range(5):
        body = {
            "instanceNo": f"2500010{i}",
            "serverName": f"web-{i}",
            "serverGroupName": "web" if i % 2 else "db",
        }
        api.wbd("POST", tenant, "/secmon/v1/wbd/servers", body)
    every = api.wbd("GET", tenant, "/api/v1/servers?pageSize=100")["result"]["content"]
    assert ok_json(run("wbd", "servers", "list", "--all", "--page-size", "2")) == every
    assert [
        s["instanceNo"] for s in ok_json(run("wbd", "servers", "search", "--server-group-name", "WEB"))
    ] == [s["instanceNo"] for s in every if s["serverGroupName"] == "web"]
    assert ok_json(run("wbd", "servers", "memo", "25000103", "duplicated")) == {
        "instanceNo": "25000103",
        "memo": "duplicated",
    }
    assert ok_json(run("wbd", "servers", "deactivate", "25000103"))["agentStatus"] == "disable"
    found = ok_json(run("wbd", "servers", "search", "--agent-status", "disable", "--agent-status", "down"))
    assert [(s["instanceNo"], s["memo"]) for s in found] == [("25000103", "duplicated")]
    assert (
        run("wbd", "servers", "activate", "25000103", "-o", "table").stdout
        == "agent of server 25000103: enable\n"
    )
    assert ok_json(run("wbd", "servers", "search", "--agent-status", "disable")) == []
    table = run("wbd", "servers", "list", "-o", "table", COLUMNS="200")
    assert "25000103" in table.stdout
    assert "duplicated" in table.stdout


def test_errors_are_one_line_and_exit_non_zero(run: Run, tenant: Tenant) -> None:
    bad = run("ips", "list", "--secret-key", "wrong", "--access-key", tenant.access_key)
    assert bad.exit_code == 1
    assert bad.stderr == "error: 200: Authentication Failed: Invalid authentication information.\n"
    assert bad.stdout == ""
    missing = run("wbd", "rules", "delete", "2024072321114100000001")
    assert missing.exit_code == 1
    assert missing.stderr == "error: 404: exception rule 2024072321114100000001 not found\n"
    backwards = run("ips", "list", "--from", "2024-07-05", "--to", "2024-07-01")
    assert backwards.exit_code == 1
    assert backwards.stderr.startswith("error: 100: Bad Request Exception: startDateTime:")
    none = run("wbd", "rules", "list", NCLOUD_ACCESS_KEY=None, NCLOUD_SECRET_KEY=None)
    assert none.exit_code == 1
    assert none.stderr.startswith("error: credentials: no credentials found")
    refused = run("wbd", "servers", "list", "--endpoint", "http://127.0.0.1:1")
    assert refused.exit_code == 1
    assert refused.stderr.startswith("error: transport: ")
    assert len(refused.stderr.splitlines()) == 1


def test_credentials_from_the_configure_file(run: Run, tenant: Tenant, tmp_path: Path) -> None:
    (tmp_path / ".ncloud").mkdir()
    (tmp_path / ".ncloud" / "configure").write_text(
        f"[work]\nncloud_access_key_id = {tenant.access_key}\n"
        f"ncloud_secret_access_key = {tenant.secret_key}\n"
    )
    plain = {"NCLOUD_ACCESS_KEY": None, "NCLOUD_SECRET_KEY": None}
    assert ok_json(run("wbd", "rules", "list", "--profile", "work", **plain)) == []
    assert ok_json(run("wbd", "rules", "list", NCLOUD_PROFILE="work", **plain)) == []
    assert run("wbd", "rules", "list", **plain).stderr.startswith("error: credentials: ")


def test_time_arguments() -> None:
    assert parse_time("1720044443000") == 1720044443000
    assert parse_time("2024-07-03") == 1719964800000
    assert parse_time("2024-07-03", end=True) == 1719964800000 + 86_400_000 - 1
    assert parse_time("2024-07-03T22:07:23Z") == 1720044443000
    assert parse_time("2024-07-04T07:07:23+09:00") == 1720044443000
    assert parse_time("2024-07-03T22:07:23", end=True) == 1720044443000  # naive = UTC
    assert parse_duration("30m") == 1_800_000
    assert parse_duration("24h") == parse_duration("1d") == 86_400_000
    assert parse_duration("2W") == 14 * 86_400_000
    for bad in ("yesterday", "2024-13-01"):
        with pytest.raises(ValueError, match="not epoch ms"):
            parse_time(bad)
    for bad in ("0h", "7", "h", "1y"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


def test_tables_fit_the_terminal() -> None:
    columns = [
        Column("Time", lambda i: None, priority=9),
        Column("Event", lambda i: None, priority=9, min_width=20, max_width=60),
        Column("Zone", lambda i: None, priority=1),
        Column("Port", lambda i: None, priority=5),
    ]
    rows = [["2024-07-03 22:07:23", "x" * 100, "KR-2", "51185"]]
    wide = fit_columns(columns, rows, 200)
    assert wide == [(0, 19), (1, 60), (2, 4), (3, 5)]
    assert sum(w + 3 for _, w in wide) + 1 <= 200
    narrow = fit_columns(columns, rows, 60)
    assert [i for i, _ in narrow] == [0, 1, 3]  # Zone goes first
    assert sum(w + 3 for _, w in narrow) + 1 <= 60
    tiny = fit_columns(columns, rows, 30)
    assert [i for i, _ in tiny] == [0]
