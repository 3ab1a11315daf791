"""getIPSList over a real socket, on SQLite and PostgreSQL: every rule of SPEC §4."""

from __future__ import annotations

import json
from typing import Any

import pytest

from secmon.domain.events import IpsEvent, Platform
from secmon.store import Store
from tests.api.conftest import (
    BASE,
    CLASSIC_PATH,
    HOUR,
    ITEM_KEYS,
    TOP_KEYS,
    VPC_PATH,
    add_events,
    checks,
    ips_event,
    list_body,
    names,
)
from tests.conftest import SignedApi, Tenant, TenantFactory

# A range that starts and ends inside an hour and spans many whole hours, so the
# exact count is assembled from whole-hour rollups and the two partial edges.
START = BASE - 1234
END = BASE + 20 * HOUR + 77


def ok(api: SignedApi, tenant: Tenant, body: Any, path: str = VPC_PATH) -> dict[str, Any]:
    """POST a signed getIPSList; assert a 200 with the success envelope; return the JSON."""
    response = api.post(tenant, path, body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    assert list(data) == TOP_KEYS
    assert data["returnCode"] == 0
    assert data["returnMessage"] == "SUCCESS"
    for item in data["ipsDataList"]:
        assert list(item) == ITEM_KEYS
    return data


# -- the catalogue: one account's events, each with a unique name, spread over hours

VPC_EVENTS: list[IpsEvent] = [
    ips_event(
        BASE + 0 * HOUR + 10,
        "Apache Log4j Remote Code Execution (CVE-2021-44228)",
        attacker_ip="203.0.113.5",
        attacker_port=51185,
        target_ip="10.0.1.10",
        target_port=80,
        protocol="TCP",
        detect=7,
        region="KR",
        zone_name="KR-2",
        vpc_name="kr-sm-vpc",
    ),
    ips_event(
        BASE + 1 * HOUR,
        "SQL Injection Attempt",
        attacker_ip="203.0.113.77",
        attacker_port=40000,
        target_ip="10.0.2.20",
        target_port=443,
        protocol="TCP",
        region="KR",
        zone_name="KR-1",
    ),
    ips_event(
        BASE + 2 * HOUR + 5,
        "sql injection via cookie",
        attacker_ip="198.51.100.9",
        target_ip="10.0.1.11",
        target_port=8080,
        protocol="tcp",
        region="JPN",
        zone_name="JPN-1",
    ),
    ips_event(
        BASE + 3 * HOUR + 500,
        "DNS amplification",
        attacker_ip="198.51.100.200",
        attacker_port=53,
        target_ip="10.0.3.5",
        target_port=53,
        protocol="udp",
        region="DEN",
        zone_name="DEN-1",
    ),
    ips_event(
        BASE + 5 * HOUR,
        "IPv6 scan",
        attacker_ip="2001:db8::1",
        target_ip="2001:db8:1::5",
        target_port=22,
        protocol="TCP",
        region="SGN",
        zone_name="SGN-1",
    ),
    ips_event(
        BASE + 8 * HOUR + 1,
        "IPv6 probe",
        attacker_ip="2001:db8:ffff::9",
        target_ip="2001:db8:1::6",
        protocol="ICMP",
        region="USWN",
        zone_name="USWN-1",
    ),
    ips_event(BASE + 9 * HOUR, "Event without details"),
    ips_event(
        BASE + 13 * HOUR + 999,
        "Path traversal 100% sure",
        attacker_ip="192.0.2.1",
        target_ip="10.0.1.10",
        protocol="Tcp",
        region="KR",
        zone_name="KR-20",
    ),
    ips_event(
        BASE + 17 * HOUR,
        "user_agent anomaly",
        attacker_ip="192.0.2.2",
        target_ip="10.0.4.4",
        protocol="UDP",
        region="KR",
        zone_name="KR-2",
    ),
    ips_event(
        END,
        "웹쉘 업로드 시도",
        attacker_ip="192.0.2.3",
        target_ip="10.0.4.5",
        protocol="TCP",
        region="KR",
        zone_name="KR-2",
    ),
]

CLASSIC_EVENTS: list[IpsEvent] = [
    ips_event(BASE + 1 * HOUR + 7, "Classic web attack", platform=Platform.CLASSIC, attack_type="Web Attack"),
    ips_event(BASE + 4 * HOUR, "Classic WEB ATTACK", platform=Platform.CLASSIC, attack_type="WEB ATTACK"),
    ips_event(
        BASE + 6 * HOUR + 3,
        "Classic web attack variant",
        platform=Platform.CLASSIC,
        attack_type="Web Attack Variant",
    ),
    ips_event(
        BASE + 12 * HOUR,
        "Classic worm",
        platform=Platform.CLASSIC,
        attack_type="Worm",
        protocol="TCP",
        region="KR",
        zone_name="KR-1",
    ),
]

# Just outside the range, and matching most filters: must never appear.
OUTSIDE_EVENTS: list[IpsEvent] = [
    ips_event(
        START - 1,
        "SQL Injection Attempt (too early)",
        attacker_ip="203.0.113.5",
        target_ip="10.0.1.10",
        protocol="TCP",
        region="KR",
        zone_name="KR-2",
    ),
    ips_event(
        END + 1,
        "SQL Injection Attempt (too late)",
        attacker_ip="2001:db8::1",
        target_ip="2001:db8:1::5",
        protocol="UDP",
        region="SGN",
        zone_name="SGN-1",
    ),
    ips_event(END + 1, "Classic web attack (too late)", platform=Platform.CLASSIC, attack_type="web attack"),
]

ALL_VPC = {e.event_name for e in VPC_EVENTS}
ALL_CLASSIC = {e.event_name for e in CLASSIC_EVENTS}
IPV4_ATTACKERS = {e.event_name for e in VPC_EVENTS if e.attacker_ip and "." in e.attacker_ip}


@pytest.fixture
def acme(make_tenant: TenantFactory, store: Store) -> Tenant:
    tenant = make_tenant("acme")
    add_events(store, tenant, [*VPC_EVENTS, *CLASSIC_EVENTS, *OUTSIDE_EVENTS])
    return tenant


# fmt: off
FilterCase = tuple[str, dict[str, Any], set[str]]
FILTER_GROUPS: dict[str, list[FilterCase]] = {
    # zoneName: exact
    "zoneName-exact": [
        (VPC_PATH, {"zoneName": "KR-2"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)",
                                           "user_agent anomaly", "웹쉘 업로드 시도"}),
        (VPC_PATH, {"zoneName": "KR-1"}, {"SQL Injection Attempt"}),
        (VPC_PATH, {"zoneName": "KR-20"}, {"Path traversal 100% sure"}),
        (VPC_PATH, {"zoneName": "KR"}, set()),
        (VPC_PATH, {"zoneName": "KR-"}, set()),
    ],
    # eventNm: case-insensitive substring, with no wildcard characters
    "eventNm-substring-any-case": [
        (VPC_PATH, {"eventNm": "sql injection"}, {"SQL Injection Attempt", "sql injection via cookie"}),
        (VPC_PATH, {"eventNm": "SQL INJECTION"}, {"SQL Injection Attempt", "sql injection via cookie"}),
        (VPC_PATH, {"eventNm": "lOG4J"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)"}),
        (VPC_PATH, {"eventNm": "(CVE-2021-44228)"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)"}),
        (VPC_PATH, {"eventNm": "100%"}, {"Path traversal 100% sure"}),
        (VPC_PATH, {"eventNm": "%"}, {"Path traversal 100% sure"}),
        (VPC_PATH, {"eventNm": "_"}, {"user_agent anomaly"}),
        (VPC_PATH, {"eventNm": "웹쉘"}, {"웹쉘 업로드 시도"}),
        (VPC_PATH, {"eventNm": "Event without details"}, {"Event without details"}),
        (VPC_PATH, {"eventNm": "no such event"}, set()),
    ],
    # attackIp: exact IPv4, IPv4 CIDR, exact IPv6 (any spelling), IPv6 CIDR
    "attackIp-exact-and-cidr": [
        (VPC_PATH, {"attackIp": "203.0.113.5"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)"}),
        (VPC_PATH, {"attackIp": "203.0.113.0/24"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)",
                                                     "SQL Injection Attempt"}),
        (VPC_PATH, {"attackIp": "198.51.100.0/25"}, {"sql injection via cookie"}),
        (VPC_PATH, {"attackIp": "198.51.100.200/32"}, {"DNS amplification"}),
        (VPC_PATH, {"attackIp": "0.0.0.0/0"}, IPV4_ATTACKERS),
        (VPC_PATH, {"attackIp": "203.0.113.6"}, set()),
        (VPC_PATH, {"attackIp": "2001:db8::1"}, {"IPv6 scan"}),
        (VPC_PATH, {"attackIp": "2001:0DB8:0000:0000::0001"}, {"IPv6 scan"}),
        (VPC_PATH, {"attackIp": "2001:db8::/32"}, {"IPv6 scan", "IPv6 probe"}),
        (VPC_PATH, {"attackIp": "2001:db8::/48"}, {"IPv6 scan"}),
        (VPC_PATH, {"attackIp": "2001:db8:ffff::/48"}, {"IPv6 probe"}),
        (VPC_PATH, {"attackIp": "2001:db9::/32"}, set()),
    ],
    # targetIp: the same rules on the other column
    "targetIp-exact-and-cidr": [
        (VPC_PATH, {"targetIp": "10.0.1.10"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)",
                                               "Path traversal 100% sure"}),
        (VPC_PATH, {"targetIp": "10.0.1.0/24"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)",
                                                 "sql injection via cookie", "Path traversal 100% sure"}),
        (VPC_PATH, {"targetIp": "203.0.113.5"}, set()),
        (VPC_PATH, {"targetIp": "2001:db8:1::6"}, {"IPv6 probe"}),
        (VPC_PATH, {"targetIp": "2001:db8:1::/64"}, {"IPv6 scan", "IPv6 probe"}),
    ],
    # protocol: exact, case-insensitive
    "protocol-exact-any-case": [
        (VPC_PATH, {"protocol": "tcp"}, {"Apache Log4j Remote Code Execution (CVE-2021-44228)",
                                         "SQL Injection Attempt", "sql injection via cookie", "IPv6 scan",
                                         "Path traversal 100% sure", "웹쉘 업로드 시도"}),
        (VPC_PATH, {"protocol": "UDP"}, {"DNS amplification", "user_agent anomaly"}),
        (VPC_PATH, {"protocol": "Icmp"}, {"IPv6 probe"}),
        (VPC_PATH, {"protocol": "TC"}, set()),
    ],
    # attackType: exact, case-insensitive (a Classic field)
    "attackType-exact-any-case": [
        (CLASSIC_PATH, {"attackType": "web attack"}, {"Classic web attack", "Classic WEB ATTACK"}),
        (CLASSIC_PATH, {"attackType": "WEB ATTACK"}, {"Classic web attack", "Classic WEB ATTACK"}),
        (CLASSIC_PATH, {"attackType": "Web Attack Variant"}, {"Classic web attack variant"}),
        (CLASSIC_PATH, {"attackType": "worm"}, {"Classic worm"}),
        (CLASSIC_PATH, {"attackType": "Web"}, set()),
    ],
    # filters combine with AND
    "filters-combine-with-and": [
        (VPC_PATH, {"regionCode": "KR", "protocol": "udp"}, {"user_agent anomaly"}),
        (VPC_PATH, {"attackIp": "203.0.113.0/24", "eventNm": "injection"}, {"SQL Injection Attempt"}),
        (VPC_PATH, {"targetIp": "10.0.1.10", "zoneName": "KR-2", "eventNm": "log4j"},
         {"Apache Log4j Remote Code Execution (CVE-2021-44228)"}),
        (VPC_PATH, {"attackIp": "2001:db8::/32", "targetIp": "2001:db8:1::5"}, {"IPv6 scan"}),
        (VPC_PATH, {"regionCode": "JPN", "protocol": "udp"}, set()),
        (CLASSIC_PATH, {"attackType": "worm", "protocol": "tcp", "regionCode": "KR", "zoneName": "KR-1"},
         {"Classic worm"}),
    ],
}
# fmt: on


