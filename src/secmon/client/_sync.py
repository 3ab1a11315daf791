"""The blocking clients. Each method builds a Call (`_operations`) and sends it; the
request and response logic lives in `_base.BaseClient`, shared with `_async`."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import TracebackType
from typing import Self, TypeVar, Unpack

import httpx

from secmon.client import _operations as ops
from secmon.client._base import SM_ENDPOINT, WBD_ENDPOINT, BaseClient, ClientOptions
from secmon.client._models import DetectionTarget, ExceptionRule, IpsEvent, IpsPage, Page, RuleChange
from secmon.client._operations import Call, Pager
from secmon.client._params import (
    IpsFilters,
    Platform,
    RuleChanges,
    RuleFields,
    RuleFilters,
    ServerFilters,
    TargetType,
    TimeArg,
    epoch_ms,
)

__all__ = ["SecurityMonitoring", "WebshellBehaviorDetector"]

T = TypeVar("T")
I = TypeVar("I")  # noqa: E741


class SyncClient(BaseClient):
    """Sends Calls over an httpx.Client. `transport` replaces the network (e.g. for tests:
    ``httpx.MockTransport``); use as a context manager or call close()."""

    def __init__(
        self,
        endpoint: str | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        **options: Unpack[ClientOptions],
    ) -> None:
        super().__init__(endpoint, **options)
        self._http = httpx.Client(transport=transport, timeout=self.timeout, follow_redirects=False)

    def _execute(self, call: Call[T]) -> T:
        attempt = 0
        while True:
            request = self._build_request(call)
            try:
                response = self._http.send(request)
            except httpx.TransportError as exc:
                raise self._transport_error(exc, request) from exc
            delay = self._retry_delay(call, attempt, response)
            if delay is None:
                return self._parse_response(call, response)
            response.close()
            time.sleep(delay)
            attempt += 1

    def _walk(self, pager: Pager[I]) -> Iterator[I]:
        number = pager.first
        while True:
            page = self._execute(pager.build(number))
            yield from page.items
            if pager.is_last(number, page):
                return
            number += 1

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class SecurityMonitoring(SyncClient):
    """Security Monitoring: getIPSList.

    >>> with SecurityMonitoring() as sm:  # credentials as the cloud's tools find them
    ...     for event in sm.iter_ips(start, end, event_name="log4j"):
    ...         print(event.detected_at, event.attacker_ip)
    """

    default_endpoint = SM_ENDPOINT

    def list_ips(
        self,
        start: TimeArg,
        end: TimeArg,
        *,
        page: int = 1,
        count: int = 20,
        platform: Platform | str | None = None,
        **filters: Unpack[IpsFilters],
    ) -> IpsPage:
        """getIPSList: one page (1-based) of IPS events detected in [start, end]."""
        call = ops.ips_list(self._platform(platform), epoch_ms(start), epoch_ms(end), page, count, filters)
        return self._execute(call)

    def iter_ips(
        self,
        start: TimeArg,
        end: TimeArg,
        *,
        count: int = 1000,
        platform: Platform | str | None = None,
        **filters: Unpack[IpsFilters],
    ) -> Iterator[IpsEvent]:
        """Every event in [start, end], walking the pages (`count` a page)."""
        return self._walk(
            ops.ips_pager(self._platform(platform), epoch_ms(start), epoch_ms(end), count, filters)
        )


class WebshellBehaviorDetector(SyncClient):
    """Webshell Behavior Detector: exception rules, deleted rules, detection targets, and
    secmon's extensions (create/update/restore rules, history, server registration).

    >>> with WebshellBehaviorDetector() as wbd:
    ...     for rule in wbd.iter_rules(process_name="php"):
    ...         print(rule.rule_id, rule.name)
    """

    default_endpoint = WBD_ENDPOINT

    # -- exception rules

    def list_rules(self, *, page_index: int = 0, page_size: int = 20) -> Page[ExceptionRule]:
        """GetExceptionRule: one page (0-based) of live rules, newest first."""
        return self._execute(ops.rules_list(False, page_index, page_size))

    def search_rules(
        self, *, page_index: int = 0, page_size: int = 20, **filters: Unpack[RuleFilters]
    ) -> Page[ExceptionRule]:
        """SearchExceptionRule: one page of live rules matching every filter."""
        return self._execute(ops.rules_search(False, page_index, page_size, filters))

    def iter_rules(self, *, page_size: int = 100, **filters: Unpack[RuleFilters]) -> Iterator[ExceptionRule]:
        """Every live rule (matching the filters, if any), walking the pages."""
        return self._walk(ops.rules_pager(False, page_size, filters))

    def set_rule_memo(self, rule_id: str, content: str | None) -> ExceptionRule | None:
        """UpdateExceptionRuleMemo. secmon returns the rule; the cloud returns None."""
        return self._execute(ops.rule_memo(rule_id, content))

    def delete_rule(self, rule_id: str) -> None:
        """DeleteExceptionRule: the rule moves to the deleted list."""
        return self._execute(ops.rule_delete(rule_id))

    def create_rule(
        self, name: str, target_type: TargetType | str, **fields: Unpack[RuleFields]
    ) -> ExceptionRule:
        """secmon extension: a new rule. At least one process field must be used."""
        return self._execute(ops.rule_create(name, target_type, fields))

    def update_rule(self, rule_id: str, **changes: Unpack[RuleChanges]) -> ExceptionRule:
        """secmon extension: change the given fields of a live rule."""
        return self._execute(ops.rule_update(rule_id, changes))

    def rule_history(self, rule_id: str) -> list[RuleChange]:
        """secmon extension: every change to a rule, oldest first."""
        return self._execute(ops.rule_history(rule_id))

    # -- deleted rules

    def list_deleted_rules(self, *, page_index: int = 0, page_size: int = 20) -> Page[ExceptionRule]:
        """GetDeletedExceptionRule: one page of deleted rules, last deleted first."""
        return self._execute(ops.rules_list(True, page_index, page_size))

    def search_deleted_rules(
        self, *, page_index: int = 0, page_size: int = 20, **filters: Unpack[RuleFilters]
    ) -> Page[ExceptionRule]:
        """SearchDeletedExceptionRule: one page of deleted rules matching every filter."""
        return self._execute(ops.rules_search(True, page_index, page_size, filters))

    def iter_deleted_rules(
        self, *, page_size: int = 100, **filters: Unpack[RuleFilters]
    ) -> Iterator[ExceptionRule]:
        """Every deleted rule (matching the filters, if any), walking the pages."""
        return self._walk(ops.rules_pager(True, page_size, filters))

    def recover_rule(self, rule_id: str) -> ExceptionRule | None:
        """RecoverDeletedExceptionRule. secmon returns the rule; the cloud returns None."""
        return self._execute(ops.rule_recover(rule_id))

    def set_deleted_rule_memo(self, rule_id: str, content: str | None) -> ExceptionRule | None:
        """UpdateDeletedExceptionRuleMemo. secmon returns the rule; the cloud returns None."""
        return self._execute(ops.rule_memo(rule_id, content, deleted=True))

    def restore_rule(self, rule_id: str) -> ExceptionRule:
        """secmon extension: bring a deleted rule back (what recover_rule does, with the rule)."""
        return self._execute(ops.rule_restore(rule_id))

    # -- detection targets

    def list_servers(self, *, page_index: int = 0, page_size: int = 20) -> Page[DetectionTarget]:
        """GetDetectionTarget: one page of servers."""
        return self._execute(ops.servers_list(page_index, page_size))

    def search_servers(
        self, *, page_index: int = 0, page_size: int = 20, **filters: Unpack[ServerFilters]
    ) -> Page[DetectionTarget]:
        """SearchDetectionTarget: one page of servers matching every filter."""
        return self._execute(ops.servers_search(page_index, page_size, filters))

    def iter_servers(
        self, *, page_size: int = 100, **filters: Unpack[ServerFilters]
    ) -> Iterator[DetectionTarget]:
        """Every server (matching the filters, if any), walking the pages."""
        return self._walk(ops.servers_pager(page_size, filters))

    def set_server_memo(self, instance_no: str, content: str | None) -> None:
        """UpdateDetectionTargetMemo."""
        return self._execute(ops.server_memo(instance_no, content))

    def activate_agent(self, instance_no: str) -> None:
        """ActivateAgent."""
        return self._execute(ops.server_agent(instance_no, True))

    def deactivate_agent(self, instance_no: str) -> None:
        """DeactivateAgent."""
        return self._execute(ops.server_agent(instance_no, False))

    def add_server(
        self,
        instance_no: str,
        server_name: str,
        *,
        host_name: str | None = None,
        ip_address: str | None = None,
        server_group_name: str | None = None,
    ) -> DetectionTarget:
        """secmon extension: register (or update) a detection target; a new group is created."""
        return self._execute(
            ops.server_add(instance_no, server_name, host_name, ip_address, server_group_name)
        )

    def delete_server_group(self, group_id: str) -> None:
        """secmon extension: delete a server group; rules targeting it get groupIsDeleted."""
        return self._execute(ops.server_group_delete(group_id))
