"""The Store contract: the same assertions on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from secmon.domain.accounts import Policy, StoredAccessKey
from secmon.domain.addresses import ip_key, parse_address_filter
from secmon.domain.errors import AlreadyExists
from secmon.domain.events import IpsEvent, IpsQuery, Order, Platform
from secmon.store import Store, open_store

HOUR = 3_600_000
_names = itertools.count()


def test_migrations_are_idempotent(store: Store) -> None:
    version = store.schema_version()
    assert version >= 1
    assert store.migrate() == []
    assert store.schema_version() == version


def test_account_names_are_unique(store: Store) -> None:
    first = store.create_account("acme", 1)
    with pytest.raises(AlreadyExists):
        store.create_account("acme", 2)
    assert store.account_by_name("acme") == first
    assert store.account_by_name("nobody") is None
    second = store.create_account("globex", 3)
    assert second.member_no != first.member_no
    assert [a.name for a in store.list_accounts()] == ["acme", "globex"]


def test_subaccounts_and_keys(store: Store) -> None:
    account = store.create_account("acme", 1)
    sub = store.create_subaccount(
        account.member_no, "bob", frozenset({Policy.WBD_MANAGER}), frozenset({"web", "db"}), 5
    )
    assert store.subaccount_by_name(account.member_no, "bob") == sub
    assert sub.server_groups == {"web", "db"}
    with pytest.raises(AlreadyExists):
        store.create_subaccount(account.member_no, "bob", frozenset({Policy.WBD_VIEWER}), frozenset(), 6)
    key = StoredAccessKey("AK1", account.member_no, sub.id, b"\x00sealed\xff", 7)
    store.add_access_key(key)
    holder = store.key_holder("AK1")
    assert holder is not None
    assert holder.key == key
    assert holder.account == account
    assert holder.subaccount == sub
    assert store.key_holder("nope") is None
    assert store.revoke_access_key("AK1", 9) is True
    assert store.revoke_access_key("AK1", 10) is False
    revoked = store.key_holder("AK1")
    assert revoked is not None
    assert revoked.key.revoked_at == 9


def test_meta_set_if_absent_keeps_the_first_value(store: Store) -> None:
    assert store.meta_get("k") is None
    assert store.meta_set_if_absent("k", "one") == "one"
    assert store.meta_set_if_absent("k", "two") == "one"
    assert store.meta_get("k") == "one"


def test_every_field_round_trips(store: Store) -> None:
    account = store.create_account("acme", 1)
    event = IpsEvent(
        detected_at=1720044443000,
        event_name="Deep Security Apache Log4j Remote Code Execution Vulnerability (CVE-2021-44228)",
        platform=Platform.CLASSIC,
        attack_type="Exploit",
        attacker_ip="2001:db8::7",
        attacker_port=51185,
        target_ip="10.0.0.5",
        target_port=80,
        protocol="TCP",
        detect=3,
        region="KR",
        zone_name="KR-2",
        vpc_name="kr-sm-vpc",
        signature_id=2024217,
        severity=1,
        action="allowed",
        flow_id=1234567890123,
        app_proto="http",
    )
    assert store.add_ips_events(account.member_no, [event]) == 1
    page = store.search_ips_events(account.member_no, IpsQuery(Platform.CLASSIC, 0, 2**50))
    assert page.total == 1
    assert page.events[0].event == event
    assert page.events[0].ticket_id > 0


def test_labels_added_by_another_store_instance_are_found(store: Store) -> None:
    """Two processes (ingest, serve) share a database: a new event name written by
    one must be searchable through the other's label cache."""
    account = store.create_account("acme", 1)
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=1, event_name="first")])
    query = IpsQuery(Platform.VPC, 0, 10, event_name_contains="SECOND")
    assert store.search_ips_events(account.member_no, query).total == 0
    other = open_store(store.url)
    try:
        other.add_ips_events(account.member_no, [IpsEvent(detected_at=2, event_name="the second")])
    finally:
        other.close()
    page = store.search_ips_events(account.member_no, query)
    assert page.total == 1
    assert page.events[0].event.event_name == "the second"


def test_tenants_never_see_each_other(store: Store) -> None:
    a = store.create_account("a", 1)
    b = store.create_account("b", 1)
    store.add_ips_events(a.member_no, [IpsEvent(detected_at=5, event_name="mine")])
    store.add_ips_events(b.member_no, [IpsEvent(detected_at=5, event_name="theirs")] * 2)
    everything = IpsQuery(Platform.VPC, 0, 10)
    assert [e.event.event_name for e in store.search_ips_events(a.member_no, everything).events] == ["mine"]
    assert store.search_ips_events(b.member_no, everything).total == 2


