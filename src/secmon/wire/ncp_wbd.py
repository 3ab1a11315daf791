"""Webshell Behavior Detector wire format: the envelope, paging, exception-rule items and
requests (see shared/seeds/webshell-behavior-detector-SearchDeletedExceptionRule.txt).

Cloud names (exceptedRuleId, processNameOfParentCondition...) live only here.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from secmon.domain.errors import InvalidInput
from secmon.domain.paging import Page
from secmon.domain.wbd import (
    MATCH_FIELDS,
    AgentStatus,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleChange,
    RuleConditions,
    Server,
    TargetType,
)
from secmon.domain.wbd_search import RuleQuery, ServerQuery
from secmon.wire.validation import first_problem, reject_bool

PLATFORM_HEADER = "X-NCP-USE_PLATFORM_TYPE"
PLATFORMS = ("VPC", "CLASSIC")
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
#: The cloud types pageIndex as Integer (Java's 32-bit int); larger is a bad request, not
#: a number the response could not even echo.
MAX_PAGE_INDEX = 2**31 - 1

#: domain field → the cloud's name (the condition is the name + "Condition").
FIELD_NAMES: dict[str, str] = {
    "process_name": "processName",
    "process_arg": "processArg",
    "executor": "executor",
    "process_name_of_parent": "processNameOfParent",
    "process_arg_of_parent": "processArgOfParent",
    "executor_of_parent": "executorOfParent",
}
assert tuple(FIELD_NAMES) == MATCH_FIELDS

WireInt = Annotated[int, BeforeValidator(reject_bool)]
OptionalWireInt = Annotated[int | None, BeforeValidator(reject_bool)]


# -- envelope


def ok(result: Any) -> dict[str, Any]:
    return {"success": True, "code": 0, "message": "success", "result": result}


class Envelope(dict[str, Any]):
    """A whole envelope a handler returns as is (the cloud varies `message` on a few calls)."""


def ok_with_message(message: str, result: Any = None) -> Envelope:
    return Envelope(success=True, code=0, message=message, result=result)


def failure(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message, "result": None}


def platform_problem(value: str | None) -> dict[str, Any] | None:
    """The envelope refusing a missing or unknown platform header, or None when fine."""
    if value is None or not value.strip():
        return failure(400, "Platform must be not null.")
    if value.strip().upper() not in PLATFORMS:
        return failure(400, f"{PLATFORM_HEADER}: must be VPC or CLASSIC, got {value!r}")
    return None


def paged(page: Page[Any], index: int, size: int, items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "content": items,
        "totalCount": page.total,
        "pageSize": size,
        "pageIndex": index,
        "totalPages": math.ceil(page.total / size) if size else 0,
    }


class _Paging(BaseModel):
    model_config = ConfigDict(extra="ignore")

    page_index: OptionalWireInt = Field(None, alias="pageIndex")
    page_size: OptionalWireInt = Field(None, alias="pageSize")


def paging(raw: dict[str, Any]) -> tuple[int, int]:
    """pageIndex (0-based, default 0) and pageSize (1-1000, default 20) from a body or query."""
    try:
        p = _Paging.model_validate(raw)
    except ValidationError as exc:
        raise first_problem(exc) from None
    index = 0 if p.page_index is None else p.page_index
    size = DEFAULT_PAGE_SIZE if p.page_size is None else p.page_size
    if index < 0:
        raise InvalidInput("pageIndex", "must be 0 or more")
    if index > MAX_PAGE_INDEX:
        raise InvalidInput("pageIndex", f"must be at most {MAX_PAGE_INDEX}")
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput("pageSize", f"must be between 1 and {MAX_PAGE_SIZE}")
    return index, size


def body_object(body: Any) -> dict[str, Any]:
    """A POST/PATCH body that must be a JSON object; an absent body is an empty one."""
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise InvalidInput("body", "must be a JSON object")
    return body


# -- exception rules


def rule_item(
    rule: ExceptionRule, disabled: bool, permission: str | None, action_name: str | None
) -> dict[str, Any]:
    """One rule, keys in the seed's order."""
    item: dict[str, Any] = {
        "disabled": disabled,
        "actionName": action_name,
        "permission": permission,
        "exceptedRuleId": rule.rule_id,
        "exceptedRuleName": rule.name,
        "exceptTargetType": rule.target.type.value,
        "exceptTarget": rule.target.ident,
        "exceptTargetName": rule.target_name,
    }
    for name, fc in rule.conditions.items():
        wire = FIELD_NAMES[name]
        item[wire] = fc.value
        item[f"{wire}Condition"] = fc.condition.value
    item.update(
        {
            "createdTime": rule.created_at,
            "deletedTime": rule.deleted_at,
            "isDeleted": rule.is_deleted,
            "memo": rule.memo,
            "memberNo": rule.member_no,
            "groupIsDeleted": rule.group_is_deleted,
        }
    )
    return item


