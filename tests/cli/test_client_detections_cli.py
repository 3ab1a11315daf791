"""The detection commands (`secmon wbd detections|exceptions|events|detection-rules ...`
and `secmon wbd rules preview`) against the real server on a loopback socket."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from pathlib import Path
from typing import Any

import click
import orjson
import pytest
from click.testing import CliRunner

from secmon.cli.main import cli
from tests.cli.conftest import Run, ok_json
from tests.conftest import SignedApi, Tenant

T0 = 1_720_000_000_000  # 2024-07-03T09:46:40Z
MINUTE = 60_000
HOUR = 3_600_000


def _leaves(command: click.Command, path: tuple[str, ...]) -> list[tuple[str, ...]]:
    if not isinstance(command, click.Group):
        return [path]
    return [leaf for name, sub in command.commands.items() for leaf in _leaves(sub, (*path, name))]


WBD = cli.commands["wbd"]
assert isinstance(WBD, click.Group)
COMMANDS = [
    *[
        leaf
        for group in ("detections", "exceptions", "events", "detection-rules")
        for leaf in _leaves(WBD.commands[group], ("wbd", group))
    ],
    ("wbd", "rules", "preview"),
]


def test_the_detection_commands_exist() -> None:
    assert sorted(COMMANDS) == sorted(
        [
            *[("wbd", "detections", name) for name in ("list", "search", "memo", "delete", "except")],
            *[("wbd", "exceptions", name) for name in ("list", "search", "memo", "cancel")],
            ("wbd", "events", "push"),
            *[("wbd", "detection-rules", name) for name in ("list", "enable", "disable")],
            ("wbd", "rules", "preview"),
        ]
    )


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_detection_command_explains_itself(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    assert "Example" in result.output
    assert f"secmon {' '.join(path)}" in result.output  # the example runs this very command
    for option in ("--endpoint", "--access-key", "--secret-key", "--profile", "--output"):
        assert option in result.output


def test_the_search_flags_are_the_operations_fields() -> None:
    wire = [
        "actionStatus", "detectTimeFrom", "detectTimeTo", "executor", "executorOfParent", "hostName", "memo",
        "privateIPofServer", "processArg", "processArgOfParent", "processName", "processNameOfParent",
        "serverName", "suspiciousIP",
    ]  # fmt: skip
    kebab = {"privateIPofServer": "private-ip-of-server", "suspiciousIP": "suspicious-ip"}
    for group in ("detections", "exceptions"):
        command = WBD.commands[group].commands["search"]  # type: ignore[attr-defined]
        flags = {opt for param in command.params for opt in param.opts}
        for name in wire:
            flag = "--" + kebab.get(name, "".join(f"-{c.lower()}" if c.isupper() else c for c in name))
            assert flag in flags, (group, flag)
        assert {"--from", "--to", "--last", "--all", "--page-index", "--page-size"} <= flags


def event(i: int, at: int = T0, **fields: Any) -> dict[str, Any]:
    """A web server spawning a shell (WBD-SH-001); distinct `i` are distinct detections."""
    return {
        "time": at + i * MINUTE,
        "instanceNo": "25000097",
        "hostName": "web-1",
        "processName": "sh",
        "processArg": f"-c id {i}",
        "processId": 4000 + i,
        "executor": "www-data",
        "processNameOfParent": "php-fpm",
        "executorOfParent": "www-data",
        **fields,
    }


def _items(api: SignedApi, tenant: Tenant, path: str, body: dict[str, Any] | None = None) -> list[Any]:
    if body is None:
        answer = api.wbd("GET", tenant, f"{path}?pageIndex=0&pageSize=1000")
    else:
        answer = api.wbd("POST", tenant, path, {"pageIndex": 0, "pageSize": 1000, **body})
    assert answer["success"] is True, answer
    items: list[Any] = answer["result"]["content"]
    return items


def test_push_then_list_and_search(run: Run, api: SignedApi, tenant: Tenant, tmp_path: Path) -> None:
    lines = [json.dumps(event(i)) for i in range(23)]
    lines[5:5] = ["", "not json", "[1]", json.dumps({"time": T0, "instanceNo": "25000097"})]
    lines.append(json.dumps(event(0, processArg="-c id 0")))  # a repeat
    lines.append(json.dumps(event(30, processName="curl", processArg="http://203.0.113.9/x",
                                  processNameOfParent="sh", ancestors=[{"processName": "php-fpm"}],
                                  suspiciousIP="203.0.113.9")))  # fmt: skip
    source = tmp_path / "events.ndjson"
    source.write_text("\n".join(lines) + "\n")
    pushed = run("wbd", "events", "push", str(source), "--batch-size", "10")
    assert ok_json(pushed) == {"accepted": 25, "detections": 24, "excepted": 0, "repeats": 1, "malformed": 3}
    assert pushed.stderr.splitlines() == [
        f"{source}:7: not JSON (Expecting value: line 1 column 1 (char 0))",
        f"{source}:8: not a JSON object",
    ]

    every = _items(api, tenant, "/api/v1/detections")
    assert len(every) == 24
    assert ok_json(run("wbd", "detections", "list", "--all", "--output", "json")) == every
    assert ok_json(run("wbd", "detections", "list", "--all", "--page-size", "5", "--output", "json")) == every
    assert ok_json(run("wbd", "detections", "list", "--page-index", "1", "--page-size", "10")) == every[10:20]
    assert ok_json(run("wbd", "detections", "list")) == every[:20]
    ndjson = run("wbd", "detections", "list", "--all", "-o", "ndjson").stdout
    assert [orjson.loads(line) for line in ndjson.splitlines()] == every
    rows = list(csv.reader(io.StringIO(run("wbd", "detections", "list", "--all", "-o", "csv").stdout)))
    assert rows[0] == list(every[0])
    assert rows[1][0] == every[0]["detectionId"]
    assert len(rows) == 25
    table = run("wbd", "detections", "list", "--page-size", "5", "-o", "table", COLUMNS="250")
    assert "page 1 of 5 · 5 shown of 24" in table.stdout
    assert "curl http://203.0.113.9/x" in table.stdout
    assert "WBD-SH-001" in table.stdout
    assert "high" in table.stdout

    # Every filter goes under its wire name; text filters are substrings, any case.
    def search(*flags: str) -> list[Any]:
        found: list[Any] = ok_json(run("wbd", "detections", "search", "--all", "--page-size", "7", *flags))
        return found

    assert search() == every
    assert search("--process-name", "CURL") == _items(
        api, tenant, "/api/v1/detections", {"processName": "curl"}
    )
    assert [d["processName"] for d in search("--suspicious-ip", "203.0.113")] == ["curl"]
    newest_first = [f"-c id {i}" for i in (*range(19, 9, -1), 1)]
    assert [d["processArg"] for d in search("--process-arg", "id 1")] == newest_first
    assert len(search("--process-name-of-parent", "php", "--executor", "WWW", "--host-name", "web")) == 23
    assert search("--executor-of-parent", "nobody") == []
    assert search("--server-name", "web-1", "--action-status", "confirmed") == []
    assert search("--private-ip-of-server", "10.") == []  # auto-registered: no address known
    assert search("--memo", "x", "--process-arg-of-parent", "x") == []
    window = ["--from", str(T0 + 2 * MINUTE), "--to", str(T0 + 4 * MINUTE)]
    assert [d["processArg"] for d in search(*window)] == ["-c id 4", "-c id 3", "-c id 2"]
    assert [d["processArg"] for d in search("--detect-time-from", str(T0 + 22 * MINUTE))] == [
        "http://203.0.113.9/x",
        "-c id 22",
    ]
    assert len(search("--to", "2024-07-03")) == 24  # a bare date: through its end
    assert search("--from", "2024-07-04") == []
    assert search("--last", "1h") == []
    page = ok_json(
        run("wbd", "detections", "search", "--process-name", "sh", "--page-index", "2", "--page-size", "10")
    )
    assert [d["detectionId"] for d in page] == [d["detectionId"] for d in every[21:]]
    clash = run("wbd", "detections", "search", "--from", "2024-07-01", "--detect-time-from", "2024-07-02")
    assert clash.exit_code == 2
    assert "--detect-time-from both set one bound" in clash.output
    assert run("wbd", "detections", "list", "--all", "--page-index", "1").exit_code == 2


def test_memo_except_exceptions_cancel_and_delete(run: Run, api: SignedApi, tenant: Tenant) -> None:
    pushed = run("wbd", "events", "push", "-", input=json.dumps([event(i) for i in range(6)]).encode())
    assert ok_json(pushed)["detections"] == 6
    every = _items(api, tenant, "/api/v1/detections")
    first, second = every[-1]["detectionId"], every[-2]["detectionId"]

    memo = run("wbd", "detections", "memo", first, "looked at it")
    assert ok_json(memo) == {"detectionId": first, "memo": "looked at it"}
    assert (
        run("wbd", "detections", "memo", second, "x", "-o", "table").stdout
        == f"memo of detection {second} set\n"
    )
    confirmed = ok_json(run("wbd", "detections", "search", "--action-status", "confirmed"))
    assert [d["detectionId"] for d in confirmed] == [second, first]

    moved = ok_json(run("wbd", "detections", "except", first, "--create-rule"))
    assert next(iter(moved)) == "exceptionId"
    assert (moved["detectionId"], moved["memo"]) == (first, "looked at it")
    assert moved["exceptedRuleId"]
    by_hand = ok_json(run("wbd", "detections", "except", second))
    assert (by_hand["exceptedRuleId"], by_hand["exceptedRuleName"]) == (None, None)
    excepted = _items(api, tenant, "/api/v1/exceptions")
    assert [e["exceptionId"] for e in excepted] == [by_hand["exceptionId"], moved["exceptionId"]]
    assert ok_json(run("wbd", "exceptions", "list", "--all", "--page-size", "1")) == excepted
    assert ok_json(run("wbd", "exceptions", "list")) == excepted
    assert ok_json(run("wbd", "exceptions", "search", "--memo", "LOOKED")) == [excepted[1]]
    assert ok_json(run("wbd", "exceptions", "search", "--to", str(T0), "--all")) == [excepted[1]]
    table = run("wbd", "exceptions", "list", "-o", "table", COLUMNS="250").stdout
    assert moved["exceptionId"] in table
    assert "(by hand)" in table
    assert moved["exceptedRuleName"][:20] in table
    header = run("wbd", "exceptions", "search", "--memo", "nothing", "-o", "csv").stdout
    assert header.startswith("exceptionId,detectionId,instanceNo,")
    assert header.rstrip().endswith(",exceptedRuleId,exceptedRuleName")

    assert ok_json(run("wbd", "exceptions", "memo", moved["exceptionId"], "known job")) == {
        "exceptionId": moved["exceptionId"],
        "memo": "known job",
    }
    assert _items(api, tenant, "/api/v1/exceptions")[1]["memo"] == "known job"
    assert ok_json(run("wbd", "exceptions", "cancel", moved["exceptionId"])) == {
        "exceptionId": moved["exceptionId"],
        "cancelled": True,
    }
    back = _items(api, tenant, "/api/v1/detections")
    assert first in [d["detectionId"] for d in back]
    assert [e["detectionId"] for e in _items(api, tenant, "/api/v1/exceptions")] == [second]

    assert ok_json(run("wbd", "detections", "delete", first)) == {"detectionId": first, "deleted": True}
    assert first not in [d["detectionId"] for d in _items(api, tenant, "/api/v1/detections")]
    again = run("wbd", "detections", "delete", first)
    assert (again.exit_code, again.stdout) == (1, "")
    assert again.stderr == f"error: 404: detection {first} not found\n"
    wrong = run("wbd", "exceptions", "cancel", first)
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error: 404: ")


def test_events_push_formats_and_failures(run: Run, tmp_path: Path) -> None:
    array = tmp_path / "events.json"
    array.write_text(json.dumps([event(0), "x", event(1)], indent=2))
    assert ok_json(run("wbd", "events", "push", str(array))) == {
        "accepted": 2, "detections": 2, "excepted": 0, "repeats": 0, "malformed": 1,
    }  # fmt: skip
    packed = tmp_path / "events.ndjson.gz"
    packed.write_bytes(gzip.compress(b"\n".join(json.dumps(event(i)).encode() for i in range(2, 5))))
    table = run("wbd", "events", "push", str(packed), "-o", "table")
    assert table.stdout == "accepted 3, detections 3, excepted 0, repeats 0, malformed 0\n"
    # Large loads go in several requests, each under the body limit.
    many = tmp_path / "many.ndjson"
    padding = "x" * 2000
    many.write_text("".join(json.dumps(event(i, T0 + 3_600_000, cwd=padding)) + "\n" for i in range(600)))
    assert ok_json(run("wbd", "events", "push", str(many), "--batch-size", "10000", "-o", "ndjson")) == {
        "accepted": 600, "detections": 600, "excepted": 0, "repeats": 0, "malformed": 0,
    }  # fmt: skip
    huge = tmp_path / "huge.ndjson"  # the second request is over the server's body limit
    huge.write_text(json.dumps(event(0)) + "\n" + json.dumps(event(1, cwd="x" * 1_100_000)) + "\n")
    refused = run("wbd", "events", "push", str(huge), "--batch-size", "1")
    assert (refused.exit_code, refused.stdout) == (1, "")
    assert refused.stderr.startswith("error: 430: ")
    assert refused.stderr.endswith(" (1 event pushed before this request)\n")
    bad = tmp_path / "bad.ndjson"
    bad.write_text("nope\n")
    useless = run("wbd", "events", "push", str(bad))
    assert useless.exit_code == 1
    assert orjson.loads(useless.stdout)["malformed"] == 1
    missing = run("wbd", "events", "push", str(tmp_path / "absent.ndjson"))
    assert missing.exit_code == 1
    assert missing.stderr == f"error: {tmp_path / 'absent.ndjson'}: No such file or directory\n"
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    unparsable = run("wbd", "events", "push", str(broken))
    assert (unparsable.exit_code, unparsable.stdout) == (1, "")
    assert unparsable.stderr.startswith(f"error: {broken}: not a JSON array (")
    truncated = tmp_path / "truncated.gz"
    truncated.write_bytes(gzip.compress(b"{}\n" * 100)[:20])
    cut = run("wbd", "events", "push", str(truncated))
    assert cut.exit_code == 1
    assert cut.stderr.startswith(f"error: {truncated}: ")


def test_detection_rules_and_preview(run: Run, api: SignedApi, tenant: Tenant) -> None:
    catalogue = api.wbd("GET", tenant, "/secmon/v1/wbd/detection-rules")["result"]
    assert ok_json(run("wbd", "detection-rules", "list")) == catalogue
    table = run("wbd", "detection-rules", "list", "-o", "table", COLUMNS="200").stdout
    assert "WBD-SH-001" in table
    assert "Web server spawned a shell" in table
    off = ok_json(run("wbd", "detection-rules", "disable", "WBD-RC-001"))
    assert (off["ruleId"], off["enabled"]) == ("WBD-RC-001", False)
    listed = {r["ruleId"]: r["enabled"] for r in ok_json(run("wbd", "detection-rules", "list", "-o", "json"))}
    assert listed["WBD-RC-001"] is False
    on = ok_json(run("wbd", "detection-rules", "enable", "WBD-RC-001"))
    assert on == {**off, "enabled": True}
    unknown = run("wbd", "detection-rules", "enable", "WBD-NOPE")
    assert (unknown.exit_code, unknown.stderr) == (1, "error: 404: detection rule WBD-NOPE not found\n")

    now = int(time.time() * 1000)
    recent = "\n".join(json.dumps(event(i, now - HOUR)) for i in range(12))
    assert run("wbd", "events", "push", "-", input=recent.encode()).exit_code == 0
    rule = ["--name", "php sh", "--target-type", "server", "--target", "25000097", "--process-name", "sh",
            "--process-name-of-parent", "php", "--process-name-of-parent-condition", "start"]  # fmt: skip
    body = {
        "exceptedRuleName": "php sh", "exceptTargetType": "server", "exceptTarget": "25000097",
        "processName": "sh", "processNameOfParent": "php", "processNameOfParentCondition": "START", "days": 1,
    }  # fmt: skip
    expected = api.wbd("POST", tenant, "/secmon/v1/wbd/exception-rules/preview", body)["result"]
    assert expected["wouldSuppress"] == 12
    assert (
        ok_json(run("wbd", "rules", "preview", *rule, "--days", "1", "--memo", "m", "--disabled")) == expected
    )
    shown = run("wbd", "rules", "preview", *rule, "-o", "table", COLUMNS="250").stdout
    assert shown.startswith("would have excepted 12 detections of the last 7 days (a sample of 10 below)\n")
    assert "sh -c id 11" in shown
    assert "would have excepted 0 detections" in run(
        "wbd", "rules", "preview", "--name", "x", "--target-type", "everyServer", "--executor", "root",
        "-o", "table",
    ).stdout  # fmt: skip
    assert ok_json(run("wbd", "rules", "list")) == []  # nothing was saved
    wrong = run("wbd", "rules", "preview", *rule, "--days", "9999")
    assert wrong.exit_code == 1
    assert wrong.stderr.startswith("error: 400: days: ")
    assert run("wbd", "rules", "preview", "--name", "x").exit_code == 2  # --target-type is required
