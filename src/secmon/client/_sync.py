"""The blocking clients. Each method builds a Call (`_operations`) and sends it; the
request and response logic lives in `_base.BaseClient`, shared with `_async`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self, TypeVar, Unpack

import httpx

from secmon.client import _operations as ops
from secmon.client._base import SM_ENDPOINT, WBD_ENDPOINT, BaseClient, ClientOptions
from secmon.client._models import (
    Detection,
    DetectionRule,
    DetectionTarget,
    ExceptedDetection,
    ExceptionRule,
    IpsEvent,
    IpsPage,
    NotificationSetting,
    Page,
    ProcessReport,
    RuleChange,
    RulePreview,
    Webhook,
)
from secmon.client._operations import Call, Pager
from secmon.client._params import (
    DetectionFilters,
    IpsFilters,
    NotificationInterval,
    Platform,
    ProcessEvent,
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
    """Webshell Behavior Detector: detections, excepted detections, exception rules, deleted
    rules, detection targets, the notification interval, and secmon's extensions
    (process-event push, except, rule preview, detection rules, create/update/restore
    rules, history, server registration, webhook targets).

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

    # -- detections

    def list_detections(self, *, page_index: int = 0, page_size: int = 20) -> Page[Detection]:
        """GetWebshell: one page (0-based) of detections, newest first."""
        return self._execute(ops.detections_list(Detection, page_index, page_size))

    def search_detections(
        self, *, page_index: int = 0, page_size: int = 20, **filters: Unpack[DetectionFilters]
    ) -> Page[Detection]:
        """SearchWebshell: one page of detections matching every filter."""
        return self._execute(ops.detections_search(Detection, page_index, page_size, filters))

    def iter_detections(
        self, *, page_size: int = 100, **filters: Unpack[DetectionFilters]
    ) -> Iterator[Detection]:
        """Every detection (matching the filters, if any), walking the pages."""
        return self._walk(ops.detections_pager(Detection, page_size, filters))

    def set_detection_memo(self, detection_id: str, content: str | None) -> None:
        """UpdateWebshellMemo (a memo marks the detection confirmed)."""
        return self._execute(ops.detection_memo(Detection, detection_id, content))

    def delete_detection(self, detection_id: str) -> None:
        """DeleteWebshell."""
        return self._execute(ops.detection_delete(detection_id))

    def except_detection(self, detection_id: str, *, create_rule: bool = False) -> ExceptedDetection:
        """secmon extension: move a detection to the excepted list; with create_rule, also
        create an exception rule from it (scoped to its server) for what comes next."""
        return self._execute(ops.detection_except(detection_id, create_rule))

    # -- excepted detections

    def list_exceptions(self, *, page_index: int = 0, page_size: int = 20) -> Page[ExceptedDetection]:
        """GetExceptedWebshell: one page of excepted detections, newest first."""
        return self._execute(ops.detections_list(ExceptedDetection, page_index, page_size))

    def search_exceptions(
        self, *, page_index: int = 0, page_size: int = 20, **filters: Unpack[DetectionFilters]
    ) -> Page[ExceptedDetection]:
        """SearchExceptedWebshell: one page of excepted detections matching every filter."""
        return self._execute(ops.detections_search(ExceptedDetection, page_index, page_size, filters))

    def iter_exceptions(
        self, *, page_size: int = 100, **filters: Unpack[DetectionFilters]
    ) -> Iterator[ExceptedDetection]:
        """Every excepted detection (matching the filters, if any), walking the pages."""
        return self._walk(ops.detections_pager(ExceptedDetection, page_size, filters))

    def set_exception_memo(self, exception_id: str, content: str | None) -> None:
        """UpdateExceptedWebshellMemo. The exception id or the detection id both name it."""
        return self._execute(ops.detection_memo(ExceptedDetection, exception_id, content))

    def cancel_exception(self, exception_id: str) -> None:
        """RevokeExceptedWebshell: back to the detections list (the exception id or the
        detection id)."""
        return self._execute(ops.exception_cancel(exception_id))

    # -- process events, rule preview, detection rules (secmon extensions)

    def push_events(self, events: Iterable[ProcessEvent | Mapping[str, Any]]) -> ProcessReport:
        """Run process events (secmon's native format) through detection, in one request
        (the server takes up to 1 MiB a request: send large loads in batches). Never
        retried: a repeat would count the events twice."""
        return self._execute(ops.events_push(events))

    def preview_rule(
        self, name: str, target_type: TargetType | str, *, days: int = 7, **fields: Unpack[RuleFields]
    ) -> RulePreview:
        """How many detections of the last `days` days a rule with these fields would have
        excepted, with a sample; nothing is saved. Takes create_rule's arguments."""
        return self._execute(ops.rule_preview(name, target_type, days, fields))

    def list_detection_rules(self) -> list[DetectionRule]:
        """The built-in detection rules, each with whether it is on for the account."""
        return self._execute(ops.detection_rules())

    def set_detection_rule(self, rule_id: str, *, enabled: bool) -> DetectionRule:
        """Switch a built-in detection rule on or off for the account (applies to events
        received from then on)."""
        return self._execute(ops.detection_rule_set(rule_id, enabled))

    # -- notifications

    def get_notification_interval(self) -> NotificationSetting:
        """GetNotificationInterval: how often the account hears about new detections
        (`interval_ms`; `interval` names it)."""
        return self._execute(ops.notification_interval())

    def set_notification_interval(self, interval: NotificationInterval | str) -> None:
        """UpdateNotificationInterval: at most one notification per `interval` (a name,
        one_min ... twenty_four_hour)."""
        return self._execute(ops.notification_interval_set(interval))

    def add_webhook(self, url: str) -> Webhook:
        """secmon extension: post the account's notifications to an http(s) URL too."""
        return self._execute(ops.webhook_add(url))

    def list_webhooks(self) -> list[Webhook]:
        """secmon extension: the account's webhook targets."""
        return self._execute(ops.webhooks())

    def delete_webhook(self, webhook_id: str) -> None:
        """secmon extension: stop posting to a webhook target."""
        return self._execute(ops.webhook_delete(webhook_id))