def history_item(change: RuleChange) -> dict[str, Any]:
    def snapshot(rule: ExceptionRule | None) -> dict[str, Any] | None:
        if rule is None:
            return None
        item = rule_item(rule, rule.disabled, None, None)
        for key in ("actionName", "permission"):
            item.pop(key)
        return item

    return {
        "time": change.time,
        "actor": change.actor.name,
        "accessKey": change.actor.access_key,
        "action": change.action,
        "before": snapshot(change.before),
        "after": snapshot(change.after),
    }


class RuleSearchRequest(BaseModel):
    """Filters of POST /exception-rules and POST /deleted-exception-rules."""

    model_config = ConfigDict(extra="ignore")

    created_time_from: OptionalWireInt = Field(None, alias="createdTimeFrom")
    created_time_to: OptionalWireInt = Field(None, alias="createdTimeTo")
    deleted_time_from: OptionalWireInt = Field(None, alias="deletedTimeFrom")
    deleted_time_to: OptionalWireInt = Field(None, alias="deletedTimeTo")
    except_target: str | None = Field(None, alias="exceptTarget")
    excepted_rule_name: str | None = Field(None, alias="exceptedRuleName")
    process_name: str | None = Field(None, alias="processName")
    process_arg: str | None = Field(None, alias="processArg")
    executor: str | None = Field(None, alias="executor")
    process_name_of_parent: str | None = Field(None, alias="processNameOfParent")
    process_arg_of_parent: str | None = Field(None, alias="processArgOfParent")
    executor_of_parent: str | None = Field(None, alias="executorOfParent")
    page_index: OptionalWireInt = Field(None, alias="pageIndex")
    page_size: OptionalWireInt = Field(None, alias="pageSize")


def _blank(value: str | None) -> str | None:
    return value if value is not None and value.strip() else None


def _bound(value: int | None, name: str) -> int | None:
    """Time bounds are epoch ms; 0 (as consoles send for "no bound") means unbounded."""
    if value is None or value == 0:
        return None
    if value < 0:
        raise InvalidInput(name, "must not be negative")
    return value


def parse_rule_search(raw: Any) -> RuleQuery:
    body = body_object(raw)
    try:
        req = RuleSearchRequest.model_validate(body)
    except ValidationError as exc:
        raise first_problem(exc) from None
    for low, high, low_name in (
        (req.created_time_from, req.created_time_to, "createdTimeFrom"),
        (req.deleted_time_from, req.deleted_time_to, "deletedTimeFrom"),
    ):
        if low and high and low > high:
            raise InvalidInput(low_name, f"must not be after {low_name[:-4]}To")
    contains = {name: value for name in MATCH_FIELDS if (value := _blank(getattr(req, name))) is not None}
    return RuleQuery(
        created_from=_bound(req.created_time_from, "createdTimeFrom"),
        created_to=_bound(req.created_time_to, "createdTimeTo"),
        deleted_from=_bound(req.deleted_time_from, "deletedTimeFrom"),
        deleted_to=_bound(req.deleted_time_to, "deletedTimeTo"),
        except_target=_blank(req.except_target),
        name_contains=_blank(req.excepted_rule_name),
        field_contains=contains,
    )


def _condition(raw: dict[str, Any], wire: str) -> Condition | None:
    key = f"{wire}Condition"
    if key not in raw or raw[key] is None:
        return None
    value = raw[key]
    if not isinstance(value, str) or value.upper() not in Condition.__members__:
        allowed = " | ".join(c.value for c in Condition)
        raise InvalidInput(key, f"must be one of {allowed}, got {value!r}")
    return Condition(value.upper())


def _value(raw: dict[str, Any], wire: str) -> str | None:
    value = raw.get(wire)
    if value is not None and not isinstance(value, str):
        raise InvalidInput(wire, f"must be a string, got {value!r}")
    return value


def _string(raw: dict[str, Any], key: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str | int):
        raise InvalidInput(key, f"must be a string, got {value!r}")
    return None if value is None else str(value)


def _bool(raw: dict[str, Any], key: str) -> bool | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidInput(key, f"must be true or false, got {value!r}")
    return value


def _target_type(raw: dict[str, Any]) -> TargetType | None:
    value = raw.get("exceptTargetType")
    if value is None:
        return None
    try:
        return TargetType(value)
    except ValueError:
        allowed = " | ".join(t.value for t in TargetType)
        raise InvalidInput("exceptTargetType", f"must be one of {allowed}, got {value!r}") from None


