"""The read paths of getIPSList: a search without a label filter does not sync the label
cache first, page events are built from rows, a request's reads can share one read
transaction (`reading`) — on SQLite and PostgreSQL — and, on SQLite, reads for the event
loop's thread give up rather than wait (`bounded_reading`)."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from secmon.domain.accounts import StoredAccessKey
from secmon.domain.addresses import parse_address_filter
from secmon.domain.events import IpsEvent, IpsQuery, Platform
from secmon.store import Store, open_store, sqlite
from secmon.store.sql_store import SqlStore, WouldBlock
from secmon.store.sqlite import SqliteStore

HOUR = 3_600_000


def _add_elsewhere(store: Store, member_no: int, events: list[IpsEvent]) -> None:
    """Write as another process would: through another store instance (own label cache,
    own connections)."""
    other = open_store(store.url)
    try:
        other.add_ips_events(member_no, events)
    finally:
        other.close()


def test_labels_written_elsewhere_appear_in_an_unfiltered_search(store: Store) -> None:
    """No label filter: the search does not sync the label cache before it runs, so
    the page it reads may hold ids this instance has never seen — every label of such
    an event must still come back exactly."""
    account = store.create_account("acme", 1)
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=1, event_name="known")])
    everything = IpsQuery(Platform.VPC, 0, 10 * HOUR)
    assert store.search_ips_events(account.member_no, everything).total == 1  # cache warm
    fresh = IpsEvent(
        detected_at=2,
        event_name="brand new name",
        attack_type="brand new type",
        attacker_ip="192.0.2.1",
        target_ip="198.51.100.2",
        protocol="SCTP",
        region="SGN",
        zone_name="SGN-9",
        vpc_name="brand-new-vpc",
        action="brand new action",
        app_proto="brand new proto",
    )
    _add_elsewhere(store, account.member_no, [fresh])

    page = store.search_ips_events(account.member_no, everything)
    assert page.total == 2
    assert page.events[0].event == fresh
    by_attacker = IpsQuery(Platform.VPC, 0, 10 * HOUR, attacker=parse_address_filter("192.0.2.1"))
    page = store.search_ips_events(account.member_no, by_attacker)
    assert page.total == 1
    assert page.events[0].event == fresh
    # And the new labels can be searched for (a label filter syncs first).
    by_zone = IpsQuery(Platform.VPC, 0, 10 * HOUR, zone_name="SGN-9")
    assert store.search_ips_events(account.member_no, by_zone).events[0].event == fresh


def test_first_and_deeper_pages_carry_the_true_total(store: Store) -> None:
    account = store.create_account("acme", 1)
    events = [IpsEvent(detected_at=t, event_name=f"e{t % 3}") for t in range(0, 3 * HOUR, 60_000)]
    store.add_ips_events(account.member_no, events)
    # A range with whole hours (rollup) and one without (events only), with and
    # without a filter; pages 1, 2, the last, and past the end.
    for start, end in ((0, 3 * HOUR - 1), (HOUR + 5, HOUR + 600_000)):
        expected = [e for e in events if start <= e.detected_at <= end]
        for contains in (None, "E1"):
            matching = [e for e in expected if contains is None or e.event_name == "e1"]
            total = len(matching)
            for page in (1, 2, -(-total // 7), -(-total // 7) + 1, 1000):
                query = IpsQuery(
                    Platform.VPC, start, end, page=page, per_page=7, event_name_contains=contains
                )
                found = store.search_ips_events(account.member_no, query)
                assert found.total == total, (start, end, contains, page)
                newest_first = sorted(matching, key=lambda e: -e.detected_at)
                assert [s.event for s in found.events] == newest_first[(page - 1) * 7 : page * 7]
    nothing = IpsQuery(Platform.VPC, 0, 3 * HOUR, event_name_contains="no such event")
    assert store.search_ips_events(account.member_no, nothing).total == 0
    empty_range = IpsQuery(Platform.VPC, 10 * HOUR, 20 * HOUR)
    found = store.search_ips_events(account.member_no, empty_range)
    assert (found.total, found.events) == (0, [])


def _reading(store: Store) -> Any:
    assert isinstance(store, SqlStore)
    return store.reading()


def test_reading_shares_one_snapshot_until_it_ends(store: Store) -> None:
    account = store.create_account("acme", 1)
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=1, event_name="before")])
    everything = IpsQuery(Platform.VPC, 0, HOUR)
    with _reading(store):
        assert store.search_ips_events(account.member_no, everything).total == 1
        _add_elsewhere(store, account.member_no, [IpsEvent(detected_at=2, event_name="after")])
        store.add_ips_events(account.member_no, [IpsEvent(detected_at=3, event_name="mine")])
        # The same read transaction: neither write is seen, however many reads follow.
        assert store.search_ips_events(account.member_no, everything).total == 1
        assert store.account_by_name("acme") == account
        with _reading(store):  # nested: still the same transaction
            assert store.search_ips_events(account.member_no, everything).total == 1
        assert store.search_ips_events(account.member_no, everything).total == 1
    # Ended: the next read is a new transaction and sees both writes.
    assert store.search_ips_events(account.member_no, everything).total == 3


def test_reading_pins_only_its_own_thread(store: Store) -> None:
    account = store.create_account("acme", 1)
    everything = IpsQuery(Platform.VPC, 0, HOUR)
    seen: list[int] = []
    with _reading(store):
        assert store.search_ips_events(account.member_no, everything).total == 0
        store.add_ips_events(account.member_no, [IpsEvent(detected_at=1, event_name="new")])
        thread = threading.Thread(
            target=lambda: seen.append(store.search_ips_events(account.member_no, everything).total)
        )
        thread.start()
        thread.join()
        assert store.search_ips_events(account.member_no, everything).total == 0
    assert seen == [1]


def test_reading_ends_cleanly_when_the_request_fails(store: Store) -> None:
    account = store.create_account("acme", 1)
    everything = IpsQuery(Platform.VPC, 0, HOUR)

    def failing_request() -> None:
        with _reading(store):
            store.search_ips_events(account.member_no, everything)
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_request()
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=1, event_name="new")])
    assert store.search_ips_events(account.member_no, everything).total == 1


def test_revocation_is_seen_by_the_next_reading(store: Store) -> None:
    """A request reads the key inside its own read transaction, begun when it starts:
    a key revoked before that (by this or another process) is revoked for it."""
    account = store.create_account("acme", 1)
    store.add_access_key(StoredAccessKey("AK1", account.member_no, None, b"sealed", 1, None))
    with _reading(store):
        holder = store.key_holder("AK1")
        assert holder is not None
        assert holder.key.revoked_at is None
    other = open_store(store.url)
    try:
        assert other.revoke_access_key("AK1", 2)
    finally:
        other.close()
    with _reading(store):
        holder = store.key_holder("AK1")
        assert holder is not None
        assert holder.key.revoked_at == 2


# -- bounded reads (SQLite): for the event loop's thread, they give up rather than wait


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[SqliteStore]:
    s = SqliteStore(f"sqlite:///{tmp_path / 'secmon.db'}")
    s.migrate()
    try:
        yield s
    finally:
        s.close()


def _many_events(store: Store) -> tuple[int, IpsQuery]:
    """5,000 events, and a question whose count reads them one by one (no whole hour:
    no rollup) — thousands of SQLite VM steps."""
    account = store.create_account("acme", 1)
    store.add_ips_events(account.member_no, [IpsEvent(detected_at=t, event_name="e") for t in range(5000)])
    return account.member_no, IpsQuery(Platform.VPC, 1, 4998)


def test_a_bounded_read_answers_like_any_read(sqlite_store: SqliteStore) -> None:
    member_no, query = _many_events(sqlite_store)
    expected = sqlite_store.search_ips_events(member_no, query)
    assert expected.total == 4998
    for _ in range(3):  # the same connection again: nothing left over from the last read
        with sqlite_store.bounded_reading():
            assert sqlite_store.search_ips_events(member_no, query) == expected


def test_a_bounded_read_gives_up_when_it_runs_long(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_no, query = _many_events(sqlite_store)
    monkeypatch.setattr(sqlite, "BOUNDED_READ_SECONDS", 0.0)
    with pytest.raises(WouldBlock, match="SQLITE_INTERRUPT"), sqlite_store.bounded_reading():
        sqlite_store.search_ips_events(member_no, query)
    monkeypatch.setattr(sqlite, "BOUNDED_READ_SECONDS", 10.0)
    # The connection is back in the pool, out of its transaction, and nothing is pinned.
    with sqlite_store.bounded_reading():
        assert sqlite_store.search_ips_events(member_no, query).total == 4998
    assert sqlite_store.search_ips_events(member_no, query).total == 4998


def test_a_bounded_read_never_waits_for_a_lock(
    sqlite_store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    member_no, query = _many_events(sqlite_store)
    with sqlite_store.bounded_reading():
        # Its connection does not wait (other readers wait up to 30 s) ...
        session = sqlite_store._pinned.session
        assert session is not None
        assert session.fetchone("PRAGMA busy_timeout") == (0,)
    assert sqlite_store.search_ips_events(member_no, query).total == 4998  # (a normal read)

    # ... so a locked database is SQLITE_BUSY at once, which the block reports as
    # WouldBlock. (A WAL reader meets a lock only in rare moments, such as another
    # process recovering the WAL: simulated here.)
    def locked(self: Any, sql: str, params: Any = ()) -> Any:
        exc = sqlite3.OperationalError("database is locked")
        exc.sqlite_errorcode = sqlite3.SQLITE_BUSY_RECOVERY  # type: ignore[attr-defined]
        exc.sqlite_errorname = "SQLITE_BUSY_RECOVERY"  # type: ignore[attr-defined]
        raise exc

    monkeypatch.setattr(sqlite._SqliteSession, "fetchone", locked)
    with pytest.raises(WouldBlock, match="SQLITE_BUSY_RECOVERY"), sqlite_store.bounded_reading():
        sqlite_store.search_ips_events(member_no, query)
    monkeypatch.undo()
    with sqlite_store.bounded_reading():
        assert sqlite_store.search_ips_events(member_no, query).total == 4998


def test_other_sqlite_errors_are_not_would_block(sqlite_store: SqliteStore) -> None:
    def bad_sql() -> None:
        with sqlite_store.bounded_reading():
            session = sqlite_store._pinned.session
            assert session is not None
            session.fetchone("SELECT * FROM no_such_table")

    with pytest.raises(sqlite3.OperationalError, match="no such table"):
        bad_sql()


def test_a_bounded_read_cannot_nest_in_another_reading(sqlite_store: SqliteStore) -> None:
    with sqlite_store.reading(), pytest.raises(RuntimeError), sqlite_store.bounded_reading():
        pass
