"""Every operation as data: a `Call` says what to send and how to read the answer.

Functions here build Calls from typed arguments; the sync and async clients only
execute them (see `_base`). Python names become the cloud's names here, once.

Adding an operation is: a builder here, a result model in `_models`, and a one-line
method on each client class of its product (sync and async) that runs it, as
`notification_interval` and its methods do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, Literal, Protocol, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, TypeAdapter

from secmon.client._exceptions import ConfigurationError
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
from secmon.client._params import NotificationInterval, Platform, epoch_ms

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)
I_co = TypeVar("I_co", covariant=True)
I = TypeVar("I")  # noqa: E741
M = TypeVar("M", bound=BaseModel)
D = TypeVar("D", bound=Detection)
Product = Literal["sm", "wbd"]

SM_PREFIX: dict[Platform, str] = {
    Platform.VPC: "/vsecuritymonitoring/v1",
    Platform.CLASSIC: "/securitymonitoring/v1",
}
WBD = "/api/v1"
EXT = "/secmon/v1/wbd"


@dataclass(frozen=True, slots=True)
class Call(Generic[T_co]):
    """One request: method, path (unencoded IDs already quoted), query, JSON body; `parse`
    turns the product's payload (SM: the body; WBD: the envelope's `result`) into T.
    `read` marks idempotent reads, the only calls retried."""

    method: str
    path: str
    parse: Callable[[Any], T_co]
    product: Product = "wbd"
    query: tuple[tuple[str, str], ...] = ()
    body: Any = None
    read: bool = False


class Paged(Protocol[I_co]):
    """A page of either product: its items, and how many match in all."""

    @property
    def items(self) -> Sequence[I_co]: ...

    @property
    def total(self) -> int: ...


class Pager(Generic[I]):
    """Walks a paged operation: `build(n)` makes the call for page n, from `first` (SM
    pages are 1-based, WBD's 0-based), `size` items a page."""

    def __init__(self, build: Callable[[int], Call[Paged[I]]], first: int, size: int) -> None:
        self.build = build
        self.first = first
        self.size = size

    def is_last(self, number: int, page: Paged[I]) -> bool:
        """Whether page `number`, just read, ends the walk."""
        seen = (number - self.first + 1) * self.size
        return not page.items or len(page.items) < self.size or seen >= page.total


def _segment(ident: str) -> str:
    """A path segment: IDs are quoted whole, so '/' or '?' in one cannot change the path."""
    text = str(ident)
    if not text:
        raise ConfigurationError("an ID must not be empty", code="argument")
    return quote(text, safe="")


def _wire(
    values: Mapping[str, Any], names: Mapping[str, str], times: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """Keyword arguments → wire fields; None values are left out (they mean "no filter")."""
    unknown = set(values) - set(names)
    if unknown:
        raise TypeError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    for key, value in values.items():
        if value is None:
            continue
        out[names[key]] = epoch_ms(value) if key in times else value
    return out


def _model(model: type[M]) -> Callable[[Any], M]:
    return model.model_validate


def _optional(model: type[M]) -> Callable[[Any], M | None]:
    def parse(result: Any) -> M | None:
        return None if result is None else model.model_validate(result)

    return parse


def _page(model: type[M]) -> Callable[[Any], Page[M]]:
    return Page[model].model_validate  # type: ignore[valid-type]


def _nothing(result: Any) -> None:
    return None


def _list(model: type[M]) -> Callable[[Any], list[M]]:
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
    return adapter.validate_python


# -- Security Monitoring

IPS_FILTERS: dict[str, str] = {
    "order": "order",
    "region_code": "regionCode",
    "zone_name": "zoneName",
    "event_name": "eventNm",
    "attacker_ip": "attackIp",
    "target_ip": "targetIp",
    "attack_type": "attackType",
    "protocol": "protocol",
}


def ips_list(
    platform: Platform, start: int, end: int, page: int, count: int, filters: Mapping[str, Any]
) -> Call[IpsPage]:
    """getIPSList (POST, a read)."""
    body = {"startDateTime": start, "endDateTime": end, "page": page, "countPerPage": count}
    body.update(_wire(filters, IPS_FILTERS))
    return Call(
        "POST", f"{SM_PREFIX[platform]}/getIPSList", IpsPage.model_validate, "sm", body=body, read=True
    )


def ips_pager(
    platform: Platform, start: int, end: int, count: int, filters: Mapping[str, Any]
) -> Pager[IpsEvent]:
    return Pager(lambda n: ips_list(platform, start, end, n, count, filters), first=1, size=count)


# -- WBD exception rules

#: The six process fields a rule compares (and a search filters on).
_MATCH = {
    "process_name": "processName",
    "process_arg": "processArg",
    "executor": "executor",
    "process_name_of_parent": "processNameOfParent",
    "process_arg_of_parent": "processArgOfParent",
    "executor_of_parent": "executorOfParent",
}
RULE_FILTERS: dict[str, str] = {
    "created_from": "createdTimeFrom",
    "created_to": "createdTimeTo",
    "deleted_from": "deletedTimeFrom",
    "deleted_to": "deletedTimeTo",
    "target": "exceptTarget",
    "name": "exceptedRuleName",
    **_MATCH,
}
RULE_TIMES = frozenset({"created_from", "created_to", "deleted_from", "deleted_to"})

RULE_FIELDS: dict[str, str] = {
    "name": "exceptedRuleName",
    "target_type": "exceptTargetType",
    "target": "exceptTarget",
    **_MATCH,
    **{f"{name}_condition": f"{wire}Condition" for name, wire in _MATCH.items()},
    "memo": "memo",
    "disabled": "disabled",
}


def _rules_path(deleted: bool) -> str:
    return f"{WBD}/deleted-exception-rules" if deleted else f"{WBD}/exception-rules"


def rules_list(deleted: bool, index: int, size: int) -> Call[Page[ExceptionRule]]:
    """GetExceptionRule / GetDeletedExceptionRule (GET; paging in the signed query)."""
    query = (("pageIndex", str(index)), ("pageSize", str(size)))
    return Call("GET", _rules_path(deleted), _page(ExceptionRule), query=query, read=True)


def rules_search(
    deleted: bool, index: int, size: int, filters: Mapping[str, Any]
) -> Call[Page[ExceptionRule]]:
    """SearchExceptionRule / SearchDeletedExceptionRule (POST, a read)."""
    body = {**_wire(filters, RULE_FILTERS, RULE_TIMES), "pageIndex": index, "pageSize": size}
    return Call("POST", _rules_path(deleted), _page(ExceptionRule), body=body, read=True)


def rules_pager(deleted: bool, size: int, filters: Mapping[str, Any]) -> Pager[ExceptionRule]:
    if any(v is not None for v in filters.values()):
        return Pager(lambda n: rules_search(deleted, n, size, filters), first=0, size=size)
    return Pager(lambda n: rules_list(deleted, n, size), first=0, size=size)


def rule_memo(rule_id: str, content: str | None, deleted: bool = False) -> Call[ExceptionRule | None]:
    """UpdateExceptionRuleMemo / UpdateDeletedExceptionRuleMemo. secmon answers with the
    rule; the cloud with null."""
    path = f"{_rules_path(deleted)}/{_segment(rule_id)}/memo"
    return Call("PATCH", path, _optional(ExceptionRule), body={"content": content})


def rule_delete(rule_id: str) -> Call[None]:
    """DeleteExceptionRule (soft: the rule moves to the deleted list)."""
    return Call("DELETE", f"{WBD}/exception-rules/{_segment(rule_id)}", _nothing)


def rule_recover(rule_id: str) -> Call[ExceptionRule | None]:
    """RecoverDeletedExceptionRule (the cloud's POST .../recover; secmon answers with the rule)."""
    return Call(
        "POST", f"{WBD}/deleted-exception-rules/{_segment(rule_id)}/recover", _optional(ExceptionRule)
    )


def rule_create(name: str, target_type: str, fields: Mapping[str, Any]) -> Call[ExceptionRule]:
    """secmon extension: create a rule."""
    body = {"exceptedRuleName": name, "exceptTargetType": str(target_type)}
    body.update(_fields(fields))
    return Call("POST", f"{EXT}/exception-rules", _model(ExceptionRule), body=body)


def rule_update(rule_id: str, changes: Mapping[str, Any]) -> Call[ExceptionRule]:
    """secmon extension: change any of a rule's fields (absent ones stay as they are)."""
    return Call(
        "PATCH", f"{EXT}/exception-rules/{_segment(rule_id)}", _model(ExceptionRule), body=_fields(changes)
    )


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Create/update bodies keep explicit None (e.g. memo=None clears the memo)."""
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"unexpected argument(s): {', '.join(sorted(unknown))}")
    return {
        RULE_FIELDS[k]: (str(v) if k.endswith("_condition") or k == "target_type" else v)
        for k, v in values.items()
    }


def rule_restore(rule_id: str) -> Call[ExceptionRule]:
    """secmon extension: bring a deleted rule back."""
    path = f"{EXT}/deleted-exception-rules/{_segment(rule_id)}/restore"
    return Call("POST", path, _model(ExceptionRule))


def rule_history(rule_id: str) -> Call[list[RuleChange]]:
    """secmon extension: a rule's audit trail, oldest first."""

    def parse(result: Any) -> list[RuleChange]:
        return [RuleChange.model_validate(item) for item in result or []]

    return Call("GET", f"{EXT}/exception-rules/{_segment(rule_id)}/history", parse, read=True)


# -- WBD detection targets

SERVER_FILTERS: dict[str, str] = {
    "server_name": "serverName",
    "server_group_name": "serverGroupName",
    "server_image_name": "serverImageName",
    "ip_address": "ipAddress",
    "memo": "memo",
    "web_root_path": "webRootPath",
    "file_upload_path": "fileUploadPath",
    "agent_status": "agentStatus",
}


def servers_list(index: int, size: int) -> Call[Page[DetectionTarget]]:
    """GetDetectionTarget (GET)."""
    query = (("pageIndex", str(index)), ("pageSize", str(size)))
    return Call("GET", f"{WBD}/servers", _page(DetectionTarget), query=query, read=True)


def servers_search(index: int, size: int, filters: Mapping[str, Any]) -> Call[Page[DetectionTarget]]:
    """SearchDetectionTarget (POST, a read); agent_status is a list of statuses."""
    body = _wire(filters, SERVER_FILTERS)
    if "agentStatus" in body:
        status = body["agentStatus"]
        body["agentStatus"] = [str(status)] if isinstance(status, str) else [str(s) for s in status]
    body.update({"pageIndex": index, "pageSize": size})
    return Call("POST", f"{WBD}/servers", _page(DetectionTarget), body=body, read=True)


def servers_pager(size: int, filters: Mapping[str, Any]) -> Pager[DetectionTarget]:
    if any(v is not None for v in filters.values()):
        return Pager(lambda n: servers_search(n, size, filters), first=0, size=size)
    return Pager(lambda n: servers_list(n, size), first=0, size=size)


def server_memo(instance_no: str, content: str | None) -> Call[None]:
    """UpdateDetectionTargetMemo (the cloud nests a whole envelope in `result`: `_base` checks it)."""
    return Call("PATCH", f"{WBD}/servers/{_segment(instance_no)}/memo", _nothing, body={"content": content})


def server_agent(instance_no: str, active: bool) -> Call[None]:
    """ActivateAgent / DeactivateAgent."""
    verb = "activate" if active else "deactivate"
    return Call("PATCH", f"{WBD}/servers/{_segment(instance_no)}/agent/{verb}", _nothing)


def server_add(
    instance_no: str,
    server_name: str,
    host_name: str | None,
    ip_address: str | None,
    server_group_name: str | None,
) -> Call[DetectionTarget]:
    """secmon extension: register (or update) a detection target."""
    body = {
        "instanceNo": instance_no,
        "serverName": server_name,
        "hostName": host_name,
        "ipAddress": ip_address,
        "serverGroupName": server_group_name,
    }
    return Call("POST", f"{EXT}/servers", _model(DetectionTarget), body=body)


def server_group_delete(group_id: str) -> Call[None]:
    """secmon extension: delete a server group (its servers leave it)."""
    return Call("DELETE", f"{EXT}/server-groups/{_segment(group_id)}", _nothing)


# -- WBD detections and excepted detections

DETECTION_FILTERS: dict[str, str] = {
    "action_status": "actionStatus",
    "detect_from": "detectTimeFrom",
    "detect_to": "detectTimeTo",
    "host_name": "hostName",
    "memo": "memo",
    "private_ip_of_server": "privateIPofServer",
    "server_name": "serverName",
    "suspicious_ip": "suspiciousIP",
    **_MATCH,
}
DETECTION_TIMES = frozenset({"detect_from", "detect_to"})


#: Where each kind lives: detections, and excepted detections ("exceptions").
_DETECTION_PATHS: dict[type[Detection], str] = {
    Detection: f"{WBD}/detections",
    ExceptedDetection: f"{WBD}/exceptions",
}


def detections_list(model: type[D], index: int, size: int) -> Call[Page[D]]:
    """GetWebshell (model Detection) / GetExceptedWebshell (model ExceptedDetection): GET,
    paging in the signed query; newest first."""
    query = (("pageIndex", str(index)), ("pageSize", str(size)))
    return Call("GET", _DETECTION_PATHS[model], _page(model), query=query, read=True)


def detections_search(model: type[D], index: int, size: int, filters: Mapping[str, Any]) -> Call[Page[D]]:
    """SearchWebshell / SearchExceptedWebshell (POST, a read)."""
    body = _wire(filters, DETECTION_FILTERS, DETECTION_TIMES)
    if "actionStatus" in body:
        body["actionStatus"] = str(body["actionStatus"])
    body.update({"pageIndex": index, "pageSize": size})
    return Call("POST", _DETECTION_PATHS[model], _page(model), body=body, read=True)


def detections_pager(model: type[D], size: int, filters: Mapping[str, Any]) -> Pager[D]:
    if any(v is not None for v in filters.values()):
        return Pager(lambda n: detections_search(model, n, size, filters), first=0, size=size)
    return Pager(lambda n: detections_list(model, n, size), first=0, size=size)


def detection_memo(model: type[Detection], ident: str, content: str | None) -> Call[None]:
    """UpdateWebshellMemo / UpdateExceptedWebshellMemo (a memo marks it confirmed)."""
    path = f"{_DETECTION_PATHS[model]}/{_segment(ident)}/memo"
    return Call("PATCH", path, _nothing, body={"content": content})


def detection_delete(detection_id: str) -> Call[None]:
    """DeleteWebshell."""
    return Call("DELETE", f"{WBD}/detections/{_segment(detection_id)}", _nothing)


def exception_cancel(exception_id: str) -> Call[None]:
    """RevokeExceptedWebshell: the excepted detection goes back to the detections list."""
    return Call("PATCH", f"{WBD}/exceptions/{_segment(exception_id)}/cancel", _nothing)


def detection_except(detection_id: str, create_rule: bool) -> Call[ExceptedDetection]:
    """secmon extension: move a detection to the excepted list (and make a rule from it)."""
    path = f"{EXT}/detections/{_segment(detection_id)}/except"
    return Call("POST", path, _model(ExceptedDetection), body={"createRule": create_rule})


def _event(record: Mapping[str, Any]) -> dict[str, Any]:
    event = dict(record)
    if isinstance(event.get("time"), datetime):
        event["time"] = epoch_ms(event["time"])
    return event


def events_push(events: Iterable[Mapping[str, Any]]) -> Call[ProcessReport]:
    """secmon extension: process events (native format) in one JSON array. Not a read:
    a retried push would count its events twice."""
    body = [_event(e) for e in events]
    return Call("POST", f"{EXT}/process-events", _model(ProcessReport), body=body)


def rule_preview(name: str, target_type: str, days: int, fields: Mapping[str, Any]) -> Call[RulePreview]:
    """secmon extension: what a candidate rule would have excepted in the last `days` days
    (POST, but a read: nothing is saved)."""
    body: dict[str, Any] = {"exceptedRuleName": name, "exceptTargetType": str(target_type)}
    body.update(_fields(fields))
    body["days"] = days
    return Call("POST", f"{EXT}/exception-rules/preview", _model(RulePreview), body=body, read=True)


def detection_rules() -> Call[list[DetectionRule]]:
    """secmon extension: the built-in detection rules and whether each is on."""
    return Call("GET", f"{EXT}/detection-rules", _list(DetectionRule), read=True)


def detection_rule_set(rule_id: str, enabled: bool) -> Call[DetectionRule]:
    """secmon extension: switch a detection rule on or off for the account."""
    path = f"{EXT}/detection-rules/{_segment(rule_id)}"
    return Call("PATCH", path, _model(DetectionRule), body={"enabled": enabled})


# -- WBD notifications


def notification_interval() -> Call[NotificationSetting]:
    """GetNotificationInterval: the setting, its interval in milliseconds."""
    return Call("GET", f"{WBD}/alarm/interval", _model(NotificationSetting), read=True)


def notification_interval_set(interval: NotificationInterval | str) -> Call[None]:
    """UpdateNotificationInterval: takes the interval's name (one_min ... twenty_four_hour)."""
    return Call("PATCH", f"{WBD}/alarm/interval", _nothing, body={"interval": str(interval)})


def webhook_add(url: str) -> Call[Webhook]:
    """secmon extension: post the account's notifications to this http(s) URL too."""
    return Call("POST", f"{EXT}/webhooks", _model(Webhook), body={"url": url})


def webhooks() -> Call[list[Webhook]]:
    """secmon extension: the account's webhook targets (a plain list, not a page)."""
    return Call("GET", f"{EXT}/webhooks", _list(Webhook), read=True)


def webhook_delete(webhook_id: str) -> Call[None]:
    """secmon extension: stop posting to a webhook target."""
    return Call("DELETE", f"{EXT}/webhooks/{_segment(webhook_id)}", _nothing)
