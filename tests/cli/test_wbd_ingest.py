"""`secmon wbd ingest`: the real Falco and Sysmon samples in, detections out (via the API)."""

from __future__ import annotations

from pathlib import Path

import orjson
from click.testing import CliRunner, Result

from secmon.cli.main import cli
from tests.conftest import REAL_DATA, SignedApi, TenantFactory

WEBSHELL = REAL_DATA / "webshell"


def _ingest(db_url: str, *args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["wbd", "ingest", *args, "--db", db_url], input=input)


def _detections(api: SignedApi, tenant: object) -> list[dict[str, object]]:
    result = api.wbd("GET", tenant, "/api/v1/detections?pageIndex=0&pageSize=100")  # type: ignore[arg-type]
    return list(result["result"]["content"])


def test_real_falco_sample(db_url: str, api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    result = _ingest(
        db_url, "falco", str(WEBSHELL / "falco_execve_alerts_excerpt.jsonl"), "--account", "acme", "--json"
    )
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == {
        "read": 4,
        "accepted": 4,
        "skipped": 0,
        "malformed": 0,
        "detections": 2,
        "excepted": 0,
        "repeats": 0,
    }
    found = _detections(api, t)
    assert [(d["processNameOfParent"], d["command"], d["ruleId"]) for d in found] == [
        ("httpd", "bash -c ls > /dev/null", "WBD-SH-001"),
        ("httpd", "bash -c ls > /dev/null", "WBD-SH-001"),
    ]
    assert {d["hostName"] for d in found} == {"97ade2b595f0", "a2000de987ff"}
    assert {d["executor"] for d in found} == {"root"}
    # a second run resumes after what the first committed: nothing read twice
    again = _ingest(
        db_url, "falco", str(WEBSHELL / "falco_execve_alerts_excerpt.jsonl"), "--account", "acme", "--json"
    )
    assert orjson.loads(again.stdout)["read"] == 0
    assert len(_detections(api, t)) == 2


def test_real_sysmon_sample(db_url: str, api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    sample = str(WEBSHELL / "sysmon_linux_eid1_node_spawns_sh.log")
    result = _ingest(db_url, "sysmon", sample, "--account", "acme", "--instance-no", "25000097", "--json")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["detections"] == 1
    [d] = _detections(api, t)
    assert (d["instanceNo"], d["processName"], d["processArg"], d["processNameOfParent"]) == (
        "25000097",
        "sh",
        "-c gh auth token",
        "node",
    )
    assert (d["processId"], d["processIdOfParent"], d["executorOfParent"]) == ("1752", "1745", "ubuntu")


def test_an_exception_rule_sends_the_sample_to_the_excepted_list(
    db_url: str, api: SignedApi, make_tenant: TenantFactory
) -> None:
    t = make_tenant("acme")
    rule = api.wbd(
        "POST",
        t,
        "/secmon/v1/wbd/exception-rules",
        {
            "exceptedRuleName": "event generator",
            "exceptTargetType": "everyServer",
            "processArgOfParent": "--loglevel info run",
            "processArgOfParentCondition": "START",
        },
    )
    assert rule["success"] is True, rule
    result = _ingest(
        db_url, "falco", str(WEBSHELL / "falco_execve_alerts_excerpt.jsonl"), "--account", "acme", "--json"
    )
    assert orjson.loads(result.stdout)["excepted"] == 2
    excepted = api.wbd("GET", t, "/api/v1/exceptions")["result"]["content"]
    assert {e["exceptedRuleName"] for e in excepted} == {"event generator"}


def test_native_bad_lines_and_missing_file(db_url: str, tmp_path: Path, make_tenant: TenantFactory) -> None:
    make_tenant("acme")
    path = tmp_path / "events.ndjson"
    path.write_text(
        '{"time": 1, "instanceNo": "1", "processName": "sh", "processNameOfParent": "nginx"}\n'
        "garbage\n"
        '{"time": 1}\n'
    )
    result = _ingest(db_url, "native", str(path), "--account", "acme", "--json")
    assert result.exit_code == 0
    counts = orjson.loads(result.stdout)
    assert (counts["read"], counts["accepted"], counts["malformed"], counts["detections"]) == (3, 1, 2, 1)
    assert f"{path}:2:" in result.stderr
    assert f"{path}:3: instanceNo: is required" in result.stderr
    missing = _ingest(db_url, "native", str(tmp_path / "nope"), "--account", "acme")
    assert missing.exit_code == 1
    assert "No such file" in missing.stderr
