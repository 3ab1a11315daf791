"""`secmon ingest ips`: native records in, the same records out of getIPSList."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from secmon.cli.main import cli
from tests.conftest import SignedApi, TenantFactory

# Shaped like the seed's ipsDataList item (addresses are documentation ranges).
RECORDS: list[dict[str, Any]] = [
    {
        "date": "1720044443000",
        "product": "IPS_V2",
        "eventNm": "Deep Security Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
        "attackType": None,
        "attackerIp": "203.0.113.7",
        "attackerPort": "51185",
        "targetIp": "10.0.0.5",
        "targetPort": "80",
        "protocol": "TCP",
        "detect": "1",
        "region": "Korea",
        "zoneName": "KR-2",
        "platForm": "VPC",
        "vpcName": "kr-sm-vpc",
    },
    {
        "date": "1720044444000",
        "product": "IPS_V2",
        "eventNm": "ICMP sweep",
        "attackType": "Scan",
        "attackerIp": "2001:db8::66",
        "attackerPort": None,
        "targetIp": "2001:db8:1::5",
        "targetPort": None,
        "protocol": "ICMP",
        "detect": "12",
        "region": "Japan",
        "zoneName": None,
        "platForm": "VPC",
        "vpcName": None,
    },
    {
        "date": "1720044445000",
        "product": "IPS",
        "eventNm": "SQL injection attempt",
        "attackType": "Web Attack",
        "attackerIp": "198.51.100.9",
        "attackerPort": "40000",
        "targetIp": "192.168.10.4",
        "targetPort": "443",
        "protocol": None,
        "detect": "2",
        "region": "U.S.",
        "zoneName": "KR-1",
        "platForm": "CLASSIC",
        "vpcName": None,
    },
]
WINDOW = {"startDateTime": 1720044443000, "endDateTime": 1720044445000, "page": 1, "countPerPage": 20}


def _ndjson(records: list[Any]) -> bytes:
    return b"".join(orjson.dumps(r) + b"\n" for r in records)


def _ingest(db_url: str, *args: str, input: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["ingest", "ips", *args, "--db", db_url], input=input)


def test_records_round_trip_unchanged(
    db_url: str, tmp_path: Path, api: SignedApi, make_tenant: TenantFactory
) -> None:
    tenant = make_tenant("acme")
    path = tmp_path / "events.ndjson"
    path.write_bytes(_ndjson(RECORDS))
    result = _ingest(db_url, str(path), "--account", "acme", "--json")
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout) == {
        "read": 3,
        "accepted": 3,
        "skipped": 0,
        "malformed": 0,
        "events": 3,
    }

    vpc = api.post(tenant, "/vsecuritymonitoring/v1/getIPSList", {**WINDOW, "order": "asc"}).json()
    classic = api.post(tenant, "/securitymonitoring/v1/getIPSList", WINDOW).json()
    served = vpc["ipsDataList"] + classic["ipsDataList"]
    assert all(item.pop("ticketId").isdigit() for item in served)
    assert served == RECORDS


def test_formats_gzip_array_and_stdin(db_url: str, tmp_path: Path, make_tenant: TenantFactory) -> None:
    make_tenant("acme")
    gz = tmp_path / "a.ndjson.gz"
    gz.write_bytes(gzip.compress(_ndjson(RECORDS)))
    array = tmp_path / "b.json"
    array.write_bytes(orjson.dumps(RECORDS))
    result = _ingest(
        db_url, str(gz), str(array), "-", "--account", "acme", "--json", input=_ndjson(RECORDS[:1])
    )
    assert result.exit_code == 0, result.output
    assert orjson.loads(result.stdout)["events"] == 7


def test_bad_lines_are_counted_reported_and_skipped(
    db_url: str, tmp_path: Path, make_tenant: TenantFactory
) -> None:
    make_tenant("acme")
    path = tmp_path / "mixed.ndjson"
    lines = [
        orjson.dumps(RECORDS[0]),
        b"{not json",
        b"",
        orjson.dumps({"eventNm": "no date"}),
        orjson.dumps(RECORDS[1]),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = _ingest(db_url, str(path), "--account", "acme", "--json")
    assert result.exit_code == 0
    assert orjson.loads(result.stdout) == {
        "read": 4,
        "accepted": 2,
        "skipped": 0,
        "malformed": 2,
        "events": 2,
    }
    assert f"{path}:2: not valid JSON" in result.stderr
    assert f"{path}:4: date: is required" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("missing.ndjson", "--account", "acme"), "missing.ndjson"),
        (("{file}", "--account", "nobody"), "account 'nobody' not found"),
    ],
)
def test_unreadable_input_fails(
    db_url: str, tmp_path: Path, make_tenant: TenantFactory, args: tuple[str, ...], message: str
) -> None:
    make_tenant("acme")
    path = tmp_path / "ok.ndjson"
    path.write_bytes(_ndjson(RECORDS))
    result = _ingest(db_url, *(a.format(file=path) for a in args))
    assert result.exit_code != 0
    assert message in result.stderr
    assert "Traceback" not in result.output
