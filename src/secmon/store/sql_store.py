"""The Store implementation both backends share; they supply sessions and migrations."""

from __future__ import annotations

import abc
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace

from secmon.domain.accounts import Account, KeyHolder, Policy, StoredAccessKey, SubAccount
from secmon.domain.detections import Detection, DetectionQuery, NewDetection
from secmon.domain.errors import AlreadyExists
from secmon.domain.events import IpsEvent, IpsPage, IpsQuery
from secmon.domain.notifications import NotificationSetting, Webhook
from secmon.domain.paging import Page
from secmon.domain.wbd import ExceptionRule, RuleChange, Server, ServerGroup
from secmon.store import (
    accounts_sql,
    ips_ingest_sql,
    ips_sql,
    wbd_detections_sql,
    wbd_notifications_sql,
    wbd_sql,
)
from secmon.store.labels import LabelCache
from secmon.store.migrations import MigrationRunner
from secmon.store.session import Row, Session


class IntegrityError(Exception):
    """Raised by sessions when a uniqueness constraint is violated."""


class WouldBlock(Exception):
    """A bounded read gave up at once rather than wait for a lock or run long; the work
    belongs in a thread that may wait (see SqliteStore.bounded_reading)."""


class _Pinned(threading.local):
    """The read session `SqlStore.reading` pinned to this thread, if any."""

    session: Session | None = None


