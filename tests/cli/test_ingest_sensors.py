"""`secmon ingest suricata|snort`: real Suricata output in, getIPSList out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from click.testing import CliRunner, Result

from secmon.cli.main import cli
from tests.conftest import REAL_DATA, SignedApi, Tenant, TenantFactory
from tests.support.db import scalar

SURICATA = REAL_DATA / "suricata-sample-data"
ALL_TIME = {"startDateTime": 0, "endDateTime": 4_000_000_000_000, "page": 1, "countPerPage": 1000}


def _ingest(db_url: str, fmt: str, *args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["ingest", fmt, *args, "--db", db_url], input=input)


def _all(api: SignedApi, t: Tenant, path: str = "/vsecuritymonitoring/v1/getIPSList", **body: Any) -> Any:
    response = api.post(t, path, {**ALL_TIME, **body})
    assert response.status_code == 200, response.text
    return response.json()


def test_real_suricata_samples(db_url: str, api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    files = [str(p) for p in sorted(SURICATA.glob("*.json"))]
    result = _ingest(
        db_url,
        "suricata",
        *files,
        "--account",
        "acme",
        "--region",
        "KR",
        "--zone",
        "KR-2",
        "--vpc-name",
        "lab",
        "--json",
    )
    assert result.exit_code == 0, result.output
    counts = orjson.loads(result.stdout)
    assert (counts["read"], counts["accepted"], counts["skipped"], counts["malformed"]) == (548, 548, 0, 0)
    # one alert per signature and file: nothing to aggregate
    assert counts["events"] == 548
    assert scalar(db_url, "SELECT sum(detect) FROM ips_events") == 548

    everything = _all(api, t)
    assert everything["totalRows"] == 548
    item = next(
        i
        for i in everything["ipsDataList"]
        if i["eventNm"] == "ET CHAT IRC authorization message" and i["attackerIp"] == "84.92.227.177"
    )
    assert item == {
        "ticketId": item["ticketId"],
        "date": "1490482198856",
        "product": "IPS_V2",
        "eventNm": "ET CHAT IRC authorization message",
        "attackType": "Misc activity",
        "attackerIp": "84.92.227.177",
        "attackerPort": "6668",
        "targetIp": "10.192.19.6",
        "targetPort": "57966",
        "protocol": "TCP",
        "detect": "1",
        "region": "Korea",
        "zoneName": "KR-2",
        "platForm": "VPC",
        "vpcName": "lab",
    }
    # the honeypot file has no UTC offsets: read as UTC
    honeypot = _all(api, t, startDateTime=1546401009097, endDateTime=1546401009097)
    assert [i["date"] for i in honeypot["ipsDataList"]] == ["1546401009097"]
    udp = _all(api, t, protocol="udp")
    assert udp["totalRows"] == 45
    assert _all(api, t, path="/securitymonitoring/v1/getIPSList")["totalRows"] == 0

    again = _ingest(db_url, "suricata", *files, "--account", "acme", "--json")
    assert orjson.loads(again.stdout)["read"] == 0  # resumed: every file already read


def test_repeated_alerts_are_counted_and_non_alerts_skipped(
    db_url: str, tmp_path: Path, api: SignedApi, make_tenant: TenantFactory
) -> None:
    t = make_tenant("acme")
    alert = orjson.loads((SURICATA / "wrccdc-2018.alerts-only.json").read_bytes())[0]
    lines = [alert, {**alert, "src_port": 1}, {**alert, "event_type": "flow"}, {**alert, "timestamp": None}]
    path = tmp_path / "eve.json"
    path.write_bytes(b"\n".join(orjson.dumps(x) for x in lines) + b"\n")
    result = _ingest(db_url, "suricata", str(path), "--account", "acme", "--json")
    assert orjson.loads(result.stdout) == {
        "read": 4,
        "accepted": 2,
        "skipped": 1,
        "malformed": 1,
        "events": 1,
    }
    assert f"{path}:4: timestamp: is required" in result.stderr
    [item] = _all(api, t)["ipsDataList"]
    assert item["detect"] == "2"


def test_snort_file(db_url: str, tmp_path: Path, api: SignedApi, make_tenant: TenantFactory) -> None:
    t = make_tenant("acme")
    records = [  # generated in Snort 3 alert_json's field names
        {
            "timestamp": "24/07/04-01:02:03.123456",
            "proto": "TCP",
            "src_ap": "198.51.100.7:40000",
            "dst_ap": "10.1.2.3:80",
            "msg": "SERVER-WEBAPP shell injection attempt",
            "class": "Web Application Attack",
            "sid": 1000001,
            "priority": 1,
            "action": "allow",
        },
        {
            "timestamp": "24/07/04-01:02:04.000000",
            "proto": "UDP",
            "src_ap": "2001:db8::7:5353",
            "dst_ap": "2001:db8:1::5:53",
            "msg": "PROTOCOL-DNS suspicious query",
            "class": "Misc activity",
        },
    ]
    path = tmp_path / "alert_json.txt"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in records))
    result = _ingest(db_url, "snort", str(path), "--account", "acme", "--home-net", "10.0.0.0/8", "--json")
    assert orjson.loads(result.stdout)["events"] == 2
    items = {i["eventNm"]: i for i in _all(api, t)["ipsDataList"]}
    dns = items["PROTOCOL-DNS suspicious query"]
    assert (dns["attackerIp"], dns["attackerPort"], dns["targetIp"], dns["targetPort"]) == (
        "2001:db8::7",
        "5353",
        "2001:db8:1::5",
        "53",
    )
    web = items["SERVER-WEBAPP shell injection attempt"]
    assert (web["attackType"], web["date"]) == ("Web Application Attack", "1720054923123")
