"""The seed's own example, end to end: its request body in, its response shape out.

tests/fixtures/golden/ holds the cloud's example request and response, copied from
shared/seeds/security-monitoring-getIPSList.txt; the response must have exactly the
golden keys, in the golden order, with the golden JSON types (several numbers are
strings; `attackType` is null).
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from secmon.domain.events import Platform
from secmon.store import Store
from tests.api.conftest import CLASSIC_PATH, VPC_PATH, add_events, ips_event
from tests.conftest import SEEDS, SignedApi, TenantFactory

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
GOLDEN_REQUEST = GOLDEN / "getIPSList.request.json"
GOLDEN_RESPONSE = GOLDEN / "getIPSList.response.json"
SEED = SEEDS / "security-monitoring-getIPSList.txt"

# The seed's example item, as secmon stores it (region by code, platform by name).
SEED_EVENT = ips_event(
    1720044443000,
    "Deep Security Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
    platform=Platform.VPC,
    attack_type=None,
    attacker_ip="***.***.***.***",
    attacker_port=51185,
    target_ip="***.***.***.***",
    target_port=80,
    protocol="TCP",
    detect=1,
    region="KR",
    zone_name="KR-2",
    vpc_name="kr-sm-vpc",
)


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (booleans are not integers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, JSON type) pairs in document order."""
    return [(key, json_type(value)) for key, value in document.items()]


def golden_response() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN_RESPONSE.read_text())
    return data


def test_golden_files_are_the_seeds_examples() -> None:
    if not SEED.exists():
        pytest.skip(f"seed page not available at {SEED}")
    text = SEED.read_text()
    start = text.index("{", text.index("The following is a sample example."))
    response = json.loads(textwrap.dedent(text[start : text.index("\n        JSON", start)]))
    assert golden_response() == response
    start = text.index("--data '") + len("--data '")
    request = json.loads(text[start : text.index("}'", start) + 1])
    assert json.loads(GOLDEN_REQUEST.read_text()) == request


def test_golden_response_shape() -> None:
    # Pin what the seed says, so a careless edit of the golden file is caught here.
    golden = golden_response()
    assert shape(golden) == [
        ("returnCode", "integer"),
        ("ipsDataList", "array"),
        ("returnMessage", "string"),
        ("totalRows", "integer"),
        ("page", "integer"),
    ]
    [item] = golden["ipsDataList"]
    assert [t for _, t in shape(item)] == ["string"] * 4 + ["null"] + ["string"] * 10


def test_seed_example_request_and_response(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    add_events(store, tenant, [SEED_EVENT])
    # Exactly the seed's request body, as curl sends it: no Content-Type.
    response = api.post(tenant, VPC_PATH, raw=GOLDEN_REQUEST.read_bytes())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")

    got, golden = response.json(), golden_response()
    assert shape(got) == shape(golden)
    assert len(got["ipsDataList"]) == len(golden["ipsDataList"]) == 1
    got_item, golden_item = got["ipsDataList"][0], golden["ipsDataList"][0]
    assert shape(got_item) == shape(golden_item)
    assert got_item["attackType"] is None

    # Every value is the seed's, except the ticket number this server assigned.
    assert got_item["ticketId"].isdigit()
    assert {**got_item, "ticketId": golden_item["ticketId"]} == golden_item
    assert {k: v for k, v in got.items() if k != "ipsDataList"} == {
        k: v for k, v in golden.items() if k != "ipsDataList"
    }


def test_seed_shape_holds_for_a_classic_event_with_unknowns(
    api: SignedApi, make_tenant: TenantFactory, store: Store
) -> None:
    tenant = make_tenant("acme")
    add_events(
        store,
        tenant,
        [ips_event(1720044443000, "Classic event", platform=Platform.CLASSIC, attack_type="Web Attack")],
    )
    response = api.post(tenant, CLASSIC_PATH, raw=GOLDEN_REQUEST.read_bytes())
    assert response.status_code == 200, response.text
    got, golden = response.json(), golden_response()
    assert shape(got) == shape(golden)
    [item] = got["ipsDataList"]
    golden_item = golden["ipsDataList"][0]
    # Same keys in the same order; every item field is a string (numbers too) or, when
    # unknown, null: never a number, never omitted.
    assert list(item) == list(golden_item)
    assert {key: json_type(v) for key, v in item.items() if json_type(v) not in ("string", "null")} == {}
    assert item["attackType"] == "Web Attack"
    assert (item["product"], item["platForm"]) == ("IPS", "CLASSIC")
    assert (item["attackerPort"], item["targetPort"], item["region"], item["vpcName"]) == (None,) * 4
    assert (item["date"], item["detect"]) == ("1720044443000", "1")