@pytest.mark.parametrize("group", FILTER_GROUPS)
def test_filter(api: SignedApi, acme: Tenant, group: str) -> None:
    """Every case of the group, over whole hours and partial edges: the list and totalRows."""
    with checks() as case:
        for path, fields, expected in FILTER_GROUPS[group]:
            with case(path, **fields):
                data = ok(api, acme, list_body(START, END, **fields), path)
                assert set(names(data)) == expected
                assert len(data["ipsDataList"]) == data["totalRows"] == len(expected)


REGIONS = {"KR": "Korea", "DEN": "Germany", "JPN": "Japan", "SGN": "Singapore", "USWN": "U.S."}


def test_region_code_selects_region_and_responds_with_its_name(api: SignedApi, acme: Tenant) -> None:
    for code, name in REGIONS.items():
        expected = {e.event_name for e in VPC_EVENTS if e.region == code}
        assert expected, code
        data = ok(api, acme, list_body(START, END, regionCode=code))
        assert set(names(data)) == expected, code
        assert data["totalRows"] == len(expected), code
        assert {item["region"] for item in data["ipsDataList"]} == {name}


def test_every_region_name_in_an_unfiltered_list(api: SignedApi, acme: Tenant) -> None:
    data = ok(api, acme, list_body(START, END))
    by_name = {item["eventNm"]: item["region"] for item in data["ipsDataList"]}
    for event in VPC_EVENTS:
        assert by_name[event.event_name] == (REGIONS[event.region] if event.region else None)


