"""Native ingest records (ipsDataList items without ticketId) → domain events."""

from __future__ import annotations

from typing import Any

import pytest

from secmon.domain.errors import InvalidInput
from secmon.domain.events import Platform
from secmon.wire.ncp_sm import parse_ips_record

BASE: dict[str, Any] = {"date": 1720044443000, "eventNm": "x"}


@pytest.mark.parametrize(
    ("extra", "check"),
    [
        ({"date": "1720044443000"}, lambda e: e.detected_at == 1720044443000),
        ({"region": "Korea"}, lambda e: e.region == "KR"),
        ({"region": "jpn"}, lambda e: e.region == "JPN"),
        ({"region": "U.S."}, lambda e: e.region == "USWN"),
        ({"product": "IPS"}, lambda e: e.platform is Platform.CLASSIC),
        ({"platForm": "CLASSIC", "product": "IPS"}, lambda e: e.platform is Platform.CLASSIC),
        (
            {"attackerPort": "51185", "targetPort": 80},
            lambda e: (e.attacker_port, e.target_port) == (51185, 80),
        ),
        ({"detect": "7"}, lambda e: e.detect == 7),
        ({"ticketId": "99", "unknownField": 1}, lambda e: e.event_name == "x"),
        ({}, lambda e: e.platform is Platform.VPC and e.detect == 1 and e.attacker_ip is None),
    ],
)
def test_accepted_records(extra: dict[str, Any], check: Any) -> None:
    assert check(parse_ips_record({**BASE, **extra}, Platform.VPC))


@pytest.mark.parametrize(
    ("record", "field"),
    [
        ({"eventNm": "x"}, "date"),
        ({"date": 1}, "eventNm"),
        ({**BASE, "eventNm": ""}, "eventNm"),
        ({**BASE, "date": "yesterday"}, "date"),
        ({**BASE, "date": True}, "date"),
        ({**BASE, "date": -5}, "date"),
        ({**BASE, "region": "Mars"}, "region"),
        ({**BASE, "platForm": "AWS"}, "platForm"),
        ({**BASE, "product": "IPS", "platForm": "VPC"}, "product"),
        ({**BASE, "attackerPort": "70000"}, "attackerPort"),
        ({**BASE, "targetPort": "http"}, "targetPort"),
        ({**BASE, "detect": 0}, "detect"),
        ([1, 2], "record"),
    ],
)
def test_rejected_records_name_the_field(record: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_ips_record(record, Platform.VPC)
    assert info.value.field == field
