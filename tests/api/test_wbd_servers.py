"""WBD detection targets over a real socket, on SQLite and PostgreSQL: registration
(secmon), the cloud's list/search/memo/agent operations, and server-group deletion."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.api.wbd_helpers import (
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
    failure,
    ok,
    page,
    restore_path,
    rule_body,
)
from tests.conftest import SignedApi, Tenant, TenantFactory

STATUSES = "enable | disable | notInstalled | error | activating | down"

#: The keys of a detection-target item, in the cloud's order (docs/reference/wbd-api.md §1.6.4).
SERVER_KEYS = [
    "instanceNo",
    "serverName",
    "hostName",
    "serverImageName",
    "serverStatus",
    "serverType",
    "serverEnvType",
    "ipAddress",
    "agentStatus",
    "serverGroupId",
    "serverGroupName",
    "platform",
    "wasConfigList",
    "registeredTime",
    "memo",
    "memberNo",
]


def server_names(result: dict[str, Any]) -> list[str]:
    return [item["serverName"] for item in result["content"]]


def search(api: SignedApi, tenant: Tenant, body: dict[str, Any]) -> list[str]:
    result = page(api, tenant, SERVERS, {"pageSize": 1000, **body})
    assert result["totalCount"] == len(result["content"])
    return server_names(result)


def test_registration_returns_the_detection_target(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    web1 = add_server(api, tenant, "1001", "web-1", group="web", ip="10.0.0.11", host="web-1.internal")
    assert list(web1) == SERVER_KEYS
    group_id = web1.pop("serverGroupId")
    registered = web1.pop("registeredTime")
    assert isinstance(group_id, str)
    assert len(group_id) == 22
    assert group_id.isdigit()
    assert type(registered) is int
    assert web1 == {
        "instanceNo": "1001",
        "serverName": "web-1",
        "hostName": "web-1.internal",
        "serverImageName": None,
        "serverStatus": None,
        "serverType": None,
        "serverEnvType": None,
        "ipAddress": "10.0.0.11",
        "agentStatus": "enable",
        "serverGroupName": "web",
        "platform": "VPC",
        "wasConfigList": [],
        "memo": None,
        "memberNo": tenant.member_no,
    }
    # same group name, same group; no group, no group fields; a numeric instanceNo is a string
    web2 = add_server(api, tenant, "1002", "web-2", group="web")
    assert (web2["serverGroupId"], web2["serverGroupName"]) == (group_id, "web")
    lone = ok(api.wbd("POST", tenant, NEW_SERVER, {"instanceNo": 1003, "serverName": "lone"}))
    assert lone["instanceNo"] == "1003"
    assert (lone["serverGroupId"], lone["serverGroupName"], lone["hostName"], lone["ipAddress"]) == (
        None,
        None,
        None,
        None,
    )
    db = add_server(api, tenant, "1004", "db-1", group="db")
    assert db["serverGroupId"] != group_id

    # listed newest registration first, each exactly as registered
    listed = page(api, tenant, SERVERS)
    assert server_names(listed) == ["db-1", "lone", "web-2", "web-1"]
    assert listed["content"][3] == {**web1, "serverGroupId": group_id, "registeredTime": registered}
    assert listed["content"][0] == db


def test_reregistration_updates_in_place(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    first = add_server(api, tenant, "1001", "web-1", group="web", ip="10.0.0.1")
    api.wbd("PATCH", tenant, f"{SERVERS}/1001/memo", {"content": "keep me"})
    again = add_server(api, tenant, "1001", "web-1-renamed", group="db", ip="10.0.0.2")
    assert again["serverName"] == "web-1-renamed"
    assert again["serverGroupName"] == "db"
    assert again["ipAddress"] == "10.0.0.2"
    assert again["memo"] == "keep me"
    assert again["registeredTime"] == first["registeredTime"]
    [listed] = page(api, tenant, SERVERS)["content"]
    assert listed == again


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"serverName": "x"}, "instanceNo: is required"),
        ({"instanceNo": "1001"}, "serverName: is required"),
        ({"instanceNo": " ", "serverName": "x"}, "instanceNo: is required"),
        ({"instanceNo": "1001", "serverName": ""}, "serverName: is required"),
        ({"instanceNo": True, "serverName": "x"}, "instanceNo: must be a string, got True"),
        ({"instanceNo": "1001", "serverName": 5}, "serverName: must be a string, got 5"),
        (
            {"instanceNo": "1001", "serverName": "x", "serverGroupName": ["web"]},
            "serverGroupName: must be a string, got ['web']",
        ),
        ({"instanceNo": "10\u000001", "serverName": "x"}, "instanceNo: must not contain the NUL character"),
        (
            {"instanceNo": "1001", "serverName": "x", "serverGroupName": "w\u0000"},
            "serverGroupName: must not contain the NUL character",
        ),
        ([{"instanceNo": "1001", "serverName": "x"}], "body: must be a JSON object"),
    ],
)
def test_bad_registration(api: SignedApi, make_tenant: TenantFactory, body: Any, message: str) -> None:
    tenant = make_tenant("acme")
    assert api.wbd("POST", tenant, NEW_SERVER, body) == failure(400, message)
    assert page(api, tenant, SERVERS)["totalCount"] == 0


@pytest.mark.parametrize("searching", [False, True], ids=["get", "post"])
def test_server_paging(api: SignedApi, make_tenant: TenantFactory, searching: bool) -> None:
    tenant = make_tenant("acme")
    for i in range(5):
        add_server(api, tenant, f"10{i}", f"s{i}")
    newest_first = [f"s{i}" for i in reversed(range(5))]

    def fetch(**paging: Any) -> dict[str, Any]:
        return page(api, tenant, SERVERS, paging if searching else None, **({} if searching else paging))

    first = fetch()
    assert (first["pageIndex"], first["pageSize"], first["totalCount"], first["totalPages"]) == (0, 20, 5, 1)
    assert server_names(first) == newest_first
    for size in (1, 2, 4, 5, 6):
        pages = math.ceil(5 / size)
        seen: list[str] = []
        for index in range(pages + 1):
            result = fetch(pageIndex=index, pageSize=size)
            assert (result["pageIndex"], result["pageSize"], result["totalPages"]) == (index, size, pages)
            assert result["totalCount"] == 5
            seen += server_names(result)
        assert seen == newest_first
    result = fetch(pageIndex="2", pageSize="2")
    assert (result["pageIndex"], result["pageSize"]) == (2, 2)
    assert server_names(result) == ["s0"]


def test_search_filters(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    add_server(api, tenant, "1001", "Web-Front-1", group="web-tier", ip="10.0.1.11")
    add_server(api, tenant, "1002", "web-front-2", group="web-tier", ip="10.0.1.12")
    add_server(api, tenant, "1003", "db-primary", group="DB", ip="10.0.2.21")
    add_server(api, tenant, "1004", "batch", ip="192.168.0.5")
    ok(api.wbd("PATCH", tenant, f"{SERVERS}/1003/memo", {"content": "Primary database, do NOT reboot"}))
    assert api.wbd("PATCH", tenant, f"{SERVERS}/1004/agent/deactivate")["success"] is True

    assert search(api, tenant, {}) == ["batch", "db-primary", "web-front-2", "Web-Front-1"]
    # serverName, serverGroupName, ipAddress, memo: case-insensitive substrings
    assert search(api, tenant, {"serverName": "WEB-front"}) == ["web-front-2", "Web-Front-1"]
    assert search(api, tenant, {"serverName": "front-1"}) == ["Web-Front-1"]
    assert search(api, tenant, {"serverGroupName": "TIER"}) == ["web-front-2", "Web-Front-1"]
    assert search(api, tenant, {"serverGroupName": "db"}) == ["db-primary"]
    assert search(api, tenant, {"ipAddress": "10.0.1."}) == ["web-front-2", "Web-Front-1"]
    assert search(api, tenant, {"ipAddress": "168.0"}) == ["batch"]
    assert search(api, tenant, {"memo": "not reboot"}) == ["db-primary"]
    assert search(api, tenant, {"memo": "x"}) == []
    # agentStatus: an array of statuses (any of them); a lone string is taken as one
    assert search(api, tenant, {"agentStatus": ["disable"]}) == ["batch"]
    assert search(api, tenant, {"agentStatus": ["enable"]}) == ["db-primary", "web-front-2", "Web-Front-1"]
    assert len(search(api, tenant, {"agentStatus": ["enable", "disable"]})) == 4
    assert search(api, tenant, {"agentStatus": ["notInstalled", "error"]}) == []
    assert search(api, tenant, {"agentStatus": "disable"}) == ["batch"]
    assert len(search(api, tenant, {"agentStatus": []})) == 4
    # blank filters are no filters; filters combine
    assert len(search(api, tenant, {"serverName": "", "ipAddress": " "})) == 4
    assert search(api, tenant, {"serverName": "web", "ipAddress": ".12"}) == ["web-front-2"]
    assert search(api, tenant, {"serverGroupName": "web", "agentStatus": ["disable"]}) == []
    # unknown fields are ignored
    assert len(search(api, tenant, {"serverImageName": "ubuntu", "webRootPath": "/var/www"})) == 4


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"agentStatus": ["running"]},
            f"agentStatus: must be among {STATUSES}, got 'running'",
        ),
        ({"agentStatus": 5}, "agentStatus: must be an array of strings, got 5"),
        ({"agentStatus": False}, "agentStatus: must be an array of strings, got False"),
        (
            {"agentStatus": [5]},
            f"agentStatus: must be among {STATUSES}, got 5",
        ),
        ({"serverName": 5}, "serverName: must be a string, got 5"),
        ({"memo": "a\u0000"}, "memo: must not contain the NUL character"),
        ({"pageSize": 0}, "pageSize: must be between 1 and 1000"),
    ],
)
def test_bad_server_search(
    api: SignedApi, make_tenant: TenantFactory, body: dict[str, Any], message: str
) -> None:
    tenant = make_tenant("acme")
    assert api.wbd("POST", tenant, SERVERS, body) == failure(400, message)


def test_memo_and_agent(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    add_server(api, tenant, "1001", "web-1")
    # the cloud nests a whole envelope in the memo's result
    assert api.wbd("PATCH", tenant, f"{SERVERS}/1001/memo", {"content": "duplicated server"}) == {
        **SUCCESS_NULL,
        "result": SUCCESS_NULL,
    }
    assert page(api, tenant, SERVERS)["content"][0]["memo"] == "duplicated server"
    api.wbd("PATCH", tenant, f"{SERVERS}/1001/memo", {"content": None})
    assert page(api, tenant, SERVERS)["content"][0]["memo"] is None
    assert api.wbd("PATCH", tenant, f"{SERVERS}/1001/memo", {}) == failure(400, "content: is required")

    # activate/deactivate answer "Successful"
    successful = {"success": True, "code": 0, "message": "Successful", "result": None}
    assert api.wbd("PATCH", tenant, f"{SERVERS}/1001/agent/deactivate") == successful
    assert page(api, tenant, SERVERS)["content"][0]["agentStatus"] == "disable"
    assert api.wbd("PATCH", tenant, f"{SERVERS}/1001/agent/activate") == successful
    assert page(api, tenant, SERVERS)["content"][0]["agentStatus"] == "enable"


def test_unknown_and_foreign_servers_are_404(api: SignedApi, make_tenant: TenantFactory) -> None:
    mine, theirs = make_tenant("acme"), make_tenant("globex")
    add_server(api, theirs, "2001", "their-web")
    for instance_no in ("2001", "9999", "a%00b"):
        missing = failure(404, f"server {instance_no.replace('%00', chr(0))} not found")
        assert api.wbd("PATCH", mine, f"{SERVERS}/{instance_no}/memo", {"content": "x"}) == missing
        assert api.wbd("PATCH", mine, f"{SERVERS}/{instance_no}/agent/activate") == missing
        assert api.wbd("PATCH", mine, f"{SERVERS}/{instance_no}/agent/deactivate") == missing
    assert page(api, mine, SERVERS)["totalCount"] == 0
    [theirs_listed] = page(api, theirs, SERVERS)["content"]
    assert (theirs_listed["memo"], theirs_listed["agentStatus"]) == (None, "enable")


def test_deleting_a_group(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    web = add_server(api, tenant, "1001", "web-1", group="web")
    group_id = web["serverGroupId"]
    add_server(api, tenant, "1002", "db-1", group="db")
    on_group = create_rule(api, tenant, "on-group", "serverGroup", group_id)
    on_server = create_rule(api, tenant, "on-server", "server", "1001")
    deleted_on_group = create_rule(api, tenant, "deleted-on-group", "serverGroup", group_id)
    delete_rule(api, tenant, deleted_on_group["exceptedRuleId"])

    assert api.wbd("DELETE", tenant, f"{GROUPS}/{group_id}") == SUCCESS_NULL

    # rules targeting it say so, and keep its id and name; other rules are untouched
    rules = by_name(page(api, tenant, RULES))
    assert rules["on-group"] == {**on_group, "groupIsDeleted": True}
    assert rules["on-server"] == on_server
    [gone] = page(api, tenant, "/api/v1/deleted-exception-rules")["content"]
    assert gone["groupIsDeleted"] is True
    restored = ok(api.wbd("POST", tenant, restore_path(deleted_on_group["exceptedRuleId"])))
    assert restored["groupIsDeleted"] is True
    # its servers leave the group; other groups stay
    servers = {item["instanceNo"]: item for item in page(api, tenant, SERVERS)["content"]}
    assert (servers["1001"]["serverGroupId"], servers["1001"]["serverGroupName"]) == (None, None)
    assert servers["1002"]["serverGroupName"] == "db"
    # it can be deleted only once, and no new rule may target it
    assert api.wbd("DELETE", tenant, f"{GROUPS}/{group_id}") == failure(
        404, f"server group {group_id} not found"
    )
    assert api.wbd("POST", tenant, NEW_RULE, rule_body("late", "serverGroup", group_id)) == failure(
        400, f"exceptTarget: no server group with id '{group_id}'"
    )
    # a new group of the same name is a different group
    again = add_server(api, tenant, "1001", "web-1", group="web")
    assert again["serverGroupName"] == "web"
    assert again["serverGroupId"] != group_id
    assert by_name(page(api, tenant, RULES))["on-group"]["groupIsDeleted"] is True


def test_unknown_and_foreign_groups_are_404(api: SignedApi, make_tenant: TenantFactory) -> None:
    mine, theirs = make_tenant("acme"), make_tenant("globex")
    theirs_group = add_server(api, theirs, "2001", "their-web", group="web")["serverGroupId"]
    for group_id in (theirs_group, "2024072312114199999999", "web", "a%00b"):
        assert api.wbd("DELETE", mine, f"{GROUPS}/{group_id}") == failure(
            404, f"server group {group_id.replace('%00', chr(0))} not found"
        )
    [their_server] = page(api, theirs, SERVERS)["content"]
    assert their_server["serverGroupId"] == theirs_group
