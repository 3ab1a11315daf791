"""search_ips_events against a brute-force answer, on SQLite and PostgreSQL.

Counts come from three rollups (per hour; per hour and label; per hour and label
combination) plus the partial hours at the edges, and deep pages skip inside an index:
every path must give exactly what filtering the events one by one gives.
"""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from secmon.domain.addresses import ip_key, parse_address_filter
from secmon.domain.events import IpsEvent, IpsQuery, Order, Platform, StoredIpsEvent
from secmon.store import Store
from secmon.store.ips_sql import _address_key

HOUR = 3_600_000
NAMES = ("SQL Injection in Foo", "sql injection in bar", "Log4j RCE", "Port Scan", "ICMP Ping")
ATTACK_TYPES = (None, "Web Attack", "WEB ATTACK", "Scan")
PROTOCOLS = (None, "TCP", "tcp", "UDP", "ICMP")
ZONES = {"KR": ("KR-1", "KR-2"), "JPN": ("JPN-1",), "USWN": ("USWN-1",)}
ATTACKERS = ("203.0.113.7", "203.0.113.200", "198.51.100.1", "2001:db8::1", "2001:db8::ff", None, "unknown")
TARGETS = ("10.0.0.1", "10.0.0.2", "10.0.1.1", None)


def _events(rng: random.Random, n: int) -> list[IpsEvent]:
    out = []
    for _ in range(n):
        region = rng.choice((None, *ZONES))
        out.append(
            IpsEvent(
                detected_at=rng.randrange(0, 50 * HOUR) if rng.random() < 0.9 else rng.choice((0, 7 * HOUR)),
                event_name=rng.choice(NAMES),
                platform=Platform.VPC if rng.random() < 0.8 else Platform.CLASSIC,
                attack_type=rng.choice(ATTACK_TYPES),
                attacker_ip=rng.choice(ATTACKERS),
                target_ip=rng.choice(TARGETS),
                protocol=rng.choice(PROTOCOLS),
                region=region,
                zone_name=rng.choice(ZONES[region]) if region else None,
            )
        )
    return out


def _query(rng: random.Random) -> IpsQuery:
    start = rng.choice((0, rng.randrange(0, 50 * HOUR), rng.randrange(0, 50) * HOUR))
    end = start + rng.choice((0, HOUR - 1, HOUR, 24 * HOUR - 1, rng.randrange(0, 60 * HOUR)))
    maybe = rng.random
    return IpsQuery(
        platform=Platform.VPC if maybe() < 0.8 else Platform.CLASSIC,
        start=start,
        end=end,
        page=rng.choice((1, 1, 1, 2, 5)),
        per_page=rng.choice((1, 7, 20)),
        order=rng.choice((Order.ASC, Order.DESC)),
        event_name_contains=rng.choice(("sql injection", "LOG4J", "in", "zzz")) if maybe() < 0.3 else None,
        attack_type=rng.choice(("web attack", "Scan", "nope")) if maybe() < 0.2 else None,
        protocol=rng.choice(("TCP", "udp", "icmp")) if maybe() < 0.2 else None,
        region=rng.choice(("KR", "JPN", "USWN", "SGN")) if maybe() < 0.2 else None,
        zone_name=rng.choice(("KR-1", "KR-2", "JPN-1")) if maybe() < 0.2 else None,
        attacker=parse_address_filter(rng.choice(("203.0.113.7", "203.0.113.0/24", "2001:db8::/32")))
        if maybe() < 0.15
        else None,
        target=parse_address_filter(rng.choice(("10.0.0.1", "10.0.0.0/23"))) if maybe() < 0.15 else None,
    )


def _matches(s: StoredIpsEvent, q: IpsQuery) -> bool:
    e = s.event

    def folded_equal(value: str | None, wanted: str | None) -> bool:
        return wanted is None or (value is not None and value.casefold() == wanted.casefold())

    def in_range(address: str | None, rng: object) -> bool:
        if rng is None:
            return True
        key = ip_key(address)
        return key is not None and rng.low <= key <= rng.high  # type: ignore[attr-defined]

    return (
        e.platform is q.platform
        and q.start <= e.detected_at <= q.end
        and (q.event_name_contains is None or q.event_name_contains.casefold() in e.event_name.casefold())
        and folded_equal(e.attack_type, q.attack_type)
        and folded_equal(e.protocol, q.protocol)
        and (q.region is None or e.region == q.region)
        and (q.zone_name is None or e.zone_name == q.zone_name)
        and in_range(e.attacker_ip, q.attacker)
        and in_range(e.target_ip, q.target)
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_search_agrees_with_brute_force(store: Store, seed: int) -> None:
    rng = random.Random(seed)
    account = store.create_account(f"acme{seed}", 1)
    other = store.create_account(f"other{seed}", 1)
    events = _events(rng, 700)
    for i in range(0, len(events), 150):  # several batches: rollups grow by upsert
        store.add_ips_events(account.member_no, events[i : i + 150])
    store.add_ips_events(other.member_no, events[:100])  # another tenant, same hours and labels
    stored = [
        s
        for platform in Platform
        for s in store.search_ips_events(
            account.member_no, IpsQuery(platform, 0, 100 * HOUR, per_page=1000)
        ).events
    ]
    assert len(stored) == len(events)
    for _ in range(150):
        query = _query(rng)
        expected = sorted(
            (s for s in stored if _matches(s, query)), key=lambda s: (s.event.detected_at, s.ticket_id)
        )
        if query.order is Order.DESC:
            expected.reverse()
        page = store.search_ips_events(account.member_no, query)
        assert page.total == len(expected), query
        assert page.events == expected[query.offset : query.offset + query.per_page], query


def test_labels_and_addresses_round_trip_exactly(store: Store) -> None:
    account = store.create_account("acme", 1)
    base = IpsEvent(detected_at=5, event_name="x", attacker_ip="203.0.113.9", target_ip="2001:DB8::1")
    store.add_ips_events(account.member_no, [base, replace(base, attacker_ip="not an address")])
    page = store.search_ips_events(account.member_no, IpsQuery(Platform.VPC, 0, 10, order=Order.ASC))
    assert [s.event for s in page.events] == [base, replace(base, attacker_ip="not an address")]
    query = IpsQuery(Platform.VPC, 0, 10, target=parse_address_filter("2001:db8::1"))
    assert store.search_ips_events(account.member_no, query).total == 2


@pytest.mark.parametrize(
    "text",
    [
        "1.2.3.4",
        "0.0.0.0",  # noqa: S104 - an address to parse, not to bind
        "255.255.255.255",
        "01.2.3.4",
        "1.2.3.04",
        "256.1.1.1",
        "1.2.3",
        "1.2.3.4.5",
        " 1.2.3.4",
        "1.2.3.4\x00",
        "١.٢.٣.٤",
        "::ffff:1.2.3.4",
        "2001:db8::1",
        "fe80::1%eth0",
        "",
        None,
    ],
)
def test_address_key_fast_path_is_ip_key(text: str | None) -> None:
    assert _address_key(text) == ip_key(text)
