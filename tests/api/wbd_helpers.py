"""Helpers for the WBD API tests: paths, wire constants, and rules/servers in and out.

Rules and servers are made through the API wherever the test does not need exact
control of a time; `stored_rule` builds a rule straight through the store when it
does (created/deleted times in the past, ties, boundaries).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from secmon.domain.wbd import (
    Actor,
    Condition,
    ExceptionRule,
    FieldCondition,
    RuleChange,
    RuleConditions,
    RuleTarget,
    TargetType,
)
from secmon.store import Store
from tests.conftest import SignedApi, Tenant

RULES = "/api/v1/exception-rules"
DELETED = "/api/v1/deleted-exception-rules"
SERVERS = "/api/v1/servers"
NEW_RULE = "/secmon/v1/wbd/exception-rules"
NEW_SERVER = "/secmon/v1/wbd/servers"
GROUPS = "/secmon/v1/wbd/server-groups"


def restore_path(rule_id: str) -> str:
    return f"/secmon/v1/wbd/deleted-exception-rules/{rule_id}/restore"


def recover_path(rule_id: str) -> str:
    return f"{DELETED}/{rule_id}/recover"


def history_path(rule_id: str) -> str:
    return f"{NEW_RULE}/{rule_id}/history"


#: The six match fields, by their wire names, in the seed's order.
MATCH_WIRE = [
    "processName",
    "processArg",
    "executor",
    "processNameOfParent",
    "processArgOfParent",
    "executorOfParent",
]

#: The keys of an exception-rule item, in the seed's order.
RULE_KEYS = [
    "disabled",
    "actionName",
    "permission",
    "exceptedRuleId",
    "exceptedRuleName",
    "exceptTargetType",
    "exceptTarget",
    "exceptTargetName",
    *[key for wire in MATCH_WIRE for key in (wire, f"{wire}Condition")],
    "createdTime",
    "deletedTime",
    "isDeleted",
    "memo",
    "memberNo",
    "groupIsDeleted",
]

PAGED_KEYS = ["content", "totalCount", "pageSize", "pageIndex", "totalPages"]
ENVELOPE_KEYS = ["success", "code", "message", "result"]

SUCCESS_NULL = {"success": True, "code": 0, "message": "success", "result": None}
NO_PLATFORM = {"success": False, "code": 400, "message": "Platform must be not null.", "result": None}

#: The action every rule reports to a sub-account as `actionName`.
CHANGE_ACTION = "Change/updateExceptionRule"

APIGW = "APIGW"
ORIGIN_HEADER = "x-ncp-apigw-response-origin"

#: 2024-07-23T12:11:41.560Z, the seed's createdTime.
T0 = 1721736701560
SECOND = 1000


def failure(code: int, message: str) -> dict[str, Any]:
    return {"success": False, "code": code, "message": message, "result": None}


def ok(envelope: dict[str, Any]) -> Any:
    """The `result` of a successful envelope (fails the test with the envelope otherwise)."""
    assert list(envelope) == ENVELOPE_KEYS, envelope
    assert envelope["success"] is True, envelope
    assert envelope["code"] == 0, envelope
    assert envelope["message"] == "success", envelope
    return envelope["result"]


def denied(response: Any, action: str) -> None:
    """A gateway 401 / errorCode 210 body for `action` (e.g. ``Change/deleteExceptionRule``)."""
    assert response.status_code == 401, response.text
    assert response.headers[ORIGIN_HEADER] == APIGW
    assert response.json() == {
        "error": {"errorCode": "210", "message": "Permission Denied", "details": f"Not allowed: {action}"}
    }


def add_server(
    api: SignedApi,
    tenant: Tenant,
    instance_no: str,
    name: str,
    group: str | None = None,
    ip: str | None = None,
    host: str | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {"instanceNo": instance_no, "serverName": name}
    if group is not None:
        body["serverGroupName"] = group
    if ip is not None:
        body["ipAddress"] = ip
    if host is not None:
        body["hostName"] = host
    item: dict[str, Any] = ok(api.wbd("POST", tenant, NEW_SERVER, body))
    return item


def rule_body(
    name: str, target_type: str = "everyServer", target: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A create body; `fields` are wire-named (processName="sh", processNameCondition="START")."""
    body: dict[str, Any] = {"exceptedRuleName": name, "exceptTargetType": target_type}
    if target is not None:
        body["exceptTarget"] = target
    if not any(key in fields for key in MATCH_WIRE):
        fields["processName"] = "/bin/sh"
    body.update(fields)
    return body


def create_rule(
    api: SignedApi,
    tenant: Tenant,
    name: str,
    target_type: str = "everyServer",
    target: str | None = None,
    **fields: Any,
) -> dict[str, Any]:
    item: dict[str, Any] = ok(
        api.wbd("POST", tenant, NEW_RULE, rule_body(name, target_type, target, **fields))
    )
    return item


def delete_rule(api: SignedApi, tenant: Tenant, rule_id: str) -> None:
    assert api.wbd("DELETE", tenant, f"{RULES}/{rule_id}") == SUCCESS_NULL


def page(
    api: SignedApi, tenant: Tenant, path: str, body: dict[str, Any] | None = None, **query: Any
) -> dict[str, Any]:
    """A list (GET, paging in the query string) or, with `body`, a search (POST)."""
    if body is None:
        qs = "&".join(f"{k}={v}" for k, v in query.items())
        result: dict[str, Any] = ok(api.wbd("GET", tenant, f"{path}?{qs}" if qs else path))
    else:
        result = ok(api.wbd("POST", tenant, path, body))
    assert list(result) == PAGED_KEYS, result
    return result


def rule_names(result: dict[str, Any]) -> list[str]:
    return [item["exceptedRuleName"] for item in result["content"]]


def search_names(api: SignedApi, tenant: Tenant, body: dict[str, Any], deleted: bool = False) -> list[str]:
    """Names of every rule a search returns (one page of up to 1000), in response order."""
    result = page(api, tenant, DELETED if deleted else RULES, {"pageSize": 1000, **body})
    assert result["totalCount"] == len(result["content"])
    return rule_names(result)


def by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["exceptedRuleName"]: item for item in result["content"]}


def stored_rule(
    store: Store,
    tenant: Tenant,
    name: str,
    created: int,
    deleted: int | None = None,
    target: RuleTarget | None = None,
    target_name: str | None = None,
    **conditions: FieldCondition,
) -> ExceptionRule:
    """A rule written straight to the store with exact times (and deleted at `deleted`)."""
    draft = ExceptionRule(
        rule_id="",
        member_no=tenant.member_no,
        name=name,
        target=target or RuleTarget(TargetType.EVERY_SERVER, None),
        target_name=target_name,
        conditions=RuleConditions(**(conditions or {"process_name": FieldCondition("sh", Condition.EQUAL)})),
        memo=None,
        disabled=False,
        created_at=created,
        updated_at=created,
    )
    actor = Actor(tenant.name, tenant.access_key)
    rule = store.create_exception_rule(draft, RuleChange("", created, actor, "create", None, None))
    if deleted is not None:
        rule = store.change_exception_rule(
            replace(rule, deleted_at=deleted, updated_at=deleted),
            RuleChange(rule.rule_id, deleted, actor, "delete", rule, None),
        )
    return rule
