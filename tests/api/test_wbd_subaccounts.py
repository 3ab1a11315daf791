"""Sub-accounts and WBD exception rules (SPEC §3), over a real socket on both backends:
the permission fields each caller sees, and which changes each may make."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.wbd_helpers import (
    CHANGE_ACTION,
    DELETED,
    GROUPS,
    NEW_RULE,
    NEW_SERVER,
    RULES,
    SERVERS,
    SUCCESS_NULL,
    add_server,
    by_name,
    create_rule,
    delete_rule,
    denied,
    history_path,
    ok,
    page,
    recover_path,
    restore_path,
    rule_body,
)
from tests.conftest import SignedApi, Tenant, TenantFactory

#: Rules of the scenario (live) and where each lies: server 1001 and group "web",
#: server 2001 and group "db", server 3001 in no group, and every server.
LIVE = ["web-server", "web-group", "web-disabled", "db-server", "db-group", "lone-server", "every"]
DELETED_RULES = ["web-deleted", "db-deleted"]
IN_WEB = {"web-server", "web-group", "web-disabled", "web-deleted"}
IN_DB = {"db-server", "db-group", "db-deleted"}


@dataclass
class Scenario:
    owner: Tenant
    ids: dict[str, str]
    groups: dict[str, str]


def build(api: SignedApi, owner: Tenant) -> Scenario:
    groups = {
        "web": add_server(api, owner, "1001", "web-1", group="web")["serverGroupId"],
        "db": add_server(api, owner, "2001", "db-1", group="db")["serverGroupId"],
    }
    add_server(api, owner, "3001", "lone")
    targets: dict[str, tuple[str, str | None]] = {
        "web-server": ("server", "1001"),
        "web-group": ("serverGroup", groups["web"]),
        "web-disabled": ("server", "1001"),
        "db-server": ("server", "2001"),
        "db-group": ("serverGroup", groups["db"]),
        "lone-server": ("server", "3001"),
        "every": ("everyServer", None),
        "web-deleted": ("serverGroup", groups["web"]),
        "db-deleted": ("server", "2001"),
    }
    ids = {}
    for name, (target_type, target) in targets.items():
        rule = create_rule(api, owner, name, target_type, target, disabled=name == "web-disabled")
        ids[name] = rule["exceptedRuleId"]
    for name in DELETED_RULES:
        delete_rule(api, owner, ids[name])
    return Scenario(owner, ids, groups)


@pytest.fixture
def scenario(api: SignedApi, make_tenant: TenantFactory) -> Scenario:
    return build(api, make_tenant("acme"))


def everything(api: SignedApi, caller: Tenant) -> dict[str, dict[str, Any]]:
    """Every rule the caller sees, through all four reads (which must agree)."""
    seen: dict[str, dict[str, Any]] = {}
    for path in (RULES, DELETED):
        listed = page(api, caller, path, pageSize=100)
        searched = page(api, caller, path, {"pageSize": 100})
        assert listed == searched
        seen.update(by_name(listed))
    assert sorted(seen) == sorted(LIVE + DELETED_RULES)
    return seen


def permissions(api: SignedApi, caller: Tenant) -> dict[str, tuple[Any, Any, Any]]:
    """name → (permission, disabled, actionName)."""
    return {n: (r["permission"], r["disabled"], r["actionName"]) for n, r in everything(api, caller).items()}


def test_account_itself_sees_null_permission_fields(api: SignedApi, scenario: Scenario) -> None:
    seen = permissions(api, scenario.owner)
    assert seen == {name: (None, name == "web-disabled", None) for name in LIVE + DELETED_RULES}


def test_unlimited_manager_is_allowed_everything(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    ops = make_tenant("acme", sub="ops", policies=["WBDManager"])
    seen = permissions(api, ops)
    assert seen == {name: ("Allow", name == "web-disabled", CHANGE_ACTION) for name in LIVE + DELETED_RULES}
    # and may change any of them, including every-server rules
    assert api.wbd("PATCH", ops, f"{RULES}/{scenario.ids['every']}/memo", {"content": "ok"}) == SUCCESS_NULL
    delete_rule(api, ops, scenario.ids["lone-server"])
    assert ok(api.wbd("POST", ops, NEW_RULE, rule_body("new-every")))["permission"] == "Allow"


def test_group_limited_manager_is_allowed_only_inside_its_groups(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    web_ops = make_tenant("acme", sub="web-ops", policies=["WBDManager"], server_groups=["web"])
    seen = permissions(api, web_ops)
    expected = {}
    for name in LIVE + DELETED_RULES:
        allowed = name in IN_WEB
        # Deny shows as disabled; an allowed rule is disabled only when it is
        expected[name] = (
            "Allow" if allowed else "Deny",
            (not allowed) or name == "web-disabled",
            CHANGE_ACTION,
        )
    assert seen == expected

    both = make_tenant("acme", sub="web-db-ops", policies=["WBDManager"], server_groups=["web", "db"])
    assert {n: p for n, (p, _, _) in permissions(api, both).items()} == {
        name: "Allow" if name in IN_WEB | IN_DB else "Deny" for name in LIVE + DELETED_RULES
    }
    other = make_tenant("acme", sub="cache-ops", policies=["WBDManager"], server_groups=["cache"])
    assert {p for p, _, _ in permissions(api, other).values()} == {"Deny"}


def test_group_limited_manager_changes_allowed_rules(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    web_ops = make_tenant("acme", sub="web-ops", policies=["WBDManager"], server_groups=["web"])
    ids = scenario.ids
    assert (
        api.wbd("PATCH", web_ops, f"{RULES}/{ids['web-server']}/memo", {"content": "by web-ops"})
        == SUCCESS_NULL
    )
    edited = ok(
        api.wbd("PATCH", web_ops, f"{NEW_RULE}/{ids['web-group']}", {"exceptedRuleName": "web-group-2"})
    )
    assert (edited["permission"], edited["actionName"], edited["disabled"]) == ("Allow", CHANGE_ACTION, False)
    # moving a rule from one web target to another stays inside the groups
    moved = ok(
        api.wbd(
            "PATCH",
            web_ops,
            f"{NEW_RULE}/{ids['web-disabled']}",
            {"exceptTargetType": "serverGroup", "exceptTarget": scenario.groups["web"], "disabled": False},
        )
    )
    assert (moved["permission"], moved["disabled"]) == ("Allow", False)
    assert api.wbd("DELETE", web_ops, f"{RULES}/{ids['web-server']}") == SUCCESS_NULL
    restored = ok(api.wbd("POST", web_ops, restore_path(ids["web-server"])))
    assert restored["permission"] == "Allow"
    assert api.wbd("PATCH", web_ops, f"{DELETED}/{ids['web-deleted']}/memo", {"content": "x"}) == SUCCESS_NULL
    assert api.wbd("POST", web_ops, recover_path(ids["web-deleted"])) == SUCCESS_NULL
    for target_type, target in (("server", "1001"), ("serverGroup", scenario.groups["web"])):
        created = ok(api.wbd("POST", web_ops, NEW_RULE, rule_body(f"new-{target_type}", target_type, target)))
        assert (created["permission"], created["actionName"], created["disabled"]) == (
            "Allow",
            CHANGE_ACTION,
            False,
        )

    # the audit trail names the sub-account and its key
    history = ok(api.wbd("GET", scenario.owner, history_path(ids["web-server"])))
    assert [h["action"] for h in history] == ["create", "memo", "delete", "restore"]
    assert [h["actor"] for h in history] == ["acme", "acme/web-ops", "acme/web-ops", "acme/web-ops"]
    assert [h["accessKey"] for h in history] == [scenario.owner.access_key] + [web_ops.access_key] * 3
    # and the owner sees the results
    owner_view = by_name(page(api, scenario.owner, RULES, pageSize=100))
    assert owner_view["web-server"]["memo"] == "by web-ops"
    assert "web-group-2" in owner_view
    assert owner_view["web-deleted"]["isDeleted"] is False


def test_group_limited_manager_cannot_change_denied_rules(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    web_ops = make_tenant("acme", sub="web-ops", policies=["WBDManager"], server_groups=["web"])
    ids, groups = scenario.ids, scenario.groups
    before = everything(api, scenario.owner)

    def request(method: str, path: str, body: Any = None) -> Any:
        return api.request(method, web_ops, path, body, headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"})

    for name in ("db-server", "db-group", "lone-server", "every"):
        denied(
            request("PATCH", f"{RULES}/{ids[name]}/memo", {"content": "x"}), "Change/updateExceptionRuleMemo"
        )
        denied(request("PATCH", f"{NEW_RULE}/{ids[name]}", {"memo": "x"}), CHANGE_ACTION)
        denied(request("DELETE", f"{RULES}/{ids[name]}"), "Change/deleteExceptionRule")
    denied(request("POST", restore_path(ids["db-deleted"])), "Change/restoreExceptionRule")
    denied(request("POST", recover_path(ids["db-deleted"])), "Change/restoreExceptionRule")
    denied(
        request("PATCH", f"{DELETED}/{ids['db-deleted']}/memo", {"content": "x"}),
        "Change/updateExceptionRuleMemo",
    )
    # new rules outside the groups, or everywhere
    for target_type, target in (("server", "2001"), ("server", "3001"), ("serverGroup", groups["db"])):
        denied(request("POST", NEW_RULE, rule_body("new", target_type, target)), "Change/createExceptionRule")
    denied(request("POST", NEW_RULE, rule_body("new-every")), "Change/createExceptionRule")
    # an allowed rule may not be moved out of the groups
    for move in (
        {"exceptTargetType": "server", "exceptTarget": "2001"},
        {"exceptTargetType": "serverGroup", "exceptTarget": groups["db"]},
        {"exceptTargetType": "everyServer"},
    ):
        denied(request("PATCH", f"{NEW_RULE}/{ids['web-server']}", move), CHANGE_ACTION)

    # nothing changed
    assert everything(api, scenario.owner) == before


def test_viewer_sees_deny_everywhere_and_changes_nothing(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    viewer = make_tenant("acme", sub="auditor", policies=["WBDViewer"])
    seen = permissions(api, viewer)
    assert seen == {name: ("Deny", True, CHANGE_ACTION) for name in LIVE + DELETED_RULES}
    # other reads work too
    assert [h["action"] for h in ok(api.wbd("GET", viewer, history_path(scenario.ids["web-deleted"])))] == [
        "create",
        "delete",
    ]
    assert page(api, viewer, SERVERS)["totalCount"] == 3
    assert page(api, viewer, SERVERS, {"serverName": "web"})["totalCount"] == 1

    before = everything(api, scenario.owner)
    servers_before = page(api, scenario.owner, SERVERS)
    ids = scenario.ids
    live, gone = ids["web-server"], ids["web-deleted"]
    changes: list[tuple[str, str, Any, str]] = [
        ("PATCH", f"{RULES}/{live}/memo", {"content": "x"}, "Change/updateExceptionRuleMemo"),
        ("DELETE", f"{RULES}/{live}", None, "Change/deleteExceptionRule"),
        ("POST", NEW_RULE, rule_body("new", "server", "1001"), "Change/createExceptionRule"),
        ("PATCH", f"{NEW_RULE}/{live}", {"memo": "x"}, CHANGE_ACTION),
        ("POST", restore_path(gone), None, "Change/restoreExceptionRule"),
        ("POST", recover_path(gone), None, "Change/restoreExceptionRule"),
        ("PATCH", f"{DELETED}/{gone}/memo", {"content": "x"}, "Change/updateExceptionRuleMemo"),
        ("POST", NEW_SERVER, {"instanceNo": "4001", "serverName": "new"}, "Change/createDetectionTarget"),
        ("DELETE", f"{GROUPS}/{scenario.groups['web']}", None, "Change/deleteServerGroup"),
        ("PATCH", f"{SERVERS}/1001/memo", {"content": "x"}, "Change/updateDetectionTarget"),
        ("PATCH", f"{SERVERS}/1001/agent/deactivate", None, "Change/updateDetectionTarget"),
        ("PATCH", f"{SERVERS}/1001/agent/activate", None, "Change/updateDetectionTarget"),
    ]
    for method, path, body, action in changes:
        denied(api.request(method, viewer, path, body, headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"}), action)
    assert everything(api, scenario.owner) == before
    assert page(api, scenario.owner, SERVERS) == servers_before


def test_security_monitoring_viewer_cannot_read_wbd(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    sm_only = make_tenant("acme", sub="soc", policies=["SecurityMonitoringViewer"])
    reads: list[tuple[str, str, Any, str]] = [
        ("GET", f"{RULES}?pageIndex=0&pageSize=20", None, "View/getExceptionRule"),
        ("POST", RULES, {"pageIndex": 0, "pageSize": 20}, "View/searchExceptionRule"),
        ("GET", DELETED, None, "View/getDeletedExceptionRule"),
        ("POST", DELETED, {}, "View/searchDeletedExceptionRule"),
        ("GET", history_path(scenario.ids["every"]), None, "View/getExceptionRuleHistory"),
        ("GET", SERVERS, None, "View/getDetectionTarget"),
        ("POST", SERVERS, {}, "View/searchDetectionTarget"),
    ]
    for method, path, body, action in reads:
        denied(api.request(method, sm_only, path, body, headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"}), action)
    denied(
        api.request(
            "DELETE", sm_only, f"{RULES}/{scenario.ids['every']}", headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"}
        ),
        "Change/deleteExceptionRule",
    )
    assert by_name(page(api, scenario.owner, RULES, pageSize=100))["every"]["isDeleted"] is False


def test_sub_accounts_see_only_their_own_account(
    api: SignedApi, scenario: Scenario, make_tenant: TenantFactory
) -> None:
    make_tenant("globex")
    outsider = make_tenant("globex", sub="ops", policies=["WBDManager"])
    assert page(api, outsider, RULES)["totalCount"] == 0
    assert page(api, outsider, DELETED)["totalCount"] == 0
    rule_id = scenario.ids["every"]
    assert api.wbd("DELETE", outsider, f"{RULES}/{rule_id}") == {
        "success": False,
        "code": 404,
        "message": f"exception rule {rule_id} not found",
        "result": None,
    }
