"""The Store interface: shaped by the use cases, not by the tables."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from secmon.domain.accounts import Account, KeyHolder, Policy, StoredAccessKey, SubAccount
from secmon.domain.detections import Detection, DetectionQuery, NewDetection
from secmon.domain.errors import SecmonError
from secmon.domain.events import IpsEvent, IpsPage, IpsQuery
from secmon.domain.notifications import NotificationSetting, Webhook
from secmon.domain.paging import Page
from secmon.domain.wbd import ExceptionRule, RuleChange, Server, ServerGroup
from secmon.store.ips_sql import EventFields


class Store(Protocol):
    """Everything secmon keeps. Implementations: SqliteStore, PostgresStore."""

    url: str

    def migrate(self) -> list[int]:
        """Apply pending schema migrations; return the versions applied."""
        ...

    def schema_version(self) -> int: ...

    def ping(self) -> None:
        """Raise if the database cannot answer."""
        ...

    def close(self) -> None: ...

    # -- secrets sealing: which master key sealed this database's secrets
    def meta_get(self, key: str) -> str | None: ...

    def meta_set_if_absent(self, key: str, value: str) -> str:
        """Store `value` unless the key exists; return what is stored."""
        ...

    # -- accounts, sub-accounts, keys
    def create_account(self, name: str, now: int) -> Account: ...

    def account_by_name(self, name: str) -> Account | None: ...

    def list_accounts(self) -> list[Account]: ...

    def create_subaccount(
        self,
        member_no: int,
        name: str,
        policies: frozenset[Policy],
        server_groups: frozenset[str],
        now: int,
    ) -> SubAccount: ...

    def subaccount_by_name(self, member_no: int, name: str) -> SubAccount | None: ...

    def add_access_key(self, key: StoredAccessKey) -> None: ...

    def key_holder(self, access_key: str) -> KeyHolder | None:
        """The key (revoked or not) with its account and sub-account."""
        ...

    def revoke_access_key(self, access_key: str, now: int) -> bool:
        """Mark the key revoked; False when it does not exist or was already revoked."""
        ...

    # -- IPS events
    def add_ips_events(self, member_no: int, events: Iterable[IpsEvent]) -> int:
        """Store the events (one transaction); return how many were stored."""
        ...

    def write_ips_batch(
        self,
        member_no: int,
        events: Sequence[EventFields],
        keys: Sequence[int | None],
        increments: Sequence[tuple[int, int, int]],
        positions: Sequence[tuple[str, str, int, int, bool]],
        now: int,
    ) -> None:
        """One ingest batch, atomically: new events (IpsEvent's fields as tuples, with
        their aggregation keys), detect increments `(count, agg_key, first alert's time)`
        of stored events, and the file positions `(source, path, inode, position,
        by_records)` the batch reached."""
        ...

    def ingest_position(self, member_no: int, source: str, path: str, inode: int) -> tuple[int, bool] | None:
        """(position, by_records) recorded for a file, if any."""
        ...

    def latest_aggregate_time(self, member_no: int) -> int | None:
        """The newest first-alert time of the account's aggregating events."""
        ...

    def open_aggregate(self, member_no: int, key: int, t: int, window_ms: int) -> int | None:
        """The first-alert time of a stored event with this key whose window holds t."""
        ...

    def search_ips_events(self, member_no: int, query: IpsQuery) -> IpsPage:
        """One page of the account's matching events and the exact count of all matches."""
        ...

    # -- WBD detection targets
    def register_server(self, server: Server, group_name: str | None) -> Server:
        """Insert or update a server; a named live group is created when missing."""
        ...

    def update_server(self, server: Server) -> None: ...

    def servers(self, member_no: int) -> list[Server]:
        """Every server of the account, newest first."""
        ...

    def server(self, member_no: int, instance_no: str) -> Server | None: ...

    def server_group(self, member_no: int, group_id: str) -> ServerGroup | None:
        """The group (deleted or not) with this id in the account."""
        ...

    def delete_server_group(self, member_no: int, group_id: str, now: int) -> bool:
        """Soft-delete a live group; its servers leave it. False when no such live group."""
        ...

    # -- WBD exception rules (live and deleted)
    def exception_rules(self, member_no: int) -> list[ExceptionRule]: ...

    def exception_rule(self, member_no: int, rule_id: str) -> ExceptionRule | None: ...

    def create_exception_rule(self, draft: ExceptionRule, change: RuleChange) -> ExceptionRule: ...

    def change_exception_rule(self, changed: ExceptionRule, change: RuleChange) -> ExceptionRule: ...

    def exception_rule_history(self, member_no: int, rule_id: str) -> list[RuleChange]:
        """The rule's audit trail, oldest first."""
        ...

    def exception_rules_version(self, member_no: int) -> int:
        """Grows with every change to the account's exception rules (cache invalidation)."""
        ...

    # -- WBD detections
    def record_detections(
        self,
        detections: list[NewDetection],
        window_ms: int,
        positions: Sequence[tuple[str, str, int, int, bool]] = (),
        member_no: int | None = None,
        now: int = 0,
    ) -> list[tuple[Detection, bool]]:
        """Store each detection, or count it on a live repeat within `window_ms`, and the
        ingest file positions reached — one transaction; return each stored detection
        and whether it is new."""
        ...

    def search_detections(
        self, member_no: int, query: DetectionQuery, excepted: bool, page_index: int, page_size: int
    ) -> Page[Detection]:
        """Newest first; deleted detections are never returned."""
        ...

    def detection(self, member_no: int, ident: str) -> Detection | None:
        """A live detection by detection id or exception id."""
        ...

    def save_detection(self, detection: Detection) -> None: ...

    def detections_since(self, member_no: int, start: int) -> list[Detection]:
        """Live, non-excepted detections detected at or after `start`, newest first."""
        ...

    def detection_rule_settings(self, member_no: int) -> dict[str, bool]: ...

    def set_detection_rule_enabled(self, member_no: int, rule_id: str, enabled: bool) -> None: ...

    # -- WBD notifications
    def notification_setting(self, member_no: int) -> NotificationSetting | None: ...

    def save_notification_setting(
        self, member_no: int, interval_ms: int, now: int, setting_id: str
    ) -> NotificationSetting:
        """Set the interval (creating the setting with `setting_id` on first use)."""
        ...

    def mark_notified(self, member_no: int, sent: int) -> None: ...

    def add_webhook(self, member_no: int, url: str, now: int) -> Webhook: ...

    def webhooks(self, member_no: int) -> list[Webhook]: ...

    def delete_webhook(self, member_no: int, webhook_id: str) -> bool: ...

    def accounts_with_webhooks(self) -> list[int]: ...

    def detections_collected(self, member_no: int, after: int | None, until: int) -> list[Detection]:
        """Live, non-excepted detections collected in (after, until], newest first."""
        ...


class StoreUnavailable(SecmonError):
    """The database cannot be opened or reached (bad URL, server down, no permission)."""
