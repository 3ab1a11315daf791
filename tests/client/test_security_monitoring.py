"""SecurityMonitoring against the real server (sync and async, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from secmon.client import IpsEvent, Order, Platform
from secmon.domain.events import Platform as StoredPlatform
from secmon.store import Store
from tests.api.conftest import BASE, HOUR, ips_event
from tests.conftest import SignedApi, Tenant

END = BASE + 100 * HOUR


def wire_items(api: SignedApi, tenant: Tenant, path: str = "/vsecuritymonitoring/v1/getIPSList") -> list[Any]:
    body = {"startDateTime": 0, "endDateTime": END, "page": 1, "countPerPage": 1000}
    answer = api.post(tenant, path, body).json()
    items: list[Any] = answer["ipsDataList"]
    return items


def load(store: Store, tenant: Tenant, count: int) -> None:
    events = [
        ips_event(
            BASE + i * 1000,
            f"Event {i % 4}",
            attacker_ip=f"203.0.113.{i}",
            attacker_port=40000 + i,
            target_ip="10.0.0.5",
            target_port=80 if i % 2 else 443,
            protocol="TCP" if i % 3 else "UDP",
            detect=i + 1,
            region="KR",
            zone_name="KR-2" if i % 2 else "KR-1",
            vpc_name="vpc-a",
        )
        for i in range(count)
    ]
    assert store.add_ips_events(tenant.member_no, events) == count


def test_one_page_typed_and_faithful(sm: Any, store: Store, tenant: Tenant, api: SignedApi) -> None:
    load(store, tenant, 12)
    page = sm.list_ips(0, END, page=2, count=5)
    assert (page.total, page.page, page.return_code, page.return_message) == (12, 2, 0, "SUCCESS")
    assert len(page.items) == 5
    event: IpsEvent = page.items[0]
    # Newest first: page 2 starts with the 6th newest, event 6.
    assert event.event_name == "Event 2"
    assert event.date == BASE + 6000
    assert event.detected_at == datetime.fromtimestamp((BASE + 6000) / 1000, UTC)
    assert (event.attacker_port, event.target_port, event.detect) == (40006, 443, 7)
    assert (event.region, event.zone_name, event.platform, event.product) == (
        "Korea",
        "KR-1",
        "VPC",
        "IPS_V2",
    )
    # Back to the wire: exactly the server's item, numbers as strings again.
    assert [e.to_wire() for e in page.items] == wire_items(api, tenant)[5:10]


def test_filters_reach_the_server(sm: Any, store: Store, tenant: Tenant) -> None:
    load(store, tenant, 12)
    every = sm.list_ips(0, END, count=100)
    assert every.total == 12

    def names(**filters: Any) -> list[str]:
        return [e.ticket_id for e in sm.list_ips(0, END, count=100, **filters).items]

    def expected(pred: Any) -> list[str]:
        return [e.ticket_id for e in every.items if pred(e)]

    assert names(event_name="event 1") == expected(lambda e: e.event_name == "Event 1")
    assert names(attacker_ip="203.0.113.0/29") == expected(lambda e: e.attacker_port < 40008)
    assert names(protocol="udp") == expected(lambda e: e.protocol == "UDP")
    assert names(zone_name="KR-2") == expected(lambda e: e.zone_name == "KR-2")
    assert names(region_code="KR", target_ip="10.0.0.5") == expected(lambda e: True)
    assert names(region_code="JPN") == []
    assert names(attack_type="nothing-like-this") == []
    ascending = sm.list_ips(0, END, count=100, order=Order.ASC).items
    assert [e.ticket_id for e in ascending] == list(reversed(expected(lambda e: True)))


def test_times_as_datetimes(sm: Any, store: Store, tenant: Tenant) -> None:
    load(store, tenant, 5)
    start = datetime.fromtimestamp((BASE + 1000) / 1000, UTC)
    end = datetime.fromtimestamp((BASE + 3000) / 1000, UTC).replace(tzinfo=None)  # naive = UTC
    page = sm.list_ips(start, end, count=100)
    assert sorted(e.date for e in page.items) == [BASE + 1000, BASE + 2000, BASE + 3000]


def test_iter_walks_more_than_three_pages(sm: Any, store: Store, tenant: Tenant, api: SignedApi) -> None:
    load(store, tenant, 23)
    walked = list(sm.iter_ips(0, END, count=5))  # 5 pages: 5+5+5+5+3
    assert [e.to_wire() for e in walked] == wire_items(api, tenant)
    filtered = list(sm.iter_ips(0, END, count=2, protocol="UDP"))
    assert [e.ticket_id for e in filtered] == [e.ticket_id for e in walked if e.protocol == "UDP"]
    assert len(filtered) == 8
    # An exact multiple of the page size ends without asking for an empty page.
    assert len(list(sm.iter_ips(0, END, count=23))) == 23
    assert list(sm.iter_ips(END + 1, END + 2)) == []


def test_the_classic_platform(
    server: str, make_sm: Any, store: Store, tenant: Tenant, api: SignedApi
) -> None:
    load(store, tenant, 2)
    store.add_ips_events(
        tenant.member_no,
        [ips_event(BASE + 500, "Classic one", platform=StoredPlatform.CLASSIC, attack_type="Scan")],
    )
    classic = make_sm(server, tenant, platform="classic")
    page = classic.list_ips(0, END)
    assert [e.event_name for e in page.items] == ["Classic one"]
    assert page.items[0].to_wire() == wire_items(api, tenant, "/securitymonitoring/v1/getIPSList")[0]
    vpc = make_sm(server, tenant)
    assert vpc.list_ips(0, END).total == 2
    assert vpc.list_ips(0, END, platform=Platform.CLASSIC).total == 1
    assert [e.attack_type for e in vpc.iter_ips(0, END, platform="CLASSIC")] == ["Scan"]