def parse_rule_fields(raw: Any, creating: bool) -> dict[str, Any]:
    """Create/edit bodies (the rule item's own field names) → keyword arguments in domain
    terms. A value given without a condition means EQUAL; absent keys are left out."""
    body = body_object(raw)
    out: dict[str, Any] = {}
    if "exceptedRuleName" in body or creating:
        name = body.get("exceptedRuleName")
        if not isinstance(name, str):
            raise InvalidInput("exceptedRuleName", "is required" if name is None else "must be a string")
        out["name"] = name
    target_type = _target_type(body)
    if target_type is None and creating:
        raise InvalidInput("exceptTargetType", "is required (server | serverGroup | everyServer)")
    if target_type is not None:
        out["target_type"] = target_type
    if "exceptTarget" in body:
        out["target"] = _string(body, "exceptTarget")
    values: dict[str, str | None] = {}
    kinds: dict[str, Condition] = {}
    for name, wire in FIELD_NAMES.items():
        condition = _condition(body, wire)
        if wire in body:
            values[name] = _value(body, wire)
            if condition is None and values[name] is not None and creating:
                condition = Condition.EQUAL
        if condition is not None:
            kinds[name] = condition
    out["values"] = values
    out["kinds"] = kinds
    if "memo" in body:
        memo = body["memo"]
        if memo is not None and not isinstance(memo, str):
            raise InvalidInput("memo", "must be a string or null")
        out["memo"] = memo
    disabled = _bool(body, "disabled")
    if disabled is not None:
        out["disabled"] = disabled
    return out


def conditions_from(values: dict[str, str | None], kinds: dict[str, Condition]) -> RuleConditions:
    return RuleConditions(
        **{
            name: FieldCondition(values.get(name), kinds.get(name, Condition.NOT_USE))
            for name in MATCH_FIELDS
        }
    )


def parse_memo(raw: Any) -> str | None:
    """A memo body: {"content": "..."} (null or "" clears the memo)."""
    body = body_object(raw)
    if "content" not in body:
        raise InvalidInput("content", "is required")
    content = body["content"]
    if content is not None and not isinstance(content, str):
        raise InvalidInput("content", "must be a string or null")
    return content or None


# -- detection targets (servers)


def server_item(server: Server) -> dict[str, Any]:
    """A detection target. Cloud fields secmon does not track are null (or empty)."""
    group = server.group if server.group and server.group.deleted_at is None else None
    return {
        "instanceNo": server.instance_no,
        "serverName": server.server_name,
        "hostName": server.host_name,
        "serverImageName": None,
        "serverStatus": None,
        "serverType": None,
        "serverEnvType": None,
        "ipAddress": server.ip_address,
        "agentStatus": server.agent_status.value,
        "serverGroupId": group.group_id if group else None,
        "serverGroupName": group.name if group else None,
        "platform": "VPC",
        "wasConfigList": [],
        "registeredTime": server.created_at,
        "memo": server.memo,
        "memberNo": server.member_no,
    }


class ServerSearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    server_name: str | None = Field(None, alias="serverName")
    server_group_name: str | None = Field(None, alias="serverGroupName")
    ip_address: str | None = Field(None, alias="ipAddress")
    memo: str | None = Field(None, alias="memo")
    agent_status: Any = Field(None, alias="agentStatus")


def parse_server_search(raw: Any) -> ServerQuery:
    body = body_object(raw)
    try:
        req = ServerSearchRequest.model_validate(body)
    except ValidationError as exc:
        raise first_problem(exc) from None
    raw_statuses = [] if req.agent_status is None else req.agent_status
    statuses = [raw_statuses] if isinstance(raw_statuses, str) else raw_statuses
    if not isinstance(statuses, list):
        raise InvalidInput("agentStatus", f"must be an array of strings, got {statuses!r}")
    parsed = set()
    for status in statuses:
        try:
            parsed.add(AgentStatus(status))
        except ValueError:
            allowed = " | ".join(s.value for s in AgentStatus)
            raise InvalidInput("agentStatus", f"must be among {allowed}, got {status!r}") from None
    return ServerQuery(
        server_name=_blank(req.server_name),
        server_group_name=_blank(req.server_group_name),
        ip_address=_blank(req.ip_address),
        memo=_blank(req.memo),
        agent_status=frozenset(parsed),
    )


def _instance_no(value: Any) -> Any:
    """Instance numbers are strings; a JSON number is taken as its digits (not true/false)."""
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class ServerRegistration(BaseModel):
    """Body of POST /secmon/v1/wbd/servers."""

    model_config = ConfigDict(extra="ignore")

    instance_no: Annotated[str, BeforeValidator(_instance_no)] = Field(alias="instanceNo")
    server_name: str = Field(alias="serverName")
    host_name: str | None = Field(None, alias="hostName")
    ip_address: str | None = Field(None, alias="ipAddress")
    server_group_name: str | None = Field(None, alias="serverGroupName")


def parse_server_registration(raw: Any) -> ServerRegistration:
    try:
        return ServerRegistration.model_validate(body_object(raw))
    except ValidationError as exc:
        raise first_problem(exc) from None