class SqlStore(abc.ABC):
    url: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._labels = LabelCache()
        self._pinned = _Pinned()

    # -- what a backend provides
    @abc.abstractmethod
    def _read(self) -> AbstractContextManager[Session]:
        """A session inside one read transaction — the pinned one, inside `reading`."""

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Until exit, every read of this thread shares one read transaction: one
        snapshot, one pooled connection, one BEGIN/COMMIT for a request's key check and
        its search. Only for reads that need not see this thread's own writes."""
        if self._pinned.session is not None:
            yield
            return
        with self._read() as session:
            self._pinned.session = session
            try:
                yield
            finally:
                self._pinned.session = None

    @abc.abstractmethod
    def _write(self) -> AbstractContextManager[Session]:
        """A session inside one write transaction, committed on normal exit."""

    @abc.abstractmethod
    def _migrations(self) -> MigrationRunner: ...

    @abc.abstractmethod
    def close(self) -> None: ...

    # -- schema
    def migrate(self) -> list[int]:
        return self._migrations().upgrade()

    def schema_version(self) -> int:
        return self._migrations().current()

    def ping(self) -> None:
        with self._read() as s:
            s.fetchone("SELECT 1")

    def meta_get(self, key: str) -> str | None:
        with self._read() as s:
            row = s.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return str(row[0]) if row else None

    def meta_set_if_absent(self, key: str, value: str) -> str:
        with self._write() as s:
            s.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                (key, value),
            )
            row = s.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        assert row is not None
        return str(row[0])

    # -- accounts
    def create_account(self, name: str, now: int) -> Account:
        try:
            with self._write() as s:
                return accounts_sql.create_account(s, name, now)
        except IntegrityError:
            raise AlreadyExists("account", name) from None

    def account_by_name(self, name: str) -> Account | None:
        with self._read() as s:
            return accounts_sql.account_by_name(s, name)

    def list_accounts(self) -> list[Account]:
        with self._read() as s:
            return accounts_sql.list_accounts(s)

    def create_subaccount(
        self,
        member_no: int,
        name: str,
        policies: frozenset[Policy],
        server_groups: frozenset[str],
        now: int,
    ) -> SubAccount:
        try:
            with self._write() as s:
                return accounts_sql.create_subaccount(s, member_no, name, policies, server_groups, now)
        except IntegrityError:
            raise AlreadyExists("sub-account", name) from None

    def subaccount_by_name(self, member_no: int, name: str) -> SubAccount | None:
        with self._read() as s:
            return accounts_sql.subaccount_by_name(s, member_no, name)

    def add_access_key(self, key: StoredAccessKey) -> None:
        with self._write() as s:
            accounts_sql.add_access_key(s, key)

    def key_holder(self, access_key: str) -> KeyHolder | None:
        with self._read() as s:
            return accounts_sql.key_holder(s, access_key)

    def revoke_access_key(self, access_key: str, now: int) -> bool:
        with self._write() as s:
            return accounts_sql.revoke_access_key(s, access_key, now)

    # -- IPS events
    def add_ips_events(self, member_no: int, events: Iterable[IpsEvent]) -> int:
        batch = [ips_sql.event_fields(e) for e in events]
        if not batch:
            return 0
        rows = self._event_rows(member_no, batch)
        with self._write() as s:
            s.executemany(ips_sql.INSERT_EVENT, rows)
            ips_sql.add_counts(s, rows)
        return len(rows)

    def _event_rows(
        self,
        member_no: int,
        batch: Sequence[ips_sql.EventFields],
        agg_keys: Sequence[int | None] | None = None,
    ) -> list[Row]:
        try:
            # Most batches hold no new label: build the rows from the cache and learn
            # the rest only when a lookup misses.
            return ips_sql.event_rows(member_no, batch, self._labels, agg_keys)
        except KeyError:
            pass
        wanted = ips_sql.wanted_labels(batch)
        # Labels commit on their own: an unused label is harmless, and the cache must
        # never hold an id whose insert was rolled back.
        with self._write() as s:
            self._labels.ensure(s, wanted)
        return ips_sql.event_rows(member_no, batch, self._labels, agg_keys)

    # -- resumable, aggregating ingest
    def write_ips_batch(
        self,
        member_no: int,
        events: Sequence[ips_sql.EventFields],
        keys: Sequence[int | None],
        increments: Sequence[tuple[int, int, int]],
        positions: Sequence[tuple[str, str, int, int, bool]],
        now: int,
    ) -> None:
        rows = self._event_rows(member_no, events, keys) if events else []
        with self._write() as s:
            if rows:
                ips_ingest_sql.insert_events(s, rows)
            if increments:
                ips_ingest_sql.add_detects(s, member_no, increments)
            if positions:
                ips_ingest_sql.save_positions(s, member_no, positions, now)

    def ingest_position(self, member_no: int, source: str, path: str, inode: int) -> tuple[int, bool] | None:
        with self._read() as s:
            return ips_ingest_sql.position(s, member_no, source, path, inode)

    def latest_aggregate_time(self, member_no: int) -> int | None:
        with self._read() as s:
            return ips_ingest_sql.latest_aggregate_time(s, member_no)

    def open_aggregate(self, member_no: int, key: int, t: int, window_ms: int) -> int | None:
        with self._read() as s:
            return ips_ingest_sql.open_aggregate(s, member_no, key, t, window_ms)

    def search_ips_events(self, member_no: int, query: IpsQuery) -> IpsPage:
        with self._read() as s:
            return ips_sql.search(s, self._labels, member_no, query)

    # -- WBD detection targets
    def register_server(self, server: Server, group_name: str | None) -> Server:
        """Insert or update a server; a named group is created when it does not exist."""
        with self._write() as s:
            group = None
            if group_name is not None:
                group = wbd_sql.live_group_by_name(s, server.member_no, group_name) or wbd_sql.create_group(
                    s, server.member_no, group_name, server.created_at
                )
            existing = wbd_sql.server(s, server.member_no, server.instance_no)
            created_at = existing.created_at if existing else server.created_at
            wbd_sql.save_server(s, replace(server, group=group, created_at=created_at))
            stored = wbd_sql.server(s, server.member_no, server.instance_no)
        assert stored is not None
        return stored

    def update_server(self, server: Server) -> None:
        with self._write() as s:
            wbd_sql.save_server(s, server)

    def servers(self, member_no: int) -> list[Server]:
        with self._read() as s:
            return wbd_sql.servers(s, member_no)

    def server(self, member_no: int, instance_no: str) -> Server | None:
        with self._read() as s:
            return wbd_sql.server(s, member_no, instance_no)

    def server_group(self, member_no: int, group_id: str) -> ServerGroup | None:
        with self._read() as s:
            return wbd_sql.group_by_id(s, member_no, group_id)

    def delete_server_group(self, member_no: int, group_id: str, now: int) -> bool:
        with self._write() as s:
            return wbd_sql.delete_group(s, member_no, group_id, now)

    # -- WBD exception rules
    def exception_rules(self, member_no: int) -> list[ExceptionRule]:
        with self._read() as s:
            return wbd_sql.rules(s, member_no)

    def exception_rule(self, member_no: int, rule_id: str) -> ExceptionRule | None:
        with self._read() as s:
            return wbd_sql.rule(s, member_no, rule_id)

    def create_exception_rule(self, draft: ExceptionRule, change: RuleChange) -> ExceptionRule:
        """Insert the rule (its id is assigned here) and its first audit entry, atomically."""
        with self._write() as s:
            rule_id = wbd_sql.insert_rule(s, draft)
            created = wbd_sql.rule(s, draft.member_no, rule_id)
            assert created is not None
            wbd_sql.add_history(s, draft.member_no, replace(change, rule_id=rule_id, after=created))
        return created

    def change_exception_rule(self, changed: ExceptionRule, change: RuleChange) -> ExceptionRule:
        """Replace the rule and record the change, atomically."""
        with self._write() as s:
            wbd_sql.update_rule(s, changed)
            stored = wbd_sql.rule(s, changed.member_no, changed.rule_id)
            assert stored is not None
            wbd_sql.add_history(s, changed.member_no, replace(change, after=stored))
        return stored

    def exception_rule_history(self, member_no: int, rule_id: str) -> list[RuleChange]:
        with self._read() as s:
            return wbd_sql.history(s, member_no, rule_id)

    def exception_rules_version(self, member_no: int) -> int:
        with self._read() as s:
            return wbd_detections_sql.rules_version(s, member_no)

    # -- WBD detections
    def record_detections(
        self,
        detections: list[NewDetection],
        window_ms: int,
        positions: Sequence[tuple[str, str, int, int, bool]] = (),
        member_no: int | None = None,
        now: int = 0,
    ) -> list[tuple[Detection, bool]]:
        with self._write() as s:
            stored = [wbd_detections_sql.record(s, d, window_ms) for d in detections]
            if positions and member_no is not None:
                ips_ingest_sql.save_positions(s, member_no, positions, now)
        return stored

    def search_detections(
        self, member_no: int, query: DetectionQuery, excepted: bool, page_index: int, page_size: int
    ) -> Page[Detection]:
        with self._read() as s:
            total, items = wbd_detections_sql.search(
                s, member_no, query, excepted, page_index * page_size, page_size
            )
        return Page(items=items, total=total)

    def detection(self, member_no: int, ident: str) -> Detection | None:
        with self._read() as s:
            return wbd_detections_sql.find(s, member_no, ident)

    def save_detection(self, detection: Detection) -> None:
        with self._write() as s:
            wbd_detections_sql.save(s, detection)

    def detections_since(self, member_no: int, start: int) -> list[Detection]:
        with self._read() as s:
            return wbd_detections_sql.since(s, member_no, start)

    def detection_rule_settings(self, member_no: int) -> dict[str, bool]:
        with self._read() as s:
            return wbd_detections_sql.rule_settings(s, member_no)

    def set_detection_rule_enabled(self, member_no: int, rule_id: str, enabled: bool) -> None:
        with self._write() as s:
            wbd_detections_sql.set_rule_enabled(s, member_no, rule_id, enabled)

    # -- WBD notifications
    def notification_setting(self, member_no: int) -> NotificationSetting | None:
        with self._read() as s:
            return wbd_notifications_sql.setting(s, member_no)

    def save_notification_setting(
        self, member_no: int, interval_ms: int, now: int, setting_id: str
    ) -> NotificationSetting:
        with self._write() as s:
            return wbd_notifications_sql.save_setting(s, member_no, interval_ms, now, setting_id)

    def mark_notified(self, member_no: int, sent: int) -> None:
        with self._write() as s:
            wbd_notifications_sql.mark_sent(s, member_no, sent)

    def add_webhook(self, member_no: int, url: str, now: int) -> Webhook:
        with self._write() as s:
            return wbd_notifications_sql.add_webhook(s, member_no, url, now)

    def webhooks(self, member_no: int) -> list[Webhook]:
        with self._read() as s:
            return wbd_notifications_sql.webhooks(s, member_no)

    def delete_webhook(self, member_no: int, webhook_id: str) -> bool:
        with self._write() as s:
            return wbd_notifications_sql.delete_webhook(s, member_no, webhook_id)

    def accounts_with_webhooks(self) -> list[int]:
        with self._read() as s:
            return wbd_notifications_sql.accounts_with_webhooks(s)

    def detections_collected(self, member_no: int, after: int | None, until: int) -> list[Detection]:
        with self._read() as s:
            return wbd_notifications_sql.collected(s, member_no, after, until)