def test_counts_span_many_hours_exactly(store: Store) -> None:
    """Whole hours are counted from the rollup, partial edges from the events."""
    account = store.create_account("acme", 1)
    events = [IpsEvent(detected_at=t, event_name=f"e{t % 3}") for t in range(0, 30 * HOUR, 600_007)]
    store.add_ips_events(account.member_no, events)
    for start, end in [(0, 30 * HOUR), (HOUR - 1, 5 * HOUR), (HOUR, 2 * HOUR - 1), (12345, 29 * HOUR + 7)]:
        expected = sum(1 for e in events if start <= e.detected_at <= end)
        assert (
            store.search_ips_events(account.member_no, IpsQuery(Platform.VPC, start, end)).total == expected
        )
        named = sum(1 for e in events if start <= e.detected_at <= end and e.event_name == "e1")
        query = IpsQuery(Platform.VPC, start, end, event_name_contains="E1")
        assert store.search_ips_events(account.member_no, query).total == named


_event = st.builds(
    IpsEvent,
    detected_at=st.integers(0, 6 * HOUR),
    event_name=st.sampled_from(["SQL Injection", "sql probe", "Log4j RCE", "Port scan"]),
    platform=st.sampled_from(list(Platform)),
    attacker_ip=st.sampled_from(["10.0.0.1", "10.0.0.200", "10.1.0.1", "2001:db8::1", None]),
    target_ip=st.sampled_from(["192.168.0.1", "192.168.0.2", None]),
    protocol=st.sampled_from(["TCP", "tcp", "UDP", None]),
    attack_type=st.sampled_from(["Exploit", "Scan", None]),
    region=st.sampled_from(["KR", "JPN", None]),
    zone_name=st.sampled_from(["KR-1", "KR-2", None]),
)

_query = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(list(Platform)),
        "bounds": st.tuples(st.integers(0, 6 * HOUR), st.integers(0, 6 * HOUR)).map(sorted),
        "page": st.integers(1, 4),
        "per_page": st.integers(1, 7),
        "order": st.sampled_from(list(Order)),
        "event_name_contains": st.sampled_from([None, "sql", "RCE", "nothing"]),
        "attacker": st.sampled_from([None, "10.0.0.0/24", "10.0.0.1", "2001:db8::/32", "0.0.0.0/0"]),
        "protocol": st.sampled_from([None, "tcp", "UDP"]),
        "attack_type": st.sampled_from([None, "exploit"]),
        "region": st.sampled_from([None, "KR"]),
        "zone_name": st.sampled_from([None, "KR-2"]),
    }
)


def _matches(e: IpsEvent, q: IpsQuery) -> bool:
    if e.platform is not q.platform or not q.start <= e.detected_at <= q.end:
        return False
    if q.event_name_contains and q.event_name_contains.casefold() not in e.event_name.casefold():
        return False
    if q.attacker is not None:
        key = ip_key(e.attacker_ip)
        if key is None or not q.attacker.low <= key <= q.attacker.high:
            return False
    for wanted, value in ((q.protocol, e.protocol), (q.attack_type, e.attack_type)):
        if wanted is not None and (value is None or value.casefold() != wanted.casefold()):
            return False
    return (q.region is None or e.region == q.region) and (q.zone_name is None or e.zone_name == q.zone_name)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(events=st.lists(_event, max_size=40), raw=_query)
def test_search_agrees_with_a_brute_force_model(store: Store, events: list[IpsEvent], raw: dict) -> None:  # type: ignore[type-arg]
    account = store.create_account(f"model-{next(_names)}", 1)
    store.add_ips_events(account.member_no, events)
    start, end = raw.pop("bounds")
    attacker = raw.pop("attacker")
    query = IpsQuery(
        start=start, end=end, attacker=parse_address_filter(attacker) if attacker else None, **raw
    )
    page = store.search_ips_events(account.member_no, query)
    matching = [e for e in events if _matches(e, query)]
    assert page.total == len(matching)
    # Ticket ids grow in insertion order, so the model knows the tie-break too.
    ordered = sorted(
        (e for e in enumerate(events) if _matches(e[1], query)),
        key=lambda pair: (pair[1].detected_at, pair[0]),
        reverse=query.order is Order.DESC,
    )
    expected = [e for _, e in ordered[query.offset : query.offset + query.per_page]]
    assert [s.event for s in page.events] == expected
    ids = [s.ticket_id for s in page.events]
    assert len(set(ids)) == len(ids)