def test_empty_string_filters_are_ignored(api: SignedApi, acme: Tenant) -> None:
    empty = {
        key: ""
        for key in ("regionCode", "zoneName", "eventNm", "attackIp", "targetIp", "attackType", "protocol")
    }
    vpc = ok(api, acme, list_body(START, END, **empty))
    assert set(names(vpc)) == ALL_VPC
    assert vpc["totalRows"] == len(ALL_VPC)
    classic = ok(api, acme, list_body(START, END, **empty), CLASSIC_PATH)
    assert set(names(classic)) == ALL_CLASSIC
    assert classic["totalRows"] == len(ALL_CLASSIC)


def test_null_filters_are_ignored(api: SignedApi, acme: Tenant) -> None:
    nulls = {key: None for key in ("order", "regionCode", "zoneName", "eventNm", "attackIp", "protocol")}
    data = ok(api, acme, list_body(START, END, **nulls))
    assert set(names(data)) == ALL_VPC
    assert data["totalRows"] == len(ALL_VPC)


# -- platforms


def test_vpc_path_lists_only_vpc_events(api: SignedApi, acme: Tenant) -> None:
    data = ok(api, acme, list_body(START, END), VPC_PATH)
    assert set(names(data)) == ALL_VPC
    assert data["totalRows"] == len(VPC_EVENTS)
    assert {(i["product"], i["platForm"]) for i in data["ipsDataList"]} == {("IPS_V2", "VPC")}


