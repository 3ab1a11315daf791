"""WBD exception rules and deleted rules over a real socket, on SQLite and PostgreSQL:
create/edit (secmon), list/search/memo/delete (cloud), restore/recover, history, and
bad input answered in the WBD envelope (HTTP 200), never a 500."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime
from typing import Any

import pytest

from secmon.api.wbd_routes import _ROUTES
from secmon.store import Store
from tests.api.wbd_helpers import (
    DELETED,
    ENVELOPE_KEYS,
    MATCH_WIRE,
    NEW_RULE,
    NEW_SERVER,
    NO_PLATFORM,
    RULE_KEYS,
    RULES,
    SECOND,
    SERVERS,
    SUCCESS_NULL,
    T0,
    add_server,
    by_name,
    create_rule,
    delete_rule,
    failure,
    history_path,
    ok,
    page,
    recover_path,
    restore_path,
    rule_body,
    rule_names,
    search_names,
    stored_rule,
)
from tests.conftest import SignedApi, Tenant, TenantFactory
from tests.support import signing

# -- create and the item's shape


def test_created_rule_is_the_seed_item(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    add_server(api, tenant, "1001", "web-1", group="web")
    rule = create_rule(
        api,
        tenant,
        "nks-php",
        "server",
        "1001",
        processName="/usr/bin/php",
        processArg="-r",
        processArgCondition="START",
        executor="www-data",
        executorCondition="EQUAL",
        processNameOfParent="fpm",
        processNameOfParentCondition="END",
    )
    assert list(rule) == RULE_KEYS
    rule_id = rule.pop("exceptedRuleId")
    created = rule.pop("createdTime")
    assert isinstance(rule_id, str)
    assert len(rule_id) == 22
    assert rule_id.isdigit()
    # yyyyMMddHHmmss of the creation time (UTC), then an 8-digit sequence
    assert rule_id[:14] == datetime.fromtimestamp(created / 1000, tz=UTC).strftime("%Y%m%d%H%M%S")
    assert type(created) is int
    assert rule == {
        "disabled": False,
        "actionName": None,
        "permission": None,
        "exceptedRuleName": "nks-php",
        "exceptTargetType": "server",
        "exceptTarget": "1001",
        "exceptTargetName": "web-1",
        # a value without a condition means EQUAL
        "processName": "/usr/bin/php",
        "processNameCondition": "EQUAL",
        "processArg": "-r",
        "processArgCondition": "START",
        "executor": "www-data",
        "executorCondition": "EQUAL",
        "processNameOfParent": "fpm",
        "processNameOfParentCondition": "END",
        # fields not given are not used, and their value is null
        "processArgOfParent": None,
        "processArgOfParentCondition": "NOT_USE",
        "executorOfParent": None,
        "executorOfParentCondition": "NOT_USE",
        "deletedTime": None,
        "isDeleted": False,
        "memo": None,
        "memberNo": tenant.member_no,
        "groupIsDeleted": None,
    }
    # and it reads back the same through the cloud's list
    [listed] = page(api, tenant, RULES)["content"]
    assert listed == {**rule, "exceptedRuleId": rule_id, "createdTime": created}
    assert list(listed) == RULE_KEYS


def test_create_targets_group_and_every_server(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    group_id = add_server(api, tenant, "1001", "web-1", group="web")["serverGroupId"]
    grouped = create_rule(
        api, tenant, "g", "serverGroup", group_id, processName="sh", memo="why", disabled=True
    )
    assert grouped["exceptTargetType"] == "serverGroup"
    assert grouped["exceptTarget"] == group_id
    assert grouped["exceptTargetName"] == "web"
    assert grouped["groupIsDeleted"] is False
    assert grouped["memo"] == "why"
    assert grouped["disabled"] is True
    # everyServer has neither target nor name, whatever the body says
    every = create_rule(api, tenant, "e", "everyServer", "1001", processName="sh", disabled=False)
    assert (every["exceptTarget"], every["exceptTargetName"], every["groupIsDeleted"]) == (None, None, None)
    assert every["disabled"] is False
    # a numeric instance number is taken as its digits
    server = create_rule(api, tenant, "s", "server", None, exceptTarget=1001, processName="sh")
    assert server["exceptTarget"] == "1001"
    listed = by_name(page(api, tenant, RULES))
    assert listed["g"]["disabled"] is True
    assert listed["e"]["disabled"] is False


# -- edit


def test_edit_changes_only_what_is_given(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    group_id = add_server(api, tenant, "1001", "web-1", group="web")["serverGroupId"]
    rule = create_rule(api, tenant, "before", "server", "1001", processName="/bin/sh", executor="www-data")
    path = f"{NEW_RULE}/{rule['exceptedRuleId']}"

    edited = ok(
        api.wbd(
            "PATCH",
            tenant,
            path,
            {
                "exceptedRuleName": "after",
                "processNameCondition": "END",  # condition only: the value stays
                "executor": "nginx",  # value only on a used field: the condition stays
                "processArg": "-c",  # value only on an unused field: EQUAL, as on create
                "memo": "edited",
            },
        )
    )
    assert list(edited) == RULE_KEYS
    assert edited == {
        **rule,
        "exceptedRuleName": "after",
        "processNameCondition": "END",
        "executor": "nginx",
        "processArg": "-c",
        "processArgCondition": "EQUAL",
        "memo": "edited",
    }

    regrouped = ok(
        api.wbd(
            "PATCH",
            tenant,
            path,
            {
                "exceptTargetType": "serverGroup",
                "exceptTarget": group_id,
                "executorCondition": "NOT_USE",
                "memo": None,
                "disabled": True,
            },
        )
    )
    assert regrouped["exceptTargetType"] == "serverGroup"
    assert regrouped["exceptTarget"] == group_id
    assert regrouped["exceptTargetName"] == "web"
    assert regrouped["groupIsDeleted"] is False
    assert (regrouped["executor"], regrouped["executorCondition"]) == (None, "NOT_USE")
    assert regrouped["memo"] is None
    assert regrouped["disabled"] is True
    assert regrouped["createdTime"] == rule["createdTime"]
    assert regrouped["exceptedRuleId"] == rule["exceptedRuleId"]

    every = ok(api.wbd("PATCH", tenant, path, {"exceptTargetType": "everyServer", "disabled": False}))
    assert (every["exceptTarget"], every["exceptTargetName"], every["groupIsDeleted"]) == (None, None, None)
    assert every["disabled"] is False
    assert ok(api.wbd("PATCH", tenant, path, {})) == every
    [listed] = page(api, tenant, RULES)["content"]
    assert listed == every


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"processNameCondition": "LIKE"},
            "processNameCondition: must be one of EQUAL | START | END | NOT_USE, got 'LIKE'",
        ),
        (
            {"processNameCondition": "NOT_USE"},
            "condition: at least one of the six conditions must be other than NOT_USE",
        ),
        ({"processName": ""}, "processName: a value is required with condition EQUAL"),
        ({"processName": None}, "processName: a value is required with condition EQUAL"),
        ({"exceptedRuleName": "  "}, "exceptedRuleName: must not be empty"),
        ({"exceptTargetType": "server"}, "exceptTarget: is required when exceptTargetType is server"),
        (
            {"exceptTargetType": "server", "exceptTarget": "9999"},
            "exceptTarget: no server with instance number '9999'",
        ),
        ({"disabled": "yes"}, "disabled: must be true or false, got 'yes'"),
        ({"memo": 5}, "memo: must be a string or null"),
    ],
)
def test_bad_edit_is_refused_and_changes_nothing(
    api: SignedApi, make_tenant: TenantFactory, body: dict[str, Any], message: str
) -> None:
    tenant = make_tenant("acme")
    rule = create_rule(api, tenant, "r", processName="sh")
    assert api.wbd("PATCH", tenant, f"{NEW_RULE}/{rule['exceptedRuleId']}", body) == failure(400, message)
    assert page(api, tenant, RULES)["content"] == [rule]


# -- create: bad input

_SH = {"exceptedRuleName": "r", "exceptTargetType": "everyServer"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {**_SH, "processName": "sh", "processNameCondition": "LIKE"},
            "processNameCondition: must be one of EQUAL | START | END | NOT_USE, got 'LIKE'",
        ),
        (
            {**_SH, "executor": "x", "executorCondition": 1},
            "executorCondition: must be one of EQUAL | START | END | NOT_USE, got 1",
        ),
        (
            {**_SH, **{f"{wire}Condition": "NOT_USE" for wire in MATCH_WIRE}},
            "condition: at least one of the six conditions must be other than NOT_USE",
        ),
        (
            {
                **_SH,
                **{wire: "x" for wire in MATCH_WIRE},
                **{f"{wire}Condition": "NOT_USE" for wire in MATCH_WIRE},
            },
            "condition: at least one of the six conditions must be other than NOT_USE",
        ),
        (_SH, "condition: at least one of the six conditions must be other than NOT_USE"),
        ({**_SH, "processArgCondition": "START"}, "processArg: a value is required with condition START"),
        ({**_SH, "executorOfParent": ""}, "executorOfParent: a value is required with condition EQUAL"),
        ({**_SH, "processName": 5}, "processName: must be a string, got 5"),
        ({"exceptTargetType": "everyServer", "processName": "sh"}, "exceptedRuleName: is required"),
        ({**_SH, "exceptedRuleName": 7, "processName": "sh"}, "exceptedRuleName: must be a string"),
        ({**_SH, "exceptedRuleName": " ", "processName": "sh"}, "exceptedRuleName: must not be empty"),
        (
            {**_SH, "exceptedRuleName": "n" * 201, "processName": "sh"},
            "exceptedRuleName: must be at most 200 characters",
        ),
        (
            {"exceptedRuleName": "r", "processName": "sh"},
            "exceptTargetType: is required (server | serverGroup | everyServer)",
        ),
        (
            {**_SH, "exceptTargetType": "cluster", "processName": "sh"},
            "exceptTargetType: must be one of server | serverGroup | everyServer, got 'cluster'",
        ),
        (
            {**_SH, "exceptTargetType": "server", "processName": "sh"},
            "exceptTarget: is required when exceptTargetType is server",
        ),
        (
            {**_SH, "exceptTargetType": "serverGroup", "exceptTarget": " ", "processName": "sh"},
            "exceptTarget: is required when exceptTargetType is serverGroup",
        ),
        (
            {**_SH, "exceptTargetType": "server", "exceptTarget": "9999", "processName": "sh"},
            "exceptTarget: no server with instance number '9999'",
        ),
        (
            {
                **_SH,
                "exceptTargetType": "serverGroup",
                "exceptTarget": "2024072312114100000001",
                "processName": "sh",
            },
            "exceptTarget: no server group with id '2024072312114100000001'",
        ),
        ({**_SH, "processName": "sh", "disabled": 1}, "disabled: must be true or false, got 1"),
        ({**_SH, "processName": "sh", "memo": ["m"]}, "memo: must be a string or null"),
        ({**_SH, "processName": "sh", "memo": "a\u0000b"}, "memo: must not contain the NUL character"),
        ({**_SH, "processName": "/bin/\u0000sh"}, "processName: must not contain the NUL character"),
        ([_SH], "body: must be a JSON object"),
    ],
)
def test_bad_rule_is_refused(api: SignedApi, make_tenant: TenantFactory, body: Any, message: str) -> None:
    tenant = make_tenant("acme")
    assert api.wbd("POST", tenant, NEW_RULE, body) == failure(400, message)
    assert page(api, tenant, RULES)["totalCount"] == 0


def test_body_that_is_not_json(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    for method, path in (("POST", NEW_RULE), ("POST", RULES), ("POST", DELETED)):
        headers = {**signing.headers(tenant.access_key, tenant.secret_key, method, path)}
        headers["X-NCP-USE_PLATFORM_TYPE"] = "VPC"
        response = api.http.request(method, path, content=b"{not json", headers=headers)
        assert response.status_code == 200
        assert response.json() == failure(400, "body: is not valid JSON")


def test_rule_targets_only_the_callers_servers(api: SignedApi, make_tenant: TenantFactory) -> None:
    mine, theirs = make_tenant("acme"), make_tenant("globex")
    group_id = add_server(api, theirs, "2001", "their-web", group="web")["serverGroupId"]
    assert api.wbd("POST", mine, NEW_RULE, rule_body("r", "server", "2001")) == failure(
        400, "exceptTarget: no server with instance number '2001'"
    )
    assert api.wbd("POST", mine, NEW_RULE, rule_body("r", "serverGroup", group_id)) == failure(
        400, f"exceptTarget: no server group with id '{group_id}'"
    )


# -- lists: paging


def _five_rules(store: Store, tenant: Tenant, deleted: bool = False) -> list[str]:
    """Rules r0..r4, created a second apart; returns the names newest first."""
    for i in range(5):
        stored_rule(store, tenant, f"r{i}", T0 + i * SECOND, T0 + 10 * SECOND + i if deleted else None)
    return [f"r{i}" for i in reversed(range(5))]


@pytest.mark.parametrize("deleted", [False, True], ids=["live", "deleted"])
@pytest.mark.parametrize("searching", [False, True], ids=["get", "post"])
def test_paging_arithmetic(
    api: SignedApi, make_tenant: TenantFactory, store: Store, deleted: bool, searching: bool
) -> None:
    tenant = make_tenant("acme")
    path = DELETED if deleted else RULES
    newest_first = _five_rules(store, tenant, deleted)
    # the other list never shows these
    assert page(api, tenant, RULES if deleted else DELETED)["totalCount"] == 0

    def fetch(**paging: Any) -> dict[str, Any]:
        return page(api, tenant, path, paging if searching else None, **({} if searching else paging))

    first = fetch()
    assert (first["pageIndex"], first["pageSize"], first["totalCount"], first["totalPages"]) == (0, 20, 5, 1)
    assert rule_names(first) == newest_first
    for size in (1, 2, 3, 4, 5, 6, 1000):
        pages = math.ceil(5 / size)
        seen: list[str] = []
        for index in range(pages + 1):
            result = fetch(pageIndex=index, pageSize=size)
            assert (result["pageIndex"], result["pageSize"]) == (index, size)
            assert (result["totalCount"], result["totalPages"]) == (5, pages)
            seen += rule_names(result)
            if index == pages:  # past the end: empty, with the true count
                assert result["content"] == []
        assert seen == newest_first
    # numeric strings are numbers
    result = fetch(pageIndex="1", pageSize="2")
    assert (result["pageIndex"], result["pageSize"], result["totalPages"]) == (1, 2, 3)
    assert rule_names(result) == newest_first[2:4]


def test_empty_list_has_no_pages(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    for path in (RULES, DELETED):
        assert page(api, tenant, path) == {
            "content": [],
            "totalCount": 0,
            "pageSize": 20,
            "pageIndex": 0,
            "totalPages": 0,
        }
        assert page(api, tenant, path, {"pageSize": 7})["totalPages"] == 0


_BAD_PAGING = [
    ({"pageSize": 0}, "pageSize: must be between 1 and 1000"),
    ({"pageSize": 1001}, "pageSize: must be between 1 and 1000"),
    ({"pageSize": -5}, "pageSize: must be between 1 and 1000"),
    ({"pageIndex": -1}, "pageIndex: must be 0 or more"),
    ({"pageIndex": 2**31}, "pageIndex: must be at most 2147483647"),
    ({"pageSize": "abc"}, "pageSize: must be an integer, got 'abc'"),
    ({"pageIndex": "1.5"}, "pageIndex: must be an integer, got '1.5'"),
]


@pytest.mark.parametrize(("paging", "message"), _BAD_PAGING)
def test_bad_paging_in_the_query(
    api: SignedApi, make_tenant: TenantFactory, paging: dict[str, Any], message: str
) -> None:
    tenant = make_tenant("acme")
    query = "&".join(f"{k}={v}" for k, v in paging.items())
    for path in (RULES, DELETED, SERVERS):
        assert api.wbd("GET", tenant, f"{path}?{query}") == failure(400, message)


@pytest.mark.parametrize(
    ("paging", "message"),
    [*_BAD_PAGING, ({"pageSize": True}, "pageSize: must be an integer, got true")],
)
def test_bad_paging_in_the_body(
    api: SignedApi, make_tenant: TenantFactory, paging: dict[str, Any], message: str
) -> None:
    tenant = make_tenant("acme")
    for path in (RULES, DELETED, SERVERS):
        assert api.wbd("POST", tenant, path, paging) == failure(400, message)


# -- lists: order and filters


def test_live_rules_newest_created_first_deleted_newest_deleted_first(
    api: SignedApi, make_tenant: TenantFactory, store: Store
) -> None:
    tenant = make_tenant("acme")
    # stored out of order; two created in the same millisecond
    stored_rule(store, tenant, "middle", T0 + SECOND)
    stored_rule(store, tenant, "oldest", T0)
    stored_rule(store, tenant, "newest", T0 + 2 * SECOND)
    stored_rule(store, tenant, "tie-first", T0 + 3 * SECOND)
    stored_rule(store, tenant, "tie-second", T0 + 3 * SECOND)
    # deleted in the opposite order of their creation
    stored_rule(store, tenant, "made-first-deleted-last", T0, T0 + 30 * SECOND)
    stored_rule(store, tenant, "made-last-deleted-first", T0 + 2 * SECOND, T0 + 10 * SECOND)
    stored_rule(store, tenant, "made-second-deleted-second", T0 + SECOND, T0 + 20 * SECOND)

    live = page(api, tenant, RULES)
    assert rule_names(live) == ["tie-second", "tie-first", "newest", "middle", "oldest"]
    times = [item["createdTime"] for item in live["content"]]
    assert times == sorted(times, reverse=True)
    deleted = page(api, tenant, DELETED)
    assert rule_names(deleted) == [
        "made-first-deleted-last",
        "made-second-deleted-second",
        "made-last-deleted-first",
    ]
    assert all(item["isDeleted"] is True for item in deleted["content"])
    assert [item["deletedTime"] for item in deleted["content"]] == [
        T0 + 30 * SECOND,
        T0 + 20 * SECOND,
        T0 + 10 * SECOND,
    ]
    # searches sort the same way
    assert search_names(api, tenant, {}) == rule_names(live)
    assert search_names(api, tenant, {}, deleted=True) == rule_names(deleted)


def test_created_time_range_is_inclusive(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    for i in range(3):
        stored_rule(store, tenant, f"live{i}", T0 + i * SECOND)
        stored_rule(store, tenant, f"gone{i}", T0 + i * SECOND, T0 + 60 * SECOND + i)
    mid = T0 + SECOND
    cases: list[tuple[dict[str, int], list[int]]] = [
        ({}, [2, 1, 0]),
        ({"createdTimeFrom": 0, "createdTimeTo": 0}, [2, 1, 0]),  # 0 = unbounded
        ({"createdTimeFrom": mid}, [2, 1]),
        ({"createdTimeFrom": mid + 1}, [2]),
        ({"createdTimeTo": mid}, [1, 0]),
        ({"createdTimeTo": mid - 1}, [0]),
        ({"createdTimeFrom": mid, "createdTimeTo": mid}, [1]),
        ({"createdTimeFrom": T0, "createdTimeTo": T0 + 2 * SECOND}, [2, 1, 0]),
        ({"createdTimeFrom": T0 + 1, "createdTimeTo": T0 + 2 * SECOND - 1}, [1]),
        ({"createdTimeFrom": 0, "createdTimeTo": T0}, [0]),
        ({"createdTimeFrom": T0 + 2 * SECOND + 1}, []),
    ]
    for body, expected in cases:
        assert search_names(api, tenant, body) == [f"live{i}" for i in expected], body
        assert search_names(api, tenant, body, deleted=True) == [f"gone{i}" for i in expected], body


def test_deleted_time_range_is_inclusive(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    # created oldest-first, deleted newest-first
    for i, deleted_at in enumerate((T0 + 50 * SECOND, T0 + 40 * SECOND, T0 + 30 * SECOND)):
        stored_rule(store, tenant, f"gone{i}", T0 + i * SECOND, deleted_at)
    stored_rule(store, tenant, "live", T0 + SECOND)
    mid = T0 + 40 * SECOND
    cases: list[tuple[dict[str, int], list[int]]] = [
        ({"deletedTimeFrom": 0, "deletedTimeTo": 0}, [0, 1, 2]),
        ({"deletedTimeFrom": mid}, [0, 1]),
        ({"deletedTimeFrom": mid + 1}, [0]),
        ({"deletedTimeTo": mid}, [1, 2]),
        ({"deletedTimeTo": mid - 1}, [2]),
        ({"deletedTimeFrom": mid, "deletedTimeTo": mid}, [1]),
        ({"deletedTimeFrom": T0 + 30 * SECOND, "deletedTimeTo": T0 + 50 * SECOND}, [0, 1, 2]),
        ({"deletedTimeTo": T0 + 30 * SECOND - 1}, []),
        # both ranges at once: created at or after the second, deleted at or after mid
        ({"createdTimeFrom": T0 + SECOND, "deletedTimeFrom": mid}, [1]),
    ]
    for body, expected in cases:
        assert search_names(api, tenant, body, deleted=True) == [f"gone{i}" for i in expected], body
    # 0 bounds leave the live list alone
    assert search_names(api, tenant, {"deletedTimeFrom": 0, "deletedTimeTo": 0}) == ["live"]


def test_time_range_bounds_match_times_read_back(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    rule = create_rule(api, tenant, "fresh")
    created = rule["createdTime"]
    assert search_names(api, tenant, {"createdTimeFrom": created, "createdTimeTo": created}) == ["fresh"]
    assert search_names(api, tenant, {"createdTimeFrom": created + 1}) == []
    assert search_names(api, tenant, {"createdTimeTo": created - 1}) == []

    delete_rule(api, tenant, rule["exceptedRuleId"])
    [gone] = page(api, tenant, DELETED)["content"]
    deleted = gone["deletedTime"]
    assert type(deleted) is int
    assert deleted >= created
    body = {
        "deletedTimeFrom": deleted,
        "deletedTimeTo": deleted,
        "createdTimeFrom": created,
        "createdTimeTo": created,
    }
    assert search_names(api, tenant, body, deleted=True) == ["fresh"]
    assert search_names(api, tenant, {"deletedTimeFrom": deleted + 1}, deleted=True) == []
    assert search_names(api, tenant, {"deletedTimeTo": deleted - 1}, deleted=True) == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"createdTimeFrom": T0 + 1, "createdTimeTo": T0},
            "createdTimeFrom: must not be after createdTimeTo",
        ),
        (
            {"deletedTimeFrom": T0 + 1, "deletedTimeTo": T0},
            "deletedTimeFrom: must not be after deletedTimeTo",
        ),
        ({"createdTimeFrom": -1}, "createdTimeFrom: must not be negative"),
        ({"deletedTimeTo": -1}, "deletedTimeTo: must not be negative"),
        ({"createdTimeTo": "yesterday"}, "createdTimeTo: must be an integer, got 'yesterday'"),
        ({"deletedTimeFrom": True}, "deletedTimeFrom: must be an integer, got true"),
        ({"exceptTarget": ["1001"]}, "exceptTarget: must be a string, got ['1001']"),
        ({"processArg": 5}, "processArg: must be a string, got 5"),
        ({"exceptedRuleName": "a\u0000"}, "exceptedRuleName: must not contain the NUL character"),
    ],
)
def test_bad_search_filters(
    api: SignedApi, make_tenant: TenantFactory, body: dict[str, Any], message: str
) -> None:
    tenant = make_tenant("acme")
    for path in (RULES, DELETED):
        assert api.wbd("POST", tenant, path, body) == failure(400, message)


def test_time_bounds_accept_numeric_strings(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    stored_rule(store, tenant, "old", T0)
    stored_rule(store, tenant, "new", T0 + SECOND)
    assert search_names(api, tenant, {"createdTimeFrom": str(T0 + SECOND)}) == ["new"]


def test_except_target_is_exact(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    group_id = add_server(api, tenant, "1001", "web-1", group="web")["serverGroupId"]
    add_server(api, tenant, "10011", "web-11")
    create_rule(api, tenant, "on-1001", "server", "1001")
    create_rule(api, tenant, "on-10011", "server", "10011")
    create_rule(api, tenant, "on-group", "serverGroup", group_id)
    create_rule(api, tenant, "everywhere")
    assert search_names(api, tenant, {"exceptTarget": "1001"}) == ["on-1001"]
    assert search_names(api, tenant, {"exceptTarget": "10011"}) == ["on-10011"]
    assert search_names(api, tenant, {"exceptTarget": "100"}) == []
    assert search_names(api, tenant, {"exceptTarget": group_id}) == ["on-group"]
    assert search_names(api, tenant, {"exceptTarget": group_id[:-1]}) == []
    assert len(search_names(api, tenant, {"exceptTarget": ""})) == 4  # blank = no filter


def test_rule_name_is_a_case_insensitive_substring(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    for name in ("Nightly PHP-FPM", "php cli", "python"):
        create_rule(api, tenant, name)
    assert sorted(search_names(api, tenant, {"exceptedRuleName": "PHP"})) == ["Nightly PHP-FPM", "php cli"]
    assert search_names(api, tenant, {"exceptedRuleName": "p-f"}) == ["Nightly PHP-FPM"]
    assert search_names(api, tenant, {"exceptedRuleName": "night"}) == ["Nightly PHP-FPM"]
    assert search_names(api, tenant, {"exceptedRuleName": "perl"}) == []
    assert len(search_names(api, tenant, {"exceptedRuleName": "  "})) == 3  # blank = no filter


@pytest.mark.parametrize("deleted", [False, True], ids=["live", "deleted"])
def test_each_process_field_is_a_case_insensitive_substring_of_that_field(
    api: SignedApi, make_tenant: TenantFactory, deleted: bool
) -> None:
    tenant = make_tenant("acme")
    # Rule i holds "Needle" in field i and "hay" in the other five; the last uses none of
    # the needle fields but one, to show NOT_USE (null) fields never match.
    for i, wire in enumerate(MATCH_WIRE):
        fields = {other: f"/opt/hay-{j}" for j, other in enumerate(MATCH_WIRE)}
        fields[wire] = f"/usr/lib/The-Needle-{i}/bin"
        rule = create_rule(api, tenant, f"by-{wire}", **fields)
        if deleted:
            delete_rule(api, tenant, rule["exceptedRuleId"])
    sparse = create_rule(api, tenant, "sparse", processName="/opt/hay-0")
    if deleted:
        delete_rule(api, tenant, sparse["exceptedRuleId"])

    for i, wire in enumerate(MATCH_WIRE):
        assert search_names(api, tenant, {wire: "needle"}, deleted) == [f"by-{wire}"], wire
        assert search_names(api, tenant, {wire: f"THE-NEEDLE-{i}/B"}, deleted) == [f"by-{wire}"], wire
        assert search_names(api, tenant, {wire: "needle-9"}, deleted) == [], wire
        assert len(search_names(api, tenant, {wire: "HAY"}, deleted)) == (6 if wire == "processName" else 5)
    # filters combine (all must hold)
    both = {"processName": "needle", "executor": "hay-2"}
    assert search_names(api, tenant, both, deleted) == ["by-processName"]
    assert search_names(api, tenant, {**both, "exceptedRuleName": "executor"}, deleted) == []


# -- memo, soft delete, restore


def test_memo_on_live_and_deleted_rules(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    rule = create_rule(api, tenant, "r")
    rule_id = rule["exceptedRuleId"]
    # the cloud answers memo updates with result null
    assert api.wbd("PATCH", tenant, f"{RULES}/{rule_id}/memo", {"content": "need update"}) == SUCCESS_NULL
    [item] = page(api, tenant, RULES)["content"]
    assert item == {**rule, "memo": "need update"}
    assert api.wbd("PATCH", tenant, f"{RULES}/{rule_id}/memo", {"content": ""}) == SUCCESS_NULL
    assert page(api, tenant, RULES)["content"][0]["memo"] is None
    for body, message in (
        ({}, "content: is required"),
        ({"content": 3}, "content: must be a string or null"),
        ("text", "body: must be a JSON object"),
    ):
        assert api.wbd("PATCH", tenant, f"{RULES}/{rule_id}/memo", body) == failure(400, message)

    delete_rule(api, tenant, rule_id)
    # a deleted rule is annotated through the deleted-rules path only
    assert api.wbd("PATCH", tenant, f"{RULES}/{rule_id}/memo", {"content": "x"}) == failure(
        404, f"exception rule {rule_id} not found"
    )
    assert api.wbd("PATCH", tenant, f"{DELETED}/{rule_id}/memo", {"content": "check needed"}) == SUCCESS_NULL
    # and a live rule through the live path only
    live_id = create_rule(api, tenant, "live")["exceptedRuleId"]
    assert api.wbd("PATCH", tenant, f"{DELETED}/{live_id}/memo", {"content": "x"}) == failure(
        404, f"deleted exception rule {live_id} not found"
    )
    assert page(api, tenant, RULES)["content"][0]["memo"] is None
    [gone] = page(api, tenant, DELETED)["content"]
    assert gone["memo"] == "check needed"
    assert gone["isDeleted"] is True


def test_soft_delete_then_restore(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    rule = create_rule(api, tenant, "r", processName="sh", executor="www", executorCondition="START")
    keep = create_rule(api, tenant, "keep")
    rule_id = rule["exceptedRuleId"]

    assert api.wbd("DELETE", tenant, f"{RULES}/{rule_id}") == SUCCESS_NULL
    assert rule_names(page(api, tenant, RULES)) == ["keep"]
    [gone] = page(api, tenant, DELETED)["content"]
    assert list(gone) == RULE_KEYS
    assert gone["isDeleted"] is True
    assert type(gone["deletedTime"]) is int
    assert gone["deletedTime"] >= rule["createdTime"]
    # nothing else changed
    assert {**gone, "isDeleted": False, "deletedTime": None} == rule
    # a deleted rule cannot be deleted again, nor edited
    assert api.wbd("DELETE", tenant, f"{RULES}/{rule_id}") == failure(
        404, f"exception rule {rule_id} not found"
    )
    assert api.wbd("PATCH", tenant, f"{NEW_RULE}/{rule_id}", {"memo": "m"}) == failure(
        404, f"exception rule {rule_id} not found"
    )

    restored = ok(api.wbd("POST", tenant, restore_path(rule_id)))
    assert restored == rule
    assert rule_names(page(api, tenant, RULES)) == ["keep", "r"]
    assert page(api, tenant, DELETED)["totalCount"] == 0
    # a live rule cannot be restored
    assert api.wbd("POST", tenant, restore_path(rule_id)) == failure(
        404, f"deleted exception rule {rule_id} not found"
    )

    # the cloud's own path: recover, result null
    delete_rule(api, tenant, rule_id)
    assert api.wbd("POST", tenant, recover_path(rule_id)) == SUCCESS_NULL
    assert by_name(page(api, tenant, RULES))["r"] == rule
    assert api.wbd("POST", tenant, recover_path(rule_id)) == failure(
        404, f"deleted exception rule {rule_id} not found"
    )
    assert by_name(page(api, tenant, RULES))["keep"] == keep


def test_history_oldest_first(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    rule = create_rule(api, tenant, "first")
    rule_id = rule["exceptedRuleId"]
    ok(api.wbd("PATCH", tenant, f"{NEW_RULE}/{rule_id}", {"exceptedRuleName": "second"}))
    api.wbd("PATCH", tenant, f"{RULES}/{rule_id}/memo", {"content": "note"})
    delete_rule(api, tenant, rule_id)
    ok(api.wbd("POST", tenant, restore_path(rule_id)))

    history = ok(api.wbd("GET", tenant, history_path(rule_id)))
    assert [h["action"] for h in history] == ["create", "edit", "memo", "delete", "restore"]
    snapshot_keys = [k for k in RULE_KEYS if k not in ("actionName", "permission")]
    for entry in history:
        assert list(entry) == ["time", "actor", "accessKey", "action", "before", "after"]
        assert entry["actor"] == "acme"
        assert entry["accessKey"] == tenant.access_key
        for side in ("before", "after"):
            assert entry[side] is None or list(entry[side]) == snapshot_keys
    times = [h["time"] for h in history]
    assert times == sorted(times)
    assert times[0] == rule["createdTime"]
    create, edit, memo, delete, restore = history
    assert create["before"] is None
    assert create["after"]["exceptedRuleName"] == "first"
    assert (edit["before"]["exceptedRuleName"], edit["after"]["exceptedRuleName"]) == ("first", "second")
    assert (memo["before"]["memo"], memo["after"]["memo"]) == (None, "note")
    assert (delete["before"]["isDeleted"], delete["after"]["isDeleted"]) == (False, True)
    assert delete["after"]["deletedTime"] == delete["time"]
    assert (restore["before"]["isDeleted"], restore["after"]["isDeleted"]) == (True, False)
    assert restore["after"]["deletedTime"] is None
    # each change starts from where the previous one ended
    for earlier, later in itertools.pairwise(history):
        assert later["before"] == earlier["after"]


# -- unknown ids, other accounts


def test_unknown_and_foreign_rule_ids_are_404(api: SignedApi, make_tenant: TenantFactory) -> None:
    mine, theirs = make_tenant("acme"), make_tenant("globex")
    live = create_rule(api, theirs, "theirs")["exceptedRuleId"]
    gone = create_rule(api, theirs, "their-deleted")["exceptedRuleId"]
    delete_rule(api, theirs, gone)
    unknown = "2024072312114199999999"
    for rule_id in (unknown, live, "not-an-id", "a%00b"):
        shown = rule_id.replace("%00", "\u0000")
        missing = failure(404, f"exception rule {shown} not found")
        assert api.wbd("DELETE", mine, f"{RULES}/{rule_id}") == missing
        assert api.wbd("PATCH", mine, f"{RULES}/{rule_id}/memo", {"content": "x"}) == missing
        assert api.wbd("PATCH", mine, f"{NEW_RULE}/{rule_id}", {"memo": "x"}) == missing
        assert api.wbd("GET", mine, history_path(rule_id)) == missing
    for rule_id in (unknown, gone):
        missing_deleted = failure(404, f"deleted exception rule {rule_id} not found")
        assert api.wbd("POST", mine, restore_path(rule_id)) == missing_deleted
        assert api.wbd("POST", mine, recover_path(rule_id)) == missing_deleted
        assert api.wbd("PATCH", mine, f"{DELETED}/{rule_id}/memo", {"content": "x"}) == missing_deleted
    # and neither list shows the other account's rules
    assert page(api, mine, RULES)["totalCount"] == 0
    assert page(api, mine, DELETED)["totalCount"] == 0
    assert rule_names(page(api, theirs, RULES)) == ["theirs"]
    assert rule_names(page(api, theirs, DELETED)) == ["their-deleted"]


# -- the platform header, on every WBD route


def test_platform_header_is_required_on_every_route(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    server = add_server(api, tenant, "1001", "web-1", group="web")
    rule = create_rule(api, tenant, "r", "server", "1001")
    ids = {"rule_id": rule["exceptedRuleId"], "server_id": "1001", "group_id": server["serverGroupId"]}
    bodies = {
        NEW_RULE: rule_body("new"),
        NEW_SERVER: {"instanceNo": "1002", "serverName": "web-2"},
    }
    assert len(_ROUTES) >= 19
    for method, template, _handler, _summary in _ROUTES:
        path = template.format(**ids)
        body = bodies.get(template, {"content": "changed"} if template.endswith("/memo") else None)
        for platform in (None, ""):
            response = api.request(
                method,
                tenant,
                path,
                body,
                headers={} if platform is None else {"X-NCP-USE_PLATFORM_TYPE": platform},
            )
            assert response.status_code == 200, (method, path, response.text)
            assert response.json() == NO_PLATFORM, (method, path)
        unknown = api.wbd(method, tenant, path, body, platform="AWS")
        assert unknown == failure(400, "X-NCP-USE_PLATFORM_TYPE: must be VPC or CLASSIC, got 'AWS'"), path
    # nothing was changed by any of those calls
    assert page(api, tenant, RULES)["content"] == [rule]
    assert page(api, tenant, DELETED)["totalCount"] == 0
    [listed] = page(api, tenant, SERVERS)["content"]
    assert listed == server
    # both platforms are served
    for platform in ("VPC", "CLASSIC"):
        result = api.wbd("GET", tenant, RULES, platform=platform)
        assert list(result) == ENVELOPE_KEYS
        assert result["result"]["content"] == [rule]


def test_gateway_errors_stay_gateway_bodies(api: SignedApi, make_tenant: TenantFactory) -> None:
    tenant = make_tenant("acme")
    unsigned = api.request("GET", None, RULES, headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"})
    assert unsigned.status_code == 401
    assert unsigned.headers["x-ncp-apigw-response-origin"] == "APIGW"
    assert unsigned.json()["error"]["errorCode"] == "200"
    # the query string is signed: changing it after signing fails authentication
    headers = {**signing.headers(tenant.access_key, tenant.secret_key, "GET", f"{RULES}?pageSize=1")}
    headers["X-NCP-USE_PLATFORM_TYPE"] = "VPC"
    forged = api.http.get(f"{RULES}?pageSize=2", headers=headers)
    assert forged.status_code == 401
    assert forged.json()["error"]["errorCode"] == "200"
    # an unknown WBD path is the gateway's 404
    missing = api.request(
        "GET", tenant, "/api/v1/exception-rulez", headers={"X-NCP-USE_PLATFORM_TYPE": "VPC"}
    )
    assert missing.status_code == 404
    assert missing.json()["error"]["errorCode"] == "300"
