"""The seed's own example for SearchDeletedExceptionRule, end to end: its request body
in, against a deleted rule made to match its example item; its response shape out.

tests/fixtures/golden/ holds the seed's example request and response (see the README
there: the masked `memberNo` is replaced with an integer). The response must have
exactly the golden keys, in the golden order, with the golden JSON types, and the
golden values except the two this server assigns (the rule id and the member number).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from secmon.domain.wbd import Condition, FieldCondition, RuleTarget, TargetType
from secmon.store import Store
from tests.api.wbd_helpers import (
    DELETED,
    RULE_KEYS,
    add_server,
    stored_rule,
)
from tests.conftest import SEEDS, SignedApi, TenantFactory
from tests.support import signing

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "golden"
GOLDEN_REQUEST = GOLDEN / "searchDeletedExceptionRule.request.json"
GOLDEN_RESPONSE = GOLDEN / "searchDeletedExceptionRule.response.json"
SEED = SEEDS / "webshell-behavior-detector-SearchDeletedExceptionRule.txt"
#: The integer standing in for the seed's masked `26***90` (see the golden README).
MASKED_MEMBER_NO = "26***90"
GOLDEN_MEMBER_NO = 2612390

# The seed's example item's times, and a created-time range around them.
CREATED = 1721736701560
DELETED_AT = 1721736731627
RANGE_FROM = 1721736686000
RANGE_TO = 1721736806000


def json_type(value: Any) -> str:
    """The JSON type of a decoded value (booleans are not integers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, JSON type) pairs in document order."""
    return [(key, json_type(value)) for key, value in document.items()]


def golden_response() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(GOLDEN_RESPONSE.read_text())
    return data


def test_golden_files_are_the_seeds_examples() -> None:
    if not SEED.exists():
        pytest.skip(f"seed page not available at {SEED}")
    text = SEED.read_text()
    start = text.index("{", text.index("The following is a sample example."))
    example = text[start:]
    assert example.count(MASKED_MEMBER_NO) == 1
    assert json.loads(example.replace(MASKED_MEMBER_NO, str(GOLDEN_MEMBER_NO))) == golden_response()
    start = text.index("--data '") + len("--data '")
    request = json.loads(text[start : text.index("}'", start) + 1])
    assert json.loads(GOLDEN_REQUEST.read_text()) == request
    assert request == {"createdTimeFrom": RANGE_FROM, "createdTimeTo": RANGE_TO}


def test_golden_response_shape() -> None:
    # Pin what the seed says, so a careless edit of the golden file is caught here.
    golden = golden_response()
    assert shape(golden) == [
        ("success", "boolean"),
        ("code", "integer"),
        ("message", "string"),
        ("result", "object"),
    ]
    assert shape(golden["result"]) == [
        ("content", "array"),
        ("totalCount", "integer"),
        ("pageSize", "integer"),
        ("pageIndex", "integer"),
        ("totalPages", "integer"),
    ]
    [item] = golden["result"]["content"]
    assert list(item) == RULE_KEYS
    types = dict(shape(item))
    assert types["disabled"] == types["isDeleted"] == "boolean"
    assert types["actionName"] == types["permission"] == types["memo"] == types["groupIsDeleted"] == "null"
    assert types["createdTime"] == types["deletedTime"] == types["memberNo"] == "integer"
    assert {types[k] for k in RULE_KEYS[3:20]} == {"string"}
    assert (item["createdTime"], item["deletedTime"]) == (CREATED, DELETED_AT)


def test_seed_example_request_and_response(api: SignedApi, make_tenant: TenantFactory, store: Store) -> None:
    tenant = make_tenant("acme")
    golden = golden_response()
    [golden_item] = golden["result"]["content"]
    # A server and a deleted rule that are the seed's example item.
    add_server(api, tenant, golden_item["exceptTarget"], golden_item["exceptTargetName"])
    conditions = {
        name: FieldCondition(golden_item[wire], Condition(golden_item[f"{wire}Condition"]))
        for name, wire in (
            ("process_name", "processName"),
            ("process_arg", "processArg"),
            ("executor", "executor"),
            ("process_name_of_parent", "processNameOfParent"),
            ("process_arg_of_parent", "processArgOfParent"),
            ("executor_of_parent", "executorOfParent"),
        )
    }
    rule = stored_rule(
        store,
        tenant,
        golden_item["exceptedRuleName"],
        CREATED,
        DELETED_AT,
        RuleTarget(TargetType.SERVER, golden_item["exceptTarget"]),
        golden_item["exceptTargetName"],
        **conditions,
    )
    # Rules the request must leave out: created just outside the range, or not deleted.
    stored_rule(store, tenant, "created-before", RANGE_FROM - 1, DELETED_AT)
    stored_rule(store, tenant, "created-after", RANGE_TO + 1, RANGE_TO + 2)
    stored_rule(store, tenant, "live", CREATED)

    # Exactly the seed's request, as its curl example sends it.
    headers = {
        **signing.headers(tenant.access_key, tenant.secret_key, "POST", DELETED),
        "Content-Type": "application/json",
        "X-NCP-USE_PLATFORM_TYPE": "VPC",
    }
    response = api.http.post(DELETED, content=GOLDEN_REQUEST.read_bytes(), headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")

    got = response.json()
    assert shape(got) == shape(golden)
    assert shape(got["result"]) == shape(golden["result"])
    assert len(got["result"]["content"]) == 1
    got_item = got["result"]["content"][0]
    assert list(got_item) == list(golden_item)
    assert shape(got_item) == shape(golden_item)
    assert got_item["memberNo"] == tenant.member_no
    assert got_item["groupIsDeleted"] is None

    # The id is the creation time (UTC) and a sequence; every other value is the seed's.
    assert got_item["exceptedRuleId"] == rule.rule_id
    stamp = datetime.fromtimestamp(CREATED / 1000, tz=UTC).strftime("%Y%m%d%H%M%S")
    assert got_item["exceptedRuleId"].startswith(stamp)
    assert len(got_item["exceptedRuleId"]) == 22
    assigned = {"exceptedRuleId": golden_item["exceptedRuleId"], "memberNo": golden_item["memberNo"]}
    assert {**got_item, **assigned} == golden_item
    assert {**got["result"], "content": golden["result"]["content"]} == golden["result"]
    assert {k: v for k, v in got.items() if k != "result"} == {
        k: v for k, v in golden.items() if k != "result"
    }