def test_classic_path_lists_only_classic_events(api: SignedApi, acme: Tenant) -> None:
    data = ok(api, acme, list_body(START, END), CLASSIC_PATH)
    assert set(names(data)) == ALL_CLASSIC
    assert data["totalRows"] == len(CLASSIC_EVENTS)
    assert {(i["product"], i["platForm"]) for i in data["ipsDataList"]} == {("IPS", "CLASSIC")}


# -- the item: every value, numbers as strings, unknowns as null


def test_item_values_and_json_types(api: SignedApi, acme: Tenant) -> None:
    data = ok(api, acme, list_body(START, END, eventNm="log4j"))
    [item] = data["ipsDataList"]
    ticket = item.pop("ticketId")
    assert isinstance(ticket, str)
    assert ticket.isdigit()
    assert item == {
        "date": str(BASE + 10),
        "product": "IPS_V2",
        "eventNm": "Apache Log4j Remote Code Execution (CVE-2021-44228)",
        "attackType": None,
        "attackerIp": "203.0.113.5",
        "attackerPort": "51185",
        "targetIp": "10.0.1.10",
        "targetPort": "80",
        "protocol": "TCP",
        "detect": "7",
        "region": "Korea",
        "zoneName": "KR-2",
        "platForm": "VPC",
        "vpcName": "kr-sm-vpc",
    }
    assert data["page"] == 1
    assert data["totalRows"] == 1


def test_unknown_values_are_null_never_omitted(api: SignedApi, acme: Tenant) -> None:
    response = api.post(acme, VPC_PATH, list_body(START, END, eventNm="Event without details"))
    assert response.status_code == 200
    # The raw text: every key is present with a JSON null, none is left out.
    for key in (
        "attackType",
        "attackerIp",
        "attackerPort",
        "targetIp",
        "targetPort",
        "protocol",
        "region",
        "zoneName",
        "vpcName",
    ):
        assert f'"{key}":null' in response.text.replace(" ", "")
    [item] = response.json()["ipsDataList"]
    assert list(item) == ITEM_KEYS
    assert item["date"] == str(BASE + 9 * HOUR)
    assert item["detect"] == "1"
    assert (item["product"], item["platForm"]) == ("IPS_V2", "VPC")


def test_classic_item_carries_attack_type(api: SignedApi, acme: Tenant) -> None:
    data = ok(api, acme, list_body(START, END, attackType="worm"), CLASSIC_PATH)
    [item] = data["ipsDataList"]
    assert item["attackType"] == "Worm"
    assert item["product"] == "IPS"
    assert item["platForm"] == "CLASSIC"
    assert item["vpcName"] is None


# -- the time range: inclusive at both ends, to the millisecond


