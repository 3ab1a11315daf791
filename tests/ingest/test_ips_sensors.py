"""Suricata EVE and Snort 3 alert_json parsing (SPEC §8), on the real Suricata samples."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from secmon.domain.errors import InvalidInput
from secmon.domain.events import Platform
from secmon.ingest.ips_sensors import (
    NotAnAlert,
    SensorContext,
    iso_to_ms,
    parse_home_net,
    parse_snort,
    parse_suricata,
    snort_time_to_ms,
    split_address_port,
)
from tests.conftest import REAL_DATA

SURICATA = REAL_DATA / "suricata-sample-data"
CTX = SensorContext()


def _samples() -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for path in sorted(SURICATA.glob("*.json")):
        records += orjson.loads(path.read_bytes())
    return records


def test_every_real_alert_parses() -> None:
    records = _samples()
    assert len(records) == 548
    events = [parse_suricata(r, CTX) for r in records]
    assert {e.protocol for e in events} == {"TCP", "UDP"}
    assert all(e.signature_id and e.severity in (1, 2, 3) and e.action == "allowed" for e in events)


def test_mapping_of_one_real_alert() -> None:
    record = orjson.loads((SURICATA / "wrccdc-2017.alerts-only.json").read_bytes())[0]
    e = parse_suricata(record, SensorContext(region="KR", zone_name="KR-2", vpc_name="v"))
    assert e.detected_at == int(datetime(2017, 3, 25, 22, 49, 58, 856335, tzinfo=UTC).timestamp() * 1000)
    assert (e.event_name, e.attack_type) == ("ET CHAT IRC authorization message", "Misc activity")
    assert (e.attacker_ip, e.attacker_port, e.target_ip, e.target_port) == (
        "84.92.227.177",
        6668,
        "10.192.19.6",
        57966,
    )
    assert (e.signature_id, e.severity, e.flow_id, e.app_proto) == (2000355, 3, 1127398650588751, "ftp")
    assert (e.region, e.zone_name, e.vpc_name, e.platform) == ("KR", "KR-2", "v", Platform.VPC)


def test_timestamps_without_offset_are_utc() -> None:
    record = orjson.loads((SURICATA / "honeypot-2018.alerts-only.json").read_bytes())[0]
    assert record["timestamp"] == "2019-01-02T03:50:11.315110"  # no UTC offset
    e = parse_suricata(record, CTX)
    naive = datetime.fromisoformat(record["timestamp"]).replace(tzinfo=UTC)
    assert e.detected_at == int(naive.timestamp() * 1000)


BASE: dict[str, Any] = {
    "timestamp": "2024-07-04T01:02:03.500+0900",
    "event_type": "alert",
    "src_ip": "10.0.0.5",
    "src_port": 443,
    "dest_ip": "203.0.113.9",
    "dest_port": 51000,
    "proto": "tcp",
    "alert": {"signature": "ET TEST", "category": "", "signature_id": 1, "severity": 2},
    "flow_id": 2**64 - 1,
}


def test_home_net_orients_and_alert_source_wins() -> None:
    home = SensorContext(home_net=parse_home_net("10.0.0.0/8, 2001:db8::/32"))
    flipped = parse_suricata(BASE, home)
    assert (flipped.attacker_ip, flipped.attacker_port, flipped.target_ip, flipped.target_port) == (
        "203.0.113.9",
        51000,
        "10.0.0.5",
        443,
    )
    assert parse_suricata(BASE, CTX).attacker_ip == "10.0.0.5"
    explicit = {
        **BASE,
        "alert": {
            **BASE["alert"],
            "source": {"ip": "10.0.0.5", "port": 443},
            "target": {"ip": "203.0.113.9", "port": 51000},
        },
    }
    assert parse_suricata(explicit, home).attacker_ip == "10.0.0.5"
    e = parse_suricata(BASE, CTX)
    assert (e.attack_type, e.protocol, e.flow_id) == (None, "TCP", -1)
    assert e.detected_at == int(datetime(2024, 7, 3, 16, 2, 3, 500000, tzinfo=UTC).timestamp() * 1000)
    v6 = parse_suricata({**BASE, "src_ip": "2001:db8::1", "dest_ip": "2001:db9::2"}, home)
    assert v6.attacker_ip == "2001:db9::2"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"timestamp": None}, "timestamp"),
        ({"timestamp": "yesterday"}, "timestamp"),
        ({"src_ip": ""}, "src_ip"),
        ({"dest_ip": None}, "dest_ip"),
        ({"alert": {}}, "alert.signature"),
        ({"src_port": 70000}, "src_port"),
    ],
)
def test_suricata_malformed(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_suricata({**BASE, **change}, CTX)
    assert info.value.field == field


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-01T09:00:24.866311+0900",
        "2024-08-01T09:00:24.866311-0500",
        "2024-08-01T09:00:24.866311",
        "2024-08-01T09:00:24.866311Z",
        "2024-08-01T09:00:24.866311+09:00",
        "2024-08-01 09:00:59.999999+0000",
        "2024-07-04T01:02:03.500+0900",
        "2024-08-01T09:00:24+0900",
    ],
)
def test_suricata_timestamp_forms(text: str) -> None:
    detected_at = parse_suricata({**BASE, "timestamp": text}, CTX).detected_at
    stamp = datetime.fromisoformat(text)
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    assert (
        detected_at
        == iso_to_ms(text)
        == (stamp - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)
    )


def test_timestamps_are_exact_to_the_millisecond() -> None:
    # float seconds × 1000 would give ...357 here
    assert iso_to_ms("2039-03-24T11:03:28.358000-0500") == 2_184_595_408_358


@pytest.mark.parametrize(
    "text",
    [
        "2024-08-01T09:00:60.866311+0900",
        "2024-08-01T09:00:2x.866311+0900",
        "2024-08-01T25:00:24.866311+0900",
        "2024-08-01T09:00:24.86631x+0900",
        "2024-08-01T09:00:24.866311+2500",
    ],
)
def test_suricata_bad_timestamps_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_suricata({**BASE, "timestamp": text}, CTX)
    assert (info.value.field, info.value.reason) == ("timestamp", f"not an ISO 8601 time: {text!r}")


def test_non_alerts_are_skipped() -> None:
    with pytest.raises(NotAnAlert):
        parse_suricata({**BASE, "event_type": "flow"}, CTX)
    with pytest.raises(InvalidInput):
        parse_home_net("10.0.0.0/8,banana")


# Snort 3 alert_json records are written here from Snort's documented field names
# (generated: no licensed real sample exists, see shared/data/real/README.md).
SNORT: dict[str, Any] = {
    "timestamp": "24/07/04-01:02:03.123456",
    "pkt_num": 7,
    "proto": "TCP",
    "pkt_gen": "raw",
    "pkt_len": 60,
    "dir": "C2S",
    "src_ap": "198.51.100.7:40000",
    "dst_ap": "10.1.2.3:80",
    "rule": "1:1000001:1",
    "action": "allow",
    "msg": "SERVER-WEBAPP shell injection attempt",
    "class": "Web Application Attack",
    "sid": 1000001,
    "priority": 1,
}


def test_snort_ipv4_with_year() -> None:
    e = parse_snort(SNORT, CTX)
    assert e.detected_at == int(datetime(2024, 7, 4, 1, 2, 3, 123456, tzinfo=UTC).timestamp() * 1000)
    assert (e.attacker_ip, e.attacker_port, e.target_ip, e.target_port) == (
        "198.51.100.7",
        40000,
        "10.1.2.3",
        80,
    )
    assert (e.event_name, e.attack_type, e.protocol, e.signature_id, e.severity, e.action) == (
        "SERVER-WEBAPP shell injection attempt",
        "Web Application Attack",
        "TCP",
        1000001,
        1,
        "allow",
    )


def test_snort_ipv6_and_yearless_time() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    record = {
        **SNORT,
        "timestamp": "12/31-23:59:59.000001",
        "src_ap": "2001:db8::7:51000",
        "dst_ap": "[2001:db8:1::5]:443",
    }
    e = parse_snort(record, CTX, now=now)
    assert e.detected_at == int(datetime(2025, 12, 31, 23, 59, 59, 1, tzinfo=UTC).timestamp() * 1000)
    assert (e.attacker_ip, e.attacker_port, e.target_ip, e.target_port) == (
        "2001:db8::7",
        51000,
        "2001:db8:1::5",
        443,
    )
    assert snort_time_to_ms("01/01-00:00:00.0", now) == int(
        datetime(2026, 1, 1, tzinfo=UTC).timestamp() * 1000
    )


@pytest.mark.parametrize(
    ("text", "has_port", "expected"),
    [
        ("10.0.0.1:80", True, ("10.0.0.1", 80)),
        ("10.0.0.1", True, ("10.0.0.1", None)),
        ("::1", False, ("::1", None)),
        ("[::1]:8080", True, ("::1", 8080)),
        ("fe80::1:22", True, ("fe80::1", 22)),
        ("fe80::1:22", False, ("fe80::1:22", None)),
    ],
)
def test_address_port_pairs(text: str, has_port: bool, expected: tuple[str, int | None]) -> None:
    assert split_address_port(text, "src_ap", has_port) == expected


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"msg": ""}, "msg"),
        ({"timestamp": "nope"}, "timestamp"),
        ({"src_ap": None}, "src_ap"),
        ({"dst_ap": "host"}, "dst_ap"),
    ],
)
def test_snort_malformed(change: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_snort({**SNORT, **change}, CTX)
    assert info.value.field == field