RANGES = {
    "inside one hour": (BASE + 1000, BASE + 2000),
    "exactly two whole hours": (BASE, BASE + 2 * HOUR - 1),
    "whole hours plus one ms at each edge": (BASE - 1, BASE + 2 * HOUR),
    "partial hours at both edges": (BASE + 17, BASE + 5 * HOUR + 17),
}


def test_time_range_is_inclusive(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    """Events exactly at start and at end are in; one ms outside is out (count and list)."""
    with checks() as case:
        for n, (label, (start, end)) in enumerate(RANGES.items()):
            # One account per range, so each sees only its own nine events.
            tenant = make_tenant(f"acme-{n}")
            times = {
                "before": start - 1,
                "at-start": start,
                "after-start": start + 1,
                "middle": (start + end) // 2,
                "before-end": end - 1,
                "at-end": end,
                "after-end": end + 1,
                "far-before": start - 3 * HOUR,
                "far-after": end + 3 * HOUR,
            }
            add_events(store, tenant, [ips_event(t, name) for name, t in times.items()])
            with case(label, start=start, end=end):
                data = ok(api, tenant, list_body(start, end, order="asc"))
                assert names(data) == ["at-start", "after-start", "middle", "before-end", "at-end"]
                dates = [int(i["date"]) for i in data["ipsDataList"]]
                assert dates == [start, start + 1, (start + end) // 2, end - 1, end]
                assert data["totalRows"] == 5


def test_single_millisecond_range(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    add_events(store, tenant, [ips_event(BASE - 1, "a"), ips_event(BASE, "b"), ips_event(BASE + 1, "c")])
    for at, expected in ((BASE - 1, ["a"]), (BASE, ["b"]), (BASE + 1, ["c"]), (BASE + 2, [])):
        data = ok(api, tenant, list_body(at, at))
        assert names(data) == expected
        assert data["totalRows"] == len(expected)


def test_largest_long_end_is_accepted(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    add_events(store, tenant, [ips_event(BASE, "now")])
    data = ok(api, tenant, list_body(0, 2**63 - 1))
    assert names(data) == ["now"]
    assert data["totalRows"] == 1


# -- paging


def paging_events() -> list[IpsEvent]:
    # 25 events a quarter of an hour apart: the range covers several whole hours.
    return [ips_event(BASE + i * HOUR // 4 + i, f"e{i:02d}") for i in range(25)]


@pytest.fixture
def paged(make_tenant: TenantFactory, store: Store) -> Tenant:
    tenant = make_tenant("acme")
    add_events(store, tenant, paging_events())
    return tenant


def test_paging_desc(api: SignedApi, paged: Tenant) -> None:
    newest_first = [f"e{i:02d}" for i in reversed(range(25))]
    seen: list[str] = []
    for page, size in ((1, 10), (2, 10), (3, 5)):
        data = ok(api, paged, list_body(START, END, page=page, countPerPage=10))
        assert data["page"] == page
        assert data["totalRows"] == 25
        assert len(data["ipsDataList"]) == size
        assert names(data) == newest_first[(page - 1) * 10 : page * 10]
        seen += names(data)
    assert seen == newest_first


def test_paging_asc(api: SignedApi, paged: Tenant) -> None:
    oldest_first = [f"e{i:02d}" for i in range(25)]
    for page in range(1, 10):
        data = ok(api, paged, list_body(START, END, page=page, countPerPage=3, order="asc"))
        assert names(data) == oldest_first[(page - 1) * 3 : page * 3]
        assert data["totalRows"] == 25
        assert data["page"] == page


def test_page_past_the_end_is_empty_with_the_true_total(api: SignedApi, paged: Tenant) -> None:
    with checks() as case:
        for page, count in ((4, 10), (26, 1), (2, 25), (1000, 1000), (10**9, 7)):
            with case("past the end", page=page, countPerPage=count):
                data = ok(api, paged, list_body(START, END, page=page, countPerPage=count))
                assert data["ipsDataList"] == []
                assert data["totalRows"] == 25
                assert data["page"] == page


def test_last_page_of_one_item(api: SignedApi, paged: Tenant) -> None:
    data = ok(api, paged, list_body(START, END, page=25, countPerPage=1))
    assert names(data) == ["e00"]
    assert data["totalRows"] == 25


def test_count_per_page_bounds_are_allowed(api: SignedApi, paged: Tenant) -> None:
    assert len(ok(api, paged, list_body(START, END, countPerPage=1))["ipsDataList"]) == 1
    assert len(ok(api, paged, list_body(START, END, countPerPage=1000))["ipsDataList"]) == 25


def test_total_rows_counts_the_filtered_range_not_the_page(api: SignedApi, paged: Tenant) -> None:
    # e00..e09 lie in [BASE, BASE + 2h15m + 9 ms]
    data = ok(api, paged, list_body(BASE, BASE + 9 * HOUR // 4 + 9, countPerPage=4, eventNm="e0"))
    assert names(data) == ["e09", "e08", "e07", "e06"]
    assert data["totalRows"] == 10


def test_empty_account(api: SignedApi, make_tenant: TenantFactory) -> None:
    data = ok(api, make_tenant("acme"), list_body(0, 2**62))
    assert data == {"returnCode": 0, "ipsDataList": [], "returnMessage": "SUCCESS", "totalRows": 0, "page": 1}


# -- order, with ties broken by ticketId in the same direction


@pytest.fixture
def ties(make_tenant: TenantFactory, store: Store) -> Tenant:
    tenant = make_tenant("acme")
    # Inserted in separate batches and out of name order, so ticketIds are not the names' order.
    add_events(store, tenant, [ips_event(BASE + HOUR, "tie-c"), ips_event(BASE + HOUR, "tie-a")])
    add_events(store, tenant, [ips_event(BASE + 2 * HOUR, "later"), ips_event(BASE - 5, "earlier")])
    add_events(store, tenant, [ips_event(BASE + HOUR, n) for n in ("tie-e", "tie-b", "tie-d")])
    return tenant


def _dates_and_tickets(data: dict[str, Any]) -> list[tuple[int, int]]:
    return [(int(i["date"]), int(i["ticketId"])) for i in data["ipsDataList"]]


def test_order_desc_is_the_default_with_ties_by_ticket_desc(api: SignedApi, ties: Tenant) -> None:
    default = ok(api, ties, list_body(START, END))
    explicit = ok(api, ties, list_body(START, END, order="desc"))
    assert default == explicit
    keys = _dates_and_tickets(default)
    assert len(keys) == 7
    assert keys == sorted(keys, reverse=True)
    assert len({t for _, t in keys}) == 7
    assert names(default)[0] == "later"
    assert names(default)[-1] == "earlier"


def test_order_asc_with_ties_by_ticket_asc(api: SignedApi, ties: Tenant) -> None:
    asc = ok(api, ties, list_body(START, END, order="asc"))
    keys = _dates_and_tickets(asc)
    assert keys == sorted(keys)
    assert names(asc)[0] == "earlier"
    assert names(asc)[-1] == "later"
    desc = ok(api, ties, list_body(START, END, order="desc"))
    assert asc["ipsDataList"] == list(reversed(desc["ipsDataList"]))


def test_paging_through_ties_is_stable(api: SignedApi, ties: Tenant) -> None:
    for order in ("asc", "desc"):
        whole = names(ok(api, ties, list_body(START, END, order=order)))
        pieces: list[str] = []
        for page in range(1, 5):
            pieces += names(ok(api, ties, list_body(START, END, order=order, page=page, countPerPage=2)))
        assert pieces == whole, order
        assert len(set(pieces)) == len(pieces) == 7, order


# -- lenient parsing: numeric strings, unknown fields, any Content-Type


def test_numeric_strings_are_accepted(api: SignedApi, paged: Tenant) -> None:
    body = {"startDateTime": str(START), "endDateTime": str(END), "page": "2", "countPerPage": "10"}
    data = ok(api, paged, body)
    assert data["page"] == 2
    assert data["totalRows"] == 25
    assert names(data) == [f"e{i:02d}" for i in range(14, 4, -1)]


def test_unknown_body_fields_are_ignored(api: SignedApi, acme: Tenant) -> None:
    body = list_body(START, END, pageIndex="0", pageSize=5, foo={"bar": [1, 2]}, eventNM="log4j", Page=7)
    data = ok(api, acme, body)
    assert set(names(data)) == ALL_VPC
    assert data["page"] == 1


def test_body_is_json_whatever_the_content_type(api: SignedApi, acme: Tenant) -> None:
    raw = b'{"startDateTime": %d, "endDateTime": %d, "page": 1, "countPerPage": 20, "eventNm": "sql"}' % (
        START,
        END,
    )
    content_types = [
        None,  # what the cloud's own curl examples send with --data-raw / httpx with raw bytes
        "application/x-www-form-urlencoded",  # curl's default with --data
        "text/plain",
        "application/json",
        "application/json; charset=utf-8",
    ]
    with checks() as case:
        for content_type in content_types:
            with case("content type", content_type=content_type):
                headers = {} if content_type is None else {"Content-Type": content_type}
                response = api.post(acme, VPC_PATH, raw=raw, headers=headers)
                assert response.status_code == 200, response.text
                assert set(names(response.json())) == {"SQL Injection Attempt", "sql injection via cookie"}
                assert response.json()["totalRows"] == 2


def test_response_is_json(api: SignedApi, acme: Tenant) -> None:
    response = api.post(acme, VPC_PATH, list_body(START, END))
    assert response.headers["content-type"].startswith("application/json")


# -- tenants


def test_each_account_sees_only_its_own_events(
    api: SignedApi, make_tenant: TenantFactory, store: Store
) -> None:
    acme = make_tenant("acme")
    globex = make_tenant("globex")
    add_events(store, acme, [ips_event(BASE + i * HOUR, f"acme-{i}", protocol="TCP") for i in range(6)])
    add_events(store, globex, [ips_event(BASE + i * HOUR, f"globex-{i}", protocol="TCP") for i in range(4)])
    add_events(store, globex, [ips_event(BASE + HOUR, "globex-classic", platform=Platform.CLASSIC)])
    for tenant, prefix, count in ((acme, "acme-", 6), (globex, "globex-", 4)):
        for extra in ({}, {"protocol": "tcp"}, {"eventNm": "-"}):
            data = ok(api, tenant, list_body(START, END, **extra))
            assert data["totalRows"] == count
            assert {n[: len(prefix)] for n in names(data)} == {prefix}
        # A filter naming the other account's events finds nothing.
        other = "globex" if prefix == "acme-" else "acme"
        assert ok(api, tenant, list_body(START, END, eventNm=other))["totalRows"] == 0
    assert ok(api, acme, list_body(START, END), CLASSIC_PATH)["totalRows"] == 0
    assert names(ok(api, globex, list_body(START, END), CLASSIC_PATH)) == ["globex-classic"]


def test_sub_account_sees_its_parent_accounts_events_only(
    api: SignedApi, make_tenant: TenantFactory, store: Store
) -> None:
    acme = make_tenant("acme")
    add_events(store, acme, [ips_event(BASE, "acme-event")])
    add_events(store, make_tenant("globex"), [ips_event(BASE, "globex-event")])
    viewer = make_tenant("acme", sub="viewer", policies=["SecurityMonitoringViewer"])
    data = ok(api, viewer, list_body(START, END))
    assert names(data) == ["acme-event"]
    assert data["totalRows"] == 1


# -- bad requests: HTTP 400, the SM envelope, details naming the wire field

MISSING = object()
VALID: dict[str, Any] = {"startDateTime": START, "endDateTime": END, "page": 1, "countPerPage": 20}

BadField = tuple[str, dict[str, Any], str]
BAD_FIELDS: dict[str, list[BadField]] = {
    "missing": [
        ("missing-startDateTime", {"startDateTime": MISSING}, "startDateTime"),
        ("missing-endDateTime", {"endDateTime": MISSING}, "endDateTime"),
        ("missing-page", {"page": MISSING}, "page"),
        ("missing-countPerPage", {"countPerPage": MISSING}, "countPerPage"),
    ],
    "not-an-integer": [
        ("null-page", {"page": None}, "page"),
        ("null-startDateTime", {"startDateTime": None}, "startDateTime"),
        ("text-page", {"page": "one"}, "page"),
        ("text-countPerPage", {"countPerPage": "20 items"}, "countPerPage"),
        ("text-startDateTime", {"startDateTime": "2024-07-01T00:00:00Z"}, "startDateTime"),
        ("empty-text-endDateTime", {"endDateTime": ""}, "endDateTime"),
        ("array-endDateTime", {"endDateTime": [END]}, "endDateTime"),
        ("object-page", {"page": {"value": 1}}, "page"),
        ("true-page", {"page": True}, "page"),
        ("true-countPerPage", {"countPerPage": True}, "countPerPage"),
        ("true-startDateTime", {"startDateTime": True}, "startDateTime"),
        ("false-endDateTime", {"endDateTime": False}, "endDateTime"),
        ("fraction-page", {"page": 1.5}, "page"),
        ("fraction-countPerPage", {"countPerPage": 20.25}, "countPerPage"),
        ("fraction-startDateTime", {"startDateTime": START + 0.5}, "startDateTime"),
        ("fraction-text-page", {"page": "1.5"}, "page"),
    ],
    "out-of-range": [
        ("start-after-end", {"startDateTime": END + 1}, "startDateTime"),
        ("page-0", {"page": 0}, "page"),
        ("page-negative", {"page": -1}, "page"),
        ("countPerPage-0", {"countPerPage": 0}, "countPerPage"),
        ("countPerPage-1001", {"countPerPage": 1001}, "countPerPage"),
        ("countPerPage-negative", {"countPerPage": -20}, "countPerPage"),
        ("endDateTime-beyond-long", {"endDateTime": 2**63}, "endDateTime"),
        ("startDateTime-beyond-long", {"startDateTime": 10**30, "endDateTime": 10**30}, "startDateTime"),
    ],
    "bad-choice-or-filter": [
        ("order-newest", {"order": "newest"}, "order"),
        ("order-number", {"order": 1}, "order"),
        ("regionCode-unknown", {"regionCode": "KOR"}, "regionCode"),
        ("regionCode-name", {"regionCode": "Korea"}, "regionCode"),
        ("attackIp-text", {"attackIp": "not-an-ip"}, "attackIp"),
        ("attackIp-octet", {"attackIp": "10.0.0.256"}, "attackIp"),
        ("attackIp-prefix", {"attackIp": "10.0.0.0/33"}, "attackIp"),
        ("attackIp-masked", {"attackIp": "***.***.***.***"}, "attackIp"),
        ("targetIp-text", {"targetIp": "999.1.1.1"}, "targetIp"),
        ("targetIp-ipv6-prefix", {"targetIp": "2001:db8::/129"}, "targetIp"),
        ("eventNm-number", {"eventNm": 42}, "eventNm"),
        ("zoneName-list", {"zoneName": ["KR-1"]}, "zoneName"),
    ],
}

BAD_BODIES: dict[str, bytes] = {
    "truncated": b'{"startDateTime": 0, "endDateTime": 10, "page": 1,',
    "single-quotes": b"{'startDateTime': 0}",
    "form-encoded": b"startDateTime=0&endDateTime=10&page=1&countPerPage=20",
    "invalid-utf8": b'{"eventNm": "\xff\xfe"}',
    "empty": b"",
    "whitespace": b"   \r\n ",
    "empty-array": b"[]",
    "array-of-object": b'[{"startDateTime": 0, "endDateTime": 10, "page": 1, "countPerPage": 20}]',
    "string": b'"getIPSList"',
    "null": b"null",
    "number": b"20",
    "true": b"true",
}


def assert_bad_request(response: Any, field: str) -> None:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert list(data) == ["returnCode", "returnMessage", "details"]
    assert data["returnCode"] == 100
    assert data["returnMessage"] == "Bad Request Exception"
    assert isinstance(data["details"], str)
    assert data["details"].startswith(f"{field}: ")
    assert len(data["details"]) > len(field) + 2
    assert "Traceback" not in data["details"]
    assert "x-ncp-apigw-response-origin" not in response.headers


@pytest.mark.parametrize("group", BAD_FIELDS)
def test_bad_field(api: SignedApi, make_tenant: TenantFactory, group: str) -> None:
    """Each case on its own: HTTP 400, the SM envelope, details naming the field."""
    tenant = make_tenant("acme")
    with checks() as case:
        for name, changes, field in BAD_FIELDS[group]:
            with case(name, changes=changes):
                body = {k: v for k, v in {**VALID, **changes}.items() if v is not MISSING}
                # The stdlib encoder: numbers beyond 64 bits are valid JSON; orjson refuses them.
                raw = json.dumps(body).encode()
                assert_bad_request(api.post(tenant, VPC_PATH, raw=raw), field)


def test_bad_body(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    with checks() as case:
        for name, raw in BAD_BODIES.items():
            with case(name, raw=raw):
                assert_bad_request(api.post(tenant, VPC_PATH, raw=raw), "body")


def test_bad_request_on_the_classic_path_too(api: SignedApi, make_tenant: TenantFactory) -> None:
    response = api.post(make_tenant("acme"), CLASSIC_PATH, {**VALID, "countPerPage": 1001})
    assert_bad_request(response, "countPerPage")
    assert response.json()["details"] == "countPerPage: must be between 1 and 1000"


def test_bad_request_details_are_readable(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    cases = {
        "page": (True, "page: must be an integer, got true"),
        "countPerPage": ("ten", "countPerPage: must be an integer, got 'ten'"),
    }
    for field, (value, details) in cases.items():
        response = api.post(tenant, VPC_PATH, {**VALID, field: value})
        assert_bad_request(response, field)
        assert response.json()["details"] == details
    response = api.post(tenant, VPC_PATH, {k: v for k, v in VALID.items() if k != "page"})
    assert response.json()["details"] == "page: is required"
